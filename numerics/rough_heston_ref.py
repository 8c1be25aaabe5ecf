"""Plain NumPy twin of the rough Heston COS pricer (``numerics._cos`` + ``numerics._adams``).

Same truncation range (Chernoff tail bounds from the Riccati moments), same Adams scheme (``numerics.adams_ref``), same cosine
coefficients; the sums use direct cos/sin instead of the kernel's rotation recurrence.
The number of COS terms is passed explicitly (the public pricer chooses it adaptively).
"""
from __future__ import annotations

import math

import numpy as np

from numerics import adams_ref


GRID = 0.1 * 1.25 ** np.arange(34)      # Chernoff orders times s (as numerics.rough_heston)
MAX_SD = 400.0


def log_mgf(p, orders, T, n):
    """log E[exp(p z)] for real orders; +inf where the moment exploded (complex root)."""
    orders = np.asarray(orders, float)
    with np.errstate(all="ignore"):
        hT, ih, iF, blown = adams_ref.riccati_batch(p.H + 0.5, n, T, 0.5 * p.eta ** 2,
                                                    orders * p.rho * p.eta - p.kappa + 0j,
                                                    0.5 * (orders * orders - orders) + 0j,
                                                    return_blowup=True)
        lm = p.kappa * p.theta * ih + p.V0 * iF
        if p.lam:
            m = math.exp(p.mu_J + 0.5 * p.sigma_J ** 2) - 1.0
            lm = lm + p.lam * T * (np.exp(orders * p.mu_J + 0.5 * p.sigma_J ** 2 * orders ** 2) - 1.0) \
                - orders * p.lam * m * T
        bad = (blown != 0) | ~np.isfinite(lm) | (np.abs(lm.imag) > 1e-9 * np.maximum(1.0, np.abs(lm.real)))
    return np.where(bad, np.inf, lm.real)


def cos_range(p, T, L=None, n=200, tol=1e-12):
    """[a, b]: Chernoff bounds on the left (weighted by e^{2a - z}) and right tails below tol."""
    m = math.exp(p.mu_J + 0.5 * p.sigma_J ** 2) - 1.0
    s = math.sqrt(T * max(p.V0, p.theta) + p.lam * T * (p.mu_J ** 2 + p.sigma_J ** 2))
    c1 = -0.25 * T * (p.V0 + p.theta) + p.lam * T * (p.mu_J - m)
    if L is not None:
        return c1 - L * s, c1 + L * s
    pr = GRID / s
    ql = np.concatenate([[1.0], GRID / s])
    lt = math.log(tol)
    nm = min(n, 48)                    # the moments' grid (numerics.rough_heston.N_MOMENTS)
    with np.errstate(all="ignore"):
        b = np.min((log_mgf(p, pr, T, nm) - lt) / pr)
        a = np.max((lt - log_mgf(p, -ql, T, nm)) / np.where(ql >= 1.0, 1.0 + ql, ql))
    a = max(min(a, c1 - 4.0 * s), c1 - MAX_SD * s)
    b = min(max(b, c1 + 4.0 * s), c1 + MAX_SD * s)
    return float(a), float(b)


def char_fn(p, u, T, n):
    A = 0.5 * p.eta ** 2
    B = 1j * u * p.rho * p.eta - p.kappa
    C = -0.5 * (u * u + 1j * u)
    _, ih, iF = adams_ref.riccati_batch(p.H + 0.5, n, T, A, B, C)
    logphi = p.kappa * p.theta * ih + p.V0 * iF
    if p.lam:
        m = math.exp(p.mu_J + 0.5 * p.sigma_J ** 2) - 1.0
        logphi = logphi + p.lam * T * (np.exp(1j * u * p.mu_J - 0.5 * p.sigma_J ** 2 * u * u) - 1.0) \
            - 1j * u * p.lam * m * T
    return np.exp(logphi), iF


def _cos_terms(p, strikes, T, N, S0, r, q, n, L, tol=1e-12):
    """Shared COS set-up: range, frequencies, weighted CF coefficients, and the put
    payoff's cosine integrals psi, chi over [a, log(K/F)]."""
    a, b = cos_range(p, T, L, n, tol)
    u = np.arange(N) * math.pi / (b - a)
    phi, _ = char_fn(p, u, T, n)
    c = (phi * np.exp(-1j * u * a)).real
    c[0] *= 0.5
    F = S0 * math.exp((r - q) * T)
    K = np.asarray(strikes, float)
    d = np.clip(np.log(K / F), a, b)[:, None]
    th = d - a
    with np.errstate(divide="ignore", invalid="ignore"):
        psi = np.where(u == 0.0, th, np.sin(u * th) / np.where(u == 0.0, 1.0, u))
    chi = (np.exp(d) * (np.cos(u * th) + u * np.sin(u * th)) - math.exp(a)) / (1.0 + u * u)
    return a, b, u, c, F, K, psi, chi


def prices(p, strikes, T, N, S0=1.0, r=0.0, q=0.0, n=200, L=None):
    """(call, put) at one maturity with N COS terms."""
    a, b, u, c, F, K, psi, chi = _cos_terms(p, strikes, T, N, S0, r, q, n, L)
    disc = math.exp(-r * T)
    put = disc * 2.0 / (b - a) * (K * (psi @ c) - F * (chi @ c))
    call = put + disc * (F - K)
    return call, put


def call_direct(p, strikes, T, N, S0=1.0, r=0.0, q=0.0, n=200, L=None):
    """Calls summed from the call payoff's own cosine coefficients (no put-call parity)."""
    a, b, u, c, F, K, psi_ad, chi_ad = _cos_terms(p, strikes, T, N, S0, r, q, n, L)
    psi_ab = np.where(u == 0.0, b - a, 0.0)
    chi_ab = (np.cos(u * (b - a)) * math.exp(b) - math.exp(a)) / (1.0 + u * u)
    return math.exp(-r * T) * 2.0 / (b - a) * (F * ((chi_ab - chi_ad) @ c) - K * ((psi_ab - psi_ad) @ c))
