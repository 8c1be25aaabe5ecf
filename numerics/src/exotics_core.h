/* The iVi step of numerics/_exotics.pyx for one block of paths, written so that every loop runs
 * with the paths innermost and without branches (GCC vectorises them; an AVX2 clone on x86-64
 * Linux, as numerics/src/normals.h).  Only IEEE add / mul / div / sqrt and compares are
 * vectorised, and no FMA is formed (neither clone enables FMA), so both clones give the same
 * bits; exp is ex_exp below (a polynomial, not libm, for the same reason).  The core is compiled
 * without trapping-math (the selects compute both sides; no FP exception is ever read), with
 * fp-contract off (no FMA even where a clone could form one), and the
 * module with -fno-math-errno (setup.py; every sqrt argument is >= 0 by construction): that
 * lets the loops vectorise and changes no result, sqrt is still the correctly rounded IEEE
 * square root.
 *
 * Per step i and path q, with al = G_i + sum_j c_j F^j:
 *   d > 0, al > 0:  mu = al / cc, qq = z^2 d^2 / (cc al), B = 1 + qq/2 + sqrt(qq + qq^2/4),
 *                   dU = mu / B if u (B + 1) <= B else mu B   (Michael-Schucany-Haas),
 *                   dZ = (cc dU - al) / d
 *   d > 0, al <= 0: dU = 0, dZ = -al / d
 *   d = 0:          dU = max(al, 0) / cc, dZ = sqrt(dU) z
 *   x += mu h - dU / 2 + rho dM + sqrt(1 - rho^2) sqrt(dU) zb,   F^j <- (F^j + dX) inv_j,
 *   dX = -kappa dU + eta dZ,
 * with dM the martingale part of dZ: dZ where al > 0 (or d = 0), 0 where al <= 0 (that step has
 * no quadratic variation; its dZ = -al / d only keeps the variance equation, and in log S it
 * broke E S_T = S_0; see rough_heston_mc_ref.martingale_part).
 * At a monitoring date (every stride steps) the statistics of the module docstring are updated.
 */
#ifndef RA_EXOTICS_CORE_H
#define RA_EXOTICS_CORE_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__)
#define EX_OPT __attribute__((optimize("no-trapping-math", "fp-contract=off")))
#else
#define EX_OPT
#endif
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define EX_CLONES __attribute__((target_clones("avx2", "default"))) EX_OPT
#else
#define EX_CLONES EX_OPT
#endif

/* exp(x) for the running sums of S, branch-free so the loop vectorises, the same bits in both
 * clones: k = round(x / ln 2) by the 1.5 2^52 trick, r = x - k ln 2 (Cody-Waite, ln 2 split so
 * k ln2_hi is exact for |k| < 2^11), Taylor polynomial of degree 13 on |r| <= ln(2)/2 (truncation
 * < 1e-17 relative), times 2^k built from its bits.  x is clamped to [-700, 700] first (log S of
 * a path never comes near).  Within 2 ulp of libm exp; tested against it in tests/test_exotics.py. */
EX_OPT static inline double ex_exp(double x)
{
    const double shift = 6755399441055744.0;               /* 1.5 * 2^52 */
    const double log2e = 1.4426950408889634, ln2_hi = 0.693147180369123816490;
    const double ln2_lo = 1.90821492927058770002e-10;
    double t, kf, r, p;
    uint64_t kb;
    x = x < -700.0 ? -700.0 : x;
    x = x > 700.0 ? 700.0 : x;
    t = x * log2e + shift;
    kf = t - shift;
    r = (x - kf * ln2_hi) - kf * ln2_lo;
    p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
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
    memcpy(&kb, &t, sizeof kb);
    kb = (kb - 0x4338000000000000ULL + 1023) << 52;       /* the integer k sits in t's low bits */
    memcpy(&t, &kb, sizeof t);
    return p * t;
}

typedef struct {
    ptrdiff_t n, m, stride;
    const double *G, *c, *inv;
    double cc, d, kappa, eta, rho, mu_h, beta;
    int need;            /* EX_EXTREMES | EX_SUMS | EX_RV: the statistics kept (others stay 0) */
} ex_scheme;

enum { EX_EXTREMES = 1, EX_SUMS = 2, EX_RV = 4 };

/* Paths 0..w-1 of a block: normals zn[i ldz + q], zb[i ldz + q], uniforms uu[i ldz + q] (ldz = w
 * for the kernel's own block draws, the row length for caller-given (n, P) arrays); F scratch
 * (m w), acc scratch (4 w); statistics to out[k ldo + q] (k = 0..10). */
EX_CLONES
static void ex_core(const ex_scheme *s, const double *restrict zn, const double *restrict zb,
                    const double *restrict uu, ptrdiff_t ldz, ptrdiff_t w, double *restrict F,
                    double *restrict acc, double *restrict out, ptrdiff_t ldo)
{
    const ptrdiff_t n = s->n, m = s->m;
    const double rb = sqrt(1.0 - s->rho * s->rho), cc = s->cc, d = s->d, inv_cc = 1.0 / cc;
    const double d2cc = d * d / cc, inv_d = d > 0.0 ? 1.0 / d : 0.0;
    const double kappa = s->kappa, eta = s->eta, rho = s->rho, mu_h = s->mu_h, beta = s->beta;
    double *restrict uacc = acc;            /* dU since the last monitoring date */
    double *restrict xlast = acc + w;       /* log S at the last monitoring date */
    double *restrict al = acc + 2 * w;
    double *restrict dX = acc + 3 * w;
    double *restrict x = out, *restrict iv = out + ldo, *restrict mn = out + 2 * ldo;
    double *restrict mx = out + 3 * ldo, *restrict mnb = out + 4 * ldo, *restrict mxb = out + 5 * ldo;
    double *restrict sS = out + 6 * ldo, *restrict sL = out + 7 * ldo, *restrict rv = out + 8 * ldo;
    double *restrict tr = out + 9 * ldo;    /* steps with al <= 0 (the scheme's one truncation) */
    double *restrict ia = out + 10 * ldo;   /* sum of dM, the martingale part of dZ (mixing estimator) */
    ptrdiff_t i, j, q;
    for (q = 0; q < m * w; q++)
        F[q] = 0.0;
    for (q = 0; q < w; q++) {
        uacc[q] = 0.0;
        xlast[q] = 0.0;
        x[q] = iv[q] = mn[q] = mx[q] = mnb[q] = mxb[q] = sS[q] = sL[q] = rv[q] = tr[q] = ia[q] = 0.0;
    }
    for (i = 0; i < n; i++) {
        const double *restrict z = zn + i * ldz, *restrict zc = zb + i * ldz, *restrict u = uu + i * ldz;
        const double g = s->G[i];
        for (q = 0; q < w; q++)
            al[q] = g;
        for (j = 0; j < m; j++) {
            const double cj = s->c[j];
            const double *restrict Fj = F + j * w;
            for (q = 0; q < w; q++)
                al[q] = al[q] + cj * Fj[q];
        }
        if (d > 0.0) {
            for (q = 0; q < w; q++) {
                const double a = al[q], pos = a > 0.0 ? a : 1.0;
                const double mu = pos * inv_cc, qq = z[q] * z[q] * d2cc / pos;
                const double B = 1.0 + 0.5 * qq + sqrt(qq + 0.25 * qq * qq);
                const double pick = u[q] * (B + 1.0) <= B ? mu / B : mu * B;
                const double dU = a > 0.0 ? pick : 0.0;
                const double dZ = a > 0.0 ? (cc * dU - a) * inv_d : -a * inv_d;
                const double dM = a > 0.0 ? dZ : 0.0;
                x[q] = x[q] + mu_h - 0.5 * dU + rho * dM + rb * sqrt(dU) * zc[q];
                iv[q] += dU;
                ia[q] += dM;
                uacc[q] += dU;
                tr[q] += a > 0.0 ? 0.0 : 1.0;
                dX[q] = -kappa * dU + eta * dZ;
            }
        } else {
            for (q = 0; q < w; q++) {
                const double a = al[q];
                const double dU = (a > 0.0 ? a : 0.0) * inv_cc, sq = sqrt(dU), dZ = sq * z[q];
                tr[q] += a > 0.0 ? 0.0 : 1.0;
                x[q] = x[q] + mu_h - 0.5 * dU + rho * dZ + rb * sq * zc[q];
                iv[q] += dU;
                ia[q] += dZ;
                uacc[q] += dU;
                dX[q] = -kappa * dU + eta * dZ;
            }
        }
        for (j = 0; j < m; j++) {
            const double ij = s->inv[j];
            double *restrict Fj = F + j * w;
            for (q = 0; q < w; q++)
                Fj[q] = (Fj[q] + dX[q]) * ij;
        }
        if ((i + 1) % s->stride == 0) {
            if (s->need & EX_RV)
                for (q = 0; q < w; q++) {
                    const double dx = x[q] - xlast[q];
                    xlast[q] = x[q];
                    rv[q] += dx * dx;
                }
            if (s->need & EX_SUMS) {
                for (q = 0; q < w; q++)
                    sL[q] += x[q];
                for (q = 0; q < w; q++)
                    sS[q] += ex_exp(x[q]);
            }
            if (s->need & EX_EXTREMES) {
                for (q = 0; q < w; q++) {
                    const double xq = x[q], lo = mn[q], hi = mx[q];
                    mn[q] = xq < lo ? xq : lo;
                    mx[q] = xq > hi ? xq : hi;
                }
                for (q = 0; q < w; q++) {
                    const double bg = beta * sqrt(uacc[q]), a = x[q] - bg, b = x[q] + bg, lo = mnb[q], hi = mxb[q];
                    mnb[q] = a < lo ? a : lo;
                    mxb[q] = b > hi ? b : hi;
                }
            }
            for (q = 0; q < w; q++)
                uacc[q] = 0.0;
        }
    }
}

#endif
