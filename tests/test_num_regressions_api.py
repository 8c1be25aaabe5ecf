"""The Python API a notebook user sees (issue 15, section 6): examples that run, numpydoc
docstrings, one power-law result type, a scalar in gives a Python float out, S0 on every
Monte Carlo pricer, and the renamed keywords still working with a DeprecationWarning."""
from __future__ import annotations

import doctest
import importlib
import inspect
import warnings

import numpy as np
import pytest

PUBLIC = ["black_scholes", "varswap", "fbm", "rbergomi", "estimators", "bsde", "risk", "hedging",
          "meanfield", "mittag_leffler", "hawkes", "rough_heston_mc"]


def _public_callables(mod):
    for name in mod.__all__:
        obj = getattr(mod, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == mod.__name__:
            yield name, obj


@pytest.mark.parametrize("modname", PUBLIC)
def test_docstring_examples_run(modname, monkeypatch):
    monkeypatch.setenv("ROUGHATLAS_THREADS", "1")
    mod = importlib.import_module(f"numerics.{modname}")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)     # the examples use the current names
        res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert res.attempted > 0, f"numerics.{modname} has no examples"
    assert res.failed == 0, f"{res.failed} of {res.attempted} examples in numerics.{modname} fail"


@pytest.mark.parametrize("modname", PUBLIC)
def test_public_functions_have_numpydoc_with_examples(modname):
    mod = importlib.import_module(f"numerics.{modname}")
    missing = []
    for name, obj in _public_callables(mod):
        doc = inspect.getdoc(obj) or ""
        if inspect.isclass(obj):
            if not ("Attributes\n----------" in doc or "Parameters\n----------" in doc):
                missing.append(f"{name}: no Attributes/Parameters section")
            continue
        if "Examples\n--------" not in doc:
            missing.append(f"{name}: no Examples section")
        params = [p for p in inspect.signature(obj).parameters if p not in ("self",)]
        if params and "Parameters\n----------" not in doc:
            missing.append(f"{name}: no Parameters section")
    assert not missing, missing


def test_scalar_in_gives_python_float_out():
    from numerics import black_scholes as bs, fbm, hedging, meanfield, mittag_leffler
    outs = {
        "bs.price": bs.price(100.0, 100.0, 1.0, 0.2),
        "bs.implied_vol": bs.implied_vol(8.0, 100.0, 100.0, 1.0),
        "bs.greeks.delta": bs.greeks(100.0, 100.0, 1.0, 0.2)["delta"],
        "fbm.fbm_cov": fbm.fbm_cov(1.0, 0.5, 0.3),
        "meanfield.ou_variance": meanfield.ou_variance(1.0, 0.1, 1.0, 0.3),
        "mittag_leffler": mittag_leffler.mittag_leffler(-1.0, 0.5),
        "heston_call_delta": hedging.heston_call_delta(0.0, 0.5, 1.0, 0.04, 0.5, -0.7, 0.04),
    }
    wrong = {k: type(v).__name__ for k, v in outs.items() if type(v) is not float}
    assert not wrong, wrong
    assert type(mittag_leffler.mittag_leffler(-1.0 + 0.5j, 0.5)) is complex
    # arrays stay arrays, with the broadcast shape
    assert bs.price(100.0, [90.0, 110.0], 1.0, 0.2).shape == (2,)
    assert meanfield.ou_variance([0.5, 1.0], 0.1, 1.0, 0.3).shape == (2,)


def test_one_power_law_result_type():
    from numerics import estimators, rbergomi
    Ts = np.array([0.01, 0.02, 0.05, 0.1])
    a = estimators.fit_power_law(Ts, 0.2 * Ts ** -0.4)
    b = rbergomi.fit_power_law(Ts, -0.2 * Ts ** -0.4, 0.01 * Ts ** -0.4)
    assert type(a) is type(b) is estimators.PowerLawFit
    assert not a.weighted and b.weighted
    for f in (a, b):
        assert f.exponent == pytest.approx(-0.4, abs=1e-12) and f.prefactor == pytest.approx(0.2, rel=1e-12)
    # the old access paths still work, with a DeprecationWarning
    with pytest.warns(DeprecationWarning, match=r'fit\["exponent"\] is deprecated'):
        assert a["exponent"] == a.exponent
    with pytest.warns(DeprecationWarning, match="unpacking a PowerLawFit is deprecated"):
        beta, beta_se, A = b
    assert (beta, beta_se, A) == (b.exponent, b.exponent_se, b.prefactor)


@pytest.mark.parametrize("pricer", ["rbergomi", "rough_heston_mc"])
def test_monte_carlo_pricers_take_S0(pricer):
    from numerics import rbergomi, rough_heston_mc
    k = np.array([0.9, 1.0, 1.1])
    if pricer == "rbergomi":
        def run(K, **kw):
            return rbergomi.european(K, 0.25, 0.1, 1.5, -0.7, 0.04, n_steps=20, n_paths=2000, rng=5, **kw)
    else:
        def run(K, **kw):
            return rough_heston_mc.european(K, 0.25, 0.1, 0.3, 0.04, 0.3, -0.7, 0.04, n_steps=10, n_paths=2000,
                                            rng=5, **kw)
    unit, big = run(k), run(100.0 * k, S0=100.0)
    np.testing.assert_allclose(big.price, 100.0 * unit.price, rtol=1e-13)
    np.testing.assert_allclose(big.se, 100.0 * unit.se, rtol=1e-13)
    np.testing.assert_allclose(big.iv, unit.iv, rtol=1e-13)
    np.testing.assert_array_equal(big.K, 100.0 * k)


def test_heston_V0_naming_and_deprecated_v0():
    from numerics import hedging
    new = hedging.HestonHedge(kappa=1.0, theta=0.04, eta=0.5, rho=-0.7, V0=0.04)
    with pytest.warns(DeprecationWarning, match="the keyword v0 is deprecated, use V0"):
        old = hedging.HestonHedge(kappa=1.0, theta=0.04, eta=0.5, rho=-0.7, v0=0.04)
    assert old == new
    with pytest.warns(DeprecationWarning, match="HestonHedge.v0 is deprecated"):
        assert new.v0 == 0.04
    with pytest.raises(ValueError, match="give V0 or the deprecated v0, not both"):
        hedging.HestonHedge(1.0, 0.04, 0.5, -0.7, 0.04, v0=0.04)
    d_new = hedging.heston_call_delta(0.1, 0.5, 1.0, 0.04, 0.5, -0.7, V0=0.04)
    with pytest.warns(DeprecationWarning, match="heston_call_delta: the keyword v0 is deprecated"):
        d_old = hedging.heston_call_delta(0.1, 0.5, 1.0, 0.04, 0.5, -0.7, v0=0.04)
    assert d_old == d_new


def test_threads_are_capped_not_trusted():
    from numerics import black_scholes as bs
    from numerics._validate import MAX_THREADS, threads
    assert 1 <= threads(MAX_THREADS) <= MAX_THREADS and threads(0) == 0
    p = np.linspace(1.0, 20.0, 50)
    np.testing.assert_array_equal(bs.implied_vol(p, 100.0, 100.0, 1.0, threads=MAX_THREADS),
                                  bs.implied_vol(p, 100.0, 100.0, 1.0, threads=1))


def test_work_limit_can_be_raised_by_the_environment(monkeypatch):
    from numerics import _validate as v
    with pytest.raises(ValueError, match="more than the limit 2e"):
        v.work_budget("demo", 3e11, "n")
    monkeypatch.setenv("ROUGHATLAS_MAX_WORK", "1e12")
    assert v.work_budget("demo", 3e11, "n") == 3e11
