"""NumPy twin of ``_rbergomi.pyx`` (and of the hybrid step it consumes): same recursion."""
from __future__ import annotations

import math

import numpy as np

from numerics import fbm_ref


def paths(y, dw, zb, xi, t2h, eta, rho, dt):
    """(logS_T, intV, intA, V (n+1, P), logS (n+1, P)) from Y, dW, zb (time-major)."""
    V = xi[:, None] * np.exp(eta * y - 0.5 * eta * eta * t2h[:, None])
    sv = np.sqrt(V[:-1])
    a = sv * dw
    inc = rho * a + sv * math.sqrt(1.0 - rho * rho) * math.sqrt(dt) * zb - 0.5 * dt * V[:-1]
    logS = np.zeros_like(V)
    logS[1:] = np.cumsum(inc, axis=0)
    return logS[-1], np.sum(V[:-1], axis=0) * dt, np.sum(a, axis=0), V, logS


def simulate_from_normals(z, zb, H, eta, rho, xi0, T, kappa):
    """The full pipeline on pre-drawn normals z (kappa+1, n, P), zb (n, P)."""
    n = z.shape[1]
    L, g, scale, _ = fbm_ref.hybrid_setup(n, H, T / n, kappa)
    dw, y = fbm_ref.hybrid_from_normals(z, L, g, scale)
    t = np.arange(n + 1) * (T / n)
    return paths(y, dw, zb, np.full(n + 1, xi0), t ** (2 * H), eta, rho, T / n)
