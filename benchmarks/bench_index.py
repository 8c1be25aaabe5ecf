"""The theorem index: the whole static site built from existing results.

Target (issue 10): the whole site (gather: verify + claims in process, exports, result
files; render: every page, the Graphviz graph, plots copied) <= 5 s, and <= 20 MB on
disk, plots included.  The reference in the same run is `roughatlas verify --json` run in
process, the largest single part of the gather.
"""
import contextlib
import io
import shutil
import tempfile
from pathlib import Path

from benchmarks.harness import Reference, Workload
from verifier import cli
from verifier.index import render
from verifier.registry import ROOT

RESULTS = ROOT / "build"
_TMP = Path(tempfile.mkdtemp(prefix="bench-index-"))
SIZE_TARGET_MB = 20.0


def build_site():
    return render.build(_TMP / "index", results=RESULTS)


def verify_json():
    with contextlib.redirect_stdout(io.StringIO()):
        cli.main(["verify", "--json"])


def _setup():
    stats = build_site()
    mb = stats["bytes"] / 1e6
    have = [n for n in ("coq_report.json", "witness.json") if (RESULTS / n).exists()]
    W.note = (f"{stats['pages']} pages, {mb:.1f} MB (target <= {SIZE_TARGET_MB:g} MB: "
              f"{'met' if mb <= SIZE_TARGET_MB else 'MISSED'}); results used: {', '.join(have) or 'none'}")


W = Workload("index: whole site from existing results", build_site,
             [Reference("`verify --json` in process", verify_json)], target="<= 5 s",
             setup=_setup, repeat=3)
WORKLOADS = [W]


def _cleanup():
    shutil.rmtree(_TMP, ignore_errors=True)


import atexit  # noqa: E402

atexit.register(_cleanup)
