/* lstm_int8.c — for `make bench` (scripts/bench_quantize.sh): how an LSTM's
 * int8 weights (per-row scales, store/quant.h) are best used at inference.
 * The matrix products of one forward pass over B rows of T steps — the input
 * projection X (B·T, I) · Wx (I, 4H) and T recurrent products h (B, H) ·
 * Wh (H, 4H) — timed three ways:
 *   float   the weights decoded once at load, cblas_sgemm (what textclf does)
 *   blocks  int8 kept in memory; each product dequantizes KB rows of W at a
 *           time into a small float buffer and accumulates with cblas_sgemm
 *   kernel  int8 kept in memory; a plain C kernel: y[b,:] += (x[b,k]·s[k]) · q[k,:]
 *           (int8 converted on the fly; what GCC vectorises at the build flags)
 * Best of 5 repetitions each; prints one line per (B, way) with ms per pass
 * and the ratio to float.
 * Usage: lstm_int8 [T I H]   (defaults 32 64 128; B = 1, 64, 256) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>
#undef I /* <complex.h>, pulled in by cblas.h, defines I */

#include "util/rng.h"

enum { KB = 32 }; /* rows of W dequantized per block */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* W (K, N) as int8 rows q with one scale s[k] each: W[k,:] ≈ s[k]·q[k,:]. */
typedef struct {
    int K, N;
    int8_t *q;
    float *s, *f; /* f: the decoded floats */
} qmat;

static void qmat_make(qmat *m, int K, int N, tc_rng *r)
{
    m->K = K, m->N = N;
    m->q = malloc((size_t)K * N);
    m->s = malloc((size_t)K * sizeof *m->s);
    m->f = malloc((size_t)K * N * sizeof *m->f);
    for (int k = 0; k < K; k++) {
        m->s[k] = 0.01f * (1 + tc_rng_uniform(r));
        for (int n = 0; n < N; n++) {
            m->q[(size_t)k * N + n] = (int8_t)(tc_rng_uniform(r) * 254 - 127);
            m->f[(size_t)k * N + n] = m->s[k] * m->q[(size_t)k * N + n];
        }
    }
}

/* Y (M, N) = X (M, K) · W, three ways. */
static void mm_float(float *Y, const float *X, int M, const qmat *W, float *buf)
{
    (void)buf;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, W->N, W->K, 1.0f, X, W->K, W->f, W->N, 0.0f, Y, W->N);
}

static void mm_blocks(float *Y, const float *X, int M, const qmat *W, float *buf)
{
    int N = W->N, K = W->K;
    for (int k0 = 0; k0 < K; k0 += KB) {
        int kb = K - k0 < KB ? K - k0 : KB;
        for (int k = 0; k < kb; k++) {
            const int8_t *q = W->q + (size_t)(k0 + k) * N;
            float s = W->s[k0 + k], *d = buf + (size_t)k * N;
            for (int n = 0; n < N; n++)
                d[n] = s * q[n];
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, kb, 1.0f, X + k0, K, buf, N,
                    k0 ? 1.0f : 0.0f, Y, N);
    }
}

static void mm_kernel(float *Y, const float *X, int M, const qmat *W, float *buf)
{
    (void)buf;
    int N = W->N, K = W->K;
    for (int b = 0; b < M; b++) {
        float *y = Y + (size_t)b * N;
        memset(y, 0, (size_t)N * sizeof *y);
        for (int k = 0; k < K; k++) {
            float a = X[(size_t)b * K + k] * W->s[k];
            const int8_t *q = W->q + (size_t)k * N;
            for (int n = 0; n < N; n++)
                y[n] += a * (float)q[n];
        }
    }
}

typedef void (*mm_fn)(float *, const float *, int, const qmat *, float *);

/* ms of one forward pass's products: the projection, then T recurrent ones. */
static double pass_ms(mm_fn f, int B, int T, const qmat *Wx, const qmat *Wh, const float *X, const float *h, float *G,
                      float *buf)
{
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        int iters = 0;
        double t0 = now(), t;
        do {
            f(G, X, B * T, Wx, buf);
            for (int s = 0; s < T; s++)
                f(G + (size_t)s * B * Wh->N, h, B, Wh, buf);
            iters++;
        } while ((t = now() - t0) < 0.05);
        best = t / iters < best ? t / iters : best;
    }
    return best * 1e3;
}

int main(int argc, char **argv)
{
    int T = argc > 3 ? atoi(argv[1]) : 32, In = argc > 3 ? atoi(argv[2]) : 64, H = argc > 3 ? atoi(argv[3]) : 128;
    openblas_set_num_threads(1);
    tc_rng r;
    tc_rng_seed(&r, 1);
    qmat Wx, Wh;
    qmat_make(&Wx, In, 4 * H, &r);
    qmat_make(&Wh, H, 4 * H, &r);
    static const int Bs[] = {1, 64, 256};
    float *buf = malloc((size_t)KB * 4 * H * sizeof *buf);
    for (size_t i = 0; i < sizeof Bs / sizeof *Bs; i++) {
        int B = Bs[i];
        float *X = malloc((size_t)B * T * In * sizeof *X), *h = malloc((size_t)B * H * sizeof *h);
        float *G = malloc((size_t)B * T * 4 * H * sizeof *G), *G2 = malloc((size_t)B * T * 4 * H * sizeof *G2);
        for (size_t k = 0; k < (size_t)B * T * In; k++)
            X[k] = tc_rng_uniform(&r) - 0.5f;
        for (size_t k = 0; k < (size_t)B * H; k++)
            h[k] = tc_rng_uniform(&r) - 0.5f;
        /* the three ways compute the same products (up to rounding) */
        mm_float(G, X, B * T, &Wx, buf);
        mm_kernel(G2, X, B * T, &Wx, buf);
        double err = 0;
        for (size_t k = 0; k < (size_t)B * T * 4 * H; k++)
            err = G[k] - G2[k] > err ? G[k] - G2[k] : G2[k] - G[k] > err ? G2[k] - G[k] : err;
        double f = pass_ms(mm_float, B, T, &Wx, &Wh, X, h, G, buf);
        double bl = pass_ms(mm_blocks, B, T, &Wx, &Wh, X, h, G, buf);
        double ke = pass_ms(mm_kernel, B, T, &Wx, &Wh, X, h, G, buf);
        printf("B %3d T %d I %d H %d: float %.3f ms, blocks %.3f ms (%.2fx), kernel %.3f ms (%.2fx); max |diff| %.2g\n",
               B, T, In, H, f, bl, bl / f, ke, ke / f, err);
        free(X), free(h), free(G), free(G2);
    }
    free(buf);
    free(Wx.q), free(Wx.s), free(Wx.f), free(Wh.q), free(Wh.s), free(Wh.f);
    return 0;
}
