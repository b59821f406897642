"""DDP on CPU with two processes (gloo): the gradient-penalty critic stays identical on both ranks."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

# Slow (`make test-slow`): two real DDP processes, tens of seconds on 2 cores.
pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent


def test_wgan_gp_ddp_two_cpu_processes_agree(tmp_path):
    steps = 3  # 15 critic steps, each with the double-backward gradient penalty, all-reduced
    env = dict(os.environ, PYTHONWARNINGS="ignore", MASTER_ADDR="127.0.0.1", OMP_NUM_THREADS="1")
    env.pop("LOCAL_RANK", None)
    env.pop("MASTER_PORT", None)  # Lightning picks a free port
    p = subprocess.run([sys.executable, str(HERE / "_ddp_worker.py"), str(tmp_path), str(steps)],
                       cwd=HERE.parent, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    r0 = torch.load(tmp_path / "rank0.pt", weights_only=False)
    r1 = torch.load(tmp_path / "rank1.pt", weights_only=False)
    assert (r0["rank"], r1["rank"]) == (0, 1) and r0["world_size"] == r1["world_size"] == 2
    assert r0["generator_steps"] == r1["generator_steps"] == steps
    assert r0["batches_seen"] == r1["batches_seen"] == 5 * steps
    for k in r0["critic"]:
        # Identical to the last bit: every rank applied the same all-reduced gradient.
        assert torch.equal(r0["critic"][k], r1["critic"][k]), k
    for k in r0["generator"]:
        assert torch.equal(r0["generator"][k], r1["generator"][k]), k
    moved = {k for k in r0["critic"] if not torch.equal(r0["critic"][k], r0["initial_critic"][k])}
    # Every critic tensor was trained except the output bias: it cancels in E f(x) - E f(G(z)) and the
    # gradient penalty ignores it, so its gradient is exactly 0 and Adam leaves it where it was.
    out_bias = [k for k in r0["critic"] if k.endswith("bias")][-1]
    assert moved == set(r0["critic"]) - {out_bias}
    # The run folder and the checkpoint are written once (rank 0), and load.
    ckpts = list((tmp_path / "runs").rglob("last.ckpt"))
    assert len(ckpts) == 1
    assert len(list((tmp_path / "runs").rglob("version_*"))) == 1  # rank 1 joined rank 0's folder
    from gan_zoo.training import load_method

    m = load_method(ckpts[0])
    for k, v in m.critic.state_dict().items():
        assert torch.equal(v, r0["critic"][k]), k
