"""Resume semantics and stopping by signal: exact continuation, no-op at the end, refused changes."""
from __future__ import annotations

import json
import signal

import lightning as L
import pytest
import torch

from gan_zoo.registry import GanZooError
from gan_zoo.training import Interrupted, load_checkpoint_file


def _state(method) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in method.state_dict().items()}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


class SignalAt(L.Callback):
    """Send this process a signal while batch ``batch`` (0-based) runs, as ``kill -s SIG pid`` would."""

    def __init__(self, batch: int, signum: int):
        self.batch, self.signum = batch, signum

    def on_train_batch_end(self, trainer, method, outputs, batch, batch_idx):
        if method.batches_seen == self.batch:  # (the module's own hook moves the counter after this one)
            signal.raise_signal(self.signum)


class CrashAt(L.Callback):
    def __init__(self, step: int):
        self.step = step

    def on_train_batch_end(self, trainer, method, outputs, batch, batch_idx):
        if method.generator_steps == self.step:
            raise RuntimeError("simulated crash")


# (method, n_critic, signal, the batch during which it arrives): mid critic-group and on a generator batch
KILL_POINTS = [("wgan-gp", 5, signal.SIGTERM, 13), ("wgan-gp", 5, signal.SIGINT, 19), ("gan", 1, signal.SIGTERM, 4),
               ("gan", 1, signal.SIGINT, 0), ("nice", 1, signal.SIGTERM, 7)]


@pytest.mark.parametrize("method,n_critic,signum,batch", KILL_POINTS)
def test_signal_saves_at_the_generator_step_and_resume_is_exact(run_train, tmp_path, method, n_critic, signum,
                                                                batch):
    steps = 8
    sigint_before = signal.getsignal(signal.SIGINT)  # default_int_handler, or SIG_IGN under nohup / `cmd &`
    straight = run_train(method, steps=steps, seed=2, out=tmp_path / "a")
    with pytest.raises(Interrupted) as e:
        run_train(method, steps=steps, seed=2, out=tmp_path / "b", callbacks=[SignalAt(batch, signum)])
    reached = batch // n_critic + 1  # the generator step in progress is completed, then the run stops
    assert e.value.exit_code == 128 + signum
    msg = str(e.value)
    assert f"generator step {reached} of {steps}" in msg and "resume with: ganzoo train --resume" in msg
    ckpt_path = msg.split("resume with: ganzoo train --resume ")[1]
    ckpt = load_checkpoint_file(ckpt_path)
    assert ckpt["gan_zoo"]["batches_seen"] == reached * n_critic and ckpt["gan_zoo"]["steps"] == steps
    # --resume without --steps continues to the run's own length (stored), bit for bit.
    resumed = run_train(None, resume=ckpt_path)
    assert resumed.method.generator_steps == steps
    _assert_same(_state(straight.method), _state(resumed.method))
    assert signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None) or callable(signal.getsignal(signal.SIGTERM))
    assert signal.getsignal(signal.SIGINT) is sigint_before  # our handler is gone: the one before is back


def test_resume_of_a_finished_run_is_a_no_op_and_fewer_steps_is_an_error(run_train, tmp_path):
    done = run_train("gan", steps=4, seed=1, out=tmp_path)
    before = done.checkpoint.read_bytes()
    again = run_train(None, resume=done.checkpoint)  # no --steps: the run's own 4
    assert again.already_done and again.method.generator_steps == 4
    again = run_train(None, resume=done.run_dir, steps=4)
    assert again.already_done
    assert done.checkpoint.read_bytes() == before  # nothing retrained, nothing overwritten
    with pytest.raises(GanZooError, match="done 4 generator steps; --steps 3 is fewer"):
        run_train(None, resume=done.checkpoint, steps=3)
    longer = run_train(None, resume=done.checkpoint, steps=6)
    assert longer.method.generator_steps == 6 and not longer.already_done
    assert json.loads((done.run_dir / "config.json").read_text())["steps"] == 6


@pytest.mark.parametrize("kw,fragment", [
    ({"overrides": {"lr": "0.01"}}, "--set lr=0.01 differs from the run's lr=0.0002"),
    ({"batch_size": 32}, "--batch-size=32 differs from the run's batch_size=64"),
    ({"data": "grid25"}, "--data grid25"),
    ({"seed": 5}, "--seed 5"),
])
def test_resume_refuses_a_change_in_one_line(run_train, tmp_path, kw, fragment):
    done = run_train("gan", steps=2, seed=1, out=tmp_path)
    before = done.checkpoint.read_bytes()
    with pytest.raises(GanZooError) as e:
        run_train(None, resume=done.checkpoint, steps=4, **kw)
    assert fragment in str(e.value) and "\n" not in str(e.value)
    assert done.checkpoint.read_bytes() == before


def test_resume_accepts_the_run_s_own_values(run_train, tmp_path):
    done = run_train("gan", steps=2, seed=1, out=tmp_path, overrides={"lr": "1e-3"})
    again = run_train("gan", resume=done.checkpoint, steps=3, seed=1, data="ring", batch_size=64,
                      overrides={"lr": "0.001"})
    assert again.method.generator_steps == 3 and again.method.config.lr == 1e-3


def test_tensorboard_keeps_one_value_per_step_after_a_crash_and_resume(run_train, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    with pytest.raises(RuntimeError, match="simulated crash"):
        # Logged every step; checkpoint at step 4; steps 5-6 logged, then the crash.
        run_train("gan", steps=8, seed=0, out=tmp_path, checkpoint_every=4, overrides={"log_every": "1"},
                  callbacks=[CrashAt(6)])
    (ckpt,) = tmp_path.rglob("last.ckpt")
    assert load_checkpoint_file(ckpt)["gan_zoo"]["batches_seen"] == 4
    run_train(None, resume=ckpt, checkpoint_every=4)
    acc = EventAccumulator(str(ckpt.parent.parent)).Reload()
    steps = [e.step for e in acc.Scalars("loss/critic")]
    assert steps == sorted(set(steps)) == list(range(1, 9)), steps
