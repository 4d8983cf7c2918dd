/* cmd_train.c — `textclf train CONFIG [--set KEY=VALUE]... [-o MODEL] [--resume CKPT]`:
 * config → corpus (→ validation hold-out) → vocabulary → model → training →
 * model file (→ test).
 *
 * Two files come out of a run.  output.model is the clean model eval and
 * predict read: weights, vocabulary, labels, config, no training state.  With
 * output.save_best it is rewritten whenever the monitored validation score
 * improves, and finally holds the best epoch.  output.checkpoint (default
 * MODEL.ckpt) is a model file plus the TRST training state (trainer.h),
 * written every output.checkpoint_every epochs and when the run is
 * interrupted; `--resume` continues from it, bit-identically.
 *
 * Ctrl-C, SIGTERM or SIGHUP (a closed terminal): main.c's handler sets *stop
 * to the signal; the trainer stops after the current batch, this file writes
 * the checkpoint (atomically) and exits 128 + the signal (130, 143, 129).  A
 * second signal exits at once; the only trace it can leave is a temporary
 * file "PATH.textclf-tmp.XXXXXX" beside a target (the target itself is always
 * whole), which the next run removes (store/safefile.h).  Before reading a
 * row, train/outputs.h checks and locks every output.  (Blocking the signals
 * around a write instead would not do: a process-directed signal may be
 * taken by one of BLAS's threads, whose masks this thread cannot set.) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#ifdef TC_MPI
#include "dist/mpi.h"
#endif
#include "train/outputs.h"
#include "train/autoconf.h"
#include "train/history.h"
#include "train/session.h"

static const char HELP[] =
    "usage: textclf train CONFIG.yaml [--set SECTION.KEY=VALUE]... [-o MODEL] [--resume CKPT] [-q | -v]\n"
    "       textclf train DATA.csv [--set SECTION.KEY=VALUE]... [-o MODEL] [-q | -v]\n"
    "\n"
    "Trains a model as CONFIG describes and writes it to output.model (or MODEL).\n"
    "Given a data file instead (any name not ending in .yaml/.yml: CSV, .tsv, .jsonl,\n"
    "fastText .txt, maybe gzipped), the settings come from the data, one log line\n"
    "each: columns, single/multi-label, CJK tokens, word bigrams, a 10% validation\n"
    "hold-out with early stopping and the best epoch kept (multi-label: each label's\n"
    "threshold chosen on it, train.tune_thresholds), pad.maxlen; --set still\n"
    "overrides any of them.  Input paths inside a config are relative to its folder.\n"
    "\n"
    "  --set KEY=VALUE   override a config key, e.g. --set train.epochs=3 --set model.hidden=[64]\n"
    "  -o, --output FILE write the model here instead of output.model (no output may be\n"
    "                    an input or another output; see OUTPUT FILES in textclf(1))\n"
    "  --resume CKPT     continue the run saved in CKPT (output.checkpoint, written every\n"
    "                    output.checkpoint_every epochs and on Ctrl-C); same config required,\n"
    "                    except train.epochs, train.threads and output.*\n"
    "  -q, --quiet       nothing on stderr but errors and the data.test result\n"
    "  -v, --verbose     also ten progress lines per epoch and every file written\n"
    "  --help-config     list every config key with its type, default and meaning\n"
    "\n"
    "On a terminal a progress bar is redrawn in place; otherwise one line per epoch.\n"
    "Ctrl-C (SIGINT), SIGTERM or SIGHUP saves a checkpoint and exits 130, 143 or 129;\n"
    "a second signal exits at once.\n";

typedef struct {
    const char *config, *output, *resume;
    char **sets;
    int nsets, quiet, verbose;
    int argc; /* the command line, for the "continue with" hint */
    char **argv;
} train_args;

static int parse_args(int argc, char **argv, train_args *a)
{
    memset(a, 0, sizeof *a);
    a->argc = argc, a->argv = argv;
    a->sets = calloc((size_t)argc, sizeof *a->sets);
    if (!a->sets)
        return tc_fail(TC_EXIT_ERR, "out of memory");
    tc_argv av;
    tc_argv_init(&av, "train", HELP, "--set -o --output --resume", argc, argv);
    while (tc_argv_next(&av)) {
        if (tc_argv_is(&av, "--help-config")) {
            tc_config_print_reference(stdout);
            tc_argv_stop(&av, -1);
        } else if (tc_argv_is(&av, "--set")) {
            a->sets[a->nsets++] = (char *)av.val;
        } else if (tc_argv_is(&av, "--resume")) {
            a->resume = av.val;
        } else if (tc_argv_is(&av, "-o|--output")) {
            a->output = av.val;
        } else if (tc_argv_is(&av, "-q|--quiet")) {
            a->quiet = 1;
        } else if (tc_argv_is(&av, "-v|--verbose")) {
            a->verbose = 1;
        } else {
            tc_argv_positional(&av, &a->config, 1);
        }
    }
    if (av.code)
        return av.code;
    if (!a->config)
        return tc_fail(TC_EXIT_USAGE, "train: missing CONFIG.yaml or DATA.csv (try 'textclf train --help')");
    if (a->resume && !tc_autoconf_is_config(a->config))
        return tc_fail(TC_EXIT_USAGE,
                       "train: --resume needs the config; continue with the YAML that the model "
                       "stores (textclf info MODEL) or train DATA again");
    if (a->quiet && a->verbose)
        return tc_fail(TC_EXIT_USAGE, "train: --quiet and --verbose contradict each other");
    return 0;
}

/* Ctrl-C, SIGTERM, SIGHUP: the checkpoint, and one line saying what is where. */
static int interrupted(tc_session *s, uint64_t train_rows, const train_args *a, int sig)
{
    int status = tc_signal_status(sig);
    tc_err err = {{0}};
    int epoch;
    uint64_t rows;
    tc_trainer_position(s->trainer, &epoch, &rows);
    const char *model = s->bd->cfg.output.model;
    int best = tc_trainer_best_epoch(s->trainer);
    char state[TC_PATH_MAX + 64];
    if (best)
        snprintf(state, sizeof state, "%s holds epoch %d, the best so far", model, best);
    else
        snprintf(state, sizeof state, "%s is unchanged", model);
    if (epoch == 0 && rows == 0 && !a->resume)
        return tc_fail(status, "interrupted before training began; nothing written (%s)", state);
    if (tc_session_save_checkpoint(s, &err) < 0)
        return tc_fail(status, "interrupted; the checkpoint could not be written: %s (%s)", err.msg, state);
    char cmd[2048]; /* the command that continues this run: the same arguments, --resume CKPT */
    tc_argv_line(a->argc, a->argv, "textclf train", "--resume", cmd, sizeof cmd);
    tc_shell_word(cmd, sizeof cmd, "--resume");
    tc_shell_word(cmd, sizeof cmd, s->ckpt);
    return tc_fail(status, "interrupted in epoch %d after %llu of %llu rows; saved %s (%s); continue with: %s",
                   epoch + 1, (unsigned long long)rows, (unsigned long long)train_rows, s->ckpt, state, cmd);
}

/* The line a run that underfit or overfit calls for (history.h). */
static void advise(const tc_session *s, const tc_train_summary *sum)
{
    int n;
    const tc_epoch_log *h = tc_trainer_history(s->trainer, &n);
    char line[640];
    int best = s->bd->cfg.output.save_best ? tc_trainer_best_epoch(s->trainer) : 0;
    if (tc_history_advice(h, n, best, s->multilabel, sum->stopped_early, line, sizeof line))
        tc_progress_note(s->pg, "%s", line);
}

/* The session from data to the model file; returns the exit status. */
static int train(tc_session *s, const train_args *a, volatile sig_atomic_t *stop, tc_err *err)
{
    tc_train_summary sum;
    if (tc_session_prepare(s, err) < 0 || (a->resume && tc_session_resume(s, a->resume, err) < 0) ||
        tc_session_run(s, stop, &sum, err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err->msg);
    int writer = !s->dist || s->dist->rank == 0; /* the others of several processes write and print nothing */
    if (sum.interrupted)
        return writer ? interrupted(s, s->train.n, a, *stop) : tc_signal_status(*stop);
    if (tc_session_finish(s, err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err->msg);
    advise(s, &sum);
    if (!s->bd->cfg.data.test[0] || !writer)
        return TC_EXIT_OK;
    /* --quiet prints nothing but errors: the test file is still read and checked */
    tc_eval_result er;
    uint64_t empty;
    if (tc_session_test(s, &er, &empty, err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err->msg);
    if (!a->quiet)
        fprintf(stderr, "test: %s: %llu rows  loss %.4f  %s %.4f", s->bd->cfg.data.test, (unsigned long long)er.rows,
                er.loss, er.multilabel ? "binary_acc" : "accuracy", er.accuracy);
    if (!a->quiet && er.multilabel)
        fprintf(stderr, "  macro_f1 %.4f  micro_f1 %.4f", er.macro_f1, er.micro_f1);
    if (!a->quiet && empty)
        fprintf(stderr, "  (%llu with no tokens, classified by the prior)", (unsigned long long)empty);
    if (!a->quiet)
        fputc('\n', stderr);
    tc_eval_result_free(&er);
    return TC_EXIT_OK;
}

static int run(tc_bundle *bd, const train_args *a, const tc_dist *dist, volatile sig_atomic_t *stop)
{
    tc_err err = {{0}};
    tc_config *cfg = &bd->cfg;
    tc_autoconf ac;
    int lrc = tc_session_config(cfg, a->config, a->sets, a->nsets, a->output, &ac, &err);
    if (lrc < 0)
        return tc_fail(lrc == -2 ? TC_EXIT_ERR : TC_EXIT_USAGE, "%s", err.msg);
    int writer = dist->rank == 0;
    tc_progress pg;
    tc_progress_init(&pg, stderr, a->quiet || !writer ? 0 : a->verbose ? 2 : 1);
    for (int i = 0; i < ac.n; i++)
        tc_progress_note(&pg, "auto: %s", ac.note[i]);
    tc_session s;
    tc_train_outputs outs;
    int code = tc_session_open(&s, bd, &pg, &err);
    s.autoconf = tc_autoconf_is_config(a->config) ? NULL : &ac;
    s.dist = dist->procs > 1 ? dist : NULL;
    if (writer && dist->procs > 1)
        tc_progress_note(&pg, "%d processes (mpirun), %lld shards per batch", dist->procs,
                         (long long)cfg->train.shards);
    /* only process 0 of several prepares (and writes) the outputs */
    if (code == 0 &&
        (!writer || (code = tc_train_outputs_prepare(&outs, cfg, a->config, a->resume, s.ckpt, &err)) == 0)) {
        tc_set_threads(1); /* the trainer's own threads (train.threads) split the work; BLAS stays serial in them */
        code = train(&s, a, stop, &err);
        if (writer)
            tc_train_outputs_release(&outs);
    } else {
        code = tc_fail(TC_EXIT_ERR, "%s", err.msg);
    }
    tc_session_close(&s);
    return code;
}

int tc_cmd_train(int argc, char **argv, volatile sig_atomic_t *stop)
{
    train_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        free(a.sets);
        return rc < 0 ? TC_EXIT_OK : rc;
    }
    tc_dist dist = {.rank = 0, .procs = 1};
#ifdef TC_MPI
    tc_err err = {{0}};
    tc_mpi *mpi = tc_mpi_start(&dist, &err);
    if (!mpi) {
        free(a.sets);
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    }
#endif
    tc_bundle bd;
    tc_bundle_init(&bd);
    rc = run(&bd, &a, &dist, stop);
    tc_bundle_free(&bd);
    free(a.sets);
#ifdef TC_MPI
    uint64_t steps, bytes;
    tc_mpi_traffic(mpi, &steps, &bytes);
    if (a.verbose && dist.rank == 0 && steps)
        fprintf(stderr, "mpi: %d processes, %llu exchanges, %.1f KB received per exchange by process 0\n", dist.procs,
                (unsigned long long)steps, (double)bytes / (double)steps / 1024.0);
    /* a failure that not every process shares would leave the others waiting in an exchange */
    tc_mpi_end(mpi, rc != TC_EXIT_OK && rc < 128, rc); /* 128 + a signal: stopped, everywhere alike */
#endif
    return rc;
}
