/* inspect.c — see inspect.h. */
#include "inspect.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text/corpus.h"
#include "util/mem.h"

int tc_inspector_open(tc_inspector *t, const tc_bundle *bd, int have_model, tc_err *err)
{
    memset(t, 0, sizeof *t);
    t->bd = bd;
    t->have_model = have_model;
    if (!(t->tok = tc_tokenizer_from_config(&bd->cfg, err)))
        return -1;
    tc_ngram_opts_from_config(&t->ng, &bd->cfg);
    size_t most = tc_ngram_max_features(&t->ng, TC_TOKEN_MAX_BYTES);
    t->buckets = malloc((most ? most : 1) * sizeof *t->buckets);
    t->info = malloc((most ? most : 1) * sizeof *t->info);
    t->marked = malloc(TC_TOKEN_MAX_BYTES + 2);
    if (!t->buckets || !t->info || !t->marked)
        return tc_err_oom(err, "tokenize");
    return 0;
}

void tc_inspector_close(tc_inspector *t)
{
    tc_tokenizer_free(t->tok);
    free(t->th), free(t->buckets), free(t->info), free(t->marked), free(t->st.len);
    memset(t, 0, sizeof *t);
}

/* Writes the text of feature g of token i. */
static void put_feature_text(tc_inspector *t, const tc_tokens *tk, size_t i, const tc_ngram *g, FILE *out)
{
    if (g->kind == TC_NGRAM_WORD) {
        for (size_t k = i + 1 - (size_t)g->n; k <= i; k++) {
            fwrite(tk->buf + tk->off[k], 1, tk->len[k], out);
            if (k < i)
                fputc('_', out);
        }
        return;
    }
    fwrite(t->marked + g->start, 1, g->len, out);
}

/* Prints one item of the row unless truncation drops it; *pos counts items. */
static int keep_item(const tc_inspector *t, size_t pos, size_t total)
{
    if (!t->have_model)
        return 1;
    size_t T = (size_t)t->bd->cfg.pad.maxlen;
    if (total <= T)
        return 1;
    return t->bd->cfg.pad.truncating == TC_PRE ? pos >= total - T : pos < T;
}

int tc_inspect_line(tc_inspector *t, const char *text, size_t len, FILE *out, tc_err *err)
{
    tc_tokens tk;
    if (tc_tokenize(t->tok, text, len, &tk, err) < 0)
        return -1;
    size_t total = tk.n + (tk.feat_off ? tk.feat_off[tk.n] : 0), pos = 0;
    if (tk.n > t->th_cap) {
        uint64_t *p = realloc(t->th, tk.n * sizeof *p);
        if (!p)
            return tc_err_oom(err, "token hashes");
        t->th = p;
        t->th_cap = tk.n;
    }
    for (size_t i = 0; i < tk.n; i++)
        t->th[i] = tc_hash_bytes(tk.buf + tk.off[i], tk.len[i]);
    int first = 1;
    for (size_t i = 0; i < tk.n; i++) {
        const char *w = tk.buf + tk.off[i];
        if (keep_item(t, pos++, total)) {
            fprintf(out, "%s%s", first ? "" : " ", w);
            if (t->have_model)
                fprintf(out, ":%d", (int)tc_vocab_lookup(&t->bd->vocab, w, tk.len[i]));
            first = 0;
        }
        size_t nf = tk.feat_off ? tc_ngram_token(&t->ng, &tk, t->th, i, t->buckets, t->info) : 0;
        if (nf) {
            t->marked[0] = '<';
            memcpy(t->marked + 1, w, tk.len[i]);
            t->marked[tk.len[i] + 1] = '>';
        }
        for (size_t k = 0; k < nf; k++) {
            if (!keep_item(t, pos++, total))
                continue;
            fputs(first ? "" : " ", out);
            put_feature_text(t, &tk, i, &t->info[k], out);
            if (t->have_model) {
                int32_t row = tc_vocab_feature(&t->bd->vocab, t->info[k].bucket);
                if (row != TC_PAD_ID && row != tc_vocab_unseen_row(&t->bd->vocab))
                    fprintf(out, ":%d", (int)row);
                else /* a bucket no training row used: no row of its own */
                    fprintf(out, ":-");
            } else {
                fprintf(out, "#%u", t->info[k].bucket);
            }
            first = 0;
        }
    }
    if (t->have_model && total > (size_t)t->bd->cfg.pad.maxlen)
        t->cut_lines++;
    fputc('\n', out);
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* --stats: tokenizes one line and adds it to the totals. */
int tc_inspect_count(tc_inspector *t, const char *text, size_t len, tc_err *err)
{
    tc_inspect_stats *st = &t->st;
    tc_tokens tk;
    double t0 = now();
    if (tc_tokenize(t->tok, text, len, &tk, err) < 0)
        return -1;
    st->seconds += now() - t0;
    st->lines++;
    st->bytes += len;
    size_t nf = tk.feat_off ? tk.feat_off[tk.n] : 0;
    st->tokens += tk.n;
    st->features += nf;
    for (size_t i = 0; t->have_model && i < tk.n; i++)
        st->oov += tc_vocab_lookup(&t->bd->vocab, tk.buf + tk.off[i], tk.len[i]) == TC_OOV_ID;
    if (tk.n == 0)
        return 0;
    if (tc_grow((void **)&st->len, &st->cap, st->n + 1, sizeof *st->len, "row lengths", err) < 0)
        return -1;
    st->len[st->n++] = (uint32_t)(tk.n + nf > UINT32_MAX ? UINT32_MAX : tk.n + nf);
    return 0;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

void tc_inspect_print_stats(tc_inspector *t, FILE *out)
{
    tc_inspect_stats *st = &t->st;
    fprintf(out, "lines              %llu (%zu with tokens)\n", (unsigned long long)st->lines, st->n);
    fprintf(out, "tokens             %llu (%.1f per line)\n", (unsigned long long)st->tokens,
            st->lines ? (double)st->tokens / (double)st->lines : 0.0);
    fprintf(out, "hashed features    %llu\n", (unsigned long long)st->features);
    if (st->n) {
        qsort(st->len, st->n, sizeof *st->len, cmp_u32);
        fprintf(out, "row length         p50 %u  p90 %u  p99 %u  max %u  (tokens + features: what pad.maxlen counts)\n",
                st->len[st->n / 2], st->len[st->n * 9 / 10], st->len[st->n * 99 / 100], st->len[st->n - 1]);
    }
    if (t->have_model)
        fprintf(out, "out of vocabulary  %.2f%% of tokens\n",
                st->tokens ? 100.0 * (double)st->oov / (double)st->tokens : 0.0);
    fprintf(out, "invalid UTF-8      %llu sequences replaced\n",
            (unsigned long long)tc_tokenizer_invalid_count(t->tok));
    fprintf(out, "tokenizer          %.2f MB in %.3f s: %.1f MB/s (one thread)\n", (double)st->bytes / 1e6, st->seconds,
            st->seconds > 0 ? (double)st->bytes / 1e6 / st->seconds : 0.0);
}
