"""Monte Carlo exotics under rough Heston: 50,000 paths x 252 steps.

Ours: numerics.exotics (fused iVi kernel keeping path statistics, normals drawn in the
kernel, antithetic pairs, COS-priced European control variate).  Reference: the plain NumPy
Euler twin (numerics/exotics_ref.py: lifted Euler, NumPy normals, no variance reduction) at
the same paths and steps.  The setup measures both standard errors once; SE per unit time is
compared through the efficiency 1 / (SE^2 x time): efficiency ratio = time ratio x
(SE twin / SE ours)^2.
"""
from __future__ import annotations

from benchmarks.harness import Reference, Target, Workload
from numerics import exotics, exotics_ref
from numerics.rough_heston import RoughHestonParams

P = RoughHestonParams(H=0.1, kappa=0.3, theta=0.02, eta=0.3, rho=-0.7, V0=0.02)
N_PATHS, N_STEPS, K, B, T = 50_000, 252, 1.0, 1.2, 1.0
_W = {}


def _ours_barrier():
    return exotics.barrier(P, K, B, T, n_steps=N_STEPS, n_paths=N_PATHS, seed=1)


def _ours_asian():
    return exotics.asian(P, K, T, n_steps=N_STEPS, n_paths=N_PATHS, seed=1)


def _twin():
    return exotics_ref.barrier_asian(P, K, B, T, N_STEPS, N_PATHS, seed=1)


def _setup(which):
    def setup():
        if "twin" not in _W:
            _W["twin"] = _twin()
        ours = _ours_barrier() if which == "barrier" else _ours_asian()
        tw = _W["twin"][0 if which == "barrier" else 1]
        ratio = tw[1] / ours.se
        w = W_BARRIER if which == "barrier" else W_ASIAN
        w.note = (f"price {ours.price:.5f} +- {ours.se:.1e} (twin {tw[0]:.5f} +- {tw[1]:.1e}); "
                  f"SE twin / SE ours = {ratio:.2f}: efficiency ratio = time ratio x {ratio ** 2:.1f}")
    return setup


W_BARRIER = Workload("exotics/up-and-out call, rough Heston 5e4 paths x 252 steps", _ours_barrier,
                     [Reference("numpy Euler twin (barrier + Asian)", _twin)], target=Target(max_s=0.2),
                     setup=_setup("barrier"), repeat=3)
W_ASIAN = Workload("exotics/arithmetic Asian call, rough Heston 5e4 paths x 252 steps", _ours_asian,
                   [Reference("numpy Euler twin (barrier + Asian)", _twin)], target=Target(max_s=0.2),
                   setup=_setup("asian"), repeat=3)
WORKLOADS = [W_BARRIER, W_ASIAN]
