"""Delta hedging along simulated paths: P&L mean and variance vs maturity and vs rebalancing.

A seller of a European call (strike K, maturity T, zero rates) receives ``premium`` and
holds Delta_j shares over [t_j, t_{j+1}) at N equally spaced rebalancing dates:

  P&L = premium - (S_T - K)^+ + sum_j Delta_j (S_{t_{j+1}} - S_{t_j}).

Deltas: Black-Scholes N(d1) with one hedge volatility ("bs"), with the path's current spot
volatility sqrt(V_t) ("bs_spot_vol"), or classical Heston deltas from tables per rebalancing
date: on a grid of log-moneyness with the variance state frozen at the trader's V0
("heston"), or on a grid of log-moneyness and variance, read at the path's spot variance V_t
("heston_spot_var", bilinear interpolation, V clamped to [min(0.1 theta, ...), 99.9 % quantile]).

Public API:
* ``hedge_pnl(S, K, T, n_rebalance, premium, delta="bs", sigma=None, vol=None, heston=None)``
  -> P&L per path (S time-major (n+1, P); n_rebalance divides n).
* ``pnl_stats(pnl)`` -> ``PnLStats`` (mean, mean_se, var, var_se, n).
* ``heston_call_delta(x, tau, kappa, theta, eta, rho, V0)``: Heston delta at x = log(S/K).
* ``bs_discrete_hedging_constant(sigma, T, K=1, S0=1)``: lim N Var(P&L) for Black-Scholes
  deltas under geometric Brownian motion with the same sigma,
  (T/2) int_0^T sigma^4 E[Gamma_t^2 S_t^4] dt (the discrete-rebalancing error, rate 1/N).
* ``gamma_pnl(S, V, K, T, sigma)``: the continuous-rebalancing limit of the Black-Scholes
  hedge at vol sigma, premium BS(sigma): P&L = (1/2) int Gamma_sigma S^2 (sigma^2 - V_t) dt
  (Ito; left-point sum on the simulation grid), free of the discrete-rebalancing error.
* ``gamma_pnl_vs_maturity(Ts, H, eta, rho, xi0, sigma, n_steps=...)`` -> ``Sweep``.
* ``pnl_vs_rebalancing(Ns, T, K, H, eta, rho, xi0, ...)`` and
  ``pnl_vs_maturity(Ts, N, H, eta, rho, xi0, ...)`` -> ``Sweep`` (stats per point and the
  fitted log-log exponents of the P&L variance with standard errors), on rBergomi paths.
"""
from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Optional

import numpy as np

from numerics import _hedging
from numerics import _validate as v
from numerics import rbergomi
from numerics._bs_mc_helpers import bs_call, mean_var_se, n_threads
from numerics.meanfield import fit_loglog

__all__ = ["PnLStats", "Sweep", "HestonHedge", "hedge_pnl", "pnl_stats", "heston_call_delta",
           "pnl_vs_rebalancing", "pnl_vs_maturity", "bs_discrete_hedging_constant", "gamma_pnl",
           "gamma_pnl_vs_maturity"]

_EMPTY2 = np.empty((0, 0))
_DELTAS = ("bs", "bs_spot_vol", "heston", "heston_spot_var")


@dataclasses.dataclass
class PnLStats:
    """Mean and variance of a P&L sample with standard errors (``pnl_stats``).

    Attributes
    ----------
    mean, mean_se : float
        Currency of the spot.
    var, var_se : float
        Currency squared.
    n : int
    """
    mean: float
    mean_se: float
    var: float
    var_se: float
    n: int


@dataclasses.dataclass
class Sweep:
    """P&L statistics along a sweep of N or T, with the fitted exponent of Var(P&L).

    Attributes
    ----------
    x : numpy.ndarray
        The swept variable (rebalancing dates N, or maturities T in years).
    stats : list of PnLStats
    var_exponent, var_exponent_se : float
        d log Var(P&L) / d log x (weighted fit) and its SE; NaN for a single point.
    """
    x: np.ndarray                  # the swept variable (N or T)
    stats: list
    var_exponent: float            # d log Var(P&L) / d log x, weighted fit (NaN for a single point)
    var_exponent_se: float

    @property
    def var(self):
        return np.array([s.var for s in self.stats])

    @property
    def var_se(self):
        return np.array([s.var_se for s in self.stats])

    @property
    def mean(self):
        return np.array([s.mean for s in self.stats])

    @property
    def mean_se(self):
        return np.array([s.mean_se for s in self.stats])


@dataclasses.dataclass(frozen=True, init=False)
class HestonHedge:
    """The trader's classical Heston model (variance state frozen at V0 when hedging).

    Parameters
    ----------
    kappa : float
        Mean reversion speed (per year), >= 0.
    theta : float
        Long-run variance (per year), >= 0.
    eta : float
        Vol-of-vol (per sqrt(year)), > 0.
    rho : float
        Spot-variance correlation, in [-1, 1].
    V0 : float
        Spot variance (per year), >= 0.  (Heston models name their spot variance ``V0``
        throughout the package; the old keyword ``v0`` still works, with a DeprecationWarning.)

    Examples
    --------
    >>> from numerics.hedging import HestonHedge
    >>> HestonHedge(kappa=1.0, theta=0.04, eta=0.5, rho=-0.7, V0=0.04).V0
    0.04
    """
    kappa: float
    theta: float
    eta: float
    rho: float
    V0: float

    def __init__(self, kappa, theta, eta, rho, V0=None, *, v0=None):
        V0 = v.renamed("V0", V0, "v0", v0, "HestonHedge")
        if V0 is None:
            raise ValueError("HestonHedge needs V0, the trader's spot variance")
        for name, val in zip(("kappa", "theta", "eta", "rho", "V0"), _heston_params(kappa, theta, eta, rho, V0)):
            object.__setattr__(self, name, val)

    @property
    def v0(self):
        """Deprecated alias of ``V0``."""
        warnings.warn("HestonHedge.v0 is deprecated, use V0", DeprecationWarning, stacklevel=2)
        return self.V0


def _heston_params(kappa, theta, eta, rho, V0):
    return (v.real("kappa", kappa, 0.0, None), v.real("theta", theta, 0.0, None),
            v.real("eta", eta, 0.0, None, lo_open=True), v.real("rho", rho, -1.0, 1.0),
            v.real("V0", V0, 0.0, None))


def pnl_stats(pnl):
    """Mean and variance of a P&L sample with standard errors.

    Parameters
    ----------
    pnl : array_like, shape (n,)
        At least 2 finite values.

    Returns
    -------
    PnLStats

    Examples
    --------
    >>> from numerics.hedging import pnl_stats
    >>> pnl_stats([1.0, 2.0, 3.0]).mean
    2.0
    """
    x = v.array("pnl", pnl, ndim=1)
    N = x.size
    if N < 2:
        raise ValueError(f"pnl must hold at least 2 samples, got {N}")
    return PnLStats(*mean_var_se(x), N)


# ---------------------------------------------------------------- Heston deltas

_GL20 = np.polynomial.legendre.leggauss(20)


def _composite_gauss(U, panels):
    """Nodes and weights of 20-point Gauss-Legendre on each of ``panels`` equal panels of [0, U]."""
    h = U / panels
    left = h * np.arange(panels)[:, None]
    u = (left + 0.5 * h * (_GL20[0][None, :] + 1.0)).ravel()
    w = np.broadcast_to(0.5 * h * _GL20[1][None, :], (panels, 20)).ravel()
    return u, w


def heston_call_delta(x, tau, kappa, theta, eta, rho, V0=None, n_nodes=600, *, v0=None):
    """dC/dS of a classical Heston call (zero rates).

    P1 = 1/2 + (1/pi) int_0^inf Re[exp(i u x) phi(u - i) / (i u)] du, phi the characteristic
    function of log(S_T/S_t) (Albrecher et al.'s stable form), Gauss-Legendre on [0, U].

    Parameters
    ----------
    x : float or array_like
        Log-moneyness log(S/K) (dimensionless).
    tau : float
        Time to maturity in years, > 0.
    kappa, theta, eta, rho : float
        Mean reversion (per year, >= 0), long-run variance (per year, >= 0), vol-of-vol
        (> 0) and correlation (in [-1, 1]).
    V0 : float
        Spot variance (per year), >= 0 (``v0`` is the deprecated name).
    n_nodes : int
        Minimum number of quadrature nodes, in [20, 8000].

    Returns
    -------
    float or numpy.ndarray
        Delta (dimensionless, in [0, 1]); a float for scalar x.

    Examples
    --------
    >>> from numerics.hedging import heston_call_delta
    >>> round(heston_call_delta(0.0, 0.5, 1.0, 0.04, 0.5, -0.7, 0.04), 4)   # BS delta at 20 %: 0.5282
    0.6353
    >>> round(heston_call_delta(0.0, 0.5, 1.0, 0.04, 1e-5, -0.7, 0.04), 4)  # eta -> 0: Black-Scholes
    0.5282
    """
    V0 = v.renamed("V0", V0, "v0", v0, "heston_call_delta")
    if V0 is None:
        raise ValueError("heston_call_delta needs V0, the spot variance")
    V0 = v.real("V0", V0, 0.0, None)
    d = heston_call_delta_grid(x, tau, kappa, theta, eta, rho, np.array([V0]), n_nodes)[0]
    return float(d[0]) if np.ndim(x) == 0 else d


def heston_call_delta_grid(x, tau, kappa, theta, eta, rho, vs, n_nodes=600):
    """Heston deltas on the grid vs x x (phi = exp(C + D v), so C and D are computed once per tau).

    Parameters
    ----------
    x : float or array_like, shape (nx,)
        Log-moneyness log(S/K).
    tau : float
        Time to maturity (years), > 0.
    kappa, theta, eta, rho : float
        As in ``heston_call_delta``.
    vs : float or array_like, shape (nv,)
        Spot variances (per year), >= 0.
    n_nodes : int
        In [20, 8000].

    Returns
    -------
    numpy.ndarray, shape (nv, nx)

    Examples
    --------
    >>> from numerics.hedging import heston_call_delta_grid
    >>> heston_call_delta_grid([-0.1, 0.0, 0.1], 0.5, 1.0, 0.04, 0.5, -0.7, [0.02, 0.04]).shape
    (2, 3)
    """
    x = np.atleast_1d(v.array("x", x))
    vs = np.atleast_1d(v.array("vs", vs, lo=0.0))
    if x.ndim != 1 or vs.ndim != 1:
        raise ValueError(f"x and vs must be scalars or 1-D, got shapes {x.shape} and {vs.shape}")
    tau = v.real("tau", tau, 0.0, None, lo_open=True)
    kappa, theta, eta, rho, _ = _heston_params(kappa, theta, eta, rho, 0.0)
    n_nodes = v.integer("n_nodes", n_nodes, 20, 8000)
    # truncation from the smallest expected average variance over [0, tau] on the grid
    kt = kappa * tau
    frac = (-math.expm1(-kt) / kt) if kt > 0 else 1.0
    vbar = max(theta + (float(np.min(vs)) - theta) * frac, 1e-4)
    U = max(60.0, 40.0 / math.sqrt(vbar * tau))
    xmax = float(np.max(np.abs(x))) if x.size else 0.0
    n_nodes = int(math.ceil(min(max(n_nodes, 2.0 * U * xmax), 8000)))
    with np.errstate(all="ignore"):
        return _delta_grid(x, vs, tau, kappa, theta, eta, rho, U, n_nodes)


def _delta_grid(x, vs, tau, kappa, theta, eta, rho, U, n_nodes):
    kappa, theta, eta, rho = (np.float64(a) for a in (kappa, theta, eta, rho))   # overflow -> inf, checked
    u, w = _composite_gauss(U, -(-n_nodes // 20))
    z = u - 1j                                   # phi(u - i): the share measure
    iz = 1j * z
    b = kappa - rho * eta * iz
    d = np.sqrt(b * b + eta * eta * (iz - iz * iz))
    g = (b - d) / (b + d)
    e = np.exp(-d * tau)
    C = kappa * theta / eta ** 2 * ((b - d) * tau - 2.0 * np.log((1.0 - g * e) / (1.0 - g)))
    D = (b - d) / eta ** 2 * (1.0 - e) / (1.0 - g * e)
    A = np.exp(C[None, :] + np.outer(vs, D)) / (1j * u) * w          # (nv, nodes)
    ux = np.outer(u, x)
    # Re[e^{iux} A] = cos(ux) Re A - sin(ux) Im A
    return v.finite("Heston delta", 0.5 + (A.real @ np.cos(ux) - A.imag @ np.sin(ux)) / math.pi,
                    "the characteristic function overflows at these parameters (eta, kappa, tau too large?)")


def _heston_table2(hh, T, n, stride, v_hi, nv=17, x_half=1.0, nx=201):
    """Deltas on x in [-x_half, x_half] and v in [v_lo, v_hi], v_lo = min(0.1 theta, v_hi / 2):
    spot variances below v_lo are hedged with the delta at v_lo (the Fourier integral needs
    a positive variance scale to stay cheap)."""
    N = n // stride
    xs = np.linspace(-x_half, x_half, nx)
    v_lo = min(0.1 * hh.theta, 0.5 * v_hi) if hh.theta > 0 else 0.01 * v_hi
    vs = np.linspace(v_lo, v_hi, nv)
    tab = np.empty((N * nv, nx))
    for j in range(N):
        tau = T - j * stride * (T / n)
        tab[j * nv:(j + 1) * nv] = heston_call_delta_grid(xs, tau, hh.kappa, hh.theta, hh.eta, hh.rho, vs)
    return tab, xs[0], xs[1] - xs[0], nv, vs[0], vs[1] - vs[0]


def _heston_table(hh, K, T, n, stride, x_half=1.5, nx=301):
    N = n // stride
    xs = np.linspace(-x_half, x_half, nx)
    tab = np.empty((N, nx))
    for j in range(N):
        tau = T - j * stride * (T / n)
        tab[j] = heston_call_delta(xs, tau, hh.kappa, hh.theta, hh.eta, hh.rho, hh.V0)
    return tab, xs[0], xs[1] - xs[0]


def bs_discrete_hedging_constant(sigma, T, K=1.0, S0=1.0):
    """lim_{N->inf} N Var(P&L) of Black-Scholes delta hedging in the Black-Scholes model.

    Each step leaves Gamma S^2 (sigma^2 dt - (dS/S)^2) / 2, of variance Gamma^2 S^4 sigma^4 dt^2 / 2,
    so N Var(P&L) -> (T/2) int_0^T sigma^4 E[Gamma_t^2 S_t^4] dt.

    Parameters
    ----------
    sigma : float
        Volatility (per sqrt(year)), > 0.
    T : float
        Maturity (years), > 0.
    K, S0 : float
        Strike and spot (currency), > 0.

    Returns
    -------
    float
        Currency squared.

    Examples
    --------
    >>> from numerics.hedging import bs_discrete_hedging_constant
    >>> c = bs_discrete_hedging_constant(0.2, 1.0)
    >>> 0.0 < c < 0.01
    True
    """
    from scipy import integrate

    sigma = v.real("sigma", sigma, 0.0, None, lo_open=True)
    T = v.real("T", T, 0.0, None, lo_open=True)
    K = v.real("K", K, 0.0, None, lo_open=True)
    S0 = v.real("S0", S0, 0.0, None, lo_open=True)

    def over_S(t):
        tau = T - t
        st, rt = sigma * math.sqrt(tau), math.sqrt(t)

        def f(x):        # x: standard normal driving S_t
            S = S0 * math.exp(-0.5 * sigma * sigma * t + sigma * rt * x)
            d1 = math.log(S / K) / st + 0.5 * st
            gamma = math.exp(-0.5 * d1 * d1) / (math.sqrt(2 * math.pi) * S * st)
            return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi) * (gamma * S * S) ** 2
        # the integrand peaks where d1 = 0
        peak = (math.log(K / S0) + 0.5 * sigma * sigma * (t - tau)) / (sigma * rt) if t > 0 else 0.0
        val, _ = integrate.quad(f, -12.0, 12.0, points=[min(max(peak, -11.0), 11.0)], limit=400,
                                epsabs=1e-15)
        return sigma ** 4 * val

    val, _ = integrate.quad(over_S, 0.0, T, limit=400)
    return float(v.finite("bs_discrete_hedging_constant", 0.5 * T * val, "S0 or K too large for double precision"))


# ---------------------------------------------------------------- P&L

def hedge_pnl(S, K, T, n_rebalance, premium, delta="bs", sigma=None, vol=None, heston=None, var=None):
    """P&L per path of the discretely delta-hedged short call (module docstring).

    Parameters
    ----------
    S : array_like, shape (n+1, P)
        Spot paths, time-major, > 0 (currency).
    K : float
        Strike, > 0.
    T : float
        Maturity (years), > 0.
    n_rebalance : int
        Rebalancing dates N, dividing n.
    premium : float
        Premium received (currency).
    delta : {"bs", "bs_spot_vol", "heston", "heston_spot_var"}
    sigma : float
        Hedge volatility for "bs".
    vol : array_like, shape (n+1, P)
        Spot volatility paths for "bs_spot_vol".
    heston : HestonHedge
        For the Heston deltas.
    var : array_like, shape (n+1, P)
        Spot variance paths for "heston_spot_var".

    Returns
    -------
    numpy.ndarray, shape (P,)
        P&L (currency).

    Examples
    --------
    >>> import numpy as np
    >>> from numerics import black_scholes as bs
    >>> from numerics.hedging import hedge_pnl
    >>> S = np.full((5, 2), 100.0)                      # a spot that never moves
    >>> prem = bs.price(100.0, 100.0, 1.0, 0.2)
    >>> bool(np.allclose(hedge_pnl(S, 100.0, 1.0, 4, prem, sigma=0.2), prem))
    True
    """
    S = v.array("S", S, ndim=2, lo=0.0, lo_open=True)
    n = S.shape[0] - 1
    if n < 1:
        raise ValueError(f"S must hold at least 2 time points (rows), got {S.shape[0]}")
    K = v.real("K", K, 0.0, None, lo_open=True)
    T = v.real("T", T, 0.0, None, lo_open=True)
    N = v.integer("n_rebalance", n_rebalance, 1, n)
    if n % N:
        raise ValueError(f"n_rebalance must divide the number of steps {n}, got {N}")
    premium = v.real("premium", premium)
    if delta not in _DELTAS:
        raise ValueError(f"delta must be one of {_DELTAS}, got {delta!r}")
    sig, volarr, tab, x0, dx, nv, v0g, dv = 0.0, _EMPTY2, _EMPTY2, 0.0, 1.0, 0, 0.0, 1.0
    if delta == "bs":
        sig = v.real("sigma", sigma, 0.0, None, lo_open=True)
    elif delta == "bs_spot_vol":
        volarr = v.array("vol", vol, shape=S.shape, lo=0.0)
    else:
        if not isinstance(heston, HestonHedge):
            raise ValueError(f"heston must be a HestonHedge for delta={delta!r}, got {heston!r}")
        # each table row is a Fourier integral on up to 8000 nodes at 201-301 log-moneyness points
        v.work_budget(f"hedge_pnl(delta={delta!r}, n_rebalance={N})", 8000.0 * 301 * N * (1 if delta == "heston" else 17),
                      "8000 nodes x 301 points x n_rebalance (x 17 variances) for the Heston delta tables")
        if delta == "heston":
            tab, x0, dx = _heston_table(heston, K, T, n, n // N)
        else:
            volarr = v.array("var", var, shape=S.shape, lo=0.0)
            v_hi = max(float(np.quantile(volarr, 0.999)), 1e-8)
            tab, x0, dx, nv, v0g, dv = _heston_table2(heston, T, n, n // N, v_hi)
    pnl = np.empty(S.shape[1])
    _hedging.hedge_pnl(S, volarr, sig, n // N, K, T, premium, tab, x0, dx, pnl, n_threads(), nv, v0g, dv)
    return v.finite("hedge_pnl P&L", pnl, "S, K or premium too large for double precision")


def _premium(premium, S, K, T, sigma):
    if isinstance(premium, str) and premium == "bs":
        if sigma is None:
            raise ValueError("premium='bs' needs the hedge volatility sigma")
        sigma = v.real("sigma", sigma, 0.0, None, lo_open=True)
        return float(bs_call(1.0 * S[0, 0], K, sigma * math.sqrt(T)))
    if isinstance(premium, str) and premium == "mc":
        return float(np.mean(np.maximum(S[-1] - K, 0.0)))
    return v.real("premium", premium)


def pnl_vs_rebalancing(Ns, T, K, H, eta, rho, xi0, n_paths=20000, delta="bs", sigma=None,
                       heston=None, premium="bs", kappa=1, rng=None):
    """P&L statistics per number of rebalancing dates N on one set of rBergomi paths.

    Parameters
    ----------
    Ns : array_like of int
        Rebalancing dates; each divides max(Ns) (the simulation grid).
    T : float
        Maturity (years).
    K : float
        Strike (S_0 = 1).
    H, eta, rho, xi0 : float
        rBergomi parameters (``numerics.rbergomi.simulate``): Hurst exponent, vol-of-vol,
        correlation, flat forward variance (per year).
    n_paths : int
    delta, sigma, heston : as in ``hedge_pnl``
    premium : "bs", "mc" or float
        Black-Scholes premium at sigma, the Monte Carlo price, or a number.
    kappa : {1, 2}
    rng : int, numpy.random.Generator or None

    Returns
    -------
    Sweep

    Examples
    --------
    >>> from numerics.hedging import pnl_vs_rebalancing
    >>> s = pnl_vs_rebalancing([4, 16], 0.25, 1.0, 0.5, 0.0, 0.0, 0.04, n_paths=4000, sigma=0.2, rng=1)
    >>> bool(s.var[1] < s.var[0])         # eta = 0: Black-Scholes, error ~ 1/N
    True
    """
    Ns = v.array("Ns", np.atleast_1d(Ns), ndim=1, dtype=np.int64, lo=1)
    K = v.real("K", K, 0.0, None, lo_open=True)
    n = int(Ns.max())
    bad = [int(x) for x in Ns if n % int(x)]
    if bad:
        raise ValueError(f"every N in Ns must divide max(Ns) = {n}, got {bad}")
    p = rbergomi.simulate(H, eta, rho, xi0, T, n, n_paths, kappa, rng, keep_paths=True)
    S = np.exp(p.logS)
    vol = np.sqrt(p.V) if delta == "bs_spot_vol" else None
    prem = _premium(premium, S, K, T, sigma)
    stats = [pnl_stats(hedge_pnl(S, K, T, int(N), prem, delta, sigma, vol, heston, p.V)) for N in Ns]
    return _sweep(Ns.astype(float), stats)


def pnl_vs_maturity(Ts, N, H, eta, rho, xi0, K=1.0, n_paths=20000, substeps=1, delta="bs", sigma=None,
                    heston=None, premium="bs", kappa=1, rng=None):
    """P&L statistics per maturity T with N rebalancing dates, and the exponent of Var(P&L) vs T.

    Parameters
    ----------
    Ts : array_like
        Maturities (years), > 0.
    N : int
        Rebalancing dates, in [1, 65536]; the grid has N * substeps steps.
    H, eta, rho, xi0 : float
        rBergomi parameters (``numerics.rbergomi.simulate``): Hurst exponent, vol-of-vol,
        correlation, flat forward variance (per year).
    K : float
        Strike (S_0 = 1).
    n_paths, substeps : int
    delta, sigma, heston, premium, kappa, rng : as in ``pnl_vs_rebalancing``

    Returns
    -------
    Sweep

    Examples
    --------
    >>> from numerics.hedging import pnl_vs_maturity
    >>> s = pnl_vs_maturity([0.05, 0.2], 8, 0.1, 1.0, -0.7, 0.04, n_paths=2000, sigma=0.2, rng=1)
    >>> len(s.stats)
    2
    """
    Ts = v.array("Ts", np.atleast_1d(Ts), ndim=1, lo=0.0, lo_open=True)
    K = v.real("K", K, 0.0, None, lo_open=True)
    N = v.integer("N", N, 1, 1 << 16)
    substeps = v.integer("substeps", substeps, 1, 1 << 10)
    gen = v.rng(rng)
    stats = []
    for T in Ts:
        p = rbergomi.simulate(H, eta, rho, xi0, float(T), N * substeps, n_paths, kappa, gen, keep_paths=True)
        S = np.exp(p.logS)
        vol = np.sqrt(p.V) if delta == "bs_spot_vol" else None
        prem = _premium(premium, S, K, float(T), sigma)
        stats.append(pnl_stats(hedge_pnl(S, K, float(T), N, prem, delta, sigma, vol, heston, p.V)))
    return _sweep(Ts, stats)


def gamma_pnl(S, V, K, T, sigma):
    """(1/2) sum_i Gamma(t_i, S_i) S_i^2 (sigma^2 - V_i) dt per path: the continuous-hedging P&L.

    Parameters
    ----------
    S, V : array_like, shape (n+1, P)
        Spot (currency, > 0) and spot variance (per year) paths, time-major.
    K : float
        Strike, > 0.
    T : float
        Maturity (years), > 0.
    sigma : float
        Hedge volatility, > 0.

    Returns
    -------
    numpy.ndarray, shape (P,)

    Examples
    --------
    >>> import numpy as np
    >>> from numerics.hedging import gamma_pnl
    >>> gamma_pnl(np.ones((3, 2)), np.full((3, 2), 0.25), 1.0, 1.0, 0.5).tolist()   # V = sigma^2
    [0.0, 0.0]
    """
    S = v.array("S", S, ndim=2, lo=0.0, lo_open=True)
    V = v.array("V", V, shape=S.shape, lo=None)
    K = v.real("K", K, 0.0, None, lo_open=True)
    T = v.real("T", T, 0.0, None, lo_open=True)
    sigma = v.real("sigma", sigma, 0.0, None, lo_open=True)
    n = S.shape[0] - 1
    if n < 1:
        raise ValueError(f"S must hold at least 2 time points (rows), got {S.shape[0]}")
    dt = T / n
    tau = T - dt * np.arange(n)
    sd = sigma * np.sqrt(tau)[:, None]
    d1 = np.log(S[:-1] / K) / sd + 0.5 * sd
    gamma_s2 = S[:-1] * np.exp(-0.5 * d1 * d1) / (math.sqrt(2 * math.pi) * sd)   # Gamma S^2
    with np.errstate(all="ignore"):
        out = 0.5 * dt * np.sum(gamma_s2 * (sigma * sigma - V[:-1]), axis=0)
    return v.finite("gamma_pnl", out, "S, K, V or sigma too large for double precision")


def gamma_pnl_vs_maturity(Ts, H, eta, rho, xi0, sigma, K=1.0, n_steps=256, n_paths=20000, kappa=1, rng=None):
    """Statistics of ``gamma_pnl`` per maturity and the exponent of its variance in T.

    The variance of P&L / T then has exponent var_exponent - 2.

    Parameters
    ----------
    Ts : array_like
        Maturities (years).
    H, eta, rho, xi0 : float
        rBergomi parameters (``numerics.rbergomi.simulate``): Hurst exponent, vol-of-vol,
        correlation, flat forward variance (per year).
    sigma : float
        Hedge volatility, > 0.
    K : float
    n_steps, n_paths, kappa, rng : as in ``numerics.rbergomi.simulate``

    Returns
    -------
    Sweep

    Examples
    --------
    >>> from numerics.hedging import gamma_pnl_vs_maturity
    >>> s = gamma_pnl_vs_maturity([0.05, 0.2], 0.1, 1.0, -0.7, 0.04, 0.2, n_steps=16, n_paths=2000, rng=1)
    >>> bool(s.var_exponent > 0)
    True
    """
    Ts = v.array("Ts", np.atleast_1d(Ts), ndim=1, lo=0.0, lo_open=True)
    K = v.real("K", K, 0.0, None, lo_open=True)
    sigma = v.real("sigma", sigma, 0.0, None, lo_open=True)
    gen = v.rng(rng)
    stats = []
    for T in Ts:
        p = rbergomi.simulate(H, eta, rho, xi0, float(T), n_steps, n_paths, kappa, gen, keep_paths=True)
        stats.append(pnl_stats(gamma_pnl(np.exp(p.logS), p.V, K, float(T), sigma)))
    return _sweep(Ts, stats)


def _sweep(x, stats):
    var = np.array([s.var for s in stats])
    se = np.array([s.var_se for s in stats])
    if x.size < 2:
        return Sweep(x, stats, float("nan"), float("nan"))     # one point has no exponent (documented)
    if not np.all(var > 0):
        raise ValueError(f"Var(P&L) is zero at {x[var <= 0].tolist()}: no log-log exponent (is the hedge "
                         "exact there, e.g. eta = 0 with sigma^2 = xi0, or the strike far from the money?)")
    b, bse, _ = fit_loglog(x, var, se)
    return Sweep(x, stats, b, bse)
