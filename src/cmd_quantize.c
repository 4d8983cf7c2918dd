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

static int parse_count(const char *opt, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = v ? strtoull(v, &end, 10) : 0;
    if (!v || !*v || *end || errno || v[0] == '-' || x < lo || x > hi)
        return tc_fail(TC_EXIT_USAGE, "quantize: %s needs an integer in %llu..%llu, got '%s'", opt,
                       (unsigned long long)lo, (unsigned long long)hi, v ? v : "");
    *out = x;
    return 0;
}

/* 0, TC_EXIT_OK for --help, or a usage error's exit code. */
static int parse_args(int argc, char **argv, quant_args *a)
{
    memset(a, 0, sizeof *a);
    tc_quant_opts_default(&a->o.q);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x;
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            fputs(HELP, stdout);
            return -1;
        } else if (!strcmp(o, "-o")) {
            if (!v)
                return tc_fail(TC_EXIT_USAGE, "quantize: -o needs a file name");
            a->out = v, i++;
        } else if (!strcmp(o, "--pq")) {
            a->o.q.pq = 1;
        } else if (!strcmp(o, "--dsub")) {
            if (parse_count(o, v, 1, TC_PQ_MAX_DSUB, &x) != 0)
                return TC_EXIT_USAGE;
            a->o.q.dsub = (int)x, i++;
        } else if (!strcmp(o, "--cutoff")) {
            if (parse_count(o, v, 1, INT32_MAX, &a->o.cutoff) != 0)
                return TC_EXIT_USAGE;
            i++;
        } else if (!strcmp(o, "--retrain")) {
            a->retrain = 1;
        } else if (!strcmp(o, "--data")) {
            if (!v || !*v)
                return tc_fail(TC_EXIT_USAGE, "quantize: --data needs a file name");
            a->r.data = v, i++;
        } else if (!strcmp(o, "--epochs")) {
            if (parse_count(o, v, 1, 1000000, &x) != 0)
                return TC_EXIT_USAGE;
            a->r.epochs = (int64_t)x, i++;
        } else if (!strcmp(o, "--lr")) {
            char *end;
            errno = 0;
            double lr = v ? strtod(v, &end) : 0;
            if (!v || !*v || *end || errno || !(lr > 0 && lr <= 10))
                return tc_fail(TC_EXIT_USAGE, "quantize: --lr needs a number in (0, 10], got '%s'", v ? v : "");
            a->r.lr = lr, i++;
        } else if (!strcmp(o, "--seed")) {
            if (parse_count(o, v, 0, UINT64_MAX, &a->o.q.seed) != 0)
                return TC_EXIT_USAGE;
            i++;
        } else if (!strcmp(o, "-q")) {
            a->quiet = 1;
        } else if (o[0] == '-' && o[1]) {
            return tc_fail(TC_EXIT_USAGE, "quantize: unknown option '%s' (try 'textclf quantize --help')", o);
        } else if (a->in) {
            return tc_fail(TC_EXIT_USAGE, "quantize: unexpected argument '%s'", o);
        } else {
            a->in = o;
        }
    }
    if (!a->in || !a->out)
        return tc_fail(TC_EXIT_USAGE, "quantize: %s (try 'textclf quantize --help')",
                       a->in ? "missing -o OUT" : "missing MODEL");
    if (a->retrain && !a->o.cutoff)
        return tc_fail(TC_EXIT_USAGE, "quantize: --retrain fine-tunes what --cutoff K leaves; give --cutoff");
    if (!a->retrain && (a->r.data || a->r.epochs || a->r.lr > 0))
        return tc_fail(TC_EXIT_USAGE, "quantize: %s is an option of --retrain",
                       a->r.data ? "--data" : a->r.epochs ? "--epochs" : "--lr");
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
    /* OUT is never MODEL (by identity, not spelling), is writable, and locked for this run */
    const tc_fileref files[] = {{a.out, "-o", 1}, {a.in, "MODEL", 0}};
    tc_outlock lock = TC_OUTLOCK_INIT;
    if (tc_files_distinct(files, 2, &err) < 0)
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
    if (tc_checkpoint_load(a.in, &bd, &err) < 0) {
        tc_fail(TC_EXIT_ERR, "%s", err.msg);
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
        fprintf(stderr, "quantized %s (%lld bytes) -> %s (%lld bytes, %.1fx smaller): embedding %s, %llu rows; %.2f s\n",
                a.in, before, a.out, after, after > 0 ? (double)before / (double)after : 0.0,
                a.o.q.pq ? "product-quantized" : "int8", (unsigned long long)kept, s);
    }
    tc_bundle_free(&bd);
    tc_outlock_release(&lock);
    return rc;
}
