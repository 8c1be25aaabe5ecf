# cython: language_level=3
"""Shared inline pieces of the hybrid-scheme kernels (cimported by _fbm and _rbergomi)."""


cdef inline void near_terms(const double* L, Py_ssize_t kappa, const double* z, Py_ssize_t ldz,
                            Py_ssize_t plane, Py_ssize_t i, Py_ssize_t t, double* acc) noexcept nogil:
    """acc[0..t) = near terms of Y_i / sqrt(2H): sum_{k <= min(i, kappa)} sum_j L[k, j] z_j,i-k,
    with L (kappa+1)^2 row-major and z[j * plane + row * ldz + q]."""
    cdef Py_ssize_t k, j, q
    cdef double c
    cdef const double* src
    for q in range(t):
        acc[q] = 0.0
    for k in range(1, kappa + 1):
        if k > i:
            break
        for j in range(k + 1):
            c = L[k * (kappa + 1) + j]
            src = &z[j * plane + (i - k) * ldz]
            for q in range(t):
                acc[q] = acc[q] + c * src[q]
