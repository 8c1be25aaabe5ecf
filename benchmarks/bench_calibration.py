"""Calibration benchmarks (issue 11): rough Heston to implied-vol surfaces.

Workloads, each on the same quotes for every route, in the same process:

1. the §9.5 surface (H 0.12, eta 0.9, rho -0.65, kappa 2.5, theta 0.04, V0 0.04; 5 maturities
   x 9 strikes, 5 bps noise), cold start: ours (``numerics.calibration``), its NumPy twin
   (the same algorithm with the Riccati solved by ``numerics.adams_ref``), and QuantLib's
   own calibration (``RoughHestonModel`` + ``AnalyticRoughHestonEngine`` through
   ``HestonModelHelper``s, Levenberg-Marquardt) with its Adams, lifted and Padé routes.
   QuantLib takes dates: the whole surface is run in time units stretched by c = 4 (every
   c T is a whole number of days under Actual365Fixed), through the model's exact
   rescaling price(T; V0, kappa, theta, eta) = price(c T; V0/c, c^-a kappa, theta/c, c^-a eta),
   a = H + 1/2, with implied vols sigma/sqrt(c); the fitted parameters are mapped back.
   Target: <= 0.3 s with RMSE <= 5 bps and |H - 0.12| <= 0.03.
2. warm start from the cold fit after the surface moved by 1 vol point: target <= 0.1 s.
3. 146 quotes over 4 maturities (the §9.6 layout: 3 weeks to 9 months), cold: <= 1 s.

Every RMSE here is re-measured with ``numerics.rough_heston.price`` (the independent
pricer, default accuracy) at the fitted parameters: the weighted implied-vol RMSE
(weights sqrt(T) exp(-10 m^2), the calibration objective) and the plain one, in bps.
``python -m benchmarks.bench_calibration [--quick]`` prints the detailed table (time
min / median / max over repeats, RMSE, H, met / missed); ``python -m benchmarks`` runs the
timing workloads with the others.
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time

import numpy as np

from benchmarks.harness import Reference, Target, Workload
from numerics import adams_ref
from numerics import calibration as cal
from numerics import rough_heston as rh
from numerics.black_scholes import implied_vol

TRUE = dict(H=0.12, kappa=2.5, theta=0.04, eta=0.9, rho=-0.65, V0=0.04)
S0 = 100.0
C_STRETCH = 4.0                     # QuantLib time stretch: c T * 365 is an integer
T45 = [0.1, 0.25, 0.5, 1.0, 2.0]
K45 = S0 * np.linspace(0.85, 1.15, 9)
T146 = [0.055, 0.189, 0.364, 0.767]
N146 = [37, 37, 36, 36]
NOISE_SEED = 2026
_state = {}


def _true_ivs(Ts, Ks):
    return [implied_vol(rh.price(TRUE, K, T, S0=S0), S0, K, T) for T, K in zip(Ts, Ks)]


def _surface(Ts, Ks, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    ivs = _true_ivs(Ts, Ks)
    TT = np.concatenate([np.full(K.size, T) for T, K in zip(Ts, Ks)])
    KK = np.concatenate(Ks)
    iv = np.concatenate(ivs) + 5e-4 * rng.standard_normal(KK.size) + shift
    return cal.Surface(maturity=TT, strike=KK, iv=iv, spot=S0)


def _setup():
    if _state:
        return
    _state["s45"] = _surface(T45, [K45] * 5, NOISE_SEED)
    Ks146 = [S0 * np.linspace(1 - w, 1 + 0.6 * w, n) for w, n in zip((0.12, 0.2, 0.3, 0.4), N146)]
    _state["s146"] = _surface(T146, Ks146, NOISE_SEED + 1)
    cold = cal.calibrate(_state["s45"], seed=0)
    _state["cold45"] = cold
    _state["cold45_rmse"] = reference_rmse(_state["s45"], cold.params)[0]
    s = _state["s45"]
    _state["s45_moved"] = cal.Surface(maturity=s.T, strike=s.K, iv=s.iv + 0.01, spot=S0)


def reference_rmse(surf, params):
    """(weighted RMSE, plain RMSE) in bps of ``params`` re-priced by rough_heston.price."""
    p = {k: params[k] for k in TRUE}
    e = np.empty(surf.n)
    for T in surf.maturities:
        s = surf.T == T
        K = surf.K[s]
        e[s] = implied_vol(rh.price(p, K, T, S0=S0), S0, K, T) - surf.iv[s]
    e = np.where(np.isfinite(e), e, 1.0)
    w = surf.weight
    return float(np.sqrt(np.sum(w * e * e) / np.sum(w))) * 1e4, float(np.sqrt(np.mean(e * e))) * 1e4


# --- the routes ---------------------------------------------------------------------------

def ours_cold45():
    r = cal.calibrate(_state["s45"], seed=0)
    _state["last_s45"] = r.params
    return r.params, r


def ours_warm45():
    r = cal.calibrate(_state["s45_moved"], start=_state["cold45"].params)
    _state["last_s45_moved"] = r.params
    return r.params, r


def ours_cold146():
    r = cal.calibrate(_state["s146"], seed=0)
    _state["last_s146"] = r.params
    return r.params, r


# --- accuracy measures for the structured targets (on the last timed fit of ours) -------------

def _last(key):
    params = _state.get("last_" + key)
    if params is None:
        raise RuntimeError(f"no fit of {key!r} has run yet: time the workload before its error")
    return params


def cold45_error():
    """max(RMSEw / 5 bps, |H - 0.12| / 0.03): at most 1 iff both §9.5 accuracy targets hold."""
    params = _last("s45")
    wr = reference_rmse(_state["s45"], params)[0]
    return max(wr / 5.0, abs(params["H"] - TRUE["H"]) / 0.03)


def warm45_error():
    """Weighted RMSE (bps) of the warm fit minus that of the cold fit on the unmoved surface."""
    return reference_rmse(_state["s45_moved"], _last("s45_moved"))[0] - _state["cold45_rmse"]


def cold146_error():
    """Weighted RMSE (bps) of the fit minus that of the true parameters (the noise floor)."""
    s = _state["s146"]
    return reference_rmse(s, _last("s146"))[0] - reference_rmse(s, TRUE)[0]


def _numpy_riccati(A, B, C, alpha, T, n, **_):
    hT, ih, iF = adams_ref.riccati_batch(alpha, n, T, A, np.asarray(B), np.asarray(C))
    return {"h_T": hT, "int_h": ih, "int_F": iF}


def twin_cold45():
    saved = cal._riccati_solver
    cal._riccati_solver = _numpy_riccati
    try:
        r = cal.calibrate(_state["s45"], seed=0)
    finally:
        cal._riccati_solver = saved
    return r.params, r


def _quantlib():
    try:
        import QuantLib as ql
        return ql, ""
    except ImportError as exc:  # pragma: no cover - depends on the environment
        return None, f"QuantLib not installed ({exc})"


def quantlib_cold45(route):
    """QuantLib's rough Heston calibration (helpers + LM) on the §9.5 quotes, from the same
    data-driven start as ours; returns the parameters mapped back to calendar time."""
    ql, _ = _quantlib()
    s = _state["s45"]
    c = C_STRETCH
    today = ql.Date(1, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    flat = ql.YieldTermStructureHandle(ql.FlatForward(today, 0.0, dc))
    spot = ql.QuoteHandle(ql.SimpleQuote(S0))
    g = cal._start_guess(s, None)
    a0 = g["H"] + 0.5
    proc = ql.HestonProcess(flat, flat, spot, g["V0"] / c, g["kappa"] * c ** -a0, g["theta"] / c,
                            g["eta"] * c ** -a0, g["rho"])
    model = ql.RoughHestonModel(proc, g["H"])
    approx = dict(adams=ql.AnalyticRoughHestonEngine.AdamsPredictorCorrector,
                  lifted=ql.AnalyticRoughHestonEngine.Lifted,
                  pade=ql.AnalyticRoughHestonEngine.Pade)[route]
    engine = ql.AnalyticRoughHestonEngine(model, 128, 256, approx)
    helpers = []
    for T, K, v in zip(s.T, s.K, s.iv):
        days = int(round(c * T * 365))
        h = ql.HestonModelHelper(ql.Period(days, ql.Days), ql.NullCalendar(), S0, float(K),
                                 ql.QuoteHandle(ql.SimpleQuote(float(v / math.sqrt(c)))), flat, flat,
                                 ql.BlackCalibrationHelper.ImpliedVolError)
        h.setPricingEngine(engine)
        helpers.append(h)
    lm = ql.LevenbergMarquardt(1e-8, 1e-8, 1e-8)
    model.calibrate(helpers, lm, ql.EndCriteria(400, 40, 1e-8, 1e-8, 1e-8), ql.NoConstraint(),
                    [float(w) for w in s.weight])
    th, ka, sg, rho, v0, H = list(model.params())
    a = H + 0.5
    return dict(H=H, kappa=ka * c ** a, theta=th * c, eta=sg * c ** a, rho=rho, V0=v0 * c), None


# --- detailed run -------------------------------------------------------------------------

def _timed(fn, repeat):
    """Wall times and process CPU times over ``repeat`` runs.  On a shared machine the CPU
    time (all threads of this process) is the steadier measure of the work done."""
    times, cpu, out = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, cpu, out


def detailed(quick=False):
    """Rows: route, times (min/median/max), weighted and plain RMSE, H, target, met."""
    _setup()
    rep = 3 if quick else 7
    rows = []
    ql, why = _quantlib()
    jobs = [("§9.5 45 quotes cold", "ours (numerics.calibration)", ours_cold45, rep, "s45", 0.3),
            ("§9.5 45 quotes cold", "NumPy twin (adams_ref Riccati)", twin_cold45, max(1, rep // 3), "s45", None)]
    for route in ("adams", "lifted", "pade"):
        if ql is not None:
            jobs.append(("§9.5 45 quotes cold", f"QuantLib 1.44 rough Heston, {route}",
                         (lambda r=route: quantlib_cold45(r)), max(1, rep // 3), "s45", None))
    jobs += [("warm start, surface +1 vol point", "ours", ours_warm45, rep, "s45_moved", 0.1),
             ("146 quotes, 4 maturities, cold", "ours", ours_cold146, rep, "s146", 1.0)]
    for work, route, fn, r, key, target in jobs:
        ours_cold45()                      # warm-up (imports, caches) outside the timing
        times, cpu, (params, res) = _timed(fn, r)
        wr, pr = reference_rmse(_state[key], params)
        # the noise floor: the true parameters on the same quotes (+1 vol point when moved)
        floor = reference_rmse(_state[key], TRUE)[0] if key != "s45_moved" else None
        row = dict(workload=work, route=route, t_min=min(times), t_med=statistics.median(times),
                   t_max=max(times), cpu_med=statistics.median(cpu), rmse_w=wr, rmse=pr, H=params["H"], repeats=r, floor=floor)
        if target is not None:
            if key == "s45":
                acc = wr <= 5.0 and abs(params["H"] - 0.12) <= 0.03
                row["target"] = f"<= {target:g} s & RMSE <= 5 bps & |H-0.12| <= 0.03"
            elif key == "s146":
                acc = wr <= floor + 0.1
                row["target"] = f"<= {target:g} s & RMSE <= truth's RMSE + 0.1 bps"
            else:
                acc = wr <= _state["cold45_rmse"] + 0.5
                row["target"] = f"<= {target:g} s & RMSE within 0.5 bps of the cold fit's"
            row["met"] = bool(row["t_med"] <= target and acc)
        if res is not None:
            row["evaluations"] = res.evaluations
        rows.append(row)
    if ql is None:
        rows.append(dict(workload="§9.5 45 quotes cold", route=f"QuantLib skipped: {why}"))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_calibration")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    rows = detailed(args.quick)
    print(f"{'workload':34s} {'route':38s} {'min':>8s} {'median':>8s} {'max':>8s} {'cpu':>8s} {'RMSEw':>7s} "
          f"{'RMSE':>7s} {'H':>7s} {'truth':>6s}  target / met")
    for r in rows:
        if "t_min" not in r:
            print(f"{r['workload']:34s} {r['route']}")
            continue
        tgt = f"{r['target']}: {'met' if r['met'] else 'MISSED'}" if "target" in r else ""
        print(f"{r['workload']:34s} {r['route']:38s} {r['t_min']:8.3f} {r['t_med']:8.3f} {r['t_max']:8.3f} "
              f"{r['cpu_med']:8.3f} "
              f"{r['rmse_w']:7.2f} {r['rmse']:7.2f} {r['H']:7.4f} "
              f"{'' if r['floor'] is None else format(r['floor'], '6.2f'):>6s}  {tgt}")
    print("times in s (wall min/median/max over repeats; cpu = median process CPU time); RMSE in bps re-priced by numerics.rough_heston.price; "
          "RMSEw = weighted (the objective); truth = RMSEw of the true parameters on the same "
          "quotes (the noise floor); load average at the end: " + " ".join(f"{x:.1f}" for x in __import__("os").getloadavg()))
    return 0


# --- harness registration: time and accuracy (the detailed table adds RMSE, H, CPU) ----------
_ql_mod, _ql_why = _quantlib()
WORKLOADS = [
    Workload(name="calib: §9.5 45 quotes cold start", ours=ours_cold45,
             references=[Reference("NumPy twin (adams_ref Riccati)", twin_cold45)]
             + [Reference(f"QuantLib rough Heston calibration ({r})",
                          (lambda r=r: quantlib_cold45(r)) if _ql_mod else None, _ql_why)
                for r in ("adams", "lifted", "pade")],
             target=Target(max_s=0.3, max_error=1.0, error=cold45_error,
                           error_text="max(RMSEw/5bps, |H-0.12|/0.03)",
                           text="<= 0.3 s, RMSE <= 5 bps, |H-0.12| <= 0.03"),
             note="accuracy of ours re-priced by rough_heston.price: max(RMSEw/5bps, |H-0.12|/0.03) "
                  "<= 1 iff RMSE <= 5 bps and |H-0.12| <= 0.03",
             setup=_setup, repeat=3),
    Workload(name="calib: warm start (+1 vol point)", ours=ours_warm45, references=[],
             target=Target(max_s=0.1, max_error=0.5, error=warm45_error,
                           error_text="RMSEw - cold fit's RMSEw (bps)",
                           text="<= 0.1 s, RMSE within 0.5 bps of the cold fit's"),
             setup=_setup, repeat=5),
    Workload(name="calib: 146 quotes, 4 maturities, cold", ours=ours_cold146, references=[],
             target=Target(max_s=1.0, max_error=0.1, error=cold146_error,
                           error_text="RMSEw - truth's RMSEw (bps)",
                           text="<= 1 s, RMSE within 0.1 bps of the true parameters'"),
             setup=_setup, repeat=3),
]

if __name__ == "__main__":
    sys.exit(main())
