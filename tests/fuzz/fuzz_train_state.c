/* fuzz_train_state.c — the resumable training state (the TRST section that
 * `textclf train --resume CKPT` reads back: train/trainer.h).
 *
 * The state belongs to one model, data set and batch size, which its header
 * names (format version, data fingerprint, parameter count, rows, batch
 * size).  A mutated header is refused at once, so, as fuzz_checkpoint does
 * with the CRC, the harness copies the real header over the input when input
 * byte 0 has bit 0 set; bit 1 picks SGD instead of Adam (the state then has
 * no moments).  The rest is the state.  The trainer is a small real one: 13
 * hand-made rows, a 3-wide embedding, batches of 4, 3 epochs.  Properties:
 *   - loading fails with a one-line message, or succeeds and the run then
 *     goes to its end (or stops with a one-line error) without reading or
 *     writing out of bounds;
 *   - what a successful load keeps survives a save and a second load
 *     unchanged (saving is a fixed point after one load).
 * LLVMFuzzerInitialize writes real states (fresh, after epoch 1, finished,
 * for Adam and SGD) as seeds when TC_FUZZ_SEED_DIR is set (scripts/fuzz.sh). */
#include <string.h>

#include "fuzz.h"
#include "train/trainer.h"

#define TS_HEADER 28 /* u32 version, u64 fingerprint, u64 params, u32 rows, u32 batch */

typedef struct {
    tc_config cfg;
    tc_corpus c;
    tc_model *m;
    tc_rng rng;
    tc_trainer *t;
} ts_run;

static void ts_add(tc_corpus *c, const char *words, int32_t label)
{
    uint64_t i = c->n, k = c->tok_off[i], nt = strlen(words);
    for (uint64_t j = 0; j < nt; j++)
        c->ids[k + j] = 2 + (words[j] - 'a');
    c->labels[c->lab_off[i]] = label;
    c->tok_off[i + 1] = k + nt;
    c->lab_off[i + 1] = c->lab_off[i] + 1;
    c->line[i] = i + 2;
    c->max_tokens = nt > c->max_tokens ? nt : c->max_tokens;
    c->n++;
}

static void ts_open(ts_run *r, int sgd)
{
    tc_err err = {{0}};
    memset(r, 0, sizeof *r);
    tc_config_defaults(&r->cfg);
    strcpy(r->cfg.data.train, "fuzz");
    r->cfg.pad.maxlen = 4;
    r->cfg.model.embedding_dim = 3;
    r->cfg.model.head = TC_HEAD_SOFTMAX;
    r->cfg.train.batch_size = 4;
    r->cfg.train.epochs = 3;
    r->cfg.train.optimizer = sgd ? TC_OPT_SGD : TC_OPT_ADAM;
    tc_corpus *c = &r->c;
    tc_corpus_init(c);
    c->tok_off = calloc(14, sizeof *c->tok_off);
    c->lab_off = calloc(14, sizeof *c->lab_off);
    c->line = calloc(14, sizeof *c->line);
    c->ids = calloc(64, sizeof *c->ids);
    c->labels = calloc(64, sizeof *c->labels);
    FUZZ_CHECK(c->tok_off && c->lab_off && c->line && c->ids && c->labels);
    static const char *const rows[13] = {"ab", "abc", "de", "d", "eab", "c", "ba", "ed", "ccc", "a", "bd", "e", "abde"};
    for (int i = 0; i < 13; i++)
        ts_add(c, rows[i], i % 3);
    tc_model_spec s;
    tc_model_spec_from_config(&s, &r->cfg, 7, 3, 0);
    r->m = tc_model_new(&s, &err);
    FUZZ_CHECK(r->m);
    tc_rng_seed(&r->rng, 3);
    FUZZ_CHECK(tc_model_init_weights(r->m, &r->rng, &err) == 0);
    r->t = tc_trainer_new(r->m, &r->cfg, c, NULL, NULL, &r->rng, &err);
    FUZZ_CHECK(r->t);
}

static void ts_close(ts_run *r)
{
    tc_trainer_free(r->t);
    tc_model_free(r->m);
    tc_corpus_free(&r->c);
}

static int ts_stop_after_first(void *ctx, tc_trainer *t, const tc_epoch_log *e, tc_err *err)
{
    (void)t, (void)e, (void)err;
    *(volatile sig_atomic_t *)ctx = 1;
    return 0;
}

/* The state of a fresh trainer (stage 0), after epoch 1 (1), or at the end (2). */
static void *ts_state(int sgd, int stage, size_t *len)
{
    ts_run r;
    ts_open(&r, sgd);
    tc_err err = {{0}};
    volatile sig_atomic_t stop = 0;
    tc_train_opts o = {NULL, &stop, stage == 1 ? ts_stop_after_first : NULL, (void *)&stop};
    tc_train_summary sum;
    if (stage > 0)
        FUZZ_CHECK(tc_trainer_run(r.t, &o, &sum, &err) == 0);
    void *buf = NULL;
    FUZZ_CHECK(tc_trainer_save_state(r.t, &buf, len, &err) == 0);
    ts_close(&r);
    return buf;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *dir = getenv("TC_FUZZ_SEED_DIR");
    if (!dir)
        return 0;
    for (int sgd = 0; sgd < 2; sgd++)
        for (int stage = 0; stage < 3; stage++) {
            size_t len;
            unsigned char *s = ts_state(sgd, stage, &len);
            char path[4096];
            snprintf(path, sizeof path, "%s/state-%s-%d", dir, sgd ? "sgd" : "adam", stage);
            FILE *f = fopen(path, "wb");
            FUZZ_CHECK(f);
            unsigned char flags = (unsigned char)(1 | sgd << 1);
            FUZZ_CHECK(fwrite(&flags, 1, 1, f) == 1 && fwrite(s, 1, len, f) == len && fclose(f) == 0);
            free(s);
        }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int fix = data[0] & 1, sgd = (data[0] >> 1) & 1;
    data++, size--;
    unsigned char *state = malloc(size ? size : 1);
    FUZZ_CHECK(state);
    memcpy(state, data, size);
    if (fix && size >= TS_HEADER) {
        size_t rlen;
        unsigned char *real = ts_state(sgd, 0, &rlen);
        FUZZ_CHECK(rlen >= TS_HEADER);
        memcpy(state, real, TS_HEADER);
        free(real);
    }
    ts_run r;
    ts_open(&r, sgd);
    tc_err err = {{0}};
    if (tc_trainer_load_state(r.t, state, size, &err) == 0) {
        void *once = NULL, *twice = NULL;
        size_t n1 = 0, n2 = 0;
        FUZZ_CHECK(tc_trainer_save_state(r.t, &once, &n1, &err) == 0);
        ts_run r2;
        ts_open(&r2, sgd);
        FUZZ_CHECK(tc_trainer_load_state(r2.t, once, n1, &err) == 0);
        FUZZ_CHECK(tc_trainer_save_state(r2.t, &twice, &n2, &err) == 0);
        FUZZ_CHECK(n1 == n2 && memcmp(once, twice, n1) == 0);
        ts_close(&r2);
        free(once);
        free(twice);
        tc_train_opts o = {NULL, NULL, NULL, NULL};
        tc_train_summary sum;
        if (tc_trainer_run(r.t, &o, &sum, &err) < 0)
            FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'));
    } else {
        FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'));
    }
    ts_close(&r);
    free(state);
    return 0;
}
