/* init.c — see init.h.
 *
 * The orthogonal initialiser uses modified Gram–Schmidt in double on the
 * columns of A.  MGS produces the thin QR factorisation whose R has a
 * positive diagonal, which is exactly Keras's sign-corrected Householder Q,
 * so no separate sign fix is needed. */
#include "init.h"

#include <math.h>
#include <stdlib.h>

void tc_init_uniform(float *w, size_t n, float lo, float hi, tc_rng *r)
{
    for (size_t i = 0; i < n; i++)
        w[i] = tc_rng_range(r, lo, hi);
}

void tc_init_glorot_uniform(float *w, int fan_in, int fan_out, tc_rng *r)
{
    if (fan_in <= 0 || fan_out <= 0)
        return;
    float limit = (float)sqrt(6.0 / ((double)fan_in + (double)fan_out));
    tc_init_uniform(w, (size_t)fan_in * (size_t)fan_out, -limit, limit, r);
}

/* Orthonormalises the k columns q[j] (each n long, stored contiguously) in
 * place by modified Gram–Schmidt.  Returns -1 if a column is (numerically)
 * dependent on the earlier ones. */
static int mgs(double *q, size_t n, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        double *qj = q + j * n;
        for (size_t i = 0; i < j; i++) {
            const double *qi = q + i * n;
            double dot = 0.0;
            for (size_t e = 0; e < n; e++)
                dot += qi[e] * qj[e];
            for (size_t e = 0; e < n; e++)
                qj[e] -= dot * qi[e];
        }
        double norm = 0.0;
        for (size_t e = 0; e < n; e++)
            norm += qj[e] * qj[e];
        norm = sqrt(norm);
        if (!(norm > 1e-10))
            return -1;
        for (size_t e = 0; e < n; e++)
            qj[e] /= norm;
    }
    return 0;
}

int tc_init_orthogonal(float *w, int rows, int cols, tc_rng *r, tc_err *err)
{
    if (rows <= 0 || cols <= 0)
        return tc_err_set(err, "orthogonal init: bad shape (%d, %d)", rows, cols);
    size_t R = (size_t)rows, C = (size_t)cols;
    size_t n = R > C ? R : C, k = R > C ? C : R;
    double *q = malloc(n * k * sizeof *q); /* k columns of length n */
    if (!q)
        return tc_err_oom(err, "orthogonal init");
    /* A (n,k) drawn row-major like Keras; stored column by column */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++)
            q[j * n + i] = tc_rng_normal(r);
    if (mgs(q, n, k) < 0) {
        free(q);
        return tc_err_set(err, "orthogonal init: rank-deficient draw for shape (%d, %d)", rows, cols);
    }
    /* rows >= cols: w[i][j] = Q[i][j] = column j, element i; otherwise w = Qᵀ */
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < C; j++)
            w[i * C + j] = (float)(R >= C ? q[j * n + i] : q[i * n + j]);
    free(q);
    return 0;
}
