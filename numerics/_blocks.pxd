# cython: language_level=3
"""Fixed blocks of paths handed out to threads (cimported by the path kernels).

Paths 0..P-1 are cut into blocks of ``pb`` paths; block b is paths
``b * pb .. block_end(b, pb, P) - 1``.  The cut depends on P only, never on the thread
count, so each path's arithmetic is the same whatever the number of threads.
"""


cdef inline Py_ssize_t n_blocks(Py_ssize_t P, Py_ssize_t pb) noexcept nogil:
    return (P + pb - 1) // pb


cdef inline Py_ssize_t block_end(Py_ssize_t b, Py_ssize_t pb, Py_ssize_t P) noexcept nogil:
    return P if (b + 1) * pb > P else (b + 1) * pb
