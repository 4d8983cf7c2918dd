/* dense.h — fully connected layer, ReLU and inverted dropout.
 *
 * Weights use Keras's kernel layout: W (I,O) row-major, so a batch
 * in (B,I) maps to in·W (B,O).  Matrix products go through cblas_sgemm.
 * In the signatures I = n_in and O = n_out (a parameter cannot be called I:
 * <complex.h>, which OpenBLAS's cblas.h includes, defines I as a macro).
 * Backward functions accumulate into parameter gradients (+=) so several
 * uses of a layer, or several batches, can add up before a step. */
#ifndef TC_NN_DENSE_H
#define TC_NN_DENSE_H

#include <stddef.h>

#include "util/rng.h"

/* out (B,O) = in (B,I) · W (I,O) + b (O);  b may be NULL (no bias). */
void tc_dense_forward(float *out, const float *in, const float *W, const float *b, int B, int n_in, int n_out);

/* dW (I,O) += inᵀ · dout;  db (O) += Σ_b dout[b];  din (B,I) = dout · Wᵀ (overwritten).
 * dout (B,O), in (B,I).  din, dW or db may be NULL to skip that gradient. */
void tc_dense_backward(float *din, float *dW, float *db, const float *dout, const float *in, const float *W, int B,
                       int n_in, int n_out);

/* x (n) = max(x, 0), in place. */
void tc_relu_forward(float *x, size_t n);
/* dx (n) *= (y > 0), y = the ReLU output. */
void tc_relu_backward(float *dx, const float *y, size_t n);

/* Inverted dropout, rate in [0,1): mask[i] = (u_i >= rate) / (1 - rate),
 * u_i ~ U[0,1) from rng; x *= mask, so E[x] is unchanged and inference needs
 * no rescaling.  rate 0 leaves x alone, draws nothing and sets mask to 1
 * (mask may then be NULL); rate >= 1 drops everything. */
void tc_dropout_forward(float *x, float *mask, size_t n, float rate, tc_rng *rng);
/* dx (n) *= mask. */
void tc_dropout_backward(float *dx, const float *mask, size_t n);

#endif
