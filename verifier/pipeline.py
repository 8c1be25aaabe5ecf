"""The verification pipeline: certificates in proofs/, kernel, second opinions.

``certify`` runs the untrusted search and writes ``proofs/part_*.json``;
``verify`` re-checks every stored certificate with the kernel and asks Z3 and
SymPy for their opinions, checks vacuity, and decides the printed statements
that the registry marks as false.  Each checker answers in one vocabulary:
PROVED, REFUTED, UNKNOWN, TIMEOUT, UNSUPPORTED, ERROR.
"""
from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

from verifier import budget, certschema, kernel, search, vacuity
from verifier.expr import show
from verifier.registry import ROOT, used_theorems
from verifier.sympy_backend import check_identity
from verifier.z3backend import ERROR, PROVED, REFUTED, UNKNOWN, UNSUPPORTED
from verifier import z3backend

PROOFS = ROOT / "proofs"
STATUSES = (PROVED, REFUTED, UNKNOWN, "TIMEOUT", UNSUPPORTED, ERROR)
STEP_SECONDS = 20          # wall-clock budget of one kernel, Z3, SymPy or vacuity step
SEARCH_SECONDS = 60        # of one theorem's certificate search


def part_file(part, proofs_dir=PROOFS):
    major, _, minor = str(part).partition(".")
    name = f"part_{int(major):02d}" + (f"_{minor}" if minor else "")
    return Path(proofs_dir) / f"{name}.json"


def load_certificates(proofs_dir=PROOFS):
    """{theorem id: certificate}; raises ValueError naming a broken file."""
    certs = {}
    for path in sorted(Path(proofs_dir).glob("part_*.json")):
        try:
            if path.stat().st_size > certschema.MAX_FILE_BYTES:
                raise certschema.CertificateSchemaError(
                    f"{path.name}: {path.stat().st_size} bytes (at most {certschema.MAX_FILE_BYTES})")
            entries = certschema.parse_file(path.read_bytes(), path.name)
        except OSError as exc:
            raise ValueError(f"{path.name}: cannot read ({exc.strerror})") from None
        for c in entries:
            if c["id"] in certs:
                raise ValueError(f"{path.name}: a second certificate for theorem {c['id']}")
            certs[c["id"]] = c
    return certs


def lemma_facts(t, by_id, proved):
    """Goals of earlier proved theorems that ``t`` uses and whose premises it has."""
    out = {}
    try:
        mine, _ = kernel.theorem_facts(t.statement.premises, ())
    except kernel.KernelError:
        return out                     # the kernel check itself reports the problem
    for u in used_theorems(t):
        if u not in proved or u not in by_id:
            continue
        s = by_id[u].statement
        try:
            prem, goals = kernel.theorem_facts(s.premises, s.goal)
        except kernel.KernelError:
            continue
        if not set(s.vars) <= set(t.statement.vars) or not kernel.premises_included(prem, mine):
            continue
        if len(goals) == 1:
            out[f"t:{u}"] = goals[0]
        else:
            out.update({f"t:{u}.{k + 1}": g for k, g in enumerate(goals)})
    return out


def kernel_check(t, cert, lemmas):
    """(status, message) of the trusted kernel on one stored certificate."""
    if cert is None:
        return UNKNOWN, "no certificate in proofs/ (run: roughatlas certify)"
    if cert.get("digest") != t.statement.digest():
        return ERROR, "stale certificate: the statement changed (run: roughatlas certify)"
    s = t.statement
    try:
        certschema.validate(cert, f"certificate for theorem {t.id}")
        with budget.limit(STEP_SECONDS, "kernel check"):
            kernel.check(s.vars, s.premises, s.goal, cert, lemmas)
    except certschema.CertificateSchemaError as exc:
        return ERROR, f"malformed certificate: {exc}"
    except kernel.KernelError as exc:
        return ERROR, f"kernel rejects the certificate: {exc}"
    except budget.StepTimeout as exc:
        return "TIMEOUT", str(exc)
    return PROVED, ""


def certify(reg, proofs_dir=PROOFS, progress=None):
    """Search certificates for all theorems, check each, write one file per part."""
    by_id, proved, out, failures = reg.by_id(), set(), {}, []
    for t in reg.theorems:
        s = t.statement
        lemmas = lemma_facts(t, by_id, proved)
        try:
            with budget.limit(SEARCH_SECONDS, "certificate search"):
                cert, msg = search.certify(s.vars, s.premises, s.goal, lemmas)
        except (kernel.KernelError, budget.StepTimeout) as exc:
            cert, msg = None, f"search failed: {exc}"
        if cert is not None:
            cert = {"id": t.id, "name": t.name, "digest": s.digest(), **cert}
            status, why = kernel_check(t, cert, lemmas)
            if status == PROVED:
                proved.add(t.id)
                out.setdefault(t.part, []).append(cert)
            else:
                failures.append((t.id, f"search produced a certificate the kernel rejects: {why}"))
        else:
            failures.append((t.id, msg))
        if progress:
            progress(t)
    Path(proofs_dir).mkdir(exist_ok=True)
    for old in Path(proofs_dir).glob("part_*.json"):
        old.unlink()
    for part, certs in out.items():
        doc = {"part": part, "generated_by": "roughatlas certify (untrusted search; "
                                              "re-checked by the kernel on every verify)",
               "certificates": certs}
        part_file(part, proofs_dir).write_text(_dump(doc) + "\n", encoding="utf-8")
    return len(proved), failures


def _dump(doc):
    """JSON with one step or goal certificate per line (diff-friendly, readable)."""
    def one(x):
        return json.dumps(x, ensure_ascii=False)

    lines = ["{", f'  "part": {one(doc["part"])},', f'  "generated_by": {one(doc["generated_by"])},',
             '  "certificates": [']
    for i, c in enumerate(doc["certificates"]):
        lines.append(f'    {{"id": {c["id"]}, "name": {one(c["name"])}, "digest": {one(c["digest"])},')
        for key in ("steps", "goals"):
            items = c[key]
            if not items:
                lines.append(f'     "{key}": []' + ("," if key == "steps" else ""))
                continue
            lines.append(f'     "{key}": [')
            lines += [f"       {one(x)}" + ("," if k < len(items) - 1 else "") for k, x in enumerate(items)]
            lines.append("     ]" + ("," if key == "steps" else ""))
        lines[-1] += "}" + ("," if i < len(doc["certificates"]) - 1 else "")
    lines += ["  ]", "}"]
    return "\n".join(lines)


def verify(reg, only=None, proofs_dir=PROOFS, opinions=True, progress=None):
    """Check everything; returns (rows, summary)."""
    t0 = time.perf_counter()
    certs = load_certificates(proofs_dir)
    by_id, proved, rows = reg.by_id(), set(), []
    wanted = None if only is None else {str(x) for x in only}
    for t in reg.theorems:
        s = t.statement
        lemmas = lemma_facts(t, by_id, proved)
        kstatus, kmsg = kernel_check(t, certs.get(t.id), lemmas)
        if kstatus == PROVED:
            proved.add(t.id)
        if wanted is not None and str(t.id) not in wanted and t.name not in wanted:
            continue
        row = {"id": t.id, "name": t.name, "lean_name": t.lean_name, "part": t.part,
               "status_printed": t.status_printed, "kernel": kstatus, "kernel_note": kmsg}
        row["vacuity"] = _step(lambda: vacuity.decide(s.vars, s.premises), "vacuity check",
                               lambda why: {"status": vacuity.UNKNOWN, "model": None, "note": why})
        if opinions:
            z, cex, znote = _step(lambda: z3backend.prove(s.vars, s.premises, s.goal),
                                  "Z3", lambda why: ("TIMEOUT", None, why))
            row.update(z3=z, z3_note=znote)
            if cex:
                row["z3_counterexample"] = cex
            row["sympy"], row["sympy_note"] = _step(lambda: check_identity(s.premises, s.goal),
                                                    "SymPy", lambda why: ("TIMEOUT", why))
            row["printed"] = _step(lambda: printed_check(t), "Z3 (printed reading)",
                                   lambda why: {"reading": t.printed_formal.show(), "z3": "TIMEOUT",
                                                "counterexample": None, "note": why,
                                                "consistent": False})
        rows.append(row)
        if progress:
            progress(t)
    summary = summarize(reg, rows, time.perf_counter() - t0, opinions)
    return rows, summary


def printed_check(t):
    """Z3's verdict on the literal reading of the printed statement, if there is one."""
    pf = t.printed_formal
    if pf is None:
        return None
    z, cex, note = z3backend.prove(pf.vars, pf.premises, pf.goal)
    expected_false = t.status_printed in ("false_as_printed", "needs_side_condition") or \
        t.status_printed == "garbled"
    ok = (z == REFUTED) if expected_false else (z == PROVED)
    return {"reading": pf.show(), "z3": z, "counterexample": cex, "note": note, "consistent": ok}


def _step(fn, what, on_timeout):
    """Run one checker step under the wall-clock budget (building the query included)."""
    try:
        with budget.limit(STEP_SECONDS, what):
            return fn()
    except budget.StepTimeout as exc:
        return on_timeout(str(exc))


def non_vacuous(row):
    return row.get("vacuity", {}).get("status") == vacuity.NON_VACUOUS


def counted(row, key):
    """A checker's PROVED counts only for a theorem whose hypotheses have a certified model."""
    return row.get(key) == PROVED and non_vacuous(row)


def row_ok(row):
    if row["kernel"] != PROVED or not non_vacuous(row):
        return False
    if "z3" in row:
        if row["z3"] != PROVED:
            return False
        if row["sympy"] not in (PROVED, UNSUPPORTED):
            return False
        if row["printed"] is not None and not row["printed"]["consistent"]:
            return False
    return True


def summarize(reg, rows, seconds, opinions=True):
    def count(key):
        return sum(1 for r in rows if counted(r, key))

    errata = sum(1 for t in reg.theorems if t.status_printed != "ok"
                 and any(r["id"] == t.id for r in rows))
    parts = []
    for p in reg.parts:
        pr = [r for r in rows if r["part"] == p["id"]]
        if not pr:
            continue
        parts.append({"part": p["id"], "title": p["title"], "theorems": len(pr),
                      "kernel_proved": sum(counted(r, "kernel") for r in pr),
                      "z3_proved": sum(counted(r, "z3") for r in pr),
                      "sympy_checked": sum(counted(r, "sympy") for r in pr),
                      "non_vacuous": sum(non_vacuous(r) for r in pr),
                      "errata": sum(r["status_printed"] != "ok" for r in pr)})
    return {
        "theorems": len(rows),
        "kernel_proved": count("kernel"),
        "z3_proved": count("z3") if opinions else None,
        "sympy_checked": count("sympy") if opinions else None,
        "sympy_applicable": sum(1 for r in rows if r.get("sympy") not in (None, UNSUPPORTED)),
        "non_vacuous": sum(non_vacuous(r) for r in rows),
        "vacuous": sum(r["vacuity"]["status"] == vacuity.VACUOUS for r in rows),
        "vacuity_unknown": sum(r["vacuity"]["status"] == vacuity.UNKNOWN for r in rows),
        "kernel_accepted": sum(r["kernel"] == PROVED for r in rows),
        "errata": errata,
        "printed_refuted": sum(1 for r in rows if r.get("printed") and r["printed"]["z3"] == REFUTED),
        "hypotheses": len(reg.hypotheses),
        "facts": len(reg.facts),
        "project_axioms": 0,
        "all_ok": all(row_ok(r) for r in rows),
        "seconds": round(seconds, 3),
        "parts": parts,
    }


# -- duplicates ----------------------------------------------------------------

def _rename(e, m):
    from verifier.expr import substitute
    return substitute(e, {k: ("var", v) for k, v in m.items()})


def _stmt_key(s, perm):
    m = dict(zip(perm, [f"v{i}" for i in range(len(perm))]))
    prem = sorted((show(_rename(r, m)) for _, r in s.premises))
    goal = []
    for r in s.goal:
        r2 = _rename(r, m)
        if r2[1] == "=":
            goal.append("=".join(sorted((show(r2[2]), show(r2[3])))))
        else:
            goal.append(show(r2))
    return (tuple(prem), tuple(goal))


def canonical_key(t):
    s = t.statement
    refs = tuple(sorted(ref for _, ref, _ in s.assumptions))
    if len(s.vars) > 6:
        return refs, _stmt_key(s, s.vars)
    return refs, min(_stmt_key(s, p) for p in itertools.permutations(s.vars))


def duplicate_groups(reg):
    """Groups (sorted id lists, size ≥ 2) of theorems that state the same thing:
    the same cited facts and hypotheses, and the same relations as written up to a
    renaming of variables (and the order of the two sides of an equality)."""
    groups = {}
    for t in reg.theorems:
        groups.setdefault(canonical_key(t), []).append(t.id)
    return sorted(sorted(g) for g in groups.values() if len(g) > 1)
