/* lstm_flops.c — for `make bench`: cblas_sgemm GFLOP/s at the shapes an LSTM
 * step uses, next to what tc_lstm_forward + tc_lstm_backward achieve.
 * Usage: lstm_flops [B T I H [threads]]   (defaults 64 32 64 128 1) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cblas.h>
#undef I /* <complex.h>, pulled in by cblas.h, defines I */

#include "nn/lstm.h"
#include "util/rng.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *randn(size_t n, tc_rng *r, float s)
{
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = s * tc_rng_normal(r);
    return p;
}

/* GFLOP/s of C(m,n) += A(m,k)·B(k,n), best of several timed repetitions. */
static double sgemm_rate(int m, int n, int k, tc_rng *r)
{
    float *A = randn((size_t)m * k, r, 1), *B = randn((size_t)k * n, r, 1), *C = randn((size_t)m * n, r, 1);
    double best = 0;
    for (int rep = 0; rep < 7; rep++) {
        int iters = 0;
        double t0 = now(), t;
        do {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, A, k, B, n, 1.0f, C, n);
            iters++;
        } while ((t = now() - t0) < 0.05);
        double g = 2.0 * m * n * k * iters / t / 1e9;
        best = g > best ? g : best;
    }
    free(A), free(B), free(C);
    return best;
}

int main(int argc, char **argv)
{
    int Bn = argc > 4 ? atoi(argv[1]) : 64, T = argc > 4 ? atoi(argv[2]) : 32;
    int In = argc > 4 ? atoi(argv[3]) : 64, H = argc > 4 ? atoi(argv[4]) : 128;
    int threads = argc > 5 ? atoi(argv[5]) : 1;
    openblas_set_num_threads(threads);
    tc_rng r;
    tc_rng_seed(&r, 1);
    /* the three sgemm shapes of one forward+backward, weighted by their FLOPs */
    double proj = sgemm_rate(Bn * T, 4 * H, In, &r);   /* x·Wx over all steps; dWx, dx alike */
    double step = sgemm_rate(Bn, 4 * H, H, &r);        /* h·Wh per step; dh per step */
    double wgrad = sgemm_rate(H, 4 * H, Bn * T, &r);   /* dWh = Hprevᵀ·dZ */
    double fp = 3.0 * 2.0 * Bn * T * In * 4 * H, fs = 2.0 * 2.0 * Bn * T * H * 4 * H, fw = 2.0 * Bn * T * H * 4 * H;
    double peak = (fp + fs + fw) / (fp / proj + fs / step + fw / wgrad);

    tc_lstm_dims d = {Bn, T, In, H};
    float *Wx = randn((size_t)In * 4 * H, &r, 0.1f), *Wh = randn((size_t)H * 4 * H, &r, 0.1f);
    float *b = randn(4 * (size_t)H, &r, 0.1f), *x = randn((size_t)Bn * T * In, &r, 1);
    float *hseq = malloc((size_t)Bn * T * H * sizeof(float)), *dh = randn((size_t)Bn * T * H, &r, 1);
    float *dx = malloc((size_t)Bn * T * In * sizeof(float));
    float *dWx = calloc((size_t)In * 4 * H, sizeof(float)), *dWh = calloc((size_t)H * 4 * H, sizeof(float));
    float *db = calloc(4 * (size_t)H, sizeof(float));
    float *cache = malloc(tc_lstm_cache_floats(&d) * sizeof(float)), *work = malloc(tc_lstm_work_floats(&d) * sizeof(float));
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        int iters = 0;
        double t0 = now(), t;
        do {
            tc_lstm_forward(&d, Wx, Wh, b, x, NULL, 0, hseq, cache);
            tc_lstm_backward(&d, Wx, Wh, x, NULL, 0, cache, dh, dx, dWx, dWh, db, work);
            iters++;
        } while ((t = now() - t0) < 0.2);
        best = t / iters < best ? t / iters : best;
    }
    double lstm = tc_lstm_flops(&d) / best / 1e9;
    printf("{\"corename\": \"%s\", \"threads\": %d, \"B\": %d, \"T\": %d, \"I\": %d, \"H\": %d, "
           "\"sgemm_gflops\": {\"projection\": %.1f, \"step\": %.1f, \"weight_grad\": %.1f, \"weighted_peak\": %.1f}, "
           "\"lstm_gflops\": %.1f, \"fraction_of_peak\": %.2f}\n",
           openblas_get_corename(), threads, Bn, T, In, H, proj, step, wgrad, peak, lstm, lstm / peak);
    return 0;
}
