"""SABR (Hagan et al. 2002, lognormal expansion) and the per-slice quadratic smile
(public, validating).

* ``hagan_vol(K, F, T, alpha, beta, rho, nu)``: Black implied volatility of the SABR model,

      sigma_B = alpha / ((F K)^((1-b)/2) [1 + (1-b)^2/24 l^2 + (1-b)^4/1920 l^4]) * z / x(z)
                * [1 + ((1-b)^2/24 alpha^2 / (F K)^(1-b) + rho b nu alpha / (4 (F K)^((1-b)/2))
                       + (2 - 3 rho^2)/24 nu^2) T],
      l = log(F/K),  z = nu/alpha (F K)^((1-b)/2) l,
      x(z) = log((sqrt(1 - 2 rho z + z^2) + z - rho) / (1 - rho)),

  with z/x(z) from its Taylor series 1 - rho z/2 + (2 - 3 rho^2) z^2/12 for |z| < 1e-6
  (the ATM limit, where the closed form is 0/0) and nu = 0 handled as z/x = 1.
* ``calibrate_slice(K, F, T, vols, beta=1, weights=None)``: (alpha, rho, nu) of one
  maturity by weighted least squares on implied vols (bounded trust region).
* ``atm_skew(...)``: d sigma_B / d log(K/F) at the money of a SABR slice;
  ``skew_power_law(T, skew, skew_err=None)``: H from |skew| ~ T^(H - 1/2) across slices
  (weighted log-log least squares, with a standard error) -- the "implied H from a SABR
  term structure" of §9.3.
* ``sabr_delta(K, F, T, alpha, beta, rho, nu)``: call delta dC/dF + vega d sigma_B/dF (the
  smile moves with F as the SABR formula says) and Black vega, forward units, undiscounted;
  ``corrected_delta(delta, vega, S, rho_sv, c, T, H)``: §9.3's rough-vol correction
  delta + (vega / S) rho_sv c T^(H - 1/2).
* ``quadratic_slice(K, S, vols, weights=None)``: the paper's §9.5 benchmark
  sigma(K) = a + b m + c m^2, m = K/S - 1, by weighted linear least squares;
  ``quadratic_vol(K, S, coef)`` evaluates it.
"""
from __future__ import annotations

import math

import numpy as np

from numerics._validate import array, real

__all__ = ["hagan_vol", "calibrate_slice", "quadratic_slice", "quadratic_vol", "SABRSlice",
           "atm_skew", "skew_power_law", "sabr_delta", "corrected_delta"]


def _check_params(alpha, beta, rho, nu):
    alpha = real("alpha", alpha, 0.0, None, lo_open=True)
    beta = real("beta", beta, 0.0, 1.0)
    rho = real("rho", rho, -1.0, 1.0, lo_open=True, hi_open=True)
    nu = real("nu", nu, 0.0, None)
    return alpha, beta, rho, nu


def _z_over_x(z, rho):
    z = np.asarray(z, float)
    small = np.abs(z) < 1e-6
    zs = np.where(small, 1.0, z)
    with np.errstate(all="ignore"):
        x = np.log((np.sqrt(1.0 - 2.0 * rho * zs + zs * zs) + zs - rho) / (1.0 - rho))
        ratio = zs / x
    series = 1.0 - 0.5 * rho * z + (2.0 - 3.0 * rho * rho) * z * z / 12.0
    return np.where(small, series, ratio)


def _hagan(K, F, T, alpha, beta, rho, nu):
    omb = 1.0 - beta
    l = np.log(F / K)
    fk = (F * K) ** (0.5 * omb)
    denom = fk * (1.0 + omb * omb / 24.0 * l * l + omb ** 4 / 1920.0 * l ** 4)
    z = nu / alpha * fk * l
    zx = _z_over_x(z, rho) if nu > 0 else 1.0
    corr = 1.0 + (omb * omb / 24.0 * alpha * alpha / (fk * fk) + 0.25 * rho * beta * nu * alpha / fk
                  + (2.0 - 3.0 * rho * rho) / 24.0 * nu * nu) * T
    return alpha / denom * zx * corr


def hagan_vol(K, F, T, alpha, beta, rho, nu):
    """Hagan's lognormal SABR implied volatility (annualised) for strikes ``K`` (array or
    scalar, > 0), forward ``F`` (> 0), maturity ``T`` (years, > 0) and SABR parameters
    alpha > 0, beta in [0, 1], rho in (-1, 1), nu >= 0 (vol of vol, per sqrt(year))."""
    K = array("K", np.atleast_1d(K), ndim=1, lo=0.0, lo_open=True)
    F = real("F", F, 0.0, None, lo_open=True)
    T = real("T", T, 0.0, 100.0, lo_open=True)
    alpha, beta, rho, nu = _check_params(alpha, beta, rho, nu)
    return _hagan(K, F, T, alpha, beta, rho, nu)


class SABRSlice(dict):
    """Fitted slice: keys alpha, beta, rho, nu, T, F, rmse_bps, residuals_bps."""

    def vol(self, K):
        return hagan_vol(K, self["F"], self["T"], self["alpha"], self["beta"], self["rho"], self["nu"])


def _weights(weights, n):
    if weights is None:
        return np.ones(n)
    w = array("weights", weights, ndim=1, lo=0.0)
    if w.shape[0] != n:
        raise ValueError(f"weights must have length {n} (one per strike), got {w.shape[0]}")
    if not (w > 0).any():
        raise ValueError("weights must not all be 0")
    return w


def calibrate_slice(K, F, T, vols, beta=1.0, weights=None, start=None):
    """Fit (alpha, rho, nu) of one maturity to implied vols (weighted least squares).

    Parameters
    ----------
    K : strikes (> 0), at least 3.  F : forward (> 0).  T : maturity in years (> 0).
    vols : market implied vols (> 0), one per strike.  beta : fixed CEV exponent in [0, 1].
    weights : optional non-negative weights per strike.  start : optional (alpha, rho, nu).

    Returns
    -------
    SABRSlice (a dict with alpha, beta, rho, nu, T, F, rmse_bps (weighted), residuals_bps).
    """
    from scipy.optimize import least_squares

    K = array("K", K, ndim=1, lo=0.0, lo_open=True)
    vols = array("vols", vols, ndim=1, lo=0.0, lo_open=True)
    if K.shape != vols.shape:
        raise ValueError(f"K and vols must have the same length, got {K.shape[0]} and {vols.shape[0]}")
    if K.shape[0] < 3:
        raise ValueError(f"a SABR slice needs at least 3 strikes (3 parameters), got {K.shape[0]}")
    F = real("F", F, 0.0, None, lo_open=True)
    T = real("T", T, 0.0, 100.0, lo_open=True)
    beta = real("beta", beta, 0.0, 1.0)
    w = np.sqrt(_weights(weights, K.shape[0]))
    atm = float(vols[np.argmin(np.abs(np.log(K / F)))])
    x0 = np.array([atm * F ** (1.0 - beta), -0.3, 0.5]) if start is None else np.asarray(start, float)
    lo = np.array([1e-6, -0.999, 0.0])
    hi = np.array([np.inf, 0.999, 10.0])
    x0 = np.clip(x0, lo + 1e-9, np.minimum(hi, 1e6) - 1e-9)

    def fun(x):
        return w * (_hagan(K, F, T, x[0], beta, x[1], x[2]) - vols)

    res = least_squares(fun, x0, bounds=(lo, hi), method="trf", x_scale="jac",
                        ftol=1e-12, xtol=1e-12, gtol=1e-12, max_nfev=500)
    a, r, n = res.x
    e = _hagan(K, F, T, a, beta, r, n) - vols
    ww = w * w
    return SABRSlice(alpha=float(a), beta=beta, rho=float(r), nu=float(n), T=T, F=F,
                     rmse_bps=float(np.sqrt(np.sum(ww * e * e) / np.sum(ww))) * 1e4,
                     residuals_bps=e * 1e4, converged=bool(res.status > 0))


def quadratic_slice(K, S, vols, weights=None):
    """The paper's per-slice benchmark sigma(K) = a + b m + c m^2, m = K/S - 1, fitted by
    weighted linear least squares; returns dict(a, b, c, rmse_bps (weighted), residuals_bps)."""
    K = array("K", K, ndim=1, lo=0.0, lo_open=True)
    vols = array("vols", vols, ndim=1, lo=0.0, lo_open=True)
    S = real("S", S, 0.0, None, lo_open=True)
    if K.shape != vols.shape:
        raise ValueError(f"K and vols must have the same length, got {K.shape[0]} and {vols.shape[0]}")
    if K.shape[0] < 3:
        raise ValueError(f"a quadratic slice needs at least 3 strikes, got {K.shape[0]}")
    w = np.sqrt(_weights(weights, K.shape[0]))
    m = K / S - 1.0
    X = np.stack([np.ones_like(m), m, m * m], axis=1)
    coef = np.linalg.lstsq(X * w[:, None], vols * w, rcond=None)[0]
    e = X @ coef - vols
    ww = w * w
    return dict(a=float(coef[0]), b=float(coef[1]), c=float(coef[2]),
                rmse_bps=float(np.sqrt(np.sum(ww * e * e) / np.sum(ww))) * 1e4, residuals_bps=e * 1e4)


def quadratic_vol(K, S, coef):
    """Evaluate a + b m + c m^2 at m = K/S - 1 (``coef`` a dict with a, b, c)."""
    K = array("K", np.atleast_1d(K), ndim=1, lo=0.0, lo_open=True)
    S = real("S", S, 0.0, None, lo_open=True)
    m = K / S - 1.0
    return coef["a"] + coef["b"] * m + coef["c"] * m * m


def atm_skew(F, T, alpha, beta, rho, nu, h=1e-4):
    """d sigma_B / d k at k = log(K/F) = 0 of Hagan's formula (central difference in k)."""
    F = real("F", F, 0.0, None, lo_open=True)
    T = real("T", T, 0.0, 100.0, lo_open=True)
    alpha, beta, rho, nu = _check_params(alpha, beta, rho, nu)
    v = _hagan(F * np.exp(np.array([-h, h])), F, T, alpha, beta, rho, nu)
    return float((v[1] - v[0]) / (2.0 * h))


def skew_power_law(T, skew, skew_err=None):
    """Fit |skew(T)| = c T^(H - 1/2): weighted least squares of log|skew| on log T
    (weights (skew / skew_err)^2 when errors are given).  Returns dict(H, H_se, c)."""
    T = array("T", T, ndim=1, lo=0.0, lo_open=True)
    skew = array("skew", skew, ndim=1)
    if T.shape != skew.shape or T.shape[0] < 3:
        raise ValueError(f"T and skew need the same length >= 3, got {T.shape[0]} and {skew.shape[0]}")
    if np.any(skew == 0):
        raise ValueError("skew must be non-zero (log |skew|)")
    y = np.log(np.abs(skew))
    if skew_err is None:
        w = np.ones_like(T)
    else:
        err = array("skew_err", skew_err, ndim=1, lo=0.0)
        w = 1.0 / np.maximum(err / np.abs(skew), 1e-3) ** 2
    X = np.stack([np.ones_like(T), np.log(T)], axis=1)
    sw = np.sqrt(w)[:, None]
    beta = np.linalg.lstsq(X * sw, y * sw[:, 0], rcond=None)[0]
    r = (y - X @ beta) * sw[:, 0]
    s2 = float(r @ r) / (T.shape[0] - 2)
    cov = s2 * np.linalg.inv((X * sw).T @ (X * sw))
    return dict(H=0.5 + float(beta[1]), H_se=float(math.sqrt(max(cov[1, 1], 0.0))),
                c=float(math.exp(beta[0])))


def sabr_delta(K, F, T, alpha, beta, rho, nu, h=1e-5):
    """(delta, vega) of calls under SABR: delta = dC/dF + vega d sigma_B / dF (central
    difference in F), vega = dC/d sigma (Black, forward units, no discounting)."""
    from scipy.special import ndtr
    K = array("K", np.atleast_1d(K), ndim=1, lo=0.0, lo_open=True)
    F = real("F", F, 0.0, None, lo_open=True)
    T = real("T", T, 0.0, 100.0, lo_open=True)
    alpha, beta, rho, nu = _check_params(alpha, beta, rho, nu)
    sig = _hagan(K, F, T, alpha, beta, rho, nu)
    dsig = (_hagan(K, F * (1 + h), T, alpha, beta, rho, nu)
            - _hagan(K, F * (1 - h), T, alpha, beta, rho, nu)) / (2 * h * F)
    sd = sig * math.sqrt(T)
    d1 = np.log(F / K) / sd + 0.5 * sd
    vega = F * np.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi) * math.sqrt(T)
    return ndtr(d1) + vega * dsig, vega


def corrected_delta(delta, vega, S, rho_sv, c, T, H):
    """§9.3: delta_corr = delta_SABR + (vega_SABR / S) rho_sv c T^(H - 1/2)."""
    delta = array("delta", np.atleast_1d(delta), ndim=1)
    vega = array("vega", np.atleast_1d(vega), ndim=1, lo=0.0)
    S = real("S", S, 0.0, None, lo_open=True)
    rho_sv = real("rho_sv", rho_sv, -1.0, 1.0)
    c = real("c", c)
    T = real("T", T, 0.0, 100.0, lo_open=True)
    H = real("H", H, 0.0, 1.0, lo_open=True)
    return delta + vega / S * rho_sv * c * T ** (H - 0.5)
