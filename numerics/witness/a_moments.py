"""Parts 3 and 11: moment scaling of the rough log-variance, measured by Monte Carlo.

Under the paper's model log sigma^2(t) = log xi0 + eta W^H_t - eta^2 t^(2H) / 2 the centred
log-variance is eta W^H_t.  Exact fBM paths (Davies-Harte, numerics.fbm) on [0, 1], 256
steps; X_t = eta W^H_t centred by its sample mean at each t.  Fitted over 9 times
t in [1/256, 1] (each a log-log fit of a sample curve; SE = spread of the per-batch fits /
sqrt(batches), the points of one curve share paths):

* ``exponent``: the exponent of E[X_t^(2n)] (the 2n-th moment), and ``exponent_next``
  the same for n + 1;
* ``variance_exponent``: the exponent of E[X_t^2];
* ``kurtosis_exponent``: the exponent of E[X_t^4] / E[X_t^2]^2 (0 when the kurtosis does
  not depend on t);
* ``variogram_exponent`` and ``structure4_exponent``: the exponents in the lag L of the
  second and fourth moments of the increments X_{t+L} - X_t (lags 1..64 steps).
"""
from __future__ import annotations

import functools

import numpy as np

from numerics import fbm

from .a_common import batch_slope, hurst, integer, lst, real, seed_of
from .base import Measurement, Value, observable

_KERNEL = "numerics.fbm (Davies-Harte Monte Carlo)"
_N = 256
_BATCHES = 20


@functools.lru_cache(maxsize=2)
def _paths(H, seed, quick):
    n_paths = 4_000 if quick else 40_000
    X = fbm.davies_harte(_N, H, 1.0, n_paths, rng=seed)
    return X - X.mean(axis=0)


def _moment_exponent(X, idx, t, order):
    B = np.array_split(np.arange(X.shape[0]), _BATCHES)
    p, se, mean, _ = batch_slope(t, lambda b: np.mean(X[B[b]][:, idx] ** order, axis=0), _BATCHES)
    return p, se, mean


def _kurtosis_exponent(X, idx, t):
    B = np.array_split(np.arange(X.shape[0]), _BATCHES)

    def kurt(b):
        x = X[B[b]][:, idx]
        return np.mean(x ** 4, axis=0) / np.mean(x ** 2, axis=0) ** 2
    p, se, mean, _ = batch_slope(t, kurt, _BATCHES)
    return p, se, mean


def _structure_exponent(X, lags, order):
    B = np.array_split(np.arange(X.shape[0]), _BATCHES)

    def sf(b):
        x = X[B[b]]
        return np.array([np.mean(np.abs(x[:, L:] - x[:, :-L]) ** order) for L in lags])
    p, se, mean, _ = batch_slope(lags / _N, sf, _BATCHES)
    return p, se, mean


def _setup(params, seed, quick):
    H = hurst(params, 0.0, 1.0)
    eta = real(params, "eta", 1.0, 0.0, 10.0, lo_open=True)
    X = eta * _paths(H, seed_of(seed), bool(quick))
    idx = np.unique(np.round(np.geomspace(1, _N, 9)).astype(int))
    return H, X, idx, idx / _N


@observable("a_logvar_moments", kernel=_KERNEL,
            description="fitted time exponents of the 2n-th and 2(n+1)-th moments, the variance and "
                        "the kurtosis of the centred rough log-variance, and the lag exponents of its "
                        "2nd and 4th increment moments (exact fBM Monte Carlo)",
            outputs=("exponent", "exponent_next", "variance_exponent", "kurtosis_exponent",
                     "variogram_exponent", "structure4_exponent"))
def logvar_moments(params, seed, quick):
    n = integer(params, "n", 1, 1, 4)
    H, X, idx, t = _setup(params, seed, quick)
    out, detail = {}, {"t": lst(t), "n": n, "n_paths": X.shape[0]}
    for name, order in (("exponent", 2 * n), ("exponent_next", 2 * n + 2), ("variance_exponent", 2)):
        p, se, mean = _moment_exponent(X, idx, t, order)
        out[name] = Value(p, se)
        detail[f"moment_{order}"] = lst(mean)
    p, se, mean = _kurtosis_exponent(X, idx, t)
    out["kurtosis_exponent"] = Value(p, se)
    detail["kurtosis"] = lst(mean)
    lags = np.array([1, 2, 4, 8, 16, 32, 64])
    for name, order in (("variogram_exponent", 2), ("structure4_exponent", 4)):
        p, se, mean = _structure_exponent(X, lags, order)
        out[name] = Value(p, se)
        detail[f"structure_{order}"] = lst(mean)
    detail["lags"] = lst(lags / _N)
    return Measurement(out, detail=detail)


@observable("a_logvar_moments_pair", kernel=_KERNEL,
            description="fitted time exponents of the 2 n1-th and 2 n2-th moments of the centred rough "
                        "log-variance (exact fBM Monte Carlo)",
            outputs=("exponent1", "exponent2"))
def logvar_moments_pair(params, seed, quick):
    n1 = integer(params, "n1", None, 1, 4)
    n2 = integer(params, "n2", None, 1, 4)
    H, X, idx, t = _setup(params, seed, quick)
    p1, se1, m1 = _moment_exponent(X, idx, t, 2 * n1)
    p2, se2, m2 = _moment_exponent(X, idx, t, 2 * n2)
    return Measurement({"exponent1": Value(p1, se1), "exponent2": Value(p2, se2)},
                       detail={"t": lst(t), "moment1": lst(m1), "moment2": lst(m2)})
