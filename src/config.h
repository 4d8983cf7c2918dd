/* config.h — the resolved configuration of a run: one struct, every key
 * defaulted, typed and validated.
 *
 * A config comes from YAML (a file, or the text stored inside a checkpoint),
 * then `--set section.key=value` overrides, then tc_config_validate().  Every
 * key lives in one table in config.c (name, type, default, range, help), which
 * drives parsing, --set, validation messages, the reference printed by
 * `textclf train --help-config`, and serialisation back to YAML.
 *
 * Relative input paths in a config file (data.train, data.valid, data.test,
 * model.pretrained) are relative to the file's folder; output paths and paths
 * given with --set are relative to the current directory. */
#ifndef TC_CONFIG_H
#define TC_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "util/err.h"

#define TC_PATH_MAX 4096
#define TC_NAME_MAX 256
#define TC_MAX_HIDDEN 8

/* TC_FMT_LINES is for readers only (predict's plain-text input: one field per
 * line); it is not a value of data.format. */
enum tc_format { TC_FMT_CSV, TC_FMT_TSV, TC_FMT_FASTTEXT, TC_FMT_JSONL, TC_FMT_LINES };
enum tc_split { TC_SPLIT_UNICODE, TC_SPLIT_WHITESPACE };
enum tc_cjk { TC_CJK_CHAR, TC_CJK_BIGRAM, TC_CJK_CHAR_BIGRAM };
enum tc_digits { TC_DIGITS_KEEP, TC_DIGITS_ZERO };

/* data.text_column may name several columns; they are stored in the one
 * string, separated by this byte (which a column name cannot contain). */
#define TC_COLUMN_SEP '\x1f'
enum tc_on_error { TC_ONERR_ERROR, TC_ONERR_SKIP };
enum tc_side { TC_PRE, TC_POST };
enum tc_encoder { TC_ENC_GAP, TC_ENC_LSTM };
enum tc_head { TC_HEAD_AUTO, TC_HEAD_SOFTMAX, TC_HEAD_SIGMOID };
enum tc_optim { TC_OPT_ADAM, TC_OPT_SGD };
enum tc_lstm_output { TC_LSTM_LAST, TC_LSTM_MEAN, TC_LSTM_MAX };
enum tc_lr_schedule { TC_LR_CONSTANT, TC_LR_LINEAR, TC_LR_STEP, TC_LR_EXPONENTIAL };
enum tc_monitor { TC_MON_VAL_LOSS, TC_MON_VAL_ACCURACY, TC_MON_VAL_MACRO_F1, TC_MON_VAL_MICRO_F1 };
enum tc_class_weight { TC_CW_NONE, TC_CW_BALANCED };
enum tc_quantize_method { TC_QUANT_NONE, TC_QUANT_INT8, TC_QUANT_PQ };

typedef struct tc_config {
    struct {
        char train[TC_PATH_MAX];        /* required for `train` */
        char valid[TC_PATH_MAX];        /* "" = none */
        char test[TC_PATH_MAX];         /* "" = none; evaluated after training */
        enum tc_format format;          /* csv | tsv | fasttext | jsonl     (csv) */
        int header;                     /* first row names the columns      (true) */
        char text_column[TC_NAME_MAX];  /* header name / 0-based index, or several joined by TC_COLUMN_SEP ("text") */
        char label_column[TC_NAME_MAX]; /* header name, or 0-based index    ("label") */
        char label_separator[16];       /* "" = one label per row; e.g. "|" (""), multi-label */
        enum tc_on_error on_error;      /* error | skip                     (error) */
    } data;
    struct {
        int normalize;             /* NFKC normalisation               (true) */
        int lowercase;             /* Unicode case folding             (true) */
        int keep_punct;            /* punctuation → one-char tokens    (false) */
        int keep_symbols;          /* symbols/emoji → one-char tokens  (false) */
        int64_t num_words;         /* Keras meaning: ids < num_words kept; 0 = all (0) */
        int64_t min_count;         /* drop words seen fewer times      (1) */
        enum tc_split split;       /* unicode | whitespace             (unicode) */
        enum tc_cjk cjk;           /* char | bigram | char+bigram      (char) */
        int strip_accents;         /* NFD, drop nonspacing marks       (false) */
        enum tc_digits digits;     /* keep | zero: digit runs → "0"    (keep) */
        char filters[TC_NAME_MAX]; /* Keras filters: these characters separate ("") */
        int64_t ngrams;            /* word n-grams up to this, hashed  (1) */
        int64_t char_ngrams[2];    /* [min, max] character n-grams, hashed ([]) */
        int n_char_ngrams;         /* 0 (off) or 2 */
        int64_t buckets;           /* hash buckets = extra embedding rows (200000) */
        int64_t feature_min_count; /* drop hashed features seen fewer times (1) */
    } tokenizer;
    struct {
        int64_t maxlen;          /* 0 = longest training sequence    (0) */
        enum tc_side padding;    /* pre | post                       (pre) */
        enum tc_side truncating; /* pre | post                       (pre) */
    } pad;
    struct {
        enum tc_encoder encoder;       /* gap | lstm                       (gap) */
        int64_t embedding_dim;         /*                                  (64) */
        int64_t hidden[TC_MAX_HIDDEN]; /* dense ReLU layer sizes           ([]) */
        int n_hidden;
        enum tc_head head;            /* auto | softmax | sigmoid         (auto) */
        float threshold;              /* sigmoid decision threshold       (0.5) */
        float dropout;                /* inverted dropout, embedding output and hidden layers (0) */
        int freeze_embedding;         /* never update the embedding       (false) */
        char pretrained[TC_PATH_MAX]; /* word vectors (.vec text format) for the embedding ("") */
        struct {
            int64_t units;              /*                                  (128) */
            int64_t layers;             /* stacked layers, >= 1             (1) */
            int bidirectional;          /*                                  (false) */
            enum tc_lstm_output output; /* last | mean | max                (last) */
            float dropout;              /* on inputs between layers, [0,1)  (0) */
        } lstm;
    } model;
    struct {
        enum tc_optim optimizer;           /* adam | sgd                       (adam) */
        float lr;                          /* 0 = optimizer default (adam 0.001, sgd 0.01) (0) */
        float beta1, beta2, epsilon;       /* Keras Adam defaults (0.9, 0.999, 1e-7) */
        float clipnorm;                    /* global gradient-norm clip, 0 = off (0) */
        int64_t epochs;                    /*                                  (5) */
        int64_t batch_size;                /*                                  (32) */
        uint64_t seed;                     /*                                  (42) */
        int shuffle;                       /* reshuffle every epoch            (true) */
        int bucket;                        /* similar-length rows share a batch (false) */
        int64_t threads;                   /* worker threads, 0 = all cores    (0) */
        int64_t shards;                    /* fixed split of every batch       (4) */
        int hogwild;                       /* lock-free, non-deterministic     (false) */
        float validation_split;            /* held-out fraction when no data.valid (0) */
        enum tc_lr_schedule lr_schedule;   /* constant | linear | step | exponential (constant) */
        float lr_decay;                    /* step/exponential factor per period (0.5) */
        int64_t lr_decay_epochs;           /* the period, in epochs            (1) */
        float warmup_epochs;               /* linear warm-up, in epochs        (0) */
        float weight_decay;                /* decoupled, kernels only          (0) */
        enum tc_class_weight class_weight; /* none | balanced                  (none) */
        int tune_thresholds;               /* multi-label: per-label thresholds from validation (false) */
        struct {
            enum tc_monitor monitor; /* val_loss | val_accuracy | val_macro_f1 | val_micro_f1 (val_loss) */
            int64_t patience;        /* epochs without improvement; 0 = off (0) */
            float min_delta;         /* smallest change that counts      (0) */
        } early_stopping;
    } train;
    struct {
        char model[TC_PATH_MAX];            /* checkpoint path                  ("model.bin") */
        char checkpoint[TC_PATH_MAX];       /* resume checkpoint; "" = MODEL.ckpt ("") */
        int64_t checkpoint_every;           /* epochs; 0 = only when interrupted (0) */
        int save_best;                      /* model file holds the best epoch  (false) */
        char metrics[TC_PATH_MAX];          /* JSON Lines per epoch; "" = none  ("") */
        struct {                            /* applied to output.model at the end (textclf quantize) */
            enum tc_quantize_method method; /* none | int8 | pq              (none) */
            int64_t dsub;                   /* pq sub-vector size              (2) */
            int64_t cutoff;                 /* embedding rows kept; 0 = all    (0) */
        } quantize;
    } output;
} tc_config;

/* Fills every key with its default. */
void tc_config_defaults(tc_config *c);

/* Applies the YAML mapping in file `path` on top of *c (call tc_config_defaults
 * first).  Errors name "path:line:column: key: what is wrong", with a
 * "did you mean 'x'?" suggestion for unknown keys. */
int tc_config_load_file(tc_config *c, const char *path, tc_err *err);

/* Same for YAML text in memory; `name` stands for the file name in messages. */
int tc_config_load_string(tc_config *c, const char *yaml, size_t len, const char *name, tc_err *err);

/* Applies one "section.key=value" override (value parsed as a YAML scalar or
 * flow sequence), with the same type and range checks; errors name "--set KEY". */
int tc_config_set(tc_config *c, const char *assignment, tc_err *err);

/* Cross-key checks that need the whole config (e.g. data.train is set). */
int tc_config_validate(const tc_config *c, tc_err *err);

/* The whole config as YAML that tc_config_load_string() reads back to an
 * identical struct.  Returns a malloc'd NUL-terminated string, or NULL. */
char *tc_config_to_yaml(const tc_config *c, tc_err *err);

/* Prints every key with its type, default and one-line help. */
void tc_config_print_reference(FILE *f);

#endif
