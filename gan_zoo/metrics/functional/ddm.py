"""Distribution Divergence Measure (Basart 2017, MS thesis, §3.2 eq. 3.4; [N4] §1).

    DDM(T, G) = -(1/|T|) sum_t log[ (1/|G|) sum_g exp(-D(t, g)) ]            (eq. 3.4)

T = embedded test set, G = embedded generated set; the embedding is a dataset classifier's logits
(§3.2.1). Lower is better (§3.4.2, Table 3.1). Each point is a mixture component with an unscaled
kernel exp(-D); the thesis uses "the pairwise distances between each Gaussian mixture center" (§3.2)
and does not say which distance.

Choice of D ([N4] §5.1): the **Euclidean distance** by default, squared Euclidean as an option.
Why: the text says "distances" (not squared distances), and with logits of scale ~10 a squared
distance makes exp(-D) vanish for every g but the nearest, so the measure collapses to a mean
1-nearest-neighbour distance (rewarding memorisation of a few points, and underflowing in a literal
implementation); the unsquared kernel has heavier tails, so every generated point contributes and
dropping modes of G moves the value.

Computation: log-sum-exp over blocks of a |T|x|G| distance matrix with a running logaddexp per test
point, so memory is O(block) whatever |T| and |G| (the thesis names O(|T||G|) memory as DDM's main
downside, §4.1); on the GPU when the embeddings are there or ``device`` says so.

The alternative eq. 3.5 (§3.2.2), the relative divergence of (R, T) and (R, G) seen from a reference
set R (the training set):
    sum_r (1/|R|) log[ (sum_t exp(-D(r,t))/|T|) / (sum_g exp(-D(r,g))/|G|) ]     (eq. 3.5)
"""
from __future__ import annotations

import math

import torch

CHUNK_T = 1024  # rows of T per block
CHUNK_G = 8192  # columns of G per block: one float32 block = 1024*8192*4 B = 32 MiB, worked in place


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _augment(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows A_i, B_j with A_i . B_j = ||a_i - b_j||^2 (one matmul per block, no extra passes)."""
    one_a = torch.ones(a.shape[0], 1, dtype=a.dtype, device=a.device)
    one_b = torch.ones(b.shape[0], 1, dtype=b.dtype, device=b.device)
    A = torch.cat([-2 * a, a.square().sum(1, keepdim=True), one_a], 1)
    B = torch.cat([b, one_b, b.square().sum(1, keepdim=True)], 1)
    return A, B


def log_mean_kernel(a: torch.Tensor, b: torch.Tensor, squared: bool = False, chunk_a: int = CHUNK_T,
                    chunk_b: int = CHUNK_G, device=None, dtype=torch.float32) -> torch.Tensor:
    """For each row a_i: log[(1/|b|) sum_j exp(-D(a_i, b_j))], computed blockwise. Returns (|a|,) float64 on CPU.

    Blocks are computed in ``dtype`` (float32 default) after centring both sets on b's mean (which
    keeps the ||a||^2 + ||b||^2 - 2ab expansion accurate: agreement with the float64 dense formula is
    ~1e-9 relative in the tests); each block is reduced to a per-row log-sum-exp shifted by its row
    minimum, and blocks are merged in float64 with a running logaddexp.
    """
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"embeddings must be (N, D) with the same D, got {tuple(a.shape)} and {tuple(b.shape)}")
    if a.shape[0] == 0 or b.shape[0] == 0:
        raise ValueError("both sets must be non-empty")
    dev = torch.device(device) if device is not None else (a.device if a.is_cuda else default_device())
    chunk_a, chunk_b = max(1, int(chunk_a)), max(1, int(chunk_b))
    a = a.detach().to(dev, torch.float64)
    b = b.detach().to(dev, torch.float64)
    mu = b.mean(0)
    A, B = _augment(a - mu, b - mu)
    A, B = A.to(dtype), B.to(dtype)
    out = torch.empty(a.shape[0], dtype=torch.float64)
    for i in range(0, A.shape[0], chunk_a):
        Ai = A[i:i + chunk_a]
        run = torch.full((Ai.shape[0],), -math.inf, dtype=torch.float64, device=dev)
        for j in range(0, B.shape[0], chunk_b):
            d = Ai @ B[j:j + chunk_b].T  # squared distances
            d.clamp_(min=0)
            if not squared:
                d.sqrt_()
            m = d.amin(1, keepdim=True)
            torch.sub(m, d, out=d).exp_()  # exp(-(d - min)) in (0, 1]
            block = d.sum(1).double().log_() - m.squeeze(1).double()
            run = torch.logaddexp(run, block)
        out[i:i + Ai.shape[0]] = (run - math.log(b.shape[0])).cpu()
    return out


def ddm(emb_test: torch.Tensor, emb_gen: torch.Tensor, squared: bool = False, chunk_t: int = CHUNK_T,
        chunk_g: int = CHUNK_G, device=None) -> float:
    """Eq. 3.4: -(1/|T|) sum_t log[(1/|G|) sum_g exp(-D(t, g))]. Lower is better."""
    lm = log_mean_kernel(emb_test, emb_gen, squared, chunk_t, chunk_g, device)
    return float(-lm.mean())


def ddm_relative(emb_ref: torch.Tensor, emb_test: torch.Tensor, emb_gen: torch.Tensor, squared: bool = False,
                 chunk_t: int = CHUNK_T, chunk_g: int = CHUNK_G, device=None) -> float:
    """Eq. 3.5: mean_r log[ mean_t exp(-D(r,t)) / mean_g exp(-D(r,g)) ], R = a reference (training) set."""
    to_t = log_mean_kernel(emb_ref, emb_test, squared, chunk_t, chunk_g, device)
    to_g = log_mean_kernel(emb_ref, emb_gen, squared, chunk_t, chunk_g, device)
    return float((to_t - to_g).mean())


def ddm_dense(emb_test: torch.Tensor, emb_gen: torch.Tensor, squared: bool = False) -> float:
    """Eq. 3.4 with the whole |T|x|G| matrix at once (the reference for tests and the benchmark)."""
    d = torch.cdist(emb_test.double(), emb_gen.double())
    if squared:
        d = d.square()
    return float(-(torch.logsumexp(-d, dim=1) - math.log(emb_gen.shape[0])).mean())
