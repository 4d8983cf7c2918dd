/* optim.c — see optim.h. */
#include "optim.h"

#include <math.h>

/* lr·sqrt(1−b2^t)/(1−b1^t), computed in double. */
static float adam_step_size(float lr, float b1, float b2, uint64_t t)
{
    double T = (double)t;
    return (float)(lr * sqrt(1.0 - pow(b2, T)) / (1.0 - pow(b1, T)));
}

/* The Adam update of n contiguous parameters with step size a. */
static void adam_span(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, size_t n,
                      float a, float b1, float b2, float eps)
{
    float c1 = 1.0f - b1, c2 = 1.0f - b2;
    for (size_t i = 0; i < n; i++) {
        float gi = g[i];
        m[i] = b1 * m[i] + c1 * gi;
        v[i] = b2 * v[i] + c2 * gi * gi;
        p[i] -= a * m[i] / (sqrtf(v[i]) + eps);
    }
}

void tc_adam_step(float *p, const float *g, float *m, float *v, size_t n, float lr, float b1, float b2, float eps,
                  uint64_t t)
{
    adam_span(p, g, m, v, n, adam_step_size(lr, b1, b2, t), b1, b2, eps);
}

void tc_adam_step_rows(float *p, const float *g, float *m, float *v, const uint32_t *rows, size_t nrows, int D,
                       float lr, float b1, float b2, float eps, uint64_t t)
{
    float a = adam_step_size(lr, b1, b2, t);
    size_t d = (size_t)D;
    for (size_t k = 0; k < nrows; k++) {
        size_t o = (size_t)rows[k] * d;
        adam_span(p + o, g + k * d, m + o, v + o, d, a, b1, b2, eps);
    }
}

void tc_sgd_step(float *p, const float *g, size_t n, float lr)
{
    for (size_t i = 0; i < n; i++)
        p[i] -= lr * g[i];
}

void tc_sgd_step_rows(float *p, const float *g, const uint32_t *rows, size_t nrows, int D, float lr)
{
    size_t d = (size_t)D;
    for (size_t k = 0; k < nrows; k++)
        tc_sgd_step(p + (size_t)rows[k] * d, g + k * d, d, lr);
}

double tc_sum_squares(const float *g, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)g[i] * g[i];
    return s;
}

void tc_scale(float *g, size_t n, float s)
{
    for (size_t i = 0; i < n; i++)
        g[i] *= s;
}
