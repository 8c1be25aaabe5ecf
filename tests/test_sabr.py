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


def test_skew_term_structure_consistent_and_not():
    rng = np.random.default_rng(7)
    T = np.array([0.05, 0.1, 0.25, 0.5, 1.0, 2.0])
    true = -0.25 * T ** (0.12 - 0.5)
    err = 0.02 * np.abs(true)
    skew = true + err * rng.standard_normal(T.size)
    r = sabr.skew_term_structure_check(T, skew, err)
    assert r.consistent and r.same_sign and r.dof == 4
    assert abs(r.H - 0.12) < 4 * r.H_se and r.H_se < 0.02
    assert r.c < 0 and r.p_value > 0.05
    # exact data: chi2 = 0, the fit recovers H and c to rounding
    e = sabr.skew_term_structure_check(T, true, err)
    assert e.chi2 < 1e-20 and abs(e.H - 0.12) < 1e-12 and abs(e.c + 0.25) < 1e-12
    # two regimes (H 0.1 up to 3 months, 0.4 beyond) with 1 % errors: rejected
    two = np.where(T <= 0.25, -0.25 * T ** (0.1 - 0.5), -0.25 * 0.25 ** (0.1 - 0.4) * T ** (0.4 - 0.5))
    r2 = sabr.skew_term_structure_check(T, two, 0.01 * np.abs(two))
    assert not r2.consistent and r2.p_value < 1e-6 and r2.chi2 > 50
    # the same data with 50 % errors cannot tell the regimes apart
    r3 = sabr.skew_term_structure_check(T, two, 0.5 * np.abs(two))
    assert r3.consistent
    # one slice of the wrong sign: not one power law, whatever the p-value
    flip = true.copy()
    flip[2] *= -1
    assert not sabr.skew_term_structure_check(T, flip, err).consistent


@pytest.mark.parametrize("kw, match", [
    (dict(T=[0.1, 0.2], skew=[-1.0, -0.8], skew_err=[0.1, 0.1]), "at least 3"),
    (dict(T=[0.1, 0.1, 0.2], skew=[-1.0, -0.9, -0.8], skew_err=[0.1] * 3), "distinct"),
    (dict(T=[0.1, 0.2, 0.3], skew=[-1.0, 0.0, -0.8], skew_err=[0.1] * 3), "non-zero"),
    (dict(T=[0.1, 0.2, 0.3], skew=[-1.0, -0.9, -0.8], skew_err=[0.1, 0.0, 0.1]), "skew_err"),
    (dict(T=[0.1, 0.2, 0.3], skew=[-1.0, -0.9], skew_err=[0.1] * 3), "same length"),
    (dict(T=[0.1, 0.2, 0.3], skew=[-1.0, -0.9, -0.8], skew_err=[0.1] * 3, alpha=1.5), "alpha"),
])
def test_skew_term_structure_bad_input(kw, match):
    with pytest.raises(ValueError, match=match):
        sabr.skew_term_structure_check(**kw)


def test_rebalancing_interval_measured_law():
    # at the reference point: the reference count, divided by the tolerance
    r = sabr.rebalancing_interval(T=1.0, H=0.1, n_ref=40, T_ref=1.0)
    assert r.n_rebalance == 40 and r.interval == pytest.approx(1 / 40) and r.exponent == -0.2
    assert sabr.rebalancing_interval(1.0, 0.1, 40, 1.0, tolerance=0.1).n_rebalance == 400
    # N* ~ T^(-2H), the measured law -- not the paper's T^(2(1-H))
    for H in (0.05, 0.1, 0.3, 0.5):
        a = sabr.rebalancing_interval(0.1, H, 1e4, 1.0)
        b = sabr.rebalancing_interval(1.0, H, 1e4, 1.0)
        slope = math.log(b.n_optimal / a.n_optimal) / math.log(10.0)
        assert slope == pytest.approx(-2 * H, abs=1e-12)
        assert abs(slope - 2 * (1 - H)) > 1.0
        # the interval T/N* scales as T^(1 + 2H)
        assert math.log((1.0 / b.n_optimal) / (0.1 / a.n_optimal)) / math.log(10.0) \
            == pytest.approx(1 + 2 * H, abs=1e-12)
    # rougher volatility: more rebalancing for a short maturity than the classical H = 1/2
    assert sabr.rebalancing_interval(0.1, 0.1, 50, 1.0).n_rebalance < sabr.rebalancing_interval(0.1, 0.5, 50, 1.0).n_rebalance
    # never fewer than one rebalancing
    assert sabr.rebalancing_interval(10.0, 0.5, 1.0, 1.0).n_rebalance == 1


@pytest.mark.parametrize("kw, match", [
    (dict(T=0.0, H=0.1, n_ref=10, T_ref=1.0), "T"),
    (dict(T=1.0, H=1.0, n_ref=10, T_ref=1.0), "H"),
    (dict(T=1.0, H=0.1, n_ref=-1, T_ref=1.0), "n_ref"),
    (dict(T=1.0, H=0.1, n_ref=10, T_ref=float("nan")), "T_ref"),
    (dict(T=1.0, H=0.1, n_ref=10, T_ref=1.0, tolerance=0), "tolerance"),
    (dict(T=1e-6, H=0.9, n_ref=1e10, T_ref=100.0, tolerance=1e-3), "out of range"),
])
def test_rebalancing_interval_bad_input(kw, match):
    with pytest.raises(ValueError, match=match):
        sabr.rebalancing_interval(**kw)
