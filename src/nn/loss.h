/* loss.h — fused output activations + losses, numerically stable.
 *
 * Both work from logits (B,C) directly: softmax-CE via the log-sum-exp with
 * the row maximum subtracted, sigmoid-BCE via max(z,0) − z·y + log1p(e^−|z|),
 * so logits of ±1e4 give finite losses and gradients and nothing takes
 * log(0).  Losses are accumulated in double.  The reduction matches Keras
 * with sample weights (sum over the batch divided by the batch size B). */
#ifndef TC_NN_LOSS_H
#define TC_NN_LOSS_H

#include <stdint.h>

/* probs (B,C) = softmax(logits (B,C)) per row; labels (B) in [0,C).
 * Returns Σ_b w_b·(−log p[b,label_b]) / B, w = row_weight (B) or 1 if NULL.
 * If dlogits (B,C) != NULL: dlogits = w_b·(probs − onehot(label_b)) / B. */
double tc_softmax_ce(float *probs, float *dlogits, const float *logits, const int32_t *labels, const float *row_weight,
                     int B, int C);

/* probs (B,C) = sigmoid(logits); targets (B,C) in [0,1].
 * Returns Σ_b w_b · (1/C) Σ_c BCE(z_bc, y_bc) / B  (Keras binary_crossentropy:
 * mean over the label axis, then over the batch), BCE(z,y) = −y·log σ(z) −
 * (1−y)·log(1−σ(z)) = max(z,0) − z·y + log1p(exp(−|z|)).
 * If dlogits != NULL: dlogits = w_b·(probs − targets) / (B·C). */
double tc_sigmoid_bce(float *probs, float *dlogits, const float *logits, const float *targets, const float *row_weight,
                      int B, int C);

/* Probabilities only (prediction): the same softmax / sigmoid as above. */
void tc_softmax_forward(float *probs, const float *logits, int B, int C);
void tc_sigmoid_forward(float *probs, const float *logits, int B, int C);

#endif
