"""What ``ganzoo eval --metrics fid,kid,is`` saves over three single-metric commands: embedding passes and time.

Both sides run in this process (imports paid once), on ``--n`` digits as the samples against the digits
test split (360 images), with Inception-v3 at 299 px. The weights are a random state_dict in the FID
network's layout (``--inception-weights``; the timing does not depend on the values) unless ``--weights``
names the real file. Prints images embedded and wall / CPU seconds of each side.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/eval_passes.py --n 100
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main(argv=None) -> None:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="samples (digits from the train split)")
    ap.add_argument("--weights", default=None, help="Inception-v3 weights (default: random, FID layout)")
    a = ap.parse_args(argv)

    import gan_zoo.metrics.evaluate as ev
    from gan_zoo.data import load_dataset

    weights = a.weights
    if weights is None:
        import torchvision

        net = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False, num_classes=1008)
        weights = str(Path(tempfile.mkdtemp()) / "random_fid_inception.pth")
        torch.save(net.state_dict(), weights)
    x = load_dataset("digits", "train").to_float(torch.arange(a.n))
    counted = {"images": 0}
    real_embed = ev.embed

    def embed(extractor, images, **kw):
        counted["images"] += len(images)
        return real_embed(extractor, images, **kw)

    ev.embed = embed
    kw = dict(inception_weights=weights, device="cpu")
    rows = []
    for label, run in (
        ("three commands (fid, kid, is)", lambda: [ev.evaluate_fid(x, "digits", **kw),
                                                   ev.evaluate_kid(x, "digits", subsets=10, **kw),
                                                   ev.evaluate_is(x, "digits", splits=10, **kw)]),
        ("eval --metrics fid,kid,is", lambda: ev.evaluate_many(["fid", "kid", "is"], x, "digits", **kw,
                                                               options={"kid": {"subsets": 10}})[0]),
    ):
        counted["images"] = 0
        t0, c0 = time.perf_counter(), time.process_time()
        results = run()
        rows.append((label, counted["images"], time.perf_counter() - t0, time.process_time() - c0,
                     [round(r["value"], 6) for r in results]))
    print(f"{'':32} | images embedded | wall s | CPU s | values (fid, kid, is)")
    for label, n, wall, cpu, values in rows:
        print(f"{label:32} | {n:15} | {wall:6.1f} | {cpu:5.1f} | {values}")


if __name__ == "__main__":
    main()
