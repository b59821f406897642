"""Rank 0 from the launcher's environment, before any process group exists (gan_zoo/launch.py): only rank 0
may create the run folder, so a wrong answer means two folders (or none)."""
from __future__ import annotations

import pytest

from gan_zoo.launch import launched_as_rank_zero

SRUN = {"SLURM_NTASKS": "2", "SLURM_JOB_NAME": "train"}


@pytest.mark.parametrize("env, zero", [
    ({}, True),  # a plain single process
    ({"LOCAL_RANK": "1", "NODE_RANK": "0"}, False),  # Lightning's launcher's second process
    ({"LOCAL_RANK": "0", "NODE_RANK": "1"}, False),  # node 1 of a manual multi-node launch
    ({"RANK": "0", "LOCAL_RANK": "0", "GROUP_RANK": "0"}, True),  # torchrun's first worker
    ({"RANK": "2", "LOCAL_RANK": "0", "GROUP_RANK": "1"}, False),  # torchrun, first worker of node 1
    ({**SRUN, "SLURM_PROCID": "0", "SLURM_LOCALID": "0"}, True),
    ({**SRUN, "SLURM_PROCID": "1", "SLURM_LOCALID": "1"}, False),  # srun's second task
    # An interactive SLURM shell (job name bash): Lightning ignores SLURM, and so do we; inside it, Lightning's
    # own launcher's child is told apart by LOCAL_RANK even though it inherited SLURM_PROCID=0.
    ({"SLURM_NTASKS": "1", "SLURM_JOB_NAME": "bash", "SLURM_PROCID": "3"}, True),
    ({**SRUN, "SLURM_PROCID": "0", "LOCAL_RANK": "1"}, False),
])
def test_rank_zero_from_the_launchers_environment(env, zero):
    assert launched_as_rank_zero(env) is zero
