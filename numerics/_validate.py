"""Input validation shared by the public numerics modules.

Every error is a ValueError naming the parameter, the expected range and the
value received, so that bad input never reaches a kernel.  Strings, booleans (Python and
NumPy) and complex numbers are refused wherever a real number is expected: ``True`` is
an ``int`` to Python and ``"1.5"`` converts to a float array, and neither is a number a
caller means.

* ``real``, ``integer``, ``array``: one value or an array of values, in range.
* ``flag``: a boolean option (True/False only).
* ``rng``: a numpy Generator from a seed or a Generator.
* ``threads``: a kernel thread count, bounded (0 = automatic) and capped at the cores.
* ``memory_budget`` and ``work_budget``: refuse a request that would need more memory than
  the machine has, or more kernel operations than ``MAX_WORK`` (it would run for minutes
  to days), before any work starts.
* ``finite``: refuse a result that overflowed (an error naming the inputs, not inf/NaN).
* ``scalar_or_array``: a 0-d result as a Python float (a scalar in gives a scalar out).
* ``warn`` and ``collect_warnings``: a numerics warning goes to ``warnings.warn`` unless the
  calling thread collects them (the pricing service returns them with each response; the
  ``warnings`` module's own catch_warnings swaps process-wide state and is not thread-safe).
"""
from __future__ import annotations

import contextlib
import math
import os
import threading
import warnings as _warnings
from numbers import Integral, Real

import numpy as np

__all__ = ["real", "integer", "array", "flag", "rng", "threads", "memory_budget", "work_budget", "finite",
           "scalar_or_array", "renamed", "warn", "collect_warnings", "MAX_THREADS", "MAX_WORK"]

_sinks = threading.local()


def warn(message, category=RuntimeWarning, stacklevel=2):
    """Emit a numerics warning: appended as ``"Category: message"`` to the innermost
    ``collect_warnings`` list of this thread if one is open, else ``warnings.warn``."""
    stack = getattr(_sinks, "stack", None)
    if stack:
        stack[-1].append(f"{category.__name__}: {message}")
    else:
        _warnings.warn(message, category, stacklevel=stacklevel + 1)


@contextlib.contextmanager
def collect_warnings():
    """``with collect_warnings() as got:`` the numerics warnings this thread emits inside the
    block (``warn``) are appended to the list ``got`` instead of going to ``warnings``; nestable,
    per thread (concurrent service requests each see their own)."""
    stack = getattr(_sinks, "stack", None)
    if stack is None:
        stack = _sinks.stack = []
    got = []
    stack.append(got)
    try:
        yield got
    finally:
        stack.pop()

#: largest accepted ``threads`` argument (0 = automatic); the kernels use at most the cores
MAX_THREADS = 256
#: largest number of elementary kernel operations (multiply-adds) one call may ask for:
#: about a minute of the slowest kernel on one core of a 2020s x86 machine (3-8e9 per
#: second measured for the hybrid-scheme convolutions).  ROUGHATLAS_MAX_WORK overrides it.
MAX_WORK = 2e11


def _plain(x):
    """A NumPy scalar as the Python number it holds (for messages: 1.5, not np.float64(1.5))."""
    return x.item() if isinstance(x, np.generic) else x


def renamed(new_name, new_value, old_name, old_value, where, default=None):
    """Resolve a renamed keyword: the old name still works, with a DeprecationWarning.

    Returns the value to use; refuses both names at once; ``default`` when neither is given."""
    import warnings
    if old_value is None:
        return default if new_value is None else new_value
    if new_value is not None:
        raise ValueError(f"{where}: give {new_name} or the deprecated {old_name}, not both")
    warnings.warn(f"{where}: the keyword {old_name} is deprecated, use {new_name}", DeprecationWarning, stacklevel=3)
    return old_value


def _is_bool_or_text(x):
    return isinstance(x, (bool, np.bool_, str, bytes, np.str_, np.bytes_))


def _fmt_range(lo, hi, lo_open, hi_open):
    left = "(" if lo_open else "["
    right = ")" if hi_open else "]"
    lo_s = "-inf" if lo is None else repr(lo)
    hi_s = "inf" if hi is None else repr(hi)
    return f"{left}{lo_s}, {hi_s}{right}"


def real(name, value, lo=None, hi=None, lo_open=False, hi_open=False):
    """Return ``value`` as a finite float inside the given range, or raise."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "fiu":
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, np.floating, np.integer)):
        raise ValueError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    v = float(value)
    rng_s = _fmt_range(lo, hi, lo_open, hi_open)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite and in {rng_s}, got {v!r}")
    if lo is not None and (v < lo or (lo_open and v == lo)):
        raise ValueError(f"{name} must be in {rng_s}, got {v!r}")
    if hi is not None and (v > hi or (hi_open and v == hi)):
        raise ValueError(f"{name} must be in {rng_s}, got {v!r}")
    return v


def integer(name, value, lo=None, hi=None):
    """Return ``value`` as an int inside [lo, hi], or raise."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Integral, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    v = int(value)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ValueError(f"{name} must be an integer in {_fmt_range(lo, hi, False, False)}, got {v}")
    return v


def array(name, value, ndim=None, shape=None, lo=None, hi=None, lo_open=False, hi_open=False,
          dtype=np.float64, allow_empty=False):
    """Return a C-contiguous array of ``dtype`` with finite entries in range, or raise.

    Strings, booleans and complex numbers are refused (NumPy would convert them); for an
    integer ``dtype`` a non-integral float is refused rather than truncated."""
    want = np.dtype(dtype)
    try:
        raw = value if isinstance(value, np.ndarray) else np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be convertible to a {want.name} array: {exc}") from None
    kind = raw.dtype.kind
    if kind in "USVbc" or (kind == "O" and any(_is_bool_or_text(x) or isinstance(x, complex)
                                                for x in raw.ravel())):
        what = {"U": "strings", "S": "bytes", "b": "booleans", "c": "complex numbers"}.get(kind, "non-numbers")
        first = _plain(raw.ravel()[0]) if raw.size else value
        raise ValueError(f"{name} must hold real numbers, got {what} (e.g. {first!r})")
    if want.kind in "iu" and kind == "f" and raw.size:
        r = raw.ravel()
        bad = ~np.isfinite(r) | (r != np.round(r))
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name} entries must be integers, got {_plain(r[i])!r} at flat index {i}")
    try:
        a = np.ascontiguousarray(raw, dtype=dtype).reshape(raw.shape)    # a scalar stays 0-d
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{name} must be convertible to a {want.name} array: {exc}") from None
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {a.shape}")
    if shape is not None and a.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {a.shape}")
    if a.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(a)):
        bad = np.flatnonzero(~np.isfinite(a.ravel()))[0]
        raise ValueError(f"{name} must be finite, got {_plain(a.ravel()[bad])!r} at flat index {bad}")
    if a.size and np.issubdtype(a.dtype, np.floating) or a.size and np.issubdtype(a.dtype, np.integer):
        rng_s = _fmt_range(lo, hi, lo_open, hi_open)
        if lo is not None:
            bad = (a < lo) | ((a == lo) if lo_open else False)
            if np.any(bad):
                i = int(np.flatnonzero(np.ravel(bad))[0])
                raise ValueError(f"{name} entries must be in {rng_s}, got {_plain(a.ravel()[i])!r} at flat index {i}")
        if hi is not None:
            bad = (a > hi) | ((a == hi) if hi_open else False)
            if np.any(bad):
                i = int(np.flatnonzero(np.ravel(bad))[0])
                raise ValueError(f"{name} entries must be in {rng_s}, got {_plain(a.ravel()[i])!r} at flat index {i}")
    return a


def flag(name, value):
    """Return ``value`` as a bool if it is one (Python or NumPy), else raise (no truthy strings)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def rng(seed_or_generator):
    """A numpy Generator from a seed (int or None) or an existing Generator."""
    if isinstance(seed_or_generator, np.random.Generator):
        return seed_or_generator
    if seed_or_generator is None or (isinstance(seed_or_generator, (Integral, np.integer))
                                     and not isinstance(seed_or_generator, bool)):
        if seed_or_generator is not None and int(seed_or_generator) < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed_or_generator}")
        return np.random.default_rng(seed_or_generator)
    raise ValueError(f"rng must be a numpy.random.Generator or an integer seed, got {seed_or_generator!r}")


def threads(value, name="threads"):
    """A kernel thread count: an integer in [0, MAX_THREADS] (0 = automatic), returned
    capped at the number of cores this process may use (results never depend on it)."""
    n = integer(name, value, 0, MAX_THREADS)
    if n == 0:
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without sched_getaffinity
        cores = os.cpu_count() or 1
    return max(1, min(n, cores))


def _max_work():
    env = os.environ.get("ROUGHATLAS_MAX_WORK", "")
    try:
        val = float(env)
    except ValueError:
        return MAX_WORK
    return val if math.isfinite(val) and val > 0 else MAX_WORK


def work_budget(what, ops, formula):
    """Refuse a request needing more than ``MAX_WORK`` elementary kernel operations.

    ``what`` names the request with its sizes, ``formula`` says how ``ops`` is counted
    (e.g. "n_paths * n_steps^2 / 2"); the message names the limit and how to raise it."""
    ops = float(ops)
    limit = _max_work()
    if ops > limit:
        raise ValueError(
            f"{what} would need about {ops:.3g} kernel operations ({formula}), more than the limit "
            f"{limit:.3g} (numerics._validate.MAX_WORK, about a minute of work; set ROUGHATLAS_MAX_WORK "
            "to raise it); reduce the number of paths or steps")
    return ops


def finite(name, value, hint=""):
    """Return ``value`` if every entry is finite, else raise a ValueError naming it.

    For results: an overflow or a NaN from valid-looking inputs becomes an error that says
    which quantity left the double range and (``hint``) which inputs to change."""
    a = np.asarray(value)
    if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
        bad = a.ravel()[np.flatnonzero(~np.isfinite(a.ravel()))[0]]
        raise ValueError(f"{name} is not finite ({_plain(bad)!r}): the result leaves the double range"
                         + (f"; {hint}" if hint else ""))
    return value


def scalar_or_array(a):
    """A 0-d array (or NumPy scalar) as a Python float/complex/int; other arrays unchanged."""
    if isinstance(a, np.ndarray) and a.ndim == 0:
        a = a[()]
    if isinstance(a, np.generic):
        return a.item()
    return a


def _available_memory_bytes():
    """Bytes of memory the machine can still give us (MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import os
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def memory_budget(what, nbytes, fraction=0.8):
    """Refuse a request needing more than ``fraction`` of the available memory.

    ``what`` names the request (e.g. "n_paths * n_steps"); the message says how
    much memory the request would need and how much is available.
    """
    nbytes = int(nbytes)
    avail = _available_memory_bytes()
    if avail is not None and nbytes > fraction * avail:
        raise ValueError(
            f"{what} would need {nbytes / 2**30:.2f} GiB of memory, more than the "
            f"{fraction * avail / 2**30:.2f} GiB this machine can give ({avail / 2**30:.2f} GiB available); "
            "reduce the number of paths or steps")
    return nbytes
