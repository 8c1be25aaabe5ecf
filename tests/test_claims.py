"""The paper's numeric claims: exact parsing, printed inputs as rounding intervals, readings,
interval decisions, the registry's markings and the Coq export."""
import math
import random
from fractions import Fraction

import pytest

from verifier import claims
from verifier.cli import main
from verifier.registry import RegistryError, load, lower


def _lower(entry):
    problems = []
    out = claims.lower([entry], lambda w, m: problems.append(f"{w}: {m}"))
    return out, problems


def _claim(expr, value, within=None, verdict="correct", true_value="0"):
    c = {"id": "C_x", "section": "t", "printed": "t", "value": value, "expr": expr,
         "verdict": verdict, "true_value": true_value}
    if within is not None:
        c["within"] = within
    out, problems = _lower(c)
    assert not problems, problems
    return out[0]


def _multi(value, readings, verdict, reading=None, inputs=None, rejected=None):
    c = {"id": "C_multi", "section": "t", "printed": "t", "value": value, "verdict": verdict,
         "readings": [{"name": n, "expr": e, "why": "test", "true_value": tv} for n, e, tv in readings]}
    if reading:
        c["reading"] = reading
    if inputs:
        c["inputs"] = inputs
    if rejected:
        c["rejected"] = rejected
    out, problems = _lower(c)
    assert not problems, problems
    return out[0]


@pytest.mark.parametrize("text, value", [
    ("exact(0.368)", Fraction(368, 1000)),
    ("1/3 + 2*exact(0.5)", Fraction(4, 3)),
    ("mean([1, 2, 6])", Fraction(3)),
    ("(-7/10)**2/4", Fraction(49, 400)),
    ("2**-2", Fraction(1, 4)),
    ("slope([1, 2, 3], [2, 4, 6])", Fraction(2)),
    ("r2([1, 2, 3], [1, 3, 2])", Fraction(1, 4)),
    ("wslope([1, 1, 1], [1, 2, 3], [2, 4, 7])", Fraction(5, 2)),
    ("wslope([3, 1, 2], [1, 2, 3], [2, 4, 7])", Fraction(72, 29)),
])
def test_exact_values(text, value):
    assert claims.exact_value(claims.parse(text)) == value


def test_weighted_slope_matches_numpy():
    np = pytest.importorskip("numpy")
    x, y, w = np.array([1., 2, 3]), np.array([2., 4, 7]), np.array([3., 1, 2])
    xm, ym = np.average(x, weights=w), np.average(y, weights=w)
    ref = (w * (x - xm) * (y - ym)).sum() / (w * (x - xm) ** 2).sum()
    got = claims.exact_value(claims.parse("wslope([3, 1, 2], [1, 2, 3], [2, 4, 7])"))
    assert abs(float(got) - ref) < 1e-12


@pytest.mark.parametrize("text, centre, half", [
    ("13.37", Fraction(1337, 100), Fraction(1, 200)),
    ("0.380", Fraction(38, 100), Fraction(1, 2000)),       # trailing zeros are printed digits
    ("164.0", Fraction(164), Fraction(1, 20)),
])
def test_printed_decimals_are_rounding_intervals(text, centre, half):
    e = claims.parse(text)
    assert e[0] == "in" and e[1] == centre and e[2] == half
    assert claims.exact_value(e) is None
    lo, hi, clo, chi = claims.enclose(e)
    assert (lo, hi) == (centre - half, centre + half) and clo == chi == centre


def test_integers_fractions_and_exact_stay_exact():
    for text in ("52", "1/52", "exact(2.326)", "rpow(52, 4/5)"):
        assert claims.inputs_of(claims.parse(text)) == {}


def test_input_rounding_enclosures():
    # the examples: Var 13.37 is [13.365, 13.375], so VaR95 spans [6.0133, 6.0155]
    lo, hi, _, _ = claims.enclose(claims.parse("1.644853626951 * sqrt(13.37)"))
    assert 6.0132 < lo < 6.0134 and 6.0155 < hi < 6.0156
    # the mean of values rounded to 0.1 spans [5.59, 5.69], exactly (rational arithmetic)
    lo, hi, clo, chi = claims.enclose(claims.parse("mean([3.9, 5.3, 4.9, 7.9, 6.2])"))
    assert (lo, hi) == (Fraction(559, 100), Fraction(569, 100)) and clo == Fraction(564, 100)
    d = claims.decide(_claim("mean([3.9, 5.3, 4.9, 7.9, 6.2])", "5.7", verdict="undecided", true_value="5.64"))
    assert d.verdict == "undecided" and d.agrees
    assert "reproduced at the high corner" in d.readings[0].witness
    # with the same numbers taken as exact it is refuted: the rounding is what saves it
    d = claims.decide(_claim("mean([exact(3.9), exact(5.3), exact(4.9), exact(7.9), exact(6.2)])",
                             "5.7", verdict="incorrect", true_value="5.64"))
    assert d.verdict == "incorrect" and d.agrees


def test_one_printed_number_used_twice_is_one_variable():
    # 0.00 +- 0.005 is narrower than the naive [-0.1, 0.1]; the mean-value form gives exactly 0
    c = _multi("0.00", [("shared", "x - x", "0.000")], "correct", "shared", inputs={"x": "1.5"})
    d = claims.decide(c)
    assert d.verdict == "correct" and d.readings[0].lo == d.readings[0].hi == 0
    # two separately printed 1.5s are two variables
    lo, hi, _, _ = claims.enclose(claims.parse("1.5 - 1.5"))
    assert (lo, hi) == (Fraction(-1, 10), Fraction(1, 10))


@pytest.mark.parametrize("text", [
    "sd([0.368, 0.385, 0.419, 0.409, 0.348, 0.384])",
    "slope([log(0.020), log(0.083), log(0.250)], [log(2.61), log(2.44), log(1.30)])",
    "r2([log(5/252), log(21/252), log(63/252)], [log(30.8), log(164.0), log(147.9)])",
    "wr2([746, 371, 146, 46], [log(0.020), log(0.040), log(0.083), log(0.250)], "
    "[log(9.6), log(12.2), log(14.6), log(28.2)])",
    "rpow(52, 1/2 - 0.34) / sqrt(0.020)",
])
def test_enclosures_contain_every_sampled_point(text):
    """The mean-value enclosure is rigorous: float evaluations anywhere in the box (corners
    included) lie inside it (a 1e-12 slack for the float evaluation itself)."""
    e = claims.parse(text)
    box = claims.inputs_of(e)
    lo, hi, _, _ = claims.enclose(e)
    rnd = random.Random(7)
    for i in range(300):
        pick = (lambda c, h: float(c + h * rnd.choice((-1, 1)))) if i % 3 == 0 else \
               (lambda c, h: float(c) + float(h) * rnd.uniform(-1, 1))
        x = {k: pick(c, h) for k, (c, h) in box.items()}
        v = _float_eval(e, x)
        assert float(lo) - 1e-12 <= v <= float(hi) + 1e-12, (x, v, float(lo), float(hi))


def _float_eval(e, x):
    op = e[0]
    if op == "num":
        return float(e[1])
    if op == "in":
        return x[e[3]]
    if op == "neg":
        return -_float_eval(e[1], x)
    if op == "pow":
        return _float_eval(e[1], x) ** e[2]
    if op in ("sqrt", "log", "exp"):
        return getattr(math, op)(_float_eval(e[1], x))
    a, b = _float_eval(e[1], x), _float_eval(e[2], x)
    if op == "rpow":
        return a ** b
    return {"add": a.__add__, "sub": a.__sub__, "mul": a.__mul__, "div": a.__truediv__}[op](b)


def test_bisection_resolves_what_one_mean_value_step_cannot():
    """C_rolling_high_vol_sd: one mean-value enclosure straddles 0.0265; bisection proves the
    whole box inside [0.0255, 0.0265] (sampled extremes: 0.02560 and 0.02648)."""
    e = claims.parse("sd([0.368, 0.385, 0.419, 0.409, 0.348, 0.384])")
    lo_q, hi_q = Fraction(255, 10000), Fraction(265, 10000)
    lo, hi, _, _ = claims.enclose(e)
    assert claims._side(lo, hi, lo_q, hi_q) == "undecided"
    v, lo, hi, _, _, wit = claims.classify(e, lo_q, hi_q)
    assert v == "correct" and not wit and lo_q <= lo and hi <= hi_q


def test_a_claim_reproduced_under_one_reading_names_it():
    # 28 is reproduced only by the exponent 0.84 reading; the 4/5 reading refutes it
    c = _multi("28", [("four_fifths", "rpow(52, 4/5)", "23.6"), ("other", "rpow(52, 21/25)", "27.6")],
               "correct", "other")
    d = claims.decide(c)
    assert d.verdict == "correct" and d.reading == "other" and d.agrees
    assert [r.verdict for r in d.readings] == ["incorrect", "correct"]
    assert d.true_value == "27.6"
    assert "(other)" in claims.report_lines(d)[0]
    # an undecided reading (straddling its rounding) beside a refuting one: undecided, named
    c = _multi("7.23", [("exact_z", "2.326347874041 * sqrt(V)", "7.238"),
                        ("z_table", "exact(2.326) * sqrt(V)", "7.237")],
               "undecided", "z_table", inputs={"V": "9.68"})
    d = claims.decide(c)
    assert d.verdict == "undecided" and d.reading == "z_table" and d.agrees
    assert [r.verdict for r in d.readings] == ["incorrect", "undecided"]
    assert "reproduced at the low corner" in d.readings[1].witness


def test_a_claim_wrong_under_every_reading_is_incorrect():
    c = _multi("28", [("weeks", "rpow(52, 4/5)", "23.6"), ("trading", "rpow(252/5, 4/5)", "23.0")],
               "incorrect", rejected=[{"name": "h008", "expr": "rpow(52, 21/25)", "why": "not the stated H"}])
    d = claims.decide(c)
    assert d.verdict == "incorrect" and d.reading == "" and d.agrees
    # a rejected reading is shown but never counts, even when it would reproduce the value
    assert d.rejected[0].verdict == "correct"
    text = "\n".join(claims.report_lines(d))
    assert "rejected h008: would give 27.6" in text and "(every reading)" in text


def test_rational_boundary_is_exact():
    # 0.3855 is exactly half a unit from 0.385: correct when the inputs are exact ...
    d = claims.decide(_claim("mean([exact(0.368), exact(0.385), exact(0.419), exact(0.409), exact(0.348), "
                             "exact(0.384)])", "0.385", true_value="0.3855"))
    assert d.verdict == "correct" and d.lo == d.hi == 0.3855
    # ... and undecided once they are printed (rounded) values, with exact endpoints
    d = claims.decide(_claim("mean([0.368, 0.385, 0.419, 0.409, 0.348, 0.384])", "0.385",
                             verdict="undecided", true_value="0.3855"))
    assert d.verdict == "undecided" and d.readings[0].lo == Fraction(385, 1000)
    assert d.readings[0].hi == Fraction(386, 1000)


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


@pytest.mark.parametrize("text, needle", [
    ("__import__('os')", "unknown function"),
    ("x + 1", "unknown name 'x'"),
    ("1e3", "plain decimals"),
    ("rpow(2)", "wrong arity"),
    ("2 ** 0.5", "integer exponent"),
    ("mean(3)", "lists"),
    ("slope([1, 2], [1])", "same length"),
    ("wslope([0, 1], [1, 2], [1, 2])", "exact positive"),
    ("1 +", "not an expression"),
    ("'a'", "unsupported literal"),
    ("exact(x)", "unknown function"),
    ("sd([" + ", ".join(["1"] * 65) + "])", "at most 64 values"),
    ("r2([" + ", ".join(["1"] * 13) + "], [" + ", ".join(["2"] * 13) + "])", "at most 12 values"),
])
def test_parse_refusals_name_the_problem(text, needle):
    with pytest.raises(claims.ClaimError) as exc:
        claims.parse(text, "claims[C_x].expr")
    assert needle in exc.value.message and exc.value.where == "claims[C_x].expr"


@pytest.mark.parametrize("patch, where, needle", [
    ({"reading": "nope"}, "claims[C_multi].reading", "expected the name of the reading"),
    ({"expr": "1"}, "claims[C_multi]", "either expr"),
    ({"inputs": {"V": 9.68}}, "claims[C_multi].inputs.V", "quoted string"),
    ({"inputs": {"sqrt": "1.0"}}, "claims[C_multi].inputs.sqrt", "identifiers"),
    ({"value": 7.23}, "claims[C_multi].value", "quoted string"),
    ({"verdict": "maybe"}, "claims[C_multi].verdict", "correct, incorrect, undecided"),
    ({"readings": []}, "claims[C_multi].readings", "non-empty"),
    ({"rejected": [{"name": "a", "why": ""}]}, "claims[C_multi].rejected[0].why", "one line"),
    ({"rejected": [{"name": "z", "why": "dup"}]}, "claims[C_multi].readings", "duplicate reading"),
])
def test_bad_readings_are_named(patch, where, needle):
    c = {"id": "C_multi", "section": "t", "printed": "t", "value": "7.23", "verdict": "undecided",
         "reading": "z", "inputs": {"V": "9.68"},
         "readings": [{"name": "z", "expr": "exact(2.326) * sqrt(V)", "why": "t", "true_value": "7.237"}]}
    for k, v in patch.items():
        if v is None:
            c.pop(k)
        else:
            c[k] = v
    out, problems = _lower(c)
    assert not out and any(p.startswith(where) and needle in p for p in problems), problems


def test_incorrect_claims_name_no_reading():
    out, problems = _lower({"id": "C_m", "section": "t", "printed": "t", "value": "28", "verdict": "incorrect",
                            "reading": "w", "readings": [{"name": "w", "expr": "rpow(52, 4/5)", "why": "t",
                                                          "true_value": "23.6"}]})
    assert not out and "claims[C_m].reading: an incorrect claim" in problems[0]


def test_stale_markings_are_detected():
    # a correct or undecided marking that names no reading
    c = _multi("7.23", [("z", "exact(2.326) * sqrt(V)", "7.237")], "undecided", inputs={"V": "9.68"})
    d = claims.decide(c)
    assert d.verdict == "undecided" and not d.agrees and "without naming the reading" in d.why_stale[0]
    # wrong verdict
    d = claims.decide(_multi("28", [("w", "rpow(52, 4/5)", "23.6")], "undecided", "w"))
    assert not d.agrees and "verdict is incorrect, marked undecided" in d.why_stale[0]
    # right verdict, wrong reading named
    c = _multi("28", [("a", "rpow(52, 4/5)", "23.6"), ("b", "rpow(52, 21/25)", "27.6")], "correct", "a")
    d = claims.decide(c)
    assert d.verdict == "correct" and not d.agrees and "reading a is incorrect" in d.why_stale[0]
    # right verdict and reading, wrong recorded value
    d = claims.decide(_multi("28", [("b", "rpow(52, 21/25)", "27.9")], "correct", "b"))
    assert not d.agrees and "reading b: value 27.6, marked 27.9" in d.why_stale[0]


def test_registry_markings_agree_with_the_decisions():
    reg = load()
    ds = claims.decide_all(reg.claims)
    assert len(ds) >= 80
    bad = [(d.claim.id, d.why_stale) for d in ds if not d.agrees]
    assert not bad, f"registry claim markings are stale: {bad}"
    by = {d.claim.id: d for d in ds}
    assert by["C_week_year_variance_ratio"].verdict == "incorrect"          # 52^(4/5) ≈ 28
    assert by["C_week_year_variance_ratio"].true_value == "23.6"
    assert by["C_halving_factor"].verdict == "correct"                      # 2^0.8 ≈ 1.74
    assert by["C_var_capital_week_year"].verdict == "correct"               # 52^0.4 ≈ 5
    assert (by["C_leverage_fraction"].verdict, by["C_leverage_fraction"].reading) == ("correct", "rho_as_stated")
    assert sum(c.id.startswith("C_t54_") for c in reg.claims) == 40         # the whole §5.4 table
    # the examples: not robust, so not incorrect
    for cid in ("C_var95_month", "C_insample_rough_average", "C_rolling_regime_gap"):
        assert by[cid].verdict == "undecided", cid
    for cid in ("C_calm_fit_exponent", "C_calm_fit_r2", "C_volatile_fit_exponent", "C_volatile_fit_r2"):
        assert (by[cid].verdict, by[cid].reading) == ("undecided", "trading_days"), cid
    assert (by["C_capital_multiple"].verdict, by["C_capital_multiple"].reading) == ("correct", "rough_formula")
    # every incorrect claim is refuted by every one of its readings over the whole input box
    for d in ds:
        if d.verdict == "incorrect":
            assert all(r.verdict == "incorrect" for r in d.readings), d.claim.id
        if d.verdict == "undecided":       # and every undecided one comes with its witnesses
            r = next(r for r in d.readings if r.name == d.reading)
            assert r.witness.startswith(("reproduced at", "below at")), (d.claim.id, r.witness)


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
    assert "INCORRECT C_week_year_variance_ratio" in out and "value     23.6 (every reading)" in out
    assert "UNDECIDED C_calm_fit_exponent" in out and "(trading_days)" in out
    assert "correct   C_halving_factor" not in out
    n = claims.counts(claims.decide_all(load().claims))
    assert (f"claims: {n['correct']} correct, {n['incorrect']} incorrect under every reading, "
            f"{n['undecided']} undecided") in out and "0 marking(s) disagree" in out


def test_cli_claims_json(capsys):
    import json
    assert main(["claims", "--json", "--verdict", "undecided"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["claims"] and all(c["verdict"] == "undecided" for c in data["claims"])
    c = next(c for c in data["claims"] if c["id"] == "C_var95_month")
    assert c["reading"] == "exact_quantile" and c["agrees"]
    assert {r["name"] for r in c["readings"]} == {"exact_quantile", "z_table"}
    assert c["rejected"][0]["name"] == "z_two_decimals"
    assert data["counts"]["undecided"] == len(data["claims"])


def test_cli_claims_reports_a_stale_marking(tmp_path, capsys):
    import yaml
    data = yaml.safe_load(load().path.read_text())
    c = next(c for c in data["claims"] if c["id"] == "C_calm_fit_exponent")
    c["verdict"], c["reading"] = "correct", "year_fractions"       # the old, non-robust marking
    bad = tmp_path / "r.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    assert main(["--registry", str(bad), "claims", "--verdict", "undecided"]) == 1
    out = capsys.readouterr().out
    assert "C_calm_fit_exponent" in out and "STALE: verdict is undecided, marked correct" in out


def test_claims_are_a_module_of_the_coq_export():
    """Compiled with the rest of coq/ (tests/test_export.py::test_coqc_proves_every_theorem)."""
    from verifier import export
    reg = load()
    src = export.export_coq(reg).files["RoughAtlas/Claims.v"]
    assert src == claims.coq_source(reg.claims)
    ds = claims.decide_all(reg.claims)
    # refuting lemmas: one per reading of each incorrect claim, and nothing else
    assert src.count("_refuted") == sum(len(d.readings) for d in ds if d.verdict == "incorrect")
    for d in ds:
        name = "claim_" + d.claim.id[2:]
        if d.verdict == "undecided":
            assert f"Lemma {name} " not in src and f"Lemma {name}_refuted" not in src
            assert f"(* {d.claim.id}: undecided" in src
    assert "Lemma claim_hedge_fit_exponent_refuted_window_weighted : forall x" in src
    assert "Admitted" not in src and "Axiom" not in src


def test_planted_claims_compile_in_coq(tmp_path):
    """A refutation over an input box and a box-wide correct claim, checked by coqc."""
    import shutil
    import subprocess
    if shutil.which("coqc") is None:
        pytest.skip("coqc not installed (apt-get install coq libcoq-interval)")
    cs = [_multi("0.33", [("a", "slope([log(1/52), log(1/4)], [log(9.6), log(28.2)])", "0.42")], "incorrect"),
          _multi("5.63", [("z", "exact(1.645) * sqrt(V)", "5.632")], "correct", "z", inputs={"V": "11.72"})]
    src = claims.coq_source(cs)
    assert "Lemma claim_multi_refuted : forall x0 x1 : R" in src
    assert "Lemma claim_multi : forall x0 : R, (2343 / 200) <= x0 <= (469 / 40)" in src
    f = tmp_path / "Planted.v"
    f.write_text(src)
    r = subprocess.run(["coqc", str(f)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    # and a false refutation is rejected by Coq (the check can fail)
    assert "Lemma claim_multi_refuted" in src and "(67 / 200) < " in src
    f.write_text(src.replace("(67 / 200) < ", "(1 / 2) < ", 1))
    r = subprocess.run(["coqc", str(f)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode != 0


@pytest.mark.parametrize("text", ["\uff28 + 1", "rpow(52, 4/5) # 28", "1 + \\\n2", "\U0001d43b"])
def test_claim_expressions_read_only_what_they_show(text):
    """Look-alike letters, comments and continuations are errors, not silently folded away."""
    with pytest.raises(claims.ClaimError, match="not allowed"):
        claims.parse(text, "claims[0].expr")
