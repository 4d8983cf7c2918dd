/* confusion_svg.h — a confusion matrix as a self-contained SVG heatmap that a
 * browser opens directly (no scripts, no external fonts or styles).
 *
 * Rows are true classes, columns predicted classes.  A cell's colour is the
 * share of its true class's rows that went to that column (so each row reads
 * as that class's recall spread over the predictions, whatever the class
 * sizes), from white (0) to dark blue (1); the cell shows the count and that
 * share in percent.  The right-hand column gives each class's support and
 * recall, the bottom row each predicted column's precision.  Hovering a cell
 * shows "true → predicted: n rows (x % of true)".  Class names are UTF-8,
 * XML-escaped, cut with "…" past 28 columns; invalid bytes and control
 * characters become U+FFFD / '?'.  Above TC_MC_FULL_MAX classes (metrics.h)
 * the matrix drawn is that of the classes the most frequent confusions
 * involve, and the title says so. */
#ifndef TC_CONFUSION_SVG_H
#define TC_CONFUSION_SVG_H

#include <stdio.h>

#include "eval/metrics.h"

/* Writes the SVG for a finished report (tc_mc_finish) to f.  names as in
 * metrics.h; title (may be NULL) is printed above the matrix.  Returns 0, or
 * -1 when the stream reports a write error. */
int tc_confusion_svg_write(FILE *f, const tc_mc_report *r, const char *const *names, const char *title);

#endif
