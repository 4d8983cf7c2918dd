/* test_infer.c — the shared inference path: a row's probabilities do not
 * depend on the rows it is batched with; label ranking; per-label
 * thresholds in META. */
#include "tc_test.h"

#include "predict/infer.h"
#include "store/checkpoint.h"
#include "util/rng.h"

/* A bundle around a freshly initialised model (vocabulary of V - 2 words is
 * not needed: rows are given as ids). */
static void make_bundle(tc_bundle *b, enum tc_encoder enc, int L)
{
    tc_bundle_init(b);
    b->cfg.pad.maxlen = 12;
    b->cfg.model.encoder = enc;
    b->cfg.model.embedding_dim = 8;
    b->cfg.model.n_hidden = 1;
    b->cfg.model.hidden[0] = 16;
    b->cfg.model.lstm.units = 6;
    for (int l = 0; l < L; l++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", l);
        assert_true(tc_strtab_intern(&b->labels, name, strlen(name), NULL, NULL) >= 0);
    }
    tc_model_spec s;
    tc_model_spec_from_config(&s, &b->cfg, 40, L, 0);
    b->model = tc_model_new(&s, NULL);
    assert_non_null(b->model);
    tc_rng rng;
    tc_rng_seed(&rng, 7);
    assert_int_equal(tc_model_init_weights(b->model, &rng, NULL), 0);
}

/* Rows of 0 .. 20 ids (longer than maxlen too), some ids repeated. */
static void make_rows(int32_t ids[][20], size_t *lens, int n)
{
    for (int i = 0; i < n; i++) {
        lens[i] = (size_t)((i * 7) % 21);
        for (size_t t = 0; t < lens[i]; t++)
            ids[i][t] = 1 + (int32_t)((i * 13 + (int)t * 5) % 39);
    }
}

static void rows_alone_equal_rows_batched(enum tc_encoder enc)
{
    enum { N = 70, L = 3 };
    tc_bundle b;
    make_bundle(&b, enc, L);
    static int32_t ids[N][20];
    size_t lens[N];
    const int32_t *rows[N];
    make_rows(ids, lens, N);
    for (int i = 0; i < N; i++)
        rows[i] = ids[i];
    float alone[N * L], grouped[N * L], small[N * L];
    tc_infer one, many, few;
    assert_int_equal(tc_infer_init(&one, &b, 1, NULL), 0);
    assert_int_equal(one.cap, TC_INFER_QUANTUM);
    for (int i = 0; i < N; i++)
        assert_int_equal(tc_infer_rows(&one, rows + i, lens + i, 1, alone + i * L, NULL), 0);
    assert_int_equal(tc_infer_init(&many, &b, 64, NULL), 0);
    assert_int_equal(tc_infer_rows(&many, rows, lens, N, grouped, NULL), 0);
    assert_int_equal(tc_infer_init(&few, &b, 20, NULL), 0); /* 32 rows per pass, 70 = 32 + 32 + 6 */
    assert_int_equal(tc_infer_rows(&few, rows, lens, N, small, NULL), 0);
    assert_memory_equal(alone, grouped, sizeof alone);
    assert_memory_equal(alone, small, sizeof alone);
    /* 16-row groups on 3 threads (5 groups: every thread runs some, one runs two) */
    float threaded[N * L];
    tc_infer par;
    tc_err err;
    assert_int_equal(tc_infer_init(&par, &b, 16, NULL), 0);
    assert_int_equal(tc_infer_set_threads(&par, 3, &err), 0);
    assert_int_equal(par.nlanes, 3);
    for (int round = 0; round < 3; round++) {
        memset(threaded, 0, sizeof threaded);
        assert_int_equal(tc_infer_rows(&par, rows, lens, N, threaded, NULL), 0);
        assert_memory_equal(alone, threaded, sizeof alone);
    }
    tc_infer_free(&par);
    for (int i = 0; i < N; i++) {
        float sum = 0;
        for (int l = 0; l < L; l++)
            sum += alone[i * L + l];
        assert_close(sum, 1.0, 1e-5, 0);
    }
    tc_infer_free(&one), tc_infer_free(&many), tc_infer_free(&few);
    tc_bundle_free(&b);
}

static void identical_gap(void **state)
{
    (void)state;
    rows_alone_equal_rows_batched(TC_ENC_GAP);
}

static void identical_lstm(void **state)
{
    (void)state;
    rows_alone_equal_rows_batched(TC_ENC_LSTM);
}

static void top_is_stable(void **state)
{
    (void)state;
    static const float p[5] = {0.1f, 0.3f, 0.1f, 0.4f, 0.1f};
    int top[5];
    assert_int_equal(tc_infer_top(p, NULL, 5, 0, top), 5);
    static const int want[5] = {3, 1, 0, 2, 4};
    assert_memory_equal(top, want, sizeof want);
    assert_int_equal(tc_infer_top(p, NULL, 5, 1, top), 1);
    assert_int_equal(top[0], 3);
    static const float thr[5] = {0.1f, 0.5f, 0.2f, 0.4f, 0.0f};
    assert_int_equal(tc_infer_top(p, thr, 5, 0, top), 3); /* 1 and 2 fall short */
    static const int over[3] = {3, 0, 4};
    assert_memory_equal(top, over, sizeof over);
    assert_int_equal(tc_infer_top(p, thr, 5, 2, top), 2);
    assert_memory_equal(top, over, 2 * sizeof *top);
    static const float none[2] = {0.2f, 0.3f}, high[2] = {0.5f, 0.5f};
    assert_int_equal(tc_infer_top(none, high, 2, 1, top), 0);
}

/* The selection against an independent reference, a full stable sort, over
 * random rows with many ties and every k. */
static void top_matches_sorting(void **state)
{
    (void)state;
    enum { L = 97 };
    float p[L], thr[L];
    int ref[L], top[L], nref;
    tc_rng rng;
    tc_rng_seed(&rng, 7);
    for (int trial = 0; trial < 200; trial++) {
        for (int i = 0; i < L; i++) {
            p[i] = (float)tc_rng_below(&rng, 16) / 16.0f; /* 16 values: ties everywhere */
            thr[i] = (float)tc_rng_below(&rng, 16) / 16.0f;
        }
        int use_thr = trial % 2;
        nref = 0; /* reference: insertion sort of the candidates, stable */
        for (int i = 0; i < L; i++) {
            if (use_thr && p[i] < thr[i])
                continue;
            int j = nref++;
            while (j > 0 && p[ref[j - 1]] < p[i]) {
                ref[j] = ref[j - 1];
                j--;
            }
            ref[j] = i;
        }
        for (int k = 1; k <= L + 1; k += (k < 8 ? 1 : 13)) {
            int n = tc_infer_top(p, use_thr ? thr : NULL, L, k, top);
            int want = nref < k ? nref : k;
            assert_int_equal(n, want);
            assert_memory_equal(top, ref, (size_t)want * sizeof *top);
        }
    }
}

static void thresholds_round_trip(void **state)
{
    (void)state;
    tc_bundle b;
    make_bundle(&b, TC_ENC_GAP, 3);
    b.cfg.model.threshold = 0.4f;
    snprintf(b.meta, sizeof b.meta, "epochs=3\n");
    float thr[3];
    assert_int_equal(tc_infer_thresholds_get(&b, thr, NULL), 0); /* none stored: the config's */
    assert_true(thr[0] == 0.4f && thr[2] == 0.4f);
    const float put[3] = {0.123456789f, 1e-3f, 0.9f};
    assert_int_equal(tc_infer_thresholds_put(&b, put, NULL), 0);
    assert_int_equal(tc_infer_thresholds_put(&b, put, NULL), 0); /* replaces */
    assert_int_equal(tc_infer_thresholds_get(&b, thr, NULL), 0);
    assert_memory_equal(thr, put, sizeof put); /* kept as floats: exact */
    assert_string_equal(b.meta, "epochs=3\n"); /* the summary is not touched */
    assert_int_equal(tc_infer_thresholds_put(&b, NULL, NULL), 0);
    assert_null(b.thresholds);
    assert_int_equal(tc_infer_thresholds_get(&b, thr, NULL), 0);
    assert_true(thr[1] == 0.4f);
    tc_bundle_free(&b);
}

/* The largest pad.maxlen costs nothing until a row is that long: a model
 * with maxlen 1000000 predicts a short row in a 256-row group (found by the
 * robustness work: the buffers used to be sized cap x maxlen up front, over
 * 64 GB for this LSTM, so predicting from a file failed). */
static void huge_maxlen_short_rows(void **state)
{
    (void)state;
    tc_bundle b;
    make_bundle(&b, TC_ENC_LSTM, 2);
    b.cfg.pad.maxlen = 1000000;
    tc_infer e;
    assert_int_equal(tc_infer_init(&e, &b, TC_INFER_BATCH, NULL), 0);
    int32_t ids[3] = {3, 4, 5};
    const int32_t *rows[1] = {ids};
    size_t lens[1] = {3};
    float p[2];
    tc_err err;
    if (tc_infer_rows(&e, rows, lens, 1, p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_close(p[0] + p[1], 1.0, 1e-5, 0);
    assert_true(e.lanes[0].ids_cap <= (size_t)TC_INFER_QUANTUM * 3);
    tc_infer_free(&e);
    tc_bundle_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identical_gap),         cmocka_unit_test(identical_lstm),
        cmocka_unit_test(top_is_stable),         cmocka_unit_test(top_matches_sorting),
        cmocka_unit_test(thresholds_round_trip), cmocka_unit_test(huge_maxlen_short_rows),
    };
    return cmocka_run_group_tests_name("infer", tests, NULL, NULL);
}
