"""Parts 2, 3, 3.5: the Volterra kernel and its power integral, measured.

* ``a_kernel_exponent`` -- the kernel as the rBergomi simulator realises it: the pathwise
  Malliavin derivative D_s log V_t of the hybrid-scheme simulator, obtained by bumping one
  driving normal (log V is linear in the driver, so the response is exact), divided by the
  Brownian increment.  Its log-slope against the lag t - s is the kernel exponent; the
  partial integrals of the response over [0, cutoff] give the integral exponent (> 0 means
  the integrals over [cutoff, T] converge as the cutoff goes to 0).
* ``a_integral_exponent`` -- int_0^T (T - s)^(H - 1/2) ds by adaptive QUADPACK quadrature
  (which does not know the closed form; its error estimate is the SE) at maturities
  1e-4 .. 1, and the exponent of its power law in T.
* ``a_volterra_integral`` -- the same quadrature at one (H, T): the integral and
  (H + 1/2) times it (the numerator of the power rule).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import integrate

from numerics import rbergomi
from numerics.estimators import volterra_power_integral

from .a_common import hurst, integer, lst, power_fit, real
from .base import Measurement, Value, observable

_SIM = "numerics.rbergomi (hybrid-scheme simulator, pathwise Malliavin derivative)"
_QUAD = "scipy.integrate.quad (QUADPACK) + numerics.estimators.fit_power_law"


def _quad_power_integral(H, T):
    """int_0^T (T - s)^(H - 1/2) ds = int_0^T u^(H - 1/2) du by adaptive quadrature on
    dyadic pieces [T 2^-(j+1), T 2^-j] plus the piece at 0 (QUADPACK's qags, which
    extrapolates the endpoint singularity); returns (value, error estimate)."""
    a = H - 0.5
    f = (lambda u: u ** a) if a != 0.0 else (lambda u: 1.0)
    val, err = integrate.quad(f, 0.0, T, epsabs=0.0, epsrel=1e-12, limit=400)
    return val, err


@observable("a_kernel_exponent", kernel=_SIM,
            description="log-slope of the rBergomi simulator's Malliavin derivative D_s log V_t in the "
                        "lag t - s (kernel exponent), its negative (blow-up order), and the exponent of "
                        "its partial integrals over [0, cutoff]",
            outputs=("exponent", "blowup", "integral_exponent"))
def kernel_exponent(params, seed, quick):
    H = hurst(params, 0.0, 1.0)
    T = real(params, "T", 1.0, 0.0, None, lo_open=True)
    n = integer(params, "n_steps", 512 if quick else 2048, 64, 1 << 16)
    eta = 1.0
    kappa = 1
    z = np.zeros((kappa + 1, n, 2))
    z[0, 0, 1] = 1.0                       # unit bump of the first driving normal, path 1
    zb = np.zeros((n, 2))
    p = rbergomi.simulate_from_normals(z, zb, H, eta, -0.5, 0.04, T, kappa=kappa, keep_paths=True)
    dt = T / n
    resp = (np.log(p.V[1:, 1]) - np.log(p.V[1:, 0])) / (eta * math.sqrt(dt))   # per unit dW_0
    lag_mid = (np.arange(1, n + 1) - 0.5) * dt                                   # t_k - mid of cell 0
    if np.any(resp <= 0.0):
        raise ValueError("simulator response is not positive; kernel exponent undefined")
    k_fit = np.unique(np.round(np.geomspace(8, n, 16)).astype(int))
    ke, ke_se, _ = power_fit(lag_mid[k_fit - 1], resp[k_fit - 1])
    # partial integrals of the kernel over [0, K dt]: the cell sums of the response
    cum = np.cumsum(resp) * dt
    k_cum = np.unique(np.round(np.geomspace(1, n, 16)).astype(int))
    ie, ie_se, _ = power_fit(k_cum * dt, cum[k_cum - 1])
    return Measurement(
        {"exponent": Value(ke, ke_se), "blowup": Value(-ke, ke_se), "integral_exponent": Value(ie, ie_se)},
        detail={"lag": lst(lag_mid[k_fit - 1]), "D": lst(resp[k_fit - 1]), "cutoff": lst(k_cum * dt),
                "partial_integral": lst(cum[k_cum - 1]), "n_steps": n, "T": T,
                "note": "D_s log V_t / eta per unit Brownian increment; fit over lags 8..n cells "
                        "(cell averages of the kernel against the cell midpoint)"})


@observable("a_integral_exponent", kernel=_QUAD,
            description="exponent of T -> int_0^T (T-s)^(H-1/2) ds (adaptive quadrature, 9 maturities "
                        "in [1e-4, 1]); cross-checked against Gauss-Jacobi quadrature",
            outputs=("exponent",))
def integral_exponent(params, seed, quick):
    H = hurst(params, 0.0, 1.0)
    Ts = np.geomspace(real(params, "T_min", 1e-4, 0.0, None, lo_open=True),
                      real(params, "T_max", 1.0, 0.0, None, lo_open=True), 5 if quick else 9)
    if Ts[0] >= Ts[-1]:
        raise ValueError(f"T_min must be below T_max, got {Ts[0]} and {Ts[-1]}")
    vals, errs, gj = [], [], []
    for T in Ts:
        val, err = _quad_power_integral(H, float(T))
        vals.append(val)
        errs.append(err)
        gj.append(volterra_power_integral(H, float(T))[0])
    vals, errs = np.array(vals), np.array(errs)
    p, se, fit = power_fit(Ts, vals, errs / vals)
    return Measurement({"exponent": Value(p, se)},
                       detail={"T": lst(Ts), "integral": lst(vals), "quad_error": lst(errs),
                               "gauss_jacobi": lst(gj), "r2": fit.r2})


@observable("a_volterra_integral", kernel=_QUAD,
            description="int_0^T u^(H-1/2) du at one (H, T) by adaptive quadrature (SE = its error "
                        "estimate), and (H + 1/2) times it",
            outputs=("integral", "numerator"))
def volterra_integral(params, seed, quick):
    H = hurst(params, 0.0, 1.0)
    T = real(params, "T", None, 0.0, None, lo_open=True)
    val, err = _quad_power_integral(H, T)
    gj, gj_err = volterra_power_integral(H, T)
    return Measurement({"integral": Value(val, err), "numerator": Value((H + 0.5) * val, (H + 0.5) * err)},
                       detail={"gauss_jacobi": gj, "gauss_jacobi_error": gj_err})
