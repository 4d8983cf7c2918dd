/* text.c — see text.h. */
#include "text.h"

#include <string.h>
#include <utf8proc.h>

size_t tc_glyph_next(const char *s, size_t n, tc_glyph *g)
{
    if (n == 0)
        return 0;
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &cp);
    g->cols = 1;
    if (k < 1) {
        g->cp = -1;
        g->show = "\xEF\xBF\xBD";
        g->show_len = 3;
        return 1;
    }
    g->cp = cp;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
        g->show = "?";
        g->show_len = 1;
        return (size_t)k;
    }
    g->show = s;
    g->show_len = (size_t)k;
    g->cols = utf8proc_charwidth(cp);
    return (size_t)k;
}

int tc_text_cols(const char *s)
{
    size_t left = strlen(s), k;
    int total = 0;
    tc_glyph g;
    while ((k = tc_glyph_next(s, left, &g)) > 0) {
        total += g.cols;
        s += k, left -= k;
    }
    return total;
}

int tc_text_put_cut(FILE *f, const char *s, int maxw, int xml)
{
    int fits = tc_text_cols(s) <= maxw, budget = fits ? maxw : maxw - 1, used = 0;
    size_t left = strlen(s), k;
    tc_glyph g;
    while ((k = tc_glyph_next(s, left, &g)) > 0 && used + g.cols <= budget) {
        const char *ent = xml ? tc_xml_entity(g.cp) : NULL;
        if (f && ent)
            fputs(ent, f);
        else if (f)
            fwrite(g.show, 1, g.show_len, f);
        used += g.cols;
        s += k, left -= k;
    }
    if (!fits) {
        if (f)
            fputs("\xE2\x80\xA6", f);
        used++;
    }
    return used;
}

void tc_json_str(FILE *f, const char *s, size_t len)
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
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
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

const char *tc_xml_entity(int32_t cp)
{
    switch (cp) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    default:
        return NULL;
    }
}
