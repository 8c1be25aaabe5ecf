"""The schema of ``proofs/part_*.json``, checked before the kernel sees a certificate.

The kernel assumes well-formed input (dicts with string fields); a file edited by
hand or by an attacker (``null`` lists, list-valued refs, deeply nested JSON, a
hundred-megabyte file) is refused here with an error naming the file, the
theorem and the field, never a traceback.
"""
from __future__ import annotations

import json

from verifier.expr import MAX_TEXT
from verifier.kernel import MAX_ITEMS

MAX_FILE_BYTES = 2_000_000        # the largest part file today is ~2.5 kB
MAX_JSON_DEPTH = 12               # a certificate needs 7 levels
LEMMAS = {"rpow_pos": ("base", "exp"), "inv_pos": ("arg",), "inv_neg": ("arg",),
          "mul_inv": ("arg",)}


class CertificateSchemaError(ValueError):
    """A certificate file that does not follow the schema; names where."""


def _depth_ok(text):
    """Bracket depth of JSON text outside strings (a flat scan, no recursion)."""
    depth, in_str, esc = 0, False, False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def parse_file(raw, name):
    """Decode and validate one part file; returns its list of certificates."""
    if len(raw) > MAX_FILE_BYTES:
        raise CertificateSchemaError(f"{name}: {len(raw)} bytes (at most {MAX_FILE_BYTES})")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise CertificateSchemaError(f"{name}: not UTF-8 (byte {exc.start})") from None
    if not _depth_ok(text):
        raise CertificateSchemaError(f"{name}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise CertificateSchemaError(f"{name}: not valid JSON ({str(exc)[:120]})") from None
    _keys(data, {"part": (str,), "generated_by": (str,), "certificates": (list,)}, name,
          required=("certificates",))
    certs = data["certificates"]
    _count(certs, f"{name}.certificates")
    for i, c in enumerate(certs):
        validate(c, f"{name}.certificates[{i}]")
    return certs


def validate(c, where):
    """Raise CertificateSchemaError unless ``c`` is a well-formed certificate."""
    if isinstance(c, dict) and isinstance(c.get("id"), int) and not isinstance(c["id"], bool):
        where = f"{where} (theorem {c['id']})"
    _keys(c, {"id": (int,), "name": (str,), "digest": (str,), "steps": (list,), "goals": (list,)},
          where, required=("id", "steps", "goals"))
    if isinstance(c["id"], bool):
        raise CertificateSchemaError(f"{where}.id: expected an integer, got a boolean")
    _count(c["steps"], f"{where}.steps")
    _count(c["goals"], f"{where}.goals")
    for i, st in enumerate(c["steps"]):
        sw = f"{where}.steps[{i}]"
        if isinstance(st, dict) and "lemma" in st:
            name = st["lemma"]
            if not isinstance(name, str) or name not in LEMMAS:
                raise CertificateSchemaError(f"{sw}.lemma: {str(name)[:40]!r} is not one of "
                                             f"{', '.join(LEMMAS)}")
            fields = LEMMAS[name]
            _keys(st, {"lemma": (str,), **{f: (str,) for f in fields}}, sw, required=fields)
            for f in fields:
                _text(st[f], f"{sw}.{f}")
        else:
            _keys(st, {"prop": (str,), "proof": (dict,)}, sw, required=("prop", "proof"))
            _text(st["prop"], f"{sw}.prop")
            _proof(st["proof"], f"{sw}.proof")
    for j, g in enumerate(c["goals"]):
        _proof(g, f"{where}.goals[{j}]")


def _proof(p, where):
    if not isinstance(p, dict):
        raise CertificateSchemaError(f"{where}: expected an object, got {type(p).__name__}")
    method = p.get("method")
    if method == "cite":
        _keys(p, {"method": (str,), "ref": (str,)}, where, required=("method", "ref"))
        _text(p["ref"], f"{where}.ref")
        return
    if method not in ("eq", "refute"):
        raise CertificateSchemaError(f"{where}.method: {str(method)[:40]!r} is not one of "
                                     f"cite, eq, refute")
    _keys(p, {"method": (str,), "terms": (list,)}, where, required=("method", "terms"))
    _count(p["terms"], f"{where}.terms")
    for i, t in enumerate(p["terms"]):
        tw = f"{where}.terms[{i}]"
        if isinstance(t, dict) and "sq" in t and method == "refute":
            _keys(t, {"c": (str,), "sq": (str,)}, tw, required=("c", "sq"))
            _text(t["sq"], f"{tw}.sq")
        else:
            _keys(t, {"c": (str,), "of": (list,), "times": (str,)}, tw, required=("c", "of"))
            top = 1 if method == "eq" else 2
            if not 1 <= len(t["of"]) <= top or not all(isinstance(r, str) for r in t["of"]):
                raise CertificateSchemaError(f"{tw}.of: expected a list of 1 to {top} fact "
                                             f"names (strings)")
            for k, r in enumerate(t["of"]):
                _text(r, f"{tw}.of[{k}]")
            if "times" in t:
                _text(t["times"], f"{tw}.times")
        _text(t["c"], f"{tw}.c")


def _keys(obj, spec, where, required=()):
    if not isinstance(obj, dict):
        raise CertificateSchemaError(f"{where}: expected an object, got {type(obj).__name__}")
    for k, v in obj.items():
        if k not in spec:
            raise CertificateSchemaError(f"{where}: unknown field {str(k)[:40]!r} "
                                         f"(allowed: {', '.join(spec)})")
        if not isinstance(v, spec[k]):
            raise CertificateSchemaError(f"{where}.{k}: expected "
                                         f"{' or '.join(t.__name__ for t in spec[k])}, "
                                         f"got {type(v).__name__}")
    for k in required:
        if k not in obj:
            raise CertificateSchemaError(f"{where}: missing field {k!r}")


def _count(items, where):
    if len(items) > MAX_ITEMS:
        raise CertificateSchemaError(f"{where}: {len(items)} entries (at most {MAX_ITEMS})")


def _text(s, where):
    if not isinstance(s, str) or not s.strip():
        raise CertificateSchemaError(f"{where}: expected a non-empty string")
    if len(s) > MAX_TEXT:
        raise CertificateSchemaError(f"{where}: longer than {MAX_TEXT} characters")
