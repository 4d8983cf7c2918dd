/* vectors.h — pretrained word vectors (model.pretrained) into the embedding.
 *
 * The file is the text format word2vec, GloVe and fastText (.vec) write, read
 * through reader.h, so it may be gzip-compressed and "-" is standard input:
 *   [COUNT DIM]                 optional header line: two integers
 *   WORD X1 X2 ... XDIM         one vector per line, fields separated by
 *                               spaces or tabs (trailing ones are fine)
 * DIM must equal model.embedding_dim.  A word that itself contains spaces
 * (GloVe 840B has a few) is everything before the last DIM fields, when the
 * field just before them is not a number.  Blank lines are skipped.
 *
 * Matching.  A vocabulary word takes the vector of the same string ("exact");
 * failing that, the vector of a file word that the model's own tokenizer turns
 * into exactly that one token ("normalised": with lowercase on, "Paris" fills
 * "paris").  An exact match wins over a normalised one; among several
 * normalised candidates the first in the file wins (vector files list frequent
 * words first).  Rows without a match, OOV and the hashed n-gram buckets keep
 * their random initialisation.
 *
 * Errors name the file and line: a header whose DIM differs from the model's,
 * a line with the wrong number of fields, a number that does not parse or is
 * not finite.  Every line's field count is checked; the numbers are parsed
 * only on lines whose word is used. */
#ifndef TC_VECTORS_H
#define TC_VECTORS_H

#include <stdint.h>

#include "config.h"
#include "text/tokenize.h"
#include "text/vocab.h"
#include "util/err.h"

typedef struct tc_vectors_stats {
    uint64_t lines;      /* vectors in the file */
    uint32_t words;      /* vocabulary words (padding and OOV not counted) */
    uint32_t exact;      /* of them, filled from the same string */
    uint32_t normalized; /* of them, filled from a word that tokenizes to them */
} tc_vectors_stats;

/* Reads path and writes the vector of each matched vocabulary word w into row
 * tc_vocab_lookup(w) of E (rows of D floats; E has at least tc_vocab_size(v)
 * rows).  tok is the model's tokenizer. */
int tc_vectors_load(const char *path, tc_tokenizer *tok, const tc_vocab *v, float *E, int D, tc_vectors_stats *st,
                    tc_err *err);

/* model.pretrained for a new model: nothing when it is "", else
 * tc_vectors_load into E (cfg->model.embedding_dim columns) and a one-line
 * coverage report in note[0..n) ("" when nothing was loaded). */
int tc_vectors_apply(const tc_config *cfg, tc_tokenizer *tok, const tc_vocab *v, float *E, char *note, size_t n,
                     tc_err *err);

#endif
