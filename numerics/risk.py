"""Risk measures on losses (positive = loss).

* ``historical_var_cvar(losses, alpha)`` -> (VaR, CVaR): VaR_alpha = k-th smallest loss,
  k = ceil(alpha N); CVaR_alpha = VaR + sum (L - VaR)^+ / ((1 - alpha) N)
  (Rockafellar-Uryasev).  Selection, no full sort (kernel ``numerics._risk``).
* ``historical_se(losses, alpha)`` -> (se_var, se_cvar): asymptotic standard errors
  (VaR from a kernel density at the quantile, CVaR from the variance of (L - VaR)^+).
* ``gaussian_var(mu, sigma, alpha)``, ``gaussian_cvar(mu, sigma, alpha)``:
  mu + sigma z_alpha and mu + sigma phi(z_alpha) / (1 - alpha).
* ``pareto_var(x_m, xi, alpha)``, ``pareto_cvar(x_m, xi, alpha)``: Pareto type I losses
  P(L > x) = (x_m / x)^(1/xi), shape xi in (0, 1): VaR = x_m (1-alpha)^(-xi),
  CVaR = VaR / (1 - xi).
* ``entropic_risk(losses, theta)`` -> (value, se): (1/theta) log E exp(theta L);
  ``gaussian_entropic(mu, sigma, theta)`` = mu + theta sigma^2 / 2.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp, ndtri

from numerics import _risk
from numerics import _validate as v
from numerics._bs_mc_helpers import n_threads

__all__ = ["historical_var_cvar", "historical_se", "gaussian_var", "gaussian_cvar", "pareto_var",
           "pareto_cvar", "pareto_sample", "entropic_risk", "gaussian_entropic"]


def _out(name, value):
    return v.finite(name, value, "the inputs are too large for double precision")


def _alpha(alpha):
    return v.real("alpha", alpha, 0.0, 1.0, lo_open=True, hi_open=True)


def _losses(losses):
    if isinstance(losses, np.ndarray) and losses.dtype == np.float64:
        x = np.ascontiguousarray(losses)     # finiteness is checked inside the kernel pass
    else:
        x = v.array("losses", losses, allow_empty=True)
    if x.ndim != 1:
        x = x.reshape(-1)
    if x.size == 0:
        raise ValueError("losses must not be empty")
    return x


def historical_var_cvar(losses, alpha=0.99):
    """Historical (VaR, CVaR) of losses (positive = loss) at level alpha.

    VaR = the k-th smallest loss, k = ceil(alpha N); CVaR = VaR + sum (L - VaR)^+ / ((1 - alpha) N).

    Parameters
    ----------
    losses : array_like
        Losses (currency), finite, at least one.
    alpha : float
        Confidence level, in (0, 1).

    Returns
    -------
    (float, float)
        VaR and CVaR (currency).

    Examples
    --------
    >>> from numerics import risk
    >>> risk.historical_var_cvar([1.0, 2.0, 3.0, 4.0], 0.5)
    (2.0, 3.5)
    """
    alpha = _alpha(alpha)
    x = _losses(losses)
    return _risk.var_cvar(x, alpha, n_threads())


def historical_se(losses, alpha=0.99):
    """Asymptotic standard errors (se_VaR, se_CVaR) of the historical estimators.

    VaR from a Gaussian kernel density at the quantile (Silverman's bandwidth), CVaR from the
    variance of (L - VaR)^+.

    Parameters
    ----------
    losses : array_like
        At least 2 losses, not all equal.
    alpha : float
        Confidence level, in (0, 1).

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> import numpy as np
    >>> from numerics import risk
    >>> se_var, se_cvar = risk.historical_se(np.random.default_rng(1).standard_normal(10000), 0.99)
    >>> 0.0 < se_var < 0.1 and 0.0 < se_cvar < 0.1
    True
    """
    alpha = _alpha(alpha)
    x = _losses(losses)
    if x.size < 2:
        raise ValueError(f"losses must hold at least 2 values for a standard error, got {x.size}")
    q, cv = historical_var_cvar(x, alpha)
    N = x.size
    excess = np.maximum(x - q, 0.0)
    se_cvar = float(np.std(excess, ddof=1) / (1.0 - alpha) / math.sqrt(N))
    # density at the quantile by a Gaussian kernel with Silverman's bandwidth
    s = float(np.std(x, ddof=1))
    if not s > 0.0:
        raise ValueError(f"losses must not all be equal (got {N} copies of {float(x[0])!r}): the density "
                         "at the quantile, and so the VaR standard error, is undefined")
    h = 1.06 * s * N ** (-0.2)
    f = float(np.mean(np.exp(-0.5 * ((x - q) / h) ** 2)) / (h * math.sqrt(2 * math.pi)))
    se_var = math.sqrt(alpha * (1 - alpha) / N) / f if f > 0 else float("inf")
    return se_var, se_cvar


def gaussian_var(mu, sigma, alpha=0.99):
    """VaR of Gaussian losses: mu + sigma z_alpha.

    Parameters
    ----------
    mu : float
        Mean loss (currency).
    sigma : float
        Standard deviation (currency), > 0.
    alpha : float
        Confidence level, in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> from numerics import risk
    >>> round(risk.gaussian_var(0.0, 1.0, 0.95), 6)
    1.644854
    """
    mu = v.real("mu", mu)
    sigma = v.real("sigma", sigma, 0.0, None, lo_open=True)
    alpha = _alpha(alpha)
    return _out("gaussian_var", mu + sigma * float(ndtri(alpha)))


def gaussian_cvar(mu, sigma, alpha=0.99):
    """CVaR (expected shortfall) of Gaussian losses: mu + sigma phi(z_alpha) / (1 - alpha).

    Parameters
    ----------
    mu : float
    sigma : float
        > 0.
    alpha : float
        Confidence level, in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> from numerics import risk
    >>> round(risk.gaussian_cvar(0.0, 1.0, 0.975), 6)
    2.337803
    """
    mu = v.real("mu", mu)
    sigma = v.real("sigma", sigma, 0.0, None, lo_open=True)
    alpha = _alpha(alpha)
    z = float(ndtri(alpha))
    return _out("gaussian_cvar", mu + sigma * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) / (1.0 - alpha))


def _pareto_args(x_m, xi, alpha):
    x_m = v.real("x_m", x_m, 0.0, None, lo_open=True)
    xi = v.real("xi", xi, 0.0, 1.0, lo_open=True, hi_open=True)
    return x_m, xi, _alpha(alpha)


def pareto_var(x_m, xi, alpha=0.99):
    """VaR of Pareto type I losses P(L > x) = (x_m / x)^(1/xi): x_m (1 - alpha)^(-xi).

    Parameters
    ----------
    x_m : float
        Scale (currency), > 0.
    xi : float
        Shape (tail index 1/xi), in (0, 1).
    alpha : float
        Confidence level, in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> from numerics import risk
    >>> round(risk.pareto_var(1.0, 0.5, 0.99), 12)
    10.0
    """
    x_m, xi, alpha = _pareto_args(x_m, xi, alpha)
    return _out("pareto_var", x_m * (1.0 - alpha) ** (-xi))


def pareto_cvar(x_m, xi, alpha=0.99):
    """CVaR of Pareto type I losses: VaR / (1 - xi).

    Parameters
    ----------
    x_m : float
        > 0.
    xi : float
        In (0, 1).
    alpha : float
        Confidence level, in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> from numerics import risk
    >>> round(risk.pareto_cvar(1.0, 0.5, 0.99), 12)
    20.0
    """
    x_m, xi, alpha = _pareto_args(x_m, xi, alpha)
    return _out("pareto_cvar", x_m * (1.0 - alpha) ** (-xi) / (1.0 - xi))


def pareto_sample(x_m, xi, size, rng=None):
    """Pareto type I losses with scale x_m and shape xi (tail index 1/xi), by inversion.

    Parameters
    ----------
    x_m : float
        > 0.
    xi : float
        In (0, 1).
    size : int
        >= 1.
    rng : int, numpy.random.Generator or None

    Returns
    -------
    numpy.ndarray, shape (size,)

    Examples
    --------
    >>> from numerics import risk
    >>> bool(risk.pareto_sample(2.0, 0.3, 100, rng=1).min() >= 2.0)
    True
    """
    x_m, xi, _ = _pareto_args(x_m, xi, 0.5)
    size = v.integer("size", size, 1, None)
    v.memory_budget(f"pareto_sample(size={size})", 8 * size)
    u = v.rng(rng).random(size)
    return _out("pareto_sample", x_m * (1.0 - u) ** (-xi))


def entropic_risk(losses, theta):
    """Entropic risk (1/theta) log mean exp(theta L) of sampled losses, with a delta-method SE.

    Parameters
    ----------
    losses : array_like
        At least 2 losses (currency).
    theta : float
        Risk aversion (per currency), > 0.

    Returns
    -------
    (float, float)
        Value (currency) and standard error.

    Examples
    --------
    >>> import numpy as np
    >>> from numerics import risk
    >>> val, se = risk.entropic_risk(np.random.default_rng(1).standard_normal(20000), 1.0)
    >>> abs(val - risk.gaussian_entropic(0.0, 1.0, 1.0)) < 4 * se
    True
    """
    theta = v.real("theta", theta, 0.0, None, lo_open=True)
    x = v.array("losses", losses, ndim=1)
    N = x.size
    if N < 2:
        raise ValueError(f"losses must hold at least 2 values for a standard error, got {N}")
    lse = float(logsumexp(theta * x))
    value = (lse - math.log(N)) / theta
    w = np.exp(theta * x - lse)           # normalised weights, sum 1
    # Var(e^{theta L}) / (E e^{theta L})^2 estimated as N * sum w^2 - 1
    rel_var = max(N * float(np.sum(w * w)) - 1.0, 0.0)
    se = math.sqrt(rel_var / N) / theta
    return _out("entropic_risk", value), _out("entropic_risk standard error", se)


def gaussian_entropic(mu, sigma, theta):
    """Entropic risk of Gaussian losses: mu + theta sigma^2 / 2.

    Parameters
    ----------
    mu : float
    sigma : float
        >= 0.
    theta : float
        > 0.

    Returns
    -------
    float

    Examples
    --------
    >>> from numerics import risk
    >>> risk.gaussian_entropic(1.0, 2.0, 0.5)
    2.0
    """
    mu = v.real("mu", mu)
    sigma = v.real("sigma", sigma, 0.0, None)
    theta = v.real("theta", theta, 0.0, None, lo_open=True)
    return _out("gaussian_entropic", mu + 0.5 * theta * sigma * sigma)
