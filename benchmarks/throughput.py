"""Generator iterations per second: the shipped loop (``gan_zoo.training.train``) vs a hand-written one.

Both sides train the same nets (``gan_zoo.nets``) with the same batch, n_critic, optimisers and per-step
work: a fresh batch per critic step, the critic frozen (requires_grad off) for the generator step,
``zero_grad(set_to_none=True)``, and a loss read back every ``log_every`` generator steps. The shipped
side runs as a user gets it (TensorBoard logger, divergence guard, sample pictures, critic histograms,
checkpoints, no progress bar), except that pictures and checkpoints are only written at the end
(their cadence is set past the last step), so the timed window holds no file writing.

Only the steady state is timed: from the generator step that ends the warm-up to the last one,
marked by a callback's ``on_generator_step`` in the shipped loop and at the same point in the hand
loop (with a CUDA synchronisation at both marks). Shipped and hand runs alternate (A B A B ...) so
load on a shared machine hits both alike; each cell is the median over ``--repeats``.

    .venv/bin/python benchmarks/throughput.py                      # CPU, sizes for a laptop (minutes)
    .venv/bin/python benchmarks/throughput.py --device cuda --full
    .venv/bin/python benchmarks/throughput.py --quick --histograms 50   # + with weight/gradient histograms every 50
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/throughput.py --quick --cpu-time   # per CPU second (loaded machine)

The shipped loop's histograms (callbacks/pictures.py NetHistograms) come at the picture period, so they are
outside the timed window too; ``--histograms N`` adds a column with them every N generator steps inside it.
"""
from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lightning as L

from gan_zoo.data.datamodule import DataInfo, load_dataset
from gan_zoo.data.images import ImageSet
from gan_zoo.losses import (
    gan_discriminator_loss,
    gan_generator_loss,
    gradient_penalty,
    interpolate,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
)
from gan_zoo.nets import build_critic, build_generator, resolve_arch
from gan_zoo.registry import create_method, register_dataset
from gan_zoo.training import skip_nvml_probe_without_cuda, train

IMAGE_SET = "bench-cifar32"
# The timer of both loops: wall time, or with --cpu-time this process's CPU time (user + system), which a shared,
# loaded machine hardly changes when torch runs on one thread (OMP_NUM_THREADS=1): a rate per CPU second.
CLOCK = time.perf_counter
N_IMAGES = 2048


@register_dataset(IMAGE_SET, "images", "synthetic CIFAR-shaped uint8 images (benchmarks only)")
def _bench_images(split="train", **_):
    g = torch.Generator().manual_seed(0 if split == "train" else 1)
    images = torch.randint(0, 256, (N_IMAGES, 3, 32, 32), dtype=torch.uint8, generator=g)
    return ImageSet(IMAGE_SET, images, torch.randint(0, 10, (N_IMAGES,), generator=g), 10)


@dataclass
class Setting:
    method: str
    data: str
    steps: int  # timed generator steps
    warmup: int
    overrides: dict

    @property
    def label(self) -> str:
        extra = " ".join(f"{k}={v}" for k, v in self.overrides.items())
        return f"{self.method} / {self.data}" + (f" ({extra})" if extra else "")


class StepTimer(L.Callback):
    """Marks the time at the end of the warm-up and at the last generator step."""

    def __init__(self, warmup: int, steps: int, cuda: bool):
        self.warmup, self.steps, self.cuda = warmup, steps, cuda
        self.t0 = self.t1 = None

    def on_generator_step(self, trainer, method) -> None:
        s = method.generator_steps
        if s == self.warmup or s == self.warmup + self.steps:
            if self.cuda:
                torch.cuda.synchronize()
            if s == self.warmup:
                self.t0 = CLOCK()
            else:
                self.t1 = CLOCK()

    @property
    def rate(self) -> float:
        return self.steps / (self.t1 - self.t0)


class CompileNets(L.Callback):
    """``nn.Module.compile()`` on the method's nets before training (in place: checkpoint keys unchanged).

    ``critic=False`` leaves the critic eager: torch.compile's AOTAutograd has no double backward, which
    the gradient penalty needs (``create_graph=True``: "torch.compile with aot_autograd does not currently
    support double backward", torch 2.x), so for WGAN-GP only the generator can be compiled.
    """

    def __init__(self, backend: str = "inductor", critic: bool = True):
        self.backend, self.critic = backend, critic

    def setup(self, trainer, pl_module, stage=None) -> None:
        for name, net in pl_module.named_children():
            if self.critic or "critic" not in name:
                net.compile(backend=self.backend)


def compiles_critic(method: str) -> bool:
    """False where the critic's loss differentiates through a gradient (see ``CompileNets``)."""
    return method not in ("wgan-gp", "flowgan")


def run_shipped(s: Setting, device: str, out: Path, precision: str = "32-true", compile: str | None = None,
                histogram_every: int | None = None) -> float:
    """Generator it/s of ``gan_zoo.training.train`` (``compile``: a torch.compile backend, None = eager;
    ``histogram_every``: the nets' histograms every that many generator steps, None = at the end only)."""
    timer = StepTimer(s.warmup, s.steps, device == "cuda")
    total = s.warmup + s.steps
    extra = [CompileNets(compile, compiles_critic(s.method))] if compile else []
    train(method=s.method, data=s.data, steps=total, out=out, overrides={k: str(v) for k, v in s.overrides.items()},
          accelerator="gpu" if device == "cuda" else "cpu", gpus=1 if device == "cuda" else 0, precision=precision,
          progress=False, picture_every=total + 1, checkpoint_every=total + 1, callbacks=extra + [timer],
          histogram_every=histogram_every)
    return timer.rate


def run_hand(s: Setting, device: str, precision: str = "32-true", compile: str | None = None) -> float:
    """The minimal PyTorch loop for the same algorithm, nets and per-step work.

    ``precision="bf16-mixed"``: the whole step under ``torch.autocast(bfloat16)``, as Lightning's
    MixedPrecision runs a manual-optimisation ``training_step`` (backward included); fp32 weights.
    Without CUDA it runs with the NVML probe off, as train() does and as a script that never imported
    Lightning would (gan_zoo.training.skip_nvml_probe_without_cuda).
    """
    skip_nvml_probe_without_cuda()
    torch.manual_seed(0)
    dev = torch.device(device)
    dataset = load_dataset(s.data)
    info = DataInfo(s.data, dataset.kind, (2,) if dataset.kind == "points" else tuple(dataset.shape),
                    dataset.num_classes)
    c = create_method(s.method, info, {k: str(v) for k, v in s.overrides.items()}).config
    G = build_generator(c.arch, info, c.z_dim, c.width).to(dev)
    gan = s.method in ("gan", "dcgan")  # dcgan: the gan method with the DCGAN preset's defaults
    if gan:
        D = build_critic(c.arch, info, c.width, norm="batch").to(dev)
    else:
        D = build_critic(c.arch, info, c.width, norm="layer" if resolve_arch(c.arch, info) == "dcgan" else "none")
        D = D.to(dev)
    opt_g = torch.optim.Adam(G.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))
    opt_d = torch.optim.Adam(D.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))
    if compile:
        G.compile(backend=compile)
        if compiles_critic(s.method):
            D.compile(backend=compile)
    m, cuda = c.batch_size, device == "cuda"
    if precision == "bf16-mixed":
        autocast = torch.autocast(dev.type, dtype=torch.bfloat16)
    elif precision in ("32-true", "32"):
        autocast = contextlib.nullcontext()
    else:
        raise ValueError(f"run_hand: precision {precision!r} (32-true or bf16-mixed)")

    if dataset.kind == "points":
        gen = torch.Generator().manual_seed(0)

        def batches():
            while True:
                x, _ = dataset.sample(m, gen)
                yield x.to(dev, non_blocking=True)
    else:
        images = dataset.images.to(dev)

        def batches():
            gen = torch.Generator().manual_seed(0)
            while True:
                perm = torch.randperm(len(images), generator=gen).to(dev)
                for j in range(len(images) // m):
                    yield images[perm[j * m:(j + 1) * m]].float().div_(127.5).sub_(1.0)

    stream = batches()

    def generator_iteration():
        for _ in range(c.n_critic):
            x = next(stream)
            fake = G(torch.randn(m, c.z_dim, device=dev)).detach()
            if gan:
                loss_d = gan_discriminator_loss(D(x), D(fake))
            else:
                loss_w = wasserstein_critic_loss(D(x), D(fake))
                loss_d = loss_w + c.gp_weight * gradient_penalty(D, interpolate(x, fake))
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
        for p in D.parameters():
            p.requires_grad_(False)
        score = D(G(torch.randn(m, c.z_dim, device=dev)))
        loss_g = gan_generator_loss(score, c.loss) if gan else wasserstein_generator_loss(score)
        for p in D.parameters():
            p.requires_grad_(True)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        return loss_d, loss_g

    total, t0 = s.warmup + s.steps, None
    for step in range(1, total + 1):
        with autocast:
            loss_d, loss_g = generator_iteration()
        if step % c.log_every == 0:
            float(loss_d), float(loss_g)  # the one read-back per logging interval
        if step == s.warmup or step == total:
            if cuda:
                torch.cuda.synchronize()
            if step == s.warmup:
                t0 = CLOCK()
            else:
                return s.steps / (CLOCK() - t0)
    raise AssertionError("unreachable")


def settings(args) -> list[Setting]:
    cpu = args.device == "cpu"
    full = args.full or (not cpu and not args.quick)
    img = {} if full else {"width": 16}  # the DCGAN default is 64; --quick narrows it for a CPU
    pts = args.steps or (300 if full else 150)
    ims = args.steps or (100 if not cpu else (20 if full else 10))
    warm_p, warm_i = 20, 3 if cpu else 10
    return [
        Setting("gan", "ring", pts, warm_p, {}),
        Setting("wgan-gp", "ring", max(pts // 3, 10), warm_p, {}),
        Setting("gan", IMAGE_SET, ims, warm_i, img),
        Setting("wgan-gp", IMAGE_SET, max(ims // 3, 3), warm_i, img),
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--steps", type=int, default=None, help="timed generator steps per run (default: by setting)")
    ap.add_argument("--repeats", type=int, default=3)
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="narrow image nets (width 16), fewer steps (CPU default)")
    size.add_argument("--full", action="store_true", help="default widths on CPU too (the GPU default)")
    ap.add_argument("--only", default=None, help="run only settings whose label contains this")
    ap.add_argument("--histograms", type=int, default=None, metavar="N",
                    help="also time the shipped loop with weight/gradient histograms every N generator steps")
    ap.add_argument("--cpu-time", action="store_true",
                    help="time by this process's CPU time, not wall time (for a loaded machine; with OMP_NUM_THREADS=1)")
    args = ap.parse_args(argv)
    if args.cpu_time:
        global CLOCK
        CLOCK = time.process_time
    if args.device == "cuda" and not torch.cuda.is_available():
        print("error: --device cuda but no CUDA device here", file=sys.stderr)
        return 2
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for s in settings(args):
            if args.only and args.only not in s.label:
                continue
            shipped, hand, hist = [], [], []
            for r in range(args.repeats):  # interleaved: A B (C) A B (C) ...
                shipped.append(run_shipped(s, args.device, Path(tmp) / f"r{r}"))
                hand.append(run_hand(s, args.device))
                if args.histograms:
                    hist.append(run_shipped(s, args.device, Path(tmp) / f"h{r}", histogram_every=args.histograms))
            row = (s.label, statistics.median(shipped), statistics.median(hand),
                   statistics.median(hist) if hist else None)
            rows.append(row)
            extra = ""
            if hist:
                extra += f"  histograms every {args.histograms} {row[3]:8.1f} it/s ({row[3] / row[1]:.3f}x)"
            print(f"{row[0]:<40} shipped {row[1]:8.1f} it/s  hand {row[2]:8.1f} it/s  ratio {row[1] / row[2]:.3f}"
                  f"{extra}   (runs: {', '.join(f'{a:.1f}/{b:.1f}' for a, b in zip(shipped, hand))})", flush=True)

    print()
    unit = "generator iterations per CPU second" if args.cpu_time else "generator iterations/s"
    print(f"device: {args.device} ({torch.cuda.get_device_name() if args.device == 'cuda' else 'CPU'}), "
          f"torch threads {torch.get_num_threads()}, median of {args.repeats}, {unit}")
    head = f"| {'setting':<40} | {'shipped it/s':>12} | {'hand it/s':>10} | {'ratio':>6} |"
    rule = "|" + "-" * 42 + "|" + "-" * 14 + ":|" + "-" * 11 + ":|" + "-" * 7 + ":|"
    if args.histograms:
        head += f" {f'hist/{args.histograms} it/s':>14} | {'vs shipped':>10} |"
        rule += "-" * 15 + ":|" + "-" * 11 + ":|"
    print(head)
    print(rule)
    for label, a, b, h in rows:
        line = f"| {label:<40} | {a:>12.1f} | {b:>10.1f} | {a / b:>6.3f} |"
        if h is not None:
            line += f" {h:>14.1f} | {h / a:>9.3f}x |"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
