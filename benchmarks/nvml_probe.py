"""What Lightning's NVML CUDA probe costs a CPU run, measured inside one run (load-independent).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/nvml_probe.py [METHOD] [STEPS]   # default: gan 3100

One ``train(METHOD, ring)`` run whose callback flips ``PYTORCH_NVML_BASED_CUDA_CHECK`` between 1 (Lightning's
import-time value) and 0 (what ``train()`` sets without a GPU, gan_zoo.training.skip_nvml_probe_without_cuda)
every 50 batches after 100 warm-up ones, and adds each batch's CPU time to its state's total; neighbouring
blocks share the machine's state, so a loaded machine moves both alike. Prints generator batches per CPU
second in each state and their ratio (benchmarks/RESULTS.md, "Before and after issue 11, measured inside one
run"). The same toggling callback measured the plain dispatch's removal on a worktree that still had it.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time

import lightning as L
import torch

from gan_zoo.training import train

VAR = "PYTORCH_NVML_BASED_CUDA_CHECK"
BLOCK, WARMUP = 50, 100


class ToggleProbe(L.Callback):
    def __init__(self):
        self.batches, self.t0, self.state = 0, None, "1"
        self.cpu = {"1": [0.0, 0], "0": [0.0, 0]}  # state -> [CPU seconds, batches]

    def on_train_batch_end(self, trainer, pl_module, *args, **kwargs):
        self.batches += 1
        if self.batches < WARMUP:
            return
        now = time.process_time()
        if self.t0 is not None:
            self.cpu[self.state][0] += now - self.t0
            self.cpu[self.state][1] += 1
        if self.batches % BLOCK == 0:
            self.state = "0" if self.state == "1" else "1"
        os.environ[VAR] = self.state  # after train()'s own switch, so both states are timed
        self.t0 = time.process_time()


def main() -> None:
    method = sys.argv[1] if len(sys.argv) > 1 else "gan"
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 3100
    torch.set_num_threads(1)
    cb = ToggleProbe()
    with tempfile.TemporaryDirectory() as d:
        train(method=method, data="ring", steps=steps, out=d, progress=False, picture_every=steps + 1,
              checkpoint_every=steps + 1, callbacks=[cb])
    on, off = (cb.cpu[s][1] / cb.cpu[s][0] for s in ("1", "0"))
    print(f"{method} / ring: probe on {on:.1f} batches per CPU second, off {off:.1f}, off / on {off / on:.3f}")


if __name__ == "__main__":
    main()
