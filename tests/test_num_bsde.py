"""Linear BSDE: closed form vs an independent Girsanov Monte Carlo, LSMC vs the scheme's exact value."""
import math

import numpy as np
import pytest

from numerics import bsde

BASE = dict(a=0.5, b=0.3, c=0.2, T=1.0, x0=0.5, mu=0.1, sigma=0.4)


@pytest.mark.parametrize("terminal", ["linear", "quadratic", "call", "exp"])
def test_closed_form_matches_girsanov_monte_carlo(terminal):
    # Y_0 = E[Gamma_T g(X_T)] + c (e^{aT}-1)/a under P, with Gamma_T = e^{aT + b W_T - b^2 T/2}
    p = bsde.LinearBSDE(**BASE, terminal=terminal, k=0.6, lam=0.8)
    W = math.sqrt(p.T) * np.random.default_rng(3).standard_normal(1_000_000)
    X = p.x0 + p.mu * p.T + p.sigma * W
    samples = np.exp(p.a * p.T + p.b * W - 0.5 * p.b ** 2 * p.T) * p.g(X)
    mc = samples.mean() + p.c * math.expm1(p.a * p.T) / p.a
    se = samples.std(ddof=1) / math.sqrt(samples.size)
    Y0, _ = bsde.closed_form(p)
    assert abs(mc - Y0) <= 4 * se


def test_closed_form_z_is_sigma_times_space_derivative():
    p = bsde.LinearBSDE(**BASE, terminal="call", k=0.6)
    h = 1e-5
    up = bsde.closed_form(bsde.LinearBSDE(**{**BASE, "x0": BASE["x0"] + h}, terminal="call", k=0.6))[0]
    dn = bsde.closed_form(bsde.LinearBSDE(**{**BASE, "x0": BASE["x0"] - h}, terminal="call", k=0.6))[0]
    assert bsde.closed_form(p)[1] == pytest.approx(p.sigma * (up - dn) / (2 * h), rel=1e-7)


@pytest.mark.parametrize("terminal", ["linear", "quadratic"])
def test_lsmc_matches_scheme_exact_value_within_4se(terminal):
    p = bsde.LinearBSDE(**BASE, terminal=terminal)
    r = bsde.solve_lsmc(p, 40, 20000, degree=2, n_batches=10, rng=1)
    Y0, Z0 = bsde.scheme_target_quadratic(p, 40)
    assert abs(r.Y0 - Y0) <= 4 * r.Y0_se
    assert abs(r.Z0 - Z0) <= 4 * r.Z0_se


def test_scheme_converges_to_closed_form_at_first_order():
    p = bsde.LinearBSDE(**BASE, terminal="quadratic")
    exact = bsde.closed_form(p)
    e = [abs(bsde.scheme_target_quadratic(p, n)[0] - exact[0]) for n in (20, 40, 80, 160)]
    ratios = [a / b for a, b in zip(e, e[1:])]
    assert all(1.9 < r < 2.1 for r in ratios)
    ez = abs(bsde.scheme_target_quadratic(p, 640)[1] - exact[1])
    assert ez < 2e-3


def test_lsmc_detects_wrong_driver():
    # the same estimator rejects the value of a BSDE with a different driver (c = 0)
    p = bsde.LinearBSDE(**BASE, terminal="quadratic")
    r = bsde.solve_lsmc(p, 40, 20000, rng=1)
    wrong, _ = bsde.scheme_target_quadratic(bsde.LinearBSDE(**{**BASE, "c": 0.0}, terminal="quadratic"), 40)
    assert abs(r.Y0 - wrong) > 10 * r.Y0_se


@pytest.mark.parametrize("kw,match", [
    (dict(T=0.0), "T must be in"),
    (dict(sigma=-1.0), "sigma must be in"),
    (dict(a=float("nan")), "a must be finite"),
    (dict(terminal="digital"), "terminal must be one of"),
])
def test_bad_parameters(kw, match):
    with pytest.raises(ValueError, match=match):
        bsde.LinearBSDE(**{**BASE, **kw})


def test_bad_solver_input():
    p = bsde.LinearBSDE(**{**BASE, "a": 50.0})
    with pytest.raises(ValueError, match="a \\* T / n_steps must be < 1"):
        bsde.solve_lsmc(p, 10, 100)
    with pytest.raises(ValueError, match="n_paths must be an integer in"):
        bsde.solve_lsmc(bsde.LinearBSDE(**BASE), 10, 5)
    with pytest.raises(ValueError, match="would need .* GiB"):
        bsde.solve_lsmc(bsde.LinearBSDE(**BASE), 10000, 10**9)
