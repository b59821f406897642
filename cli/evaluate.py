"""``ganzoo eval {is,ddm,fid,kid,w1,nll,modes} --samples DIR`` and ``ganzoo classifier train``.

The sample folder's manifest (written by ``ganzoo sample``) names the dataset and the checkpoint;
``--data`` / ``--classifier`` override it. Every result prints with its protocol; ``--json`` prints the
same dict as JSON on stdout.
"""
from __future__ import annotations

import json
from pathlib import Path

import typer

from .common import _quiet_libraries, console, err_console, friendly

eval_app = typer.Typer(no_args_is_help=True, help="Evaluate a sample folder (from `ganzoo sample`): `ganzoo eval "
                                                 "METRIC --samples S`, or several image metrics from one embedding "
                                                 "pass with `ganzoo eval --metrics fid,kid,is,ddm --samples S`.\n\n"
                                                 "Example: ganzoo eval w1 --samples S")
classifier_app = typer.Typer(no_args_is_help=True, help="Dataset classifiers: DDM's embedding and a classifier "
                                                       "score.\n\nExample: ganzoo classifier train --data mnist5k")

SAMPLES = typer.Option(..., "--samples", help="sample folder written by `ganzoo sample`")
DATA = typer.Option(None, "--data", help="dataset (default: the manifest's)")
DATA_DIR = typer.Option(None, "--data-dir", help="the dataset's files (default: the manifest's, i.e. the run's)")
CLASSIFIER = typer.Option(None, "--classifier", help="classifier checkpoint (default: the run's "
                          "OUT/classifiers/<data>/, else $GANZOO_HOME/classifiers/<data>/; see README)")
EXTRACTOR = typer.Option("inception", "--extractor", help="inception | classifier")
INCEPTION = typer.Option(None, "--inception-weights", help="Inception-v3 state_dict: pytorch-fid's or "
                         "torch-fidelity's 2015-12-05 file (default: torch hub's checkpoint cache)")
JSON = typer.Option(False, "--json", help="print the result as JSON")
REF = typer.Option(None, "--ref", help="reference statistics (.npz from `ganzoo stats`, or pytorch-fid's mu/sigma)")
DEVICE = typer.Option(None, "--device", help="cpu | cuda (default: cuda when available)")
REFERENCE = typer.Option(True, "--reference/--no-reference", help="also the row for real images (train vs test)")


def _load(samples: Path, data: str | None, data_dir: str | None = None):
    """Samples, the dataset, how to load it (the run's --data-dir and data options, from the manifest), and
    the manifest."""
    from gan_zoo.io import read_samples

    x, manifest = read_samples(samples, lazy=True)  # images decoded batch by batch as they are embedded
    name = data or manifest.get("data")
    kwargs = {}
    if name is not None and name == manifest.get("data"):
        kwargs = {"data_dir": manifest.get("data_dir"), **(manifest.get("data_options") or {})}
    if data_dir is not None:
        kwargs["data_dir"] = str(Path(data_dir).expanduser().absolute())
    return x, name, kwargs, manifest


def _classifier(classifier: Path | None, manifest: dict) -> Path | None:
    """--classifier, else the one filed beside the run the samples came from (OUT/classifiers/<data>/)."""
    if classifier is not None:
        return classifier
    from gan_zoo.metrics.classifier_io import run_classifier_path

    return run_classifier_path(manifest.get("checkpoint"), manifest.get("data"))


def _decorate(result: dict, samples: Path) -> dict:
    """Where the samples came from, so a JSON result stands on its own (the run folder holds checkpoints/)."""
    from gan_zoo.io import read_manifest

    manifest = read_manifest(samples) if Path(samples).is_dir() else {}
    ckpt = manifest.get("checkpoint")
    source = {"method": manifest.get("method"), "data": manifest.get("data"), "checkpoint": ckpt,
              "run": str(Path(ckpt).parent.parent) if ckpt else None,
              "generator_steps": manifest.get("generator_steps"), "seed": manifest.get("seed")}
    return {**result, "samples": str(Path(samples).absolute()), "source": source}


def _warn(result: dict, as_json: bool) -> None:
    from gan_zoo.metrics.protocol import below_protocol

    warning = below_protocol(result["metric"], int(result["protocol"].get("n_samples", 0)))
    if warning:  # one line on stderr; with --json it is the "warning" key (stdout stays one JSON object)
        result["warning"] = warning
        if not as_json:
            err_console.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)


def _print(result: dict, with_source: bool = True) -> None:
    name, v = result["metric"].upper(), result["value"]
    pm = f" ± {result['std']:.4g}" if "std" in result else ""
    extra = ""
    if "hq_fraction" in result:
        extra = f" of {result['protocol']['n_modes']}, high-quality fraction {result['hq_fraction']:.4f}"
    if "bits_per_dim" in result:
        extra = f" {result.get('unit', 'nats')} ({result['bits_per_dim']:.4f} bits/dim)"
    console.print(f"{name} = {v:.6g}{pm}{extra}   ({result['better']} is better)", highlight=False)
    ref = result.get("reference")
    if ref:
        rpm = f" ± {ref['std']:.4g}" if "std" in ref else ""
        console.print(f"  reference, {ref['name']} (n={ref['n_samples']}): {ref['value']:.6g}{rpm}", highlight=False,
                      soft_wrap=True)
    console.print("  protocol: " + "; ".join(f"{k}={v}" for k, v in result["protocol"].items() if v is not None),
                  highlight=False, soft_wrap=True)
    source = result["source"]
    if with_source and source["method"]:
        _print_source(source)


def _print_source(source: dict) -> None:
    console.print(f"  samples of {source['method']} ({source['data']}, generator step {source['generator_steps']}), "
                  f"checkpoint {source['checkpoint']}", highlight=False, soft_wrap=True, markup=False)


def _show(result: dict, as_json: bool, samples: Path) -> None:
    result = _decorate(result, samples)
    _warn(result, as_json)
    if as_json:
        print(json.dumps(result, indent=2, default=str))
        return
    _print(result)


@eval_app.callback(invoke_without_command=True)
@friendly
def eval_many(ctx: typer.Context,
              metrics: str | None = typer.Option(None, "--metrics", help="several of fid,kid,is,ddm from one "
                                                 "embedding pass per image set (e.g. fid,kid,is)"),
              samples: Path | None = typer.Option(None, "--samples", help="with --metrics: the sample folder"),
              data: str | None = DATA, data_dir: str | None = DATA_DIR, classifier: Path | None = CLASSIFIER,
              extractor: str = EXTRACTOR, inception_weights: Path | None = INCEPTION,
              splits: int = typer.Option(10, "--splits", help="IS: Salimans et al. 2016: 10"),
              subsets: int = typer.Option(100, "--subsets", help="KID: torchmetrics default"),
              subset_size: int = typer.Option(1000, "--subset-size", help="KID: torchmetrics default (capped at n)"),
              reference: bool = REFERENCE, ref: Path | None = REF, as_json: bool = JSON,
              device: str | None = DEVICE):
    """Evaluate a sample folder: `ganzoo eval METRIC --samples DIR`, or several image metrics at once with
    `ganzoo eval --metrics fid,kid,is,ddm --samples DIR` (each image set embedded once per extractor).

    Example: ganzoo eval --metrics fid,kid,is,ddm --samples samples/digits --extractor classifier
    """
    if ctx.invoked_subcommand is not None:
        if metrics is not None:
            from gan_zoo.registry import GanZooError

            raise GanZooError(f"--metrics runs several metrics itself; drop the command '{ctx.invoked_subcommand}'")
        return
    from gan_zoo.registry import GanZooError

    if metrics is None or samples is None:
        raise GanZooError("ganzoo eval needs a metric command (ganzoo eval fid --samples DIR) or --metrics "
                          "fid,kid,is,ddm --samples DIR")
    _check_kid_args(subsets, subset_size)
    names = [m.strip().lower() for m in metrics.split(",") if m.strip()]
    _quiet_libraries()
    from gan_zoo.metrics.evaluate import evaluate_many

    x, data, dk, manifest = _load(samples, data, data_dir)
    options = {"fid": {"ref": ref, "reference": reference}, "kid": {"ref": ref, "reference": reference,
                                                                   "subsets": subsets, "subset_size": subset_size},
               "is": {"splits": splits, "reference": reference and data is not None}, "ddm": {"reference": reference}}
    results, emb = evaluate_many(names, x, data, extractor, _classifier(classifier, manifest), inception_weights,
                                 device, progress="eval", data_kwargs=dk, options=options)
    results = [_decorate(r, samples) for r in results]
    for r in results:
        _warn(r, as_json)
    passes = [{"extractor": k, "images": what} for k, what in emb.passes]
    if as_json:
        print(json.dumps({"results": {r["metric"]: r for r in results}, "embedding_passes": passes,
                          "samples": results[0]["samples"], "source": results[0]["source"]}, indent=2, default=str))
        return
    for r in results:
        _print(r, with_source=False)
    console.print(f"  embedding passes: {len(passes)} ("
                  + "; ".join(f"{p['extractor']}: {p['images']}" for p in passes) + ")", highlight=False,
                  soft_wrap=True)
    if results[0]["source"]["method"]:
        _print_source(results[0]["source"])


def _check_kid_args(subsets: int, subset_size: int) -> None:
    from gan_zoo.registry import GanZooError

    if subset_size < 1 or subsets < 1:  # not silently capped: a size of 0 is a mistake, not "all of them"
        raise GanZooError(f"--subset-size and --subsets must be >= 1, got {subset_size} and {subsets}")


@eval_app.command("is")
@friendly
def eval_is(samples: Path = SAMPLES, data: str | None = DATA, data_dir: str | None = DATA_DIR,
            classifier: Path | None = CLASSIFIER, extractor: str = EXTRACTOR,
            inception_weights: Path | None = INCEPTION,
            splits: int = typer.Option(10, "--splits", help="Salimans et al. 2016: 10"),
            reference: bool = typer.Option(True, "--reference/--no-reference", help="also score the test split"),
            as_json: bool = JSON, device: str | None = DEVICE):
    """Inception Score, mean ± std over splits (higher is better).

    Example: ganzoo eval is --samples samples/digits --extractor classifier
    """
    _quiet_libraries()
    from gan_zoo.metrics.evaluate import evaluate_is

    x, data, dk, manifest = _load(samples, data, data_dir)
    r = evaluate_is(x, data, extractor, _classifier(classifier, manifest), splits, reference and data is not None,
                    device, progress="IS", inception_weights=inception_weights, data_kwargs=dk)
    _show(r, as_json, samples)


@eval_app.command("ddm")
@friendly
def eval_ddm(samples: Path = SAMPLES, data: str | None = DATA, data_dir: str | None = DATA_DIR,
             classifier: Path | None = CLASSIFIER,
             squared: bool = typer.Option(False, "--squared", help="D = squared Euclidean (default Euclidean)"),
             form: str = typer.Option("3.4", "--form", help="3.4 (default) or 3.5 (relative to the train set)"),
             reference: bool = typer.Option(True, "--reference/--no-reference", help="the Training Set row"),
             as_json: bool = JSON, device: str | None = DEVICE):
    """DDM (Basart 2017 eq. 3.4) against the test split on classifier logits (lower is better).

    Example: ganzoo eval ddm --samples samples/digits
    """
    _quiet_libraries()
    from gan_zoo.metrics.evaluate import evaluate_ddm

    x, data, dk, manifest = _load(samples, data, data_dir)
    _show(evaluate_ddm(x, data, _classifier(classifier, manifest), squared, form, reference, device, progress="DDM",
                       data_kwargs=dk), as_json, samples)


@eval_app.command("fid")
@friendly
def eval_fid(samples: Path = SAMPLES, data: str | None = DATA, data_dir: str | None = DATA_DIR,
             classifier: Path | None = CLASSIFIER, extractor: str = EXTRACTOR,
             inception_weights: Path | None = INCEPTION, reference: bool = REFERENCE,
             as_json: bool = JSON, device: str | None = DEVICE, ref: Path | None = REF):
    """Fréchet distance to the test split's features, or to --ref statistics (lower is better), with the
    reference row: as many real training images against the same.

    Example: ganzoo eval fid --samples samples/digits --extractor classifier
    """
    _quiet_libraries()
    from gan_zoo.metrics.evaluate import evaluate_fid

    x, data, dk, manifest = _load(samples, data, data_dir)
    _show(evaluate_fid(x, data, extractor, _classifier(classifier, manifest), device, progress="FID", ref=ref,
                       reference=reference, inception_weights=inception_weights, data_kwargs=dk), as_json, samples)


@eval_app.command("kid")
@friendly
def eval_kid(samples: Path = SAMPLES, data: str | None = DATA, data_dir: str | None = DATA_DIR,
             classifier: Path | None = CLASSIFIER, extractor: str = EXTRACTOR,
             inception_weights: Path | None = INCEPTION,
             subsets: int = typer.Option(100, "--subsets", help="torchmetrics default"),
             subset_size: int = typer.Option(1000, "--subset-size", help="torchmetrics default (capped at n)"),
             reference: bool = REFERENCE, as_json: bool = JSON, device: str | None = DEVICE,
             ref: Path | None = REF):
    """Kernel Inception Distance to the test split, or to --ref features (lower is better), with the
    reference row: as many real training images against the same.

    Example: ganzoo eval kid --samples samples/digits --extractor classifier
    """
    _check_kid_args(subsets, subset_size)
    _quiet_libraries()
    from gan_zoo.metrics.evaluate import evaluate_kid

    x, data, dk, manifest = _load(samples, data, data_dir)
    _show(evaluate_kid(x, data, extractor, _classifier(classifier, manifest), subsets, subset_size, device,
                       progress="KID", ref=ref, reference=reference, inception_weights=inception_weights,
                       data_kwargs=dk), as_json, samples)


@eval_app.command("w1")
@friendly
def eval_w1(samples: Path = SAMPLES, data: str | None = DATA,
            method: str = typer.Option("auto", "--method", help="exact | sinkhorn | auto (exact up to 5000 points)"),
            seed: int = typer.Option(0, "--seed"), as_json: bool = JSON):
    """W1 between the sample points and as many data points (lower is better).

    Example: ganzoo eval w1 --samples samples/ring
    """
    from gan_zoo.metrics.evaluate import evaluate_w1

    x, data, _, _ = _load(samples, data)
    _show(evaluate_w1(x, data, method, None, seed), as_json, samples)


@eval_app.command("modes")
@friendly
def eval_modes(samples: Path = SAMPLES, data: str | None = DATA,
               n_sigma: float = typer.Option(3.0, "--n-sigma", help="VEEGAN §5.1: 3 standard deviations"),
               as_json: bool = JSON):
    """Modes captured and the high-quality fraction for Gaussian mixtures (VEEGAN).

    Example: ganzoo eval modes --samples samples/grid25
    """
    from gan_zoo.metrics.evaluate import evaluate_modes

    x, data, _, _ = _load(samples, data)
    _show(evaluate_modes(x, data, n_sigma), as_json, samples)


@eval_app.command("nll")
@friendly
def eval_nll(samples: Path = SAMPLES, data: str | None = DATA,
             checkpoint: Path | None = typer.Option(None, "--checkpoint", help="default: the manifest's"),
             n: int = typer.Option(10_000, "--n", help="held-out points (point sets)"), as_json: bool = JSON):
    """Exact NLL of held-out data under the model that wrote the folder (needs log_prob).

    Example: ganzoo eval nll --samples samples/nice_ring
    """
    _quiet_libraries()
    from gan_zoo.io import read_manifest
    from gan_zoo.metrics.evaluate import evaluate_nll
    from gan_zoo.registry import GanZooError
    from gan_zoo.training import load_method

    if not samples.is_dir():
        raise GanZooError(f"sample folder {samples} does not exist")
    manifest = read_manifest(samples)
    ckpt = checkpoint or manifest.get("checkpoint")
    if not ckpt:
        raise GanZooError(f"{samples} has no manifest naming a checkpoint; pass --checkpoint")
    _show(evaluate_nll(load_method(ckpt), data or manifest.get("data"), n), as_json, samples)


@classifier_app.command("train")
@friendly
def classifier_train(data: str = typer.Option(..., "--data", help="an image dataset with labels"),
                     epochs: int = typer.Option(10, "--epochs", help="default 10 (our choice; see gan_zoo/metrics/classifier_training.py)"),
                     out: Path | None = typer.Option(None, "--out", help="a folder, as train's --out: saves "
                                                     "OUT/classifiers/<data>/classifier.ckpt (default OUT: "
                                                     "$GANZOO_HOME, i.e. ~/.cache/gan_zoo)"),
                     seed: int = typer.Option(0, "--seed"), data_dir: str | None = typer.Option(None, "--data-dir"),
                     sets: list[str] | None = typer.Option(None, "--set", help="imagefolder: image_size=N, "
                                                           "test_fraction=F (as for train)"),
                     download: bool = typer.Option(False, "--download"), device: str | None = DEVICE,
                     shift: int = typer.Option(0, "--shift", help="augment: translate each training image by up to N "
                                               "pixels (default 0: none; mnist5k reaches >= 0.98 with 2)"),
                     as_json: bool = JSON):
    """Train the dataset classifier (ConvNet4 for 28 px, WRN-16-4 otherwise) and print test accuracy.

    `eval is|ddm|fid|kid` find it beside the run the samples came from (the run's OUT/classifiers/<data>/),
    else in $GANZOO_HOME/classifiers/<data>/, from any folder; --classifier PATH names one.

    Example: ganzoo classifier train --data digits --out runs
    """
    from gan_zoo.registry import GanZooError, dataset_entry, split_data_options

    from .common import parse_sets

    if out is not None and out.suffix == ".ckpt" and not out.is_dir():
        raise GanZooError(f"--out {out}: a folder, as for `ganzoo train` (the classifier goes to "
                          f"OUT/classifiers/{data}/classifier.ckpt)")
    dataset_entry(data)
    rest, options = split_data_options(data, parse_sets(sets))
    if rest:
        raise GanZooError(f"--set {', '.join(rest)}: a classifier takes only its data set's options "
                          "(imagefolder: image_size, test_fraction)")
    _quiet_libraries()
    from gan_zoo.metrics.classifier_training import train_classifier

    def log(epoch, total, loss):
        if not as_json:
            console.print(f"epoch {epoch}/{total}: train loss {loss:.4f}", highlight=False)

    _, meta = train_classifier(data, epochs, out, seed=seed, data_dir=data_dir, download=download, device=device,
                               log=log, shift=shift, data_options=options)
    if as_json:
        print(json.dumps(meta, indent=2, default=str))
    else:
        console.print(f"test accuracy {meta['test_accuracy']:.4f} on {meta['n_test']} {data} test images "
                      f"({meta['arch']}, {epochs} epochs{f', shift {shift} px' if shift else ''})", highlight=False)
        console.print(f"saved: {meta['path']}", highlight=False, markup=False, soft_wrap=True)
