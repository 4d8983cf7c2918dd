/* test_plot.c — the SVG writer behind `textclf plot`: nice tick steps
 * computed by hand, escaping of text, gaps in a series where values are
 * missing, markers only for short series, and a well-formed document. */
#include "tc_test.h"

#include "plot/svg.h"

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static void nice_steps(void **st)
{
    (void)st;
    assert_close(tc_svg_nice_step(0, 1, 5), 0.2, 1e-12, 0);        /* raw 0.2 → 2·10⁻¹ */
    assert_close(tc_svg_nice_step(0, 0.37, 5), 0.1, 1e-12, 0);     /* raw 0.074 → 10·10⁻² */
    assert_close(tc_svg_nice_step(1, 12, 8), 2, 1e-12, 0);         /* raw 1.375 → 2 */
    assert_close(tc_svg_nice_step(0.41, 0.58, 5), 0.05, 1e-12, 0); /* raw 0.034 → 5·10⁻² */
    assert_close(tc_svg_nice_step(0, 300, 8), 50, 1e-12, 0);       /* raw 37.5 → 5·10 */
    assert_close(tc_svg_nice_step(3, 3, 5), 1, 0, 0);              /* no span: a default */
}

static void chart_document(void **st)
{
    (void)st;
    tc_err err;
    double x[6] = {1, 2, 3, 4, 5, 6}, a[6] = {0.9, 0.7, 0.5, 0.4, 0.35, 0.3}, b[6] = {0.8, NAN, 0.6, 0.62, NAN, NAN};
    tc_svg_series ser[2] = {{"train <x>", "#1f77b4", 0, x, a, 6}, {"valid & \"y\"", "#d62728", 1, x, b, 6}};
    tc_svg_panel p = {60, 60, 300, 200, "Loss", "epoch", "loss", 1, 3, "best epoch 3"};
    tc_svg s;
    tc_svg_begin(&s, 500, 340, "a < b");
    tc_svg_chart(&s, &p, ser, 2);
    assert_int_equal(tc_svg_end(&s, &err), 0);
    const char *d = (const char *)s.p;
    assert_int_equal(strlen(d), s.len);
    assert_non_null(strstr(d, "<title>a &lt; b</title>"));
    assert_non_null(strstr(d, ">train &lt;x&gt;</text>"));
    assert_non_null(strstr(d, ">valid &amp; &quot;y&quot;</text>"));
    /* the first series is one line; the second breaks at its gaps: [0.8], [0.6, 0.62] */
    assert_int_equal(count(d, "<polyline"), 3);
    assert_int_equal(count(d, "stroke-dasharray=\"6 4\" points="), 2);
    assert_int_equal(count(d, "<circle"), 6 + 3); /* a marker on every present point */
    assert_non_null(strstr(d, ">best epoch 3</text>"));
    /* y ticks at multiples of 0.2 (the data span 0.3 .. 0.9 widened to 0.2 .. 1.0), x at whole epochs */
    assert_non_null(strstr(d, ">0.2</text>"));
    assert_non_null(strstr(d, ">1.0</text>"));
    assert_null(strstr(d, ">0.1</text>"));
    assert_non_null(strstr(d, ">6</text>"));
    assert_null(strstr(d, ">1.5</text>"));
    /* every element that opens is closed */
    assert_int_equal(count(d, "<text"), count(d, "</text>"));
    assert_int_equal(count(d, "<svg"), 1);
    assert_non_null(strstr(d + s.len - 7, "</svg>\n"));
    /* all points lie inside the plotting area */
    for (const char *c = d; (c = strstr(c, "<circle cx=\"")) != NULL; c++) {
        double cx = strtod(c + 12, NULL), cy = strtod(strstr(c, "cy=\"") + 4, NULL);
        assert_true(cx >= 60 && cx <= 360 && cy >= 60 && cy <= 260);
    }
    tc_svg_free(&s);

    /* a long series: no markers; a control byte in text is dropped */
    double lx[100], ly[100];
    for (int i = 0; i < 100; i++)
        lx[i] = i + 1, ly[i] = 1.0 / (i + 1);
    tc_svg_series one = {"lo\001ng", "#000000", 0, lx, ly, 100};
    tc_svg_begin(&s, 500, 340, "t");
    tc_svg_chart(&s, &p, &one, 1);
    assert_int_equal(tc_svg_end(&s, &err), 0);
    assert_int_equal(count((const char *)s.p, "<circle"), 0);
    assert_non_null(strstr((const char *)s.p, ">long</text>"));
    tc_svg_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nice_steps),
        cmocka_unit_test(chart_document),
    };
    return cmocka_run_group_tests_name("plot", tests, NULL, NULL);
}
