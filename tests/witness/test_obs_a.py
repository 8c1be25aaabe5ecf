"""Observables of parts 1-12 (numerics/witness/a_*.py) against closed forms and known values.

Deterministic observables get Hypothesis property tests over H in [0.05, 0.45] (the "ci"
profile of tests/conftest.py, few examples); Monte Carlo observables run with fixed seeds
in quick mode and are held to max(floor, 4 SE).
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics import fbm, hawkes
from numerics.estimators import variogram_hurst
from numerics.witness import get
from numerics.witness import a_bias, a_convergence

SEED = 20261121
H_ROUGH = st.floats(0.05, 0.45)


def measure(name, params, seed=None, quick=True):
    return get(name).measure(params, seed, quick)


# -- kernel and power integral (parts 2, 3, 3.5) ----------------------------------

@settings(max_examples=6)
@given(H=H_ROUGH)
def test_kernel_exponent_and_partial_integrals(H):
    m = measure("a_kernel_exponent", {"H": H})
    assert abs(m.values["exponent"].value - (H - 0.5)) < 1e-3
    assert m.values["blowup"].value == -m.values["exponent"].value
    # the cells integrate the kernel exactly: partial integrals are sqrt(2H) eps^(H+1/2)/(H+1/2)
    cut = np.array(m.detail["cutoff"])
    closed = math.sqrt(2 * H) * cut ** (H + 0.5) / (H + 0.5)
    np.testing.assert_allclose(m.detail["partial_integral"], closed, rtol=1e-9)
    assert abs(m.values["integral_exponent"].value - (H + 0.5)) < 1e-9


def test_kernel_response_is_the_cell_average_of_the_kernel():
    H, n = 0.2, 512
    m = measure("a_kernel_exponent", {"H": H, "n_steps": n})
    a, dt = H - 0.5, 1.0 / n
    lag = np.array(m.detail["lag"])
    k = np.round(lag / dt + 0.5).astype(int)
    cell_avg = (k ** (a + 1) - (k - 1) ** (a + 1)) / (a + 1) * dt ** a
    np.testing.assert_allclose(m.detail["D"], math.sqrt(2 * H) * cell_avg, rtol=1e-10)


@settings(max_examples=6)
@given(H=H_ROUGH, T=st.floats(1e-3, 5.0))
def test_volterra_integral_matches_power_rule(H, T):
    m = measure("a_volterra_integral", {"H": H, "T": T})
    closed = T ** (H + 0.5) / (H + 0.5)
    assert abs(m.values["integral"].value - closed) <= 1e-10 * closed + 4 * m.values["integral"].se
    assert m.values["numerator"].value == pytest.approx(T ** (H + 0.5), rel=1e-10)
    assert m.detail["gauss_jacobi"] == pytest.approx(closed, rel=1e-12)


@settings(max_examples=6)
@given(H=H_ROUGH)
def test_integral_exponent(H):
    assert measure("a_integral_exponent", {"H": H}).values["exponent"].value == pytest.approx(H + 0.5, abs=1e-9)


def test_kernel_observables_reject_bad_params():
    with pytest.raises(ValueError, match="Hurst"):
        measure("a_kernel_exponent", {"eta": 0.1})
    with pytest.raises(ValueError, match="H must be in"):
        measure("a_integral_exponent", {"H": 1.5})
    with pytest.raises(ValueError, match="different values"):
        measure("a_kernel_exponent", {"H": 0.1, "h": 0.2})
    with pytest.raises(ValueError, match="missing parameter 'T'"):
        measure("a_volterra_integral", {"H": 0.1})


# -- smiles (parts 2, 4, 5, 6) --------------------------------------------------------

@settings(max_examples=5)
@given(H=H_ROUGH)
def test_cos_skew_and_curvature_exponents(H):
    m = measure("a_smile_cos", {"H": H})
    assert abs(m.values["skew_exponent"].value - (H - 0.5)) < 0.01
    assert abs(m.values["curvature_exponent"].value - (2 * H - 1)) < 0.01


def test_heston_skew_is_flat_and_rough_pair_is_ordered():
    h = measure("a_heston_smile_cos", {"H": 0.1})
    assert abs(h.values["skew_exponent"].value) < 0.005
    assert h.detail["params"]["H"] == 0.5
    p = measure("a_smile_cos_pair", {"h1": 0.1, "h2": 0.3})
    assert p.values["skew_exponent1"].value < p.values["skew_exponent2"].value - 0.1


def test_smile_rejects_zero_correlation():
    with pytest.raises(ValueError, match="zero ATM skew"):
        measure("a_smile_cos", {"H": 0.2, "rho": 0.0})
    with pytest.raises(ValueError, match="rho = 0"):
        measure("a_atm_skew_mc", {"H": 0.2, "rho": 0.0}, SEED)


def test_rbergomi_mc_skew_exponent():
    for H in (0.1, 0.3):
        v = measure("a_atm_skew_mc", {"H": H}, SEED).values["skew_exponent"]
        assert 0 < v.se < 0.02
        assert abs(v.value - (H - 0.5)) <= max(0.01, 4 * v.se)


# -- hybrid scheme strong rate (part 7) -------------------------------------------------

def test_scheme_weights_reproduce_the_scheme_variance():
    """Var of the trapezoid sum of hybrid_rl paths (Monte Carlo) = the variance implied by the
    weights read off the kernel: the weights are the scheme's."""
    H, N, P = 0.15, 64, 40_000
    alpha, beta = a_convergence._scheme_weights(N, H, 1.0, "trapezoid")
    _, _, _, S = fbm.hybrid_setup(N, H, 1.0 / N, 1)
    var_w = float(np.sum(alpha ** 2 * S[0, 0] + 2 * alpha * beta * S[0, 1] + beta ** 2 * S[1, 1]))
    Y = fbm.hybrid_rl(N, H, 1.0, P, kappa=1, rng=SEED)
    X = (Y[:, 1:-1].sum(axis=1) + 0.5 * Y[:, -1]) / N
    v, se = X.var(ddof=1), X.var(ddof=1) * math.sqrt(2.0 / (P - 1))
    assert abs(v - var_w) <= 4 * se


def test_strong_error_near_half_is_the_brownian_trapezoid_error():
    # H -> 1/2: Y -> W and the trapezoid error of int W dt has MSE T^3 / (12 N^2)
    for N in (16, 64):
        assert a_convergence._mse(N, 0.4999, 1.0, 24, "trapezoid") == pytest.approx(1 / (12 * N * N), rel=0.01)
        assert a_convergence._mse(N, 0.4999, 1.0, 24, "left") == pytest.approx(1 / (3 * N * N), rel=0.01)


def test_hybrid_rate_asymptotic_and_terminal():
    """Integral functional: asymptotic rate H + 1/2 also at H = 0.4, where the plain slope
    over N <= 4096 is steeper (first-order term); terminal value Y_T: rate H."""
    for H in (0.1, 0.4):
        m = measure("a_hybrid_strong_rate", {"H": H})
        v = m.values
        assert abs(v["rate"].value - (H + 0.5)) < 0.01 and not m.finding, (H, v)
        assert abs(v["terminal_rate"].value - H) < 0.01, (H, v)
    assert v["slope_fit"].value > 0.93                       # H = 0.4: pre-asymptotic slope
    scaled = m.detail["scaled_error"]                        # err N^(H+1/2) stays bounded
    assert max(scaled) / min(scaled) < 2.0


def test_three_term_rate_recovers_a_known_rate():
    Ns = 2.0 ** np.arange(4, 14)
    rel = 0.7 * Ns ** -0.9 + 1.5 / Ns + 0.3 / Ns ** 2
    r, se = a_convergence._three_term_rate(Ns, rel)
    assert abs(r - 0.9) < 1e-4 and se < 1e-3


# -- Hawkes (part 8) ---------------------------------------------------------------------

def test_mittag_leffler_delays_laplace_transform():
    x = hawkes.ml_delays(0.7, 200_000, rng=SEED)
    for z in (0.1, 1.0, 5.0):
        e = np.exp(-z * x)
        assert abs(e.mean() - 1 / (1 + z ** 0.7)) <= 4 * e.std() / math.sqrt(x.size)


def test_hawkes_roughness_and_branching():
    for alpha in (0.6, 0.9):
        v = measure("a_hawkes_roughness", {"alpha": alpha}, SEED).values["H"]
        assert abs(v.value - (alpha - 0.5)) <= max(0.02, 4 * v.se)
    v = measure("a_hawkes_branching", {"eps": 0.1}, SEED).values["n"]
    assert abs(v.value - 0.9) <= 4 * v.se


def test_hawkes_bad_params():
    with pytest.raises(ValueError, match="alpha"):
        hawkes.simulate_clusters(1.2, 0.5, 10)
    with pytest.raises(ValueError, match="t_max"):
        hawkes.simulate_clusters(0.7, 0.9999, 10)
    with pytest.raises(ValueError, match="eps"):
        measure("a_hawkes_branching", {"eps": 0.0}, SEED)


# -- variogram bias (part 9) ----------------------------------------------------------------

def test_vectorised_variogram_estimator_is_variogram_hurst():
    X = fbm.davies_harte(255, 0.3, 1.0, 3, rng=SEED)
    lags = np.array([1, 2, 4, 8, 16])
    got = a_bias._estimates(X, lags)
    want = [variogram_hurst(x, lags)["H"] for x in X]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_variogram_bias_is_negative_and_within_c_over_n():
    m = measure("a_variogram_bias", {"Htrue": 0.5, "n": 512}, SEED)
    b, C = m.values["b"], m.values["C"]
    assert b.value < -4 * b.se                     # Hhat < Htrue
    assert abs(b.value) <= C.value / 512 + 4 * math.hypot(b.se, C.se / 512)
    assert "does not decay like 1/n" in m.finding   # the growing-lag estimator


# -- Feller (part 10) -------------------------------------------------------------------------

def test_feller_measurements():
    m = measure("a_feller", {"kappa": 2.0, "theta": 0.04, "nu": 0.3}, SEED)
    f, q = m.values["feller_lhs"], m.values["nu2"]
    assert abs(f.value - 0.16) <= max(0.005, 4 * f.se)     # Euler drift bias O(dt)
    assert abs(q.value - 0.09) <= max(0.002, 4 * q.se)
    assert m.values["zero_fraction"].value < 0.2
    assert "does not keep the rough variance away from 0" in m.finding


# -- moments (parts 3, 11) ----------------------------------------------------------------------

def test_moment_exponents():
    for H in (0.1, 0.4):
        for n in (1, 2):
            vals = measure("a_logvar_moments", {"H": H, "n": n}, SEED).values
            for name, want in (("exponent", 2 * H * n), ("exponent_next", 2 * H * (n + 1)),
                               ("variance_exponent", 2 * H), ("kurtosis_exponent", 0.0),
                               ("variogram_exponent", 2 * H), ("structure4_exponent", 4 * H)):
                v = vals[name]
                assert abs(v.value - want) <= max(0.02, 4 * v.se), (H, n, name, v)
    p = measure("a_logvar_moments_pair", {"H": 0.25, "n1": 1, "n2": 3}, SEED).values
    assert p["exponent1"].value < p["exponent2"].value


def test_moment_bad_order():
    with pytest.raises(ValueError, match="n must be an integer"):
        measure("a_logvar_moments", {"H": 0.2, "n": 1.5}, SEED)


# -- forward variance (part 12) ------------------------------------------------------------------

def test_forward_slope():
    for H in (0.1, 0.3):
        m = measure("a_forward_slope", {"H": H}, SEED)
        v, s = m.values["exponent"], m.values["initial_slope"]
        assert abs(v.value - (2 * H - 2)) <= max(0.02, 4 * v.se)
        assert abs(s.value) <= 4 * s.se                  # flat initial curve
        assert "not supported under a flat initial curve" in m.finding
    with pytest.raises(ValueError, match="identically 0"):
        measure("a_forward_slope", {"H": 0.5}, SEED)
