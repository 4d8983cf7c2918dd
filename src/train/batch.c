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
