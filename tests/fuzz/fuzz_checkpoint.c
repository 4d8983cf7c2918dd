/* fuzz_checkpoint.c — the model-file loader (store/checkpoint.h).
 *
 * A mutated model file almost never has a valid CRC-32, so by default this
 * target writes the right checksum into the last 4 bytes before loading: the
 * mutations then reach the section parser, the config reader, the vocabulary
 * and label tables and the tensor checks behind the checksum.
 * fuzz_checkpoint_raw.c builds the same target without the fix-up (the
 * header and checksum paths).
 *
 * When a file loads, the harness does what `textclf predict` does with it —
 * tokenize a text, run it through the shared inference path (infer.h), rank
 * the labels, read the thresholds — and checks that every probability is in
 * [0, 1] (or NaN, which only weights near FLT_MAX can cause) and the ranking
 * is a permutation: whatever the loader accepts must be safe to use, and
 * must not make predict allocate more than the file could describe (libFuzzer
 * reports any single allocation over -malloc_limit_mb). */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "store/checkpoint.h"
#include "text/corpus.h"
#include "predict/infer.h"

#ifndef FUZZ_RAW
#define FUZZ_RAW 0
#endif
/* 1: write the right CRC into the last 4 bytes first (tests/test_fuzz.c sets it) */
static int ckpt_fix_crc = !FUZZ_RAW;

static void ckpt_use_model(tc_bundle *b)
{
    static const char text[] = "the match was won in the last minute 我爱 NLP";
    tc_err err = {{0}};
    tc_model *m = b->model;
    FUZZ_CHECK(m && b->cfg.pad.maxlen >= 1 && m->s.nlabels == (int)b->labels.n);
    int L = m->s.nlabels;
    tc_tokenizer *tok = tc_tokenizer_from_config(&b->cfg, &err);
    FUZZ_CHECK(tok);
    int32_t *ids = NULL;
    size_t n = 0, cap = 0;
    FUZZ_CHECK(tc_encode_text(tok, &b->vocab, text, sizeof text - 1, &ids, &n, &cap, &err) == 0);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(ids[i] >= 1 && ids[i] < m->s.V);
    /* as `textclf predict` reading a pipe: one row at a time */
    tc_infer inf;
    FUZZ_CHECK(tc_infer_init(&inf, b, 1, &err) == 0);
    const int32_t *rows[1] = {ids};
    size_t lens[1] = {n};
    float *probs = malloc((size_t)L * sizeof *probs), *thr = malloc((size_t)L * sizeof *thr);
    int *order = malloc((size_t)L * sizeof *order);
    FUZZ_CHECK(probs && thr && order);
    FUZZ_CHECK(tc_infer_rows(&inf, rows, lens, 1, probs, &err) == 0);
    /* NaN only from weights so large (finite) that the forward pass overflows */
    for (int i = 0; i < L; i++)
        FUZZ_CHECK(isnan(probs[i]) || (probs[i] >= 0.0f && probs[i] <= 1.0f));
    FUZZ_CHECK(tc_infer_top(probs, NULL, L, 0, order) == L);
    for (int i = 0; i < L; i++) {
        FUZZ_CHECK(order[i] >= 0 && order[i] < L);
        thr[order[i]] = -1.0f; /* marks each label seen once */
    }
    for (int i = 0; i < L; i++)
        FUZZ_CHECK(thr[i] == -1.0f);
    if (tc_infer_thresholds_get(b, thr, &err) < 0)
        FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'));
    tc_infer_free(&inf);
    free(probs);
    free(thr);
    free(order);
    free(ids);
    tc_tokenizer_free(tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy: reading past the end is caught */
    unsigned char *file = malloc(size ? size : 1);
    FUZZ_CHECK(file);
    memcpy(file, data, size);
    if (ckpt_fix_crc && size >= 4) {
        uint32_t crc = tc_crc32(0, file, size - 4);
        memcpy(file + size - 4, &crc, 4);
    }
    tc_bundle b;
    tc_bundle_init(&b);
    tc_err err = {{0}};
    if (tc_checkpoint_load_mem(file, size, "<fuzz>", &b, &err) == 0) {
        ckpt_use_model(&b);
        char v[64];
        tc_meta_get(&b, "epochs", v, sizeof v);
        for (uint32_t l = 0; b.thresholds && l < b.labels.n; l++) /* the loader checked them */
            FUZZ_CHECK(b.thresholds[l] >= 0.0f && b.thresholds[l] <= 1.0f);
    } else {
        FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'));
        FUZZ_CHECK(b.model == NULL && b.state == NULL && b.labels.n == 0);
    }
    tc_bundle_free(&b);
    free(file);
    return 0;
}
