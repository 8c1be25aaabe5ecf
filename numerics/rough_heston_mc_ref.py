"""NumPy twin of ``_rough_heston_mc.pyx``, the lift's weights (shared set-up) and the
O(n^2) Volterra Euler scheme the lift approximates."""
from __future__ import annotations

import math

import numpy as np


def volterra_weights(H, h, n):
    """Weights of the Volterra Euler (rectangle) rule: w_l = (1/h) int_{(l-1)h}^{lh} K(s) ds,
    K(s) = s^(alpha-1)/Gamma(alpha), alpha = H + 1/2, l = 1..n."""
    a = H + 0.5
    l = np.arange(1, n + 1, dtype=float)
    return (l ** a - (l - 1) ** a) * h ** (a - 1) / math.gamma(a + 1)


def lift_weights(H, h, n, m=12):
    """Multi-factor lift whose implicit-Euler factors reproduce the Volterra Euler weights:
    sum_j c_j (1 + gamma_j h)^(-l) ~ w_l for l = 1..n (relative least squares, c_j >= 0),
    gamma_j = 0 (a pure integrator, exact at H = 1/2) and m - 1 speeds geometric in
    [0.1 / (n h), 1000 / h].  Returns (c, gamma) with c_j > 0 only."""
    from scipy.optimize import nnls

    gam = np.concatenate([[0.0], np.geomspace(0.1 / (n * h), 1000.0 / h, m - 1)])
    ls = np.unique(np.concatenate([np.arange(1, min(n, 64) + 1),
                                   np.round(np.geomspace(1, n, 200)).astype(int)]))
    w = volterra_weights(H, h, n)[ls - 1]
    A = (1.0 + gam[None, :] * h) ** (-ls[:, None].astype(float)) / w[:, None]
    c, _ = nnls(A, np.ones(ls.size), maxiter=100 * m)
    keep = c > 0
    return c[keep], gam[keep]


def lift_discrete_weights(c, gam, h, n):
    """The weights sum_j c_j (1 + gamma_j h)^(-l), l = 1..n, that the lift actually uses."""
    l = np.arange(1, n + 1, dtype=float)
    return (1.0 + gam[None, :] * h) ** (-l[:, None]) @ c


def simulate_volterra(zw, zb, H, V0, kappa, theta, eta, rho, h):
    """The Volterra Euler scheme itself, O(n^2): V_k = V0 + sum_{i<k} w_{k-i} dZ_i with
    dZ_i = kappa (theta - V_i^+) h + eta sqrt(V_i^+) dW_i (the lift approximates this)."""
    n, P = zw.shape
    w = volterra_weights(H, h, n)
    dZ = np.empty((n, P))
    V = np.empty((n + 1, P))
    V[0] = V0
    logS = np.zeros(P)
    intv = np.zeros(P)
    inta = np.zeros(P)
    sh = math.sqrt(h)
    for i in range(n):
        vp = np.maximum(V[i], 0.0)
        sv = np.sqrt(vp)
        dw = sh * zw[i]
        logS += sv * (rho * dw + math.sqrt(1 - rho * rho) * sh * zb[i]) - 0.5 * vp * h
        intv += vp * h
        inta += sv * dw
        dZ[i] = kappa * (theta - vp) * h + eta * sv * dw
        V[i + 1] = V0 + w[i::-1] @ dZ[: i + 1]
    return logS, intv, inta, V


def hybrid_coefficients(H, h):
    """(a1, a2): I = int over one step of K(t_{k+1} - s) dW_s = a1 zw + a2 zi, dW = sqrt(h) zw."""
    a = H + 0.5
    cov = h ** a / math.gamma(a + 1)                          # int_0^h K
    var = h ** (2 * a - 1) / (math.gamma(a) ** 2 * (2 * a - 1))   # int_0^h K^2
    a1 = cov / math.sqrt(h)
    return a1, math.sqrt(max(var - a1 * a1, 0.0))


def simulate(zw, zb, c, gam, V0, kappa, theta, eta, rho, h, zi=None, H=None):
    """(logS_T, intV, intA, V (n+1, P)) by the same recursion, vectorised over paths
    (hybrid last step when zi and H are given)."""
    n, P = zw.shape
    U = np.zeros((c.size, P))
    V = np.full(P, float(V0))
    Vs = np.empty((n + 1, P))
    Vs[0] = V
    logS = np.zeros(P)
    intv = np.zeros(P)
    inta = np.zeros(P)
    inv = 1.0 / (1.0 + gam * h)
    w1 = float(c @ inv)
    a1, a2 = hybrid_coefficients(H, h) if zi is not None else (0.0, 0.0)
    sh = math.sqrt(h)
    for i in range(n):
        vp = np.maximum(V, 0.0)
        sv = np.sqrt(vp)
        dw = sh * zw[i]
        logS += sv * (rho * dw + math.sqrt(1 - rho * rho) * sh * zb[i]) - 0.5 * vp * h
        intv += vp * h
        inta += sv * dw
        U = (U + (kappa * (theta - vp) * h + eta * sv * dw)[None, :]) * inv[:, None]
        V = V0 + c @ U
        if zi is not None:
            V = V + eta * sv * (a1 * zw[i] + a2 * zi[i] - w1 * dw)
        Vs[i + 1] = V
    return logS, intv, inta, Vs
