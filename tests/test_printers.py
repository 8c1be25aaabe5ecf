"""The Lean 4 and Coq printers: one exact string per IR node type, and refusals."""
import pytest
import sympy

from verifier.expr import parse_prop, parse_term
from verifier.printers import CoqPrinter, ExportError, Lean4Printer, coq, lean
from verifier.sympy_backend import rpow

V = ["a", "b", "c", "H", "T"]

# (registry text, Lean, Coq)
TERMS = [
    ("3", "3", "3"),                                        # num
    ("a", "a", "a"),                                        # var
    ("a + b", "a + b", "a + b"),                            # add
    ("a + (b + c)", "a + (b + c)", "a + (b + c)"),
    ("a - b", "a - b", "a - b"),                            # sub
    ("a - (b - c)", "a - (b - c)", "a - (b - c)"),
    ("a - -3", "a - (-3)", "a - (-3)"),
    ("a*b", "a * b", "a * b"),                              # mul
    ("a*(b + c)", "a * (b + c)", "a * (b + c)"),
    ("a/b", "a / b", "a / b"),                              # div
    ("a/(b*c)", "a / (b * c)", "a / (b * c)"),
    ("1/2", "1/2", "1/2"),                                  # literal fraction
    ("H + 1/2", "H + 1/2", "H + 1/2"),
    ("-a", "-a", "-a"),                                     # neg
    ("-(a*b)", "-(a * b)", "-(a * b)"),
    ("-a*b", "(-a) * b", "(-a) * b"),
    ("a**2", "a ^ 2", "a ^ 2"),                             # pow
    ("(a + b)**2/4", "(a + b) ^ 2 / 4", "(a + b) ^ 2 / 4"),
    ("a**(-1)", "a⁻¹", "/ a"),
    ("a**(-2)", "(a ^ 2)⁻¹", "/ a ^ 2"),
    ("rpow(T, H + 1/2)", "T ^ (H + 1/2 : ℝ)", "Rpower T (H + 1/2)"),    # rpow
    ("rpow(T, H)/(H + 1/2)", "T ^ (H : ℝ) / (H + 1/2)", "Rpower T H / (H + 1/2)"),
]

RELS = [
    ("a < b", "a < b", "a < b"),
    ("a <= b", "a ≤ b", "a <= b"),
    ("a == b", "a = b", "a = b"),
    ("a > b", "b < a", "b < a"),                           # Mathlib style: 0 < e
    ("a >= b", "b ≤ a", "b <= a"),
    ("H + 1/2 > 0", "0 < H + 1/2", "0 < H + 1/2"),
    ("1/2 - 1/2 == 0", "(1/2 - 1/2 : ℝ) = 0", "1/2 - 1/2 = 0"),   # numerals typed as reals
]


@pytest.mark.parametrize("text,want_lean,want_coq", TERMS)
def test_terms(text, want_lean, want_coq):
    e = parse_term(text, V)
    assert lean(e) == want_lean
    assert coq(e) == want_coq


@pytest.mark.parametrize("text,want_lean,want_coq", RELS)
def test_relations(text, want_lean, want_coq):
    (r,) = parse_prop(text, V)
    assert lean(r) == want_lean
    assert coq(r) == want_coq


def test_inverse_style_for_proof_terms():
    e = parse_term("C/n + 1/2 + C**2/4", ["C", "n"])
    assert lean(e, "inv") == "C * n⁻¹ + 1/2 + C ^ 2 / 4"
    assert coq(e, "inv") == "C * (/ n) + 1/2 + C ^ 2 / 4"


@pytest.mark.parametrize("printer", [Lean4Printer, CoqPrinter])
@pytest.mark.parametrize("expr,word", [
    (sympy.sin(sympy.Symbol("x", real=True)), "sin"),
    (sympy.Float("0.5"), "Float"),
    (sympy.Pow(sympy.Symbol("x"), sympy.Symbol("y"), evaluate=False), "integer exponent"),
    (sympy.Function("f")(sympy.Symbol("x")), "f"),
    (sympy.Ne(sympy.Symbol("x"), 0), "Unequality"),
    (sympy.pi, "Pi"),
])
def test_unknown_constructs_are_refused(printer, expr, word):
    with pytest.raises(ExportError) as exc:
        printer().doprint(expr)
    assert word in str(exc.value)
    assert printer.language in str(exc.value)


def test_rpow_arity_is_checked():
    x = sympy.Symbol("x", real=True)
    with pytest.raises(ExportError, match="two arguments"):
        Lean4Printer().doprint(rpow(x, x, x))


def test_settings_are_closed():
    with pytest.raises(TypeError):
        Lean4Printer({"no_such_setting": 1})
