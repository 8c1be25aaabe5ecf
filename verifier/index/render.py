"""Render the gathered data (``gather.gather``) into the static site.

Pages are Jinja2 templates in ``templates/``; ``static/`` (the site's CSS and JS, vendored
KaTeX) is copied as is; the dependency graph is laid out at build time by Graphviz ``dot``
into an SVG embedded in ``graph.html``.  Every link is relative, so the site opens from
``file://`` with no server and no network.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import jinja2

from verifier.index import gather as G
from verifier.index import style

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
KATEX_VERSION = "0.16.22"


class RenderError(RuntimeError):
    """The site could not be written; the message says why."""


def find_dot():
    return shutil.which("dot")


# -- graph ----------------------------------------------------------------------------

def _q(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_source(graph, root="", highlight=None):
    """Graphviz source of the dependency graph; URLs relative to the page at ``root``."""
    lines = ["digraph atlas {", '  graph [rankdir=LR, bgcolor="transparent", nodesep=0.12, ranksep=0.9,'
             ' fontname="Helvetica"];', '  node [fontname="Helvetica", fontsize=10, penwidth=2.2];',
             '  edge [color="#9a9a9a", arrowsize=0.5, penwidth=0.7];']
    for n in graph["nodes"]:
        kind = style.NODE_KINDS[n["kind"]]
        attrs = {"label": n["label"], "URL": root + n["url"], "tooltip": n["tooltip"],
                 "shape": kind["shape"], "style": kind["style"], "id": "node_" + n["key"].replace(":", "_"),
                 "target": "_top"}
        if n["kind"] == "theorem":
            p = style.PROOF[n["proof_class"]]
            attrs.update(fillcolor=p["fill"], fontcolor=p["text"],
                         color=style.WITNESS[n["witness_class"]]["colour"])
            if n["erratum"]:
                attrs["style"] = kind["style"] + "," + style.ERRATUM["style"]
        elif n["kind"] == "fact":
            attrs.update(fillcolor=kind["fill"], color=style.WITNESS[n["witness_class"]]["colour"])
        else:
            attrs.update(fillcolor=kind["fill"], color="#b0b0b0", penwidth="1")
        if highlight and n["key"] == highlight:
            attrs["penwidth"] = "4"
        lines.append(f"  {_q(n['key'])} [" + ", ".join(f"{k}={_q(v)}" for k, v in attrs.items()) + "];")
    for a, b in graph["edges"]:
        lines.append(f"  {_q(a)} -> {_q(b)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graph_svg(graph, dot=None):
    """The laid-out graph as inline SVG markup, or None when Graphviz is missing.

    Graphviz's ``unflatten`` (same package) first staggers the many theorems that use
    nothing into short chains, so the drawing is not one column hundreds of nodes tall.
    """
    dot = dot or find_dot()
    if dot is None:
        return None
    src = dot_source(graph)
    unflatten = Path(dot).with_name("unflatten")
    if unflatten.exists():
        r = subprocess.run([str(unflatten), "-l", "2", "-f", "-c", "8"], input=src, capture_output=True,
                           text=True, timeout=60)
        if r.returncode == 0:
            src = r.stdout
    r = subprocess.run([dot, "-Tsvg"], input=src, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RenderError(f"dot failed: {r.stderr.strip()[:500]}")
    svg = r.stdout
    svg = svg[svg.index("<svg"):]                         # drop the XML prolog and DOCTYPE
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)   # Graphviz's node-name comments
    return svg


# -- filters ----------------------------------------------------------------------------

def _fmt(x, digits=5):
    if x is None:
        return "—"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return str(x)


def _env():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = _fmt
    env.filters["badge"] = style.badge_class
    env.filters["pct"] = lambda n, total: f"{100.0 * n / total:.4g}" if total else "0"
    env.globals["legend"] = style.legend()
    env.globals["PROOF"] = style.PROOF
    env.globals["WITNESS"] = style.WITNESS
    env.globals["ERRATUM"] = style.ERRATUM
    env.globals["NOT_RUN"] = G.NOT_RUN
    env.globals["url"] = G.url
    env.globals["katex_version"] = KATEX_VERSION
    return env


# -- the site -----------------------------------------------------------------------------

def check_out(out):
    """Refuse to empty a folder that is not a site this module wrote."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or (not (out / "index.html").exists() and any(out.iterdir()))):
        raise RenderError(f"{out} exists and is not a site written by roughatlas index; refusing to empty it")


def render(data, out, dot=None):
    """Write the site for ``data`` into ``out`` (emptied first); returns {pages, bytes, seconds}."""
    t0 = time.perf_counter()
    out = Path(out)
    check_out(out)
    if out.exists():
        shutil.rmtree(out)
    (out / "theorems").mkdir(parents=True)
    (out / "facts").mkdir()
    (out / "parts").mkdir()
    (out / "plots").mkdir()
    shutil.copytree(STATIC, out / "static")
    (out / "static" / "colours.css").write_text(style.css(), encoding="utf-8")
    for p in data["plots"]:
        shutil.copy2(p["file"], out / p["url"])

    env = _env()
    pages = []

    def page(name, rel, **ctx):
        root = "../" * rel.count("/")
        text = env.get_template(name).render(d=data, root=root, here=rel, **ctx)
        (out / rel).write_text(text, encoding="utf-8")
        pages.append(rel)

    svg = graph_svg(data["graph"], dot)
    page("home.html", "index.html")
    page("theorems.html", "theorems.html")
    page("graph.html", "graph.html", svg=svg, dot_missing=svg is None)
    page("errata.html", "errata.html")
    page("findings.html", "findings.html")
    page("claims.html", "claims.html")
    page("hypotheses.html", "hypotheses.html")
    page("facts_index.html", "facts.html")
    page("parts_index.html", "parts.html")
    for t in data["theorems"].values():
        page("theorem.html", f"theorems/{t['id']}.html", t=t)
        if t["lean_name"] != str(t["id"]):
            page("redirect.html", f"theorems/{t['lean_name']}.html", target=f"{t['id']}.html", t=t)
    for f in data["facts"].values():
        page("fact.html", G.url("fact", f["id"]), f=f)
    for p in data["parts"]:
        page("part.html", p["url"], p=p)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return {"pages": len(pages), "bytes": size, "seconds": time.perf_counter() - t0}


def build(out, registry=None, results=None, dot=None):
    """Gather and render; returns the render stats plus the gather time."""
    t0 = time.perf_counter()
    check_out(out)
    kw = {} if registry is None else {"registry": registry}
    data = G.gather(results=results, **kw)
    t1 = time.perf_counter()
    stats = render(data, out, dot=dot)
    stats["gather_seconds"] = t1 - t0
    stats["seconds"] = time.perf_counter() - t0
    stats["graph"] = "drawn" if (dot or find_dot()) else "not drawn (Graphviz dot not found)"
    return stats


__all__ = ["build", "render", "graph_svg", "dot_source", "RenderError"]
