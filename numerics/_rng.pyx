# cython: language_level=3
"""Private kernel: block-seeded standard normals (use numerics._bs_mc_helpers.normals).

A 64-bit seed and a block index give five xoshiro256++ states (SplitMix64, see
numerics/rng_ref.py, the pure-Python twin that pins the stream); normals come from the
256-layer ziggurat fed by four of them stepped as one vector (numerics/src/normals.h).
Everything is integer arithmetic plus one multiplication per accepted draw (exp / log1p only in the ~1 % of rejection steps), so the stream is the same
on every machine.

* ``fill(seed, out, nthreads)``: out.ravel() cut into blocks of ``BLOCK`` numbers, block j
  from stream (seed, j), blocks filled in parallel (the blocks do not depend on the threads).
* ``fill_pathblocks(seed, out, pblock, nthreads)``: out (R, P) seen as R rows of P paths;
  path block b (paths b*pblock .. ) is one stream (seed, b) read row by row, R x width
  numbers.  This is the layout the fused simulation kernels draw block by block.
* cimportable nogil core (``_rng.pxd``): ``fill_stream(seed, block, out, n)``, and
  ``fill_stream_nu(seed, block, out, n_normal, n_uniform)``: normals, then uniforms in [0, 1)
  (52 bits, u = (r >> 12) 2^-52) from the same four lanes (for kernels that need a uniform,
  cheaper than a normal pushed through erfc).
"""
from cython.parallel cimport parallel, prange
from libc.stdlib cimport free, malloc

from numerics._blocks cimport block_end, n_blocks

import numpy as np

from numerics.rng_ref import ZIG_R, ziggurat_tables

BLOCK = 8192                      # numbers per block of ``fill`` (fixed: results never depend on threads)
cdef Py_ssize_t CBLOCK = 8192

cdef double WI[256]
cdef double FI[256]
cdef u64 KI[256]
cdef double R = ZIG_R
cdef u64 GOLDEN = 0x9E3779B97F4A7C15ULL
DEF LANES = 5


def _load_tables():
    wi, ki, fi = ziggurat_tables()
    for i in range(256):
        WI[i] = wi[i]
        KI[i] = int(ki[i])
        FI[i] = fi[i]


_load_tables()


cdef extern from "src/normals.h" nogil:
    void rn_fill(u64* st, double* out, Py_ssize_t n, const double* wi, const u64* ki, const double* fi,
                 double r)
    u64 rn_next1(u64* s)
    void rn_fill_u01(u64* st, double* out, Py_ssize_t n)


cdef inline u64 _mix64(u64 z) noexcept nogil:
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef void _seed_block(u64* st, u64 seed, u64 block) noexcept nogil:
    """The 5 lane states of a block: SplitMix64 outputs 20 block .. 20 block + 19 from
    key = SplitMix64(seed) (lane l = words 4l .. 4l + 3)."""
    cdef u64 key = _mix64(seed + GOLDEN)
    cdef u64 k0 = 4 * LANES * block
    cdef int w, lane
    for w in range(4 * LANES):
        st[w] = _mix64(key + (k0 + w + 1) * GOLDEN)
    for lane in range(LANES):
        if st[4 * lane] == 0 and st[4 * lane + 1] == 0 and st[4 * lane + 2] == 0 and st[4 * lane + 3] == 0:
            st[4 * lane] = 1


cdef void fill_stream(u64 seed, u64 block, double* out, Py_ssize_t n) noexcept nogil:
    """The first n normals of stream (seed, block)."""
    cdef u64 st[20]
    _seed_block(st, seed, block)
    rn_fill(st, out, n, WI, KI, FI, R)


cdef void fill_stream_nu(u64 seed, u64 block, double* out, Py_ssize_t n_normal, Py_ssize_t n_uniform) noexcept nogil:
    """The first n_normal normals of stream (seed, block) in out[0:n_normal], then n_uniform
    uniforms in [0, 1) (52 bits) from the same lanes in out[n_normal:n_normal + n_uniform]."""
    cdef u64 st[20]
    _seed_block(st, seed, block)
    rn_fill(st, out, n_normal, WI, KI, FI, R)
    rn_fill_u01(st, out + n_normal, n_uniform)


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
    nb = n_blocks(P, pblock)
    with nogil, parallel(num_threads=nthreads if nb > 1 else 1):
        buf = <double*>malloc(R * pblock * sizeof(double))
        if buf != NULL:
            for b in prange(nb, schedule="static"):
                p0 = b * pblock
                w = block_end(b, pblock, P) - p0
                fill_stream(s, <u64>b, buf, R * w)
                for i in range(R):
                    for q in range(w):
                        out[i, p0 + q] = buf[i * w + q]
            free(buf)
        else:
            with gil:
                raise MemoryError("fill_pathblocks: could not allocate a block buffer")


def raw(seed, block, int lane, Py_ssize_t n):
    """The first n xoshiro256++ outputs of lane ``lane`` (0..4) of stream (seed, block) (for the twin test)."""
    cdef u64 st[20]
    cdef Py_ssize_t j
    if not 0 <= lane < LANES:
        raise ValueError(f"lane must be in [0, {LANES}), got {lane}")
    out = np.empty(n, dtype=np.uint64)
    cdef u64[::1] o = out
    _seed_block(st, _seed(seed), _seed(block))
    for j in range(n):
        o[j] = rn_next1(&st[4 * lane])
    return out


def stream(seed, block, Py_ssize_t n):
    """The first n normals of stream (seed, block)."""
    out = np.empty(n)
    cdef double[::1] o = out
    if n > 0:
        fill_stream(_seed(seed), _seed(block), &o[0], n)
    return out


def stream_nu(seed, block, Py_ssize_t n_normal, Py_ssize_t n_uniform):
    """(normals, uniforms): the first n_normal normals of stream (seed, block), then n_uniform
    uniforms from the same lanes (the layout the exotics kernel draws)."""
    if n_normal < 0 or n_uniform < 0:
        raise ValueError(f"n_normal and n_uniform must be >= 0, got {n_normal}, {n_uniform}")
    out = np.empty(n_normal + n_uniform)
    cdef double[::1] o = out
    if n_normal + n_uniform > 0:
        fill_stream_nu(_seed(seed), _seed(block), &o[0], n_normal, n_uniform)
    return out[:n_normal], out[n_normal:]
