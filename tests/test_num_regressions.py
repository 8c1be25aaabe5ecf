"""Regression tests for the numerics calls that misbehaved (issue 16, section 5).

Each call used to segfault, hang, return NaN/complex or raise a bare ZeroDivisionError /
OverflowError / TypeError, or silently turn a string or a boolean into a number.  Each must
now raise a ValueError whose message names the parameter, the expected range and the value.

The calls run in a few child processes (one per batch, not one per call, to keep this fast):
the child prints one JSON line per call as soon as it returns, so a crash (a segfault) or a
hang fails the tests of the call that crashed and of those after it in the batch, never the
pytest run itself.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_PRELUDE = """
import numpy as np
from numerics import (black_scholes as bs, bsde, estimators as es, fbm, hawkes, hedging,
                      meanfield as mf, mittag_leffler as ml, rbergomi as rb, risk,
                      rough_heston_mc as rm, varswap as vs)
"""

# (id, expression, regular expressions the ValueError message must match, batch)
CASES = [
    # threads: 100000 and 10**6 segfaulted, -1 was accepted
    ("iv_threads_1e5", "bs.implied_vol(10.0, 100.0, 100.0, 1.0, threads=100000)",
     [r"threads must be an integer in \[0, 256\]", r"got 100000"], "crash"),
    ("iv_threads_1e6", "bs.implied_vol(10.0, 100.0, 100.0, 1.0, threads=10**6)",
     [r"threads must be an integer in \[0, 256\]", r"got 1000000"], "crash"),
    ("iv_threads_neg", "bs.implied_vol(10.0, 100.0, 100.0, 1.0, threads=-1)",
     [r"threads must be an integer in \[0, 256\]", r"got -1"], "crash"),
    ("iv_threads_bool", "bs.implied_vol(10.0, 100.0, 100.0, 1.0, threads=True)",
     [r"threads must be an integer", r"True"], "crash"),
    # unbounded work: passed the memory check and never ended
    ("vs_mc_2pow20", "vs.vs_variance_mc(0.1, 1.0, 0.04, 1.0, 2**20, 1000, rng=1)",
     [r"vs_variance_mc\(n_steps=1048576, n_paths=1000\)", r"kernel operations", r"more than the limit",
      r"ROUGHATLAS_MAX_WORK"], "work"),
    ("rb_simulate_work", "rb.simulate(0.1, 1.5, -0.7, 0.04, 1.0, 2**20, 1000, rng=1)",
     [r"rbergomi.simulate\(n_steps=1048576, n_paths=1000\)", r"more than the limit"], "work"),
    ("hybrid_rl_work", "fbm.hybrid_rl(2**16, 0.1, 1.0, 200, rng=1)",
     [r"hybrid_rl\(n=65536, n_paths=200\)", r"more than the limit"], "work"),
    # (the lift's work grows like its memory, so the memory bound answers first here)
    ("rhmc_huge", "rm.simulate(0.1, 0.3, 0.04, 0.3, -0.7, 0.04, 1.0, 2**20, 10**6, rng=1)",
     [r"rough_heston_mc.simulate\(n_steps=1048576, n_paths=1000000", r"would need"], "work"),
    ("lsmc_work", "bsde.solve_lsmc(bsde.LinearBSDE(0.1, 0.2, 0.1, 1.0), 4000, 5000, n_batches=1000)",
     [r"solve_lsmc\(n_steps=4000, n_paths=5000, degree=2, n_batches=1000\)", r"more than the limit"], "work"),
    ("chaos_work", "mf.chaos_rate([10**6, 2 * 10**6], n_steps=10**5, n_rep=1000)",
     [r"chaos_rate", r"more than the limit"], "work"),
    # NaN, complex or bare exceptions from the closed forms
    ("fbm_cov_neg_t", "fbm.fbm_cov(-1.0, 1.0, 0.3)", [r"t entries must be in \[0.0, inf\]", r"got -1.0"], "closed"),
    ("fbm_cov_nan_H", "fbm.fbm_cov(1.0, 1.0, float('nan'))", [r"H must be finite and in \(0.0, 1.0\)", r"nan"], "closed"),
    ("fbm_cov_H_1", "fbm.fbm_cov(1.0, 0.5, 1.0)", [r"H must be in \(0.0, 1.0\)", r"got 1.0"], "closed"),
    ("fbm_rl_cov_neg_t", "fbm.rl_cov(-1.0, 1.0, 0.3)", [r"t must be in \[0.0, inf\]", r"got -1.0"], "closed"),
    ("fbm_rl_cov_H0", "fbm.rl_cov(1.0, 1.0, 0.0)", [r"H must be in \(0.0, 1.0\)", r"got 0.0"], "closed"),
    ("vs_rl_cov_neg_s", "vs.rl_cov(-1.0, 1.0, 0.3)", [r"s must be in \[0.0, inf\]", r"got -1.0"], "closed"),
    ("rl_cov_driver_neg_t", "fbm.rl_cov_with_driver(-1.0, 0.3)", [r"t must be in \[0.0, inf\]", r"got -1.0"], "closed"),
    ("rl_cov_driver_neg_H", "fbm.rl_cov_with_driver(1.0, -0.5)", [r"H must be in \(0.0, 1.0\)", r"got -0.5"], "closed"),
    ("ou_variance_theta0", "mf.ou_variance(1.0, 0.1, 0.0, 0.3)", [r"theta must be in \(0.0, inf\]", r"got 0.0"], "closed"),
    ("ou_variance_neg_t", "mf.ou_variance(-1.0, 0.1, 1.0, 0.3)", [r"t entries must be in \[0.0, inf\]", r"got -1.0"], "closed"),
    ("euler_var_n0", "mf.euler_expected_variance(0, 1.0, 0.1, 1.0, 0.3, 10)",
     [r"n_steps must be an integer in \[1, 16777216\]", r"got 0"], "closed"),
    ("euler_var_N0", "mf.euler_expected_variance(10, 1.0, 0.1, 1.0, 0.3, 0)", [r"N must be an integer in \[1, inf\]", r"got 0"], "closed"),
    ("fit_loglog_se0", "mf.fit_loglog([1, 2], [1, 2], [0, 0])", [r"y_se entries must be in \(0.0, inf\]", r"got 0"], "closed"),
    ("fit_loglog_neg_y", "mf.fit_loglog([1, 2, 3], [-1, 2, 3], [0.1, 0.1, 0.1])", [r"y entries must be in \(0.0, inf\]", r"got -1"], "closed"),
    ("fit_loglog_one_x", "mf.fit_loglog([1, 1], [1, 2], [0.1, 0.1])", [r"x must contain at least two distinct values"], "closed"),
    ("rb_fit_zero_skew", "rb.fit_power_law([0.1, 0.2], [0.0, 0.0], [0.1, 0.1])", [r"skew must be non-zero", r"\[0.0, 0.0\]"], "closed"),
    ("rb_fit_zero_se", "rb.fit_power_law([0.1, 0.2], [-1.0, -0.8], [0.0, 0.1])", [r"y_se entries must be in \(0.0, inf\]", r"got 0.0"], "closed"),
    ("rb_from_normals_nan_H", "rb.simulate_from_normals(np.zeros((2, 4, 8)), np.zeros((4, 8)), float('nan'), 1.0, -0.5, 0.04, 1.0)",
     [r"H must be finite and in \(0.0, 1.0\)", r"nan"], "closed"),
    ("rb_from_normals_nan_z", "rb.simulate_from_normals(np.full((2, 4, 8), np.nan), np.zeros((4, 8)), 0.1, 1.0, -0.5, 0.04, 1.0)",
     [r"z must be finite", r"nan"], "closed"),
    ("rm_from_normals_nan_eta", "rm.simulate_from_normals(np.zeros((4, 8)), np.zeros((4, 8)), 0.1, 0.3, 0.04, float('nan'), -0.7, 0.04, 1.0)",
     [r"eta must be finite and in \[0.0, inf\]", r"nan"], "closed"),
    ("rm_ivi_from_normals_shape", "rm.simulate_ivi_from_normals(np.zeros((4, 8)), np.zeros((4, 7)), np.zeros((4, 8)), 0.1, 0.3, 0.04, 0.3, -0.7, 0.04, 1.0)",
     [r"zu must have shape \(4, 8\)", r"\(4, 7\)"], "closed"),
    ("historical_se_N1", "risk.historical_se([1.0])", [r"losses must hold at least 2 values", r"got 1"], "closed"),
    ("entropic_N1", "risk.entropic_risk([1.0], 0.5)", [r"losses must hold at least 2 values", r"got 1"], "closed"),
    ("vs_exact_large_T", "vs.vs_variance_exact(0.1, 2.0, 0.04, 1e12)",
     [r"eta\^2 T\^\(2H\) must be <= 700", r"eta=2.0", r"T=1000000000000.0"], "closed"),
    ("vs_exponent_same_T", "vs.vs_variance_exponent(0.1, 1.0, 0.04, 1.0, 1.0)", [r"T1 and T2 must differ", r"1.0"], "closed"),
    ("bsde_closed_growth", "bsde.closed_form(bsde.LinearBSDE(a=1000.0, b=0.0, c=0.0, T=1000.0))",
     [r"closed_form Y_0, Z_0 is not finite", r"a \* T = 1000000.0"], "closed"),
    ("bsde_closed_exp", "bsde.closed_form(bsde.LinearBSDE(a=0.0, b=0.0, c=0.0, T=1.0, terminal='exp', lam=100.0, sigma=10.0))",
     [r"closed_form Y_0, Z_0 is not finite", r"lam = 100.0"], "closed"),
    ("bsde_lsmc_exp", "bsde.solve_lsmc(bsde.LinearBSDE(a=0.0, b=0.0, c=0.0, T=1.0, terminal='exp', lam=100.0, sigma=10.0), 4, 100, rng=1)",
     [r"solve_lsmc Y_0, Z_0 is not finite", r"lam = 100.0"], "closed"),
    ("heston_delta_eta0", "hedging.heston_call_delta(0.0, 1.0, 1.0, 0.04, 0.0, -0.5, 0.04)", [r"eta must be in \(0.0, inf\]", r"got 0.0"], "closed"),
    ("heston_delta_huge_x", "hedging.heston_call_delta(1e308, 1.0, 1.0, 0.04, 0.5, -0.5, 0.04)", [r"Heston delta is not finite"], "closed"),
    ("gaussian_var_overflow", "risk.gaussian_var(0.0, 1e308, 0.99)", [r"gaussian_var is not finite"], "closed"),
    ("rb_overflow_eta", "rb.european(1.0, 1.0, 0.3, 1e308, -0.5, 0.04, n_steps=8, n_paths=40, rng=1)",
     [r"simulated variance leaves the double range at eta = 1e\+308"], "closed"),
    ("pnl_sweep_zero_var", "hedging.gamma_pnl_vs_maturity([0.1, 0.2], 0.3, 0.0, -0.5, 0.04, 0.2, n_steps=8, n_paths=20, rng=1)",
     [r"Var\(P&L\) is zero at \[0.1, 0.2\]"], "closed"),
    # strings and booleans were silently converted to numbers
    ("bs_price_str_S", "bs.price('100', 100.0, 1.0, 0.2)", [r"S must hold real numbers, got strings", r"'100'"], "types"),
    ("bs_price_bool_S", "bs.price(True, 1.0, 1.0, 0.2)", [r"S must hold real numbers, got booleans", r"True"], "types"),
    ("bs_price_npbool_sigma", "bs.price(1.0, 1.0, 1.0, np.array([True, False]))", [r"sigma must hold real numbers, got booleans"], "types"),
    ("bs_iv_return_codes_str", "bs.implied_vol(10.0, 100.0, 100.0, 1.0, return_codes='yes')",
     [r"return_codes must be True or False", r"'yes'"], "types"),
    ("es_fit_str", "es.fit_power_law(['1', '2', '3'], [1, 2, 3])", [r"x must hold real numbers, got strings", r"'1'"], "types"),
    ("es_fit_mixed", "es.fit_power_law([1.0, '2', 3.0], [1, 2, 3])", [r"x must hold real numbers"], "types"),
    ("ml_str", "ml.mittag_leffler('1.0', 0.5)", [r"z must hold real numbers, got strings", r"'1.0'"], "types"),
    ("ml_alpha_bool", "ml.mittag_leffler(1.0, True)", [r"alpha must be a real number", r"True"], "types"),
    ("risk_str", "risk.historical_var_cvar(['1', '2'], 0.5)", [r"losses must hold real numbers, got strings"], "types"),
    ("risk_alpha_str", "risk.gaussian_var(0.0, 1.0, '0.99')", [r"alpha must be a real number", r"'0.99'"], "types"),
    ("rb_H_str", "rb.simulate('0.1', 1.5, -0.7, 0.04, 1.0, 8, 8, rng=1)", [r"H must be a real number", r"'0.1'"], "types"),
    ("rb_T_npbool", "rb.european(1.0, np.bool_(True), 0.1, 1.0, -0.5, 0.04, n_paths=100)", [r"T must be a real number", r"True"], "types"),
    ("rb_n_paths_bool", "rb.simulate(0.1, 1.5, -0.7, 0.04, 1.0, 8, True, rng=1)", [r"n_paths must be an integer", r"True"], "types"),
    ("rb_antithetic_str", "rb.simulate(0.1, 1.5, -0.7, 0.04, 1.0, 8, 8, rng=1, antithetic='no')",
     [r"antithetic must be True or False", r"'no'"], "types"),
    ("rb_S0_str", "rb.european(1.0, 1.0, 0.1, 1.0, -0.5, 0.04, n_paths=100, S0='100')", [r"S0 must be a real number", r"'100'"], "types"),
    ("hawkes_tmax_bool", "hawkes.simulate_clusters(0.5, 0.5, 2, t_max=True, rng=1)", [r"t_max must be a real number", r"True"], "types"),
    ("fbm_lags_float", "fbm.variogram(np.zeros((2, 10)), [1.5, 2])", [r"lags entries must be integers", r"1.5"], "types"),
    ("mf_keep_paths_int", "mf.simulate([0.0, 1.0], 1.0, 0.3, 1.0, 8, rng=1, keep_paths=1)", [r"keep_paths must be True or False"], "types"),
    ("vs_xi0_complex", "vs.vs_variance_exact(0.1, 1.0, 0.04 + 0j, 1.0)", [r"xi0 must be a real number"], "types"),
    ("hedging_K_str", "hedging.pnl_vs_maturity([0.1], 4, 0.1, 1.0, -0.5, 0.04, K='1', n_paths=20, sigma=0.2, rng=1)",
     [r"K must be a real number", r"'1'"], "types"),
]

_CHILD = _PRELUDE + textwrap.dedent("""
import json, sys
cases = json.loads(sys.argv[1])
for cid, expr in cases:
    try:
        value = eval(expr)
        out = {"id": cid, "outcome": "returned", "detail": repr(value)[:200]}
    except ValueError as exc:
        out = {"id": cid, "outcome": "ValueError", "detail": str(exc)}
    except Exception as exc:
        out = {"id": cid, "outcome": type(exc).__name__, "detail": str(exc)[:300]}
    print(json.dumps(out), flush=True)
""")


def _run_batch(cases, timeout):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               ROUGHATLAS_THREADS="1", PYTHONWARNINGS="ignore")
    env.pop("ROUGHATLAS_MAX_WORK", None)
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps([[c[0], c[1]] for c in cases])],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        stdout, rc, stderr = proc.stdout, proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        rc, stderr = f"timeout after {timeout} s", ""
    results = {}
    for line in stdout.splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        results[r["id"]] = r
    for cid, *_ in cases:
        results.setdefault(cid, {"id": cid, "outcome": "no result",
                                 "detail": f"child exit {rc} before this call finished; stderr: {stderr[-500:]}"})
    return results


@pytest.fixture(scope="module")
def results():
    out = {}
    for batch in sorted({c[3] for c in CASES}):
        out.update(_run_batch([c for c in CASES if c[3] == batch], timeout=120))
    return out


@pytest.mark.parametrize("cid,expr,patterns", [c[:3] for c in CASES], ids=[c[0] for c in CASES])
def test_misbehaving_call_raises_a_clear_value_error(results, cid, expr, patterns):
    import re
    r = results[cid]
    assert r["outcome"] == "ValueError", f"{expr}: {r['outcome']}: {r['detail']}"
    for pat in patterns:
        assert re.search(pat, r["detail"]), f"{expr}: message {r['detail']!r} lacks {pat!r}"


def test_case_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))


def test_kernel_caps_the_thread_team():
    """Defence in depth: the private kernel itself caps an absurd thread count (it crashed)."""
    code = _PRELUDE + textwrap.dedent("""
    from numerics import _bs
    n = 10
    out, code = np.empty(n), np.empty(n, dtype=np.int32)
    one = np.ones(n)
    _bs.implied_vol(np.full(n, 8.0), 100.0 * one, 100.0 * one, one, one, np.ones(n, dtype=np.int32), out, code, 100000)
    print(repr(float(out[0])), int(code[0]))
    """)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-1000:]}"
    vol, rc = proc.stdout.split()
    assert rc == "0" and 0.19 < float(vol) < 0.21
