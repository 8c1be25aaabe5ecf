# cython: language_level=3
"""Private kernel: historical VaR / CVaR by selection, no full sort (use numerics.risk).

VaR_alpha is the k-th smallest loss, k = ceil(alpha N); CVaR_alpha is the
Rockafellar-Uryasev value VaR + sum (L_i - VaR)^+ / ((1 - alpha) N).

1. A strided subsample (fixed stride, no randomness) gives a threshold t below
   VaR with a wide safety margin.
2. One parallel pass over NCHUNK fixed chunks copies every loss >= t into the
   chunk's slot of a buffer and counts non-finite values.
3. Quickselect on the collected losses (concatenated in chunk order) finds VaR;
   if the threshold was not low enough the kernel falls back to quickselect on
   a full copy.  The summation order depends only on the data, never on threads.
"""
from cython.parallel cimport prange
from libc.math cimport ceil, sqrt
from libc.stdlib cimport malloc, free

cdef Py_ssize_t NCHUNK = 16


cdef double _select(double* a, Py_ssize_t n, Py_ssize_t k) noexcept nogil:
    """k-th smallest (0-based) of a[0..n-1], rearranging a (Hoare partition, median of 3)."""
    cdef Py_ssize_t lo = 0, hi = n - 1, i, j, mid
    cdef double pivot, tmp
    while hi > lo:
        mid = lo + (hi - lo) // 2
        # median of three into a[mid]
        if a[mid] < a[lo]:
            tmp = a[mid]; a[mid] = a[lo]; a[lo] = tmp
        if a[hi] < a[lo]:
            tmp = a[hi]; a[hi] = a[lo]; a[lo] = tmp
        if a[hi] < a[mid]:
            tmp = a[hi]; a[hi] = a[mid]; a[mid] = tmp
        pivot = a[mid]
        i = lo
        j = hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                tmp = a[i]; a[i] = a[j]; a[j] = tmp
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return a[k]
    return a[k]


cdef Py_ssize_t _collect(const double[::1] x, Py_ssize_t c0, Py_ssize_t c1, double t,
                         double* buf, Py_ssize_t cap, Py_ssize_t* nonfinite) noexcept nogil:
    """Copy x[i] >= t for i in [c0, c1) into buf (up to cap); return how many there were."""
    cdef Py_ssize_t i, cnt = 0, bad = 0
    cdef double xi
    for i in range(c0, c1):
        xi = x[i]
        if xi - xi != 0.0:          # inf or nan
            bad += 1
        elif xi >= t:
            if cnt < cap:
                buf[cnt] = xi
            cnt += 1
    nonfinite[0] = bad
    return cnt


cdef int _var_cvar(const double[::1] x, double alpha, double* var_out, double* cvar_out,
                   Py_ssize_t* nonfinite, int nthreads) noexcept nogil:
    """Return 0 on success, 1 on non-finite input, 2 on allocation failure."""
    cdef Py_ssize_t N = x.shape[0]
    cdef Py_ssize_t k = <Py_ssize_t>ceil(alpha * N) - 1   # 0-based rank of VaR
    cdef Py_ssize_t r, s, stride, i, j, c, total, cap, pos
    cdef double t, q, acc, margin
    cdef double* sub
    cdef double* buf
    cdef double* full
    cdef Py_ssize_t counts[16]
    cdef Py_ssize_t bads[16]
    cdef Py_ssize_t c0s[17]
    if k < 0:
        k = 0
    if k > N - 1:
        k = N - 1
    r = N - k                                 # number of losses >= VaR (at least)
    # 1. threshold from a strided subsample
    s = N if N < 65536 else 65536
    stride = N // s
    sub = <double*>malloc(s * sizeof(double))
    if sub == NULL:
        return 2
    for i in range(s):
        sub[i] = x[i * stride]
    margin = 6.0 * sqrt(alpha * (1.0 - alpha) * s) + 8.0
    j = <Py_ssize_t>(k * (<double>s / N) - margin)
    if j < 0 or N <= 4 * 65536:
        t = -1.7976931348623157e308
    else:
        t = _select(sub, s, j)
    free(sub)
    # 2. collect losses >= t over fixed chunks
    cap = (N - k) + 4 * <Py_ssize_t>(margin * N / s) + 1024
    if cap > N:
        cap = N
    cap = cap // NCHUNK + 1
    buf = <double*>malloc(cap * NCHUNK * sizeof(double))
    if buf == NULL:
        return 2
    for c in range(NCHUNK + 1):
        c0s[c] = (N * c) // NCHUNK
    for c in prange(NCHUNK, num_threads=nthreads, schedule="dynamic"):
        counts[c] = _collect(x, c0s[c], c0s[c + 1], t, buf + c * cap, cap, &bads[c])
    total = 0
    nonfinite[0] = 0
    for c in range(NCHUNK):
        nonfinite[0] += bads[c]
        if counts[c] > cap:
            total = -1
    if nonfinite[0] > 0:
        free(buf)
        return 1
    if total == 0:
        # compact the chunk slots in chunk order
        pos = 0
        for c in range(NCHUNK):
            for i in range(counts[c]):
                buf[pos + i] = buf[c * cap + i]
            pos += counts[c]
        total = pos
    if total >= r:
        # the r largest losses are all in buf: VaR is the (total - r)-th smallest there
        q = _select(buf, total, total - r)
        acc = 0.0
        for i in range(total):
            if buf[i] > q:
                acc += buf[i] - q
        free(buf)
    else:
        free(buf)
        full = <double*>malloc(N * sizeof(double))
        if full == NULL:
            return 2
        for i in range(N):
            full[i] = x[i]
        q = _select(full, N, k)
        acc = 0.0
        for i in range(N):
            if x[i] > q:
                acc += x[i] - q
        free(full)
    var_out[0] = q
    cvar_out[0] = q + acc / ((1.0 - alpha) * N)
    return 0


def var_cvar(const double[::1] losses, double alpha, int nthreads=1):
    """(VaR, CVaR) of the losses at level alpha in (0, 1); ValueError on non-finite losses."""
    cdef double q = 0.0, cv = 0.0
    cdef Py_ssize_t bad = 0
    cdef int rc
    if losses.shape[0] < 1:
        raise ValueError("losses must not be empty")
    if not (0.0 < alpha < 1.0):
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    with nogil:
        rc = _var_cvar(losses, alpha, &q, &cv, &bad, nthreads)
    if rc == 1:
        raise ValueError(f"losses must be finite, got {bad} non-finite value(s)")
    if rc == 2:
        raise MemoryError("var_cvar: could not allocate the selection buffer")
    return q, cv
