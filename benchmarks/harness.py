"""Timing harness shared by the benchmark modules."""
from __future__ import annotations

import dataclasses
import time
from typing import Callable, Optional, Sequence


@dataclasses.dataclass
class Reference:
    name: str                      # e.g. "numpy twin", "QuantLib AnalyticRoughHestonEngine"
    fn: Optional[Callable[[], object]]  # None: unavailable
    why_unavailable: str = ""


@dataclasses.dataclass
class Workload:
    name: str
    ours: Callable[[], object]
    references: Sequence[Reference]
    target: str = ""               # human-readable target, e.g. "<= 0.3 ms"
    setup: Optional[Callable[[], None]] = None
    repeat: int = 7
    per: int = 1                   # divide times by this (e.g. per price)
    note: str = ""


def best_time(fn, repeat):
    fn()  # warm-up (and JIT/caches)
    best = float("inf")
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run_workload(w: Workload, quick: bool = False):
    if w.setup is not None:
        w.setup()
    rep = max(2, w.repeat // 2) if quick else w.repeat
    ours = best_time(w.ours, rep) / w.per
    rows = []
    for ref in w.references:
        if ref.fn is None:
            rows.append(dict(workload=w.name, ours_s=ours, reference=ref.name, reference_s=None,
                             ratio=None, target=w.target, note=f"reference skipped: {ref.why_unavailable}"))
            continue
        rs = best_time(ref.fn, rep) / w.per
        rows.append(dict(workload=w.name, ours_s=ours, reference=ref.name, reference_s=rs,
                         ratio=rs / ours if ours > 0 else None, target=w.target, note=w.note))
    if not w.references:
        rows.append(dict(workload=w.name, ours_s=ours, reference="(none)", reference_s=None,
                         ratio=None, target=w.target, note=w.note))
    return rows
