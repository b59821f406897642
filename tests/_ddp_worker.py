"""DDP worker for tests/test_ddp.py: WGAN-GP on two CPU processes (gloo), then each rank saves its critic.

Run as ``python tests/_ddp_worker.py OUT STEPS``. Lightning's DDP launcher re-runs this same command line
for rank 1 (with LOCAL_RANK set), so everything here must be safe to run twice.
"""
from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path


def main() -> None:
    out, steps = Path(sys.argv[1]), int(sys.argv[2])
    warnings.filterwarnings("ignore")
    import lightning as L
    import torch

    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from gan_zoo.data import data_info, load_dataset
    from gan_zoo.registry import create_method
    from gan_zoo.training import train

    overrides = {"batch_size": "16"}
    # The initial critic, built exactly as train() builds it (seed, then the method).
    L.seed_everything(0, verbose=False)
    initial = create_method("wgan-gp", data_info(load_dataset("ring")), overrides)
    result = train(method="wgan-gp", steps=steps, gpus=2, accelerator="cpu", seed=0, out=out / "runs",
                   overrides=overrides, progress=False, picture_every=10**9)
    m = result.method
    rank = m.global_rank
    assert int(os.environ.get("LOCAL_RANK", "0")) == rank
    torch.save({"rank": rank, "world_size": m.trainer.world_size, "generator_steps": m.generator_steps,
                "batches_seen": m.batches_seen,
                "critic": {k: v.detach().cpu().clone() for k, v in m.critic.state_dict().items()},
                "generator": {k: v.detach().cpu().clone() for k, v in m.generator.state_dict().items()},
                "initial_critic": initial.critic.state_dict()},
               out / f"rank{rank}.pt")


if __name__ == "__main__":
    main()
