"""Calibration engine (numerics/calibration.py): recovery, determinism, warm start, bad input."""
import math

import numpy as np
import pytest

from numerics import calibration as cal
from numerics import rough_heston as rh
from numerics.black_scholes import implied_vol
from numerics.black_scholes import price as bs_price

TRUE = dict(H=0.12, kappa=2.5, theta=0.04, eta=0.9, rho=-0.65, V0=0.04)
TS = [0.1, 0.25, 0.5, 1.0, 2.0]
KS = np.linspace(0.85, 1.15, 9)


def reference_ivs(params, Ts=TS, K=KS):
    """Implied vols from the independent pricer (numerics.rough_heston, its default accuracy)."""
    return np.array([implied_vol(rh.price(params, K, T), 1.0, K, T)
                     for T in Ts])


@pytest.fixture(scope="module")
def true_surface():
    return reference_ivs(TRUE)


@pytest.fixture(scope="module")
def fit_clean(true_surface):
    s = cal.Surface.from_grid(TS, KS, true_surface, spot=1.0)
    return cal.calibrate(s, seed=3)


def test_recovers_known_parameters(fit_clean):
    r = fit_clean
    assert r.converged, r.reason
    assert r.rmse_bps < 0.3 and r.rmse_unweighted_bps < 0.3          # the pricer's own error only
    assert max(r.rmse_by_maturity_bps.values()) < 0.4
    assert r.params["H"] == pytest.approx(0.12, abs=0.01)
    assert r.params["rho"] == pytest.approx(-0.65, abs=0.01)
    assert r.params["eta"] == pytest.approx(0.9, abs=0.05)
    assert r.params["V0"] == pytest.approx(0.04, abs=0.001)
    assert r.params["theta"] == pytest.approx(0.04, abs=0.002)
    assert r.params["kappa"] == pytest.approx(2.5, abs=0.3)
    assert set(r.stderr) == set(r.names) and all(np.isfinite(list(r.stderr.values())))
    assert r.corr.shape == (6, 6) and np.allclose(np.diag(r.corr), 1.0)
    assert r.evaluations > 0 and r.time_s > 0 and len(r.stages) >= 2
    assert r.residuals_bps.shape == (45,)


def test_noisy_fit_and_warm_start(true_surface):
    rng = np.random.default_rng(7)
    noisy = true_surface + 5e-4 * rng.standard_normal(true_surface.shape)
    s = cal.Surface.from_grid(TS, KS, noisy, spot=1.0)
    r = cal.calibrate(s, seed=1)
    assert r.converged
    # 5 bps noise, 6 parameters over 45 quotes: in-sample RMSE ~ 5 sqrt(39/45) = 4.7 bps
    assert 3.0 < r.rmse_unweighted_bps < 6.5
    assert abs(r.params["H"] - 0.12) < 0.04
    # the parameter errors are of the size of the reported standard errors
    assert abs(r.params["rho"] + 0.65) < 4 * r.stderr["rho"] + 1e-3
    # warm start from the solution: the global stage is skipped and the result kept
    w = cal.calibrate(s, start=r.params)
    assert "skipped" in w.stages[0]["name"]
    assert w.rmse_bps == pytest.approx(r.rmse_bps, abs=0.05)


def test_fixed_seed_same_result(true_surface):
    s = cal.Surface.from_grid(TS[:3], KS, true_surface[:3] + 3e-4, spot=1.0)
    a = cal.calibrate(s, seed=11, maxiter=3, max_nfev=8)
    b = cal.calibrate(s, seed=11, maxiter=3, max_nfev=8)
    assert np.array_equal(a.x, b.x) and a.evaluations == b.evaluations


def test_budget_exhausted_returns_best_point_not_converged(true_surface):
    s = cal.Surface.from_grid(TS, KS, true_surface, spot=1.0)
    msgs = []
    r = cal.calibrate(s, global_stage=False, max_nfev=2, progress=msgs.append)
    assert not r.converged and "evaluations" in r.reason
    assert msgs and msgs[-1].startswith("calibration: done")
    assert np.isfinite(r.rmse_bps) and np.all(np.isfinite(r.residuals_bps))


def test_heston_recovery_against_closed_form():
    p = dict(kappa=1.8, theta=0.05, eta=0.6, rho=-0.6, V0=0.03)
    Ts, K = [0.25, 0.75, 1.5], np.linspace(0.8, 1.2, 7)
    iv = np.array([implied_vol(rh.heston_price_closed_form(K, T, 1.0, 0.0, 0.0, **p), 1.0, K, T) for T in Ts])
    s = cal.Surface.from_grid(Ts, K, iv, spot=1.0)
    r = cal.calibrate(s, model="heston", seed=0)
    assert r.converged and r.rmse_bps < 0.1
    for k, v in p.items():
        assert r.params[k] == pytest.approx(v, rel=0.02, abs=2e-3), k
    assert r.params["H"] == 0.5 and "H" not in r.names


def test_piecewise_eta_recovers_one_eta(true_surface):
    s = cal.Surface.from_grid(TS, KS, true_surface, spot=1.0)
    start = dict(TRUE, eta_short=0.8, eta_long=1.0)
    del start["eta"]
    r = cal.calibrate(s, piecewise_eta=0.4, start=start)
    assert r.rmse_bps < 0.3
    assert r.params["eta_short"] == pytest.approx(0.9, abs=0.05)
    assert r.params["eta_long"] == pytest.approx(0.9, abs=0.05)
    iv = cal.model_implied_vols(r.params, TS, KS, piecewise_eta=0.4)
    assert np.max(np.abs(iv - true_surface)) * 1e4 < 1.0


def test_models_and_parameter_names():
    assert cal.param_names() == ["H", "kappa", "theta", "eta", "rho", "V0"]
    assert cal.param_names(jumps=True) == ["H", "kappa", "theta", "eta", "rho", "V0", "lam", "sigma_J"]
    assert cal.param_names(jumps=True, mu_J="free")[-1] == "mu_J"
    assert cal.param_names(piecewise_eta=0.5)[3:5] == ["eta_short", "eta_long"]
    assert cal.param_names("heston") == ["kappa", "theta", "eta", "rho", "V0"]


def test_jump_model_runs_and_keeps_mu_fixed(true_surface):
    s = cal.Surface.from_grid(TS, KS, true_surface, spot=1.0)
    r = cal.calibrate(s, jumps=True, start=dict(TRUE, lam=0.05, sigma_J=0.1), max_nfev=15)
    assert r.params["mu_J"] == -0.1 and "mu_J" not in r.names
    assert r.rmse_bps < 1.0 and np.all(np.isfinite(r.residuals_bps))


def test_price_quotes_dataframe_puts_and_exclusions():
    pd = pytest.importorskip("pandas")
    S, r_, q_ = 100.0, 0.02, 0.01
    Ts = np.repeat([0.5, 1.0], 4)
    K = np.tile([90.0, 100.0, 110.0, 120.0], 2)
    vol = 0.2 + 0.0 * K
    kind = np.where(K < 100, "put", "call")
    px = bs_price(S, K, Ts, vol, r_, q_, kind=kind)
    px[3] = 1e-9 * 0 + S                      # above the call's upper bound: excluded
    df = pd.DataFrame(dict(maturity=Ts, strike=K, price=px, kind=kind))
    s = cal.Surface(df, spot=S, rate=r_, dividend=q_)
    assert [i for i, _ in s.excluded] == [3] and "upper bound" in s.excluded[0][1]
    np.testing.assert_allclose(s.iv, 0.2, atol=1e-10)
    assert s.n == 7 and list(s.index) == [0, 1, 2, 4, 5, 6, 7]


@pytest.mark.parametrize("kw,match", [
    (dict(maturity=[], strike=[], iv=[]), "non-empty"),
    (dict(maturity=[0.5, 0.5, 0.5], strike=[0.9, 1.0, 1.1], iv=[0.2, 0.2, 0.2]), "at least 2 maturities"),
    (dict(maturity=[0.5, 1.0], strike=[1.0, 1.0], iv=[0.2, float("nan")]), "iv must be finite.*quote 1"),
    (dict(maturity=[0.5, 1.0], strike=[1.0, 1.0], iv=[0.2, -0.1]), "must be >= 0.*quote 1"),
    (dict(maturity=[0.5, -1.0], strike=[1.0, 1.0], iv=[0.2, 0.2]), "maturity must be > 0"),
    (dict(maturity=[0.5, 1.0], strike=[1.0, 1.0], bid=[0.2, 0.25], ask=[0.21, 0.22], quote_unit="iv"), "crossed bid/ask at quote 1"),
    (dict(maturity=[0.5, 1.0], strike=[1.0, 1.0], bid=[0.2, 0.2], ask=[0.21, 0.22]), "quote_unit"),
    (dict(maturity=[0.5, 1.0], strike=[1.0, 1.0], iv=[0.2, 0.2], kind="straddle"), "kind"),
    (dict(maturity=[0.5, 1.0], strike=[1.0, 1.0], iv=[0.2, 0.2], spot=None), "spot"),
])
def test_surface_bad_input(kw, match):
    kw.setdefault("spot", 1.0)
    with pytest.raises(ValueError, match=match):
        cal.Surface(**kw)


def test_calibrate_bad_input(true_surface):
    s = cal.Surface.from_grid(TS, KS, true_surface, spot=1.0)
    with pytest.raises(ValueError, match=r"bounds\['H'\]: lo > hi"):
        cal.calibrate(s, bounds=dict(H=(0.3, 0.1)))
    with pytest.raises(ValueError, match=r"start\['rho'\] = -0.999 is outside the bounds"):
        cal.calibrate(s, start=dict(rho=-0.999))
    with pytest.raises(ValueError, match="unknown parameter 'xi'"):
        cal.calibrate(s, start=dict(xi=1.0))
    with pytest.raises(ValueError, match="model must be"):
        cal.calibrate(s, model="sabr")
    with pytest.raises(ValueError, match="Surface"):
        cal.calibrate({"maturity": TS})
    small = cal.Surface(maturity=[0.5, 0.5, 1.0, 1.0], strike=[0.9, 1.0, 0.9, 1.0], iv=[0.2] * 4, spot=1.0)
    with pytest.raises(ValueError, match="fewer than the 7 needed"):
        cal.calibrate(small)


def test_model_implied_vols_matches_reference(true_surface):
    iv = cal.model_implied_vols(TRUE, TS, KS)
    assert np.max(np.abs(iv - true_surface)) * 1e4 < 0.1


def test_study_quick_writes_report(tmp_path):
    from numerics.studies import calibration_study as cs
    out = cs.run(str(tmp_path), seeds=2, progress=None)
    text = (tmp_path / "report.md").read_text()
    assert "## In sample" in text and "## The paper's claims" in text
    for f in ("smiles.png", "residuals.png", "rmse_by_maturity.png", "results.json"):
        assert (tmp_path / f).stat().st_size > 0
    # every number of the report comes from the dict
    assert f"{out['rh_in']['avg_mean']:.1f}" in text
    assert out["converged"] == 2 and len(out["rh_in"]["mean"]) == 5
    assert out["engine_vs_reference_max_bps"] < 0.2
    with pytest.raises(ValueError, match="seeds"):
        cs.run(str(tmp_path), seeds=1)


def test_dax_heston_matches_quantlib_reference():
    """QuantLib's DAX test (hestonmodel.cpp): SSE of the vol errors (vol points^2) = 177.2 +- 1."""
    from numerics.studies import dax_study
    d, s = dax_study.load()
    assert s.n == 104 and s.maturities.size == 8
    r = cal.calibrate(s, model="heston", seed=0, bounds=dict(kappa=(0.05, 30.0)))
    sse = float(np.sum((r.residuals_bps / 100.0) ** 2))
    assert r.converged
    assert abs(sse - d["quantlib_reference_sse_volpoints2"]) <= 1.0
    # QuantLib's own calibration on the same quotes (same process) lands on the same point
    pytest.importorskip("QuantLib")
    q = dax_study._quantlib_heston(d)
    assert sse <= q["sse"] + 0.01
    for k, v in q["params"].items():
        assert r.params[k] == pytest.approx(v, rel=2e-3), k


def test_study_registry_and_cli():
    from verifier import cli_study
    from verifier.cli import build_parser
    assert {"calibration", "dax"} <= set(cli_study.STUDIES)
    args = build_parser().parse_args(["study", "calibration", "--quick", "--out", "/nonexistent"])
    assert args.name == "calibration" and args.quick and args.fn is cli_study.cmd_study


def test_greeks_surface_consistent_with_prices():
    g = cal.greeks_surface(TRUE, [90.0, 100.0, 110.0], [0.25, 1.0], S0=100.0)
    h = 1e-3
    up = cal.greeks_surface(TRUE, [90.0, 100.0, 110.0], [0.25, 1.0], S0=100.0 * (1 + h))["price"]
    dn = cal.greeks_surface(TRUE, [90.0, 100.0, 110.0], [0.25, 1.0], S0=100.0 * (1 - h))["price"]
    np.testing.assert_allclose(g["delta"], (up - dn) / (2 * h * 100.0), atol=5e-5)
    np.testing.assert_allclose(g["gamma"], (up - 2 * g["price"] + dn) / (h * 100.0) ** 2, rtol=1e-3)
    assert np.all(g["gamma"] > 0) and np.all(g["vega"] > 0)
    assert np.all((g["delta"] > 0) & (g["delta"] < 1))


def test_dax_rough_heston_with_jumps_leaves_the_no_jump_corner():
    """lam = 0 (jumps off) is a local minimum on the DAX surface; the restart with jumps on
    finds the better fit whatever basin the global stage landed in."""
    from numerics.studies import dax_study
    _, s = dax_study.load()
    plain = cal.calibrate(s, seed=1)
    jumps = cal.calibrate(s, jumps=True, seed=1)
    assert jumps.params["lam"] > 0.01 and jumps.rmse_bps < plain.rmse_bps - 1.0
    assert any("restart" in st["name"] for st in jumps.stages)


def test_nine_parameter_variant_jumps_and_piecewise_eta_recovers():
    """The 9-parameter variant of §9.4: rough Heston + Merton jumps (mu_J fixed) + piecewise
    vol-of-vol, on a clean surface from the independent pricer (rough_heston.price, one eta
    per slice), from a start 130 bps away."""
    T9 = dict(H=0.12, kappa=2.5, theta=0.04, eta_short=1.1, eta_long=0.7, rho=-0.65, V0=0.04,
              lam=0.3, sigma_J=0.15)
    t_c = 0.4
    iv = []
    for T in TS:
        p = {k: v for k, v in T9.items() if not k.startswith("eta_")}
        p.update(eta=T9["eta_short"] if T < t_c else T9["eta_long"], mu_J=cal.DEFAULT_MU_J)
        iv.append(implied_vol(rh.price(p, KS, T), 1.0, KS, T))
    s = cal.Surface.from_grid(TS, KS, np.array(iv), spot=1.0)
    start = dict(H=0.18, kappa=2.0, theta=0.05, eta_short=0.9, eta_long=0.9, rho=-0.5, V0=0.035,
                 lam=0.15, sigma_J=0.1)
    r = cal.calibrate(s, jumps=True, piecewise_eta=t_c, start=start, global_stage=False, max_nfev=40)
    assert r.names == ["H", "kappa", "theta", "eta_short", "eta_long", "rho", "V0", "lam", "sigma_J"]
    assert r.stages[0]["rmse_bps"] > 50 and r.converged
    assert r.rmse_bps < 0.3
    for k, v in T9.items():
        assert r.params[k] == pytest.approx(v, rel=0.02), k
    assert r.params["mu_J"] == cal.DEFAULT_MU_J
    # one eta cannot fit this surface: the piecewise eta is needed, not decoration
    st = {k: v for k, v in start.items() if not k.startswith("eta_")}
    r8 = cal.calibrate(s, jumps=True, start=dict(st, eta=0.9), global_stage=False, max_nfev=40)
    assert r8.rmse_bps > 20 * r.rmse_bps + 5
