/* test_autoconf.c — data-aware defaults (train/autoconf), the end-of-run
 * advice (tc_history_advice) and the tune search space (tc_tune_draw). */
#define _DEFAULT_SOURCE
#include "tc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "train/autoconf.h"
#include "train/history.h"
#include "train/tune.h"

static char *write_tmp(const char *suffix, const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/test_autoconf_XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static int has_note(const tc_autoconf *ac, const char *needle)
{
    for (int i = 0; i < ac->n; i++)
        if (strstr(ac->note[i], needle))
            return 1;
    return 0;
}

/* rows "label,text" of a few templates, so that word pairs recur */
static char *templated_csv(const char *header, int rows)
{
    static const char *const lab[] = {"pos", "neg"};
    static const char *const txt[] = {"a truly great film", "a truly awful film", "great acting and a fine plot",
                                      "awful acting and a thin plot"};
    size_t cap = (size_t)rows * 64 + 64;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t n = (size_t)snprintf(s, cap, "%s\n", header);
    for (int i = 0; i < rows; i++)
        n += (size_t)snprintf(s + n, cap - n, "%d,%s,%s\n", i, lab[i % 2], txt[i % 4]);
    return s;
}

static void columns_from_unusual_header(void **state)
{
    (void)state;
    char *csv = templated_csv("id,category,body", 200);
    char *path = write_tmp(".csv", csv);
    free(csv);
    tc_config c;
    tc_config_defaults(&c);
    tc_autoconf ac;
    tc_err e = {{0}};
    assert_int_equal(tc_autoconf_data(&c, path, &ac, &e), 0);
    assert_string_equal(c.data.label_column, "category");
    assert_string_equal(c.data.text_column, "body");
    assert_string_equal(c.data.label_separator, "");
    assert_int_equal(ac.rows, 200);
    /* the templates repeat: every pair recurs, so bigrams are on */
    assert_true(ac.pair_repeat > 0.99);
    assert_int_equal(c.tokenizer.ngrams, 2);
    assert_int_equal(c.tokenizer.buckets, 1 << 16);
    assert_int_equal(c.tokenizer.cjk, TC_CJK_CHAR);
    /* the epoch count is measured, not guessed */
    assert_true(c.train.validation_split > 0.09f && c.train.validation_split < 0.11f);
    assert_int_equal(c.train.early_stopping.patience, 2);
    assert_int_equal(c.output.save_best, 1);
    assert_int_equal(c.train.early_stopping.monitor, TC_MON_VAL_LOSS);
    /* short rows (~20 bytes): character 3..6-grams, and the lower lr they take */
    assert_true(ac.mean_bytes > 15 && ac.mean_bytes < 30);
    assert_int_equal(c.tokenizer.n_char_ngrams, 2);
    assert_true(c.tokenizer.char_ngrams[0] == 3 && c.tokenizer.char_ngrams[1] == 6);
    assert_true(c.train.lr > 0.00099f && c.train.lr < 0.00101f);
    assert_true(has_note(&ac, "character n-grams: 3..6 on"));
    assert_true(has_note(&ac, "label 'category'"));
    assert_true(has_note(&ac, "softmax"));
    unlink(path);
}

static void multilabel_cjk_and_unique_pairs(void **state)
{
    (void)state;
    /* Chinese rows, every one different, two of them multi-label */
    static const char *const zh[] = {"酒店很好", "房间太小", "服务一般", "早餐不错", "位置方便", "价格偏高"};
    char buf[4096];
    size_t n = (size_t)snprintf(buf, sizeof buf, "labels,text\n");
    for (int i = 0; i < 6; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s,%s%d\n", i == 2 ? "a|b" : i == 4 ? "b|c" : "a", zh[i], i);
    char *path = write_tmp(".csv", buf);
    tc_config c;
    tc_config_defaults(&c);
    tc_autoconf ac;
    tc_err e = {{0}};
    assert_int_equal(tc_autoconf_data(&c, path, &ac, &e), 0);
    assert_string_equal(c.data.label_column, "labels");
    assert_string_equal(c.data.label_separator, "|");
    assert_true(has_note(&ac, "multi-label (2 of 6 rows"));
    assert_true(ac.cjk_share > 0.99);
    assert_int_equal(c.tokenizer.cjk, TC_CJK_CHAR_BIGRAM);
    /* no pair occurs twice: bigram rows would only memorise rows */
    assert_true(ac.pair_repeat < 0.5);
    assert_int_equal(c.tokenizer.ngrams, 1);
    assert_true(has_note(&ac, "n-grams: off"));
    /* CJK has its character bigrams: no character n-grams */
    assert_int_equal(c.tokenizer.n_char_ngrams, 0);
    assert_true(c.train.lr > 0.0049f && c.train.lr < 0.0051f);
    /* multi-label stops on macro-F1, with one more epoch of patience */
    assert_int_equal(c.train.early_stopping.monitor, TC_MON_VAL_MACRO_F1);
    assert_int_equal(c.train.early_stopping.patience, 3);
    /* ... at thresholds chosen per label on the validation rows, and the
     * labels share a wider representation and a ReLU layer */
    assert_int_equal(c.train.tune_thresholds, 1);
    assert_true(has_note(&ac, "thresholds: each label's own"));
    assert_int_equal(c.model.embedding_dim, 64);
    assert_int_equal(c.model.n_hidden, 1);
    assert_int_equal(c.model.hidden[0], 256);
    assert_true(c.model.dropout > 0.19f && c.model.dropout < 0.21f);
    unlink(path);
}

static void long_rows_without_char_ngrams(void **state)
{
    (void)state;
    /* rows of ~600 bytes: words enough, character n-grams stay off */
    static const char *const w[] = {"market", "shares", "profit", "quarter", "rose", "fell", "bank", "rates"};
    size_t cap = 200 * 700 + 64, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    n += (size_t)snprintf(s + n, cap - n, "label,text\n");
    for (int i = 0; i < 200; i++) {
        n += (size_t)snprintf(s + n, cap - n, "%s,", i % 2 ? "up" : "down");
        for (int k = 0; k < 90; k++)
            n += (size_t)snprintf(s + n, cap - n, "%s%s", k ? " " : "", w[(i * 7 + k * 3) % 8]);
        n += (size_t)snprintf(s + n, cap - n, "\n");
    }
    char *path = write_tmp(".csv", s);
    free(s);
    tc_config c;
    tc_config_defaults(&c);
    tc_autoconf ac;
    tc_err e = {{0}};
    assert_int_equal(tc_autoconf_data(&c, path, &ac, &e), 0);
    assert_true(ac.mean_bytes > 400);
    assert_int_equal(c.tokenizer.n_char_ngrams, 0);
    assert_true(c.train.lr > 0.0049f && c.train.lr < 0.0051f);
    assert_true(has_note(&ac, "character n-grams: off"));
    unlink(path);
}

static void user_settings_are_honoured(void **state)
{
    (void)state;
    char *csv = templated_csv("id,category,body", 40);
    char *path = write_tmp(".csv", csv);
    free(csv);
    tc_config c;
    tc_config_defaults(&c);
    tc_err e = {{0}};
    assert_int_equal(tc_config_set(&c, "data.text_column=category", &e), 0);
    assert_int_equal(tc_config_set(&c, "data.label_column=body", &e), 0);
    tc_autoconf ac;
    assert_int_equal(tc_autoconf_data(&c, path, &ac, &e), 0);
    assert_string_equal(c.data.text_column, "category");
    assert_string_equal(c.data.label_column, "body");
    unlink(path);
    /* a file without rows is an error naming it */
    path = write_tmp(".csv", "label,text\n");
    tc_config_defaults(&c);
    assert_int_equal(tc_autoconf_data(&c, path, &ac, &e), -1);
    assert_non_null(strstr(e.msg, "no data rows"));
    unlink(path);
    assert_true(tc_autoconf_is_config("a/b.yaml") && tc_autoconf_is_config("C.YML"));
    assert_false(tc_autoconf_is_config("data.csv") || tc_autoconf_is_config("yaml"));
}

static void maxlen_is_the_99th_percentile(void **state)
{
    (void)state;
    /* 200 rows: lengths 1..200 */
    tc_corpus c;
    tc_corpus_init(&c);
    c.n = 200;
    c.tok_off = malloc(201 * sizeof *c.tok_off);
    assert_non_null(c.tok_off);
    c.tok_off[0] = 0;
    for (int i = 0; i < 200; i++)
        c.tok_off[i + 1] = c.tok_off[i] + (uint64_t)(200 - i);
    tc_config cfg;
    tc_config_defaults(&cfg);
    tc_autoconf ac = {.n = 0};
    tc_autoconf_maxlen(&cfg, &c, &ac);
    assert_int_equal(cfg.pad.maxlen, 198); /* sorted[(200-1)*99/100] = sorted[197] = 198 */
    assert_true(has_note(&ac, "pad.maxlen 198"));
    /* a maxlen the user set stays */
    cfg.pad.maxlen = 7;
    tc_autoconf_maxlen(&cfg, &c, &ac);
    assert_int_equal(cfg.pad.maxlen, 7);
    free(c.tok_off);
}

static tc_epoch_log epoch(int k, double loss, double acc, double val_loss, double val_acc)
{
    tc_epoch_log e = {.epoch = k,
                      .loss = loss,
                      .accuracy = acc,
                      .has_val = val_loss >= 0,
                      .val_loss = val_loss,
                      .val_accuracy = val_acc};
    return e;
}

static void advice_for_underfit_and_overfit(void **state)
{
    (void)state;
    char line[640];
    /* still learning at the last epoch, accuracy low: train longer */
    tc_epoch_log under[] = {epoch(1, 1.00, 0.40, -1, 0), epoch(2, 0.90, 0.55, -1, 0)};
    assert_int_equal(tc_history_advice(under, 2, 0, 0, 0, line, sizeof line), 1);
    assert_non_null(strstr(line, "train longer (train.epochs 4"));
    /* the same, but early stopping ended it, or the loss flattened: nothing to say about length */
    assert_int_equal(tc_history_advice(under, 2, 0, 0, 1, line, sizeof line), 0);
    tc_epoch_log flat[] = {epoch(1, 0.500, 0.80, -1, 0), epoch(2, 0.499, 0.80, -1, 0)};
    assert_int_equal(tc_history_advice(flat, 2, 0, 0, 0, line, sizeof line), 0);
    assert_string_equal(line, "");
    /* far above validation at the kept epoch: regularise */
    tc_epoch_log over[] = {epoch(1, 0.3, 0.90, 0.40, 0.85), epoch(2, 0.05, 0.99, 0.60, 0.80)};
    assert_int_equal(tc_history_advice(over, 2, 2, 0, 0, line, sizeof line), 1);
    assert_non_null(strstr(line, "validation accuracy 0.800 is far below training accuracy 0.990"));
    /* ... but the kept epoch 1 is close */
    assert_int_equal(tc_history_advice(over, 2, 1, 0, 0, line, sizeof line), 0);
    /* multi-label: by the losses */
    tc_epoch_log ml[] = {epoch(1, 0.05, 0.99, 0.12, 0.98)};
    assert_int_equal(tc_history_advice(ml, 1, 1, 1, 1, line, sizeof line), 1);
    assert_non_null(strstr(line, "validation loss 0.1200 is more than twice"));
}

static void tune_draws_are_seeded(void **state)
{
    (void)state;
    tc_config base, a, b;
    tc_config_defaults(&base);
    base.tokenizer.buckets = 1 << 17;
    char da[256], db[256];
    /* trial 0 is the base itself */
    tc_tune_draw(&base, 0, 7, 0, 0, &a, da, sizeof da);
    assert_memory_equal(&a, &base, sizeof a);
    /* the same (seed, id) gives the same draw; other ids and seeds differ somewhere */
    int differ_id = 0, differ_seed = 0;
    for (int id = 1; id <= 20; id++) {
        tc_tune_draw(&base, 0, 7, id, 0, &a, da, sizeof da);
        tc_tune_draw(&base, 0, 7, id, 0, &b, db, sizeof db);
        assert_memory_equal(&a, &b, sizeof a);
        assert_string_equal(da, db);
        tc_tune_draw(&base, 0, 7, id + 1, 0, &b, db, sizeof db);
        differ_id += strcmp(da, db) != 0;
        tc_tune_draw(&base, 0, 8, id, 0, &b, db, sizeof db);
        differ_seed += strcmp(da, db) != 0;
        /* inside the space */
        assert_true(a.tokenizer.ngrams >= 1 && a.tokenizer.ngrams <= 3);
        assert_true(a.tokenizer.buckets >= 1 << 14 && a.tokenizer.buckets <= 1 << 21);
        assert_true(a.model.embedding_dim >= 16 && a.model.embedding_dim <= 100);
        assert_true(a.model.dropout >= 0 && a.model.dropout <= 0.5f);
        assert_true(a.train.lr > 0 && a.train.lr <= 0.5f);
        assert_true(a.tokenizer.cjk == TC_CJK_CHAR);
        if (a.model.encoder == TC_ENC_LSTM)
            assert_true(a.tokenizer.ngrams == 1 && a.tokenizer.n_char_ngrams == 0);
        tc_err e = {{0}};
        assert_int_equal(tc_config_validate(&a, &e) == 0 || strstr(e.msg, "data.train") != NULL, 1);
    }
    assert_true(differ_id >= 18 && differ_seed >= 18);
    /* CJK text: the modes are drawn, character n-grams are not */
    int modes[3] = {0, 0, 0};
    for (int id = 1; id <= 40; id++) {
        tc_tune_draw(&base, 1, 7, id, 0, &a, da, sizeof da);
        modes[a.tokenizer.cjk]++;
        assert_int_equal(a.tokenizer.n_char_ngrams, 0);
    }
    assert_true(modes[0] && modes[1] && modes[2]);
    /* a size limit shrinks the float32 hashed rows to twice it (quantized
     * to fit afterwards); at least one draw had to shrink */
    int shrunk = 0;
    for (int id = 1; id <= 20; id++) {
        tc_tune_draw(&base, 0, 7, id, 1 << 18, &a, da, sizeof da);
        tc_tune_draw(&base, 0, 7, id, 0, &b, db, sizeof db);
        assert_true((uint64_t)a.tokenizer.buckets * 4 * (uint64_t)a.model.embedding_dim <= (1 << 19) ||
                    a.tokenizer.buckets <= 1024);
        shrunk += a.tokenizer.buckets < b.tokenizer.buckets;
    }
    assert_true(shrunk > 0);
}

static void tune_rung0_sees_100000_rows(void **state)
{
    (void)state;
    assert_int_equal(tc_tune_rung0_epochs(0), 1);
    assert_int_equal(tc_tune_rung0_epochs(480), 10); /* capped */
    assert_int_equal(tc_tune_rung0_epochs(25000), 4);
    assert_int_equal(tc_tune_rung0_epochs(33334), 3); /* ceil(100000 / 33334) */
    assert_int_equal(tc_tune_rung0_epochs(100000), 1);
    assert_int_equal(tc_tune_rung0_epochs(5000000), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(columns_from_unusual_header),   cmocka_unit_test(multilabel_cjk_and_unique_pairs),
        cmocka_unit_test(long_rows_without_char_ngrams), cmocka_unit_test(user_settings_are_honoured),
        cmocka_unit_test(maxlen_is_the_99th_percentile), cmocka_unit_test(advice_for_underfit_and_overfit),
        cmocka_unit_test(tune_draws_are_seeded),         cmocka_unit_test(tune_rung0_sees_100000_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
