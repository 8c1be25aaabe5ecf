"""Variance of the variance-swap rate under rBergomi: exact double integral vs Monte Carlo."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from numerics import fbm
from numerics import varswap as vs
from tests.strategies_stoch import hurst


@given(H=hurst(0.02, 0.49), u=st.floats(0.001, 0.999))
def test_rl_cov_closed_form_matches_quadrature(H, u):
    assert vs.rl_cov(u, 1.0, H) == pytest.approx(fbm.rl_cov(u, 1.0, H), rel=1e-8, abs=1e-12)


def test_mc_matches_scheme_exact_within_4se():
    H, eta, xi0, T, n = 0.1, 1.0, 0.04, 1.0, 50
    mean, var = vs.vs_moments_scheme(H, eta, xi0, T, n, kappa=1)
    r = vs.vs_variance_mc(H, eta, xi0, T, n, 100_000, kappa=1, rng=1)
    assert abs(r.mean - mean) <= 4 * r.mean_se
    assert abs(r.var - var) <= 4 * r.var_se


def test_mc_matches_continuous_exact_within_4se():
    # at n = 50 the scheme's bias (~0.7 %) is below one SE of 1e5 paths (~1 %), so the MC
    # variance must agree with the double integral at 4 SE
    H, eta, xi0, T = 0.1, 1.0, 0.04, 1.0
    exact = vs.vs_variance_exact(H, eta, xi0, T)
    _, scheme = vs.vs_moments_scheme(H, eta, xi0, T, 50, kappa=1)
    r = vs.vs_variance_mc(H, eta, xi0, T, 50, 100_000, kappa=1, rng=2)
    assert abs(scheme - exact) < r.var_se
    assert abs(r.var - exact) <= 4 * r.var_se
    assert abs(r.mean - xi0) <= 4 * r.mean_se


@pytest.mark.parametrize("kappa", [1, 2])
def test_scheme_variance_converges_to_double_integral(kappa):
    exact = vs.vs_variance_exact(0.1, 1.0, 0.04, 1.0)
    errs = [abs(vs.vs_moments_scheme(0.1, 1.0, 0.04, 1.0, n, kappa)[1] - exact) for n in (25, 50, 100, 200)]
    assert all(b < a for a, b in zip(errs, errs[1:]))
    assert errs[-1] / exact < 3e-3


@pytest.mark.slow
@pytest.mark.witness
@pytest.mark.parametrize("H", [0.1, 0.3])
def test_variance_grows_like_T_to_2H_at_short_maturity(H):
    # Var(VS_T) ~ eta^2 T^(2H) xi0^2 c as T -> 0 (sub-linear in T for H < 1/2)
    slope = vs.vs_variance_exponent(H, 1.0, 0.04, 1e-6, 1e-5)
    assert abs(slope - 2 * H) < 0.01
    assert slope < 1.0


@pytest.mark.slow
def test_variance_grows_with_eta():
    assert vs.vs_variance_exact(0.1, 1.5, 0.04, 1.0) > vs.vs_variance_exact(0.1, 1.0, 0.04, 1.0)


@pytest.mark.parametrize("call,match", [
    (lambda: vs.vs_variance_exact(0.0, 1.0, 0.04, 1.0), "H must be in"),
    (lambda: vs.vs_variance_exact(0.1, 1.0, -0.04, 1.0), "xi0 must be in"),
    (lambda: vs.vs_moments_scheme(0.1, 1.0, 0.04, 1.0, 0), "n_steps must be an integer in"),
    (lambda: vs.vs_variance_mc(0.1, 1.0, 0.04, 0.0, 10, 100), "T must be in"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
