"""Vacuity decided over the reals: a model of the hypotheses is certified, not trusted.

Z3 reads ``rpow`` as an uninterpreted function, so a Z3 model of the hypotheses
need not be a real model (``T > 0, rpow(T, 0) == 2`` has a Z3 model and no real
one).  A theorem is NON_VACUOUS only when a model point is *certified*: every
hypothesis is evaluated at that point with the true real power, exactly over
the rationals where possible (integer exponents, base 1, exponent 0) and
otherwise with outward-rounded interval arithmetic (mpmath ``iv``), and all of
them hold.  Equalities are only certified exactly.

The search for such a point goes in rounds: Z3 alone; Z3 with the standard
laws of the real power (true of Mathlib's ``Real.rpow``):

    rpow(x, 0) = 1,  rpow(x, 1) = x,  rpow(1, y) = 1,  rpow(x, k) = x^k (k = 2, 3),
    x > 0 → rpow(x, y) > 0,  rpow(x, a)·rpow(x, b) = rpow(x, a + b),
    x > 1: y ↦ rpow(x, y) increasing;  0 < x < 1: decreasing (both also against y = 0);

and last Z3 with those laws and a preference for points where every power is
exact (base 1 or a small integer exponent).  Each round blocks the points it
could not certify and asks again a few times.  VACUOUS means Z3 proves the
hypotheses unsatisfiable even with rpow uninterpreted, or with only the true
laws above; UNKNOWN means no model was certified (never reported as non-vacuous).
"""
from __future__ import annotations

import itertools
from fractions import Fraction

import z3

from verifier.expr import fmt_num
from verifier.z3backend import _Tr

NON_VACUOUS, VACUOUS, UNKNOWN = "NON_VACUOUS", "VACUOUS", "UNKNOWN"
TIMEOUT_MS = 3000          # per Z3 check
TRIES_PER_ROUND = 3        # models blocked and re-asked per round
MAX_APPS_TRIPLES = 10      # product-law instances only up to this many rpow terms
PREC = 96                  # bits for interval arithmetic
MAX_EXACT_EXP = 64         # integer exponents evaluated exactly up to this size
MAX_EXACT_BITS = 20000     # exact powers only while the result stays this small
MAX_EXP_ARG = 2 ** 24      # |y·log b| beyond this: not evaluated (not certified)


class _NotCertified(Exception):
    pass


# -- evaluation at a point -----------------------------------------------------

def _iv():
    from mpmath import iv
    iv.prec = PREC
    return iv


def _to_iv(iv, q):
    return iv.mpf(q.numerator) / iv.mpf(q.denominator)


def _value(e, point, iv):
    """Exact Fraction, or an mpmath interval containing the true real value."""
    tag = e[0]
    if tag == "num":
        return e[1]
    if tag == "var":
        return point[e[1]]
    if tag == "neg":
        v = _value(e[1], point, iv)
        return -v
    if tag in ("add", "sub", "mul", "div"):
        a, b = _value(e[1], point, iv), _value(e[2], point, iv)
        if tag == "div" and _may_be_zero(b):
            raise _NotCertified("a denominator is 0 at this point")
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return {"add": a + b, "sub": a - b, "mul": a * b}.get(tag) if tag != "div" else a / b
        a, b = (_to_iv(iv, x) if isinstance(x, Fraction) else x for x in (a, b))
        return {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
                "div": lambda: a / b}[tag]()
    if tag == "pow":
        b, k = _value(e[1], point, iv), e[2]
        if k < 0 and _may_be_zero(b):
            raise _NotCertified("0 to a negative power at this point")
        if isinstance(b, Fraction) and _bits(b) * abs(k) > MAX_EXACT_BITS:
            b = _to_iv(iv, b)
        return b ** k
    if tag == "rpow":
        b, y = _value(e[1], point, iv), _value(e[2], point, iv)
        if isinstance(y, Fraction) and y == 0:
            return Fraction(1)                       # Real.rpow_zero (every base)
        if isinstance(y, Fraction) and y == 1:
            return b                                 # Real.rpow_one (every base)
        if _positive(b) is not True:
            raise _NotCertified("a power with a base that is not shown positive")
        if isinstance(b, Fraction):
            if b == 1:
                return Fraction(1)
            if isinstance(y, Fraction) and y.denominator == 1 and abs(y) <= MAX_EXACT_EXP and \
                    _bits(b) * abs(y) <= MAX_EXACT_BITS:
                return b ** int(y)
        bi = _to_iv(iv, b) if isinstance(b, Fraction) else b
        yi = _to_iv(iv, y) if isinstance(y, Fraction) else y
        arg = iv.log(bi) * yi
        if max(abs(arg.a), abs(arg.b)) > MAX_EXP_ARG:
            raise _NotCertified("a power too large to evaluate")
        return iv.exp(arg)
    raise _NotCertified(f"unknown term node {tag!r}")


def _bits(q):
    return max(q.numerator.bit_length(), q.denominator.bit_length())


def _may_be_zero(v):
    if isinstance(v, Fraction):
        return v == 0
    return v.a <= 0 <= v.b


def _positive(v):
    if isinstance(v, Fraction):
        return v > 0
    return True if v.a > 0 else None


def holds(rel, point):
    """True if the relation certainly holds at ``point``; False otherwise."""
    iv = _iv()
    _, op, lhs, rhs = rel
    try:
        a, b = _value(lhs, point, iv), _value(rhs, point, iv)
    except (_NotCertified, ZeroDivisionError, OverflowError, ValueError):
        return False
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return {"<": a < b, "<=": a <= b, "=": a == b, ">": a > b, ">=": a >= b}[op]
    if op == "=":
        return False
    d = (_to_iv(iv, a) if isinstance(a, Fraction) else a) - \
        (_to_iv(iv, b) if isinstance(b, Fraction) else b)
    return {"<": d.b < 0, "<=": d.b <= 0, ">": d.a > 0, ">=": d.a >= 0}[op]


# -- the rpow laws ----------------------------------------------------------------

def laws(apps):
    """Instances of the real power's laws for the rpow applications ``apps``."""
    out = []
    one, zero = z3.RealVal(1), z3.RealVal(0)
    for b, y, a in apps:
        out += [z3.Implies(y == zero, a == one), z3.Implies(y == one, a == b),
                z3.Implies(b == one, a == one),
                z3.Implies(y == 2, a == b * b), z3.Implies(y == 3, a == b * b * b),
                z3.Implies(z3.And(b > 1, y > 0), a > 1), z3.Implies(z3.And(b > 1, y < 0), a < 1),
                z3.Implies(z3.And(b > 0, b < 1, y > 0), a < 1),
                z3.Implies(z3.And(b > 0, b < 1, y < 0), a > 1)]
    for (b1, y1, a1), (b2, y2, a2) in itertools.permutations(apps, 2):
        out += [z3.Implies(z3.And(b1 == b2, b1 > 1, y1 < y2), a1 < a2),
                z3.Implies(z3.And(b1 == b2, b1 > 0, b1 < 1, y1 < y2), a1 > a2)]
    if len(apps) <= MAX_APPS_TRIPLES:
        for (b1, y1, a1), (b2, y2, a2), (b3, y3, a3) in itertools.product(apps, repeat=3):
            out.append(z3.Implies(z3.And(b1 == b2, b2 == b3, b1 > 0, y3 == y1 + y2),
                                  a1 * a2 == a3))
    return out


def _exact_preference(apps):
    """Points where every power is exact: base 1, or an exponent in −3..3."""
    return [z3.Or(b == 1, *[y == k for k in range(-3, 4)]) for b, y, _ in apps]


# -- the decision ---------------------------------------------------------------------

def _point(m, tr):
    point = {}
    for name, x in tr.v.items():
        v = m.eval(x, model_completion=True)
        if not z3.is_rational_value(v):
            return None
        point[name] = Fraction(v.numerator_as_long(), v.denominator_as_long())
    return point


def decide(variables, premises):
    """{"status": NON_VACUOUS | VACUOUS | UNKNOWN, "model": {var: value} or None, "note"}."""
    try:
        tr = _Tr(variables)
        hyps = [tr.rel(r) for _, r in premises]
    except (z3.Z3Exception, ValueError) as exc:
        return {"status": UNKNOWN, "model": None, "note": f"z3: {exc}"}
    rels = [r for _, r in premises]
    rounds = [("Z3 model", [])]
    if tr.apps:
        law = laws(tr.apps)
        rounds += [("Z3 model with the rpow laws", law),
                   ("Z3 model with the rpow laws at exact powers", law + _exact_preference(tr.apps))]
    notes = []
    for label, extra in rounds:
        s = z3.Solver()
        s.set("timeout", TIMEOUT_MS)
        s.add(*hyps, *tr.lemmas, *extra)
        for attempt in range(TRIES_PER_ROUND):
            try:
                res = s.check()
            except z3.Z3Exception as exc:
                notes.append(f"{label}: z3 {exc}")
                break
            if res == z3.unsat:
                if attempt or label.endswith("exact powers"):
                    # the points tried were blocked, or the preference is not a law
                    notes.append(f"{label}: no further point")
                    break
                return {"status": VACUOUS, "model": None,
                        "note": f"hypotheses unsatisfiable ({label.replace('model', 'reasoning')})"
                                if extra else "hypotheses unsatisfiable"}
            if res != z3.sat:
                notes.append(f"{label}: {s.reason_unknown()}")
                break
            m = s.model()
            point = _point(m, tr)
            if point is not None and all(holds(r, point) for r in rels):
                return {"status": NON_VACUOUS,
                        "model": {k: fmt_num(point[k]) for k in sorted(point)},
                        "note": f"certified over the reals ({label})"}
            s.add(z3.Or([x != m.eval(x, model_completion=True) for x in tr.v.values()])
                  if tr.v else z3.BoolVal(False))
        else:
            notes.append(f"{label}: {TRIES_PER_ROUND} points, none a real model")
    return {"status": UNKNOWN, "model": None,
            "note": "no model certified over the reals (" + "; ".join(notes) + ")"}
