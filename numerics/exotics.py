"""Monte Carlo exotics under rough Heston (iVi scheme): barriers, Asians, variance and volatility
swaps, lookbacks (paper §9.1).

Model: ``numerics.rough_heston.RoughHestonParams`` (no jumps), spot ``S0``, rate ``r`` and
dividend yield ``q`` (continuous, per year):

  S_t = S0 exp((r - q) t + X_t),  X the zero-rate log price of numerics.rough_heston_mc.

Paths come from the positivity-preserving iVi scheme (integrated variance by inverse-Gaussian
steps, numerics.rough_heston_mc) run in a fused kernel (numerics/_exotics.pyx) that keeps
only path statistics -- running min / max of log S at the monitoring dates (also shifted by
the Broadie-Glasserman continuity correction), sum of S and of log S over the monitoring
dates, realised variance, integrated variance, S_T -- so no (steps x paths) array is stored.
Monitoring dates are every ``monitor_every`` steps (t_k = k T / n_monitor, k = 1..n_monitor;
the extremes also include t_0).

Known bias of the scheme (numerics/STOCHASTIC.md): with H near 1/2 and the Feller ratio
2 kappa theta / eta^2 far below 1, alpha <= 0 truncations bias the integrated variance up
(ATM +4 to +7 SE at 1e5 paths, n = 100, ratio 0.075); check the European against COS there.

rBergomi (``RBergomiParams``, numerics.rbergomi hybrid scheme) is supported too: its kernel
keeps the (n+1, paths) grids, so paths are simulated in seeded chunks of ``RB_CHUNK`` and
reduced to the same statistics chunk by chunk (bounded memory); it has no closed-form
European, so no control variate for the option products (``control_variate`` is reported
False), and its expected variance is xi0.

Every price is a ``MCResult``: discounted price, standard error, 95 % interval, number of
paths.  Antithetic pairs are averaged before the SE is taken.  With ``control_variate=True``
the discounted European payoff on the same paths is the control, its mean priced by COS
(``numerics.rough_heston.price``); variance / volatility swaps use the integrated variance,
whose mean is the closed form ``expected_variance``.  The coefficient is estimated on the
same samples (bias O(1/N)).  A fixed ``seed`` gives the same numbers whatever the thread count.

Public API:
* ``path_stats(params, T, n_steps, n_paths, S0=1, r=0, q=0, monitor_every=1, bg_beta=0, ...)``
  -> ``PathStats``
* ``european(params, K, T, ...)``, ``barrier(params, K, B, T, ...)``, ``asian(params, K, T, ...)``,
  ``lookback(params, T, ...)``, ``variance_swap(params, T, ...)``, ``volatility_swap(params, T, ...)``
  -> ``MCResult``
* ``expected_variance(params, T)``: (1/T) int_0^T E V_t dt = theta - (theta - V0) E_{a,2}(-kappa T^a),
  a = H + 1/2 (the forward variance E V_t = theta - (theta - V0) E_a(-kappa t^a) integrated).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from numerics import _exotics, rbergomi, rough_heston, rough_heston_mc
from numerics import _validate as v
from numerics._bs_mc_helpers import seed_of
from numerics.mittag_leffler import mittag_leffler

__all__ = ["MCResult", "PathStats", "RBergomiParams", "BG_BETA", "STATS", "path_stats", "european", "barrier", "asian", "lookback",
           "variance_swap", "volatility_swap", "expected_variance", "MAX_WORK"]

BG_BETA = 0.5825971579390107     # -zeta(1/2) / sqrt(2 pi), Broadie-Glasserman-Kou
MAX_WORK = 1 << 30                # n_paths x n_steps ceiling of one call
TRUNCATION_WARN = rough_heston_mc.TRUNCATION_WARN   # see numerics.rough_heston_mc
_Z95 = 1.959963984540054


@dataclasses.dataclass(frozen=True)
class MCResult:
    """A Monte Carlo price: ``price`` (currency units, discounted; a fair strike for swaps),
    standard error ``se``, 95 % interval [``ci_low``, ``ci_high``], ``n_paths`` simulated,
    ``control_variate`` used, its coefficient ``cv_beta`` (0 without)."""
    price: float
    se: float
    ci_low: float
    ci_high: float
    n_paths: int
    control_variate: bool
    cv_beta: float

    def as_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass
class PathStats:
    """Per-path statistics (arrays of length n_paths) on S0 = 1 (multiply by S0 for prices):
    ``logS_T``, ``intV`` (integrated variance, year units), ``min_logS`` / ``max_logS`` over the
    monitoring dates and t_0, the same shifted by the continuity correction (``min_logS_bg``,
    ``max_logS_bg``), ``mean_S`` and ``mean_logS`` (over the monitoring dates t_1..t_N),
    ``realized_var`` (sum of squared log returns between monitoring dates, not annualised).
    A group left out through ``path_stats(stats=...)`` is None.  ``truncated``: the fraction
    of path-steps where the iVi scheme met alpha <= 0 and set dU = 0 (its one truncation; 0
    for rBergomi), the diagnostic of its known upward variance bias (numerics/STOCHASTIC.md)."""
    logS_T: np.ndarray
    intV: np.ndarray
    min_logS: np.ndarray
    max_logS: np.ndarray
    min_logS_bg: np.ndarray
    max_logS_bg: np.ndarray
    mean_S: np.ndarray
    mean_logS: np.ndarray
    realized_var: np.ndarray
    n_monitor: int
    antithetic: bool
    truncated: float = 0.0


@dataclasses.dataclass(frozen=True)
class RBergomiParams:
    """rBergomi parameters (numerics.rbergomi): H in (0, 1/2], eta >= 0, rho in [-1, 1], flat
    forward variance xi0 > 0 (per year).  Construction validates every field."""
    H: float
    eta: float
    rho: float
    xi0: float

    def __post_init__(self):
        for name, (lo, hi, lo_open) in dict(H=(0.0, 0.5, True), eta=(0.0, None, False), rho=(-1.0, 1.0, False),
                                            xi0=(0.0, None, True)).items():
            object.__setattr__(self, name, v.real(name, getattr(self, name), lo, hi, lo_open=lo_open))


def _model(params):
    if isinstance(params, RBergomiParams):
        return params
    if not isinstance(params, rough_heston.RoughHestonParams):
        raise ValueError("params must be a numerics.rough_heston.RoughHestonParams or an exotics.RBergomiParams, "
                         f"got {type(params).__name__}")
    if params.lam != 0.0:
        raise ValueError(f"params.lam must be 0 (the Monte Carlo scheme has no jumps), got {params.lam!r}")
    return params


def _market(T, S0, r, q):
    T = v.real("T", T, 0.0, 100.0, lo_open=True)
    S0 = v.real("S0", S0, 1e-8, 1e8)
    r = v.real("r", r, -1.0, 1.0)
    q = v.real("q", q, -1.0, 1.0)
    return T, S0, r, q


STATS = {"extremes": 1, "averages": 2, "realized_var": 4}


def path_stats(params, T, n_steps, n_paths, S0=1.0, r=0.0, q=0.0, monitor_every=1, bg_beta=0.0, m=20,
               antithetic=True, seed=None, stats=None):
    """Simulate rough Heston paths by the iVi scheme and keep only their statistics.

    Parameters
    ----------
    params : numerics.rough_heston.RoughHestonParams or RBergomiParams
        Model (H in (0, 1/2], lam = 0), or ``RBergomiParams``.
    T : float
        Maturity in years, (0, 100].
    n_steps : int
        Time steps, [1, 100000]; must be a multiple of ``monitor_every``.
    n_paths : int
        Paths, >= 2 (even and >= 4 with ``antithetic``); n_paths * n_steps <= ``MAX_WORK``.
    S0, r, q : float
        Spot (only used through ``mu = r - q`` here; statistics are for S0 = 1), rate, dividend.
    monitor_every : int
        Steps between monitoring dates.
    bg_beta : float
        Continuity-correction constant for ``min_logS_bg`` / ``max_logS_bg`` (``BG_BETA`` for
        Broadie-Glasserman), >= 0.
    m : int
        Exponential factors of the Markovian lift, [1, 64].
    antithetic : bool
        Second half of the paths uses the negated normals.
    seed : int, numpy.random.Generator or None
        Root of the random stream (fixed seed -> same numbers for any thread count).
    stats : iterable of {"extremes", "averages", "realized_var"} or None
        The monitoring statistics to keep (None: all).  ``logS_T`` and ``intV`` are always
        kept; the fields of a group not asked for are None.  Asking for fewer saves time and
        changes no number of the others (same seed, same paths).

    Returns
    -------
    PathStats
    """
    params = _model(params)
    need = _need(stats)
    T, S0, r, q = _market(T, S0, r, q)
    n = v.integer("n_steps", n_steps, 1, 100_000)
    P = v.integer("n_paths", n_paths, 2, MAX_WORK)
    stride = v.integer("monitor_every", monitor_every, 1, n)
    if n % stride:
        raise ValueError(f"n_steps must be a multiple of monitor_every={stride}, got {n}")
    if P * n > MAX_WORK:
        raise ValueError(f"n_paths * n_steps must be <= {MAX_WORK}, got {P} * {n} = {P * n}")
    if not isinstance(antithetic, (bool, np.bool_)):
        raise ValueError(f"antithetic must be a bool, got {antithetic!r}")
    if antithetic and (P % 2 or P < 4):
        raise ValueError(f"n_paths must be even and >= 4 with antithetic=True (two pairs for an SE), got {P}")
    beta = v.real("bg_beta", bg_beta, 0.0, 10.0)
    m = v.integer("m", m, 1, 64)
    v.memory_budget(f"exotics.path_stats(n_paths={P})", 8 * _exotics.NSTATS * P + 2 * 8 * (3 * n + m + 4) * _exotics.PBLOCK)
    if isinstance(params, RBergomiParams):
        v.memory_budget(f"exotics.path_stats(rBergomi, n_steps={n}, n_paths={P})",
                        8 * 9 * P + 8 * (4 * (n + 1) + 12) * RB_CHUNK)
        return _keep(_rbergomi_stats(params, T, n, P, r - q, stride, beta, bool(antithetic), seed), need)
    out, trunc = rough_heston_mc.ivi_fused(params.H, params.kappa, params.theta, params.eta, params.rho, params.V0,
                                           T, n, P, m, seed_of(v.rng(seed)), bool(antithetic), r - q, stride, beta,
                                           need)
    N = n // stride
    rough_heston_mc.warn_truncation(trunc, params.H, params.kappa, params.theta, params.eta)
    return _keep(PathStats(out[0], out[1], out[2], out[3], out[4], out[5], out[6] / N, out[7] / N, out[8], N,
                           bool(antithetic), trunc), need)


def _need(stats):
    if stats is None:
        return 7
    if isinstance(stats, str):
        stats = [stats]
    try:
        names = list(stats)
    except TypeError:
        raise ValueError(f"stats must be None or an iterable of {sorted(STATS)}, got {stats!r}") from None
    bad = [x for x in names if x not in STATS]
    if bad:
        raise ValueError(f"stats: unknown statistic(s) {bad!r}; choose from {sorted(STATS)}")
    return sum({STATS[x] for x in names})


def _keep(ps, need):
    """None for the groups not asked for (never a row of zeros that looks like data)."""
    if not need & STATS["extremes"]:
        ps.min_logS = ps.max_logS = ps.min_logS_bg = ps.max_logS_bg = None
    if not need & STATS["averages"]:
        ps.mean_S = ps.mean_logS = None
    if not need & STATS["realized_var"]:
        ps.realized_var = None
    return ps


RB_CHUNK = 2048        # rBergomi paths per chunk: the (n+1, chunk) grids, then only their statistics


def _rbergomi_stats(p, T, n, P, mu, stride, beta, antithetic, seed):
    """The same statistics from rBergomi hybrid-scheme paths.  numerics.rbergomi keeps the whole
    (n+1, P) log S and V grids, so paths are simulated in chunks of ``RB_CHUNK`` (memory
    8 (4 (n+1) + 12) RB_CHUNK bytes whatever P): chunk c draws from
    SeedSequence(root, spawn_key=(c,)), root from ``seed``, so the numbers depend on the seed
    and P only.  With antithetic pairs each chunk is simulated antithetically and its halves go
    to the matching places of the two global halves (path i pairs with path i + P/2)."""
    root = seed_of(v.rng(seed))
    h = T / n
    idx = np.arange(stride, n + 1, stride)
    N = idx.size
    cols = {k: np.empty(P) for k in ("logS_T", "intV", "mn", "mx", "mnb", "mxb", "mS", "mL", "rv")}
    half = P // 2 if antithetic else P
    c0, chunk = 0, 0
    while c0 < half:
        w = min(RB_CHUNK // 2 if antithetic else RB_CHUNK, half - c0)
        gen = np.random.default_rng(np.random.SeedSequence(root, spawn_key=(chunk,)))
        pa = rbergomi.simulate(p.H, p.eta, p.rho, p.xi0, T, n, 2 * w if antithetic else w, rng=gen,
                               antithetic=antithetic, keep_paths=True)
        X = pa.logS[idx] + (mu * h) * idx[:, None]
        X0 = np.vstack([np.zeros((1, X.shape[1])), X])
        cumv = np.concatenate([[np.zeros(X.shape[1])], np.cumsum(pa.V[:-1] * h, axis=0)])[np.concatenate([[0], idx])]
        bg = beta * np.sqrt(np.maximum(np.diff(cumv, axis=0), 0.0))
        got = dict(logS_T=X[-1], intV=pa.intV, mn=X0.min(axis=0), mx=X0.max(axis=0),
                   mnb=np.minimum(0.0, (X - bg).min(axis=0)), mxb=np.maximum(0.0, (X + bg).max(axis=0)),
                   mS=np.exp(X).mean(axis=0), mL=X.mean(axis=0), rv=(np.diff(X0, axis=0) ** 2).sum(axis=0))
        for k, arr in got.items():
            if antithetic:
                cols[k][c0:c0 + w] = arr[:w]
                cols[k][half + c0:half + c0 + w] = arr[w:]
            else:
                cols[k][c0:c0 + w] = arr
        c0 += w
        chunk += 1
    return PathStats(cols["logS_T"], cols["intV"], cols["mn"], cols["mx"], cols["mnb"], cols["mxb"], cols["mS"],
                     cols["mL"], cols["rv"], N, antithetic)


def _pairs(x, antithetic):
    if not antithetic:
        return x
    h = x.shape[-1] // 2
    return 0.5 * (x[..., :h] + x[..., h:])


def _estimate(y, antithetic, control=None, control_mean=None):
    """MCResult of the samples y with an optional control (samples, exact mean; a mean of None:
    no closed form, no control)."""
    if control_mean is None:
        control = None
    y = _pairs(y, antithetic)
    beta = 0.0
    if control is not None:
        x = _pairs(control, antithetic)
        xc = x - x.mean()
        vx = float(xc @ xc)
        if vx > 0.0:
            beta = float(xc @ (y - y.mean())) / vx
            y = y - beta * (x - control_mean)
    N = y.size
    price = float(y.mean())
    se = float(y.std(ddof=1) / math.sqrt(N))
    if not (math.isfinite(price) and math.isfinite(se)):
        raise FloatingPointError("exotics: a non-finite Monte Carlo estimate (report this input)")
    return MCResult(price, se, price - _Z95 * se, price + _Z95 * se, int(2 * N if antithetic else N),
                    control is not None, beta)


def _sim_args(n_steps, n_paths, monitor_every, m, antithetic, seed):
    return dict(n_steps=n_steps, n_paths=n_paths, monitor_every=monitor_every, m=m, antithetic=antithetic,
                seed=seed)


def _kind(kind):
    if kind not in ("call", "put"):
        raise ValueError(f"kind must be 'call' or 'put', got {kind!r}")
    return kind


def _vanilla_control(params, K, T, S0, r, q, kind, ST):
    """Discounted European payoff samples on S_T and its COS price (the control variate)."""
    disc = math.exp(-r * T)
    x = disc * (np.maximum(ST - K, 0.0) if kind == "call" else np.maximum(K - ST, 0.0))
    if isinstance(params, RBergomiParams):
        return x, None
    exact = float(rough_heston.price(params, [K], T, S0=S0, r=r, q=q, kind=kind)[0])
    return x, exact


def _estimate_vs_vanilla(y, st, control_variate, params, K, T, S0, r, q, kind, ST):
    """``_estimate`` of y, with the European at strike K on the same paths as the control."""
    if control_variate:
        x, exact = _vanilla_control(params, K, T, S0, r, q, kind, ST)
        return _estimate(y, st.antithetic, x, exact)
    return _estimate(y, st.antithetic)


def european(params, K, T, kind="call", S0=1.0, r=0.0, q=0.0, n_steps=100, n_paths=20000, m=20,
             antithetic=True, seed=None):
    """European option by Monte Carlo on the exotic engine's paths (plain payoff, no control):
    the check of the engine against COS.  Parameters as ``barrier``; returns ``MCResult``."""
    _kind(kind)
    T, S0, r, q = _market(T, S0, r, q)
    K = v.real("K", K, 0.0, None, lo_open=True)
    st = path_stats(params, T, S0=S0, r=r, q=q, stats=(), **_sim_args(n_steps, n_paths, 1, m, antithetic, seed))
    ST = S0 * np.exp(st.logS_T)
    disc = math.exp(-r * T)
    y = disc * (np.maximum(ST - K, 0.0) if kind == "call" else np.maximum(K - ST, 0.0))
    return _estimate(y, st.antithetic)


_BARRIERS = ("up-and-out", "up-and-in", "down-and-out", "down-and-in")


def barrier(params, K, B, T, barrier_type="up-and-out", kind="call", S0=1.0, r=0.0, q=0.0, rebate=0.0,
            n_steps=252, n_paths=20000, monitor_every=1, continuity_correction=False, control_variate=True,
            m=20, antithetic=True, seed=None):
    """Single-barrier option, discretely monitored (optionally corrected towards continuous).

    Parameters
    ----------
    params : numerics.rough_heston.RoughHestonParams or RBergomiParams
    K : float
        Strike (currency units), > 0.
    B : float
        Barrier level (currency units), > 0.  An up barrier at or below S0 (down: at or above)
        is hit at t_0.
    T : float
        Maturity in years.
    barrier_type : {"up-and-out", "up-and-in", "down-and-out", "down-and-in"}
    kind : {"call", "put"}
    S0, r, q : float
        Spot, continuously compounded rate and dividend yield (per year).
    rebate : float
        Paid at expiry to a knocked-out (or never knocked-in) holder, >= 0.
    n_steps, n_paths, monitor_every, m, antithetic, seed
        As ``path_stats``.  Monitoring dates: every ``monitor_every`` steps.
    continuity_correction : bool
        Broadie-Glasserman: the barrier is tested against log S -/+ BG_BETA sqrt(integrated
        variance over the monitoring interval), approximating continuous monitoring.
    control_variate : bool
        The European with the same strike on the same paths (COS price) as control.

    Returns
    -------
    MCResult
        In + out = vanilla holds path by path (same seed, same parameters, no rebate).
    """
    if barrier_type not in _BARRIERS:
        raise ValueError(f"barrier_type must be one of {_BARRIERS}, got {barrier_type!r}")
    _kind(kind)
    T, S0, r, q = _market(T, S0, r, q)
    K = v.real("K", K, 0.0, 1e12, lo_open=True)
    B = v.real("B", B, 0.0, 1e12, lo_open=True)
    rebate = v.real("rebate", rebate, 0.0, 1e12)
    st = path_stats(params, T, S0=S0, r=r, q=q, bg_beta=BG_BETA if continuity_correction else 0.0,
                    stats=("extremes",), **_sim_args(n_steps, n_paths, monitor_every, m, antithetic, seed))
    lb = math.log(B / S0)
    if barrier_type.startswith("up"):
        hit = (st.max_logS_bg if continuity_correction else st.max_logS) >= lb
    else:
        hit = (st.min_logS_bg if continuity_correction else st.min_logS) <= lb
    alive = hit if barrier_type.endswith("-in") else ~hit
    disc = math.exp(-r * T)
    x, exact = _vanilla_control(params, K, T, S0, r, q, kind, S0 * np.exp(st.logS_T))
    y = np.where(alive, x, disc * rebate)
    if control_variate:
        return _estimate(y, st.antithetic, x, exact)
    return _estimate(y, st.antithetic)


def asian(params, K, T, kind="call", average="arithmetic", strike="fixed", S0=1.0, r=0.0, q=0.0,
          n_steps=252, n_paths=20000, monitor_every=1, control_variate=True, m=20, antithetic=True, seed=None):
    """Asian option on the average of S over the monitoring dates t_1..t_N.

    Parameters
    ----------
    params : numerics.rough_heston.RoughHestonParams or RBergomiParams
    K : float
        Strike (currency units) for ``strike="fixed"``; ignored (but validated) for "floating".
    T : float
        Maturity in years.
    kind : {"call", "put"}
        Fixed strike: (A - K)^+ / (K - A)^+; floating strike: (S_T - A)^+ / (A - S_T)^+.
    average : {"arithmetic", "geometric"}
    strike : {"fixed", "floating"}
    S0, r, q, n_steps, n_paths, monitor_every, m, antithetic, seed
        As ``barrier``.
    control_variate : bool
        The European (strike K, or S0 for floating strike) on the same paths, COS-priced.

    Returns
    -------
    MCResult
    """
    _kind(kind)
    if average not in ("arithmetic", "geometric"):
        raise ValueError(f"average must be 'arithmetic' or 'geometric', got {average!r}")
    if strike not in ("fixed", "floating"):
        raise ValueError(f"strike must be 'fixed' or 'floating', got {strike!r}")
    T, S0, r, q = _market(T, S0, r, q)
    K = v.real("K", K, 0.0, 1e12, lo_open=True)
    st = path_stats(params, T, S0=S0, r=r, q=q, stats=("averages",),
                    **_sim_args(n_steps, n_paths, monitor_every, m, antithetic, seed))
    A = S0 * (st.mean_S if average == "arithmetic" else np.exp(st.mean_logS))
    ST = S0 * np.exp(st.logS_T)
    disc = math.exp(-r * T)
    if strike == "fixed":
        y = disc * (np.maximum(A - K, 0.0) if kind == "call" else np.maximum(K - A, 0.0))
        kc = K
    else:
        y = disc * (np.maximum(ST - A, 0.0) if kind == "call" else np.maximum(A - ST, 0.0))
        kc = S0
    return _estimate_vs_vanilla(y, st, control_variate, params, kc, T, S0, r, q, kind, ST)


def lookback(params, T, kind="call", strike="floating", K=None, S0=1.0, r=0.0, q=0.0, n_steps=252,
             n_paths=20000, monitor_every=1, continuity_correction=False, control_variate=True, m=20,
             antithetic=True, seed=None):
    """Lookback option on the extremes of S over t_0 and the monitoring dates.

    Floating strike: call S_T - min S, put max S - S_T.  Fixed strike (``K`` required): call
    (max S - K)^+, put (K - min S)^+.  ``continuity_correction`` shifts the extremes outwards
    by BG_BETA sqrt(interval integrated variance) (Broadie-Glasserman-Kou).  Other parameters
    as ``barrier``; the control is the European with strike K (fixed) or S0 (floating).

    Returns
    -------
    MCResult
    """
    _kind(kind)
    if strike not in ("fixed", "floating"):
        raise ValueError(f"strike must be 'fixed' or 'floating', got {strike!r}")
    T, S0, r, q = _market(T, S0, r, q)
    if strike == "fixed":
        if K is None:
            raise ValueError("K is required for a fixed-strike lookback")
        K = v.real("K", K, 0.0, 1e12, lo_open=True)
    st = path_stats(params, T, S0=S0, r=r, q=q, bg_beta=BG_BETA if continuity_correction else 0.0,
                    stats=("extremes",), **_sim_args(n_steps, n_paths, monitor_every, m, antithetic, seed))
    mn = S0 * np.exp(st.min_logS_bg if continuity_correction else st.min_logS)
    mx = S0 * np.exp(st.max_logS_bg if continuity_correction else st.max_logS)
    ST = S0 * np.exp(st.logS_T)
    disc = math.exp(-r * T)
    if strike == "floating":
        y = disc * (ST - mn if kind == "call" else mx - ST)
        kc = S0
    else:
        y = disc * (np.maximum(mx - K, 0.0) if kind == "call" else np.maximum(K - mn, 0.0))
        kc = K
    return _estimate_vs_vanilla(y, st, control_variate, params, kc, T, S0, r, q, kind, ST)


def expected_variance(params, T):
    """(1/T) int_0^T E V_t dt (per year) = theta - (theta - V0) E_{a,2}(-kappa T^a), a = H + 1/2.

    Parameters
    ----------
    params : numerics.rough_heston.RoughHestonParams or RBergomiParams
    T : float
        Maturity in years, (0, 100].

    Returns
    -------
    float
        The fair variance-swap strike in the continuous-monitoring limit (variance units per year).
    """
    params = _model(params)
    T = v.real("T", T, 0.0, 100.0, lo_open=True)
    if isinstance(params, RBergomiParams):
        return params.xi0
    a = params.H + 0.5
    if params.kappa == 0.0:
        return params.V0
    if a == 1.0:
        x = params.kappa * T
        e2 = -math.expm1(-x) / x
    else:
        e2 = float(mittag_leffler(np.array([-params.kappa * T ** a]), a, 2.0)[0])
    return params.theta - (params.theta - params.V0) * e2


def _swap(params, T, transform, n_steps, n_paths, monitor_every, control_variate, m, antithetic, seed):
    T = v.real("T", T, 0.0, 100.0, lo_open=True)
    st = path_stats(params, T, stats=("realized_var",), **_sim_args(n_steps, n_paths, monitor_every, m, antithetic, seed))
    y = transform(st.realized_var / T)
    if control_variate:
        return _estimate(y, st.antithetic, st.intV / T, expected_variance(params, T))
    return _estimate(y, st.antithetic)


def variance_swap(params, T, n_steps=252, n_paths=20000, monitor_every=1, control_variate=True, m=20,
                  antithetic=True, seed=None):
    """Fair variance-swap strike E[(1/T) sum (Delta log S)^2] over the monitoring dates, r = q = 0.

    Parameters as ``barrier``.  The control is the integrated variance intV / T with mean
    ``expected_variance``.  ``price`` is in variance units per year (undiscounted fair strike).

    Returns
    -------
    MCResult
    """
    return _swap(params, T, lambda x: x, n_steps, n_paths, monitor_every, control_variate, m, antithetic, seed)


def volatility_swap(params, T, n_steps=252, n_paths=20000, monitor_every=1, control_variate=True, m=20,
                    antithetic=True, seed=None):
    """Fair volatility-swap strike E[sqrt((1/T) sum (Delta log S)^2)] (volatility units per year);
    parameters and control as ``variance_swap``.

    Returns
    -------
    MCResult
    """
    return _swap(params, T, np.sqrt, n_steps, n_paths, monitor_every, control_variate, m, antithetic, seed)
