# Fractional Adams kernels (private; import numerics.fractional instead).
#
# Volterra equation  x(t) = x0 + (1/Gamma(alpha)) int_0^t (t-s)^(alpha-1) f(s, x(s)) ds
# on the uniform grid t_k = k*dt, dt = T/n (Diethelm-Ford-Freed product rules).
#
# Weight tables depend on the lag only, so they are computed once per (alpha, n)
# and scaled by dt^alpha for each T:
#   bp[m] = dt^a/Gamma(a+1) * ((m+1)^a - m^a)                      predictor, lag m
#   ac[m] = dt^a/Gamma(a+2) * ((m+2)^(a+1) + m^(a+1) - 2(m+1)^(a+1)) corrector, lag m, j >= 1
#   a0[k] = dt^a/Gamma(a+2) * (k^(a+1) - (k-a)(k+1)^a)             corrector, j = 0, step k -> k+1
#   aself = dt^a/Gamma(a+2)                                          corrector, j = k+1
# Differences of powers are formed with expm1/log1p so that large lags keep
# their relative accuracy.
import numpy as np
from cython.parallel cimport prange, parallel
from libc.math cimport pow, expm1, log1p, lgamma, exp, log, sqrt, fabs, fmax, INFINITY
from libc.stdlib cimport malloc, free

# restrict-qualified pointer (lets the compiler vectorise the history sums)
cdef extern from *:
    """
    #include <stddef.h>
    enum { RA_BLK = 8 };
    #include <string.h>
    typedef double ra_v4d __attribute__((vector_size(32), aligned(8)));
    /* S[b][t] += sum_{i=ilo}^{ihi-1} w[kb + b - i] * F[i][t]  for b < 8, t < L (L % 4 == 0).
       Register-blocked Toeplitz block product: each history row is read once for the
       8 steps of a block.  Two bodies: AVX2+FMA intrinsics (chosen once at run time when
       the CPU has them; about 5x the baseline here) and portable GCC vector code. */
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    #include <immintrin.h>
    #define RA_HAVE_X86 1
    __attribute__((target("avx2,fma")))
    static void ra_block_accum_avx2(const double *F, ptrdiff_t L, ptrdiff_t ilo, ptrdiff_t ihi,
                                    const double *w, ptrdiff_t kb, double *S)
    {
        for (ptrdiff_t t = 0; t < L; t += 4) {
            __m256d a0 = _mm256_loadu_pd(S + 0 * L + t), a1 = _mm256_loadu_pd(S + 1 * L + t);
            __m256d a2 = _mm256_loadu_pd(S + 2 * L + t), a3 = _mm256_loadu_pd(S + 3 * L + t);
            __m256d a4 = _mm256_loadu_pd(S + 4 * L + t), a5 = _mm256_loadu_pd(S + 5 * L + t);
            __m256d a6 = _mm256_loadu_pd(S + 6 * L + t), a7 = _mm256_loadu_pd(S + 7 * L + t);
            for (ptrdiff_t i = ilo; i < ihi; ++i) {
                const double *wi = w + kb - i;
                __m256d v = _mm256_loadu_pd(F + i * L + t);
                a0 = _mm256_fmadd_pd(_mm256_broadcast_sd(wi + 0), v, a0);
                a1 = _mm256_fmadd_pd(_mm256_broadcast_sd(wi + 1), v, a1);
                a2 = _mm256_fmadd_pd(_mm256_broadcast_sd(wi + 2), v, a2);
                a3 = _mm256_fmadd_pd(_mm256_broadcast_sd(wi + 3), v, a3);
                a4 = _mm256_fmadd_pd(_mm256_broadcast_sd(wi + 4), v, a4);
                a5 = _mm256_fmadd_pd(_mm256_broadcast_sd(wi + 5), v, a5);
                a6 = _mm256_fmadd_pd(_mm256_broadcast_sd(wi + 6), v, a6);
                a7 = _mm256_fmadd_pd(_mm256_broadcast_sd(wi + 7), v, a7);
            }
            _mm256_storeu_pd(S + 0 * L + t, a0); _mm256_storeu_pd(S + 1 * L + t, a1);
            _mm256_storeu_pd(S + 2 * L + t, a2); _mm256_storeu_pd(S + 3 * L + t, a3);
            _mm256_storeu_pd(S + 4 * L + t, a4); _mm256_storeu_pd(S + 5 * L + t, a5);
            _mm256_storeu_pd(S + 6 * L + t, a6); _mm256_storeu_pd(S + 7 * L + t, a7);
        }
    }
    #endif
    static void ra_block_accum_base(const double *F, ptrdiff_t L, ptrdiff_t ilo, ptrdiff_t ihi,
                                    const double *w, ptrdiff_t kb, double *S)
    {
        for (ptrdiff_t t = 0; t < L; t += 4) {
            ra_v4d a0, a1, a2, a3, a4, a5, a6, a7, v;
            memcpy(&a0, S + 0 * L + t, 32); memcpy(&a1, S + 1 * L + t, 32);
            memcpy(&a2, S + 2 * L + t, 32); memcpy(&a3, S + 3 * L + t, 32);
            memcpy(&a4, S + 4 * L + t, 32); memcpy(&a5, S + 5 * L + t, 32);
            memcpy(&a6, S + 6 * L + t, 32); memcpy(&a7, S + 7 * L + t, 32);
            for (ptrdiff_t i = ilo; i < ihi; ++i) {
                const double *wi = w + kb - i;
                memcpy(&v, F + i * L + t, 32);
                a0 += wi[0] * v; a1 += wi[1] * v; a2 += wi[2] * v; a3 += wi[3] * v;
                a4 += wi[4] * v; a5 += wi[5] * v; a6 += wi[6] * v; a7 += wi[7] * v;
            }
            memcpy(S + 0 * L + t, &a0, 32); memcpy(S + 1 * L + t, &a1, 32);
            memcpy(S + 2 * L + t, &a2, 32); memcpy(S + 3 * L + t, &a3, 32);
            memcpy(S + 4 * L + t, &a4, 32); memcpy(S + 5 * L + t, &a5, 32);
            memcpy(S + 6 * L + t, &a6, 32); memcpy(S + 7 * L + t, &a7, 32);
        }
    }
    static int ra_simd = -1;      /* -1 undecided, 0 baseline, 1 AVX2+FMA */
    static void ra_block_accum(const double *F, ptrdiff_t L, ptrdiff_t ilo, ptrdiff_t ihi,
                               const double *w, ptrdiff_t kb, double *S)
    {
    #ifdef RA_HAVE_X86
        if (ra_simd < 0) {
            __builtin_cpu_init();
            ra_simd = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        }
        if (ra_simd) { ra_block_accum_avx2(F, L, ilo, ihi, w, kb, S); return; }
    #endif
        ra_block_accum_base(F, L, ilo, ihi, w, kb, S);
    }
    """
    void ra_block_accum(const double* F, Py_ssize_t L, Py_ssize_t ilo, Py_ssize_t ihi,
                        const double* w, Py_ssize_t kb, double* S) noexcept nogil


cdef void _weights(double a, Py_ssize_t n, double dt, double* bp, double* ac,
                   double* a0, double* aself) noexcept nogil:
    cdef double sb = exp(a * log(dt) - lgamma(a + 1.0))
    cdef double sc = exp(a * log(dt) - lgamma(a + 2.0))
    cdef Py_ssize_t m
    cdef double mm, p = a + 1.0
    bp[0] = sb
    ac[0] = sc * (pow(2.0, p) - 2.0)
    a0[0] = sc * a
    for m in range(1, n):
        mm = <double> m
        bp[m] = sb * pow(mm, a) * expm1(a * log1p(1.0 / mm))
        ac[m] = sc * pow(mm, p) * (expm1(p * log1p(2.0 / mm)) - 2.0 * expm1(p * log1p(1.0 / mm)))
        # k^(a+1) - (k-a)(k+1)^a = k^(a+1) (1 - (1 - a/k)(1+1/k)^a)
        a0[m] = sc * pow(mm, p) * (-(expm1(a * log1p(1.0 / mm))) + (a / mm) * exp(a * log1p(1.0 / mm)))
    aself[0] = sc


def weights(double alpha, Py_ssize_t n, double T, double[::1] bp, double[::1] ac,
            double[::1] a0):
    """Fill the Adams weight tables for (alpha, n, T); returns aself."""
    cdef double aself
    with nogil:
        _weights(alpha, n, T / n, &bp[0], &ac[0], &a0[0], &aself)
    return aself


# ---------------------------------------------------------------------------
# Batch Riccati: F_j(h) = A h^2 + B_j h + C_j  (A real, B_j, C_j complex), x0 = 0.
# Outputs per j: h(T), int_0^T h ds, int_0^T F(h(s)) ds (trapezoid rule on the grid).
# scheme 0: implicit corrector (the quadratic corrector equation solved exactly,
#           root continuous with the linear case A -> 0);
# scheme 1: PECE predictor-corrector (explicit).
# Blow-up flag (both schemes): step k+1 is unresolved when Re(1 - aself F'(x_{k+1})) < 1/2,
# F'(x) = 2 A x + B.  For the implicit scheme 1 - aself F'(x) is the square root of the
# corrector quadratic's discriminant, which vanishes at the fold where the two roots meet
# (a real solution growing to infinity: a moment explosion) and is imaginary past it; for
# real u the rough Heston solution has Re h <= 0, so Re(1 - aself F') >= 1 + aself kappa
# and the flag never fires.  A non-finite value also sets it.  The first flagged step is
# stored per entry (0: none).
# ---------------------------------------------------------------------------

cdef inline void _quad_root(double A, double Br, double Bi, double rr, double ri, double w,
                            double* xr, double* xi) noexcept nogil:
    # solve x = rhs + w (A x^2 + B x)  ->  w A x^2 + (w B - 1) x + rhs = 0 in real arithmetic;
    # x = 2 rhs / (q + sqrt(q^2 - 4 w A rhs)), q = 1 - w B, the root continuous in A -> 0.
    cdef double qr = 1.0 - w * Br
    cdef double qi = -w * Bi
    cdef double dr, di, mod, sr, si, er, ei, den
    if A == 0.0:
        den = qr * qr + qi * qi
        xr[0] = (rr * qr + ri * qi) / den
        xi[0] = (ri * qr - rr * qi) / den
        return
    dr = qr * qr - qi * qi - 4.0 * w * A * rr
    di = 2.0 * qr * qi - 4.0 * w * A * ri
    mod = sqrt(dr * dr + di * di)
    sr = sqrt(0.5 * (mod + dr))
    si = sqrt(0.5 * (mod - dr))
    if di < 0.0:
        si = -si
    if qr * sr + qi * si < 0.0:
        sr = -sr
        si = -si
    er = qr + sr
    ei = qi + si
    den = er * er + ei * ei
    xr[0] = 2.0 * (rr * er + ri * ei) / den
    xi[0] = 2.0 * (ri * er - rr * ei) / den


cdef void _quad_roots(Py_ssize_t m, double A, double w, const double* qre, const double* qim,
                      const double* sre, const double* sim, const double* Cre,
                      const double* Cim, double* xre, double* xim) noexcept nogil:
    # _quad_root for the m entries of a step, branch-free (the compiler vectorises it):
    # rhs = s + w C, x = 2 rhs / (q + sqrt(q^2 - 4 w A rhs)), q = 1 - w B
    cdef Py_ssize_t j
    cdef double rr, ri, qr, qi, dr, di, mod, sr, si, er, ei, den, w4a = 4.0 * w * A
    if A == 0.0:
        for j in range(m):
            rr = sre[j] + w * Cre[j]
            ri = sim[j] + w * Cim[j]
            den = qre[j] * qre[j] + qim[j] * qim[j]
            xre[j] = (rr * qre[j] + ri * qim[j]) / den
            xim[j] = (ri * qre[j] - rr * qim[j]) / den
        return
    for j in range(m):
        rr = sre[j] + w * Cre[j]
        ri = sim[j] + w * Cim[j]
        qr = qre[j]
        qi = qim[j]
        dr = qr * qr - qi * qi - w4a * rr
        di = 2.0 * qr * qi - w4a * ri
        mod = sqrt(dr * dr + di * di)
        sr = sqrt(0.5 * (mod + dr))
        si = sqrt(fmax(0.5 * (mod - dr), 0.0))
        si = -si if di < 0.0 else si
        sr, si = (-sr, -si) if qr * sr + qi * si < 0.0 else (sr, si)
        er = qr + sr
        ei = qi + si
        den = er * er + ei * ei
        xre[j] = 2.0 * (rr * er + ri * ei) / den
        xim[j] = 2.0 * (ri * er - rr * ei) / den


cdef enum:
    BLK = 8   # must match the 8 accumulators of ra_block_accum


cdef int _riccati_block(const double* bp, const double* ac, const double* a0, double aself,
                         Py_ssize_t n, double dt, double A,
                         const double* Bre, const double* Bim, const double* Cre,
                         const double* Cim, Py_ssize_t j0, Py_ssize_t m, Py_ssize_t stride,
                         int scheme, double* F, double* S, double* P,
                         double* hT_re, double* hT_im, double* ih_re, double* ih_im,
                         double* iF_re, double* iF_im, double* path_re, double* path_im,
                         int* blown) noexcept nogil:
    # F: history of F(h), (n+1) rows of length L = 2m rounded up to 4: [re(m), im(m), pad].
    # S, P: BLK rows of length L, corrector and predictor sums of the steps of one block.
    # bp, ac, a0 are padded with BLK zeros past n (steps past n are computed and ignored).
    cdef Py_ssize_t L = ((2 * m + 3) // 4) * 4
    cdef Py_ssize_t k, k0, kend, i, j, b, t
    cdef double w1, w2
    cdef double br, bi, cr_, ci_, pr, pim, fre, fim, xr, xi
    cdef double* srow
    cdef double* prow
    cdef double* frow
    # sh: running sums (4m), the implicit roots of the step (2m), q = 1 - aself B (2m)
    cdef double* sh = <double*> malloc(8 * m * sizeof(double))
    if sh == NULL or F == NULL:
        free(sh)
        return 1
    for t in range((n + 1) * L):
        F[t] = 0.0
    for j in range(m):
        F[j] = Cre[j0 + j]
        F[m + j] = Cim[j0 + j]
        sh[j] = 0.0
        sh[m + j] = 0.0
        sh[2 * m + j] = 0.5 * Cre[j0 + j]
        sh[3 * m + j] = 0.5 * Cim[j0 + j]
        sh[6 * m + j] = 1.0 - aself * Bre[j0 + j]
        sh[7 * m + j] = -aself * Bim[j0 + j]
        if path_re != NULL:
            path_re[j0 + j] = 0.0
            path_im[j0 + j] = 0.0
    k0 = 0
    while k0 < n:
        kend = k0 + BLK
        if kend > n:
            kend = n
        # rows i = 0..k0 (known at the block start) for the BLK steps k0..k0+BLK-1
        for b in range(BLK):
            srow = S + b * L
            prow = P + b * L
            w2 = a0[k0 + b]
            w1 = bp[k0 + b]
            for t in range(L):
                srow[t] = w2 * F[t]
                prow[t] = w1 * F[t]
        if k0 >= 1:
            ra_block_accum(F, L, 1, k0 + 1, ac, k0, S)
            if scheme == 1:
                ra_block_accum(F, L, 1, k0 + 1, bp, k0, P)
        for k in range(k0, kend):
            b = k - k0
            srow = S + b * L
            prow = P + b * L
            # rows produced inside this block
            for i in range(k0 + 1, k + 1):
                frow = F + i * L
                w2 = ac[k - i]
                for t in range(2 * m):
                    srow[t] += w2 * frow[t]
                if scheme == 1:
                    w1 = bp[k - i]
                    for t in range(2 * m):
                        prow[t] += w1 * frow[t]
            frow = F + (k + 1) * L
            if scheme == 0:
                _quad_roots(m, A, aself, sh + 6 * m, sh + 7 * m, srow, srow + m, Cre + j0,
                            Cim + j0, sh + 4 * m, sh + 5 * m)
            for j in range(m):
                br = Bre[j0 + j]
                bi = Bim[j0 + j]
                cr_ = Cre[j0 + j]
                ci_ = Cim[j0 + j]
                if scheme == 1:
                    pr = A * prow[j] + br
                    pim = A * prow[m + j] + bi
                    fre = pr * prow[j] - pim * prow[m + j] + cr_
                    fim = pr * prow[m + j] + pim * prow[j] + ci_
                    xr = srow[j] + aself * fre
                    xi = srow[m + j] + aself * fim
                else:
                    xr = sh[4 * m + j]
                    xi = sh[5 * m + j]
                pr = A * xr + br
                pim = A * xi + bi
                fre = pr * xr - pim * xi + cr_
                fim = pr * xi + pim * xr + ci_
                if blown[j0 + j] == 0 and (not (1.0 - aself * (pr + A * xr) >= 0.5)
                                           or not (fabs(fre) + fabs(fim) < INFINITY)):
                    blown[j0 + j] = <int> (k + 1)
                frow[j] = fre
                frow[m + j] = fim
                if k + 1 < n:
                    sh[j] += xr
                    sh[m + j] += xi
                    sh[2 * m + j] += fre
                    sh[3 * m + j] += fim
                else:
                    sh[j] += 0.5 * xr
                    sh[m + j] += 0.5 * xi
                    sh[2 * m + j] += 0.5 * fre
                    sh[3 * m + j] += 0.5 * fim
                    hT_re[j0 + j] = xr
                    hT_im[j0 + j] = xi
                if path_re != NULL:
                    path_re[(k + 1) * stride + j0 + j] = xr
                    path_im[(k + 1) * stride + j0 + j] = xi
        k0 = kend
    for j in range(m):
        ih_re[j0 + j] = dt * sh[j]
        ih_im[j0 + j] = dt * sh[m + j]
        iF_re[j0 + j] = dt * sh[2 * m + j]
        iF_im[j0 + j] = dt * sh[3 * m + j]
    free(sh)
    return 0


def riccati_batch(const double[::1] bp, const double[::1] ac, const double[::1] a0,
                  double aself, Py_ssize_t n, double T, double A,
                  const double[::1] Bre, const double[::1] Bim,
                  const double[::1] Cre, const double[::1] Cim, int scheme,
                  double[::1] hT_re, double[::1] hT_im, double[::1] ih_re, double[::1] ih_im,
                  double[::1] iF_re, double[::1] iF_im, double[::1] path_re=None,
                  double[::1] path_im=None, Py_ssize_t chunk=32, int threads=0,
                  int[::1] blown=None):
    """Batch Riccati solve over len(Bre) frequencies; outputs written in place.

    path_re/path_im (optional): (n+1)*nu arrays receiving the whole solution.
    blown (optional, zero on entry): first unresolved step per entry (blow-up), 0 if none.
    """
    cdef Py_ssize_t nu = Bre.shape[0]
    cdef Py_ssize_t nchunk, c, j0, m, L, i
    cdef double dt = T / n
    cdef double* work
    cdef double* pre = NULL
    cdef double* pim = NULL
    cdef double* wts = <double*> malloc(3 * (n + BLK) * sizeof(double))
    cdef int nthreads = threads
    cdef int failed = 0
    cdef int* bl
    cdef int[::1] blown_own
    if wts == NULL:
        raise MemoryError()
    if blown is None:
        blown_own = np.zeros(nu, dtype=np.intc)
        bl = &blown_own[0]
    else:
        bl = &blown[0]
    for i in range(n + BLK):
        wts[i] = bp[i] if i < n else 0.0
        wts[n + BLK + i] = ac[i] if i < n else 0.0
        wts[2 * (n + BLK) + i] = a0[i] if i < n else 0.0
    if path_re is not None:
        pre = &path_re[0]
        pim = &path_im[0]
    if chunk < 1:
        chunk = 1
    nchunk = (nu + chunk - 1) // chunk
    L = ((2 * chunk + 3) // 4) * 4
    if nthreads <= 0:
        # a second thread only pays for itself on a few ms of work: with fewer, the barrier
        # at the end of the region costs more than it saves (and a scheduler quantum when
        # the machine is oversubscribed)
        nthreads = 2 if (nchunk >= 2 and nu * n * n >= 4_000_000) else 1
    with nogil, parallel(num_threads=nthreads):
        work = <double*> malloc(((n + 1) + 2 * BLK) * L * sizeof(double))
        for c in prange(nchunk, schedule="dynamic"):
            j0 = c * chunk
            m = nu - j0
            if m > chunk:
                m = chunk
            failed += _riccati_block(wts, wts + n + BLK, wts + 2 * (n + BLK), aself, n, dt, A,
                                     &Bre[0], &Bim[0], &Cre[0], &Cim[0], j0, m, nu, scheme,
                                     work, work + (n + 1) * L, work + (n + 1) * L + BLK * L,
                                     &hT_re[0], &hT_im[0], &ih_re[0], &ih_im[0], &iF_re[0],
                                     &iF_im[0], pre, pim, bl)
        free(work)
    free(wts)
    if failed:
        raise MemoryError(f"riccati_batch: could not allocate the history for n={n}")


# ---------------------------------------------------------------------------
# Generic path: Python right-hand side f(t, x), scalar real or complex state, PECE.
# The history sums run in C; f is called twice per step (predictor, corrector).
# ---------------------------------------------------------------------------

def adams_generic(f, double x0_re, double x0_im, bint is_complex,
                  const double[::1] bp, const double[::1] ac, const double[::1] a0,
                  double aself, Py_ssize_t n, double T,
                  double[::1] x_re, double[::1] x_im, double[::1] f_re, double[::1] f_im):
    """PECE solve with a Python right-hand side; fills x_* and f_* (length n+1)."""
    cdef Py_ssize_t k, i
    cdef double dt = T / n
    cdef double pr, pim, cr, ci, w1, w2
    cdef object fv, x0
    x0 = complex(x0_re, x0_im) if is_complex else x0_re
    x_re[0] = x0_re
    x_im[0] = x0_im
    fv = f(0.0, x0)
    f_re[0] = fv.real
    f_im[0] = fv.imag if is_complex else 0.0
    for k in range(n):
        pr = bp[k] * f_re[0]
        pim = bp[k] * f_im[0]
        cr = a0[k] * f_re[0]
        ci = a0[k] * f_im[0]
        for i in range(1, k + 1):
            w1 = bp[k - i]
            w2 = ac[k - i]
            pr += w1 * f_re[i]
            pim += w1 * f_im[i]
            cr += w2 * f_re[i]
            ci += w2 * f_im[i]
        if is_complex:
            fv = f((k + 1) * dt, complex(x0_re + pr, x0_im + pim))
            fv = complex(fv)
            x_re[k + 1] = x0_re + cr + aself * fv.real
            x_im[k + 1] = x0_im + ci + aself * fv.imag
            fv = complex(f((k + 1) * dt, complex(x_re[k + 1], x_im[k + 1])))
            f_re[k + 1] = fv.real
            f_im[k + 1] = fv.imag
        else:
            fv = float(f((k + 1) * dt, x0_re + pr))
            x_re[k + 1] = x0_re + cr + aself * fv
            x_im[k + 1] = 0.0
            f_re[k + 1] = float(f((k + 1) * dt, x_re[k + 1]))
            f_im[k + 1] = 0.0



cdef extern from *:
    int ra_simd


def _simd_path(int flag=-2):
    """Read (flag=-2) or force (0 baseline, 1 AVX2+FMA) the history-sum body (tests use it
    to check both bodies agree; -1 means not decided yet)."""
    global ra_simd
    if flag != -2:
        ra_simd = flag
    return ra_simd
