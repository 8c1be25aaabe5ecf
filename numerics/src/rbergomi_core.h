/* Inner loops of numerics/_rbergomi.pyx: the far-term convolution of the hybrid scheme and
 * one time row of the rBergomi recursion (with a vectorisable exp).
 *
 * Far terms, for a tile of paths:
 *   acc[q] += sum_{k = k0}^{i} g[k] * dw[(i - k) * ld + q],   k ascending, for q < t
 *
 * Written with GCC/Clang vector extensions so that the accumulators stay in registers
 * (8 vectors of 4 doubles = 32 paths per tile, then 16, 4, 1); each path's sum is the same sequence of
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
#define RB_CLONES __attribute__((target_clones("avx2", "default"), unused))
#else
#define RB_CLONES __attribute__((unused))
#endif

typedef double rb_v4d __attribute__((vector_size(32)));

__attribute__((always_inline)) static inline rb_v4d rb_load(const double *p) { rb_v4d v; memcpy(&v, p, sizeof v); return v; }
__attribute__((always_inline)) static inline void rb_store(double *p, rb_v4d v) { memcpy(p, &v, sizeof v); }

RB_CLONES
static void rb_far(const double *g, const double *dw, ptrdiff_t ld, ptrdiff_t i, ptrdiff_t k0,
                   ptrdiff_t t, double *acc)
{
    ptrdiff_t q = 0, k;
    for (; q + 32 <= t; q += 32) {     /* 8 independent accumulators: the add latency is hidden */
        rb_v4d a0 = rb_load(acc + q), a1 = rb_load(acc + q + 4);
        rb_v4d a2 = rb_load(acc + q + 8), a3 = rb_load(acc + q + 12);
        rb_v4d a4 = rb_load(acc + q + 16), a5 = rb_load(acc + q + 20);
        rb_v4d a6 = rb_load(acc + q + 24), a7 = rb_load(acc + q + 28);
        for (k = k0; k <= i; k++) {
            const double *s = dw + (i - k) * ld + q;
            rb_v4d c = {g[k], g[k], g[k], g[k]};
            a0 = a0 + c * rb_load(s);
            a1 = a1 + c * rb_load(s + 4);
            a2 = a2 + c * rb_load(s + 8);
            a3 = a3 + c * rb_load(s + 12);
            a4 = a4 + c * rb_load(s + 16);
            a5 = a5 + c * rb_load(s + 20);
            a6 = a6 + c * rb_load(s + 24);
            a7 = a7 + c * rb_load(s + 28);
        }
        rb_store(acc + q, a0); rb_store(acc + q + 4, a1);
        rb_store(acc + q + 8, a2); rb_store(acc + q + 12, a3);
        rb_store(acc + q + 16, a4); rb_store(acc + q + 20, a5);
        rb_store(acc + q + 24, a6); rb_store(acc + q + 28, a7);
    }
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
 * x = (64 e + j) ln2 / 64 + r, |r| <= ln2 / 128 (Cody-Waite: LN2_64_HI has 21 trailing zero
 * bits, so (64 e + j) LN2_64_HI is exact), exp(x) = 2^e 2^(j/64) exp(r), 2^(j/64) from a table
 * (correctly rounded), exp(r) by its Taylor polynomial of degree 5 (truncation < 4e-17), 2^e
 * built in the exponent bits.  Relative error ~2 ulp. */
typedef long long rb_v4i __attribute__((vector_size(32)));

static const double rb_exp2_64[64] = {
    0x1.0000000000000p+0, 0x1.02c9a3e778061p+0, 0x1.059b0d3158574p+0, 0x1.0874518759bc8p+0,
    0x1.0b5586cf9890fp+0, 0x1.0e3ec32d3d1a2p+0, 0x1.11301d0125b51p+0, 0x1.1429aaea92de0p+0,
    0x1.172b83c7d517bp+0, 0x1.1a35beb6fcb75p+0, 0x1.1d4873168b9aap+0, 0x1.2063b88628cd6p+0,
    0x1.2387a6e756238p+0, 0x1.26b4565e27cddp+0, 0x1.29e9df51fdee1p+0, 0x1.2d285a6e4030bp+0,
    0x1.306fe0a31b715p+0, 0x1.33c08b26416ffp+0, 0x1.371a7373aa9cbp+0, 0x1.3a7db34e59ff7p+0,
    0x1.3dea64c123422p+0, 0x1.4160a21f72e2ap+0, 0x1.44e086061892dp+0, 0x1.486a2b5c13cd0p+0,
    0x1.4bfdad5362a27p+0, 0x1.4f9b2769d2ca7p+0, 0x1.5342b569d4f82p+0, 0x1.56f4736b527dap+0,
    0x1.5ab07dd485429p+0, 0x1.5e76f15ad2148p+0, 0x1.6247eb03a5585p+0, 0x1.6623882552225p+0,
    0x1.6a09e667f3bcdp+0, 0x1.6dfb23c651a2fp+0, 0x1.71f75e8ec5f74p+0, 0x1.75feb564267c9p+0,
    0x1.7a11473eb0187p+0, 0x1.7e2f336cf4e62p+0, 0x1.82589994cce13p+0, 0x1.868d99b4492edp+0,
    0x1.8ace5422aa0dbp+0, 0x1.8f1ae99157736p+0, 0x1.93737b0cdc5e5p+0, 0x1.97d829fde4e50p+0,
    0x1.9c49182a3f090p+0, 0x1.a0c667b5de565p+0, 0x1.a5503b23e255dp+0, 0x1.a9e6b5579fdbfp+0,
    0x1.ae89f995ad3adp+0, 0x1.b33a2b84f15fbp+0, 0x1.b7f76f2fb5e47p+0, 0x1.bcc1e904bc1d2p+0,
    0x1.c199bdd85529cp+0, 0x1.c67f12e57d14bp+0, 0x1.cb720dcef9069p+0, 0x1.d072d4a07897cp+0,
    0x1.d5818dcfba487p+0, 0x1.da9e603db3285p+0, 0x1.dfc97337b9b5fp+0, 0x1.e502ee78b3ff6p+0,
    0x1.ea4afa2a490dap+0, 0x1.efa1bee615a27p+0, 0x1.f50765b6e4540p+0, 0x1.fa7c1819e90d8p+0,
};

__attribute__((always_inline)) static inline rb_v4d rb_exp4(rb_v4d x)
{
    const rb_v4d shifter = {0x1.8p52, 0x1.8p52, 0x1.8p52, 0x1.8p52};
    const double INV = 92.33248261689366,                       /* 64 / ln 2 */
                 LN2_64_HI = 6.93147180369123816490e-01 / 64.0,
                 LN2_64_LO = 1.90821492927058770002e-10 / 64.0;
    rb_v4d t = x * INV + shifter;
    rb_v4d nd = t - shifter;
    rb_v4d r = (x - nd * LN2_64_HI) - nd * LN2_64_LO;
    rb_v4d p = r * (1.0 / 120.0) + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    rb_v4i ti, si;
    rb_v4d sh = shifter;
    memcpy(&ti, &t, sizeof t);
    memcpy(&si, &sh, sizeof sh);
    rb_v4i ni = ti - si;
    rb_v4i j = ni & 63;
    rb_v4i bits = ((ni >> 6) + 1023) << 52;
    rb_v4d s, tj = {rb_exp2_64[j[0]], rb_exp2_64[j[1]], rb_exp2_64[j[2]], rb_exp2_64[j[3]]};
    memcpy(&s, &bits, sizeof s);
    return (tj * p) * s;
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
    rb_v4i out = {0, 0, 0, 0};
    for (q = 0; q < nbp; q += 4) {
        rb_v4d x = hh * (scale * rb_load(acc + q)) - e2;
        rb_store(xs + q, x);
        rb_store(es + q, rb_exp4(x));
        out |= ~((x >= -708.0) & (x <= 708.0));      /* NaN counts as out of range */
    }
    if (out[0] | out[1] | out[2] | out[3])
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
