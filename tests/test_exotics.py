"""Monte Carlo exotics (numerics.exotics): engine vs COS, parity, QuantLib at H = 1/2, variance swap
vs the Mittag-Leffler closed form, determinism across thread counts, validation."""
import math
import warnings

import numpy as np
import pytest

from numerics import exotics
from numerics import rough_heston as rh

QL = pytest.importorskip("QuantLib")


def _p(H=0.1, **kw):
    d = dict(H=H, kappa=0.3, theta=0.02, eta=0.3, rho=-0.7, V0=0.02)
    d.update(kw)
    return rh.RoughHestonParams(**d)


@pytest.mark.parametrize("H", [0.05, 0.1, 0.3, 0.5])
def test_european_mc_matches_cos_within_3se(H):
    p = _p(H)
    for K, kind in ((1.0, "call"), (0.9, "put")):
        e = exotics.european(p, K, 1.0, kind=kind, n_steps=64, n_paths=24000, seed=11)
        c = float(rh.price(p, [K], 1.0, kind=kind)[0])
        assert abs(e.price - c) < 3 * e.se, (H, K, e, c)
        assert e.ci_low < e.price < e.ci_high


@pytest.mark.parametrize("direction", ["up", "down"])
def test_in_plus_out_is_vanilla_on_the_same_paths(direction):
    p = _p(0.1)
    B = 1.15 if direction == "up" else 0.85
    kw = dict(n_steps=50, n_paths=4000, seed=3, control_variate=False)
    for cc in (False, True):
        i = exotics.barrier(p, 1.0, B, 1.0, barrier_type=f"{direction}-and-in", continuity_correction=cc, **kw)
        o = exotics.barrier(p, 1.0, B, 1.0, barrier_type=f"{direction}-and-out", continuity_correction=cc, **kw)
        van = exotics.european(p, 1.0, 1.0, n_steps=50, n_paths=4000, seed=3)
        assert i.price + o.price == pytest.approx(van.price, rel=1e-12, abs=1e-15)
        assert 0 < i.price < van.price and 0 < o.price < van.price


def test_fixed_seed_same_numbers_whatever_the_thread_count(monkeypatch):
    p = _p(0.1)
    res = []
    for nt in ("1", "2", "3"):
        monkeypatch.setenv("ROUGHATLAS_THREADS", nt)
        st = exotics.path_stats(p, 1.0, 20, 1000, seed=7)     # 1000 paths: several blocks
        res.append(np.stack([st.logS_T, st.min_logS, st.mean_S, st.realized_var]))
    assert np.array_equal(res[0], res[1]) and np.array_equal(res[0], res[2])
    monkeypatch.setenv("ROUGHATLAS_THREADS", "1")
    other = exotics.path_stats(p, 1.0, 20, 1000, seed=8)
    assert not np.array_equal(other.logS_T, res[0][0])


def test_path_statistics_are_consistent():
    p = _p(0.2)
    st = exotics.path_stats(p, 1.0, 40, 2000, monitor_every=4, bg_beta=exotics.BG_BETA, seed=2)
    assert st.n_monitor == 10
    assert np.all(st.min_logS <= np.minimum(0.0, st.logS_T)) and np.all(st.max_logS >= np.maximum(0.0, st.logS_T))
    assert np.all(st.min_logS_bg <= st.min_logS) and np.all(st.max_logS_bg >= st.max_logS)
    assert np.all(np.exp(st.min_logS) <= st.mean_S) and np.all(st.mean_S <= np.exp(st.max_logS))
    assert np.all(np.exp(st.mean_logS) <= st.mean_S * (1 + 1e-12))            # AM-GM
    assert np.all(st.intV >= 0) and np.all(st.realized_var >= 0)
    # antithetic halves come from negated normals: different paths, same law
    h = st.logS_T.size // 2
    assert not np.allclose(st.logS_T[:h], st.logS_T[h:])


def test_asking_for_fewer_statistics_changes_no_number():
    p = _p(0.2)
    kw = dict(monitor_every=2, bg_beta=exotics.BG_BETA, seed=9)
    full = exotics.path_stats(p, 1.0, 40, 512, **kw)
    for group, fields in (("extremes", ("min_logS", "max_logS", "min_logS_bg", "max_logS_bg")),
                          ("averages", ("mean_S", "mean_logS")), ("realized_var", ("realized_var",))):
        part = exotics.path_stats(p, 1.0, 40, 512, stats=[group], **kw)
        np.testing.assert_array_equal(part.logS_T, full.logS_T)
        np.testing.assert_array_equal(part.intV, full.intV)
        for f in fields:
            np.testing.assert_array_equal(getattr(part, f), getattr(full, f))
        others = [f for f in ("min_logS", "mean_S", "realized_var") if f not in fields]
        assert all(getattr(part, f) is None for f in others), group
    none = exotics.path_stats(p, 1.0, 40, 512, stats=(), **kw)
    assert none.min_logS is None and none.mean_S is None and none.realized_var is None
    with pytest.raises(ValueError, match="unknown statistic"):
        exotics.path_stats(p, 1.0, 40, 512, stats=["max"])


def test_truncation_fraction_is_reported_and_warned_where_the_scheme_is_biased():
    strong = dict(kappa=0.3, theta=0.02, eta=0.4, rho=-0.7, V0=0.02)   # Feller ratio 0.075
    with pytest.warns(RuntimeWarning, match="alpha <= 0"):
        st = exotics.path_stats(rh.RoughHestonParams(H=0.5, **strong), 0.5, 25, 4000, seed=1, stats=())
    assert st.truncated > exotics.TRUNCATION_WARN
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ok = exotics.path_stats(_p(0.1), 0.5, 25, 4000, seed=1, stats=())
    assert 0.0 <= ok.truncated < exotics.TRUNCATION_WARN


def test_kernel_exp_is_within_two_ulp_of_libm():
    # one monitoring date: mean_S is the kernel's own exp of log S_T (a polynomial, so that the
    # loop vectorises); compare with NumPy's exp on the same numbers
    p = _p(0.1, eta=1.5)
    st = exotics.path_stats(p, 4.0, 8, 20000, monitor_every=8, seed=4)
    ref = np.exp(st.logS_T)
    assert st.logS_T.min() < -1.0 and st.logS_T.max() > 0.4      # a spread of arguments
    np.testing.assert_allclose(st.mean_S, ref, rtol=4.5e-16, atol=0)


def test_control_variate_reduces_the_error_and_stays_unbiased():
    p = _p(0.1)
    kw = dict(n_steps=50, n_paths=8000, seed=9)
    a = exotics.asian(p, 1.0, 1.0, **kw)
    b = exotics.asian(p, 1.0, 1.0, control_variate=False, **kw)
    assert a.control_variate and a.se < 0.7 * b.se
    assert abs(a.price - b.price) < 3 * b.se


def _ql_heston(p, S0, r, q, days):
    today = QL.Date(2, 1, 2025)
    QL.Settings.instance().evaluationDate = today
    dc = QL.Actual365Fixed()
    h = lambda x: QL.YieldTermStructureHandle(QL.FlatForward(today, x, dc))  # noqa: E731
    proc = QL.HestonProcess(h(r), h(q), QL.QuoteHandle(QL.SimpleQuote(S0)), p.V0, p.kappa, p.theta, p.eta, p.rho)
    return today, proc, QL.EuropeanExercise(today + days)


def test_barrier_at_half_matches_quantlib_fd_within_3se():
    p = _p(0.5, kappa=1.5, theta=0.04, V0=0.04, eta=0.5)
    S0, r, q, days = 100.0, 0.02, 0.01, 146
    today, proc, ex = _ql_heston(p, S0, r, q, days)
    opt = QL.BarrierOption(QL.Barrier.UpOut, 120.0, 0.0, QL.PlainVanillaPayoff(QL.Option.Call, 100.0), ex)
    opt.setPricingEngine(QL.FdHestonBarrierEngine(QL.HestonModel(proc), 100, 200, 50))
    ref = opt.NPV()
    mc = exotics.barrier(p, 100.0, 120.0, days / 365, S0=S0, r=r, q=q, n_steps=146, n_paths=30000,
                         continuity_correction=True, seed=5)
    assert abs(mc.price - ref) < 3 * mc.se, (mc, ref)
    # without the correction, daily monitoring is visibly above the continuous price
    raw = exotics.barrier(p, 100.0, 120.0, days / 365, S0=S0, r=r, q=q, n_steps=146, n_paths=30000, seed=5)
    assert raw.price > mc.price


def test_geometric_asian_at_half_matches_quantlib_analytic_within_3se():
    p = _p(0.5, kappa=1.5, theta=0.04, V0=0.04, eta=0.5)
    S0, r, q, days = 100.0, 0.02, 0.01, 146
    today, proc, ex = _ql_heston(p, S0, r, q, days)
    fix = [today + 2 * k for k in range(1, 74)]
    for kind, qlk in (("call", QL.Option.Call), ("put", QL.Option.Put)):
        a = QL.DiscreteAveragingAsianOption(QL.Average.Geometric, 1.0, 0, fix, QL.PlainVanillaPayoff(qlk, 100.0), ex)
        a.setPricingEngine(QL.AnalyticDiscreteGeometricAveragePriceAsianHestonEngine(proc))
        ref = a.NPV()
        mc = exotics.asian(p, 100.0, days / 365, kind=kind, average="geometric", S0=S0, r=r, q=q, n_steps=146,
                           monitor_every=2, n_paths=20000, seed=6)
        assert abs(mc.price - ref) < 3 * mc.se, (kind, mc, ref)


@pytest.mark.parametrize("H", [0.1, 0.5])
def test_variance_swap_strike_matches_mittag_leffler_closed_form(H):
    p = _p(H, V0=0.04, theta=0.02, kappa=1.0)   # V0 != theta: the forward variance curve matters
    ev = exotics.expected_variance(p, 1.0)
    assert p.theta < ev < p.V0
    vs = exotics.variance_swap(p, 1.0, n_steps=100, n_paths=20000, control_variate=False, seed=4)
    assert abs(vs.price - ev) < 3 * vs.se, (vs, ev)
    if H == 0.5:    # classical Heston: theta + (V0 - theta)(1 - e^{-kT}) / (kT)
        assert ev == pytest.approx(p.theta + (p.V0 - p.theta) * -math.expm1(-1.0) / 1.0, rel=1e-14)
    vol = exotics.volatility_swap(p, 1.0, n_steps=100, n_paths=4000, seed=4)
    assert vol.price < math.sqrt(ev)            # Jensen


def test_lookback_and_floating_asian_orderings():
    p = _p(0.1)
    kw = dict(n_steps=50, n_paths=4000, seed=12, control_variate=False)
    fl = exotics.lookback(p, 1.0, **kw)
    fx = exotics.lookback(p, 1.0, strike="fixed", K=1.0, **kw)
    van = exotics.european(p, 1.0, 1.0, n_steps=50, n_paths=4000, seed=12)
    assert fx.price > van.price and fl.price > 0
    cc = exotics.lookback(p, 1.0, continuity_correction=True, **kw)
    assert cc.price > fl.price
    af = exotics.asian(p, 1.0, 1.0, strike="floating", **kw)
    assert 0 < af.price < van.price


@pytest.mark.parametrize("kw, match", [
    (dict(n_steps=10, monitor_every=3), "multiple of monitor_every"),
    (dict(n_paths=3), "even"),
    (dict(n_paths=2), ">= 4"),
    (dict(n_paths=10 ** 8, n_steps=100), "n_paths \\* n_steps"),
    (dict(T=0.0), "T must be"),
    (dict(T=float("nan")), "T must be finite"),
    (dict(n_steps=True), "n_steps must be an integer"),
])
def test_path_stats_validation(kw, match):
    args = dict(T=1.0, n_steps=10, n_paths=10, seed=1)
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        exotics.path_stats(_p(), **args)


def test_product_validation():
    p = _p()
    with pytest.raises(ValueError, match="barrier_type"):
        exotics.barrier(p, 1.0, 1.2, 1.0, barrier_type="sideways")
    with pytest.raises(ValueError, match="B must be"):
        exotics.barrier(p, 1.0, -1.0, 1.0)
    with pytest.raises(ValueError, match="average"):
        exotics.asian(p, 1.0, 1.0, average="harmonic")
    with pytest.raises(ValueError, match="K is required"):
        exotics.lookback(p, 1.0, strike="fixed")
    with pytest.raises(ValueError, match="S0 must be"):
        exotics.asian(p, 1.0, 1.0, S0=5e-324)
    with pytest.raises(ValueError, match="lam must be 0"):
        exotics.variance_swap(rh.RoughHestonParams(0.1, 0.3, 0.02, 0.3, -0.7, 0.02, lam=1.0), 1.0)
    with pytest.raises(ValueError, match="RoughHestonParams or an exotics.RBergomiParams"):
        exotics.variance_swap({"H": 0.1}, 1.0)


def test_rbergomi_paths_parity_swap_and_european():
    from numerics import rbergomi
    p = exotics.RBergomiParams(H=0.1, eta=1.5, rho=-0.7, xi0=0.04)
    kw = dict(n_steps=50, n_paths=4000, seed=3, control_variate=True)
    i = exotics.barrier(p, 1.0, 1.15, 1.0, barrier_type="up-and-in", **kw)
    o = exotics.barrier(p, 1.0, 1.15, 1.0, barrier_type="up-and-out", **kw)
    van = exotics.european(p, 1.0, 1.0, n_steps=50, n_paths=4000, seed=3)
    assert not i.control_variate                       # no closed form under rBergomi
    assert i.price + o.price == pytest.approx(van.price, rel=1e-12)
    ref = rbergomi.european([1.0], 1.0, 0.1, 1.5, -0.7, 0.04, n_steps=50, n_paths=20000, rng=4)
    e = exotics.european(p, 1.0, 1.0, n_steps=50, n_paths=20000, seed=5)
    assert abs(e.price - ref.price[0]) < 3 * math.hypot(e.se, ref.se[0])
    vs = exotics.variance_swap(p, 1.0, n_steps=100, n_paths=8000, control_variate=False, seed=6)
    assert exotics.expected_variance(p, 1.0) == 0.04 and abs(vs.price - 0.04) < 3 * vs.se
    st = exotics.path_stats(p, 1.0, 40, 400, monitor_every=4, bg_beta=exotics.BG_BETA, seed=2)
    assert st.n_monitor == 10 and np.all(st.min_logS_bg <= st.min_logS) and np.all(st.max_logS <= st.max_logS_bg)
    with pytest.raises(ValueError, match="H must be"):
        exotics.RBergomiParams(H=0.7, eta=1.5, rho=-0.7, xi0=0.04)


@pytest.mark.parametrize("antithetic", [True, False])
def test_rbergomi_chunks_keep_the_pairs_and_the_seed(monkeypatch, antithetic):
    """rBergomi paths come in chunks of RB_CHUNK (bounded memory): chunk c is its own seeded
    simulation, and with antithetic pairs its halves land at the matching places of the two
    global halves, so path i still pairs with path i + P/2."""
    from numerics import rbergomi
    from numerics._bs_mc_helpers import seed_of
    monkeypatch.setattr(exotics, "RB_CHUNK", 8)
    p = exotics.RBergomiParams(H=0.1, eta=1.5, rho=-0.7, xi0=0.04)
    P = 24 if antithetic else 20                      # 3 chunks (the last one short without pairs)
    st = exotics.path_stats(p, 1.0, 10, P, seed=7, antithetic=antithetic)
    again = exotics.path_stats(p, 1.0, 10, P, seed=7, antithetic=antithetic)
    np.testing.assert_array_equal(st.logS_T, again.logS_T)
    root = seed_of(np.random.default_rng(7))
    for c in range(3):
        gen = np.random.default_rng(np.random.SeedSequence(root, spawn_key=(c,)))
        w = 4 if antithetic else min(8, P - 8 * c)
        pa = rbergomi.simulate(0.1, 1.5, -0.7, 0.04, 1.0, 10, 2 * w if antithetic else w, rng=gen,
                               antithetic=antithetic)
        if antithetic:
            np.testing.assert_array_equal(st.logS_T[4 * c:4 * c + 4], pa.logS_T[:4])
            np.testing.assert_array_equal(st.logS_T[12 + 4 * c:12 + 4 * c + 4], pa.logS_T[4:])
        else:
            np.testing.assert_array_equal(st.logS_T[8 * c:8 * c + w], pa.logS_T)
