"""Colours and legend of the theorem index, in one place.

Restyle the site here: the graph (Graphviz), the status bars, the badges and the legend
all read these tables; ``css()`` writes them as CSS custom properties and classes.

A theorem node's *fill* says how far it is proved, its *border* what the numerical
witness says, a *dashed border* marks a paper erratum.  Colours are chosen to stay
distinguishable for the common colour-vision deficiencies (greens by lightness, witness
borders blue / orange / magenta / grey) and every status is also written in text.
"""
from __future__ import annotations

# fill: how far a theorem is proved (each level includes the ones before it)
PROOF = {
    "unproved": {"fill": "#f2a6a6", "text": "#000000", "label": "not proved by the kernel"},
    "kernel": {"fill": "#d4edc9", "text": "#000000", "label": "proved by the kernel (Z3, SymPy agree)"},
    "coq": {"fill": "#7cc47a", "text": "#000000", "label": "kernel + compiled by Coq"},
    "lean": {"fill": "#1b6b35", "text": "#ffffff", "label": "kernel + Coq + compiled by Lean"},
}
# border: the witness verdict of a theorem or fact
WITNESS = {
    "PASS": {"colour": "#2166ac", "label": "witnessed (PASS)"},
    "PASS_WITH_FINDING": {"colour": "#1b9e77", "label": "witnessed (PASS), with a finding noted"},
    "FINDING": {"colour": "#e66100", "label": "finding: a cited fact not supported by the measurement"},
    "UNDECIDED": {"colour": "#7b3294", "label": "undecided: fails under one fair reading, holds under another"},
    "FAIL": {"colour": "#c2185b", "label": "witness FAIL / ERROR"},
    "STALE": {"colour": "#8c6d1f", "label": "witness result stale (registry changed since the run)"},
    "NOT_RUN": {"colour": "#9e9e9e", "label": "witness not run yet"},
}
ERRATUM = {"style": "dashed", "mark": "✱", "label": "erratum: the paper's printed statement differs"}
NODE_KINDS = {
    "theorem": {"shape": "box", "style": "rounded,filled", "label": "theorem (rounded box)"},
    "fact": {"shape": "box", "style": "filled", "fill": "#e3eef9", "label": "cited fact (square box)"},
    "hypothesis": {"shape": "ellipse", "style": "filled", "fill": "#f2f2f2",
                   "label": "hypothesis (ellipse)"},
}
LEAN_NOTE = ("Lean: every theorem is emitted as Lean 4 source; a theorem is drawn dark green "
             "only when lake build compiled it, which never happens on a machine without Lean.")
# verdict badges used in tables and pages
BADGE = {
    "PROVED": "good", "NON_VACUOUS": "good", "PASS": "good", "SUPPORTED": "good",
    "correct": "good", "compiled": "good", "ok": "good",
    "FINDING": "warn", "undecided": "warn", "UNDECIDED": "warn", "PASS_WITH_FINDING": "info", "emitted": "info", "UNSUPPORTED": "info",
    "not compiled": "none", "not run yet": "none", "NOT_RUN": "none", "skipped": "none",
    "UNKNOWN": "none", "MISSING": "none", "STALE": "stale",
    "REFUTED": "bad", "ERROR": "bad", "FAIL": "bad", "incorrect": "bad", "VACUOUS": "bad",
    "TIMEOUT": "bad", "garbled": "warn", "needs_side_condition": "warn", "false_as_printed": "bad",
    "stale": "stale", "ok": "good",
}
BADGE_COLOURS = {"good": ("#d4edc9", "#14501f"), "warn": ("#fde0c5", "#7a3300"),
                 "bad": ("#f8c9d8", "#7a0f36"), "info": ("#dbe9f6", "#123f6e"),
                 "none": ("#eeeeee", "#444444"), "stale": ("#efe3c0", "#5a4510")}


def badge_class(status) -> str:
    return "b-" + BADGE.get(str(status), "none")


def proof_class(kernel, coq, lean) -> str:
    if kernel != "PROVED":
        return "unproved"
    if coq == "PROVED" and lean == "compiled":
        return "lean"
    return "coq" if coq == "PROVED" else "kernel"


def witness_class(status, stale=False) -> str:
    if stale:
        return "STALE"
    if status in ("PASS", "PASS_WITH_FINDING", "FINDING", "UNDECIDED"):
        return status
    if status in ("FAIL", "ERROR", "MISSING"):
        return "FAIL"
    return "NOT_RUN"


def legend():
    """Rows for the legend: (kind, key, swatch dict, label)."""
    rows = [("proof", k, v["fill"], v["label"]) for k, v in PROOF.items()]
    rows += [("witness", k, v["colour"], v["label"]) for k, v in WITNESS.items()]
    rows.append(("erratum", "erratum", "#000000", ERRATUM["label"]))
    rows += [("kind", k, v.get("fill", "#ffffff"), v["label"]) for k, v in NODE_KINDS.items()]
    return [{"kind": a, "key": b, "colour": c, "label": d} for a, b, c, d in rows]


def css() -> str:
    out = [":root {"]
    out += [f"  --proof-{k}: {v['fill']};" for k, v in PROOF.items()]
    out += [f"  --witness-{k}: {v['colour']};" for k, v in WITNESS.items()]
    out.append("}")
    out += [f".p-{k} {{ background: {v['fill']}; color: {v['text']}; }}" for k, v in PROOF.items()]
    out += [f".w-{k} {{ background: {v['colour']}; }}" for k, v in WITNESS.items()]
    out += [f".wb-{k}, .node-title.wb-{k} {{ border-color: {v['colour']}; }}" for k, v in WITNESS.items()]
    out += [f".k-{k} {{ background: {v.get('fill', '#fff')}; }}" for k, v in NODE_KINDS.items()]
    out += [f".b-{k} {{ background: {bg}; color: {fg}; }}" for k, (bg, fg) in BADGE_COLOURS.items()]
    return "\n".join(out) + "\n"
