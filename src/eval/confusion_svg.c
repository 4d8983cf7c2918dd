/* confusion_svg.c — see confusion_svg.h.
 *
 * Layout, left to right: row labels (right-aligned against the matrix), the
 * C×C cells, the support/recall column; top to bottom: title, column labels
 * (rotated −45° so long names fit), cells, the precision row, the colour
 * legend.  Text widths are estimated from display columns (utf8proc), which
 * is all a layout without font metrics can do. */
#include "confusion_svg.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "util/text.h"

#define NAME_MAX_COLS 28
#define TITLE_MAX_COLS 90
#define FONT 12    /* px */
#define CHAR_W 7.0 /* px per display column at FONT, an estimate */

/* Columns s takes once cut to NAME_MAX_COLS (the cut for class names). */
static int name_cols(const char *s)
{
    int c = tc_text_cols(s);
    return c > NAME_MAX_COLS ? NAME_MAX_COLS : c;
}

/* White → #08306b (dark blue), linear in RGB; x in [0, 1]. */
static void colour(double x, char out[8])
{
    static const int lo[3] = {255, 255, 255}, hi[3] = {8, 48, 107};
    int c[3];
    for (int i = 0; i < 3; i++)
        c[i] = (int)lround(lo[i] + (hi[i] - lo[i]) * x);
    snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

typedef struct {
    int C, cell, left, top, grid; /* px */
    int width, height;
} layout;

static void plan(layout *g, const tc_mc_report *r, const char *const *names, const char *title)
{
    char buf[16];
    int widest = 0;
    for (int i = 0; i < r->nclasses; i++) {
        int w = name_cols(tc_class_name(names, i, buf));
        widest = w > widest ? w : widest;
    }
    g->C = r->nclasses;
    g->cell = g->C <= 8 ? 64 : (g->C <= 20 ? 40 : 28);
    g->grid = g->cell * g->C;
    int label_px = (int)(widest * CHAR_W) + 12;
    g->left = 40 + label_px;                   /* axis title + row labels */
    g->top = 60 + (int)(label_px * 0.72) + 24; /* title + rotated column labels + axis title */
    g->width = g->left + g->grid + 130;
    int tc = title ? tc_text_cols(title) : 0,
        title_px = 40 + (int)((20 + (tc < TITLE_MAX_COLS ? tc : TITLE_MAX_COLS)) * 9.0);
    if (g->width < title_px) /* the title is bold and 16 px */
        g->width = title_px;
    g->height = g->top + g->grid + 110;
}

static void header(FILE *f, const layout *g, const tc_mc_report *r, const char *title)
{
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"%d\">\n",
            g->width, g->height, g->width, g->height, FONT);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fputs("<text x=\"16\" y=\"26\" font-size=\"16\" font-weight=\"bold\">Confusion matrix", f);
    if (title && *title) {
        fputs(" \xE2\x80\x94 ", f);
        tc_text_put_cut(f, title, TITLE_MAX_COLS, 1);
    }
    fputs("</text>\n", f);
    if (r->total)
        fprintf(f,
                "<text x=\"16\" y=\"46\" fill=\"#444\">accuracy %.4f \xC2\xB7 %" PRIu64
                " rows \xC2\xB7 colour: share of the true class's rows</text>\n",
                r->accuracy, r->total);
    else
        fputs("<text x=\"16\" y=\"46\" fill=\"#444\">no rows</text>\n", f);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">predicted class</text>\n",
            g->left + g->grid / 2, 66);
    fprintf(f,
            "<text transform=\"translate(22 %d) rotate(-90)\" text-anchor=\"middle\" "
            "font-weight=\"bold\">true class</text>\n",
            g->top + g->grid / 2);
}

static void labels(FILE *f, const layout *g, const char *const *names)
{
    char buf[16];
    for (int i = 0; i < g->C; i++) {
        int cy = g->top + i * g->cell + g->cell / 2 + FONT / 3;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", g->left - 8, cy);
        tc_text_put_cut(f, tc_class_name(names, i, buf), NAME_MAX_COLS, 1);
        fputs("</text>\n", f);
        int cx = g->left + i * g->cell + g->cell / 2;
        fprintf(f, "<text transform=\"translate(%d %d) rotate(-45)\">", cx, g->top - 8);
        tc_text_put_cut(f, tc_class_name(names, i, buf), NAME_MAX_COLS, 1);
        fputs("</text>\n", f);
    }
}

static void cells(FILE *f, const layout *g, const tc_mc_report *r, const char *const *names)
{
    char b1[16], b2[16], fill[8];
    size_t C = (size_t)g->C;
    for (size_t i = 0; i < C; i++) {
        uint64_t support = r->per_class[i].support;
        for (size_t j = 0; j < C; j++) {
            uint64_t n = tc_mc_count(r, (int)i, (int)j);
            double share = support ? (double)n / (double)support : 0.0;
            int x = g->left + (int)j * g->cell, y = g->top + (int)i * g->cell;
            colour(share, fill);
            fputs("<g><title>true ", f);
            tc_text_put_cut(f, tc_class_name(names, (int)i, b1), NAME_MAX_COLS, 1);
            fputs(" \xE2\x86\x92 predicted ", f);
            tc_text_put_cut(f, tc_class_name(names, (int)j, b2), NAME_MAX_COLS, 1);
            fprintf(f, ": %" PRIu64 " rows (%.1f %% of true)</title>", n, 100.0 * share);
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"%s\"/>", x, y, g->cell,
                    g->cell, fill, i == j ? "#222" : "#ddd");
            const char *ink = share > 0.5 ? "white" : "black";
            int cx = x + g->cell / 2, cy = y + g->cell / 2;
            if (g->cell >= 40) {
                fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%" PRIu64 "</text>", cx, cy - 2,
                        ink, n);
                fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\" fill=\"%s\">%.0f%%</text>",
                        cx, cy + 12, ink, 100.0 * share);
            } else {
                fprintf(f,
                        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"9\" fill=\"%s\">%" PRIu64 "</text>",
                        cx, cy + 3, ink, n);
            }
            fputs("</g>\n", f);
        }
    }
}

/* Support and recall per true class on the right, precision per column below. */
static void margins(FILE *f, const layout *g, const tc_mc_report *r)
{
    int rx = g->left + g->grid + 10, by = g->top + g->grid + 18;
    fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#444\">support \xC2\xB7 recall</text>\n", rx, g->top - 8);
    for (int i = 0; i < g->C; i++)
        fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#444\">%" PRIu64 " \xC2\xB7 %.3f</text>\n", rx,
                g->top + i * g->cell + g->cell / 2 + FONT / 3, r->per_class[i].support, r->per_class[i].recall);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#444\">precision</text>\n", g->left - 8, by);
    for (int j = 0; j < g->C; j++)
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"%d\" fill=\"#444\">%.3f</text>\n",
                g->left + j * g->cell + g->cell / 2, by, g->cell >= 40 ? 11 : 8, r->per_class[j].precision);
}

/* A horizontal colour bar from 0 % to 100 %. */
static void legend(FILE *f, const layout *g)
{
    int x = g->left, y = g->top + g->grid + 40, w = g->grid < 200 ? 200 : g->grid;
    fputs(
        "<defs><linearGradient id=\"tc-scale\"><stop offset=\"0\" stop-color=\"#ffffff\"/>"
        "<stop offset=\"1\" stop-color=\"#08306b\"/></linearGradient></defs>\n",
        f);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"12\" fill=\"url(#tc-scale)\" stroke=\"#999\"/>\n", x, y,
            w);
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\">0%%</text>\n", x, y + 26);
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">100%% of the true class</text>\n", x + w,
            y + 26);
}

static int draw(FILE *f, const tc_mc_report *r, const char *const *names, const char *title);

/* Above TC_MC_FULL_MAX classes: the classes of the most frequent confusions. */
static int draw_top(FILE *f, const tc_mc_report *r, const char *const *names, const char *title)
{
    tc_mc_report sub;
    int cls[TC_MC_FULL_MAX];
    const char *subnames[TC_MC_FULL_MAX];
    char bufs[TC_MC_FULL_MAX][16], t[1024];
    if (tc_mc_top_subset(r, &sub, cls, NULL) < 0)
        return -1;
    for (int i = 0; i < sub.nclasses; i++) {
        if (names) {
            subnames[i] = names[cls[i]];
        } else {
            snprintf(bufs[i], sizeof bufs[i], "%d", cls[i]);
            subnames[i] = bufs[i];
        }
    }
    snprintf(t, sizeof t, "%d of %d classes, those of the most frequent confusions%s%s", sub.nclasses, r->nclasses,
             title ? ": " : "", title ? title : "");
    int rc = draw(f, &sub, subnames, t);
    tc_mc_free(&sub);
    return rc;
}

int tc_confusion_svg_write(FILE *f, const tc_mc_report *r, const char *const *names, const char *title)
{
    return r->nclasses > TC_MC_FULL_MAX ? draw_top(f, r, names, title) : draw(f, r, names, title);
}

static int draw(FILE *f, const tc_mc_report *r, const char *const *names, const char *title)
{
    layout g;
    plan(&g, r, names, title);
    header(f, &g, r, title);
    labels(f, &g, names);
    cells(f, &g, r, names);
    margins(f, &g, r);
    legend(f, &g);
    fputs("</svg>\n", f);
    return ferror(f) ? -1 : 0;
}
