/* fuzz_vectors.c — pretrained word vectors (text/vectors.h): the word2vec /
 * GloVe / fastText .vec text format, plain or gzip-compressed.
 *
 * Input byte 0: the embedding width D = 1 + (bits 0-2), lowercase (bit 3),
 * normalize (bit 4); the rest is the file.  The vocabulary is fixed (a few
 * words in three scripts).  The loader reads a path, so the harness writes
 * each input to one temporary file.  Properties:
 *   - on success every vocabulary row is either untouched (still NaN, the
 *     harness's marker) or wholly finite, and the rows filled are exactly
 *     stats.exact + stats.normalized, never more than the vocabulary;
 *   - padding and OOV rows are never written;
 *   - a failure is one line naming the file. */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "text/vectors.h"

static char vec_path[64];

static void vec_remove_file(void)
{
    unlink(vec_path);
}

static void vec_write_file(const uint8_t *data, size_t size)
{
    if (!vec_path[0]) {
        strcpy(vec_path, "/tmp/tc_fuzz_vec_XXXXXX");
        int fd = mkstemp(vec_path);
        FUZZ_CHECK(fd >= 0);
        close(fd);
        atexit(vec_remove_file);
    }
    FILE *f = fopen(vec_path, "wb");
    FUZZ_CHECK(f);
    FUZZ_CHECK(fwrite(data, 1, size, f) == size);
    FUZZ_CHECK(fclose(f) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int D = 1 + (data[0] & 7);
    tc_tokenizer_opts o;
    memset(&o, 0, sizeof o);
    o.lowercase = (data[0] >> 3) & 1;
    o.normalize = (data[0] >> 4) & 1;
    vec_write_file(data + 1, size - 1);
    tc_err err = {{0}};
    tc_tokenizer *tok = tc_tokenizer_new(&o, &err);
    FUZZ_CHECK(tok);
    tc_vocab v;
    tc_vocab_init(&v);
    static const char *const words[] = {"the", "paris", "東京", "naïve", "x1", "ﬁ"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        FUZZ_CHECK(tc_vocab_push(&v, words[i], strlen(words[i]), &err) == 0);
    size_t rows = tc_vocab_size(&v);
    float *E = malloc(rows * (size_t)D * sizeof *E);
    FUZZ_CHECK(E);
    for (size_t i = 0; i < rows * (size_t)D; i++)
        E[i] = NAN;
    tc_vectors_stats st;
    memset(&st, 0, sizeof st);
    if (tc_vectors_load(vec_path, tok, &v, E, D, &st, &err) == 0) {
        uint32_t filled = 0;
        for (size_t r = 0; r < rows; r++) {
            size_t fin = 0;
            for (int j = 0; j < D; j++)
                fin += isfinite(E[r * (size_t)D + (size_t)j]) != 0;
            FUZZ_CHECK(fin == 0 || fin == (size_t)D);
            if (r < 2)
                FUZZ_CHECK(fin == 0);
            filled += fin == (size_t)D;
        }
        FUZZ_CHECK(st.exact + st.normalized == filled && filled <= st.words && st.words == rows - 2);
    } else {
        FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'));
        FUZZ_CHECK(strstr(err.msg, vec_path) != NULL);
    }
    free(E);
    tc_vocab_free(&v);
    tc_tokenizer_free(tok);
    return 0;
}
