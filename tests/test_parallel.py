"""numerics.parallel on a real 2-process LocalCluster: results equal the serial run bit for bit
(witness measurements, Monte Carlo prices), a worker killed mid-run changes nothing, and a bad
scheduler address is a clear error within a few seconds."""
from __future__ import annotations

import importlib
import io
import json
import math
import os
import signal
import time
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed", reason="dask.distributed is a pinned dependency (requirements.txt)")

from numerics import parallel  # noqa: E402

RB = dict(H=0.1, eta=1.9, rho=-0.9, xi0=0.04)
RH = dict(H=0.1, kappa=0.3, theta=0.02, eta=0.3, rho=-0.7, V0=0.02)
K = [0.9, 1.0, 1.1]
WITNESS_IDS = ["2", "15", "32", "110"]     # COS smile (deterministic), MC skew, fBM variogram, hedging MC


@pytest.fixture(scope="module")
def client():
    cluster = parallel.local_cluster(2)          # 2 processes, 1 thread each, no dashboard
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _same(a, b):
    for f in ("price", "se", "iv", "iv_se"):
        x, y = getattr(a, f), getattr(b, f)
        assert x.tobytes() == y.tobytes(), f
    assert a.estimator == b.estimator and a.T == b.T


@pytest.mark.parametrize("model,params,n_paths,block,n_steps", [("rbergomi", RB, 8000, 2000, 20),
                                                                ("rough_heston", RH, 4000, 1000, 10)])
def test_mc_european_cluster_equals_serial(client, model, params, n_paths, block, n_steps):
    serial = parallel.mc_european(model, K, 0.5, params, n_paths, 11, n_steps=n_steps, block_paths=block)
    done = []
    with parallel.Executor(client=client) as ex:
        assert ex.workers() == 2
        dist = parallel.mc_european(model, K, 0.5, params, n_paths, 11, n_steps=n_steps, block_paths=block,
                                    executor=ex, progress=lambda d, t: done.append((d, t)))
    _same(serial, dist)
    assert done[-1] == (n_paths // block, n_paths // block)
    assert np.all(serial.se > 0) and np.all(np.isfinite(serial.iv))
    other = parallel.mc_european(model, K, 0.5, params, n_paths, 12, n_steps=n_steps, block_paths=block)
    assert not np.array_equal(other.price, serial.price)        # the seed matters


def test_combine_blocks_is_the_pooled_mean_and_variance():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 1001)) * [[1.0], [5.0]] + [[0.3], [-2.0]]
    cuts = [0, 100, 357, 800, 1001]
    parts = [(b - a, x[:, a:b].mean(axis=1), ((x[:, a:b] - x[:, a:b].mean(axis=1)[:, None]) ** 2).sum(axis=1))
             for a, b in zip(cuts, cuts[1:])]
    n, mean, m2 = parallel.combine_blocks(parts)
    assert n == 1001
    np.testing.assert_allclose(mean, x.mean(axis=1), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(m2 / (n - 1), x.var(axis=1, ddof=1), rtol=1e-12)


def test_mc_european_agrees_with_the_one_shot_estimator_within_errors():
    from numerics import rbergomi
    blk = parallel.mc_european("rbergomi", K, 0.5, RB, 20000, 5, n_steps=30, block_paths=5000)
    one = rbergomi.european(K, 0.5, RB["H"], RB["eta"], RB["rho"], RB["xi0"], n_steps=30, n_paths=20000, rng=9)
    z = np.abs(blk.price - one.price) / np.hypot(blk.se, one.se)
    assert np.all(z < 5), z
    np.testing.assert_allclose(blk.se, one.se, rtol=0.2)


def _sleepy(i, delay):
    time.sleep(delay)
    return i * i


def test_map_keeps_submission_order_whatever_the_completion_order(client):
    delays = [0.4, 0.0, 0.3, 0.0, 0.2, 0.0]
    with parallel.Executor(client=client) as ex:
        out = ex.map(_sleepy, [(i, d) for i, d in enumerate(delays)])
    assert out == [i * i for i in range(len(delays))]


def _fields(res):
    def strip(o):
        if isinstance(o, dict):
            return {k: strip(v) for k, v in o.items() if k != "seconds"}
        if isinstance(o, list):
            return [strip(x) for x in o]
        return o
    return strip(res.to_json())


def test_witness_prefetch_on_the_cluster_gives_the_serial_results(client):
    from verifier import witness
    from verifier.registry import load

    reg = load()
    witness.clear_cache()
    serial = [witness.run(reg, i, quick=True) for i in WITNESS_IDS]
    witness.clear_cache()
    try:
        with parallel.Executor(client=client) as ex:
            n = witness.prefetch(reg, ex, quick=True, only=WITNESS_IDS)
        assert n == len(witness.measurements(reg, True, WITNESS_IDS)) > len(WITNESS_IDS)
        keys = set(witness._CACHE)
        dist = [witness.run(reg, i, quick=True) for i in WITNESS_IDS]
        assert set(witness._CACHE) == keys        # every measurement came from the cluster
    finally:
        witness.clear_cache()
    assert [r.status for r in serial] == [r.status for r in dist]
    for a, b in zip(serial, dist):
        assert _fields(a) == _fields(b)


def test_cli_witness_dask_address(client):
    from verifier.cli import main

    def run(extra):
        from verifier import witness
        witness.clear_cache()
        buf = io.StringIO()
        with redirect_stdout(buf):
            assert main(["witness", "15", "--quick", "--json"] + extra) == 0
        witness.clear_cache()
        return json.loads(buf.getvalue())

    a, b = run([]), run(["--dask", client.scheduler.address])
    assert [_fields_doc(r) for r in a["results"]] == [_fields_doc(r) for r in b["results"]]


def _fields_doc(r):
    r = json.loads(json.dumps(r))
    r.pop("seconds")
    for p in r["points"]:
        for m in p["measured"].values():
            m.pop("seconds")
    return r


def test_worker_killed_mid_run_gives_the_same_answer(client):
    serial = parallel.mc_european("rbergomi", K, 0.5, RB, 16000, 21, n_steps=40, block_paths=2000)
    pids = client.run(os.getpid)
    killed = []

    def progress(done, total):
        if done == 1:                              # tasks are running on both workers: kill one
            pid = next(iter(pids.values()))
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    with parallel.Executor(client=client) as ex:
        dist = parallel.mc_european("rbergomi", K, 0.5, RB, 16000, 21, n_steps=40, block_paths=2000,
                                    executor=ex, progress=progress)
    assert killed
    _same(serial, dist)
    client.wait_for_workers(2, timeout=30)        # the nanny restarts it for the next test
    assert killed[0] not in client.run(os.getpid).values()


def test_bad_address_is_a_clear_error_within_seconds():
    t0 = time.perf_counter()
    with pytest.raises(parallel.ParallelError, match=r"cannot connect to a Dask scheduler at 'tcp://127.0.0.1:1'"):
        with parallel.Executor("tcp://127.0.0.1:1", connect_timeout=2.0):
            pass
    assert time.perf_counter() - t0 < 6.0
    for bad in ("", "nonsense", "http://host:8786", 8786):
        with pytest.raises(ValueError, match="address must be"):
            parallel.Executor(bad)


def test_cli_bad_address(capsys):
    from verifier.cli import main
    assert main(["witness", "15", "--quick", "--dask", "nonsense"]) == 2
    err = capsys.readouterr().err
    assert "--dask" in err and "address must be" in err and "Traceback" not in err


def test_mc_european_rejects_bad_input():
    with pytest.raises(ValueError, match="model must be"):
        parallel.mc_european("heston", K, 0.5, RB, 1000, 1)
    with pytest.raises(ValueError, match="missing xi0"):
        parallel.mc_european("rbergomi", K, 0.5, dict(H=0.1, eta=1.0, rho=-0.5), 1000, 1)
    with pytest.raises(ValueError, match="unknown"):
        parallel.mc_european("rbergomi", K, 0.5, dict(RB, foo=1.0), 1000, 1)
    with pytest.raises(ValueError, match="even"):
        parallel.mc_european("rbergomi", K, 0.5, RB, 1001, 1)
    with pytest.raises(ValueError, match="last block"):
        parallel.mc_european("rbergomi", K, 0.5, RB, 1002, 1, block_paths=1000)
    with pytest.raises(ValueError, match="H"):
        parallel.mc_european("rbergomi", K, 0.5, dict(RB, H=0.7 + 0.5), 1000, 1)
    with pytest.raises(ValueError, match="seed"):
        parallel.mc_european("rbergomi", K, 0.5, RB, 1000, -1)


def _merged(name, branch):
    """numerics.<name>, skipping unless it is in this checkout (an editable install elsewhere
    would otherwise lend its own copy, built against other kernels)."""
    if not (Path(parallel.__file__).parent / f"{name}.py").exists():
        pytest.skip(f"numerics/{name}.py (branch {branch}) is not merged into this checkout")
    return importlib.import_module(f"numerics.{name}")


def _exotics():
    return _merged("exotics", "service")


def _mc_fields(r):
    return (r.price, r.se, r.ci_low, r.ci_high, r.n_paths, r.control_variate, r.cv_beta)


def test_mc_exotic_cluster_equals_serial(client):
    ex_mod = _exotics()
    from numerics.rough_heston import RoughHestonParams
    prm = RoughHestonParams(**RH)
    kw = dict(K=1.0, B=1.2, T=0.5, n_steps=16)
    serial = parallel.mc_exotic("barrier", prm, 2000, 5, block_paths=500, **kw)
    with parallel.Executor(client=client) as ex:
        dist = parallel.mc_exotic("barrier", prm, 2000, 5, block_paths=500, executor=ex, **kw)
    assert _mc_fields(serial) == _mc_fields(dist)
    assert isinstance(serial, ex_mod.MCResult) and serial.n_paths == 2000 and serial.se > 0
    one = ex_mod.barrier(prm, n_paths=2000, seed=5, **kw)       # one run of the same size: same law
    assert abs(one.price - serial.price) < 5 * math.hypot(one.se, serial.se)
    with pytest.raises(ValueError, match="product must be"):
        parallel.mc_exotic("digital", prm, 2000, 5, **kw)
    with pytest.raises(ValueError, match="bogus"):
        parallel.mc_exotic("barrier", prm, 2000, 5, bogus=3, **kw)
    with pytest.raises(ValueError, match="B"):
        parallel.mc_exotic("barrier", prm, 2000, 5, **dict(kw, B=-1.0))


def _surfaces(n):
    cal = _merged("calibration", "calib")
    Ts, Ks = np.array([0.25, 0.5, 1.0]), np.array([0.8, 0.9, 1.0, 1.1, 1.2])
    out = []
    for d in range(n):                       # a slowly moving "date sequence" of model surfaces
        prm = dict(H=0.1, kappa=0.3, theta=0.02 + 0.002 * d, eta=0.3, rho=-0.7, V0=0.02 + 0.001 * d)
        iv = cal.model_implied_vols(prm, Ts, Ks)
        out.append(cal.Surface(maturity=np.repeat(Ts, Ks.size), strike=np.tile(Ks, Ts.size), iv=iv.ravel(),
                               spot=1.0))
    return out


def test_calibrate_batch_cluster_equals_serial_with_warm_starts(client):
    surfaces = _surfaces(3)
    serial = parallel.calibrate_batch(surfaces, warm_start=True, seed=0)
    with parallel.Executor(client=client) as ex:
        dist = parallel.calibrate_batch(surfaces, warm_start=True, executor=ex, seed=0)
        cold = parallel.calibrate_batch(surfaces[:2], executor=ex, seed=0)
    assert [r.params for r in serial] == [r.params for r in dist]
    assert [r.rmse_bps for r in serial] == [r.rmse_bps for r in dist]
    assert all(r.rmse_bps < 5 for r in serial), [r.rmse_bps for r in serial]
    assert len(cold) == 2 and cold[0].params == serial[0].params      # the first date starts cold either way
    with pytest.raises(ValueError, match="start cannot be given"):
        parallel.calibrate_batch(surfaces, warm_start=True, start={"H": 0.1})
