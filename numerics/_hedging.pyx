# cython: language_level=3
"""Private kernel: delta-hedging P&L along simulated price paths (use numerics.hedging).

S is time-major (n+1, P) on t_i = i T / n; the hedge is rebalanced at the N = n / stride
dates t_{j stride}.  For each path, with zero rates:

  P&L = premium - max(S_T - K, 0) + sum_j Delta_j (S_{(j+1) stride} - S_{j stride})

Delta_j is the Black-Scholes call delta N(d1) at the date's spot and time to maturity,
with either one hedge volatility (sigma) or a per-path, per-time volatility (vol (n+1, P)),
or is read by linear interpolation from a table (N, nx) of deltas on a uniform grid of
x = log(S / K) (e.g. Heston deltas), clamped to the table's end values outside it, or by
bilinear interpolation from a table (N * nv, nx) on the grid of x and of a state variable
(e.g. Heston deltas at the path's spot variance, passed in ``vol``), rows j * nv + iv.
The normal CDF is evaluated in C (erfc); paths are split into blocks run in parallel.
"""
from cython.parallel cimport prange

from numerics._blocks cimport block_end, n_blocks
from libc.math cimport erfc, log, sqrt, floor

cdef Py_ssize_t PBLOCK = 64
cdef double INV_SQRT2 = 0.7071067811865476


cdef inline double norm_cdf(double x) noexcept nogil:
    return 0.5 * erfc(-x * INV_SQRT2)


cdef inline double bs_delta(double S, double K, double sig, double tau) noexcept nogil:
    cdef double s = sig * sqrt(tau)
    if s <= 0.0:
        return 1.0 if S > K else (0.5 if S == K else 0.0)
    return norm_cdf(log(S / K) / s + 0.5 * s)


cdef inline double table_delta(const double[:, ::1] tab, Py_ssize_t j, double x, double x0,
                               double dx) noexcept nogil:
    cdef Py_ssize_t nx = tab.shape[1], m
    cdef double u = (x - x0) / dx, w
    if u <= 0.0:
        return tab[j, 0]
    if u >= nx - 1:
        return tab[j, nx - 1]
    m = <Py_ssize_t>floor(u)
    w = u - m
    return (1.0 - w) * tab[j, m] + w * tab[j, m + 1]


cdef inline double table_delta2(const double[:, ::1] tab, Py_ssize_t j, Py_ssize_t nv, double x,
                                double x0, double dx, double s, double s0, double ds) noexcept nogil:
    cdef double u = (s - s0) / ds, w
    cdef Py_ssize_t m
    if u <= 0.0:
        return table_delta(tab, j * nv, x, x0, dx)
    if u >= nv - 1:
        return table_delta(tab, j * nv + nv - 1, x, x0, dx)
    m = <Py_ssize_t>floor(u)
    w = u - m
    return (1.0 - w) * table_delta(tab, j * nv + m, x, x0, dx) + w * table_delta(tab, j * nv + m + 1, x, x0, dx)


cdef void _block(const double[:, ::1] S, const double[:, ::1] vol, double sigma, Py_ssize_t stride,
                 double K, double T, double premium, const double[:, ::1] tab, double x0, double dx,
                 Py_ssize_t nv, double s0g, double dsg,
                 int mode, double[::1] pnl, Py_ssize_t p0, Py_ssize_t p1) noexcept nogil:
    cdef Py_ssize_t n = S.shape[0] - 1, N = n // stride, j, p, i0, i1
    cdef double dt = T / n, tau, d, s0, payoff
    for p in range(p0, p1):
        pnl[p] = premium
    for j in range(N):
        i0 = j * stride
        i1 = i0 + stride
        tau = T - i0 * dt
        for p in range(p0, p1):
            s0 = S[i0, p]
            if mode == 0:
                d = bs_delta(s0, K, sigma, tau)
            elif mode == 1:
                d = bs_delta(s0, K, vol[i0, p], tau)
            elif mode == 2:
                d = table_delta(tab, j, log(s0 / K), x0, dx)
            else:
                d = table_delta2(tab, j, nv, log(s0 / K), x0, dx, vol[i0, p], s0g, dsg)
            pnl[p] += d * (S[i1, p] - s0)
    for p in range(p0, p1):
        payoff = S[n, p] - K
        if payoff > 0.0:
            pnl[p] -= payoff


def hedge_pnl(const double[:, ::1] S, const double[:, ::1] vol, double sigma, Py_ssize_t stride,
              double K, double T, double premium, const double[:, ::1] table, double x0, double dx,
              double[::1] pnl, int nthreads=1, Py_ssize_t nv=0, double s0g=0.0, double dsg=1.0):
    """Fill pnl (P,).  Delta mode: a (x, state) table if table is non-empty and nv > 0 (state
    from vol), a table in x if table is non-empty, else per-path vol if vol is non-empty,
    else the constant sigma."""
    cdef Py_ssize_t n = S.shape[0] - 1, P = S.shape[1], b
    cdef int mode = (3 if nv > 0 else 2) if table.shape[0] > 0 else (1 if vol.shape[0] > 0 else 0)
    if stride < 1 or n % stride != 0:
        raise ValueError(f"stride must divide the number of steps {n}, got {stride}")
    if pnl.shape[0] != P:
        raise ValueError("pnl must have one entry per path")
    if (mode == 1 or mode == 3) and (vol.shape[0] != n + 1 or vol.shape[1] != P):
        raise ValueError("vol must have the shape of S")
    if mode == 3 and (table.shape[0] != (n // stride) * nv or table.shape[1] < 2 or nv < 2
                      or not dx > 0 or not dsg > 0):
        raise ValueError("table must have nv >= 2 rows per rebalancing date and >= 2 columns")
    if mode == 2 and (table.shape[0] != n // stride or table.shape[1] < 2 or not dx > 0):
        raise ValueError("table must have one row per rebalancing date and >= 2 columns, dx > 0")
    with nogil:
        for b in prange(n_blocks(P, PBLOCK), num_threads=nthreads, schedule="static"):
            _block(S, vol, sigma, stride, K, T, premium, table, x0, dx, nv, s0g, dsg, mode, pnl,
                   b * PBLOCK, block_end(b, PBLOCK, P))
