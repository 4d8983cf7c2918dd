/* cmd_info.c — `textclf info MODEL`: what a model file holds, without
 * running it: format and writer versions, size, architecture, vocabulary,
 * labels, parameters per tensor, decision thresholds, the training summary
 * kept in META, and the resolved config as YAML. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "predict/emit.h"
#include "predict/infer.h"
#include "store/checkpoint.h"

static const char HELP[] =
    "usage: textclf info MODEL\n"
    "\n"
    "Prints what MODEL holds: model format version and the textclf version that\n"
    "wrote it, file size, architecture, vocabulary size, labels, parameter count\n"
    "per tensor (with its encoding and bytes in a quantized model), decision\n"
    "thresholds (sigmoid models), the training summary\n"
    "(epochs, final losses and accuracies, rows, training-data checksum) and the\n"
    "resolved config as YAML (usable as a config file, output.model aside).\n"
    "Labels are shown as predict's TSV output writes them: a backslash, TAB, LF and\n"
    "CR in a label as \\\\, \\t, \\n and \\r, so each label stays on its line.\n";

static void human(double bytes, char out[32])
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB"};
    int u = 0;
    while (bytes >= 1024 && u < 3)
        bytes /= 1024, u++;
    snprintf(out, 32, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
}

static void architecture(const tc_bundle *bd)
{
    const tc_model *m = bd->model;
    const tc_model_spec *s = &m->s;
    printf("model:       embedding %d x %d -> ", s->V, s->D);
    if (s->encoder == TC_ENC_LSTM) {
        static const char *const out[] = {"last", "mean", "max"};
        printf("%sLSTM %d units x %d layer%s (%s) -> ", s->lstm_bidir ? "bidirectional " : "", s->lstm_units,
               s->lstm_layers, s->lstm_layers == 1 ? "" : "s", out[s->lstm_output]);
    } else {
        printf("average pool -> ");
    }
    for (int k = 0; k < s->n_hidden; k++)
        printf("dense %d relu -> ", s->hidden[k]);
    printf("dense %d %s\n", s->outputs, s->sigmoid ? "sigmoid" : "softmax");
    printf("input:       maxlen %lld, padding %s, truncating %s\n", (long long)bd->cfg.pad.maxlen,
           bd->cfg.pad.padding == TC_PRE ? "pre" : "post", bd->cfg.pad.truncating == TC_PRE ? "pre" : "post");
    printf("vocabulary:  %u words (+ padding and out-of-vocabulary = %u ids)", bd->vocab.words.n,
           tc_vocab_size(&bd->vocab));
    if ((uint32_t)s->V > tc_vocab_size(&bd->vocab) && bd->vocab.feat_map)
        printf(", %u hashed n-gram rows (of %lld buckets)%s", bd->vocab.nfeat, (long long)bd->cfg.tokenizer.buckets,
               bd->vocab.feat_unseen ? " + 1 unseen-feature row" : "");
    else if ((uint32_t)s->V > tc_vocab_size(&bd->vocab))
        printf(", %u hashed n-gram buckets", (uint32_t)s->V - tc_vocab_size(&bd->vocab));
    putchar('\n');
}

/* Label l as predict's TSV output writes it (a LF in a label must not break
 * info's line), then spaces up to width bytes. */
static void put_label(const tc_bundle *bd, uint32_t l, int width)
{
    const char *s = tc_strtab_str(&bd->labels, l);
    size_t len = tc_strtab_len(&bd->labels, l), shown = len;
    for (size_t i = 0; i < len; i++)
        shown += s[i] == '\\' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r';
    tc_emit_tsv_field(stdout, s, len);
    for (int i = (int)shown; i < width; i++)
        putchar(' ');
}

static void labels_and_params(const tc_bundle *bd)
{
    const tc_model *m = bd->model;
    printf("labels:      %u (%s)\n", bd->labels.n, m->s.multilabel ? "multi-label" : "one per row");
    for (uint32_t l = 0; l < bd->labels.n; l++) {
        printf("  %u  ", l);
        put_label(bd, l, 0);
        putchar('\n');
    }
    char h[32];
    human((double)m->nparams * sizeof(float), h);
    printf("parameters:  %zu (%s as float32)\n", m->nparams, h);
    for (int i = 0; i < m->ntensors; i++) {
        const tc_tensor *t = &m->tensors[i];
        printf("  %-20s %8d x %-6d %12zu", t->name, t->rows, t->cols, t->n);
        if (bd->quant) {
            const tc_qtensor *q = &bd->quant->t[i];
            human((double)tc_qtensor_bytes(q), h);
            if (q->kind == TC_Q_PQ)
                printf("  pq (dsub %d, %d centroids, %d norms) %s", q->dsub, q->ncent, q->nnorm, h);
            else
                printf("  %s %s", tc_qkind_names[q->kind], h);
        }
        putchar('\n');
    }
    char f[32];
    if (bd->quant) {
        human((double)tc_quant_bytes(bd->quant), h);
        human((double)m->nparams * sizeof(float), f);
        printf("weights:     quantized (format %d): %s, %s as float32 (%.1fx)\n", TC_QUANT_VERSION, h, f,
               (double)m->nparams * sizeof(float) / (double)tc_quant_bytes(bd->quant));
    } else {
        printf("weights:     float32\n");
    }
}

static int thresholds(const tc_bundle *bd, tc_err *err)
{
    if (!bd->model->s.sigmoid || !bd->model->s.multilabel)
        return 0;
    float *thr = malloc(bd->labels.n * sizeof *thr);
    if (!thr)
        return tc_err_oom(err, "thresholds");
    int tuned = bd->thresholds != NULL;
    if (tc_infer_thresholds_get(bd, thr, err) < 0) {
        free(thr);
        return -1;
    }
    printf("thresholds:  %s\n", tuned ? "per label (eval --tune-thresholds)" : "model.threshold for every label");
    for (uint32_t l = 0; l < bd->labels.n && tuned; l++) {
        fputs("  ", stdout);
        put_label(bd, l, 20);
        printf(" %.4f\n", thr[l]);
    }
    if (!tuned)
        printf("  %.4f\n", bd->cfg.model.threshold);
    free(thr);
    return 0;
}

/* META lines: the training summary. */
static void training(const tc_bundle *bd)
{
    printf("training:\n");
    for (const char *p = bd->meta; *p;) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        if (n)
            printf("  %.*s\n", (int)n, p);
        p += n + (eol ? 1 : 0);
    }
}

static int run(tc_bundle *bd, const char *path)
{
    tc_err err = {{0}};
    if (tc_checkpoint_load(path, bd, &err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    struct stat st;
    char h[32];
    if (stat(path, &st) < 0)
        return tc_fail(TC_EXIT_ERR, "%s: %s", path, strerror(errno));
    human((double)st.st_size, h);
    printf("file:        %s, %lld bytes (%s)\n", path, (long long)st.st_size, h);
    printf("format:      textclf model format %u, written by textclf %s\n", bd->format, bd->writer);
    architecture(bd);
    labels_and_params(bd);
    if (thresholds(bd, &err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    training(bd);
    char *yaml = tc_config_to_yaml(&bd->cfg, &err);
    if (!yaml)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    printf("config:\n%s", yaml);
    free(yaml);
    return tc_finish_output(TC_EXIT_OK, "the report");
}

int tc_cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    tc_argv av;
    tc_argv_init(&av, "info", HELP, NULL, argc, argv);
    while (tc_argv_next(&av))
        tc_argv_positional(&av, &path, 1);
    if (av.code)
        return av.code < 0 ? TC_EXIT_OK : av.code;
    if (!path)
        return tc_fail(TC_EXIT_USAGE, "info: missing MODEL (try 'textclf info --help')");
    tc_bundle bd;
    tc_bundle_init(&bd);
    int rc = run(&bd, path);
    tc_bundle_free(&bd);
    return rc;
}
