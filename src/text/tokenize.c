/* tokenize.c — see tokenize.h for the rules.
 *
 * How the pieces fit: tc_tokenize() walks the input in chunks.  A stretch of
 * ASCII bytes goes through run_ascii(), which only looks bytes up in two
 * 128-entry tables (class, folded byte).  Everything else goes through
 * run_general(): decode UTF-8 into t->dec, NFKC/fold into t->nrm with
 * utf8proc, then classify each codepoint.  Both paths end in feed(), the
 * one segmentation state machine, which appends to the output buffer; so the
 * two paths produce the same tokens, and chunk boundaries do not matter to
 * segmentation (a pending apostrophe or an open word carries over).
 *
 * Chunks may only end where normalisation cannot reach across: before a
 * codepoint that has combining class 0 and is never the second half of a
 * canonical composition.  ASCII bytes, Z* separators and the CJK characters
 * of tokenize.h are such codepoints; a general chunk ends before a long
 * ASCII run (to get back onto the fast path) or, once it holds CHUNK
 * codepoints, before the next such codepoint (to keep the scratch small).
 * The last ASCII byte before non-ASCII text always goes with the general
 * chunk, because it may compose with a following mark ("e" + U+0301).
 *
 * Output space is reserved per chunk for the worst case (every codepoint
 * 4 bytes and its own NUL-terminated token), so feed() never fails.
 *
 * cjk: bigram and char+bigram are a second pass (cjk_pass) over the finished
 * token list: feed() marks each CJK token, and whether it directly follows
 * another CJK token, in flags[]; the pass rewrites runs of such tokens into
 * a second buffer, which then becomes the result. */
#include "tokenize.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "util/mem.h"
#include "util/strtab.h"

enum {
    CHUNK = 1024,          /* codepoints per general chunk before it looks for an end */
    ASCII_RUN = 32,        /* an ASCII run this long sends a general chunk back to the fast path */
    ASCII_BLOCK = 1 << 16, /* bytes of ASCII per output reservation */
    SHORT_RUN = 16,        /* combining runs up to this long are insertion-sorted */
};

/* Codepoint classes (what feed() needs to know).  K_SEP: Z* and Cc (and
 * filtered codepoints); K_OTHER: the rest of C* (format, private use,
 * unassigned), which split words too unless split is whitespace. */
enum { K_SEP, K_LETTER, K_NUMBER, K_DIGIT, K_MARK, K_CJK, K_APOS, K_PUNCT, K_SYMBOL, K_OTHER };
/* Kind of the open token. */
enum { T_NONE, T_WORD, T_CJK, T_SINGLE };
/* Token flags: a CJK character's token; it directly follows another one. */
enum { F_CJK = 1, F_JOINED = 2 };

struct tc_tokenizer {
    int normalize, lowercase, keep_punct, keep_symbols;
    int strip, ws_split, cjk, digits_zero;
    uint32_t *filters; /* (nfilters) sorted codepoints that separate */
    size_t nfilters;
    utf8proc_option_t uopts;   /* decomposition options for utf8proc_decompose_char */
    unsigned char akind[128];  /* class of each ASCII byte */
    unsigned char alower[128]; /* ASCII byte after folding (identity if !lowercase) */
    uint64_t invalid;          /* U+FFFD substitutions so far */

    char *buf; /* output: NUL-terminated tokens */
    size_t buf_cap, used;
    uint32_t *off, *len;  /* (tok_cap) */
    unsigned char *flags; /* (tok_cap) F_* of each token */
    size_t tok_cap, n;
    int cur;          /* T_* of the open token */
    int cur_flags;    /* its F_* */
    size_t cur_start; /* its first byte in buf */
    uint32_t apos;    /* apostrophe waiting for the next codepoint, or 0 */
    int in_digits;    /* digits: zero, and the open token ends in the placeholder */
    int saw_cjk;      /* a CJK token was made by this call */

    char *buf2; /* cjk_pass output, swapped with buf */
    size_t buf2_cap;
    uint32_t *off2, *len2; /* (tok2_cap) */
    size_t tok2_cap;

    tc_ngram_opts ngram; /* hashed features (ngram.h) */
    uint64_t *th;        /* (th_cap) fnv of each token */
    size_t th_cap;
    uint32_t *foff; /* (foff_cap) token i's features: feat[foff[i] .. foff[i+1]) */
    size_t foff_cap;
    uint32_t *feat; /* (feat_cap) */
    size_t feat_cap;

    int32_t *dec; /* (dec_cap) decoded codepoints of the chunk */
    size_t dec_cap;
    int32_t *nrm; /* (nrm_cap) normalised/folded codepoints */
    size_t nrm_cap;
    uint64_t *keys; /* (keys_cap) sort keys for long combining runs */
    size_t keys_cap;
};

/* ---- classification ---------------------------------------------------- */

int tc_is_cjk(int32_t c)
{
    static const int32_t r[][2] = {
        {0x3005, 0x3007}, {0x3040, 0x309F},   {0x30A0, 0x30FF},   {0x31F0, 0x31FF},
        {0x3400, 0x4DBF}, {0x4E00, 0x9FFF},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
        {0xFF66, 0xFF9D}, {0x1B000, 0x1B16F}, {0x20000, 0x2FA1F}, {0x30000, 0x323AF},
    };
    if (c < 0x3005)
        return 0;
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (c >= r[i][0] && c <= r[i][1])
            return 1;
    return 0;
}

static int classify(int32_t c)
{
    if (c == 0x27 || c == 0x2019)
        return K_APOS;
    utf8proc_category_t cat = utf8proc_category(c);
    if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO)
        return tc_is_cjk(c) ? K_CJK : K_LETTER;
    if (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO)
        return tc_is_cjk(c) ? K_CJK : cat == UTF8PROC_CATEGORY_ND ? K_DIGIT : K_NUMBER;
    if (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME)
        return K_MARK;
    if (cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO)
        return K_PUNCT;
    if (cat >= UTF8PROC_CATEGORY_SM && cat <= UTF8PROC_CATEGORY_SO)
        return K_SYMBOL;
    if (cat >= UTF8PROC_CATEGORY_ZS && cat <= UTF8PROC_CATEGORY_CC)
        return K_SEP;
    return K_OTHER;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* The class of a non-ASCII codepoint, filters first. */
static int classify_t(const tc_tokenizer *t, int32_t c)
{
    uint32_t u = (uint32_t)c;
    if (t->nfilters && bsearch(&u, t->filters, t->nfilters, sizeof u, cmp_u32))
        return K_SEP;
    return classify(c);
}

/* A non-ASCII codepoint before which a chunk may end (see the top comment). */
static int safe_chunk_start(int32_t c)
{
    return utf8proc_category(c) == UTF8PROC_CATEGORY_ZS || classify(c) == K_CJK;
}

/* ---- UTF-8 ------------------------------------------------------------- */

/* Decodes the codepoint at s[0..n), n >= 1.  Returns the bytes consumed and
 * sets *cp; an invalid maximal subpart gives *cp = U+FFFD and *bad = 1. */
static size_t utf8_next(const unsigned char *s, size_t n, int32_t *cp, int *bad)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    size_t need;
    int32_t v;
    *bad = 0;
    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1, v = (int32_t)(c & 0x1F);
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2, v = (int32_t)(c & 0x0F);
        lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlongs */
        hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3, v = (int32_t)(c & 0x07);
        lo = c == 0xF0 ? 0x90 : 0x80; /* no overlongs */
        hi = c == 0xF4 ? 0x8F : 0xBF; /* nothing above U+10FFFF */
    } else {
        *cp = 0xFFFD, *bad = 1;
        return 1;
    }
    size_t i = 1;
    for (; i <= need && i < n; i++) {
        if (s[i] < lo || s[i] > hi)
            break;
        v = (v << 6) | (int32_t)(s[i] & 0x3F);
        lo = 0x80, hi = 0xBF;
    }
    if (i <= need) {
        *cp = 0xFFFD, *bad = 1;
        return i;
    }
    *cp = v;
    return i;
}

static size_t utf8_put(uint32_t c, char *o)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* ---- buffers ----------------------------------------------------------- */

/* Makes room for `bytes` more output bytes and `toks` more tokens. */
static int reserve(tc_tokenizer *t, size_t bytes, size_t toks, tc_err *err)
{
    if (bytes > (size_t)UINT32_MAX - t->used)
        return tc_err_set(err, "tokenizer: tokens of one text exceed 4 GiB");
    if (tc_grow((void **)&t->buf, &t->buf_cap, t->used + bytes, 1, "token buffer", err) < 0)
        return -1;
    void **const ps[] = {(void **)&t->off, (void **)&t->flags, (void **)&t->len};
    const size_t elem[] = {sizeof *t->off, sizeof *t->flags, sizeof *t->len};
    return tc_grow_parallel(ps, elem, 3, &t->tok_cap, t->n + toks, "token offsets", err);
}

/* ---- segmentation ------------------------------------------------------ */

static void end_token(tc_tokenizer *t)
{
    if (t->cur == T_NONE)
        return;
    t->off[t->n] = (uint32_t)t->cur_start;
    t->len[t->n] = (uint32_t)(t->used - t->cur_start);
    t->flags[t->n] = (unsigned char)t->cur_flags;
    t->n++;
    t->buf[t->used++] = '\0';
    t->cur = T_NONE;
}

static void start_token(tc_tokenizer *t, int kind)
{
    t->cur = kind;
    t->cur_start = t->used;
    t->in_digits = 0;
}

/* Appends c to the open token, first cutting it if c would not fit the cap. */
static void append(tc_tokenizer *t, uint32_t c)
{
    char u[4];
    size_t k = utf8_put(c, u);
    if (t->used - t->cur_start + k > TC_TOKEN_MAX_BYTES) {
        int kind = t->cur;
        end_token(t);
        start_token(t, kind);
    }
    memcpy(t->buf + t->used, u, k);
    t->used += k;
    t->in_digits = 0;
}

/* A decimal digit with digits: zero: the run it starts becomes one "0". */
static void put_digit(tc_tokenizer *t)
{
    if (t->cur != T_WORD) {
        end_token(t);
        start_token(t, T_WORD);
        t->cur_flags = 0;
    } else if (t->in_digits) {
        return;
    }
    append(t, '0');
    t->in_digits = 1;
}

/* split: whitespace — everything but separators is part of a token. */
static void feed_ws(tc_tokenizer *t, uint32_t c, int cls)
{
    if (cls == K_SEP) {
        end_token(t);
    } else if (cls == K_DIGIT && t->digits_zero) {
        put_digit(t);
    } else {
        if (t->cur != T_WORD) {
            start_token(t, T_WORD);
            t->cur_flags = 0;
        }
        append(t, c);
    }
}

/* A punctuation or symbol codepoint: ends the open token; kept as its own. */
static void single(tc_tokenizer *t, uint32_t c, int keep)
{
    end_token(t);
    if (keep) {
        start_token(t, T_SINGLE);
        t->cur_flags = 0;
        append(t, c);
    }
}

/* One normalised codepoint c of class cls into the state machine. */
static void feed(tc_tokenizer *t, uint32_t c, int cls)
{
    if (t->ws_split) {
        feed_ws(t, c, cls);
        return;
    }
    if (t->apos) {
        uint32_t a = t->apos;
        t->apos = 0;
        if (cls == K_LETTER) { /* word char, apostrophe, letter: one word */
            append(t, a);
            append(t, c);
            return;
        }
        single(t, a, t->keep_punct);
    }
    switch (cls) {
    case K_DIGIT:
        if (t->digits_zero) {
            put_digit(t);
            break;
        }
        /* fall through */
    case K_LETTER:
    case K_NUMBER:
        if (t->cur != T_WORD) {
            end_token(t);
            start_token(t, T_WORD);
            t->cur_flags = 0;
        }
        append(t, c);
        break;
    case K_MARK:
        if (t->cur != T_NONE)
            append(t, c);
        break;
    case K_CJK: {
        int joined = t->cur == T_CJK;
        end_token(t);
        start_token(t, T_CJK);
        t->cur_flags = F_CJK | (joined ? F_JOINED : 0);
        t->saw_cjk = 1;
        append(t, c);
        break;
    }
    case K_APOS:
        if (t->cur == T_WORD)
            t->apos = c;
        else
            single(t, c, t->keep_punct);
        break;
    case K_PUNCT:
        single(t, c, t->keep_punct);
        break;
    case K_SYMBOL:
        single(t, c, t->keep_symbols);
        break;
    default:
        end_token(t);
        break;
    }
}

/* ---- normalisation ----------------------------------------------------- */

static int ccc(int32_t c)
{
    return utf8proc_get_property(c)->combining_class;
}

/* Stable sort of a[0..n) by combining class (canonical ordering of one run
 * of non-starters).  Long runs (hostile input) go through qsort on keys that
 * carry the position, so the sort stays stable and O(n log n). */
static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

static int sort_run(tc_tokenizer *t, int32_t *a, size_t n, tc_err *err)
{
    if (n <= SHORT_RUN) {
        for (size_t i = 1; i < n; i++) {
            int32_t c = a[i];
            int k = ccc(c);
            size_t j = i;
            for (; j > 0 && ccc(a[j - 1]) > k; j--)
                a[j] = a[j - 1];
            a[j] = c;
        }
        return 0;
    }
    if (n > t->keys_cap) {
        if (tc_grow((void **)&t->keys, &t->keys_cap, n, sizeof *t->keys, "normalisation keys", err) < 0)
            return -1;
    }
    for (size_t i = 0; i < n; i++) /* ccc:8 | position:35 | codepoint:21 */
        t->keys[i] = (uint64_t)ccc(a[i]) << 56 | (uint64_t)i << 21 | (uint64_t)a[i];
    qsort(t->keys, n, sizeof *t->keys, cmp_u64);
    for (size_t i = 0; i < n; i++)
        a[i] = (int32_t)(t->keys[i] & 0x1FFFFF);
    return 0;
}

static int canonical_order(tc_tokenizer *t, int32_t *a, size_t n, tc_err *err)
{
    size_t i = 0;
    while (i < n) {
        if (ccc(a[i]) == 0) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < n && ccc(a[j]) != 0)
            j++;
        if (j - i > 1 && sort_run(t, a + i, j - i, err))
            return -1;
        i = j;
    }
    return 0;
}

static int nrm_reserve(tc_tokenizer *t, size_t need, tc_err *err)
{
    if (need <= t->nrm_cap)
        return 0;
    if (tc_grow((void **)&t->nrm, &t->nrm_cap, need, sizeof *t->nrm, "normalisation buffer", err) < 0)
        return -1;
    return 0;
}

/* strip_accents: drops the nonspacing marks of a[0..m) that do not follow a
 * CJK character; returns the new length. */
static size_t drop_marks(int32_t *a, size_t m)
{
    size_t o = 0;
    int after_cjk = 0;
    for (size_t i = 0; i < m; i++) {
        int32_t c = a[i];
        if (utf8proc_category(c) == UTF8PROC_CATEGORY_MN) {
            if (!after_cjk)
                continue;
        } else {
            after_cjk = tc_is_cjk(c);
        }
        a[o++] = c;
    }
    return o;
}

/* t->dec[0..k) → t->nrm[0..*m): decomposition/folding, then (normalize or
 * strip_accents) canonical ordering, mark removal and composition. */
static int normalize_chunk(tc_tokenizer *t, size_t k, size_t *m_out, tc_err *err)
{
    size_t m = 0, i = 0;
    if (nrm_reserve(t, k, err))
        return -1;
    while (i < k) {
        int bound = 0;
        utf8proc_ssize_t r = utf8proc_decompose_char(t->dec[i], t->nrm + m, (utf8proc_ssize_t)(t->nrm_cap - m),
                                                     t->uopts, &bound);
        int failed = r < 0; /* not for valid codepoints; keep c unchanged then */
        if (failed)
            r = 1;
        if ((size_t)r > t->nrm_cap - m) { /* grow, then decompose dec[i] again */
            if (nrm_reserve(t, m + (size_t)r + k - i, err))
                return -1;
            continue;
        }
        if (failed)
            t->nrm[m] = t->dec[i];
        m += (size_t)r;
        i++;
    }
    if (t->normalize || t->strip) {
        if (canonical_order(t, t->nrm, m, err))
            return -1;
        if (t->strip)
            m = drop_marks(t->nrm, m);
        utf8proc_ssize_t r = utf8proc_normalize_utf32(t->nrm, (utf8proc_ssize_t)m, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
        if (r >= 0)
            m = (size_t)r;
    }
    *m_out = m;
    return 0;
}

/* ---- chunk drivers ----------------------------------------------------- */

static int run_ascii(tc_tokenizer *t, const unsigned char *s, size_t n, tc_err *err)
{
    for (size_t b = 0; b < n; b += ASCII_BLOCK) {
        size_t e = n - b < ASCII_BLOCK ? n : b + ASCII_BLOCK;
        if (reserve(t, 2 * (e - b) + 16, e - b + 2, err))
            return -1;
        for (size_t i = b; i < e; i++)
            feed(t, t->alower[s[i]], t->akind[s[i]]);
    }
    return 0;
}

/* Decodes from s[*pos] to the end of the chunk into t->dec; returns the count
 * (>= 1) and advances *pos, or returns 0 on error. */
static size_t decode_chunk(tc_tokenizer *t, const unsigned char *s, size_t len, size_t *pos, tc_err *err)
{
    size_t i = *pos, k = 0, ascii_seen = i;
    while (i < len) {
        int32_t c;
        size_t step = 1;
        int bad = 0;
        if (s[i] < 0x80) {
            if (i >= ascii_seen) { /* measure this ASCII run once */
                size_t j = i;
                while (j < len && j - i < ASCII_RUN && s[j] < 0x80)
                    j++;
                if (j - i == ASCII_RUN && k > 0)
                    break;
                ascii_seen = j;
            }
            if (k >= CHUNK)
                break;
            c = s[i];
        } else {
            step = utf8_next(s + i, len - i, &c, &bad);
            if (k >= CHUNK && !bad && safe_chunk_start(c))
                break;
            t->invalid += (uint64_t)bad;
        }
        if (k == t->dec_cap) {
            if (tc_grow((void **)&t->dec, &t->dec_cap, k + 1, sizeof *t->dec, "decode buffer", err) < 0)
                return 0;
        }
        t->dec[k++] = c;
        i += step;
    }
    *pos = i;
    return k;
}

static int run_general(tc_tokenizer *t, const unsigned char *s, size_t len, size_t *pos, tc_err *err)
{
    size_t k = decode_chunk(t, s, len, pos, err), m = k;
    if (k == 0)
        return -1;
    const int32_t *cps = t->dec;
    if (t->normalize || t->lowercase || t->strip) {
        if (normalize_chunk(t, k, &m, err))
            return -1;
        cps = t->nrm;
    }
    if (reserve(t, 5 * m + 16, m + 2, err))
        return -1;
    for (size_t i = 0; i < m; i++) {
        int32_t c = cps[i];
        feed(t, (uint32_t)c, c < 0x80 ? t->akind[c] : classify_t(t, c));
    }
    return 0;
}

/* ---- cjk: bigram and char+bigram --------------------------------------- */

/* Appends a[0..na) followed by b[0..nb) as one token of the second buffer,
 * cut to TC_TOKEN_MAX_BYTES at a codepoint boundary. */
static void put2(tc_tokenizer *t, size_t *used, size_t *n, const char *a, size_t na, const char *b, size_t nb)
{
    char *o = t->buf2 + *used;
    size_t k = na + nb;
    memcpy(o, a, na);
    if (nb)
        memcpy(o + na, b, nb);
    if (k > TC_TOKEN_MAX_BYTES) {
        k = TC_TOKEN_MAX_BYTES;
        while (k > 0 && ((unsigned char)o[k] & 0xC0) == 0x80)
            k--;
    }
    o[k] = '\0';
    t->off2[*n] = (uint32_t)*used;
    t->len2[*n] = (uint32_t)k;
    (*n)++;
    *used += k + 1;
}

/* Rewrites every run of directly adjacent CJK tokens into bigrams (and the
 * characters, for char+bigram), then swaps the result into buf/off/len. */
static int cjk_pass(tc_tokenizer *t, tc_err *err)
{
    if (t->used > ((size_t)UINT32_MAX - 16) / 3)
        return tc_err_set(err, "tokenizer: tokens of one text exceed 4 GiB");
    size_t need = 3 * t->used + 16, ntok = 2 * t->n + 2;
    if (need > t->buf2_cap) {
        if (tc_grow((void **)&t->buf2, &t->buf2_cap, need, 1, "token buffer", err) < 0)
            return -1;
    }
    void **const ps[] = {(void **)&t->off2, (void **)&t->len2};
    const size_t elem[] = {sizeof *t->off2, sizeof *t->len2};
    if (tc_grow_parallel(ps, elem, 2, &t->tok2_cap, ntok, "token offsets", err) < 0)
        return -1;
    size_t used = 0, n = 0, i = 0;
    const char *b = t->buf;
    while (i < t->n) {
        size_t j = i + 1;
        if (t->flags[i] & F_CJK)
            while (j < t->n && t->flags[j] == (F_CJK | F_JOINED))
                j++;
        if (j - i == 1) {
            put2(t, &used, &n, b + t->off[i], t->len[i], NULL, 0);
        } else {
            for (size_t k = i; k < j; k++) {
                if (t->cjk == TC_CJK_CHAR_BIGRAM)
                    put2(t, &used, &n, b + t->off[k], t->len[k], NULL, 0);
                if (k + 1 < j)
                    put2(t, &used, &n, b + t->off[k], t->len[k], b + t->off[k + 1], t->len[k + 1]);
            }
        }
        i = j;
    }
    char *tb = t->buf;
    t->buf = t->buf2, t->buf2 = tb;
    size_t tc = t->buf_cap;
    t->buf_cap = t->buf2_cap, t->buf2_cap = tc;
    uint32_t *to = t->off, *tl = t->len;
    t->off = t->off2, t->off2 = to;
    t->len = t->len2, t->len2 = tl;
    /* off/len and off2/len2 swap capacities: keep the smaller as tok_cap so
     * reserve() regrows off, len and flags together */
    size_t c1 = t->tok_cap, c2 = t->tok2_cap;
    t->tok_cap = c1 < c2 ? c1 : c2;
    t->tok2_cap = t->tok_cap;
    t->n = n;
    t->used = used;
    return 0;
}

/* ---- hashed features ---------------------------------------------------- */

/* Fills th, foff and feat for the final tokens in *tk. */
static int features(tc_tokenizer *t, const tc_tokens *tk, tc_err *err)
{
    size_t n = tk->n;
    if (n + 1 > t->th_cap) {
        if (tc_grow((void **)&t->th, &t->th_cap, n + 1, sizeof *t->th, "token hashes", err) < 0)
            return -1;
    }
    if (n + 1 > t->foff_cap) {
        if (tc_grow((void **)&t->foff, &t->foff_cap, n + 1, sizeof *t->foff, "feature offsets", err) < 0)
            return -1;
    }
    for (size_t i = 0; i < n; i++)
        t->th[i] = tc_hash_bytes(tk->buf + tk->off[i], tk->len[i]);
    size_t nf = 0;
    t->foff[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t most = tc_ngram_max_features(&t->ngram, tk->len[i]);
        if (most > (size_t)UINT32_MAX - nf)
            return tc_err_set(err, "tokenizer: more than 4 billion n-gram features in one text");
        if (nf + most > t->feat_cap) {
            if (tc_grow((void **)&t->feat, &t->feat_cap, nf + most, sizeof *t->feat, "n-gram features", err) < 0)
                return -1;
        }
        nf += tc_ngram_token(&t->ngram, tk, t->th, i, t->feat + nf, NULL);
        t->foff[i + 1] = (uint32_t)nf;
    }
    return 0;
}

int tc_tokenize(tc_tokenizer *t, const char *text, size_t len, tc_tokens *out, tc_err *err)
{
    const unsigned char *s = (const unsigned char *)text;
    t->used = t->n = 0;
    t->cur = T_NONE;
    t->cur_flags = 0;
    t->apos = 0;
    t->in_digits = 0;
    t->saw_cjk = 0;
    memset(out, 0, sizeof *out);
    if (reserve(t, 16, 2, err))
        return -1;
    size_t pos = 0;
    while (pos < len) {
        size_t r = 0;
        while (pos + r < len && s[pos + r] < 0x80)
            r++;
        if (pos + r < len && r > 0)
            r--; /* the byte before non-ASCII text goes with it */
        if (r > 0) {
            if (run_ascii(t, s + pos, r, err))
                return -1;
            pos += r;
        } else if (run_general(t, s, len, &pos, err)) {
            return -1;
        }
    }
    if (reserve(t, 16, 2, err))
        return -1;
    if (t->apos)
        single(t, t->apos, t->keep_punct);
    t->apos = 0;
    end_token(t);
    if (t->saw_cjk && t->cjk != TC_CJK_CHAR && cjk_pass(t, err) < 0)
        return -1;
    out->n = t->n;
    out->buf = t->buf;
    out->off = t->off;
    out->len = t->len;
    if (tc_ngram_on(&t->ngram)) {
        if (features(t, out, err) < 0)
            return -1;
        out->feat_off = t->foff;
        out->feat = t->feat;
    }
    return 0;
}

/* ---- lifetime ---------------------------------------------------------- */

/* Decodes the filters string into t->filters (sorted, duplicates removed). */
static int set_filters(tc_tokenizer *t, const char *f, tc_err *err)
{
    size_t n = f ? strlen(f) : 0, k = 0;
    if (n == 0)
        return 0;
    t->filters = malloc(n * sizeof *t->filters);
    if (!t->filters)
        return tc_err_oom(err, "tokenizer filters");
    for (size_t i = 0; i < n;) {
        int32_t c;
        int bad;
        i += utf8_next((const unsigned char *)f + i, n - i, &c, &bad);
        if (bad)
            return tc_err_set(err, "tokenizer.filters: not valid UTF-8");
        t->filters[k++] = (uint32_t)c;
    }
    qsort(t->filters, k, sizeof *t->filters, cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || t->filters[u - 1] != t->filters[i])
            t->filters[u++] = t->filters[i];
    t->nfilters = u;
    return 0;
}

tc_tokenizer *tc_tokenizer_new(const tc_tokenizer_opts *o, tc_err *err)
{
    tc_tokenizer_opts def = {.normalize = 1, .lowercase = 1};
    if (!o)
        o = &def;
    tc_tokenizer *t = calloc(1, sizeof *t);
    if (!t) {
        tc_err_oom(err, "tokenizer");
        return NULL;
    }
    t->normalize = o->normalize != 0;
    t->lowercase = o->lowercase != 0;
    t->keep_punct = o->keep_punct != 0;
    t->keep_symbols = o->keep_symbols != 0;
    t->strip = o->strip_accents != 0;
    t->ws_split = o->split == TC_SPLIT_WHITESPACE;
    t->cjk = (int)o->cjk;
    t->digits_zero = o->digits == TC_DIGITS_ZERO;
    t->ngram = o->ngram;
    if (tc_ngram_on(&t->ngram) && t->ngram.buckets == 0) {
        tc_tokenizer_free(t);
        tc_err_set(err, "tokenizer: n-gram features need at least one bucket");
        return NULL;
    }
    if (set_filters(t, o->filters, err) < 0) {
        tc_tokenizer_free(t);
        return NULL;
    }
    t->uopts = 0;
    if (t->normalize)
        t->uopts |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_STABLE;
    else if (t->strip)
        t->uopts |= UTF8PROC_DECOMPOSE | UTF8PROC_STABLE;
    if (t->lowercase)
        t->uopts |= UTF8PROC_CASEFOLD;
    for (int c = 0; c < 128; c++) {
        t->alower[c] = (unsigned char)(t->lowercase && c >= 'A' && c <= 'Z' ? c + 32 : c);
        uint32_t u = t->alower[c]; /* filters apply to the folded text */
        int filtered = t->nfilters && bsearch(&u, t->filters, t->nfilters, sizeof u, cmp_u32);
        t->akind[c] = (unsigned char)(filtered ? K_SEP : classify(c));
    }
    return t;
}

void tc_tokenizer_free(tc_tokenizer *t)
{
    if (!t)
        return;
    free(t->buf);
    free(t->off);
    free(t->len);
    free(t->flags);
    free(t->buf2);
    free(t->off2);
    free(t->len2);
    free(t->filters);
    free(t->th);
    free(t->foff);
    free(t->feat);
    free(t->dec);
    free(t->nrm);
    free(t->keys);
    free(t);
}

uint64_t tc_tokenizer_invalid_count(const tc_tokenizer *t)
{
    return t->invalid;
}

void tc_tokenizer_reset_invalid_count(tc_tokenizer *t)
{
    t->invalid = 0;
}
