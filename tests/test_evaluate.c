/* test_evaluate.c — eval's library side: labels the model never saw are
 * counted and dropped (a single-label row left without a label is not
 * scored), every other row is scored with the model's own decision, and
 * tuning stores one threshold per label in the bundle. */
#include "tc_test.h"

#include <stdio.h>
#include <unistd.h>

#include "eval/evaluate.h"

/* A bundle over words "good" "bad" "fine" and labels neg/pos (or a, b, c
 * multi-label), with fresh weights. */
static void make_bundle(tc_bundle *b, int multilabel)
{
    tc_bundle_init(b);
    assert_int_equal(tc_config_set(&b->cfg, "data.train=x.csv", NULL), 0);
    if (multilabel)
        assert_int_equal(tc_config_set(&b->cfg, "data.label_separator=\"|\"", NULL), 0);
    b->cfg.pad.maxlen = 4;
    b->cfg.model.embedding_dim = 4;
    b->cfg.model.head = multilabel ? TC_HEAD_SIGMOID : TC_HEAD_SOFTMAX;
    const char *words[] = {"good", "bad", "fine"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(tc_vocab_push(&b->vocab, words[i], strlen(words[i]), NULL), 0);
    const char *const names[] = {"a", "b", "c"};
    int L = multilabel ? 3 : 2;
    for (int l = 0; l < L; l++)
        assert_true(tc_strtab_intern(&b->labels, names[l], 1, NULL, NULL) >= 0);
    b->task = multilabel ? TC_TASK_MULTI_LABEL : TC_TASK_SINGLE_LABEL;
    tc_model_spec s;
    tc_model_spec_from_config(&s, &b->cfg, (int)tc_vocab_size(&b->vocab), L, multilabel);
    b->model = tc_model_new(&s, NULL);
    assert_non_null(b->model);
    tc_rng rng;
    tc_rng_seed(&rng, 3);
    assert_int_equal(tc_model_init_weights(b->model, &rng, NULL), 0);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void unseen_labels_single(void **st)
{
    (void)st;
    tc_bundle b;
    make_bundle(&b, 0);
    char path[] = "/tmp/tc_eval_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "label,text\na,good fine\nzzz,bad\nb,bad bad\nzzz,good\nyyy,fine\na,\n");
    tc_evaluation ev;
    tc_err err;
    assert_int_equal(tc_evaluation_open(&ev, &b, 0, &err), 0);
    if (tc_evaluation_read(&ev, path, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(ev.c.n, 6);
    assert_int_equal(tc_evaluation_unseen(&ev), 2); /* zzz, yyy in order of appearance */
    assert_string_equal(tc_strtab_str(&ev.labels, 2), "zzz");
    assert_int_equal(ev.unseen_rows[0], 2);
    assert_int_equal(ev.unseen_rows[1], 1);
    assert_int_equal(ev.not_scored, 3);
    assert_int_equal(tc_evaluation_score(&ev, 1, &err), 0);
    assert_int_equal(ev.mc.total, 3); /* the rows with a label the model knows */
    /* the decision is the argmax of the probabilities infer gave */
    uint64_t correct = 0;
    for (uint64_t i = 0; i < ev.c.n; i++) {
        if (ev.c.lab_off[i + 1] == ev.c.lab_off[i])
            continue;
        const float *p = ev.probs + i * 2;
        correct += (p[1] > p[0] ? 1 : 0) == ev.c.labels[ev.c.lab_off[i]];
    }
    assert_int_equal(ev.mc.correct, correct);
    tc_evaluation_close(&ev);
    tc_bundle_free(&b);
    unlink(path);
}

static void multilabel_tune_stores_thresholds(void **st)
{
    (void)st;
    tc_bundle b;
    make_bundle(&b, 1);
    char path[] = "/tmp/tc_eval_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "label,text\na|b,good fine\nc|new,bad\nb,bad bad\nnew,good\na|c,fine good\n");
    tc_evaluation ev;
    tc_err err;
    assert_int_equal(tc_evaluation_open(&ev, &b, 0, &err), 0);
    assert_true(ev.thr[0] == b.cfg.model.threshold); /* none tuned yet: model.threshold */
    if (tc_evaluation_read(&ev, path, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(tc_evaluation_unseen(&ev), 1);
    assert_int_equal(ev.unseen_rows[0], 2);
    assert_int_equal(ev.not_scored, 0); /* multi-label rows are scored on their known labels */
    assert_int_equal(tc_evaluation_score(&ev, 2, &err), 0);
    assert_int_equal(ev.before.rows, 5);
    assert_null(b.thresholds);
    assert_int_equal(tc_evaluation_tune(&ev, 2, &err), 0);
    assert_non_null(b.thresholds);
    assert_memory_equal(b.thresholds, ev.thr, 3 * sizeof(float));
    for (int l = 0; l < 3; l++) { /* tuned on this very data: no label's F1 falls */
        assert_true(ev.after.per_label[l].f1 >= ev.before.per_label[l].f1 - 1e-12);
        assert_close(ev.after.per_label[l].f1, ev.f1[l], 1e-9, 1e-12);
    }
    tc_evaluation_close(&ev);
    tc_bundle_free(&b);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unseen_labels_single),
        cmocka_unit_test(multilabel_tune_stores_thresholds),
    };
    return cmocka_run_group_tests_name("evaluate", tests, NULL, NULL);
}
