/* cmd_tune.c — `textclf tune CONFIG|DATA --budget 10m [--metric M]
 * [--max-model-size S] [-o MODEL] [--seed N] [--jobs N] [--max-trials N]
 * [--resume]`: the base config (a YAML file, or the data-aware defaults of a
 * data file), the search (train/tune.h), then the best model, its config as
 * YAML, and a table of the best trials. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "store/safefile.h"
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

/* The option at hand (av->opt, av->val); the loop stops at an error. */
static void option(tune_args *a, tc_argv *av)
{
    const char *val = av->val;
    long v;
    if (tc_argv_is(av, "--budget")) {
        if ((a->budget = tc_tune_parse_duration(val)) < 0)
            tc_argv_stop(av, tc_fail(TC_EXIT_USAGE, "tune: --budget: '%s' is not a duration (90s, 10m, 1h)", val));
    } else if (tc_argv_is(av, "--metric")) {
        int m = tc_tune_metric_parse(val);
        if (m < 0)
            tc_argv_stop(
                av, tc_fail(TC_EXIT_USAGE, "tune: --metric: '%s' is not one of accuracy, macro_f1, micro_f1", val));
        else
            a->metric = (enum tc_tune_metric)m;
        a->metric_set = 1;
    } else if (tc_argv_is(av, "--max-model-size")) {
        if (!(a->max_size = tc_tune_parse_size(val)))
            tc_argv_stop(av, tc_fail(TC_EXIT_USAGE, "tune: --max-model-size: '%s' is not a size (500K, 2M, 1G)", val));
    } else if (tc_argv_is(av, "-o|--output")) {
        a->output = val;
    } else if (tc_argv_is(av, "--seed")) {
        if (!tc_argv_long(av, 0, LONG_MAX, &v))
            a->seed = (uint64_t)v;
    } else if (tc_argv_is(av, "--jobs")) {
        if (!tc_argv_long(av, 1, 256, &v))
            a->jobs = (int)v;
    } else if (tc_argv_is(av, "--max-trials")) {
        if (!tc_argv_long(av, 1, 1000000, &v))
            a->max_trials = (int)v;
    } else if (tc_argv_is(av, "--set")) {
        a->sets[a->nsets++] = (char *)val;
    } else if (tc_argv_is(av, "-q|--quiet")) {
        a->quiet = 1;
    } else if (tc_argv_is(av, "--resume")) {
        a->resume = 1;
    } else {
        tc_argv_positional(av, &a->source, 1);
    }
}

static int parse_args(int argc, char **argv, tune_args *a)
{
    memset(a, 0, sizeof *a);
    a->output = "tuned.bin";
    a->seed = 42;
    a->sets = calloc((size_t)argc, sizeof *a->sets);
    if (!a->sets)
        return tc_fail(TC_EXIT_ERR, "out of memory");
    tc_argv av;
    tc_argv_init(&av, "tune", HELP, "--budget --metric --max-model-size -o --output --seed --jobs --max-trials --set",
                 argc, argv);
    while (tc_argv_next(&av))
        option(a, &av);
    if (av.code)
        return av.code;
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

/* ---- progress ------------------------------------------------------------ */

typedef struct tune_view {
    int tty, quiet;
    const char *metric;
} tune_view;

static void on_event(void *ctx, const tc_tune_event *ev)
{
    const tune_view *v = ctx;
    if (!v->quiet)
        tc_tune_print_event(stderr, v->tty, v->metric, ev);
}

/* One search: its base config, work folder, outputs (locked) and result. */
typedef struct tune_run {
    tc_config base;
    tc_tune_result res;
    int cjk;
    uint64_t rows;
    char dir[TC_PATH_MAX + 8], exe[TC_PATH_MAX], ypath[TC_PATH_MAX + 8];
    tc_outlock lm, ly;
} tune_run;

/* The base config, the textclf binary the trials run, and the outputs:
 * not inputs, and written by no other run (store/safefile.h).  0 or an exit
 * status. */
static int prepare(tune_args *a, tune_run *t)
{
    tc_err err = {{0}};
    int rc = tc_tune_base_config(a->source, a->sets, a->nsets, &t->base, &t->cjk, &t->rows, &err);
    if (rc)
        return tc_fail(rc == -2 ? TC_EXIT_ERR : TC_EXIT_USAGE, "%s", err.msg);
    if (!a->metric_set && t->base.data.label_separator[0])
        a->metric = TC_TUNE_MACRO_F1;
    snprintf(t->dir, sizeof t->dir, "%s.tune", a->output);
    ssize_t n = readlink("/proc/self/exe", t->exe, sizeof t->exe - 1);
    if (n <= 0)
        return tc_fail(TC_EXIT_ERR, "tune: cannot find the textclf binary (/proc/self/exe): %s", strerror(errno));
    t->exe[n] = 0;
    tc_tune_yaml_path(a->output, t->ypath, sizeof t->ypath);
    tc_fileref files[] = {{a->source, "the data or config", 0},
                          {t->base.data.train, "data.train", 0},
                          {t->base.data.valid, "data.valid", 0},
                          {t->base.data.test, "data.test", 0},
                          {t->base.model.pretrained, "model.pretrained", 0},
                          {a->output, "-o", 1},
                          {t->ypath, "the best config", 1}};
    if (tc_files_distinct(files, (int)(sizeof files / sizeof files[0]), &err) < 0 ||
        tc_output_prepare(a->output, "-o", &t->lm, &err) < 0 ||
        tc_output_prepare(t->ypath, "the best config", &t->ly, &err) < 0)
        return tc_fail(TC_EXIT_USAGE, "%s", err.msg);
    return 0;
}

/* After the search: the best model and config written, the table printed. */
static int finish(const tune_args *a, tune_run *t, const char *metric)
{
    tc_err err = {{0}};
    const tc_tune_result *res = &t->res;
    if (res->best.id < 0)
        return tc_fail(res->interrupted ? TC_EXIT_INTERRUPTED : TC_EXIT_ERR, "tune: no trial finished%s (see %s/*.log)",
                       a->max_size ? " within the size limit" : "", t->dir);
    if (tc_tune_save_best(res, a->metric, a->output, t->ypath, &err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    tc_tune_print_table(stdout, res, metric);
    if (res->partial)
        fprintf(stderr,
                "tune: no trial finished within the budget; %s is trial %d's best epoch so far (epoch %d "
                "of %d run), %s %.4f on validation: a longer --budget gives a real search\n",
                a->output, res->best.id, res->best.best_epoch, res->best.epochs_run, metric, res->best.score);
    if (res->base_kept && !a->quiet)
        fprintf(stderr,
                "tune: trial %d led with %s %.4f, within one standard error (%.4f) of the base's %.4f: the "
                "base (trial 0, what 'textclf train' would do) is kept\n",
                res->beaten.id, metric, res->beaten.score, res->margin, res->best.score);
    if (!a->quiet)
        fprintf(stderr, "tune: %d trials in %.1f s; best: trial %d, %s %.4f; wrote %s and %s\n", res->trials,
                res->elapsed, res->best.id, metric, res->best.score, a->output, t->ypath);
    if (res->interrupted)
        return tc_fail(TC_EXIT_INTERRUPTED,
                       "tune: interrupted; %s holds the best so far; continue with the same "
                       "command and --resume",
                       a->output);
    return TC_EXIT_OK;
}

static int search(tune_args *a, tune_run *t, double started, volatile sig_atomic_t *stop)
{
    tc_err err = {{0}};
    tune_view view = {isatty(2), a->quiet, tc_tune_metric_name(a->metric)};
    tc_tune_opts o = {.exe = t->exe,
                      .dir = t->dir,
                      .source = a->source,
                      .budget_s = a->budget,
                      .started = started,
                      .max_trials = a->max_trials,
                      .metric = a->metric,
                      .max_size = a->max_size,
                      .seed = a->seed,
                      .jobs = a->jobs,
                      .rung0_epochs = tc_tune_rung0_epochs(t->rows),
                      .valid_rows = tc_tune_valid_rows(&t->base, t->rows),
                      .resume = a->resume,
                      .stop = stop,
                      .on_event = on_event,
                      .ctx = &view};
    if (!a->quiet)
        fprintf(stderr,
                "tune: %s, %s on the validation rows, budget %.0f s%s, %d trials at once, seed %llu, "
                "rung 0 = %lld epochs (%llu rows); trials in %s%s\n",
                a->source, view.metric, a->budget,
                !a->max_trials      ? ""
                    : a->budget > 0 ? " or the trial limit"
                                    : " (none: the trial limit)",
                a->jobs, (unsigned long long)a->seed, (long long)o.rung0_epochs, (unsigned long long)t->rows, t->dir,
                a->max_size ? "; models over the size limit quantized to fit" : "");
    if (tc_tune_run(&t->base, t->cjk, &o, &t->res, &err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    if (view.tty && !a->quiet)
        fputs("\r\033[K", stderr);
    return finish(a, t, view.metric);
}

static int run(tune_args *a, volatile sig_atomic_t *stop)
{
    double started = tc_tune_now(); /* the budget covers reading the data too */
    tune_run *t = calloc(1, sizeof *t);
    if (!t)
        return tc_fail(TC_EXIT_ERR, "out of memory");
    t->lm = t->ly = (tc_outlock)TC_OUTLOCK_INIT;
    int code = prepare(a, t);
    if (code == 0)
        code = search(a, t, started, stop);
    tc_outlock_release(&t->lm);
    tc_outlock_release(&t->ly);
    free(t);
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
