"""The whitelisting parser: valid input, and hostile input rejected with clear errors."""
from fractions import Fraction

import pytest

from verifier.expr import ParseError, parse_prop, parse_term, show

V = ["H", "T", "h1", "h2", "x"]


@pytest.mark.parametrize("text, ir", [
    ("1/2", ("div", ("num", Fraction(1)), ("num", Fraction(2)))),
    ("H", ("var", "H")),
    ("-H", ("neg", ("var", "H"))),
    ("+H", ("var", "H")),
    ("H**2", ("pow", ("var", "H"), 2)),
    ("H**-1", ("pow", ("var", "H"), -1)),
    ("rpow(T, H + 1/2)", ("rpow", ("var", "T"),
                          ("add", ("var", "H"), ("div", ("num", Fraction(1)), ("num", Fraction(2)))))),
])
def test_valid_terms(text, ir):
    assert parse_term(text, V) == ir


def test_chained_comparison_is_a_conjunction():
    rels = parse_prop("1/2 < H + 1/2 < 1", V)
    assert [r[1] for r in rels] == ["<", "<"]
    assert rels[0][3] == rels[1][2]          # the middle term is shared


def test_and_joins_relations():
    assert [r[1] for r in parse_prop("H > 0 and H <= 1/2 and x == 1", V)] == [">", "<=", "="]


@pytest.mark.parametrize("text", ["(H + 1/2) - 1 == H - 1/2", "rpow(T, H)/(H + 1/2) > 0",
                                  "x**2 - -2 >= (1/2)**3", "-(x*x) < h1 - (h2 - 1)"])
def test_show_round_trips(text):
    rels = parse_prop(text, V)
    assert parse_prop(" and ".join(show(r) for r in rels), V) == rels


@pytest.mark.parametrize("text, fragment", [
    ('__import__("os")', "unknown function '__import__'"),
    ("os.system", "Attribute is not allowed"),
    ("H.__class__", "Attribute is not allowed"),
    ("(lambda: 1)()", "only plain function names"),
    ("lambda: 1", "Lambda is not allowed"),
    ("exp(H)", "unknown function 'exp'"),
    ("rpow(T)", "rpow takes exactly 2 positional arguments"),
    ("rpow(T, H, x)", "rpow takes exactly 2"),
    ("rpow(base=T, exp=H)", "rpow takes exactly 2"),
    ("0.1 * H", "float literal 0.1 is not allowed"),
    ("1e3", "float literal"),
    ("H ** 1000", "too large"),
    ("H ** H", "integer literal exponent"),
    ("2 ** 0.5", "integer literal exponent"),
    ("y + 1", "unknown name 'y'"),
    ("_x", "not allowed"),
    ("'text'", "constant 'text'"),
    ("True", "constant True"),
    ("[H]", "List is not allowed"),
    ("H if T else x", "IfExp is not allowed"),
    ("H // 2", "FloorDiv is not allowed"),
    ("H % 2", "Mod is not allowed"),
    ("1/0", "division by the constant 0"),
    ("0**-1", "0 raised to a negative power"),
    ("1" * 40, "more than 30 digits"),
    ("H +", "syntax error"),
    ("", "empty term"),
    ("H < 1", "relation is not allowed inside a term"),
    ("x := 1", "syntax error"),
    ("(" * 300 + "H" + ")" * 300, "too many nested parentheses"),
    ("-" * 100 + "H", "nested deeper"),
    ("+".join(["H"] * 300), "more than 400 syntax nodes"),
    ("H" * 3000, "longer than 2000"),
])
def test_hostile_terms_rejected(text, fragment):
    with pytest.raises(ParseError) as exc:
        parse_term(text, V, where="theorems[7].statement.goal")
    assert fragment in str(exc.value)
    assert str(exc.value).startswith("theorems[7].statement.goal: ")


@pytest.mark.parametrize("text, fragment", [
    ("H < 1 or H > 2", "only 'and'"),
    ("H != 1", "NotEq is not allowed"),
    ("H in T", "In is not allowed"),
    ("not H < 1", "expected a relation"),
    ("H", "expected a relation"),
])
def test_hostile_propositions_rejected(text, fragment):
    with pytest.raises(ParseError) as exc:
        parse_prop(text, V)
    assert fragment in str(exc.value)


def test_non_string_input_is_an_error():
    with pytest.raises(ParseError, match="expected a string"):
        parse_term(3, V, where="facts[F_x].prop")
