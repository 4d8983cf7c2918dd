/* tune.c — the search of `textclf tune` (strategy, determinism and search
 * space: tune.h).
 *
 * Pieces: tc_tune_draw (one configuration from the search space), the trial
 * files and the child process that trains one (launch, score), the results
 * file (append one line per trial; read back for --resume), and the
 * scheduler (brackets → rungs → trials, at most `jobs` at once, within the
 * budget). */
#define _DEFAULT_SOURCE
#include "train/tune.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/checkpoint.h"
#include "store/safefile.h"
#include "store/shrink.h"
#include "train/autoconf.h"
#include "train/history.h"
#include "train/trainer.h"
#include "util/crc32.h"
#include "util/mem.h"
#include "util/rng.h"

#define ETA 3           /* successive halving keeps the best 1/ETA of a rung */
#define FIRST_BRACKET 9 /* configurations in bracket 0; bracket k has 9·3^k */
#define MAX_EPOCHS 50   /* a rung's epochs never exceed this */

int64_t tc_tune_rung0_epochs(uint64_t rows)
{
    uint64_t e = rows ? (100000 + rows - 1) / rows : 1;
    return e < 1 ? 1 : e > 10 ? 10 : (int64_t)e;
}

static const char *const METRICS[] = {"accuracy", "macro_f1", "micro_f1"};

const char *tc_tune_metric_name(enum tc_tune_metric m)
{
    return METRICS[m];
}

int tc_tune_metric_parse(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, METRICS[i]))
            return i;
    return -1;
}

double tc_tune_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- the search space ---------------------------------------------------- */

static float log_uniform(tc_rng *r, float lo, float hi)
{
    return lo * expf(tc_rng_uniform(r) * logf(hi / lo));
}

static int64_t one_of(tc_rng *r, const int64_t *v, int n)
{
    return v[tc_rng_below(r, (uint64_t)n)];
}

/* buckets: the base's (autoconf sizes it from the data's distinct word
 * pairs) times 1/4, 1/2, 1 or 2, within [2^14, 2^21] */
static void draw_tokens(tc_config *c, int cjk, tc_rng *r)
{
    static const int64_t ngrams[] = {1, 2, 2, 3}, minc[] = {1, 1, 2, 3}, scale[] = {1, 2, 4, 8};
    static const int64_t chars[][2] = {{0, 0}, {0, 0}, {2, 4}, {3, 5}, {3, 6}};
    c->tokenizer.ngrams = one_of(r, ngrams, 4);
    c->tokenizer.min_count = one_of(r, minc, 4);
    int64_t b = c->tokenizer.buckets * one_of(r, scale, 4) / 4;
    c->tokenizer.buckets = b < (1 << 14) ? (1 << 14) : b > (1 << 21) ? (1 << 21) : b;
    int k = (int)tc_rng_below(r, 5);
    if (cjk) {
        static const enum tc_cjk modes[] = {TC_CJK_CHAR, TC_CJK_BIGRAM, TC_CJK_CHAR_BIGRAM};
        c->tokenizer.cjk = modes[tc_rng_below(r, 3)];
        k = 0;
    }
    c->tokenizer.n_char_ngrams = chars[k][0] ? 2 : 0;
    c->tokenizer.char_ngrams[0] = chars[k][0];
    c->tokenizer.char_ngrams[1] = chars[k][1];
}

static void draw_model(tc_config *c, tc_rng *r)
{
    static const int64_t dims[] = {16, 32, 32, 64, 100}, units[] = {32, 64};
    static const float drop[] = {0, 0, 0.1f, 0.2f, 0.3f, 0.5f};
    c->model.embedding_dim = one_of(r, dims, 5);
    c->model.dropout = drop[tc_rng_below(r, 6)];
    c->model.n_hidden = 0;
    if (c->data.label_separator[0]) { /* multi-label: a ReLU layer the labels share, or none */
        static const int64_t hidden[] = {0, 128, 256, 256};
        c->model.hidden[0] = one_of(r, hidden, 4);
        c->model.n_hidden = c->model.hidden[0] > 0;
    }
    c->model.encoder = tc_rng_below(r, 8) == 0 ? TC_ENC_LSTM : TC_ENC_GAP;
    c->model.lstm.units = one_of(r, units, 2);
    c->model.lstm.bidirectional = 0;
    c->model.lstm.output = TC_LSTM_MEAN;
    if (c->model.encoder == TC_ENC_LSTM) { /* the LSTM reads words, not hashed features */
        c->tokenizer.ngrams = 1;
        c->tokenizer.n_char_ngrams = 0;
    }
}

static void draw_optimizer(tc_config *c, tc_rng *r)
{
    static const int64_t sgd_batch[] = {1, 1, 4, 16}, adam_batch[] = {16, 32, 64, 128};
    int sgd = tc_rng_below(r, 2) == 0;
    c->train.optimizer = sgd ? TC_OPT_SGD : TC_OPT_ADAM;
    c->train.batch_size = sgd ? one_of(r, sgd_batch, 4) : one_of(r, adam_batch, 4);
    c->train.lr = sgd ? log_uniform(r, 0.02f, 0.5f) : log_uniform(r, 3e-4f, 1e-2f);
    c->train.lr_schedule = tc_rng_below(r, 2) ? TC_LR_LINEAR : TC_LR_CONSTANT;
}

/* Fewer buckets until the hashed rows alone (4·dim bytes each as float32)
 * take at most twice max_size (a trained model over max_size is quantized to
 * fit: int8 takes ~1/4 of the float bytes, PQ 1/8 or less, so half of the
 * quantized file is left for the vocabulary's rows), and at most 256 MB
 * (Adam keeps five times that in training, and trials run side by side). */
static void fit_size(tc_config *c, uint64_t max_size)
{
    uint64_t cap = (uint64_t)256 << 20;
    if (max_size && max_size * 2 < cap)
        cap = max_size * 2;
    while (c->tokenizer.buckets > 1024 && (uint64_t)c->tokenizer.buckets * 4 * (uint64_t)c->model.embedding_dim > cap)
        c->tokenizer.buckets /= 2;
}

static void describe(const tc_config *c, char *desc, size_t cap)
{
    static const char *const cjk[] = {"char", "bigram", "char+bigram"};
    char chars[32] = "off", hidden[32] = "";
    if (c->model.n_hidden)
        snprintf(hidden, sizeof hidden, " hidden %lld", (long long)c->model.hidden[0]);
    if (c->tokenizer.n_char_ngrams)
        snprintf(chars, sizeof chars, "%lld-%lld", (long long)c->tokenizer.char_ngrams[0],
                 (long long)c->tokenizer.char_ngrams[1]);
    snprintf(desc, cap,
             "%s dim %lld%s ngrams %lld chars %s cjk %s min_count %lld buckets %lld %s lr %.4g %s "
             "batch %lld dropout %.2g",
             c->model.encoder == TC_ENC_LSTM ? "lstm" : "gap", (long long)c->model.embedding_dim, hidden,
             (long long)c->tokenizer.ngrams, chars, cjk[c->tokenizer.cjk], (long long)c->tokenizer.min_count,
             (long long)c->tokenizer.buckets, c->train.optimizer == TC_OPT_SGD ? "sgd" : "adam", (double)tc_train_lr(c),
             c->train.lr_schedule == TC_LR_LINEAR ? "linear" : "constant", (long long)c->train.batch_size,
             (double)c->model.dropout);
}

void tc_tune_draw(const tc_config *base, int cjk, uint64_t seed, int id, uint64_t max_size, tc_config *out, char *desc,
                  size_t cap)
{
    *out = *base;
    if (id > 0) {
        tc_rng r;
        tc_rng_seed(&r, seed * 0x9E3779B97F4A7C15ull + (uint64_t)id);
        draw_tokens(out, cjk, &r);
        draw_model(out, &r);
        draw_optimizer(out, &r);
    }
    fit_size(out, max_size);
    describe(out, desc, cap);
}

/* ---- one trial: files, child process, score ------------------------------ */

typedef struct slot {
    pid_t pid; /* 0 = free */
    int idx;   /* into the run's trial list */
    double started;
} slot;

typedef struct tune_run {
    const tc_config *base;
    int cjk;
    const tc_tune_opts *o;
    tc_trial *t;    /* every trial of the plan reached so far */
    tc_config *cfg; /* their configs (with the rung's epochs) */
    size_t n, cap_t, cap_c;
    tc_trial *done; /* results read back from trials.jsonl (--resume) */
    size_t ndone;
    int best;          /* index into t, -1 = none */
    int fallback;      /* a stopped trial's best epoch so far, used when no trial finished; -1 */
    int base_idx;      /* index of trial 0 once it scored (its model is kept), -1 */
    int started_count; /* trials started or resumed (for max_trials) */
    int finished;
    double t0, before; /* start of this run; seconds of earlier runs */
    int ended;         /* budget or stop: cut the running trials, start nothing more */
    int exhausted;     /* max_trials started: let the running ones finish */
    int interrupted;
    FILE *log;    /* trials.jsonl, kept in memory (open_memstream) */
    char *logbuf; /* ... and written atomically after each line */
    size_t loglen;
    char logpath[TC_PATH_MAX + 32];
    int log_failed; /* a write of it failed: log_err says how; the search stops */
    tc_err log_err;
    slot *slots;
    int bracket, rung;
} tune_run;

static double elapsed(const tune_run *s)
{
    return s->before + tc_tune_now() - s->t0;
}

static void trial_path(const tune_run *s, const tc_trial *t, const char *ext, char *out, size_t cap)
{
    snprintf(out, cap, "%s/trial-%04d-r%d.%s", s->o->dir, t->id, t->rung, ext);
}

/* The trial's config file: everything resolved, one thread, the tune
 * metric as the early-stopping monitor, the best epoch kept. */
static int write_trial_config(const tune_run *s, const tc_trial *t, tc_config *c, tc_err *err)
{
    c->train.epochs = t->epochs;
    c->train.threads = 1;
    c->train.seed = s->o->seed;
    c->train.early_stopping.patience = 2;
    c->train.early_stopping.min_delta = 0;
    static const enum tc_monitor monitor[] = {TC_MON_VAL_ACCURACY, TC_MON_VAL_MACRO_F1, TC_MON_VAL_MICRO_F1};
    c->train.early_stopping.monitor = monitor[s->o->metric];
    /* F1 of multi-label data is scored at thresholds chosen on the
     * validation rows, as the trial's model then predicts (no effect on
     * single-label data) */
    c->train.tune_thresholds = s->o->metric != TC_TUNE_ACCURACY;
    if (!c->data.valid[0] && c->train.validation_split <= 0)
        c->train.validation_split = 0.1f;
    c->data.test[0] = 0;
    c->output.save_best = 1;
    c->output.checkpoint_every = 0;
    trial_path(s, t, "bin", c->output.model, sizeof c->output.model);
    trial_path(s, t, "jsonl", c->output.metrics, sizeof c->output.metrics);
    trial_path(s, t, "ckpt", c->output.checkpoint, sizeof c->output.checkpoint);
    char *yaml = tc_config_to_yaml(c, err), path[TC_PATH_MAX + 32];
    if (!yaml)
        return -1;
    trial_path(s, t, "yaml", path, sizeof path);
    int rc = tc_write_atomic(path, yaml, strlen(yaml), err);
    free(yaml);
    return rc;
}

/* Starts `textclf train TRIAL.yaml -q` in its own process group, stderr
 * and stdout into TRIAL.log. */
static pid_t launch(const tune_run *s, const tc_trial *t, tc_err *err)
{
    char yaml[TC_PATH_MAX + 32], logp[TC_PATH_MAX + 32];
    trial_path(s, t, "yaml", yaml, sizeof yaml);
    trial_path(s, t, "log", logp, sizeof logp);
    pid_t pid = fork();
    if (pid < 0)
        return tc_err_set(err, "fork: %s", strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a search killed outright takes its trials along */
        if (getppid() == 1)
            _exit(127);
        int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(s->o->exe, "textclf", "train", yaml, "-q", (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    return pid;
}

/* One rung of the size ladder: the float model at `from` pruned to `cutoff`
 * rows (0 = all) and quantized (pq, else int8) into `to`; its bytes. */
static int shrink_to(const char *from, const char *to, int pq, int dsub, uint64_t cutoff, uint64_t seed,
                     uint64_t *bytes, int *rows, tc_err *err)
{
    tc_bundle b;
    tc_bundle_init(&b);
    tc_shrink_opts o = {.cutoff = cutoff};
    tc_quant_opts_default(&o.q);
    o.q.pq = pq, o.q.dsub = dsub, o.q.seed = seed;
    uint64_t kept;
    struct stat st;
    int rc = tc_checkpoint_load(from, &b, err);
    if (rc == 0)
        *rows = b.model->s.V;
    if (rc == 0)
        rc = tc_shrink(&b, &o, &kept, err) == 0 && tc_checkpoint_save(to, &b, err) == 0 ? 0 : -1;
    if (rc == 0 && stat(to, &st) != 0)
        rc = tc_err_set(err, "%s: %s", to, strerror(errno));
    if (rc == 0)
        *bytes = (uint64_t)st.st_size;
    tc_bundle_free(&b);
    return rc;
}

/* A trained float model over max_size made to fit, the least lossy way
 * first: int8 weights; then a product-quantized embedding (2 values a byte);
 * then that with the embedding rows of smallest norm pruned, the cut sized
 * from the bytes a row takes, and shrunk by a tenth until it fits, but never
 * below half the rows (the trial keeps its float model's validation score,
 * which int8 and PQ barely move but a deeper cut would; such a trial is too
 * big).  The model file is replaced and c->output.quantize says how (what
 * the best config's YAML then asks train to do).  1 if it now fits, 0 if
 * not. */
static int fit_model(const tune_run *s, tc_trial *t, tc_config *c)
{
    char path[TC_PATH_MAX + 32], tmp[TC_PATH_MAX + 48];
    trial_path(s, t, "bin", path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.fit", path);
    uint64_t bytes = 0, max = s->o->max_size, cutoff = 0;
    int rows = 0, dsub = c->model.embedding_dim % 2 == 0 ? 2 : 1, fits = 0;
    tc_err err;
    for (int step = 0; step < 8 && !fits; step++) {
        int pq = step > 0;
        if (step >= 2) { /* cut the rows: from the PQ size, a row's bytes (code, norm, word) */
            uint64_t per_row = (uint64_t)(c->model.embedding_dim / dsub) + 1 + 8;
            uint64_t base = cutoff ? cutoff : (uint64_t)rows;
            uint64_t drop = (bytes - max + per_row - 1) / per_row;
            cutoff = step == 2 ? (drop < base ? base - drop : 0) : cutoff - cutoff / 10;
            if (cutoff < (uint64_t)rows / 2)
                break;
        }
        if (shrink_to(path, tmp, pq, dsub, cutoff, c->train.seed, &bytes, &rows, &err) < 0)
            break;
        fits = bytes <= max;
        if (fits) {
            c->output.quantize.method = pq ? TC_QUANT_PQ : TC_QUANT_INT8;
            c->output.quantize.dsub = dsub;
            c->output.quantize.cutoff = (int64_t)cutoff;
            snprintf(t->quant, sizeof t->quant, "%s%s", pq ? "pq" : "int8", cutoff ? " cutoff" : "");
            if (cutoff)
                snprintf(t->quant, sizeof t->quant, "pq cutoff %llu", (unsigned long long)cutoff);
        }
    }
    if (fits && rename(tmp, path) == 0) {
        t->size = bytes;
        return 1;
    }
    unlink(tmp);
    return 0;
}

/* c->output.quantize as a trial's "quantized" value says (--resume). */
static void apply_quant(tc_config *c, const char *q)
{
    unsigned long long k = 0;
    if (!q[0])
        return;
    c->output.quantize.method = !strncmp(q, "pq", 2) ? TC_QUANT_PQ : TC_QUANT_INT8;
    c->output.quantize.dsub = c->model.embedding_dim % 2 == 0 ? 2 : 1;
    c->output.quantize.cutoff = sscanf(q, "pq cutoff %llu", &k) == 1 ? (int64_t)k : 0;
}

/* Score of a finished child: the kept epoch's validation score. */
static void score(const tune_run *s, tc_trial *t, tc_config *c, int wstatus)
{
    char path[TC_PATH_MAX + 32];
    tc_epoch_log *h = NULL;
    size_t n = 0;
    tc_err err;
    t->status = TC_TRIAL_FAILED;
    t->score = NAN;
    trial_path(s, t, "jsonl", path, sizeof path);
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0 || tc_history_read(path, &h, &n, &err) < 0 || n == 0) {
        free(h);
        return;
    }
    const tc_epoch_log *b = &h[n - 1];
    for (size_t i = 0; i < n; i++)
        if (h[i].best)
            b = &h[i];
    t->epochs_run = (int)n;
    t->best_epoch = b->epoch;
    t->score = s->o->metric == TC_TUNE_MACRO_F1 ? b->val_macro_f1
        : s->o->metric == TC_TUNE_MICRO_F1      ? b->val_micro_f1
                                                : b->val_accuracy;
    free(h);
    struct stat st;
    trial_path(s, t, "bin", path, sizeof path);
    if (isnan(t->score) || stat(path, &st) != 0)
        return;
    t->size = (uint64_t)st.st_size;
    t->status = TC_TRIAL_OK;
    if (s->o->max_size && t->size > s->o->max_size && (!c || !fit_model(s, t, c)))
        t->status = TC_TRIAL_TOO_BIG;
}

/* A trial the budget stopped: its best epoch so far, if it has one (save_best
 * has the model file hold it, rewritten atomically).  1 if it has a score. */
static int score_partial(const tune_run *s, tc_trial *t)
{
    score(s, t, NULL, 0); /* as if it had exited 0; not quantized (no time left for it) */
    int ok = t->status == TC_TRIAL_OK;
    t->status = TC_TRIAL_CUT;
    return ok;
}

/* ---- the results file ---------------------------------------------------- */

static const char *const STATUS[] = {"ok", "failed", "too_big", "cut"};

/* trials.jsonl as it stands in memory replaces the file (store/safefile.h):
 * an interruption leaves the old lines or the new, never half a line. */
static int save_log(tune_run *s, tc_err *err)
{
    if (fflush(s->log) != 0)
        return tc_err_oom(err, "trials log");
    return tc_write_atomic(s->logpath, s->logbuf, s->loglen, err);
}

static void write_line(FILE *f, const tc_trial *t, double at)
{
    fprintf(f, "{\"trial\":%d,\"rung\":%d,\"bracket\":%d,\"epochs\":%lld,\"status\":\"%s\"", t->id, t->rung, t->bracket,
            (long long)t->epochs, STATUS[t->status]);
    if (!isnan(t->score))
        fprintf(f, ",\"score\":%.6f", t->score);
    fprintf(f, ",\"epochs_run\":%d,\"best_epoch\":%d,\"size\":%llu,", t->epochs_run, t->best_epoch,
            (unsigned long long)t->size);
    if (t->quant[0])
        fprintf(f, "\"quantized\":\"%s\",", t->quant);
    fprintf(f, "\"seconds\":%.3f,\"elapsed\":%.3f,\"settings\":\"%s\"}\n", t->seconds, at, t->desc);
    fflush(f);
}

/* The header names what the plan depends on; --resume checks it. */
static void header(char *out, size_t cap, const tc_tune_opts *o, uint32_t base_crc)
{
    snprintf(out, cap, "{\"tune\":1,\"seed\":%llu,\"metric\":\"%s\",\"max_size\":%llu,\"base_crc32\":\"%08x\"}",
             (unsigned long long)o->seed, tc_tune_metric_name(o->metric), (unsigned long long)o->max_size,
             (unsigned)base_crc);
}

static int parse_line(json_t *j, tc_trial *t, double *at)
{
    memset(t, 0, sizeof *t);
    const char *st = json_string_value(json_object_get(j, "status"));
    json_t *sc = json_object_get(j, "score");
    t->id = (int)json_integer_value(json_object_get(j, "trial"));
    t->rung = (int)json_integer_value(json_object_get(j, "rung"));
    t->bracket = (int)json_integer_value(json_object_get(j, "bracket"));
    t->epochs = json_integer_value(json_object_get(j, "epochs"));
    t->epochs_run = (int)json_integer_value(json_object_get(j, "epochs_run"));
    t->best_epoch = (int)json_integer_value(json_object_get(j, "best_epoch"));
    t->size = (uint64_t)json_integer_value(json_object_get(j, "size"));
    t->seconds = json_number_value(json_object_get(j, "seconds"));
    *at = json_number_value(json_object_get(j, "elapsed"));
    t->score = sc ? json_number_value(sc) : NAN;
    const char *d = json_string_value(json_object_get(j, "settings"));
    snprintf(t->desc, sizeof t->desc, "%s", d ? d : "");
    d = json_string_value(json_object_get(j, "quantized"));
    snprintf(t->quant, sizeof t->quant, "%s", d ? d : "");
    t->status = TC_TRIAL_CUT;
    for (int i = 0; st && i < 4; i++)
        if (!strcmp(st, STATUS[i]))
            t->status = (enum tc_trial_status)i;
    return st && t->status != TC_TRIAL_CUT ? 0 : -1;
}

/* --resume: the finished trials of trials.jsonl; the header must match. */
static int read_results(tune_run *s, const char *path, const char *want, tc_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return tc_err_set(err, "--resume: %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, cap_done = 0;
    ssize_t len;
    int rc = 0, lineno = 0;
    while (rc == 0 && (len = getline(&line, &cap, f)) > 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (lineno == 1) {
            if (strcmp(line, want) != 0)
                rc = tc_err_set(err,
                                "--resume: %s was made by another search (%s; now %s): same data, config, "
                                "--seed, --metric and --max-model-size needed",
                                path, line, want);
            fprintf(s->log, "%s\n", line);
            continue;
        }
        json_t *j = json_loadb(line, (size_t)len, 0, NULL);
        tc_trial t;
        double at;
        if (!j) {
            if (!feof(f)) /* a last line cut short by the interruption is dropped */
                rc = tc_err_set(err, "--resume: %s:%d: not a JSON object", path, lineno);
            continue;
        }
        fprintf(s->log, "%s\n", line); /* every whole line stays in the log */
        if (parse_line(j, &t, &at) == 0 &&
            tc_grow((void **)&s->done, &cap_done, s->ndone + 1, sizeof t, "tune results", err) == 0)
            s->done[s->ndone++] = t;
        if (at > s->before)
            s->before = at;
        json_decref(j);
    }
    if (rc == 0 && lineno == 0)
        rc = tc_err_set(err, "--resume: %s is empty", path);
    free(line);
    fclose(f);
    return rc;
}

static const tc_trial *find_done(const tune_run *s, int id, int rung)
{
    for (size_t i = 0; i < s->ndone; i++)
        if (s->done[i].id == id && s->done[i].rung == rung)
            return &s->done[i];
    return NULL;
}

/* ---- the scheduler ------------------------------------------------------- */

/* a before b in the ranking: scored, higher score, later rung, lower id (a
 * total order, so the best does not depend on which trial finished first) */
static int better(const tc_trial *a, const tc_trial *b)
{
    int sa = a->status == TC_TRIAL_OK, sb = b->status == TC_TRIAL_OK;
    if (sa != sb)
        return sa;
    if (!sa)
        return a->id < b->id;
    if (a->score != b->score)
        return a->score > b->score;
    if (a->rung != b->rung)
        return a->rung > b->rung;
    return a->id < b->id;
}

static void remove_file(const tune_run *s, const tc_trial *t, const char *ext)
{
    char path[TC_PATH_MAX + 32];
    trial_path(s, t, ext, path, sizeof path);
    unlink(path);
}

static void emit(tune_run *s, int kind, const tc_trial *t)
{
    if (!s->o->on_event)
        return;
    int running = 0;
    for (int i = 0; i < s->o->jobs; i++)
        running += s->slots[i].pid != 0;
    tc_tune_event ev = {
        kind,       t,      s->best >= 0 ? &s->t[s->best] : NULL, elapsed(s), s->o->budget_s, s->finished, running,
        s->bracket, s->rung};
    s->o->on_event(s->o->ctx, &ev);
}

/* A trial is over: into the results file (unless read from it), the best
 * model kept and every other model file removed. */
static void settle(tune_run *s, int idx, int from_file)
{
    tc_trial *t = &s->t[idx];
    s->finished++;
    if (!from_file) {
        write_line(s->log, t, elapsed(s));
        if (!s->log_failed && save_log(s, &s->log_err) < 0)
            s->log_failed = s->ended = 1; /* --resume could not find what ran: stop, keep what we have */
    }
    remove_file(s, t, "ckpt");
    if (t->status == TC_TRIAL_OK && t->id == 0)
        s->base_idx = idx; /* its model stays: results() may choose it over a barely better one */
    if (t->status == TC_TRIAL_OK && (s->best < 0 || better(t, &s->t[s->best]))) {
        if (s->best >= 0 && s->best != s->base_idx)
            remove_file(s, &s->t[s->best], "bin");
        s->best = idx;
    } else if (idx != s->base_idx) {
        remove_file(s, t, "bin");
    }
    emit(s, TC_TUNE_DONE, t);
}

static int add_trial(tune_run *s, int id, int bracket, int rung, const tc_config *c, tc_err *err)
{
    if (tc_grow((void **)&s->t, &s->cap_t, s->n + 1, sizeof *s->t, "tune trials", err) < 0 ||
        tc_grow((void **)&s->cfg, &s->cap_c, s->n + 1, sizeof *s->cfg, "tune trials", err) < 0)
        return -1;
    tc_trial *t = &s->t[s->n];
    memset(t, 0, sizeof *t);
    t->id = id, t->bracket = bracket, t->rung = rung;
    t->status = TC_TRIAL_PENDING;
    t->score = NAN;
    int64_t e = s->o->rung0_epochs > 0 ? s->o->rung0_epochs : 1;
    for (int r = 0; r < rung && e < MAX_EPOCHS; r++)
        e *= ETA;
    if (id == 0) /* the base: its own epochs (autoconf: early stopping decides) */
        e = c->train.epochs;
    t->epochs = e < MAX_EPOCHS ? e : MAX_EPOCHS;
    s->cfg[s->n] = *c;
    s->cfg[s->n].train.epochs = t->epochs;
    describe(c, t->desc, sizeof t->desc);
    return (int)s->n++;
}

static void check_end(tune_run *s)
{
    /* kept for stopping the trials (a killed process still has to give its
     * memory back) and writing the results: 4% of the budget, 0.3 to 3 s */
    double reserve = s->o->budget_s * 0.04;
    reserve = reserve < 0.3 ? 0.3 : reserve > 3 ? 3 : reserve;
    if (s->o->stop && *s->o->stop)
        s->ended = s->interrupted = 1;
    if (s->o->budget_s > 0 && elapsed(s) >= s->o->budget_s - reserve)
        s->ended = 1;
}

/* Stops the running trials (the budget or Ctrl-C ended the search). */
static void cut_running(tune_run *s)
{
    for (int i = 0; i < s->o->jobs; i++) /* all at once: they die in parallel */
        if (s->slots[i].pid)
            kill(-s->slots[i].pid, SIGKILL);
    for (int i = 0; i < s->o->jobs; i++) {
        slot *sl = &s->slots[i];
        if (!sl->pid)
            continue;
        waitpid(sl->pid, NULL, 0);
        tc_trial *t = &s->t[sl->idx];
        t->seconds = tc_tune_now() - sl->started;
        char path[TC_PATH_MAX + 32];
        trial_path(s, t, "bin", path, sizeof path);
        tc_remove_stale_temps(path);
        remove_file(s, t, "ckpt");
        /* nothing finished: keep the better stopped trial's best epoch so far
         * (timing decides it, so it is never logged: --resume runs it again) */
        int keep = s->best < 0 && score_partial(s, t) && (s->fallback < 0 || t->score > s->t[s->fallback].score);
        t->status = TC_TRIAL_CUT;
        if (keep && s->fallback >= 0)
            remove_file(s, &s->t[s->fallback], "bin");
        if (keep)
            s->fallback = sl->idx;
        else
            remove_file(s, t, "bin");
        sl->pid = 0;
        emit(s, TC_TUNE_DONE, t);
    }
}

/* Reaps finished children; returns how many. */
static int reap(tune_run *s)
{
    int n = 0, st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        for (int i = 0; i < s->o->jobs; i++) {
            slot *sl = &s->slots[i];
            if (sl->pid != pid)
                continue;
            sl->pid = 0;
            tc_trial *t = &s->t[sl->idx];
            t->seconds = tc_tune_now() - sl->started;
            score(s, t, &s->cfg[sl->idx], st);
            settle(s, sl->idx, 0);
            n++;
        }
    }
    return n;
}

static slot *free_slot(tune_run *s)
{
    for (int i = 0; i < s->o->jobs; i++)
        if (!s->slots[i].pid)
            return &s->slots[i];
    return NULL;
}

/* Runs the trials idx[0..n) (one rung), at most jobs at once. */
static int run_rung(tune_run *s, const int *idx, int n, tc_err *err)
{
    int next = 0;
    double tick = 0;
    for (;;) {
        check_end(s);
        if (s->ended) {
            cut_running(s);
            return 0;
        }
        slot *sl;
        while (next < n && !s->exhausted && (sl = free_slot(s)) != NULL) {
            int i = idx[next];
            tc_trial *t = &s->t[i];
            const tc_trial *d = find_done(s, t->id, t->rung);
            if (s->o->max_trials && s->started_count >= s->o->max_trials) {
                s->exhausted = 1;
                break;
            }
            s->started_count++;
            next++;
            if (d) {
                *t = *d;
                apply_quant(&s->cfg[i], t->quant);
                settle(s, i, 1);
                continue;
            }
            if (write_trial_config(s, t, &s->cfg[i], err) < 0)
                return -1;
            pid_t pid = launch(s, t, err);
            if (pid < 0)
                return -1;
            *sl = (slot){pid, i, tc_tune_now()};
        }
        int running = 0;
        for (int k = 0; k < s->o->jobs; k++)
            running += s->slots[k].pid != 0;
        if (!running && (next >= n || s->exhausted))
            return 0;
        if (reap(s) == 0) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (tc_tune_now() - tick >= 0.25) {
            tick = tc_tune_now();
            emit(s, TC_TUNE_TICK, NULL);
        }
    }
}

static int cmp_rank(const void *a, const void *b, void *ctx)
{
    const tc_trial *t = ctx;
    const tc_trial *x = &t[*(const int *)a], *y = &t[*(const int *)b];
    return better(x, y) ? -1 : better(y, x) ? 1 : 0;
}

/* Sorts idx[0..n) best first (insertion sort: a rung has few trials). */
static void rank(const tune_run *s, int *idx, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && cmp_rank(&idx[j], &idx[j - 1], s->t) < 0; j--) {
            int x = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = x;
        }
}

/* Bracket k: 9·3^k draws, halved by ETA rung after rung down to one. */
static int run_bracket(tune_run *s, int k, int *first_id, tc_err *err)
{
    int n = FIRST_BRACKET;
    for (int i = 0; i < k; i++)
        n *= ETA;
    int *idx = malloc((size_t)n * sizeof *idx), rc = 0;
    if (!idx)
        return tc_err_oom(err, "tune bracket");
    s->bracket = k;
    for (int i = 0; i < n && rc == 0; i++) {
        tc_config c;
        char desc[256];
        tc_tune_draw(s->base, s->cjk, s->o->seed, *first_id + i, s->o->max_size, &c, desc, sizeof desc);
        idx[i] = add_trial(s, *first_id + i, k, 0, &c, err);
        rc = idx[i] < 0 ? -1 : 0;
    }
    *first_id += n;
    for (int r = 0, m = n; rc == 0; r++) {
        s->rung = r;
        if (run_rung(s, idx, m, err) < 0) {
            rc = -1;
            break;
        }
        if (s->ended || s->exhausted || m == 1)
            break;
        rank(s, idx, m);
        int w = 0; /* trial 0, the base, trained with its own epochs: never promoted */
        for (int i = 0; i < m; i++)
            if (s->t[idx[i]].id != 0)
                idx[w++] = idx[i];
        if (w == 0)
            break;
        int keep = (w + ETA - 1) / ETA, ok = 0;
        for (int i = 0; i < keep; i++)
            ok += s->t[idx[i]].status == TC_TRIAL_OK;
        for (int i = 0; i < ok && rc == 0; i++) {
            const tc_trial *t = &s->t[idx[i]];
            idx[i] = add_trial(s, t->id, k, r + 1, &s->cfg[idx[i]], err);
            rc = idx[i] < 0 ? -1 : 0;
        }
        if (ok == 0)
            break;
        m = ok;
    }
    free(idx);
    return rc;
}

/* The work folder exists, is a folder, and holds none of the search's
 * inputs: its trial files are written and removed by name. */
static int prepare_dir(const tc_config *base, const tc_tune_opts *o, tc_err *err)
{
    if (mkdir(o->dir, 0755) != 0 && errno != EEXIST)
        return tc_err_set(err, "%s: %s", o->dir, strerror(errno));
    const tc_fileref in[] = {{base->data.train, "data.train", 0},
                             {base->data.valid, "data.valid", 0},
                             {base->data.test, "data.test", 0},
                             {base->model.pretrained, "model.pretrained", 0},
                             {o->source, "the data or config", 0}};
    return tc_files_outside(in, (int)(sizeof in / sizeof in[0]), o->dir, "the tune folder", err);
}

/* A fresh search: the files of an earlier one in dir go. */
static int clear_dir(const char *dir)
{
    static const char *const ext[] = {"yaml", "bin", "jsonl", "log", "ckpt"};
    char path[TC_PATH_MAX + 64];
    for (int id = 0;; id++) {
        int any = 0;
        for (int r = 0; r < 8; r++)
            for (size_t e = 0; e < sizeof ext / sizeof ext[0]; e++) {
                snprintf(path, sizeof path, "%s/trial-%04d-r%d.%s", dir, id, r, ext[e]);
                any |= unlink(path) == 0;
            }
        if (!any && id > 0)
            break;
    }
    return 0;
}

static void results(tune_run *s, tc_tune_result *res)
{
    res->trials = s->finished;
    res->interrupted = s->interrupted;
    res->elapsed = elapsed(s);
    res->best.id = -1;
    res->ntop = 0;
    res->base_kept = 0;
    int b = s->best >= 0 ? s->best : s->fallback;
    res->partial = s->best < 0 && b >= 0;
    if (s->best >= 0 && s->base_idx >= 0 && s->best != s->base_idx && s->o->valid_rows > 0) {
        /* one standard error: a trial replaces the base (what `train` would
         * do) only when it beats it on the validation rows by more than the
         * binomial standard error of the base's score there; the search
         * picks its winner among dozens of noisy scores, and a small lead
         * is mostly that noise (ag_news_small, 400 validation rows: a
         * trial 0.0075 ahead scored 2 pt under the base on test) */
        double p = s->t[s->base_idx].score, se = sqrt(p * (1 - p) / (double)s->o->valid_rows);
        if (s->t[s->best].score - p <= se) {
            res->base_kept = 1;
            res->margin = se;
            res->beaten = s->t[s->best];
            b = s->base_idx;
        }
    }
    if (b >= 0) {
        res->best = s->t[b];
        res->best_cfg = s->cfg[b];
        trial_path(s, &s->t[b], "bin", res->best_model, sizeof res->best_model);
    }
    if (res->partial)
        res->top[res->ntop++] = s->t[b];
    int *idx = malloc((s->n ? s->n : 1) * sizeof *idx), m = 0;
    if (!idx)
        return;
    for (size_t i = 0; i < s->n; i++)
        if (s->t[i].status == TC_TRIAL_OK || s->t[i].status == TC_TRIAL_TOO_BIG)
            idx[m++] = (int)i;
    rank(s, idx, m);
    for (int i = 0; i < m && res->ntop < (int)(sizeof res->top / sizeof res->top[0]); i++)
        res->top[res->ntop++] = s->t[idx[i]];
    free(idx);
}

int tc_tune_run(const tc_config *base, int cjk, const tc_tune_opts *o, tc_tune_result *res, tc_err *err)
{
    if (o->jobs < 1 || (o->budget_s <= 0 && o->max_trials <= 0))
        return tc_err_set(err, "tune: needs jobs >= 1 and a budget or a trial limit");
    tune_run s = {.base = base,
                  .cjk = cjk,
                  .o = o,
                  .best = -1,
                  .fallback = -1,
                  .base_idx = -1,
                  .t0 = o->started > 0 ? o->started : tc_tune_now()};
    char *yaml = tc_config_to_yaml(base, err), head[256], path[TC_PATH_MAX + 32];
    if (!yaml)
        return -1;
    header(head, sizeof head, o, tc_crc32(0, yaml, strlen(yaml)));
    free(yaml);
    snprintf(s.logpath, sizeof s.logpath, "%s/trials.jsonl", o->dir);
    snprintf(path, sizeof path, "%s", s.logpath);
    s.log = open_memstream(&s.logbuf, &s.loglen);
    int rc = s.log ? 0 : tc_err_oom(err, "trials log");
    if (rc == 0)
        rc = prepare_dir(base, o, err);
    if (rc == 0)
        rc = o->resume ? read_results(&s, path, head, err) : clear_dir(o->dir);
    if (rc == 0 && !o->resume)
        fprintf(s.log, "%s\n", head);
    if (rc == 0)
        rc = save_log(&s, err);
    s.slots = rc == 0 ? calloc((size_t)o->jobs, sizeof *s.slots) : NULL;
    if (rc == 0 && !s.slots)
        rc = tc_err_oom(err, "tune");
    for (int k = 0, first = 0; rc == 0 && !s.ended && !s.exhausted; k++)
        rc = run_bracket(&s, k, &first, err);
    if (rc < 0 && s.slots)
        cut_running(&s);
    if (rc == 0)
        results(&s, res);
    if (rc == 0 && s.log_failed)
        rc = tc_err_set(err, "%s; the search stopped there", s.log_err.msg);
    if (s.log)
        fclose(s.log);
    free(s.logbuf);
    free(s.slots);
    free(s.t);
    free(s.cfg);
    free(s.done);
    return rc;
}

/* ---- before and after the search ------------------------------------------ */

/* "90", "90s", "10m", "1.5h" → seconds; -1 when malformed. */
double tc_tune_parse_duration(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !(v > 0) || !isfinite(v))
        return -1;
    double mul = !*end || !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 : !strcmp(end, "h") ? 3600 : -1;
    return mul < 0 ? -1 : v * mul;
}

/* "2000000", "500K", "2M", "1G" (powers of 1024; k/m/g too) → bytes; 0 when malformed. */
uint64_t tc_tune_parse_size(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !(v > 0) || !isfinite(v))
        return 0;
    double mul = !*end       ? 1
        : strchr("kK", *end) ? 1024.0
        : strchr("mM", *end) ? 1048576.0
        : strchr("gG", *end) ? 1073741824.0
                             : 0;
    if (*end && end[1] && strcmp(end + 1, "B") && strcmp(end + 1, "iB"))
        mul = 0;
    return v * mul >= 1 && v * mul < 1e18 ? (uint64_t)(v * mul) : 0;
}

/* A data path made absolute, so that trial configs in the work folder
 * (whose relative paths would be taken relative to it) read the same file. */
static int absolute(char *p, size_t cap, const char *key, tc_err *err)
{
    if (!p[0] || !strcmp(p, "-"))
        return p[0] ? tc_err_set(err, "tune: %s: standard input cannot be read by every trial; give a file", key) : 0;
    char *r = realpath(p, NULL);
    if (!r)
        return tc_err_set(err, "%s: %s", p, strerror(errno));
    int rc = strlen(r) < cap ? 0 : tc_err_set(err, "%s: path too long", key);
    if (rc == 0)
        strcpy(p, r);
    free(r);
    return rc;
}

/* The data rows of path read with cfg's data settings, as autoconf counts
 * them (a scratch pass: errors are left to the trials, which report them);
 * 0 when unreadable. */
static uint64_t count_rows(const tc_config *cfg, const char *path)
{
    tc_config *scratch = malloc(sizeof *scratch);
    if (!scratch)
        return 0;
    *scratch = *cfg;
    tc_autoconf ac;
    tc_err ignored;
    uint64_t n = tc_autoconf_data(scratch, path, &ac, &ignored) == 0 ? ac.rows : 0;
    free(scratch);
    return n;
}

int tc_tune_base_config(const char *source, char **sets, int nsets, tc_config *cfg, int *cjk, uint64_t *rows,
                        tc_err *err)
{
    tc_autoconf ac;
    int from_data = !tc_autoconf_is_config(source), rc = tc_autoconf_config(cfg, source, sets, nsets, &ac, err);
    if (rc < 0)
        return rc == -2 ? -2 : -1;
    if (tc_config_validate(cfg, err) < 0)
        return -1;
    *cjk = from_data ? ac.cjk_share >= 0.3 : cfg->tokenizer.cjk != TC_CJK_CHAR;
    *rows = ac.rows;
    if (!from_data) /* a config: count its rows the same way */
        *rows = count_rows(cfg, cfg->data.train);
    if (absolute(cfg->data.train, sizeof cfg->data.train, "data.train", err) < 0 ||
        absolute(cfg->data.valid, sizeof cfg->data.valid, "data.valid", err) < 0 ||
        absolute(cfg->model.pretrained, sizeof cfg->model.pretrained, "model.pretrained", err) < 0)
        return -2;
    return 0;
}

uint64_t tc_tune_valid_rows(const tc_config *base, uint64_t train_rows)
{
    if (!base->data.valid[0]) /* the trials hold out validation_split, 0.1 unless set */
        return (uint64_t)((double)train_rows * (base->train.validation_split > 0 ? base->train.validation_split : 0.1));
    return count_rows(base, base->data.valid);
}

/* MODEL.yaml beside MODEL (the extension replaced). */
void tc_tune_yaml_path(const char *model, char *out, size_t cap)
{
    const char *slash = strrchr(model, '/'), *dot = strrchr(model, '.');
    if (dot && (!slash || dot > slash))
        snprintf(out, cap, "%.*s.yaml", (int)(dot - model), model);
    else
        snprintf(out, cap, "%s.yaml", model);
}

/* MODEL becomes the best trial's file: a hard link renamed over MODEL, so
 * it is instant (the budget's end is no time for copying 100 MB) and
 * atomic; where links do not work, a checked copy (load, atomic save). */
static int place_model(const char *from, const char *to, tc_err *err)
{
    if (tc_link_atomic(from, to, err) == 0)
        return 0;
    tc_bundle b;
    tc_bundle_init(&b);
    int rc = tc_checkpoint_load(from, &b, err) == 0 && tc_checkpoint_save(to, &b, err) == 0 ? 0 : -1;
    tc_bundle_free(&b);
    return rc;
}

/* The best model to `model`, its config (output.model = model) to `yaml`. */
int tc_tune_save_best(const tc_tune_result *r, enum tc_tune_metric metric, const char *model, const char *yaml,
                      tc_err *err)
{
    if (place_model(r->best_model, model, err) < 0)
        return -1;
    tc_config *c = malloc(sizeof *c), *d = malloc(sizeof *d);
    if (!c || !d) {
        free(c), free(d);
        return tc_err_oom(err, "tune");
    }
    *c = r->best_cfg;
    tc_config_defaults(d);
    c->output = d->output;
    c->output.quantize = r->best_cfg.output.quantize; /* how the trial was made to fit --max-model-size */
    c->output.save_best = 1;
    c->train.threads = d->train.threads;
    snprintf(c->output.model, sizeof c->output.model, "%s", model);
    char *text = tc_config_to_yaml(c, err);
    free(c), free(d);
    if (!text)
        return -1;
    char head[TC_PATH_MAX + 256];
    snprintf(head, sizeof head, "# textclf tune: trial %d, validation %s %.4f (train it again: textclf train %s)\n",
             r->best.id, tc_tune_metric_name(metric), r->best.score, yaml);
    size_t hl = strlen(head), yl = strlen(text);
    char *all = malloc(hl + yl + 1);
    if (all) {
        memcpy(all, head, hl);
        memcpy(all + hl, text, yl + 1);
    }
    int rc = all ? tc_write_atomic(yaml, all, hl + yl, err) : tc_err_oom(err, "tune");
    free(all);
    free(text);
    return rc;
}

/* ---- reports -------------------------------------------------------------- */

void tc_tune_print_event(FILE *f, int tty, const char *metric, const tc_tune_event *ev)
{
    if (tty)
        fputs("\r\033[K", f);
    if (ev->kind == TC_TUNE_DONE) {
        const tc_trial *t = ev->trial;
        static const char *const st[] = {"", "failed (see its .log)", "too big", "cut by the budget"};
        if (t->status == TC_TRIAL_OK)
            fprintf(f, "trial %d rung %d (%lld epochs): %s %.4f at epoch %d  %.1f s  %s%s%s\n", t->id, t->rung,
                    (long long)t->epochs, metric, t->score, t->best_epoch, t->seconds, t->desc,
                    t->quant[0] ? ", quantized " : "", t->quant);
        else
            fprintf(f, "trial %d rung %d (%lld epochs): %s  %.1f s  %s\n", t->id, t->rung, (long long)t->epochs,
                    st[t->status], t->seconds, t->desc);
    }
    if (tty) {
        double frac = ev->budget > 0 ? ev->elapsed / ev->budget : 0;
        int w = 24, k = (int)(frac * w + 0.5);
        k = k > w ? w : k;
        fprintf(f, "[%.*s%.*s] %.0f/%.0f s  %d trials done, %d running  bracket %d rung %d", k,
                "########################", w - k, "........................", ev->elapsed, ev->budget, ev->trials_done,
                ev->running, ev->bracket, ev->rung);
        if (ev->best)
            fprintf(f, "  best %s %.4f", metric, ev->best->score);
    }
    fflush(f);
}

void tc_tune_print_table(FILE *f, const tc_tune_result *r, const char *metric)
{
    fprintf(f, "%-4s %-6s %-4s %-6s %-9s %9s  %s\n", "rank", "trial", "rung", "epoch", metric, "size", "settings");
    for (int i = 0; i < r->ntop; i++) {
        const tc_trial *t = &r->top[i];
        fprintf(f, "%-4d %-6d %-4d %-6d %-9.4f %8.2fM  %s%s%s%s%s\n", i + 1, t->id, t->rung, t->best_epoch, t->score,
                (double)t->size / 1048576.0, t->desc, t->quant[0] ? ", quantized " : "", t->quant,
                t->status == TC_TRIAL_TOO_BIG ? "  (too big)" : "",
                r->base_kept && t->id == 0 ? "  (written: rank 1 leads it by less than one standard error)" : "");
    }
}
