"""Latent traversals for InfoGAN (Chen et al. 2016 Fig. 2), to TensorBoard and PNG every N generator steps.

Images: one grid per continuous code j: one row per categorical value, columns along c_j from -r to r
(r = ``traversal_range``, 2 in the paper's figure), the other continuous codes at 0 and the noise fixed
for the whole grid, so a row changes only with c_j and a column only with the category. With no
continuous code: one row per category, columns with different noise.
Points: samples coloured by their categorical code.
Each grid is drawn with its axes labelled: the code varied along the columns and its value under each
column, the categorical code's value beside each row (``traversal_figure``).
"""
from __future__ import annotations

from pathlib import Path

import torch

from .base import GeneratorStepCallback

N_COLUMNS = 10


@torch.no_grad()
def traversal_grids(method, n_columns: int = N_COLUMNS, seed: int = 4321) -> dict[str, torch.Tensor]:
    """{name: (n_rows * n_columns, C, H, W) samples in [-1, 1]} for an InfoGAN-like method."""
    c = method.config
    g = torch.Generator().manual_seed(seed)
    k = max(c.categorical, 1)
    rows = torch.arange(k).repeat_interleave(n_columns)  # category of each cell, row-major
    n = len(rows)
    noise = (torch.rand(1, c.z_dim, generator=g) * 2 - 1).expand(n, -1)
    out = {}
    cat = {"categorical": rows} if c.categorical else {}
    if c.continuous == 0:
        free_noise = torch.rand(n_columns, c.z_dim, generator=g) * 2 - 1
        out["categorical"] = method.sample(n, codes={**cat, "noise": free_noise.repeat(k, 1)})
        return out
    values = torch.linspace(-c.traversal_range, c.traversal_range, n_columns)
    for j in range(c.continuous):
        cont = torch.zeros(n, c.continuous)
        cont[:, j] = values.repeat(k)
        out[f"c{j + 1}"] = method.sample(n, codes={**cat, "continuous": cont, "noise": noise})
    return out


def traversal_axes(method, name: str, n_columns: int = N_COLUMNS) -> tuple[str, list[str], str, list[str]]:
    """(x label, column labels, y label, row labels) of the grid ``traversal_grids(method)[name]``."""
    c = method.config
    rows = [str(i) for i in range(max(c.categorical, 1))]
    ylabel = "categorical code" if c.categorical else "(no categorical code)"
    if name == "categorical":
        return "noise sample (continuous codes: none)", [str(i + 1) for i in range(n_columns)], ylabel, rows
    values = torch.linspace(-c.traversal_range, c.traversal_range, n_columns).tolist()
    others = " (other continuous codes 0)" if c.continuous > 1 else ""
    return f"continuous code {name}{others}", [f"{v:.2g}" for v in values], ylabel, rows


def traversal_figure(method, name: str, grid: torch.Tensor, title: str = ""):
    """A matplotlib figure of a (3, H, W) traversal grid in [0, 1] with the codes' names and values on the axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xlabel, cols, ylabel, rows = traversal_axes(method, name)
    h, w = method.data_info.shape[-2:]
    pad = 2  # make_grid's padding in traversal pictures
    img = grid.permute(1, 2, 0).float().cpu().numpy()
    scale = max(1.0, 40 / w)  # at least ~40 screen pixels per cell, so the tick labels do not overlap
    fig, ax = plt.subplots(figsize=(img.shape[1] * scale / 100 + 1.3, img.shape[0] * scale / 100 + 1.0), dpi=100)
    ax.imshow(img, interpolation="nearest")
    ax.set_xticks([pad + j * (w + pad) + w / 2 for j in range(len(cols))], cols, fontsize=7)
    ax.set_yticks([pad + i * (h + pad) + h / 2 for i in range(len(rows))], rows, fontsize=7)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(length=0)
    if title:
        ax.set_title(title, fontsize=8)
    fig.tight_layout()
    return fig


class LatentTraversals(GeneratorStepCallback):
    def __init__(self, out_dir: str | Path, every: int = 500):
        super().__init__(every)
        self.out_dir = Path(out_dir)
        self.last_pngs: list[Path] = []

    def act(self, trainer, method) -> None:
        if trainer.global_rank != 0:
            return
        step = method.generator_steps
        self.out_dir.mkdir(parents=True, exist_ok=True)
        exp = getattr(trainer.logger, "experiment", None) if trainer.logger else None
        self.last_pngs = []
        if method.data_info.is_image:
            import matplotlib.pyplot as plt
            from torchvision.utils import make_grid

            from .pictures import _fig_to_array

            for name, x in traversal_grids(method).items():
                grid = make_grid(x.float().cpu().clamp(-1, 1) * 0.5 + 0.5, nrow=N_COLUMNS, padding=2)
                fig = traversal_figure(method, name, grid, f"infogan traversal of {name}, step {step}")
                png = self.out_dir / f"{name}_step_{step:07d}.png"
                fig.savefig(png)
                self.last_pngs.append(png)
                if exp is not None and hasattr(exp, "add_image"):
                    exp.add_image(f"traversals/{name}", _fig_to_array(fig), step, dataformats="HWC")
                plt.close(fig)
        else:
            self._points(method, step, exp)

    @torch.no_grad()
    def _points(self, method, step, exp) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .pictures import _fig_to_array

        c = method.config
        k = max(c.categorical, 1)
        n_per = 200
        fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
        g = torch.Generator().manual_seed(4321)
        for i in range(k):
            codes = {"categorical": torch.full((n_per,), i)} if c.categorical else {}
            x = method.sample(n_per, g, codes=codes).float().cpu()
            ax.scatter(x[:, 0], x[:, 1], s=3, color=plt.cm.tab10(i % 10), label=f"categorical code {i}")
        ax.set_aspect("equal", adjustable="datalim")  # a circle of Gaussians looks like a circle
        ax.legend(loc="upper right", fontsize=6, markerscale=3)
        ax.set_title(f"infogan samples by categorical code, step {step}", fontsize=9)
        fig.tight_layout()
        png = self.out_dir / f"categorical_step_{step:07d}.png"
        fig.savefig(png)
        self.last_pngs.append(png)
        if exp is not None and hasattr(exp, "add_image"):
            exp.add_image("traversals/categorical", _fig_to_array(fig), step, dataformats="HWC")
        plt.close(fig)
