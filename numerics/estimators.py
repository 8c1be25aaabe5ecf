"""Estimators for exponent laws (public, validating; plain NumPy, no kernel needed).

* ``fit_power_law(x, y)``: y = c x^p by least squares on (log x, log y); exponent,
  prefactor and their standard errors (from the residual variance of the log-log fit).
* ``smile_skew_curvature(k, iv)``: ATM skew d sigma/dk and curvature d^2 sigma/dk^2 at
  k = 0 of an implied-volatility smile in log-moneyness, from polynomial least squares
  of two degrees; the error estimate is the larger of the fit's standard error and the
  change between the two degrees (so a smile that is not yet polynomial on the chosen
  strikes reports a large error instead of a wrong number).
* ``variogram_hurst(x, lags)``: the variogram m(L) = mean (x_{t+L} - x_t)^2 ~ L^(2H) of a
  regularly sampled path; H = slope / 2 with the standard error of the log-log fit (the
  increments at one lag overlap, so this standard error is a lower bound).
* ``volterra_power_integral(H, T, f=None)``: int_0^T u^(H-1/2) f(u) du by Gauss-Jacobi
  quadrature, which carries the endpoint singularity u^(H-1/2) in its weight (exact for
  polynomial f); returns the value and an error estimate (n vs 2n nodes).  With f = 1 the
  closed form is T^(H+1/2) / (H+1/2).
"""
from __future__ import annotations

import math

import numpy as np

from numerics._validate import array, integer, real

__all__ = ["fit_power_law", "smile_skew_curvature", "variogram_hurst", "volterra_power_integral"]


def _ols(X, y):
    """Least squares y ~ X beta: (beta, covariance, residual std, R^2)."""
    n, p = X.shape
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    dof = n - p
    s2 = float(resid @ resid) / dof if dof > 0 else float("nan")
    cov = s2 * np.linalg.inv(X.T @ X)
    ss_tot = float(((y - y.mean()) ** 2).sum())
    # R^2 is undefined (0/0) for data without spread: NaN, not a made-up number
    r2 = 1.0 - float(resid @ resid) / ss_tot if ss_tot > 1e-24 * float(y @ y) else float("nan")
    return beta, cov, math.sqrt(s2) if dof > 0 else float("nan"), r2


def fit_power_law(x, y):
    """Fit y = prefactor * x^exponent (x, y > 0).  Returns a dict with exponent,
    exponent_se, prefactor, prefactor_se (delta method), log_prefactor, log_prefactor_se,
    r2, n.  Needs at least 3 points (standard errors need a residual degree of freedom).
    Pass |y| for a negative law (e.g. the ATM skew)."""
    x = array("x", x, ndim=1, lo=0.0, lo_open=True)
    y = array("y", y, ndim=1, lo=0.0, lo_open=True)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    if x.shape[0] < 3:
        raise ValueError(f"x must have at least 3 points, got {x.shape[0]}")
    if np.ptp(np.log(x)) == 0.0:
        raise ValueError("x must contain at least two distinct values")
    lx, ly = np.log(x), np.log(y)
    X = np.column_stack([np.ones_like(lx), lx])
    beta, cov, _, r2 = _ols(X, ly)
    c = math.exp(beta[0])
    return dict(exponent=float(beta[1]), exponent_se=float(math.sqrt(cov[1, 1])),
                prefactor=c, prefactor_se=c * float(math.sqrt(cov[0, 0])),
                log_prefactor=float(beta[0]), log_prefactor_se=float(math.sqrt(cov[0, 0])),
                r2=r2, n=int(x.shape[0]))


def smile_skew_curvature(k, iv, degree=4):
    """ATM skew and curvature of a smile sigma(k) sampled at log-moneyness k (around 0).

    Fits polynomials of degree ``degree`` and ``degree - 2`` (least squares in k / max|k|);
    returns dict(skew, curvature, atm_vol, skew_err, curvature_err, degree)."""
    k = array("k", k, ndim=1)
    iv = array("iv", iv, ndim=1, lo=0.0, lo_open=True)
    degree = integer("degree", degree, 2, 8)
    if k.shape != iv.shape:
        raise ValueError(f"k and iv must have the same shape, got {k.shape} and {iv.shape}")
    if k.shape[0] < degree + 2:
        raise ValueError(f"need at least degree + 2 = {degree + 2} points, got {k.shape[0]}")
    if not (k.min() < 0.0 < k.max()):
        raise ValueError(f"k must bracket 0 (the money), got range [{k.min()!r}, {k.max()!r}]")
    scale = float(np.max(np.abs(k)))
    u = k / scale
    fits = []
    for d in (degree, degree - 2):
        X = np.vander(u, d + 1, increasing=True)
        beta, cov, _, _ = _ols(X, iv)
        fits.append((beta, cov))
    (b_hi, c_hi), (b_lo, _) = fits
    skew = b_hi[1] / scale
    curv = 2.0 * b_hi[2] / scale ** 2
    se_skew = math.sqrt(max(c_hi[1, 1], 0.0)) / scale if np.isfinite(c_hi[1, 1]) else 0.0
    se_curv = 2.0 * math.sqrt(max(c_hi[2, 2], 0.0)) / scale ** 2 if np.isfinite(c_hi[2, 2]) else 0.0
    skew_err = max(se_skew, abs(b_hi[1] - b_lo[1]) / scale)
    curv_err = max(se_curv, 2.0 * abs(b_hi[2] - b_lo[2]) / scale ** 2)
    return dict(skew=float(skew), curvature=float(curv), atm_vol=float(b_hi[0]),
                skew_err=float(skew_err), curvature_err=float(curv_err), degree=degree)


def variogram_hurst(x, lags=None, dt=1.0):
    """Hurst exponent from the variogram of a regularly sampled path x (spacing dt).

    Returns dict(H, H_se, prefactor, lags, variogram, r2)."""
    x = array("x", x, ndim=1)
    dt = real("dt", dt, 0.0, None, lo_open=True)
    if lags is None:
        lags = np.unique(np.round(np.geomspace(1, max(2, x.shape[0] // 10), 12)).astype(int))
    lags = array("lags", lags, ndim=1, lo=1, dtype=np.int64)
    if lags.shape[0] < 3:
        raise ValueError(f"lags must have at least 3 distinct entries, got {lags.tolist()}")
    if int(lags.max()) >= x.shape[0] - 1:
        raise ValueError(f"lags must be < len(x) - 1 = {x.shape[0] - 1}, got max lag {int(lags.max())}")
    m = np.array([np.mean((x[L:] - x[:-L]) ** 2) for L in lags])
    if np.any(m <= 0.0):
        raise ValueError("x has zero increments at some lag (constant path?)")
    fit = fit_power_law(lags * dt, m)
    return dict(H=fit["exponent"] / 2.0, H_se=fit["exponent_se"] / 2.0, prefactor=fit["prefactor"],
                lags=lags, variogram=m, r2=fit["r2"])


def _gauss_jacobi(n, beta_exp):
    from scipy.special import roots_jacobi
    # weight (1 - x)^0 (1 + x)^beta_exp on [-1, 1]
    return roots_jacobi(n, 0.0, beta_exp)


def volterra_power_integral(H, T, f=None, nodes=32):
    """int_0^T u^(H - 1/2) f(u) du (f vectorised callable, default 1); returns (value, error).

    H in (0, 1); u = T (1 + x)/2 maps the weight u^(H-1/2) to Gauss-Jacobi's (1 + x)^(H-1/2)."""
    H = real("H", H, 0.0, 1.0, lo_open=True, hi_open=True)
    T = real("T", T, 0.0, None, lo_open=True)
    nodes = integer("nodes", nodes, 1, 2000)
    if f is not None and not callable(f):
        raise ValueError(f"f must be callable or None, got {f!r}")
    g = H - 0.5

    def rule(n):
        x, w = _gauss_jacobi(n, g)
        u = 0.5 * T * (1.0 + x)
        vals = np.ones_like(u) if f is None else np.asarray(f(u), dtype=float)
        if vals.shape != u.shape or not np.all(np.isfinite(vals)):
            raise ValueError("f must return finite values of the same shape as its argument")
        return (0.5 * T) ** (g + 1.0) * float(w @ vals)

    v1, v2 = rule(nodes), rule(2 * nodes)
    return v2, abs(v2 - v1)
