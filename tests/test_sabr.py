"""SABR (Hagan lognormal) and the per-slice quadratic benchmark."""
import math

import numpy as np
import pytest

from numerics import sabr

CASES = [  # F, T, alpha, beta, rho, nu
    (1.0, 1.0, 0.2, 1.0, -0.5, 0.6),
    (0.03, 2.0, 0.02, 0.5, 0.3, 0.4),
    (100.0, 0.5, 2.0, 0.5, -0.7, 1.2),
    (1.0, 1.0, 0.2, 0.0, 0.0, 0.0),
    (50.0, 0.1, 0.35, 1.0, -0.9, 2.5),
]


@pytest.mark.parametrize("F,T,alpha,beta,rho,nu", CASES)
def test_hagan_matches_quantlib_reference(F, T, alpha, beta, rho, nu):
    ql = pytest.importorskip("QuantLib")
    K = F * np.array([0.6, 0.8, 0.95, 1.0, 1.05, 1.2, 1.5])
    ours = sabr.hagan_vol(K, F, T, alpha, beta, rho, nu)
    ref = np.array([ql.sabrVolatility(float(k), F, T, alpha, beta, nu, rho) for k in K])
    np.testing.assert_allclose(ours, ref, rtol=1e-8)


def test_hagan_limits():
    # nu = 0, beta = 1: lognormal, flat smile alpha (1 + 0 T)
    v = sabr.hagan_vol([0.5, 1.0, 2.0], 1.0, 3.0, 0.25, 1.0, -0.4, 0.0)
    np.testing.assert_allclose(v, 0.25, rtol=1e-14)
    # ATM: the small-z series joins the closed form continuously
    F, T, a, b, r, n = 1.0, 1.0, 0.2, 0.7, -0.5, 0.8
    atm = sabr.hagan_vol(F, F, T, a, b, r, n)[0]
    closed = a / F ** (1 - b) * (1 + ((1 - b) ** 2 / 24 * a * a / F ** (2 - 2 * b)
                                       + r * b * n * a / (4 * F ** (1 - b)) + (2 - 3 * r * r) / 24 * n * n) * T)
    assert atm == pytest.approx(closed, rel=1e-14)
    near = sabr.hagan_vol(F * np.array([1 - 1e-5, 1 + 1e-5]), F, T, a, b, r, n)
    assert 0.5 * (near[0] + near[1]) == pytest.approx(atm, rel=1e-8)   # O(h^2) from the curvature
    # negative rho gives a downward skew
    v = sabr.hagan_vol([0.9, 1.1], 1.0, 1.0, 0.2, 1.0, -0.6, 0.5)
    assert v[0] > v[1]


def test_calibrate_slice_recovers_parameters():
    F, T = 1.0, 0.5
    K = np.linspace(0.8, 1.2, 11)
    vols = sabr.hagan_vol(K, F, T, 0.21, 1.0, -0.55, 0.9)
    fit = sabr.calibrate_slice(K, F, T, vols, beta=1.0)
    assert fit["alpha"] == pytest.approx(0.21, rel=1e-6)
    assert fit["rho"] == pytest.approx(-0.55, abs=1e-5)
    assert fit["nu"] == pytest.approx(0.9, rel=1e-5)
    assert fit["rmse_bps"] < 1e-4
    np.testing.assert_allclose(fit.vol(K), vols, atol=1e-10)


def test_quadratic_slice_exact_and_weighted():
    K = np.linspace(85, 115, 9)
    vols = 0.2 - 0.3 * (K / 100 - 1) + 0.8 * (K / 100 - 1) ** 2
    q = sabr.quadratic_slice(K, 100.0, vols)
    assert (q["a"], q["b"], q["c"]) == pytest.approx((0.2, -0.3, 0.8), abs=1e-12)
    np.testing.assert_allclose(sabr.quadratic_vol(K, 100.0, q), vols, atol=1e-14)
    noisy = vols + np.array([0, 0, 0, 0, 50e-4, 0, 0, 0, 0])
    w = np.ones(9)
    w[4] = 0.0                      # zero weight on the bumped quote: exact again
    q2 = sabr.quadratic_slice(K, 100.0, noisy, weights=w)
    assert q2["a"] == pytest.approx(0.2, abs=1e-12)


@pytest.mark.parametrize("call,match", [
    (lambda: sabr.hagan_vol([1.0], 1.0, 1.0, -0.1, 1.0, 0.0, 0.5), "alpha"),
    (lambda: sabr.hagan_vol([1.0], 1.0, 1.0, 0.2, 1.5, 0.0, 0.5), "beta"),
    (lambda: sabr.hagan_vol([1.0], 1.0, 1.0, 0.2, 1.0, 1.0, 0.5), "rho"),
    (lambda: sabr.hagan_vol([-1.0], 1.0, 1.0, 0.2, 1.0, 0.0, 0.5), "K"),
    (lambda: sabr.hagan_vol([1.0], 1.0, float("nan"), 0.2, 1.0, 0.0, 0.5), "T"),
    (lambda: sabr.calibrate_slice([1.0, 1.1], 1.0, 1.0, [0.2, 0.2]), "at least 3"),
    (lambda: sabr.calibrate_slice([0.9, 1.0, 1.1], 1.0, 1.0, [0.2, 0.2]), "same length"),
    (lambda: sabr.quadratic_slice([0.9, 1.0, 1.1], 1.0, [0.2, float("nan"), 0.2]), "vols"),
    (lambda: sabr.quadratic_slice([0.9, 1.0, 1.1], 1.0, [0.2, 0.2, 0.2], weights=[0, 0, 0]), "weights"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_atm_skew_and_power_law():
    # beta = 1: the ATM skew of Hagan's formula is rho nu / 2 to leading order
    sk = sabr.atm_skew(1.0, 1e-4, 0.2, 1.0, -0.5, 0.8)
    assert sk == pytest.approx(-0.5 * 0.8 / 2, rel=1e-3)
    T = np.array([0.1, 0.3, 1.0, 3.0])
    fit = sabr.skew_power_law(T, -0.4 * T ** (0.1 - 0.5))
    assert fit["H"] == pytest.approx(0.1, abs=1e-12) and fit["c"] == pytest.approx(0.4)
    with pytest.raises(ValueError, match="non-zero"):
        sabr.skew_power_law(T, np.zeros(4))


def test_sabr_delta_and_corrected_delta():
    from scipy.special import ndtr
    K = np.array([0.9, 1.0, 1.2])
    # nu = 0, beta = 1: flat smile alpha, delta is Black's N(d1)
    d, v = sabr.sabr_delta(K, 1.0, 0.5, 0.2, 1.0, 0.0, 0.0)
    sd = 0.2 * math.sqrt(0.5)
    d1 = np.log(1.0 / K) / sd + 0.5 * sd
    np.testing.assert_allclose(d, ndtr(d1), atol=1e-9)
    np.testing.assert_allclose(v, np.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi) * math.sqrt(0.5), rtol=1e-12)
    # beta = 1, rho < 0: sigma_B is a decreasing function of K/F, so it rises with F and the
    # SABR delta exceeds Black's delta at the strike's own vol
    d2, _ = sabr.sabr_delta(K, 1.0, 0.5, 0.2, 1.0, -0.7, 0.8)
    sig = sabr.hagan_vol(K, 1.0, 0.5, 0.2, 1.0, -0.7, 0.8)
    sdk = sig * math.sqrt(0.5)
    assert np.all(d2 > ndtr(np.log(1.0 / K) / sdk + 0.5 * sdk))
    c = sabr.corrected_delta(d, v, 100.0, -0.5, 2.0, 0.25, 0.1)
    np.testing.assert_allclose(c, d + v / 100.0 * -0.5 * 2.0 * 0.25 ** (0.1 - 0.5), rtol=1e-14)
    with pytest.raises(ValueError, match="H"):
        sabr.corrected_delta(d, v, 100.0, -0.5, 2.0, 0.25, 0.0)
