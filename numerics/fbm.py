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
    """sqrt(lambda_k / 2n) of the circulant embedding of n unit-step fGn values (cached, read-only).

    Parameters
    ----------
    n : int
        Number of increments, in [1, 2^26].
    H : float
        Hurst exponent, in (0, 1).

    Returns
    -------
    numpy.ndarray, shape (2n,)

    Examples
    --------
    >>> from numerics import fbm
    >>> fbm.davies_harte_sqrt_eigs(4, 0.3).shape
    (8,)
    """
    n = v.integer("n", n, 1, _MAX_N)
    H = v.real("H", H, 0.0, 1.0, lo_open=True, hi_open=True)
    return _sqrt_eigs_cached(n, H)


def davies_harte(n, H, T=1.0, n_paths=1, rng=None):
    """Exact fractional Brownian motion paths by circulant embedding (Davies-Harte).

    Parameters
    ----------
    n : int
        Number of time steps, in [1, 2^26].
    H : float
        Hurst exponent, in (0, 1).
    T : float
        Horizon in years (or any time unit), > 0; the grid is t_i = i T / n.
    n_paths : int
        Number of paths, >= 1.
    rng : int, numpy.random.Generator or None
        Seed or generator.

    Returns
    -------
    numpy.ndarray, shape (n_paths, n + 1)
        B^H on the grid, B^H_0 = 0, Var B^H_t = t^(2H) (units of sqrt(time)^(2H)).

    Raises
    ------
    ValueError
        Bad input, or a request over the memory or work limit (``numerics._validate``).

    Examples
    --------
    >>> from numerics import fbm
    >>> paths = fbm.davies_harte(256, 0.3, T=1.0, n_paths=4, rng=1)
    >>> paths.shape, float(paths[0, 0])
    ((4, 257), 0.0)
    """
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
    """The Davies-Harte kernel pipeline on pre-drawn complex normals (overwritten).

    Parameters
    ----------
    w : numpy.ndarray of complex128, shape (rows, 2n)
    n : int
    H : float
        Hurst exponent, in (0, 1).
    T : float
        Horizon, > 0.
    out : numpy.ndarray of float64, shape (<= 2 rows, n + 1)
        Filled with the paths (two per complex row).

    Returns
    -------
    numpy.ndarray
        ``out``.

    Examples
    --------
    >>> import numpy as np
    >>> from numerics import fbm
    >>> w = np.random.default_rng(1).standard_normal((1, 16)).view(np.complex128)
    >>> fbm.davies_harte_from_normals(w, 4, 0.3, 1.0, np.empty((2, 5))).shape
    (2, 5)
    """
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
    """(L, g, scale, Sigma) of the hybrid scheme (cached, read-only).

    Parameters
    ----------
    n : int
        Number of steps, in [1, 2^20].
    H : float
        Hurst exponent, in (0, 1).
    dt : float
        Step length, > 0.
    kappa : {1, 2}
        Near cells simulated exactly.

    Returns
    -------
    tuple
        Cholesky factor L (kappa+1, kappa+1), far-cell weights g (n+1,), scale sqrt(2H) dt^H,
        covariance Sigma (kappa+1, kappa+1) of the per-step Gaussian vector.

    Examples
    --------
    >>> from numerics import fbm
    >>> L, g, scale, S = fbm.hybrid_setup(8, 0.3, 0.125, 1)
    >>> L.shape, g.shape
    ((2, 2), (9,))
    """
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
    """Riemann-Liouville fBM Y_t = sqrt(2H) int_0^t (t-s)^(H-1/2) dW_s by the hybrid scheme.

    Parameters
    ----------
    n : int
        Number of time steps, in [1, 2^20].
    H : float
        Hurst exponent, in (0, 1).
    T : float
        Horizon (years), > 0.
    n_paths : int
        Number of paths, >= 1.
    kappa : {1, 2}
        Near cells simulated exactly (Bennedsen-Lunde-Pakkanen).
    rng : int, numpy.random.Generator or None
    return_driver : bool
        Also return the driving Brownian increments dW.

    Returns
    -------
    numpy.ndarray, shape (n_paths, n + 1)
        Y on the grid t_i = i T / n (Var Y_t = t^(2H)); with ``return_driver`` also dW
        (n_paths, n).

    Raises
    ------
    ValueError
        Bad input, or over the memory or work limit (n_paths * n^2 / 2 operations).

    Examples
    --------
    >>> from numerics import fbm
    >>> y, dw = fbm.hybrid_rl(64, 0.1, T=1.0, n_paths=3, rng=1, return_driver=True)
    >>> y.shape, dw.shape
    ((3, 65), (3, 64))
    """
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
    """Refuse a hybrid-scheme request over the work limit.

    The far-term convolution costs n_paths * n^2 / 2 multiply-adds; above
    ``numerics._validate.MAX_WORK`` this raises a ValueError naming ``what`` and the limit.

    Parameters
    ----------
    what : str
        The request, with its sizes, for the message.
    n, n_paths : int
        Steps and paths.

    Examples
    --------
    >>> from numerics import fbm
    >>> fbm.hybrid_work("demo(n=100, n_paths=10)", 100, 10)
    """
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
    """Cov(B^H_t, B^H_s) = (t^2H + s^2H - |t - s|^2H) / 2 of fractional Brownian motion.

    Parameters
    ----------
    t, s : float or array_like
        Times (years), >= 0; broadcast together.
    H : float
        Hurst exponent, in (0, 1).

    Returns
    -------
    float or numpy.ndarray
        Covariance (time^(2H)); a float for scalar t and s.

    Examples
    --------
    >>> from numerics import fbm
    >>> fbm.fbm_cov(1.0, 1.0, 0.3)
    1.0
    >>> round(fbm.fbm_cov(1.0, 0.5, 0.5), 12)      # Brownian motion: min(t, s)
    0.5
    """
    H = _hurst(H)
    t = v.array("t", t, lo=0.0)
    s = v.array("s", s, lo=0.0)
    try:
        np.broadcast_shapes(t.shape, s.shape)
    except ValueError:
        raise ValueError(f"t and s must broadcast together, got shapes {t.shape} and {s.shape}") from None
    return v.scalar_or_array(0.5 * (t ** (2 * H) + s ** (2 * H) - np.abs(t - s) ** (2 * H)))


def rl_cov(t, s, H):
    """Cov(Y_t, Y_s) = 2H int_0^min(t,s) (t-u)^(H-1/2) (s-u)^(H-1/2) du (quadrature).

    Parameters
    ----------
    t, s : float
        Times (years), >= 0.
    H : float
        Hurst exponent, in (0, 1).

    Returns
    -------
    float
        Covariance of the Riemann-Liouville fBM (Var Y_t = t^(2H)).

    Examples
    --------
    >>> from numerics import fbm
    >>> round(fbm.rl_cov(2.0, 2.0, 0.25), 10)      # = 2^(2H)
    1.4142135624
    """
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
    """Cov(Y_t, W_t) = sqrt(2H) t^(H+1/2) / (H+1/2).

    Parameters
    ----------
    t : float
        Time (years), >= 0.
    H : float
        Hurst exponent, in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> from numerics import fbm
    >>> fbm.rl_cov_with_driver(1.0, 0.5)
    1.0
    """
    H = _hurst(H)
    t = v.real("t", t, 0.0, None)
    return math.sqrt(2 * H) * t ** (H + 0.5) / (H + 0.5)


# ---------------------------------------------------------------- estimators

def variogram(paths, lags):
    """Mean squared increment at each integer lag, per path.

    Parameters
    ----------
    paths : array_like, shape (n_paths, n) or (n,)
    lags : array_like of int
        Lags in grid steps, in [1, n - 1].

    Returns
    -------
    numpy.ndarray, shape (n_paths, len(lags))

    Examples
    --------
    >>> import numpy as np
    >>> from numerics import fbm
    >>> fbm.variogram(np.arange(10.0), [1, 2]).tolist()
    [[1.0, 4.0]]
    """
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
    """Hurst exponent from the log-log slope of the pooled variogram (slope = 2H).

    Parameters
    ----------
    paths : array_like, shape (n_paths, n) or (n,)
    lags : sequence of int
        Lags in grid steps.

    Returns
    -------
    (float, float)
        H and its standard error from the spread of the per-path estimates (NaN with a single
        path: one path has no spread).

    Examples
    --------
    >>> from numerics import fbm
    >>> H, se = fbm.hurst_variogram(fbm.davies_harte(4096, 0.3, n_paths=8, rng=2))
    >>> abs(H - 0.3) < 0.03
    True
    """
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
