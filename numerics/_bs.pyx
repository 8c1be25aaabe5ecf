# Black-Scholes kernels (private; import numerics.black_scholes instead).
#
# Normalised Black call  b(x, s) = e^{x/2} Phi(x/s + s/2) - e^{-x/2} Phi(x/s - s/2),
# x = log(F/K), s = sigma sqrt(T); price = DF sqrt(F K) b.  Out of the money (x <= 0):
#   b = 1/2 exp(-(h^2 + t^2)/2) [erfcx(-(h+t)/sqrt2) - erfcx(-(h-t)/sqrt2)],  h = x/s, t = s/2,
# so that tiny prices keep their relative accuracy; in the money by the symmetry
# b(x) = b(-x) + e^{x/2} - e^{-x/2}.
#
# Implied volatility (in the spirit of Jaeckel's "Let's be rational"): reduce to an
# out-of-the-money call, then solve on one of two objectives
#   lower  (beta <= e^{x/2}/2):  log b(s) = log beta,
#   upper  (beta >  e^{x/2}/2):  log(e^{x/2} - b(s)) = log(e^{x/2} - beta)   (exact difference),
# from a closed-form initial guess with third-order Householder steps, safeguarded by
# a bracket (both objectives are monotone in s) and bisection.
# Result codes: 0 ok, 1 price below intrinsic value, 2 price at or above the upper bound
# (the forward or the strike), 3 no convergence (not expected; reported, never hidden),
# 4 in the money with a time value below the rounding resolution of the price (the
# volatility is not determined by the price).
from cython.parallel cimport prange
from libc.math cimport exp, log, sqrt, erf, erfc, sinh, fabs, isfinite, NAN, INFINITY, M_PI
from scipy.special.cython_special cimport erfcx, ndtri

cdef double SQRT2 = 1.4142135623730951
cdef double INV_SQRT2PI = 0.3989422804014327
cdef double S_MAX = 60.0
cdef int MAX_THREADS = 64      # kernel-side cap on an OpenMP team (the public module caps at the cores)


cdef inline double _Phi(double y) noexcept nogil:
    return 0.5 * erfc(-y / SQRT2)


cdef inline double _b_otm(double x, double s) noexcept nogil:
    # x <= 0, s > 0: three forms, each keeping the relative accuracy where it is used
    #   h > -1, t < 0.15 (near the money, small s): erf form (erf(t/sqrt2) exactly at x = 0);
    #   h > -1, t < 1: e^{x/2} Phi(h + t) - e^{-x/2} Phi(h - t) (mild cancellation, < 10x);
    #   otherwise: the erfcx form (far out of the money, or large s).
    cdef double d1
    return _b_otm_d(x, s, exp(0.5 * x), sinh(0.5 * x), &d1)


cdef inline double _b_otm_d(double x, double s, double ex2, double shx, double* d1) noexcept nogil:
    # _b_otm and its s-derivative b' = exp(-(h^2 + t^2)/2)/sqrt(2 pi), sharing the exponential;
    # ex2 = e^{x/2}, shx = sinh(x/2) precomputed by the caller (x is fixed in the iteration)
    cdef double h = x / s, t = 0.5 * s
    cdef double e = exp(-0.5 * (h * h + t * t))
    d1[0] = INV_SQRT2PI * e
    if h > -1.0 and t < 1.0:
        if t < 0.15:
            return 0.5 * ex2 * (erf((h + t) / SQRT2) - erf((h - t) / SQRT2)) \
                + 2.0 * shx * _Phi(h - t)
        return 0.5 * (ex2 * erfc(-(h + t) / SQRT2) - erfc(-(h - t) / SQRT2) / ex2)
    return 0.5 * e * (erfcx(-(h + t) / SQRT2) - erfcx(-(h - t) / SQRT2))


cdef inline double _g_otm(double x, double s) noexcept nogil:
    # e^{x/2} - b(x, s) = e^{x/2} Phi(-h - t) + e^{-x/2} Phi(h - t), x <= 0
    cdef double h = x / s, t = 0.5 * s
    return exp(0.5 * x) * _Phi(-h - t) + exp(-0.5 * x) * _Phi(h - t)


cdef inline double _g_otm_d(double x, double s, double ex2, double emx2, double* d1) noexcept nogil:
    # _g_otm and its s-derivative -b'; ex2 = e^{x/2}, emx2 = e^{-x/2} precomputed
    cdef double h = x / s, t = 0.5 * s
    d1[0] = -INV_SQRT2PI * exp(-0.5 * (h * h + t * t))
    return ex2 * _Phi(-h - t) + emx2 * _Phi(h - t)


cdef inline double _bprime(double x, double s) noexcept nogil:
    cdef double h = x / s, t = 0.5 * s
    return INV_SQRT2PI * exp(-0.5 * (h * h + t * t))


cdef double _guess_lower(double x, double beta, double lb, double ex2) noexcept nogil:
    # Near the money: Corrado-Miller's formula written for the normalised price.
    # Far out of the money (|x|/s > 2): Gaussian asymptotics
    #   log b ~ -x^2/(2 s^2) - s^2/8 + log(s / sqrt(2 pi)) - log(x^2/s^2 - s^2/4),
    # seeded below the inflexion point s_c = sqrt(2|x|) and refined by two Newton steps.
    cdef double ep = ex2, em = 1.0 / ex2
    cdef double cm = beta - 0.5 * (ep - em)
    cdef double disc = cm * cm - (ep - em) * (ep - em) / M_PI
    cdef double s_cm = 2.5066282746310002 / (ep + em) * (cm + (sqrt(disc) if disc > 0.0 else 0.0))
    cdef double sc, bc, s, s2, A, G, Gp
    cdef int k
    if x == 0.0:
        return s_cm
    sc = sqrt(-2.0 * x)
    # at the inflexion point h + t = 0: b(x, s_c) = (e^{x/2} - e^{-x/2} erfc(sqrt|x|)) / 2
    bc = 0.5 * (ep - em * erfc(sqrt(-x)))
    if beta >= bc:
        return s_cm
    s = 1.0 / sqrt(1.0 / (sc * sc) + 2.0 * log(bc / beta) / (x * x))
    for k in range(2):
        A = x * x / (s * s) - 0.25 * s * s
        if not (A > 0.0):
            break
        G = -0.5 * x * x / (s * s) - 0.125 * s * s + log(s * 0.3989422804014327) - log(A) - lb
        Gp = x * x / (s * s * s) - 0.25 * s + 1.0 / s + (2.0 * x * x / (s * s * s) + 0.5 * s) / A
        s2 = s - G / Gp
        if not (s2 > 0.0 and s2 < sc):
            break
        s = s2
    if -x / s > 2.0:
        return s
    return s_cm


cdef double _iv_otm(double x, double beta, double ex2, int* code) noexcept nogil:
    """s with b(x, s) = beta for x <= 0, 0 < beta < e^{x/2} = ex2."""
    cdef double emx2 = 1.0 / ex2
    cdef double shx = sinh(0.5 * x)
    cdef bint upper = beta > 0.5 * ex2
    cdef double target, s, lo = 0.0, hi = S_MAX, y, y1, F, F1, F2, F3, nu, ds, snew
    cdef double q, p2, a, dprev = INFINITY
    cdef int it
    if upper:
        target = log(ex2 - beta)
        # e^{x/2} - b ~ (e^{x/2} + e^{-x/2}) Phi(-s/2) for large s
        s = -2.0 * ndtri((ex2 - beta) / (ex2 + 1.0 / ex2))
    else:
        target = log(beta)
        s = _guess_lower(x, beta, target, ex2)
    if not (s > 0.0) or s > S_MAX:
        s = 1.0
    for it in range(60):
        if upper:
            y = _g_otm_d(x, s, ex2, emx2, &y1)
        else:
            y = _b_otm_d(x, s, ex2, shx, &y1)
        if not (y > 0.0):
            # underflow of the objective: move towards the solution by bisection
            if upper:
                hi = s
            else:
                lo = s
            s = 0.5 * (lo + hi)
            continue
        F = log(y) - target
        if F == 0.0:
            code[0] = 0
            return s
        # bracket (log b increasing in s; log(e^{x/2} - b) decreasing)
        if (F < 0.0) != upper:
            lo = s
        else:
            hi = s
        # second and third s-derivatives of y are y1 q and y1 (q^2 + dq/ds), q = x^2/s^3 - s/4,
        # so the Householder ratios F2 = F''/F' and F3 = F'''/F' of F = log y need no division
        p2 = x * x / (s * s * s)
        q = p2 - 0.25 * s
        F1 = y1 / y
        F2 = q - F1
        F3 = q * q - 3.0 * p2 / s - 0.25 - 3.0 * q * F1 + 2.0 * F1 * F1
        if F1 == 0.0 or not isfinite(F1):
            snew = 0.5 * (lo + hi)
        else:
            nu = -F / F1
            ds = nu * (1.0 + 0.5 * F2 * nu) / (1.0 + nu * (F2 + F3 * nu / 6.0))
            if not isfinite(ds):
                ds = nu
            snew = s + ds
            if fabs(ds) <= 1e-4 * s:
                # the third-order Householder step converges quartically: after a step
                # this small the remaining error is far below one ulp
                code[0] = 0
                return snew
            if not (snew > lo and snew < hi):
                snew = s + nu
                if not (snew > lo and snew < hi):
                    snew = 0.5 * (lo + hi)
        # converged: step below 2 ulp-ish, or no longer shrinking (the objective's rounding
        # noise is reached; the iteration converges at least cubically before that)
        if fabs(snew - s) <= 2e-15 * snew or hi - lo <= 2e-15 * hi or \
                (it >= 2 and fabs(snew - s) >= 0.5 * dprev and fabs(snew - s) <= 1e-11 * snew):
            code[0] = 0
            return snew
        dprev = fabs(snew - s)
        s = snew
    code[0] = 3
    return s


cdef double _iv_one(double price, double F, double K, double T, double df, int is_call,
                    int* code) noexcept nogil:
    cdef double x = log(F / K)
    cdef double sq = sqrt(F * K)
    cdef double beta = price / (df * sq)
    cdef double theta = 1.0 if is_call else -1.0
    cdef double e = exp(0.5 * fabs(x))                      # e^{|x|/2}
    cdef double intr = (e - 1.0 / e) if x >= 0.0 else (1.0 / e - e)   # e^{x/2} - e^{-x/2}
    cdef double ub = 1.0 / e                                 # e^{-|x|/2}: the otm upper bound
    cdef double res = 2e-15 * (beta + e)                     # rounding resolution of the price
    cdef bint itm = theta * x > 0.0
    if itm:
        beta = beta - theta * intr          # in the money: remove the intrinsic value
    if x > 0.0:
        x = -x
    if itm and fabs(beta) <= res:
        code[0] = 4                         # time value below the price's rounding resolution
        return NAN
    if beta < 0.0:
        code[0] = 1
        return NAN
    if beta >= ub:
        code[0] = 2
        return NAN
    if beta == 0.0:
        code[0] = 0
        return 0.0
    return _iv_otm(x, beta, ub, code) / sqrt(T)


def implied_vol(const double[::1] price, const double[::1] F, const double[::1] K,
                const double[::1] T, const double[::1] df, const int[::1] is_call,
                double[::1] out, int[::1] code, int threads=0):
    cdef Py_ssize_t n = price.shape[0], i
    cdef int nt = threads if threads > 0 else (2 if n >= 20000 else 1)   # >= ~5 ms of work
    if nt > MAX_THREADS:      # the public wrapper refuses more; an OpenMP team of 1e5 crashes
        nt = MAX_THREADS
    with nogil:
        for i in prange(n, num_threads=nt, schedule="static"):
            out[i] = _iv_one(price[i], F[i], K[i], T[i], df[i], is_call[i], &code[i])


cdef void _price_one(double F, double K, double T, double sigma, double df, int is_call,
                     double* out) noexcept nogil:
    # out: price, dPrice/dF (undiscounted forward delta times df), d2Price/dF2, dPrice/dsigma
    cdef double x = log(F / K), s = sigma * sqrt(T), sq = sqrt(F * K), b, d1, nd1
    if s <= 0.0:
        b = exp(0.5 * x) - exp(-0.5 * x)
        if is_call:
            out[0] = df * F - df * K if F > K else 0.0
            out[1] = df if F > K else 0.0
        else:
            out[0] = df * K - df * F if K > F else 0.0
            out[1] = -df if K > F else 0.0
        out[2] = 0.0
        out[3] = 0.0
        return
    b = _b_otm(-fabs(x), s)
    # otm price; add intrinsic where in the money
    if is_call:
        out[0] = df * sq * b + (df * (F - K) if x > 0.0 else 0.0)
    else:
        out[0] = df * sq * b + (df * (K - F) if x < 0.0 else 0.0)
    d1 = x / s + 0.5 * s
    nd1 = INV_SQRT2PI * exp(-0.5 * d1 * d1)
    out[1] = df * (_Phi(d1) if is_call else -_Phi(-d1))
    out[2] = df * nd1 / (F * s)
    out[3] = df * F * nd1 * sqrt(T)


def price_greeks(const double[::1] F, const double[::1] K, const double[::1] T,
                 const double[::1] sigma, const double[::1] df, const int[::1] is_call,
                 double[:, ::1] out, int threads=0):
    cdef Py_ssize_t n = F.shape[0], i
    cdef int nt = threads if threads > 0 else (2 if n >= 50000 else 1)
    if nt > MAX_THREADS:
        nt = MAX_THREADS
    with nogil:
        for i in prange(n, num_threads=nt, schedule="static"):
            _price_one(F[i], K[i], T[i], sigma[i], df[i], is_call[i], &out[i, 0])

