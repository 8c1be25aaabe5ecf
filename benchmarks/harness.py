"""Timing harness shared by the benchmark modules.

A workload times our implementation and its references in the same process, alternating
them repeat by repeat (so a burst of load on this shared machine hits both), and reports
min / median / max over the repeats.  Ratios are reference / ours on the medians (> 1:
ours is faster).  A ``Target`` is checked on the median: met, missed, or (for a target
written as free text the harness cannot read) unchecked.
"""
from __future__ import annotations

import dataclasses
import re
import statistics
import time
from typing import Callable, Optional, Sequence, Union

_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


@dataclasses.dataclass
class Reference:
    name: str                      # e.g. "numpy twin", "QuantLib AnalyticRoughHestonEngine"
    fn: Optional[Callable[[], object]]  # None: unavailable
    why_unavailable: str = ""


@dataclasses.dataclass(frozen=True)
class Target:
    """What a workload must achieve, checked on median times (per unit of ``Workload.per``).

    max_s      ours takes at most this many seconds
    min_ratio  ours is at least this many times faster than the reference ``reference``
               (a name in the workload's references; default: the first)
    max_error  ``error()`` (an accuracy measure computed by the workload) is at most this:
               a speed-up bought with accuracy is not a speed-up
    """
    max_s: Optional[float] = None
    min_ratio: Optional[float] = None
    reference: str = ""
    max_error: Optional[float] = None
    error: Optional[Callable[[], float]] = None
    error_text: str = "error"
    text: str = ""                 # free text: printed, and parsed when nothing else is given

    def describe(self):
        parts = []
        if self.max_s is not None:
            parts.append(f"<= {fmt_time(self.max_s).strip()}")
        if self.min_ratio is not None:
            parts.append(f">= {self.min_ratio:g}x {self.reference or 'the reference'}")
        if self.max_error is not None:
            parts.append(f"{self.error_text} <= {self.max_error:.0e}")
        return ", ".join(parts) or self.text

    def checked(self):
        return self.max_s is not None or self.min_ratio is not None or self.max_error is not None


def parse_target(text: str) -> Target:
    """Read "<= 2 ms[ per path]" or ">= 3x NAME" into a Target; anything else stays text
    (reported as unchecked, never as met)."""
    m = re.fullmatch(r"\s*<=\s*([0-9.eE+-]+)\s*(s|ms|us|µs|ns)\b.*", text)
    if m:
        return Target(max_s=float(m.group(1)) * _UNITS[m.group(2)], text=text)
    m = re.fullmatch(r"\s*>=\s*([0-9.eE+-]+)\s*x\s*(.*)", text)
    if m:
        return Target(min_ratio=float(m.group(1)), reference=m.group(2).strip(), text=text)
    return Target(text=text)


@dataclasses.dataclass
class Workload:
    name: str
    ours: Callable[[], object]
    references: Sequence[Reference]
    target: Union[Target, str, None] = None
    setup: Optional[Callable[[], None]] = None
    repeat: int = 7
    per: int = 1                   # divide times by this (e.g. per price)
    note: str = ""
    unavailable: str = ""          # non-empty: ours cannot run here (e.g. no coqc); not timed
    warmup: bool = True            # one untimed call of each first (caches, lazy imports)


def fmt_time(seconds):
    """A time with a unit that keeps three or four significant figures."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g}{unit}" if seconds / scale < 100 else f"{seconds / scale:.0f}{unit}"
    return f"{seconds / 1e-9:.3g}ns"


def stats(times, per=1):
    xs = [t / per for t in times]
    return {"min": min(xs), "median": statistics.median(xs), "max": max(xs), "repeats": len(xs)}


def repeats(w: Workload, quick: bool) -> int:
    """Repeats per workload: its own count, halved when quick, never below 3 (a median
    needs three) unless the workload asks for fewer."""
    if w.repeat < 3:
        return w.repeat
    return max(3, w.repeat // 2) if quick else w.repeat


def time_interleaved(fns, repeat, warmup=True):
    """Warm each callable once (unless told not to), then time them in turn, ``repeat`` rounds."""
    for fn in fns if warmup else ():
        fn()
    times = [[] for _ in fns]
    for _ in range(max(1, repeat)):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - t0)
    return times


def check_target(target: Optional[Target], ours_med, refs):
    """(verdict, checks): verdict "met" / "missed" / "unchecked" / "no target"."""
    if target is None or (not target.checked() and not target.text):
        return "no target", []
    if not target.checked():
        return "unchecked", [f"target {target.text!r} is not machine-checkable"]
    checks, ok = [], True
    if target.max_s is not None:
        good = ours_med <= target.max_s
        ok &= good
        checks.append(f"median {fmt_time(ours_med)} {'<=' if good else '>'} {fmt_time(target.max_s)}")
    if target.min_ratio is not None:
        ref = next((r for r in refs if not target.reference or r["reference"].startswith(target.reference)),
                   None)
        if ref is None or ref["ratio"] is None:
            return "unchecked", checks + [f"reference {target.reference!r} not measured"]
        good = ref["ratio"] >= target.min_ratio
        ok &= good
        checks.append(f"ratio {ref['ratio']:.2f} {'>=' if good else '<'} {target.min_ratio:g}")
    if target.max_error is not None:
        err = target.error() if target.error is not None else None
        if err is None:
            return "unchecked", checks + [f"{target.error_text} not measured"]
        good = err <= target.max_error
        ok &= good
        checks.append(f"{target.error_text} {err:.2e} {'<=' if good else '>'} {target.max_error:.0e}")
    return ("met" if ok else "missed"), checks


def run_workload(w: Workload, quick: bool = False):
    """One result dict: our stats, every reference's stats and ratio, the target verdict."""
    target = parse_target(w.target) if isinstance(w.target, str) and w.target else (w.target or None)
    out = {"workload": w.name, "per": w.per, "target": target.describe() if target else "",
           "note": w.note, "ours": None, "references": [], "verdict": "skipped", "checks": []}
    if w.unavailable:
        out["note"] = w.unavailable
        out["references"] = [{"reference": r.name, "stats": None, "ratio": None,
                              "note": "not measured"} for r in w.references]
        return out
    if w.setup is not None:
        w.setup()
        out["note"] = w.note       # a setup may measure accuracy and say so in the note
    live = [r for r in w.references if r.fn is not None]
    rep = repeats(w, quick)
    times = time_interleaved([w.ours] + [r.fn for r in live], rep, w.warmup)
    ours = stats(times[0], w.per)
    out["ours"] = ours
    measured = {r.name: stats(t, w.per) for r, t in zip(live, times[1:])}
    for r in w.references:
        s = measured.get(r.name)
        out["references"].append({
            "reference": r.name, "stats": s,
            "ratio": s["median"] / ours["median"] if s and ours["median"] > 0 else None,
            "note": "" if s else f"reference skipped: {r.why_unavailable}"})
    out["verdict"], out["checks"] = check_target(target, ours["median"], out["references"])
    out["note"] = w.note           # ... and so may the timed runs or the error check (percentiles)
    return out
