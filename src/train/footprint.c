/* footprint.c — see footprint.h. */
#include "footprint.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void tc_footprint_estimate(const tc_model_spec *s, const tc_config *cfg, tc_footprint *f)
{
    memset(f, 0, sizeof *f);
    double P = (double)tc_model_count_params(s) * sizeof(float);
    f->params = f->grads = f->best = P;
    f->optim = cfg->train.optimizer == TC_OPT_ADAM ? 2 * P : 0;
    /* one batch: embedded sequence, encoder states, dense layers, head; x2 for the backward pass */
    double B = (double)cfg->train.batch_size, T = (double)(cfg->pad.maxlen > 0 ? cfg->pad.maxlen : 1);
    double acts = B * T * s->D;
    int width = s->D;
    if (s->encoder == TC_ENC_LSTM) {
        double dirs = s->lstm_bidir ? 2 : 1;
        acts += B * T * s->lstm_units * 6.0 * dirs * s->lstm_layers; /* 4 gates, cell, hidden */
        width = s->lstm_units * (int)dirs;
    }
    for (int i = 0; i < s->n_hidden; i++)
        acts += 2.0 * B * s->hidden[i];
    acts += 2.0 * B * s->outputs;
    f->acts = 2 * acts * sizeof(float);
    f->total = f->params + f->grads + f->optim + f->best + f->acts;
    /* the key behind the largest tensor */
    double emb = (double)s->V * s->D, best = emb, in = width;
    f->key = "tokenizer.num_words (or tokenizer.buckets, model.embedding_dim)";
    if (s->encoder == TC_ENC_LSTM && 4.0 * s->lstm_units * (s->D + s->lstm_units) > best) {
        best = 4.0 * s->lstm_units * (s->D + s->lstm_units);
        f->key = "model.lstm.units";
    }
    for (int i = 0; i < s->n_hidden; i++) {
        if (in * s->hidden[i] > best) {
            best = in * s->hidden[i];
            f->key = "model.hidden";
        }
        in = s->hidden[i];
    }
    if (in * s->outputs > best)
        f->key = s->n_hidden ? "model.hidden (or the number of labels)" : "the number of labels";
}

uint64_t tc_mem_available(void)
{
    FILE *m = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long kb = 0;
    while (m && fgets(line, sizeof line, m))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    if (m)
        fclose(m);
    if (kb)
        return (uint64_t)kb * 1024;
    long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

int tc_footprint_check(const tc_footprint *f, uint64_t available, tc_err *err)
{
    if (!available || f->total <= (double)available)
        return 0;
    return tc_err_set(err,
                      "the model needs about %.1f GB to train (parameters %.1f GB, gradients %.1f GB, "
                      "optimizer state %.1f GB, best weights %.1f GB, activations %.1f GB), more than the %.1f GB "
                      "of memory available; make %s smaller",
                      f->total / 1e9, f->params / 1e9, f->grads / 1e9, f->optim / 1e9, f->best / 1e9, f->acts / 1e9,
                      (double)available / 1e9, f->key);
}
