"""Issue 12 (items 1-6): defaults that follow the papers' and official code's numbers, each checked by behaviour."""
from __future__ import annotations

import pytest
import torch

from gan_zoo.training import load_method


# ----- WGAN: the official critic schedule (martinarjovsky/WassersteinGAN main.py) -------------------------
def test_wgan_runs_the_official_critic_schedule(run_train, tmp_path):
    # 100 critic steps before each of the first 25 generator steps, then n_critic = 5 (and 100 every 500th).
    result = run_train("wgan", steps=3, seed=0)
    m = result.method
    assert m.generator_steps == 3 and m.batches_seen == 3 * 100
    assert [m.critic_steps(g) for g in (0, 24, 25, 499, 500, 501, 1000)] == [100, 100, 5, 5, 100, 5, 100]
    # Resume: the batch counter alone places the run in the schedule (2 more steps of 100 critic steps).
    again = run_train("wgan", steps=5, resume=result.checkpoint)
    assert again.method.generator_steps == 5 and again.method.batches_seen == 5 * 100
    # Turned off: Alg. 1 as printed, n_critic for every step.
    off = run_train("wgan", steps=3, seed=0, overrides={"critic_boost": "0"})
    assert off.method.batches_seen == 3 * 5
    assert load_method(off.run_dir).config.critic_boost == 0


def test_varying_schedule_counts_generator_steps_from_batches(run_train):
    # schedule_position walks the schedule: after b batches, how many generator steps are done.
    result = run_train("wgan", steps=1, seed=0, overrides={"critic_boost": "3", "boost_first": "2",
                                                          "boost_every": "0"})
    m = result.method  # schedule 3, 3, 5, 5, ...
    assert m.batches_seen == 3
    assert [m.schedule_position(b) for b in (0, 2, 3, 5, 6, 10, 11)] == [
        (0, 0), (0, 2), (1, 0), (1, 2), (2, 0), (2, 4), (3, 0)]
