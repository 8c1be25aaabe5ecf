"""The static theorem index (roughatlas index): pages, links, HTML, planted results.

Two sites are built into temporary folders:

- ``site``: the real registry with real (quick) witness runs of a few entries and no Coq
  report, so both measured results and "not run yet" are on it;
- ``planted``: a registry copy with a planted erratum, and a results folder with a
  planted finding, a stale witness result and a Coq report of an older export.
"""
from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from verifier import cli, witness
from verifier.index import gather, render, style
from verifier.registry import DEFAULT_PATH, load

needs_dot = pytest.mark.skipif(render.find_dot() is None,
                               reason="Graphviz dot not installed (Debian package graphviz)")
WITNESSED = ["1", "32", "48", "65", "F_delta_correction", "F_vega_correction", "F_power_integral_rule"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@pytest.fixture(scope="module")
def reg():
    return load()


@pytest.fixture(scope="module")
def results(tmp_path_factory, reg):
    out = tmp_path_factory.mktemp("results")
    res = witness.run_all(reg, quick=True, only=WITNESSED)
    witness.write_report(res, out, seconds=0.0)
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory, results):
    out = tmp_path_factory.mktemp("site") / "index"
    stats = render.build(out, results=results)
    return out, stats


@pytest.fixture(scope="module")
def planted(tmp_path_factory, results):
    base = tmp_path_factory.mktemp("planted")
    doc = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    t1 = next(t for t in doc["theorems"] if t["id"] == 1)
    assert t1["status_printed"] == "ok"
    t1["status_printed"] = "garbled"
    t1["erratum"] = "PLANTED erratum: the printed text drops a term"
    regfile = base / "theorem_index.yaml"
    regfile.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    res_dir = base / "results"
    shutil.copytree(results, res_dir)
    wdoc = json.loads((res_dir / "witness.json").read_text(encoding="utf-8"))
    r1 = next(r for r in wdoc["results"] if r["id"] == 1)
    r1.update(status="FINDING", findings=["PLANTED finding: the measured exponent is 0.3, not 0.1"])
    r32 = next(r for r in wdoc["results"] if r["id"] == 32)
    r32["claim"] = "Cm/n < 1/3"                  # the registry says Cm/n < 1/2: a stale result
    (res_dir / "witness.json").write_text(json.dumps(wdoc), encoding="utf-8")
    (res_dir / "coq_report.json").write_text(json.dumps(
        {"available": True, "coqc": "8.16.1", "export_digest": "0000000000000000", "seconds": 1.0,
         "proved": 125, "errors": 0, "theorems": {"1": {"status": "PROVED", "note": ""}}}), encoding="utf-8")
    out = base / "index"
    render.build(out, registry=regfile, results=res_dir)
    return out


def read(p):
    return Path(p).read_text(encoding="utf-8")


# -- pages ------------------------------------------------------------------------------

def test_every_theorem_fact_part_has_its_page(site, reg):
    out, stats = site
    for t in reg.theorems:
        assert (out / "theorems" / f"{t.id}.html").is_file()
        redirect = read(out / "theorems" / f"{t.lean_name}.html")
        assert f'url={t.id}.html"' in redirect          # the stable URL by lean_name
    for f in reg.facts:
        assert (out / "facts" / f"{f}.html").is_file()
    for p in reg.parts:
        assert (out / gather.url("part", p["id"])).is_file()
    for name in ("index", "theorems", "graph", "errata", "findings", "claims", "hypotheses", "facts", "parts"):
        assert (out / f"{name}.html").is_file()
    assert stats["pages"] == len(list(out.rglob("*.html")))


class _Collect(HTMLParser):
    """Links, ids and a tag-balance check (every non-void element closed in order)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.ids, self.stack, self.errors = [], set(), [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("href", "src", "xlink:href"):
            if a.get(k) is not None and not (tag == "link" and a.get("rel") == "icon"):
                self.links.append((tag, a[k]))
        if a.get("id"):
            self.ids.add(a["id"])
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> at line {self.getpos()[0]} closes "
                               f"{self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()


def _parse(page, cache):
    if page not in cache:
        p = _Collect()
        p.feed(read(page))
        p.close()
        cache[page] = p
    return cache[page]


def _check_site(out, only=None):
    """Every page parses with balanced tags; every internal link, image and anchor resolves;
    nothing points off the machine.  ``only``: check just these pages (relative paths)."""
    cache, problems = {}, []
    pages = [out / x for x in only] if only else sorted(out.rglob("*.html"))
    for page in pages:
        p = _parse(page, cache)
        rel = page.relative_to(out)
        problems += [f"{rel}: {e}" for e in p.errors]
        problems += [f"{rel}: <{t}> never closed (opened line {ln})" for t, (ln, _) in p.stack
                     if t not in ("html", "body", "head")]
        if not read(page).startswith("<!DOCTYPE html>"):
            problems.append(f"{rel}: no doctype")
        for tag, link in p.links:
            if link.startswith(("data:", "mailto:")):
                continue
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                problems.append(f"{rel}: external link {link!r} (the site must work offline)")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file():
                problems.append(f"{rel}: <{tag}> {link!r} does not resolve")
                continue
            if parts.fragment and target.suffix == ".html" and parts.fragment not in _parse(target, cache).ids:
                problems.append(f"{rel}: {link!r}: no id {parts.fragment!r} in {target.name}")
    css = out / "static" / "vendor" / "katex" / "katex.min.css"
    for font in re.findall(r"url\((fonts/[^)]+\.woff2)\)", read(css)):
        if not (css.parent / font).is_file():
            problems.append(f"katex.min.css: {font} missing")
    return problems


def test_links_images_and_html(site):
    out, _ = site
    assert _check_site(out) == []
    assert len(list((out / "plots").glob("*.png"))) >= 2


def test_link_checker_catches_a_broken_link(site, tmp_path):
    """The checker itself can fail: a dangling link, an unclosed element and a link to a
    missing anchor are each reported."""
    out, _ = site
    bad = tmp_path / "bad"
    shutil.copytree(out, bad)
    page = bad / "errata.html"
    page.write_text(read(page).replace("</main>", '<a href="theorems/9999.html">x</a><div></main>'),
                    encoding="utf-8")
    table = bad / "theorems.html"
    table.write_text(read(table).replace('href="theorems/32.html"', 'href="theorems/32.html#no-such-id"', 1),
                     encoding="utf-8")
    problems = _check_site(bad, only=["errata.html", "theorems.html"])
    assert any("9999.html" in p and "does not resolve" in p for p in problems)
    assert any("</main>" in p for p in problems)
    assert any("no id 'no-such-id'" in p for p in problems)
    assert _check_site(out, only=["errata.html", "theorems.html"]) == []


@needs_dot
def test_graph_nodes_are_links_with_a_legend(site, reg):
    out, _ = site
    g = read(out / "graph.html")
    for t in reg.theorems:
        assert f'xlink:href="theorems/{t.id}.html"' in g
    for f in reg.facts:
        assert f'xlink:href="facts/{f}.html"' in g
    for h in reg.hypotheses:
        assert f'xlink:href="hypotheses.html#{h}"' in g
    for row in style.legend():
        assert row["label"].replace("'", "&#39;") in g
    assert style.PROOF["kernel"]["fill"] in g             # no Coq report: kernel-proved fill


def test_results_and_not_run_yet(site, reg):
    out, _ = site
    t65 = read(out / "theorems" / "65.html")          # a real FINDING (quick run): F_vega_correction
    assert ">FINDING<" in t65 and "scales as" in t65 and "±" in t65
    t48 = read(out / "theorems" / "48.html")          # holds per unit of BS vega: PASS, an inequality (no plot)
    assert ">PASS<" in t48 and "plots/theorem_48__" not in t48
    fdc = read(out / "facts" / "F_delta_correction.html")
    assert ">PASS<" in fdc and "plots/F_delta_correction__" in fdc   # one plot per entry, named by its id
    t2 = read(out / "theorems" / "2.html")            # not witnessed in this run
    assert "not run yet" in t2 and "roughatlas witness --all" in t2
    assert "not run yet: roughatlas coq-build" in t2  # no Coq report in the results folder
    home = read(out / "index.html")
    assert "not run yet" in home and "roughatlas coq-build" in home
    lean_row = re.search(r'<th scope="row">Lean</th>.*?</tr>', home).group(0)
    assert "emitted 125" in lean_row and ">compiled<" not in lean_row   # never reported compiled here
    fact = read(out / "facts" / "F_vega_correction.html")
    assert ">FINDING<" in fact and 'href="../theorems/65.html"' in fact
    t32 = read(out / "theorems" / "32.html")
    assert "counterexample" in t32 and "C = -1/2, n = -1" in t32     # Z3's refutation of the printed text
    assert "theorem bias_insufficient (n C : ℝ)" in t32 and "Theorem bias_insufficient (n C : R)" in t32
    assert 'data-tex="\\frac{C}{n} &lt; \\tfrac{1}{2}"' in t32


def test_planted_erratum_finding_and_stale_results(planted):
    out = planted
    errata = read(out / "errata.html")
    assert "PLANTED erratum" in errata and 'href="theorems/1.html"' in errata
    t1 = read(out / "theorems" / "1.html")
    assert "PLANTED erratum" in t1 and 'class="erratum-box"' in t1
    assert "PLANTED finding" in t1 and ">FINDING<" in t1
    findings = read(out / "findings.html")
    assert "PLANTED finding" in findings and 'href="theorems/1.html"' in findings
    table = read(out / "theorems.html")
    assert re.search(r'data-status="garbled" data-witness="FINDING"\s+data-text="1 ', table)
    node = re.search(r'<g id="node_t_1" class="node">.*?</g>\n</g>', read(out / "graph.html"), re.S).group(0)
    assert "stroke-dasharray" in node and style.WITNESS["FINDING"]["colour"] in node
    t32 = read(out / "theorems" / "32.html")
    assert ">STALE<" in t32 and "claim changed since this run" in t32
    home = read(out / "index.html")
    assert "older export" in home and "stale" in home
    assert "the last coqc run was of an older export" in t1
    n_errata = sum(t["status_printed"] != "ok" for t in yaml.safe_load(DEFAULT_PATH.read_text("utf-8"))["theorems"])
    assert read(out / "index.html").count(f">{n_errata + 1}</span> errata") == 1   # the registry's + the planted one


def test_vacuity_and_evidence_fields_are_read_by_name():
    """The verifier's JSON may carry vacuity as an object and an evidence record."""
    v = gather._vacuity({"vacuity": {"status": "VACUOUS", "model": {}}})
    assert v == {"status": "VACUOUS", "model": {}}
    assert gather._vacuity({"vacuity": "PROVED", "vacuity_model": {"H": "1/4"}}) == \
        {"status": "NON_VACUOUS", "model": {"H": "1/4"}}
    assert gather._vacuity({})["status"] == gather.NOT_RUN


def test_new_verifier_fields_render(site):
    """An evidence record and an undecided claim with its reading (fields the verifier's
    JSON may carry) are shown; missing keys do not break the page."""
    from verifier.index.render import _env

    data = gather._evidence({"evidence": {"status": "FINDING", "facts_with_findings": ["F_conv_rate"]}})
    assert data == {"status": "FINDING", "facts_with_findings": ["F_conv_rate"], "witness": ""}
    assert gather._evidence({}) is None
    c = gather._claim({"id": "C_x", "verdict": "undecided", "reading": "rounded to one digit"})
    html = _env().get_template("claims.html").render(
        d={"meta": {"title": "t", "built": "", "commit": "", "dirty": False, "registry": "", "results": ""},
           "claims": [c], "totals": {"claims_total": 1, "claims": {"correct": 0, "incorrect": 0, "undecided": 1}}},
        root="", here="claims.html")
    assert "rounded to one digit" in html and ">undecided<" in html


def test_table_is_complete_without_js(site, reg):
    out, _ = site
    table = read(out / "theorems.html")
    assert table.count("<tr data-part=") == len(reg.theorems)


def test_cli_index_and_help(tmp_path, capsys):
    assert cli.main(["index", "--out", str(tmp_path / "site"), "--results", str(tmp_path / "none")]) == 0
    msg = capsys.readouterr().out
    assert "pages" in msg and (tmp_path / "site" / "index.html").is_file()
    assert "not run yet" in read(tmp_path / "site" / "findings.html")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("x")
    assert cli.main(["index", "--out", str(tmp_path / "other")]) == 1     # never empties a foreign folder
    assert (tmp_path / "other" / "keep.txt").exists()
    assert "not available yet" not in cli.build_parser().format_help()
    assert cli.main(["serve-index", "--dir", str(tmp_path / "none")]) == 1


def test_serve_index_on_loopback(site):
    """serve-index's server binds 127.0.0.1 only and serves the built pages."""
    import threading
    import urllib.request

    from verifier.index import serve

    out, _ = site
    httpd = serve.make_server(out, 0)
    host, port = httpd.server_address[:2]
    assert host == "127.0.0.1"
    th = threading.Thread(target=httpd.serve_forever, daemon=True)
    th.start()
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # never via a proxy
        with opener.open(f"http://127.0.0.1:{port}/theorems/32.html", timeout=10) as r:
            assert r.status == 200 and b"bias_insufficient" in r.read()
    finally:
        httpd.shutdown()
        httpd.server_close()
        th.join(timeout=10)


def test_latex_printer_exact_strings():
    from fractions import Fraction as Q

    from verifier.index import latex

    h, H = ("var", "h1"), ("var", "H")
    assert latex.term(("add", H, ("div", ("num", Q(1)), ("num", Q(2))))) == r"H + \tfrac{1}{2}"
    assert latex.term(("div", ("neg", ("num", Q(4))), ("num", Q(5)))) == r"-\tfrac{4}{5}"
    assert latex.term(("mul", ("num", Q(2)), ("sub", H, ("num", Q(1))))) == r"2 \left(H - 1\right)"
    assert latex.term(("mul", ("num", Q(2)), ("div", ("num", Q(1)), ("num", Q(10))))) == r"2 \cdot \tfrac{1}{10}"
    assert latex.term(("sub", H, ("sub", h, ("num", Q(1))))) == r"H - \left(h_{1} - 1\right)"
    assert latex.term(("rpow", ("var", "T"), ("add", H, ("num", Q(1))))) == r"T^{H + 1}"
    assert latex.term(("pow", ("var", "rho"), 2)) == r"\rho^{2}"
    assert latex.term(("div", ("var", "C"), ("var", "n"))) == r"\frac{C}{n}"
    assert latex.term(("neg", ("var", "eps"))) == r"-\varepsilon"
    assert latex.var("Hhat") == r"\hat{H}" and latex.var("se") == r"\mathrm{se}" and latex.var("dH1") == r"\Delta H_{1}"
    assert latex.prop((("rel", "<=", H, ("num", Q(1))), ("rel", ">", H, ("num", Q(0))))) == \
        r"H \le 1 \;\wedge\; H > 0"
    with pytest.raises(ValueError):
        latex.term(("sin", H))
