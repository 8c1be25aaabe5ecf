"""Pure-Python twin of numerics._rng (slow; pins the bit stream and the tables in tests).

Stream of block ``j`` under the 64-bit ``seed``:

* SplitMix64: ``sm(s, k) = mix64(s + (k + 1) * GOLDEN)`` (the k-th output of SplitMix64
  started at s).  ``key = sm(seed, 0)``; block j has 5 xoshiro256++ lanes, lane l's state
  being ``sm(key, 20 j + 4 l + w)``, w = 0..3: the states of all lanes of all blocks are
  consecutive outputs of one SplitMix64 stream, never overlapping.
* xoshiro256++ (Blackman-Vigna) 64-bit outputs.
* Standard normals by the 256-layer ziggurat (Marsaglia-Tsang, 52-bit magnitudes as in
  NumPy).  Round after round lanes 0..3 each give one candidate: layer (8 bits), sign (1 bit),
  magnitude (52 bits).  Accepted candidates are output in (round, lane) order; the slow
  steps (tail, wedge test) take their uniforms (u >> 11) 2^-53 from lane 4, and a failed
  wedge test outputs nothing.  (numerics/src/normals.h steps lanes 0..3 as one vector.)
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


LANES = 5


def block_state(seed, block, lane):
    key = splitmix(seed, 0)
    st = [splitmix(key, 4 * LANES * block + 4 * lane + w) for w in range(4)]
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


def raw(seed, block, lane, n):
    it = xoshiro_stream(block_state(seed, block, lane))
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
    return _normals(seed, block, n)[0]


def normals_uniforms_block(seed, block, n_normal, n_uniform):
    """(normals, uniforms) of block ``block`` (the twin of _rng's fill_stream_nu): n_normal
    normals, then n_uniform uniforms u = (r >> 12) 2^-52 from lanes 0..3 in (round, lane) order."""
    z, lanes = _normals(seed, block, n_normal)
    u = []
    while len(u) < n_uniform:
        for r in [next(lanes[lane]) for lane in range(LANES - 1)]:
            if len(u) < n_uniform:
                u.append((r >> 12) * 2.0 ** -52)
    return z, np.array(u, dtype=float)


def _normals(seed, block, n):
    """The first n normals of block ``block`` and the lane generators, advanced past them."""
    global _TABLES
    if _TABLES is None:
        _TABLES = ziggurat_tables()
    wi, ki, fi = _TABLES
    lanes = [xoshiro_stream(block_state(seed, block, lane)) for lane in range(LANES)]
    spare = lanes[LANES - 1]

    def u01():
        return (next(spare) >> 11) * (1.0 / 9007199254740992.0)

    def candidate(r):
        """The sample of candidate r, or None (a failed wedge test)."""
        idx = r & 0xFF
        neg = (r >> 8) & 1
        m = (r >> 9) & 0x000FFFFFFFFFFFFF
        x = m * float(wi[idx])
        if neg:
            x = -x
        if m < int(ki[idx]):
            return x
        if idx == 0:                      # tail beyond r (Marsaglia's exponential method)
            while True:
                xx = -math.log1p(-u01()) / ZIG_R
                yy = -math.log1p(-u01())
                if yy + yy > xx * xx:
                    return -(ZIG_R + xx) if neg else ZIG_R + xx
        if (float(fi[idx - 1]) - float(fi[idx])) * u01() + float(fi[idx]) < math.exp(-0.5 * x * x):
            return x
        return None

    out = []
    while len(out) < n:
        for r in [next(lanes[lane]) for lane in range(LANES - 1)]:
            if len(out) == n:
                break
            x = candidate(r)
            if x is not None:
                out.append(x)
    return np.array(out, dtype=float), lanes
