"""Every public numerics function against bad values of every parameter (issue 16, section 5).

For each public function of the validated modules, each numeric parameter in turn is
replaced by a string, a Python and a NumPy boolean, None, a mixed list, a complex number,
NaN, +-inf, -1, 0 and +-1e308.  Every call must either raise a ValueError or return finite
numbers, and every non-number (or NaN / inf) must be refused.  The few documented
exceptions are listed in ``ALLOWED`` with the reason.

The sweep runs in a child process (``python tests/test_num_regressions_inputs.py``), so a
crash fails the test rather than the pytest run; each call has a 20 s alarm.
"""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (function, parameter, repr(value)) -> why the outcome is right
ALLOWED = {
    ("bs.implied_vol", "price", "1e+308"): "NaN with code IV_ABOVE_UPPER_BOUND (documented reason codes)",
    ("bs.implied_vol", "S", "1e+308"): "NaN with a reason code (documented)",
    ("bs.implied_vol", "q", "-1.0"): "NaN with code IV_ABOVE_UPPER_BOUND: the price exceeds DF F (documented)",
    ("rbergomi.fit_power_law", "se", "None"): "se is optional: an unweighted fit",
    ("mf.fit_loglog", "y_se", "None"): "y_se is optional: an unweighted fit",
    ("ml.mittag_leffler", "z", "(1+1j)"): "complex z is supported (complex result)",
    ("hawkes.simulate_clusters", "t_max", "inf"): "no horizon is allowed for n <= 0.999 (clusters are finite)",
}


def _sweep():
    from numerics import (black_scholes as bs, varswap, fbm, rbergomi, estimators as es, bsde, risk, hedging,
                          meanfield as mf, mittag_leffler as ml, hawkes, rough_heston_mc as rm)
    warnings.simplefilter("ignore")
    x5 = np.geomspace(0.01, 0.1, 5)
    S2 = np.exp(np.cumsum(np.full((9, 4), 0.01), axis=0))
    CASES = {
     "bs.price": (bs.price, dict(S=100.0, K=100.0, T=1.0, sigma=0.2, r=0.0, q=0.0)),
     "bs.greeks": (bs.greeks, dict(S=100.0, K=100.0, T=1.0, sigma=0.2, r=0.0, q=0.0)),
     "bs.implied_vol": (bs.implied_vol, dict(price=8.0, S=100.0, K=100.0, T=1.0, r=0.0, q=0.0, threads=1)),
     "fbm.fbm_cov": (fbm.fbm_cov, dict(t=1.0, s=0.5, H=0.3)),
     "fbm.rl_cov": (fbm.rl_cov, dict(t=1.0, s=0.5, H=0.3)),
     "fbm.rl_cov_with_driver": (fbm.rl_cov_with_driver, dict(t=1.0, H=0.3)),
     "fbm.davies_harte": (fbm.davies_harte, dict(n=8, H=0.3, T=1.0, n_paths=2, rng=1)),
     "fbm.hybrid_rl": (fbm.hybrid_rl, dict(n=8, H=0.3, T=1.0, n_paths=2, kappa=1, rng=1)),
     "fbm.hybrid_setup": (fbm.hybrid_setup, dict(n=8, H=0.3, dt=0.1, kappa=1)),
     "fbm.davies_harte_sqrt_eigs": (fbm.davies_harte_sqrt_eigs, dict(n=8, H=0.3)),
     "varswap.rl_cov": (varswap.rl_cov, dict(s=0.5, t=1.0, H=0.3)),
     "varswap.vs_variance_exact": (varswap.vs_variance_exact, dict(H=0.3, eta=1.0, xi0=0.04, T=1.0)),
     "varswap.vs_variance_exponent": (varswap.vs_variance_exponent, dict(H=0.3, eta=1.0, xi0=0.04, T1=0.5, T2=1.0)),
     "varswap.vs_moments_scheme": (varswap.vs_moments_scheme, dict(H=0.3, eta=1.0, xi0=0.04, T=1.0, n_steps=8, kappa=1)),
     "varswap.vs_variance_mc": (varswap.vs_variance_mc, dict(H=0.3, eta=1.0, xi0=0.04, T=1.0, n_steps=8, n_paths=16, kappa=1, rng=1)),
     "rbergomi.simulate": (rbergomi.simulate, dict(H=0.3, eta=1.0, rho=-0.5, xi0=0.04, T=1.0, n_steps=8, n_paths=8, kappa=1, rng=1)),
     "rbergomi.european": (rbergomi.european, dict(K=1.0, T=1.0, H=0.3, eta=1.0, rho=-0.5, xi0=0.04, n_steps=8, n_paths=40, rng=1, S0=1.0)),
     "rbergomi.atm_skew": (rbergomi.atm_skew, dict(Ts=[0.1, 0.2], H=0.3, eta=1.0, rho=-0.5, xi0=0.04, n_steps=8, n_paths=40, rng=1)),
     "rbergomi.fit_power_law": (rbergomi.fit_power_law, dict(Ts=x5, skew=-x5 ** -0.2, se=0.01 * x5 ** -0.2)),
     "es.fit_power_law": (es.fit_power_law, dict(x=x5, y=x5 ** -0.2)),
     "es.smile_skew_curvature": (es.smile_skew_curvature, dict(k=np.linspace(-0.1, 0.1, 9), iv=0.2 - 0.1 * np.linspace(-0.1, 0.1, 9), degree=4)),
     "es.variogram_hurst": (es.variogram_hurst, dict(x=np.cumsum(np.random.default_rng(1).standard_normal(200)), dt=1.0)),
     "es.volterra_power_integral": (es.volterra_power_integral, dict(H=0.3, T=1.0, nodes=8)),
     "bsde.LinearBSDE": (bsde.LinearBSDE, dict(a=0.1, b=0.2, c=0.1, T=1.0, x0=0.0, mu=0.0, sigma=1.0, k=0.0, lam=1.0)),
     "bsde.scheme_target_quadratic": (bsde.scheme_target_quadratic, dict(p=bsde.LinearBSDE(0.1, 0.2, 0.1, 1.0), n_steps=8)),
     "bsde.solve_lsmc": (bsde.solve_lsmc, dict(p=bsde.LinearBSDE(0.1, 0.2, 0.1, 1.0), n_steps=4, n_paths=50, degree=2, n_batches=2, rng=1)),
     "risk.historical_var_cvar": (risk.historical_var_cvar, dict(losses=[1.0, 2.0, 3.0], alpha=0.5)),
     "risk.historical_se": (risk.historical_se, dict(losses=[1.0, 2.0, 3.0], alpha=0.5)),
     "risk.gaussian_var": (risk.gaussian_var, dict(mu=0.0, sigma=1.0, alpha=0.99)),
     "risk.gaussian_cvar": (risk.gaussian_cvar, dict(mu=0.0, sigma=1.0, alpha=0.99)),
     "risk.pareto_var": (risk.pareto_var, dict(x_m=1.0, xi=0.3, alpha=0.99)),
     "risk.pareto_cvar": (risk.pareto_cvar, dict(x_m=1.0, xi=0.3, alpha=0.99)),
     "risk.pareto_sample": (risk.pareto_sample, dict(x_m=1.0, xi=0.3, size=5, rng=1)),
     "risk.entropic_risk": (risk.entropic_risk, dict(losses=[1.0, 2.0, 3.0], theta=0.5)),
     "risk.gaussian_entropic": (risk.gaussian_entropic, dict(mu=0.0, sigma=1.0, theta=0.5)),
     "hedging.heston_call_delta": (hedging.heston_call_delta, dict(x=0.0, tau=0.5, kappa=1.0, theta=0.04, eta=0.5, rho=-0.7, V0=0.04, n_nodes=100)),
     "hedging.HestonHedge": (hedging.HestonHedge, dict(kappa=1.0, theta=0.04, eta=0.5, rho=-0.7, V0=0.04)),
     "hedging.bs_discrete_hedging_constant": (hedging.bs_discrete_hedging_constant, dict(sigma=0.2, T=0.5, K=1.0, S0=1.0)),
     "hedging.hedge_pnl": (hedging.hedge_pnl, dict(S=S2, K=1.0, T=0.5, n_rebalance=4, premium=0.05, delta="bs", sigma=0.2)),
     "hedging.gamma_pnl": (hedging.gamma_pnl, dict(S=S2, V=np.full((9, 4), 0.04), K=1.0, T=0.5, sigma=0.2)),
     "hedging.pnl_stats": (hedging.pnl_stats, dict(pnl=[1.0, 2.0, 3.0])),
     "hedging.pnl_vs_rebalancing": (hedging.pnl_vs_rebalancing, dict(Ns=[2, 4], T=0.5, K=1.0, H=0.3, eta=1.0, rho=-0.5, xi0=0.04, n_paths=20, sigma=0.2, rng=1)),
     "hedging.pnl_vs_maturity": (hedging.pnl_vs_maturity, dict(Ts=[0.1, 0.2], N=4, H=0.3, eta=1.0, rho=-0.5, xi0=0.04, K=1.0, n_paths=20, sigma=0.2, rng=1)),
     "hedging.gamma_pnl_vs_maturity": (hedging.gamma_pnl_vs_maturity, dict(Ts=[0.1, 0.2], H=0.3, eta=1.0, rho=-0.5, xi0=0.04, sigma=0.2, K=1.0, n_steps=8, n_paths=20, rng=1)),
     "mf.simulate": (mf.simulate, dict(x0=[0.0, 1.0, 2.0], theta=1.0, sigma=0.3, T=1.0, n_steps=8, rng=1)),
     "mf.simulate_batch": (mf.simulate_batch, dict(n_systems=2, n_particles=3, theta=1.0, sigma=0.3, T=1.0, n_steps=8, V0=0.1, rng=1)),
     "mf.ou_variance": (mf.ou_variance, dict(t=1.0, V0=0.1, theta=1.0, sigma=0.3)),
     "mf.euler_expected_variance": (mf.euler_expected_variance, dict(n_steps=8, T=1.0, V0=0.1, theta=1.0, sigma=0.3, N=10)),
     "mf.fit_loglog": (mf.fit_loglog, dict(x=x5, y=x5 ** 0.5, y_se=0.01 * x5 ** 0.5)),
     "mf.chaos_rate": (mf.chaos_rate, dict(Ns=[4, 8], theta=1.0, sigma=0.3, T=1.0, n_steps=8, n_rep=4, V0=0.0, rng=1)),
     "ml.mittag_leffler": (ml.mittag_leffler, dict(z=-1.0, alpha=0.5, beta=1.0)),
     "hawkes.ml_delays": (hawkes.ml_delays, dict(alpha=0.5, size=5, rng=1)),
     "hawkes.simulate_clusters": (hawkes.simulate_clusters, dict(alpha=0.5, n=0.5, n_clusters=3, t_max=10.0, rng=1, max_events=1000)),
     "rm.lift": (rm.lift, dict(H=0.1, T=1.0, n_steps=8, m=5)),
     "rm.ivi_lift": (rm.ivi_lift, dict(H=0.1, T=1.0, n_steps=8, m=5)),
     "rm.simulate": (rm.simulate, dict(H=0.1, kappa=0.3, theta=0.04, eta=0.3, rho=-0.7, V0=0.04, T=1.0, n_steps=8, n_paths=8, m=5, rng=1)),
     "rm.european": (rm.european, dict(K=1.0, T=1.0, H=0.1, kappa=0.3, theta=0.04, eta=0.3, rho=-0.7, V0=0.04, n_steps=8, n_paths=20, m=5, rng=1, S0=1.0)),
    }

    bad_values = ["1", True, np.bool_(True), float("nan"), float("inf"), -1.0, 0.0, 1e308, -1e308, None,
                  [1.0, "a"], 1 + 1j]

    def nonfinite(r):
        if isinstance(r, dict):
            return any(nonfinite(x) for x in r.values())
        if isinstance(r, (tuple, list)):
            return any(nonfinite(x) for x in r)
        if hasattr(r, "__dataclass_fields__"):
            return any(nonfinite(getattr(r, f)) for f in r.__dataclass_fields__ if f not in ("iv", "iv_se"))
        a = np.asarray(r) if isinstance(r, (float, complex, np.ndarray, np.generic)) else None
        return a is not None and a.dtype.kind in "fc" and not np.all(np.isfinite(a))

    def alarm(*_):
        raise TimeoutError

    signal.signal(signal.SIGALRM, alarm)

    def report(name, param, value, outcome, detail=""):
        print(json.dumps({"f": name, "p": param, "v": repr(value), "outcome": outcome, "detail": detail[:200]}),
              flush=True)

    for name, (f, kw) in CASES.items():
        signal.alarm(20)
        try:
            if nonfinite(f(**kw)):
                report(name, "", "", "base call not finite")
        except Exception as exc:
            report(name, "", "", "base call failed", f"{type(exc).__name__}: {exc}")
            continue
        finally:
            signal.alarm(0)
        for param in kw:
            if param in ("rng", "p"):
                continue
            for b in bad_values:
                kw2 = dict(kw, **{param: b})
                refuse = (isinstance(b, (str, bool, np.bool_, complex, list)) or b is None
                          or (isinstance(b, float) and not math.isfinite(b)))
                signal.alarm(20)
                try:
                    r = f(**kw2)
                    if nonfinite(r):
                        report(name, param, b, "returned non-finite numbers")
                    elif refuse:
                        report(name, param, b, "accepted", repr(r))
                except ValueError:
                    pass
                except TimeoutError:
                    report(name, param, b, "timeout (20 s)")
                except Exception as exc:
                    report(name, param, b, type(exc).__name__, str(exc))
                finally:
                    signal.alarm(0)
    print(json.dumps({"done": len(CASES)}), flush=True)


def test_every_public_function_refuses_bad_values():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), ROUGHATLAS_THREADS="1")
    proc = subprocess.run([sys.executable, os.path.abspath(__file__)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert proc.returncode == 0 and rows and "done" in rows[-1], \
        f"the sweep did not finish (exit {proc.returncode}): {proc.stderr[-2000:]}"
    assert rows[-1]["done"] >= 55
    problems = [r for r in rows[:-1] if (r["f"], r["p"], r["v"]) not in ALLOWED]
    assert not problems, "\n".join(f"{r['f']}({r['p']}={r['v']}): {r['outcome']} {r['detail']}" for r in problems)
    unused = set(ALLOWED) - {(r["f"], r["p"], r["v"]) for r in rows[:-1]}
    assert not unused, f"ALLOWED lists cases that no longer occur: {sorted(unused)}"


if __name__ == "__main__":
    _sweep()
