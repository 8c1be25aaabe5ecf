"""Part 10: the Feller condition of the (rough) Heston variance, measured on simulated paths.

``a_feller`` simulates variance paths with numerics.rough_heston_mc (Volterra Euler scheme,
V truncated at 0 in drift and diffusion) and measures, on the classical (H = 1/2) paths:

* ``feller_lhs`` = 2 x the intercept of the regression of the increments dV/dt on V
  (dV = kappa (theta - V) dt + nu sqrt(V) dW, so the intercept estimates kappa theta);
* ``nu2`` = sum dV^2 / sum V dt (the quadratic-variation rate, estimating nu^2);
* ``zero_fraction`` = the fraction of paths whose simulated V reaches 0 or below.

SEs: spread over 20 batches of paths / sqrt(20).  Side measurement (detail and
finding): the zero fraction of the rough paths at H_rough (default 0.1) with the same
kappa, theta, nu, at two step counts.  The paper (§6.2) says the Feller condition keeps
the rough Heston variance from hitting zero; the simulated rough paths reach zero on most
paths, and, unlike at H = 1/2, that fraction does not fall when the step is refined.
(The scheme is not positivity-preserving, see STOCHASTIC.md, so this is a statement about
the simulation, reported as such.)
"""
from __future__ import annotations

import math

import numpy as np

from numerics import rough_heston_mc

from .a_common import hurst, lst, real, seed_of
from .base import Measurement, Value, observable

_BATCHES = 20


def _paths(H, kappa, theta, nu, V0, T, n, P, seed):
    p = rough_heston_mc.simulate(H, kappa, theta, nu, 0.0, V0, T, n, P, rng=seed, keep_paths=True,
                                 scheme="euler")
    return p.V                     # (n+1, P)


def _regression(V, dt):
    dV = np.diff(V, axis=0)
    Vl = V[:-1]
    X = np.column_stack([np.ones(Vl.size), Vl.ravel()])
    beta = np.linalg.lstsq(X, dV.ravel() / dt, rcond=None)[0]
    nu2 = float((dV ** 2).sum() / (np.maximum(Vl, 0.0).sum() * dt))
    return float(beta[0]), float(-beta[1]), nu2


@observable("a_feller", kernel="numerics.rough_heston_mc (Volterra Euler)",
            description="2 kappa theta (drift regression), nu^2 (quadratic variation) and the zero-hit "
                        "fraction of simulated Heston variance paths; zero-hit fractions of rough paths",
            outputs=("feller_lhs", "nu2", "zero_fraction"))
def feller(params, seed, quick):
    kappa = real(params, "kappa", 2.0, 0.0, 100.0, lo_open=True)
    theta = real(params, "theta", 0.04, 0.0, 10.0, lo_open=True)
    nu = real(params, "nu", 0.3, 0.0, 10.0, lo_open=True)
    V0 = real(params, "V0", theta, 0.0, 10.0, lo_open=True)
    T = real(params, "T", 2.0, 0.0, 50.0, lo_open=True)
    H_rough = hurst(params, 0.0, 0.5, names=("H_rough",)) if "H_rough" in params else 0.1
    s = seed_of(seed)
    n, P = (200, 2_000) if quick else (800, 8_000)
    dt = T / n
    V = _paths(0.5, kappa, theta, nu, V0, T, n, P, s)
    batches = np.array_split(np.arange(P), _BATCHES)
    a, k, nu2 = _regression(V, dt)
    per = np.array([_regression(V[:, b], dt) for b in batches])
    se = per.std(axis=0, ddof=1) / math.sqrt(_BATCHES)
    hit = V.min(axis=0) <= 0.0
    zf = float(hit.mean())
    zf_se = math.sqrt(max(zf * (1 - zf), 1.0 / P) / P)
    # side measurement: rough paths, same parameters, two step counts
    rough = {}
    for n_r in (n // 4, n):
        Vr = _paths(H_rough, kappa, theta, nu, V0, T, n_r, P, s + n_r)
        rough[n_r] = (float((Vr.min(axis=0) <= 0.0).mean()), float(Vr.min()))
    classical_coarse = float((_paths(0.5, kappa, theta, nu, V0, T, n // 4, P, s + 1).min(axis=0) <= 0.0).mean())
    finding = ""
    if nu * nu < 2 * kappa * theta and rough[n][0] > 0.5 and rough[n][0] >= rough[n // 4][0] - 0.05:
        finding = (f"under the Feller condition (nu^2 = {nu * nu:.4g} < 2 kappa theta = {2 * kappa * theta:.4g}) "
                   f"the simulated rough Heston variance (H = {H_rough}) reaches 0 on {rough[n // 4][0]:.1%} of "
                   f"paths with {n // 4} steps and {rough[n][0]:.1%} with {n} steps, while the classical "
                   f"(H = 1/2) fraction falls from {classical_coarse:.1%} to {zf:.1%}: the Feller condition "
                   "does not keep the rough variance away from 0 in simulation (Volterra Euler scheme, "
                   "not positivity-preserving)")
    return Measurement(
        {"feller_lhs": Value(2 * a, 2 * float(se[0])), "nu2": Value(nu2, float(se[2])),
         "zero_fraction": Value(zf, zf_se)}, finding=finding,
        detail={"kappa_hat": k, "kappa_hat_se": float(se[1]), "n_steps": n, "n_paths": P, "T": T,
                "zero_fraction_classical_coarse": classical_coarse, "H_rough": H_rough,
                "rough_zero_fraction": {str(k_): v[0] for k_, v in rough.items()},
                "rough_min_V": {str(k_): v[1] for k_, v in rough.items()},
                "V_quantiles_classical": lst(np.quantile(V[-1], [0.001, 0.01, 0.5]))})
