"""The witness checker: each theorem's statement checked on measured values.

A registry ``witness`` entry (format in numerics/witness/base.py) names the measured
quantities, the observables that measure them, the parameter points and the claim.
This module

1. validates the entry (``problems``): fields, observable names and outputs, kernel
   string, and the *link*: substituting each measured name's ``reads`` expression into
   ``claim`` must give the theorem's goal (or the fact's proposition), side by side up to
   polynomial normalisation, or as the same relation up to a positive rational factor.
   The measurement is thereby tied to the statement by a check, not by a comment;
2. runs it (``run``): measures every observable once per parameter point (cached by
   observable, point, seed and size), evaluates both sides of the claim in floating
   point with the measured values and propagates the standard errors linearly;
3. reports a status per entry (below), writes build/witness.json and one plot per entry
   and measured output (``write_report``).

Statuses: PASS (the claim holds at every point); PASS_WITH_FINDING (it holds, but an
observable reports something the paper gets wrong nearby); FINDING (it fails under the
entry's reading and under every fair alternative reading, and the observable explains
why); UNDECIDED (it fails under the entry's reading but holds under a fair alternative
reading listed in the entry's ``readings``, e.g. other units: the statement depends on a
convention); FAIL (it fails without an explanation); ERROR; MISSING.

An entry may list ``readings``: alternative fair (or, marked ``fair: false``, unfair but
reproducing the paper's number) readings of the same statement, each with its own
``measure``, ``claim`` and optional ``params`` overrides; each reading is linked to the
statement exactly as the entry is, run at the same points and reported beside it.

Untrusted with respect to proofs: nothing here decides that a theorem is proved.
"""
from __future__ import annotations

import dataclasses
import hashlib
import itertools
import signal
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from verifier.expr import ParseError, parse_prop, parse_term, show, show_prop, substitute, variables_of

ENTRY_KEYS = {"measure": True, "kernel": True, "params": True, "sweep": False, "seed": True,
              "claim": True, "tolerance": True, "justification": True, "test": True, "note": False,
              "readings": False}
READING_KEYS = {"name": True, "claim": True, "measure": False, "params": False, "fair": True, "note": True}
MEASURE_KEYS = {"observable": True, "output": True, "reads": True}
TOL_KEYS = {"abs", "k_se"}
PASS, FINDING, FAIL, ERROR, MISSING = "PASS", "FINDING", "FAIL", "ERROR", "MISSING"
PASS_WITH_FINDING, UNDECIDED = "PASS_WITH_FINDING", "UNDECIDED"
STATUSES = (PASS, PASS_WITH_FINDING, FINDING, UNDECIDED, FAIL, ERROR, MISSING)
CONTRADICTED = (FINDING, FAIL)          # a fact with one of these is contradicted by its measurement


class WitnessError(ValueError):
    def __init__(self, where, message):
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message


# -- what to witness -----------------------------------------------------------

def subjects(reg):
    """Every (kind, id, vars, goal, witness) the suite must witness, theorems first."""
    out = [("theorem", t.id, t.statement.vars, t.statement.goal, t.witness) for t in reg.theorems]
    out += [("fact", f.id, f.vars, f.prop, f.witness) for f in reg.facts.values()]
    return out


def subject(reg, ident):
    key = str(ident)
    for s in subjects(reg):
        if str(s[1]) == key:
            return s
    try:
        t = reg.theorem(key)
    except KeyError:
        raise KeyError(f"no theorem or fact {ident!r}") from None
    return ("theorem", t.id, t.statement.vars, t.statement.goal, t.witness)


def _where(kind, ident):
    return f"theorems[{ident}].witness" if kind == "theorem" else f"facts[{ident}].witness"


# -- validation and the link to the statement ------------------------------------

def _number(x, where):
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise WitnessError(where, f"expected a number, got {x!r}")
    if not math.isfinite(x):
        raise WitnessError(where, f"expected a finite number, got {x!r}")
    return x


@dataclass(frozen=True)
class Spec:
    measure: dict        # name -> (observable, output, reads IR)
    kernel: str
    params: dict
    sweep: tuple
    seed: object
    claim: tuple         # relations over measured names and params
    abs_tol: float
    k_se: float
    justification: str
    test: str
    readings: tuple = ()  # (name, fair, note, Spec) alternative readings of the statement


def _parse_readings(kind, ident, variables, goal, w, where):
    rs = w.get("readings") or []
    if not isinstance(rs, list):
        raise WitnessError(f"{where}.readings", "expected a list of {name, claim, fair, note[, measure, params]}")
    out = []
    for i, r in enumerate(rs):
        rw = f"{where}.readings[{i}]"
        if not isinstance(r, dict):
            raise WitnessError(rw, "expected a mapping")
        for k, required in READING_KEYS.items():
            if required and k not in r:
                raise WitnessError(f"{rw}.{k}", "missing")
        for k in r:
            if k not in READING_KEYS:
                raise WitnessError(f"{rw}.{k}", f"unknown key (known: {', '.join(READING_KEYS)})")
        if not isinstance(r["fair"], bool):
            raise WitnessError(f"{rw}.fair", f"expected true or false, got {r['fair']!r}")
        for k in ("name", "note"):
            if not isinstance(r[k], str) or not r[k].strip():
                raise WitnessError(f"{rw}.{k}", "expected a non-empty string")
        extra = r.get("params") or {}
        if not isinstance(extra, dict):
            raise WitnessError(f"{rw}.params", "expected a mapping of numbers")
        sub = {k: v for k, v in w.items() if k != "readings"}
        sub.update(measure=r.get("measure", w.get("measure")), claim=r["claim"],
                   params={**w.get("params", {}), **extra})
        try:
            spec = parse_entry(kind, ident, variables, goal, sub, where=rw)
        except WitnessError as exc:
            raise WitnessError(exc.where, exc.message) from None
        out.append((r["name"], r["fair"], r["note"], spec))
    return tuple(out)


def parse_entry(kind, ident, variables, goal, w, where=None):
    """Validate one entry; returns a Spec or raises WitnessError naming the field."""
    where = where or _where(kind, ident)
    if not isinstance(w, dict):
        raise WitnessError(where, "missing" if w is None else "expected a mapping")
    for k, required in ENTRY_KEYS.items():
        if required and k not in w:
            raise WitnessError(f"{where}.{k}", "missing")
    for k in w:
        if k not in ENTRY_KEYS:
            raise WitnessError(f"{where}.{k}", f"unknown key (known: {', '.join(ENTRY_KEYS)})")
    params = w["params"]
    if not isinstance(params, dict):
        raise WitnessError(f"{where}.params", "expected a mapping of numbers or lists of numbers")
    for k, v in params.items():
        if isinstance(v, list):
            if not v:
                raise WitnessError(f"{where}.params.{k}", "empty list")
            for i, x in enumerate(v):
                _number(x, f"{where}.params.{k}[{i}]")
        else:
            _number(v, f"{where}.params.{k}")
    sweep = w.get("sweep") or []
    if not isinstance(sweep, list) or any(not isinstance(p, str) for p in sweep):
        raise WitnessError(f"{where}.sweep", "expected a list of parameter names")
    for p in sweep:
        if p not in params:
            raise WitnessError(f"{where}.sweep", f"{p!r} is not a parameter")
    seed = w["seed"]
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise WitnessError(f"{where}.seed", f"expected a non-negative integer or null, got {seed!r}")
    tol = w["tolerance"]
    if not isinstance(tol, dict) or not tol or set(tol) - TOL_KEYS:
        raise WitnessError(f"{where}.tolerance", "expected a mapping with keys abs and/or k_se")
    abs_tol = _number(tol.get("abs", 0.0), f"{where}.tolerance.abs")
    k_se = _number(tol.get("k_se", 0.0), f"{where}.tolerance.k_se")
    if abs_tol < 0 or k_se < 0:
        raise WitnessError(f"{where}.tolerance", "tolerances must be >= 0")
    for k in ("kernel", "justification", "test"):
        if not isinstance(w[k], str) or not w[k].strip():
            raise WitnessError(f"{where}.{k}", "expected a non-empty string")
    if not isinstance(w["measure"], dict) or not w["measure"]:
        raise WitnessError(f"{where}.measure", "expected a mapping name -> {observable, output, reads}")
    measure = {}
    for name, m in w["measure"].items():
        mw = f"{where}.measure.{name}"
        if not str(name).isidentifier() or name in params:
            raise WitnessError(mw, "a measured name must be an identifier distinct from the params")
        if not isinstance(m, dict):
            raise WitnessError(mw, "expected a mapping with observable, output, reads")
        for k, required in MEASURE_KEYS.items():
            if required and k not in m:
                raise WitnessError(f"{mw}.{k}", "missing")
        for k in m:
            if k not in MEASURE_KEYS:
                raise WitnessError(f"{mw}.{k}", "unknown key")
        try:
            reads = parse_term(str(m["reads"]), list(variables), f"{mw}.reads")
        except ParseError as exc:
            raise WitnessError(exc.where, exc.message) from None
        measure[name] = (str(m["observable"]), str(m["output"]), reads)
    names = list(measure) + list(params)
    try:
        claim = parse_prop(str(w["claim"]), names, f"{where}.claim")
    except ParseError as exc:
        raise WitnessError(exc.where, exc.message) from None
    used = set()
    for rel in claim:
        variables_of(rel[2], used)
        variables_of(rel[3], used)
    unused = [n for n in measure if n not in used]
    if unused:
        raise WitnessError(f"{where}.claim", f"does not use the measured name(s) {', '.join(unused)}")
    stray = [p for p in params if p in used and p not in variables]
    if stray:
        raise WitnessError(f"{where}.claim", f"parameter(s) {', '.join(stray)} are not variables "
                           f"of the statement, so they cannot stand in it")
    spec = Spec(measure, w["kernel"], params, tuple(sweep), seed, claim, float(abs_tol), float(k_se),
                w["justification"], w["test"])
    link(spec, goal, where)
    readings = _parse_readings(kind, ident, variables, goal, w, where)
    return dataclasses.replace(spec, readings=readings) if readings else spec


def _sym(e, table):
    from verifier.sympy_backend import to_sympy
    return to_sympy(e, table, evaluate=True)


def link(spec, goal, where):
    """Substituting ``reads`` into the claim must give the goal (see module doc)."""
    import sympy

    sub = tuple(("rel", r[1], substitute(r[2], {n: m[2] for n, m in spec.measure.items()}),
                 substitute(r[3], {n: m[2] for n, m in spec.measure.items()})) for r in spec.claim)
    if len(sub) != len(goal):
        raise WitnessError(f"{where}.claim", f"has {len(sub)} relation(s); the statement has {len(goal)}")
    names = set()
    for r in tuple(sub) + tuple(goal):
        variables_of(r[2], names)
        variables_of(r[3], names)
    table = {n: sympy.Symbol(n, real=True) for n in sorted(names)}
    flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}
    for i, (c, g) in enumerate(zip(sub, goal)):
        cl, cr, gl, gr = (_sym(x, table) for x in (c[2], c[3], g[2], g[3]))
        same = lambda a, b: sympy.simplify(sympy.expand(a - b)) == 0  # noqa: E731
        if c[1] == g[1] and same(cl, gl) and same(cr, gr):
            continue
        if flip[c[1]] == g[1] and same(cl, gr) and same(cr, gl):
            continue
        dc, dg = sympy.expand(cl - cr), sympy.expand(gl - gr)
        if dg != 0 and dc != 0:
            q = sympy.simplify(dc / dg)
            if q.is_Rational and q != 0:
                if (c[1] == g[1] and (q > 0 or c[1] == "=")) or (flip[c[1]] == g[1] and q < 0):
                    continue
        raise WitnessError(f"{where}.claim", "with each measured name replaced by its `reads`, the claim "
                           f"relation {i + 1} reads {show_prop((c,))}, which is not the statement's "
                           f"{show_prop((g,))}")


def _measure_problems(spec, observables, where, out):
    kernels = []
    for name, (obs, output, _) in spec.measure.items():
        o = observables.get(obs)
        if o is None:
            out.append(f"{where}.measure.{name}.observable: unknown observable {obs!r}")
        elif output not in o.outputs:
            out.append(f"{where}.measure.{name}.output: {obs} has no output {output!r} "
                       f"(outputs: {', '.join(o.outputs)})")
        elif o.kernel not in kernels:
            kernels.append(o.kernel)
    return kernels


def problems(reg):
    """Every missing or invalid witness entry, as 'where: message' strings."""
    from numerics.witness import load_all

    observables = load_all()
    out = []
    for kind, ident, variables, goal, w in subjects(reg):
        try:
            spec = parse_entry(kind, ident, variables, goal, w)
        except WitnessError as exc:
            out.append(str(exc))
            continue
        where = _where(kind, ident)
        kernels = _measure_problems(spec, observables, where, out)
        if kernels and spec.kernel != "; ".join(kernels):
            out.append(f"{where}.kernel: {spec.kernel!r} is not the observables' kernel "
                       f"{'; '.join(kernels)!r}")
        for i, (_, _, _, rs) in enumerate(spec.readings):
            _measure_problems(rs, observables, f"{where}.readings[{i}]", out)
    return out


def coverage(reg):
    subs = subjects(reg)
    th = [s for s in subs if s[0] == "theorem"]
    fa = [s for s in subs if s[0] == "fact"]
    return {"theorems": (sum(s[4] is not None for s in th), len(th)),
            "facts": (sum(s[4] is not None for s in fa), len(fa))}


# -- evaluation ----------------------------------------------------------------

def _eval(e, env):
    op = e[0]
    if op == "num":
        return float(e[1])
    if op == "var":
        return env[e[1]]
    if op == "neg":
        return -_eval(e[1], env)
    a = _eval(e[1], env)
    if op == "pow":
        return a ** int(e[2])
    b = _eval(e[2], env)
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        if b == 0:
            raise ZeroDivisionError("division by a measured zero")
        return a / b
    if op == "rpow":
        if a <= 0:
            raise ValueError(f"rpow of a non-positive base {a}")
        return a ** b
    raise ValueError(f"cannot evaluate node {op!r}")


_CACHE: dict = {}


def _measure(obs_name, point, seed, quick):
    from numerics.witness import get

    key = _key(obs_name, point, seed, quick)
    if key not in _CACHE:
        t0 = time.perf_counter()
        m = get(obs_name).measure(point, seed, quick)
        _CACHE[key] = (m, time.perf_counter() - t0)
    if isinstance(_CACHE[key][0], Exception):     # measured on a cluster (``prefetch``) and failed there
        raise _CACHE[key][0]
    return _CACHE[key]


def _key(obs_name, point, seed, quick):
    return (obs_name, json.dumps(point, sort_keys=True), seed, bool(quick))


def measure_task(obs_name, point, seed, quick):
    """One measurement as a cluster task: (Measurement or the exception it raised, seconds)."""
    from numerics.witness import get

    t0 = time.perf_counter()
    try:
        m = get(obs_name).measure(point, seed, quick)
    except Exception as exc:  # returned, not raised: a deterministic error is not worth a retry
        m = exc
    return m, time.perf_counter() - t0


def measurements(reg, quick=False, only=None):
    """The distinct (observable, point, seed, quick) measurements ``run_all`` would make, in order."""
    seen, out = set(), []
    for kind, ident, variables, goal, w in subjects(reg):
        if w is None or (only is not None and str(ident) not in only):
            continue
        try:
            spec = parse_entry(kind, ident, variables, goal, w)
        except WitnessError:
            continue
        for sp in (spec,) + tuple(r[3] for r in spec.readings):
            for p in points(sp):
                for obs, _, _ in sp.measure.values():
                    k = _key(obs, p, sp.seed, quick)
                    if k not in seen:
                        seen.add(k)
                        out.append((obs, p, sp.seed, bool(quick)))
    return out


def prefetch(reg, executor, quick=False, only=None, progress=None):
    """Measure everything ``run_all(reg, quick, only)`` needs as one task per observable and
    parameter point on ``executor`` (numerics.parallel.Executor) and fill the measurement
    cache, so the run that follows computes the same report from the same numbers.
    Returns the number of tasks."""
    from numerics.witness import get

    tasks = [t for t in measurements(reg, quick, only) if _key(*t) not in _CACHE]
    # observables of one module share simulations through its caches: run them in order, together
    groups = [getattr(get(t[0]).fn, "__module__", t[0]) for t in tasks]
    for t, r in zip(tasks, executor.map(measure_task, tasks, progress, groups=groups)):
        _CACHE[_key(*t)] = r
    return len(tasks)


def clear_cache():
    _CACHE.clear()


def points(spec):
    names = list(spec.sweep)
    grids = [spec.params[n] if isinstance(spec.params[n], list) else [spec.params[n]] for n in names]
    for combo in itertools.product(*grids):
        p = dict(spec.params)
        p.update(zip(names, combo))
        yield p


@dataclass
class Result:
    kind: str
    id: object
    status: str
    claim: str = ""
    kernel: str = ""
    tolerance: dict = field(default_factory=dict)
    justification: str = ""
    test: str = ""
    points: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    quick: bool = False
    readings: list = field(default_factory=list)   # alternative readings, each run at the same points

    def to_json(self):
        return asdict(self)


def _check_point(spec, point, quick):
    measured, findings, sources = {}, [], {}
    for name, (obs, output, reads) in spec.measure.items():
        m, secs = _measure(obs, point, spec.seed, quick)
        v = m.values[output]
        measured[name] = {"observable": obs, "output": output, "reads": show(reads), "value": v.value,
                          "se": v.se, "seconds": round(secs, 4)}
        sources.setdefault((obs, output), []).append(name)
        relevant = not getattr(m, "finding_outputs", ()) or output in m.finding_outputs
        if m.finding and relevant and m.finding not in findings:
            findings.append(m.finding)
    env = {k: float(v) for k, v in point.items() if not isinstance(v, list)}
    env.update({n: d["value"] for n, d in measured.items()})
    rels = []
    for rel in spec.claim:
        op, l, r = rel[1], rel[2], rel[3]
        lhs, rhs = _eval(l, env), _eval(r, env)
        diff = lhs - rhs

        def diff_at(e2):
            return _eval(l, e2) - _eval(r, e2)
        var = 0.0
        for names in sources.values():            # one derivative per independent measurement
            se = measured[names[0]]["se"]
            if se == 0:
                continue
            h = 1e-6 * max(1.0, abs(env[names[0]]))
            up, dn = dict(env), dict(env)
            for n in names:
                up[n] += h
                dn[n] -= h
            var += ((diff_at(up) - diff_at(dn)) / (2 * h) * se) ** 2
        se = math.sqrt(var)
        tol = max(spec.abs_tol, spec.k_se * se)
        if op == "=":
            ok = abs(diff) <= tol
        elif op in ("<=", ">="):
            ok = (diff if op == "<=" else -diff) <= tol
        else:
            ok = (diff if op == "<" else -diff) < 0
        signif = (abs(diff) / se) if se > 0 else None
        alone = None                               # a side that is one measured name: its prediction
        if l[0] == "var" and l[1] in measured:
            alone = (l[1], rhs)
        elif r[0] == "var" and r[1] in measured:
            alone = (r[1], lhs)
        rels.append({"relation": show_prop((rel,)), "op": op, "lhs": lhs, "rhs": rhs, "diff": diff,
                     "se": se, "tol": tol, "ok": bool(ok),
                     "margin_in_se": signif if op != "=" else None,
                     "measured_side": alone[0] if alone else None,
                     "predicted": alone[1] if alone else None})
    return {"params": point, "measured": measured, "relations": rels,
            "ok": all(r["ok"] for r in rels)}, findings


def run(reg, ident, quick=False):
    """Run one entry (theorem id/name or fact id); never raises for a bad measurement."""
    kind, key, variables, goal, w = subject(reg, ident)
    res = Result(kind, key, MISSING, quick=quick)
    if w is None:
        res.error = f"{_where(kind, key)}: missing"
        return res
    t0 = time.perf_counter()
    try:
        spec = parse_entry(kind, key, variables, goal, w)
    except WitnessError as exc:
        res.status, res.error = ERROR, str(exc)
        return res
    res.claim, res.kernel, res.justification, res.test = (show_prop(spec.claim), spec.kernel,
                                                           spec.justification, spec.test)
    res.tolerance = {"abs": spec.abs_tol, "k_se": spec.k_se}
    try:
        for p in points(spec):
            row, findings = _check_point(spec, p, quick)
            res.points.append(row)
            res.findings += [f for f in findings if f not in res.findings]
        for name, fair, note, rs in spec.readings:
            rows = [_check_point(rs, p, quick)[0] for p in points(rs)]
            res.readings.append({"name": name, "fair": fair, "note": note, "claim": show_prop(rs.claim),
                                 "ok": all(r["ok"] for r in rows), "points": rows})
    except Exception as exc:  # a kernel's ValueError, a bad observable: reported, not hidden
        res.status, res.error = ERROR, f"{type(exc).__name__}: {exc}"
        res.seconds = time.perf_counter() - t0
        return res
    res.status = verdict(all(r["ok"] for r in res.points), res.findings, res.readings)
    res.seconds = time.perf_counter() - t0
    return res


def verdict(ok, findings, readings=()):
    """The entry's status from its own outcome, the observables' findings and its readings.

    A claim that fails is a FINDING only when every fair reading fails too (and an
    observable explains why); when a fair reading holds the statement depends on a
    convention (units, normalisation) and the entry is UNDECIDED."""
    if ok:
        return PASS_WITH_FINDING if findings else PASS
    if any(r["fair"] and r["ok"] for r in readings):
        return UNDECIDED
    return FINDING if findings else FAIL


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during ``run_all``: carries the results finished so far."""

    def __init__(self, results):
        super().__init__("interrupted")
        self.results = results


def run_all(reg, quick=False, only=None, progress=None):
    """Run every entry (or ``only``); ``progress`` is called with each finished Result and
    may have a ``start(kind, ident)`` method called before each entry.  Ctrl-C raises
    ``Interrupted`` with the finished results, so the caller can save a partial report."""
    out = []
    try:
        for kind, ident, *_ in subjects(reg):
            if only is not None and str(ident) not in only:
                continue
            if progress is not None and hasattr(progress, "start"):
                progress.start(f"{kind} {ident}")
            out.append(run(reg, ident, quick=quick))
            if progress is not None:
                progress(out[-1])
    except KeyboardInterrupt:
        raise Interrupted(out) from None
    return out


def summary(results):
    from collections import Counter
    c = Counter((r.kind, r.status) for r in results)
    return {kind: {st: c[(kind, st)] for st in STATUSES if c[(kind, st)]}
            for kind in ("theorem", "fact")}


# -- report and plots -------------------------------------------------------------

def default_dir():
    """The project's build/ folder (next to theorem_index.yaml), whatever the current folder."""
    from verifier.registry import ROOT
    return ROOT / "build"


def registry_digest(reg_path=None):
    from verifier.registry import DEFAULT_PATH
    return hashlib.sha256(Path(reg_path or DEFAULT_PATH).read_bytes()).hexdigest()[:16]


def write_report(results, out_dir=None, seconds=None, plots=True, interrupted=False, registry=None,
                 total=None):
    """Write witness.json (and, unless ``plots`` is false, the plots) under ``out_dir``."""
    out_dir = Path(out_dir) if out_dir is not None else default_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = {"summary": summary(results), "seconds": seconds,
           "complete": not interrupted, "interrupted": bool(interrupted),
           "entries_run": len(results), "entries_total": total,
           "quick": any(r.quick for r in results),
           "registry_digest": registry_digest(registry),
           "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "results": [r.to_json() for r in results]}
    path = out_dir / "witness.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1, default=float) + "\n", encoding="utf-8")
    tmp.replace(path)
    written = [path]
    if plots:
        written += plot_entries(results, out_dir / "witness")
    return written


def load_document(out_dir=None):
    """The whole last report (a dict), or None when there is none."""
    path = Path(out_dir if out_dir is not None else default_dir()) / "witness.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def load_report(out_dir=None):
    doc = load_document(out_dir)
    if doc is None:
        return None
    return {str(r["id"]): r for r in doc["results"]}


X_WORDS = {"H": "Hurst index H (dimensionless)", "h": "Hurst index h (dimensionless)",
           "h1": "Hurst index h1 (dimensionless)", "h2": "Hurst index h2 (dimensionless)",
           "Htrue": "true Hurst index of the simulated path (dimensionless)",
           "n": "order n (integer)", "n2": "order n2 (integer)", "eps": "distance to criticality ε (dimensionless)",
           "T": "maturity T (years)", "kappa": "hybrid-scheme cells κ (integer)",
           "alpha": "fractional order α (dimensionless)"}
Y_WORDS = {"integral": "∫₀ᵀ u^(H−1/2) du (years^(H+1/2))", "n": "branching ratio (dimensionless)",
           "rate": "strong convergence rate in N (dimensionless)",
           "fractional_order": "fractional order of the Riccati equation (dimensionless)",
           "growth_order": "growth order (dimensionless)", "adams_growth_order": "growth order, Adams solver (dimensionless)"}


def _y_words(output):
    if output in Y_WORDS:
        return Y_WORDS[output]
    return output.replace("_", " ") + (" (dimensionless)" if "exponent" in output or output.startswith(
        ("d_", "at_", "shift", "radius", "blowup", "magnification")) else "")


def _entry_label(r):
    return f"Theorem {r.id}" if r.kind == "theorem" else f"Fact {r.id}"


def _file_stem(r):
    return f"theorem_{r.id}" if r.kind == "theorem" else str(r.id)


def _plot_series(r):
    """Per equality relation: the measured side against the first swept parameter, with the
    statement's prediction where the other side depends on parameters only; otherwise the
    difference lhs - rhs against the statement's prediction 0.  Inequalities: nothing."""
    out = {}
    for row in r.points:
        params = row["params"]
        for j, rel in enumerate(row["relations"]):
            if rel["op"] != "=":
                continue
            name = rel.get("measured_side")
            others = [n for n in row["measured"] if n != name]
            if name is not None and not _mentions(rel["relation"], others):
                d = row["measured"][name]
                key = (j, f"{d['observable']}__{d['output']}")
                ylab = f"measured {_y_words(d['output'])}\n[{d['observable']}]"
                y, se, pred = d["value"], d["se"], rel["predicted"]
            else:
                key = (j, f"relation{j + 1}")
                ylab = f"lhs − rhs of {rel['relation']}"
                y, se, pred = rel["diff"], rel["se"], 0.0
            s = out.setdefault(key, {"ylabel": ylab, "relation": rel["relation"], "pts": []})
            s["pts"].append((params, y, se, pred, rel["ok"], rel["tol"]))
    return out


def _mentions(text, names):
    import re
    return any(re.search(rf"\b{re.escape(n)}\b", text) for n in names)


def plot_entries(results, plot_dir):
    """One PNG per entry and plotted relation, named by theorem or fact id."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plot_dir = Path(plot_dir)
    plot_dir.mkdir(parents=True, exist_ok=True)
    for old in plot_dir.glob("*.png"):        # plots of an earlier run or layout
        old.unlink()
    colours = {PASS: "#2e7d32", PASS_WITH_FINDING: "#9e9d24", FINDING: "#c62828", UNDECIDED: "#ef6c00"}
    written = []
    for r in results:
        if r.status in (ERROR, MISSING):
            continue
        series = _plot_series(r)
        for (j, tag), s in sorted(series.items()):
            pts = s["pts"]
            varying = [k for k in X_WORDS if len({p[0].get(k) for p in pts if k in p[0]}) > 1]
            x = varying[0] if varying else next((k for k in X_WORDS if k in pts[0][0]), None)
            fig, ax = plt.subplots(figsize=(6.0, 4.2), dpi=110)
            groups = {}
            for p in pts:
                g = tuple((k, p[0][k]) for k in varying[1:])
                groups.setdefault(g, []).append(p)
            for gi, (g, gp) in enumerate(sorted(groups.items())):
                gp.sort(key=lambda p: p[0].get(x, 0))
                xs = [p[0].get(x, 0) for p in gp]
                lab = ", ".join(f"{k} = {v}" for k, v in g)
                ax.errorbar(xs, [p[1] for p in gp], yerr=[2 * p[2] for p in gp], fmt="o", ms=4, capsize=3,
                            color=f"C{gi}", label=f"measured (±2 SE){', ' + lab if lab else ''}")
                if len(gp) > 1:
                    ax.plot(xs, [p[3] for p in gp], "-", lw=1, color=f"C{gi}", alpha=0.8,
                            label=f"statement's prediction{', ' + lab if lab else ''}")
                    ax.fill_between(xs, [p[3] - p[5] for p in gp], [p[3] + p[5] for p in gp], color=f"C{gi}",
                                    alpha=0.12, lw=0, label="tolerance" if gi == 0 else None)
            ax.set_xlabel(X_WORDS.get(x, x or "(single point)"))
            ax.set_ylabel(s["ylabel"], fontsize=8)
            fig.suptitle(f"{_entry_label(r)}: {s['relation']}", fontsize=9)
            fig.text(0.99, 0.985, r.status, ha="right", va="top", fontsize=10, fontweight="bold",
                     color=colours.get(r.status, "black"))
            if len(pts) == 1:
                ax.text(0.01, 0.02, f"single point: statement predicts {pts[0][3]:.4g}", transform=ax.transAxes,
                        fontsize=8, va="bottom")
            ax.grid(alpha=0.3)
            ax.ticklabel_format(axis="y", useOffset=False)
            ax.legend(fontsize=7, loc="best")
            fig.tight_layout()
            suffix = tag if sum(1 for k in series if k[1] == tag) == 1 else f"{tag}_{j + 1}"
            path = plot_dir / f"{_file_stem(r)}__{suffix}.png"
            fig.savefig(path)
            plt.close(fig)
            written.append(path)
    return written
