/* test_metrics.c — evaluation scores against hand arithmetic and against
 * scikit-learn (tests/ref/metrics_ref.h, from tests/ref/gen_metrics_ref.py),
 * plus the two report formats: the JSON must parse, and the text tables must
 * stay aligned with CJK, emoji and over-long class names. */
#include "tc_test.h"

#include <float.h>

#include "eval/metrics.h"

#include "ref/metrics_ref.h"

/* ---- helpers --------------------------------------------------------------- */

/* Everything written to f so far, NUL-terminated (caller frees). */
static char *slurp(FILE *f)
{
    long n = ftell(f);
    assert_true(n >= 0);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    rewind(f);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    return s;
}

/* Decodes one UTF-8 code point (written here from the encoding rules, not
 * through utf8proc); returns its length, or -1 if the bytes are not UTF-8. */
static int decode(const unsigned char *s, long *cp)
{
    int len = s[0] < 0x80             ? 1
        : s[0] >= 0xC2 && s[0] < 0xE0 ? 2
        : s[0] >= 0xE0 && s[0] < 0xF0 ? 3
        : s[0] >= 0xF0 && s[0] < 0xF5 ? 4
                                      : -1;
    if (len < 0)
        return -1;
    *cp = len == 1 ? s[0] : s[0] & (0x7F >> len);
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    return len;
}

/* East Asian Wide / Fullwidth blocks (and the emoji blocks used below). */
static int wide(long cp)
{
    static const long r[][2] = {{0x1100, 0x115F},   {0x2E80, 0x303E},  {0x3041, 0x33FF}, {0x3400, 0x4DBF},
                                {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},  {0xAC00, 0xD7A3}, {0xF900, 0xFAFF},
                                {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},  {0xFFE0, 0xFFE6}, {0x1F300, 0x1F64F},
                                {0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD}};
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (cp >= r[i][0] && cp <= r[i][1])
            return 1;
    return 0;
}

/* Display columns of the line [s, end). */
static int line_cols(const char *s, const char *end)
{
    int cols = 0;
    while (s < end) {
        long cp;
        int n = decode((const unsigned char *)s, &cp);
        assert_true(n > 0);
        assert_true(cp >= 0x20); /* no control characters in the report */
        cols += wide(cp) ? 2 : 1;
        s += n;
    }
    return cols;
}

/* Asserts the lines from s up to the first empty line (or the end) all have
 * the same display width; returns how many lines there were. */
static int assert_block_aligned(const char *s)
{
    int lines = 0, width = -1;
    while (*s && *s != '\n') {
        const char *end = strchr(s, '\n');
        assert_non_null(end);
        int w = line_cols(s, end);
        if (width < 0)
            width = w;
        if (w != width)
            fail_msg("line %d is %d columns, the first %d: %.*s", lines, w, width, (int)(end - s), s);
        lines++;
        s = end + 1;
    }
    return lines;
}

/* ---- a minimal JSON grammar check (RFC 8259) ------------------------------- */

static void j_ws(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
        (*p)++;
}

static int j_string(const char **p)
{
    if (*(*p)++ != '"')
        return 0;
    for (;;) {
        unsigned char c = (unsigned char)**p;
        if (c == '"') {
            (*p)++;
            return 1;
        }
        if (c < 0x20)
            return 0; /* includes the end of the text */
        if (c == '\\') {
            char e = (*p)[1];
            if (!strchr("\"\\/bfnrtu", e) || !e)
                return 0;
            *p += 2;
            if (e == 'u')
                for (int i = 0; i < 4; i++, (*p)++)
                    if (!strchr("0123456789abcdefABCDEF", **p) || !**p)
                        return 0;
            continue;
        }
        long cp;
        int n = decode((const unsigned char *)*p, &cp);
        if (n < 0)
            return 0;
        *p += n;
    }
}

static int j_digits(const char **p)
{
    const char *s = *p;
    while (**p >= '0' && **p <= '9')
        (*p)++;
    return *p > s;
}

static int j_number(const char **p)
{
    if (**p == '-')
        (*p)++;
    if (**p == '0')
        (*p)++;
    else if (!(**p >= '1' && **p <= '9') || !j_digits(p))
        return 0;
    if (**p == '.' && (++*p, !j_digits(p)))
        return 0;
    if (**p == 'e' || **p == 'E') {
        (*p)++;
        if (**p == '+' || **p == '-')
            (*p)++;
        if (!j_digits(p))
            return 0;
    }
    return 1;
}

static int j_value(const char **p);

/* object or array: open, (member (',' member)*)? close */
static int j_container(const char **p, char close, int members_have_keys)
{
    (*p)++;
    j_ws(p);
    if (**p == close) {
        (*p)++;
        return 1;
    }
    for (;;) {
        if (members_have_keys) {
            if (!j_string(p))
                return 0;
            j_ws(p);
            if (*(*p)++ != ':')
                return 0;
        }
        if (!j_value(p))
            return 0;
        j_ws(p);
        char c = *(*p)++;
        if (c == close)
            return 1;
        if (c != ',')
            return 0;
        j_ws(p);
    }
}

static int j_value(const char **p)
{
    j_ws(p);
    switch (**p) {
    case '{':
        return j_container(p, '}', 1);
    case '[':
        return j_container(p, ']', 0);
    case '"':
        return j_string(p);
    case 't':
        return strncmp(*p, "true", 4) ? 0 : (*p += 4, 1);
    case 'f':
        return strncmp(*p, "false", 5) ? 0 : (*p += 5, 1);
    case 'n':
        return strncmp(*p, "null", 4) ? 0 : (*p += 4, 1);
    default:
        return j_number(p);
    }
}

/* The whole text is exactly one JSON object (then whitespace). */
static void assert_json_object(const char *s)
{
    const char *p = s;
    j_ws(&p);
    assert_int_equal(*p, '{');
    if (!j_value(&p))
        fail_msg("invalid JSON at byte %ld: %.40s", (long)(p - s), p);
    j_ws(&p);
    assert_int_equal(*p, 0);
}

/* The number after the first occurrence of `key` (e.g. "\"accuracy\":"). */
static double json_num_after(const char *json, const char *key)
{
    const char *k = strstr(json, key);
    if (!k)
        fail_msg("key %s missing", key);
    char *end;
    double x = strtod(k + strlen(key), &end);
    assert_true(end > k + strlen(key));
    return x;
}

/* ---- single-label ---------------------------------------------------------- */

/* 3 classes, 10 rows:
 *   truth  0 0 0 0 1 1 1 2 2 2        confusion (row true, col pred)
 *   pred   0 0 0 1 1 1 0 2 2 1           0: 3 1 0    support 4, predicted 4
 *                                        1: 1 2 0    support 3, predicted 4
 *                                        2: 0 1 2    support 3, predicted 2
 *   accuracy  = (3+2+2)/10 = 0.7
 *   class 0: P = 3/4, R = 3/4, F1 = 2·3/(6+1+1) = 3/4
 *   class 1: P = 2/4, R = 2/3, F1 = 2·2/(4+2+1) = 4/7
 *   class 2: P = 2/2, R = 2/3, F1 = 2·2/(4+0+1) = 4/5
 *   macro P  = (3/4 + 1/2 + 1)/3   = 3/4
 *   macro R  = (3/4 + 2/3 + 2/3)/3 = 25/36
 *   macro F1 = (3/4 + 4/7 + 4/5)/3 = (297/140)/3 = 99/140
 *   weighted P  = (4·3/4 + 3·1/2 + 3·1)/10   = 7.5/10 = 3/4
 *   weighted R  = (4·3/4 + 3·2/3 + 3·2/3)/10 = 7/10 (= accuracy)
 *   weighted F1 = (4·3/4 + 3·4/7 + 3·4/5)/10 = (249/35)/10 = 249/350
 *   p(true) for the first three rows only: 1/2, 1/4, 1 → log loss
 *     = (ln 2 + ln 4 + 0)/3 = ln 2. */
static const int hand_truth[10] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
static const int hand_pred[10] = {0, 0, 0, 1, 1, 1, 0, 2, 2, 1};

static void fill_hand(tc_mc_report *r)
{
    static const double p[3] = {0.5, 0.25, 1.0};
    assert_int_equal(tc_mc_init(r, 3, NULL), 0);
    for (int i = 0; i < 10; i++)
        tc_mc_add(r, hand_truth[i], hand_pred[i], i < 3 ? p[i] : -1.0);
    tc_mc_finish(r);
}

static void mc_hand_computed(void **state)
{
    (void)state;
    tc_mc_report r;
    fill_hand(&r);
    assert_int_equal(r.total, 10);
    assert_int_equal(r.correct, 7);
    assert_close(r.accuracy, 0.7, 1e-12, 0);
    static const double P[3] = {3.0 / 4, 2.0 / 4, 1.0}, R[3] = {3.0 / 4, 2.0 / 3, 2.0 / 3},
                        F[3] = {3.0 / 4, 4.0 / 7, 4.0 / 5};
    static const uint64_t S[3] = {4, 3, 3}, N[3] = {4, 4, 2};
    for (int k = 0; k < 3; k++) {
        assert_close(r.per_class[k].precision, P[k], 1e-12, 0);
        assert_close(r.per_class[k].recall, R[k], 1e-12, 0);
        assert_close(r.per_class[k].f1, F[k], 1e-12, 0);
        assert_int_equal(r.per_class[k].support, S[k]);
        assert_int_equal(r.per_class[k].predicted, N[k]);
    }
    assert_close(r.macro_precision, 3.0 / 4, 1e-12, 0);
    assert_close(r.macro_recall, 25.0 / 36, 1e-12, 0);
    assert_close(r.macro_f1, 99.0 / 140, 1e-12, 0);
    assert_close(r.weighted_precision, 3.0 / 4, 1e-12, 0);
    assert_close(r.weighted_recall, 7.0 / 10, 1e-12, 0);
    assert_close(r.weighted_f1, 249.0 / 350, 1e-12, 0);
    assert_int_equal(r.n_nll, 3);
    assert_close(r.log_loss, log(2.0), 1e-12, 0);
    static const uint64_t conf[9] = {3, 1, 0, 1, 2, 0, 0, 1, 2};
    for (int i = 0; i < 9; i++)
        assert_int_equal(tc_mc_count(&r, (int)(i / 3), (int)(i % 3)), conf[i]);
    tc_mc_free(&r);
}

/* truth 0 0 1 1 2, pred 0 2 2 1 0:
 *   class 0: tp 1, fp 1 (row 4), fn 1 (row 1) → P = R = F1 = 1/2
 *   class 1: tp 1, fp 0, fn 1 → P = 1, R = 1/2, F1 = 2/3
 *   class 2: tp 0, fp 2, fn 1 → P = 0, R = 0, F1 = 0
 *   class 3: no support, never predicted → 0, 0, 0 (zero_division = 0)
 *   macro F1 over all 4 classes = (1/2 + 2/3 + 0 + 0)/4 = 7/24
 *   weighted F1 = (2·1/2 + 2·2/3 + 1·0 + 0·0)/5 = (7/3)/5 = 7/15
 * A row with a class outside [0, 4) is ignored; p = 0 is clipped, p = NaN
 * counts as unknown. */
static void mc_zero_division_and_edges(void **state)
{
    (void)state;
    tc_mc_report r;
    assert_int_equal(tc_mc_init(&r, 4, NULL), 0);
    static const int t[5] = {0, 0, 1, 1, 2}, p[5] = {0, 2, 2, 1, 0};
    for (int i = 0; i < 5; i++)
        tc_mc_add(&r, t[i], p[i], i == 0 ? 0.0 : NAN);
    tc_mc_add(&r, 4, 0, 0.5);
    tc_mc_add(&r, 0, -1, 0.5);
    tc_mc_finish(&r);
    assert_int_equal(r.total, 5);
    assert_close(r.per_class[0].f1, 0.5, 1e-12, 0);
    assert_close(r.per_class[1].precision, 1.0, 1e-12, 0);
    assert_close(r.per_class[1].f1, 2.0 / 3, 1e-12, 0);
    for (int k = 2; k < 4; k++) {
        assert_true(r.per_class[k].precision == 0.0);
        assert_true(r.per_class[k].recall == 0.0);
        assert_true(r.per_class[k].f1 == 0.0);
    }
    assert_close(r.macro_f1, 7.0 / 24, 1e-12, 0);
    assert_close(r.weighted_f1, 7.0 / 15, 1e-12, 0);
    assert_int_equal(r.n_nll, 1);
    assert_close(r.log_loss, -log(DBL_EPSILON), 1e-12, 0); /* finite: p clipped to ε */
    tc_mc_free(&r);

    /* no rows at all: accuracy and log loss are undefined, the rest 0 */
    assert_int_equal(tc_mc_init(&r, 2, NULL), 0);
    tc_mc_finish(&r);
    assert_true(isnan(r.accuracy) && isnan(r.log_loss));
    assert_true(r.macro_f1 == 0.0 && r.weighted_f1 == 0.0);
    tc_mc_free(&r);

    tc_err err = {{0}};
    assert_int_equal(tc_mc_init(&r, 0, &err), -1);
    assert_non_null(strstr(err.msg, "class"));
    assert_null(r.diag);
    tc_mc_free(&r); /* safe after a failed init */
}

static void mc_matches_sklearn(void **state)
{
    (void)state;
    tc_mc_report r;
    assert_int_equal(tc_mc_init(&r, REF_MC_C, NULL), 0);
    for (int i = 0; i < REF_MC_N; i++)
        tc_mc_add(&r, ref_mc_truth[i], ref_mc_pred[i], ref_mc_ptrue[i]);
    tc_mc_finish(&r);
    assert_close(r.accuracy, ref_mc_accuracy, 0, 1e-9);
    for (int k = 0; k < REF_MC_C; k++) {
        assert_close(r.per_class[k].precision, ref_mc_precision[k], 0, 1e-9);
        assert_close(r.per_class[k].recall, ref_mc_recall[k], 0, 1e-9);
        assert_close(r.per_class[k].f1, ref_mc_f1[k], 0, 1e-9);
        assert_int_equal(r.per_class[k].support, ref_mc_support[k]);
    }
    for (int i = 0; i < REF_MC_C * REF_MC_C; i++)
        assert_int_equal(tc_mc_count(&r, (int)(i / REF_MC_C), (int)(i % REF_MC_C)), ref_mc_confusion[i]);
    assert_close(r.macro_precision, ref_mc_macro_precision, 0, 1e-9);
    assert_close(r.macro_recall, ref_mc_macro_recall, 0, 1e-9);
    assert_close(r.macro_f1, ref_mc_macro_f1, 0, 1e-9);
    assert_close(r.weighted_precision, ref_mc_weighted_precision, 0, 1e-9);
    assert_close(r.weighted_recall, ref_mc_weighted_recall, 0, 1e-9);
    assert_close(r.weighted_f1, ref_mc_weighted_f1, 0, 1e-9);
    assert_close(r.log_loss, ref_mc_log_loss, 0, 1e-9);
    tc_mc_free(&r);
}

/* ---- multi-label ----------------------------------------------------------- */

/* 4 labels, 4 rows:
 *   truth 1010  0100  1100  0000
 *   pred  1000  0110  1100  0000
 *   label 0: tp 2 → P = R = F1 = 1          label 1: tp 2 → 1, 1, 1
 *   label 2: tp 0, fp 1 (row 1), fn 1 (row 0) → 0, 0, 0
 *   label 3: never on → 0, 0, 0 (zero_division = 0)
 *   micro: tp 4, fp 1, fn 1 → P = R = F1 = 4/5
 *   macro P = R = F1 = (1 + 1 + 0 + 0)/4 = 1/2
 *   subset accuracy: rows 2 and 3 exact → 2/4
 *   hamming loss: 2 wrong bits of 16 → 1/8 */
static void ml_hand_computed(void **state)
{
    (void)state;
    static const uint8_t t[4][4] = {{1, 0, 1, 0}, {0, 1, 0, 0}, {1, 1, 0, 0}, {0, 0, 0, 0}};
    static const uint8_t p[4][4] = {{1, 0, 0, 0}, {0, 1, 1, 0}, {1, 1, 0, 0}, {0, 0, 0, 0}};
    tc_ml_report r;
    assert_int_equal(tc_ml_init(&r, 4, NULL), 0);
    for (int i = 0; i < 4; i++)
        tc_ml_add(&r, t[i], p[i]);
    tc_ml_finish(&r);
    static const double F[4] = {1, 1, 0, 0};
    for (int l = 0; l < 4; l++) {
        assert_close(r.per_label[l].precision, F[l], 1e-12, 0);
        assert_close(r.per_label[l].recall, F[l], 1e-12, 0);
        assert_close(r.per_label[l].f1, F[l], 1e-12, 0);
    }
    assert_int_equal(r.per_label[2].support, 1);
    assert_int_equal(r.per_label[2].predicted, 1);
    assert_close(r.micro_precision, 0.8, 1e-12, 0);
    assert_close(r.micro_recall, 0.8, 1e-12, 0);
    assert_close(r.micro_f1, 0.8, 1e-12, 0);
    assert_close(r.macro_precision, 0.5, 1e-12, 0);
    assert_close(r.macro_recall, 0.5, 1e-12, 0);
    assert_close(r.macro_f1, 0.5, 1e-12, 0);
    assert_close(r.subset_accuracy, 0.5, 1e-12, 0);
    assert_close(r.hamming_loss, 0.125, 1e-12, 0);
    tc_ml_free(&r);

    tc_err err = {{0}};
    assert_int_equal(tc_ml_init(&r, -3, &err), -1);
    assert_non_null(strstr(err.msg, "label"));
}

static void ml_matches_sklearn(void **state)
{
    (void)state;
    tc_ml_report r;
    assert_int_equal(tc_ml_init(&r, REF_ML_L, NULL), 0);
    for (int i = 0; i < REF_ML_ROWS; i++)
        tc_ml_add(&r, ref_ml_truth + i * REF_ML_L, ref_ml_pred + i * REF_ML_L);
    tc_ml_finish(&r);
    for (int l = 0; l < REF_ML_L; l++) {
        assert_close(r.per_label[l].precision, ref_ml_precision[l], 0, 1e-9);
        assert_close(r.per_label[l].recall, ref_ml_recall[l], 0, 1e-9);
        assert_close(r.per_label[l].f1, ref_ml_f1[l], 0, 1e-9);
        assert_int_equal(r.per_label[l].support, ref_ml_support[l]);
    }
    assert_close(r.micro_precision, ref_ml_micro_precision, 0, 1e-9);
    assert_close(r.micro_recall, ref_ml_micro_recall, 0, 1e-9);
    assert_close(r.micro_f1, ref_ml_micro_f1, 0, 1e-9);
    assert_close(r.macro_precision, ref_ml_macro_precision, 0, 1e-9);
    assert_close(r.macro_recall, ref_ml_macro_recall, 0, 1e-9);
    assert_close(r.macro_f1, ref_ml_macro_f1, 0, 1e-9);
    assert_close(r.subset_accuracy, ref_ml_subset_accuracy, 0, 1e-9);
    assert_close(r.hamming_loss, ref_ml_hamming_loss, 0, 1e-9);
    assert_close(r.sample_precision, ref_ml_sample_precision, 0, 1e-9);
    assert_close(r.sample_recall, ref_ml_sample_recall, 0, 1e-9);
    assert_close(r.sample_f1, ref_ml_sample_f1, 0, 1e-9);
    tc_ml_free(&r);
}

/* ---- reports --------------------------------------------------------------- */

static void mc_json_is_valid(void **state)
{
    (void)state;
    static const char *const names[3] = {"say \"hi\"", "back\\slash\tand\nnewline", "\xE4\xBD\x93\xE8\x82\xB2 bad\xFF"};
    tc_mc_report r;
    fill_hand(&r);
    FILE *f = tmpfile();
    assert_non_null(f);
    tc_mc_print_json(f, &r, names);
    char *s = slurp(f);
    fclose(f);
    assert_json_object(s);
    assert_non_null(strstr(s, "\"label\":\"say \\\"hi\\\"\""));
    /* one JSON escaper for the project (util/text.h): TAB and LF in their short forms */
    assert_non_null(strstr(s, "\"label\":\"back\\\\slash\\tand\\nnewline\""));
    assert_non_null(strstr(s, "\"label\":\"\xE4\xBD\x93\xE8\x82\xB2 bad\\ufffd\""));
    assert_non_null(strstr(s, "\"confusion\":[[3,1,0],[1,2,0],[0,1,2]]"));
    assert_true(json_num_after(s, "\"accuracy\":") == r.accuracy); /* %.17g round-trips */
    assert_true(json_num_after(s, "\"log_loss\":") == r.log_loss);
    assert_true(json_num_after(s, "\"weighted\":{\"precision\":") == r.weighted_precision);
    assert_true(json_num_after(s, "\"macro\":{\"precision\":") == r.macro_precision);
    free(s);
    tc_mc_free(&r);

    /* no rows: NaN scores become null; unnamed classes are labelled by index */
    assert_int_equal(tc_mc_init(&r, 2, NULL), 0);
    tc_mc_finish(&r);
    f = tmpfile();
    assert_non_null(f);
    tc_mc_print_json(f, &r, NULL);
    s = slurp(f);
    fclose(f);
    assert_json_object(s);
    assert_non_null(strstr(s, "\"accuracy\":null"));
    assert_non_null(strstr(s, "\"log_loss\":null"));
    assert_non_null(strstr(s, "\"label\":\"1\""));
    assert_null(strstr(s, "nan"));
    free(s);
    tc_mc_free(&r);
}

static void ml_json_is_valid(void **state)
{
    (void)state;
    tc_ml_report r;
    assert_int_equal(tc_ml_init(&r, REF_ML_L, NULL), 0);
    for (int i = 0; i < REF_ML_ROWS; i++)
        tc_ml_add(&r, ref_ml_truth + i * REF_ML_L, ref_ml_pred + i * REF_ML_L);
    tc_ml_finish(&r);
    static const char *const names[REF_ML_L] = {"joy", "\"anger\"", "悲伤", NULL, "x", "y"};
    FILE *f = tmpfile();
    assert_non_null(f);
    tc_ml_print_json(f, &r, names);
    char *s = slurp(f);
    fclose(f);
    assert_json_object(s);
    assert_non_null(strstr(s, "\"task\":\"multilabel\""));
    assert_non_null(strstr(s, "\"label\":\"\\\"anger\\\"\""));
    assert_non_null(strstr(s, "\"label\":\"3\""));
    assert_true(json_num_after(s, "\"micro\":{\"precision\":") == r.micro_precision);
    assert_true(json_num_after(s, "\"hamming_loss\":") == r.hamming_loss);
    assert_close(json_num_after(s, "\"subset_accuracy\":"), ref_ml_subset_accuracy, 0, 1e-12);
    free(s);
    tc_ml_free(&r);
}

/* Class names of every width: CJK (2 columns each), emoji, ASCII, names far
 * over the 24-column limit in ASCII and in CJK (cut where a 2-column glyph
 * does not fit), plus counts wider than their column header. */
static void mc_text_aligns_wide_names(void **state)
{
    (void)state;
    static const char *const names[4] = {"体育", "a class name that is far too long to show in full",
                                         "天气预报和新闻频道的很长很长的名字", "面条🍜"};
    tc_mc_report r;
    assert_int_equal(tc_mc_init(&r, 4, NULL), 0);
    for (int i = 0; i < 12345; i++)
        tc_mc_add(&r, 0, 0, 0.9);
    for (int t = 0; t < 4; t++)
        for (int p = 0; p < 4; p++)
            tc_mc_add(&r, t, p, -1);
    tc_mc_finish(&r);
    FILE *f = tmpfile();
    assert_non_null(f);
    tc_mc_print_text(f, &r, names);
    char *s = slurp(f);
    fclose(f);

    assert_non_null(strstr(s, "accuracy  0.9990  (12349 of 12361 rows)"));
    assert_non_null(strstr(s, "a class name that is fa…")); /* 23 columns + "…" */
    assert_non_null(strstr(s, "天气预报和新闻频道的很…"));  /* 22 columns + "…" */
    assert_null(strstr(s, "too long"));

    const char *table = strstr(s, "\n\nclass");
    assert_non_null(table);
    assert_int_equal(assert_block_aligned(table + 2), 1 + 4 + 2);
    assert_non_null(strstr(table, "weighted avg"));

    const char *cm = strstr(s, "confusion matrix (");
    assert_non_null(cm);
    cm = strchr(cm, '\n') + 1;
    assert_int_equal(assert_block_aligned(cm), 1 + 4);
    assert_non_null(strstr(cm, "12346"));
    const char *end = cm + strlen(cm);
    assert_true(end[-1] == '\n' && end[-2] != '\n'); /* the matrix ends the report */
    free(s);
    tc_mc_free(&r);
}

static void ml_text_aligns(void **state)
{
    (void)state;
    static const char *const names[3] = {"喜悦", "anger\x01\xFF", "a very long label name indeed, yes"};
    static const uint8_t t[2][3] = {{1, 0, 1}, {0, 1, 1}}, p[2][3] = {{1, 1, 1}, {0, 1, 0}};
    tc_ml_report r;
    assert_int_equal(tc_ml_init(&r, 3, NULL), 0);
    tc_ml_add(&r, t[0], p[0]);
    tc_ml_add(&r, t[1], p[1]);
    tc_ml_finish(&r);
    FILE *f = tmpfile();
    assert_non_null(f);
    tc_ml_print_text(f, &r, names);
    char *s = slurp(f);
    fclose(f);
    /* 6 decisions, 2 wrong; no row exactly right */
    assert_non_null(strstr(s, "subset accuracy  0.0000"));
    assert_non_null(strstr(s, "hamming loss     0.3333"));
    assert_non_null(strstr(s, "anger?\xEF\xBF\xBD")); /* control → '?', bad byte → U+FFFD */
    const char *table = strstr(s, "\n\nlabel");
    assert_non_null(table);
    assert_int_equal(assert_block_aligned(table + 2), 1 + 3 + 3);
    assert_non_null(strstr(table, "micro avg"));
    assert_non_null(strstr(table, "samples avg"));
    free(s);
    tc_ml_free(&r);
}

/* Sample averages, fastText's P@k / R@k and the binary log loss, by hand.
 * Rows (L = 4, threshold 0.5):
 *   0: truth {0,1}, probs .9 .2 .6 .1 → predicted {0,2}: sample P = R = F1 = 1/2
 *   1: truth {3},   probs .3 .3 .1 .2 → predicted {}:    P = R = F1 = 0
 *   2: truth {},    probs .7 .1 .1 .1 → predicted {0}:   P = R = F1 = 0
 * P@k skips row 2 (no true label, as fastText's test does).  k = 2: row 0's
 * top two are labels 0 and 2 (one hit), row 1's are 0 and 1 (tie at .3, the
 * lower id first; no hit): P@2 = 1/4, R@2 = 1/3.  k = 1: P@1 = 1/2, R@1 = 1/3. */
static void ml_samples_at_k_and_log_loss(void **state)
{
    (void)state;
    static const uint8_t truth[3][4] = {{1, 1, 0, 0}, {0, 0, 0, 1}, {0, 0, 0, 0}};
    static const float probs[3][4] = {{.9f, .2f, .6f, .1f}, {.3f, .3f, .1f, .2f}, {.7f, .1f, .1f, .1f}};
    for (int k = 1; k <= 2; k++) {
        tc_ml_report r;
        assert_int_equal(tc_ml_init(&r, 4, NULL), 0);
        assert_int_equal(r.k, 1);
        r.k = k;
        for (int i = 0; i < 3; i++) {
            uint8_t pred[4];
            for (int l = 0; l < 4; l++)
                pred[l] = probs[i][l] >= 0.5f;
            tc_ml_add(&r, truth[i], pred);
            tc_ml_add_probs(&r, truth[i], probs[i]);
        }
        tc_ml_finish(&r);
        assert_close(r.sample_f1, 0.5 / 3, 1e-12, 0);
        assert_close(r.sample_precision, 0.5 / 3, 1e-12, 0);
        assert_close(r.sample_recall, 0.5 / 3, 1e-12, 0);
        assert_int_equal(r.k_rows, 2);
        assert_int_equal(r.k_gold, 3);
        assert_int_equal(r.k_predicted, 2 * k);
        assert_int_equal(r.k_hits, 1);
        assert_close(r.precision_at_k, k == 1 ? 0.5 : 0.25, 1e-12, 0);
        assert_close(r.recall_at_k, 1.0 / 3, 1e-12, 0);
        double bce = -(log(.9) + log(.2) + log(.4) + log(.9)) - (log(.7) + log(.7) + log(.9) + log(.2)) -
            (log(.3) + log(.9) + log(.9) + log(.9));
        assert_close(r.log_loss, bce / 12, 1e-6, 0);
        tc_ml_free(&r);
    }
}

/* P@k with k above the label count predicts every label once. */
static void ml_at_k_caps_k(void **state)
{
    (void)state;
    static const uint8_t truth[2] = {0, 1};
    static const float probs[2] = {.5f, .5f};
    tc_ml_report r;
    assert_int_equal(tc_ml_init(&r, 2, NULL), 0);
    r.k = 5;
    tc_ml_add_probs(&r, truth, probs);
    tc_ml_finish(&r);
    assert_int_equal(r.k_predicted, 2);
    assert_close(r.precision_at_k, 0.5, 0, 0);
    assert_close(r.recall_at_k, 1.0, 0, 0);
    tc_ml_free(&r);
}

/* Threshold tuning, on the 6 rows below repeated R = 3 times (the F1 of a
 * cut does not change).  Label 0: keeping the top 4 of
 *   p .9 .8 .7 .6 .4 .2 / truth 1 0 1 1 0 0
 * gives F1 = 2·3/(4+3) = 6/7, the best cut (top 1: 1/2, 2: 2/5, 3: 2/3,
 * 5: 3/4, 6: 2/3), so the threshold lies halfway between .6 and .4.
 * Label 1 has no positive row: it keeps the fallback.  Label 2 has a tie:
 *   p .8 .5 .5 .1 .1 .1 / truth 1 1 0 0 0 0
 * rows with p = .5 are kept or left out together, so F1 = 1 (top 2) is not
 * reachable; the best is top 3 (F1 = 4/5), threshold halfway to .1.
 * Label 3 is label 0's pattern with a single positive row per copy: 3 of
 * them, under TC_TUNE_MIN_POSITIVES, so it keeps the fallback and its F1
 * is NaN (its F1-best cut, .8 or lower, would rest on 3 rows). */
static void ml_tune_thresholds(void **state)
{
    (void)state;
    enum { N = 6, R = 3, L = 4 };
    static const float p[L][N] = {{.9f, .8f, .7f, .6f, .4f, .2f},
                                  {.9f, .1f, .2f, .3f, .4f, .5f},
                                  {.8f, .5f, .5f, .1f, .1f, .1f},
                                  {.9f, .8f, .7f, .6f, .4f, .2f}};
    static const uint8_t t[L][N] = {{1, 0, 1, 1, 0, 0}, {0, 0, 0, 0, 0, 0}, {1, 1, 0, 0, 0, 0}, {0, 1, 0, 0, 0, 0}};
    float probs[R * N * L], thr[L];
    uint8_t truth[R * N * L];
    double f1[L];
    for (int k = 0; k < R; k++)
        for (int i = 0; i < N; i++)
            for (int l = 0; l < L; l++) {
                probs[(k * N + i) * L + l] = p[l][i];
                truth[(k * N + i) * L + l] = t[l][i];
            }
    assert_true(R * 1 < TC_TUNE_MIN_POSITIVES && R * 2 >= TC_TUNE_MIN_POSITIVES);
    assert_int_equal(tc_ml_tune_thresholds(probs, truth, R * N, L, 0.37f, thr, f1, NULL), 0);
    assert_close(thr[0], 0.5, 1e-6, 0);
    assert_close(f1[0], 6.0 / 7, 1e-12, 0);
    assert_true(thr[1] == 0.37f && isnan(f1[1]));
    assert_close(thr[2], 0.3, 1e-6, 0);
    assert_close(f1[2], 0.8, 1e-12, 0);
    assert_true(thr[3] == 0.37f && isnan(f1[3]));
    /* the thresholds really give those F1s on the data (p >= t) */
    for (int l = 0; l < L; l += 2) {
        int tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < N; i++) {
            int pred = p[l][i] >= thr[l];
            tp += pred && t[l][i], fp += pred && !t[l][i], fn += !pred && t[l][i];
        }
        assert_close(2.0 * tp / (2 * tp + fp + fn), f1[l], 1e-12, 0);
    }
}

/* Many classes: the sparse confusion counts equal a dense reference; the
 * top confusions come most rows first; the text report lists them instead
 * of a 300 x 300 matrix and says so; the JSON keeps the whole matrix up to
 * TC_MC_JSON_FULL_MAX classes. */
static void mc_many_classes(void **state)
{
    (void)state;
    enum { C = 300, ROWS = 20000 };
    static uint64_t dense[C][C];
    memset(dense, 0, sizeof dense);
    tc_mc_report r;
    assert_int_equal(tc_mc_init(&r, C, NULL), 0);
    uint64_t x = 12345;
    for (int i = 0; i < ROWS; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        int t = (int)((x >> 33) % C), p = (x >> 20) % 4 ? t : (int)((x >> 40) % 7); /* confusions pile on 0..6 */
        tc_mc_add(&r, t, p, -1);
        dense[t][p]++;
    }
    tc_mc_finish(&r);
    for (int t = 0; t < C; t++)
        for (int p = 0; p < C; p++)
            assert_int_equal(tc_mc_count(&r, t, p), dense[t][p]);
    tc_mc_cell top[TC_MC_TOP];
    size_t n = tc_mc_top_confusions(&r, top, TC_MC_TOP);
    assert_int_equal(n, TC_MC_TOP);
    uint64_t most = 0;
    for (int t = 0; t < C; t++)
        for (int p = 0; p < C; p++)
            if (t != p && dense[t][p] > most)
                most = dense[t][p];
    assert_int_equal(top[0].n, most);
    for (size_t i = 0; i < n; i++) {
        assert_int_not_equal(top[i].truth, top[i].pred);
        assert_int_equal(top[i].n, dense[top[i].truth][top[i].pred]);
        if (i)
            assert_true(top[i - 1].n >= top[i].n);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tc_mc_print_text(f, &r, NULL);
    fclose(f);
    assert_non_null(strstr(buf, "300 classes are too many to show"));
    assert_null(strstr(buf, "true \\ predicted"));
    assert_true(len < 200000); /* the per-class table and 100 lines, not 90,000 cells */
    free(buf);
    f = open_memstream(&buf, &len);
    tc_mc_print_json(f, &r, NULL);
    fclose(f);
    assert_non_null(strstr(buf, "\"confusion\":[["));
    free(buf);
    tc_mc_report sub;
    int cls[TC_MC_FULL_MAX];
    assert_int_equal(tc_mc_top_subset(&r, &sub, cls, NULL), 0);
    assert_true(sub.nclasses >= 2 && sub.nclasses <= TC_MC_FULL_MAX);
    for (int i = 0; i < sub.nclasses; i++)
        for (int j = 0; j < sub.nclasses; j++)
            assert_int_equal(tc_mc_count(&sub, i, j), dense[cls[i]][cls[j]]);
    tc_mc_free(&sub);
    tc_mc_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mc_hand_computed),   cmocka_unit_test(mc_zero_division_and_edges),
        cmocka_unit_test(mc_matches_sklearn), cmocka_unit_test(ml_hand_computed),
        cmocka_unit_test(ml_matches_sklearn), cmocka_unit_test(mc_json_is_valid),
        cmocka_unit_test(ml_json_is_valid),   cmocka_unit_test(mc_text_aligns_wide_names),
        cmocka_unit_test(ml_text_aligns),     cmocka_unit_test(ml_samples_at_k_and_log_loss),
        cmocka_unit_test(ml_at_k_caps_k),     cmocka_unit_test(ml_tune_thresholds),
        cmocka_unit_test(mc_many_classes),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
