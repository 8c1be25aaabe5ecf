"""Deterministic kernels: fractional Adams, Riccati batch, implied vol (the rough Heston
surface: bench_rough_heston.py).

Workload names start with "det:" (``python -m benchmarks --only det:``).  References run
in the same process: the NumPy twins, QuantLib (AnalyticRoughHestonEngine, and
blackFormulaImpliedStdDev in a Python loop) and py_lets_be_rational when installed; a
missing peer is reported as skipped with its reason.
"""
from __future__ import annotations

import math

import numpy as np

from benchmarks.harness import Reference, Workload
from numerics import adams_ref, black_scholes as bs, fractional as fr, rough_heston as rh

KAPPA, ETA, RHO = 0.3, 0.3, -0.7


def _quantlib():
    try:
        import QuantLib as ql
        return ql, ""
    except ImportError as exc:  # pragma: no cover - depends on the environment
        return None, f"QuantLib not installed ({exc})"


def _lets_be_rational():
    try:
        import py_lets_be_rational as lbr
        return lbr, ""
    except ImportError as exc:  # pragma: no cover
        return None, f"py_lets_be_rational not installed ({exc}); `make bench` installs it"


# --- 1. Adams, n = 400, alpha = 0.61, one u ------------------------------------------------
_U1 = np.array([1.3])
_A1, _B1, _C1 = fr.riccati_coefficients(_U1, KAPPA, ETA, RHO)

adams_one = Workload(
    name="det: adams n=400 alpha=0.61 one u",
    ours=lambda: fr.riccati_batch(_U1, 0.61, KAPPA, ETA, RHO, 1.0, 400),
    references=[Reference("numpy twin (adams_ref)",
                          lambda: adams_ref.riccati_batch(0.61, 400, 1.0, _A1, _B1, _C1))],
    target="<= 0.3 ms",
    repeat=21,
)

# --- 2. Riccati batch, n = 400, 256 u ------------------------------------------------------
_U = np.linspace(0.0, 80.0, 256)
_A, _B, _C = fr.riccati_coefficients(_U, KAPPA, ETA, RHO)

riccati_batch = Workload(
    name="det: riccati batch n=400 x 256 u",
    ours=lambda: fr.riccati_batch(_U, 0.61, KAPPA, ETA, RHO, 1.0, 400),
    references=[Reference("numpy twin (adams_ref)",
                          lambda: adams_ref.riccati_batch(0.61, 400, 1.0, _A, _B, _C))],
    target=">= 3x numpy twin",
    repeat=7,
)

# --- 3. Rough Heston surface 256 strikes x 8 maturities: benchmarks/bench_rough_heston.py
# (at stated accuracy against QuantLib reference values)
_ql_mod, _ql_why = _quantlib()

# --- 4. Implied volatility -----------------------------------------------------------------
_rng = np.random.default_rng(20240601)
N_IV = 1_000_000
_x = _rng.uniform(-1.0, 1.0, N_IV) * _rng.choice([0.02, 0.2, 1.0], N_IV)
_T = 10.0 ** _rng.uniform(-2.5, 1.0, N_IV)
_sig = 10.0 ** _rng.uniform(-1.5, 0.0, N_IV)
_K = np.exp(-_x)                                  # forward 1, log(F/K) = x
_kind = np.where(_x < 0, "call", "put")           # out of the money
_P = bs.price(1.0, _K, _T, _sig, kind=_kind)
_iscall = _x < 0


def _ql_iv_loop(idx):
    ql = _ql_mod
    C, Pt = ql.Option.Call, ql.Option.Put
    f = ql.blackFormulaImpliedStdDev
    out = np.empty(len(idx))
    for j, i in enumerate(idx):
        try:
            out[j] = f(C if _iscall[i] else Pt, float(_K[i]), 1.0, float(_P[i]), 1.0) / math.sqrt(_T[i])
        except RuntimeError:
            out[j] = np.nan
    return out


_ALL = np.arange(N_IV)
implied_vol = Workload(
    name="det: implied vol 1e6 prices (per price)",
    ours=lambda: bs.implied_vol(_P, 1.0, _K, _T, kind=_kind),
    references=[Reference("QuantLib blackFormulaImpliedStdDev loop",
                          (lambda: _ql_iv_loop(_ALL)) if _ql_mod else None, _ql_why)],
    target="<= 0.3 us per price",
    repeat=3,
    per=N_IV,
    note="1e6 OTM prices, |log(F/K)| <= 1, T in [0.003, 10], sigma in [0.03, 1]; "
         "QuantLib over all 1e6 in a Python loop",
)

implied_vol_2t = Workload(
    name="det: implied vol 1e6 prices, 2 threads (per price)",
    ours=lambda: bs.implied_vol(_P, 1.0, _K, _T, kind=_kind, threads=2),
    references=[Reference("ours, 1 thread", lambda: bs.implied_vol(_P, 1.0, _K, _T, kind=_kind, threads=1))],
    target="<= 0.3 us per price",
    repeat=3,
    per=N_IV,
    note="threads forced: the default picks 1 thread when the load average says a core is busy",
)

N_LBR = 10_000
_SUB = _rng.choice(N_IV, N_LBR, replace=False)
_lbr, _lbr_why = _lets_be_rational()


def _lbr_loop():
    f = _lbr.implied_volatility_from_a_transformed_rational_guess
    return [f(float(_P[i]), 1.0, float(_K[i]), float(_T[i]), 1.0 if _iscall[i] else -1.0) for i in _SUB]


_Psub, _Ksub, _Tsub, _kindsub = _P[_SUB], _K[_SUB], _T[_SUB], _kind[_SUB]
implied_vol_sample = Workload(
    name="det: implied vol 1e4-price sample (per price)",
    ours=lambda: bs.implied_vol(_Psub, 1.0, _Ksub, _Tsub, kind=_kindsub),
    references=[Reference("py_lets_be_rational (pure Python)", _lbr_loop if _lbr else None, _lbr_why)],
    target="<= 0.3 us per price",
    repeat=3,
    per=N_LBR,
    note="a random 1e4 subset of the 1e6 prices (py_lets_be_rational is a per-call Python "
         "function, ~20 us per price); ours timed on the same subset",
)

WORKLOADS = [adams_one, riccati_batch, implied_vol, implied_vol_2t, implied_vol_sample]
