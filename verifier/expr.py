"""Whitelisting expression parser: registry text -> a small exact IR.

Part of the trusted base (standard library only).  Registry strings are *input*:
they are parsed with ``ast.parse`` and then walked against a whitelist; nothing
is ever evaluated.  The result is a tree of plain tuples (the IR):

    ("num", Fraction)        exact rational constant
    ("var", name)            a declared real variable
    ("add", a, b) ("sub", a, b) ("mul", a, b) ("div", a, b)
    ("neg", a)
    ("pow", a, k)            integer power, |k| <= MAX_POW
    ("rpow", a, b)           real power a^b (Mathlib's Real.rpow)

A proposition is a tuple of relations ``("rel", op, lhs, rhs)`` read as their
conjunction; ``op`` is one of ``<  <=  =  >  >=``.  Chained comparisons
(``1/2 < H + 1/2 < 1``) and ``and`` give several relations.
"""
from __future__ import annotations

import ast
import math
import re
from fractions import Fraction

MAX_TEXT = 2000
MAX_DEPTH = 60
MAX_POW = 64
MAX_INT_DIGITS = 30
MAX_NODES = 400
MAX_DEGREE = 64          # total degree of a term once expanded (atoms: variables, 1/p, rpow)
MAX_TERMS = 5000         # monomials a term may expand to (an upper bound computed at parse time)
MAX_RPOW_NEST = 4        # rpow inside rpow inside ...
MAX_BITS = 4096          # bits of a coefficient once expanded (the kernel's own bound)
FUNCTIONS = {"rpow": 2}
_CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Eq: "=", ast.Gt: ">", ast.GtE: ">="}
_BIN = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div"}
RELATIONS = ("<", "<=", "=", ">", ">=")


class ParseError(ValueError):
    """Registry text that is not a whitelisted expression.  Names where."""

    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


def _is_identifier(name: str) -> bool:
    return name.isidentifier() and not name.startswith("_") and name.isascii()


class _Reader:
    def __init__(self, variables, where):
        self.vars = set(variables)
        self.where = where

    def fail(self, node, msg):
        col = getattr(node, "col_offset", None)
        at = f" (at column {col + 1})" if col is not None else ""
        raise ParseError(self.where, msg + at)

    # -- terms ---------------------------------------------------------------
    def term(self, node, depth=0):
        if depth > MAX_DEPTH:
            self.fail(node, f"expression nested deeper than {MAX_DEPTH} levels")
        d = depth + 1
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, int):
                if isinstance(v, float):
                    self.fail(node, f"float literal {v!r} is not allowed; write an exact "
                                    f"fraction such as 1/10")
                self.fail(node, f"constant {v!r} of type {type(v).__name__} is not allowed")
            if len(str(abs(v))) > MAX_INT_DIGITS:
                self.fail(node, f"integer literal with more than {MAX_INT_DIGITS} digits")
            return ("num", Fraction(v))
        if isinstance(node, ast.Name):
            if not _is_identifier(node.id):
                self.fail(node, f"name {node.id!r} is not allowed")
            if node.id not in self.vars:
                known = ", ".join(sorted(self.vars)) or "none"
                self.fail(node, f"unknown name {node.id!r} (declared variables: {known})")
            return ("var", node.id)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                return self.power(node, d)
            op = _BIN.get(type(node.op))
            if op is None:
                self.fail(node, f"operator {type(node.op).__name__} is not allowed")
            a, b = self.term(node.left, d), self.term(node.right, d)
            if op == "div" and b == ("num", Fraction(0)):
                self.fail(node, "division by the constant 0")
            return (op, a, b)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return ("neg", self.term(node.operand, d))
            if isinstance(node.op, ast.UAdd):
                return self.term(node.operand, d)
            self.fail(node, f"unary operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.Call):
            fname = node.func.id if isinstance(node.func, ast.Name) else None
            if fname is None:
                self.fail(node, "only plain function names may be called (no attributes, "
                                "no computed callees)")
            if fname not in FUNCTIONS:
                self.fail(node, f"unknown function {fname!r} (allowed: "
                                f"{', '.join(sorted(FUNCTIONS))})")
            if node.keywords or len(node.args) != FUNCTIONS[fname] or any(
                    isinstance(a, ast.Starred) for a in node.args):
                self.fail(node, f"{fname} takes exactly {FUNCTIONS[fname]} positional arguments")
            return (fname,) + tuple(self.term(a, d) for a in node.args)
        if isinstance(node, (ast.Compare, ast.BoolOp)):
            self.fail(node, "a relation is not allowed inside a term")
        self.fail(node, f"syntax {type(node).__name__} is not allowed")

    def power(self, node, d):
        base = self.term(node.left, d)
        e = node.right
        sign = 1
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub):
            sign, e = -1, e.operand
        if not (isinstance(e, ast.Constant) and isinstance(e.value, int)
                and not isinstance(e.value, bool)):
            self.fail(node, "'**' needs an integer literal exponent; use rpow(x, r) for a real power")
        k = sign * e.value
        if abs(k) > MAX_POW:
            self.fail(node, f"exponent {k} is too large (|k| <= {MAX_POW})")
        if k < 0 and base == ("num", Fraction(0)):
            self.fail(node, "0 raised to a negative power")
        return ("pow", base, k)

    # -- propositions --------------------------------------------------------
    def prop(self, node, depth=0):
        if depth > MAX_DEPTH:
            self.fail(node, f"proposition nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, ast.BoolOp):
            if not isinstance(node.op, ast.And):
                self.fail(node, "only 'and' may combine relations (no 'or')")
            out = ()
            for v in node.values:
                out += self.prop(v, depth + 1)
            return out
        if isinstance(node, ast.Compare):
            rels = []
            left = self.term(node.left, depth + 1)
            for op, comp in zip(node.ops, node.comparators):
                sym = _CMP.get(type(op))
                if sym is None:
                    self.fail(node, f"comparison {type(op).__name__} is not allowed "
                                    f"(use <, <=, ==, >, >=)")
                right = self.term(comp, depth + 1)
                rels.append(("rel", sym, left, right))
                left = right
            return tuple(rels)
        self.fail(node, "expected a relation such as 'a < b' or 'a == b'")


_ALLOWED = re.compile(r"[ -\"$-\[\]-~]")     # printable ASCII except '#' and '\\'
_NUMBER = re.compile(r"[0-9][A-Za-z0-9_.]*")
_NAME_RUN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _prescan(text, where):
    """Reject what Python would read differently from what it shows.

    Only ASCII letters, digits, '_', spaces and the operators are allowed: no
    comments (``#``), no line continuations or breaks, no look-alike letters
    (Python folds ``Ｈ`` and ``𝐻`` to ``H``), and numbers are plain decimal digits
    (no ``0x40``, ``0o7``, ``0b1``, ``1_000``; ``1.5`` and ``1e3`` reach the float error).
    """
    for i, ch in enumerate(text):
        if not _ALLOWED.fullmatch(ch):
            if ch == "#":
                what = "a comment ('#') is not allowed"
            elif ch == "\\":
                what = "a backslash (line continuation) is not allowed"
            elif ch in "\n\r":
                what = "a line break is not allowed"
            elif not ch.isascii():
                what = (f"non-ASCII character {ch!r} (U+{ord(ch):04X}) is not allowed; "
                        f"names and numbers are plain ASCII")
            else:
                what = f"character {ch!r} is not allowed"
            raise ParseError(where, f"{what} (at column {i + 1})")
    pos = 0
    while pos < len(text):
        m = _NAME_RUN.match(text, pos)
        if m:
            pos = m.end()
            continue
        m = _NUMBER.match(text, pos)
        if m:
            tok = m.group()
            if not re.fullmatch(r"[0-9]+(\.[0-9]*)?([eE][0-9]+)?", tok) or \
                    (len(tok) > 1 and tok[0] == "0" and tok[1:2].isdigit()):
                raise ParseError(where, f"number {tok!r} is not a plain decimal literal "
                                        f"(at column {pos + 1}); write integers in base 10 "
                                        f"without prefixes or underscores")
            pos = m.end()
            continue
        pos += 1


def _cost(e, where, nest=0):
    """(degree, monomial bound, atoms, coefficient bits) of a term once the kernel expands it.

    Upper bounds computed from the IR alone, so an input whose expansion would be
    huge (``((H + 1)**64)**64``, ``((10**64)**64)**64``) is rejected before anything
    expands it.
    """
    tag = e[0]
    if tag == "num":
        q = e[1]
        return 0, 1, frozenset(), max(q.numerator.bit_length(), q.denominator.bit_length())
    if tag == "var":
        return 1, 1, frozenset([e[1]]), 1
    if tag == "neg":
        return _cost(e[1], where, nest)
    if tag in ("add", "sub", "mul"):
        (d1, t1, a1, b1), (d2, t2, a2, b2) = _cost(e[1], where, nest), _cost(e[2], where, nest)
        if tag == "mul":
            return _bounded(d1 + d2, t1 * t2, a1 | a2, b1 + b2 + min(t1, t2).bit_length(), where)
        return _bounded(max(d1, d2), t1 + t2, a1 | a2, max(b1, b2) + 1, where)
    if tag == "div":
        d1, t1, a1, b1 = _cost(e[1], where, nest)
        d2, t2, a2, b2 = _cost(e[2], where, nest)
        if d2 == 0:
            return _bounded(d1, t1, a1, b1 + b2, where)
        return _bounded(d1 + 1, t1, a1 | {("inv", e[2])}, b1 + b2, where)
    if tag == "pow":
        d, t, a, b = _cost(e[1], where, nest)
        k = abs(e[2])
        if e[2] < 0 and d > 0:
            return _bounded(k, 1, frozenset([("inv", e[1])]), b * k, where)
        return _bounded(d * k, t ** k if t > 1 else 1, a, (b + t.bit_length()) * k, where)
    if tag == "rpow":
        if nest + 1 > MAX_RPOW_NEST:
            raise ParseError(where, f"rpow nested more than {MAX_RPOW_NEST} levels deep")
        _cost(e[1], where, nest + 1)
        _cost(e[2], where, nest + 1)
        return 1, 1, frozenset([e]), 1
    raise ParseError(where, f"unknown term node {tag!r}")


def _bounded(d, t, atoms, bits, where):
    if d > MAX_DEGREE:
        raise ParseError(where, f"term expands to total degree {d} (at most {MAX_DEGREE})")
    t = min(t, math.comb(len(atoms) + d, d)) if t > MAX_TERMS else t
    if t > MAX_TERMS:
        raise ParseError(where, f"term may expand to {t} monomials (at most {MAX_TERMS})")
    if bits > MAX_BITS:
        raise ParseError(where, f"constants may grow to {bits} bits (at most {MAX_BITS})")
    return d, t, atoms, bits


def check_cost(e, where=""):
    """Raise ParseError unless every term of an IR term or relation is within the bounds."""
    if e[0] == "rel":
        _cost(e[2], where)
        _cost(e[3], where)
    else:
        _cost(e, where)
    return e


def _count_nodes(tree, where):
    n = 0
    for _ in ast.walk(tree):
        n += 1
        if n > MAX_NODES:
            raise ParseError(where, f"expression has more than {MAX_NODES} syntax nodes")


def _tree(text, where, mode_hint):
    if not isinstance(text, str):
        raise ParseError(where, f"expected a string {mode_hint}, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise ParseError(where, f"text longer than {MAX_TEXT} characters")
    if not text.strip():
        raise ParseError(where, f"empty {mode_hint}")
    _prescan(text.strip(), where)
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        snippet = text if len(text) <= 60 else text[:57] + "..."
        raise ParseError(where, f"syntax error in {snippet!r}: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ParseError(where, f"cannot parse {text[:40]!r}...: {type(exc).__name__}") from None
    try:
        _count_nodes(tree, where)
    except RecursionError:
        raise ParseError(where, "expression nested too deeply") from None
    return tree


def parse_term(text, variables, where=""):
    """Parse an arithmetic term over the declared ``variables``."""
    return check_cost(_Reader(variables, where).term(_tree(text, where, "term")), where)


def parse_prop(text, variables, where=""):
    """Parse a conjunction of relations over the declared ``variables``."""
    try:
        rels = _Reader(variables, where).prop(_tree(text, where, "proposition"))
        for r in rels:
            check_cost(r, where)
        return rels
    except RecursionError:
        raise ParseError(where, "proposition nested too deeply") from None


# -- operations on the IR ------------------------------------------------------

def variables_of(e, acc=None):
    acc = set() if acc is None else acc
    if e[0] == "var":
        acc.add(e[1])
    elif e[0] == "rel":
        variables_of(e[2], acc)
        variables_of(e[3], acc)
    elif e[0] not in ("num",):
        for x in e[1:]:
            if isinstance(x, tuple):
                variables_of(x, acc)
    return acc


def substitute(e, mapping):
    """Replace variables by IR terms (simultaneously)."""
    tag = e[0]
    if tag == "var":
        return mapping.get(e[1], e)
    if tag == "num":
        return e
    if tag == "pow":
        return ("pow", substitute(e[1], mapping), e[2])
    if tag == "rel":
        return ("rel", e[1], substitute(e[2], mapping), substitute(e[3], mapping))
    return (tag,) + tuple(substitute(x, mapping) for x in e[1:])


def fmt_num(q: Fraction) -> str:
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


_PREC = {"add": 1, "sub": 1, "neg": 2, "mul": 3, "div": 3, "pow": 4}


def show(e, parent=0, right=False, style="ascii"):
    """Readable text for an IR term or relation (minimal parentheses).

    style "ascii" re-parses to the same IR; "math" is for people (x^k, ≤, ·).
    """
    tag = e[0]
    m = style == "math"
    if tag == "rel":
        op = {"<=": "≤", ">=": "≥"}.get(e[1], e[1]) if m else ("==" if e[1] == "=" else e[1])
        return f"{show(e[2], style=style)} {op} {show(e[3], style=style)}"
    if tag == "num":
        s = fmt_num(e[1])
        prec = 3 if "/" in s else 5
        if e[1] < 0:
            prec = 2
        out = s
    elif tag == "var":
        out, prec = e[1], 5
    elif tag == "rpow":
        out = (f"{show(e[1], 4, style=style)}^({show(e[2], style=style)})" if m
               else f"rpow({show(e[1], style=style)}, {show(e[2], style=style)})")
        prec = 4 if m else 5
    elif tag == "neg":
        out, prec = "-" + show(e[1], 4, style=style), 2     # -a*b would read (-a)*b
    elif tag == "pow":
        out = show(e[1], 5, style=style) + (f"^{e[2]}" if m else f"**{e[2]}")
        if e[2] < 0:
            out = show(e[1], 5, style=style) + (f"^({e[2]})" if m else f"**({e[2]})")
        prec = 4
    else:
        prec = _PREC[tag]
        sym = {"add": " + ", "sub": " - ", "mul": "·" if m else "*", "div": "/"}[tag]
        out = show(e[1], prec, style=style) + sym + show(e[2], prec, True, style=style)
    need = prec < parent or (right and prec == parent and parent in (1, 3))
    return f"({out})" if need else out


def show_prop(rels, style="ascii"):
    return " ∧ ".join(show(r, style=style) for r in rels) if style == "math" else \
        " and ".join(show(r, style=style) for r in rels)
