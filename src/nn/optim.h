/* optim.h — parameter updates: Adam (dense and row-sparse), SGD, and the two
 * helpers global-norm gradient clipping needs.
 *
 * Adam follows Keras/TensorFlow (tf.raw_ops.ApplyAdam, Keras's Adam), NOT
 * torch.optim.Adam: the bias corrections are folded into the step size and
 * epsilon is added to the uncorrected sqrt(v) — TF's "epsilon hat":
 *     m = b1·m + (1−b1)·g;   v = b2·v + (1−b2)·g²
 *     p −= lr·sqrt(1−b2^t)/(1−b1^t) · m / (sqrt(v) + eps)
 * with step t >= 1.  (torch divides by sqrt(v/(1−b2^t)) + eps instead.)
 *
 * The _rows variants apply the same update only to the listed rows of a
 * (V,D) matrix: "lazy" updates for embedding gradients that are zero outside
 * the rows a batch touched (see tc_embedding_local_ids).  Their gradient is
 * packed: row k of g belongs to rows[k]. */
#ifndef TC_NN_OPTIM_H
#define TC_NN_OPTIM_H

#include <stddef.h>
#include <stdint.h>

/* p, g, m, v (n); m and v start at zero and belong to p. */
void tc_adam_step(float *p, const float *g, float *m, float *v, size_t n, float lr, float b1, float b2, float eps,
                  uint64_t t);
/* p, m, v (V,D), g (nrows,D) packed; only rows[0..nrows) of p, m, v are read or written. */
void tc_adam_step_rows(float *p, const float *g, float *m, float *v, const uint32_t *rows, size_t nrows, int D,
                       float lr, float b1, float b2, float eps, uint64_t t);

/* p (n) −= lr · g (n). */
void tc_sgd_step(float *p, const float *g, size_t n, float lr);
/* p (V,D) rows[k] −= lr · g (nrows,D) row k, for k < nrows. */
void tc_sgd_step_rows(float *p, const float *g, const uint32_t *rows, size_t nrows, int D, float lr);

/* Σ g² in double (the square of the gradient's L2 norm, for global-norm clipping). */
double tc_sum_squares(const float *g, size_t n);
/* g (n) *= s. */
void tc_scale(float *g, size_t n, float s);

#endif
