/* checkpoint.c — see checkpoint.h for the format. */
#define _DEFAULT_SOURCE /* madvise(MADV_DONTNEED): glibc's posix_madvise ignores POSIX_MADV_DONTNEED */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "text/ngram.h"
#include "util/bytes.h"
#include "util/mem.h"
#include "version.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "checkpoint.c writes floats in host order and assumes a little-endian host"
#endif

static const char MAGIC[8] = {'T', 'E', 'X', 'T', 'C', 'L', 'F', 0};
#define HEADER_BYTES (8 + 4 + 16 + 4)

void tc_bundle_init(tc_bundle *b)
{
    memset(b, 0, sizeof *b);
    tc_config_defaults(&b->cfg);
    tc_vocab_init(&b->vocab);
    tc_strtab_init(&b->labels);
}

void tc_bundle_free(tc_bundle *b)
{
    tc_vocab_free(&b->vocab);
    tc_strtab_free(&b->labels);
    tc_model_free(b->model);
    b->model = NULL;
    free(b->thresholds);
    b->thresholds = NULL;
    tc_quant_free(b->quant);
    b->quant = NULL;
    free(b->state);
    b->state = NULL;
    b->state_len = 0;
}

/* ---- writing ----------------------------------------------------------- */

static void put_u32(tc_wbuf *w, uint32_t v)
{
    tc_wbuf_put(w, &v, 4);
}
static void put_u64(tc_wbuf *w, uint64_t v)
{
    tc_wbuf_put(w, &v, 8);
}

/* Starts a section; returns the offset of its length field. */
static size_t begin_section(tc_wbuf *w, const char tag[4])
{
    tc_wbuf_put(w, tag, 4);
    put_u32(w, 0);
    size_t at = w->len;
    put_u64(w, 0);
    return at;
}

static void end_section(tc_wbuf *w, size_t at)
{
    if (w->oom)
        return;
    uint64_t len = w->len - at - 8;
    memcpy(w->p + at, &len, 8);
}

static void put_strings(tc_wbuf *w, const tc_strtab *t)
{
    put_u32(w, t->n);
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t n = (uint32_t)tc_strtab_len(t, i);
        put_u32(w, n);
        tc_wbuf_put(w, tc_strtab_str(t, i), n);
    }
}

/* FEAT: u32 version | u32 buckets | u32 n | n varints: bucket[0], then
 * each gap bucket[i] - bucket[i-1] (>= 1), LEB128 (7 bits a byte, low
 * first): the buckets seen are dense, so most gaps take one byte, not four.
 * Version 2: the map has the unseen row after the feature rows (vocab.h);
 * version 1 (files from before it): it has not. */
#define FEAT_VERSION 2
static void put_feature_map(tc_wbuf *w, const tc_vocab *v, uint32_t buckets)
{
    put_u32(w, v->feat_unseen ? FEAT_VERSION : 1);
    put_u32(w, buckets);
    put_u32(w, v->nfeat);
    for (uint32_t i = 0; i < v->nfeat; i++) {
        uint32_t x = v->feat[i] - (i ? v->feat[i - 1] : 0);
        unsigned char b[5];
        int k = 0;
        do {
            b[k] = (unsigned char)(x & 0x7f);
            x >>= 7;
            b[k] |= x ? 0x80 : 0;
            k++;
        } while (x);
        tc_wbuf_put(w, b, (size_t)k);
    }
}

int tc_checkpoint_save(const char *path, const tc_bundle *b, tc_err *err)
{
    /* Where files are written (output.*: model, checkpoint, metrics) and how
     * many threads computed it (train.threads) are not part of the model: the
     * same training gives the same bytes whatever -o or the thread count says.
     * output.save_best stays: it decides which epoch's weights these are, so
     * the stored config trains the same model again. */
    tc_config cfg = b->cfg;
    tc_config defaults;
    tc_config_defaults(&defaults);
    cfg.output = defaults.output;
    cfg.output.save_best = b->cfg.output.save_best;
    cfg.train.threads = defaults.train.threads;
    char *yaml = tc_config_to_yaml(&cfg, err);
    if (!yaml)
        return -1;
    tc_wbuf w = {0};
    char writer[16] = {0};
    snprintf(writer, sizeof writer, "%s", TC_VERSION);
    tc_wbuf_put(&w, MAGIC, 8);
    put_u32(&w, TC_FORMAT_VERSION);
    tc_wbuf_put(&w, writer, sizeof writer);
    put_u32(&w, 6 + !!b->thresholds + !!b->state + b->vocab.feat_map + !!b->quant);
    size_t at = begin_section(&w, "CONF");
    tc_wbuf_put(&w, yaml, strlen(yaml));
    end_section(&w, at);
    free(yaml);
    at = begin_section(&w, "KIND");
    put_u32(&w, (uint32_t)b->task);
    end_section(&w, at);
    at = begin_section(&w, "META");
    tc_wbuf_put(&w, b->meta, strlen(b->meta));
    end_section(&w, at);
    at = begin_section(&w, "VOCB");
    put_strings(&w, &b->vocab.words);
    end_section(&w, at);
    if (b->vocab.feat_map) {
        at = begin_section(&w, "FEAT");
        put_feature_map(&w, &b->vocab, (uint32_t)b->cfg.tokenizer.buckets);
        end_section(&w, at);
    }
    at = begin_section(&w, "LABL");
    put_strings(&w, &b->labels);
    end_section(&w, at);
    if (b->thresholds) {
        at = begin_section(&w, "THRS");
        put_u32(&w, b->labels.n);
        tc_wbuf_put(&w, b->thresholds, b->labels.n * sizeof(float));
        end_section(&w, at);
    }
    at = begin_section(&w, "TENS");
    const tc_model *m = b->model;
    put_u32(&w, (uint32_t)m->ntensors);
    for (int i = 0; i < m->ntensors; i++) {
        const tc_tensor *t = &m->tensors[i];
        unsigned char nl = (unsigned char)strlen(t->name);
        tc_wbuf_put(&w, &nl, 1);
        tc_wbuf_put(&w, t->name, nl);
        put_u32(&w, (uint32_t)t->rows);
        put_u32(&w, (uint32_t)t->cols);
    }
    /* The weights (and the training state) go to the file from where they
     * are, not through a copy in w: saving needs no second model's worth of
     * memory.  TENS's length counts the weights that follow the table. */
    size_t wbytes = b->quant ? 0 : m->nparams * sizeof(float);
    end_section(&w, at);
    if (!w.oom) {
        uint64_t len = w.len - at - 8 + wbytes;
        memcpy(w.p + at, &len, 8);
    }
    tc_wbuf tail = {0};
    if (b->quant) {
        at = begin_section(&tail, "QUAN");
        tc_quant_put(&tail, b->quant);
        end_section(&tail, at);
    }
    if (b->state) {
        tc_wbuf_put(&tail, "TRST", 4);
        put_u32(&tail, 0);
        put_u64(&tail, b->state_len);
    }
    int rc;
    if (w.oom || tail.oom) {
        rc = tc_err_oom(err, "checkpoint buffer");
    } else {
        tc_wpart parts[5] = {
            {w.p, w.len}, {m->params, wbytes}, {tail.p, tail.len}, {b->state, b->state ? b->state_len : 0}, {NULL, 4}};
        uint32_t crc = 0;
        for (int i = 0; i < 4; i++)
            crc = tc_crc32(crc, parts[i].p, parts[i].n);
        parts[4].p = &crc;
        rc = tc_write_atomic_parts(path, parts, 5, err);
    }
    free(w.p);
    free(tail.p);
    return rc;
}

/* ---- reading ----------------------------------------------------------- */

static int get_u32(tc_rbuf *r, uint32_t *v)
{
    return tc_rbuf_get(r, v, 4);
}

static int get_strings(tc_rbuf *r, const char *what, int (*add)(void *, const char *, size_t, tc_err *), void *ctx,
                       const char *path, tc_err *err)
{
    uint32_t n;
    if (get_u32(r, &n) < 0)
        return tc_err_set(err, "%s: corrupt model file (%s count)", path, what);
    /* each entry needs at least 4 bytes: a count larger than that is a lie */
    if (n > (r->len - r->pos) / 4)
        return tc_err_set(err, "%s: corrupt model file (%s count %u exceeds the section)", path, what, n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len;
        if (get_u32(r, &len) < 0 || len > r->len - r->pos)
            return tc_err_set(err, "%s: corrupt model file (%s entry %u)", path, what, i);
        if (add(ctx, (const char *)r->p + r->pos, len, err) < 0)
            return tc_err_prefix(err, "%s: %s entry %u", path, what, i);
        r->pos += len;
    }
    if (r->pos != r->len)
        return tc_err_set(err, "%s: corrupt model file (trailing bytes in %s)", path, what);
    return 0;
}

/* What train never writes is refused, not carried on: an empty word or
 * label, a word with a byte the tokenizer splits on or drops (TAB, LF, CR,
 * space, NUL). */
static int add_word(void *ctx, const char *s, size_t n, tc_err *err)
{
    if (n == 0)
        return tc_err_set(err, "empty word");
    for (size_t i = 0; i < n; i++)
        if (s[i] == 0 || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == ' ')
            return tc_err_set(err, "a word with a %s byte, which no tokenizer output has",
                              s[i] == 0          ? "NUL"
                                  : s[i] == '\t' ? "TAB"
                                  : s[i] == ' '  ? "space"
                                                 : "line-break");
    return tc_vocab_push(ctx, s, n, err);
}

static int add_label(void *ctx, const char *s, size_t n, tc_err *err)
{
    if (n == 0)
        return tc_err_set(err, "empty label");
    int added;
    if (tc_strtab_intern(ctx, s, n, &added, err) < 0)
        return -1;
    return added ? 0 : tc_err_set(err, "duplicate label");
}

int tc_checkpoint_is_model(const char *path)
{
    char magic[sizeof MAGIC] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(magic, 1, sizeof magic, f);
    fclose(f);
    return n == sizeof magic && memcmp(magic, MAGIC, sizeof magic) == 0;
}

int tc_meta_get(const tc_bundle *b, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    for (const char *p = b->meta; *p;) {
        const char *eol = strchr(p, '\n');
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        if (ll > kl && memcmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t vl = ll - kl - 1;
            if (vl >= cap)
                vl = cap - 1;
            memcpy(out, p + kl + 1, vl);
            out[vl] = 0;
            return 0;
        }
        p += ll + (eol ? 1 : 0);
    }
    return -1;
}

/* Loading reads the file (never maps it: a file truncated or rewritten
 * under a mapping kills the reader with SIGBUS) into an anonymous mapping,
 * and drops each RELEASE_CHUNK of the weights once they are copied into the
 * model: reading a model then costs about its size in memory, not twice
 * that.  For data the caller owns (own == 0) nothing is dropped. */
#define RELEASE_CHUNK ((size_t)8 << 20)

static void release(const unsigned char *p, size_t n, int own)
{
    if (!own || n == 0)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a = ((uintptr_t)p + page - 1) & ~(page - 1),
              end = ((uintptr_t)p + n) & ~(page - 1);
    if (end > a) /* whole pages inside [p, p + n) only: their neighbours are still to be read */
        madvise((void *)a, end - a, MADV_DONTNEED);
}

/* Checks the tensor table against the model the config describes, then copies
 * the values (values 0: a quantized file, whose TENS has the table only). */
static int load_tensors(tc_rbuf *r, tc_model *m, const char *path, int own, int values, tc_err *err)
{
    uint32_t n;
    if (get_u32(r, &n) < 0 || n != (uint32_t)m->ntensors)
        return tc_err_set(err, "%s: corrupt model file (tensor count does not match the config)", path);
    for (uint32_t i = 0; i < n; i++) {
        const tc_tensor *t = &m->tensors[i];
        unsigned char nl;
        char name[256];
        uint32_t rows, cols;
        if (tc_rbuf_get(r, &nl, 1) < 0 || tc_rbuf_get(r, name, nl) < 0 || get_u32(r, &rows) < 0 ||
            get_u32(r, &cols) < 0)
            return tc_err_set(err, "%s: corrupt model file (tensor table)", path);
        name[nl] = 0;
        for (int j = 0; j < nl; j++) /* no tensor name has control bytes; keep the message one line */
            if ((unsigned char)name[j] < 32 || name[j] == 127)
                name[j] = '?';
        if (strcmp(name, t->name) != 0 || rows != (uint32_t)t->rows || cols != (uint32_t)t->cols)
            return tc_err_set(err, "%s: corrupt model file (tensor %u is %s %ux%u, the config needs %s %dx%d)", path, i,
                              name, rows, cols, t->name, t->rows, t->cols);
    }
    size_t bytes = values ? m->nparams * sizeof(float) : 0; /* quantized: the table only */
    if (r->len - r->pos != bytes)
        return tc_err_set(err, "%s: corrupt model file (%zu bytes of weights, expected %zu)", path, r->len - r->pos,
                          bytes);
    for (size_t at = 0; at < bytes; at += RELEASE_CHUNK) {
        size_t k = bytes - at < RELEASE_CHUNK ? bytes - at : RELEASE_CHUNK;
        memcpy((unsigned char *)m->params + at, r->p + r->pos + at, k);
        release(r->p + r->pos + at, k, own);
    }
    for (size_t i = 0; i < m->nparams; i++)
        if (!isfinite(m->params[i]))
            return tc_err_set(err, "%s: corrupt model file (non-finite weight)", path);
    return 0;
}

/* The sections of a file, by tag.  KNOWN lists every tag this version
 * reads; the first NREQUIRED must be there. */
static const char KNOWN[][5] = {"CONF", "KIND", "META", "VOCB", "LABL", "TENS", "THRS", "TRST", "FEAT", "QUAN"};
#define NKNOWN (sizeof KNOWN / sizeof KNOWN[0])
#define NREQUIRED 6

typedef struct {
    tc_rbuf sec[NKNOWN];
    int seen[NKNOWN];
} sections;

/* The section tagged tag, or NULL if the file has none. */
static tc_rbuf *section(sections *s, const char *tag)
{
    for (size_t k = 0; k < NKNOWN; k++)
        if (!memcmp(KNOWN[k], tag, 4))
            return s->seen[k] ? &s->sec[k] : NULL;
    return NULL;
}

/* Walks the section headers of body: every tag known, none twice, every
 * length within the file, the required ones present, nothing after them. */
static int split_sections(tc_rbuf *r, uint32_t nsec, sections *s, const char *path, tc_err *err)
{
    memset(s, 0, sizeof *s);
    for (uint32_t i = 0; i < nsec; i++) {
        char tag[4];
        uint32_t zero;
        uint64_t sl;
        if (tc_rbuf_get(r, tag, 4) < 0 || get_u32(r, &zero) < 0 || tc_rbuf_get(r, &sl, 8) < 0 || sl > r->len - r->pos)
            return tc_err_set(err, "%s: corrupt model file (section %u header)", path, i);
        if (zero != 0) /* train always writes 0 */
            return tc_err_set(err, "%s: corrupt model file (section %u: reserved field is %u, not 0)", path, i, zero);
        size_t k = 0;
        while (k < NKNOWN && memcmp(tag, KNOWN[k], 4) != 0)
            k++;
        if (k == NKNOWN || s->seen[k]) {
            char shown[5] = {0}; /* the tag is file bytes: keep the message one printable line */
            for (int j = 0; j < 4; j++)
                shown[j] = tag[j] >= 32 && tag[j] < 127 ? tag[j] : '?';
            return tc_err_set(err, "%s: corrupt model file (unexpected section %s)", path, shown);
        }
        s->seen[k] = 1;
        s->sec[k] = (tc_rbuf){r->p + r->pos, (size_t)sl, 0};
        r->pos += (size_t)sl;
    }
    for (size_t k = 0; k < NREQUIRED; k++)
        if (!s->seen[k])
            return tc_err_set(err, "%s: corrupt model file (no %s section)", path, KNOWN[k]);
    if (r->pos != r->len)
        return tc_err_set(err, "%s: corrupt model file (trailing bytes)", path);
    return 0;
}

/* KIND: the task. */
static int load_kind(tc_rbuf *r, tc_bundle *b, const char *path, tc_err *err)
{
    uint32_t task;
    if (r->len != 4 || get_u32(r, &task) < 0 || task > TC_TASK_MULTI_LABEL)
        return tc_err_set(err, "%s: corrupt model file (KIND)", path);
    b->task = (enum tc_task)task;
    return 0;
}

/* THRS: one threshold in [0, 1] per label. */
static int load_thresholds(tc_rbuf *r, tc_bundle *b, const char *path, tc_err *err)
{
    uint32_t n;
    if (get_u32(r, &n) < 0 || n != b->labels.n || r->len - r->pos != (size_t)n * sizeof(float))
        return tc_err_set(err, "%s: corrupt model file (THRS does not hold one threshold per label)", path);
    b->thresholds = malloc((size_t)n * sizeof(float));
    if (!b->thresholds)
        return tc_err_oom(err, "thresholds");
    tc_rbuf_get(r, b->thresholds, (size_t)n * sizeof(float));
    for (uint32_t l = 0; l < n; l++)
        if (!(b->thresholds[l] >= 0.0f && b->thresholds[l] <= 1.0f))
            return tc_err_set(err, "%s: corrupt model file (threshold %u is not in [0, 1])", path, l);
    return 0;
}

/* Decodes b->quant (parsed, matching the tensor table) into b->model. */
static int load_quantized(tc_bundle *b, const char *path, tc_err *err)
{
    if (tc_quant_check(b->quant, b->model, path, err) < 0)
        return -1;
    tc_quant_decode(b->quant, b->model);
    for (size_t i = 0; i < b->model->nparams; i++)
        if (!isfinite(b->model->params[i]))
            return tc_err_set(err, "%s: corrupt model file (non-finite weight)", path);
    return 0;
}

/* The FEAT section (see put_feature_map) into b->vocab; the config is loaded. */
static int load_feature_map(tc_rbuf *r, tc_bundle *b, const char *path, tc_err *err)
{
    uint32_t version, buckets, n;
    tc_ngram_opts ng;
    tc_ngram_opts_from_config(&ng, &b->cfg);
    if (get_u32(r, &version) < 0 || get_u32(r, &buckets) < 0 || get_u32(r, &n) < 0)
        return tc_err_set(err, "%s: corrupt model file (feature map header)", path);
    if (version < 1 || version > FEAT_VERSION)
        return tc_err_set(err, "%s: feature map format %u; this textclf reads 1 to %u", path, version, FEAT_VERSION);
    if (!tc_ngram_on(&ng) || buckets != ng.buckets)
        return tc_err_set(err, "%s: corrupt model file (feature map for %u buckets, the config hashes into %u)", path,
                          buckets, tc_ngram_on(&ng) ? ng.buckets : 0);
    if (n > r->len - r->pos) /* every entry takes at least one byte */
        return tc_err_set(err, "%s: corrupt model file (feature map of %u entries in %zu bytes)", path, n,
                          r->len - r->pos);
    uint32_t *feat = malloc((size_t)(n ? n : 1) * sizeof *feat);
    if (!feat)
        return tc_err_oom(err, "feature map");
    uint64_t at = 0;
    int bad = 0;
    for (uint32_t i = 0; i < n && !bad; i++) {
        uint64_t x = 0;
        unsigned char c = 0x80;
        for (int sh = 0; (c & 0x80) && sh < 35 && !bad; sh += 7) {
            bad = tc_rbuf_get(r, &c, 1) < 0;
            x |= (uint64_t)(c & 0x7f) << sh;
        }
        at += x;
        bad |= (c & 0x80) || (i && x == 0) || at > UINT32_MAX;
        feat[i] = (uint32_t)at;
    }
    if (bad || r->pos != r->len) {
        free(feat);
        return tc_err_set(err, "%s: corrupt model file (feature map of %u entries in %zu bytes)", path, n, r->len);
    }
    int rc = tc_vocab_set_features(&b->vocab, feat, n, buckets, version >= 2, err);
    free(feat);
    return rc < 0 ? tc_err_prefix(err, "%s: corrupt model file", path) : 0;
}

/* 1 if version string v ("MAJOR.MINOR.PATCH", missing parts 0) is later
 * than this textclf's TC_VERSION. */
static int newer_version(const char *v)
{
    const char *ours = TC_VERSION;
    for (int part = 0; part < 3; part++) {
        char *end;
        unsigned long a = strtoul(v, &end, 10), b;
        v = *end == '.' ? end + 1 : end;
        b = strtoul(ours, &end, 10);
        ours = *end == '.' ? end + 1 : end;
        if (a != b)
            return a > b;
    }
    return 0;
}

static int parse_sections(sections *s, int own, tc_bundle *b, const char *path, tc_err *err)
{
    tc_rbuf *conf = section(s, "CONF"), *meta = section(s, "META"), *tens = section(s, "TENS");
    char name[TC_PATH_MAX + 16];
    snprintf(name, sizeof name, "%s[config]", path);
    if (tc_config_load_string(&b->cfg, (const char *)conf->p, conf->len, name, err) < 0) {
        /* the same model format, but keys (or values) a later release added */
        if (newer_version(b->writer))
            tc_err_prefix(err,
                          "%s: made by a newer textclf (%s); this is textclf %s, which does not know all of "
                          "its config",
                          path, b->writer, TC_VERSION);
        return -1;
    }
    if (b->cfg.pad.maxlen < 1) /* training always replaces 0 ("longest row") by a length */
        return tc_err_set(err, "%s: corrupt model file (pad.maxlen is 0)", path);
    if (meta->len >= TC_META_MAX)
        return tc_err_set(err, "%s: corrupt model file (META too long)", path);
    memcpy(b->meta, meta->p, meta->len);
    b->meta[meta->len] = 0;
    if (memchr(b->meta, 0, meta->len))
        return tc_err_set(err, "%s: corrupt model file (NUL in META)", path);
    if (load_kind(section(s, "KIND"), b, path, err) < 0 ||
        get_strings(section(s, "VOCB"), "vocabulary", add_word, &b->vocab, path, err) < 0 ||
        get_strings(section(s, "LABL"), "labels", add_label, &b->labels, path, err) < 0)
        return -1;
    int multilabel = b->task == TC_TASK_MULTI_LABEL;
    if (b->labels.n < 1 || b->labels.n > TC_MAX_LABELS)
        return tc_err_set(err, "%s: corrupt model file (%u labels)", path, b->labels.n);
    if (multilabel && b->cfg.model.head == TC_HEAD_SOFTMAX)
        return tc_err_set(err, "%s: corrupt model file (softmax head on multi-label data)", path);
    if (section(s, "THRS") && load_thresholds(section(s, "THRS"), b, path, err) < 0)
        return -1;
    if (section(s, "FEAT") && load_feature_map(section(s, "FEAT"), b, path, err) < 0)
        return -1;
    tc_model_spec spec;
    tc_model_spec_from_config(&spec, &b->cfg, (int)tc_input_rows(&b->cfg, &b->vocab), (int)b->labels.n, multilabel);
    /* The weights must already be in the file: refuse a spec larger than the file before allocating
     * (quantized: the section parsed, bounded by its bytes, must hold exactly the model's weights). */
    size_t need = tc_model_count_params(&spec), qparams = 0;
    tc_rbuf *quan = section(s, "QUAN");
    if (quan && tc_quant_get(quan, &b->quant, &qparams, path, err) < 0)
        return -1;
    if (need == 0 || (quan ? qparams != need : tens->len / sizeof(float) < need))
        return tc_err_set(err, "%s: corrupt model file (the weights section is smaller than the model needs)", path);
    b->model = tc_model_new(&spec, err);
    if (!b->model)
        return tc_err_prefix(err, "%s", path);
    if (load_tensors(tens, b->model, path, own, !quan, err) < 0)
        return -1;
    if (quan && load_quantized(b, path, err) < 0)
        return -1;
    tc_rbuf *state = section(s, "TRST");
    if (state) {
        b->state = malloc(state->len ? state->len : 1);
        if (!b->state)
            return tc_err_oom(err, "training state");
        memcpy(b->state, state->p, state->len);
        b->state_len = state->len;
    }
    return 0;
}

static int parse(const unsigned char *data, size_t len, int own, tc_bundle *b, const char *path, tc_err *err)
{
    tc_rbuf r = {data, len, 0};
    char magic[8], writer[17] = {0};
    uint32_t version, nsec;
    if (tc_rbuf_get(&r, magic, 8) < 0 || memcmp(magic, MAGIC, 8) != 0)
        return tc_err_set(err, "%s: not a textclf model file (bad magic)", path);
    if (get_u32(&r, &version) < 0 || tc_rbuf_get(&r, writer, 16) < 0 || get_u32(&r, &nsec) < 0)
        return tc_err_set(err, "%s: truncated model file", path);
    for (int i = 0; i < 16; i++) /* printable or it is not a version string */
        if (writer[i] && (writer[i] < 32 || writer[i] > 126))
            writer[i] = '?';
    if (version < TC_FORMAT_VERSION)
        return tc_err_set(err,
                          "%s: made by textclf %s (model format %u); this is textclf %s, which reads format %u: "
                          "retrain the model with this textclf",
                          path, writer, version, TC_VERSION, TC_FORMAT_VERSION);
    if (version != TC_FORMAT_VERSION)
        return tc_err_set(err, "%s: made by textclf %s (model format %u); this is textclf %s, which reads format %u",
                          path, writer, version, TC_VERSION, TC_FORMAT_VERSION);
    if (len < HEADER_BYTES + 4)
        return tc_err_set(err, "%s: truncated model file", path);
    uint32_t crc;
    memcpy(&crc, data + len - 4, 4);
    if (tc_crc32(0, data, len - 4) != crc)
        return tc_err_set(err, "%s: checksum mismatch: the model file is truncated or corrupt", path);
    b->format = version;
    memcpy(b->writer, writer, sizeof b->writer);
    tc_rbuf body = {data + HEADER_BYTES, len - 4 - HEADER_BYTES, 0};
    sections secs;
    if (split_sections(&body, nsec, &secs, path, err) < 0)
        return -1;
    return parse_sections(&secs, own, b, path, err);
}

static int load_parsed(const void *data, size_t len, int own, const char *name, tc_bundle *b, tc_err *err)
{
    int rc = parse(data, len, own, b, name, err);
    if (rc < 0) {
        tc_bundle_free(b);
        tc_bundle_init(b);
    }
    return rc;
}

int tc_checkpoint_load_mem(const void *data, size_t len, const char *name, tc_bundle *b, tc_err *err)
{
    return load_parsed(data, len, 0, name, b, err);
}

/* read(2) or pread(2) until n bytes, the end of the file or an error;
 * returns the bytes read, or -1. */
static ssize_t read_full(int fd, unsigned char *p, size_t n, off_t at, int positional)
{
    size_t got = 0;
    while (got < n) {
        size_t want = n - got > ((size_t)1 << 30) ? (size_t)1 << 30 : n - got;
        ssize_t k = positional ? pread(fd, p + got, want, at + (off_t)got) : read(fd, p + got, want);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* The header says whether this is a model at all: checked before the rest
 * of an arbitrary file decides how much is allocated. */
static int check_header(const unsigned char *h, size_t n, const char *path, tc_err *err)
{
    if (n < 8 || memcmp(h, MAGIC, 8) != 0)
        return tc_err_set(err, "%s: not a textclf model file (bad magic)", path);
    if (n < HEADER_BYTES + 4)
        return tc_err_set(err, "%s: truncated model file", path);
    return 0;
}

/* A regular file: its size, then every byte of it by pread into an
 * anonymous mapping (released by parse as it goes).  A file that shrinks
 * while it is read is an error, never a signal. */
static int load_regular(int fd, const struct stat *st, const char *path, tc_bundle *b, tc_err *err)
{
    unsigned char h[HEADER_BYTES + 4];
    ssize_t hn = read_full(fd, h, sizeof h, 0, 1);
    if (hn < 0)
        return tc_err_set(err, "%s: read error: %s", path, strerror(errno));
    if (check_header(h, (size_t)hn, path, err) < 0)
        return -1;
    if ((uintmax_t)st->st_size > SIZE_MAX)
        return tc_err_set(err, "%s: too large", path);
    size_t len = (size_t)st->st_size;
    /* st was taken before the header was read: a file rewritten in between
     * can have been empty then (and mmap of 0 bytes fails with EINVAL). */
    if (len < (size_t)hn)
        return tc_err_set(err, "%s: truncated model file (%zu bytes when opened; was it replaced while being read?)",
                          path, len);
    void *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return tc_err_oom(err, "model file");
    ssize_t got = read_full(fd, buf, len, 0, 1);
    int rc;
    if (got < 0)
        rc = tc_err_set(err, "%s: read error: %s", path, strerror(errno));
    else if ((size_t)got < len)
        rc = tc_err_set(err, "%s: truncated model file (%zu of %zu bytes; was it replaced while being read?)", path,
                        (size_t)got, len);
    else
        rc = load_parsed(buf, len, 1, path, b, err);
    munmap(buf, len);
    return rc;
}

/* A pipe or other stream: read as it comes, after its header was checked. */
static int load_stream(int fd, const char *path, tc_bundle *b, tc_err *err)
{
    size_t cap = 1 << 16, len = 0;
    unsigned char *p = malloc(cap);
    if (!p)
        return tc_err_oom(err, "model file");
    int rc = 0;
    for (;;) {
        if (len == cap && tc_grow((void **)&p, &cap, cap + 1, 1, "model file", err) < 0) {
            rc = -1;
            break;
        }
        ssize_t k = read_full(fd, p + len, cap - len, 0, 0);
        if (k < 0) {
            rc = tc_err_set(err, "%s: read error: %s", path, strerror(errno));
            break;
        }
        len += (size_t)k;
        if (len >= HEADER_BYTES + 4 && (rc = check_header(p, len, path, err)) < 0)
            break;
        if (len < cap)
            break; /* the end */
    }
    if (rc == 0)
        rc = check_header(p, len, path, err) < 0 ? -1 : load_parsed(p, len, 0, path, b, err);
    free(p);
    return rc;
}

int tc_checkpoint_load(const char *path, tc_bundle *b, tc_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tc_err_set(err, "%s: %s", path, strerror(errno));
    struct stat st;
    int rc;
    if (fstat(fd, &st) < 0)
        rc = tc_err_set(err, "%s: %s", path, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        rc = tc_err_set(err, "%s: is a directory", path);
    else
        rc = S_ISREG(st.st_mode) ? load_regular(fd, &st, path, b, err) : load_stream(fd, path, b, err);
    close(fd);
    return rc;
}
