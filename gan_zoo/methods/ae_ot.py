"""AE-OT (An et al., ICLR 2020; [S2] §2.2-2.4): decouple manifold learning from measure learning.

1. Manifold: a deterministic autoencoder (encoder f_theta, decoder d), trained in ``training_step``.
2. Measure: at the last training step (or on demand, ``fit_ot()``), the semi-discrete OT map T from the
   uniform measure on the cube [-1/2, 1/2]^d (AEOT-C ``pre_cal``, [P7]) to the empirical
   measure of the training set's latent codes, by Algorithm 1 (``gan_zoo/transport/semidiscrete_ot.py``).
3. Generation: G = d o T_hat, with T_hat the piecewise-linear extension of Algorithm 2 that refuses to
   blend codes across singular boundaries (dihedral angle > theta).

The codes are centred and scaled to unit RMS norm before the OT (our choice): the quadratic-cost OT
partition is unchanged by a translation or a positive scaling of the targets, and the angle threshold
theta then means the same thing whatever scale the encoder happens to learn.

h, the codes and the cell centroids are buffers, so they travel in the checkpoint.
"""
from __future__ import annotations

import torch

from ..configs.ae_ot import AEOTConfig
from ..transport import semidiscrete_ot as sdot
from ..nets.autoencoder import build_autoencoder
from ..registry import GanZooError, register_method
from .base import GenerativeMethod, evaluating


@register_method("ae-ot")
class AEOT(GenerativeMethod):
    def __init__(self, config: AEOTConfig, data_info):
        super().__init__(config, data_info)
        self.encoder, self.decoder = build_autoencoder(data_info, config.z_dim, config.width)
        d = config.z_dim
        # Filled by fit_ot(); empty until then (and resized on load, see _load_from_state_dict).
        self.register_buffer("codes", torch.zeros(0, d))  # training-set latent codes y_i (raw)
        self.register_buffer("code_mean", torch.zeros(d))
        self.register_buffer("code_scale", torch.ones(()))
        self.register_buffer("h", torch.zeros(0))  # heights of the Brenier potential (normalised codes)
        self.register_buffer("centroids", torch.zeros(0, d))  # c_hat_i (normalised space), 0 where empty
        # Cells no Monte-Carlo sample hit have no centroid. A mask, not NaN in the buffer: the checkpoint
        # writer refuses non-finite state (a diverged run), and an empty cell is not a divergence.
        self.register_buffer("centroid_hit", torch.zeros(0, dtype=torch.bool))
        self.ot_result: sdot.OTResult | None = None

    def configure_optimizers(self):
        params = list(self.encoder.parameters()) + list(self.decoder.parameters())
        return torch.optim.Adam(params, lr=self.config.lr)

    # ----- stage 1: the autoencoder -------------------------------------------------------------
    def training_step(self, batch, batch_idx):
        x, _ = batch
        opt = self.optimizers()
        z = self.encoder(x)
        recon = self.decoder(z)
        # AEOT-C demo2.py: mean squared error + 1e-5 ||z||_1 (a mild sparsity pull on the codes).
        mse = (recon - x).square().mean()
        loss = mse + self.config.l1_latent * z.abs().sum(1).mean()
        opt.zero_grad(set_to_none=True)
        self.manual_backward(loss)
        opt.step()
        self.record({"loss/reconstruction": mse, "loss/generator": loss})
        # Stage 2 at the end of training: the OT map from the final codes (before the last checkpoint).
        if self.max_generator_steps is not None and self.generator_steps + 1 >= self.max_generator_steps:
            self.fit_ot()
            self.record({"ot/grad_norm": torch.tensor(self.ot_result.grad_norm),
                         "ot/steps": torch.tensor(float(self.ot_result.steps))})

    # ----- stage 2: the semi-discrete OT map (Algorithm 1) -------------------------------------

    @torch.no_grad()
    def encode_training_set(self, batch: int = 512) -> torch.Tensor:
        """The latent codes y_i = f_theta(x_i) of the training set (for points: ``n_codes`` fixed draws)."""
        data = self.train_data()
        with evaluating(self.encoder):
            if data.kind == "points":
                x, _ = data.sample(self.config.n_codes, torch.Generator().manual_seed(self.seed + 17))
                x = x.to(self.device)
            else:
                x = None
            out = []
            n = len(x) if x is not None else len(data)
            for s in range(0, n, batch):
                xb = x[s:s + batch] if x is not None else data.to_float(slice(s, s + batch)).to(self.device)
                out.append(self.encoder(xb).float())
            return torch.cat(out)

    @torch.no_grad()
    def fit_ot(self, codes: torch.Tensor | None = None) -> sdot.OTResult:
        """Algorithm 1 on the training codes (or on ``codes``); stores h, codes and centroids."""
        c = self.config
        y = self.encode_training_set() if codes is None else codes.to(self.device).float()
        if len(y) < 2:
            raise GanZooError("AE-OT needs at least two latent codes")
        mean = y.mean(0)
        scale = (y - mean).square().sum(1).mean().sqrt().clamp_min(1e-8)
        yn = (y - mean) / scale
        res = sdot.solve_semidiscrete_ot(yn, n_samples=c.ot_samples, lr=c.ot_lr, stall_steps=c.ot_stall,
                                         max_samples=c.ot_max_samples, max_steps=c.ot_steps, tol=c.ot_tol,
                                         seed=self.seed)
        self.codes, self.code_mean, self.code_scale = y, mean, scale
        self.h = res.h
        centroids = sdot.cell_centroids(yn, res.h, n_samples=c.centroid_samples, seed=self.seed)
        self.centroid_hit = ~torch.isnan(centroids).any(1)
        self.centroids = torch.nan_to_num(centroids, nan=0.0)
        self.ot_result = res
        return res

    @property
    def ot_fitted(self) -> bool:
        return self.h.numel() > 0

    def _normalised_codes(self) -> torch.Tensor:
        return (self.codes - self.code_mean) / self.code_scale

    # ----- stage 3: generation (Algorithm 2) -------------------------------------------------------
    @torch.no_grad()
    def generate_codes(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n latent codes T_hat(x), x ~ U[-1/2, 1/2]^d (Algorithm 2), in the encoder's scale."""
        if not self.ot_fitted:
            self.fit_ot()
        centroids = self.centroids.masked_fill(~self.centroid_hit[:, None], float("nan"))  # NaN = empty cell
        out = sdot.generate_codes(n, self._normalised_codes(), self.h, centroids, self.config.theta,
                                  self.config.n_neighbours or None, generator=generator)
        return out.codes * self.code_scale + self.code_mean

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        with evaluating(self.decoder):
            return self.decoder(z.to(self.device))

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, **condition) -> torch.Tensor:
        """d(T_hat(x)) in data space. Before the OT exists *during training* (the pictures drawn while
        the autoencoder learns), this shows reconstructions of training data instead: fitting the map
        for every picture would cost more than the training."""
        trainer = getattr(self, "_trainer", None)
        mid_training = not self.ot_fitted and trainer is not None and trainer.training
        if mid_training:
            data = self.train_data()
            g = generator or torch.Generator().manual_seed(0)
            if data.kind == "points":
                x, _ = data.sample(n, g)
            else:
                x = data.to_float(torch.randint(len(data), (n,), generator=g))
            with evaluating(self.encoder):
                return self.decode(self.encoder(x.to(self.device)))
        return self.decode(self.generate_codes(n, generator))

    # ----- checkpoints: the OT buffers have data-dependent shapes ----------------------------------
    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for name in ("codes", "code_mean", "code_scale", "h", "centroids", "centroid_hit"):
            key = prefix + name
            if key in state_dict:
                setattr(self, name, torch.empty_like(state_dict[key], device=self.code_mean.device))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
