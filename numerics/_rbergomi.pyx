# cython: language_level=3
"""Private kernel: rBergomi paths by the hybrid scheme, fused per block of paths (use numerics.rbergomi).

For a block of at most PBLOCK paths the core ``_core`` consumes pre-drawn standard normals
z (kappa+1, n, .) and zb (n, .) (time-major) and, row by row in time,

  dW_i     = L00 z0_i
  Y_i      = sqrt(2H) (sum_{k<=kappa} sum_j L[k, j] z_j,i-k  +  sum_{k>kappa} g_k dW_{i-k})
  sqrt V_i = sqrt(xi_i) exp(eta Y_i / 2 - eta^2 t_i^(2H) / 4)
  log S    : log S_{i+1} = log S_i - V_i dt / 2 + sqrt(V_i) (rho dW_i + sqrt(1 - rho^2) sqrt(dt) zb_i)
  intV     = sum_i V_i dt,    intA = sum_i sqrt(V_i) dW_i  (the mixing estimator's inputs)

Y is never stored: each row is convolved into a small accumulator (tiles of 16 paths held
in registers, numerics/src/rbergomi_core.h) and used at once; the block's dW stays in cache.  Two entry points:

* ``simulate_normals``: normals given as arrays (kappa+1, n, P), (n, P);
* ``simulate_seeded``: path block b draws its normals (kappa+2, n, width) from stream
  (seed, b) of numerics._rng into a per-thread buffer right before ``_core`` consumes them
  (the same numbers as ``_rng.fill_pathblocks(seed, ., PBLOCK)``); antithetic paths
  P/2 + p reuse the block's buffer negated.

Parallel over fixed blocks of paths: each path's arithmetic is the same whatever the
thread count.
"""
from cython.parallel cimport parallel, prange
from libc.math cimport exp, sqrt
from libc.stdlib cimport free, malloc

from numerics._blocks cimport block_end, n_blocks
from numerics._hybrid cimport near_terms
from numerics._rng cimport fill_stream, u64


cdef extern from "src/rbergomi_core.h" nogil:
    void rb_far(const double* g, const double* dw, Py_ssize_t ld, Py_ssize_t i, Py_ssize_t k0,
                Py_ssize_t t, double* acc)
    void rb_row(Py_ssize_t nbp, const double* acc, double scale, double hh, double e2, double sxi,
                int step, const double* dw, const double* zb, double rho, double cb, double h,
                double dt, double* logs, double* intv, double* inta, double* vrow)

PBLOCK = 64
cdef Py_ssize_t CPB = 64


cdef struct Model:
    Py_ssize_t n, kappa
    const double* L           # (kappa+1)^2, row-major
    const double* g           # (n+1,)
    const double* sxi         # sqrt(xi_i), (n+1,)
    const double* e2          # eta^2 t_i^2H / 4, (n+1,)
    double scale, eta, rho, dt


cdef void _core(const Model* m, const double* z, Py_ssize_t ldz, Py_ssize_t plane,
                const double* zb, Py_ssize_t ldb, Py_ssize_t nb, double* dw,
                double* logs_T, double* intv, double* inta,
                double* v_out, double* logs_out, Py_ssize_t ldo) noexcept nogil:
    """Paths 0..nb-1 (nb <= 64) of the block: z[j * plane + i * ldz + q], zb[i * ldb + q]; dw is
    scratch (n * 64); outputs at [q] (and [i * ldo + q] for the paths when v_out != NULL).
    Rows are padded to a multiple of 4 paths (padding lanes hold zeros and are never stored)."""
    cdef Py_ssize_t n = m.n, kappa = m.kappa, i, q, nbp = (nb + 3) & ~3
    cdef double l00 = m.L[0], hh = 0.5 * m.eta
    cdef double cb = sqrt(1.0 - m.rho * m.rho) * sqrt(m.dt), h = 0.5 * m.dt
    cdef double acc[64]
    cdef double zrow[64]
    cdef double vrow[64]
    cdef double ls[64]
    cdef double iv[64]
    cdef double ia[64]
    for i in range(n):
        for q in range(nb):
            dw[i * nbp + q] = l00 * z[i * ldz + q]
        for q in range(nb, nbp):
            dw[i * nbp + q] = 0.0
    for q in range(nbp):
        ls[q] = 0.0
        iv[q] = 0.0
        ia[q] = 0.0
        acc[q] = 0.0
        zrow[q] = 0.0
    for i in range(n + 1):
        if i > 0:
            # Y_i / scale = near terms + far terms (the far terms in registers, src/rbergomi_core.h)
            near_terms(m.L, kappa, z, ldz, plane, i, nb, acc)
            rb_far(m.g, dw, nbp, i, kappa + 1, nbp, acc)
        if i < n:
            for q in range(nb):
                zrow[q] = zb[i * ldb + q]
        rb_row(nbp, acc, m.scale, hh, m.e2[i], m.sxi[i], i < n, &dw[i * nbp] if i < n else dw, zrow,
               m.rho, cb, h, m.dt, ls, iv, ia, vrow)
        if v_out != NULL:
            for q in range(nb):
                v_out[i * ldo + q] = vrow[q]
                if i == 0:
                    logs_out[q] = 0.0
                if i < n:
                    logs_out[(i + 1) * ldo + q] = ls[q]
    for q in range(nb):
        logs_T[q] = ls[q]
        intv[q] = iv[q]
        inta[q] = ia[q]


cdef object _model(Model* m, Py_ssize_t n, const double[:, ::1] L, const double[::1] g,
                   double scale, const double[::1] sxi, const double[::1] e2, double eta,
                   double rho, double dt):
    cdef Py_ssize_t kappa = L.shape[0] - 1
    if L.shape[1] != kappa + 1 or kappa < 1 or g.shape[0] < n + 1 or sxi.shape[0] != n + 1 \
            or e2.shape[0] != n + 1:
        raise ValueError("rbergomi: L, g, sqrt_xi or e2 has the wrong shape")
    m.n = n
    m.kappa = kappa
    m.L = &L[0, 0]
    m.g = &g[0]
    m.sxi = &sxi[0]
    m.e2 = &e2[0]
    m.scale = scale
    m.eta = eta
    m.rho = rho
    m.dt = dt


cdef object _check_out(Py_ssize_t n, Py_ssize_t P, double[::1] logs_T, double[::1] intv,
                       double[::1] inta, double[:, ::1] v_out, double[:, ::1] logs_out):
    if logs_T.shape[0] != P or intv.shape[0] != P or inta.shape[0] != P:
        raise ValueError("rbergomi: logs_T, intv, inta must have one entry per path")
    if v_out.shape[0] > 0 and (v_out.shape[0] != n + 1 or v_out.shape[1] != P or logs_out.shape[0] != n + 1
                               or logs_out.shape[1] != P):
        raise ValueError("rbergomi: v_out / logs_out must be (n+1, P) or empty")


def simulate_normals(const double[:, :, ::1] z, const double[:, ::1] zb, const double[:, ::1] L,
                     const double[::1] g, double scale, const double[::1] sqrt_xi, const double[::1] e2,
                     double eta, double rho, double dt, double[::1] logs_T, double[::1] intv,
                     double[::1] inta, double[:, ::1] v_out, double[:, ::1] logs_out, int nthreads=1):
    """Fused pipeline on pre-drawn normals z (kappa+1, n, P), zb (n, P); fills logs_T, intv, inta (P,)
    and, when v_out / logs_out are (n+1, P) rather than empty, the variance and log-price paths."""
    cdef Py_ssize_t n = zb.shape[0], P = zb.shape[1], nbk, b, p0, w
    cdef bint keep = v_out.shape[0] > 0
    cdef Model m
    cdef double* dw
    _model(&m, n, L, g, scale, sqrt_xi, e2, eta, rho, dt)
    if z.shape[0] != m.kappa + 1 or z.shape[1] != n or z.shape[2] != P:
        raise ValueError("rbergomi: z must be (kappa+1, n, P) with zb (n, P)")
    _check_out(n, P, logs_T, intv, inta, v_out, logs_out)
    if n == 0 or P == 0:
        return
    nbk = n_blocks(P, CPB)
    with nogil, parallel(num_threads=nthreads if nbk > 1 else 1):
        dw = <double*>malloc(n * CPB * sizeof(double))
        if dw == NULL:
            with gil:
                raise MemoryError("rbergomi: could not allocate the per-thread scratch")
        else:
            for b in prange(nbk, schedule="static"):
                p0 = b * CPB
                w = block_end(b, CPB, P) - p0
                _core(&m, &z[0, 0, p0], P, n * P, &zb[0, p0], P, w, dw, &logs_T[p0], &intv[p0], &inta[p0],
                      &v_out[0, p0] if keep else NULL, &logs_out[0, p0] if keep else NULL, P)
            free(dw)


def simulate_seeded(seed, Py_ssize_t n, const double[:, ::1] L, const double[::1] g, double scale,
                    const double[::1] sqrt_xi, const double[::1] e2, double eta, double rho, double dt,
                    bint antithetic, double[::1] logs_T, double[::1] intv, double[::1] inta,
                    double[:, ::1] v_out, double[:, ::1] logs_out, int nthreads=1):
    """Fused pipeline drawing its own normals: path block b of the first Ph paths (Ph = P or P/2
    with antithetic) uses stream (seed, b) of numerics._rng laid out (kappa+2, n, width):
    planes 0..kappa are z, plane kappa+1 is zb.  Antithetic: paths Ph + p use the negated draws."""
    cdef u64 s = int(seed)
    cdef Py_ssize_t P = logs_T.shape[0], Ph, nbk, b, p0, w, K, r, ph
    cdef bint keep = v_out.shape[0] > 0
    cdef Model m
    cdef double* buf
    cdef double* dw
    _model(&m, n, L, g, scale, sqrt_xi, e2, eta, rho, dt)
    _check_out(n, P, logs_T, intv, inta, v_out, logs_out)
    if antithetic and P % 2:
        raise ValueError(f"n_paths must be even with antithetic=True, got {P}")
    Ph = P // 2 if antithetic else P
    if n == 0 or Ph == 0:
        return
    K = m.kappa + 2
    nbk = n_blocks(Ph, CPB)
    with nogil, parallel(num_threads=nthreads if nbk > 1 else 1):
        buf = <double*>malloc((K + 1) * n * CPB * sizeof(double))
        if buf == NULL:
            with gil:
                raise MemoryError("rbergomi: could not allocate the per-thread normals buffer")
        else:
            dw = buf + K * n * CPB
            for b in prange(nbk, schedule="static"):
                p0 = b * CPB
                w = block_end(b, CPB, Ph) - p0
                fill_stream(s, <u64>b, buf, K * n * w)
                for ph in range(2 if antithetic else 1):
                    if ph == 1:
                        for r in range(K * n * w):
                            buf[r] = -buf[r]
                    _core(&m, buf, w, n * w, buf + (K - 1) * n * w, w, w, dw,
                          &logs_T[p0 + ph * Ph], &intv[p0 + ph * Ph], &inta[p0 + ph * Ph],
                          &v_out[0, p0 + ph * Ph] if keep else NULL,
                          &logs_out[0, p0 + ph * Ph] if keep else NULL, P)
            free(buf)
