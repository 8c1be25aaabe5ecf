"""The paper's numeric claims ("52^(4/5) ≈ 28"), decided by interval arithmetic under
the paper's own rounding and under every reading the registry admits.

A registry ``claims`` entry::

    - id: C_var99_week
      section: "5.7 table"
      printed: "1 week: Var(P&L) 9.68, VaR 99% $7.23"   # the paper's words
      value: "7.23"                     # the printed number, as printed
      within: "1/2"                     # optional; default: half a unit of value's last digit
      inputs: {V: "9.68"}               # optional named printed inputs (a number or a list)
      readings:                         # the readings the claim admits (at least one)
        - name: z_table                 # [a-z][a-z0-9_]*
          expr: "2.326 * sqrt(V)"       # the quantity under this reading
          why: "three-decimal z of a printed normal table"
          true_value: "7.237"           # its value at the printed inputs, printed precision + 1
        - ...
      rejected:                         # optional: readings considered and refused
        - {name: z_two_decimals, expr: "2.33 * sqrt(V)", why: "..."}   # expr optional
      verdict: undecided                # correct | incorrect | undecided (our marking, checked)
      reading: z_table                  # the reading that reproduces it (not for incorrect)
      note: "..."                       # optional

A claim with one reading may write ``expr`` and ``true_value`` at the top level instead of
``readings`` (its reading is then called ``direct``).

``expr`` is a small exact language, parsed by a whitelist (no eval): numbers, + - * / and
integer **, ``rpow(x, y)``, ``sqrt``, ``log``, ``exp``, the data helpers ``mean([..])``,
``sd([..])`` (sample, n - 1), ``slope([xs], [ys])`` and ``r2([xs], [ys])`` of the
least-squares line, ``wslope([ws], [xs], [ys])`` and ``wr2(..)`` of the weighted one (exact
positive weights), all desugared into arithmetic at parse time, and the names of ``inputs``.

Printed inputs are intervals. A decimal with a fractional part (``13.37``) is a printed
number and stands for every value that prints so: [13.365, 13.375], half a unit in its last
digit. Integers and fractions (``52``, ``1/52``) are exact constants, and ``exact(0.5)``
writes an exact decimal. One printed number used twice (a named input, or a value inside
``sd``) is one variable, so its two uses move together.

Each reading is enclosed in [lo, hi] by 60-digit interval arithmetic (mpmath.iv; exact
rational intervals when the reading is rational) intersected with the mean-value form
f(c) + sum_i f_i(box) * (x_i - c_i), whose partial derivatives are enclosed by forward-mode
differentiation over the box: both are rigorous, and the second is tight for the small
boxes of rounded inputs. A reading is *correct* when its enclosure lies inside
[value - within, value + within], *incorrect* when it lies wholly outside, *undecided*
otherwise. A claim is correct when some reading is correct, incorrect only when every
reading is incorrect, and undecided otherwise; it names the (first) reading that reproduces
it. Only robust verdicts are exported to Coq (``Claims.v``): a correct claim as
lo <= e <= hi over the whole input box under its reading, an incorrect one as one refuting
lemma per reading, each proved by the ``interval`` tactic.
"""
from __future__ import annotations

import ast
import functools
import operator
import re
from dataclasses import dataclass, field
from fractions import Fraction

FUNCS1 = ("sqrt", "log", "exp")
DATA_FUNCS = ("mean", "sd", "slope", "r2", "wslope", "wr2")
VERDICTS = ("correct", "incorrect", "undecided")
KEYS = {"id": True, "section": True, "printed": True, "value": True, "within": False,
        "inputs": False, "expr": False, "true_value": False, "readings": False, "rejected": False,
        "verdict": True, "reading": False, "note": False}
READING_KEYS = {"name": True, "expr": True, "why": True, "true_value": True}
REJECTED_KEYS = {"name": True, "why": True, "expr": False}
DIRECT = "direct"
_ID = re.compile(r"^C_[A-Za-z0-9_]+$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_INPUT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_DEC = re.compile(r"^-?\d+(\.\d+)?$|^-?\d+/\d+$")
MAX_TEXT, MAX_NODES = 4000, 2000
MAX_LIST, MAX_LIST_R2 = 64, 12     # values per data-helper list (see _Parser._sized)
RESERVED = set(FUNCS1) | set(DATA_FUNCS) | {"rpow", "exact"}


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
    """Half a unit in the last printed digit: '13.37' -> 1/200, '28' -> 1/2, '1/28' -> 0."""
    s = str(text).strip()
    if "." in s:
        return Fraction(1, 2 * 10 ** len(s.split(".")[1]))
    if "/" in s:
        return Fraction(0)
    return Fraction(1, 2)


# -- the expression language -----------------------------------------------------
#
# Terms are tuples: ("num", q) an exact constant; ("in", centre, half, k) printed input
# number k (the interval centre ± half); (op, args...) for the operations.

class _Parser:
    def __init__(self, where, env=None, counter=None):
        self.where, self.nodes = where, 0
        self.env = env if env is not None else {}
        self.counter = counter if counter is not None else [0]
        self.src = ""

    def err(self, msg):
        raise ClaimError(self.where, msg)

    def parse(self, text, where):
        src = str(text)
        self.where, self.src, self.nodes = where, src, 0
        if len(src) > MAX_TEXT:
            self.err(f"expression longer than {MAX_TEXT} characters")
        # read only what is shown: Python folds look-alike letters (NFKC) and drops comments
        for col, ch in enumerate(src, 1):
            if not (" " <= ch <= "~") or ch in "#\\":
                self.err(f"character {ch!r} at column {col} is not allowed (printable ASCII only, "
                         "no comments or line continuations)")
        try:
            tree = ast.parse(src, mode="eval")
        except SyntaxError as exc:
            self.err(f"not an expression ({exc.msg})")
        return self.value(tree.body)

    def literal(self, node):
        seg = ast.get_source_segment(self.src, node)
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)) or seg is None:
            self.err(f"unsupported literal {seg or node.value!r}")
        if not re.fullmatch(r"\d+(\.\d+)?", seg):
            self.err(f"write numbers as plain decimals, got {seg!r}")
        return seg

    def num(self, node):
        seg = self.literal(node)
        if "." not in seg:
            return ("num", Fraction(seg))
        k = self.counter[0]
        self.counter[0] += 1
        return ("in", Fraction(seg), half_unit(seg), k)

    def value(self, node):
        """A term or a list of terms (input definitions, data-helper arguments)."""
        if isinstance(node, ast.Name) and isinstance(self.env.get(node.id), list):
            return self.env[node.id]
        if isinstance(node, (ast.List, ast.Tuple)):
            if not node.elts:
                self.err("empty list")
            return [self.term(e) for e in node.elts]
        return self.term(node)

    def list(self, node):
        v = self.value(node)
        if not isinstance(v, list):
            self.err("data helpers take non-empty lists [..] (or the name of a list input)")
        return v

    def _sized(self, f, xs):
        # sd, slope and r2 expand pairwise (O(n^2) terms; r2's Lagrange form O(n^4))
        cap = MAX_LIST_R2 if f in ("r2", "wr2") else MAX_LIST
        if len(xs) > cap:
            self.err(f"{f} takes at most {cap} values, got {len(xs)}")
        return xs

    def term(self, node):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.err(f"expression too large (more than {MAX_NODES} nodes)")
        if isinstance(node, ast.Name):
            if node.id not in self.env:
                self.err(f"unknown name {node.id!r} (inputs: {', '.join(self.env) or 'none'})")
            if isinstance(self.env[node.id], list):
                self.err(f"input {node.id!r} is a list: use it inside mean, sd, slope or r2")
            return self.env[node.id]
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
            if f == "exact" and len(args) == 1 and isinstance(args[0], ast.Constant):
                return ("num", Fraction(self.literal(args[0])))
            if f == "rpow" and len(args) == 2:
                return ("rpow", self.term(args[0]), self.term(args[1]))
            if f in FUNCS1 and len(args) == 1:
                return (f, self.term(args[0]))
            if f in ("mean", "sd") and len(args) == 1:
                xs = self._sized(f, self.list(args[0]))
                if f == "sd" and len(xs) < 2:
                    self.err("sd needs a list of at least 2 values")
                return _mean(xs) if f == "mean" else _sd(xs)
            if f in ("slope", "r2") and len(args) == 2:
                xs, ys = self._sized(f, self.list(args[0])), self._sized(f, self.list(args[1]))
                if len(xs) != len(ys) or len(xs) < 2:
                    self.err(f"{f} needs two lists of the same length >= 2")
                return _slope(xs, ys) if f == "slope" else _r2(xs, ys)
            if f in ("wslope", "wr2") and len(args) == 3:
                ws, xs, ys = (self._sized(f, self.list(a)) for a in args)
                if not len(ws) == len(xs) == len(ys) or len(xs) < 2:
                    self.err(f"{f} needs three lists (weights, xs, ys) of the same length >= 2")
                if any(w[0] != "num" or w[1] <= 0 for w in ws):
                    self.err(f"{f} weights are exact positive constants")
                return _slope(xs, ys, ws) if f == "wslope" else _r2(xs, ys, ws)
            self.err(f"unknown function or wrong arity: {f}/{len(args)}")
        self.err(f"unsupported syntax: {ast.dump(node)[:60]}")


def _sum(ts):
    out = ts[0]
    for t in ts[1:]:
        out = ("add", out, t)
    return out


def _mean(xs, ws=None):
    if ws is None:
        return ("div", _sum(xs), ("num", Fraction(len(xs))))
    return ("div", _sum([("mul", w, x) for w, x in zip(ws, xs)]), _sum(ws))


def _sd(xs):
    return ("sqrt", ("div", _sxy(xs, xs), ("num", Fraction(len(xs) - 1))))


def _sxy(xs, ys, ws=None):
    """sum_i w_i (x_i - mean_w x)(y_i - mean_w y), unit weights when ``ws`` is None, written
    in the equal pairwise form sum_{i<j} w_i w_j (x_i - x_j)(y_i - y_j) / sum_i w_i: no term
    subtracts a mean that contains its own variable, so interval evaluation stays tight."""
    n = len(xs)
    terms = []
    for i in range(n):
        for j in range(i + 1, n):
            dx = ("sub", xs[i], xs[j])
            t = ("pow", dx, 2) if xs is ys else ("mul", dx, ("sub", ys[i], ys[j]))
            terms.append(t if ws is None else ("mul", ("mul", ws[i], ws[j]), t))
    total = ("num", Fraction(n)) if ws is None else _sum(ws)
    return ("div", _sum(terms), total)


def _slope(xs, ys, ws=None):
    return ("div", _sxy(xs, ys, ws), _sxy(xs, xs, ws))


def _r2(xs, ys, ws=None):
    """1 - L / (Pxx Pyy): with pairs p = (i, j), i < j, weights w_p = w_i w_j and differences
    dx_p = x_i - x_j, Pxx = sum_p w_p dx_p^2, Pyy likewise and, by Lagrange's identity,
    L = Pxx Pyy - (sum_p w_p dx_p dy_p)^2 = sum_{p<q} w_p w_q (dx_p dy_q - dx_q dy_p)^2.
    Equal to Sxy^2 / (Sxx Syy); in this form the interval value is tight where R^2 is near 1
    (a sum of small squares over a product, instead of a ratio of large correlated sums)."""
    n = len(xs)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    dx = [("sub", xs[i], xs[j]) for i, j in pairs]
    dy = [("sub", ys[i], ys[j]) for i, j in pairs]
    wp = [None if ws is None else ("mul", ws[i], ws[j]) for i, j in pairs]

    def weighted(w, t):
        return t if w is None else ("mul", w, t)

    pxx = _sum([weighted(w, ("pow", d, 2)) for w, d in zip(wp, dx)])
    pyy = _sum([weighted(w, ("pow", d, 2)) for w, d in zip(wp, dy)])
    lag = []
    for p in range(len(pairs)):
        for q in range(p + 1, len(pairs)):
            t = ("pow", ("sub", ("mul", dx[p], dy[q]), ("mul", dx[q], dy[p])), 2)
            lag.append(t if ws is None else ("mul", ("mul", wp[p], wp[q]), t))
    if not lag:                                   # two points: a line fits them exactly
        return ("num", Fraction(1))
    return ("sub", ("num", Fraction(1)), ("div", _sum(lag), ("mul", pxx, pyy)))


def parse(text, where="expr", env=None, counter=None):
    """Parse one expression; ``env`` maps input names to already-parsed terms."""
    if not isinstance(text, str):
        raise ClaimError(where, f"expected a quoted expression string, got {text!r}")
    return _Parser(where, env, counter).parse(text, where)


def inputs_of(e):
    """The printed inputs of ``e``: {k: (centre, half)} (shared subterms visited once)."""
    out, seen, todo = {}, set(), [e]
    while todo:
        n = todo.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if n[0] == "in":
            out[n[3]] = (n[1], n[2])
        elif n[0] != "num":
            todo.extend(x for x in n[1:] if isinstance(x, tuple))
    return out


def _rational(e):
    if e[0] in ("num", "in"):
        return True
    if e[0] in FUNCS1 or e[0] == "rpow":
        return False
    return all(_rational(x) for x in e[1:] if isinstance(x, tuple))


# -- interval evaluation ------------------------------------------------------------

_RING = {"add": operator.add, "sub": operator.sub, "mul": operator.mul}


def exact_value(e):
    """The exact rational value of ``e`` when it uses only exact constants, + - * / and
    integer powers (no printed inputs, which are intervals)."""
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


class QI:
    """A closed interval with exact rational endpoints (outward rounding is not needed)."""
    __slots__ = ("a", "b")

    def __init__(self, a, b=None):
        a = a if type(a) is Fraction else Fraction(a)
        b = a if b is None else (b if type(b) is Fraction else Fraction(b))
        self.a, self.b = a, b

    def __add__(self, o):
        return QI(self.a + o.a, self.b + o.b)

    def __sub__(self, o):
        return QI(self.a - o.b, self.b - o.a)

    def __neg__(self):
        return QI(-self.b, -self.a)

    def __mul__(self, o):
        if self.a == self.b and o.a == o.b:
            return QI(self.a * o.a)
        if self.a >= 0 and o.a >= 0:
            return QI(self.a * o.a, self.b * o.b)
        p = (self.a * o.a, self.a * o.b, self.b * o.a, self.b * o.b)
        return QI(min(p), max(p))

    def __truediv__(self, o):
        if o.a <= 0 <= o.b:
            raise ZeroDivisionError("division by an interval containing 0")
        return self * QI(1 / o.b, 1 / o.a)

    def __pow__(self, k):
        if k < 0:
            return QI(1) / (self ** -k)
        if k == 0:
            return QI(1)
        lo, hi = self.a ** k, self.b ** k
        if k % 2 == 0:
            if self.a <= 0 <= self.b:
                return QI(0, max(lo, hi))
            return QI(min(lo, hi), max(lo, hi))
        return QI(lo, hi)


_IV_CTX = []


def _iv(dps=60):
    if not _IV_CTX:
        from mpmath import iv
        _IV_CTX.append(iv)
    _IV_CTX[0].dps = dps
    return _IV_CTX[0]


def _lift(x):
    """A rational interval as an mpmath interval containing it (outward rounding)."""
    if not isinstance(x, QI):
        return x
    iv = _IV_CTX[0]
    lo = iv.mpf(x.a.numerator) / x.a.denominator
    hi = lo if x.b == x.a else iv.mpf(x.b.numerator) / x.b.denominator
    return iv.mpf([lo.a, hi.b])


class HI:
    """An interval that stays exact (QI) through + - * / and integer powers and becomes a
    60-digit mpmath interval only where sqrt/log/exp/rpow (or an operand that already is
    one) require it."""
    __slots__ = ("x",)

    def __init__(self, x):
        self.x = x

    def _pair(self, o):
        a, b = self.x, o.x
        if isinstance(a, QI) and isinstance(b, QI):
            return a, b
        return _lift(a), _lift(b)

    def __add__(self, o):
        a, b = self._pair(o)
        return HI(a + b)

    def __sub__(self, o):
        a, b = self._pair(o)
        return HI(a - b)

    def __mul__(self, o):
        a, b = self._pair(o)
        return HI(a * b)

    def __neg__(self):
        return HI(-self.x)

    def __pow__(self, k):
        return HI(self.x ** k)

    def div(self, o):
        a, b = self._pair(o)
        if b.a <= 0 <= b.b:
            raise ZeroDivisionError("division by an interval containing 0")
        return HI(a / b)

    @property
    def a(self):
        return self.x.a

    def ends(self):
        if isinstance(self.x, QI):
            return self.x.a, self.x.b
        return _exact(self.x._mpi_[0]), _exact(self.x._mpi_[1])


class _HK:
    """Hybrid interval arithmetic: exact rationals as long as possible, mpmath.iv (60 digits)
    after the first transcendental operation, with the domain checks the claims need."""

    def __init__(self, dps=60):
        self.iv = _iv(dps)

    def const(self, q):
        return HI(QI(q))

    def box(self, c, h):
        return HI(QI(c - h, c + h))

    def div(self, a, b):
        return a.div(b)

    def ends(self, x):
        return x.ends()

    def func(self, op, x):
        v = _lift(x.x)
        if op in ("sqrt", "log") and not v.a > 0:
            raise ValueError(f"{op} of an interval that is not positive: {v}")
        return HI(getattr(self.iv, op)(v))


def _evaluate(e, kit, box, grad):
    """Interval value of ``e`` over ``box`` ({k: (centre, half)}; half 0 is a point), with
    the interval partial derivatives {k: d e / d x_k} over the box when ``grad``."""
    memo = {}

    def ev(n):
        key = id(n)
        if key in memo:
            return memo[key]
        out = _ev(n)
        memo[key] = out
        return out

    def _ev(n):
        op = n[0]
        if op == "num":
            return kit.const(n[1]), {}
        if op == "in":
            c, h = box[n[3]]
            x = kit.const(c) if h == 0 else kit.box(c, h)
            return x, ({n[3]: kit.const(Fraction(1))} if grad else {})
        if op == "neg":
            v, g = ev(n[1])
            return -v, {k: -d for k, d in g.items()}
        if op == "pow":
            v, g = ev(n[1])
            k = n[2]
            if k < 0:
                p = v ** (-k)
                val = kit.div(kit.const(Fraction(1)), p)
            else:
                val = v ** k
            if not grad or not g:
                return val, {}
            if k == 0:
                return val, {}
            vk1 = v ** (k - 1) if k >= 1 else kit.div(kit.const(Fraction(1)), v ** (1 - k))
            dk = kit.const(Fraction(k)) * vk1
            return val, {i: dk * d for i, d in g.items()}
        if op in FUNCS1:
            v, g = ev(n[1])
            val = kit.func(op, v)
            if not grad or not g:
                return val, {}
            if op == "sqrt":
                dv = kit.div(kit.const(Fraction(1)), kit.const(Fraction(2)) * val)
            elif op == "log":
                dv = kit.div(kit.const(Fraction(1)), v)
            else:
                dv = val
            return val, {i: dv * d for i, d in g.items()}
        a, ga = ev(n[1])
        b, gb = ev(n[2])
        if op == "rpow":
            if not a.a > 0:
                raise ValueError("rpow of a base not known to be positive")
            la = kit.func("log", a)
            val = kit.func("exp", b * la)
            if not grad or not (ga or gb):
                return val, {}
            g = {}
            for i in set(ga) | set(gb):
                t = None
                if i in gb:
                    t = gb[i] * la
                if i in ga:
                    u = b * kit.div(ga[i], a)
                    t = u if t is None else t + u
                g[i] = val * t
            return val, g
        if op in _RING:
            val = _RING[op](a, b)
            if not grad:
                return val, {}
            g = {}
            for i in set(ga) | set(gb):
                if op == "mul":
                    parts = ([ga[i] * b] if i in ga else []) + ([a * gb[i]] if i in gb else [])
                    g[i] = parts[0] if len(parts) == 1 else parts[0] + parts[1]
                elif i in ga and i in gb:
                    g[i] = ga[i] + gb[i] if op == "add" else ga[i] - gb[i]
                elif i in ga:
                    g[i] = ga[i]
                else:
                    g[i] = gb[i] if op == "add" else -gb[i]
            return val, g
        if op == "div":
            val = kit.div(a, b)
            if not grad or not (ga or gb):
                return val, {}
            g = {}
            for i in set(ga) | set(gb):
                t = kit.div(ga[i], b) if i in ga else None
                if i in gb:
                    u = kit.div(val * gb[i], b)
                    t = -u if t is None else t - u
                g[i] = t
            return val, g
        raise ValueError(op)

    return ev(e)


def _kit(e, dps=60):
    return _HK(dps)


def enclose_box(e, kit, box):
    """A rigorous enclosure (lo, hi) of ``e`` over ``box`` as exact Fractions: the naive
    interval value intersected with the mean-value form f(c) + sum_k f_k(box)(x_k - c_k);
    also the partial-derivative enclosures' midpoints (for splitting and for corners)."""
    v, g = _evaluate(e, kit, box, grad=any(h for _, h in box.values()))
    lo, hi = kit.ends(v)
    slopes = {}
    if not g:
        return lo, hi, slopes
    c, _ = _evaluate(e, kit, {k: (ck, 0) for k, (ck, _) in box.items()}, grad=False)
    mlo, mhi = kit.ends(c)
    for k, (_, h) in box.items():
        if k not in g:
            continue
        da, db = kit.ends(g[k])
        m = max(abs(da), abs(db)) * h
        mlo, mhi = mlo - m, mhi + m
        slopes[k] = ((da + db) / 2, m)
    return max(lo, mlo), min(hi, mhi), slopes


def enclose(e, dps=60):
    """(lo, hi, centre_lo, centre_hi): an enclosure of ``e`` over its printed inputs' box and
    one of its value at the printed inputs themselves, as exact Fractions."""
    kit = _kit(e, dps)
    box = inputs_of(e)
    lo, hi, _ = enclose_box(e, kit, box)
    clo, chi, _ = enclose_box(e, kit, {k: (c, 0) for k, (c, _) in box.items()})
    return lo, hi, clo, chi


MAX_BOXES = 48      # sub-boxes per reading before an unresolved straddle is left undecided


def _side(lo, hi, lo_q, hi_q):
    if lo >= lo_q and hi <= hi_q:
        return "correct"
    if hi < lo_q or lo > hi_q:
        return "incorrect"
    return "undecided"


def classify(e, lo_q, hi_q, dps=60):
    """Decide ``lo_q <= e <= hi_q`` over the input box of ``e``.

    Returns (verdict, lo, hi, centre_lo, centre_hi, witnesses). ``correct``/``incorrect``
    hold for every input in the box. ``undecided`` comes with two witness points when the
    printed range is provably met at one point of the box and missed at another (a genuine
    dependence on the unprinted digits); otherwise the box is bisected (up to MAX_BOXES
    sub-boxes) and what is still unresolved stays undecided without witnesses."""
    kit = _kit(e, dps)
    box = inputs_of(e)
    point = {k: (c, 0) for k, (c, _) in box.items()}
    clo, chi, _ = enclose_box(e, kit, point)
    if not box:
        return _side(clo, chi, lo_q, hi_q), clo, chi, clo, chi, {}
    v, _ = _evaluate(e, kit, box, grad=False)          # the naive enclosure first: cheap
    lo, hi = kit.ends(v)
    verdict = _side(lo, hi, lo_q, hi_q)
    if verdict != "undecided":
        return verdict, lo, hi, clo, chi, {}
    lo, hi, slopes = enclose_box(e, kit, box)
    verdict = _side(lo, hi, lo_q, hi_q)
    if verdict != "undecided":
        return verdict, lo, hi, clo, chi, {}
    # corners in the direction of the slope: approximately where e is smallest / largest
    pts = {"printed": point}
    for name, sgn in (("low", -1), ("high", 1)):
        pts[name] = {k: (c + sgn * (1 if slopes.get(k, (0, 0))[0] >= 0 else -1) * h, 0)
                     for k, (c, h) in box.items()}
    sides = {}
    for name, p in pts.items():
        a, b, _ = enclose_box(e, kit, p)
        sides[name] = (_side(a, b, lo_q, hi_q), a, b)
    mid = {n: (v[1] + v[2]) / 2 for n, v in sides.items()}
    inside = [n for n, v in sides.items() if v[0] == "correct"]
    outside = [n for n, v in sides.items() if v[0] == "incorrect"]
    below = [n for n in outside if sides[n][2] < lo_q]
    above = [n for n in outside if sides[n][1] > hi_q]
    if inside and outside:
        return "undecided", lo, hi, clo, chi, {"meets": (inside[0], mid[inside[0]]),
                                                "misses": (outside[0], mid[outside[0]])}
    if below and above:
        # e is continuous on the box (its evaluation there succeeded), so between a point
        # below the printed range and one above it lies a point that prints as the claim
        return "undecided", lo, hi, clo, chi, {"below": (below[0], mid[below[0]]),
                                                "above": (above[0], mid[above[0]])}
    # bisection: split the input with the largest mean-value contribution
    todo, done = [(box, slopes, lo, hi)], []
    n_boxes = 1
    while todo and n_boxes < MAX_BOXES:
        todo.sort(key=lambda t: t[3] - t[2], reverse=True)
        b, sl, _, _ = todo.pop(0)
        k = max(sl, key=lambda i: sl[i][1]) if sl else max(b, key=lambda i: b[i][1])
        c, h = b[k]
        for half in (c - h / 2, c + h / 2):
            nb = dict(b)
            nb[k] = (half, h / 2)
            a, z, nsl = enclose_box(e, kit, nb)
            n_boxes += 1
            (done if _side(a, z, lo_q, hi_q) != "undecided" else todo).append((nb, nsl, a, z))
    leaves = done + todo
    lo, hi = min(t[2] for t in leaves), max(t[3] for t in leaves)
    verdicts = {_side(t[2], t[3], lo_q, hi_q) for t in leaves}
    verdict = verdicts.pop() if len(verdicts) == 1 else "undecided"
    return verdict, lo, hi, clo, chi, {}


def _exact(raw):
    """An mpmath raw mpf tuple (sign, man, exp, bc) as an exact Fraction (no rounding)."""
    sign, man, exp, _ = raw
    if not man and exp:
        raise ValueError("interval endpoint is infinite or NaN")
    v = Fraction(int(man)) * (Fraction(2) ** int(exp))
    return -v if sign else v


# -- the registry's claims -------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    name: str
    expr: tuple
    expr_text: str
    why: str
    true_value: str


@dataclass(frozen=True)
class Rejected:
    name: str
    why: str
    expr: tuple | None
    expr_text: str


@dataclass(frozen=True)
class Claim:
    id: str
    section: str
    printed: str
    value: Fraction
    value_text: str
    within: Fraction
    readings: tuple
    rejected: tuple
    verdict: str
    reading: str          # the reading the registry says reproduces it ("" for incorrect)
    note: str
    inputs: tuple = ()    # (name, text) of the named printed inputs

    @property
    def expr(self):               # the first reading (single-reading claims: the only one)
        return self.readings[0].expr

    @property
    def expr_text(self):
        return self.readings[0].expr_text

    @property
    def true_value(self):
        return self.readings[0].true_value


def _lower_one(c, where, err):
    """One validated Claim, or None after reporting every problem found through ``err``."""
    bad = False
    for k, req in KEYS.items():
        if req and k not in c:
            err(f"{where}.{k}", "missing")
            bad = True
    for k in c:
        if k not in KEYS:
            err(f"{where}.{k}", f"unknown key (known: {', '.join(KEYS)})")
            bad = True
    has_expr, has_readings = "expr" in c, "readings" in c
    if has_expr == has_readings:
        err(where, "give either expr (with true_value) or readings, not both or neither")
        bad = True
    elif has_expr and "true_value" not in c:
        err(f"{where}.true_value", "missing (required with expr)")
        bad = True
    elif has_readings and "true_value" in c:
        err(f"{where}.true_value", "goes inside each reading when readings are given")
        bad = True
    if bad:
        return None
    if c["verdict"] not in VERDICTS:
        err(f"{where}.verdict", f"expected one of {', '.join(VERDICTS)}, got {c['verdict']!r}")
        return None
    for k in ("value", "true_value", "within"):
        if k in c and not isinstance(c[k], str):
            err(f"{where}.{k}", f"write it as a quoted string (YAML numbers lose trailing zeros), got {c[k]!r}")
            return None
    try:
        value = exact(c["value"], f"{where}.value")
        within = exact(c["within"], f"{where}.within") if "within" in c else half_unit(c["value"])
        if within <= 0:
            raise ClaimError(f"{where}.within", "must be positive (write a/b values with an explicit within)")
        counter, env, named = [0], {}, []
        ins = c.get("inputs") or {}
        if not isinstance(ins, dict):
            raise ClaimError(f"{where}.inputs", "expected a mapping name: number or [numbers]")
        for name, text in ins.items():
            w = f"{where}.inputs.{name}"
            if not isinstance(name, str) or not _INPUT.match(name) or name in RESERVED:
                raise ClaimError(w, f"input names are identifiers other than {', '.join(sorted(RESERVED))}")
            if not isinstance(text, str):
                raise ClaimError(w, f"write a printed input as a quoted string (\"0.380\", \"[2.61, 2.44]\"): "
                                    f"YAML numbers lose trailing zeros, got {text!r}")
            env[name] = parse(text, w, env, counter)
            named.append((name, text))
        raw = ([{"name": DIRECT, "expr": c["expr"], "why": "the quantity as the paper states it",
                 "true_value": c["true_value"]}] if has_expr else c["readings"])
        if not isinstance(raw, list) or not raw:
            raise ClaimError(f"{where}.readings", "expected a non-empty list of readings")
        readings = [_lower_reading(r, f"{where}.readings[{i}]" if has_readings else where,
                                   env, counter, READING_KEYS)
                    for i, r in enumerate(raw)]
        rej = c.get("rejected") or []
        if not isinstance(rej, list):
            raise ClaimError(f"{where}.rejected", "expected a list of {name, why, expr?}")
        rejected = [_lower_reading(r, f"{where}.rejected[{i}]", env, counter, REJECTED_KEYS)
                    for i, r in enumerate(rej)]
    except ClaimError as exc:
        err(exc.where, exc.message)
        return None
    names = [r.name for r in readings] + [r.name for r in rejected]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        err(f"{where}.readings", f"duplicate reading name(s): {', '.join(dup)}")
        return None
    reading = c.get("reading", DIRECT if has_expr else "")
    if c["verdict"] == "incorrect":
        if has_readings and "reading" in c:
            err(f"{where}.reading", "an incorrect claim is reproduced by no reading; remove reading")
            return None
        reading = ""
    elif "reading" not in c and has_readings:
        reading = ""          # a marking without its reading: reported as stale by decide()
    elif reading not in [r.name for r in readings]:
        err(f"{where}.reading", f"expected the name of the reading that reproduces the claim "
                                f"({', '.join(r.name for r in readings)}), got {c.get('reading')!r}")
        return None
    return Claim(c["id"], str(c["section"]), str(c["printed"]), value, str(c["value"]), within,
                 tuple(readings), tuple(rejected), c["verdict"], reading, str(c.get("note", "")),
                 tuple(named))


def _lower_reading(r, where, env, counter, keys):
    if not isinstance(r, dict):
        raise ClaimError(where, "expected a mapping")
    for k, req in keys.items():
        if req and k not in r:
            raise ClaimError(f"{where}.{k}", "missing")
    for k in r:
        if k not in keys:
            raise ClaimError(f"{where}.{k}", f"unknown key (known: {', '.join(keys)})")
    name = r["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise ClaimError(f"{where}.name", f"expected a snake_case name, got {name!r}")
    if not str(r["why"]).strip():
        raise ClaimError(f"{where}.why", "say in one line why this reading is (or is not) reasonable")
    e = parse(r["expr"], f"{where}.expr", env, counter) if "expr" in r else None
    if isinstance(e, list):
        raise ClaimError(f"{where}.expr", "expected a number, got a list")
    if keys is REJECTED_KEYS:
        return Rejected(name, str(r["why"]), e, str(r.get("expr", "")))
    if not isinstance(r["true_value"], str):
        raise ClaimError(f"{where}.true_value", f"write it as a quoted string, got {r['true_value']!r}")
    exact(r["true_value"], f"{where}.true_value")
    return Reading(name, e, str(r["expr"]), str(r["why"]), str(r["true_value"]))


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
        claim = _lower_one(c, where, err)
        if claim is not None:
            out.append(claim)
    return out


# -- decisions ---------------------------------------------------------------------------

@dataclass
class ReadingDecision:
    name: str
    expr_text: str
    why: str
    verdict: str          # correct / incorrect / undecided
    lo: Fraction | None   # the enclosure over the input box
    hi: Fraction | None
    centre: Fraction | None   # the value at the printed inputs (midpoint of its enclosure)
    shown: str            # centre to the printed precision plus one digit
    n_inputs: int
    error: str = ""
    witness: str = ""     # for undecided: where the printed range is met and where missed


@dataclass
class Decision:
    claim: Claim
    verdict: str          # correct / incorrect / undecided
    reading: str          # the reading that reproduces it ("" when incorrect)
    readings: list        # ReadingDecision per admitted reading
    rejected: list        # ReadingDecision per rejected reading that has an expression
    agrees: bool          # with the registry's marking (verdict, reading, true values)
    why_stale: list = field(default_factory=list)

    def _main(self):
        name = self.reading or self.claim.readings[0].name
        return next(r for r in self.readings if r.name == name)

    @property
    def lo(self):
        r = self._main()
        return float("nan") if r.lo is None else float(r.lo)

    @property
    def hi(self):
        r = self._main()
        return float("nan") if r.hi is None else float(r.hi)

    @property
    def true_value(self):
        return self._main().shown

    @property
    def error(self):
        return self._main().error


def digits_of(text):
    s = str(text).strip()
    return len(s.split(".")[1]) if "." in s else 0


POINTS = {"printed": "the printed inputs", "low": "the low corner of the input box",
          "high": "the high corner of the input box"}


def _decide_reading(c, name, e, text, why, digits):
    lo_q, hi_q = c.value - c.within, c.value + c.within
    n_in = len(inputs_of(e))
    try:
        verdict, lo, hi, clo, chi, wit = classify(e, lo_q, hi_q)
    except (ValueError, ZeroDivisionError) as exc:
        return ReadingDecision(name, text, why, "undecided", None, None, None, "", n_in, str(exc))
    mid = (clo + chi) / 2
    witness = ""
    if "meets" in wit:
        (p_in, v_in), (p_out, v_out) = wit["meets"], wit["misses"]
        witness = (f"reproduced at {POINTS[p_in]} ({float(v_in):.{digits + 1}f}), "
                   f"missed at {POINTS[p_out]} ({float(v_out):.{digits + 1}f})")
    elif wit:
        (p_lo, v_lo), (p_hi, v_hi) = wit["below"], wit["above"]
        witness = (f"below at {POINTS[p_lo]} ({float(v_lo):.{digits + 1}f}), above at "
                   f"{POINTS[p_hi]} ({float(v_hi):.{digits + 1}f}): reproduced in between")
    elif verdict == "undecided" and n_in:
        witness = f"not resolved in {MAX_BOXES} sub-boxes"
    return ReadingDecision(name, text, why, verdict, lo, hi, mid, f"{float(mid):.{digits}f}", n_in,
                           witness=witness)


@functools.lru_cache(maxsize=1024)
def decide(c: Claim) -> Decision:
    """Each reading by its enclosure over the printed inputs' box; then the claim."""
    rds = []
    for r in c.readings:
        d = max(digits_of(c.value_text), digits_of(r.true_value))
        rds.append(_decide_reading(c, r.name, r.expr, r.expr_text, r.why, d))
    rej = [_decide_reading(c, r.name, r.expr, r.expr_text, r.why, digits_of(c.value_text) + 1)
           for r in c.rejected if r.expr is not None]
    verdicts = [r.verdict for r in rds]
    if "correct" in verdicts:
        verdict = "correct"
    elif all(v == "incorrect" for v in verdicts):
        verdict = "incorrect"
    else:
        verdict = "undecided"
    reading = "" if verdict == "incorrect" else next(r.name for r in rds if r.verdict == verdict)
    stale = []
    if verdict != c.verdict:
        stale.append(f"verdict is {verdict}, marked {c.verdict}")
    if verdict != "incorrect" and verdict == c.verdict:
        marked = next((r for r in rds if r.name == c.reading), None)
        if marked is None:
            stale.append(f"marked {c.verdict} without naming the reading that reproduces it")
        elif marked.verdict != verdict:
            stale.append(f"reading {c.reading} is {marked.verdict}, not {verdict}")
    for r, rd in zip(c.readings, rds):
        dg = max(digits_of(c.value_text), digits_of(r.true_value))
        if rd.centre is None or abs(rd.centre - Fraction(r.true_value)) > Fraction(1, 10 ** dg):
            stale.append(f"reading {r.name}: value {rd.shown or rd.error}, marked {r.true_value}")
    return Decision(c, verdict, reading, rds, rej, not stale, stale)


def decide_all(claims):
    return [decide(c) for c in claims]


def counts(ds):
    return {v: sum(d.verdict == v for d in ds) for v in VERDICTS}


def as_json(d: Decision):
    """One decision as plain JSON data."""
    def rj(r):
        return {"name": r.name, "expr": r.expr_text, "why": r.why, "verdict": r.verdict,
                "enclosure": None if r.lo is None else [float(r.lo), float(r.hi)],
                "value_at_printed_inputs": r.shown, "printed_inputs": r.n_inputs,
                "witness": r.witness, "error": r.error}
    c = d.claim
    return {"id": c.id, "section": c.section, "printed": c.printed, "value": c.value_text,
            "within": str(c.within), "verdict": d.verdict, "reading": d.reading,
            "expr": d._main().expr_text, "enclosure": [d.lo, d.hi], "true_value": d.true_value,
            "readings": [rj(r) for r in d.readings],
            "rejected": [{"name": r.name, "why": r.why, "expr": r.expr_text} for r in c.rejected],
            "rejected_values": [rj(r) for r in d.rejected],
            "marked": c.verdict, "marked_reading": c.reading, "agrees": d.agrees,
            "stale": d.why_stale, "note": c.note, "error": d.error}


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
    if op == "in":
        return f"x{e[3]}"
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


COQ_MAX_LEAVES = 256   # sub-boxes of a case split the Coq proof may use


def _split_tree(e, kit, box, lo_q, hi_q, budget):
    """A case split of ``box`` into sub-boxes on each of which the naive interval value of
    ``e`` (what Coq's interval tactic computes) decides the same side of [lo_q, hi_q]:
    ("leaf", verdict) or ("split", k, mid, below, above); None past ``budget`` leaves."""
    v, _ = _evaluate(e, kit, box, grad=False)
    a, b = kit.ends(v)
    side = _side(a, b, lo_q, hi_q)
    if side != "undecided":
        budget[0] -= 1
        return ("leaf", side) if budget[0] >= 0 else None
    if budget[0] <= 1:
        return None
    _, g = _evaluate(e, kit, box, grad=True)
    def weight(k):
        da, db = kit.ends(g[k]) if k in g else (0, 0)
        return max(abs(da), abs(db)) * box[k][1]
    k = max(box, key=weight)
    c, h = box[k]
    below = _split_tree(e, kit, {**box, k: (c - h / 2, h / 2)}, lo_q, hi_q, budget)
    if below is None:
        return None
    above = _split_tree(e, kit, {**box, k: (c + h / 2, h / 2)}, lo_q, hi_q, budget)
    return None if above is None else ("split", k, c, below, above)


def _tree_sides(t):
    return {t[1]} if t[0] == "leaf" else _tree_sides(t[3]) | _tree_sides(t[4])


def _coq_plan(e, lo_q, hi_q, split=False):
    """How the interval tactic can prove the verdict over the box of ``e``: "lra" (exact
    rational, no inputs), "plain" (the naive enclosure decides, as Coq's tactic computes it),
    with ``split`` a case-split tree of sub-boxes that each decide naively; else None."""
    box = inputs_of(e)
    if exact_value(e) is not None or _linear(e):
        return "lra"
    kit = _kit(e)
    v, _ = _evaluate(e, kit, box, grad=False)
    a, b = kit.ends(v)
    # Coq evaluates in floating point with outward rounding: keep a margin it can resolve
    eps = (abs(lo_q) + abs(hi_q) + 1) / 10 ** 12
    if _side(a - eps, b + eps, lo_q, hi_q) != "undecided":
        return "plain"
    if not split or not box:
        return None
    return _split_tree(e, kit, box, lo_q, hi_q, [COQ_MAX_LEAVES])


def _linear(e):
    """True when ``e`` is affine in its printed inputs with exact coefficients (+, -, and
    products or quotients by input-free rational terms): then ``lra`` proves its bounds
    exactly, even where they touch the rounding interval's edge."""
    def ins(n):
        return bool(inputs_of(n))

    def lin(n):
        op = n[0]
        if op in ("num", "in"):
            return True
        if op == "neg":
            return lin(n[1])
        if op in ("add", "sub"):
            return lin(n[1]) and lin(n[2])
        if op == "mul":
            a, b = n[1], n[2]
            return ((not ins(a) and exact_value(a) is not None and lin(b))
                    or (not ins(b) and exact_value(b) is not None and lin(a)))
        if op == "div":
            return not ins(n[2]) and exact_value(n[2]) not in (None, 0) and lin(n[1])
        return not ins(n) and exact_value(n) is not None
    return ins(e) and lin(e)


def _coq_script(t, opts):
    if t[0] == "leaf":
        return f"interval with ({opts})"
    k, m = t[1], _coq_num(t[2])
    return f"destruct (Rle_or_lt x{k} {m}); [{_coq_script(t[3], opts)} | {_coq_script(t[4], opts)}]"


def _coq_lemma(name, e, goal_of, plan):
    """Lemma over the reading's input box: forall x.., lo <= x <= hi -> .. -> goal."""
    ins = sorted(inputs_of(e).items())
    goal = goal_of(coq_term(e))
    if ins:
        binders = " ".join(f"x{k}" for k, _ in ins)
        hyps = " -> ".join(f"{_coq_num(c - h)} <= x{k} <= {_coq_num(c + h)}" for k, (c, h) in ins)
        stmt = f"forall {binders} : R, {hyps} -> {goal}"
    else:
        stmt = goal
    lines = [f"Lemma {name} : {stmt}."]
    if plan == "lra":
        # exact rationals: lra (linear arithmetic over Q, no rounding)
        lines.append("Proof. intros; lra. Qed." if ins else "Proof. lra. Qed.")
        return lines
    opts = f"i_prec {200 if _size(e) > 200 else 60}"      # big data expressions need more bits
    intro = f"intros {' '.join(f'x{k}' for k, _ in ins)} {' '.join(f'H{k}' for k, _ in ins)}. " if ins else ""
    # a case split on the inputs (found above by the same naive evaluation) when one
    # enclosure of the whole box does not decide
    tactic = f"interval with ({opts})" if plan == "plain" else _coq_script(plan, opts)
    lines.append(f"Proof. {intro}{tactic}. Qed.")
    return lines


def coq_source(claims):
    """Claims.v: each correct claim as lo <= e <= hi under its reproducing reading over the
    box of its printed inputs; each incorrect claim (every reading misses) as one refuting
    lemma per reading. Undecided claims are not exported, nor correct ones whose box the
    interval tactic cannot cover (said in a comment)."""
    lines = ["(* Generated by `roughatlas export coq` from theorem_index.yaml (claims). Do not edit. *)",
             "(* The paper's numeric claims, decided by the interval tactic (Coq library Interval). *)",
             "(* Printed inputs x_k range over half a unit of their last digit. *)",
             "Require Import Reals Lra.", "From Interval Require Import Tactic.", "Open Scope R_scope.", ""]
    for d in decide_all(claims):
        c = d.claim
        lo, hi = c.value - c.within, c.value + c.within
        name = "claim_" + c.id[2:]
        lines.append(f"(* {c.id} ({c.section}): printed \"{c.printed}\"; {d.verdict}"
                     + (f" under reading {d.reading}" if d.reading else " under every reading")
                     + f"; value {d.true_value} *)")
        if d.verdict == "correct":
            r = next(r for r in c.readings if r.name == d.reading)
            plan = _coq_plan(r.expr, lo, hi)
            if plan not in ("lra", "plain"):
                # the margins of a correct claim are a fraction of the rounding interval; the
                # tactic's naive evaluation would need a bisection too deep to be practical
                lines.append(f"(* {c.id}: correct by mean-value enclosures and bisection over "
                             f"{len(inputs_of(r.expr))} printed inputs, which the interval tactic's "
                             f"naive evaluation cannot match: not exported *)")
            else:
                lines += _coq_lemma(name, r.expr, lambda t: f"{_coq_num(lo)} <= {t} <= {_coq_num(hi)}", plan)
        elif d.verdict == "incorrect":
            for r, rd in zip(c.readings, d.readings):
                below = rd.hi < lo
                suffix = "_refuted" if len(c.readings) == 1 else f"_refuted_{r.name}"
                plan = _coq_plan(r.expr, lo, hi, split=True)
                if plan is None:
                    raise ValueError(f"{c.id}: reading {r.name}: no case split into at most "
                                     f"{COQ_MAX_LEAVES} sub-boxes proves its refutation in Coq")
                lines += _coq_lemma(name + suffix, r.expr,
                                    (lambda t: f"{t} < {_coq_num(lo)}") if below
                                    else (lambda t: f"{_coq_num(hi)} < {t}"), plan)
        else:
            lines.append(f"(* {c.id}: undecided under its admitted readings; not exported *)")
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


# -- text report ---------------------------------------------------------------------------

MARK = {"correct": "correct  ", "incorrect": "INCORRECT", "undecided": "UNDECIDED"}


def _enc(r):
    if r.lo is None:
        return f"not evaluated: {r.error}"
    return f"∈ [{float(r.lo):.10g}, {float(r.hi):.10g}]"


def report_lines(d: Decision, verbose=False):
    """The text lines of one decision: a header; then, for claims that are not correct,
    have several readings, or with ``verbose``, the printed words, one line per reading
    (verdict, expression, enclosure over the input box, why) and the rejected readings."""
    c = d.claim
    which = (f"({d.reading})" if d.reading and d.reading != DIRECT else
             "(every reading)" if d.verdict == "incorrect" and len(c.readings) > 1 else "")
    out = [f"{MARK[d.verdict]} {c.id:34s} §{c.section:22s} printed {c.value_text:>7s}  "
           f"value {d.true_value:>8s} {which}".rstrip()
           + ("" if d.agrees else f"   (registry marks it {c.verdict}"
              + (f"/{c.reading}" if c.reading else "") + f": STALE: {'; '.join(d.why_stale)})")]
    if not (verbose or d.verdict != "correct" or len(c.readings) > 1):
        return out
    out.append(f"          {c.printed}")
    for name, text in c.inputs:
        out.append(f"          input {name} = {text}")
    for r in d.readings:
        label = "" if r.name == DIRECT else f"{r.name}: "
        out.append(f"          {label}{r.verdict} {r.expr_text}  {_enc(r)}"
                   + (f"; {r.witness}" if r.witness else "") + ("" if r.name == DIRECT else f" ({r.why})"))
    for r in c.rejected:
        rd = next((x for x in d.rejected if x.name == r.name), None)
        val = f" would give {rd.shown} {_enc(rd)}" if rd is not None and rd.lo is not None else ""
        out.append(f"          rejected {r.name}:{val} ({r.why})")
    if c.note:
        out.append(f"          note: {c.note}")
    return out


def summary_line(ds):
    n = counts(ds)
    return (f"{len(ds)} claims: {n['correct']} correct, {n['incorrect']} incorrect under every reading, "
            f"{n['undecided']} undecided (printed inputs as rounding intervals); "
            f"{sum(not d.agrees for d in ds)} marking(s) disagree")
