/* autoconf.h — data-aware defaults: `textclf train data.csv` with no config.
 *
 * Two steps, each deciding only what the data can tell and saying so in one
 * note line per decision (the caller prints them):
 *
 *   tc_autoconf_data()    before anything is read for training: one pass over
 *                         the file for the columns, the labels and the script,
 *                         a second over the text column for the word-pair
 *                         statistic; sets data.*, tokenizer.*, model.*,
 *                         train.* (validation hold-out, early stopping, best
 *                         weights) and output.save_best.
 *   tc_autoconf_maxlen()  once the training rows are tokenized: pad.maxlen
 *                         from the length distribution.
 *
 * The rules (each with its reason):
 *   columns       a header name from a list of usual names (label, labels,
 *                 class, category, target, sentiment, topic, tags; text,
 *                 sentence, review, comment, content, body, document), else
 *                 the label is the column with the fewest distinct values
 *                 and the text the one with the longest mean length.
 *   multi-label   some label field holds "|" → label_separator "|"; a row
 *                 with an empty label field alone does not make it so.
 *   CJK           at least 30% of the text's letters are Han, kana or Hangul
 *                 → tokenizer.cjk: char+bigram (no spaces to split at; the
 *                 bigrams stand in for words).
 *   word bigrams  tokenizer.ngrams 2 when at least half of the word-pair
 *                 occurrences in the training text are of pairs seen twice
 *                 or more (a pair seen once is a hashed row that can only
 *                 memorise its row: on small or very varied data bigrams
 *                 are noise, and they cost time).  buckets: the distinct
 *                 pairs rounded up to a power of two, within [2^16, 2^19]
 *                 (Adam keeps ~20·dim bytes per row in training).
 *   char n-grams  tokenizer.char_ngrams [3,6] when the text (not CJK)
 *                 averages at most 400 bytes a row: a short row has few
 *                 words, and the pieces of a rare, inflected or misspelt
 *                 word carry what it means; long rows have words enough, and
 *                 their character n-grams would multiply the features (the
 *                 cost) several times.
 *   validation    train.validation_split 0.1 (when data.valid is not set),
 *                 early stopping with patience 2 on val_loss, up to 30
 *                 epochs, output.save_best: the epoch count is measured.
 *                 Multi-label: on val_macro_f1 with patience 3 (the mean
 *                 loss over mostly absent labels keeps falling while no
 *                 label is predicted yet).
 *   model         average pool over 32-dimensional embeddings, Adam at lr
 *                 0.005 (0.001 with character n-grams: a row then averages
 *                 several times more feature rows, which overfit in an epoch
 *                 or two at 0.005), batch 32: on sst2, ag_news_small and
 *                 chnsenticorp this trained at least as well as fastText's
 *                 SGD recipe, and the validation hold-out guards the epoch
 *                 count.
 *   pad.maxlen    the 99th percentile of the training rows' lengths (tokens
 *                 plus hashed features), so one row in a hundred at most is
 *                 cut (train's next line says how many are).
 */
#ifndef TC_AUTOCONF_H
#define TC_AUTOCONF_H

#include <stdint.h>

#include "config.h"
#include "text/corpus.h"
#include "util/err.h"

#define TC_AUTOCONF_NOTES 16

typedef struct tc_autoconf {
    char note[TC_AUTOCONF_NOTES][320]; /* one line per decision, without "\n" */
    int n;
    /* what the data pass found */
    uint64_t rows;
    double cjk_share;        /* Han/kana/Hangul share of the text's letters */
    double pair_repeat;      /* share of word-pair occurrences whose pair recurs */
    uint64_t pairs_distinct; /* distinct word pairs (hashed, so a slight undercount) */
    double mean_bytes;       /* mean bytes of the text column a row (0: not measured, JSON Lines) */
} tc_autoconf;

/* Points cfg at the data file `path` and fills the keys above from it.
 * cfg holds the defaults plus whatever the user set (data.format,
 * data.text_column, ... are honoured when set).  The user's --set overrides
 * are meant to be applied again afterwards, so they win. */
int tc_autoconf_data(tc_config *cfg, const char *path, tc_autoconf *ac, tc_err *err);

/* pad.maxlen from the training rows when cfg leaves it at 0 (note added). */
void tc_autoconf_maxlen(tc_config *cfg, const tc_corpus *train, tc_autoconf *ac);

/* Is `path` a config file (.yaml / .yml) rather than data? */
int tc_autoconf_is_config(const char *path);

/* The config of `train SOURCE` and `tune SOURCE`: defaults, then the YAML
 * file SOURCE or the data-aware choices for the data file SOURCE (which see
 * the --set keys first, e.g. data.text_column), then the n "section.key=value"
 * overrides in sets, which win.  Not validated.  Returns 0, -1 for a config
 * or --set error (a usage error), -2 for an error reading the data. */
int tc_autoconf_config(tc_config *cfg, const char *source, char *const *sets, int n, tc_autoconf *ac, tc_err *err);

#endif
