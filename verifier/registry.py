"""Load and validate ``theorem_index.yaml``; lower it to typed statements.

The registry is input: it is read with a safe YAML loader that also rejects
duplicate keys, every field is checked against the schema below, and every
expression goes through the whitelisting parser (``verifier.expr``).  All the
problems found are reported together, each naming the entry and the field.
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path
from typing import Optional

import yaml

from verifier.expr import ParseError, parse_prop, parse_term, show, show_prop, substitute

def _find_root():
    """The checkout to work on: the nearest folder above the working directory that
    holds theorem_index.yaml, else the one this package sits in."""
    here = Path.cwd().resolve()
    for d in (here, *here.parents):
        if (d / "theorem_index.yaml").is_file():
            return d
    return Path(__file__).resolve().parent.parent


ROOT = _find_root()
DEFAULT_PATH = ROOT / "theorem_index.yaml"

STATUSES = ("ok", "garbled", "false_as_printed", "needs_side_condition")
METHODS = ("ring", "linarith", "nlinarith", "exact", "exact_apply", "note")
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_HYP_ID = re.compile(r"^h[A-Za-z0-9_]+$")
_FACT_ID = re.compile(r"^F_[a-z0-9_]+$")

TOP_KEYS = {"schema_version": True, "title": False, "source": False, "parts": True,
            "hypotheses": True, "facts": True, "theorems": True, "claims": False}
PART_KEYS = {"id": True, "title": True, "theorems": True, "method": True}
HYP_KEYS = {"id": True, "vars": True, "prop": True, "text": True, "source": False}
FACT_KEYS = {"id": True, "vars": True, "prop": True, "text": True, "reference": True,
             "witness": False}
SOURCE_KEYS = {"title": True, "author": True, "date": True, "status": False}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REF_KEYS = {"authors": True, "year": True, "result": True, "title": False, "note": False}
THM_KEYS = {"id": True, "name": True, "lean_name": True, "part": True, "printed": True,
            "statement": True, "uses": True, "method": True, "status_printed": True,
            "erratum": False, "printed_formal": False, "duplicate_of": False, "witness": False,
            "note": False}
STMT_KEYS = {"vars": True, "assume": False, "goal": True}
ASSUME_KEYS = {"ref": True, "with": False, "as": False}


class RegistryError(ValueError):
    """The registry is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems):
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) in the registry:"
        super().__init__("\n".join([head] + [f"  - {p}" for p in self.problems]))


@dataclasses.dataclass(frozen=True)
class Statement:
    vars: tuple            # variable names
    premises: tuple        # ((label, relation IR), ...), one per conjunct
    assumptions: tuple     # ((label, ref id, kind), ...) as written
    goal: tuple            # relation IRs (a conjunction)

    def digest(self):
        text = repr((self.vars, self.premises, self.goal))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def show(self, style="math"):
        hyps = [show(r, style=style) for _, r in self.premises]
        goal = show_prop(self.goal, style=style)
        return (", ".join(hyps) + " ⊢ " if hyps else "⊢ ") + goal


@dataclasses.dataclass(frozen=True)
class Hypothesis:
    id: str
    vars: tuple
    prop: tuple
    text: str
    source: str


@dataclasses.dataclass(frozen=True)
class Fact:
    id: str
    vars: tuple
    prop: tuple
    text: str
    reference: dict
    witness: Optional[dict]


@dataclasses.dataclass(frozen=True)
class Theorem:
    id: int
    name: str
    lean_name: str
    part: str
    printed: str
    statement: Statement
    printed_formal: Optional[Statement]
    uses: tuple
    method: str
    status_printed: str
    erratum: str
    duplicate_of: Optional[int]
    witness: Optional[dict]
    note: str


@dataclasses.dataclass
class Registry:
    path: Path
    parts: list
    hypotheses: dict
    facts: dict
    theorems: list
    claims: tuple = ()      # verifier.claims.Claim, the paper's numeric claims
    source: Optional[dict] = None   # the paper: title, author, date (YYYY-MM-DD), status

    def theorem(self, key):
        for t in self.theorems:
            if str(t.id) == str(key) or t.name == key or t.lean_name == key:
                return t
        raise KeyError(key)

    def by_id(self):
        return {t.id: t for t in self.theorems}


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


def _mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a plain scalar, not a {type(key).__name__}",
                key_node.start_mark) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


class _Checker:
    def __init__(self, path):
        self.path = path
        self.problems = []

    def err(self, where, msg):
        msg = str(msg)
        if len(msg) > MAX_MESSAGE:
            msg = msg[:MAX_MESSAGE - 5] + " ...)"
        self.problems.append(f"{where}: {msg}")

    def keys(self, obj, spec, where):
        if not isinstance(obj, dict):
            self.err(where, f"expected a mapping, got {type(obj).__name__}")
            return False
        for k in obj:
            if k not in spec:
                self.err(where, f"unknown key {k!r} (allowed: {', '.join(spec)})")
        for k, required in spec.items():
            if required and k not in obj:
                self.err(where, f"missing required field {k!r}")
        return True

    def section(self, data, key, name):
        v = data.get(key)
        if v is None:
            return []
        if not isinstance(v, list):
            self.err(f"{name}.{key}", f"expected a list, got {type(v).__name__}")
            return []
        return v

    def string(self, obj, key, where, pattern=None, what=""):
        v = obj.get(key)
        if v is None:
            return None
        if not isinstance(v, str) or not v.strip():
            self.err(f"{where}.{key}", f"expected a non-empty string, got {v!r}")
            return None
        if pattern is not None and not pattern.match(v):
            self.err(f"{where}.{key}", f"{v!r} is not {what}")
        return v

    def varlist(self, obj, where):
        v = obj.get("vars")
        if not isinstance(v, list) or not all(isinstance(x, str) and _NAME.match(x) for x in v):
            self.err(f"{where}.vars", f"expected a list of variable names, got {v!r}")
            return ()
        if len(set(v)) != len(v):
            self.err(f"{where}.vars", f"repeated variable in {v!r}")
        return tuple(v)

    def prop(self, text, variables, where):
        try:
            return self.defined(parse_prop(text, variables, where), where)
        except ParseError as exc:
            self.err(exc.where, exc.message)
            return None

    def defined(self, rels, where):
        """The relations, or None (with a problem) if a denominator is identically 0."""
        from verifier import kernel

        norm = kernel._Norm()
        try:
            for r in rels:
                kernel._fact(norm, r)
        except kernel.KernelError as exc:
            self.err(where, f"{exc} in {show(r)[:80]!r}")
            return None
        return rels


MAX_FILE_BYTES = 4_000_000      # the registry is ~150 kB
MAX_YAML_DEPTH = 32             # collections inside collections (the registry needs ~6)
MAX_MESSAGE = 300               # characters of one problem message


def _pre_scan(text, name):
    """Refuse what a hand-written registry never needs, before the YAML composer sees it.

    A token scan (flat, no recursion) rejects anchors, aliases and tags and bounds the
    nesting depth, so neither a billion-laughs expansion nor 30,000 nested '[' reaches
    the (recursive) composer and constructor.
    """
    depth = 0
    opens = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken,
             yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)
    closes = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
    try:
        for tok in yaml.scan(text, Loader=_UniqueKeyLoader):
            where = f"{name}, line {tok.start_mark.line + 1}, column {tok.start_mark.column + 1}"
            if isinstance(tok, (yaml.AnchorToken, yaml.AliasToken)):
                raise RegistryError([f"{where}: YAML anchors and aliases ('&', '*') are not "
                                     f"allowed in the registry; write the value out"])
            if isinstance(tok, yaml.TagToken):
                raise RegistryError([f"{where}: YAML tags ('!') are not allowed in the registry"])
            if isinstance(tok, opens):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise RegistryError([f"{where}: collections nested deeper than "
                                         f"{MAX_YAML_DEPTH} levels"])
            elif isinstance(tok, closes):
                depth -= 1
    except yaml.YAMLError as exc:
        raise RegistryError([f"{name}: not valid YAML: {_short(exc)}"]) from None


def _short(exc):
    msg = str(exc)
    return msg if len(msg) <= MAX_MESSAGE else msg[:MAX_MESSAGE - 4] + " ..."


def _size_ok(n, name):
    if n > MAX_FILE_BYTES:
        raise RegistryError([f"{name}: {n} bytes; a registry may have at most {MAX_FILE_BYTES}"])


def load(path=None) -> Registry:
    """Load, validate and lower the registry; raise RegistryError listing all problems."""
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        _size_ok(path.stat().st_size, path.name)        # before reading a huge file
        raw = path.read_bytes()
    except OSError as exc:
        raise RegistryError([f"{path}: cannot read ({exc.strerror})"]) from None
    return loads(raw, path)


def loads(raw, path=Path("<registry>")) -> Registry:
    """Load registry text (bytes or str) with the same checks as ``load``."""
    name = Path(path).name
    _size_ok(len(raw), name)
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            raise RegistryError([f"{name}: not UTF-8 text (byte {exc.start}, line {line}: "
                                 f"{exc.reason})"]) from None
    else:
        text = raw
    if "\x00" in text:
        raise RegistryError([f"{name}: contains a NUL character"])
    _pre_scan(text, name)
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise RegistryError([f"{name}: not valid YAML: {_short(exc)}"]) from None
    except RecursionError:
        raise RegistryError([f"{name}: nested too deeply"]) from None
    return lower(data, path)


def lower(data, path=Path("<registry>")) -> Registry:
    c = _Checker(path)
    name = Path(path).name
    if not c.keys(data, TOP_KEYS, name):
        raise RegistryError(c.problems)
    if data.get("schema_version") != 1:
        c.err(f"{name}.schema_version", f"expected 1, got {data.get('schema_version')!r}")

    parts = []
    part_ids = {}
    for i, p in enumerate(c.section(data, "parts", name)):
        where = f"parts[{i}]"
        if not c.keys(p, PART_KEYS, where):
            continue
        pid = str(p.get("id"))
        rng = p.get("theorems")
        if rng is not None and not (isinstance(rng, list) and len(rng) in (0, 2)
                                    and all(isinstance(x, int) for x in rng)):
            c.err(f"{where}.theorems", f"expected [first, last] or [], got {rng!r}")
            rng = []
        if pid in part_ids:
            c.err(f"{where}.id", f"duplicate part id {pid!r}")
        part_ids[pid] = rng or []
        parts.append({"id": pid, "title": p.get("title"), "theorems": rng or [],
                      "method": p.get("method")})

    source = _source(c, data.get("source"), f"{name}.source")
    hyps, facts = {}, {}
    for h, where, hid, vs, prop in _declarations(c, data, "hypotheses", HYP_KEYS, _HYP_ID,
                                                  "a hypothesis id (h…)", hyps):
        hyps[hid] = Hypothesis(hid, vs, prop, str(h.get("text", "")), str(h.get("source", "")))
    for f, where, fid, vs, prop in _declarations(c, data, "facts", FACT_KEYS, _FACT_ID,
                                                  "a fact id (F_…)", hyps):
        ref = f.get("reference")
        if c.keys(ref, REF_KEYS, f"{where}.reference"):
            if not isinstance(ref.get("year"), int):
                c.err(f"{where}.reference.year", f"expected a year, got {ref.get('year')!r}")
        w = f.get("witness")
        if w is not None and not isinstance(w, dict):
            c.err(f"{where}.witness", "expected a mapping")
        facts[fid] = Fact(fid, vs, prop, str(f.get("text", "")), ref or {}, w)

    theorems, seen_ids, seen_names, seen_lean = [], set(), {}, {}
    for i, t in enumerate(c.section(data, "theorems", name)):
        where = f"theorems[{i}]"
        if isinstance(t, dict) and isinstance(t.get("id"), int) and not isinstance(t["id"], bool):
            where = f"theorems[{t['id']}]"
        if not c.keys(t, THM_KEYS, where):
            continue
        tid = t.get("id")
        if not isinstance(tid, int) or isinstance(tid, bool):
            c.err(f"{where}.id", f"expected an integer id, got {tid!r}")
            continue
        where = f"theorems[{tid}]"
        if tid in seen_ids:
            c.err(f"{where}.id", f"duplicate theorem id {tid}")
        seen_ids.add(tid)
        nm = c.string(t, "name", where, _NAME, "an identifier")
        ln = c.string(t, "lean_name", where, _SNAKE, "a Mathlib-style snake_case name")
        for val, seen, field in ((nm, seen_names, "name"), (ln, seen_lean, "lean_name")):
            if val in seen:
                c.err(f"{where}.{field}", f"{val!r} is already used by theorem {seen[val]}")
            elif val:
                seen[val] = tid
        part = str(t.get("part"))
        if part not in part_ids:
            c.err(f"{where}.part", f"unknown part {part!r}")
        elif part_ids[part] and not part_ids[part][0] <= tid <= part_ids[part][1]:
            c.err(f"{where}.part", f"theorem {tid} lies outside part {part}'s range {part_ids[part]}")
        c.string(t, "printed", where)
        method = t.get("method")
        if method not in METHODS:
            c.err(f"{where}.method", f"{method!r} is not one of {', '.join(METHODS)}")
        status = t.get("status_printed")
        if status not in STATUSES:
            c.err(f"{where}.status_printed", f"{status!r} is not one of {', '.join(STATUSES)}")
        erratum = t.get("erratum", "")
        if status in STATUSES and status != "ok" and not (isinstance(erratum, str) and erratum.strip()):
            c.err(f"{where}.erratum", f"required when status_printed is {status!r}")
        if status == "ok" and erratum:
            c.err(f"{where}.erratum", "given although status_printed is 'ok'")
        stmt = _statement(c, t.get("statement"), f"{where}.statement", hyps, facts)
        pf = None
        if "printed_formal" in t:
            pf = _statement(c, t.get("printed_formal"), f"{where}.printed_formal", hyps, facts)
        elif status in ("false_as_printed", "needs_side_condition"):
            c.err(f"{where}.printed_formal",
                  f"required when status_printed is {status!r} (the literal reading that Z3 refutes)")
        uses = t.get("uses")
        if not isinstance(uses, list):
            c.err(f"{where}.uses", f"expected a list, got {uses!r}")
            uses = []
        dup = t.get("duplicate_of")
        if dup is not None and not isinstance(dup, int):
            c.err(f"{where}.duplicate_of", f"expected a theorem id, got {dup!r}")
        w = t.get("witness")
        if w is not None and not isinstance(w, dict):
            c.err(f"{where}.witness", "expected a mapping")
        if stmt is not None and nm and ln:
            theorems.append(Theorem(tid, nm, ln, part, t.get("printed", ""), stmt, pf,
                                    tuple(uses), method, status, erratum or "", dup, w,
                                    str(t.get("note", ""))))

    _check_uses(c, theorems, hyps, facts, seen_ids)
    from verifier import claims as _claims
    claims = _claims.lower(data.get("claims"), c.err)
    if c.problems:
        raise RegistryError(c.problems)
    theorems.sort(key=lambda t: t.id)
    return Registry(Path(path), parts, hyps, facts, theorems, tuple(claims), source)


def _source(c, src, where):
    """The paper the registry transcribes, cited by title, author and date (not a path)."""
    if src is None:
        return None
    if not c.keys(src, SOURCE_KEYS, where):
        return None
    for k in SOURCE_KEYS:
        c.string(src, k, where)
    date = src.get("date")
    if isinstance(date, str) and not _DATE.match(date):
        c.err(f"{where}.date", f"expected a date YYYY-MM-DD (quoted), got {date!r}")
    return {k: src[k] for k in SOURCE_KEYS if isinstance(src.get(k), str)}


def _declarations(c, data, section, keys, pattern, what, taken):
    """Yield (entry, where, id, vars, prop) for each valid hypothesis or fact entry."""
    seen = set()
    for i, e in enumerate(c.section(data, section, Path(c.path).name)):
        where = f"{section}[{i}]"
        if not c.keys(e, keys, where):
            continue
        eid = c.string(e, "id", where, pattern, what)
        where = f"{section}[{eid}]" if eid else where
        if eid in seen or eid in taken and section != "hypotheses":
            c.err(f"{where}.id", f"duplicate id {eid!r}")
        seen.add(eid)
        vs = c.varlist(e, where)
        prop = c.prop(e.get("prop"), vs, f"{where}.prop")
        if eid and prop is not None:
            yield e, where, eid, vs, prop


def _statement(c, s, where, hyps, facts):
    if not c.keys(s, STMT_KEYS, where):
        return None
    vs = c.varlist(s, where)
    premises, assumptions, labels = [], [], set()
    assume = s.get("assume") or []
    if not isinstance(assume, list):
        c.err(f"{where}.assume", f"expected a list, got {assume!r}")
        assume = []
    for j, a in enumerate(assume):
        aw = f"{where}.assume[{j}]"
        if isinstance(a, str):
            a = {"ref": a}
        if not c.keys(a, ASSUME_KEYS, aw):
            continue
        ref = a.get("ref")
        src = (hyps.get(ref) or facts.get(ref)) if isinstance(ref, str) else None
        if src is None:
            c.err(f"{aw}.ref", f"{ref!r} is not a declared hypothesis or fact")
            continue
        kind = "hypothesis" if ref in hyps else "fact"
        label = a.get("as", ref)
        if not isinstance(label, str) or not _NAME.match(label):
            c.err(f"{aw}.as", f"expected an identifier, got {label!r}")
            continue
        if label in labels:
            c.err(f"{aw}", f"label {label!r} used twice (give the second an 'as' label)")
        labels.add(label)
        mapping = {}
        with_ = a.get("with") or {}
        if not isinstance(with_, dict):
            c.err(f"{aw}.with", f"expected a mapping of variable: term, got {with_!r}")
            continue
        ok = True
        for var, text in with_.items():
            if var not in src.vars:
                c.err(f"{aw}.with", f"{ref} has no variable {var!r} (it has {', '.join(src.vars)})")
                ok = False
                continue
            try:
                mapping[var] = parse_term(str(text), vs, f"{aw}.with.{var}")
            except ParseError as exc:
                c.err(exc.where, exc.message)
                ok = False
        for var in src.vars:
            if var not in mapping and var not in vs:
                c.err(f"{aw}", f"{ref} mentions {var!r}, which is neither a statement variable "
                               f"nor substituted with 'with'")
                ok = False
        if not ok:
            continue
        rels = c.defined([substitute(r, mapping) for r in src.prop], aw)
        if rels is None:
            continue
        assumptions.append((label, ref, kind))
        if len(rels) == 1:
            premises.append((label, rels[0]))
        else:
            premises.extend((f"{label}.{k + 1}", r) for k, r in enumerate(rels))
    goal = c.prop(s.get("goal"), vs, f"{where}.goal")
    if goal is None:
        return None
    return Statement(vs, tuple(premises), tuple(assumptions), goal)


def _check_uses(c, theorems, hyps, facts, ids):
    """ids: every theorem id declared (also those whose entry had other errors)."""
    graph = {}
    for t in theorems:
        where = f"theorems[{t.id}].uses"
        deps = []
        for u in t.uses:
            if isinstance(u, bool) or not isinstance(u, (int, str)):
                c.err(where, f"entry {u!r} is neither a theorem id nor a fact/hypothesis id")
            elif isinstance(u, int):
                if u not in ids:
                    c.err(where, f"theorem {u} is not declared")
                elif u == t.id:
                    c.err(where, "a theorem cannot use itself")
                else:
                    deps.append(u)
            elif u not in hyps and u not in facts:
                c.err(where, f"{u!r} is not a declared fact or hypothesis")
        for label, ref, kind in t.statement.assumptions:
            if ref not in t.uses:
                c.err(where, f"the statement assumes {ref!r} but uses does not list it")
        if t.duplicate_of is not None and t.duplicate_of not in ids:
            c.err(f"theorems[{t.id}].duplicate_of", f"theorem {t.duplicate_of} is not declared")
        graph[t.id] = deps
    # cycles
    state = {}
    for start in graph:
        stack = [(start, iter(graph[start]))]
        path = [start]
        if state.get(start) == 2:
            continue
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(nxt) == 1:
                cyc = path[path.index(nxt):] + [nxt]
                c.err(f"theorems[{nxt}].uses", "dependency cycle " + " -> ".join(map(str, cyc)))
                state[nxt] = 2
            elif state.get(nxt) is None:
                state[nxt] = 1
                stack.append((nxt, iter(graph.get(nxt, []))))
                path.append(nxt)


def used_theorems(t):
    return [u for u in t.uses if isinstance(u, int) and not isinstance(u, bool)]
