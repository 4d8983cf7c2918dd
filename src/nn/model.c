/* model.c — wires the layers of model.h together.
 *
 * Forward, average-pool encoder:   x0 (B,D) = mean of E[ids] over real tokens
 * Forward, LSTM encoder:           emb (B,T,D) = E[ids]; per layer l and
 *     direction d: hs[l][d] (B,T,H) = LSTM(input); seq[l] (B,T,ndir·H) their
 *     concatenation; x0 (B,ndir·H) = last state | masked mean | masked max.
 * Then dense layers h[k] = relu(h[k-1]·W[k] + b[k]); the last one (no ReLU)
 * gives the logits (B,outputs), and softmax or sigmoid the probabilities.
 * With model.dropout and `train`, inverted dropout (dense.h) multiplies the
 * pooled x0 (average pool) or emb (LSTM), and each hidden h[k] after its
 * ReLU, by a fresh mask; backward multiplies the same gradients by it.
 * Backward runs the same chain in reverse, accumulating into `grads`. */
#include "model.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "nn/dense.h"
#include "nn/embedding.h"
#include "nn/init.h"
#include "nn/loss.h"
#include "nn/lstm.h"
#include "nn/pool.h"

struct tc_model_acts {
    void *block; /* every array below lives in it (tc_model_reserve) */
    size_t bytes;
    int B, T;                    /* capacity */
    int last_B, last_T, dropped; /* shape of the last forward; LSTM inter-layer dropout applied */
    int mdropped;                /* model.dropout applied in the last forward */
    float *x0, *dx0;             /* (B, enc_dim) */
    float *h[TC_MAX_HIDDEN + 1]; /* (B, dense_out[k]); the last holds the logits */
    float *probs, *dlogits;      /* (B, outputs) */
    float *dha, *dhb;            /* (B, widest dense layer) scratch */
    uint32_t *rows;              /* (B·T) touched embedding rows, in order of first use */
    int32_t *lids;               /* (B,T) local ids: 0 = padding, k = rows[k-1] */
    int32_t *slot;               /* (V) all zero between calls */
    float *gE;                   /* (B·T+1, D) the touched rows' gradients by local id (row 0 unused) */
    /* LSTM encoder */
    float *emb;    /* (B,T,D) */
    uint8_t *mask; /* (B,T) */
    float *hs[TC_MAX_LSTM_LAYERS][2], *cache[TC_MAX_LSTM_LAYERS][2];
    float *seq[TC_MAX_LSTM_LAYERS]; /* (B,T,ndir·H) */
    float *drop_in[TC_MAX_LSTM_LAYERS], *drop_mask[TC_MAX_LSTM_LAYERS];
    float *dseq, *dxa, *dxb, *dhs, *work; /* backward scratch */
    int32_t *argmax;                      /* (B, enc_dim) for max pooling */
    /* model.dropout masks: on the pooled embeddings (average pool) or the
     * embedded sequence (LSTM), and on each hidden layer's output */
    float *in_mask;               /* (B, D) average pool | (B,T,D) LSTM */
    float *h_mask[TC_MAX_HIDDEN]; /* (B, dense_out[k]) */
};

/* The gradient of a dense-tail parameter p (not the embedding, whose
 * gradient is gathered by local id into acts->gE). */
#define GRAD(m, p) ((m)->gtail + ((p) - (m)->params - tc_model_tail(m)))

void tc_model_spec_from_config(tc_model_spec *s, const tc_config *cfg, int V, int nlabels, int multilabel)
{
    memset(s, 0, sizeof *s);
    s->encoder = cfg->model.encoder;
    s->V = V;
    s->D = (int)cfg->model.embedding_dim;
    s->n_hidden = cfg->model.n_hidden;
    for (int k = 0; k < s->n_hidden; k++)
        s->hidden[k] = (int)cfg->model.hidden[k];
    s->nlabels = nlabels;
    s->multilabel = multilabel;
    s->sigmoid = cfg->model.head == TC_HEAD_SIGMOID || (cfg->model.head == TC_HEAD_AUTO && multilabel);
    s->outputs = (s->sigmoid && !multilabel && nlabels == 2) ? 1 : nlabels;
    s->lstm_units = (int)cfg->model.lstm.units;
    s->lstm_layers = (int)cfg->model.lstm.layers;
    s->lstm_bidir = cfg->model.lstm.bidirectional;
    s->lstm_output = cfg->model.lstm.output;
    s->lstm_dropout = cfg->model.lstm.dropout;
    s->dropout = cfg->model.dropout;
}

static int add_tensor(tc_model *m, const char *name, enum tc_role role, int rows, int cols, tc_err *err)
{
    if (m->ntensors == TC_MAX_TENSORS)
        return tc_err_set(err, "model: too many tensors");
    size_t n = (size_t)rows * (size_t)cols;
    if (rows <= 0 || cols <= 0 || n / (size_t)cols != (size_t)rows || m->nparams + n < m->nparams ||
        m->nparams + n > ((size_t)1 << 34))
        return tc_err_set(err, "model: tensor %s (%d x %d) is too large", name, rows, cols);
    tc_tensor *t = &m->tensors[m->ntensors++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->role = role;
    t->off = m->nparams;
    t->n = n;
    t->rows = rows;
    t->cols = cols;
    m->nparams += n;
    return 0;
}

static int ndir(const tc_model *m)
{
    return m->s.lstm_bidir ? 2 : 1;
}

/* Lays out the tensor table; views are set once params exist. */
static int layout(tc_model *m, tc_err *err)
{
    const tc_model_spec *s = &m->s;
    char name[24];
    if (add_tensor(m, "embedding", TC_ROLE_EMBEDDING, s->V, s->D, err) < 0)
        return -1;
    int in = s->D;
    if (s->encoder == TC_ENC_LSTM) {
        int H = s->lstm_units;
        for (int l = 0; l < s->lstm_layers; l++) {
            for (int d = 0; d < ndir(m); d++) {
                const char *dn = d ? "b" : "f";
                snprintf(name, sizeof name, "lstm%d%s.Wx", l, dn);
                if (add_tensor(m, name, TC_ROLE_KERNEL, in, 4 * H, err) < 0)
                    return -1;
                snprintf(name, sizeof name, "lstm%d%s.Wh", l, dn);
                if (add_tensor(m, name, TC_ROLE_KERNEL, H, 4 * H, err) < 0)
                    return -1;
                snprintf(name, sizeof name, "lstm%d%s.b", l, dn);
                if (add_tensor(m, name, TC_ROLE_BIAS, 1, 4 * H, err) < 0)
                    return -1;
            }
            in = ndir(m) * H;
        }
    }
    m->enc_dim = in;
    m->n_dense = s->n_hidden + 1;
    for (int k = 0; k < m->n_dense; k++) {
        int out = k < s->n_hidden ? s->hidden[k] : s->outputs;
        const char *base = k < s->n_hidden ? "dense" : "output";
        if (k < s->n_hidden)
            snprintf(name, sizeof name, "%s%d.W", base, k);
        else
            snprintf(name, sizeof name, "%s.W", base);
        if (add_tensor(m, name, TC_ROLE_KERNEL, in, out, err) < 0)
            return -1;
        name[strlen(name) - 1] = 'b';
        if (add_tensor(m, name, TC_ROLE_BIAS, 1, out, err) < 0)
            return -1;
        m->dense_in[k] = in;
        m->dense_out[k] = out;
        in = out;
    }
    return 0;
}

static void set_views(tc_model *m)
{
    int t = 0;
    m->E = m->params + m->tensors[t++].off;
    if (m->s.encoder == TC_ENC_LSTM)
        for (int l = 0; l < m->s.lstm_layers; l++)
            for (int d = 0; d < ndir(m); d++) {
                m->Wx[l][d] = m->params + m->tensors[t++].off;
                m->Wh[l][d] = m->params + m->tensors[t++].off;
                m->bl[l][d] = m->params + m->tensors[t++].off;
            }
    for (int k = 0; k < m->n_dense; k++) {
        m->W[k] = m->params + m->tensors[t++].off;
        m->b[k] = m->params + m->tensors[t++].off;
    }
}

size_t tc_model_count_params(const tc_model_spec *s)
{
    tc_model *m = calloc(1, sizeof *m);
    if (!m)
        return 0;
    m->s = *s;
    size_t n = layout(m, NULL) < 0 ? 0 : m->nparams;
    free(m);
    return n;
}

tc_model *tc_model_new(const tc_model_spec *s, tc_err *err)
{
    if (s->V < 2 || s->D < 1 || s->nlabels < 1 || s->outputs < 1 ||
        (s->encoder == TC_ENC_LSTM &&
         (s->lstm_units < 1 || s->lstm_layers < 1 || s->lstm_layers > TC_MAX_LSTM_LAYERS)) ||
        s->n_hidden < 0 || s->n_hidden > TC_MAX_HIDDEN) {
        tc_err_set(err, "model: invalid dimensions");
        return NULL;
    }
    tc_model *m = calloc(1, sizeof *m);
    if (!m) {
        tc_err_oom(err, "model");
        return NULL;
    }
    m->s = *s;
    if (layout(m, err) < 0) {
        free(m);
        return NULL;
    }
    m->params = calloc(m->nparams, sizeof *m->params);
    m->grads = calloc(m->nparams, sizeof *m->grads);
    if (!m->params || !m->grads) {
        tc_model_free(m);
        tc_err_oom(err, "model parameters");
        return NULL;
    }
    m->gtail = m->grads + tc_model_tail(m);
    set_views(m);
    return m;
}

tc_model *tc_model_replica(const tc_model *m, tc_err *err)
{
    tc_model *r = malloc(sizeof *r);
    if (!r) {
        tc_err_oom(err, "model replica");
        return NULL;
    }
    *r = *m;
    r->grads = NULL;
    r->a = NULL;
    r->replica = 1;
    r->gtail = calloc(m->nparams - tc_model_tail(m), sizeof *r->gtail);
    if (!r->gtail) {
        free(r);
        tc_err_oom(err, "model replica");
        return NULL;
    }
    return r;
}

static void free_acts(tc_model_acts *a)
{
    if (a)
        free(a->block);
    free(a);
}

void tc_model_free(tc_model *m)
{
    if (!m)
        return;
    if (m->replica)
        free(m->gtail);
    else
        free(m->params), free(m->grads);
    free_acts(m->a);
    free(m);
}

int tc_model_init_weights(tc_model *m, tc_rng *rng, tc_err *err)
{
    const tc_model_spec *s = &m->s;
    tc_init_uniform(m->E, (size_t)s->V * (size_t)s->D, -0.05f, 0.05f, rng);
    memset(m->E, 0, (size_t)s->D * sizeof *m->E); /* the padding row is never read */
    if (s->encoder == TC_ENC_LSTM) {
        int H = s->lstm_units, in = s->D;
        for (int l = 0; l < s->lstm_layers; l++) {
            for (int d = 0; d < ndir(m); d++) {
                tc_init_glorot_uniform(m->Wx[l][d], in, 4 * H, rng);
                if (tc_init_orthogonal(m->Wh[l][d], H, 4 * H, rng, err) < 0)
                    return -1;
                memset(m->bl[l][d], 0, 4 * (size_t)H * sizeof(float));
                for (int j = H; j < 2 * H; j++) /* unit_forget_bias: gate order i, f, c, o */
                    m->bl[l][d][j] = 1.0f;
            }
            in = ndir(m) * H;
        }
    }
    for (int k = 0; k < m->n_dense; k++) {
        tc_init_glorot_uniform(m->W[k], m->dense_in[k], m->dense_out[k], rng);
        memset(m->b[k], 0, (size_t)m->dense_out[k] * sizeof(float));
    }
    return 0;
}

/* The activations are planned, then allocated as one block (llm.c's way):
 * plan_acts() carves every array out of an arena, once with no memory to add
 * up the sizes, then again over the one zeroed block.  Each array starts on
 * a 64-byte boundary. */
typedef struct act_arena {
    char *base; /* NULL while planning */
    size_t off;
    int bad; /* a size overflowed */
} act_arena;

static void *carve(act_arena *ar, size_t n, size_t sz)
{
    if (!n || !sz || n > (SIZE_MAX - 64) / sz || ar->off > SIZE_MAX - 64 - n * sz) {
        ar->bad = 1;
        return NULL;
    }
    void *p = ar->base ? ar->base + ar->off : NULL;
    ar->off += (n * sz + 63) & ~(size_t)63;
    return p;
}

static void plan_acts(const tc_model *m, tc_model_acts *a, act_arena *ar)
{
    const tc_model_spec *s = &m->s;
    size_t b = (size_t)a->B, bt = (size_t)a->B * (size_t)a->T;
    int widest = m->enc_dim;
    for (int k = 0; k < m->n_dense; k++)
        widest = m->dense_out[k] > widest ? m->dense_out[k] : widest;
    a->x0 = carve(ar, b * (size_t)m->enc_dim, sizeof(float));
    a->dx0 = carve(ar, b * (size_t)m->enc_dim, sizeof(float));
    for (int k = 0; k < m->n_dense; k++)
        a->h[k] = carve(ar, b * (size_t)m->dense_out[k], sizeof(float));
    a->probs = carve(ar, b * (size_t)s->outputs, sizeof(float));
    a->dlogits = carve(ar, b * (size_t)s->outputs, sizeof(float));
    a->dha = carve(ar, b * (size_t)widest, sizeof(float));
    a->dhb = carve(ar, b * (size_t)widest, sizeof(float));
    a->rows = carve(ar, bt, sizeof(uint32_t));
    a->lids = carve(ar, bt, sizeof(int32_t));
    a->slot = carve(ar, (size_t)s->V, sizeof(int32_t));
    a->gE = carve(ar, (bt + 1) * (size_t)s->D, sizeof(float));
    if (s->dropout > 0) {
        a->in_mask = carve(ar, (s->encoder == TC_ENC_LSTM ? bt : b) * (size_t)s->D, sizeof(float));
        for (int k = 0; k < s->n_hidden; k++)
            a->h_mask[k] = carve(ar, b * (size_t)m->dense_out[k], sizeof(float));
    }
    if (s->encoder != TC_ENC_LSTM)
        return;
    int H = s->lstm_units, nd = ndir(m), in = s->D;
    int wmax = s->D > nd * H ? s->D : nd * H;
    a->emb = carve(ar, bt * (size_t)s->D, sizeof(float));
    a->mask = carve(ar, bt, 1);
    size_t work = 0;
    for (int l = 0; l < s->lstm_layers; l++) {
        tc_lstm_dims dm = {a->B, a->T, in, H};
        for (int d = 0; d < nd; d++) {
            a->hs[l][d] = carve(ar, bt * (size_t)H, sizeof(float));
            a->cache[l][d] = carve(ar, tc_lstm_cache_floats(&dm), sizeof(float));
        }
        size_t w = tc_lstm_work_floats(&dm);
        work = w > work ? w : work;
        a->seq[l] = carve(ar, bt * (size_t)(nd * H), sizeof(float));
        if (l > 0 && s->lstm_dropout > 0) {
            a->drop_in[l] = carve(ar, bt * (size_t)in, sizeof(float));
            a->drop_mask[l] = carve(ar, bt * (size_t)in, sizeof(float));
        }
        in = nd * H;
    }
    a->dseq = carve(ar, bt * (size_t)wmax, sizeof(float));
    a->dxa = carve(ar, bt * (size_t)wmax, sizeof(float));
    a->dxb = carve(ar, bt * (size_t)wmax, sizeof(float));
    a->dhs = carve(ar, bt * (size_t)H, sizeof(float));
    a->work = carve(ar, work ? work : 1, sizeof(float));
    a->argmax = carve(ar, b * (size_t)m->enc_dim, sizeof(int32_t));
}

int tc_model_reserve(tc_model *m, int B, int T, tc_err *err)
{
    if (m->a && m->a->B >= B && m->a->T >= T)
        return 0;
    if (m->a) { /* grow to the larger of old and new */
        B = B > m->a->B ? B : m->a->B;
        T = T > m->a->T ? T : m->a->T;
    }
    free_acts(m->a);
    m->a = NULL;
    tc_model_acts *a = calloc(1, sizeof *a);
    if (!a)
        return tc_err_oom(err, "activations");
    a->B = B, a->T = T;
    act_arena plan = {0};
    plan_acts(m, a, &plan);
    act_arena ar = {.base = plan.bad ? NULL : calloc(1, plan.off)};
    if (!ar.base) {
        free(a);
        return tc_err_set(err, "out of memory (activations for batch %d x %d)", B, T);
    }
    plan_acts(m, a, &ar);
    a->block = ar.base;
    a->bytes = ar.off;
    m->a = a;
    return 0;
}

/* ---- LSTM encoder ---------------------------------------------------- */

static void lstm_encode(tc_model *m, const int32_t *ids, int B, int T, int train, tc_rng *rng)
{
    tc_model_acts *a = m->a;
    const tc_model_spec *s = &m->s;
    int H = s->lstm_units, nd = ndir(m), in = s->D;
    size_t bt = (size_t)B * (size_t)T;
    tc_embedding_forward(a->emb, ids, m->E, B, T, s->D);
    if (a->mdropped)
        tc_dropout_forward(a->emb, a->in_mask, bt * (size_t)s->D, s->dropout, rng);
    for (size_t i = 0; i < bt; i++)
        a->mask[i] = ids[i] != 0;
    const float *x = a->emb;
    a->dropped = train && s->lstm_dropout > 0;
    for (int l = 0; l < s->lstm_layers; l++) {
        if (l > 0 && a->dropped) {
            memcpy(a->drop_in[l], x, bt * (size_t)in * sizeof(float));
            tc_dropout_forward(a->drop_in[l], a->drop_mask[l], bt * (size_t)in, s->lstm_dropout, rng);
            x = a->drop_in[l];
        }
        tc_lstm_dims dm = {B, T, in, H};
        for (int d = 0; d < nd; d++) {
            tc_lstm_forward(&dm, m->Wx[l][d], m->Wh[l][d], m->bl[l][d], x, a->mask, d, a->hs[l][d], a->cache[l][d]);
            for (size_t r = 0; r < bt; r++) /* seq[r, d·H : (d+1)·H] = hs[d][r, :] */
                memcpy(a->seq[l] + r * (size_t)(nd * H) + (size_t)(d * H), a->hs[l][d] + r * (size_t)H,
                       (size_t)H * sizeof(float));
        }
        x = a->seq[l];
        in = nd * H;
    }
    int top = s->lstm_layers - 1;
    if (s->lstm_output == TC_LSTM_LAST) {
        /* forward direction ends at t = T-1, backward at t = 0 (state carried over padding) */
        for (int b = 0; b < B; b++)
            for (int d = 0; d < nd; d++) {
                size_t t = d ? 0 : (size_t)T - 1;
                memcpy(a->x0 + (size_t)b * (size_t)(nd * H) + (size_t)(d * H),
                       a->hs[top][d] + ((size_t)b * (size_t)T + t) * (size_t)H, (size_t)H * sizeof(float));
            }
    } else if (s->lstm_output == TC_LSTM_MEAN) {
        tc_pool_mean_forward(a->x0, a->seq[top], a->mask, B, T, nd * H);
    } else {
        tc_pool_max_forward(a->x0, a->argmax, a->seq[top], a->mask, B, T, nd * H);
    }
}

static void lstm_encode_backward(tc_model *m, int B, int T)
{
    tc_model_acts *a = m->a;
    const tc_model_spec *s = &m->s;
    int H = s->lstm_units, nd = ndir(m), top = s->lstm_layers - 1;
    size_t bt = (size_t)B * (size_t)T;
    float *dseq = a->dseq, *dx = a->dxa;
    memset(dseq, 0, bt * (size_t)(nd * H) * sizeof(float));
    if (s->lstm_output == TC_LSTM_LAST) {
        for (int b = 0; b < B; b++)
            for (int d = 0; d < nd; d++) {
                size_t t = d ? 0 : (size_t)T - 1;
                memcpy(dseq + ((size_t)b * (size_t)T + t) * (size_t)(nd * H) + (size_t)(d * H),
                       a->dx0 + (size_t)b * (size_t)(nd * H) + (size_t)(d * H), (size_t)H * sizeof(float));
            }
    } else if (s->lstm_output == TC_LSTM_MEAN) {
        tc_pool_mean_backward(dseq, a->dx0, a->mask, B, T, nd * H);
    } else {
        tc_pool_max_backward(dseq, a->dx0, a->argmax, B, T, nd * H);
    }
    for (int l = top; l >= 0; l--) {
        int in = l ? nd * H : s->D;
        const float *x = l == 0 ? a->emb : (a->dropped ? a->drop_in[l] : a->seq[l - 1]);
        tc_lstm_dims dm = {B, T, in, H};
        for (int d = 0; d < nd; d++) {
            for (size_t r = 0; r < bt; r++)
                memcpy(a->dhs + r * (size_t)H, dseq + r * (size_t)(nd * H) + (size_t)(d * H),
                       (size_t)H * sizeof(float));
            float *Wx = m->Wx[l][d], *Wh = m->Wh[l][d], *bb = m->bl[l][d];
            tc_lstm_backward(&dm, Wx, Wh, x, a->mask, d, a->cache[l][d], a->dhs, d ? a->dxb : dx, GRAD(m, Wx),
                             GRAD(m, Wh), GRAD(m, bb), a->work);
            if (d)
                for (size_t i = 0; i < bt * (size_t)in; i++)
                    dx[i] += a->dxb[i];
        }
        if (l > 0) {
            if (a->dropped)
                tc_dropout_backward(dx, a->drop_mask[l], bt * (size_t)in);
            float *t = dseq; /* this layer's input gradient is the previous layer's output gradient */
            dseq = dx;
            dx = t;
        } else {
            if (a->mdropped)
                tc_dropout_backward(dx, a->in_mask, bt * (size_t)s->D);
            tc_embedding_backward(a->gE, dx, a->lids, B, T, s->D);
        }
    }
}

/* ---- whole model ------------------------------------------------------ */

/* Every id of a batch is a row of the embedding (for the assert below). */
static inline int ids_in_range(const int32_t *ids, size_t n, int V)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= V)
            return 0;
    return 1;
}

const float *tc_model_forward(tc_model *m, const int32_t *ids, int B, int T, int train, tc_rng *rng)
{
    tc_model_acts *a = m->a;
    /* the contract: tc_model_reserve(B', T') with B' >= B, T' >= T, then ids (B,T) in [0, V) */
    assert(a && B >= 1 && T >= 1 && B <= a->B && T <= a->T);
    assert(ids_in_range(ids, (size_t)B * (size_t)T, m->s.V));
    assert(!train || m->s.dropout <= 0 || rng);
    a->last_B = B, a->last_T = T;
    a->mdropped = train && m->s.dropout > 0;
    if (m->s.encoder == TC_ENC_LSTM) {
        lstm_encode(m, ids, B, T, train, rng);
    } else {
        tc_embedding_bag_mean_forward(a->x0, ids, m->E, B, T, m->s.D);
        if (a->mdropped)
            tc_dropout_forward(a->x0, a->in_mask, (size_t)B * (size_t)m->s.D, m->s.dropout, rng);
    }
    const float *x = a->x0;
    for (int k = 0; k < m->n_dense; k++) {
        size_t n = (size_t)B * (size_t)m->dense_out[k];
        tc_dense_forward(a->h[k], x, m->W[k], m->b[k], B, m->dense_in[k], m->dense_out[k]);
        if (k < m->n_dense - 1) {
            tc_relu_forward(a->h[k], n);
            if (a->mdropped)
                tc_dropout_forward(a->h[k], a->h_mask[k], n, m->s.dropout, rng);
        }
        x = a->h[k];
    }
    if (m->s.sigmoid)
        tc_sigmoid_forward(a->probs, x, B, m->s.outputs);
    else
        tc_softmax_forward(a->probs, x, B, m->s.outputs);
    return a->probs;
}

double tc_model_loss_backward(tc_model *m, const int32_t *ids, int B, int T, const int32_t *labels,
                              const float *targets, const float *row_w, float gscale, int want_grad,
                              const uint32_t **rows, size_t *nrows)
{
    tc_model_acts *a = m->a;
    int C = m->s.outputs, K = m->n_dense;
    /* the contract: right after tc_model_forward on this very batch */
    assert(a && B == a->last_B && T == a->last_T && ids);
    assert(m->s.sigmoid ? targets != NULL : labels != NULL);
    float *dl = want_grad ? a->dlogits : NULL;
    double loss = m->s.sigmoid ? tc_sigmoid_bce(a->probs, dl, a->h[K - 1], targets, row_w, B, C)
                               : tc_softmax_ce(a->probs, dl, a->h[K - 1], labels, row_w, B, C);
    if (!want_grad)
        return loss;
    if (gscale != 1.0f)
        for (size_t i = 0; i < (size_t)B * (size_t)C; i++)
            a->dlogits[i] *= gscale;
    size_t D = (size_t)m->s.D, nr = tc_embedding_local_ids(a->lids, a->rows, a->slot, ids, B, T);
    memset(a->gE, 0, (nr + 1) * D * sizeof *a->gE);
    const float *dout = a->dlogits;
    for (int k = K - 1; k >= 0; k--) {
        float *din = k == 0 ? a->dx0 : (dout == a->dha ? a->dhb : a->dha);
        const float *in = k ? a->h[k - 1] : a->x0;
        tc_dense_backward(din, GRAD(m, m->W[k]), GRAD(m, m->b[k]), dout, in, m->W[k], B, m->dense_in[k],
                          m->dense_out[k]);
        if (k > 0) {
            size_t n = (size_t)B * (size_t)m->dense_in[k];
            if (a->mdropped)
                tc_dropout_backward(din, a->h_mask[k - 1], n);
            tc_relu_backward(din, a->h[k - 1], n);
        }
        dout = din;
    }
    if (m->s.encoder == TC_ENC_LSTM) {
        lstm_encode_backward(m, B, T);
    } else {
        if (a->mdropped)
            tc_dropout_backward(a->dx0, a->in_mask, (size_t)B * (size_t)m->s.D);
        tc_embedding_bag_mean_backward(a->gE, a->dx0, a->lids, B, T, m->s.D);
    }
    if (m->grads) /* a whole model also keeps the full (V,D) embedding gradient */
        for (size_t k = 0; k < nr; k++) {
            float *g = m->grads + (size_t)a->rows[k] * D;
            const float *l = a->gE + (k + 1) * D;
            for (size_t j = 0; j < D; j++)
                g[j] += l[j];
        }
    *nrows = nr;
    *rows = a->rows;
    return loss;
}

const float *tc_model_row_grads(const tc_model *m)
{
    return m->a->gE + m->s.D;
}

void tc_model_label_probs(const tc_model *m, const float *out_row, float *label_probs)
{
    if (m->s.outputs == 1 && m->s.nlabels == 2) {
        label_probs[0] = 1.0f - out_row[0];
        label_probs[1] = out_row[0];
    } else {
        memcpy(label_probs, out_row, (size_t)m->s.nlabels * sizeof(float));
    }
}
