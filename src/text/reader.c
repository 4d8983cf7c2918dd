/* reader.c — streaming CSV / TSV / fastText / line reader (see reader.h).
 *
 * Input arrives in IN_SIZE blocks from fread.  A small state machine walks a
 * block in spans: an unquoted field is scanned up to the next separator or LF
 * with a byte-class table (memchr in the one-field formats), a quoted field up
 * to the next '"' with memchr, and each span is copied into the record buffer
 * with one memcpy.  States survive across blocks and across calls, which is
 * what lets the reader discard the rest of a bad record on the next call.
 *
 * Record buffer layout: the fields one after another, each followed by '\0'.
 * While a field is open lens[i] holds its start offset; end_field turns it
 * into the length, and finish_record points fields[i] into the buffer (only
 * then, because the buffer may move while it grows). */
#include "reader.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util/crc32.h"

#define IN_SIZE ((size_t)64 << 10)
/* Bookkeeping charged per field against the record limit, besides its '\0'. */
#define FIELD_COST (sizeof(char *) + sizeof(size_t))

enum rd_state {
    ST_START,       /* at the first byte of a field */
    ST_UNQUOTED,    /* inside an unquoted field */
    ST_QUOTED,      /* inside a quoted field */
    ST_QUOTE_SEEN,  /* a '"' inside a quoted field: doubled quote or the close */
    ST_AFTER_QUOTE, /* after a closing quote: separator or line end expected */
    ST_AFTER_CR     /* after a closing quote and a CR: LF expected */
};

struct tc_reader {
    FILE *f;
    int own;       /* close f in tc_reader_close */
    char *name;    /* for messages */
    int quoting;   /* CSV */
    int one_field; /* FASTTEXT, LINES: no separator */
    unsigned char sep;
    unsigned char stop[256]; /* bytes that end an unquoted span: sep, LF */

    unsigned char *in;                 /* (IN_SIZE) read block */
    size_t pos, len;                   /* next unread byte, bytes in the block */
    int started, eof;                  /* first block seen (BOM check), end of input reached */
    int partial;                       /* take what one read(2) returns (tc_reader_set_partial_reads) */
    const volatile sig_atomic_t *halt; /* when set, an interrupted read ends the input (tc_reader_set_stop) */
    z_stream *z;                       /* gzip input: inflated from zin into in; NULL for plain input */
    unsigned char *zin;                /* (IN_SIZE) compressed bytes */
    int zeof, zend;                    /* no more compressed bytes; the last gzip member is complete */
    unsigned char last;                /* last byte read so far */
    uint32_t crc;                      /* CRC-32 of every byte read so far (after gunzip) */

    char *buf; /* (bcap) record buffer */
    size_t blen, bcap;
    char **fields; /* (fcap) */
    size_t *lens;  /* (fcap) */
    size_t nf, fcap;
    size_t max; /* record limit */

    uint64_t line;       /* line of the next unread byte */
    uint64_t rec_line;   /* line the current record started on */
    uint64_t quote_line; /* line the current quoted field opened on */
    enum rd_state state;
    int in_record; /* bytes of the current record have been consumed */
    int discard;   /* skipping the rest of a bad record */
    int fatal;     /* the last error cannot be recovered from */
};

static int fatal_oom(tc_reader *r, tc_err *err)
{
    r->fatal = 1;
    return tc_err_set(err, "out of memory (reading %s line %llu)", r->name, (unsigned long long)r->line);
}

static int too_long(tc_reader *r, tc_err *err)
{
    r->discard = 1;
    return tc_err_set(err, "%s:%llu: record is longer than the limit of %zu bytes", r->name,
                      (unsigned long long)r->rec_line, r->max);
}

static int fill(tc_reader *r, tc_err *err);

/* ---- gzip: input that starts with 1F 8B is inflated transparently ------- */

static int gzip_error(tc_reader *r, const char *what, tc_err *err)
{
    r->eof = r->fatal = 1;
    return tc_err_set(err, "%s:%llu: %s", r->name, (unsigned long long)r->line, what);
}

/* 1 if the block reads as lines ended by CR alone (classic Mac OS): no LF
 * at all, and at least two CRs followed by another byte.  A lone CR is no
 * line break here (a line ends in LF or CRLF); inside a line it is a
 * character like any other, which the tokenizer takes as white space. */
static int cr_lines(const unsigned char *p, size_t n)
{
    if (memchr(p, '\n', n))
        return 0;
    int lone = 0;
    for (const unsigned char *c = p; (c = memchr(c, '\r', (size_t)(p + n - c))) != NULL && lone < 2; c++)
        lone += c + 1 < p + n;
    return lone >= 2;
}

/* n fresh bytes are in r->in: read them from the start, skipping a UTF-8 BOM
 * at the very start of the input; a UTF-16 BOM there is an error (its text
 * would read as bytes with NULs between them: silently wrong predictions),
 * and so are lines ended by CR alone (the whole file would be one line).
 * Returns 1, or -1. */
static int accept_block(tc_reader *r, size_t n, tc_err *err)
{
    r->pos = 0;
    r->len = n;
    r->last = r->in[n - 1];
    r->crc = tc_crc32(r->crc, r->in, n);
    if (!r->started) {
        r->started = 1;
        if (n >= 3 && r->in[0] == 0xEF && r->in[1] == 0xBB && r->in[2] == 0xBF)
            r->pos = 3;
        if (n >= 2 && ((r->in[0] == 0xFF && r->in[1] == 0xFE) || (r->in[0] == 0xFE && r->in[1] == 0xFF))) {
            r->eof = r->fatal = 1;
            return tc_err_set(err, "%s: UTF-16 is not supported; convert with iconv -f UTF-16 -t UTF-8", r->name);
        }
        if (cr_lines(r->in + r->pos, n - r->pos)) {
            r->eof = r->fatal = 1;
            return tc_err_set(err,
                              "%s: lines end in CR alone (classic Mac OS); textclf reads LF or CRLF line "
                              "ends: convert with tr '\\r' '\\n'",
                              r->name);
        }
    }
    return 1;
}

/* Inflates up to IN_SIZE bytes into r->in; members may follow each other
 * (as `cat a.gz b.gz` makes).  1 = data, 0 = end, -1 = error. */
static int fill_gzip(tc_reader *r, tc_err *err)
{
    z_stream *z = r->z;
    z->next_out = r->in;
    z->avail_out = (uInt)IN_SIZE;
    while (z->avail_out > 0) {
        if (z->avail_in == 0 && !r->zeof) {
            size_t k = fread(r->zin, 1, IN_SIZE, r->f);
            if (k == 0 && ferror(r->f))
                return gzip_error(r, "read error", err);
            r->zeof = k == 0;
            z->next_in = r->zin;
            z->avail_in = (uInt)k;
        }
        if (r->zend) {
            if (z->avail_in == 0)
                break;
            if (z->next_in[0] != 0x1f)
                return gzip_error(r, "data after the end of the gzip stream", err);
            inflateReset(z);
            r->zend = 0;
        }
        if (z->avail_in == 0)
            return gzip_error(r, "truncated gzip file", err);
        int rc = inflate(z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            r->zend = 1;
        else if (rc != Z_OK)
            return gzip_error(r, rc == Z_MEM_ERROR ? "out of memory (gzip)" : "corrupt gzip data", err);
    }
    size_t n = IN_SIZE - z->avail_out;
    if (n == 0) {
        r->eof = 1;
        return 0;
    }
    return accept_block(r, n, err);
}

/* The first block, n bytes in r->in, is gzip: move it to zin and inflate. */
static int start_gzip(tc_reader *r, size_t n, tc_err *err)
{
    r->z = calloc(1, sizeof *r->z);
    r->zin = malloc(IN_SIZE);
    if (!r->z || !r->zin || inflateInit2(r->z, 15 + 16) != Z_OK) {
        free(r->z);
        r->z = NULL;
        r->eof = r->fatal = 1;
        return tc_err_oom(err, "gzip reader");
    }
    memcpy(r->zin, r->in, n);
    r->z->next_in = r->zin;
    r->z->avail_in = (uInt)n;
    return fill(r, err);
}

static int halted(const tc_reader *r)
{
    return r->halt && *r->halt;
}

/* One read(2) of a pipe or terminal, which may block for as long as the
 * writer is silent.  A stop signal interrupts a blocked read (EINTR), but
 * one that lands between the caller's halted() check and the read itself
 * would be missed: so wait for input in slices of 100 ms with poll(2),
 * checking the stop flag between them, and read only once something (data
 * or the end) has arrived.  A halted wait returns -1 with errno EINTR. */
static ssize_t wait_and_read(tc_reader *r)
{
    struct pollfd pf = {.fd = fileno(r->f), .events = POLLIN};
    for (;;) {
        if (halted(r)) {
            errno = EINTR;
            return -1;
        }
        int n = poll(&pf, 1, 100);
        if (n > 0)
            return read(pf.fd, r->in, IN_SIZE);
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

/* Reads the next block: 1 = data, 0 = end of input, -1 = read error. */
static int fill(tc_reader *r, tc_err *err)
{
    if (r->eof)
        return 0;
    if (r->z)
        return fill_gzip(r, err);
    errno = 0;
    size_t n;
    if (r->partial) {
        ssize_t k;
        while ((k = wait_and_read(r)) < 0 && errno == EINTR && !halted(r))
            ;
        if (k < 0 && halted(r)) {
            r->eof = 1;
            return 0;
        }
        if (k < 0) {
            r->eof = r->fatal = 1;
            return tc_err_set(err, "%s:%llu: read error: %s", r->name, (unsigned long long)r->line, strerror(errno));
        }
        n = (size_t)k;
    } else {
        n = fread(r->in, 1, IN_SIZE, r->f);
    }
    if (n == 0) {
        int e = errno;
        r->eof = 1;
        if (!ferror(r->f) || halted(r))
            return 0;
        r->fatal = 1;
        return tc_err_set(err, "%s:%llu: read error: %s", r->name, (unsigned long long)r->line,
                          e ? strerror(e) : "unknown error");
    }
    if (!r->started && n >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b)
        return start_gzip(r, n, err);
    return accept_block(r, n, err);
}

/* Makes room for n more bytes of the open field and its terminator, within
 * the record limit. */
static int reserve(tc_reader *r, size_t n, tc_err *err)
{
    size_t need = r->blen + n + 1;
    if (n > r->max || need > r->max || need + r->nf * FIELD_COST > r->max)
        return too_long(r, err);
    if (need <= r->bcap)
        return 0;
    size_t cap = r->bcap * 2;
    if (cap < need)
        cap = need;
    if (cap > r->max)
        cap = r->max;
    char *p = realloc(r->buf, cap);
    if (!p)
        return fatal_oom(r, err);
    r->buf = p;
    r->bcap = cap;
    return 0;
}

static int append(tc_reader *r, const void *p, size_t n, tc_err *err)
{
    if (r->discard || n == 0)
        return 0;
    if (reserve(r, n, err) < 0)
        return -1;
    memcpy(r->buf + r->blen, p, n);
    r->blen += n;
    return 0;
}

static int begin_field(tc_reader *r, tc_err *err)
{
    if (r->discard)
        return 0;
    if (r->blen + 1 + (r->nf + 1) * FIELD_COST > r->max)
        return too_long(r, err);
    if (r->nf == r->fcap) {
        size_t cap = r->fcap * 2, most = r->max / FIELD_COST + 1;
        if (cap > most)
            cap = most;
        char **f = realloc(r->fields, cap * sizeof *f);
        if (f)
            r->fields = f;
        size_t *l = realloc(r->lens, cap * sizeof *l);
        if (l)
            r->lens = l;
        if (!f || !l)
            return fatal_oom(r, err);
        r->fcap = cap;
    }
    r->lens[r->nf++] = r->blen;
    return 0;
}

/* Closes the open field; strip_cr drops a CR that ended up last in an
 * unquoted field (it was the CR of a CRLF). */
static int end_field(tc_reader *r, int strip_cr, tc_err *err)
{
    if (r->discard)
        return 0;
    size_t start = r->lens[r->nf - 1];
    if (strip_cr && r->blen > start && r->buf[r->blen - 1] == '\r')
        r->blen--;
    if (reserve(r, 0, err) < 0)
        return -1;
    r->lens[r->nf - 1] = r->blen - start;
    r->buf[r->blen++] = '\0';
    return 0;
}

/* The current record is complete: 1 = it is in *rec, 0 = it was being
 * discarded. */
static int end_record(tc_reader *r, tc_record *rec)
{
    r->in_record = 0;
    r->state = ST_START;
    if (r->discard) {
        r->discard = 0;
        return 0;
    }
    size_t off = 0;
    for (size_t i = 0; i < r->nf; i++) {
        r->fields[i] = r->buf + off;
        off += r->lens[i] + 1;
    }
    rec->nfields = r->nf;
    rec->fields = r->fields;
    rec->lens = r->lens;
    rec->line = r->rec_line;
    return 1;
}

static int step_unquoted(tc_reader *r, tc_err *err)
{
    const unsigned char *p = r->in + r->pos, *end = r->in + r->len, *q;
    if (r->one_field) {
        q = memchr(p, '\n', (size_t)(end - p));
        if (!q)
            q = end;
    } else {
        q = p;
        while (q < end && !r->stop[*q])
            q++;
    }
    r->pos = (size_t)(q - r->in);
    if (append(r, p, (size_t)(q - p), err) < 0)
        return -1;
    if (q == end)
        return 0;
    r->pos++;
    if (*q == '\n') {
        r->line++;
        return end_field(r, 1, err) < 0 ? -1 : 1;
    }
    r->state = ST_START;
    return end_field(r, 0, err);
}

static int step_quoted(tc_reader *r, tc_err *err)
{
    const unsigned char *p = r->in + r->pos, *end = r->in + r->len;
    const unsigned char *q = memchr(p, '"', (size_t)(end - p));
    const unsigned char *stop = q ? q : end;
    for (const unsigned char *s = p; (s = memchr(s, '\n', (size_t)(stop - s))) != NULL; s++)
        r->line++;
    r->pos = (size_t)(stop - r->in);
    if (q) {
        r->pos++;
        r->state = ST_QUOTE_SEEN;
    }
    return append(r, p, (size_t)(stop - p), err);
}

static int garbage(tc_reader *r, unsigned char c, tc_err *err)
{
    char what[32];
    if (r->state == ST_AFTER_CR)
        snprintf(what, sizeof what, "CR not followed by LF");
    else if (c >= 0x20 && c < 0x7f)
        snprintf(what, sizeof what, "'%c'", c);
    else
        snprintf(what, sizeof what, "byte 0x%02x", c);
    char starts[64] = "";
    if (r->rec_line != r->line)
        snprintf(starts, sizeof starts, " (record starts on line %llu)", (unsigned long long)r->rec_line);
    r->discard = 1;
    r->state = ST_UNQUOTED;
    return tc_err_set(err, "%s:%llu: unexpected character after closing quote of field %zu: %s%s", r->name,
                      (unsigned long long)r->line, r->nf, what, starts);
}

/* After a closing quote (and maybe a CR): separator or line end. */
static int step_after_quote(tc_reader *r, tc_err *err)
{
    unsigned char c = r->in[r->pos];
    if (c == '\n') {
        r->pos++;
        r->line++;
        return end_field(r, 0, err) < 0 ? -1 : 1;
    }
    if (r->state == ST_AFTER_QUOTE && c == r->sep) {
        r->pos++;
        r->state = ST_START;
        return end_field(r, 0, err);
    }
    if (r->state == ST_AFTER_QUOTE && c == '\r') {
        r->pos++;
        r->state = ST_AFTER_CR;
        return 0;
    }
    if (r->discard) {
        r->state = ST_UNQUOTED;
        return 0;
    }
    return garbage(r, c, err);
}

/* Consumes at least one byte of the (non-empty) block, or changes state:
 * 0 = go on, 1 = the record ended, -1 = error. */
static int step(tc_reader *r, tc_err *err)
{
    switch (r->state) {
    case ST_START:
        if (begin_field(r, err) < 0)
            return -1;
        if (r->quoting && r->in[r->pos] == '"') {
            r->quote_line = r->line;
            r->pos++;
            r->state = ST_QUOTED;
        } else {
            r->state = ST_UNQUOTED;
        }
        return 0;
    case ST_UNQUOTED:
        return step_unquoted(r, err);
    case ST_QUOTED:
        return step_quoted(r, err);
    case ST_QUOTE_SEEN:
        if (r->in[r->pos] == '"') {
            r->state = ST_QUOTED;
            return append(r, r->in + r->pos++, 1, err);
        }
        r->state = ST_AFTER_QUOTE;
        return 0;
    case ST_AFTER_QUOTE:
    case ST_AFTER_CR:
        return step_after_quote(r, err);
    }
    return 0;
}

/* End of input: closes the open record, if any. */
static int at_end(tc_reader *r, tc_record *rec, tc_err *err)
{
    if (!r->in_record)
        return 0;
    if (r->discard) {
        r->in_record = 0;
        r->discard = 0;
        return 0;
    }
    if (r->state == ST_QUOTED) {
        r->in_record = 0;
        uint64_t last = r->line - (r->last == '\n');
        if (last == r->quote_line)
            return tc_err_set(err, "%s:%llu: unterminated quoted field", r->name, (unsigned long long)r->quote_line);
        return tc_err_set(err, "%s:%llu: unterminated quoted field (opened on line %llu)", r->name,
                          (unsigned long long)last, (unsigned long long)r->quote_line);
    }
    if (r->state == ST_START && begin_field(r, err) < 0)
        return -1;
    if (end_field(r, 0, err) < 0)
        return -1;
    return end_record(r, rec);
}

int tc_reader_next(tc_reader *r, tc_record *rec, tc_err *err)
{
    rec->nfields = 0;
    rec->fields = NULL;
    rec->lens = NULL;
    rec->line = 0;
    if (r->fatal)
        return 0;
    for (;;) {
        if (r->pos == r->len) {
            int got = fill(r, err);
            if (got < 0)
                return -1;
            if (got == 0)
                return at_end(r, rec, err);
            continue;
        }
        if (!r->in_record) {
            r->in_record = 1;
            r->rec_line = r->line;
            r->nf = 0;
            r->blen = 0;
            r->state = ST_START;
        }
        int got = step(r, err);
        if (got < 0)
            return -1;
        if (got > 0 && end_record(r, rec))
            return 1;
    }
}

int tc_reader_recoverable(const tc_reader *r)
{
    return !r->fatal;
}

uint32_t tc_reader_crc32(const tc_reader *r)
{
    return r->crc;
}

tc_reader *tc_reader_from_stream(FILE *f, const char *name, enum tc_format fmt, tc_err *err)
{
    tc_reader *r = calloc(1, sizeof *r);
    if (!r) {
        tc_err_oom(err, "reader");
        return NULL;
    }
    r->f = f;
    r->name = strdup(name);
    r->in = malloc(IN_SIZE);
    r->bcap = 4096;
    r->buf = malloc(r->bcap);
    r->fcap = 16;
    r->fields = malloc(r->fcap * sizeof *r->fields);
    r->lens = malloc(r->fcap * sizeof *r->lens);
    if (!r->name || !r->in || !r->buf || !r->fields || !r->lens) {
        tc_reader_close(r);
        tc_err_oom(err, "reader");
        return NULL;
    }
    r->quoting = fmt == TC_FMT_CSV;
    r->one_field = fmt == TC_FMT_FASTTEXT || fmt == TC_FMT_LINES || fmt == TC_FMT_JSONL;
    r->sep = fmt == TC_FMT_TSV ? '\t' : ',';
    if (!r->one_field)
        r->stop[r->sep] = 1;
    r->stop['\n'] = 1;
    r->max = TC_READER_MAX_RECORD;
    r->line = 1;
    return r;
}

tc_reader *tc_reader_open(const char *path, enum tc_format fmt, tc_err *err)
{
    if (strcmp(path, "-") == 0)
        return tc_reader_from_stream(stdin, "<stdin>", fmt, err);
    FILE *f = fopen(path, "rb");
    if (!f) {
        tc_err_set(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        tc_err_set(err, "%s: %s", path, strerror(EISDIR));
        return NULL;
    }
    tc_reader *r = tc_reader_from_stream(f, path, fmt, err);
    if (!r) {
        fclose(f);
        return NULL;
    }
    r->own = 1;
    return r;
}

void tc_reader_close(tc_reader *r)
{
    if (!r)
        return;
    if (r->own)
        fclose(r->f);
    free(r->name);
    free(r->in);
    free(r->buf);
    free(r->fields);
    free(r->lens);
    if (r->z)
        inflateEnd(r->z);
    free(r->z);
    free(r->zin);
    free(r);
}

void tc_reader_set_stop(tc_reader *r, const volatile sig_atomic_t *stop)
{
    r->halt = stop;
}

void tc_reader_set_partial_reads(tc_reader *r, int on)
{
    r->partial = on != 0;
}

void tc_reader_set_max_record(tc_reader *r, size_t bytes)
{
    /* keeps the size sums in reserve() far from overflow */
    r->max = bytes < SIZE_MAX / 4 ? bytes : SIZE_MAX / 4;
}

static int ft_space(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

size_t tc_fasttext_parse(const char *line, size_t len, tc_span *labels, size_t max_labels, tc_span *text)
{
    static const char prefix[] = "__label__";
    const size_t pl = sizeof prefix - 1;
    size_t n = 0, i = 0;
    for (;;) {
        while (i < len && ft_space(line[i]))
            i++;
        size_t j = i;
        while (j < len && !ft_space(line[j]))
            j++;
        if (j - i < pl || memcmp(line + i, prefix, pl) != 0)
            break;
        if (n < max_labels) {
            labels[n].p = line + i + pl;
            labels[n].len = j - i - pl;
        }
        n++;
        i = j;
    }
    if (text) {
        text->p = line + i;
        text->len = len - i;
    }
    return n;
}

int tc_csv_write_field(FILE *f, const char *s, size_t len, char sep)
{
    int quote = len && (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t');
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == sep || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote)
        return len && fwrite(s, 1, len, f) != len ? -1 : 0;
    putc('"', f);
    const char *p = s, *end = s + len;
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        const char *stop = q ? q + 1 : end;
        fwrite(p, 1, (size_t)(stop - p), f);
        if (q)
            putc('"', f);
        p = stop;
    }
    putc('"', f);
    return ferror(f) ? -1 : 0;
}
