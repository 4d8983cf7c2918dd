/* config.c — the configuration table and everything it drives.
 *
 * KEYS[] is the single source of truth: each entry names one dotted key, its
 * type, where it lives in tc_config (offsetof/sizeof), its default, its range
 * or allowed spellings, and one line of help.  From that table:
 *   - tc_config_defaults() fills every field;
 *   - the YAML loader walks nested mappings with libyaml's *event* parser (so
 *     anchors and aliases are refused before anything could be expanded),
 *     maps each "section.key" to its entry and hands the node to a typed
 *     setter that checks syntax and range;
 *   - tc_config_set() parses the value of "key=value" as a one-node YAML
 *     document and goes through the same setters;
 *   - tc_config_validate() re-checks every stored value, then cross-key rules;
 *   - tc_config_to_yaml() and tc_config_print_reference() print it.
 * Sections ("data", "model.lstm", ...) are not listed anywhere: a name is a
 * section when some key starts with it plus a dot.  Loads and --set work on a
 * copy of the config and commit it only when everything succeeded. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- the table ---------------------------------------------------------- */

/* K_NAMES: a string, or a YAML list of strings stored joined by TC_COLUMN_SEP. */
enum ktype { K_STRING, K_PATH, K_BOOL, K_INT, K_UINT, K_FLOAT, K_ENUM, K_LIST, K_NAMES };

typedef struct key_def {
    const char *name; /* dotted: "model.lstm.units" */
    enum ktype type;
    size_t off, size;         /* the field (K_LIST: the int64_t array) */
    size_t count_off;         /* K_LIST: the int element count */
    const char *const *names; /* K_ENUM: spellings, NULL-terminated; index = value */
    int64_t lo, hi;           /* K_INT, K_LIST entries: inclusive range */
    bool zero_ok;             /* K_INT: 0 is also allowed ("no limit") */
    float flo, fhi;           /* K_FLOAT: range, open at an end when *_open */
    bool flo_open, fhi_open;
    int64_t idef;     /* default of K_BOOL, K_INT, K_UINT, K_ENUM */
    float fdef;       /* default of K_FLOAT */
    const char *sdef; /* default of K_STRING, K_PATH */
    const char *help;
} key_def;

static const char *const FORMATS[] = {"csv", "tsv", "fasttext", "jsonl", NULL};
static const char *const SPLITS[] = {"unicode", "whitespace", NULL};
static const char *const CJK_MODES[] = {"char", "bigram", "char+bigram", NULL};
static const char *const DIGITS[] = {"keep", "zero", NULL};
static const char *const ON_ERROR[] = {"error", "skip", NULL};
static const char *const SIDES[] = {"pre", "post", NULL};
static const char *const ENCODERS[] = {"gap", "lstm", NULL};
static const char *const HEADS[] = {"auto", "softmax", "sigmoid", NULL};
static const char *const OPTIMIZERS[] = {"adam", "sgd", NULL};
static const char *const LSTM_OUTPUTS[] = {"last", "mean", "max", NULL};
static const char *const LR_SCHEDULES[] = {"constant", "linear", "step", "exponential", NULL};
static const char *const MONITORS[] = {"val_loss", "val_accuracy", "val_macro_f1", "val_micro_f1", NULL};
static const char *const CLASS_WEIGHTS[] = {"none", "balanced", NULL};
static const char *const QUANT_METHODS[] = {"none", "int8", "pq", NULL};

_Static_assert(TC_FMT_JSONL == 3 && TC_SPLIT_WHITESPACE == 1 && TC_CJK_CHAR_BIGRAM == 2 && TC_DIGITS_ZERO == 1,
               "enum values must be the indexes of their spellings");
_Static_assert(TC_FMT_FASTTEXT == 2 && TC_ONERR_SKIP == 1 && TC_POST == 1 && TC_ENC_LSTM == 1,
               "enum values must be the indexes of their spellings");
_Static_assert(TC_HEAD_SIGMOID == 2 && TC_OPT_SGD == 1 && TC_LSTM_MAX == 2,
               "enum values must be the indexes of their spellings");
_Static_assert(TC_LR_EXPONENTIAL == 3 && TC_MON_VAL_MICRO_F1 == 3 && TC_CW_BALANCED == 1,
               "enum values must be the indexes of their spellings");

#define FIELD(f) .off = offsetof(tc_config, f), .size = sizeof(((tc_config *)0)->f)
#define KSTR(n, f, d, h)                                            \
    {                                                               \
        .name = n, .type = K_STRING, FIELD(f), .sdef = d, .help = h \
    }
#define KPATH(n, f, d, h)                                         \
    {                                                             \
        .name = n, .type = K_PATH, FIELD(f), .sdef = d, .help = h \
    }
#define KBOOL(n, f, d, h)                                         \
    {                                                             \
        .name = n, .type = K_BOOL, FIELD(f), .idef = d, .help = h \
    }
/* A list of ints: field f, its count in field c, each in [l, u]. */
#define KLIST(n, f, c, l, u, h)                                                                               \
    {                                                                                                         \
        .name = n, .type = K_LIST, FIELD(f), .count_off = offsetof(tc_config, c), .lo = l, .hi = u, .help = h \
    }
#define KINT(n, f, d, l, u, h)                                                     \
    {                                                                              \
        .name = n, .type = K_INT, FIELD(f), .idef = d, .lo = l, .hi = u, .help = h \
    }
#define KENUM(n, f, d, v, h)                                                  \
    {                                                                         \
        .name = n, .type = K_ENUM, FIELD(f), .idef = d, .names = v, .help = h \
    }
#define KFLOAT(n, f, d, l, lopen, u, uopen, h)                                                                     \
    {                                                                                                              \
        .name = n, .type = K_FLOAT, FIELD(f), .fdef = d, .flo = l, .flo_open = lopen, .fhi = u, .fhi_open = uopen, \
        .help = h                                                                                                  \
    }

static const key_def KEYS[] = {
    KPATH("data.train", data.train, "", "training data file; required by `textclf train`"),
    KPATH("data.valid", data.valid, "", "validation data, evaluated after every epoch; \"\" = none"),
    KPATH("data.test", data.test, "", "test data, evaluated once after training; \"\" = none"),
    KENUM("data.format", data.format, TC_FMT_CSV, FORMATS,
          "file format; fasttext = \"__label__a __label__b text\" lines; jsonl = one JSON object per line"),
    KBOOL("data.header", data.header, 1, "csv/tsv: the first row names the columns"),
    {.name = "data.text_column",
     .type = K_NAMES,
     FIELD(data.text_column),
     .sdef = "text",
     .help = "text column (csv/tsv: header name or 0-based index; jsonl: field), or a list joined by spaces"},
    KSTR("data.label_column", data.label_column, "label",
         "label column (csv/tsv: header name or 0-based index; jsonl: field, a string or list of strings)"),
    KSTR("data.label_separator", data.label_separator, "",
         "multi-label: splits a label field into labels, e.g. \"|\" (quoted)"),
    KENUM("data.on_error", data.on_error, TC_ONERR_ERROR, ON_ERROR,
          "a malformed row stops the run (error) or is dropped and counted (skip)"),
    KBOOL("tokenizer.normalize", tokenizer.normalize, 1, "Unicode NFKC normalisation before splitting"),
    KBOOL("tokenizer.lowercase", tokenizer.lowercase, 1, "Unicode case folding"),
    KBOOL("tokenizer.keep_punct", tokenizer.keep_punct, 0, "keep each punctuation character as a token"),
    KBOOL("tokenizer.keep_symbols", tokenizer.keep_symbols, 0, "keep each symbol or emoji as a token"),
    {.name = "tokenizer.num_words",
     .type = K_INT,
     FIELD(tokenizer.num_words),
     .idef = 0,
     .lo = 3,
     .hi = INT32_MAX,
     .zero_ok = true,
     .help = "as in Keras: keep word ids < num_words (most frequent first); 0 = all"},
    KINT("tokenizer.min_count", tokenizer.min_count, 1, 1, INT32_MAX,
         "drop words seen fewer times than this in the training data"),
    KENUM("tokenizer.split", tokenizer.split, TC_SPLIT_UNICODE, SPLITS,
          "unicode = words by character class; whitespace = text already segmented by spaces"),
    KENUM("tokenizer.cjk", tokenizer.cjk, TC_CJK_CHAR, CJK_MODES,
          "runs of Han/kana/Hangul become single characters, overlapping bigrams, or both"),
    KBOOL("tokenizer.strip_accents", tokenizer.strip_accents, 0,
          "decompose and drop nonspacing marks: café -> cafe (kana keep their voicing marks)"),
    KENUM("tokenizer.digits", tokenizer.digits, TC_DIGITS_KEEP, DIGITS,
          "zero = every run of decimal digits becomes 0 (2019 -> 0, mp3 -> mp0)"),
    KSTR("tokenizer.filters", tokenizer.filters, "",
         "as in Keras: each character of this string separates words and is dropped"),
    KINT("tokenizer.ngrams", tokenizer.ngrams, 1, 1, 8,
         "add word n-grams up to this length as hashed features (gap encoder only); 1 = words only"),
    KLIST("tokenizer.char_ngrams", tokenizer.char_ngrams, tokenizer.n_char_ngrams, 1, 16,
          "[min, max]: add each word's character n-grams as hashed features (gap encoder only); [] = off"),
    KINT("tokenizer.buckets", tokenizer.buckets, 200000, 1, 100000000,
         "n-gram hash buckets; each one the training data uses gets an embedding row: 4*embedding_dim "
         "bytes in the model file, about 16*embedding_dim while training with Adam"),
    KINT("tokenizer.feature_min_count", tokenizer.feature_min_count, 1, 1, INT32_MAX,
         "hashed n-gram buckets used fewer times than this in the training data get no row (dropped)"),
    KINT("pad.maxlen", pad.maxlen, 0, 0, 1000000, "tokens per sequence; 0 = longest training sequence"),
    KENUM("pad.padding", pad.padding, TC_PRE, SIDES, "pad short sequences before (pre) or after (post)"),
    KENUM("pad.truncating", pad.truncating, TC_PRE, SIDES, "cut long sequences at the start (pre) or the end (post)"),
    KENUM("model.encoder", model.encoder, TC_ENC_GAP, ENCODERS,
          "gap = masked average of the embeddings; lstm = LSTM over the sequence"),
    KINT("model.embedding_dim", model.embedding_dim, 64, 1, 4096, "size of the word vectors"),
    KLIST("model.hidden", model.hidden, model.n_hidden, 1, 65536,
          "sizes of the dense ReLU layers after the encoder, e.g. [64, 32]"),
    KENUM("model.head", model.head, TC_HEAD_AUTO, HEADS,
          "softmax = one label per row, sigmoid = multi-label, auto = from the data"),
    KFLOAT("model.threshold", model.threshold, 0.5f, 0.0f, true, 1.0f, true,
           "sigmoid head: the probability at which a label is predicted"),
    KFLOAT("model.dropout", model.dropout, 0.0f, 0.0f, false, 1.0f, true,
           "inverted dropout on the embedding output and hidden layers"),
    KBOOL("model.freeze_embedding", model.freeze_embedding, 0,
          "never update the embedding (keeps pretrained vectors as given)"),
    KPATH("model.pretrained", model.pretrained, "",
          "word vectors in word2vec/GloVe/fastText text format (.vec, may be gzipped) for the embedding"),
    KINT("model.lstm.units", model.lstm.units, 128, 1, 4096, "LSTM state size (per direction)"),
    KINT("model.lstm.layers", model.lstm.layers, 1, 1, 16, "stacked LSTM layers"),
    KBOOL("model.lstm.bidirectional", model.lstm.bidirectional, 0,
          "also run each layer backwards and concatenate both directions"),
    KENUM("model.lstm.output", model.lstm.output, TC_LSTM_LAST, LSTM_OUTPUTS,
          "the last state, or the mean or max over the non-padding steps"),
    KFLOAT("model.lstm.dropout", model.lstm.dropout, 0.0f, 0.0f, false, 1.0f, true,
           "dropout on the inputs between stacked layers"),
    KENUM("train.optimizer", train.optimizer, TC_OPT_ADAM, OPTIMIZERS, "Adam or plain stochastic gradient descent"),
    KFLOAT("train.lr", train.lr, 0.0f, 0.0f, false, 10.0f, false,
           "learning rate; 0 = the optimizer's default (adam 0.001, sgd 0.01)"),
    KFLOAT("train.beta1", train.beta1, 0.9f, 0.0f, false, 1.0f, true, "Adam: decay of the gradient mean"),
    KFLOAT("train.beta2", train.beta2, 0.999f, 0.0f, false, 1.0f, true, "Adam: decay of the squared gradient mean"),
    KFLOAT("train.epsilon", train.epsilon, 1e-7f, 0.0f, true, 1.0f, false, "Adam: added to the denominator"),
    KFLOAT("train.clipnorm", train.clipnorm, 0.0f, 0.0f, false, INFINITY, false,
           "scale gradients down when their global norm exceeds this; 0 = off"),
    KINT("train.epochs", train.epochs, 5, 1, 1000000, "passes over the training data"),
    KINT("train.batch_size", train.batch_size, 32, 1, 65536, "examples per gradient step"),
    {.name = "train.seed",
     .type = K_UINT,
     FIELD(train.seed),
     .idef = 42,
     .help = "seed of every random choice (initialisation, shuffling, dropout)"},
    KBOOL("train.shuffle", train.shuffle, 1, "reshuffle the training rows every epoch"),
    KBOOL("train.bucket", train.bucket, 0,
          "batch rows of similar length together: less padding, 2-3x faster LSTM epochs"),
    KINT("train.threads", train.threads, 0, 0, 1024,
         "worker threads computing a batch's shards (capped at the shards); 0 = all cores for "
         "the LSTM and hogwild, one for average pooling"),
    KINT("train.shards", train.shards, 4, 1, 1024,
         "each batch is split into this many shards, reduced in a fixed order: the model's bytes "
         "do not depend on train.threads"),
    KBOOL("train.hogwild", train.hogwild, 0,
          "lock-free: threads train on their own rows and update the shared weights without locks "
          "(fastText's scheme; fast for batch_size 1, NOT reproducible)"),
    KFLOAT("train.validation_split", train.validation_split, 0.0f, 0.0f, false, 1.0f, true,
           "seeded, stratified hold-out of training rows for validation"),
    KENUM("train.lr_schedule", train.lr_schedule, TC_LR_CONSTANT, LR_SCHEDULES,
          "linear = decay to 0 over the run (fastText); step/exponential"),
    KFLOAT("train.lr_decay", train.lr_decay, 0.5f, 0.0f, true, 1.0f, false,
           "step/exponential: lr factor per lr_decay_epochs"),
    KINT("train.lr_decay_epochs", train.lr_decay_epochs, 1, 1, 1000000, "step/exponential: the decay period in epochs"),
    KFLOAT("train.warmup_epochs", train.warmup_epochs, 0.0f, 0.0f, false, 1000000.0f, false,
           "linear warm-up of the lr over this many epochs (may be 0.5)"),
    KFLOAT("train.weight_decay", train.weight_decay, 0.0f, 0.0f, false, 1.0f, true,
           "kernels only, decoupled (AdamW; L2 for SGD): w -= lr*decay*w"),
    KENUM("train.class_weight", train.class_weight, TC_CW_NONE, CLASS_WEIGHTS,
          "balanced: row weight n_rows / (n_classes * rows of its class)"),
    KBOOL("train.tune_thresholds", train.tune_thresholds, 0,
          "multi-label: choose each label's decision threshold on the validation rows (the F1-best "
          "cut) after every epoch, score val F1 with them and store them in the model"),
    KENUM("train.early_stopping.monitor", train.early_stopping.monitor, TC_MON_VAL_LOSS, MONITORS,
          "watched by early stopping and save_best"),
    KINT("train.early_stopping.patience", train.early_stopping.patience, 0, 0, 1000000,
         "stop after this many epochs without improvement; 0 = off"),
    KFLOAT("train.early_stopping.min_delta", train.early_stopping.min_delta, 0.0f, 0.0f, false, INFINITY, false,
           "an improvement must beat the best so far by more than this"),
    KPATH("output.model", output.model, "model.bin", "the model file train writes and eval and predict read"),
    KPATH("output.checkpoint", output.checkpoint, "", "resume file for --resume; \"\" = output.model + \".ckpt\""),
    KINT("output.checkpoint_every", output.checkpoint_every, 0, 0, 1000000,
         "write it every N epochs and at the end; 0 = on Ctrl-C only"),
    KBOOL("output.save_best", output.save_best, 0, "output.model holds the best epoch (rewritten when it improves)"),
    KPATH("output.metrics", output.metrics, "", "JSON Lines, one object per epoch (`textclf plot`); \"\" = none"),
    KENUM("output.quantize.method", output.quantize.method, TC_QUANT_NONE, QUANT_METHODS,
          "write output.model quantized (textclf quantize): int8 weights, or a product-quantized embedding"),
    KINT("output.quantize.dsub", output.quantize.dsub, 2, 1, 16,
         "pq: sub-vector size (must divide model.embedding_dim)"),
    KINT("output.quantize.cutoff", output.quantize.cutoff, 0, 0, INT32_MAX,
         "keep only this many embedding rows (largest norm); 0 = all"),
};

#define N_KEYS (sizeof KEYS / sizeof KEYS[0])
#define KEY_NAME_MAX 64 /* longer user keys are simply unknown */

/* ---- field access ------------------------------------------------------- */

static void *field(tc_config *c, const key_def *k)
{
    return (char *)c + k->off;
}

static const void *cfield(const tc_config *c, const key_def *k)
{
    return (const char *)c + k->off;
}

/* Reads an int-like field (int, enum, int64_t, uint64_t) whatever its width. */
static int64_t get_int(const tc_config *c, const key_def *k)
{
    const void *p = cfield(c, k);
    if (k->size == sizeof(int64_t)) {
        int64_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    int v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void put_int(tc_config *c, const key_def *k, int64_t v)
{
    void *p = field(c, k);
    if (k->size == sizeof(int64_t)) {
        memcpy(p, &v, sizeof v);
    } else {
        int i = (int)v;
        memcpy(p, &i, sizeof i);
    }
}

static float get_float(const tc_config *c, const key_def *k)
{
    float v;
    memcpy(&v, cfield(c, k), sizeof v);
    return v;
}

static int get_count(const tc_config *c, const key_def *k)
{
    int n;
    memcpy(&n, (const char *)c + k->count_off, sizeof n);
    return n;
}

/* Stores a string, zero-filling the rest of the buffer (n < k->size). */
static void put_string(tc_config *c, const key_def *k, const char *s, size_t n)
{
    char *p = field(c, k);
    memset(p, 0, k->size);
    memcpy(p, s, n);
}

static void put_list(tc_config *c, const key_def *k, const int64_t *v, int n)
{
    int64_t *p = field(c, k);
    memset(p, 0, k->size);
    if (n > 0)
        memcpy(p, v, (size_t)n * sizeof *v);
    memcpy((char *)c + k->count_off, &n, sizeof n);
}

static const key_def *find_key(const char *name, size_t n)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strlen(KEYS[i].name) == n && memcmp(KEYS[i].name, name, n) == 0)
            return &KEYS[i];
    return NULL;
}

/* Index of the first key under section `name` (keys "name.*"), or -1. */
static int find_section(const char *name, size_t n)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (n && strncmp(KEYS[i].name, name, n) == 0 && KEYS[i].name[n] == '.')
            return (int)i;
    return -1;
}

void tc_config_defaults(tc_config *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < N_KEYS; i++) {
        const key_def *k = &KEYS[i];
        switch (k->type) {
        case K_STRING:
        case K_PATH:
        case K_NAMES:
            put_string(c, k, k->sdef, strlen(k->sdef));
            break;
        case K_FLOAT:
            memcpy(field(c, k), &k->fdef, sizeof k->fdef);
            break;
        case K_LIST:
            put_list(c, k, NULL, 0);
            break;
        default:
            put_int(c, k, k->idef);
        }
    }
}

/* ---- text helpers ------------------------------------------------------- */

static char ascii_lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool equal_nocase(const char *s, size_t n, const char *word)
{
    if (strlen(word) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(s[i]) != word[i])
            return false;
    return true;
}

/* A user-supplied value made safe for a one-line message: control bytes
 * escaped, cut (at a UTF-8 boundary) after about 40 bytes. */
static void show(const char *s, size_t n, char *out, size_t nout)
{
    size_t o = 0, i = 0;
    for (; i < n && o + 8 < nout && i < 40; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f)
            o += (size_t)snprintf(out + o, nout - o, "\\x%02x", ch);
        else
            out[o++] = (char)ch;
    }
    while (i < n && o > 0 && ((unsigned char)s[i] & 0xc0) == 0x80) {
        o--; /* drop a partial UTF-8 sequence */
        i--;
    }
    if (i < n)
        o += (size_t)snprintf(out + o, nout - o, "...");
    out[o] = 0;
}

/* Levenshtein distance, ASCII case-insensitive; SIZE_MAX for long strings. */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    if (na > KEY_NAME_MAX || nb > KEY_NAME_MAX)
        return SIZE_MAX;
    size_t row[KEY_NAME_MAX + 1];
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (ascii_lower(a[i - 1]) != ascii_lower(b[j - 1]));
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

typedef struct suggestion {
    size_t dist;
    char text[KEY_NAME_MAX + 1];
} suggestion;

/* Keeps `shown` if `cand` is closer to `user` than the best so far and close
 * enough to be a plausible typo: distance <= max(2, len/3) and < len. */
static void consider(suggestion *s, const char *user, size_t nu, const char *cand, size_t nc, const char *shown,
                     size_t ns)
{
    size_t d = edit_distance(user, nu, cand, nc);
    size_t limit = nu / 3 > 2 ? nu / 3 : 2;
    if (d > limit || d >= nu || d >= s->dist || ns > KEY_NAME_MAX)
        return;
    s->dist = d;
    memcpy(s->text, shown, ns);
    s->text[ns] = 0;
}

/* The closest name for unknown key `key` under section `prefix` ("" = root):
 * first the siblings (shown short, or dotted when `dotted`), then every full
 * dotted name, compared both whole and by their last component. */
static void suggest(const char *prefix, const char *key, size_t nkey, bool dotted, suggestion *s)
{
    size_t np = strlen(prefix);
    char full[2 * KEY_NAME_MAX + 2];
    snprintf(full, sizeof full, "%s%s%.*s", prefix, np ? "." : "", (int)nkey, key);
    s->dist = SIZE_MAX;
    s->text[0] = 0;
    for (size_t i = 0; i < N_KEYS; i++) {
        const char *k = KEYS[i].name;
        if (np && (strncmp(k, prefix, np) != 0 || k[np] != '.'))
            continue;
        const char *child = k + (np ? np + 1 : 0);
        size_t nchild = strcspn(child, ".");
        consider(s, key, nkey, child, nchild, dotted ? k : child, dotted ? (size_t)(child - k) + nchild : nchild);
    }
    for (size_t i = 0; i < N_KEYS; i++) {
        const char *k = KEYS[i].name, *leaf = strrchr(k, '.') + 1;
        consider(s, full, strlen(full), k, strlen(k), k, strlen(k));
        consider(s, key, nkey, leaf, strlen(leaf), k, strlen(k));
    }
}

/* " (did you mean 'x'?)" or "". */
static void suggestion_text(const suggestion *s, char *out, size_t n)
{
    if (s->dist == SIZE_MAX)
        out[0] = 0;
    else
        snprintf(out, n, " (did you mean '%s'?)", s->text);
}

/* Writes v with the fewest significant digits (at most 9, as %.9g) that
 * read back as exactly v; whole numbers below 1e9 without an exponent. */
static void format_float(float v, char *out, size_t n)
{
    if (v == truncf(v) && fabsf(v) < 1e9f) {
        snprintf(out, n, "%.0f", (double)v);
        return;
    }
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(out, n, "%.*g", prec, (double)v);
        if (strtof(out, NULL) == v)
            return;
    }
}

/* "1..4096", "0 or 3..2147483647", "0 < x <= 1", "x >= 0", "csv, tsv, fasttext". */
static void range_text(const key_def *k, char *out, size_t n)
{
    char lo[32], hi[32];
    switch (k->type) {
    case K_INT:
    case K_LIST:
        snprintf(out, n, "%s%" PRId64 "..%" PRId64, k->zero_ok ? "0 or " : "", k->lo, k->hi);
        break;
    case K_UINT:
        snprintf(out, n, "0..%" PRIu64, UINT64_MAX);
        break;
    case K_FLOAT:
        format_float(k->flo, lo, sizeof lo);
        format_float(k->fhi, hi, sizeof hi);
        if (isinf(k->fhi))
            snprintf(out, n, "x %s %s", k->flo_open ? ">" : ">=", lo);
        else
            snprintf(out, n, "%s %s x %s %s", lo, k->flo_open ? "<" : "<=", k->fhi_open ? "<" : "<=", hi);
        break;
    case K_ENUM: {
        size_t o = 0;
        out[0] = 0;
        for (int i = 0; k->names[i] && o < n; i++)
            o += (size_t)snprintf(out + o, n - o, "%s%s", i ? ", " : "", k->names[i]);
        break;
    }
    case K_BOOL:
        snprintf(out, n, "true, false");
        break;
    default:
        snprintf(out, n, "at most %zu bytes", k->size - 1);
    }
}

/* ---- typed setters ------------------------------------------------------
 * Each parses the scalar s[0..n) (NUL-terminated at n) for key k, stores it in
 * *c, or writes why not into `why` and returns -1.  `null` marks YAML's null. */

static int why_set(char *why, size_t nwhy, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int why_set(char *why, size_t nwhy, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, nwhy, fmt, ap);
    va_end(ap);
    return -1;
}

/* "expected X, got 'value'" (or "got null"). */
static int expected(char *why, size_t nwhy, const char *what, const char *s, size_t n, bool null)
{
    char shown[128];
    show(s, n, shown, sizeof shown);
    if (null)
        return why_set(why, nwhy, "expected %s, got null", what);
    return why_set(why, nwhy, "expected %s, got '%s'", what, shown);
}

static int check_int(const key_def *k, int64_t v, char *why, size_t nwhy)
{
    if ((k->zero_ok && v == 0) || (v >= k->lo && v <= k->hi))
        return 0;
    char r[64];
    range_text(k, r, sizeof r);
    return why_set(why, nwhy, "%" PRId64 " is out of range (%s)", v, r);
}

static int check_float(const key_def *k, float v, char *why, size_t nwhy)
{
    bool ok = isfinite(v) && (k->flo_open ? v > k->flo : v >= k->flo) && (k->fhi_open ? v < k->fhi : v <= k->fhi);
    if (ok)
        return 0;
    char r[64], s[32];
    range_text(k, r, sizeof r);
    format_float(v, s, sizeof s);
    return why_set(why, nwhy, "%s is out of range (%s)", s, r);
}

/* Parses a whole decimal integer (optional sign); *huge on overflow. */
static bool parse_int(const char *s, size_t n, bool is_unsigned, int64_t *v, uint64_t *u, bool *huge)
{
    *huge = false;
    size_t d = (!is_unsigned && n > 1 && (s[0] == '-' || s[0] == '+')) || (is_unsigned && n > 1 && s[0] == '+');
    if (n == 0 || !is_digit(s[d]))
        return false;
    char *end;
    errno = 0;
    if (is_unsigned)
        *u = strtoull(s, &end, 10);
    else
        *v = strtoll(s, &end, 10);
    if (end != s + n)
        return false;
    *huge = errno == ERANGE;
    return !*huge;
}

static int set_int(tc_config *c, const key_def *k, const char *s, size_t n, bool null, char *why, size_t nwhy)
{
    bool uns = k->type == K_UINT, huge;
    int64_t v = 0;
    uint64_t u = 0;
    if (!null && parse_int(s, n, uns, &v, &u, &huge)) {
        if (uns) {
            memcpy(field(c, k), &u, sizeof u);
            return 0;
        }
        if (check_int(k, v, why, nwhy) < 0)
            return -1;
        put_int(c, k, v);
        return 0;
    }
    if (!null && huge) {
        char r[64], shown[128];
        range_text(k, r, sizeof r);
        show(s, n, shown, sizeof shown);
        return why_set(why, nwhy, "'%s' is a huge number, out of range (%s)", shown, r);
    }
    return expected(why, nwhy, uns ? "a non-negative integer" : "an integer", s, n, null);
}

static int set_float(tc_config *c, const key_def *k, const char *s, size_t n, bool null, char *why, size_t nwhy)
{
    if (null || n == 0 || !(is_digit(s[0]) || s[0] == '-' || s[0] == '+' || s[0] == '.'))
        return expected(why, nwhy, "a number", s, n, null);
    size_t d = s[0] == '-' || s[0] == '+';
    if (n > d + 1 && s[d] == '0' && (s[d + 1] == 'x' || s[d + 1] == 'X')) /* decimal only, as integers are: */
        return expected(why, nwhy, "a decimal number", s, n, null);       /* strtof would take 0x10 = 16 */
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    if (end != s + n || isnan(v))
        return expected(why, nwhy, "a number", s, n, null);
    char shown[128];
    show(s, n, shown, sizeof shown);
    if (isinf(v) && errno != ERANGE)
        return why_set(why, nwhy, "expected a finite number, got '%s'", shown);
    if (errno == ERANGE && (isinf(v) || v == 0)) {
        char r[64];
        range_text(k, r, sizeof r);
        return why_set(why, nwhy, "'%s' is a %s number for a 32-bit float, out of range (%s)", shown,
                       v == 0 ? "tiny" : "huge", r);
    }
    if (check_float(k, v, why, nwhy) < 0)
        return -1;
    memcpy(field(c, k), &v, sizeof v);
    return 0;
}

static int set_bool(tc_config *c, const key_def *k, const char *s, size_t n, bool null, char *why, size_t nwhy)
{
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    for (int i = 0; i < 3 && !null; i++) {
        if (equal_nocase(s, n, yes[i]) || equal_nocase(s, n, no[i])) {
            put_int(c, k, equal_nocase(s, n, yes[i]));
            return 0;
        }
    }
    return expected(why, nwhy, "true or false (or yes/no, on/off)", s, n, null);
}

static int set_enum(tc_config *c, const key_def *k, const char *s, size_t n, bool null, char *why, size_t nwhy)
{
    char allowed[96], shown[128];
    range_text(k, allowed, sizeof allowed);
    for (int i = 0; k->names[i] && !null; i++) {
        if (strlen(k->names[i]) == n && memcmp(k->names[i], s, n) == 0) {
            put_int(c, k, i);
            return 0;
        }
    }
    if (null)
        return why_set(why, nwhy, "expected one of %s, got null", allowed);
    suggestion sg = {SIZE_MAX, ""};
    for (int i = 0; k->names[i]; i++)
        consider(&sg, s, n, k->names[i], strlen(k->names[i]), k->names[i], strlen(k->names[i]));
    char hint[96];
    suggestion_text(&sg, hint, sizeof hint);
    show(s, n, shown, sizeof shown);
    return why_set(why, nwhy, "'%s' is not one of %s%s", shown, allowed, hint);
}

static int set_string(tc_config *c, const key_def *k, const char *s, size_t n, bool null, char *why, size_t nwhy)
{
    if (null)
        n = 0;
    if (memchr(s, 0, n))
        return why_set(why, nwhy, "the value contains a NUL byte");
    if (n >= k->size) {
        char shown[128];
        show(s, n, shown, sizeof shown);
        return why_set(why, nwhy, "'%s' is %zu bytes long; at most %zu are allowed", shown, n, k->size - 1);
    }
    put_string(c, k, s, n);
    return 0;
}

/* A path value with ${NAME} or ${NAME:-default} replaced from the
 * environment (as a shell or docker compose does), so that a shipped config
 * can say `train: ${TEXTCLF_DATA:-../shared/data}/sst2/train.csv` and a user
 * points it at their own folder without editing it.  A '$' not followed by
 * '{' stays as it is.  The expansion goes into out (cap bytes). */
static int expand_env(const char *s, size_t n, char *out, size_t cap, size_t *outlen, char *why, size_t nwhy)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        const char *piece = s + i;
        size_t plen = 1;
        char name[128];
        if (s[i] == '$' && i + 1 < n && s[i + 1] == '{') {
            const char *close = memchr(s + i + 2, '}', n - i - 2);
            if (!close)
                return why_set(why, nwhy, "'${' without a closing '}'");
            const char *body = s + i + 2, *dash = NULL;
            size_t blen = (size_t)(close - body);
            for (size_t j = 0; j + 1 < blen; j++)
                if (body[j] == ':' && body[j + 1] == '-') {
                    dash = body + j;
                    break;
                }
            size_t nlen = dash ? (size_t)(dash - body) : blen;
            if (nlen == 0 || nlen >= sizeof name)
                return why_set(why, nwhy, "'${...}' needs a variable name of 1 to %zu characters", sizeof name - 1);
            for (size_t j = 0; j < nlen; j++)
                if (!(body[j] == '_' || (body[j] >= 'A' && body[j] <= 'Z') || (body[j] >= 'a' && body[j] <= 'z') ||
                      (j > 0 && body[j] >= '0' && body[j] <= '9')))
                    return why_set(why, nwhy, "'%.*s' is not a variable name", (int)nlen, body);
            memcpy(name, body, nlen);
            name[nlen] = 0;
            const char *val = getenv(name);
            if (val && *val) {
                piece = val, plen = strlen(val);
            } else if (dash) {
                piece = dash + 2, plen = (size_t)(close - dash - 2);
            } else {
                return why_set(why, nwhy, "the environment variable %s is not set (write ${%s:-DEFAULT} for a default)",
                               name, name);
            }
            i = (size_t)(close - s) + 1;
        } else {
            i++;
        }
        if (o + plen >= cap)
            return why_set(why, nwhy, "the path is longer than %zu bytes once expanded", cap - 1);
        memcpy(out + o, piece, plen);
        o += plen;
    }
    out[o] = 0;
    *outlen = o;
    return 0;
}

static int set_path(tc_config *c, const key_def *k, const char *s, size_t n, bool null, char *why, size_t nwhy)
{
    if (null || !memchr(s, '$', n))
        return set_string(c, k, s, n, null, why, nwhy);
    char buf[TC_PATH_MAX + 1];
    size_t len = 0;
    if (memchr(s, 0, n))
        return why_set(why, nwhy, "the value contains a NUL byte");
    if (expand_env(s, n, buf, sizeof buf, &len, why, nwhy) < 0)
        return -1;
    return set_string(c, k, buf, len, false, why, nwhy);
}

/* "an integer", "one of gap, lstm", ... for "expected ..." messages. */
static void type_what(const key_def *k, char *out, size_t n)
{
    char r[96];
    switch (k->type) {
    case K_STRING:
    case K_PATH:
        snprintf(out, n, "a string");
        break;
    case K_NAMES:
        snprintf(out, n, "a string or a list of strings");
        break;
    case K_BOOL:
        snprintf(out, n, "true or false");
        break;
    case K_INT:
        snprintf(out, n, "an integer");
        break;
    case K_UINT:
        snprintf(out, n, "a non-negative integer");
        break;
    case K_FLOAT:
        snprintf(out, n, "a number");
        break;
    case K_ENUM:
        range_text(k, r, sizeof r);
        snprintf(out, n, "one of %s", r);
        break;
    case K_LIST:
        snprintf(out, n, "a list of integers such as [64, 32]");
        break;
    }
}

/* Any scalar key; lists are set by set_list_item/put_list. */
static int set_scalar(tc_config *c, const key_def *k, const char *s, size_t n, bool null, char *why, size_t nwhy)
{
    switch (k->type) {
    case K_NAMES:
        if (memchr(s, TC_COLUMN_SEP, n))
            return why_set(why, nwhy, "a name cannot contain the control character \\x1f");
        return set_string(c, k, s, n, null, why, nwhy);
    case K_STRING:
        return set_string(c, k, s, n, null, why, nwhy);
    case K_PATH:
        return set_path(c, k, s, n, null, why, nwhy);
    case K_BOOL:
        return set_bool(c, k, s, n, null, why, nwhy);
    case K_INT:
    case K_UINT:
        return set_int(c, k, s, n, null, why, nwhy);
    case K_FLOAT:
        return set_float(c, k, s, n, null, why, nwhy);
    case K_ENUM:
        return set_enum(c, k, s, n, null, why, nwhy);
    default: {
        char what[128];
        type_what(k, what, sizeof what);
        return expected(why, nwhy, what, s, n, null);
    }
    }
}

/* One list entry into v[*count]. */
static int set_list_item(const key_def *k, const char *s, size_t n, bool null, int64_t *v, int *count, char *why,
                         size_t nwhy)
{
    int max = (int)(k->size / sizeof *v);
    if (*count >= max)
        return why_set(why, nwhy, "at most %d entries are allowed", max);
    bool huge;
    uint64_t unused;
    if (null || !parse_int(s, n, false, &v[*count], &unused, &huge)) {
        if (!null && huge) {
            char r[64], shown[128];
            range_text(k, r, sizeof r);
            show(s, n, shown, sizeof shown);
            return why_set(why, nwhy, "'%s' is a huge number, out of range (%s)", shown, r);
        }
        return expected(why, nwhy, "an integer", s, n, null);
    }
    if (check_int(k, v[*count], why, nwhy) < 0)
        return -1;
    (*count)++;
    return 0;
}

/* ---- the YAML walker ---------------------------------------------------- */

typedef struct loader {
    yaml_parser_t yp;
    const char *name; /* file name for messages; NULL for --set */
    const char *text; /* the input, to place reader errors */
    size_t len;
    tc_config *c; /* the working copy */
    tc_err *err;
    size_t key_line[N_KEYS]; /* 1-based line where a key was set; 0 = not yet */
    size_t sec_line[N_KEYS]; /* same for sections, by their first key's index */
} loader;

/* Sets "FILE:LINE:COL: KEY: what" (or "--set KEY: what"); returns -1. */
static int fail(const loader *L, yaml_mark_t m, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(const loader *L, yaml_mark_t m, const char *key, const char *fmt, ...)
{
    char loc[512], what[768];
    if (L->name)
        snprintf(loc, sizeof loc, "%s:%zu:%zu:", L->name, m.line + 1, m.column + 1);
    else
        snprintf(loc, sizeof loc, "--set");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (key && *key)
        return tc_err_set(L->err, "%s %s: %s", loc, key, what);
    return tc_err_set(L->err, "%s %s", loc, what);
}

/* The mark of byte `off` of the input (reader errors only give an offset). */
static yaml_mark_t mark_at(const loader *L, size_t off)
{
    yaml_mark_t m = {off, 0, 0};
    for (size_t i = 0; i < off && i < L->len; i++) {
        if (L->text[i] == '\n') {
            m.line++;
            m.column = 0;
        } else if (((unsigned char)L->text[i] & 0xc0) != 0x80) {
            m.column++;
        }
    }
    return m;
}

static int syntax_error(const loader *L, const char *ctx)
{
    const yaml_parser_t *p = &L->yp;
    if (p->error == YAML_MEMORY_ERROR)
        return tc_err_oom(L->err, "YAML parser");
    yaml_mark_t m = p->error == YAML_READER_ERROR ? mark_at(L, p->problem_offset) : p->problem_mark;
    char where[160] = "";
    if (!L->name)
        snprintf(where, sizeof where, " (at column %zu)", m.column + 1);
    else if (p->context)
        snprintf(where, sizeof where, " (%s at line %zu, column %zu)", p->context, p->context_mark.line + 1,
                 p->context_mark.column + 1);
    return fail(L, m, ctx, "%s: %s%s", p->error == YAML_READER_ERROR ? "invalid YAML input" : "YAML syntax error",
                p->problem ? p->problem : "unknown problem", where);
}

/* The next event; refuses aliases and anchors.  On success the caller owns
 * *ev and must yaml_event_delete() it. */
static int next_event(loader *L, const char *ctx, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&L->yp, ev))
        return syntax_error(L, ctx);
    const yaml_char_t *anchor = NULL;
    if (ev->type == YAML_SCALAR_EVENT)
        anchor = ev->data.scalar.anchor;
    else if (ev->type == YAML_SEQUENCE_START_EVENT)
        anchor = ev->data.sequence_start.anchor;
    else if (ev->type == YAML_MAPPING_START_EVENT)
        anchor = ev->data.mapping_start.anchor;
    if (ev->type == YAML_ALIAS_EVENT || anchor) {
        yaml_mark_t m = ev->start_mark;
        yaml_event_delete(ev);
        return fail(L, m, ctx, "anchors and aliases are not supported");
    }
    return 0;
}

static bool is_null(const yaml_event_t *ev)
{
    if (ev->type != YAML_SCALAR_EVENT || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    return n == 0 || (n == 1 && s[0] == '~') || equal_nocase(s, n, "null");
}

/* What a node is, for "got ..." messages. */
static const char *node_kind(const yaml_event_t *ev)
{
    if (ev->type == YAML_SEQUENCE_START_EVENT)
        return "a list";
    if (ev->type == YAML_MAPPING_START_EVENT)
        return "a mapping";
    return "something else";
}

/* Reads a sequence's entries (its start event already consumed) into key k. */
static int load_list(loader *L, const key_def *k)
{
    int64_t v[TC_MAX_HIDDEN];
    int count = 0;
    for (;;) {
        yaml_event_t ev;
        if (next_event(L, k->name, &ev) < 0)
            return -1;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            put_list(L->c, k, v, count);
            return 0;
        }
        char why[512], item[KEY_NAME_MAX + 16];
        snprintf(item, sizeof item, "%s[%d]", k->name, count);
        int rc = ev.type == YAML_SCALAR_EVENT
            ? set_list_item(k, (const char *)ev.data.scalar.value, ev.data.scalar.length, is_null(&ev), v, &count, why,
                            sizeof why)
            : why_set(why, sizeof why, "expected an integer, got %s", node_kind(&ev));
        yaml_mark_t m = ev.start_mark;
        yaml_event_delete(&ev);
        if (rc < 0)
            return fail(L, m, item, "%s", why);
    }
}

/* Reads a sequence of names (its start event already consumed) into K_NAMES
 * key k: each one non-empty, joined by TC_COLUMN_SEP into the one field. */
static int load_names(loader *L, const key_def *k, yaml_mark_t start)
{
    char joined[TC_NAME_MAX], why[512], item[KEY_NAME_MAX + 16];
    size_t len = 0;
    int count = 0;
    for (;; count++) {
        yaml_event_t ev;
        if (next_event(L, k->name, &ev) < 0)
            return -1;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            if (count == 0)
                return fail(L, start, k->name, "an empty list; name at least one column");
            put_string(L->c, k, joined, len);
            return 0;
        }
        yaml_mark_t m = ev.start_mark;
        snprintf(item, sizeof item, "%s[%d]", k->name, count);
        const char *s = (const char *)ev.data.scalar.value;
        size_t n = ev.type == YAML_SCALAR_EVENT ? ev.data.scalar.length : 0;
        int rc = 0;
        if (ev.type != YAML_SCALAR_EVENT || is_null(&ev) || n == 0)
            rc = why_set(why, sizeof why, "expected a non-empty name, got %s",
                         ev.type == YAML_SCALAR_EVENT ? "an empty value" : node_kind(&ev));
        else if (memchr(s, 0, n) || memchr(s, TC_COLUMN_SEP, n))
            rc = why_set(why, sizeof why, "a name cannot contain NUL or \\x1f");
        else if (len + (count > 0) + n >= sizeof joined)
            rc = why_set(why, sizeof why, "the names add up to more than %zu bytes", sizeof joined - 1);
        if (rc == 0) {
            if (count > 0)
                joined[len++] = TC_COLUMN_SEP;
            memcpy(joined + len, s, n);
            len += n;
        }
        yaml_event_delete(&ev);
        if (rc < 0)
            return fail(L, m, item, "%s", why);
    }
}

/* Applies the node starting with *ev (which this takes ownership of) to key k. */
static int load_value(loader *L, const key_def *k, yaml_event_t *ev)
{
    char why[512];
    yaml_mark_t m = ev->start_mark;
    int rc;
    if (k->type == K_LIST && ev->type == YAML_SEQUENCE_START_EVENT) {
        yaml_event_delete(ev);
        return load_list(L, k);
    }
    if (k->type == K_NAMES && ev->type == YAML_SEQUENCE_START_EVENT) {
        yaml_event_delete(ev);
        return load_names(L, k, m);
    }
    if (ev->type == YAML_SCALAR_EVENT) {
        rc = set_scalar(L->c, k, (const char *)ev->data.scalar.value, ev->data.scalar.length, is_null(ev), why,
                        sizeof why);
    } else {
        char what[128];
        type_what(k, what, sizeof what);
        rc = why_set(why, sizeof why, "expected %s, got %s", what, node_kind(ev));
    }
    yaml_event_delete(ev);
    return rc < 0 ? fail(L, m, k->name, "%s", why) : 0;
}

static int load_mapping(loader *L, const char *prefix);

/* A section's value: a mapping of its keys, or null (empty section). */
static int load_section(loader *L, const char *full, yaml_event_t *ev)
{
    yaml_mark_t m = ev->start_mark;
    if (ev->type == YAML_MAPPING_START_EVENT) {
        yaml_event_delete(ev);
        return load_mapping(L, full);
    }
    bool null = is_null(ev);
    char got[160] = "";
    if (ev->type == YAML_SCALAR_EVENT) {
        char shown[128];
        show((const char *)ev->data.scalar.value, ev->data.scalar.length, shown, sizeof shown);
        snprintf(got, sizeof got, "'%s'", shown);
    }
    const char *kind = node_kind(ev);
    yaml_event_delete(ev);
    if (null)
        return 0;
    return fail(L, m, full, "expected a mapping of %s.* keys, got %s", full, got[0] ? got : kind);
}

/* One "key: value" pair of the mapping at `prefix`; *ev is the key event. */
static int load_pair(loader *L, const char *prefix, yaml_event_t *ev)
{
    yaml_mark_t m = ev->start_mark;
    if (ev->type != YAML_SCALAR_EVENT) {
        yaml_event_delete(ev);
        return fail(L, m, prefix, "keys must be plain names, not lists or mappings");
    }
    char key[KEY_NAME_MAX + 1], full[2 * KEY_NAME_MAX + 2], shown[128], hint[96];
    size_t n = ev->data.scalar.length;
    show((const char *)ev->data.scalar.value, n, shown, sizeof shown);
    bool fits = n <= KEY_NAME_MAX && !memchr(ev->data.scalar.value, 0, n);
    if (fits)
        memcpy(key, ev->data.scalar.value, n);
    key[fits ? n : 0] = 0;
    yaml_event_delete(ev);
    snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "." : "", key);
    const key_def *k = fits ? find_key(full, strlen(full)) : NULL;
    int sec = fits && !k ? find_section(full, strlen(full)) : -1;
    if (!k && sec < 0) {
        snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "." : "", shown);
        suggestion sg;
        suggest(prefix, key, fits ? n : 0, false, &sg);
        suggestion_text(&sg, hint, sizeof hint);
        return fail(L, m, full, "unknown %s%s", *prefix ? "key" : "section", hint);
    }
    if (strchr(key, '.'))
        return fail(L, m, full, "dotted names are for --set; in YAML, nest the key inside its section");
    size_t *line = k ? &L->key_line[k - KEYS] : &L->sec_line[sec];
    if (*line)
        return fail(L, m, full, "duplicate key (first given at line %zu)", *line);
    *line = m.line + 1;
    yaml_event_t val;
    if (next_event(L, full, &val) < 0)
        return -1;
    return k ? load_value(L, k, &val) : load_section(L, full, &val);
}

/* The pairs of a mapping whose start event was consumed, up to its end. */
static int load_mapping(loader *L, const char *prefix)
{
    for (;;) {
        yaml_event_t ev;
        if (next_event(L, prefix, &ev) < 0)
            return -1;
        if (ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        if (load_pair(L, prefix, &ev) < 0)
            return -1;
    }
}

/* The document's root node: a mapping of sections, or null (all defaults). */
static int load_root(loader *L, yaml_event_t *ev)
{
    if (ev->type == YAML_MAPPING_START_EVENT) {
        yaml_event_delete(ev);
        return load_mapping(L, "");
    }
    bool null = is_null(ev);
    yaml_mark_t m = ev->start_mark;
    char got[160];
    if (ev->type == YAML_SCALAR_EVENT) {
        char shown[128];
        show((const char *)ev->data.scalar.value, ev->data.scalar.length, shown, sizeof shown);
        snprintf(got, sizeof got, "'%s'", shown);
    } else {
        snprintf(got, sizeof got, "%s", node_kind(ev));
    }
    yaml_event_delete(ev);
    if (null)
        return 0;
    return fail(L, m, NULL, "the top level must be a mapping of sections (data:, model:, train:, ...), got %s", got);
}

/* --set only: a value with text that YAML reads as empty ("|", "#x", "---")
 * was surely meant literally; ask for quotes rather than store "". */
static int check_lost_value(const loader *L, const key_def *k, const yaml_event_t *ev, yaml_mark_t m)
{
    if (ev &&
        !(ev->type == YAML_SCALAR_EVENT && ev->data.scalar.length == 0 &&
          ev->data.scalar.style != YAML_SINGLE_QUOTED_SCALAR_STYLE &&
          ev->data.scalar.style != YAML_DOUBLE_QUOTED_SCALAR_STYLE))
        return 0;
    size_t i = 0;
    while (i < L->len && (L->text[i] == ' ' || L->text[i] == '\t'))
        i++;
    if (i == L->len)
        return 0;
    char shown[128];
    show(L->text + i, L->len - i, shown, sizeof shown);
    return fail(L, m, k->name, "'%s' reads as an empty YAML value; put it in quotes", shown);
}

/* The whole stream: nothing, or exactly one document.  For --set (`k` set)
 * the document is the value of k and an empty stream means null. */
static int load_stream(loader *L, const key_def *k)
{
    const char *ctx = k ? k->name : "";
    yaml_event_t ev;
    if (next_event(L, ctx, &ev) < 0) /* stream start */
        return -1;
    yaml_event_delete(&ev);
    if (next_event(L, ctx, &ev) < 0)
        return -1;
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_mark_t m = ev.start_mark;
        yaml_event_delete(&ev);
        char why[512];
        if (k && check_lost_value(L, k, NULL, m) < 0)
            return -1;
        if (k && set_scalar(L->c, k, "", 0, true, why, sizeof why) < 0)
            return fail(L, m, k->name, "%s", why);
        return 0;
    }
    yaml_event_delete(&ev); /* document start */
    if (next_event(L, ctx, &ev) < 0)
        return -1;
    if (k && check_lost_value(L, k, &ev, ev.start_mark) < 0) {
        yaml_event_delete(&ev);
        return -1;
    }
    if ((k ? load_value(L, k, &ev) : load_root(L, &ev)) < 0)
        return -1;
    if (next_event(L, ctx, &ev) < 0) /* document end */
        return -1;
    yaml_event_delete(&ev);
    if (next_event(L, ctx, &ev) < 0)
        return -1;
    yaml_mark_t m = ev.start_mark;
    bool end = ev.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&ev);
    if (!end)
        return fail(L, m, k ? k->name : NULL, "%s",
                    k ? "the value must be a single YAML value" : "only one YAML document is allowed");
    return 0;
}

/* Runs load_stream over text[0..len) on a copy of *c; commits on success. */
static int run_loader(tc_config *c, const char *text, size_t len, const char *name, const key_def *k, tc_err *err)
{
    loader *L = calloc(1, sizeof *L);
    tc_config *work = malloc(sizeof *work);
    if (!L || !work || !yaml_parser_initialize(&L->yp)) {
        free(L);
        free(work);
        return tc_err_oom(err, "YAML parser");
    }
    *work = *c;
    L->name = name;
    L->text = text;
    L->len = len;
    L->c = work;
    L->err = err;
    yaml_parser_set_input_string(&L->yp, (const unsigned char *)text, len);
    int rc = load_stream(L, k);
    if (rc == 0)
        *c = *work;
    yaml_parser_delete(&L->yp);
    free(L);
    free(work);
    return rc;
}

int tc_config_load_string(tc_config *c, const char *yaml, size_t len, const char *name, tc_err *err)
{
    return run_loader(c, yaml, len, name ? name : "<string>", NULL, err);
}

/* Reads all of f into a malloc'd buffer (pipes too); -1 if over `limit`. */
static int read_all(FILE *f, size_t limit, char **out, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || cap > limit)
            break;
        char *grown = realloc(buf, 2 * cap);
        if (!grown)
            free(buf);
        buf = grown;
        cap *= 2;
    }
    *out = buf;
    *len = n;
    return buf && n <= limit ? 0 : -1;
}

/* A relative input path the file just set is taken relative to the file's
 * folder: data.train/valid/test and model.pretrained name data that lives with
 * the config, wherever the command runs.  Output paths (output.*) stay
 * relative to the working directory, like -o.  "-" (standard input) and paths
 * the file did not set are left alone. */
static int resolve_inputs(tc_config *c, const tc_config *before, const char *path, tc_err *err)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return 0;
    int dirlen = (int)(slash - path);
    struct {
        char *now;
        const char *was, *key;
    } in[] = {{c->data.train, before->data.train, "data.train"},
              {c->data.valid, before->data.valid, "data.valid"},
              {c->data.test, before->data.test, "data.test"},
              {c->model.pretrained, before->model.pretrained, "model.pretrained"}};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        char *p = in[i].now;
        if (!p[0] || p[0] == '/' || !strcmp(p, "-") || !strcmp(p, in[i].was))
            continue;
        char joined[TC_PATH_MAX];
        int n = snprintf(joined, sizeof joined, "%.*s/%s", dirlen, path, p);
        if (n < 0 || (size_t)n >= sizeof joined)
            return tc_err_set(err, "%s: %s: path too long once joined to the config's folder", path, in[i].key);
        memcpy(p, joined, (size_t)n + 1);
    }
    return 0;
}

int tc_config_load_file(tc_config *c, const char *path, tc_err *err)
{
    enum { LIMIT = 16 << 20 };
    FILE *f = fopen(path, "rb");
    if (!f)
        return tc_err_set(err, "%s: cannot open: %s", path, strerror(errno));
    char *buf;
    size_t n;
    int rc = read_all(f, LIMIT, &buf, &n);
    int bad = ferror(f), saved = errno;
    fclose(f);
    if (!buf)
        rc = tc_err_oom(err, "config file");
    else if (bad)
        rc = tc_err_set(err, "%s: cannot read: %s", path, strerror(saved));
    else if (rc < 0)
        rc = tc_err_set(err, "%s: larger than %d MiB; not a config file?", path, LIMIT >> 20);
    else {
        tc_config *before = malloc(sizeof *before);
        if (!before)
            rc = tc_err_oom(err, "config");
        else {
            *before = *c;
            rc = tc_config_load_string(c, buf, n, path, err);
            if (rc == 0)
                rc = resolve_inputs(c, before, path, err);
            free(before);
        }
    }
    free(buf);
    return rc;
}

int tc_config_set(tc_config *c, const char *assignment, tc_err *err)
{
    const char *eq = strchr(assignment, '=');
    const char *a = assignment, *e = eq ? eq : assignment + strlen(assignment);
    while (a < e && (*a == ' ' || *a == '\t'))
        a++;
    while (e > a && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    char shown[128];
    show(a, (size_t)(e - a), shown, sizeof shown);
    if (!eq)
        return tc_err_set(err, "--set %s: missing '=' (expected section.key=value)", shown);
    const key_def *k = find_key(a, (size_t)(e - a));
    if (!k) {
        const char *dot = a;
        for (const char *p = a; p < e; p++)
            if (*p == '.')
                dot = p;
        char prefix[KEY_NAME_MAX + 1] = "", hint[96];
        if (dot > a && (size_t)(dot - a) <= KEY_NAME_MAX) {
            memcpy(prefix, a, (size_t)(dot - a));
            prefix[dot - a] = 0;
        }
        const char *leaf = dot > a ? dot + 1 : a;
        suggestion sg;
        suggest(prefix, leaf, (size_t)(e - leaf), true, &sg);
        suggestion_text(&sg, hint, sizeof hint);
        return tc_err_set(err, "--set %s: unknown key%s", shown, hint);
    }
    /* "-" (standard input) would read as a YAML list of one null */
    const char *val = strcmp(eq + 1, "-") == 0 ? "\"-\"" : eq + 1;
    return run_loader(c, val, strlen(val), NULL, k, err);
}

/* ---- checks on a stored config ------------------------------------------ */

/* Re-checks one key's stored value (the struct may come from code, not YAML). */
static int check_stored(const tc_config *c, const key_def *k, char *why, size_t nwhy)
{
    switch (k->type) {
    case K_STRING:
    case K_PATH:
    case K_NAMES:
        if (!memchr(cfield(c, k), 0, k->size))
            return why_set(why, nwhy, "not NUL-terminated");
        return 0;
    case K_BOOL:
        return get_int(c, k) == 0 || get_int(c, k) == 1 ? 0 : why_set(why, nwhy, "not 0 or 1");
    case K_ENUM: {
        int64_t v = get_int(c, k), n = 0;
        while (k->names[n])
            n++;
        return v >= 0 && v < n ? 0 : why_set(why, nwhy, "%" PRId64 " is not a valid value", v);
    }
    case K_INT:
        return check_int(k, get_int(c, k), why, nwhy);
    case K_FLOAT:
        return check_float(k, get_float(c, k), why, nwhy);
    case K_LIST: {
        int n = get_count(c, k);
        if (n < 0 || (size_t)n > k->size / sizeof(int64_t))
            return why_set(why, nwhy, "%d entries; at most %zu are allowed", n, k->size / sizeof(int64_t));
        const int64_t *v = cfield(c, k);
        for (int i = 0; i < n; i++)
            if (check_int(k, v[i], why, nwhy) < 0)
                return -1;
        return 0;
    }
    default:
        return 0;
    }
}

/* Is `spec` a 0-based column index (as the CSV reader parses it)? */
static bool is_column_index(const char *spec)
{
    char *end;
    errno = 0;
    long long v = strtoll(spec, &end, 10);
    return *spec && !*end && errno == 0 && v >= 0;
}

/* One text column name t (of data.text_column's list) against label column l. */
static int check_column(const tc_config *c, const char *t, const char *l, tc_err *err)
{
    if (!*t || !*l)
        return tc_err_set(err, "data.%s_column is empty; name a header column or give a 0-based index",
                          *t ? "label" : "text");
    if (strcmp(t, l) == 0)
        return tc_err_set(err, "data.label_column: '%s' is also data.text_column", l);
    if (!c->data.header && c->data.format != TC_FMT_JSONL && (!is_column_index(t) || !is_column_index(l)))
        return tc_err_set(err, "data.%s_column: '%s' is a column name, but data.header is false (use a 0-based index)",
                          is_column_index(t) ? "label" : "text", is_column_index(t) ? l : t);
    return 0;
}

static int check_columns(const tc_config *c, tc_err *err)
{
    char t[TC_NAME_MAX];
    const char *p = c->data.text_column;
    for (;;) {
        size_t n = strcspn(p, (char[]){TC_COLUMN_SEP, 0});
        memcpy(t, p, n);
        t[n] = 0;
        if (check_column(c, t, c->data.label_column, err) < 0)
            return -1;
        if (!p[n])
            return 0;
        p += n + 1;
    }
}

static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* tokenizer.char_ngrams is [] or [min, max]; tokenizer.filters is UTF-8. */
static int check_tokenizer(const tc_config *c, tc_err *err)
{
    const int64_t *g = c->tokenizer.char_ngrams;
    if (c->tokenizer.n_char_ngrams == 1 || (c->tokenizer.n_char_ngrams == 2 && g[0] > g[1]))
        return tc_err_set(err, "tokenizer.char_ngrams: expected [] or [min, max] with min <= max, e.g. [3, 6]");
    const unsigned char *f = (const unsigned char *)c->tokenizer.filters;
    for (size_t i = 0, n = strlen(c->tokenizer.filters); i < n;) {
        uint32_t cp;
        size_t k = utf8_decode(f + i, n - i, &cp);
        if (k == 0)
            return tc_err_set(err, "tokenizer.filters: not valid UTF-8 (byte %zu)", i + 1);
        i += k;
    }
    return 0;
}

int tc_config_validate(const tc_config *c, tc_err *err)
{
    char why[512];
    for (size_t i = 0; i < N_KEYS; i++)
        if (check_stored(c, &KEYS[i], why, sizeof why) < 0)
            return tc_err_set(err, "%s: %s", KEYS[i].name, why);
    if (!c->data.train[0])
        return tc_err_set(err, "data.train is required");
    if (!c->output.model[0])
        return tc_err_set(err, "output.model is required");
    if (c->output.quantize.method == TC_QUANT_PQ && c->model.embedding_dim % c->output.quantize.dsub)
        return tc_err_set(err, "output.quantize.dsub: %lld does not divide model.embedding_dim %lld",
                          (long long)c->output.quantize.dsub, (long long)c->model.embedding_dim);
    if (c->data.format != TC_FMT_FASTTEXT && check_columns(c, err) < 0)
        return -1;
    if (c->model.head == TC_HEAD_SOFTMAX && c->data.label_separator[0])
        return tc_err_set(err, "model.head: softmax needs one label per row; data.label_separator is set");
    if (check_tokenizer(c, err) < 0)
        return -1;
    if (c->data.valid[0] && c->train.validation_split > 0)
        return tc_err_set(err, "train.validation_split: data.valid is set too; use one or the other");
    int has_valid = c->data.valid[0] || c->train.validation_split > 0;
    if (!has_valid && (c->train.early_stopping.patience > 0 || c->output.save_best))
        return tc_err_set(err, "%s needs validation data: set data.valid or train.validation_split",
                          c->output.save_best ? "output.save_best" : "train.early_stopping");
    if (c->train.tune_thresholds && !has_valid)
        return tc_err_set(err, "train.tune_thresholds needs validation data: set data.valid or train.validation_split");
    if (!strcmp(c->output.checkpoint, c->output.model) || !strcmp(c->output.metrics, c->output.model))
        return tc_err_set(err, "output.%s: must differ from output.model",
                          !strcmp(c->output.checkpoint, c->output.model) ? "checkpoint" : "metrics");
    return 0;
}

/* ---- printing ----------------------------------------------------------- */

/* Decodes one UTF-8 character at s (n bytes left); returns its length, or 0
 * when the bytes are not valid UTF-8 (overlongs and surrogates included). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len = 0;
    if (s[0] < 0x80)
        len = 1;
    else if (s[0] >= 0xc2 && s[0] < 0xe0)
        len = 2;
    else if (s[0] >= 0xe0 && s[0] < 0xf0)
        len = 3;
    else if (s[0] >= 0xf0 && s[0] < 0xf5)
        len = 4;
    if (len == 0 || len > n)
        return 0;
    uint32_t v = len == 1 ? s[0] : s[0] & (0x3f >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v < 0xe000))
        return 0;
    *cp = v;
    return len;
}

/* The two-character YAML escape of cp, or NULL. */
static const char *short_escape(uint32_t cp)
{
    switch (cp) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\n':
        return "\\n";
    case '\t':
        return "\\t";
    case '\r':
        return "\\r";
    default:
        return NULL;
    }
}

/* Writes s as a YAML double-quoted scalar; escapes everything libyaml would
 * not read back verbatim (controls, line breaks U+0085/2028/2029, BOM, ...). */
static int put_quoted(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_decode(p + i, n - i, &cp);
        if (len == 0)
            return -1;
        const char *esc = short_escape(cp);
        if (esc)
            fputs(esc, f);
        else if (cp < 0x20 || cp == 0x7f)
            fprintf(f, "\\x%02X", (unsigned)cp);
        else if ((cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff || cp == 0xfffe ||
                 cp == 0xffff)
            fprintf(f, "\\u%04X", (unsigned)cp);
        else
            fwrite(p + i, 1, len, f);
        i += len;
    }
    fputc('"', f);
    return 0;
}

/* A K_NAMES value: one quoted string, or a flow list of them. */
static int put_names(FILE *f, const char *s)
{
    if (!strchr(s, TC_COLUMN_SEP))
        return put_quoted(f, s);
    char item[TC_NAME_MAX];
    fputc('[', f);
    for (int i = 0;; i++) {
        size_t n = strcspn(s, (char[]){TC_COLUMN_SEP, 0});
        memcpy(item, s, n);
        item[n] = 0;
        if ((i && fputs(", ", f) == EOF) || put_quoted(f, item) < 0)
            return -1;
        if (!s[n])
            break;
        s += n + 1;
    }
    fputc(']', f);
    return 0;
}

/* Writes key k's value of *c as YAML; -1 with `why` if it cannot be. */
static int put_value(FILE *f, const tc_config *c, const key_def *k, char *why, size_t nwhy)
{
    if (check_stored(c, k, why, nwhy) < 0)
        return -1;
    char num[32];
    switch (k->type) {
    case K_STRING:
    case K_PATH:
        return put_quoted(f, cfield(c, k)) < 0 ? why_set(why, nwhy, "not valid UTF-8; cannot be written as YAML") : 0;
    case K_NAMES:
        return put_names(f, cfield(c, k)) < 0 ? why_set(why, nwhy, "not valid UTF-8; cannot be written as YAML") : 0;
    case K_BOOL:
        fputs(get_int(c, k) ? "true" : "false", f);
        return 0;
    case K_ENUM:
        fputs(k->names[get_int(c, k)], f);
        return 0;
    case K_INT:
        fprintf(f, "%" PRId64, get_int(c, k));
        return 0;
    case K_UINT:
        fprintf(f, "%" PRIu64, (uint64_t)get_int(c, k));
        return 0;
    case K_FLOAT:
        format_float(get_float(c, k), num, sizeof num);
        fputs(num, f);
        return 0;
    case K_LIST: {
        const int64_t *v = cfield(c, k);
        fputc('[', f);
        for (int i = 0; i < get_count(c, k); i++)
            fprintf(f, "%s%" PRId64, i ? ", " : "", v[i]);
        fputc(']', f);
        return 0;
    }
    }
    return 0;
}

/* Number of leading dotted components a and b's sections share. */
static size_t shared_sections(const char *a, const char *b)
{
    size_t n = 0;
    for (size_t i = 0; a[i] && a[i] == b[i]; i++)
        if (a[i] == '.')
            n++;
    return n;
}

static size_t section_depth(const char *name)
{
    size_t n = 0;
    for (; *name; name++)
        n += *name == '.';
    return n;
}

/* Writes the mapping headers between key `prev` (NULL at first) and k. */
static void put_headers(FILE *f, const char *prev, const char *k)
{
    size_t keep = prev ? shared_sections(prev, k) : 0, depth = section_depth(k);
    const char *part = k;
    for (size_t d = 0; d < depth; d++) {
        size_t len = strcspn(part, ".");
        if (d >= keep)
            fprintf(f, "%*s%.*s:\n", (int)(2 * d), "", (int)len, part);
        part += len + 1;
    }
}

char *tc_config_to_yaml(const tc_config *c, tc_err *err)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f) {
        tc_err_oom(err, "config YAML");
        return NULL;
    }
    fputs("# textclf configuration (every key; `textclf train --help-config` explains them)\n", f);
    int rc = 0;
    for (size_t i = 0; i < N_KEYS && rc == 0; i++) {
        const key_def *k = &KEYS[i];
        char why[512];
        put_headers(f, i ? KEYS[i - 1].name : NULL, k->name);
        fprintf(f, "%*s%s: ", (int)(2 * section_depth(k->name)), "", strrchr(k->name, '.') + 1);
        if (put_value(f, c, k, why, sizeof why) < 0)
            rc = tc_err_set(err, "%s: %s", k->name, why);
        fputc('\n', f);
    }
    if (ferror(f) && rc == 0)
        rc = tc_err_oom(err, "config YAML");
    if (fclose(f) != 0 && rc == 0)
        rc = tc_err_oom(err, "config YAML");
    if (rc < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static const char *type_name(const key_def *k)
{
    static const char *const names[] = {"string", "path", "bool",     "int",    "uint64",
                                        "float",  "enum", "int list", "strings"};
    return names[k->type];
}

/* Default of k as it would be written in YAML (short values only). */
static void default_text(const tc_config *defaults, const key_def *k, char *out, size_t n)
{
    FILE *f = fmemopen(out, n, "w");
    char why[256];
    if (!f || put_value(f, defaults, k, why, sizeof why) < 0 || fclose(f) != 0) {
        snprintf(out, n, "?");
        return;
    }
}

/* text indented by `indent` spaces, broken at spaces so that no line is
 * wider than REFERENCE_WIDTH columns (a longer single word stays whole) */
#define REFERENCE_WIDTH 100
static void print_wrapped(FILE *out, int indent, const char *text)
{
    int room = REFERENCE_WIDTH - indent > 20 ? REFERENCE_WIDTH - indent : 20;
    while (*text) {
        int n = (int)strlen(text);
        if (n > room) {
            n = room;
            while (n > 0 && text[n] != ' ')
                n--;
            if (n == 0)
                n = (int)strcspn(text, " ");
        }
        fprintf(out, "%*s%.*s\n", indent, "", n, text);
        text += n;
        while (*text == ' ')
            text++;
    }
}

void tc_config_print_reference(FILE *out)
{
    tc_config d;
    tc_config_defaults(&d);
    char def[N_KEYS][48], allowed[96];
    int wname = 0, wdef = 0;
    for (size_t i = 0; i < N_KEYS; i++) {
        default_text(&d, &KEYS[i], def[i], sizeof def[i]);
        int nn = (int)strlen(KEYS[i].name), nd = (int)strlen(def[i]);
        wname = nn > wname ? nn : wname;
        wdef = nd > wdef ? nd : wdef;
    }
    fprintf(out,
            "Configuration keys.  In a YAML file each key sits inside its section:\n"
            "    train:\n      epochs: 10\n"
            "On the command line:  --set train.epochs=10   (the value is read as YAML).\n"
            "Paths are relative to the current directory; ${NAME} and ${NAME:-default} in a path\n"
            "come from the environment (the shipped configs use ${TEXTCLF_DATA:-../shared/data}).\n\n");
    fprintf(out, "  %-*s  %-8s  %-*s  %s\n", wname, "KEY", "TYPE", wdef, "DEFAULT", "ALLOWED");
    for (size_t i = 0; i < N_KEYS; i++) {
        const key_def *k = &KEYS[i];
        if (i && shared_sections(KEYS[i - 1].name, k->name) == 0)
            fputc('\n', out);
        range_text(k, allowed, sizeof allowed);
        if (k->type == K_LIST)
            snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), " each, at most %zu entries",
                     k->size / sizeof(int64_t));
        const char *al = k->type == K_UINT ? "any" : allowed;
        if (2 + wname + 2 + 8 + 2 + wdef + 2 + (int)strlen(al) <= 100)
            fprintf(out, "  %-*s  %-8s  %-*s  %s\n", wname, k->name, type_name(k), wdef, def[i], al);
        else /* a long list of values goes on its own line, under the help */
            fprintf(out, "  %-*s  %-8s  %s\n%*s%s\n", wname, k->name, type_name(k), def[i], wname + 4, "", al);
        print_wrapped(out, wname + 4, k->help);
    }
}
