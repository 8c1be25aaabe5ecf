"""The Lean and Coq exports: fresh, faithful, fail closed; the axiom audits; coqc."""
import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from verifier import coqbuild, export, leanbuild
from verifier.printers import ExportError, coq, lean
from verifier.registry import load, lower

ROOT = Path(__file__).resolve().parent.parent
REG = load()


@pytest.fixture(scope="module")
def lean_export():
    return export.export_lean(REG)


@pytest.fixture(scope="module")
def coq_export():
    return export.export_coq(REG)


# -- freshness ------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["lean", "coq"])
def test_committed_exports_are_current(target):
    ex = export.EXPORTERS[target](REG)
    assert export.stale(ex) == [], f"run: roughatlas export {target}"


def test_stale_check_names_changed_missing_and_extra_files(tmp_path, coq_export):
    ex = dataclasses.replace(coq_export, root=tmp_path)
    export.write(ex)
    assert export.stale(ex) == []
    part = tmp_path / "RoughAtlas" / "Part03KernelExponent.v"
    part.write_text(part.read_text().replace("lra.", "lia.", 1))
    (tmp_path / "RoughAtlas" / "Part02UniversalExponent.v").unlink()
    (tmp_path / "RoughAtlas" / "Old.v").write_text("(* left over *)\n")
    assert export.stale(ex) == [
        ("RoughAtlas/Old.v", "not produced by the export (remove it)"),
        ("RoughAtlas/Part02UniversalExponent.v", "missing"),
        ("RoughAtlas/Part03KernelExponent.v", "differs from the registry")]
    assert export.write(ex) == ["RoughAtlas/Old.v"]
    assert export.stale(ex) == []


@pytest.mark.slow
def test_cli_check_exits_1_naming_the_stale_file(tmp_path):
    shutil.copytree(ROOT / "lean", tmp_path / "lean")
    shutil.copytree(ROOT / "coq", tmp_path / "coq")
    shutil.copytree(ROOT / "proofs", tmp_path / "proofs")
    shutil.copy(ROOT / "theorem_index.yaml", tmp_path)
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "verifier", *a], cwd=tmp_path,
                                    capture_output=True, text=True, env=env, timeout=120)
    assert run("export", "all", "--check").returncode == 0
    f = tmp_path / "lean" / "RoughAtlas" / "Part04SkewPower.lean"
    f.write_text(f.read_text().replace("linarith", "simp", 1))
    p = run("export", "lean", "--check")
    assert p.returncode == 1
    assert "lean/RoughAtlas/Part04SkewPower.lean: differs from the registry" in p.stderr
    assert run("export", "coq", "--check").returncode == 0
    assert run("export", "lean").returncode == 0
    assert run("export", "lean", "--check").returncode == 0


# -- content -------------------------------------------------------------------------------

def test_every_theorem_is_stated_faithfully(lean_export, coq_export):
    lean_all = "\n".join(lean_export.files.values())
    coq_all = "\n".join(coq_export.files.values())
    for t in REG.theorems:
        s = t.statement
        head = re.search(rf"theorem {t.lean_name} (.*?) := by", lean_all, re.S).group(1)
        head = " ".join(head.split())
        assert head.endswith(": " + " ∧ ".join(lean(r) for r in s.goal)), t.id
        for (label, rel) in s.premises:
            assert f"({label.replace('.', '_')} : {lean(rel)})" in head, (t.id, label)
        chead = " ".join(re.search(rf"Theorem {t.lean_name} (.*?)\.\nProof\.", coq_all, re.S)
                         .group(1).split())
        assert chead.endswith(": " + " /\\ ".join(coq(r) for r in s.goal)), t.id
        for (label, rel) in s.premises:
            assert f"({label.replace('.', '_')} : {coq(rel)})" in chead, (t.id, label)
        assert f"registry id {t.id}," in lean_all
        if t.status_printed != "ok":
            assert t.erratum.split()[0] in lean_all


def test_no_axioms_sorry_or_admits(lean_export, coq_export):
    for rel, text in lean_export.files.items():
        code = re.sub(r"/-.*?-/", "", text, flags=re.S)
        for word in ("sorry", "axiom", "native_decide", "admit"):
            assert not re.search(rf"\b{word}\b", code), (rel, word)
    assert coqbuild.scan_declarations(coq_export) == []


def test_scan_finds_a_planted_admit(coq_export):
    files = dict(coq_export.files)
    files["RoughAtlas/X.v"] = "(* Axiom in a comment is fine *)\nLemma x : True.\nAdmitted.\n"
    hits = coqbuild.scan_declarations(dataclasses.replace(coq_export, files=files))
    assert hits == [("RoughAtlas/X.v", "Admitted")]


def test_module_names_and_imports(lean_export):
    root = lean_export.files["RoughAtlas.lean"]
    for _, rel, ids, deps in lean_export.modules:
        mod = rel[:-len(".lean")].replace("/", ".")
        assert f"import {mod}" in root
        assert re.fullmatch(r"RoughAtlas/Part\d\d(p\d)?[A-Z][A-Za-z]+\.lean", rel)
    assert "RoughAtlas/Part03KernelExponent.lean" in lean_export.files
    audit = lean_export.files["AxiomAudit.lean"]
    assert audit.count("#print axioms") == len(REG.theorems)


def test_lines_at_most_100_characters(lean_export, coq_export):
    for ex in (lean_export, coq_export):
        for rel, text in ex.files.items():
            for i, line in enumerate(text.split("\n")):
                assert len(line) <= 100, (rel, i + 1)


def _tiny_registry(var="x", goal="x + 1 > x"):
    return lower({"schema_version": 1, "parts": [{"id": "2", "title": "T t", "theorems": [1, 1],
                                                  "method": "ring"}],
                  "hypotheses": [], "facts": [],
                  "theorems": [{"id": 1, "name": "t_one", "lean_name": "t_one", "part": "2",
                                "printed": "p", "statement": {"vars": [var], "goal": goal},
                                "uses": [], "method": "linarith", "status_printed": "ok"}]})


def test_reserved_variable_name_is_refused_naming_the_entry():
    reg = _tiny_registry(var="fun", goal="fun + 1 > fun")
    cert = {"id": 1, "steps": [], "goals": [{"method": "refute", "terms": [{"c": "1", "of": ["neg"]}]}]}
    with pytest.raises(ExportError, match=r"theorems\[1\].*'fun'"):
        export.make_plan(reg, reg.theorems[0], cert, export.LEAN_RESERVED)


def test_missing_certificate_is_refused():
    reg = _tiny_registry()
    with pytest.raises(ExportError, match=r"theorems\[1\]: no certificate"):
        export.make_plan(reg, reg.theorems[0], None, export.COQ_RESERVED)


def test_unknown_certificate_method_is_refused():
    reg = _tiny_registry()
    cert = {"id": 1, "steps": [], "goals": [{"method": "magic"}]}
    with pytest.raises(ExportError, match="unknown certificate method 'magic'"):
        export.make_plan(reg, reg.theorems[0], cert, export.COQ_RESERVED)


# -- Lean axiom audit (canned `#print axioms` output) -----------------------------------------

EXPECTED = ["RoughAtlas.a", "RoughAtlas.b", "RoughAtlas.c"]
GOOD = """'RoughAtlas.a' depends on axioms: [propext, Classical.choice, Quot.sound]
'RoughAtlas.b' does not depend on any axioms
'RoughAtlas.c' depends on axioms: [propext,
 Quot.sound]
"""


def test_audit_accepts_standard_axioms():
    ok, problems, found = leanbuild.audit_axioms(GOOD, EXPECTED)
    assert ok and problems == []
    assert found == {"RoughAtlas.a": ["propext", "Classical.choice", "Quot.sound"],
                     "RoughAtlas.b": [], "RoughAtlas.c": ["propext", "Quot.sound"]}


@pytest.mark.parametrize("axiom", ["sorryAx", "Lean.ofReduceBool", "Lean.trustCompiler"])
def test_audit_rejects_forbidden_axioms(axiom):
    text = GOOD.replace("'RoughAtlas.b' does not depend on any axioms",
                        f"'RoughAtlas.b' depends on axioms: [propext, {axiom}]")
    ok, problems, _ = leanbuild.audit_axioms(text, EXPECTED)
    assert not ok
    assert problems == [f"RoughAtlas.b: depends on {axiom} (forbidden)"]


def test_audit_rejects_project_axiom_and_missing_theorem():
    text = GOOD.replace("[propext, Classical.choice, Quot.sound]", "[RoughAtlas.my_fact]")
    ok, problems, _ = leanbuild.audit_axioms(text, EXPECTED + ["RoughAtlas.d"])
    assert not ok
    assert "RoughAtlas.d: missing from the #print axioms output" in problems
    assert "RoughAtlas.a: depends on non-standard axiom RoughAtlas.my_fact (a project axiom?)" in problems


def test_lean_status_is_never_compiled_without_a_build():
    assert leanbuild.theorem_status(None, "abc", True)[0] == "emitted"
    assert leanbuild.theorem_status(None, "abc", False)[0] == "skipped"
    rep = {"available": True, "built": True, "audit_ok": True, "export_digest": "old"}
    assert leanbuild.theorem_status(rep, "new", True)[0] == "emitted"
    assert leanbuild.theorem_status(dict(rep, export_digest="new"), "new", True)[0] == "compiled"


# -- Coq --------------------------------------------------------------------------------------

CANNED_COQ = """Axioms:
ClassicalDedekindReals.sig_not_dec : forall P : Prop, {~ ~ P} + {~ P}
ClassicalDedekindReals.sig_forall_dec
  : forall P : nat -> Prop,
    (forall n : nat, {P n} + {~ P n}) -> {n : nat | ~ P n} + {forall n : nat, P n}
Classical_Prop.classic : forall P : Prop, P \\/ ~ P
Closed under the global context
"""


def test_parse_coq_assumptions():
    assert coqbuild.parse_assumptions(CANNED_COQ) == [
        "ClassicalDedekindReals.sig_not_dec", "ClassicalDedekindReals.sig_forall_dec",
        "Classical_Prop.classic"]
    libs = {"ClassicalDedekindReals": "stdlib", "Classical_Prop": "stdlib"}
    assert coqbuild.classify_axiom("Classical_Prop.classic", libs, set()) == "stdlib"
    assert coqbuild.classify_axiom("Part03KernelExponent.foo", libs, {"Part03KernelExponent"}) == "project"
    assert coqbuild.classify_axiom("Mystery.ax", libs, set()) == "project"


def test_coq_status_before_any_compile():
    assert coqbuild.theorem_status(7, None, "d") == (
        "not compiled", "no coqc run recorded (run: roughatlas coq-build)")
    rep = {"available": True, "export_digest": "old", "theorems": {"7": {"status": "PROVED", "note": ""}}}
    assert coqbuild.theorem_status(7, rep, "new")[0] == "not compiled"
    assert coqbuild.theorem_status(7, rep, "old")[0] == "PROVED"


needs_coqc = pytest.mark.skipif(shutil.which("coqc") is None, reason="coqc not installed "
                                "(Debian: apt-get install coq libcoq-stdlib libcoq-interval)")


@pytest.mark.slow
@pytest.mark.needs_tool
@needs_coqc
@pytest.mark.parametrize("mode", ["bundle", "modules"])
def test_coqc_proves_every_theorem(tmp_path, coq_export, mode):
    rep = coqbuild.build(coq_export, out_dir=tmp_path / "b", report_path=tmp_path / "r.json",
                         mode=mode)
    assert rep["mode"] == mode
    bad = {k: v for k, v in rep["theorems"].items() if v["status"] != "PROVED"}
    assert bad == {}
    assert rep["proved"] == len(REG.theorems)
    assert rep["audit"]["ok"] and rep["project_axioms"] == [] and rep["axiom_declarations"] == []
    assert set(rep["axioms"]) == set(rep["stdlib_axioms"])
    assert rep["modules"]["Claims"]["ok"], rep["modules"]["Claims"]["error"]   # the numeric claims
    assert coqbuild.report_ok(rep)


@pytest.mark.slow
@pytest.mark.needs_tool
@needs_coqc
def test_coqc_error_is_pinned_to_its_theorem(tmp_path, coq_export):
    mod, rel, ids, _ = next(m for m in coq_export.modules if m[0] == "Part03KernelExponent")
    text = coq_export.files[rel]
    second = REG.by_id()[ids[1]].lean_name
    i = text.index(f"Theorem {second} ")
    j = text.index("Proof.", i)
    broken = text[:j] + "Proof.\n  exact I." + text[j + len("Proof."):]
    ex = dataclasses.replace(coq_export, files={rel: broken}, modules=[(mod, rel, ids, [])])
    rep = coqbuild.build(ex, out_dir=tmp_path / "b", report_path=tmp_path / "r.json")
    st = {int(k): v["status"] for k, v in rep["theorems"].items()}
    assert st[ids[0]] == "PROVED"
    assert st[ids[1]] == "ERROR" and "coqc:" in rep["theorems"][str(ids[1])]["note"]
    assert all(st[i] == "ERROR" for i in ids[2:])
    assert "not checked" in rep["theorems"][str(ids[2])]["note"]
    assert rep["mode"] == "modules"          # the failing bundle was rerun module by module
    assert not coqbuild.report_ok(rep)


def test_bundle_hoists_library_imports_and_maps_lines(coq_export):
    units = coqbuild._units(coq_export, "bundle")
    (name, u), = [(k, v) for k, v in units.items() if k == "RoughAtlasAll"]
    text = u["text"].split("\n")
    assert not any(l.startswith("Require Import RoughAtlas.") for l in text)
    for tid, (rel, first, last) in coq_export.theorem_lines.items():
        mod = rel.split("/")[1][:-2]
        k = u["lines"].index((mod, first))
        assert text[k] == coq_export.files[rel].split("\n")[first - 1]


@pytest.mark.slow
@pytest.mark.needs_tool
@needs_coqc
def test_extra_module_with_interval_tactic(tmp_path, monkeypatch):
    src = ("From Interval Require Import Tactic.\nRequire Import Reals.\nOpen Scope R_scope.\n"
           "Lemma claim_52 : 23 <= Rpower 52 (4/5) <= 24.\nProof. unfold Rpower. interval. Qed.\n"
           "Print Assumptions claim_52.\n")
    monkeypatch.setattr(export, "COQ_EXTRA_MODULES", [("ClaimsTest", lambda reg: src)])
    ex = export.export_coq(REG)
    assert "RoughAtlas/ClaimsTest.v" in ex.files
    assert "RoughAtlas/ClaimsTest.v" in ex.files["_CoqProject"]
    mods = [m for m in ex.modules if m[0] == "ClaimsTest"]
    small = dataclasses.replace(ex, files={"RoughAtlas/ClaimsTest.v": src}, modules=mods)
    rep = coqbuild.build(small, out_dir=tmp_path / "b", report_path=tmp_path / "r.json")
    assert rep["modules"]["ClaimsTest"]["ok"], rep["modules"]["ClaimsTest"]["error"]


def test_statuses_join_the_cli_rows():
    from verifier.cli import _export_statuses, main

    rows, summary = _export_statuses(REG)
    assert set(rows) == {t.id for t in REG.theorems}
    for r in rows.values():
        assert r["lean"] in ("emitted", "compiled", "skipped")
        assert r["coq"] in ("PROVED", "ERROR", "not compiled")
        if shutil.which("lake") is None:
            assert r["lean"] != "compiled"
    assert set(summary) == {"lean", "coq"}


def test_show_prints_lean_and_coq_lines(capsys):
    from verifier.cli import main

    assert main(["show", "14"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\s+Lean (emitted|compiled|skipped) \(", out, re.M)
    assert re.search(r"^\s+Coq (PROVED|ERROR|not compiled)", out, re.M)
