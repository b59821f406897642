"""Data sets (registered by name) and the shared data module.

``DataInfo`` imports without torch (configs and ``ganzoo list`` use it); the rest, which needs torch and
Lightning, loads on first use. The registry imports ``toy`` and ``images`` to register the data sets.
"""
from __future__ import annotations

import importlib

from .info import DataInfo

_LAZY = {"BatchStream": "datamodule", "GanDataModule": "datamodule", "data_info": "datamodule",
         "load_dataset": "datamodule", "ImageSet": "images", "GaussianMixture2D": "toy"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BatchStream", "DataInfo", "GanDataModule", "GaussianMixture2D", "ImageSet", "data_info",
           "load_dataset"]
