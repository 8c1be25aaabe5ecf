"""Rough Heston Monte Carlo by a multi-factor Markovian lift.

Model (zero rates, S_0 = 1), alpha = H + 1/2:
  V_t = V0 + 1/Gamma(alpha) int_0^t (t-s)^(alpha-1) (kappa (theta - V_s) ds + eta sqrt(V_s) dW_s),
  dS_t / S_t = sqrt(V_t) (rho dW_t + sqrt(1 - rho^2) dB_t).

Schemes:
* "ivi" (default): the integrated variance U = int V first (after Abi Jaber's iVi scheme).
  With X = -kappa U + eta Z, Z = int sqrt(V) dW, and each step's dX spread evenly over the step,
  (1 + kappa W_0) dU_i = alpha_i + eta W_0 dZ_i, alpha_i = int_{t_i}^{t_{i+1}} g0 + sum_{j<i} W_{i-j} dX_j,
  W_l the step-averaged double integrals of K (``rough_heston_mc_ref.ivi_weights``); dU_i is then
  inverse Gaussian (first passage of a Brownian motion with drift), so U never decreases and
  nothing is truncated but alpha_i <= 0 steps (dU = 0; the price then sees only the martingale
  part of dZ).  Unbiased against COS within 2-3 bp of vol from n = 10 (STOCHASTIC.md), except
  with H near 1/2 and 2 kappa theta / eta^2 far below 1, where frequent alpha <= 0 steps bias
  the variance up: counted, and warned about above ``TRUNCATION_WARN`` of the path-steps.
  ``simulate`` / ``european`` run the fused vectorised kernel shared with numerics.exotics.
* "euler": the Volterra Euler (rectangle) rule V_k = V0 + sum_{i<k} w_{k-i} dZ_i with the exact
  step averages of the kernel, w_l = (1/h) int_{(l-1)h}^{lh} K, V truncated at 0 in drift and
  diffusion (biased upwards at small H); "hybrid": the same with an exact latest step.
Both history convolutions run in O(n m) per path through m exponential factors whose
implicit-Euler weights sum_j c_j (1 + gamma_j h)^(-l) are fitted to the scheme's weights
(non-negative least squares; ``lift`` / ``ivi_lift`` report the worst relative weight error,
~1e-5 or better at m = 20).

Public API:
* ``lift(H, T, n_steps, m=20)`` -> (c, gamma, max_rel_weight_error)
* ``ivi_lift(H, T, n_steps, m=20)`` -> (c, gamma, W_0, max_rel_weight_error)
* ``simulate(H, kappa, theta, eta, rho, V0, T, n_steps, n_paths, m=20, rng=None,
  antithetic=False, keep_paths=False, scheme="ivi")`` -> ``numerics.rbergomi.Paths``
  (logS_T, intV, intA[, V with "euler" / "hybrid"])
* ``european(K, T, H, kappa, theta, eta, rho, V0, n_steps=..., n_paths=..., estimator=
  "mixing"|"plain", ...)`` -> ``numerics.rbergomi.Prices``
Bias of the scheme against COS prices (numerics.rough_heston): see STOCHASTIC.md.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from numerics import _rough_heston_mc, rough_heston_mc_ref
from numerics import _validate as v
from numerics._bs_mc_helpers import bs_call, bs_vega_sd, implied_total_sd, n_threads, normals, seed_of
from numerics.rbergomi import Paths, _check_european, _check_paths, _mixing_inputs, _prices

__all__ = ["lift", "ivi_lift", "simulate", "simulate_from_normals", "simulate_ivi_from_normals", "european"]

_EMPTY2 = np.empty((0, 0))


def _fit(w, h, n, m):
    """Lift (c, gamma) of the target weights w (l = 1..n), read-only, and its worst relative error."""
    c, g = rough_heston_mc_ref.fit_lift(w, h, m)
    err = float(np.max(np.abs(rough_heston_mc_ref.lift_discrete_weights(c, g, h, n) / w - 1.0)))
    c.flags.writeable = False
    g.flags.writeable = False
    return c, g, err


@functools.lru_cache(maxsize=64)
def _lift_cached(H, h, n, m):
    return _fit(rough_heston_mc_ref.volterra_weights(H, h, n), h, n, m)


def _lift_args(H, T, n_steps, m):
    H = v.real("H", H, 0.0, 0.5, lo_open=True)
    T = v.real("T", T, 0.0, None, lo_open=True)
    n = v.integer("n_steps", n_steps, 1, 1 << 20)
    m = v.integer("m", m, 1, 64)
    return H, T / n, n, m


def lift(H, T, n_steps, m=20):
    """Factor weights c, speeds gamma and the worst relative error of the lifted Volterra Euler weights.

    Parameters
    ----------
    H : float
        In (0, 0.5].
    T : float
        Horizon (years), > 0.
    n_steps : int
        In [1, 2^20].
    m : int
        Exponential factors, in [1, 64].

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, float)

    Examples
    --------
    >>> from numerics import rough_heston_mc
    >>> c, g, err = rough_heston_mc.lift(0.1, 1.0, 100)
    >>> err < 1e-4
    True
    """
    return _lift_cached(*_lift_args(H, T, n_steps, m))


def _params(H, kappa, theta, eta, rho, V0, T):
    H = v.real("H", H, 0.0, 0.5, lo_open=True)
    kappa = v.real("kappa", kappa, 0.0, None)
    theta = v.real("theta", theta, 0.0, None)
    eta = v.real("eta", eta, 0.0, None)
    rho = v.real("rho", rho, -1.0, 1.0)
    V0 = v.real("V0", V0, 0.0, None)
    T = v.real("T", T, 0.0, None, lo_open=True)
    return H, kappa, theta, eta, rho, V0, T


def _normals_args(arrays, names, H, kappa, theta, eta, rho, V0, T, m):
    """Validated model parameters and pre-drawn normals (all of one shape (n, P))."""
    H, kappa, theta, eta, rho, V0, T = _params(H, kappa, theta, eta, rho, V0, T)
    m = v.integer("m", m, 1, 64)
    first = v.array(names[0], arrays[0], ndim=2)
    out = [first] + [v.array(nm, a, shape=first.shape) for nm, a in zip(names[1:], arrays[1:])]
    n, P = first.shape
    v.integer("n_steps", n, 1, 1 << 20)
    _work(n, P, m)
    return out, (H, kappa, theta, eta, rho, V0, T, m)


def _work(n, P, m):
    v.work_budget(f"rough_heston_mc.simulate(n_steps={n}, n_paths={P}, m={m})", 4.0 * P * n * (m + 8),
                  "4 n_paths n_steps (m + 8) for the lifted convolution")


def simulate_from_normals(zw, zb, H, kappa, theta, eta, rho, V0, T, m=20, keep_paths=False, zi=None):
    """Euler/hybrid lift kernel on pre-drawn normals zw, zb (n, P) [and zi (n, P) for the hybrid step].

    Parameters
    ----------
    zw, zb : array_like, shape (n, P)
        Normals of W (variance) and B (independent part of the spot).
    H : float
        Hurst exponent, in (0, 0.5].
    kappa, theta, eta : float
        Mean reversion (per year), long-run variance (per year), vol-of-vol; all >= 0.
    rho : float
        Spot-vol correlation, in [-1, 1].
    V0 : float
        Spot variance at t = 0 (per year), >= 0 (rough Heston's parameter, named ``V0``
        throughout, as in ``rough_heston.RoughHestonParams``).
    T : float
        Maturity (years), > 0.
    m : int
    keep_paths : bool
    zi : array_like, shape (n, P), optional
        Normals of the exact latest step ("hybrid" scheme).

    Returns
    -------
    numerics.rbergomi.Paths

    Examples
    --------
    >>> import numpy as np
    >>> from numerics import rough_heston_mc
    >>> z = np.random.default_rng(1).standard_normal((2, 8, 4))
    >>> rough_heston_mc.simulate_from_normals(z[0], z[1], 0.1, 0.3, 0.04, 0.3, -0.7, 0.04, 1.0).intV.shape
    (4,)
    """
    arrs, (H, kappa, theta, eta, rho, V0, T, m) = _normals_args(
        (zw, zb) + (() if zi is None else (zi,)), ("zw", "zb", "zi"), H, kappa, theta, eta, rho, V0, T, m)
    zw, zb = arrs[:2]
    zi = arrs[2] if zi is not None else None
    n, P = zw.shape
    h = T / n
    c, g, _ = _lift_cached(H, h, n, m)
    a1, a2 = rough_heston_mc_ref.hybrid_coefficients(H, h)
    logs_T, intv, inta = np.empty(P), np.empty(P), np.empty(P)
    V = np.empty((n + 1, P)) if keep_paths else _EMPTY2
    _rough_heston_mc.simulate(zw, zb, _EMPTY2 if zi is None else zi, a1, a2, c, g, V0, kappa, theta, eta, rho,
                              h, logs_T, intv, inta, V, n_threads())
    _check_paths(logs_T, intv, eta, V0)
    return Paths(np.linspace(0.0, T, n + 1), logs_T, intv, inta, V if keep_paths else None)


@functools.lru_cache(maxsize=64)
def _ivi_lift_cached(H, h, n, m):
    W = rough_heston_mc_ref.ivi_weights(H, h, n)
    c, g, err = _fit(W[1:], h, n, m)
    return c, g, W[0], err


def ivi_lift(H, T, n_steps, m=20):
    """Lift of the iVi weights W_1..W_n: (c, gamma, W_0, worst relative weight error).

    Parameters
    ----------
    H, T, n_steps, m : as in ``lift``

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, float, float)

    Examples
    --------
    >>> from numerics import rough_heston_mc
    >>> c, g, W0, err = rough_heston_mc.ivi_lift(0.1, 1.0, 100)
    >>> err < 1e-4
    True
    """
    return _ivi_lift_cached(*_lift_args(H, T, n_steps, m))


def simulate_ivi_from_normals(zn, zu, zb, H, kappa, theta, eta, rho, V0, T, m=20):
    """iVi kernel on pre-drawn normals zn, zu, zb (n, P): logS_T, intV, intA (V is not simulated).
    The fused kernel of ``simulate`` on these draws: zn drives the inverse-Gaussian step, Phi(zu)
    is its acceptance uniform, zb the independent price driver.

    Parameters
    ----------
    zn, zu, zb : array_like, shape (n, P)
    H : float
        Hurst exponent, in (0, 0.5].
    kappa, theta, eta : float
        Mean reversion (per year), long-run variance (per year), vol-of-vol; all >= 0.
    rho : float
        Spot-vol correlation, in [-1, 1].
    V0 : float
        Spot variance at t = 0 (per year), >= 0 (rough Heston's parameter, named ``V0``
        throughout, as in ``rough_heston.RoughHestonParams``).
    T : float
        Maturity (years), > 0.
    m : int

    Returns
    -------
    numerics.rbergomi.Paths

    Examples
    --------
    >>> import numpy as np
    >>> from numerics import rough_heston_mc
    >>> z = np.random.default_rng(1).standard_normal((3, 8, 4))
    >>> p = rough_heston_mc.simulate_ivi_from_normals(z[0], z[1], z[2], 0.1, 0.3, 0.04, 0.3, -0.7, 0.04, 1.0)
    >>> bool((p.intV >= 0).all())
    True
    """
    (zn, zu, zb), (H, kappa, theta, eta, rho, V0, T, m) = _normals_args(
        (zn, zu, zb), ("zn", "zu", "zb"), H, kappa, theta, eta, rho, V0, T, m)
    n, P = zn.shape
    h = T / n
    c, g, W0, _ = _ivi_lift_cached(H, h, n, m)
    G = rough_heston_mc_ref.ivi_drift(H, kappa, theta, V0, h, n)
    from numerics import _exotics
    from scipy.special import erfc
    u = 0.5 * erfc(-zu * 0.7071067811865476)        # Phi(zu), the twin's form
    out = np.empty((_exotics.NSTATS, P))
    _exotics.simulate_draws(zn, zb, u, np.ascontiguousarray(G), c, g, h, 1.0 + kappa * W0, eta * W0, kappa, eta,
                            rho, out, n_threads())
    logs_T, intv, inta = out[0].copy(), out[1].copy(), out[10].copy()
    _check_paths(logs_T, intv, eta, V0)
    return Paths(np.linspace(0.0, T, n + 1), logs_T, intv, inta, None)


# warn above this fraction of truncated iVi steps (alpha <= 0, dU set to 0).  Measured (mixing
# estimator, 1e5 paths, STOCHASTIC.md): 2.8 % -> ATM +6 to +7 SE (3e-4) at H = 1/2, 0.9 % ->
# +2 to +3 SE (1.1e-4) at H = 0.3 (kappa 0.3, theta 0.02, eta 0.3); 1.5-6.5 % -> +4 to +19 SE
# at eta 0.4; <= 0.2 % at H <= 0.1 with eta 0.3 and <= 0.05 % in the milder set-up, unbiased
# within 2 SE there
TRUNCATION_WARN = 0.005


def warn_truncation(trunc, H, kappa, theta, eta, stacklevel=3):
    """The RuntimeWarning of a biased-looking iVi run: ``trunc`` (the fraction of path-steps
    with alpha <= 0) above ``TRUNCATION_WARN``."""
    if trunc > TRUNCATION_WARN:
        feller = 2.0 * kappa * theta / (eta * eta) if eta > 0 else math.inf
        v.warn(f"iVi scheme: alpha <= 0 (dU set to 0) in {100 * trunc:.1f} % of the path-steps "
               f"(H={H!r}, Feller ratio 2 kappa theta / eta^2 = {feller:.3g}); prices may be biased "
               "upward (measured: ATM +2 to +7 SE at 1e5 paths where this was 0.9-6 %, "
               "numerics/STOCHASTIC.md); check the European against COS", RuntimeWarning, stacklevel)


def ivi_fused(H, kappa, theta, eta, rho, V0, T, n, P, m, seed, antithetic, mu=0.0, stride=None, beta=0.0,
              need=0):
    """Run the fused iVi kernel (numerics/_exotics.pyx, numerics/src/exotics_core.h) on validated
    numbers: (out (NSTATS, P), truncated fraction).  Draws: block streams of numerics._rng
    (normals zn, zb, then uniforms), so the numbers depend on ``seed`` and P only."""
    from numerics import _exotics
    h = T / n
    c, g, W0, _ = _ivi_lift_cached(H, h, n, m)
    G = np.ascontiguousarray(rough_heston_mc_ref.ivi_drift(H, kappa, theta, V0, h, n))
    out = np.empty((_exotics.NSTATS, P))
    _exotics.simulate_stats(seed, G, c, g, h, 1.0 + kappa * W0, eta * W0, kappa, eta, rho, mu,
                            n if stride is None else stride, beta, antithetic, out, n_threads(), need)
    # S_T / S_0 above e^700 overflows every payoff; below e^-1e4 it is a breakdown, not a path
    if not (np.all(np.isfinite(out[:2])) and np.all(np.isfinite(out[10]))
            and out[0].max() <= 700.0 and out[0].min() >= -1e4):
        raise ValueError(f"the iVi scheme broke down for H={H!r}, kappa={kappa!r}, theta={theta!r}, eta={eta!r}, "
                         f"rho={rho!r}, V0={V0!r}, T={T!r} with {n} steps: log S_T reached "
                         f"[{np.nanmin(out[0]):.3g}, {np.nanmax(out[0]):.3g}] (outside [-1e4, 700]); use a "
                         "smaller kappa or more steps")
    return out, float(out[9].sum()) / (n * P)


def _simulate_ivi_fused(H, kappa, theta, eta, rho, V0, T, n, P, m, seed, antithetic):
    out, trunc = ivi_fused(H, kappa, theta, eta, rho, V0, T, n, P, m, seed, antithetic)
    warn_truncation(trunc, H, kappa, theta, eta, stacklevel=4)
    return Paths(np.linspace(0.0, T, n + 1), out[0].copy(), out[1].copy(), out[10].copy(), antithetic=antithetic)


def simulate(H, kappa, theta, eta, rho, V0, T, n_steps, n_paths, m=20, rng=None, antithetic=False,
             keep_paths=False, scheme="ivi"):
    """Simulate rough Heston paths on S_0 = 1 (multi-factor Markovian lift).

    Parameters
    ----------
    H : float
        Hurst exponent, in (0, 0.5].
    kappa, theta, eta : float
        Mean reversion (per year), long-run variance (per year), vol-of-vol; all >= 0.
    rho : float
        Spot-vol correlation, in [-1, 1].
    V0 : float
        Spot variance at t = 0 (per year), >= 0 (rough Heston's parameter, named ``V0``
        throughout, as in ``rough_heston.RoughHestonParams``).
    T : float
        Maturity (years), > 0.
    n_steps : int
        In [1, 2^20].
    n_paths : int
        Even with antithetic.
    m : int
        Exponential factors, in [1, 64].
    rng : int, numpy.random.Generator or None
    antithetic, keep_paths : bool
    scheme : {"ivi", "hybrid", "euler"}
        "ivi" (integrated variance by inverse-Gaussian steps, default), "hybrid" (Euler lift
        with an exact latest step) or "euler" (Euler lift only); keep_paths needs "hybrid" or
        "euler".

    Returns
    -------
    numerics.rbergomi.Paths

    Examples
    --------
    >>> from numerics import rough_heston_mc
    >>> p = rough_heston_mc.simulate(0.1, 0.3, 0.04, 0.3, -0.7, 0.04, 1.0, 20, 2000, rng=1)
    >>> bool(abs(p.intV.mean() - 0.04) < 0.005)      # V0 = theta: E int V = 0.04
    True
    """
    if not (isinstance(scheme, str) and scheme in ("ivi", "hybrid", "euler")):
        raise ValueError(f"scheme must be 'ivi', 'hybrid' or 'euler', got {scheme!r}")
    antithetic = v.flag("antithetic", antithetic)
    keep_paths = v.flag("keep_paths", keep_paths)
    if scheme == "ivi" and keep_paths:
        raise ValueError("keep_paths needs scheme 'euler' or 'hybrid': the iVi scheme simulates the "
                         "integrated variance, not V on the grid")
    H, kappa, theta, eta, rho, V0, T = _params(H, kappa, theta, eta, rho, V0, T)
    n = v.integer("n_steps", n_steps, 1, 1 << 20)
    P = v.integer("n_paths", n_paths, 1, None)
    m = v.integer("m", m, 1, 64)
    if antithetic and P % 2:
        raise ValueError(f"n_paths must be even with antithetic=True, got {P}")
    if scheme == "ivi":
        v.memory_budget(f"rough_heston_mc.simulate(n_steps={n}, n_paths={P})", 8 * P * 12)
        _work(n, P, m)
        return _simulate_ivi_fused(H, kappa, theta, eta, rho, V0, T, n, P, m, seed_of(v.rng(rng)), antithetic)
    v.memory_budget(f"rough_heston_mc.simulate(n_steps={n}, n_paths={P})",
                    8 * P * (2 * (2 if scheme == "euler" else 3) * n + 4 + (n + 1 if keep_paths else 0)))
    _work(n, P, m)
    gen = v.rng(rng)
    half = P // 2 if antithetic else P
    z = normals(gen, (3 if scheme in ("hybrid", "ivi") else 2, n, half))
    if antithetic:
        z = np.concatenate([z, -z], axis=2)
    zi = np.ascontiguousarray(z[2]) if scheme == "hybrid" else None
    res = simulate_from_normals(np.ascontiguousarray(z[0]), np.ascontiguousarray(z[1]), H, kappa, theta, eta,
                                rho, V0, T, m, keep_paths, zi)
    res.antithetic = antithetic
    return res


def european(K, T, H, kappa, theta, eta, rho, V0, n_steps=100, n_paths=20000, m=20, estimator="mixing",
             antithetic=True, rng=None, scheme="ivi", S0=1.0):
    """European call prices under rough Heston by Monte Carlo (as ``rbergomi.european``).

    Parameters
    ----------
    K : float or array_like, shape (k,)
        Strikes (currency of S0), > 0.
    T : float
        Maturity in years, > 0.
    H : float
        Hurst exponent, in (0, 0.5].
    kappa, theta, eta, rho, V0 : float
        Mean reversion (per year), long-run variance (per year), vol-of-vol, correlation in
        [-1, 1] and spot variance at t = 0 (per year).  Rough Heston is parametrised by its
        spot variance ``V0`` throughout the package (``rough_heston.RoughHestonParams``).
    n_steps, n_paths, m : int
        Time steps, paths (>= 4 with antithetic) and exponential factors of the lift.
    estimator : {"mixing", "plain"}
    antithetic : bool
    rng : int, numpy.random.Generator or None
    scheme : {"ivi", "hybrid", "euler"}
    S0 : float
        Spot (zero rates), > 0.  Default 1.

    Returns
    -------
    numerics.rbergomi.Prices

    Examples
    --------
    >>> from numerics import rough_heston_mc
    >>> p = rough_heston_mc.european([100.0], 0.5, 0.1, 0.3, 0.04, 0.3, -0.7, 0.04,
    ...                              n_steps=20, n_paths=2000, rng=1, S0=100.0)
    >>> bool(4.0 < p.price[0] < 7.0)
    True
    """
    K, S0 = _check_european(K, S0, estimator)
    v.integer("n_paths", n_paths, 4 if antithetic else 2, None)   # an SE needs 2 samples
    p = simulate(H, kappa, theta, eta, rho, V0, T, n_steps, n_paths, m, rng, antithetic, scheme=scheme)
    if estimator == "plain":
        ST = np.exp(p.logS_T)

        def samples(k):
            return np.maximum(ST[None, :] - k[:, None], 0.0)
    else:
        F, sd = _mixing_inputs(p, float(rho))

        def samples(k):
            return bs_call(F[None, :], k[:, None], sd[None, :])
    return _prices(samples, K, T, S0, antithetic, estimator)
