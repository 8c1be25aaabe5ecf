"""Risk measures: selection kernel vs np.partition twin, closed forms for Gaussian and Pareto."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from numerics import risk, risk_ref
from tests.strategies_stoch import levels


@pytest.mark.parametrize("N", [1, 2, 3, 17, 1000, 300_000, 2_000_000])
@pytest.mark.parametrize("alpha", [0.5, 0.9, 0.99, 0.999])
def test_historical_matches_partition_twin(N, alpha):
    x = np.random.default_rng(N).standard_t(3, size=N)
    q, cv = risk.historical_var_cvar(x, alpha)
    q2, cv2 = risk_ref.var_cvar(x, alpha)
    assert q == q2
    assert cv == pytest.approx(cv2, rel=1e-12, abs=1e-12)


@given(alpha=levels(0.01, 0.999), data=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1,
                                                  max_size=200))
def test_historical_property(alpha, data):
    q, cv = risk.historical_var_cvar(data, alpha)
    q2, cv2 = risk_ref.var_cvar(data, alpha)
    assert q == q2 and cv == pytest.approx(cv2, rel=1e-9, abs=1e-6)
    assert cv >= q


def test_sorted_and_constant_input_fall_back_correctly():
    x = np.sort(np.random.default_rng(1).standard_normal(1_000_000))
    assert risk.historical_var_cvar(x, 0.99) == pytest.approx(risk_ref.var_cvar(x, 0.99), rel=1e-12)
    x = np.full(500_000, 2.5)
    assert risk.historical_var_cvar(x, 0.99) == (2.5, 2.5)


def test_gaussian_closed_form_within_4se():
    mu, sigma, alpha, N = 0.3, 2.0, 0.99, 2_000_000
    x = mu + sigma * np.random.default_rng(7).standard_normal(N)
    q, cv = risk.historical_var_cvar(x, alpha)
    se_q, se_cv = risk.historical_se(x, alpha)
    assert abs(q - risk.gaussian_var(mu, sigma, alpha)) <= 4 * se_q
    assert abs(cv - risk.gaussian_cvar(mu, sigma, alpha)) <= 4 * se_cv
    # the closed form itself: mu + sigma phi(z)/(1-alpha) at alpha = 0.99
    z = 2.3263478740408408
    assert risk.gaussian_cvar(mu, sigma, alpha) == pytest.approx(
        mu + sigma * math.exp(-z * z / 2) / math.sqrt(2 * math.pi) / 0.01, rel=1e-14)


def test_pareto_closed_form_within_4se():
    xm, xi, alpha, N = 1.0, 0.25, 0.99, 2_000_000
    x = risk.pareto_sample(xm, xi, N, rng=9)
    q, cv = risk.historical_var_cvar(x, alpha)
    se_q, se_cv = risk.historical_se(x, alpha)
    assert abs(q - risk.pareto_var(xm, xi, alpha)) <= 4 * se_q
    assert abs(cv - risk.pareto_cvar(xm, xi, alpha)) <= 4 * se_cv
    assert risk.pareto_cvar(xm, xi, alpha) == pytest.approx(risk.pareto_var(xm, xi, alpha) / (1 - xi))


def test_gaussian_cvar_underestimates_pareto_tail():
    # the measurement can tell a heavy tail from a Gaussian fitted to the same mean and s.d.
    x = risk.pareto_sample(1.0, 0.25, 1_000_000, rng=10)
    _, cv = risk.historical_var_cvar(x, 0.999)
    _, se = risk.historical_se(x, 0.999)
    g = risk.gaussian_cvar(float(x.mean()), float(x.std()), 0.999)
    assert g < cv - 4 * se


def test_entropic_gaussian_within_4se():
    mu, sigma, theta = -0.1, 0.5, 1.5
    x = mu + sigma * np.random.default_rng(12).standard_normal(1_000_000)
    val, se = risk.entropic_risk(x, theta)
    assert abs(val - risk.gaussian_entropic(mu, sigma, theta)) <= 4 * se


@pytest.mark.parametrize("call,match", [
    (lambda: risk.historical_var_cvar([1.0, 2.0], 1.0), r"alpha must be in \(0.0, 1.0\)"),
    (lambda: risk.historical_var_cvar([1.0, float("nan")], 0.9), "losses must be finite"),
    (lambda: risk.historical_var_cvar([1.0, float("inf")], 0.9), "losses must be finite"),
    (lambda: risk.historical_var_cvar([], 0.9), "losses must not be empty"),
    (lambda: risk.pareto_cvar(1.0, 1.0, 0.9), "xi must be in"),
    (lambda: risk.gaussian_cvar(0.0, -1.0, 0.9), "sigma must be in"),
    (lambda: risk.entropic_risk([1.0], 0.0), "theta must be in"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_results_do_not_depend_on_thread_count(monkeypatch):
    x = np.random.default_rng(2).standard_normal(1_500_000)
    out = []
    for nt in ("1", "2"):
        monkeypatch.setenv("ROUGHATLAS_THREADS", nt)
        out.append(risk.historical_var_cvar(x, 0.99))
    assert out[0] == out[1]
