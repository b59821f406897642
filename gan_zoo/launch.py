"""Which process of a multi-process launch this is, read from the launcher's environment.

Before the Trainer exists (so before any process group), a run must know whether it is rank 0: only rank 0
creates the run folder and prints the results. The launchers Lightning supports say it in different
variables (Lightning's own DDP launcher: ``LOCAL_RANK``/``NODE_RANK``; torchrun: ``RANK``, ``LOCAL_RANK``,
``GROUP_RANK``; SLURM's ``srun``: ``SLURM_PROCID``, read by Lightning's ``SLURMEnvironment`` unless the job
is named ``bash``/``interactive``). A process is rank 0 when every one of them that is set says 0.

Plain ``os.environ`` only: the CLI asks this on its error path, which must not import torch or Lightning.
"""
from __future__ import annotations

import os

# Lightning's SLURMEnvironment.detect(): SLURM_NTASKS set and the job not an interactive shell.
_SLURM_INTERACTIVE_NAMES = ("bash", "interactive")


def slurm_manages_tasks(env=None) -> bool:
    env = os.environ if env is None else env
    return "SLURM_NTASKS" in env and env.get("SLURM_JOB_NAME") not in _SLURM_INTERACTIVE_NAMES


def launched_as_rank_zero(env=None) -> bool:
    """True unless a launcher's variable names another rank (a single process is rank 0)."""
    env = os.environ if env is None else env
    keys = ["RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK"]
    if slurm_manages_tasks(env):
        keys.append("SLURM_PROCID")
    for key in keys:
        value = env.get(key, "0").strip() or "0"
        if value != "0" and not (value.isdigit() and int(value) == 0):
            return False
    return True
