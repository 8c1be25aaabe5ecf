"""Fractional Adams kernel: twin agreement, closed forms, convergence order, bad input."""
import math

import numpy as np
import pytest
from hypothesis import given

from numerics import _adams, adams_ref, fractional as fr
from numerics.mittag_leffler import mittag_leffler
from tests.strategies_det import alphas, maturities


@given(alpha=alphas(0.05, 1.0), T=maturities(1e-3, 50.0))
def test_weights_match_twin_and_integrate_constants(alpha, T):
    n = 64
    bp, ac, a0, aself = fr.adams_weights(alpha, n, T)
    rbp, rac, ra0, raself = adams_ref.weights(alpha, n, T)
    np.testing.assert_allclose(bp, rbp, rtol=1e-13)
    np.testing.assert_allclose(ac, rac, rtol=1e-12, atol=1e-15 * abs(rac).max())
    np.testing.assert_allclose(a0, ra0, rtol=1e-12, atol=1e-15 * abs(ra0).max())
    assert aself == pytest.approx(raself, rel=1e-14)
    # both rules integrate f = 1 exactly: (1/Gamma(a)) int_0^{t_{k+1}} (t-s)^(a-1) ds
    dt = T / n
    for k in (0, 1, 7, n - 1):
        exact = ((k + 1) * dt) ** alpha / math.gamma(alpha + 1.0)
        assert bp[:k + 1].sum() == pytest.approx(exact, rel=1e-12)
        assert a0[k] + ac[:k].sum() + aself == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("alpha", [0.3, 0.61, 0.9])
def test_linear_relaxation_matches_mittag_leffler(alpha):
    # D^a x = -lam x, x(0) = 1  ->  x(t) = E_a(-lam t^a)
    lam, T, n = 1.3, 2.0, 800
    res = fr.solve_fractional_ode(1.0, alpha, T, n, lambda t, x: -lam * x)
    exact = mittag_leffler(-lam * res["t"] ** alpha, alpha)
    err = np.abs(res["h"] - exact)
    # global error O(dt^(1+a)) away from 0, O(dt^a)-ish right next to the singularity
    assert err[-1] < {0.3: 1e-5, 0.61: 3e-6, 0.9: 1e-6}[alpha]
    assert err.max() < 2e-3


def test_alpha_one_is_the_classical_ode():
    lam, T, n = 0.7, 3.0, 400
    res = fr.solve_fractional_ode(2.0, 1.0, T, n, lambda t, x: -lam * x + math.sin(t))
    t = res["t"]
    # x' = -lam x + sin t, x(0) = 2
    c = 1.0 / (1.0 + lam ** 2)
    exact = (2.0 + c) * np.exp(-lam * t) + c * (lam * np.sin(t) - np.cos(t))
    np.testing.assert_allclose(res["h"], exact, atol=2e-5, rtol=0)


def test_complex_state_oscillation():
    # D^a x = i w x  ->  E_a(i w t^a)
    alpha, w, T, n = 0.75, 2.0, 1.5, 800
    res = fr.solve_volterra(alpha, T, n, lambda t, x: 1j * w * x, x0=1.0, complex_state=True)
    exact = mittag_leffler(1j * w * res["t"] ** alpha + 0j, alpha)
    assert np.iscomplexobj(res["x"])
    assert abs(res["x"][-1] - exact[-1]) < 5e-5


@pytest.mark.parametrize("alpha", [0.3, 0.61, 0.9, 1.0])
def test_observed_convergence_order(alpha):
    lam, T = 1.0, 1.0
    exact = mittag_leffler(-lam * T ** alpha, alpha)
    errs = [abs(fr.solve_fractional_ode(1.0, alpha, T, n, lambda t, x: -lam * x)["h"][-1] - exact)
            for n in (100, 200, 400, 800)]
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    expected = min(2.0, 1.0 + alpha)
    assert abs(orders[-1] - expected) < 0.12, (orders, expected)


def test_generic_path_matches_twin_real_and_complex():
    f = lambda t, x: -0.8 * x + 0.3 * np.cos(3 * t)  # noqa: E731
    ours = fr.solve_volterra(0.55, 2.0, 150, f, x0=0.4)
    t, x, _ = adams_ref.solve_volterra(f, 0.4, 0.55, 2.0, 150)
    np.testing.assert_allclose(ours["x"], x, rtol=1e-12, atol=1e-14)
    g = lambda t, x: (0.2j - 0.5) * x + 1.0  # noqa: E731
    ours = fr.solve_volterra(0.8, 1.0, 120, g, x0=1 + 1j, complex_state=True)
    t, x, _ = adams_ref.solve_volterra(g, 1 + 1j, 0.8, 1.0, 120, complex_state=True)
    np.testing.assert_allclose(ours["x"], x, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("scheme", ["implicit", "pece"])
def test_riccati_batch_matches_twin(scheme):
    u = np.linspace(0.0, 60.0, 37)
    A, B, C = fr.riccati_coefficients(u, 0.4, 0.35, -0.65)
    ours = fr.riccati_batch(u, 0.62, 0.4, 0.35, -0.65, 0.7, 120, scheme=scheme, return_path=True)
    hT, ih, iF, path = adams_ref.riccati_batch(0.62, 120, 0.7, A, B, C, scheme=scheme, return_path=True)
    for got, ref in ((ours["h_T"], hT), (ours["int_h"], ih), (ours["int_F"], iF), (ours["path"], path)):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())


def test_riccati_threads_give_identical_results():
    u = np.linspace(0.0, 40.0, 101)
    one = fr.riccati_batch(u, 0.6, 0.3, 0.3, -0.7, 1.0, 100, threads=1)
    two = fr.riccati_batch(u, 0.6, 0.3, 0.3, -0.7, 1.0, 100, threads=2)
    for key in one:
        np.testing.assert_array_equal(one[key], two[key])


def test_riccati_linear_case_matches_mittag_leffler():
    # A = 0: h = I^a(B h + C)  ->  h(t) = C t^a E_{a,a+1}(B t^a) (B real here)
    alpha, T, n = 0.7, 1.0, 800
    B, C = np.array([-0.5 + 0j, -2.0 + 0j]), np.array([-2.0 + 1j, 0.5 - 0.25j])
    res = fr.riccati_quadratic(0.0, B, C, alpha, T, n)
    exact = C * T ** alpha * np.array([mittag_leffler(b.real * T ** alpha, alpha, alpha + 1.0) for b in B])
    np.testing.assert_allclose(res["h_T"], exact, rtol=2e-6)


@pytest.mark.parametrize("scheme", ["implicit", "pece"])
def test_riccati_alpha_one_matches_heston_closed_form(scheme):
    kappa, eta, rho, T = 1.2, 0.6, -0.6, 1.0
    u = np.array([0.5, 3.0, 10.0])
    res = fr.riccati_batch(u, 1.0, kappa, eta, rho, T, 1600, scheme=scheme)
    beta = kappa - 1j * rho * eta * u
    d = np.sqrt(beta ** 2 + eta ** 2 * (u ** 2 + 1j * u))
    g = (beta - d) / (beta + d)
    e = np.exp(-d * T)
    D = (beta - d) / eta ** 2 * (1 - e) / (1 - g * e)
    Cint = ((beta - d) * T - 2.0 * np.log((1 - g * e) / (1 - g))) / eta ** 2   # int_0^T D
    rtol = 2e-6 if scheme == "implicit" else 5e-6
    np.testing.assert_allclose(res["h_T"], D, rtol=rtol)
    np.testing.assert_allclose(res["int_h"], Cint, rtol=rtol)
    np.testing.assert_allclose(res["int_F"], D, rtol=rtol)   # I^0 h = h at alpha = 1


def test_kernel_writes_into_caller_arrays():
    bp, ac, a0 = np.empty(10), np.empty(10), np.empty(10)
    aself = _adams.weights(0.5, 10, 1.0, bp, ac, a0)
    # alpha + 1 > 1: the second differences of m^(alpha+1) are positive
    assert aself > 0 and np.all(np.isfinite(bp)) and np.all(ac > 0) and np.all(bp > 0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(alpha=0.0), "alpha must be in"),
    (dict(alpha=1.5), "alpha must be in"),
    (dict(alpha=float("nan")), "alpha must be finite"),
    (dict(T=-1.0), "T must be in"),
    (dict(T=float("inf")), "T must be finite"),
    (dict(n=0), "n must be an integer in"),
    (dict(n=2.5), "n must be an integer"),
])
def test_bad_input_names_the_parameter(kwargs, match):
    args = dict(alpha=0.6, T=1.0, n=10)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        fr.solve_volterra(args["alpha"], args["T"], args["n"], lambda t, x: -x)
    with pytest.raises(ValueError, match=match):
        fr.riccati_batch([1.0], args["alpha"], 0.3, 0.3, -0.7, args["T"], args["n"])


def test_bad_input_shapes_and_callables():
    with pytest.raises(ValueError, match="same shape"):
        fr.riccati_quadratic(0.5, np.ones(3), np.ones(4), 0.6, 1.0, 10)
    with pytest.raises(ValueError, match="drift must be callable"):
        fr.solve_volterra(0.6, 1.0, 10, 3.0)
    with pytest.raises(ValueError, match="sigma must be in"):
        fr.solve_volterra(0.6, 1.0, 10, lambda t, x: x, sigma=0.2)
    with pytest.raises(ValueError, match="u must be finite"):
        fr.riccati_batch([1.0, np.nan], 0.6, 0.3, 0.3, -0.7, 1.0, 10)
    with pytest.raises(ValueError, match="must return a real number"):
        fr.solve_volterra(0.6, 1.0, 10, lambda t, x: 1j * x, x0=1.0)
    with pytest.raises(ValueError, match="rho must be in"):
        fr.riccati_batch([1.0], 0.6, 0.3, 0.3, -1.5, 1.0, 10)
    with pytest.raises(ValueError, match="scheme must be one of"):
        fr.riccati_batch([1.0], 0.6, 0.3, 0.3, -0.7, 1.0, 10, scheme="rk4")


def test_non_finite_right_hand_side_is_an_error_not_a_nan():
    with pytest.raises(ValueError, match="not finite from step"):
        fr.solve_volterra(0.6, 1.0, 20, lambda t, x: float("nan") if t > 0.5 else -x)
    with pytest.raises(ValueError, match="not finite"):
        fr.solve_volterra(0.9, 5.0, 20, lambda t, x: x ** 2, x0=5.0)   # blow-up


def test_simd_and_baseline_history_sums_agree():
    u = np.linspace(0.0, 50.0, 40)
    before = _adams._simd_path()
    try:
        _adams._simd_path(0)
        base = fr.riccati_batch(u, 0.6, 0.3, 0.3, -0.7, 1.0, 200)
        _adams._simd_path(-1)          # let the kernel detect the CPU again
        fast = fr.riccati_batch(u, 0.6, 0.3, 0.3, -0.7, 1.0, 200)
    finally:
        _adams._simd_path(before)
    for key in base:
        np.testing.assert_allclose(fast[key], base[key], rtol=1e-12, atol=1e-12 * np.abs(base[key]).max())


@pytest.mark.parametrize("scheme", ["implicit", "pece"])
def test_moment_explosion_is_an_error_in_both_schemes(scheme):
    # u = -i p: the moment E[S^p] of rough Heston (eta = 0.9, rho = -0.65) explodes before
    # T = 5 for p = 5; the implicit scheme used to return a finite complex value there
    p_ord = np.array([2.0, 5.0])
    A, B, C = 0.5 * 0.81, p_ord * -0.65 * 0.9 - 0.3 + 0j, 0.5 * (p_ord ** 2 - p_ord) + 0j
    with pytest.raises(ValueError, match=r"blows up for entry 1 .* at step \d+ of n=200"):
        fr.riccati_quadratic(A, B, C, 0.6, 5.0, 200, scheme=scheme)
    res = fr.riccati_quadratic(A, B, C, 0.6, 5.0, 200, scheme=scheme, check_finite=False)
    assert res["blowup"][0] == 0 and 60 <= res["blowup"][1] <= 80
    with np.errstate(all="ignore"):        # the twin overflows past the blow-up (pece)
        _, _, _, blown = adams_ref.riccati_batch(0.6, 200, 5.0, A, B, C, scheme=scheme,
                                                 return_blowup=True)
    np.testing.assert_array_equal(blown, res["blowup"])
    # the same moment at a shorter maturity is finite and real
    short = fr.riccati_quadratic(A, B, C, 0.6, 0.5, 200, scheme=scheme)
    assert np.all(np.abs(short["int_F"].imag) < 1e-12)


def test_real_frequencies_flag_only_unresolved_steps():
    # real u: the solution has Re h <= 0, so a resolved grid never flags; a grid far too
    # coarse for the frequency (alpha = 1, dt = 0.15, u = 1000: the implicit root
    # oscillates between Re h < 0 and Re h > 0) is flagged instead of passing silently
    u = np.concatenate([np.linspace(0.0, 20.0, 41), np.geomspace(20.0, 5e3, 40)])
    for alpha, eta, rho, T, n in ((0.55, 0.9, -0.65, 0.01, 16), (0.6, 2.0, -1.0, 5.0, 24),
                                  (1.0, 0.3, 0.9, 0.5, 200)):
        res = fr.riccati_batch(u, alpha, 2.5, eta, rho, T, n, check_finite=False)
        assert not res["blowup"].any()
    res = fr.riccati_batch([20.0, 1000.0], 1.0, 2.5, 0.3, 0.9, 30.0, 200, check_finite=False)
    assert res["blowup"][0] == 0 and res["blowup"][1] == 2
