/* test_model.c — the wired model: finite-difference gradient checks of the
 * whole network (every tensor, every encoder/head variant), masking
 * invariance, and the label-probability expansion of binary sigmoid heads. */
#include "tc_test.h"

#include "nn/model.h"

#define B 4
#define T 7

/* Rows of different lengths, pre-padded; the last row is all padding. */
static void make_ids(int32_t *ids, int V, tc_rng *r, int post)
{
    static const int len[B] = {7, 3, 5, 0};
    memset(ids, 0, sizeof(int32_t) * B * T);
    for (int b = 0; b < B; b++)
        for (int i = 0; i < len[b]; i++) {
            int t = post ? i : T - len[b] + i;
            ids[b * T + t] = 1 + (int32_t)tc_rng_below(r, (uint64_t)(V - 1));
        }
}

static double loss_of(tc_model *m, const int32_t *ids, const int32_t *labels, const float *targets)
{
    tc_model_forward(m, ids, B, T, 0, NULL);
    return tc_model_loss_backward(m, ids, B, T, labels, targets, NULL, 1.0f, 0, NULL, NULL);
}

/* Central differences on a sample of every tensor's entries against the
 * analytic gradient. */
static void check_gradients(const tc_model_spec *s, uint64_t seed)
{
    tc_err err;
    tc_model *m = tc_model_new(s, &err);
    assert_non_null(m);
    tc_rng r;
    tc_rng_seed(&r, seed);
    assert_int_equal(tc_model_init_weights(m, &r, &err), 0);
    /* larger weights than the initialisers give, so every gradient is well above float noise */
    for (size_t i = 0; i < m->nparams; i++)
        m->params[i] += tc_rng_range(&r, -0.3f, 0.3f);
    assert_int_equal(tc_model_reserve(m, B, T, &err), 0);
    int32_t ids[B * T], labels[B];
    float targets[B * 8];
    make_ids(ids, s->V, &r, 0);
    for (int b = 0; b < B; b++) {
        labels[b] = (int32_t)tc_rng_below(&r, (uint64_t)s->nlabels);
        for (int j = 0; j < s->outputs; j++)
            targets[b * s->outputs + j] = tc_rng_uniform(&r) < 0.5f ? 1.0f : 0.0f;
    }
    tc_model_forward(m, ids, B, T, 0, NULL);
    const uint32_t *rows;
    size_t nrows;
    tc_model_loss_backward(m, ids, B, T, labels, targets, NULL, 1.0f, 1, &rows, &nrows);
    float *g = malloc(m->nparams * sizeof *g);
    memcpy(g, m->grads, m->nparams * sizeof *g);
    const float eps = 2e-3f;
    int checked = 0;
    for (int k = 0; k < m->ntensors; k++) {
        const tc_tensor *t = &m->tensors[k];
        for (int trial = 0; trial < 12; trial++) {
            size_t i = t->off + (size_t)tc_rng_below(&r, t->n);
            if (k == 0) /* embedding: pick a row the batch uses */
                i = (size_t)ids[tc_rng_below(&r, 3 * T)] * (size_t)s->D + (size_t)tc_rng_below(&r, (uint64_t)s->D);
            float keep = m->params[i];
            m->params[i] = keep + eps;
            double lp = loss_of(m, ids, labels, targets);
            m->params[i] = keep - eps;
            double lm = loss_of(m, ids, labels, targets);
            m->params[i] = keep;
            double num = (lp - lm) / (2.0 * eps);
            if (fabs(num - g[i]) > 2e-4 + 2e-2 * fabs(num))
                fail_msg("%s[%zu]: analytic %.6g, numeric %.6g", t->name, i - t->off, (double)g[i], num);
            checked++;
        }
    }
    assert_true(checked >= 12 * m->ntensors);
    /* padding row of the embedding never receives gradient */
    for (int d = 0; d < s->D; d++)
        assert_true(g[d] == 0.0f);
    free(g);
    tc_model_free(m);
}

static tc_model_spec base_spec(enum tc_encoder enc)
{
    tc_model_spec s;
    memset(&s, 0, sizeof s);
    s.encoder = enc;
    s.V = 13, s.D = 5, s.nlabels = 3, s.outputs = 3;
    s.lstm_units = 4, s.lstm_layers = 1, s.lstm_output = TC_LSTM_LAST;
    return s;
}

static void gap_softmax_hidden(void **st)
{
    (void)st;
    tc_model_spec s = base_spec(TC_ENC_GAP);
    s.n_hidden = 2, s.hidden[0] = 6, s.hidden[1] = 4;
    check_gradients(&s, 1);
}

static void gap_sigmoid_multilabel(void **st)
{
    (void)st;
    tc_model_spec s = base_spec(TC_ENC_GAP);
    s.sigmoid = 1, s.multilabel = 1, s.nlabels = 5, s.outputs = 5;
    s.n_hidden = 1, s.hidden[0] = 6;
    check_gradients(&s, 2);
}

static void gap_binary_sigmoid(void **st)
{
    (void)st;
    tc_model_spec s = base_spec(TC_ENC_GAP);
    s.sigmoid = 1, s.nlabels = 2, s.outputs = 1;
    check_gradients(&s, 3);
}

static void lstm_last(void **st)
{
    (void)st;
    tc_model_spec s = base_spec(TC_ENC_LSTM);
    check_gradients(&s, 4);
}

static void lstm_bidir_stacked_mean(void **st)
{
    (void)st;
    tc_model_spec s = base_spec(TC_ENC_LSTM);
    s.lstm_bidir = 1, s.lstm_layers = 2, s.lstm_output = TC_LSTM_MEAN;
    s.n_hidden = 1, s.hidden[0] = 5;
    check_gradients(&s, 5);
}

static void lstm_bidir_max_sigmoid(void **st)
{
    (void)st;
    tc_model_spec s = base_spec(TC_ENC_LSTM);
    s.lstm_bidir = 1, s.lstm_output = TC_LSTM_MAX;
    s.sigmoid = 1, s.multilabel = 1, s.nlabels = 4, s.outputs = 4;
    check_gradients(&s, 6);
}

/* The same tokens pre- and post-padded give the same probabilities: padding
 * never reaches the state (all three LSTM outputs, both directions). */
static void padding_side_does_not_matter(void **st)
{
    (void)st;
    for (int variant = 0; variant < 4; variant++) {
        tc_model_spec s = base_spec(variant ? TC_ENC_LSTM : TC_ENC_GAP);
        s.lstm_bidir = variant >= 2;
        s.lstm_output = variant == 3 ? TC_LSTM_MAX : (variant == 2 ? TC_LSTM_MEAN : TC_LSTM_LAST);
        tc_err err;
        tc_model *m = tc_model_new(&s, &err);
        tc_rng r;
        tc_rng_seed(&r, 11);
        assert_int_equal(tc_model_init_weights(m, &r, &err), 0);
        assert_int_equal(tc_model_reserve(m, B, T, &err), 0);
        int32_t pre[B * T], post[B * T];
        tc_rng r1 = r, r2 = r;
        make_ids(pre, s.V, &r1, 0);
        make_ids(post, s.V, &r2, 1);
        float p1[B * 3], p2[B * 3];
        memcpy(p1, tc_model_forward(m, pre, B, T, 0, NULL), sizeof p1);
        memcpy(p2, tc_model_forward(m, post, B, T, 0, NULL), sizeof p2);
        for (int i = 0; i < B * 3; i++)
            assert_close(p1[i], p2[i], 0, 1e-6);
        /* and a different token sequence does change them */
        pre[T - 1] = pre[T - 1] % (s.V - 2) + 2;
        const float *p3 = tc_model_forward(m, pre, B, T, 0, NULL);
        double diff = 0;
        for (int i = 0; i < 3; i++)
            diff += fabs(p3[i] - p1[i]);
        assert_true(diff > 1e-7);
        tc_model_free(m);
    }
}

/* Two replicas, each backpropagating half of the batch with gscale 1/2,
 * give gradients that sum to the whole batch's: the dense tail in gtail, the
 * embedding as compact rows (tc_model_row_grads) of the rows each touched.
 * Replicas share the parameters and leave the whole model's gradient alone. */
static void replica_shards_sum_to_batch(void **st)
{
    (void)st;
    for (int enc = 0; enc < 2; enc++) {
        tc_model_spec s = base_spec(enc ? TC_ENC_LSTM : TC_ENC_GAP);
        s.n_hidden = 1, s.hidden[0] = 6;
        tc_err err;
        tc_model *m = tc_model_new(&s, &err);
        tc_rng r;
        tc_rng_seed(&r, 21);
        assert_int_equal(tc_model_init_weights(m, &r, &err), 0);
        assert_int_equal(tc_model_reserve(m, B, T, &err), 0);
        int32_t ids[B * T], labels[B] = {0, 2, 1, 1};
        make_ids(ids, s.V, &r, 0);
        const uint32_t *rows;
        size_t nrows;
        tc_model_forward(m, ids, B, T, 0, NULL);
        double whole = tc_model_loss_backward(m, ids, B, T, labels, NULL, NULL, 1.0f, 1, &rows, &nrows);
        size_t tail = tc_model_tail(m), ntail = m->nparams - tail, D = (size_t)s.D;
        float *sum = calloc(m->nparams, sizeof *sum);
        double half_sum = 0;
        for (int h = 0; h < 2; h++) {
            tc_model *x = tc_model_replica(m, &err);
            assert_non_null(x);
            assert_ptr_equal(x->params, m->params);
            assert_null(x->grads);
            assert_int_equal(tc_model_reserve(x, B / 2, T, &err), 0);
            const int32_t *hid = ids + (size_t)h * (B / 2) * T;
            tc_model_forward(x, hid, B / 2, T, 0, NULL);
            half_sum += 0.5 *
                tc_model_loss_backward(x, hid, B / 2, T, labels + h * (B / 2), NULL, NULL, 0.5f, 1, &rows, &nrows);
            for (size_t i = 0; i < ntail; i++)
                sum[tail + i] += x->gtail[i];
            const float *gl = tc_model_row_grads(x);
            for (size_t k = 0; k < nrows; k++) {
                assert_true(rows[k] > 0 && rows[k] < (uint32_t)s.V);
                for (size_t j = 0; j < D; j++)
                    sum[rows[k] * D + j] += gl[k * D + j];
            }
            tc_model_free(x);
        }
        assert_close(half_sum, whole, 1e-6, 1e-6);
        int nonzero = 0;
        for (size_t i = 0; i < m->nparams; i++) {
            assert_close(sum[i], m->grads[i], 1e-6, 1e-5);
            nonzero += m->grads[i] != 0;
        }
        assert_true(nonzero > (int)ntail / 2);
        free(sum);
        tc_model_free(m);
    }
}

static void binary_sigmoid_label_probs(void **st)
{
    (void)st;
    tc_model_spec s = base_spec(TC_ENC_GAP);
    s.sigmoid = 1, s.nlabels = 2, s.outputs = 1;
    tc_err err;
    tc_model *m = tc_model_new(&s, &err);
    float out = 0.8f, lp[2];
    tc_model_label_probs(m, &out, lp);
    assert_close(lp[0], 0.2, 0, 1e-7);
    assert_close(lp[1], 0.8, 0, 1e-7);
    /* tensor table: embedding first, then output W and b, nothing else */
    assert_int_equal(m->ntensors, 3);
    assert_string_equal(m->tensors[0].name, "embedding");
    assert_int_equal(m->nparams, (size_t)(13 * 5 + 5 * 1 + 1));
    assert_int_equal(tc_model_count_params(&s), m->nparams);
    tc_model_free(m);
}

/* Every tensor carries its role (weight decay skips biases by role, not by
 * name): an LSTM model with hidden layers has all three. */
static void tensor_roles(void **st)
{
    (void)st;
    tc_model_spec s = base_spec(TC_ENC_LSTM);
    s.lstm_bidir = 1, s.lstm_layers = 2, s.n_hidden = 1, s.hidden[0] = 3;
    tc_err err;
    tc_model *m = tc_model_new(&s, &err);
    assert_non_null(m);
    int count[3] = {0};
    for (int k = 0; k < m->ntensors; k++) {
        const tc_tensor *t = &m->tensors[k];
        size_t nl = strlen(t->name);
        enum tc_role want = k == 0            ? TC_ROLE_EMBEDDING
            : !strcmp(t->name + nl - 2, ".b") ? TC_ROLE_BIAS
                                              : TC_ROLE_KERNEL;
        assert_int_equal(t->role, want);
        count[t->role]++;
    }
    assert_int_equal(count[TC_ROLE_EMBEDDING], 1);
    assert_int_equal(count[TC_ROLE_BIAS], 2 * 2 + 2);       /* 2 layers x 2 directions, dense, output */
    assert_int_equal(count[TC_ROLE_KERNEL], 2 * 2 * 2 + 2); /* Wx and Wh each, dense W, output W */
    tc_model_free(m);
}

static void rejects_bad_specs(void **st)
{
    (void)st;
    tc_model_spec s = base_spec(TC_ENC_LSTM);
    s.lstm_layers = 0;
    tc_err err;
    assert_null(tc_model_new(&s, &err));
    s = base_spec(TC_ENC_GAP);
    s.V = 1 << 30, s.D = 1 << 30; /* 2^60 floats */
    assert_null(tc_model_new(&s, &err));
    assert_non_null(strstr(err.msg, "too large"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gap_softmax_hidden),
        cmocka_unit_test(gap_sigmoid_multilabel),
        cmocka_unit_test(gap_binary_sigmoid),
        cmocka_unit_test(lstm_last),
        cmocka_unit_test(lstm_bidir_stacked_mean),
        cmocka_unit_test(lstm_bidir_max_sigmoid),
        cmocka_unit_test(padding_side_does_not_matter),
        cmocka_unit_test(replica_shards_sum_to_batch),
        cmocka_unit_test(binary_sigmoid_label_probs),
        cmocka_unit_test(rejects_bad_specs),
        cmocka_unit_test(tensor_roles),
    };
    return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
