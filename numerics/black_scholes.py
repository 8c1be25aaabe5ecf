"""Black-Scholes prices, Greeks and implied volatility (public, validating, vectorised).

Inputs broadcast against each other.  ``S`` is the spot; the forward is
F = S exp((r - q) T) and the discount factor exp(-r T).

``implied_vol(price, S, K, T, r=0, q=0, kind="call")`` inverts the Black-Scholes price
to relative accuracy ~1e-14 wherever the price determines the volatility (see
``numerics/_bs.pyx`` for the method: out-of-the-money reduction, two log objectives,
closed-form initial guess, third-order Householder steps inside a bracket).

Prices outside the no-arbitrage bounds, i.e. below the intrinsic value
DF max(F - K, 0) (calls) or above the upper bound DF F (calls) / DF K (puts), give
NaN with a reason code (``return_codes=True``):

    IV_OK = 0, IV_BELOW_INTRINSIC = 1, IV_ABOVE_UPPER_BOUND = 2, IV_NO_CONVERGENCE = 3,
    IV_TIME_VALUE_UNRESOLVED = 4 (in the money, time value below the rounding of the price:
    the volatility is not determined by the price).

An out-of-the-money price of exactly 0 gives volatility 0 (code 0); an in-the-money price
equal to its intrinsic value within rounding gives NaN with code 4.  Invalid
inputs (NaN, inf, non-positive S, K, T, negative prices, bad ``kind``) raise
ValueError naming the parameter.
"""
from __future__ import annotations

import numpy as np

from numerics import _bs
from numerics._validate import array, finite, flag, scalar_or_array
from numerics._validate import threads as _threads
from numerics.fractional import auto_threads

__all__ = ["price", "greeks", "implied_vol", "IV_OK", "IV_BELOW_INTRINSIC",
           "IV_ABOVE_UPPER_BOUND", "IV_NO_CONVERGENCE", "IV_TIME_VALUE_UNRESOLVED"]

IV_OK, IV_BELOW_INTRINSIC, IV_ABOVE_UPPER_BOUND, IV_NO_CONVERGENCE, IV_TIME_VALUE_UNRESOLVED = 0, 1, 2, 3, 4


def _kind(kind, shape):
    k = np.asarray(kind)
    if k.dtype.kind not in "UO" or not np.all(np.isin(k, ("call", "put"))):
        raise ValueError(f"kind must be 'call' or 'put' (or an array of them), got {kind!r}")
    return np.ascontiguousarray(np.broadcast_to(k == "call", shape).ravel().astype(np.int32))


def _prep(S, K, T, r, q, last, last_name, last_lo, kind):
    shapes = [np.shape(a) for a in (S, K, T, r, q, last)]
    S = array("S", S, lo=0.0, lo_open=True)
    K = array("K", K, lo=0.0, lo_open=True)
    T = array("T", T, lo=0.0, hi=1000.0, lo_open=True)
    r = array("r", r, lo=-1.0, hi=1.0)
    q = array("q", q, lo=-1.0, hi=1.0)
    last = array(last_name, last, lo=last_lo)
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"S, K, T, r, q, {last_name} must broadcast together, got shapes "
                         + ", ".join(str(sh) for sh in shapes)) from None
    S, K, T, r, q, last = (a.reshape(sh) for a, sh in zip((S, K, T, r, q, last), shapes))
    flat = [np.ascontiguousarray(np.broadcast_to(a, shape).ravel(), dtype=float)
            for a in (S, K, T, r, q, last)]
    S, K, T, r, q, last = flat
    F = S * np.exp((r - q) * T)
    df = np.exp(-r * T)
    return shape, S, K, T, r, q, last, F, df, _kind(kind, shape)


def greeks(S, K, T, sigma, r=0.0, q=0.0, kind="call"):
    """Black-Scholes price and Greeks (inputs broadcast against each other).

    Parameters
    ----------
    S : float or array_like
        Spot price (currency), > 0.
    K : float or array_like
        Strike (currency), > 0.
    T : float or array_like
        Time to maturity in years, in (0, 1000].
    sigma : float or array_like
        Volatility (per sqrt(year)), in [0, 50].
    r, q : float or array_like
        Continuously compounded interest rate and dividend yield (per year), in [-1, 1].
    kind : {"call", "put"} or array_like of them

    Returns
    -------
    dict
        ``price`` (currency), ``delta`` (dV/dS, dimensionless), ``gamma`` (d2V/dS2, per
        currency), ``vega`` (dV/dsigma, currency per unit volatility): floats for scalar
        inputs, arrays of the broadcast shape otherwise.

    Raises
    ------
    ValueError
        Naming the parameter, its range and the value (NaN, inf, strings, booleans, out of range).

    Examples
    --------
    >>> from numerics import black_scholes as bs
    >>> g = bs.greeks(100.0, 100.0, 1.0, 0.2)
    >>> round(g["price"], 6), round(g["delta"], 6)
    (7.965567, 0.539828)
    """
    shape, S, K, T, r, q, sigma, F, df, is_call = _prep(S, K, T, r, q, sigma, "sigma", 0.0, kind)
    if np.any(sigma > 50.0):
        raise ValueError(f"sigma entries must be in [0.0, 50.0], got {sigma.max()!r}")
    out = np.empty((S.shape[0], 4))
    _bs.price_greeks(F, K, T, sigma, df, is_call, out)
    finite("Black-Scholes price/Greeks", out, "S, K or sigma too large (or too small) for double precision")
    dFdS = np.exp((r - q) * T)
    res = dict(price=out[:, 0], delta=out[:, 1] * dFdS, gamma=out[:, 2] * dFdS ** 2,
               vega=out[:, 3])
    return {k: scalar_or_array(np.ascontiguousarray(v).reshape(shape)) for k, v in res.items()}


def price(S, K, T, sigma, r=0.0, q=0.0, kind="call"):
    """Black-Scholes price(s) (inputs broadcast against each other).

    Parameters
    ----------
    S : float or array_like
        Spot price (currency), > 0.
    K : float or array_like
        Strike (currency), > 0.
    T : float or array_like
        Time to maturity in years, in (0, 1000].
    sigma : float or array_like
        Volatility (per sqrt(year)), in [0, 50].
    r, q : float or array_like
        Continuously compounded interest rate and dividend yield (per year), in [-1, 1].
    kind : {"call", "put"} or array_like of them

    Returns
    -------
    float or numpy.ndarray
        Price in the currency of S and K; a float for scalar inputs.

    Examples
    --------
    >>> from numerics import black_scholes as bs
    >>> round(bs.price(100.0, 100.0, 1.0, 0.2), 6)
    7.965567
    >>> bs.price(100.0, [90.0, 110.0], 1.0, 0.2, kind="put").round(4).tolist()
    [3.5891, 14.292]
    """
    return greeks(S, K, T, sigma, r, q, kind)["price"]


def implied_vol(price, S, K, T, r=0.0, q=0.0, kind="call", return_codes=False, threads=0):
    """Implied volatility; NaN with a reason code outside the no-arbitrage bounds.

    Parameters
    ----------
    price : float or array_like
        Option price (currency), >= 0.
    S : float or array_like
        Spot price (currency), > 0.
    K : float or array_like
        Strike (currency), > 0.
    T : float or array_like
        Time to maturity in years, in (0, 1000].
    r, q : float or array_like
        Continuously compounded interest rate and dividend yield (per year), in [-1, 1].
    kind : {"call", "put"} or array_like of them
    return_codes : bool
        Also return the reason codes (``IV_OK`` ... ``IV_TIME_VALUE_UNRESOLVED``, module doc).
    threads : int
        Kernel threads, in [0, 256]; 0 chooses automatically; capped at the cores available.
        The result does not depend on it.

    Returns
    -------
    float or numpy.ndarray
        Volatility (per sqrt(year)); with ``return_codes`` a pair (vol, code).

    Examples
    --------
    >>> from numerics import black_scholes as bs
    >>> round(bs.implied_vol(7.965567455405804, 100.0, 100.0, 1.0), 12)
    0.2
    >>> bs.implied_vol(150.0, 100.0, 100.0, 1.0, return_codes=True)   # above the upper bound S
    (nan, 2)
    """
    threads = _threads(threads)
    return_codes = flag("return_codes", return_codes)
    shape, S, K, T, r, q, p, F, df, is_call = _prep(S, K, T, r, q, price, "price", 0.0, kind)
    out = np.empty(S.shape[0])
    code = np.empty(S.shape[0], dtype=np.int32)
    if threads == 0:
        threads = auto_threads(S.shape[0] >= 20000)
    _bs.implied_vol(p, F, K, T, df, is_call, out, code, threads)
    out = scalar_or_array(out.reshape(shape))
    if return_codes:
        return out, scalar_or_array(code.reshape(shape))
    return out
