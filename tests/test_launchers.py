"""The README's launch lines, run for real on CPU: Lightning's own DDP launcher (``--gpus 2``), torchrun, and
a SLURM ``srun`` simulated with the environment srun gives each task (what Lightning's SLURMEnvironment
reads). Each must leave one run folder with one checkpoint, report once, and resume to the very weights
of an uninterrupted run; a rank that never joins within ``--timeout`` gives one line, none of torch's C++ log.

Slow (`make test-slow`): every case starts two-process runs of the ``ganzoo`` console script."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
GANZOO, TORCHRUN = BIN / "ganzoo", BIN / "torchrun"
RUN = ["gan", "--accelerator", "cpu", "--gpus", "2", "--no-progress"]  # 2 CPU processes, gloo
LAUNCH_VARS = ("RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
               "MASTER_PORT", "GANZOO_RUN_DIR", "TORCH_CPP_LOG_LEVEL", "TORCHELASTIC_RUN_ID")


def _env(**kw):
    env = {k: v for k, v in os.environ.items() if k not in LAUNCH_VARS and not k.startswith("SLURM_")}
    return dict(env, PYTHONWARNINGS="ignore", OMP_NUM_THREADS="1", **kw)


def _run(cmd, **env):
    return subprocess.run(list(map(str, cmd)), capture_output=True, text=True, env=_env(**env), timeout=900)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _srun(args, ntasks=2, **env):
    """Two tasks on one node, as `srun --ntasks-per-node=2 ganzoo ...` starts them (one per CPU "device")."""
    common = dict(SLURM_NTASKS=str(ntasks), SLURM_NTASKS_PER_NODE=str(ntasks), SLURM_NNODES="1",
                  SLURM_NODEID="0", SLURM_NODELIST="localhost", SLURM_JOB_ID="4242", SLURM_JOB_NAME="ganzoo",
                  MASTER_PORT=str(_free_port()), **env)  # no MASTER_ADDR: Lightning takes SLURM_NODELIST's first
    procs = [subprocess.Popen([str(GANZOO), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=_env(SLURM_PROCID=str(r), SLURM_LOCALID=str(r), **common))
             for r in range(ntasks)]
    return [(p, *p.communicate(timeout=900)) for p in procs]


def _one_run_folder(out: Path) -> Path:
    """Rank 0 alone made a folder (no empty extra version_N), and one checkpoint, no other rank's temporary."""
    folders = sorted(p.name for p in (out / "gan" / "ring").iterdir())
    assert folders == ["version_0"], folders
    run = out / "gan" / "ring" / "version_0"
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["last.ckpt"]
    return run


def _reported_once(stdout: str, stderr: str, run: Path) -> None:
    assert "Traceback" not in stderr, stderr[-3000:]
    assert stdout.count("run folder:") == 1 and str(run) in stdout, stdout  # rank 0 reports, rank 1 is quiet
    assert stderr.count("run folder: ") <= 1, stderr  # the run header, once


def _state(run: Path) -> tuple[dict, dict]:
    ckpt = torch.load(run / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=False)
    return ckpt["state_dict"], ckpt["gan_zoo"]


def _same_weights(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    differ = [k for k in a if not torch.equal(a[k], b[k])]
    assert differ == [], f"{len(differ)} of {len(a)} tensors differ: {differ[:5]}"


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict:
    """30 steps at once under Lightning's own launcher (it starts rank 1 inside rank 0's fit)."""
    out = tmp_path_factory.mktemp("lightning")
    r = _run([GANZOO, "train", *RUN, "--steps", 30, "--out", out], MASTER_ADDR="127.0.0.1")
    assert r.returncode == 0, r.stderr[-3000:]
    run = _one_run_folder(out)
    _reported_once(r.stdout, r.stderr, run)
    weights, state = _state(run)
    assert state["rng_cpu_per_rank"].shape[0] == 2 and state["generator_steps"] == 30
    return weights


def test_torchrun_trains_once_and_resumes_exactly(tmp_path, uninterrupted):
    # The README's line: torchrun starts both processes and sets RANK, LOCAL_RANK, WORLD_SIZE, MASTER_*.
    torchrun = [TORCHRUN, "--standalone", "--nproc-per-node", 2, GANZOO]
    r = _run([*torchrun, "train", *RUN, "--steps", 20, "--out", tmp_path])
    assert r.returncode == 0, r.stderr[-3000:]
    run = _one_run_folder(tmp_path)
    _reported_once(r.stdout, r.stderr, run)
    _, state = _state(run)
    assert state["rng_cpu_per_rank"].shape[0] == 2 and state["generator_steps"] == 20  # a world of 2
    r = _run([*torchrun, "train", "--resume", run, "--steps", 30, "--accelerator", "cpu", "--gpus", 2,
              "--no-progress"])
    assert r.returncode == 0, r.stderr[-3000:]
    assert _one_run_folder(tmp_path) == run
    _reported_once(r.stdout, r.stderr, run)
    _same_weights(uninterrupted, _state(run)[0])  # the launcher changes nothing in the run


def test_simulated_srun_trains_once_and_resumes_exactly(tmp_path, uninterrupted):
    results = _srun(["train", *RUN, "--steps", 20, "--out", tmp_path])
    for p, _, err in results:
        assert p.returncode == 0, err[-3000:]
    run = _one_run_folder(tmp_path)
    (_, out0, err0), (_, out1, err1) = results
    _reported_once(out0, err0, run)
    assert out1 == "" and "Traceback" not in err1, (out1, err1[-3000:])  # task 1 prints nothing of its own
    _, state = _state(run)
    assert state["rng_cpu_per_rank"].shape[0] == 2 and state["generator_steps"] == 20
    results = _srun(["train", "--resume", run, "--steps", 30, "--accelerator", "cpu", "--gpus", 2, "--no-progress"])
    for p, _, err in results:
        assert p.returncode == 0, err[-3000:]
    assert _one_run_folder(tmp_path) == run
    _reported_once(results[0][1], results[0][2], run)
    _same_weights(uninterrupted, _state(run)[0])


def test_a_rank_that_never_joins_gives_one_line(tmp_path):
    """--timeout bounds the rendezvous: node 0 without node 1 (the store's server waits for a client) and
    node 1 without node 0 (the client cannot connect). One line each, naming the missing rank; torch's C++
    c10d/TCPStore log lines (~35 with C++ frames for the client) do not reach the user. A MASTER_PORT in
    use is named as such, not as a dead peer."""
    args = ["train", "gan", "--steps", 5, "--accelerator", "cpu", "--gpus", 1, "--nodes", 2, "--timeout", 5,
            "--no-progress", "--out", tmp_path]
    procs = {rank: subprocess.Popen([str(GANZOO), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env=_env(NODE_RANK=str(rank), MASTER_ADDR="127.0.0.1",
                                                        MASTER_PORT=str(_free_port())))
             for rank in (0, 1)}  # two ports: each is alone
    with socket.socket() as taken:  # and node 0 on a port another process listens on
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = subprocess.Popen([str(GANZOO), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=_env(NODE_RANK="0", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port)))
        outcomes = {rank: (p, p.communicate(timeout=900)[1]) for rank, p in [*procs.items(), ("busy", busy)]}
    for rank, (p, err) in outcomes.items():
        assert p.returncode == 1, err[-3000:]
        lines = [ln for ln in err.splitlines() if not ln.startswith(("run folder: ", "gan on ring: "))]
        assert len(lines) == 1, err[-3000:]
        if rank == "busy":
            assert lines[0] == (f"error: rank 0 of 2: the rendezvous port MASTER_PORT={port} is in use by another "
                                f"process; choose a free MASTER_PORT"), lines
        else:
            assert lines[0].startswith(f"error: rank {rank} of 2: rank {1 - rank} did not answer within --timeout"), lines
