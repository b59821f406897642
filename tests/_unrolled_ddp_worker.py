"""Worker for tests/test_faithful_defaults.py: Unrolled's generator gradient on two gloo CPU processes.

``python tests/_unrolled_ddp_worker.py OUT INPUTS`` spawns two ranks; rank r takes half r of the batch in
INPUTS (x, z), computes the unrolled generator loss with the K look-ahead steps, backpropagates, averages
the generator's gradient over ranks as DDP does, and saves it to OUT/rank{r}.pt.
"""
from __future__ import annotations

import os
import sys
import warnings


def run(rank: int, out: str, inputs: str, port: str) -> None:
    warnings.filterwarnings("ignore")
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=port)
    dist.init_process_group("gloo", rank=rank, world_size=2)
    from gan_zoo.data import DataInfo
    from gan_zoo.registry import create_method

    d = torch.load(inputs, weights_only=False)
    torch.manual_seed(0)  # the same initial weights on both ranks (DDP broadcasts rank 0's)
    m = create_method("unrolled", DataInfo("ring8", "points", (2,), 8), d["overrides"])
    m.load_state_dict(d["state"])
    opt_d = torch.optim.Adam(m.critic.parameters(), lr=m.config.lr_d, betas=(m.config.beta1, m.config.beta2))
    h = len(d["x"]) // 2
    x, z = d["x"][rank * h:(rank + 1) * h], d["z"][rank * h:(rank + 1) * h]
    loss = m.unrolled_generator_loss(x, m.generator(z), opt_d)
    loss.backward()
    grads = {}
    for n, p in m.generator.named_parameters():  # DDP's reducer: the mean of the ranks' gradients
        g = p.grad.clone()
        dist.all_reduce(g)
        grads[n] = g / 2
    lsum = loss.detach().clone()
    dist.all_reduce(lsum)
    torch.save({"grads": grads, "loss": lsum / 2}, os.path.join(out, f"rank{rank}.pt"))
    dist.destroy_process_group()


if __name__ == "__main__":
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    mp.spawn(run, args=(sys.argv[1], sys.argv[2], port), nprocs=2, join=True)
