"""Semi-discrete optimal transport (An et al. 2020, AE-OT; [S2] §2.3-2.4) as pure tensor functions.

In ``transport/``, not ``losses/``: this is a solver (Algorithm 1 fits the Brenier potential h once, after the
autoencoder is trained) and the map T it returns; nothing here is minimised by the networks' optimisers.

Source: a uniform measure mu on the cube [-1/2, 1/2]^d (AEOT-C ``pre_cal``: [P7]).
Target: nu = sum_i nu_i delta_{y_i} over latent codes y_i (uniform nu_i = 1/n in AE-OT).

Brenier potential ([S2] §2.3):  u_h(x) = max_i <x, y_i> + h_i,   T(x) = grad u_h(x) = y_{argmax}.
Cell W_i(h) = {x : argmax = i}; w_i(h) = mu(W_i). Theorem 11: the h with w(h) = nu maximises the
concave E; as Algorithm 1 ([S2] §2.4, step 9 "E(h) has not decreased") we *minimise* its negative

    E(h) = E_mu[u_h(x)] - <h, nu>,        grad E = w(h) - nu,

which is convex ([S2] §6 item 11 explains the sign). Monte-Carlo: w_i is estimated by the fraction
of N uniform samples whose argmax is i. Everything is chunked over samples, so memory stays at
``chunk x n`` whatever N is, and runs on whatever device the codes are on.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

CHUNK = 8192  # source samples per matrix product: memory = CHUNK * n_codes floats


# ----- the source measure ---------------------------------------------------------------------------
def sample_source(n: int, dim: int, generator: torch.Generator | None = None, device=None,
                  dtype=torch.float32, quasi: bool = True, seed: int | None = None) -> torch.Tensor:
    """n points uniform on [-1/2, 1/2]^dim.

    quasi=True draws a scrambled Sobol sequence, as AEOT-C ``pre_cal`` does (lower Monte-Carlo error
    than i.i.d. draws); the scramble seed comes from ``seed`` or from ``generator``.
    """
    if quasi and dim <= torch.quasirandom.SobolEngine.MAXDIM:
        if seed is None:
            seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
        x = torch.quasirandom.SobolEngine(dim, scramble=True, seed=seed).draw(n, dtype=torch.float64)
        return (x - 0.5).to(device=device, dtype=dtype)
    return (torch.rand(n, dim, generator=generator, dtype=torch.float64) - 0.5).to(device=device, dtype=dtype)


# ----- the Brenier potential and its cells ------------------------------------------------------
def cell_index(x: torch.Tensor, y: torch.Tensor, h: torch.Tensor, chunk: int = CHUNK) -> torch.Tensor:
    """argmax_i <x, y_i> + h_i for each row of x: the power-diagram cell each source point falls in."""
    out = []
    for s in range(0, len(x), chunk):
        out.append(torch.addmm(h, x[s:s + chunk], y.T).argmax(1))
    return torch.cat(out) if out else torch.empty(0, dtype=torch.long, device=y.device)


def potential(x: torch.Tensor, y: torch.Tensor, h: torch.Tensor, chunk: int = CHUNK) -> torch.Tensor:
    """u_h(x) = max_i <x, y_i> + h_i ([S2] §2.3, "Globally: u convex")."""
    return torch.cat([torch.addmm(h, x[s:s + chunk], y.T).amax(1) for s in range(0, len(x), chunk)])


def ot_map(x: torch.Tensor, y: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """T(x) = grad u_h(x) = y_{argmax_i <x, y_i> + h_i} (Algorithm 1 step 13)."""
    return y[cell_index(x, y, h)]


def cell_masses(x: torch.Tensor, y: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """Monte-Carlo cell masses w_hat_i(h): the fraction of the source samples x in cell i."""
    idx = cell_index(x, y, h)
    return torch.bincount(idx, minlength=len(y)).to(h.dtype) / len(x)


def energy(x: torch.Tensor, y: torch.Tensor, h: torch.Tensor, nu: torch.Tensor) -> torch.Tensor:
    """Monte-Carlo estimate of the convex energy E(h) = E_mu[u_h] - <h, nu> (minimised by Algorithm 1)."""
    return potential(x, y, h).mean() - (h * nu).sum()


def masses_and_energy(x, y, h, nu, chunk: int = CHUNK):
    """w_hat(h) and E(h) from one pass over the samples (one matrix product per chunk)."""
    counts = torch.zeros(len(y), dtype=h.dtype, device=h.device)
    total = torch.zeros((), dtype=torch.float64, device=h.device)
    for s in range(0, len(x), chunk):
        val, idx = torch.addmm(h, x[s:s + chunk], y.T).max(1)
        counts += torch.bincount(idx, minlength=len(y)).to(h.dtype)
        total += val.double().sum()
    return counts / len(x), (total / len(x)).to(h.dtype) - (h * nu).sum()


# ----- Algorithm 1: the semi-discrete OT map -------------------------------------------------------
@dataclass
class OTResult:
    h: torch.Tensor
    steps: int
    n_samples: int  # Monte-Carlo samples per step at the end (after the doublings)
    grad_norm: float  # ||w_hat - nu||_2 at the last step
    history: list = field(default_factory=list)  # (step, energy, grad_norm, n_samples)


def solve_semidiscrete_ot(
    y: torch.Tensor,
    nu: torch.Tensor | None = None,
    n_samples: int = 20_000,
    lr: float = 5e-2,
    betas: tuple[float, float] = (0.9, 0.5),
    stall_steps: int = 30,
    max_samples: int = 1_000_000,
    max_steps: int = 20_000,
    tol: float = 2e-3,
    seed: int = 0,
    h0: torch.Tensor | None = None,
    quasi: bool = True,
    lr_decay: float = 0.5,
) -> OTResult:
    """Algorithm 1 of [S2] §2.4: Adam on the heights h with Monte-Carlo cell masses.

    Defaults: 20,000 samples per step and lr 5e-2 (AEOT-C ``demo2.py`` CelebA: 1,000 x 20 mini-batches);
    betas (0.9, 0.5) as the seed's Algorithm 1 step 8 prints them (AEOT-C uses 0.999; the seed wins);
    N doubles when E has not decreased for ``stall_steps`` = 30 steps (AEOT-C ``run_gd``; the seed's "s");
    stop when ||w_hat - nu||_2 < tol = 2e-3 or after 20,000 steps (AEOT-C ``run_gd``).
    """
    n, d = y.shape
    dev, dt = y.device, y.dtype
    nu = torch.full((n,), 1.0 / n, device=dev, dtype=dt) if nu is None else nu.to(dev, dt)
    if (nu < 0).any() or abs(float(nu.sum()) - 1.0) > 1e-4:
        raise ValueError("target masses nu must be non-negative and sum to 1 (mu is a probability measure)")
    h = (torch.zeros(n, device=dev, dtype=dt) if h0 is None else h0.clone().to(dev, dt)).requires_grad_(False)
    # Adam on h, written out (AEOT-C ``update_h`` also writes it by hand): Algorithm 1 step 8.
    m1 = torch.zeros_like(h)
    m2 = torch.zeros_like(h)
    b1, b2 = betas
    eps = 1e-8
    history = []
    best, since = math.inf, 0
    g_norm = math.inf
    step = 0
    for step in range(1, max_steps + 1):
        # Steps 5-6: fresh uniform samples, the Monte-Carlo cell masses and the gradient w_hat - nu.
        x = sample_source(n_samples, d, device=dev, dtype=dt, quasi=quasi, seed=seed * 1_000_003 + step)
        w, e = masses_and_energy(x, y, h, nu)
        g = w - nu
        g_norm = float(g.norm())
        history.append((step, float(e), g_norm, n_samples))
        if g_norm < tol:
            break
        # Step 7: centre the gradient (h is defined up to a constant, Theorem 11).
        g = g - g.mean()
        # Step 8: Adam.
        m1.mul_(b1).add_(g, alpha=1 - b1)
        m2.mul_(b2).addcmul_(g, g, value=1 - b2)
        m_hat = m1 / (1 - b1 ** step)
        v_hat = m2 / (1 - b2 ** step)
        h -= lr * m_hat / (v_hat.sqrt() + eps)
        h -= h.mean()  # AEOT-C re-centres h after every step; T does not change (h + c invariance)
        # Steps 9-11: if E has not decreased for s steps, double the Monte-Carlo sample count.
        if float(e) < best:
            best, since = float(e), 0
        else:
            since += 1
            if since >= stall_steps:
                # Once E stalls at the Monte-Carlo noise floor, more samples make w_hat sharper, but
                # Adam's normalised steps keep h jittering by ~lr; so we also halve lr (our addition:
                # the seed and AEOT-C only double N). Without it ||w_hat - nu|| plateaus at ~lr.
                n_samples = min(2 * n_samples, max_samples)
                lr *= lr_decay
                since, best = 0, math.inf
    return OTResult(h, step, n_samples, g_norm, history)


# ----- Algorithm 2: generating new latent codes ---------------------------------------------------
def cell_centroids(y: torch.Tensor, h: torch.Tensor, n_samples: int = 200_000, seed: int = 0,
                   quasi: bool = True) -> torch.Tensor:
    """c_hat_i: the Monte-Carlo centre of mass of cell W_i within the cube (Algorithm 2 step 3).

    Cells that no sample hit get NaN (they are never chosen as neighbours).
    """
    n, d = y.shape
    sums = torch.zeros(n, d, device=y.device, dtype=torch.float64)
    counts = torch.zeros(n, device=y.device, dtype=torch.float64)
    done = 0
    while done < n_samples:
        m = min(CHUNK * 8, n_samples - done)
        x = sample_source(m, d, device=y.device, dtype=y.dtype, quasi=quasi, seed=seed * 7919 + done)
        idx = cell_index(x, y, h)
        sums.index_add_(0, idx, x.double())
        counts += torch.bincount(idx, minlength=n).double()
        done += m
    c = sums / counts[:, None]  # 0/0 = NaN for empty cells
    return c.to(y.dtype)


def plane_angles(y: torch.Tensor, i0: torch.Tensor, ik: torch.Tensor) -> torch.Tensor:
    """Dihedral angle between the supporting planes pi_i of u_h (normals (y_i, -1)) of cells i0 and ik."""
    a = torch.cat([y[i0], -torch.ones_like(y[i0][..., :1])], -1)
    b = torch.cat([y[ik], -torch.ones_like(y[ik][..., :1])], -1)
    cos = (a * b).sum(-1) / (a.norm(dim=-1) * b.norm(dim=-1))
    return torch.arccos(cos.clamp(-1.0, 1.0))


@dataclass
class GeneratedCodes:
    codes: torch.Tensor  # (n, d): the generated latent codes
    neighbours: torch.Tensor  # (n, k): indices of the d+1 nearest centroids (i_0 first)
    weights: torch.Tensor  # (n, k): lambda_k, zero for neighbours across a singular boundary
    tried: int  # source samples drawn (the abandoned ones included)


def generate_codes(
    n: int,
    y: torch.Tensor,
    h: torch.Tensor,
    centroids: torch.Tensor,
    theta: float,
    n_neighbours: int | None = None,
    generator: torch.Generator | None = None,
    max_rounds: int = 50,
) -> GeneratedCodes:
    """Algorithm 2 of [S2] §2.4: piecewise-linear extension of T that does not blend across
    singular boundaries.

    For x ~ mu: take its ``n_neighbours`` (d + 1 by default, step 5) nearest cell centroids c_hat_{i_k}
    (i_0 the nearest); keep neighbours whose supporting plane makes a dihedral angle <= theta with
    pi_{i_0} (steps 6-7); abandon x if none besides i_0 is kept (step 8); otherwise return
    sum_k lambda_k T(c_hat_{i_k}) with inverse-distance weights lambda_k over the kept ones (step 9).
    The result is a convex combination of neighbouring codes.
    """
    d = y.shape[1]
    k = min(n_neighbours or d + 1, len(y))
    ok_cells = ~torch.isnan(centroids).any(1)
    if int(ok_cells.sum()) < 2:
        raise ValueError("fewer than two cells have a centroid; draw more Monte-Carlo samples")
    c = torch.where(ok_cells[:, None], centroids, torch.zeros_like(centroids))
    t_c = ot_map(c, y, h)  # T(c_hat_i): y_i itself, since a cell's centroid lies in its (convex) cell
    codes, nbrs, weights = [], [], []
    got, tried = 0, 0
    batch = max(2 * n, 256)
    for _ in range(max_rounds):
        x = sample_source(batch, d, generator=generator, device=y.device, dtype=y.dtype, quasi=False)
        tried += batch
        dist = torch.cdist(x, c)
        dist[:, ~ok_cells] = math.inf
        dk, ik = dist.topk(k, dim=1, largest=False)  # sorted: column 0 is i_0
        theta_k = plane_angles(y, ik[:, :1].expand_as(ik), ik)
        keep = theta_k <= theta
        keep[:, 0] = True
        usable = keep[:, 1:].any(1)  # step 8: abandon x when every other angle exceeds theta
        inv = keep.to(y.dtype) / dk.clamp_min(1e-12)
        lam = inv / inv.sum(1, keepdim=True)
        lam, ik = lam[usable], ik[usable]
        codes.append((lam[..., None] * t_c[ik]).sum(1))
        nbrs.append(ik)
        weights.append(lam)
        got += int(usable.sum())
        if got >= n:
            break
    if got < n:
        raise ValueError(f"only {got} of {n} codes after {tried} source samples: the angle threshold "
                         f"theta={theta} abandons almost every sample; raise it")
    return GeneratedCodes(torch.cat(codes)[:n], torch.cat(nbrs)[:n], torch.cat(weights)[:n], tried)
