/* tokenize.h — the Unicode tokenizer: raw bytes in, word tokens (UTF-8) out.
 *
 * The same rules apply at training and at prediction time, so a model's
 * vocabulary always sees tokens made the same way.  Steps, in order:
 *
 * 1. Decoding.  The input is any bytes.  Invalid UTF-8 (stray continuation
 *    bytes, C0/C1/F5..FF, overlong forms, surrogates U+D800..DFFF, values above
 *    U+10FFFF, sequences cut short, also at the end of the input) becomes
 *    U+FFFD, one per *maximal subpart* — the Unicode "substitution of maximal
 *    subparts" practice, which WHATWG's decoder and Python's
 *    bytes.decode('utf-8', 'replace') also follow: a lead byte plus the
 *    continuation bytes that were still valid for it make one U+FFFD, every
 *    other bad byte makes its own.  So C0 AF gives two, ED A0 80 three, and a
 *    truncated E4 B8 one.  Each replacement is counted (tc_tokenizer_invalid_count).
 *    Nothing past len is read; NUL bytes are ordinary control characters.
 *
 * 2. Normalisation.  normalize: NFKC (compatibility decomposition, canonical
 *    ordering, canonical composition) with utf8proc's tables, so "ﬁ" → "fi",
 *    "ＡＢＣ１" → "ABC1", "①" → "1", "x²" → "x2", and precomposed "é" equals
 *    "e" + U+0301.  lowercase: full Unicode case folding ("Straße" →
 *    "strasse", final "ς" → "σ"); it works with or without normalize.
 *    strip_accents: the text is decomposed (NFKD with normalize, NFD without),
 *    every nonspacing mark (Mn) is dropped except those that follow a CJK
 *    character (kana voicing marks: "が" stays "が"), and the rest is composed
 *    again: "Café" → "cafe", "Ångström" → "angstrom", "naïve" → "naive".  It
 *    also removes Mn signs of Indic scripts (virama, nukta), so leave it off
 *    for Hindi or Tamil.  Pure ASCII stretches skip utf8proc (NFKC is the
 *    identity there, folding is tolower, and there are no marks); the result
 *    is the same as the general path's.
 *
 * 3. Segmentation (split: unicode, the default), by general category of the
 *    normalised codepoints:
 *    - Letters (L*), marks (M*) and numbers (N*) are word characters; a word
 *      is a maximal run of them.
 *    - Han ideographs (U+3400–4DBF, 4E00–9FFF, F900–FAFF, 20000–2FA1F,
 *      30000–323AF, 3005–3007), kana (U+3040–309F, 30A0–30FF incl. the
 *      prolonged sound mark U+30FC, 31F0–31FF, halfwidth U+FF66–FF9D,
 *      1B000–1B16F) and Hangul syllables (U+AC00–D7A3) — those of them that
 *      are letters or numbers — are tokens of their own: "我爱NLP" → 我 爱 nlp.
 *    - A mark continues the token before it (a word, a CJK character, or a
 *      kept punctuation/symbol token: "か" + U+3099 without NFKC stays one
 *      token); a mark with no token before it (at the start, after a space or a
 *      dropped symbol, e.g. the U+0308 that NFKC leaves from "¨") is dropped.
 *    - An apostrophe (U+0027 or U+2019) directly between a word character of
 *      the current word and a letter that is not a CJK character stays in the
 *      word: "don't", "n't", "rock'n'roll", "90's"; anywhere else it is
 *      punctuation ("'quoted'", "dogs'").
 *    - Punctuation (P*) and symbols (S*, which includes emoji and U+FFFD) end
 *      the current token and are dropped, unless keep_punct / keep_symbols is
 *      set; then each such codepoint is a token of its own.
 *    - Separators, controls, format characters, unassigned and private-use
 *      codepoints (Z*, C*) always end the current token and are dropped.  This
 *      includes U+200C/U+200D (ZWNJ/ZWJ), which therefore split words.
 *    - filters (Keras' Tokenizer(filters=...)): every codepoint of this
 *      UTF-8 string, compared after normalisation and folding, is a separator
 *      and is dropped, whatever its class ("'" in filters splits "don't").
 *    - digits: zero replaces each maximal run of decimal digits (Nd, any
 *      script) inside a token by one "0": "1,999" → "0" "0", "mp3" → "mp0".
 *    Known limitation: scripts written without spaces other than CJK (Thai,
 *    Lao, Khmer, Myanmar, …) come out as one token per run between spaces or
 *    punctuation; there is no dictionary-based word breaking.
 *
 *    split: whitespace is for text that is already segmented (by a Chinese
 *    segmenter, say): a token is a maximal run of codepoints that are not
 *    separators (Z*), controls (Cc) or in filters; punctuation, symbols and
 *    CJK characters stay inside tokens, keep_punct, keep_symbols and cjk do
 *    not apply.  Normalisation, folding, strip_accents and digits do.
 *
 *    cjk (split: unicode only): a run of CJK tokens with nothing between them
 *    ("我爱北京", not "我 爱") becomes
 *      char         one token per character: 我 爱 北 京 (the default);
 *      bigram       overlapping pairs: 我爱 爱北 北京 (a lone character stays
 *                   itself);
 *      char+bigram  both, each pair between its two characters:
 *                   我 我爱 爱 爱北 北 北京 京.
 *    (A character's token includes the marks that follow it.)
 *
 * 4. Output.  Tokens are UTF-8 after normalisation/folding, each followed by a
 *    NUL in the result buffer.  A token is never longer than
 *    TC_TOKEN_MAX_BYTES: a longer word is cut into consecutive pieces of at
 *    most that many bytes, at codepoint boundaries (greedily: every piece but
 *    the last is as long as fits), so one huge line without spaces cannot make
 *    one huge token.  A CJK bigram longer than that is cut to it.
 *
 * 5. Features.  With opts.ngram on, every token also gets the hashed word and
 *    character n-gram buckets that ngram.h defines (over the final tokens,
 *    after the cjk pass).
 *
 * Memory: the tokenizer keeps its buffers between calls, so steady-state calls
 * do not allocate.  The output buffer grows with the output; the decoding and
 * normalisation scratch grows with the longest stretch of non-ASCII text that
 * has no space and no CJK character in it (normally a few KiB). */
#ifndef TC_TOKENIZE_H
#define TC_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "text/ngram.h"
#include "util/err.h"

#define TC_TOKEN_MAX_BYTES 1024

/* Zero-filled fields mean: unicode split, cjk char, digits kept, no filters. */
typedef struct tc_tokenizer_opts {
    int normalize;     /* NFKC normalisation (utf8proc COMPOSE|COMPAT) */
    int lowercase;     /* full Unicode case folding (utf8proc CASEFOLD): "Straße" -> "strasse" */
    int keep_punct;    /* P* codepoints become one-codepoint tokens instead of separators */
    int keep_symbols;  /* S* codepoints (incl. emoji, U+FFFD) become one-codepoint tokens */
    int strip_accents; /* decompose, drop Mn marks (not after CJK), compose */
    enum tc_split split;
    enum tc_cjk cjk;
    enum tc_digits digits;
    const char *filters; /* NULL or UTF-8; copied by tc_tokenizer_new */
    tc_ngram_opts ngram; /* hashed n-gram features of each token (ngram.h); zero = none */
} tc_tokenizer_opts;

struct tc_tokens {
    size_t n;        /* number of tokens */
    const char *buf; /* token i is the NUL-terminated UTF-8 string buf + off[i], len[i] bytes */
    const uint32_t *off;
    const uint32_t *len;
    const uint32_t *feat_off; /* (n+1), NULL without n-gram features: token i's features are */
    const uint32_t *feat;     /* the buckets feat[feat_off[i] .. feat_off[i+1]) (ngram.h) */
};

typedef struct tc_tokenizer tc_tokenizer; /* opaque; owns reusable scratch buffers */

/* o NULL means the config defaults: normalize and lowercase on, everything
 * else off.  Returns NULL (err set) when out of memory or when filters is not
 * valid UTF-8. */
tc_tokenizer *tc_tokenizer_new(const tc_tokenizer_opts *o, tc_err *err);
void tc_tokenizer_free(tc_tokenizer *t);

/* Tokenizes text[0..len) — any bytes (invalid UTF-8, NUL bytes); text may be
 * NULL when len is 0.  The result points into the tokenizer's buffers and stays
 * valid until the next call.  Returns 0, or -1 when out of memory or when the
 * tokens of this one text would need more than 4 GiB (offsets are 32-bit). */
int tc_tokenize(tc_tokenizer *t, const char *text, size_t len, tc_tokens *out, tc_err *err);

/* Is codepoint c one of the CJK characters (Han, kana, Hangul syllables, and
 * their iteration marks) that tokenizer.cjk splits into single tokens? */
int tc_is_cjk(int32_t c);

/* Number of invalid UTF-8 sequences replaced by U+FFFD since tc_tokenizer_new
 * (or the last reset). */
uint64_t tc_tokenizer_invalid_count(const tc_tokenizer *t);
void tc_tokenizer_reset_invalid_count(tc_tokenizer *t);

#endif
