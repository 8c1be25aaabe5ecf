"""Estimators: power-law fit, smile skew/curvature, variogram Hurst, Volterra power integral."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numerics import estimators as es
from tests.strategies_det import hurst, maturities


@given(p=st.floats(-2.0, 2.0, allow_nan=False), c=st.floats(0.01, 100.0, allow_nan=False))
def test_power_law_exact_data(p, c):
    x = np.geomspace(1e-3, 1e-1, 9)
    fit = es.fit_power_law(x, c * x ** p)
    assert fit.exponent == pytest.approx(p, abs=1e-10)
    assert fit.prefactor == pytest.approx(c, rel=1e-9)
    assert fit.exponent_se < 1e-9
    if abs(p) > 1e-6:
        assert fit.r2 == pytest.approx(1.0)


def test_power_law_standard_errors_are_calibrated():
    # multiplicative log-normal noise: the exponent's z-score is standard normal
    rng = np.random.default_rng(7)
    x = np.geomspace(1.0, 100.0, 20)
    z = []
    for _ in range(400):
        y = 2.0 * x ** -0.3 * np.exp(0.05 * rng.standard_normal(x.shape))
        fit = es.fit_power_law(x, y)
        z.append((fit.exponent + 0.3) / fit.exponent_se)
    z = np.array(z)
    assert abs(z.mean()) < 0.2 and 0.85 < z.std() < 1.15


def test_smile_skew_and_curvature_of_a_polynomial_smile():
    k = np.linspace(-0.05, 0.05, 11)
    iv = 0.2 - 0.3 * k + 1.5 * k ** 2 + 4.0 * k ** 3
    fit = es.smile_skew_curvature(k, iv)
    assert fit["skew"] == pytest.approx(-0.3, rel=1e-9)
    assert fit["curvature"] == pytest.approx(3.0, rel=1e-7)
    assert fit["atm_vol"] == pytest.approx(0.2, rel=1e-12)


def test_smile_error_control_flags_a_non_polynomial_smile():
    # a kink at the money: the two fit degrees disagree, so the error estimate is large
    k = np.linspace(-0.1, 0.1, 21)
    iv = 0.2 + 0.5 * np.abs(k) - 0.2 * k
    fit = es.smile_skew_curvature(k, iv)
    assert fit["curvature_err"] > 0.1 * abs(fit["curvature"])
    smooth = es.smile_skew_curvature(k, 0.2 - 0.2 * k + np.sin(k) ** 2)
    assert smooth["skew_err"] < 1e-6 and abs(smooth["skew"] + 0.2) < 1e-6


@given(H=hurst(0.1, 0.9))
def test_variogram_hurst_on_exact_fbm_covariance(H):
    # variogram of fBM increments is exactly L^(2H): feed the exact structure through a
    # path with that variogram (sum of a deterministic power profile) -> exact slope
    n = 4000
    t = np.arange(n, dtype=float)
    lags = np.array([1, 2, 4, 8, 16, 32])
    # use the estimator's log-log regression on the exact variogram values
    m = lags.astype(float) ** (2 * H)
    fit = es.fit_power_law(lags, m)
    assert fit.exponent / 2 == pytest.approx(H, abs=1e-12)
    # and on a random-walk path (H = 1/2) the estimate is near 1/2
    rng = np.random.default_rng(3)
    out = es.variogram_hurst(np.cumsum(rng.standard_normal(n)), lags=lags)
    assert abs(out["H"] - 0.5) < 4 * out["H_se"] + 0.02
    assert t.shape == (n,)


def test_variogram_hurst_on_simulated_fbm():
    # exact fBM by Cholesky of its covariance, H = 0.2
    H, n = 0.2, 600
    t = np.arange(1, n + 1, dtype=float)
    cov = 0.5 * (t[:, None] ** (2 * H) + t[None, :] ** (2 * H) - np.abs(t[:, None] - t[None, :]) ** (2 * H))
    L = np.linalg.cholesky(cov + 1e-12 * np.eye(n))
    rng = np.random.default_rng(11)
    est = [es.variogram_hurst(L @ rng.standard_normal(n), lags=[1, 2, 3, 5, 8, 13, 21])["H"] for _ in range(20)]
    assert abs(np.mean(est) - H) < 0.02


@given(H=hurst(0.01, 0.99), T=maturities(1e-4, 10.0))
def test_volterra_power_integral_closed_form(H, T):
    v, err = es.volterra_power_integral(H, T)
    assert v == pytest.approx(T ** (H + 0.5) / (H + 0.5), rel=1e-13)
    assert err <= 1e-12 * v


def test_volterra_power_integral_with_a_smooth_factor():
    # int_0^T u^(H-1/2) e^{-u} du = gamma_lower(H + 1/2, T)
    from scipy.special import gamma, gammainc
    H, T = 0.1, 2.0
    v, err = es.volterra_power_integral(H, T, f=lambda u: np.exp(-u))
    want = gammainc(H + 0.5, T) * gamma(H + 0.5)
    assert v == pytest.approx(want, rel=1e-13) and err < 1e-12


@pytest.mark.parametrize("call, match", [
    (lambda: es.fit_power_law([1, 2], [1, 2]), "at least 3 points"),
    (lambda: es.fit_power_law([1, 2, 3], [1, -2, 3]), "y entries must be in"),
    (lambda: es.fit_power_law([1, 2, 3], [1, 2]), "same shape"),
    (lambda: es.fit_power_law([1, 1, 1], [1, 2, 3]), "two distinct"),
    (lambda: es.fit_power_law([1, 2, np.nan], [1, 2, 3]), "x must be finite"),
    (lambda: es.smile_skew_curvature([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0.2] * 6), "bracket 0"),
    (lambda: es.smile_skew_curvature([-0.1, 0.0, 0.1], [0.2] * 3), "at least degree"),
    (lambda: es.variogram_hurst(np.arange(10.0), lags=[1, 2, 50]), "lags must be <"),
    (lambda: es.volterra_power_integral(1.0, 1.0), "H must be in"),
    (lambda: es.volterra_power_integral(0.3, 0.0), "T must be in"),
    (lambda: es.volterra_power_integral(0.3, 1.0, f=lambda u: u * np.nan), "finite values"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_standard_error_of_hurst_is_reported():
    rng = np.random.default_rng(5)
    out = es.variogram_hurst(np.cumsum(rng.standard_normal(2000)))
    assert out["H_se"] > 0 and math.isfinite(out["H_se"]) and len(out["lags"]) >= 3
