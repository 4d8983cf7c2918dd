/* pool.c — see pool.h.  Inner loops run over D, which is contiguous. */
#include "pool.h"

#include <stddef.h>
#include <string.h>

/* 1 / Σ_t mask[t] over one row (T), or 0 for an all-masked row. */
static float inv_count(const uint8_t *mask, size_t T)
{
    size_t n = 0;
    for (size_t t = 0; t < T; t++)
        n += mask[t] != 0;
    return n ? 1.0f / (float)n : 0.0f;
}

void tc_pool_mean_forward(float *out, const float *in, const uint8_t *mask, int B, int T, int D)
{
    size_t T_ = (size_t)T, d = (size_t)D;
    for (size_t b = 0; b < (size_t)B; b++) {
        float *restrict o = out + b * d;
        memset(o, 0, d * sizeof *o);
        for (size_t t = 0; t < T_; t++) {
            if (!mask[b * T_ + t])
                continue;
            const float *restrict x = in + (b * T_ + t) * d;
            for (size_t k = 0; k < d; k++)
                o[k] += x[k];
        }
        float inv = inv_count(mask + b * T_, T_);
        for (size_t k = 0; k < d; k++)
            o[k] *= inv;
    }
}

void tc_pool_mean_backward(float *din, const float *dout, const uint8_t *mask, int B, int T, int D)
{
    size_t T_ = (size_t)T, d = (size_t)D;
    for (size_t b = 0; b < (size_t)B; b++) {
        float inv = inv_count(mask + b * T_, T_);
        const float *restrict g = dout + b * d;
        for (size_t t = 0; t < T_; t++) {
            if (!mask[b * T_ + t])
                continue;
            float *restrict dx = din + (b * T_ + t) * d;
            for (size_t k = 0; k < d; k++)
                dx[k] += inv * g[k];
        }
    }
}

void tc_pool_max_forward(float *out, int32_t *argmax, const float *in, const uint8_t *mask, int B, int T, int D)
{
    size_t T_ = (size_t)T, d = (size_t)D;
    for (size_t b = 0; b < (size_t)B; b++) {
        float *restrict o = out + b * d;
        int32_t *restrict a = argmax + b * d;
        for (size_t k = 0; k < d; k++) {
            o[k] = 0.0f;
            a[k] = -1;
        }
        for (size_t t = 0; t < T_; t++) {
            if (!mask[b * T_ + t])
                continue;
            const float *restrict x = in + (b * T_ + t) * d;
            for (size_t k = 0; k < d; k++) {
                if (a[k] < 0 || x[k] > o[k]) {
                    o[k] = x[k];
                    a[k] = (int32_t)t;
                }
            }
        }
    }
}

void tc_pool_max_backward(float *din, const float *dout, const int32_t *argmax, int B, int T, int D)
{
    size_t T_ = (size_t)T, d = (size_t)D;
    for (size_t b = 0; b < (size_t)B; b++) {
        for (size_t k = 0; k < d; k++) {
            int32_t t = argmax[b * d + k];
            if (t >= 0)
                din[(b * T_ + (size_t)t) * d + k] += dout[b * d + k];
        }
    }
}
