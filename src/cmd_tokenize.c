/* cmd_tokenize.c — `textclf tokenize CONFIG|MODEL [FILE|-]`: what each input
 * line becomes, so users can see what the model sees.  One output line per
 * input line, items separated by spaces, in the order of a row (corpus.h):
 * each token, then its hashed features — word n-grams as their tokens joined
 * by "_", character n-grams with their "<" ">" markers.
 *   CONFIG: there is no vocabulary yet: tokens as they are, features as TEXT#BUCKET;
 *   MODEL:  TEXT:ID for every item (1 = out of vocabulary), cut to pad.maxlen
 *           the way training and prediction cut it.
 * --stats prints totals instead: row lengths (for choosing pad.maxlen),
 * out-of-vocabulary share (MODEL), and the tokenizer's own throughput, timed
 * around tc_tokenize alone (one thread). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "store/checkpoint.h"
#include "text/corpus.h"
#include "text/ngram.h"
#include "text/reader.h"
#include "util/strtab.h"

static const char HELP[] =
    "usage: textclf tokenize CONFIG.yaml|MODEL [FILE|-] [--set KEY=VALUE]... [--stats]\n"
    "\n"
    "Prints what each line of FILE (or standard input) becomes: one output line\n"
    "per input line, the items of the row separated by spaces, in row order: each\n"
    "token followed by its hashed n-gram features (word n-grams as a_b, character\n"
    "n-grams with their < > word-boundary markers).\n"
    "\n"
    "  CONFIG  no vocabulary yet: tokens as they are, features as TEXT#BUCKET\n"
    "  MODEL   TEXT:ID for every item (ID 1 = out of vocabulary), cut to the\n"
    "          model's pad.maxlen as training and prediction cut it\n"
    "\n"
    "  --set KEY=VALUE   with a CONFIG: override a key, e.g. --set tokenizer.cjk=bigram\n"
    "  --stats           instead of the tokens: counts, row length percentiles (what\n"
    "                    pad.maxlen counts), out-of-vocabulary share (MODEL) and the\n"
    "                    tokenizer's throughput in MB/s (one thread)\n";

typedef struct {
    const char *source, *input;
    char **sets;
    int nsets, stats;
} tok_args;

/* --stats totals. */
typedef struct {
    uint64_t lines, bytes, tokens, features, oov, invalid;
    uint32_t *len;           /* (cap) items per non-empty line */
    size_t n, cap;
    double seconds;          /* inside tc_tokenize */
} tok_stats;

typedef struct {
    tc_bundle bd;
    int have_model;          /* bd.vocab and bd.cfg come from a model file */
    tc_tokenizer *tok;
    tc_ngram_opts ng;
    uint64_t *th;            /* (th_cap) fnv of each token */
    size_t th_cap;
    uint32_t *buckets;       /* (most) features of one token */
    tc_ngram *info;          /* (most) */
    char *marked;            /* "<" token ">" */
    uint64_t cut_lines;      /* lines longer than pad.maxlen (MODEL) */
    tok_stats st;
} tokenizer_run;

static int parse_args(int argc, char **argv, tok_args *a)
{
    memset(a, 0, sizeof *a);
    a->sets = calloc((size_t)argc, sizeof *a->sets);
    if (!a->sets)
        return tc_fail(TC_EXIT_ERR, "out of memory");
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(HELP, stdout);
            return -1;
        } else if (!strcmp(s, "--stats")) {
            a->stats = 1;
        } else if (!strcmp(s, "--set")) {
            if (i + 1 >= argc)
                return tc_fail(TC_EXIT_USAGE, "tokenize: --set needs a value");
            a->sets[a->nsets++] = argv[++i];
        } else if (s[0] == '-' && s[1]) {
            return tc_fail(TC_EXIT_USAGE, "tokenize: unknown option '%s' (try 'textclf tokenize --help')", s);
        } else if (npos == 0) {
            a->source = s, npos++;
        } else if (npos == 1) {
            a->input = s, npos++;
        } else {
            return tc_fail(TC_EXIT_USAGE, "tokenize: unexpected argument '%s'", s);
        }
    }
    if (!a->source)
        return tc_fail(TC_EXIT_USAGE, "tokenize: missing CONFIG.yaml or MODEL (try 'textclf tokenize --help')");
    return 0;
}

/* Does path start with the model file magic? */
static int is_model_file(const char *path)
{
    char magic[8] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(magic, 1, sizeof magic, f);
    fclose(f);
    return n == sizeof magic && memcmp(magic, "TEXTCLF", 8) == 0;
}

/* A config file with --set overrides; data.train is not needed here. */
static int load_config(tc_config *cfg, const tok_args *a, tc_err *err)
{
    tc_config_defaults(cfg);
    if (tc_config_load_file(cfg, a->source, err) < 0)
        return -1;
    for (int i = 0; i < a->nsets; i++)
        if (tc_config_set(cfg, a->sets[i], err) < 0)
            return -1;
    tc_config check = *cfg;
    if (!check.data.train[0])
        strcpy(check.data.train, "-");
    return tc_config_validate(&check, err);
}

/* Writes the text of feature g of token i. */
static void put_feature_text(tokenizer_run *t, const tc_tokens *tk, size_t i, const tc_ngram *g, FILE *out)
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
static int keep_item(const tokenizer_run *t, size_t pos, size_t total)
{
    if (!t->have_model)
        return 1;
    size_t T = (size_t)t->bd.cfg.pad.maxlen;
    if (total <= T)
        return 1;
    return t->bd.cfg.pad.truncating == TC_PRE ? pos >= total - T : pos < T;
}

static int print_line(tokenizer_run *t, const char *text, size_t len, FILE *out, tc_err *err)
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
                fprintf(out, ":%d", (int)tc_vocab_lookup(&t->bd.vocab, w, tk.len[i]));
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
                int32_t row = tc_vocab_feature(&t->bd.vocab, t->info[k].bucket);
                if (row != TC_PAD_ID)
                    fprintf(out, ":%d", (int)row);
                else   /* a bucket no training row used: the model has no row for it */
                    fprintf(out, ":-");
            } else

                fprintf(out, "#%u", t->info[k].bucket);
            first = 0;
        }
    }
    if (t->have_model && total > (size_t)t->bd.cfg.pad.maxlen)
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
static int count_line(tokenizer_run *t, const char *text, size_t len, tc_err *err)
{
    tok_stats *st = &t->st;
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
        st->oov += tc_vocab_lookup(&t->bd.vocab, tk.buf + tk.off[i], tk.len[i]) == TC_OOV_ID;
    if (tk.n == 0)
        return 0;
    if (st->n == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 4096;
        uint32_t *p = realloc(st->len, cap * sizeof *p);
        if (!p)
            return tc_err_oom(err, "row lengths");
        st->len = p;
        st->cap = cap;
    }
    st->len[st->n++] = (uint32_t)(tk.n + nf > UINT32_MAX ? UINT32_MAX : tk.n + nf);
    return 0;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

static void print_stats(tokenizer_run *t, FILE *out)
{
    tok_stats *st = &t->st;
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
    fprintf(out, "tokenizer          %.2f MB in %.3f s: %.1f MB/s (one thread)\n", (double)st->bytes / 1e6,
            st->seconds, st->seconds > 0 ? (double)st->bytes / 1e6 / st->seconds : 0.0);
}

static int setup(tokenizer_run *t, const tok_args *a, tc_err *err)
{
    t->have_model = is_model_file(a->source);
    if (t->have_model) {
        if (a->nsets)
            return tc_err_set(err, "--set only works with a CONFIG; a model keeps the settings it was trained with");
        if (tc_checkpoint_load(a->source, &t->bd, err) < 0)
            return -1;
    } else if (load_config(&t->bd.cfg, a, err) < 0) {
        return -1;
    }
    if (!(t->tok = tc_tokenizer_from_config(&t->bd.cfg, err)))
        return -1;
    tc_ngram_opts_from_config(&t->ng, &t->bd.cfg);
    size_t most = tc_ngram_max_features(&t->ng, TC_TOKEN_MAX_BYTES);
    t->buckets = malloc((most ? most : 1) * sizeof *t->buckets);
    t->info = malloc((most ? most : 1) * sizeof *t->info);
    t->marked = malloc(TC_TOKEN_MAX_BYTES + 2);
    if (!t->buckets || !t->info || !t->marked)
        return tc_err_oom(err, "tokenize");
    return 0;
}

static int run(tokenizer_run *t, const tok_args *a, const tc_signals *sig)
{
    tc_err err = {{0}};
    if (setup(t, a, &err) < 0)
        return tc_fail(t->have_model ? TC_EXIT_ERR : TC_EXIT_USAGE, "%s", err.msg);
    const char *in = a->input ? a->input : "-";
    tc_reader *r = tc_reader_open(in, TC_FMT_LINES, &err);
    if (!r)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    int interactive = strcmp(in, "-") == 0;
    if (interactive)
        tc_reader_set_partial_reads(r, 1);
    tc_reader_set_stop(r, &sig->stop);
    int code = TC_EXIT_OK, got = 0;
    tc_record rec;
    while (!sig->stop && (got = tc_reader_next(r, &rec, &err)) > 0) { /* a signal: stop after a whole line */
        if ((a->stats ? count_line(t, rec.fields[0], rec.lens[0], &err)
                      : print_line(t, rec.fields[0], rec.lens[0], stdout, &err)) < 0) {
            code = tc_fail(TC_EXIT_ERR, "%s:%llu: %s", in, (unsigned long long)rec.line, err.msg);
            break;
        }
        if ((interactive && fflush(stdout) != 0) || ferror(stdout)) {
            code = tc_write_error("the tokens");
            break;
        }
    }
    if (got < 0 && !sig->stop)
        code = tc_fail(TC_EXIT_ERR, "%s", err.msg);
    tc_reader_close(r);
    if (code == TC_EXIT_OK && a->stats)
        print_stats(t, stdout);
    if (code == TC_EXIT_OK && !tc_output_closed())
        code = tc_finish_output(code, "the tokens");
    if (code == TC_EXIT_OK && sig->stop)
        return tc_signal_status(sig->stop);
    if (code == TC_EXIT_OK && t->cut_lines)
        fprintf(stderr, "textclf: note: %llu lines have more than pad.maxlen = %lld items; shown cut as the model "
                        "cuts them (pad.truncating: %s)\n",
                (unsigned long long)t->cut_lines, (long long)t->bd.cfg.pad.maxlen,
                t->bd.cfg.pad.truncating == TC_PRE ? "pre" : "post");
    return code;
}

int tc_cmd_tokenize(int argc, char **argv, tc_signals *sig)
{
    tok_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        free(a.sets);
        return rc < 0 ? TC_EXIT_OK : rc;
    }
    tokenizer_run t;
    memset(&t, 0, sizeof t);
    tc_bundle_init(&t.bd);
    rc = run(&t, &a, sig);
    tc_tokenizer_free(t.tok);
    free(t.th);
    free(t.buckets);
    free(t.info);
    free(t.marked);
    free(t.st.len);
    tc_bundle_free(&t.bd);
    free(a.sets);
    return rc;
}
