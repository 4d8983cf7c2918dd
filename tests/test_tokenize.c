/* test_tokenize.c — the Unicode tokenizer: decoding, NFKC, folding, segmentation.
 *
 * Expected tokens are written by hand from the rules in tokenize.h; the
 * normalised forms were checked against Python's
 * unicodedata.normalize('NFKC', s).casefold(), the replacement counts against
 * bytes.decode('utf-8', 'replace'). */
#include "tc_test.h"

#include "text/tokenize.h"
#include "util/rng.h"

static tc_tokenizer *mk(int normalize, int lowercase, int keep_punct, int keep_symbols)
{
    tc_tokenizer_opts o = {
        .normalize = normalize, .lowercase = lowercase, .keep_punct = keep_punct, .keep_symbols = keep_symbols};
    tc_err err;
    tc_tokenizer *t = tc_tokenizer_new(&o, &err);
    assert_non_null(t);
    return t;
}

/* Tokenizes s[0..len) and checks every token's framing. */
static tc_tokens run(tc_tokenizer *t, const char *s, size_t len)
{
    tc_tokens tk;
    tc_err err;
    assert_int_equal(tc_tokenize(t, s, len, &tk, &err), 0);
    for (size_t i = 0; i < tk.n; i++) {
        assert_true(tk.len[i] > 0 && tk.len[i] <= TC_TOKEN_MAX_BYTES);
        assert_int_equal(tk.buf[tk.off[i] + tk.len[i]], '\0');
        assert_int_equal(strlen(tk.buf + tk.off[i]), tk.len[i]);
    }
    return tk;
}

/* Asserts that s tokenizes to exactly the NULL-terminated list exp. */
static void expect_n(tc_tokenizer *t, const char *s, size_t len, const char *const *exp)
{
    tc_tokens tk = run(t, s, len);
    size_t n = 0;
    while (exp[n])
        n++;
    for (size_t i = 0; i < tk.n && i < n; i++)
        if (strcmp(tk.buf + tk.off[i], exp[i]) != 0)
            fail_msg("input \"%s\": token %zu is \"%s\", expected \"%s\"", s, i, tk.buf + tk.off[i], exp[i]);
    if (tk.n != n)
        fail_msg("input \"%s\": %zu tokens, expected %zu", s, tk.n, n);
}

#define EXPECT(t, s, ...) expect_n(t, s, strlen(s), (const char *const[]){__VA_ARGS__, NULL})
#define EXPECT_NONE(t, s) expect_n(t, s, strlen(s), (const char *const[]){NULL})

static void ascii_english_and_punctuation(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(1, 1, 0, 0);
    EXPECT(t, "Hello, World! This is a TEST.", "hello", "world", "this", "is", "a", "test");
    EXPECT(t, "Hello, world! (test) -- e-mail: a@b.com", "hello", "world", "test", "e", "mail", "a", "b", "com");
    EXPECT(t, "$5 + 3 = 8 ^_^ x|y~z", "5", "3", "8", "x", "y", "z");
    tc_tokenizer_free(t);

    t = mk(1, 1, 1, 0); /* punctuation kept, symbols ($ + = ^ | ~) still dropped */
    EXPECT(t, "Hello, world! (test) -- e-mail: a@b.com", "hello", ",", "world", "!", "(", "test", ")", "-", "-", "e",
           "-", "mail", ":", "a", "@", "b", ".", "com");
    EXPECT(t, "$5 + 3 = 8 ^_^", "5", "3", "8", "_");
    tc_tokenizer_free(t);

    t = mk(1, 1, 0, 1); /* symbols kept, punctuation dropped */
    EXPECT(t, "$5 + 3 = 8 ^_^ a.b", "$", "5", "+", "3", "=", "8", "^", "^", "a", "b");
    tc_tokenizer_free(t);
}

static void options_off_preserve_text(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(0, 0, 0, 0);
    EXPECT(t, "Hello WORLD Straße ＡＢＣ ﬁ", "Hello", "WORLD", "Straße", "ＡＢＣ", "ﬁ");
    tc_tokenizer_free(t);

    t = mk(0, 1, 0, 0); /* folding without NFKC: full-width stays full-width */
    EXPECT(t, "Hello Straße ＡＢＣ ΟΔΟΣ", "hello", "strasse", "ａｂｃ", "οδοσ");
    tc_tokenizer_free(t);

    t = mk(1, 0, 0, 0); /* NFKC without folding: case stays */
    EXPECT(t, "Hello ﬁ ＡＢＣ Straße", "Hello", "fi", "ABC", "Straße");
    tc_tokenizer_free(t);
}

static void accented_latin_nfkc(void **state)
{
    (void)state;
    const char *pre = "caf\xC3\xA9";  /* U+00E9 */
    const char *dec = "cafe\xCC\x81"; /* e + U+0301 */
    tc_tokenizer *t = mk(1, 1, 0, 0);
    EXPECT(t, pre, "caf\xC3\xA9");
    EXPECT(t, dec, "caf\xC3\xA9");
    EXPECT(t, "CAFE\xCC\x81 Ångström na\xC3\xAFve", "caf\xC3\xA9", "ångström", "naïve");
    /* the marks of both orders sort into canonical order, then compose */
    EXPECT(t, "a\u0301\u0323", "\u1ea1\u0301");
    EXPECT(t, "a\u0323\u0301", "\u1ea1\u0301");
    /* the ASCII byte before a mark composes with it, even after a long ASCII run */
    EXPECT(t, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnope\u0301 x", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnop\u00e9",
           "x");
    tc_tokenizer_free(t);

    t = mk(0, 0, 0, 0);
    EXPECT(t, pre, pre);
    EXPECT(t, dec, dec);
    tc_tokenizer_free(t);

    t = mk(0, 1, 0, 0);
    EXPECT(t, "CAF\xC3\x89", "caf\xC3\xA9");
    tc_tokenizer_free(t);
}

static void nfkc_compatibility_forms(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(1, 1, 0, 0);
    EXPECT(t, "ﬁne ＡＢＣ１ ① x² H₂O ㎏", "fine", "abc1", "1", "x2", "h2o", "kg");
    /* ½ is 1 U+2044 2; the fraction slash is a symbol */
    EXPECT(t, "½", "1", "2");
    /* no-break and ideographic spaces become spaces */
    EXPECT(t, "a\u00a0b\u3000c", "a", "b", "c");
    /* NFKC turns ¨ into space + U+0308; the mark has nothing to attach to */
    EXPECT(t, "\u00a8a", "a");
    tc_tokenizer_free(t);

    t = mk(1, 1, 0, 1);
    EXPECT(t, "½", "1", "\u2044", "2");
    tc_tokenizer_free(t);
}

static void case_folding(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(1, 1, 0, 0);
    EXPECT(t, "Straße STRASSE", "strasse", "strasse");
    /* final sigma and capital sigma both fold to σ */
    EXPECT(t, "ΟΔΟΣ οδος Οδός", "οδοσ", "οδοσ", "οδόσ");
    EXPECT(t, "ПРИВЕТ, Мир!", "привет", "мир");
    tc_tokenizer_free(t);
}

static void chinese(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(1, 1, 0, 0);
    EXPECT(t, "我爱NLP。", "我", "爱", "nlp");
    EXPECT(t, "你好，世界！", "你", "好", "世", "界");
    /* Extension B ideograph and the ideographic number zero */
    EXPECT(t, "𠀀〇abc", "𠀀", "〇", "abc");
    tc_tokenizer_free(t);

    t = mk(1, 1, 1, 0); /* full-width punctuation is NFKC'd to ASCII */
    EXPECT(t, "我爱NLP。", "我", "爱", "nlp", "。");
    EXPECT(t, "你好，世界！", "你", "好", ",", "世", "界", "!");
    tc_tokenizer_free(t);
}

static void japanese(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(1, 1, 0, 0);
    EXPECT(t, "東京タワーへ行く", "東", "京", "タ", "ワ", "ー", "へ", "行", "く");
    EXPECT(t, "日本語とEnglishです", "日", "本", "語", "と", "english", "で", "す");
    EXPECT(t, "ﾃｽﾄ", "テ", "ス", "ト"); /* halfwidth → full-width kana */
    EXPECT(t, "か\u3099", "が");        /* kana + combining dakuten compose */
    tc_tokenizer_free(t);

    t = mk(0, 0, 0, 0);
    EXPECT(t, "か\u3099き", "か\u3099", "き"); /* the mark stays with its kana */
    tc_tokenizer_free(t);
}

static void korean(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(1, 1, 0, 0);
    EXPECT(t, "안녕하세요 세계", "안", "녕", "하", "세", "요", "세", "계");
    EXPECT(t, "한국NLP모델", "한", "국", "nlp", "모", "델");
    /* conjoining jamo compose into syllables under NFKC */
    EXPECT(t, "\u1100\u1161\u1102\u1161", "가", "나");
    tc_tokenizer_free(t);

    t = mk(0, 0, 0, 0); /* without NFKC the jamo are ordinary letters: one word */
    EXPECT(t, "\u1100\u1161\u1102\u1161", "\u1100\u1161\u1102\u1161");
    tc_tokenizer_free(t);
}

static void arabic_devanagari_thai(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(1, 1, 0, 0);
    EXPECT(t, "مرحبا بالعالم", "مرحبا", "بالعالم");
    EXPECT(t, "كَتَبَ", "كَتَبَ"); /* harakat (Mn) stay in the word */
    EXPECT(t, "هل أنت بخير؟", "هل", "أنت", "بخير");
    EXPECT(t, "हिन्दी भाषा।", "हिन्दी", "भाषा"); /* virama and vowel signs stay */
    /* known limitation: Thai has no spaces between words, so one run = one token */
    EXPECT(t, "สวัสดีครับ", "สวัสดีครับ");
    tc_tokenizer_free(t);

    t = mk(1, 1, 1, 0);
    EXPECT(t, "हिन्दी भाषा।", "हिन्दी", "भाषा", "।");
    tc_tokenizer_free(t);
}

static void emoji_and_symbols(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(1, 1, 0, 0);
    EXPECT(t, "I ❤ pizza 🍕!", "i", "pizza");
    EXPECT(t, "pizza🍕time", "pizza", "time");
    tc_tokenizer_free(t);

    t = mk(1, 1, 0, 1);
    EXPECT(t, "I ❤ pizza 🍕!", "i", "❤", "pizza", "🍕");
    EXPECT(t, "🍕🍕", "🍕", "🍕");
    EXPECT(t, "❤\ufe0f", "❤\ufe0f"); /* the variation selector is a mark */
    tc_tokenizer_free(t);

    t = mk(1, 1, 1, 1);
    EXPECT(t, "I ❤ pizza 🍕!", "i", "❤", "pizza", "🍕", "!");
    tc_tokenizer_free(t);
}

static void apostrophes(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(1, 1, 0, 0);
    EXPECT(t, "don't Don’t do n't", "don't", "don’t", "do", "n't");
    EXPECT(t, "rock'n'roll it's 90's l’été", "rock'n'roll", "it's", "90's", "l’été");
    EXPECT(t, "'quoted' dogs' 'tis don''t x'2 a'中", "quoted", "dogs", "tis", "don", "t", "x", "2", "a", "中");
    EXPECT(t, "end'", "end");
    tc_tokenizer_free(t);

    t = mk(1, 1, 1, 0);
    EXPECT(t, "'quoted' dogs' don't don''t x'2 end'", "'", "quoted", "'", "dogs", "'", "don't", "don", "'", "'", "t",
           "x", "'", "2", "end", "'");
    tc_tokenizer_free(t);
}

static void digits(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(1, 1, 0, 0);
    EXPECT(t, "123 4.56 1,000 abc123def ٣٤٥ １２３", "123", "4", "56", "1", "000", "abc123def", "٣٤٥", "123");
    tc_tokenizer_free(t);
}

static void empty_and_separator_only(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(1, 1, 0, 0);
    tc_tokens tk = run(t, NULL, 0);
    assert_int_equal(tk.n, 0);
    EXPECT_NONE(t, "");
    EXPECT_NONE(t, " \t\r\n.,;!?");
    EXPECT_NONE(t, "\u3000\u00a0 \u2028 ... -- 🍕");
    tc_tokenizer_free(t);

    t = mk(1, 1, 1, 0);
    EXPECT(t, " \t\r\n.,;!?", ".", ",", ";", "!", "?");
    tc_tokenizer_free(t);
}

static void invalid_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint64_t bad;
        const char *tok[3];
    } cases[] = {
        {"ab"
         "\xFF"
         "cd",
         1,
         {"ab", "cd"}},
        {"x"
         "\xC0\xAF"
         "y",
         2,
         {"x", "y"}}, /* overlong '/' */
        {"x"
         "\xE0\x80\xAF"
         "y",
         3,
         {"x", "y"}}, /* 3-byte overlong */
        {"p"
         "\xED\xA0\x80"
         "q",
         3,
         {"p", "q"}}, /* surrogate U+D800 */
        {"p"
         "\xF4\x90\x80\x80"
         "q",
         4,
         {"p", "q"}}, /* above U+10FFFF */
        {"end"
         "\xE4\xB8",
         1,
         {"end"}}, /* truncated at end of input */
        {"\xE4\xB8"
         "a",
         1,
         {"a"}},                     /* truncated before ASCII */
        {"\xF0\x9F\x8D", 1, {NULL}}, /* truncated 4-byte */
        {"\x80"
         "z",
         1,
         {"z"}}, /* stray continuation */
        {"\xE4\xB8\xAD"
         "a",
         0,
         {"中", "a"}}, /* valid neighbour */
    };
    tc_tokenizer *t = mk(1, 1, 0, 0);
    uint64_t total = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_tokenizer_reset_invalid_count(t);
        size_t n = 0;
        while (n < 3 && cases[i].tok[n])
            n++;
        const char *exp[4] = {0};
        memcpy(exp, cases[i].tok, n * sizeof *exp);
        expect_n(t, cases[i].s, strlen(cases[i].s), exp);
        assert_int_equal(tc_tokenizer_invalid_count(t), cases[i].bad);
        total += cases[i].bad;
    }
    tc_tokenizer_free(t);

    /* the count accumulates across calls until reset; U+FFFD is a symbol */
    t = mk(1, 1, 0, 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run(t, cases[i].s, strlen(cases[i].s));
    assert_int_equal(tc_tokenizer_invalid_count(t), total);
    EXPECT(t,
           "a"
           "\xFF"
           "b"
           "\xC0\xAF",
           "a", "\xEF\xBF\xBD", "b", "\xEF\xBF\xBD", "\xEF\xBF\xBD");
    assert_int_equal(tc_tokenizer_invalid_count(t), total + 3);
    tc_tokenizer_reset_invalid_count(t);
    assert_int_equal(tc_tokenizer_invalid_count(t), 0);
    tc_tokenizer_free(t);
}

static void nul_and_controls_separate(void **state)
{
    (void)state;
    static const char s[] = "abc\0def\x01ghi\tjkl\x7fmno";
    tc_tokenizer *t = mk(1, 1, 1, 1);
    expect_n(t, s, sizeof s - 1, (const char *const[]){"abc", "def", "ghi", "jkl", "mno", NULL});
    tc_tokenizer_free(t);
}

/* Checks that s splits greedily into pieces of the given byte lengths that
 * concatenate back to s. */
static void expect_pieces(tc_tokenizer *t, const char *s, const uint32_t *lens, size_t n)
{
    tc_tokens tk = run(t, s, strlen(s));
    assert_int_equal(tk.n, n);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(tk.len[i], lens[i]);
        assert_memory_equal(tk.buf + tk.off[i], s + at, lens[i]);
        at += lens[i];
    }
    assert_int_equal(at, strlen(s));
}

static void long_words_are_cut(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(1, 1, 0, 0);
    char *s = malloc(5001);
    assert_non_null(s);

    memset(s, 'a', 5000);
    s[5000] = '\0';
    expect_pieces(t, s, (const uint32_t[]){1024, 1024, 1024, 1024, 904}, 5);

    /* 'a' + 1666 × U+0939 (3 bytes) + 'b' = 5000 bytes: a piece holds 'a' plus
     * 341 ह (1024 bytes), then 341 ह (1023; one more would be 1026), … */
    size_t k = 0;
    s[k++] = 'a';
    for (int i = 0; i < 1666; i++) {
        memcpy(s + k, "\xE0\xA4\xB9", 3);
        k += 3;
    }
    s[k++] = 'b';
    s[k] = '\0';
    assert_int_equal(k, 5000);
    expect_pieces(t, s, (const uint32_t[]){1024, 1023, 1023, 1023, 907}, 5);
    free(s);
    tc_tokenizer_free(t);
}

/* 1500 × (U+0301 U+0323) after 'a': one long run of marks that must be put in
 * canonical order (220 before 230); a + U+0323 composes to U+1EA1. */
static void long_combining_run(void **state)
{
    (void)state;
    size_t n = 1 + 1500 * 4;
    char *s = malloc(n + 1), *exp = malloc(n + 1);
    assert_non_null(s);
    assert_non_null(exp);
    s[0] = 'a';
    for (int i = 0; i < 1500; i++)
        memcpy(s + 1 + 4 * i, "\xCC\x81\xCC\xA3", 4);
    s[n] = '\0';
    size_t k = 0;
    memcpy(exp, "\xE1\xBA\xA1", 3); /* U+1EA1 */
    k = 3;
    for (int i = 0; i < 1499; i++, k += 2)
        memcpy(exp + k, "\xCC\xA3", 2);
    for (int i = 0; i < 1500; i++, k += 2)
        memcpy(exp + k, "\xCC\x81", 2);

    tc_tokenizer *t = mk(1, 1, 0, 0);
    tc_tokens tk = run(t, s, n);
    size_t at = 0;
    for (size_t i = 0; i < tk.n; i++) {
        assert_true(at + tk.len[i] <= k);
        assert_memory_equal(tk.buf + tk.off[i], exp + at, tk.len[i]);
        at += tk.len[i];
    }
    assert_int_equal(at, k);
    /* 6001 bytes: 3 + 510 × 2 = 1023, then four pieces of 512 × 2, then 882 */
    assert_int_equal(tk.n, 6);
    assert_int_equal(tk.len[0], 1023);
    assert_int_equal(tk.len[1], 1024);
    assert_int_equal(tk.len[5], 882);
    free(s);
    free(exp);
    tc_tokenizer_free(t);
}

/* Long non-ASCII texts cross the tokenizer's internal chunk boundaries. */
static void long_texts_cross_chunks(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(1, 1, 0, 0);
    char *s = malloc(20000);
    assert_non_null(s);

    size_t k = 0; /* 3000 × "e◌́ " : every token is é */
    for (int i = 0; i < 3000; i++, k += 4)
        memcpy(s + k, "e\xCC\x81 ", 4);
    tc_tokens tk = run(t, s, k);
    assert_int_equal(tk.n, 3000);
    for (size_t i = 0; i < tk.n; i++)
        assert_string_equal(tk.buf + tk.off[i], "\xC3\xA9");

    k = 0; /* 1500 × 中文 */
    for (int i = 0; i < 1500; i++, k += 6)
        memcpy(s + k, "中文", 6);
    tk = run(t, s, k);
    assert_int_equal(tk.n, 3000);
    for (size_t i = 0; i < tk.n; i++)
        assert_string_equal(tk.buf + tk.off[i], i % 2 ? "文" : "中");

    k = 0; /* 1200 × "ΑΒΓ" + no-break space */
    for (int i = 0; i < 1200; i++, k += 8)
        memcpy(s + k, "ΑΒΓ\xC2\xA0", 8);
    tk = run(t, s, k);
    assert_int_equal(tk.n, 1200);
    for (size_t i = 0; i < tk.n; i++)
        assert_string_equal(tk.buf + tk.off[i], "αβγ");
    free(s);
    tc_tokenizer_free(t);
}

/* Copies the tokens of s (NUL-separated, count in *n) into out. */
static size_t collect(tc_tokenizer *t, const char *s, char *out, size_t cap, size_t *n)
{
    tc_tokens tk = run(t, s, strlen(s));
    size_t k = 0;
    for (size_t i = 0; i < tk.n; i++) {
        assert_true(k + tk.len[i] + 1 <= cap);
        memcpy(out + k, tk.buf + tk.off[i], tk.len[i] + 1);
        k += tk.len[i] + 1;
    }
    *n = tk.n;
    return k;
}

/* Replaces every ASCII space of s by U+00A0 (a Zs separator, NFKC'd to a space). */
static void spaces_to_nbsp(const char *s, char *out)
{
    for (; *s; s++) {
        if (*s == ' ') {
            *out++ = '\xC2';
            *out++ = '\xA0';
        } else {
            *out++ = *s;
        }
    }
    *out = '\0';
}

static void ascii_fast_path_matches_general_path(void **state)
{
    (void)state;
    /* words, capitals, apostrophes, punctuation, symbols, digits, controls;
     * no run between spaces reaches 32 bytes, so in the NBSP variant all of it
     * goes through the general (utf8proc) path */
    static const char base[] =
        "The Quick brown-fox's 3 JUMPS, over 12 LAZY dogs' backs! don't 'stop' "
        "x_y a+b=c ~tilde~ $100 50% e-mail@example.com (parens) [brackets] {b} "
        "it's\tTAB\nnewline\x01"
        "ctl back\\slash \"quoted\" semi;colon end'";
#define OPTS(n, l, p, y)                                                   \
    {                                                                      \
        .normalize = n, .lowercase = l, .keep_punct = p, .keep_symbols = y \
    }
    static const tc_tokenizer_opts opts[] = {OPTS(1, 1, 0, 0), OPTS(1, 1, 1, 1), OPTS(0, 0, 1, 1), OPTS(0, 1, 1, 0)};
#undef OPTS
    char alt[512], a[1024], b[1024];
    spaces_to_nbsp(base, alt);
    for (size_t o = 0; o < sizeof opts / sizeof opts[0]; o++) {
        tc_err err;
        tc_tokenizer *t = tc_tokenizer_new(&opts[o], &err);
        assert_non_null(t);
        size_t na, nb;
        size_t ka = collect(t, base, a, sizeof a, &na);
        assert_true(na > 20);
        size_t kb = collect(t, alt, b, sizeof b, &nb);
        assert_int_equal(nb, na);
        assert_int_equal(kb, ka);
        assert_memory_equal(a, b, ka);

        /* a non-ASCII word appended after a space adds exactly one token */
        char more[600];
        snprintf(more, sizeof more, "%s \xC3\xA9t\xC3\xA9", base);
        kb = collect(t, more, b, sizeof b, &nb);
        assert_int_equal(nb, na + 1);
        assert_memory_equal(a, b, ka);
        assert_string_equal(b + ka, "\xC3\xA9t\xC3\xA9");
        tc_tokenizer_free(t);
    }
}

/* Strict UTF-8 check (shortest form, no surrogates, <= U+10FFFF). */
static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        uint32_t v;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1, v = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, v = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, v = c & 0x07;
        } else {
            return 0;
        }
        if (i + k >= n)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            v = v << 6 | (s[i + j] & 0x3F);
        }
        static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
        if (v < min[k] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

static int contains(const char *hay, size_t hn, const char *needle, size_t nn)
{
    for (size_t i = 0; i + nn <= hn; i++)
        if (memcmp(hay + i, needle, nn) == 0)
            return 1;
    return 0;
}

static void random_bytes_are_safe(void **state)
{
    (void)state;
    /* bytes that start, continue or break sequences, plus separators and quotes */
    static const unsigned char pick[] = {0x00, 0x20, 0x27, 'a',  'Z',  '.',  0x80, 0x8F, 0x9F, 0xA0, 0xBF,
                                         0xC0, 0xC2, 0xCC, 0xE0, 0xE2, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
    tc_tokenizer *ts[16];
    for (int o = 0; o < 16; o++)
        ts[o] = mk(o & 1, (o >> 1) & 1, (o >> 2) & 1, (o >> 3) & 1);
    tc_rng r;
    tc_rng_seed(&r, 12345);
    unsigned char s[64];
    for (int it = 0; it < 20000; it++) {
        size_t n = (size_t)tc_rng_below(&r, 65);
        for (size_t i = 0; i < n; i++)
            s[i] = tc_rng_below(&r, 2) ? (unsigned char)tc_rng_below(&r, 256) : pick[tc_rng_below(&r, sizeof pick)];
        int o = it % 16;
        tc_tokenizer *t = ts[o];
        uint64_t before = tc_tokenizer_invalid_count(t);
        tc_tokens tk;
        tc_err err;
        assert_int_equal(tc_tokenize(t, (const char *)s, n, &tk, &err), 0);
        assert_true(tc_tokenizer_invalid_count(t) - before <= n);
        for (size_t i = 0; i < tk.n; i++) {
            const char *w = tk.buf + tk.off[i];
            assert_true(tk.len[i] > 0);
            assert_int_equal(w[tk.len[i]], '\0');
            assert_int_equal(strlen(w), tk.len[i]);
            assert_true(valid_utf8((const unsigned char *)w, tk.len[i]));
            /* without NFKC, folding and kept symbols a token is a copy of input bytes */
            if (o == 0 || o == 4)
                assert_true(contains((const char *)s, n, w, tk.len[i]));
        }
    }
    for (int o = 0; o < 16; o++)
        tc_tokenizer_free(ts[o]);
}

static void results_reuse_buffers(void **state)
{
    (void)state;
    tc_tokenizer *t = mk(1, 1, 0, 0);
    EXPECT(t, "first call here", "first", "call", "here");
    EXPECT(t, "second", "second");
    EXPECT(t, "first call here", "first", "call", "here");
    tc_tokenizer_free(t);

    tc_err err;
    t = tc_tokenizer_new(NULL, &err); /* defaults: NFKC + folding, no punct/symbols */
    assert_non_null(t);
    EXPECT(t, "ＡＢＣ, Straße! 🍕", "abc", "strasse");
    tc_tokenizer_free(t);
    tc_tokenizer_free(NULL);
}

/* ---- the options of issue "text features": one test per mode ---------- */

static tc_tokenizer *mk_opts(tc_tokenizer_opts o)
{
    tc_err err;
    tc_tokenizer *t = tc_tokenizer_new(&o, &err);
    assert_non_null(t);
    return t;
}

static void strip_accents_five_scripts(void **state)
{
    (void)state;
    tc_tokenizer *t = mk_opts((tc_tokenizer_opts){.normalize = 1, .lowercase = 1, .strip_accents = 1});
    /* Latin, precomposed and decomposed */
    EXPECT(t, "Café CAFE\u0301 naïve Ångström Dvořák", "cafe", "cafe", "naive", "angstrom", "dvorak");
    /* Vietnamese: ế is e + circumflex + acute, both nonspacing */
    EXPECT(t, "Tiếng Việt", "tieng", "viet");
    /* Greek tonos and dialytika */
    EXPECT(t, "Ελλάδα ΐ", "ελλαδα", "ι");
    /* Cyrillic й is и + breve: gone too (Keras/BERT do the same) */
    EXPECT(t, "йод", "иод");
    /* kana keep their voicing marks, also without NFKC composition first */
    EXPECT(t, "がぎぐ か\u3099", "が", "ぎ", "ぐ", "が");
    /* Devanagari: the virama (Mn) goes, the vowel signs (Mc) stay — the
     * documented reason to leave strip_accents off for Indic scripts */
    EXPECT(t, "हिन्दी", "हिनदी");
    tc_tokenizer_free(t);

    /* without normalize: canonical decomposition only, recomposed after */
    t = mk_opts((tc_tokenizer_opts){.normalize = 0, .lowercase = 0, .strip_accents = 1});
    EXPECT(t, "Café ﬁ 한국", "Cafe", "ﬁ", "한", "국");
    tc_tokenizer_free(t);
}

static void digits_zero_five_scripts(void **state)
{
    (void)state;
    tc_tokenizer *t = mk_opts((tc_tokenizer_opts){.normalize = 1, .lowercase = 1, .digits = TC_DIGITS_ZERO});
    EXPECT(t, "in 1999 mp3 3.14 1,000,000 x² 90's", "in", "0", "mp0", "0", "0", "0", "0", "0", "x0", "0's");
    /* full-width digits become ASCII by NFKC; Arabic-Indic and Devanagari digits are Nd too */
    EXPECT(t, "１２３ ٣٤٥ १२३ A٣B", "0", "0", "0", "a0b");
    /* a digit run inside a CJK run: the Han characters stay tokens of their own */
    EXPECT(t, "第3章2024年", "第", "0", "章", "0", "年");
    /* ½ and Ⅻ are not decimal digits: NFKC makes them 1⁄2 and xii */
    EXPECT(t, "½ Ⅻ", "0", "0", "xii");
    tc_tokenizer_free(t);

    t = mk_opts((tc_tokenizer_opts){.normalize = 0, .lowercase = 0, .digits = TC_DIGITS_ZERO});
    EXPECT(t, "１２３ab45", "0ab0");
    tc_tokenizer_free(t);
}

static void keras_filters(void **state)
{
    (void)state;
    static const char keras[] = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";
    tc_tokenizer *t = mk_opts(
        (tc_tokenizer_opts){.normalize = 1, .lowercase = 1, .keep_punct = 1, .keep_symbols = 1, .filters = keras});
    /* filtered characters separate and vanish even with keep_punct/keep_symbols */
    EXPECT(t, "Hello, world! (e-mail: a@b.com) 5$", "hello", "world", "e", "mail", "a", "b", "com", "5");
    /* what the filters do not name is still kept; "…" is "..." after NFKC */
    EXPECT(t, "wait— «quoted» ¿qué?…", "wait", "—", "«", "quoted", "»", "¿", "qué");
    tc_tokenizer_free(t);

    /* the apostrophe in filters splits contractions; non-ASCII filters work too */
    t = mk_opts((tc_tokenizer_opts){.normalize = 1, .lowercase = 1, .keep_punct = 1, .filters = "'。é"});
    EXPECT(t, "don't 你好。世界 café", "don", "t", "你", "好", "世", "界", "caf");
    /* filters compare with the folded text: "é" also removes "É" */
    EXPECT(t, "CAFÉ", "caf");
    tc_tokenizer_free(t);

    /* Japanese, Arabic and Cyrillic punctuation named in filters; the rest kept */
    t = mk_opts((tc_tokenizer_opts){.normalize = 1, .lowercase = 1, .keep_punct = 1, .filters = "、،-"});
    EXPECT(t, "東京、大阪。", "東", "京", "大", "阪", "。");
    EXPECT(t, "مرحبا،عالم؟", "مرحبا", "عالم", "؟");
    EXPECT(t, "Северо-Запад!", "северо", "запад", "!");
    tc_tokenizer_free(t);

    /* an upper-case filter never matches once the text is folded */
    t = mk_opts((tc_tokenizer_opts){.normalize = 1, .lowercase = 1, .filters = "A"});
    EXPECT(t, "BANANA", "banana");
    tc_tokenizer_free(t);

    tc_err err;
    tc_tokenizer_opts bad = {.normalize = 1, .filters = "ok\xC3"};
    assert_null(tc_tokenizer_new(&bad, &err));
    assert_non_null(strstr(err.msg, "tokenizer.filters: not valid UTF-8"));
}

static void whitespace_split_five_scripts(void **state)
{
    (void)state;
    tc_tokenizer *t = mk_opts(
        (tc_tokenizer_opts){.normalize = 1, .lowercase = 1, .split = TC_SPLIT_WHITESPACE, .cjk = TC_CJK_BIGRAM});
    /* punctuation stays inside tokens; cjk does not apply; tabs, newlines,
     * NBSP and the ideographic space separate */
    EXPECT(t, "Hello, World!\tit's e-mail\n:-)", "hello,", "world!", "it's", "e-mail", ":-)");
    EXPECT(t, "我 爱 北京天安门\u3000。", "我", "爱", "北京天安门", "。");
    EXPECT(t, "東京 タワー", "東京", "タワー");
    EXPECT(t, "한국어\u00a0사랑해요", "한국어", "사랑해요");
    EXPECT(t, "مرحبا بالعالم!", "مرحبا", "بالعالم!");
    /* format characters (ZWJ in an emoji sequence) stay inside a token */
    EXPECT(t, "👩\u200d💻 ok", "👩\u200d💻", "ok");
    tc_tokenizer_free(t);

    t = mk_opts((tc_tokenizer_opts){
        .normalize = 1, .lowercase = 1, .split = TC_SPLIT_WHITESPACE, .digits = TC_DIGITS_ZERO, .filters = ","});
    EXPECT(t, "a,b 1,000 v2.10", "a", "b", "0", "0", "v0.0");
    tc_tokenizer_free(t);
}

static void cjk_bigrams_three_scripts(void **state)
{
    (void)state;
    tc_tokenizer *b = mk_opts((tc_tokenizer_opts){.normalize = 1, .lowercase = 1, .cjk = TC_CJK_BIGRAM});
    tc_tokenizer *cb = mk_opts((tc_tokenizer_opts){.normalize = 1, .lowercase = 1, .cjk = TC_CJK_CHAR_BIGRAM});
    EXPECT(b, "我爱北京", "我爱", "爱北", "北京");
    EXPECT(cb, "我爱北京", "我", "我爱", "爱", "爱北", "北", "北京", "京");
    /* runs end at anything that is not a CJK character; a lone one stays itself */
    EXPECT(b, "我爱NLP和AI。好 的", "我爱", "nlp", "和", "ai", "好", "的");
    EXPECT(cb, "我爱NLP和AI", "我", "我爱", "爱", "nlp", "和", "ai");
    /* Japanese kanji + katakana (with the prolonged sound mark), Korean Hangul */
    EXPECT(b, "東京タワー", "東京", "京タ", "タワ", "ワー");
    EXPECT(b, "한국어 사랑", "한국", "국어", "사랑");
    /* a character's marks stay with it (no NFKC to compose them here) */
    tc_tokenizer *raw = mk_opts((tc_tokenizer_opts){.cjk = TC_CJK_BIGRAM});
    EXPECT(raw, "か\u3099き", "か\u3099き");
    tc_tokenizer_free(raw);
    tc_tokenizer_free(cb);

    /* a long run crosses the tokenizer's internal chunks unchanged */
    static const char *const han[] = {"一", "二", "三"};
    char big[3 * 3000 + 1];
    for (int i = 0; i < 3000; i++)
        memcpy(big + 3 * i, han[i % 3], 3);
    big[sizeof big - 1] = '\0';
    tc_tokens tk = run(b, big, strlen(big));
    assert_int_equal(tk.n, 2999);
    for (size_t i = 0; i < tk.n; i++) {
        char want[7];
        memcpy(want, han[i % 3], 3);
        memcpy(want + 3, han[(i + 1) % 3], 3);
        want[6] = '\0';
        assert_string_equal(tk.buf + tk.off[i], want);
    }
    tc_tokenizer_free(b);
}

/* Every option combination on random bytes: framing holds, nothing crashes. */
static void random_bytes_every_option(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "a",      "Z",      " ", "'",      "9",    "\u00e9",   "e\u0301", "\u6211", "\u30ab\u3099",
        "\ud55c", "\u0663", ",", "\u200d", "\xff", "\xe4\xb8", "\t",      "\u00a0"};
    tc_tokenizer *ts[32];
    for (int o = 0; o < 32; o++)
        ts[o] = mk_opts(
            (tc_tokenizer_opts){.normalize = o & 1,
                                .lowercase = 1,
                                .keep_punct = (o >> 1) & 1,
                                .strip_accents = (o >> 2) & 1,
                                .split = (enum tc_split)((o >> 3) & 1),
                                .cjk = (enum tc_cjk)(o % 3),
                                .digits = (enum tc_digits)((o >> 4) & 1),
                                .filters = o & 2 ? ",'" : NULL,
                                .ngram = {.word_n = 2 + (o & 1), .char_min = 2, .char_max = 4, .buckets = 1000}});
    tc_rng r;
    tc_rng_seed(&r, 777);
    char s[256];
    for (int it = 0; it < 6000; it++) {
        size_t n = 0, k = (size_t)tc_rng_below(&r, 40);
        for (size_t i = 0; i < k; i++) {
            const char *p = pieces[tc_rng_below(&r, sizeof pieces / sizeof pieces[0])];
            memcpy(s + n, p, strlen(p));
            n += strlen(p);
        }
        tc_tokens tk;
        tc_err err;
        assert_int_equal(tc_tokenize(ts[it % 32], s, n, &tk, &err), 0);
        assert_non_null(tk.feat_off);
        assert_int_equal(tk.feat_off[0], 0);
        for (size_t i = 0; i < tk.n; i++) {
            assert_true(tk.len[i] > 0 && tk.len[i] <= TC_TOKEN_MAX_BYTES);
            assert_int_equal(strlen(tk.buf + tk.off[i]), tk.len[i]);
            assert_true(valid_utf8((const unsigned char *)tk.buf + tk.off[i], tk.len[i]));
            assert_true(tk.feat_off[i + 1] >= tk.feat_off[i]);
            for (uint32_t j = tk.feat_off[i]; j < tk.feat_off[i + 1]; j++)
                assert_true(tk.feat[j] < 1000);
        }
    }
    for (int o = 0; o < 32; o++)
        tc_tokenizer_free(ts[o]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ascii_english_and_punctuation),
        cmocka_unit_test(options_off_preserve_text),
        cmocka_unit_test(accented_latin_nfkc),
        cmocka_unit_test(nfkc_compatibility_forms),
        cmocka_unit_test(case_folding),
        cmocka_unit_test(chinese),
        cmocka_unit_test(japanese),
        cmocka_unit_test(korean),
        cmocka_unit_test(arabic_devanagari_thai),
        cmocka_unit_test(emoji_and_symbols),
        cmocka_unit_test(apostrophes),
        cmocka_unit_test(digits),
        cmocka_unit_test(empty_and_separator_only),
        cmocka_unit_test(invalid_utf8),
        cmocka_unit_test(nul_and_controls_separate),
        cmocka_unit_test(long_words_are_cut),
        cmocka_unit_test(long_combining_run),
        cmocka_unit_test(long_texts_cross_chunks),
        cmocka_unit_test(ascii_fast_path_matches_general_path),
        cmocka_unit_test(random_bytes_are_safe),
        cmocka_unit_test(results_reuse_buffers),
        cmocka_unit_test(strip_accents_five_scripts),
        cmocka_unit_test(digits_zero_five_scripts),
        cmocka_unit_test(keras_filters),
        cmocka_unit_test(whitespace_split_five_scripts),
        cmocka_unit_test(cjk_bigrams_three_scripts),
        cmocka_unit_test(random_bytes_every_option),
    };
    return cmocka_run_group_tests_name("tokenize", tests, NULL, NULL);
}
