/* history.c — see history.h. */
#include "history.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES 65536
#define KEY_MAX 64
#define WHERE_MAX (4096 + 32)

static void put_num(FILE *f, const char *key, double v, int first)
{
    fprintf(f, "%s\"%s\":", first ? "" : ",", key);
    if (isfinite(v))
        fprintf(f, "%.8g", v);
    else
        fputs("null", f);
}

void tc_history_write(FILE *f, const tc_epoch_log *e)
{
    fprintf(f, "{\"epoch\":%d", e->epoch);
    fprintf(f, ",\"lr\":%.7g", e->lr);
    put_num(f, "loss", e->loss, 0);
    put_num(f, "accuracy", e->accuracy, 0);
    put_num(f, "val_loss", e->has_val ? e->val_loss : NAN, 0);
    put_num(f, "val_accuracy", e->has_val ? e->val_accuracy : NAN, 0);
    put_num(f, "val_macro_f1", e->has_val ? e->val_macro_f1 : NAN, 0);
    put_num(f, "val_micro_f1", e->has_val ? e->val_micro_f1 : NAN, 0);
    put_num(f, "seconds", e->seconds, 0);
    put_num(f, "rows_per_s", e->rows_per_s, 0);
    fprintf(f, ",\"best\":%s}\n", e->best ? "true" : "false");
}

/* ---- reading ------------------------------------------------------------ */

typedef struct {
    const char *s;
    size_t n, i;
    const char *where;
    tc_err *err;
} cursor;

static int fail(cursor *c, const char *what)
{
    return tc_err_set(c->err, "%s:%zu: %s", c->where, c->i + 1, what);
}

static void skip_ws(cursor *c)
{
    while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\r' || c->s[c->i] == '\n'))
        c->i++;
}

static int is_hex(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* A JSON string at c->i; its first cap-1 bytes (escapes kept as written) go to out. */
static int parse_string(cursor *c, char *out, size_t cap)
{
    size_t o = 0, start = c->i;
    if (c->i >= c->n || c->s[c->i] != '"')
        return fail(c, "expected a string");
    for (c->i++; c->i < c->n; c->i++) {
        char ch = c->s[c->i];
        if (ch == '"') {
            c->i++;
            out[o] = 0;
            return 0;
        }
        if ((unsigned char)ch < 0x20)
            return fail(c, "control character in a string");
        if (ch == '\\') {
            if (c->i + 1 >= c->n || !strchr("\"\\/bfnrtu", c->s[c->i + 1]))
                return fail(c, "bad escape in a string");
            if (c->s[++c->i] == 'u') {
                for (int k = 1; k <= 4; k++)
                    if (c->i + (size_t)k >= c->n || !is_hex(c->s[c->i + (size_t)k]))
                        return fail(c, "bad \\u escape in a string");
                c->i += 4;
            }
            continue;
        }
        if (o + 1 < cap)
            out[o++] = ch;
    }
    c->i = start;
    return fail(c, "unterminated string");
}

static int match_word(cursor *c, const char *w)
{
    size_t k = strlen(w);
    if (c->n - c->i >= k && memcmp(c->s + c->i, w, k) == 0) {
        c->i += k;
        return 1;
    }
    return 0;
}

/* A scalar value: *v = the number, 1/0 for true/false, NaN for null and strings. */
static int parse_value(cursor *c, double *v)
{
    if (c->i >= c->n)
        return fail(c, "expected a value");
    char ch = c->s[c->i];
    char skip[2];
    if (ch == '"') {
        *v = NAN;
        return parse_string(c, skip, sizeof skip);
    }
    if (match_word(c, "true")) {
        *v = 1.0;
        return 0;
    }
    if (match_word(c, "false") || match_word(c, "null")) {
        *v = c->s[c->i - 1] == 'e' ? 0.0 : NAN;
        return 0;
    }
    if (ch == '{' || ch == '[')
        return fail(c, "nested objects and arrays are not supported");
    char num[64];
    size_t k = 0;
    while (c->i + k < c->n && k + 1 < sizeof num && c->s[c->i + k] && strchr("+-0123456789.eE", c->s[c->i + k])) {
        num[k] = c->s[c->i + k];
        k++;
    }
    num[k] = 0;
    char *end;
    errno = 0;
    *v = k ? strtod(num, &end) : 0;
    if (k == 0 || *end || (num[0] != '-' && (num[0] < '0' || num[0] > '9')))
        return fail(c, "expected a number, string, true, false or null");
    c->i += k;
    return 0;
}

static void assign(tc_epoch_log *e, const char *key, double v)
{
    static const struct {
        const char *name;
        size_t off;
    } F[] = {{"lr", offsetof(tc_epoch_log, lr)},
             {"loss", offsetof(tc_epoch_log, loss)},
             {"accuracy", offsetof(tc_epoch_log, accuracy)},
             {"val_loss", offsetof(tc_epoch_log, val_loss)},
             {"val_accuracy", offsetof(tc_epoch_log, val_accuracy)},
             {"val_macro_f1", offsetof(tc_epoch_log, val_macro_f1)},
             {"val_micro_f1", offsetof(tc_epoch_log, val_micro_f1)},
             {"seconds", offsetof(tc_epoch_log, seconds)},
             {"rows_per_s", offsetof(tc_epoch_log, rows_per_s)}};
    if (!strcmp(key, "epoch"))
        e->epoch = isfinite(v) && v >= 0 && v <= 1e9 ? (int)v : 0;
    else if (!strcmp(key, "best"))
        e->best = v == 1.0;
    for (size_t k = 0; k < sizeof F / sizeof F[0]; k++)
        if (!strcmp(key, F[k].name))
            memcpy((char *)e + F[k].off, &v, sizeof v);
}

int tc_history_parse(const char *line, size_t len, tc_epoch_log *e, const char *where, tc_err *err)
{
    cursor c = {line, len, 0, where, err};
    *e = (tc_epoch_log){0, 0, 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    skip_ws(&c);
    if (c.i >= c.n || c.s[c.i] != '{')
        return fail(&c, "expected '{' (one JSON object per line)");
    c.i++;
    skip_ws(&c);
    int first = 1;
    while (!(c.i < c.n && c.s[c.i] == '}')) {
        if (!first) {
            if (c.i >= c.n || c.s[c.i] != ',')
                return fail(&c, "expected ',' or '}'");
            c.i++;
            skip_ws(&c);
        }
        first = 0;
        char key[KEY_MAX];
        double v = NAN;
        if (parse_string(&c, key, sizeof key) < 0)
            return -1;
        skip_ws(&c);
        if (c.i >= c.n || c.s[c.i] != ':')
            return fail(&c, "expected ':'");
        c.i++;
        skip_ws(&c);
        if (parse_value(&c, &v) < 0)
            return -1;
        assign(e, key, v);
        skip_ws(&c);
    }
    c.i++;
    skip_ws(&c);
    if (c.i != c.n)
        return fail(&c, "text after the object");
    e->has_val = !isnan(e->val_loss) || !isnan(e->val_accuracy) || !isnan(e->val_macro_f1) || !isnan(e->val_micro_f1);
    return 0;
}

int tc_history_read(const char *path, tc_epoch_log **out, size_t *n, tc_err *err)
{
    *out = NULL;
    *n = 0;
    int use_stdin = !strcmp(path, "-");
    FILE *f = use_stdin ? stdin : fopen(path, "r");
    if (!f)
        return tc_err_set(err, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, have = 0, lineno = 0;
    ssize_t len;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        size_t k = 0;
        while (k < (size_t)len && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k == (size_t)len)
            continue;
        char where[WHERE_MAX];
        snprintf(where, sizeof where, "%s:%zu", path, lineno);
        if ((size_t)len > LINE_MAX_BYTES) {
            rc = tc_err_set(err, "%s: line longer than %d bytes", where, LINE_MAX_BYTES);
            break;
        }
        if (*n == have) {
            size_t nc = have ? 2 * have : 64;
            tc_epoch_log *p = realloc(*out, nc * sizeof *p);
            if (!p) {
                rc = tc_err_oom(err, "metrics");
                break;
            }
            *out = p;
            have = nc;
        }
        rc = tc_history_parse(line, (size_t)len, &(*out)[*n], where, err);
        if (rc == 0)
            (*n)++;
    }
    if (rc == 0 && ferror(f))
        rc = tc_err_set(err, "%s: read error", path);
    free(line);
    if (!use_stdin)
        fclose(f);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int tc_history_advice(const tc_epoch_log *h, int n, int best_epoch, int multilabel, int stopped_early, char *out,
                      size_t cap)
{
    out[0] = 0;
    if (n <= 0)
        return 0;
    const tc_epoch_log *last = &h[n - 1], *b = best_epoch >= 1 && best_epoch <= n ? &h[best_epoch - 1] : last;
    if (!multilabel && !stopped_early && last->accuracy < 0.9 && (n == 1 || last->loss < 0.99 * h[n - 2].loss)) {
        snprintf(out, cap,
                 "advice: training accuracy is only %.3f and the loss was still falling (%.4f): train "
                 "longer (train.epochs %d, or train.validation_split 0.1 with early_stopping.patience 2 and "
                 "output.save_best) or raise train.lr",
                 last->accuracy, last->loss, 2 * last->epoch);
        return 1;
    }
    if (!b->has_val)
        return 0;
    if (!multilabel && b->accuracy - b->val_accuracy > 0.15) {
        snprintf(out, cap,
                 "advice: validation accuracy %.3f is far below training accuracy %.3f (epoch %d): the "
                 "model memorises its rows; try model.dropout 0.3, tokenizer.min_count 2, a smaller "
                 "model.embedding_dim or fewer epochs (early_stopping with output.save_best)",
                 b->val_accuracy, b->accuracy, b->epoch);
        return 1;
    }
    if (multilabel && b->val_loss > 2 * b->loss) {
        snprintf(out, cap,
                 "advice: validation loss %.4f is more than twice the training loss %.4f (epoch %d): the "
                 "model memorises its rows; try model.dropout 0.3, tokenizer.min_count 2, a smaller "
                 "model.embedding_dim or fewer epochs (early_stopping with output.save_best)",
                 b->val_loss, b->loss, b->epoch);
        return 1;
    }
    return 0;
}
