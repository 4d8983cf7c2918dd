/* autoconf.c — data-aware defaults (see autoconf.h for the rules and why). */
#include "train/autoconf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "nn/model.h"
#include "text/reader.h"
#include "text/tokenize.h"
#include "util/strtab.h"

#define MAX_COLS 64
#define DISTINCT_CAP 1024 /* distinct values counted per column, at most */
#define PAIR_BITS 24      /* word-pair hash table: 2^24 one-byte cells */
#define CJK_SHARE 0.30
#define PAIR_REPEAT 0.50
#define SHORT_TEXT 400.0 /* mean bytes of text a row, at most, for character n-grams */

static void note(tc_autoconf *ac, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(tc_autoconf *ac, const char *fmt, ...)
{
    if (ac->n >= TC_AUTOCONF_NOTES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ac->note[ac->n++], sizeof ac->note[0], fmt, ap);
    va_end(ap);
}

int tc_autoconf_is_config(const char *path)
{
    size_t n = strlen(path);
    return (n >= 5 && !strcasecmp(path + n - 5, ".yaml")) || (n >= 4 && !strcasecmp(path + n - 4, ".yml"));
}

/* data.format from the name (after a ".gz"): .tsv, .jsonl / .json, .txt / .ft
 * (fastText lines); anything else is CSV. */
static enum tc_format format_of(const char *path)
{
    size_t n = strlen(path);
    if (n >= 3 && !strcasecmp(path + n - 3, ".gz"))
        n -= 3;
    static const struct {
        const char *ext;
        enum tc_format fmt;
    } t[] = {{".tsv", TC_FMT_TSV},
             {".jsonl", TC_FMT_JSONL},
             {".json", TC_FMT_JSONL},
             {".txt", TC_FMT_FASTTEXT},
             {".ft", TC_FMT_FASTTEXT}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t e = strlen(t[i].ext);
        if (n >= e && !strncasecmp(path + n - e, t[i].ext, e))
            return t[i].fmt;
    }
    return TC_FMT_CSV;
}

/* ---- pass 1: columns, labels, script ------------------------------------ */

typedef struct col_stats {
    char name[TC_NAME_MAX];
    uint64_t bytes, rows, pipes; /* field bytes, rows that have the field, fields holding "|" */
    uint64_t letters, cjk;       /* letters (L*) and CJK characters among them */
    tc_strtab distinct;          /* up to DISTINCT_CAP values */
    int capped;
} col_stats;

typedef struct sniff {
    col_stats col[MAX_COLS];
    int ncols;
    uint64_t rows;
} sniff;

static void count_script(col_stats *c, const char *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)p + i, (utf8proc_ssize_t)(len - i), &cp);
        if (k <= 0) {
            i++;
            continue;
        }
        i += (size_t)k;
        utf8proc_category_t cat = utf8proc_category(cp);
        if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) {
            c->letters++;
            c->cjk += tc_is_cjk(cp) != 0;
        }
    }
}

static int count_field(col_stats *c, const char *p, size_t len, int script, tc_err *err)
{
    c->rows++;
    c->bytes += len;
    c->pipes += memchr(p, '|', len) != NULL;
    if (script)
        count_script(c, p, len);
    if (!c->capped) {
        int added;
        if (tc_strtab_intern(&c->distinct, p, len, &added, err) < 0)
            return -1;
        c->capped = c->distinct.n >= DISTINCT_CAP;
    }
    return 0;
}

/* The text of a fastText line, and its labels joined by '|' into c[0]'s
 * statistics (a line with several labels counts as a field with a pipe). */
static int count_fasttext(sniff *s, const tc_record *rec, tc_err *err)
{
    tc_span lab[2], text;
    size_t nl = tc_fasttext_parse(rec->fields[0], rec->lens[0], lab, 2, &text);
    if (count_field(&s->col[0], nl ? lab[0].p : "", nl ? lab[0].len : 0, 0, err) < 0 ||
        count_field(&s->col[1], text.p, text.len, 1, err) < 0)
        return -1;
    s->col[0].pipes += nl > 1;
    return 0;
}

static int sniff_file(sniff *s, const char *path, enum tc_format fmt, int header, tc_err *err)
{
    tc_reader *r = tc_reader_open(path, fmt, err);
    if (!r)
        return -1;
    tc_record rec;
    int rc, first = header && (fmt == TC_FMT_CSV || fmt == TC_FMT_TSV);
    if (fmt == TC_FMT_FASTTEXT) {
        s->ncols = 2;
        strcpy(s->col[0].name, "__label__");
        strcpy(s->col[1].name, "text");
    }
    while ((rc = tc_reader_next(r, &rec, err)) == 1) {
        if (fmt == TC_FMT_FASTTEXT) {
            if (rec.lens[0] == 0)
                continue;
            if (count_fasttext(s, &rec, err) < 0)
                break;
            s->rows++;
            continue;
        }
        if (first) {
            s->ncols = rec.nfields < MAX_COLS ? (int)rec.nfields : MAX_COLS;
            for (int i = 0; i < s->ncols; i++)
                snprintf(s->col[i].name, sizeof s->col[i].name, "%s", rec.fields[i]);
            first = 0;
            continue;
        }
        if (rec.nfields == 1 && rec.lens[0] == 0)
            continue; /* blank line */
        if (!header && (int)rec.nfields > s->ncols)
            s->ncols = rec.nfields < MAX_COLS ? (int)rec.nfields : MAX_COLS;
        for (int i = 0; i < s->ncols && i < (int)rec.nfields; i++)
            if (count_field(&s->col[i], rec.fields[i], rec.lens[i], 1, err) < 0) {
                rc = -1;
                break;
            }
        if (rc < 0)
            break;
        s->rows++;
    }
    if (rc < 0 && fmt != TC_FMT_FASTTEXT && tc_reader_recoverable(r))
        tc_err_prefix(err, "data.train");
    tc_reader_close(r);
    return rc < 0 ? -1 : 0;
}

/* ---- choosing the columns ---------------------------------------------- */

static int name_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (!strcasecmp(name, *list))
            return 1;
    return 0;
}

static int find_named(const sniff *s, const char *const *names, int skip)
{
    for (int i = 0; i < s->ncols; i++)
        if (i != skip && name_in(s->col[i].name, names))
            return i;
    return -1;
}

/* The configured column (a name or a 0-based index) as an index, or -1. */
static int configured(const sniff *s, const char *want)
{
    for (int i = 0; i < s->ncols; i++)
        if (!strcmp(s->col[i].name, want))
            return i;
    char *end;
    long k = strtol(want, &end, 10);
    return *want && !*end && k >= 0 && k < s->ncols ? (int)k : -1;
}

static double mean_len(const col_stats *c)
{
    return c->rows ? (double)c->bytes / (double)c->rows : 0;
}

static int choose_label(const sniff *s, int skip)
{
    static const char *const names[] = {"label", "labels", "class", "category", "target", "sentiment",
                                        "topic", "tag",    "tags",  "y",        NULL};
    int i = find_named(s, names, skip);
    if (i >= 0)
        return i;
    int best = -1;
    for (i = 0; i < s->ncols; i++)
        if (i != skip && s->col[i].distinct.n >= 2 &&
            (best < 0 || s->col[i].distinct.n < s->col[best].distinct.n ||
             (s->col[i].distinct.n == s->col[best].distinct.n && mean_len(&s->col[i]) < mean_len(&s->col[best]))))
            best = i;
    return best;
}

static int choose_text(const sniff *s, int label)
{
    static const char *const names[] = {"text",     "sentence", "review", "comment",  "content", "body",
                                        "document", "message",  "tweet",  "question", NULL};
    int i = find_named(s, names, label);
    if (i >= 0)
        return i;
    int best = -1;
    for (i = 0; i < s->ncols; i++)
        if (i != label && (best < 0 || mean_len(&s->col[i]) > mean_len(&s->col[best])))
            best = i;
    return best;
}

/* data.text_column / label_column / label_separator; the text column's index
 * into *text_col. */
static int decide_columns(tc_config *cfg, const sniff *s, tc_autoconf *ac, int *text_col, tc_err *err)
{
    tc_config d;
    tc_config_defaults(&d);
    const char *path = cfg->data.train;
    if (cfg->data.format == TC_FMT_JSONL) {
        *text_col = -1;
        note(ac, "columns: %s: JSON Lines, fields '%s' and '%s' as configured", path, cfg->data.text_column,
             cfg->data.label_column);
        return 0;
    }
    int label = -1, text = -1;
    if (cfg->data.format == TC_FMT_FASTTEXT) {
        label = 0, text = 1;
        note(ac, "columns: %s: fastText lines, labels from __label__ prefixes", path);
    } else {
        if (strcmp(cfg->data.label_column, d.data.label_column) != 0 || configured(s, "label") >= 0)
            label = configured(s, cfg->data.label_column);
        if (label < 0)
            label = choose_label(s, -1);
        if (strchr(cfg->data.text_column, TC_COLUMN_SEP) || strcmp(cfg->data.text_column, d.data.text_column) != 0)
            text = configured(s, cfg->data.text_column);
        else if (configured(s, "text") >= 0 && configured(s, "text") != label)
            text = configured(s, "text");
        else
            text = choose_text(s, label);
        if (label < 0 || text < 0 || label == text)
            return tc_err_set(err,
                              "%s: cannot tell the text column from the label column (%d columns); set "
                              "data.text_column and data.label_column",
                              path, s->ncols);
        snprintf(cfg->data.label_column, sizeof cfg->data.label_column, "%s", s->col[label].name);
        if (!strchr(cfg->data.text_column, TC_COLUMN_SEP))
            snprintf(cfg->data.text_column, sizeof cfg->data.text_column, "%s", s->col[text].name);
        note(ac, "columns: text '%s' (mean %.0f bytes), label '%s' (%u%s distinct values), of %d in the header",
             s->col[text].name, mean_len(&s->col[text]), s->col[label].name, s->col[label].distinct.n,
             s->col[label].capped ? "+" : "", s->ncols);
    }
    const col_stats *lc = &s->col[label];
    if (!cfg->data.label_separator[0] && lc->pipes > 0) {
        if (cfg->data.format != TC_FMT_FASTTEXT)
            strcpy(cfg->data.label_separator, "|");
        note(ac, "labels: multi-label (%llu of %llu rows have several, joined with '|'): sigmoid head",
             (unsigned long long)lc->pipes, (unsigned long long)s->rows);
    } else if (cfg->data.label_separator[0]) {
        note(ac, "labels: multi-label, joined with '%s' as configured", cfg->data.label_separator);
    } else {
        note(ac, "labels: one per row (%u%s classes): softmax head", lc->distinct.n, lc->capped ? "+" : "");
    }
    *text_col = text;
    return 0;
}

/* ---- pass 2: word pairs --------------------------------------------------- */

/* Tokenizes the text column with cfg's tokenizer plus word bigrams hashed into
 * 2^PAIR_BITS cells, each counting 0, 1 or "2 or more". */
static int count_pairs(const tc_config *cfg, int text_col, tc_autoconf *ac, tc_err *err)
{
    tc_config c = *cfg;
    c.tokenizer.ngrams = 2;
    c.tokenizer.n_char_ngrams = 0;
    c.tokenizer.buckets = (int64_t)1 << PAIR_BITS;
    c.model.encoder = TC_ENC_GAP;
    uint8_t *cell = calloc((size_t)1 << PAIR_BITS, 1);
    tc_tokenizer *tok = cell ? tc_tokenizer_from_config(&c, err) : NULL;
    tc_reader *r = tok ? tc_reader_open(cfg->data.train, cfg->data.format, err) : NULL;
    if (!cell)
        tc_err_oom(err, "word-pair table");
    int rc = r ? 0 : -1, first = cfg->data.header && cfg->data.format != TC_FMT_FASTTEXT;
    uint64_t total = 0, once = 0;
    tc_record rec;
    while (rc == 0 && (rc = tc_reader_next(r, &rec, err)) == 1) {
        rc = 0;
        if (first) {
            first = 0;
            continue;
        }
        tc_span text = {rec.fields[0], rec.lens[0]};
        if (cfg->data.format == TC_FMT_FASTTEXT)
            tc_fasttext_parse(rec.fields[0], rec.lens[0], NULL, 0, &text);
        else if (text_col < (int)rec.nfields)
            text = (tc_span){rec.fields[text_col], rec.lens[text_col]};
        else
            continue;
        tc_tokens tk;
        if (tc_tokenize(tok, text.p, text.len, &tk, err) < 0) {
            rc = -1;
            break;
        }
        for (size_t i = 0; tk.feat && i < tk.feat_off[tk.n]; i++) {
            uint8_t *x = &cell[tk.feat[i]];
            total++;
            if (*x == 0)
                once++; /* occurrences of pairs seen exactly once, so far */
            else if (*x == 1)
                once--;
            if (*x < 2)
                (*x)++;
        }
    }
    if (rc < 0 && r && tc_reader_recoverable(r))
        rc = 0; /* a malformed row: the training read reports it, per data.on_error */
    uint64_t distinct = 0;
    for (size_t i = 0; rc == 0 && i < (size_t)1 << PAIR_BITS; i++)
        distinct += cell[i] != 0;
    ac->pair_repeat = total ? 1.0 - (double)once / (double)total : 0;
    ac->pairs_distinct = distinct;
    tc_reader_close(r);
    tc_tokenizer_free(tok);
    free(cell);
    return rc < 0 ? -1 : 0;
}

/* ---- the decisions -------------------------------------------------------- */

static void decide_script(tc_config *cfg, const col_stats *text, tc_autoconf *ac)
{
    ac->cjk_share = text && text->letters ? (double)text->cjk / (double)text->letters : 0;
    if (ac->cjk_share >= CJK_SHARE) {
        cfg->tokenizer.cjk = TC_CJK_CHAR_BIGRAM;
        note(ac, "script: %.0f%% of the letters are CJK: tokenizer.cjk char+bigram (characters and their pairs)",
             100 * ac->cjk_share);
    }
}

/* buckets are sized from the data either way: unused without n-grams, they
 * are the scale `textclf tune` draws its hash-table sizes around */
static void decide_ngrams(tc_config *cfg, tc_autoconf *ac)
{
    int64_t b = (int64_t)1 << 16;
    while (b < (int64_t)ac->pairs_distinct && b < ((int64_t)1 << 19))
        b <<= 1;
    cfg->tokenizer.buckets = b;
    if (ac->pair_repeat < PAIR_REPEAT) {
        note(ac,
             "n-grams: off: only %.0f%% of word-pair occurrences are of pairs seen twice or more "
             "(bigram rows would mostly memorise single rows)",
             100 * ac->pair_repeat);
        return;
    }
    cfg->tokenizer.ngrams = 2;
    note(ac,
         "n-grams: word bigrams on: %.0f%% of word-pair occurrences are of pairs that recur; %llu distinct "
         "pairs -> tokenizer.buckets %lld",
         100 * ac->pair_repeat, (unsigned long long)ac->pairs_distinct, (long long)b);
}

/* character 3..6-grams for short texts in a script with words (not CJK,
 * which has its own character bigrams) */
static void decide_chars(tc_config *cfg, double mean_bytes, tc_autoconf *ac)
{
    ac->mean_bytes = mean_bytes;
    if (cfg->tokenizer.cjk != TC_CJK_CHAR || mean_bytes <= 0)
        return;
    if (mean_bytes > SHORT_TEXT) {
        note(ac,
             "character n-grams: off: rows average %.0f bytes of text (long texts have words enough, and "
             "character n-grams would multiply each row's features)",
             mean_bytes);
        return;
    }
    cfg->tokenizer.n_char_ngrams = 2;
    cfg->tokenizer.char_ngrams[0] = 3;
    cfg->tokenizer.char_ngrams[1] = 6;
    note(ac,
         "character n-grams: 3..6 on: rows average %.0f bytes of text (a short row has few words; the "
         "pieces of a rare, inflected or misspelt word carry what it means)",
         mean_bytes);
}

static void decide_training(tc_config *cfg, tc_autoconf *ac)
{
    int chars = cfg->tokenizer.n_char_ngrams > 0, multi = cfg->data.label_separator[0] != 0;
    cfg->train.optimizer = TC_OPT_ADAM;
    cfg->train.batch_size = 32;
    if (multi) {
        /* many sigmoid outputs share one representation: wider rows, a
         * ReLU layer they all read, dropout against its memorising the
         * rare labels' rows (test F1 macro/micro against dim 32 without
         * them: goemotions, 28 labels, 0.376/0.488 -> 0.414/0.504;
         * reuters21578_modapte, 115, 0.238/0.789 -> 0.282/0.823) */
        cfg->model.embedding_dim = 64;
        cfg->model.hidden[0] = 256;
        cfg->model.n_hidden = 1;
        cfg->model.dropout = 0.2f;
        cfg->train.lr = chars ? 0.002f : 0.005f;
        note(ac,
             "model: average pool, embedding_dim 64, one 256-unit ReLU layer (multi-label: the labels share it), "
             "dropout 0.2, Adam lr %s, batch 32",
             chars ? "0.002" : "0.005");
        cfg->train.tune_thresholds = 1;
        note(ac,
             "thresholds: each label's own, chosen on the validation rows after every epoch (the F1-best "
             "cut; train.tune_thresholds) and stored in the model");
    } else {
        cfg->model.embedding_dim = 32;
        cfg->train.lr = chars ? 0.001f : 0.005f;
        note(ac, "model: average pool, embedding_dim 32, Adam lr %s, batch 32%s", chars ? "0.001" : "0.005",
             chars ? " (lr lower with character n-grams: each row averages several times more feature rows, "
                     "which then overfit in an epoch or two at 0.005)"
                   : "");
    }
    cfg->train.epochs = 30;
    /* multi-label: the loss is a mean over every label of every row, most of
     * them absent, and keeps falling while the model predicts no label at
     * all; stop on what is reported, with one more epoch of patience for F1
     * to move off 0 */
    cfg->train.early_stopping.monitor = multi ? TC_MON_VAL_MACRO_F1 : TC_MON_VAL_LOSS;
    cfg->train.early_stopping.patience = multi ? 3 : 2;
    cfg->output.save_best = 1;
    const char *mon = multi ? "val_macro_f1" : "val_loss";
    int pat = multi ? 3 : 2;
    if (!cfg->data.valid[0]) {
        cfg->train.validation_split = 0.1f;
        note(ac,
             "validation: 10%% of the rows held out (stratified); up to 30 epochs, stopping %d epochs after "
             "%s stops improving; the model keeps the best epoch",
             pat, mon);
    } else {
        note(ac,
             "validation: %s; up to 30 epochs, stopping %d epochs after %s stops improving; the model "
             "keeps the best epoch",
             cfg->data.valid, pat, mon);
    }
}

int tc_autoconf_data(tc_config *cfg, const char *path, tc_autoconf *ac, tc_err *err)
{
    memset(ac, 0, sizeof *ac);
    if (strlen(path) >= sizeof cfg->data.train)
        return tc_err_set(err, "%s: path too long", path);
    strcpy(cfg->data.train, path);
    tc_config d;
    tc_config_defaults(&d);
    if (cfg->data.format == d.data.format)
        cfg->data.format = format_of(path);
    sniff *s = calloc(1, sizeof *s);
    if (!s)
        return tc_err_oom(err, "autoconf");
    for (int i = 0; i < MAX_COLS; i++)
        tc_strtab_init(&s->col[i].distinct);
    int text = -1;
    int rc = cfg->data.format == TC_FMT_JSONL ? 0 : sniff_file(s, path, cfg->data.format, cfg->data.header, err);
    if (rc == 0 && cfg->data.format != TC_FMT_JSONL && s->rows == 0)
        rc = tc_err_set(err, "%s: no data rows", path);
    if (rc == 0)
        rc = decide_columns(cfg, s, ac, &text, err);
    ac->rows = s->rows;
    if (rc == 0) {
        decide_script(cfg, text >= 0 ? &s->col[text] : NULL, ac);
        if (text >= 0 || cfg->data.format == TC_FMT_FASTTEXT)
            rc = count_pairs(cfg, cfg->data.format == TC_FMT_FASTTEXT ? 0 : text, ac, err);
        else
            ac->pair_repeat = 1; /* JSON Lines: no statistic; bigrams, as fastText users set them */
    }
    if (rc == 0) {
        decide_ngrams(cfg, ac);
        decide_chars(cfg, text >= 0 ? mean_len(&s->col[text]) : 0, ac);
        decide_training(cfg, ac);
    }
    for (int i = 0; i < MAX_COLS; i++)
        tc_strtab_free(&s->col[i].distinct);
    free(s);
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void tc_autoconf_maxlen(tc_config *cfg, const tc_corpus *train, tc_autoconf *ac)
{
    if (cfg->pad.maxlen != 0 || train->n == 0)
        return;
    uint64_t *len = malloc(train->n * sizeof *len);
    if (!len)
        return; /* pad.maxlen stays 0: the longest row, as without autoconf */
    for (uint64_t i = 0; i < train->n; i++)
        len[i] = train->tok_off[i + 1] - train->tok_off[i];
    qsort(len, train->n, sizeof *len, cmp_u64);
    uint64_t p99 = len[(train->n - 1) * 99 / 100];
    if (p99 < 1)
        p99 = 1;
    if (p99 > TC_MAX_MAXLEN)
        p99 = TC_MAX_MAXLEN;
    cfg->pad.maxlen = (int64_t)p99;
    note(ac,
         "pad.maxlen %llu: the 99th percentile of the row lengths in tokens and features (median %llu, "
         "longest %llu)",
         (unsigned long long)p99, (unsigned long long)len[train->n / 2], (unsigned long long)len[train->n - 1]);
    free(len);
}

static int apply_sets(tc_config *cfg, char *const *sets, int n, tc_err *err)
{
    for (int i = 0; i < n; i++)
        if (tc_config_set(cfg, sets[i], err) < 0)
            return -1;
    return 0;
}

int tc_autoconf_config(tc_config *cfg, const char *source, char *const *sets, int n, tc_autoconf *ac, tc_err *err)
{
    tc_config_defaults(cfg);
    memset(ac, 0, sizeof *ac);
    if (!tc_autoconf_is_config(source)) {
        if (apply_sets(cfg, sets, n, err) < 0)
            return -1;
        if (tc_autoconf_data(cfg, source, ac, err) < 0)
            return -2;
    } else if (tc_config_load_file(cfg, source, err) < 0) {
        return -1;
    }
    return apply_sets(cfg, sets, n, err);
}
