"""The benchmark harness: min/median/max over repeats, met/missed per target, the same in
the text table, --json and --markdown (timings from a fake clock, so nothing here is timed)."""
import json
import types

import pytest

import benchmarks.__main__ as bm
from benchmarks import harness
from benchmarks.harness import Reference, Target, Workload, check_target, parse_target, run_workload


class FakeClock:
    """perf_counter that only moves when a timed function says how long it took."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def taking(self, durations):
        it = iter(durations)
        calls = []

        def fn():
            calls.append(1)
            self.now += next(it)
        fn.calls = calls
        return fn


@pytest.fixture
def clock(monkeypatch):
    c = FakeClock()
    monkeypatch.setattr(harness.time, "perf_counter", c)
    return c


def test_stats_are_min_median_max_over_the_repeats_and_ratio_uses_medians(clock):
    # first value of each list is the warm-up (not counted)
    ours = clock.taking([9.0, 1.0, 3.0, 2.0, 10.0, 4.0])
    ref = clock.taking([9.0, 8.0, 6.0, 7.0, 5.0, 40.0])
    w = Workload("w", ours, [Reference("ref", ref)], target=Target(max_s=3.5), repeat=5)
    r = run_workload(w)
    assert r["ours"] == {"min": 1.0, "median": 3.0, "max": 10.0, "repeats": 5}
    s = r["references"][0]["stats"]
    assert (s["min"], s["median"], s["max"]) == (5.0, 7.0, 40.0)
    assert r["references"][0]["ratio"] == pytest.approx(7.0 / 3.0)
    assert r["verdict"] == "met" and "median 3s <= 3.5s" in r["checks"][0]


def test_per_unit_and_quick_repeats(clock):
    w = Workload("w", clock.taking([1.0] * 8), [], target=Target(max_s=0.05), repeat=7, per=10)
    r = run_workload(w, quick=True)
    assert r["ours"]["repeats"] == 3 and r["ours"]["median"] == pytest.approx(0.1)
    assert r["verdict"] == "missed" and ">" in r["checks"][0]


@pytest.mark.parametrize("target,ours,ref,err,verdict", [
    (Target(max_s=1.0), 1.0, None, None, "met"),
    (Target(max_s=1.0), 1.01, None, None, "missed"),
    (Target(min_ratio=3.0, reference="twin"), 1.0, 3.0, None, "met"),
    (Target(min_ratio=3.0, reference="twin"), 1.0, 2.9, None, "missed"),
    (Target(min_ratio=3.0, reference="peer"), 1.0, 9.0, None, "unchecked"),
    (Target(max_s=1.0, max_error=1e-4, error=lambda: 2e-4), 0.5, None, None, "missed"),
    (Target(max_s=1.0, max_error=1e-4, error=lambda: 5e-5), 0.5, None, None, "met"),
    (Target(max_s=1.0, max_error=1e-4, error=lambda: None), 0.5, None, None, "unchecked"),
    (Target(text="fast enough"), 0.5, None, None, "unchecked"),
    (None, 0.5, None, None, "no target"),
])
def test_check_target(target, ours, ref, err, verdict):
    refs = [] if ref is None else [{"reference": "twin (numpy)", "ratio": ref / ours}]
    assert check_target(target, ours, refs)[0] == verdict


def test_parse_target_reads_the_old_free_text_forms():
    assert parse_target("<= 2 ms per path").max_s == pytest.approx(2e-3)
    assert parse_target("<= 0.3 us per price").max_s == pytest.approx(0.3e-6)
    t = parse_target(">= 3x numpy twin")
    assert (t.min_ratio, t.reference) == (3.0, "numpy twin")
    assert not parse_target("about as fast as QuantLib").checked()


def test_no_warmup_times_every_call(clock):
    ours = clock.taking([5.0, 1.0, 1.0])
    r = run_workload(Workload("w", ours, [], repeat=3, warmup=False))
    assert r["ours"]["max"] == 5.0 and len(ours.calls) == 3


def test_unavailable_workload_is_skipped_not_timed(clock):
    ours = clock.taking([1.0])
    r = run_workload(Workload("coq", ours, [Reference("1 job", ours)], target=Target(max_s=1),
                              unavailable="coqc not installed"))
    assert r["verdict"] == "skipped" and r["ours"] is None and ours.calls == []
    assert r["note"] == "coqc not installed"


def test_missing_reference_is_reported_skipped(clock):
    r = run_workload(Workload("w", clock.taking([1.0] * 4), [Reference("QuantLib", None, "not installed")],
                              target=Target(max_s=2.0), repeat=3))
    assert r["references"][0]["stats"] is None and "not installed" in r["references"][0]["note"]
    assert r["verdict"] == "met"


def _fake_module(clock):
    return types.SimpleNamespace(WORKLOADS=[
        Workload("fast one", clock.taking([1.0] * 4), [Reference("twin", clock.taking([4.0] * 4))],
                 target=Target(max_s=2.0), repeat=3),
        Workload("slow one", clock.taking([5.0] * 4), [], target=Target(max_s=2.0), repeat=3),
    ])


def test_main_json_text_and_strict(clock, monkeypatch, capsys):
    monkeypatch.setattr(bm, "_discover", lambda: [_fake_module(clock)])
    assert bm.main(["--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"] == {"met": 1, "missed": 1}
    assert [w["verdict"] for w in data["workloads"]] == ["met", "missed"]
    assert data["workloads"][0]["references"][0]["ratio"] == pytest.approx(4.0)
    monkeypatch.setattr(bm, "_discover", lambda: [_fake_module(clock)])
    assert bm.main(["--strict"]) == 1
    out = capsys.readouterr().out
    assert "met (median 1s <= 2s)" in out and "missed (median 5s > 2s)" in out
    assert "targets: 1 met, 1 missed" in out


def test_markdown_is_written_between_the_markers(clock, monkeypatch, tmp_path, capsys):
    doc = tmp_path / "README.md"
    doc.write_text("# t\n\n<!-- benchmarks:begin (generated) -->\nold table\n<!-- benchmarks:end -->\n\nafter\n")
    monkeypatch.setattr(bm, "_discover", lambda: [_fake_module(clock)])
    assert bm.main(["--markdown", str(doc)]) == 0
    text = doc.read_text()
    assert "old table" not in text and text.endswith("<!-- benchmarks:end -->\n\nafter\n")
    assert "| fast one | 1s (1s–1s) | twin | 4s (4s–4s) | 4.00 | <= 2s | met |" in text
    assert "| slow one | 5s (5s–5s) | — | — |  | <= 2s | missed |" in text
    assert "Targets: 1 met, 1 missed." in text


def test_markdown_without_markers_fails_before_measuring(clock, monkeypatch, tmp_path, capsys):
    doc = tmp_path / "README.md"
    doc.write_text("no markers\n")
    mod = _fake_module(clock)
    monkeypatch.setattr(bm, "_discover", lambda: [mod])
    assert bm.main(["--markdown", str(doc)]) == 2
    assert "benchmarks:begin" in capsys.readouterr().err
    assert mod.WORKLOADS[0].ours.calls == []


def test_every_declared_target_is_machine_checkable():
    for mod in bm._discover():
        for w in mod.WORKLOADS:
            if w.target:
                t = w.target if isinstance(w.target, Target) else parse_target(w.target)
                assert t.checked(), f"{w.name}: target {w.target!r} cannot be checked"


def test_markdown_names_skipped_references_and_shows_accuracy_checks(clock):
    w = Workload("surface", clock.taking([1.0] * 4), [Reference("QuantLib", None, "QuantLib not installed (no module)")],
                 target=Target(max_s=2.0, max_error=1e-4, error=lambda: 3e-6, error_text="abs err"), repeat=3)
    text = bm.markdown_table([run_workload(w)], quick=False, load=(0.0, 0.0))
    assert "| QuantLib | skipped: QuantLib not installed |" in text
    assert "met (median 1s <= 2s; abs err 3.00e-06 <= 1e-04)" in text


def test_markdown_lists_the_workload_notes_under_the_table(clock):
    w = Workload("service", clock.taking([1.0] * 2), [], repeat=1, note="p50 1.6ms, p99 3ms, 500 requests/s")
    quiet = Workload("quiet", clock.taking([1.0] * 2), [], repeat=1)
    text = bm.markdown_table([run_workload(w), run_workload(quiet)], quick=False, load=(0.0, 0.0))
    table, _, notes = text.partition("What the workloads measured besides time")
    assert "- **service**: p50 1.6ms, p99 3ms, 500 requests/s" in notes
    assert "quiet" not in notes and "p50" not in table
