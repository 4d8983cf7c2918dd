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

void tc_emit_field(FILE *f, enum tc_emit_format fmt, const char *s, size_t len)
{
    if (fmt == TC_EMIT_TSV)
        tc_emit_tsv_field(f, s, len);
    else if (fmt == TC_EMIT_CSV)
        tc_csv_write_field(f, s, len, ',');
    else
        tc_json_str(f, s, len);
}
