/* test_reader.c — the streaming record reader: CSV (RFC 4180 plus the lenient
 * bits), TSV, fastText and plain lines, error messages and recovery, limits,
 * the CSV field writer, and a seeded fuzz loop. */
#include "tc_test.h"

#include <unistd.h>

#include "text/reader.h"
#include "util/rng.h"

/* Path of the file written by open_bytes (messages start with it). */
static char g_path[64];

/* Writes n bytes to a fresh temp file, opens a reader on it, removes the file. */
static tc_reader *open_bytes(const char *data, size_t n, enum tc_format fmt)
{
    strcpy(g_path, "/tmp/tc_reader_XXXXXX");
    int fd = mkstemp(g_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
    tc_err err = {{0}};
    tc_reader *r = tc_reader_open(g_path, fmt, &err);
    unlink(g_path);
    if (!r)
        fail_msg("open: %s", err.msg);
    return r;
}

static tc_reader *open_str(const char *s, enum tc_format fmt)
{
    return open_bytes(s, strlen(s), fmt);
}

/* Reads the next record and checks its line and fields (NUL-free strings). */
static void expect_rec(tc_reader *r, uint64_t line, size_t n, const char *const *want)
{
    tc_record rec;
    tc_err err = {{0}};
    int got = tc_reader_next(r, &rec, &err);
    if (got != 1)
        fail_msg("expected a record on line %llu, got %d (%s)", (unsigned long long)line, got, err.msg);
    assert_int_equal(rec.line, line);
    assert_int_equal(rec.nfields, n);
    for (size_t i = 0; i < n; i++) {
        if (rec.lens[i] != strlen(want[i]) || memcmp(rec.fields[i], want[i], rec.lens[i]) != 0)
            fail_msg("line %llu field %zu: got '%.*s', want '%s'", (unsigned long long)line, i, (int)rec.lens[i],
                     rec.fields[i], want[i]);
        assert_int_equal(rec.fields[i][rec.lens[i]], '\0');
    }
}

#define EXPECT(r, line, ...)                                        \
    do {                                                            \
        const char *const want_[] = {__VA_ARGS__};                  \
        expect_rec(r, line, sizeof want_ / sizeof want_[0], want_); \
    } while (0)

static void expect_end(tc_reader *r)
{
    tc_record rec;
    tc_err err = {{0}};
    assert_int_equal(tc_reader_next(r, &rec, &err), 0);
    assert_int_equal(tc_reader_next(r, &rec, &err), 0);
}

/* Expects an error whose message starts with the temp path + ":" + line and
 * contains each of the given substrings. */
static void expect_err(tc_reader *r, uint64_t line, const char *sub1, const char *sub2)
{
    tc_record rec;
    tc_err err = {{0}};
    assert_int_equal(tc_reader_next(r, &rec, &err), -1);
    char head[96];
    snprintf(head, sizeof head, "%s:%llu: ", g_path, (unsigned long long)line);
    if (strncmp(err.msg, head, strlen(head)) != 0)
        fail_msg("message '%s' does not start with '%s'", err.msg, head);
    if (sub1 && !strstr(err.msg, sub1))
        fail_msg("message '%s' lacks '%s'", err.msg, sub1);
    if (sub2 && !strstr(err.msg, sub2))
        fail_msg("message '%s' lacks '%s'", err.msg, sub2);
    assert_int_equal(tc_reader_recoverable(r), 1);
}

static void csv_simple(void **state)
{
    (void)state;
    tc_reader *r = open_str("a,b,c\nd,e,f\n", TC_FMT_CSV);
    EXPECT(r, 1, "a", "b", "c");
    EXPECT(r, 2, "d", "e", "f");
    expect_end(r);
    tc_reader_close(r);

    r = open_str("", TC_FMT_CSV);
    expect_end(r);
    tc_reader_close(r);
}

static void csv_quoted(void **state)
{
    (void)state;
    tc_reader *r = open_str(
        "\"x,y\",\"he said \"\"hi\"\"\",\"l1\nl2\",\"cr\r\nlf\"\nz,1\n"
        "\"\"\"\",\"a\"\"\"\"b\"\n",
        TC_FMT_CSV);
    EXPECT(r, 1, "x,y", "he said \"hi\"", "l1\nl2", "cr\r\nlf");
    EXPECT(r, 4, "z", "1"); /* record 1 holds two LFs */
    EXPECT(r, 5, "\"", "a\"\"b");
    expect_end(r);
    tc_reader_close(r);
}

static void csv_crlf_and_lone_cr(void **state)
{
    (void)state;
    tc_reader *r = open_str("a,b\r\nc,d\n\"e\",f\r\n\"g\"\r\nx\ry,z\r\n\r\n", TC_FMT_CSV);
    EXPECT(r, 1, "a", "b");
    EXPECT(r, 2, "c", "d");
    EXPECT(r, 3, "e", "f");
    EXPECT(r, 4, "g");
    EXPECT(r, 5, "x\ry", "z");
    EXPECT(r, 6, "");
    expect_end(r);
    tc_reader_close(r);
}

/* Lines ended by CR alone (classic Mac OS) would read as one line: refused
 * by name, for good, in every format; one CR, or CRs beside an LF, are data. */
static void cr_only_lines(void **state)
{
    (void)state;
    for (int fmt = 0; fmt < 4; fmt++) {
        tc_reader *r = open_str("a,b\rc,d\re,f\r", (enum tc_format)fmt);
        tc_record rec;
        tc_err err;
        assert_int_equal(tc_reader_next(r, &rec, &err), -1);
        assert_non_null(strstr(err.msg, "lines end in CR alone (classic Mac OS)"));
        assert_non_null(strstr(err.msg, "tr '\\r' '\\n'"));
        assert_int_equal(tc_reader_recoverable(r), 0);
        assert_int_equal(tc_reader_next(r, &rec, &err), 0);
        tc_reader_close(r);
    }
    tc_reader *r = open_str("a\rb,c\r", TC_FMT_CSV); /* one CR before the end: one line holding it */
    EXPECT(r, 1, "a\rb", "c\r");
    expect_end(r);
    tc_reader_close(r);
    r = open_str("a\rb\rc\nd\n", TC_FMT_LINES); /* an LF: CRs are characters */
    EXPECT(r, 1, "a\rb\rc");
    EXPECT(r, 2, "d");
    expect_end(r);
    tc_reader_close(r);
}

static void bom_and_last_line(void **state)
{
    (void)state;
    tc_reader *r = open_str("\xEF\xBB\xBFh1,h2\nv1,\"v2\"", TC_FMT_CSV);
    EXPECT(r, 1, "h1", "h2");
    EXPECT(r, 2, "v1", "v2");
    expect_end(r);
    tc_reader_close(r);

    /* only at the very start */
    r = open_str(
        "a\n\xEF\xBB\xBF"
        "b",
        TC_FMT_CSV);
    EXPECT(r, 1, "a");
    EXPECT(r, 2,
           "\xEF\xBB\xBF"
           "b");
    expect_end(r);
    tc_reader_close(r);

    r = open_str("\xEF\xBB\xBF", TC_FMT_CSV);
    expect_end(r);
    tc_reader_close(r);

    r = open_str("\xEF\xBB\xBF__label__a x\r\nlast", TC_FMT_FASTTEXT);
    EXPECT(r, 1, "__label__a x");
    EXPECT(r, 2, "last");
    expect_end(r);
    tc_reader_close(r);

    r = open_str("a,b,", TC_FMT_CSV);
    EXPECT(r, 1, "a", "b", "");
    expect_end(r);
    tc_reader_close(r);
}

static void empty_fields_and_lines(void **state)
{
    (void)state;
    tc_reader *r = open_str(",,\n\na,\n,\"\"\n\"\"\n", TC_FMT_CSV);
    EXPECT(r, 1, "", "", "");
    EXPECT(r, 2, "");
    EXPECT(r, 3, "a", "");
    EXPECT(r, 4, "", "");
    EXPECT(r, 5, "");
    expect_end(r);
    tc_reader_close(r);
}

static void unquoted_quote_is_data(void **state)
{
    (void)state;
    tc_reader *r = open_str("ab\"c,d\"\"e\n5\" screen,x\n", TC_FMT_CSV);
    EXPECT(r, 1, "ab\"c", "d\"\"e");
    EXPECT(r, 2, "5\" screen", "x");
    expect_end(r);
    tc_reader_close(r);
}

static void unterminated_quote(void **state)
{
    (void)state;
    tc_reader *r = open_str("a,b\nc,\"open\nmore\nstuff\n", TC_FMT_CSV);
    EXPECT(r, 1, "a", "b");
    expect_err(r, 4, "unterminated quoted field", "opened on line 2");
    expect_end(r);
    tc_reader_close(r);

    r = open_str("x\n\"abc", TC_FMT_CSV);
    EXPECT(r, 1, "x");
    expect_err(r, 2, "unterminated quoted field", NULL);
    expect_end(r);
    tc_reader_close(r);
}

static void garbage_after_quote(void **state)
{
    (void)state;
    tc_reader *r = open_str("a,b\n\"x\"y,z\nc,d\n", TC_FMT_CSV);
    EXPECT(r, 1, "a", "b");
    expect_err(r, 2, "unexpected character after closing quote", "'y'");
    EXPECT(r, 3, "c", "d");
    expect_end(r);
    tc_reader_close(r);

    /* detected on a later line than the record start; CR without LF */
    r = open_str("\"p\nq\"!\n1,\"a\"\rb\n2\n", TC_FMT_CSV);
    expect_err(r, 2, "unexpected character after closing quote", "record starts on line 1");
    expect_err(r, 3, "unexpected character after closing quote", "CR");
    EXPECT(r, 4, "2");
    expect_end(r);
    tc_reader_close(r);

    /* resynchronisation follows a quote opened later in the bad record */
    r = open_str("\"a\"x,\"b\nc\"\nnext\n", TC_FMT_CSV);
    expect_err(r, 1, "after closing quote", NULL);
    EXPECT(r, 3, "next");
    expect_end(r);
    tc_reader_close(r);

    /* garbage on the last line */
    r = open_str("\"a\"b", TC_FMT_CSV);
    expect_err(r, 1, "after closing quote", NULL);
    expect_end(r);
    tc_reader_close(r);
}

static void line_numbers_after_multiline(void **state)
{
    (void)state;
    /* record k has k LFs inside its quoted field */
    char data[4096];
    size_t n = 0;
    for (int k = 0; k < 20; k++) {
        n += (size_t)snprintf(data + n, sizeof data - n, "%d,\"", k);
        for (int j = 0; j < k; j++)
            n += (size_t)snprintf(data + n, sizeof data - n, "x\n");
        n += (size_t)snprintf(data + n, sizeof data - n, "\"%s", k % 2 ? "\r\n" : "\n");
    }
    tc_reader *r = open_bytes(data, n, TC_FMT_CSV);
    uint64_t line = 1;
    for (int k = 0; k < 20; k++) {
        tc_record rec;
        tc_err err;
        assert_int_equal(tc_reader_next(r, &rec, &err), 1);
        assert_int_equal(rec.line, line);
        assert_int_equal(rec.nfields, 2);
        assert_int_equal(rec.lens[1], 2 * k);
        assert_int_equal(atoi(rec.fields[0]), k);
        line += (uint64_t)k + 1;
    }
    expect_end(r);
    tc_reader_close(r);
}

static void tsv(void **state)
{
    (void)state;
    tc_reader *r = open_str("a\t\"b\tc\"\r\nd\"\te,f\n\t\n\"x\"", TC_FMT_TSV);
    EXPECT(r, 1, "a", "\"b", "c\"");
    EXPECT(r, 2, "d\"", "e,f");
    EXPECT(r, 3, "", "");
    EXPECT(r, 4, "\"x\"");
    expect_end(r);
    tc_reader_close(r);
}

static void fasttext_and_lines(void **state)
{
    (void)state;
    tc_reader *r = open_str("__label__a text, here\r\n__label__b\t\"q\n", TC_FMT_FASTTEXT);
    EXPECT(r, 1, "__label__a text, here");
    EXPECT(r, 2, "__label__b\t\"q");
    expect_end(r);
    tc_reader_close(r);

    r = open_str("one,two\n\"q\"\n\n\tlast\r", TC_FMT_LINES);
    EXPECT(r, 1, "one,two");
    EXPECT(r, 2, "\"q\"");
    EXPECT(r, 3, "");
    EXPECT(r, 4, "\tlast\r");
    expect_end(r);
    tc_reader_close(r);
}

static void span_is(tc_span s, const char *want)
{
    if (s.len != strlen(want) || memcmp(s.p, want, s.len) != 0)
        fail_msg("span '%.*s', want '%s'", (int)s.len, s.p, want);
}

static void fasttext_parse(void **state)
{
    (void)state;
    tc_span lab[4], text;
    const char *s = "__label__pos __label__good  great movie ";
    assert_int_equal(tc_fasttext_parse(s, strlen(s), lab, 4, &text), 2);
    span_is(lab[0], "pos");
    span_is(lab[1], "good");
    span_is(text, "great movie ");

    s = "just __label__x text";
    assert_int_equal(tc_fasttext_parse(s, strlen(s), lab, 4, &text), 0);
    span_is(text, s);

    s = "__label__only";
    assert_int_equal(tc_fasttext_parse(s, strlen(s), lab, 4, &text), 1);
    span_is(lab[0], "only");
    assert_int_equal(text.len, 0);
    assert_ptr_equal(text.p, s + strlen(s));

    s = "\t__label__a\t__label__b\tword\tword2";
    assert_int_equal(tc_fasttext_parse(s, strlen(s), lab, 4, &text), 2);
    span_is(lab[0], "a");
    span_is(lab[1], "b");
    span_is(text, "word\tword2");

    /* more labels than room; the count is still the full count */
    s = "__label__1 __label__2 __label__3 t";
    assert_int_equal(tc_fasttext_parse(s, strlen(s), lab, 1, &text), 3);
    span_is(lab[0], "1");
    span_is(text, "t");
    assert_int_equal(tc_fasttext_parse(s, strlen(s), NULL, 0, NULL), 3);

    s = "__label__ __label_x y";
    assert_int_equal(tc_fasttext_parse(s, strlen(s), lab, 4, &text), 1);
    span_is(lab[0], "");
    span_is(text, "__label_x y");

    assert_int_equal(tc_fasttext_parse("", 0, lab, 4, &text), 0);
    assert_int_equal(text.len, 0);

    /* the length bounds the scan: no label beyond len */
    s = "__label__ab";
    assert_int_equal(tc_fasttext_parse(s, 8, lab, 4, &text), 0);
    span_is(text, "__label_");
}

static void nul_bytes(void **state)
{
    (void)state;
    static const char data[] = "a\0b,\"c\0\"\"d\"\n\0\n";
    tc_reader *r = open_bytes(data, sizeof data - 1, TC_FMT_CSV);
    tc_record rec;
    tc_err err;
    assert_int_equal(tc_reader_next(r, &rec, &err), 1);
    assert_int_equal(rec.nfields, 2);
    assert_int_equal(rec.lens[0], 3);
    assert_memory_equal(rec.fields[0], "a\0b", 4);
    assert_int_equal(rec.lens[1], 4);
    assert_memory_equal(rec.fields[1], "c\0\"d", 5);
    assert_int_equal(tc_reader_next(r, &rec, &err), 1);
    assert_int_equal(rec.line, 2);
    assert_int_equal(rec.nfields, 1);
    assert_int_equal(rec.lens[0], 1);
    assert_int_equal(rec.fields[0][0], '\0');
    expect_end(r);
    tc_reader_close(r);
}

static void max_record(void **state)
{
    (void)state;
    char data[2048];
    char big[301];
    memset(big, 'x', 300);
    big[300] = 0;
    /* an unquoted and a quoted multi-line record over the limit */
    int n = snprintf(data, sizeof data, "short,1\n%s,2\nok,3\n\"%.100s\n%.100s\n%.100s\",4\nend\n", big, big, big, big);
    tc_reader *r = open_bytes(data, (size_t)n, TC_FMT_CSV);
    tc_reader_set_max_record(r, 200);
    EXPECT(r, 1, "short", "1");
    expect_err(r, 2, "longer than the limit of 200 bytes", NULL);
    EXPECT(r, 3, "ok", "3");
    expect_err(r, 4, "longer than", NULL);
    EXPECT(r, 7, "end");
    expect_end(r);
    tc_reader_close(r);

    /* many empty fields: the bookkeeping counts, so memory stays bounded */
    memset(data, ',', 1000);
    data[1000] = '\n';
    memcpy(data + 1001, "a,b\n", 4);
    r = open_bytes(data, 1005, TC_FMT_CSV);
    tc_reader_set_max_record(r, 1000);
    expect_err(r, 1, "longer than", NULL);
    EXPECT(r, 2, "a", "b");
    expect_end(r);
    tc_reader_close(r);

    /* a record just inside the limit: 150 + 17 + 10 + 17 bytes */
    n = snprintf(data, sizeof data, "%.150s,%.10s", big, big);
    r = open_bytes(data, (size_t)n, TC_FMT_CSV);
    tc_reader_set_max_record(r, 194);
    tc_record rec;
    tc_err err;
    assert_int_equal(tc_reader_next(r, &rec, &err), 1);
    assert_int_equal(rec.lens[0], 150);
    tc_reader_close(r);
    r = open_bytes(data, (size_t)n, TC_FMT_CSV);
    tc_reader_set_max_record(r, 193);
    expect_err(r, 1, "longer than", NULL);
    expect_end(r);
    tc_reader_close(r);

    /* lines format, limit hit on a line without a final LF */
    r = open_str("abc\n0123456789", TC_FMT_LINES);
    tc_reader_set_max_record(r, 25);
    EXPECT(r, 1, "abc");
    expect_err(r, 2, "longer than", NULL);
    expect_end(r);
    tc_reader_close(r);
}

static void huge_quoted_field(void **state)
{
    (void)state;
    /* a 1 MB field with quotes, LFs, CRs and commas across many 64 KiB blocks */
    const size_t m = 1 << 20;
    char *want = malloc(m);
    char *data = malloc(2 * m + 64);
    assert_non_null(want);
    assert_non_null(data);
    static const char alpha[] = "ab\",\n\rcd  e";
    size_t lfs = 0, n = 0;
    data[n++] = '"';
    for (size_t i = 0; i < m; i++) {
        want[i] = alpha[(i * 7 + i / 13) % (sizeof alpha - 1)];
        lfs += want[i] == '\n';
        data[n++] = want[i];
        if (want[i] == '"')
            data[n++] = '"';
    }
    n += (size_t)sprintf(data + n, "\",tail\r\nnext\n");
    tc_reader *r = open_bytes(data, n, TC_FMT_CSV);
    tc_record rec;
    tc_err err;
    assert_int_equal(tc_reader_next(r, &rec, &err), 1);
    assert_int_equal(rec.line, 1);
    assert_int_equal(rec.nfields, 2);
    assert_int_equal(rec.lens[0], m);
    assert_memory_equal(rec.fields[0], want, m);
    assert_string_equal(rec.fields[1], "tail");
    EXPECT(r, 2 + lfs, "next");
    expect_end(r);
    tc_reader_close(r);
    free(want);
    free(data);
}

static void open_errors(void **state)
{
    (void)state;
    tc_err err = {{0}};
    assert_null(tc_reader_open("/nonexistent-dir/x.csv", TC_FMT_CSV, &err));
    assert_string_equal(err.msg, "/nonexistent-dir/x.csv: No such file or directory");
    assert_null(tc_reader_open("/tmp", TC_FMT_CSV, &err));
    assert_string_equal(err.msg, "/tmp: Is a directory");

    /* a read error (stream open for writing only) is fatal and reported once */
    char path[] = "/tmp/tc_reader_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    tc_reader *r = tc_reader_from_stream(f, "w.csv", TC_FMT_CSV, &err);
    assert_non_null(r);
    tc_record rec;
    assert_int_equal(tc_reader_next(r, &rec, &err), -1);
    assert_true(strncmp(err.msg, "w.csv:1: read error", 19) == 0);
    assert_int_equal(tc_reader_recoverable(r), 0);
    assert_int_equal(tc_reader_next(r, &rec, &err), 0);
    tc_reader_close(r);
    fclose(f);
    unlink(path);
}

static void stream_and_stdin(void **state)
{
    (void)state;
    static char text[] = "n,\"bad\"x\n";
    FILE *f = fmemopen(text, sizeof text - 1, "r");
    assert_non_null(f);
    tc_err err;
    tc_reader *r = tc_reader_from_stream(f, "mem", TC_FMT_CSV, &err);
    assert_non_null(r);
    tc_record rec;
    assert_int_equal(tc_reader_next(r, &rec, &err), -1);
    assert_true(strncmp(err.msg, "mem:1: ", 7) == 0);
    assert_non_null(strstr(err.msg, "field 2"));
    tc_reader_close(r);
    fclose(f); /* still the caller's */

    /* "-" reads stdin and leaves it open */
    char path[] = "/tmp/tc_reader_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s1,s2\n\"", 7), 7);
    close(fd);
    assert_non_null(freopen(path, "rb", stdin));
    unlink(path);
    r = tc_reader_open("-", TC_FMT_CSV, &err);
    assert_non_null(r);
    EXPECT(r, 1, "s1", "s2");
    assert_int_equal(tc_reader_next(r, &rec, &err), -1);
    assert_true(strncmp(err.msg, "<stdin>:2: unterminated", 23) == 0);
    tc_reader_close(r);
    rewind(stdin);
    assert_int_equal(fgetc(stdin), 's');
}

/* Writes records with tc_csv_write_field into a temp file and opens it. */
static tc_reader *write_records(const char *const *fields, const size_t *lens, size_t nrec, size_t nf, char sep,
                                enum tc_format fmt)
{
    strcpy(g_path, "/tmp/tc_reader_XXXXXX");
    int fd = mkstemp(g_path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < nrec; i++) {
        for (size_t j = 0; j < nf; j++) {
            if (j)
                fputc(sep, f);
            assert_int_equal(tc_csv_write_field(f, fields[i * nf + j], lens[i * nf + j], sep), 0);
        }
        fputs(i % 2 ? "\r\n" : "\n", f);
    }
    fclose(f);
    tc_err err;
    tc_reader *r = tc_reader_open(g_path, fmt, &err);
    unlink(g_path);
    assert_non_null(r);
    return r;
}

static void write_field(void **state)
{
    (void)state;
    /* exact output against RFC 4180 */
    char *out = NULL;
    size_t outlen = 0;
    FILE *m = open_memstream(&out, &outlen);
    assert_non_null(m);
    assert_int_equal(tc_csv_write_field(m, "plain", 5, ','), 0);
    fputc('|', m);
    assert_int_equal(tc_csv_write_field(m, "a\"b", 3, ','), 0);
    fputc('|', m);
    assert_int_equal(tc_csv_write_field(m, "a,b", 3, ','), 0);
    fputc('|', m);
    assert_int_equal(tc_csv_write_field(m, "a,b", 3, '\t'), 0);
    fputc('|', m);
    assert_int_equal(tc_csv_write_field(m, "a\tb", 3, '\t'), 0);
    fputc('|', m);
    assert_int_equal(tc_csv_write_field(m, " x", 2, ','), 0);
    fputc('|', m);
    assert_int_equal(tc_csv_write_field(m, "", 0, ','), 0);
    fclose(m);
    assert_int_equal(outlen, strlen("plain|\"a\"\"b\"|\"a,b\"|a,b|\"a\tb\"|\" x\"|"));
    assert_memory_equal(out, "plain|\"a\"\"b\"|\"a,b\"|a,b|\"a\tb\"|\" x\"|", outlen);
    free(out);

    /* round trip */
    static const char *const f[] = {
        "plain", "with,comma", "q\"uote", "multi\nline", "cr\r\nlf", " lead", "trail ",
        "",      "\"",         "a\0b",    "\"\"\"",      "x\r",      "\n",    "end",
    };
    static const size_t len[] = {5, 10, 6, 10, 7, 5, 6, 0, 1, 3, 3, 2, 1, 3};
    tc_reader *r = write_records(f, len, 2, 7, ',', TC_FMT_CSV);
    tc_record rec;
    tc_err err;
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(tc_reader_next(r, &rec, &err), 1);
        assert_int_equal(rec.nfields, 7);
        for (size_t j = 0; j < 7; j++) {
            assert_int_equal(rec.lens[j], len[i * 7 + j]);
            assert_memory_equal(rec.fields[j], f[i * 7 + j], len[i * 7 + j]);
        }
    }
    expect_end(r);
    tc_reader_close(r);
}

/* Random fields → tc_csv_write_field → reader gives them back. */
static void write_roundtrip_fuzz(void **state)
{
    (void)state;
    static const char alpha[] = {',', '"', '\r', '\n', 'a', ' ', '\0', '\xff', '\t'};
    enum { NREC = 300, NF = 4, FL = 12 };
    static char buf[NREC * NF][FL];
    static const char *fields[NREC * NF];
    static size_t lens[NREC * NF];
    tc_rng g;
    tc_rng_seed(&g, 11);
    for (size_t i = 0; i < NREC * NF; i++) {
        lens[i] = tc_rng_below(&g, FL);
        for (size_t k = 0; k < lens[i]; k++)
            buf[i][k] = alpha[tc_rng_below(&g, sizeof alpha)];
        fields[i] = buf[i];
    }
    tc_reader *r = write_records(fields, lens, NREC, NF, ',', TC_FMT_CSV);
    tc_record rec;
    tc_err err;
    for (size_t i = 0; i < NREC; i++) {
        if (tc_reader_next(r, &rec, &err) != 1)
            fail_msg("record %zu: %s", i, err.msg);
        assert_int_equal(rec.nfields, NF);
        for (size_t j = 0; j < NF; j++) {
            assert_int_equal(rec.lens[j], lens[i * NF + j]);
            assert_memory_equal(rec.fields[j], fields[i * NF + j], lens[i * NF + j]);
        }
    }
    expect_end(r);
    tc_reader_close(r);
}

/* Random short inputs: every return is 1/0/-1, errors have a message, the
 * reader always terminates, fields are terminated, lines never go backwards;
 * in LINES mode the records match an independent split on LF. */
static void fuzz(void **state)
{
    (void)state;
    static const char alpha[] = {',', '"', '\r', '\n', 'a', '\0', '\xff', '\t'};
    tc_rng g;
    tc_rng_seed(&g, 2024);
    for (int it = 0; it < 5000; it++) {
        char in[48];
        size_t n = 1 + tc_rng_below(&g, sizeof in);
        uint64_t lfs = 0;
        for (size_t i = 0; i < n; i++) {
            in[i] = alpha[tc_rng_below(&g, sizeof alpha)];
            lfs += in[i] == '\n';
        }
        enum tc_format fmt = (enum tc_format)(it % 4);
        FILE *f = fmemopen(in, n, "r");
        assert_non_null(f);
        tc_err err;
        tc_reader *r = tc_reader_from_stream(f, "fz", fmt, &err);
        assert_non_null(r);
        size_t lone_cr = 0; /* CRs with a byte after them */
        for (size_t i = 0; i + 1 < n; i++)
            lone_cr += in[i] == '\r';
        if (lfs == 0 && lone_cr >= 2) { /* CR-ended lines: refused at once, for good */
            tc_record rec;
            assert_int_equal(tc_reader_next(r, &rec, &err), -1);
            assert_non_null(strstr(err.msg, "lines end in CR alone"));
            assert_int_equal(tc_reader_recoverable(r), 0);
            assert_int_equal(tc_reader_next(r, &rec, &err), 0);
            tc_reader_close(r);
            fclose(f);
            continue;
        }
        if (it % 3 == 0)
            tc_reader_set_max_record(r, 40);
        uint64_t prev = 0;
        size_t calls = 0, at = 0; /* at: LINES oracle position */
        for (;;) {
            tc_record rec;
            err.msg[0] = 0;
            int got = tc_reader_next(r, &rec, &err);
            assert_true(++calls <= n + 2);
            if (got == 0)
                break;
            if (got < 0) {
                assert_true(err.msg[0] != 0);
                assert_int_equal(tc_reader_recoverable(r), 1);
                assert_true(fmt != TC_FMT_LINES || it % 3 == 0);
                continue;
            }
            assert_int_equal(got, 1);
            assert_true(rec.line >= prev && rec.line <= lfs + 1);
            prev = rec.line;
            for (size_t i = 0; i < rec.nfields; i++)
                assert_int_equal(rec.fields[i][rec.lens[i]], '\0');
            if (fmt == TC_FMT_LINES && it % 3 != 0) {
                const char *e = memchr(in + at, '\n', n - at);
                size_t l = e ? (size_t)(e - (in + at)) : n - at;
                size_t want = e && l && in[at + l - 1] == '\r' ? l - 1 : l;
                assert_int_equal(rec.nfields, 1);
                assert_int_equal(rec.lens[0], want);
                assert_memory_equal(rec.fields[0], in + at, want);
                at += l + (e != NULL);
            }
        }
        if (fmt == TC_FMT_LINES && it % 3 != 0)
            assert_int_equal(at, n);
        tc_reader_close(r);
        fclose(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_simple),
        cmocka_unit_test(csv_quoted),
        cmocka_unit_test(csv_crlf_and_lone_cr),
        cmocka_unit_test(cr_only_lines),
        cmocka_unit_test(bom_and_last_line),
        cmocka_unit_test(empty_fields_and_lines),
        cmocka_unit_test(unquoted_quote_is_data),
        cmocka_unit_test(unterminated_quote),
        cmocka_unit_test(garbage_after_quote),
        cmocka_unit_test(line_numbers_after_multiline),
        cmocka_unit_test(tsv),
        cmocka_unit_test(fasttext_and_lines),
        cmocka_unit_test(fasttext_parse),
        cmocka_unit_test(nul_bytes),
        cmocka_unit_test(max_record),
        cmocka_unit_test(huge_quoted_field),
        cmocka_unit_test(open_errors),
        cmocka_unit_test(stream_and_stdin),
        cmocka_unit_test(write_field),
        cmocka_unit_test(write_roundtrip_fuzz),
        cmocka_unit_test(fuzz),
    };
    return cmocka_run_group_tests_name("reader", tests, NULL, NULL);
}
