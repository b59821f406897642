"""Checkpoint writing under faults: non-finite state refused, a full disk, stale temporaries, SIGKILL at
any moment (slow), and concurrent runs and samplers sharing one --out."""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch

from gan_zoo.methods.base import DivergenceError
from gan_zoo.registry import GanZooError
from gan_zoo.training import load_checkpoint_file

GANZOO = Path(sys.executable).parent / "ganzoo"


@pytest.mark.parametrize("method,data,overrides,what", [
    # Each "succeeded" before the state itself was checked: the losses stayed finite long enough.
    ("dcgan", "digits", {"lr": "1e9", "width": "8", "batch_size": "16"}, ("buffer", "parameter", "optimizer")),
    ("wgan-gp", "ring", {"lr": "100"}, ("parameter", "optimizer", "NaN/Inf")),
    ("nice", "ring", {"lr": "0.3"}, ("parameter", "optimizer", "NaN/Inf")),
])
def test_non_finite_state_is_never_saved(run_train, tmp_path, method, data, overrides, what):
    with pytest.raises(DivergenceError) as e:
        run_train(method, data=data, steps=40, seed=0, overrides=overrides, checkpoint_every=1, out=tmp_path)
    assert any(w in str(e.value) for w in what), str(e.value)
    for p in tmp_path.rglob("last.ckpt"):  # whatever was kept is finite, optimiser state included
        ck = load_checkpoint_file(p)
        for v in ck["state_dict"].values():
            assert torch.isfinite(v.float()).all()
        for opt in ck["optimizer_states"]:
            for st in opt["state"].values():
                for v in st.values():
                    if torch.is_tensor(v) and v.is_floating_point():
                        assert torch.isfinite(v).all()


def test_full_disk_is_one_line_and_keeps_the_last_checkpoint(run_train, tmp_path, monkeypatch):
    import lightning as L

    real = L.Trainer.save_checkpoint
    calls = {"n": 0}

    def filling_up(self, filepath, *a, **kw):
        calls["n"] += 1
        if calls["n"] >= 2:  # the second save meets a full disk half-way through its temporary file
            Path(filepath).write_bytes(b"\0" * 1000)
            raise OSError(errno.ENOSPC, "No space left on device", str(filepath))
        return real(self, filepath, *a, **kw)

    monkeypatch.setattr(L.Trainer, "save_checkpoint", filling_up)
    with pytest.raises(GanZooError) as e:
        run_train("gan", steps=6, seed=0, checkpoint_every=2, out=tmp_path)
    (ckpt,) = tmp_path.rglob("last.ckpt")
    msg = str(e.value)
    assert "\n" not in msg and "the disk is full" in msg and str(ckpt) in msg and "kept intact" in msg
    assert load_checkpoint_file(ckpt)["gan_zoo"]["batches_seen"] == 2  # the first save, whole
    assert [p.name for p in ckpt.parent.iterdir()] == ["last.ckpt"]  # the partial temporary is gone


def test_stale_temporaries_of_a_killed_writer_are_removed(run_train, tmp_path):
    first = run_train("gan", steps=2, seed=0, out=tmp_path)
    folder = first.checkpoint.parent
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid that no longer runs
    (folder / f".last.ckpt.tmp{dead.pid}").write_bytes(b"half a checkpoint")
    (folder / f".last.ckpt.tmp{os.getppid()}").write_bytes(b"a live writer's file")  # not ours to remove
    run_train(None, resume=first.checkpoint, steps=3)
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f".last.ckpt.tmp{os.getppid()}", "last.ckpt"]


def test_racing_runs_get_distinct_version_folders(tmp_path):
    from gan_zoo.training import next_version

    got, start = [], threading.Barrier(8)

    def one():
        start.wait()
        got.append(next_version(tmp_path / "gan" / "ring"))

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(p.name for p in got) == [f"version_{i}" for i in range(8)]


def test_racing_samplers_one_wins_the_other_gets_one_line(tmp_path):
    from gan_zoo.io import read_samples, write_samples

    out, start, results = tmp_path / "s", threading.Barrier(2), {}

    def one(k):
        def chunks():
            start.wait()  # both have checked that --out is free before either renames
            for _ in range(20):
                yield torch.full((50, 2), float(k))
        try:
            write_samples(out, chunks(), {"writer": k})
            results[k] = "ok"
        except GanZooError as e:
            results[k] = str(e)

    threads = [threading.Thread(target=one, args=(k,)) for k in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and list(results.values()).count("ok") == 1, results
    loser = next(v for v in results.values() if v != "ok")
    assert "another writer" in loser or "already exists" in loser
    x, manifest = read_samples(out)
    assert len(x) == 1000 and torch.equal(x, torch.full((1000, 2), float(manifest["writer"])))  # one writer's, whole
    assert [p.name for p in tmp_path.iterdir()] == ["s"]  # the loser's temporary folder is gone


# ----- slow: real processes ------------------------------------------------------------------------

def _env():
    env = dict(os.environ, PYTHONWARNINGS="ignore", OMP_NUM_THREADS="1")
    env.pop("GANZOO_RUN_DIR", None)
    return env


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_a_loadable_checkpoint_and_resume_is_exact(tmp_path):
    """SIGKILL the CLI at spread-out moments of a run (including during checkpoint writes), then resume."""
    steps, delays = 300, [0.0, 0.3, 0.7, 1.1, 1.6, 2.2, 3.0, 4.0]
    args = ["train", "gan", "--steps", str(steps), "--set", "log_every=1", "--no-progress"]
    ref = subprocess.run([str(GANZOO), *args, "--out", str(tmp_path / "ref")], env=_env(), capture_output=True,
                         text=True, timeout=900)
    assert ref.returncode == 0, ref.stderr[-2000:]
    want = torch.load(next((tmp_path / "ref").rglob("last.ckpt")), weights_only=False)["state_dict"]
    exact, tried = 0, 0
    for i, delay in enumerate(delays):
        out = tmp_path / f"k{i}"
        p = subprocess.Popen([str(GANZOO), *args, "--out", str(out)], env=_env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        run = out / "gan" / "ring" / "version_0"
        # From the first periodic checkpoint (step 60) on, so that every kill has a checkpoint to resume from
        # however slow the start-up (imports, set-up) is on a loaded machine.
        while not (run / "checkpoints" / "last.ckpt").exists() and p.poll() is None:
            time.sleep(0.02)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        ckpt = run / "checkpoints" / "last.ckpt"
        if not ckpt.exists():
            continue  # killed before the first checkpoint: nothing to resume (not counted)
        tried += 1
        load_checkpoint_file(ckpt)  # never corrupt
        r = subprocess.run([str(GANZOO), "train", "--resume", str(ckpt), "--no-progress"], env=_env(),
                           capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stderr[-2000:]
        assert [q.name for q in ckpt.parent.iterdir()] == ["last.ckpt"]  # no temporary left
        got = torch.load(ckpt, weights_only=False)["state_dict"]
        exact += all(torch.equal(want[k], got[k]) for k in want)
    print(f"\nSIGKILL points: {tried} with a checkpoint, {exact} resumed bit-exactly")
    assert tried >= 6 and exact == tried


@pytest.mark.slow
def test_two_trainings_into_one_out_at_once(tmp_path):
    args = [str(GANZOO), "train", "gan", "--steps", "3", "--no-progress", "--out", str(tmp_path)]
    ps = [subprocess.Popen(args, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
          for _ in range(2)]
    for p in ps:
        _, err = p.communicate(timeout=900)
        assert p.returncode == 0, err[-2000:]
    runs = sorted((tmp_path / "gan" / "ring").iterdir())
    assert [r.name for r in runs] == ["version_0", "version_1"]
    for r in runs:
        assert load_checkpoint_file(r / "checkpoints" / "last.ckpt")["gan_zoo"]["batches_seen"] == 3
