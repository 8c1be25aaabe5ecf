"""The exponent atlas (parts 21, 24): sensitivities of every measured exponent to H.

Each atlas exponent is measured at H = h and at H = h + dh by its own observable (COS skew,
curvature and calendar slope; rBergomi hedge-error, optimal-rebalancing and VaR exponents;
exact variance-swap variance) and the sensitivity is the finite difference
(e(h + dh) - e(h)) / dh with the two SEs combined.
"""

from __future__ import annotations

from . import b_hedging, b_smile, b_varswap
from .b_common import hurst, need_seed, real
from .base import Measurement, Value, observable

KERNEL = ("numerics.rough_heston (COS) + numerics.hedging on numerics.rbergomi paths + numerics.risk "
          "+ numerics.varswap (exact)")

ATLAS = ("skew", "curvature", "hedge", "forward_slope", "rebalancing", "vs_variance", "var")


def _exponents(params, seed, quick, H):
    p = dict(params, H=H)
    p.pop("h", None)
    sm = b_smile.smile(p, None, quick).values
    cal = b_smile.calendar(p, None, quick).values["slope_exponent"]
    he = b_hedging.hedge_error(p, seed, quick).values["exponent"]
    re = b_hedging.rebalancing(p, seed, quick).values["exponent"]
    va = b_hedging.hedge_var(p, seed, quick).values["exponent"]
    vs, _ = b_varswap.vs_exponent(p, quick, H)
    return dict(skew=sm["skew_exponent"], curvature=sm["curvature_exponent"], hedge=he, forward_slope=cal,
                rebalancing=re, vs_variance=vs, var=va)


@observable("b_atlas_sensitivities", kernel=KERNEL,
            description="finite-difference sensitivities d(exponent)/dH of the seven measured atlas "
                        "exponents (skew, curvature, hedge error, forward/calendar slope, optimal "
                        "rebalancing, VS variance, VaR) between h and h + dh",
            outputs=tuple(f"d_{k}" for k in ATLAS))
def atlas_sensitivities(params, seed, quick):
    need_seed(seed, "b_atlas_sensitivities")
    h = hurst(params)
    dh = real(params, "dh", None, 0.0, 0.5, lo_open=True)
    if h + dh > 0.5:
        raise ValueError(f"h + dh must be <= 0.5, got h={h!r}, dh={dh!r}")
    a, b = _exponents(params, seed, quick, h), _exponents(params, seed, quick, round(h + dh, 12))
    out = {f"d_{k}": Value((b[k].value - a[k].value) / dh, (a[k].se ** 2 + b[k].se ** 2) ** 0.5 / dh)
           for k in ATLAS}
    detail = {k: {"at_h": a[k].value, "at_h_dh": b[k].value} for k in ATLAS}
    return Measurement(out, dict(h=h, dh=dh, exponents=detail))
