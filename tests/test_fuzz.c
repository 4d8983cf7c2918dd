/* test_fuzz.c — replays every file under tests/fuzz/corpus/ through its fuzz
 * target's harness, in the normal and the ASan build, without libFuzzer.
 *
 * The corpus holds the hand-made seeds and, named crash-*, every input a
 * fuzzing run ever found a crash, leak or broken property with (docs/
 * robustness.md lists them): once fixed, each stays here as a regression test.
 * The harnesses are the fuzz targets themselves, included with their entry
 * point renamed, so the properties checked are the same ones. */
#include "tc_test.h"

#include <dirent.h>
#include <unistd.h>

#include "text/ngram.h"

#define LLVMFuzzerTestOneInput fuzz_reader_one
#include "fuzz/fuzz_reader.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_tokenize_one
#include "fuzz/fuzz_tokenize.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_config_one
#include "fuzz/fuzz_config.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_checkpoint_one
#include "fuzz/fuzz_checkpoint.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_vectors_one
#include "fuzz/fuzz_vectors.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_train_state_one
#define LLVMFuzzerInitialize fuzz_train_state_init
#include "fuzz/fuzz_train_state.c"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 4096, n = 0;
    unsigned char *p = malloc(cap);
    assert_non_null(p);
    size_t k;
    while ((k = fread(p + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            p = realloc(p, cap *= 2);
            assert_non_null(p);
        }
    }
    assert_false(ferror(f));
    fclose(f);
    *len = n;
    return p;
}

static void corpus_path(char *out, size_t cap, const char *dir, const char *file)
{
    const char *root = getenv("TC_ROOT");
    snprintf(out, cap, "%s/tests/fuzz/corpus/%s%s%s", root ? root : ".", dir, file ? "/" : "", file ? file : "");
}

/* Runs every file of corpus/DIR through one; returns how many there were. */
static int replay(const char *dir, int (*one)(const uint8_t *, size_t))
{
    char path[4096];
    corpus_path(path, sizeof path, dir, NULL);
    DIR *d = opendir(path);
    if (!d)
        fail_msg("%s: cannot open (run from the project root or set TC_ROOT)", path);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        corpus_path(path, sizeof path, dir, e->d_name);
        size_t len;
        unsigned char *data = slurp(path, &len);
        assert_int_equal(one(data, len), 0);
        free(data);
        n++;
    }
    closedir(d);
    return n;
}

static void test_reader_corpus(void **state)
{
    (void)state;
    assert_true(replay("reader", fuzz_reader_one) >= 5);
}

static void test_tokenize_corpus(void **state)
{
    (void)state;
    assert_true(replay("tokenize", fuzz_tokenize_one) >= 5);
}

static void test_config_corpus(void **state)
{
    (void)state;
    assert_true(replay("config", fuzz_config_one) >= 5);
}

static void test_vectors_corpus(void **state)
{
    (void)state;
    assert_true(replay("vectors", fuzz_vectors_one) >= 5);
}

static void test_train_state_corpus(void **state)
{
    (void)state;
    assert_true(replay("train_state", fuzz_train_state_one) >= 6);
}

/* Both ways: with the CRC fixed up (the parser behind it) and as they are. */
static void test_checkpoint_corpus(void **state)
{
    (void)state;
    ckpt_fix_crc = 1;
    assert_true(replay("checkpoint", fuzz_checkpoint_one) >= 3);
    ckpt_fix_crc = 0;
    assert_true(replay("checkpoint", fuzz_checkpoint_one) >= 3);
    ckpt_fix_crc = 1;
}

/* ---- regression tests for what the fuzzers found --------------------------
 * Each builds a valid model file with tc_checkpoint_save, makes the one change
 * the crashing input had (so the test does not depend on the format version
 * of a committed file), fixes the CRC and loads it. */

/* The bytes of a small valid model file (malloc'd). */
static unsigned char *model_file(size_t *len)
{
    tc_err err;
    tc_bundle b;
    tc_bundle_init(&b);
    assert_int_equal(tc_config_set(&b.cfg, "data.train=x.csv", &err), 0);
    b.cfg.model.embedding_dim = 3;
    b.cfg.model.head = TC_HEAD_SOFTMAX;
    b.cfg.pad.maxlen = 5;
    const char *words[] = {"the", "match", "東京", "a\001b", "c\001b"};
    for (int i = 0; i < 5; i++)
        assert_int_equal(tc_vocab_push(&b.vocab, words[i], strlen(words[i]), &err), 0);
    const char *labels[] = {"neg", "pos"};
    for (int i = 0; i < 2; i++)
        assert_true(tc_strtab_intern(&b.labels, labels[i], strlen(labels[i]), NULL, &err) >= 0);
    strcpy(b.meta, "epochs=1\n");
    tc_model_spec s;
    tc_model_spec_from_config(&s, &b.cfg, (int)tc_input_rows(&b.cfg, &b.vocab), 2, 0);
    b.model = tc_model_new(&s, &err);
    assert_non_null(b.model);
    tc_rng r;
    tc_rng_seed(&r, 1);
    assert_int_equal(tc_model_init_weights(b.model, &r, &err), 0);
    char path[] = "/tmp/tc_fuzz_regress_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    if (tc_checkpoint_save(path, &b, &err) != 0)
        fail_msg("%s", err.msg);
    tc_bundle_free(&b);
    unsigned char *data = slurp(path, len);
    unlink(path);
    return data;
}

/* Replaces the first `from` (n bytes) in a fresh model file by `to` (n
 * bytes), fixes the CRC and loads it; returns the load's rc, message in err. */
static int load_patched_bytes(const char *from, const char *to, size_t n, tc_err *err)
{
    size_t len;
    unsigned char *data = model_file(&len);
    unsigned char *at = NULL;
    for (size_t i = 0; i + n <= len && !at; i++)
        if (memcmp(data + i, from, n) == 0)
            at = data + i;
    if (!at)
        fail_msg("'%s' not found in the model file", from);
    memcpy(at, to, n);
    uint32_t crc = tc_crc32(0, data, len - 4);
    memcpy(data + len - 4, &crc, 4);
    tc_bundle b;
    tc_bundle_init(&b);
    int rc = tc_checkpoint_load_mem(data, len, "m.bin", &b, err);
    if (rc == 0)
        assert_non_null(b.model);
    else
        assert_null(b.model);
    tc_bundle_free(&b);
    free(data);
    return rc;
}

static int load_patched(const char *from, const char *to, tc_err *err)
{
    assert_int_equal(strlen(to), strlen(from));
    return load_patched_bytes(from, to, strlen(from), err);
}

static void test_regress_unpatched_loads(void **state)
{
    (void)state;
    tc_err err = {{0}};
    if (load_patched("LABL", "LABL", &err) != 0)
        fail_msg("%s", err.msg);
}

/* crash-section-tag-newline (fuzz_checkpoint): an unknown section tag was
 * printed raw, so a tag holding a line feed split the error message. */
static void test_regress_section_tag_newline(void **state)
{
    (void)state;
    tc_err err = {{0}};
    assert_int_equal(load_patched("LABL", "LAB\n", &err), -1);
    assert_string_equal(err.msg, "m.bin: corrupt model file (unexpected section LAB?)");
}

/* crash-maxlen-zero (fuzz_checkpoint): a stored pad.maxlen of 0 loaded, and
 * predict then padded every text to 0 tokens. */
static void test_regress_maxlen_zero(void **state)
{
    (void)state;
    tc_err err = {{0}};
    assert_int_equal(load_patched("maxlen: 5", "maxlen: 0", &err), -1);
    assert_string_equal(err.msg, "m.bin: corrupt model file (pad.maxlen is 0)");
}

/* crash-tensor-name-newline (fuzz_checkpoint): a tensor name from the file
 * was printed raw when it did not match the config's. */
static void test_regress_tensor_name_newline(void **state)
{
    (void)state;
    tc_err err = {{0}};
    assert_int_equal(load_patched("output.W", "outpu\n.W", &err), -1);
    assert_string_equal(err.msg, "m.bin: corrupt model file (tensor 1 is outpu?.W 3x2, the config needs output.W 3x2)");
}

/* A duplicated vocabulary word was printed raw in the message, so a word
 * holding a line feed split it (found reviewing the loader's messages). */
static void test_regress_duplicate_word_newline(void **state)
{
    (void)state;
    tc_err err = {{0}};
    assert_int_equal(load_patched("c\001b", "a\001b", &err), -1);
    assert_string_equal(err.msg, "m.bin: vocabulary entry 4: duplicate vocabulary word 'a?b'");
}

/* Words train never writes (the tokenizer splits on whitespace and drops
 * NUL) are refused, not loaded (issue 12). */
static void test_regress_word_with_line_feed(void **state)
{
    (void)state;
    tc_err err = {{0}};
    assert_int_equal(load_patched("c\001b", "c\nb", &err), -1);
    assert_string_equal(err.msg,
                        "m.bin: vocabulary entry 4: a word with a line-break byte, which no tokenizer "
                        "output has");
    assert_int_equal(load_patched("c\001b", "c\tb", &err), -1);
    assert_non_null(strstr(err.msg, "TAB byte"));
}

/* A softmax head on multi-label data, which training refuses, is refused on
 * loading too (found while fixing crash-maxlen-zero). */
static void test_regress_softmax_multilabel(void **state)
{
    (void)state;
    tc_err err = {{0}};
    /* KIND: tag, u32 0, u64 length 4, u32 task 0 → 1 */
    static const char from[20] = "KIND\0\0\0\0\4\0\0\0\0\0\0\0\0\0\0\0";
    static const char to[20] = "KIND\0\0\0\0\4\0\0\0\0\0\0\0\1\0\0\0";
    assert_int_equal(load_patched_bytes(from, to, sizeof from, &err), -1);
    assert_string_equal(err.msg, "m.bin: corrupt model file (softmax head on multi-label data)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_corpus),
        cmocka_unit_test(test_tokenize_corpus),
        cmocka_unit_test(test_config_corpus),
        cmocka_unit_test(test_checkpoint_corpus),
        cmocka_unit_test(test_vectors_corpus),
        cmocka_unit_test(test_train_state_corpus),
        cmocka_unit_test(test_regress_unpatched_loads),
        cmocka_unit_test(test_regress_section_tag_newline),
        cmocka_unit_test(test_regress_maxlen_zero),
        cmocka_unit_test(test_regress_softmax_multilabel),
        cmocka_unit_test(test_regress_duplicate_word_newline),
        cmocka_unit_test(test_regress_word_with_line_feed),
        cmocka_unit_test(test_regress_tensor_name_newline),
    };
    return cmocka_run_group_tests_name("fuzz", tests, NULL, NULL);
}
