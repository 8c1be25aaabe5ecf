"""Gather everything the theorem index shows, once, as plain dicts.

Sources (each verdict on the site comes from one of them):

- the registry (``theorem_index.yaml``): statements, printed text, errata, uses, witness specs;
- ``roughatlas verify --json`` and ``roughatlas claims --json``, run in-process through the
  CLI, so the site shows exactly what the command line prints;
- ``build/coq_report.json`` (``roughatlas coq-build``), ``build/lean_report.json``
  (``roughatlas lean-build``), ``build/witness.json`` and ``build/witness/*.png``
  (``roughatlas witness --all``), read from the results folder.

A missing result is recorded as ``"not run yet"`` with the command that produces it.  The
only coupling to the verifier's JSON is by field name; fields added later (``evidence``,
a ``vacuity`` object, a claim's ``reading``) are used when present.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import io
import json
import subprocess
from pathlib import Path

from verifier import coqbuild, export, leanbuild
from verifier.expr import show, show_prop
from verifier.index import latex, style
from verifier.registry import DEFAULT_PATH, ROOT, load

NOT_RUN = "not run yet"
COMMANDS = {
    "coq": "roughatlas coq-build",
    "lean": "roughatlas lean-build (needs a Lean toolchain: elan + lake)",
    "witness": "roughatlas witness --all (or: make witness)",
}


class GatherError(RuntimeError):
    """A source the site needs could not be read; the message names it."""


# -- sources -------------------------------------------------------------------------

def _run_cli(argv):
    """Run ``roughatlas ARGV`` in this process; return its JSON stdout."""
    from verifier import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    try:
        return json.loads(out.getvalue())
    except ValueError:
        msg = err.getvalue().strip() or out.getvalue().strip()[:500]
        raise GatherError(f"`roughatlas {' '.join(argv)}` gave no JSON (exit {code}): {msg}") from None


def _json_file(path):
    """(document, None) or (None, why) for a result file."""
    path = Path(path)
    if not path.is_file():
        return None, "missing"
    try:
        return json.loads(path.read_text(encoding="utf-8")), None
    except (OSError, ValueError) as exc:
        return None, f"unreadable ({exc})"


def _git(*args):
    try:
        r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def build_info(now=None):
    now = now or _dt.datetime.now(_dt.timezone.utc)
    commit = _git("rev-parse", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no")) if commit else False
    return {"built": now.strftime("%Y-%m-%d %H:%M UTC"),
            "commit": commit[:12] if commit else "unknown (not a git checkout)",
            "dirty": dirty}


# -- small helpers ----------------------------------------------------------------------

def _ref_kind(reg, ref):
    if isinstance(ref, int) and not isinstance(ref, bool):
        return "theorem"
    return "fact" if ref in reg.facts else "hypothesis"


def node_key(kind, ident):
    return {"theorem": "t", "fact": "f", "hypothesis": "h"}[kind] + f":{ident}"


def url(kind, ident):
    """Site-root-relative URL of a theorem, fact, hypothesis or part page."""
    if kind == "theorem":
        return f"theorems/{ident}.html"
    if kind == "fact":
        return f"facts/{ident}.html"
    if kind == "part":
        return f"parts/{str(ident).replace('.', '_')}.html"
    return f"hypotheses.html#{ident}"


def _link(reg, ref):
    kind = _ref_kind(reg, ref)
    by_id = reg.by_id()
    label = f"{ref} {by_id[ref].name}" if kind == "theorem" else str(ref)
    return {"kind": kind, "id": ref, "label": label, "url": url(kind, ref)}


def _model_text(model):
    return ", ".join(f"{k} = {v}" for k, v in (model or {}).items())


def _source_snippet(ex, tid):
    """The lines of one theorem in an export: its doc comment, statement and proof."""
    where = ex.theorem_lines.get(tid)
    if where is None:
        return None
    rel, first, last = where
    lines = ex.files[rel].split("\n")
    start = first - 1
    while start > 0 and lines[start - 1].strip():    # the doc comment right above
        start -= 1
    text = "\n".join(lines[start:last])
    for end in ("\n\n/--", "\n\n(**", "\n\nend "):   # stop before the next theorem
        if end in text:
            text = text[:text.index(end)]
    return {"file": f"{ex.root.name}/{rel}", "first": start + 1, "text": text.rstrip()}


# -- the witness report -------------------------------------------------------------------

def _witness_stale(reg, kind, key, res):
    """Why a stored witness result no longer matches the registry entry, or ''."""
    from verifier import witness as W

    try:
        k, ident, variables, goal, w = W.subject(reg, key)
        spec = W.parse_entry(k, ident, variables, goal, w)
    except (KeyError, W.WitnessError) as exc:
        return f"the registry entry is not valid now ({exc})"
    now = {"claim": show_prop(spec.claim), "kernel": spec.kernel,
           "tolerance": {"abs": spec.abs_tol, "k_se": spec.k_se}}
    diffs = [f for f in ("claim", "kernel") if res.get(f) != now[f]]
    tol = res.get("tolerance") or {}
    if any(float(tol.get(x, -1)) != float(now["tolerance"][x]) for x in ("abs", "k_se")):
        diffs.append("tolerance")
    return ("the registry's " + ", ".join(diffs) + " changed since this run") if diffs else ""


def _witness_entry(reg, kind, key, res, plots):
    if res is None:
        return {"status": NOT_RUN, "class": "NOT_RUN", "command": f"roughatlas witness {key}",
                "reason": f"no result in build/witness.json (run: roughatlas witness {key}, or all: "
                          f"{COMMANDS['witness']})",
                "stale": "", "quick": False, "claim": "", "kernel": "", "tolerance": {}, "justification": "",
                "test": "", "findings": [], "error": "", "points": [], "plots": []}
    stale = _witness_stale(reg, kind, key, res)
    points = []
    for row in res.get("points", []):
        params = {k: v for k, v in row.get("params", {}).items() if not isinstance(v, list)}
        meas = [{"name": n, "value": d.get("value"), "se": d.get("se"), "observable": d.get("observable"),
                 "output": d.get("output"), "reads": d.get("reads")}
                for n, d in row.get("measured", {}).items()]
        points.append({"params": params, "measured": meas, "ok": row.get("ok"),
                       "relations": row.get("relations", [])})
    status = res.get("status", "ERROR")
    if status == "PASS":
        reason = (f"every relation of the claim holds within tolerance at all {len(points)} "
                  f"parameter point(s)")
    elif status == "PASS_WITH_FINDING":
        reason = ("the claim holds within tolerance at every point, but the measurement reports "
                  "a finding (below) that the reader should weigh")
    elif status == "UNDECIDED":
        reason = ("the claim fails under the entry's reading but holds under another fair reading "
                  "(units or normalisation); see the readings below")
    elif status == "FINDING":
        n = len(res.get("findings", []))
        reason = (f"the measurement does not support a cited fact ({n} finding{'s' if n != 1 else ''} "
                  "below); what is proved from it stays proved, the premise is what is in question")
    elif res.get("error"):
        reason = res["error"]
    else:
        bad = sum(1 for p in points if not p["ok"])
        reason = f"{bad} of {len(points)} point(s) violate the claim and no finding explains it"
    return {"status": status, "class": style.witness_class(status, bool(stale)), "stale": stale,
            "quick": bool(res.get("quick")), "claim": res.get("claim", ""), "kernel": res.get("kernel", ""),
            "tolerance": res.get("tolerance", {}), "justification": res.get("justification", ""),
            "test": res.get("test", ""), "findings": list(res.get("findings", [])),
            "error": res.get("error", ""), "points": points, "reason": reason,
            "plots": plots.get(f"theorem_{key}" if kind == "theorem" else str(key), []),
            "command": f"roughatlas witness {key}"}


# -- the whole site -------------------------------------------------------------------------

def _vacuity(row):
    v = row.get("vacuity")
    if isinstance(v, dict):                      # {"status": NON_VACUOUS|VACUOUS|UNKNOWN, "model": {...}}
        return {"status": v.get("status", "UNKNOWN"), "model": v.get("model") or {}}
    status = {"PROVED": "NON_VACUOUS", "REFUTED": "VACUOUS"}.get(v, "UNKNOWN" if v else NOT_RUN)
    return {"status": status, "model": row.get("vacuity_model") or {}}


def _evidence(row):
    """The verifier's evidence record, when it gives one: {status, facts_with_findings, witness}."""
    ev = row.get("evidence")
    if not isinstance(ev, dict):
        return None
    return {"status": str(ev.get("status") or NOT_RUN),
            "facts_with_findings": [str(x) for x in ev.get("facts_with_findings") or []],
            "witness": str(ev.get("witness") or "")}


def _claim(c):
    out = {"id": "?", "section": "", "printed": "", "value": "", "expr": "", "enclosure": [None, None],
           "true_value": "", "verdict": "undecided", "marked": "", "agrees": True, "note": "", "error": "",
           "reading": None}
    out.update({k: v for k, v in c.items() if v is not None or k == "reading"})
    return out


def gather(registry=DEFAULT_PATH, results=None, now=None):
    """Everything the site shows, as plain dicts (see the module docstring)."""
    registry = Path(registry)
    results = Path(results) if results is not None else ROOT / "build"
    reg = load(registry)
    # the verifier's evidence must come from the same witness report the site shows
    vjson = _run_cli(["--registry", str(registry), "verify", "--json", "--results", str(results)])
    cjson = _run_cli(["--registry", str(registry), "claims", "--json"])
    rows = {r["id"]: r for r in vjson["theorems"]}
    by_id = reg.by_id()

    # result files
    coq_rep, coq_why = _json_file(results / "coq_report.json")
    lean_rep, _ = _json_file(results / "lean_report.json")
    wit_doc, wit_why = _json_file(results / "witness.json")
    wit = {str(r["id"]): r for r in (wit_doc or {}).get("results", [])}
    plot_dir = results / "witness"
    plots = {}
    if plot_dir.is_dir():
        for p in sorted(plot_dir.glob("*__*.png")):     # <entry stem>__<relation or observable output>
            stem, _, what = p.stem.partition("__")
            plots.setdefault(stem, []).append({"file": str(p), "url": f"plots/{p.name}", "what": what})

    # exports: per-theorem source and status
    cx, lx = export.export_coq(reg), export.export_lean(reg)
    cdig, ldig = coqbuild.export_digest(cx), coqbuild.export_digest(lx)
    lean_fresh = not export.stale(lx)
    coq_fresh = not export.stale(cx)
    if coq_rep is not None and coq_rep.get("available") and coq_rep.get("export_digest") != cdig:
        coq_source = {"status": "stale", "note": "build/coq_report.json is from an older export "
                      f"(digest {coq_rep.get('export_digest')} ≠ current {cdig})", "command": COMMANDS["coq"]}
    elif coq_rep is None:
        coq_source = {"status": NOT_RUN, "note": f"build/coq_report.json {coq_why}", "command": COMMANDS["coq"]}
    elif not coq_rep.get("available"):
        coq_source = {"status": "skipped", "note": coq_rep.get("reason", "coqc not available"),
                      "command": COMMANDS["coq"]}
    else:
        coq_source = {"status": "ok", "note": f"coqc {coq_rep.get('coqc')}, {coq_rep.get('seconds')} s, "
                      f"PROVED {coq_rep.get('proved')}, ERROR {coq_rep.get('errors')}", "command": COMMANDS["coq"]}

    # theorems
    theorems = {}
    users = {}                                     # node key -> [theorem ids that use it directly]
    for t in reg.theorems:
        for u in t.uses:
            users.setdefault(node_key(_ref_kind(reg, u), u), []).append(t.id)
    dup_groups = vjson.get("duplicates", [])
    for t in reg.theorems:
        r = rows.get(t.id, {})
        s = t.statement
        srcs = {lab: (ref, kind) for lab, ref, kind in s.assumptions}
        premises = []
        for label, rel in s.premises:
            ref, kind = srcs.get(label.split(".")[0], ("?", "?"))
            desc = reg.hypotheses[ref].text if kind == "hypothesis" else (
                reg.facts[ref].text if kind == "fact" else "")
            premises.append({"label": label, "tex": latex.relation(rel), "text": show(rel, style="math"),
                             "ref": ref, "kind": kind, "desc": desc, "url": url(kind, ref)})
        cs, cn = coqbuild.theorem_status(t.id, coq_rep, cdig)
        if coq_rep is None:
            cs, cn = "not compiled", f"{NOT_RUN}: {COMMANDS['coq']}"
        ls, ln = leanbuild.theorem_status(lean_rep, ldig, lean_fresh)
        printed = r.get("printed")
        w = _witness_entry(reg, "theorem", t.id, wit.get(str(t.id)) if wit_doc else None, plots)
        if wit_doc is None:
            w["reason"] = f"build/witness.json {wit_why}: {NOT_RUN} (run: {COMMANDS['witness']})"
        ev = _evidence(r)
        kernel = r.get("kernel", NOT_RUN)
        theorems[t.id] = {
            "id": t.id, "name": t.name, "lean_name": t.lean_name, "part": t.part, "method": t.method,
            "status_printed": t.status_printed, "erratum": t.erratum, "note": t.note,
            "printed": t.printed, "vars": list(s.vars), "premises": premises,
            "goal_tex": latex.prop(s.goal), "goal_text": show_prop(s.goal, style="math"),
            "statement_text": s.show(),
            "printed_formal": ({"reading": printed["reading"], "z3": printed["z3"],
                                "counterexample": _model_text(printed.get("counterexample")),
                                "note": printed.get("note", ""), "consistent": printed.get("consistent")}
                               if printed else None),
            "uses": [_link(reg, u) for u in t.uses],
            "used_by": [_link(reg, i) for i in users.get(node_key("theorem", t.id), [])],
            "kernel": {"status": kernel, "note": r.get("kernel_note", "")},
            "z3": {"status": r.get("z3", NOT_RUN), "note": r.get("z3_note", "")},
            "sympy": {"status": r.get("sympy", NOT_RUN), "note": r.get("sympy_note", "")},
            "vacuity": _vacuity(r),
            "coq": {"status": cs, "note": cn, "source": _source_snippet(cx, t.id), "fresh": coq_fresh},
            "lean": {"status": ls, "note": ln, "source": _source_snippet(lx, t.id), "fresh": lean_fresh},
            "evidence": ev,
            "witness": w,
            "duplicates": [i for g in dup_groups if t.id in g for i in g if i != t.id],
        }
        rec = theorems[t.id]
        rec["proof_class"] = style.proof_class(kernel, cs, ls)
        rec["witness_class"] = w["class"]
    _certificates(reg, theorems)

    # ancestors / descendants over `uses`
    def ancestors(tid, seen=None):
        seen = set() if seen is None else seen
        for u in by_id[tid].uses:
            k = node_key(_ref_kind(reg, u), u)
            if k not in seen:
                seen.add(k)
                if _ref_kind(reg, u) == "theorem":
                    ancestors(u, seen)
        return seen
    anc = {t.id: ancestors(t.id) for t in reg.theorems}
    for t in reg.theorems:
        rec = theorems[t.id]
        me = node_key("theorem", t.id)
        rec["ancestors"] = [_link(reg, _key_ref(k)) for k in _sorted_keys(anc[t.id])]
        rec["descendants"] = [_link(reg, i) for i in sorted(i for i in anc if me in anc[i])]

    # facts
    facts = {}
    for f in reg.facts.values():
        key = node_key("fact", f.id)
        w = _witness_entry(reg, "fact", f.id, wit.get(f.id) if wit_doc else None, plots)
        facts[f.id] = {
            "id": f.id, "text": f.text, "vars": list(f.vars), "tex": latex.prop(f.prop),
            "prop_text": show_prop(f.prop, style="math"),
            "reference": {"title": "", "note": "", **dict(f.reference)},
            "direct": [_link(reg, i) for i in sorted(users.get(key, []))],
            "all": [_link(reg, i) for i in sorted(i for i in anc if key in anc[i])],
            "witness": w,
        }
    hyps = {h.id: {"id": h.id, "text": h.text, "source": h.source, "vars": list(h.vars),
                   "tex": latex.prop(h.prop), "prop_text": show_prop(h.prop, style="math"),
                   "used_by": [_link(reg, i) for i in sorted(users.get(node_key("hypothesis", h.id), []))]}
            for h in reg.hypotheses.values()}

    # evidence: a theorem resting (transitively) on a fact with a finding
    finding_facts = {fid for fid, f in facts.items() if f["witness"]["status"] == "FINDING"}
    for t in reg.theorems:
        rec = theorems[t.id]
        if rec["evidence"] is None:             # a verifier without evidence records: derive it here
            rests = sorted(fid for fid in finding_facts if node_key("fact", fid) in anc[t.id])
            rec["evidence_source"] = "derived by the index from build/witness.json"
        else:                                   # verifier/evidence.py is the one source
            raw = rows.get(t.id, {}).get("evidence") or {}
            rests = sorted(raw.get("contradicted", rec["evidence"]["facts_with_findings"]))
            rec["evidence_source"] = "verify --json"
        rec["rests_on_findings"] = [_link(reg, fid) for fid in rests]

    # parts
    parts = []
    for p in reg.parts:
        ids = [t.id for t in reg.theorems if t.part == p["id"]]
        proof = {k: sum(theorems[i]["proof_class"] == k for i in ids) for k in style.PROOF}
        wcount = {k: sum(theorems[i]["witness_class"] == k for i in ids) for k in style.WITNESS}
        parts.append({"id": p["id"], "title": p["title"], "method": p.get("method", ""),
                      "url": url("part", p["id"]), "theorems": ids, "n": len(ids),
                      "proof": proof, "witness": wcount,
                      "errata": sum(theorems[i]["status_printed"] != "ok" for i in ids)})

    # claims
    claims = [_claim(c) for c in cjson.get("claims", [])]

    # findings: every FINDING witness result, and the theorems resting on it
    findings = []
    for fid in sorted(f for f, x in facts.items() if x["witness"]["status"] in ("FINDING", "UNDECIDED")):
        findings.append({"kind": "fact", "id": fid, "url": url("fact", fid), "texts": facts[fid]["witness"]["findings"],
                         "theorems": facts[fid]["all"], "status": facts[fid]["witness"]["status"]})
    for tid, rec in theorems.items():
        if rec["witness"]["status"] in ("FINDING", "UNDECIDED"):
            findings.append({"kind": "theorem", "id": tid, "url": url("theorem", tid),
                             "texts": rec["witness"]["findings"], "theorems": [],
                             "status": rec["witness"]["status"]})

    summary = vjson.get("summary", {})
    totals = _totals(theorems, facts, claims, summary, coq_source, lean_rep, wit_doc, wit_why)
    return {
        "meta": {**build_info(now), "registry": _rel(registry), "results": _rel(results),
                 "title": "roughatlas theorem index"},
        "sources": {"coq": coq_source, "witness": {"status": "ok" if wit_doc else NOT_RUN,
                                                    "note": f"build/witness.json {wit_why}" if wit_why else
                                                    f"{len(wit)} entries" + (" (quick sizes)" if any(
                                                        r.get("quick") for r in wit.values()) else ""),
                                                    "command": COMMANDS["witness"]},
                    "lean": {"status": "compiled" if lean_rep and lean_rep.get("built") else "emitted",
                             "command": COMMANDS["lean"]}},
        "coq_report": coq_rep, "summary": summary, "totals": totals,
        "theorems": theorems, "facts": facts, "hypotheses": hyps, "parts": parts,
        "claims": claims, "findings": findings, "duplicates": dup_groups,
        "errata": [tid for tid, r in theorems.items() if r["status_printed"] != "ok"],
        "plots": [p for ps in plots.values() for p in ps],
        "legend": style.legend(), "lean_note": style.LEAN_NOTE,
        "graph": _graph(reg, theorems, facts, hyps),
    }


def _rel(p):
    p = Path(p).resolve()
    return str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)


def _key_ref(k):
    kind, _, ident = k.partition(":")
    return int(ident) if kind == "t" else ident


def _sorted_keys(keys):
    order = {"t": 0, "f": 1, "h": 2}
    return sorted(keys, key=lambda k: (order[k[0]], int(k[2:]) if k[0] == "t" else 0, k))


def _certificates(reg, theorems):
    """Each theorem's certificate in readable form (or why there is none)."""
    from verifier import pipeline
    from verifier.cli import _cert_text

    try:
        certs = pipeline.load_certificates()
    except ValueError as exc:
        certs, err = {}, str(exc)
    else:
        err = ""
    for tid, rec in theorems.items():
        c = certs.get(tid)
        if c is None:
            rec["certificate"] = {"file": None, "steps": [], "goals": [],
                                  "missing": err or "no certificate in proofs/ (run: roughatlas certify)"}
            continue
        steps = []
        for st in c.get("steps", []):
            if "lemma" in st:
                arg = st.get("arg") or f"{st.get('base')}, {st.get('exp')}"
                steps.append({"have": f"lemma {st['lemma']}({arg})", "by": "cited lemma"})
            else:
                steps.append({"have": st.get("prop", ""), "by": _cert_text(st.get("proof", {}))})
        rec["certificate"] = {"file": str(pipeline.part_file(rec["part"]).relative_to(pipeline.ROOT)),
                              "steps": steps, "goals": [_cert_text(g) for g in c.get("goals", [])],
                              "missing": ""}


def _totals(theorems, facts, claims, summary, coq_source, lean_rep, wit_doc, wit_why):
    ts = list(theorems.values())
    n = len(ts)

    def cnt(f):
        return sum(1 for r in ts if f(r))
    wt = {}
    for r in ts:
        wt[r["witness"]["status"]] = wt.get(r["witness"]["status"], 0) + 1
    wf = {}
    for r in facts.values():
        wf[r["witness"]["status"]] = wf.get(r["witness"]["status"], 0) + 1
    coq = {}
    for r in ts:
        coq[r["coq"]["status"]] = coq.get(r["coq"]["status"], 0) + 1
    lean = {}
    for r in ts:
        lean[r["lean"]["status"]] = lean.get(r["lean"]["status"], 0) + 1
    return {
        "theorems": n, "facts": len(facts),
        "backends": [
            {"name": "kernel", "value": f"{cnt(lambda r: r['kernel']['status'] == 'PROVED')}/{n} proved",
             "status": "PROVED" if cnt(lambda r: r['kernel']['status'] == 'PROVED') == n else "ERROR",
             "note": "the trusted certificate kernel (proofs/)"},
            {"name": "Z3", "value": f"{cnt(lambda r: r['z3']['status'] == 'PROVED')}/{n} proved",
             "status": "PROVED" if cnt(lambda r: r['z3']['status'] == 'PROVED') == n else "ERROR",
             "note": "second opinion: hypotheses ∧ ¬goal unsatisfiable"},
            {"name": "SymPy", "value": f"{cnt(lambda r: r['sympy']['status'] == 'PROVED')}/"
                                       f"{summary.get('sympy_applicable', '?')} equalities checked",
             "status": "PROVED" if cnt(lambda r: r['sympy']['status'] not in ('PROVED', 'UNSUPPORTED')) == 0
             else "ERROR", "note": "second opinion on equalities (inequalities: not a SymPy check)"},
            {"name": "vacuity", "value": f"{cnt(lambda r: r['vacuity']['status'] == 'NON_VACUOUS')}/{n} non-vacuous",
             "status": ("VACUOUS" if cnt(lambda r: r['vacuity']['status'] == 'VACUOUS') else
                        "NON_VACUOUS" if cnt(lambda r: r['vacuity']['status'] == 'NON_VACUOUS') == n else "UNKNOWN"),
             "note": "a real model of each theorem's hypotheses, proposed by Z3 and certified with the true rpow"},
            {"name": "Coq", "value": ", ".join(f"{k} {v}" for k, v in sorted(coq.items())),
             "status": "PROVED" if coq.get("PROVED") == n else (coq_source["status"] if coq_source["status"] != "ok"
                                                                 else "ERROR"),
             "note": coq_source["note"] + ("" if coq_source["status"] == "ok" else f" (run: {coq_source['command']})")},
            {"name": "Lean", "value": ", ".join(f"{k} {v}" for k, v in sorted(lean.items())),
             "status": "compiled" if lean.get("compiled") == n else "emitted",
             "note": "emitted as Lean 4 + Mathlib source, not compiled here (no Lean toolchain)"
             if not lean.get("compiled") else "lake build and the axiom audit passed"},
        ],
        "errata": cnt(lambda r: r["status_printed"] != "ok"),
        "witness_theorems": wt, "witness_facts": wf,
        "witness_note": "" if wit_doc else f"build/witness.json {wit_why}: {NOT_RUN} (run: {COMMANDS['witness']})",
        "findings_theorems": cnt(lambda r: r["witness"]["status"] == "FINDING"),
        "findings_facts": sum(1 for f in facts.values() if f["witness"]["status"] == "FINDING"),
        "rests_on_findings": cnt(lambda r: r.get("rests_on_findings")),
        "claims": {v: sum(1 for c in claims if c.get("verdict") == v) for v in ("correct", "incorrect", "undecided")},
        "claims_total": len(claims),
    }


def _graph(reg, theorems, facts, hyps):
    """Nodes and edges of the dependency graph (laid out by render.graph_svg)."""
    nodes, edges = [], []
    for h in hyps.values():
        nodes.append({"key": node_key("hypothesis", h["id"]), "kind": "hypothesis", "label": h["id"],
                      "url": url("hypothesis", h["id"]), "tooltip": f"{h['id']}: {h['prop_text']} ({h['text']})"})
    for f in facts.values():
        nodes.append({"key": node_key("fact", f["id"]), "kind": "fact", "label": f["id"],
                      "url": url("fact", f["id"]), "witness_class": f["witness"]["class"],
                      "tooltip": f"{f['id']}: {f['prop_text']} — witness {f['witness']['status']}"})
    for t in theorems.values():
        err = t["status_printed"] != "ok"
        nodes.append({"key": node_key("theorem", t["id"]), "kind": "theorem",
                      "label": f"{t['id']} {t['name']}" + (f" {style.ERRATUM['mark']}" if err else ""),
                      "url": url("theorem", t["id"]), "proof_class": t["proof_class"],
                      "witness_class": t["witness_class"], "erratum": err, "part": t["part"],
                      "tooltip": f"{t['id']} {t['name']}: {t['goal_text']} — kernel {t['kernel']['status']}, "
                                 f"Coq {t['coq']['status']}, Lean {t['lean']['status']}, "
                                 f"witness {t['witness']['status']}"})
    for t in reg.theorems:
        for u in t.uses:
            edges.append((node_key(_ref_kind(reg, u), u), node_key("theorem", t.id)))
    return {"nodes": nodes, "edges": edges}


__all__ = ["gather", "GatherError", "NOT_RUN", "COMMANDS", "url"]
