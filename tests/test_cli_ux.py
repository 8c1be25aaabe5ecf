"""The command line for a first-time user (issue 15 §6-7): bad values rejected with the
valid ones, search over every kind of entry, show for every kind, --json everywhere,
coq-build --json without coqc, --version, the registry's citation of the paper."""
import json
from fractions import Fraction
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from verifier import coqbuild, views
from verifier.cli import main
from verifier.registry import RegistryError, load, lower

ROOT = Path(__file__).resolve().parent.parent
RAW = yaml.safe_load((ROOT / "theorem_index.yaml").read_text(encoding="utf-8"))


def run_main(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def run_json(capsys, *argv):
    code, out, err = run_main(capsys, *argv, "--json")
    return code, json.loads(out)


# -- list: unknown values are bad input ------------------------------------------------

@pytest.mark.parametrize("option,value,valid", [
    ("--status", "bogus", "false_as_printed"),
    ("--method", "magic", "nlinarith"),
])
def test_list_rejects_unknown_choice_listing_the_valid_ones(capsys, option, value, valid):
    with pytest.raises(SystemExit) as exc:
        main(["list", option, value])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert repr(value) in err and valid in err


def test_list_rejects_unknown_part_listing_the_parts(capsys):
    code, out, err = run_main(capsys, "list", "--part", "99")
    assert code == 2 and out == ""
    assert "--part '99'" in err
    for p in RAW["parts"]:
        assert str(p["id"]) in err


def test_list_json_matches_the_registry(capsys):
    code, data = run_json(capsys, "list", "--part", "3.5")
    want = [t["id"] for t in RAW["theorems"] if str(t["part"]) == "3.5"]
    assert code == 0 and data["count"] == len(want) == 4
    assert [t["id"] for t in data["theorems"]] == want
    code, data = run_json(capsys, "list", "--status", "false_as_printed")
    want = [t["id"] for t in RAW["theorems"] if t["status_printed"] == "false_as_printed"]
    assert [t["id"] for t in data["theorems"]] == want
    assert {t["status_printed"] for t in data["theorems"]} == {"false_as_printed"}


# -- search: parts, witness text, claims ----------------------------------------------------

@pytest.fixture
def marked_registry(tmp_path):
    """The registry with a unique word in one part title, one witness entry and one claim."""
    data = yaml.safe_load((ROOT / "theorem_index.yaml").read_text(encoding="utf-8"))
    data["parts"][9]["title"] += " zqpart"
    thm = next(t for t in data["theorems"] if t["id"] == 49)
    thm["witness"]["justification"] += " zqwit"
    data["claims"][2]["note"] = (data["claims"][2].get("note") or "") + " zqclaim"
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path), data


def test_search_finds_part_titles_witness_text_and_claims(capsys, marked_registry):
    path, data = marked_registry
    code, hits = run_json(capsys, "--registry", path, "search", "ZQPART")
    assert code == 0 and [(h["kind"], h["id"]) for h in hits["hits"]] == [("part", str(data["parts"][9]["id"]))]
    _, hits = run_json(capsys, "--registry", path, "search", "zqwit")
    assert [(h["kind"], h["id"], h["matched"]) for h in hits["hits"]] == [("theorem", 49, ["witness"])]
    _, hits = run_json(capsys, "--registry", path, "search", "zqclaim")
    assert [(h["kind"], h["id"]) for h in hits["hits"]] == [("claim", data["claims"][2]["id"])]
    code, out, _ = run_main(capsys, "--registry", path, "search", "zqwit")
    assert code == 0 and " 49 " in out and "[in witness]" in out
    code, out, _ = run_main(capsys, "search", "no such text anywhere zq")
    assert code == 0 and "nothing matches" in out


def test_search_finds_the_last_witness_findings(capsys, monkeypatch):
    monkeypatch.setattr(views, "witness_results",
                        lambda: {"F_conv_rate": {"findings": ["zqfinding: the rate is pre-asymptotic"]}})
    _, hits = run_json(capsys, "search", "zqfinding")
    assert [(h["kind"], h["id"], h["matched"]) for h in hits["hits"]] == [("fact", "F_conv_rate", ["witness"])]


def test_search_text_still_finds_theorem_names(capsys):
    code, out, _ = run_main(capsys, "search", "hierarchy")
    assert code == 0 and "exponent_hierarchy" in out


# -- show: every kind, text and JSON ------------------------------------------------------

def test_show_hypothesis(capsys):
    users = [t["id"] for t in RAW["theorems"]
             if any((a if isinstance(a, str) else a["ref"]) == "hH_pos"
                    for a in t["statement"].get("assume", []))]
    assert users
    code, out, _ = run_main(capsys, "show", "hH_pos")
    assert code == 0
    assert "Hypothesis hH_pos" in out and "0 < H" in out
    assert f"Assumed by   {', '.join(map(str, users))}" in out
    code, data = run_json(capsys, "show", "hH_pos")
    assert code == 0 and data["kind"] == "hypothesis" and data["assumed_by"] == users


def test_show_claim_text_and_json_agree(capsys):
    cid = RAW["claims"][0]["id"]
    code_j, data = run_json(capsys, "show", cid)
    assert data["kind"] == "claim" and data["id"] == cid
    d = data["decision"]
    assert d["verdict"] in ("correct", "incorrect", "undecided")
    assert d["readings"] and all(Fraction(r["lo"]) <= Fraction(r["hi"]) for r in d["readings"])
    assert code_j == (0 if d["agrees"] else 1)
    code, out, _ = run_main(capsys, "show", cid)
    assert code == code_j
    assert f"Claim {cid}" in out and d["verdict"] in out
    assert all(r["name"] in out for r in d["readings"])


def test_show_theorem_json(capsys):
    code, data = run_json(capsys, "show", "exponent_hierarchy")
    assert code == 0 and data["kind"] == "theorem" and data["id"] == 59
    assert data["checkers"]["kernel"] == "PROVED" and data["checkers"]["vacuity"]["status"] == "NON_VACUOUS"
    assert data["certificate"]["digest"]
    assert data["ok"] is True
    code, data = run_json(capsys, "show", "75")
    assert data["status_printed"] == "false_as_printed"
    assert data["printed_check"]["z3"] == "REFUTED" and data["printed_check"]["counterexample"]


def test_show_fact_json(capsys):
    code, data = run_json(capsys, "show", "F_conv_rate")
    cited = [t["id"] for t in RAW["theorems"] if "F_conv_rate" in map(str, t["uses"])]
    assert code == 0 and data["kind"] == "fact" and data["cited_by"] == cited
    assert data["reference"]["year"]


def test_show_unknown_names_every_kind(capsys):
    code, _, err = run_main(capsys, "show", "no_such_thing")
    assert code == 2 and "no theorem, fact, hypothesis or claim 'no_such_thing'" in err
    code, out, err = run_main(capsys, "show", "no_such_thing", "--json")
    assert code == 2 and out == ""


# -- errata, duplicates --json -------------------------------------------------------------

def test_errata_json(capsys):
    code, data = run_json(capsys, "errata")
    want = [t["id"] for t in RAW["theorems"] if t["status_printed"] != "ok"]
    assert code == 0 and [r["id"] for r in data["errata"]] == want and data["count"] == len(want)
    false = [r for r in data["errata"] if r["status_printed"] == "false_as_printed"]
    assert false and all(r["printed_check"]["z3"] == "REFUTED" for r in false)


def test_duplicates_json_matches_text(capsys):
    code, data = run_json(capsys, "duplicates")
    _, out, _ = run_main(capsys, "duplicates")
    assert code == 0 and f"{data['count']} group(s)" in out
    groups = [[x["id"] for x in g["theorems"]] for g in data["groups"]]
    assert [7, 11] in groups


# -- coq-build without coqc ----------------------------------------------------------------

def test_coq_build_json_when_coqc_is_missing(capsys, monkeypatch):
    monkeypatch.setattr(coqbuild, "find_coqc", lambda: None)
    code, data = run_json(capsys, "coq-build")
    assert code == 1
    assert data["status"] == "skipped" and data["available"] is False
    assert coqbuild.INSTALL in data["reason"]
    code, data = run_json(capsys, "coq-build", "--if-available")
    assert code == 0 and data["status"] == "skipped"
    code, out, _ = run_main(capsys, "coq-build", "--if-available")
    assert code == 0 and out.startswith("Coq build: skipped") and coqbuild.INSTALL in out


def test_install_coq_script_prints_the_one_command_when_it_cannot_install(tmp_path):
    """Not root (a fake `id`) and no coqc on PATH: the script prints coqbuild.INSTALL, exits 0."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "id").write_text("#!/bin/sh\necho 1000\n")
    (fake / "id").chmod(0o755)
    p = subprocess.run(["/bin/bash", str(ROOT / ".ci" / "install-coq")], env={"PATH": str(fake)},
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0
    assert p.stdout.strip() == f"coq: coqc not found; install it with: {coqbuild.INSTALL}"


def test_make_verify_and_ci_share_the_coq_installer():
    make = (ROOT / "Makefile").read_text()
    verify = make.split("\nverify:", 1)[1].split("\n\n", 1)[0]
    assert verify.index("bash .ci/install-coq") < verify.index("coq-build")
    assert "bash .ci/install-coq" in (ROOT / ".ci" / "run").read_text()


# -- --version -------------------------------------------------------------------------

def test_version_comes_from_pyproject():
    want = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    p = subprocess.run([sys.executable, "-m", "verifier", "--version"], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == f"roughatlas {want}"


# -- the registry cites the paper ----------------------------------------------------------

def test_registry_cites_the_paper_by_title_author_and_date():
    src = load().source
    assert src["title"].startswith("The ATM Skew Power Law")
    assert src["author"] == "Tamás Nagy"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", src["date"])
    assert not any("/" in v or v.endswith(".md") for v in src.values())


@pytest.mark.parametrize("source,problem", [
    ("shared/papers/paper.md", "source: expected a mapping"),
    ({"title": "T", "author": "A"}, "source: missing required field 'date'"),
    ({"title": "T", "author": "A", "date": "April 2026"}, "source.date: expected a date YYYY-MM-DD"),
    ({"title": "T", "author": "A", "date": "2026-04-08", "path": "x.md"}, "source: unknown key 'path'"),
])
def test_registry_source_schema(source, problem):
    data = yaml.safe_load((ROOT / "theorem_index.yaml").read_text(encoding="utf-8"))
    data["source"] = source
    with pytest.raises(RegistryError) as exc:
        lower(data, Path("theorem_index.yaml"))
    assert any(problem in p for p in exc.value.problems), exc.value.problems


def test_make_test_runs_everything_and_test_fast_skips_slow():
    make = (ROOT / "Makefile").read_text()
    recipe = {m.group(1): m.group(2) for m in re.finditer(r"^([\w-]+):[^\n]*\n((?:\t[^\n]*\n)+)", make, re.M)}
    assert "pytest" in recipe["test"] and "slow" not in recipe["test"]
    assert '-m "not slow"' in recipe["test-fast"]


def test_errata_summary_counts_the_counterexamples(capsys):
    code, data = run_json(capsys, "errata")
    with_cex = [r["id"] for r in data["errata"] if r["printed_check"] and r["printed_check"]["counterexample"]]
    assert data["with_counterexample"] == with_cex and 0 < len(with_cex) < data["count"]
    code, out, _ = run_main(capsys, "errata")
    assert out.count("      literally:") >= len(with_cex)
    assert (f"{data['count']} printed statement(s) differ from their formal reading; Z3 refutes the "
            f"literal reading of {len(with_cex)} with a counterexample; "
            f"{sum(not r['printed_check'] for r in data['errata'])} have no literal reading") in out
