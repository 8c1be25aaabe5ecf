"""Rough Heston pricing (El Euch-Rosenbaum) by fractional Riccati + COS (public, validating).

Model (variance V, log-price with drift r - q):
    V_t = V0 + 1/Gamma(alpha) int_0^t (t-s)^(alpha-1) (kappa (theta - V_s) ds + eta sqrt(V_s) dW_s),
    alpha = H + 1/2, 0 < H <= 1/2, corr(dW, dB) = rho, optional Merton jumps in the price:
    intensity lam, log(1 + J) ~ N(mu_J, sigma_J^2), compensated.

Characteristic function of z = log(S_T / F_T), F_T = S0 e^{(r-q)T}:
    log phi(u) = kappa theta int_0^T h + V0 I^(1-alpha) h (T) + jumps,
    h = I^alpha F(u, h),  F(u, h) = 1/2 (eta^2 h^2 + 2 (i u rho eta - kappa) h - (u^2 + i u)),
and I^(1-alpha) h (T) = int_0^T F(u, h(s)) ds.  The Riccati equation is solved on n steps
(grid relative to T) and, by default, also on n/2 steps: the two are combined by
Richardson extrapolation with the scheme's leading order 1 + alpha (``richardson=True``),
which costs 1.25 solves and gains about an order of magnitude at n ~ 100.  (At H = 1/2 this is the classical Heston
characteristic function; ``heston_characteristic_function`` gives its closed form.)

COS method (Fang-Oosterlee 2008) on [a, b], chosen from Chernoff bounds on the tails of
z: the COS sum prices the payoff's even periodic reflection about a and b, so the range
error is at most F M(-q) e^{(1+q) a} (q >= 1) on the left and K M(p) e^{-p b} on the right,
M(p) = E[e^{p z}] from the Riccati equation at u = -i p (exploded moments skipped); a and b
are the least extreme points where the best bound is below ``range_tol`` (default
``cf_tol``), else a RuntimeWarning (``L`` given: the symmetric range c1 -/+ L sqrt(w),
w = T max(V0, theta) + jump variance, with the same check).  The number of terms
N is adaptive: it grows from 64 through 96, 128, 192, 256, ... (re-using the frequencies
already solved) until the truncation estimate 2/(b-a) max_{k >= 7N/8} |phi(u_k)| / u_k
(price units of the strike) is below ``cf_tol``.  One
batch Riccati solve per maturity serves all strikes.  Puts are summed, calls follow by
put-call parity; strikes outside the truncation range get the limits of the truncated
density (the intrinsic value of the in-the-money side, 0 for the other).  Greeks:
delta = dP/dS0, vega = dP/d sqrt(V0) (spot-variance vega).
"""
from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np

from numerics import _cos
from numerics._validate import array, integer, real
from numerics.fractional import riccati_quadratic

__all__ = ["RoughHestonParams", "characteristic_function", "log_mgf", "price", "surface", "greeks",
           "atm_skew_term_structure", "heston_characteristic_function",
           "heston_price_closed_form", "DEFAULT_N"]

DEFAULT_N = 200          # Adams steps per maturity (grid relative to T)
N_COS_MIN, N_COS_MAX = 64, 8192


@dataclasses.dataclass(frozen=True)
class RoughHestonParams:
    """Rough Heston parameters; construction validates every field."""
    H: float
    kappa: float
    theta: float
    eta: float
    rho: float
    V0: float
    lam: float = 0.0
    mu_J: float = 0.0
    sigma_J: float = 0.0

    def __post_init__(self):
        checks = dict(H=(0.0, 0.5, True, False), kappa=(0.0, None, False, False),
                      theta=(0.0, None, False, False), eta=(0.0, None, False, False),
                      rho=(-1.0, 1.0, False, False), V0=(0.0, None, True, False),
                      lam=(0.0, None, False, False), mu_J=(-5.0, 5.0, False, False),
                      sigma_J=(0.0, 5.0, False, False))
        for name, (lo, hi, lo_open, hi_open) in checks.items():
            object.__setattr__(self, name, real(name, getattr(self, name), lo, hi, lo_open, hi_open))

    @property
    def alpha(self):
        return self.H + 0.5


def _params(p):
    if isinstance(p, RoughHestonParams):
        return p
    if isinstance(p, dict):
        try:
            return RoughHestonParams(**p)
        except TypeError as exc:
            raise ValueError(f"params: {exc}") from None
    raise ValueError(f"params must be a RoughHestonParams or a dict, got {type(p).__name__}")


def _jump_m(p):
    return math.exp(p.mu_J + 0.5 * p.sigma_J ** 2) - 1.0


def _riccati(p, u, T, n, richardson=False):
    """int_h and int_F of the Riccati solution; with ``richardson`` the solves on n and n/2
    steps are combined to cancel the leading dt^(1+alpha) error term."""
    A = 0.5 * p.eta * p.eta
    B = 1j * u * p.rho * p.eta - p.kappa
    C = -0.5 * (u * u + 1j * u)
    fine = riccati_quadratic(A, B, C, p.alpha, T, n)
    if not richardson:
        return fine
    coarse = riccati_quadratic(A, B, C, p.alpha, T, n // 2)
    w = 2.0 ** (1.0 + p.alpha)
    return {k: (w * fine[k] - coarse[k]) / (w - 1.0) for k in ("int_h", "int_F")}


def characteristic_function(params, u, T, n=DEFAULT_N):
    """phi(u) = E[exp(i u log(S_T/F_T))] for real u (vector), by the Adams Riccati solve."""
    p = _params(params)
    u = array("u", u, ndim=1)
    T = real("T", T, 0.0, 100.0, lo_open=True)
    n = integer("n", n, 4, 100_000)
    r = _riccati(p, u, T, n)
    logphi = p.kappa * p.theta * r["int_h"] + p.V0 * r["int_F"]
    if p.lam:
        m = _jump_m(p)
        logphi = logphi + p.lam * T * (np.exp(1j * u * p.mu_J - 0.5 * p.sigma_J ** 2 * u * u) - 1.0) \
            - 1j * u * p.lam * m * T
    return np.exp(logphi)


# Chernoff orders for the range: p s in 0.1 * 1.25^j (s = the spot-variance scale sqrt(w)),
# up to 160 / s; exploded moments are skipped
_RANGE_GRID = 0.1 * 1.25 ** np.arange(34)
RANGE_MAX_SD = 400.0     # widest range, in units of s, before the tolerance is given up


def _var_scale(p, T):
    return T * max(p.V0, p.theta) + p.lam * T * (p.mu_J ** 2 + p.sigma_J ** 2)


def log_mgf(params, orders, T, n=DEFAULT_N):
    """log E[exp(p z)], z = log(S_T/F_T), for real orders p (vector), by the Riccati solve.

    Entries whose moment explodes before T (the Riccati solution blows up: the implicit
    step finds no real root, or the value is not finite) are +inf.
    """
    p = _params(params)
    orders = array("orders", orders, ndim=1)
    T = real("T", T, 0.0, 100.0, lo_open=True)
    n = integer("n", n, 4, 100_000)
    return _log_mgf(p, orders, T, n)


def _log_mgf(p, orders, T, n):
    A = 0.5 * p.eta * p.eta
    B = orders * p.rho * p.eta - p.kappa + 0j
    C = 0.5 * (orders * orders - orders) + 0j
    with np.errstate(all="ignore"):
        r = riccati_quadratic(A, B, C, p.alpha, T, n, check_finite=False)
        lm = p.kappa * p.theta * r["int_h"] + p.V0 * r["int_F"]
        if p.lam:
            lm = lm + p.lam * T * (np.exp(orders * p.mu_J + 0.5 * p.sigma_J ** 2 * orders ** 2) - 1.0) \
                - orders * p.lam * _jump_m(p) * T
        # the true moment is real: an imaginary part means the implicit step lost its real
        # root (the solution blew up before T)
        bad = ~np.isfinite(lm) | (np.abs(lm.imag) > 1e-9 * np.maximum(1.0, np.abs(lm.real)))
        bad |= ~(np.isfinite(r["h_T"]))
    out = lm.real.copy()
    out[bad] = np.inf
    return out


def _tail_bounds(a, b, lm_right, lm_left, pr, ql):
    """Upper bounds on the COS range error of the left side (units of F) and right side
    (units of K) for the range [a, b]; see ``_cos_range``."""
    with np.errstate(all="ignore"):
        right = float(np.min(np.exp(lm_right - pr * b), initial=np.inf))
        wl = np.where(ql >= 1.0, 1.0 + ql, ql)
        left = float(np.min(np.exp(lm_left + wl * a), initial=np.inf))
    return left, right


def _cos_range(p, T, n, tol, L=None):
    """COS truncation range [a, b] from Chernoff bounds on the tails of z = log(S_T/F_T).

    The COS sum prices the payoff's even periodic reflection about a and b, so the range
    error of a put (calls by parity share it) is, exactly,
        int_{z<a} f(z) (g~ - g) + int_{z>b} f(z) (g~ - g),
    with |g~ - g| <= F e^{2a - z} on the left and g~ - g = 0 for b < z < 2b - d on the right
    (d = log(K/F) <= b):
        left  <= F e^{2a} E[e^{-z}; z < a] <= F M(-q) e^{(1+q) a}   (q >= 1),
                 or K P(z < a) <= K M(-q) e^{q a}                    (0 < q < 1),
        right <= K P(z > b) <= K M(p) e^{-p b}                       (p > 0),
    M(p) = E[e^{p z}] from the Riccati equation at u = -i p (exploded moments skipped).
    a and b are the least extreme points where the best bound over the grid of orders is
    below ``tol``; ``L`` (explicit) gives the old symmetric range c1 -/+ L sqrt(w) instead.
    Returns (a, b, left_bound, right_bound, met).
    """
    s = math.sqrt(_var_scale(p, T))
    pr = _RANGE_GRID / s
    ql = np.concatenate([[1.0], _RANGE_GRID / s])
    lm = _log_mgf(p, np.concatenate([pr, -ql]), T, n)
    lm_right, lm_left = lm[:pr.size], lm[pr.size:]
    c1 = -0.25 * T * (p.V0 + p.theta) + p.lam * T * (p.mu_J - _jump_m(p))
    if L is not None:
        a, b = c1 - L * s, c1 + L * s
    else:
        lt = math.log(tol)
        with np.errstate(all="ignore"):
            b = float(np.min((lm_right - lt) / pr, initial=np.inf))
            wl = np.where(ql >= 1.0, 1.0 + ql, ql)
            a = float(np.max((lt - lm_left) / wl, initial=-np.inf))
        # never narrower than the bulk, never wider than RANGE_MAX_SD
        a = min(a, c1 - 4.0 * s)
        b = max(b, c1 + 4.0 * s)
        a = max(a, c1 - RANGE_MAX_SD * s)
        b = min(b, c1 + RANGE_MAX_SD * s)
    left, right = _tail_bounds(a, b, lm_right, lm_left, pr, ql)
    return a, b, left, right, max(left, right) <= tol * (1.0 + 1e-9)


class _Slice:
    """COS state of one maturity: truncation range and coefficient vectors."""

    def __init__(self, p, T, n, L, cf_tol, richardson=True, n_start=N_COS_MIN, range_tol=None):
        self.T = T
        range_tol = cf_tol if range_tol is None else range_tol
        self.a, self.b, left, right, met = _cos_range(p, T, n, range_tol, L)
        self.range_err = max(left, right)
        if not met:
            how = "the given L" if L is not None else f"the widest range ({RANGE_MAX_SD:g} sd)"
            warnings.warn(f"COS range error bound {self.range_err:.1e} (left tail {left:.1e}, right "
                          f"tail {right:.1e}) above range_tol={range_tol:.1e} at T={T!r} with "
                          f"{how}; prices may be inaccurate", RuntimeWarning, stacklevel=4)
        om = math.pi / (self.b - self.a)
        N = n_start
        parts = []
        done = 0
        while True:
            u = om * np.arange(done, N, dtype=float)
            r = _riccati(p, u, T, n, richardson)
            parts.append((u, r))
            done = N
            uu = np.concatenate([q[0] for q in parts])
            ih = np.concatenate([q[1]["int_h"] for q in parts])
            iF = np.concatenate([q[1]["int_F"] for q in parts])
            phr, phi_, c1v, c2v = (np.empty(N) for _ in range(4))
            _cos.cf_coefficients(uu, np.ascontiguousarray(ih.real), np.ascontiguousarray(ih.imag),
                                 np.ascontiguousarray(iF.real), np.ascontiguousarray(iF.imag),
                                 p.kappa * p.theta, p.V0, T, p.lam, p.mu_J, p.sigma_J, self.a,
                                 phr, phi_, c1v, c2v)
            # truncation estimate in units of the strike: the cosine coefficients of the
            # payoff decay like 1/u_k, so the neglected sum is about
            # 2/(b-a) sum_{k >= N} |phi_k| / u_k; judged on the last half of the terms
            k0 = N - max(1, N // 8)
            tail = 2.0 / (self.b - self.a) * float(
                np.max(np.hypot(phr[k0:], phi_[k0:]) / np.maximum(1.0, uu[k0:])))
            if tail <= cf_tol or N >= N_COS_MAX:
                break
            N = N * 3 // 2 if N & (N - 1) == 0 else N * 4 // 3      # 64, 96, 128, 192, 256, ...
        if tail > cf_tol:
            warnings.warn(f"COS truncation estimate {tail:.1e} above cf_tol={cf_tol:.1e} at T={T!r} "
                          f"with the maximum of {N_COS_MAX} terms; prices may be inaccurate "
                          "(raise L or use a larger maturity)", RuntimeWarning, stacklevel=4)
        self.N, self.tail = N, tail
        self.c1, self.c2 = c1v, c2v


def _check_pricing(strikes, T, S0, r, q, n, L, cf_tol, range_tol=None):
    strikes = array("strikes", strikes, ndim=1, lo=0.0, lo_open=True)
    S0 = real("S0", S0, 0.0, None, lo_open=True)
    r = real("r", r, -1.0, 1.0)
    q = real("q", q, -1.0, 1.0)
    n = integer("n", n, 8, 100_000)
    L = None if L is None else real("L", L, 4.0, 64.0)
    cf_tol = real("cf_tol", cf_tol, 1e-16, 1e-3)
    range_tol = None if range_tol is None else real("range_tol", range_tol, 1e-16, 1e-3)
    return strikes, S0, r, q, n, L, cf_tol, range_tol


def _price_slice(p, sl, strikes, S0, r, q):
    T = sl.T
    F = S0 * math.exp((r - q) * T)
    x = np.log(strikes / F)
    out = np.empty((strikes.shape[0], 4))
    _cos.cos_sums(sl.c1, sl.c2, sl.a, sl.b, x, out)
    scale = 2.0 / (sl.b - sl.a)
    disc = math.exp(-r * T)
    put = disc * scale * (strikes * out[:, 0] - F * out[:, 1])
    call = put + disc * (F - strikes)
    dput = -math.exp(-q * T) * scale * out[:, 1]
    dcall = dput + math.exp(-q * T)
    vega = 2.0 * math.sqrt(p.V0) * disc * scale * (strikes * out[:, 2] - F * out[:, 3])
    # strikes outside the truncation range: the limits of the truncated density, exactly
    hi, lo = x >= sl.b, x <= sl.a
    if hi.any() or lo.any():
        call[hi], put[hi] = 0.0, disc * (strikes[hi] - F)
        dcall[hi], dput[hi] = 0.0, -math.exp(-q * T)
        call[lo], put[lo] = disc * (F - strikes[lo]), 0.0
        dcall[lo], dput[lo] = math.exp(-q * T), 0.0
        vega[hi | lo] = 0.0
    return call, put, dcall, dput, vega


def greeks(params, strikes, T, S0=1.0, r=0.0, q=0.0, n=DEFAULT_N, L=None, cf_tol=1e-12,
           richardson=True, range_tol=None):
    """Dict with call, put, call_delta, put_delta, vega (= dPrice/d sqrt(V0)) and COS info.

    COS info: ``n_cos`` (terms), ``cf_tail`` (frequency truncation estimate), ``a``, ``b``
    (range of log(S_T/F_T)), ``range_err`` (bound on the range error, in units of the
    forward or strike; ``range_tol`` defaults to ``cf_tol``).
    """
    p = _params(params)
    T = real("T", T, 0.0, 100.0, lo_open=True)
    strikes, S0, r, q, n, L, cf_tol, range_tol = _check_pricing(strikes, T, S0, r, q, n, L, cf_tol,
                                                                range_tol)
    sl = _Slice(p, T, n, L, cf_tol, bool(richardson), range_tol=range_tol)
    call, put, dc, dp, vega = _price_slice(p, sl, strikes, S0, r, q)
    return dict(call=call, put=put, call_delta=dc, put_delta=dp, vega=vega, n_cos=sl.N,
                cf_tail=sl.tail, a=sl.a, b=sl.b, range_err=sl.range_err)


def price(params, strikes, T, S0=1.0, r=0.0, q=0.0, kind="call", n=DEFAULT_N, L=None,
          cf_tol=1e-12, richardson=True, range_tol=None):
    """European call or put prices at one maturity for a vector of strikes."""
    if kind not in ("call", "put"):
        raise ValueError(f"kind must be 'call' or 'put', got {kind!r}")
    return greeks(params, strikes, T, S0, r, q, n, L, cf_tol, richardson, range_tol)[kind]


def surface(params, strikes, maturities, S0=1.0, r=0.0, q=0.0, kind="call", n=DEFAULT_N,
            L=None, cf_tol=1e-12, richardson=True, range_tol=None):
    """Prices on strikes x maturities: array of shape (len(maturities), len(strikes))."""
    p = _params(params)
    if kind not in ("call", "put"):
        raise ValueError(f"kind must be 'call' or 'put', got {kind!r}")
    maturities = array("maturities", maturities, ndim=1, lo=0.0, hi=100.0, lo_open=True)
    strikes, S0, r, q, n, L, cf_tol, range_tol = _check_pricing(strikes, 1.0, S0, r, q, n, L,
                                                                cf_tol, range_tol)
    out = np.empty((maturities.shape[0], strikes.shape[0]))
    n_start = N_COS_MIN
    for i, T in enumerate(maturities):
        # start the adaptive term count from the neighbouring maturity's (it still grows
        # if this one needs more)
        sl = _Slice(p, float(T), n, L, cf_tol, bool(richardson), n_start, range_tol)
        n_start = max(N_COS_MIN, sl.N * 2 // 3 if sl.N & (sl.N - 1) else sl.N * 3 // 4)
        call, put, *_ = _price_slice(p, sl, strikes, S0, r, q)
        out[i] = call if kind == "call" else put
    return out


def atm_skew_term_structure(params, maturities, n=DEFAULT_N, half_width=0.25, points=9,
                            L=None, cf_tol=1e-14, richardson=True, range_tol=1e-12):
    """ATM implied-volatility skew d sigma_BS / d k at k = log(K/F) = 0, per maturity.

    For each T the smile is priced by COS at ``points`` log-moneyness values spread over
    +/- half_width * sqrt(V0 T) (out-of-the-money options), inverted to implied vols and
    fitted by ``numerics.estimators.smile_skew_curvature``.  Returns a dict of arrays:
    maturities, skew, skew_err (fit error estimate), curvature, atm_vol.
    """
    from numerics.black_scholes import implied_vol
    from numerics.estimators import smile_skew_curvature

    p = _params(params)
    maturities = array("maturities", maturities, ndim=1, lo=0.0, hi=100.0, lo_open=True)
    half_width = real("half_width", half_width, 0.0, 5.0, lo_open=True)
    points = integer("points", points, 5, 101)
    n = integer("n", n, 8, 100_000)
    res = {k: np.empty(maturities.shape[0]) for k in ("skew", "skew_err", "curvature", "atm_vol")}
    for i, T in enumerate(maturities):
        T = float(T)
        k = np.linspace(-1.0, 1.0, points) * half_width * math.sqrt(p.V0 * T)
        K = np.exp(k)
        sl = _Slice(p, T, n, L, cf_tol, bool(richardson), range_tol=range_tol)
        call, put, *_ = _price_slice(p, sl, K, 1.0, 0.0, 0.0)
        otm = np.where(k >= 0.0, call, put)
        iv = implied_vol(otm, 1.0, K, T, kind=np.where(k >= 0.0, "call", "put"))
        fit = smile_skew_curvature(k, iv)
        res["skew"][i] = fit["skew"]
        res["skew_err"][i] = fit["skew_err"]
        res["curvature"][i] = fit["curvature"]
        res["atm_vol"][i] = fit["atm_vol"]
    res["maturities"] = maturities
    return res


# ---------------------------------------------------------------------------
# Classical Heston (H = 1/2) closed form, for validation
# ---------------------------------------------------------------------------

def heston_characteristic_function(u, T, kappa, theta, eta, rho, V0):
    """Closed-form Heston characteristic function of log(S_T/F_T) (Albrecher et al. form)."""
    u = np.asarray(u, dtype=complex)
    beta = kappa - 1j * rho * eta * u
    d = np.sqrt(beta * beta + eta * eta * (u * u + 1j * u))
    g = (beta - d) / (beta + d)
    e = np.exp(-d * T)
    C = kappa * theta / eta ** 2 * ((beta - d) * T - 2.0 * np.log((1.0 - g * e) / (1.0 - g)))
    D = (beta - d) / eta ** 2 * (1.0 - e) / (1.0 - g * e)
    return np.exp(C + D * V0)


def heston_price_closed_form(strikes, T, S0, r, q, kappa, theta, eta, rho, V0, kind="call"):
    """Heston European prices by the Gil-Pelaez inversion of the closed-form CF (adaptive quad)."""
    from scipy.integrate import quad

    strikes = array("strikes", strikes, ndim=1, lo=0.0, lo_open=True)
    F = S0 * math.exp((r - q) * T)
    out = np.empty(strikes.shape[0])
    for i, K in enumerate(strikes):
        k = math.log(K / F)

        def integrand(u, j):
            uu = u - 1j if j == 1 else u + 0j
            val = heston_characteristic_function(np.array([uu]), T, kappa, theta, eta, rho, V0)[0]
            return (np.exp(-1j * u * k) * val / (1j * u)).real

        P1 = 0.5 + quad(integrand, 0.0, np.inf, args=(1,), limit=500, epsabs=1e-14, epsrel=1e-12)[0] / math.pi
        P2 = 0.5 + quad(integrand, 0.0, np.inf, args=(2,), limit=500, epsabs=1e-14, epsrel=1e-12)[0] / math.pi
        call = math.exp(-r * T) * (F * P1 - K * P2)
        out[i] = call if kind == "call" else call - math.exp(-r * T) * (F - K)
    return out
