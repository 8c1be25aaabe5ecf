"""Estimators for exponent laws (public, validating; plain NumPy, no kernel needed).

* ``fit_power_law(x, y, y_se=None)`` -> ``PowerLawFit``: y = c x^p by least squares on
  (log x, log y); exponent, prefactor and their standard errors (from the residual
  variance of the log-log fit, or from the given standard errors of y when weighted).
  The one power-law fit of the package: ``rbergomi.fit_power_law`` returns the same type.
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

import dataclasses
import math
import warnings

import numpy as np

from numerics._validate import array, integer, real

__all__ = ["PowerLawFit", "fit_power_law", "smile_skew_curvature", "variogram_hurst", "volterra_power_integral"]


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


@dataclasses.dataclass(frozen=True)
class PowerLawFit:
    """Result of a log-log fit y = prefactor * x^exponent (``fit_power_law``).

    Attributes
    ----------
    exponent, exponent_se : float
        The fitted exponent p and its standard error.
    prefactor, prefactor_se : float
        c = exp(log_prefactor) (in the units of y per unit of x^p) and its standard error
        (delta method).
    log_prefactor, log_prefactor_se : float
        The intercept of the log-log line and its standard error.
    r2 : float
        Coefficient of determination of the (weighted) log-log fit; NaN for data without spread.
    n : int
        Number of points.
    weighted : bool
        True when standard errors of y were given (weighted least squares, the errors taken
        as known), False for ordinary least squares (errors from the residuals).
    """
    exponent: float
    exponent_se: float
    prefactor: float
    prefactor_se: float
    log_prefactor: float
    log_prefactor_se: float
    r2: float
    n: int
    weighted: bool = False

    def __getitem__(self, key):
        """Deprecated dict-style access (``fit["exponent"]``): use the attribute."""
        if key not in _FIT_FIELDS:
            raise KeyError(key)
        warnings.warn(f'fit["{key}"] is deprecated: fit_power_law returns a PowerLawFit; use fit.{key}',
                      DeprecationWarning, stacklevel=2)
        return getattr(self, key)

    def __iter__(self):
        """Deprecated tuple unpacking ``beta, beta_se, A = fit`` (the old ``rbergomi.fit_power_law``)."""
        warnings.warn("unpacking a PowerLawFit is deprecated: use fit.exponent, fit.exponent_se, fit.prefactor",
                      DeprecationWarning, stacklevel=2)
        return iter((self.exponent, self.exponent_se, self.prefactor))


_FIT_FIELDS = tuple(f.name for f in dataclasses.fields(PowerLawFit))


def fit_power_law(x, y, y_se=None):
    """Fit y = prefactor * x^exponent by least squares on (log x, log y).

    Parameters
    ----------
    x : array_like, shape (n,)
        Positive abscissae (e.g. maturities in years, lags in time units).
    y : array_like, shape (n,)
        Positive values (pass |y| for a negative law such as the ATM skew).
    y_se : array_like, shape (n,), optional
        Standard errors of y (same units as y).  When given, the fit is weighted by
        1 / se(log y)^2 with se(log y) = y_se / y and the standard errors of the result come
        from these errors (n >= 2); when omitted, ordinary least squares with standard
        errors from the residual variance (n >= 3).

    Returns
    -------
    PowerLawFit
        exponent, prefactor, their standard errors, r2, n.

    Raises
    ------
    ValueError
        Naming the parameter for non-positive, non-finite or non-numeric entries, shape
        mismatches, too few points or a single distinct x.

    Examples
    --------
    >>> import numpy as np
    >>> from numerics.estimators import fit_power_law
    >>> x = np.array([0.01, 0.02, 0.05, 0.1])
    >>> fit = fit_power_law(x, 0.3 * x ** -0.4)
    >>> round(fit.exponent, 12), round(fit.prefactor, 12)
    (-0.4, 0.3)
    """
    x = array("x", x, ndim=1, lo=0.0, lo_open=True)
    y = array("y", y, ndim=1, lo=0.0, lo_open=True)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    weighted = y_se is not None
    if weighted:
        se = array("y_se", y_se, ndim=1, lo=0.0, lo_open=True)
        if se.shape != y.shape:
            raise ValueError(f"y_se must have the shape of y {y.shape}, got {se.shape}")
    need = 2 if weighted else 3
    if x.shape[0] < need:
        raise ValueError(f"x must have at least {need} points{' (unweighted fit: standard errors need a residual degree of freedom)' if not weighted else ''}, got {x.shape[0]}")
    if np.ptp(np.log(x)) == 0.0:
        raise ValueError("x must contain at least two distinct values")
    lx, ly = np.log(x), np.log(y)
    X = np.column_stack([np.ones_like(lx), lx])
    if weighted:
        w = (y / se) ** 2                      # 1 / se(log y)^2
        A = X.T @ (w[:, None] * X)
        cov = np.linalg.inv(A)
        beta = cov @ (X.T @ (w * ly))
        resid = ly - X @ beta
        lbar = float(np.sum(w * ly) / np.sum(w))
        ss_tot = float(np.sum(w * (ly - lbar) ** 2))
        r2 = 1.0 - float(np.sum(w * resid * resid)) / ss_tot if ss_tot > 1e-24 * float(np.sum(w * ly * ly)) \
            else float("nan")
    else:
        beta, cov, _, r2 = _ols(X, ly)
    c = math.exp(beta[0])
    if not (math.isfinite(c) and math.isfinite(beta[1])):
        raise ValueError(f"the fitted prefactor exp({float(beta[0])!r}) leaves the double range: rescale x or y")
    return PowerLawFit(exponent=float(beta[1]), exponent_se=float(math.sqrt(cov[1, 1])),
                       prefactor=c, prefactor_se=c * float(math.sqrt(cov[0, 0])),
                       log_prefactor=float(beta[0]), log_prefactor_se=float(math.sqrt(cov[0, 0])),
                       r2=float(r2), n=int(x.shape[0]), weighted=weighted)


def smile_skew_curvature(k, iv, degree=4):
    """ATM skew and curvature of a smile sigma(k) sampled at log-moneyness k (around 0).

    Fits polynomials of degree ``degree`` and ``degree - 2`` (least squares in k / max|k|); the
    error estimate is the larger of the fit's standard error and the change between the two
    degrees.

    Parameters
    ----------
    k : array_like, shape (n,)
        Log-moneyness log(K / F) (dimensionless), bracketing 0; n >= degree + 2.
    iv : array_like, shape (n,)
        Implied volatilities (per sqrt(year)), > 0.
    degree : int
        In [2, 8].

    Returns
    -------
    dict
        skew (d sigma / dk), curvature (d^2 sigma / dk^2), atm_vol, skew_err, curvature_err, degree.

    Examples
    --------
    >>> import numpy as np
    >>> from numerics.estimators import smile_skew_curvature
    >>> k = np.linspace(-0.1, 0.1, 11)
    >>> r = smile_skew_curvature(k, 0.2 - 0.3 * k + 1.5 * k ** 2)
    >>> round(r["skew"], 9), round(r["curvature"], 7)
    (-0.3, 3.0)
    """
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
    """Hurst exponent from the variogram m(L) = mean (x_{t+L} - x_t)^2 ~ L^(2H) of a regularly sampled path.

    Parameters
    ----------
    x : array_like, shape (n,)
        The path.
    lags : array_like of int, optional
        At least 3 lags (grid steps) below n - 1; default: 12 geometric lags up to n / 10.
    dt : float
        Sampling interval (years), > 0.

    Returns
    -------
    dict
        H, H_se (a lower bound: increments at one lag overlap), prefactor, lags, variogram, r2.

    Examples
    --------
    >>> from numerics import fbm
    >>> from numerics.estimators import variogram_hurst
    >>> x = fbm.davies_harte(8192, 0.3, rng=3)[0]
    >>> abs(variogram_hurst(x)["H"] - 0.3) < 0.05
    True
    """
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
    return dict(H=fit.exponent / 2.0, H_se=fit.exponent_se / 2.0, prefactor=fit.prefactor,
                lags=lags, variogram=m, r2=fit.r2)


def _gauss_jacobi(n, beta_exp):
    from scipy.special import roots_jacobi
    # weight (1 - x)^0 (1 + x)^beta_exp on [-1, 1]
    return roots_jacobi(n, 0.0, beta_exp)


def volterra_power_integral(H, T, f=None, nodes=32):
    """int_0^T u^(H - 1/2) f(u) du by Gauss-Jacobi quadrature (weight u^(H-1/2) carried exactly).

    Parameters
    ----------
    H : float
        In (0, 1).
    T : float
        Upper limit (years), > 0.
    f : callable, optional
        Vectorised f(u) returning finite values; default 1.
    nodes : int
        Nodes of the coarse rule, in [1, 2000] (the error compares n and 2n nodes).

    Returns
    -------
    (float, float)
        Value and error estimate.

    Examples
    --------
    >>> from numerics.estimators import volterra_power_integral
    >>> val, err = volterra_power_integral(0.1, 2.0)
    >>> round(val, 12) == round(2.0 ** 0.6 / 0.6, 12)
    True
    """
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
