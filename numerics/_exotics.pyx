# cython: language_level=3
"""Private kernel: rough Heston iVi paths reduced to path statistics (use numerics.exotics).

The one implementation of the iVi step of numerics.rough_heston_mc (its ``simulate``,
``european`` and ``simulate_ivi_from_normals`` call it too), in the vectorised C core
numerics/src/exotics_core.h: per step
alpha = G_i + sum_j c_j F^j, dU ~ IG(alpha / cc, (alpha / d)^2) by Michael-Schucany-Haas,
dZ = (cc dU - alpha) / d, F^j <- (F^j + dX) / (1 + gamma_j h), dX = -kappa dU + eta dZ, and
log S += mu h - dU / 2 + rho dM + sqrt(1 - rho^2) sqrt(dU) zb (dM the martingale part of dZ).
``simulate_stats`` draws its own normals and uniforms block by block; ``simulate_draws`` takes
them from the caller.

No path array is stored: each path keeps, over the monitoring dates t_k (every ``stride``
steps, t_0 = 0 included in the extremes, excluded from the averages),

  0 logS_T, 1 intV = sum dU, 2 min log S, 3 max log S,
  4 min (log S - beta sqrt(dU over the monitoring interval)),
  5 max (log S + beta sqrt(dU over the monitoring interval))   (Broadie-Glasserman shift,
    with the interval's own integrated variance as sigma^2 dt),
  6 sum S / S0, 7 sum log(S / S0), 8 sum (Delta log S)^2, 9 the number of steps with
  alpha <= 0 (dU = 0 there: the scheme's one truncation, a bias diagnostic), 10 intA = sum dM
  (the martingale part of dZ, for the mixing estimator of numerics.rough_heston_mc).

Draws: path block b (``PBLOCK`` paths of the first Ph = P or P/2 with antithetic) is stream
(seed, b) of numerics._rng (``fill_stream_nu``): 2 n width normals laid out (2, n, width),
planes zn, zb, then n width uniforms (n, width) for the Michael-Schucany-Haas choice (a
uniform drawn as such: pushing a normal through erfc cost more).  Antithetic paths Ph + p use
the negated normals and the uniforms 1 - u.  Blocks depend on P only: the numbers do not depend on the
thread count.
"""
from cython.parallel cimport parallel, prange
from libc.stdlib cimport free, malloc

from numerics._blocks cimport block_end, n_blocks
from numerics._rng cimport fill_stream_nu, u64

PBLOCK = 64
cdef Py_ssize_t CPB = 64
NSTATS = 11


cdef extern from "src/exotics_core.h" nogil:
    ctypedef struct ex_scheme:
        Py_ssize_t n, m, stride
        const double* G
        const double* c
        const double* inv
        double cc, d, kappa, eta, rho, mu_h, beta
        int need
    void ex_core(const ex_scheme* s, const double* zn, const double* zb, const double* uu, Py_ssize_t ldz,
                 Py_ssize_t w, double* F, double* acc, double* out, Py_ssize_t ldo)


cdef double* _setup(ex_scheme* s, const double[::1] G, const double[::1] c, const double[::1] gam, double h,
                    double cc, double d, double kappa, double eta, double rho, double mu, Py_ssize_t stride,
                    double beta, int need, Py_ssize_t nstats, str who) except NULL:
    """Check the scheme's numbers and fill ``s``; returns the malloc'd 1 / (1 + gam_j h) (free it)."""
    cdef Py_ssize_t n = G.shape[0], m = c.shape[0], j
    cdef double* inv
    if nstats != 11 or gam.shape[0] != m or m < 1 or n < 1:
        raise ValueError(f"{who}: shapes disagree")
    if stride < 1 or n % stride:
        raise ValueError(f"{who}: stride must divide the number of steps")
    if not cc > 0 or not d >= 0 or not h > 0:
        raise ValueError(f"{who}: cc and h must be > 0 and d >= 0")
    if not 0 <= need <= 7:
        raise ValueError(f"{who}: need must be in [0, 7], got {need}")
    inv = <double*>malloc(m * sizeof(double))
    if inv == NULL:
        raise MemoryError(f"{who}: out of memory")
    for j in range(m):
        inv[j] = 1.0 / (1.0 + gam[j] * h)
    s.n = n
    s.m = m
    s.stride = stride
    s.G = &G[0]
    s.c = &c[0]
    s.inv = inv
    s.cc = cc
    s.d = d
    s.kappa = kappa
    s.eta = eta
    s.rho = rho
    s.mu_h = mu * h
    s.beta = beta
    s.need = need
    return inv


def simulate_stats(seed, const double[::1] G, const double[::1] c, const double[::1] gam, double h,
                   double cc, double d, double kappa, double eta, double rho, double mu,
                   Py_ssize_t stride, double beta, bint antithetic, double[:, ::1] out, int nthreads=1,
                   int need=7):
    """Fill out (11, P) with the path statistics listed in the module docstring; G (n,) the iVi
    drift integrals, c, gam (m,) the lift of W_1..W_n, cc = 1 + kappa W_0, d = eta W_0,
    mu = r - q (per unit time), stride = steps between monitoring dates (divides n),
    beta = the continuity-correction constant (0 for none), need = the statistics kept beside
    0 and 1 (bits: 1 extremes 2..5, 2 sums 6..7, 4 realised variance 8; the rows not asked
    stay 0)."""
    cdef u64 sd = int(seed)
    cdef Py_ssize_t n = G.shape[0], m = c.shape[0], P = out.shape[1], Ph, nbk, b, p0, w, r, ph
    cdef ex_scheme s
    cdef double* buf
    cdef double* inv
    if antithetic and P % 2:
        raise ValueError(f"n_paths must be even with antithetic=True, got {P}")
    inv = _setup(&s, G, c, gam, h, cc, d, kappa, eta, rho, mu, stride, beta, need, out.shape[0],
                 "exotics.simulate_stats")
    Ph = P // 2 if antithetic else P
    nbk = n_blocks(Ph, CPB)
    try:
        with nogil, parallel(num_threads=nthreads if nbk > 1 else 1):
            buf = <double*>malloc((3 * n * CPB + (m + 4) * CPB) * sizeof(double))
            if buf == NULL:
                with gil:
                    raise MemoryError("exotics.simulate_stats: could not allocate the per-thread buffer")
            else:
                for b in prange(nbk, schedule="static"):
                    p0 = b * CPB
                    w = block_end(b, CPB, Ph) - p0
                    fill_stream_nu(sd, <u64>b, buf, 2 * n * w, n * w)
                    for ph in range(2 if antithetic else 1):
                        if ph == 1:
                            for r in range(2 * n * w):
                                buf[r] = -buf[r]
                            for r in range(2 * n * w, 3 * n * w):
                                buf[r] = 1.0 - buf[r]
                        ex_core(&s, buf, buf + n * w, buf + 2 * n * w, w, w, buf + 3 * n * CPB,
                                buf + 3 * n * CPB + m * CPB, &out[0, p0 + ph * Ph], P)
                free(buf)
    finally:
        free(inv)


def simulate_draws(const double[:, ::1] zn, const double[:, ::1] zb, const double[:, ::1] uu,
                   const double[::1] G, const double[::1] c, const double[::1] gam, double h, double cc,
                   double d, double kappa, double eta, double rho, double[:, ::1] out, int nthreads=1):
    """The same step on caller-given draws: zn, zb (n, P) normals, uu (n, P) uniforms of the
    Michael-Schucany-Haas choice; out (11, P) as ``simulate_stats`` with one monitoring date
    (T), no drift, no statistics beyond rows 0, 1, 9, 10."""
    cdef Py_ssize_t n = G.shape[0], m = c.shape[0], P = out.shape[1], b, p0, w
    cdef ex_scheme s
    cdef double* buf
    cdef double* inv
    if zn.shape[0] != n or zb.shape[0] != n or uu.shape[0] != n or zb.shape[1] != zn.shape[1] \
            or uu.shape[1] != zn.shape[1] or zn.shape[1] != P:
        raise ValueError("exotics.simulate_draws: shapes disagree")
    inv = _setup(&s, G, c, gam, h, cc, d, kappa, eta, rho, 0.0, n, 0.0, 0, out.shape[0], "exotics.simulate_draws")
    try:
        with nogil, parallel(num_threads=nthreads if P > CPB else 1):
            buf = <double*>malloc((m + 4) * CPB * sizeof(double))
            if buf == NULL:
                with gil:
                    raise MemoryError("exotics.simulate_draws: could not allocate the per-thread buffer")
            else:
                for b in prange(n_blocks(P, CPB), schedule="static"):
                    p0 = b * CPB
                    w = block_end(b, CPB, P) - p0
                    ex_core(&s, &zn[0, p0], &zb[0, p0], &uu[0, p0], P, w, buf, buf + m * CPB, &out[0, p0], P)
                free(buf)
    finally:
        free(inv)
