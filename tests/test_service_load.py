"""The full bounded load test of issue 12 (slow: ~1-2 min of CPU, the COS pricer dominates):
2,000 /price requests from 16 concurrent clients and 200 /surface requests (186 points) against
a real uvicorn process on loopback; no error, no memory growth.  tests/test_service.py runs
a reduced version of the same in the fast suite."""
import pytest

pytest.importorskip("fastapi")

from test_service import _load, _rss, server  # noqa: E402,F401  (the fixture)


@pytest.mark.slow
def test_load_2000_price_200_surface(server):  # noqa: F811
    base, proc = server
    _load(base, 64, 8)                                  # warm-up
    before = _rss(proc.pid)
    codes = _load(base, 2000, 200)
    assert codes == [200] * 2200
    grown = _rss(proc.pid) - before
    assert grown < 30 * 2 ** 20, f"RSS grew by {grown / 2 ** 20:.1f} MiB"
    assert proc.poll() is None
