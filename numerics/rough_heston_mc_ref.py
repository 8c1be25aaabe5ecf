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


def fit_lift(w, h, m=12):
    """Factors whose implicit-Euler weights reproduce the target weights w (l = 1..n):
    sum_j c_j (1 + gamma_j h)^(-l) ~ w_l (relative least squares, c_j >= 0), gamma_j = 0 (a pure
    integrator, exact at H = 1/2) and m - 1 speeds geometric in [0.1 / (n h), 1000 / h].
    Returns (c, gamma) with c_j > 0 only."""
    from scipy.optimize import nnls

    n = w.size
    gam = np.concatenate([[0.0], np.geomspace(0.1 / (n * h), 1000.0 / h, m - 1)])
    ls = np.unique(np.concatenate([np.arange(1, min(n, 64) + 1),
                                   np.round(np.geomspace(1, n, 200)).astype(int)]))
    A = (1.0 + gam[None, :] * h) ** (-ls[:, None].astype(float)) / w[ls - 1][:, None]
    c, _ = nnls(A, np.ones(ls.size), maxiter=100 * m)
    keep = c > 0
    return c[keep], gam[keep]


def lift_weights(H, h, n, m=12):
    """The lift of the Volterra Euler weights (``fit_lift`` of ``volterra_weights``)."""
    return fit_lift(volterra_weights(H, h, n), h, m)


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


# ---------------------------------------------------------------- iVi (integrated variance)

def ivi_weights(H, h, n):
    """Weights of the integrated-variance scheme, W_0..W_n:
    W_l = (1/h) int_{lh}^{(l+1)h} int_0^h K(s - r) dr ds (a unit increment of X spread evenly
    over a step, seen by the integrated variance l steps later), W_0 = (1/h) int_0^h int_0^s K.
    With I2(x) = x^(alpha+1) / Gamma(alpha+2): W_0 = I2(h) / h, W_l = second difference / h."""
    a = H + 0.5
    x = np.arange(0, n + 2, dtype=float) * h
    I2 = x ** (a + 1) / math.gamma(a + 2)
    W = np.empty(n + 1)
    W[0] = I2[1] / h
    W[1:] = (I2[2:] - 2 * I2[1:-1] + I2[:-2]) / h
    return W


def ivi_drift(H, kappa, theta, V0, h, n):
    """G_i = int_{t_i}^{t_{i+1}} g0, g0(t) = V0 + kappa theta t^alpha / Gamma(alpha+1)."""
    a = H + 0.5
    t = np.arange(n + 1) * h
    return np.diff(V0 * t + kappa * theta * t ** (a + 1) / math.gamma(a + 2))


def ivi_step(al, zn, zu, cc, d, u=None):
    """(dU, dZ) of one step given alpha = the step's conditional mean integrated variance before
    the implicit part: dU solves cc dU = alpha + d dZ with dZ a martingale increment of
    quadratic variation dU, i.e. dU ~ IG(alpha / cc, (alpha / d)^2) (first passage of a Brownian
    motion with drift), sampled by Michael-Schucany-Haas from the normals zn, zu (u = Phi(zu)),
    in the cancellation-free form x = mu / B or mu B, B = 1 + q/2 + sqrt(q + q^2/4),
    q = zn^2 d^2 / (cc alpha).  alpha <= 0: dU = 0.  d = 0 (eta = 0): dU = alpha^+ / cc,
    dZ = sqrt(dU) zn.  ``u``: the uniforms themselves (the fused kernel's draws), instead of
    Phi(zu)."""
    from scipy.special import erfc

    ap = np.maximum(al, 0.0)
    mu = ap / cc
    if d == 0.0:
        dU = mu
        return dU, np.sqrt(dU) * zn
    with np.errstate(divide="ignore", invalid="ignore"):
        q = zn * zn * (d * d) / (cc * ap)
        B = 1.0 + 0.5 * q + np.sqrt(q + 0.25 * q * q)
        if u is None:
            u = 0.5 * erfc(-zu * 0.7071067811865476)
        dU = np.where(u * (B + 1.0) <= B, mu / B, mu * B)
    dU = np.where(al > 0.0, dU, 0.0)
    return dU, (cc * dU - al) / d


def martingale_part(al, dZ, d):
    """The part of dZ the price sees: dZ where alpha > 0 (or d = 0), else 0.  A step with
    alpha <= 0 has dU = 0, no quadratic variation; its dZ = -alpha / d is a finite-variation
    push that keeps the variance equation.  Let into log S it broke E S_T = S_0 (by about
    -10 SE at H = 1/2, eta = 0.4, 4e5 paths); without it each step's factor
    exp(rho dM - rho^2 dU / 2) has mean 1 (Wald's identity at the inverse-Gaussian passage time)."""
    return dZ if d == 0.0 else np.where(al > 0.0, dZ, 0.0)


def simulate_ivi(zn, zu, zb, c, gam, H, V0, kappa, theta, eta, rho, h):
    """Twin of the iVi kernel: (logS_T, intV, intA) with the history convolution
    sum_{j<i} W_{i-j} dX_j realised by the lift (c, gam) of W_1..W_n."""
    n, P = zn.shape
    W0 = ivi_weights(H, h, 1)[0]
    G = ivi_drift(H, kappa, theta, V0, h, n)
    cc, d = 1.0 + kappa * W0, eta * W0
    inv = 1.0 / (1.0 + gam * h)
    F = np.zeros((c.size, P))
    logS = np.zeros(P)
    U = np.zeros(P)
    Z = np.zeros(P)
    rb = math.sqrt(1.0 - rho * rho)
    for i in range(n):
        al = G[i] + c @ F
        dU, dZ = ivi_step(al, zn[i], zu[i], cc, d)
        dM = martingale_part(al, dZ, d)
        logS += -0.5 * dU + rho * dM + rb * np.sqrt(dU) * zb[i]
        U += dU
        Z += dM
        F = (F + (-kappa * dU + eta * dZ)[None, :]) * inv[:, None]
    return logS, U, Z


def simulate_ivi_direct(zn, zu, zb, H, V0, kappa, theta, eta, rho, h):
    """The same scheme with the O(n^2) convolution by the exact weights W_l (no lift)."""
    n, P = zn.shape
    W = ivi_weights(H, h, n)
    G = ivi_drift(H, kappa, theta, V0, h, n)
    cc, d = 1.0 + kappa * W[0], eta * W[0]
    dX = np.zeros((n, P))
    logS = np.zeros(P)
    U = np.zeros(P)
    Z = np.zeros(P)
    rb = math.sqrt(1.0 - rho * rho)
    for i in range(n):
        al = G[i] + (W[i:0:-1] @ dX[:i] if i else 0.0)
        dU, dZ = ivi_step(al, zn[i], zu[i], cc, d)
        dM = martingale_part(al, dZ, d)
        logS += -0.5 * dU + rho * dM + rb * np.sqrt(dU) * zb[i]
        U += dU
        Z += dM
        dX[i] = -kappa * dU + eta * dZ
    return logS, U, Z
