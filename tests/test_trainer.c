/* test_trainer.c — the training workflow: learning-rate schedules and early
 * stopping against hand-computed values, the stratified validation split,
 * class weights, the metrics history format, the progress display in both
 * modes, model dropout (gradients, inference unaffected), weight decay and a
 * frozen embedding, and the trainer itself: early stopping on a crafted run,
 * the best weights kept, and resuming — at an epoch boundary and at random
 * points inside epochs — ending bit-identical to an uninterrupted run. */
#include "tc_test.h"

#include <signal.h>
#include <sys/time.h>

#include "nn/model.h"
#include "train/history.h"
#include "train/progress.h"
#include "train/schedule.h"
#include "train/split.h"
#include "train/trainer.h"

/* ---- a corpus built by hand ------------------------------------------------ */

#define MAX_ROWS 600
#define MAX_IDS 6000

/* Rows are strings of letters a, b, c, … = word ids 2, 3, 4, … */
static void corpus_new(tc_corpus *c)
{
    tc_corpus_init(c);
    c->tok_off = calloc(MAX_ROWS + 1, sizeof *c->tok_off);
    c->lab_off = calloc(MAX_ROWS + 1, sizeof *c->lab_off);
    c->line = calloc(MAX_ROWS + 1, sizeof *c->line);
    c->ids = calloc(MAX_IDS, sizeof *c->ids);
    c->labels = calloc(MAX_IDS, sizeof *c->labels);
    assert_true(c->tok_off && c->lab_off && c->line && c->ids && c->labels);
}

static void add_row(tc_corpus *c, const char *words, const int32_t *labels, int nl)
{
    assert_true(c->n < MAX_ROWS);
    uint64_t i = c->n, k = c->tok_off[i], nt = strlen(words);
    assert_true(k + nt <= MAX_IDS && c->lab_off[i] + (uint64_t)nl <= MAX_IDS);
    for (uint64_t j = 0; j < nt; j++)
        c->ids[k + j] = 2 + (words[j] - 'a');
    for (int j = 0; j < nl; j++)
        c->labels[c->lab_off[i] + (uint64_t)j] = labels[j];
    c->tok_off[i + 1] = k + nt;
    c->lab_off[i + 1] = c->lab_off[i] + (uint64_t)nl;
    c->line[i] = i + 2;
    c->max_tokens = nt > c->max_tokens ? nt : c->max_tokens;
    c->n++;
}

static void add(tc_corpus *c, const char *words, int32_t label)
{
    add_row(c, words, &label, 1);
}

static void base_config(tc_config *cfg)
{
    tc_config_defaults(cfg);
    strcpy(cfg->data.train, "crafted");
    cfg->pad.maxlen = 6;
    cfg->model.embedding_dim = 6;
    cfg->model.head = TC_HEAD_SOFTMAX;
    cfg->train.batch_size = 4;
    cfg->train.lr = 0.05f;
    cfg->train.seed = 7;
    cfg->train.epochs = 4;
}

static tc_model *model_for(const tc_config *cfg, int V, int nlabels, tc_rng *rng)
{
    tc_err err;
    tc_model_spec s;
    tc_model_spec_from_config(&s, cfg, V, nlabels, 0);
    tc_model *m = tc_model_new(&s, &err);
    assert_non_null(m);
    tc_rng_seed(rng, cfg->train.seed);
    assert_int_equal(tc_model_init_weights(m, rng, &err), 0);
    return m;
}

/* ---- learning-rate schedules ---------------------------------------------- */

/* 10 steps per epoch, 5 epochs (50 steps), lr0 0.1; expected values by hand
 * from the formulas in schedule.h. */
static void schedules_follow_their_formulas(void **st)
{
    (void)st;
    tc_config cfg;
    base_config(&cfg);
    cfg.train.lr = 0.1f;
    tc_schedule s;
    tc_schedule_init(&s, &cfg, 10, 5);
    for (uint64_t k = 0; k < 50; k += 7)
        assert_close(tc_schedule_lr(&s, k), 0.1, 1e-6, 0);

    cfg.train.lr_schedule = TC_LR_LINEAR; /* 0.1 · (1 − s/50) */
    tc_schedule_init(&s, &cfg, 10, 5);
    assert_close(tc_schedule_lr(&s, 0), 0.1, 1e-6, 0);
    assert_close(tc_schedule_lr(&s, 25), 0.05, 1e-6, 0);
    assert_close(tc_schedule_lr(&s, 49), 0.002, 1e-5, 0);

    cfg.train.warmup_epochs = 1.0f; /* 10 warm-up steps: 0.01, 0.02, … 0.1; then 0.1 · (1 − u/40) */
    tc_schedule_init(&s, &cfg, 10, 5);
    assert_close(tc_schedule_lr(&s, 0), 0.01, 1e-6, 0);
    assert_close(tc_schedule_lr(&s, 4), 0.05, 1e-6, 0);
    assert_close(tc_schedule_lr(&s, 9), 0.1, 1e-6, 0);
    assert_close(tc_schedule_lr(&s, 10), 0.1, 1e-6, 0);
    assert_close(tc_schedule_lr(&s, 30), 0.05, 1e-6, 0);

    cfg.train.warmup_epochs = 0.5f; /* half an epoch = 5 steps */
    tc_schedule_init(&s, &cfg, 10, 5);
    assert_close(tc_schedule_lr(&s, 0), 0.02, 1e-6, 0);
    assert_close(tc_schedule_lr(&s, 4), 0.1, 1e-6, 0);

    cfg.train.warmup_epochs = 0;
    cfg.train.lr_schedule = TC_LR_STEP; /* halves every 2 epochs = 20 steps */
    cfg.train.lr_decay = 0.5f;
    cfg.train.lr_decay_epochs = 2;
    tc_schedule_init(&s, &cfg, 10, 5);
    assert_close(tc_schedule_lr(&s, 19), 0.1, 1e-6, 0);
    assert_close(tc_schedule_lr(&s, 20), 0.05, 1e-6, 0);
    assert_close(tc_schedule_lr(&s, 45), 0.025, 1e-6, 0);

    cfg.train.lr_schedule = TC_LR_EXPONENTIAL; /* 0.1 · 0.5^(s/20) */
    tc_schedule_init(&s, &cfg, 10, 5);
    assert_close(tc_schedule_lr(&s, 10), 0.1 * sqrt(0.5), 1e-6, 0);
    assert_close(tc_schedule_lr(&s, 40), 0.025, 1e-6, 0);

    cfg.train.lr = 0; /* the optimizer's default: Adam 0.001 */
    cfg.train.lr_schedule = TC_LR_CONSTANT;
    tc_schedule_init(&s, &cfg, 10, 5);
    assert_close(tc_schedule_lr(&s, 3), 0.001, 1e-6, 0);
}

/* ---- early stopping -------------------------------------------------------- */

/* Feeds a sequence; returns the epoch at which the tracker says stop (0 = never). */
static int stop_epoch(enum tc_monitor mon, double min_delta, int64_t patience, const double *v, int n, int *best_epoch)
{
    tc_stopper t;
    tc_stopper_init(&t, mon, min_delta, patience);
    for (int e = 1; e <= n; e++) {
        int stop;
        tc_stopper_update(&t, e, v[e - 1], &stop);
        if (stop) {
            *best_epoch = t.best_epoch;
            return e;
        }
    }
    *best_epoch = t.best_epoch;
    return 0;
}

static void early_stopping_decisions(void **st)
{
    (void)st;
    int best;
    /* val_loss: improvements at 1, 2, 4 (0.8 → 0.79 beats min_delta 0.005); 5 and 6 do not → stop at 6 */
    const double loss[] = {1.0, 0.8, 0.81, 0.79, 0.795, 0.80, 0.85, 0.7};
    assert_int_equal(stop_epoch(TC_MON_VAL_LOSS, 0.005, 2, loss, 8, &best), 6);
    assert_int_equal(best, 4);
    /* with min_delta 0.02, 0.79 is no improvement: epochs 3 and 4 wait → stop at 4, best 2 */
    assert_int_equal(stop_epoch(TC_MON_VAL_LOSS, 0.02, 2, loss, 8, &best), 4);
    assert_int_equal(best, 2);
    /* patience 0 never stops; the best is the lowest */
    assert_int_equal(stop_epoch(TC_MON_VAL_LOSS, 0, 0, loss, 8, &best), 0);
    assert_int_equal(best, 8);
    /* accuracy: higher is better, a tie is no improvement */
    const double acc[] = {0.5, 0.6, 0.6, 0.59, 0.9};
    assert_int_equal(stop_epoch(TC_MON_VAL_ACCURACY, 0, 2, acc, 5, &best), 4);
    assert_int_equal(best, 2);
    /* NaN never improves (a first NaN epoch leaves no best) */
    const double nan_first[] = {NAN, 0.4, NAN, NAN};
    assert_int_equal(stop_epoch(TC_MON_VAL_MACRO_F1, 0, 2, nan_first, 4, &best), 4);
    assert_int_equal(best, 2);
}

/* ---- validation split -------------------------------------------------------- */

static void split_is_stratified_and_seeded(void **st)
{
    (void)st;
    tc_err err;
    tc_corpus c;
    corpus_new(&c);
    /* classes 0, 1, 2 with 50, 30, 20 rows, interleaved; class 3 has one row */
    for (int i = 0; i < 100; i++)
        add(&c, i % 2 ? "ab" : "abc", i < 50 ? 0 : i < 80 ? 1 : 2);
    add(&c, "d", 3);
    uint8_t m1[101], m2[101], m3[101];
    assert_int_equal(tc_split_stratified(&c, 4, 0.2, 11, m1, &err), 20);
    int per[4] = {0};
    for (int i = 0; i < 101; i++)
        per[c.labels[i]] += m1[i];
    assert_int_equal(per[0], 10); /* round(0.2 · size) of every class */
    assert_int_equal(per[1], 6);
    assert_int_equal(per[2], 4);
    assert_int_equal(per[3], 0); /* a class's last row stays for training */
    assert_int_equal(tc_split_stratified(&c, 4, 0.2, 11, m2, &err), 20);
    assert_memory_equal(m1, m2, sizeof m1); /* same seed, same split */
    assert_int_equal(tc_split_stratified(&c, 4, 0.2, 12, m3, &err), 20);
    assert_memory_not_equal(m1, m3, sizeof m1); /* another seed, another split */
    /* the held-out rows are not simply the first of each class */
    int first_ten = 0;
    for (int i = 0; i < 10; i++)
        first_ten += m1[i];
    assert_true(first_ten < 10);

    /* extract: rows in order, offsets rebuilt, lengths kept */
    tc_corpus v, t;
    tc_corpus_init(&v);
    tc_corpus_init(&t);
    assert_int_equal(tc_split_extract(&v, &c, m1, 1, &err), 0);
    assert_int_equal(tc_split_extract(&t, &c, m1, 0, &err), 0);
    assert_int_equal(v.n, 20);
    assert_int_equal(t.n, 81);
    uint64_t vi = 0, ti = 0;
    for (uint64_t r = 0; r < c.n; r++) {
        tc_corpus *d = m1[r] ? &v : &t;
        uint64_t i = m1[r] ? vi++ : ti++;
        assert_int_equal(d->line[i], c.line[r]);
        assert_int_equal(d->labels[d->lab_off[i]], c.labels[c.lab_off[r]]);
        assert_int_equal(d->tok_off[i + 1] - d->tok_off[i], c.tok_off[r + 1] - c.tok_off[r]);
    }
    tc_corpus_free(&v);
    tc_corpus_free(&t);
    tc_corpus_free(&c);
}

/* Multi-label rows go with their rarest label; the words of held-out rows
 * do not count. */
static void split_multilabel_groups_and_recount(void **st)
{
    (void)st;
    tc_err err;
    tc_corpus c;
    corpus_new(&c);
    const int32_t both[2] = {0, 1};
    for (int i = 0; i < 20; i++) {
        if (i % 2)
            add_row(&c, "ab", both, 2); /* label 1 (10 rows) is rarer than label 0 (20 rows) */
        else
            add(&c, "ac", 0);
    }
    uint8_t m[20];
    assert_int_equal(tc_split_stratified(&c, 2, 0.2, 5, m, &err), 4);
    int held_both = 0;
    for (int i = 1; i < 20; i += 2)
        held_both += m[i];
    assert_int_equal(held_both, 2); /* 0.2 of the 10 rows grouped under label 1 */

    /* recount: a counter over "x" "y" "z" (ids 0, 1, 2); rows use them as word ids */
    tc_counter all, part;
    tc_counter_init(&all);
    tc_counter_init(&part);
    const char *w[3] = {"x", "y", "z"};
    for (int k = 0; k < 3; k++)
        assert_int_equal(tc_counter_add(&all, w[k], 1, &err), k);
    tc_corpus r;
    corpus_new(&r);
    add(&r, "c", 0); /* id 4 → counter id 2 after the shift below */
    add(&r, "ba", 1);
    for (uint64_t i = 0; i < r.tok_off[r.n]; i++)
        r.ids[i] -= 2;
    assert_int_equal(tc_split_recount(&part, &all, &r, &err), 0);
    assert_int_equal(part.words.n, 3);
    assert_string_equal(tc_strtab_str(&part.words, 0), "z"); /* first appearance in these rows */
    assert_string_equal(tc_strtab_str(&part.words, 1), "y");
    assert_int_equal(part.counts[0], 1);
    assert_int_equal(r.ids[0], 0);
    assert_int_equal(r.ids[1], 1);
    assert_int_equal(r.ids[2], 2);
    tc_counter_free(&all);
    tc_counter_free(&part);
    tc_corpus_free(&r);
    tc_corpus_free(&c);
}

/* ---- class weights ----------------------------------------------------------- */

static void class_weights_are_balanced(void **st)
{
    (void)st;
    tc_err err;
    tc_corpus c;
    corpus_new(&c);
    add(&c, "a", 0), add(&c, "a", 0), add(&c, "a", 0), add(&c, "b", 1);
    float *w;
    /* scikit-learn "balanced": n / (classes · count) = 4 / (2·3), 4 / (2·1); label 2 has no rows */
    assert_int_equal(tc_train_class_weights(&c, 3, 0, &w, &err), 0);
    assert_close(w[0], 4.0 / 6.0, 1e-6, 0);
    assert_close(w[2], 4.0 / 6.0, 1e-6, 0);
    assert_close(w[3], 2.0, 1e-6, 0);
    free(w);
    tc_corpus_free(&c);

    /* multi-label: mean of the label weights, rescaled to average 1 */
    corpus_new(&c);
    const int32_t both[2] = {0, 1};
    add(&c, "a", 0), add(&c, "a", 0), add_row(&c, "b", both, 2), add_row(&c, "c", NULL, 0);
    assert_int_equal(tc_train_class_weights(&c, 2, 1, &w, &err), 0);
    /* label weights 4/(2·3), 4/(2·1); rows 2/3, 2/3, (2/3 + 2)/2, 1 → sum 11/3, scaled by 4/(11/3) */
    double k = 4.0 / (11.0 / 3.0);
    assert_close(w[0], 2.0 / 3.0 * k, 1e-6, 0);
    assert_close(w[2], 4.0 / 3.0 * k, 1e-6, 0);
    assert_close(w[3], 1.0 * k, 1e-6, 0);
    assert_close(w[0] + w[1] + w[2] + w[3], 4.0, 1e-6, 0);
    free(w);
    tc_corpus_free(&c);
}

/* ---- history (metrics.jsonl) ------------------------------------------------ */

static void history_round_trip_and_errors(void **st)
{
    (void)st;
    tc_err err;
    tc_epoch_log e = {3, 1, 1, 0.0005, 0.25, 0.9, 0.4, 0.8, 0.79, 1.5, 1000, 0.81}, back;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tc_history_write(f, &e);
    e.has_val = 0, e.best = 0, e.loss = NAN;
    tc_history_write(f, &e);
    fclose(f);
    char *nl = strchr(buf, '\n');
    assert_non_null(nl);
    assert_int_equal(tc_history_parse(buf, (size_t)(nl - buf), &back, "m:1", &err), 0);
    assert_int_equal(back.epoch, 3);
    assert_true(back.has_val && back.best);
    assert_close(back.lr, 0.0005, 1e-6, 0);
    assert_close(back.val_macro_f1, 0.79, 1e-7, 0);
    assert_close(back.val_micro_f1, 0.81, 1e-7, 0);
    assert_close(back.rows_per_s, 1000, 1e-7, 0);
    assert_int_equal(tc_history_parse(nl + 1, strlen(nl + 1), &back, "m:2", &err), 0);
    assert_false(back.has_val || back.best);
    assert_true(isnan(back.loss) && isnan(back.val_loss) && isnan(back.val_micro_f1)); /* written as null */
    free(buf);

    /* unknown keys and strings are skipped; spaces allowed */
    const char *ok = " { \"epoch\" : 2 , \"note\" : \"a \\\"b\\\" \\u00e9\", \"loss\": 1e-3 } ";
    assert_int_equal(tc_history_parse(ok, strlen(ok), &back, "m:1", &err), 0);
    assert_int_equal(back.epoch, 2);
    assert_close(back.loss, 1e-3, 1e-9, 0);
    static const struct {
        const char *line, *msg;
    } bad[] = {{"[1]", "m:4:1: expected '{'"},
               {"{\"a\":{}}", "m:4:6: nested objects"},
               {"{\"a\":1", "m:4:7: expected ',' or '}'"},
               {"{\"a\":1} x", "m:4:9: text after the object"},
               {"{\"a\":tru}", "m:4:6: expected a number"},
               {"{\"a", "m:4:2: unterminated string"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(tc_history_parse(bad[i].line, strlen(bad[i].line), &back, "m:4", &err), -1);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("'%s': got \"%s\", expected \"%s\"", bad[i].line, err.msg, bad[i].msg);
    }
}

/* ---- progress --------------------------------------------------------------- */

/* Runs one epoch of progress calls in a mode; returns what was written (free it). */
static char *progress_output(int level, int tty, int color)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tc_progress p;
    tc_progress_init_mode(&p, f, level, tty, color, 80);
    tc_progress_epoch_begin(&p, 1, 2, 100, 25, 0);
    for (uint64_t s = 1; s <= 25; s++)
        tc_progress_step(&p, s * 4, s, 0.5, 0.01);
    tc_epoch_log e = {1, 1, 1, 0.01, 0.5, 0.75, 0.6, 0.7, 0.69, 0.2, 500, 0.7};
    tc_progress_epoch_end(&p, &e);
    tc_progress_note(&p, "saved %s", "m.bin");
    fclose(f);
    return buf;
}

static void progress_modes(void **st)
{
    (void)st;
    char *plain = progress_output(1, 0, 0);
    assert_null(strchr(plain, '\r'));
    assert_null(strchr(plain, '\033'));
    assert_string_equal(plain,
                        "epoch 1/2  loss 0.5000  acc 0.7500  val_loss 0.6000  val_acc 0.7000  val_f1 0.6900"
                        "  lr 0.01  0.2s  500 rows/s  best\nsaved m.bin\n");
    free(plain);

    char *term = progress_output(1, 1, 0);
    assert_non_null(strstr(term, "\r\033[Kepoch 1/2 [")); /* drawn in place */
    assert_non_null(strstr(term, "100/100"));             /* the last redraw shows the whole epoch */
    assert_null(strstr(term, "\033[3"));                  /* no colour */
    char *end = strstr(term, "\r\033[Kepoch 1/2  loss");  /* the status line is cleared for the epoch line */
    assert_non_null(end);
    assert_null(memchr(term, '\n', (size_t)(end - term))); /* nothing scrolls while the bar runs */
    int bars = 0;
    for (char *line = term; (line = strstr(line, "\r\033[Kepoch 1/2 [")) != NULL; line++, bars++)
        assert_true(strcspn(line + 4, "\r\n") <= 79); /* a status line never reaches the last column */
    assert_true(bars >= 2);
    free(term);

    char *color = progress_output(1, 1, 1);
    assert_non_null(strstr(color, "\033[32m"));
    free(color);

    char *quiet = progress_output(0, 1, 1);
    assert_string_equal(quiet, "");
    free(quiet);

    char *verbose = progress_output(2, 0, 0);
    /* every third batch of 25 (at most ten lines), and the last */
    assert_non_null(strstr(verbose, "  epoch 1 batch 24/25  rows 96  loss 0.5000"));
    assert_non_null(strstr(verbose, "  epoch 1 batch 25/25  rows 100  loss 0.5000"));
    int lines = 0;
    for (const char *q = verbose; (q = strstr(q, "  epoch 1 batch ")) != NULL; q++)
        lines++;
    assert_int_equal(lines, 9);
    assert_null(strchr(verbose, '\r'));
    free(verbose);
}

/* ---- model dropout, weight decay, frozen embedding ----------------------- */

static double loss_with_mask(tc_model *m, const int32_t *ids, const int32_t *labels, uint64_t seed)
{
    tc_rng r;
    tc_rng_seed(&r, seed);
    tc_model_forward(m, ids, 3, 4, 1, &r);
    return tc_model_loss_backward(m, ids, 3, 4, labels, NULL, NULL, 1.0f, 0, NULL, NULL);
}

/* With the mask fixed (same seed), the analytic gradient matches central
 * differences; without `train` dropout changes nothing. */
static void dropout_gradients_and_inference(void **st)
{
    (void)st;
    tc_err err;
    for (int enc = 0; enc < 2; enc++) {
        tc_config cfg;
        base_config(&cfg);
        cfg.model.encoder = enc ? TC_ENC_LSTM : TC_ENC_GAP;
        cfg.model.lstm.units = 4;
        cfg.model.hidden[0] = 5, cfg.model.n_hidden = 1;
        cfg.model.dropout = 0.4f;
        tc_rng r;
        tc_model *m = model_for(&cfg, 8, 3, &r);
        for (size_t i = 0; i < m->nparams; i++)
            m->params[i] += tc_rng_range(&r, -0.3f, 0.3f);
        assert_int_equal(tc_model_reserve(m, 3, 4, &err), 0);
        const int32_t ids[12] = {0, 2, 3, 4, 5, 6, 7, 2, 0, 0, 3, 3}, labels[3] = {0, 2, 1};
        float p0[9], p1[9];
        memcpy(p0, tc_model_forward(m, ids, 3, 4, 0, NULL), sizeof p0);
        m->s.dropout = 0;
        memcpy(p1, tc_model_forward(m, ids, 3, 4, 0, NULL), sizeof p1);
        m->s.dropout = 0.4f;
        assert_memory_equal(p0, p1, sizeof p0); /* inference ignores dropout */
        tc_rng_seed(&r, 99);
        tc_model_forward(m, ids, 3, 4, 1, &r);
        assert_memory_not_equal(tc_model_forward(m, ids, 3, 4, 1, &r), p0, sizeof p0); /* training drops */
        memset(m->grads, 0, m->nparams * sizeof(float));
        tc_rng_seed(&r, 5);
        tc_model_forward(m, ids, 3, 4, 1, &r);
        const uint32_t *rows;
        size_t nrows;
        tc_model_loss_backward(m, ids, 3, 4, labels, NULL, NULL, 1.0f, 1, &rows, &nrows);
        int checked = 0;
        for (size_t i = 0; i < m->nparams; i += 7) {
            float keep = m->params[i], eps = 1e-2f;
            m->params[i] = keep + eps;
            double up = loss_with_mask(m, ids, labels, 5);
            m->params[i] = keep - eps;
            double down = loss_with_mask(m, ids, labels, 5);
            m->params[i] = keep;
            double num = (up - down) / (2 * eps);
            if (fabs(num - m->grads[i]) > 2e-3 + 2e-2 * fabs(num))
                fail_msg("encoder %d, param %zu: analytic %g, numeric %g", enc, i, m->grads[i], num);
            checked += m->grads[i] != 0;
        }
        assert_true(checked > 10);
        tc_model_free(m);
    }
}

/* A corpus where "a…" means 0 and "b…" means 1, and a model for it. */
static void two_word_corpus(tc_corpus *c, int n)
{
    corpus_new(c);
    for (int i = 0; i < n; i++)
        add(c, i % 2 ? "bbc" : "aac", i % 2);
}

static void run_epochs(tc_model *m, const tc_config *cfg, const tc_corpus *train, const tc_corpus *valid,
                       const tc_rng *r, tc_train_summary *sum)
{
    tc_err err;
    tc_trainer *t = tc_trainer_new(m, cfg, train, valid, NULL, r, &err);
    assert_non_null(t);
    tc_train_opts o = {NULL, NULL, NULL, NULL};
    if (tc_trainer_run(t, &o, sum, &err) != 0)
        fail_msg("%s", err.msg);
    tc_trainer_free(t);
}

/* One SGD step with decoupled decay: W' = W·(1 − lr·wd) − lr·g for kernels,
 * b' = b − lr·g for biases (g from the same step without decay); a frozen
 * embedding does not move while the rest does. */
static void weight_decay_and_frozen_embedding(void **st)
{
    (void)st;
    tc_corpus c;
    two_word_corpus(&c, 4);
    tc_config cfg;
    base_config(&cfg);
    cfg.train.optimizer = TC_OPT_SGD;
    cfg.train.lr = 0.1f;
    cfg.train.epochs = 1;
    cfg.train.shuffle = 0;
    tc_rng r;
    tc_model *plain = model_for(&cfg, 5, 2, &r), *decayed = model_for(&cfg, 5, 2, &r);
    for (size_t i = 0; i < plain->nparams; i++) { /* non-zero biases, so decaying them would show */
        plain->params[i] += 0.1f * (float)sin((double)i);
        decayed->params[i] = plain->params[i];
    }
    float *w0 = malloc(plain->nparams * sizeof *w0);
    memcpy(w0, plain->params, plain->nparams * sizeof *w0);
    tc_train_summary sum;
    run_epochs(plain, &cfg, &c, NULL, &r, &sum);
    cfg.train.weight_decay = 0.5f;
    run_epochs(decayed, &cfg, &c, NULL, &r, &sum);
    size_t D = (size_t)plain->s.D;
    for (int k = 0; k < plain->ntensors; k++) {
        const tc_tensor *x = &plain->tensors[k];
        int bias = strstr(x->name, ".b") != NULL;
        for (size_t i = x->off; i < x->off + x->n; i++) {
            double step = w0[i] - plain->params[i]; /* lr · g */
            double want = bias ? w0[i] - step : w0[i] * (1 - 0.1 * 0.5) - step;
            /* embedding rows the batch did not use (padding, OOV) are neither updated nor decayed */
            size_t row = i / D * D;
            if (k == 0 && !memcmp(w0 + row, plain->params + row, D * sizeof *w0))
                want = w0[i];
            assert_close(decayed->params[i], want, 1e-5, 1e-6);
        }
    }
    tc_model_free(decayed);

    cfg.model.freeze_embedding = 1;
    cfg.train.weight_decay = 0.5f;
    cfg.train.optimizer = TC_OPT_ADAM;
    cfg.train.epochs = 3;
    tc_model *frozen = model_for(&cfg, 5, 2, &r);
    memcpy(w0, frozen->params, frozen->nparams * sizeof *w0);
    run_epochs(frozen, &cfg, &c, NULL, &r, &sum);
    size_t tail = tc_model_tail(frozen);
    assert_memory_equal(frozen->params, w0, tail * sizeof *w0);
    assert_memory_not_equal(frozen->params + tail, w0 + tail, (frozen->nparams - tail) * sizeof *w0);
    tc_model_free(frozen);
    tc_model_free(plain);
    free(w0);
    tc_corpus_free(&c);
}

/* ---- the trainer -------------------------------------------------------- */

typedef struct {
    int stop_after; /* set *stop after this epoch (0 = never) */
    volatile sig_atomic_t *stop;
    float *snapshot; /* the weights after each epoch, by epoch */
    size_t nparams;
    tc_model *m;
    int epochs_seen;
} hook_ctx;

static int hook(void *ctx, tc_trainer *t, const tc_epoch_log *e, tc_err *err)
{
    (void)t, (void)err;
    hook_ctx *h = ctx;
    h->epochs_seen++;
    if (h->snapshot)
        memcpy(h->snapshot + (size_t)(e->epoch - 1) * h->nparams, h->m->params, h->nparams * sizeof(float));
    if (h->stop_after && e->epoch == h->stop_after)
        *h->stop = 1;
    return 0;
}

/* Validation rows say the opposite of the training rows, so the validation
 * loss rises from the first epoch on: with patience 2 the run stops after
 * epoch 3, and the kept best weights are epoch 1's. */
static void early_stopping_on_a_crafted_run(void **st)
{
    (void)st;
    tc_err err;
    tc_corpus train, valid;
    two_word_corpus(&train, 40);
    corpus_new(&valid);
    for (int i = 0; i < 10; i++)
        add(&valid, i % 2 ? "bbc" : "aac", 1 - i % 2);
    tc_config cfg;
    base_config(&cfg);
    cfg.train.epochs = 20;
    cfg.train.early_stopping.patience = 2;
    cfg.output.save_best = 1;
    tc_rng r;
    tc_model *m = model_for(&cfg, 5, 2, &r);
    tc_trainer *t = tc_trainer_new(m, &cfg, &train, &valid, NULL, &r, &err);
    assert_non_null(t);
    float *snap = malloc(20 * m->nparams * sizeof *snap);
    hook_ctx h = {0, NULL, snap, m->nparams, m, 0};
    tc_train_opts o = {NULL, NULL, hook, &h};
    tc_train_summary sum;
    assert_int_equal(tc_trainer_run(t, &o, &sum, &err), 0);
    assert_int_equal(sum.epochs_done, 3);
    assert_true(sum.stopped_early);
    assert_int_equal(h.epochs_seen, 3);
    int n;
    const tc_epoch_log *hist = tc_trainer_history(t, &n);
    assert_int_equal(n, 3);
    assert_true(hist[0].best && !hist[1].best && !hist[2].best);
    assert_true(hist[1].val_loss > hist[0].val_loss && hist[2].val_loss > hist[1].val_loss);
    assert_int_equal(tc_trainer_best_epoch(t), 1);
    tc_trainer_use_best(t);
    assert_memory_equal(m->params, snap, m->nparams * sizeof *snap);
    free(snap);
    tc_trainer_free(t);
    tc_model_free(m);
    tc_corpus_free(&train);
    tc_corpus_free(&valid);
}

/* The configuration that exercises every part of the state: Adam, dropout,
 * a hidden layer, class weights, warm-up + linear decay, weight decay,
 * validation with save_best, shuffling. */
static void busy_config(tc_config *cfg)
{
    base_config(cfg);
    cfg->model.hidden[0] = 6, cfg->model.n_hidden = 1;
    cfg->model.dropout = 0.3f;
    cfg->train.lr = 0.02f;
    cfg->train.epochs = 5;
    cfg->train.lr_schedule = TC_LR_LINEAR;
    cfg->train.warmup_epochs = 0.5f;
    cfg->train.weight_decay = 0.01f;
    cfg->train.early_stopping.patience = 10;
    cfg->output.save_best = 1;
}

static void busy_corpora(tc_corpus *train, tc_corpus *valid)
{
    corpus_new(train);
    corpus_new(valid);
    static const char *const words[] = {"abc", "bcd", "cde", "ade", "bd", "ace", "eab", "dd"};
    for (int i = 0; i < 300; i++)
        add(train, words[i % 8], (i % 8) % 3);
    for (int i = 0; i < 24; i++)
        add(valid, words[(i * 3) % 8], ((i * 3) % 8) % 3);
}

/* What an uninterrupted and a resumed run must agree on: the weights kept
 * and every number of the history but the timings (compared by same_outcome). */
typedef struct {
    float *params;
    tc_epoch_log hist[32];
    int nhist;
} outcome;

static void record(outcome *out, tc_trainer *t, const tc_model *m)
{
    tc_trainer_use_best(t);
    memcpy(out->params, m->params, m->nparams * sizeof *out->params);
    const tc_epoch_log *h = tc_trainer_history(t, &out->nhist);
    assert_true(out->nhist <= 32);
    memcpy(out->hist, h, (size_t)out->nhist * sizeof *h);
}

static void same_outcome(const outcome *a, const outcome *b, size_t np)
{
    assert_memory_equal(a->params, b->params, np * sizeof *a->params);
    assert_int_equal(a->nhist, b->nhist);
    for (int i = 0; i < a->nhist; i++) { /* field by field: the struct has padding */
        const tc_epoch_log *x = &a->hist[i], *y = &b->hist[i];
        assert_int_equal(x->epoch, y->epoch);
        assert_int_equal(x->has_val, y->has_val);
        assert_int_equal(x->best, y->best);
        const double dx[7] = {x->lr,           x->loss,         x->accuracy,    x->val_loss,
                              x->val_accuracy, x->val_macro_f1, x->val_micro_f1};
        const double dy[7] = {y->lr,           y->loss,         y->accuracy,    y->val_loss,
                              y->val_accuracy, y->val_macro_f1, y->val_micro_f1};
        assert_memory_equal(dx, dy, sizeof dx);
    }
}

static void reference_run(const tc_config *cfg, const tc_corpus *train, const tc_corpus *valid, const float *rw, int L,
                          outcome *out, size_t *np)
{
    tc_err err;
    tc_rng r;
    tc_model *m = model_for(cfg, 7, L, &r);
    tc_trainer *t = tc_trainer_new(m, cfg, train, valid, rw, &r, &err);
    tc_train_opts o = {NULL, NULL, NULL, NULL};
    tc_train_summary sum;
    assert_int_equal(tc_trainer_run(t, &o, &sum, &err), 0);
    *np = m->nparams;
    out->params = malloc(m->nparams * sizeof *out->params);
    record(out, t, m);
    tc_trainer_free(t);
    tc_model_free(m);
}

/* Runs until *stop, then saves weights + state, builds a fresh model and
 * trainer (as `--resume` does), loads both and continues; repeats until done. */
static int resumed_run(const tc_config *cfg, const tc_corpus *train, const tc_corpus *valid, const float *rw, int L,
                       volatile sig_atomic_t *stop, int stop_after, int timer, outcome *out)
{
    tc_err err;
    tc_rng r;
    float *weights = NULL;
    void *state = NULL;
    size_t len = 0;
    int rounds = 0;
    for (;;) {
        tc_model *m = model_for(cfg, 7, L, &r);
        tc_trainer *t = tc_trainer_new(m, cfg, train, valid, rw, &r, &err);
        assert_non_null(t);
        if (state) {
            memcpy(m->params, weights, m->nparams * sizeof *weights);
            if (tc_trainer_load_state(t, state, len, &err) != 0)
                fail_msg("%s", err.msg);
            free(state), free(weights);
            state = NULL;
        }
        hook_ctx h = {stop_after, stop, NULL, m->nparams, m, 0};
        tc_train_opts o = {NULL, stop, hook, &h};
        tc_train_summary sum;
        *stop = 0;
        if (timer) { /* one shot, a little later each round, so every round gets somewhere */
            struct itimerval it = {{0, 0}, {0, 200 + 50 * rounds}};
            setitimer(ITIMER_REAL, &it, NULL);
        }
        assert_int_equal(tc_trainer_run(t, &o, &sum, &err), 0);
        rounds++;
        if (!sum.interrupted) {
            record(out, t, m);
            tc_trainer_free(t);
            tc_model_free(m);
            return rounds;
        }
        assert_int_equal(tc_trainer_save_state(t, &state, &len, &err), 0);
        weights = malloc(m->nparams * sizeof *weights);
        memcpy(weights, m->params, m->nparams * sizeof *weights);
        tc_trainer_free(t);
        tc_model_free(m);
        stop_after = 0;
    }
}

static volatile sig_atomic_t alarm_stop;
static void on_alarm(int sig)
{
    (void)sig;
    alarm_stop = 1;
}

static void resume_is_bit_identical(void **st)
{
    (void)st;
    tc_err err;
    tc_corpus train, valid;
    busy_corpora(&train, &valid);
    tc_config cfg;
    busy_config(&cfg);
    float *rw;
    assert_int_equal(tc_train_class_weights(&train, 3, 0, &rw, &err), 0);
    outcome want, got;
    size_t np;
    reference_run(&cfg, &train, &valid, rw, 3, &want, &np);
    assert_int_equal(want.nhist, 5);
    got.params = malloc(np * sizeof *got.params);

    /* stopped after epoch 2, resumed */
    volatile sig_atomic_t stop = 0;
    assert_int_equal(resumed_run(&cfg, &train, &valid, rw, 3, &stop, 2, 0, &got), 2);
    same_outcome(&got, &want, np);

    /* stopped by a timer at whatever batch it fires, again and again */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    int rounds = resumed_run(&cfg, &train, &valid, rw, 3, &alarm_stop, 0, 1, &got);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGALRM, &sa, NULL);
    same_outcome(&got, &want, np);
    print_message("timer run: %d interruptions\n", rounds - 1);

    /* early stopping across a resume: interrupted after epoch 2 of the crafted
     * run, it still stops after epoch 3 with epoch 1's weights */
    tc_corpus es_train, es_valid;
    two_word_corpus(&es_train, 40);
    corpus_new(&es_valid);
    for (int i = 0; i < 10; i++)
        add(&es_valid, i % 2 ? "bbc" : "aac", 1 - i % 2);
    tc_config es;
    base_config(&es);
    es.train.epochs = 20;
    es.train.early_stopping.patience = 2;
    es.output.save_best = 1;
    outcome es_want, es_got;
    size_t es_np;
    reference_run(&es, &es_train, &es_valid, NULL, 2, &es_want, &es_np);
    assert_int_equal(es_want.nhist, 3);
    es_got.params = malloc(es_np * sizeof *es_got.params);
    assert_int_equal(resumed_run(&es, &es_train, &es_valid, NULL, 2, &stop, 2, 0, &es_got), 2);
    same_outcome(&es_got, &es_want, es_np);
    free(es_got.params), free(es_want.params);
    tc_corpus_free(&es_train);
    tc_corpus_free(&es_valid);

    /* a state from another run is refused */
    tc_rng r;
    tc_model *m = model_for(&cfg, 7, 3, &r);
    tc_trainer *t = tc_trainer_new(m, &cfg, &train, &valid, rw, &r, &err);
    void *state;
    size_t len;
    assert_int_equal(tc_trainer_save_state(t, &state, &len, &err), 0);
    tc_corpus other;
    two_word_corpus(&other, 300);
    tc_trainer *t2 = tc_trainer_new(m, &cfg, &other, &valid, NULL, &r, &err);
    assert_int_equal(tc_trainer_load_state(t2, state, len, &err), -1);
    assert_non_null(strstr(err.msg, "data differ"));
    assert_int_equal(tc_trainer_load_state(t, state, len - 1, &err), -1);
    assert_int_equal(tc_trainer_load_state(t, state, len, &err), 0);
    free(state);
    tc_trainer_free(t2);
    tc_trainer_free(t);
    tc_model_free(m);
    tc_corpus_free(&other);
    free(got.params), free(want.params), free(rw);
    tc_corpus_free(&train);
    tc_corpus_free(&valid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schedules_follow_their_formulas),
        cmocka_unit_test(early_stopping_decisions),
        cmocka_unit_test(split_is_stratified_and_seeded),
        cmocka_unit_test(split_multilabel_groups_and_recount),
        cmocka_unit_test(class_weights_are_balanced),
        cmocka_unit_test(history_round_trip_and_errors),
        cmocka_unit_test(progress_modes),
        cmocka_unit_test(dropout_gradients_and_inference),
        cmocka_unit_test(weight_decay_and_frozen_embedding),
        cmocka_unit_test(early_stopping_on_a_crafted_run),
        cmocka_unit_test(resume_is_bit_identical),
    };
    return cmocka_run_group_tests_name("trainer", tests, NULL, NULL);
}
