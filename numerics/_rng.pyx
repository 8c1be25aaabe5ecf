# cython: language_level=3
"""Private kernel: block-seeded standard normals (use numerics._bs_mc_helpers.normals).

A 64-bit seed and a block index give a xoshiro256++ state (SplitMix64, see
numerics/rng_ref.py, the pure-Python twin that pins the stream); normals come from the
256-layer ziggurat.  Everything is integer arithmetic plus one multiplication per
accepted draw (exp / log1p only in the ~1 % of rejection steps), so the stream is the same
on every machine.

* ``fill(seed, out, nthreads)``: out.ravel() cut into blocks of ``BLOCK`` numbers, block j
  from stream (seed, j), blocks filled in parallel (the blocks do not depend on the threads).
* ``fill_pathblocks(seed, out, pblock, nthreads)``: out (R, P) seen as R rows of P paths;
  path block b (paths b*pblock .. ) is one stream (seed, b) read row by row, R x width
  numbers.  This is the layout the fused simulation kernels draw block by block.
* cimportable nogil core (``_rng.pxd``): ``seed_block``, ``fill_block``, ``fill_stream``.
"""
from cython.parallel cimport parallel, prange
from libc.math cimport exp, log1p
from libc.stdlib cimport free, malloc

import numpy as np

from numerics.rng_ref import ZIG_R, ZIG_V, ziggurat_tables

BLOCK = 8192                      # numbers per block of ``fill`` (fixed: results never depend on threads)
cdef Py_ssize_t CBLOCK = 8192

cdef double WI[256]
cdef double FI[256]
cdef u64 KI[256]
cdef double R = ZIG_R
cdef double INV_R = 1.0 / ZIG_R
cdef double TWO_M53 = 1.0 / 9007199254740992.0
cdef u64 GOLDEN = 0x9E3779B97F4A7C15ULL


def _load_tables():
    wi, ki, fi = ziggurat_tables()
    for i in range(256):
        WI[i] = wi[i]
        KI[i] = int(ki[i])
        FI[i] = fi[i]


_load_tables()


cdef inline u64 _mix64(u64 z) noexcept nogil:
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline u64 _rotl(u64 x, int k) noexcept nogil:
    return (x << k) | (x >> (64 - k))


cdef inline u64 _next(xoshiro* st) noexcept nogil:
    cdef u64 res = _rotl(st.s0 + st.s3, 23) + st.s0
    cdef u64 t = st.s1 << 17
    st.s2 ^= st.s0
    st.s3 ^= st.s1
    st.s1 ^= st.s2
    st.s0 ^= st.s3
    st.s2 ^= t
    st.s3 = _rotl(st.s3, 45)
    return res


cdef inline double _u01(xoshiro* st) noexcept nogil:
    return <double>(<long long>(_next(st) >> 11)) * TWO_M53


cdef void seed_block(xoshiro* st, u64 seed, u64 block) noexcept nogil:
    """State of block ``block``: SplitMix64 outputs 4 block .. 4 block + 3 from key = SplitMix64(seed)."""
    cdef u64 key = _mix64(seed + GOLDEN)
    cdef u64 k = 4 * block
    st.s0 = _mix64(key + (k + 1) * GOLDEN)
    st.s1 = _mix64(key + (k + 2) * GOLDEN)
    st.s2 = _mix64(key + (k + 3) * GOLDEN)
    st.s3 = _mix64(key + (k + 4) * GOLDEN)
    if st.s0 == 0 and st.s1 == 0 and st.s2 == 0 and st.s3 == 0:
        st.s0 = 1


cdef double _slow(xoshiro* st, int idx, double x, bint neg) noexcept nogil:
    """A ziggurat draw that fell outside the inner rectangle: NaN means 'reject, draw again'."""
    cdef double xx, yy
    if idx == 0:
        while True:
            xx = -log1p(-_u01(st)) * INV_R
            yy = -log1p(-_u01(st))
            if yy + yy > xx * xx:
                return -(R + xx) if neg else R + xx
    if (FI[idx - 1] - FI[idx]) * _u01(st) + FI[idx] < exp(-0.5 * x * x):
        return x
    return -1.0 / 0.0 * 0.0      # NaN


cdef void fill_block(xoshiro* st, double* out, Py_ssize_t n) noexcept nogil:
    """n standard normals from the stream st (advanced).  The state is kept in a local copy
    (registers) and the sign applied to the integer magnitude, without a branch."""
    cdef Py_ssize_t j
    cdef xoshiro s = st[0]
    cdef u64 r, rabs
    cdef long long sr, neg
    cdef int idx
    cdef double x
    for j in range(n):
        while True:
            r = _next(&s)
            idx = <int>(r & 0xFF)
            r >>= 8
            rabs = (r >> 1) & 0x000FFFFFFFFFFFFFULL
            neg = -<long long>(r & 1)
            sr = (<long long>rabs ^ neg) - neg
            x = <double>sr * WI[idx]
            if rabs < KI[idx]:
                break
            x = _slow(&s, idx, x, neg != 0)
            if x == x:
                break
        out[j] = x
    st[0] = s


cdef void fill_stream(u64 seed, u64 block, double* out, Py_ssize_t n) noexcept nogil:
    cdef xoshiro st
    seed_block(&st, seed, block)
    fill_block(&st, out, n)


def _seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer in [0, 2**64), got {seed!r}")
    s = int(seed)
    if not 0 <= s < (1 << 64):
        raise ValueError(f"seed must be an integer in [0, 2**64), got {seed!r}")
    return s


def fill(seed, double[::1] out, int nthreads=1):
    """Fill out with standard normals: block j = out[j*BLOCK:(j+1)*BLOCK] from stream (seed, j)."""
    cdef u64 s = _seed(seed)
    cdef Py_ssize_t n = out.shape[0], nb = (n + CBLOCK - 1) // CBLOCK, b, lo, hi
    if n == 0:
        return
    with nogil:
        for b in prange(nb, num_threads=nthreads if nb > 1 else 1, schedule="static"):
            lo = b * CBLOCK
            hi = lo + CBLOCK
            if hi > n:
                hi = n
            fill_stream(s, <u64>b, &out[lo], hi - lo)


def fill_pathblocks(seed, double[:, ::1] out, Py_ssize_t pblock, int nthreads=1):
    """out (R, P): path block b (columns b*pblock .. min(P, (b+1)*pblock)) is stream (seed, b)
    laid out row by row (R x width numbers, C order)."""
    cdef u64 s = _seed(seed)
    cdef Py_ssize_t R = out.shape[0], P = out.shape[1], nb, b, p0, w, i, q
    cdef double* buf
    if pblock < 1:
        raise ValueError(f"pblock must be >= 1, got {pblock}")
    if R == 0 or P == 0:
        return
    nb = (P + pblock - 1) // pblock
    with nogil, parallel(num_threads=nthreads if nb > 1 else 1):
        buf = <double*>malloc(R * pblock * sizeof(double))
        if buf != NULL:
            for b in prange(nb, schedule="static"):
                p0 = b * pblock
                w = P - p0 if P - p0 < pblock else pblock
                fill_stream(s, <u64>b, buf, R * w)
                for i in range(R):
                    for q in range(w):
                        out[i, p0 + q] = buf[i * w + q]
            free(buf)
        else:
            with gil:
                raise MemoryError("fill_pathblocks: could not allocate a block buffer")


def raw(seed, block, Py_ssize_t n):
    """The first n xoshiro256++ outputs of stream (seed, block) (for the twin test)."""
    cdef xoshiro st
    cdef Py_ssize_t j
    out = np.empty(n, dtype=np.uint64)
    cdef unsigned long long[::1] o = out
    seed_block(&st, _seed(seed), _seed(block))
    for j in range(n):
        o[j] = _next(&st)
    return out


def stream(seed, block, Py_ssize_t n):
    """The first n normals of stream (seed, block)."""
    out = np.empty(n)
    cdef double[::1] o = out
    if n > 0:
        fill_stream(_seed(seed), _seed(block), &o[0], n)
    return out
