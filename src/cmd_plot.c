/* cmd_plot.c — `textclf plot METRICS.jsonl [-o OUT.svg] [--title T]`: the
 * learning curves of a training run (output.metrics, history.h) as one
 * self-contained SVG: a loss panel (training and validation loss) and an
 * accuracy panel (training and validation accuracy, validation macro-F1),
 * with the best epoch marked.  Written atomically with -o, else to stdout. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "plot/svg.h"
#include "store/checkpoint.h"
#include "train/history.h"

static const char HELP[] =
    "usage: textclf plot METRICS.jsonl [-o OUT.svg] [--title TEXT]\n"
    "\n"
    "Draws the learning curves that `train` wrote to output.metrics (one JSON object per\n"
    "epoch) as an SVG file a browser opens: training and validation loss, training and\n"
    "validation accuracy and validation macro-F1, the best epoch marked.\n"
    "\n"
    "  -o, --output FILE  write the SVG here (atomically; \"-\" = standard output), never over\n"
    "                     METRICS or a non-regular file\n"
    "  --title TEXT       the title above the panels (default: the metrics file's name)\n";

enum { W = 960, H = 440 };

typedef struct {
    double *x, *loss, *val_loss, *acc, *val_acc, *val_f1;
} columns;

static int split_columns(const tc_epoch_log *h, size_t n, columns *c)
{
    double *all = malloc(6 * (n ? n : 1) * sizeof *all);
    if (!all)
        return -1;
    double **cols[6] = {&c->x, &c->loss, &c->val_loss, &c->acc, &c->val_acc, &c->val_f1};
    for (int k = 0; k < 6; k++)
        *cols[k] = all + (size_t)k * n;
    for (size_t i = 0; i < n; i++) {
        c->x[i] = h[i].epoch > 0 ? h[i].epoch : (double)(i + 1);
        c->loss[i] = h[i].loss, c->acc[i] = h[i].accuracy;
        c->val_loss[i] = h[i].val_loss, c->val_acc[i] = h[i].val_accuracy, c->val_f1[i] = h[i].val_macro_f1;
    }
    return 0;
}

/* The SVG document for n epochs. */
static int draw(tc_svg *s, const tc_epoch_log *h, size_t n, const char *title, tc_err *err)
{
    columns c;
    if (split_columns(h, n, &c) < 0)
        return tc_err_oom(err, "plot");
    double best = NAN;
    for (size_t i = 0; i < n; i++)
        if (h[i].best)
            best = c.x[i];
    int val = 0;
    for (size_t i = 0; i < n; i++)
        val |= h[i].has_val;
    char mark[48];
    snprintf(mark, sizeof mark, "best epoch %.0f", best);
    tc_svg_begin(s, W, H, title);
    tc_svg_text(s, W / 2.0, 26, "middle", 16, "#111111", title);
    tc_svg_series loss[2] = {{"training", "#1f77b4", 0, c.x, c.loss, n},
                             {"validation", "#d62728", 0, c.x, c.val_loss, n}};
    tc_svg_series acc[3] = {{"training", "#1f77b4", 0, c.x, c.acc, n},
                            {"validation", "#d62728", 0, c.x, c.val_acc, n},
                            {"validation macro-F1", "#2ca02c", 1, c.x, c.val_f1, n}};
    tc_svg_panel pl = {.left = 70,
                       .top = 70,
                       .width = 360,
                       .height = 280,
                       .title = "Loss",
                       .xlabel = "epoch",
                       .ylabel = "loss",
                       .integer_x = 1,
                       .marker_x = best,
                       .marker_label = mark};
    tc_svg_panel pa = pl;
    pa.left = 560, pa.title = "Accuracy", pa.ylabel = "accuracy";
    tc_svg_chart(s, &pl, loss, val ? 2 : 1);
    tc_svg_chart(s, &pa, acc, val ? 3 : 1);
    free(c.x);
    return tc_svg_end(s, err);
}

static int plot(const char *in, const char *out, const char *title, tc_err *err);

int tc_cmd_plot(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *title = NULL;
    tc_argv av;
    tc_argv_init(&av, "plot", HELP, "-o --output --title", argc, argv);
    while (tc_argv_next(&av)) {
        if (tc_argv_is(&av, "--title"))
            title = av.val;
        else if (tc_argv_is(&av, "-o|--output"))
            out = av.val;
        else
            tc_argv_positional(&av, &in, 1);
    }
    if (av.code)
        return av.code < 0 ? TC_EXIT_OK : av.code;
    if (!in)
        return tc_fail(TC_EXIT_USAGE, "plot: missing METRICS.jsonl (try 'textclf plot --help')");
    tc_err err = {{0}};
    if (out && !strcmp(out, "-"))
        out = NULL; /* "-o -": standard output */
    const tc_fileref files[] = {{out, "-o", 1}, {strcmp(in, "-") ? in : NULL, "METRICS", 0}};
    tc_outlock lock = TC_OUTLOCK_INIT;
    if (tc_files_distinct(files, 2, &err) < 0 || (out && tc_output_prepare(out, "-o", &lock, &err) < 0))
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    int code = plot(in, out, title, &err) < 0 ? tc_fail(TC_EXIT_ERR, "%s", err.msg) : TC_EXIT_OK;
    tc_outlock_release(&lock);
    return code;
}

/* Reads the metrics, draws, writes to out (NULL: standard output). */
static int plot(const char *in, const char *out, const char *title, tc_err *err)
{
    tc_epoch_log *h;
    size_t n;
    if (tc_history_read(in, &h, &n, err) < 0)
        return -1;
    if (n == 0) {
        free(h);
        return tc_err_set(err, "%s: no epochs to plot", in);
    }
    char deftitle[TC_PATH_MAX + 32];
    snprintf(deftitle, sizeof deftitle, "Learning curves: %s", in);
    tc_svg s;
    int rc = draw(&s, h, n, title ? title : deftitle, err);
    free(h);
    if (rc == 0 && out)
        rc = tc_write_atomic(out, s.p, s.len, err);
    else if (rc == 0 && (fwrite(s.p, 1, s.len, stdout) != s.len || fflush(stdout) != 0))
        rc = tc_err_set(err, "standard output: write failed");
    tc_svg_free(&s);
    return rc;
}
