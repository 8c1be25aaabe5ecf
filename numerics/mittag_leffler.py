"""Mittag-Leffler function E_{alpha,beta}(z) (public, validating, vectorised).

    E_{alpha,beta}(z) = sum_{k>=0} z^k / Gamma(alpha k + beta),   0 < alpha <= 1, 0 < beta <= 3.

Real or complex z (any shape).  Method (``numerics/_mittag.pyx``): power series where it
does not cancel, the asymptotic expansion for |z|^(1/alpha) >= 40, and in between the
Laplace inversion on a Hankel contour (two rays, double-exponential quadrature) plus
pole residues.  Relative accuracy is about 1e-14 over the tested ranges (see
``tests/test_num_mittag.py`` and the mpmath data in ``tests/data/``), except where the
value is exponentially small compared with the terms that produce it: for alpha very
close to 1 (but not equal) with large negative real part.  alpha = 1 with beta in {1, 2}
is computed from the exponential.

E_alpha(-lam t^alpha) solves the linear fractional relaxation D^alpha x = -lam x, x(0) = 1.
"""
from __future__ import annotations

import numpy as np

from numerics import _mittag
from numerics._validate import array, real, scalar_or_array

__all__ = ["mittag_leffler"]


def mittag_leffler(z, alpha, beta=1.0):
    """Mittag-Leffler function E_{alpha,beta}(z) = sum_k z^k / Gamma(alpha k + beta).

    Parameters
    ----------
    z : float, complex or array_like
        Argument(s), any shape; real z gives real values, complex z complex values.
    alpha : float
        In (0, 1].
    beta : float
        In (0, 3].

    Returns
    -------
    float, complex or numpy.ndarray
        A Python float (complex) for a scalar z.

    Raises
    ------
    ValueError
        Bad parameters, non-numeric z, or a value beyond the double range.

    Examples
    --------
    >>> from numerics.mittag_leffler import mittag_leffler
    >>> import math
    >>> abs(mittag_leffler(-1.0, 1.0) - math.exp(-1.0)) < 1e-15     # E_1(z) = e^z
    True
    >>> round(mittag_leffler(-1.0, 0.5), 12) == round(math.exp(1.0) * math.erfc(1.0), 12)
    True
    """
    alpha = real("alpha", alpha, 0.0, 1.0, lo_open=True)
    beta = real("beta", beta, 0.0, 3.0, lo_open=True)
    zc = np.asarray(z)
    orig_shape = zc.shape
    is_complex = np.iscomplexobj(zc)
    zr = array("z.real" if is_complex else "z", np.real(zc), allow_empty=True)
    zi = array("z.imag", np.imag(zc), allow_empty=True) if is_complex else np.zeros_like(zr)
    shape = orig_shape
    zr, zi = np.ascontiguousarray(zr.ravel()), np.ascontiguousarray(zi.ravel())
    outr, outi = np.empty_like(zr), np.empty_like(zr)
    if zr.size:
        _mittag.ml_array(alpha, beta, zr, zi, outr, outi)
    bad = ~(np.isfinite(outr) & np.isfinite(outi))
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"E_{{alpha,beta}}(z) overflows the double range at z="
                         f"{complex(zr[i], zi[i]) if is_complex else zr[i]!r} (flat index {i}); "
                         f"|exp(z^(1/alpha))| must stay below ~1e308")
    if is_complex:
        res = (outr + 1j * outi).reshape(shape)
    else:
        res = outr.reshape(shape)
    return scalar_or_array(res)
