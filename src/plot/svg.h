/* svg.h — a small SVG writer and the line-chart panel `textclf plot` draws.
 *
 * tc_svg collects a document in memory (so it can be written atomically or
 * to stdout in one go); text is XML-escaped on the way in.  The document is
 * self-contained: no scripts, no external fonts or style sheets, so a
 * browser or an <img> tag shows it as it is.
 *
 * tc_svg_chart draws one panel: a frame, "nice" ticks (1, 2 or 5 × 10^k) on
 * both axes with light grid lines, the axis labels, one polyline per series
 * (a NaN value breaks the line; points get markers when there are few), an
 * optional dashed vertical marker (e.g. the best epoch), and a legend row
 * under the x-axis label (so it never hides a curve). */
#ifndef TC_SVG_H
#define TC_SVG_H

#include <stddef.h>

#include "util/bytes.h"
#include "util/err.h"

/* The document: p (len bytes, NUL-terminated) once tc_svg_end succeeded. */
typedef tc_wbuf tc_svg;

/* Starts a document of w × h user units (pixels) on a white background. */
void tc_svg_begin(tc_svg *s, int w, int h, const char *title);
/* Closes the document; returns 0, or -1 (err) if memory ran out on the way. */
int tc_svg_end(tc_svg *s, tc_err *err);
void tc_svg_free(tc_svg *s);

/* Raw markup (printf format). */
void tc_svg_printf(tc_svg *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* <text> at (x, y); anchor "start" | "middle" | "end"; text is escaped. */
void tc_svg_text(tc_svg *s, double x, double y, const char *anchor, int size, const char *fill, const char *text);

/* "Nice" axis: the tick step (1, 2 or 5 × 10^k) for about `ticks` intervals
 * over [lo, hi], and lo/hi widened to multiples of it. */
double tc_svg_nice_step(double lo, double hi, int ticks);

typedef struct tc_svg_series {
    const char *name;  /* legend text */
    const char *color; /* CSS colour */
    int dashed;
    const double *x, *y; /* n points; NaN y = gap */
    size_t n;
} tc_svg_series;

typedef struct tc_svg_panel {
    double left, top, width, height; /* the plotting area, inside the axes */
    const char *title, *xlabel, *ylabel;
    int integer_x;   /* x ticks only at whole numbers (epochs) */
    double marker_x; /* dashed vertical line here; NaN = none */
    const char *marker_label;
} tc_svg_panel;

void tc_svg_chart(tc_svg *s, const tc_svg_panel *p, const tc_svg_series *series, int nseries);

#endif
