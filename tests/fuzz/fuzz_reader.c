/* fuzz_reader.c — the CSV / TSV / fastText / lines reader (text/reader.h).
 *
 * Input byte 0 picks the format (bits 0-1), a tiny record limit (bit 2) and
 * on_error: skip behaviour (bit 3: keep reading after recoverable errors);
 * the rest is the file.  Properties checked on every record:
 *   - at least one field; lens[i] bytes readable and fields[i][lens[i]] == 0;
 *   - line numbers never go backwards and never exceed 1 + the LF count;
 *   - fastText: every label and the text span lie inside the line;
 *   - CSV: writing the fields with tc_csv_write_field and reading them back
 *     gives the same fields (the writer and reader agree on quoting). */
#include <string.h>

#include "fuzz.h"
#include "text/reader.h"

static void reader_csv_roundtrip(const tc_record *rec)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *w = open_memstream(&buf, &len);
    FUZZ_CHECK(w);
    /* a first line keeps a leading BOM in field 0 from being taken as the file's BOM */
    fputs("x\n", w);
    for (size_t i = 0; i < rec->nfields; i++) {
        if (i)
            fputc(',', w);
        FUZZ_CHECK(tc_csv_write_field(w, rec->fields[i], rec->lens[i], ',') == 0);
    }
    fputc('\n', w);
    fclose(w);
    FILE *f = fmemopen(buf, len, "r");
    FUZZ_CHECK(f);
    tc_err err = {{0}};
    tc_reader *r = tc_reader_from_stream(f, "<roundtrip>", TC_FMT_CSV, &err);
    FUZZ_CHECK(r);
    tc_record back;
    FUZZ_CHECK(tc_reader_next(r, &back, &err) == 1);
    FUZZ_CHECK(tc_reader_next(r, &back, &err) == 1);
    FUZZ_CHECK(back.nfields == rec->nfields);
    for (size_t i = 0; i < back.nfields; i++)
        FUZZ_CHECK(back.lens[i] == rec->lens[i] && memcmp(back.fields[i], rec->fields[i], back.lens[i]) == 0);
    FUZZ_CHECK(tc_reader_next(r, &back, &err) == 0);
    tc_reader_close(r);
    fclose(f);
    free(buf);
}

static void reader_fasttext(const tc_record *rec)
{
    tc_span labels[4], text;
    const char *line = rec->fields[0], *end = line + rec->lens[0];
    size_t n = tc_fasttext_parse(line, rec->lens[0], labels, 4, &text);
    for (size_t i = 0; i < n && i < 4; i++)
        FUZZ_CHECK(labels[i].p >= line && labels[i].p + labels[i].len <= end);
    FUZZ_CHECK(text.p >= line && text.p + text.len <= end);
    FUZZ_CHECK(tc_fasttext_parse(line, rec->lens[0], NULL, 0, NULL) == n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum tc_format fmt = (enum tc_format)(data[0] & 3);
    int tiny = data[0] & 4, go_on = data[0] & 8;
    data++, size--;
    uint64_t lfs = 0;
    for (size_t i = 0; i < size; i++)
        lfs += data[i] == '\n';
    /* fmemopen needs a non-empty writable-typed buffer; a copy also catches over-reads */
    char *copy = malloc(size + 1);
    FUZZ_CHECK(copy);
    memcpy(copy, data, size);
    FILE *f = fmemopen(copy, size ? size : 1, "r");
    FUZZ_CHECK(f);
    if (!size)
        fgetc(f); /* a 1-byte buffer read empty: an empty file */
    tc_err err = {{0}};
    tc_reader *r = tc_reader_from_stream(f, "<fuzz>", fmt, &err);
    FUZZ_CHECK(r);
    if (tiny)
        tc_reader_set_max_record(r, 64);
    uint64_t last = 0;
    tc_record rec;
    for (;;) {
        int rc = tc_reader_next(r, &rec, &err);
        if (rc == 0)
            break;
        if (rc < 0) {
            FUZZ_CHECK(err.msg[0] != 0);
            if (go_on && tc_reader_recoverable(r))
                continue;
            break;
        }
        FUZZ_CHECK(rec.nfields >= 1);
        FUZZ_CHECK(rec.line >= last && rec.line >= 1 && rec.line <= lfs + 1);
        last = rec.line;
        for (size_t i = 0; i < rec.nfields; i++) {
            volatile unsigned char sink = 0;
            for (size_t j = 0; j < rec.lens[i]; j++)
                sink ^= (unsigned char)rec.fields[i][j];
            (void)sink;
            FUZZ_CHECK(rec.fields[i][rec.lens[i]] == 0);
        }
        if (fmt == TC_FMT_FASTTEXT || fmt == TC_FMT_LINES)
            FUZZ_CHECK(rec.nfields == 1);
        if (fmt == TC_FMT_FASTTEXT)
            reader_fasttext(&rec);
        if (fmt == TC_FMT_CSV)
            reader_csv_roundtrip(&rec);
    }
    tc_reader_close(r);
    fclose(f);
    free(copy);
    return 0;
}
