"""Request and response models of the pricing service (one module, STYLE.md "Service").

Every number is strict (JSON ``false`` is not 0.0, a string is not a number), finite, and
bounded by the domain where the numerics are meant to be used:

* rough Heston: H in [0.001, 0.5] (alpha = H + 1/2 must differ from 1/2 in floating point;
  the engines are validated from H = 0.05 up), kappa in [0, 20], theta and V0 in
  [1e-4, 4] (variance units per year), eta in [0, 5], rho in [-1, 1];
* market: spot in [1e-4, 1e6], rate and dividend yield in [-0.2, 0.5] per year,
  maturities in [1/365, 10] years, strikes within [1e-3, 1e3] x spot;
* Monte Carlo: n_paths in [4, 200000] (even: antithetic pairs), n_steps in [1, 1000],
  n_paths x n_steps <= ``MAX_MC_WORK`` (413 naming ``n_paths``), under either model (rBergomi's
  path grids are simulated in bounded chunks, numerics.exotics.RB_CHUNK);
* the exotic endpoints take either model: ``{"type": "rough_heston", ...}`` (the default when
  ``type`` is absent) or ``{"type": "rbergomi", H, eta, rho, xi0}``;
* /price and /surface: ``accuracy`` = target absolute error per unit of spot in [1e-8, 1e-2],
  default 1e-5 (``numerics.rough_heston.price_to_accuracy``: checked a posteriori, and the
  response says whether it was met).

Sizes: ``MAX_STRIKES`` strikes, ``MAX_MATURITIES`` maturities, strikes x maturities <=
``MAX_SURFACE_POINTS`` (413 naming ``strikes``); request bodies <= ``MAX_BODY_BYTES``
(413 naming ``body``).
"""
from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StrictBool, Tag, model_validator

from numerics import rough_heston as _rh

MAX_BODY_BYTES = 64 * 1024
MAX_STRIKES = 64
MAX_MATURITIES = 32
MAX_SURFACE_POINTS = 600
MAX_MC_WORK = 20_000 * 252          # the defaults (n_paths 20000 x n_steps 252): 5.04e6
MAX_QUOTES = 200
MAX_PATHS = 200_000
MAX_STEPS = 1000
SEED_MAX = 2 ** 63 - 1


def Num(lo, hi, description="", default=...):
    """A strict finite float in [lo, hi]."""
    return Annotated[float, Field(default, ge=lo, le=hi, strict=True, allow_inf_nan=False,
                                  description=description)]


def Int(lo, hi, description=""):
    return Annotated[int, Field(ge=lo, le=hi, strict=True, description=description)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class FieldError(ValueError):
    """A ValueError from the numerics about a known request field (HTTP 422 naming it)."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


class WorkLimit(ValueError):
    """A request within every field's range whose combined size is too large (HTTP 413)."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


class RoughHeston(_Model):
    """Rough Heston parameters (numerics.rough_heston.RoughHestonParams, no jumps)."""
    H: Num(0.001, 0.5, "Hurst exponent")
    kappa: Num(0.0, 20.0, "mean-reversion speed, per year")
    theta: Num(1e-4, 4.0, "long-run variance, per year")
    eta: Num(0.0, 5.0, "vol of vol")
    rho: Num(-1.0, 1.0, "spot-vol correlation")
    V0: Num(1e-4, 4.0, "initial variance, per year")


class Market(_Model):
    spot: Num(1e-4, 1e6, "spot price, currency units") = 1.0
    rate: Num(-0.2, 0.5, "continuously compounded rate, per year") = 0.0
    dividend: Num(-0.2, 0.5, "continuous dividend yield, per year") = 0.0


Strike = Num(1e-7, 1e9, "strike, currency units")
Maturity = Num(1 / 365, 10.0, "maturity, years")
Kind = Literal["call", "put"]


def _check_strikes(strikes, spot, field="strikes"):
    for i, k in enumerate(strikes):
        if not 1e-3 <= k / spot <= 1e3:
            raise ValueError(f"{field}[{i}] = {k!r} is outside [1e-3, 1e3] x spot = "
                             f"[{1e-3 * spot!r}, {1e3 * spot!r}]")


Accuracy = Num(_rh.ACCURACY_MIN, _rh.ACCURACY_MAX,
               "target absolute error of every price per unit of spot (1e-5: 0.1 bp of the spot); "
               "checked a posteriori (numerics.rough_heston.price_to_accuracy)", _rh.DEFAULT_ACCURACY)
Warnings = Annotated[list[str], Field(description="warnings the numerics emitted for this request "
                                                  "(e.g. 'RuntimeWarning: COS range error bound ...'), "
                                                  "distinct, at most 20")]


class _COSRequest(_Model):
    """What /price and /surface share: the model, the market, strikes, kind and accuracy."""
    model: RoughHeston
    market: Market = Market()
    strikes: Annotated[list[Strike], Field(min_length=1, max_length=MAX_STRIKES)]
    kind: Kind = "call"
    accuracy: Accuracy = _rh.DEFAULT_ACCURACY

    @model_validator(mode="after")
    def _strikes(self):
        _check_strikes(self.strikes, self.market.spot)
        return self


class PriceRequest(_COSRequest):
    maturity: Maturity


class _Accurate(BaseModel):
    accuracy: float = Field(description="the requested target, absolute error per unit of spot")
    accuracy_met: bool = Field(description="the error estimate is within accuracy x spot (false: the "
                                           "estimate could not be brought below it; see warnings)")
    warnings: Warnings = []


class PriceResponse(_Accurate):
    strikes: list[float]
    maturity: float
    kind: Kind
    prices: list[float]
    error_estimate: Optional[float] = Field(description="bound on the absolute error of every price, currency "
                                                       "units (null: no finite bound, accuracy_met is false)")


class SurfaceRequest(_COSRequest):
    maturities: Annotated[list[Maturity], Field(min_length=1, max_length=MAX_MATURITIES)]


class SurfaceResponse(_Accurate):
    strikes: list[float]
    maturities: list[float]
    kind: Kind
    prices: list[list[float]] = Field(description="prices[i][j]: maturity i, strike j")
    error_estimate: list[Optional[float]] = Field(description="per maturity: bound on the absolute error of its "
                                                              "prices, currency units (null: no finite bound)")


class MonteCarlo(_Model):
    n_paths: Annotated[int, Field(ge=4, le=MAX_PATHS, multiple_of=2, strict=True,
                                  description="paths (even: antithetic pairs)")] = 20000
    n_steps: Int(1, MAX_STEPS, "time steps") = 252
    monitor_every: Int(1, MAX_STEPS, "steps between monitoring dates (divides n_steps)") = 1
    control_variate: StrictBool = True
    seed: Int(0, SEED_MAX, "root of the random stream") = 0

    @model_validator(mode="after")
    def _stride(self):
        if self.n_steps % self.monitor_every:
            raise ValueError(f"monitor_every = {self.monitor_every} must divide n_steps = {self.n_steps}")
        return self


class RBergomi(_Model):
    H: Num(0.001, 0.5, "Hurst exponent")
    eta: Num(0.0, 5.0, "vol of vol")
    rho: Num(-1.0, 1.0, "spot-vol correlation")
    xi0: Num(1e-4, 4.0, "flat forward variance, per year")


class RoughHestonMC(RoughHeston):
    """Rough Heston for the Monte Carlo exotics (iVi scheme); ``type`` may be omitted."""
    type: Literal["rough_heston"] = "rough_heston"


class RBergomiMC(RBergomi):
    """rBergomi for the Monte Carlo exotics (hybrid scheme; no COS control variate)."""
    type: Literal["rbergomi"]


def _model_tag(v):
    if isinstance(v, dict):
        return v.get("type", "rough_heston")
    return getattr(v, "type", None)


ExoticModel = Annotated[Union[Annotated[RoughHestonMC, Tag("rough_heston")], Annotated[RBergomiMC, Tag("rbergomi")]],
                        Discriminator(_model_tag, custom_error_type="model_tag",
                                      custom_error_message="model.type must be 'rough_heston' (the default) or "
                                                           "'rbergomi'"),
                        Field(description="rough Heston ({\"type\": \"rough_heston\", ...}, the default) or "
                                          "rBergomi ({\"type\": \"rbergomi\", H, eta, rho, xi0})")]


class BarrierRequest(MonteCarlo):
    model: ExoticModel
    market: Market = Market()
    strike: Strike
    barrier: Strike
    barrier_type: Literal["up-and-out", "up-and-in", "down-and-out", "down-and-in"] = "up-and-out"
    kind: Kind = "call"
    maturity: Maturity
    rebate: Num(0.0, 1e9, "paid at expiry when knocked out / never knocked in") = 0.0
    continuity_correction: StrictBool = False

    @model_validator(mode="after")
    def _levels(self):
        _check_strikes([self.strike], self.market.spot, "strike")
        _check_strikes([self.barrier], self.market.spot, "barrier")
        return self


class AsianRequest(MonteCarlo):
    model: ExoticModel
    market: Market = Market()
    strike: Strike = Field(1.0, description="fixed strike (validated, unused for floating)")
    kind: Kind = "call"
    average: Literal["arithmetic", "geometric"] = "arithmetic"
    strike_type: Literal["fixed", "floating"] = "fixed"
    maturity: Maturity

    @model_validator(mode="after")
    def _levels(self):
        _check_strikes([self.strike], self.market.spot, "strike")
        return self


class LookbackRequest(MonteCarlo):
    model: ExoticModel
    market: Market = Market()
    kind: Kind = "call"
    strike_type: Literal["floating", "fixed"] = Field("floating", description="floating: call S_T - min S, put "
                                                      "max S - S_T; fixed: call (max S - K)^+, put (K - min S)^+")
    strike: Optional[Strike] = Field(None, description="K, required for (and only used by) a fixed strike")
    maturity: Maturity
    continuity_correction: StrictBool = False

    @model_validator(mode="after")
    def _levels(self):
        if self.strike is not None:
            _check_strikes([self.strike], self.market.spot, "strike")
        return self


class VarSwapRequest(MonteCarlo):
    model: ExoticModel
    maturity: Maturity
    product: Literal["variance", "volatility"] = "variance"


class MCResponse(BaseModel):
    price: float
    se: float
    ci_low: float
    ci_high: float
    n_paths: int
    control_variate: bool
    cv_beta: float
    warnings: Warnings = []


class VarSwapResponse(MCResponse):
    expected_variance: float = Field(description="closed form (1/T) int E V dt (continuous monitoring)")


class HedgeRequest(_Model):
    model: RBergomi
    strike: Num(0.05, 20.0, "strike on S0 = 1")
    maturity: Maturity
    sigma: Num(0.01, 2.0, "hedge (Black-Scholes) volatility")
    delta: Literal["bs", "bs_spot_vol"] = "bs"
    rebalancing: Annotated[list[Int(1, MAX_STEPS, "rebalancing dates")],
                           Field(min_length=1, max_length=8)] = [16, 32, 64]
    n_paths: Int(100, 50_000, "paths") = 5000
    seed: Int(0, SEED_MAX, "root of the random stream") = 0

    @model_validator(mode="after")
    def _divides(self):
        n = max(self.rebalancing)
        bad = [x for x in self.rebalancing if n % x]
        if bad:
            raise ValueError(f"every entry of rebalancing must divide max(rebalancing) = {n}, got {bad}")
        return self


class HedgePoint(BaseModel):
    n_rebalance: int
    mean: Optional[float]
    mean_se: Optional[float]
    var: Optional[float]
    var_se: Optional[float]


class HedgeResponse(BaseModel):
    points: list[HedgePoint]
    var_exponent: Optional[float] = Field(description="d log Var(P&L) / d log N (null with one N)")
    var_exponent_se: Optional[float]
    warnings: Warnings = []


class Quote(_Model):
    strike: Strike
    maturity: Maturity
    iv: Num(1e-3, 5.0, "implied volatility")


class CalibrateRequest(_Model):
    quotes: Annotated[list[Quote], Field(min_length=4, max_length=MAX_QUOTES)]
    market: Market = Market()
    model: Literal["rough_heston", "heston"] = "rough_heston"
    seed: Int(0, SEED_MAX, "differential-evolution seed") = 0
    max_time: Num(1.0, 30.0, "wall-clock budget of the fit, seconds") = 10.0

    @model_validator(mode="after")
    def _levels(self):
        _check_strikes([q.strike for q in self.quotes], self.market.spot, "quotes.strike")
        return self


class CalibrateResponse(BaseModel):
    params: dict[str, float]
    stderr: dict[str, Optional[float]]
    rmse_bps: float
    rmse_by_maturity_bps: dict[str, float]
    converged: bool
    reason: str
    warnings: Warnings = []


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class VacuityStatus(BaseModel):
    status: str = Field(description="NON_VACUOUS (a certified real model), VACUOUS or UNKNOWN")
    model: dict[str, str] = Field(default_factory=dict, description="the certified model, variable -> value")
    note: str = ""


class EvidenceStatus(BaseModel):
    status: str = Field(description="SUPPORTED, FINDING (rests on a fact the measurements contradict) "
                                    "or NOT_RUN (no witness report)")
    facts_with_findings: list[str] = Field(default_factory=list)
    witness: str = Field(description="the theorem's own witness verdict, or NOT_RUN")


class TheoremStatus(BaseModel):
    id: int
    name: str
    lean_name: str
    part: str
    statement: str
    status_printed: str
    kernel: str
    z3: Optional[str]
    sympy: Optional[str]
    vacuity: Optional[VacuityStatus]
    evidence: EvidenceStatus
    ok: bool


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Error(BaseModel):
    detail: list[ErrorItem] | str
