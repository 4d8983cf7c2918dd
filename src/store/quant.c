/* quant.c — see quant.h for the encodings and the section layout. */
#include "quant.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/rng.h"

const char *const tc_qkind_names[TC_Q_NKINDS] = {"f32", "int8", "pq"};

void tc_quant_opts_default(tc_quant_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dsub = 2;
    o->iters = 25;
    o->sample = 65536;
    o->seed = 1;
}

static void free_tensor(tc_qtensor *t)
{
    free(t->f), free(t->scale), free(t->q), free(t->cent), free(t->normc), free(t->code), free(t->ncode);
    memset(t, 0, sizeof *t);
}

void tc_quant_free(tc_quant *q)
{
    if (!q)
        return;
    for (int i = 0; i < q->n; i++)
        free_tensor(&q->t[i]);
    free(q);
}

/* ---- INT8 ---------------------------------------------------------------- */

/* x (rows, cols) → scale (rows), q (rows, cols): q = round(x / s), s = max|x| / 127 */
static void int8_encode(const float *x, int rows, int cols, float *scale, int8_t *q)
{
    for (size_t r = 0; r < (size_t)rows; r++) {
        const float *xr = x + r * (size_t)cols;
        float amax = 0.0f;
        for (int c = 0; c < cols; c++)
            amax = fabsf(xr[c]) > amax ? fabsf(xr[c]) : amax;
        float s = amax / 127.0f, inv = amax > 0 ? 127.0f / amax : 0.0f;
        scale[r] = s;
        for (int c = 0; c < cols; c++) {
            long v = lrintf(xr[c] * inv);
            q[r * (size_t)cols + (size_t)c] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
        }
    }
}

/* ---- k-means (PQ codebooks) ---------------------------------------------- */

/* Index of the centroid of cent (k, d) nearest to x (d). */
static int nearest(const float *x, const float *cent, int k, int d)
{
    int best = 0;
    float bd = FLT_MAX;
    for (int j = 0; j < k; j++) {
        float s = 0;
        for (int c = 0; c < d; c++) {
            float t = x[c] - cent[(size_t)j * (size_t)d + (size_t)c];
            s += t * t;
        }
        if (s < bd)
            bd = s, best = j;
    }
    return best;
}

/* Lloyd's k-means of pts (n, d) into cent (k, d), k <= n: starts from the
 * first k points (the caller shuffled them with the seeded generator); an
 * empty cluster keeps its centroid.  work: n ints, k·(d+1) floats. */
static void kmeans(const float *pts, size_t n, int d, int k, int iters, float *cent, int *assign, float *sum)
{
    memcpy(cent, pts, (size_t)k * (size_t)d * sizeof *cent);
    float *cnt = sum + (size_t)k * (size_t)d;
    for (int it = 0; it < iters; it++) {
        memset(sum, 0, (size_t)k * (size_t)(d + 1) * sizeof *sum);
        for (size_t i = 0; i < n; i++) {
            int j = assign[i] = nearest(pts + i * (size_t)d, cent, k, d);
            for (int c = 0; c < d; c++)
                sum[(size_t)j * (size_t)d + (size_t)c] += pts[i * (size_t)d + (size_t)c];
            cnt[j] += 1.0f;
        }
        for (int j = 0; j < k; j++)
            if (cnt[j] > 0)
                for (int c = 0; c < d; c++)
                    cent[(size_t)j * (size_t)d + (size_t)c] = sum[(size_t)j * (size_t)d + (size_t)c] / cnt[j];
    }
}

/* The rows k-means trains on: all of them, or `sample` drawn without
 * replacement by the seeded generator, in a shuffled order. */
static uint32_t *sample_rows(int rows, uint64_t sample, tc_rng *rng, size_t *n)
{
    uint32_t *idx = malloc((size_t)rows * sizeof *idx);
    if (!idx)
        return NULL;
    for (uint32_t i = 0; i < (uint32_t)rows; i++)
        idx[i] = i;
    tc_rng_shuffle_u32(rng, idx, (uint64_t)rows);
    *n = sample && sample < (uint64_t)rows ? (size_t)sample : (size_t)rows;
    return idx;
}

/* Codebook of k <= 256 centroids for the (n, d) points `pts`, codes for the
 * (rows, d) points `all` (stride `stride` floats, offset `off`). */
static int pq_space(const float *all, size_t rows, size_t stride, size_t off, int d, const uint32_t *idx, size_t n,
                    int k, int iters, float *cent, uint8_t *code, size_t code_stride)
{
    float *pts = malloc(n * (size_t)d * sizeof *pts);
    int *assign = malloc(n * sizeof *assign);
    float *sum = malloc((size_t)k * (size_t)(d + 1) * sizeof *sum);
    if (!pts || !assign || !sum) {
        free(pts), free(assign), free(sum);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(pts + i * (size_t)d, all + (size_t)idx[i] * stride + off, (size_t)d * sizeof *pts);
    kmeans(pts, n, d, k, iters, cent, assign, sum);
    for (size_t r = 0; r < rows; r++)
        code[r * code_stride] = (uint8_t)nearest(all + r * stride + off, cent, k, d);
    free(pts), free(assign), free(sum);
    return 0;
}

/* E (rows, cols) → t: unit directions product-quantized, norms separately. */
static int pq_encode(tc_qtensor *t, const float *E, const tc_quant_opts *o, tc_err *err)
{
    int rows = t->rows, cols = t->cols;
    if (o->dsub < 1 || o->dsub > TC_PQ_MAX_DSUB || cols % o->dsub)
        return tc_err_set(err, "quantize: --dsub %d must divide embedding_dim %d and be 1..%d", o->dsub, cols,
                          TC_PQ_MAX_DSUB);
    t->dsub = o->dsub, t->nsub = cols / o->dsub;
    size_t n = 0;
    tc_rng rng;
    tc_rng_seed(&rng, o->seed);
    uint32_t *idx = sample_rows(rows, o->sample, &rng, &n);
    t->ncent = n < 256 ? (int)n : 256;
    t->nnorm = t->ncent;
    size_t nr = (size_t)rows, nc = (size_t)cols;
    float *unit = malloc(nr * nc * sizeof *unit), *norm = malloc(nr * sizeof *norm);
    t->cent = malloc((size_t)t->nsub * (size_t)t->ncent * (size_t)t->dsub * sizeof *t->cent);
    t->normc = malloc((size_t)t->nnorm * sizeof *t->normc);
    t->code = malloc(nr * (size_t)t->nsub);
    t->ncode = malloc(nr);
    int rc = -1;
    if (idx && unit && norm && t->cent && t->normc && t->code && t->ncode) {
        for (size_t r = 0; r < nr; r++) {
            double s = 0;
            for (size_t c = 0; c < nc; c++)
                s += (double)E[r * nc + c] * E[r * nc + c];
            norm[r] = (float)sqrt(s);
            float inv = norm[r] > 0 ? 1.0f / norm[r] : 0.0f;
            for (size_t c = 0; c < nc; c++)
                unit[r * nc + c] = E[r * nc + c] * inv;
        }
        rc = 0;
        for (int s = 0; s < t->nsub && rc == 0; s++)
            rc = pq_space(unit, nr, nc, (size_t)s * (size_t)t->dsub, t->dsub, idx, n, t->ncent, o->iters,
                          t->cent + (size_t)s * (size_t)t->ncent * (size_t)t->dsub, t->code + s, (size_t)t->nsub);
        if (rc == 0)
            rc = pq_space(norm, nr, 1, 0, 1, idx, n, t->nnorm, o->iters, t->normc, t->ncode, 1);
    }
    free(idx), free(unit), free(norm);
    return rc < 0 ? tc_err_oom(err, "product quantization") : 0;
}

/* ---- build / decode ------------------------------------------------------ */

/* The encoding each tensor gets: PQ (embedding, if asked), int8 for weight
 * matrices wide enough for a per-row scale to pay, float32 for the rest. */
static int kind_for(int i, const tc_tensor *t, const tc_quant_opts *o)
{
    if (i == 0 && o->pq)
        return TC_Q_PQ;
    return t->rows > 1 && t->cols >= 8 ? TC_Q_INT8 : TC_Q_F32;
}

int tc_quant_build(tc_quant **out, const tc_model *m, const tc_quant_opts *o, tc_err *err)
{
    tc_quant *q = calloc(1, sizeof *q);
    if (!q)
        return tc_err_oom(err, "quantization");
    for (int i = 0; i < m->ntensors; i++) {
        const tc_tensor *mt = &m->tensors[i];
        tc_qtensor *t = &q->t[q->n++];
        t->kind = kind_for(i, mt, o), t->rows = mt->rows, t->cols = mt->cols;
        const float *x = m->params + mt->off;
        int rc = 0;
        if (t->kind == TC_Q_PQ) {
            rc = pq_encode(t, x, o, err);
        } else if (t->kind == TC_Q_INT8) {
            t->scale = malloc((size_t)t->rows * sizeof *t->scale);
            t->q = malloc(mt->n);
            if (t->scale && t->q)
                int8_encode(x, t->rows, t->cols, t->scale, t->q);
            else
                rc = tc_err_oom(err, "quantization");
        } else {
            t->f = malloc(mt->n * sizeof *t->f);
            if (t->f)
                memcpy(t->f, x, mt->n * sizeof *t->f);
            else
                rc = tc_err_oom(err, "quantization");
        }
        if (rc < 0) {
            tc_quant_free(q);
            return -1;
        }
    }
    *out = q;
    return 0;
}

void tc_quant_decode(const tc_quant *q, tc_model *m)
{
    for (int i = 0; i < q->n; i++) {
        const tc_qtensor *t = &q->t[i];
        float *x = m->params + m->tensors[i].off;
        size_t rows = (size_t)t->rows, cols = (size_t)t->cols;
        if (t->kind == TC_Q_F32) {
            memcpy(x, t->f, rows * cols * sizeof *x);
        } else if (t->kind == TC_Q_INT8) {
            for (size_t r = 0; r < rows; r++)
                for (size_t c = 0; c < cols; c++)
                    x[r * cols + c] = t->scale[r] * (float)t->q[r * cols + c];
        } else {
            size_t ds = (size_t)t->dsub, ns = (size_t)t->nsub, nc = (size_t)t->ncent;
            for (size_t r = 0; r < rows; r++) {
                float nr = t->normc[t->ncode[r]];
                for (size_t s = 0; s < ns; s++) {
                    const float *cv = t->cent + (s * nc + t->code[r * ns + s]) * ds;
                    for (size_t c = 0; c < ds; c++)
                        x[r * cols + s * ds + c] = nr * cv[c];
                }
            }
        }
    }
}

/* ---- serialization ------------------------------------------------------- */

/* Payload bytes of t after its 12-byte header. */
static size_t payload_bytes(const tc_qtensor *t)
{
    size_t rows = (size_t)t->rows, cols = (size_t)t->cols;
    if (t->kind == TC_Q_F32)
        return rows * cols * 4;
    if (t->kind == TC_Q_INT8)
        return rows * 4 + rows * cols;
    return 12 + ((size_t)t->nsub * (size_t)t->ncent * (size_t)t->dsub + (size_t)t->nnorm) * 4 + rows * (size_t)t->nsub +
        rows;
}

size_t tc_qtensor_bytes(const tc_qtensor *t)
{
    return 12 + payload_bytes(t);
}

size_t tc_quant_bytes(const tc_quant *q)
{
    size_t n = 8;
    for (int i = 0; i < q->n; i++)
        n += tc_qtensor_bytes(&q->t[i]);
    return n;
}

static void put_u32(tc_wbuf *w, uint32_t v)
{
    tc_wbuf_put(w, &v, 4);
}

void tc_quant_put(tc_wbuf *w, const tc_quant *q)
{
    put_u32(w, TC_QUANT_VERSION);
    put_u32(w, (uint32_t)q->n);
    for (int i = 0; i < q->n; i++) {
        const tc_qtensor *t = &q->t[i];
        unsigned char head[4] = {(unsigned char)t->kind, 0, 0, 0};
        size_t rows = (size_t)t->rows, cols = (size_t)t->cols;
        tc_wbuf_put(w, head, 4);
        put_u32(w, (uint32_t)t->rows);
        put_u32(w, (uint32_t)t->cols);
        if (t->kind == TC_Q_F32) {
            tc_wbuf_put(w, t->f, rows * cols * 4);
        } else if (t->kind == TC_Q_INT8) {
            tc_wbuf_put(w, t->scale, rows * 4);
            tc_wbuf_put(w, t->q, rows * cols);
        } else {
            put_u32(w, (uint32_t)t->dsub);
            put_u32(w, (uint32_t)t->ncent);
            put_u32(w, (uint32_t)t->nnorm);
            tc_wbuf_put(w, t->cent, (size_t)t->nsub * (size_t)t->ncent * (size_t)t->dsub * 4);
            tc_wbuf_put(w, t->normc, (size_t)t->nnorm * 4);
            tc_wbuf_put(w, t->code, rows * (size_t)t->nsub);
            tc_wbuf_put(w, t->ncode, rows);
        }
    }
}

static int get_u32(tc_rbuf *r, uint32_t *v)
{
    return tc_rbuf_get(r, v, 4);
}

/* n bytes of r into a fresh allocation at *dst (n checked against r first). */
static int take(tc_rbuf *r, void **dst, size_t n)
{
    if (n > r->len - r->pos)
        return -1;
    *dst = malloc(n ? n : 1);
    if (!*dst)
        return -2;
    memcpy(*dst, r->p + r->pos, n);
    r->pos += n;
    return 0;
}

static int all_finite(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

static int below(const uint8_t *x, size_t n, int k)
{
    for (size_t i = 0; i < n; i++)
        if (x[i] >= k)
            return 0;
    return 1;
}

/* One tensor's payload into t (header already read and checked). */
static int get_payload(tc_rbuf *r, tc_qtensor *t, const char *path, int i, tc_err *err)
{
    size_t rows = (size_t)t->rows, cols = (size_t)t->cols;
    int rc;
    if (t->kind == TC_Q_F32) {
        rc = take(r, (void **)&t->f, rows * cols * 4);
        if (rc == 0 && !all_finite(t->f, rows * cols))
            return tc_err_set(err, "%s: corrupt model file (quantized tensor %d: non-finite value)", path, i);
    } else if (t->kind == TC_Q_INT8) {
        if ((rc = take(r, (void **)&t->scale, rows * 4)) == 0)
            rc = take(r, (void **)&t->q, rows * cols);
        if (rc == 0 && !all_finite(t->scale, rows))
            return tc_err_set(err, "%s: corrupt model file (quantized tensor %d: non-finite scale)", path, i);
    } else {
        uint32_t dsub, ncent, nnorm;
        if (get_u32(r, &dsub) < 0 || get_u32(r, &ncent) < 0 || get_u32(r, &nnorm) < 0)
            return tc_err_set(err, "%s: corrupt model file (quantized tensor %d header)", path, i);
        if (i != 0 || dsub < 1 || dsub > TC_PQ_MAX_DSUB || cols % dsub || ncent < 1 || ncent > 256 || nnorm < 1 ||
            nnorm > 256)
            return tc_err_set(err,
                              "%s: corrupt model file (quantized tensor %d: bad product quantizer: dsub %u, "
                              "%u centroids, %u norms)",
                              path, i, dsub, ncent, nnorm);
        t->dsub = (int)dsub, t->nsub = (int)(cols / dsub), t->ncent = (int)ncent, t->nnorm = (int)nnorm;
        size_t ncv = (size_t)t->nsub * ncent * dsub, ns = (size_t)t->nsub;
        if ((rc = take(r, (void **)&t->cent, ncv * 4)) == 0 && (rc = take(r, (void **)&t->normc, nnorm * 4)) == 0 &&
            (rc = take(r, (void **)&t->code, rows * ns)) == 0)
            rc = take(r, (void **)&t->ncode, rows);
        if (rc == 0 && (!all_finite(t->cent, ncv) || !all_finite(t->normc, nnorm)))
            return tc_err_set(err, "%s: corrupt model file (quantized tensor %d: non-finite centroid)", path, i);
        if (rc == 0 && (!below(t->code, rows * ns, t->ncent) || !below(t->ncode, rows, t->nnorm)))
            return tc_err_set(err, "%s: corrupt model file (quantized tensor %d: code past its codebook)", path, i);
    }
    if (rc == -2)
        return tc_err_oom(err, "quantized weights");
    if (rc < 0)
        return tc_err_set(err, "%s: corrupt model file (quantized tensor %d is cut short)", path, i);
    return 0;
}

int tc_quant_get(tc_rbuf *r, tc_quant **out, size_t *params, const char *path, tc_err *err)
{
    uint32_t version, n;
    if (get_u32(r, &version) < 0 || get_u32(r, &n) < 0)
        return tc_err_set(err, "%s: corrupt model file (quantized section header)", path);
    if (version != TC_QUANT_VERSION)
        return tc_err_set(err, "%s: quantized weights in format %u; this textclf reads format %u", path, version,
                          TC_QUANT_VERSION);
    if (n < 1 || n > TC_MAX_TENSORS)
        return tc_err_set(err, "%s: corrupt model file (%u quantized tensors)", path, n);
    tc_quant *q = calloc(1, sizeof *q);
    if (!q)
        return tc_err_oom(err, "quantized weights");
    size_t total = 0;
    int rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        unsigned char head[4];
        uint32_t rows, cols;
        tc_qtensor *t = &q->t[q->n++];
        if (tc_rbuf_get(r, head, 4) < 0 || get_u32(r, &rows) < 0 || get_u32(r, &cols) < 0) {
            rc = tc_err_set(err, "%s: corrupt model file (quantized tensor %u header)", path, i);
            break;
        }
        uint64_t cells = (uint64_t)rows * cols;
        if (head[0] >= TC_Q_NKINDS || head[1] || head[2] || head[3] || rows < 1 || cols < 1 || rows > INT32_MAX ||
            cols > INT32_MAX || cells > ((uint64_t)1 << 34) || total + cells > ((uint64_t)1 << 34)) {
            rc = tc_err_set(err, "%s: corrupt model file (quantized tensor %u: kind %u, %u x %u)", path, i, head[0],
                            rows, cols);
            break;
        }
        t->kind = head[0], t->rows = (int)rows, t->cols = (int)cols;
        total += (size_t)cells;
        rc = get_payload(r, t, path, (int)i, err);
    }
    if (rc == 0 && r->pos != r->len)
        rc = tc_err_set(err, "%s: corrupt model file (trailing bytes in the quantized section)", path);
    if (rc < 0) {
        tc_quant_free(q);
        return -1;
    }
    *out = q;
    *params = total;
    return 0;
}

int tc_quant_check(const tc_quant *q, const tc_model *m, const char *path, tc_err *err)
{
    if (q->n != m->ntensors)
        return tc_err_set(err, "%s: corrupt model file (%d quantized tensors, the model has %d)", path, q->n,
                          m->ntensors);
    for (int i = 0; i < q->n; i++) {
        const tc_qtensor *t = &q->t[i];
        const tc_tensor *mt = &m->tensors[i];
        if (t->rows != mt->rows || t->cols != mt->cols || (t->kind == TC_Q_PQ && i != 0))
            return tc_err_set(err, "%s: corrupt model file (quantized tensor %d is %s %dx%d, the model needs %s %dx%d)",
                              path, i, tc_qkind_names[t->kind], t->rows, t->cols, mt->name, mt->rows, mt->cols);
    }
    return 0;
}
