/* mpi.c — see mpi.h.
 *
 * One exchange per step.  Each process packs a record per non-empty shard it
 * computed, 8-byte aligned:
 *     u64 shard | u64 nrows | f64 loss | f64 correct |
 *     u32 rows[nrows] (padded) | f32 grows[nrows·D] (padded) | f32 gtail[ntail] (padded)
 * MPI_Allgather spreads the byte counts (and each process's wish to stop,
 * so that all stop after the same step without a collective of its own),
 * MPI_Allgatherv the records; every process then points the other shards'
 * results into the received bytes. */
#include "mpi.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

struct tc_mpi {
    int rank, procs;
    unsigned char *send, *recv;
    size_t send_cap, recv_cap;
    int *counts, *displs;  /* (procs) */
    int *heads;            /* (2·procs) each process's byte count and stop flag */
    uint64_t steps, bytes; /* exchanges, bytes received in them */
};

void tc_mpi_traffic(const tc_mpi *c, uint64_t *steps, uint64_t *bytes)
{
    *steps = c->steps;
    *bytes = c->bytes;
}

static size_t pad8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static size_t record_bytes(size_t nrows, int D, size_t ntail)
{
    return 32 + pad8(nrows * 4) + pad8(nrows * (size_t)D * 4) + pad8(ntail * 4);
}

static int mpi_fail(int rc, const char *what, tc_err *err)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    return tc_err_set(err, "MPI %s failed: %.*s (did another process die?)", what, len, msg);
}

static int reserve(unsigned char **p, size_t *cap, size_t need, tc_err *err)
{
    if (need <= *cap)
        return 0;
    unsigned char *q = realloc(*p, need);
    if (!q)
        return tc_err_oom(err, "MPI buffers");
    *p = q, *cap = need;
    return 0;
}

static unsigned char *put(unsigned char *w, const void *x, size_t n)
{
    memcpy(w, x, n);
    memset(w + n, 0, pad8(n) - n);
    return w + pad8(n);
}

/* Packs this process's shards into c->send; returns the byte count. */
static size_t pack(tc_mpi *c, const tc_shard_out *out, int S, int D, size_t ntail)
{
    unsigned char *w = c->send;
    for (int s = 0; s < S; s++) {
        if (tc_dist_owner(s, S, c->procs) != c->rank || !out[s].nb)
            continue;
        uint64_t head[2] = {(uint64_t)s, out[s].nrows};
        double sums[2] = {out[s].loss, out[s].correct};
        w = put(w, head, sizeof head);
        w = put(w, sums, sizeof sums);
        w = put(w, out[s].rows, out[s].nrows * 4);
        w = put(w, out[s].grows, out[s].nrows * (size_t)D * 4);
        w = put(w, out[s].gtail, ntail * 4);
    }
    return (size_t)(w - c->send);
}

/* Points the other processes' shards into the received records. */
static int unpack(tc_mpi *c, tc_shard_out *out, int S, int D, size_t ntail, size_t total, tc_err *err)
{
    const unsigned char *r = c->recv, *end = c->recv + total;
    while (r < end) {
        uint64_t head[2];
        double sums[2];
        if ((size_t)(end - r) < 32)
            return tc_err_set(err, "MPI exchange: truncated record");
        memcpy(head, r, sizeof head);
        memcpy(sums, r + 16, sizeof sums);
        if (head[0] >= (uint64_t)S || head[1] > (size_t)(end - r) / 4 ||
            record_bytes(head[1], D, ntail) > (size_t)(end - r))
            return tc_err_set(err, "MPI exchange: malformed record");
        int s = (int)head[0];
        size_t nrows = head[1];
        const unsigned char *rows = r + 32, *grows = rows + pad8(nrows * 4),
                            *gtail = grows + pad8(nrows * (size_t)D * 4);
        if (tc_dist_owner(s, S, c->procs) != c->rank) {
            tc_shard_out *o = &out[s];
            o->loss = sums[0], o->correct = sums[1], o->nrows = nrows;
            o->rows = (const uint32_t *)(const void *)rows;
            o->grows = (const float *)(const void *)grows;
            memcpy(o->gtail, gtail, ntail * 4);
        }
        r += record_bytes(nrows, D, ntail);
    }
    return 0;
}

static int exchange(void *ctx, tc_shard_out *out, int S, int D, size_t ntail, int *stop, tc_err *err)
{
    tc_mpi *c = ctx;
    size_t need = 0;
    for (int s = 0; s < S; s++)
        if (tc_dist_owner(s, S, c->procs) == c->rank && out[s].nb)
            need += record_bytes(out[s].nrows, D, ntail);
    if (reserve(&c->send, &c->send_cap, need ? need : 8, err) < 0)
        return -1;
    size_t mine = pack(c, out, S, D, ntail);
    if (mine > INT_MAX)
        return tc_err_set(err, "MPI exchange: %zu bytes in one step (more than 2 GB)", mine);
    int n = (int)mine, head[2] = {n, *stop != 0};
    int rc = MPI_Allgather(head, 2, MPI_INT, c->heads, 2, MPI_INT, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
        return mpi_fail(rc, "exchange (sizes)", err);
    size_t total = 0;
    *stop = 0;
    for (int p = 0; p < c->procs; p++) {
        c->counts[p] = c->heads[2 * p];
        *stop |= c->heads[2 * p + 1];
        if (total > INT_MAX)
            return tc_err_set(err, "MPI exchange: more than 2 GB in one step");
        c->displs[p] = (int)total;
        total += (size_t)c->counts[p];
    }
    if (total > INT_MAX)
        return tc_err_set(err, "MPI exchange: more than 2 GB in one step");
    if (reserve(&c->recv, &c->recv_cap, total ? total : 8, err) < 0)
        return -1;
    rc = MPI_Allgatherv(c->send, n, MPI_BYTE, c->recv, c->counts, c->displs, MPI_BYTE, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
        return mpi_fail(rc, "exchange", err);
    c->steps++;
    c->bytes += total - mine;
    return unpack(c, out, S, D, ntail, total, err);
}

static int any(void *ctx, int local, tc_err *err)
{
    (void)ctx;
    int all = 0, rc = MPI_Allreduce(&local, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
        return mpi_fail(rc, "stop agreement", err);
    return all != 0;
}

tc_mpi *tc_mpi_start(tc_dist *d, tc_err *err)
{
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited && MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        tc_err_set(err, "MPI_Init failed");
        return NULL;
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    tc_mpi *c = calloc(1, sizeof *c);
    if (!c) {
        tc_err_oom(err, "MPI");
        return NULL;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &c->procs);
    c->counts = calloc((size_t)c->procs, sizeof *c->counts);
    c->displs = calloc((size_t)c->procs, sizeof *c->displs);
    c->heads = calloc(2 * (size_t)c->procs, sizeof *c->heads);
    if (!c->counts || !c->displs || !c->heads) {
        tc_mpi_end(c, 1, 1);
        tc_err_oom(err, "MPI");
        return NULL;
    }
    *d = (tc_dist){.rank = c->rank, .procs = c->procs, .ctx = c, .exchange = exchange, .any = any};
    return c;
}

void tc_mpi_end(tc_mpi *c, int failed, int code)
{
    int procs = c ? c->procs : 1;
    if (c)
        free(c->send), free(c->recv), free(c->counts), free(c->displs), free(c->heads), free(c);
    if (failed && procs > 1)
        MPI_Abort(MPI_COMM_WORLD, code ? code : 1);
    MPI_Finalize();
}
