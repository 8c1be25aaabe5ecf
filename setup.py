"""Build script: the Cython kernels in numerics/_*.pyx.

Compiler directives live here and only here.  ROUGHATLAS_DEBUG=1 builds with
bounds checks and wrap-around back on (for debugging a kernel).
"""
import glob
import os
import sys

from setuptools import Extension, find_packages, setup

DEBUG = os.environ.get("ROUGHATLAS_DEBUG", "0") not in ("", "0")

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "cdivision": not DEBUG,
    "initializedcheck": DEBUG,
    "nonecheck": DEBUG,
    "embedsignature": True,
}


def _extensions():
    sources = sorted(glob.glob(os.path.join("numerics", "_*.pyx")))
    if not sources:
        return []
    try:
        import numpy
        from Cython.Build import cythonize
    except ImportError as exc:  # pragma: no cover - build-system requires both
        sys.exit(f"building roughatlas needs Cython and NumPy ({exc})")
    compile_args = ["-O3", "-fopenmp"] if not DEBUG else ["-O0", "-g", "-fopenmp"]
    # per module: sqrt without errno lets the exotics core's loops vectorise (same results)
    extra = {"_exotics": ["-fno-math-errno"]}
    headers = sorted(glob.glob(os.path.join("numerics", "src", "*.h")))
    exts = [
        Extension(
            "numerics." + os.path.splitext(os.path.basename(src))[0],
            [src],
            include_dirs=[numpy.get_include()],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            extra_compile_args=compile_args + extra.get(os.path.splitext(os.path.basename(src))[0], []),
            extra_link_args=["-fopenmp"],
            depends=headers,
        )
        for src in sources
    ]
    return cythonize(exts, compiler_directives=DIRECTIVES, quiet=True)


setup(
    packages=find_packages(include=["verifier", "verifier.*", "numerics", "numerics.*",
                                    "service", "service.*"]),
    ext_modules=_extensions(),
    zip_safe=False,
)
