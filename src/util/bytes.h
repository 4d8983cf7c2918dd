/* bytes.h — the one growable buffer, and a bounded reader.
 *
 * tc_wbuf is what binary formats are written into (the model file, the
 * training state) and what text is built in (plot's SVG document, predict's
 * output fields, joined text columns): it grows by doubling and remembers an
 * out-of-memory instead of failing each call, so a writer checks once at
 * the end.  tc_rbuf reads a byte range and never reads past its end. */
#ifndef TC_BYTES_H
#define TC_BYTES_H

#include <stdarg.h>
#include <stddef.h>

typedef struct tc_wbuf {
    unsigned char *p; /* malloc'd; the caller frees it (or takes it) */
    size_t len, cap;
    int oom; /* a put failed: p holds what came before; check once at the end */
} tc_wbuf;

void tc_wbuf_put(tc_wbuf *w, const void *src, size_t n);
/* Appends printf output; the buffer stays NUL-terminated after it (the NUL
 * is not counted in len). */
void tc_wbuf_printf(tc_wbuf *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tc_wbuf_vprintf(tc_wbuf *w, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

typedef struct tc_rbuf {
    const unsigned char *p;
    size_t len, pos;
} tc_rbuf;

/* Copies the next n bytes to dst; -1 (and nothing read) if fewer remain. */
int tc_rbuf_get(tc_rbuf *r, void *dst, size_t n);

#endif
