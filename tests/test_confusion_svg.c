/* test_confusion_svg.c — the confusion-matrix SVG: well-formed XML, names
 * escaped and cut, every cell present with its count and share. */
#include "tc_test.h"

#include "eval/confusion_svg.h"

static char *render(const tc_mc_report *r, const char *const *names, const char *title)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(tc_confusion_svg_write(f, r, names, title), 0);
    long len = ftell(f);
    rewind(f);
    char *s = calloc((size_t)len + 1, 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    return s;
}

/* Tags balance (a stack of names), attribute values are quoted, and no raw
 * '&' or '<' appears in text: what an XML parser needs. */
static void assert_well_formed(const char *s)
{
    char stack[64][32];
    int depth = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '&') {
            assert_true(!strncmp(p, "&amp;", 5) || !strncmp(p, "&lt;", 4) || !strncmp(p, "&gt;", 4) ||
                        !strncmp(p, "&quot;", 6));
            continue;
        }
        if (*p != '<')
            continue;
        const char *end = strchr(p, '>');
        assert_non_null(end);
        int closing = p[1] == '/', self = end[-1] == '/';
        const char *name = p + 1 + closing;
        size_t n = strcspn(name, " />");
        assert_true(n > 0 && n < 32);
        for (const char *q = p + 1; q < end; q++)
            assert_true(*q != '<');
        if (closing) {
            assert_true(depth > 0);
            depth--;
            assert_int_equal(strlen(stack[depth]), n);
            assert_memory_equal(stack[depth], name, n);
        } else if (!self) {
            assert_true(depth < 64);
            memcpy(stack[depth], name, n);
            stack[depth++][n] = 0;
        }
        p = end;
    }
    assert_int_equal(depth, 0);
}

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void heatmap_is_complete(void **state)
{
    (void)state;
    tc_mc_report r;
    assert_int_equal(tc_mc_init(&r, 3, NULL), 0);
    /* class 0: 3 rows (2 right); class 1: 1 row (right); class 2: none */
    tc_mc_add(&r, 0, 0, -1), tc_mc_add(&r, 0, 0, -1), tc_mc_add(&r, 0, 1, -1), tc_mc_add(&r, 1, 1, -1);
    tc_mc_finish(&r);
    static const char *const names[3] = {"R&D <lab>", "\xe6\x97\xa5\xe6\x9c\xac",
                                         "a \"quoted\" name that is far too long"};
    char *s = render(&r, names, "m.bin on t.csv");
    assert_int_equal(strncmp(s, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39), 0);
    assert_well_formed(s);
    assert_non_null(strstr(s, "R&amp;D &lt;lab&gt;"));
    assert_non_null(strstr(s, "\xe6\x97\xa5\xe6\x9c\xac"));
    assert_non_null(strstr(s, "a &quot;quoted&quot; name that is far\xe2\x80\xa6")); /* cut at 28 columns */
    assert_null(strstr(s, "too long"));
    assert_int_equal(count(s, "<rect x="), 9 + 1); /* the cells and the legend bar */
    assert_non_null(strstr(s, ": 2 rows (66.7 % of true)"));
    assert_non_null(strstr(s, ": 1 rows (100.0 % of true)"));
    assert_non_null(strstr(s, "accuracy 0.7500"));
    assert_non_null(strstr(s, "3 \xc2\xb7 0.667")); /* support and recall of class 0 */
    free(s);
    tc_mc_free(&r);
}

static void many_classes_and_no_rows(void **state)
{
    (void)state;
    tc_mc_report r;
    assert_int_equal(tc_mc_init(&r, 30, NULL), 0);
    tc_mc_finish(&r);
    char *s = render(&r, NULL, NULL);
    assert_well_formed(s);
    assert_int_equal(count(s, "<rect x="), 900 + 1);
    assert_non_null(strstr(s, "no rows"));
    assert_non_null(strstr(s, ">29</text>")); /* index as the name */
    free(s);
    tc_mc_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(heatmap_is_complete),
        cmocka_unit_test(many_classes_and_no_rows),
    };
    return cmocka_run_group_tests_name("confusion_svg", tests, NULL, NULL);
}
