/* test_quant.c — quantized and pruned models (store/quant.h, store/shrink.h):
 * the int8 error bound, product quantization against a direct reading of
 * its definition, save → load of every encoding (bit-identical decoded
 * weights, predictions within a stated tolerance of the float model),
 * damaged QUAN sections refused, and pruning by norm. */
#include "tc_test.h"

#include <unistd.h>

#include "store/shrink.h"
#include "text/ngram.h"

static char dir[] = "/tmp/tc_quant_XXXXXX";

static int setup(void **st)
{
    (void)st;
    return tc_tmpdir_make(dir);
}

static int teardown(void **st)
{
    (void)st;
    return tc_tmpdir_remove(dir);
}

/* A bundle with 6 words, hashed bigrams with 5 feature rows, D = 8 and one
 * hidden layer (enc lstm: bidirectional LSTM instead, no features). */
static void make_bundle(tc_bundle *b, enum tc_encoder enc, uint64_t seed)
{
    tc_err err;
    tc_bundle_init(b);
    assert_int_equal(tc_config_set(&b->cfg, "data.train=x.csv", &err), 0);
    b->cfg.model.encoder = enc;
    b->cfg.model.embedding_dim = 8;
    b->cfg.model.n_hidden = 1;
    b->cfg.model.hidden[0] = 12;
    b->cfg.model.lstm.units = 9;
    b->cfg.model.lstm.bidirectional = 1;
    b->cfg.model.head = TC_HEAD_SOFTMAX;
    b->cfg.pad.maxlen = 6;
    const char *words[] = {"a", "b", "c", "d", "e", "f"};
    for (int i = 0; i < 6; i++)
        assert_int_equal(tc_vocab_push(&b->vocab, words[i], 1, &err), 0);
    if (enc == TC_ENC_GAP) {
        b->cfg.tokenizer.ngrams = 2;
        b->cfg.tokenizer.buckets = 100;
        uint32_t feat[] = {3, 10, 20, 50, 99};
        assert_int_equal(tc_vocab_set_features(&b->vocab, feat, 5, 100, 1, &err), 0);
    }
    for (int i = 0; i < 3; i++) {
        char l[2] = {(char)('x' + i), 0};
        assert_true(tc_strtab_intern(&b->labels, l, 1, NULL, &err) >= 0);
    }
    strcpy(b->meta, "multilabel=0\n");
    tc_model_spec s;
    tc_model_spec_from_config(&s, &b->cfg, (int)tc_input_rows(&b->cfg, &b->vocab), 3, 0);
    b->model = tc_model_new(&s, &err);
    assert_non_null(b->model);
    tc_rng r;
    tc_rng_seed(&r, seed);
    assert_int_equal(tc_model_init_weights(b->model, &r, &err), 0);
    /* rows of very different norms, as trained rows have */
    for (int row = 1; row < s.V; row++)
        for (int c = 0; c < s.D; c++)
            b->model->E[row * s.D + c] *= (float)(1 + row % 7) * 4.0f;
}

/* Probabilities (2 rows x 3 labels) for fixed ids. */
static void predict(tc_model *m, float *out)
{
    tc_err err;
    int32_t ids[2 * 6] = {2, 3, 4, 9, 10, 1, 0, 0, 5, 6, 7, 12};
    for (int i = 0; i < 12; i++)
        ids[i] = ids[i] < m->s.V ? ids[i] : 1;
    assert_int_equal(tc_model_reserve(m, 2, 6, &err), 0);
    memcpy(out, tc_model_forward(m, ids, 2, 6, 0, NULL), 6 * sizeof *out);
}

/* int8: every decoded weight is within half a step (scale / 2) of the float,
 * and each row's largest magnitude is exact up to rounding of the scale. */
static void int8_error_bound(void **st)
{
    (void)st;
    tc_bundle b;
    tc_err err;
    make_bundle(&b, TC_ENC_LSTM, 7);
    tc_quant_opts o;
    tc_quant_opts_default(&o);
    tc_quant *q;
    assert_int_equal(tc_quant_build(&q, b.model, &o, &err), 0);
    float *orig = malloc(b.model->nparams * sizeof *orig);
    memcpy(orig, b.model->params, b.model->nparams * sizeof *orig);
    tc_quant_decode(q, b.model);
    int n8 = 0;
    for (int i = 0; i < q->n; i++) {
        const tc_qtensor *t = &q->t[i];
        const tc_tensor *mt = &b.model->tensors[i];
        for (int r = 0; r < t->rows; r++) {
            float amax = 0;
            for (int c = 0; c < t->cols; c++)
                amax = fmaxf(amax, fabsf(orig[mt->off + (size_t)r * t->cols + c]));
            for (int c = 0; c < t->cols; c++) {
                size_t k = mt->off + (size_t)r * (size_t)t->cols + (size_t)c;
                if (t->kind == TC_Q_F32) {
                    assert_true(b.model->params[k] == orig[k]);
                } else {
                    assert_int_equal(t->kind, TC_Q_INT8);
                    /* |x - s q| <= s/2, s = amax/127 (plus float rounding of s q) */
                    assert_true(fabsf(b.model->params[k] - orig[k]) <= amax / 127.0f * 0.5f * 1.0001f + 1e-12f);
                }
            }
        }
        n8 += t->kind == TC_Q_INT8;
    }
    /* embedding, and each direction's Wx, Wh, and the hidden layer are int8 */
    assert_int_equal(q->t[0].kind, TC_Q_INT8);
    assert_int_equal(n8, 1 + 2 * 2 + 1);
    free(orig);
    tc_quant_free(q);
    tc_bundle_free(&b);
}

/* PQ decodes each row as norm centroid x the concatenated sub-space
 * centroids of its codes, and each code is the nearest centroid of the row's
 * unit direction (checked here by brute force, independently of quant.c). */
static void product_quantization_definition(void **st)
{
    (void)st;
    tc_bundle b;
    tc_err err;
    make_bundle(&b, TC_ENC_GAP, 3);
    tc_quant_opts o;
    tc_quant_opts_default(&o);
    o.pq = 1;
    o.dsub = 4;
    tc_quant *q;
    assert_int_equal(tc_quant_build(&q, b.model, &o, &err), 0);
    const tc_qtensor *t = &q->t[0];
    int V = b.model->s.V, D = 8;
    assert_int_equal(t->kind, TC_Q_PQ);
    assert_int_equal(t->nsub, 2);
    assert_int_equal(t->ncent, V); /* fewer rows than 256: one centroid per row at most */
    float *E = malloc((size_t)V * D * sizeof *E);
    memcpy(E, b.model->E, (size_t)V * D * sizeof *E);
    tc_quant_decode(q, b.model);
    for (int r = 0; r < V; r++) {
        double nn = 0;
        for (int c = 0; c < D; c++)
            nn += (double)E[r * D + c] * E[r * D + c];
        float norm = (float)sqrt(nn);
        for (int s = 0; s < 2; s++) {
            int best = -1;
            double bd = 1e300;
            for (int j = 0; j < t->ncent; j++) {
                double d2 = 0;
                for (int c = 0; c < 4; c++) {
                    double u = norm > 0 ? E[r * D + s * 4 + c] / norm : 0;
                    double e = u - t->cent[(s * t->ncent + j) * 4 + c];
                    d2 += e * e;
                }
                if (d2 < bd)
                    bd = d2, best = j;
            }
            assert_int_equal(t->code[r * 2 + s], best);
            for (int c = 0; c < 4; c++)
                assert_close(b.model->E[r * D + s * 4 + c],
                             t->normc[t->ncode[r]] * t->cent[(s * t->ncent + best) * 4 + c], 1e-6, 1e-7);
        }
    }
    /* as many centroids as rows: k-means from the rows themselves reproduces them */
    for (int i = 0; i < V * D; i++)
        assert_close(b.model->E[i], E[i], 1e-4, 1e-5);
    free(E);
    tc_quant_free(q);
    tc_bundle_free(&b);
}

/* Saves b quantized with o, loads it back: the decoded weights are exactly
 * what tc_shrink left in memory, predictions are within tol of the float
 * model's, and the int8 file is smaller. */
static void round_trip(enum tc_encoder enc, int pq, uint64_t cutoff, double tol)
{
    tc_bundle a, b;
    tc_err err;
    make_bundle(&a, enc, 11);
    char pf[256], pqp[256];
    snprintf(pf, sizeof pf, "%s/f.bin", dir);
    snprintf(pqp, sizeof pqp, "%s/q.bin", dir);
    assert_int_equal(tc_checkpoint_save(pf, &a, &err), 0);
    float pa[6], pb[6];
    predict(a.model, pa);
    tc_shrink_opts o = {.cutoff = cutoff};
    tc_quant_opts_default(&o.q);
    o.q.pq = pq;
    o.q.dsub = 2;
    uint64_t kept;
    if (tc_shrink(&a, &o, &kept, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(tc_checkpoint_save(pqp, &a, &err), 0);
    tc_bundle_init(&b);
    if (tc_checkpoint_load(pqp, &b, &err) < 0)
        fail_msg("%s", err.msg);
    assert_non_null(b.quant);
    assert_int_equal(b.model->nparams, a.model->nparams);
    assert_memory_equal(b.model->params, a.model->params, a.model->nparams * sizeof(float));
    char v[64];
    assert_int_equal(tc_meta_get(&b, "quantized", v, sizeof v), 0);
    assert_non_null(strstr(v, pq ? "pq dsub 2" : "int8"));
    predict(b.model, pb);
    for (int i = 0; i < 6; i++)
        assert_close(pb[i], pa[i], 0, tol);
    FILE *f = fopen(pf, "rb"), *g = fopen(pqp, "rb");
    fseek(f, 0, SEEK_END);
    fseek(g, 0, SEEK_END);
    /* product quantization of a 14-row table keeps a centroid per row, so
     * only int8 is smaller here (test_quantize.sh checks PQ at 9,500 rows) */
    if (!pq)
        assert_true(ftell(g) < ftell(f));
    fclose(f);
    fclose(g);
    /* quantizing the loaded (decoded) model again is stable for int8: the
     * decoded values are on the grid already */
    if (!pq && !cutoff) {
        tc_quant *q2;
        assert_int_equal(tc_quant_build(&q2, b.model, &o.q, &err), 0);
        float *before = malloc(b.model->nparams * sizeof *before);
        memcpy(before, b.model->params, b.model->nparams * sizeof *before);
        tc_quant_decode(q2, b.model);
        for (size_t i = 0; i < b.model->nparams; i++)
            assert_close(b.model->params[i], before[i], 1e-6, 1e-9);
        free(before);
        tc_quant_free(q2);
    }
    tc_bundle_free(&a);
    tc_bundle_free(&b);
}

static void int8_round_trip_gap(void **st)
{
    (void)st;
    round_trip(TC_ENC_GAP, 0, 0, 0.02);
}

static void int8_round_trip_lstm(void **st)
{
    (void)st;
    round_trip(TC_ENC_LSTM, 0, 0, 0.02);
}

static void pq_round_trip(void **st)
{
    (void)st;
    round_trip(TC_ENC_GAP, 1, 0, 0.05);
    round_trip(TC_ENC_LSTM, 1, 0, 0.05);
}

/* Pruning keeps the rows of largest norm, the unseen row and the tail; the
 * words and features dropped now read as OOV / the unseen row. */
static void prune_by_norm(void **st)
{
    (void)st;
    tc_bundle b;
    tc_err err;
    make_bundle(&b, TC_ENC_GAP, 5);
    int V = b.model->s.V, D = 8; /* 2 + 6 words + 5 features + the unseen row */
    assert_int_equal(V, 14);
    float norm[14];
    for (int r = 0; r < V; r++) {
        double s = 0;
        for (int c = 0; c < D; c++)
            s += (double)b.model->E[r * D + c] * b.model->E[r * D + c];
        norm[r] = (float)sqrt(s);
    }
    /* the 4 largest of rows 2..12, by brute force (13, the unseen row, stays
     * whatever its norm) */
    int keep[14] = {1, 1, [13] = 1};
    for (int k = 0; k < 4; k++) {
        int best = -1;
        for (int r = 2; r < V - 1; r++)
            if (!keep[r] && (best < 0 || norm[r] > norm[best]))
                best = r;
        keep[best] = 1;
    }
    float *E = malloc((size_t)V * D * sizeof *E);
    memcpy(E, b.model->E, (size_t)V * D * sizeof *E);
    size_t tail = b.model->nparams - tc_model_tail(b.model);
    float *T = malloc(tail * sizeof *T);
    memcpy(T, b.model->params + tc_model_tail(b.model), tail * sizeof *T);
    uint64_t kept;
    assert_int_equal(tc_prune_rows(&b, 4, &kept, &err), 0);
    assert_int_equal(kept, 4);
    assert_int_equal(b.model->s.V, 7);
    assert_int_equal(tc_vocab_unseen_row(&b.vocab), 6);
    int o = 0;
    for (int r = 0; r < V; r++) {
        if (!keep[r])
            continue;
        assert_memory_equal(b.model->E + o * D, E + r * D, D * sizeof *E);
        if (r >= 2 && r < 8) /* a word: still in the vocabulary, at its new id */
            assert_int_equal(tc_vocab_lookup(&b.vocab, (char[]){(char)('a' + r - 2), 0}, 1), o);
        o++;
    }
    for (int r = 2; r < 8; r++)
        if (!keep[r])
            assert_int_equal(tc_vocab_lookup(&b.vocab, (char[]){(char)('a' + r - 2), 0}, 1), TC_OOV_ID);
    static const uint32_t feat[] = {3, 10, 20, 50, 99};
    for (int k = 0; k < 5; k++)
        assert_int_equal(tc_vocab_feature(&b.vocab, feat[k]) != 6, keep[8 + k]);
    assert_memory_equal(b.model->params + tc_model_tail(b.model), T, tail * sizeof *T);
    /* keeping at least every row changes nothing */
    assert_int_equal(tc_prune_rows(&b, 100, &kept, &err), 0);
    assert_int_equal(b.model->s.V, 7);
    free(E);
    free(T);
    tc_bundle_free(&b);
}

/* Loads bytes d (checksum recomputed); returns the error message ("" if it loaded). */
static const char *try_load(unsigned char *d, size_t n)
{
    static tc_err err;
    uint32_t c = tc_crc32(0, d, n - 4);
    memcpy(d + n - 4, &c, 4);
    tc_bundle b;
    tc_bundle_init(&b);
    int rc = tc_checkpoint_load_mem(d, n, "bad.bin", &b, &err);
    tc_bundle_free(&b);
    if (rc == 0)
        err.msg[0] = 0;
    return err.msg;
}

/* Damage inside QUAN, behind a valid checksum: a clear refusal, never a
 * crash or a model with garbage in it. */
static void damaged_quantized_section(void **st)
{
    (void)st;
    tc_bundle a;
    tc_err err;
    make_bundle(&a, TC_ENC_GAP, 2);
    tc_shrink_opts o = {0};
    tc_quant_opts_default(&o.q);
    o.q.pq = 1;
    uint64_t kept;
    assert_int_equal(tc_shrink(&a, &o, &kept, &err), 0);
    char p[256];
    snprintf(p, sizeof p, "%s/d.bin", dir);
    assert_int_equal(tc_checkpoint_save(p, &a, &err), 0);
    tc_bundle_free(&a);
    size_t n;
    unsigned char *d = tc_slurp(p, &n), *c = malloc(n);
    /* QUAN is the last section: find its payload */
    size_t at = 32, qa = 0;
    uint32_t nsec;
    memcpy(&nsec, d + 28, 4);
    for (uint32_t i = 0; i < nsec; i++) {
        uint64_t len;
        memcpy(&len, d + at + 8, 8);
        if (!memcmp(d + at, "QUAN", 4))
            qa = at + 16;
        at += 16 + (size_t)len;
    }
    assert_true(qa > 0);
    /* embedding: kind at qa+8, rows qa+12, cols qa+16, dsub qa+20, ncent qa+24, nnorm qa+28 */
    struct {
        size_t off;
        uint32_t v;
        const char *msg;
    } cases[] = {
        {qa, 2, "quantized weights in format 2"},
        {qa + 4, 0, "0 quantized tensors"},
        {qa + 4, 3, "trailing bytes in the quantized section"},
        {qa + 4, 9, "quantized tensor 5 header"}, /* 5 tensors there */
        {qa + 8, 7, "kind 7"},
        {qa + 12, 0x7fffffff, "quantized tensor 0 is cut short"},
        {qa + 16, 9, "bad product quantizer"},
        {qa + 20, 3, "bad product quantizer"},
        {qa + 24, 300, "bad product quantizer"},
        {qa + 28, 0, "bad product quantizer"},
        {qa + 32, 0x7f800000, "non-finite centroid"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memcpy(c, d, n);
        memcpy(c + cases[i].off, &cases[i].v, 4);
        const char *m = try_load(c, n);
        if (!strstr(m, cases[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, m, cases[i].msg);
    }
    /* a code past its codebook: the embedding has V rows (< 256 centroids) */
    memcpy(c, d, n);
    uint32_t ncent;
    memcpy(&ncent, d + qa + 24, 4);
    uint32_t nnorm;
    memcpy(&nnorm, d + qa + 28, 4);
    size_t codes = qa + 32 + ((size_t)4 * ncent * 2 + nnorm) * 4; /* nsub 4 x ncent x dsub 2, then norms */
    c[codes] = (unsigned char)ncent;
    assert_non_null(strstr(try_load(c, n), "code past its codebook"));
    /* random damage: a clean error or a clean load, never a crash */
    tc_rng r;
    tc_rng_seed(&r, 4);
    for (int i = 0; i < 300; i++) {
        memcpy(c, d, n);
        for (int k = 0; k < 2; k++)
            c[qa + tc_rng_below(&r, n - 4 - qa)] = (unsigned char)tc_rng_next(&r);
        (void)try_load(c, n);
    }
    free(c);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(int8_error_bound),
        cmocka_unit_test(product_quantization_definition),
        cmocka_unit_test(int8_round_trip_gap),
        cmocka_unit_test(int8_round_trip_lstm),
        cmocka_unit_test(pq_round_trip),
        cmocka_unit_test(prune_by_norm),
        cmocka_unit_test(damaged_quantized_section),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
