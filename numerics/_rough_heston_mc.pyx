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

``simulate_ivi``: the integrated-variance scheme of numerics.rough_heston_mc ("ivi"): per step
alpha = G_i + sum_j c_j F^j, dU ~ IG(alpha / cc, (alpha / d)^2) (0 if alpha <= 0),
dZ = (cc dU - alpha) / d, and the factors F^j <- (F^j + dX) / (1 + gamma_j h), dX = -kappa dU + eta dZ.  Parallel over blocks of paths; each path's arithmetic is the
same whatever the thread count.
"""
from cython.parallel cimport prange

from numerics._blocks cimport block_end, n_blocks
from libc.math cimport erfc, sqrt
from libc.stdlib cimport malloc, free

cdef Py_ssize_t PBLOCK = 32
cdef double INV_SQRT2 = 0.7071067811865476


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


# ---------------------------------------------------------------- iVi (integrated variance)

cdef int _block_ivi(const double[:, ::1] zn, const double[:, ::1] zu, const double[:, ::1] zb,
                    const double[::1] G, const double[::1] c, const double[::1] gam, double cc, double d,
                    double kappa, double eta, double rho, double h, double[::1] logs_T, double[::1] intv,
                    double[::1] inta, Py_ssize_t p0, Py_ssize_t p1) noexcept nogil:
    """Paths p0..p1-1 of the iVi scheme (see ``simulate_ivi``)."""
    cdef Py_ssize_t n = zn.shape[0], m = c.shape[0], nb = p1 - p0, i, j, q
    cdef double rb = sqrt(1.0 - rho * rho), al, ap, mu, z, qq, B, u, dU, dZ, dX, dM
    cdef double* F = <double*>malloc(m * nb * sizeof(double))
    cdef double* inv = <double*>malloc(m * sizeof(double))
    if F == NULL or inv == NULL:
        free(F); free(inv)
        return 1
    for j in range(m):
        inv[j] = 1.0 / (1.0 + gam[j] * h)
    for q in range(nb * m):
        F[q] = 0.0
    for q in range(nb):
        logs_T[p0 + q] = 0.0
        intv[p0 + q] = 0.0
        inta[p0 + q] = 0.0
    for i in range(n):
        for q in range(nb):
            al = G[i]
            for j in range(m):
                al = al + c[j] * F[j * nb + q]
            ap = al if al > 0.0 else 0.0
            mu = ap / cc
            z = zn[i, p0 + q]
            if d == 0.0:
                dU = mu
                dZ = sqrt(dU) * z
            elif al > 0.0:
                # dU ~ IG(mu, (al / d)^2) by Michael-Schucany-Haas, cancellation-free
                qq = z * z * (d * d) / (cc * ap)
                B = 1.0 + 0.5 * qq + sqrt(qq + 0.25 * qq * qq)
                u = 0.5 * erfc(-zu[i, p0 + q] * INV_SQRT2)
                dU = mu / B if u * (B + 1.0) <= B else mu * B
                dZ = (cc * dU - al) / d
            else:
                dU = 0.0
                dZ = (cc * dU - al) / d
            # the price sees the martingale part of dZ only: a step with alpha <= 0 has no
            # quadratic variation (dU = 0), its dZ = -alpha / d is a push that keeps the
            # variance equation, and letting it into log S broke E S_T = S_0 (-10 SE at H = 1/2)
            dM = dZ if al > 0.0 or d == 0.0 else 0.0
            logs_T[p0 + q] += -0.5 * dU + rho * dM + rb * sqrt(dU) * zb[i, p0 + q]
            intv[p0 + q] += dU
            inta[p0 + q] += dM
            dX = -kappa * dU + eta * dZ
            for j in range(m):
                F[j * nb + q] = (F[j * nb + q] + dX) * inv[j]
    free(F); free(inv)
    return 0


def simulate_ivi(const double[:, ::1] zn, const double[:, ::1] zu, const double[:, ::1] zb,
                 const double[::1] G, const double[::1] c, const double[::1] gam, double cc, double d,
                 double kappa, double eta, double rho, double h, double[::1] logs_T, double[::1] intv,
                 double[::1] inta, int nthreads=1):
    """Integrated-variance (iVi) scheme: zn, zu, zb (n, P) standard normals (the inverse-Gaussian
    draw, its acceptance uniform Phi(zu), the independent price driver); G (n,) the drift
    integrals; c, gam the lift of the weights W_1..W_n; cc = 1 + kappa W_0, d = eta W_0.
    Fills logS_T, intV = sum dU, intA = sum dZ (P,)."""
    cdef Py_ssize_t n = zn.shape[0], P = zn.shape[1], b
    cdef int bad = 0
    if zu.shape[0] != n or zu.shape[1] != P or zb.shape[0] != n or zb.shape[1] != P or G.shape[0] != n \
            or c.shape[0] != gam.shape[0] or c.shape[0] < 1 or logs_T.shape[0] != P or intv.shape[0] != P \
            or inta.shape[0] != P:
        raise ValueError("rough_heston_mc.simulate_ivi: shapes disagree")
    if not cc > 0 or not d >= 0:
        raise ValueError("rough_heston_mc.simulate_ivi: cc must be > 0 and d >= 0")
    with nogil:
        for b in prange(n_blocks(P, PBLOCK), num_threads=nthreads, schedule="static"):
            bad += _block_ivi(zn, zu, zb, G, c, gam, cc, d, kappa, eta, rho, h, logs_T, intv, inta,
                              b * PBLOCK, block_end(b, PBLOCK, P))
    if bad:
        raise MemoryError("rough_heston_mc.simulate_ivi: could not allocate the factor states")
