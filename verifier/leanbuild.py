"""Build the Lean export where a toolchain exists, and audit its axioms.

``lake`` is looked up on PATH; without it nothing is compiled and the status
of every theorem stays ``emitted`` (never ``compiled``).  With it:
``lake exe cache get`` (Mathlib's prebuilt .olean files), ``lake build``, then
``lake env lean AxiomAudit.lean``, whose ``#print axioms`` output is parsed by
``audit_axioms``: the only axioms allowed are Lean's standard three
(``propext``, ``Classical.choice``, ``Quot.sound``); ``sorryAx``,
``Lean.ofReduceBool``, ``Lean.trustCompiler`` and any other axiom (a project
axiom) fail the audit, and so does a theorem missing from the output.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

from verifier.registry import ROOT

LEAN_DIR = ROOT / "lean"
REPORT = ROOT / "build" / "lean_report.json"
STANDARD = ("propext", "Classical.choice", "Quot.sound")
FORBIDDEN = ("sorryAx", "Lean.ofReduceBool", "Lean.trustCompiler")
INSTALL = ("Lean build: skipped (no toolchain). To build: install elan "
           "(curl https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh -sSf | sh), "
           "then `make lean` (runs `lake exe cache get && lake build` in lean/ and the axiom audit).")

_DEPENDS = re.compile(r"^'([^']+)' depends on axioms: \[(.*?)\]\s*$")
_NONE = re.compile(r"^'([^']+)' does not depend on any axioms\s*$")


def parse_axioms(text):
    """{declaration: [axioms]} from ``#print axioms`` output (one or more lines each)."""
    out, cur = {}, None
    for line in text.replace("\r", "").split("\n"):
        m = _NONE.match(line)
        if m:
            out[m.group(1)] = []
            cur = None
            continue
        m = re.match(r"^'([^']+)' depends on axioms: \[(.*)$", line)
        if m:
            name, rest = m.group(1), m.group(2)
            out[name] = []
            cur = name
            line = rest
        if cur is not None:
            done = "]" in line
            body = line.split("]")[0]
            out[cur] += [a.strip() for a in body.split(",") if a.strip()]
            if done:
                cur = None
    return out


def audit_axioms(text, expected):
    """(ok, problems, axioms_by_decl) for ``#print axioms`` output.

    ``expected``: fully qualified theorem names that must all appear."""
    found = parse_axioms(text)
    problems = []
    for name in expected:
        if name not in found:
            problems.append(f"{name}: missing from the #print axioms output")
    for name, axs in sorted(found.items()):
        for a in axs:
            if a in FORBIDDEN:
                problems.append(f"{name}: depends on {a} (forbidden)")
            elif a not in STANDARD:
                problems.append(f"{name}: depends on non-standard axiom {a} (a project axiom?)")
    return not problems, problems, found


def find_lake():
    return shutil.which("lake")


def build(expected, lean_dir=LEAN_DIR, report_path=REPORT, digest=""):
    """Run the build and the audit; returns the report (also written to ``report_path``)."""
    lake = find_lake()
    if lake is None:
        return {"available": False, "reason": INSTALL}
    t0 = time.perf_counter()
    steps = []
    for cmd in ([lake, "exe", "cache", "get"], [lake, "build"], [lake, "env", "lean", "AxiomAudit.lean"]):
        p = subprocess.run(cmd, cwd=lean_dir, capture_output=True, text=True)
        steps.append({"cmd": " ".join(cmd[1:]), "rc": p.returncode, "stdout": p.stdout[-4000:],
                      "stderr": p.stderr[-4000:]})
        if p.returncode != 0:
            break
    built = all(s["rc"] == 0 for s in steps) and len(steps) == 3
    ok, problems, found = (audit_axioms(steps[-1]["stdout"], expected) if built
                           else (False, ["build failed: " + steps[-1]["cmd"]], {}))
    rep = {"available": True, "built": built, "audit_ok": ok, "problems": problems,
           "axioms": sorted({a for v in found.values() for a in v}), "export_digest": digest,
           "seconds": round(time.perf_counter() - t0, 1), "steps": steps}
    Path(report_path).parent.mkdir(parents=True, exist_ok=True)
    Path(report_path).write_text(json.dumps(rep, indent=2) + "\n", encoding="utf-8")
    return rep


def load_report(report_path=REPORT):
    try:
        return json.loads(Path(report_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def theorem_status(rep, digest, fresh):
    """(status, note): compiled / emitted / skipped for a theorem of the Lean export."""
    if not fresh:
        return "skipped", "lean/ is stale (run: roughatlas export lean)"
    if rep and rep.get("available") and rep.get("export_digest") == digest:
        if rep.get("built") and rep.get("audit_ok"):
            return "compiled", "lake build and the axiom audit passed"
        return "emitted", "lake build or the axiom audit failed: " + "; ".join(rep.get("problems", []))[:300]
    return "emitted", "not compiled: no Lean toolchain run recorded for this export"
