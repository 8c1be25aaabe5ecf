"""``roughatlas`` — the command line of the verifier.

    roughatlas verify [--only ID ...] [--json]   kernel + Z3 + SymPy + vacuity, summary
    roughatlas list [--part P] [--method M] [--status S] [--json]
    roughatlas show ID [--json]                  a theorem (printed vs formal, certificate,
                                                 checkers), fact, hypothesis or claim
    roughatlas search TEXT [--json]              names, statements, errata, parts, witnesses, claims
    roughatlas certify [--check]                 untrusted search → proofs/ (or check they are current)
    roughatlas mutants [--json]                  soundness under mutation (kill rate)
    roughatlas errata [--json]                   printed statements that differ, with counterexamples
    roughatlas duplicates [--json]               theorems that state the same thing
    roughatlas witness ID ... | --all [--quick]  measure and check the numerical witnesses
    roughatlas claims [--json] [--incorrect]     the paper's numeric claims, decided by intervals
    roughatlas export lean|coq|all [--check]     write lean/ and coq/ (or fail naming stale files)
    roughatlas coq-build [--jobs N] [--json]     compile coq/ with coqc; per-theorem PROVED / ERROR
    roughatlas lean-build [--if-available]       lake build + axiom audit, where a toolchain exists

Exit status: 0 when everything asked for holds, 1 when something is not proved
(or is vacuous, or stale), 2 for bad input (invalid registry, unknown theorem, an unknown
--part/--method/--status value).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from verifier import pipeline, views
from verifier.expr import show, show_prop
from verifier.registry import DEFAULT_PATH, METHODS, STATUSES, RegistryError, load

OK, FAIL, BAD = 0, 1, 2


class _Progress:
    """A one-line progress bar on stderr when it is a terminal."""

    def __init__(self, total, label):
        self.total, self.n, self.label = total, 0, label
        self.live = sys.stderr.isatty()

    def __call__(self, _item=None):
        self.n += 1
        if self.live:
            width = 30
            done = int(width * self.n / max(1, self.total))
            sys.stderr.write(f"\r{self.label} [{'#' * done}{'.' * (width - done)}] "
                             f"{self.n}/{self.total}")
            if self.n >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def _registry(args):
    return load(args.registry)


# -- verify --------------------------------------------------------------------

def cmd_verify(args):
    reg = _registry(args)
    if args.only:
        known = {str(t.id) for t in reg.theorems} | {t.name for t in reg.theorems}
        unknown = [x for x in args.only if x not in known]
        if unknown:
            print(f"roughatlas verify: unknown theorem(s): {', '.join(unknown)}", file=sys.stderr)
            return BAD
    prog = None if args.json else _Progress(len(args.only or reg.theorems), "verifying")
    try:
        rows, summary = pipeline.verify(reg, only=args.only, progress=prog)
    except ValueError as exc:
        print(f"roughatlas verify: {exc}", file=sys.stderr)
        return FAIL
    exp, exp_summary = _export_statuses(reg)
    for r in rows:
        r.update(exp.get(r["id"], {}))
    summary["exports"] = exp_summary
    if not args.only:
        _registry_extras(reg, summary)
    if args.json:
        out = {"summary": summary, "theorems": [_json_row(r) for r in rows],
               "duplicates": pipeline.duplicate_groups(reg)}
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return OK if summary["all_ok"] else FAIL
    _print_summary(reg, rows, summary)
    return OK if summary["all_ok"] else FAIL


def _registry_extras(reg, summary):
    """Witness entries (present, valid, tied to their statements) and the numeric claims."""
    from verifier import claims, witness

    cov = witness.coverage(reg)
    probs = witness.problems(reg)
    ds = claims.decide_all(reg.claims)
    summary["witness_entries"] = {k: {"present": a, "total": b} for k, (a, b) in cov.items()}
    summary["witness_problems"] = probs
    summary["claims"] = {"total": len(ds), "correct": sum(d.verdict == "correct" for d in ds),
                         "incorrect": sum(d.verdict == "incorrect" for d in ds),
                         "undecided": sum(d.verdict == "undecided" for d in ds),
                         "stale_markings": [d.claim.id for d in ds if not d.agrees]}
    summary["all_ok"] = bool(summary["all_ok"] and not probs and all(d.agrees for d in ds))


def _print_extras(s):
    if "witness_entries" not in s:
        return
    w, c = s["witness_entries"], s["claims"]
    print(f"witness entries: theorems {w['theorems']['present']}/{w['theorems']['total']}, "
          f"facts {w['facts']['present']}/{w['facts']['total']}, {len(s['witness_problems'])} problem(s) "
          "(run them: make witness)")
    for msg in s["witness_problems"][:20]:
        print(f"  WITNESS {msg}")
    if len(s["witness_problems"]) > 20:
        print(f"  ... and {len(s['witness_problems']) - 20} more")
    print(f"numeric claims: {c['total']} decided by interval arithmetic: {c['correct']} correct, "
          f"{c['incorrect']} incorrect, {c['undecided']} undecided"
          + (f"; stale markings: {', '.join(c['stale_markings'])}" if c["stale_markings"] else ""))


def _json_row(r):
    keys = ("id", "name", "lean_name", "part", "status_printed", "kernel", "kernel_note", "z3",
            "z3_note", "sympy", "sympy_note", "vacuity", "vacuity_model", "printed", "lean",
            "lean_note", "coq", "coq_note")
    return {k: r.get(k) for k in keys if k in r}


def _print_summary(reg, rows, s):
    hdr = f"{'part':>5}  {'title':38s} {'thms':>4} {'kernel':>6} {'z3':>4} {'sympy':>5} {'nonvac':>6} {'errata':>6}"
    print(hdr)
    print("-" * len(hdr))
    for p in s["parts"]:
        print(f"{p['part']:>5}  {p['title'][:38]:38s} {p['theorems']:>4} {p['kernel_proved']:>6} "
              f"{p['z3_proved']:>4} {p['sympy_checked']:>5} {p['non_vacuous']:>6} {p['errata']:>6}")
    print("-" * len(hdr))
    print(f"{'':5}  {'total':38s} {s['theorems']:>4} {s['kernel_proved']:>6} {s['z3_proved']:>4} "
          f"{s['sympy_checked']:>5} {s['non_vacuous']:>6} {s['errata']:>6}")
    print()
    print(f"kernel-proved {s['kernel_proved']}/{s['theorems']}   Z3-proved {s['z3_proved']}/{s['theorems']}   "
          f"SymPy-checked {s['sympy_checked']}/{s['sympy_applicable']} equalities   "
          f"non-vacuous {s['non_vacuous']}/{s['theorems']}")
    print(f"errata {s['errata']} (printed statements refuted by Z3: {s['printed_refuted']})   "
          f"hypotheses {s['hypotheses']}   facts {s['facts']}   project axioms {s['project_axioms']}   "
          f"{s['seconds']:.2f} s")
    dups = pipeline.duplicate_groups(reg)
    if dups:
        print(f"duplicates ({len(dups)} groups): " + "  ".join("=".join(map(str, g)) for g in dups))
    bad = [r for r in rows if not pipeline.row_ok(r)]
    for r in bad:
        why = [f"kernel {r['kernel']}: {r['kernel_note']}" if r["kernel"] != "PROVED" else ""]
        if "z3" in r:
            if r["z3"] != "PROVED":
                why.append(f"z3 {r['z3']} {r.get('z3_note', '')}")
            if r["vacuity"] != "PROVED":
                why.append(f"vacuity {r['vacuity']} (hypotheses unsatisfiable)")
            if r["sympy"] not in ("PROVED", "UNSUPPORTED"):
                why.append(f"sympy {r['sympy']} {r['sympy_note']}")
            if r["printed"] and not r["printed"]["consistent"]:
                why.append(f"printed statement marked {r['status_printed']} but Z3 says {r['printed']['z3']}")
        print(f"NOT OK  {r['id']:>3} {r['name']}: " + "; ".join(w for w in why if w))
    _print_extras(s)
    e = s.get("exports")
    if e:
        print(f"exports: Lean {e['lean']}   Coq {e['coq']}")
    extra_bad = bool(s.get("witness_problems")) or bool(s.get("claims", {}).get("stale_markings"))
    print("RESULT: " + ("all theorems proved" if not bad else f"{len(bad)} theorem(s) not proved")
          + ("; registry witness/claims problems above" if extra_bad else ""))


# -- list / search / show ------------------------------------------------------

def cmd_list(args):
    reg = _registry(args)
    if args.part is not None and args.part not in {p["id"] for p in reg.parts}:
        return _bad_value("list", "--part", args.part, [p["id"] for p in reg.parts])
    rows = [t for t in reg.theorems
            if (args.part is None or t.part == args.part)
            and (args.method is None or t.method == args.method)
            and (args.status is None or t.status_printed == args.status)]
    if args.json:
        return _print_json({"theorems": [views.theorem_brief(t) for t in rows], "count": len(rows)})
    for t in rows:
        print(f"{t.id:>3}  {t.name:36s} part {t.part:<4} {t.method:12s} {t.status_printed:21s} "
              f"{show_prop(t.statement.goal, style='math')}")
    print(f"{len(rows)} theorem(s)")
    return OK


def cmd_search(args):
    reg = _registry(args)
    hits = views.search(reg, args.text)
    if args.json:
        return _print_json({"query": args.text, "hits": hits, "count": len(hits)})
    for h in hits:
        where = "" if h["matched"][0] in ("name", "id", "title", "statement") else \
            f"   [in {', '.join(h['matched'])}]"
        head = f"{h['id']:>3} " if h["kind"] == "theorem" else f"{h['kind']} {h['id']}:"
        print(f"{head} {h['summary']}{where}")
    if not hits:
        print(f"nothing matches {args.text!r}")
    return OK


def _term_text(t):
    c = t.get("c", "?")
    if "sq" in t:
        return f"{c}·({t['sq']})²"
    body = " × ".join(f"[{x}]" for x in t.get("of", []))
    if "times" in t:
        body += f" × ({t['times']})"
    return f"{c}·{body}"


def _cert_text(cert):
    m = cert.get("method")
    if m == "cite":
        return f"cite [{cert.get('ref')}]"
    if m == "eq":
        terms = cert.get("terms", [])
        return "identity (both sides normalise to the same polynomial)" if not terms else \
            "lhs − rhs = " + " + ".join(_term_text(t) for t in terms)
    return "refute: " + " + ".join(_term_text(t) for t in cert.get("terms", [])) + \
        "  ≡ const ≤ 0, contradiction"


def cmd_show(args):
    reg = _registry(args)
    other = _show_other(reg, args)   # --json, hypotheses, claims, unknown ids
    if other is not None:
        return other
    if args.id in reg.facts:
        f = reg.facts[args.id]
        ref = f.reference
        print(f"Fact {f.id}: {f.text}")
        print(f"  Statement    {show_prop(f.prop, style='math')}   (variables: {', '.join(f.vars)})")
        print(f"  Reference    {ref.get('authors')} ({ref.get('year')}), {ref.get('result')}. {ref.get('title')}")
        users = [str(t.id) for t in reg.theorems if f.id in map(str, t.uses)]
        print(f"  Cited by     {', '.join(users) or '—'}")
        _show_witness(reg, f.id, f.witness)
        return OK
    t = reg.theorem(args.id)
    part = next(p for p in reg.parts if p["id"] == t.part)
    rows, _ = pipeline.verify(reg, only=[str(t.id)])
    r = rows[0]
    print(f"Theorem {t.id}  {t.name}    part {t.part}: {part['title']}    paper method: {t.method}")
    print(f"  Lean name    {t.lean_name}")
    print(f"  Printed      {t.printed}")
    print(f"  Status       {t.status_printed}" + (f" — {t.erratum}" if t.erratum else ""))
    if r.get("printed"):
        p = r["printed"]
        cex = ", ".join(f"{k} = {v}" for k, v in (p["counterexample"] or {}).items())
        print(f"  Read literally: {p['reading']}")
        print(f"      Z3: {p['z3']}" + (f"   counterexample: {cex}" if cex else "")
              + (f"   ({p['note']})" if p["note"] else ""))
    s = t.statement
    print(f"  Statement    variables: {', '.join(s.vars) or '(none)'}")
    srcs = {lab: (ref, kind) for lab, ref, kind in s.assumptions}
    for label, rel in s.premises:
        base = label.split(".")[0]
        ref, kind = srcs.get(base, ("?", "?"))
        desc = reg.hypotheses[ref].text if kind == "hypothesis" else reg.facts[ref].text
        print(f"      {label:22s} {show(rel, style='math'):28s} ({kind} {ref}: {desc})")
    print(f"      ⊢ {show_prop(s.goal, style='math')}")
    print(f"  Uses         {', '.join(map(str, t.uses)) or '—'}")
    certs = pipeline.load_certificates()
    cert = certs.get(t.id)
    print(f"  Certificate  {pipeline.part_file(t.part).relative_to(pipeline.ROOT)}"
          if cert else "  Certificate  none (run: roughatlas certify)")
    if cert:
        for i, st in enumerate(cert.get("steps", [])):
            if "lemma" in st:
                arg = st.get("arg") or f"{st.get('base')}, {st.get('exp')}"
                print(f"      step {i + 1}  lemma {st['lemma']}({arg})")
            else:
                print(f"      step {i + 1}  have {st['prop']}   by {_cert_text(st['proof'])}")
        for j, g in enumerate(cert.get("goals", [])):
            print(f"      goal {j + 1}  {_cert_text(g)}")
    model = r.get("vacuity_model")
    mtxt = (" (model: " + ", ".join(f"{k} = {v}" for k, v in model.items()) + ")") if model else ""
    print(f"  Checkers     kernel {r['kernel']}" + (f" ({r['kernel_note']})" if r["kernel_note"] else ""))
    print(f"               Z3 {r['z3']}" + (f" ({r['z3_note']})" if r.get("z3_note") else ""))
    sy = r["sympy"] + (" (inequality: not a SymPy check)" if r["sympy"] == "UNSUPPORTED" else
                       (f" ({r['sympy_note']})" if r["sympy_note"] else ""))
    print(f"               SymPy {sy}")
    print(f"               vacuity {r['vacuity']}{mtxt}")
    exp, _ = _export_statuses(reg, only=t.id)
    x = exp[t.id]
    print(f"               Lean {x['lean']} ({x['lean_note']})")
    print(f"               Coq {x['coq']}" + (f" ({x['coq_note']})" if x["coq_note"] else ""))
    dups = [g for g in pipeline.duplicate_groups(reg) if t.id in g]
    print(f"  Duplicates   {', '.join(str(x) for x in dups[0] if x != t.id) if dups else '—'}")
    _show_witness(reg, t.id, t.witness)
    return OK if pipeline.row_ok(r) else FAIL


def _show_other(reg, args):
    """``show`` for what the theorem and fact pages do not cover; None: print those."""
    try:
        kind, entry = views.lookup(reg, args.id)
    except KeyError as exc:
        print(f"roughatlas show: {exc.args[0]} (try: roughatlas search TEXT)", file=sys.stderr)
        return BAD
    if args.json:
        if kind == "theorem":
            rows, _ = pipeline.verify(reg, only=[str(entry.id)])
            exp, _ = _export_statuses(reg, only=entry.id)
            view = views.theorem_view(reg, entry, rows[0], exp[entry.id])
            return _print_json(view, OK if view["ok"] else FAIL)
        view = getattr(views, f"{kind}_view")(reg, entry)
        return _print_json(view, OK if kind != "claim" or view["decision"]["agrees"] else FAIL)
    if kind == "hypothesis":
        v = views.hypothesis_view(reg, entry)
        print(f"Hypothesis {v['id']}: {v['text']}")
        print(f"  Statement    {v['statement']}   (variables: {', '.join(v['vars'])})")
        print(f"  Source       {v['source'] or '—'}")
        print(f"  Assumed by   {', '.join(map(str, v['assumed_by'])) or '—'}")
        return OK
    if kind == "claim":
        v = views.claim_view(reg, entry)
        d = v["decision"]
        print(f"Claim {v['id']}  §{v['section']}")
        print(f"  Printed      {v['printed']}")
        print(f"  Quantity     {v['expr_text']}  ∈ [{d['lo']:.10g}, {d['hi']:.10g}]")
        print(f"  Verdict      {d['verdict']} (printed {v['value_text']}, true value {d['true_value']})"
              + ("" if d["agrees"] else f"; the registry marks it {v['verdict']}: STALE"))
        for k, x in v.items():
            if k not in ("kind", "id", "section", "printed", "expr_text", "value_text", "decision",
                         "verdict", "true_value") and x not in ("", None, [], {}):
                print(f"  {k:12s} {x}")
        return OK if d["agrees"] else FAIL
    return None


def _print_json(obj, code=OK):
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))
    return code


def _bad_value(cmd, option, value, valid):
    print(f"roughatlas {cmd}: {option} {value!r} is not one of: {', '.join(map(str, valid))}",
          file=sys.stderr)
    return BAD


def _show_witness(reg, ident, w):
    from verifier import witness

    if not w:
        print("  Witness      none (every theorem and fact needs one)")
        return
    kind, key, variables, goal, _ = witness.subject(reg, ident)
    try:
        spec = witness.parse_entry(kind, key, variables, goal, w)
    except witness.WitnessError as exc:
        print(f"  Witness      INVALID: {exc}")
        return
    meas = "; ".join(f"{n} = {o}.{out} (reads {show(rd, style='math')})" for n, (o, out, rd) in spec.measure.items())
    print(f"  Witness      claim {show_prop(spec.claim, style='math')}   measuring {meas}")
    print(f"               kernel {spec.kernel}; params {spec.params}; seed {spec.seed}")
    print(f"               tolerance abs {spec.abs_tol}, k_se {spec.k_se}: {spec.justification}")
    last = witness.load_report("build") or {}
    r = last.get(str(key))
    if r is None:
        print(f"               last result: none (run: roughatlas witness {key})")
    else:
        print(f"               last result ({'quick' if r['quick'] else 'full'} run): {r['status']}"
              + (f" — {r['error']}" if r["error"] else ""))
        for row in r["points"]:
            ms = ", ".join(f"{n} = {d['value']:.5g} ± {d['se']:.2g}" for n, d in row["measured"].items())
            ps = ", ".join(f"{k}={v}" for k, v in row["params"].items() if not isinstance(v, list))
            print(f"                 {'ok' if row['ok'] else 'NO'} at {ps or '—'}: {ms}")
        for f in r["findings"]:
            print(f"               FINDING: {f}")


# -- certify / mutants / duplicates ---------------------------------------------

def cmd_certify(args):
    reg = _registry(args)
    if args.check:
        certs = pipeline.load_certificates()
        stale = [t.id for t in reg.theorems
                 if t.id not in certs or certs[t.id].get("digest") != t.statement.digest()]
        extra = sorted(set(certs) - {t.id for t in reg.theorems})
        if stale or extra:
            print(f"proofs/ is stale: {len(stale)} theorem(s) without a current certificate "
                  f"{stale[:10]}{' …' if len(stale) > 10 else ''}"
                  + (f", certificates for unknown theorems {extra}" if extra else "")
                  + "; run: roughatlas certify", file=sys.stderr)
            return FAIL
        print(f"proofs/ is current: {len(certs)} certificates for {len(reg.theorems)} theorems")
        return OK
    t0 = time.perf_counter()
    n, failures = pipeline.certify(reg, progress=_Progress(len(reg.theorems), "certifying"))
    print(f"certified {n}/{len(reg.theorems)} theorems in {time.perf_counter() - t0:.2f} s "
          f"(certificates written to proofs/, checked by the kernel)")
    for tid, msg in failures:
        print(f"  no certificate for {tid}: {msg}")
    return OK if not failures else FAIL


def cmd_mutants(args):
    from verifier import mutate

    reg = _registry(args)
    t0 = time.perf_counter()
    _, rep = mutate.run(reg, progress=None if args.json else _Progress(len(reg.theorems), "mutating"))
    rep["seconds"] = round(time.perf_counter() - t0, 2)
    if args.json:
        print(json.dumps(rep, indent=2, ensure_ascii=False))
    else:
        print(f"mutants {rep['mutants']}: false (Z3 counter-model) {rep['false_mutants']}, "
              f"true/equivalent {rep['equivalent_or_true']}, undecided {rep['undecided']}")
        print(f"kernel rejected {rep['killed']}/{rep['false_mutants']} false mutants: kill rate "
              f"{100 * rep['kill_rate']:.1f}%   accepted false mutants: {rep['accepted_false']}   "
              f"({rep['seconds']:.1f} s)")
        for r in rep["accepted_false_list"]:
            print(f"  SOUNDNESS BUG: theorem {r['theorem']} mutant {r['description']} accepted")
    return OK if rep["accepted_false"] == 0 else FAIL


def cmd_errata(args):
    reg = _registry(args)
    rows = views.errata_rows(reg)
    refuted = [r["id"] for r in rows if r["printed_check"] and r["printed_check"]["counterexample"]]
    if args.json:
        return _print_json({"errata": rows, "count": len(rows), "with_counterexample": refuted})
    for r in rows:
        print(f"{r['id']:>3} {r['name']} [{r['status_printed']}]")
        print(f"      printed:   {r['printed']}")
        print(f"      formal:    {r['formal']}")
        print(f"      erratum:   {r['erratum']}")
        chk = r["printed_check"]
        if chk:
            cex = ", ".join(f"{k} = {v}" for k, v in (chk["counterexample"] or {}).items())
            print(f"      literally: {chk['reading']}  → Z3 {chk['z3']}" + (f" at {cex}" if cex else ""))
    unread = sum(1 for r in rows if not r["printed_check"])
    other = len(rows) - len(refuted) - unread
    print(f"{len(rows)} printed statement(s) differ from their formal reading; Z3 refutes the literal "
          f"reading of {len(refuted)} with a counterexample; {unread} have no literal reading"
          + (f"; {other} literal reading(s) not refuted" if other else ""))
    return OK


def cmd_duplicates(args):
    reg = _registry(args)
    by_id = reg.by_id()
    groups = pipeline.duplicate_groups(reg)
    if args.json:
        return _print_json({"groups": views.duplicate_rows(reg), "count": len(groups)})
    for g in groups:
        print(" = ".join(f"{i} {by_id[i].name}" for i in g) + f"    ({by_id[g[0]].statement.show()})")
    print(f"{len(groups)} group(s), {sum(len(g) - 1 for g in groups)} theorem(s) restate an earlier one")
    return OK


# -- witness -----------------------------------------------------------------------

def cmd_witness(args):
    from verifier import witness

    reg = _registry(args)
    if not args.all and not args.ids:
        print("roughatlas witness: give theorem/fact ids, or --all", file=sys.stderr)
        return BAD
    only = None
    if not args.all:
        only = []
        for x in args.ids:
            try:
                only.append(str(witness.subject(reg, x)[1]))
            except KeyError as exc:
                print(f"roughatlas witness: {exc.args[0]}", file=sys.stderr)
                return BAD
    total = len(only) if only is not None else len(witness.subjects(reg))
    prog = None if args.json else _Progress(total, "witnessing")
    t0 = time.perf_counter()
    results = witness.run_all(reg, quick=args.quick, only=only, progress=prog)
    secs = time.perf_counter() - t0
    if args.all:
        for path in witness.write_report(results, args.out, seconds=secs, plots=not args.no_plots):
            if not args.json:
                print(f"wrote {path}")
    if args.json:
        print(json.dumps({"summary": witness.summary(results), "seconds": secs,
                          "results": [r.to_json() for r in results]}, indent=1, default=float))
    else:
        for r in results:
            _print_witness(r, verbose=not args.all)
        summ = witness.summary(results)
        print("witnesses: " + "   ".join(f"{k}s " + ", ".join(f"{st} {n}" for st, n in v.items())
                                         for k, v in summ.items() if v) + f"   {secs:.1f} s"
              + ("   (quick sizes)" if args.quick else ""))
    bad = [r for r in results if r.status in (witness.FAIL, witness.ERROR, witness.MISSING)]
    return FAIL if bad else OK


def _print_witness(r, verbose=True):
    head = f"{r.status:8s} {r.kind} {r.id}"
    if r.error:
        print(f"{head}: {r.error}")
        return
    print(f"{head}: {r.claim}   [{r.kernel}]  {r.seconds:.2f} s")
    if verbose or r.status != "PASS":
        for row in r.points:
            ps = ", ".join(f"{k}={v}" for k, v in row["params"].items() if not isinstance(v, list))
            ms = ", ".join(f"{n} = {d['value']:.5g} ± {d['se']:.2g}" for n, d in row["measured"].items())
            for rel in row["relations"]:
                mark = "ok " if rel["ok"] else "NO "
                print(f"    {mark} at {ps or '—'}: {ms}; lhs {rel['lhs']:.5g}, rhs {rel['rhs']:.5g}, "
                      f"|diff| {abs(rel['diff']):.3g} (tol {rel['tol']:.3g}, SE {rel['se']:.2g})")
        if verbose:
            print(f"    tolerance {r.tolerance}: {r.justification}")
            print(f"    test {r.test}")
    for f in r.findings:
        print(f"    FINDING: {f}")


# -- claims ------------------------------------------------------------------------

def cmd_claims(args):
    from verifier import claims

    reg = _registry(args)
    t0 = time.perf_counter()
    ds = claims.decide_all(reg.claims)
    secs = time.perf_counter() - t0
    shown = [d for d in ds if not args.incorrect or d.verdict != "correct"]
    if args.json:
        print(json.dumps({"claims": [{"id": d.claim.id, "section": d.claim.section,
                                      "printed": d.claim.printed, "value": d.claim.value_text,
                                      "expr": d.claim.expr_text, "enclosure": [d.lo, d.hi],
                                      "true_value": d.true_value, "verdict": d.verdict,
                                      "marked": d.claim.verdict, "agrees": d.agrees,
                                      "note": d.claim.note, "error": d.error} for d in shown],
                          "seconds": secs}, indent=1, ensure_ascii=False))
    else:
        for d in shown:
            c = d.claim
            mark = {"correct": "correct  ", "incorrect": "INCORRECT", "undecided": "UNDECIDED"}[d.verdict]
            print(f"{mark} {c.id:34s} §{c.section:22s} printed {c.value_text:>7s}  true {d.true_value:>8s}"
                  + ("" if d.agrees else f"   (registry marks it {c.verdict} / {c.true_value}: STALE)"))
            if args.verbose or d.verdict != "correct":
                print(f"          {c.printed}")
                print(f"          {c.expr_text}  ∈ [{d.lo:.10g}, {d.hi:.10g}]" + (f"; {c.note}" if c.note else ""))
        n_inc = sum(d.verdict == "incorrect" for d in ds)
        n_und = sum(d.verdict == "undecided" for d in ds)
        print(f"{len(ds)} claims: {len(ds) - n_inc - n_und} correct, {n_inc} incorrect, {n_und} undecided; "
              f"{sum(not d.agrees for d in ds)} marking(s) disagree   {secs * 1000:.0f} ms")
    return OK if all(d.agrees for d in ds) else FAIL
# -- exports -------------------------------------------------------------------------

def _export_statuses(reg, only=None):
    """Per-theorem Lean (emitted / compiled / skipped) and Coq (PROVED / ERROR / not
    compiled, from the last coqc run) statuses, and a one-line summary of each."""
    from verifier import coqbuild, export, leanbuild
    from verifier.printers import ExportError

    out = {}
    try:
        lx, cx = export.export_lean(reg), export.export_coq(reg)
    except (ExportError, ValueError) as exc:
        note = f"export failed: {exc}"
        for t in reg.theorems:
            out[t.id] = {"lean": "skipped", "lean_note": note, "coq": "not compiled", "coq_note": note}
        return out, {"lean": "export failed", "coq": "export failed"}
    lean_fresh = not export.stale(lx)
    ldig, cdig = coqbuild.export_digest(lx), coqbuild.export_digest(cx)
    lrep, crep = leanbuild.load_report(), coqbuild.load_report()
    for t in reg.theorems:
        if only is not None and t.id != only:
            continue
        ls, ln = leanbuild.theorem_status(lrep, ldig, lean_fresh)
        cs, cn = coqbuild.theorem_status(t.id, crep, cdig)
        out[t.id] = {"lean": ls, "lean_note": ln, "coq": cs, "coq_note": cn}
    counts = {}
    for v in out.values():
        counts.setdefault(("lean", v["lean"]), 0)
        counts[("lean", v["lean"])] += 1
        counts.setdefault(("coq", v["coq"]), 0)
        counts[("coq", v["coq"])] += 1
    summ = {k: ", ".join(f"{st} {n}" for (kk, st), n in sorted(counts.items()) if kk == k)
            for k in ("lean", "coq")}
    return out, summ


def cmd_export(args):
    from verifier import export
    from verifier.printers import ExportError

    reg = _registry(args)
    targets = ["lean", "coq"] if args.target == "all" else [args.target]
    code = OK
    for target in targets:
        t0 = time.perf_counter()
        try:
            ex = export.EXPORTERS[target](reg)
        except (ExportError, ValueError) as exc:
            print(f"roughatlas export {target}: {exc}", file=sys.stderr)
            return BAD
        where = ex.root.relative_to(export.ROOT) if ex.root.is_relative_to(export.ROOT) else ex.root
        if args.check:
            bad = export.stale(ex)
            if bad:
                print(f"{where}/ is stale ({len(bad)} file(s)); run: roughatlas export {target}",
                      file=sys.stderr)
                for rel, why in bad:
                    print(f"  {where}/{rel}: {why}", file=sys.stderr)
                code = FAIL
            else:
                print(f"{where}/ is current: {len(ex.files)} files, {len(reg.theorems)} theorems")
        else:
            removed = export.write(ex)
            print(f"wrote {where}/: {len(ex.files)} files, {len(reg.theorems)} theorems "
                  f"in {time.perf_counter() - t0:.2f} s" + (f" (removed {', '.join(removed)})" if removed else ""))
    return code


def cmd_coq_build(args):
    from verifier import coqbuild, export

    reg = _registry(args)
    ex = export.export_coq(reg)
    bad = export.stale(ex)
    if bad:
        print("coq/ is stale; compiling the export generated from the registry "
              f"({len(bad)} file(s) differ on disk; run: roughatlas export coq)", file=sys.stderr)
    rep = coqbuild.build(ex, jobs=args.jobs, mode="modules" if args.modules else "bundle")
    if not rep.get("available"):
        code = OK if args.if_available else FAIL
        if args.json:
            return _print_json({"status": "skipped", **rep}, code)
        print(f"Coq build: skipped ({rep['reason']})")
        return code
    if args.json:
        print(json.dumps(rep, indent=2))
    else:
        how = ("each module separately" if rep["mode"] == "modules" else
               "the part modules as one bundle")
        print(f"Coq build: coqc {rep['coqc']}, {len(rep['modules'])} modules ({how}), "
              f"{rep['jobs']} jobs, {rep['seconds']:.1f} s: PROVED {rep['proved']}, ERROR {rep['errors']}")
        if not rep["audit"]["ok"]:
            print("  axiom audit did not run (Audit.v was not compiled)")
        print(f"  axioms (Print Assumptions of every theorem): standard library "
              f"{', '.join(rep['stdlib_axioms']) or 'none'}"
              + (f"; other libraries {', '.join(rep['library_axioms'])}" if rep["library_axioms"] else ""))
        print(f"  project axioms: {len(rep['project_axioms'])}"
              + (f" {rep['project_axioms']}" if rep["project_axioms"] else "")
              + f"; axiom/admit declarations in generated sources: {len(rep['axiom_declarations'])}")
        for m, info in rep["modules"].items():
            if not info["ok"]:
                print(f"  FAILED {m}: {info['error'][:300]}")
        for tid, row in rep["theorems"].items():
            if row["status"] != "PROVED":
                print(f"  ERROR theorem {tid}: {row['note'][:200]}")
        print("  report: build/coq_report.json")
    return OK if coqbuild.report_ok(rep) else FAIL


def cmd_lean_build(args):
    from verifier import coqbuild, export, leanbuild

    reg = _registry(args)
    ex = export.export_lean(reg)
    if export.stale(ex):
        print("lean/ is stale; run: roughatlas export lean", file=sys.stderr)
        return FAIL
    if leanbuild.find_lake() is None:
        print(leanbuild.INSTALL)
        print(f"Lean: {len(reg.theorems)} theorems emitted, 0 compiled")
        return OK if args.if_available else FAIL
    expected = [f"{export.LEAN_PACKAGE}.{t.lean_name}" for t in reg.theorems]
    rep = leanbuild.build(expected, digest=coqbuild.export_digest(ex))
    if rep["built"] and rep["audit_ok"]:
        print(f"Lean build: compiled {len(reg.theorems)} theorems; axioms: {', '.join(rep['axioms']) or 'none'}"
              f" ({rep['seconds']} s)")
        return OK
    print("Lean build: FAILED")
    for p in rep["problems"][:20]:
        print(f"  {p}")
    return FAIL


def _not_yet(name, issue):
    def run(args):
        where = f" (tracked in issue {issue})" if issue else " (the static HTML index is not built yet)"
        print(f"roughatlas {name}: not available yet{where}", file=sys.stderr)
        return BAD
    return run


def _version():
    """The version in pyproject.toml, read from the installed package's metadata."""
    from importlib import metadata

    try:
        return metadata.version("roughatlas")
    except metadata.PackageNotFoundError:   # a checkout that was never installed
        import re
        from pathlib import Path

        text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
        m = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M)
        return m.group(1) if m else "unknown"


def build_parser():
    p = argparse.ArgumentParser(prog="roughatlas", description="Machine-checked exponent laws of "
                                "rough volatility: registry, kernel, second opinions.")
    p.add_argument("--registry", default=str(DEFAULT_PATH), help="registry file (default: %(default)s)")
    p.add_argument("--version", action="version", version=f"roughatlas {_version()}")
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verify", help="check every certificate, ask Z3 and SymPy, check vacuity")
    v.add_argument("--only", nargs="+", metavar="ID", help="only these theorems (id or name)")
    v.add_argument("--json", action="store_true", help="one JSON object on stdout")
    v.set_defaults(fn=cmd_verify)
    ls = sub.add_parser("list", help="list theorems")
    ls.add_argument("--part", help="a part id of the registry (e.g. 3.5)")
    ls.add_argument("--method", choices=METHODS)
    ls.add_argument("--status", choices=STATUSES)
    ls.set_defaults(fn=cmd_list)
    sh = sub.add_parser("show", help="one theorem, fact, hypothesis or claim in full")
    sh.add_argument("id", help="theorem id or name, fact id, hypothesis id or claim id")
    sh.set_defaults(fn=cmd_show)
    se = sub.add_parser("search", help="search names, statements, errata, parts, witnesses, claims")
    se.add_argument("text")
    se.set_defaults(fn=cmd_search)
    ce = sub.add_parser("certify", help="search certificates (untrusted) and write proofs/")
    ce.add_argument("--check", action="store_true", help="only check that proofs/ is current")
    ce.set_defaults(fn=cmd_certify)
    mu = sub.add_parser("mutants", help="soundness under mutation: kill rate")
    mu.add_argument("--json", action="store_true")
    mu.set_defaults(fn=cmd_mutants)
    er = sub.add_parser("errata", help="every printed statement that differs, with Z3's verdict")
    er.set_defaults(fn=cmd_errata)
    du = sub.add_parser("duplicates", help="theorems that restate another")
    du.set_defaults(fn=cmd_duplicates)
    for q in (ls, sh, se, er, du):
        q.add_argument("--json", action="store_true", help="one JSON object on stdout")
    wi = sub.add_parser("witness", help="measure and check numerical witnesses")
    wi.add_argument("ids", nargs="*", metavar="ID", help="theorem id/name or fact id")
    wi.add_argument("--all", action="store_true", help="every theorem and fact; writes the report")
    wi.add_argument("--quick", action="store_true", help="reduced sample sizes (the test subset)")
    wi.add_argument("--json", action="store_true")
    wi.add_argument("--out", default="build", help="report folder for --all (default: %(default)s)")
    wi.add_argument("--no-plots", action="store_true")
    wi.set_defaults(fn=cmd_witness)
    cl = sub.add_parser("claims", help="the paper's numeric claims, decided by interval arithmetic")
    cl.add_argument("--json", action="store_true")
    cl.add_argument("--incorrect", action="store_true", help="only the claims that are not correct")
    cl.add_argument("-v", "--verbose", action="store_true", help="show every claim's expression")
    cl.set_defaults(fn=cmd_claims)
    ex = sub.add_parser("export", help="write the Lean and Coq exports (or check they are current)")
    ex.add_argument("target", choices=("lean", "coq", "all"))
    ex.add_argument("--check", action="store_true", help="exit 1 naming stale files; write nothing")
    ex.set_defaults(fn=cmd_export)
    cb = sub.add_parser("coq-build", help="compile coq/ with coqc: per-theorem PROVED/ERROR, axioms")
    cb.add_argument("--jobs", type=int, default=2, help="parallel coqc processes (default: 2)")
    cb.add_argument("--modules", action="store_true",
                    help="compile every module file separately, as coq_makefile would (slower)")
    cb.add_argument("--json", action="store_true")
    cb.add_argument("--if-available", action="store_true", help="exit 0 when coqc is missing")
    cb.set_defaults(fn=cmd_coq_build)
    lb = sub.add_parser("lean-build", help="lake build + axiom audit where a Lean toolchain exists")
    lb.add_argument("--if-available", action="store_true",
                    help="exit 0 (reporting the skip) when there is no toolchain")
    lb.set_defaults(fn=cmd_lean_build)
    from verifier import cli_study
    cli_study.add_parser(sub)
    for name, issue in (("index", None),):
        x = sub.add_parser(name, help=f"(not available yet: issue {issue})")
        x.add_argument("rest", nargs="*")
        x.set_defaults(fn=_not_yet(name, issue))
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except RegistryError as exc:
        print(f"roughatlas: invalid registry {args.registry}\n{exc}", file=sys.stderr)
        return BAD
    except BrokenPipeError:
        return OK


if __name__ == "__main__":
    sys.exit(main())
