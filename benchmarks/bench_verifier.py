"""Verifier speed: the kernel re-check and the whole `roughatlas verify`.

Targets (issue 2): whole verify of 125 theorems <= 3 s; kernel re-check <= 0.5 s.
The reference in the same run is Z3 proving the same 125 statements.
Issue 3: both exports (Lean + Coq) <= 1 s, reference the kernel re-check; compiling the
Coq export with coqc (2 jobs) <= 15 s, reference the same compile with 1 job.
"""
import shutil
import subprocess
import tempfile
import sys
from pathlib import Path

from benchmarks.harness import Reference, Target, Workload
from verifier import coqbuild, export, kernel, pipeline, z3backend
from verifier.registry import load

ROOT = Path(__file__).resolve().parent.parent
_REG = load()
_CERTS = pipeline.load_certificates()


def kernel_all():
    by_id, proved = _REG.by_id(), set()
    for t in _REG.theorems:
        s = t.statement
        kernel.check(s.vars, s.premises, s.goal, _CERTS[t.id], pipeline.lemma_facts(t, by_id, proved))
        proved.add(t.id)


def z3_all():
    for t in _REG.theorems:
        s = t.statement
        assert z3backend.prove(s.vars, s.premises, s.goal)[0] == "PROVED"


def verify_all():
    rows, summary = pipeline.verify(_REG)
    assert summary["all_ok"]


def verify_cli():
    subprocess.run([sys.executable, "-m", "verifier", "verify", "--json"], cwd=ROOT, check=True,
                   capture_output=True)


def export_both():
    export.export_lean(_REG)
    export.export_coq(_REG)


def _coq_compile(jobs):
    ex = export.export_coq(_REG)
    with tempfile.TemporaryDirectory() as tmp:
        rep = coqbuild.build(ex, jobs=jobs, out_dir=Path(tmp) / "coq", report_path=Path(tmp) / "r.json")
    assert rep["proved"] == len(_REG.theorems)


_COQC = shutil.which("coqc")
_NO_COQ = "coqc not installed"


WORKLOADS = [
    Workload("verifier: kernel re-check, 125 certificates", kernel_all,
             [Reference("Z3 proving the same 125", z3_all)], target=Target(max_s=0.5)),
    Workload("verifier: verify all (in process)", verify_all, [], target=Target(max_s=3.0), repeat=3),
    Workload("verifier: `roughatlas verify` (fresh process)", verify_cli, [], target=Target(max_s=3.0),
             repeat=3, note="includes Python, SymPy and Z3 start-up"),
    Workload("export: Lean + Coq, 125 theorems", export_both,
             [Reference("kernel re-check, 125 certificates", kernel_all)], target=Target(max_s=1.0)),
    Workload("coq: coqc on the export, 2 jobs", lambda: _coq_compile(2),
             [Reference("the same with 1 job", lambda: _coq_compile(1))],
             target=Target(max_s=15.0), repeat=3, warmup=False,
             unavailable="" if _COQC else f"coqc not installed: not measured ({coqbuild.INSTALL})"),
]
