"""Write tests/data/dax_20020705.json: the DAX implied-vol surface of 5 July 2002.

Provenance: QuantLib's test suite, ``getDAXCalibrationMarketData`` in
``test-suite/hestonmodel.cpp`` (lballabio/QuantLib, commit
018df35316d5c8cb0ea5bba15cfbb37a91836c20), itself taken from A. Sepp, "Pricing
European-Style Options under Jump Diffusion Processes with Stochastic Volatility:
Applications of Fourier Transform".  Spot 4468.17, 13 strikes x 8 expiries (104 implied
vols), zero rates on a 9-point ZeroCurve (Actual365Fixed, settlement anchor 0.0357),
no dividends.  QuantLib's HestonModelHelper rounds each expiry t (days) to
(t + 3) // 7 weeks on the TARGET calendar; this script reproduces those dates with
QuantLib and stores, per quote, the year fraction T, the zero rate r(T) of the curve
(continuous, so the discount factor is exp(-r T)) and the forward S exp(r T).
The reference result of QuantLib's own Heston calibration on these quotes: SSE of the
implied-vol errors in vol points = 177.2 (the test's expected value, from Sepp's article).

Run: ``.venv/bin/python tests/data/make_dax_surface.py`` (needs QuantLib).
"""
import json
import math
import os

T_DAYS = [13, 41, 75, 165, 256, 345, 524, 703]
RATES = [0.0357, 0.0349, 0.0341, 0.0355, 0.0359, 0.0368, 0.0386, 0.0401]
SPOT = 4468.17
STRIKES = [3400, 3600, 3800, 4000, 4200, 4400, 4500, 4600, 4800, 5000, 5200, 5400, 5600]
# VOLS[s][m]: strike s, expiry m (row-major as in hestonmodel.cpp: v[s*8+m])
VOLS = [
    [0.6625, 0.4875, 0.4204, 0.3667, 0.3431, 0.3267, 0.3121, 0.3121],
    [0.6007, 0.4543, 0.3967, 0.3511, 0.3279, 0.3154, 0.2984, 0.2921],
    [0.5084, 0.4221, 0.3718, 0.3327, 0.3155, 0.3027, 0.2919, 0.2889],
    [0.4541, 0.3869, 0.3492, 0.3149, 0.2963, 0.2926, 0.2819, 0.2800],
    [0.4060, 0.3607, 0.3330, 0.2999, 0.2887, 0.2811, 0.2751, 0.2775],
    [0.3726, 0.3396, 0.3108, 0.2781, 0.2788, 0.2722, 0.2661, 0.2686],
    [0.3550, 0.3277, 0.3012, 0.2781, 0.2781, 0.2661, 0.2661, 0.2681],
    [0.3428, 0.3209, 0.2958, 0.2740, 0.2688, 0.2627, 0.2580, 0.2620],
    [0.3302, 0.3062, 0.2799, 0.2631, 0.2573, 0.2533, 0.2504, 0.2544],
    [0.3343, 0.2959, 0.2705, 0.2540, 0.2504, 0.2464, 0.2448, 0.2462],
    [0.3460, 0.2845, 0.2624, 0.2463, 0.2425, 0.2385, 0.2373, 0.2422],
    [0.3857, 0.2860, 0.2578, 0.2399, 0.2357, 0.2327, 0.2312, 0.2351],
    [0.3976, 0.2860, 0.2607, 0.2356, 0.2297, 0.2268, 0.2241, 0.2320],
]


def main():
    import QuantLib as ql

    settle = ql.Date(5, ql.July, 2002)
    ql.Settings.instance().evaluationDate = settle
    dc = ql.Actual365Fixed()
    cal = ql.TARGET()
    dates = [settle] + [settle + t for t in T_DAYS]
    curve = ql.ZeroCurve(dates, [0.0357] + RATES, dc)
    rows = []
    for s, K in enumerate(STRIKES):
        for m, t in enumerate(T_DAYS):
            expiry = cal.advance(settle, ql.Period((t + 3) // 7, ql.Weeks))
            T = dc.yearFraction(settle, expiry)
            r = curve.zeroRate(expiry, dc, ql.Continuous).rate()
            rows.append(dict(expiry=expiry.ISO(), maturity=T, strike=float(K), iv=VOLS[s][m],
                             rate=r, forward=SPOT * math.exp(r * T)))
    out = dict(source="QuantLib test-suite/hestonmodel.cpp getDAXCalibrationMarketData "
                      "(lballabio/QuantLib 018df35316d5c8cb0ea5bba15cfbb37a91836c20); "
                      "A. Sepp, Pricing European-Style Options under Jump Diffusion Processes "
                      "with Stochastic Volatility",
               settlement="2002-07-05", spot=SPOT, dividend_yield=0.0,
               quantlib_reference_sse_volpoints2=177.2, quotes=rows)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dax_20020705.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
    print(f"wrote {path}: {len(rows)} quotes")


if __name__ == "__main__":
    main()
