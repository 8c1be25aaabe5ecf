"""Make tests/data/mittag_leffler_ref.json: E_{a,b}(z) at 40 significant digits (mpmath).

Run: .venv/bin/python tests/data/make_mittag_leffler_ref.py   (about a minute)

* |z|^(1/a) <= 400: the power series in working precision 40 + |z|^(1/a) digits
  (enough to absorb the cancellation of the terms for negative or complex z); the
  arguments a k + b are formed from the exact binary values of a and b.
* |z|^(1/a) > 400: the asymptotic expansion (pole residues + algebraic series summed
  to its smallest term) in 50-digit arithmetic; its truncation error is below
  e^(-400) relative.  A few of these are cross-checked by mpmath.quad on the Hankel
  contour (branch cut), independently.
* Closed forms are cross-checked: E_{1/2,1}(z) = exp(z^2) erfc(-z), E_{1,1}(z) = exp(z).
Each record: alpha, beta, z (re, im), value (re, im as decimal strings), regime.
"""
import json
import math
import os

import mpmath as mp


def series(a, b, z):
    a, b = mp.mpf(a), mp.mpf(b)
    z = mp.mpc(z)
    s, k = mp.mpc(0), 0
    while True:
        t = z ** k / mp.gamma(a * k + b)
        s += t
        k += 1
        if k > 5 and a * k > abs(z) ** (1 / a) + 10 and abs(t) < mp.mpf(10) ** (-45) * abs(s):
            return s


def asymptotic(a, b, z):
    a, b = mp.mpf(a), mp.mpf(b)
    z = mp.mpc(z)
    r = abs(z) ** (1 / a)
    th = mp.arg(z)
    acc = mp.mpc(0)
    for j in range(-8, 9):
        ang = (th + 2 * mp.pi * j) / a
        if abs(ang) <= mp.pi:
            s = r * mp.expj(ang)
            acc += mp.exp((1 - b) * (mp.log(r) + 1j * ang) + s) / a
    best = None
    for k in range(1, 2000):
        g = a * k - b
        rg = 0 if (b - a * k) <= 0 and (b - a * k) == mp.floor(b - a * k) else 1 / mp.gamma(b - a * k)
        term = z ** (-k) * rg
        if term != 0 and best is not None and abs(term) > best and k > r / a:
            break
        if term != 0:
            best = abs(term) if best is None else min(best, abs(term))
        acc -= term
        if term != 0 and abs(term) < mp.mpf(10) ** (-45) * abs(acc):
            break
    return acc


def hankel_cut(a, b, x):
    """E_{a,b}(-x), x > 0, 0 < a < 1, b < 1 + a: integral along the branch cut."""
    a, b, x = mp.mpf(a), mp.mpf(b), mp.mpf(x)

    def f(r):
        # explicit branches s = r e^{+/- i pi}: s^c = r^c e^{+/- i pi c}
        up = mp.exp(-r) * r ** (a - b) * mp.expj(mp.pi * (a - b)) / (r ** a * mp.expj(mp.pi * a) + x)
        dn = mp.exp(-r) * r ** (a - b) * mp.expj(-mp.pi * (a - b)) / (r ** a * mp.expj(-mp.pi * a) + x)
        return -(up - dn)
    rs = x ** (1 / a)
    return mp.quad(f, [0, min(rs, 1), max(rs, 1), 60, mp.inf]) / (2j * mp.pi)


def value(a, b, z):
    r = abs(complex(z)) ** (1.0 / a)
    if r <= 400:
        with mp.workdps(int(40 + r)):
            return +series(a, b, z), "series"
    with mp.workdps(50):
        return +asymptotic(a, b, z), "asymptotic"


def main():
    mp.mp.dps = 40
    alphas = [0.1, 0.25, 0.5, 0.61, 0.75, 0.9, 1.0]
    recs = []
    for a in alphas:
        for b in sorted({1.0, a, 0.5, 1.5, 2.0}):
            zs = []
            zs += [-x for x in (0.1, 0.7, 1.5, 3.0, 7.0, 15.0, 40.0, 100.0, 1e3, 1e4, 1e6)]
            zs += [x for x in (0.1, 0.9, 2.0, 5.0, 12.0, 30.0) if x ** (1 / a) < 600]
            for rad in (0.5, 2.0, 6.0, 25.0, 300.0):
                for ang in (0.3, 0.5, 0.7, 0.9):
                    zs.append(complex(rad * math.cos(ang * math.pi), rad * math.sin(ang * math.pi)))
            for z in zs:
                zc = complex(z)
                if a == 1.0 and zc.real < -700:
                    continue            # below the double range
                v, regime = value(a, b, zc)
                vc = complex(v)
                if not (math.isfinite(vc.real) and math.isfinite(vc.imag)) or abs(vc) > 1e300 \
                        or abs(vc) < 1e-300:
                    continue
                recs.append(dict(alpha=a, beta=b, z=[zc.real, zc.imag],
                                 value=[mp.nstr(mp.re(v), 30), mp.nstr(mp.im(v), 30)],
                                 regime=regime))
    # independent checks of the generator itself
    for z in (-0.7, -3.0, 2.0 + 1.0j, -15.0 + 2.0j):
        exact = mp.exp(mp.mpc(z) ** 2) * mp.erfc(-mp.mpc(z))
        assert abs(value(0.5, 1.0, z)[0] - exact) < 1e-30 * abs(exact)
    for z in (-30.0, 5.0 + 3.0j):
        assert abs(value(1.0, 1.0, z)[0] - mp.exp(z)) < 1e-30 * abs(mp.exp(z))
    for a, b, x in ((0.61, 1.0, 1e3), (0.75, 0.75, 1e4), (0.5, 1.0, 1e6), (0.9, 0.5, 40.0)):
        v = value(a, b, -x)[0]
        q = hankel_cut(a, b, x)
        assert abs(v - q) < 1e-20 * abs(v), (a, b, x, v, q)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mittag_leffler_ref.json")
    with open(out, "w") as fh:
        json.dump({"generator": "tests/data/make_mittag_leffler_ref.py", "mpmath": mp.__version__,
                   "records": recs}, fh, indent=0)
    print(f"wrote {len(recs)} records to {out}")


if __name__ == "__main__":
    main()
