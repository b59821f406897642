"""One registry that every entry point reads (CLI, benchmarks, tests).

A method registers its LightningModule class and its config dataclass (defaults = the paper's);
a dataset registers a factory. ``ganzoo list`` prints exactly what is registered here.
"""
from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class GanZooError(Exception):
    """A user-facing error: the CLI prints its message as one line and exits non-zero."""


@dataclass
class MethodEntry:
    name: str
    cls: type
    config_cls: type
    paper: str
    summary: str


@dataclass
class DatasetEntry:
    name: str
    factory: Callable[..., Any]
    kind: str  # "points" or "images"
    summary: str
    embedded: bool = False  # needs no download


@dataclass
class MetricEntry:
    name: str
    summary: str
    extra: dict = field(default_factory=dict)


METHODS: dict[str, MethodEntry] = {}
DATASETS: dict[str, DatasetEntry] = {}
METRICS: dict[str, MetricEntry] = {}


def register_method(name: str, config_cls: type, paper: str, summary: str):
    def deco(cls):
        METHODS[name] = MethodEntry(name, cls, config_cls, paper, summary)
        cls.method_name = name
        return cls
    return deco


def register_dataset(name: str, kind: str, summary: str, embedded: bool = False):
    def deco(factory):
        DATASETS[name] = DatasetEntry(name, factory, kind, summary, embedded)
        return factory
    return deco


def register_metric(name: str, summary: str, **extra):
    METRICS[name] = MetricEntry(name, summary, extra)


def _load_all() -> None:
    # Importing the packages runs their @register_* decorators.
    for mod in ("gan_zoo.data", "gan_zoo.methods", "gan_zoo.metrics"):
        importlib.import_module(mod)


def method_entry(name: str) -> MethodEntry:
    _load_all()
    if name not in METHODS:
        raise GanZooError(f"unknown method '{name}'; known: {', '.join(sorted(METHODS))}")
    return METHODS[name]


def dataset_entry(name: str) -> DatasetEntry:
    _load_all()
    if name not in DATASETS:
        raise GanZooError(f"unknown dataset '{name}'; known: {', '.join(sorted(DATASETS))}")
    return DATASETS[name]


def _parse_value(raw: str, current: Any, key: str) -> Any:
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
    """Return a copy of ``config`` with ``--set key=value`` overrides applied (unknown key: error)."""
    names = {f.name for f in dataclasses.fields(config)}
    changes = {}
    for key, raw in overrides.items():
        if key not in names:
            raise GanZooError(
                f"unknown --set key '{key}' for {type(config).__name__}; known: {', '.join(sorted(names))}"
            )
        changes[key] = _parse_value(raw, getattr(config, key), key)
    return dataclasses.replace(config, **changes)


def create_method(name: str, data_info, overrides: dict[str, str] | None = None, **kwargs):
    """Build a method by name for a dataset description, with ``--set`` overrides."""
    entry = method_entry(name)
    config = entry.config_cls.for_data(data_info) if hasattr(entry.config_cls, "for_data") else entry.config_cls()
    config = apply_overrides(config, overrides or {})
    if hasattr(config, "validate"):
        config.validate()
    return entry.cls(config, data_info, **kwargs)
