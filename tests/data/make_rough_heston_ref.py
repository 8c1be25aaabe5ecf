"""Make tests/data/rough_heston_ref.json: QuantLib 1.44 rough Heston reference prices.

Not run by the test suite (about 30 min of CPU; ``--quick`` for a smoke run of one slice).
Usage (from the repository root):

    .venv/bin/python tests/data/make_rough_heston_ref.py [--workers 2] [--quick]

Engine: ``ql.AnalyticRoughHestonEngine`` (Adams predictor-corrector Riccati solve, Fourier
integral by exp-sinh quadrature at relative tolerance 1e-12), flat zero rates, S0 = 100.

QuantLib takes dates, not year fractions.  An arbitrary maturity T is priced through the
model's exact time rescaling (substitute t = T s in the Volterra equation of V):

    price(T; V0, kappa, theta, eta) = price(1 y; T V0, T^alpha kappa, T theta, T^alpha eta),

alpha = H + 1/2, 1 y = 365 days under Actual365Fixed (so the year fraction is exactly 1).
The script checks the rescaling on one slice that is also a whole number of days (73 days
priced directly against the rescaled 1 y), and stores the difference.

Discretisation: the Adams ladder N = 1024, 2048, 4096 steps (8192 too with ``deep``);
the reference is the Richardson extrapolation of the two finest rungs with the scheme's
leading order 1 + alpha, and its error estimate is the difference between that and the
extrapolation of the two rungs below (plus the change of the quadrature at tolerance 1e-10
instead of 1e-12), so it bounds the reference's own error generously.  The observed order
log2((P_N/4 - P_N/2) / (P_N/2 - P_N)) is stored per strike for inspection.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import multiprocessing
import os
import sys
import time

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rough_heston_ref.json")
S0 = 100.0

P95 = dict(kappa=2.5, theta=0.04, eta=0.9, rho=-0.65, V0=0.04)      # paper section 9.5
BENCH = dict(H=0.1, kappa=0.3, theta=0.04, eta=0.3, rho=-0.7, V0=0.04)  # benchmarks surface
WING = [50.0, 60.0, 70.0, 80.0, 85.0, 90.0, 95.0, 100.0, 105.0, 110.0, 115.0, 120.0, 130.0,
        140.0, 150.0]
SHORT = [80.0, 85.0, 90.0, 95.0, 97.5, 100.0, 102.5, 105.0, 110.0, 115.0, 120.0, 130.0]
LONG = [30.0, 50.0, 70.0, 80.0, 90.0, 100.0, 110.0, 120.0, 140.0, 170.0, 200.0, 250.0]
BENCH_DAYS = [18, 37, 91, 183, 274, 365, 548, 730]


def cases():
    """(group, params, T, strikes, deep) per slice."""
    out = []
    for H, Ts in ((0.12, (0.01, 0.03, 0.1, 0.25, 1.0, 2.0)), (0.05, (0.01, 0.03, 0.1, 0.5, 2.0))):
        for T in Ts:
            K = SHORT if T <= 0.03 else (WING if T <= 0.5 else LONG)
            out.append((f"s95_H{H}", dict(H=H, **P95), T, K, H == 0.05 and T == 0.1))
    out.append(("h030", dict(H=0.3, kappa=1.0, theta=0.05, eta=0.6, rho=-0.8, V0=0.03), 0.05, SHORT, False))
    out.append(("h030", dict(H=0.3, kappa=1.0, theta=0.05, eta=0.6, rho=-0.8, V0=0.03), 1.0, WING, False))
    out.append(("h030", dict(H=0.3, kappa=1.0, theta=0.05, eta=0.6, rho=-0.8, V0=0.03), 5.0, LONG, False))
    out.append(("h045", dict(H=0.45, kappa=0.5, theta=0.06, eta=0.4, rho=-0.3, V0=0.05), 0.02, SHORT, False))
    out.append(("h045", dict(H=0.45, kappa=0.5, theta=0.06, eta=0.4, rho=-0.3, V0=0.05), 3.0, LONG, False))
    bench_K = list(np.linspace(60.0, 140.0, 256))
    for d in BENCH_DAYS:
        out.append(("bench", dict(BENCH), d / 365.0, bench_K, False))
    return out


def ql_prices(params, strikes, T, steps, rel_tol=1e-12, days=None):
    """QuantLib calls at maturity T (years) by the 1 y rescaling, or directly at ``days``."""
    import QuantLib as ql
    today = ql.Date(1, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    flat = ql.YieldTermStructureHandle(ql.FlatForward(today, 0.0, dc))
    H = params["H"]
    if days is None:
        a = H + 0.5
        V0, kappa, theta, eta = (T * params["V0"], T ** a * params["kappa"], T * params["theta"],
                                 T ** a * params["eta"])
        days = 365
    else:
        V0, kappa, theta, eta = params["V0"], params["kappa"], params["theta"], params["eta"]
    proc = ql.HestonProcess(flat, flat, ql.QuoteHandle(ql.SimpleQuote(S0)), V0, kappa, theta, eta,
                            params["rho"])
    eng = ql.AnalyticRoughHestonEngine(ql.RoughHestonModel(proc, H),
                                       ql.FourierIntegration.expSinh(rel_tol), int(steps))
    ex = ql.EuropeanExercise(today + int(days))
    out = []
    for k in strikes:
        o = ql.VanillaOption(ql.PlainVanillaPayoff(ql.Option.Call, float(k)), ex)
        o.setPricingEngine(eng)
        out.append(o.NPV())
    return np.array(out)


def one_slice(case):
    group, params, T, strikes, deep = case
    t0 = time.time()
    ladder = (1024, 2048, 4096, 8192) if deep else (1024, 2048, 4096)
    P = {N: ql_prices(params, strikes, T, N) for N in ladder}
    w = 2.0 ** (1.0 + params["H"] + 0.5)
    rich = lambda lo, hi: P[hi] + (P[hi] - P[lo]) / (w - 1.0)  # noqa: E731
    n1, n2, n3 = ladder[-3:]
    ref = rich(n2, n3)
    err = np.abs(ref - rich(n1, n2))
    quad = np.abs(ql_prices(params, strikes, T, 1024, rel_tol=1e-10) - P[1024])
    with np.errstate(all="ignore"):
        order = np.log2(np.abs((P[n2] - P[n1]) / (P[n3] - P[n2])))
    return dict(group=group, params=params, T=T, strikes=[float(k) for k in strikes],
                price=[float(v) for v in ref], err_est=[float(v) for v in err + quad],
                ladder={str(N): [float(v) for v in P[N]] for N in ladder},
                observed_order=[None if not math.isfinite(v) else round(float(v), 3) for v in order],
                seconds=round(time.time() - t0, 1))


def check_rescaling():
    params = dict(H=0.1, **P95)
    K = [80.0, 100.0, 120.0]
    direct = ql_prices(params, K, 73 / 365.0, 512, days=73)
    scaled = ql_prices(params, K, 73 / 365.0, 512)
    return float(np.max(np.abs(direct - scaled)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="one slice, print, write nothing")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args(argv)
    import QuantLib as ql
    todo = cases()
    if args.quick:
        print(json.dumps(one_slice(("quick", dict(H=0.1, **P95), 0.1, [90.0, 100.0, 110.0], False)))[:600])
        return 0
    # longest slices first so the two workers finish together
    todo.sort(key=lambda c: -len(c[3]) * (2 if c[4] else 1))
    t0 = time.time()
    with multiprocessing.Pool(args.workers) as pool:
        slices = []
        for s in pool.imap_unordered(one_slice, todo):
            slices.append(s)
            print(f"{len(slices)}/{len(todo)} {s['group']} T={s['T']:.4g} {s['seconds']} s "
                  f"max err_est {max(s['err_est']):.1e}", flush=True)
    slices.sort(key=lambda s: (s["group"], s["T"]))
    doc = dict(
        description="QuantLib rough Heston reference call prices (S0=100, r=q=0); see the script",
        script="tests/data/make_rough_heston_ref.py",
        quantlib=ql.__version__, created=datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"),
        engine="AnalyticRoughHestonEngine, expSinh(1e-12), Adams ladder, Richardson order 1+alpha",
        S0=S0, rescaling_check_max_abs_diff=check_rescaling(),
        cpu_seconds=round(time.time() - t0, 1), slices=slices)
    with open(args.out, "w") as fh:
        json.dump(doc, fh, indent=1)
    print("wrote", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
