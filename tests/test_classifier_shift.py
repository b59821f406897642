"""`ganzoo classifier train --shift N`: the translation augmentation that takes the mnist5k classifier to
>= 0.98 test accuracy (benchmarks/RESULTS.md), checked pixel by pixel; fast (no training)."""
from __future__ import annotations

import torch


def test_random_shift_translates_each_image_by_its_own_offset_within_the_bound():
    """`ganzoo classifier train --shift N`'s augmentation: image i is image i moved by its own (dy, dx) in
    [-N, N]^2 (inside the frame: exactly the original pixels), the border repeated; N = 0 is the identity."""
    from gan_zoo.metrics.classifier_training import random_shift

    x = torch.randn(64, 3, 7, 9)
    assert random_shift(x, 0, torch.Generator()) is x
    y = random_shift(x, 2, torch.Generator().manual_seed(0))
    seen = set()
    for i in range(len(x)):
        found = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                 if torch.equal(y[i, :, max(0, -dy):7 - max(0, dy), max(0, -dx):9 - max(0, dx)],
                                x[i, :, max(0, dy):7 + min(0, dy), max(0, dx):9 + min(0, dx)])]
        assert len(found) == 1, i
        seen.add(found[0])
        dy, dx = found[0]
        if dx == 0 and dy > 0:  # rows moved in from below the frame repeat its last row
            assert torch.equal(y[i, :, 7 - dy:], x[i, :, 6:7].expand(-1, dy, -1))
    assert len(seen) > 15  # the 25 offsets are all drawn, not one for the whole batch


def test_classifier_train_shift_is_recorded_and_a_negative_shift_is_one_error_line(tmp_path):
    from gan_zoo_cli.main import app
    from typer.testing import CliRunner

    res = CliRunner().invoke(app, ["classifier", "train", "--data", "digits", "--shift", "-1", "--out",
                                   str(tmp_path)])
    assert res.exit_code == 2 and "error: --shift must be >= 0" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "classifiers").exists()  # --out is a folder, as for `ganzoo train`; nothing written
