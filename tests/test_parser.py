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


@pytest.mark.parametrize("text, fragment, column", [
    ("Ｈ + 1", "non-ASCII character 'Ｈ' (U+FF28)", 1),          # full-width
    ("T + ℌ", "non-ASCII character 'ℌ'", 5),                     # Fraktur
    ("𝐻 * 2", "non-ASCII character '𝐻'", 1),                     # mathematical bold
    ("ｒｐｏｗ(T, H)", "non-ASCII character 'ｒ'", 1),
    ("H\u200b", "non-ASCII character", 2),                         # zero-width space
    ("H + 1  # a comment", "a comment ('#') is not allowed", 8),
    ("H + \\\n 1", "a backslash (line continuation) is not allowed", 5),
    ("H +\n 1", "a line break is not allowed", 4),
    ("H ** 0x40", "number '0x40' is not a plain decimal literal", 6),
    ("0o17 * H", "number '0o17'", 1),
    ("H ** 0b11", "number '0b11'", 6),
    ("1_000 * H", "number '1_000'", 1),
    ("007 * H", "number '007'", 1),
    ("H\t+ 1", "character '\\t' is not allowed", 2),
])
def test_parser_reads_only_what_it_shows(text, fragment, column):
    """Python would fold look-alikes to H and rpow, drop the comment, read 0x40 as 64."""
    with pytest.raises(ParseError) as exc:
        parse_term(text, V, where="theorems[7].statement.goal")
    msg = str(exc.value)
    assert msg.startswith("theorems[7].statement.goal: ") and fragment in msg, msg
    assert f"(at column {column})" in msg


@pytest.mark.parametrize("text, fragment", [
    ("((H + 1)**64)**64", "total degree 4096"),
    ("(H + T + x + h1 + h2 + 1)**12", "monomials"),
    ("rpow(rpow(rpow(rpow(rpow(T, H), H), H), H), H)", "rpow nested more than 4"),
])
def test_expansion_is_bounded_at_parse_time(text, fragment):
    with pytest.raises(ParseError, match=fragment):
        parse_term(text, V, where="facts[F_x].prop")


def test_bounds_leave_room_for_real_statements():
    assert parse_term("(H + 1)**64", V)[0] == "pow"
    assert parse_term("rpow(rpow(rpow(rpow(T, H), H), H), H)", V)[0] == "rpow"
    assert parse_term("(H + T + x + 1)**8 * (h1 - h2)**2", V)[0] == "mul"
