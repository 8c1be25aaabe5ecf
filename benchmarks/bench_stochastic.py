"""Stochastic kernels: fBM (Davies-Harte), rBergomi hybrid scheme, historical CVaR, McKean-Vlasov.

Every "ours" is the full pipeline a user calls, drawing its normals with numerics._rng; the
reference is the NumPy twin fed by NumPy's own normals (``Generator.standard_normal``),
measured in the same run.  The ``kernel only`` rows time the Cython stages on pre-drawn
normals against the twin on the same normals.
"""
from __future__ import annotations

import numpy as np

from benchmarks.harness import Reference, Target, Workload
from numerics import _meanfield, fbm, fbm_ref, meanfield, meanfield_ref, rbergomi, rbergomi_ref, risk, risk_ref
from numerics._bs_mc_helpers import normals

_N_FBM = 1 << 16
_H = 0.1
_PATHS_DH = 8


def _peer(module_name, make):
    try:
        mod = __import__(module_name)
    except ImportError as exc:
        return None, f"{module_name} not installed ({exc}); pip install -r requirements-bench.txt"
    try:
        return make(mod), ""
    except Exception as exc:  # pragma: no cover - a broken peer is reported, not hidden
        return None, f"{module_name} failed: {exc!r}"


def _dh_ours():
    return fbm.davies_harte(_N_FBM, _H, n_paths=_PATHS_DH, rng=1)


def _dh_twin():
    g = np.random.default_rng(1)
    zc = g.standard_normal((_PATHS_DH // 2, 4 * _N_FBM)).view(np.complex128)
    return fbm_ref.davies_harte_from_normals(zc, fbm_ref.circulant_sqrt_eigs(_N_FBM, _H), _N_FBM,
                                             (1.0 / _N_FBM) ** _H, _PATHS_DH)


def _stochastic_fn(k):
    def make(_):
        from stochastic.processes.continuous import FractionalBrownianMotion
        proc = FractionalBrownianMotion(hurst=_H, t=1.0, rng=np.random.default_rng(1))
        return lambda: [proc.sample(_N_FBM) for _ in range(k)]
    return make


def _fbm_pkg_fn(k):
    def make(mod):
        f = mod.FBM(_N_FBM, _H, length=1.0, method="daviesharte")
        return lambda: [f.fbm() for _ in range(k)]
    return make


_DH = {}


def _dh_setup():
    if not _DH:
        _DH["z"] = normals(np.random.default_rng(1), (_PATHS_DH // 2, 4 * _N_FBM))
        _DH["w"] = np.empty_like(_DH["z"])
        _DH["out"] = np.empty((_PATHS_DH, _N_FBM + 1))


def _dh_kernel():
    np.copyto(_DH["w"], _DH["z"])          # the pipeline overwrites its input
    return fbm.davies_harte_from_normals(_DH["w"].view(np.complex128), _N_FBM, _H, 1.0, _DH["out"])


def _dh_kernel_twin():
    zc = _DH["z"].view(np.complex128)
    return fbm_ref.davies_harte_from_normals(zc, fbm_ref.circulant_sqrt_eigs(_N_FBM, _H), _N_FBM,
                                             (1.0 / _N_FBM) ** _H, _PATHS_DH)


_stoch_fn, _stoch_why = _peer("stochastic", _stochastic_fn(_PATHS_DH))
_fbm2_fn, _fbm2_why = _peer("fbm", _fbm_pkg_fn(2))

# ---------------------------------------------------------------- rBergomi
_RB = dict(H=0.1, eta=1.5, rho=-0.7, xi0=0.04, T=1.0)
_RB_N, _RB_P = 100, 10_000


def _rb_ours():
    p = rbergomi.simulate(_RB["H"], _RB["eta"], _RB["rho"], _RB["xi0"], _RB["T"], _RB_N, _RB_P, rng=2)
    return np.mean(np.maximum(np.exp(p.logS_T) - 1.0, 0.0))


def _rb_twin():
    g = np.random.default_rng(2)
    z = g.standard_normal((3, _RB_N, _RB_P))
    lT, *_ = rbergomi_ref.simulate_from_normals(z[:2], z[2], _RB["H"], _RB["eta"], _RB["rho"], _RB["xi0"],
                                                _RB["T"], 1)
    return np.mean(np.maximum(np.exp(lT) - 1.0, 0.0))


_RB_Z = {}


def _rb_setup():
    if not _RB_Z:
        z = normals(np.random.default_rng(2), (3, _RB_N, _RB_P))
        _RB_Z["z"], _RB_Z["zb"] = np.ascontiguousarray(z[:2]), np.ascontiguousarray(z[2])


def _rb_kernel():
    return rbergomi.simulate_from_normals(_RB_Z["z"], _RB_Z["zb"], _RB["H"], _RB["eta"], _RB["rho"],
                                          _RB["xi0"], _RB["T"], 1)


def _rb_kernel_twin():
    return rbergomi_ref.simulate_from_normals(_RB_Z["z"], _RB_Z["zb"], _RB["H"], _RB["eta"], _RB["rho"],
                                              _RB["xi0"], _RB["T"], 1)


# ---------------------------------------------------------------- CVaR
_LOSSES = {}


def _cvar_setup():
    if "x" not in _LOSSES:
        _LOSSES["x"] = np.random.default_rng(3).standard_normal(10_000_000)


# ---------------------------------------------------------------- McKean-Vlasov
_X0 = np.random.default_rng(4).standard_normal(2000)


def _mv_ours():
    return meanfield.simulate(_X0, 1.5, 0.3, 1.0, 200, rng=5)


_MVZ = {}


def _mv_setup():
    if not _MVZ:
        _MVZ["z"] = normals(np.random.default_rng(5), (1, 200, 2000))
        _MVZ["out"] = (np.empty((1, 201)), np.empty((1, 201)), np.empty((1, 2000)), np.empty((0, 0, 0)))


def _mv_kernel():
    m, v, x, e = _MVZ["out"]
    _meanfield.euler_batch(_X0[None, :], _MVZ["z"], 1.5, 0.3, 1.0 / 200, m, v, x, e, 1)
    return v


def _mv_kernel_twin():
    return meanfield_ref.euler_batch(_X0[None, :], _MVZ["z"], 1.5, 0.3, 1.0 / 200)


def _mv_twin():
    z = np.random.default_rng(5).standard_normal((1, 200, 2000))
    return meanfield_ref.euler_batch(_X0[None, :], z, 1.5, 0.3, 1.0 / 200)


WORKLOADS = [
    Workload("stoch/fbm Davies-Harte n=2^16 (per path)", _dh_ours,
             [Reference("numpy twin + numpy normals", _dh_twin),
              Reference("stochastic 0.6 FBM.sample", _stoch_fn, _stoch_why)],
             target=Target(max_s=2e-3), per=_PATHS_DH, repeat=5),
    Workload("stoch/fbm Davies-Harte n=2^16 (kernel only, per path)", _dh_kernel,
             [Reference("numpy twin", _dh_kernel_twin)], setup=_dh_setup, per=_PATHS_DH, repeat=5,
             note="normals pre-drawn; includes copying them (the pipeline works in place)"),
    Workload("stoch/fbm Davies-Harte n=2^16 vs fbm pkg (per path)",
             lambda: fbm.davies_harte(_N_FBM, _H, n_paths=2, rng=1),
             [Reference("fbm 0.3 FBM.fbm", _fbm2_fn, _fbm2_why)],
             target=Target(max_s=2e-3), per=2, repeat=3),
    Workload("stoch/rbergomi hybrid 1e4 paths x 100 steps (full pipeline)", _rb_ours,
             [Reference("numpy twin + numpy normals", _rb_twin)], target=Target(max_s=12e-3), repeat=7,
             note="includes drawing 3e6 normals (inside the kernel, block by block)"),
    Workload("stoch/rbergomi hybrid 1e4 x 100 (kernel only, normals pre-drawn)", _rb_kernel,
             [Reference("numpy twin", _rb_kernel_twin)], setup=_rb_setup, repeat=5),
    Workload("stoch/historical CVaR 99% on 1e7 samples", lambda: risk.historical_var_cvar(_LOSSES["x"], 0.99),
             [Reference("np.partition twin", lambda: risk_ref.var_cvar(_LOSSES["x"], 0.99))],
             setup=_cvar_setup, target=Target(max_s=30e-3), repeat=5),
    Workload("stoch/McKean-Vlasov N=2000, 200 steps", _mv_ours,
             [Reference("numpy twin + numpy normals", _mv_twin)], target=Target(max_s=3e-3), repeat=9,
             note="includes drawing 4e5 normals"),
    Workload("stoch/McKean-Vlasov N=2000, 200 steps (kernel only)", _mv_kernel,
             [Reference("numpy twin", _mv_kernel_twin)], setup=_mv_setup, repeat=7),
]
