"""Shared pytest configuration: Hypothesis profiles (derandomized "ci" profile, no deadline),
and the fixture the determinism tests share."""
import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=30)
settings.load_profile("ci")


@pytest.fixture
def assert_same_under_threads(monkeypatch):
    """Run ``fn()`` with ROUGHATLAS_THREADS = 1 and 2; its arrays must be bit-identical."""
    def check(fn):
        out = []
        for nt in ("1", "2"):
            monkeypatch.setenv("ROUGHATLAS_THREADS", nt)
            out.append(fn())
        for a, b in zip(*out):
            np.testing.assert_array_equal(a, b)
    return check
