"""The theorem index in a real browser: Debian's chromium, headless, driven by selenium
through the system chromedriver (nothing downloads a browser or a driver).

Opens the site from file://, follows a graph node to its theorem page, filters the
theorem table, checks the console has no errors, and saves screenshots at laptop and
phone widths to build/index-screens/.  Without chromium, chromedriver or selenium this
is a skip that says which is missing.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from verifier.index import render
from verifier.registry import ROOT, load

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SCREENS = ROOT / "build" / "index-screens"
LAPTOP, PHONE = (1366, 900), (390, 844)

if CHROMIUM is None or CHROMEDRIVER is None:
    pytest.skip("no browser: Debian packages chromium and chromium-driver are needed "
                f"(chromium: {CHROMIUM or 'missing'}, chromedriver: {CHROMEDRIVER or 'missing'})",
                allow_module_level=True)
if render.find_dot() is None:
    pytest.skip("Graphviz dot not installed (Debian package graphviz): no graph to follow",
                allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (requirements.txt)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "index"
    render.build(out, results=ROOT / "build")       # whatever results exist; missing ones say so
    return out


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    os.environ["SE_OFFLINE"] = "true"               # Selenium Manager must not download anything
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
              f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
              f"--window-size={LAPTOP[0]},{LAPTOP[1]}"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        drv = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    except Exception as exc:                         # a browser that cannot start is reported, not hidden
        pytest.fail(f"chromium did not start under chromedriver: {exc}")
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


def _errors(drv):
    return [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]


def _shot(drv, name, size):
    SCREENS.mkdir(parents=True, exist_ok=True)
    drv.set_window_size(*size)
    drv.save_screenshot(str(SCREENS / f"{name}-{size[0]}.png"))


def test_graph_node_leads_to_its_theorem_page(site, driver):
    driver.get((site / "graph.html").as_uri())
    assert _errors(driver) == []
    node = driver.find_element(By.CSS_SELECTOR, "#a_node_t_56 text")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})", node)
    _shot(driver, "graph", LAPTOP)
    node.click()
    WebDriverWait(driver, 20).until(lambda d: d.current_url.endswith("/theorems/56.html"))
    h1 = driver.find_element(By.TAG_NAME, "h1").text
    assert "Theorem 56" in h1
    # KaTeX rendered the formal statement (vendored fonts and script, no network)
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".goal .katex"))
    assert _errors(driver) == []
    _shot(driver, "theorem-56", LAPTOP)
    _shot(driver, "theorem-56", PHONE)
    driver.set_window_size(*LAPTOP)


def test_filter_the_theorem_table(site, driver):
    reg = load()
    driver.get((site / "theorems.html").as_uri())
    rows = driver.find_elements(By.CSS_SELECTOR, "#theorem-table tbody tr")
    assert len(rows) == len(reg.theorems)

    def visible():                                  # rows the browser lays out (one round trip)
        return driver.execute_script(
            "return Array.from(document.querySelectorAll('#theorem-table tbody tr'))"
            ".filter(function (r) { return r.getClientRects().length > 0; })"
            ".map(function (r) { return r.getAttribute('data-text').split(' ')[0]; })")
    assert len(visible()) == len(reg.theorems)
    box = driver.find_element(By.ID, "f-text")
    box.send_keys("bias_insufficient")
    assert visible() == ["32"]
    assert driver.find_element(By.ID, "f-count").text == f"1 of {len(reg.theorems)} theorems"
    box.clear()
    box.send_keys(" ")                              # an input event with an empty needle
    Select(driver.find_element(By.ID, "f-status")).select_by_visible_text("false_as_printed")
    want = sorted(str(t.id) for t in reg.theorems if t.status_printed == "false_as_printed")
    assert sorted(visible()) == want and want
    Select(driver.find_element(By.ID, "f-part")).select_by_value("9")
    assert visible() == [str(t.id) for t in reg.theorems
                         if t.status_printed == "false_as_printed" and t.part == "9"]
    Select(driver.find_element(By.ID, "f-part")).select_by_value("")
    _shot(driver, "theorems-filtered", LAPTOP)
    assert _errors(driver) == []


def test_pages_render_without_console_errors(site, driver):
    for rel, name in (("index.html", "home"), ("errata.html", "errata"), ("claims.html", "claims"),
                      ("facts/F_delta_correction.html", "fact-F_delta_correction"),
                      ("theorems/48.html", "theorem-48"), ("theorems/bias_insufficient.html", None)):
        driver.set_window_size(*LAPTOP)
        driver.get((site / rel).as_uri())
        if name is None:                            # the lean_name URL redirects to the id URL
            WebDriverWait(driver, 20).until(lambda d: d.current_url.endswith("/theorems/32.html"))
        assert _errors(driver) == [], rel
        if name:
            _shot(driver, name, LAPTOP)
            if name in ("home", "theorem-48"):
                _shot(driver, name, PHONE)
        # nothing on the page needs the network: every resource is a file:// URL
        urls = driver.execute_script(
            "return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
        assert all(u.startswith(("file://", "data:")) for u in urls), urls
