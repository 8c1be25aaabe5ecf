"""The paper's numeric claims: exact parsing, interval decisions, the registry's markings."""
from fractions import Fraction

import pytest

from verifier import claims
from verifier.cli import main
from verifier.registry import RegistryError, load, lower


def _claim(expr, value, within=None, verdict="correct", true_value="0"):
    c = {"id": "C_x", "section": "t", "printed": "t", "value": value, "expr": expr,
         "verdict": verdict, "true_value": true_value}
    if within is not None:
        c["within"] = within
    problems = []
    out = claims.lower([c], lambda w, m: problems.append(f"{w}: {m}"))
    assert not problems, problems
    return out[0]


@pytest.mark.parametrize("text, value", [
    ("0.368", Fraction(368, 1000)),
    ("1/3 + 2*0.5", Fraction(4, 3)),
    ("mean([1, 2, 6])", Fraction(3)),
    ("(-0.7)**2/4", Fraction(49, 400)),
    ("2**-2", Fraction(1, 4)),
    ("slope([1, 2, 3], [2, 4, 6])", Fraction(2)),
    ("r2([1, 2, 3], [1, 3, 2])", Fraction(1, 4)),
])
def test_exact_values(text, value):
    assert claims.exact_value(claims.parse(text)) == value


@pytest.mark.parametrize("text, needle", [
    ("__import__('os')", "unknown function"),
    ("x + 1", "unsupported syntax"),
    ("1e3", "plain decimals"),
    ("rpow(2)", "wrong arity"),
    ("2 ** 0.5", "integer exponent"),
    ("mean(3)", "lists"),
    ("slope([1, 2], [1])", "same length"),
    ("1 +", "not an expression"),
    ("'a'", "unsupported literal"),
])
def test_parse_refusals_name_the_problem(text, needle):
    with pytest.raises(claims.ClaimError) as exc:
        claims.parse(text, "claims[C_x].expr")
    assert needle in exc.value.message and exc.value.where == "claims[C_x].expr"


def test_interval_decisions():
    assert claims.decide(_claim("rpow(52, 4/5)", "28", verdict="incorrect", true_value="23.6")).agrees
    d = claims.decide(_claim("rpow(52, 4/5)", "24", true_value="23.6"))
    assert d.verdict == "correct" and abs(d.lo - 23.5940597505945758) < 1e-12 and d.agrees
    assert claims.decide(_claim("rpow(2, 4/5)", "1.74", true_value="1.741")).verdict == "correct"
    # enclosure straddling the edge of the printed precision is undecided, never guessed
    d = claims.decide(_claim("sqrt(2)", "1.41421356237309504880168872420969807856967187537694",
                             within="1/10000000000000000000000000000000000000000000000000000000000000000000000",
                             true_value="1.4142"))
    assert d.verdict in ("undecided", "incorrect") and not d.agrees


def test_rational_boundary_is_exact():
    # 0.3855 is exactly half a unit from 0.385: correct, decided without rounding
    d = claims.decide(_claim("mean([0.368, 0.385, 0.419, 0.409, 0.348, 0.384])", "0.385", true_value="0.3855"))
    assert d.verdict == "correct" and d.lo == d.hi == 0.3855


def test_registry_markings_agree_with_the_decisions():
    reg = load()
    ds = claims.decide_all(reg.claims)
    assert len(ds) >= 70
    bad = [(d.claim.id, d.verdict, d.true_value) for d in ds if not d.agrees]
    assert not bad, f"registry claim markings are stale: {bad}"
    by = {d.claim.id: d for d in ds}
    # the examples the issue names
    assert by["C_week_year_variance_ratio"].verdict == "incorrect"          # 52^(4/5) ≈ 28
    assert by["C_week_year_variance_ratio"].true_value == "23.6"
    assert by["C_halving_factor"].verdict == "correct"                      # 2^0.8 ≈ 1.74
    assert by["C_var_capital_week_year"].verdict == "correct"               # 52^0.4 ≈ 5
    assert by["C_leverage_fraction"].verdict == "correct"                   # ρ²/4 ≈ 12%
    assert sum(c.id.startswith("C_t54_") for c in reg.claims) == 40         # the whole §5.4 table


def test_bad_claims_are_reported_with_the_rest():
    import yaml
    data = yaml.safe_load(load().path.read_text())
    data["claims"] = [{"id": "C_a", "section": "s", "printed": "p", "value": "0.1x", "expr": "1",
                       "verdict": "correct", "true_value": "1"},
                      {"id": "bad", "section": "s", "printed": "p", "value": "1", "expr": "foo(1)",
                       "verdict": "maybe", "true_value": "1", "extra": 1}]
    with pytest.raises(RegistryError) as exc:
        lower(data)
    text = str(exc.value)
    for needle in ("claims[C_a].value", "claims[1].id", "claims[1].extra"):
        assert needle in text, text


def test_cli_claims(capsys):
    assert main(["claims", "--incorrect"]) == 0
    out = capsys.readouterr().out
    assert "INCORRECT C_week_year_variance_ratio" in out and "true     23.6" in out
    assert "marking(s) disagree" in out


def test_claims_are_a_module_of_the_coq_export():
    """Compiled with the rest of coq/ (tests/test_export.py::test_coqc_proves_every_theorem)."""
    from verifier import export
    reg = load()
    src = export.export_coq(reg).files["RoughAtlas/Claims.v"]
    assert src == claims.coq_source(reg.claims)
    assert src.count("Lemma ") == len(reg.claims)
    assert src.count("_refuted :") == sum(d.verdict == "incorrect" for d in claims.decide_all(reg.claims))
    assert "Admitted" not in src and "Axiom" not in src
