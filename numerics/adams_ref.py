"""Plain NumPy twin of ``numerics._adams`` (same algorithms, used by the tests).

Volterra equation x(t) = x0 + (1/Gamma(a)) int_0^t (t-s)^(a-1) f(s, x(s)) ds on the
grid t_k = k T/n, product-rectangle predictor and product-trapezoid corrector
(Diethelm-Ford-Freed).  See ``_adams.pyx`` for the weight tables.
"""
from __future__ import annotations

import math

import numpy as np


def weights(alpha, n, T):
    """(bp, ac, a0, aself): the predictor/corrector weight tables, scaled by dt^alpha."""
    a, p = alpha, alpha + 1.0
    dt = T / n
    sb = math.exp(a * math.log(dt) - math.lgamma(a + 1.0))
    sc = math.exp(a * math.log(dt) - math.lgamma(a + 2.0))
    m = np.arange(n, dtype=float)
    bp = np.empty(n)
    ac = np.empty(n)
    a0 = np.empty(n)
    bp[0], ac[0], a0[0] = sb, sc * (2.0 ** p - 2.0), sc * a
    mm = m[1:]
    l1 = np.log1p(1.0 / mm)
    bp[1:] = sb * mm ** a * np.expm1(a * l1)
    ac[1:] = sc * mm ** p * (np.expm1(p * np.log1p(2.0 / mm)) - 2.0 * np.expm1(p * l1))
    a0[1:] = sc * mm ** p * (-np.expm1(a * l1) + (a / mm) * np.exp(a * l1))
    return bp, ac, a0, sc


def _quad_root(A, B, rhs, w):
    q = 1.0 - w * B
    if A == 0.0:
        return rhs / q
    sq = np.sqrt(q * q - 4.0 * w * A * rhs)
    sq = np.where((q.real * sq.real + q.imag * sq.imag) < 0.0, -sq, sq)
    return 2.0 * rhs / (q + sq)


def riccati_batch(alpha, n, T, A, B, C, scheme="implicit", return_path=False,
                  return_blowup=False):
    """Solve h = I^alpha F(h), F(h) = A h^2 + B h + C for a vector of (B, C).

    Returns (h(T), int_0^T h, int_0^T F(h)) (and the (n+1, nu) path if asked, and the
    first unresolved step per entry, Re(1 - aself F'(x)) < 1/2 or non-finite, if asked).
    """
    bp, ac, a0, aself = weights(alpha, n, T)
    B = np.asarray(B, dtype=complex)
    C = np.asarray(C, dtype=complex)
    nu = B.shape[0]
    dt = T / n
    F = np.empty((n + 1, nu), dtype=complex)
    X = np.zeros((n + 1, nu), dtype=complex)
    F[0] = C
    blown = np.zeros(nu, dtype=int)
    for k in range(n):
        corr = a0[k] * F[0] + ac[k - 1::-1][:k] @ F[1:k + 1] if k > 0 else a0[k] * F[0]
        if scheme == "pece":
            pred = bp[k::-1] @ F[:k + 1]
            x = corr + aself * ((A * pred + B) * pred + C)
        else:
            x = _quad_root(A, B, corr + aself * C, aself)
        X[k + 1] = x
        F[k + 1] = (A * x + B) * x + C
        with np.errstate(invalid="ignore"):
            bad = ~(1.0 - aself * (2.0 * A * x + B).real >= 0.5) | ~np.isfinite(F[k + 1])
        blown[(blown == 0) & bad] = k + 1
    ih = dt * (X[1:-1].sum(axis=0) + 0.5 * X[-1])
    iF = dt * (0.5 * F[0] + F[1:-1].sum(axis=0) + 0.5 * F[-1])
    out = (X[-1], ih, iF) + ((X,) if return_path else ()) + ((blown,) if return_blowup else ())
    return out


def solve_volterra(f, x0, alpha, T, n, complex_state=False):
    """PECE solve with a Python right-hand side; returns (t, x, f-values)."""
    bp, ac, a0, aself = weights(alpha, n, T)
    dt = T / n
    dtype = complex if complex_state else float
    x = np.empty(n + 1, dtype=dtype)
    fv = np.empty(n + 1, dtype=dtype)
    x[0] = x0
    fv[0] = f(0.0, x[0])
    for k in range(n):
        pred = x0 + bp[k::-1] @ fv[:k + 1]
        corr = x0 + a0[k] * fv[0] + (ac[k - 1::-1][:k] @ fv[1:k + 1] if k > 0 else 0.0)
        t1 = (k + 1) * dt
        x[k + 1] = corr + aself * f(t1, pred)
        fv[k + 1] = f(t1, x[k + 1])
    return np.linspace(0.0, T, n + 1), x, fv
