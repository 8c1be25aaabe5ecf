"""The microstructure paper's §4.2 composite pipeline: rough Volterra vol x McKean-Vlasov
inventory -> VaR / CVaR, and its Brownian baseline.

The printed code: for each of N_paths scenarios, a log-vol path x on n_steps points of
[0, T] from the rough Volterra kernel (H = 0.114, nu = 0.327); sig_k = sigma exp(x_T)
(sigma = 0.30); a mean-reverting McKean-Vlasov system of N = 200 particles from 0,
dX_i = -theta (X_i - Xbar) dt + sig_k dW_i (theta = 1.5), Euler on n_steps; the P&L is
-100 Xbar_T.  Our reading of the Volterra step: x = nu Y with Y the Riemann-Liouville
fBM sqrt(2H) int_0^t (t-s)^(H-1/2) dW_s (the project's hybrid scheme), Var Y_t = t^(2H).

An exact reduction: the Euler drift -theta (X_i - Xbar) sums to zero over the particles at
every step, so Xbar_T = sig_k sqrt(dt) sum_n mean_i z_{n,i}, which is N(0, sig_k^2 T / N)
given the vol, whatever theta is.  ``run`` uses it (the particle system is then one normal
per scenario); ``run_particles`` simulates the particles (``numerics.meanfield``) for a
check of the reduction in law and for the benchmark's reference.  Consequences that need no
simulation: the P&L is symmetric (mean exactly 0, so a Sharpe ratio of 0.8 is impossible),
theta does not enter, and H enters only through Var Y_T = T^(2H), which is 1 for every H at
the paper's T = 1: the rough pipeline and its Brownian baseline (H = 1/2) have the SAME law.

Public API:
* ``run(n_paths=100_000, rough=True, H=0.114, nu=0.327, sigma=0.30, theta=1.5, T=1.0,
  n_steps=200, n_particles=200, alpha=0.99, rng=42)`` -> dict (var99, cvar99, mean, sd, ...).
  ``rough=False`` is the Brownian baseline (H = 1/2: log-vol nu W).
* ``run_particles(...)``: the same with the particles simulated (slow: n_paths x N x n_steps).
"""
from __future__ import annotations

import math

import numpy as np

from numerics import _validate as v
from numerics import fbm, meanfield
from numerics.risk import historical_var_cvar

__all__ = ["run", "run_particles", "terminal_logvol"]

_CHUNK = 20_000


def _params(n_paths, H, nu, sigma, theta, T, n_steps, n_particles, alpha):
    return (v.integer("n_paths", n_paths, 2, None), v.real("H", H, 0.0, 0.5, lo_open=True),
            v.real("nu", nu, 0.0, None), v.real("sigma", sigma, 0.0, None, lo_open=True),
            v.real("theta", theta, 0.0, None), v.real("T", T, 0.0, None, lo_open=True),
            v.integer("n_steps", n_steps, 1, None), v.integer("n_particles", n_particles, 2, None),
            v.real("alpha", alpha, 0.0, 1.0, lo_open=True, hi_open=True))


def terminal_logvol(n_paths, H, nu, T, n_steps, gen, method="exact"):
    """nu Y_T for n_paths Riemann-Liouville paths: ``"exact"`` draws Y_T from its law
    N(0, rl_cov(T, T, H) = T^(2H)) (only the terminal value enters the P&L); ``"hybrid"``
    simulates whole paths by the hybrid scheme on n_steps (chunked) and keeps the last point."""
    if method == "exact":
        return nu * math.sqrt(fbm.rl_cov(T, T, H) if H != 0.5 else T) * gen.standard_normal(n_paths)
    if method != "hybrid":
        raise ValueError(f"method must be 'exact' or 'hybrid', got {method!r}")
    out = np.empty(n_paths)
    for s in range(0, n_paths, _CHUNK):
        e = min(n_paths, s + _CHUNK)
        if H == 0.5:
            out[s:e] = math.sqrt(T) * gen.standard_normal(e - s)
        else:
            out[s:e] = fbm.hybrid_rl(n_steps, H, T=T, n_paths=e - s, rng=gen)[:, -1]
    return nu * out


def _summary(pnl, alpha, sig):
    loss = -pnl
    var, cvar = historical_var_cvar(loss, alpha)
    return dict(var99=float(var), cvar99=float(cvar), mean=float(pnl.mean()), sd=float(pnl.std(ddof=1)),
                mean_se=float(pnl.std(ddof=1) / math.sqrt(pnl.size)), n_paths=int(pnl.size),
                mean_vol=float(np.mean(sig)))


def run(n_paths=100_000, rough=True, H=0.114, nu=0.327, sigma=0.30, theta=1.5, T=1.0, n_steps=200,
        n_particles=200, alpha=0.99, rng=42, method="exact"):
    """The §4.2 pipeline with the exact particle-mean reduction; see the module docstring.
    ``method``: how the terminal log-vol is drawn ("exact" law or "hybrid" paths)."""
    n_paths, H, nu, sigma, theta, T, n_steps, N, alpha = _params(n_paths, H, nu, sigma, theta, T, n_steps,
                                                                  n_particles, alpha)
    gen = v.rng(rng)
    sig = sigma * np.exp(terminal_logvol(n_paths, H if rough else 0.5, nu, T, n_steps, gen, method))
    pnl = -100.0 * sig * math.sqrt(T / N) * gen.standard_normal(n_paths)
    return _summary(pnl, alpha, sig)


def run_particles(n_paths=2_000, rough=True, H=0.114, nu=0.327, sigma=0.30, theta=1.5, T=1.0, n_steps=200,
                  n_particles=200, alpha=0.99, rng=43):
    """The same pipeline with every particle simulated (``numerics.meanfield.simulate_batch``
    at unit sigma, scaled per scenario: the system is linear in sigma from x0 = 0)."""
    n_paths, H, nu, sigma, theta, T, n_steps, N, alpha = _params(n_paths, H, nu, sigma, theta, T, n_steps,
                                                                  n_particles, alpha)
    gen = v.rng(rng)
    sig = sigma * np.exp(terminal_logvol(n_paths, H if rough else 0.5, nu, T, n_steps, gen, "hybrid"))
    xbar = np.empty(n_paths)
    chunk = max(1, (1 << 24) // (N * n_steps))
    for s in range(0, n_paths, chunk):
        e = min(n_paths, s + chunk)
        _, mean, _ = meanfield.simulate_batch(e - s, N, theta, 1.0, T, n_steps, rng=gen)
        xbar[s:e] = mean[:, -1]
    pnl = -100.0 * sig * xbar
    return _summary(pnl, alpha, sig)


def law_var_cvar(alpha=0.99, H=0.114, nu=0.327, sigma=0.30, T=1.0, n_particles=200):
    """VaR and CVaR of the loss 100 sig sqrt(T/N) Z, sig = sigma exp(nu Y_T), Y_T ~ N(0, T^(2H)),
    by Gauss-Hermite quadrature over Y_T and a root find: the pipeline's exact answer."""
    from scipy import optimize, special
    _, H, nu, sigma, _, T, _, N, alpha = _params(2, H, nu, sigma, 0.0, T, 1, n_particles, alpha)
    y, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    s = 100.0 * sigma * math.sqrt(T / N) * np.exp(nu * T ** H * y)
    tail = lambda x: float(np.sum(w * 0.5 * special.erfc(x / s / math.sqrt(2.0))))
    hi = 20.0 * float(s.max())
    var = optimize.brentq(lambda x: tail(x) - (1.0 - alpha), 0.0, hi, xtol=1e-12)
    cvar = float(np.sum(w * s * np.exp(-0.5 * (var / s) ** 2) / math.sqrt(2 * math.pi))) / (1.0 - alpha)
    return float(var), cvar
