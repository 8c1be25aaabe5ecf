# COS pricing kernels (private; import numerics.rough_heston instead).
#
# Density of z = log(S_T / F_T) on [a, b], cosine expansion (Fang-Oosterlee):
#   f(z) ~ 2/(b-a) sum'_k Re(phi(u_k) e^{-i u_k a}) cos(u_k (z - a)),  u_k = k pi / (b-a).
# European put with strike K, x = log(K/F):
#   P = e^{-rT} 2/(b-a) sum'_k Re(Phi_k) (K psi_k(d) - F chi_k(d)),  d = clamp(x, a, b),
#   psi_k(d) = int_a^d cos(u_k (z-a)) dz,  chi_k(d) = int_a^d e^z cos(u_k (z-a)) dz.
# The kernel returns the two sums per strike for two coefficient vectors (prices and
# a parameter derivative); cos/sin of u_k (d - a) come from a rotation recurrence that
# is re-synchronised every 64 terms.
from cython.parallel cimport prange, parallel
from libc.math cimport cos, sin, exp, M_PI
from libc.stdlib cimport malloc, free


cdef void _cos_block(const double* c1, const double* c2, const double* iu, const double* g,
                     const double* h, Py_ssize_t N, double a, double b, const double* x,
                     Py_ssize_t nk, bint vega, double* out, double* work) noexcept nogil:
    # A block of nk strikes, the terms in the outer loop and the strikes in the inner one
    # (contiguous arrays: the compiler vectorises across strikes).  Per strike the cos/sin
    # of u_k (d - a) advance by the rotation (cos om th, sin om th), re-synchronised every
    # 64 terms; psi_k = sin / u_k, chi_k = e^d (cos g_k + sin h_k) - e^a g_k with
    # g_k = 1/(1 + u_k^2), h_k = u_k g_k (the e^a g_k parts, k >= 1, summed once for all
    # strikes).
    cdef double om = M_PI / (b - a)
    cdef double ea = exp(a)
    cdef double* th = work
    cdef double* ed = work + nk
    cdef double* rr = work + 2 * nk
    cdef double* ri = work + 3 * nk
    cdef double* cr = work + 4 * nk
    cdef double* ci = work + 5 * nk
    cdef double* s1p = work + 6 * nk
    cdef double* s1c = work + 7 * nk
    cdef double* s2p = work + 8 * nk
    cdef double* s2c = work + 9 * nk
    cdef double* q1 = work + 10 * nk
    cdef double* q2 = work + 11 * nk
    cdef Py_ssize_t i, k
    cdef double d, tmp, pk, ck, sk, gk, hk, ak, c2k, sg1 = 0.0, sg2 = 0.0
    for i in range(nk):
        d = x[i]
        if d < a:
            d = a
        if d > b:
            d = b
        th[i] = d - a
        ed[i] = exp(d)
        rr[i] = cos(om * th[i])
        ri[i] = sin(om * th[i])
        # k = 0 (weight 1/2 already folded into c1[0], c2[0]): psi = th, chi = e^d - e^a
        # (e^d - e^a formed first: the two nearly cancel for a narrow range)
        s1p[i] = c1[0] * th[i]
        s1c[i] = c1[0] * (ed[i] - ea)
        s2p[i] = c2[0] * th[i]
        s2c[i] = c2[0] * (ed[i] - ea)
        cr[i] = 1.0
        ci[i] = 0.0
    for k in range(1, N):
        if (k & 63) == 0:
            for i in range(nk):
                cr[i] = cos(k * om * th[i])
                ci[i] = sin(k * om * th[i])
        else:
            for i in range(nk):
                tmp = cr[i] * rr[i] - ci[i] * ri[i]
                ci[i] = cr[i] * ri[i] + ci[i] * rr[i]
                cr[i] = tmp
        pk = c1[k] * iu[k]
        ck = c1[k] * g[k]
        sk = c1[k] * h[k]
        sg1 += ck
        for i in range(nk):
            s1p[i] += pk * ci[i]
            s1c[i] += ed[i] * (ck * cr[i] + sk * ci[i])
        if vega:
            pk = c2[k] * iu[k]
            ck = c2[k] * g[k]
            sk = c2[k] * h[k]
            sg2 += ck
            for i in range(nk):
                s2p[i] += pk * ci[i]
                s2c[i] += ed[i] * (ck * cr[i] + sk * ci[i])
    for i in range(nk):
        out[4 * i] = s1p[i]
        out[4 * i + 1] = s1c[i] - ea * sg1
        out[4 * i + 2] = s2p[i] if vega else 0.0
        out[4 * i + 3] = s2c[i] - ea * sg2 if vega else 0.0


def cos_sums(const double[::1] c1, const double[::1] c2, double a, double b,
             const double[::1] x, double[:, ::1] out, int threads=0, bint vega=True):
    """out[i] = (sum c1 psi, sum c1 chi, sum c2 psi, sum c2 chi) at d = clamp(x[i], a, b)
    (the c2 sums are 0 without ``vega``)."""
    cdef Py_ssize_t nk = x.shape[0], N = c1.shape[0], i, k, nb, blk = 64, j0, m
    cdef double om = M_PI / (b - a)
    cdef double u
    # two threads only for a few ms of work (see _adams.riccati_batch)
    cdef int nt = threads if threads > 0 else (2 if nk * N >= 2_000_000 else 1)
    cdef double* tabs = <double*> malloc(3 * N * sizeof(double))
    cdef double* work
    if tabs == NULL:
        raise MemoryError()
    for k in range(N):
        u = k * om
        tabs[k] = 1.0 / u if k > 0 else 0.0
        tabs[N + k] = 1.0 / (1.0 + u * u)
        tabs[2 * N + k] = u / (1.0 + u * u)
    nb = (nk + blk - 1) // blk
    with nogil, parallel(num_threads=nt):
        work = <double*> malloc(12 * blk * sizeof(double))
        for i in prange(nb, schedule="static"):
            j0 = i * blk
            m = nk - j0
            if m > blk:
                m = blk
            _cos_block(&c1[0], &c2[0], tabs, tabs + N, tabs + 2 * N, N, a, b, &x[j0], m, vega,
                       &out[j0, 0], work)
        free(work)
    free(tabs)


def cf_coefficients(const double[::1] u, const double[::1] ih_re, const double[::1] ih_im,
                    const double[::1] iF_re, const double[::1] iF_im, double kappa_theta,
                    double V0, double T, double lam, double mu_j, double sigma_j, double a,
                    double[::1] phi_re, double[::1] phi_im, double[::1] c1, double[::1] c2):
    """Rough Heston characteristic function of log(S_T/F_T) at u, and COS coefficients.

    log phi = kappa theta int_h + V0 int_F + lam T (exp(i u mu_j - sigma_j^2 u^2 / 2) - 1)
              - i u lam m T,  m = exp(mu_j + sigma_j^2/2) - 1.
    c1[k] = Re(phi e^{-i u a}), c2[k] = Re(phi int_F e^{-i u a}) (d/dV0), k = 0 halved.
    """
    cdef Py_ssize_t N = u.shape[0], k
    cdef double m = exp(mu_j + 0.5 * sigma_j * sigma_j) - 1.0
    cdef double lr, li, jr, ji, mag, pr, pi_, er, ei
    with nogil:
        for k in range(N):
            lr = kappa_theta * ih_re[k] + V0 * iF_re[k]
            li = kappa_theta * ih_im[k] + V0 * iF_im[k]
            if lam != 0.0:
                mag = exp(-0.5 * sigma_j * sigma_j * u[k] * u[k])
                jr = mag * cos(u[k] * mu_j) - 1.0
                ji = mag * sin(u[k] * mu_j)
                lr = lr + lam * T * jr
                li = li + lam * T * ji - u[k] * lam * m * T
            mag = exp(lr)
            pr = mag * cos(li)
            pi_ = mag * sin(li)
            phi_re[k] = pr
            phi_im[k] = pi_
            er = cos(u[k] * a)
            ei = -sin(u[k] * a)
            c1[k] = pr * er - pi_ * ei
            # Re(phi * iF * e^{-iua})
            c2[k] = (pr * iF_re[k] - pi_ * iF_im[k]) * er - (pr * iF_im[k] + pi_ * iF_re[k]) * ei
        c1[0] *= 0.5
        c2[0] *= 0.5


def cheb_eval(const double[:, ::1] coef, const double[::1] x, double[:, ::1] out):
    """out[s, i] = sum_k coef[s, k] T_k(x[i]) (Clenshaw, vectorised across the points)."""
    cdef Py_ssize_t ns = coef.shape[0], M = coef.shape[1], N = x.shape[0], s, i, k
    cdef double c
    cdef double* b1 = <double*> malloc(3 * N * sizeof(double))
    cdef double* b2
    cdef double* t2
    cdef double* tmp
    if b1 == NULL:
        raise MemoryError()
    b2 = b1 + N
    t2 = b1 + 2 * N
    with nogil:
        for i in range(N):
            t2[i] = 2.0 * x[i]
        for s in range(ns):
            for i in range(N):
                b1[i] = 0.0
                b2[i] = 0.0
            for k in range(M - 1, 0, -1):
                c = coef[s, k]
                # b2 <- c + t2 b1 - b2 (the new b1; the old b1 becomes b2 by swapping)
                for i in range(N):
                    b2[i] = c + t2[i] * b1[i] - b2[i]
                tmp = b1
                b1 = b2
                b2 = tmp
            c = coef[s, 0]
            for i in range(N):
                out[s, i] = c + 0.5 * t2[i] * b1[i] - b2[i]
    free(b1 if b1 < b2 else b2)
