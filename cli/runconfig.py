"""``ganzoo train --config run.yaml|run.json`` and ``--print-config``: a run as a file.

The file's keys are the names of ``train``'s flags (``method``, ``data``, ``steps``, ``seed``,
``batch_size``, ``gpus``, ...) plus ``config:``, a mapping of the method's config fields (what
``--set`` sets; ``ganzoo list`` shows them). The ``config.json`` every run writes has this layout
(and a ``data_info`` block, which is informational), so ``ganzoo train --config runs/.../config.json``
re-runs that run. LightningCLI's conventions: a flag typed on the command line overrides the file,
``--set`` overrides the file's ``config:``, and an unknown key is an error naming the known ones.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

# Keys of a run file: train's flags, in the order --print-config writes them, with their types.
RUN_KEYS: dict[str, type] = {
    "method": str, "data": str, "steps": int, "seed": int, "batch_size": int, "gpus": int, "nodes": int,
    "precision": str, "accelerator": str, "out": str, "data_dir": str, "download": bool,
    "ema": float, "ema_start": int,
}
# Written by every run beside the run keys; accepted (and not needed) when the file is read back.
INFO_KEYS = ("config", "data_info", "data_options")


def _error(msg: str):
    from gan_zoo.registry import GanZooError

    return GanZooError(msg)


def read_run_file(path: Path) -> dict:
    """A YAML or JSON mapping; unknown keys and wrong types are one-line errors."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise _error(f"config file {path} does not exist")
    text = path.read_text()
    try:
        # JSON is YAML too, but json gives the clearer message for a broken .json file
        raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise _error(f"config file {path} is not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: "
                     f"{first}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _error(f"config file {path} must hold a mapping of keys (method, data, steps, ...), "
                     f"not a {type(raw).__name__}")
    known = list(RUN_KEYS) + list(INFO_KEYS)
    for key in raw:
        if key not in known:
            raise _error(f"{path}: unknown key '{key}'; known: {', '.join(known)}")
    out: dict[str, Any] = {}
    for key, kind in RUN_KEYS.items():
        if key not in raw or raw[key] is None:
            continue
        v = raw[key]
        ok = isinstance(v, kind) and not (kind is int and isinstance(v, bool))
        if kind is float and isinstance(v, int) and not isinstance(v, bool):
            v, ok = float(v), True
        if kind is str and isinstance(v, (int, float)) and not isinstance(v, bool):
            v, ok = str(v), True  # e.g. `precision: 32`
        if not ok:
            raise _error(f"{path}: '{key}' must be {kind.__name__}, got {v!r}")
        out[key] = v
    cfg = raw.get("config") or {}
    if not isinstance(cfg, dict):
        raise _error(f"{path}: 'config' must be a mapping of the method's fields, got {cfg!r}")
    opts = raw.get("data_options") or {}
    if not isinstance(opts, dict):
        raise _error(f"{path}: 'data_options' must be a mapping (imagefolder: image_size, test_fraction), got {opts!r}")
    out["config"] = cfg
    out["data_options"] = opts  # the data set's --set keys (imagefolder), applied as --set would be
    return out


def _override_string(v: Any) -> str:
    """A file value as the string ``--set`` would take (the registry parses it to the field's type)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "none"
    if isinstance(v, (list, tuple)):
        return ",".join(_override_string(x) for x in v)
    if isinstance(v, float):
        return repr(v)  # round-trips exactly
    return str(v)


def merge(ctx, params: dict, config_path: Path | None) -> tuple[dict, dict]:
    """The run's flags (typed on the command line > the file > the flag's default) and the file's ``config:``."""
    file = read_run_file(config_path) if config_path is not None else {"config": {}, "data_options": {}}
    resolved = {}
    for key in RUN_KEYS:
        if key not in params:
            continue
        source = ctx.get_parameter_source(key)  # typer's click: COMMANDLINE, ENVIRONMENT, DEFAULT, ...
        typed = source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")
        resolved[key] = params[key] if typed or key not in file else file[key]
    return resolved, {**{k: v for k, v in file["data_options"].items()}, **file["config"]}


def method_config(method: str, data: str, file_config: dict, sets: dict[str, str], data_dir=None,
                  download=False):
    """The method's config for ``data``: its paper defaults, then the file's ``config:``, then ``--set``.

    Returns ``(config, overrides)``; ``overrides`` (strings, as ``--set`` gives them) is what
    ``train(overrides=...)`` takes. File fields equal to the method's own default for this data are left
    out, so a file that repeats every field (a written config.json) sets nothing the method does not
    already have.
    """
    from gan_zoo.data import data_info, load_dataset
    from gan_zoo.registry import DATA_OPTIONS, parse_value, apply_overrides, method_entry, split_data_options

    entry = method_entry(method)
    opts = DATA_OPTIONS.get(data, {})
    file_options = {k: _override_string(v) for k, v in file_config.items() if k in opts}
    file_config = {k: v for k, v in file_config.items() if k not in opts}
    sets, asked = split_data_options(data, {**file_options, **sets})
    info = data_info(load_dataset(data, "train", data_dir=data_dir, download=download, **asked))
    base = entry.config_cls.for_data(info)
    names = [f.name for f in dataclasses.fields(base)]
    overrides: dict[str, str] = {}
    for key, v in file_config.items():
        if key not in names:
            raise _error(f"--config: unknown config field '{key}' for {method}; known: {', '.join(names)}")
        raw = _override_string(v)
        if parse_value(raw, getattr(base, key), key) != getattr(base, key):
            overrides[key] = raw
    overrides.update(sets)
    config = apply_overrides(base, overrides)
    config.validate()
    return config, {**overrides, **{k: _override_string(v) for k, v in asked.items()}}


def print_config(resolved: dict, config, data_options: dict | None = None) -> str:
    """The fully resolved run as YAML, in the layout ``--config`` reads (``data_options``: an image folder's
    image_size / test_fraction)."""
    import yaml

    def plain(v):
        if isinstance(v, tuple):
            return [plain(x) for x in v]
        if isinstance(v, Path):
            return str(v)
        return v

    doc = {k: plain(resolved[k]) for k in RUN_KEYS if k in resolved}
    if data_options:
        doc["data_options"] = dict(data_options)
    doc["config"] = {k: plain(v) for k, v in dataclasses.asdict(config).items()}
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)


def resolve_train(ctx, params: dict, config_path: Path | None, sets: dict[str, str], resume, show: bool) -> dict | None:
    """What ``train`` runs: the merged flags plus ``overrides``; with ``show``, prints the run and returns None."""
    from gan_zoo.training import DEFAULT_DATA, DEFAULT_IMAGE_STEPS, DEFAULT_POINT_STEPS

    r, file_config = merge(ctx, params, config_path)
    r["overrides"] = dict(sets)
    if config_path is None and not show:
        return r  # the plain command line: train() does the rest
    if resume is not None:
        raise _error("--config/--print-config start a new run; --resume continues one from its checkpoint's "
                     "own config (use one or the other)")
    if r.get("method") is None:
        raise _error("no method: name it on the command line or as 'method:' in the config file")
    r["data"] = r.get("data") or DEFAULT_DATA
    if r.get("batch_size") is not None:
        sets = {**sets, "batch_size": str(r["batch_size"])}
    cfg, r["overrides"] = method_config(r["method"], r["data"], file_config, sets, r.get("data_dir"),
                                        bool(r.get("download")))
    if not show:
        return r
    from gan_zoo.registry import dataset_entry

    shown = dict(r, batch_size=cfg.batch_size)
    if shown.get("seed") is None:  # --seed's default (None on the command line: "the run's own" on --resume)
        shown["seed"] = 0
    if shown.get("steps") is None:
        images = dataset_entry(r["data"]).kind == "images"
        shown["steps"] = DEFAULT_IMAGE_STEPS if images else DEFAULT_POINT_STEPS
    from gan_zoo.registry import DATA_OPTIONS, split_data_options

    _, asked = split_data_options(r["data"], r["overrides"])
    print(print_config(shown, cfg, {**DATA_OPTIONS.get(r["data"], {}), **asked}), end="")
    return None
