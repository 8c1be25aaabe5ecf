"""SymPy: the IR as SymPy objects (for exporters), and identity checking.

``to_sympy(e, evaluate=False)`` keeps the statement's shape (exporters print it
as written); the identity checker builds evaluated expressions and decides an
equality goal by reducing the numerator of lhs − rhs modulo a Gröbner basis of
the equality premises (for goals with no premises: plain cancellation).
Inequalities are outside this backend (UNSUPPORTED).
"""
from __future__ import annotations

import sympy

from verifier.z3backend import ERROR, PROVED, REFUTED, UNKNOWN, UNSUPPORTED

rpow = sympy.Function("rpow")


def to_sympy(e, symbols=None, evaluate=True):
    symbols = {} if symbols is None else symbols
    tag = e[0]

    def rec(x):
        return to_sympy(x, symbols, evaluate)

    if tag == "num":
        return sympy.Rational(e[1].numerator, e[1].denominator)
    if tag == "var":
        if e[1] not in symbols:
            symbols[e[1]] = sympy.Symbol(e[1], real=True)
        return symbols[e[1]]
    if tag == "neg":
        return sympy.Mul(sympy.Integer(-1), rec(e[1]), evaluate=evaluate)
    if tag == "add":
        return sympy.Add(rec(e[1]), rec(e[2]), evaluate=evaluate)
    if tag == "sub":
        return sympy.Add(rec(e[1]), sympy.Mul(sympy.Integer(-1), rec(e[2]), evaluate=evaluate),
                         evaluate=evaluate)
    if tag == "mul":
        return sympy.Mul(rec(e[1]), rec(e[2]), evaluate=evaluate)
    if tag == "div":
        return sympy.Mul(rec(e[1]), sympy.Pow(rec(e[2]), -1, evaluate=evaluate), evaluate=evaluate)
    if tag == "pow":
        return sympy.Pow(rec(e[1]), sympy.Integer(e[2]), evaluate=evaluate)
    if tag == "rpow":
        return rpow(rec(e[1]), rec(e[2]), evaluate=evaluate) if not evaluate else rpow(rec(e[1]), rec(e[2]))
    if tag == "rel":
        cls = {"<": sympy.StrictLessThan, "<=": sympy.LessThan, "=": sympy.Eq,
               ">": sympy.StrictGreaterThan, ">=": sympy.GreaterThan}[e[1]]
        return cls(rec(e[2]), rec(e[3]), evaluate=evaluate)
    raise ValueError(f"unknown IR node {tag!r}")


def check_identity(premises, goal):
    """(status, note) for a conjunction of equality goals."""
    if not goal or any(r[1] != "=" for r in goal):
        return UNSUPPORTED, "SymPy checks equalities only"
    try:
        syms = {}
        eqs = [to_sympy(r[2], syms) - to_sympy(r[3], syms) for _, r in premises if r[1] == "="]
        eqs = [sympy.together(x).as_numer_denom()[0] for x in eqs]
        for r in goal:
            diff = sympy.together(to_sympy(r[2], syms) - to_sympy(r[3], syms))
            num = sympy.expand(diff.as_numer_denom()[0])
            if num == 0:
                continue
            gens = sorted(syms.values(), key=str)
            if not eqs or not gens:
                return REFUTED if num.is_number else UNKNOWN, f"lhs − rhs = {sympy.factor(diff)}"
            basis = sympy.groebner(eqs, *gens, order="lex")
            if basis.exprs == [1]:
                return PROVED, "premises inconsistent"
            _, rem = basis.reduce(num)
            if sympy.expand(rem) != 0:
                return UNKNOWN, f"remainder {rem} modulo the equality premises"
        return PROVED, ""
    except (sympy.SympifyError, sympy.PolynomialError, TypeError, ValueError) as exc:
        return ERROR, f"sympy: {exc}"
