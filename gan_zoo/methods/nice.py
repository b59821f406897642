"""NICE trained by maximum likelihood only (Dinh et al. 2014; seed 000 Ch. 3, "Single Flow ML" of Ch. 5).

Each batch is one step of Adam on the exact negative log-likelihood (seed 000 eq. 3.7, Alg. 5 with T = 1).
Images are dequantised (NICE's Dequantizer) and modelled in the library's [-1, 1] data space; the NLL
on [0, 1] pixels, the thesis's unit, is nll - D log 2.
"""
from __future__ import annotations

import torch

from ..configs.nice import NICEConfig
from ..nets.flows import NICE, dequantize, held_out
from ..registry import GanZooError, register_method
from .base import GenerativeMethod, evaluating


@register_method("nice")
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
