"""Issue 16's reproductions, kept as regression tests: vacuity over the reals, bounded
work for hostile expressions, registries and certificates, and clear errors (no
traceback, no segfault) naming the entry."""
import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from verifier import certschema, kernel, pipeline, vacuity
from verifier.expr import ParseError, parse_prop
from verifier.registry import RegistryError, load, loads

ROOT = Path(__file__).resolve().parent.parent

MINI = textwrap.dedent("""\
    schema_version: 1
    parts:
      - {id: "1", title: "scratch", theorems: [1, 9], method: "linarith"}
    hypotheses:
      - {id: hT_pos, vars: [T], prop: "T > 0", text: "T positive"}
      - {id: hweird, vars: [T], prop: "%s", text: "the hypothesis under test"}
    facts: []
    theorems:
      - id: 1
        name: scratch
        lean_name: scratch
        part: "1"
        printed: "x"
        statement:
          vars: [T]
          assume: [hT_pos, hweird]
          goal: "%s"
        uses: [hT_pos, hweird]
        method: linarith
        status_printed: ok
    """)


def mini(tmp_path, hyp, goal):
    p = tmp_path / "reg.yaml"
    p.write_text(MINI % (hyp, goal), encoding="utf-8")
    return p


def run_cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "verifier", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


# -- 1. vacuity over the reals -----------------------------------------------------

def test_rpow_zero_reproduction_is_vacuous_and_not_counted(tmp_path):
    """hyps T > 0, rpow(T, 0) == 2 ⊢ rpow(T, 0) > 1: the certificate is valid, the theorem vacuous."""
    reg = load(mini(tmp_path, "rpow(T, 0) == 2", "rpow(T, 0) > 1"))
    proofs = tmp_path / "proofs"
    n, failures = pipeline.certify(reg, proofs_dir=proofs)
    assert n == 1 and not failures                  # the kernel accepts the certificate ...
    rows, s = pipeline.verify(reg, proofs_dir=proofs)
    assert rows[0]["kernel"] == "PROVED"
    assert rows[0]["vacuity"]["status"] == vacuity.VACUOUS      # ... but nothing is proved
    assert s["kernel_proved"] == 0 and s["z3_proved"] == 0 and s["non_vacuous"] == 0
    assert s["vacuous"] == 1 and s["kernel_accepted"] == 1 and not s["all_ok"]


def test_plainly_contradictory_hypotheses_are_not_counted(tmp_path):
    reg = load(mini(tmp_path, "T < 0", "T > 5"))
    proofs = tmp_path / "proofs"
    assert pipeline.certify(reg, proofs_dir=proofs)[0] == 1
    rows, s = pipeline.verify(reg, proofs_dir=proofs)
    assert rows[0]["kernel"] == "PROVED" and rows[0]["vacuity"]["status"] == vacuity.VACUOUS
    assert s["kernel_proved"] == 0 and s["parts"][0]["kernel_proved"] == 0 and not s["all_ok"]


def test_uncertified_model_is_unknown_not_non_vacuous(tmp_path):
    """rpow(T, 1/2) == 2 has the real model T = 4, but no certified one: UNKNOWN, not counted."""
    reg = load(mini(tmp_path, "rpow(T, 1/2) == 2", "rpow(T, 1/2) > 1"))
    proofs = tmp_path / "proofs"
    pipeline.certify(reg, proofs_dir=proofs)
    rows, s = pipeline.verify(reg, proofs_dir=proofs)
    assert rows[0]["vacuity"]["status"] == vacuity.UNKNOWN and rows[0]["vacuity"]["model"] is None
    assert s["kernel_proved"] == 0 and not s["all_ok"]


@pytest.mark.parametrize("hyps, status", [
    ("T > 0 and rpow(T, 0) == 2", vacuity.VACUOUS),
    ("T > 1 and rpow(T, 1/2) < 1", vacuity.VACUOUS),              # monotonicity, x > 1
    ("0 < T and T < 1 and rpow(T, 2) > 1", vacuity.VACUOUS),      # x^2 for x < 1
    ("T > 0 and rpow(T, 1) == 3", vacuity.NON_VACUOUS),
    ("T > 0 and rpow(T, 1/3) > 1", vacuity.NON_VACUOUS),          # certified by intervals
    ("T > 0 and T < 1 and 2 < 1", vacuity.VACUOUS),
])
def test_vacuity_decisions(hyps, status):
    rels = parse_prop(hyps, ["T"])
    d = vacuity.decide(["T"], [(f"p{i}", r) for i, r in enumerate(rels)])
    assert d["status"] == status, d
    if status == vacuity.NON_VACUOUS:
        from fractions import Fraction
        point = {k: Fraction(v) for k, v in d["model"].items()}
        assert all(vacuity.holds(r, point) for r in rels)


def test_certification_uses_the_true_power():
    rel = parse_prop("rpow(T, 0) == 2", ["T"])[0]
    from fractions import Fraction
    assert not vacuity.holds(rel, {"T": Fraction(5)})
    assert vacuity.holds(parse_prop("rpow(T, 1/2) > 2", ["T"])[0], {"T": Fraction(5)})
    assert not vacuity.holds(parse_prop("rpow(T, 1/2) > 2", ["T"])[0], {"T": Fraction(4)})
    assert vacuity.holds(parse_prop("rpow(T, 1/2) >= 2", ["T"])[0], {"T": Fraction(9, 2)})


def test_registry_theorems_all_have_certified_models():
    reg = load()
    for t in reg.theorems:
        d = vacuity.decide(t.statement.vars, t.statement.premises)
        assert d["status"] == vacuity.NON_VACUOUS, (t.id, d)


# -- 2. bounded time and memory ------------------------------------------------------

@pytest.mark.parametrize("goal, fragment", [
    ("((T + 1)**64)**64 == 0", "total degree"),
    ("((T + 1)**32)**64 > 0", "total degree"),
    ("rpow(rpow(rpow(rpow(rpow(rpow(T, T), T), T), T), T), T) > 0", "rpow nested"),
])
def test_expansion_bombs_are_registry_errors(tmp_path, goal, fragment):
    t0 = time.perf_counter()
    with pytest.raises(RegistryError) as exc:
        load(mini(tmp_path, "T < 2", goal))
    assert time.perf_counter() - t0 < 2
    assert "theorems[1].statement.goal" in str(exc.value) and fragment in str(exc.value)


def test_allowed_nested_rpow_runs_in_bounded_time(tmp_path):
    goal = "rpow(rpow(rpow(rpow(T + 1, T + 2), T + 3), T + 4), T + 5) > 0"
    reg = load(mini(tmp_path, "T < 2", goal))
    t0 = time.perf_counter()
    proofs = tmp_path / "proofs"
    pipeline.certify(reg, proofs_dir=proofs)
    rows, s = pipeline.verify(reg, proofs_dir=proofs)
    assert time.perf_counter() - t0 < 30
    assert rows[0]["kernel"] in ("PROVED", "UNKNOWN")


def test_zero_coefficient_terms_rejected():
    V = ["H"]
    prem = [("a", parse_prop("H == 1", V)[0])]
    goal = parse_prop("H == 1", V)
    ok = {"goals": [{"method": "eq", "terms": [{"c": "1", "of": ["h:a"]}]}]}
    assert kernel.check(V, prem, goal, ok)
    padded = {"goals": [{"method": "eq", "terms": [{"c": "1", "of": ["h:a"]},
                                                   {"c": "0", "of": ["h:a"], "times": "(H+1)**32"}]}]}
    with pytest.raises(kernel.KernelError, match="coefficient 0"):
        kernel.check(V, prem, goal, padded)
    bomb = {"goals": [{"method": "eq", "terms": [{"c": "0", "of": ["h:a"],
                                                  "times": "((H+1)**32)**64"}]}]}
    t0 = time.perf_counter()
    with pytest.raises(kernel.KernelError):
        kernel.check(V, prem, goal, bomb)
    assert time.perf_counter() - t0 < 1


def test_kernel_work_is_bounded():
    V = ["a", "b", "c", "d"]
    prem = [("e", parse_prop("a == 0", V)[0])]
    goal = parse_prop("a == 0", V)
    big = "(a + b + c + d + 1)**8"                     # 495 monomials each
    cert = {"goals": [{"method": "eq", "terms": [{"c": "1", "of": ["h:e"]}] +
                       [{"c": str(i + 1), "of": ["h:e"], "times": big} for i in range(400)]}]}
    t0 = time.perf_counter()
    with pytest.raises(kernel.KernelError, match="monomial operations|does not normalise"):
        kernel.check(V, prem, goal, cert)
    assert time.perf_counter() - t0 < 10


# -- YAML ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, fragment", [
    ("[" * 30000, "nested deeper than"),
    ("a: " + "{x: " * 5000 + "1" + "}" * 5000, "nested deeper than"),
    ("schema_version: 1\nx: &a [1, 2]\ny: [*a, *a]\n", "anchors and aliases"),
    ("{[1]: 2}\n", "a key must be a plain scalar"),
    (b"schema_version: 1\ntitle: \xff\xfe\n", "not UTF-8"),
])
def test_hostile_yaml(text, fragment):
    t0 = time.perf_counter()
    with pytest.raises(RegistryError, match=fragment):
        loads(text)
    assert time.perf_counter() - t0 < 2


def test_oversized_registry_is_refused_before_reading(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_bytes(b"# " + b"x" * 5_000_000 + b"\n")
    with pytest.raises(RegistryError, match="big.yaml: 5000003 bytes; a registry may have at most"):
        load(p)


def test_billion_laughs_in_note_is_rejected_before_expansion():
    lol = "schema_version: 1\n" + "".join(
        f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else '"lol"'] * 10) + "]\n" for i in range(9))
    t0 = time.perf_counter()
    with pytest.raises(RegistryError, match="anchors and aliases"):
        loads(lol)
    assert time.perf_counter() - t0 < 1


def test_deep_yaml_through_the_cli_is_a_clear_error(tmp_path):
    """30,000 nested '[' segfaulted the loader (exit 139); now exit 2 with a message."""
    p = tmp_path / "deep.yaml"
    p.write_text("[" * 30000)
    r = run_cli("--registry", str(p), "verify")
    assert r.returncode == 2, r.stderr
    assert "nested deeper than" in r.stderr and "Traceback" not in r.stderr


def test_zero_denominator_hypothesis_is_a_registry_error(tmp_path):
    with pytest.raises(RegistryError, match=r"hypotheses\[hweird\]\.prop: division by a term"):
        load(mini(tmp_path, "T/(T - T) > 0", "T > 0"))


# -- certificate files ------------------------------------------------------------------

GOOD = (ROOT / "proofs" / "part_03_5.json").read_text()


@pytest.mark.parametrize("text, fragment", [
    (GOOD.replace('"terms": []', '"terms": null'), "terms: expected list"),
    (GOOD.replace('"ref": "s:1"', '"ref": ["s:1"]'), "ref: expected str"),
    (GOOD.replace('"of": ["h:hH_pos"]', '"of": "h:hH_pos"'), "of: expected list"),
    (GOOD.replace('"steps": []', '"steps": [null]', 1), "steps[0]: expected an object"),
    ("[" * 100000 + "]" * 100000, "nested deeper"),
    ('{"certificates": [{"id": 1, "steps": [], "goals": [], "extra": 1}]}', "unknown field"),
    ("{", "not valid JSON"),
])
def test_malformed_certificate_files(tmp_path, text, fragment):
    d = tmp_path / "proofs"
    d.mkdir()
    (d / "part_03_5.json").write_text(text)
    with pytest.raises(certschema.CertificateSchemaError, match=re.escape(fragment)) as exc:
        pipeline.load_certificates(d)
    assert "part_03_5.json" in str(exc.value)


def test_schema_accepts_every_stored_certificate():
    assert len(pipeline.load_certificates()) == len(load().theorems)
