"""The measured evidence beside PROVED (verifier/evidence.py) and where the CLI shows it;
Ctrl-C and progress of the long commands; the README's block of fact verdicts."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verifier import evidence as E
from verifier import witness as W
from verifier.cli import main
from verifier.registry import load

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def reg():
    return load()


def _report(path, statuses, reg_path=None, **extra):
    """A witness.json with the given {id: status} results (others absent)."""
    path.mkdir(parents=True, exist_ok=True)
    res = [{"kind": "fact" if str(i).startswith("F_") else "theorem", "id": i, "status": st, "findings": [],
            "points": [], "readings": [], "quick": False, "error": ""} for i, st in statuses.items()]
    doc = {"summary": {}, "complete": True, "quick": False, "results": res,
           "registry_digest": W.registry_digest(reg_path), **extra}
    (path / "witness.json").write_text(json.dumps(doc))
    return path


def _all_pass(reg, **over):
    st = {f: W.PASS for f in reg.facts}
    st.update({t.id: W.PASS for t in reg.theorems})
    st.update(over)
    return st


def test_chains_follow_theorems_transitively(reg):
    ch = E.fact_chains(reg)
    assert ch[41] == {"F_moment_exp": [41, 38]}                  # 41 uses 38, 38 cites the fact
    assert ch[66]["F_vega_correction"] == [66]                    # direct
    assert ch[1] == {}


def test_status_per_theorem(reg, tmp_path):
    assert E.Evidence(reg, tmp_path / "none").theorem(41)["status"] == E.NOT_RUN
    d = _report(tmp_path / "a", _all_pass(reg, F_moment_exp=W.FINDING, F_hedge_curv_bound=W.UNDECIDED))
    ev = E.Evidence(reg, d)
    r = ev.theorem(41)
    assert r["status"] == E.FINDING and r["facts_with_findings"] == ["F_moment_exp"]
    assert r["via"]["F_moment_exp"] == [41, 38] and r["witness"] == W.PASS
    assert "via theorem 38" in E.describe(r)
    assert ev.theorem(1)["status"] == E.SUPPORTED
    u = ev.theorem(79)
    assert u["status"] == E.FINDING and u["undecided"] == ["F_hedge_curv_bound"] and not u["contradicted"]
    s = ev.summary()
    assert s["contradicted_facts"] == ["F_moment_exp"] and s["undecided_facts"] == ["F_hedge_curv_bound"]
    assert s["finding"] == s["resting_on_contradicted_fact"] + s["resting_on_undecided_fact_only"]
    assert s["supported"] + s["finding"] + s["not_run"] == 125 and not s["stale"]
    # a fact without a usable result: theorems on it are NOT_RUN, not SUPPORTED
    st = _all_pass(reg)
    st["F_moment_exp"] = W.ERROR
    assert E.Evidence(reg, _report(tmp_path / "b", st)).theorem(41)["status"] == E.NOT_RUN


def test_verify_json_and_text_carry_the_evidence(reg, tmp_path, capsys):
    d = _report(tmp_path, _all_pass(reg, F_vega_correction=W.FINDING))
    assert main(["verify", "--only", "66", "1", "--json", "--results", str(d)]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["id"]: r["evidence"] for r in data["theorems"]}
    assert rows[66]["status"] == "FINDING" and rows[66]["facts_with_findings"] == ["F_vega_correction"]
    assert rows[66]["witness"] == "PASS" and rows[1]["status"] == "SUPPORTED"
    assert set(rows[1]) >= {"status", "facts_with_findings", "witness"}
    es = data["evidence_summary"]
    assert es["finding"] == 1 and es["supported"] == 1 and es["contradicted_facts"] == ["F_vega_correction"]
    assert main(["verify", "--only", "66", "--results", str(d)]) == 0
    out = capsys.readouterr().out
    assert "resting on a contradicted fact 1/1 (F_vega_correction)" in out
    assert "RESULT: " in out and "1 rest on a fact the measurements contradict" in out
    assert main(["verify", "--only", "66", "--results", str(tmp_path / "none")]) == 0
    out = capsys.readouterr().out
    assert "witness not run" in out and "not measured yet" in out


def test_list_and_show_mark_the_theorems(reg, tmp_path, capsys):
    d = _report(tmp_path, _all_pass(reg, F_vega_correction=W.FINDING))
    assert main(["list", "--evidence", "FINDING", "--results", str(d)]) == 0
    out = capsys.readouterr().out
    ids = [int(x.split()[0]) for x in out.splitlines() if re.match(r"\s*\d+  \S", x)]
    assert ids == [t for t, ch in E.fact_chains(reg).items() if "F_vega_correction" in ch] and 66 in ids
    assert "FINDING" in out.splitlines()[0]
    main(["show", "66", "--results", str(d)])
    out = capsys.readouterr().out
    assert "Evidence     FINDING: rests on F_vega_correction (contradicted by its measurement; directly)" in out
    main(["show", "F_vega_correction", "--results", str(d)])
    out = capsys.readouterr().out
    assert "Resting on it" in out and "66" in out and "last result (full run): FINDING" in out
    with pytest.raises(SystemExit):                                  # unknown values are rejected
        main(["list", "--evidence", "BOGUS"])
    assert "invalid choice" in capsys.readouterr().err


def test_witness_summary(reg, tmp_path, capsys):
    d = _report(tmp_path, _all_pass(reg, F_vega_correction=W.FINDING))
    assert main(["witness", "--summary", "--markdown", "--out", str(d)]) == 0
    out = capsys.readouterr().out
    assert "contradicted under every fair reading (1): `F_vega_correction`;" in out
    assert main(["witness", "--summary", "--out", str(tmp_path / "none")]) == 1


def test_results_go_to_the_project_build_folder(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-c", "from verifier import witness; print(witness.default_dir())"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert Path(p.stdout.strip()) == ROOT / "build", p.stderr


def _interrupt(args, marker, tmp_path):
    """Start the CLI piped, wait for a progress line containing ``marker``, send SIGINT."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.Popen([sys.executable, "-m", "verifier", *args], cwd=tmp_path, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    t0 = time.time()
    while time.time() - t0 < 120:
        line = p.stderr.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            break
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    return p.returncode, out, "".join(seen) + err


def test_ctrl_c_during_witness_all_saves_a_partial_report(tmp_path):
    out_dir = tmp_path / "out"
    code, out, err = _interrupt(["witness", "--all", "--quick", "--no-plots", "--out", str(out_dir)],
                                "witnessing 2/", tmp_path)
    assert code == 130, err[-2000:]
    assert "Traceback" not in err
    assert re.search(r"witnessing 1/142 theorem 1 PASS \(elapsed \d+:\d\d, ETA \d+:\d\d\)", err), err[:500]
    doc = json.loads((out_dir / "witness.json").read_text())
    assert doc["interrupted"] and not doc["complete"] and 2 <= doc["entries_run"] < 142
    assert doc["entries_total"] == 142 and [r["id"] for r in doc["results"]][:2] == [1, 2]


def test_ctrl_c_stops_mutants(tmp_path):
    code, out, err = _interrupt(["mutants"], "mutating 3/", tmp_path)
    assert code == 130, err[-2000:]
    assert "interrupted after" in err and "kill rate" not in out and "Traceback" not in err


def _block(text):
    m = re.search(r"<!-- witness-summary -->\n(.*?)\n<!-- /witness-summary -->", text, re.S)
    assert m, "README has no witness-summary block"
    return m.group(1)


def _listed(block, label):
    m = re.search(rf"- {label} \((\d+)\): (.*?)[;.]$", block, re.M)
    assert m, label
    names = re.findall(r"`(\w+)`", m.group(2))
    assert int(m.group(1)) == len(names)
    return set(names)


def test_readme_block_matches_the_measured_verdicts(reg):
    """The README's fact verdicts are those the quick witness tests require (tests/witness),
    and, when build/ holds a complete full report of this registry, exactly its block."""
    sys.path.insert(0, str(ROOT / "tests" / "witness"))
    try:
        import test_witness_b as B
    finally:
        sys.path.pop(0)
    block = _block((ROOT / "README.md").read_text(encoding="utf-8"))
    expected_contra = {f for f, st in B.EXPECTED.items() if isinstance(f, str) and st in W.CONTRADICTED}
    expected_und = {f for f, st in B.EXPECTED.items() if isinstance(f, str) and st == W.UNDECIDED}
    assert _listed(block, "contradicted under every fair reading") == expected_contra
    assert _listed(block, "undecided, holding under one fair reading and failing under another") == expected_und
    assert _listed(block, "supported") == set(reg.facts) - expected_contra - expected_und
    ev = E.Evidence(reg)
    if not ev.ran or ev.stale or ev.doc.get("quick") or not ev.doc.get("complete", True):
        pytest.skip("no complete full witness report of this registry in build/ (make witness)")
    assert block == "\n".join(E.report_lines(reg, ev, markdown=True))
