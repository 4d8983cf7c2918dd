/* test_explain.c — leave-one-out explanations on a hand-built model where
 * the answer is known in closed form.
 *
 * Model: average pool over 1-dimensional embeddings, no hidden layer, two
 * labels with logits (−x, +x), so p(label 1) = sigmoid(2x) and its log-odds
 * are exactly 2x, x = the mean embedding of the row's tokens.  Word "key"
 * has embedding 6, "up" 3, every other word 0. */
#include "tc_test.h"

#include "predict/explain.h"

enum { W_KEY = 2, W_UP = 3, W_A = 4, W_B = 5, V = 6 };

static void make_bundle(tc_bundle *b)
{
    tc_bundle_init(b);
    b->cfg.pad.maxlen = 8;
    b->cfg.model.embedding_dim = 1;
    assert_true(tc_strtab_intern(&b->labels, "neg", 3, NULL, NULL) == 0);
    assert_true(tc_strtab_intern(&b->labels, "pos", 3, NULL, NULL) == 1);
    static const char *const words[4] = {"key", "up", "a", "b"}; /* ids 2, 3, 4, 5 */
    for (int i = 0; i < 4; i++)
        assert_int_equal(tc_vocab_push(&b->vocab, words[i], strlen(words[i]), NULL), 0);
    tc_model_spec s;
    tc_model_spec_from_config(&s, &b->cfg, V, 2, 0);
    b->model = tc_model_new(&s, NULL);
    assert_non_null(b->model);
    tc_model *m = b->model;
    memset(m->params, 0, m->nparams * sizeof *m->params);
    m->E[W_KEY] = 6.0f;
    m->E[W_UP] = 3.0f;
    m->W[0][0] = -1.0f; /* output.W is (1, 2) */
    m->W[0][1] = 1.0f;
}

/* tokens "a key b a up" as a tc_tokens with their ids */
static const char BUF[] = "a\0key\0b\0a\0up";
static const uint32_t OFF[5] = {0, 2, 6, 8, 10}, LEN[5] = {1, 3, 1, 1, 2};

static const tc_explain_item *find(const tc_explainer *x, const char *tok)
{
    for (size_t i = 0; i < x->n; i++)
        if (!strcmp(tc_strtab_str(&x->toks, x->items[i].tok), tok))
            return &x->items[i];
    fail_msg("token %s missing", tok);
    return NULL;
}

static void deciding_token_comes_first(void **state)
{
    (void)state;
    tc_bundle b;
    make_bundle(&b);
    tc_infer e;
    assert_int_equal(tc_infer_init(&e, &b, 4, NULL), 0); /* 5 texts (whole + 4 distinct) need two passes */
    tc_explainer x;
    tc_explainer_init(&x, &e, &b);
    tc_tokens tk = {5, BUF, OFF, LEN, NULL, NULL};
    assert_int_equal(tc_explain_run(&x, &tk, 1, NULL), 0);
    assert_int_equal(x.n, 4); /* a, key, b, up */
    /* whole text: x = (6 + 3) / 5 = 1.8, log-odds 3.6 */
    assert_close(x.logit_full, 3.6, 1e-5, 0);
    assert_close(x.p_full, 1.0 / (1.0 + exp(-3.6)), 1e-6, 0);
    /* without key: x = 3/4 → 1.5; without up: 6/4 → 3; without a (twice): 9/3 → 6; without b: 9/4 → 4.5 */
    assert_string_equal(tc_strtab_str(&x.toks, x.items[0].tok), "key");
    assert_close(find(&x, "key")->score, 3.6 - 1.5, 1e-5, 0);
    assert_close(find(&x, "up")->score, 3.6 - 3.0, 1e-5, 0);
    assert_close(find(&x, "a")->score, 3.6 - 6.0, 1e-5, 0);
    assert_close(find(&x, "b")->score, 3.6 - 4.5, 1e-5, 0);
    assert_int_equal(find(&x, "a")->count, 2);
    assert_close(find(&x, "key")->p_without, 1.0 / (1.0 + exp(-1.5)), 1e-6, 0);
    /* sorted by score: key, up, b, a */
    assert_string_equal(tc_strtab_str(&x.toks, x.items[1].tok), "up");
    assert_string_equal(tc_strtab_str(&x.toks, x.items[3].tok), "a");
    /* explaining the other label flips every sign */
    assert_int_equal(tc_explain_run(&x, &tk, 0, NULL), 0);
    assert_close(find(&x, "key")->score, -(3.6 - 1.5), 1e-5, 0);
    assert_string_equal(tc_strtab_str(&x.toks, x.items[0].tok), "a");
    tc_explainer_free(&x);
    tc_infer_free(&e);
    tc_bundle_free(&b);
}

static void empty_and_single_token(void **state)
{
    (void)state;
    tc_bundle b;
    make_bundle(&b);
    tc_infer e;
    assert_int_equal(tc_infer_init(&e, &b, 16, NULL), 0);
    tc_explainer x;
    tc_explainer_init(&x, &e, &b);
    tc_tokens none = {0, "", OFF, LEN, NULL, NULL};
    assert_int_equal(tc_explain_run(&x, &none, 1, NULL), 0);
    assert_int_equal(x.n, 0);
    assert_close(x.p_full, 0.5, 1e-6, 0);
    tc_tokens one = {1, BUF + 2, OFF, LEN + 1, NULL, NULL}; /* "key" alone */
    assert_int_equal(tc_explain_run(&x, &one, 1, NULL), 0);
    assert_int_equal(x.n, 1);
    assert_close(x.items[0].score, 12.0, 1e-5, 0); /* log-odds 12 → 0 (nothing left) */
    tc_explainer_free(&x);
    tc_infer_free(&e);
    tc_bundle_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deciding_token_comes_first),
        cmocka_unit_test(empty_and_single_token),
    };
    return cmocka_run_group_tests_name("explain", tests, NULL, NULL);
}
