"""roughatlas numerics: Cython kernels that measure the exponent laws.

Layout (one area per module):
  _name.pyx        private kernel, nogil core over typed memoryviews
  name_ref.py      plain NumPy twin of the same algorithm (used by the tests)
  name.py          public module: validates input, the only thing users import
"""
