/* dense.c — see dense.h. */
#include "dense.h"

#include <cblas.h>

void tc_dense_forward(float *out, const float *in, const float *W, const float *b, int B, int n_in, int n_out)
{
    if (B <= 0 || n_out <= 0)
        return;
    size_t o = (size_t)n_out;
    for (size_t r = 0; r < (size_t)B; r++)
        for (size_t j = 0; j < o; j++)
            out[r * o + j] = b ? b[j] : 0.0f;
    if (n_in <= 0)
        return;
    /* out (B,O) = 1·in (B,I)·W (I,O) + 1·out */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, n_out, n_in, 1.0f, in, n_in, W, n_out, 1.0f, out, n_out);
}

void tc_dense_backward(float *din, float *dW, float *db, const float *dout, const float *in, const float *W, int B,
                       int n_in, int n_out)
{
    if (B <= 0 || n_in <= 0 || n_out <= 0)
        return;
    if (dW) /* (I,O) += (B,I)ᵀ · (B,O) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n_in, n_out, B, 1.0f, in, n_in, dout, n_out, 1.0f, dW,
                    n_out);
    if (db) {
        size_t o = (size_t)n_out;
        for (size_t r = 0; r < (size_t)B; r++)
            for (size_t j = 0; j < o; j++)
                db[j] += dout[r * o + j];
    }
    if (din) /* (B,I) = (B,O) · (I,O)ᵀ */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, n_in, n_out, 1.0f, dout, n_out, W, n_out, 0.0f, din,
                    n_in);
}

void tc_relu_forward(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void tc_relu_backward(float *dx, const float *y, size_t n)
{
    /* a select, not a multiply, so an inf/NaN gradient at a dead unit becomes 0 */
    for (size_t i = 0; i < n; i++)
        dx[i] = y[i] > 0.0f ? dx[i] : 0.0f;
}

void tc_dropout_forward(float *x, float *mask, size_t n, float rate, tc_rng *rng)
{
    if (rate <= 0.0f) {
        for (size_t i = 0; mask && i < n; i++)
            mask[i] = 1.0f;
        return;
    }
    float keep = rate < 1.0f ? 1.0f / (1.0f - rate) : 0.0f;
    for (size_t i = 0; i < n; i++) {
        mask[i] = tc_rng_uniform(rng) >= rate ? keep : 0.0f;
        x[i] *= mask[i];
    }
}

void tc_dropout_backward(float *dx, const float *mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dx[i] *= mask[i];
}
