"""Mean-reverting McKean-Vlasov particles: dX^i = -theta (X^i - Xbar) dt + sigma dW^i.

* ``simulate(x0, theta, sigma, T, n_steps, rng=None, keep_paths=False)`` -> ``MVResult``
  (t, mean, var, x_T[, paths (n+1, N)]): one N-particle system by Euler-Maruyama;
  var is the empirical variance (1/N) sum (X^i - Xbar)^2 on the grid.
* ``simulate_batch(n_systems, n_particles, theta, sigma, T, n_steps, V0=0, rng=None)``
  -> (t, mean (R, n+1), var (R, n+1)): R independent systems, Gaussian N(0, V0) start.
* ``ou_variance(t, V0, theta, sigma)``: V(t) = e^(-2 theta t) V0 + sigma^2/(2 theta) (1 - e^(-2 theta t)).
* ``euler_expected_variance(...)``: E of the empirical variance under the Euler scheme (exact
  recursion, includes the (N-1)/N factor), to separate discretisation bias from noise.
* ``chaos_rate(Ns, ...)`` -> ``ChaosResult``: E|V_N(T) - V(T)| for each N with standard errors
  and the fitted log-log slope (propagation of chaos predicts -1/2).
"""
from __future__ import annotations

import dataclasses
import math
from typing import Optional

import numpy as np

from numerics import _meanfield
from numerics import _validate as v
from numerics._bs_mc_helpers import n_threads, normals
from numerics.estimators import fit_power_law

__all__ = ["MVResult", "ChaosResult", "simulate", "simulate_batch", "ou_variance",
           "euler_expected_variance", "chaos_rate", "fit_loglog"]

_EMPTY3 = np.empty((0, 0, 0))


@dataclasses.dataclass
class MVResult:
    """One simulated particle system (``simulate``).

    Attributes
    ----------
    t : numpy.ndarray
        Time grid.
    mean, var : numpy.ndarray
        Empirical mean and variance (1/N) sum (X^i - Xbar)^2 on the grid.
    x_T : numpy.ndarray
        Positions at T.
    paths : numpy.ndarray, optional
        (n+1, N) with ``keep_paths=True``.
    """
    t: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    x_T: np.ndarray
    paths: Optional[np.ndarray] = None


@dataclasses.dataclass
class ChaosResult:
    """Propagation-of-chaos measurement (``chaos_rate``).

    Attributes
    ----------
    Ns : numpy.ndarray
        Particle numbers.
    err, se : numpy.ndarray
        E|V_N(T) - V(T)| over the replications and its standard error.
    slope, slope_se : float
        Fitted log-log slope (propagation of chaos predicts -1/2) and its SE.
    """
    Ns: np.ndarray
    err: np.ndarray        # E|V_N(T) - V(T)| estimated over the replications
    se: np.ndarray
    slope: float
    slope_se: float


def _params(theta, sigma, T, n_steps):
    theta = v.real("theta", theta, 0.0, None, lo_open=True)
    sigma = v.real("sigma", sigma, 0.0, None)
    T = v.real("T", T, 0.0, None, lo_open=True)
    n_steps = v.integer("n_steps", n_steps, 1, 1 << 24)
    if theta * T / n_steps >= 1.0:
        raise ValueError(f"theta * T / n_steps must be < 1 for a stable Euler step, got {theta * T / n_steps!r}")
    return theta, sigma, T, n_steps


def simulate(x0, theta, sigma, T, n_steps, rng=None, keep_paths=False):
    """Simulate one N-particle system dX^i = -theta (X^i - Xbar) dt + sigma dW^i (Euler-Maruyama).

    Parameters
    ----------
    x0 : array_like, shape (N,)
        Initial positions, N >= 2.
    theta : float
        Mean-reversion speed (per unit time), > 0, with theta T / n_steps < 1.
    sigma : float
        Noise level (per sqrt(time)), >= 0.
    T : float
        Horizon, > 0.
    n_steps : int
        Euler steps, in [1, 2^24].
    rng : int, numpy.random.Generator or None
    keep_paths : bool

    Returns
    -------
    MVResult

    Examples
    --------
    >>> from numerics import meanfield
    >>> r = meanfield.simulate([0.0, 1.0, 2.0, 3.0], 1.0, 0.3, 1.0, 100, rng=1)
    >>> r.var.shape
    (101,)
    """
    theta, sigma, T, n_steps = _params(theta, sigma, T, n_steps)
    keep_paths = v.flag("keep_paths", keep_paths)
    x0 = v.array("x0", x0, ndim=1)
    N = x0.size
    if N < 2:
        raise ValueError(f"x0 must hold at least 2 particles, got {N}")
    v.memory_budget(f"simulate(N={N}, n_steps={n_steps})",
                    8 * N * n_steps * (2 if keep_paths else 1) + 8 * N * 4)
    v.work_budget(f"meanfield.simulate(N={N}, n_steps={n_steps})", 10.0 * N * n_steps, "10 N n_steps")
    gen = v.rng(rng)
    z = normals(gen, (1, n_steps, N))
    mean = np.empty((1, n_steps + 1))
    var = np.empty((1, n_steps + 1))
    xT = np.empty((1, N))
    paths = np.empty((1, n_steps + 1, N)) if keep_paths else _EMPTY3
    _meanfield.euler_batch(x0[None, :], z, theta, sigma, T / n_steps, mean, var, xT, paths, 1)
    t = np.linspace(0.0, T, n_steps + 1)
    v.finite("meanfield.simulate empirical variance", var, "lower sigma or the spread of x0")
    return MVResult(t, mean[0], var[0], xT[0], paths[0] if keep_paths else None)


def simulate_batch(n_systems, n_particles, theta, sigma, T, n_steps, V0=0.0, rng=None):
    """R independent systems started from iid N(0, V0) particles.

    Parameters
    ----------
    n_systems : int
        R >= 1.
    n_particles : int
        N >= 2.
    theta : float
        Mean-reversion speed (per unit time), > 0, with theta T / n_steps < 1.
    sigma : float
        Noise level (per sqrt(time)), >= 0.
    T : float
        Horizon, > 0.
    n_steps : int
        Euler steps, in [1, 2^24].
    V0 : float
        Initial variance, >= 0.
    rng : int, numpy.random.Generator or None

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        t (n+1,), mean (R, n+1), var (R, n+1).

    Examples
    --------
    >>> from numerics import meanfield
    >>> t, mean, var = meanfield.simulate_batch(3, 50, 1.0, 0.3, 1.0, 20, rng=1)
    >>> mean.shape, var.shape
    ((3, 21), (3, 21))
    """
    theta, sigma, T, n_steps = _params(theta, sigma, T, n_steps)
    R = v.integer("n_systems", n_systems, 1, None)
    N = v.integer("n_particles", n_particles, 2, None)
    V0 = v.real("V0", V0, 0.0, None)
    v.memory_budget(f"simulate_batch(R={R}, N={N}, n_steps={n_steps})", 8 * R * N * (n_steps + 3))
    v.work_budget(f"meanfield.simulate_batch(R={R}, N={N}, n_steps={n_steps})", 10.0 * R * N * n_steps,
                  "10 n_systems n_particles n_steps")
    gen = v.rng(rng)
    x0 = math.sqrt(V0) * normals(gen, (R, N))
    z = normals(gen, (R, n_steps, N))
    mean = np.empty((R, n_steps + 1))
    var = np.empty((R, n_steps + 1))
    xT = np.empty((R, N))
    _meanfield.euler_batch(x0, z, theta, sigma, T / n_steps, mean, var, xT, _EMPTY3, n_threads())
    v.finite("meanfield.simulate_batch empirical variance", var, "lower sigma or V0")
    return np.linspace(0.0, T, n_steps + 1), mean, var


def ou_variance(t, V0, theta, sigma):
    """Variance of the limit McKean-Vlasov (Ornstein-Uhlenbeck) SDE.

    V(t) = e^(-2 theta t) V0 + sigma^2 / (2 theta) (1 - e^(-2 theta t)).

    Parameters
    ----------
    t : float or array_like
        Times, >= 0.
    V0 : float
        Initial variance, >= 0.
    theta : float
        > 0.
    sigma : float
        >= 0.

    Returns
    -------
    float or numpy.ndarray
        A float for scalar t.

    Examples
    --------
    >>> from numerics import meanfield
    >>> meanfield.ou_variance(0.0, 0.1, 1.5, 0.3)
    0.1
    >>> round(meanfield.ou_variance(100.0, 0.1, 1.5, 0.3), 12)   # -> sigma^2 / (2 theta)
    0.03
    """
    t = v.array("t", t, lo=0.0)
    V0 = v.real("V0", V0, 0.0, None)
    theta = v.real("theta", theta, 0.0, None, lo_open=True)
    sigma = v.real("sigma", sigma, 0.0, None)
    e = np.exp(-2.0 * theta * t)
    out = e * V0 + sigma * sigma / (2.0 * theta) * (1.0 - e)
    return v.scalar_or_array(v.finite("ou_variance", out, "sigma^2 / (2 theta) overflows: lower sigma or raise theta"))


def euler_expected_variance(n_steps, T, V0, theta, sigma, N):
    """E[(1/N) sum (X^i - Xbar)^2] on the grid under the Euler scheme with iid N(., V0) start.

    The exact recursion (with the (N-1)/N factor): separates discretisation bias from noise.

    Parameters
    ----------
    n_steps : int
    T : float
    V0 : float
        >= 0.
    theta, sigma : float
    N : int
        Particles, >= 1.

    Returns
    -------
    numpy.ndarray, shape (n_steps + 1,)

    Examples
    --------
    >>> from numerics import meanfield
    >>> ev = meanfield.euler_expected_variance(1000, 10.0, 0.0, 1.5, 0.3, 10**6)
    >>> bool(abs(ev[-1] - meanfield.ou_variance(10.0, 0.0, 1.5, 0.3)) < 1e-3)
    True
    """
    theta, sigma, T, n_steps = _params(theta, sigma, T, n_steps)
    V0 = v.real("V0", V0, 0.0, None)
    N = v.integer("N", N, 1, None)
    dt = T / n_steps
    out = np.empty(n_steps + 1)
    out[0] = (1.0 - 1.0 / N) * V0
    a = (1.0 - theta * dt) ** 2
    for i in range(n_steps):
        out[i + 1] = a * out[i] + sigma * sigma * dt * (1.0 - 1.0 / N)
    return v.finite("euler_expected_variance", out, "lower sigma or V0")


def fit_loglog(x, y, y_se):
    """Weighted least-squares slope of log y on log x, weights from se(log y) = y_se / y.

    The same fit as ``numerics.estimators.fit_power_law(x, y, y_se)``, which returns the full
    ``PowerLawFit``; this returns its first numbers.

    Parameters
    ----------
    x, y, y_se : array_like, shape (n,)
        Positive abscissae, values and standard errors of the values (n >= 2).

    Returns
    -------
    (float, float, float)
        Slope, its standard error, intercept (log prefactor).

    Examples
    --------
    >>> from numerics.meanfield import fit_loglog
    >>> slope, se, c = fit_loglog([1.0, 10.0, 100.0], [1.0, 0.1, 0.01], [0.01, 0.001, 0.0001])
    >>> round(slope, 12)
    -1.0
    """
    f = fit_power_law(x, y, y_se)
    return f.exponent, f.exponent_se, f.log_prefactor


def chaos_rate(Ns, theta=1.5, sigma=0.3, T=1.0, n_steps=200, n_rep=200, V0=0.0, rng=None):
    """Mean absolute error of the empirical variance at T against the limit V(T), per N.

    Parameters
    ----------
    Ns : array_like of int
        At least 2 particle numbers, each >= 2.
    theta : float
        Mean-reversion speed (per unit time), > 0, with theta T / n_steps < 1.
    sigma : float
        Noise level (per sqrt(time)), >= 0.
    T : float
        Horizon, > 0.
    n_steps : int
        Euler steps, in [1, 2^24].
    n_rep : int
        Replications per N, >= 2.
    V0 : float
        Initial variance.
    rng : int, numpy.random.Generator or None

    Returns
    -------
    ChaosResult

    Examples
    --------
    >>> from numerics import meanfield
    >>> r = meanfield.chaos_rate([20, 80, 320], n_steps=50, n_rep=100, rng=1)
    >>> abs(r.slope + 0.5) < 0.25
    True
    """
    Ns = v.array("Ns", Ns, ndim=1, dtype=np.int64, lo=2)
    if Ns.size < 2:
        raise ValueError(f"Ns must hold at least 2 particle numbers for a slope, got {Ns.tolist()}")
    n_rep = v.integer("n_rep", n_rep, 2, None)
    theta, sigma, T, n_steps = _params(theta, sigma, T, n_steps)
    v.work_budget(f"chaos_rate(Ns={Ns.tolist()}, n_rep={n_rep}, n_steps={n_steps})",
                  10.0 * n_rep * float(Ns.sum()) * n_steps, "10 n_rep sum(Ns) n_steps")
    gen = v.rng(rng)
    VT = float(ou_variance(T, V0, theta, sigma))
    err = np.empty(Ns.size)
    se = np.empty(Ns.size)
    for j, N in enumerate(Ns):
        _, _, var = simulate_batch(n_rep, int(N), theta, sigma, T, n_steps, V0=V0, rng=gen)
        e = np.abs(var[:, -1] - VT)
        err[j] = e.mean()
        se[j] = e.std(ddof=1) / math.sqrt(n_rep)
    slope, slope_se, _ = fit_loglog(Ns, err, se)
    return ChaosResult(Ns, err, se, slope, slope_se)
