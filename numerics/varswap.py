"""Variance of the variance-swap rate under rBergomi: exact double integral and Monte Carlo.

VS_T = (1/T) int_0^T V_t dt with V_t = xi0 exp(eta Y_t - eta^2 t^(2H) / 2) has mean xi0 and

  Var(VS_T) = (xi0^2 / T^2) int_0^T int_0^T (exp(eta^2 C(s, t)) - 1) ds dt,
  C(s, t) = Cov(Y_s, Y_t) = 2H int_0^min(s,t) (t-u)^(H-1/2) (s-u)^(H-1/2) du.

Scaling C(Ts, Tt) = T^2H C(s, t) and C(y u, y) = y^2H c(u), c(u) = C(u, 1), give
  Var(VS_T) = 2 xi0^2 int_0^1 y int_0^1 (exp(eta^2 T^2H y^2H c(u)) - 1) du dy,
with c(u) = 2H u^(2H) r^a 2F1(-a, a+1; a+2; -1/r) / (a+1), r = (1-u)/u, a = H - 1/2.

Public API:
* ``rl_cov(s, t, H)``: C(s, t) by the hypergeometric closed form.
* ``vs_variance_exact(H, eta, xi0, T)``: the double integral (adaptive quadrature).
* ``vs_moments_scheme(H, eta, xi0, T, n_steps, kappa=1)``: exact mean and variance of the
  Monte Carlo estimator's target, (1/T) sum_{i<n} V_{t_i} dt under the hybrid scheme
  (from the scheme's exact Gaussian covariance): separates discretisation bias from noise.
* ``vs_variance_mc(H, eta, xi0, T, n_steps, n_paths, kappa=1, rng=None)`` -> ``VSMC``.
* ``vs_variance_exponent(H, eta, xi0, T1, T2)``: log-log slope of the exact variance
  between two maturities (-> 2H as T -> 0).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import integrate
from scipy.special import hyp2f1

from numerics import _validate as v
from numerics import fbm, rbergomi
from numerics._bs_mc_helpers import mean_var_se

__all__ = ["VSMC", "rl_cov", "vs_variance_exact", "vs_moments_scheme", "vs_variance_mc", "vs_variance_exponent"]


@dataclasses.dataclass
class VSMC:
    """Monte Carlo moments of the variance-swap rate VS_T (``vs_variance_mc``).

    Attributes
    ----------
    mean, mean_se : float
        Mean of VS_T (per year, i.e. variance units) and its standard error.
    var, var_se : float
        Variance of VS_T (variance units squared) and its standard error.
    n_paths : int
    """
    mean: float
    mean_se: float
    var: float
    var_se: float
    n_paths: int


def _c_unit(u, H):
    """C(u, 1) for 0 <= u <= 1."""
    if u <= 0.0:
        return 0.0
    if u >= 1.0:
        return 1.0
    a = H - 0.5
    r = (1.0 - u) / u
    return 2 * H * u ** (2 * H) * r ** a * float(hyp2f1(-a, a + 1, a + 2, -1.0 / r)) / (a + 1)


def rl_cov(s, t, H):
    """Cov(Y_s, Y_t) of the Riemann-Liouville fBM with Var Y_t = t^2H (hypergeometric closed form).

    Parameters
    ----------
    s, t : float
        Times (years), >= 0.
    H : float
        Hurst exponent, in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> from numerics import varswap
    >>> round(varswap.rl_cov(1.0, 1.0, 0.3), 12)
    1.0
    """
    H = v.real("H", H, 0.0, 1.0, lo_open=True, hi_open=True)
    s = v.real("s", s, 0.0, None)
    t = v.real("t", t, 0.0, None)
    lo, hi = min(s, t), max(s, t)
    if lo == 0.0:
        return 0.0
    return hi ** (2 * H) * _c_unit(lo / hi, H)


def _args(H, eta, xi0, T):
    H = v.real("H", H, 0.0, 1.0, lo_open=True, hi_open=True)
    eta = v.real("eta", eta, 0.0, None)
    xi0 = v.real("xi0", xi0, 0.0, None, lo_open=True)
    T = v.real("T", T, 0.0, None, lo_open=True)
    return H, eta, xi0, T


_MAX_EXPONENT = 700.0      # exp(700) ~ 1e304: the largest eta^2 T^2H whose integrand stays finite


def vs_variance_exact(H, eta, xi0, T):
    """Var((1/T) int_0^T V_t dt) under rBergomi by the covariance double integral.

    Parameters
    ----------
    H : float
        Hurst exponent, in (0, 1).
    eta : float
        Vol-of-vol (per year^H), >= 0.
    xi0 : float
        Flat forward variance (per year), > 0 (rBergomi's parameter, named ``xi0`` throughout).
    T : float
        Maturity (years), > 0, with eta^2 T^(2H) <= 700 (beyond, the variance leaves the
        double range).

    Returns
    -------
    float
        Variance of the variance-swap rate (per year squared).

    Examples
    --------
    >>> from numerics import varswap
    >>> varswap.vs_variance_exact(0.1, 0.0, 0.04, 1.0)     # eta = 0: V is constant
    0.0
    >>> 0.0 < varswap.vs_variance_exact(0.1, 1.0, 0.04, 0.5) < 0.04 ** 2
    True
    """
    H, eta, xi0, T = _args(H, eta, xi0, T)
    a = eta * eta * T ** (2 * H)
    if not a <= _MAX_EXPONENT:
        raise ValueError(f"eta^2 T^(2H) must be <= {_MAX_EXPONENT} (Var(VS_T) grows like exp(eta^2 T^(2H)) and "
                         f"leaves the double range), got {a!r} from eta={eta!r}, T={T!r}, H={H!r}")

    def inner(y):
        w = a * y ** (2 * H)
        val, _ = integrate.quad(lambda u: math.expm1(w * _c_unit(u, H)), 0.0, 1.0,
                                epsabs=1e-15, epsrel=1e-11, limit=200)
        return y * val

    val, _ = integrate.quad(inner, 0.0, 1.0, epsabs=1e-15, epsrel=1e-10, limit=200)
    return float(v.finite("vs_variance_exact", 2.0 * xi0 * xi0 * val, "lower xi0, eta or T"))


def vs_variance_exponent(H, eta, xi0, T1, T2):
    """d log Var(VS_T) / d log T between T1 and T2 (exact; tends to 2H as T -> 0).

    Parameters
    ----------
    H : float
        Hurst exponent, in (0, 1).
    eta : float
        Vol-of-vol (per year^H), >= 0.
    xi0 : float
        Flat forward variance (per year), > 0 (rBergomi's parameter, named ``xi0`` throughout).
    T1, T2 : float
        Two different maturities (years), > 0.

    Returns
    -------
    float

    Examples
    --------
    >>> from numerics import varswap
    >>> round(varswap.vs_variance_exponent(0.25, 0.5, 0.04, 1e-4, 2e-4), 2)
    0.5
    """
    T1 = v.real("T1", T1, 0.0, None, lo_open=True)
    T2 = v.real("T2", T2, 0.0, None, lo_open=True)
    if T1 == T2:
        raise ValueError(f"T1 and T2 must differ (a slope needs two maturities), got T1 = T2 = {T1!r}")
    v1, v2 = vs_variance_exact(H, eta, xi0, T1), vs_variance_exact(H, eta, xi0, T2)
    if not (v1 > 0.0 and v2 > 0.0):
        raise ValueError(f"Var(VS_T) vanishes at T1 or T2 (eta = {eta!r}?): no log-log slope")
    return math.log(v2 / v1) / math.log(T2 / T1)


def _scheme_cov(n, H, T, kappa):
    """Exact covariance matrix (n+1, n+1) of the hybrid-scheme values Y_0..Y_n."""
    L, g, scale, S = fbm.hybrid_setup(n, H, T / n, kappa)
    # E[i, m, :] = coefficient vector of step m's Gaussian vector (dW, I_1..I_kappa) in Y_i
    E = np.zeros((n + 1, n, kappa + 1))
    for i in range(1, n + 1):
        for m in range(i):
            k = i - m
            if k <= kappa:
                E[i, m, k] = 1.0
            else:
                E[i, m, 0] = g[k]
    ES = np.einsum("imk,kl->iml", E, S)
    return scale * scale * np.einsum("iml,jml->ij", ES, E)


def vs_moments_scheme(H, eta, xi0, T, n_steps, kappa=1):
    """(mean, variance) of (1/T) sum_{i<n} V_{t_i} dt under the hybrid scheme, exactly.

    Separates the scheme's discretisation bias from Monte Carlo noise in ``vs_variance_mc``.

    Parameters
    ----------
    H : float
        Hurst exponent, in (0, 1).
    eta : float
        Vol-of-vol (per year^H), >= 0.
    xi0 : float
        Flat forward variance (per year), > 0 (rBergomi's parameter, named ``xi0`` throughout).
    T : float
        Maturity (years), > 0.
    n_steps : int
        Steps, in [1, 2000].
    kappa : {1, 2}

    Returns
    -------
    (float, float)
        Mean (per year) and variance (per year squared).

    Examples
    --------
    >>> from numerics import varswap
    >>> m, var = varswap.vs_moments_scheme(0.1, 1.0, 0.04, 1.0, 16)
    >>> abs(m - 0.04) < 1e-4, var > 0      # the scheme's mean is xi0 up to its bias
    (True, True)
    """
    H, eta, xi0, T = _args(H, eta, xi0, T)
    n = v.integer("n_steps", n_steps, 1, 2000)
    kappa = v.integer("kappa", kappa, 1, 2)
    C = _scheme_cov(n, H, T, kappa)[:n, :n]
    t2h = (np.arange(n) * (T / n)) ** (2 * H)
    # E V_i = xi0 exp(eta^2 (C_ii - t_i^2H) / 2); E V_i V_j = E V_i E V_j exp(eta^2 C_ij)
    m = xi0 * np.exp(0.5 * eta * eta * (np.diag(C) - t2h))
    with np.errstate(over="ignore", invalid="ignore"):
        mean = float(m.mean())
        var = float(m @ np.expm1(eta * eta * C) @ m) / (n * n)
    v.finite("vs_moments_scheme", np.array([mean, var]), "lower xi0, eta or T")
    return mean, var


def vs_variance_mc(H, eta, xi0, T, n_steps, n_paths, kappa=1, rng=None):
    """Monte Carlo mean and variance of the discretised variance-swap rate, with standard errors.

    Parameters
    ----------
    H : float
        Hurst exponent, in (0, 1).
    eta : float
        Vol-of-vol (per year^H), >= 0.
    xi0 : float
        Flat forward variance (per year), > 0 (rBergomi's parameter, named ``xi0`` throughout).
    T : float
        Maturity (years), > 0.
    n_steps, n_paths : int
        Time steps (<= 2^20) and paths; n_paths * n_steps^2 / 2 must stay under the work limit
        ``numerics._validate.MAX_WORK`` (the hybrid scheme's convolution).
    kappa : {1, 2}
    rng : int, numpy.random.Generator or None

    Returns
    -------
    VSMC

    Examples
    --------
    >>> from numerics import varswap
    >>> r = varswap.vs_variance_mc(0.1, 1.0, 0.04, 1.0, 16, 4000, rng=1)
    >>> abs(r.mean - 0.04) < 4 * r.mean_se
    True
    """
    n = v.integer("n_steps", n_steps, 1, 1 << 20)
    P = v.integer("n_paths", n_paths, 1, None)
    fbm.hybrid_work(f"vs_variance_mc(n_steps={n}, n_paths={P})", n, P)
    # the variance path does not depend on rho; any admissible value will do
    p = rbergomi.simulate(H, eta, -0.5, xi0, T, n_steps, n_paths, kappa, rng)
    x = p.intV / T
    return VSMC(*mean_var_se(x), x.size)
