"""Input validation shared by the public numerics modules.

Every error is a ValueError naming the parameter, the expected range and the
value received, so that bad input never reaches a kernel.
"""
from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

__all__ = ["real", "integer", "array", "rng", "memory_budget"]


def _fmt_range(lo, hi, lo_open, hi_open):
    left = "(" if lo_open else "["
    right = ")" if hi_open else "]"
    lo_s = "-inf" if lo is None else repr(lo)
    hi_s = "inf" if hi is None else repr(hi)
    return f"{left}{lo_s}, {hi_s}{right}"


def real(name, value, lo=None, hi=None, lo_open=False, hi_open=False):
    """Return ``value`` as a finite float inside the given range, or raise."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
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
    if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    v = int(value)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ValueError(f"{name} must be an integer in {_fmt_range(lo, hi, False, False)}, got {v}")
    return v


def array(name, value, ndim=None, shape=None, lo=None, hi=None, lo_open=False, hi_open=False,
          dtype=np.float64, allow_empty=False):
    """Return a C-contiguous array of ``dtype`` with finite entries in range, or raise."""
    try:
        a = np.ascontiguousarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be convertible to a {np.dtype(dtype).name} array: {exc}") from None
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {a.shape}")
    if shape is not None and a.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {a.shape}")
    if a.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(a)):
        bad = np.flatnonzero(~np.isfinite(a.ravel()))[0]
        raise ValueError(f"{name} must be finite, got {a.ravel()[bad]!r} at flat index {bad}")
    if a.size and np.issubdtype(a.dtype, np.floating) or a.size and np.issubdtype(a.dtype, np.integer):
        rng_s = _fmt_range(lo, hi, lo_open, hi_open)
        if lo is not None:
            bad = (a < lo) | ((a == lo) if lo_open else False)
            if np.any(bad):
                i = int(np.flatnonzero(np.ravel(bad))[0])
                raise ValueError(f"{name} entries must be in {rng_s}, got {a.ravel()[i]!r} at flat index {i}")
        if hi is not None:
            bad = (a > hi) | ((a == hi) if hi_open else False)
            if np.any(bad):
                i = int(np.flatnonzero(np.ravel(bad))[0])
                raise ValueError(f"{name} entries must be in {rng_s}, got {a.ravel()[i]!r} at flat index {i}")
    return a


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
