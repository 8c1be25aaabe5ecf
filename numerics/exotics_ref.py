"""Plain NumPy Euler twin of numerics.exotics (benchmark peer, not the engine).

The lifted Volterra Euler scheme of numerics.rough_heston_mc ("euler": V truncated at 0 in
drift and diffusion, factors stepped implicitly in their mean reversion), vectorised over
paths with NumPy's own normals, reduced to the same path statistics as the kernel: running
min / max of log S, the arithmetic average of S over t_1..t_n, S_T.  Biased upwards in V at
small H (STOCHASTIC.md); it is the straightforward implementation the fused iVi kernel is
timed against, at equal paths and steps, with the standard errors reported alongside.
"""
from __future__ import annotations

import math

import numpy as np

from numerics import rough_heston_mc


def euler_stats(params, T, n_steps, n_paths, m=20, seed=0):
    """(logS_T, min log S, max log S, mean S) on S0 = 1, zero rates, by the lifted Euler scheme."""
    c, g, _ = rough_heston_mc.lift(params.H, T, n_steps, m)
    h = T / n_steps
    inv = (1.0 / (1.0 + g * h))[:, None]
    rng = np.random.default_rng(seed)
    U = np.zeros((c.size, n_paths))
    V = np.full(n_paths, params.V0)
    x = np.zeros(n_paths)
    mn, mx, sm = np.zeros(n_paths), np.zeros(n_paths), np.zeros(n_paths)
    rb, sh = math.sqrt(1.0 - params.rho ** 2), math.sqrt(h)
    for _ in range(n_steps):
        zw = rng.standard_normal(n_paths)
        zb = rng.standard_normal(n_paths)
        vp = np.maximum(V, 0.0)
        sv = np.sqrt(vp)
        dw = sh * zw
        x += sv * (params.rho * dw + rb * sh * zb) - 0.5 * vp * h
        U = (U + params.kappa * (params.theta - vp) * h + params.eta * sv * dw) * inv
        V = params.V0 + c @ U
        np.minimum(mn, x, out=mn)
        np.maximum(mx, x, out=mx)
        sm += np.exp(x)
    return x, mn, mx, sm / n_steps


def barrier_asian(params, K, B, T, n_steps, n_paths, m=20, seed=0):
    """Up-and-out call and arithmetic Asian call on S0 = 1 by the Euler twin: ((price, se), (price, se))."""
    x, _, mx, A = euler_stats(params, T, n_steps, n_paths, m, seed)
    out = []
    for y in (np.where(mx < math.log(B), np.maximum(np.exp(x) - K, 0.0), 0.0), np.maximum(A - K, 0.0)):
        out.append((float(y.mean()), float(y.std(ddof=1) / math.sqrt(y.size))))
    return tuple(out)
