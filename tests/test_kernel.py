"""The trusted kernel: stored certificates accepted, tampered ones rejected,
a conformance battery against Z3 and SymPy, and the normaliser cross-checked
against SymPy."""
import copy
from fractions import Fraction

import pytest
import sympy
from hypothesis import given, strategies as st

from verifier import kernel, pipeline, search
from verifier.expr import ParseError, parse_prop
from verifier.registry import load
from verifier.sympy_backend import check_identity, to_sympy
from verifier.z3backend import PROVED, REFUTED, UNKNOWN, UNSUPPORTED, prove

REG = load()
CERTS = pipeline.load_certificates()
BY_ID = REG.by_id()


def _lemmas(t):
    return pipeline.lemma_facts(t, BY_ID, set(BY_ID) - {t.id})


def _check(t, cert):
    s = t.statement
    return kernel.check(s.vars, s.premises, s.goal, cert, _lemmas(t))


@pytest.mark.parametrize("tid", sorted(BY_ID))
def test_stored_certificate_accepted(tid):
    t = BY_ID[tid]
    assert CERTS[tid]["digest"] == t.statement.digest()
    assert _check(t, CERTS[tid])


def _positive_terms(cert):
    return [(j, k) for j, g in enumerate(cert["goals"]) if g["method"] == "refute"
            for k, term in enumerate(g["terms"]) if Fraction(term["c"]) > 0]


@pytest.mark.parametrize("tid", [i for i in sorted(BY_ID) if _positive_terms(CERTS[i])])
def test_sign_flip_rejected(tid):
    """An inequality used with a negative weight proves nothing: always rejected."""
    t = BY_ID[tid]
    cert = CERTS[tid]
    for j, k in _positive_terms(cert):
        bad = copy.deepcopy(cert)
        bad["goals"][j]["terms"][k]["c"] = str(-Fraction(bad["goals"][j]["terms"][k]["c"]))
        with pytest.raises(kernel.KernelError):
            _check(t, bad)


def test_tampered_coefficient_rejected():
    t = BY_ID[32]
    bad = copy.deepcopy(CERTS[32])
    bad["goals"][0]["terms"][0]["c"] = "2"
    with pytest.raises(kernel.KernelError, match="non-constant|no contradiction"):
        _check(t, bad)


def test_swapped_hypothesis_rejected():
    t = BY_ID[31]
    bad = copy.deepcopy(CERTS[31])
    text = repr(bad)
    assert "h:hb_neg" in text
    for term in bad["goals"][0]["terms"]:
        term["of"] = ["h:hbias_model" if r == "h:hb_neg" else r for r in term["of"]]
    with pytest.raises(kernel.KernelError):
        _check(t, bad)


def test_unknown_reference_rejected():
    bad = copy.deepcopy(CERTS[31])
    bad["goals"][0]["terms"][0]["of"] = ["h:no_such_hypothesis"]
    with pytest.raises(kernel.KernelError, match="unknown fact 'h:no_such_hypothesis'"):
        _check(BY_ID[31], bad)


def test_identity_needs_nonzero_denominator():
    """Theorem 123 without its side condition h > -1/2: the stored steps no longer check,
    and with no steps the goal's denominators are not shown non-zero."""
    s = BY_ID[123].statement
    with pytest.raises(kernel.KernelError, match="no certificate proves|not established"):
        kernel.check(s.vars, (), s.goal, CERTS[123])
    bad = copy.deepcopy(CERTS[123])
    bad["steps"] = []
    with pytest.raises(kernel.KernelError, match="not shown non-zero"):
        kernel.check(s.vars, (), s.goal, bad)


def test_lemma_premise_is_checked():
    t = BY_ID[13]
    bad = copy.deepcopy(CERTS[13])
    bad["steps"][0]["base"] = "H"           # H > 0 is not a premise of theorem 13
    with pytest.raises(kernel.KernelError, match="no established fact base > 0"):
        _check(t, bad)


def test_cite_of_weaker_fact_rejected():
    V = ["x"]
    prem = [("h", parse_prop("x >= 0", V)[0])]
    with pytest.raises(kernel.KernelError, match="does not match"):
        kernel.check(V, prem, parse_prop("x > 0", V), {"goals": [{"method": "cite", "ref": "h:h"}]})


def test_equality_product_cannot_hide_inequality():
    V = ["x"]
    prem = [("h", parse_prop("x > 0", V)[0])]
    cert = {"goals": [{"method": "refute", "terms": [{"c": "1", "of": ["h:h"], "times": "x"}]}]}
    with pytest.raises(kernel.KernelError, match="only an equality may be multiplied"):
        kernel.check(V, prem, parse_prop("x < 0", V), cert)


@pytest.mark.parametrize("coef", ["5e99999999", "0.5", "nan", "inf", "1/0", None, True, 2, "x",
                                  "1" * 400])
def test_malformed_coefficients_rejected(coef):
    V = ["x"]
    prem = [("h", parse_prop("x > 0", V)[0])]
    cert = {"goals": [{"method": "refute", "terms": [{"c": coef, "of": ["h:h"]}]}]}
    with pytest.raises(kernel.KernelError):
        kernel.check(V, prem, parse_prop("x > 0", V), cert)


def test_blowup_guarded():
    """The parser refuses the expansion; an IR built by hand still meets the kernel's bounds."""
    V = ["x", "y", "z"]
    with pytest.raises(ParseError, match="total degree|monomials"):
        parse_prop("((x + y + z + 1)**64)**64 == 0", V)
    s = parse_prop("x + y + z + 1 == 0", V)[0][2]
    goal = (("rel", "=", ("pow", ("pow", s, 64), 64), ("num", Fraction(0))),)
    with pytest.raises(kernel.KernelError, match="too large|monomial operations"):
        kernel.check(V, [], goal, {"goals": [{"method": "eq", "terms": []}]})


# -- conformance battery --------------------------------------------------------

BATTERY = [
    # (variables, premises, goal, truth) ; truth True / False / None (outside the fragment)
    (["x"], [], "x**2 >= 0", True),
    (["x"], [], "x**2 > 0", False),
    (["x", "y"], [], "(x + y)**2 == x**2 + 2*x*y + y**2", True),
    (["x", "y"], [], "(x + y)**2 == x**2 + y**2", False),
    (["x"], ["x > 1"], "x**2 > x", True),
    (["x"], ["x > 0"], "x**2 > x", False),
    (["x"], ["0 < x", "x < 1"], "1/x > 1", True),
    (["x"], ["0 < x"], "1/x > 1", False),
    (["x"], ["x > 0"], "x/x == 1", True),
    (["x"], [], "x/x == 1", False),
    (["a", "b"], ["a < b"], "a < (a + b)/2 < b", True),
    (["a", "b"], ["a <= b"], "a < (a + b)/2", False),
    (["r"], ["r < 0"], "r**2/4 > 0", True),
    (["r"], ["r <= 0"], "r**2/4 > 0", False),
    (["T", "H"], ["T > 0"], "rpow(T, H) > 0", True),
    (["T", "H"], [], "rpow(T, H) > 0", False),
    (["T"], ["T > 0"], "rpow(T, 2) == T**2", None),
    (["T", "H"], ["T > 0"], "rpow(T, H)*rpow(T, H) == rpow(T, 2*H)", None),
    (["x", "y"], ["x == 2*y", "y == 3"], "x == 6", True),
    (["x", "y"], ["x == 2*y", "y == 3"], "x == 7", False),
]


@pytest.mark.parametrize("vars_, prem, goal, truth", BATTERY)
def test_conformance(vars_, prem, goal, truth):
    premises = [(f"p{i}", parse_prop(p, vars_)[0]) for i, p in enumerate(prem)]
    g = parse_prop(goal, vars_)
    z, _, _ = prove(vars_, premises, g)
    cert, _ = search.certify(vars_, premises, g)
    accepted = False
    if cert is not None:
        try:
            accepted = kernel.check(vars_, premises, g, cert)
        except kernel.KernelError:
            accepted = False
    sy, _ = check_identity(premises, g)
    if truth is True:
        assert z == PROVED and accepted
        assert sy in (PROVED, UNSUPPORTED)
    elif truth is False:
        assert z == REFUTED or (z == UNKNOWN and "rpow" in goal)
        assert not accepted, "a checker accepted a false statement"
        assert sy != PROVED or "/" in goal   # SymPy ignores zero denominators (x/x)
    else:
        assert not accepted and z != PROVED     # outside both fragments: not claimed


# -- the normaliser against SymPy ------------------------------------------------

NAMES = ["x", "y", "z"]
leaf = st.one_of(st.sampled_from([("var", n) for n in NAMES]),
                 st.fractions(min_value=-5, max_value=5, max_denominator=6).map(lambda q: ("num", q)))
terms = st.recursive(leaf, lambda sub: st.one_of(
    st.tuples(st.sampled_from(["add", "sub", "mul"]), sub, sub),
    st.tuples(st.just("neg"), sub),
    st.tuples(st.just("pow"), sub, st.integers(0, 3))), max_leaves=8)


@given(terms)
def test_normaliser_agrees_with_sympy(e):
    ours = kernel._Norm()(e)
    syms = {n: sympy.Symbol(n, real=True) for n in NAMES}
    ref = sympy.Poly(sympy.expand(to_sympy(e, dict(syms))), *[syms[n] for n in NAMES])
    theirs = {}
    for powers, c in ref.terms():
        mono = tuple((n, k) for n, k in zip(NAMES, powers) if k)
        theirs[mono] = Fraction(int(sympy.fraction(c)[0]), int(sympy.fraction(c)[1]))
    theirs = {m: c for m, c in theirs.items() if c}
    assert ours == theirs
