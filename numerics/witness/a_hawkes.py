"""Part 8: the Hawkes-to-rough mapping, measured on simulated near-critical Hawkes processes.

numerics.hawkes simulates Hawkes clusters with the power-law (Mittag-Leffler) kernel
phi = n f_alpha, tail ~ t^(-1-alpha), branching ratio n = 1 - eps.

* ``a_hawkes_roughness``: the impulse response of the Hawkes intensity.  R(t) = expected
  number of events in (0, t] descending from one event at 0 is the integrated intensity
  response int_0^t psi; psi is the kernel of the Volterra equation that the rescaled
  near-critical intensity solves in the limit (Jaisson-Rosenbaum, El Euch-Fukasawa-
  Rosenbaum), so R(t) ~ t^(H + 1/2) defines the roughness H of the limiting variance.
  Simulated: 60000 (quick: 4000) clusters, t in [0.1, 100], eps = 1e-4 (the cut-off
  eps t^alpha is below 0.004 there); fitted exponent p with a batch-means SE, H = p - 1/2.
* ``a_hawkes_branching``: the branching ratio of fully simulated clusters,
  n_hat = 1 - (#immigrants) / (#events) (each non-immigrant event is some event's child);
  SE by the delta method on the cluster sizes.
"""
from __future__ import annotations

import math

import numpy as np

from numerics import hawkes

from .a_common import batch_slope, integer, lst, real, seed_of
from .base import Measurement, Value, observable

_KERNEL = "numerics.hawkes (branching simulation)"
_BATCHES = 20


@observable("a_hawkes_roughness", kernel=_KERNEL,
            description="roughness H of a near-critical power-law Hawkes process: exponent of its "
                        "integrated intensity response R(t) ~ t^(H+1/2), minus 1/2",
            outputs=("H", "response_exponent"))
def hawkes_roughness(params, seed, quick):
    alpha = real(params, "alpha", None, 0.0, 1.0, lo_open=True, hi_open=True)
    eps = real(params, "eps", 1e-4, 0.0, 1.0, lo_open=True, hi_open=True)
    n_clusters = integer(params, "n_clusters", 4_000 if quick else 60_000, 2 * _BATCHES, 10_000_000)
    t_max = 100.0
    c = hawkes.simulate_clusters(alpha, 1.0 - eps, n_clusters, t_max=t_max, rng=seed_of(seed))
    t = np.geomspace(0.1, t_max, 10)
    desc = c.generation > 0
    tt, cid = c.times[desc], c.cluster[desc]
    B = np.array_split(np.arange(n_clusters), _BATCHES)
    bounds = [(b[0], b[-1]) for b in B]

    def curve(b):
        lo, hi = bounds[b]
        sel = tt[(cid >= lo) & (cid <= hi)]
        return np.searchsorted(np.sort(sel), t, side="right") / (hi - lo + 1)
    p, se, R, _ = batch_slope(t, curve, _BATCHES)
    H = p - 0.5
    finding = ""
    gap = H - (alpha - 0.5)
    if abs(gap) > max(0.02, 4 * se):
        finding = (f"measured roughness H = {H:.3f} +- {se:.3f} of the Hawkes limit differs from the mapping "
                   f"H = alpha - 1/2 = {alpha - 0.5:.3f}")
    return Measurement({"H": Value(H, se), "response_exponent": Value(p, se)}, finding=finding,
                       detail={"t": lst(t), "R": lst(R), "events": int(c.times.size), "n_clusters": n_clusters,
                               "eps": eps, "mapping_gap": gap})


@observable("a_hawkes_branching", kernel=_KERNEL,
            description="branching ratio of simulated power-law Hawkes clusters: 1 - immigrants / events",
            outputs=("n",))
def hawkes_branching(params, seed, quick):
    eps = real(params, "eps", None, 0.001, 1.0, hi_open=True)
    alpha = real(params, "alpha", 0.75, 0.0, 1.0, lo_open=True, hi_open=True)
    n_clusters = integer(params, "n_clusters", 5_000 if quick else 50_000, 10, 10_000_000)
    c = hawkes.simulate_clusters(alpha, 1.0 - eps, n_clusters, rng=seed_of(seed))
    sizes = np.bincount(c.cluster, minlength=n_clusters).astype(float)
    m = sizes.mean()
    n_hat = 1.0 - 1.0 / m
    se = sizes.std(ddof=1) / math.sqrt(n_clusters) / m ** 2
    return Measurement({"n": Value(n_hat, se)},
                       detail={"events": int(c.times.size), "n_clusters": n_clusters, "mean_cluster_size": m,
                               "max_generation": int(c.generation.max())})
