"""European prices and surfaces by COS (numerics.rough_heston); delta-hedging P&L (numerics.hedging)."""
from __future__ import annotations

from fastapi import APIRouter

from numerics import hedging, rough_heston
from service import schemas as s
from service._call import finite_list, finite_or_none, offload

router = APIRouter(tags=["pricing"])


def _params(m: s.RoughHeston):
    return rough_heston.RoughHestonParams(H=m.H, kappa=m.kappa, theta=m.theta, eta=m.eta, rho=m.rho, V0=m.V0)


def _bounds(xs):
    return [finite_or_none(x) for x in xs]


def _accurate(res, warns):
    """The fields every COS response shares (``numerics.rough_heston.AccuratePrices``)."""
    return dict(prices=finite_list(res.prices, "prices"), accuracy=res.accuracy, accuracy_met=res.met,
                warnings=warns)


@router.post("/price", response_model=s.PriceResponse)
async def price(req: s.PriceRequest):
    """European call or put prices at one maturity (rough Heston, COS), each within
    ``accuracy`` x spot of the exact price by the a-posteriori estimate (``accuracy_met``)."""
    mk = req.market
    res, warns = await offload(rough_heston.price_to_accuracy, _params(req.model), req.strikes, req.maturity,
                               S0=mk.spot, r=mk.rate, q=mk.dividend, kind=req.kind, accuracy=req.accuracy)
    return s.PriceResponse(strikes=req.strikes, maturity=req.maturity, kind=req.kind,
                           error_estimate=finite_or_none(res.error_estimate[0]), **_accurate(res, warns))


@router.post("/surface", response_model=s.SurfaceResponse)
async def surface(req: s.SurfaceRequest):
    """Prices on strikes x maturities (rough Heston, COS)."""
    n = len(req.strikes) * len(req.maturities)
    if n > s.MAX_SURFACE_POINTS:
        raise s.WorkLimit("strikes", f"strikes x maturities = {len(req.strikes)} x {len(req.maturities)} = {n} "
                                     f"exceeds {s.MAX_SURFACE_POINTS} points")
    mk = req.market
    res, warns = await offload(rough_heston.surface_to_accuracy, _params(req.model), req.strikes, req.maturities,
                               S0=mk.spot, r=mk.rate, q=mk.dividend, kind=req.kind, accuracy=req.accuracy)
    return s.SurfaceResponse(strikes=req.strikes, maturities=req.maturities, kind=req.kind,
                             error_estimate=_bounds(res.error_estimate), **_accurate(res, warns))


@router.post("/hedge", response_model=s.HedgeResponse)
async def hedge(req: s.HedgeRequest):
    """P&L of a discretely delta-hedged short call on rBergomi paths, per number of rebalancing dates."""
    n = max(req.rebalancing)
    if req.n_paths * n > s.MAX_MC_WORK:
        raise s.WorkLimit("n_paths", f"n_paths x max(rebalancing) = {req.n_paths} x {n} exceeds {s.MAX_MC_WORK}")
    m = req.model
    sw, warns = await offload(hedging.pnl_vs_rebalancing, req.rebalancing, req.maturity, req.strike, m.H, m.eta, m.rho,
                       m.xi0, n_paths=req.n_paths, delta=req.delta, sigma=req.sigma, rng=req.seed)
    pts = [s.HedgePoint(n_rebalance=int(N), mean=finite_or_none(st.mean), mean_se=finite_or_none(st.mean_se),
                        var=finite_or_none(st.var), var_se=finite_or_none(st.var_se))
           for N, st in zip(sw.x, sw.stats)]
    return s.HedgeResponse(points=pts, var_exponent=finite_or_none(sw.var_exponent),
                           var_exponent_se=finite_or_none(sw.var_exponent_se), warnings=warns)
