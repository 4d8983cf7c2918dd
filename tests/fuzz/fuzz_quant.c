/* fuzz_quant.c — the quantized-weights section of a model file (QUAN,
 * store/quant.h), parsed on its own so that the fuzzer does not have to get
 * past the file's checksum and the other sections first (fuzz_checkpoint
 * covers the section inside whole files).
 *
 * Properties, for any input:
 *   - parsing fails with a one-line message, or succeeds having consumed
 *     every byte, and what it kept serializes back to exactly the input
 *     (the format has one encoding of each value);
 *   - a parse that matches the fixed model below (tc_quant_check) decodes
 *     into it without reading out of bounds, and if the weights are finite
 *     (the loader refuses others) a forward pass gives probabilities.
 * LLVMFuzzerInitialize writes real sections of that model (int8, and PQ
 * with dsub 1 and 2) as seeds when TC_FUZZ_SEED_DIR is set (scripts/fuzz.sh). */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "store/quant.h"

/* embedding 9 x 4 -> average pool -> dense 8 relu -> output 3 */
static tc_model *fq_model(void)
{
    tc_err err = {{0}};
    tc_model_spec s = {.encoder = TC_ENC_GAP, .V = 9, .D = 4, .n_hidden = 1, .hidden = {8}, .nlabels = 3, .outputs = 3};
    tc_model *m = tc_model_new(&s, &err);
    FUZZ_CHECK(m);
    tc_rng r;
    tc_rng_seed(&r, 2);
    FUZZ_CHECK(tc_model_init_weights(m, &r, &err) == 0);
    return m;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *dir = getenv("TC_FUZZ_SEED_DIR");
    if (!dir)
        return 0;
    tc_model *m = fq_model();
    for (int mode = 0; mode < 3; mode++) {
        tc_err err = {{0}};
        tc_quant_opts o;
        tc_quant_opts_default(&o);
        o.pq = mode > 0;
        o.dsub = mode;
        tc_quant *q;
        FUZZ_CHECK(tc_quant_build(&q, m, &o, &err) == 0);
        tc_wbuf w = {0};
        tc_quant_put(&w, q);
        FUZZ_CHECK(!w.oom);
        char path[4096];
        snprintf(path, sizeof path, "%s/quant-%d", dir, mode);
        FILE *f = fopen(path, "wb");
        FUZZ_CHECK(f && fwrite(w.p, 1, w.len, f) == w.len && fclose(f) == 0);
        free(w.p);
        tc_quant_free(q);
    }
    tc_model_free(m);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tc_err err = {{0}};
    tc_rbuf r = {data, size, 0};
    tc_quant *q = NULL;
    size_t params = 0;
    if (tc_quant_get(&r, &q, &params, "fuzz", &err) < 0) {
        FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'));
        return 0;
    }
    FUZZ_CHECK(r.pos == size && tc_quant_bytes(q) == size);
    tc_wbuf w = {0};
    tc_quant_put(&w, q);
    FUZZ_CHECK(!w.oom && w.len == size && memcmp(w.p, data, size) == 0);
    free(w.p);
    tc_model *m = fq_model();
    if (tc_quant_check(q, m, "fuzz", &err) == 0) {
        FUZZ_CHECK(params == m->nparams);
        tc_quant_decode(q, m);
        /* finite parts can still multiply past FLT_MAX; the loader refuses
         * such a model (checkpoint.c), so only a finite one runs */
        int finite = 1;
        for (size_t i = 0; i < m->nparams; i++)
            finite &= isfinite(m->params[i]) != 0;
        if (finite) {
            int32_t ids[6] = {1, 2, 8, 0, 3, 4};
            FUZZ_CHECK(tc_model_reserve(m, 2, 3, &err) == 0);
            const float *p = tc_model_forward(m, ids, 2, 3, 0, NULL);
            for (int i = 0; i < 6; i++) /* softmax of finite logits, or NaN from inf - inf */
                FUZZ_CHECK(!(p[i] < 0.0f) && !(p[i] > 1.0f));
        }
    } else {
        FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'));
    }
    tc_model_free(m);
    tc_quant_free(q);
    return 0;
}
