"""Fractional Brownian motion: exact Davies-Harte and the hybrid scheme.

Public API (validates input; kernels live in ``numerics._fbm``):

* ``davies_harte(n, H, T=1.0, n_paths=1, rng=None)`` -> (n_paths, n+1) exact fBM
  B^H on t_i = i T / n (B^H_0 = 0, Cov = (t^2H + s^2H - |t-s|^2H) / 2).
* ``davies_harte_sqrt_eigs(n, H)`` -> cached sqrt(lambda/m) of the circulant embedding.
* ``davies_harte_from_normals(w, n, H, T, out)``: the kernel pipeline on pre-drawn complex normals.
* ``hybrid_rl(n, H, T=1.0, n_paths=1, kappa=1, rng=None, return_driver=False)`` ->
  (n_paths, n+1) Riemann-Liouville fBM Y_t = sqrt(2H) int_0^t (t-s)^(H-1/2) dW_s by
  the hybrid scheme (Bennedsen-Lunde-Pakkanen), optionally with the driver
  increments dW (n_paths, n).
* ``fbm_cov(t, s, H)``, ``rl_cov(t, s, H)``, ``rl_cov_with_driver(t, H)``: exact covariances.
* ``variogram(paths, lags)`` and ``hurst_variogram(paths, lags, dt)`` -> (H_hat, se).
"""
from __future__ import annotations

import functools
import math

import numpy as np
import scipy.fft as sfft
from scipy import integrate

from numerics import _fbm, fbm_ref
from numerics import _validate as v
from numerics._bs_mc_helpers import n_threads, normals

__all__ = ["davies_harte", "davies_harte_sqrt_eigs", "davies_harte_from_normals", "hybrid_rl", "hybrid_setup",
           "hybrid_work", "fbm_cov", "rl_cov",
           "rl_cov_with_driver", "variogram", "hurst_variogram"]

_MAX_N = 1 << 26
_CHUNK_BYTES = 1 << 25      # Davies-Harte works on ~32 MiB of complex rows at a time


@functools.lru_cache(maxsize=32)
def _sqrt_eigs_cached(n, H):
    a = fbm_ref.circulant_sqrt_eigs(n, H)
    a.flags.writeable = False
    return a


def davies_harte_sqrt_eigs(n, H):
    """sqrt(lambda_k / 2n) of the circulant embedding of n unit-step fGn values (cached)."""
    n = v.integer("n", n, 1, _MAX_N)
    H = v.real("H", H, 0.0, 1.0, lo_open=True, hi_open=True)
    return _sqrt_eigs_cached(n, H)


def davies_harte(n, H, T=1.0, n_paths=1, rng=None):
    """Exact fBM paths by circulant embedding; returns an array (n_paths, n+1)."""
    n = v.integer("n", n, 1, _MAX_N)
    H = v.real("H", H, 0.0, 1.0, lo_open=True, hi_open=True)
    T = v.real("T", T, 0.0, None, lo_open=True)
    n_paths = v.integer("n_paths", n_paths, 1, None)
    gen = v.rng(rng)
    m = 2 * n
    rows = (n_paths + 1) // 2
    v.memory_budget(f"davies_harte(n={n}, n_paths={n_paths})",
                    8 * n_paths * (n + 1) + min(rows * m * 16, 2 * _CHUNK_BYTES) + m * 8)
    v.work_budget(f"davies_harte(n={n}, n_paths={n_paths})", 5.0 * rows * 2 * m * math.log2(2 * m),
                  "5 (n_paths / 2) (4 n) log2(4 n) for the FFTs")
    out = np.empty((n_paths, n + 1))
    chunk = max(1, min(rows, _CHUNK_BYTES // (16 * m)))
    for r0 in range(0, rows, chunk):
        r1 = min(rows, r0 + chunk)
        w = normals(gen, (r1 - r0, 2 * m)).view(np.complex128)
        davies_harte_from_normals(w, n, H, T, out[2 * r0:min(n_paths, 2 * r1)])
    return out


def davies_harte_from_normals(w, n, H, T, out):
    """Kernel pipeline on complex normals w (rows, 2n) (overwritten): fills out (<= 2 rows, n+1)."""
    n = v.integer("n", n, 1, _MAX_N)
    H = _hurst(H)
    T = v.real("T", T, 0.0, None, lo_open=True)
    for name, a, dt in (("w", w, np.complex128), ("out", out, np.float64)):
        if not (isinstance(a, np.ndarray) and a.dtype == dt and a.ndim == 2 and a.flags.c_contiguous):
            raise ValueError(f"{name} must be a C-contiguous 2-D {np.dtype(dt).name} array, got "
                             f"{type(a).__name__} {getattr(a, 'dtype', '')} {getattr(a, 'shape', '')}")
    if w.shape[1] != 2 * n or out.shape[1] != n + 1:
        raise ValueError(f"w must have 2n = {2 * n} columns and out n + 1 = {n + 1}, got {w.shape} and {out.shape}")
    sl = _sqrt_eigs_cached(n, H)
    # the two element-wise passes are memory-bound: one thread (an OpenMP region costs
    # more than it saves when the other core is busy); the FFT uses the workers
    _fbm.dh_scale(sl, w, 1)
    y = sfft.fft(w, axis=1, overwrite_x=True, workers=n_threads())
    _fbm.dh_cumsum(y, (T / n) ** H, out, 1)
    return out


def hybrid_setup(n, H, dt, kappa):
    """(L, g, scale, Sigma) of the hybrid scheme; validated wrapper of fbm_ref.hybrid_setup."""
    n = v.integer("n", n, 1, 1 << 20)
    H = _hurst(H)
    dt = v.real("dt", dt, 0.0, None, lo_open=True)
    kappa = v.integer("kappa", kappa, 1, 2)
    return _hybrid_setup_cached(n, H, dt, kappa)


@functools.lru_cache(maxsize=32)
def _hybrid_setup_cached(n, H, dt, kappa):
    L, g, scale, S = fbm_ref.hybrid_setup(n, H, dt, kappa)
    for a in (L, g, S):
        a.flags.writeable = False
    return L, g, scale, S


def _check_hybrid(n, H, T, n_paths, kappa):
    n = v.integer("n", n, 1, 1 << 20)
    H = v.real("H", H, 0.0, 1.0, lo_open=True, hi_open=True)
    T = v.real("T", T, 0.0, None, lo_open=True)
    n_paths = v.integer("n_paths", n_paths, 1, None)
    kappa = v.integer("kappa", kappa, 1, 2)
    return n, H, T, n_paths, kappa


def hybrid_rl(n, H, T=1.0, n_paths=1, kappa=1, rng=None, return_driver=False):
    """Riemann-Liouville fBM by the hybrid scheme; (n_paths, n+1) [and dW (n_paths, n)]."""
    n, H, T, n_paths, kappa = _check_hybrid(n, H, T, n_paths, kappa)
    return_driver = v.flag("return_driver", return_driver)
    gen = v.rng(rng)
    v.memory_budget(f"hybrid_rl(n={n}, n_paths={n_paths}, kappa={kappa})",
                    8 * n_paths * ((kappa + 1) * n + 2 * (n + 1) + n))
    hybrid_work(f"hybrid_rl(n={n}, n_paths={n_paths})", n, n_paths)
    z = normals(gen, (kappa + 1, n, n_paths))
    dw, y = hybrid_time_major(z, n, H, T, kappa)
    if return_driver:
        return np.ascontiguousarray(y.T), np.ascontiguousarray(dw.T)
    return np.ascontiguousarray(y.T)


def hybrid_work(what, n, n_paths):
    """Refuse a hybrid-scheme request over the work limit: the far-term convolution costs
    n_paths * n^2 / 2 multiply-adds (``numerics._validate.work_budget``)."""
    v.work_budget(what, 0.5 * float(n_paths) * float(n) * float(n + 1), "n_paths * n_steps^2 / 2 for the "
                  "hybrid-scheme convolution")


def hybrid_time_major(z, n, H, T, kappa):
    """Kernel call on pre-drawn normals z (kappa+1, n, P): returns dw (n, P), y (n+1, P)."""
    L, g, scale, _ = _hybrid_setup_cached(n, H, T / n, kappa)
    P = z.shape[2]
    dw = np.empty((n, P))
    y = np.empty((n + 1, P))
    _fbm.hybrid(z, L, g, scale, dw, y, n_threads())
    return dw, y


# ---------------------------------------------------------------- closed forms

def _hurst(H):
    return v.real("H", H, 0.0, 1.0, lo_open=True, hi_open=True)


def fbm_cov(t, s, H):
    """Cov(B^H_t, B^H_s) = (t^2H + s^2H - |t - s|^2H) / 2."""
    H = _hurst(H)
    t = v.array("t", t, lo=0.0)
    s = v.array("s", s, lo=0.0)
    try:
        np.broadcast_shapes(t.shape, s.shape)
    except ValueError:
        raise ValueError(f"t and s must broadcast together, got shapes {t.shape} and {s.shape}") from None
    return v.scalar_or_array(0.5 * (t ** (2 * H) + s ** (2 * H) - np.abs(t - s) ** (2 * H)))


def rl_cov(t, s, H):
    """Cov(Y_t, Y_s) = 2H int_0^min (t-u)^(H-1/2) (s-u)^(H-1/2) du (by quadrature)."""
    H = _hurst(H)
    t = v.real("t", t, 0.0, None)
    s = v.real("s", s, 0.0, None)
    a = H - 0.5
    lo, hi = min(t, s), max(t, s)
    if lo == 0.0:
        return 0.0
    val, _ = integrate.quad(lambda x: x ** a * (hi - lo + x) ** a, 0.0, lo, epsabs=1e-14, epsrel=1e-12,
                            limit=200)
    return 2 * H * val


def rl_cov_with_driver(t, H):
    """Cov(Y_t, W_t) = sqrt(2H) t^(H+1/2) / (H+1/2)."""
    H = _hurst(H)
    t = v.real("t", t, 0.0, None)
    return math.sqrt(2 * H) * t ** (H + 0.5) / (H + 0.5)


# ---------------------------------------------------------------- estimators

def variogram(paths, lags):
    """Mean squared increment at each integer lag, per path: array (n_paths, len(lags))."""
    x = v.array("paths", paths)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2:
        raise ValueError(f"paths must be 1-D or 2-D, got shape {x.shape}")
    lags = v.array("lags", lags, ndim=1, dtype=np.int64, lo=1, hi=x.shape[1] - 1)
    out = np.empty((x.shape[0], lags.size))
    for j, lag in enumerate(lags):
        d = x[:, lag:] - x[:, :-lag]
        out[:, j] = np.mean(d * d, axis=1)
    return out


def hurst_variogram(paths, lags=(1, 2, 4, 8, 16)):
    """H from the log-log slope of the pooled variogram (slope = 2H); standard error from
    the spread of the per-path estimates (needs >= 2 paths, else se = nan)."""
    vg = variogram(paths, lags)
    if not np.all(vg > 0):
        raise ValueError("paths must vary at every lag (a zero variogram has no log-log slope)")
    lx = np.log(np.asarray(lags, float))
    lxc = lx - lx.mean()

    def slope(m):
        return float(np.sum(lxc * (np.log(m) - np.log(m).mean())) / np.sum(lxc * lxc))

    H = 0.5 * slope(vg.mean(axis=0))
    if vg.shape[0] < 2:
        return H, float("nan")
    per = np.array([0.5 * slope(r) for r in vg])
    return H, float(per.std(ddof=1) / math.sqrt(per.size))
