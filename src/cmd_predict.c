/* cmd_predict.c — `textclf predict MODEL [FILE|-]`: one input line in, one
 * prediction line out ("label<TAB>probability", several pairs with -k),
 * flushed per line so it can sit in the middle of a pipeline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "store/checkpoint.h"
#include "text/corpus.h"
#include "text/pad.h"

static const char HELP[] =
    "usage: textclf predict MODEL [FILE|-] [-k N] [--threshold T]\n"
    "\n"
    "Reads one text per line from FILE (or standard input) and writes one line per\n"
    "input line: the predicted label and its probability, tab-separated.  An empty\n"
    "input line gives an empty output line, so output stays aligned with input.\n"
    "\n"
    "  -k N            the N most probable labels, as label<TAB>prob pairs\n"
    "                  (sigmoid/multi-label models: at most N of the labels that\n"
    "                  pass the threshold; default all of them)\n"
    "  --threshold T   decision threshold for sigmoid heads (default: the model's)\n";

typedef struct {
    const char *model, *input;
    long k;
    float threshold;
} predict_args;

static int parse_args(int argc, char **argv, predict_args *a)
{
    memset(a, 0, sizeof *a);
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(HELP, stdout);
            return -1;
        } else if (!strcmp(s, "-k") || !strcmp(s, "--threshold")) {
            if (i + 1 >= argc)
                return tc_fail(TC_EXIT_USAGE, "predict: %s needs a value", s);
            const char *v = argv[++i];
            char *end;
            if (s[1] == 'k') {
                a->k = strtol(v, &end, 10);
                if (!*v || *end || a->k < 1 || a->k > 1000000)
                    return tc_fail(TC_EXIT_USAGE, "predict: -k: '%s' is not a positive integer", v);
            } else {
                a->threshold = strtof(v, &end);
                if (!*v || *end || !(a->threshold > 0.0f && a->threshold < 1.0f))
                    return tc_fail(TC_EXIT_USAGE, "predict: --threshold: '%s' is not between 0 and 1", v);
            }
        } else if (s[0] == '-' && s[1]) {
            return tc_fail(TC_EXIT_USAGE, "predict: unknown option '%s' (try 'textclf predict --help')", s);
        } else if (npos == 0) {
            a->model = s, npos++;
        } else if (npos == 1) {
            a->input = s, npos++;
        } else {
            return tc_fail(TC_EXIT_USAGE, "predict: unexpected argument '%s'", s);
        }
    }
    if (!a->model)
        return tc_fail(TC_EXIT_USAGE, "predict: missing MODEL (try 'textclf predict --help')");
    return 0;
}

typedef struct {
    tc_bundle *bd;
    tc_tokenizer *tok;
    int32_t *ids, *padded;
    size_t nids, cap;
    float *lp;       /* (nlabels) */
    int *order;      /* (nlabels) */
    long k;
    float threshold;
} predictor;

/* Writes the prediction for one line of text. */
static int predict_line(predictor *p, const char *text, size_t len, FILE *out, tc_err *err)
{
    tc_model *m = p->bd->model;
    if (tc_encode_text(p->tok, &p->bd->vocab, text, len, &p->ids, &p->nids, &p->cap, err) < 0)
        return -1;
    int maxlen = (int)p->bd->cfg.pad.maxlen;
    int T = p->nids == 0 ? 1 : (p->nids > (size_t)maxlen ? maxlen : (int)p->nids);
    tc_pad_row(p->padded, p->ids, p->nids, T, p->bd->cfg.pad.padding, p->bd->cfg.pad.truncating);
    const float *probs = tc_model_forward(m, p->padded, 1, T, 0, NULL);
    tc_model_label_probs(m, probs, p->lp);
    int L = m->s.nlabels;
    /* labels by decreasing probability (insertion sort: L is small) */
    for (int i = 0; i < L; i++) {
        int j = i;
        while (j > 0 && p->lp[p->order[j - 1]] < p->lp[i]) {
            p->order[j] = p->order[j - 1];
            j--;
        }
        p->order[j] = i;
    }
    long k = p->k ? p->k : (m->s.multilabel ? L : 1);
    for (long i = 0, shown = 0; i < L && shown < k; i++) {
        int c = p->order[i];
        if (m->s.multilabel && p->lp[c] < p->threshold)
            break;
        fprintf(out, "%s%s\t%.5f", shown ? "\t" : "", tc_strtab_str(&p->bd->labels, (uint32_t)c), p->lp[c]);
        shown++;
    }
    fputc('\n', out);
    return 0;
}

static int run(tc_bundle *bd, const predict_args *a)
{
    tc_err err = {{0}};
    if (tc_checkpoint_load(a->model, bd, &err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    tc_set_threads(1);
    const char *name = a->input && strcmp(a->input, "-") != 0 ? a->input : NULL;
    FILE *in = name ? fopen(name, "rb") : stdin;
    if (!in)
        return tc_fail(TC_EXIT_ERR, "%s: cannot open: %s", name, strerror(errno));
    int maxlen = (int)bd->cfg.pad.maxlen, L = bd->model->s.nlabels;
    predictor p = {bd, tc_tokenizer_from_config(&bd->cfg, &err), NULL, malloc((size_t)maxlen * sizeof(int32_t)),
                   0, 0, malloc((size_t)L * sizeof(float)), malloc((size_t)L * sizeof(int)), a->k,
                   a->threshold > 0 ? a->threshold : bd->cfg.model.threshold};
    int code = TC_EXIT_OK;
    if (!p.tok || !p.padded || !p.lp || !p.order || tc_model_reserve(bd->model, 1, maxlen, &err) < 0) {
        code = tc_fail(TC_EXIT_ERR, "%s", p.tok ? (err.msg[0] ? err.msg : "out of memory") : err.msg);
        goto out;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    for (unsigned long long lineno = 1; (n = getline(&line, &cap, in)) >= 0; lineno++) {
        size_t len = (size_t)n;
        char *text = line;
        if (lineno == 1 && len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
            text += 3, len -= 3;
        while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            len--;
        if (len == 0)
            fputc('\n', stdout);
        else if (predict_line(&p, text, len, stdout, &err) < 0) {
            code = tc_fail(TC_EXIT_ERR, "%s:%llu: %s", name ? name : "<stdin>", lineno, err.msg);
            break;
        }
        if (fflush(stdout) != 0) {
            code = tc_fail(TC_EXIT_ERR, "error writing predictions: %s", strerror(errno));
            break;
        }
    }
    if (code == TC_EXIT_OK && ferror(in))
        code = tc_fail(TC_EXIT_ERR, "%s: read error", name ? name : "<stdin>");
    free(line);
out:
    if (name)
        fclose(in);
    tc_tokenizer_free(p.tok);
    free(p.ids), free(p.padded), free(p.lp), free(p.order);
    return code;
}

int tc_cmd_predict(int argc, char **argv)
{
    predict_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? TC_EXIT_OK : rc;
    tc_bundle bd;
    tc_bundle_init(&bd);
    rc = run(&bd, &a);
    tc_bundle_free(&bd);
    return rc;
}
