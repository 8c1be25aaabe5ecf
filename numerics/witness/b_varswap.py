"""Variance-swap observables (part 18): the variance of the variance-swap rate against T.

VS_T = (1/T) int_0^T V_t dt under rBergomi (``numerics.varswap``): its variance by the exact
covariance double integral (deterministic quadrature) and by Monte Carlo (hybrid scheme,
``n_steps`` per maturity), fitted against T.  The vol-of-vol of these observables is
``vs_eta`` (default 0.1): Var(VS_T) = xi0^2 (eta^2 T^2H c + O(eta^4 T^4H)), and the eta^4
term bends the log-log line by about eta^2 T^2H / 2 (with eta = 0.5 the fitted exponent is
biased by about 0.02 over [1e-3, 1e-1] at H = 0.1).
"""

from __future__ import annotations

import functools

import numpy as np

from numerics import varswap

from .b_common import grid, hurst, integer, loglog_fit, need_seed, real, weighted_loglog_fit
from .base import Measurement, observable

KERNEL_EXACT = "numerics.varswap (exact covariance double integral)"
KERNEL_MC = "numerics.varswap (Monte Carlo on numerics.rbergomi paths)"


def _args(params):
    eta = real(params, "vs_eta", 0.1, 0.0, 5.0, lo_open=True)
    xi0 = real(params, "xi0", 0.04, 0.0, 4.0, lo_open=True)
    return eta, xi0


@functools.lru_cache(maxsize=256)
def _exact(H, eta, xi0, T):
    return varswap.vs_variance_exact(H, eta, xi0, T)


def vs_exponent(params, quick, H):
    eta, xi0 = _args(params)
    Ts = grid(params, 1e-3, 1e-1, 5, quick, 4)
    v = np.array([_exact(H, eta, xi0, float(T)) for T in Ts])
    e, c, _ = loglog_fit(Ts, v)
    return e, dict(H=H, vs_eta=eta, T=Ts.tolist(), var=v.tolist())


@observable("b_vs_variance", kernel=KERNEL_EXACT,
            description="exponent of Var(VS_T), the variance of the rBergomi variance-swap rate, from the "
                        "exact covariance double integral, fitted over T",
            outputs=("exponent",))
def vs_variance(params, seed, quick):
    H = hurst(params, hi=0.999)
    e, d = vs_exponent(params, quick, H)
    return Measurement({"exponent": e}, d)


@functools.lru_cache(maxsize=64)
def _mc(H, eta, xi0, Ts, n, P, seed):
    out = []
    for j, T in enumerate(Ts):
        r = varswap.vs_variance_mc(H, eta, xi0, T, n, P, 1, np.random.default_rng([seed, j]))
        out.append((r.var, r.var_se))
    return out


@observable("b_vs_variance_mc", kernel=KERNEL_MC,
            description="exponent of Var(VS_T) from Monte Carlo variance-swap rates on rBergomi paths "
                        "(hybrid scheme, n_steps per maturity), weighted fit over T",
            outputs=("exponent",))
def vs_variance_mc(params, seed, quick):
    need_seed(seed, "b_vs_variance_mc")
    H = hurst(params, hi=0.999)
    eta, xi0 = _args(params)
    Ts = tuple(float(t) for t in grid(params, 1e-3, 1e-1, 5, quick, 4))
    n = integer(params, "n_steps", 64, 8, 2000)
    P = integer(params, "n_paths", 20000, 100, 10 ** 7)
    if quick:
        P = min(P, 5000)
    rows = _mc(H, eta, xi0, Ts, n, P, int(seed))
    e, _, chi2 = weighted_loglog_fit(np.array(Ts), [r[0] for r in rows], [r[1] for r in rows])
    return Measurement({"exponent": e}, dict(H=H, vs_eta=eta, T=list(Ts), var=[r[0] for r in rows],
                                             var_se=[r[1] for r in rows], n_steps=n, n_paths=P, chi2=chi2))
