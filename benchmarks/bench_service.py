"""The pricing service on loopback: /price and /surface latency (p50, p99) and requests per second.

A real uvicorn process (``python -m service`` on a free 127.0.0.1 port) is started once;
one client (stdlib http.client, keep-alive) sends requests one after another (latency: p50
and p99 over every request of every repeat) and 16 concurrent clients measure throughput.
Requests ask for the service's default accuracy (``ACCURACY`` = 1e-5 absolute error per
unit of spot, ``numerics.rough_heston.price_to_accuracy``); the reference is the same call
in process on the same bodies, so the ratio is the service's overhead (HTTP, validation,
JSON, thread pool) at equal accuracy.  Every body differs (H, and the strike or the
strike range, drawn per request); the service has no cache, so nothing is served twice.
The accuracy is checked too: each response must say ``accuracy_met``, and a sample of
/price and /surface responses is compared with the library's high-accuracy default pricer
(n = 200, cf_tol = 1e-12): the target fails if an error exceeds ``ACCURACY``.

Targets (issue 12): /price p50 <= 2 ms and p99 <= 10 ms, /surface (186 points) p50 <= 20 ms.
"""
from __future__ import annotations

import atexit
import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from benchmarks.harness import Reference, Target, Workload, fmt_time
from numerics import rough_heston

ACCURACY = rough_heston.DEFAULT_ACCURACY
M = dict(H=0.1, kappa=0.3, theta=0.02, eta=0.3, rho=-0.7, V0=0.02)
KS = [float(k) for k in np.linspace(0.7, 1.3, 31)]
TS = [0.1, 0.25, 0.5, 1.0, 1.5, 2.0]                   # 31 x 6 = 186 points
N_PRICE, N_SURF, N_RPS, N_SURF_RPS = 100, 10, 160, 32
_S = {"seed": 0}


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


def _seed():
    _S["seed"] += 1
    return _S["seed"]


def _price_bodies(n, seed):
    rng = np.random.default_rng(seed)
    return [dict(model=dict(M, H=float(h)), strikes=[float(k)], maturity=0.5, accuracy=ACCURACY)
            for h, k in zip(rng.uniform(0.05, 0.5, n), rng.uniform(0.8, 1.2, n))]


def _surface_bodies(n, seed):
    rng = np.random.default_rng(seed)
    return [dict(model=dict(M, H=float(h)), strikes=[float(k) * s for k in KS], maturities=TS, accuracy=ACCURACY)
            for h, s in zip(rng.uniform(0.05, 0.5, n), rng.uniform(0.95, 1.05, n))]


def _check(path, status, data):
    if status != 200:
        raise RuntimeError(f"{path}: {status} {data[:200]!r}")
    d = json.loads(data)
    if not d["accuracy_met"]:
        raise RuntimeError(f"{path}: accuracy {ACCURACY} not met: {d['error_estimate']} {d['warnings']}")
    return d


def _latencies(path, bodies, key):
    lat = []
    for b in bodies:
        t0 = time.perf_counter()
        status, data = _post(path, b)
        lat.append(time.perf_counter() - t0)
        _check(path, status, data)
    _S.setdefault(key, []).extend(lat)


def _params(b):
    return rough_heston.RoughHestonParams(**b["model"])


def _price_http():
    _latencies("/price", _price_bodies(N_PRICE, _seed()), "price")


def _price_inproc(bodies=None, key="price_ref"):
    lat = []
    for b in bodies or _price_bodies(N_PRICE, _seed()):
        t0 = time.perf_counter()
        rough_heston.price_to_accuracy(_params(b), b["strikes"], b["maturity"], accuracy=ACCURACY)
        lat.append(time.perf_counter() - t0)
    _S.setdefault(key, []).extend(lat)


def _surface_http():
    _latencies("/surface", _surface_bodies(N_SURF, _seed()), "surface")


def _surface_inproc():
    lat = []
    for b in _surface_bodies(N_SURF, _seed()):
        t0 = time.perf_counter()
        rough_heston.surface_to_accuracy(_params(b), b["strikes"], b["maturities"], accuracy=ACCURACY)
        lat.append(time.perf_counter() - t0)
    _S.setdefault("surface_ref", []).extend(lat)


def _rps(w, path, bodies, key):
    t0 = time.perf_counter()
    with ThreadPoolExecutor(16) as ex:
        out = list(ex.map(lambda b: _post(path, b), bodies))
    dt = time.perf_counter() - t0
    for status, data in out:
        _check(path, status, data)
    rps = _S.setdefault(key, [])
    rps.append(len(bodies) / dt)
    w.note = (f"{np.median(rps):.0f} requests/s (median of {len(rps)} runs, min {min(rps):.0f}, max {max(rps):.0f}) "
              f"from 16 concurrent clients, accuracy {ACCURACY:g}; time per request = 1 / requests per second; "
              "the clients share the 2 cores with the server")


def _price_rps():
    _rps(W_RPS, "/price", _price_bodies(N_RPS, _seed()), "price_rps")


def _surface_rps():
    _rps(W_SURF_RPS, "/surface", _surface_bodies(N_SURF_RPS, _seed()), "surface_rps")


def _surface_inproc_rps():
    for b in _surface_bodies(N_SURF_RPS, _seed()):
        rough_heston.surface_to_accuracy(_params(b), b["strikes"], b["maturities"], accuracy=ACCURACY)


def _accuracy_sample(path, bodies):
    """Max |service price - high-accuracy default pricer| per unit of spot (spot 1) over bodies."""
    worst = 0.0
    for b in bodies:
        d = _check(path, *_post(path, b))
        if path == "/price":
            ref = rough_heston.price(_params(b), b["strikes"], b["maturity"])
        else:
            ref = rough_heston.surface(_params(b), b["strikes"], b["maturities"])
        worst = max(worst, float(np.max(np.abs(np.array(d["prices"]) - ref))))
    return worst


def _pct(xs, q):
    return float(np.percentile(xs, q)) if xs else float("nan")


def _lat_text(key):
    xs = _S.get(key, [])
    return f"p50 {fmt_time(_pct(xs, 50))}, p99 {fmt_time(_pct(xs, 99))} over {len(xs)}"


def _setup(w, path, bodies):
    def setup():
        _server()
        _S[path + "_err"] = _accuracy_sample(path, bodies)
    return setup


def _error(w, key, p50_limit, p99_limit=None):
    """max(p50 / limit, p99 / limit, accuracy error / ACCURACY) from the recorded requests:
    <= 1 means every target is met; the workload's note reports the numbers."""
    path = "/" + key

    def err():
        xs = _S.get(key, [])
        if not xs:
            return None
        acc_err = _S.get(path + "_err", float("inf"))
        w.note = (f"accuracy {ACCURACY:g} per unit of spot (every response accuracy_met; max error against "
                  f"the high-accuracy pricer {acc_err:.1e}). HTTP {_lat_text(key)} requests; in process "
                  f"{_lat_text(key + '_ref')} calls"
                  + ". No cache: every body differs.")
        parts = [_pct(xs, 50) / p50_limit, acc_err / ACCURACY]
        if p99_limit:
            parts.append(_pct(xs, 99) / p99_limit)
        return max(parts)
    return err


W_PRICE = Workload(f"service//price on loopback, accuracy {ACCURACY:g} (per request)", _price_http,
                   [Reference(f"price_to_accuracy({ACCURACY:g}) in process, same bodies", _price_inproc)],
                   per=N_PRICE, repeat=5)
W_PRICE.target = Target(max_error=1.0, error=_error(W_PRICE, "price", 2e-3, 10e-3),
                        error_text="max(p50/2ms, p99/10ms, err/accuracy)")
W_PRICE.setup = _setup(W_PRICE, "/price", _price_bodies(20, 12345))
W_SURF = Workload(f"service//surface 186 points on loopback, accuracy {ACCURACY:g} (per request)", _surface_http,
                  [Reference(f"surface_to_accuracy({ACCURACY:g}) in process, same bodies", _surface_inproc)],
                  per=N_SURF, repeat=3)
W_SURF.target = Target(max_error=1.0, error=_error(W_SURF, "surface", 20e-3),
                       error_text="max(p50/20ms, err/accuracy)")
W_SURF.setup = _setup(W_SURF, "/surface", _surface_bodies(3, 12345))
W_RPS = Workload("service//price throughput, 16 concurrent clients (per request)", _price_rps,
                 [Reference(f"price_to_accuracy({ACCURACY:g}) in process, serial",
                            lambda: _price_inproc(_price_bodies(N_RPS, _seed()), "rps_ref"))],
                 setup=_server, per=N_RPS, repeat=3)
W_SURF_RPS = Workload("service//surface throughput, 16 concurrent clients (per request)", _surface_rps,
                      [Reference(f"surface_to_accuracy({ACCURACY:g}) in process, serial", _surface_inproc_rps)],
                      setup=_server, per=N_SURF_RPS, repeat=3)
WORKLOADS = [W_PRICE, W_SURF, W_RPS, W_SURF_RPS]
