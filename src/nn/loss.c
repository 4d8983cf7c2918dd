/* loss.c — see loss.h. */
#include "loss.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>

/* One row: p (C) = softmax(z (C)); returns log Σ e^(z − max) and sets *zmax. */
static double softmax_row(float *p, const float *z, size_t C, double *zmax_out)
{
    double zmax = z[0];
    for (size_t c = 1; c < C; c++)
        zmax = z[c] > zmax ? z[c] : zmax;
    double sum = 0.0;
    for (size_t c = 0; c < C; c++) {
        double e = exp((double)z[c] - zmax);
        p[c] = (float)e;
        sum += e;
    }
    /* sum >= 1 (the max term is e^0), so the log and the reciprocal are safe */
    float inv = (float)(1.0 / sum);
    for (size_t c = 0; c < C; c++)
        p[c] *= inv;
    *zmax_out = zmax;
    return log(sum);
}

/* σ(z) without overflow: e = e^−|z| in (0,1]; σ(z) = 1/(1+e) for z >= 0, e/(1+e) below. */
static double sigmoid(double z, double *e_out)
{
    double e = exp(-fabs(z));
    *e_out = e;
    return z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

void tc_softmax_forward(float *probs, const float *logits, int B, int C)
{
    double zmax;
    for (size_t b = 0; b < (size_t)(B > 0 ? B : 0); b++)
        softmax_row(probs + b * (size_t)C, logits + b * (size_t)C, (size_t)C, &zmax);
}

void tc_sigmoid_forward(float *probs, const float *logits, int B, int C)
{
    double e;
    for (size_t i = 0; i < (size_t)(B > 0 ? B : 0) * (size_t)(C > 0 ? C : 0); i++)
        probs[i] = (float)sigmoid(logits[i], &e);
}

double tc_softmax_ce(float *probs, float *dlogits, const float *logits, const int32_t *labels, const float *row_weight,
                     int B, int C)
{
    if (B <= 0 || C <= 0)
        return 0.0;
    size_t C_ = (size_t)C;
    double loss = 0.0, invB = 1.0 / B;
    for (size_t b = 0; b < (size_t)B; b++) {
        float *p = probs + b * C_;
        double w = row_weight ? row_weight[b] : 1.0;
        double zmax, lse = softmax_row(p, logits + b * C_, C_, &zmax);
        assert(labels[b] >= 0 && labels[b] < C); /* one class id per row */
        loss += w * (lse - ((double)logits[b * C_ + (size_t)labels[b]] - zmax));
        if (!dlogits)
            continue;
        float s = (float)(w * invB);
        float *g = dlogits + b * C_;
        for (size_t c = 0; c < C_; c++)
            g[c] = s * p[c];
        g[labels[b]] = s * (p[labels[b]] - 1.0f);
    }
    return loss * invB;
}

double tc_sigmoid_bce(float *probs, float *dlogits, const float *logits, const float *targets, const float *row_weight,
                      int B, int C)
{
    if (B <= 0 || C <= 0)
        return 0.0;
    size_t C_ = (size_t)C;
    double loss = 0.0, invBC = 1.0 / ((double)B * (double)C);
    for (size_t b = 0; b < (size_t)B; b++) {
        double w = row_weight ? row_weight[b] : 1.0, row = 0.0;
        for (size_t i = b * C_; i < (b + 1) * C_; i++) {
            double z = logits[i], y = targets[i], e, p = sigmoid(z, &e);
            probs[i] = (float)p;
            row += fmax(z, 0.0) - z * y + log1p(e);
            if (dlogits)
                dlogits[i] = (float)(w * (p - y) * invBC);
        }
        loss += w * row;
    }
    return loss * invBC;
}
