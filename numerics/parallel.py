"""Scale-out on Dask: one execution layer for the witness suite, Monte Carlo and calibration.

Three ways to run the same tasks:

* serial (the default, ``address=None``): tasks run in this process, in order;
* ``"local"``: a ``dask.distributed.LocalCluster`` started for the run (worker processes,
  one thread each, no dashboard) and closed after it;
* ``"tcp://host:port"`` (or any address ``dask.distributed.Client`` accepts): an existing
  scheduler.  Its workers must have roughatlas installed at the same version (they import
  the compiled kernels themselves: only plain parameters and numpy arrays cross the wire).

Rules every task follows (STYLE.md, "Execution"):

* a task is a plain module-level function of (params, seed, block) -- picklable by
  reference, so a worker imports it;
* the work is split into blocks fixed by the request, never by the number of workers; block
  ``i``'s generator is ``numpy.random.default_rng(SeedSequence(root, spawn_key=(i,)))``
  (``block_rng``), never worker state;
* the serial path and the cluster path call the same function and combine the block results
  in block order, so a fixed seed gives bit-identical results whatever the number of workers
  and the order they finish in;
* tasks are submitted with ``pure=False`` (two equal calls are two tasks, never deduplicated)
  and ``retries`` (a task whose worker dies is rescheduled by the scheduler; one that raises
  is retried ``retries`` times before its error is reported).

Public API:

* ``Executor(address=None, n_workers=2, retries=2, connect_timeout=5.0)``: context manager;
  ``.map(fn, args_list, progress=None)`` -> results in the order of ``args_list``.
* ``block_rng(root, block)`` -> numpy Generator of block ``block``.
* ``blocks(n, block_size)`` -> the (start, size) of each block of ``n`` items.
* ``mc_european(model, K, T, params, n_paths, seed, block_paths=..., address=None | executor=...)``
  -> ``numerics.rbergomi.Prices``: European calls under ``"rbergomi"`` or ``"rough_heston"``
  (iVi scheme), blocks of paths combined with their standard errors.
* ``mc_exotic(product, params, n_paths, seed, block_paths=..., **kwargs)`` -> ``exotics.MCResult``:
  a ``numerics.exotics`` product (barrier, Asian, lookback, variance / volatility swap) over blocks.
* ``calibrate_batch(surfaces, warm_start=False, segment=None, **kwargs)`` -> list of
  ``calibration.CalibrationResult``: one task per surface, warm starts along a date sequence.
"""
from __future__ import annotations

import math
import time
import warnings

import numpy as np

from numerics import _validate as v

__all__ = ["ParallelError", "Executor", "local_cluster", "block_rng", "block_seed", "blocks", "european_block",
           "combine_blocks", "mc_european", "exotic_block", "combine_exotic", "mc_exotic", "calibrate_task",
           "calibrate_batch"]

MODELS = ("rbergomi", "rough_heston")


class ParallelError(RuntimeError):
    """The cluster could not be reached or a task failed on it (the message says which)."""


def block_rng(root, block):
    """The generator of block ``block`` under root seed ``root``: SeedSequence(root, spawn_key=(block,))."""
    root = v.integer("seed", root, 0, None)
    block = v.integer("block", block, 0, None)
    return np.random.default_rng(np.random.SeedSequence(root, spawn_key=(block,)))


def blocks(n, block_size):
    """(start, size) of consecutive blocks of ``block_size`` items covering ``n`` (the last may be short)."""
    n = v.integer("n", n, 1, None)
    block_size = v.integer("block_size", block_size, 1, None)
    return [(s, min(block_size, n - s)) for s in range(0, n, block_size)]


# -- the executor ----------------------------------------------------------------

def _check_address(address):
    if address is None or address == "local":
        return address
    if not isinstance(address, str) or not address.strip():
        raise ValueError(f"address must be None, 'local' or a scheduler address such as "
                         f"'tcp://host:8786', got {address!r}")
    a = address.strip()
    if "://" not in a:
        a = "tcp://" + a
    scheme, rest = a.split("://", 1)
    if scheme not in ("tcp", "tls", "inproc", "ws", "wss", "ucx") or ":" not in rest:
        raise ValueError(f"address must be 'local' or a scheduler address such as 'tcp://host:8786', "
                         f"got {address!r}")
    return a


def local_cluster(n_workers=2):
    """A LocalCluster of ``n_workers`` processes, one thread each, no dashboard.

    Dask's nannies set MALLOC_TRIM_THRESHOLD_=65536 in their workers by default, which stops
    glibc from keeping freed memory and made the numpy-heavy witness observables about 3x
    slower (measured: a_logvar_moments 0.3 s -> 1.0 s per point); it is unset here.  Set
    ``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: null`` in the dask config
    of a remote cluster's workers for the same effect."""
    import dask
    from distributed import LocalCluster

    with warnings.catch_warnings(), dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_":
                                                     None}):
        warnings.filterwarnings("ignore", message="Port .* is already in use")   # another cluster's dashboard
        return LocalCluster(n_workers=v.integer("n_workers", n_workers, 1, 1024), threads_per_worker=1,
                            processes=True, dashboard_address=None)


class Executor:
    """Run tasks serially (``address=None``), on a fresh LocalCluster (``"local"``) or on the
    scheduler at ``address``.

    Parameters
    ----------
    address : None, "local" or str
        Where to run.  A scheduler that does not answer within ``connect_timeout`` seconds
        raises ``ParallelError`` naming the address.
    n_workers : int
        Worker processes of the LocalCluster (``"local"`` only; one thread each).
    retries : int
        Times a task that raised is resubmitted (a task on a worker that died is rescheduled by
        the scheduler without using up a retry).
    connect_timeout : float
        Seconds to wait for the scheduler.
    client : dask.distributed.Client, optional
        An existing client to use instead (not closed on exit); ``address`` is then ignored.
    """

    def __init__(self, address=None, n_workers=2, retries=2, connect_timeout=5.0, client=None):
        self.address = _check_address(address) if client is None else getattr(client, "scheduler", None)
        self.n_workers = v.integer("n_workers", n_workers, 1, 1024)
        self.retries = v.integer("retries", retries, 0, 100)
        self.connect_timeout = v.real("connect_timeout", connect_timeout, 0.0, None, lo_open=True)
        self.client, self._own, self._cluster = client, client is None, None

    @property
    def serial(self):
        return self.client is None and self.address is None

    def __enter__(self):
        if self.client is not None or self.address is None:
            return self
        from distributed import Client
        if self.address == "local":
            self._cluster = local_cluster(self.n_workers)
            self.client = Client(self._cluster)
            return self
        try:
            self.client = Client(self.address, timeout=self.connect_timeout)
        except Exception as exc:  # refused, timed out, or something that is not a Dask scheduler answered
            why = (str(exc).splitlines() or [""])[0][:200]
            raise ParallelError(f"cannot connect to a Dask scheduler at {self.address!r} (timeout "
                                f"{self.connect_timeout:g} s; {type(exc).__name__}: {why}); start one with "
                                f"`dask scheduler` and `dask worker {self.address}`, or use 'local'") from None
        return self

    def __exit__(self, *exc):
        if self._own and self.client is not None:
            self.client.close()
            self.client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
        return False

    def workers(self):
        """Number of workers (1 for the serial executor)."""
        if self.client is None:
            return 1
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def map(self, fn, args_list, progress=None, groups=None):
        """``[fn(*args) for args in args_list]``, on the cluster when there is one.

        ``progress(done, total)`` is called after each finished task (on the cluster, as the
        tasks complete, in any order).  The results are returned in the order of ``args_list``.
        A task that fails after its retries raises ``ParallelError`` naming it and its error.

        ``groups`` (one hashable per task, optional): the tasks of one group run one after
        another in list order, each on the worker holding the previous one's result (a
        dependency, so Dask's data locality keeps them together, and a lost result is
        recomputed), so work they share through a process-level cache is done once, as in
        the serial run.  Only the speed depends on it, never the results."""
        args_list = [tuple(a) for a in args_list]
        total = len(args_list)
        if groups is not None and len(groups) != total:
            raise ValueError(f"groups must have one entry per task ({total}), got {len(groups)}")
        if self.client is None:
            out = []
            for i, a in enumerate(args_list):
                out.append(fn(*a))
                if progress is not None:
                    progress(i + 1, total)
            return out
        futs, last = [], {}
        for i, a in enumerate(args_list):
            g = groups[i] if groups is not None else None
            if g is not None and g in last:
                f = self.client.submit(_after, fn, last[g], *a, pure=False, retries=self.retries)
            else:
                f = self.client.submit(fn, *a, pure=False, retries=self.retries)
            if g is not None:
                last[g] = f
            futs.append(f)
        return self.gather_in_order(futs, getattr(fn, "__name__", str(fn)), progress, args_list)

    def gather_in_order(self, futs, name, progress=None, args_list=None):
        """Results of the futures ``futs`` in their order, calling ``progress(done, total)`` as
        they complete; a failed one raises ``ParallelError`` naming the task."""
        from distributed import as_completed
        index = {f.key: i for i, f in enumerate(futs)}
        out, done, total = [None] * len(futs), 0, len(futs)
        try:
            for f in as_completed(futs):
                i = index[f.key]
                try:
                    out[i] = f.result()
                except Exception as exc:
                    what = _short(args_list[i]) if args_list is not None else f"[{i}]"
                    raise ParallelError(f"task {name}{what} failed on the cluster: "
                                        f"{type(exc).__name__}: {exc}") from exc
                done += 1
                if progress is not None:
                    progress(done, total)
        finally:
            for f in futs:
                f.release()
        return out


def _after(fn, _previous, *args):
    """``fn(*args)`` once ``_previous`` (a task of the same group) is done (see ``Executor.map``)."""
    return fn(*args)


def progress_printer(executor, label, stream=None):
    """A ``progress(done, total)`` for ``Executor.map`` writing the cluster's tasks done to stderr:
    one live line on a terminal, otherwise a line at each tenth of the tasks."""
    import sys
    stream = stream or sys.stderr
    live = stream.isatty()
    where = "serially" if executor.serial else f"on {executor.workers()} Dask worker(s) at {executor.address}"
    t0 = time.perf_counter()
    state = {"step": 0}

    def progress(done, total):
        el = time.perf_counter() - t0
        msg = f"{label}: {done}/{total} tasks done {where} ({el:.1f} s)"
        if live:
            stream.write("\r" + msg + ("\n" if done == total else ""))
        elif done == total or done * 10 // max(total, 1) > state["step"]:
            state["step"] = done * 10 // max(total, 1)
            stream.write(msg + "\n")
        stream.flush()
    return progress


def _short(args, n=120):
    s = repr(args)
    return s if len(s) <= n else s[:n - 3] + "..."


# -- Monte Carlo: European calls over blocks of paths ------------------------------

def european_block(model, params, K, T, n_steps, estimator, root, block, n_paths):
    """One block's (count, mean, M2) of the call samples (antithetic pairs averaged), per strike.

    A module-level task of (params, seed, block): ``params`` a dict of the model's numbers, the
    block's generator ``block_rng(root, block)``; ``n_paths`` even (antithetic pairs)."""
    from numerics._bs_mc_helpers import bs_call
    from numerics.rbergomi import _mixing_inputs, _pairs

    rng = block_rng(root, block)
    K = np.asarray(K, dtype=float)
    if model == "rbergomi":
        from numerics import rbergomi
        p = rbergomi.simulate(params["H"], params["eta"], params["rho"], params["xi0"], T, n_steps, n_paths,
                              params.get("kappa", 1), rng, antithetic=True)
    else:
        from numerics import rough_heston_mc
        p = rough_heston_mc.simulate(params["H"], params["kappa"], params["theta"], params["eta"],
                                     params["rho"], params["V0"], T, n_steps, n_paths, params.get("m", 20), rng,
                                     antithetic=True, scheme="ivi")
    if estimator == "plain":
        samples = np.maximum(np.exp(p.logS_T)[None, :] - K[:, None], 0.0)
    else:
        F, sd = _mixing_inputs(p, float(params["rho"]))
        samples = bs_call(F[None, :], K[:, None], sd[None, :])
    x = _pairs(samples, True)
    mean = x.mean(axis=-1)
    m2 = ((x - mean[:, None]) ** 2).sum(axis=-1)
    return x.shape[-1], mean, m2


def combine_blocks(parts):
    """Pooled (count, mean, M2) of block statistics, combined in block order (Chan et al.)."""
    n, mean, m2 = parts[0][0], np.array(parts[0][1], dtype=float), np.array(parts[0][2], dtype=float)
    for nb, mb, m2b in parts[1:]:
        tot = n + nb
        d = mb - mean
        mean = mean + d * (nb / tot)
        m2 = m2 + m2b + d * d * (n * nb / tot)
        n = tot
    return n, mean, m2


_MODEL_KEYS = {"rbergomi": ("H", "eta", "rho", "xi0"), "rough_heston": ("H", "kappa", "theta", "eta", "rho", "V0")}
_MODEL_INTS = {"rbergomi": {"kappa": (1, 2)}, "rough_heston": {"m": (1, 64)}}   # optional integer settings


def _model_params(model, params):
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    keys, ints = _MODEL_KEYS[model], _MODEL_INTS[model]
    if not isinstance(params, dict):
        raise ValueError(f"params must be a dict of the {model} parameters {', '.join(keys)}, got {params!r}")
    missing = [k for k in keys if k not in params]
    unknown = [k for k in params if k not in keys and k not in ints]
    if missing or unknown:
        raise ValueError(f"params for {model}: " + "; ".join(
            ([f"missing {', '.join(missing)}"] if missing else []) + ([f"unknown {', '.join(map(str, unknown))}"
                                                                        f" (known: {', '.join(keys + tuple(ints))})"]
                                                                       if unknown else [])))
    out = {k: v.integer(f"params.{k}", x, *ints[k]) if k in ints else v.real(f"params.{k}", x)
           for k, x in params.items()}
    if model == "rbergomi":
        from numerics.rbergomi import _model
        _model(out["H"], out["eta"], out["rho"], out["xi0"], 1.0)
    else:
        from numerics.rough_heston_mc import _params
        _params(out["H"], out["kappa"], out["theta"], out["eta"], out["rho"], out["V0"], 1.0)
    return out


def mc_european(model, K, T, params, n_paths, seed, n_steps=100, block_paths=50_000, estimator="mixing",
                address=None, executor=None, progress=None):
    """European call prices on S_0 = 1 by Monte Carlo over seeded blocks of paths.

    Parameters
    ----------
    model : {"rbergomi", "rough_heston"}
        rBergomi (hybrid scheme, params H, eta, rho, xi0) or rough Heston (iVi scheme, params H,
        kappa, theta, eta, rho, V0, optional m).
    K : array_like
        Strikes (S_0 = 1, zero rates), > 0.
    T : float
        Maturity in years, > 0.
    params : dict
        Model parameters (units: years^-1 for kappa, variance for xi0 / theta / V0).
    n_paths : int
        Total paths, a multiple of 2 (antithetic pairs); split into blocks of ``block_paths``.
    seed : int
        Root seed; block i uses ``block_rng(seed, i)``.  The result depends only on (seed,
        n_paths, block_paths, ...), never on where or in what order the blocks ran.
    n_steps : int
        Time steps per path.
    block_paths : int
        Paths per block (even); one task per block.
    estimator : {"mixing", "plain"}
    address : None, "local" or scheduler address
        Where to run (see ``Executor``); ignored when ``executor`` is given.
    executor : Executor, optional
        An open executor to reuse.
    progress : callable(done, total), optional

    Returns
    -------
    numerics.rbergomi.Prices
        price and se per strike (se from the pooled sample variance of the antithetic-pair
        averages), implied vols and their SEs.
    """
    from numerics._bs_mc_helpers import bs_vega_sd, implied_total_sd
    from numerics.rbergomi import Prices, _warn_no_iv

    params = _model_params(model, params)
    K = v.array("K", np.atleast_1d(K), ndim=1, lo=0.0, lo_open=True)
    T = v.real("T", T, 0.0, None, lo_open=True)
    n_paths = v.integer("n_paths", n_paths, 4, None)
    block_paths = v.integer("block_paths", block_paths, 4, None)
    n_steps = v.integer("n_steps", n_steps, 1, 1 << 20)
    seed = v.integer("seed", seed, 0, None)
    if n_paths % 2 or block_paths % 2:
        raise ValueError(f"n_paths and block_paths must be even (antithetic pairs), got {n_paths} and {block_paths}")
    if estimator not in ("mixing", "plain"):
        raise ValueError(f"estimator must be 'mixing' or 'plain', got {estimator!r}")
    bl = blocks(n_paths, block_paths)
    if bl[-1][1] < 4:
        raise ValueError(f"the last block has {bl[-1][1]} paths (n_paths={n_paths}, block_paths={block_paths}); "
                         "make n_paths a multiple of block_paths or leave at least 4 paths in the last block")
    args = [(model, params, K, float(T), n_steps, estimator, seed, i, size) for i, (_, size) in enumerate(bl)]
    if executor is None:
        with Executor(address) as ex:
            parts = ex.map(european_block, args, progress)
    else:
        parts = executor.map(european_block, args, progress)
    n, price, m2 = combine_blocks(parts)
    se = np.sqrt(m2 / (n - 1) / n)
    s = implied_total_sd(price, 1.0, K)
    _warn_no_iv(K, s)
    iv_se = se / bs_vega_sd(1.0, K, s) / math.sqrt(T)
    return Prices(K, float(T), price, se, s / math.sqrt(T), iv_se, estimator)


# -- Monte Carlo: exotics over blocks of paths (numerics.exotics) -------------------------

EXOTICS = ("european", "barrier", "asian", "lookback", "variance_swap", "volatility_swap")


def block_seed(root, block):
    """An integer seed for a kernel that takes one: the first 63 bits drawn by ``block_rng(root, block)``."""
    return int(block_rng(root, block).integers(0, 2 ** 63, dtype=np.int64))


def exotic_block(product, params, kwargs, root, block, n_paths):
    """One block's ``numerics.exotics.<product>(params, **kwargs, n_paths=n_paths, seed=...)``,
    seed ``block_seed(root, block)``: a module-level task of (params, seed, block)."""
    from numerics import exotics
    return getattr(exotics, product)(params, **kwargs, n_paths=n_paths, seed=block_seed(root, block))


def combine_exotic(parts):
    """Pool block ``MCResult``s: path-weighted mean, SE = sqrt(sum (n_i / N)^2 se_i^2), 95 % interval;
    ``cv_beta`` is the path-weighted mean of the blocks' own coefficients."""
    from numerics.exotics import MCResult
    N = sum(p.n_paths for p in parts)
    price = sum(p.n_paths / N * p.price for p in parts)
    se = math.sqrt(sum((p.n_paths / N * p.se) ** 2 for p in parts))
    z = 1.959963984540054
    return MCResult(price, se, price - z * se, price + z * se, N, parts[0].control_variate,
                    sum(p.n_paths / N * p.cv_beta for p in parts))


def mc_exotic(product, params, n_paths, seed, block_paths=50_000, address=None, executor=None, progress=None,
              **kwargs):
    """An exotic of ``numerics.exotics`` priced over seeded blocks of paths.

    Parameters
    ----------
    product : {"european", "barrier", "asian", "lookback", "variance_swap", "volatility_swap"}
        The ``numerics.exotics`` function; ``kwargs`` are its arguments (K, B, T, kind, S0, r,
        q, n_steps, monitor_every, control_variate, ...), except ``n_paths`` and ``seed``.
    params : numerics.rough_heston.RoughHestonParams or numerics.exotics.RBergomiParams
    n_paths : int
        Total paths, split into blocks of ``block_paths`` (one task each; both even with the
        default antithetic pairs).
    seed : int
        Root seed; block i runs with ``block_seed(seed, i)``.  The result depends only on the
        request (seed, n_paths, block_paths, kwargs), never on the workers.
    address, executor, progress
        As ``mc_european``.

    Returns
    -------
    numerics.exotics.MCResult
        Pooled over the blocks (``combine_exotic``).  With ``control_variate=True`` each block
        estimates its own coefficient (bias O(1 / block_paths) instead of O(1 / n_paths)).
    """
    if product not in EXOTICS:
        raise ValueError(f"product must be one of {', '.join(EXOTICS)}, got {product!r}")
    n_paths = v.integer("n_paths", n_paths, 4, None)
    block_paths = v.integer("block_paths", block_paths, 4, None)
    seed = v.integer("seed", seed, 0, None)
    if kwargs.get("antithetic", True) and (n_paths % 2 or block_paths % 2):
        raise ValueError(f"n_paths and block_paths must be even (antithetic pairs), got {n_paths} and {block_paths}")
    bl = blocks(n_paths, block_paths)
    if bl[-1][1] < 4:
        raise ValueError(f"the last block has {bl[-1][1]} paths (n_paths={n_paths}, block_paths={block_paths}); "
                         "make n_paths a multiple of block_paths")
    try:                                                    # validates params and kwargs here, not on a worker
        exotic_block(product, params, kwargs, seed, 0, 4)
    except TypeError as exc:
        raise ValueError(f"mc_exotic({product!r}, ...): {exc}") from None
    args = [(product, params, kwargs, seed, i, size) for i, (_, size) in enumerate(bl)]
    if executor is None:
        with Executor(address) as ex:
            return combine_exotic(ex.map(exotic_block, args, progress))
    return combine_exotic(executor.map(exotic_block, args, progress))


# -- batch calibration (numerics.calibration) ------------------------------------------

def calibrate_task(surface, kwargs, previous=None):
    """``numerics.calibration.calibrate(surface, **kwargs)``, started from ``previous.params``
    (a CalibrationResult) when given: a module-level task."""
    from numerics import calibration
    kw = dict(kwargs)
    if previous is not None:
        kw["start"] = dict(previous.params)
    return calibration.calibrate(surface, **kw)


def calibrate_batch(surfaces, warm_start=False, segment=None, address=None, executor=None, progress=None,
                    **kwargs):
    """Calibrate each surface of a list (e.g. one per date), one task per surface.

    Parameters
    ----------
    surfaces : list of numerics.calibration.Surface
        In date order when ``warm_start`` is set.
    warm_start : bool
        Each surface starts from the previous one's calibrated parameters (a chain of tasks:
        surface i waits for i - 1).  Without it the surfaces are independent tasks.
    segment : int, optional
        With ``warm_start``: restart cold every ``segment`` surfaces, so the segments run in
        parallel (the split is fixed by the request, never by the number of workers).
    kwargs
        Passed to ``calibrate`` (model, jumps, seed, ...); ``start`` is not allowed with
        ``warm_start``.  Keep ``max_time`` out of reach (calibrate's wall-time budget would
        make the result depend on the machine).

    Returns
    -------
    list of CalibrationResult, in the order of ``surfaces``.
    """
    if not isinstance(surfaces, (list, tuple)) or not surfaces:
        raise ValueError(f"surfaces must be a non-empty list of Surface, got {type(surfaces).__name__}")
    if warm_start and "start" in kwargs:
        raise ValueError("start cannot be given with warm_start=True (each surface starts from the previous one)")
    seg = len(surfaces) if segment is None else v.integer("segment", segment, 1, None)
    ex_cm = Executor(address) if executor is None else None
    ex = executor if executor is not None else ex_cm.__enter__()
    try:
        if not warm_start:
            return ex.map(calibrate_task, [(s, kwargs) for s in surfaces], progress)
        if ex.client is None:
            out = []
            for i, s in enumerate(surfaces):
                out.append(calibrate_task(s, kwargs, out[-1] if i % seg else None))
                if progress is not None:
                    progress(i + 1, len(surfaces))
            return out
        futs = []
        for i, s in enumerate(surfaces):
            prev = futs[-1] if i % seg else None
            futs.append(ex.client.submit(calibrate_task, s, kwargs, prev, pure=False, retries=ex.retries))
        return ex.gather_in_order(futs, "calibrate_task", progress)
    finally:
        if ex_cm is not None:
            ex_cm.__exit__(None, None, None)


def timed(fn, *args):
    """(fn(*args), seconds): a task wrapper for measuring per-task time on the workers."""
    t0 = time.perf_counter()
    r = fn(*args)
    return r, time.perf_counter() - t0
