/* ngram.c — see ngram.h for which features a token adds and how they hash. */
#include "ngram.h"

#include <string.h>

#include "text/tokenize.h"
#include "util/strtab.h"

#define FNV_PRIME 0x100000001b3ULL
#define WORD_SEED 0x9e3779b97f4a7c15ULL
#define CHAR_SEED 0xc2b2ae3d27d4eb4fULL

static uint64_t fmix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

void tc_ngram_opts_from_config(tc_ngram_opts *o, const tc_config *cfg)
{
    memset(o, 0, sizeof *o);
    if (cfg->model.encoder != TC_ENC_GAP)
        return;
    o->word_n = (int)cfg->tokenizer.ngrams;
    if (cfg->tokenizer.n_char_ngrams == 2) {
        o->char_min = (int)cfg->tokenizer.char_ngrams[0];
        o->char_max = (int)cfg->tokenizer.char_ngrams[1];
    }
    if (tc_ngram_on(o))
        o->buckets = (uint32_t)cfg->tokenizer.buckets;
}

const char *tc_ngram_config_warning(const tc_config *cfg)
{
    if (cfg->model.encoder == TC_ENC_GAP || (cfg->tokenizer.ngrams < 2 && cfg->tokenizer.n_char_ngrams == 0))
        return NULL;
    return "warning: tokenizer.ngrams and tokenizer.char_ngrams are ignored by the lstm encoder "
           "(it reads the word order itself)";
}

int tc_ngram_on(const tc_ngram_opts *o)
{
    return o->word_n >= 2 || (o->char_min > 0 && o->char_max >= o->char_min);
}

uint32_t tc_input_rows(const tc_config *cfg, const tc_vocab *v)
{
    tc_ngram_opts o;
    tc_ngram_opts_from_config(&o, cfg);
    return tc_vocab_size(v) + (tc_ngram_on(&o) ? tc_vocab_feature_rows(v, o.buckets) : 0);
}

uint64_t tc_ngram_word_hash(const uint64_t *th, int n)
{
    uint64_t h = WORD_SEED;
    for (int k = 0; k < n; k++)
        h = (h ^ th[k]) * FNV_PRIME;
    return fmix(h);
}

uint64_t tc_ngram_char_hash(const char *s, size_t len)
{
    return fmix(tc_hash_bytes(s, len) ^ CHAR_SEED);
}

size_t tc_ngram_max_features(const tc_ngram_opts *o, size_t len)
{
    size_t k = o->word_n >= 2 ? (size_t)(o->word_n - 1) : 0;
    if (o->char_min > 0) /* at most len + 2 codepoints, each starting max-min+1 n-grams */
        k += (len + 2) * (size_t)(o->char_max - o->char_min + 1);
    return k;
}

static int is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Character n-grams of the token s[0..len) with markers, into out/info. */
static size_t char_ngrams(const tc_ngram_opts *o, const char *s, size_t len, uint32_t *out, tc_ngram *info)
{
    char w[TC_TOKEN_MAX_BYTES + 2];
    if (len > TC_TOKEN_MAX_BYTES)
        len = TC_TOKEN_MAX_BYTES;
    w[0] = '<';
    memcpy(w + 1, s, len);
    w[len + 1] = '>';
    size_t wl = len + 2, k = 0;
    for (size_t a = 0; a < wl; a++) {
        if (is_cont((unsigned char)w[a]))
            continue;
        size_t b = a;
        for (int n = 1; n <= o->char_max && b < wl; n++) {
            b++; /* past one more codepoint */
            while (b < wl && is_cont((unsigned char)w[b]))
                b++;
            if (n < o->char_min || (n == 1 && (a == 0 || b == wl)))
                continue;
            out[k] = (uint32_t)(tc_ngram_char_hash(w + a, b - a) % o->buckets);
            if (info)
                info[k] = (tc_ngram){out[k], TC_NGRAM_CHAR, n, (uint32_t)a, (uint32_t)(b - a)};
            k++;
        }
    }
    return k;
}

size_t tc_ngram_token(const tc_ngram_opts *o, const tc_tokens *tk, const uint64_t *th, size_t i, uint32_t *out,
                      tc_ngram *info)
{
    size_t k = 0;
    for (int n = 2; n <= o->word_n && (size_t)n <= i + 1; n++) {
        out[k] = (uint32_t)(tc_ngram_word_hash(th + i + 1 - (size_t)n, n) % o->buckets);
        if (info)
            info[k] = (tc_ngram){out[k], TC_NGRAM_WORD, n, 0, 0};
        k++;
    }
    if (o->char_min > 0)
        k += char_ngrams(o, tk->buf + tk->off[i], tk->len[i], out + k, info ? info + k : NULL);
    return k;
}
