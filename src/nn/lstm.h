/* lstm.h — one direction of one LSTM layer, forward and backward-through-time.
 *
 * The model stacks layers (layer l+1 consumes layer l's hseq) and, for a
 * bidirectional layer, runs a second copy with reverse = 1 over the same input
 * and concatenates or sums the two outputs itself.  Initialisation is the
 * model's job; this file only computes.
 *
 * Semantics (Keras LSTM, activation tanh, recurrent_activation sigmoid, one
 * bias; equal to torch.nn.LSTM with weight_ih = Wxᵀ, weight_hh = Whᵀ,
 * bias_ih = b, bias_hh = 0):
 *
 *   parameters   Wx (I,4H) input kernel, Wh (H,4H) recurrent kernel, b (4H),
 *                row-major (Keras kernel layout); the 4H columns are four
 *                blocks of H in the order i, f, c, o (c = the candidate, torch's
 *                "g"; torch uses the same order i, f, g, o).
 *   step t       z = x_t·Wx + h_prev·Wh + b                       (4H)
 *                i = σ(z_i)  f = σ(z_f)  g = tanh(z_c)  o = σ(z_o)
 *                c_t = f⊙c_prev + i⊙g        h_t = o⊙tanh(c_t)
 *   order        reverse = 0: t = 0 … T−1, h_prev = h_{t−1};
 *                reverse ≠ 0: t = T−1 … 0, h_prev = h_{t+1};
 *                the state before the first processed step is h = c = 0.
 *   masking      mask (B,T) bytes, 1 = real token, 0 = padding; NULL = all
 *                real.  At a masked step the state is carried unchanged
 *                (h_t = h_prev, c_t = c_prev) and the output there IS the
 *                carried h, so pre- and post-padding the same tokens give the
 *                same final state.  A masked step contributes nothing to the
 *                weight gradients and gets dx = 0; the gradient arriving at its
 *                output flows on to the carried state.  Padding inputs are
 *                ignored but must be finite (they meet 0 in dWx += xᵀ·dZ).
 *   final state  the state after the last processed step: hseq[:,T−1] for
 *                reverse = 0, hseq[:,0] for reverse ≠ 0 (whatever the padding);
 *                tc_lstm_final_state copies it, with the cell state.
 *
 * Shapes are batch-major: x (B,T,I), hseq and dhseq (B,T,H).
 *
 * Cost by construction: the input projection of all B·T steps is one
 * cblas_sgemm; each step adds the recurrent projection with one sgemm over the
 * whole batch, writing straight into a strided slice of the (B,T,4H) gate
 * buffer, then applies the gate nonlinearities and the cell update in one pass.
 * Backward runs one sgemm per step (dh_prev += dZ_t·Whᵀ) and, at the end, one
 * sgemm each for dx, dWx and dWh over all B·T rows.  Nothing allocates: the
 * caller provides `cache` (tc_lstm_cache_floats) and `work`
 * (tc_lstm_work_floats). */
#ifndef TC_NN_LSTM_H
#define TC_NN_LSTM_H

#include <stddef.h>
#include <stdint.h>

typedef struct tc_lstm_dims {
    int B, T, I, H; /* batch rows, steps, input width, hidden units */
} tc_lstm_dims;

/* Floats forward keeps for backward: 7·B·T·H (activated gates, cell states,
 * tanh of the cell states, and the h entering each step). */
size_t tc_lstm_cache_floats(const tc_lstm_dims *d);
/* Scratch floats for backward: B·T·4H + B·H (gate gradients dZ, cell carry). */
size_t tc_lstm_work_floats(const tc_lstm_dims *d);

/* hseq (B,T,H) = the layer's output at every step; cache filled for backward.
 * Wx (I,4H), Wh (H,4H), b (4H), x (B,T,I), mask (B,T) or NULL. */
void tc_lstm_forward(const tc_lstm_dims *d, const float *Wx, const float *Wh, const float *b, const float *x,
                     const uint8_t *mask, int reverse, float *hseq, float *cache);

/* Backward-through-time for the forward call that filled cache (same d, x,
 * mask, reverse, weights).  dhseq (B,T,H): ∂L/∂hseq at every output, used as
 * scratch (its contents are undefined afterwards).  dx (B,T,I) is OVERWRITTEN
 * (skipped if NULL); dWx (I,4H), dWh (H,4H), db (4H) are ACCUMULATED (+=). */
void tc_lstm_backward(const tc_lstm_dims *d, const float *Wx, const float *Wh, const float *x, const uint8_t *mask,
                      int reverse, const float *cache, float *dhseq, float *dx, float *dWx, float *dWh, float *db,
                      float *work);

/* After tc_lstm_forward: the final state (see above) of every row, h (B,H)
 * and c (B,H); either may be NULL. */
void tc_lstm_final_state(const tc_lstm_dims *d, int reverse, const float *hseq, const float *cache, float *h, float *c);

/* FLOPs of one forward + backward call with dx: 2·m·n·k of every sgemm plus
 * the elementwise work (a transcendental counted as one), for GFLOP/s figures. */
double tc_lstm_flops(const tc_lstm_dims *d);

#endif
