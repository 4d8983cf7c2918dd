/* test_text.c — vocabulary (Keras ordering and num_words), padder (Keras
 * pad_sequences), and the corpus reader path (columns, multi-label, unknown
 * labels, malformed rows, label ordering). */
#include "tc_test.h"

#include <unistd.h>

#include "text/corpus.h"
#include "text/pad.h"
#include "text/vocab.h"

static void count_words(tc_counter *c, const char *text)
{
    tc_err err;
    char w[64];
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, " ");
        memcpy(w, p, n);
        assert_true(tc_counter_add(c, w, n, &err) >= 0);
        p += n + (p[n] == ' ');
    }
}

static void vocab_orders_by_frequency_then_first_seen(void **st)
{
    (void)st;
    tc_counter c;
    tc_counter_init(&c);
    count_words(&c, "b a c a d b e a");
    /* counts: a 3, b 2, c 1, d 1, e 1; first seen: b a c d e */
    tc_vocab v;
    tc_vocab_init(&v);
    uint32_t remap[5];
    tc_err err;
    assert_int_equal(tc_vocab_build(&v, &c, 0, 1, remap, &err), 0);
    assert_int_equal(tc_vocab_size(&v), 7);
    assert_string_equal(tc_vocab_word(&v, 2), "a");
    assert_string_equal(tc_vocab_word(&v, 3), "b");
    assert_string_equal(tc_vocab_word(&v, 4), "c");
    assert_string_equal(tc_vocab_word(&v, 5), "d");
    assert_string_equal(tc_vocab_word(&v, 6), "e");
    assert_string_equal(tc_vocab_word(&v, 0), "<pad>");
    assert_string_equal(tc_vocab_word(&v, 1), "<oov>");
    /* remap: counter ids are b=0 a=1 c=2 d=3 e=4 */
    assert_int_equal(remap[0], 3);
    assert_int_equal(remap[1], 2);
    assert_int_equal(remap[4], 6);
    assert_int_equal(tc_vocab_lookup(&v, "zzz", 3), TC_OOV_ID);
    assert_int_equal(tc_vocab_lookup(&v, "c", 1), 4);
    tc_vocab_free(&v);

    /* Keras num_words=4: ids 0..3 only -> a, b kept */
    tc_vocab_init(&v);
    assert_int_equal(tc_vocab_build(&v, &c, 4, 1, remap, &err), 0);
    assert_int_equal(tc_vocab_size(&v), 4);
    assert_int_equal(remap[2], TC_OOV_ID);
    tc_vocab_free(&v);

    /* min_count 2 keeps a and b */
    tc_vocab_init(&v);
    assert_int_equal(tc_vocab_build(&v, &c, 0, 2, remap, &err), 0);
    assert_int_equal(tc_vocab_size(&v), 4);
    tc_vocab_free(&v);
    tc_counter_free(&c);
}

static void pad_matches_keras(void **st)
{
    (void)st;
    int32_t ids[5] = {1, 2, 3, 4, 5}, out[8];
    /* pad_sequences([[1,2,3,4,5]], maxlen=3) -> [[3,4,5]] (truncating='pre') */
    tc_pad_row(out, ids, 5, 3, TC_PRE, TC_PRE);
    assert_int_equal(out[0], 3), assert_int_equal(out[2], 5);
    tc_pad_row(out, ids, 5, 3, TC_PRE, TC_POST);
    assert_int_equal(out[0], 1), assert_int_equal(out[2], 3);
    /* padding='pre': [0,0,0,1,2] for maxlen 5 and [1,2] */
    tc_pad_row(out, ids, 2, 5, TC_PRE, TC_PRE);
    int32_t pre[5] = {0, 0, 0, 1, 2};
    assert_memory_equal(out, pre, sizeof pre);
    tc_pad_row(out, ids, 2, 5, TC_POST, TC_PRE);
    int32_t post[5] = {1, 2, 0, 0, 0};
    assert_memory_equal(out, post, sizeof post);
    tc_pad_row(out, ids, 0, 2, TC_PRE, TC_PRE);
    assert_int_equal(out[0], 0), assert_int_equal(out[1], 0);
}

static char path[] = "/tmp/tc_text_XXXXXX";

static void write_file(const char *text)
{
    strcpy(path, "/tmp/tc_text_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

typedef struct {
    tc_config cfg;
    tc_tokenizer *tok;
    tc_counter counter;
    tc_strtab labels;
    tc_corpus c;
} fixture;

static int read_train(fixture *f, const char *text, tc_err *err)
{
    write_file(text);
    tc_corpus_src s = {&f->cfg, f->tok, &f->counter, NULL, &f->labels, 1};
    int rc = tc_corpus_read(&f->c, path, &s, err);
    unlink(path);
    return rc;
}

static int fixture_setup(void **st)
{
    fixture *f = calloc(1, sizeof *f);
    tc_config_defaults(&f->cfg);
    tc_err err;
    f->tok = tc_tokenizer_from_config(&f->cfg, &err);
    tc_counter_init(&f->counter);
    tc_strtab_init(&f->labels);
    tc_corpus_init(&f->c);
    *st = f;
    return f->tok ? 0 : -1;
}

static int fixture_teardown(void **st)
{
    fixture *f = *st;
    tc_tokenizer_free(f->tok);
    tc_counter_free(&f->counter);
    tc_strtab_free(&f->labels);
    tc_corpus_free(&f->c);
    free(f);
    return 0;
}

static void corpus_reads_columns_by_name(void **st)
{
    fixture *f = *st;
    tc_err err;
    assert_int_equal(read_train(f, "id,text,label\n1,\"Hello, world\",pos\n2,bad day,neg\n\n3,Hello again,pos\n", &err),
                     0);
    assert_int_equal(f->c.n, 3);
    assert_int_equal(f->c.blank, 1);
    assert_int_equal(f->labels.n, 2);
    /* row 0: hello world, label pos (id 0 before sorting) */
    assert_int_equal(f->c.tok_off[1] - f->c.tok_off[0], 2);
    assert_int_equal(f->c.line[2], 5);
    uint32_t remap[2];
    assert_int_equal(tc_labels_sort(&f->labels, remap, &err), 0);
    assert_string_equal(tc_strtab_str(&f->labels, 0), "neg");
    assert_int_equal(remap[0], 1); /* pos -> 1 */
    tc_corpus_remap_labels(&f->c, remap);
    assert_int_equal(f->c.labels[0], 1);
    assert_int_equal(f->c.labels[1], 0);
    assert_int_equal(f->c.max_tokens, 2);
}

static void corpus_errors_name_file_and_line(void **st)
{
    fixture *f = *st;
    tc_err err;
    assert_int_equal(read_train(f, "label,text\npos,fine\nneg\n", &err), -1);
    assert_non_null(strstr(err.msg, ":3: expected at least 2 fields, found 1"));
    assert_non_null(strstr(err.msg, "/tmp/tc_text_"));
    tc_corpus_free(&f->c);
    assert_int_equal(read_train(f, "label,txt\npos,fine\n", &err), -1);
    assert_non_null(strstr(err.msg, "data.text_column 'text' is not a column of the header"));
    tc_corpus_free(&f->c);
    assert_int_equal(read_train(f, "label,text\n,no label here\n", &err), -1);
    assert_non_null(strstr(err.msg, ":2: empty label"));
    tc_corpus_free(&f->c);
    /* on_error: skip counts the bad rows and keeps the good ones */
    f->cfg.data.on_error = TC_ONERR_SKIP;
    assert_int_equal(read_train(f, "label,text\npos,fine\nneg\n\"unterminated,x\nneg,ok\n", &err), 0);
    assert_int_equal(f->c.n, 1);
    assert_true(f->c.skipped >= 1);
    f->cfg.data.on_error = TC_ONERR_ERROR;
    tc_corpus_free(&f->c);
    assert_int_equal(read_train(f, "", &err), 0);
    assert_int_equal(f->c.n, 0);
}

static void corpus_multilabel_and_indices(void **st)
{
    fixture *f = *st;
    tc_err err;
    strcpy(f->cfg.data.label_separator, "|");
    f->cfg.data.header = 0;
    strcpy(f->cfg.data.text_column, "1");
    strcpy(f->cfg.data.label_column, "0");
    assert_int_equal(read_train(f, "joy|anger,so mixed\njoy| joy ,happy\n,nothing at all\n", &err), 0);
    assert_int_equal(f->c.n, 3);
    assert_int_equal(f->c.lab_off[1] - f->c.lab_off[0], 2);
    assert_int_equal(f->c.lab_off[2] - f->c.lab_off[1], 1); /* duplicates count once, spaces trimmed */
    assert_int_equal(f->c.lab_off[3] - f->c.lab_off[2], 0);
    assert_int_equal(f->c.max_labels, 2);
    assert_true(tc_corpus_is_multilabel(&f->cfg, &f->c));
    /* evaluation: the label set is fixed, unknown labels are counted */
    tc_vocab v;
    tc_vocab_init(&v);
    tc_corpus e;
    tc_corpus_init(&e);
    write_file("joy|fear,x\n");
    tc_corpus_src s = {&f->cfg, f->tok, NULL, &v, &f->labels, 0};
    assert_int_equal(tc_corpus_read(&e, path, &s, &err), 0);
    unlink(path);
    assert_int_equal(e.unknown_labels, 1);
    assert_int_equal(e.lab_off[1], 1);
    assert_int_equal(e.ids[0], TC_OOV_ID);
    tc_corpus_free(&e);
    tc_vocab_free(&v);
    /* a column name without a header is a config error */
    strcpy(f->cfg.data.text_column, "text");
    tc_corpus_free(&f->c);
    assert_int_equal(read_train(f, "a,b\n", &err), -1);
    assert_non_null(strstr(err.msg, "data.header is false"));
}

static void corpus_fasttext_format(void **st)
{
    fixture *f = *st;
    tc_err err;
    f->cfg.data.format = TC_FMT_FASTTEXT;
    assert_int_equal(read_train(f, "__label__a __label__b two labels\n__label__a one\nno label\n", &err), -1);
    assert_non_null(strstr(err.msg, ":3: no __label__"));
    tc_corpus_free(&f->c);
    assert_int_equal(read_train(f, "__label__a __label__b two labels\n__label__a one\n", &err), 0);
    assert_int_equal(f->c.n, 2);
    assert_int_equal(f->c.max_labels, 2);
    assert_true(tc_corpus_is_multilabel(&f->cfg, &f->c));
    assert_int_equal(f->c.tok_off[1], 2);
}

static void encode_text_uses_vocab(void **st)
{
    fixture *f = *st;
    tc_err err;
    tc_vocab v;
    tc_vocab_init(&v);
    assert_int_equal(tc_vocab_push(&v, "hello", 5, &err), 0);
    int32_t *ids = NULL;
    size_t n = 0, cap = 0;
    assert_int_equal(tc_encode_text(f->tok, &v, "HELLO there, hello!", 19, &ids, &n, &cap, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[1], TC_OOV_ID);
    assert_int_equal(ids[2], 2);
    free(ids);
    tc_vocab_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vocab_orders_by_frequency_then_first_seen),
        cmocka_unit_test(pad_matches_keras),
        cmocka_unit_test_setup_teardown(corpus_reads_columns_by_name, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(corpus_errors_name_file_and_line, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(corpus_multilabel_and_indices, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(corpus_fasttext_format, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(encode_text_uses_vocab, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
