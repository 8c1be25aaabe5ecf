"""fBM kernels: Davies-Harte and the hybrid scheme against their NumPy twins and closed forms."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from numerics import fbm, fbm_ref
from numerics._bs_mc_helpers import normals
from tests.strategies_stoch import hurst


def _gauss_cov_se(E, N):
    """Standard error of the sample second moment mean(X Y) of zero-mean Gaussians."""
    d = np.diag(E)
    return np.sqrt((np.outer(d, d) + E * E) / N)


@pytest.mark.parametrize("H", [0.1, 0.3, 0.7])
def test_davies_harte_covariance_within_4se(H):
    n, T, N = 8, 2.0, 100_000
    x = fbm.davies_harte(n, H, T=T, n_paths=N, rng=11)
    t = np.linspace(0.0, T, n + 1)
    C = x.T @ x / N
    E = fbm.fbm_cov(t[:, None], t[None, :], H)
    se = _gauss_cov_se(E, N)
    z = np.abs(C - E)[1:, 1:] / se[1:, 1:]
    assert np.all(x[:, 0] == 0.0)
    assert z.max() < 4.5, z.max()     # 36 entries: union bound at 4.5 SE


def test_davies_harte_matches_numpy_twin():
    n, H, P = 64, 0.2, 7
    x = fbm.davies_harte(n, H, T=1.5, n_paths=P, rng=3)
    zc = normals(np.random.default_rng(3), ((P + 1) // 2, 4 * n)).view(np.complex128)
    r = fbm_ref.davies_harte_from_normals(zc, fbm_ref.circulant_sqrt_eigs(n, H), n, (1.5 / n) ** H, P)
    np.testing.assert_allclose(x, r, rtol=0, atol=1e-12)


def test_davies_harte_seed_reproducible_and_chunk_independent():
    a = fbm.davies_harte(512, 0.1, n_paths=9, rng=5)
    b = fbm.davies_harte(512, 0.1, n_paths=9, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    c = fbm.davies_harte(512, 0.1, n_paths=9, rng=6)
    assert not np.array_equal(a, c)


def test_recover_hurst_by_variogram():
    H = 0.12
    x = fbm.davies_harte(4096, H, n_paths=40, rng=21)
    Hhat, se = fbm.hurst_variogram(x, lags=(1, 2, 4, 8, 16))
    assert se < 0.01
    assert abs(Hhat - H) <= 4 * se, (Hhat, se)


def test_variogram_detects_wrong_hurst():
    # the estimator can fail: paths with H = 0.3 are far (in SE) from 0.12
    x = fbm.davies_harte(4096, 0.3, n_paths=40, rng=22)
    Hhat, se = fbm.hurst_variogram(x)
    assert abs(Hhat - 0.12) > 10 * se


@given(H=hurst(0.02, 0.98), n=st.integers(1, 300))
def test_circulant_embedding_nonnegative(H, n):
    s = fbm.davies_harte_sqrt_eigs(n, H)
    assert s.shape == (2 * n,) and np.all(np.isfinite(s)) and np.all(s >= 0)


@pytest.mark.parametrize("kappa", [1, 2])
def test_hybrid_matches_numpy_twin(kappa):
    n, H, P, T = 40, 0.1, 130, 0.7
    z = normals(np.random.default_rng(8), (kappa + 1, n, P))
    dw, y = fbm.hybrid_time_major(z, n, H, T, kappa)
    L, g, scale, _ = fbm.hybrid_setup(n, H, T / n, kappa)
    dw2, y2 = fbm_ref.hybrid_from_normals(z, L, g, scale)
    np.testing.assert_allclose(dw, dw2, rtol=0, atol=0)
    np.testing.assert_allclose(y, y2, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("kappa", [1, 2])
def test_hybrid_covariance_with_driver_exact(kappa):
    # the hybrid weights are chosen so that Cov(Y_t, W_t) is reproduced exactly
    n, H, T, N = 16, 0.1, 1.0, 100_000
    y, dw = fbm.hybrid_rl(n, H, T=T, n_paths=N, kappa=kappa, rng=31, return_driver=True)
    W = dw.sum(axis=1)
    Yt = y[:, -1]
    exact = fbm.rl_cov_with_driver(T, H)
    # se of mean(Y W): sqrt((var Y var W + cov^2) / N), with the scheme's own variance of Y
    se = math.sqrt((np.var(Yt) * T + exact ** 2) / N)
    assert abs(np.mean(Yt * W) - exact) <= 4 * se


@pytest.mark.parametrize("kappa", [1, 2])
def test_hybrid_variance_close_to_t2H(kappa):
    n, H, T, N = 16, 0.1, 1.0, 100_000
    y = fbm.hybrid_rl(n, H, T=T, n_paths=N, kappa=kappa, rng=41)
    L, g, scale, S = fbm.hybrid_setup(n, H, T / n, kappa)
    t = np.arange(n + 1) * T / n
    # the scheme's own variance (near and far terms use disjoint steps, so they are independent) ...
    var_scheme = np.array([scale ** 2 * (sum(S[k, k] for k in range(1, min(i, kappa) + 1))
                                         + sum(g[k] ** 2 * T / n for k in range(kappa + 1, i + 1)))
                           for i in range(n + 1)])
    sv = np.mean(y * y, axis=0)
    se = np.sqrt(2.0 / N) * var_scheme
    assert np.all(np.abs(sv - var_scheme)[1:] <= 4.5 * se[1:])
    # ... is within 2% of the exact t^(2H) (scheme bias, deterministic)
    assert np.max(np.abs(var_scheme[1:] / t[1:] ** (2 * H) - 1)) < 0.02


def test_rl_covariance_matches_hybrid_at_two_times():
    n, H, N = 8, 0.25, 100_000
    y = fbm.hybrid_rl(n, H, T=1.0, n_paths=N, kappa=2, rng=51)
    c = np.mean(y[:, 4] * y[:, 8])
    exact = fbm.rl_cov(0.5, 1.0, H)
    se = math.sqrt((np.mean(y[:, 4] ** 2) * np.mean(y[:, 8] ** 2) + exact ** 2) / N)
    # scheme bias of the cross covariance is far below the MC error at n = 8 (checked: < 0.5%)
    assert abs(c - exact) <= 4 * se + 0.005 * exact


@pytest.mark.parametrize("kw,match", [
    (dict(n=0, H=0.1), "n must be an integer in"),
    (dict(n=8, H=0.0), "H must be in"),
    (dict(n=8, H=1.0), "H must be in"),
    (dict(n=8, H=float("nan")), "H must be finite"),
    (dict(n=8, H=0.1, T=-1.0), "T must be in"),
    (dict(n=8, H=0.1, n_paths=0), "n_paths must be an integer in"),
])
def test_davies_harte_bad_input(kw, match):
    with pytest.raises(ValueError, match=match):
        fbm.davies_harte(**kw)


def test_hybrid_bad_input_and_memory_refusal():
    with pytest.raises(ValueError, match="kappa must be an integer in"):
        fbm.hybrid_rl(10, 0.1, kappa=3)
    with pytest.raises(ValueError, match="would need .* GiB"):
        fbm.hybrid_rl(1000, 0.1, n_paths=10**9)
    with pytest.raises(ValueError, match="would need .* GiB"):
        fbm.davies_harte(1 << 20, 0.1, n_paths=10**7)


def test_results_do_not_depend_on_thread_count(monkeypatch):
    out = []
    for nt in ("1", "2"):
        monkeypatch.setenv("ROUGHATLAS_THREADS", nt)
        out.append((fbm.davies_harte(1000, 0.2, n_paths=5, rng=3), fbm.hybrid_rl(50, 0.2, n_paths=300, kappa=2, rng=3)))
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)


@given(H=hurst(0.03, 0.97), n=st.integers(1, 40), P=st.integers(1, 9), kappa=st.integers(1, 2))
def test_kernels_match_twins_property(H, n, P, kappa):
    x = fbm.davies_harte(n, H, T=0.9, n_paths=P, rng=1)
    zc = normals(np.random.default_rng(1), ((P + 1) // 2, 4 * n)).view(np.complex128)
    r = fbm_ref.davies_harte_from_normals(zc, fbm_ref.circulant_sqrt_eigs(n, H), n, (0.9 / n) ** H, P)
    np.testing.assert_allclose(x, r, rtol=1e-10, atol=1e-12)
    z = normals(np.random.default_rng(2), (kappa + 1, n, P))
    dw, y = fbm.hybrid_time_major(z, n, H, 0.9, kappa)
    L, g, scale, _ = fbm.hybrid_setup(n, H, 0.9 / n, kappa)
    dw2, y2 = fbm_ref.hybrid_from_normals(z, L, g, scale)
    np.testing.assert_allclose(y, y2, rtol=1e-11, atol=1e-12)


def test_variogram_refuses_constant_paths():
    with pytest.raises(ValueError, match="paths must vary"):
        fbm.hurst_variogram(np.ones((2, 100)))
