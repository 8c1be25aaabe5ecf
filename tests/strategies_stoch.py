"""Hypothesis strategies shared by the stochastic-kernel tests."""
from hypothesis import strategies as st


def hurst(lo=0.05, hi=0.45):
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


def maturities(lo=0.01, hi=2.0):
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


def levels(lo=0.5, hi=0.999):
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)
