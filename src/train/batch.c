/* batch.c — see batch.h. */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#include "text/pad.h"

int tc_batch_init(tc_batch *b, int cap_B, int cap_T, int outputs, tc_err *err)
{
    memset(b, 0, sizeof *b);
    b->cap_B = cap_B, b->cap_T = cap_T, b->outputs = outputs;
    b->ids = malloc((size_t)cap_B * (size_t)cap_T * sizeof *b->ids);
    b->labels = malloc((size_t)cap_B * sizeof *b->labels);
    b->targets = malloc((size_t)cap_B * (size_t)outputs * sizeof *b->targets);
    if (!b->ids || !b->labels || !b->targets) {
        tc_batch_free(b);
        return tc_err_oom(err, "batch");
    }
    return 0;
}

void tc_batch_free(tc_batch *b)
{
    free(b->ids);
    free(b->labels);
    free(b->targets);
    memset(b, 0, sizeof *b);
}

void tc_batch_fill(tc_batch *b, const tc_corpus *c, const uint32_t *rows, int n, const tc_config *cfg,
                   const tc_model_spec *s)
{
    int T = 1;
    for (int i = 0; i < n; i++) {
        uint64_t len = c->tok_off[rows[i] + 1] - c->tok_off[rows[i]];
        if (len > (uint64_t)T)
            T = len > (uint64_t)b->cap_T ? b->cap_T : (int)len;
    }
    b->B = n, b->T = T;
    for (int i = 0; i < n; i++) {
        uint32_t r = rows[i];
        const int32_t *ids = c->ids + c->tok_off[r];
        size_t len = (size_t)(c->tok_off[r + 1] - c->tok_off[r]);
        tc_pad_row(b->ids + (size_t)i * (size_t)T, ids, len, T, cfg->pad.padding, cfg->pad.truncating);
        const int32_t *lab = c->labels + c->lab_off[r];
        size_t nl = (size_t)(c->lab_off[r + 1] - c->lab_off[r]);
        b->labels[i] = nl ? lab[0] : 0;
        if (s->sigmoid) {
            float *t = b->targets + (size_t)i * (size_t)s->outputs;
            if (s->outputs == 1) { /* binary sigmoid head: target is "label 1" */
                t[0] = nl && lab[0] == 1 ? 1.0f : 0.0f;
            } else {
                memset(t, 0, (size_t)s->outputs * sizeof *t);
                for (size_t j = 0; j < nl; j++)
                    t[lab[j]] = 1.0f;
            }
        }
    }
}

static int by_key(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int tc_batch_bucket(uint32_t *order, uint32_t n, const tc_corpus *c, int B, tc_rng *rng, tc_err *err)
{
    uint32_t nb = (n + (uint32_t)B - 1) / (uint32_t)B;
    uint64_t *key = malloc((size_t)n * sizeof *key);
    uint32_t *perm = malloc((size_t)nb * sizeof *perm), *tmp = malloc((size_t)n * sizeof *tmp);
    if (!key || !perm || !tmp) {
        free(key), free(perm), free(tmp);
        return tc_err_oom(err, "batch order");
    }
    /* key = length (high 32 bits, capped) | position in the shuffled order (low 32): a stable sort */
    for (uint32_t i = 0; i < n; i++) {
        uint64_t len = c->tok_off[order[i] + 1] - c->tok_off[order[i]];
        key[i] = (len > UINT32_MAX ? (uint64_t)UINT32_MAX : len) << 32 | i;
    }
    size_t window = (size_t)B * TC_BUCKET_WINDOW;
    for (size_t at = 0; at < n; at += window)
        qsort(key + at, n - at < window ? n - at : window, sizeof *key, by_key);
    for (uint32_t i = 0; i < n; i++)
        tmp[i] = order[key[i] & 0xffffffffu];
    for (uint32_t i = 0; i < nb; i++)
        perm[i] = i;
    /* a short last batch stays last, so every other batch is exactly B rows */
    tc_rng_shuffle_u32(rng, perm, n % (uint32_t)B ? nb - 1 : nb);
    uint32_t k = 0;
    for (uint32_t i = 0; i < nb; i++) {
        uint32_t from = perm[i] * (uint32_t)B, to = from + (uint32_t)B < n ? from + (uint32_t)B : n;
        for (uint32_t j = from; j < to; j++)
            order[k++] = tmp[j];
    }
    free(key), free(perm), free(tmp);
    return 0;
}
