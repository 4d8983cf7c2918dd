/* checkpoint.c — see checkpoint.h for the format. */
#define _DEFAULT_SOURCE /* madvise(MADV_DONTNEED): glibc's posix_madvise ignores POSIX_MADV_DONTNEED */
#include "checkpoint.h"

#include <dirent.h>
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
    free(b->state);
    b->state = NULL;
    b->state_len = 0;
}

/* ---- writing ----------------------------------------------------------- */

static void put_u32(tc_wbuf *w, uint32_t v) { tc_wbuf_put(w, &v, 4); }
static void put_u64(tc_wbuf *w, uint64_t v) { tc_wbuf_put(w, &v, 8); }

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

int tc_checkpoint_save(const char *path, const tc_bundle *b, tc_err *err)
{
    /* Where files are written (output.*: model, checkpoint, metrics) is not
     * part of the model: the same training gives the same bytes whatever -o says. */
    tc_config cfg = b->cfg;
    tc_config defaults;
    tc_config_defaults(&defaults);
    cfg.output = defaults.output;
    char *yaml = tc_config_to_yaml(&cfg, err);
    if (!yaml)
        return -1;
    tc_wbuf w = {0};
    char writer[16] = {0};
    snprintf(writer, sizeof writer, "%s", TC_VERSION);
    tc_wbuf_put(&w, MAGIC, 8);
    put_u32(&w, TC_FORMAT_VERSION);
    tc_wbuf_put(&w, writer, sizeof writer);
    put_u32(&w, 6 + !!b->thresholds + !!b->state);
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
    tc_wbuf_put(&w, m->params, m->nparams * sizeof(float));
    end_section(&w, at);
    if (b->state) {
        at = begin_section(&w, "TRST");
        tc_wbuf_put(&w, b->state, b->state_len);
        end_section(&w, at);
    }
    if (!w.oom)
        put_u32(&w, tc_crc32(0, w.p, w.len));
    int rc = w.oom ? tc_err_oom(err, "checkpoint buffer") : tc_write_atomic(path, w.p, w.len, err);
    free(w.p);
    return rc;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n > (1u << 30) ? (1u << 30) : n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int tc_write_atomic(const char *path, const void *data, size_t len, tc_err *err)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    if (!tmp)
        return tc_err_oom(err, "path");
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return tc_err_set(err, "%s: cannot create temporary file: %s", path, strerror(e));
    }
    /* mkstemp creates 0600; give the file the mode a plain fopen would */
    mode_t mask = umask(0);
    umask(mask);
    int e = 0;
    if (fchmod(fd, 0666 & ~mask) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0)
        e = errno;
    if (close(fd) < 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) < 0)
        e = errno;
    if (e) {
        unlink(tmp);
        free(tmp);
        return tc_err_set(err, "%s: write failed: %s (the previous file, if any, is unchanged)", path,
                          strerror(e));
    }
    free(tmp);
    /* make the rename itself durable */
    char *dir = strdup(path);
    if (dir) {
        char *slash = strrchr(dir, '/');
        const char *d = slash ? (slash == dir ? "/" : (*slash = 0, dir)) : ".";
        int dfd = open(d, O_RDONLY);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    return 0;
}

int tc_remove_stale_temps(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t bl = strlen(base), dl = slash ? (size_t)(slash - path) + 1 : 0;
    char *dir = malloc(dl + 2);
    if (!dir)
        return 0;
    if (dl)
        memcpy(dir, path, dl);
    else
        dir[dl++] = '.';
    dir[dl] = 0;
    DIR *d = opendir(dir);
    int removed = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        /* exactly BASE.tmp.XXXXXX, the names tc_write_atomic gives its temporary files */
        if (strncmp(e->d_name, base, bl) != 0 || strncmp(e->d_name + bl, ".tmp.", 5) != 0 ||
            strlen(e->d_name + bl + 5) != 6)
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *full = malloc(n);
        if (full) {
            snprintf(full, n, "%s%s%s", dir, slash ? "" : "/", e->d_name);
            removed += unlink(full) == 0;
            free(full);
        }
    }
    if (d)
        closedir(d);
    free(dir);
    return removed;
}

/* ---- reading ----------------------------------------------------------- */

static int get_u32(tc_rbuf *r, uint32_t *v) { return tc_rbuf_get(r, v, 4); }

static int get_strings(tc_rbuf *r, const char *what, int (*add)(void *, const char *, size_t, tc_err *),
                       void *ctx, const char *path, tc_err *err)
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

static int add_word(void *ctx, const char *s, size_t n, tc_err *err)
{
    return tc_vocab_push(ctx, s, n, err);
}

static int add_label(void *ctx, const char *s, size_t n, tc_err *err)
{
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

/* Loading maps the file and walks it once in RELEASE_CHUNK pieces (checksum,
 * then weights), dropping each piece's pages once it has been used: reading a
 * model then costs about its size in memory, not twice that (the mapping is
 * read-only and private, so a dropped page would only be read again from the
 * file).  For data that is not a mapping (mapped == 0) nothing is dropped. */
#define RELEASE_CHUNK ((size_t)8 << 20)

static void release(const unsigned char *p, size_t n, int mapped)
{
    if (!mapped || n == 0)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a = (uintptr_t)p & ~(page - 1);
    madvise((void *)a, (uintptr_t)p + n - a, MADV_DONTNEED);
}

static uint32_t crc_release(const unsigned char *p, size_t n, int mapped)
{
    uint32_t crc = 0;
    for (size_t at = 0; at < n; at += RELEASE_CHUNK) {
        size_t k = n - at < RELEASE_CHUNK ? n - at : RELEASE_CHUNK;
        crc = tc_crc32(crc, p + at, k);
        release(p + at, k, mapped);
    }
    return crc;
}

/* Checks the tensor table against the model the config describes, then copies
 * the values. */
static int load_tensors(tc_rbuf *r, tc_model *m, const char *path, int mapped, tc_err *err)
{
    uint32_t n;
    if (get_u32(r, &n) < 0 || n != (uint32_t)m->ntensors)
        return tc_err_set(err, "%s: corrupt model file (tensor count does not match the config)", path);
    for (uint32_t i = 0; i < n; i++) {
        const tc_tensor *t = &m->tensors[i];
        unsigned char nl;
        char name[256];
        uint32_t rows, cols;
        if (tc_rbuf_get(r, &nl, 1) < 0 || tc_rbuf_get(r, name, nl) < 0 || get_u32(r, &rows) < 0 || get_u32(r, &cols) < 0)
            return tc_err_set(err, "%s: corrupt model file (tensor table)", path);
        name[nl] = 0;
        for (int j = 0; j < nl; j++) /* no tensor name has control bytes; keep the message one line */
            if ((unsigned char)name[j] < 32 || name[j] == 127)
                name[j] = '?';
        if (strcmp(name, t->name) != 0 || rows != (uint32_t)t->rows || cols != (uint32_t)t->cols)
            return tc_err_set(err, "%s: corrupt model file (tensor %u is %s %ux%u, the config needs %s %dx%d)",
                              path, i, name, rows, cols, t->name, t->rows, t->cols);
    }
    size_t bytes = m->nparams * sizeof(float);
    if (r->len - r->pos != bytes)
        return tc_err_set(err, "%s: corrupt model file (%zu bytes of weights, expected %zu)", path,
                          r->len - r->pos, bytes);
    for (size_t at = 0; at < bytes; at += RELEASE_CHUNK) {
        size_t k = bytes - at < RELEASE_CHUNK ? bytes - at : RELEASE_CHUNK;
        memcpy((unsigned char *)m->params + at, r->p + r->pos + at, k);
        release(r->p + r->pos + at, k, mapped);
    }
    for (size_t i = 0; i < m->nparams; i++)
        if (!isfinite(m->params[i]))
            return tc_err_set(err, "%s: corrupt model file (non-finite weight)", path);
    return 0;
}

static int read_file(const char *path, unsigned char **data, size_t *len, tc_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return tc_err_set(err, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return tc_err_set(err, "%s: not a regular file", path);
    }
    size_t n = (size_t)st.st_size;
    unsigned char *p = malloc(n ? n : 1);
    if (!p) {
        fclose(f);
        return tc_err_oom(err, "model file");
    }
    size_t got = fread(p, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        free(p);
        return tc_err_set(err, "%s: read error", path);
    }
    *data = p;
    *len = n;
    return 0;
}

/* The sections of a file, by tag.  KNOWN lists every tag this version
 * reads; the first NREQUIRED must be there. */
static const char KNOWN[][5] = {"CONF", "KIND", "META", "VOCB", "LABL", "TENS", "THRS", "TRST"};
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

static int parse_sections(sections *s, int mapped, tc_bundle *b, const char *path, tc_err *err)
{
    tc_rbuf *conf = section(s, "CONF"), *meta = section(s, "META"), *tens = section(s, "TENS");
    char name[TC_PATH_MAX + 16];
    snprintf(name, sizeof name, "%s[config]", path);
    if (tc_config_load_string(&b->cfg, (const char *)conf->p, conf->len, name, err) < 0)
        return -1;
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
    tc_model_spec spec;
    tc_model_spec_from_config(&spec, &b->cfg, (int)tc_input_rows(&b->cfg, &b->vocab), (int)b->labels.n, multilabel);
    /* The weights must already be in the file: refuse a spec larger than the file before allocating. */
    size_t need = tc_model_count_params(&spec);
    if (need == 0 || tens->len / sizeof(float) < need)
        return tc_err_set(err, "%s: corrupt model file (the weights section is smaller than the model needs)",
                          path);
    b->model = tc_model_new(&spec, err);
    if (!b->model)
        return tc_err_prefix(err, "%s", path);
    if (load_tensors(tens, b->model, path, mapped, err) < 0)
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

static int parse(const unsigned char *data, size_t len, int mapped, tc_bundle *b, const char *path, tc_err *err)
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
        return tc_err_set(err, "%s: made by textclf %s (model format %u); this is textclf %s, which reads format %u: "
                          "retrain the model with this textclf", path, writer, version, TC_VERSION,
                          TC_FORMAT_VERSION);
    if (version != TC_FORMAT_VERSION)
        return tc_err_set(err, "%s: made by textclf %s (model format %u); this is textclf %s, which reads format %u",
                          path, writer, version, TC_VERSION, TC_FORMAT_VERSION);
    if (len < HEADER_BYTES + 4)
        return tc_err_set(err, "%s: truncated model file", path);
    uint32_t crc;
    memcpy(&crc, data + len - 4, 4);
    if (crc_release(data, len - 4, mapped) != crc)
        return tc_err_set(err, "%s: checksum mismatch: the model file is truncated or corrupt", path);
    b->format = version;
    memcpy(b->writer, writer, sizeof b->writer);
    tc_rbuf body = {data + HEADER_BYTES, len - 4 - HEADER_BYTES, 0};
    sections secs;
    if (split_sections(&body, nsec, &secs, path, err) < 0)
        return -1;
    return parse_sections(&secs, mapped, b, path, err);
}

static int load_parsed(const void *data, size_t len, int mapped, const char *name, tc_bundle *b, tc_err *err)
{
    int rc = parse(data, len, mapped, b, name, err);
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

int tc_checkpoint_load(const char *path, tc_bundle *b, tc_err *err)
{
    /* a regular file is mapped (see RELEASE_CHUNK); anything else is read */
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uintmax_t)st.st_size <= SIZE_MAX) {
        size_t len = (size_t)st.st_size;
        void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (map != MAP_FAILED) {
            int rc = load_parsed(map, len, 1, path, b, err);
            munmap(map, len);
            return rc;
        }
    } else if (fd >= 0) {
        close(fd);
    }
    unsigned char *data = NULL;
    size_t len = 0;
    if (read_file(path, &data, &len, err) < 0)
        return -1;
    int rc = load_parsed(data, len, 0, path, b, err);
    free(data);
    return rc;
}
