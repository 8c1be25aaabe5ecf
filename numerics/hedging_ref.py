"""NumPy twin of ``_hedging.pyx``: the same discrete delta-hedging P&L."""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr


def bs_delta(S, K, sigma, tau):
    s = sigma * np.sqrt(tau)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = ndtr(np.log(S / K) / s + 0.5 * s)
    return np.where(s > 0, d, np.where(S > K, 1.0, np.where(S == K, 0.5, 0.0)))


def hedge_pnl(S, K, T, premium, stride, sigma=None, vol=None, table=None, x0=0.0, dx=1.0, nv=0, s0=0.0,
              ds=1.0):
    n = S.shape[0] - 1
    N = n // stride
    dt = T / n
    pnl = np.full(S.shape[1], float(premium))
    for j in range(N):
        i0, i1 = j * stride, (j + 1) * stride
        tau = T - i0 * dt
        if table is not None and nv > 0:
            x = np.log(S[i0] / K)
            grid = x0 + dx * np.arange(table.shape[1])
            rows = np.array([np.interp(x, grid, table[j * nv + a]) for a in range(nv)])   # (nv, P)
            u = np.clip((vol[i0] - s0) / ds, 0.0, nv - 1)
            m = np.minimum(np.floor(u).astype(int), nv - 2)
            w = u - m
            cols = np.arange(S.shape[1])
            d = (1 - w) * rows[m, cols] + w * rows[m + 1, cols]
        elif table is not None:
            x = np.log(S[i0] / K)
            grid = x0 + dx * np.arange(table.shape[1])
            d = np.interp(x, grid, table[j])
        elif vol is not None:
            d = bs_delta(S[i0], K, vol[i0], tau)
        else:
            d = bs_delta(S[i0], K, sigma, tau)
        pnl += d * (S[i1] - S[i0])
    return pnl - np.maximum(S[n] - K, 0.0)
