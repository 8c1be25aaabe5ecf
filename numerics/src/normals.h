/* Standard normals for numerics/_rng.pyx: four interleaved xoshiro256++ lanes stepped together
 * (GCC/Clang vector extensions, an AVX2 clone on x86-64 Linux) feeding a 256-layer ziggurat.
 *
 * One block = 5 xoshiro256++ states: lanes 0..3 give the ziggurat candidates, lane 4 (the
 * "spare" lane) the extra uniforms of the rare slow steps.  Round after round each lane gives
 * one 64-bit candidate r: layer idx = r & 255, sign = bit 8, magnitude m = bits 9..60; the
 * candidate x = +-m wi[idx] is accepted at once when m < ki[idx] (inside the layer's inner
 * rectangle, ~99 %); otherwise the base layer draws from the tail (uniforms from the spare
 * lane), another layer tests its wedge with one spare uniform and, on failure, emits nothing.
 * The output is the accepted values in (round, lane) order; the candidates are iid, so this is
 * the ziggurat algorithm exactly.  All steps are integer operations or a single IEEE
 * multiplication (exp / log1p only in the slow steps), so every machine and both clones give
 * the same numbers.  numerics/rng_ref.py is the pure-Python twin.
 */
#ifndef RA_NORMALS_H
#define RA_NORMALS_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"   /* 32-byte vectors in static inline helpers only */
#endif
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define RN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RN_CLONES
#endif

typedef uint64_t rn_v4u __attribute__((vector_size(32)));
typedef int64_t rn_v4i __attribute__((vector_size(32)));
typedef double rn_v4d __attribute__((vector_size(32)));

static inline uint64_t rn_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rn_next1(uint64_t *s)
{
    uint64_t res = rn_rotl(s[0] + s[3], 23) + s[0], t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t;
    s[3] = rn_rotl(s[3], 45);
    return res;
}

static inline double rn_u01(uint64_t *s) { return (double)(int64_t)(rn_next1(s) >> 11) * (1.0 / 9007199254740992.0); }

/* The slow step of a candidate (layer idx, signed value x): the sample, or NAN to reject. */
static double rn_slow(uint64_t *spare, int idx, double x, int neg, const double *fi, double r)
{
    if (idx == 0) {
        for (;;) {
            double xx = -log1p(-rn_u01(spare)) / r;
            double yy = -log1p(-rn_u01(spare));
            if (yy + yy > xx * xx)
                return neg ? -(r + xx) : r + xx;
        }
    }
    if ((fi[idx - 1] - fi[idx]) * rn_u01(spare) + fi[idx] < exp(-0.5 * x * x))
        return x;
    return NAN;
}

/* One round of 4 lanes held as vectors s[0..3]: the candidates' signed values (as bits),
 * acceptance masks, layers and signs. */
typedef struct { rn_v4u s0, s1, s2, s3; } rn_lanes;

__attribute__((always_inline))
static inline void rn_round(rn_lanes *L, const double *wi, const uint64_t *ki, rn_v4u *xb, rn_v4i *acc,
                            rn_v4u *idx, rn_v4u *sgn)
{
    const rn_v4u mag = {0x000FFFFFFFFFFFFFULL, 0x000FFFFFFFFFFFFFULL, 0x000FFFFFFFFFFFFFULL,
                        0x000FFFFFFFFFFFFFULL};
    const rn_v4u two52 = {0x4330000000000000ULL, 0x4330000000000000ULL, 0x4330000000000000ULL,
                          0x4330000000000000ULL};
    rn_v4u sum = L->s0 + L->s3, t = L->s1 << 17;
    rn_v4u res = ((sum << 23) | (sum >> 41)) + L->s0;
    L->s2 ^= L->s0; L->s3 ^= L->s1; L->s1 ^= L->s2; L->s0 ^= L->s3; L->s2 ^= t;
    L->s3 = (L->s3 << 45) | (L->s3 >> 19);
    rn_v4u id = res & 0xFF;
    rn_v4u m = (res >> 9) & mag;
    rn_v4u mb = m | two52;
    rn_v4d md, w = {wi[id[0]], wi[id[1]], wi[id[2]], wi[id[3]]};
    rn_v4i kv = {(int64_t)ki[id[0]], (int64_t)ki[id[1]], (int64_t)ki[id[2]], (int64_t)ki[id[3]]};
    memcpy(&md, &mb, sizeof md);
    md = (md - 4503599627370496.0) * w;          /* exact magnitude (< 2^52) times the width */
    *sgn = ((res >> 8) & 1) << 63;
    memcpy(xb, &md, sizeof md);
    *xb |= *sgn;                                 /* exact negation by the sign bit */
    *acc = (rn_v4i)m < kv;
    *idx = id;
}

static inline void rn_get(rn_lanes *L, const uint64_t *st)
{
    rn_v4u a = {st[0], st[4], st[8], st[12]}, b = {st[1], st[5], st[9], st[13]};
    rn_v4u c = {st[2], st[6], st[10], st[14]}, d = {st[3], st[7], st[11], st[15]};
    L->s0 = a; L->s1 = b; L->s2 = c; L->s3 = d;
}

static inline void rn_put(const rn_lanes *L, uint64_t *st)
{
    int l;
    for (l = 0; l < 4; l++) {
        st[4 * l] = L->s0[l]; st[4 * l + 1] = L->s1[l]; st[4 * l + 2] = L->s2[l]; st[4 * l + 3] = L->s3[l];
    }
}

/* Fill out[0..n) from the block state st[20] (lane l = st[4l .. 4l+3]; lanes 0..3 give the
 * candidates, stepped as one vector; lane 4 is the spare); st advances.  (Eight lanes in two
 * vectors measured slower here: more rounds with a rejection, register spills.) */
RN_CLONES
static void rn_fill(uint64_t *st, double *out, ptrdiff_t n, const double *wi, const uint64_t *ki,
                    const double *fi, double r)
{
    rn_lanes A;
    rn_v4u xb, id, sg;
    rn_v4i acc;
    ptrdiff_t j = 0;
    int l;
    rn_get(&A, st);
    while (j < n) {
        rn_round(&A, wi, ki, &xb, &acc, &id, &sg);
        if (j + 4 <= n && (acc[0] & acc[1] & acc[2] & acc[3])) {
            memcpy(out + j, &xb, sizeof xb);
            j += 4;
            continue;
        }
        for (l = 0; l < 4 && j < n; l++) {
            double x;
            uint64_t b = xb[l];
            memcpy(&x, &b, sizeof x);
            if (!acc[l]) {
                x = rn_slow(st + 16, (int)id[l], x, sg[l] != 0, fi, r);
                if (x != x)
                    continue;
            }
            out[j++] = x;
        }
    }
    rn_put(&A, st);
}

/* Uniforms in [0, 1) with 52 random bits, u = (r >> 12) 2^-52 exactly, from lanes 0..3 stepped
 * as one vector, in (round, lane) order (the tail of a last partial round is dropped); st
 * advances.  The double is built from its bits (exponent of 1, minus 1): exact, no conversion
 * instruction, the same on every machine. */
RN_CLONES
static void rn_fill_u01(uint64_t *st, double *out, ptrdiff_t n)
{
    const rn_v4u one = {0x3FF0000000000000ULL, 0x3FF0000000000000ULL, 0x3FF0000000000000ULL,
                        0x3FF0000000000000ULL};
    rn_lanes A;
    ptrdiff_t j = 0;
    int l;
    rn_get(&A, st);
    while (j < n) {
        rn_v4u sum = A.s0 + A.s3, t = A.s1 << 17;
        rn_v4u res = ((sum << 23) | (sum >> 41)) + A.s0, b;
        rn_v4d u;
        A.s2 ^= A.s0; A.s3 ^= A.s1; A.s1 ^= A.s2; A.s0 ^= A.s3; A.s2 ^= t;
        A.s3 = (A.s3 << 45) | (A.s3 >> 19);
        b = (res >> 12) | one;
        memcpy(&u, &b, sizeof u);
        u = u - 1.0;
        if (j + 4 <= n) {
            memcpy(out + j, &u, sizeof u);
            j += 4;
        } else {
            for (l = 0; j < n; l++)
                out[j++] = u[l];
        }
    }
    rn_put(&A, st);
}

#endif
