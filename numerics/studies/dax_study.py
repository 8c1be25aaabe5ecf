"""§9.6 on data that can ship: the DAX surface of 5 July 2002 (QuantLib's Heston test data).

104 implied vols (13 strikes x 8 expiries, 2 weeks to 2 years; ``tests/data/dax_20020705.json``,
made by ``tests/data/make_dax_surface.py`` with its provenance).  Equal weights, the
implied-vol RMSE, as in QuantLib's test.  Fitted: classical Heston (ours, and QuantLib's own
calibration on the same quotes in the same run: the reference SSE is 177.2 vol points^2),
rough Heston with and without Merton jumps (mu_J = -0.1), and per-slice Hagan SABR
(beta = 1) for scale.  H is also read off the market's ATM skew term structure
(skew ~ T^(H - 1/2), a quartic in log-moneyness over the 7 strikes nearest the money per
expiry, then a weighted log-log regression).
"""
from __future__ import annotations

import json
import math
import os
import time

import numpy as np

from numerics import calibration as cal
from numerics import sabr
from numerics.estimators import smile_skew_curvature

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data",
                    "dax_20020705.json")


def load(path=DATA):
    if not os.path.exists(path):
        raise ValueError(f"DAX data not found at {path} (run tests/data/make_dax_surface.py)")
    with open(path) as fh:
        d = json.load(fh)
    q = d["quotes"]
    col = lambda k: np.array([x[k] for x in q])
    surf = cal.Surface(maturity=col("maturity"), strike=col("strike"), iv=col("iv"),
                       forward=col("forward"), rate=col("rate"), spot=d["spot"],
                       weight=np.ones(len(q)))
    return d, surf


def _quantlib_heston(d):
    try:
        import QuantLib as ql
    except ImportError as exc:  # pragma: no cover - depends on the environment
        return dict(skipped=f"QuantLib not installed ({exc})")
    import sys
    sys.path.insert(0, os.path.dirname(DATA))
    import make_dax_surface as mk
    settle = ql.Date(5, ql.July, 2002)
    ql.Settings.instance().evaluationDate = settle
    dc = ql.Actual365Fixed()
    rts = ql.YieldTermStructureHandle(ql.ZeroCurve([settle] + [settle + t for t in mk.T_DAYS],
                                                   [0.0357] + mk.RATES, dc))
    div = ql.YieldTermStructureHandle(ql.FlatForward(settle, 0.0, dc))
    t0 = time.perf_counter()
    model = ql.HestonModel(ql.HestonProcess(rts, div, ql.QuoteHandle(ql.SimpleQuote(mk.SPOT)),
                                            0.1, 1.0, 0.1, 0.5, -0.5))
    eng = ql.AnalyticHestonEngine(model, 64)
    helpers = []
    for si, K in enumerate(mk.STRIKES):
        for m, t in enumerate(mk.T_DAYS):
            h = ql.HestonModelHelper(ql.Period((t + 3) // 7, ql.Weeks), ql.TARGET(), mk.SPOT, K,
                                     ql.QuoteHandle(ql.SimpleQuote(mk.VOLS[si][m])), rts, div,
                                     ql.BlackCalibrationHelper.ImpliedVolError)
            h.setPricingEngine(eng)
            helpers.append(h)
    model.calibrate(helpers, ql.LevenbergMarquardt(1e-8, 1e-8, 1e-8),
                    ql.EndCriteria(400, 40, 1e-8, 1e-8, 1e-8))
    dt = time.perf_counter() - t0
    th, ka, sg, rho, v0 = list(model.params())
    sse = sum((h.calibrationError() * 100) ** 2 for h in helpers)
    return dict(time_s=dt, sse=sse, params=dict(kappa=ka, theta=th, eta=sg, rho=rho, V0=v0))


def skew_power_law(surf):
    """H from the market's ATM skew term structure: per expiry, d sigma / d k at k = 0 from
    a quartic over the 7 strikes nearest the forward (error: the larger of its SE and the change against a quadratic); then log|skew| = c + (H - 1/2) log T
    by weighted least squares.  Returns dict(H, H_se, per-expiry skews)."""
    Ts, sk, se = [], [], []
    for T in surf.maturities:
        s = surf.T == T
        k = np.log(surf.K[s] / surf.F[s])
        idx = np.argsort(np.abs(k))[:7]
        fit = smile_skew_curvature(k[idx], surf.iv[s][idx], degree=4)
        Ts.append(float(T))
        sk.append(fit["skew"])
        se.append(fit["skew_err"])
    fit = sabr.skew_power_law(Ts, sk, se)
    return dict(H=fit["H"], H_se=fit["H_se"], maturities=Ts, skew=sk, skew_err=se)


def run(out_dir, quick=False, progress=print):
    """Fit every model to the DAX surface; write report.md, results.json and a figure."""
    os.makedirs(out_dir, exist_ok=True)
    d, surf = load()
    out = dict(n_quotes=int(surf.n), maturities=surf.maturities.tolist(), spot=d["spot"],
               quantlib_reference_sse=d["quantlib_reference_sse_volpoints2"], fits={})
    runs = [("heston", dict(model="heston", bounds=dict(kappa=(0.05, 30.0)))),
            ("rough_heston", dict(model="rough_heston")),
            ("rough_heston_jumps", dict(model="rough_heston", jumps=True))]
    for name, kw in runs:
        r = cal.calibrate(surf, seed=0, **kw)
        out["fits"][name] = dict(params=r.params, stderr=r.stderr, time_s=r.time_s,
                                 sse=float(np.sum((r.residuals_bps / 100.0) ** 2)),
                                 rmse_bps=r.rmse_unweighted_bps, by_T=r.rmse_by_maturity_bps,
                                 converged=r.converged, reason=r.reason,
                                 corr_H_eta=float(r.corr[0, 3]) if "H" in r.names else None)
        if progress:
            progress(f"study dax: {name}: RMSE {r.rmse_unweighted_bps:.1f} bps in {r.time_s:.2f} s")
    out["quantlib_heston"] = _quantlib_heston(d)
    t0 = time.perf_counter()
    sab = {}
    for T in surf.maturities:
        s = surf.T == T
        f = sabr.calibrate_slice(surf.K[s], float(surf.F[s][0]), float(T), surf.iv[s], beta=1.0)
        sab[float(T)] = float(np.sqrt(np.mean(f["residuals_bps"] ** 2)))
    out["sabr"] = dict(by_T=sab, rmse_bps=float(np.sqrt(np.mean(np.square(list(sab.values()))))),
                       time_s=time.perf_counter() - t0)
    out["skew_power_law"] = skew_power_law(surf)
    _figure(out_dir, out)
    with open(os.path.join(out_dir, "results.json"), "w") as fh:
        json.dump(out, fh, indent=1, default=float)
    with open(os.path.join(out_dir, "report.md"), "w") as fh:
        fh.write(report(out))
    return out


def _figure(out_dir, o):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4))
    Ts = o["maturities"]
    for name, st in (("heston", "o-"), ("rough_heston", "s-"), ("rough_heston_jumps", "^-")):
        by = o["fits"][name]["by_T"]
        ax.plot(Ts, [by[T] if T in by else by[str(T)] for T in Ts], st, label=name.replace("_", " "))
    ax.plot(Ts, [o["sabr"]["by_T"][T] for T in Ts], "k--", label="SABR per slice (beta 1)")
    ax.set_xscale("log")
    ax.set_xlabel("maturity (years)")
    ax.set_ylabel("implied-vol RMSE (bps)")
    ax.set_title("DAX 5 July 2002: RMSE per expiry")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "rmse_by_expiry.png"), dpi=90)
    plt.close(fig)


def report(o):
    f = o["fits"]
    ql = o["quantlib_heston"]
    L = ["# DAX, 5 July 2002 (QuantLib's Heston test surface): Heston, rough Heston, SABR", "",
         f"{o['n_quotes']} quotes, expiries {', '.join(f'{T:.3f}' for T in o['maturities'])} years, "
         f"spot {o['spot']}; equal weights, implied-vol errors.", "",
         "## Classical Heston against QuantLib", "",
         "| | SSE (vol points²) | kappa | theta | eta | rho | V0 | time |", "|---|---|---|---|---|---|---|---|"]
    h = f["heston"]
    L.append(f"| ours | {h['sse']:.3f} | " + " | ".join(f"{h['params'][k]:.4f}" for k in
                                                          ("kappa", "theta", "eta", "rho", "V0"))
             + f" | {h['time_s']:.2f} s |")
    if "skipped" not in ql:
        L.append(f"| QuantLib (same quotes, same run) | {ql['sse']:.3f} | " + " | ".join(
            f"{ql['params'][k]:.4f}" for k in ("kappa", "theta", "eta", "rho", "V0")) + f" | {ql['time_s']:.2f} s |")
    L.append(f"| QuantLib test's expected value | {o['quantlib_reference_sse']} | | | | | | |")
    L += ["", "## Rough Heston", "", "| model | RMSE (bps) | SSE | H ± SE | corr(H, eta) | time | converged |",
          "|---|---|---|---|---|---|---|"]
    for name in ("heston", "rough_heston", "rough_heston_jumps"):
        x = f[name]
        Hs = f"{x['params']['H']:.3f} ± {x['stderr'].get('H', float('nan')):.3f}" if name != "heston" else "0.5 (fixed)"
        cr = f"{x['corr_H_eta']:.2f}" if x["corr_H_eta"] is not None else ""
        L.append(f"| {name.replace('_', ' ')} | {x['rmse_bps']:.1f} | {x['sse']:.1f} | {Hs} | {cr} | "
                 f"{x['time_s']:.2f} s | {x['converged']} |")
    L.append(f"| SABR per slice (β = 1, 24 parameters) | {o['sabr']['rmse_bps']:.1f} | | | | "
             f"{o['sabr']['time_s'] * 1e3:.0f} ms | |")
    L += ["", "RMSE per expiry (bps):", "", "| T | Heston | rough Heston | rough Heston + jumps | SABR |",
          "|---|---|---|---|---|"]
    for T in o["maturities"]:
        g = lambda n: f[n]["by_T"][T]
        L.append(f"| {T:.3f} | {g('heston'):.1f} | {g('rough_heston'):.1f} | {g('rough_heston_jumps'):.1f} | "
                 f"{o['sabr']['by_T'][T]:.1f} |")
    sp = o["skew_power_law"]
    L += ["", "## H from the ATM skew power law", "",
          f"Regressing log |ATM skew| on log T over the 8 expiries: H = {sp['H']:.3f} ± {sp['H_se']:.3f} "
          f"(the calibrated rough Heston H: {f['rough_heston']['params']['H']:.3f}).", "",
          "## Beside the paper's §9.6", "",
          "On its SPY snapshot (4 expiries, 3 weeks to 9 months) the paper saw the unconstrained H run "
          "to the Heston boundary (0.499, 75 bps, SABR 51 bps). On this DAX surface (8 expiries, 2 "
          f"weeks to 2 years) the fitted H is {f['rough_heston']['params']['H']:.3f}"
          + (" (at the boundary as well)" if f["rough_heston"]["params"]["H"] > 0.49 else ", inside (0, 1/2)")
          + "; rough Heston fits " + ("better" if f["rough_heston"]["rmse_bps"] < f["heston"]["rmse_bps"] else "worse")
          + f" than classical Heston ({f['rough_heston']['rmse_bps']:.0f} against {f['heston']['rmse_bps']:.0f} bps); "
          "per-slice SABR, with 24 parameters, fits "
          + ("better" if o["sabr"]["rmse_bps"] < f["rough_heston"]["rmse_bps"] else "worse")
          + f" ({o['sabr']['rmse_bps']:.0f} bps).", ""]
    return "\n".join(L)
