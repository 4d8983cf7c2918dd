/* reader.h — streaming record reader for CSV, TSV, fastText and plain lines.
 *
 * A tc_reader pulls fixed-size blocks from a FILE and cuts them into records
 * (one record = an array of fields).  Field bytes are copied into one growable
 * record buffer that is reused from record to record, so steady-state reading
 * does no allocation.  Formats:
 *
 *   CSV      RFC 4180: ',' between fields, LF or CRLF between records (mixed is
 *            fine).  A field that starts with '"' is quoted: '""' inside it is
 *            one quote, and ',', CR and LF inside it are data.  After the
 *            closing quote only ',' or a line end may follow, anything else is
 *            the error "unexpected character after closing quote".  A '"'
 *            inside an unquoted field is data (lenient, like Python's csv), and
 *            so is a CR that is not followed by LF.  A quote still open at the
 *            end of the input is an error naming the line it opened on.
 *   TSV      TAB between fields, LF between records (a CR before the LF is
 *            dropped); no quoting at all: '"' is data.
 *   FASTTEXT, JSONL and LINES
 *            every line is a record of exactly one field: the line without its
 *            LF or CRLF.  Split a fastText line with tc_fasttext_parse();
 *            corpus.c parses a JSONL line.
 *
 * Input that starts with the gzip magic bytes 1F 8B is decompressed on the
 * fly with zlib (several concatenated gzip members are one input); a corrupt
 * or truncated gzip stream is a fatal error naming the line reached.
 *
 * In every format a UTF-8 byte-order mark at the very start is skipped, a last
 * line without a line end is still a record, an empty line is a record with
 * one empty field (the caller decides what that means), NUL bytes are data,
 * and line numbers count every LF (also those inside quoted fields).
 *
 * Errors.  tc_reader_next returns -1 with "NAME:LINE: what".  After a
 * malformed record (bad character after a closing quote, a record over the
 * size limit) the reader can go on: the next call first discards the rest of
 * the bad record — up to and including the next line end that lies outside
 * quotes, where quotes open only at the start of a field and anything after a
 * closing quote is taken as unquoted data — and then returns the record after
 * it.  So for garbage after a quote, reading resumes on the next line unless a
 * later field of the same line opens a quote.  An unterminated quote at end of
 * input ends the input (the next call returns 0).  Read errors and running
 * out of memory are fatal: tc_reader_recoverable() then returns 0 and further
 * calls return 0. */
#ifndef TC_READER_H
#define TC_READER_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#include "config.h"
#include "util/err.h"

/* Default for tc_reader_set_max_record. */
#define TC_READER_MAX_RECORD ((size_t)64 << 20)

typedef struct tc_record {
    size_t nfields;
    char **fields; /* fields[i] is NUL-terminated; may contain NUL bytes, lens[i] is authoritative */
    size_t *lens;
    uint64_t line; /* 1-based line number where this record starts */
} tc_record;       /* points into the reader; valid until the next tc_reader_next */

typedef struct tc_reader tc_reader;

/* Opens PATH ("-" = stdin, which tc_reader_close leaves open; it is called
 * "<stdin>" in messages).  Error "PATH: No such file or directory" style. */
tc_reader *tc_reader_open(const char *path, enum tc_format fmt, tc_err *err);

/* Reads from an already-open stream that stays the caller's; name is used in
 * messages. */
tc_reader *tc_reader_from_stream(FILE *f, const char *name, enum tc_format fmt, tc_err *err);

/* 1 = *rec holds the next record, 0 = end of input, -1 = error (see the top of
 * this file for what the reader does after one). */
int tc_reader_next(tc_reader *r, tc_record *rec, tc_err *err);

/* After tc_reader_next returned -1: 1 if the error was a malformed record and
 * reading can go on with the next record (on_error: skip), 0 if it was fatal
 * (read error, out of memory). */
int tc_reader_recoverable(const tc_reader *r);

/* CRC-32 of every byte read so far (of the decompressed text for gzip input):
 * after the last record, the data's fingerprint. */
uint32_t tc_reader_crc32(const tc_reader *r);

/* Closes the file if the reader opened it, and frees everything.  NULL is fine. */
void tc_reader_close(tc_reader *r);

/* For pipes and terminals: each block is what one read(2) on the stream's
 * descriptor returns, so a record is returned as soon as its line end has
 * arrived instead of when a whole block is full.  Only for a stream nothing
 * has been read from through stdio (its buffer must be empty). */
void tc_reader_set_partial_reads(tc_reader *r, int on);

/* A read interrupted by a signal while *stop is non-zero ends the input
 * quietly (instead of a "read error" or, in partial mode, reading again):
 * a stopped command then finishes the records it has.  stop may be NULL. */
void tc_reader_set_stop(tc_reader *r, const volatile sig_atomic_t *stop);

/* Upper bound on one record (default TC_READER_MAX_RECORD), counted as its
 * field bytes plus 17 bytes per field (terminator and bookkeeping), so memory
 * stays about this bound even for a line of nothing but separators.  A longer
 * record is an error naming the line it starts on.  Set it before reading:
 * buffers already grown are not shrunk. */
void tc_reader_set_max_record(tc_reader *r, size_t bytes);

/* fastText line format: the leading whitespace-separated tokens that start
 * with "__label__" are labels (prefix removed; "__label__" alone is a label of
 * length 0); the text is the rest of the line after them, leading whitespace
 * skipped (an empty span at the end of the line when there is none).
 * Whitespace is ' ', '\t', '\v', '\f' and '\r'.  Stores up to max_labels label
 * spans (labels may be NULL when max_labels is 0; text may be NULL); returns
 * the number of label tokens found, which may exceed max_labels. */
typedef struct tc_span {
    const char *p;
    size_t len;
} tc_span;
size_t tc_fasttext_parse(const char *line, size_t len, tc_span *labels, size_t max_labels, tc_span *text);

/* Writes one field, RFC 4180-quoted when it contains sep, '"', '\r' or '\n',
 * or starts or ends with a space or tab (quotes doubled inside).  Returns 0, or
 * -1 when the stream reports a write error. */
int tc_csv_write_field(FILE *f, const char *s, size_t len, char sep);

#endif
