/* evaluate.c — eval's pipeline (evaluate.h): read, run, score, tune, report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/confusion_svg.h"
#include "eval/evaluate.h"
#include "predict/infer.h"
#include "store/safefile.h"
#include "util/text.h"

int tc_evaluation_init(tc_evaluation *ev, tc_bundle *bd, const tc_eval_opts *o, tc_err *err)
{
    memset(ev, 0, sizeof *ev);
    ev->bd = bd;
    ev->o = *o;
    ev->L = bd->model->s.nlabels;
    ev->multilabel = bd->model->s.multilabel;
    tc_corpus_init(&ev->c);
    tc_strtab_init(&ev->labels);
    if (o->tune && !ev->multilabel)
        return tc_err_set(err, "--tune-thresholds needs a multi-label (sigmoid) model; %s has one label per row",
                          o->model_path);
    if (o->confusion && ev->multilabel)
        return tc_err_set(err, "--confusion-svg needs a single-label model; %s is multi-label", o->model_path);
    ev->saved = malloc(sizeof *ev->saved);
    ev->thr = malloc((size_t)ev->L * sizeof *ev->thr);
    ev->names = malloc((size_t)ev->L * sizeof *ev->names);
    if (!ev->saved || !ev->thr || !ev->names)
        return tc_err_oom(err, "evaluation");
    *ev->saved = bd->cfg;
    for (int l = 0; l < ev->L; l++) {
        ev->names[l] = tc_strtab_str(&bd->labels, (uint32_t)l);
        ev->thr[l] = o->threshold;
    }
    return o->threshold > 0 ? 0 : tc_infer_thresholds_get(bd, ev->thr, err);
}

int tc_evaluation_set(tc_evaluation *ev, const char *assignment, tc_err *err)
{
    return tc_config_set(&ev->bd->cfg, assignment, err);
}

/* ---- reading ------------------------------------------------------------------ */

/* Drops label ids >= L from every row, counting each unseen label's rows. */
static void drop_unseen(tc_evaluation *ev)
{
    tc_corpus *c = &ev->c;
    uint64_t w = 0;
    for (uint64_t r = 0; r < c->n; r++) {
        uint64_t from = c->lab_off[r], to = c->lab_off[r + 1], kept = 0;
        c->lab_off[r] = w;
        for (uint64_t j = from; j < to; j++) {
            int32_t id = c->labels[j];
            if (id < ev->L)
                c->labels[w++] = id, kept++;
            else
                ev->unseen_rows[id - ev->L]++;
        }
        ev->not_scored += !ev->multilabel && !kept && to > from;
    }
    if (c->n)
        c->lab_off[c->n] = w;
}

int tc_evaluation_read(tc_evaluation *ev, tc_err *err)
{
    tc_bundle *bd = ev->bd;
    for (uint32_t i = 0; i < bd->labels.n; i++)
        if (tc_strtab_intern(&ev->labels, tc_strtab_str(&bd->labels, i), tc_strtab_len(&bd->labels, i), NULL, err) < 0)
            return -1;
    tc_tokenizer *tok = tc_tokenizer_from_config(&bd->cfg, err);
    if (!tok)
        return -1;
    tc_corpus_src src = {&bd->cfg, tok, NULL, &bd->vocab, &ev->labels, 1};
    int rc = tc_corpus_read(&ev->c, ev->o.data, &src, err);
    tc_tokenizer_free(tok);
    if (rc < 0)
        return -1;
    size_t unseen = ev->labels.n - (uint32_t)ev->L;
    ev->unseen_rows = calloc(unseen ? unseen : 1, sizeof *ev->unseen_rows);
    if (!ev->unseen_rows)
        return tc_err_oom(err, "labels");
    drop_unseen(ev);
    return 0;
}

/* ---- scoring ------------------------------------------------------------------ */

/* The model's probabilities arrive one inference group at a time
 * (tc_infer_corpus): scored at once, so eval needs one group's rows x labels,
 * not the whole file's — except when tuning, which keeps them all (keep). */
typedef struct eval_stream {
    tc_evaluation *ev;
    tc_mc_report *mc;      /* single-label */
    tc_ml_report *ml;      /* multi-label, thresholds ev->thr */
    int keep;              /* copy into ev->probs instead */
    uint8_t *truth, *pred; /* (L) scratch */
} eval_stream;

static void ml_add_row(const tc_evaluation *ev, tc_ml_report *r, const uint8_t *truth, const float *p, uint8_t *pred)
{
    for (int l = 0; l < ev->L; l++)
        pred[l] = p[l] >= ev->thr[l];
    tc_ml_add(r, truth, pred);
    tc_ml_add_probs(r, truth, p);
}

static int stream_group(void *ctx, uint64_t first, int n, const float *probs, tc_err *err)
{
    (void)err;
    eval_stream *s = ctx;
    const tc_evaluation *ev = s->ev;
    const tc_corpus *c = &ev->c;
    size_t L = (size_t)ev->L;
    for (int i = 0; i < n; i++) {
        uint64_t row = first + (uint64_t)i;
        const float *p = probs + (size_t)i * L;
        if (s->keep) {
            memcpy(ev->probs + row * L, p, L * sizeof *p);
        } else if (s->mc) {
            if (c->lab_off[row + 1] == c->lab_off[row])
                continue;
            int best = 0, truth = c->labels[c->lab_off[row]];
            for (int l = 1; l < ev->L; l++)
                if (p[l] > p[best])
                    best = l;
            tc_mc_add(s->mc, truth, best, p[truth]);
        } else {
            memset(s->truth, 0, L);
            for (uint64_t j = c->lab_off[row]; j < c->lab_off[row + 1]; j++)
                s->truth[c->labels[j]] = 1;
            ml_add_row(ev, s->ml, s->truth, p, s->pred);
        }
    }
    return 0;
}

/* Runs the model over the corpus into s. */
static int run_model(tc_evaluation *ev, eval_stream *s, tc_err *err)
{
    tc_infer inf;
    if (tc_infer_init(&inf, ev->bd, TC_INFER_BATCH, err) < 0)
        return -1;
    if (tc_infer_set_threads(&inf, ev->o.threads, err) < 0) {
        tc_infer_free(&inf);
        return -1;
    }
    s->ev = ev;
    s->truth = malloc((size_t)ev->L);
    s->pred = malloc((size_t)ev->L);
    int rc = s->truth && s->pred ? tc_infer_corpus(&inf, &ev->c, stream_group, s, err) : tc_err_oom(err, "labels");
    free(s->truth), free(s->pred);
    tc_infer_free(&inf);
    return rc;
}

/* truth (n, L) of the known labels. */
static uint8_t *truth_matrix(const tc_evaluation *ev, tc_err *err)
{
    const tc_corpus *c = &ev->c;
    uint8_t *t = calloc(c->n ? c->n * (size_t)ev->L : 1, 1);
    if (!t) {
        tc_err_oom(err, "label matrix");
        return NULL;
    }
    for (uint64_t i = 0; i < c->n; i++)
        for (uint64_t j = c->lab_off[i]; j < c->lab_off[i + 1]; j++)
            t[i * (uint64_t)ev->L + (uint64_t)c->labels[j]] = 1;
    return t;
}

static int score_multilabel(const tc_evaluation *ev, const uint8_t *truth, tc_ml_report *r, tc_err *err)
{
    if (tc_ml_init(r, ev->L, err) < 0)
        return -1;
    r->k = (int)ev->o.k;
    uint8_t *pred = malloc((size_t)ev->L);
    if (!pred)
        return tc_err_oom(err, "predictions");
    for (uint64_t i = 0; i < ev->c.n; i++)
        ml_add_row(ev, r, truth + i * (uint64_t)ev->L, ev->probs + i * (uint64_t)ev->L, pred);
    free(pred);
    tc_ml_finish(r);
    return 0;
}

/* Picks, stores and saves per-label thresholds; ev->thr becomes them.  The
 * file gets the model's own config, not the data.* overrides. */
static int tune(tc_evaluation *ev, const uint8_t *truth, tc_err *err)
{
    tc_bundle *bd = ev->bd;
    if (tc_ml_tune_thresholds(ev->probs, truth, ev->c.n, ev->L, bd->cfg.model.threshold, ev->thr, ev->f1, err) < 0 ||
        tc_infer_thresholds_put(bd, ev->thr, err) < 0)
        return -1;
    tc_config *cur = malloc(sizeof *cur);
    if (!cur)
        return tc_err_oom(err, "config");
    *cur = bd->cfg;
    bd->cfg = *ev->saved;
    int rc = tc_checkpoint_save(ev->o.model_path, bd, err);
    bd->cfg = *cur;
    free(cur);
    return rc;
}

/* Tuning: every row's probabilities and labels at once. */
static int run_tuned(tc_evaluation *ev, tc_err *err)
{
    size_t cells = ev->c.n * (size_t)ev->L;
    if (ev->c.n && cells / ev->c.n != (size_t)ev->L)
        return tc_err_set(err, "--tune-thresholds: %llu rows x %d labels is too many", (unsigned long long)ev->c.n,
                          ev->L);
    if (!(ev->probs = malloc((cells ? cells : 1) * sizeof *ev->probs)))
        return tc_err_set(err,
                          "--tune-thresholds keeps every row's probability of every label: %llu rows x %d "
                          "labels = %.1f GB (and %.1f GB of labels), more than there is memory for; tune on "
                          "fewer rows",
                          (unsigned long long)ev->c.n, ev->L, (double)cells * 4 / 1e9, (double)cells / 1e9);
    eval_stream st = {.keep = 1};
    if (run_model(ev, &st, err) < 0)
        return -1;
    uint8_t *truth = truth_matrix(ev, err);
    int rc = -1;
    if (truth && !(ev->f1 = malloc((size_t)ev->L * sizeof *ev->f1)))
        tc_err_oom(err, "scores");
    else if (truth)
        rc = score_multilabel(ev, truth, &ev->before, err) < 0 || tune(ev, truth, err) < 0 ||
                score_multilabel(ev, truth, &ev->after, err) < 0
            ? -1
            : 0;
    free(truth);
    return rc;
}

int tc_evaluation_run(tc_evaluation *ev, tc_err *err)
{
    if (ev->o.tune)
        return run_tuned(ev, err);
    eval_stream st = {0};
    if (ev->multilabel) {
        if (tc_ml_init(&ev->before, ev->L, err) < 0)
            return -1;
        ev->before.k = (int)ev->o.k;
        st.ml = &ev->before;
    } else {
        if (tc_mc_init(&ev->mc, ev->L, err) < 0)
            return -1;
        st.mc = &ev->mc;
    }
    int rc = run_model(ev, &st, err);
    if (ev->multilabel)
        tc_ml_finish(&ev->before);
    else
        tc_mc_finish(&ev->mc);
    return rc;
}

/* The SVG is drawn in memory and replaces the file atomically (store/safefile.h). */
int tc_evaluation_write_svg(const tc_evaluation *ev, const char *path, const char *title, tc_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return tc_err_oom(err, "confusion SVG");
    int bad = tc_confusion_svg_write(f, &ev->mc, ev->names, title) < 0;
    bad |= fclose(f) != 0;
    int rc = bad ? tc_err_oom(err, "confusion SVG") : tc_write_atomic(path, buf, len, err);
    free(buf);
    return rc;
}

/* ---- reporting ---------------------------------------------------------------- */

/* The multi-label scores the report shows. */
static const tc_ml_report *shown(const tc_evaluation *ev)
{
    return ev->o.tune ? &ev->after : &ev->before;
}

void tc_evaluation_print_text(const tc_evaluation *ev, FILE *out)
{
    if (ev->multilabel)
        tc_ml_print_text(out, shown(ev), ev->names);
    else
        tc_mc_print_text(out, &ev->mc, ev->names);
    uint64_t empty = tc_corpus_count_empty(&ev->c);
    if (empty)
        fprintf(out, "\n%llu rows have no tokens and were classified by the model's prior\n",
                (unsigned long long)empty);
    size_t unseen = ev->labels.n - (uint32_t)ev->L;
    if (unseen) {
        fprintf(out, "\nlabels the model never saw (%zu):", unseen);
        for (size_t u = 0; u < unseen; u++)
            fprintf(out, "%s %s (%llu rows)", u ? "," : "", tc_strtab_str(&ev->labels, (uint32_t)(ev->L + (int)u)),
                    (unsigned long long)ev->unseen_rows[u]);
        fprintf(out, "\n");
        if (ev->not_scored)
            fprintf(out, "%llu rows whose only label is one of these were not scored\n",
                    (unsigned long long)ev->not_scored);
    }
    if (!ev->o.tune)
        return;
    fprintf(out, "\nthresholds tuned on %s and saved in %s: micro F1 %.4f -> %.4f, macro F1 %.4f -> %.4f\n", ev->o.data,
            ev->o.model_path, ev->before.micro_f1, ev->after.micro_f1, ev->before.macro_f1, ev->after.macro_f1);
    int w = 5;
    for (int l = 0; l < ev->L; l++)
        w = (int)strlen(ev->names[l]) > w ? (int)strlen(ev->names[l]) : w;
    fprintf(out, "%-*s  threshold  f1 (on this data)\n", w, "label");
    for (int l = 0; l < ev->L; l++)
        if (isnan(ev->f1[l]))
            fprintf(out, "%-*s  %9.4f  - (kept: fewer than %d positive rows)\n", w, ev->names[l], ev->thr[l],
                    TC_TUNE_MIN_POSITIVES);
        else
            fprintf(out, "%-*s  %9.4f  %.4f\n", w, ev->names[l], ev->thr[l], ev->f1[l]);
}

/* metrics.h's JSON object with the fields below added before its closing brace. */
void tc_evaluation_print_json(const tc_evaluation *ev, FILE *out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    if (ev->multilabel)
        tc_ml_print_json(m, shown(ev), ev->names);
    else
        tc_mc_print_json(m, &ev->mc, ev->names);
    fclose(m);
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '}'))
        if (buf[--len] == '}')
            break;
    fwrite(buf, 1, len, out);
    free(buf);
    fprintf(out, ",\"rows_read\":%llu,\"rows_no_tokens\":%llu,\"rows_not_scored\":%llu,\"unseen_labels\":[",
            (unsigned long long)ev->c.n, (unsigned long long)tc_corpus_count_empty(&ev->c),
            (unsigned long long)ev->not_scored);
    for (size_t u = 0; u < ev->labels.n - (uint32_t)ev->L; u++) {
        const char *nm = tc_strtab_str(&ev->labels, (uint32_t)(ev->L + (int)u));
        fputs(u ? ",{\"label\":" : "{\"label\":", out);
        tc_json_str(out, nm, strlen(nm));
        fprintf(out, ",\"rows\":%llu}", (unsigned long long)ev->unseen_rows[u]);
    }
    fputc(']', out);
    if (ev->multilabel) {
        fputs(",\"thresholds\":{", out);
        for (int l = 0; l < ev->L; l++) {
            if (l)
                fputc(',', out);
            tc_json_str(out, ev->names[l], strlen(ev->names[l]));
            fprintf(out, ":%.9g", (double)ev->thr[l]);
        }
        fputc('}', out);
        if (ev->o.tune) {
            fputs(",\"tuned\":{\"saved_to\":", out);
            tc_json_str(out, ev->o.model_path, strlen(ev->o.model_path));
            fprintf(out, ",\"micro_f1_before\":%.17g,\"macro_f1_before\":%.17g}", ev->before.micro_f1,
                    ev->before.macro_f1);
        }
    }
    fputs("}\n", out);
}

void tc_evaluation_free(tc_evaluation *ev)
{
    tc_corpus_free(&ev->c);
    tc_strtab_free(&ev->labels);
    if (ev->multilabel) {
        tc_ml_free(&ev->before);
        tc_ml_free(&ev->after);
    } else {
        tc_mc_free(&ev->mc);
    }
    free(ev->unseen_rows), free(ev->probs), free(ev->thr), free(ev->names), free(ev->f1), free(ev->saved);
}
