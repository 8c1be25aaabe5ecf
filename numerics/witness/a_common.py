"""Shared helpers of the part-1..12 observables (a_*.py): parameter reading and fits.

Parameters arrive as the registry entry's ``params`` at one sweep point; every observable
of an entry receives all of them, so an observable reads the names it knows and leaves
the others alone.  The names it reads are validated here (ValueError naming the
parameter, the range and the value).  The Hurst index is read from ``H`` or, for the
theorems stated in lower-case ``h``, from ``h`` (giving both with different values is an
error).
"""
from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

from numerics import _validate as v
from numerics.estimators import fit_power_law


def real(params, name, default=None, lo=None, hi=None, lo_open=False, hi_open=False):
    if name not in params:
        if default is None:
            raise ValueError(f"missing parameter {name!r} (got {sorted(params)})")
        return float(default)
    return v.real(name, params[name], lo, hi, lo_open, hi_open)


def integer(params, name, default=None, lo=None, hi=None):
    if name not in params:
        if default is None:
            raise ValueError(f"missing parameter {name!r} (got {sorted(params)})")
        return int(default)
    val = params[name]
    # registry numbers may be written 2 or 2.0; anything non-integral is an error
    if isinstance(val, Real) and not isinstance(val, (bool, Integral)) and float(val).is_integer():
        val = int(val)
    return v.integer(name, val, lo, hi)


def hurst(params, lo=0.0, hi=0.5, lo_open=True, hi_open=True, names=("H", "h")):
    """The Hurst index from ``H`` (or ``h``), validated in the given range."""
    found = [(k, params[k]) for k in names if k in params]
    if not found:
        raise ValueError(f"missing Hurst index: give one of {list(names)} (got {sorted(params)})")
    vals = {k: v.real(k, x, lo, hi, lo_open, hi_open) for k, x in found}
    if len(set(vals.values())) > 1:
        raise ValueError(f"Hurst index given twice with different values: {vals}")
    return next(iter(vals.values()))


def seed_of(seed, default=20261121):
    if seed is None:
        return default
    if isinstance(seed, bool) or not isinstance(seed, (Integral, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
    return int(seed)


def slope_se_from_rel_errors(x, rel_err):
    """Standard error of an OLS log-log slope caused by independent relative errors of y."""
    lx = np.log(np.asarray(x, float))
    c = lx - lx.mean()
    return float(math.sqrt(np.sum(c * c * np.asarray(rel_err, float) ** 2)) / np.sum(c * c))


def power_fit(x, y, rel_err=None):
    """Exponent of |y| ~ x^p with its SE: the larger of the residual SE of the log-log
    fit and the SE propagated from the relative errors of y (when given)."""
    y = np.abs(np.asarray(y, float))
    fit = fit_power_law(x, y)
    se = fit.exponent_se
    if rel_err is not None:
        se = max(se, slope_se_from_rel_errors(x, rel_err))
    return fit.exponent, se, fit


def batch_slope(x, samples_fn, n_batches):
    """Exponent of a log-log fit of a Monte Carlo curve with a batch-means SE.

    ``samples_fn(b)`` returns the curve (one value per x) estimated from batch b; the
    exponent is fitted to the mean curve, its SE is the spread of the per-batch
    exponents / sqrt(n_batches) (the points of one curve share paths, so the residual
    SE of one fit would not be a standard error)."""
    curves = np.array([samples_fn(b) for b in range(n_batches)])
    mean = curves.mean(axis=0)
    p = fit_power_law(x, np.abs(mean)).exponent
    per = np.array([fit_power_law(x, np.abs(c)).exponent for c in curves])
    return p, float(per.std(ddof=1) / math.sqrt(n_batches)), mean, curves


def lst(a):
    return [float(x) for x in np.asarray(a, float).ravel()]
