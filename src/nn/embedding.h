/* embedding.h — token-id lookup into an embedding matrix, and the fused
 * "embedding bag" mean that the average-pool model uses instead of
 * lookup + masked mean pooling.
 *
 * E is (V,D) row-major, one row per vocabulary id; id 0 is padding.  The
 * optimiser updates only the rows a batch touched (sparse updates), so
 * tc_embedding_local_ids lists them. */
#ifndef TC_NN_EMBEDDING_H
#define TC_NN_EMBEDDING_H

#include <stddef.h>
#include <stdint.h>

/* out (B,T,D) = E[ids[b,t]]; E (V,D); ids (B,T) in [0,V) (tc_model_forward asserts it). */
void tc_embedding_forward(float *out, const int32_t *ids, const float *E, int B, int T, int D);

/* dE (V,D) += scatter-add of dout (B,T,D): dE[ids[b,t]] += dout[b,t];
 * positions with id 0 (padding) add nothing. */
void tc_embedding_backward(float *dE, const float *dout, const int32_t *ids, int B, int T, int D);

/* out (B,D) = (1/n_b) Σ_{t: ids[b,t] != 0} E[ids[b,t]], n_b = number of
 * non-padding positions of row b; a row with n_b = 0 gives zeros. */
void tc_embedding_bag_mean_forward(float *out, const int32_t *ids, const float *E, int B, int T, int D);

/* dE (V,D) += for every non-padding (b,t): dE[ids[b,t]] += dout[b] / n_b;  dout (B,D). */
void tc_embedding_bag_mean_backward(float *dE, const float *dout, const int32_t *ids, int B, int T, int D);

/* Distinct non-zero ids of ids (B,T), in order of first appearance, into rows
 * (capacity B*T), and lids (B,T) = the same positions renumbered locally: 0
 * for padding, k for rows[k-1].  Backward passes given lids and a (k+1, D)
 * matrix then gather the gradient of only the touched rows.  slot (V) must be
 * all zero on entry and is all zero again on return.  Returns the count. */
size_t tc_embedding_local_ids(int32_t *lids, uint32_t *rows, int32_t *slot, const int32_t *ids, int B, int T);

#endif
