"""Z3 as a second opinion: proofs by refutation and counterexamples (vacuity: verifier.vacuity).

IR is translated straight to Z3 terms (not through SymPy), so Z3 and the
kernel share only the parser.  ``rpow`` is an uninterpreted function with its
one lemma (b > 0 → rpow(b, e) > 0) instantiated for every occurrence; Z3's
division by zero is unspecified, so a counter-model may put a denominator at 0
(that is then the counterexample: the statement needs the denominator non-zero).
"""
from __future__ import annotations

from fractions import Fraction

import z3

from verifier.expr import fmt_num

PROVED, REFUTED, UNKNOWN, TIMEOUT, UNSUPPORTED, ERROR = (
    "PROVED", "REFUTED", "UNKNOWN", "TIMEOUT", "UNSUPPORTED", "ERROR")
TIMEOUT_MS = 5000


class _Tr:
    def __init__(self, variables):
        self.v = {name: z3.Real(name) for name in variables}
        self.rpow = z3.Function("rpow", z3.RealSort(), z3.RealSort(), z3.RealSort())
        self.lemmas = []
        self.apps = []           # (base, exponent, application) of every rpow
        self.uninterpreted = False
        self.divisors = []

    def term(self, e):
        tag = e[0]
        if tag == "num":
            return z3.RealVal(f"{e[1].numerator}/{e[1].denominator}")
        if tag == "var":
            return self.v[e[1]]
        if tag == "neg":
            return -self.term(e[1])
        if tag in ("add", "sub", "mul", "div"):
            a, b = self.term(e[1]), self.term(e[2])
            if tag == "div":
                self.divisors.append(b)
            return {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
                    "div": lambda: a / b}[tag]()
        if tag == "pow":
            b, k = self.term(e[1]), e[2]
            out = z3.RealVal(1)
            for _ in range(abs(k)):
                out = out * b
            if k < 0:
                self.divisors.append(out)
                out = 1 / out
            return out
        if tag == "rpow":
            b, x = self.term(e[1]), self.term(e[2])
            self.uninterpreted = True
            app = self.rpow(b, x)
            self.lemmas.append(z3.Implies(b > 0, app > 0))
            self.apps.append((b, x, app))
            return app
        raise ValueError(f"unknown IR node {tag!r}")

    def rel(self, r):
        _, op, l, rr = r
        a, b = self.term(l), self.term(rr)
        return {"<": a < b, "<=": a <= b, "=": a == b, ">": a > b, ">=": a >= b}[op]


def _value(m, x):
    v = m.eval(x, model_completion=True)
    if z3.is_rational_value(v):
        return Fraction(v.numerator_as_long(), v.denominator_as_long())
    if z3.is_algebraic_value(v):
        return v.approx(12).as_decimal(12)
    return str(v)


def _model(m, tr):
    out = {}
    for name, x in sorted(tr.v.items()):
        val = _value(m, x)
        out[name] = fmt_num(val) if isinstance(val, Fraction) else str(val)
    return out


def _solver():
    s = z3.Solver()
    s.set("timeout", TIMEOUT_MS)
    return s


def prove(variables, premises, goal):
    """(status, counterexample or None, note).  PROVED iff premises ∧ ¬goal is unsat."""
    try:
        tr = _Tr(variables)
        hyps = [tr.rel(r) for _, r in premises]
        g = z3.And([tr.rel(r) for r in goal]) if goal else z3.BoolVal(True)
        s = _solver()
        s.add(*hyps, *tr.lemmas)
        s.add(z3.Not(g))
        res = s.check()
        if res == z3.sat and tr.divisors:
            # prefer a counterexample where every denominator is defined
            s.push()
            s.add(*[d != 0 for d in tr.divisors])
            if s.check() != z3.sat:
                s.pop()
                s.check()
    except (z3.Z3Exception, ValueError) as exc:
        return ERROR, None, f"z3: {exc}"
    if res == z3.unsat:
        return PROVED, None, ""
    if res == z3.sat:
        m = s.model()
        cex = _model(m, tr)
        zero_div = [str(d) for d in tr.divisors if _value(m, d) == 0]
        note = ""
        if zero_div:
            note = "denominator " + ", ".join(zero_div) + " is 0 in this model"
        if tr.uninterpreted:
            return UNKNOWN, cex, "counter-model treats rpow as uninterpreted (only its positivity lemma)"
        return REFUTED, cex, note
    reason = s.reason_unknown()
    return (TIMEOUT if "timeout" in reason or "canceled" in reason else UNKNOWN), None, reason
