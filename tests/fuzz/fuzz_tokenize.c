/* fuzz_tokenize.c — the Unicode tokenizer (text/tokenize.h).
 *
 * Input bytes 0-1 set the options (bits of byte 0: normalize, lowercase,
 * keep_punct, keep_symbols, strip_accents, split: whitespace, digits: zero,
 * Keras' default filters; byte 1: cjk mode in bits 0-1, word n-grams up to
 * 1..4 in bits 2-3, character n-grams [2, 2..5] in bits 4-6 when bit 4-6 is
 * not 0); the rest is the text, any bytes.  Properties:
 *   - every token is non-empty, at most TC_TOKEN_MAX_BYTES, NUL-terminated,
 *     holds no NUL and is well-formed UTF-8;
 *   - the invalid-UTF-8 count only grows, and not by more than the input size;
 *   - n-gram features: offsets rise from 0 and every bucket is < buckets;
 *   - the same text gives the same tokens again after another text has been
 *     tokenized in between (reused scratch buffers carry nothing over). */
#include <string.h>

#include "fuzz.h"
#include "text/tokenize.h"

/* The tokens, each followed by its feature count and features, as one block (malloc'd). */
static char *tok_flatten(const tc_tokens *t, size_t *len)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        n += t->len[i] + 1 + 4 + (t->feat_off ? 4 * (size_t)(t->feat_off[i + 1] - t->feat_off[i]) : 0);
    char *out = malloc(n + 1);
    FUZZ_CHECK(out);
    size_t at = 0;
    for (size_t i = 0; i < t->n; i++) {
        memcpy(out + at, t->buf + t->off[i], t->len[i] + 1);
        at += t->len[i] + 1;
        uint32_t nf = t->feat_off ? t->feat_off[i + 1] - t->feat_off[i] : 0;
        memcpy(out + at, &nf, 4);
        at += 4;
        if (nf)
            memcpy(out + at, t->feat + t->feat_off[i], 4 * (size_t)nf);
        at += 4 * (size_t)nf;
    }
    *len = n;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    tc_tokenizer_opts o;
    memset(&o, 0, sizeof o);
    unsigned a = data[0], b = data[1];
    o.normalize = a & 1;
    o.lowercase = (a >> 1) & 1;
    o.keep_punct = (a >> 2) & 1;
    o.keep_symbols = (a >> 3) & 1;
    o.strip_accents = (a >> 4) & 1;
    o.split = (a >> 5) & 1 ? TC_SPLIT_WHITESPACE : TC_SPLIT_UNICODE;
    o.digits = (a >> 6) & 1 ? TC_DIGITS_ZERO : TC_DIGITS_KEEP;
    o.filters = (a >> 7) & 1 ? "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n" : NULL;
    o.cjk = (b & 3) == 1 ? TC_CJK_BIGRAM : (b & 3) == 2 ? TC_CJK_CHAR_BIGRAM : TC_CJK_CHAR;
    o.ngram.word_n = 1 + (int)((b >> 2) & 3);
    if ((b >> 4) & 7) {
        o.ngram.char_min = 2;
        o.ngram.char_max = 1 + (int)((b >> 4) & 7);
    }
    o.ngram.buckets = tc_ngram_on(&o.ngram) ? 1000 : 0;
    const char *text = (const char *)data + 2;
    size_t len = size - 2;
    tc_err err = {{0}};
    tc_tokenizer *t = tc_tokenizer_new(&o, &err);
    FUZZ_CHECK(t);
    tc_tokens tk;
    FUZZ_CHECK(tc_tokenize(t, text, len, &tk, &err) == 0);
    uint64_t bad = tc_tokenizer_invalid_count(t);
    FUZZ_CHECK(bad <= len);
    for (size_t i = 0; i < tk.n; i++) {
        const char *s = tk.buf + tk.off[i];
        FUZZ_CHECK(tk.len[i] >= 1 && tk.len[i] <= TC_TOKEN_MAX_BYTES);
        FUZZ_CHECK(s[tk.len[i]] == 0 && strlen(s) == tk.len[i]);
        FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *)s, tk.len[i]));
    }
    if (tk.feat_off) {
        FUZZ_CHECK(tk.feat_off[0] == 0);
        for (size_t i = 0; i < tk.n; i++)
            FUZZ_CHECK(tk.feat_off[i] <= tk.feat_off[i + 1]);
        for (size_t j = 0; j < tk.feat_off[tk.n]; j++)
            FUZZ_CHECK(tk.feat[j] < o.ngram.buckets);
    }
    size_t n1, n2;
    char *first = tok_flatten(&tk, &n1);
    size_t first_count = tk.n;
    FUZZ_CHECK(tc_tokenize(t, text, len / 2, &tk, &err) == 0);
    FUZZ_CHECK(tc_tokenizer_invalid_count(t) >= bad);
    FUZZ_CHECK(tc_tokenize(t, text, len, &tk, &err) == 0);
    char *again = tok_flatten(&tk, &n2);
    FUZZ_CHECK(tk.n == first_count && n1 == n2 && memcmp(first, again, n1) == 0);
    free(first);
    free(again);
    tc_tokenizer_free(t);
    return 0;
}
