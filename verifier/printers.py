"""SymPy printers for the export targets: Lean 4 (Mathlib) and Coq (Reals).

Both are ``StrPrinter`` subclasses fed with ``verifier.sympy_backend.to_sympy(e,
evaluate=False)``, which keeps the registry statement's shape: binary ``Add`` /
``Mul`` in written order, subtraction as ``x + (-1)*y``, division as
``x * y**-1``.  The printers read those shapes back (``a - b``, ``a / b``,
``-a``) and parenthesise by their own precedence table, so a statement prints
as written.

Only the constructs of the registry IR are known: integers and rationals,
real symbols, ``Add``, ``Mul``, ``Pow`` with an integer exponent, ``rpow`` and
the five relations.  Anything else (a float, ``sin``, a symbolic exponent in
``**``, …) raises ``ExportError`` naming the construct; nothing is guessed.
"""
from __future__ import annotations

import sympy
from sympy.core.relational import Relational
from sympy.printing.str import StrPrinter

from verifier.sympy_backend import rpow, to_sympy


class ExportError(ValueError):
    """A construct or name an exporter does not know; the message names it."""


ATOM, POW, MUL, NEG, ADD = 100, 75, 70, 66, 65
_RELS = {sympy.StrictLessThan: "<", sympy.LessThan: "<=", sympy.Equality: "=",
         sympy.StrictGreaterThan: ">", sympy.GreaterThan: ">="}


def _is_neg_one(x):
    return isinstance(x, sympy.Integer) and x == -1


def _is_inverse(x):
    return isinstance(x, sympy.Pow) and isinstance(x.exp, sympy.Integer) and x.exp == -1


class _TargetPrinter(StrPrinter):
    """Shared structure; subclasses fill in the target's spellings."""

    language = "?"
    printmethod = "_roughatlas_export"
    _default_settings = dict(StrPrinter._default_settings, inv_style="div")
    LE = "<="
    INV_FMT = "/ {}"

    # -- dispatch with a whitelist --------------------------------------------------
    def doprint(self, expr):
        return self.text(expr)[0]

    def refuse(self, expr, why=""):
        raise ExportError(f"{self.language} printer: unsupported construct "
                          f"{type(expr).__name__} ({expr})" + (f": {why}" if why else ""))

    def text(self, e):
        """(string, precedence) of a SymPy expression."""
        if isinstance(e, Relational):
            if type(e) not in _RELS:
                self.refuse(e)
            return self.relation(_RELS[type(e)], e.lhs, e.rhs), 0
        if isinstance(e, sympy.Symbol):
            return self.symbol(e.name), ATOM
        if isinstance(e, sympy.Integer):
            n = int(e)
            return (str(n), NEG) if n < 0 else (str(n), ATOM)
        if isinstance(e, sympy.Rational):
            s = f"{abs(e.p)}/{e.q}"
            return ("-" + s, NEG) if e.p < 0 else (s, MUL)
        if isinstance(e, sympy.Add):
            return self.add(e.args), ADD
        if isinstance(e, sympy.Mul):
            return self.mul(e.args)
        if isinstance(e, sympy.Pow):
            return self.power(e.base, e.exp)
        if isinstance(e, sympy.Function) and e.func == rpow:
            if len(e.args) != 2:
                self.refuse(e, "rpow takes two arguments")
            return self.rpow(*e.args)
        self.refuse(e)

    def wrap(self, e, prec, strict=False):
        s, p = self.text(e)
        return f"({s})" if (p < prec or (strict and p == prec)) else s

    # -- nodes ---------------------------------------------------------------------
    def add(self, args):
        out = self.wrap(args[0], ADD)
        for a in args[1:]:
            if isinstance(a, sympy.Mul) and len(a.args) == 2 and _is_neg_one(a.args[0]):
                out += " - " + self.wrap(a.args[1], NEG, strict=True)
            else:
                out += " + " + self.wrap(a, NEG, strict=True)
        return out

    def mul(self, args):
        if len(args) == 2 and _is_neg_one(args[0]):
            return "-" + self.wrap(args[1], POW), NEG
        if (len(args) == 2 and isinstance(args[0], sympy.Integer) and args[0] >= 0
                and _is_inverse(args[1]) and isinstance(args[1].base, sympy.Integer)
                and args[1].base > 0):
            return f"{args[0]}/{args[1].base}", MUL          # a literal fraction: 1/2
        out = self.wrap(args[0], MUL)
        for a in args[1:]:
            if _is_inverse(a) and (self._settings["inv_style"] == "div" or a.base.is_number):
                out += " / " + self.wrap(a.base, MUL, strict=True)
            else:
                out += " * " + self.wrap(a, MUL, strict=True)
        return out, MUL

    def power(self, base, exp):
        if not isinstance(exp, sympy.Integer):
            self.refuse(sympy.Pow(base, exp, evaluate=False),
                        "'**' needs an integer exponent (use rpow for a real power)")
        k = int(exp)
        if k >= 0:
            return f"{self.wrap(base, POW, strict=True)} ^ {k}", POW
        return self.negative_power(base, -k)

    def relation(self, op, lhs, rhs):
        if op in (">", ">="):                       # Mathlib style: 0 < e, a ≤ b
            lhs, rhs, op = rhs, lhs, {">": "<", ">=": "<="}[op]
        sym = self.LE if op == "<=" else op
        return f"{self.text(lhs)[0]} {sym} {self.text(rhs)[0]}"

    def symbol(self, name):
        return name


class Lean4Printer(_TargetPrinter):
    """Lean 4 / Mathlib over ℝ: ``x ^ 2`` (Monoid.npow), ``x ^ (e : ℝ)`` (Real.rpow),
    ``x⁻¹``, ``≤``.  A relation with no variable gets a ``(… : ℝ)`` ascription so
    its numerals are real."""

    language = "Lean"
    LE = "≤"

    def negative_power(self, base, k):
        b = self.wrap(base, POW, strict=True)
        return (f"{b}⁻¹", POW) if k == 1 else (f"({b} ^ {k})⁻¹", POW)

    def rpow(self, base, exp):
        return f"{self.wrap(base, POW, strict=True)} ^ ({self.text(exp)[0]} : ℝ)", POW

    def relation(self, op, lhs, rhs):
        if not (lhs.free_symbols or rhs.free_symbols):
            lhs_s = f"({self.text(lhs)[0]} : ℝ)"
            if op in (">", ">="):
                return f"{self.text(rhs)[0]} {'<' if op == '>' else '≤'} {lhs_s}"
            return f"{lhs_s} {'≤' if op == '<=' else op} {self.text(rhs)[0]}"
        return super().relation(op, lhs, rhs)


class CoqPrinter(_TargetPrinter):
    """Coq (``Reals``, ``R_scope``): ``x ^ 2`` (pow, nat exponent), ``Rpower x e``,
    ``/ x``, ``<=``."""

    language = "Coq"
    LE = "<="

    def negative_power(self, base, k):
        b = self.wrap(base, POW, strict=True)
        return (f"/ {b}", NEG) if k == 1 else (f"/ {b} ^ {k}", NEG)

    def rpow(self, base, exp):
        return f"Rpower {self.wrap(base, ATOM)} {self.wrap(exp, ATOM)}", MUL + 1


def lean(e, inv_style="div"):
    """Lean text of an IR term or relation.  ``inv_style="inv"`` writes a division by
    a non-constant as ``a * b⁻¹`` (the form proofs rewrite goals into); a division by
    a number stays ``a / 4`` (linarith clears numeral denominators itself)."""
    return Lean4Printer({"inv_style": inv_style}).doprint(to_sympy(e, evaluate=False))


def coq(e, inv_style="div"):
    """Coq text of an IR term or relation (``inv_style="inv"``: ``a * / b``)."""
    return CoqPrinter({"inv_style": inv_style}).doprint(to_sympy(e, evaluate=False))
