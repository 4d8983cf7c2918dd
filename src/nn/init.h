/* init.h — Keras's weight initialisers, drawing from a tc_rng.
 *
 *   Embedding      → tc_init_uniform(E, V*D, -0.05, 0.05)   (Keras RandomUniform default)
 *   Dense / LSTM W → tc_init_glorot_uniform                 (Keras GlorotUniform)
 *   LSTM U         → tc_init_orthogonal                     (Keras Orthogonal, gain 1)
 * Biases are zero (callers memset them). */
#ifndef TC_NN_INIT_H
#define TC_NN_INIT_H

#include <stddef.h>

#include "util/err.h"
#include "util/rng.h"

/* w (n) ~ U[lo, hi). */
void tc_init_uniform(float *w, size_t n, float lo, float hi, tc_rng *r);

/* w (fan_in, fan_out) ~ U(−l, l), l = sqrt(6 / (fan_in + fan_out)). */
void tc_init_glorot_uniform(float *w, int fan_in, int fan_out, tc_rng *r);

/* w (rows, cols) with orthonormal columns if rows >= cols, else orthonormal
 * rows.  As Keras: A (max, min) ~ N(0,1); A = QR with diag(R) > 0 (Keras's
 * "q *= sign(diag(r))"); w = Q, or Qᵀ when rows < cols.  Returns 0, or -1 with
 * err set for non-positive sizes, a rank-deficient draw or no memory. */
int tc_init_orthogonal(float *w, int rows, int cols, tc_rng *r, tc_err *err);

#endif
