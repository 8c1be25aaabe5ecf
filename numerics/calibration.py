"""Calibration of rough Heston (with jumps, piecewise vol-of-vol) and classical Heston
to an implied-volatility surface (public, validating).

Quick use::

    from numerics import calibration as cal
    surf = cal.Surface(maturity=T, strike=K, iv=vols, spot=100.0)      # or price=..., kind=...
    res = cal.calibrate(surf, model="rough_heston", seed=0)
    res.params, res.rmse_bps, res.rmse_by_maturity_bps, res.stderr, res.corr

Models (``model=``, with ``jumps=`` and ``piecewise_eta=``):

* ``"rough_heston"``: (H, kappa, theta, eta, rho, V0), 0 < H <= 1/2;
* ``"heston"``: classical Heston (kappa, theta, eta, rho, V0), closed-form characteristic
  function (H = 1/2);
* ``jumps=True`` adds Merton jumps (lam, sigma_J) with mu_J fixed (``mu_J=-0.1``, as in §9.4
  of the paper) or free (``mu_J="free"``);
* ``piecewise_eta=T_c`` replaces eta by (eta_short, eta_long): slices with T < T_c use
  eta_short, the others eta_long (the 9-parameter variant of §9.4; a maturity-dependent
  parameter, not one process).

Objective: the weighted implied-vol RMSE, sqrt(sum w_i e_i^2 / sum w_i),
e_i = sigma_model - sigma_market, default weights sqrt(T) exp(-10 m^2), m = K/F - 1
(§9.4 writes K/S; the two agree when r = q).  Residuals are reported in bps (1e-4 vol).

Pricing inside the calibration: COS (Fang-Oosterlee) per maturity on a truncation range
from the model's cumulants (c1 -/+ L sqrt(c2 + sqrt(c4)), L = 10) and a number of terms set
by the decay of |phi|; the fractional Riccati equations of every maturity are solved in ONE
batched Adams call through the model's time rescaling (the equation on [0, T] with
(kappa, eta) is the one on [0, 1] with (T^a kappa, T^a eta), a = H + 1/2, and the
quadratic coefficient is normalised to 1), with Richardson extrapolation (n and n/2 steps).
The Jacobian batches the kappa, eta and rho perturbations into the same call; theta, V0
and the jump parameters reuse the base solve (the log characteristic function is linear
in kappa*theta and V0); only H needs a second call.  The COS payoff matrices are built
once per stage, so one evaluation is one Riccati call plus small matrix products.

Optimizer: (1) a global stage, differential evolution (compact population, mixed
initialisation around the start and uniform, early stop on stall or population spread) on
a coarse Riccati grid and COS tolerance; skipped when the start is already within
``warm_threshold_bps``; (2) a bounded trust-region Levenberg-Marquardt polish
(``scipy.optimize.least_squares``, method "trf") on the fine grid with the analytic /
batched Jacobian; the discretisation is re-checked at the final point (range and terms)
and the polish repeated once if the residuals moved by more than 0.25 bps.  A fixed ``seed`` gives the same result.
"""
from __future__ import annotations

import dataclasses
import math
import time
import warnings
from typing import Callable, Optional

import numpy as np

from numerics._validate import array, integer, real
from numerics.black_scholes import implied_vol
from numerics.fractional import riccati_quadratic

__all__ = ["Surface", "CalibrationResult", "calibrate", "model_implied_vols", "param_names",
           "default_bounds", "greeks_surface", "DEFAULT_MU_J"]

DEFAULT_MU_J = -0.1
# the batched Riccati solver (A = 1, T = 1): numerics.fractional.riccati_quadratic; the
# benchmark's NumPy twin swaps in numerics.adams_ref through ``_riccati_solver``
_riccati_solver = riccati_quadratic
_BOUNDS = dict(H=(0.01, 0.5), kappa=(0.05, 10.0), theta=(0.001, 1.0), eta=(0.02, 5.0),
               eta_short=(0.02, 5.0), eta_long=(0.02, 5.0), rho=(-0.99, 0.99),
               V0=(0.001, 1.0), lam=(0.0, 5.0), sigma_J=(0.01, 0.6), mu_J=(-0.6, 0.3))
# the widest bounds a caller may ask for (the defaults above are the usual search box)
_DOMAIN = dict(_BOUNDS, H=(1e-3, 0.5), kappa=(1e-3, 100.0), theta=(1e-4, 4.0), eta=(1e-3, 20.0),
               eta_short=(1e-3, 20.0), eta_long=(1e-3, 20.0), rho=(-0.999, 0.999), V0=(1e-4, 4.0),
               lam=(0.0, 50.0), sigma_J=(1e-3, 2.0), mu_J=(-2.0, 2.0))
_GUESS = dict(H=0.15, kappa=1.5, eta=0.8, eta_short=0.8, eta_long=0.8, rho=-0.5,
              lam=0.3, sigma_J=0.1, mu_J=DEFAULT_MU_J)


# ---------------------------------------------------------------------------
# Quotes
# ---------------------------------------------------------------------------

def _col(data, name):
    if data is None:
        return None
    try:
        cols = list(data.columns) if hasattr(data, "columns") else list(data.keys())
    except Exception:  # pragma: no cover - defensive
        raise ValueError("data must be a pandas DataFrame or a dict of columns") from None
    if name not in cols:
        return None
    v = data[name]
    return v.to_numpy() if hasattr(v, "to_numpy") else np.asarray(v)


def _vec(name, v, n, kind=float):
    a = np.asarray(v)
    if a.ndim == 0:
        a = np.full(n, a.item())
    if a.ndim != 1 or a.shape[0] != n:
        raise ValueError(f"{name} must be a scalar or have length {n} (one per quote), got shape {a.shape}")
    if kind is float:
        try:
            a = a.astype(float)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be numeric") from None
        bad = ~np.isfinite(a)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name} must be finite, got {a[i]!r} at quote {i}")
    return a


class Surface:
    """A validated option surface (quotes, forwards, discount factors).

    Parameters
    ----------
    data : pandas.DataFrame or dict of columns, optional
        Columns named like the keyword arguments below (``maturity``, ``strike``, ``iv``,
        ``price``, ``kind``, ``weight``, ``bid``, ``ask``, ``forward``); keyword arguments
        override columns.
    maturity : array, years (> 0).   strike : array, price units (> 0).
    iv : array, implied volatility (annualised, > 0); or ``price``: option prices (>= 0, in
        price units, discounted).  ``bid``/``ask`` (same unit as the quote): the mid is used
        when the quote itself is absent (then ``quote_unit`` "iv" or "price" says which);
        bid > ask is an error.
    kind : "call" / "put" (or an array of them), the option type of price quotes.
    weight : optional array (>= 0); default sqrt(T) exp(-10 (K/F - 1)^2).
    spot : spot price (> 0); ``rate``, ``dividend``: continuously compounded, per year; or
        ``forward``: the forward per quote (then ``rate`` only discounts prices).

    Quotes without an implied vol (a price outside the no-arbitrage bounds, or with no
    time value) are excluded; ``excluded`` lists (index, reason).  Bad input (empty, NaN,
    negative, crossed bid/ask, a single maturity left) raises ValueError naming it.
    """

    def __init__(self, data=None, *, maturity=None, strike=None, iv=None, price=None,
                 kind=None, weight=None, bid=None, ask=None, spot=None, rate=0.0,
                 dividend=0.0, forward=None, quote_unit=None):
        g = lambda name, v: v if v is not None else _col(data, name)
        maturity, strike, iv, price = g("maturity", maturity), g("strike", strike), g("iv", iv), g("price", price)
        kind, weight, bid, ask, forward = g("kind", kind), g("weight", weight), g("bid", bid), g("ask", ask), g("forward", forward)
        if maturity is None or strike is None:
            raise ValueError("quotes need maturity and strike (arrays or DataFrame columns)")
        T = np.asarray(maturity, dtype=object)
        if T.ndim != 1 or T.shape[0] == 0:
            raise ValueError(f"maturity must be a non-empty 1-d array (one entry per quote), got shape {T.shape}")
        n = T.shape[0]
        T = _vec("maturity", maturity, n)
        K = _vec("strike", strike, n)
        for name, a in (("maturity", T), ("strike", K)):
            if (a <= 0).any():
                i = int(np.flatnonzero(a <= 0)[0])
                raise ValueError(f"{name} must be > 0, got {a[i]!r} at quote {i}")
        if (T > 100).any():
            raise ValueError(f"maturity must be <= 100 years, got {T.max()!r}")
        quote_is = "iv" if iv is not None else ("price" if price is not None else None)
        q = None
        if quote_is is not None:
            q = _vec(quote_is, iv if iv is not None else price, n)
        bid = None if bid is None else _vec("bid", bid, n)
        ask = None if ask is None else _vec("ask", ask, n)
        if bid is not None and ask is not None:
            crossed = bid > ask
            if crossed.any():
                i = int(np.flatnonzero(crossed)[0])
                raise ValueError(f"crossed bid/ask at quote {i}: bid {bid[i]!r} > ask {ask[i]!r}")
        if q is None:
            if bid is None or ask is None:
                raise ValueError("quotes need iv, price, or both bid and ask")
            if quote_unit not in ("iv", "price"):
                raise ValueError("quotes given only by bid/ask need quote_unit='iv' or 'price', "
                                 f"got {quote_unit!r}")
            q = 0.5 * (bid + ask)
            quote_is = quote_unit
        for name, a in (("quote", q), ("bid", bid), ("ask", ask)):
            if a is not None and (a < 0).any():
                i = int(np.flatnonzero(a < 0)[0])
                raise ValueError(f"{name} must be >= 0, got {a[i]!r} at quote {i}")
        if quote_is == "iv" and (q > 20).any():
            raise ValueError(f"iv must be an annualised volatility in (0, 20], got {q.max()!r}")
        if kind is None:
            kind = "call"
        kinds = np.asarray(kind, dtype=object)
        kinds = np.full(n, kinds.item(), dtype=object) if kinds.ndim == 0 else kinds
        if kinds.shape != (n,) or not np.all(np.isin(kinds.astype(str), ("call", "put"))):
            raise ValueError(f"kind must be 'call' or 'put' (or one per quote), got {kind!r}")
        if weight is not None:
            weight = _vec("weight", weight, n)
            if (weight < 0).any():
                i = int(np.flatnonzero(weight < 0)[0])
                raise ValueError(f"weight must be >= 0, got {weight[i]!r} at quote {i}")
        rate = _vec("rate", rate, n)
        dividend = _vec("dividend", dividend, n)
        if np.abs(rate).max() > 1 or np.abs(dividend).max() > 1:
            raise ValueError("rate and dividend must be in [-1, 1] (continuously compounded, per year)")
        if forward is not None:
            F = _vec("forward", forward, n)
            if (F <= 0).any():
                raise ValueError(f"forward must be > 0, got {F[F <= 0][0]!r}")
            spot = float(F[0] * math.exp(-(rate[0] - dividend[0]) * T[0])) if spot is None else spot
        spot = real("spot", spot, 0.0, None, lo_open=True) if spot is not None else None
        if spot is None:
            raise ValueError("spot (or forward) is required")
        if forward is None:
            F = spot * np.exp((rate - dividend) * T)
        df = np.exp(-rate * T)

        # market implied vols, and the reason a quote has none
        reasons = {1: "price below the no-arbitrage lower bound (intrinsic value)",
                   2: "price above the no-arbitrage upper bound",
                   3: "implied-vol inversion did not converge",
                   4: "no time value resolved (in the money, price at intrinsic)"}
        excluded = []
        if quote_is == "price":
            vol, code = implied_vol(q / df, F, K, T, kind=kinds.astype(str), return_codes=True)
            keep = code == 0
            for i in np.flatnonzero(~keep):
                excluded.append((int(i), reasons.get(int(code[i]), "no implied vol")))
            zero = keep & (vol <= 0)
            for i in np.flatnonzero(zero):
                excluded.append((int(i), "zero price: no time value, no implied vol"))
            keep &= ~zero
        else:
            vol = q.copy()
            zero = vol <= 0
            for i in np.flatnonzero(zero):
                excluded.append((int(i), "implied vol is 0"))
            keep = ~zero
        self.excluded = sorted(excluded)
        idx = np.flatnonzero(keep)
        if idx.size == 0:
            raise ValueError("no quote left with an implied vol (all excluded: "
                             + "; ".join(f"{i}: {r}" for i, r in self.excluded[:5]) + ")")
        self.index = idx                       # positions of the kept quotes in the input
        self.T, self.K, self.iv = T[idx], K[idx], vol[idx]
        self.F, self.df, self.kind = F[idx], df[idx], kinds[idx].astype(str)
        self.spot = spot
        self.bid = None if bid is None else bid[idx]
        self.ask = None if ask is None else ask[idx]
        m = self.K / self.F - 1.0
        self.weight = np.sqrt(self.T) * np.exp(-10.0 * m * m) if weight is None else weight[idx]
        if not (self.weight > 0).any():
            raise ValueError("all weights are 0")
        self.maturities = np.unique(self.T)
        if self.maturities.size < 2:
            raise ValueError(f"the surface needs at least 2 maturities, got {self.maturities.size} "
                             f"(T = {self.maturities.tolist()}); a single-maturity surface cannot identify the term structure")
        self.n = idx.size

    @classmethod
    def from_grid(cls, maturities, strikes, ivs, spot=1.0, **kw):
        """A surface from a (len(maturities), len(strikes)) grid of implied vols."""
        T = np.asarray(maturities, float)
        K = np.asarray(strikes, float)
        ivs = np.asarray(ivs, float)
        if ivs.shape != (T.size, K.size):
            raise ValueError(f"ivs must have shape ({T.size}, {K.size}), got {ivs.shape}")
        TT, KK = np.meshgrid(T, K, indexing="ij")
        return cls(maturity=TT.ravel(), strike=KK.ravel(), iv=ivs.ravel(), spot=spot, **kw)

    def __repr__(self):
        return (f"Surface({self.n} quotes, {self.maturities.size} maturities "
                f"{self.maturities.tolist()}, {len(self.excluded)} excluded)")


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Model:
    rough: bool
    jumps: bool
    mu_free: bool
    mu_J: float
    t_cut: Optional[float]

    @property
    def names(self):
        nm = ["H"] if self.rough else []
        nm += ["kappa", "theta"]
        nm += ["eta_short", "eta_long"] if self.t_cut is not None else ["eta"]
        nm += ["rho", "V0"]
        if self.jumps:
            nm += ["lam", "sigma_J"] + (["mu_J"] if self.mu_free else [])
        return nm

    def unpack(self, x):
        d = dict(zip(self.names, (float(v) for v in x)))
        d.setdefault("H", 0.5)
        if self.jumps and not self.mu_free:
            d["mu_J"] = self.mu_J
        return d

    def eta_of(self, d, T):
        if self.t_cut is None:
            return d["eta"]
        return d["eta_short"] if T < self.t_cut else d["eta_long"]


def _make_model(model, jumps, mu_J, piecewise_eta):
    if model not in ("rough_heston", "heston"):
        raise ValueError(f"model must be 'rough_heston' or 'heston', got {model!r}")
    mu_free = isinstance(mu_J, str)
    if mu_free and mu_J != "free":
        raise ValueError(f"mu_J must be a number or 'free', got {mu_J!r}")
    mu = 0.0 if mu_free else real("mu_J", mu_J, -5.0, 5.0)
    t_cut = None if piecewise_eta is None else real("piecewise_eta", piecewise_eta, 0.0, 100.0, lo_open=True)
    return _Model(model == "rough_heston", bool(jumps), mu_free, mu, t_cut)


def param_names(model="rough_heston", jumps=False, mu_J=DEFAULT_MU_J, piecewise_eta=None):
    """Names of the calibrated parameters, in the order of ``CalibrationResult.x``."""
    return _make_model(model, jumps, mu_J, piecewise_eta).names


def default_bounds(model="rough_heston", jumps=False, mu_J=DEFAULT_MU_J, piecewise_eta=None):
    """Default bounds {name: (lo, hi)}."""
    return {k: _BOUNDS[k] for k in param_names(model, jumps, mu_J, piecewise_eta)}


# ---------------------------------------------------------------------------
# The surface pricer (COS per maturity, one batched Riccati call)
# ---------------------------------------------------------------------------

class _Pricer:
    """Model implied vols on a fixed discretisation (ranges, COS terms, Riccati steps)."""

    def __init__(self, model, Ts, ks, ranges, Ns, n, richardson=True):
        self.model, self.Ts, self.n, self.rich = model, Ts, n, richardson
        self.ks = ks                                   # per slice: log(K/F)
        self.u, self.a, self.M = [], [], []
        for T, k, (a, b), N in zip(Ts, ks, ranges, Ns):
            u = math.pi / (b - a) * np.arange(N)
            d = np.clip(k, a, b)
            th = d - a
            U = u[:, None]
            with np.errstate(invalid="ignore", divide="ignore"):
                psi = np.where(U > 0, np.sin(U * th) / np.where(U > 0, U, 1.0), th)
            chi = (np.exp(d) * (np.cos(U * th) + U * np.sin(U * th)) - math.exp(a)) / (1.0 + U * U)
            M = (np.exp(k)[None, :] * psi - chi) * (2.0 / (b - a))   # put / F
            M[0] *= 0.5
            M[:, k >= b] = 0.0
            # strikes above b: put = e^k - 1 (intrinsic of the truncated density), set below
            self.u.append(u)
            self.a.append(a)
            self.M.append(M)
        self.sizes = [len(u) for u in self.u]
        self.off = np.concatenate([[0], np.cumsum(self.sizes)])
        self.ucat = np.concatenate(self.u)
        self.acat = np.concatenate([np.full(N, a) for N, a in zip(self.sizes, self.a)])
        self.Tcat = np.concatenate([np.full(N, T) for N, T in zip(self.sizes, Ts)])
        self.kcat = np.concatenate(ks)
        self.kT = np.concatenate([np.full(k.size, T) for k, T in zip(ks, Ts)])
        self.n_riccati = 0
        self.n_evals = 0

    # -- characteristic functions ------------------------------------------------
    def _riccati(self, H, cases):
        """cases: list of (kappa, rho, eta_per_slice) sharing H -> list of (int_h, int_F)."""
        al = H + 0.5
        Bs, Cs, sc = [], [], []
        u = self.ucat
        for kappa, rho, etas in cases:
            eta = np.concatenate([np.full(N, e) for N, e in zip(self.sizes, etas)])
            A = 0.5 * eta * eta
            Ta = self.Tcat ** al
            Bs.append(Ta * (1j * u * rho * eta - kappa))
            Cs.append(Ta * Ta * A * (-0.5 * (u * u + 1j * u)))
            sc.append((self.Tcat / (Ta * A), self.Tcat / (Ta * Ta * A)))
        B, C = np.concatenate(Bs), np.concatenate(Cs)
        # check_finite=False: the solver flags steps that cannot resolve the solution's growth
        # (``blowup``).  For the characteristic function (real u, |phi| <= 1) that is the grid
        # being coarse at high frequencies, not a moment explosion: the values are kept (a
        # non-finite one becomes the objective's penalty), the flags are counted, and the
        # fitted point is re-priced independently (tests, benchmarks, studies).
        r = _riccati_solver(1.0, B, C, al, 1.0, self.n, check_finite=False)
        self.n_unresolved = int(np.count_nonzero(r.get("blowup", 0)))
        ih, iF = r["int_h"], r["int_F"]
        if self.rich:
            r2 = _riccati_solver(1.0, B, C, al, 1.0, self.n // 2, check_finite=False)
            w = 2.0 ** (1.0 + al)
            ih = (w * ih - r2["int_h"]) / (w - 1.0)
            iF = (w * iF - r2["int_F"]) / (w - 1.0)
        self.n_riccati += len(cases)
        nu = u.size
        return [(ih[j * nu:(j + 1) * nu] * s1, iF[j * nu:(j + 1) * nu] * s2)
                for j, (s1, s2) in enumerate(sc)]

    def _jump_logphi(self, d):
        if not self.model.jumps or d["lam"] == 0.0:
            return 0.0
        u, T = self.ucat, self.Tcat
        lam, mu, sj = d["lam"], d["mu_J"], d["sigma_J"]
        m = math.exp(mu + 0.5 * sj * sj) - 1.0
        return lam * T * (np.exp(1j * u * mu - 0.5 * sj * sj * u * u) - 1.0) - 1j * u * lam * m * T

    def _heston_logphi(self, d):
        from numerics.rough_heston import heston_characteristic_function
        out = np.empty(self.ucat.size, dtype=complex)
        for j, T in enumerate(self.Ts):
            s = slice(self.off[j], self.off[j + 1])
            eta = self.model.eta_of(d, T)
            with np.errstate(all="ignore"):
                ph = heston_characteristic_function(self.ucat[s], T, d["kappa"], d["theta"], eta,
                                                    d["rho"], d["V0"])
                out[s] = np.log(ph)
        return out

    last_riccati = (None, None, None)
    n_unresolved = 0

    def with_steps(self, n, richardson):
        """The same frequencies and payoff matrices on another Riccati grid."""
        import copy
        other = copy.copy(self)
        other.n, other.rich = n, richardson
        other.last_riccati = (None, None, None)
        return other

    def riccati_key(self, d):
        return (d["H"], d["kappa"], d["rho"], tuple(self.etas(d)))

    def etas(self, d):
        return [self.model.eta_of(d, T) for T in self.Ts]

    def logphi_many(self, ds):
        """log phi for several parameter dicts (batched per distinct H)."""
        if not self.model.rough:
            return [self._heston_logphi(d) + self._jump_logphi(d) for d in ds]
        groups = {}
        for i, d in enumerate(ds):
            groups.setdefault(d["H"], []).append(i)
        out = [None] * len(ds)
        for H, idx in groups.items():
            res = self._riccati(H, [(ds[i]["kappa"], ds[i]["rho"], self.etas(ds[i])) for i in idx])
            for i, (ih, iF) in zip(idx, res):
                d = ds[i]
                if len(ds) == 1:
                    self.last_riccati = (self.riccati_key(d), ih, iF)
                out[i] = d["kappa"] * d["theta"] * ih + d["V0"] * iF + self._jump_logphi(d)
        return out

    # -- prices and implied vols ------------------------------------------------
    def otm_from_phi(self, phi):
        """OTM option prices / F per quote, from phi on the concatenated frequencies."""
        c = (phi * np.exp(-1j * self.ucat * self.acat)).real
        out = []
        for j in range(len(self.Ts)):
            s = slice(self.off[j], self.off[j + 1])
            out.append(c[s] @ self.M[j])
        put = np.concatenate(out)
        k = self.kcat
        return np.where(k < 0.0, put, put + 1.0 - np.exp(k))

    def dotm(self, dphi):
        c = (dphi * np.exp(-1j * self.ucat * self.acat)).real
        return np.concatenate([c[self.off[j]:self.off[j + 1]] @ self.M[j] for j in range(len(self.Ts))])

    def ivs(self, phi):
        with np.errstate(all="ignore"):
            p = self.otm_from_phi(phi)
        self.n_evals += 1
        k = self.kcat
        kind = np.where(k < 0.0, "put", "call")
        pp = np.where(np.isfinite(p), np.maximum(p, 0.0), 0.0)
        iv, code = implied_vol(pp, 1.0, np.exp(k), self.kT, kind=kind, return_codes=True)
        return iv, code, p


def _bs_vega(k, T, vol):
    """d(price/F)/d vol for the undiscounted Black price at log-moneyness k."""
    s = vol * np.sqrt(T)
    with np.errstate(all="ignore"):
        d1 = -k / s + 0.5 * s
    return np.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi) * np.sqrt(T)


def _logphi_on(model, d, Ts, u, n):
    """log phi at the same frequencies u for every maturity (one batched solve)."""
    pr = _Pricer(model, Ts, [np.zeros(1)] * len(Ts), [(-1.0, 1.0)] * len(Ts), [1] * len(Ts), n)
    pr.ucat = np.tile(u, len(Ts))
    pr.sizes = [u.size] * len(Ts)
    pr.off = np.concatenate([[0], np.cumsum(pr.sizes)])
    pr.Tcat = np.repeat(np.asarray(Ts, float), u.size)
    return pr.logphi_many([d])[0]


def _cumulant_ranges(model, d, Ts, n, L=10.0):
    """(a, b) per maturity from the cumulants c1, c2, c4 of log(S_T/F_T) under the model
    (polynomial fit of log phi at small u), Fang-Oosterlee's rule with L."""
    u0 = 0.05 * np.arange(-4, 5)
    ranges = []
    lp = _logphi_on(model, d, Ts, u0, n)
    V = np.vander(u0, 9, increasing=True).astype(complex)
    fact = np.array([math.factorial(k) for k in range(9)], float)
    for j, T in enumerate(Ts):
        coef = np.linalg.lstsq(V, lp[j * u0.size:(j + 1) * u0.size], rcond=None)[0]
        c = (coef * fact / (1j) ** np.arange(9)).real
        c1, c2, c4 = c[1], abs(c[2]), abs(c[4])
        half = L * math.sqrt(c2 + math.sqrt(c4))
        if not np.isfinite(half) or half <= 0:
            half = L * math.sqrt(max(d["V0"], d["theta"]) * T)
        ranges.append((c1 - half, c1 + half))
    return ranges


def _cos_terms(model, d, Ts, ranges, n, tol, n_min=64, n_max=2048):
    """Number of COS terms per maturity: the first frequency beyond which the truncation
    estimate 2/(b-a) |phi(u)| / u stays below ``tol`` (|phi| sampled on a geometric grid
    of u in one batched solve), rounded up to a multiple of 16."""
    ug = np.geomspace(1.0, 4000.0, 48)
    lp = _logphi_on(model, d, Ts, ug, n)
    Ns = []
    for j, (a, b) in enumerate(ranges):
        est = 2.0 / (b - a) * np.exp(lp[j * ug.size:(j + 1) * ug.size].real) / ug
        above = np.flatnonzero(~(est <= tol))
        u_star = ug[min(above[-1] + 1, ug.size - 1)] if above.size else ug[0]
        N = int(math.ceil(u_star * (b - a) / math.pi / 16.0)) * 16
        Ns.append(int(min(n_max, max(n_min, N))))
    return Ns


# ---------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class CalibrationResult:
    """Outcome of :func:`calibrate`.

    Attributes
    ----------
    params : dict, the calibrated model parameters (including fixed ones, e.g. H = 0.5 for
        Heston, mu_J when fixed).
    x, names : the free parameters as a vector and their names.
    rmse_bps : weighted implied-vol RMSE (the objective), bps.
    rmse_unweighted_bps : plain RMSE over all quotes, bps.
    rmse_by_maturity_bps : {T: plain RMSE of that slice, bps}.
    residuals_bps : model - market implied vol per kept quote (input order), bps.
    stderr, corr : parameter standard errors and correlation matrix from the final
        Jacobian (cov = s^2 (J'J)^-1, s^2 = weighted SSR / (m - p)); NaN where singular.
    evaluations : total surface evaluations (each one batched Riccati solve per parameter
        set); riccati_solves : parameter sets solved.
    stages : list of dicts (name, time_s, evaluations, rmse_bps, detail).
    time_s, converged (bool), reason (str), excluded ((index, reason) of dropped quotes).
    """
    params: dict
    x: np.ndarray
    names: list
    rmse_bps: float
    rmse_unweighted_bps: float
    rmse_by_maturity_bps: dict
    residuals_bps: np.ndarray
    stderr: dict
    corr: np.ndarray
    evaluations: int
    riccati_solves: int
    stages: list
    time_s: float
    converged: bool
    reason: str
    excluded: list
    model: str
    discretisation: dict

    def summary(self):
        lines = [f"{self.model}: weighted RMSE {self.rmse_bps:.2f} bps, {self.evaluations} evaluations, "
                 f"{self.time_s:.3f} s, converged={self.converged} ({self.reason})"]
        for k in self.names:
            lines.append(f"  {k:10s} {self.params[k]: .5f} +- {self.stderr[k]:.2g}")
        for T, v in self.rmse_by_maturity_bps.items():
            lines.append(f"  T={T:g}: {v:.2f} bps")
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# Objective
# ---------------------------------------------------------------------------

class _Objective:
    def __init__(self, surf, model, pricer, wnorm, t0, max_time, progress):
        self.s, self.model, self.pr, self.w = surf, model, pricer, wnorm
        self.t0, self.max_time, self.progress = t0, max_time, progress
        self.cache_x = None
        self.best = (np.inf, None)

    def set_pricer(self, pricer, jac_steps=None):
        self.pr = pricer
        self.cache_x = None
        self.jac_pricer = None if jac_steps is None else pricer.with_steps(jac_steps, False)

    def _resid(self, iv, code, p):
        s = self.s
        e = iv - s.iv
        bad = (code != 0) | ~np.isfinite(e)
        if bad.any():
            # a model price outside the Black bounds: linearise about the market vol
            k = np.log(s.K / s.F)
            vm = _bs_vega(k, s.T, s.iv)
            pm = _black_otm(k, s.T, s.iv)
            pp = np.where(np.isfinite(p), p, 0.0)
            e = np.where(bad, (pp - pm) / np.maximum(vm, 1e-12), e)
        return e

    def residuals(self, x, keep=False):
        d = self.model.unpack(x)
        lp = self.pr.logphi_many([d])[0]
        with np.errstate(all="ignore"):
            phi = np.exp(lp)
        iv, code, p = self.pr.ivs(phi)
        e = self._resid(iv, code, p)
        if not np.all(np.isfinite(e)):
            e = np.where(np.isfinite(e), e, 1.0)     # never NaN: a 1.0-vol penalty
        self.last_e = e
        r = self.w * e
        f = float(np.sqrt(r @ r))
        if f < self.best[0]:
            self.best = (f, np.array(x, float))
        self.cache_x = np.array(x, float)
        self.cache = (d, lp, phi, iv, code)
        return r

    def scalar(self, x):
        r = self.residuals(x)
        return float(np.sqrt(r @ r / r.size))

    def scalar_linear(self, x):
        """RMSE with the vol error linearised about the market vol, (P_model - P_mkt) / vega:
        no implied-vol inversion (the global stage's objective)."""
        if not hasattr(self, "pm"):
            k = np.log(self.s.K / self.s.F)
            self.pm = _black_otm(k, self.s.T, self.s.iv)
            self.vm = np.maximum(_bs_vega(k, self.s.T, self.s.iv), 1e-12)
        d = self.model.unpack(x)
        with np.errstate(all="ignore"):
            p = self.pr.otm_from_phi(np.exp(self.pr.logphi_many([d])[0]))
        self.pr.n_evals += 1
        e = (p - self.pm) / self.vm
        e = np.where(np.isfinite(e), np.clip(e, -1.0, 1.0), 1.0)
        r = self.w * e
        return float(np.sqrt(r @ r / r.size))

    jac_pricer = None

    def jac(self, x, exact=False):
        """Weighted Jacobian of the residuals.  The kappa/eta/rho/H columns come from finite
        differences on ``jac_pricer`` (the same frequencies on half the Adams steps, no
        Richardson) during the polish -- the Jacobian steers the steps, the residuals on the
        fine grid decide the optimum; ``exact=True`` (the final standard errors) uses the
        fine grid."""
        if self.cache_x is None or not np.array_equal(self.cache_x, x):
            self.residuals(x)
        d, lp, phi, iv, code = self.cache
        names = self.model.names
        pr = self.pr
        ivok = np.where((code == 0) & np.isfinite(iv), iv, self.s.iv)
        vega = np.maximum(_bs_vega(pr.kcat, pr.kT, ivok), 1e-12)
        dlp = {}
        # nonlinear parameters: one batched solve with the base, H apart
        nl = [k for k in names if k in ("kappa", "rho", "eta", "eta_short", "eta_long")]
        steps = {}
        cases = []
        for k in nl + (["H"] if "H" in names else []):
            h = 1e-6 * max(1.0, abs(d[k]))
            lo, hi = self._bounds[k]
            if d[k] + h > hi:
                h = -h
            steps[k] = h
            dd = dict(d)
            dd[k] = d[k] + h
            cases.append(dd)
        jp = self.jac_pricer if (self.jac_pricer is not None and not exact and self.model.rough) else None
        if jp is None:
            lps = pr.logphi_many(cases) if cases else []
            base = lp
        elif cases:
            # the finite differences on the cheaper grid, base included (a consistent pair)
            lps = jp.logphi_many([d] + cases)
            base, lps = lps[0], lps[1:]
        else:
            lps, base = [], lp
        for (k, dd), lpk in zip(zip(list(steps), cases), lps):
            dlp[k] = (lpk - base) / steps[k]
        # linear / cheap parameters
        if "theta" in names:
            if self.model.rough:
                ih, iF = self._base_ih_iF(d)
                dlp["theta"] = d["kappa"] * ih
                dlp["V0"] = iF
            else:
                for k in ("theta", "V0"):
                    h = 1e-6 * max(1.0, abs(d[k]))
                    dd = dict(d)
                    dd[k] += h
                    dlp[k] = (pr.logphi_many([dd])[0] - lp) / h
        for k in ("lam", "sigma_J", "mu_J"):
            if k in names:
                h = 1e-7 * max(1.0, abs(d[k]))
                dd = dict(d)
                dd[k] += h
                dlp[k] = (pr._jump_logphi(dd) - pr._jump_logphi(d)) / h
        J = np.empty((pr.kcat.size, len(names)))
        for j, k in enumerate(names):
            J[:, j] = pr.dotm(phi * dlp[k]) / vega
        return self.w[:, None] * J

    def _base_ih_iF(self, d):
        # int_h, int_F of the base point: the Riccati part of log phi (cached by the pricer)
        key, ih, iF = self.pr.last_riccati
        if key != self.pr.riccati_key(d):
            (ih, iF), = self.pr._riccati(d["H"], [(d["kappa"], d["rho"], self.pr.etas(d))])
        return ih, iF


def _black_otm(k, T, vol):
    """Undiscounted OTM Black price / F at log-moneyness k."""
    from scipy.special import ndtr
    s = vol * np.sqrt(T)
    d1 = -k / s + 0.5 * s
    d2 = d1 - s
    call = ndtr(d1) - np.exp(k) * ndtr(d2)
    return np.where(k < 0.0, call - 1.0 + np.exp(k), call)


# ---------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------

def _start_guess(surf, model):
    """A data-driven start: V0 from the shortest ATM vol, theta from the longest."""
    atm = []
    for T in surf.maturities:
        s = surf.T == T
        k = np.log(surf.K[s] / surf.F[s])
        atm.append(surf.iv[s][np.argmin(np.abs(k))])
    g = dict(_GUESS)
    g["V0"] = atm[0] ** 2
    g["theta"] = atm[-1] ** 2
    return g


def calibrate(surface, model="rough_heston", *, jumps=False, mu_J=DEFAULT_MU_J,
              piecewise_eta=None, start=None, bounds=None, seed=0, global_stage="auto",
              warm_threshold_bps=200.0, popsize=8, maxiter=8, n_coarse=12, n_fine=48,
              cos_tol_coarse=1e-4, cos_tol_fine=3e-6, max_nfev=60, max_time=60.0, jac_coarse=True,
              workers=1, progress=None) -> CalibrationResult:
    """Calibrate a model to a :class:`Surface` (see the module docstring).

    Parameters
    ----------
    surface : Surface (or a DataFrame / dict of columns, passed to ``Surface``; then the
        spot must be a column-free keyword: use ``Surface`` directly).
    model : "rough_heston" or "heston".  jumps, mu_J, piecewise_eta : see module docstring.
    start : dict of starting values (any subset of the parameters; the rest from a
        data-driven guess).  A start within ``warm_threshold_bps`` (weighted RMSE, on the
        coarse grid) skips the global stage.
    bounds : dict name -> (lo, hi) overriding the defaults (``default_bounds``).
    seed : int, the differential-evolution seed (same seed, same result).
    global_stage : "auto" (skip on a good start), True (always), False (never).
    popsize : the differential evolution runs ``popsize + (number of free parameters)``
        agents (a compact population; 14 for rough Heston by default).
    maxiter : maximum DE generations (early stop on 4 stalled generations or a spread of
        the population objective below 1e-2 bps).  The global stage only has to land in the
        basin of the optimum: the polish does the rest.
    n_coarse, n_fine : Adams steps (per maturity, on the rescaled grid) in the two stages;
        both with Richardson extrapolation (n and n/2).
    cos_tol_coarse, cos_tol_fine : COS truncation tolerance (price / F).
    max_nfev : LM function-evaluation budget; max_time : seconds (wall) for the whole run.
    jac_coarse : the polish's Jacobian on n_fine/2 steps without Richardson (the residuals
        stay on the fine grid; the final standard errors use the fine grid).
    workers : threads evaluating the DE population (the Riccati kernel releases the GIL).
    progress : None, True (print) or a callable(str).

    Returns
    -------
    CalibrationResult
    """
    t0 = time.perf_counter()
    if not isinstance(surface, Surface):
        raise ValueError(f"surface must be a numerics.calibration.Surface, got {type(surface).__name__}")
    mdl = _make_model(model, jumps, mu_J, piecewise_eta)
    names = mdl.names
    seed = integer("seed", seed, 0, 2**32 - 1)
    popsize = integer("popsize", popsize, 4, 200)
    maxiter = integer("maxiter", maxiter, 0, 1000)
    n_coarse = integer("n_coarse", n_coarse, 4, 4096)
    n_fine = integer("n_fine", n_fine, 8, 8192)
    max_nfev = integer("max_nfev", max_nfev, 2, 10000)
    workers = integer("workers", workers, 1, 64)
    max_time = real("max_time", max_time, 0.0, None, lo_open=True)
    cos_tol_coarse = real("cos_tol_coarse", cos_tol_coarse, 1e-14, 1e-2)
    cos_tol_fine = real("cos_tol_fine", cos_tol_fine, 1e-14, 1e-2)
    warm_threshold_bps = real("warm_threshold_bps", warm_threshold_bps, 0.0, None)
    if global_stage not in ("auto", True, False):
        raise ValueError(f"global_stage must be 'auto', True or False, got {global_stage!r}")
    if surface.n <= len(names):
        raise ValueError(f"the surface has {surface.n} usable quotes, fewer than the "
                         f"{len(names) + 1} needed for {len(names)} parameters")
    say = (print if progress is True else progress) if progress else (lambda msg: None)
    if progress is not None and progress is not True and not callable(progress):
        raise ValueError("progress must be None, True or a callable(str)")

    bnd = {k: _BOUNDS[k] for k in names}
    if bounds is not None:
        if not isinstance(bounds, dict):
            raise ValueError("bounds must be a dict name -> (lo, hi)")
        for k, v in bounds.items():
            if k not in bnd:
                raise ValueError(f"bounds: unknown parameter {k!r} (parameters: {names})")
            try:
                lo, hi = (float(v[0]), float(v[1]))
            except (TypeError, ValueError, IndexError):
                raise ValueError(f"bounds[{k!r}] must be a pair (lo, hi), got {v!r}") from None
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise ValueError(f"bounds[{k!r}] must be finite, got {v!r}")
            if lo > hi:
                raise ValueError(f"bounds[{k!r}]: lo > hi ({lo!r} > {hi!r})")
            dlo, dhi = _DOMAIN[k]
            if lo < dlo or hi > dhi:
                raise ValueError(f"bounds[{k!r}] = ({lo!r}, {hi!r}) outside the model's domain [{dlo}, {dhi}]")
            bnd[k] = (lo, hi)
    lo = np.array([bnd[k][0] for k in names])
    hi = np.array([bnd[k][1] for k in names])
    guess = _start_guess(surface, mdl)
    warm = False
    if start is not None:
        if not isinstance(start, dict):
            raise ValueError("start must be a dict name -> value")
        for k, v in start.items():
            if k not in names:
                if k in ("H", "mu_J") and k not in names:
                    continue                # fixed parameters: accepted and ignored
                raise ValueError(f"start: unknown parameter {k!r} (parameters: {names})")
            v = real(f"start[{k!r}]", v)
            if not (bnd[k][0] <= v <= bnd[k][1]):
                raise ValueError(f"start[{k!r}] = {v!r} is outside the bounds {bnd[k]}")
            guess[k] = v
        warm = all(k in start for k in names)
    x0 = np.clip(np.array([guess[k] for k in names], float), lo, hi)
    fixed = lo == hi
    surf = surface
    w = np.sqrt(surf.weight / surf.weight.mean())
    Ts = list(surf.maturities)
    order = np.concatenate([np.flatnonzero(surf.T == T) for T in Ts])
    inv = np.empty_like(order)
    inv[order] = np.arange(order.size)
    # the surface in slice order
    s_sorted = _Sorted(surf, order)
    ks = [np.log(surf.K[surf.T == T] / surf.F[surf.T == T]) for T in Ts]
    stages = []
    total_evals = 0
    total_ric = 0

    def build(d, n, tol):
        ranges = _cumulant_ranges(mdl, d, Ts, max(n, 32))
        Ns = _cos_terms(mdl, d, Ts, ranges, max(n // 2, 8), tol)
        return _Pricer(mdl, Ts, ks, ranges, Ns, n), ranges, Ns

    def safe_build(x, n, tol):
        try:
            return build(mdl.unpack(x), n, tol)
        except ValueError:
            # a start where the cumulant fit fails: market-vol ranges and fixed terms
            ranges = []
            for T, k in zip(Ts, ks):
                sv = float(surf.iv[surf.T == T].max())
                half = 20.0 * sv * math.sqrt(T)
                ranges.append((-0.5 * sv * sv * T - half, -0.5 * sv * sv * T + half))
            Ns = [256] * len(Ts)
            return _Pricer(mdl, Ts, ks, ranges, Ns, n), ranges, Ns

    # ---- stage 1: global -------------------------------------------------------
    pr, ranges, Ns = safe_build(x0, n_coarse, cos_tol_coarse)
    obj = _Objective(s_sorted, mdl, pr, w[order], t0, max_time, say)
    obj._bounds = bnd
    ts = time.perf_counter()
    f0 = obj.scalar_linear(x0) * 1e4
    run_de = (global_stage is True) or (global_stage == "auto" and not (warm and f0 < warm_threshold_bps))
    x_best = x0
    if run_de and maxiter > 0:
        x_best, de_info = _de(obj, x0, lo, hi, fixed, seed, popsize, maxiter, workers, t0, max_time, say)
        stages.append(dict(name="global (differential evolution, coarse grid)", time_s=time.perf_counter() - ts,
                           evaluations=pr.n_evals, rmse_bps=de_info["f"] * 1e4,
                           detail=dict(n=n_coarse, cos_terms=Ns, start_rmse_bps=f0, **de_info)))
    else:
        stages.append(dict(name="global stage skipped (warm start)" if run_de is False else "global stage off",
                           time_s=time.perf_counter() - ts, evaluations=pr.n_evals, rmse_bps=f0,
                           detail=dict(n=n_coarse, start_rmse_bps=f0)))
    total_evals += pr.n_evals
    total_ric += pr.n_riccati

    # ---- stage 2: LM on the fine grid (discretisation re-checked at the end) ----
    from scipy.optimize import least_squares
    x = np.clip(x_best, lo, hi)
    converged, reason = False, "not run"
    res = None
    free = ~fixed

    def _polish(xs):
        """Bounded trust-region LM from xs on the objective's current grid."""
        if not free.any():
            return xs, True, "all parameters fixed by their bounds"

        def fun(z):
            xx = xs.copy()
            xx[free] = z
            if time.perf_counter() - t0 > max_time:
                raise _Timeout()
            return obj.residuals(xx)

        def jac(z):
            xx = xs.copy()
            xx[free] = z
            return obj.jac(xx)[:, free]

        try:
            lm = least_squares(fun, xs[free], jac=jac, bounds=(lo[free], hi[free]), method="trf",
                               x_scale="jac", max_nfev=max_nfev, ftol=1e-8, xtol=1e-8, gtol=1e-8)
        except _Timeout:
            xb = obj.best[1] if obj.best[1] is not None else xs
            return xb, False, f"time limit max_time={max_time:g} s reached"
        xn = xs.copy()
        xn[free] = lm.x
        return xn, lm.status > 0, lm.message

    pr, ranges, Ns = safe_build(x, n_fine, cos_tol_fine)
    for attempt in range(2):
        ts = time.perf_counter()
        obj.set_pricer(pr, jac_steps=max(8, n_fine // 2) if jac_coarse else None)
        x, converged, reason = _polish(x)
        rr = obj.residuals(x)
        stages.append(dict(name="Levenberg-Marquardt (trust-region, fine grid)" + (" re-polish" if attempt else ""),
                           time_s=time.perf_counter() - ts, evaluations=pr.n_evals,
                           rmse_bps=float(np.sqrt(rr @ rr / rr.size)) * 1e4,
                           detail=dict(n=n_fine, cos_terms=Ns, reason=reason)))
        total_evals += pr.n_evals
        total_ric += pr.n_riccati
        if not converged:
            break
        # is the discretisation still adequate at the final point?  Rebuild it there and
        # accept if the residuals agree within 0.25 bps; otherwise polish once more on it.
        e_old = obj.last_e.copy()
        pr2, ranges2, Ns2 = safe_build(x, n_fine, cos_tol_fine)
        obj.set_pricer(pr2)
        obj.residuals(x)
        total_evals += pr2.n_evals
        total_ric += pr2.n_riccati
        shift = float(np.max(np.abs(obj.last_e - e_old))) * 1e4
        stages[-1]["detail"]["discretisation_check_bps"] = shift
        pr, ranges, Ns = pr2, ranges2, Ns2
        if shift <= 0.25:          # 5 % of a 5-bps noise, the size of the grid's own error
            break
        say("calibration: discretisation moved with the parameters; re-polishing")
    # jumps switched off at the bound lam = lo is a local minimum of its own (sigma_J is then
    # unidentified): polish once more from a start with jumps on and keep the better point
    if mdl.jumps and converged and free[names.index("lam")]:
        il, isj = names.index("lam"), names.index("sigma_J")
        if x[il] <= lo[il] + 1e-9 and hi[il] > lo[il]:
            ts = time.perf_counter()
            ne0, nr0 = pr.n_evals, pr.n_riccati
            obj.set_pricer(pr, jac_steps=max(8, n_fine // 2) if jac_coarse else None)
            r0 = obj.residuals(x)
            x2 = x.copy()
            x2[il] = min(hi[il], max(lo[il], 0.1))
            x2[isj] = min(hi[isj], max(lo[isj], 0.2))
            x2, conv2, reason2 = _polish(x2)
            r2 = obj.residuals(x2)
            better = conv2 and float(r2 @ r2) < float(r0 @ r0)
            stages.append(dict(name="Levenberg-Marquardt restart with jumps on (lam at its bound)",
                               time_s=time.perf_counter() - ts, evaluations=pr.n_evals - ne0,
                               rmse_bps=float(np.sqrt(r2 @ r2 / r2.size)) * 1e4,
                               detail=dict(reason=reason2, kept=bool(better))))
            total_evals += pr.n_evals - ne0
            total_ric += pr.n_riccati - nr0
            if better:
                x, reason = x2, reason2
    say(f"calibration: done in {time.perf_counter() - t0:.3f} s ({reason})")

    # ---- result -------------------------------------------------------------------
    J = obj.jac(x, exact=True)
    r = obj.residuals(x)
    unresolved = obj.pr.n_unresolved          # flagged Riccati entries of the final solve
    d = mdl.unpack(x)
    e = obj.last_e                                     # unweighted residuals, slice order
    resid = e[inv] * 1e4                                # back to the surface's order
    by_T = {float(T): float(np.sqrt(np.mean(resid[surf.T == T] ** 2))) for T in Ts}
    m, p = r.size, len(names)
    stderr, corr = _covariance(J, r, m, p, fixed)
    return CalibrationResult(
        params=d, x=x, names=names, rmse_bps=float(np.sqrt(r @ r / m)) * 1e4,
        rmse_unweighted_bps=float(np.sqrt(np.mean(resid ** 2))), rmse_by_maturity_bps=by_T,
        residuals_bps=resid, stderr=dict(zip(names, stderr)), corr=corr,
        evaluations=total_evals, riccati_solves=total_ric, stages=stages,
        time_s=time.perf_counter() - t0, converged=bool(converged), reason=str(reason),
        excluded=list(surf.excluded), model=model + (" + jumps" if jumps else "")
        + (f" (piecewise eta, T_c={piecewise_eta:g})" if piecewise_eta is not None else ""),
        discretisation=dict(n=n_fine, richardson=True, riccati_unresolved_entries=unresolved, cos_terms=dict(zip(map(float, Ts), Ns)),
                            ranges=dict(zip(map(float, Ts), ranges))))


class _Timeout(Exception):
    pass


class _Sorted:
    """The surface's arrays in slice order (what the pricer produces)."""

    def __init__(self, s, order):
        self.T, self.K, self.F, self.iv = s.T[order], s.K[order], s.F[order], s.iv[order]


def _covariance(J, r, m, p, fixed):
    free = ~fixed
    se = np.full(p, np.nan)
    corr = np.full((p, p), np.nan)
    if m <= free.sum():
        return se, corr
    Jf = J[:, free]
    s2 = float(r @ r) / (m - free.sum())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cov = s2 * np.linalg.inv(Jf.T @ Jf)
    except np.linalg.LinAlgError:
        return se, corr
    dg = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    se[free] = dg
    with np.errstate(all="ignore"):
        c = cov / np.outer(dg, dg)
    idx = np.flatnonzero(free)
    corr[np.ix_(idx, idx)] = c
    return se, corr


def _de(obj, x0, lo, hi, fixed, seed, popsize, maxiter, workers, t0, max_time, say):
    """Compact differential evolution (best/1/bin, dithered F in [0.5, 1], CR 0.9), mixed start
    (60 % around the start, 40 % uniform in the bounds)."""
    rng = np.random.default_rng(seed)
    free = np.flatnonzero(~fixed)
    dim = free.size
    npop = popsize + dim
    span = hi - lo
    pop = np.empty((npop, lo.size))
    n_local = int(round(0.6 * npop))
    pop[0] = x0
    for i in range(1, npop):
        if i < n_local:
            pop[i] = np.clip(x0 + 0.15 * span * rng.standard_normal(lo.size), lo, hi)
        else:
            pop[i] = lo + span * rng.random(lo.size)
    pop[:, fixed] = x0[fixed]

    def evaluate(P):
        if workers > 1:
            from concurrent.futures import ThreadPoolExecutor
            # each thread needs its own objective state: evaluate through a pure function
            with ThreadPoolExecutor(workers) as ex:
                return np.array(list(ex.map(obj.scalar_linear, P)))
        return np.array([obj.scalar_linear(p) for p in P])

    fit = evaluate(pop)
    best_hist = [fit.min()]
    stall = 0
    gen = 0
    stop = "max generations"
    for gen in range(1, maxiter + 1):
        if time.perf_counter() - t0 > 0.5 * max_time:
            stop = "time budget"
            break
        trial = pop.copy()
        ib = int(np.argmin(fit))
        for i in range(npop):
            b, c = rng.choice([j for j in range(npop) if j != i], 2, replace=False)
            F = rng.uniform(0.5, 1.0)
            mutant = pop[ib] + F * (pop[b] - pop[c])
            cross = rng.random(lo.size) < 0.9
            cross[free[rng.integers(dim)]] = True
            t = np.where(cross, mutant, pop[i])
            # bounce back into the box
            t = np.where(t < lo, lo + rng.random(lo.size) * (pop[i] - lo), t)
            t = np.where(t > hi, hi - rng.random(lo.size) * (hi - pop[i]), t)
            t[fixed] = x0[fixed]
            trial[i] = t
        tf = evaluate(trial)
        better = tf <= fit
        pop[better], fit[better] = trial[better], tf[better]
        best_hist.append(fit.min())
        if best_hist[-1] < best_hist[-2] - 1e-7:      # 0.001 bps
            stall = 0
        else:
            stall += 1
        say(f"calibration: DE generation {gen}: best {fit.min() * 1e4:.2f} bps")
        if stall >= 4:
            stop = "stalled 4 generations"
            break
        if fit.max() - fit.min() < 1e-6:
            stop = "population converged"
            break
    i = int(np.argmin(fit))
    return pop[i].copy(), dict(f=float(fit[i]), generations=gen, population=npop, stop=stop)


# ---------------------------------------------------------------------------
# Evaluating a calibrated model elsewhere
# ---------------------------------------------------------------------------

def model_implied_vols(params, maturities, strikes, forward=1.0, model="rough_heston",
                       piecewise_eta=None, n=128, cos_tol=1e-10):
    """Model implied vols on a grid (len(maturities), len(strikes)) by the calibration's own
    pricer at a fine discretisation.

    ``params``: a dict as in ``CalibrationResult.params`` (jumps are on when it has ``lam``);
    ``strikes`` in the units of ``forward`` (one forward for every maturity);
    ``piecewise_eta``: the cut-off T_c when the params have eta_short / eta_long.
    Entries whose model price has no implied vol are NaN."""
    Ts = list(array("maturities", maturities, ndim=1, lo=0.0, lo_open=True))
    K = array("strikes", strikes, ndim=1, lo=0.0, lo_open=True)
    forward = real("forward", forward, 0.0, None, lo_open=True)
    if not isinstance(params, dict):
        raise ValueError("params must be a dict (CalibrationResult.params)")
    mdl = _make_model(model, "lam" in params, params.get("mu_J", DEFAULT_MU_J), piecewise_eta)
    d = dict(params)
    d.setdefault("H", 0.5)
    missing = [k for k in mdl.names if k not in d]
    if missing:
        raise ValueError(f"params lack {missing} for model {model!r}")
    ranges = _cumulant_ranges(mdl, d, Ts, n)
    Ns = _cos_terms(mdl, d, Ts, ranges, max(n // 2, 8), cos_tol)
    ks = [np.log(K / forward)] * len(Ts)
    pr = _Pricer(mdl, Ts, ks, ranges, Ns, n)
    iv, code, p = pr.ivs(np.exp(pr.logphi_many([d])[0]))
    iv = np.where(code == 0, iv, np.nan)
    return iv.reshape(len(Ts), K.size)


def greeks_surface(params, strikes, maturities, S0=1.0, r=0.0, q=0.0, kind="call", rel_step=1e-3):
    """Rough Heston price, delta, gamma and vega on strikes x maturities.

    ``params``: a dict of RoughHestonParams fields (e.g. ``CalibrationResult.params``).
    Price, delta (dP/dS0) and vega (dP/d sqrt(V0), the spot-variance vega) come from
    ``numerics.rough_heston.greeks``; gamma is the central difference of delta over
    S0 (1 +- rel_step).  Returns a dict of (len(maturities), len(strikes)) arrays.
    """
    from numerics import rough_heston as rh
    if kind not in ("call", "put"):
        raise ValueError(f"kind must be 'call' or 'put', got {kind!r}")
    maturities = array("maturities", maturities, ndim=1, lo=0.0, hi=100.0, lo_open=True)
    strikes = array("strikes", strikes, ndim=1, lo=0.0, lo_open=True)
    S0 = real("S0", S0, 0.0, None, lo_open=True)
    rel_step = real("rel_step", rel_step, 1e-6, 0.1)
    p = {k: v for k, v in params.items() if k in ("H", "kappa", "theta", "eta", "rho", "V0",
                                                   "lam", "mu_J", "sigma_J")}
    out = {k: np.empty((maturities.size, strikes.size)) for k in ("price", "delta", "gamma", "vega")}
    dk = "call_delta" if kind == "call" else "put_delta"
    for i, T in enumerate(maturities):
        g = rh.greeks(p, strikes, float(T), S0=S0, r=r, q=q)
        up = rh.greeks(p, strikes, float(T), S0=S0 * (1 + rel_step), r=r, q=q)[dk]
        dn = rh.greeks(p, strikes, float(T), S0=S0 * (1 - rel_step), r=r, q=q)[dk]
        out["price"][i], out["delta"][i], out["vega"][i] = g[kind], g[dk], g["vega"]
        out["gamma"][i] = (up - dn) / (2 * rel_step * S0)
    return out
