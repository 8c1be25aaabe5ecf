"""rBergomi Monte Carlo (hybrid scheme): paths, European prices, implied vols, ATM skew.

Model (forward measure, zero rates; paths on S_0 = 1, prices on any spot S0):
  V_t = xi0 exp(eta Y_t - eta^2 t^(2H) / 2),  Y_t = sqrt(2H) int_0^t (t-s)^(H-1/2) dW_s,
  dS_t / S_t = sqrt(V_t) (rho dW_t + sqrt(1 - rho^2) dB_t).

Naming: rBergomi is parametrised by its (flat) forward variance curve, ``xi0`` (per year);
rough Heston by its spot variance ``V0`` (``rough_heston``, ``rough_heston_mc``).  Times
are in years, H is dimensionless, eta is per year^H.

Public API:
* ``simulate(H, eta, rho, xi0, T, n_steps, n_paths, kappa=1, rng=None, antithetic=False,
  keep_paths=False)`` -> ``Paths`` (logS_T, intV, intA and optionally V, logS on the grid).
  With antithetic=True the second half of the paths uses the negated normals of the first.
* ``european(K, T, H, eta, rho, xi0, n_steps=..., n_paths=..., estimator="mixing"|"plain",
  ..., S0=1.0)`` -> ``Prices`` (call prices, standard errors, implied vols and their SEs).
  "plain": payoff of S_T.  "mixing": E[BS(S_0 e^{rho intA - rho^2 intV / 2}, K,
  (1 - rho^2) intV)], the Black-Scholes price given the variance path (Romano-Touzi).
* ``atm_skew(Ts, H, eta, rho, xi0, n_steps=..., n_paths=...)`` -> ``Skew`` (d sigma / d k at
  k = 0 per maturity with SEs, mixing estimator with a pathwise strike derivative), and
  ``fit_power_law(Ts, skew, se)`` -> ``numerics.estimators.PowerLawFit`` (the one fit type;
  unpacking it as the old (exponent, se, prefactor) tuple still works, with a DeprecationWarning).
"""
from __future__ import annotations

import dataclasses
import math
from typing import Optional

import numpy as np

from numerics import _rbergomi, _rng, fbm
from numerics import _validate as v
from numerics._bs_mc_helpers import bs_call, bs_dcall_dK, bs_vega_sd, implied_total_sd, n_threads, seed_of
from numerics.estimators import PowerLawFit
from numerics.estimators import fit_power_law as _fit_power_law

__all__ = ["Paths", "Prices", "Skew", "PowerLawFit", "simulate", "simulate_from_normals", "pathblock_normals", "european",
           "atm_skew", "fit_power_law"]

_EMPTY2 = np.empty((0, 0))


@dataclasses.dataclass
class Paths:
    """Simulated rBergomi (or rough Heston) paths on S_0 = 1.

    Attributes
    ----------
    t : numpy.ndarray
        Time grid (years).
    logS_T : numpy.ndarray, shape (P,)
        log S_T.
    intV, intA : numpy.ndarray, shape (P,)
        int_0^T V_t dt (variance x years) and int_0^T sqrt(V_t) dW_t.
    V, logS : numpy.ndarray, shape (n+1, P), optional
        Time-major paths (``keep_paths=True``).
    antithetic : bool
    """
    t: np.ndarray
    logS_T: np.ndarray
    intV: np.ndarray
    intA: np.ndarray
    V: Optional[np.ndarray] = None        # (n+1, P) time-major
    logS: Optional[np.ndarray] = None     # (n+1, P) time-major
    antithetic: bool = False


@dataclasses.dataclass
class Prices:
    """Monte Carlo call prices (``european``).

    Attributes
    ----------
    K : numpy.ndarray
        Strikes (currency of S0).
    T : float
        Maturity (years).
    price, se : numpy.ndarray
        Prices and standard errors (currency of S0).
    iv, iv_se : numpy.ndarray
        Implied volatilities (per sqrt(year)) and their standard errors; NaN (with a
        RuntimeWarning) where the price admits no implied vol.
    estimator : str
    """
    K: np.ndarray
    T: float
    price: np.ndarray
    se: np.ndarray
    iv: np.ndarray          # NaN (with a RuntimeWarning) where the price admits no implied vol
    iv_se: np.ndarray
    estimator: str


@dataclasses.dataclass
class Skew:
    """ATM implied-volatility skew per maturity (``atm_skew``).

    Attributes
    ----------
    T : numpy.ndarray
        Maturities (years).
    skew, se : numpy.ndarray
        d sigma_imp / d log K at the money (per unit log-moneyness) and standard errors.
    atm_vol : numpy.ndarray
        At-the-money implied volatility (per sqrt(year)).
    """
    T: np.ndarray
    skew: np.ndarray      # d sigma_imp / d log K at the money (negative for rho < 0)
    se: np.ndarray
    atm_vol: np.ndarray


def _model(H, eta, rho, xi0, T):
    H = v.real("H", H, 0.0, 1.0, lo_open=True, hi_open=True)
    eta = v.real("eta", eta, 0.0, None)
    rho = v.real("rho", rho, -1.0, 1.0)
    xi0 = v.real("xi0", xi0, 0.0, None, lo_open=True)
    T = v.real("T", T, 0.0, None, lo_open=True)
    return H, eta, rho, xi0, T


def _sizes(n_steps, n_paths, kappa, antithetic, min_paths=1):
    v.flag("antithetic", antithetic)
    n_steps = v.integer("n_steps", n_steps, 1, 1 << 20)
    n_paths = v.integer("n_paths", n_paths, min_paths, None)
    kappa = v.integer("kappa", kappa, 1, 2)
    if antithetic and n_paths % 2:
        raise ValueError(f"n_paths must be even with antithetic=True, got {n_paths}")
    return n_steps, n_paths, kappa


def _kernel_args(n, H, eta, xi0, T, kappa):
    """(L, g, scale, sqrt(xi), eta^2 t^2H / 4, t) for the fused kernel."""
    L, g, scale, _ = fbm.hybrid_setup(n, H, T / n, kappa)
    t = np.linspace(0.0, T, n + 1)
    return L, g, scale, np.full(n + 1, math.sqrt(xi0)), 0.25 * eta * eta * t ** (2 * H), t


def _outputs(n, P, keep_paths):
    V = np.empty((n + 1, P)) if keep_paths else _EMPTY2
    logS = np.empty((n + 1, P)) if keep_paths else _EMPTY2
    return np.empty(P), np.empty(P), np.empty(P), V, logS


def simulate_from_normals(z, zb, H, eta, rho, xi0, T, kappa=1, keep_paths=False):
    """The rBergomi kernel pipeline on pre-drawn normals.

    Parameters
    ----------
    z : array_like, shape (kappa+1, n, P)
        Normals driving the volatility (hybrid scheme's Gaussian vector per step).
    zb : array_like, shape (n, P)
        Normals of the independent Brownian motion B.
    H : float
        Hurst exponent, in (0, 1).
    eta : float
        Vol-of-vol (per year^H), >= 0.
    rho : float
        Spot-vol correlation, in [-1, 1].
    xi0 : float
        Flat forward variance (per year), > 0 (rBergomi's parameter; ``xi0`` throughout).
    T : float
        Maturity (years), > 0.
    kappa : {1, 2}
    keep_paths : bool

    Returns
    -------
    Paths

    Examples
    --------
    >>> import numpy as np
    >>> from numerics import rbergomi
    >>> g = np.random.default_rng(1)
    >>> p = rbergomi.simulate_from_normals(g.standard_normal((2, 8, 4)), g.standard_normal((8, 4)),
    ...                                    0.1, 1.5, -0.7, 0.04, 1.0)
    >>> p.logS_T.shape
    (4,)
    """
    H, eta, rho, xi0, T = _model(H, eta, rho, xi0, T)
    kappa = v.integer("kappa", kappa, 1, 2)
    keep_paths = v.flag("keep_paths", keep_paths)
    zb = v.array("zb", zb, ndim=2)
    n, P = zb.shape
    z = v.array("z", z, shape=(kappa + 1, n, P))
    _sizes(n, P, kappa, False)
    fbm.hybrid_work(f"rbergomi.simulate_from_normals(n_steps={n}, n_paths={P})", n, P)
    L, g, scale, sxi, e2, t = _kernel_args(n, H, eta, xi0, T, kappa)
    out = _outputs(n, P, keep_paths)
    _rbergomi.simulate_normals(z, zb, L, g, scale, sxi, e2, eta, rho, T / n, *out, n_threads())
    logs_T, intv, inta, V, logS = out
    _check_paths(logs_T, intv, eta, xi0)
    return Paths(t, logs_T, intv, inta, V if keep_paths else None, logS if keep_paths else None)


def pathblock_normals(seed, kappa, n_steps, n_paths, antithetic=False):
    """The normals ``simulate`` draws from a 64-bit seed, as arrays.

    ``simulate(..., rng=gen)`` uses seed = ``seed_of(gen)``: path block b (of _rbergomi.PBLOCK
    paths, among the first n_paths / 2 with antithetic) is stream (seed, b) of numerics._rng
    laid out (kappa+2, n, width); antithetic paths n_paths / 2 + p use the negated draws.

    Parameters
    ----------
    seed : int
        In [0, 2^64).
    kappa : {1, 2}
    n_steps, n_paths : int
    antithetic : bool

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        z (kappa+1, n_steps, n_paths) and zb (n_steps, n_paths).

    Examples
    --------
    >>> from numerics import rbergomi
    >>> z, zb = rbergomi.pathblock_normals(7, 1, 8, 4)
    >>> z.shape, zb.shape
    ((2, 8, 4), (8, 4))
    """
    kappa = v.integer("kappa", kappa, 1, 2)
    n_steps, n_paths, kappa = _sizes(n_steps, n_paths, kappa, antithetic)
    seed = v.integer("seed", seed, 0, (1 << 64) - 1)
    v.memory_budget(f"pathblock_normals(n_steps={n_steps}, n_paths={n_paths})", 8 * (kappa + 2) * n_steps * n_paths * 2)
    half = n_paths // 2 if antithetic else n_paths
    zz = np.empty((kappa + 2, n_steps, half))
    _rng.fill_pathblocks(seed, zz.reshape(-1, half), _rbergomi.PBLOCK, n_threads())
    if antithetic:
        zz = np.concatenate([zz, -zz], axis=2)
    return np.ascontiguousarray(zz[:kappa + 1]), np.ascontiguousarray(zz[kappa + 1])


def simulate(H, eta, rho, xi0, T, n_steps, n_paths, kappa=1, rng=None, antithetic=False, keep_paths=False):
    """Simulate rBergomi paths (hybrid scheme; normals drawn inside the kernel block by block).

    Model (forward measure, zero rates, S_0 = 1): V_t = xi0 exp(eta Y_t - eta^2 t^(2H) / 2),
    dS_t / S_t = sqrt(V_t) (rho dW_t + sqrt(1 - rho^2) dB_t).

    Parameters
    ----------
    H : float
        Hurst exponent, in (0, 1).
    eta : float
        Vol-of-vol (per year^H), >= 0.
    rho : float
        Spot-vol correlation, in [-1, 1].
    xi0 : float
        Flat forward variance (per year), > 0 (rBergomi's parameter; ``xi0`` throughout).
    T : float
        Maturity (years), > 0.
    n_steps : int
        Time steps, in [1, 2^20].
    n_paths : int
        Paths (even with antithetic); n_paths * n_steps^2 / 2 must stay under the work limit.
    kappa : {1, 2}
    rng : int, numpy.random.Generator or None
    antithetic : bool
        Second half of the paths uses the negated normals of the first.
    keep_paths : bool
        Also keep V and log S on the grid.

    Returns
    -------
    Paths

    Examples
    --------
    >>> from numerics import rbergomi
    >>> p = rbergomi.simulate(0.1, 1.5, -0.7, 0.04, 1.0, 16, 1000, rng=1)
    >>> bool(abs(p.intV.mean() - 0.04) < 0.01)        # E int_0^1 V dt = xi0
    True
    """
    H, eta, rho, xi0, T = _model(H, eta, rho, xi0, T)
    n_steps, n_paths, kappa = _sizes(n_steps, n_paths, kappa, antithetic)
    keep_paths = v.flag("keep_paths", keep_paths)
    nt = n_threads()
    per_path = 8 * 4 + (16 * (n_steps + 1) if keep_paths else 0)
    scratch = nt * 8 * _rbergomi.PBLOCK * (kappa + 3) * n_steps
    v.memory_budget(f"rbergomi.simulate(n_steps={n_steps}, n_paths={n_paths})", per_path * n_paths + scratch)
    fbm.hybrid_work(f"rbergomi.simulate(n_steps={n_steps}, n_paths={n_paths})", n_steps, n_paths)
    seed = seed_of(v.rng(rng))
    L, g, scale, sxi, e2, t = _kernel_args(n_steps, H, eta, xi0, T, kappa)
    logs_T, intv, inta, V, logS = _outputs(n_steps, n_paths, keep_paths)
    _rbergomi.simulate_seeded(seed, n_steps, L, g, scale, sxi, e2, eta, rho, T / n_steps, antithetic,
                              logs_T, intv, inta, V, logS, nt)
    _check_paths(logs_T, intv, eta, xi0)
    return Paths(t, logs_T, intv, inta, V if keep_paths else None, logS if keep_paths else None, antithetic)


def _check_paths(logs_T, intv, eta, xi0):
    """Refuse paths whose variance overflowed (a ValueError naming the inputs, not NaN prices)."""
    if not (np.all(np.isfinite(intv)) and np.all(np.isfinite(logs_T))):
        raise ValueError(f"the simulated variance leaves the double range at eta = {eta!r}, xi0 = {xi0!r}: "
                         "lower eta, xi0 or T")


def _warn_no_iv(K, total_sd):
    """Say which strikes have no implied vol (Monte Carlo price outside the no-arbitrage band)."""
    bad = ~np.isfinite(total_sd)
    if np.any(bad):
        v.warn(f"no implied volatility for strikes {K[bad].tolist()}: the Monte Carlo price is "
               "outside the no-arbitrage band (iv and iv_se set to NaN); use more paths",
               RuntimeWarning, stacklevel=3)


def _pairs(x, antithetic):
    """Samples to average: antithetic pairs are averaged first (they are not independent)."""
    if not antithetic:
        return x
    h = x.shape[-1] // 2
    return 0.5 * (x[..., :h] + x[..., h:])


def _mean_se(x):
    m = x.mean(axis=-1)
    se = x.std(axis=-1, ddof=1) / math.sqrt(x.shape[-1]) if x.shape[-1] > 1 else np.full(m.shape, np.nan)
    return m, se


def _mixing_inputs(p, rho):
    F = np.exp(rho * p.intA - 0.5 * rho * rho * p.intV)
    sd = np.sqrt(np.maximum((1.0 - rho * rho) * p.intV, 0.0))
    return F, sd


def _prices(samples_fn, K, T, S0, antithetic, estimator):
    """Prices at strikes K on spot S0 from the unit-spot samples at strikes K / S0."""
    k = K / S0
    price, se = _mean_se(_pairs(samples_fn(k), antithetic))
    s = implied_total_sd(price, 1.0, k)
    _warn_no_iv(K, s)
    iv_se = se / bs_vega_sd(1.0, k, s) / math.sqrt(T)
    return Prices(K, float(T), S0 * price, S0 * se, s / math.sqrt(T), iv_se, estimator)


def _check_european(K, S0, estimator):
    K = v.array("K", np.atleast_1d(K), ndim=1, lo=0.0, lo_open=True)
    S0 = v.real("S0", S0, 0.0, None, lo_open=True)
    if estimator not in ("mixing", "plain"):
        raise ValueError(f"estimator must be 'mixing' or 'plain', got {estimator!r}")
    return K, S0


def european(K, T, H, eta, rho, xi0, n_steps=100, n_paths=20000, kappa=1, estimator="mixing",
             antithetic=True, rng=None, S0=1.0):
    """European call prices under rBergomi by Monte Carlo, with standard errors and implied vols.

    Parameters
    ----------
    K : float or array_like, shape (k,)
        Strikes (same currency as S0), > 0.
    T : float
        Maturity in years, > 0.
    H : float
        Hurst exponent of the volatility, in (0, 1).
    eta : float
        Vol-of-vol (per year^H), >= 0.
    rho : float
        Spot-vol correlation, in [-1, 1].
    xi0 : float
        Flat forward variance (per year, i.e. volatility squared), > 0.  rBergomi is
        parametrised by its forward variance curve; ``xi0`` names it throughout the package.
    n_steps, n_paths : int
        Time steps of the hybrid scheme and number of paths (>= 4 with antithetic).
    kappa : {1, 2}
        Near cells simulated exactly by the hybrid scheme.
    estimator : {"mixing", "plain"}
        "plain": payoff of S_T; "mixing": Black-Scholes price given the variance path
        (Romano-Touzi, lower variance).
    antithetic : bool
        Second half of the paths driven by the negated normals.
    rng : int, numpy.random.Generator or None
        Seed or generator.
    S0 : float
        Spot (zero rates and dividends, so also the forward), > 0.  Default 1.

    Returns
    -------
    Prices
        K, T, price and se (currency of S0), iv and iv_se (annualised volatilities; NaN with a
        RuntimeWarning where the Monte Carlo price admits no implied vol).

    Examples
    --------
    >>> from numerics import rbergomi
    >>> p = rbergomi.european([90.0, 100.0, 110.0], 0.25, 0.1, 1.5, -0.7, 0.04,
    ...                       n_steps=50, n_paths=4000, rng=1, S0=100.0)
    >>> bool(p.price[0] > p.price[1] > p.price[2] > 0.0), bool(p.iv[0] > p.iv[2])
    (True, True)
    """
    K, S0 = _check_european(K, S0, estimator)
    _sizes(n_steps, n_paths, kappa, antithetic, min_paths=4 if antithetic else 2)   # an SE needs 2 samples
    p = simulate(H, eta, rho, xi0, T, n_steps, n_paths, kappa, rng, antithetic)
    if estimator == "plain":
        ST = np.exp(p.logS_T)

        def samples(k):
            return np.maximum(ST[None, :] - k[:, None], 0.0)
    else:
        F, sd = _mixing_inputs(p, rho)

        def samples(k):
            return bs_call(F[None, :], k[:, None], sd[None, :])
    return _prices(samples, K, T, S0, antithetic, estimator)


def _skew_one(p, rho, T, antithetic):
    """ATM skew d sigma / d k and its delta-method SE from one set of paths."""
    F, sd = _mixing_inputs(p, rho)
    c = _pairs(bs_call(F, 1.0, sd), antithetic)
    d = _pairs(bs_dcall_dK(F, 1.0, sd), antithetic)
    C, D = c.mean(), d.mean()
    rt = math.sqrt(T)

    def skew_of(Cbar, Dbar):
        s = float(implied_total_sd(Cbar, 1.0, 1.0))
        return (Dbar - float(bs_dcall_dK(1.0, 1.0, s))) / (float(bs_vega_sd(1.0, 1.0, s)) * rt), s

    psi, s = skew_of(C, D)
    h = 1e-6 * max(C, 1e-12)
    dpsi_dC = (skew_of(C + h, D)[0] - skew_of(C - h, D)[0]) / (2 * h)
    dpsi_dD = 1.0 / (float(bs_vega_sd(1.0, 1.0, s)) * rt)
    cov = np.cov(np.vstack([c, d]))
    grad = np.array([dpsi_dC, dpsi_dD])
    se = math.sqrt(max(float(grad @ cov @ grad), 0.0) / c.size)
    return psi, se, s / rt


def atm_skew(Ts, H, eta, rho, xi0, n_steps=50, n_paths=20000, kappa=1, antithetic=True, rng=None):
    """ATM implied-vol skew d sigma / d log K per maturity (mixing estimator, pathwise strike derivative).

    Each maturity is simulated on its own grid of n_steps steps.

    Parameters
    ----------
    Ts : float or array_like
        Maturities (years), > 0.
    H : float
        Hurst exponent, in (0, 1).
    eta : float
        Vol-of-vol (per year^H), >= 0.
    rho : float
        Spot-vol correlation, in [-1, 1].
    xi0 : float
        Flat forward variance (per year), > 0 (rBergomi's parameter; ``xi0`` throughout).
    n_steps, n_paths : int
    kappa : {1, 2}
    antithetic : bool
    rng : int, numpy.random.Generator or None

    Returns
    -------
    Skew

    Examples
    --------
    >>> from numerics import rbergomi
    >>> s = rbergomi.atm_skew([0.01, 0.1], 0.1, 1.5, -0.7, 0.04, n_steps=20, n_paths=4000, rng=1)
    >>> bool(s.skew[0] < s.skew[1] < 0.0)      # negative, steeper at short maturity
    True
    """
    Ts = v.array("Ts", np.atleast_1d(Ts), ndim=1, lo=0.0, lo_open=True)
    _sizes(n_steps, n_paths, kappa, antithetic, min_paths=4 if antithetic else 2)
    gen = v.rng(rng)
    out = np.empty((3, Ts.size))
    for j, T in enumerate(Ts):
        p = simulate(H, eta, rho, xi0, float(T), n_steps, n_paths, kappa, gen, antithetic)
        out[:, j] = _skew_one(p, float(rho), float(T), antithetic)
    v.finite("atm_skew", out, "the at-the-money implied vol is not determined at these maturities "
             "(T too large or too small for the price to resolve it)")
    return Skew(Ts, out[0], out[1], out[2])


def fit_power_law(Ts, skew, se=None):
    """|skew| ~ A T^beta: weighted log-log fit of a skew term structure.

    Parameters
    ----------
    Ts : array_like
        Maturities (years), > 0.
    skew : array_like
        Skews (non-zero); |skew| is fitted.
    se : array_like, optional
        Standard errors of the skews (weights); omitted: ordinary least squares.

    Returns
    -------
    numerics.estimators.PowerLawFit
        The same result type as ``numerics.estimators.fit_power_law``: ``exponent`` (beta),
        ``exponent_se``, ``prefactor`` (A) ...

    Examples
    --------
    >>> import numpy as np
    >>> from numerics import rbergomi
    >>> Ts = np.array([0.01, 0.02, 0.05, 0.1])
    >>> fit = rbergomi.fit_power_law(Ts, -0.2 * Ts ** -0.4, 0.01 * Ts ** -0.4)
    >>> round(fit.exponent, 10), round(fit.prefactor, 10)
    (-0.4, 0.2)
    """
    skew = v.array("skew", skew, ndim=1)
    if np.any(skew == 0.0):
        raise ValueError(f"skew must be non-zero at every maturity (|skew| is fitted in log scale), got {skew.tolist()}")
    return _fit_power_law(Ts, np.abs(skew), se)
