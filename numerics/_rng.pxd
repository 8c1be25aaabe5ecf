# cython: language_level=3
"""Block-seeded standard normals (xoshiro256++ lanes + ziggurat), cimported by the kernels that draw
their normals block by block (see numerics/_rng.pyx)."""

from libc.stdint cimport uint64_t

ctypedef uint64_t u64

cdef void fill_stream(u64 seed, u64 block, double* out, Py_ssize_t n) noexcept nogil
cdef void fill_stream_nu(u64 seed, u64 block, double* out, Py_ssize_t n_normal, Py_ssize_t n_uniform) noexcept nogil
