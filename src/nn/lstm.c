/* lstm.c — see lstm.h for the math and the conventions.
 *
 * Cache layout (all batch-major, row (b,t) of a (B,T,K) array at (b·T+t)·K):
 *   G  (B,T,4H)  gates: x·Wx, then + h_prev·Wh, then activated in place to
 *                (i, f, g, o); rows of masked steps hold unused pre-activations
 *   C  (B,T,H)   cell state after step t (carried through masked steps)
 *   TC (B,T,H)   tanh(C) at real steps (0 at masked steps, unused)
 *   HP (B,T,H)   h entering step t (0 before the first processed step)
 * The step-t slice of any of these over the whole batch is a strided matrix:
 * base + t·K with leading dimension T·K, which is what the per-step sgemm
 * reads and writes, so no step ever copies a batch slice.
 *
 * Work layout: dZ (B,T,4H) gradient w.r.t. the pre-activations (0 at masked
 * steps), then dc (B,H), the gradient reaching the cell state that the
 * step being processed produced. */
#include "lstm.h"

#include <cblas.h>
/* OpenBLAS's cblas.h includes <complex.h>, whose macro I (the imaginary unit)
 * would rewrite the dimension d->I; nothing here is complex. */
#undef I
#include <math.h>
#include <string.h>

typedef struct lstm_cache {
    float *G, *C, *TC, *HP;
} lstm_cache;

static size_t lstm_bth(const tc_lstm_dims *d)
{
    return (size_t)d->B * (size_t)d->T * (size_t)d->H;
}

static lstm_cache lstm_cache_view(const tc_lstm_dims *d, const float *cache)
{
    size_t n = lstm_bth(d);
    float *base = (float *)cache; /* const only on the backward side */
    lstm_cache v = {base, base + 4 * n, base + 5 * n, base + 6 * n};
    return v;
}

size_t tc_lstm_cache_floats(const tc_lstm_dims *d)
{
    return 7 * lstm_bth(d);
}

size_t tc_lstm_work_floats(const tc_lstm_dims *d)
{
    return 4 * lstm_bth(d) + (size_t)d->B * (size_t)d->H;
}

static inline float lstm_sigmoid(float z)
{
    return 1.0f / (1.0f + expf(-z)); /* expf(-z) = inf gives exactly 0 */
}

/* tanh z = 2σ(2z) − 1: absolute error ~1e-7 (float rounding level for values
 * of size 1; relative accuracy is lost only where |tanh z| ≪ 1), saturates
 * cleanly to ±1, and costs one expf — about a quarter of glibc's tanhf, which
 * otherwise dominates the whole forward pass. */
static inline float lstm_tanh(float z)
{
    return 2.0f / (1.0f + expf(-2.0f * z)) - 1.0f;
}

static inline int lstm_real(const uint8_t *mask, size_t row)
{
    return mask == NULL || mask[row] != 0;
}

/* The fused pass of step t for every row: z = G[:,t] + b → (i,f,g,o) in place,
 * c = f⊙c_prev + i⊙g, h = o⊙tanh(c); masked rows carry (h,c).  tp / tn are
 * the previous / next step in processing order, −1 when there is none. */
static void lstm_step_forward(const tc_lstm_dims *d, const lstm_cache *v, const float *b, const uint8_t *mask, int t,
                              int tp, int tn, float *hseq)
{
    size_t T = (size_t)d->T, H = (size_t)d->H, G4 = 4 * H;
    for (size_t r = 0; r < (size_t)d->B; r++) {
        size_t row = r * T + (size_t)t;
        float *g = v->G + row * G4, *c = v->C + row * H, *tc = v->TC + row * H;
        const float *hp = v->HP + row * H;                                /* h entering step t; 0 at the first */
        const float *cp = tp >= 0 ? v->C + (r * T + (size_t)tp) * H : hp; /* c entering it */
        float *h = hseq + row * H;
        float *hn = tn >= 0 ? v->HP + (r * T + (size_t)tn) * H : NULL;
        if (!lstm_real(mask, row)) {
            for (size_t j = 0; j < H; j++) {
                c[j] = cp[j];
                tc[j] = 0.0f;
                h[j] = hp[j];
            }
        } else {
            for (size_t j = 0; j < H; j++) {
                float gi = lstm_sigmoid(g[j] + b[j]);
                float gf = lstm_sigmoid(g[H + j] + b[H + j]);
                float gg = lstm_tanh(g[2 * H + j] + b[2 * H + j]);
                float go = lstm_sigmoid(g[3 * H + j] + b[3 * H + j]);
                g[j] = gi, g[H + j] = gf, g[2 * H + j] = gg, g[3 * H + j] = go;
                c[j] = gf * cp[j] + gi * gg;
                tc[j] = lstm_tanh(c[j]);
                h[j] = go * tc[j];
            }
        }
        if (hn)
            memcpy(hn, h, H * sizeof *h);
    }
}

void tc_lstm_forward(const tc_lstm_dims *d, const float *Wx, const float *Wh, const float *b, const float *x,
                     const uint8_t *mask, int reverse, float *hseq, float *cache)
{
    if (d->B <= 0 || d->T <= 0 || d->H <= 0)
        return;
    int B = d->B, T = d->T, I = d->I, H = d->H, G4 = 4 * d->H;
    lstm_cache v = lstm_cache_view(d, cache);
    /* G (B·T,4H) = X (B·T,I) · Wx (I,4H) */
    if (I > 0)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B * T, G4, I, 1.0f, x, I, Wx, G4, 0.0f, v.G, G4);
    else
        memset(v.G, 0, 4 * lstm_bth(d) * sizeof(float));
    int t0 = reverse ? T - 1 : 0, dt = reverse ? -1 : 1;
    for (int r = 0; r < B; r++) /* h before the first step is 0 */
        memset(v.HP + ((size_t)r * T + t0) * H, 0, (size_t)H * sizeof(float));
    for (int s = 0; s < T; s++) {
        int t = t0 + s * dt, tp = s > 0 ? t - dt : -1, tn = s < T - 1 ? t + dt : -1;
        if (s > 0) /* G[:,t] (B,4H) += HP[:,t] (B,H) · Wh (H,4H), both strided */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, G4, H, 1.0f, v.HP + (size_t)t * H, T * H, Wh, G4,
                        1.0f, v.G + (size_t)t * G4, T * G4);
        lstm_step_forward(d, &v, b, mask, t, tp, tn, hseq);
    }
}

/* The fused backward pass of step t for every row.  dh = dhseq[:,t] is the
 * whole gradient reaching h_t (its output plus what later steps sent back);
 * dc holds the gradient reaching c_t from later steps.  Real rows:
 *   do = dh⊙tanh(c)   dc += dh⊙o⊙(1−tanh²c)   di = dc⊙g   dg = dc⊙i
 *   df = dc⊙c_prev    dZ = (di·i(1−i), df·f(1−f), dg·(1−g²), do·o(1−o))
 *   dc ← dc⊙f  (for c_prev)
 * Masked rows: dZ = 0, dc unchanged, and dh flows to the carried h_prev. */
static void lstm_step_backward(const tc_lstm_dims *d, const lstm_cache *v, const uint8_t *mask, int t, int tp,
                               float *dhseq, float *dZ, float *dc)
{
    size_t T = (size_t)d->T, H = (size_t)d->H, G4 = 4 * H;
    for (size_t r = 0; r < (size_t)d->B; r++) {
        size_t row = r * T + (size_t)t;
        const float *g = v->G + row * G4, *tc = v->TC + row * H;
        /* c entering step t; before the first step it is 0, as is the HP row there */
        const float *cp = tp >= 0 ? v->C + (r * T + (size_t)tp) * H : v->HP + row * H;
        float *dh = dhseq + row * H, *dz = dZ + row * G4, *dcr = dc + r * H;
        if (!lstm_real(mask, row)) {
            memset(dz, 0, G4 * sizeof *dz);
            if (tp >= 0) {
                float *dhp = dhseq + (r * T + (size_t)tp) * H;
                for (size_t j = 0; j < H; j++)
                    dhp[j] += dh[j];
            }
            continue;
        }
        for (size_t j = 0; j < H; j++) {
            float gi = g[j], gf = g[H + j], gg = g[2 * H + j], go = g[3 * H + j];
            float dcj = dcr[j] + dh[j] * go * (1.0f - tc[j] * tc[j]);
            dz[j] = dcj * gg * gi * (1.0f - gi);
            dz[H + j] = dcj * cp[j] * gf * (1.0f - gf);
            dz[2 * H + j] = dcj * gi * (1.0f - gg * gg);
            dz[3 * H + j] = dh[j] * tc[j] * go * (1.0f - go);
            dcr[j] = dcj * gf;
        }
    }
}

void tc_lstm_backward(const tc_lstm_dims *d, const float *Wx, const float *Wh, const float *x, const uint8_t *mask,
                      int reverse, const float *cache, float *dhseq, float *dx, float *dWx, float *dWh, float *db,
                      float *work)
{
    if (d->B <= 0 || d->T <= 0 || d->H <= 0)
        return;
    int B = d->B, T = d->T, I = d->I, H = d->H, G4 = 4 * d->H, BT = d->B * d->T;
    lstm_cache v = lstm_cache_view(d, cache);
    float *dZ = work, *dc = work + 4 * lstm_bth(d);
    memset(dc, 0, (size_t)B * (size_t)H * sizeof *dc);
    int tl = reverse ? 0 : T - 1, dt = reverse ? 1 : -1; /* walk the steps backwards */
    for (int s = 0; s < T; s++) {
        int t = tl + s * dt, tp = s < T - 1 ? t + dt : -1;
        lstm_step_backward(d, &v, mask, t, tp, dhseq, dZ, dc);
        if (tp >= 0) /* dhseq[:,tp] (B,H) += dZ[:,t] (B,4H) · Wh (H,4H)ᵀ */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, H, G4, 1.0f, dZ + (size_t)t * G4, T * G4, Wh, G4,
                        1.0f, dhseq + (size_t)tp * H, T * H);
    }
    if (I > 0) {
        /* dWx (I,4H) += X (B·T,I)ᵀ · dZ (B·T,4H) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, I, G4, BT, 1.0f, x, I, dZ, G4, 1.0f, dWx, G4);
        if (dx) /* dx (B·T,I) = dZ (B·T,4H) · Wx (I,4H)ᵀ */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, BT, I, G4, 1.0f, dZ, G4, Wx, G4, 0.0f, dx, I);
    }
    /* dWh (H,4H) += HP (B·T,H)ᵀ · dZ (B·T,4H) */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, G4, BT, 1.0f, v.HP, H, dZ, G4, 1.0f, dWh, G4);
    for (size_t row = 0; row < (size_t)BT; row++)
        for (size_t j = 0; j < (size_t)G4; j++)
            db[j] += dZ[row * (size_t)G4 + j];
}

void tc_lstm_final_state(const tc_lstm_dims *d, int reverse, const float *hseq, const float *cache, float *h, float *c)
{
    if (d->B <= 0 || d->T <= 0 || d->H <= 0)
        return;
    size_t T = (size_t)d->T, H = (size_t)d->H, tl = reverse ? 0 : T - 1;
    lstm_cache v = lstm_cache_view(d, cache);
    for (size_t r = 0; r < (size_t)d->B; r++) {
        size_t row = r * T + tl;
        if (h)
            memcpy(h + r * H, hseq + row * H, H * sizeof *h);
        if (c)
            memcpy(c + r * H, v.C + row * H, H * sizeof *c);
    }
}

double tc_lstm_flops(const tc_lstm_dims *d)
{
    double B = d->B, T = d->T, I = d->I, H = d->H, BT = B * T, G4 = 4 * H;
    double steps = T > 1 ? T - 1 : 0;   /* recurrent sgemms: none before step 1 */
    double fwd = 2 * BT * I * G4        /* X·Wx */
        + steps * 2 * B * H * G4        /* h·Wh per step */
        + BT * H * 14;                  /* 4 bias adds, 5 activations, c and h update */
    double bwd = steps * 2 * B * G4 * H /* dZ·Whᵀ per step */
        + 2 * BT * G4 * I * 2           /* dx and dWx */
        + 2 * BT * H * G4               /* dWh */
        + BT * G4                       /* db */
        + BT * H * 22;                  /* the fused gate-gradient pass */
    return fwd + bwd;
}
