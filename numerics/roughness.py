"""Roughness estimators for daily data, their measured bias, and delta hedging along history.

Public API (validating; plain NumPy on top of the project's kernels):

* ``variogram_h(x, max_lag=20, n_boot=400, block=None, rng=0)``: H = slope / 2 of
  log m(L) on log L over the lags L = 1..max_lag, m(L) = mean (x_{t+L} - x_t)^2, with the
  OLS standard error (a lower bound: the squared increments overlap across t and lags) and a
  moving-block bootstrap standard error (blocks of time indices shared by every lag, so the
  dependence across overlapping increments and across lags is kept).
* ``moment_scaling_h(x, qs=(0.5, 1, 1.5, 2, 3), max_lag=20, ...)``: the q-th moment scaling
  of Gatheral-Jaisson-Rosenbaum: m(q, L) = mean |x_{t+L} - x_t|^q ~ L^{zeta_q}; H is the
  slope of zeta_q against q through the origin (zeta_q = q H for fBM); block bootstrap SE.
* ``variogram_noise_h(x, max_lag=20, ...)``: H from m(L) = a + c L^(2H) (nonlinear least
  squares in log m), the intercept a = 2 s^2 absorbing iid measurement noise; block SE.
* ``lag_sensitivity(x, max_lags=(5, 10, 20, 40, 80))``: ``variogram_h`` per lag range.
* ``parkinson_logvol(high, low)``, ``garman_klass_logvol(open, high, low, close)``: log of a
  daily volatility proxy (per day, not annualised) from the day's range.
* ``proxy_log_noise_sd(kind, n_intraday=390, n_days=20000, rng=0)``: the standard deviation
  of log(proxy) - log(true daily vol) for a Brownian day at constant volatility (measured by
  simulation on an intraday grid): the measurement noise a daily range proxy carries.
* ``simulate_logvol(H, n, n_paths, scheme, nu=1.0, noise_sd=0.0, window=21, rng=0)``: daily
  log-volatility with a known H, observed as the data are: ``"spot"`` (exact fBM by
  Davies-Harte, plus Gaussian measurement noise) or ``"vix"`` (a 30-day implied-vol-like
  series: log of the forward variance averaged over the next ``window`` days, i.e. the
  Riemann-Liouville log-vol driven by the hybrid scheme's Brownian driver with the kernel
  averaged over the window; no noise unless asked).
* ``bias_study(H_grid, n, n_rep, scheme, ...)`` -> per H the mean, sd and quantiles of the
  estimates; ``invert_bias(study, h_obs)`` -> the bias-corrected H and the Neyman interval
  (every true H whose central 95 % range of estimates holds the observed value).
* ``window_hedge_pnl(close, days, sigma, step=1)``: the short ATM call (spot normalised to
  100, strike 100, zero rates, T = days / 252) hedged once a day with Black-Scholes deltas at
  the constant vol ``sigma`` (a scalar or one per window) along each window of the history.
* ``block_bootstrap_var_se(x, block, n_boot=400, rng=0)``: SE of the variance of a dependent
  sequence (overlapping windows) by the moving-block bootstrap.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

from numerics import _validate as v
from numerics import fbm
from numerics.estimators import fit_power_law, variogram_hurst

__all__ = ["variogram_h", "variogram_noise_h", "moment_scaling_h", "lag_sensitivity", "parkinson_logvol",
           "garman_klass_logvol", "proxy_log_noise_sd", "simulate_logvol", "estimate_batch",
           "bias_study", "invert_bias", "window_hedge_pnl", "block_bootstrap_var_se"]

DAYS_PER_YEAR = 252


# ---------------------------------------------------------------- block bootstrap

def _block_means(Z, block, n_boot, gen):
    """Moving-block bootstrap of the column means of Z (n, k): (n_boot, k)."""
    n = Z.shape[0]
    nb = max(1, n // block)
    C = np.vstack([np.zeros((1, Z.shape[1])), np.cumsum(Z, axis=0)])
    bsum = C[block:] - C[:-block]                     # (n - block + 1, k)
    starts = gen.integers(0, bsum.shape[0], size=(n_boot, nb))
    return bsum[starts].sum(axis=1) / (nb * block)


def _default_block(n, max_lag):
    return int(max(2 * max_lag, round(n ** (1.0 / 3.0))))


def _slopes(logL, logm):
    """OLS slopes of each row of logm (.., k) on logL (k,)."""
    lc = logL - logL.mean()
    return ((logm - logm.mean(axis=-1, keepdims=True)) * lc).sum(axis=-1) / (lc * lc).sum()


def _series(name, x, max_lag):
    x = v.array(name, x, ndim=1)
    max_lag = v.integer("max_lag", max_lag, 3, None)
    if x.shape[0] < 4 * max_lag:
        raise ValueError(f"{name} must have at least 4 * max_lag = {4 * max_lag} points, got {x.shape[0]}")
    return x, max_lag


def variogram_h(x, max_lag=20, n_boot=400, block=None, rng=0):
    """H from the log-log variogram over lags 1..max_lag with OLS and block-bootstrap SEs.

    Parameters
    ----------
    x : array (n,)
        Regularly sampled log-volatility (one point per trading day).
    max_lag : int
        Largest lag (days); lags are 1, 2, ..., max_lag.
    n_boot : int
        Bootstrap replicates (0: no bootstrap, ``H_se_boot`` is nan).
    block : int or None
        Block length in days (default max(2 max_lag, n^(1/3))).

    Returns
    -------
    dict with H, H_se_ols, H_se_boot, r2, lags, variogram, prefactor, block, n.
    """
    x, max_lag = _series("x", x, max_lag)
    n_boot = v.integer("n_boot", n_boot, 0, None)
    lags = np.arange(1, max_lag + 1)
    fit = variogram_hurst(x, lags=lags)
    block = _default_block(x.shape[0], max_lag) if block is None else v.integer("block", block, 1, x.shape[0] - max_lag)
    se_boot = float("nan")
    if n_boot:
        m = x.shape[0] - max_lag
        Z = np.column_stack([(x[L:L + m] - x[:m]) ** 2 for L in lags])
        bm = _block_means(Z, block, n_boot, v.rng(rng))
        se_boot = float(0.5 * _slopes(np.log(lags), np.log(bm)).std(ddof=1))
    return dict(H=float(fit["H"]), H_se_ols=float(fit["H_se"]), H_se_boot=se_boot, r2=float(fit["r2"]),
                lags=lags, variogram=fit["variogram"], prefactor=float(fit["prefactor"]), block=block,
                n=int(x.shape[0]))


def moment_scaling_h(x, qs=(0.5, 1.0, 1.5, 2.0, 3.0), max_lag=20, n_boot=400, block=None, rng=0):
    """Gatheral-Jaisson-Rosenbaum q-th moment scaling: zeta_q per q and H (slope through 0).

    Returns dict with H, H_se_boot, qs, zeta (len(qs)), zeta_over_q, block."""
    x, max_lag = _series("x", x, max_lag)
    qs = v.array("qs", qs, ndim=1, lo=0.0, lo_open=True)
    if qs.size < 2:
        raise ValueError(f"qs must hold at least 2 moments, got {qs.tolist()}")
    n_boot = v.integer("n_boot", n_boot, 0, None)
    lags = np.arange(1, max_lag + 1)
    m = x.shape[0] - max_lag
    A = np.stack([np.abs(x[L:L + m] - x[:m]) for L in lags], axis=1)       # (m, k)
    if np.any(A.mean(axis=0) == 0.0):
        raise ValueError("x has zero increments at some lag (constant path?)")
    logL = np.log(lags)

    def h_of(means):      # means (.., nq, k)
        z = _slopes(logL, np.log(means))                                    # (.., nq)
        return z, (z * qs).sum(axis=-1) / (qs * qs).sum()

    Zq = np.concatenate([A ** q for q in qs], axis=1)                       # (m, nq k)
    zeta, H = h_of(Zq.mean(axis=0).reshape(qs.size, max_lag))
    block = _default_block(x.shape[0], max_lag) if block is None else v.integer("block", block, 1, m)
    se = float("nan")
    if n_boot:
        bm = _block_means(Zq, block, n_boot, v.rng(rng)).reshape(n_boot, qs.size, max_lag)
        se = float(h_of(bm)[1].std(ddof=1))
    return dict(H=float(H), H_se_boot=se, qs=qs, zeta=zeta, zeta_over_q=zeta / qs, block=block)


_H_PROFILE = np.linspace(0.002, 1.0, 500)


def _noise_fit(lags, M):
    """Fit m(L) = a + c L^(2H), a >= 0, to each row of M (.., k) by least squares in relative
    error, sum (1 - (a + c L^2H) / m)^2: closed form in (a, c) at each H of a 0.002-spaced
    profile grid, H the grid minimiser.  Returns arrays (H, a, c) shaped like M[..., 0]."""
    M = np.asarray(M, float)
    shp = M.shape[:-1]
    M2 = M.reshape(-1, M.shape[-1])
    u = 1.0 / M2                                                    # (B, k)
    P = lags[None, :] ** (2.0 * _H_PROFILE[:, None])                # (nH, k)
    vv = P[None, :, :] * u[:, None, :]                              # (B, nH, k)
    Suu = (u * u).sum(-1)[:, None]
    Su = u.sum(-1)[:, None]
    Suv = (vv * u[:, None, :]).sum(-1)
    Svv = (vv * vv).sum(-1)
    Sv = vv.sum(-1)
    det = Suu * Svv - Suv * Suv
    with np.errstate(divide="ignore", invalid="ignore"):
        a = (Su * Svv - Suv * Sv) / det
        c = (Suu * Sv - Suv * Su) / det
        neg = ~(a >= 0.0)
        c = np.where(neg, Sv / Svv, c)
        a = np.where(neg, 0.0, a)
    k = M2.shape[1]
    rss = k - 2 * a * Su - 2 * c * Sv + a * a * Suu + 2 * a * c * Suv + c * c * Svv
    rss = np.where(np.isfinite(rss) & (c > 0), rss, np.inf)
    j = np.argmin(rss, axis=1)
    i = np.arange(M2.shape[0])
    return (_H_PROFILE[j].reshape(shp), a[i, j].reshape(shp), c[i, j].reshape(shp))


def variogram_noise_h(x, max_lag=20, n_boot=200, block=None, rng=0):
    """H from m(L) = a + c L^(2H) over lags 1..max_lag: the intercept a = 2 s^2 absorbs iid
    measurement noise of variance s^2 (which flattens the plain log-log fit).

    Returns dict with H, H_se_boot, noise_var (= a / 2), c, block."""
    x, max_lag = _series("x", x, max_lag)
    n_boot = v.integer("n_boot", n_boot, 0, None)
    lags = np.arange(1, max_lag + 1, dtype=float)
    m = x.shape[0] - max_lag
    Z = np.column_stack([(x[L:L + m] - x[:m]) ** 2 for L in range(1, max_lag + 1)])
    H, a, c = (float(t) for t in _noise_fit(lags, Z.mean(axis=0)))
    block = _default_block(x.shape[0], max_lag) if block is None else v.integer("block", block, 1, m)
    se = float("nan")
    if n_boot:
        bm = _block_means(Z, block, n_boot, v.rng(rng))
        se = float(np.std(_noise_fit(lags, bm)[0], ddof=1))
    return dict(H=H, H_se_boot=se, noise_var=a / 2.0, c=c, block=block)


def lag_sensitivity(x, max_lags=(5, 10, 20, 40, 80), n_boot=200, rng=0):
    """``variogram_h`` for each lag range 1..k: list of dicts (max_lag, H, H_se_boot, r2)."""
    out = []
    for k in max_lags:
        r = variogram_h(x, max_lag=k, n_boot=n_boot, rng=rng)
        out.append(dict(max_lag=int(k), H=r["H"], H_se_ols=r["H_se_ols"], H_se_boot=r["H_se_boot"], r2=r["r2"]))
    return out


# ---------------------------------------------------------------- range proxies

def _ohlc(**cols):
    arrs = {k: v.array(k, a, ndim=1, lo=0.0, lo_open=True) for k, a in cols.items()}
    n = {a.shape for a in arrs.values()}
    if len(n) != 1:
        raise ValueError(f"{', '.join(arrs)} must have the same shape, got {[a.shape for a in arrs.values()]}")
    if "high" in arrs and np.any(arrs["high"] < arrs["low"]):
        i = int(np.flatnonzero(arrs["high"] < arrs["low"])[0])
        raise ValueError(f"high must be >= low, got high={arrs['high'][i]!r} < low={arrs['low'][i]!r} at index {i}")
    return arrs


def parkinson_logvol(high, low):
    """log of the Parkinson daily vol sqrt(log(H/L)^2 / (4 log 2)); days with H == L are an error."""
    a = _ohlc(high=high, low=low)
    u = np.log(a["high"] / a["low"])
    if np.any(u == 0.0):
        raise ValueError(f"high == low on {int(np.sum(u == 0))} day(s) (index {int(np.flatnonzero(u == 0)[0])}): "
                         "the range proxy is 0 and its log undefined")
    return np.log(u) - 0.5 * math.log(4.0 * math.log(2.0))


def garman_klass_logvol(open, high, low, close):
    """log of the Garman-Klass daily vol: var = 0.5 log(H/L)^2 - (2 log 2 - 1) log(C/O)^2."""
    a = _ohlc(open=open, high=high, low=low, close=close)
    u = np.log(a["high"] / a["low"])
    c = np.log(a["close"] / a["open"])
    var = 0.5 * u * u - (2.0 * math.log(2.0) - 1.0) * c * c
    if np.any(var <= 0.0):
        raise ValueError(f"the Garman-Klass variance is <= 0 on {int(np.sum(var <= 0))} day(s) "
                         f"(first index {int(np.flatnonzero(var <= 0)[0])})")
    return 0.5 * np.log(var)


def proxy_log_noise_sd(kind="parkinson", n_intraday=390, n_days=20000, rng=0):
    """SD of log(proxy) - log(sigma_day) for Brownian days at constant vol (simulated).

    The day is a Brownian path on ``n_intraday`` steps (390: one-minute bars of a 6.5 h
    session) with open = first point; the result is scale-free (independent of sigma)."""
    if kind not in ("parkinson", "garman_klass"):
        raise ValueError(f"kind must be 'parkinson' or 'garman_klass', got {kind!r}")
    n_intraday = v.integer("n_intraday", n_intraday, 2, None)
    n_days = v.integer("n_days", n_days, 100, None)
    gen = v.rng(rng)
    out = np.empty(n_days)
    chunk = max(1, (1 << 22) // n_intraday)
    for s in range(0, n_days, chunk):
        e = min(n_days, s + chunk)
        z = gen.standard_normal((e - s, n_intraday)) / math.sqrt(n_intraday)
        p = np.concatenate([np.zeros((e - s, 1)), np.cumsum(z, axis=1)], axis=1)
        S = np.exp(p)        # unit daily vol; exp(p) vs p only changes the tiny drift
        hi, lo, cl = S.max(axis=1), S.min(axis=1), S[:, -1]
        if kind == "parkinson":
            out[s:e] = parkinson_logvol(hi, lo)
        else:
            out[s:e] = garman_klass_logvol(np.ones(e - s), hi, lo, cl)
    return float(out.std(ddof=1)), float(out.mean())


# ---------------------------------------------------------------- simulated log-vol with known H

def _smoothed_rl_weights(H, n, window):
    """Weight of the driver increment over [j, j+1] (unit-day steps) in the window-averaged
    Riemann-Liouville kernel sqrt(2H) tau^(H-1/2) at lag i = t - j - 1 >= 0:
    int_i^{i+1} (1/w) int_0^w K(tau + u) du dtau in closed form."""
    a = H + 1.5
    c = math.sqrt(2.0 * H) / (window * (H + 0.5) * a)
    tau = np.arange(n + 1, dtype=float)
    F = c * ((tau + window) ** a - tau ** a)
    return np.diff(F)


def simulate_logvol(H, n, n_paths=1, scheme="spot", nu=1.0, noise_sd=0.0, window=21, burn=2000, rng=0):
    """Daily log-vol paths (n_paths, n) with Hurst exponent H, observed as the data are.

    ``scheme="spot"``: nu * B^H_t (exact fBM, Davies-Harte, unit-day steps) + N(0, noise_sd^2).
    ``scheme="vix"``: nu * int K_w(t - s) dW_s with K_w the RL kernel averaged over the next
    ``window`` days (the log of a ``window``-day forward variance, convexity terms dropped),
    driven by the hybrid scheme's Brownian driver over ``burn`` + n days (the first ``burn``
    days are discarded so the increments are close to stationary), + N(0, noise_sd^2)."""
    H = v.real("H", H, 0.0, 1.0, lo_open=True, hi_open=True)
    n = v.integer("n", n, 8, None)
    n_paths = v.integer("n_paths", n_paths, 1, None)
    nu = v.real("nu", nu, 0.0, None, lo_open=True)
    noise_sd = v.real("noise_sd", noise_sd, 0.0, None)
    window = v.integer("window", window, 1, None)
    burn = v.integer("burn", burn, 0, None)
    gen = v.rng(rng)
    if scheme == "spot":
        x = nu * fbm.davies_harte(n - 1, H, T=float(n - 1), n_paths=n_paths, rng=gen)
    elif scheme == "vix":
        m = n + burn
        _, dw = fbm.hybrid_rl(m, H, T=float(m), n_paths=n_paths, rng=gen, return_driver=True)
        w = _smoothed_rl_weights(H, m, window)
        L = 1 << int(math.ceil(math.log2(2 * m)))
        conv = np.fft.irfft(np.fft.rfft(dw, L, axis=1) * np.fft.rfft(w, L)[None, :], L, axis=1)[:, :m]
        x = nu * conv[:, burn:]
    else:
        raise ValueError(f"scheme must be 'spot' or 'vix', got {scheme!r}")
    if noise_sd > 0.0:
        x = x + noise_sd * gen.standard_normal(x.shape)
    return x


def estimate_batch(paths, max_lag=20, qs=(0.5, 1.0, 1.5, 2.0, 3.0), noise=False):
    """Variogram H and moment-scaling H of each row of ``paths`` (n_paths, n), no bootstrap;
    with ``noise=True`` also the noise-intercept variogram H (``variogram_noise_h``)."""
    x = v.array("paths", paths, ndim=2)
    max_lag = v.integer("max_lag", max_lag, 3, x.shape[1] // 4)
    qs = np.asarray(qs, float)
    lags = np.arange(1, max_lag + 1)
    logL = np.log(lags)
    m = x.shape[1] - max_lag
    vg = np.stack([np.mean((x[:, L:] - x[:, :-L]) ** 2, axis=1) for L in lags], axis=1)
    h_vg = 0.5 * _slopes(logL, np.log(vg))
    A = np.stack([np.abs(x[:, L:L + m] - x[:, :m]) for L in lags], axis=2)           # (P, m, k)
    zeta = np.stack([_slopes(logL, np.log(np.mean(A ** q, axis=1))) for q in qs], axis=1)
    h_ms = (zeta * qs).sum(axis=1) / (qs * qs).sum()
    if not noise:
        return h_vg, h_ms
    h_nz = _noise_fit(lags.astype(float), vg)[0]
    return h_vg, h_ms, h_nz


def bias_study(H_grid, n, n_rep, scheme, nu_of_H=None, noise_sd=0.0, max_lag=20, window=21, rng=0):
    """Estimates on simulated paths of known H: dict of arrays over H_grid.

    ``nu_of_H``: callable H -> nu (the vol-of-vol that matches the data's scale), default 1.
    Returns H_true, and for "variogram" and "moments": mean, sd, q025, q975, all (n_H, n_rep)."""
    H_grid = v.array("H_grid", H_grid, ndim=1, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    n_rep = v.integer("n_rep", n_rep, 2, None)
    gen = v.rng(rng)
    est = {"variogram": [], "moments": [], "noise_variogram": []}
    for H in H_grid:
        nu = 1.0 if nu_of_H is None else float(nu_of_H(H))
        x = simulate_logvol(H, n, n_rep, scheme=scheme, nu=nu, noise_sd=noise_sd, window=window, rng=gen)
        hv, hm, hn = estimate_batch(x, max_lag=max_lag, noise=True)
        est["variogram"].append(hv)
        est["moments"].append(hm)
        est["noise_variogram"].append(hn)
    out = dict(H_true=H_grid, scheme=scheme, noise_sd=noise_sd, n=n, n_rep=n_rep, max_lag=max_lag)
    for k, rows in est.items():
        a = np.array(rows)
        out[k] = dict(all=a, mean=np.nanmean(a, axis=1), sd=np.nanstd(a, axis=1, ddof=1),
                      q025=np.nanquantile(a, 0.025, axis=1), q975=np.nanquantile(a, 0.975, axis=1),
                      n_failed=int(np.isnan(a).sum()))
    return out


def invert_bias(study, h_obs, estimator="variogram"):
    """Bias-corrected H (the true H whose mean estimate equals h_obs, linear interpolation on
    the grid) and the Neyman 95 % set {H : q025(H) <= h_obs <= q975(H)} on the grid, with
    its interval hull interpolated between grid points.  nan where h_obs is off the curve."""
    s = study[estimator]
    Hg = study["H_true"]
    mean = s["mean"]

    def inv(curve):
        curve = np.maximum.accumulate(curve)     # Monte Carlo wiggle: make the curve monotone
        if h_obs < curve[0] or h_obs > curve[-1] or curve[-1] == curve[0]:
            return float("nan")
        return float(np.interp(h_obs, curve, Hg))
    accept = (s["q025"] <= h_obs) & (h_obs <= s["q975"])
    lo, hi = inv(s["q975"]), inv(s["q025"])
    # off the grid on one side: the set reaches the grid's end (reported as such)
    if math.isnan(lo) and accept.any() and h_obs < s["q975"][0]:
        lo = float(Hg[0])
    if math.isnan(hi) and accept.any() and h_obs > s["q025"][-1]:
        hi = float(Hg[-1])
    return dict(H_corrected=inv(mean), lo=lo, hi=hi,
                accepted=[float(h) for h, a in zip(Hg, accept) if a])


# ---------------------------------------------------------------- hedging along history

def _ncdf(x):
    return 0.5 * special.erfc(-x / math.sqrt(2.0))


def window_hedge_pnl(close, days, sigma, step=1, start=0):
    """P&L of the daily-hedged short ATM call on each window of the close series.

    Parameters
    ----------
    close : array (n,)
        Daily closes (index points).
    days : int
        Maturity in trading days (T = days / 252 years); the window holds days + 1 closes.
    sigma : float or array (n_windows,)
        Black-Scholes hedge (and pricing) volatility, annualised.
    step : int
        Days between window starts (1: every day, overlapping windows, as in the paper).
    start : int
        First window start index.

    Returns
    -------
    (starts, pnl): window start indices and P&L per window, in index points per 100 of spot
    (S normalised to 100 at the window start, strike 100, zero rates).
    """
    close = v.array("close", close, ndim=1, lo=0.0, lo_open=True)
    days = v.integer("days", days, 1, close.shape[0] - 1)
    step = v.integer("step", step, 1, None)
    start = v.integer("start", start, 0, close.shape[0] - days - 1)
    starts = np.arange(start, close.shape[0] - days, step)
    idx = starts[:, None] + np.arange(days + 1)[None, :]
    S = 100.0 * close[idx] / close[starts][:, None]
    sig = np.asarray(sigma, float)
    if sig.ndim == 0:
        sig = np.full(starts.size, float(sig))
    sig = v.array("sigma", sig, shape=(starts.size,), lo=0.0, lo_open=True)
    K = 100.0
    T = days / DAYS_PER_YEAR
    tau = (days - np.arange(days)) / DAYS_PER_YEAR                     # time to expiry at each hedge date
    st = sig[:, None] * np.sqrt(tau)[None, :]
    d1 = np.log(S[:, :-1] / K) / st + 0.5 * st
    delta = _ncdf(d1)
    s0 = sig * math.sqrt(T)
    premium = 100.0 * _ncdf(0.5 * s0) - K * _ncdf(-0.5 * s0)
    pnl = premium - np.maximum(S[:, -1] - K, 0.0) + np.sum(delta * np.diff(S, axis=1), axis=1)
    return starts, pnl


def block_bootstrap_var_se(x, block, n_boot=400, rng=0):
    """SE of the sample variance of a dependent sequence (moving-block bootstrap)."""
    x = v.array("x", x, ndim=1)
    block = v.integer("block", block, 1, None)
    block = min(block, max(1, x.shape[0] // 3))
    if x.shape[0] < 6:
        raise ValueError(f"x must hold at least 6 values, got {x.shape[0]}")
    Z = np.column_stack([x, x * x])
    bm = _block_means(Z, block, v.integer("n_boot", n_boot, 2, None), v.rng(rng))
    var = bm[:, 1] - bm[:, 0] ** 2
    return float(var.std(ddof=1))
