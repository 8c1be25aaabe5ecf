"""The paper's numeric claims ("52^(4/5) ≈ 28"), decided by interval arithmetic.

A registry ``claims`` entry::

    - id: C_week_year_variance_ratio
      section: "4.6.4 (Theorem 56)"
      printed: "52^{4/5} ≈ 28"            # the paper's words
      value: "28"                          # the printed number, as printed
      expr: "rpow(52, 4/5)"                # the exact quantity it speaks of
      within: "1/2"                        # optional; default: half a unit of value's last digit
      verdict: incorrect                   # correct | incorrect (our marking, checked)
      true_value: "23.6"                   # what the quantity is, to the printed precision + 1
      note: "..."                          # optional: how the quantity was read

``expr`` is a small exact language, parsed by a whitelist (no eval): decimal and
integer literals (read exactly as rationals), + - * / and integer **, ``rpow(x, y)``,
``sqrt``, ``log``, ``exp``, and the data helpers ``mean([..])``, ``sd([..])`` (sample,
n - 1), ``slope([xs], [ys])`` and ``r2([xs], [ys])`` of the least-squares line, all
desugared into arithmetic at parse time. A claim is *correct* when the interval
enclosure of ``expr`` (mpmath.iv, 60 digits) lies inside [value - within, value + within],
*incorrect* when it lies wholly outside, *undecided* otherwise (never silently either).
The same inequalities are exported to Coq and proved there by the ``interval`` tactic.
"""
from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass
from fractions import Fraction

FUNCS1 = ("sqrt", "log", "exp")
DATA_FUNCS = ("mean", "sd", "slope", "r2")
KEYS = {"id": True, "section": True, "printed": True, "value": True, "expr": True, "within": False,
        "verdict": True, "true_value": True, "note": False}
_ID = re.compile(r"^C_[A-Za-z0-9_]+$")
_DEC = re.compile(r"^-?\d+(\.\d+)?$|^-?\d+/\d+$")
MAX_TEXT, MAX_NODES = 4000, 2000


class ClaimError(ValueError):
    def __init__(self, where, message):
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message


def exact(text, where):
    """'0.368' -> Fraction(368, 1000); '1/2' -> Fraction(1, 2); anything else refused."""
    s = str(text).strip()
    if not _DEC.match(s):
        raise ClaimError(where, f"expected an exact decimal or a/b, got {text!r}")
    return Fraction(s)


def half_unit(text):
    s = str(text).strip()
    if "." in s:
        return Fraction(1, 2 * 10 ** len(s.split(".")[1]))
    if "/" in s:
        return Fraction(0)
    return Fraction(1, 2)


# -- the expression language -----------------------------------------------------

class _Parser:
    def __init__(self, src, where):
        self.src, self.where, self.nodes = src, where, 0

    def err(self, msg):
        raise ClaimError(self.where, msg)

    def num(self, node):
        seg = ast.get_source_segment(self.src, node)
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)) or seg is None:
            self.err(f"unsupported literal {seg or node.value!r}")
        if not re.fullmatch(r"\d+(\.\d+)?", seg):
            self.err(f"write numbers as plain decimals, got {seg!r}")
        return ("num", Fraction(seg))

    def list(self, node):
        if not isinstance(node, (ast.List, ast.Tuple)) or not node.elts:
            self.err("data helpers take non-empty lists [..]")
        return [self.term(e) for e in node.elts]

    def term(self, node):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.err(f"expression too large (more than {MAX_NODES} nodes)")
        if isinstance(node, ast.Constant):
            return self.num(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            t = self.term(node.operand)
            return ("neg", t) if isinstance(node.op, ast.USub) else t
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                e = node.right
                k = -e.operand.value if (isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub)
                                         and isinstance(e.operand, ast.Constant)) else (
                    e.value if isinstance(e, ast.Constant) else None)
                if not isinstance(k, int) or isinstance(k, bool) or abs(k) > 64:
                    self.err("** takes an integer exponent |k| <= 64; use rpow(x, y) for real powers")
                return ("pow", self.term(node.left), k)
            ops = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div"}
            op = ops.get(type(node.op))
            if op is None:
                self.err(f"unsupported operator {type(node.op).__name__}")
            return (op, self.term(node.left), self.term(node.right))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            f, args = node.func.id, node.args
            if f == "rpow" and len(args) == 2:
                return ("rpow", self.term(args[0]), self.term(args[1]))
            if f in FUNCS1 and len(args) == 1:
                return (f, self.term(args[0]))
            if f in ("mean", "sd") and len(args) == 1:
                xs = self.list(args[0])
                return _mean(xs) if f == "mean" else _sd(xs)
            if f in ("slope", "r2") and len(args) == 2:
                xs, ys = self.list(args[0]), self.list(args[1])
                if len(xs) != len(ys) or len(xs) < 2:
                    self.err(f"{f} needs two lists of the same length >= 2")
                return _slope(xs, ys) if f == "slope" else _r2(xs, ys)
            self.err(f"unknown function or wrong arity: {f}/{len(args)}")
        self.err(f"unsupported syntax: {ast.dump(node)[:60]}")


def _sum(ts):
    out = ts[0]
    for t in ts[1:]:
        out = ("add", out, t)
    return out


def _mean(xs):
    return ("div", _sum(xs), ("num", Fraction(len(xs))))


def _sd(xs):
    m = _mean(xs)
    return ("sqrt", ("div", _sum([("pow", ("sub", x, m), 2) for x in xs]), ("num", Fraction(len(xs) - 1))))


def _sxy(xs, ys):
    mx, my = _mean(xs), _mean(ys)
    return _sum([("mul", ("sub", x, mx), ("sub", y, my)) for x, y in zip(xs, ys)])


def _slope(xs, ys):
    return ("div", _sxy(xs, ys), _sxy(xs, xs))


def _r2(xs, ys):
    return ("div", ("pow", _sxy(xs, ys), 2), ("mul", _sxy(xs, xs), _sxy(ys, ys)))


def parse(text, where="expr"):
    src = str(text)
    if len(src) > MAX_TEXT:
        raise ClaimError(where, f"expression longer than {MAX_TEXT} characters")
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError as exc:
        raise ClaimError(where, f"not an expression ({exc.msg})") from None
    return _Parser(src, where).term(tree.body)


# -- interval evaluation ------------------------------------------------------------

_RING = {"add": operator.add, "sub": operator.sub, "mul": operator.mul}


def exact_value(e):
    """The exact rational value of ``e`` when it uses only + - * / and integer powers."""
    op = e[0]
    if op == "num":
        return e[1]
    if op == "neg":
        v = exact_value(e[1])
        return None if v is None else -v
    if op == "pow":
        v = exact_value(e[1])
        return None if v is None or (v == 0 and e[2] < 0) else v ** e[2]
    if op in ("add", "sub", "mul", "div"):
        a, b = exact_value(e[1]), exact_value(e[2])
        if a is None or b is None or (op == "div" and b == 0):
            return None
        return {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b if b else None}[op]
    return None


def enclose(e, dps=60):
    """An mpmath interval containing the exact value of ``e``."""
    from mpmath import iv

    iv.dps = dps

    def ev(n):
        op = n[0]
        if op == "num":
            return iv.mpf(n[1].numerator) / n[1].denominator
        if op == "neg":
            return -ev(n[1])
        if op == "pow":
            return ev(n[1]) ** n[2]
        if op in FUNCS1:
            x = ev(n[1])
            if op in ("sqrt", "log") and not x.a > (0 if op == "log" else -1):
                raise ValueError(f"{op} of an interval that is not positive: {x}")
            return getattr(iv, op)(x)
        a, b = ev(n[1]), ev(n[2])
        if op in _RING:
            return _RING[op](a, b)
        if op == "div":
            if b.a <= 0 <= b.b:
                raise ValueError("division by an interval containing 0")
            return a / b
        if op == "rpow":
            if not a.a > 0:
                raise ValueError("rpow of a base not known to be positive")
            return iv.exp(b * iv.log(a))
        raise ValueError(op)

    return ev(e)


@dataclass(frozen=True)
class Claim:
    id: str
    section: str
    printed: str
    value: Fraction
    value_text: str
    within: Fraction
    expr: tuple
    expr_text: str
    verdict: str
    true_value: str
    note: str


def lower(items, err):
    """Validate the registry's ``claims`` list; report problems through ``err(where, msg)``."""
    out, seen = [], set()
    if items is None:
        return out
    if not isinstance(items, list):
        err("claims", "expected a list")
        return out
    for i, c in enumerate(items):
        where = f"claims[{i}]"
        if not isinstance(c, dict):
            err(where, "expected a mapping")
            continue
        cid = c.get("id")
        if isinstance(cid, str) and _ID.match(cid):
            where = f"claims[{cid}]"
            if cid in seen:
                err(f"{where}.id", "duplicate claim id")
            seen.add(cid)
        else:
            err(f"{where}.id", f"expected C_name, got {cid!r}")
        bad = False
        for k, req in KEYS.items():
            if req and k not in c:
                err(f"{where}.{k}", "missing")
                bad = True
        for k in c:
            if k not in KEYS:
                err(f"{where}.{k}", f"unknown key (known: {', '.join(KEYS)})")
                bad = True
        if bad:
            continue
        if c["verdict"] not in ("correct", "incorrect"):
            err(f"{where}.verdict", f"expected correct or incorrect, got {c['verdict']!r}")
            continue
        try:
            value = exact(c["value"], f"{where}.value")
            within = exact(c["within"], f"{where}.within") if "within" in c else half_unit(c["value"])
            exact(c["true_value"], f"{where}.true_value")
            e = parse(c["expr"], f"{where}.expr")
        except ClaimError as exc:
            err(exc.where, exc.message)
            continue
        if within <= 0:
            err(f"{where}.within", "must be positive (write a/b values with an explicit within)")
            continue
        out.append(Claim(cid, str(c["section"]), str(c["printed"]), value, str(c["value"]), within, e,
                         str(c["expr"]), c["verdict"], str(c["true_value"]), str(c.get("note", ""))))
    return out


@dataclass
class Decision:
    claim: Claim
    verdict: str          # correct / incorrect / undecided
    lo: float
    hi: float
    true_value: str       # the enclosure's midpoint to the printed precision plus one digit
    agrees: bool          # with the registry's marking (verdict and true_value)
    error: str = ""


def digits_of(text):
    s = str(text).strip()
    return len(s.split(".")[1]) if "." in s else 0


def _exact(raw):
    """An mpmath raw mpf tuple (sign, man, exp, bc) as an exact Fraction (no rounding)."""
    sign, man, exp, _ = raw
    if not man and exp:
        raise ValueError("interval endpoint is infinite or NaN")
    v = Fraction(int(man)) * (Fraction(2) ** int(exp))
    return -v if sign else v


def decide(c: Claim) -> Decision:
    """Rational quantities are decided exactly; the others by a 60-digit interval enclosure."""
    lo_q, hi_q = c.value - c.within, c.value + c.within
    q = exact_value(c.expr)
    if q is not None:
        verdict = "correct" if lo_q <= q <= hi_q else "incorrect"
        lo = hi = float(q)
        mid = q
    else:
        try:
            x = enclose(c.expr)
        except (ValueError, ZeroDivisionError) as exc:
            return Decision(c, "undecided", float("nan"), float("nan"), "", False, str(exc))
        xa, xb = _exact(x._mpi_[0]), _exact(x._mpi_[1])   # the enclosure's endpoints, exactly
        if xa >= lo_q and xb <= hi_q:
            verdict = "correct"
        elif xb < lo_q or xa > hi_q:
            verdict = "incorrect"
        else:
            verdict = "undecided"
        lo, hi = float(xa), float(xb)
        mid = (xa + xb) / 2
    d = max(digits_of(c.value_text), digits_of(c.true_value))
    shown = f"{float(mid):.{d}f}"
    agrees = verdict == c.verdict and abs(mid - Fraction(c.true_value)) <= Fraction(1, 10 ** d)
    return Decision(c, verdict, lo, hi, shown, agrees)


def decide_all(claims):
    return [decide(c) for c in claims]


# -- Coq -------------------------------------------------------------------------

def _size(e):
    return 1 + sum(_size(x) for x in e[1:] if isinstance(x, tuple))


def _coq_num(q: Fraction):
    if q.denominator == 1:
        return f"({q.numerator})" if q < 0 else f"{q.numerator}"
    return f"({q.numerator} / {q.denominator})"


def coq_term(e):
    op = e[0]
    if op == "num":
        return _coq_num(e[1])
    if op == "neg":
        return f"(- {coq_term(e[1])})"
    if op == "pow":
        k = e[2]
        return f"(({coq_term(e[1])}) ^ {k})" if k >= 0 else f"(/ ({coq_term(e[1])}) ^ {-k})"
    if op in ("sqrt", "exp"):
        return f"({op} {coq_term(e[1])})"
    if op == "log":
        return f"(ln {coq_term(e[1])})"
    if op == "rpow":
        return f"(Rpower {coq_term(e[1])} {coq_term(e[2])})"
    sym = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[op]
    return f"({coq_term(e[1])} {sym} {coq_term(e[2])})"


def coq_source(claims):
    """Claims.v: each correct claim as lo <= e <= hi, each incorrect one as e < lo or hi < e."""
    lines = ["(* Generated by `roughatlas export coq` from theorem_index.yaml (claims). Do not edit. *)",
             "(* The paper's numeric claims, decided by the interval tactic (Coq library Interval). *)",
             "Require Import Reals Lra.", "From Interval Require Import Tactic.", "Open Scope R_scope.", ""]
    for d in decide_all(claims):
        c = d.claim
        lo, hi = c.value - c.within, c.value + c.within
        e = coq_term(c.expr)
        name = "claim_" + c.id[2:]
        lines.append(f"(* {c.id} ({c.section}): printed \"{c.printed}\"; true value {d.true_value} *)")
        if d.verdict == "correct":
            lines.append(f"Lemma {name} : {_coq_num(lo)} <= {e} <= {_coq_num(hi)}.")
        elif d.verdict == "incorrect":
            side = f"{e} < {_coq_num(lo)}" if d.hi < float(lo) else f"{_coq_num(hi)} < {e}"
            lines.append(f"Lemma {name}_refuted : {side}.")
        else:
            lines.append(f"(* {c.id}: undecided by interval arithmetic; not exported *)")
            lines.append("")
            continue
        # rational quantities are decided exactly (lra: linear arithmetic over Q, no rounding);
        # the rest by interval arithmetic at 200 bits
        exact_q = exact_value(c.expr) is not None
        prec = 200 if _size(c.expr) > 200 else 60      # big data expressions need more bits
        lines.append("Proof. lra. Qed." if exact_q else f"Proof. interval with (i_prec {prec}). Qed.")
        lines.append("")
    return "\n".join(w for line in lines for w in _wrap(line)) + "\n"


def _wrap(line, width=100, indent="    "):
    """Break a long line at spaces (Coq ignores line breaks inside terms and comments)."""
    out, cur = [], line
    while len(cur) > width:
        cut = cur.rfind(" ", len(indent) + 1, width)
        if cut <= len(indent):
            break
        out.append(cur[:cut].rstrip())
        cur = indent + cur[cut + 1:]
    return out + [cur]
