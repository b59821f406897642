"""ModNet losses (Basart 2017, [S4] §2.2, eqs 2.2-2.7) as pure functions of logits.

D is read through the logistic function sigma (real/fake) and the classifier through softmax. All are
losses to *minimise*; the thesis's training-algorithm box has sign errors (ascending a loss, a
saturating -log(1 - sigma(D(G))) and a negative L1 term, no lambda); we follow the equations ([N4]
§2.3, §5.16).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def modnet_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Eq. 2.4: L_D = E[-log sigma(D(x)) - log(1 - sigma(D(G(y_t, x))))]  (softplus form, stable)."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def modnet_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Eq. 2.3 (non-saturating): L_G = E[-log sigma(D(G(y_t, x)))]."""
    return F.softplus(-fake_logits).mean()


def modnet_label_loss(real_class_logits: torch.Tensor | None, y: torch.Tensor | None,
                      fake_class_logits: torch.Tensor | None, y_t: torch.Tensor | None) -> torch.Tensor:
    """Eq. 2.5: L_label = E[-y log softmax(C(x)) - y_t log softmax(C(G(y_t, x)))].

    Real images are classified as their true label, modified ones as their *target* label. Either half
    may be left out (None): the generator's step only sees the second term, which is all it can change.
    """
    total = 0.0
    if real_class_logits is not None:
        total = total + F.cross_entropy(real_class_logits, y)
    if fake_class_logits is not None:
        total = total + F.cross_entropy(fake_class_logits, y_t)
    return total if torch.is_tensor(total) else torch.zeros(())


def modnet_l1(x: torch.Tensor, modified: torch.Tensor) -> torch.Tensor:
    """Eq. 2.6: L_1 = E_x ||x - G(y_t, x)||_1, the per-image l1 norm (sum over pixels), averaged."""
    return (x - modified).abs().flatten(1).sum(1).mean()


def modnet_total(d_loss: torch.Tensor, g_loss: torch.Tensor, label_loss: torch.Tensor, l1: torch.Tensor,
                 lam: float) -> torch.Tensor:
    """Eqs. 2.2 and 2.7: L = L_GAN + L_label + lambda L_1 with L_GAN = L_G + L_D."""
    return (g_loss + d_loss) + label_loss + lam * l1
