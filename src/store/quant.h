/* quant.h — small models: the weights of a trained model stored compactly.
 *
 * Each tensor of the model's table gets one encoding:
 *   F32   the float32 values (biases: a few numbers, not worth compressing)
 *   INT8  per-row scaled int8: row r holds q (cols int8) and a float scale
 *         s_r = max_c |x[r,c]| / 127; x ≈ s_r · q, with |x − s_r·q| ≤ s_r / 2
 *         (the embedding and every 2-D weight matrix, LSTM kernels included)
 *   PQ    product quantization (FastText.zip, Joulin et al. 2016), the
 *         embedding only: each row is split into its norm and its direction;
 *         the direction (unit vector) is cut into cols/dsub sub-vectors, each
 *         replaced by the index of the nearest of `ncent` (<= 256) centroids
 *         of its sub-space (k-means, seeded deterministically); the norm is
 *         replaced by the nearest of `nnorm` (<= 256) norm centroids.  A row
 *         costs cols/dsub + 1 bytes.
 * Inference decodes the quantized tensors into the ordinary float model once,
 * when the file is loaded (tc_quant_decode): eval, predict, --explain and the
 * LSTM run the float code unchanged at the same speed; the file, the disk
 * read and the page cache are what shrink.
 *
 * Pruning (tc_prune_rows) keeps the K embedding rows of largest norm (words
 * and hashed features; padding and OOV always stay): a word dropped reads as
 * out-of-vocabulary, a hashed feature dropped contributes nothing.
 *
 * Serialized (the QUAN section of the model file, all little-endian):
 *   u32 version (1) | u32 tensor count | per tensor, in the model's order:
 *     u8 kind | u8 0 | u8 0 | u8 0 | u32 rows | u32 cols | payload
 *     F32:  f32 values[rows·cols]
 *     INT8: f32 scale[rows] | i8 q[rows·cols]
 *     PQ:   u32 dsub | u32 ncent | u32 nnorm | f32 cent[nsub·ncent·dsub] |
 *           f32 normc[nnorm] | u8 code[rows·nsub] | u8 ncode[rows]
 *           (nsub = cols / dsub)
 * A reader checks every count against the bytes really there before
 * allocating, every code against its codebook, and every float for
 * finiteness. */
#ifndef TC_QUANT_H
#define TC_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "nn/model.h"
#include "util/bytes.h"
#include "util/err.h"

#define TC_QUANT_VERSION 1
#define TC_PQ_MAX_DSUB 16 /* a PQ row costs >= cols/16 bytes: bounds what a file can make us allocate */

enum tc_qkind { TC_Q_F32 = 0, TC_Q_INT8 = 1, TC_Q_PQ = 2, TC_Q_NKINDS };
/* "f32", "int8", "pq" */
extern const char *const tc_qkind_names[TC_Q_NKINDS];

typedef struct tc_qtensor {
    int kind, rows, cols;
    float *f;                     /* F32 (rows·cols) */
    float *scale;                 /* INT8 (rows) */
    int8_t *q;                    /* INT8 (rows·cols) */
    int dsub, nsub, ncent, nnorm; /* PQ */
    float *cent;                  /* PQ (nsub, ncent, dsub) */
    float *normc;                 /* PQ (nnorm) */
    uint8_t *code;                /* PQ (rows, nsub) */
    uint8_t *ncode;               /* PQ (rows) */
} tc_qtensor;

typedef struct tc_quant {
    int n;
    tc_qtensor t[TC_MAX_TENSORS];
} tc_quant;

typedef struct tc_quant_opts {
    int pq;          /* product-quantize the embedding (else int8) */
    int dsub;        /* PQ sub-vector size; must divide embedding_dim */
    int iters;       /* k-means iterations (fastText: 25) */
    uint64_t sample; /* rows k-means trains on (fastText: 65536; 0 = all) */
    uint64_t seed;   /* k-means initialisation and sample */
} tc_quant_opts;

void tc_quant_opts_default(tc_quant_opts *o);

/* Encodes every tensor of m as described above; *out is malloc'd. */
int tc_quant_build(tc_quant **out, const tc_model *m, const tc_quant_opts *o, tc_err *err);
/* Writes the decoded weights into m->params (m has q's tensor table). */
void tc_quant_decode(const tc_quant *q, tc_model *m);
void tc_quant_free(tc_quant *q);

/* Bytes the serialized section takes; one tensor's share of it. */
size_t tc_quant_bytes(const tc_quant *q);
size_t tc_qtensor_bytes(const tc_qtensor *t);
void tc_quant_put(tc_wbuf *w, const tc_quant *q);
/* Parses a QUAN section (r: its bytes) into *out; messages start with path.
 * *params receives Σ rows·cols, for the caller to check against the model. */
int tc_quant_get(tc_rbuf *r, tc_quant **out, size_t *params, const char *path, tc_err *err);
/* Checks q's tensors are m's table (count, shapes, PQ only on the embedding). */
int tc_quant_check(const tc_quant *q, const tc_model *m, const char *path, tc_err *err);

#endif
