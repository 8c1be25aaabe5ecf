"""Monte Carlo exotics under rough Heston (numerics.exotics)."""
from __future__ import annotations

from fastapi import APIRouter

from numerics import exotics
from service import schemas as s
from service._call import finite_list, mc_dict, offload
from service.routers.pricing import _params

router = APIRouter(prefix="/exotic", tags=["exotics"])


def _work(req: s.MonteCarlo):
    if req.n_paths * req.n_steps > s.MAX_MC_WORK:
        raise s.WorkLimit("n_paths", f"n_paths x n_steps = {req.n_paths} x {req.n_steps} = "
                                     f"{req.n_paths * req.n_steps} exceeds {s.MAX_MC_WORK}")
    return dict(n_steps=req.n_steps, n_paths=req.n_paths, monitor_every=req.monitor_every,
                control_variate=req.control_variate, seed=req.seed)


@router.post("/barrier", response_model=s.MCResponse)
async def barrier(req: s.BarrierRequest):
    """Single barrier option (discrete monitoring, optional Broadie-Glasserman correction)."""
    kw = _work(req)
    mk = req.market
    res = await offload(exotics.barrier, _params(req.model), req.strike, req.barrier, req.maturity,
                        barrier_type=req.barrier_type, kind=req.kind, S0=mk.spot, r=mk.rate, q=mk.dividend,
                        rebate=req.rebate, continuity_correction=req.continuity_correction, **kw)
    return mc_dict(res, "barrier")


@router.post("/asian", response_model=s.MCResponse)
async def asian(req: s.AsianRequest):
    """Arithmetic or geometric Asian, fixed or floating strike."""
    kw = _work(req)
    mk = req.market
    res = await offload(exotics.asian, _params(req.model), req.strike, req.maturity, kind=req.kind,
                        average=req.average, strike=req.strike_type, S0=mk.spot, r=mk.rate, q=mk.dividend, **kw)
    return mc_dict(res, "asian")


def _swap(p, req, kw):
    fn = exotics.variance_swap if req.product == "variance" else exotics.volatility_swap
    return fn(p, req.maturity, **kw), exotics.expected_variance(p, req.maturity)


@router.post("/varswap", response_model=s.VarSwapResponse)
async def varswap(req: s.VarSwapRequest):
    """Fair variance- or volatility-swap strike, with the closed-form expected variance."""
    kw = _work(req)
    res, ev = await offload(_swap, _params(req.model), req, kw)
    d = mc_dict(res, "varswap")
    d["expected_variance"] = finite_list([ev], "expected_variance")[0]
    return d
