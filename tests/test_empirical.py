"""Issue 13: roughness estimators, measured bias, hedging along history, the empirical study."""
import math
import os

import numpy as np
import pytest

from numerics import data, hedging, pipeline42
from numerics import roughness as R
from numerics.risk import historical_se

pytest.importorskip("arch", reason="the empirical data ship inside the arch wheel (requirements.txt)")


@pytest.mark.parametrize("H", [0.1, 0.3, 0.5])
@pytest.mark.parametrize("n", [1000, 4000])
def test_estimators_recover_H_within_se(H, n):
    x = R.simulate_logvol(H, n, 1, scheme="spot", nu=0.3, rng=1000 + n + int(100 * H))[0]
    vg = R.variogram_h(x, max_lag=20, n_boot=200, rng=1)
    ms = R.moment_scaling_h(x, max_lag=20, n_boot=200, rng=1)
    assert abs(vg["H"] - H) < 3 * vg["H_se_boot"], vg
    assert abs(ms["H"] - H) < 3 * ms["H_se_boot"], ms
    assert vg["H_se_boot"] >= vg["H_se_ols"]          # overlapping increments: OLS SE is too small


def test_bootstrap_se_matches_spread_over_paths():
    H, n, P = 0.3, 1000, 40
    x = R.simulate_logvol(H, n, P, scheme="spot", rng=7)
    est = np.array([R.variogram_h(r, 20, n_boot=150, rng=i)["H"] for i, r in enumerate(x)])
    se = np.array([R.variogram_h(r, 20, n_boot=150, rng=i)["H_se_boot"] for i, r in enumerate(x[:10])])
    spread = est.std(ddof=1)
    assert abs(est.mean() - H) < 3 * spread / math.sqrt(P)
    assert 0.5 < se.mean() / spread < 2.0, (se.mean(), spread)


def test_bias_study_reproducible_and_noise_biases_down():
    kw = dict(n=600, n_rep=12, max_lag=10)
    a = R.bias_study([0.1, 0.4], scheme="spot", noise_sd=0.3, nu_of_H=lambda h: 0.3, rng=5, **kw)
    b = R.bias_study([0.1, 0.4], scheme="spot", noise_sd=0.3, nu_of_H=lambda h: 0.3, rng=5, **kw)
    c = R.bias_study([0.1, 0.4], scheme="spot", noise_sd=0.3, nu_of_H=lambda h: 0.3, rng=6, **kw)
    np.testing.assert_array_equal(a["variogram"]["all"], b["variogram"]["all"])
    assert not np.array_equal(a["variogram"]["all"], c["variogram"]["all"])
    assert np.all(a["variogram"]["mean"] < np.array([0.1, 0.4]))       # noise flattens the variogram
    v = R.bias_study([0.1, 0.4], scheme="vix", rng=5, **kw)
    assert np.all(v["variogram"]["mean"] > np.array([0.1, 0.4]) - 0.05)  # the forward average smooths


def test_invert_bias_on_an_unbiased_curve():
    s = R.bias_study([0.1, 0.2, 0.3, 0.4, 0.5], n=800, n_rep=30, scheme="spot", max_lag=10, rng=3)
    r = R.invert_bias(s, 0.3)
    assert abs(r["H_corrected"] - 0.3) < 0.02
    assert r["lo"] < 0.3 < r["hi"] and 0.3 in r["accepted"] and 0.1 not in r["accepted"]


def _gbm(n, sigma, seed):
    g = np.random.default_rng(seed)
    dt = 1.0 / R.DAYS_PER_YEAR
    return 100.0 * np.exp(np.concatenate([[0.0], np.cumsum(-0.5 * sigma ** 2 * dt
                                                             + sigma * math.sqrt(dt) * g.standard_normal(n))]))


@pytest.mark.parametrize("days", [21, 63])
def test_constant_vol_hedge_pnl_mean_zero_and_textbook_variance(days):
    sigma = 0.2
    S = _gbm(4000 * days, sigma, seed=days)
    starts, pnl = R.window_hedge_pnl(S, days, sigma, step=days)         # non-overlapping: independent
    st = hedging.pnl_stats(pnl)
    assert abs(st.mean) < 4 * st.mean_se
    T = days / R.DAYS_PER_YEAR
    textbook = hedging.bs_discrete_hedging_constant(sigma, T, K=100.0, S0=100.0) / days
    assert abs(st.var / textbook - 1.0) < max(0.12, 4 * st.var_se / textbook), (st.var, textbook)


def test_window_hedge_pnl_matches_project_kernel():
    days, sigma = 21, 0.25
    S = _gbm(400, sigma, seed=3)
    starts, pnl = R.window_hedge_pnl(S, days, sigma, step=7)
    idx = starts[:, None] + np.arange(days + 1)[None, :]
    paths = (100.0 * S[idx] / S[starts][:, None]).T.copy()
    T = days / R.DAYS_PER_YEAR
    prem = float(hedging.bs_call(100.0, 100.0, sigma * math.sqrt(T)))
    ref = hedging.hedge_pnl(paths, 100.0, T, days, prem, delta="bs", sigma=sigma)
    np.testing.assert_allclose(pnl, ref, rtol=1e-9, atol=1e-9)


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="high must be >= low"):
        R.parkinson_logvol([1.0, 2.0], [1.5, 1.0])
    with pytest.raises(ValueError, match="x must have at least"):
        R.variogram_h(np.arange(30.0), max_lag=20)
    with pytest.raises(ValueError, match="scheme"):
        R.simulate_logvol(0.1, 100, scheme="vx")
    with pytest.raises(ValueError, match="sigma"):
        R.window_hedge_pnl(np.linspace(100, 110, 50), 5, -0.1)


def test_data_provenance():
    p = data.provenance()
    assert p["version"] == data.ARCH_VERSION
    assert p["vix"]["first"] == "2014-01-03" and p["sp500"]["last"] == "2018-12-31"
    assert p["vix"]["n"] == data.load_vix().values.size and np.all(np.isfinite(data.load_vix().values))


def test_pipeline42_reduction_matches_law_and_particles():
    var, cvar = pipeline42.law_var_cvar()
    n = 100_000
    r = pipeline42.run(n_paths=n, rng=1)
    # the SEs of historical VaR/CVaR at this sample size, from a sample of the exact law
    g = np.random.default_rng(9)
    ref = 100.0 * 0.3 * math.sqrt(1.0 / 200) * np.exp(0.327 * g.standard_normal(n)) * g.standard_normal(n)
    se_var, se_cvar = historical_se(ref, 0.99)
    assert abs(r["var99"] - var) < 4 * se_var and abs(r["cvar99"] - cvar) < 4 * se_cvar
    assert abs(r["mean"]) < 4 * r["mean_se"]
    p = pipeline42.run_particles(n_paths=600, rng=2)
    assert abs(p["sd"] / r["sd"] - 1.0) < 4 / math.sqrt(2 * 600)
    assert pipeline42.law_var_cvar(H=0.5) == pytest.approx((var, cvar), rel=1e-9)   # T = 1: T^(2H) = 1


def test_study_quick_end_to_end(tmp_path):
    from numerics.studies import empirical
    o = empirical.run(str(tmp_path), quick=True, progress=None)
    rep = (tmp_path / "report.md").read_text()
    for f in ("variogram.png", "rolling_h.png", "bias.png", "hedging_var.png", "results.json"):
        assert (tmp_path / f).stat().st_size > 0
    assert f"{o['h']['vix']['H']:.3f}" in rep and f"{o['hedging']['mean_vix']['1w']['var']:.3f}" in rep
    assert 0.0 < o["h"]["parkinson"]["H"] < o["h"]["vix"]["H"] < 0.5
    assert "windows differ" in rep


def test_noise_intercept_variogram_absorbs_measurement_noise():
    H, s = 0.3, 0.3
    x = R.simulate_logvol(H, 4000, 1, scheme="spot", nu=0.3, noise_sd=s, rng=21)[0]
    plain = R.variogram_h(x, 20, n_boot=0)
    nz = R.variogram_noise_h(x, 20, n_boot=200, rng=2)
    assert plain["H"] < H - 0.05                                   # the plain fit is flattened
    assert abs(nz["H"] - H) < 3 * nz["H_se_boot"], nz
    assert abs(nz["noise_var"] - s * s) < 0.5 * s * s, nz


def test_study_is_registered_and_bad_seeds_is_a_clear_error(tmp_path, capsys):
    from verifier import cli_study
    mod, desc = cli_study.STUDIES["empirical"]
    assert mod == "numerics.studies.empirical" and "§5" in desc
    from numerics.studies import empirical
    with pytest.raises(ValueError, match="seeds must be >= 2"):
        empirical.run(str(tmp_path), quick=True, seeds=1, progress=None)
