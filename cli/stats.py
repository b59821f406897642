"""``ganzoo stats --data D --extractor inception|classifier --split train|test --out ref.npz``.

Reference features computed once (mean and covariance for FID, the features for KID), in pytorch-fid's
``.npz`` layout with the protocol stored beside them; ``ganzoo eval fid|kid --ref ref.npz`` reads them.
"""
from __future__ import annotations

from pathlib import Path

import typer

from .common import _quiet_libraries, console, friendly  # not .main: no import cycle


@friendly
def stats(
    data: str = typer.Option(..., "--data", help="an image dataset"),
    extractor: str = typer.Option("inception", "--extractor", help="inception | classifier"),
    split: str = typer.Option("train", "--split", help="train | test"),
    out: Path = typer.Option(..., "--out", help="the .npz to write (mu, sigma, features, protocol)"),
    n: int | None = typer.Option(None, "--n", help="images (default: the whole split)"),
    seed: int = typer.Option(0, "--seed", help="which images, when --n is smaller than the split"),
    classifier: Path | None = typer.Option(None, "--classifier", help="classifier checkpoint (--extractor classifier)"),
    data_dir: str | None = typer.Option(None, "--data-dir"),
    inception_weights: Path | None = typer.Option(None, "--inception-weights", help="Inception-v3 state_dict "
                                                  "(pytorch-fid's or torch-fidelity's 2015-12-05 file)"),
    device: str | None = typer.Option(None, "--device", help="cpu | cuda"),
):
    """Reference statistics of a dataset split for `ganzoo eval fid|kid --ref`.

    Example: ganzoo stats --data mnist5k --extractor classifier --split test --out ref/mnist5k_test.npz
    """
    _quiet_libraries()
    from gan_zoo.metrics.reference import compute_reference, save_reference

    if out.suffix != ".npz":
        from gan_zoo.registry import GanZooError

        raise GanZooError(f"--out {out}: reference statistics are written as .npz (pytorch-fid's layout)")
    ref = compute_reference(data, extractor, split, classifier, n, seed, device, progress=f"{data} {split}",
                            data_dir=data_dir, inception_weights=inception_weights)
    path = save_reference(out, ref)
    p = ref["protocol"]
    console.print(f"wrote {path}: {p['n']} {data} {split} images, {p['feature_dim']}-d features of {p['extractor']}",
                  highlight=False, soft_wrap=True)
