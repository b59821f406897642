"""The registry's light catalogue: it agrees with the code, and reading it imports neither torch nor Lightning."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap

import pytest

from gan_zoo import registry
from gan_zoo.data import data_info, load_dataset


def test_every_method_in_code_has_a_light_config():
    registry.load_all()
    for name, entry in registry.METHODS.items():
        assert entry._cls is not None, f"{name}: no @register_method in {entry.module}"
        assert entry._cls.method_name == name
        assert entry.config_cls.__module__.startswith("gan_zoo.configs."), name
        assert entry._cls.__module__ == entry.module, name


@pytest.mark.parametrize("name", ["ring", "ring8", "grid25", "swissroll", "digits"])
def test_catalogue_info_is_what_loading_gives(name):
    entry = registry.dataset_entry(name)
    assert entry.info() == data_info(load_dataset(name))


@pytest.mark.parametrize("data", ["ring", "digits"])
def test_run_config_is_the_config_a_run_builds(data):
    """The defaults `ganzoo list METHOD --data D` prints are those create_method builds from the loaded data."""
    info = data_info(load_dataset(data))
    for name, entry in sorted(registry.METHODS.items()):
        try:
            built = entry.config_cls.for_data(info)
        except registry.GanZooError:  # e.g. modnet on points
            with pytest.raises(registry.GanZooError):
                registry.run_config(name, data)
            continue
        assert registry.run_config(name, data) == built, name


def test_run_config_rejects_bad_input_before_anything_is_built():
    with pytest.raises(registry.GanZooError, match="unknown method"):
        registry.run_config("nope", "ring")
    with pytest.raises(registry.GanZooError, match="unknown dataset"):
        registry.run_config("gan", "nope")
    with pytest.raises(registry.GanZooError, match="foo"):
        registry.run_config("gan", "ring", {"foo": "1"})
    with pytest.raises(registry.GanZooError, match="batch_size"):
        registry.run_config("gan", "ring", {"batch_size": "0"})
    assert registry.run_config("gan", "ring", {"lr": "3e-4"}).lr == 3e-4


def test_list_help_and_argument_errors_import_neither_torch_nor_lightning():
    code = textwrap.dedent("""
        import sys
        from typer.testing import CliRunner
        from gan_zoo_cli.main import app
        r = CliRunner()
        codes = [r.invoke(app, a).exit_code for a in (
            ["--help"], ["list"], ["list", "wgan-gp", "--data", "digits"], ["train", "--help"],
            ["train", "nope"], ["train", "gan", "--set", "foo=1"], ["train", "gan", "--data", "nope"],
            ["train", "gan", "--steps", "0"], ["train", "gan", "--set", "lr=abc"],
            # bad values of keys whose names the torch side defines (flows, sinkhorn, f-GAN): still no torch
            ["train", "nice", "--set", "base=foo"], ["train", "mixflow", "--set", "coupling=foo"],
            ["train", "sinkhorn", "--set", "cost=foo"], ["train", "gan", "--set", "divergence=foo"])]
        print(codes, sorted(m for m in ("torch", "lightning") if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2] []", out.stdout


def test_light_value_names_are_the_torch_sides():
    """configs/choices.py holds the names validate() checks without torch; the code must know exactly those."""
    from gan_zoo.configs import choices
    from gan_zoo.losses import fgan, sinkhorn
    from gan_zoo.nets import flows

    assert set(fgan.DIVERGENCES) == set(choices.F_DIVERGENCES)
    assert flows.BASES == choices.FLOW_BASES and flows.COUPLINGS == choices.FLOW_COUPLINGS
    assert sinkhorn.COSTS == choices.SINKHORN_COSTS
    for name, key, bad in [("nice", "base", "foo"), ("mixflow", "coupling", "foo"), ("sinkhorn", "cost", "foo"),
                           ("gan", "divergence", "foo")]:
        with pytest.raises(registry.GanZooError, match="foo"):
            registry.run_config(name, "ring", {key: bad})
    for value in choices.F_DIVERGENCES:  # every name the light check accepts builds a run config
        assert registry.run_config("gan", "ring", {"divergence": value}).divergence == value


@pytest.mark.parametrize("method,data", [("nice", "ring"), ("infogan", "digits"), ("wae-mmd", "digits")])
def test_list_method_shows_only_the_fields_it_uses(method, data):
    """`ganzoo list METHOD --data D`: one row per used field, with the value a run on D builds; unused named once."""
    import json

    from typer.testing import CliRunner

    from gan_zoo_cli.main import app

    entry = registry.method_entry(method)
    used, unused = entry.config_cls.used_fields(), set(entry.config_cls.unused)
    assert unused, method  # the cases are chosen to have unused fields
    r = CliRunner().invoke(app, ["list", method, "--data", data], env={"COLUMNS": "120"})
    assert r.exit_code == 0, r.output
    rows = {ln.split("│")[1].strip(): ln.split("│")[2].strip() for ln in r.stdout.splitlines()
            if ln.startswith("│") and ln.split("│")[1].strip()}
    built = registry.run_config(method, data)
    assert list(rows) == used
    assert all(rows[k] == str(getattr(built, k)) for k in used)
    assert f"not used by {method}" in r.stdout and all(k in r.stdout.split("not used by")[1] for k in unused)
    j = json.loads(CliRunner().invoke(app, ["list", method, "--data", data, "--json"]).stdout)
    assert list(j["config"]) == used and set(j["unused"]) == unused


def test_configs_are_plain_dataclasses():
    registry.load_catalogue()
    for name, entry in registry.METHODS.items():
        fields = {f.name for f in dataclasses.fields(entry.config_cls)}
        assert {"batch_size", "n_critic", "z_dim", "arch", "width", "log_every"} <= fields, name


def test_every_registered_dataset_is_in_the_catalogue():
    import gan_zoo.data.images  # noqa: F401  (run the @register_dataset decorators)
    import gan_zoo.data.toy  # noqa: F401

    for name, entry in registry.DATASETS.items():
        assert entry._factory is not None, f"{name}: in the catalogue but no @register_dataset"
        assert entry.module == entry._factory.__module__, name
    catalogue = {row[0] for row in registry.DATASET_CATALOGUE}
    assert set(registry.DATASETS) == catalogue, "add the data set's line to registry.DATASET_CATALOGUE"
