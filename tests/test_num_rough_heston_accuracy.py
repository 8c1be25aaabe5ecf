"""numerics.rough_heston.price_to_accuracy: the stated accuracy holds where it says it does.

Checked (1) against the QuantLib reference prices of tests/data/rough_heston_ref.json and
(2) against the library's high-accuracy pricer (n = 400 Adams steps, cf_tol = 1e-12) over
the pricing service's whole domain (H from 0.001 to 1/2, kappa in [0, 20], theta and V0 in
[1e-4, 4], eta in [0, 5], rho in (-1, 1), T from one day to 10 years, spot from 1e-4 to 1e6,
strikes from the deep wings at 1e-3 x spot to 1e3 x spot): wherever ``met`` is True the
error is within ``accuracy`` x spot, and the error is always within ``error_estimate``.
"""
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from numerics import rough_heston as rh
from numerics._validate import collect_warnings

REF_JSON = Path(__file__).parent / "data" / "rough_heston_ref.json"


@pytest.fixture(scope="module")
def ql_slices():
    with open(REF_JSON) as fh:
        d = json.load(fh)
    return d["S0"], d["slices"]


@pytest.mark.parametrize("accuracy", [1e-5, 1e-6])
def test_quantlib_reference(ql_slices, accuracy):
    S0, slices = ql_slices
    worst = 0.0
    for s in slices:
        res = rh.price_to_accuracy(s["params"], s["strikes"], s["T"], S0=S0, accuracy=accuracy)
        err = float(np.max(np.abs(res.prices - np.array(s["price"])) - np.array(s["err_est"])))
        assert res.met, (s["group"], s["T"], res)
        assert err <= res.error_estimate[0] <= accuracy * S0, (s["group"], s["T"], err, res.error_estimate)
        worst = max(worst, err / S0)
    print(f"accuracy {accuracy:g}: worst error per unit of spot {worst:.2e}")


def test_quantlib_bench_surface(ql_slices):
    # the 256 x 8 surface of the benchmark through surface_to_accuracy
    S0, slices = ql_slices
    sl = sorted((s for s in slices if s["group"] == "bench"), key=lambda s: s["T"])
    res = rh.surface_to_accuracy(sl[0]["params"], sl[0]["strikes"], [s["T"] for s in sl], S0=S0, accuracy=1e-5)
    err = np.abs(res.prices - np.array([s["price"] for s in sl])) - np.array([s["err_est"] for s in sl])
    assert res.met and res.prices.shape == (8, 256) and res.error_estimate.shape == (8,)
    assert np.all(err.max(axis=1) <= res.error_estimate) and res.max_error_per_spot <= 1e-5


def _lu(rng, lo, hi):
    return float(np.exp(rng.uniform(math.log(lo), math.log(hi))))


def _domain_points(seed, n):
    """Random points of the service's domain (log-uniform scales, kappa and eta sometimes 0),
    then fixed corners: small and large H, extreme rho and eta, one day and ten years."""
    rng = np.random.default_rng(seed)
    pts = []
    for _ in range(n):
        P = dict(H=_lu(rng, 0.001, 0.5), kappa=float(rng.choice([0.0, _lu(rng, 0.01, 20)])), theta=_lu(rng, 1e-4, 4),
                 eta=float(rng.choice([0.0, _lu(rng, 0.01, 5)])), rho=float(rng.uniform(-0.99, 0.99)),
                 V0=_lu(rng, 1e-4, 4))
        pts.append((P, _lu(rng, 1 / 365, 10), float(rng.uniform(-0.2, 0.5)), float(rng.uniform(-0.2, 0.5)),
                    _lu(rng, 1e-4, 1e6)))
    for H in (0.02, 0.5):
        for T in (1 / 365, 10.0):
            for rho, eta in ((-0.95, 5.0), (0.95, 0.3)):
                pts.append((dict(H=H, kappa=1.0, theta=0.04, eta=eta, rho=rho, V0=0.04), T, 0.03, 0.0, 100.0))
    return pts


def _strikes(P, T, S0):
    sd = math.sqrt(T * max(P["V0"], P["theta"]))
    return S0 * np.clip(np.exp(np.concatenate([np.linspace(-3, 3, 9) * sd, [-6.9, 6.9]])), 1e-3, 1e3)


def _check_domain(points, accuracies):
    checked = unverified = not_met = 0
    for P, T, r, q, S0 in points:
        p, K = rh.RoughHestonParams(**P), _strikes(P, T, S0)
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            try:
                ref = np.concatenate([rh.price(p, K, T, S0=S0, r=r, q=q, n=400, kind=k) for k in ("call", "put")])
            except ValueError:
                ref = None
        if ref is None or said:
            unverified += 1          # the reference itself states no error bound here
            continue
        for acc in accuracies:
            with collect_warnings() as got:
                res = [rh.price_to_accuracy(p, K, T, S0=S0, r=r, q=q, kind=k, accuracy=acc) for k in ("call", "put")]
            err = float(np.max(np.abs(np.concatenate([x.prices for x in res]) - ref)))
            est = max(x.error_estimate[0] for x in res)
            where = (P, T, r, q, S0, acc)
            # the estimate bounds the error (up to the reference's own ~1e-9 relative error)
            assert err <= est + 1e-9 * float(np.max(K)), (where, err, est)
            if all(x.met for x in res):
                assert err <= acc * S0 and est <= acc * S0 and not got, (where, err, est, got)
                checked += 1
            else:
                not_met += 1
                assert any("above accuracy" in g for g in got), (where, got)
    return checked, unverified, not_met


def test_domain_against_the_high_accuracy_pricer():
    checked, unverified, not_met = _check_domain(_domain_points(7, 24), (1e-5,))
    print(f"met and checked {checked}, not met (reported) {not_met}, reference without a bound {unverified}")
    assert checked >= 20, (checked, unverified, not_met)


@pytest.mark.slow
def test_domain_against_the_high_accuracy_pricer_wide():
    checked, unverified, not_met = _check_domain(_domain_points(11, 150), (1e-4, 1e-5, 1e-6))
    print(f"met and checked {checked}, not met (reported) {not_met}, reference without a bound {unverified}")
    assert checked >= 300, (checked, unverified, not_met)


def test_not_met_is_reported():
    # a one-day maturity whose moments explode (eta = 1.5, V0 tiny): no finite range bound
    p = rh.RoughHestonParams(H=0.001, kappa=0.94, theta=1e-4, eta=1.49, rho=-0.62, V0=3e-4)
    with collect_warnings() as got:
        res = rh.price_to_accuracy(p, [0.9, 1.0, 1.1], 0.003, accuracy=1e-5)
    assert not res.met and not math.isfinite(res.max_error_per_spot)
    assert any("COS range error bound" in g for g in got) and any("above accuracy" in g for g in got)
    with warnings.catch_warnings(record=True) as said:                  # no collector: Python warnings
        warnings.simplefilter("always")
        rh.price_to_accuracy(p, [1.0], 0.003, accuracy=1e-5)
    assert any(w.category is RuntimeWarning and "above accuracy" in str(w.message) for w in said)


def test_settings_and_validation():
    st = rh.settings_for_accuracy(1e-5, strikes=[50.0, 200.0], S0=100.0)
    assert st == dict(n=32, richardson=2, nodes=16, cf_tol=0.25 * 1e-5 * 100 / 200, range_tol=0.25 * 1e-5 * 100 / 200)
    assert [rh.settings_for_accuracy(a)["n"] for a in (1e-2, 1e-6, 1e-7, 1e-8)] == [32, 64, 128, 256]
    for bad in (0.0, 1e-9, 0.1, float("nan"), True, "1e-5"):
        with pytest.raises(ValueError, match="accuracy"):
            rh.price_to_accuracy(dict(H=0.1, kappa=0.3, theta=0.02, eta=0.3, rho=-0.7, V0=0.02), [1.0], 0.5,
                                 accuracy=bad)
    with pytest.raises(ValueError, match="kind"):
        rh.surface_to_accuracy(dict(H=0.1, kappa=0.3, theta=0.02, eta=0.3, rho=-0.7, V0=0.02), [1.0], [0.5],
                               kind="straddle")


def test_tighter_accuracy_refines_the_grid():
    # small H and large eta: the Adams error, not the COS, decides; the loop doubles n
    p = rh.RoughHestonParams(H=0.05, kappa=3.0, theta=0.02, eta=1.0, rho=0.4, V0=0.01)
    loose = rh.price_to_accuracy(p, [0.9, 1.0, 1.1], 1.5, accuracy=1e-5)
    tight = rh.price_to_accuracy(p, [0.9, 1.0, 1.1], 1.5, accuracy=1e-7)
    assert loose.met and tight.met and tight.n[0] > loose.n[0]
    exact = rh.price(p, [0.9, 1.0, 1.1], 1.5, n=800)
    assert np.max(np.abs(tight.prices - exact)) <= 1e-7
