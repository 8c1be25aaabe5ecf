"""Schema errors name the entry and the field, and all of them are reported together."""
import copy

import pytest

from verifier.registry import RegistryError, load, lower

BASE = {
    "schema_version": 1,
    "parts": [{"id": "1", "title": "t", "theorems": [1, 3], "method": "ring"}],
    "hypotheses": [{"id": "hx_pos", "vars": ["x"], "prop": "0 < x", "text": "x positive"}],
    "facts": [{"id": "F_double", "vars": ["x", "y"], "prop": "y == 2*x", "text": "y is 2x",
               "reference": {"authors": "A. B.", "year": 2000, "result": "Thm 1"}}],
    "theorems": [
        {"id": 1, "name": "one", "lean_name": "one", "part": "1", "printed": "x > 0",
         "statement": {"vars": ["x"], "assume": ["hx_pos"], "goal": "x > 0"},
         "uses": ["hx_pos"], "method": "exact_apply", "status_printed": "ok"},
        {"id": 2, "name": "two", "lean_name": "two", "part": "1", "printed": "y > 0",
         "statement": {"vars": ["x", "y"], "assume": ["hx_pos", "F_double"], "goal": "y > 0"},
         "uses": ["hx_pos", "F_double", 1], "method": "linarith", "status_printed": "ok"},
    ],
}


def problems(mutator):
    data = copy.deepcopy(BASE)
    mutator(data)
    with pytest.raises(RegistryError) as exc:
        lower(data)
    return exc.value.problems


def test_base_is_valid():
    reg = lower(copy.deepcopy(BASE))
    assert [t.id for t in reg.theorems] == [1, 2]
    assert reg.theorems[1].statement.premises[1][0] == "F_double"


def thm(i):
    return lambda d: d["theorems"][i]


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["theorems"][0].update(proof="x"), "theorems[1]: unknown key 'proof'"),
    (lambda d: d["theorems"][0].pop("printed"), "theorems[1]: missing required field 'printed'"),
    (lambda d: d["theorems"][1].update(id=1), "theorems[1].id: duplicate theorem id 1"),
    (lambda d: d["theorems"][1].update(name="one"), "theorems[2].name: 'one' is already used by theorem 1"),
    (lambda d: d["theorems"][1].update(lean_name="one"), "theorems[2].lean_name: 'one' is already used"),
    (lambda d: d["theorems"][1].update(lean_name="Two"), "theorems[2].lean_name: 'Two' is not a Mathlib-style"),
    (lambda d: d["theorems"][1].update(uses=["hx_pos", "F_double", "F_missing"]),
     "theorems[2].uses: 'F_missing' is not a declared fact or hypothesis"),
    (lambda d: d["theorems"][1].update(uses=["hx_pos", "F_double", 9]), "theorems[2].uses: theorem 9 is not declared"),
    (lambda d: d["theorems"][0].update(uses=["hx_pos", 2]), "dependency cycle"),
    (lambda d: d["theorems"][1].update(uses=["hx_pos"]), "the statement assumes 'F_double' but uses does not list it"),
    (lambda d: d["theorems"][0]["statement"].update(goal="q > 0"), "theorems[1].statement.goal: unknown name 'q'"),
    (lambda d: d["theorems"][0]["statement"].update(goal="x > 0.5"), "float literal 0.5"),
    (lambda d: d["theorems"][0]["statement"].update(assume=["h_nope"]),
     "theorems[1].statement.assume[0].ref: 'h_nope' is not a declared hypothesis or fact"),
    (lambda d: d["theorems"][0]["statement"].update(assume=[{"ref": "hx_pos", "with": {"z": "x"}}]),
     "hx_pos has no variable 'z'"),
    (lambda d: d["theorems"][0]["statement"].update(vars=["y"], goal="y > 0"),
     "hx_pos mentions 'x', which is neither a statement variable"),
    (lambda d: d["theorems"][0].update(status_printed="wrong"), "'wrong' is not one of ok, garbled"),
    (lambda d: d["theorems"][0].update(status_printed="garbled"),
     "theorems[1].erratum: required when status_printed is 'garbled'"),
    (lambda d: d["theorems"][0].update(status_printed="false_as_printed", erratum="e"),
     "theorems[1].printed_formal: required when status_printed is 'false_as_printed'"),
    (lambda d: d["theorems"][0].update(erratum="e"), "given although status_printed is 'ok'"),
    (lambda d: d["theorems"][0].update(method="magic"), "'magic' is not one of ring"),
    (lambda d: d["theorems"][0].update(part="7"), "theorems[1].part: unknown part '7'"),
    (lambda d: d["theorems"][0].update(id="one"), "theorems[0].id: expected an integer id"),
    (lambda d: d["parts"][0].update(theorems=[1, 1]), "theorems[2].part: theorem 2 lies outside"),
    (lambda d: d["facts"][0]["reference"].pop("year"), "facts[F_double].reference: missing required field 'year'"),
    (lambda d: d["facts"][0].update(id="double"), "facts[0].id: 'double' is not a fact id"),
    (lambda d: d["hypotheses"].append(dict(d["hypotheses"][0])), "hypotheses[hx_pos].id: duplicate id 'hx_pos'"),
    (lambda d: d["hypotheses"][0].update(prop="x <> 0"), "hypotheses[hx_pos].prop: syntax error"),
    (lambda d: d.update(schema_version=2), "schema_version: expected 1, got 2"),
    (lambda d: d.update(extra=1), "unknown key 'extra'"),
])
def test_schema_error(mutate, expected):
    probs = problems(mutate)
    assert any(expected in p for p in probs), probs


def test_all_problems_reported_together():
    def two(d):
        d["theorems"][0]["statement"]["goal"] = "q > 0"
        d["theorems"][1]["method"] = "magic"
    probs = problems(two)
    assert len(probs) == 2


def test_yaml_duplicate_key_rejected(tmp_path):
    p = tmp_path / "reg.yaml"
    p.write_text("schema_version: 1\nparts: []\nparts: []\nhypotheses: []\nfacts: []\ntheorems: []\n")
    with pytest.raises(RegistryError, match="duplicate key 'parts'"):
        load(p)


def test_yaml_tags_are_not_constructed(tmp_path):
    p = tmp_path / "reg.yaml"
    p.write_text("schema_version: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(RegistryError, match="tags .* are not allowed"):
        load(p)


def test_missing_file(tmp_path):
    with pytest.raises(RegistryError, match="cannot read"):
        load(tmp_path / "nope.yaml")
