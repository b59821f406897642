"""NICE trained by maximum likelihood only (Dinh et al. 2014; [S0] Ch. 3, "Single Flow ML" of Ch. 5).

Each batch is one step of Adam on the exact negative log-likelihood ([S0] eq. 3.7, Alg. 5 with T = 1).
Images are dequantised (NICE's Dequantizer) and modelled in the library's [-1, 1] data space; the NLL
on [0, 1] pixels, the thesis's unit, is nll - D log 2. The flow, its config and the held-out NLL are the
flow family's (flow_family.py).
"""
from __future__ import annotations

import torch

from ..registry import register_method
from .flow_family import SingleFlowMethod


@register_method("nice")
class NICEMethod(SingleFlowMethod):
    def configure_optimizers(self):
        c = self.config
        return torch.optim.Adam(self.flow.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))

    def training_step(self, batch, batch_idx):
        x, _ = batch
        opt = self.optimizers()
        # Alg. 5 with T = 1: one Adam step on the mean negative log-likelihood of the batch (eq. 3.7).
        nll = -self.flow.log_prob(self._prepare(x)).mean()
        opt.zero_grad(set_to_none=True)
        self.manual_backward(nll)
        opt.step()
        self.record({"nll/train": nll})
        self.record_heldout_nll()
