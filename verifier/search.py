"""Untrusted certificate search.

Finds certificates in the kernel's format: side facts for every denominator
and real power (``have`` + lemma steps), then one certificate per goal
relation: an identity or a linear combination of equalities (``eq``), a cited
premise (``cite``), or a Positivstellensatz refutation of degree 1, then 2
(``refute``).  The linear programs are solved exactly over the rationals by Z3,
so nothing is rounded.  Whatever this module produces, only ``kernel.check``
decides whether it proves anything.
"""
from __future__ import annotations

from fractions import Fraction

import z3

from verifier import kernel as K
from verifier.expr import fmt_num, show


class _Space:
    """Facts available to a proof, with the kernel's own normal forms."""

    def __init__(self, variables, premises, lemma_facts):
        self.vars = list(variables)
        self.norm = K._Norm()
        self.facts = {f"h:{lab}": K._fact(self.norm, r) for lab, r in premises}
        self.facts.update(lemma_facts)

    def positive(self, p):
        return any(k == ">" and K._scaled(f, p, True) for f, k in self.facts.values())


def _ir_nodes(e, acc):
    if e[0] in ("num", "var"):
        return acc
    if e[0] == "rel":
        _ir_nodes(e[2], acc)
        _ir_nodes(e[3], acc)
        return acc
    if e[0] in ("div", "rpow") or (e[0] == "pow" and e[2] < 0):
        acc.append(e)
    for x in e[1:]:
        if isinstance(x, tuple):
            _ir_nodes(x, acc)
    return acc


def _lp(cands, target=None, strict_ok=True, timeout_ms=4000):
    """Exact LP over candidate terms.

    cands: [(descriptor, poly, kind)].  target None: find Σ λ P ≡ k with k = −1,
    or k = 0 and positive weight on a strict term.  target poly: Σ λ P ≡ target
    (equalities only).  Returns [(descriptor, Fraction)] or None.
    """
    opt = z3.Optimize()
    opt.set("timeout", timeout_ms)
    lam = [z3.Real(f"l{i}") for i in range(len(cands))]
    monos = set()
    for _, p, _ in cands:
        monos.update(p)
    if target is not None:
        monos.update(target)
    for i, (_, _, kind) in enumerate(cands):
        if kind != "=":
            opt.add(lam[i] >= 0)
    const = None
    for m in sorted(monos):
        s = z3.Sum([lam[i] * z3.RealVal(str(p[m])) for i, (_, p, _) in enumerate(cands) if m in p]
                   or [z3.RealVal(0)])
        want = target.get(m, Fraction(0)) if target is not None else Fraction(0)
        if m == () and target is None:
            const = s
            continue
        opt.add(s == z3.RealVal(str(want)))
    if target is None:
        const = const if const is not None else z3.RealVal(0)
        strict = z3.Sum([lam[i] for i, (_, _, k) in enumerate(cands) if k == ">"]
                        or [z3.RealVal(0)])
        opt.add(z3.Or(const == -1, z3.And(const == 0, strict >= 1)) if strict_ok else const == -1)
        opt.minimize(z3.Sum([lam[i] for i, (_, _, k) in enumerate(cands) if k != "="]
                            or [z3.RealVal(0)]))
    if opt.check() != z3.sat:
        return None
    m = opt.model()
    out = []
    for i, (desc, _, _) in enumerate(cands):
        v = m.eval(lam[i], model_completion=True)
        q = Fraction(v.numerator_as_long(), v.denominator_as_long())
        if q:
            out.append((desc, q))
    return out


def _terms(sol):
    return [dict(c=fmt_num(q), **desc) for desc, q in sol]


def _atom_texts(space):
    return sorted(space.vars)


def refute(space, extra=None, degree=2):
    """A refutation certificate using the space's facts plus ``extra`` (e.g. neg)."""
    facts = dict(space.facts)
    facts.update(extra or {})
    names = sorted(facts)
    base = [({"of": [n]}, facts[n][0], facts[n][1]) for n in names]
    sol = _lp(base)
    if sol is None and degree >= 2:
        cands = list(base)
        ineq = [n for n in names if facts[n][1] != "="]
        eqs = [n for n in names if facts[n][1] == "="]
        for i, a in enumerate(ineq):
            for b in ineq[i:]:
                fa, ka = facts[a]
                fb, kb = facts[b]
                kind = ">" if ka == kb == ">" else ">="
                cands.append(({"of": [a, b]}, K._mul(fa, fb), kind))
        for e in eqs:
            for v in space.vars:
                cands.append(({"of": [e], "times": v}, K._mul(facts[e][0], {((v, 1),): Fraction(1)}), "="))
            for other in ineq:
                cands.append(({"of": [e, other]}, K._mul(facts[e][0], facts[other][0]), "="))
        for v in space.vars:
            cands.append(({"sq": v}, {((v, 2),): Fraction(1)}, ">="))
        sol = _lp(cands)
    return None if sol is None else {"method": "refute", "terms": _terms(sol)}


def _cite(space, goal):
    g, gk = goal
    for name in sorted(space.facts):
        f, fk = space.facts[name]
        if (gk == "=") == (fk == "=") and not (gk == ">" and fk == ">=") and g and \
                K._scaled(g, f, gk != "="):
            return {"method": "cite", "ref": name}
    return None


def _eq(space, goal):
    g, _ = goal
    if not g:
        return {"method": "eq", "terms": []}
    eqs = [n for n in sorted(space.facts) if space.facts[n][1] == "="]
    cands = [({"of": [e]}, space.facts[e][0], "=") for e in eqs]
    for e in eqs:
        for v in space.vars:
            cands.append(({"of": [e], "times": v},
                          K._mul(space.facts[e][0], {((v, 1),): Fraction(1)}), "="))
    if not cands:
        return None
    sol = _lp(cands, target=g)
    return None if sol is None else {"method": "eq", "terms": _terms(sol)}


def prove_fact(space, goal):
    """Certificate for a normalised goal fact from the space, or None."""
    g, gk = goal
    if gk == "=":
        return _eq(space, goal) or _cite(space, goal)
    found = _cite(space, goal)
    if found:
        return found
    neg = {"neg": (K._add({}, g, Fraction(-1)), ">=" if gk == ">" else ">")}
    return refute(space, neg, degree=1) or refute(space, neg, degree=2)


def certify(variables, premises, goal, lemma_facts=None):
    """Search a certificate; returns (certificate or None, message)."""
    space = _Space(variables, premises, lemma_facts or {})
    steps = []

    def add(step, fact):
        steps.append(step)
        space.facts[f"s:{len(steps)}"] = fact

    done = set()
    nodes = []
    for _, r in premises:
        _ir_nodes(r, nodes)
    for r in goal:
        _ir_nodes(r, nodes)
    for node in nodes:
        if node[0] == "rpow":
            base_txt, exp_txt = show(node[1]), show(node[2])
            b = space.norm(node[1])
            key = ("rpow", K._key(b), K._key(space.norm(node[2])))
            if key in done:
                continue
            done.add(key)
            if not space.positive(b):
                cert = prove_fact(space, (b, ">"))
                if cert is None:
                    continue
                add({"prop": f"{base_txt} > 0", "proof": cert}, (b, ">"))
            fact = ({((f"rpow[{K._key(b)};{K._key(space.norm(node[2]))}]", 1),): Fraction(1)}, ">")
            add({"lemma": "rpow_pos", "base": base_txt, "exp": exp_txt}, fact)
            continue
        den_ir = node[2] if node[0] == "div" else node[1]
        den = space.norm(den_ir)
        if K._is_const(den):
            continue
        key = ("inv", K._key({m: c / K._lead(den) for m, c in den.items()}))
        if key in done:
            continue
        done.add(key)
        txt = show(den_ir)
        inv = space.norm.inv(den)
        if space.positive(den) or _try_have(space, add, den, ">", f"{txt} > 0"):
            add({"lemma": "inv_pos", "arg": txt}, (inv, ">"))
        elif space.positive(K._add({}, den, Fraction(-1))) or _try_have(
                space, add, K._add({}, den, Fraction(-1)), ">", f"{txt} < 0"):
            add({"lemma": "inv_neg", "arg": txt}, (K._add({}, inv, Fraction(-1)), ">"))
        else:
            continue
        add({"lemma": "mul_inv", "arg": txt}, (K._add(K._mul(den, inv), K._const(-1)), "="))

    goals = []
    for j, r in enumerate(goal):
        g = K._fact(space.norm, r)
        cert = prove_fact(space, g)
        if cert is None and _products(space, add):
            cert = prove_fact(space, g)
        if cert is None:
            return None, f"no certificate found for goal relation {j + 1}: {show(r)}"
        goals.append(cert)
    return {"steps": steps, "goals": goals}, "found"


def _poly_text(p):
    """Parseable text of a polynomial over plain variables (None if it has other atoms)."""
    parts = []
    for m, c in sorted(p.items(), key=lambda kv: K._key({kv[0]: 1})):
        if any(not x.isidentifier() for x, _ in m):
            return None
        mono = "*".join(x if k == 1 else f"{x}**{k}" for x, k in m)
        parts.append(f"({fmt_num(c)})" + (f"*{mono}" if mono else ""))
    return " + ".join(parts) if parts else "0"


def _products(space, add):
    """Fallback for degree > 2: products of two strict facts become proved steps."""
    added = False
    strict = [n for n in sorted(space.facts) if space.facts[n][1] == ">"]
    for i, a in enumerate(strict):
        for b in strict[i:]:
            prod = K._mul(space.facts[a][0], space.facts[b][0])
            text = _poly_text(prod)
            if text is None or space.positive(prod):
                continue
            cert = {"method": "refute", "terms": [{"c": "1", "of": ["neg"]},
                                                   {"c": "1", "of": [a, b]}]}
            add({"prop": f"{text} > 0", "proof": cert}, (prod, ">"))
            added = True
    return added


def _try_have(space, add, poly, kind, text):
    cert = prove_fact(space, (poly, kind))
    if cert is None:
        return False
    add({"prop": text, "proof": cert}, (poly, kind))
    return True
