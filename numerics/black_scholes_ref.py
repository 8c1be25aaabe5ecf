"""Plain NumPy twin of ``numerics._bs`` (same formulas and iteration, vectorised with masks)."""
from __future__ import annotations

import numpy as np
from scipy.special import erf, erfc, erfcx, ndtri

SQRT2 = np.sqrt(2.0)
INV_SQRT2PI = 1.0 / np.sqrt(2.0 * np.pi)
S_MAX = 60.0


def _Phi(y):
    return 0.5 * erfc(-y / SQRT2)


def b_otm(x, s):
    x, s = np.broadcast_arrays(np.asarray(x, float), np.asarray(s, float))
    h, t = x / s, 0.5 * s
    with np.errstate(over="ignore", invalid="ignore"):
        far_v = 0.5 * np.exp(-0.5 * (h * h + t * t)) * (erfcx(-(h + t) / SQRT2) - erfcx(-(h - t) / SQRT2))
        ex2 = np.exp(0.5 * x)
        small_v = 0.5 * ex2 * (erf((h + t) / SQRT2) - erf((h - t) / SQRT2)) \
            + 2.0 * np.sinh(0.5 * x) * _Phi(h - t)
        mid_v = 0.5 * (ex2 * erfc(-(h + t) / SQRT2) - erfc(-(h - t) / SQRT2) / ex2)
    near = (h > -1.0) & (t < 1.0)
    out = np.where(near, np.where(t < 0.15, small_v, mid_v), far_v)
    return out[()] if out.ndim == 0 else out


def g_otm(x, s):
    h, t = x / s, 0.5 * s
    return np.exp(0.5 * x) * _Phi(-h - t) + np.exp(-0.5 * x) * _Phi(h - t)


def bprime(x, s):
    h, t = x / s, 0.5 * s
    return INV_SQRT2PI * np.exp(-0.5 * (h * h + t * t))


def price(F, K, T, sigma, df, is_call):
    """Undiscounted-forward form: DF sqrt(FK) b(x, s) plus intrinsic where in the money."""
    F, K, T, sigma, df = np.broadcast_arrays(*(np.asarray(a, float) for a in (F, K, T, sigma, df)))
    is_call = np.broadcast_to(np.asarray(is_call, bool), F.shape)
    x = np.log(F / K)
    s = sigma * np.sqrt(T)
    otm = df * np.sqrt(F * K) * b_otm(-np.abs(x), s)
    itm = np.where(is_call, np.where(x > 0, df * (F - K), 0.0), np.where(x < 0, df * (K - F), 0.0))
    return otm + itm


def _guess_lower(x, beta):
    ep, em = np.exp(0.5 * x), np.exp(-0.5 * x)
    cm = beta - 0.5 * (ep - em)
    disc = cm * cm - (ep - em) ** 2 / np.pi
    s_cm = 2.5066282746310002 / (ep + em) * (cm + np.sqrt(np.maximum(disc, 0.0)))
    out = s_cm.copy()
    with np.errstate(all="ignore"):
        sc = np.sqrt(-2.0 * x)
        bc = 0.5 * (ep - em * erfc(np.sqrt(-x)))
        far = (x != 0.0) & (beta < bc)
        s = 1.0 / np.sqrt(1.0 / (sc * sc) + 2.0 * np.log(bc / beta) / (x * x))
        lb = np.log(beta)
        active = far.copy()
        for _ in range(2):
            A = x * x / (s * s) - 0.25 * s * s
            G = -0.5 * x * x / (s * s) - 0.125 * s * s + np.log(s * INV_SQRT2PI) - np.log(A) - lb
            Gp = x * x / s ** 3 - 0.25 * s + 1.0 / s + (2.0 * x * x / s ** 3 + 0.5 * s) / A
            s2 = s - G / Gp
            active &= (A > 0) & (s2 > 0) & (s2 < sc)
            s = np.where(active, s2, s)
        use = far & (-x / s > 2.0)
    out[use] = s[use]
    return out


def implied_vol(price_, F, K, T, df, is_call, iterations=60):
    """Same reduction, objectives and safeguarded Householder iteration as the kernel."""
    arrs = np.broadcast_arrays(*(np.asarray(a, float) for a in (price_, F, K, T, df)))
    p, F, K, T, df = (a.ravel().copy() for a in arrs)
    is_call = np.broadcast_to(np.asarray(is_call, bool), arrs[0].shape).ravel()
    x = np.log(F / K)
    beta = p / (df * np.sqrt(F * K))
    theta = np.where(is_call, 1.0, -1.0)
    e = np.exp(0.5 * np.abs(x))
    intr = np.where(x >= 0.0, e - 1.0 / e, 1.0 / e - e)
    res = 2e-15 * (beta + e)
    itm = theta * x > 0
    beta = np.where(itm, beta - theta * intr, beta)
    x = -np.abs(x)
    ub = 1.0 / e
    out = np.full(p.shape, np.nan)
    code = np.zeros(p.shape, dtype=np.int32)
    unres = itm & (np.abs(beta) <= res)
    code[unres] = 4
    below = ~unres & (beta < 0)
    code[below] = 1
    above = ~unres & ~below & (beta >= ub)
    code[above] = 2
    zero = ~unres & ~below & ~above & (beta == 0)
    out[zero] = 0.0
    todo = ~unres & ~below & ~above & ~zero
    for i in np.flatnonzero(todo):
        s, c = _solve_one(x[i], beta[i])
        out[i] = s / np.sqrt(T[i])
        code[i] = c
    return out.reshape(arrs[0].shape), code.reshape(arrs[0].shape)


def _solve_one(x, beta):
    ex2 = 1.0 / np.exp(-0.5 * x)          # as the kernel: e^{-|x|/2} = 1 / e^{|x|/2}
    upper = beta > 0.5 * ex2
    if upper:
        target = np.log(ex2 - beta)
        s = -2.0 * ndtri((ex2 - beta) / (ex2 + 1.0 / ex2))
    else:
        target = np.log(beta)
        s = float(_guess_lower(np.array([x]), np.array([beta]))[0])
    if not (s > 0.0) or s > S_MAX:
        s = 1.0
    lo, hi, dprev = 0.0, S_MAX, np.inf
    for it in range(60):
        y = g_otm(x, s) if upper else b_otm(x, s)
        y1 = -bprime(x, s) if upper else bprime(x, s)
        if not (y > 0.0):
            if upper:
                hi = s
            else:
                lo = s
            s = 0.5 * (lo + hi)
            continue
        F = np.log(y) - target
        if F == 0.0:
            return s, 0
        if (F < 0.0) != upper:
            lo = s
        else:
            hi = s
        p2 = x * x / (s * s * s)
        q = p2 - 0.25 * s
        F1 = y1 / y
        F2 = q - F1                                                      # F''/F'
        F3 = q * q - 3.0 * p2 / s - 0.25 - 3.0 * q * F1 + 2.0 * F1 * F1  # F'''/F'
        if F1 == 0.0 or not np.isfinite(F1):
            snew = 0.5 * (lo + hi)
        else:
            nu = -F / F1
            ds = nu * (1.0 + 0.5 * F2 * nu) / (1.0 + nu * (F2 + F3 * nu / 6.0))
            if not np.isfinite(ds):
                ds = nu
            snew = s + ds
            if abs(ds) <= 1e-4 * s:
                return snew, 0
            if not (lo < snew < hi):
                snew = s + nu
                if not (lo < snew < hi):
                    snew = 0.5 * (lo + hi)
        if abs(snew - s) <= 2e-15 * snew or hi - lo <= 2e-15 * hi or \
                (it >= 2 and abs(snew - s) >= 0.5 * dprev and abs(snew - s) <= 1e-11 * snew):
            return snew, 0
        dprev = abs(snew - s)
        s = snew
    return s, 3
