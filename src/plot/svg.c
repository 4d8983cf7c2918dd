/* svg.c — see svg.h. */
#include "svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

#define FONT "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""
#define MARKER_MAX_POINTS 60

void tc_svg_printf(tc_svg *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tc_wbuf_vprintf(s, fmt, ap);
    va_end(ap);
}

/* Text content with & < > " escaped and control bytes dropped. */
static void put_escaped(tc_svg *s, const char *t)
{
    for (; *t; t++) {
        const char *ent = tc_xml_entity((unsigned char)*t);
        if (ent)
            tc_svg_printf(s, "%s", ent);
        else if ((unsigned char)*t >= 0x20 && *t != 0x7f)
            tc_svg_printf(s, "%c", *t);
    }
}

void tc_svg_begin(tc_svg *s, int w, int h, const char *title)
{
    memset(s, 0, sizeof *s);
    tc_svg_printf(s,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n"
                  "<title>",
                  w, h, w, h);
    put_escaped(s, title);
    tc_svg_printf(s, "</title>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w, h);
}

int tc_svg_end(tc_svg *s, tc_err *err)
{
    tc_svg_printf(s, "</svg>\n");
    return s->oom ? tc_err_oom(err, "SVG") : 0;
}

void tc_svg_free(tc_svg *s)
{
    free(s->p);
    memset(s, 0, sizeof *s);
}

void tc_svg_text(tc_svg *s, double x, double y, const char *anchor, int size, const char *fill, const char *text)
{
    tc_svg_printf(s, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\" fill=\"%s\" " FONT ">", x, y,
                  anchor, size, fill);
    put_escaped(s, text);
    tc_svg_printf(s, "</text>\n");
}

double tc_svg_nice_step(double lo, double hi, int ticks)
{
    double span = hi - lo;
    if (!(span > 0) || !isfinite(span))
        return 1.0;
    double raw = span / (ticks > 0 ? ticks : 1), mag = pow(10.0, floor(log10(raw))), f = raw / mag;
    return (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0) * mag;
}

/* ---- chart ------------------------------------------------------------- */

typedef struct {
    double xlo, xhi, ylo, yhi, xstep, ystep;
    const tc_svg_panel *p;
} frame;

static double X(const frame *f, double x)
{
    return f->p->left + (x - f->xlo) / (f->xhi - f->xlo) * f->p->width;
}
static double Y(const frame *f, double y)
{
    return f->p->top + f->p->height - (y - f->ylo) / (f->yhi - f->ylo) * f->p->height;
}

/* Data ranges widened to whole ticks (a flat or empty series still gets an axis). */
static void fit(frame *f, const tc_svg_series *ser, int ns)
{
    f->xlo = f->ylo = INFINITY;
    f->xhi = f->yhi = -INFINITY;
    for (int k = 0; k < ns; k++)
        for (size_t i = 0; i < ser[k].n; i++) {
            double x = ser[k].x[i], y = ser[k].y[i];
            if (!isfinite(x) || !isfinite(y))
                continue;
            f->xlo = fmin(f->xlo, x), f->xhi = fmax(f->xhi, x);
            f->ylo = fmin(f->ylo, y), f->yhi = fmax(f->yhi, y);
        }
    if (!(f->xlo <= f->xhi))
        f->xlo = 0, f->xhi = 1;
    if (!(f->ylo <= f->yhi))
        f->ylo = 0, f->yhi = 1;
    if (f->xhi - f->xlo < 1e-12)
        f->xlo -= 1, f->xhi += 1;
    if (f->yhi - f->ylo < 1e-12) {
        double d = fabs(f->ylo) > 0 ? fabs(f->ylo) * 0.1 : 0.5;
        f->ylo -= d, f->yhi += d;
    }
    f->xstep = tc_svg_nice_step(f->xlo, f->xhi, 8);
    if (f->p->integer_x && f->xstep < 1)
        f->xstep = 1;
    f->ystep = tc_svg_nice_step(f->ylo, f->yhi, 5);
    f->ylo = floor(f->ylo / f->ystep + 1e-9) * f->ystep;
    f->yhi = ceil(f->yhi / f->ystep - 1e-9) * f->ystep;
    if (!f->p->integer_x) {
        f->xlo = floor(f->xlo / f->xstep + 1e-9) * f->xstep;
        f->xhi = ceil(f->xhi / f->xstep - 1e-9) * f->xstep;
    }
}

static void tick_label(char *out, size_t n, double v, double step)
{
    int digits = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(out, n, "%.*f", digits > 9 ? 9 : digits, fabs(v) < step * 1e-6 ? 0.0 : v);
}

static void axes(tc_svg *s, const frame *f)
{
    const tc_svg_panel *p = f->p;
    char lab[64];
    double first = ceil(f->xlo / f->xstep - 1e-9) * f->xstep;
    for (double x = first; x <= f->xhi + f->xstep * 1e-9; x += f->xstep) {
        tc_svg_printf(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>\n", X(f, x),
                      p->top, X(f, x), p->top + p->height);
        tick_label(lab, sizeof lab, x, f->xstep);
        tc_svg_text(s, X(f, x), p->top + p->height + 16, "middle", 11, "#333333", lab);
    }
    for (double y = f->ylo; y <= f->yhi + f->ystep * 1e-9; y += f->ystep) {
        tc_svg_printf(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>\n", p->left,
                      Y(f, y), p->left + p->width, Y(f, y));
        tick_label(lab, sizeof lab, y, f->ystep);
        tc_svg_text(s, p->left - 6, Y(f, y) + 4, "end", 11, "#333333", lab);
    }
    tc_svg_printf(s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#666666\"/>\n",
                  p->left, p->top, p->width, p->height);
    tc_svg_text(s, p->left, p->top - 10, "start", 14, "#111111", p->title);
    tc_svg_text(s, p->left + p->width / 2, p->top + p->height + 36, "middle", 12, "#333333", p->xlabel);
    tc_svg_printf(s, "<g transform=\"translate(%.1f %.1f) rotate(-90)\">\n", p->left - 46, p->top + p->height / 2);
    tc_svg_text(s, 0, 0, "middle", 12, "#333333", p->ylabel);
    tc_svg_printf(s, "</g>\n");
}

static void line(tc_svg *s, const frame *f, const tc_svg_series *q)
{
    const char *dash = q->dashed ? " stroke-dasharray=\"6 4\"" : "";
    int open = 0;
    for (size_t i = 0; i < q->n; i++) {
        int ok = isfinite(q->x[i]) && isfinite(q->y[i]);
        if (ok && !open) {
            tc_svg_printf(s, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", q->color, dash);
            open = 1;
        } else if (!ok && open) {
            tc_svg_printf(s, "\"/>\n");
            open = 0;
        }
        if (ok)
            tc_svg_printf(s, "%.1f,%.1f ", X(f, q->x[i]), Y(f, q->y[i]));
    }
    if (open)
        tc_svg_printf(s, "\"/>\n");
    if (q->n > MARKER_MAX_POINTS)
        return;
    for (size_t i = 0; i < q->n; i++)
        if (isfinite(q->x[i]) && isfinite(q->y[i]))
            tc_svg_printf(s, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n", X(f, q->x[i]), Y(f, q->y[i]),
                          q->color);
}

/* One row under the x-axis label: a line sample and the name of each series. */
static void legend(tc_svg *s, const tc_svg_panel *p, const tc_svg_series *ser, int ns)
{
    double x = p->left, y = p->top + p->height + 58;
    for (int k = 0; k < ns; k++) {
        tc_svg_printf(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
                      x, y - 4, x + 22, y - 4, ser[k].color, ser[k].dashed ? " stroke-dasharray=\"6 4\"" : "");
        tc_svg_text(s, x + 27, y, "start", 11, "#222222", ser[k].name);
        x += 27 + 6.5 * (double)strlen(ser[k].name) + 14;
    }
}

void tc_svg_chart(tc_svg *s, const tc_svg_panel *p, const tc_svg_series *series, int nseries)
{
    frame f;
    f.p = p;
    fit(&f, series, nseries);
    axes(s, &f);
    if (isfinite(p->marker_x) && p->marker_x >= f.xlo && p->marker_x <= f.xhi) {
        double mx = X(&f, p->marker_x);
        tc_svg_printf(s,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888888\" "
                      "stroke-dasharray=\"3 3\"/>\n",
                      mx, p->top, mx, p->top + p->height);
        /* the label sits at the top, on the side of the line with more room */
        int right = mx < p->left + p->width / 2;
        if (p->marker_label)
            tc_svg_text(s, mx + (right ? 4 : -4), p->top + 13, right ? "start" : "end", 10, "#666666", p->marker_label);
    }
    for (int k = 0; k < nseries; k++)
        line(s, &f, &series[k]);
    legend(s, p, series, nseries);
}
