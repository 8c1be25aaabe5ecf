"""Shared Hypothesis strategies for the deterministic kernels (bounded, finite floats)."""
from hypothesis import strategies as st


def _f(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def hurst(lo=0.05, hi=0.5):
    return _f(lo, hi)


def alphas(lo=0.2, hi=1.0):
    return _f(lo, hi)


def maturities(lo=1e-3, hi=5.0):
    return _f(lo, hi)


def log_moneyness(lo=-3.0, hi=3.0):
    return _f(lo, hi)


def vols(lo=0.01, hi=3.0):
    return _f(lo, hi)
