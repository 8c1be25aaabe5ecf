"""Scale-out on Dask (numerics.parallel): a 2-worker LocalCluster against the serial run.

* the witness suite at --quick sizes (one task per observable and parameter point; the full
  sizes take far longer than a benchmark run on this shared 2-core machine), one repeat each;
* European calls under rBergomi by 10^6 paths (20 blocks of 50 000 paths, 100 steps).

Both sides compute the same numbers (the tests check bit-identity); ratio = serial / cluster.
The setups measure, on the same cluster, the scheduling overhead per task (wall time of 200
no-op tasks / 200) and each real task's own time, and print a scaling estimate for a
32-worker cluster from them (task count x measured task time; see ``_estimate``).  The
cluster's workers are this machine's 2 cores, so the speed-up is at most 2 and less when
other work shares the cores.
"""
from __future__ import annotations

import statistics
import time

from benchmarks.harness import Reference, Workload

_MC = dict(model="rbergomi", K=[0.8, 0.9, 1.0, 1.1, 1.2], T=0.5, params=dict(H=0.1, eta=1.9, rho=-0.9, xi0=0.04),
           n_paths=1_000_000, seed=2026, n_steps=100, block_paths=50_000)
_STATE = {}
_WORKERS_EST = 32
_NOOPS = 200


def noop(i):
    """A task that does nothing (its wall time over many is the scheduling overhead)."""
    return i


def _executor():
    """One 2-worker LocalCluster for the module (closed at interpreter exit)."""
    if "ex" not in _STATE:
        import atexit

        from numerics import parallel
        ex = parallel.Executor("local", n_workers=2).__enter__()
        atexit.register(ex.__exit__, None, None, None)
        _STATE["ex"] = ex
        ex.map(noop, [(i,) for i in range(20)])                      # workers up and connected
        t0 = time.perf_counter()
        ex.map(noop, [(i,) for i in range(_NOOPS)])
        _STATE["overhead"] = (time.perf_counter() - t0) / _NOOPS
    return _STATE["ex"]


def clear_caches():
    """Empty every functools cache of the loaded numerics modules (observables share simulations
    through them), so each timed run starts as cold as the first; returns how many were cleared."""
    import sys
    n = 0
    for name, mod in list(sys.modules.items()):
        if not name.startswith("numerics"):
            continue
        for obj in list(vars(mod).values()):
            if callable(getattr(obj, "cache_clear", None)) and getattr(obj, "__module__", None) == name:
                obj.cache_clear()
                n += 1
    return n


def _estimate(task_secs, overhead, workers=_WORKERS_EST, groups=None):
    """Scaling estimates for ``workers`` workers from measured task times and the overhead per task.

    strong: the same tasks, T ~ max(sum t / workers, longest chain) + n * overhead (the
    scheduler hands tasks out one by one; a chain is a group whose tasks run in order, or one
    task); weak: ``workers`` times as many tasks of the same kind, T ~ sum t + workers * n *
    overhead, efficiency = sum t / T."""
    n, tot = len(task_secs), sum(task_secs)
    chains = {}
    for i, t in enumerate(task_secs):
        g = groups[i] if groups is not None else i
        chains[g] = chains.get(g, 0.0) + t
    strong = max(tot / workers, max(chains.values())) + n * overhead
    weak = tot + workers * n * overhead
    return (f"{n} tasks, task time mean {statistics.mean(task_secs) * 1e3:.3g} ms (max "
            f"{max(task_secs) * 1e3:.3g} ms, sum {tot:.3g} s); scheduling overhead {overhead * 1e3:.3g} ms/task "
            f"({_NOOPS} no-op tasks on this cluster); longest chain {max(chains.values()):.3g} s; "
            f"{workers}-worker estimate: strong scaling (same tasks) "
            f"~{strong:.3g} s = {tot / strong:.3g}x one worker; weak scaling ({workers}x the tasks) ~{weak:.3g} s, "
            f"efficiency {tot / weak:.0%}")


# -- the witness suite ---------------------------------------------------------------

def _witness_serial():
    from verifier import witness
    from verifier.registry import load
    witness.clear_cache()
    clear_caches()
    return witness.run_all(load(), quick=True)


def _witness_cluster():
    from verifier import witness
    from verifier.registry import load
    witness.clear_cache()
    _executor().client.run(clear_caches)
    reg = load()
    witness.prefetch(reg, _executor(), quick=True)
    return witness.run_all(reg, quick=True)


def _witness_setup():
    from verifier import witness
    from verifier.registry import load
    ex = _executor()
    ex.client.run(lambda: __import__("numerics.witness", fromlist=["load_all"]).load_all())   # imports on the workers
    witness.clear_cache()
    reg = load()
    tasks = witness.measurements(reg, True)
    t0 = time.perf_counter()
    witness.run_all(reg, quick=True)               # serial warm-up; its per-task times feed the estimate
    wall = time.perf_counter() - t0
    secs = [witness._CACHE[witness._key(*t)][1] for t in tasks]
    from numerics.witness import get
    groups = [get(t[0]).fn.__module__ for t in tasks]
    witness.clear_cache()
    _W.note = (f"quick sizes, 1 repeat, every numerics cache emptied before each run (serial warm-up "
               f"{wall:.3g} s); " + _estimate(secs, _STATE["overhead"], groups=groups))


# -- Monte Carlo -----------------------------------------------------------------------

def _mc(executor=None):
    from numerics import parallel
    return parallel.mc_european(**_MC, executor=executor if executor is not None else parallel.Executor())


def _mc_cluster():
    return _mc(_executor())


def _mc_setup():
    from numerics import parallel
    from numerics.parallel import blocks
    args = [(_MC["model"], _MC["params"], _MC["K"], _MC["T"], _MC["n_steps"], "mixing", _MC["seed"], i, size)
            for i, (_, size) in enumerate(blocks(_MC["n_paths"], _MC["block_paths"]))]
    secs = [parallel.timed(parallel.european_block, *a)[1] for a in args]     # serial, task by task
    _executor()
    _MC_W.note = "20 blocks of 50 000 paths x 100 steps, rBergomi mixing estimator; " + _estimate(
        secs, _STATE["overhead"])


_W = Workload("parallel: witness suite --quick, 2-worker LocalCluster", _witness_cluster,
              [Reference("serial (same process)", _witness_serial)], setup=_witness_setup, repeat=1, warmup=False)
_MC_W = Workload("parallel: rBergomi 1e6-path MC European, 2-worker LocalCluster", _mc_cluster,
                 [Reference("serial (same process)", _mc)], setup=_mc_setup, repeat=3)
WORKLOADS = [_MC_W, _W]
