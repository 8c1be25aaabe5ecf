"""Hawkes processes with a Mittag-Leffler (power-law) kernel, simulated by branching.

Kernel: phi(t) = n f_alpha(t), where n in [0, 1) is the branching ratio and f_alpha is the
Mittag-Leffler density with Laplace transform 1 / (1 + z^alpha), 0 < alpha < 1 (tail
f_alpha(t) ~ alpha t^(-1-alpha) / Gamma(1 - alpha)).  This is the power-law kernel of the
near-critical Hawkes models behind rough volatility (El Euch, Fukasawa, Rosenbaum 2018).

A Hawkes process is a Poisson cluster process: every event has Poisson(n) children, each
born after an independent delay with density f_alpha.  ``simulate_clusters`` grows the
clusters of given immigrants generation by generation, vectorised over all events of a
generation; children born after ``t_max`` are dropped with their descendants (they cannot
have descendants before t_max), so the work is the number of events in [0, t_max].

Delays: X = E^(1/alpha) S with E ~ Exp(1) and S positive alpha-stable with Laplace
transform exp(-z^alpha) (Kanter's representation), so E[exp(-z X)] = E[exp(-z^alpha E)] =
1 / (1 + z^alpha).

Public API:
* ``ml_delays(alpha, size, rng=None)`` -> delays with density f_alpha.
* ``simulate_clusters(alpha, n, n_clusters, t_max=inf, rng=None, immigrants=None,
  max_events=50_000_000)`` -> ``Clusters`` (times, cluster index, generation of every event,
  immigrants included at generation 0).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from numerics import _validate as v

__all__ = ["Clusters", "ml_delays", "simulate_clusters"]


@dataclasses.dataclass
class Clusters:
    """Events of a Hawkes process grown cluster by cluster (``simulate_clusters``).

    Attributes
    ----------
    times : numpy.ndarray
        Event times (immigrants included), in the time unit of t_max.
    cluster : numpy.ndarray
        Index of the immigrant each event descends from.
    generation : numpy.ndarray
        0 for immigrants.
    n_clusters : int
    t_max : float
    """
    times: np.ndarray        # event times (immigrants included)
    cluster: np.ndarray      # index of the immigrant each event descends from
    generation: np.ndarray   # 0 for immigrants
    n_clusters: int
    t_max: float


def _stable(alpha, size, gen):
    """Positive alpha-stable with Laplace transform exp(-z^alpha) (Kanter / Chambers-Mallows-Stuck)."""
    U = gen.uniform(0.0, math.pi, size)
    W = gen.exponential(1.0, size)
    return (np.sin(alpha * U) / np.sin(U) ** (1.0 / alpha)) * (np.sin((1.0 - alpha) * U) / W) ** ((1.0 - alpha) / alpha)


def ml_delays(alpha, size, rng=None):
    """Samples of the Mittag-Leffler distribution, Laplace transform 1 / (1 + z^alpha).

    Parameters
    ----------
    alpha : float
        In (0, 1).
    size : int
        >= 0.
    rng : int, numpy.random.Generator or None

    Returns
    -------
    numpy.ndarray, shape (size,)
        Positive delays (heavy tail ~ t^(-1-alpha)).

    Examples
    --------
    >>> from numerics import hawkes
    >>> bool((hawkes.ml_delays(0.6, 1000, rng=1) > 0).all())
    True
    """
    alpha = v.real("alpha", alpha, 0.0, 1.0, lo_open=True, hi_open=True)
    size = v.integer("size", size, 0, None)
    gen = v.rng(rng)
    return gen.exponential(1.0, size) ** (1.0 / alpha) * _stable(alpha, size, gen)


def simulate_clusters(alpha, n, n_clusters, t_max=math.inf, rng=None, immigrants=None, max_events=50_000_000):
    """Clusters of a Hawkes process with kernel n f_alpha grown from ``n_clusters`` immigrants.

    Parameters
    ----------
    alpha : float
        Kernel exponent, in (0, 1).
    n : float
        Branching ratio, in [0, 1).
    n_clusters : int
        Immigrants, >= 1.
    t_max : float
        Horizon (events after it are dropped), > 0 or inf (then n <= 0.999).
    rng : int, numpy.random.Generator or None
    immigrants : array_like, shape (n_clusters,), optional
        Immigrant times (>= 0); default all at 0.
    max_events : int
        Refuse to grow past this many events (bounded work and memory).

    Returns
    -------
    Clusters

    Examples
    --------
    >>> from numerics import hawkes
    >>> c = hawkes.simulate_clusters(0.6, 0.5, 100, t_max=10.0, rng=1)
    >>> bool(c.times.size >= 100 and (c.times <= 10.0).all())
    True
    """
    alpha = v.real("alpha", alpha, 0.0, 1.0, lo_open=True, hi_open=True)
    n = v.real("n", n, 0.0, 1.0, hi_open=True)
    n_clusters = v.integer("n_clusters", n_clusters, 1, None)
    if not (isinstance(t_max, (float, np.floating)) and t_max == math.inf):
        t_max = v.real("t_max", t_max, 0.0, None, lo_open=True)
    max_events = v.integer("max_events", max_events, 1, None)
    if t_max == math.inf and n > 0.999:
        raise ValueError(f"without a horizon t_max the clusters have mean size 1/(1-n) = {1 / (1 - n):.3g}; "
                         "give t_max or n <= 0.999")
    gen = v.rng(rng)
    if immigrants is None:
        t0 = np.zeros(n_clusters)
    else:
        t0 = v.array("immigrants", immigrants, ndim=1, lo=0.0, shape=(n_clusters,))
    times, ids, gens = [t0], [np.arange(n_clusters)], [np.zeros(n_clusters, dtype=np.int32)]
    total = n_clusters
    parents_t, parents_id, g = t0, ids[0], 0
    while parents_t.size:
        g += 1
        k = gen.poisson(n, parents_t.size)
        child_t = np.repeat(parents_t, k) + ml_delays(alpha, int(k.sum()), gen)
        child_id = np.repeat(parents_id, k)
        keep = child_t <= t_max
        parents_t, parents_id = child_t[keep], child_id[keep]
        total += parents_t.size
        if total > max_events:
            raise ValueError(f"more than max_events = {max_events} events: lower n_clusters, t_max or n")
        times.append(parents_t)
        ids.append(parents_id)
        gens.append(np.full(parents_t.size, g, dtype=np.int32))
    return Clusters(np.concatenate(times), np.concatenate(ids), np.concatenate(gens), n_clusters, float(t_max))
