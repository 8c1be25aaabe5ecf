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


# Integration modules that `make test-fast` leaves out (each costs 5-12 s on this 2-core
# machine: subprocess CLIs, a Dask cluster, uvicorn, a headless browser, the mutation sweep,
# full witness runs).  `make test` runs them; a test can also carry its own `slow` mark.
SLOW_MODULES = {
    "test_parallel.py", "test_service.py", "test_index_browser.py", "test_mutation.py",
    "test_index.py", "test_num_regressions.py", "test_num_regressions_inputs.py",
    "test_evidence.py", "test_cli_ux.py", "test_cli.py", "test_witness_a.py", "test_witness_b.py",
    "test_witness_checker.py", "test_claims.py", "test_obs_a.py", "test_obs_b.py",
}


def pytest_collection_modifyitems(config, items):
    import pytest as _pytest

    for item in items:
        if item.path.name in SLOW_MODULES:
            item.add_marker(_pytest.mark.slow)
