/* split.c — see split.h. */
#include "split.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/rng.h"

#define SPLIT_SEED_SALT 0x53504c4954ULL /* "SPLIT": a stream apart from the training generator's */

/* The group of each row (nlabels = rows without a label); returns 0 or -1. */
static int row_groups(const tc_corpus *c, uint32_t nlabels, uint32_t *group, tc_err *err)
{
    uint64_t *freq = calloc((size_t)nlabels + 1, sizeof *freq);
    if (!freq)
        return tc_err_oom(err, "validation split");
    for (uint64_t r = 0; r < c->n; r++)
        for (uint64_t j = c->lab_off[r]; j < c->lab_off[r + 1]; j++)
            if (c->labels[j] >= 0 && (uint32_t)c->labels[j] < nlabels)
                freq[c->labels[j]]++;
    for (uint64_t r = 0; r < c->n; r++) {
        uint32_t g = nlabels;
        for (uint64_t j = c->lab_off[r]; j < c->lab_off[r + 1]; j++) {
            int32_t l = c->labels[j];
            if (l < 0 || (uint32_t)l >= nlabels)
                continue;
            if (g == nlabels || freq[l] < freq[g] || (freq[l] == freq[g] && (uint32_t)l < g))
                g = (uint32_t)l;
        }
        group[r] = g;
    }
    free(freq);
    return 0;
}

int64_t tc_split_stratified(const tc_corpus *c, uint32_t nlabels, double frac, uint64_t seed, uint8_t *is_val,
                            tc_err *err)
{
    memset(is_val, 0, (size_t)c->n);
    if (c->n == 0 || frac <= 0)
        return 0;
    if (c->n > UINT32_MAX)
        return tc_err_set(err, "validation split: more than %u rows", UINT32_MAX);
    uint32_t G = nlabels + 1, n = (uint32_t)c->n;
    uint32_t *group = malloc((size_t)n * sizeof *group), *sorted = malloc((size_t)n * sizeof *sorted);
    uint64_t *start = calloc((size_t)G + 1, sizeof *start), *fill = calloc((size_t)G, sizeof *fill);
    int ok = group && sorted && start && fill;
    if (!ok || row_groups(c, nlabels, group, err) < 0) {
        free(group), free(sorted), free(start), free(fill);
        return ok ? -1 : tc_err_oom(err, "validation split");
    }
    /* counting sort: rows of group g at sorted[start[g] .. start[g+1]), in file order */
    for (uint32_t r = 0; r < n; r++)
        start[group[r] + 1]++;
    for (uint32_t g = 0; g < G; g++)
        start[g + 1] += start[g];
    for (uint32_t r = 0; r < n; r++)
        sorted[start[group[r]] + fill[group[r]]++] = r;
    tc_rng rng;
    tc_rng_seed(&rng, seed ^ SPLIT_SEED_SALT);
    int64_t held = 0;
    for (uint32_t g = 0; g < G; g++) {
        uint64_t size = start[g + 1] - start[g];
        if (size == 0)
            continue;
        tc_rng_shuffle_u32(&rng, sorted + start[g], size);
        uint64_t k = (uint64_t)floor(frac * (double)size + 0.5);
        if (k >= size)
            k = size - 1;
        for (uint64_t i = 0; i < k; i++)
            is_val[sorted[start[g] + i]] = 1;
        held += (int64_t)k;
    }
    free(fill), free(group), free(sorted), free(start);
    return held;
}

int tc_split_extract(tc_corpus *out, const tc_corpus *c, const uint8_t *mask, uint8_t want, tc_err *err)
{
    uint64_t rows = 0, ntok = 0, nlab = 0;
    for (uint64_t r = 0; r < c->n; r++)
        if (mask[r] == want) {
            rows++;
            ntok += c->tok_off[r + 1] - c->tok_off[r];
            nlab += c->lab_off[r + 1] - c->lab_off[r];
        }
    tc_corpus_free(out);
    out->tok_off = malloc((size_t)(rows + 1) * sizeof *out->tok_off);
    out->lab_off = malloc((size_t)(rows + 1) * sizeof *out->lab_off);
    out->line = malloc((size_t)(rows + 1) * sizeof *out->line);
    out->ids = malloc((size_t)(ntok ? ntok : 1) * sizeof *out->ids);
    out->labels = malloc((size_t)(nlab ? nlab : 1) * sizeof *out->labels);
    if (!out->tok_off || !out->lab_off || !out->line || !out->ids || !out->labels) {
        tc_corpus_free(out);
        return tc_err_oom(err, "validation split");
    }
    out->cap_rows = rows + 1, out->cap_ids = ntok ? ntok : 1, out->cap_labels = nlab ? nlab : 1;
    out->tok_off[0] = out->lab_off[0] = 0;
    for (uint64_t r = 0; r < c->n; r++) {
        if (mask[r] != want)
            continue;
        uint64_t i = out->n++, nt = c->tok_off[r + 1] - c->tok_off[r], nl = c->lab_off[r + 1] - c->lab_off[r];
        memcpy(out->ids + out->tok_off[i], c->ids + c->tok_off[r], (size_t)nt * sizeof *out->ids);
        memcpy(out->labels + out->lab_off[i], c->labels + c->lab_off[r], (size_t)nl * sizeof *out->labels);
        out->tok_off[i + 1] = out->tok_off[i] + nt;
        out->lab_off[i + 1] = out->lab_off[i] + nl;
        out->line[i] = c->line[r];
        if (nt > out->max_tokens)
            out->max_tokens = nt;
        if (nl > out->max_labels)
            out->max_labels = (uint32_t)nl;
    }
    out->skipped = c->skipped, out->blank = c->blank;
    out->unknown_labels = c->unknown_labels, out->invalid_utf8 = c->invalid_utf8;
    out->data_crc32 = c->data_crc32; /* the file it came from */
    return 0;
}

int tc_split_recount(tc_counter *out, const tc_counter *all, tc_corpus *c, tc_err *err)
{
    uint64_t ntok = c->n ? c->tok_off[c->n] : 0;
    for (uint64_t i = 0; i < ntok; i++) {
        int32_t id = c->ids[i];
        if (id < 0) /* a hashed n-gram feature, -1 - bucket (corpus.h): not a word */
            continue;
        if ((uint32_t)id >= all->words.n)
            return tc_err_set(err, "validation split: token id %d out of range", (int)id);
        int64_t nid = tc_counter_add(out, tc_strtab_str(&all->words, (uint32_t)id),
                                     tc_strtab_len(&all->words, (uint32_t)id), err);
        if (nid < 0)
            return -1;
        c->ids[i] = (int32_t)nid;
    }
    return 0;
}

int tc_split_lookup(tc_corpus *c, const tc_counter *all, const tc_vocab *v, tc_err *err)
{
    /* ids are rewritten in place; a feature without a row of its own takes
     * the unseen row (or, without one, is dropped: w <= i) */
    uint64_t w = 0, start = 0;
    for (uint64_t r = 0; r < c->n; r++) {
        uint64_t end = c->tok_off[r + 1];
        c->tok_off[r] = w;
        for (uint64_t j = start; j < end; j++) {
            int32_t id = c->ids[j];
            if (id < 0) { /* a hashed n-gram feature, -1 - bucket (corpus.h) */
                if ((c->ids[w] = tc_vocab_feature(v, (uint32_t)(-1 - id))) != TC_PAD_ID)
                    w++;
                continue;
            }
            if ((uint32_t)id >= all->words.n)
                return tc_err_set(err, "validation split: token id %d out of range", (int)id);
            c->ids[w++] = tc_vocab_lookup(v, tc_strtab_str(&all->words, (uint32_t)id),
                                          tc_strtab_len(&all->words, (uint32_t)id));
        }
        start = end;
    }
    if (c->n)
        c->tok_off[c->n] = w;
    return 0;
}
