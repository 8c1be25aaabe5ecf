"""NumPy twin of ``_risk.pyx``: historical VaR / CVaR with np.partition (same definitions).

VaR_alpha = k-th smallest loss, k = ceil(alpha N); CVaR_alpha = VaR + mean((L - VaR)^+) / (1 - alpha).
"""
from __future__ import annotations

import math

import numpy as np


def var_cvar(losses, alpha):
    x = np.asarray(losses, dtype=float)
    N = x.size
    k = min(max(int(math.ceil(alpha * N)) - 1, 0), N - 1)
    q = float(np.partition(x, k)[k])
    return q, q + float(np.sum(np.maximum(x - q, 0.0))) / ((1.0 - alpha) * N)
