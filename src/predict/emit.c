/* emit.c — see emit.h. */
#include "emit.h"

#include <utf8proc.h>

#include "text/reader.h"

void tc_emit_tsv_field(FILE *f, const char *s, size_t len)
{
    const char *run = s;
    for (const char *p = s; p < s + len; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '\t' ? "\\t" : *p == '\n' ? "\\n" : *p == '\r' ? "\\r" : NULL;
        if (!esc)
            continue;
        fwrite(run, 1, (size_t)(p - run), f);
        fputs(esc, f);
        run = p + 1;
    }
    fwrite(run, 1, (size_t)(s + len - run), f);
}

void tc_emit_json_str(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    const char *p = s, *end = s + len;
    while (p < end) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)p, end - p, &cp);
        if (n < 1) {
            fputs("\\ufffd", f);
            p++;
            continue;
        }
        switch (cp) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (cp < 0x20 || cp == 0x7F)
                fprintf(f, "\\u%04x", (unsigned)cp);
            else
                fwrite(p, 1, (size_t)n, f);
        }
        p += n;
    }
    fputc('"', f);
}

void tc_emit_field(FILE *f, enum tc_emit_format fmt, const char *s, size_t len)
{
    if (fmt == TC_EMIT_TSV)
        tc_emit_tsv_field(f, s, len);
    else if (fmt == TC_EMIT_CSV)
        tc_csv_write_field(f, s, len, ',');
    else
        tc_emit_json_str(f, s, len);
}
