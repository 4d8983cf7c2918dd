/* test_checkpoint.c — model files: save → load gives bit-identical weights,
 * config and predictions; truncated, bit-flipped, wrong-version and
 * internally inconsistent files are rejected with a clear message; random
 * corruption past the checksum never crashes the loader. */
#include "tc_test.h"

#include <sys/stat.h>
#include <unistd.h>

#include "store/checkpoint.h"
#include "text/ngram.h"

static char dir[] = "/tmp/tc_ckpt_XXXXXX";

static int setup(void **st)
{
    (void)st;
    return tc_tmpdir_make(dir);
}

static int teardown(void **st)
{
    (void)st;
    return tc_tmpdir_remove(dir);
}

static void path_of(char *out, const char *name)
{
    sprintf(out, "%s/%s", dir, name);
}

/* A small trained-looking bundle: LSTM encoder so every tensor kind is there. */
static void make_bundle(tc_bundle *b, enum tc_encoder enc)
{
    tc_err err;
    tc_bundle_init(b);
    assert_int_equal(tc_config_set(&b->cfg, "data.train=x.csv", &err), 0);
    b->cfg.model.encoder = enc;
    b->cfg.model.embedding_dim = 6;
    b->cfg.model.lstm.units = 3;
    b->cfg.model.lstm.bidirectional = 1;
    b->cfg.model.head = TC_HEAD_SOFTMAX;
    b->cfg.pad.maxlen = 5;
    const char *words[] = {"the", "chat", "東京", "naïve"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(tc_vocab_push(&b->vocab, words[i], strlen(words[i]), &err), 0);
    const char *labels[] = {"neg", "neutral", "pos"};
    for (int i = 0; i < 3; i++)
        assert_true(tc_strtab_intern(&b->labels, labels[i], strlen(labels[i]), NULL, &err) >= 0);
    strcpy(b->meta, "epochs=3\n");
    tc_model_spec s;
    tc_model_spec_from_config(&s, &b->cfg, (int)tc_vocab_size(&b->vocab), 3, 0);
    b->model = tc_model_new(&s, &err);
    assert_non_null(b->model);
    tc_rng r;
    tc_rng_seed(&r, 5);
    assert_int_equal(tc_model_init_weights(b->model, &r, &err), 0);
}

static void predict(tc_model *m, float *out)
{
    tc_err err;
    int32_t ids[2 * 5] = {0, 2, 3, 4, 1, 0, 0, 0, 5, 2};
    assert_int_equal(tc_model_reserve(m, 2, 5, &err), 0);
    memcpy(out, tc_model_forward(m, ids, 2, 5, 0, NULL), 2 * 3 * sizeof *out);
}

static void save_load_round_trip(void **st)
{
    (void)st;
    for (int enc = 0; enc < 2; enc++) {
        tc_bundle a, b;
        tc_err err;
        make_bundle(&a, enc ? TC_ENC_LSTM : TC_ENC_GAP);
        char p[256];
        path_of(p, "m.bin");
        assert_int_equal(tc_checkpoint_save(p, &a, &err), 0);
        tc_bundle_init(&b);
        if (tc_checkpoint_load(p, &b, &err) != 0)
            fail_msg("%s", err.msg);
        assert_int_equal(b.model->nparams, a.model->nparams);
        assert_memory_equal(b.model->params, a.model->params, a.model->nparams * sizeof(float));
        float pa[6], pb[6];
        predict(a.model, pa);
        predict(b.model, pb);
        assert_memory_equal(pa, pb, sizeof pa); /* bit-identical predictions */
        assert_int_equal(b.cfg.model.encoder, a.cfg.model.encoder);
        assert_int_equal(b.cfg.pad.maxlen, 5);
        assert_string_equal(b.cfg.data.train, "x.csv");
        assert_int_equal(tc_vocab_size(&b.vocab), 6);
        assert_int_equal(tc_vocab_lookup(&b.vocab, "東京", strlen("東京")), 4);
        assert_string_equal(tc_strtab_str(&b.labels, 2), "pos");
        char v[16];
        assert_int_equal(tc_meta_get(&b, "epochs", v, sizeof v), 0);
        assert_string_equal(v, "3");
        assert_int_equal(b.task, TC_TASK_SINGLE_LABEL);
        assert_null(b.thresholds); /* none stored, none invented */
        tc_bundle_free(&a);
        tc_bundle_free(&b);
    }
}

static void spit(const char *p, const unsigned char *d, size_t n)
{
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, n, f), n);
    fclose(f);
}

/* Loads bytes d as a model file; returns the error message ("" if it loaded). */
static const char *try_load(const unsigned char *d, size_t n)
{
    static tc_err err;
    char p[256];
    path_of(p, "bad.bin");
    spit(p, d, n);
    tc_bundle b;
    tc_bundle_init(&b);
    int rc = tc_checkpoint_load(p, &b, &err);
    tc_bundle_free(&b);
    if (rc == 0)
        err.msg[0] = 0;
    return err.msg;
}

static void fix_crc(unsigned char *d, size_t n)
{
    uint32_t c = tc_crc32(0, d, n - 4);
    memcpy(d + n - 4, &c, 4);
}

/* A multi-label model with 12,000 labels and a tuned threshold each: the
 * task and every threshold come back exactly (the META text these used to
 * live in held 64 KiB, about 5,000 thresholds). */
static void many_thresholds_round_trip(void **st)
{
    (void)st;
    enum { NL = 12000 };
    tc_bundle a, b;
    tc_err err;
    tc_bundle_init(&a);
    assert_int_equal(tc_config_set(&a.cfg, "data.train=x.csv", &err), 0);
    a.cfg.model.embedding_dim = 2;
    a.cfg.model.head = TC_HEAD_SIGMOID;
    a.cfg.pad.maxlen = 2;
    assert_int_equal(tc_vocab_push(&a.vocab, "w", 1, &err), 0);
    for (int l = 0; l < NL; l++) {
        char name[16];
        int k = snprintf(name, sizeof name, "l%05d", l);
        assert_true(tc_strtab_intern(&a.labels, name, (size_t)k, NULL, &err) >= 0);
    }
    a.task = TC_TASK_MULTI_LABEL;
    float *thr = malloc(NL * sizeof *thr);
    for (int l = 0; l < NL; l++)
        thr[l] = (float)l / (NL - 1) * 0.999f + 1e-7f * (float)(l % 7);
    thr[0] = 0.0f, thr[NL - 1] = 1.0f;
    a.thresholds = thr;
    tc_model_spec s;
    tc_model_spec_from_config(&s, &a.cfg, (int)tc_vocab_size(&a.vocab), NL, 1);
    a.model = tc_model_new(&s, &err);
    assert_non_null(a.model);
    char p[256];
    path_of(p, "many.bin");
    if (tc_checkpoint_save(p, &a, &err) != 0)
        fail_msg("%s", err.msg);
    tc_bundle_init(&b);
    if (tc_checkpoint_load(p, &b, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(b.task, TC_TASK_MULTI_LABEL);
    assert_int_equal(b.labels.n, NL);
    assert_non_null(b.thresholds);
    assert_memory_equal(b.thresholds, thr, NL * sizeof *thr);
    assert_true(b.model->s.multilabel && b.model->s.sigmoid);
    tc_bundle_free(&a);
    tc_bundle_free(&b);
}

/* Sections are found by tag, not by position: the same file with its
 * sections in another order loads to the same model. */
static void sections_by_name(void **st)
{
    (void)st;
    tc_bundle a, b;
    tc_err err;
    make_bundle(&a, TC_ENC_GAP);
    char p[256];
    path_of(p, "order.bin");
    assert_int_equal(tc_checkpoint_save(p, &a, &err), 0);
    size_t n;
    unsigned char *d = tc_slurp(p, &n), *c = malloc(n);
    /* the sections as (offset, total bytes), in file order */
    size_t off[16], sz[16], k = 0, at = 32;
    while (at < n - 4 && k < 16) {
        uint64_t sl;
        memcpy(&sl, d + at + 8, 8);
        off[k] = at, sz[k] = 16 + (size_t)sl;
        at += sz[k++];
    }
    assert_int_equal(at, n - 4);
    assert_true(k >= 6);
    memcpy(c, d, 32); /* header, then the sections last to first */
    size_t o = 32;
    for (size_t i = k; i-- > 0;) {
        memcpy(c + o, d + off[i], sz[i]);
        o += sz[i];
    }
    fix_crc(c, n);
    tc_bundle_init(&b);
    if (tc_checkpoint_load_mem(c, n, "reordered", &b, &err) != 0)
        fail_msg("%s", err.msg);
    assert_memory_equal(b.model->params, a.model->params, a.model->nparams * sizeof(float));
    assert_int_equal(b.labels.n, a.labels.n);
    assert_int_equal(tc_vocab_size(&b.vocab), tc_vocab_size(&a.vocab));
    tc_bundle_free(&a);
    tc_bundle_free(&b);
    free(d);
    free(c);
}

static void rejects_damaged_files(void **st)
{
    (void)st;
    tc_bundle a;
    tc_err err;
    make_bundle(&a, TC_ENC_LSTM);
    char p[256];
    path_of(p, "good.bin");
    assert_int_equal(tc_checkpoint_save(p, &a, &err), 0);
    tc_bundle_free(&a);
    size_t n;
    unsigned char *d = tc_slurp(p, &n);
    unsigned char *c = malloc(n);

    /* every truncation length that matters: empty, inside the header, halfway, one byte short */
    size_t cuts[] = {0, 3, 12, n / 2, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        const char *m = try_load(d, cuts[i]);
        assert_true(m[0] != 0);
        assert_true(strstr(m, "truncated") || strstr(m, "checksum") || strstr(m, "bad magic"));
    }
    memcpy(c, d, n);
    c[n / 2] ^= 0x10; /* a flipped bit in the weights */
    assert_non_null(strstr(try_load(c, n), "checksum mismatch"));
    memcpy(c, d, n);
    c[0] = 'X';
    assert_non_null(strstr(try_load(c, n), "not a textclf model file"));
    memcpy(c, d, n);
    c[8] = 99; /* format version 99, checksum made consistent */
    fix_crc(c, n);
    const char *msg = try_load(c, n);
    assert_non_null(strstr(msg, "made by textclf 0.1.0 (model format 99)"));
    assert_non_null(strstr(msg, "which reads format 2"));
    /* an older format (1: task and thresholds as META text) is refused with the way out */
    memcpy(c, d, n);
    c[8] = 1;
    fix_crc(c, n);
    msg = try_load(c, n);
    assert_non_null(strstr(msg, "made by textclf 0.1.0 (model format 1)"));
    assert_non_null(strstr(msg, "retrain the model with this textclf"));
    /* a section length pointing past the end, with a valid checksum */
    memcpy(c, d, n);
    uint64_t huge = (uint64_t)1 << 40;
    memcpy(c + 32 + 8, &huge, 8); /* first section's length field */
    fix_crc(c, n);
    assert_non_null(strstr(try_load(c, n), "corrupt model file"));
    /* random byte damage behind a recomputed checksum: clean error or clean load, never a crash */
    tc_rng r;
    tc_rng_seed(&r, 9);
    int rejected = 0;
    for (int i = 0; i < 300; i++) {
        memcpy(c, d, n);
        for (int k = 0; k < 3; k++)
            c[tc_rng_below(&r, n - 4)] = (unsigned char)tc_rng_next(&r);
        fix_crc(c, n);
        rejected += try_load(c, n)[0] != 0;
    }
    assert_true(rejected > 0);
    free(c);
    free(d);
}

static void write_failure_keeps_old_file(void **st)
{
    (void)st;
    tc_bundle a;
    tc_err err;
    make_bundle(&a, TC_ENC_GAP);
    assert_int_equal(tc_checkpoint_save("/nonexistent-dir/m.bin", &a, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/m.bin"));
    char p[256];
    path_of(p, "keep.bin");
    assert_int_equal(tc_checkpoint_save(p, &a, &err), 0);
    /* saving over a read-only directory fails and leaves the old file and no temp file */
    if (geteuid() != 0) {
        chmod(dir, 0500);
        assert_int_equal(tc_checkpoint_save(p, &a, &err), -1);
        chmod(dir, 0700);
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s | grep -c tmp", dir);
    FILE *f = popen(cmd, "r");
    int tmp = -1;
    assert_int_equal(fscanf(f, "%d", &tmp), 1);
    pclose(f);
    assert_int_equal(tmp, 0);
    tc_bundle b;
    tc_bundle_init(&b);
    assert_int_equal(tc_checkpoint_load(p, &b, &err), 0);
    tc_bundle_free(&b);
    tc_bundle_free(&a);
    tc_bundle_init(&b);
    assert_int_equal(tc_checkpoint_load("/nonexistent-dir/m.bin", &b, &err), -1);
    assert_non_null(strstr(err.msg, "No such file"));
    tc_bundle_free(&b);
}

/* The optional training-state section travels byte for byte; files without it load with none. */
static void training_state_round_trip(void **st)
{
    (void)st;
    tc_bundle a, b;
    tc_err err;
    make_bundle(&a, TC_ENC_GAP);
    unsigned char blob[300];
    for (int i = 0; i < 300; i++)
        blob[i] = (unsigned char)(i * 7);
    a.state = malloc(sizeof blob);
    memcpy(a.state, blob, sizeof blob);
    a.state_len = sizeof blob;
    char p[256];
    path_of(p, "state.bin");
    assert_int_equal(tc_checkpoint_save(p, &a, &err), 0);
    tc_bundle_init(&b);
    assert_int_equal(tc_checkpoint_load(p, &b, &err), 0);
    assert_int_equal(b.state_len, sizeof blob);
    assert_memory_equal(b.state, blob, sizeof blob);
    tc_bundle_free(&b);
    free(a.state);
    a.state = NULL, a.state_len = 0;
    assert_int_equal(tc_checkpoint_save(p, &a, &err), 0);
    tc_bundle_init(&b);
    assert_int_equal(tc_checkpoint_load(p, &b, &err), 0);
    assert_null(b.state);
    tc_bundle_free(&b);
    tc_bundle_free(&a);
}

/* A GAP bundle with hashed bigrams and a compact feature map of 3 rows, with
 * the unseen row (FEAT version 2) or without it (version 1, older files). */
static void make_feature_bundle(tc_bundle *b, int unseen)
{
    tc_err err;
    make_bundle(b, TC_ENC_GAP);
    tc_model_free(b->model);
    b->cfg.tokenizer.ngrams = 2;
    b->cfg.tokenizer.buckets = 1000;
    uint32_t feat[] = {4, 500, 999};
    assert_int_equal(tc_vocab_set_features(&b->vocab, feat, 3, 1000, unseen, &err), 0);
    tc_model_spec s;
    tc_model_spec_from_config(&s, &b->cfg, (int)tc_input_rows(&b->cfg, &b->vocab), 3, 0);
    assert_int_equal(s.V, 6 + 3 + unseen);
    b->model = tc_model_new(&s, &err);
    assert_non_null(b->model);
    tc_rng r;
    tc_rng_seed(&r, 5);
    assert_int_equal(tc_model_init_weights(b->model, &r, &err), 0);
}

/* Offset of the payload of section `tag` in a model file's bytes. */
static size_t section_at(const unsigned char *d, size_t n, const char *tag)
{
    uint32_t nsec;
    memcpy(&nsec, d + 28, 4);
    size_t at = 32;
    for (uint32_t i = 0; i < nsec && at + 16 <= n; i++) {
        uint64_t len;
        memcpy(&len, d + at + 8, 8);
        if (memcmp(d + at, tag, 4) == 0)
            return at + 16;
        at += 16 + (size_t)len;
    }
    fail_msg("no %s section", tag);
    return 0;
}

/* The compact feature map travels in FEAT; a damaged map behind a valid
 * checksum is refused with a message naming it, never trusted. */
static void feature_map_round_trip_and_damage(void **st)
{
    (void)st;
    tc_bundle a, b;
    tc_err err;
    char p[256];
    path_of(p, "feat.bin");
    for (int unseen = 0; unseen <= 1; unseen++) { /* version 1 files still load as they were */
        make_feature_bundle(&a, unseen);
        assert_int_equal(tc_checkpoint_save(p, &a, &err), 0);
        tc_bundle_init(&b);
        if (tc_checkpoint_load(p, &b, &err) != 0)
            fail_msg("%s", err.msg);
        assert_int_equal(b.vocab.feat_map, 1);
        assert_int_equal(b.vocab.feat_unseen, unseen);
        assert_int_equal(b.vocab.nfeat, 3);
        assert_int_equal(tc_vocab_feature(&b.vocab, 500), 7);
        assert_int_equal(tc_vocab_feature(&b.vocab, 501), unseen ? 9 : TC_PAD_ID);
        assert_int_equal(b.model->s.V, 9 + unseen);
        assert_memory_equal(b.model->params, a.model->params, a.model->nparams * sizeof(float));
        tc_bundle_free(&b);
        tc_bundle_free(&a);
    }

    size_t n;
    unsigned char *d = tc_slurp(p, &n), *c = malloc(n);
    size_t f = section_at(d, n, "FEAT");
    /* FEAT: version, buckets, count, then the varints 4, 496 (f0 03), 499 (f3 03) */
    assert_int_equal(d[f], 2);
    assert_int_equal(d[f + 12], 4);
    assert_int_equal(d[f + 13], 0xf0);
    struct {
        size_t off;
        unsigned char bytes[4];
        size_t len;
        const char *msg;
    } cases[] = {
        {f, {7, 0, 0, 0}, 4, "feature map format 7"},
        {f, {0, 0, 0, 0}, 4, "feature map format 0"},
        {f, {1, 0, 0, 0}, 4, "corrupt"}, /* version 1: one row fewer than the tensors hold */
        {f + 4, {0xe7, 0x03, 0, 0}, 4, "feature map for 999 buckets"},
        {f + 8, {4, 0, 0, 0}, 4, "feature map of 4 entries"}, /* runs out of bytes */
        {f + 8, {0xff, 0xff, 0xff, 0xff}, 4, "feature map of 4294967295 entries"},
        {f + 8, {2, 0, 0, 0}, 4, "feature map of 2 entries"}, /* bytes left over */
        {f + 13, {0x00}, 1, "feature map of 3 entries"},      /* a gap of 0: not increasing */
        {f + 15, {0xff, 0x7f}, 2, "not below 1000"},          /* 500 + 16383 */
        {f + 16, {0x83}, 1, "feature map of 3 entries"},      /* a varint cut short */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memcpy(c, d, n);
        memcpy(c + cases[i].off, cases[i].bytes, cases[i].len);
        fix_crc(c, n);
        const char *m = try_load(c, n);
        if (!strstr(m, cases[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, m, cases[i].msg);
    }
    free(c);
    free(d);
}

static void crc32_known_value(void **st)
{
    (void)st;
    /* the standard CRC-32 check value */
    assert_int_equal(tc_crc32(0, "123456789", 9), 0xcbf43926u);
    /* incremental = one shot */
    assert_int_equal(tc_crc32(tc_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32_known_value),         cmocka_unit_test(save_load_round_trip),
        cmocka_unit_test(rejects_damaged_files),     cmocka_unit_test(many_thresholds_round_trip),
        cmocka_unit_test(sections_by_name),          cmocka_unit_test(write_failure_keeps_old_file),
        cmocka_unit_test(training_state_round_trip), cmocka_unit_test(feature_map_round_trip_and_damage),
    };
    return cmocka_run_group_tests_name("checkpoint", tests, setup, teardown);
}
