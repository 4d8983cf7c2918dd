/* test_vectors.c — pretrained word vectors (model.pretrained): the text
 * format with and without a header, gzip, exact and normalised matching,
 * coverage, and corrupt files, whose errors must name the file and line. */
#include "tc_test.h"

#include <unistd.h>
#include <zlib.h>

#include "text/corpus.h"
#include "text/vectors.h"

#define D 3

static char path[] = "/tmp/tc_vec_XXXXXX";

static void write_vec(const char *text, int gz)
{
    strcpy(path, "/tmp/tc_vec_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    if (gz) {
        gzFile g = gzopen(path, "wb");
        assert_non_null(g);
        assert_int_equal(gzwrite(g, text, (unsigned)strlen(text)), (int)strlen(text));
        assert_int_equal(gzclose(g), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
    }
}

typedef struct {
    tc_vocab v;
    tc_tokenizer *tok;
    float E[8 * D]; /* ids 0..7: pad, oov, the, paris, cat, new york, x, y */
} fixture;

static int setup(void **st)
{
    fixture *f = calloc(1, sizeof *f);
    tc_err err;
    tc_vocab_init(&f->v);
    static const char *const words[] = {"the", "paris", "cat", "new york", "x", "y"};
    for (int i = 0; i < 6; i++)
        if (tc_vocab_push(&f->v, words[i], strlen(words[i]), &err) < 0)
            return -1;
    for (int i = 0; i < 8 * D; i++)
        f->E[i] = -7.0f; /* "untouched" */
    f->tok = tc_tokenizer_new(NULL, &err);
    *st = f;
    return f->tok ? 0 : -1;
}

static int teardown(void **st)
{
    fixture *f = *st;
    tc_vocab_free(&f->v);
    tc_tokenizer_free(f->tok);
    free(f);
    unlink(path);
    return 0;
}

static int load(fixture *f, const char *text, int gz, tc_vectors_stats *st, tc_err *err)
{
    write_vec(text, gz);
    int rc = tc_vectors_load(path, f->tok, &f->v, f->E, D, st, err);
    unlink(path);
    return rc;
}

static void row_is(const fixture *f, int id, float a, float b, float c)
{
    assert_close(f->E[id * D + 0], a, 0, 1e-7);
    assert_close(f->E[id * D + 1], b, 0, 1e-7);
    assert_close(f->E[id * D + 2], c, 0, 1e-7);
}

static void header_exact_and_normalised(void **st)
{
    fixture *f = *st;
    tc_err err;
    tc_vectors_stats s;
    const char *text =
        "7 3\n"
        "The 1 1 1\n"           /* normalised candidate for "the", first */
        "THE 9 9 9\n"           /* a later normalised candidate: ignored */
        "cat 0.5 -0.25 2e-1 \n" /* exact; trailing space as fastText writes */
        "Paris 3 3 3\n"
        "the 2 2 2\n"      /* exact, later: wins over the normalised one */
        "new york 4 5 6\n" /* a word with a space (GloVe 840B has some) */
        "zebra 8 8 8\n";   /* not in the vocabulary */
    assert_int_equal(load(f, text, 0, &s, &err), 0);
    assert_int_equal(s.lines, 7);
    assert_int_equal(s.words, 6);
    assert_int_equal(s.exact, 3);      /* the, cat, new york */
    assert_int_equal(s.normalized, 1); /* paris */
    row_is(f, 2, 2, 2, 2);
    row_is(f, 3, 3, 3, 3);
    row_is(f, 4, 0.5f, -0.25f, 0.2f);
    row_is(f, 5, 4, 5, 6);
    row_is(f, 0, -7, -7, -7); /* padding, OOV and words without a vector keep theirs */
    row_is(f, 1, -7, -7, -7);
    row_is(f, 6, -7, -7, -7);
}

static void no_header_gzip_and_blank_lines(void **st)
{
    fixture *f = *st;
    tc_err err;
    tc_vectors_stats s;
    assert_int_equal(load(f, "x\t1\t2\t3\n\ny -1 -2 -3\r\n", 1, &s, &err), 0);
    assert_int_equal(s.lines, 2);
    assert_int_equal(s.exact, 2);
    row_is(f, 6, 1, 2, 3);
    row_is(f, 7, -1, -2, -3);
}

static void corrupt_files_name_the_line(void **st)
{
    fixture *f = *st;
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"2 300\ncat 1 2 3\n", ":1: the header says 300 dimensions but model.embedding_dim is 3"},
        {"cat 1 2 3 4 5\n", ":1: 'cat' has 5 numbers but model.embedding_dim is 3"},
        {"cat 1 2 3\nthe 1 2\n", ":2: 'the' has 2 numbers but model.embedding_dim is 3"},
        {"cat 1 2 3\n\nx 1 oops 3\n", ":3: field 3 ('oops') is not a finite number"},
        {"x 1 nan 3\n", ":1: field 3 ('nan') is not a finite number"},
        {"y 1 2 1e999\n", ":1: field 4 ('1e999') is not a finite number"},
        {"", ": no vectors in the file"},
        {"5 3\n", ": no vectors in the file"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tc_err err;
        tc_vectors_stats s;
        write_vec(bad[i].text, 0);
        int rc = tc_vectors_load(path, f->tok, &f->v, f->E, D, &s, &err);
        unlink(path);
        assert_int_equal(rc, -1);
        char want[512];
        snprintf(want, sizeof want, "%s%s", path, bad[i].msg);
        if (!strstr(err.msg, want))
            fail_msg("case %zu: \"%s\" does not contain \"%s\"", i, err.msg, want);
    }
    /* a bad number on a line whose word is not used is not parsed (the field
     * count still is) */
    tc_err err;
    tc_vectors_stats s;
    assert_int_equal(load(f, "zebra 1 oops 3\ncat 1 2 3\n", 0, &s, &err), 0);
    assert_int_equal(s.exact, 1);
    assert_int_equal(tc_vectors_load("/nonexistent/v.vec", f->tok, &f->v, f->E, D, &s, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/v.vec"));
}

static void apply_from_config(void **st)
{
    fixture *f = *st;
    tc_config cfg;
    tc_config_defaults(&cfg);
    cfg.model.embedding_dim = D;
    char note[512];
    tc_err err;
    assert_int_equal(tc_vectors_apply(&cfg, f->tok, &f->v, f->E, note, sizeof note, &err), 0);
    assert_string_equal(note, "");
    row_is(f, 2, -7, -7, -7);
    write_vec("the 1 2 3\ncat 4 5 6\nnope 7 8 9\n", 0);
    strcpy(cfg.model.pretrained, path);
    assert_int_equal(tc_vectors_apply(&cfg, f->tok, &f->v, f->E, note, sizeof note, &err), 0);
    unlink(path);
    assert_non_null(strstr(note, ": 2 of 6 vocabulary words found (33.3%; 2 exact, 0 after normalisation), 3 vectors"));
    row_is(f, 4, 4, 5, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(header_exact_and_normalised, setup, teardown),
        cmocka_unit_test_setup_teardown(no_header_gzip_and_blank_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_files_name_the_line, setup, teardown),
        cmocka_unit_test_setup_teardown(apply_from_config, setup, teardown),
    };
    return cmocka_run_group_tests_name("vectors", tests, NULL, NULL);
}
