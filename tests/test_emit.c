/* test_emit.c — predict's output fields: TSV escapes, JSON strings. */
#include "tc_test.h"

#include "predict/emit.h"

static char *capture(void (*fn)(FILE *, const char *, size_t), const char *s, size_t n)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    fn(f, s, n);
    long len = ftell(f);
    rewind(f);
    char *out = calloc((size_t)len + 1, 1);
    assert_non_null(out);
    assert_int_equal(fread(out, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    return out;
}

static void tsv_escapes_separators(void **state)
{
    (void)state;
    static const char in[] = "a\tb\nc\\d\re \"q\"";
    char *out = capture(tc_emit_tsv_field, in, sizeof in - 1);
    assert_string_equal(out, "a\\tb\\nc\\\\d\\re \"q\"");
    assert_null(strchr(out, '\t'));
    assert_null(strchr(out, '\n'));
    free(out);
    out = capture(tc_emit_tsv_field, "", 0);
    assert_string_equal(out, "");
    free(out);
}

static void json_escapes_and_repairs(void **state)
{
    (void)state;
    /* quote, backslash, LF, TAB, a C0 control, NUL, DEL, a lone continuation
     * byte, a truncated 3-byte sequence, and valid non-ASCII (é, 日) */
    static const char in[] = "\"\\\n\t\x01x\0y\x7f\x80z\xe6\x97 \xc3\xa9\xe6\x97\xa5";
    char *out = capture(tc_json_str, in, sizeof in - 1);
    assert_string_equal(out, "\"\\\"\\\\\\n\\t\\u0001x\\u0000y\\u007f\\ufffdz\\ufffd\\ufffd \xc3\xa9\xe6\x97\xa5\"");
    free(out);
}

static void field_dispatch(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    tc_emit_field(f, TC_EMIT_CSV, "a,b", 3);
    fputc('|', f);
    tc_emit_field(f, TC_EMIT_TSV, "a,b", 3);
    fputc('|', f);
    tc_emit_field(f, TC_EMIT_JSONL, "a,b", 3);
    rewind(f);
    char buf[64] = {0};
    assert_true(fread(buf, 1, sizeof buf - 1, f) > 0);
    assert_string_equal(buf, "\"a,b\"|a,b|\"a,b\"");
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tsv_escapes_separators),
        cmocka_unit_test(json_escapes_and_repairs),
        cmocka_unit_test(field_dispatch),
    };
    return cmocka_run_group_tests_name("emit", tests, NULL, NULL);
}
