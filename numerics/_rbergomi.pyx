# cython: language_level=3
"""Private kernel: rBergomi variance and log-price paths (use numerics.rbergomi).

Input is the Volterra process Y (n+1, P) and its driver increments dW (n, P) from
the hybrid scheme (numerics._fbm.hybrid), plus independent normals zb (n, P):

  V_i      = xi_i exp(eta Y_i - eta^2 t_i^(2H) / 2)
  log S    : log S_{i+1} = log S_i - V_i dt / 2 + sqrt(V_i) (rho dW_i + sqrt(1 - rho^2) sqrt(dt) zb_i)
  intV     = sum_i V_i dt,    intA = sum_i sqrt(V_i) dW_i  (the mixing estimator's inputs)

Time-major layout; parallel over blocks of paths, the same arithmetic per path
whatever the thread count.
"""
from cython.parallel cimport prange
from libc.math cimport exp, sqrt

cdef Py_ssize_t PBLOCK = 64


cdef void _block(const double[:, ::1] y, const double[:, ::1] dw, const double[:, ::1] zb,
                 const double[::1] xi, const double[::1] t2h, double eta, double rho, double dt,
                 double[::1] logs_T, double[::1] intv, double[::1] inta,
                 double[:, ::1] v_out, double[:, ::1] logs_out, bint keep,
                 Py_ssize_t p0, Py_ssize_t p1) noexcept nogil:
    cdef Py_ssize_t n = dw.shape[0], i, p
    cdef double c = sqrt(1.0 - rho * rho) * sqrt(dt), h = 0.5 * dt, vi, sv, a, e2, sx, e
    for p in range(p0, p1):
        logs_T[p] = 0.0
        intv[p] = 0.0
        inta[p] = 0.0
        if keep:
            logs_out[0, p] = 0.0
    for i in range(n + 1):
        e2 = 0.25 * eta * eta * t2h[i]
        sx = sqrt(xi[i])
        for p in range(p0, p1):
            # one exp per point: sqrt(V) = sqrt(xi) exp((eta Y - eta^2 t^2H / 2) / 2)
            e = exp(0.5 * eta * y[i, p] - e2)
            sv = sx * e
            vi = sv * sv
            if keep:
                v_out[i, p] = vi
            if i < n:
                a = sv * dw[i, p]
                inta[p] += a
                intv[p] += vi * dt
                logs_T[p] += rho * a + sv * c * zb[i, p] - h * vi
                if keep:
                    logs_out[i + 1, p] = logs_T[p]


def paths(const double[:, ::1] y, const double[:, ::1] dw, const double[:, ::1] zb,
          const double[::1] xi, const double[::1] t2h, double eta, double rho, double dt,
          double[::1] logs_T, double[::1] intv, double[::1] inta,
          double[:, ::1] v_out, double[:, ::1] logs_out, int nthreads=1):
    """Fill logs_T, intv, inta (P,) and, when v_out/logs_out are (n+1, P) rather than empty,
    the variance and log-price paths."""
    cdef Py_ssize_t n = dw.shape[0], P = dw.shape[1], b, nb, p0, p1
    cdef bint keep = v_out.shape[0] > 0
    if y.shape[0] != n + 1 or y.shape[1] != P or zb.shape[0] != n or zb.shape[1] != P \
            or xi.shape[0] != n + 1 or t2h.shape[0] != n + 1 or logs_T.shape[0] != P \
            or intv.shape[0] != P or inta.shape[0] != P:
        raise ValueError("rbergomi.paths: shapes disagree")
    if keep and (v_out.shape[0] != n + 1 or v_out.shape[1] != P or logs_out.shape[0] != n + 1
                 or logs_out.shape[1] != P):
        raise ValueError("rbergomi.paths: v_out / logs_out have the wrong shape")
    nb = (P + PBLOCK - 1) // PBLOCK
    with nogil:
        for b in prange(nb, num_threads=nthreads, schedule="static"):
            p0 = b * PBLOCK
            p1 = p0 + PBLOCK
            if p1 > P:
                p1 = P
            _block(y, dw, zb, xi, t2h, eta, rho, dt, logs_T, intv, inta, v_out, logs_out, keep, p0, p1)
