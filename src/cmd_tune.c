/* cmd_tune.c — `textclf tune CONFIG|DATA --budget 10m [--metric M]
 * [--max-model-size S] [-o MODEL] [--seed N] [--jobs N] [--max-trials N]
 * [--resume]`: the base config (a YAML file, or the data-aware defaults of a
 * data file), the search (train/tune.h), then the best model, its config as
 * YAML, and a table of the best trials. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "store/checkpoint.h"
#include "store/safefile.h"
#include "train/autoconf.h"
#include "train/tune.h"

static const char HELP[] =
    "usage: textclf tune CONFIG.yaml|DATA.csv --budget TIME [--metric accuracy|macro_f1|micro_f1]\n"
    "                    [--max-model-size SIZE] [-o MODEL] [--seed N] [--jobs N] [--max-trials N]\n"
    "                    [--set KEY=VALUE]... [--resume] [-q]\n"
    "\n"
    "Searches tokenizer features, embedding size, optimizer, learning rate and schedule,\n"
    "dropout, encoder and batch size on a validation hold-out (data.valid, or 10% of the\n"
    "training rows), by successive halving: many settings for 1 epoch, the best third for\n"
    "3, the best third of those for 9, ... in brackets of growing size, until the budget\n"
    "is spent.  Writes the best model to MODEL, its config to MODEL with .yaml, every\n"
    "trial to MODEL.tune/trials.jsonl, and prints a table of the best trials.\n"
    "\n"
    "  --budget TIME        wall clock for the whole search: 90s, 10m, 1h (a plain number\n"
    "                       is seconds); the search stops within it\n"
    "  --max-trials N       stop after N trials instead (or as well): a budget that does not\n"
    "                       depend on the machine, for reproducible runs\n"
    "  --metric M           accuracy (default), macro_f1 (the default for multi-label data)\n"
    "                       or micro_f1 (multi-label: tp, fp, fn pooled over the labels;\n"
    "                       single-label: the same as accuracy)\n"
    "  --max-model-size S   largest model file: 500K, 2M, 1G; a trained model over it is\n"
    "                       quantized to fit (int8, then PQ, then PQ with fewer rows)\n"
    "  -o, --output MODEL   the best model (default tuned.bin)\n"
    "  --seed N             the plan of trials and every trial's seed (default 42)\n"
    "  --jobs N             trials at once (default: the cores), one thread each\n"
    "  --set KEY=VALUE      override a key of the base config\n"
    "  --resume             continue an interrupted search from MODEL.tune/trials.jsonl\n"
    "  -q, --quiet          only errors and the final table\n"
    "\n"
    "The same --seed gives the same trials, scores and best model, whatever the machine's\n"
    "speed, up to the point where the budget stopped it.  Ctrl-C stops the running\n"
    "trials, keeps the best so far and prints the command that continues.\n";

typedef struct tune_args {
    const char *source, *output;
    char **sets;
    int nsets, quiet, resume, jobs, max_trials, metric_set;
    double budget;
    uint64_t max_size, seed;
    enum tc_tune_metric metric;
} tune_args;

/* "90", "90s", "10m", "1.5h" → seconds; -1 when malformed. */
static double parse_duration(const char *s)
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
static uint64_t parse_size(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !(v > 0) || !isfinite(v))
        return 0;
    double mul = !*end ? 1 : strchr("kK", *end) ? 1024.0 : strchr("mM", *end) ? 1048576.0
                 : strchr("gG", *end) ? 1073741824.0 : 0;
    if (*end && end[1] && strcmp(end + 1, "B") && strcmp(end + 1, "iB"))
        mul = 0;
    return v * mul >= 1 && v * mul < 1e18 ? (uint64_t)(v * mul) : 0;
}

static int int_arg(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return tc_fail(TC_EXIT_USAGE, "tune: %s: '%s' is not a whole number in [%ld, %ld]", opt, s, lo, hi);
    *out = v;
    return 0;
}

static int option(tune_args *a, const char *opt, const char *val)
{
    long v;
    if (!strcmp(opt, "--budget")) {
        if ((a->budget = parse_duration(val)) < 0)
            return tc_fail(TC_EXIT_USAGE, "tune: --budget: '%s' is not a duration (90s, 10m, 1h)", val);
    } else if (!strcmp(opt, "--metric")) {
        int m = tc_tune_metric_parse(val);
        if (m < 0)
            return tc_fail(TC_EXIT_USAGE, "tune: --metric: '%s' is not one of accuracy, macro_f1, micro_f1", val);
        a->metric = (enum tc_tune_metric)m;
        a->metric_set = 1;
    } else if (!strcmp(opt, "--max-model-size")) {
        if (!(a->max_size = parse_size(val)))
            return tc_fail(TC_EXIT_USAGE, "tune: --max-model-size: '%s' is not a size (500K, 2M, 1G)", val);
    } else if (!strcmp(opt, "-o") || !strcmp(opt, "--output")) {
        a->output = val;
    } else if (!strcmp(opt, "--seed")) {
        if (int_arg(opt, val, 0, LONG_MAX, &v))
            return TC_EXIT_USAGE;
        a->seed = (uint64_t)v;
    } else if (!strcmp(opt, "--jobs")) {
        if (int_arg(opt, val, 1, 256, &v))
            return TC_EXIT_USAGE;
        a->jobs = (int)v;
    } else if (!strcmp(opt, "--max-trials")) {
        if (int_arg(opt, val, 1, 1000000, &v))
            return TC_EXIT_USAGE;
        a->max_trials = (int)v;
    } else if (!strcmp(opt, "--set")) {
        a->sets[a->nsets++] = (char *)val;
    } else {
        return tc_fail(TC_EXIT_USAGE, "tune: unknown option '%s' (try 'textclf tune --help')", opt);
    }
    return 0;
}

static int parse_args(int argc, char **argv, tune_args *a)
{
    memset(a, 0, sizeof *a);
    a->output = "tuned.bin";
    a->seed = 42;
    a->sets = calloc((size_t)argc, sizeof *a->sets);
    if (!a->sets)
        return tc_fail(TC_EXIT_ERR, "out of memory");
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(HELP, stdout);
            return -1;
        } else if (!strcmp(s, "-q") || !strcmp(s, "--quiet")) {
            a->quiet = 1;
        } else if (!strcmp(s, "--resume")) {
            a->resume = 1;
        } else if (s[0] == '-' && s[1]) {
            const char *eq = strchr(s, '=');
            char opt[32];
            const char *val;
            if (eq && s[1] == '-' && (size_t)(eq - s) < sizeof opt) {
                snprintf(opt, sizeof opt, "%.*s", (int)(eq - s), s);
                val = eq + 1;
            } else if (i + 1 < argc) {
                snprintf(opt, sizeof opt, "%s", s);
                val = argv[++i];
            } else {
                return tc_fail(TC_EXIT_USAGE, "tune: %s needs a value (try 'textclf tune --help')", s);
            }
            int rc = option(a, opt, val);
            if (rc)
                return rc;
        } else if (!a->source) {
            a->source = s;
        } else {
            return tc_fail(TC_EXIT_USAGE, "tune: unexpected argument '%s'", s);
        }
    }
    if (!a->source)
        return tc_fail(TC_EXIT_USAGE, "tune: missing CONFIG.yaml or DATA.csv (try 'textclf tune --help')");
    if (a->budget <= 0 && !a->max_trials)
        return tc_fail(TC_EXIT_USAGE, "tune: --budget TIME (or --max-trials N) is required");
    if (!a->jobs) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        a->jobs = cores < 1 ? 1 : cores > 256 ? 256 : (int)cores;
    }
    return 0;
}

/* A data path made absolute, so that trial configs in the work folder
 * (whose relative paths would be taken relative to it) read the same file. */
static int absolute(char *p, size_t cap, const char *key, tc_err *err)
{
    if (!p[0] || !strcmp(p, "-"))
        return p[0] ? tc_err_set(err, "tune: %s: standard input cannot be read by every trial; give a file", key)
                    : 0;
    char *r = realpath(p, NULL);
    if (!r)
        return tc_err_set(err, "%s: %s", p, strerror(errno));
    int rc = strlen(r) < cap ? 0 : tc_err_set(err, "%s: path too long", key);
    if (rc == 0)
        strcpy(p, r);
    free(r);
    return rc;
}

/* The base config: the YAML file, or the data-aware defaults; *cjk says
 * whether the search should try the CJK modes. */
static int base_config(const tune_args *a, tc_config *cfg, int *cjk, uint64_t *rows, tc_err *err)
{
    tc_autoconf ac;
    int from_data = !tc_autoconf_is_config(a->source), rc = tc_autoconf_config(cfg, a->source, a->sets, a->nsets,
                                                                                &ac, err);
    if (rc < 0)
        return rc == -2 ? TC_EXIT_ERR : TC_EXIT_USAGE;
    if (tc_config_validate(cfg, err) < 0)
        return TC_EXIT_USAGE;
    *cjk = from_data ? ac.cjk_share >= 0.3 : cfg->tokenizer.cjk != TC_CJK_CHAR;
    *rows = ac.rows;
    if (!from_data) {   /* a config: count its rows the same way (a scratch pass, errors left to the trials) */
        tc_config scratch = *cfg;
        tc_err ignored;
        *rows = tc_autoconf_data(&scratch, cfg->data.train, &ac, &ignored) == 0 ? ac.rows : 0;
    }
    if (absolute(cfg->data.train, sizeof cfg->data.train, "data.train", err) < 0 ||
        absolute(cfg->data.valid, sizeof cfg->data.valid, "data.valid", err) < 0 ||
        absolute(cfg->model.pretrained, sizeof cfg->model.pretrained, "model.pretrained", err) < 0)
        return TC_EXIT_ERR;
    return 0;
}

/* ---- progress ------------------------------------------------------------ */

typedef struct tune_view {
    int tty, quiet;
    const char *metric;
} tune_view;

static void on_event(void *ctx, const tc_tune_event *ev)
{
    tune_view *v = ctx;
    if (v->quiet)
        return;
    if (v->tty)
        fputs("\r\033[K", stderr);
    if (ev->kind == TC_TUNE_DONE) {
        const tc_trial *t = ev->trial;
        static const char *const st[] = {"", "failed (see its .log)", "too big", "cut by the budget"};
        if (t->status == TC_TRIAL_OK)
            fprintf(stderr, "trial %d rung %d (%lld epochs): %s %.4f at epoch %d  %.1f s  %s%s%s\n", t->id, t->rung,
                    (long long)t->epochs, v->metric, t->score, t->best_epoch, t->seconds, t->desc,
                    t->quant[0] ? ", quantized " : "", t->quant);
        else
            fprintf(stderr, "trial %d rung %d (%lld epochs): %s  %.1f s  %s\n", t->id, t->rung,
                    (long long)t->epochs, st[t->status], t->seconds, t->desc);
    }
    if (v->tty) {
        double f = ev->budget > 0 ? ev->elapsed / ev->budget : 0;
        int w = 24, k = (int)(f * w + 0.5);
        k = k > w ? w : k;
        fprintf(stderr, "[%.*s%.*s] %.0f/%.0f s  %d trials done, %d running  bracket %d rung %d",
                k, "########################", w - k, "........................", ev->elapsed, ev->budget,
                ev->trials_done, ev->running, ev->bracket, ev->rung);
        if (ev->best)
            fprintf(stderr, "  best %s %.4f", v->metric, ev->best->score);
    }
    fflush(stderr);
}

static void print_table(const tc_tune_result *r, const char *metric)
{
    printf("%-4s %-6s %-4s %-6s %-9s %9s  %s\n", "rank", "trial", "rung", "epoch", metric, "size", "settings");
    for (int i = 0; i < r->ntop; i++) {
        const tc_trial *t = &r->top[i];
        printf("%-4d %-6d %-4d %-6d %-9.4f %8.2fM  %s%s%s%s\n", i + 1, t->id, t->rung, t->best_epoch, t->score,
               (double)t->size / 1048576.0, t->desc, t->quant[0] ? ", quantized " : "", t->quant,
               t->status == TC_TRIAL_TOO_BIG ? "  (too big)" : "");
    }
}

/* MODEL.yaml beside MODEL (the extension replaced). */
static void yaml_path(const char *model, char *out, size_t cap)
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

/* The best model to MODEL, its config (output.model = MODEL) to MODEL.yaml. */
static int write_best(const tune_args *a, tc_tune_result *r, char *ypath, size_t ycap, tc_err *err)
{
    if (place_model(r->best_model, a->output, err) < 0)
        return -1;
    tc_config c = r->best_cfg, d;
    tc_config_defaults(&d);
    c.output = d.output;
    c.output.quantize = r->best_cfg.output.quantize;   /* how the trial was made to fit --max-model-size */
    c.output.save_best = 1;
    c.train.threads = d.train.threads;
    snprintf(c.output.model, sizeof c.output.model, "%s", a->output);
    char *yaml = tc_config_to_yaml(&c, err);
    if (!yaml)
        return -1;
    yaml_path(a->output, ypath, ycap);
    char head[TC_PATH_MAX + 256];
    snprintf(head, sizeof head, "# textclf tune: trial %d, validation %s %.4f (train it again: textclf train %s)\n",
             r->best.id, tc_tune_metric_name(a->metric), r->best.score, ypath);
    size_t hl = strlen(head), yl = strlen(yaml);
    char *all = malloc(hl + yl + 1);
    if (all) {
        memcpy(all, head, hl);
        memcpy(all + hl, yaml, yl + 1);
    }
    int rc = all ? tc_write_atomic(ypath, all, hl + yl, err) : tc_err_oom(err, "tune");
    free(all);
    free(yaml);
    return rc;
}

static int run(tune_args *a, volatile sig_atomic_t *stop)
{
    double started = tc_tune_now();   /* the budget covers reading the data too */
    tc_err err = {{0}};
    tc_config *base = malloc(sizeof *base);
    tc_tune_result *res = calloc(1, sizeof *res);
    if (!base || !res) {
        free(base);
        free(res);
        return tc_fail(TC_EXIT_ERR, "out of memory");
    }
    int cjk = 0;
    uint64_t rows = 0;
    int code = base_config(a, base, &cjk, &rows, &err);
    if (code) {
        free(base);
        free(res);
        return tc_fail(code, "%s", err.msg);
    }
    if (!a->metric_set && base->data.label_separator[0])
        a->metric = TC_TUNE_MACRO_F1;
    char dir[TC_PATH_MAX + 8], exe[TC_PATH_MAX];
    snprintf(dir, sizeof dir, "%s.tune", a->output);
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        free(base);
        free(res);
        return tc_fail(TC_EXIT_ERR, "tune: cannot find the textclf binary (/proc/self/exe): %s", strerror(errno));
    }
    exe[n] = 0;
    tune_view view = {isatty(2), a->quiet, tc_tune_metric_name(a->metric)};
    tc_tune_opts o = {.exe = exe, .dir = dir, .source = a->source, .budget_s = a->budget, .started = started, .max_trials = a->max_trials,
                      .metric = a->metric, .max_size = a->max_size, .seed = a->seed, .jobs = a->jobs,
                      .rung0_epochs = tc_tune_rung0_epochs(rows), .resume = a->resume, .stop = stop,
                      .on_event = on_event, .ctx = &view};
    char ypath[TC_PATH_MAX + 8];
    yaml_path(a->output, ypath, sizeof ypath);
    /* the outputs are not inputs, and no other run writes them (store/safefile.h) */
    tc_fileref files[] = {{a->source, "the data or config", 0}, {base->data.train, "data.train", 0},
                          {base->data.valid, "data.valid", 0}, {base->data.test, "data.test", 0},
                          {base->model.pretrained, "model.pretrained", 0}, {a->output, "-o", 1},
                          {ypath, "the best config", 1}};
    tc_outlock lm = TC_OUTLOCK_INIT, ly = TC_OUTLOCK_INIT;
    if (tc_files_distinct(files, (int)(sizeof files / sizeof files[0]), &err) < 0 || tc_output_prepare(a->output, "-o", &lm, &err) < 0 ||
        tc_output_prepare(ypath, "the best config", &ly, &err) < 0) {
        tc_outlock_release(&lm);
        tc_outlock_release(&ly);
        free(base);
        free(res);
        return tc_fail(TC_EXIT_USAGE, "%s", err.msg);
    }
    if (!a->quiet)
        fprintf(stderr, "tune: %s, %s on the validation rows, budget %.0f s%s, %d trials at once, seed %llu, "
                "rung 0 = %lld epochs (%llu rows); trials in %s%s\n", a->source, view.metric, a->budget,
                !a->max_trials ? "" : a->budget > 0 ? " or the trial limit" : " (none: the trial limit)", a->jobs, (unsigned long long)a->seed,
                (long long)o.rung0_epochs, (unsigned long long)rows, dir,
                a->max_size ? "; models over the size limit quantized to fit" : "");
    code = TC_EXIT_OK;
    if (tc_tune_run(base, cjk, &o, res, &err) < 0)
        code = tc_fail(TC_EXIT_ERR, "%s", err.msg);
    else if (view.tty && !a->quiet)
        fputs("\r\033[K", stderr);
    if (code == TC_EXIT_OK && res->best.id < 0)
        code = tc_fail(res->interrupted ? TC_EXIT_INTERRUPTED : TC_EXIT_ERR,
                       "tune: no trial finished%s (see %s/*.log)", a->max_size ? " within the size limit" : "", dir);
    if (code == TC_EXIT_OK && write_best(a, res, ypath, sizeof ypath, &err) < 0)
        code = tc_fail(TC_EXIT_ERR, "%s", err.msg);
    if (code == TC_EXIT_OK) {
        print_table(res, view.metric);
        if (res->partial)
            fprintf(stderr, "tune: no trial finished within the budget; %s is trial %d's best epoch so far (epoch %d "
                    "of %d run), %s %.4f on validation: a longer --budget gives a real search\n", a->output,
                    res->best.id, res->best.best_epoch, res->best.epochs_run, view.metric, res->best.score);
        if (!a->quiet)
            fprintf(stderr, "tune: %d trials in %.1f s; best: trial %d, %s %.4f; wrote %s and %s\n", res->trials,
                    res->elapsed, res->best.id, view.metric, res->best.score, a->output, ypath);
        if (res->interrupted)
            code = tc_fail(TC_EXIT_INTERRUPTED, "tune: interrupted; %s holds the best so far; continue with the same "
                           "command and --resume", a->output);
    }
    tc_outlock_release(&lm);
    tc_outlock_release(&ly);
    free(base);
    free(res);
    return code;
}

int tc_cmd_tune(int argc, char **argv, volatile sig_atomic_t *stop)
{
    tune_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc == 0)
        rc = run(&a, stop);
    free(a.sets);
    return rc < 0 ? TC_EXIT_OK : rc;
}
