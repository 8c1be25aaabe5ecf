"""Monte Carlo exotics under rough Heston or rBergomi (numerics.exotics)."""
from __future__ import annotations

from fastapi import APIRouter

from numerics import exotics
from service import schemas as s
from service._call import finite_list, mc_dict, offload
from service.routers.pricing import _params

router = APIRouter(prefix="/exotic", tags=["exotics"])


def _model(m):
    """numerics parameters of a request's ``model`` (rough Heston or rBergomi)."""
    if isinstance(m, s.RBergomiMC):
        return exotics.RBergomiParams(H=m.H, eta=m.eta, rho=m.rho, xi0=m.xi0)
    return _params(m)


def _work(req: s.MonteCarlo):
    if req.n_paths * req.n_steps > s.MAX_MC_WORK:
        raise s.WorkLimit("n_paths", f"n_paths x n_steps = {req.n_paths} x {req.n_steps} = "
                                     f"{req.n_paths * req.n_steps} exceeds {s.MAX_MC_WORK}")
    return dict(n_steps=req.n_steps, n_paths=req.n_paths, monitor_every=req.monitor_every,
                control_variate=req.control_variate, seed=req.seed)


def _mc(res, warns, what):
    d = mc_dict(res, what)
    d["warnings"] = warns
    return d


@router.post("/barrier", response_model=s.MCResponse)
async def barrier(req: s.BarrierRequest):
    """Single barrier option (discrete monitoring, optional Broadie-Glasserman correction)."""
    kw = _work(req)
    mk = req.market
    res, warns = await offload(exotics.barrier, _model(req.model), req.strike, req.barrier, req.maturity,
                               barrier_type=req.barrier_type, kind=req.kind, S0=mk.spot, r=mk.rate, q=mk.dividend,
                               rebate=req.rebate, continuity_correction=req.continuity_correction, **kw)
    return _mc(res, warns, "barrier")


@router.post("/asian", response_model=s.MCResponse)
async def asian(req: s.AsianRequest):
    """Arithmetic or geometric Asian, fixed or floating strike."""
    kw = _work(req)
    mk = req.market
    res, warns = await offload(exotics.asian, _model(req.model), req.strike, req.maturity, kind=req.kind,
                               average=req.average, strike=req.strike_type, S0=mk.spot, r=mk.rate, q=mk.dividend,
                               **kw)
    return _mc(res, warns, "asian")


@router.post("/lookback", response_model=s.MCResponse)
async def lookback(req: s.LookbackRequest):
    """Lookback on the extremes of S over t_0 and the monitoring dates: floating strike (call
    S_T - min S, put max S - S_T) or fixed strike (call (max S - K)^+, put (K - min S)^+)."""
    if req.strike_type == "fixed" and req.strike is None:
        raise s.FieldError("strike", "strike is required when strike_type is 'fixed'")
    kw = _work(req)
    mk = req.market
    res, warns = await offload(exotics.lookback, _model(req.model), req.maturity, kind=req.kind,
                               strike=req.strike_type, K=req.strike if req.strike_type == "fixed" else None,
                               S0=mk.spot, r=mk.rate, q=mk.dividend,
                               continuity_correction=req.continuity_correction, **kw)
    return _mc(res, warns, "lookback")


def _swap(p, req, kw):
    fn = exotics.variance_swap if req.product == "variance" else exotics.volatility_swap
    return fn(p, req.maturity, **kw), exotics.expected_variance(p, req.maturity)


@router.post("/varswap", response_model=s.VarSwapResponse)
async def varswap(req: s.VarSwapRequest):
    """Fair variance- or volatility-swap strike, with the closed-form expected variance."""
    kw = _work(req)
    (res, ev), warns = await offload(_swap, _model(req.model), req, kw)
    d = _mc(res, warns, "varswap")
    d["expected_variance"] = finite_list([ev], "expected_variance")[0]
    return d
