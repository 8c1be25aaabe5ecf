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
from cython.parallel cimport prange
from libc.math cimport cos, sin, exp, M_PI


cdef void _cos_one(const double* c1, const double* c2, Py_ssize_t N, double a, double b,
                   double x, double* out) noexcept nogil:
    cdef double d = x
    cdef double om = M_PI / (b - a)
    cdef double th, ed, ea, cr, ci, rr, ri, tmp, u, chi, psi
    cdef double s1p = 0.0, s1c = 0.0, s2p = 0.0, s2c = 0.0
    cdef Py_ssize_t k
    if d < a:
        d = a
    if d > b:
        d = b
    th = d - a
    ed = exp(d)
    ea = exp(a)
    # k = 0 (weight 1/2 already folded into c1[0], c2[0])
    psi = th
    chi = ed - ea
    s1p = c1[0] * psi
    s1c = c1[0] * chi
    s2p = c2[0] * psi
    s2c = c2[0] * chi
    rr = cos(om * th)
    ri = sin(om * th)
    cr = 1.0
    ci = 0.0
    for k in range(1, N):
        if (k & 63) == 0:
            cr = cos(k * om * th)
            ci = sin(k * om * th)
        else:
            tmp = cr * rr - ci * ri
            ci = cr * ri + ci * rr
            cr = tmp
        u = k * om
        psi = ci / u
        chi = (ed * (cr + u * ci) - ea) / (1.0 + u * u)
        s1p += c1[k] * psi
        s1c += c1[k] * chi
        s2p += c2[k] * psi
        s2c += c2[k] * chi
    out[0] = s1p
    out[1] = s1c
    out[2] = s2p
    out[3] = s2c


def cos_sums(const double[::1] c1, const double[::1] c2, double a, double b,
             const double[::1] x, double[:, ::1] out, int threads=0):
    """out[i] = (sum c1 psi, sum c1 chi, sum c2 psi, sum c2 chi) at d = clamp(x[i], a, b)."""
    cdef Py_ssize_t nk = x.shape[0], N = c1.shape[0], i
    # two threads only for a few ms of work (see _adams.riccati_batch)
    cdef int nt = threads if threads > 0 else (2 if nk * N >= 2_000_000 else 1)
    with nogil:
        for i in prange(nk, num_threads=nt, schedule="static"):
            _cos_one(&c1[0], &c2[0], N, a, b, x[i], &out[i, 0])


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
    """out[s, i] = sum_k coef[s, k] T_k(x[i]) (Clenshaw), for each series s."""
    cdef Py_ssize_t ns = coef.shape[0], M = coef.shape[1], N = x.shape[0], s, i, k
    cdef double b0, b1, b2, t2
    with nogil:
        for s in range(ns):
            for i in range(N):
                t2 = 2.0 * x[i]
                b1 = 0.0
                b2 = 0.0
                for k in range(M - 1, 0, -1):
                    b0 = coef[s, k] + t2 * b1 - b2
                    b2 = b1
                    b1 = b0
                out[s, i] = coef[s, 0] + 0.5 * t2 * b1 - b2
