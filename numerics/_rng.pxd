# cython: language_level=3
"""Block-seeded standard normals (xoshiro256++ + ziggurat), cimported by the kernels that draw
their normals block by block (see numerics/_rng.pyx)."""

ctypedef unsigned long long u64

cdef struct xoshiro:
    u64 s0
    u64 s1
    u64 s2
    u64 s3

cdef void seed_block(xoshiro* st, u64 seed, u64 block) noexcept nogil
cdef void fill_block(xoshiro* st, double* out, Py_ssize_t n) noexcept nogil
cdef void fill_stream(u64 seed, u64 block, double* out, Py_ssize_t n) noexcept nogil
