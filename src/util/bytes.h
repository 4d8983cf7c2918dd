/* bytes.h — the byte buffers binary formats are written into and read from
 * (the model file, the training state): a writer that grows and remembers an
 * out-of-memory instead of failing each call, and a reader that never reads
 * past its end. */
#ifndef TC_BYTES_H
#define TC_BYTES_H

#include <stddef.h>

typedef struct tc_wbuf {
    unsigned char *p;    /* malloc'd; the caller frees it (or takes it) */
    size_t len, cap;
    int oom;             /* a put failed: p holds what came before; check once at the end */
} tc_wbuf;

void tc_wbuf_put(tc_wbuf *w, const void *src, size_t n);

typedef struct tc_rbuf {
    const unsigned char *p;
    size_t len, pos;
} tc_rbuf;

/* Copies the next n bytes to dst; -1 (and nothing read) if fewer remain. */
int tc_rbuf_get(tc_rbuf *r, void *dst, size_t n);

#endif
