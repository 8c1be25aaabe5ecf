"""Observables of parts 13-26 (numerics/witness/b_*.py) against closed forms and known values.

Deterministic measurements get Hypothesis property tests over H in [0.05, 0.45] (the "ci"
profile of tests/conftest.py, few examples); Monte Carlo ones fixed seeds and 4-SE bounds.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics import black_scholes as bs
from numerics.hedging import bs_discrete_hedging_constant
from numerics.rough_heston import heston_price_closed_form
from numerics.witness import get, load_all
from numerics.witness import b_common, b_hedging, b_riccati, b_smile

SEED = 20261121
hursts = st.floats(0.05, 0.45, allow_nan=False, allow_infinity=False)
FEW = settings(max_examples=4)


def test_registered():
    obs = load_all()
    mine = [n for n in obs if n.startswith("b_")]
    assert len(mine) == 29
    for n in mine:
        assert obs[n].kernel.startswith("numerics.")


# ---------------------------------------------------------------- helpers

def test_weighted_fit_recovers_power_law():
    x = np.geomspace(1e-3, 1e-1, 6)
    y = 3.0 * x ** -0.8
    e, c, chi2 = b_common.weighted_loglog_fit(x, y, 0.01 * y)
    assert abs(e.value + 0.8) < 1e-12 and abs(c.value - 3.0) < 1e-10 and chi2 < 1e-20


def test_weighted_fit_inflates_se_for_lack_of_fit():
    x = np.geomspace(1e-3, 1e-1, 6)
    y = x ** -0.8 * (1 + 0.3 * np.log(x) ** 2 / 50)       # bent log-log line
    tight, _, _ = b_common.weighted_loglog_fit(x, y, 1e-4 * y)
    assert tight.se > 10 * b_common.weighted_loglog_fit(x, x ** -0.8 * (1 + 1e-5 * np.sin(x)), 1e-4 * y)[0].se


@pytest.mark.parametrize("name,params,match", [
    ("b_smile", {"H": 0.7}, "'H' must be in"),
    ("b_smile", {}, "'H' \\(or 'h'\\) is required"),
    ("b_smile", {"H": 0.1, "h": 0.2}, "disagree"),
    ("b_smile", {"H": 0.1, "T_min": 0.1, "T_max": 0.01}, "T_max must exceed"),
    ("b_smile_nth", {"H": 0.1, "n": 4}, "'n' must be in"),
    ("b_skew_shift", {"h": 0.4, "dh": 0.2}, "h \\+ dh must be in"),
    ("b_skew_pair", {"h1": 0.1}, "'h2' is required"),
    ("b_hedge_error", {"H": 0.1}, "needs an integer seed"),
    ("b_hedge_error", {"H": 0.1, "eta": -1.0}, "'eta' must be in"),
    ("b_hedge_error", {"H": 0.1, "n_steps": 100}, "multiple of 8"),
    ("b_leverage", {"rho": 1.5}, "'rho' must be in"),
])
def test_bad_params(name, params, match):
    seed = None if "seed" in match else SEED
    with pytest.raises(ValueError, match=match):
        get(name).measure(params, seed, True)


# ---------------------------------------------------------------- COS smiles

def test_smile_matches_heston_closed_form():
    """At H = 1/2 the COS smile is classical Heston: psi_1 from the Gil-Pelaez closed form."""
    p = (0.5, 0.0, 0.04, 0.05, -0.7, 0.04)
    T = 0.01
    psi, err, atm, _, _ = b_smile._smile(p, T)
    k = np.linspace(-1, 1, 17) * 0.5 * math.sqrt(0.04 * T)
    K = np.exp(k)
    put = heston_price_closed_form(K, T, 1.0, 0.0, 0.0, 0.0, 0.04, 0.05, -0.7, 0.04, kind="put")
    call = heston_price_closed_form(K, T, 1.0, 0.0, 0.0, 0.0, 0.04, 0.05, -0.7, 0.04, kind="call")
    iv = bs.implied_vol(np.where(k >= 0, call, put), 1.0, K, T, kind=np.where(k >= 0, "call", "put"))
    b = np.polynomial.polynomial.polyfit(k / k[-1], iv, 6)
    assert abs(psi[0] - b[1] / k[-1]) < 1e-3 * abs(psi[0])
    assert abs(atm - b[0]) < 1e-7


@FEW
@given(hursts)
def test_smile_exponents(H):
    m = get("b_smile").measure({"H": H}, None, False).values
    assert abs(m["skew_exponent"].value - (H - 0.5)) < 0.01
    assert abs(m["curvature_exponent"].value - (2 * H - 1)) < 0.01
    assert abs(m["third_exponent"].value - 3 * (H - 0.5)) < 0.01
    assert abs(m["radius_exponent"].value - (0.5 - H)) < 0.01


@FEW
@given(hursts)
def test_calendar_and_cross_model(H):
    cal = get("b_calendar").measure({"H": H}, None, False).values
    assert abs(cal["slope_exponent"].value - (2 * H - 2)) < 0.01
    assert cal["min_total_variance_slope"].value > 0           # calendar spreads positive
    cm = get("b_cross_model").measure({"H": H}, None, False).values
    assert abs(cm["heston_skew_exponent"].value) < 0.005         # Heston skew flat at short T
    assert abs(cm["divergence_exponent"].value - (cm["skew_exponent"].value
                                                  - cm["heston_skew_exponent"].value)) < 0.002


@FEW
@given(hursts)
def test_delta_and_vega_corrections(H):
    """Delta_model - Delta_BS = -vega_BS psi_1 / S: per unit vega it is the skew (exponent
    H - 1/2), raw it carries vega ~ sqrt(T) (exponent H).  The vega correction at rho = 0
    is the vol-of-vol term, exponent 2H."""
    d = get("b_delta_correction").measure({"H": H}, None, False).values
    s = get("b_smile").measure({"H": H}, None, False).values["skew_exponent"].value
    assert abs(d["exponent_per_vega"].value - s) < 2e-3
    assert abs(d["exponent"].value - H) < 0.01
    v = get("b_vega_correction").measure({"H": H}, None, False).values["exponent"].value
    assert abs(v - 2 * H) < 0.01


# ---------------------------------------------------------------- Riccati, Mittag-Leffler

def test_growth_order_closed_form():
    for a in (0.55, 0.75, 1.0):
        z = np.geomspace(2.0, 30.0, 9)
        g = b_riccati._growth(z, z ** (1 / a) - math.log(a))
        assert abs(g.value - 1 / a) < 1e-6


@FEW
@given(hursts)
def test_riccati_order_and_ml_growth(H):
    f = get("b_frac_order").measure({"H": H}, None, False).values
    assert abs(f["fractional_order"].value - (H + 0.5)) < 0.005
    g = get("b_ml_growth").measure({"H": H}, None, False).values
    assert abs(g["growth_order"].value - 1 / (H + 0.5)) < 1e-4
    assert abs(g["adams_growth_order"].value - 1 / (H + 0.5)) < 0.01
    assert abs(g["decay_exponent"].value + 1.0) < 0.005           # E_a(-x) ~ x^-1 / Gamma(1 - a)


def test_frac_order_heston_limit():
    """alpha = 1 (H = 1/2): the classical Heston Riccati ODE, order 1."""
    f = get("b_frac_order").measure({"H": 0.5}, None, False).values
    assert abs(f["fractional_order"].value - 1.0) < 0.005


# ---------------------------------------------------------------- variance swap

def test_vs_exact_and_mc_agree():
    ex = get("b_vs_variance").measure({"H": 0.2}, None, True).values["exponent"]
    assert abs(ex.value - 0.4) < 0.005
    mc = get("b_vs_variance_mc").measure({"H": 0.2}, SEED, True).values["exponent"]
    assert abs(mc.value - ex.value) <= max(0.02, 4 * mc.se)


# ---------------------------------------------------------------- Monte Carlo hedging

def test_discrete_constant_matches_black_scholes():
    """Black-Scholes world (eta ~ 0, xi0 = sigma^2): A(T) = N Var(P&L_N - P&L_n)/(1 - N/n)
    equals the closed-form limit (T/2) int sigma^4 E[Gamma^2 S^4] dt."""
    T, sigma = 0.1, 0.2
    rows = b_hedging._simulate(0.3, 1e-6, -0.7, sigma ** 2, sigma, (T,), 256, 8000, SEED)
    c = bs_discrete_hedging_constant(sigma, T)
    A, se = rows[0]["A"], rows[0]["A_se"]
    assert abs(A - c) <= 4 * se + 0.03 * c          # 3 %: the O(1/N) term at N = 32
    assert rows[0]["var_model"] < 1e-6 * A         # no model error: V = sigma^2


def test_realised_leverage():
    for rho in (-0.9, -0.3, 0.0):
        m = get("b_leverage").measure({"rho": rho}, SEED, True).values
        assert abs(m["rho"].value - rho) <= 4 * m["rho"].se + 1e-12
        assert abs(m["rho_sq"].value - m["rho"].value ** 2) < 1e-12


def test_hedge_error_exponent_and_common_random_numbers():
    m = get("b_hedge_error_pair").measure({"h1": 0.1, "h2": 0.3}, SEED, True).values
    for h, e in ((0.1, m["at_h1"]), (0.3, m["at_h2"])):
        assert abs(e.value - (2 * h - 1)) <= max(0.02, 4 * e.se)
    again = get("b_hedge_error").measure({"H": 0.1}, SEED, True).values["exponent"]
    assert again.value == m["at_h1"].value                       # same seed, same numbers


def test_rebalancing_ratio_is_difference_of_exponents():
    m = get("b_rebalancing_ratio").measure({"H": 0.2}, SEED, True).values
    assert abs(m["exponent"].value - (m["exponent_rough"].value - m["exponent_classical"].value)) < 0.02
    assert abs(m["exponent_classical"].value + 1.0) <= max(0.03, 4 * m["exponent_classical"].se)
