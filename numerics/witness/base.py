"""Observables: the measurements the witness suite checks theorems against.

An observable is a function ``measure(params, seed, quick) -> Measurement`` registered
with ``@observable(name, kernel=..., description=...)``.  It computes quantities *from
the model* with the numerical kernels (quadrature, COS prices, Monte Carlo, fBM, ...)
and fits them; it never evaluates the theorem's formula.  ``params`` is a plain dict of
numbers (and lists of numbers) taken from the registry entry; ``seed`` is an int or
None (deterministic observables ignore it); ``quick`` asks for the reduced sample sizes
used by ``make test`` (the standard errors then grow and tolerances that depend on the
SE grow with them; absolute floors do not).

Registry side (a ``witness`` mapping on every theorem and fact of theorem_index.yaml)::

    witness:
      measure:                      # claim name -> observable output it stands for
        se: {observable: atm_skew_cos, output: exponent, reads: "H - 1/2"}
      kernel: "numerics.rough_heston (COS)"   # must equal the observable's kernel(s)
      params: {H: [0.1, 0.25, 0.4], eta: 0.1} # numbers, or lists of numbers
      sweep: [H]                    # params measured point by point (product of lists)
      seed: 20261121                # or null for deterministic observables
      claim: "se == H - 1/2"        # the statement over measured names and params
      tolerance: {abs: 0.02, k_se: 4}
      justification: "one line: why this tolerance"
      test: "tests/witness/test_witness_a.py::test_part_4"

The checker (verifier/witness.py) substitutes each ``reads`` expression into ``claim``
and requires the result to be the theorem's goal (or the fact's proposition): side by
side after polynomial normalisation (needed for identities, whose difference is 0), or
the same relation up to a positive rational factor; so the measurement is tied
mechanically to the statement.
Measured names are then replaced by their values at every sweep point; an equality
passes when |lhs - rhs| <= max(abs, k_se * SE), ``<=`` when lhs - rhs <= that bound,
and a strict ``<`` when lhs < rhs on the measured values (its significance in SEs is
reported).  A measurement that does not support a cited fact sets ``finding``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Value", "Measurement", "Observable", "observable", "OBSERVABLES", "get"]


@dataclass(frozen=True)
class Value:
    """A measured number with its standard error (se = 0: exact up to quadrature)."""

    value: float
    se: float = 0.0

    def __post_init__(self):
        if not math.isfinite(self.value):
            raise ValueError(f"measured value is not finite: {self.value!r}")
        if not (math.isfinite(self.se) and self.se >= 0):
            raise ValueError(f"standard error must be finite and >= 0, got {self.se!r}")


@dataclass
class Measurement:
    """Named outputs of one observable at one parameter point.

    ``detail`` holds JSON-serialisable data for the report and the plots (for
    example {"T": [...], "skew": [...], "skew_se": [...]}); ``finding`` is a plain
    sentence when the measurement does not support what the paper cites, and
    ``finding_outputs`` names the outputs it is about (empty: all of them), so an entry
    that measures only an unrelated output of the same observable does not inherit it.
    """

    values: dict
    detail: dict = field(default_factory=dict)
    finding: str = ""
    finding_outputs: tuple = ()

    def __post_init__(self):
        for k, v in self.values.items():
            if not isinstance(v, Value):
                raise TypeError(f"output {k!r} must be a Value, got {type(v).__name__}")


@dataclass(frozen=True)
class Observable:
    name: str
    kernel: str
    description: str
    outputs: tuple
    fn: Callable

    def measure(self, params: dict, seed, quick: bool) -> Measurement:
        m = self.fn(dict(params), seed, quick)
        if not isinstance(m, Measurement):
            raise TypeError(f"observable {self.name} returned {type(m).__name__}, not Measurement")
        missing = set(self.outputs) - set(m.values)
        if missing:
            raise ValueError(f"observable {self.name} did not produce {sorted(missing)}")
        return m


OBSERVABLES: dict = {}


def observable(name: str, *, kernel: str, description: str, outputs):
    """Register ``fn(params, seed, quick) -> Measurement`` under ``name``."""

    def deco(fn):
        if name in OBSERVABLES:
            raise ValueError(f"observable {name!r} registered twice")
        OBSERVABLES[name] = Observable(name, kernel, description, tuple(outputs), fn)
        return fn

    return deco


def get(name: str) -> Observable:
    from . import load_all

    load_all()
    try:
        return OBSERVABLES[name]
    except KeyError:
        raise KeyError(f"unknown observable {name!r}; known: {', '.join(sorted(OBSERVABLES))}") from None
