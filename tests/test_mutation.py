"""Soundness under mutation: every mutant Z3 refutes must be rejected by the kernel."""
import pytest

from verifier import kernel, mutate
from verifier.registry import load

REG = load()


@pytest.fixture(scope="module")
def report():
    return mutate.run(REG)[1]


def test_no_false_mutant_accepted(report, capsys):
    with capsys.disabled():
        print(f"\nmutation: {report['mutants']} mutants, {report['false_mutants']} false by Z3, "
              f"kernel kill rate {100 * report['kill_rate']:.1f}%, accepted false "
              f"{report['accepted_false']}, by kind {report['by_kind']}")
    assert report["accepted_false"] == 0, report["accepted_false_list"]
    assert report["kill_rate"] == 1.0


def test_every_mutation_kind_is_exercised(report):
    assert report["mutants"] >= 1000
    assert set(report["by_kind"]) == set(mutate.KINDS)
    assert all(n > 0 for n in report["by_kind"].values()), report["by_kind"]
    assert report["undecided"] == 0


def test_harness_detects_a_rubber_stamp_kernel(monkeypatch):
    """The mutation test can fail: a kernel that accepts everything is caught."""
    monkeypatch.setattr(kernel, "check", lambda *a, **k: True)
    _, rep = mutate.run(REG, ids={6, 32, 124})
    assert rep["accepted_false"] > 0


def test_mutants_of_a_theorem():
    t = REG.by_id()[32]
    kinds = {k for k, _, _ in mutate.mutants(t)}
    assert kinds == {"flip", "perturb", "drop", "swap", "weaken", "sides"}
    kinds14 = {k for k, _, _ in mutate.mutants(REG.by_id()[14])}
    assert {"rpow", "weaken", "sides"} <= kinds14
    assert "exponent" in {k for t in REG.theorems for k, _, _ in mutate.mutants(t)}


def test_new_mutation_kinds_change_what_they_say():
    from verifier.expr import show, show_prop
    t = REG.by_id()[14]
    descs = {d: st for k, d, st in mutate.mutants(t)}
    assert show_prop(descs["goal 1: rpow exponent + 1/7"].goal) == "rpow(T, H + 1/2 + 1/7)/(H + 1/2) > 0"
    assert show_prop(descs["goal 1: rpow base - 1"].goal) == "rpow(T - 1, H + 1/2)/(H + 1/2) > 0"
    assert show_prop(descs["goal 1: sides swapped"].goal) == "0 > rpow(T, H + 1/2)/(H + 1/2)"
    weak = descs["weaken hypothesis hH_pos: < → <="]
    assert [show(r) for _, r in weak.premises][0] == "0 <= H"
