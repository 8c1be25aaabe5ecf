# cython: language_level=3
"""Private kernel: rough Heston Monte Carlo by a multi-factor Markovian lift (use numerics.rough_heston_mc).

The fractional kernel t^(alpha-1)/Gamma(alpha) is replaced by sum_j c_j exp(-gamma_j t), so

  V_t = V0 + sum_j c_j U^j_t,  dU^j = (-gamma_j U^j + kappa (theta - V)) dt + eta sqrt(V) dW,  U^j_0 = 0,

stepped semi-implicitly in the mean reversion (stable for stiff gamma_j h) with V
truncated at 0 in the drift and diffusion ("full truncation"):

  U^j_{k+1} = (U^j_k + kappa (theta - V_k^+) h + eta sqrt(V_k^+) dW_k) / (1 + gamma_j h)
  log S_{k+1} = log S_k - V_k^+ h / 2 + sqrt(V_k^+) (rho dW_k + sqrt(1 - rho^2) dB_k)

With ``zi`` non-empty the most recent step is treated exactly (hybrid scheme, kappa = 1):
the lift's weight w1 = sum_j c_j / (1 + gamma_j h) on the latest increment is replaced by the
exact Gaussian I = int_{t_k}^{t_{k+1}} K(t_{k+1} - s) dW_s, drawn jointly with dW_k
(I = a1 zw + a2 zi), so that

  V_{k+1} = V0 + sum_j c_j U^j_{k+1} + eta sqrt(V_k^+) (I - w1 dW_k).

Outputs per path: log S_T, intV = sum V_k^+ h, intA = sum sqrt(V_k^+) dW_k and, when
requested, V on the grid.

The integrated-variance scheme ("ivi") runs in the fused kernel of numerics/_exotics.pyx
(numerics/src/exotics_core.h), for drawn and for given normals alike.  Parallel over blocks of
paths; each path's arithmetic is the same whatever the thread count.
"""
from cython.parallel cimport prange

from numerics._blocks cimport block_end, n_blocks
from libc.math cimport sqrt
from libc.stdlib cimport malloc, free

cdef Py_ssize_t PBLOCK = 32


cdef int _block(const double[:, ::1] zw, const double[:, ::1] zb, const double[:, ::1] zi,
                double a1, double a2, const double[::1] c, const double[::1] gam, double V0, double kappa, double theta, double eta,
                double rho, double h, double[::1] logs_T, double[::1] intv, double[::1] inta,
                double[:, ::1] v_out, bint keep, Py_ssize_t p0, Py_ssize_t p1) noexcept nogil:
    cdef Py_ssize_t n = zw.shape[0], m = c.shape[0], nb = p1 - p0, i, j, q
    cdef double sh = sqrt(h), rb = sqrt(1.0 - rho * rho), vp, sv, dw, drift, vol, w1 = 0.0
    cdef bint hyb = zi.shape[0] > 0
    cdef double* U = <double*>malloc(m * nb * sizeof(double))
    cdef double* V = <double*>malloc(nb * sizeof(double))
    cdef double* inv = <double*>malloc(m * sizeof(double))
    if U == NULL or V == NULL or inv == NULL:
        free(U); free(V); free(inv)
        return 1
    for j in range(m):
        inv[j] = 1.0 / (1.0 + gam[j] * h)
        w1 += c[j] * inv[j]
    for q in range(nb * m):
        U[q] = 0.0
    for q in range(nb):
        V[q] = V0
        logs_T[p0 + q] = 0.0
        intv[p0 + q] = 0.0
        inta[p0 + q] = 0.0
        if keep:
            v_out[0, p0 + q] = V0
    for i in range(n):
        for q in range(nb):
            vp = V[q] if V[q] > 0.0 else 0.0
            sv = sqrt(vp)
            dw = sh * zw[i, p0 + q]
            logs_T[p0 + q] += sv * (rho * dw + rb * sh * zb[i, p0 + q]) - 0.5 * vp * h
            intv[p0 + q] += vp * h
            inta[p0 + q] += sv * dw
            drift = kappa * (theta - vp) * h
            vol = eta * sv * dw
            V[q] = V0
            for j in range(m):
                U[j * nb + q] = (U[j * nb + q] + drift + vol) * inv[j]
                V[q] += c[j] * U[j * nb + q]
            if hyb:
                V[q] += eta * sv * (a1 * zw[i, p0 + q] + a2 * zi[i, p0 + q] - w1 * dw)
            if keep:
                v_out[i + 1, p0 + q] = V[q]
    free(U); free(V); free(inv)
    return 0


def simulate(const double[:, ::1] zw, const double[:, ::1] zb, const double[:, ::1] zi, double a1,
             double a2, const double[::1] c, const double[::1] gam, double V0, double kappa, double theta, double eta, double rho,
             double h, double[::1] logs_T, double[::1] intv, double[::1] inta, double[:, ::1] v_out,
             int nthreads=1):
    """zw, zb: (n, P) standard normals; zi: (n, P) for the hybrid step or (0, 0) for plain Euler;
    c, gam: (m,) lift weights and speeds."""
    cdef Py_ssize_t n = zw.shape[0], P = zw.shape[1], b
    cdef bint keep = v_out.shape[0] > 0
    cdef int bad = 0
    if zb.shape[0] != n or zb.shape[1] != P or c.shape[0] != gam.shape[0] or c.shape[0] < 1 \
            or logs_T.shape[0] != P or intv.shape[0] != P or inta.shape[0] != P:
        raise ValueError("rough_heston_mc.simulate: shapes disagree")
    if zi.shape[0] > 0 and (zi.shape[0] != n or zi.shape[1] != P):
        raise ValueError("rough_heston_mc.simulate: zi has the wrong shape")
    if keep and (v_out.shape[0] != n + 1 or v_out.shape[1] != P):
        raise ValueError("rough_heston_mc.simulate: v_out has the wrong shape")
    with nogil:
        for b in prange(n_blocks(P, PBLOCK), num_threads=nthreads, schedule="static"):
            bad += _block(zw, zb, zi, a1, a2, c, gam, V0, kappa, theta, eta, rho, h, logs_T, intv, inta,
                          v_out, keep, b * PBLOCK, block_end(b, PBLOCK, P))
    if bad:
        raise MemoryError("rough_heston_mc.simulate: could not allocate the factor states")
