"""Pictures every N generator steps, to TensorBoard and as PNG files in ``<run>/samples/``.

Points: generated (and real) samples over the critic's value surface ([S0] Fig. 2.3).
Images: a grid of samples from a fixed noise batch, so successive grids are comparable, and once per
run (at its start) a grid of training images beside it (``data`` in TensorBoard, ``samples/data.png``).
Histograms: per-parameter weights and gradients of every net of the method.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..methods.interface import CriticSurface, MixtureSampler, has_density
from .base import GeneratorStepCallback


def _fig_to_array(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


@torch.no_grad()
def points_figure(method, real: torch.Tensor, n: int = 1000, title: str = ""):
    """Scatter of samples (orange) and data (blue) with the critic's value surface behind them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Mixtures (Mixflow, PGAN: interface.MixtureSampler): colour samples by component ([S0] Fig. 5.1).
    if isinstance(method, MixtureSampler):
        fake, comp = method.sample_components(n, torch.Generator().manual_seed(1234))
        fake, comp = fake.float().cpu(), comp.cpu()
    else:
        fake, comp = method.sample(n, torch.Generator().manual_seed(1234)).float().cpu(), None
    real = real[:n].float().cpu()
    both = torch.cat([real, fake])
    lo, hi = both.quantile(0.005, 0).numpy(), both.quantile(0.995, 0).numpy()
    pad = 0.15 * (hi - lo) + 1e-3
    lo, hi = lo - pad, hi + pad
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    if has_density(method):  # exact density: its log-density contour (Figs 5.1, 5.3)
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 120), np.linspace(lo[1], hi[1], 120))
        grid = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32, device=method.device)
        values = method.log_prob(grid).float().reshape(gx.shape).cpu().numpy()
        top = values[np.isfinite(values)].max() if np.isfinite(values).any() else 0.0
        values = np.clip(np.nan_to_num(values, nan=top - 15, neginf=top - 15, posinf=top), top - 15, None)
        cs = ax.contourf(gx, gy, values, levels=30, cmap="viridis", alpha=0.8)
        fig.colorbar(cs, ax=ax, fraction=0.046, label="log density")
    elif isinstance(method, CriticSurface):  # the critic's value surface (methods/interface.py)
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 120), np.linspace(lo[1], hi[1], 120))
        grid = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32, device=method.device)
        values = method.critic_values(grid)
        if values is not None:
            values = values.float().reshape(gx.shape).cpu().numpy()
            cs = ax.contourf(gx, gy, values, levels=30, cmap="viridis", alpha=0.8)
            fig.colorbar(cs, ax=ax, fraction=0.046, label="critic value")
    ax.scatter(real[:, 0], real[:, 1], s=3, c="tab:blue", alpha=0.5, label="data")
    if comp is None:
        ax.scatter(fake[:, 0], fake[:, 1], s=3, c="tab:orange", alpha=0.7, label="samples")
    else:
        # Components in tab10's colours from index 2 on, so no component wears the data's blue (index 0) or
        # the plain samples' orange (1); one legend entry per component, in its colour.
        import matplotlib.colors as mcolors

        palette = [mcolors.to_hex(c) for c in plt.get_cmap("tab10").colors[2:]] + ["#7f7f7f"]
        cnum = comp.numpy()
        for k in np.unique(cnum):
            sel = cnum == k
            ax.scatter(fake.numpy()[sel, 0], fake.numpy()[sel, 1], s=3, c=palette[int(k) % len(palette)], alpha=0.8,
                       label=f"component {int(k)}")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal", adjustable="box")  # a circle of Gaussians looks like a circle
    ax.legend(loc="upper right", fontsize=7)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


@torch.no_grad()
def image_grid(method, n: int = 64) -> torch.Tensor:
    """A (3, H, W) grid in [0, 1] of n samples from fixed noise."""
    from torchvision.utils import make_grid

    k = getattr(method, "num_components", 0)
    if k and hasattr(method, "sample_components"):  # mixtures: one row of samples per component
        per = max(n // k, 1)
        g = torch.Generator().manual_seed(1234)
        x = torch.cat([method.sample_components(per, g, component=i)[0].float().cpu() for i in range(k)])
        return make_grid(x.clamp(-1, 1) * 0.5 + 0.5, nrow=per, padding=2)
    x = method.sample(n, torch.Generator().manual_seed(1234)).float().cpu()
    return make_grid(x.clamp(-1, 1) * 0.5 + 0.5, nrow=int(n**0.5), padding=2)


@torch.no_grad()
def data_grid(dataset, n: int = 64, seed: int = 99) -> torch.Tensor:
    """A (3, H, W) grid in [0, 1] of n training images (a fixed random choice), laid out as image_grid's."""
    from torchvision.utils import make_grid

    idx = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[:n]
    x = dataset.to_float(idx).float()
    return make_grid(x.clamp(-1, 1) * 0.5 + 0.5, nrow=int(n**0.5), padding=2)


def write_samples_picture(method, dataset, png, exp, tag: str, step: int, n: int = 1000, title: str = "") -> None:
    """The method's samples as ``png`` and as the TensorBoard image ``tag`` (when ``exp`` takes images):
    an 8 x 8 grid for images, a scatter over ``n`` real points (fixed seed 99) for point sets."""
    if method.data_info.is_image:
        from torchvision.utils import save_image

        grid = image_grid(method, 64)
        save_image(grid, png)
        if exp is not None and hasattr(exp, "add_image"):
            exp.add_image(tag, grid, step)
        return
    import matplotlib.pyplot as plt

    real, _ = dataset.sample(n, torch.Generator().manual_seed(99))
    fig = points_figure(method, real, n, title)
    fig.savefig(png)
    if exp is not None and hasattr(exp, "add_image"):
        exp.add_image(tag, _fig_to_array(fig), step, dataformats="HWC")
    plt.close(fig)


class SamplePictures(GeneratorStepCallback):
    def __init__(self, out_dir: str | Path, every: int = 500, n: int = 1000):
        super().__init__(every)
        self.out_dir, self.n = Path(out_dir), n
        self.last_png: Path | None = None
        self.data_png: Path | None = None

    def on_train_start(self, trainer, method) -> None:
        """Images: the real-data grid, once per run (a resumed run has it from its start)."""
        if trainer.global_rank != 0 or not method.data_info.is_image or method.batches_seen > 0:
            return
        from torchvision.utils import save_image

        grid = data_grid(trainer.datamodule.dataset)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.data_png = self.out_dir / "data.png"
        save_image(grid, self.data_png)
        exp = getattr(trainer.logger, "experiment", None) if trainer.logger else None
        if exp is not None and hasattr(exp, "add_image"):
            exp.add_image("data", grid, 0)

    def act(self, trainer, method) -> None:
        if trainer.global_rank != 0:
            return
        step = method.generator_steps
        self.out_dir.mkdir(parents=True, exist_ok=True)
        png = self.out_dir / f"step_{step:07d}.png"
        dm = trainer.datamodule
        exp = getattr(trainer.logger, "experiment", None) if trainer.logger else None
        write_samples_picture(method, dm.dataset, png, exp, "samples", step, self.n,
                              f"{method.method_name} on {dm.name}, step {step}")
        self.last_png = png


class NetHistograms(GeneratorStepCallback):
    """Per-parameter histograms of every net of the method, every N generator steps and at the end.

    ``weights/<net>/<parameter>`` and ``gradients/<net>/<parameter>`` for each top-level module of the
    method (generator and critic; a flow's ``flow``, an autoencoder's ``encoder``/``decoder``, ...), where
    the gradient is the ``.grad`` its optimiser last stepped with (the generator's from this generator step,
    the critic's from the last critic step; none for a frozen or not yet trained parameter). Plus
    ``weights/critic``, all critic weights in one histogram ([S0] Fig. 2.4: clipping piles them at +-c,
    the penalty does not). Each histogram is one device-to-host copy of that tensor, at the picture period
    by default (``train(histogram_every=)``, ``--histogram-every``; 0 turns them off).
    """

    def __init__(self, every: int = 500):
        super().__init__(every)

    def act(self, trainer, method) -> None:
        exp = getattr(trainer.logger, "experiment", None) if trainer.logger else None
        if trainer.global_rank != 0 or exp is None or not hasattr(exp, "add_histogram"):
            return
        step = method.generator_steps
        for net_name, net in method.named_children():
            for name, p in net.named_parameters():
                exp.add_histogram(f"weights/{net_name}/{name}", p.detach().float().cpu(), step)
                if p.grad is not None:
                    exp.add_histogram(f"gradients/{net_name}/{name}", p.grad.detach().float().cpu(), step)
        critic = getattr(method, "critic", None)
        if isinstance(critic, torch.nn.Module) and any(True for _ in critic.parameters()):
            weights = torch.cat([p.detach().flatten().float().cpu() for p in critic.parameters()])
            exp.add_histogram("weights/critic", weights, step)


CriticHistograms = NetHistograms  # the name it had when it drew the critic's weights only
