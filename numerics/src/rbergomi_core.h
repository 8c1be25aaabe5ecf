/* Inner loops of numerics/_rbergomi.pyx: the far-term convolution of the hybrid scheme and
 * one time row of the rBergomi recursion (with a vectorisable exp).
 *
 * Far terms, for a tile of paths:
 *   acc[q] += sum_{k = k0}^{i} g[k] * dw[(i - k) * ld + q],   k ascending, for q < t
 *
 * Written with GCC/Clang vector extensions so that the accumulators stay in registers
 * (4 vectors of 4 doubles = 16 paths per tile); each path's sum is the same sequence of
 * IEEE multiplications and additions as the scalar loop (no FMA contraction: the file is
 * compiled for baseline x86-64, and the AVX2 clone below does not enable FMA), so the
 * result does not depend on the tile, the thread count or the clone that runs.
 */
#ifndef RBERGOMI_CORE_H
#define RBERGOMI_CORE_H
#include <stddef.h>
#include <string.h>
#include <math.h>

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"   /* 32-byte vectors in static inline helpers only */
#endif

#define RB_MAXW 64          /* paths per block (PBLOCK in _rbergomi.pyx), a multiple of 4 */

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define RB_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RB_CLONES
#endif

typedef double rb_v4d __attribute__((vector_size(32)));

__attribute__((always_inline)) static inline rb_v4d rb_load(const double *p) { rb_v4d v; memcpy(&v, p, sizeof v); return v; }
__attribute__((always_inline)) static inline void rb_store(double *p, rb_v4d v) { memcpy(p, &v, sizeof v); }

RB_CLONES
static void rb_far(const double *g, const double *dw, ptrdiff_t ld, ptrdiff_t i, ptrdiff_t k0,
                   ptrdiff_t t, double *acc)
{
    ptrdiff_t q = 0, k;
    for (; q + 16 <= t; q += 16) {
        rb_v4d a0 = rb_load(acc + q), a1 = rb_load(acc + q + 4);
        rb_v4d a2 = rb_load(acc + q + 8), a3 = rb_load(acc + q + 12);
        for (k = k0; k <= i; k++) {
            const double *s = dw + (i - k) * ld + q;
            rb_v4d c = {g[k], g[k], g[k], g[k]};
            a0 = a0 + c * rb_load(s);
            a1 = a1 + c * rb_load(s + 4);
            a2 = a2 + c * rb_load(s + 8);
            a3 = a3 + c * rb_load(s + 12);
        }
        rb_store(acc + q, a0); rb_store(acc + q + 4, a1);
        rb_store(acc + q + 8, a2); rb_store(acc + q + 12, a3);
    }
    for (; q + 4 <= t; q += 4) {
        rb_v4d a0 = rb_load(acc + q);
        for (k = k0; k <= i; k++) {
            rb_v4d c = {g[k], g[k], g[k], g[k]};
            a0 = a0 + c * rb_load(dw + (i - k) * ld + q);
        }
        rb_store(acc + q, a0);
    }
    for (; q < t; q++) {
        double a = acc[q];
        for (k = k0; k <= i; k++)
            a = a + g[k] * dw[(i - k) * ld + q];
        acc[q] = a;
    }
}


/* exp on 4 lanes for |x| <= 708 (other lanes: fixed by the caller with libm exp):
 * x = n ln2 + r, |r| <= ln2 / 2 (Cody-Waite, ln2 split so that n * LN2_HI is exact),
 * exp(r) by its Taylor polynomial of degree 13 (truncation < 5e-18 relative), times 2^n
 * built in the exponent bits.  Relative error a few 1e-16. */
typedef long long rb_v4i __attribute__((vector_size(32)));

__attribute__((always_inline)) static inline rb_v4d rb_exp4(rb_v4d x)
{
    const rb_v4d shifter = {0x1.8p52, 0x1.8p52, 0x1.8p52, 0x1.8p52};
    const double LOG2E = 1.4426950408889634, LN2_HI = 6.93147180369123816490e-01,
                 LN2_LO = 1.90821492927058770002e-10;
    rb_v4d t = x * LOG2E + shifter;
    rb_v4d nd = t - shifter;
    rb_v4d r = (x - nd * LN2_HI) - nd * LN2_LO;
    rb_v4d p = r * (1.0 / 6227020800.0) + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    rb_v4i ti, si;
    memcpy(&ti, &t, sizeof t);
    rb_v4d sh = shifter;
    memcpy(&si, &sh, sizeof sh);
    rb_v4i bits = ((ti - si) + 1023) << 52;
    rb_v4d s;
    memcpy(&s, &bits, sizeof s);
    return p * s;
}

/* One time row of the rBergomi recursion for nbp (a multiple of 4) paths, padded arrays:
 *   sqrt V = sxi exp(hh * (scale * acc) - e2),  V = (sqrt V)^2  -> vrow (if not NULL)
 *   if step: intA += sqrt V dW;  intV += V dt;
 *            log S += rho sqrt V dW + (sqrt V cb) zb - h V
 */
RB_CLONES
static void rb_row(ptrdiff_t nbp, const double *acc, double scale, double hh, double e2, double sxi,
                   int step, const double *dw, const double *zb, double rho, double cb, double h,
                   double dt, double *logs, double *intv, double *inta, double *vrow)
{
    double xs[RB_MAXW], es[RB_MAXW];
    ptrdiff_t q;
    for (q = 0; q < nbp; q += 4) {
        rb_v4d x = hh * (scale * rb_load(acc + q)) - e2;
        rb_store(xs + q, x);
        rb_store(es + q, rb_exp4(x));
    }
    for (q = 0; q < nbp; q++)
        if (!(xs[q] >= -708.0 && xs[q] <= 708.0))
            es[q] = exp(xs[q]);
    for (q = 0; q < nbp; q += 4) {
        rb_v4d sv = sxi * rb_load(es + q);
        rb_v4d vi = sv * sv;
        if (vrow)
            rb_store(vrow + q, vi);
        if (step) {
            rb_v4d a = sv * rb_load(dw + q);
            rb_store(inta + q, rb_load(inta + q) + a);
            rb_store(intv + q, rb_load(intv + q) + vi * dt);
            rb_store(logs + q, rb_load(logs + q) + (((rho * a) + (sv * cb) * rb_load(zb + q)) - h * vi));
        }
    }
}

#endif
