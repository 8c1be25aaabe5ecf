"""Compile the Coq export with ``coqc`` and record per-theorem status and axioms.

The export is copied to ``build/coq/`` (the committed ``coq/`` tree stays free of
``.vo`` files) and compiled module by module, independent modules in parallel
(``jobs`` workers, dependencies first).  Per theorem: PROVED when its module
compiled; when a module fails, the theorem at the error's line is ERROR with
coqc's message, theorems before it in that file are PROVED (coqc accepted
their ``Qed``), theorems after it are ERROR "not checked".

Axioms: the generated ``Audit.v`` prints the assumptions of a tuple of every
theorem (one traversal of the Reals library; per theorem it costs ~0.7 s of
CPU each, see coq/README.md), so every axiom any theorem uses is listed.  Each
is classified as standard library (a module of ``coqc -where``), another
installed library, or project; the generated sources are also scanned for
``Axiom``/``Parameter``/``Admitted``/… declarations.  The report is written to
``build/coq_report.json``.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from verifier.export import AUDIT_MODULE, COQ_LIB
from verifier.registry import ROOT

BUILD = ROOT / "build" / "coq"
REPORT = ROOT / "build" / "coq_report.json"
_DECL = re.compile(r"\b(Axiom|Axioms|Parameter|Parameters|Admitted|admit|Conjecture|"
                   r"Hypothesis|Hypotheses|Variable|Variables)\b")
_COMMENT = re.compile(r"\(\*.*?\*\)", re.S)
_ERRLINE = re.compile(r'File "[^"]*", line (\d+)')


def export_digest(ex):
    h = hashlib.sha256()
    for rel in sorted(ex.files):
        h.update(rel.encode() + b"\0" + ex.files[rel].encode() + b"\0")
    return h.hexdigest()[:16]


def find_coqc():
    return shutil.which("coqc")


def coq_version(coqc):
    try:
        out = subprocess.run([coqc, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    m = re.search(r"version (\S+)", out)
    return m.group(1) if m else out.strip()[:40]


def _library_modules(coqc):
    """{module basename: 'stdlib' | 'library'} of the installed Coq libraries."""
    try:
        where = Path(subprocess.run([coqc, "-where"], capture_output=True, text=True,
                                    timeout=30).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return {}
    out = {}
    for kind, sub in (("stdlib", "theories"), ("library", "user-contrib")):
        for vo in (where / sub).rglob("*.vo"):
            out.setdefault(vo.stem, kind)
    return out


def parse_assumptions(text):
    """Axiom names printed by ``Print Assumptions`` (each block), in order of appearance."""
    names, inside = [], False
    for line in text.splitlines():
        if line.startswith("Axioms:"):
            inside = True
            continue
        if line.startswith("Closed under the global context"):
            inside = False
            continue
        if inside:
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_'.]*)(?: :|$)", line)
            if m:
                names.append(m.group(1))
            elif line and not line.startswith(" "):
                inside = False
    return names


def classify_axiom(name, libs, project_modules):
    parts = name.split(".")
    if parts[0] == COQ_LIB or parts[0] in project_modules or len(parts) == 1:
        return "project"
    for p in parts[:-1]:
        if p in libs:
            return libs[p]
    return "project"          # unknown origin: treated as the worst case


def scan_declarations(ex):
    """[(file, keyword)] of axiom-like declarations in the generated sources."""
    hits = []
    for rel, text in ex.files.items():
        if rel.endswith(".v"):
            for m in _DECL.finditer(_COMMENT.sub("", text)):
                hits.append((rel, m.group(1)))
    return hits


def build(ex, jobs=2, out_dir=BUILD, report_path=REPORT, coqc=None):
    """Compile ``ex`` (an ``export.Export`` for coq); return and write the report."""
    coqc = coqc or find_coqc()
    digest = export_digest(ex)
    if coqc is None:
        rep = {"available": False, "reason": "coqc not found on PATH (Debian: apt-get install "
                                              "coq libcoq-stdlib libcoq-interval)",
               "export_digest": digest}
        return rep
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    for rel, text in ex.files.items():
        p = out_dir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    mods = {m: {"path": rel, "theorems": ids, "deps": deps} for m, rel, ids, deps in ex.modules}
    results = {}

    def compile_one(m):
        s = time.perf_counter()
        p = subprocess.run([coqc, "-q", "-Q", COQ_LIB, COQ_LIB, mods[m]["path"]], cwd=out_dir,
                           capture_output=True, text=True, timeout=600)
        return {"ok": p.returncode == 0, "stdout": p.stdout, "stderr": p.stderr,
                "seconds": round(time.perf_counter() - s, 3)}

    pending, running = set(mods), {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        while pending or running:
            for m in sorted(pending):
                deps = mods[m]["deps"]
                if any(d in results and not results[d]["ok"] for d in deps) or \
                        any(d not in mods for d in deps):
                    bad = [d for d in deps if d not in mods or not results.get(d, {}).get("ok", True)]
                    results[m] = {"ok": False, "stdout": "", "stderr": f"not compiled: dependency "
                                  f"{', '.join(bad)} failed or is unknown", "seconds": 0.0,
                                  "skipped": True}
                    pending.discard(m)
                elif all(d in results for d in deps) and len(running) < max(1, jobs):
                    running[pool.submit(compile_one, m)] = m
                    pending.discard(m)
            if running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for f in done:
                    results[running.pop(f)] = f.result()
            elif pending and not any(all(d in results for d in mods[m]["deps"]) for m in pending):
                for m in pending:
                    results[m] = {"ok": False, "stdout": "", "stderr": "dependency cycle",
                                  "seconds": 0.0}
                pending.clear()
    wall = time.perf_counter() - t0

    theorems = {}
    for m, info in mods.items():
        r = results[m]
        ids = info["theorems"]
        if r["ok"]:
            for tid in ids:
                theorems[tid] = {"status": "PROVED", "module": m, "note": ""}
            continue
        err = (r["stderr"] or r["stdout"]).strip()
        line = None
        mm = _ERRLINE.search(err)
        if mm:
            line = int(mm.group(1))
        failed_at = None
        for tid in ids:
            rel, first, last = ex.theorem_lines[tid]
            if line is not None and first <= line <= last:
                failed_at = tid
        seen_fail = False
        for tid in ids:
            rel, first, last = ex.theorem_lines[tid]
            if failed_at is not None and tid == failed_at:
                theorems[tid] = {"status": "ERROR", "module": m,
                                 "note": "coqc: " + " ".join(err.split())[:400]}
                seen_fail = True
            elif failed_at is not None and not seen_fail:
                theorems[tid] = {"status": "PROVED", "module": m, "note": "checked before the "
                                 f"error in {m}"}
            else:
                theorems[tid] = {"status": "ERROR", "module": m, "note": (
                    f"not checked: {m} stopped at theorem {failed_at}" if failed_at is not None
                    else "not checked: " + " ".join(err.split())[:300])}

    libs = _library_modules(coqc)
    project_modules = set(mods)
    axioms = []
    for m in mods:
        for name in parse_assumptions(results[m]["stdout"]):
            if name not in axioms:
                axioms.append(name)
    classified = {a: classify_axiom(a, libs, project_modules) for a in axioms}
    decls = scan_declarations(ex)
    audit = results.get(AUDIT_MODULE, {})
    rep = {
        "available": True,
        "coqc": coq_version(coqc),
        "export_digest": digest,
        "jobs": jobs,
        "seconds": round(wall, 3),
        "modules": {m: {"ok": r["ok"], "seconds": r["seconds"],
                        "error": "" if r["ok"] else " ".join((r["stderr"] or r["stdout"]).split())[:600]}
                    for m, r in sorted(results.items())},
        "theorems": {str(k): v for k, v in sorted(theorems.items())},
        "proved": sum(v["status"] == "PROVED" for v in theorems.values()),
        "errors": sum(v["status"] != "PROVED" for v in theorems.values()),
        "audit": {"ok": bool(audit.get("ok")), "method": "Print Assumptions of a tuple of all "
                  "theorems (covers every theorem)"},
        "axioms": axioms,
        "stdlib_axioms": [a for a in axioms if classified[a] == "stdlib"],
        "library_axioms": [a for a in axioms if classified[a] == "library"],
        "project_axioms": [a for a in axioms if classified[a] == "project"],
        "axiom_declarations": [f"{f}: {k}" for f, k in decls],
    }
    report_path = Path(report_path)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(rep, indent=2) + "\n", encoding="utf-8")
    return rep


def report_ok(rep):
    return (rep.get("available") and rep["errors"] == 0 and rep["audit"]["ok"]
            and not rep["project_axioms"] and not rep["axiom_declarations"]
            and all(m["ok"] for m in rep["modules"].values()))


def load_report(report_path=REPORT):
    try:
        return json.loads(Path(report_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def theorem_status(tid, rep, digest):
    """(status, note) of a theorem from the last compile: PROVED / ERROR, or
    'not compiled' when no compile of the current export has run."""
    if rep is None or not rep.get("available"):
        return "not compiled", "no coqc run recorded (run: roughatlas coq-build)"
    if rep.get("export_digest") != digest:
        return "not compiled", "the last coqc run was of an older export (run: roughatlas coq-build)"
    row = rep["theorems"].get(str(tid))
    if row is None:
        return "not compiled", "theorem not in the last coqc run"
    return row["status"], row["note"]
