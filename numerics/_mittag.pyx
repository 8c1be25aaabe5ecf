# Mittag-Leffler kernel (private; import numerics.mittag_leffler instead).
#
# E_{a,b}(z) = sum_k z^k / Gamma(a k + b),  0 < a <= 1,  0 < b <= 3,  z complex.
# Three regimes, chosen per z:
#  * power series where it does not cancel (|z| <= 1, or z real and >= 0);
#  * the asymptotic expansion where |z|^(1/a) >= R_ASYM (truncation error ~ e^{-R_ASYM}):
#      E = (1/a) sum_{poles} s_j^(1-b) e^{s_j} - sum_{k>=1} z^(-k) / Gamma(b - a k),
#      s_j = |z|^(1/a) e^{i (arg z + 2 pi j)/a},  |arg z + 2 pi j| <= a pi;
#  * otherwise the Laplace inversion on a Hankel contour made of the two rays
#    arg s = +/- phi (phi chosen away from the poles), by double-exponential (exp-sinh)
#    quadrature, plus the residues (1/a) s_j^(1-b) e^{s_j} of the poles inside it:
#      E = sum_res + (1/(2 pi i)) int_0^inf [G(r e^{i phi}) e^{i phi} - G(r e^{-i phi}) e^{-i phi}] dr,
#      G(s) = e^s s^(a-b) / (s^a - z).
#    For b > a + 1/2 (integrand r^(a-b) too singular at 0) the recurrence
#      E_{a,b}(z) = (E_{a,b-a}(z) - 1/Gamma(b-a)) / z  is applied first.
from cython.parallel cimport prange
from libc.math cimport lgamma, tgamma, exp, log, fabs, sqrt, M_PI, cos, sin, sinh, cosh, floor, atan2, pow
from libc.stdlib cimport malloc, free

cdef extern from "complex.h" nogil:
    double complex cexp(double complex)
    double complex clog(double complex)
    double cabs(double complex)
    double carg(double complex)

cdef double R_ASYM = 40.0
cdef double DE_H = 1.0 / 40.0
cdef int DE_N = 200          # tau in [-6, 5] (nodes -6/h .. 5/h)
cdef int DE_NLO = 240


cdef inline double _rgamma(double x) noexcept nogil:
    # 1/Gamma(x), zero at the poles; reflection for negative x
    if x <= 0.0 and x == floor(x):
        return 0.0
    if x > 170.0:
        return 0.0
    if x < -100.0:
        return sin(M_PI * x) * exp(lgamma(1.0 - x)) / M_PI
    return 1.0 / tgamma(x)


cdef double complex _series(double a, double b, double complex z) noexcept nogil:
    # terms |z|^k / Gamma(a k + b) e^{i k arg z}, formed in logs (a k + b > 0 here)
    cdef double complex s = 0.0
    cdef double az = cabs(z), lz, t, tprev = -1e300, th
    cdef int k
    if az == 0.0:
        return _rgamma(b)
    lz = log(az)
    th = carg(z)
    for k in range(200000):
        t = k * lz - lgamma(a * k + b)
        s = s + exp(t) * (cos(k * th) + 1j * sin(k * th))
        if t < tprev and cabs(s) > 0.0 and t < log(cabs(s)) - 38.0:
            break
        tprev = t
    return s


cdef double complex _poles_sum(double a, double b, double complex z, double phi_lim,
                               int inclusive) noexcept nogil:
    # (1/a) sum s_j^(1-b) e^{s_j} over poles with |arg s_j| < phi_lim (<= if inclusive)
    cdef double r = pow(cabs(z), 1.0 / a)
    cdef double th = carg(z), ang
    cdef double complex acc = 0.0, s
    cdef int j
    for j in range(-8, 9):
        ang = (th + 2.0 * M_PI * j) / a
        if fabs(ang) < phi_lim or (inclusive and fabs(ang) <= phi_lim + 1e-14):
            s = r * (cos(ang) + 1j * sin(ang))
            acc = acc + cexp((1.0 - b) * (log(r) + 1j * ang) + s) / a
    return acc


cdef double complex _asymptotic(double a, double b, double complex z) noexcept nogil:
    # the algebraic series is summed up to its smallest term, which sits near
    # k = |z|^(1/a) / a; 1/Gamma(b - a k) has zeros, so the envelope, not the last term,
    # decides when to stop
    cdef double complex acc = _poles_sum(a, b, z, M_PI, 1)
    cdef double complex zinv = 1.0 / z, p = 1.0, term
    cdef double kstar = pow(cabs(z), 1.0 / a) / a, mag
    cdef int k, small = 0
    for k in range(1, 160):
        if k > kstar:
            break
        p = p * zinv
        term = p * _rgamma(b - a * k)
        acc = acc - term
        mag = cabs(term)
        if mag < 1e-18 * cabs(acc) and cabs(acc) > 0.0:
            small += 1
            if small >= 2:
                break
        else:
            small = 0
    return acc


cdef double complex _hankel(double a, double b, double complex z) noexcept nogil:
    cdef double r = pow(cabs(z), 1.0 / a)
    cdef double th = carg(z)
    cdef double phi, best_phi = 0.75 * M_PI, best_score = -1.0, gap, ang, cand, score
    cdef int j, c
    cdef double complex acc = 0.0, s, e1, e2, g1, g2, ez
    cdef double tau, rr, w, lr, rmax
    # choose phi in [0.6 pi, 0.95 pi]: the largest angle (fastest decay of e^s along the
    # rays) that keeps a gap of 0.08 pi to every pole argument; else the largest gap
    best_gap = -1.0
    best_phi = -1.0
    for c in range(8):
        cand = (0.95 - 0.05 * c) * M_PI
        gap = 10.0
        for j in range(-8, 9):
            ang = fabs((th + 2.0 * M_PI * j) / a)
            if fabs(ang - cand) < gap:
                gap = fabs(ang - cand)
        if gap >= 0.08 * M_PI:
            best_phi = cand
            break
        if gap > best_gap:
            best_gap = gap
            score = cand
    if best_phi < 0.0:
        best_phi = score
    phi = best_phi
    rmax = log(50.0 / fabs(cos(phi)) + 1.0)     # e^{r cos phi} < e^{-50} beyond
    e1 = cos(phi) + 1j * sin(phi)
    e2 = cos(phi) - 1j * sin(phi)
    # exp-sinh substitution r = exp(pi/2 sinh tau), dr = r pi/2 cosh tau dtau
    for j in range(-DE_NLO, DE_N + 1):
        tau = j * DE_H
        lr = 0.5 * M_PI * sinh(tau)
        if lr > rmax:
            continue
        rr = exp(lr)
        w = DE_H * rr * 0.5 * M_PI * cosh(tau)
        # G(r e^{i phi}) e^{i phi}
        s = rr * e1
        g1 = cexp(s + (a - b) * (lr + 1j * phi)) / (cexp(a * (lr + 1j * phi)) - z) * e1
        s = rr * e2
        g2 = cexp(s + (a - b) * (lr - 1j * phi)) / (cexp(a * (lr - 1j * phi)) - z) * e2
        acc = acc + w * (g1 - g2)
    acc = acc / (2.0j * M_PI)
    return acc + _poles_sum(a, b, z, phi, 0)


cdef double complex _ml(double a, double b, double complex z) noexcept nogil:
    cdef double az = cabs(z)
    if a == 1.0 and b == 1.0:
        return cexp(z)
    if a == 1.0 and b == 2.0 and az > 1.0:
        return (cexp(z) - 1.0) / z
    if az <= 1.0:
        return _series(a, b, z)
    if pow(az, 1.0 / a) >= R_ASYM:
        return _asymptotic(a, b, z)
    if z.imag == 0.0 and z.real >= 0.0:
        return _series(a, b, z)
    if b > a + 0.5:
        return (_ml(a, b - a, z) - _rgamma(b - a)) / z
    return _hankel(a, b, z)


def ml_array(double a, double b, const double[::1] zr, const double[::1] zi,
             double[::1] outr, double[::1] outi, int threads=0):
    """E_{a,b}(z) for z = zr + i zi, written into outr/outi."""
    cdef Py_ssize_t n = zr.shape[0], i
    cdef double complex v
    cdef int nt = threads if threads > 0 else (2 if n >= 256 else 1)
    with nogil:
        for i in prange(n, num_threads=nt, schedule="dynamic"):
            v = _ml(a, b, zr[i] + 1j * zi[i])
            outr[i] = v.real
            outi[i] = v.imag
