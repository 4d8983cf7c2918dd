/* test_text.c — vocabulary (Keras ordering and num_words), padder (Keras
 * pad_sequences), hashed n-gram features (hash values computed independently,
 * so the same ids come out on every machine), and the corpus reader path
 * (columns, several text columns, JSON Lines, gzip, multi-label, unknown
 * labels, malformed rows, label ordering, the row layout with features). */
#include "tc_test.h"

#include <unistd.h>
#include <zlib.h>

#include "nn/model.h"
#include "text/corpus.h"
#include "text/ngram.h"
#include "text/pad.h"
#include "text/vocab.h"

static void count_words(tc_counter *c, const char *text)
{
    tc_err err;
    char w[64];
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, " ");
        memcpy(w, p, n);
        assert_true(tc_counter_add(c, w, n, &err) >= 0);
        p += n + (p[n] == ' ');
    }
}

static void vocab_orders_by_frequency_then_first_seen(void **st)
{
    (void)st;
    tc_counter c;
    tc_counter_init(&c);
    count_words(&c, "b a c a d b e a");
    /* counts: a 3, b 2, c 1, d 1, e 1; first seen: b a c d e */
    tc_vocab v;
    tc_vocab_init(&v);
    uint32_t remap[5];
    tc_err err;
    assert_int_equal(tc_vocab_build(&v, &c, 0, 1, remap, &err), 0);
    assert_int_equal(tc_vocab_size(&v), 7);
    assert_string_equal(tc_vocab_word(&v, 2), "a");
    assert_string_equal(tc_vocab_word(&v, 3), "b");
    assert_string_equal(tc_vocab_word(&v, 4), "c");
    assert_string_equal(tc_vocab_word(&v, 5), "d");
    assert_string_equal(tc_vocab_word(&v, 6), "e");
    assert_string_equal(tc_vocab_word(&v, 0), "<pad>");
    assert_string_equal(tc_vocab_word(&v, 1), "<oov>");
    /* remap: counter ids are b=0 a=1 c=2 d=3 e=4 */
    assert_int_equal(remap[0], 3);
    assert_int_equal(remap[1], 2);
    assert_int_equal(remap[4], 6);
    assert_int_equal(tc_vocab_lookup(&v, "zzz", 3), TC_OOV_ID);
    assert_int_equal(tc_vocab_lookup(&v, "c", 1), 4);
    tc_vocab_free(&v);

    /* Keras num_words=4: ids 0..3 only -> a, b kept */
    tc_vocab_init(&v);
    assert_int_equal(tc_vocab_build(&v, &c, 4, 1, remap, &err), 0);
    assert_int_equal(tc_vocab_size(&v), 4);
    assert_int_equal(remap[2], TC_OOV_ID);
    tc_vocab_free(&v);

    /* min_count 2 keeps a and b */
    tc_vocab_init(&v);
    assert_int_equal(tc_vocab_build(&v, &c, 0, 2, remap, &err), 0);
    assert_int_equal(tc_vocab_size(&v), 4);
    tc_vocab_free(&v);
    tc_counter_free(&c);
}

static void pad_matches_keras(void **st)
{
    (void)st;
    int32_t ids[5] = {1, 2, 3, 4, 5}, out[8];
    /* pad_sequences([[1,2,3,4,5]], maxlen=3) -> [[3,4,5]] (truncating='pre') */
    tc_pad_row(out, ids, 5, 3, TC_PRE, TC_PRE);
    assert_int_equal(out[0], 3), assert_int_equal(out[2], 5);
    tc_pad_row(out, ids, 5, 3, TC_PRE, TC_POST);
    assert_int_equal(out[0], 1), assert_int_equal(out[2], 3);
    /* padding='pre': [0,0,0,1,2] for maxlen 5 and [1,2] */
    tc_pad_row(out, ids, 2, 5, TC_PRE, TC_PRE);
    int32_t pre[5] = {0, 0, 0, 1, 2};
    assert_memory_equal(out, pre, sizeof pre);
    tc_pad_row(out, ids, 2, 5, TC_POST, TC_PRE);
    int32_t post[5] = {1, 2, 0, 0, 0};
    assert_memory_equal(out, post, sizeof post);
    tc_pad_row(out, ids, 0, 2, TC_PRE, TC_PRE);
    assert_int_equal(out[0], 0), assert_int_equal(out[1], 0);
}

/* ---- hashed n-gram features ------------------------------------------------
 * The expected hashes were computed by a separate Python transcription of the
 * definition in ngram.h (FNV-1a 64, MurmurHash3 fmix64, the seeds given
 * there), not by this code; equal values here mean the same buckets on every
 * machine and in every run. */

static void ngram_hashes_are_stable(void **st)
{
    (void)st;
    uint64_t th[3] = {tc_hash_bytes("not", 3), tc_hash_bytes("good", 4)};
    assert_true(tc_ngram_word_hash(th, 2) == 0x781d72a0d1d3abb0ULL);
    assert_int_equal(tc_ngram_word_hash(th, 2) % 2000000, 605360);
    th[0] = tc_hash_bytes("a", 1), th[1] = tc_hash_bytes("b", 1), th[2] = tc_hash_bytes("c", 1);
    assert_true(tc_ngram_word_hash(th, 3) == 0x6a70754b3e09357eULL);
    assert_true(tc_ngram_char_hash("<go", 3) == 0x763a3a0216a32838ULL);
    assert_true(tc_ngram_char_hash("好>", strlen("好>")) == 0xccf46bb47c918affULL);
    /* order matters: "good not" is another bigram */
    th[0] = tc_hash_bytes("good", 4), th[1] = tc_hash_bytes("not", 3);
    assert_true(tc_ngram_word_hash(th, 2) != 0x781d72a0d1d3abb0ULL);
}

static void tokenizer_features_match_the_definition(void **st)
{
    (void)st;
    tc_err err;
    tc_tokenizer_opts o = {.normalize = 1, .lowercase = 1, .ngram = {.word_n = 2, .buckets = 2000000}};
    tc_tokenizer *t = tc_tokenizer_new(&o, &err);
    assert_non_null(t);
    tc_tokens tk;
    assert_int_equal(tc_tokenize(t, "Not GOOD", 8, &tk, &err), 0);
    assert_int_equal(tk.n, 2);
    assert_int_equal(tk.feat_off[1] - tk.feat_off[0], 0); /* nothing ends at the first word */
    assert_int_equal(tk.feat_off[2] - tk.feat_off[1], 1);
    assert_int_equal(tk.feat[tk.feat_off[1]], 605360);
    tc_tokenizer_free(t);

    /* char n-grams of "<good>", [3, 4], by start then length (Python: see above) */
    o.ngram = (tc_ngram_opts){.char_min = 3, .char_max = 4, .buckets = 1000};
    t = tc_tokenizer_new(&o, &err);
    assert_non_null(t);
    assert_int_equal(tc_tokenize(t, "good", 4, &tk, &err), 0);
    static const uint32_t want[] = {512, 54, 192, 851, 645, 91, 460}; /* <go <goo goo good ood ood> od> */
    assert_int_equal(tk.feat_off[1], 7);
    assert_memory_equal(tk.feat, want, sizeof want);
    /* a one-letter word: its n-grams never are the bare markers */
    assert_int_equal(tc_tokenize(t, "a", 1, &tk, &err), 0);
    assert_int_equal(tk.feat_off[1], 1); /* "<a>" only */
    assert_int_equal(tk.feat[0], tc_ngram_char_hash("<a>", 3) % 1000);
    tc_tokenizer_free(t);
}

static void input_rows_and_lstm(void **st)
{
    (void)st;
    tc_config cfg;
    tc_config_defaults(&cfg);
    tc_vocab v;
    tc_vocab_init(&v);
    tc_err err;
    assert_int_equal(tc_vocab_push(&v, "w", 1, &err), 0);
    assert_int_equal(tc_input_rows(&cfg, &v), 3);
    cfg.tokenizer.ngrams = 2;
    cfg.tokenizer.buckets = 1000;
    assert_int_equal(tc_input_rows(&cfg, &v), 1003);
    assert_null(tc_ngram_config_warning(&cfg));
    cfg.model.encoder = TC_ENC_LSTM; /* the LSTM reads word order: no hashed rows */
    assert_int_equal(tc_input_rows(&cfg, &v), 3);
    assert_non_null(tc_ngram_config_warning(&cfg));
    tc_tokenizer *t = tc_tokenizer_from_config(&cfg, &err);
    tc_tokens tk;
    assert_int_equal(tc_tokenize(t, "a b", 3, &tk, &err), 0);
    assert_null(tk.feat_off);
    tc_tokenizer_free(t);
    cfg.model.encoder = TC_ENC_GAP;
    cfg.tokenizer.ngrams = 1;
    cfg.tokenizer.n_char_ngrams = 2;
    cfg.tokenizer.char_ngrams[0] = 3, cfg.tokenizer.char_ngrams[1] = 5;
    assert_int_equal(tc_input_rows(&cfg, &v), 1003);
    tc_vocab_free(&v);
}

static char path[] = "/tmp/tc_text_XXXXXX";

static void write_file(const char *text)
{
    strcpy(path, "/tmp/tc_text_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

typedef struct {
    tc_config cfg;
    tc_tokenizer *tok;
    tc_counter counter;
    tc_strtab labels;
    tc_corpus c;
} fixture;

static int read_train(fixture *f, const char *text, tc_err *err)
{
    write_file(text);
    tc_corpus_src s = {.cfg = &f->cfg, .tok = f->tok, .counter = &f->counter, .labels = &f->labels, .add_labels = 1};
    int rc = tc_corpus_read(&f->c, path, &s, err);
    unlink(path);
    return rc;
}

static int fixture_setup(void **st)
{
    fixture *f = calloc(1, sizeof *f);
    tc_config_defaults(&f->cfg);
    tc_err err;
    f->tok = tc_tokenizer_from_config(&f->cfg, &err);
    tc_counter_init(&f->counter);
    tc_strtab_init(&f->labels);
    tc_corpus_init(&f->c);
    *st = f;
    return f->tok ? 0 : -1;
}

static int fixture_teardown(void **st)
{
    fixture *f = *st;
    tc_tokenizer_free(f->tok);
    tc_counter_free(&f->counter);
    tc_strtab_free(&f->labels);
    tc_corpus_free(&f->c);
    free(f);
    return 0;
}

static void corpus_reads_columns_by_name(void **st)
{
    fixture *f = *st;
    tc_err err;
    assert_int_equal(read_train(f, "id,text,label\n1,\"Hello, world\",pos\n2,bad day,neg\n\n3,Hello again,pos\n", &err),
                     0);
    assert_int_equal(f->c.n, 3);
    assert_int_equal(f->c.blank, 1);
    assert_int_equal(f->labels.n, 2);
    /* row 0: hello world, label pos (id 0 before sorting) */
    assert_int_equal(f->c.tok_off[1] - f->c.tok_off[0], 2);
    assert_int_equal(f->c.line[2], 5);
    uint32_t remap[2];
    assert_int_equal(tc_labels_sort(&f->labels, remap, &err), 0);
    assert_string_equal(tc_strtab_str(&f->labels, 0), "neg");
    assert_int_equal(remap[0], 1); /* pos -> 1 */
    tc_corpus_remap_labels(&f->c, remap);
    assert_int_equal(f->c.labels[0], 1);
    assert_int_equal(f->c.labels[1], 0);
    assert_int_equal(f->c.max_tokens, 2);
}

static void corpus_errors_name_file_and_line(void **st)
{
    fixture *f = *st;
    tc_err err;
    assert_int_equal(read_train(f, "label,text\npos,fine\nneg\n", &err), -1);
    assert_non_null(strstr(err.msg, ":3: expected at least 2 fields, found 1"));
    assert_non_null(strstr(err.msg, "/tmp/tc_text_"));
    tc_corpus_free(&f->c);
    assert_int_equal(read_train(f, "label,txt\npos,fine\n", &err), -1);
    assert_non_null(strstr(err.msg, "data.text_column 'text' is not a column of the header"));
    tc_corpus_free(&f->c);
    assert_int_equal(read_train(f, "label,text\n,no label here\n", &err), -1);
    assert_non_null(strstr(err.msg, ":2: empty label"));
    tc_corpus_free(&f->c);
    /* on_error: skip counts the bad rows and keeps the good ones */
    f->cfg.data.on_error = TC_ONERR_SKIP;
    assert_int_equal(read_train(f, "label,text\npos,fine\nneg\n\"unterminated,x\nneg,ok\n", &err), 0);
    assert_int_equal(f->c.n, 1);
    assert_true(f->c.skipped >= 1);
    f->cfg.data.on_error = TC_ONERR_ERROR;
    tc_corpus_free(&f->c);
    assert_int_equal(read_train(f, "", &err), 0);
    assert_int_equal(f->c.n, 0);
}

static void corpus_multilabel_and_indices(void **st)
{
    fixture *f = *st;
    tc_err err;
    strcpy(f->cfg.data.label_separator, "|");
    f->cfg.data.header = 0;
    strcpy(f->cfg.data.text_column, "1");
    strcpy(f->cfg.data.label_column, "0");
    assert_int_equal(read_train(f, "joy|anger,so mixed\njoy| joy ,happy\n,nothing at all\n", &err), 0);
    assert_int_equal(f->c.n, 3);
    assert_int_equal(f->c.lab_off[1] - f->c.lab_off[0], 2);
    assert_int_equal(f->c.lab_off[2] - f->c.lab_off[1], 1); /* duplicates count once, spaces trimmed */
    assert_int_equal(f->c.lab_off[3] - f->c.lab_off[2], 0);
    assert_int_equal(f->c.max_labels, 2);
    assert_true(tc_corpus_is_multilabel(&f->cfg, &f->c));
    /* evaluation: the label set is fixed, unknown labels are counted */
    tc_vocab v;
    tc_vocab_init(&v);
    tc_corpus e;
    tc_corpus_init(&e);
    write_file("joy|fear,x\n");
    tc_corpus_src s = {.cfg = &f->cfg, .tok = f->tok, .vocab = &v, .labels = &f->labels};
    assert_int_equal(tc_corpus_read(&e, path, &s, &err), 0);
    unlink(path);
    assert_int_equal(e.unknown_labels, 1);
    assert_int_equal(e.lab_off[1], 1);
    assert_int_equal(e.ids[0], TC_OOV_ID);
    tc_corpus_free(&e);
    tc_vocab_free(&v);
    /* a column name without a header is a config error */
    strcpy(f->cfg.data.text_column, "text");
    tc_corpus_free(&f->c);
    assert_int_equal(read_train(f, "a,b\n", &err), -1);
    assert_non_null(strstr(err.msg, "data.header is false"));
}

static void corpus_fasttext_format(void **st)
{
    fixture *f = *st;
    tc_err err;
    f->cfg.data.format = TC_FMT_FASTTEXT;
    assert_int_equal(read_train(f, "__label__a __label__b two labels\n__label__a one\nno label\n", &err), -1);
    assert_non_null(strstr(err.msg, ":3: no __label__"));
    tc_corpus_free(&f->c);
    assert_int_equal(read_train(f, "__label__a __label__b two labels\n__label__a one\n", &err), 0);
    assert_int_equal(f->c.n, 2);
    assert_int_equal(f->c.max_labels, 2);
    assert_true(tc_corpus_is_multilabel(&f->cfg, &f->c));
    assert_int_equal(f->c.tok_off[1], 2);
}

static void encode_text_uses_vocab(void **st)
{
    fixture *f = *st;
    tc_err err;
    tc_vocab v;
    tc_vocab_init(&v);
    assert_int_equal(tc_vocab_push(&v, "hello", 5, &err), 0);
    int32_t *ids = NULL;
    size_t n = 0, cap = 0;
    assert_int_equal(tc_encode_text(f->tok, &v, "HELLO there, hello!", 19, &ids, &n, &cap, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[1], TC_OOV_ID);
    assert_int_equal(ids[2], 2);
    free(ids);
    tc_vocab_free(&v);
}

/* New tokenizer for f->cfg after a change to it. */
static void retok(fixture *f)
{
    tc_err err;
    tc_tokenizer_free(f->tok);
    f->tok = tc_tokenizer_from_config(&f->cfg, &err);
    assert_non_null(f->tok);
}

/* Builds the vocabulary from f->counter and remaps f->c as `train` does. */
static void build_vocab(fixture *f, tc_vocab *v)
{
    tc_err err;
    uint32_t remap[64];
    assert_true(f->counter.words.n <= 64);
    tc_vocab_init(v);
    assert_int_equal(tc_vocab_build(v, &f->counter, 0, 1, remap, &err), 0);
    tc_ngram_opts ng;
    tc_ngram_opts_from_config(&ng, &f->cfg);
    assert_int_equal(tc_corpus_remap_tokens(&f->c, remap, v, tc_ngram_on(&ng) ? ng.buckets : 0,
                                            (uint64_t)f->cfg.tokenizer.feature_min_count, &err),
                     0);
}

static void rows_with_features(void **st)
{
    fixture *f = *st;
    tc_err err;
    f->cfg.tokenizer.ngrams = 2;
    f->cfg.tokenizer.buckets = 50;
    retok(f);
    const char *data = "label,text\npos,good movie\nneg,not good\n";
    assert_int_equal(read_train(f, data, &err), 0);
    /* training keeps features as -1 - bucket until the vocabulary exists */
    assert_int_equal(f->c.tok_off[1], 3); /* good, movie, good_movie */
    assert_true(f->c.ids[0] >= 0 && f->c.ids[1] >= 0 && f->c.ids[2] < 0);
    uint64_t th[2] = {tc_hash_bytes("good", 4), tc_hash_bytes("movie", 5)};
    uint32_t b = (uint32_t)(tc_ngram_word_hash(th, 2) % 50);
    assert_int_equal(f->c.ids[2], -1 - (int32_t)b);
    uint64_t th2[2] = {tc_hash_bytes("not", 3), tc_hash_bytes("good", 4)};
    uint32_t b2 = (uint32_t)(tc_ngram_word_hash(th2, 2) % 50);
    assert_true(b != b2); /* so the two rows below are distinct */
    tc_vocab v;
    build_vocab(f, &v);
    /* vocabulary: good (2), movie (3), not (4); then one row per bucket SEEN,
     * in bucket order: good_movie and not_good, not 50 */
    assert_int_equal(tc_vocab_size(&v), 5);
    assert_int_equal(v.feat_map, 1);
    assert_int_equal(v.nfeat, 2);
    assert_int_equal(tc_input_rows(&f->cfg, &v), 8); /* and the unseen row */
    int32_t rb = 5 + (b > b2), rb2 = 5 + (b2 > b);
    int32_t want0[] = {2, 3, rb};
    assert_memory_equal(f->c.ids, want0, sizeof want0);
    assert_int_equal(f->c.ids[5], rb2);
    assert_int_equal(f->c.max_tokens, 3);

    /* evaluation reads the same rows to the same ids, and so does predict's path */
    tc_corpus e;
    tc_corpus_init(&e);
    write_file(data);
    tc_corpus_src s = {.cfg = &f->cfg, .tok = f->tok, .vocab = &v, .labels = &f->labels};
    assert_int_equal(tc_corpus_read(&e, path, &s, &err), 0);
    unlink(path);
    assert_int_equal(e.tok_off[2], f->c.tok_off[2]);
    assert_memory_equal(e.ids, f->c.ids, (size_t)e.tok_off[2] * sizeof *e.ids);
    int32_t *ids = NULL;
    size_t n = 0, cap = 0;
    assert_int_equal(tc_encode_text(f->tok, &v, "not good", 8, &ids, &n, &cap, &err), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(ids, e.ids + e.tok_off[1], 3 * sizeof *ids);
    /* an unknown word keeps the OOV id; its bigram's bucket was never seen in
     * training, so it takes the unseen row 7 (unless it collides) */
    uint64_t th3[2] = {tc_hash_bytes("great", 5), tc_hash_bytes("movie", 5)};
    uint32_t b3 = (uint32_t)(tc_ngram_word_hash(th3, 2) % 50);
    assert_int_equal(tc_encode_text(f->tok, &v, "great movie", 11, &ids, &n, &cap, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], TC_OOV_ID);
    assert_int_equal(ids[1], 3);
    assert_int_equal(ids[2], b3 == b ? rb : b3 == b2 ? rb2 : 7);
    free(ids);
    tc_corpus_free(&e);
    tc_vocab_free(&v);
}

/* tokenizer.feature_min_count: a bucket used fewer times gets no row of its
 * own; its features take the shared unseen row (after the feature rows). */
static void rare_features_take_unseen_row(void **st)
{
    fixture *f = *st;
    tc_err err;
    f->cfg.tokenizer.ngrams = 2;
    f->cfg.tokenizer.buckets = 50;
    f->cfg.tokenizer.feature_min_count = 2;
    retok(f);
    assert_int_equal(read_train(f, "label,text\npos,good movie\nneg,not good\npos,good movie\n", &err), 0);
    uint64_t th[2] = {tc_hash_bytes("good", 4), tc_hash_bytes("movie", 5)};
    uint64_t th2[2] = {tc_hash_bytes("not", 3), tc_hash_bytes("good", 4)};
    uint32_t b = (uint32_t)(tc_ngram_word_hash(th, 2) % 50), b2 = (uint32_t)(tc_ngram_word_hash(th2, 2) % 50);
    assert_true(b != b2);
    tc_vocab v;
    build_vocab(f, &v);
    /* good (2), movie (3), not (4); good_movie (used twice) is the one feature
     * row (5), not_good the unseen row (6) */
    assert_int_equal(v.nfeat, 1);
    assert_int_equal(tc_vocab_feature(&v, b), 5);
    assert_int_equal(tc_vocab_feature(&v, b2), 6);
    assert_int_equal(tc_vocab_unseen_row(&v), 6);
    assert_int_equal(tc_vocab_feature_rows(&v, 50), 2);
    uint64_t want_off[] = {0, 3, 6, 9};
    assert_memory_equal(f->c.tok_off, want_off, sizeof want_off);
    int32_t want[] = {2, 3, 5, 4, 2, 6, 2, 3, 5};
    assert_memory_equal(f->c.ids, want, sizeof want);
    assert_int_equal(f->c.max_tokens, 3);
    tc_vocab_free(&v);
}

static void feature_map_lookup(void **st)
{
    (void)st;
    tc_vocab v;
    tc_err err;
    tc_vocab_init(&v);
    assert_int_equal(tc_vocab_push(&v, "a", 1, &err), 0); /* size 3 */
    /* without a map (older models): one row per bucket after the words */
    assert_int_equal(tc_vocab_feature(&v, 0), 3);
    assert_int_equal(tc_vocab_feature(&v, 41), 44);
    assert_int_equal(tc_vocab_feature_rows(&v, 100), 100);
    uint32_t feat[] = {2, 7, 9, 99};
    /* a map from before the unseen row: a bucket without a row has none */
    assert_int_equal(tc_vocab_set_features(&v, feat, 4, 100, 0, &err), 0);
    assert_int_equal(tc_vocab_feature_rows(&v, 100), 4);
    assert_int_equal(tc_vocab_unseen_row(&v), TC_PAD_ID);
    int32_t want[100];
    for (int k = 0; k < 100; k++)
        want[k] = TC_PAD_ID;
    for (int k = 0; k < 4; k++)
        want[feat[k]] = 3 + k;
    for (uint32_t k = 0; k < 100; k++)
        assert_int_equal(tc_vocab_feature(&v, k), want[k]);
    /* with it: every other bucket shares row 3 + 4 */
    assert_int_equal(tc_vocab_set_features(&v, feat, 4, 100, 1, &err), 0);
    assert_int_equal(tc_vocab_feature_rows(&v, 100), 5);
    assert_int_equal(tc_vocab_unseen_row(&v), 7);
    for (uint32_t k = 0; k < 100; k++)
        assert_int_equal(tc_vocab_feature(&v, k), want[k] == TC_PAD_ID ? 7 : want[k]);
    /* bad maps are refused and the old one stays */
    uint32_t down[] = {5, 3}, dup[] = {5, 5}, big[] = {100};
    assert_int_equal(tc_vocab_set_features(&v, down, 2, 100, 1, &err), -1);
    assert_non_null(strstr(err.msg, "not increasing"));
    assert_int_equal(tc_vocab_set_features(&v, dup, 2, 100, 1, &err), -1);
    assert_int_equal(tc_vocab_set_features(&v, big, 1, 100, 1, &err), -1);
    assert_int_equal(tc_vocab_feature(&v, 99), 6);
    assert_int_equal(tc_vocab_feature(&v, 98), 7);
    /* an empty map: every bucket takes the unseen row, or (version 1) none */
    assert_int_equal(tc_vocab_set_features(&v, NULL, 0, 100, 1, &err), 0);
    assert_int_equal(tc_vocab_feature(&v, 2), 3);
    assert_int_equal(tc_vocab_set_features(&v, NULL, 0, 100, 0, &err), 0);
    assert_int_equal(tc_vocab_feature(&v, 2), TC_PAD_ID);
    tc_vocab_free(&v);
}

/* Probabilities (2) of the average-pool model m for one encoded row. */
static void forward_row(tc_model *m, const int32_t *ids, size_t n, float *out)
{
    tc_err err;
    assert_int_equal(tc_model_reserve(m, 1, (int)n, &err), 0);
    memcpy(out, tc_model_forward(m, ids, 1, (int)n, 0, NULL), 2 * sizeof *out);
}

/* Compact rows are a change of shape, not of the function: a model whose
 * table has a row only for the buckets seen, plus the zero unseen row,
 * predicts what the dense-table model with the same rows predicts when its
 * rows of the buckets never seen are zero (what training leaves them: no
 * gradient reaches them, and the unseen row starts at zero) — the same
 * hashing and the same mean denominators.  A compact map from before the
 * unseen row (FEAT version 1) drops such a feature instead. */
static void compact_rows_match_dense_table(void **st)
{
    (void)st;
    tc_err err;
    tc_config cfg;
    tc_config_defaults(&cfg);
    cfg.tokenizer.ngrams = 2;
    cfg.tokenizer.n_char_ngrams = 2;
    cfg.tokenizer.char_ngrams[0] = 3;
    cfg.tokenizer.char_ngrams[1] = 4;
    cfg.tokenizer.buckets = 997;
    cfg.model.embedding_dim = 5;
    tc_tokenizer *tok = tc_tokenizer_from_config(&cfg, &err);
    assert_non_null(tok);
    tc_vocab dense, compact;
    tc_vocab_init(&dense);
    tc_vocab_init(&compact);
    assert_int_equal(tc_vocab_push(&dense, "good", 4, &err), 0);
    assert_int_equal(tc_vocab_push(&dense, "movie", 5, &err), 0);
    assert_int_equal(tc_vocab_push(&compact, "good", 4, &err), 0);
    assert_int_equal(tc_vocab_push(&compact, "movie", 5, &err), 0);
    const uint32_t base = tc_vocab_size(&dense); /* 4 */
    /* "training": the buckets "good movie" uses, sorted and distinct */
    int32_t *ids = NULL, *cids = NULL;
    size_t n = 0, cap = 0, cn = 0, ccap = 0;
    assert_int_equal(tc_encode_text(tok, &dense, "good movie", 10, &ids, &n, &cap, &err), 0);
    uint8_t used[997] = {0};
    for (size_t i = 0; i < n; i++)
        if ((uint32_t)ids[i] >= base)
            used[ids[i] - (int32_t)base] = 1;
    uint32_t feat[997], nf = 0;
    for (uint32_t b = 0; b < 997; b++)
        if (used[b])
            feat[nf++] = b;
    assert_true(nf > 10 && nf < n);
    assert_int_equal(tc_vocab_set_features(&compact, feat, nf, 997, 1, &err), 0);
    assert_int_equal(tc_vocab_unseen_row(&compact), (int32_t)(base + nf));

    tc_model_spec sd, sc;
    tc_model_spec_from_config(&sd, &cfg, (int)tc_input_rows(&cfg, &dense), 2, 0);
    tc_model_spec_from_config(&sc, &cfg, (int)tc_input_rows(&cfg, &compact), 2, 0);
    assert_int_equal(sd.V, 4 + 997);
    assert_int_equal(sc.V, 4 + (int)nf + 1);
    tc_model *md = tc_model_new(&sd, &err), *mc = tc_model_new(&sc, &err);
    assert_non_null(md);
    assert_non_null(mc);
    tc_rng r;
    tc_rng_seed(&r, 3);
    assert_int_equal(tc_model_init_weights(md, &r, &err), 0);
    size_t D = 5;
    for (uint32_t b = 0; b < 997; b++) /* never seen: zero, as training leaves them */
        if (!used[b])
            memset(md->E + (base + b) * D, 0, D * sizeof(float));
    memcpy(mc->E, md->E, base * D * sizeof(float)); /* word rows */
    for (uint32_t k = 0; k < nf; k++)               /* feature rows */
        memcpy(mc->E + (base + k) * D, md->E + (base + feat[k]) * D, D * sizeof(float));
    memset(mc->E + (base + nf) * D, 0, D * sizeof(float)); /* the unseen row */
    memcpy(mc->params + tc_model_tail(mc), md->params + tc_model_tail(md),
           (md->nparams - tc_model_tail(md)) * sizeof(float)); /* dense tail */

    /* every bucket seen: the same predictions (the same rows summed in the
     * same order; a tolerance all the same, the claim is equality of the model) */
    float pd[2], pc[2];
    assert_int_equal(tc_encode_text(tok, &compact, "good movie", 10, &cids, &cn, &ccap, &err), 0);
    assert_int_equal(cn, n);
    forward_row(md, ids, n, pd);
    forward_row(mc, cids, cn, pc);
    for (int l = 0; l < 2; l++)
        assert_close(pc[l], pd[l], 1e-6, 1e-7);

    /* unseen buckets: the same predictions as the dense table, bit for bit
     * (a zero row adds exactly 0.0 to each column sum, the denominators are
     * equal, and the dense layers see the same pooled row through the same
     * sgemm shapes) */
    const char *text = "good film movie";
    assert_int_equal(tc_encode_text(tok, &dense, text, strlen(text), &ids, &n, &cap, &err), 0);
    assert_int_equal(tc_encode_text(tok, &compact, text, strlen(text), &cids, &cn, &ccap, &err), 0);
    assert_int_equal(cn, n);
    size_t unseen = 0;
    for (size_t i = 0; i < n; i++) {
        int own = (uint32_t)ids[i] < base || used[ids[i] - (int32_t)base];
        unseen += !own;
        if (!own)
            assert_int_equal(cids[i], (int32_t)(base + nf));
    }
    assert_true(unseen > 0);
    forward_row(md, ids, n, pd);
    forward_row(mc, cids, cn, pc);
    assert_memory_equal(pc, pd, sizeof pc);

    /* a version-1 map (no unseen row): the compact row equals the dense row
     * with exactly those features removed */
    assert_int_equal(tc_vocab_set_features(&compact, feat, nf, 997, 0, &err), 0);
    assert_int_equal(tc_vocab_unseen_row(&compact), TC_PAD_ID);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if ((uint32_t)ids[i] < base || used[ids[i] - (int32_t)base])
            ids[kept++] = ids[i];
    assert_true(kept < n);
    assert_int_equal(tc_encode_text(tok, &compact, text, strlen(text), &cids, &cn, &ccap, &err), 0);
    assert_int_equal(cn, kept);
    forward_row(md, ids, kept, pd);
    forward_row(mc, cids, cn, pc);
    for (int l = 0; l < 2; l++)
        assert_close(pc[l], pd[l], 1e-6, 1e-7);
    free(ids);
    free(cids);
    tc_model_free(md);
    tc_model_free(mc);
    tc_vocab_free(&dense);
    tc_vocab_free(&compact);
    tc_tokenizer_free(tok);
}

static void several_text_columns(void **st)
{
    fixture *f = *st;
    tc_err err;
    char spec[] =
        "title\x1f"
        "body";
    strcpy(f->cfg.data.text_column, spec);
    assert_int_equal(read_train(f, "body,label,title\nsecond part,x,first\n\"b2\",y,t2\n", &err), 0);
    assert_int_equal(f->c.n, 2);
    /* title then body, in the order the config names them */
    assert_int_equal(f->c.tok_off[1], 3);
    assert_string_equal(tc_strtab_str(&f->counter.words, (uint32_t)f->c.ids[0]), "first");
    assert_string_equal(tc_strtab_str(&f->counter.words, (uint32_t)f->c.ids[1]), "second");
    assert_string_equal(tc_strtab_str(&f->counter.words, (uint32_t)f->c.ids[3]), "t2");
    assert_string_equal(tc_strtab_str(&f->counter.words, (uint32_t)f->c.ids[4]), "b2");
    tc_corpus_free(&f->c);
    /* indexes without a header; a missing column names itself */
    f->cfg.data.header = 0;
    strcpy(f->cfg.data.text_column,
           "2\x1f"
           "0");
    strcpy(f->cfg.data.label_column, "1");
    assert_int_equal(read_train(f, "b,lab,a\nshort,lab\n", &err), -1);
    assert_non_null(strstr(err.msg, ":2: expected at least 3 fields, found 2"));
    tc_corpus_free(&f->c);
    f->cfg.data.header = 1;
    strcpy(f->cfg.data.text_column,
           "title\x1f"
           "nope");
    strcpy(f->cfg.data.label_column, "label");
    assert_int_equal(read_train(f, "label,title\nx,y\n", &err), -1);
    assert_non_null(strstr(err.msg, "data.text_column 'nope' is not a column of the header"));
}

static void json_lines(void **st)
{
    fixture *f = *st;
    tc_err err;
    f->cfg.data.format = TC_FMT_JSONL;
    strcpy(f->cfg.data.text_column,
           "title\x1f"
           "text");
    const char *data =
        "{\"label\": \"pos\", \"title\": \"Caf\\u00e9\", \"text\": \"nice place\"}\n"
        "\n"
        "{\"text\": \"n\", \"title\": 42, \"label\": 7, \"extra\": [1, {\"a\": 2}]}\n"
        "{\"text\": null, \"title\": true, \"label\": [\"a\", \"b\", \"a\"]}\n";
    assert_int_equal(read_train(f, data, &err), 0);
    assert_int_equal(f->c.n, 3);
    assert_int_equal(f->c.blank, 1);
    assert_int_equal(f->c.line[2], 4);
    assert_int_equal(f->c.tok_off[1], 3);
    assert_string_equal(tc_strtab_str(&f->counter.words, (uint32_t)f->c.ids[0]), "café");
    assert_string_equal(tc_strtab_str(&f->counter.words, (uint32_t)f->c.ids[3]), "42");
    assert_string_equal(tc_strtab_str(&f->counter.words, (uint32_t)f->c.ids[5]), "true");
    assert_string_equal(tc_strtab_str(&f->labels, (uint32_t)f->c.labels[1]), "7");
    assert_int_equal(f->c.lab_off[3] - f->c.lab_off[2], 2); /* a list: several labels, once each */
    assert_true(tc_corpus_is_multilabel(&f->cfg, &f->c));
    tc_corpus_free(&f->c);

    static const struct {
        const char *line, *msg;
    } bad[] = {
        {"{\"label\": \"a\", \"title\": \"t\", \"text\": \"x\"\n", ":1: invalid JSON (column"},
        {"[1, 2]\n", ":1: expected a JSON object, found a list"},
        {"{\"title\": \"t\", \"text\": \"x\"}\n", ":1: no field \"label\" (data.label_column)"},
        {"{\"label\": \"a\", \"text\": \"x\"}\n", ":1: no field \"title\" (data.text_column)"},
        {"{\"label\": \"a\", \"title\": {}, \"text\": \"x\"}\n", "field \"title\" is an object, expected text"},
        {"{\"label\": \"\", \"title\": \"t\", \"text\": \"x\"}\n", ":1: empty label"},
        {"{\"label\": [[1]], \"title\": \"t\", \"text\": \"x\"}\n", "item 0 is a list, expected a label"},
        {"{\"label\": \"a\", \"label\": \"b\", \"title\": \"t\", \"text\": \"x\"}\n", ":1: invalid JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(read_train(f, bad[i].line, &err), -1);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("case %zu: \"%s\" does not contain \"%s\"", i, err.msg, bad[i].msg);
        tc_corpus_free(&f->c);
    }
    /* on_error: skip drops malformed objects and keeps the rest */
    f->cfg.data.on_error = TC_ONERR_SKIP;
    assert_int_equal(read_train(f, "not json\n{\"label\": \"a\", \"title\": \"t\", \"text\": \"x\"}\n", &err), 0);
    assert_int_equal(f->c.n, 1);
    assert_int_equal(f->c.skipped, 1);
}

/* Writes `text` gzip-compressed (members: pieces of it, each its own member). */
static void write_gzip(const char *text, int members)
{
    strcpy(path, "/tmp/tc_text_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    size_t n = strlen(text), per = n / (size_t)members + 1;
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    for (size_t at = 0; at < n; at += per) {
        size_t k = n - at < per ? n - at : per;
        unsigned char buf[4096];
        z_stream z;
        memset(&z, 0, sizeof z);
        assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
        z.next_in = (unsigned char *)text + at;
        z.avail_in = (uInt)k;
        int rc;
        do {
            z.next_out = buf;
            z.avail_out = sizeof buf;
            rc = deflate(&z, Z_FINISH);
            fwrite(buf, 1, sizeof buf - z.avail_out, out);
        } while (rc != Z_STREAM_END);
        deflateEnd(&z);
    }
    fclose(out);
}

static void gzip_input(void **st)
{
    fixture *f = *st;
    tc_err err;
    /* big enough to need several input and output blocks */
    size_t cap = 400000, n = 0;
    char *text = malloc(cap);
    n += (size_t)snprintf(text + n, cap - n, "label,text\n");
    for (int i = 0; n + 64 < cap; i++)
        n += (size_t)snprintf(text + n, cap - n, "%s,\"word%d, then w%d\"\n", i % 3 ? "pos" : "neg", i % 97, i);
    tc_corpus plain;
    tc_corpus_init(&plain);
    write_file(text);
    tc_corpus_src s = {.cfg = &f->cfg, .tok = f->tok, .counter = &f->counter, .labels = &f->labels, .add_labels = 1};
    assert_int_equal(tc_corpus_read(&plain, path, &s, &err), 0);
    unlink(path);
    for (int members = 1; members <= 3; members += 2) {
        write_gzip(text, members);
        assert_int_equal(tc_corpus_read(&f->c, path, &s, &err), 0);
        unlink(path);
        assert_int_equal(f->c.n, plain.n);
        assert_int_equal(f->c.line[f->c.n - 1], plain.line[plain.n - 1]);
        assert_memory_equal(f->c.ids, plain.ids, (size_t)plain.tok_off[plain.n] * sizeof *plain.ids);
        tc_corpus_free(&f->c);
    }
    /* damaged: a flipped byte in the middle, then the file cut short */
    write_gzip(text, 1);
    FILE *g = fopen(path, "r+b");
    fseek(g, 0, SEEK_END);
    long size = ftell(g);
    fseek(g, size / 2, SEEK_SET);
    int ch = fgetc(g);
    fseek(g, size / 2, SEEK_SET);
    fputc(ch ^ 0x55, g);
    fclose(g);
    assert_int_equal(tc_corpus_read(&f->c, path, &s, &err), -1);
    assert_true(strstr(err.msg, "corrupt gzip data") || strstr(err.msg, "expected at least"));
    tc_corpus_free(&f->c);
    unlink(path);
    write_gzip(text, 1);
    assert_int_equal(truncate(path, size / 3), 0);
    assert_int_equal(tc_corpus_read(&f->c, path, &s, &err), -1);
    assert_non_null(strstr(err.msg, "truncated gzip file"));
    unlink(path);
    tc_corpus_free(&plain);
    free(text);
}

static void text_column_lists_in_yaml(void **st)
{
    (void)st;
    tc_config c;
    tc_config_defaults(&c);
    tc_err err;
    const char *y = "data:\n  text_column: [title, \"body text\", '2']\n";
    assert_int_equal(tc_config_load_string(&c, y, strlen(y), "t.yaml", &err), 0);
    assert_memory_equal(c.data.text_column,
                        "title\x1f"
                        "body text\x1f"
                        "2",
                        18);
    char *out = tc_config_to_yaml(&c, &err);
    assert_non_null(out);
    assert_non_null(strstr(out, "text_column: [\"title\", \"body text\", \"2\"]\n"));
    tc_config back;
    tc_config_defaults(&back);
    assert_int_equal(tc_config_load_string(&back, out, strlen(out), "back", &err), 0);
    assert_string_equal(back.data.text_column, c.data.text_column);
    free(out);
    assert_int_equal(tc_config_set(&c, "data.text_column=[a, b]", &err), 0);
    assert_string_equal(c.data.text_column,
                        "a\x1f"
                        "b");
    assert_int_equal(tc_config_set(&c, "data.text_column=text", &err), 0);
    assert_string_equal(c.data.text_column, "text");
    static const struct {
        const char *yaml, *msg;
    } bad[] = {
        {"data:\n  text_column: []\n", "t.yaml:2:16: data.text_column: an empty list"},
        {"data:\n  text_column: [a, '']\n", "t.yaml:2:20: data.text_column[1]: expected a non-empty name"},
        {"data:\n  text_column: [a, [b]]\n", "data.text_column[1]: expected a non-empty name, got a list"},
        {"data:\n  text_column: {a: 1}\n", "data.text_column: expected a string or a list of strings, got a mapping"},
        {"data:\n  text_column: [a, label]\n", "data.label_column: 'label' is also data.text_column"},
        {"tokenizer:\n  char_ngrams: [5, 3]\n", "tokenizer.char_ngrams: expected [] or [min, max] with min <= max"},
        {"tokenizer:\n  char_ngrams: [3]\n", "tokenizer.char_ngrams: expected [] or [min, max]"},
        {"tokenizer:\n  char_ngrams: [3, 4, 5]\n", "at most 2 entries"},
        {"tokenizer:\n  cjk: bigrams\n", "'bigrams' is not one of char, bigram, char+bigram (did you mean 'bigram'?)"},
        {"tokenizer:\n  ngrams: 9\n", "tokenizer.ngrams: 9 is out of range (1..8)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tc_config_defaults(&c);
        strcpy(c.data.train, "x.csv");
        int rc = tc_config_load_string(&c, bad[i].yaml, strlen(bad[i].yaml), "t.yaml", &err);
        if (rc == 0)
            rc = tc_config_validate(&c, &err);
        assert_int_equal(rc, -1);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("case %zu: \"%s\" does not contain \"%s\"", i, err.msg, bad[i].msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vocab_orders_by_frequency_then_first_seen),
        cmocka_unit_test(pad_matches_keras),
        cmocka_unit_test_setup_teardown(corpus_reads_columns_by_name, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(corpus_errors_name_file_and_line, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(corpus_multilabel_and_indices, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(corpus_fasttext_format, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(encode_text_uses_vocab, fixture_setup, fixture_teardown),
        cmocka_unit_test(ngram_hashes_are_stable),
        cmocka_unit_test(tokenizer_features_match_the_definition),
        cmocka_unit_test(input_rows_and_lstm),
        cmocka_unit_test(text_column_lists_in_yaml),
        cmocka_unit_test_setup_teardown(rows_with_features, fixture_setup, fixture_teardown),
        cmocka_unit_test(feature_map_lookup),
        cmocka_unit_test_setup_teardown(rare_features_take_unseen_row, fixture_setup, fixture_teardown),
        cmocka_unit_test(compact_rows_match_dense_table),
        cmocka_unit_test_setup_teardown(several_text_columns, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(json_lines, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(gzip_input, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
