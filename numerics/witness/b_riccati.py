"""Fractional Riccati observables (part 26): order of the rough Heston Riccati equation and
the growth order of the Mittag-Leffler function.

* Fractional order: the rough Heston characteristic function (``numerics.rough_heston``,
  Adams solve of h = I^alpha F(u, h)) with kappa = 0 has
  log phi(u, T) = V0 int_0^T F(u, h(s)) ds = -V0 (u^2 + iu) T/2 + c T^(1+alpha) + ...,
  so the exponent of |log phi + V0 (u^2 + iu) T/2| over short T, minus 1, measures the
  order alpha of the fractional integral.  Also the observed convergence order of the Adams
  Riccati solve in the number of steps (``numerics.fractional``), expected 1 + alpha.
* Growth order: E_alpha(z) ~ exp(z^(1/alpha))/alpha for large z > 0, so
  d log E / dz = z^(1/alpha - 1)/alpha and the slope of log(d log E/dz) in log z, plus 1, is the
  growth order 1/alpha (the constant 1/alpha drops out of the derivative).  Measured on
  ``numerics.mittag_leffler`` and, independently, on the Adams solution y(1) = E_alpha(lam)
  of the linear equation D^alpha y = lam y, y(0) = 1.  The decay exponent on the negative
  axis (E_alpha(-x) ~ x^-1 / Gamma(1 - alpha)) is reported too.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from numerics.fractional import riccati_quadratic, solve_fractional_ode
from numerics.mittag_leffler import mittag_leffler
from numerics.rough_heston import RoughHestonParams, characteristic_function

from .b_common import hurst, loglog_fit, real
from .base import Measurement, Value, observable

KERNEL_CF = "numerics.rough_heston (characteristic function) + numerics.fractional (Adams)"
KERNEL_ML = "numerics.mittag_leffler + numerics.fractional (Adams)"


@functools.lru_cache(maxsize=64)
def _order(H, eta, rho, V0, u, quick):
    p = RoughHestonParams(H, 0.0, V0, eta, rho, V0)
    Ts = np.geomspace(1e-4, 1e-2, 5 if quick else 7)
    resid = []
    for T in Ts:
        lp = np.log(characteristic_function(p, [u], float(T), n=400)[0])
        resid.append(abs(lp + V0 * (u * u + 1j * u) * T / 2))
    e, _, _ = loglog_fit(Ts, np.array(resid))
    # observed convergence order of the Adams Riccati solve at T = 1 (u = 1)
    A, B, C = 0.5 * eta * eta, 1j * u * rho * eta, -0.5 * (u * u + 1j * u)
    ns = np.array([25, 50, 100, 200]) if quick else np.array([25, 50, 100, 200, 400])
    ref = riccati_quadratic(A, B, C, H + 0.5, 1.0, 6400)["int_F"][0]
    err = np.array([abs(riccati_quadratic(A, B, C, H + 0.5, 1.0, int(n))["int_F"][0] - ref) for n in ns])
    eo, _, _ = loglog_fit(ns.astype(float), err)
    return Value(e.value - 1.0, e.se), Value(-eo.value, eo.se), dict(
        T=Ts.tolist(), residual=[float(r) for r in resid], n=ns.tolist(), adams_error=err.tolist())


@observable("b_frac_order", kernel=KERNEL_CF,
            description="order of the fractional Riccati equation measured from the rough Heston "
                        "characteristic function (short-time exponent of log phi beyond the Black-Scholes "
                        "term, minus 1), and the observed convergence order of the Adams Riccati solve",
            outputs=("fractional_order", "adams_order"))
def frac_order(params, seed, quick):
    H = hurst(params)
    eta = real(params, "rh_eta", 0.05, 0.0, 10.0, lo_open=True)
    rho = real(params, "rh_rho", -0.7, -1.0, 1.0)
    V0 = real(params, "rh_V0", 0.04, 0.0, 10.0, lo_open=True)
    fo, ao, d = _order(H, eta, rho, V0, 1.0, bool(quick))
    return Measurement({"fractional_order": fo, "adams_order": ao}, dict(H=H, **d))


def _growth(z, logf):
    """1 + slope of log(d log f / dz) in log z (central differences on a geometric grid)."""
    dz = np.diff(z)
    d = np.diff(logf) / dz
    zm = np.sqrt(z[1:] * z[:-1])
    e, _, _ = loglog_fit(zm, d)
    return Value(e.value + 1.0, e.se)


@functools.lru_cache(maxsize=64)
def _ml(H, quick):
    a = H + 0.5
    m = 9 if quick else 17
    # exp(z^(1/a)) from e^60 to e^600: the asymptotic regime, inside the double range
    z = np.geomspace(60.0 ** a, 600.0 ** a, m)
    g_ml = _growth(z, np.log(mittag_leffler(z, a)))
    lam = np.geomspace(8.0 ** a, 40.0 ** a, 7 if quick else 9)
    n = 800 if quick else 2000
    y = np.array([solve_fractional_ode(1.0, a, 1.0, n, lambda t, x, l=float(l): l * x)["h"][-1] for l in lam])
    g_ad = _growth(lam, np.log(y))
    x = np.geomspace(1e3, 1e6, 7)
    dec, _, _ = loglog_fit(x, mittag_leffler(-x, a))
    return g_ml, g_ad, dec, dict(alpha=a, z=z.tolist(), lam=lam.tolist(), adams_y=y.tolist(), x=x.tolist())


_ML_FINDING = ("E_{{H+1/2}}(z) at H = {H}: 1/(H + 1/2) = {g:.4f} +- {se:.1e} (measured) is the growth "
               "order on the positive axis (log E ~ z^(1/(H+1/2))); on the negative axis the function "
               "decays like z^{d:.3f} (measured), i.e. z^-1 whatever H, not z^(-1/(H+1/2)) = z^{p:.3f} "
               "as the paper's 'algebraic decay rate' says")


@observable("b_ml_growth", kernel=KERNEL_ML,
            description="growth order of E_alpha(z), alpha = H + 1/2, measured on the Mittag-Leffler kernel "
                        "and on the Adams solution of D^alpha y = lam y; decay exponent of E_alpha(-x)",
            outputs=("growth_order", "adams_growth_order", "decay_exponent"))
def ml_growth(params, seed, quick):
    H = hurst(params)
    g_ml, g_ad, dec, d = _ml(H, bool(quick))
    finding = ""
    if abs(dec.value + 1.0 / (H + 0.5)) > max(0.05, 4 * dec.se):
        finding = _ML_FINDING.format(H=H, g=g_ml.value, se=g_ml.se, d=dec.value, p=-1.0 / (H + 0.5))
    return Measurement({"growth_order": g_ml, "adams_growth_order": g_ad, "decay_exponent": dec},
                       dict(H=H, **d), finding)
