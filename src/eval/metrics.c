/* metrics.c — see metrics.h.
 *
 * Three parts: the scores (one function turns tp/fp/fn into precision,
 * recall and F1; the finish functions average them), the text report (UTF-8
 * names measured in display columns by utf8proc, cut with "…", padded so
 * every table line has the same width), and the JSON report (strings
 * escaped, non-finite numbers written as null). */
#include "metrics.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

#define NAME_COLS 24 /* widest class name as a row header */
#define HEAD_COLS 12 /* widest class name as a confusion-matrix column header */
#define NUM_COLS 9   /* width of a score column ("precision") */

/* ---- scores -------------------------------------------------------------- */

static double ratio(uint64_t num, uint64_t den)
{
    return den ? (double)num / (double)den : 0.0;
}

/* P = tp/(tp+fp), R = tp/(tp+fn), F1 = 2tp/(2tp+fp+fn); 0/0 → 0. */
static void class_scores(tc_class_metrics *m, uint64_t tp, uint64_t fp, uint64_t fn)
{
    m->precision = ratio(tp, tp + fp);
    m->recall = ratio(tp, tp + fn);
    m->f1 = ratio(2 * tp, 2 * tp + fp + fn);
    m->support = tp + fn;
    m->predicted = tp + fp;
}

int tc_mc_init(tc_mc_report *r, int nclasses, tc_err *err)
{
    memset(r, 0, sizeof *r);
    if (nclasses < 1)
        return tc_err_set(err, "metrics: need at least one class, got %d", nclasses);
    size_t c = (size_t)nclasses;
    r->diag = calloc(c, sizeof *r->diag);
    r->support = calloc(c, sizeof *r->support);
    r->predicted = calloc(c, sizeof *r->predicted);
    r->per_class = calloc(c, sizeof *r->per_class);
    if (!r->diag || !r->support || !r->predicted || !r->per_class) {
        tc_mc_free(r);
        return tc_err_oom(err, "confusion matrix");
    }
    r->nclasses = nclasses;
    r->log_loss = NAN;
    r->accuracy = NAN;
    return 0;
}

static size_t cell_slot(const tc_mc_cell *cells, size_t cap, int truth, int pred)
{
    uint64_t h = ((uint64_t)(uint32_t)truth * 0x9E3779B97F4A7C15u) ^ ((uint64_t)(uint32_t)pred * 0xC2B2AE3D27D4EB4Fu);
    size_t i = (size_t)(h ^ (h >> 29)) & (cap - 1);
    while (cells[i].truth >= 0 && (cells[i].truth != truth || cells[i].pred != pred))
        i = (i + 1) & (cap - 1);
    return i;
}

/* Doubles the table (or makes the first); -1 when out of memory. */
static int grow_cells(tc_mc_report *r)
{
    size_t cap = r->cap ? 2 * r->cap : 64;
    tc_mc_cell *t = malloc(cap * sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < cap; i++)
        t[i].truth = -1;
    for (size_t i = 0; i < r->cap; i++)
        if (r->cells[i].truth >= 0)
            t[cell_slot(t, cap, r->cells[i].truth, r->cells[i].pred)] = r->cells[i];
    free(r->cells);
    r->cells = t;
    r->cap = cap;
    return 0;
}

static void add_cell(tc_mc_report *r, int truth, int pred)
{
    if (2 * (r->ncells + 1) > r->cap && grow_cells(r) < 0) {
        r->cells_oom = 1;
        return;
    }
    size_t i = cell_slot(r->cells, r->cap, truth, pred);
    if (r->cells[i].truth < 0) {
        r->cells[i] = (tc_mc_cell){truth, pred, 0};
        r->ncells++;
    }
    r->cells[i].n++;
}

uint64_t tc_mc_count(const tc_mc_report *r, int truth, int pred)
{
    if (truth == pred)
        return r->diag[truth];
    if (!r->cap)
        return 0;
    size_t i = cell_slot(r->cells, r->cap, truth, pred);
    return r->cells[i].truth < 0 ? 0 : r->cells[i].n;
}

void tc_mc_add(tc_mc_report *r, int truth, int pred, double p_truth)
{
    if (truth < 0 || truth >= r->nclasses || pred < 0 || pred >= r->nclasses)
        return;
    r->support[truth]++;
    r->predicted[pred]++;
    if (truth == pred)
        r->diag[truth]++;
    else
        add_cell(r, truth, pred);
    r->total++;
    r->correct += truth == pred;
    if (p_truth >= 0) { /* false for NaN too */
        double p = fmin(fmax(p_truth, DBL_EPSILON), 1.0 - DBL_EPSILON);
        r->sum_nll -= log(p);
        r->n_nll++;
    }
}

void tc_mc_finish(tc_mc_report *r)
{
    size_t c = (size_t)r->nclasses;
    double sp = 0, sr = 0, sf = 0, wp = 0, wr = 0, wf = 0;
    for (size_t k = 0; k < c; k++) {
        uint64_t tp = r->diag[k], support = r->support[k], predicted = r->predicted[k];
        tc_class_metrics *m = &r->per_class[k];
        class_scores(m, tp, predicted - tp, support - tp);
        sp += m->precision;
        sr += m->recall;
        sf += m->f1;
        wp += (double)support * m->precision;
        wr += (double)support * m->recall;
        wf += (double)support * m->f1;
    }
    r->macro_precision = sp / (double)c;
    r->macro_recall = sr / (double)c;
    r->macro_f1 = sf / (double)c;
    double n = (double)r->total;
    r->weighted_precision = r->total ? wp / n : 0.0;
    r->weighted_recall = r->total ? wr / n : 0.0;
    r->weighted_f1 = r->total ? wf / n : 0.0;
    r->accuracy = r->total ? (double)r->correct / n : NAN;
    r->log_loss = r->n_nll ? r->sum_nll / (double)r->n_nll : NAN;
}

void tc_mc_free(tc_mc_report *r)
{
    free(r->diag);
    free(r->support);
    free(r->predicted);
    free(r->cells);
    free(r->per_class);
    memset(r, 0, sizeof *r);
}

static int more_rows(const void *a, const void *b)
{
    const tc_mc_cell *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    if (x->truth != y->truth)
        return x->truth < y->truth ? -1 : 1;
    return (x->pred > y->pred) - (x->pred < y->pred);
}

size_t tc_mc_top_confusions(const tc_mc_report *r, tc_mc_cell *out, size_t max)
{
    if (!r->ncells || !max)
        return 0;
    tc_mc_cell *all = malloc(r->ncells * sizeof *all);
    size_t n = 0;
    if (!all) { /* out of memory: the first ones found */
        for (size_t i = 0; i < r->cap && n < max; i++)
            if (r->cells[i].truth >= 0)
                out[n++] = r->cells[i];
        return n;
    }
    for (size_t i = 0; i < r->cap; i++)
        if (r->cells[i].truth >= 0)
            all[n++] = r->cells[i];
    qsort(all, n, sizeof *all, more_rows);
    n = n < max ? n : max;
    memcpy(out, all, n * sizeof *out);
    free(all);
    return n;
}

int tc_mc_top_subset(const tc_mc_report *r, tc_mc_report *sub, int *classes, tc_err *err)
{
    tc_mc_cell top[TC_MC_TOP];
    size_t nt = tc_mc_top_confusions(r, top, TC_MC_TOP);
    int k = 0;
    for (size_t i = 0; i < nt && k < TC_MC_FULL_MAX; i++)
        for (int side = 0; side < 2 && k < TC_MC_FULL_MAX; side++) {
            int c = side ? top[i].pred : top[i].truth, seen = 0;
            for (int j = 0; j < k; j++)
                seen |= classes[j] == c;
            if (!seen)
                classes[k++] = c;
        }
    for (int c = 0; c < r->nclasses && k < 1 + (r->nclasses > 1); c++) /* no confusion at all: some class */
        if (k == 0 || classes[0] != c)
            classes[k++] = c;
    if (tc_mc_init(sub, k, err) < 0)
        return -1;
    for (int i = 0; i < k; i++) {
        sub->per_class[i] = r->per_class[classes[i]];
        sub->support[i] = r->support[classes[i]];
        sub->predicted[i] = r->predicted[classes[i]];
        sub->diag[i] = r->diag[classes[i]];
        for (int j = 0; j < k; j++) {
            uint64_t n = i == j ? 0 : tc_mc_count(r, classes[i], classes[j]);
            if (n) { /* one cell holding n rows */
                add_cell(sub, i, j);
                if (!sub->cells_oom)
                    sub->cells[cell_slot(sub->cells, sub->cap, i, j)].n = n;
            }
        }
    }
    sub->total = r->total;
    sub->correct = r->correct;
    sub->accuracy = r->accuracy;
    return 0;
}

int tc_ml_init(tc_ml_report *r, int nlabels, tc_err *err)
{
    memset(r, 0, sizeof *r);
    if (nlabels < 1)
        return tc_err_set(err, "metrics: need at least one label, got %d", nlabels);
    size_t l = (size_t)nlabels;
    r->tp = calloc(l, sizeof *r->tp);
    r->fp = calloc(l, sizeof *r->fp);
    r->fn = calloc(l, sizeof *r->fn);
    r->per_label = calloc(l, sizeof *r->per_label);
    if (!r->tp || !r->fp || !r->fn || !r->per_label) {
        tc_ml_free(r);
        return tc_err_oom(err, "multi-label counts");
    }
    r->nlabels = nlabels;
    r->subset_accuracy = NAN;
    r->hamming_loss = NAN;
    r->k = 1;
    r->precision_at_k = r->recall_at_k = r->log_loss = NAN;
    return 0;
}

void tc_ml_add(tc_ml_report *r, const uint8_t *truth, const uint8_t *pred)
{
    int all_equal = 1;
    uint64_t nt = 0, np = 0, both = 0;
    for (int l = 0; l < r->nlabels; l++) {
        int t = truth[l] != 0, p = pred[l] != 0;
        r->tp[l] += t && p;
        r->fp[l] += !t && p;
        r->fn[l] += t && !p;
        nt += t, np += p, both += t && p;
        if (t != p) {
            r->mismatches++;
            all_equal = 0;
        }
    }
    r->rows++;
    r->exact += all_equal;
    r->sum_sp += ratio(both, np);
    r->sum_sr += ratio(both, nt);
    r->sum_sf += ratio(2 * both, nt + np);
}

void tc_ml_add_probs(tc_ml_report *r, const uint8_t *truth, const float *probs)
{
    int L = r->nlabels, k = r->k < 1 ? 1 : (r->k > L ? L : r->k);
    uint64_t gold = 0, hits = 0;
    for (int l = 0; l < L; l++) {
        gold += truth[l] != 0;
        double p = fmin(fmax((double)probs[l], DBL_EPSILON), 1.0 - DBL_EPSILON);
        r->sum_bce -= truth[l] ? log(p) : log1p(-p);
    }
    r->n_bce += (uint64_t)L;
    if (!gold) /* fastText's test skips rows without labels */
        return;
    /* the k best labels, ties to the lower id: pick the best not yet taken, k times */
    float prev = INFINITY;
    int prev_id = -1;
    for (int i = 0; i < k; i++) {
        int best = -1;
        for (int l = 0; l < L; l++) {
            int after_prev = probs[l] < prev || (probs[l] == prev && l > prev_id);
            if (after_prev && (best < 0 || probs[l] > probs[best]))
                best = l;
        }
        if (best < 0)
            break;
        hits += truth[best] != 0;
        prev = probs[best], prev_id = best;
        r->k_predicted++;
    }
    r->k_rows++;
    r->k_gold += gold;
    r->k_hits += hits;
}

typedef struct {
    float p;
    uint8_t t;
} scored;

static int by_prob_desc(const void *a, const void *b)
{
    float x = ((const scored *)a)->p, y = ((const scored *)b)->p;
    return (x < y) - (x > y);
}

/* Best F1 cut for one label over n (probability, truth) pairs; see metrics.h. */
static float tune_one(scored *s, size_t n, float fallback, double *f1_out)
{
    qsort(s, n, sizeof *s, by_prob_desc);
    uint64_t pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += s[i].t;
    if (pos < TC_TUNE_MIN_POSITIVES) { /* too few to place a cut that holds on other rows */
        *f1_out = NAN;
        return fallback;
    }
    /* keeping the first i+1 rows (all with p >= s[i].p): F1 = 2tp / (tp + kept + pos - tp + tp) */
    uint64_t tp = 0;
    double best = -1;
    size_t best_i = 0;
    for (size_t i = 0; i < n; i++) {
        tp += s[i].t;
        if (i + 1 < n && s[i + 1].p == s[i].p)
            continue; /* equal probabilities are kept or left out together */
        double f1 = 2.0 * (double)tp / (double)(i + 1 + pos);
        if (f1 > best)
            best = f1, best_i = i;
    }
    *f1_out = best;
    float lo = s[best_i].p;
    if (best_i + 1 == n)
        return lo;
    float hi = s[best_i + 1].p; /* the highest probability left out, < lo */
    float mid = (float)(0.5 * ((double)lo + (double)hi));
    return mid > hi && mid <= lo ? mid : lo;
}

int tc_ml_tune_thresholds(const float *probs, const uint8_t *truth, size_t n, int L, float fallback, float *thr,
                          double *f1, tc_err *err)
{
    scored *s = malloc((n ? n : 1) * sizeof *s);
    if (!s)
        return tc_err_oom(err, "threshold tuning");
    for (int l = 0; l < L; l++) {
        for (size_t i = 0; i < n; i++) {
            s[i].p = probs[i * (size_t)L + (size_t)l];
            s[i].t = truth[i * (size_t)L + (size_t)l] != 0;
        }
        double f;
        thr[l] = tune_one(s, n, fallback, &f);
        if (f1)
            f1[l] = f;
    }
    free(s);
    return 0;
}

void tc_ml_finish(tc_ml_report *r)
{
    uint64_t tp = 0, fp = 0, fn = 0;
    double sp = 0, sr = 0, sf = 0;
    for (int l = 0; l < r->nlabels; l++) {
        tc_class_metrics *m = &r->per_label[l];
        class_scores(m, r->tp[l], r->fp[l], r->fn[l]);
        sp += m->precision;
        sr += m->recall;
        sf += m->f1;
        tp += r->tp[l];
        fp += r->fp[l];
        fn += r->fn[l];
    }
    tc_class_metrics micro;
    class_scores(&micro, tp, fp, fn);
    r->micro_precision = micro.precision;
    r->micro_recall = micro.recall;
    r->micro_f1 = micro.f1;
    r->macro_precision = sp / r->nlabels;
    r->macro_recall = sr / r->nlabels;
    r->macro_f1 = sf / r->nlabels;
    r->subset_accuracy = r->rows ? (double)r->exact / (double)r->rows : NAN;
    r->hamming_loss = r->rows ? (double)r->mismatches / ((double)r->rows * r->nlabels) : NAN;
    double rows = (double)r->rows;
    r->sample_precision = r->rows ? r->sum_sp / rows : 0.0;
    r->sample_recall = r->rows ? r->sum_sr / rows : 0.0;
    r->sample_f1 = r->rows ? r->sum_sf / rows : 0.0;
    r->precision_at_k = r->k_predicted ? (double)r->k_hits / (double)r->k_predicted : NAN;
    r->recall_at_k = r->k_gold ? (double)r->k_hits / (double)r->k_gold : NAN;
    r->log_loss = r->n_bce ? r->sum_bce / (double)r->n_bce : NAN;
}

void tc_ml_free(tc_ml_report *r)
{
    free(r->tp);
    free(r->fp);
    free(r->fn);
    free(r->per_label);
    memset(r, 0, sizeof *r);
}

/* ---- names and display width --------------------------------------------- */

const char *tc_class_name(const char *const *names, int i, char buf[16])
{
    if (names && names[i])
        return names[i];
    snprintf(buf, 16, "%d", i);
    return buf;
}

static void pad(FILE *f, int n)
{
    for (; n > 0; n--)
        fputc(' ', f);
}

/* s in a cell `width` columns wide, aligned left or right. */
static void put_cell(FILE *f, const char *s, int maxw, int width, int right)
{
    int w = tc_text_put_cut(NULL, s, maxw, 0);
    if (right)
        pad(f, width - w);
    tc_text_put_cut(f, s, maxw, 0);
    if (!right)
        pad(f, width - w);
}

static int digits(uint64_t x)
{
    int d = 1;
    while (x >= 10) {
        x /= 10;
        d++;
    }
    return d;
}

static void put_score(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "  %*.4f", NUM_COLS, x);
    else
        fprintf(f, "  %*s", NUM_COLS, "n/a");
}

/* ---- text report ------------------------------------------------------- */

/* One table row: name, precision, recall, F1, support, predicted. */
static void table_row(FILE *f, const char *name, int namew, int countw, const tc_class_metrics *m)
{
    put_cell(f, name, NAME_COLS, namew, 0);
    put_score(f, m->precision);
    put_score(f, m->recall);
    put_score(f, m->f1);
    fprintf(f, "  %*" PRIu64 "  %*" PRIu64 "\n", countw, m->support, countw, m->predicted);
}

/* The per-class table: n rows from m, then the navg average rows in avg. */
static void class_table(FILE *f, const char *head, const tc_class_metrics *m, int n, const char *const *names,
                        const char *const *avg_names, const tc_class_metrics *avg, int navg)
{
    char buf[16];
    int namew = tc_text_cols(head), countw = NUM_COLS;
    for (int i = 0; i < n; i++) {
        int w = tc_text_put_cut(NULL, tc_class_name(names, i, buf), NAME_COLS, 0);
        namew = w > namew ? w : namew;
    }
    for (int a = 0; a < navg; a++) {
        int w = tc_text_cols(avg_names[a]);
        namew = w > namew ? w : namew;
        int d = digits(avg[a].support > avg[a].predicted ? avg[a].support : avg[a].predicted);
        countw = d > countw ? d : countw;
    }
    put_cell(f, head, NAME_COLS, namew, 0);
    fprintf(f, "  %*s  %*s  %*s  %*s  %*s\n", NUM_COLS, "precision", NUM_COLS, "recall", NUM_COLS, "f1", countw,
            "support", countw, "predicted");
    for (int i = 0; i < n; i++)
        table_row(f, tc_class_name(names, i, buf), namew, countw, &m[i]);
    for (int a = 0; a < navg; a++)
        table_row(f, avg_names[a], namew, countw, &avg[a]);
}

/* Column widths of the confusion matrix: w[0] for the row headers, w[1+j]
 * for predicted class j (its header or its widest count). */
static void confusion_widths(const tc_mc_report *r, const char *const *names, const char *corner, int *w)
{
    char buf[16];
    int c = r->nclasses;
    w[0] = tc_text_cols(corner);
    for (int i = 0; i < c; i++) {
        int nw = tc_text_put_cut(NULL, tc_class_name(names, i, buf), NAME_COLS, 0);
        w[0] = nw > w[0] ? nw : w[0];
        uint64_t mx = 0;
        for (int t = 0; t < c; t++) {
            uint64_t x = tc_mc_count(r, t, i);
            mx = x > mx ? x : mx;
        }
        int hw = tc_text_put_cut(NULL, tc_class_name(names, i, buf), HEAD_COLS, 0), dw = digits(mx);
        w[1 + i] = hw > dw ? hw : dw;
    }
}

static void confusion_table(FILE *f, const tc_mc_report *r, const char *const *names)
{
    static const char corner[] = "true \\ predicted";
    char buf[16];
    int c = r->nclasses;
    int *w = malloc(((size_t)c + 1) * sizeof *w);
    if (!w) {
        fputs("(confusion matrix omitted: out of memory)\n", f);
        return;
    }
    confusion_widths(r, names, corner, w);
    put_cell(f, corner, NAME_COLS, w[0], 0);
    for (int j = 0; j < c; j++) {
        fputs("  ", f);
        put_cell(f, tc_class_name(names, j, buf), HEAD_COLS, w[1 + j], 1);
    }
    fputc('\n', f);
    for (int i = 0; i < c; i++) {
        put_cell(f, tc_class_name(names, i, buf), NAME_COLS, w[0], 0);
        for (int j = 0; j < c; j++)
            fprintf(f, "  %*" PRIu64, w[1 + j], tc_mc_count(r, i, j));
        fputc('\n', f);
    }
    free(w);
}

/* Above TC_MC_FULL_MAX classes: the most frequent confusions, one a line. */
static void top_confusions_text(FILE *f, const tc_mc_report *r, const char *const *names)
{
    tc_mc_cell top[TC_MC_TOP];
    size_t n = tc_mc_top_confusions(r, top, TC_MC_TOP);
    fprintf(f,
            "\nconfusion matrix: %d classes are too many to show (more than %d); the %zu most frequent "
            "confusions of %zu%s:\n",
            r->nclasses, TC_MC_FULL_MAX, n, r->ncells, r->cells_oom ? " (incomplete: out of memory)" : "");
    char b1[16], b2[16];
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%10" PRIu64 "  ", top[i].n);
        tc_text_put_cut(f, tc_class_name(names, top[i].truth, b1), NAME_COLS, 0);
        fputs(" -> ", f);
        tc_text_put_cut(f, tc_class_name(names, top[i].pred, b2), NAME_COLS, 0);
        fputc('\n', f);
    }
}

void tc_mc_print_text(FILE *f, const tc_mc_report *r, const char *const *names)
{
    if (r->total)
        fprintf(f, "accuracy  %.4f  (%" PRIu64 " of %" PRIu64 " rows)\n", r->accuracy, r->correct, r->total);
    else
        fputs("accuracy  n/a  (no rows)\n", f);
    if (r->n_nll)
        fprintf(f, "log loss  %.4f  (%" PRIu64 " rows with a probability)\n", r->log_loss, r->n_nll);
    else
        fputs("log loss  n/a  (no probabilities)\n", f);
    fputc('\n', f);
    static const char *const avg_names[2] = {"macro avg", "weighted avg"};
    tc_class_metrics avg[2] = {
        {r->macro_precision, r->macro_recall, r->macro_f1, r->total, r->total},
        {r->weighted_precision, r->weighted_recall, r->weighted_f1, r->total, r->total},
    };
    class_table(f, "class", r->per_class, r->nclasses, names, avg_names, avg, 2);
    if (r->nclasses <= TC_MC_FULL_MAX) {
        fputs("\nconfusion matrix (rows: true class, columns: predicted class)\n", f);
        confusion_table(f, r, names);
    } else {
        top_confusions_text(f, r, names);
    }
}

void tc_ml_print_text(FILE *f, const tc_ml_report *r, const char *const *names)
{
    fprintf(f, "rows             %" PRIu64 "\n", r->rows);
    if (r->rows) {
        fprintf(f, "subset accuracy  %.4f  (%" PRIu64 " rows with every label right)\n", r->subset_accuracy, r->exact);
        fprintf(f, "hamming loss     %.4f  (%" PRIu64 " wrong of %" PRIu64 " label decisions)\n", r->hamming_loss,
                r->mismatches, r->rows * (uint64_t)r->nlabels);
    } else {
        fputs("subset accuracy  n/a\nhamming loss     n/a\n", f);
    }
    if (r->n_bce)
        fprintf(f, "log loss         %.4f  (mean binary cross-entropy per label)\n", r->log_loss);
    if (r->k_rows) {
        fprintf(f,
                "P@%-2d             %.4f  (fastText's definition: %" PRIu64 " of the %" PRIu64
                " top-%d labels are true)\n",
                r->k, r->precision_at_k, r->k_hits, r->k_predicted, r->k);
        fprintf(f, "R@%-2d             %.4f  (%" PRIu64 " of %" PRIu64 " true labels are in the top %d)\n", r->k,
                r->recall_at_k, r->k_hits, r->k_gold, r->k);
    }
    fputc('\n', f);
    uint64_t support = 0, predicted = 0;
    for (int l = 0; l < r->nlabels; l++) {
        support += r->per_label[l].support;
        predicted += r->per_label[l].predicted;
    }
    static const char *const avg_names[3] = {"micro avg", "macro avg", "samples avg"};
    tc_class_metrics avg[3] = {
        {r->micro_precision, r->micro_recall, r->micro_f1, support, predicted},
        {r->macro_precision, r->macro_recall, r->macro_f1, support, predicted},
        {r->sample_precision, r->sample_recall, r->sample_f1, support, predicted},
    };
    class_table(f, "label", r->per_label, r->nlabels, names, avg_names, avg, 3);
}

/* ---- JSON report ------------------------------------------------------- */

/* "key":x with x round-trippable, or null when x is not finite. */
static void json_num(FILE *f, const char *key, double x)
{
    if (isfinite(x))
        fprintf(f, "\"%s\":%.17g", key, x);
    else
        fprintf(f, "\"%s\":null", key);
}

static void json_prf(FILE *f, const char *key, double p, double r, double f1)
{
    fprintf(f, "\"%s\":{", key);
    json_num(f, "precision", p);
    fputc(',', f);
    json_num(f, "recall", r);
    fputc(',', f);
    json_num(f, "f1", f1);
    fputc('}', f);
}

/* {"label":…,"precision":…,"recall":…,"f1":…,"support":n,"predicted":n  (no closing brace) */
static void json_class_open(FILE *f, const char *name, const tc_class_metrics *m)
{
    fputs("{\"label\":", f);
    tc_json_str(f, name, strlen(name));
    fputc(',', f);
    json_num(f, "precision", m->precision);
    fputc(',', f);
    json_num(f, "recall", m->recall);
    fputc(',', f);
    json_num(f, "f1", m->f1);
    fprintf(f, ",\"support\":%" PRIu64 ",\"predicted\":%" PRIu64, m->support, m->predicted);
}

void tc_mc_print_json(FILE *f, const tc_mc_report *r, const char *const *names)
{
    char buf[16];
    size_t c = (size_t)r->nclasses;
    fprintf(f, "{\"task\":\"multiclass\",\"nclasses\":%d,\"total\":%" PRIu64 ",\"correct\":%" PRIu64 ",", r->nclasses,
            r->total, r->correct);
    json_num(f, "accuracy", r->accuracy);
    fputc(',', f);
    json_num(f, "log_loss", r->log_loss);
    fprintf(f, ",\"log_loss_rows\":%" PRIu64 ",", r->n_nll);
    json_prf(f, "macro", r->macro_precision, r->macro_recall, r->macro_f1);
    fputc(',', f);
    json_prf(f, "weighted", r->weighted_precision, r->weighted_recall, r->weighted_f1);
    fputs(",\"per_class\":[", f);
    for (size_t k = 0; k < c; k++) {
        fputs(k ? "," : "", f);
        json_class_open(f, tc_class_name(names, (int)k, buf), &r->per_class[k]);
        fputc('}', f);
    }
    if (c > TC_MC_JSON_FULL_MAX) {
        tc_mc_cell top[TC_MC_TOP];
        size_t n = tc_mc_top_confusions(r, top, TC_MC_TOP);
        fputs("],\"confusion\":null,\"top_confusions\":[", f);
        for (size_t i = 0; i < n; i++) {
            fputs(i ? ",{\"true\":" : "{\"true\":", f);
            const char *truth = tc_class_name(names, top[i].truth, buf);
            tc_json_str(f, truth, strlen(truth));
            fputs(",\"predicted\":", f);
            const char *pred = tc_class_name(names, top[i].pred, buf);
            tc_json_str(f, pred, strlen(pred));
            fprintf(f, ",\"rows\":%" PRIu64 "}", top[i].n);
        }
        fputs("]}\n", f);
        return;
    }
    fputs("],\"confusion\":[", f);
    for (size_t i = 0; i < c; i++) {
        fputs(i ? ",[" : "[", f);
        for (size_t j = 0; j < c; j++)
            fprintf(f, "%s%" PRIu64, j ? "," : "", tc_mc_count(r, (int)i, (int)j));
        fputc(']', f);
    }
    fputs("]}\n", f);
}

void tc_ml_print_json(FILE *f, const tc_ml_report *r, const char *const *names)
{
    char buf[16];
    fprintf(f, "{\"task\":\"multilabel\",\"nlabels\":%d,\"rows\":%" PRIu64 ",\"exact\":%" PRIu64 ",", r->nlabels,
            r->rows, r->exact);
    json_num(f, "subset_accuracy", r->subset_accuracy);
    fputc(',', f);
    json_num(f, "hamming_loss", r->hamming_loss);
    fputc(',', f);
    json_num(f, "log_loss", r->log_loss);
    fprintf(f, ",\"k\":%d,", r->k);
    json_num(f, "precision_at_k", r->precision_at_k);
    fputc(',', f);
    json_num(f, "recall_at_k", r->recall_at_k);
    fputc(',', f);
    json_prf(f, "micro", r->micro_precision, r->micro_recall, r->micro_f1);
    fputc(',', f);
    json_prf(f, "macro", r->macro_precision, r->macro_recall, r->macro_f1);
    fputc(',', f);
    json_prf(f, "samples", r->sample_precision, r->sample_recall, r->sample_f1);
    fputs(",\"per_label\":[", f);
    for (int l = 0; l < r->nlabels; l++) {
        fputs(l ? "," : "", f);
        json_class_open(f, tc_class_name(names, l, buf), &r->per_label[l]);
        fprintf(f, ",\"tp\":%" PRIu64 ",\"fp\":%" PRIu64 ",\"fn\":%" PRIu64 "}", r->tp[l], r->fp[l], r->fn[l]);
    }
    fputs("]}\n", f);
}
