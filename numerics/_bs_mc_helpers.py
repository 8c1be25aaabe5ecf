"""Private helpers shared by the stochastic modules (not a public API).

* ``normals``: standard normals from the block-seeded generator of ``numerics._rng``
  (xoshiro256++ + ziggurat), blocks of a fixed size filled by up to two threads.  The
  blocks depend only on the requested shape, never on the thread count, so a seed gives
  the same numbers on any machine.
* ``seed_of(gen)``: the 64-bit seed of that generator, one draw from a numpy Generator.
* Black-Scholes price, vega, strike derivative and a vectorised implied
  volatility (Newton on the total standard deviation, safeguarded by
  bisection), zero rates, forward-measure prices: C = F N(d1) - K N(d2).
"""
from __future__ import annotations

import os
import numpy as np
from scipy.special import ndtr, ndtri

from numerics import _rng


def _others_running():
    """Runnable tasks besides this one right now (/proc/loadavg, 4th field "running/total"),
    or None where that file is missing."""
    try:
        with open("/proc/loadavg") as fh:
            return int(fh.read().split()[3].split("/")[0]) - 1
    except (OSError, ValueError, IndexError):
        return None


def n_threads():
    """Threads for the kernels: ROUGHATLAS_THREADS if set, else min(2, cores available),
    dropping to 1 when another task is running now (a parallel region then waits for a
    descheduled thread and is slower than one thread).  "Now" is the instantaneous count of
    runnable tasks; the 1-minute load average, used where that count is unavailable, lags
    by about a minute and kept a free core idle.  Results never depend on this number,
    only the speed does."""
    env = os.environ.get("ROUGHATLAS_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return min(int(env), 64)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        cores = os.cpu_count() or 1
    nt = max(1, min(2, cores))
    if nt > 1:
        others = _others_running()
        try:
            busy = others >= cores - 1 if others is not None else os.getloadavg()[0] > cores - 0.5
        except OSError:  # pragma: no cover
            busy = False
        if busy:
            nt = 1
    return nt


def seed_of(gen):
    """The 64-bit seed of numerics._rng drawn from Generator ``gen``:
    ``gen.integers(0, 2**64, dtype=uint64)`` (one draw, so the generator advances and two
    calls give independent streams; the same generator state gives the same seed)."""
    return int(gen.integers(0, 1 << 64, dtype=np.uint64))


def normals(gen, shape):
    """C-contiguous float64 standard normals of ``shape`` drawn from Generator ``gen``.

    The flat array is cut into blocks of ``_rng.BLOCK`` numbers; block j is the stream
    (seed_of(gen), j) of numerics._rng (xoshiro256++ seeded by SplitMix64, ziggurat).
    Same seed, same shape -> same numbers, whatever the thread count.
    """
    out = np.empty(shape, dtype=np.float64)
    if out.size:
        _rng.fill(seed_of(gen), out.reshape(-1), n_threads() if out.size > _rng.BLOCK else 1)
    return out


def mean_var_se(x):
    """(mean, se of mean, unbiased variance, se of variance) of a 1-D sample."""
    N = x.size
    m = float(x.mean())
    d = x - m
    s2 = float(np.mean(d * d))
    var = s2 * N / (N - 1)
    m4 = float(np.mean(d ** 4))
    return m, float(np.sqrt(var / N)), var, float(np.sqrt(max(m4 - s2 * s2, 0.0) / N))


# ---------------------------------------------------------------- Black-Scholes

def bs_call(F, K, total_sd):
    """Undiscounted Black-Scholes call on forward F, strike K, total s.d. sigma*sqrt(T)."""
    F, K, s = np.broadcast_arrays(np.asarray(F, float), np.asarray(K, float), np.asarray(total_sd, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = np.log(F / K) / s + 0.5 * s
        price = F * ndtr(d1) - K * ndtr(d1 - s)
    intrinsic = np.maximum(F - K, 0.0)
    return np.where(s > 0, price, intrinsic)


def bs_put(F, K, total_sd):
    return bs_call(F, K, total_sd) - (np.asarray(F, float) - np.asarray(K, float))


def bs_dcall_dK(F, K, total_sd):
    """Partial derivative of the call price with respect to strike, -N(d2)."""
    F, K, s = np.broadcast_arrays(np.asarray(F, float), np.asarray(K, float), np.asarray(total_sd, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        d2 = np.log(F / K) / s - 0.5 * s
    return np.where(s > 0, -ndtr(d2), -(F > K).astype(float))


def bs_vega_sd(F, K, total_sd):
    """Derivative of the call price with respect to the total s.d. sigma*sqrt(T)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = np.log(F / K) / total_sd + 0.5 * total_sd
    return F * np.exp(-0.5 * d1 * d1) / np.sqrt(2.0 * np.pi)


def implied_total_sd(price, F, K, tol=1e-13, maxiter=100):
    """Total implied s.d. of undiscounted call prices; NaN where no vol matches.

    Prices outside the no-arbitrage band (max(F-K,0), F) give NaN: the caller
    decides what to say about them.
    """
    price, F, K = np.broadcast_arrays(np.asarray(price, float), np.asarray(F, float), np.asarray(K, float))
    price = price.astype(float).copy()
    lo_b = np.maximum(F - K, 0.0)
    ok = (price > lo_b) & (price < F)
    lo = np.zeros(price.shape)
    hi = np.full(price.shape, 1.0)
    # expand the bracket until it contains the root
    for _ in range(60):
        grow = ok & (bs_call(F, K, hi) < price)
        if not grow.any():
            break
        hi = np.where(grow, hi * 2.0, hi)
    # initial guess from the Brenner-Subrahmanyam approximation, kept inside the bracket
    s = np.clip(np.sqrt(2.0 * np.pi) * price / F, 1e-4, None)
    s = np.where(ok, np.minimum(s, hi), np.nan)
    for _ in range(maxiter):
        c = bs_call(F, K, s)
        diff = c - price
        lo = np.where(ok & (diff < 0), s, lo)
        hi = np.where(ok & (diff > 0), s, hi)
        v = bs_vega_sd(F, K, s)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = s - diff / v
        bad = ~np.isfinite(newton) | (newton <= lo) | (newton >= hi)
        s_new = np.where(bad, 0.5 * (lo + hi), newton)
        done = np.abs(s_new - s) <= tol * np.maximum(1.0, s)
        s = np.where(ok, s_new, np.nan)
        if np.all(done | ~ok):
            break
    return s


def implied_vol(price, F, K, T):
    """Implied Black-Scholes volatility of undiscounted call prices (NaN if none)."""
    return implied_total_sd(price, F, K) / np.sqrt(np.asarray(T, float))


def norm_ppf(p):
    return ndtri(p)
