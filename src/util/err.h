/* err.h — the one error type every library function reports through.
 *
 * Library code never prints and never exits: a function that can fail takes a
 * `tc_err *` last, fills it with one human-readable line (naming the file,
 * line, key, … it failed on) and returns -1 (or NULL).  Only main() and the
 * cmd_*.c files print the message and choose an exit code. */
#ifndef TC_ERR_H
#define TC_ERR_H

#include <stddef.h>

typedef struct tc_err {
    char msg[1024];
} tc_err;

/* Formats the message into e (if e is not NULL) and returns -1, so callers can
 * write `return tc_err_set(err, "%s:%d: bad row", path, line);`. */
int tc_err_set(tc_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepends "prefix: " to an existing message (adds context on the way up). */
int tc_err_prefix(tc_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets "out of memory (what)" and returns -1. */
int tc_err_oom(tc_err *e, const char *what);

#endif
