"""NumPy twin of the fBM kernels in ``_fbm.pyx`` (same algorithm, used by the tests).

Also holds the set-up both implementations share: the circulant eigenvalues
of Davies-Harte and the hybrid-scheme weights and covariance.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import integrate


def fgn_autocov(k, H):
    """Autocovariance of unit-step fractional Gaussian noise at integer lags k."""
    k = np.abs(np.asarray(k, dtype=float))
    h2 = 2.0 * H
    return 0.5 * (np.abs(k + 1) ** h2 - 2 * k ** h2 + np.abs(k - 1) ** h2)


def circulant_sqrt_eigs(n, H):
    """sqrt(lambda_k / m), m = 2n, of the circulant embedding of n fGn values.

    Raises ValueError if the embedding is not non-negative definite (it is for
    every H in (0, 1), up to rounding, which is clipped)."""
    m = 2 * n
    c = np.empty(m)
    c[: n + 1] = fgn_autocov(np.arange(n + 1), H)
    c[n + 1:] = c[n - 1:0:-1]
    lam = np.fft.fft(c).real
    tol = 1e-10 * max(1.0, float(np.max(np.abs(lam))))
    if lam.min() < -tol:
        raise ValueError(f"circulant embedding not non-negative definite for n={n}, H={H} "
                         f"(min eigenvalue {lam.min():.3g})")
    return np.sqrt(np.clip(lam, 0.0, None) / m)


def davies_harte_from_normals(zc, sqrt_lam, n, scale, n_paths):
    """fBM paths (n_paths, n+1) from complex normals zc (rows, 2n): row r -> paths 2r, 2r+1."""
    y = np.fft.fft(zc * sqrt_lam, axis=1)[:, :n] * scale
    inc = np.empty((2 * y.shape[0], n))
    inc[0::2] = y.real
    inc[1::2] = y.imag
    out = np.zeros((n_paths, n + 1))
    out[:, 1:] = np.cumsum(inc[:n_paths], axis=1)
    return out


def _cholesky_psd(S, tol=1e-12):
    """Lower-triangular L with L L^T = S for a positive semi-definite S (at H = 1/2 the near
    terms equal dW and S is singular: a zero pivot gives a zero column)."""
    k = S.shape[0]
    L = np.zeros_like(S)
    scale = max(float(np.max(np.diag(S))), 1e-300)
    for j in range(k):
        d = S[j, j] - L[j, :j] @ L[j, :j]
        if d <= tol * scale:
            continue
        L[j, j] = math.sqrt(d)
        for i in range(j + 1, k):
            L[i, j] = (S[i, j] - L[i, :j] @ L[j, :j]) / L[j, j]
    return L


def hybrid_setup(n, H, dt, kappa):
    """Cholesky factor L of Cov(dW, I_1..I_kappa), far weights g (n+1,), scale sqrt(2H).

    I_k = int over one step of (t_{j+k} - s)^alpha dW_s, alpha = H - 1/2; the far
    weights are g_k = (b_k dt)^alpha with b_k the optimal discretisation points of
    Bennedsen, Lunde and Pakkanen (g_k = 0 for k <= kappa)."""
    a = H - 0.5
    S = np.empty((kappa + 1, kappa + 1))
    S[0, 0] = dt
    for k in range(1, kappa + 1):
        S[0, k] = S[k, 0] = dt ** (a + 1) * (k ** (a + 1) - (k - 1) ** (a + 1)) / (a + 1)
        S[k, k] = dt ** (2 * a + 1) * (k ** (2 * a + 1) - (k - 1) ** (2 * a + 1)) / (2 * a + 1)
    for k in range(1, kappa + 1):
        for l in range(k + 1, kappa + 1):
            val, _ = integrate.quad(lambda x: ((k - 1) + x) ** a * ((l - 1) + x) ** a, 0.0, 1.0,
                                    epsabs=1e-14, epsrel=1e-13, limit=200)
            S[k, l] = S[l, k] = dt ** (2 * a + 1) * val
    L = _cholesky_psd(S)
    g = np.zeros(n + 1)
    k = np.arange(kappa + 1, n + 1, dtype=float)
    if k.size:
        if a == 0.0:
            g[kappa + 1:] = 1.0
        else:
            b = ((k ** (a + 1) - (k - 1) ** (a + 1)) / (a + 1)) ** (1.0 / a)
            g[kappa + 1:] = (b * dt) ** a
    return L, g, math.sqrt(2.0 * H), S


def hybrid_from_normals(z, L, g, scale):
    """Twin of ``_fbm.hybrid``: z (kappa+1, n, P) -> dw (n, P), y (n+1, P)."""
    kappa = z.shape[0] - 1
    n, P = z.shape[1], z.shape[2]
    dw = L[0, 0] * z[0]
    near = np.einsum("kj,jnp->knp", L[1:], z)      # near[k-1, j] = I_{j, k}
    y = np.zeros((n + 1, P))
    for i in range(1, n + 1):
        acc = np.zeros(P)
        for k in range(1, min(i, kappa) + 1):
            acc += near[k - 1, i - k]
        if i > kappa:
            k = np.arange(kappa + 1, i + 1)
            acc += g[k] @ dw[i - k]
        y[i] = scale * acc
    return dw, y
