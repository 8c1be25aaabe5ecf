"""The one way a route calls the numerics: off the event loop, warnings collected, results
checked finite."""
from __future__ import annotations

import math

import numpy as np
from starlette.concurrency import run_in_threadpool

from numerics._validate import collect_warnings

MAX_WARNINGS = 20          # distinct warnings returned per response (a calibration may repeat many)


def _collected(fn, args, kwargs):
    with collect_warnings() as said:
        def fp(err, flag):          # NumPy floating-point errors (errstate is per thread/context)
            said.append(f"RuntimeWarning: {err} encountered in a NumPy floating-point operation")
        with np.errstate(over="call", divide="call", invalid="call", call=fp):
            out = fn(*args, **kwargs)
    seen = list(dict.fromkeys(said))
    if len(seen) > MAX_WARNINGS:
        seen = seen[:MAX_WARNINGS - 1] + [f"... and {len(seen) - MAX_WARNINGS + 1} more warnings"]
    return out, seen


async def offload(fn, *args, **kwargs):
    """``(fn(*args, **kwargs), warnings)`` run in the thread pool (CPU work never blocks the
    event loop); ``warnings`` lists the numerics warnings of this call (``numerics._validate.warn``,
    and NumPy's floating-point warnings outside the numerics' own ``np.errstate`` blocks), collected
    per thread, so concurrent requests never see each other's; distinct, at most MAX_WARNINGS."""
    return await run_in_threadpool(_collected, fn, args, kwargs)


def finite_list(a, what):
    """A (nested) list of floats from an array, or ValueError naming ``what`` if any is not finite."""
    arr = np.asarray(a, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what}: the numerics returned a non-finite value for this input")
    return arr.tolist()


def finite_or_none(x):
    x = float(x)
    return x if math.isfinite(x) else None


def mc_dict(res, what):
    d = res.as_dict()
    finite_list([d["price"], d["se"], d["ci_low"], d["ci_high"], d["cv_beta"]], what)
    return d
