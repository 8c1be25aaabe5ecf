"""The witness checker: entry validation, the claim-to-statement link, evaluation, reports.

Uses toy observables registered here (names start with ``_test_``) so that the checker
is tested independently of the real measurements.
"""
import dataclasses
import json

import pytest

from numerics.witness import OBSERVABLES, Measurement, Value, load_all, observable
from verifier import witness
from verifier.registry import load

load_all()

_VALUES = {}


def _toy(name, outputs, kernel="toy kernel"):
    if name not in OBSERVABLES:
        @observable(name, kernel=kernel, description="test double", outputs=outputs)
        def _m(params, seed, quick):
            spec = _VALUES[name]
            if isinstance(spec, Exception):
                raise spec
            vals, finding = spec(params)
            return Measurement({k: Value(*v) for k, v in vals.items()}, {"params": params}, finding)


_toy("_test_exp", ["exponent"])
_toy("_test_pair", ["ie", "se"], kernel="toy pair kernel")


@pytest.fixture()
def reg():
    witness.clear_cache()
    return load()


def _with(reg, ident, entry):
    reg.theorems = [dataclasses.replace(t, witness=entry) if str(t.id) == str(ident) else t
                    for t in reg.theorems]
    return reg


def _entry(**over):
    e = {"measure": {"se": {"observable": "_test_exp", "output": "exponent", "reads": "H - 1/2"}},
         "kernel": "toy kernel", "params": {"H": [0.1, 0.3]}, "sweep": ["H"], "seed": None,
         "claim": "se < 0", "tolerance": {"abs": 0.01, "k_se": 4},
         "justification": "toy", "test": "tests/test_witness_checker.py"}
    e.update(over)
    return e


# theorem 6: H < 1/2 -> H - 1/2 < 0 ; theorem 1: (h + 1/2) - 1 == h - 1/2

def test_pass_on_measured_values(reg):
    _VALUES["_test_exp"] = lambda p: ({"exponent": (p["H"] - 0.5 + 0.001, 0.002)}, "")
    r = witness.run(_with(reg, 6, _entry()), 6)
    assert r.status == witness.PASS, r.error
    assert [row["params"]["H"] for row in r.points] == [0.1, 0.3]
    assert r.points[0]["relations"][0]["margin_in_se"] == pytest.approx((0.4 - 0.001) / 0.002)


def test_fail_when_measurement_contradicts(reg):
    _VALUES["_test_exp"] = lambda p: ({"exponent": (0.05, 0.001)}, "")
    r = witness.run(_with(reg, 6, _entry()), 6)
    assert r.status == witness.FAIL


def test_finding_reported_when_observable_explains(reg):
    _VALUES["_test_exp"] = lambda p: ({"exponent": (0.05, 0.001)}, "premise not supported")
    r = witness.run(_with(reg, 6, _entry()), 6)
    assert r.status == witness.FINDING and r.findings == ["premise not supported"]


def test_equality_tolerance_uses_propagated_se(reg):
    entry = _entry(measure={"ie": {"observable": "_test_pair", "output": "ie", "reads": "h + 1/2"},
                            "se": {"observable": "_test_pair", "output": "se", "reads": "h - 1/2"}},
                   kernel="toy pair kernel", params={"h": [0.2]}, sweep=["h"], claim="ie - 1 == se",
                   tolerance={"abs": 0.0, "k_se": 3})
    # ie - 1 - se = 0.05; SEs 0.01 and 0.01 from one measurement source each -> SE ~ 0.01414
    _VALUES["_test_pair"] = lambda p: ({"ie": (0.75, 0.01), "se": (-0.3, 0.01)}, "")
    r = witness.run(_with(reg, 1, entry), 1)
    rel = r.points[0]["relations"][0]
    assert rel["se"] == pytest.approx(2 ** 0.5 * 0.01, rel=1e-4)
    assert r.status == witness.FAIL                       # 0.05 > 3 * 0.01414
    witness.clear_cache()
    _VALUES["_test_pair"] = lambda p: ({"ie": (0.72, 0.01), "se": (-0.3, 0.01)}, "")
    assert witness.run(reg, 1).status == witness.PASS    # 0.02 <= 0.0424


def test_observable_error_is_reported_not_raised(reg):
    _VALUES["_test_exp"] = ValueError("H must be in (0, 1/2)")
    r = witness.run(_with(reg, 6, _entry()), 6)
    assert r.status == witness.ERROR and "H must be in" in r.error


@pytest.mark.parametrize("over, where", [
    ({"claim": "se > 0"}, "claim"),                                    # wrong direction
    ({"measure": {"se": {"observable": "_test_exp", "output": "exponent", "reads": "H + 1/2"}}},
     "claim"),                                                         # reads the wrong quantity
    ({"claim": "-se > 0"}, None),                                      # same relation, flipped: fine
    ({"claim": "2*se < 0"}, None),                                     # positive factor: fine
    ({"claim": "-2*se < 0"}, "claim"),                                 # negative factor: refused
    ({"tolerance": {"abs": -1}}, "tolerance"),
    ({"tolerance": {"rel": 1}}, "tolerance"),
    ({"seed": "x"}, "seed"),
    ({"params": {"H": "0.1"}}, "params.H"),
    ({"sweep": ["eta"]}, "sweep"),
    ({"bogus": 1}, "bogus"),
    ({"claim": "H < 1/2"}, "claim"),                                   # does not use the measurement
    ({"claim": "__import__('os') < 0"}, "claim"),
])
def test_entry_validation_names_the_field(reg, over, where):
    e = _entry(**over)
    kind, key, variables, goal, _ = witness.subject(reg, 6)
    if where is None:
        witness.parse_entry(kind, key, variables, goal, e)
        return
    with pytest.raises(witness.WitnessError) as exc:
        witness.parse_entry(kind, key, variables, goal, e)
    assert exc.value.where.startswith(f"theorems[6].witness.{where}"), exc.value


def test_identity_link_is_side_by_side(reg):
    """For an identity both sides must be read, not just the difference (which is 0)."""
    kind, key, variables, goal, _ = witness.subject(reg, 1)
    e = _entry(measure={"ie": {"observable": "_test_pair", "output": "ie", "reads": "h + 1/2"},
                        "se": {"observable": "_test_pair", "output": "se", "reads": "h + 1/2"}},
               kernel="toy pair kernel", params={"h": [0.2]}, sweep=["h"], claim="ie - 1 == se")
    with pytest.raises(witness.WitnessError, match="not the statement"):
        witness.parse_entry(kind, key, variables, goal, e)


def test_problems_report_missing_unknown_and_kernel(reg):
    msgs = witness.problems(reg)
    assert any(m.startswith("theorems[1].witness: missing") for m in msgs) or all(
        t.witness for t in reg.theorems)
    e = _entry(kernel="another kernel")
    msgs = witness.problems(_with(reg, 6, e))
    assert any("theorems[6].witness.kernel" in m for m in msgs)
    e = _entry(measure={"se": {"observable": "_nope", "output": "x", "reads": "H - 1/2"}})
    msgs = witness.problems(_with(reg, 6, e))
    assert any("unknown observable '_nope'" in m for m in msgs)


def test_report_and_plot(reg, tmp_path):
    _VALUES["_test_exp"] = lambda p: ({"exponent": (p["H"] - 0.5, 0.002)}, "")
    e = _entry(claim="se == H - 1/2", params={"H": [0.1, 0.2, 0.3]})
    # theorem 6's goal is 'H - 1/2 < 0', so use a fact whose proposition is an equality
    reg.facts = dict(reg.facts)
    f = reg.facts["F_delta_correction"]           # dc == H - 1/2
    reg.facts["F_delta_correction"] = dataclasses.replace(f, witness=dict(
        e, measure={"dc": {"observable": "_test_exp", "output": "exponent", "reads": "dc"}},
        claim="dc == H - 1/2"))
    res = [witness.run(reg, "F_delta_correction")]
    assert res[0].status == witness.PASS, res[0].error
    paths = witness.write_report(res, tmp_path)
    doc = json.loads((tmp_path / "witness.json").read_text())
    assert doc["summary"] == {"theorem": {}, "fact": {"PASS": 1}}
    pngs = [p for p in paths if p.suffix == ".png"]
    assert len(pngs) == 1 and pngs[0].stat().st_size > 1000


@pytest.mark.parametrize("ok, findings, readings, want", [
    (True, [], [], witness.PASS),
    (True, ["note"], [], witness.PASS_WITH_FINDING),
    (False, ["why"], [], witness.FINDING),
    (False, [], [], witness.FAIL),
    (False, ["why"], [{"fair": True, "ok": False}, {"fair": False, "ok": True}], witness.FINDING),
    (False, ["why"], [{"fair": True, "ok": True}], witness.UNDECIDED),
])
def test_verdict_follows_the_fair_readings(ok, findings, readings, want):
    assert witness.verdict(ok, findings, readings) == want


def test_readings_are_linked_run_and_decide(reg):
    """A reading is checked against the statement like the entry; a fair reading that holds
    turns a failing claim into UNDECIDED, an unfair one does not."""
    _VALUES["_test_exp"] = lambda p: ({"exponent": (0.05 if p.get("unit", 1) == 1 else -0.3, 0.001)},
                                      "depends on the unit")
    rd = {"name": "other unit", "params": {"unit": 2}, "claim": "se < 0", "fair": True, "note": "n"}
    r = witness.run(_with(reg, 6, _entry(readings=[rd])), 6)
    assert r.status == witness.UNDECIDED and r.readings[0]["ok"] and not r.points[0]["ok"]
    r = witness.run(_with(reg, 6, _entry(readings=[dict(rd, fair=False)])), 6)
    assert r.status == witness.FINDING
    bad = dict(rd, claim="se > 0")                          # not the statement's reading
    r = witness.run(_with(reg, 6, _entry(readings=[bad])), 6)
    assert r.status == witness.ERROR and "theorems[6].witness.readings[0].claim" in r.error
    r = witness.run(_with(reg, 6, _entry(readings=[{"name": "x", "claim": "se < 0", "note": "n"}])), 6)
    assert r.status == witness.ERROR and "readings[0].fair: missing" in r.error


def test_finding_attaches_only_to_its_outputs(reg):
    name = "_test_two"
    if name not in OBSERVABLES:
        @observable(name, kernel="toy kernel", description="test double", outputs=("a", "b"))
        def _m(params, seed, quick):
            return Measurement({"a": Value(-0.4), "b": Value(-0.4)}, {}, "about a only", finding_outputs=("a",))
    e = _entry(measure={"se": {"observable": name, "output": "b", "reads": "H - 1/2"}})
    assert witness.run(_with(reg, 6, e), 6).status == witness.PASS
    e = _entry(measure={"se": {"observable": name, "output": "a", "reads": "H - 1/2"}})
    assert witness.run(_with(reg, 6, e), 6).status == witness.PASS_WITH_FINDING


def test_plots_one_per_entry_prediction_only_from_params(reg, tmp_path):
    """Files named by id; an equality between two measured names plots lhs - rhs against 0
    (never one measurement as the other's 'prediction'); inequalities get no plot."""
    _VALUES["_test_pair"] = lambda p: ({"ie": (p["h"] + 0.5, 0.001), "se": (p["h"] - 0.5, 0.001)}, "")
    _VALUES["_test_exp"] = lambda p: ({"exponent": (p["H"] - 0.5, 0.002)}, "")
    pair = _entry(measure={"ie": {"observable": "_test_pair", "output": "ie", "reads": "h + 1/2"},
                           "se": {"observable": "_test_pair", "output": "se", "reads": "h - 1/2"}},
                  kernel="toy pair kernel", params={"h": [0.1, 0.3]}, sweep=["h"], claim="ie - 1 == se")
    reg = _with(_with(reg, 1, pair), 6, _entry())
    res = [witness.run(reg, 1), witness.run(reg, 6)]
    assert [r.status for r in res] == [witness.PASS, witness.PASS]
    series = witness._plot_series(res[0])
    (key, s), = series.items()
    assert key[1] == "relation1" and all(p[3] == 0.0 for p in s["pts"])
    assert witness._plot_series(res[1]) == {}                         # theorem 6: an inequality
    paths = witness.plot_entries(res, tmp_path)
    assert [p.name for p in paths] == ["theorem_1__relation1.png"]
