# cython: language_level=3
"""Private kernel: rough Heston iVi paths reduced to path statistics (use numerics.exotics).

The step is the iVi step of numerics/_rough_heston_mc.pyx (``simulate_ivi``): per step
alpha = G_i + sum_j c_j F^j, dU ~ IG(alpha / cc, (alpha / d)^2) by Michael-Schucany-Haas,
dZ = (cc dU - alpha) / d, F^j <- (F^j + dX) / (1 + gamma_j h), dX = -kappa dU + eta dZ, and
log S += mu h - dU / 2 + rho dZ + sqrt(1 - rho^2) sqrt(dU) zb.

No path array is stored: each path keeps, over the monitoring dates t_k (every ``stride``
steps, t_0 = 0 included in the extremes, excluded from the averages),

  0 logS_T, 1 intV = sum dU, 2 min log S, 3 max log S,
  4 min (log S - beta sqrt(dU over the monitoring interval)),
  5 max (log S + beta sqrt(dU over the monitoring interval))   (Broadie-Glasserman shift,
    with the interval's own integrated variance as sigma^2 dt),
  6 sum S / S0, 7 sum log(S / S0), 8 sum (Delta log S)^2.

Normals: path block b (``PBLOCK`` paths of the first Ph = P or P/2 with antithetic) is stream
(seed, b) of numerics._rng laid out (3, n, width): planes zn, zu, zb.  Antithetic paths
Ph + p use the negated draws.  Blocks depend on P only: the numbers do not depend on the
thread count.
"""
from cython.parallel cimport parallel, prange
from libc.math cimport erfc, exp, sqrt
from libc.stdlib cimport free, malloc

from numerics._blocks cimport block_end, n_blocks
from numerics._rng cimport fill_stream, u64

PBLOCK = 64
cdef Py_ssize_t CPB = 64
cdef double INV_SQRT2 = 0.7071067811865476
NSTATS = 9


cdef struct Scheme:
    Py_ssize_t n, m, stride
    const double* G
    const double* c
    const double* inv
    double cc, d, kappa, eta, rho, mu_h, beta


cdef void _core(const Scheme* s, const double* z, Py_ssize_t w, double* F, double* acc,
                double* out, Py_ssize_t ldo) noexcept nogil:
    """Paths 0..w-1 of a block: normals z[plane * n * w + i * w + q]; F scratch (m * w), acc
    scratch (4 * w); statistics to out[k * ldo + q].  The factor sums and updates run with the
    paths innermost (contiguous, vectorisable); each path's arithmetic is in the same order as
    a path-by-path loop."""
    cdef Py_ssize_t n = s.n, m = s.m, i, j, q, nw = s.n * w
    cdef double rb = sqrt(1.0 - s.rho * s.rho), al, ap, mu, zz, qq, B, u, dU, dZ, x, dx, bg, cj, ij
    cdef double* alv = acc + 2 * w
    cdef double* dXv = acc + 3 * w
    for q in range(m * w):
        F[q] = 0.0
    for q in range(w):
        acc[q] = 0.0          # dU since the last monitoring date
        acc[w + q] = 0.0      # log S at the last monitoring date
        for j in range(9):
            out[j * ldo + q] = 0.0
    for i in range(n):
        for q in range(w):
            alv[q] = s.G[i]
        for j in range(m):
            cj = s.c[j]
            for q in range(w):
                alv[q] = alv[q] + cj * F[j * w + q]
        for q in range(w):
            al = alv[q]
            ap = al if al > 0.0 else 0.0
            mu = ap / s.cc
            zz = z[i * w + q]
            if s.d == 0.0:
                dU = mu
                dZ = sqrt(dU) * zz
            elif al > 0.0:
                qq = zz * zz * (s.d * s.d) / (s.cc * ap)
                B = 1.0 + 0.5 * qq + sqrt(qq + 0.25 * qq * qq)
                u = 0.5 * erfc(-z[nw + i * w + q] * INV_SQRT2)
                dU = mu / B if u * (B + 1.0) <= B else mu * B
                dZ = (s.cc * dU - al) / s.d
            else:
                dU = 0.0
                dZ = -al / s.d
            x = out[q] + s.mu_h - 0.5 * dU + s.rho * dZ + rb * sqrt(dU) * z[2 * nw + i * w + q]
            out[q] = x
            out[ldo + q] += dU
            acc[q] += dU
            if (i + 1) % s.stride == 0:
                dx = x - acc[w + q]
                acc[w + q] = x
                out[8 * ldo + q] += dx * dx
                if x < out[2 * ldo + q]:
                    out[2 * ldo + q] = x
                if x > out[3 * ldo + q]:
                    out[3 * ldo + q] = x
                bg = s.beta * sqrt(acc[q])
                acc[q] = 0.0
                if x - bg < out[4 * ldo + q]:
                    out[4 * ldo + q] = x - bg
                if x + bg > out[5 * ldo + q]:
                    out[5 * ldo + q] = x + bg
                out[6 * ldo + q] += exp(x)
                out[7 * ldo + q] += x
            dXv[q] = -s.kappa * dU + s.eta * dZ
        for j in range(m):
            ij = s.inv[j]
            for q in range(w):
                F[j * w + q] = (F[j * w + q] + dXv[q]) * ij


def simulate_stats(seed, const double[::1] G, const double[::1] c, const double[::1] gam, double h,
                   double cc, double d, double kappa, double eta, double rho, double mu,
                   Py_ssize_t stride, double beta, bint antithetic, double[:, ::1] out, int nthreads=1):
    """Fill out (9, P) with the path statistics listed in the module docstring; G (n,) the iVi
    drift integrals, c, gam (m,) the lift of W_1..W_n, cc = 1 + kappa W_0, d = eta W_0,
    mu = r - q (per unit time), stride = steps between monitoring dates (divides n),
    beta = the continuity-correction constant (0 for none)."""
    cdef u64 sd = int(seed)
    cdef Py_ssize_t n = G.shape[0], m = c.shape[0], P = out.shape[1], Ph, nbk, b, p0, w, r, ph, j
    cdef Scheme s
    cdef double* buf
    cdef double* inv
    if out.shape[0] != 9 or gam.shape[0] != m or m < 1 or n < 1:
        raise ValueError("exotics.simulate_stats: shapes disagree")
    if stride < 1 or n % stride:
        raise ValueError("exotics.simulate_stats: stride must divide the number of steps")
    if not cc > 0 or not d >= 0 or not h > 0:
        raise ValueError("exotics.simulate_stats: cc and h must be > 0 and d >= 0")
    if antithetic and P % 2:
        raise ValueError(f"n_paths must be even with antithetic=True, got {P}")
    inv = <double*>malloc(m * sizeof(double))
    if inv == NULL:
        raise MemoryError("exotics.simulate_stats: out of memory")
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
                    fill_stream(sd, <u64>b, buf, 3 * n * w)
                    for ph in range(2 if antithetic else 1):
                        if ph == 1:
                            for r in range(3 * n * w):
                                buf[r] = -buf[r]
                        _core(&s, buf, w, buf + 3 * n * CPB, buf + 3 * n * CPB + m * CPB,
                              &out[0, p0 + ph * Ph], P)
                free(buf)
    finally:
        free(inv)
