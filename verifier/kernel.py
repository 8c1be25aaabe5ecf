"""The trusted certificate kernel (standard library only; read it in one sitting).

It decides one thing: does a stored certificate prove a theorem's goal from its
premises?  Everything else in roughatlas (search, Z3, SymPy, exporters) is
untrusted with respect to this question.

Terms are normalised to polynomials with exact rational coefficients over
*atoms*: variables, ``inv[p]`` for 1/p with p a non-constant polynomial scaled
to leading coefficient 1 (so 1/(2h+1) = (1/2)·inv[h + 1/2]), and
``rpow[b;e]`` for the real power.  Atoms are opaque: the only facts known about
them are lemma instances that the certificate asks for explicitly, each with a
premise the kernel checks first:

    rpow_pos  b > 0            ⊢  rpow(b, e) > 0
    inv_pos   p > 0            ⊢  1/p > 0
    inv_neg   p < 0            ⊢  1/p < 0
    mul_inv   p > 0 or p < 0   ⊢  p · (1/p) = 1

A fact is ``p > 0``, ``p >= 0`` or ``p = 0`` for a polynomial p.  Certificates:

    cite    the goal is a premise (or earlier proved fact) up to a positive scale
    eq      goal_lhs - goal_rhs  ≡  Σ c·m·q   over equality facts q (m: any term)
    refute  with the negated goal added,  Σ c·P  ≡  k  where each P is a fact, a
            product of two facts, or a square; c > 0 unless P is an equality;
            contradiction iff k < 0, or k = 0 and some strict P has c > 0
            (Positivstellensatz of degree 2, as Mathlib's nlinarith).

Every inv atom in a goal must have a non-zero argument (a fact p > 0 or p < 0):
goals with a division are only proved where they are defined.

Bounded work: a coefficient 0 is refused (it only adds work), a certificate has at
most MAX_ITEMS steps, goals and terms per list, and one check spends at most
MAX_WORK monomial operations; past that the certificate is rejected, never accepted.
"""
from __future__ import annotations

import re
import threading
from fractions import Fraction

from verifier.expr import ParseError, fmt_num, parse_prop, parse_term


class KernelError(Exception):
    """A certificate the kernel does not accept; the message says why."""


MAX_TERMS = 5000       # monomials in one polynomial
MAX_BITS = 4096        # bits in one coefficient's numerator or denominator
MAX_WORK = 200_000     # monomial operations one check may spend (the registry needs <= 100)
MAX_ITEMS = 2000       # steps, goals, or terms of one certificate

_budget = threading.local()


def _spend(n):
    left = getattr(_budget, "left", None)
    if left is not None:
        _budget.left = left - n
        if left - n < 0:
            raise KernelError(f"the certificate asks for more than {MAX_WORK} monomial "
                              f"operations")


def _items(x, what):
    if len(x) > MAX_ITEMS:
        raise KernelError(f"more than {MAX_ITEMS} {what}")
    return x


def _guard(r):
    if len(r) > MAX_TERMS:
        raise KernelError(f"term too large to normalise (more than {MAX_TERMS} monomials)")
    for c in r.values():
        if c.numerator.bit_length() > MAX_BITS or c.denominator.bit_length() > MAX_BITS:
            raise KernelError(f"coefficient too large (more than {MAX_BITS} bits)")
    return r


# -- polynomials: {monomial: Fraction}, monomial = sorted tuple of (atom, exponent)

def _add(p, q, c=Fraction(1)):
    _spend(len(p) + len(q))
    r = dict(p)
    for m, v in q.items():
        s = r.get(m, 0) + c * v
        if s:
            r[m] = s
        else:
            r.pop(m, None)
    return r


def _mono_mul(a, b):
    d = dict(a)
    for x, k in b:
        d[x] = d.get(x, 0) + k
    return tuple(sorted((x, k) for x, k in d.items() if k))


def _mul(p, q):
    _spend(len(p) * len(q))
    r = {}
    for m1, c1 in p.items():
        for m2, c2 in q.items():
            m = _mono_mul(m1, m2)
            s = r.get(m, 0) + c1 * c2
            if s:
                r[m] = s
            else:
                r.pop(m, None)
        if len(r) > MAX_TERMS:
            _guard(r)
    return _guard(r)


def _const(c):
    return {(): Fraction(c)} if c else {}


def _key(p):
    """Canonical text of a polynomial (atom names inside inv/rpow)."""
    if not p:
        return "0"
    parts = []
    for m in sorted(p, key=lambda m: (-sum(k for _, k in m), m)):
        mono = "*".join(x if k == 1 else f"{x}^{k}" for x, k in m)
        parts.append(f"{fmt_num(p[m])}{'*' + mono if mono else ''}")
    return " + ".join(parts)


def _lead(p):
    return p[min(p, key=lambda m: (-sum(k for _, k in m), m))]


def _is_const(p):
    return all(m == () for m in p)


def _atoms(p):
    return {x for m in p for x, _ in m}


class _Norm:
    """Normaliser; remembers the argument polynomial of each inv atom."""

    def __init__(self):
        self.inv_arg = {}

    def inv(self, p):
        lead = _lead(p)
        monic = {m: c / lead for m, c in p.items()}
        atom = f"inv[{_key(monic)}]"
        self.inv_arg[atom] = monic
        return {((atom, 1),): 1 / lead}

    def __call__(self, e):
        tag = e[0]
        if tag == "num":
            return _const(e[1])
        if tag == "var":
            return {((e[1], 1),): Fraction(1)}
        if tag == "neg":
            return _add({}, self(e[1]), Fraction(-1))
        if tag in ("add", "sub"):
            return _add(self(e[1]), self(e[2]), Fraction(1 if tag == "add" else -1))
        if tag == "mul":
            return _mul(self(e[1]), self(e[2]))
        if tag == "div":
            den = self(e[2])
            if not den:
                raise KernelError("division by a term that normalises to 0")
            if _is_const(den):
                return _add({}, self(e[1]), 1 / den[()])
            return _mul(self(e[1]), self.inv(den))
        if tag == "pow":
            base, k = self(e[1]), e[2]
            if k < 0:
                if not base:
                    raise KernelError("0 to a negative power")
                base = _const(1 / base[()]) if _is_const(base) else self.inv(base)
            out = _const(1)
            for _ in range(abs(k)):
                out = _mul(out, base)
            return out
        if tag == "rpow":
            return {((f"rpow[{_key(self(e[1]))};{_key(self(e[2]))}]", 1),): Fraction(1)}
        raise KernelError(f"unknown term node {tag!r}")


def _fact(norm, rel):
    """(poly, kind) with kind in '>', '>=', '=' for a relation lhs op rhs."""
    _, op, l, r = rel
    d = _add(norm(l), norm(r), Fraction(-1))
    if op in ("<", "<="):
        d = _add({}, d, Fraction(-1))
    return d, {"<": ">", ">": ">", "<=": ">=", ">=": ">=", "=": "="}[op]


def _scaled(p, q, positive):
    """Is p = λ·q for a rational λ (> 0 if positive)?"""
    if set(p) != set(q) or not p:
        return False
    lam = {p[m] / q[m] for m in p}
    return len(lam) == 1 and (not positive or lam.pop() > 0)


_RATIONAL = re.compile(r"-?[0-9]{1,300}(/[0-9]{1,300})?")


def _q(text, where):
    if not isinstance(text, str) or not _RATIONAL.fullmatch(text):
        raise KernelError(f"{where}: coefficient {str(text)[:40]!r} is not an exact rational "
                          f"written as 'p' or 'p/q'")
    try:
        return Fraction(text)
    except ZeroDivisionError:
        raise KernelError(f"{where}: coefficient {text!r} is not an exact rational") from None


def _nonzero(text, where):
    c = _q(text, where)
    if c == 0:
        raise KernelError(f"{where}: coefficient 0 (a term that contributes nothing is not allowed)")
    return c


class _Context:
    def __init__(self, variables, premises, lemmas):
        self.vars = list(variables)
        self.norm = _Norm()
        self.facts = {}
        for label, rel in premises:
            self.facts[f"h:{label}"] = _fact(self.norm, rel)
        for label, fact in lemmas.items():
            self.facts[label] = fact

    def term(self, text, where):
        try:
            return self.norm(parse_term(text, self.vars, where))
        except ParseError as exc:
            raise KernelError(str(exc)) from None

    def get(self, ref, extra):
        if ref in extra:
            return extra[ref]
        if ref not in self.facts:
            raise KernelError(f"certificate refers to unknown fact {ref!r}")
        return self.facts[ref]

    def has_positive(self, p):
        return any(k == ">" and _scaled(f, p, True) for f, k in self.facts.values())

    def nonzero(self, monic):
        return any(k == ">" and _scaled(f, monic, False) for f, k in self.facts.values())

    # -- the three certificate forms ----------------------------------------
    def cite(self, goal, cert):
        g, gk = goal
        f, fk = self.get(cert.get("ref"), {})
        ok = _scaled(g, f, gk != "=") if g else not f
        if not ok or (gk == "=") != (fk == "=") or (gk == ">" and fk == ">="):
            raise KernelError(f"cited fact {cert.get('ref')!r} does not match the goal")

    def eq(self, goal, cert):
        g, gk = goal
        if gk != "=":
            raise KernelError("an 'eq' certificate proves only an equality")
        total = {}
        for i, t in enumerate(_items(cert.get("terms", []), "terms")):
            where = f"eq term {i + 1}"
            c = _nonzero(t.get("c"), where)
            refs = t.get("of", [])
            if len(refs) != 1:
                raise KernelError(f"{where}: names exactly one equality fact")
            f, k = self.get(refs[0], {})
            if k != "=":
                raise KernelError(f"{where}: {refs[0]} is not an equality")
            m = self.term(t["times"], where) if "times" in t else _const(1)
            total = _add(total, _mul(m, f), c)
        if _add(g, total, Fraction(-1)):
            raise KernelError("goal minus the combination does not normalise to 0: "
                              + _key(_add(g, total, Fraction(-1))))

    def refute(self, goal, cert):
        g, gk = goal
        if gk == "=":
            raise KernelError("an equality goal needs an 'eq' or 'cite' certificate")
        neg = {"neg": (_add({}, g, Fraction(-1)), ">=" if gk == ">" else ">")}
        total, strict = {}, False
        terms = _items(cert.get("terms", []), "terms")
        if not terms:
            raise KernelError("empty refutation")
        for i, t in enumerate(terms):
            where = f"refute term {i + 1}"
            c = _nonzero(t.get("c"), where)
            if "sq" in t:
                if set(t) - {"c", "sq"}:
                    raise KernelError(f"{where}: a square term takes only c and sq")
                s = self.term(t["sq"], where)
                prod, kind = _mul(s, s), ">="
            else:
                refs = t.get("of", [])
                if not 1 <= len(refs) <= 2:
                    raise KernelError(f"{where}: a product of one or two facts")
                facts = [self.get(r, neg) for r in refs]
                kinds = {k for _, k in facts}
                prod = facts[0][0] if len(facts) == 1 else _mul(facts[0][0], facts[1][0])
                kind = "=" if "=" in kinds else (">" if kinds == {">"} else ">=")
                if "times" in t:
                    if kind != "=":
                        raise KernelError(f"{where}: only an equality may be multiplied "
                                          f"by an arbitrary term")
                    prod = _mul(prod, self.term(t["times"], where))
            if kind != "=" and c <= 0:
                raise KernelError(f"{where}: coefficient {c} of an inequality must be > 0")
            strict = strict or kind == ">"
            total = _add(total, prod, c)
        if not _is_const(total):
            raise KernelError("the combination leaves non-constant terms: " + _key(total))
        k = total.get((), Fraction(0))
        if not (k < 0 or (k == 0 and strict)):
            raise KernelError(f"the combination is {fmt_num(k)}, which is no contradiction")

    def lemma(self, step, i):
        where = f"step {i + 1} ({step.get('lemma')})"
        name = step.get("lemma")
        if name == "rpow_pos":
            b = self.term(step.get("base", ""), where)
            e = self.term(step.get("exp", ""), where)
            if not self.has_positive(b):
                raise KernelError(f"{where}: no established fact base > 0 for {_key(b)}")
            atom = f"rpow[{_key(b)};{_key(e)}]"
            return {((atom, 1),): Fraction(1)}, ">"
        p = self.term(step.get("arg", ""), where)
        if not p or _is_const(p):
            raise KernelError(f"{where}: the argument must be a non-constant term")
        inv = self.norm.inv(p)
        pos = self.has_positive(p)
        neg = self.has_positive(_add({}, p, Fraction(-1)))
        if name == "inv_pos" and pos:
            return inv, ">"
        if name == "inv_neg" and neg:
            return _add({}, inv, Fraction(-1)), ">"
        if name == "mul_inv" and (pos or neg):
            return _add(_mul(p, inv), _const(-1)), "="
        raise KernelError(f"{where}: unknown lemma, or its premise on {_key(p)} is not established")

    def have(self, step, i):
        where = f"step {i + 1} (have)"
        try:
            rels = parse_prop(step.get("prop", ""), self.vars, where)
        except ParseError as exc:
            raise KernelError(str(exc)) from None
        if len(rels) != 1:
            raise KernelError(f"{where}: a step proves exactly one relation")
        goal = _fact(self.norm, rels[0])
        self.prove(goal, step.get("proof", {}), where)
        return goal

    def prove(self, goal, cert, where):
        method = cert.get("method")
        fn = {"cite": self.cite, "eq": self.eq, "refute": self.refute}.get(method)
        if fn is None:
            raise KernelError(f"{where}: unknown certificate method {method!r}")
        try:
            fn(goal, cert)
        except KernelError as exc:
            raise KernelError(f"{where}: {exc}") from None


def check(variables, premises, goal, certificate, lemmas=None):
    """Raise KernelError unless ``certificate`` proves ``goal`` from ``premises``.

    variables: names; premises: [(label, relation IR)]; goal: tuple of relation
    IR (a conjunction); lemmas: {"t:ID" or "t:ID.k": fact} from earlier proved
    theorems whose premises the caller has matched (see ``theorem_facts``).
    """
    _budget.left = MAX_WORK
    try:
        return _check(variables, premises, goal, certificate, lemmas)
    finally:
        _budget.left = None


def _check(variables, premises, goal, certificate, lemmas):
    ctx = _Context(variables, premises, lemmas or {})
    for i, step in enumerate(_items(certificate.get("steps", []), "steps")):
        fact = ctx.lemma(step, i) if "lemma" in step else ctx.have(step, i)
        ctx.facts[f"s:{i + 1}"] = fact
    goals = _items(certificate.get("goals", []), "goals")
    if len(goals) != len(goal):
        raise KernelError(f"{len(goal)} goal relation(s) but {len(goals)} certificate(s)")
    for j, (rel, cert) in enumerate(zip(goal, goals)):
        g = _fact(ctx.norm, rel)
        inner = _Norm()          # every inv atom of the goal, nested ones included
        _fact(inner, rel)
        for atom, monic in inner.inv_arg.items():
            if not ctx.nonzero(monic):
                raise KernelError(f"goal {j + 1}: the denominator {atom[4:-1]} is not shown "
                                  f"non-zero (needs a fact p > 0 or p < 0)")
        ctx.prove(g, cert, f"goal {j + 1}")
    return True


def theorem_facts(premises, goal):
    """Normalised premises and goal facts of a theorem (for citing it later)."""
    norm = _Norm()
    return [_fact(norm, r) for _, r in premises], [_fact(norm, r) for r in goal]


def premises_included(cited, available):
    """Is every premise fact of a cited theorem among the available premise facts?"""
    return all(any(k == k2 and _scaled(f, f2, k != "=") for f2, k2 in available)
               for f, k in cited)
