"""The roughatlas command line: exit codes, JSON shape, readable output."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(*args):
    p = subprocess.run([sys.executable, "-m", "verifier", *args], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def verify_json():
    code, out, err = run("verify", "--json")
    return code, json.loads(out)


def test_verify_json_shape(verify_json):
    code, data = verify_json
    assert code == 0
    s = data["summary"]
    for key in ("theorems", "kernel_proved", "z3_proved", "non_vacuous", "errata", "project_axioms", "seconds"):
        assert key in s
    assert s["theorems"] == s["kernel_proved"] == s["z3_proved"] == s["non_vacuous"] == 125
    assert s["project_axioms"] == 0
    assert len(data["theorems"]) == 125
    statuses = {"PROVED", "REFUTED", "UNKNOWN", "TIMEOUT", "UNSUPPORTED", "ERROR"}
    for row in data["theorems"]:
        assert {"id", "name", "status_printed", "kernel", "z3", "vacuity"} <= set(row)
        assert {row["kernel"], row["z3"]} <= statuses
        assert row["vacuity"]["status"] == "NON_VACUOUS" and isinstance(row["vacuity"]["model"], dict)


def test_verify_table(capsys):
    assert main(["verify", "--only", "1", "124"]) == 0
    out = capsys.readouterr().out
    assert "kernel-proved 2/2" in out and "RESULT: all 2 theorems proved as algebra from the cited facts" in out


def test_show_false_statement_has_counterexample(capsys):
    assert main(["show", "75"]) == 0
    out = capsys.readouterr().out
    assert "false_as_printed" in out and "REFUTED" in out and "counterexample: H =" in out
    assert "1 - 2·H = -(2·H - 1)" in out.replace("−", "-")


def test_show_certificate_readable(capsys):
    main(["show", "bias_insufficient"])
    out = capsys.readouterr().out
    assert "lemma inv_pos(n)" in out and "kernel PROVED" in out and "vacuity NON_VACUOUS (certified real model:" in out


def test_unknown_theorem_is_exit_2(capsys):
    assert main(["show", "999"]) == 2
    assert main(["verify", "--only", "999"]) == 2
    assert "unknown theorem" in capsys.readouterr().err


def test_invalid_registry_is_exit_2(tmp_path, capsys):
    bad = tmp_path / "r.yaml"
    bad.write_text((ROOT / "theorem_index.yaml").read_text().replace('goal: "H - 1/2 < 0"', 'goal: "H - 1/2 < 0.0"', 1))
    assert main(["--registry", str(bad), "verify"]) == 2
    err = capsys.readouterr().err
    assert "theorems[6].statement.goal: float literal 0.0 is not allowed" in err


def test_list_and_search(capsys):
    assert main(["list", "--status", "false_as_printed"]) == 0
    out = capsys.readouterr().out
    assert "4 theorem(s)" in out
    main(["search", "hierarchy"])
    assert "exponent_hierarchy" in capsys.readouterr().out


def test_certificates_are_current(capsys):
    assert main(["certify", "--check"]) == 0


def test_stale_certificate_detected(tmp_path, capsys):
    reg_text = (ROOT / "theorem_index.yaml").read_text()
    changed = reg_text.replace('goal: "H - 1/2 > -1"', 'goal: "H - 1/2 >= -1"', 1)
    assert changed != reg_text
    bad = tmp_path / "r.yaml"
    bad.write_text(changed)
    assert main(["--registry", str(bad), "certify", "--check"]) == 1
    assert main(["--registry", str(bad), "verify", "--only", "7"]) == 1
    out = capsys.readouterr()
    assert "stale" in out.err + out.out


def test_duplicates_listed(capsys):
    main(["duplicates"])
    out = capsys.readouterr().out
    assert "16 group(s)" in out and "7 kernel_integrable = 11 volterra_alpha_gt_neg" in out


def test_verify_reports_witness_coverage_and_claims(verify_json):
    _, data = verify_json
    s = data["summary"]
    assert s["witness_entries"] == {"theorems": {"present": 125, "total": 125},
                                    "facts": {"present": 17, "total": 17}}
    assert s["witness_problems"] == []
    assert s["claims"]["total"] == s["claims"]["correct"] + s["claims"]["incorrect"] + s["claims"]["undecided"]
    assert s["claims"]["stale_markings"] == []


def test_verify_fails_on_missing_witness(tmp_path, capsys):
    """Removing one theorem's witness entry makes verify exit 1, naming the theorem."""
    import yaml
    data = yaml.safe_load((ROOT / "theorem_index.yaml").read_text())
    next(t for t in data["theorems"] if t["id"] == 7).pop("witness")
    data["claims"][0]["verdict"] = "correct"              # and a stale claim marking
    bad = tmp_path / "r.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    assert main(["--registry", str(bad), "verify"]) == 1
    out = capsys.readouterr().out
    assert "WITNESS theorems[7].witness: missing" in out
    assert f"stale markings: {data['claims'][0]['id']}" in out
