"""The registry itself: counts, errata, duplicates, references."""
import re

from verifier import pipeline
from verifier.registry import load
from verifier.z3backend import REFUTED, prove

REG = load()


def test_counts():
    assert [t.id for t in REG.theorems] == list(range(1, 126))
    assert len(REG.facts) == 17
    assert {p["id"] for p in REG.parts} >= {"1", "2", "3", "3.5", "26"}


def test_every_fact_has_a_reference():
    for f in REG.facts.values():
        assert f.reference["authors"] and f.reference["result"], f.id
        assert 1900 < f.reference["year"] < 2030, f.id


def test_every_fact_is_used_or_cited():
    used = {u for t in REG.theorems for u in t.uses if isinstance(u, str)}
    assert set(REG.facts) <= used


def test_errata_are_marked_and_false_printed_statements_refuted():
    statuses = {t.id: t.status_printed for t in REG.theorems}
    assert sum(s == "false_as_printed" for s in statuses.values()) >= 3
    for t in REG.theorems:
        if t.status_printed in ("false_as_printed", "needs_side_condition"):
            pf = t.printed_formal
            z, cex, _ = prove(pf.vars, pf.premises, pf.goal)
            assert z == REFUTED and cex, (t.id, z)


def test_declared_duplicates_match_computed():
    declared = {}
    for t in REG.theorems:
        root = t.duplicate_of if t.duplicate_of is not None else t.id
        declared.setdefault(root, set()).add(t.id)
    declared = sorted(sorted(g) for g in declared.values() if len(g) > 1)
    assert declared == pipeline.duplicate_groups(REG)


def test_lean_names_are_mathlib_style():
    for t in REG.theorems:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", t.lean_name)
        assert "__" not in t.lean_name


def test_uses_lists_only_earlier_theorems():
    for t in REG.theorems:
        assert all(u < t.id for u in t.uses if isinstance(u, int)), t.id
