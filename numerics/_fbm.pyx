# cython: language_level=3
"""Private fBM kernels (use numerics.fbm).

Davies-Harte: the caller draws complex normals z (rows, m) and computes the FFT;
``dh_scale`` multiplies by sqrt(eigenvalues) in place and ``dh_cumsum`` turns
the real and imaginary parts of each FFT row into two fBM paths.

Hybrid scheme (Bennedsen-Lunde-Pakkanen) for the Riemann-Liouville process
Y_t = sqrt(2H) int_0^t (t-s)^(H-1/2) dW_s on t_i = i*dt, time-major layout:
``hybrid`` writes dW (n, P) and Y (n+1, P) from standard normals z (kappa+1, n, P).
Paths are split into blocks handled in parallel; each path is computed by the
same arithmetic whatever the thread count.
"""
from cython.parallel cimport prange

from numerics._blocks cimport block_end, n_blocks

from numerics._hybrid cimport near_terms


cdef extern from "src/rbergomi_core.h" nogil:
    void rb_far(const double* g, const double* dw, Py_ssize_t ld, Py_ssize_t i, Py_ssize_t k0,
                Py_ssize_t t, double* acc)

cdef Py_ssize_t PBLOCK = 64


cdef void _dh_scale_row(const double[::1] sl, double complex[:, ::1] w, Py_ssize_t r) noexcept nogil:
    cdef Py_ssize_t k, m = w.shape[1]
    for k in range(m):
        w[r, k] = w[r, k] * sl[k]


def dh_scale(const double[::1] sqrt_lam, double complex[:, ::1] w, int nthreads=1):
    """w[r, k] *= sqrt_lam[k] (in place)."""
    cdef Py_ssize_t r, rows = w.shape[0]
    if sqrt_lam.shape[0] != w.shape[1]:
        raise ValueError("sqrt_lam and w disagree in length")
    with nogil:
        for r in prange(rows, num_threads=nthreads, schedule="static"):
            _dh_scale_row(sqrt_lam, w, r)


cdef void _dh_cumsum_row(const double complex[:, ::1] y, double scale, double[:, ::1] out,
                         Py_ssize_t r, Py_ssize_t npaths) noexcept nogil:
    cdef Py_ssize_t i, n = out.shape[1] - 1
    cdef double a = 0.0, b = 0.0
    cdef Py_ssize_t p0 = 2 * r
    cdef bint two = p0 + 1 < npaths
    out[p0, 0] = 0.0
    if two:
        out[p0 + 1, 0] = 0.0
    for i in range(n):
        a = a + scale * y[r, i].real
        out[p0, i + 1] = a
        if two:
            b = b + scale * y[r, i].imag
            out[p0 + 1, i + 1] = b


def dh_cumsum(const double complex[:, ::1] y, double scale, double[:, ::1] out, int nthreads=1):
    """out[2r] = cumsum(scale*Re y[r, :n]), out[2r+1] = cumsum(scale*Im y[r, :n]), out[:, 0] = 0."""
    cdef Py_ssize_t r, rows = y.shape[0], npaths = out.shape[0]
    if out.shape[1] - 1 > y.shape[1] or (npaths + 1) // 2 > rows:
        raise ValueError("dh_cumsum: shapes disagree")
    rows = (npaths + 1) // 2
    with nogil:
        for r in prange(rows, num_threads=nthreads, schedule="static"):
            _dh_cumsum_row(y, scale, out, r, npaths)


cdef void _hybrid_block(const double[:, :, ::1] z, const double[:, ::1] L, const double[::1] g,
                        double scale, double[:, ::1] dw, double[:, ::1] y,
                        Py_ssize_t p0, Py_ssize_t p1) noexcept nogil:
    """Paths p0..p1-1 (at most PBLOCK): dW, then Y by near terms (exact) + far terms (weights g).

    The block's dW rows stay in cache; the accumulator is a local array so the
    inner loops over paths vectorise."""
    cdef Py_ssize_t kappa = z.shape[0] - 1
    cdef Py_ssize_t n = z.shape[1]
    cdef Py_ssize_t nb = p1 - p0
    cdef Py_ssize_t i, q
    cdef double acc[64]
    cdef const double* src
    cdef double* dst
    cdef double l00 = L[0, 0]
    for i in range(n):
        src = &z[0, i, p0]
        dst = &dw[i, p0]
        for q in range(nb):
            dst[q] = l00 * src[q]
    dst = &y[0, p0]
    for q in range(nb):
        dst[q] = 0.0
    for i in range(1, n + 1):
        # near terms k = 1..min(i, kappa): I_{i-k, k} = sum_j L[k, j] z[j, i-k]
        near_terms(&L[0, 0], kappa, &z[0, 0, p0], z.shape[2], n * z.shape[2], i, nb, acc)
        # far terms k = kappa+1..i: g[k] * dW_{i-k} (accumulated in registers, src/rbergomi_core.h)
        rb_far(&g[0], &dw[0, p0], dw.shape[1], i, kappa + 1, nb, acc)
        dst = &y[i, p0]
        for q in range(nb):
            dst[q] = scale * acc[q]


def hybrid(const double[:, :, ::1] z, const double[:, ::1] L, const double[::1] g, double scale,
           double[:, ::1] dw, double[:, ::1] y, int nthreads=1):
    """Hybrid scheme core. z: (kappa+1, n, P) standard normals; L: Cholesky factor of the
    (kappa+1)x(kappa+1) covariance of (dW, I_1..I_kappa); g: (n+1,) far weights (b_k dt)^alpha;
    writes dw (n, P) and y (n+1, P)."""
    cdef Py_ssize_t kappa1 = z.shape[0], n = z.shape[1], P = z.shape[2]
    cdef Py_ssize_t b
    if L.shape[0] != kappa1 or L.shape[1] != kappa1 or g.shape[0] < n + 1:
        raise ValueError("hybrid: L or g has the wrong shape")
    if dw.shape[0] != n or dw.shape[1] != P or y.shape[0] != n + 1 or y.shape[1] != P:
        raise ValueError("hybrid: output shapes disagree with z")
    with nogil:
        for b in prange(n_blocks(P, PBLOCK), num_threads=nthreads, schedule="static"):
            _hybrid_block(z, L, g, scale, dw, y, b * PBLOCK, block_end(b, PBLOCK, P))
