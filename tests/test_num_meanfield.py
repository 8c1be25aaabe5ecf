"""McKean-Vlasov particles: kernel vs NumPy twin, OU variance closed form, propagation-of-chaos rate."""
import math

import numpy as np
import pytest

from numerics import meanfield as mf
from numerics import meanfield_ref as mr
from numerics._bs_mc_helpers import normals


def test_kernel_matches_numpy_twin_with_paths():
    x0 = np.random.default_rng(1).standard_normal(300)
    r = mf.simulate(x0, 1.5, 0.3, 1.0, 50, rng=4, keep_paths=True)
    z = normals(np.random.default_rng(4), (1, 50, 300))
    m, var, xT, paths = mr.euler_batch(x0[None], z, 1.5, 0.3, 1.0 / 50, keep_paths=True)
    np.testing.assert_allclose(r.var, var[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(r.mean, m[0], rtol=0, atol=1e-14)
    np.testing.assert_allclose(r.paths, paths[0], rtol=0, atol=1e-13)
    np.testing.assert_allclose(r.x_T, r.paths[-1], rtol=0, atol=0)


def test_batch_matches_twin_and_is_seed_reproducible():
    t, m1, v1 = mf.simulate_batch(6, 40, 2.0, 0.5, 0.5, 20, V0=0.2, rng=3)
    t, m2, v2 = mf.simulate_batch(6, 40, 2.0, 0.5, 0.5, 20, V0=0.2, rng=3)
    np.testing.assert_array_equal(v1, v2)
    g = np.random.default_rng(3)
    x0 = math.sqrt(0.2) * normals(g, (6, 40))
    z = normals(g, (6, 20, 40))
    m, var, _ = mr.euler_batch(x0, z, 2.0, 0.5, 0.5 / 20)
    np.testing.assert_allclose(v1, var, rtol=1e-12, atol=1e-15)


def test_mean_is_driven_by_noise_only():
    # the drift conserves the empirical mean exactly: mean moves by sigma sqrt(dt) * mean(z)
    r = mf.simulate(np.linspace(-1, 3, 100), 1.0, 0.0, 1.0, 30, rng=0)
    np.testing.assert_allclose(r.mean, 1.0, atol=1e-14)


def test_ou_variance_closed_form_within_4se():
    theta, sigma, V0, T, n = 1.5, 0.3, 0.2, 1.0, 400
    R, N = 400, 200
    t, _, var = mf.simulate_batch(R, N, theta, sigma, T, n, V0=V0, rng=8)
    idx = np.array([40, 100, 200, 400])
    est = var[:, idx].mean(axis=0) * N / (N - 1)          # unbiased for the particle variance
    se = var[:, idx].std(axis=0, ddof=1) / math.sqrt(R) * N / (N - 1)
    exact = mf.ou_variance(t[idx], V0, theta, sigma)
    euler = mf.euler_expected_variance(n, T, V0, theta, sigma, N)[idx] * N / (N - 1)
    # the Euler recursion is what the scheme targets exactly; its bias against V(t) is O(dt)
    # and here below a quarter of the standard error, so both comparisons hold at 4 SE
    assert np.all(np.abs(euler - exact) < 0.25 * se)
    assert np.all(np.abs(est - euler) <= 4 * se), (est, euler, se)
    assert np.all(np.abs(est - exact) <= 4 * se), (est, exact, se)


def test_ou_variance_rejects_wrong_theta():
    # the same measurement distinguishes theta = 1.5 from theta = 1.0
    t, _, var = mf.simulate_batch(400, 200, 1.5, 0.3, 1.0, 400, V0=0.2, rng=8)
    est = var[:, -1].mean() * 200 / 199
    se = var[:, -1].std(ddof=1) / 20 * 200 / 199
    assert abs(est - mf.ou_variance(1.0, 0.2, 1.0, 0.3)) > 8 * se


def test_euler_recursion_converges_to_closed_form():
    e1 = abs(mf.euler_expected_variance(100, 1.0, 0.2, 1.5, 0.3, 10**12)[-1] - mf.ou_variance(1.0, 0.2, 1.5, 0.3))
    e2 = abs(mf.euler_expected_variance(200, 1.0, 0.2, 1.5, 0.3, 10**12)[-1] - mf.ou_variance(1.0, 0.2, 1.5, 0.3))
    assert 1.8 < e1 / e2 < 2.2   # first order in dt


@pytest.mark.slow
@pytest.mark.witness
def test_propagation_of_chaos_rate_minus_half():
    res = mf.chaos_rate([50, 100, 200, 500, 1000, 2000], theta=1.5, sigma=0.3, T=1.0, n_steps=100,
                        n_rep=120, rng=5)
    assert res.slope_se < 0.05
    assert abs(res.slope + 0.5) <= 4 * res.slope_se, (res.slope, res.slope_se)


@pytest.mark.parametrize("call,match", [
    (lambda: mf.simulate([0.0, 1.0], -1.0, 0.3, 1.0, 10), "theta must be in"),
    (lambda: mf.simulate([0.0, 1.0], 1.0, 0.3, 1.0, 0), "n_steps must be an integer in"),
    (lambda: mf.simulate([0.0], 1.0, 0.3, 1.0, 10), "x0 must hold at least 2 particles"),
    (lambda: mf.simulate([0.0, float("nan")], 1.0, 0.3, 1.0, 10), "x0 must be finite"),
    (lambda: mf.simulate([0.0, 1.0], 50.0, 0.3, 1.0, 10), "theta \\* T / n_steps must be < 1"),
    (lambda: mf.simulate_batch(10**6, 10**6, 1.0, 0.3, 1.0, 100), "would need .* GiB"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_results_do_not_depend_on_thread_count(assert_same_under_threads):
    assert_same_under_threads(lambda: (mf.simulate_batch(7, 50, 1.0, 0.3, 1.0, 20, V0=0.1, rng=2)[2],))
