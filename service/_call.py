"""The one way a route calls the numerics: off the event loop, results checked finite."""
from __future__ import annotations

import math

import numpy as np
from starlette.concurrency import run_in_threadpool


async def offload(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` in the thread pool (CPU work never blocks the event loop)."""
    return await run_in_threadpool(fn, *args, **kwargs)


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
