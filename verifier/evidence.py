"""The measured evidence beside PROVED.

Every theorem is proved by the kernel from its hypotheses and the cited facts taken as
premises: "proved" means the exponent algebra is right *if the facts hold*.  The facts are
measured by the witness suite (verifier/witness.py, build/witness.json).  This module reads
the last witness report and says, for each theorem, whether a fact it rests on, directly
or transitively through the theorems it uses, has a finding.

Per theorem (``theorem_evidence``)::

    {"status": "SUPPORTED" | "FINDING" | "NOT_RUN",
     "facts_with_findings": [fact ids, direct or transitive],
     "witness": the theorem's own witness status, or "NOT_RUN",
     "contradicted": [facts whose measurement contradicts them (witness FINDING or FAIL)],
     "undecided": [facts that hold under one fair reading and fail under another, e.g.
                   a unit-dependent inequality (witness UNDECIDED)],
     "via": {fact id: [theorem ids of the chain from this theorem to the fact]}}

``facts_with_findings`` is ``contradicted + undecided``.  FINDING: some fact in the
closure has a finding; NOT_RUN: no report, or some fact in the closure has no usable
result (and none has a finding); SUPPORTED: every fact in the closure was measured and
supported (a theorem resting on no fact is SUPPORTED once a report exists).
Untrusted: nothing here changes whether a theorem is proved.
"""
from __future__ import annotations

from pathlib import Path

from verifier.registry import used_theorems
from verifier import witness as W

SUPPORTED, FINDING, NOT_RUN = "SUPPORTED", "FINDING", "NOT_RUN"


def fact_chains(reg):
    """theorem id -> {fact id: [theorem ids from the theorem to the one citing the fact]}."""
    by_id = reg.by_id()
    memo = {}

    def visit(tid, stack=()):
        if tid in memo:
            return memo[tid]
        if tid in stack:                      # the registry forbids cycles; be safe anyway
            return {}
        t = by_id[tid]
        out = {u: [tid] for u in t.uses if isinstance(u, str) and u in reg.facts}
        for u in used_theorems(t):
            if u not in by_id:
                continue
            for f, chain in visit(u, stack + (tid,)).items():
                if f not in out or len(chain) + 1 < len(out[f]):
                    out[f] = [tid] + chain
        memo[tid] = out
        return out

    return {t.id: visit(t.id) for t in reg.theorems}


class Evidence:
    """The last witness report, read once, and the per-theorem evidence derived from it."""

    def __init__(self, reg, out_dir=None):
        self.dir = Path(out_dir) if out_dir is not None else W.default_dir()
        self.doc = W.load_document(self.dir)
        self.results = {str(r["id"]): r for r in self.doc["results"]} if self.doc else {}
        self.chains = fact_chains(reg)
        self.stale = bool(self.doc) and self.doc.get("registry_digest") not in (
            None, W.registry_digest(getattr(reg, "path", None)))
        self.facts = {}
        for f in reg.facts:
            r = self.results.get(f)
            self.facts[f] = r["status"] if r else W.MISSING
        self._reg = reg

    @property
    def ran(self):
        return self.doc is not None

    def contradicted_facts(self):
        return sorted(f for f, st in self.facts.items() if st in W.CONTRADICTED)

    def undecided_facts(self):
        return sorted(f for f, st in self.facts.items() if st == W.UNDECIDED)

    def theorem(self, tid):
        chains = self.chains.get(tid, {})
        own = self.results.get(str(tid))
        rec = {"status": NOT_RUN, "facts_with_findings": [], "witness": own["status"] if own else NOT_RUN,
               "contradicted": [], "undecided": [], "via": {}}
        if not self.ran:
            return rec
        usable = (W.PASS, W.PASS_WITH_FINDING) + W.CONTRADICTED + (W.UNDECIDED,)
        for f in sorted(chains):
            st = self.facts.get(f, W.MISSING)
            if st in W.CONTRADICTED:
                rec["contradicted"].append(f)
            elif st == W.UNDECIDED:
                rec["undecided"].append(f)
            else:
                continue
            rec["via"][f] = chains[f]
        rec["facts_with_findings"] = rec["contradicted"] + rec["undecided"]
        if rec["facts_with_findings"]:
            rec["status"] = FINDING
        elif all(self.facts.get(f, W.MISSING) in usable for f in chains):
            rec["status"] = SUPPORTED
        return rec

    def all(self):
        return {t.id: self.theorem(t.id) for t in self._reg.theorems}

    def summary(self, records=None):
        recs = records if records is not None else self.all()
        n = len(recs)
        out = {"theorems": n,
               "supported": sum(r["status"] == SUPPORTED for r in recs.values()),
               "finding": sum(r["status"] == FINDING for r in recs.values()),
               "not_run": sum(r["status"] == NOT_RUN for r in recs.values()),
               "resting_on_contradicted_fact": sum(bool(r["contradicted"]) for r in recs.values()),
               "resting_on_undecided_fact_only": sum(bool(r["undecided"]) and not r["contradicted"]
                                                     for r in recs.values()),
               "contradicted_facts": self.contradicted_facts(),
               "undecided_facts": self.undecided_facts(),
               "witness_run": self.ran,
               "report": str(self.dir / "witness.json") if self.ran else None}
        if self.ran:
            out.update(quick=bool(self.doc.get("quick")), complete=bool(self.doc.get("complete", True)),
                       stale=self.stale, finished_at=self.doc.get("finished_at"))
        return out

    def line(self, summ=None):
        return summary_line(summ or self.summary())


def summary_line(s):
    """One line for the CLI summary, from ``Evidence.summary()``."""
    if not s["witness_run"]:
        return "evidence: witness not run (run: roughatlas witness --all)"
    notes = [x for x, on in (("quick sizes", s.get("quick")), ("partial run", not s.get("complete", True)),
                             ("report predates the registry", s.get("stale"))) if on]
    txt = (f"evidence: resting on a contradicted fact {s['resting_on_contradicted_fact']}/{s['theorems']}"
           f" ({', '.join(s['contradicted_facts']) or 'none'})")
    if s["undecided_facts"]:
        txt += (f"; on a convention-dependent fact only {s['resting_on_undecided_fact_only']}"
                f" ({', '.join(s['undecided_facts'])})")
    txt += f"; supported {s['supported']}; not run {s['not_run']}"
    return txt + (f"   [{'; '.join(notes)}]" if notes else "")


def mark(rec):
    """A short marker for tables: 'FINDING' (rests on a fact with a finding), 'not run',
    'witness!' (its own witness is a FINDING, FAIL or ERROR although its facts are
    supported), or '' (supported)."""
    m = {SUPPORTED: "", FINDING: "FINDING", NOT_RUN: "not run"}[rec["status"]]
    if not m and rec["witness"] in (W.FINDING, W.FAIL, W.ERROR, W.UNDECIDED):
        m = "witness!"
    return m


def describe(rec):
    """Words for ``show``: what the theorem rests on and what was measured."""
    if rec["status"] == NOT_RUN and not rec["facts_with_findings"]:
        return "not run (run: roughatlas witness --all)" if rec["witness"] == NOT_RUN else \
            "some cited fact has no usable witness result (run: roughatlas witness --all)"
    if rec["status"] == SUPPORTED:
        return ("SUPPORTED: every cited fact it rests on was measured and supported"
                + (f" (its own witness: {rec['witness']})" if rec["witness"] not in (W.PASS, NOT_RUN) else ""))
    parts = []
    for f in rec["facts_with_findings"]:
        chain = rec["via"].get(f, [])
        how = "directly" if len(chain) <= 1 else "via theorem " + " → ".join(map(str, chain[1:]))
        kind = "contradicted by its measurement" if f in rec["contradicted"] else \
            "undecided (holds under one fair reading, not another)"
        parts.append(f"{f} ({kind}; {how})")
    return "FINDING: rests on " + "; ".join(parts)


def report_lines(reg, ev, markdown=False):
    """The last report's verdicts on the cited facts, as printed by ``roughatlas witness
    --summary`` (``markdown``: the block the README quotes between its witness-summary
    markers, regenerated by ``roughatlas witness --summary --markdown``)."""
    if not ev.ran:
        return ["witness not run (run: roughatlas witness --all)"]
    doc = ev.doc
    summ = doc.get("summary", {})
    s = ev.summary()

    def counts(kind):
        return ", ".join(f"{st} {n}" for st, n in summ.get(kind, {}).items()) or "none"

    facts = {f: ev.facts[f] for f in reg.facts}
    contra, und = ev.contradicted_facts(), ev.undecided_facts()
    ok = [f for f, st in facts.items() if st in (W.PASS, W.PASS_WITH_FINDING)]
    size = "quick sizes" if doc.get("quick") else "full sizes"
    run = "complete run" if doc.get("complete", True) else \
        f"PARTIAL run ({doc.get('entries_run')}/{doc.get('entries_total')} entries)"
    head = f"Last witness run ({size}, {run}): theorems {counts('theorem')}; facts {counts('fact')}."
    if markdown:
        out = [head,
               f"- contradicted under every fair reading ({len(contra)}): "
               + (", ".join(f"`{f}`" for f in contra) or "none") + ";",
               f"- undecided, holding under one fair reading and failing under another ({len(und)}): "
               + (", ".join(f"`{f}`" for f in und) or "none") + ";",
               f"- supported ({len(ok)}): " + ", ".join(f"`{f}`" for f in ok) + ".",
               f"{s['resting_on_contradicted_fact']} of {s['theorems']} theorems rest on a contradicted fact, "
               f"{s['resting_on_undecided_fact_only']} more on an undecided one only."]
        return out
    out = [head, f"  report: {s['report']} ({doc.get('finished_at', '?')})"]
    if s.get("stale"):
        out.append("  the registry changed since this run: re-run roughatlas witness --all")
    for f in sorted(facts):
        users = [t for t, rec in ev.all().items() if f in rec["via"]]
        out.append(f"  {facts[f]:18s} {f}" + (f"   (theorems resting on it: {len(users)})" if users else ""))
    out.append(summary_line(s))
    return out
