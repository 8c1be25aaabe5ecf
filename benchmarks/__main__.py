"""Run the benchmarks: ``python -m benchmarks [--quick] [--json] [--only SUBSTR]``.

Each module ``benchmarks/bench_*.py`` exposes ``WORKLOADS``: a list of
``Workload`` objects.  A workload times our implementation and a reference
(NumPy twin or a peer library) in the same process and reports the ratio
reference_s / ours_s (> 1 means we are faster) next to its target.
"""
from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys

from benchmarks.harness import run_workload


def _fmt(seconds):
    """A time with a unit that keeps three significant figures."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:8.3f}{unit}"
    return f"{seconds / 1e-9:8.1f}ns"


def _discover():
    import benchmarks

    mods = []
    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("bench_"):
            mods.append(importlib.import_module(f"benchmarks.{info.name}"))
    return mods


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats (for CI and smoke runs)")
    p.add_argument("--json", action="store_true", help="print one JSON object with all rows")
    p.add_argument("--only", default="", help="run only workloads whose name contains this")
    args = p.parse_args(argv)
    rows = []
    for mod in _discover():
        for w in getattr(mod, "WORKLOADS", []):
            if args.only and args.only not in w.name:
                continue
            if not args.json:
                print(f"... {w.name}", file=sys.stderr, flush=True)
            rows.extend(run_workload(w, quick=args.quick))
    if args.json:
        print(json.dumps({"rows": rows}, indent=2))
    else:
        hdr = f"{'workload':44s} {'ours':>10s} {'reference':28s} {'ref':>10s} {'ratio':>7s}  target"
        print(hdr)
        print("-" * len(hdr))
        for r in rows:
            ref_s = ("—" if r["reference"] == "(none)" else "skipped") if r["reference_s"] is None \
                else _fmt(r["reference_s"])
            ratio = "" if r["ratio"] is None else f"{r['ratio']:7.2f}"
            print(f"{r['workload']:44s} {_fmt(r['ours_s'])} {r['reference']:28s} {ref_s:>10s} "
                  f"{ratio:>7s}  {r.get('target', '')}{'  (' + r['note'] + ')' if r.get('note') else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
