"""The pricing service on loopback: /price and /surface latency and requests per second.

A real uvicorn process (``python -m service`` on a free 127.0.0.1 port) is started once;
one client (stdlib http.client, keep-alive) sends requests one after another (latency: p50 and p99 over the requests of a
repeat) and 16 concurrent clients measure throughput.  The reference is the same numerics
called in process (``numerics.rough_heston.price`` / ``surface``): the difference is the
service's overhead (HTTP, validation, JSON, thread pool).  Requests differ (H and strike
drawn per request), so no cache could serve them.
"""
from __future__ import annotations

import atexit
import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from benchmarks.harness import Reference, Target, Workload
from numerics import rough_heston

M = dict(H=0.1, kappa=0.3, theta=0.02, eta=0.3, rho=-0.7, V0=0.02)
KS = [float(k) for k in np.linspace(0.7, 1.3, 31)]
TS = [0.1, 0.25, 0.5, 1.0, 1.5, 2.0]                   # 31 x 6 = 186 points
N_PRICE, N_SURF, N_RPS = 50, 10, 160
_S = {}


def _server():
    if "base" in _S:
        return _S["base"]
    from service.local import spawn, stop
    proc, base = spawn()
    atexit.register(stop, proc)
    _S.update(base=base, proc=proc, port=int(base.rsplit(":", 1)[1]))
    return base


_local = threading.local()


def _post(path, body):
    """POST over a keep-alive connection of this thread (stdlib http.client: the client's own
    cost, ~0.1 ms, stays small next to the service's)."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = http.client.HTTPConnection("127.0.0.1", _S["port"], timeout=60)
    conn.request("POST", path, body=json.dumps(body), headers={"content-type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    return r.status, data


def _bodies(n, seed):
    rng = np.random.default_rng(seed)
    return [dict(model=dict(M, H=float(h)), strikes=[float(k)], maturity=0.5)
            for h, k in zip(rng.uniform(0.05, 0.5, n), rng.uniform(0.8, 1.2, n))]


def _latencies(path, bodies):
    lat = []
    for b in bodies:
        t0 = time.perf_counter()
        status, data = _post(path, b)
        lat.append(time.perf_counter() - t0)
        if status != 200:
            raise RuntimeError(f"{path}: {status} {data[:200]!r}")
    return lat


def _pct(xs, q):
    return float(np.percentile(xs, q))


def _record(name, lat):
    _S.setdefault(name, []).append(lat)
    allv = [x for l in _S[name] for x in l]
    return _pct(allv, 50), _pct(allv, 99)


def _price_http():
    _record("price", _latencies("/price", _bodies(N_PRICE, len(_S.get("price", [])))))


def _price_inproc(n=N_PRICE):
    for b in _bodies(n, 0):
        rough_heston.price(rough_heston.RoughHestonParams(**b["model"]), b["strikes"], b["maturity"])


_SB = dict(model=M, strikes=KS, maturities=TS)


def _surface_http():
    _record("surface", _latencies("/surface", [_SB] * N_SURF))


def _surface_inproc():
    p = rough_heston.RoughHestonParams(**M)
    for _ in range(N_SURF):
        rough_heston.surface(p, KS, TS)


def _rps():
    bodies = _bodies(N_RPS, 99)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(16) as ex:
        codes = list(ex.map(lambda b: _post("/price", b)[0], bodies))
    dt = time.perf_counter() - t0
    if codes != [200] * N_RPS:
        raise RuntimeError("errors under load")
    _S.setdefault("rps", []).append(N_RPS / dt)


def _note(name):
    def setup():
        _server()
    return setup


def _p99_error(name, limit):
    """(p99 / limit) from the recorded latencies: <= 1 means the p99 target is met."""
    def err():
        xs = [x for l in _S.get(name, []) for x in l]
        return _pct(xs, 99) / limit if xs else None
    return err


W_PRICE = Workload("service//price on loopback (mean per request; p99 of all requests checked)", _price_http,
                   [Reference("numerics.rough_heston.price in process", _price_inproc)],
                   target=Target(max_s=2e-3, max_error=1.0, error=_p99_error("price", 10e-3),
                                 error_text="p99 / 10 ms"),
                   setup=_note("price"), per=N_PRICE, repeat=5)
W_SURF = Workload("service//surface 186 points on loopback (per request)", _surface_http,
                  [Reference("numerics.rough_heston.surface in process", _surface_inproc)],
                  target=Target(max_s=20e-3), setup=_note("surface"), per=N_SURF, repeat=3)
W_RPS = Workload("service//price throughput, 16 concurrent clients (per request)", _rps,
                 [Reference("numerics.rough_heston.price in process, serial", lambda: _price_inproc(N_RPS))],
                 setup=_note("rps"), per=N_RPS, repeat=3,
                 note="time per request under 16 concurrent clients = 1 / requests per second")
WORKLOADS = [W_PRICE, W_SURF, W_RPS]
