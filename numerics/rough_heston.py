"""Rough Heston pricing (El Euch-Rosenbaum) by fractional Riccati + COS (public, validating).

Model (variance V, log-price with drift r - q):
    V_t = V0 + 1/Gamma(alpha) int_0^t (t-s)^(alpha-1) (kappa (theta - V_s) ds + eta sqrt(V_s) dW_s),
    alpha = H + 1/2, 0 < H <= 1/2, corr(dW, dB) = rho, optional Merton jumps in the price:
    intensity lam, log(1 + J) ~ N(mu_J, sigma_J^2), compensated.

Characteristic function of z = log(S_T / F_T), F_T = S0 e^{(r-q)T}:
    log phi(u) = kappa theta int_0^T h + V0 I^(1-alpha) h (T) + jumps,
    h = I^alpha F(u, h),  F(u, h) = 1/2 (eta^2 h^2 + 2 (i u rho eta - kappa) h - (u^2 + i u)),
and I^(1-alpha) h (T) = int_0^T F(u, h(s)) ds.  The Riccati equation is solved on n steps
(grid relative to T) and also on n/2 steps: the two are combined by Richardson
extrapolation with the scheme's leading order 1 + alpha (``richardson=True``), which costs
1.25 solves and gains about an order of magnitude at n ~ 100; the pricing default
``richardson=2`` adds n/4 steps and cancels the dt^(1+2 alpha) term too (1.31 solves; max
error against QuantLib references 8.8e-6 instead of 3.3e-5 at S0 = 100, n = 200).  (At H = 1/2 this is the classical
Heston characteristic function; ``heston_characteristic_function`` gives its closed form.)

COS method (Fang-Oosterlee 2008) on [a, b], chosen from Chernoff bounds on the tails of
z: the COS sum prices the payoff's even periodic reflection about a and b, so the range
error is at most F M(-q) e^{(1+q) a} (q >= 1) on the left and K M(p) e^{-p b} on the right,
M(p) = E[e^{p z}] from the Riccati equation at u = -i p (exploded moments skipped); a and b
are the least extreme points where the best bound is below ``range_tol`` (default
``cf_tol``), else a RuntimeWarning (``L`` given: the symmetric range c1 -/+ L sqrt(w),
w = T max(V0, theta) + jump variance, with the same check).  Frequencies: by default
(``nodes=64``) int_h and int_F are solved at Chebyshev-Lobatto nodes in sqrt(u / U) up to
a cut-off U found by probes, and interpolated to the COS frequencies (the node count
doubles until the interpolation error estimate meets ``cf_tol``; the direct path takes
over when it cannot); with ``nodes=0`` every COS frequency is solved and the number of
terms N grows from 64 through 96, 128, 192, 256, ... until the truncation estimate
2/(b-a) max_{k >= 7N/8} |phi(u_k)| / u_k (price units of the strike) is below ``cf_tol``.
One batch Riccati solve per maturity serves all strikes.  Puts are summed, calls follow by
put-call parity; strikes outside the truncation range get the limits of the truncated
density (the intrinsic value of the in-the-money side, 0 for the other); prices are kept
inside the no-arbitrage bounds (a RuntimeWarning when that moves one by more than the
error estimate).  Greeks: delta = dP/dS0, vega = dP/d sqrt(V0) (spot-variance vega).

Domain of the pricer: |rho| < 1, 1e-8 <= T <= 100 years, sqrt(T max(V0, theta)) >= 1e-7
and an O(n^2) Adams work of at most WORK_MAX per maturity (ValueError otherwise).
"""
from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from numerics import _cos
from numerics._validate import array, integer, real
from numerics._validate import collect_warnings
from numerics._validate import warn as _warn
from numerics.fractional import _riccati_unchecked, riccati_quadratic

__all__ = ["RoughHestonParams", "characteristic_function", "log_mgf", "price", "surface", "greeks",
           "atm_skew_term_structure", "heston_characteristic_function",
           "heston_price_closed_form", "DEFAULT_N", "settings_for_accuracy", "price_to_accuracy",
           "surface_to_accuracy", "AccuratePrices", "DEFAULT_ACCURACY"]

DEFAULT_N = 200          # Adams steps per maturity (grid relative to T)
DEFAULT_NODES = 64       # Chebyshev nodes in frequency (0: solve every COS frequency)
T_MIN = 1e-8             # shortest maturity priced (years, about 0.3 s; see _check_model)
SCALE_MIN = 1e-7         # narrowest spot-variance scale sqrt(T max(V0, theta)) priced
WORK_MAX = 2e10          # Riccati multiply-adds per maturity (about 10-30 s of one core)
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


def _riccati(p, u, T, n, richardson=False, check=True, coarse=False):
    """int_h and int_F of the Riccati solution.  ``richardson``: False (n steps), True or 1
    (n and n/2 combined to cancel the leading dt^(1+alpha) error term), 2 (n, n/2 and n/4:
    the dt^(1+2 alpha) term too -- the next term of the expansion of the weakly singular
    solution h ~ t^alpha; about 3x smaller errors for H <= 0.3 at the same n, no gain near
    H = 1/2).  With ``check=False`` an unresolved step is reported in ``blowup`` instead
    of raising.  ``coarse``: one more level (n / 2^(richardson+1)) gives the same
    extrapolation on the grid of n/2 steps too, returned as int_h_c and int_F_c (the
    difference between the two is the a-posteriori estimate of ``price_to_accuracy``)."""
    A = 0.5 * p.eta * p.eta
    B = 1j * u * p.rho * p.eta - p.kappa
    C = -0.5 * (u * u + 1j * u)
    solve = riccati_quadratic if check else _riccati_unchecked
    levels = [solve(A, B, C, p.alpha, T, n, check_finite=check)]
    for m in range(int(richardson) + bool(coarse)):
        levels.append(solve(A, B, C, p.alpha, T, n >> (m + 1), check_finite=check))
    keys = ("int_h", "int_F")
    vals = [{k: lv[k] for k in keys} for lv in levels]
    for m in range(int(richardson)):
        w = 2.0 ** (1.0 + (m + 1) * p.alpha)
        vals = [{k: (w * fine[k] - coarse[k]) / (w - 1.0) for k in keys}
                for fine, coarse in zip(vals[:-1], vals[1:])]
    out = vals[0]
    if coarse:
        out["int_h_c"], out["int_F_c"] = vals[1]["int_h"], vals[1]["int_F"]
    if not check:
        out["blowup"] = np.maximum.reduce([lv["blowup"] for lv in levels])
    return out


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
N_MOMENTS = 48           # Adams steps (at most) for the moments of the range


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


def _log_mgf(p, orders, T, n, probes=None):
    """log E[exp(p z)] at real orders (+inf where exploded); with ``probes`` (real
    frequencies) the same Riccati call also returns their (int_h, int_F, blowup)."""
    A = 0.5 * p.eta * p.eta
    B = orders * p.rho * p.eta - p.kappa + 0j
    C = 0.5 * (orders * orders - orders) + 0j
    if probes is not None:
        B = np.concatenate([B, 1j * probes * p.rho * p.eta - p.kappa])
        C = np.concatenate([C, -0.5 * (probes * probes + 1j * probes)])
    k = orders.shape[0]
    with np.errstate(all="ignore"):
        r = _riccati_unchecked(A, B, C, p.alpha, T, n)
        lm = p.kappa * p.theta * r["int_h"][:k] + p.V0 * r["int_F"][:k]
        if p.lam:
            lm = lm + p.lam * T * (np.exp(orders * p.mu_J + 0.5 * p.sigma_J ** 2 * orders ** 2) - 1.0) \
                - orders * p.lam * _jump_m(p) * T
        # a moment that explodes before T: the step loses its resolution (flagged by the
        # kernel; past the fold the implicit root turns complex)
        bad = (r["blowup"][:k] != 0) | ~np.isfinite(lm) \
            | (np.abs(lm.imag) > 1e-9 * np.maximum(1.0, np.abs(lm.real)))
    out = lm.real.copy()
    out[bad] = np.inf
    if probes is None:
        return out
    return out, (r["int_h"][k:], r["int_F"][k:], r["blowup"][k:])


def _tail_bounds(a, b, lm_right, lm_left, pr, ql):
    """Upper bounds on the COS range error of the left side (units of F) and right side
    (units of K) for the range [a, b]; see ``_cos_range``."""
    with np.errstate(all="ignore"):
        right = float(np.min(np.exp(lm_right - pr * b), initial=np.inf))
        wl = np.where(ql >= 1.0, 1.0 + ql, ql)
        left = float(np.min(np.exp(lm_left + wl * a), initial=np.inf))
    return left, right


def _cos_range(p, T, n, tol, L=None, probes=None):
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
    The moments are solved on min(n, N_MOMENTS) steps (a coarser grid flags explosions
    earlier, so the range only widens).  Returns (a, b, left_bound, right_bound, met), and
    the probe results of ``_log_mgf`` when ``probes`` are given.
    """
    s = math.sqrt(_var_scale(p, T))
    pr = _RANGE_GRID / s
    ql = np.concatenate([[1.0], _RANGE_GRID / s])
    got = _log_mgf(p, np.concatenate([pr, -ql]), T, min(n, N_MOMENTS), probes)
    lm, probed = (got, None) if probes is None else got
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
    met = max(left, right) <= tol * (1.0 + 1e-9)
    if probes is None:
        return a, b, left, right, met
    return a, b, left, right, met, probed


NODES_MAX = 512        # Chebyshev nodes per maturity, at most
_SKIP_NODES = 8        # accuracy path: no Chebyshev nodes below 4 x 8 x nodes COS terms (measured
                       # fastest on the service's requests: 0.92 ms against 1.35 ms with 2)
_PROBES = 2.0 ** np.arange(1.0, 11.75, 0.5)   # u s of the cut-off probes


@functools.lru_cache(maxsize=16)
def _dct1_matrix(M):
    j = np.arange(M + 1)
    w = np.full(M + 1, 2.0 / M)
    w[0] = w[-1] = 1.0 / M
    mat = w[:, None] * np.cos(np.pi * np.outer(j, j) / M)
    mat[:, 0] *= 0.5
    mat[:, -1] *= 0.5
    mat.setflags(write=False)
    return mat


def _cheb_fit(vals):
    """Chebyshev coefficients from values at the M+1 Lobatto points cos(pi j / M) (DCT-I),
    halved at both ends so that f = sum_k c_k T_k."""
    return vals @ _dct1_matrix(vals.shape[-1] - 1)


class _Slice:
    """COS state of one maturity: truncation range and coefficient vectors.

    ``nodes = 0``: the Riccati equation is solved at every COS frequency (terms grow until
    the frequency truncation estimate meets ``cf_tol``).  ``nodes = M > 0``: the frequency
    cut-off U is found from a few probes, int_h and int_F are solved at M + 1 Chebyshev
    (Lobatto) nodes in sqrt(u / U) and interpolated to the COS frequencies; M doubles (the
    nodes nest) until the last coefficients of log phi are below ``cf_tol``.  ``coarse``:
    the coefficients of the n/2-grid extrapolation too (``c1c``, ``c2c``; else None).
    """

    def __init__(self, p, T, n, L, cf_tol, richardson=True, n_start=N_COS_MIN, range_tol=None,
                 nodes=0, coarse=False):
        self.T = T
        self.c1c = self.c2c = None
        range_tol = cf_tol if range_tol is None else range_tol
        probes = _PROBES / math.sqrt(_var_scale(p, T)) if nodes else None
        got = _cos_range(p, T, n, range_tol, L, probes)
        self.a, self.b, left, right, met = got[:5]
        self.range_err = max(left, right)
        if not met:
            how = "the given L" if L is not None else f"the widest range ({RANGE_MAX_SD:g} sd)"
            _warn(f"COS range error bound {self.range_err:.1e} (left tail {left:.1e}, right "
                  f"tail {right:.1e}) above range_tol={range_tol:.1e} at T={T!r} with "
                  f"{how}; prices may be inaccurate", RuntimeWarning, stacklevel=4)
        self.interp_err, self.nodes = 0.0, 0
        self._n_hint = 0
        got = self._interpolated(p, T, n, cf_tol, richardson, nodes, got[5], coarse) if nodes else None
        if got is None:
            got = self._direct(p, T, n, cf_tol, richardson, max(n_start, self._n_hint), coarse)
        uu, ih, iF, N = got[:4]
        phr, phi_, c1v, c2v = self._coefficients(p, T, uu, ih, iF)
        if coarse:
            self.c1c, self.c2c = self._coefficients(p, T, uu, got[4], got[5])[2:]
        tail = self._tail(uu, phr, phi_)
        if tail > cf_tol:
            _warn(f"COS truncation estimate {tail:.1e} above cf_tol={cf_tol:.1e} at T={T!r} "
                  f"with {N} terms (at most {N_COS_MAX}); prices may be inaccurate "
                  "(use a larger maturity or a looser cf_tol)", RuntimeWarning, stacklevel=4)
        self.N, self.tail = N, tail
        self.c1, self.c2 = c1v, c2v

    def _coefficients(self, p, T, uu, ih, iF):
        phr, phi_, c1v, c2v = (np.empty(uu.shape[0]) for _ in range(4))
        _cos.cf_coefficients(uu, np.ascontiguousarray(ih.real), np.ascontiguousarray(ih.imag),
                             np.ascontiguousarray(iF.real), np.ascontiguousarray(iF.imag),
                             p.kappa * p.theta, p.V0, T, p.lam, p.mu_J, p.sigma_J, self.a,
                             phr, phi_, c1v, c2v)
        return phr, phi_, c1v, c2v

    def _tail(self, uu, phr, phi_):
        # truncation estimate in units of the strike: the cosine coefficients of the payoff
        # decay like 1/u_k, so the neglected sum is about 2/(b-a) sum_{k >= N} |phi_k| / u_k;
        # judged on the last eighth of the terms
        N = uu.shape[0]
        k0 = N - max(1, N // 8)
        return 2.0 / (self.b - self.a) * float(
            np.max(np.hypot(phr[k0:], phi_[k0:]) / np.maximum(1.0, uu[k0:])))

    def _direct(self, p, T, n, cf_tol, richardson, n_start, coarse=False):
        om = math.pi / (self.b - self.a)
        N = n_start
        parts = []
        done = 0
        while True:
            u = om * np.arange(done, N, dtype=float)
            parts.append((u,) + _solve_cf(p, u, T, n, richardson, check=False, coarse=coarse))
            done = N
            uu, ih, iF, blown, *cc = (np.concatenate([q[i] for q in parts]) for i in range(len(parts[0])))
            lp = p.kappa * p.theta * ih.real + p.V0 * iF.real + _jump_re(p, uu, T)
            crit = 2.0 / (self.b - self.a) * np.exp(lp) / np.maximum(1.0, uu)
            bad = np.flatnonzero(blown)
            if bad.size:
                # frequencies the grid does not resolve: harmless only when the terms below
                # them already meet the truncation criterion (|phi| decreases with u)
                kf = int(bad[0])
                k0 = kf - max(1, kf // 8)
                if kf < N_COS_MIN or float(np.max(crit[k0:kf])) > cf_tol:
                    _raise_unresolved(p, uu, T, REFINE_MAX * n, blown)
                return (uu[:kf], ih[:kf], iF[:kf], kf) + tuple(c[:kf] for c in cc)
            k0 = N - max(1, N // 8)
            nxt = N * 3 // 2 if N & (N - 1) == 0 else N * 4 // 3      # 64, 96, 128, 192, 256, ...
            # (the work bound stops the growth; the truncation warning then tells)
            if float(np.max(crit[k0:])) <= cf_tol or N >= N_COS_MAX \
                    or 0.8 * n * n * nxt > WORK_MAX:
                return (uu, ih, iF, N) + tuple(cc)
            N = nxt

    def _interpolated(self, p, T, n, cf_tol, richardson, nodes, probed, coarse=False):
        width = self.b - self.a
        s = math.sqrt(_var_scale(p, T))
        # frequency cut-off: the first probe (solved with the moments, on their grid) where
        # 2/(b-a) |phi(u)| / u <= cf_tol bounds the interpolation domain [0, 1.25 u]; the
        # number of terms is then read off the interpolant
        up = _PROBES / s
        ih, iF, blown = probed
        crit = np.log(2.0 / width) + p.kappa * p.theta * ih.real + p.V0 * iF.real \
            + _jump_re(p, up, T) - np.log(np.maximum(1.0, up)) - math.log(cf_tol)
        below = np.flatnonzero((crit <= 0.0) & (blown == 0))
        j = int(below[0]) if below.size else up.shape[0] - 1
        if blown[:j + 1].any():       # unresolved below the cut-off: the direct path
            return None
        NU = int(min(N_COS_MAX, max(N_COS_MIN, math.ceil(1.25 * up[j] * width / math.pi) + 1)))
        if coarse and _SKIP_NODES * nodes > NU // 4:
            # (the accuracy path) few terms: solving them all costs less than nodes that may
            # not be enough; the direct path starts at the probed count instead of growing to it
            self._n_hint = NU
            return None
        U = (NU - 1) * math.pi / width
        # Chebyshev nodes in x = 2 sqrt(u / U) - 1 (log phi is smooth in sqrt(u)); nested.
        # All nodes share one grid (an interpolant of values from different grids is not
        # smooth): unresolved nodes, or M reaching NU / 4, hand over to the direct path.
        uu = np.arange(NU, dtype=float) * (math.pi / width)
        xu = 2.0 * np.sqrt(uu / U) - 1.0
        kt = p.kappa * p.theta
        M = nodes
        x = np.cos(np.pi * np.arange(M + 1) / M)
        ih, iF, blown, *cc = _solve_cf(p, U * (0.5 * (1.0 + x)) ** 2, T, n, richardson, check=False,
                                       refine=False, coarse=coarse)
        while True:
            if blown.any():
                return None
            lpv = kt * ih + p.V0 * iF
            coef = _cheb_fit(np.stack([ih.real, ih.imag, iF.real, iF.imag, lpv.real, lpv.imag]
                                      + [f(c) for c in cc for f in (np.real, np.imag)]))
            # terms: up to the last frequency whose criterion fails, then 1/8 more (the tail
            # estimate looks at the last eighth); only Re log phi is needed for that
            lre = np.empty((1, NU))
            _cos.cheb_eval(np.ascontiguousarray(coef[4:5]), xu, lre)
            lp = lre[0] + _jump_re(p, uu, T)
            big = np.flatnonzero(lp + np.log(2.0 / width) - np.log(np.maximum(1.0, uu))
                                 > math.log(cf_tol))
            N = min(N_COS_MIN, NU) if big.size == 0 else \
                int(min(NU, max(N_COS_MIN, (big[-1] + 2) * 8 // 7 + 1)))
            # interpolation error, in price units of the strike: the interpolants on the
            # nested M/2 and M/4 subsets of the nodes against this one at the N frequencies,
            # weighted by |phi_k| and the payoff coefficients' bound min(2, 4/((b-a) u_k)),
            # measure e(M/2) and e(M/4); the error of this level is taken as
            # e(M/2)^2 / e(M/4) (Chebyshev convergence is at least geometric: measured
            # 10-100x above the true error), or e(M/2) itself when the rate is not clear
            allc = np.zeros((10 + coef.shape[0] - 6, M + 1))
            allc[:6] = coef[:6]
            allc[6:8, :M // 2 + 1] = _cheb_fit(np.stack([lpv.real[::2], lpv.imag[::2]]))
            allc[8:10, :M // 4 + 1] = _cheb_fit(np.stack([lpv.real[::4], lpv.imag[::4]]))
            allc[10:] = coef[6:]
            ev = np.empty((allc.shape[0], N))
            _cos.cheb_eval(allc, xu[:N], ev)
            wgt = np.exp(lp[:N]) * np.minimum(2.0, 4.0 / np.maximum(1e-300, width * uu[:N]))
            e_half = float(np.sum(wgt * np.hypot(ev[4] - ev[6], ev[5] - ev[7])))
            e_quarter = float(np.sum(wgt * np.hypot(ev[6] - ev[8], ev[7] - ev[9])))
            est = e_half * e_half / e_quarter if 0.0 < e_half < 0.1 * e_quarter else e_half
            if est <= cf_tol:
                break
            if 2 * M > min(NODES_MAX, NU // 4):
                self._n_hint = NU if coarse else 0
                return None
            # the 2M Lobatto points: the old ones at even indices, new ones at odd
            x2 = np.cos(np.pi * np.arange(1, 2 * M, 2) / (2 * M))
            ih2, iF2, bl2, *cc2 = _solve_cf(p, U * (0.5 * (1.0 + x2)) ** 2, T, n, richardson,
                                            check=False, refine=False, coarse=coarse)
            ih, iF, blown = _interleave(ih, ih2), _interleave(iF, iF2), _interleave(blown, bl2)
            cc = [_interleave(c, c2) for c, c2 in zip(cc, cc2)]
            M *= 2
        self.interp_err, self.nodes = est, M
        out = (uu[:N], ev[0] + 1j * ev[1], ev[2] + 1j * ev[3], N)
        if coarse:
            out += (ev[10] + 1j * ev[11], ev[12] + 1j * ev[13])
        return out


def _interleave(even, odd):
    out = np.empty(even.shape[0] + odd.shape[0], dtype=even.dtype)
    out[0::2] = even
    out[1::2] = odd
    return out


def _jump_re(p, u, T):
    """Real part of the jump term of log phi (0 without jumps)."""
    if not p.lam:
        return 0.0
    return p.lam * T * (np.exp(-0.5 * p.sigma_J ** 2 * u * u) * np.cos(u * p.mu_J) - 1.0)


REFINE_MAX = 8          # unresolved frequencies are re-solved on up to 8 n steps


def _solve_cf(p, u, T, n, richardson, check=True, refine=True, coarse=False):
    """(int_h, int_F[, blowup]) at real frequencies u.

    A frequency whose solution the grid does not resolve (the kernel's blow-up flag; for
    real u it means the first steps overshoot, at high u with |rho| near 1 or alpha near 1)
    is re-solved on 2n, 4n, ... up to REFINE_MAX n steps (``refine``); one still unresolved
    is a clear error, or (``check=False``) reported in the returned flags.  ``coarse``: the
    n/2-grid extrapolation too (``_riccati``), appended to the returned tuple."""
    r = _riccati(p, u, T, n, richardson, check=False, coarse=coarse)
    keys = ("int_h", "int_F", "blowup") + (("int_h_c", "int_F_c") if coarse else ())
    got = [r[k] for k in keys]
    ih, iF, blown = got[:3]
    m = 2
    while refine and blown.any() and m <= REFINE_MAX:
        idx = np.flatnonzero(blown)
        rr = _riccati(p, u[idx], T, m * n, richardson, check=False, coarse=coarse)
        for arr, k in zip(got, keys):
            arr[idx] = rr[k]
        m *= 2
    if refine and blown.any() and richardson == 2:
        # the n/4 level is the one that fails: two levels on the finest grid
        idx = np.flatnonzero(blown)
        rr = _riccati(p, u[idx], T, REFINE_MAX * n, 1, check=False, coarse=coarse)
        for arr, k in zip(got, keys):
            arr[idx] = rr[k]
    if not check:
        return tuple(got)
    _raise_unresolved(p, u, T, REFINE_MAX * n if refine else n, blown)
    return ih, iF


class _Unresolved(ValueError):
    """A frequency the Adams grid does not resolve (a finer grid may)."""


def _raise_unresolved(p, u, T, n, blown):
    bad = blown != 0
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise _Unresolved(f"the Riccati solution at frequency u={u[j]:.6g} (T={T!r}) is not resolved "
                         f"by n={n} steps (step {int(blown[j])}); increase n")


def _levels(richardson):
    return 2 if (richardson == 2 and not isinstance(richardson, (bool, np.bool_))) else int(bool(richardson))


def _check_pricing(strikes, T, S0, r, q, n, L, cf_tol, range_tol=None, nodes=0, richardson=True):
    if not (isinstance(richardson, (bool, np.bool_)) or (isinstance(richardson, int) and richardson == 2)):
        raise ValueError(f"richardson must be False, True (two levels) or 2 (three levels), "
                         f"got {richardson!r}")
    strikes = array("strikes", strikes, ndim=1, lo=0.0, lo_open=True)
    S0 = real("S0", S0, 0.0, None, lo_open=True)
    r = real("r", r, -1.0, 1.0)
    q = real("q", q, -1.0, 1.0)
    n = integer("n", n, 8, 100_000)
    L = None if L is None else real("L", L, 4.0, 64.0)
    cf_tol = real("cf_tol", cf_tol, 1e-16, 1e-3)
    range_tol = None if range_tol is None else real("range_tol", range_tol, 1e-16, 1e-3)
    nodes = integer("nodes", nodes, 0, NODES_MAX)
    if nodes and (nodes < 16 or nodes & (nodes - 1)):
        raise ValueError(f"nodes must be 0 (no interpolation) or a power of two in [16, {NODES_MAX}], "
                         f"got {nodes}")
    return strikes, S0, r, q, n, L, cf_tol, range_tol, nodes


def _price_slice(p, sl, strikes, S0, r, q, vega=True):
    T = sl.T
    F = S0 * math.exp((r - q) * T)
    x = np.log(strikes / F)
    out = np.empty((strikes.shape[0], 4))
    _cos.cos_sums(sl.c1, sl.c2, sl.a, sl.b, x, out, 0, bool(vega))
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
    _enforce_bounds(sl, call, put, strikes, S0, F, disc, math.exp(-q * T))
    return call, put, dcall, dput, vega


def _enforce_bounds(sl, call, put, strikes, S0, F, disc, dq):
    """No-arbitrage bounds max(0, e^{-qT} S0 - e^{-rT} K) <= call <= e^{-qT} S0 (puts alike).

    A violation within the slice's own error estimate (truncation, range, interpolation,
    rounding) is clipped; a larger one is clipped with a RuntimeWarning naming its size."""
    scale = disc * np.maximum(F, strikes)
    slack = scale * (10.0 * (sl.tail + sl.range_err + sl.interp_err) + 1e-12)
    clo = np.maximum(0.0, dq * S0 - disc * strikes)
    plo = np.maximum(0.0, disc * strikes - dq * S0)
    viol = np.maximum.reduce([clo - call, call - dq * S0, plo - put, put - disc * strikes])
    if np.any(viol > slack):
        i = int(np.argmax(viol - slack))
        _warn(f"rough Heston price outside its no-arbitrage bounds by {viol[i]:.2e} at "
              f"K={strikes[i]!r}, T={sl.T!r} (error estimate {slack[i]:.1e}); clipped to the "
              "bound: the prices at this T are unreliable (increase n, tighten cf_tol)",
              RuntimeWarning, stacklevel=4)
    np.clip(call, clo, dq * S0, out=call)
    np.clip(put, plo, disc * strikes, out=put)


def _check_model(p, T, n):
    """The pricer's domain: |rho| < 1, T >= T_MIN, a spot-variance scale >= SCALE_MIN and a
    bounded amount of work (ValueError naming the parameter otherwise)."""
    if abs(p.rho) == 1.0:
        raise ValueError(f"rho must be in (-1, 1) for COS pricing, got {p.rho!r}: at |rho| = 1 the "
                         "characteristic function decays only like exp(-c sqrt(u)) and the Riccati "
                         "steps cannot resolve the frequencies it needs")
    if T < T_MIN:
        raise ValueError(f"T must be in [{T_MIN!r}, 100.0] years for COS pricing, got {T!r}: below, "
                         "the distribution of log(S_T/F_T) is narrower than the sums resolve")
    sc = math.sqrt(_var_scale(p, T))
    if sc < SCALE_MIN:
        raise ValueError(f"sqrt(T max(V0, theta)) = {sc:.3g} at T={T!r} is below {SCALE_MIN!r}: the "
                         "time value is below the rounding of the COS sums; use a larger T or V0")
    work = 0.625 * n * n * (N_COS_MIN + 2 * _RANGE_GRID.size)
    if work > WORK_MAX:
        nmax = int(math.sqrt(WORK_MAX / (0.625 * (N_COS_MIN + 2 * _RANGE_GRID.size))))
        raise ValueError(f"n must be at most {nmax} for pricing, got {n}: the Adams solve costs "
                         f"O(n^2) per frequency ({work:.1e} multiply-adds per maturity at least, "
                         f"budget {WORK_MAX:.0e})")


def greeks(params, strikes, T, S0=1.0, r=0.0, q=0.0, n=DEFAULT_N, L=None, cf_tol=1e-12,
           richardson=2, range_tol=None, nodes=DEFAULT_NODES):
    """Dict with call, put, call_delta, put_delta, vega (= dPrice/d sqrt(V0)) and COS info.

    COS info: ``n_cos`` (terms), ``cf_tail`` (frequency truncation estimate), ``a``, ``b``
    (range of log(S_T/F_T)), ``range_err`` (bound on the range error, in units of the
    forward or strike; ``range_tol`` defaults to ``cf_tol``).
    """
    return _greeks(params, strikes, T, S0, r, q, n, L, cf_tol, richardson, range_tol, nodes, True)


def _greeks(params, strikes, T, S0, r, q, n, L, cf_tol, richardson, range_tol, nodes, want_vega):
    p = _params(params)
    T = real("T", T, 0.0, 100.0, lo_open=True)
    strikes, S0, r, q, n, L, cf_tol, range_tol, nodes = _check_pricing(
        strikes, T, S0, r, q, n, L, cf_tol, range_tol, nodes, richardson)
    _check_model(p, T, n)
    sl = _Slice(p, T, n, L, cf_tol, _levels(richardson), range_tol=range_tol, nodes=nodes)
    call, put, dc, dp, vega = _price_slice(p, sl, strikes, S0, r, q, want_vega)
    return dict(call=call, put=put, call_delta=dc, put_delta=dp, vega=vega, n_cos=sl.N,
                cf_tail=sl.tail, a=sl.a, b=sl.b, range_err=sl.range_err, nodes=sl.nodes,
                interp_err=sl.interp_err)


def price(params, strikes, T, S0=1.0, r=0.0, q=0.0, kind="call", n=DEFAULT_N, L=None,
          cf_tol=1e-12, richardson=2, range_tol=None, nodes=DEFAULT_NODES):
    """European call or put prices at one maturity for a vector of strikes."""
    if kind not in ("call", "put"):
        raise ValueError(f"kind must be 'call' or 'put', got {kind!r}")
    return _greeks(params, strikes, T, S0, r, q, n, L, cf_tol, richardson, range_tol, nodes,
                   False)[kind]


def surface(params, strikes, maturities, S0=1.0, r=0.0, q=0.0, kind="call", n=DEFAULT_N,
            L=None, cf_tol=1e-12, richardson=2, range_tol=None, nodes=DEFAULT_NODES):
    """Prices on strikes x maturities: array of shape (len(maturities), len(strikes))."""
    p = _params(params)
    if kind not in ("call", "put"):
        raise ValueError(f"kind must be 'call' or 'put', got {kind!r}")
    maturities = array("maturities", maturities, ndim=1, lo=0.0, hi=100.0, lo_open=True)
    strikes, S0, r, q, n, L, cf_tol, range_tol, nodes = _check_pricing(
        strikes, 1.0, S0, r, q, n, L, cf_tol, range_tol, nodes, richardson)
    out = np.empty((maturities.shape[0], strikes.shape[0]))
    n_start = N_COS_MIN
    for T in maturities:
        _check_model(p, float(T), n)
    for i, T in enumerate(maturities):
        # start the adaptive term count from the neighbouring maturity's (it still grows
        # if this one needs more)
        sl = _Slice(p, float(T), n, L, cf_tol, _levels(richardson), n_start, range_tol, nodes)
        n_start = max(N_COS_MIN, sl.N * 2 // 3 if sl.N & (sl.N - 1) else sl.N * 3 // 4)
        call, put, *_ = _price_slice(p, sl, strikes, S0, r, q, vega=False)
        out[i] = call if kind == "call" else put
    return out


# ---------------------------------------------------------------------------
# Prices to a stated accuracy (a-posteriori error estimate; the pricing service)
# ---------------------------------------------------------------------------

ACCURACY_MIN, ACCURACY_MAX = 1e-8, 1e-2   # target absolute error per unit of spot
DEFAULT_ACCURACY = 1e-5
N_ACCURACY_MAX = 1024    # finest Adams grid the accuracy loop tries


def settings_for_accuracy(accuracy=DEFAULT_ACCURACY, strikes=None, S0=1.0, F=None):
    """Starting COS / Adams settings for a target absolute price error per unit of spot.

    Parameters
    ----------
    accuracy : float
        Target absolute error of each price divided by the spot, in [ACCURACY_MIN,
        ACCURACY_MAX] = [1e-8, 1e-2] (1e-5: 0.1 bp of the spot).
    strikes, S0, F : optional
        The strikes, spot and forward (currency units) of the request: the COS tolerances are
        in units of the strike / forward, so ``cf_tol`` is scaled by S0 / max(strikes, F).

    Returns
    -------
    dict
        ``n`` (Adams steps: 32 for accuracy >= 1e-5, 64 down to 1e-6, 128 down to 1e-7,
        256 below),
        ``richardson`` (2), ``nodes`` (16 Chebyshev nodes to start; they double until the
        interpolation estimate meets cf_tol), ``cf_tol`` = ``range_tol`` = accuracy S0 /
        (4 max(strikes, F)), within [1e-14, 1e-3].

    These are where ``price_to_accuracy`` starts: the error of the Adams solve is not known
    in advance (it grows as H -> 0 and with eta and T), so that function measures it a
    posteriori and doubles ``n`` until the estimate meets ``accuracy``.
    """
    accuracy = real("accuracy", accuracy, ACCURACY_MIN, ACCURACY_MAX)
    S0 = real("S0", S0, 0.0, None, lo_open=True)
    top = S0
    if strikes is not None:
        top = max(top, float(np.max(array("strikes", strikes, ndim=1, lo=0.0, lo_open=True))))
    if F is not None:
        top = max(top, real("F", F, 0.0, None, lo_open=True))
    n = 32 if accuracy >= 1e-5 else 64 if accuracy >= 1e-6 else 128 if accuracy >= 1e-7 else 256
    cf_tol = min(1e-3, max(1e-14, 0.25 * accuracy * S0 / top))
    return dict(n=n, richardson=2, nodes=16, cf_tol=cf_tol, range_tol=cf_tol)


def _disc_estimate(sl, strikes, S0, r, q):
    """|price on n steps - price on n/2 steps| per strike (currency units), both with the same
    Richardson extrapolation, range and frequencies (``_Slice(coarse=True)``)."""
    T = sl.T
    F = S0 * math.exp((r - q) * T)
    x = np.log(strikes / F)
    fine, crs = np.empty((strikes.shape[0], 4)), np.empty((strikes.shape[0], 4))
    _cos.cos_sums(sl.c1, sl.c2, sl.a, sl.b, x, fine, 0, False)
    _cos.cos_sums(sl.c1c, sl.c2c, sl.a, sl.b, x, crs, 0, False)
    d = math.exp(-r * T) * 2.0 / (sl.b - sl.a) * np.abs(strikes * (fine[:, 0] - crs[:, 0])
                                                        - F * (fine[:, 1] - crs[:, 1]))
    d[(x >= sl.b) | (x <= sl.a)] = 0.0          # both are the same limit there
    return d


def _slice_to_accuracy(p, strikes, T, S0, r, q, accuracy):
    F = S0 * math.exp((r - q) * T)
    st = settings_for_accuracy(accuracy, strikes, S0, F)
    n, goal = st["n"], accuracy * S0
    _check_model(p, T, N_ACCURACY_MAX)
    scale = math.exp(-r * T) * np.maximum(strikes, F)
    while True:
        with collect_warnings() as said:
            try:
                sl = _Slice(p, T, n, None, st["cf_tol"], 2, range_tol=st["range_tol"], nodes=st["nodes"],
                            coarse=True)
            except _Unresolved as exc:
                if 2 * n > N_ACCURACY_MAX:
                    raise ValueError(f"rough Heston (H={p.H!r}, eta={p.eta!r}, rho={p.rho!r}) is outside the "
                                     f"pricer's domain at T={T!r}: no Adams grid up to {n} steps resolves the "
                                     f"Riccati solution ({exc})") from None
                n *= 2                            # a finer grid may resolve it
                continue
            call, put, *_ = _price_slice(p, sl, strikes, S0, r, q, vega=False)
        # one bound for the slice: the largest discretisation difference plus the largest
        # COS estimate (per strike, the two need not peak at the same strike)
        # (plus 1e-12 of the largest strike or forward: the rounding of the COS sums and of the
        # reference, measured up to 6e-14 of it, is below what the estimates resolve)
        cos_err = float(np.max(scale)) * (sl.tail + sl.range_err + sl.interp_err + 1e-12)
        worst = float(np.max(_disc_estimate(sl, strikes, S0, r, q))) + cos_err
        if not worst <= goal and cos_err <= goal and 2 * n <= N_ACCURACY_MAX:
            n *= 2
            continue
        break
    met = worst <= goal
    for msg in said:                              # only the final grid's warnings count
        msg = msg.split(": ", 1)[-1]
        if met and msg.startswith(("COS truncation estimate", "COS range error bound")):
            continue                              # (both are in the estimate, which meets accuracy)
        _warn(msg, RuntimeWarning, stacklevel=4)
    if not met:
        _warn(f"rough Heston price error estimate {worst / S0:.1e} per unit of spot at T={T!r} is "
              f"above accuracy={accuracy:.1e} (n={n}, at most {N_ACCURACY_MAX}); the prices at this T "
              "do not meet the requested accuracy", RuntimeWarning, stacklevel=4)
    return call, put, worst, n, met


@dataclasses.dataclass(frozen=True)
class AccuratePrices:
    """Prices with their a-posteriori error estimate (``price_to_accuracy``).

    ``prices`` (currency units; shape (strikes,) or (maturities, strikes)), ``error_estimate``
    (bound on the absolute error of every price of a maturity, currency units; shape (1,) or
    (maturities,)), ``max_error_per_spot`` (max of error_estimate / S0),
    ``accuracy`` (the target per unit of spot), ``met`` (max_error_per_spot <= accuracy),
    ``n`` (Adams steps used, per maturity)."""
    prices: np.ndarray
    error_estimate: np.ndarray
    max_error_per_spot: float
    accuracy: float
    met: bool
    n: tuple


def price_to_accuracy(params, strikes, T, S0=1.0, r=0.0, q=0.0, kind="call",
                      accuracy=DEFAULT_ACCURACY):
    """European prices at one maturity with absolute error at most ``accuracy`` x S0, checked.

    Parameters
    ----------
    params : RoughHestonParams or dict
    strikes : array_like
        Strikes, currency units (> 0).
    T : float
        Maturity in years, [T_MIN, 100].
    S0, r, q : float
        Spot (currency units), rate and dividend yield (per year, continuous).
    kind : {"call", "put"}
    accuracy : float
        Target absolute error per unit of spot, [1e-8, 1e-2].

    Returns
    -------
    AccuratePrices
        The error estimate of the maturity is max over strikes of |P(n) - P(n/2)|
        (three-level Richardson extrapolation on n and on n/2 Adams steps: at the scheme's
        order >= 1 this bounds the error of P(n)) plus the COS truncation, range and
        interpolation estimates and 1e-12 (rounding), scaled by e^{-rT} max(strikes, F).  ``n`` starts at ``settings_for_accuracy(...)["n"]`` and doubles
        (up to N_ACCURACY_MAX) until the estimate meets ``accuracy``; if it cannot, ``met``
        is False and a RuntimeWarning says so.  Validated against QuantLib references and
        the default high-accuracy pricer (tests/test_num_rough_heston_accuracy.py).
    """
    p = _params(params)
    if kind not in ("call", "put"):
        raise ValueError(f"kind must be 'call' or 'put', got {kind!r}")
    T = real("T", T, 0.0, 100.0, lo_open=True)
    accuracy = real("accuracy", accuracy, ACCURACY_MIN, ACCURACY_MAX)
    strikes, S0, r, q, *_ = _check_pricing(strikes, T, S0, r, q, DEFAULT_N, None, 1e-12)
    call, put, est, n, met = _slice_to_accuracy(p, strikes, T, S0, r, q, accuracy)
    return AccuratePrices(call if kind == "call" else put, np.array([est]), est / S0, accuracy,
                          bool(met), (n,))


def surface_to_accuracy(params, strikes, maturities, S0=1.0, r=0.0, q=0.0, kind="call",
                        accuracy=DEFAULT_ACCURACY):
    """``price_to_accuracy`` on strikes x maturities: prices and error_estimate of shape
    (len(maturities), len(strikes)); ``n`` per maturity."""
    p = _params(params)
    if kind not in ("call", "put"):
        raise ValueError(f"kind must be 'call' or 'put', got {kind!r}")
    maturities = array("maturities", maturities, ndim=1, lo=0.0, hi=100.0, lo_open=True)
    accuracy = real("accuracy", accuracy, ACCURACY_MIN, ACCURACY_MAX)
    strikes, S0, r, q, *_ = _check_pricing(strikes, 1.0, S0, r, q, DEFAULT_N, None, 1e-12)
    for T in maturities:
        _check_model(p, float(T), N_ACCURACY_MAX)
    out = np.empty((maturities.shape[0], strikes.shape[0]))
    est = np.empty(maturities.shape[0])
    ns, met = [], True
    for i, T in enumerate(maturities):
        call, put, est[i], n, ok = _slice_to_accuracy(p, strikes, float(T), S0, r, q, accuracy)
        out[i] = call if kind == "call" else put
        ns.append(n)
        met &= ok
    return AccuratePrices(out, est, float(np.max(est)) / S0, accuracy, bool(met), tuple(ns))


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
        _check_model(p, T, n)
        sl = _Slice(p, T, n, L, cf_tol, _levels(richardson), range_tol=range_tol)
        call, put, *_ = _price_slice(p, sl, K, 1.0, 0.0, 0.0, vega=False)
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

HESTON_T_MIN = 1e-4      # shortest maturity of the Gil-Pelaez closed form (years)


def _heston_args(T, kappa, theta, eta, rho, V0, t_min=0.0):
    T = real("T", T, t_min, 100.0, lo_open=t_min == 0.0)
    kappa = real("kappa", kappa, 0.0, None)
    theta = real("theta", theta, 0.0, None)
    eta = real("eta", eta, 0.0, None)
    rho = real("rho", rho, -1.0, 1.0)
    V0 = real("V0", V0, 0.0, None)
    return T, kappa, theta, eta, rho, V0


def heston_characteristic_function(u, T, kappa, theta, eta, rho, V0):
    """Closed-form Heston characteristic function of log(S_T/F_T) (Albrecher et al. form).

    ``u`` real or complex (vector), T in years (0, 100]; eta = 0 is the deterministic
    variance limit exp(-w (u^2 + i u) / 2), w = theta T + (V0 - theta)(1 - e^{-kappa T})/kappa.
    """
    T, kappa, theta, eta, rho, V0 = _heston_args(T, kappa, theta, eta, rho, V0)
    try:
        u = np.asarray(u, dtype=complex)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"u must be numbers (real or complex): {exc}") from None
    if not np.all(np.isfinite(u)):
        raise ValueError(f"u must be finite, got {u.ravel()[~np.isfinite(u.ravel())][0]!r}")
    if eta == 0.0:
        w = theta * T + (V0 - theta) * (-math.expm1(-kappa * T) / kappa if kappa else T)
        return np.exp(-0.5 * w * (u * u + 1j * u))
    beta = kappa - 1j * rho * eta * u
    d = np.sqrt(beta * beta + eta * eta * (u * u + 1j * u))
    g = (beta - d) / (beta + d)
    e = np.exp(-d * T)
    with np.errstate(invalid="ignore", divide="ignore"):
        C = kappa * theta / eta ** 2 * ((beta - d) * T - 2.0 * np.log((1.0 - g * e) / (1.0 - g)))
        D = (beta - d) / eta ** 2 * (1.0 - e) / (1.0 - g * e)
        out = np.exp(C + D * V0)
    if not np.all(np.isfinite(out)):
        j = int(np.flatnonzero(~np.isfinite(out.ravel()))[0])
        raise ValueError(f"heston_characteristic_function is not finite at u={u.ravel()[j]!r} "
                         f"(T={T!r}): outside the strip where the moment exists")
    return out


def heston_price_closed_form(strikes, T, S0, r, q, kappa, theta, eta, rho, V0, kind="call"):
    """Heston European prices by the Gil-Pelaez inversion of the closed-form CF (adaptive quad).

    Validation helper: T in [1e-4, 100] years; a price outside the no-arbitrage bounds
    (the quadrature failed) is a ValueError, not a number.
    """
    import warnings as _w
    from scipy.integrate import IntegrationWarning, quad  # noqa: F401 (caught below)

    if kind not in ("call", "put"):
        raise ValueError(f"kind must be 'call' or 'put', got {kind!r}")
    strikes = array("strikes", strikes, ndim=1, lo=0.0, lo_open=True)
    T, kappa, theta, eta, rho, V0 = _heston_args(T, kappa, theta, eta, rho, V0, HESTON_T_MIN)
    S0 = real("S0", S0, 0.0, None, lo_open=True)
    r = real("r", r, -1.0, 1.0)
    q = real("q", q, -1.0, 1.0)
    F = S0 * math.exp((r - q) * T)
    disc = math.exp(-r * T)
    out = np.empty(strikes.shape[0])
    for i, K in enumerate(strikes):
        k = math.log(K / F)
        why = "the quadrature returned no finite value"

        def integrand(u, j):
            uu = u - 1j if j == 1 else u + 0j
            val = heston_characteristic_function(np.array([uu]), T, kappa, theta, eta, rho, V0)[0]
            return (np.exp(-1j * u * k) * val / (1j * u)).real

        with _w.catch_warnings(record=True) as caught:
            # quad's warnings (roundoff, slow convergence) are judged by the bounds below
            _w.simplefilter("always", IntegrationWarning)
            P1 = 0.5 + quad(integrand, 0.0, np.inf, args=(1,), limit=500, epsabs=1e-14,
                            epsrel=1e-12)[0] / math.pi
            P2 = 0.5 + quad(integrand, 0.0, np.inf, args=(2,), limit=500, epsabs=1e-14,
                            epsrel=1e-12)[0] / math.pi
        if caught:
            why = str(caught[0].message).splitlines()[0]
        call = disc * (F * P1 - K * P2)
        lo, hi = max(0.0, disc * (F - K)), disc * F
        slack = 1e-9 * disc * max(F, K)
        if not (lo - slack <= call <= hi + slack):
            detail = f"got {call!r}, bounds [{lo!r}, {hi!r}]; {why}"
            raise ValueError(f"heston_price_closed_form: the Gil-Pelaez integral failed at K={K!r}, "
                             f"T={T!r} ({detail})")
        call = min(max(call, lo), hi)
        out[i] = call if kind == "call" else call - disc * (F - K)
    return out
