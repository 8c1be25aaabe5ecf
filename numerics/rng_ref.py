"""Pure-Python twin of numerics._rng (slow; pins the bit stream and the tables in tests).

Stream of block ``j`` under the 64-bit ``seed``:

* SplitMix64: ``sm(s, k) = mix64(s + (k + 1) * GOLDEN)`` (the k-th output of SplitMix64
  started at s).  ``key = sm(seed, 0)``; the block's xoshiro256++ state is
  ``(sm(key, 4j), sm(key, 4j + 1), sm(key, 4j + 2), sm(key, 4j + 3))``, i.e. the block
  states are consecutive outputs of one SplitMix64 stream, never overlapping.
* xoshiro256++ (Blackman-Vigna) 64-bit outputs.
* Standard normals by the 256-layer ziggurat (Marsaglia-Tsang, 52-bit magnitudes as in
  NumPy): one 64-bit output gives the layer (8 bits), the sign (1 bit) and the magnitude
  (52 bits); rejections draw further outputs (uniforms (u >> 11) 2^-53).
"""
from __future__ import annotations

import math

import numpy as np

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
ZIG_R = 3.6541528853610088            # right edge of the base layer (solved to 1e-39, see tables())
ZIG_V = 0.004928673233974655          # common area of the 256 layers: r f(r) + int_r^inf f


def mix64(z):
    z &= MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def splitmix(s, k):
    return mix64(s + (k + 1) * GOLDEN)


def block_state(seed, block):
    key = splitmix(seed, 0)
    st = [splitmix(key, 4 * block + w) for w in range(4)]
    if not any(st):          # the all-zero state is a fixed point of xoshiro (probability 2^-256)
        st[0] = 1
    return st


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


def xoshiro_stream(state):
    """Generator of xoshiro256++ outputs from a 4-word state (copied)."""
    s0, s1, s2, s3 = state
    while True:
        yield (_rotl((s0 + s3) & MASK, 23) + s0) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 45)


def raw(seed, block, n):
    it = xoshiro_stream(block_state(seed, block))
    return np.array([next(it) for _ in range(n)], dtype=np.uint64)


def ziggurat_tables():
    """(wi, ki, fi): layer widths / 2^52, inner-rectangle thresholds, f(x_i) = exp(-x_i^2 / 2).

    Layer i = 1..255 is the rectangle [0, x_i] x [f(x_i), f(x_{i-1})] (x_255 = r, x_0 = 0),
    layer 0 the base strip of width v / f(r) (the rectangle [0, r] plus the tail); all have
    area v.  ki[i] = (x_{i-1} / x_i) 2^52: below it a point is inside the next layer's
    width, i.e. under the curve."""
    m = 2.0 ** 52
    wi = np.empty(256)
    ki = np.zeros(256, dtype=np.uint64)
    fi = np.empty(256)
    dn = tn = ZIG_R
    q = ZIG_V / math.exp(-0.5 * dn * dn)
    ki[0] = int((dn / q) * m)
    wi[0] = q / m
    wi[255] = dn / m
    fi[0] = 1.0
    fi[255] = math.exp(-0.5 * dn * dn)
    for i in range(254, 0, -1):
        dn = math.sqrt(-2.0 * math.log(ZIG_V / dn + math.exp(-0.5 * dn * dn)))
        ki[i + 1] = int((dn / tn) * m)
        tn = dn
        fi[i] = math.exp(-0.5 * dn * dn)
        wi[i] = dn / m
    return wi, ki, fi


_TABLES = None


def normals_block(seed, block, n):
    """The first n normals of block ``block`` (the twin of _rng's fill_stream)."""
    global _TABLES
    if _TABLES is None:
        _TABLES = ziggurat_tables()
    wi, ki, fi = _TABLES
    it = xoshiro_stream(block_state(seed, block))

    def u01():
        return (next(it) >> 11) * (1.0 / 9007199254740992.0)

    out = np.empty(n)
    for j in range(n):
        while True:
            r = next(it)
            idx = r & 0xFF
            r >>= 8
            neg = r & 1
            rabs = (r >> 1) & 0x000FFFFFFFFFFFFF
            x = rabs * float(wi[idx])
            if neg:
                x = -x
            if rabs < int(ki[idx]):
                break
            if idx == 0:                      # tail beyond r (Marsaglia's exponential method)
                while True:
                    xx = -math.log1p(-u01()) / ZIG_R
                    yy = -math.log1p(-u01())
                    if yy + yy > xx * xx:
                        break
                x = -(ZIG_R + xx) if neg else ZIG_R + xx
                break
            if (float(fi[idx - 1]) - float(fi[idx])) * u01() + float(fi[idx]) < math.exp(-0.5 * x * x):
                break
        out[j] = x
    return out
