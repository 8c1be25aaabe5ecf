"""The README's "Quick start (Python)" block runs as printed and says what it claims."""
from __future__ import annotations

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def quick_start_block():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    m = re.search(r"^## Quick start \(Python\)\n(.*?)(?=^## )", text, re.S | re.M)
    assert m, "README.md has no '## Quick start (Python)' section"
    blocks = re.findall(r"```python\n(.*?)```", m.group(1), re.S)
    assert len(blocks) == 1, f"expected one python block in the quick start, found {len(blocks)}"
    return blocks[0]


def test_readme_quick_start_runs():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", quick_start_block()], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 3, proc.stdout
    vols = [float(x) for x in lines[0].strip("[]").split()]
    assert len(vols) == 5 and all(0.05 < x < 1.0 for x in vols), vols
    assert all(a > b for a, b in zip(vols, vols[1:])), f"the smile is not downward sloping: {vols}"
    m = re.match(r"skew exponent (-?\d+\.\d+) \+- (\d+\.\d+), H - 1/2 = (-?\d+\.\d+)$", lines[1])
    assert m, lines[1]
    assert abs(float(m.group(1)) - float(m.group(3))) < 0.02, lines[1]
    assert lines[2] == "skew_exp_identity PROVED", lines[2]


def test_readme_exotics_block_runs():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    m = re.search(r"^### Monte Carlo exotics in a notebook\n(.*?)(?=^##)", text, re.S | re.M)
    assert m, "README.md has no '### Monte Carlo exotics in a notebook' section"
    (block,) = re.findall(r"```python\n(.*?)```", m.group(1), re.S)
    code = block + "\nassert r.ci_low < r.price < r.ci_high and 0 < r.se < 1e-3\nprint('ok')\n"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "ok"
