"""Shared helpers of the part 13-26 observables (b_*.py): parameter reading and fits.

Observables receive the registry entry's whole ``params`` dict (theorem variables that are
substituted into the claim sit next to model parameters), so they read only the keys they
use and ignore the others.  Model parameters have documented defaults; rBergomi parameters
are ``eta, rho, xi0`` (and the hedge volatility ``sigma``), rough Heston parameters are
prefixed ``rh_`` (``rh_eta, rh_rho, rh_kappa, rh_theta, rh_V0``) because the two models'
vol-of-vol mean different things.  The Hurst index is ``H`` or ``h`` (the theorem's own
name).
"""

from __future__ import annotations

import math

import numpy as np

from numerics.estimators import fit_power_law

from .base import Value

__all__ = ["hurst", "real", "integer", "need_seed", "grid", "loglog_fit", "weighted_loglog_fit",
           "diff", "H_KEYS"]

H_KEYS = ("H", "h")


def real(params, key, default=None, lo=None, hi=None, lo_open=False, hi_open=False):
    """params[key] as a float in the given range (default when absent and a default exists)."""
    if key not in params or params[key] is None:
        if default is None:
            raise ValueError(f"parameter {key!r} is required")
        return float(default)
    x = params[key]
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"parameter {key!r} must be a number, got {x!r}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"parameter {key!r} must be finite, got {x!r}")
    bad_lo = lo is not None and (x <= lo if lo_open else x < lo)
    bad_hi = hi is not None and (x >= hi if hi_open else x > hi)
    if bad_lo or bad_hi:
        lb = "(" if lo_open else "["
        rb = ")" if hi_open else "]"
        raise ValueError(f"parameter {key!r} must be in {lb}{lo}, {hi}{rb}, got {x!r}")
    return x


def integer(params, key, default, lo, hi):
    x = params.get(key, default)
    if isinstance(x, bool) or not isinstance(x, (int, float)) or float(x) != int(x):
        raise ValueError(f"parameter {key!r} must be an integer, got {x!r}")
    x = int(x)
    if not lo <= x <= hi:
        raise ValueError(f"parameter {key!r} must be in [{lo}, {hi}], got {x}")
    return x


def hurst(params, key=None, hi=0.5):
    """The Hurst index: params[key] if key is given, else H or h (one of them, or equal)."""
    if key is not None:
        return real(params, key, None, 0.0, hi, lo_open=True)
    present = [k for k in H_KEYS if k in params and params[k] is not None]
    if not present:
        raise ValueError("parameter 'H' (or 'h') is required")
    vals = {k: real(params, k, None, 0.0, hi, lo_open=True) for k in present}
    if len(set(vals.values())) > 1:
        raise ValueError(f"parameters 'H' and 'h' disagree: {vals}")
    return next(iter(vals.values()))


def need_seed(seed, name):
    if seed is None or isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"observable {name} is a Monte Carlo measurement and needs an integer seed, "
                         f"got {seed!r}")
    return seed


def grid(params, lo_default, hi_default, n_default, quick, n_quick=None):
    """Geometric maturity grid from T_min, T_max, n_T (n_T_quick in quick mode)."""
    lo = real(params, "T_min", lo_default, 0.0, 10.0, lo_open=True)
    hi = real(params, "T_max", hi_default, 0.0, 10.0, lo_open=True)
    if not hi > lo:
        raise ValueError(f"T_max must exceed T_min, got T_min={lo!r}, T_max={hi!r}")
    n = integer(params, "n_T", n_default, 3, 64)
    if quick and n_quick is not None:
        n = min(n, n_quick)
    return np.geomspace(lo, hi, n)


def loglog_fit(x, y):
    """Unweighted log-log fit of |y| on x (deterministic data): exponent and prefactor as
    Values, SE from the residuals (so a curved log-log line reports a large SE)."""
    y = np.abs(np.asarray(y, float))
    if not np.all(y > 0):
        raise ValueError("the measured quantity vanishes at some maturity: no power law to fit")
    f = fit_power_law(x, y)
    return Value(f.exponent, f.exponent_se), Value(f.prefactor, f.prefactor_se), f


def weighted_loglog_fit(x, y, se):
    """Weighted log-log fit of Monte Carlo estimates y +- se (weights from se(log y) = se/y).

    Returns (exponent, prefactor, chi2) with exponent and prefactor as Values; their SEs are
    the weighted (noise) SEs scaled up by sqrt(chi^2/dof) when the points scatter more than
    their noise (lack of fit), never scaled down."""
    x, y, se = (np.asarray(a, float) for a in (x, y, se))
    if not (np.all(y > 0) and np.all(se > 0)):
        raise ValueError("Monte Carlo estimates must be positive with positive SEs to fit a power law")
    lx, ly, s = np.log(x), np.log(y), se / y
    w = 1.0 / (s * s)
    X = np.column_stack([np.ones_like(lx), lx])
    cov = np.linalg.inv(X.T @ (w[:, None] * X))
    c, b = cov @ (X.T @ (w * ly))
    resid = (ly - c - b * lx) / s
    chi2 = float(resid @ resid)
    dof = x.size - 2
    scale = math.sqrt(max(1.0, chi2 / dof)) if dof > 0 else 1.0
    pref = math.exp(c)
    return (Value(float(b), math.sqrt(cov[1, 1]) * scale),
            Value(pref, pref * math.sqrt(cov[0, 0]) * scale), chi2)


def diff(a: Value, b: Value) -> Value:
    """a - b with independent errors (conservative for common random numbers)."""
    return Value(a.value - b.value, math.hypot(a.se, b.se))


def two_hurst(params, kind):
    """Hurst indices of the pair (h1, h2), shift (h, h + dh) or shift2 (h, h + dH1, h + dH2)
    families; every index must lie in (0, 1/2]."""
    if kind == "pair":
        return hurst(params, "h1"), hurst(params, "h2")
    h = hurst(params)
    out = [h]
    for key in {"shift": ("dh",), "shift2": ("dH1", "dH2")}[kind]:
        d = real(params, key, None, -0.5, 0.5)
        if not 0.0 < h + d <= 0.5:
            raise ValueError(f"h + {key} must be in (0, 0.5], got h={h!r}, {key}={d!r}")
        out.append(round(h + d, 12))
    return tuple(out)


def register_pair_and_shift(base, kernel, what, fn):
    """Register ``<base>_pair`` (params h1, h2 -> at_h1, at_h2, difference = at_h1 - at_h2) and
    ``<base>_shift`` (params h, dh -> at_h, at_h_dh, shift = at_h_dh - at_h) for a measurement
    ``fn(params, seed, quick, H) -> (Value, detail)``."""
    from .base import Measurement, observable

    @observable(f"{base}_pair", kernel=kernel, description=f"{what} at two Hurst indices h1 and h2",
                outputs=("at_h1", "at_h2", "difference"))
    def pair(params, seed, quick):
        h1, h2 = two_hurst(params, "pair")
        (e1, d1), (e2, d2) = fn(params, seed, quick, h1), fn(params, seed, quick, h2)
        return Measurement({"at_h1": e1, "at_h2": e2, "difference": diff(e1, e2)}, {"h1": d1, "h2": d2})

    @observable(f"{base}_shift", kernel=kernel,
                description=f"{what} at h and h + dh, and the shift (finite-difference sensitivity to H)",
                outputs=("at_h", "at_h_dh", "shift"))
    def shift(params, seed, quick):
        h, h2 = two_hurst(params, "shift")
        (e1, d1), (e2, d2) = fn(params, seed, quick, h), fn(params, seed, quick, h2)
        return Measurement({"at_h": e1, "at_h_dh": e2, "shift": diff(e2, e1)}, {"h": d1, "h_dh": d2})

    return pair, shift
