"""Data sets (registered by name) and the shared data module."""
from . import images, toy  # noqa: F401  (registers the data sets)
from .datamodule import BatchStream, DataInfo, GanDataModule, data_info, load_dataset
from .images import ImageSet
from .toy import GaussianMixture2D

__all__ = ["BatchStream", "DataInfo", "GanDataModule", "GaussianMixture2D", "ImageSet", "data_info",
           "load_dataset"]
