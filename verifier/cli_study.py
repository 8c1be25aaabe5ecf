"""`roughatlas study NAME`: reproducible studies that write a report and figures.

STUDIES maps a study name to (module, one-line description); each module exposes
``run(out_dir, quick=False) -> dict`` and writes ``report.md`` into ``out_dir``
(default ``build/studies/NAME``).  Another study plugs in with one entry here.
"""
from __future__ import annotations

import importlib
import os
import sys

STUDIES = {
    "calibration": ("numerics.studies.calibration_study",
                    "§9.5: rough Heston vs per-slice SABR / quadratic smiles, in and out of sample, over noise seeds"),
    "dax": ("numerics.studies.dax_study",
            "§9.6 on shippable data: Heston (vs QuantLib), rough Heston (+ jumps), SABR on QuantLib's DAX surface"),
}


def cmd_study(args):
    mod_name, _ = STUDIES[args.name]
    mod = importlib.import_module(mod_name)
    out_dir = args.out or os.path.join("build", "studies", args.name)
    kw = dict(quick=args.quick)
    if args.seeds is not None:
        kw["seeds"] = args.seeds
    try:
        mod.run(out_dir, **kw)
    except ValueError as exc:
        print(f"roughatlas study {args.name}: {exc}", file=sys.stderr)
        return 2
    print(f"study {args.name}: report written to {os.path.join(out_dir, 'report.md')}")
    return 0


def add_parser(sub):
    st = sub.add_parser("study", help="run a reproducible study (report + figures in build/studies/NAME)",
                        description="\n".join(f"{k}: {v[1]}" for k, v in STUDIES.items()))
    st.add_argument("name", choices=sorted(STUDIES), help="the study to run")
    st.add_argument("--quick", action="store_true", help="a smoke run (fewer seeds)")
    st.add_argument("--seeds", type=int, default=None, help="number of noise seeds (default: the study's)")
    st.add_argument("--out", default=None, help="output directory (default build/studies/NAME)")
    st.set_defaults(fn=cmd_study)
    return st
