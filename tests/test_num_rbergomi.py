"""rBergomi Monte Carlo: kernel vs NumPy twin, martingale and estimator checks, ATM skew exponent."""
import math

import numpy as np
import pytest

from numerics import rbergomi as rb
from numerics import rbergomi_ref
from numerics._bs_mc_helpers import normals


@pytest.mark.parametrize("kappa", [1, 2])
def test_pipeline_matches_numpy_twin(kappa):
    n, P = 30, 257
    g = np.random.default_rng(3)
    z = normals(g, (kappa + 1, n, P))
    zb = normals(g, (n, P))
    p = rb.simulate_from_normals(z, zb, 0.1, 1.5, -0.7, 0.04, 0.5, kappa, keep_paths=True)
    lT, iv, ia, V, logS = rbergomi_ref.simulate_from_normals(z, zb, 0.1, 1.5, -0.7, 0.04, 0.5, kappa)
    np.testing.assert_allclose(p.logS_T, lT, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(p.intV, iv, rtol=1e-12, atol=0)
    np.testing.assert_allclose(p.intA, ia, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(p.V, V, rtol=1e-12, atol=0)
    np.testing.assert_allclose(p.logS, logS, rtol=1e-12, atol=1e-13)


def test_seed_reproducible():
    a = rb.simulate(0.1, 1.5, -0.7, 0.04, 1.0, 20, 1000, rng=5)
    b = rb.simulate(0.1, 1.5, -0.7, 0.04, 1.0, 20, 1000, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a.logS_T, b.logS_T)


def test_price_is_martingale_within_4se():
    p = rb.simulate(0.1, 1.5, -0.7, 0.04, 1.0, 50, 100_000, rng=7)
    S = np.exp(p.logS_T)
    assert abs(S.mean() - 1.0) <= 4 * S.std(ddof=1) / math.sqrt(S.size)


def test_antithetic_pairs_are_negated_draws():
    p = rb.simulate(0.1, 1.5, -0.7, 0.04, 1.0, 20, 2000, rng=9, antithetic=True)
    assert p.antithetic
    # Y flips sign between the pairs, so the products V_i V'_i = xi^2 exp(-eta^2 t^2H) exactly
    q = rb.simulate(0.1, 1.5, -0.7, 0.04, 1.0, 20, 2000, rng=9, antithetic=True, keep_paths=True)
    t2h = q.t ** 0.2
    np.testing.assert_allclose(q.V[:, :1000] * q.V[:, 1000:],
                               (0.04 ** 2 * np.exp(-1.5 ** 2 * t2h))[:, None] * np.ones((1, 1000)),
                               rtol=1e-12)


def test_mixing_and_plain_estimators_agree_and_mixing_is_tighter():
    K = np.array([0.8, 1.0, 1.2])
    a = rb.european(K, 0.5, 0.1, 1.5, -0.7, 0.04, n_steps=50, n_paths=40000, estimator="plain", rng=1)
    b = rb.european(K, 0.5, 0.1, 1.5, -0.7, 0.04, n_steps=50, n_paths=40000, estimator="mixing", rng=2)
    assert np.all(np.abs(a.price - b.price) <= 4 * np.hypot(a.se, b.se))
    assert np.all(b.se < a.se)
    assert np.all(np.isfinite(b.iv)) and np.all(b.iv_se > 0)
    # negative rho: implied vol decreasing in strike (skew), beyond the noise
    assert b.iv[0] - b.iv[2] > 4 * math.hypot(b.iv_se[0], b.iv_se[2])


def test_zero_correlation_has_no_skew():
    # at rho = 0 every path of the mixing estimator has F = 1, and at K = F = 1 the pathwise
    # strike derivative is (C - 1) / 2, so the estimated skew vanishes identically: both it and
    # its SE are rounding noise (~1e-15), and "|skew| <= 4 SE" would compare noise with noise
    s = rb.atm_skew([0.01, 0.1], 0.1, 1.5, 0.0, 0.04, n_steps=30, n_paths=20000, rng=4)
    assert np.all(np.abs(s.skew) < 1e-12)
    s = rb.atm_skew([0.01, 0.1], 0.1, 1.5, -0.3, 0.04, n_steps=30, n_paths=20000, rng=4)
    assert np.all(s.skew < -4 * s.se)


@pytest.mark.witness
@pytest.mark.parametrize("H", [0.1, 0.3])
def test_atm_skew_exponent_is_H_minus_half(H):
    # eta = 0.5: the eta^2 T^(2H) correction to the power law is ~5x below the slope's SE here
    # (at eta = 1.5 it is not: the fitted slope is ~0.014 more negative, about 4 SE; see STOCHASTIC.md)
    Ts = np.geomspace(0.002, 0.1, 5)
    s = rb.atm_skew(Ts, H, 0.5, -0.7, 0.04, n_steps=50, n_paths=40000, rng=100)
    fit = rb.fit_power_law(Ts, s.skew, s.se)
    beta, se = fit.exponent, fit.exponent_se
    assert se < 0.01
    assert abs(beta - (H - 0.5)) <= 4 * se, (beta, se)
    # and the measurement tells the two roughness regimes apart
    other = 0.3 if H == 0.1 else 0.1
    assert abs(beta - (other - 0.5)) > 10 * se


@pytest.mark.parametrize("call,match", [
    (lambda: rb.simulate(0.0, 1.5, -0.7, 0.04, 1.0, 10, 10), "H must be in"),
    (lambda: rb.simulate(0.1, -1.0, -0.7, 0.04, 1.0, 10, 10), "eta must be in"),
    (lambda: rb.simulate(0.1, 1.5, -1.5, 0.04, 1.0, 10, 10), "rho must be in"),
    (lambda: rb.simulate(0.1, 1.5, -0.7, 0.0, 1.0, 10, 10), "xi0 must be in"),
    (lambda: rb.simulate(0.1, 1.5, -0.7, 0.04, float("inf"), 10, 10), "T must be finite"),
    (lambda: rb.simulate(0.1, 1.5, -0.7, 0.04, 1.0, 10, 11, antithetic=True), "n_paths must be even"),
    (lambda: rb.simulate(0.1, 1.5, -0.7, 0.04, 1.0, 1000, 10**9), "would need .* GiB"),
    (lambda: rb.european([-1.0], 1.0, 0.1, 1.5, -0.7, 0.04), "K entries must be in"),
    (lambda: rb.european([1.0], 1.0, 0.1, 1.5, -0.7, 0.04, estimator="x"), "estimator must be"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_results_do_not_depend_on_thread_count(assert_same_under_threads):
    def run():
        p = rb.simulate(0.1, 1.5, -0.7, 0.04, 1.0, 30, 1000, kappa=2, rng=12, keep_paths=True)
        return p.logS_T, p.intV, p.V
    assert_same_under_threads(run)


def test_european_warns_when_no_implied_vol_exists():
    # a strike so far out of the money that every simulated payoff is zero: price 0, no vol
    with pytest.warns(RuntimeWarning, match="no implied volatility"):
        r = rb.european([50.0], 0.1, 0.1, 1.5, -0.7, 0.04, n_steps=10, n_paths=200, estimator="plain", rng=1)
    assert np.isnan(r.iv[0]) and r.price[0] == 0.0


def test_standard_errors_need_two_samples():
    with pytest.raises(ValueError, match="n_paths must be an integer in \\[4, inf\\]"):
        rb.european([1.0], 1.0, 0.1, 1.5, -0.7, 0.04, n_paths=2)
    with pytest.raises(ValueError, match="n_paths must be an integer in \\[2, inf\\]"):
        rb.atm_skew([0.1], 0.1, 1.5, -0.7, 0.04, n_paths=1, antithetic=False)


@pytest.mark.parametrize("antithetic,keep", [(False, False), (True, True)])
def test_seeded_pipeline_consumes_its_pathblock_normals(antithetic, keep):
    # simulate draws its normals inside the kernel, block by block; the same numbers as arrays
    # through the pre-drawn-normals kernel must give bit-identical paths (P not a multiple of 64)
    from numerics._bs_mc_helpers import seed_of
    n, P = 17, 2 * 161
    a = rb.simulate(0.1, 1.5, -0.7, 0.04, 0.5, n, P, rng=np.random.default_rng(12), antithetic=antithetic,
                    keep_paths=keep)
    z, zb = rb.pathblock_normals(seed_of(np.random.default_rng(12)), 1, n, P, antithetic)
    b = rb.simulate_from_normals(z, zb, 0.1, 1.5, -0.7, 0.04, 0.5, 1, keep_paths=keep)
    for f in ("logS_T", "intV", "intA", "V", "logS"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                            "ignore:invalid value encountered:RuntimeWarning")
def test_kernel_exp_handles_extreme_exponents():
    # eta Y far beyond the polynomial exp's range: libm takes over (no overflow garbage, no NaN)
    n, P = 4, 70
    z = np.full((2, n, P), 40.0)
    zb = np.zeros((n, P))
    # the kernel itself (the public wrapper refuses the overflowed paths with a ValueError)
    L, g, scale, sxi, e2, _ = rb._kernel_args(n, 0.1, 60.0, 0.04, 1.0, 1)
    out = rb._outputs(n, P, True)
    rb._rbergomi.simulate_normals(z, zb, L, g, scale, sxi, e2, 60.0, 0.0, 1.0 / n, *out, 1)
    lT, iv, ia, V, logS = rbergomi_ref.simulate_from_normals(z, zb, 0.1, 60.0, 0.0, 0.04, 1.0, 1)
    assert np.all(np.isinf(V[1:])) and np.all(np.isinf(out[3][1:]))
    np.testing.assert_allclose(out[3][0], V[0], rtol=1e-15)
    with pytest.raises(ValueError, match="simulated variance leaves the double range at eta = 60.0"):
        rb.simulate_from_normals(z, zb, 0.1, 60.0, 0.0, 0.04, 1.0, 1, keep_paths=True)
    z = -z        # exponents far below -708: exp underflows to 0 / subnormals, as in NumPy
    p = rb.simulate_from_normals(z, zb, 0.1, 60.0, 0.0, 0.04, 1.0, 1, keep_paths=True)
    lT, iv, ia, V, logS = rbergomi_ref.simulate_from_normals(z, zb, 0.1, 60.0, 0.0, 0.04, 1.0, 1)
    assert np.all(V[1:] < 1e-300)
    np.testing.assert_allclose(p.V, V, rtol=1e-12, atol=0)
    np.testing.assert_allclose(p.logS_T, lT, rtol=1e-12, atol=0)
