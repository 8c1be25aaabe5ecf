"""Linear BSDE with constant coefficients: closed form and least-squares Monte Carlo.

  -dY_t = (a Y_t + b Z_t + c) dt - Z_t dW_t,   Y_T = g(X_T),   X_t = x0 + mu t + sigma W_t.

Closed form (Gamma_t = exp(a t + b W_t - b^2 t / 2), d(Gamma Y) = Gamma (Z + b Y) dW - c Gamma dt):
  Y_0 = e^{aT} E_Q[g(X_T)] + c (e^{aT} - 1) / a,   Z_0 = sigma e^{aT} E_Q[g'(X_T)],
where under Q, X_T ~ N(x0 + (mu + sigma b) T, sigma^2 T).  Terminal functions with closed
forms: "linear" g = x, "quadratic" g = x^2, "call" g = (x - k)^+ (Bachelier), "exp" g = e^{lam x}.

Numerical: backward Euler on N steps, implicit in Y, conditional expectations by least
squares on the polynomials of degree <= ``degree`` in X_{t_i} (Gobet-Lemor-Warin):
  Z_i = E_i[Y_{i+1} dW_i] / h,   Y_i = (E_i[Y_{i+1}] + h (b Z_i + c)) / (1 - a h).
``solve_lsmc`` repeats the scheme on independent batches and reports the mean and its
standard error.  ``scheme_target_quadratic`` gives the scheme's exact value for g = x^2
(the backward recursion on the quadratic's coefficients), which separates the O(h)
discretisation bias from Monte Carlo error.

Public API: ``LinearBSDE``, ``closed_form(bsde)`` -> (Y0, Z0), ``solve_lsmc(bsde, n_steps,
n_paths, degree=2, n_batches=10, rng=None)`` -> ``BSDEResult``, ``scheme_target_quadratic(bsde, n_steps)``
-> (Y0, Z0) of the scheme.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.special import ndtr

from numerics import _validate as v
from numerics._bs_mc_helpers import normals

__all__ = ["LinearBSDE", "BSDEResult", "closed_form", "solve_lsmc", "scheme_target_quadratic"]

_TERMINALS = ("linear", "quadratic", "call", "exp")


@dataclasses.dataclass(frozen=True)
class LinearBSDE:
    """A linear BSDE with constant coefficients (validated on construction).

    -dY_t = (a Y_t + b Z_t + c) dt - Z_t dW_t, Y_T = g(X_T), X_t = x0 + mu t + sigma W_t.

    Parameters
    ----------
    a, b, c : float
        Coefficients (a per year, b per sqrt(year), c in units of Y per year).
    T : float
        Horizon (years), > 0.
    x0, mu : float
        Start and drift (per year) of X.
    sigma : float
        Volatility of X (per sqrt(year)), > 0.
    terminal : {"linear", "quadratic", "call", "exp"}
        g(x) = x, x^2, (x - k)^+ or exp(lam x).
    k, lam : float
        Strike of "call", rate of "exp".

    Examples
    --------
    >>> from numerics.bsde import LinearBSDE
    >>> LinearBSDE(a=0.1, b=0.2, c=0.0, T=1.0).terminal
    'quadratic'
    """
    a: float
    b: float
    c: float
    T: float
    x0: float = 0.0
    mu: float = 0.0
    sigma: float = 1.0
    terminal: str = "quadratic"
    k: float = 0.0          # strike of "call"
    lam: float = 1.0        # rate of "exp"

    def __post_init__(self):
        for name, lo, lo_open in (("a", None, False), ("b", None, False), ("c", None, False),
                                  ("T", 0.0, True), ("x0", None, False), ("mu", None, False),
                                  ("sigma", 0.0, True), ("k", None, False), ("lam", None, False)):
            object.__setattr__(self, name, v.real(name, getattr(self, name), lo, None, lo_open))
        if self.terminal not in _TERMINALS:
            raise ValueError(f"terminal must be one of {_TERMINALS}, got {self.terminal!r}")

    def g(self, x):
        if self.terminal == "linear":
            return x
        if self.terminal == "quadratic":
            return x * x
        if self.terminal == "call":
            return np.maximum(x - self.k, 0.0)
        return np.exp(self.lam * x)


@dataclasses.dataclass
class BSDEResult:
    """Least-squares Monte Carlo solution (``solve_lsmc``).

    Attributes
    ----------
    Y0, Y0_se, Z0, Z0_se : float
        Y_0 and Z_0 with standard errors over the independent batches.
    n_steps, n_paths : int
    """
    Y0: float
    Y0_se: float
    Z0: float
    Z0_se: float
    n_steps: int
    n_paths: int


def _growth(a, T):
    """(e^{aT} - 1) / a, continuous at a = 0."""
    return T if a == 0.0 else math.expm1(a * T) / a


def closed_form(p):
    """(Y_0, Z_0) of the linear BSDE in closed form.

    Parameters
    ----------
    p : LinearBSDE

    Returns
    -------
    (float, float)

    Raises
    ------
    ValueError
        When the solution leaves the double range (naming a * T, lam, sigma, x0).

    Examples
    --------
    >>> from numerics.bsde import LinearBSDE, closed_form
    >>> closed_form(LinearBSDE(a=0.0, b=0.0, c=0.0, T=1.0, terminal="linear", x0=2.0))
    (2.0, 1.0)
    """
    if not isinstance(p, LinearBSDE):
        raise ValueError(f"expected a LinearBSDE, got {p!r}")
    try:
        y0, z0 = _closed_form(p)
    except OverflowError:
        y0 = z0 = math.inf
    v.finite("closed_form Y_0, Z_0", np.array([y0, z0]), _overflow_hint(p))
    return y0, z0


def _overflow_hint(p):
    what = f"a * T = {p.a * p.T!r}"
    if p.terminal == "exp":
        what += f", lam = {p.lam!r}, sigma = {p.sigma!r}, x0 = {p.x0!r}"
    return f"lower {what}"


def _closed_form(p):
    m = p.x0 + (p.mu + p.sigma * p.b) * p.T
    s = p.sigma * math.sqrt(p.T)
    if p.terminal == "linear":
        Eg, Edg = m, 1.0
    elif p.terminal == "quadratic":
        Eg, Edg = m * m + s * s, 2.0 * m
    elif p.terminal == "call":
        d = (m - p.k) / s
        Eg = (m - p.k) * float(ndtr(d)) + s * math.exp(-0.5 * d * d) / math.sqrt(2 * math.pi)
        Edg = float(ndtr(d))
    else:
        Eg = math.exp(p.lam * m + 0.5 * p.lam ** 2 * s * s)
        Edg = p.lam * Eg
    e = math.exp(p.a * p.T)
    return e * Eg + p.c * _growth(p.a, p.T), p.sigma * e * Edg


def scheme_target_quadratic(p, n_steps):
    """(Y_0, Z_0) of the backward Euler scheme with exact conditional expectations.

    For g = x^2 or g = x the solution stays a polynomial of degree <= 2 in x, so the scheme's
    value is exact: it separates the O(h) discretisation bias from Monte Carlo error.

    Parameters
    ----------
    p : LinearBSDE
        With terminal "quadratic" or "linear".
    n_steps : int
        >= 1, with a T / n_steps < 1.

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> from numerics.bsde import LinearBSDE, closed_form, scheme_target_quadratic
    >>> p = LinearBSDE(a=0.1, b=0.2, c=0.1, T=1.0)
    >>> y, z = scheme_target_quadratic(p, 1000)
    >>> abs(y - closed_form(p)[0]) < 1e-3
    True
    """
    if not isinstance(p, LinearBSDE) or p.terminal not in ("quadratic", "linear"):
        raise ValueError("scheme_target_quadratic needs a LinearBSDE with terminal 'quadratic' or 'linear'")
    n = v.integer("n_steps", n_steps, 1, None)
    h = p.T / n
    if p.a * h >= 1.0:
        raise ValueError(f"a * T / n_steps must be < 1 for the implicit step, got {p.a * h!r}")
    al, be, ga = (1.0, 0.0, 0.0) if p.terminal == "quadratic" else (0.0, 1.0, 0.0)
    z = 0.0
    for _ in range(n):
        # E_i[Y(x + mu h + sigma dW)] and E_i[Y dW] / h as quadratics in x
        e2, e1, e0 = al, 2 * al * p.mu * h + be, al * ((p.mu * h) ** 2 + p.sigma ** 2 * h) + be * p.mu * h + ga
        z1, z0 = 2 * al * p.sigma, p.sigma * (2 * al * p.mu * h + be)
        q = 1.0 - p.a * h
        z = z1 * p.x0 + z0
        al, be, ga = e2 / q, (e1 + h * p.b * z1) / q, (e0 + h * (p.b * z0 + p.c)) / q
    y0 = al * p.x0 ** 2 + be * p.x0 + ga
    v.finite("scheme_target_quadratic Y_0, Z_0", np.array([y0, z]), _overflow_hint(p))
    return y0, z


def _lsmc_once(p, n, P, degree, gen):
    h = p.T / n
    dW = math.sqrt(h) * normals(gen, (n, P))
    X = np.empty((n + 1, P))
    X[0] = p.x0
    X[1:] = p.x0 + p.mu * h * np.arange(1, n + 1)[:, None] + p.sigma * np.cumsum(dW, axis=0)
    Y = p.g(X[n])
    q = 1.0 - p.a * h
    Z = 0.0
    for i in range(n - 1, -1, -1):
        if i == 0:
            EY, Z = float(Y.mean()), float(np.mean(Y * dW[0]) / h)
            return (EY + h * (p.b * Z + p.c)) / q, Z
        x = X[i]
        xs = (x - x.mean()) / x.std()
        B = np.vander(xs, degree + 1, increasing=True)
        coef, *_ = np.linalg.lstsq(B, np.column_stack([Y, Y * dW[i]]), rcond=None)
        fit = B @ coef
        Y = (fit[:, 0] + h * (p.b * fit[:, 1] / h + p.c)) / q
    raise AssertionError("unreachable")


def solve_lsmc(p, n_steps, n_paths, degree=2, n_batches=10, rng=None):
    """Least-squares Monte Carlo solution (Gobet-Lemor-Warin); mean and standard error over batches.

    Parameters
    ----------
    p : LinearBSDE
    n_steps : int
        In [1, 2^16], with a T / n_steps < 1.
    n_paths : int
        Paths per batch, >= 10.
    degree : int
        Polynomial degree of the regressions, in [0, 8].
    n_batches : int
        Independent batches, in [2, 1000].
    rng : int, numpy.random.Generator or None

    Returns
    -------
    BSDEResult

    Raises
    ------
    ValueError
        Bad input, over the memory or work limit, or an overflowing solution.

    Examples
    --------
    >>> from numerics.bsde import LinearBSDE, closed_form, solve_lsmc
    >>> p = LinearBSDE(a=0.1, b=0.2, c=0.1, T=1.0)
    >>> r = solve_lsmc(p, 10, 2000, rng=1)
    >>> abs(r.Y0 - closed_form(p)[0]) < 0.05
    True
    """
    if not isinstance(p, LinearBSDE):
        raise ValueError(f"expected a LinearBSDE, got {p!r}")
    n = v.integer("n_steps", n_steps, 1, 1 << 16)
    P = v.integer("n_paths", n_paths, 10, None)
    degree = v.integer("degree", degree, 0, 8)
    nb = v.integer("n_batches", n_batches, 2, 1000)
    if p.a * p.T / n >= 1.0:
        raise ValueError(f"a * T / n_steps must be < 1 for the implicit step, got {p.a * p.T / n!r}")
    v.memory_budget(f"solve_lsmc(n_steps={n}, n_paths={P})", 8 * 5 * (n + 1) * P)
    v.work_budget(f"solve_lsmc(n_steps={n}, n_paths={P}, degree={degree}, n_batches={nb})",
                  float(nb) * n * P * (degree + 2) ** 2, "n_batches n_steps n_paths (degree + 2)^2")
    gen = v.rng(rng)
    with np.errstate(over="ignore", invalid="ignore"):
        res = np.array([_lsmc_once(p, n, P, degree, gen) for _ in range(nb)])
    v.finite("solve_lsmc Y_0, Z_0", res, _overflow_hint(p))
    m = res.mean(axis=0)
    se = res.std(axis=0, ddof=1) / math.sqrt(nb)
    return BSDEResult(float(m[0]), float(se[0]), float(m[1]), float(se[1]), n, P)
