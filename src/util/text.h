/* text.h — UTF-8 text on its way out, written once: one glyph at a time
 * with its display width, cutting to a width, and the JSON and XML
 * escapers (eval's tables and JSON report, the confusion heatmap, plot's
 * SVG and predict's JSON Lines all use these).
 *
 * A glyph is one code point.  A byte that is not valid UTF-8 shows as
 * U+FFFD and a control character (C0, DEL, C1) as '?', each one column, so
 * whatever the input bytes, what is written is valid UTF-8 that keeps a
 * table's columns and a line's meaning. */
#ifndef TC_TEXT_H
#define TC_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct tc_glyph {
    int32_t cp;       /* the code point, -1 for an invalid byte */
    const char *show; /* the bytes to print for it */
    size_t show_len;
    int cols; /* display columns of show (utf8proc_charwidth; 0 for combining marks) */
} tc_glyph;

/* Decodes the glyph at s, which has n bytes left; returns the bytes it
 * takes (0 when n is 0). */
size_t tc_glyph_next(const char *s, size_t n, tc_glyph *g);

/* Display columns of the NUL-terminated s. */
int tc_text_cols(const char *s);

/* Writes s cut to at most maxw columns, ending in "…" (U+2026, one column)
 * when cut, XML-escaped when xml is set; f NULL only measures.  Returns the
 * columns written. */
int tc_text_put_cut(FILE *f, const char *s, int maxw, int xml);

/* s (len bytes) as a JSON string with its quotes: '"', '\' and control
 * characters escaped (\n, \r, \t, else \u00XX), invalid bytes as \ufffd. */
void tc_json_str(FILE *f, const char *s, size_t len);

/* The XML entity for cp ('&', '<', '>', '"'), or NULL when it needs none. */
const char *tc_xml_entity(int32_t cp);

#endif
