"""Soundness under mutation.

For every theorem, mutants are made by flipping a goal relation, perturbing a
constant, dropping a hypothesis, swapping two variables, changing an integer
exponent, weakening a hypothesis, swapping the two sides of a goal relation
and perturbing a real-power exponent.  Z3 judges each
mutant; every mutant for which Z3 finds a counter-model is false (or at least
not derivable from the lemmas the kernel knows), so the kernel must reject both
the original certificate and any certificate the search finds for it.  A
false mutant that the kernel accepts is the worst bug this project can have.
"""
from __future__ import annotations

import dataclasses
import itertools
from fractions import Fraction

from verifier import kernel, search
from verifier.expr import show_prop, substitute, variables_of
from verifier import budget
from verifier.pipeline import SEARCH_SECONDS, STEP_SECONDS, lemma_facts, load_certificates
from verifier.z3backend import PROVED, REFUTED, UNKNOWN
from verifier import z3backend

_FLIP = {"<": [">="], "<=": [">"], ">": ["<="], ">=": ["<"], "=": ["<", ">"]}
PERTURB = Fraction(1, 7)


def _first_num(e):
    """Path-free replacement of the first numeric literal by literal + 1."""
    if e[0] == "num":
        return ("num", e[1] + 1), True
    if e[0] == "var":
        return e, False
    out, done = [e[0]], False
    for x in e[1:]:
        if isinstance(x, tuple) and not done:
            x, done = _first_num(x)
        out.append(x)
    return tuple(out), done


KINDS = ("flip", "perturb", "drop", "swap", "exponent", "weaken", "sides", "rpow")
_WEAKER = {"<": "<=", ">": ">="}


def _each_node(e, tag):
    """Every (path-free) way to rebuild ``e`` with one ``tag`` node replaced.

    Yields (node, rebuild) where rebuild(new_node) returns the whole term with
    that one occurrence replaced."""
    if not isinstance(e, tuple) or e[0] in ("num", "var"):
        return
    if e[0] == tag:
        yield e, lambda new: new
    for i, x in enumerate(e[1:], start=1):
        if isinstance(x, tuple):
            for node, rebuild in _each_node(x, tag):
                yield node, (lambda r, i=i: lambda new: e[:i] + (r(new),) + e[i + 1:])(rebuild)


def mutants(t):
    """[(kind, description, Statement)] for one theorem."""
    s = t.statement
    out = []

    def with_goal(goal):
        return dataclasses.replace(s, goal=tuple(goal))

    for j, r in enumerate(s.goal):
        _, op, lhs, rhs = r
        for new in _FLIP[op]:
            g = list(s.goal)
            g[j] = ("rel", new, lhs, rhs)
            out.append(("flip", f"goal {j + 1}: {op} → {new}", with_goal(g)))
        for sign, how in ((1, "+"), (-1, "-")):
            g = list(s.goal)
            g[j] = ("rel", op, lhs, ("add", rhs, ("num", sign * PERTURB)))
            out.append(("perturb", f"goal {j + 1}: rhs {how} 1/7", with_goal(g)))
        new_r, changed = _first_num(r)
        if changed:
            g = list(s.goal)
            g[j] = new_r
            out.append(("perturb", f"goal {j + 1}: first constant + 1", with_goal(g)))
    for i, (label, _) in enumerate(s.premises):
        prem = s.premises[:i] + s.premises[i + 1:]
        out.append(("drop", f"drop hypothesis {label}", dataclasses.replace(s, premises=prem)))
    places = [("goal", j, r) for j, r in enumerate(s.goal)] + \
        [("hypothesis", i, r) for i, (_, r) in enumerate(s.premises)]
    for where, j, r in places:
        def put(new_r, kind, desc):
            if where == "goal":
                g = list(s.goal)
                g[j] = new_r
                out.append((kind, f"goal {j + 1}: {desc}", with_goal(g)))
            else:
                label = s.premises[j][0]
                prem = s.premises[:j] + ((label, new_r),) + s.premises[j + 1:]
                out.append((kind, f"hypothesis {label}: {desc}",
                            dataclasses.replace(s, premises=prem)))

        for node, rebuild in _each_node(r, "pow"):
            for k in sorted({node[2] + 1, node[2] - 1, -node[2]} - {node[2]}):
                if abs(k) > 64 or (k < 0 and node[1] == ("num", Fraction(0))):
                    continue
                put(rebuild(("pow", node[1], k)), "exponent", f"exponent {node[2]} → {k}")
        for node, rebuild in _each_node(r, "rpow"):
            for sign, how in ((1, "+"), (-1, "-")):
                put(rebuild(("rpow", node[1], ("add", node[2], ("num", sign * PERTURB)))),
                    "rpow", f"rpow exponent {how} 1/7")
            put(rebuild(("rpow", ("sub", node[1], ("num", Fraction(1))), node[2])),
                "rpow", "rpow base - 1")
    for j, (_, op, lhs, rhs) in enumerate(s.goal):
        if op != "=":
            g = list(s.goal)
            g[j] = ("rel", op, rhs, lhs)
            out.append(("sides", f"goal {j + 1}: sides swapped", with_goal(g)))
    for i, (label, (_, op, lhs, rhs)) in enumerate(s.premises):
        weaker = []
        if op in _WEAKER:
            weaker.append((_WEAKER[op], lhs, rhs, f"{op} → {_WEAKER[op]}"))
        # the looser side moved by 1/7: a < b  →  a < b + 1/7,  a = b  →  a <= b + 1/7
        slack = ("num", PERTURB)
        if op in ("<", "<=", "="):
            weaker.append(("<=" if op == "=" else op, lhs, ("add", rhs, slack), "rhs + 1/7"))
        else:
            weaker.append((op, ("add", lhs, slack), rhs, "lhs + 1/7"))
        for new_op, a, b, how in weaker:
            prem = s.premises[:i] + ((label, ("rel", new_op, a, b)),) + s.premises[i + 1:]
            out.append(("weaken", f"weaken hypothesis {label}: {how}",
                        dataclasses.replace(s, premises=prem)))
    gvars = sorted(set().union(*(variables_of(r) for r in s.goal)) if s.goal else set())
    for a, b in itertools.combinations(gvars, 2):
        swap = {a: ("var", b), b: ("var", a)}
        g = [substitute(r, swap) for r in s.goal]
        out.append(("swap", f"swap {a} ↔ {b} in the goal", with_goal(g)))
    return out


@dataclasses.dataclass
class Result:
    theorem: int
    kind: str
    description: str
    z3: str
    kernel_original: bool      # kernel accepted the original certificate
    kernel_searched: bool      # kernel accepted a certificate found by search
    searched: bool             # search produced a certificate at all
    has_cex: bool = False      # Z3 produced a counter-model

    @property
    def false(self):
        return self.z3 in (REFUTED, UNKNOWN) and self.has_cex


def run(reg, proofs_dir=None, progress=None, ids=None):
    """Mutate every theorem (or ``ids``); returns (results, report dict)."""
    certs = load_certificates(proofs_dir) if proofs_dir else load_certificates()
    by_id = reg.by_id()
    proved = set(by_id)          # the stored certificates all check (verified elsewhere)
    results = []
    for t in reg.theorems:
        if ids is not None and t.id not in ids:
            continue
        cert = certs.get(t.id)
        for kind, desc, st in mutants(t):
            try:
                with budget.limit(STEP_SECONDS, "Z3 on a mutant"):
                    z, cex, _ = z3backend.prove(st.vars, st.premises, st.goal)
            except budget.StepTimeout:
                z, cex = "TIMEOUT", None
            mt = dataclasses.replace(t, statement=st)
            lemmas = lemma_facts(mt, by_id, proved - {t.id})
            acc_orig = _accepts(st, cert, lemmas)
            try:
                with budget.limit(SEARCH_SECONDS, "search on a mutant"):
                    found, _ = search.certify(st.vars, st.premises, st.goal, lemmas)
            except (kernel.KernelError, budget.StepTimeout):
                found = None
            acc_search = found is not None and _accepts(st, found, lemmas)
            results.append(Result(t.id, kind, f"{desc}: {show_prop(st.goal)}", z, acc_orig,
                                  acc_search, found is not None, has_cex=cex is not None))
        if progress:
            progress(t)
    false = [r for r in results if r.false]
    accepted_false = [r for r in false if r.kernel_original or r.kernel_searched]
    killed = len(false) - len(accepted_false)
    true_mutants = [r for r in results if r.z3 == PROVED]
    report = {
        "mutants": len(results),
        "false_mutants": len(false),
        "killed": killed,
        "accepted_false": len(accepted_false),
        "kill_rate": (killed / len(false)) if false else 1.0,
        "equivalent_or_true": len(true_mutants),
        "undecided": len(results) - len(false) - len(true_mutants),
        "by_kind": {k: sum(1 for r in false if r.kind == k) for k in KINDS},
        "mutants_by_kind": {k: sum(1 for r in results if r.kind == k) for k in KINDS},
        "accepted_false_list": [dataclasses.asdict(r) for r in accepted_false],
    }
    return results, report


def _accepts(st, cert, lemmas):
    if cert is None:
        return False
    try:
        kernel.check(st.vars, st.premises, st.goal, cert, lemmas)
        return True
    except kernel.KernelError:
        return False
