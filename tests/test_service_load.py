"""The full bounded load test of issue 12 (slow: ~1-2 min of CPU, the COS pricer dominates):
2,000 /price requests from 16 concurrent clients and 200 /surface requests (186 points) against
a real uvicorn process on loopback; no error, no memory growth.  tests/test_service.py runs
a reduced version of the same in the fast suite."""
import pytest

pytest.importorskip("fastapi")

from test_service import load_check, server  # noqa: E402,F401  (the fixture)


@pytest.mark.slow
def test_load_2000_price_200_surface(server):  # noqa: F811
    load_check(server, 2000, 200)
