"""NumPy twin of ``_meanfield.pyx``: the same Euler-Maruyama recursion, vectorised over systems."""
from __future__ import annotations

import math

import numpy as np


def euler_batch(x0, z, theta, sigma, dt, keep_paths=False):
    """x0 (R, N), z (R, n, N) -> (mean (R, n+1), var (R, n+1), x_T (R, N)[, paths (R, n+1, N)])."""
    x = np.array(x0, dtype=float)
    R, n, N = z.shape
    mean = np.empty((R, n + 1))
    var = np.empty((R, n + 1))
    paths = np.empty((R, n + 1, N)) if keep_paths else None
    b = sigma * math.sqrt(dt)
    m = x.mean(axis=1)
    mean[:, 0] = m
    var[:, 0] = np.mean((x - m[:, None]) ** 2, axis=1)
    if keep_paths:
        paths[:, 0] = x
    for i in range(n):
        x = x - theta * dt * (x - m[:, None]) + b * z[:, i]
        m = x.mean(axis=1)
        mean[:, i + 1] = m
        var[:, i + 1] = np.mean((x - m[:, None]) ** 2, axis=1)
        if keep_paths:
            paths[:, i + 1] = x
    return (mean, var, x, paths) if keep_paths else (mean, var, x)
