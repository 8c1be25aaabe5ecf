"""Plain-dict views of registry entries, and search: the data behind the CLI's ``--json``.

Every function returns JSON-ready dicts (strings, numbers, lists); the CLI prints them as
JSON or formats them as text.  Nothing here decides a verdict: rows come from
``verifier.pipeline``, claim decisions from ``verifier.claims``, witness results from the
last ``witness`` report.
"""
from __future__ import annotations

import dataclasses
from fractions import Fraction

from verifier import pipeline
from verifier.expr import show, show_prop

KINDS = ("theorem", "fact", "hypothesis", "claim")


def jsonable(x):
    """Fractions as strings, tuples as lists, dataclasses as dicts: something json can print."""
    if isinstance(x, Fraction):
        return str(x)
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {f.name: jsonable(getattr(x, f.name)) for f in dataclasses.fields(x)}
    if x is None or isinstance(x, (str, int, float, bool)):
        return x
    return str(x)


def lookup(reg, key):
    """(kind, entry) for a theorem (id, name or Lean name), fact, hypothesis or claim id."""
    key = str(key)
    if key in reg.facts:
        return "fact", reg.facts[key]
    if key in reg.hypotheses:
        return "hypothesis", reg.hypotheses[key]
    for c in reg.claims:
        if c.id == key:
            return "claim", c
    try:
        return "theorem", reg.theorem(key)
    except KeyError:
        raise KeyError(f"no theorem, fact, hypothesis or claim {key!r}") from None


def theorem_brief(t):
    return {"id": t.id, "name": t.name, "lean_name": t.lean_name, "part": t.part,
            "method": t.method, "status_printed": t.status_printed,
            "statement": t.statement.show(), "goal": show_prop(t.statement.goal, style="math")}


def assumed_by(reg, hid):
    return [t.id for t in reg.theorems if any(ref == hid for _, ref, _ in t.statement.assumptions)]


def cited_by(reg, fid):
    return [t.id for t in reg.theorems if fid in map(str, t.uses)]


def hypothesis_view(reg, h):
    return {"kind": "hypothesis", "id": h.id, "vars": list(h.vars),
            "statement": show_prop(h.prop, style="math"), "text": h.text, "source": h.source,
            "assumed_by": assumed_by(reg, h.id)}


def witness_results():
    """The last witness report, by id ({} when none has run)."""
    from verifier import witness

    return witness.load_report() or {}   # the project's build/, whatever the current folder


def last_witness(ident):
    return witness_results().get(str(ident))


def fact_view(reg, f):
    return {"kind": "fact", "id": f.id, "vars": list(f.vars),
            "statement": show_prop(f.prop, style="math"), "text": f.text,
            "reference": jsonable(f.reference), "cited_by": cited_by(reg, f.id),
            "witness": jsonable(f.witness), "last_witness": last_witness(f.id)}


def claim_view(reg, c):
    """The claim as registered and as decided now (every field of both records)."""
    from verifier import claims

    d = claims.decide(c)
    out = {"kind": "claim"}
    out.update({k: v for k, v in jsonable(c).items() if k not in ("expr", "value")})
    out["decision"] = {k: v for k, v in jsonable(d).items() if k != "claim"}
    return out


def theorem_view(reg, t, row, exports):
    """Everything ``show`` prints for a theorem; ``row`` is its ``pipeline.verify`` row."""
    cert = pipeline.load_certificates().get(t.id)
    dups = [g for g in pipeline.duplicate_groups(reg) if t.id in g]
    part = next(p for p in reg.parts if p["id"] == t.part)
    checkers = {k: row.get(k) for k in ("kernel", "kernel_note", "z3", "z3_note", "sympy",
                                        "sympy_note", "vacuity")}
    return {"kind": "theorem", **theorem_brief(t), "part_title": part["title"],
            "printed": t.printed, "erratum": t.erratum, "printed_check": jsonable(row.get("printed")),
            "vars": list(t.statement.vars),
            "premises": [{"label": lab, "relation": show(rel, style="math")}
                         for lab, rel in t.statement.premises],
            "uses": [str(u) for u in t.uses],
            "certificate": jsonable(cert), "checkers": jsonable(checkers),
            "exports": jsonable(exports), "ok": pipeline.row_ok(row),
            "duplicates": [x for x in dups[0] if x != t.id] if dups else [],
            "witness": jsonable(t.witness), "last_witness": last_witness(t.id)}


def errata_rows(reg):
    rows = []
    for t in reg.theorems:
        if t.status_printed == "ok":
            continue
        rows.append({"id": t.id, "name": t.name, "status_printed": t.status_printed,
                     "printed": t.printed, "formal": t.statement.show(), "erratum": t.erratum,
                     "printed_check": jsonable(pipeline.printed_check(t))})
    return rows


def duplicate_rows(reg):
    by_id = reg.by_id()
    return [{"theorems": [{"id": i, "name": by_id[i].name} for i in g],
             "statement": by_id[g[0]].statement.show()} for g in pipeline.duplicate_groups(reg)]


# -- search ----------------------------------------------------------------------------

def _strings(x):
    """Every string (and number) inside a nested witness entry or result, as text."""
    if isinstance(x, dict):
        return " ".join(f"{k} {_strings(v)}" for k, v in x.items())
    if isinstance(x, (list, tuple)):
        return " ".join(_strings(v) for v in x)
    return "" if x is None else str(x)


def _witness_text(ident, entry, results):
    last = results.get(str(ident)) or {}
    return _strings(entry) + " " + " ".join(map(str, last.get("findings") or []))


def search(reg, text):
    """Entries whose text contains ``text`` (case-insensitive): theorems, parts, facts,
    hypotheses and claims.  Each hit names the fields that matched."""
    needle = text.lower()
    results = witness_results()
    hits = []

    def hit(kind, ident, summary, fields):
        matched = [name for name, hay in fields if needle in hay.lower()]
        if matched:
            hits.append({"kind": kind, "id": ident, "summary": summary, "matched": matched})

    for p in reg.parts:
        rng = p["theorems"]
        hit("part", p["id"], p["title"] + (f" (theorems {rng[0]}–{rng[1]})" if rng else ""),
            [("title", p["title"])])
    for t in reg.theorems:
        s = t.statement
        hit("theorem", t.id, f"{t.name}  {s.show()}",
            [("name", f"{t.name} {t.lean_name}"), ("printed", t.printed), ("erratum", t.erratum),
             ("statement", f"{s.show()} {s.show(style='ascii')}"), ("note", t.note),
             ("witness", _witness_text(t.id, t.witness, results))])
    for f in reg.facts.values():
        hit("fact", f.id, f.text,
            [("id", f.id), ("text", f.text), ("statement", show_prop(f.prop)),
             ("reference", _strings(f.reference)), ("witness", _witness_text(f.id, f.witness, results))])
    for h in reg.hypotheses.values():
        hit("hypothesis", h.id, f"{show_prop(h.prop, style='math')} ({h.text})",
            [("id", h.id), ("text", h.text), ("statement", show_prop(h.prop)), ("source", h.source)])
    for c in reg.claims:
        hit("claim", c.id, f"§{c.section}: {c.printed}",
            [("id", c.id), ("section", c.section), ("printed", c.printed),
             ("expr", c.expr_text), ("note", c.note)])
    return hits
