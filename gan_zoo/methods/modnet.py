"""ModNet, the Modification Network (Basart 2017, [S4] §2; [N4] §2): G(y_t, x) edits a real
image x so that it reads as the target label y_t while staying close to x.

Generator: the pix2pix U-Net of ``gan_zoo/nets/unet.py`` with the one-hot y_t tiled as input channels;
it outputs a tanh delta added to x and clipped to [-1, 1] (the bounding choice is argued there).
Loss (eqs 2.2-2.7, ``gan_zoo/losses/modnet.py``): L = L_GAN + L_label + lambda L_1 with the
non-saturating L_G (eq. 2.3); the algorithm box's signs are wrong, the equations are followed.

Variants (§2.5.1): ``A`` the discriminator also classifies (AC-GAN, Odena et al. 2016: one real/fake
logit and K class logits); ``B`` a separate classifier (ConvNet4 / WRN of ``nets/classifier.py``) that
may be pretrained (``pretrain_steps``) and frozen (``freeze_classifier``): the interpretability mode,
where "the classifier is never updated during training but its error signal is used to update the
generator" (§2.5.2). In B the generator gets two signals, D (real/fake) and the classifier (target label).

Schedule: j discriminator steps (``n_critic``) then k generator steps (``g_steps``); (j, k) = (1, 1)
or (1, 2) in the thesis ("similar results"). "Steps" on the CLI count generator turns.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..configs.modnet import ModNetConfig
from ..losses.modnet import modnet_d_loss, modnet_g_loss, modnet_l1, modnet_label_loss
from ..nets import build_critic
from ..nets.classifier import build_classifier, classifier_arch_for
from ..nets.unet import UNetDelta
from ..registry import GanZooError, register_method
from .base import GenerativeMethod, evaluating, frozen


@register_method("modnet")
class ModNet(GenerativeMethod):
    def __init__(self, config: ModNetConfig, data_info):
        super().__init__(config, data_info)
        c, h, _ = data_info.shape
        self.num_classes = k = data_info.num_classes
        self.generator = UNetDelta(c, k, h, config.width)
        a = config.variant == "A"
        # The DCGAN discriminator; in A its output is [real/fake logit, K class logits] (AC-GAN).
        self.critic = build_critic("dcgan", data_info, config.width, norm="batch", out_dim=1 + k if a else 1)
        self.classifier = None if a else build_classifier(classifier_arch_for(data_info.shape),
                                                          data_info.shape, k)
        if self.classifier is not None and config.freeze_classifier:
            self.classifier.requires_grad_(False)

    @property
    def classifier_frozen(self) -> bool:
        return self.classifier is not None and self.config.freeze_classifier

    def train(self, mode: bool = True):
        super().train(mode)
        if self.classifier_frozen:
            self.classifier.eval()  # frozen means its BatchNorm/dropout state does not move either
        return self

    def configure_optimizers(self):
        c = self.config
        betas = (c.beta1, c.beta2)
        opts = [torch.optim.Adam(self.generator.parameters(), lr=c.lr, betas=betas),
                torch.optim.Adam(self.critic.parameters(), lr=c.lr, betas=betas)]
        if self.classifier is not None and not c.freeze_classifier:
            opts.append(torch.optim.Adam(self.classifier.parameters(), lr=c.lr, betas=betas))
        return opts

    # ----- pieces ------------------------------------------------------------------------------
    def onehot(self, labels: torch.Tensor) -> torch.Tensor:
        return F.one_hot(labels.long(), self.num_classes).float()

    def draw_targets(self, source_labels: torch.Tensor | None, n: int,
                     generator: torch.Generator | None = None) -> torch.Tensor:
        """y_t uniform over the classes other than the source's (target='other'), or over all."""
        k = self.num_classes
        if self.config.target == "any" or source_labels is None or bool((source_labels < 0).any()):
            r = torch.randint(k, (n,), generator=generator)
            return r.to(self.device)
        shift = torch.randint(1, k, (n,), generator=generator).to(source_labels.device)
        return (source_labels + shift) % k

    def modify(self, x: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """G(y_t, x) in [-1, 1]."""
        return self.generator(x, self.onehot(targets))

    def _d_out(self, x):
        out = self.critic(x)
        out = out.reshape(len(x), -1)
        return out[:, 0], (out[:, 1:] if self.config.variant == "A" else None)

    def class_logits(self, x: torch.Tensor) -> torch.Tensor:
        """The label signal: D's class head (A) or the separate classifier (B)."""
        if self.classifier is not None:
            return self.classifier(x)
        return self._d_out(x)[1]

    # ----- the algorithm (thesis box, with the equations' signs) ---------------------------------
    def training_step(self, batch, batch_idx):
        x, y = batch
        m = len(x)
        opts = self.optimizers()
        opt_g, opt_d = opts[0], opts[1]
        opt_c = opts[2] if len(opts) > 2 else None

        # D step (one of j): V = real pairs (x, y); U = conditioning images x_t (a different draw of
        # examples: the batch shuffled) with target labels y_t.
        perm = torch.randperm(m, device=x.device)
        xt, yt = x[perm], self.draw_targets(y[perm], m)
        fake = self.modify(xt, yt).detach()
        real_adv, real_cls = self._d_out(x)
        fake_adv, fake_cls = self._d_out(fake)
        loss_d = modnet_d_loss(real_adv, fake_adv)  # eq. 2.4
        if self.config.variant == "A":  # eq. 2.5 through the discriminator's class head
            loss_d = loss_d + modnet_label_loss(real_cls, y, fake_cls, yt)
        opt_d.zero_grad(set_to_none=True)
        self.manual_backward(loss_d)
        opt_d.step()
        scalars = {"loss/critic": loss_d}
        if opt_c is not None:  # variant B, not frozen: the classifier learns eq. 2.5 on its own
            loss_c = modnet_label_loss(self.classifier(x), y, self.classifier(fake), yt)
            opt_c.zero_grad(set_to_none=True)
            self.manual_backward(loss_c)
            opt_c.step()
            scalars["loss/classifier"] = loss_c

        # k generator steps: descend L_G + L_label(generated) + lambda L_1 (eqs 2.3, 2.5, 2.6, 2.7).
        if self.is_generator_turn():
            for _ in range(self.config.g_steps):
                perm = torch.randperm(m, device=x.device)
                xt, yt = x[perm], self.draw_targets(y[perm], m)
                out = self.modify(xt, yt)
                with frozen(self.critic):
                    adv, cls = self._d_out(out)
                    if self.classifier is not None:
                        with frozen(self.classifier):
                            cls = self.classifier(out)
                    loss_adv = modnet_g_loss(adv)
                    loss_label = modnet_label_loss(None, None, cls, yt)
                    loss_l1 = modnet_l1(xt, out)
                    loss_g = loss_adv + loss_label + self.config.lam * loss_l1
                opt_g.zero_grad(set_to_none=True)
                self.manual_backward(loss_g)
                opt_g.step()
            scalars.update({
                "loss/generator": loss_g, "loss/label": loss_label, "loss/l1": loss_l1,
                "modnet/target_accuracy": (cls.detach().argmax(1) == yt).float().mean(),
            })
        self.record(scalars)

    # ----- variant B: pretraining the classifier -----------------------------------------------------
    def on_train_start(self) -> None:
        super().on_train_start()
        if self.classifier is None or self.config.pretrain_steps <= 0 or self.batches_seen > 0:
            return
        data = self.trainer.datamodule.dataset
        self.pretrain_classifier(data, self.config.pretrain_steps)

    def pretrain_classifier(self, data, steps: int, seed: int | None = None) -> float:
        """Train the classifier on real (x, y) with cross-entropy; returns its last-batch accuracy."""
        g = torch.Generator().manual_seed(self.seed if seed is None else seed)
        net = self.classifier
        params = list(net.parameters())
        flags = [p.requires_grad for p in params]
        for p in params:
            p.requires_grad_(True)
        net.train()
        opt = torch.optim.Adam(params, lr=self.config.pretrain_lr)
        acc = torch.zeros(())
        with torch.enable_grad():
            for _ in range(steps):
                idx = torch.randint(len(data), (min(self.config.batch_size, len(data)),), generator=g)
                xb = data.to_float(idx).to(self.device)
                yb = data.labels[idx].to(self.device)
                logits = net(xb)
                loss = F.cross_entropy(logits, yb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                acc = (logits.argmax(1) == yb).float().mean().detach()
        opt.zero_grad(set_to_none=True)  # leave no gradient behind on a classifier about to be frozen
        for p, f in zip(params, flags):
            p.requires_grad_(f)
        if self.classifier_frozen:
            net.eval()
        self.record({"classifier/pretrain_accuracy": acc})
        return float(acc)

    # ----- sampling -------------------------------------------------------------------------------
    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, sources: torch.Tensor | None = None,
               labels=None, batch: int = 256) -> torch.Tensor:
        """n modified images. ``sources``: images in [-1, 1] (default: n random training images);
        ``labels``: target labels (an int, a sequence or a tensor; default: random other labels)."""
        src_labels = None
        if sources is None:
            data = self.train_data()
            idx = torch.randint(len(data), (n,), generator=generator)
            sources, src_labels = data.to_float(idx), data.labels[idx]
        sources = sources.to(self.device).float()
        if tuple(sources.shape[1:]) != tuple(self.data_info.shape):
            raise GanZooError(f"source images are {tuple(sources.shape[1:])}, the model wants "
                              f"{tuple(self.data_info.shape)}")
        n = len(sources)
        if labels is None:
            targets = self.draw_targets(src_labels.to(self.device) if src_labels is not None else None, n,
                                        generator)
        else:
            targets = torch.as_tensor(labels, dtype=torch.long).reshape(-1).to(self.device)
            if targets.numel() == 1:
                targets = targets.expand(n)
            if len(targets) != n:
                raise GanZooError(f"{len(targets)} target labels for {n} source images")
        if bool(((targets < 0) | (targets >= self.num_classes)).any()):
            raise GanZooError(f"target labels must lie in 0..{self.num_classes - 1}")
        with evaluating(self.generator):
            return torch.cat([self.modify(sources[s:s + batch], targets[s:s + batch])
                              for s in range(0, n, batch)])

    def edit_sources(self, sources: torch.Tensor, labels: list[int] | None,
                     generator: torch.Generator | None = None):
        """Conditional sampling (interface.SourceEditor): each source with each listed label, or one random
        label each when ``labels`` is None. Returns (edits, source index, target label)."""
        n = len(sources)
        if labels is None:
            src = torch.arange(n)
            tgt = torch.randint(self.num_classes, (n,), generator=generator)
        else:
            src = torch.arange(n).repeat_interleave(len(labels))
            tgt = torch.tensor(labels).repeat(n)
        return self.sample(len(src), sources=sources[src], labels=tgt).cpu(), src, tgt
