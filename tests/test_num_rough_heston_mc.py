"""Rough Heston Monte Carlo (multi-factor lift): twin, lift vs Volterra Euler, Heston limit, bias vs COS."""
import numpy as np
import pytest

from numerics import rough_heston_mc as rm
from numerics import rough_heston_mc_ref as rr
from numerics._bs_mc_helpers import normals

PAR = dict(kappa=1.0, theta=0.04, eta=0.3, rho=-0.7, V0=0.04)


@pytest.mark.parametrize("hybrid", [False, True])
def test_kernel_matches_numpy_twin(hybrid):
    z = normals(np.random.default_rng(1), (3, 40, 300))
    zi = np.ascontiguousarray(z[2]) if hybrid else None
    p = rm.simulate_from_normals(np.ascontiguousarray(z[0]), np.ascontiguousarray(z[1]), 0.1, **PAR, T=0.5,
                                 keep_paths=True, zi=zi)
    c, g, _ = rm.lift(0.1, 0.5, 40)
    l, iv, ia, V = rr.simulate(z[0], z[1], c, g, PAR["V0"], PAR["kappa"], PAR["theta"], PAR["eta"],
                               PAR["rho"], 0.5 / 40, zi=zi, H=0.1 if hybrid else None)
    np.testing.assert_allclose(p.logS_T, l, rtol=0, atol=1e-13)
    np.testing.assert_allclose(p.V, V, rtol=0, atol=1e-13)
    np.testing.assert_allclose(p.intV, iv, rtol=1e-13)
    np.testing.assert_allclose(p.intA, ia, rtol=0, atol=1e-13)


@pytest.mark.parametrize("H", [0.05, 0.1, 0.3, 0.5])
def test_lift_reproduces_the_volterra_euler_scheme(H):
    n = 60
    c, g, err = rm.lift(H, 1.0, n)
    assert err < 1e-5
    z = normals(np.random.default_rng(2), (2, n, 200))
    l, iv, ia, V = rr.simulate(z[0], z[1], c, g, PAR["V0"], PAR["kappa"], PAR["theta"], PAR["eta"], PAR["rho"],
                               1.0 / n)
    l2, iv2, ia2, V2 = rr.simulate_volterra(z[0], z[1], H, PAR["V0"], PAR["kappa"], PAR["theta"], PAR["eta"],
                                            PAR["rho"], 1.0 / n)
    np.testing.assert_allclose(V, V2, rtol=0, atol=1e-5 * PAR["V0"] * 10)
    np.testing.assert_allclose(l, l2, rtol=0, atol=1e-5)


def test_classical_heston_limit_matches_closed_form_within_4se():
    rh = pytest.importorskip("numerics.rough_heston")
    K = np.array([0.9, 1.0, 1.1])
    try:
        ex = rh.heston_price_closed_form(K, 0.5, 1.0, 0.0, 0.0, PAR["kappa"], PAR["theta"], PAR["eta"],
                                         PAR["rho"], PAR["V0"])
    except Exception as exc:  # the other module's API is not ours to pin
        pytest.skip(f"numerics.rough_heston.heston_price_closed_form unavailable: {exc!r}")
    r = rm.european(K, 0.5, 0.5, **PAR, n_steps=100, n_paths=100_000, estimator="plain", rng=5,
                    scheme="euler")
    assert np.all(np.abs(r.price - ex) <= 4 * r.se), (r.price - ex) / r.se


def test_hybrid_equals_euler_at_half():
    # at H = 1/2 the kernel is 1 and the exact last step adds nothing
    a = rm.european([1.0], 0.5, 0.5, **PAR, n_steps=20, n_paths=2000, rng=3, scheme="euler")
    z = normals(np.random.default_rng(4), (3, 20, 100))
    p1 = rm.simulate_from_normals(np.ascontiguousarray(z[0]), np.ascontiguousarray(z[1]), 0.5, **PAR, T=0.5)
    p2 = rm.simulate_from_normals(np.ascontiguousarray(z[0]), np.ascontiguousarray(z[1]), 0.5, **PAR, T=0.5,
                                  zi=np.ascontiguousarray(z[2]))
    np.testing.assert_allclose(p1.logS_T, p2.logS_T, rtol=0, atol=1e-12)
    assert np.isfinite(a.price).all()


@pytest.mark.witness
def test_rough_bias_against_cos_shrinks_with_the_step():
    # documented in STOCHASTIC.md: the Euler lift overprices, the bias falls slowly with n
    rh = pytest.importorskip("numerics.rough_heston")
    K = np.array([1.0])
    try:
        cos = rh.price(rh.RoughHestonParams(H=0.1, **PAR), K, 0.5)
    except Exception as exc:
        pytest.skip(f"numerics.rough_heston.price unavailable: {exc!r}")
    r25 = rm.european(K, 0.5, 0.1, **PAR, n_steps=25, n_paths=50_000, rng=6, scheme="euler")
    r100 = rm.european(K, 0.5, 0.1, **PAR, n_steps=100, n_paths=50_000, rng=7, scheme="euler")
    b25, b100 = r25.price[0] - cos[0], r100.price[0] - cos[0]
    assert b25 > 4 * r25.se[0]                       # the bias is real at n = 25 ...
    assert b25 - b100 > 4 * np.hypot(r25.se[0], r100.se[0])   # ... and shrinks with the step
    assert abs(b100) < 0.04 * cos[0]                 # regression guard: measured 2.7 % at n = 100


@pytest.mark.parametrize("call,match", [
    (lambda: rm.simulate(0.6, **PAR, T=1.0, n_steps=10, n_paths=10), "H must be in"),
    (lambda: rm.simulate(0.1, **{**PAR, "V0": -0.1}, T=1.0, n_steps=10, n_paths=10), "V0 must be in"),
    (lambda: rm.simulate(0.1, **PAR, T=1.0, n_steps=10, n_paths=10, m=0), "m must be an integer in"),
    (lambda: rm.simulate(0.1, **PAR, T=1.0, n_steps=10, n_paths=10, scheme="x"), "scheme must be"),
    (lambda: rm.simulate(0.1, **PAR, T=1.0, n_steps=10, n_paths=11, antithetic=True), "n_paths must be even"),
    (lambda: rm.simulate(0.1, **PAR, T=1.0, n_steps=1000, n_paths=10**9), "would need .* GiB"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_results_do_not_depend_on_thread_count(monkeypatch):
    out = []
    for nt in ("1", "2"):
        monkeypatch.setenv("ROUGHATLAS_THREADS", nt)
        p = rm.simulate(0.1, **PAR, T=0.5, n_steps=20, n_paths=500, rng=4, keep_paths=True)
        out.append((p.logS_T, p.V))
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)
