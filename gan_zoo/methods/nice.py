"""NICE trained by maximum likelihood only (Dinh et al. 2014; seed 000 Ch. 3, "Single Flow ML" of Ch. 5).

Each batch is one step of Adam on the exact negative log-likelihood (seed 000 eq. 3.7, Alg. 5 with T = 1).
Images are dequantised (NICE's Dequantizer) and modelled in the library's [-1, 1] data space; the NLL
on [0, 1] pixels, the thesis's unit, is nll - D log 2.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..nets.flows import BASES, COUPLINGS, NICE, dequantize, held_out
from ..registry import GanZooError, register_method
from .base import GenerativeMethod, MethodConfig, evaluating


@dataclass
class NICEConfig(MethodConfig):
    # Seed 000 §5.1.1 (2-D): single flow = 4 additive coupling layers, m(.) a "5-layer MLP, 100 nodes/layer",
    # ReLU (read as 4 hidden layers + linear output, as nets/factory.py reads the same phrase for the critic).
    n_coupling: int = 4
    hidden: int = 100
    depth: int = 4
    coupling: str = "mlp"  # mlp | cnn (seed 000 §5.2)
    cnn_fc: int = 1000  # seed 000 §5.2 single-flow CNN coupling: FC 1000 -> FC 7x7x64 -> 64 maps
    cnn_maps: int = 64
    base: str = "gaussian"  # seed 000 §3.0.3 (toy base not stated, [AMBIG-5]); logistic for images (§5.2)
    # Seed 000 §5.1.1: NICE learning rate 0.005, Adam beta = (0.5, 0.9) (Alg. 5), batch 300.
    lr: float = 0.005
    beta1: float = 0.5
    beta2: float = 0.9
    batch_size: int = 300
    dequantize: bool = True  # images only: NICE's uniform dequantisation (paper_defaults.md §9)
    test_size: int = 2000  # held-out samples for nll/test (our choice; seed 000 gives no protocol)

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            return cls(z_dim=2)
        # Seed 000 §5.2: MNIST single flow = 4 couplings, 5 layers x 1000 "identical to Dinh et al." (NICE-C's
        # 5 hidden ReLU layers of 1000, paper_defaults.md §9), logistic base, generator lr 0.0005, batch 200.
        return cls(hidden=1000, depth=5, base="logistic", lr=5e-4, batch_size=200, test_size=1000, z_dim=0)

    def validate(self):
        super().validate()
        if self.base not in BASES:
            raise GanZooError(f"unknown base '{self.base}' ({', '.join(BASES)})")
        if self.coupling not in COUPLINGS:
            raise GanZooError(f"unknown coupling '{self.coupling}' ({', '.join(COUPLINGS)})")
        if self.n_coupling < 1:
            raise GanZooError(f"n_coupling must be >= 1, got {self.n_coupling}")


@register_method("nice", NICEConfig, "Dinh et al. 2014 (seed 000 Ch. 3, §5 'Single Flow ML')",
                 "NICE flow (additive couplings + diagonal scaling) trained by exact maximum likelihood")
class NICEMethod(GenerativeMethod):
    has_log_prob = True

    def __init__(self, config: NICEConfig, data_info):
        super().__init__(config, data_info)
        if config.coupling == "cnn" and not data_info.is_image:
            raise GanZooError("coupling=cnn needs image data (use coupling=mlp for points)")
        self.flow = NICE(data_info.shape, config.n_coupling, config.hidden, config.depth, config.base,
                         config.coupling, config.cnn_fc, config.cnn_maps)
        self._heldout = None

    def configure_optimizers(self):
        c = self.config
        return torch.optim.Adam(self.flow.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))

    def on_train_start(self):
        super().on_train_start()
        self._heldout = held_out(self.trainer.datamodule.test_dataset(), self.config.test_size).to(self.device)

    def _prepare(self, x):
        return dequantize(x) if self.data_info.is_image and self.config.dequantize else x

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        return self.flow.log_prob(x)

    @torch.no_grad()
    def sample(self, n, generator=None, **condition):
        with evaluating(self.flow):
            x = self.flow.sample(n, generator)
        return x.clamp(-1, 1) if self.data_info.is_image else x

    def training_step(self, batch, batch_idx):
        x, _ = batch
        opt = self.optimizers()
        # Alg. 5 with T = 1: one Adam step on the mean negative log-likelihood of the batch (eq. 3.7).
        nll = -self.flow.log_prob(self._prepare(x)).mean()
        opt.zero_grad(set_to_none=True)
        self.manual_backward(nll)
        opt.step()
        self.record({"nll/train": nll})
        if self.is_log_step() and self._heldout is not None:
            with torch.no_grad():
                self.flow.eval()
                self.record({"nll/test": -self.flow.log_prob(self._heldout).mean()})
                self.flow.train()
