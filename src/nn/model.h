/* model.h — the network: embedding → encoder (masked average pool | LSTM
 * stack) → dense ReLU layers → output layer → softmax or sigmoid.
 *
 * All parameters live in ONE allocation (`params`), named and located by the
 * tensor table; gradients and the optimizer's moments mirror it.  The
 * embedding matrix comes first, so "everything but the embedding" is one
 * contiguous tail: the embedding is updated sparsely (only the rows a batch
 * touched), the tail densely.  Saving, loading and zeroing are single loops.
 *
 * Ids: (B,T) int32, 0 = padding.  Padding never contributes to pooling, to the
 * LSTM state, or to any gradient.
 *
 * Shape legend (the letters every array comment in nn/ uses; none means two
 * things):
 *   B  rows in a batch                 T  time steps: tokens per row, padded
 *   V  embedding rows: vocabulary (with padding and OOV) + hashed buckets
 *   D  embedding width                 H  LSTM units per direction
 *   nd LSTM directions (1 or 2)        C  output units (spec.outputs: the labels,
 *                                         or 1 for a binary sigmoid head)
 *   E  the embedding matrix (V,D)      W, b  a dense layer's kernel (in,out), bias (out)
 *
 * Contracts, asserted (assert.h; on unless NDEBUG, which no build sets):
 * tc_model_forward needs tc_model_reserve for at least (B,T) first and every
 * id in [0,V); tc_model_loss_backward follows the forward of the same batch;
 * softmax labels are in [0,C). */
#ifndef TC_MODEL_H
#define TC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "util/err.h"
#include "util/rng.h"

#define TC_MAX_LSTM_LAYERS 16
/* Most labels a model can have.  The output layer is dense (no hierarchical or
 * sampled softmax), so each row costs labels x width multiply-adds there: past
 * this an epoch takes hours, and the model file and the optimizer state grow
 * past a gigabyte. */
#define TC_MAX_LABELS 100000
/* Largest pad.maxlen (the range config.c gives the key). */
#define TC_MAX_MAXLEN 1000000
#define TC_MAX_TENSORS (1 + 3 * 2 * TC_MAX_LSTM_LAYERS + 2 * (TC_MAX_HIDDEN + 1))

typedef struct tc_model_spec {
    enum tc_encoder encoder;
    int V, D; /* vocabulary size (padding and OOV included), embedding dim */
    int n_hidden, hidden[TC_MAX_HIDDEN];
    int nlabels;
    int sigmoid;    /* sigmoid + BCE head, else softmax + CE */
    int multilabel; /* rows carry any number of labels (sigmoid only) */
    int outputs;    /* output units: 1 for a binary single-label sigmoid head */
    int lstm_units, lstm_layers, lstm_bidir;
    enum tc_lstm_output lstm_output;
    float lstm_dropout;
    float dropout; /* model.dropout: on the pooled embeddings (average pool) or the
                                     * embedded sequence (LSTM), and after each hidden ReLU layer */
} tc_model_spec;

/* Derives the spec from a resolved config plus the data-dependent sizes. */
void tc_model_spec_from_config(tc_model_spec *s, const tc_config *cfg, int V, int nlabels, int multilabel);

/* What a tensor is for: what weight decay and the optimizer treat alike. */
enum tc_role { TC_ROLE_EMBEDDING, TC_ROLE_KERNEL, TC_ROLE_BIAS };

typedef struct tc_tensor {
    char name[24];
    enum tc_role role;
    size_t off, n; /* position in params, number of floats */
    int rows, cols;
} tc_tensor;

typedef struct tc_model_acts tc_model_acts;

typedef struct tc_model {
    tc_model_spec s;
    size_t nparams;
    float *params, *grads; /* grads: NULL in a replica */
    float *gtail;          /* gradient of the dense tail (nparams - tail) */
    int replica;           /* shares another model's params (tc_model_replica) */
    tc_tensor tensors[TC_MAX_TENSORS];
    int ntensors;
    /* views into params */
    float *E; /* (V,D) */
    float *Wx[TC_MAX_LSTM_LAYERS][2], *Wh[TC_MAX_LSTM_LAYERS][2], *bl[TC_MAX_LSTM_LAYERS][2];
    float *W[TC_MAX_HIDDEN + 1], *b[TC_MAX_HIDDEN + 1]; /* dense layers; the last is the output */
    int n_dense;                                        /* n_hidden + 1 */
    int dense_in[TC_MAX_HIDDEN + 1], dense_out[TC_MAX_HIDDEN + 1];
    int enc_dim;      /* width of the encoder's output */
    tc_model_acts *a; /* activations, sized by tc_model_reserve */
} tc_model;

tc_model *tc_model_new(const tc_model_spec *s, tc_err *err);
void tc_model_free(tc_model *m);
/* A replica of m for one shard of a batch: the same parameters (shared, read
 * only while replicas run), its own activations (tc_model_reserve) and its
 * own dense-tail gradient `gtail`, and no full embedding gradient: after
 * tc_model_loss_backward its embedding gradient is the compact
 * tc_model_row_grads.  Free with tc_model_free before m. */
tc_model *tc_model_replica(const tc_model *m, tc_err *err);
/* Parameters a spec needs, without allocating them (0 if the spec is invalid). */
size_t tc_model_count_params(const tc_model_spec *s);

/* Keras initialisers: embedding U(±0.05), glorot-uniform kernels, orthogonal
 * recurrent kernels, zero biases with the LSTM forget-gate bias at 1. */
int tc_model_init_weights(tc_model *m, tc_rng *rng, tc_err *err);

/* Activation buffers for batches of up to B rows of up to T steps: every
 * array planned first, then one zeroed allocation (grows, never shrinks). */
int tc_model_reserve(tc_model *m, int B, int T, tc_err *err);

/* Forward pass; returns the output probabilities (B, outputs), valid until the
 * next call.  `train` enables dropout (drawn from rng). */
const float *tc_model_forward(tc_model *m, const int32_t *ids, int B, int T, int train, tc_rng *rng);

/* After tc_model_forward: the mean loss of the batch.  Softmax heads take
 * labels (B); sigmoid heads take targets (B, outputs).  row_w (B) may be NULL.
 * With want_grad, also backpropagates the loss times gscale (a shard of a
 * larger batch passes its share of the rows), ACCUMULATING into gtail (and,
 * in a whole model, into the embedding rows of grads), and lists the
 * embedding rows touched in *rows / *nrows in order of first use (valid
 * until the next call); tc_model_row_grads then holds their gradients. */
double tc_model_loss_backward(tc_model *m, const int32_t *ids, int B, int T, const int32_t *labels,
                              const float *targets, const float *row_w, float gscale, int want_grad,
                              const uint32_t **rows, size_t *nrows);
/* (nrows, D): the last backward's embedding gradient of row (*rows)[k] in row k. */
const float *tc_model_row_grads(const tc_model *m);

/* Probability of each label (nlabels) from one row of output probabilities. */
void tc_model_label_probs(const tc_model *m, const float *out_row, float *label_probs);

/* Index of the first parameter after the embedding (the dense tail). */
static inline size_t tc_model_tail(const tc_model *m)
{
    return (size_t)m->s.V * (size_t)m->s.D;
}

#endif
