"""Real market data that installs from PyPI: the daily series shipped inside the ``arch`` wheel.

Nothing is fetched at run time: both series are CSV files inside the installed ``arch``
package (pinned in ``requirements.txt``), read through ``arch.data.<name>.load()``.

* ``load_vix()`` -> ``Series``: CBOE VIX daily closes (index points, i.e. annualised
  30-day implied volatility in percent), 2014-01-03 .. 2019-01-03, 1,305 trading days
  (``arch.data.vix``; column ``vix``).
* ``load_sp500()`` -> ``OHLC``: S&P 500 index daily open, high, low, close (index points),
  1999-01-04 .. 2018-12-31, 5,031 trading days (``arch.data.sp500``; columns
  ``Open, High, Low, Close, Adj Close, Volume``; we use the first four).
* ``provenance()`` -> dict describing both (package, version, file, date range, columns, n),
  computed from the loaded data, for the study report.

The paper's own windows (VIX 2021-2026, SPY 2023-2026, from Yahoo Finance) are not public;
every comparison with its numbers must say that the windows differ.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

__all__ = ["Series", "OHLC", "load_vix", "load_sp500", "provenance", "ARCH_VERSION"]

ARCH_VERSION = "8.0.0"      # the version pinned in requirements.txt


@dataclasses.dataclass(frozen=True)
class Series:
    """A daily series: ``dates`` (datetime64[D]) and ``values`` (float64), same length."""
    dates: np.ndarray
    values: np.ndarray


@dataclasses.dataclass(frozen=True)
class OHLC:
    """Daily open/high/low/close (index points) on ``dates`` (datetime64[D])."""
    dates: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray


def _arch_module(name):
    try:
        import arch
        import importlib
        mod = importlib.import_module(f"arch.data.{name}")
    except ImportError as exc:
        raise ValueError(f"the data set arch.data.{name} needs the 'arch' package "
                         f"(pip install arch=={ARCH_VERSION}): {exc}") from None
    return arch, mod


def _frozen(a):
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


@functools.lru_cache(maxsize=None)
def load_vix():
    """Daily VIX closes (index points) from ``arch.data.vix``; see the module docstring."""
    _, mod = _arch_module("vix")
    df = mod.load()
    if "vix" not in df.columns:
        raise ValueError(f"arch.data.vix: expected a column 'vix', got {list(df.columns)}")
    v = df["vix"].to_numpy(dtype=float)
    d = df.index.to_numpy().astype("datetime64[D]")
    keep = ~np.isnan(v)          # the file carries exchange holidays as empty rows
    v, d = v[keep], d[keep]
    if not (np.all(np.isfinite(v)) and np.all(v > 0)):
        raise ValueError("arch.data.vix: VIX must be finite and positive on every trading day")
    return Series(_frozen(d), _frozen(v))


@functools.lru_cache(maxsize=None)
def load_sp500():
    """Daily S&P 500 OHLC (index points) from ``arch.data.sp500``; see the module docstring."""
    _, mod = _arch_module("sp500")
    df = mod.load()
    cols = ["Open", "High", "Low", "Close"]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"arch.data.sp500: missing columns {missing}, got {list(df.columns)}")
    arr = {c: df[c].to_numpy(dtype=float) for c in cols}
    for c, a in arr.items():
        if not (np.all(np.isfinite(a)) and np.all(a > 0)):
            raise ValueError(f"arch.data.sp500: column {c} must be finite and positive")
    if np.any(arr["High"] < arr["Low"]):
        raise ValueError("arch.data.sp500: High < Low on some day")
    d = df.index.to_numpy().astype("datetime64[D]")
    return OHLC(_frozen(d), *(_frozen(arr[c]) for c in cols))


def provenance():
    """Where the data come from and what they span (computed from the loaded files)."""
    arch, _ = _arch_module("vix")
    vix, spx = load_vix(), load_sp500()
    return dict(
        package="arch", version=arch.__version__, pinned=ARCH_VERSION,
        vix=dict(module="arch.data.vix", file="arch/data/vix/vix.csv.gz", columns=["vix"],
                 rows_in_file=int(_arch_module("vix")[1].load().shape[0]),
                 first=str(vix.dates[0]), last=str(vix.dates[-1]), n=int(vix.values.size),
                 units="index points (annualised 30-day implied vol, percent)"),
        sp500=dict(module="arch.data.sp500", file="arch/data/sp500/sp500.csv.gz",
                   columns=["Open", "High", "Low", "Close"],
                   first=str(spx.dates[0]), last=str(spx.dates[-1]), n=int(spx.close.size),
                   units="index points"))
