"""Compile the Coq export with ``coqc`` and record per-theorem status and axioms.

The export is copied to ``build/coq/`` (the committed ``coq/`` tree stays free of
``.vo`` files) and compiled.  By default the part modules and the audit are
compiled as one bundle (their text concatenated, library imports hoisted): one
coqc process loads the Reals library once, ~3 s instead of ~17 s of CPU for 27
processes.  ``mode="modules"`` compiles every module file as committed, as
coq_makefile would (independent modules in parallel, dependencies first); a
failing bundle is rerun that way.  Per theorem: PROVED when its module
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


# The one command that installs Coq (the package list is also in .ci/install-coq).
INSTALL = "sudo apt-get install -y coq libcoq-stdlib libcoq-interval"


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


_REQ = re.compile(r"^(From \S+ )?Require (Import|Export) (.*)\.$")


def _units(ex, mode):
    """Compile units: {name: {path, text, deps, lines: [(module, line) per unit line]}}.

    ``modules``: each module file as committed.  ``bundle``: the part modules and the
    audit concatenated into one file (their library imports hoisted to the top, the
    imports of each other dropped), so the Reals library is loaded once instead of 27
    times; extra modules stay separate units."""
    mods = {m: (rel, deps) for m, rel, _, deps in ex.modules}
    if mode == "modules":
        return {m: {"path": rel, "text": ex.files[rel], "deps": deps,
                    "lines": [(m, i + 1) for i in range(ex.files[rel].count("\n") + 1)]}
                for m, (rel, deps) in mods.items()}
    inside = [m for m, _, ids, _ in ex.modules if ids or m == AUDIT_MODULE]
    head, body, lines = [], [], []
    for m in inside:
        for i, line in enumerate(ex.files[mods[m][0]].split("\n")):
            req = _REQ.match(line)
            if req and not req.group(3).startswith(COQ_LIB + "."):
                if line not in head:
                    head.append(line)
            elif req or line.startswith("Open Scope "):
                continue
            else:
                body.append(line)
                lines.append((m, i + 1))
    head.append("Open Scope R_scope.")
    name = f"{COQ_LIB}All"
    units = {name: {"path": f"{name}.v", "text": "\n".join(head + body) + "\n", "deps": [],
                    "lines": [(None, 0)] * len(head) + lines}}
    for m, (rel, deps) in mods.items():
        if m not in inside:
            units[m] = {"path": rel, "text": ex.files[rel], "deps": [d for d in deps if d not in inside],
                        "lines": [(m, i + 1) for i in range(ex.files[rel].count("\n") + 1)]}
    return units


def _compile_all(coqc, units, out_dir, jobs):
    """Run coqc on every unit, dependencies first, ``jobs`` at a time."""
    results = {}

    def compile_one(u):
        s = time.perf_counter()
        p = subprocess.run([coqc, "-q", "-Q", COQ_LIB, COQ_LIB, units[u]["path"]], cwd=out_dir,
                           capture_output=True, text=True, timeout=600)
        return {"ok": p.returncode == 0, "stdout": p.stdout, "stderr": p.stderr,
                "seconds": round(time.perf_counter() - s, 3)}

    pending, running = set(units), {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        while pending or running:
            for u in sorted(pending):
                deps = units[u]["deps"]
                bad = [d for d in deps if d not in units or not results.get(d, {}).get("ok", True)]
                if bad:
                    results[u] = {"ok": False, "stdout": "", "seconds": 0.0, "stderr":
                                  f"not compiled: dependency {', '.join(bad)} failed or is unknown"}
                    pending.discard(u)
                elif all(d in results for d in deps) and len(running) < max(1, jobs):
                    running[pool.submit(compile_one, u)] = u
                    pending.discard(u)
            if running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for f in done:
                    results[running.pop(f)] = f.result()
            elif pending and not any(all(d in results for d in units[u]["deps"]) for u in pending):
                for u in pending:
                    results[u] = {"ok": False, "stdout": "", "stderr": "dependency cycle",
                                  "seconds": 0.0}
                pending.clear()
    return results


def build(ex, jobs=2, out_dir=BUILD, report_path=REPORT, coqc=None, mode="bundle"):
    """Compile ``ex`` (an ``export.Export`` for coq); return and write the report.

    mode "bundle" (default, ~3 s): see ``_units``; an extra module that requires a part
    module, or a failure, reruns in mode "modules" so every theorem gets its own status.
    mode "modules": every module separately, as coq_makefile would (~0.6 s each)."""
    coqc = coqc or find_coqc()
    digest = export_digest(ex)
    if coqc is None:
        rep = {"available": False, "reason": f"coqc not found on PATH; install it with: {INSTALL}",
               "export_digest": digest}
        return rep
    part_mods = {m for m, _, ids, _ in ex.modules if ids or m == AUDIT_MODULE}
    if mode == "bundle" and any(set(deps) & part_mods for m, _, ids, deps in ex.modules
                                if m not in part_mods):
        mode = "modules"
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    units = _units(ex, mode)
    for u in units.values():
        p = out_dir / u["path"]
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(u["text"], encoding="utf-8")
    results = _compile_all(coqc, units, out_dir, jobs)
    if mode == "bundle" and not all(r["ok"] for r in results.values()):
        return build(ex, jobs, out_dir, report_path, coqc, mode="modules")
    wall = time.perf_counter() - t0

    # module -> (ok, error text, error line in the module file) from the units
    mod_result = {}
    for uname, u in units.items():
        r = results[uname]
        err = (r["stderr"] or r["stdout"]).strip()
        where = None
        mm = _ERRLINE.search(err)
        if mm and not r["ok"] and int(mm.group(1)) <= len(u["lines"]):
            where = u["lines"][int(mm.group(1)) - 1]
        members = []
        for m, _ in u["lines"]:
            if m is not None and m not in members:
                members.append(m)
        failed_seen = False
        for m in members:
            if r["ok"]:
                mod_result[m] = (True, "", None)
            elif where is not None and where[0] == m:
                mod_result[m] = (False, err, where[1])
                failed_seen = True
            elif failed_seen or where is None:
                mod_result[m] = (False, f"not checked: compilation of {uname} stopped "
                                 f"earlier: {' '.join(err.split())[:200]}", 0)
            else:
                mod_result[m] = (True, "", None)
    modules_info = {m: {"ok": ok, "seconds": results.get(m, {}).get("seconds", None),
                        "error": " ".join(err.split())[:600]} for m, (ok, err, _) in mod_result.items()}

    theorems = {}
    for m, _, ids, _ in ex.modules:
        ok, err, line = mod_result[m]
        failed_at = None
        if not ok and line:
            for tid in ids:
                _, first, last = ex.theorem_lines[tid]
                if first <= line <= last:
                    failed_at = tid
        seen_fail = False
        for tid in ids:
            if ok:
                theorems[tid] = {"status": "PROVED", "module": m, "note": ""}
            elif tid == failed_at:
                theorems[tid] = {"status": "ERROR", "module": m,
                                 "note": "coqc: " + " ".join(err.split())[:400]}
                seen_fail = True
            elif failed_at is not None and not seen_fail:
                theorems[tid] = {"status": "PROVED", "module": m,
                                 "note": f"checked before the error in {m}"}
            else:
                theorems[tid] = {"status": "ERROR", "module": m, "note": (
                    f"not checked: {m} stopped at theorem {failed_at}" if failed_at is not None
                    else "not checked: " + " ".join(err.split())[:300])}

    libs = _library_modules(coqc)
    project_modules = {m for m, *_ in ex.modules} | set(units)
    axioms = []
    for u in units:
        for name in parse_assumptions(results[u]["stdout"]):
            if name not in axioms:
                axioms.append(name)
    classified = {a: classify_axiom(a, libs, project_modules) for a in axioms}
    decls = scan_declarations(ex)
    audit_ok = mod_result.get(AUDIT_MODULE, (False,))[0]
    rep = {
        "available": True,
        "coqc": coq_version(coqc),
        "export_digest": digest,
        "mode": mode,
        "jobs": jobs,
        "seconds": round(wall, 3),
        "units": {u: {"ok": r["ok"], "seconds": r["seconds"]} for u, r in sorted(results.items())},
        "modules": dict(sorted(modules_info.items())),
        "theorems": {str(k): v for k, v in sorted(theorems.items())},
        "proved": sum(v["status"] == "PROVED" for v in theorems.values()),
        "errors": sum(v["status"] != "PROVED" for v in theorems.values()),
        "audit": {"ok": bool(audit_ok), "method": "Print Assumptions of a tuple of all "
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
    return row["status"], row["note"] or f"last coqc run (coqc {rep.get('coqc', '?')})"
