/* emit.h — writing one output field in each of predict's output formats.
 *
 *   TSV    fields separated by TAB, records by LF, no quoting.  So that a
 *          field can never break the columns, '\' is written "\\", TAB "\t",
 *          LF "\n" and CR "\r" (the escapes of PostgreSQL's and MySQL's
 *          text format; `printf '%b'` undoes them).  Other bytes pass through.
 *   CSV    RFC 4180 through tc_csv_write_field (quoted when needed).
 *   JSON   a JSON string: '"', '\' and control characters escaped (\n, \t,
 *          \uXXXX …), invalid UTF-8 bytes and NUL replaced by \ufffd and
 *          \u0000, so every line is valid JSON whatever the input bytes. */
#ifndef TC_EMIT_H
#define TC_EMIT_H

#include <stddef.h>
#include <stdio.h>

#include "util/text.h" /* tc_json_str: JSON strings */

enum tc_emit_format { TC_EMIT_TSV, TC_EMIT_CSV, TC_EMIT_JSONL };

/* A TSV field, escaped as above. */
void tc_emit_tsv_field(FILE *f, const char *s, size_t len);

/* A field of a TSV or CSV record (JSONL: a JSON string). */
void tc_emit_field(FILE *f, enum tc_emit_format fmt, const char *s, size_t len);

#endif
