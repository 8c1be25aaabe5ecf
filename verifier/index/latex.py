"""LaTeX for the verifier's expression IR (``verifier.expr``), for KaTeX in the site.

Only printing: nothing here is parsed or evaluated.  Variable names map to symbols by a
small table (Greek names, ``h1`` → h_1, ``Hhat`` → \\hat H, ``dH1`` → \\Delta H_1); an
unknown multi-letter name is printed upright (``\\mathrm{se}``) so it never reads as a
product of single letters.
"""
from __future__ import annotations

import re
from fractions import Fraction

GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "kappa", "lambda", "mu",
         "nu", "xi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega"}
SPECIAL = {"eps": r"\varepsilon", "Hhat": r"\hat{H}", "Htrue": r"H_{\mathrm{true}}",
           "Hh": r"H_{\mathrm{Heston}}"}
_TAIL = re.compile(r"^([A-Za-z]+?)(\d+)$")
_PREC = {"add": 1, "sub": 1, "neg": 2, "mul": 3, "div": 3, "pow": 4, "rpow": 4}
_OPS = {"<": "<", "<=": r"\le", "=": "=", ">": ">", ">=": r"\ge"}


def var(name: str) -> str:
    if name in SPECIAL:
        return SPECIAL[name]
    if name in GREEK:
        return "\\" + name
    m = _TAIL.match(name)
    if m:                                    # h1 -> h_1, rho2 -> \rho_2, sigma0 -> \sigma_0
        return f"{var(m.group(1))}_{{{m.group(2)}}}"
    if len(name) == 1:
        return name
    if name.startswith("d") and len(name) > 1 and name[1:] in ("H", "h"):
        return rf"\Delta {name[1:]}"
    return rf"\mathrm{{{name}}}"


def num(q: Fraction) -> str:
    if q.denominator == 1:
        return str(q.numerator)
    sign = "-" if q < 0 else ""
    return rf"{sign}\tfrac{{{abs(q.numerator)}}}{{{q.denominator}}}"


def _const(e):
    """The rational value of a number or a negated number, else None."""
    if e[0] == "num":
        return e[1]
    if e[0] == "neg" and e[1][0] == "num":
        return -e[1][1]
    return None


def term(e, parent=0) -> str:
    tag = e[0]
    if tag == "num":
        out, prec = num(e[1]), (2 if e[1] < 0 else 5)
    elif tag == "var":
        out, prec = var(e[1]), 5
    elif tag == "neg":
        out, prec = "-" + term(e[1], 3), 2
    elif tag == "div":                       # a fraction bar groups both sides
        out, prec = rf"\frac{{{term(e[1])}}}{{{term(e[2])}}}", 5
        a, b = _const(e[1]), _const(e[2])
        if a is not None and b:                # a rational constant: one small fraction
            out = num(a / b)
            prec = 2 if out.startswith("-") else 5
    elif tag == "pow":
        out, prec = f"{term(e[1], 5)}^{{{e[2]}}}", 4
    elif tag == "rpow":
        out, prec = f"{term(e[1], 5)}^{{{term(e[2])}}}", 4
    elif tag == "mul":
        a, b = term(e[1], 3), term(e[2], 3)
        juxtapose = not (b[:1].isdigit() or b.startswith(("-", r"\frac", r"\tfrac")))
        out, prec = a + (" " if juxtapose else r" \cdot ") + b, 3
    elif tag in ("add", "sub"):
        right = e[2]
        r = term(right, 2 if tag == "sub" else 1)
        out, prec = term(e[1], 1) + (" + " if tag == "add" else " - ") + r, 1
    else:
        raise ValueError(f"no LaTeX form for IR node {tag!r}")
    return rf"\left({out}\right)" if prec < parent else out


def relation(rel) -> str:
    _, op, lhs, rhs = rel
    return f"{term(lhs)} {_OPS[op]} {term(rhs)}"


def prop(rels) -> str:
    return r" \;\wedge\; ".join(relation(r) for r in rels)
