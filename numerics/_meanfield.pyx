# cython: language_level=3
"""Private kernel: mean-reverting McKean-Vlasov particles by Euler-Maruyama (use numerics.meanfield).

dX^i = -theta (X^i - mean_j X^j) dt + sigma dW^i,  i = 1..N.

``euler_batch`` runs R independent particle systems (parallel over systems; each
system is a sequential loop, so its arithmetic never depends on the thread count).
"""
from cython.parallel cimport prange
from libc.math cimport sqrt


cdef void _record(double[:, ::1] x, Py_ssize_t r, Py_ssize_t i, double m, double[:, ::1] mean_out,
                  double[:, ::1] var_out, double[:, :, ::1] paths, bint keep) noexcept nogil:
    """Store the mean m and the empirical variance of system r at grid index i (and its path)."""
    cdef Py_ssize_t k, N = x.shape[1]
    cdef double d, q = 0.0
    for k in range(N):
        d = x[r, k] - m
        q += d * d
        if keep:
            paths[r, i, k] = x[r, k]
    mean_out[r, i] = m
    var_out[r, i] = q / N


cdef void _system(const double[:, ::1] x0, const double[:, :, ::1] z, Py_ssize_t r, double theta,
                  double sigma, double dt, double[:, ::1] mean_out, double[:, ::1] var_out,
                  double[:, ::1] x_out, double[:, :, ::1] paths, bint keep) noexcept nogil:
    cdef Py_ssize_t N = x0.shape[1], n = z.shape[1], i, k
    cdef double m, s, a = theta * dt, b = sigma * sqrt(dt), xi
    s = 0.0
    for k in range(N):
        x_out[r, k] = x0[r, k]
        s += x0[r, k]
    m = s / N
    _record(x_out, r, 0, m, mean_out, var_out, paths, keep)
    for i in range(n):
        s = 0.0
        for k in range(N):
            xi = x_out[r, k]
            xi = xi - a * (xi - m) + b * z[r, i, k]
            x_out[r, k] = xi
            s += xi
        m = s / N
        _record(x_out, r, i + 1, m, mean_out, var_out, paths, keep)


def euler_batch(const double[:, ::1] x0, const double[:, :, ::1] z, double theta, double sigma, double dt,
                double[:, ::1] mean_out, double[:, ::1] var_out, double[:, ::1] x_out,
                double[:, :, ::1] paths, int nthreads=1):
    """x0 (R, N), z (R, n, N) -> mean_out, var_out (R, n+1), x_out (R, N) [, paths (R, n+1, N)]."""
    cdef Py_ssize_t R = x0.shape[0], N = x0.shape[1], n = z.shape[1], r
    cdef bint keep = paths.shape[0] > 0
    if z.shape[0] != R or z.shape[2] != N or mean_out.shape[0] != R or mean_out.shape[1] != n + 1 \
            or var_out.shape[0] != R or var_out.shape[1] != n + 1 or x_out.shape[0] != R \
            or x_out.shape[1] != N:
        raise ValueError("euler_batch: shapes disagree")
    if keep and (paths.shape[0] != R or paths.shape[1] != n + 1 or paths.shape[2] != N):
        raise ValueError("euler_batch: paths has the wrong shape")
    if R == 1:
        with nogil:
            _system(x0, z, 0, theta, sigma, dt, mean_out, var_out, x_out, paths, keep)
        return
    with nogil:
        for r in prange(R, num_threads=nthreads, schedule="dynamic"):
            _system(x0, z, r, theta, sigma, dt, mean_out, var_out, x_out, paths, keep)
