/* pool.h — masked global average / max pooling over the time axis.
 *
 * in (B,T,D) row-major, mask (B,T) bytes with 1 = real step, 0 = padding.
 * A row whose steps are all masked pools to zeros (mean) or to zeros with
 * argmax -1 and no gradient (max).  Used after the LSTM; the average-pool
 * model uses the fused tc_embedding_bag_mean instead. */
#ifndef TC_NN_POOL_H
#define TC_NN_POOL_H

#include <stdint.h>

/* out (B,D) = (1/n_b) Σ_{t: mask[b,t]} in[b,t],  n_b = Σ_t mask[b,t]. */
void tc_pool_mean_forward(float *out, const float *in, const uint8_t *mask, int B, int T, int D);
/* din (B,T,D) += mask[b,t] · dout[b] / n_b. */
void tc_pool_mean_backward(float *din, const float *dout, const uint8_t *mask, int B, int T, int D);

/* out[b,d] = max_{t: mask[b,t]} in[b,t,d]; argmax (B,D) = the first such t. */
void tc_pool_max_forward(float *out, int32_t *argmax, const float *in, const uint8_t *mask, int B, int T, int D);
/* din[b, argmax[b,d], d] += dout[b,d] (skipped where argmax is -1). */
void tc_pool_max_backward(float *din, const float *dout, const int32_t *argmax, int B, int T, int D);

#endif
