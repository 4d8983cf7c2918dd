/* cmd_quantize.c — `textclf quantize MODEL -o OUT`: a smaller copy of a
 * trained model (pruned, optionally fine-tuned, and quantized;
 * store/shrink.h, train/retrain.h) that eval, predict, info and tokenize
 * read like any model. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "store/shrink.h"
#include "train/retrain.h"

static const char HELP[] =
    "usage: textclf quantize MODEL -o OUT [--pq] [--dsub N] [--cutoff K [--retrain]\n"
    "                        [--data FILE] [--epochs N] [--lr X]] [--seed N] [-q]\n"
    "\n"
    "Writes OUT, a smaller copy of MODEL: int8 weights with one scale per row\n"
    "(embedding, dense and LSTM kernels; biases stay float32) by default.\n"
    "\n"
    "options:\n"
    "  -o OUT        the quantized model (required; not MODEL itself, by any name)\n"
    "  --pq          product-quantize the embedding instead (FastText.zip): each\n"
    "                row's direction as cols/N one-byte codes of 256-centroid\n"
    "                k-means codebooks, its norm as one more byte\n"
    "  --dsub N      sub-vector size for --pq (default 2; must divide embedding_dim)\n"
    "  --cutoff K    keep only the K embedding rows (words and hashed features) of\n"
    "                largest norm; dropped words read as out-of-vocabulary and\n"
    "                dropped features share the zero unseen-feature row\n"
    "  --retrain     after --cutoff, fine-tune the pruned model on its training\n"
    "                rows with its own train.* settings before quantizing\n"
    "                (fastText's -retrain)\n"
    "  --data FILE   the rows --retrain trains on (default: the model's data.train)\n"
    "  --epochs N    epochs of --retrain (default: the model's train.epochs)\n"
    "  --lr X        starting learning rate of --retrain (default: a fifth of the\n"
    "                model's train.lr; its schedule stays)\n"
    "  --seed N      k-means seed for --pq (default 1; same seed, same file)\n"
    "  -q            no summary on standard error\n";

typedef struct {
    const char *in, *out;
    tc_shrink_opts o;
    int retrain;
    tc_retrain_opts r;
    int quiet;
} quant_args;

/* The value at hand as an integer in [lo, hi]; 0, or the usage error's code. */
static int parse_count(tc_argv *av, uint64_t lo, uint64_t hi, uint64_t *out)
{
    const char *v = av->val;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || errno || v[0] == '-' || x < lo || x > hi)
        return tc_argv_stop(av,
                            tc_fail(TC_EXIT_USAGE, "quantize: %s needs an integer in %llu..%llu, got '%s'", av->opt,
                                    (unsigned long long)lo, (unsigned long long)hi, v));
    *out = x;
    return 0;
}

/* 0, TC_EXIT_OK for --help, or a usage error's exit code. */
static int parse_args(int argc, char **argv, quant_args *a)
{
    memset(a, 0, sizeof *a);
    tc_quant_opts_default(&a->o.q);
    tc_argv av;
    tc_argv_init(&av, "quantize", HELP, "-o --dsub --cutoff --seed --data --epochs --lr", argc, argv);
    while (tc_argv_next(&av)) {
        uint64_t x;
        if (tc_argv_is(&av, "-o")) {
            a->out = av.val;
        } else if (tc_argv_is(&av, "--pq")) {
            a->o.q.pq = 1;
        } else if (tc_argv_is(&av, "--dsub")) {
            if (!parse_count(&av, 1, TC_PQ_MAX_DSUB, &x))
                a->o.q.dsub = (int)x;
        } else if (tc_argv_is(&av, "--cutoff")) {
            parse_count(&av, 1, INT32_MAX, &a->o.cutoff);
        } else if (tc_argv_is(&av, "--retrain")) {
            a->retrain = 1;
        } else if (tc_argv_is(&av, "--data")) {
            a->r.data = av.val;
        } else if (tc_argv_is(&av, "--epochs")) {
            if (!parse_count(&av, 1, 1000000, &x))
                a->r.epochs = (int64_t)x;
        } else if (tc_argv_is(&av, "--lr")) {
            tc_argv_number(&av, 0, 10, 1, &a->r.lr);
        } else if (tc_argv_is(&av, "--seed")) {
            parse_count(&av, 0, UINT64_MAX, &a->o.q.seed);
        } else if (tc_argv_is(&av, "-q")) {
            a->quiet = 1;
        } else {
            tc_argv_positional(&av, &a->in, 1);
        }
    }
    if (av.code)
        return av.code;
    if (!a->in || !a->out)
        return tc_fail(TC_EXIT_USAGE, "quantize: %s (try 'textclf quantize --help')",
                       a->in ? "missing -o OUT" : "missing MODEL");
    if (a->retrain && !a->o.cutoff)
        return tc_fail(TC_EXIT_USAGE, "quantize: --retrain fine-tunes what --cutoff K leaves; give --cutoff");
    if (!a->retrain && (a->r.data || a->r.epochs || a->r.lr > 0))
        return tc_fail(TC_EXIT_USAGE, "quantize: %s is an option of --retrain",
                       a->r.data         ? "--data"
                           : a->r.epochs ? "--epochs"
                                         : "--lr");
    return 0;
}

/* tc_shrink_opts.after_prune: --retrain. */
static int retrain_hook(void *ctx, tc_bundle *b, tc_err *err)
{
    quant_args *a = ctx;
    uint64_t rows;
    if (tc_retrain(b, &a->r, &rows, err) < 0)
        return -1;
    if (!a->quiet)
        fprintf(stderr, "retrained the pruned model on %llu rows\n", (unsigned long long)rows);
    return 0;
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

int tc_cmd_quantize(int argc, char **argv)
{
    quant_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? TC_EXIT_OK : rc;
    tc_err err = {{0}};
    /* OUT is never an input (MODEL, --data; the model's data.train once it is
     * loaded), by identity, not spelling; it is writable, and locked for this run */
    const tc_fileref files[] = {{a.out, "-o", 1}, {a.in, "MODEL", 0}, {a.r.data, "--data", 0}};
    tc_outlock lock = TC_OUTLOCK_INIT;
    if (tc_files_distinct(files, 3, &err) < 0)
        return tc_fail(TC_EXIT_USAGE, "%s", err.msg);
    if (tc_output_prepare(a.out, "-o", &lock, &err) < 0) {
        tc_outlock_release(&lock);
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    }
    tc_bundle bd;
    tc_bundle_init(&bd);
    char note[64];
    tc_progress pg;
    tc_progress_init(&pg, stderr, a.quiet ? 0 : 1);
    if (a.retrain) {
        a.o.after_prune = retrain_hook;
        a.o.ctx = &a;
        a.r.pg = &pg;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t kept = 0;
    rc = TC_EXIT_ERR;
    const tc_fileref trained[] = {{a.out, "-o", 1}, {bd.cfg.data.train, "the model's data.train", 0}};
    if (tc_checkpoint_load(a.in, &bd, &err) < 0) {
        tc_fail(TC_EXIT_ERR, "%s", err.msg);
    } else if (a.retrain && !a.r.data && tc_files_distinct(trained, 2, &err) < 0) {
        rc = tc_fail(TC_EXIT_USAGE, "%s", err.msg);
    } else {
        if (a.retrain) {
            snprintf(note, sizeof note, "retrained %lld epochs",
                     (long long)(a.r.epochs ? a.r.epochs : bd.cfg.train.epochs));
            a.o.note = note;
        }
        if (tc_shrink(&bd, &a.o, &kept, &err) < 0 || tc_checkpoint_save(a.out, &bd, &err) < 0)
            tc_fail(TC_EXIT_ERR, "%s", err.msg);
        else
            rc = TC_EXIT_OK;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc == TC_EXIT_OK && !a.quiet) {
        double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        long long before = file_size(a.in), after = file_size(a.out);
        fprintf(stderr,
                "quantized %s (%lld bytes) -> %s (%lld bytes, %.1fx smaller): embedding %s, %llu rows; %.2f s\n", a.in,
                before, a.out, after, after > 0 ? (double)before / (double)after : 0.0,
                a.o.q.pq ? "product-quantized" : "int8", (unsigned long long)kept, s);
    }
    tc_bundle_free(&bd);
    tc_outlock_release(&lock);
    return rc;
}
