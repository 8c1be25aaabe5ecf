"""Fuzzing the verifier's inputs with Hypothesis (issue 16, section 6).

Generated expressions, registries, certificate files and whole scratch registries
run through the parser, the registry loader, the certificate schema, the kernel,
the search, Z3, SymPy and the vacuity check.  Each example runs in a forked
worker with a memory limit and a per-example deadline (tests/fuzz_sandbox.py):
zero crashes, zero hangs, and every error names its entry.  Soundness is checked
on the way: no fuzzed certificate makes the kernel accept a false mutant, and
no theorem of a fuzzed registry is kernel-proved while Z3 refutes it.

The executed counts are asserted per test (their quotas add up to 10,700) and
written to build/fuzz_counts.json.
"""
import copy
import json
import random
import re
import tempfile
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from fuzz_sandbox import Sandbox
from verifier import certschema, kernel, mutate, pipeline, vacuity, z3backend
from verifier.expr import ParseError, parse_prop, parse_term, show, show_prop
from verifier.registry import RegistryError, load, loads

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
V = ["H", "T", "x"]
REG = load()
BY_ID = REG.by_id()
CERTS = pipeline.load_certificates()
BATCH = 10                      # inputs per Hypothesis example for the seeded generators
QUOTA = {"expressions": 5100, "terms": 1000, "registries": 2300, "certificates": 2000,
         "pipelines": 80}
COUNTS = {}
OUTCOMES = {}
def fuzz(n):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


# -- what the worker runs -----------------------------------------------------------

def _where_ok(msg, where):
    assert msg.startswith(where + ": "), f"error does not name its entry: {msg!r}"


def ex_prop(text):
    where = "theorems[7].statement.goal"
    try:
        rels = parse_prop(text, V, where)
    except ParseError as exc:
        _where_ok(str(exc), where)
        return "rejected"
    try:
        assert parse_prop(show_prop(rels), V, where) == rels, "show does not round-trip"
    except ParseError as exc:           # a chain's middle term is written twice by show
        assert "syntax nodes" in str(exc) or "characters" in str(exc), str(exc)
    try:
        ok = kernel.check(V, [], rels, {"goals": [{"method": "eq", "terms": []}] * len(rels)})
    except kernel.KernelError:
        ok = False
    if ok:                                   # accepted as identities: Z3 must not refute
        z, _, _ = z3backend.prove(V, [], rels)
        assert z != z3backend.REFUTED, f"kernel accepted {text!r}, Z3 refutes it"
    tr = z3backend._Tr(V)
    for r in rels:
        tr.rel(r)
        vacuity.holds(r, {"H": Fraction(1, 3), "T": Fraction(2), "x": Fraction(-1, 2)})
    return "parsed"


def ex_term(text):
    where = "hypotheses[hx].with.H"
    try:
        e = parse_term(text, V, where)
    except ParseError as exc:
        _where_ok(str(exc), where)
        return "rejected"
    assert parse_term(show(e), V, where) == e
    try:
        kernel._Norm()(e)
    except kernel.KernelError:
        pass
    return "parsed"


_LOCATION = re.compile(r"^(<registry>|reg\.yaml|parts|hypotheses|facts|theorems|claims)"
                       r"([\[.,].*?)?: \S", re.S)


def ex_registry(raw):
    try:
        reg = loads(raw, Path("reg.yaml"))
    except RegistryError as exc:
        assert exc.problems, "RegistryError without problems"
        for p in exc.problems:
            assert _LOCATION.match(p), f"problem does not name its entry: {p[:200]!r}"
        return "rejected"
    return f"loaded {len(reg.theorems)}"


def ex_certificate(text, tid, false_mutants):
    name = "part_fuzz.json"
    try:
        certs = certschema.parse_file(text.encode("utf-8", "surrogatepass"), name)
    except certschema.CertificateSchemaError as exc:
        assert str(exc).startswith(name), f"error does not name the file: {exc}"
        return "rejected by schema"
    t = BY_ID[tid]
    lemmas = pipeline.lemma_facts(t, BY_ID, set(BY_ID) - {tid})
    verdicts = []
    for c in certs:
        status, msg = pipeline.kernel_check(t, c, lemmas)
        assert status in (z3backend.PROVED, z3backend.ERROR), (status, msg)
        verdicts.append(status)
        for st_ in false_mutants:
            mt_lemmas = lemmas
            try:
                kernel.check(st_.vars, st_.premises, st_.goal, c, mt_lemmas)
            except kernel.KernelError:
                continue
            raise AssertionError(f"kernel accepted a false mutant of theorem {tid}: "
                                 f"{show_prop(st_.goal)}")
    return ",".join(verdicts)


def ex_pipeline(text):
    try:
        reg = loads(text, Path("reg.yaml"))
    except RegistryError as exc:
        for p in exc.problems:
            assert _LOCATION.match(p), f"problem does not name its entry: {p[:200]!r}"
        return "rejected"
    with tempfile.TemporaryDirectory() as d:
        pipeline.certify(reg, proofs_dir=d)
        rows, summary = pipeline.verify(reg, proofs_dir=d)
    for r in rows:
        if r["kernel"] == z3backend.PROVED:
            assert r["z3"] != z3backend.REFUTED, f"kernel proved what Z3 refutes: {r}"
        vac = r["vacuity"]
        if vac["status"] == vacuity.NON_VACUOUS:
            t = reg.theorem(r["id"])
            point = {k: Fraction(v) for k, v in vac["model"].items()}
            assert all(vacuity.holds(rel, point) for _, rel in t.statement.premises)
    assert summary["kernel_proved"] <= summary["non_vacuous"]
    return f"{summary['kernel_proved']}/{summary['theorems']}"


FNS = {"prop": ex_prop, "term": ex_term, "registry": ex_registry, "certificate": ex_certificate,
       "pipeline": ex_pipeline}


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox(FNS, per_item=10.0, deadline=120.0)
    yield box
    box.close()
    out = ROOT / "build" / "fuzz_counts.json"
    out.parent.mkdir(exist_ok=True)
    old = json.loads(out.read_text()) if out.exists() else {}
    old.update(COUNTS)
    old["total"] = sum(v for k, v in old.items() if k in QUOTA)
    old["outcomes"] = dict(sorted(OUTCOMES.items()))
    out.write_text(json.dumps(old, indent=1) + "\n")


def _run(box, counter, name, *inputs):
    """Run a batch of inputs (each a tuple of arguments) in the sandbox; all must be ok."""
    COUNTS[counter] = COUNTS.get(counter, 0) + len(inputs)
    answers = box.run([(name, args) for args in inputs])
    for args, (status, detail) in zip(inputs, answers):
        assert status == "ok", f"{status} on {name} {str(args)[:300]}:\n{detail}"
        key = f"{counter}: {str(detail).split(' ')[0]}"
        OUTCOMES[key] = OUTCOMES.get(key, 0) + 1
    assert len(answers) == len(inputs)


# -- strategies ------------------------------------------------------------------------

ATOMS = ["H", "T", "x", "0", "1", "2", "3", "1/2", "10", "100000000000000000000", "y", "Ｈ",
         "ℌ", "𝐻", "0x40", "1_0", "1.5", "1e3", "True", "_x", "H.real", "'s'", "[H]", "(H)"]
NOISE = st.text(alphabet=st.sampled_from(list("Hx T()+-*/<>=.,_#\\\n0123456789abrpowand;:[]{}'\"!@$%&|^~`") +
                                         ["Ｈ", "ｒ", "𝐻", "é", "\u200b", "\x00", "ℌ"]), max_size=40)
EXPR = st.recursive(
    st.sampled_from(ATOMS),
    lambda c: st.one_of(
        st.tuples(c, st.sampled_from(["+", "-", "*", "/", " // ", "%"]), c).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(c, st.integers(-70, 70)).map(lambda t: f"({t[0]})**{t[1]}"),
        st.tuples(c, st.sampled_from(["64", "0x40", "H", "1/2", "-1", "65"])).map(
            lambda t: f"{t[0]}**{t[1]}"),
        st.tuples(c, c).map(lambda t: f"rpow({t[0]}, {t[1]})"),
        c.map(lambda s: f"-{s}"),
        c.map(lambda s: f"exp({s})"),
    ),
    max_leaves=14)
REL = st.sampled_from(["<", "<=", "==", ">", ">=", "!=", "=", " and ", " or "])


@st.composite
def props(draw):
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(NOISE)
    parts = [draw(EXPR)]
    for _ in range(draw(st.integers(1, 3))):
        parts += [draw(REL), draw(EXPR)]
    text = " ".join(parts)
    if kind == 1:                       # a stray character somewhere
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(NOISE) + text[i:]
    return text


def _mini(hyps, goals):
    return {
        "schema_version": 1,
        "parts": [{"id": "1", "title": "fuzz", "theorems": [1, 9], "method": "linarith"}],
        "hypotheses": [{"id": f"hx{i}", "vars": ["H", "T"], "prop": h, "text": "fuzzed"}
                       for i, h in enumerate(hyps)],
        "facts": [],
        "theorems": [{"id": j + 1, "name": f"fuzz{j + 1}", "lean_name": f"fuzz_{j + 1}", "part": "1",
                      "printed": "fuzz", "statement": {"vars": ["H", "T"],
                                                       "assume": [f"hx{i}" for i in range(len(hyps))],
                                                       "goal": g},
                      "uses": [f"hx{i}" for i in range(len(hyps))], "method": "linarith",
                      "status_printed": "ok"} for j, g in enumerate(goals)],
    }


YAML_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**40, 10**40), st.text(max_size=20),
              st.floats(allow_nan=True), props()),
    lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=8), c, max_size=4)),
    max_leaves=10)
SIMPLE_EXPR = st.recursive(
    st.sampled_from(["H", "T", "0", "1", "2", "1/2", "1/3"]),
    lambda c: st.one_of(
        st.tuples(c, st.sampled_from(["+", "-", "*", "/"]), c).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(c, st.integers(0, 3)).map(lambda t: f"({t[0]})**{t[1]}"),
        st.tuples(c, c).map(lambda t: f"rpow({t[0]}, {t[1]})")),
    max_leaves=5)
SIMPLE_PROP = st.tuples(SIMPLE_EXPR, st.sampled_from(["<", "<=", "==", ">", ">="]), SIMPLE_EXPR).map(
    lambda t: " ".join(t))


def _dump(doc):
    return yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False,
                     allow_unicode=True)


# seeded generators: Hypothesis draws the seed, a plain grammar expands it (cheap, so the
# suite reaches its counts inside the test budget); the strategies above shrink, these scale
GOOD_ATOMS, BAD_ATOMS = ATOMS[:10], ATOMS[10:]
OPS, BAD_OPS = ["+", "-", "*", "/"], [" // ", "%", "@", "**"]
EXPS = [str(k) for k in range(-70, 71, 3)] + ["64", "65", "-1", "(-2)"]
BAD_EXPS = ["0x40", "H", "1/2", "1_0", "0b1", "2.0"]
RELS, BAD_RELS = ["<", "<=", "==", ">", ">=", "< 1 <"], ["!=", "=", " or ", " is "]


def _pick(rng, good, bad, p_bad=0.01):
    return rng.choice(bad) if rng.random() < p_bad else rng.choice(good)
NOISE_CHARS = list("Hx T()+-*/<>=.,_#\\\n0123456789abrpowand;:[]{}'\"!@$%&|^~`") + \
    ["Ｈ", "ｒ", "𝐻", "é", "\u200b", "\x00", "ℌ", "\t", "\r"]
BOMBS = ["((H + 1)**64)**64 == 0", "((H + T + x + 1)**20)**3 > 0", "(H + 1)**64 * (T + 1)**64 > 0",
         "rpow(rpow(rpow(rpow(rpow(T, H), H), H), H), H) > 0", "(" * 300 + "H" + ")" * 300 + " > 0",
         "-" * 200 + "H > 0", " + ".join(["H"] * 500) + " > 0", "H" * 3000 + " > 0",
         "1" * 40 + " > H", "H/(H - H) > 0", "H**-1/(T - T)**-2 > 0", "0**-1 > H"]


def rng_expr(rng, depth=0):
    if depth > 5 or rng.random() < 0.3:
        return _pick(rng, GOOD_ATOMS, BAD_ATOMS)
    k = rng.randrange(9)
    a = rng_expr(rng, depth + 1)
    if k <= 2:
        return f"({a} {_pick(rng, OPS, BAD_OPS)} {rng_expr(rng, depth + 1)})"
    if k == 3:
        return f"({a})**{_pick(rng, EXPS, BAD_EXPS)}"
    if k == 4:
        return f"rpow({a}, {rng_expr(rng, depth + 1)})"
    if k == 5:
        return f"-{a}"
    if k == 6:
        return f"{_pick(rng, ['rpow'], ['exp', 'abs', '__import__', 'H'], 0.05)}({a}, {a})"
    if k == 7:
        return f"{a} {_pick(rng, OPS, BAD_OPS)} {rng_expr(rng, depth + 1)}"
    return f"({a})"


def rng_noise(rng, n=40):
    return "".join(rng.choice(NOISE_CHARS) for _ in range(rng.randint(0, n)))


def rng_prop(rng):
    u = rng.random()
    if u < 0.05:
        return rng_noise(rng)
    if u < 0.08:
        return rng.choice(BOMBS)
    rels = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        parts = [rng_expr(rng)]
        for _ in range(rng.choice([1, 1, 1, 2])):
            parts += [_pick(rng, RELS, BAD_RELS, 0.03), rng_expr(rng)]
        rels.append(" ".join(parts))
    text = _pick(rng, [" and "], [" or ", ", ", " & "], 0.05).join(rels)
    if rng.random() < 0.08:
        i = rng.randint(0, len(text))
        text = text[:i] + rng_noise(rng, 4) + text[i:]
    return text


def rng_value(rng, depth=0):
    k = rng.randrange(12 if depth < 3 else 8)
    if k == 0:
        return None
    if k == 1:
        return rng.choice([True, False])
    if k == 2:
        return rng.randint(-10**40, 10**40)
    if k == 3:
        return rng.choice([0.5, float("nan"), float("inf"), -0.0])
    if k in (4, 5):
        return rng_prop(rng)
    if k in (6, 7):
        return rng_noise(rng, 12)
    if k in (8, 9):
        return [rng_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng_noise(rng, 6) or "k": rng_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def rng_simple_prop(rng):
    def e(d=0):
        if d > 2 or rng.random() < 0.4:
            return rng.choice(["H", "T", "0", "1", "2", "1/2", "1/3"])
        k = rng.randrange(3)
        if k == 0:
            return f"({e(d + 1)} {rng.choice('+-*/')} {e(d + 1)})"
        if k == 1:
            return f"({e(d + 1)})**{rng.randint(0, 3)}"
        return f"rpow({e(d + 1)}, {e(d + 1)})"
    return f"{e()} {rng.choice(['<', '<=', '==', '>', '>='])} {e()}"


def rng_registry(rng):
    hyps = [rng_prop(rng) if rng.random() < 0.15 else rng_simple_prop(rng)
            for _ in range(rng.randint(0, 3))]
    goals = [rng_prop(rng) if rng.random() < 0.15 else rng_simple_prop(rng)
             for _ in range(rng.randint(1, 3))]
    doc = _mini(hyps, goals)
    if rng.random() < 0.1:
        doc["claims"] = [{"id": "C_fuzz", "section": "1", "printed": rng_noise(rng, 10),
                          "value": rng_value(rng), "expr": rng_prop(rng),
                          "verdict": rng.choice(["correct", "incorrect", "undecided", None])}]
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        paths = list(_paths(doc))
        path = rng.choice(paths)
        action = rng.randrange(4)
        parent = doc
        for p in path[:-1]:
            parent = parent[p]
        if action == 0 or not path:
            doc = _set(doc, path, rng_value(rng))
        elif action == 1 and isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif action == 2 and isinstance(parent, dict):
            parent[rng_noise(rng, 8) or "x"] = rng_value(rng)
        elif action == 3 and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    text = _dump(doc)
    u = rng.random()
    if u < 0.1:
        i = rng.randint(0, len(text))
        text = text[:i] + rng.choice(
            ["&a ", "*a", "!!python/object:os.system ", "[" * 40, "{" * 40, ": :", "\t", "\x00",
             "? [1]\n: 2\n", "\n  - ", "# c", "Ｈ", "'", "a: &x [1]\nb: *x\n"]) + text[i:]
    elif u < 0.15:
        return text.encode("utf-8") + bytes(rng.randrange(256) for _ in range(3)) + b"\xff"
    return text


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _set(obj, path, value):
    if not path:
        return value
    cur = obj
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return obj


@st.composite
def registries(draw):
    doc = _mini(draw(st.lists(props(), min_size=0, max_size=3)),
                draw(st.lists(props(), min_size=1, max_size=3)))
    for _ in range(draw(st.integers(0, 3))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        action = draw(st.integers(0, 3))
        parent = doc
        for p in path[:-1]:
            parent = parent[p]
        if action == 0 or not path:
            doc = _set(doc, path, draw(YAML_VALUES))
        elif action == 1 and isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif action == 2 and isinstance(parent, dict):
            parent[draw(st.text(max_size=10))] = draw(YAML_VALUES)
        elif action == 3 and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    text = _dump(doc)
    how = draw(st.integers(0, 9))
    if how == 0:                                   # raw damage to the text
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(
            ["&a ", "*a", "!!python/object:os.system ", "[" * 40, "{" * 40, ": :", "\t", "\x00",
             "? [1]\n: 2\n", "\n  - ", "# c", "Ｈ", "'"])) + text[i:]
    if how == 1:
        return text.encode("utf-8") + draw(st.binary(min_size=1, max_size=4)) + b"\xff"
    return text


# -- the tests ---------------------------------------------------------------------------

SEEDS = st.integers(0, 2**64 - 1).map(random.Random)     # Hypothesis picks the seed


@fuzz(300)
@given(props())
def test_fuzz_expressions_structured(sandbox, text):
    _run(sandbox, "expressions", "prop", (text,))


@fuzz((QUOTA["expressions"] - 300) // BATCH)
@given(SEEDS)
def test_fuzz_expressions(sandbox, rng):
    _run(sandbox, "expressions", "prop", *[(rng_prop(rng),) for _ in range(BATCH)])


@fuzz(QUOTA["terms"] // BATCH)
@given(SEEDS)
def test_fuzz_terms(sandbox, rng):
    _run(sandbox, "terms", "term",
         *[((rng_expr(rng) if rng.random() < 0.9 else rng_noise(rng)),) for _ in range(BATCH)])


@fuzz(100)
@given(registries())
def test_fuzz_registries_structured(sandbox, raw):
    _run(sandbox, "registries", "registry", (raw,))


@fuzz((QUOTA["registries"] - 100) // BATCH)
@given(SEEDS)
def test_fuzz_registries(sandbox, rng):
    _run(sandbox, "registries", "registry", *[(rng_registry(rng),) for _ in range(BATCH)])


def _false_mutants():
    out = {}
    for tid in sorted(CERTS):
        t = BY_ID[tid]
        if not CERTS[tid]["steps"] and tid % 5:
            continue                            # every theorem with steps, and a fifth of the rest
        found = []
        for kind, _, st_ in mutate.mutants(t):
            if kind in ("flip", "perturb", "weaken", "sides", "rpow", "exponent"):
                z, cex, _ = z3backend.prove(st_.vars, st_.premises, st_.goal)
                if z in (z3backend.REFUTED, z3backend.UNKNOWN) and cex:
                    found.append(st_)
            if len(found) >= 3:
                break
        out[tid] = found
    return out


@pytest.fixture(scope="module")
def false_mutants():
    return _false_mutants()


def rng_certificate(rng, false_mutants):
    tid = rng.choice(sorted(false_mutants))
    cert = copy.deepcopy(CERTS[tid])
    facts = ["neg", "s:1", "s:2", "s:3", "t:15", "t:13"] + \
        [f"h:{lab}" for lab, _ in BY_ID[tid].statement.premises]
    for _ in range(rng.randint(1, 4)):
        paths = list(_paths(cert))
        path = rng.choice(paths)
        action = rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 6] if rng.random() < 0.3 else [1, 2, 3, 4, 5])
        if action == 0:
            cert = _set(cert, path, rng_value(rng))
        elif action == 1:                       # a coefficient
            q = Fraction(rng.randint(-100, 100), rng.randint(1, 50))
            cs = [p for p in paths if p and p[-1] == "c"]
            if cs:
                _set(cert, rng.choice(cs), f"{q.numerator}/{q.denominator}")
        elif action == 2:                       # a reference
            refs = [p for p in paths if len(p) >= 2 and p[-2] == "of"]
            if refs:
                _set(cert, rng.choice(refs), rng.choice(facts))
        elif action == 3:                       # an extra term
            ts = [p for p in paths if p and p[-1] == "terms" and isinstance(_get(cert, p), list)]
            if ts:
                _get(cert, rng.choice(ts)).append(rng.choice([
                    {"c": "1", "of": [rng.choice(facts)]},
                    {"c": "1", "of": [rng.choice(facts), rng.choice(facts)]},
                    {"c": rng.choice(["1", "2", "-1", "1/3"]), "sq": rng_simple_prop(rng).split(" ")[0]},
                    {"c": "0", "of": [rng.choice(facts)], "times": rng_expr(rng)},
                    {"c": "-1", "of": [rng.choice(facts)], "times": rng.choice(["H", "T", "H*T", "2"])}]))
        elif action == 4:                       # an extra step
            steps = cert.get("steps") if isinstance(cert, dict) else None
            if isinstance(steps, list):
                steps.insert(rng.randint(0, len(steps)), rng.choice([
                    {"lemma": "rpow_pos", "base": rng.choice(["T", "H", "T - 1", "2"]),
                     "exp": rng.choice(["H", "1/2", "H + 1/2"])},
                    {"lemma": rng.choice(["inv_pos", "inv_neg", "mul_inv", "sq_pos"]),
                     "arg": rng.choice(["H", "T", "H + 1/2", "1 - 2*H", "2"])},
                    {"prop": rng_simple_prop(rng), "proof": {"method": "refute", "terms": [
                        {"c": "1", "of": ["neg"]}]}}]))
        elif action == 5 and isinstance(cert, dict) and isinstance(cert.get("goals"), list) \
                and cert["goals"] and isinstance(cert["goals"][0], dict):
            cert["goals"][0]["method"] = rng.choice(["cite", "eq", "refute", "magic"])
        elif action == 6:                       # nesting
            cert = _set(cert, path, json.loads("[" * 30 + "1" + "]" * 30))
    text = json.dumps({"part": "fuzz", "certificates": [cert]}, ensure_ascii=False)
    if rng.random() < 0.05:
        i = rng.randint(0, len(text))
        text = text[:i] + rng.choice(["{", "]", "\"", "\\", "[" * 5000, ","]) + text[i:]
    return text, tid, false_mutants[tid]


def _get(obj, path):
    for p in path:
        obj = obj[p]
    return obj


@fuzz(QUOTA["certificates"] // BATCH)
@given(SEEDS)
def test_fuzz_certificates(sandbox, false_mutants, rng):
    _run(sandbox, "certificates", "certificate",
         *[rng_certificate(rng, false_mutants) for _ in range(BATCH)])


@fuzz(QUOTA["pipelines"])
@given(st.lists(SIMPLE_PROP, min_size=1, max_size=3), st.lists(SIMPLE_PROP, min_size=1, max_size=2))
def test_fuzz_whole_pipeline(sandbox, hyps, goals):
    _run(sandbox, "pipelines", "pipeline", (_dump(_mini(hyps, goals)),))


def _segfault():
    import ctypes
    return ctypes.string_at(0)


def _spin():
    while True:
        pass


def _hog():
    return len(bytearray(3_000_000_000))


def _boom():
    raise KeyError("boom")


def test_sandbox_reports_crashes_hangs_and_memory():
    """The harness can fail: a segfault, a hang, a memory hog and a stray exception are caught."""
    box = Sandbox({"segv": _segfault, "spin": _spin, "hog": _hog, "boom": _boom},
                  per_item=1.0, deadline=20.0)
    try:
        assert box.run([("segv", ())])[0][0] == "crash"
        assert box.run([("spin", ())])[0][0] == "hang"
        assert box.run([("hog", ())])[0][0] == "crash"
        status, detail = box.run([("boom", ())])[0]
        assert status == "crash" and "KeyError" in detail
    finally:
        box.close()


def test_fuzz_counts_met():
    """Runs last in this module: every fuzz test executed its whole quota."""
    if len(COUNTS) < len(QUOTA):
        pytest.skip("only part of the fuzz module was selected")
    missing = {k: (COUNTS.get(k, 0), q) for k, q in QUOTA.items() if COUNTS.get(k, 0) < q}
    assert not missing, missing
    assert sum(COUNTS.values()) >= 10_000
