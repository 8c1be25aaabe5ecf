"""Calibration of rough Heston / Heston to implied-vol quotes (numerics.calibration).

Answers 501 with the reason while the calibration engine is not part of this build."""
from __future__ import annotations

import importlib
import math

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from service import schemas as s
from service._call import offload

router = APIRouter(tags=["calibration"])


def engine():
    """numerics.calibration, or None when it has not landed."""
    try:
        return importlib.import_module("numerics.calibration")
    except ImportError:
        return None


def _run(cal, req: s.CalibrateRequest):
    mk = req.market
    try:
        return _fit(cal, req, mk)
    except ValueError as exc:
        raise s.FieldError("quotes", str(exc)) from None


def _fit(cal, req, mk):
    surf = cal.Surface({"maturity": [q.maturity for q in req.quotes], "strike": [q.strike for q in req.quotes],
                        "iv": [q.iv for q in req.quotes]}, spot=mk.spot, rate=mk.rate, dividend=mk.dividend)
    return cal.calibrate(surf, model=req.model, seed=req.seed, max_time=req.max_time)


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


@router.post("/calibrate", response_model=s.CalibrateResponse,
             responses={501: {"model": s.Error, "description": "the calibration engine is not in this build"}})
async def calibrate(req: s.CalibrateRequest):
    """Fit the model to implied-vol quotes (weighted implied-vol RMSE); work limited by the
    number of quotes and the time budget ``max_time``."""
    cal = engine()
    if cal is None:
        return JSONResponse(status_code=501, content={
            "detail": "calibration is not available: numerics.calibration (branch calib) is not in this build"})
    res, warns = await offload(_run, cal, req)
    return s.CalibrateResponse(
        params={k: float(v) for k, v in res.params.items()},
        stderr={k: _num(v) for k, v in res.stderr.items()},
        rmse_bps=float(res.rmse_bps),
        rmse_by_maturity_bps={repr(float(k)): float(v) for k, v in res.rmse_by_maturity_bps.items()},
        converged=bool(res.converged), reason=str(res.reason), warnings=warns)
