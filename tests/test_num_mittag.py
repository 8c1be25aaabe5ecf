"""Mittag-Leffler: mpmath reference data (all regimes), closed forms, twin, bad input."""
import json
import math
import os

import numpy as np
import pytest
from hypothesis import given
from scipy.special import erfcx

from numerics import mittag_leffler_ref as ref
from numerics.mittag_leffler import mittag_leffler
from tests.strategies_det import alphas

DATA = os.path.join(os.path.dirname(__file__), "data", "mittag_leffler_ref.json")
EPS = np.finfo(float).eps


def _records():
    with open(DATA) as fh:
        return json.load(fh)["records"]


def test_reference_data_covers_the_regimes():
    recs = _records()
    assert len(recs) > 1000
    zs = [complex(*r["z"]) for r in recs]
    assert min(z.real for z in zs) <= -1e6                      # large negative argument
    assert any(z.real > 0 and abs(z) ** (1 / r["alpha"]) > 100 for z, r in zip(zs, recs))
    assert {r["regime"] for r in recs} == {"series", "asymptotic"}


@pytest.mark.parametrize("alpha", [0.1, 0.25, 0.5, 0.61, 0.75, 0.9, 1.0])
def test_against_mpmath_reference(alpha):
    """Relative error <= 1e-12, plus the function's own condition number times a few ulp
    (|d log E / d log z| ~ |z|^(1/alpha)/alpha where E grows like exp(z^(1/alpha)))."""
    recs = [r for r in _records() if r["alpha"] == alpha]
    assert recs
    for beta in sorted({r["beta"] for r in recs}):
        sub = [r for r in recs if r["beta"] == beta]
        z = np.array([complex(*r["z"]) for r in sub])
        want = np.array([complex(float(r["value"][0]), float(r["value"][1])) for r in sub])
        got = mittag_leffler(z, alpha, beta)
        rel = np.abs(got - want) / np.abs(want)
        cond = np.abs(z) ** (1.0 / alpha) / alpha + 1.0
        tol = 1e-12 + 8.0 * EPS * cond
        bad = np.flatnonzero(rel > tol)
        assert bad.size == 0, [(z[i], rel[i], tol[i]) for i in bad[:5]]


def test_real_input_gives_real_output_and_shape():
    z = np.array([[-1.0, 0.5], [-30.0, 2.0]])
    out = mittag_leffler(z, 0.6)
    assert out.dtype == np.float64 and out.shape == (2, 2)
    assert isinstance(mittag_leffler(-1.0, 0.5), float)
    assert np.iscomplexobj(mittag_leffler(np.array([1j]), 0.5))


def test_closed_forms():
    x = np.linspace(-50.0, 5.0, 67)
    np.testing.assert_allclose(mittag_leffler(x, 0.5), erfcx(-x), rtol=1e-13)
    np.testing.assert_allclose(mittag_leffler(x, 1.0), np.exp(x), rtol=1e-14)
    np.testing.assert_allclose(mittag_leffler(x[x != 0], 1.0, 2.0), np.expm1(x[x != 0]) / x[x != 0],
                               rtol=1e-13)
    # E_{2a... } identity at a = 1/2 for complex argument: E_{1/2}(z) = exp(z^2) erfc(-z)
    import mpmath as mp
    for z in (2 + 1j, -3 + 0.5j, 0.5 - 4j):
        want = complex(mp.exp(mp.mpc(z) ** 2) * mp.erfc(-mp.mpc(z)))
        assert abs(mittag_leffler(np.array([z]), 0.5)[0] - want) <= 1e-13 * abs(want)


@given(alpha=alphas(0.15, 0.95))
def test_kernel_matches_numpy_twin(alpha):
    z = np.array([-0.4, -3.0, -25.0, -400.0, 0.7, 6.0, 2 + 2j, -4 + 1j, 30j, 0.3 - 0.2j])
    # keep |exp(z^(1/alpha))| inside the double range
    z = z[(np.abs(z) ** (1.0 / alpha) < 600.0) | ((z.imag == 0) & (z.real < 0))]
    for beta in (1.0, alpha, 1.7):
        got = mittag_leffler(z, alpha, beta)
        want = ref.mittag_leffler(z, alpha, beta)
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-300)


@given(alpha=alphas(0.2, 0.95))
def test_relaxation_is_completely_monotone_in_the_argument(alpha):
    # E_a(-x) is positive and decreasing on x >= 0 for 0 < a <= 1
    x = np.geomspace(1e-3, 1e4, 60)
    v = mittag_leffler(-x, alpha)
    assert np.all(v > 0) and np.all(np.diff(v) < 0)
    # leading asymptotics E_a(-x) ~ 1 / (x Gamma(1 - a))
    assert v[-1] * x[-1] * math.gamma(1 - alpha) == pytest.approx(1.0, rel=0.05)


def test_overflow_is_an_error_naming_z():
    with pytest.raises(ValueError, match="overflows"):
        mittag_leffler(np.array([1.0, 900.0]), 0.9)


@pytest.mark.parametrize("kwargs, match", [
    (dict(alpha=0.0), "alpha must be in"),
    (dict(alpha=1.2), "alpha must be in"),
    (dict(alpha=float("nan")), "alpha must be finite"),
    (dict(beta=0.0), "beta must be in"),
    (dict(beta=3.5), "beta must be in"),
    (dict(z=[1.0, float("inf")]), "z must be finite"),
    (dict(z=np.array([1j, complex(float("nan"), 0)])), "z.real must be finite"),
])
def test_bad_input(kwargs, match):
    args = dict(z=[1.0], alpha=0.5, beta=1.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        mittag_leffler(args["z"], args["alpha"], args["beta"])
