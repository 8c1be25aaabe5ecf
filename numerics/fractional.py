"""Fractional Adams solvers for Volterra equations (public, validating).

    x(t) = x0 + (1/Gamma(alpha)) int_0^t (t-s)^(alpha-1) f(s, x(s)) ds,   0 < alpha <= 1,

equivalently the Caputo equation D^alpha x = f(t, x), x(0) = x0.  The grid is
t_k = k T/n; the weight tables depend only on (alpha, n, T) and are computed once
per call (and cached for the Riccati batch).

* ``solve_fractional_ode(x0, alpha, T, n, drift)`` and
  ``solve_volterra(alpha, T, n, drift, x0=0, complex_state=False)``: Python
  right-hand side, predictor-corrector (PECE); real or complex scalar state.
* ``riccati_batch(u, alpha, kappa, eta, rho, T, n)``: the rough Heston Riccati
  family F(u, h) = 1/2 (eta^2 h^2 + 2 (i u rho eta - kappa) h - (u^2 + i u)) over a
  whole vector of u in one call (both cores), with the corrector equation solved
  exactly (``scheme="implicit"``, default) or explicitly (``scheme="pece"``).
* ``riccati_quadratic(A, B, C, alpha, T, n)``: the same kernel for any
  F(h) = A h^2 + B h + C (A real, B and C complex vectors).
"""
from __future__ import annotations

import functools
import os
from typing import Callable

import numpy as np

from numerics import _adams
from numerics._validate import array, integer, real

__all__ = ["adams_weights", "solve_fractional_ode", "solve_volterra", "riccati_batch",
           "riccati_quadratic", "N_MAX", "WORK_MAX"]

N_MAX = 200_000
WORK_MAX = 4e10          # history multiply-adds of one Riccati batch (about a minute, one core)
_SCHEMES = {"implicit": 0, "pece": 1}


def auto_threads(big_enough):
    """2 threads when the job is big enough and about two cores are idle, else 1.

    A second OpenMP thread pays only on several ms of work and only when a core is free:
    on an oversubscribed machine the barrier at the end of the parallel region waits for a
    descheduled thread (a scheduler quantum), which costs more than the split saves."""
    if not big_enough:
        return 1
    ncpu = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:  # pragma: no cover - platform without getloadavg
        busy = 0.0
    return 2 if ncpu >= 2 and ncpu - busy >= 1.5 else 1


@functools.lru_cache(maxsize=64)
def _weights_cached(alpha: float, n: int, T: float):
    bp = np.empty(n)
    ac = np.empty(n)
    a0 = np.empty(n)
    aself = _adams.weights(alpha, n, T, bp, ac, a0)
    for w in (bp, ac, a0):
        w.setflags(write=False)
    return bp, ac, a0, aself


def _check_common(alpha, T, n):
    alpha = real("alpha", alpha, 0.0, 1.0, lo_open=True)
    T = real("T", T, 0.0, None, lo_open=True)
    n = integer("n", n, 1, N_MAX)
    return alpha, T, n


def adams_weights(alpha, n, T):
    """Weight tables ``(bp, ac, a0, aself)`` (read-only arrays of length n, scaled by dt^alpha)."""
    alpha, T, n = _check_common(alpha, T, n)
    return _weights_cached(alpha, n, T)


def solve_volterra(alpha, T, n, drift: Callable, x0=0.0, sigma=0.0, complex_state=False):
    """Solve the Volterra equation with a Python right-hand side ``drift(t, x)``.

    Returns ``{"t": (n+1,), "x": (n+1,)}`` (complex when ``complex_state``).  ``sigma``
    is accepted for signature compatibility and must be 0 (noise-driven Volterra
    equations are simulated by the stochastic kernels).  A non-finite value of the
    right-hand side raises ValueError naming the step.
    """
    alpha, T, n = _check_common(alpha, T, n)
    if not callable(drift):
        raise ValueError(f"drift must be callable f(t, x), got {drift!r}")
    sigma = real("sigma", sigma, 0.0, 0.0)
    complex_state = bool(complex_state)
    if complex_state:
        if not isinstance(x0, (int, float, complex, np.number)) or isinstance(x0, bool):
            raise ValueError(f"x0 must be a number, got {x0!r}")
        x0c = complex(x0)
        real("x0.real", x0c.real)
        real("x0.imag", x0c.imag)
    else:
        x0c = complex(real("x0", x0))
    bp, ac, a0, aself = _weights_cached(alpha, n, T)
    xr, xi, fr, fi = (np.empty(n + 1) for _ in range(4))
    try:
        _adams.adams_generic(drift, x0c.real, x0c.imag, complex_state, bp, ac, a0, aself, n, T,
                             xr, xi, fr, fi)
    except (OverflowError, FloatingPointError, ZeroDivisionError) as exc:
        raise ValueError(f"solution is not finite: the right-hand side raised {exc!r} "
                         "(the solution blew up); increase n or shorten T") from None
    except TypeError as exc:
        kind = "a complex number" if complex_state else "a real number (use complex_state=True " \
                                                       "for complex values)"
        raise ValueError(f"drift(t, x) must return {kind}: {exc}") from None
    x = xr + 1j * xi if complex_state else xr
    bad = ~np.isfinite(x)
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        raise ValueError(f"solution is not finite from step {k} of n={n} (t={k * T / n!r}): the "
                         "right-hand side returned a non-finite value or the solution blew up; "
                         "increase n or shorten T")
    return {"t": np.linspace(0.0, T, n + 1), "x": x}


def solve_fractional_ode(x0, alpha, T, n, drift: Callable, complex_state=False):
    """Caputo equation D^alpha h = drift(t, h), h(0) = x0; returns ``{"t", "h"}``."""
    res = solve_volterra(alpha, T, n, drift, x0=x0, complex_state=complex_state)
    return {"t": res["t"], "h": res["x"]}


def riccati_quadratic(A, B, C, alpha, T, n, scheme="implicit", return_path=False, threads=0,
                      check_finite=True):
    """Batch solve of h = I^alpha F(h), F(h) = A h^2 + B h + C, h(0) = 0, per entry of B, C.

    Returns a dict with complex arrays ``h_T`` (h at T), ``int_h`` (int_0^T h ds) and
    ``int_F`` (int_0^T F(h(s)) ds = I^(1-alpha) h (T)), plus ``path`` ((n+1, nu)) when asked.
    A step that cannot resolve the solution's growth (Re(1 - w F'(h)) < 1/2, w the Adams
    self-weight: the solution is blowing up, a moment explosion, or n is too small for it)
    or a non-finite value raises ValueError naming the entry and the time; with
    ``check_finite=False`` the values are returned as they are, with ``blowup`` (int array,
    first unresolved step per entry, 0 if none) for the caller to judge.
    """
    alpha, T, n = _check_common(alpha, T, n)
    A = real("A", A)
    B = np.asarray(B, dtype=complex).reshape(-1) if np.ndim(B) else np.asarray([B], dtype=complex)
    C = np.asarray(C, dtype=complex).reshape(-1) if np.ndim(C) else np.asarray([C], dtype=complex)
    if np.ndim(B) != 1 or C.shape != B.shape or B.size == 0:
        raise ValueError(f"B and C must be non-empty 1-d of the same shape, got {B.shape} and {C.shape}")
    Bre, Bim = np.ascontiguousarray(B.real), np.ascontiguousarray(B.imag)
    Cre, Cim = np.ascontiguousarray(C.real), np.ascontiguousarray(C.imag)
    if not (np.isfinite(Bre).all() and np.isfinite(Bim).all() and np.isfinite(Cre).all()
            and np.isfinite(Cim).all()):
        for name, v in (("B.real", Bre), ("B.imag", Bim), ("C.real", Cre), ("C.imag", Cim)):
            array(name, v, ndim=1)
    if scheme not in _SCHEMES:
        raise ValueError(f"scheme must be one of {sorted(_SCHEMES)}, got {scheme!r}")
    threads = integer("threads", threads, 0, 64)
    nu = Bre.shape[0]
    work = 0.5 * n * (n + 1) * nu
    if work > WORK_MAX:
        raise ValueError(f"n={n} steps for {nu} entries need {work:.1e} history multiply-adds "
                         f"(O(n^2) per entry), above the budget {WORK_MAX:.0e}: lower n or batch "
                         "fewer entries")
    res = _solve(A, Bre, Bim, Cre, Cim, alpha, T, n, _SCHEMES[scheme], return_path, threads)
    blown = res["blowup"]
    if check_finite and blown.any():
        j = int(np.flatnonzero(blown)[0])
        k = int(blown[j])
        raise ValueError(f"Riccati solution blows up for entry {j} (B={B[j]!r}, C={C[j]!r}) at "
                         f"step {k} of n={n} (t={k * T / n:.6g}): the solution grows faster than "
                         "the grid resolves (a moment explosion before T, or n too small); "
                         "shorten T or increase n")
    if check_finite:
        del res["blowup"]
    return res


def _riccati_unchecked(A, B, C, alpha, T, n, check_finite=False):
    """``riccati_quadratic`` without validation, for callers that built finite A (float),
    B, C (complex 1-d) themselves (numerics.rough_heston); implicit scheme, flags returned."""
    B = np.asarray(B, dtype=complex)
    C = np.asarray(C, dtype=complex)
    return _solve(float(A), np.ascontiguousarray(B.real), np.ascontiguousarray(B.imag),
                  np.ascontiguousarray(C.real), np.ascontiguousarray(C.imag), float(alpha),
                  float(T), int(n), 0, False, 0)


def _solve(A, Bre, Bim, Cre, Cim, alpha, T, n, scheme, return_path, threads):
    nu = Bre.shape[0]
    bp, ac, a0, aself = _weights_cached(alpha, n, T)
    out = np.empty((3, 2, nu))
    blown = np.zeros(nu, dtype=np.intc)
    path = [np.empty((n + 1) * nu), np.empty((n + 1) * nu)] if return_path else [None, None]
    chunk = max(1, min(16, -(-nu // 2)))
    if threads == 0:
        threads = auto_threads(nu >= 2 and nu * n * n >= 4_000_000)
    _adams.riccati_batch(bp, ac, a0, aself, n, T, A, Bre, Bim, Cre, Cim, scheme,
                         out[0, 0], out[0, 1], out[1, 0], out[1, 1], out[2, 0], out[2, 1],
                         path[0], path[1], chunk, threads, blown)
    z = out[:, 0, :] + 1j * out[:, 1, :]
    blown[~np.isfinite(z).all(axis=0) & (blown == 0)] = n
    res = {"h_T": z[0], "int_h": z[1], "int_F": z[2], "blowup": blown}
    if return_path:
        res["path"] = (path[0] + 1j * path[1]).reshape(n + 1, nu)
    return res


def riccati_coefficients(u, kappa, eta, rho):
    """(A, B, C) of the rough Heston Riccati F(u, h) = A h^2 + B h + C (no validation)."""
    u = np.asarray(u, dtype=float)
    return 0.5 * eta * eta, 1j * u * rho * eta - kappa, -0.5 * (u * u + 1j * u)


def riccati_batch(u, alpha, kappa, eta, rho, T, n, scheme="implicit", return_path=False,
                  threads=0, check_finite=True):
    """Rough Heston Riccati over a vector of real frequencies u (see module docstring)."""
    u = array("u", u, ndim=1)
    kappa = real("kappa", kappa, 0.0, None)
    eta = real("eta", eta, 0.0, None)
    rho = real("rho", rho, -1.0, 1.0)
    A, B, C = riccati_coefficients(u, kappa, eta, rho)
    return riccati_quadratic(A, B, C, alpha, T, n, scheme=scheme, return_path=return_path,
                             threads=threads, check_finite=check_finite)
