"""Block-seeded normal generator (numerics._rng): bit stream vs the pure-Python twin, block
layout, thread-count independence, and the distribution against N(0, 1).

Statistical tolerances are 4 standard errors of the statistic (or the 1e-4 critical value of
the test) at the sample size used; the seeds are fixed, so each test is deterministic."""
import math

import numpy as np
import pytest
from scipy import stats

from numerics import _rng, rng_ref
from numerics._bs_mc_helpers import normals, seed_of

N_STAT = 4_000_000


@pytest.fixture(scope="module")
def sample():
    x = np.empty(N_STAT)
    _rng.fill(20240607, x, 2)
    return x


@pytest.mark.parametrize("seed,block", [(0, 0), (1, 0), (12345, 7), ((1 << 64) - 1, 3), (99, 1 << 40)])
def test_integer_stream_matches_python_twin(seed, block):
    for lane in range(rng_ref.LANES):
        np.testing.assert_array_equal(_rng.raw(seed, block, lane, 64), rng_ref.raw(seed, block, lane, 64))
    with pytest.raises(ValueError, match="lane"):
        _rng.raw(seed, block, rng_ref.LANES, 1)


def test_xoshiro_reference_vector():
    # xoshiro256++ from the state (1, 2, 3, 4): first outputs of the authors' C code
    it = rng_ref.xoshiro_stream([1, 2, 3, 4])
    assert [next(it) for _ in range(3)] == [41943041, 58720359, 3588806011781223]


def test_normals_match_python_twin_including_rejections():
    n = 30000
    a = _rng.stream(7, 2, n)
    b = rng_ref.normals_block(7, 2, n)
    np.testing.assert_array_equal(a, b)
    # the sample exercises the tail branch (|x| > r) and the wedge branch (|x| > x_1 in layer 1)
    assert np.any(np.abs(a) > rng_ref.ZIG_R)


@pytest.mark.parametrize("nn, nu", [(0, 9), (30001, 4097), (5, 3), (8, 0)])
def test_normals_then_uniforms_match_python_twin(nn, nu):
    z, u = _rng.stream_nu(11, 3, nn, nu)
    z2, u2 = rng_ref.normals_uniforms_block(11, 3, nn, nu)
    np.testing.assert_array_equal(z, z2)
    np.testing.assert_array_equal(u, u2)
    np.testing.assert_array_equal(z, _rng.stream(11, 3, nn))
    assert u.shape == (nu,) and np.all((u >= 0) & (u < 1))
    if nu > 4000:      # 52-bit resolution, and roughly uniform
        assert np.all(u * 2.0 ** 52 == np.floor(u * 2.0 ** 52))
        assert abs(u.mean() - 0.5) < 5 * (1 / 12 / nu) ** 0.5


def test_tables_tile_equal_areas():
    wi, ki, fi = rng_ref.ziggurat_tables()
    x = wi * 2.0 ** 52
    areas = x[1:] * (fi[:-1] - fi[1:])
    np.testing.assert_allclose(areas, rng_ref.ZIG_V, rtol=1e-12)
    assert x[0] * fi[255] == pytest.approx(rng_ref.ZIG_V, rel=1e-14)
    assert x[255] == pytest.approx(rng_ref.ZIG_R, rel=1e-15)
    # the top layer reaches f(0) = 1: v / x_1 + f(x_1) = 1
    assert rng_ref.ZIG_V / x[1] + fi[1] == pytest.approx(1.0, abs=1e-12)


def test_fill_is_blocks_of_streams():
    B = _rng.BLOCK
    x = np.empty(2 * B + 100)
    _rng.fill(5, x, 2)
    np.testing.assert_array_equal(x[:B], _rng.stream(5, 0, B))
    np.testing.assert_array_equal(x[B:2 * B], _rng.stream(5, 1, B))
    np.testing.assert_array_equal(x[2 * B:], _rng.stream(5, 2, 100))


def test_fill_pathblocks_layout():
    R, P, pb = 7, 150, 64
    out = np.empty((R, P))
    _rng.fill_pathblocks(11, out, pb, 2)
    for b, p0 in enumerate(range(0, P, pb)):
        w = min(pb, P - p0)
        np.testing.assert_array_equal(out[:, p0:p0 + w], _rng.stream(11, b, R * w).reshape(R, w))


@pytest.mark.parametrize("nt", [1, 2, 3])
def test_same_numbers_whatever_the_thread_count(nt, monkeypatch):
    ref = np.empty(5 * _rng.BLOCK + 17)
    _rng.fill(3, ref, 1)
    x = np.empty_like(ref)
    _rng.fill(3, x, nt)
    np.testing.assert_array_equal(x, ref)
    y = np.empty((5, 1000))
    _rng.fill_pathblocks(3, y, 64, nt)
    y1 = np.empty_like(y)
    _rng.fill_pathblocks(3, y1, 64, 1)
    np.testing.assert_array_equal(y, y1)
    monkeypatch.setenv("ROUGHATLAS_THREADS", str(nt))
    z = normals(np.random.default_rng(8), (3, 50, 1000))
    monkeypatch.setenv("ROUGHATLAS_THREADS", "1")
    np.testing.assert_array_equal(z, normals(np.random.default_rng(8), (3, 50, 1000)))


def test_seed_derivation_from_generator():
    g = np.random.default_rng(4)
    s1, s2 = seed_of(g), seed_of(g)
    assert s1 != s2 and 0 <= s1 < 1 << 64
    assert seed_of(np.random.default_rng(4)) == s1
    a = normals(np.random.default_rng(4), (10,))
    x = np.empty(10)
    _rng.fill(s1, x)
    np.testing.assert_array_equal(a, x)


@pytest.mark.parametrize("bad", [-1, 1 << 64, 2.5])
def test_bad_seed_is_a_value_error(bad):
    with pytest.raises(ValueError, match="seed must be an integer"):
        _rng.fill(bad, np.empty(3))


def test_bad_pblock_is_a_value_error():
    with pytest.raises(ValueError, match="pblock"):
        _rng.fill_pathblocks(1, np.empty((2, 3)), 0)


def test_moments_within_4se(sample):
    x = sample
    n = x.size
    assert abs(x.mean()) < 4 / math.sqrt(n)
    assert abs(x.var() - 1.0) < 4 * math.sqrt(2.0 / n)
    assert abs(stats.skew(x)) < 4 * math.sqrt(6.0 / n)
    assert abs(stats.kurtosis(x)) < 4 * math.sqrt(24.0 / n)


@pytest.mark.parametrize("a", [1.0, 2.0, 3.0, rng_ref.ZIG_R, 4.0])
def test_tail_frequencies_within_4se(sample, a):
    x = sample
    p = 2 * stats.norm.sf(a)
    f = np.mean(np.abs(x) > a)
    assert abs(f - p) < 4 * math.sqrt(p * (1 - p) / x.size)
    # and the two tails separately (the sign bit is independent of the magnitude)
    fr = np.mean(x > a)
    assert abs(fr - p / 2) < 4 * math.sqrt(p / 2 * (1 - p / 2) / x.size)


def test_ks_and_anderson_darling_against_n01(sample):
    x = np.sort(sample[:1_000_000])
    n = x.size
    F = stats.norm.cdf(x)
    i = np.arange(1, n + 1)
    D = max(np.max(i / n - F), np.max(F - (i - 1) / n))
    assert D * math.sqrt(n) < math.sqrt(-0.5 * math.log(1e-4 / 2))       # KS, alpha = 1e-4
    # Anderson-Darling with the distribution fully specified; 0.1 % critical value 5.97
    A2 = -n - np.sum((2 * i - 1) * (stats.norm.logcdf(x) + stats.norm.logsf(x[::-1]))) / n
    assert A2 < 5.97


def test_chi_square_on_the_ziggurat_layers(sample):
    # bins at the layer edges x_i (both signs): a wrong table or wedge test shows here
    wi, _, _ = rng_ref.ziggurat_tables()
    edges = wi[1:] * 2.0 ** 52
    edges = np.concatenate([[-np.inf], -edges[::-1], [0.0], edges, [np.inf]])
    counts, _ = np.histogram(sample, bins=edges)
    expected = np.diff(stats.norm.cdf(edges)) * sample.size
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    df = counts.size - 1
    assert chi2 < stats.chi2.ppf(1 - 1e-4, df)


def test_blocks_seeds_and_lags_uncorrelated():
    n = 200_000
    a = _rng.stream(1, 0, n)
    tol = 4 / math.sqrt(n)
    for b in (_rng.stream(1, 1, n), _rng.stream(2, 0, n), _rng.stream(1, 1 << 32, n)):
        assert abs(np.corrcoef(a, b)[0, 1]) < tol
        assert abs(np.corrcoef(a * a, b * b)[0, 1]) < tol * math.sqrt(3)   # no shared volatility
    for lag in (1, 2, 4):
        assert abs(np.corrcoef(a[:-lag], a[lag:])[0, 1]) < tol
    assert not np.array_equal(a[:10], _rng.stream(1, 1, 10))


def test_thread_count_choice(monkeypatch):
    from numerics import _bs_mc_helpers as h
    monkeypatch.setenv("ROUGHATLAS_THREADS", "3")
    assert h.n_threads() == 3
    monkeypatch.delenv("ROUGHATLAS_THREADS")
    monkeypatch.setattr(h, "_others_running", lambda: 1)          # another task running now
    assert h.n_threads() == 1
    monkeypatch.setattr(h, "_others_running", lambda: 0)
    assert h.n_threads() == min(2, len(__import__("os").sched_getaffinity(0)))
