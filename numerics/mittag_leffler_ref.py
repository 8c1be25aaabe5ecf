"""Plain NumPy/cmath twin of ``numerics._mittag`` (same three regimes, used by the tests)."""
from __future__ import annotations

import cmath
import math

import numpy as np

R_ASYM = 40.0
DE_H, DE_N, DE_NLO = 1.0 / 40.0, 200, 240


def _rgamma(x):
    if x <= 0.0 and x == math.floor(x):
        return 0.0
    if x > 170.0:
        return 0.0
    if x < -100.0:
        return math.sin(math.pi * x) * math.exp(math.lgamma(1.0 - x)) / math.pi
    return 1.0 / math.gamma(x)


def _series(a, b, z):
    az = abs(z)
    if az == 0.0:
        return complex(_rgamma(b))
    lz, th = math.log(az), cmath.phase(z)
    s, tprev = 0j, -1e300
    for k in range(200000):
        t = k * lz - math.lgamma(a * k + b)
        s += math.exp(t) * complex(math.cos(k * th), math.sin(k * th))
        if t < tprev and abs(s) > 0.0 and t < math.log(abs(s)) - 38.0:
            break
        tprev = t
    return s


def _poles_sum(a, b, z, lim, inclusive):
    r = abs(z) ** (1.0 / a)
    th = cmath.phase(z)
    acc = 0j
    for j in range(-8, 9):
        ang = (th + 2.0 * math.pi * j) / a
        if abs(ang) < lim or (inclusive and abs(ang) <= lim + 1e-14):
            s = r * complex(math.cos(ang), math.sin(ang))
            acc += cmath.exp((1.0 - b) * complex(math.log(r), ang) + s) / a
    return acc


def _asymptotic(a, b, z):
    acc = _poles_sum(a, b, z, math.pi, True)
    kstar = abs(z) ** (1.0 / a) / a
    p, small = 1.0 + 0j, 0
    for k in range(1, 160):
        if k > kstar:
            break
        p /= z
        term = p * _rgamma(b - a * k)
        acc -= term
        if abs(term) < 1e-18 * abs(acc) and abs(acc) > 0.0:
            small += 1
            if small >= 2:
                break
        else:
            small = 0
    return acc


def _hankel(a, b, z):
    th = cmath.phase(z)
    angs = np.abs((th + 2.0 * math.pi * np.arange(-8, 9)) / a)
    phi, best_gap, fallback = None, -1.0, None
    for c in range(8):
        cand = (0.95 - 0.05 * c) * math.pi
        gap = float(np.min(np.abs(angs - cand)))
        if gap >= 0.08 * math.pi:
            phi = cand
            break
        if gap > best_gap:
            best_gap, fallback = gap, cand
    phi = fallback if phi is None else phi
    rmax = math.log(50.0 / abs(math.cos(phi)) + 1.0)
    tau = DE_H * np.arange(-DE_NLO, DE_N + 1)
    lr = 0.5 * math.pi * np.sinh(tau)
    keep = lr <= rmax
    tau, lr = tau[keep], lr[keep]
    rr = np.exp(lr)
    w = DE_H * rr * 0.5 * math.pi * np.cosh(tau)
    e1, e2 = cmath.exp(1j * phi), cmath.exp(-1j * phi)
    g1 = np.exp(rr * e1 + (a - b) * (lr + 1j * phi)) / (np.exp(a * (lr + 1j * phi)) - z) * e1
    g2 = np.exp(rr * e2 + (a - b) * (lr - 1j * phi)) / (np.exp(a * (lr - 1j * phi)) - z) * e2
    acc = np.sum(w * (g1 - g2)) / (2j * math.pi)
    return acc + _poles_sum(a, b, z, phi, False)


def ml_scalar(a, b, z):
    z = complex(z)
    az = abs(z)
    if a == 1.0 and b == 1.0:
        return cmath.exp(z)
    if a == 1.0 and b == 2.0 and az > 1.0:
        return (cmath.exp(z) - 1.0) / z
    if az <= 1.0:
        return _series(a, b, z)
    if az ** (1.0 / a) >= R_ASYM:
        return _asymptotic(a, b, z)
    if z.imag == 0.0 and z.real >= 0.0:
        return _series(a, b, z)
    if b > a + 0.5:
        return (ml_scalar(a, b - a, z) - _rgamma(b - a)) / z
    return _hankel(a, b, z)


def mittag_leffler(z, alpha, beta=1.0):
    zc = np.asarray(z)
    out = np.array([ml_scalar(alpha, beta, v) for v in zc.ravel()], dtype=complex).reshape(zc.shape)
    return out if np.iscomplexobj(zc) else out.real
