/* vocab.c — see vocab.h. */
#include "vocab.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

void tc_counter_init(tc_counter *c)
{
    memset(c, 0, sizeof *c);
    tc_strtab_init(&c->words);
}

void tc_counter_free(tc_counter *c)
{
    tc_strtab_free(&c->words);
    free(c->counts);
    memset(c, 0, sizeof *c);
}

int64_t tc_counter_add(tc_counter *c, const char *s, size_t len, tc_err *err)
{
    int added;
    int64_t id = tc_strtab_intern(&c->words, s, len, &added, err);
    if (id < 0)
        return -1;
    if (tc_grow((void **)&c->counts, &c->cap, (size_t)id + 1, sizeof *c->counts, "word counts", err) < 0)
        return -1;
    if (added)
        c->counts[id] = 0;
    c->counts[id]++;
    return id;
}

void tc_vocab_init(tc_vocab *v)
{
    memset(v, 0, sizeof *v);
    tc_strtab_init(&v->words);
}

void tc_vocab_free(tc_vocab *v)
{
    tc_strtab_free(&v->words);
    free(v->feat);
    v->feat = NULL;
    v->nfeat = 0;
    v->feat_map = 0;
    v->feat_unseen = 0;
}

int tc_vocab_set_features(tc_vocab *v, const uint32_t *feat, uint32_t n, uint32_t buckets, int unseen_row, tc_err *err)
{
    for (uint32_t i = 0; i < n; i++)
        if (feat[i] >= buckets || (i && feat[i] <= feat[i - 1]))
            return tc_err_set(err, "feature map: entry %u (bucket %u) is not increasing or not below %u", i, feat[i],
                              buckets);
    if ((uint64_t)tc_vocab_size(v) + n + 1 > INT32_MAX)
        return tc_err_set(err, "vocabulary plus %u feature rows exceeds %d embedding rows", n + 1, INT32_MAX);
    uint32_t *p = malloc((size_t)(n ? n : 1) * sizeof *p);
    if (!p)
        return tc_err_oom(err, "feature map");
    if (n)
        memcpy(p, feat, (size_t)n * sizeof *p);
    free(v->feat);
    v->feat = p;
    v->nfeat = n;
    v->feat_map = 1;
    v->feat_unseen = unseen_row != 0;
    return 0;
}

int32_t tc_vocab_feature(const tc_vocab *v, uint32_t bucket)
{
    if (!v->feat_map)
        return (int32_t)(tc_vocab_size(v) + bucket);
    uint32_t lo = 0, hi = v->nfeat; /* binary search: the first entry >= bucket */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v->feat[mid] < bucket)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v->nfeat && v->feat[lo] == bucket ? (int32_t)(tc_vocab_size(v) + lo) : tc_vocab_unseen_row(v);
}

/* qsort context: the counts being sorted by (count desc, first appearance asc) */
typedef struct {
    uint64_t count;
    uint32_t id;
} ranked;

static int by_rank(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

int tc_vocab_build(tc_vocab *v, const tc_counter *c, int64_t num_words, int64_t min_count, uint32_t *remap, tc_err *err)
{
    uint32_t n = c->words.n;
    ranked *r = malloc((size_t)(n ? n : 1) * sizeof *r);
    if (!r)
        return tc_err_oom(err, "vocabulary");
    for (uint32_t i = 0; i < n; i++) {
        r[i].count = c->counts[i];
        r[i].id = i;
        remap[i] = TC_OOV_ID;
    }
    qsort(r, n, sizeof *r, by_rank);
    uint64_t limit = num_words > 0 ? (uint64_t)num_words - 2 : UINT64_MAX;
    for (uint32_t i = 0; i < n && i < limit; i++) {
        if (r[i].count < (uint64_t)min_count)
            break;
        uint32_t id = r[i].id;
        if (tc_vocab_push(v, tc_strtab_str(&c->words, id), tc_strtab_len(&c->words, id), err) < 0) {
            free(r);
            return -1;
        }
        remap[id] = v->words.n + 1; /* the word just pushed */
    }
    free(r);
    return 0;
}

int tc_vocab_push(tc_vocab *v, const char *s, size_t len, tc_err *err)
{
    int added;
    if (tc_strtab_intern(&v->words, s, len, &added, err) < 0)
        return -1;
    if (!added) {
        char shown[65]; /* the word may come from a model file: control bytes would break the message */
        size_t n = len > 64 ? 64 : len;
        for (size_t i = 0; i < n; i++)
            shown[i] = (unsigned char)s[i] < 32 || s[i] == 127 ? '?' : s[i];
        shown[n] = 0;
        return tc_err_set(err, "duplicate vocabulary word '%s'", shown);
    }
    return 0;
}

int32_t tc_vocab_lookup(const tc_vocab *v, const char *s, size_t len)
{
    int64_t id = tc_strtab_find(&v->words, s, len);
    return id < 0 ? TC_OOV_ID : (int32_t)(id + 2);
}

const char *tc_vocab_word(const tc_vocab *v, int32_t id)
{
    if (id == TC_PAD_ID)
        return "<pad>";
    if (id == TC_OOV_ID || id < 0 || (uint32_t)id >= tc_vocab_size(v))
        return "<oov>";
    return tc_strtab_str(&v->words, (uint32_t)id - 2);
}
