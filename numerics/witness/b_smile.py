"""Smile observables from rough Heston COS prices (parts 13, 15, 17, 19, 21-25).

For each maturity T the smile is priced by ``numerics.rough_heston.greeks`` (COS, cf_tol
1e-14) at 17 log-moneyness points over +/- 0.5 sqrt(V0 T) (out-of-the-money options),
inverted to implied vols (``numerics.black_scholes.implied_vol``) and fitted by polynomials
of degree 6 and 4 in k: psi_n(T) = d^n sigma / dk^n at k = 0 for n = 1, 2, 3 (skew,
curvature, third-order coefficient; the degree change is the fit-error estimate).  Exponents
are log-log fits over T in [T_min, T_max] (default [1e-4, 1e-2], 7 maturities) with the SE of
the residuals, so a term structure that is not yet a power law reports a large SE.

Rough Heston parameters: ``rh_eta`` (vol of variance, default 0.05), ``rh_rho`` (-0.7),
``rh_kappa`` (0), ``rh_theta`` and ``rh_V0`` (0.04).  The Heston benchmark is the same
parameter set at H = 1/2 (the El Euch-Rosenbaum model reduces to classical Heston there).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from numerics import black_scholes as bs
from numerics.rough_heston import RoughHestonParams, greeks

from .b_common import hurst, integer, loglog_fit, real, register_pair_and_shift, two_hurst
from .base import Measurement, Value, observable

KERNEL = "numerics.rough_heston (COS) + numerics.black_scholes (implied vol)"

# small vol of variance, no mean reversion, T in [1e-4, 1e-2]: the higher-order terms of the
# short-time expansion (relative size eta T^H / sqrt(V0), kappa T^(H+1/2)) bend the log-log line;
# measured with kappa = 0.3, eta = 0.1 over [1e-3, 1e-1] the curvature exponent at H = 0.1 is
# -0.870 +- 0.009 (-0.804 +- 0.0003 with these defaults).
RH_DEFAULTS = dict(rh_eta=0.05, rh_rho=-0.7, rh_kappa=0.0, rh_theta=0.04, rh_V0=0.04)
T_DEFAULT = (1e-4, 1e-2, 7)


def _rh(params, H, eta_key="rh_eta"):
    vals = {k: real(params, k, d, -1.0 if k == "rh_rho" else 0.0, 1.0 if k == "rh_rho" else 10.0)
            for k, d in RH_DEFAULTS.items()}
    vals["rh_eta"] = real(params, eta_key, RH_DEFAULTS["rh_eta"], 0.0, 10.0)
    if vals["rh_V0"] <= 0:
        raise ValueError(f"parameter 'rh_V0' must be positive, got {vals['rh_V0']!r}")
    return (H, vals["rh_kappa"], vals["rh_theta"], vals["rh_eta"], vals["rh_rho"], vals["rh_V0"])


def _grid(params, quick):
    lo = real(params, "T_min", T_DEFAULT[0], 0.0, 10.0, lo_open=True)
    hi = real(params, "T_max", T_DEFAULT[1], 0.0, 10.0, lo_open=True)
    if not hi > lo:
        raise ValueError(f"T_max must exceed T_min, got T_min={lo!r}, T_max={hi!r}")
    n = integer(params, "n_T", T_DEFAULT[2], 3, 64)
    if quick:
        n = min(n, 5)
    return tuple(float(t) for t in np.geomspace(lo, hi, n))


@functools.lru_cache(maxsize=4096)
def _smile(p, T):
    """(psi1, psi2, psi3, their fit errors, ATM implied vol, ATM model delta, ATM model vega)."""
    prm = RoughHestonParams(*p)
    k = np.linspace(-1.0, 1.0, 17) * 0.5 * math.sqrt(prm.V0 * T)
    K = np.exp(k)
    g = greeks(prm, np.append(K, 1.0), T, cf_tol=1e-14)
    otm = np.where(k >= 0.0, g["call"][:-1], g["put"][:-1])
    iv = bs.implied_vol(otm, 1.0, K, T, kind=np.where(k >= 0.0, "call", "put"))
    if not np.all(np.isfinite(iv)):
        raise ValueError(f"COS smile has no implied vol at T={T!r} for {prm}")
    s = float(k[-1])
    fits = []
    for d in (6, 4):
        b = np.polynomial.polynomial.polyfit(k / s, iv, d)
        fits.append(np.array([b[1] / s, 2 * b[2] / s ** 2, 6 * b[3] / s ** 3]))
    psi, err = fits[0], np.abs(fits[0] - fits[1])
    atm = float(bs.implied_vol(g["call"][-1], 1.0, 1.0, T))
    return psi, err, atm, float(g["call_delta"][-1]), float(g["vega"][-1])


def _psi(p, Ts):
    rows = [_smile(p, T) for T in Ts]
    return np.array([r[0] for r in rows]), np.array([r[1] for r in rows])


def _fit_order(p, Ts, n):
    psi, err = _psi(p, Ts)
    y = psi[:, n - 1]
    if np.any(np.sign(y) != np.sign(y[0])):
        raise ValueError(f"psi_{n}(T) changes sign over T = {list(Ts)} ({y.tolist()}): no power law; "
                         "use shorter maturities or a smaller rh_eta")
    e, c, _ = loglog_fit(np.array(Ts), y)
    return e, c, dict(T=list(Ts), psi=y.tolist(), psi_fit_err=err[:, n - 1].tolist())


def _radius(p, Ts):
    """Transition moneyness k*(T) = |psi1 / psi2| (where the curvature term of the expansion
    equals the skew term, up to the factor 1/2)."""
    psi, _ = _psi(p, Ts)
    r = np.abs(psi[:, 0] / psi[:, 1])
    e, c, _ = loglog_fit(np.array(Ts), r)
    return e, dict(T=list(Ts), k_star=r.tolist())


@observable("b_smile", kernel=KERNEL,
            description="exponents of the rough Heston COS smile coefficients psi_1 (ATM skew), psi_2 "
                        "(curvature), psi_3 (third order) and of the transition moneyness |psi_1/psi_2|, "
                        "fitted over T",
            outputs=("skew_exponent", "curvature_exponent", "third_exponent", "radius_exponent",
                     "skew_prefactor", "curvature_prefactor"))
def smile(params, seed, quick):
    H = hurst(params)
    p, Ts = _rh(params, H), _grid(params, quick)
    out, detail = {}, {"H": H}
    for n, name in ((1, "skew"), (2, "curvature"), (3, "third")):
        e, c, d = _fit_order(p, Ts, n)
        out[f"{name}_exponent"] = e
        if n < 3:
            out[f"{name}_prefactor"] = c
        detail[name] = d
    out["radius_exponent"], detail["radius"] = _radius(p, Ts)
    return Measurement(out, detail)


@observable("b_smile_nth", kernel=KERNEL,
            description="exponents of the smile coefficients psi_n(T) and psi_(n+1)(T) (n = 1, 2) of the "
                        "rough Heston COS smile, fitted over T",
            outputs=("exponent", "next_exponent"))
def smile_nth(params, seed, quick):
    """``next_exponent`` is the exponent of psi_(n+1) (so n is 1 or 2)."""
    H = hurst(params)
    n = integer(params, "n", None, 1, 2)
    p, Ts = _rh(params, H), _grid(params, quick)
    e, _, d = _fit_order(p, Ts, n)
    e2, _, d2 = _fit_order(p, Ts, n + 1)
    return Measurement({"exponent": e, "next_exponent": e2}, dict(H=H, n=n, psi_n=d, psi_next=d2))


@observable("b_smile_pair", kernel=KERNEL,
            description="skew and transition-moneyness exponents of two rough Heston models (h1, h2) and "
                        "the exponent of the ratio of their ATM skews psi_h1(T)/psi_h2(T)",
            outputs=("skew_h1", "skew_h2", "radius_h1", "radius_h2", "skew_ratio_exponent"))
def smile_pair(params, seed, quick):
    h1, h2 = two_hurst(params, "pair")
    Ts = _grid(params, quick)
    p1, p2 = _rh(params, h1), _rh(params, h2)
    s1, _, d1 = _fit_order(p1, Ts, 1)
    s2, _, d2 = _fit_order(p2, Ts, 1)
    r1, _ = _radius(p1, Ts)
    r2, _ = _radius(p2, Ts)
    ratio = np.array(d1["psi"]) / np.array(d2["psi"])
    e, _, _ = loglog_fit(np.array(Ts), ratio)
    return Measurement({"skew_h1": s1, "skew_h2": s2, "radius_h1": r1, "radius_h2": r2,
                        "skew_ratio_exponent": e}, {"h1": d1, "h2": d2, "ratio": ratio.tolist()})


def _skew_exp(params, seed, quick, H):
    e, _, d = _fit_order(_rh(params, H), _grid(params, quick), 1)
    return e, d


register_pair_and_shift("b_skew", KERNEL, "ATM skew exponent of the rough Heston COS smile", _skew_exp)


@observable("b_smile_shift2", kernel=KERNEL,
            description="ATM skew exponent at h, h + dH1 and h + dH2 (two misspecifications of H)",
            outputs=("skew_at_h", "skew_at_h_dH1", "skew_at_h_dH2"))
def smile_shift2(params, seed, quick):
    h, a, b = two_hurst(params, "shift2")
    Ts = _grid(params, quick)
    vals = [_fit_order(_rh(params, x), Ts, 1) for x in (h, a, b)]
    return Measurement({"skew_at_h": vals[0][0], "skew_at_h_dH1": vals[1][0], "skew_at_h_dH2": vals[2][0]},
                       {"h": vals[0][2], "h_dH1": vals[1][2], "h_dH2": vals[2][2]})


@observable("b_cross_model", kernel=KERNEL,
            description="rough vs classical Heston: exponent of the ratio of ATM skews "
                        "psi_rough(T)/psi_Heston(T) (same parameters, H vs 1/2), each skew's own "
                        "exponent, and the gap exponent of psi_Heston/psi_rough",
            outputs=("divergence_exponent", "skew_exponent", "heston_skew_exponent", "gap_exponent"))
def cross_model(params, seed, quick):
    H = hurst(params)
    Ts = _grid(params, quick)
    se, _, d1 = _fit_order(_rh(params, H), Ts, 1)
    seh, _, d2 = _fit_order(_rh(params, 0.5), Ts, 1)
    ratio = np.array(d1["psi"]) / np.array(d2["psi"])
    de, _, _ = loglog_fit(np.array(Ts), ratio)
    gap, _, _ = loglog_fit(np.array(Ts), 1.0 / ratio)
    return Measurement({"divergence_exponent": de, "skew_exponent": se, "heston_skew_exponent": seh,
                        "gap_exponent": gap}, {"rough": d1, "heston": d2, "ratio": ratio.tolist()})


# ---------------------------------------------------------------- Greeks (parts 13, 15)

_DELTA_FINDING = ("the ATM delta correction per unit of Black-Scholes vega, (Delta_model - Delta_BS) S / "
                  "vega_BS, scales as T^{ev:.3f} +- {evse:.3f} at H = {H}, not T^(H-1/2) = T^{p:.2f}; the raw "
                  "difference scales as T^{e:.3f} +- {se:.3f}")


@observable("b_delta_correction", kernel=KERNEL,
            description="exponent of the ATM delta correction per unit of Black-Scholes vega, "
                        "(Delta_model(T) - Delta_BS(T, sigma_ATM(T))) S / vega_BS (the paper's own §9.3 "
                        "form), and of the raw difference of deltas, fitted over T",
            outputs=("exponent", "exponent_per_vega"))
def delta_correction(params, seed, quick):
    """``exponent`` is the raw difference of deltas (a number in [-1, 1], so it cannot grow
    like T^(H-1/2); measured ~ T^H = vega_BS ~ sqrt(T) times the skew); ``exponent_per_vega``
    divides it by vega_BS / S, the normalisation of every hedging quantity in this suite
    (hedge errors per unit maturity, vega corrections per unit of BS vega)."""
    H = hurst(params)
    p, Ts = _rh(params, H), _grid(params, quick)
    dc, per_vega = [], []
    for T in Ts:
        _, _, atm, delta, _ = _smile(p, T)
        g = bs.greeks(1.0, 1.0, T, atm)
        dc.append(delta - float(g["delta"]))
        per_vega.append((delta - float(g["delta"])) / float(g["vega"]))
    dc, per_vega = np.array(dc), np.array(per_vega)
    if np.any(np.sign(dc) != np.sign(dc[0])):
        raise ValueError(f"delta correction changes sign over T: {dc.tolist()}")
    e, _, _ = loglog_fit(np.array(Ts), dc)
    ev, _, _ = loglog_fit(np.array(Ts), per_vega)
    finding = ""
    if abs(ev.value - (H - 0.5)) > max(0.05, 4 * ev.se):
        finding = _DELTA_FINDING.format(e=e.value, se=e.se, H=H, p=H - 0.5, ev=ev.value, evse=ev.se)
    return Measurement({"exponent": e, "exponent_per_vega": ev},
                       dict(H=H, T=list(Ts), delta_correction=dc.tolist(), per_vega=per_vega.tolist()),
                       finding, finding_outputs=("exponent_per_vega",))


_VEGA_FINDING = ("the ATM vega correction per unit of Black-Scholes vega, vega_model/vega_BS(sigma_ATM) - 1 "
                 "(COS vega = dP/d sqrt(V0)), scales as T^{e:.3f} +- {se:.3f} at H = {H} (about T^(2H)), not "
                 "T^(2H-1) = T^{p:.2f}; the raw difference vega_model - vega_BS scales as T^{er:.3f} (about "
                 "T^(2H+1/2)); only dividing the dimensionless ratio once more by T, with no reason to, gives "
                 "2H - 1")


@observable("b_vega_correction", kernel=KERNEL,
            description="exponent of the ATM vega correction per unit of Black-Scholes vega, "
                        "vega_model/vega_BS(sigma_ATM) - 1 (COS spot-vol vega against the Black-Scholes vega "
                        "at the ATM implied vol), of the raw difference vega_model - vega_BS, and of the "
                        "per-vega correction divided by T, fitted over T",
            outputs=("exponent", "exponent_raw", "exponent_per_time"))
def vega_correction(params, seed, quick):
    """Leverage ``vc_rho`` (default 0): with rho = -0.7 a rho eta T^(H+1/2) term mixes in
    (measured exponent 0.16 at H = 0.1 instead of 0.198 at rho = 0)."""
    H = hurst(params)
    p, Ts = _rh(dict(params, rh_rho=real(params, "vc_rho", 0.0, -1.0, 1.0)), H), _grid(params, quick)
    vc, raw = [], []
    for T in Ts:
        _, _, atm, _, vega = _smile(p, T)
        vbs = float(bs.greeks(1.0, 1.0, T, atm)["vega"])
        vc.append(vega / vbs - 1.0)
        raw.append(vega - vbs)
    vc, raw = np.array(vc), np.array(raw)
    if np.any(np.sign(vc) != np.sign(vc[0])):
        raise ValueError(f"vega correction changes sign over T: {vc.tolist()} (mixed terms: "
                         "set rh_kappa = rh_rho = 0 to isolate the vol-of-vol term)")
    e, _, _ = loglog_fit(np.array(Ts), vc)
    er, _, _ = loglog_fit(np.array(Ts), raw)
    et, _, _ = loglog_fit(np.array(Ts), vc / np.array(Ts))
    finding = ""
    if abs(e.value - (2 * H - 1)) > max(0.05, 4 * e.se) and abs(er.value - (2 * H - 1)) > max(0.05, 4 * er.se):
        finding = _VEGA_FINDING.format(e=e.value, se=e.se, H=H, p=2 * H - 1, er=er.value)
    return Measurement({"exponent": e, "exponent_raw": er, "exponent_per_time": et},
                       dict(H=H, T=list(Ts), vega_correction=vc.tolist(), raw_difference=raw.tolist()), finding,
                       finding_outputs=("exponent", "exponent_raw"))


# ---------------------------------------------------------------- calendar (part 19)

CAL_STEP = 0.05


def _calendar(p, Ts):
    """Calendar slope of the smile curvature: d psi_2 / dT by central differences at
    T (1 +/- CAL_STEP), and the smallest calendar-spread slope d(sigma^2 T)/dT over the
    smile grid (no-arbitrage requires it positive)."""
    slope, margin = [], np.inf
    for T in Ts:
        lo, hi = _smile(p, T * (1 - CAL_STEP)), _smile(p, T * (1 + CAL_STEP))
        slope.append((hi[0][1] - lo[0][1]) / (2 * CAL_STEP * T))
        # total ATM implied variance slope
        margin = min(margin, (hi[2] ** 2 * T * (1 + CAL_STEP) - lo[2] ** 2 * T * (1 - CAL_STEP))
                     / (2 * CAL_STEP * T))
    slope = np.array(slope)
    if np.any(np.sign(slope) != np.sign(slope[0])):
        raise ValueError(f"d psi_2/dT changes sign over T: {slope.tolist()}")
    e, _, _ = loglog_fit(np.array(Ts), slope)
    return e, dict(T=list(Ts), dpsi2_dT=slope.tolist(), min_atm_total_variance_slope=float(margin))


@observable("b_calendar", kernel=KERNEL,
            description="exponent of the calendar slope of the smile curvature |d psi_2/dT| (central "
                        "differences of COS smiles in T), the forward-slope exponent of the calendar "
                        "constraints; also the smallest ATM total-variance slope (calendar spread)",
            outputs=("slope_exponent", "min_total_variance_slope"))
def calendar(params, seed, quick):
    H = hurst(params)
    e, d = _calendar(_rh(params, H), _grid(params, quick))
    return Measurement({"slope_exponent": e, "min_total_variance_slope": Value(d["min_atm_total_variance_slope"])},
                       dict(H=H, **d))


def _calendar_exp(params, seed, quick, H):
    return _calendar(_rh(params, H), _grid(params, quick))


register_pair_and_shift("b_calendar", KERNEL, "calendar-slope exponent (b_calendar)", _calendar_exp)


# ---------------------------------------------------------------- curvature coefficient (part 17)

def curvature_coefficient(params, quick, H, eta_key="rh_eta"):
    """Prefactor C_curv of psi_2(T) ~ C_curv T^e (COS), with its exponent and detail."""
    e, c, d = _fit_order(_rh(params, H, eta_key), _grid(params, quick), 2)
    return c, e, d


@observable("b_curvature_coefficient_pair", kernel=KERNEL,
            description="rough Heston smile-curvature coefficients C1, C2 (prefactors of the fitted ATM "
                        "curvature term structures psi_2(T) ~ C T^e) at vol of variance eta1 < eta2",
            outputs=("C1", "C2"))
def curvature_coefficient_pair(params, seed, quick):
    H = hurst(params)
    c1, _, d1 = curvature_coefficient(params, quick, H, "eta1")
    c2, _, d2 = curvature_coefficient(params, quick, H, "eta2")
    return Measurement({"C1": c1, "C2": c2}, {"eta1": d1, "eta2": d2})
