/* test_config.c — defaults, YAML loading, error messages (file:line:col and
 * key), --set, validation, YAML round trip and the printed reference. */
#include "tc_test.h"

#include <float.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

static int load(tc_config *c, const char *yaml, tc_err *e)
{
    return tc_config_load_string(c, yaml, strlen(yaml), "cfg.yaml", e);
}

/* Loads `yaml` on top of the defaults and expects it to be accepted. */
static void load_ok(tc_config *c, const char *yaml)
{
    tc_err e = {{0}};
    tc_config_defaults(c);
    if (load(c, yaml, &e) != 0)
        fail_msg("rejected:\n%s\nwith: %s", yaml, e.msg);
}

/* Expects `yaml` to be rejected with a one-line message containing each of
 * the (up to three) fragments; the config must be left untouched. */
static void load_bad(const char *yaml, const char *f1, const char *f2, const char *f3)
{
    tc_config c, before;
    tc_err e = {{0}};
    tc_config_defaults(&c);
    before = c;
    if (load(&c, yaml, &e) != -1)
        fail_msg("accepted:\n%s", yaml);
    const char *frags[3] = {f1, f2, f3};
    for (int i = 0; i < 3; i++)
        if (frags[i] && !strstr(e.msg, frags[i]))
            fail_msg("for:\n%s\nmessage \"%s\" lacks \"%s\"", yaml, e.msg, frags[i]);
    assert_null(strchr(e.msg, '\n'));
    assert_memory_equal(&c, &before, sizeof c);
}

static void set_ok(tc_config *c, const char *assignment)
{
    tc_err e = {{0}};
    if (tc_config_set(c, assignment, &e) != 0)
        fail_msg("--set %s rejected: %s", assignment, e.msg);
}

static void set_bad(const char *assignment, const char *f1, const char *f2)
{
    tc_config c, before;
    tc_err e = {{0}};
    tc_config_defaults(&c);
    before = c;
    if (tc_config_set(&c, assignment, &e) != -1)
        fail_msg("--set %s accepted", assignment);
    if (!strstr(e.msg, f1) || (f2 && !strstr(e.msg, f2)))
        fail_msg("--set %s: message \"%s\" lacks \"%s\" / \"%s\"", assignment, e.msg, f1, f2 ? f2 : "");
    assert_null(strchr(e.msg, '\n'));
    assert_memory_equal(&c, &before, sizeof c);
}

/* Every default, as documented in config.h. */
static void defaults_match_the_header(void **state)
{
    (void)state;
    tc_config c;
    memset(&c, 0x5a, sizeof c);
    tc_config_defaults(&c);
    assert_string_equal(c.data.train, "");
    assert_string_equal(c.data.valid, "");
    assert_string_equal(c.data.test, "");
    assert_int_equal(c.data.format, TC_FMT_CSV);
    assert_int_equal(c.data.header, 1);
    assert_string_equal(c.data.text_column, "text");
    assert_string_equal(c.data.label_column, "label");
    assert_string_equal(c.data.label_separator, "");
    assert_int_equal(c.data.on_error, TC_ONERR_ERROR);
    assert_int_equal(c.tokenizer.normalize, 1);
    assert_int_equal(c.tokenizer.lowercase, 1);
    assert_int_equal(c.tokenizer.keep_punct, 0);
    assert_int_equal(c.tokenizer.keep_symbols, 0);
    assert_int_equal(c.tokenizer.num_words, 0);
    assert_int_equal(c.tokenizer.min_count, 1);
    assert_int_equal(c.pad.maxlen, 0);
    assert_int_equal(c.pad.padding, TC_PRE);
    assert_int_equal(c.pad.truncating, TC_PRE);
    assert_int_equal(c.model.encoder, TC_ENC_GAP);
    assert_int_equal(c.model.embedding_dim, 64);
    assert_int_equal(c.model.n_hidden, 0);
    assert_int_equal(c.model.head, TC_HEAD_AUTO);
    assert_true(c.model.threshold == 0.5f);
    assert_int_equal(c.model.lstm.units, 128);
    assert_int_equal(c.model.lstm.layers, 1);
    assert_int_equal(c.model.lstm.bidirectional, 0);
    assert_int_equal(c.model.lstm.output, TC_LSTM_LAST);
    assert_true(c.model.lstm.dropout == 0.0f);
    assert_int_equal(c.train.optimizer, TC_OPT_ADAM);
    assert_true(c.train.lr == 0.0f);
    assert_true(c.train.beta1 == 0.9f);
    assert_true(c.train.beta2 == 0.999f);
    assert_true(c.train.epsilon == 1e-7f);
    assert_true(c.train.clipnorm == 0.0f);
    assert_int_equal(c.train.epochs, 5);
    assert_int_equal(c.train.batch_size, 32);
    assert_true(c.train.seed == 42);
    assert_int_equal(c.train.shuffle, 1);
    assert_int_equal(c.train.threads, 0);
    assert_string_equal(c.output.model, "model.bin");
}

static const char FULL_YAML[] =
    "# every key, none at its default\n"
    "data:\n"
    "  train: tr.csv\n"
    "  valid: 'va.tsv'\n"
    "  test: \"te.txt\"\n"
    "  format: fasttext\n"
    "  header: no\n"
    "  text_column: 2\n"
    "  label_column: \"0\"\n"
    "  label_separator: '|'\n"
    "  on_error: skip\n"
    "tokenizer:\n"
    "  normalize: false\n"
    "  lowercase: Off\n"
    "  keep_punct: yes\n"
    "  keep_symbols: TRUE\n"
    "  num_words: 20000\n"
    "  min_count: 3\n"
    "pad:\n"
    "  maxlen: 128\n"
    "  padding: post\n"
    "  truncating: post\n"
    "model:\n"
    "  encoder: lstm\n"
    "  embedding_dim: 300\n"
    "  hidden:\n"
    "    - 256\n"
    "    - 64\n"
    "    - 16\n"
    "  head: sigmoid\n"
    "  threshold: 0.35\n"
    "  lstm:\n"
    "    units: 96\n"
    "    layers: 2\n"
    "    bidirectional: on\n"
    "    output: max\n"
    "    dropout: 0.25\n"
    "train:\n"
    "  optimizer: sgd\n"
    "  lr: 0.05\n"
    "  beta1: 0.8\n"
    "  beta2: 0.99\n"
    "  epsilon: 1e-5\n"
    "  clipnorm: 5\n"
    "  epochs: 12\n"
    "  batch_size: 256\n"
    "  seed: 18446744073709551615\n"
    "  shuffle: false\n"
    "  threads: 4\n"
    "output:\n"
    "  model: out/m.bin\n";

static void full_yaml_sets_every_key(void **state)
{
    (void)state;
    tc_config c;
    load_ok(&c, FULL_YAML);
    assert_string_equal(c.data.train, "tr.csv");
    assert_string_equal(c.data.valid, "va.tsv");
    assert_string_equal(c.data.test, "te.txt");
    assert_int_equal(c.data.format, TC_FMT_FASTTEXT);
    assert_int_equal(c.data.header, 0);
    assert_string_equal(c.data.text_column, "2");
    assert_string_equal(c.data.label_column, "0");
    assert_string_equal(c.data.label_separator, "|");
    assert_int_equal(c.data.on_error, TC_ONERR_SKIP);
    assert_int_equal(c.tokenizer.normalize, 0);
    assert_int_equal(c.tokenizer.lowercase, 0);
    assert_int_equal(c.tokenizer.keep_punct, 1);
    assert_int_equal(c.tokenizer.keep_symbols, 1);
    assert_int_equal(c.tokenizer.num_words, 20000);
    assert_int_equal(c.tokenizer.min_count, 3);
    assert_int_equal(c.pad.maxlen, 128);
    assert_int_equal(c.pad.padding, TC_POST);
    assert_int_equal(c.pad.truncating, TC_POST);
    assert_int_equal(c.model.encoder, TC_ENC_LSTM);
    assert_int_equal(c.model.embedding_dim, 300);
    assert_int_equal(c.model.n_hidden, 3);
    assert_int_equal(c.model.hidden[0], 256);
    assert_int_equal(c.model.hidden[1], 64);
    assert_int_equal(c.model.hidden[2], 16);
    assert_int_equal(c.model.head, TC_HEAD_SIGMOID);
    assert_true(c.model.threshold == 0.35f);
    assert_int_equal(c.model.lstm.units, 96);
    assert_int_equal(c.model.lstm.layers, 2);
    assert_int_equal(c.model.lstm.bidirectional, 1);
    assert_int_equal(c.model.lstm.output, TC_LSTM_MAX);
    assert_true(c.model.lstm.dropout == 0.25f);
    assert_int_equal(c.train.optimizer, TC_OPT_SGD);
    assert_true(c.train.lr == 0.05f);
    assert_true(c.train.beta1 == 0.8f);
    assert_true(c.train.beta2 == 0.99f);
    assert_true(c.train.epsilon == 1e-5f);
    assert_true(c.train.clipnorm == 5.0f);
    assert_int_equal(c.train.epochs, 12);
    assert_int_equal(c.train.batch_size, 256);
    assert_true(c.train.seed == UINT64_MAX);
    assert_int_equal(c.train.shuffle, 0);
    assert_int_equal(c.train.threads, 4);
    assert_string_equal(c.output.model, "out/m.bin");
}

static void partial_yaml_keeps_other_defaults(void **state)
{
    (void)state;
    tc_config c, d;
    load_ok(&c, "train:\n  epochs: 7\nmodel:\n  lstm:\n    units: 3\n");
    tc_config_defaults(&d);
    d.train.epochs = 7;
    d.model.lstm.units = 3;
    assert_memory_equal(&c, &d, sizeof c);
}

static void booleans_and_enum_spellings(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int value;
    } bools[] = {
        {"true", 1},  {"True", 1},  {"YES", 1}, {"on", 1},  {"'yes'", 1},
        {"false", 0}, {"FALSE", 0}, {"No", 0},  {"off", 0}, {"\"off\"", 0},
    };
    char yaml[128];
    tc_config c;
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        snprintf(yaml, sizeof yaml, "tokenizer:\n  keep_punct: %s\n  lowercase: %s\n", bools[i].text, bools[i].text);
        load_ok(&c, yaml);
        assert_int_equal(c.tokenizer.keep_punct, bools[i].value);
        assert_int_equal(c.tokenizer.lowercase, bools[i].value);
    }
    static const struct {
        const char *yaml;
        size_t off;
        int value;
    } enums[] = {
        {"data: {format: csv}", offsetof(tc_config, data.format), TC_FMT_CSV},
        {"data: {format: tsv}", offsetof(tc_config, data.format), TC_FMT_TSV},
        {"data: {format: fasttext}", offsetof(tc_config, data.format), TC_FMT_FASTTEXT},
        {"data: {on_error: error}", offsetof(tc_config, data.on_error), TC_ONERR_ERROR},
        {"pad: {padding: post}", offsetof(tc_config, pad.padding), TC_POST},
        {"pad: {truncating: post}", offsetof(tc_config, pad.truncating), TC_POST},
        {"model: {head: softmax}", offsetof(tc_config, model.head), TC_HEAD_SOFTMAX},
        {"model: {head: sigmoid}", offsetof(tc_config, model.head), TC_HEAD_SIGMOID},
        {"model: {lstm: {output: mean}}", offsetof(tc_config, model.lstm.output), TC_LSTM_MEAN},
        {"model: {lstm: {output: max}}", offsetof(tc_config, model.lstm.output), TC_LSTM_MAX},
        {"train: {optimizer: sgd}", offsetof(tc_config, train.optimizer), TC_OPT_SGD},
    };
    for (size_t i = 0; i < sizeof enums / sizeof enums[0]; i++) {
        load_ok(&c, enums[i].yaml);
        int v;
        memcpy(&v, (char *)&c + enums[i].off, sizeof v);
        assert_int_equal(v, enums[i].value);
    }
    load_bad("model:\n  encoder: average\n", "cfg.yaml:2:12:", "model.encoder: 'average' is not one of gap, lstm",
             NULL);
    load_bad("model:\n  encoder: lstn\n", "model.encoder", "did you mean 'lstm'?", NULL);
    load_bad("model:\n  encoder: LSTM\n", "did you mean 'lstm'?", NULL, NULL);
    load_bad("data:\n  format: json\n", "data.format: 'json' is not one of csv, tsv, fasttext", NULL, NULL);
    load_bad("train:\n  shuffle: maybe\n", "cfg.yaml:2:12: train.shuffle: expected true or false", "'maybe'", NULL);
    load_bad("train:\n  shuffle: 1\n", "train.shuffle: expected true or false", NULL, NULL);
}

static void unknown_keys_get_suggestions(void **state)
{
    (void)state;
    load_bad("train:\n  epochs: 2\n  epochz: 5\n", "cfg.yaml:3:3:", "train.epochz: unknown key",
             "did you mean 'epochs'?");
    load_bad("trian:\n  epochs: 5\n", "cfg.yaml:1:1: trian: unknown section", "did you mean 'train'?", NULL);
    load_bad("model:\n  lr: 0.1\n", "cfg.yaml:2:3: model.lr: unknown key", "did you mean 'train.lr'?", NULL);
    load_bad("model:\n  lstm:\n    unitz: 3\n", "cfg.yaml:3:5: model.lstm.unitz", "did you mean 'units'?", NULL);
    load_bad("model:\n  units: 3\n", "model.units", "did you mean 'model.lstm.units'?", NULL);
    load_bad("train:\n  batchsize: 3\n", "did you mean 'batch_size'?", NULL, NULL);
    load_bad("epochs: 3\n", "epochs: unknown section", "did you mean 'train.epochs'?", NULL);
    load_bad("train:\n  wibble: 3\n", "cfg.yaml:2:3: train.wibble: unknown key", NULL, NULL);
    tc_config c;
    tc_err e = {{0}};
    tc_config_defaults(&c);
    assert_int_equal(load(&c, "train:\n  wibble: 3\n", &e), -1);
    assert_null(strstr(e.msg, "did you mean"));
    assert_int_equal(load(&c, "x: 1\n", &e), -1);
    assert_null(strstr(e.msg, "did you mean"));
    /* keys are nested, never dotted, in YAML */
    load_bad("train.epochs: 3\n", "cfg.yaml:1:1: train.epochs: dotted names are for --set", NULL, NULL);
    load_bad("train:\n  [a]: 3\n", "cfg.yaml:2:3: train: keys must be plain names", NULL, NULL);
}

static void wrong_types(void **state)
{
    (void)state;
    load_bad("model:\n  embedding_dim: abc\n", "cfg.yaml:2:18: model.embedding_dim: expected an integer, got 'abc'",
             NULL, NULL);
    load_bad("model:\n  embedding_dim: 6.5\n", "expected an integer, got '6.5'", NULL, NULL);
    load_bad("model:\n  embedding_dim: ' 64'\n", "expected an integer, got ' 64'", NULL, NULL);
    load_bad("model:\n  embedding_dim: [64]\n", "cfg.yaml:2:18: model.embedding_dim: expected an integer, got a list",
             NULL, NULL);
    load_bad("train:\n  lr: fast\n", "cfg.yaml:2:7: train.lr: expected a number, got 'fast'", NULL, NULL);
    /* hex: refused by floats as by integers (strtof alone would read 0x10 as 16) */
    load_bad("train:\n  lr: 0x10\n", "cfg.yaml:2:7: train.lr: expected a decimal number, got '0x10'", NULL, NULL);
    load_bad("train:\n  epochs: 0x10\n", "train.epochs: expected an integer, got '0x10'", NULL, NULL);
    load_bad("train:\n  lr: .inf\n", "train.lr: expected a number", NULL, NULL);
    load_bad("train:\n  lr: inf\n", "train.lr: expected a number", NULL, NULL);
    load_bad("train:\n  lr: -inf\n", "train.lr: expected a finite number", NULL, NULL);
    load_bad("train:\n  lr: nan\n", "train.lr: expected a number", NULL, NULL);
    load_bad("train:\n  lr: 0.1x\n", "train.lr: expected a number, got '0.1x'", NULL, NULL);
    load_bad("train:\n  lr: 1e39\n", "train.lr: '1e39' is a huge number", NULL, NULL);
    load_bad("train:\n  seed: -1\n", "train.seed: expected a non-negative integer, got '-1'", NULL, NULL);
    load_bad("data:\n  train: {a: b}\n", "cfg.yaml:2:10: data.train: expected a string, got a mapping", NULL, NULL);
    load_bad("model:\n  encoder: [gap]\n", "model.encoder: expected one of gap, lstm, got a list", NULL, NULL);
    load_bad("model:\n  hidden: 64\n", "cfg.yaml:2:11: model.hidden: expected a list of integers", "got '64'", NULL);
    load_bad("model:\n  hidden: [64, x]\n", "cfg.yaml:2:16: model.hidden[1]: expected an integer, got 'x'", NULL, NULL);
    load_bad("model:\n  hidden: [64, [1]]\n", "model.hidden[1]: expected an integer, got a list", NULL, NULL);
    load_bad("train: 5\n", "cfg.yaml:1:8: train: expected a mapping of train.* keys, got '5'", NULL, NULL);
    load_bad("model:\n  lstm: [1]\n", "model.lstm: expected a mapping of model.lstm.* keys, got a list", NULL, NULL);
    /* control characters in a shown value are escaped: the message stays one line */
    load_bad("model:\n  embedding_dim: \"6\\n4\"\n", "got '6\\x0a4'", NULL, NULL);
}

static void values_out_of_range(void **state)
{
    (void)state;
    load_bad("train:\n  epochs: 0\n", "cfg.yaml:2:11: train.epochs: 0 is out of range (1..1000000)", NULL, NULL);
    load_bad("train:\n  epochs: 1000001\n", "train.epochs: 1000001 is out of range (1..1000000)", NULL, NULL);
    load_bad("train:\n  batch_size: 65537\n", "train.batch_size: 65537 is out of range (1..65536)", NULL, NULL);
    load_bad("train:\n  threads: -1\n", "train.threads: -1 is out of range (0..1024)", NULL, NULL);
    load_bad("train:\n  threads: 1025\n", "train.threads", "(0..1024)", NULL);
    load_bad("model:\n  embedding_dim: 4097\n", "model.embedding_dim: 4097 is out of range (1..4096)", NULL, NULL);
    load_bad("model:\n  embedding_dim: 0\n", "(1..4096)", NULL, NULL);
    load_bad("pad:\n  maxlen: 1000001\n", "pad.maxlen", "(0..1000000)", NULL);
    load_bad("tokenizer:\n  num_words: 2\n", "tokenizer.num_words: 2 is out of range (0 or 3..2147483647)", NULL, NULL);
    load_bad("tokenizer:\n  num_words: 2147483648\n", "tokenizer.num_words", NULL, NULL);
    load_bad("tokenizer:\n  min_count: 0\n", "tokenizer.min_count: 0 is out of range (1..2147483647)", NULL, NULL);
    load_bad("model:\n  hidden: [0]\n", "cfg.yaml:2:12: model.hidden[0]: 0 is out of range (1..65536)", NULL, NULL);
    load_bad("model:\n  hidden: [1, 65537]\n", "model.hidden[1]: 65537 is out of range", NULL, NULL);
    load_bad("model:\n  hidden: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n", "model.hidden[8]: at most 8 entries", NULL, NULL);
    load_bad("model:\n  threshold: 0\n", "model.threshold: 0 is out of range (0 < x < 1)", NULL, NULL);
    load_bad("model:\n  threshold: 1\n", "model.threshold: 1 is out of range (0 < x < 1)", NULL, NULL);
    load_bad("model:\n  lstm:\n    units: 4097\n", "cfg.yaml:3:12: model.lstm.units: 4097 is out of range", NULL, NULL);
    load_bad("model:\n  lstm:\n    layers: 17\n", "model.lstm.layers: 17 is out of range (1..16)", NULL, NULL);
    load_bad("model:\n  lstm:\n    dropout: 1\n", "model.lstm.dropout: 1 is out of range (0 <= x < 1)", NULL, NULL);
    load_bad("model:\n  lstm:\n    dropout: -0.1\n", "model.lstm.dropout: -0.1 is out of range", NULL, NULL);
    load_bad("train:\n  lr: 10.5\n", "train.lr: 10.5 is out of range (0 <= x <= 10)", NULL, NULL);
    load_bad("train:\n  lr: -0.001\n", "train.lr: -0.001 is out of range", NULL, NULL);
    load_bad("train:\n  beta1: 1\n", "train.beta1: 1 is out of range (0 <= x < 1)", NULL, NULL);
    load_bad("train:\n  beta2: 1.5\n", "train.beta2", NULL, NULL);
    load_bad("train:\n  epsilon: 0\n", "train.epsilon: 0 is out of range (0 < x <= 1)", NULL, NULL);
    load_bad("train:\n  epsilon: 1e-60\n", "train.epsilon: '1e-60' is a tiny number", NULL, NULL);
    load_bad("train:\n  clipnorm: -1\n", "train.clipnorm: -1 is out of range (x >= 0)", NULL, NULL);

    /* the edges themselves are allowed */
    tc_config c;
    load_ok(&c, "tokenizer:\n  num_words: 0\n  min_count: 2147483647\n");
    load_ok(&c, "tokenizer:\n  num_words: 3\n");
    assert_int_equal(c.tokenizer.num_words, 3);
    load_ok(&c, "train:\n  lr: 10\n  beta1: 0\n  epsilon: 1\n  clipnorm: 1e30\n  threads: 1024\n");
    assert_true(c.train.lr == 10.0f && c.train.epsilon == 1.0f && c.train.clipnorm == 1e30f);
    load_ok(&c, "model:\n  hidden: [1, 65536, 3, 4, 5, 6, 7, 8]\n  lstm: {layers: 16, dropout: 0.999}\n");
    assert_int_equal(c.model.n_hidden, 8);
    assert_int_equal(c.model.hidden[1], 65536);
    load_ok(&c, "model:\n  hidden: []\n");
    assert_int_equal(c.model.n_hidden, 0);
}

static void huge_numbers(void **state)
{
    (void)state;
    load_bad("train:\n  epochs: 99999999999999999999\n", "cfg.yaml:2:11: train.epochs:", "huge number", "(1..1000000)");
    load_bad("train:\n  epochs: -99999999999999999999\n", "train.epochs", "huge number", NULL);
    load_bad("train:\n  seed: 18446744073709551616\n", "train.seed", "huge number", NULL);
    load_bad("model:\n  hidden: [9223372036854775808]\n", "model.hidden[0]", "huge number", NULL);
    tc_config c;
    load_ok(&c, "train:\n  seed: 0\n");
    assert_true(c.train.seed == 0);
    load_ok(&c, "train:\n  seed: 12345678901234567890\n");
    assert_true(c.train.seed == 12345678901234567890u);
}

/* ${NAME} and ${NAME:-default} in path keys come from the environment. */
static void paths_expand_environment_variables(void **state)
{
    (void)state;
    tc_config c;
    tc_config_defaults(&c);
    unsetenv("TC_TEST_DATA");
    load_ok(&c, "data:\n  train: ${TC_TEST_DATA:-../shared/data}/sst2/train.csv\n  valid: a$b/${TC_TEST_DATA:-x}\n");
    assert_string_equal(c.data.train, "../shared/data/sst2/train.csv");
    assert_string_equal(c.data.valid, "a$b/x"); /* a '$' without '{' stays */
    setenv("TC_TEST_DATA", "/srv/corpora", 1);
    load_ok(&c, "data:\n  train: ${TC_TEST_DATA:-../shared/data}/sst2/train.csv\n  test: ${TC_TEST_DATA}\n");
    assert_string_equal(c.data.train, "/srv/corpora/sst2/train.csv");
    assert_string_equal(c.data.test, "/srv/corpora");
    set_ok(&c, "model.pretrained=${TC_TEST_DATA}/v.vec");
    assert_string_equal(c.model.pretrained, "/srv/corpora/v.vec");
    /* not expanded in plain strings: only paths */
    load_ok(&c, "data:\n  text_column: ${TC_TEST_DATA}\n");
    assert_string_equal(c.data.text_column, "${TC_TEST_DATA}");
    unsetenv("TC_TEST_DATA");
    load_bad("data:\n  test: ${TC_TEST_DATA}/t.csv\n",
             "cfg.yaml:2:9: data.test:", "the environment variable TC_TEST_DATA is not set", NULL);
    load_bad("data:\n  test: ${TC_TEST_DATA/t.csv\n", "data.test:", "without a closing", NULL);
    load_bad("data:\n  test: ${9x}/t.csv\n", "data.test:", "is not a variable name", NULL);
}

static void strings_nulls_and_lengths(void **state)
{
    (void)state;
    tc_config c;
    tc_err e = {{0}};
    /* a null string value means "" */
    tc_config_defaults(&c);
    set_ok(&c, "data.valid=v.csv");
    assert_int_equal(load(&c, "data:\n  valid:\n  test: ~\n", &e), 0);
    assert_string_equal(c.data.valid, "");
    assert_string_equal(c.data.test, "");
    load_ok(&c, "data:\n  text_column: 'null'\n  label_column: \"\"\n");
    assert_string_equal(c.data.text_column, "null");
    assert_string_equal(c.data.label_column, "");
    /* ... but null is an error for every other type */
    load_bad("train:\n  epochs:\n", "cfg.yaml:2:10: train.epochs: expected an integer, got null", NULL, NULL);
    load_bad("train:\n  lr: null\n", "train.lr: expected a number, got null", NULL, NULL);
    load_bad("train:\n  shuffle: ~\n", "train.shuffle: expected true or false", "got null", NULL);
    load_bad("data:\n  format: NULL\n", "data.format: expected one of csv, tsv, fasttext, jsonl, got null", NULL, NULL);
    load_bad("model:\n  hidden:\n", "model.hidden: expected a list of integers", "got null", NULL);
    load_bad("model:\n  hidden: [1, ~]\n", "model.hidden[1]: expected an integer, got null", NULL, NULL);
    /* a null section is an empty one */
    load_ok(&c, "train:\nmodel:\n");

    /* lengths: exactly the buffer minus the NUL fits, one more byte does not */
    char yaml[2 * TC_PATH_MAX];
    snprintf(yaml, sizeof yaml, "data:\n  label_separator: '%s'\n", "123456789012345");
    load_ok(&c, yaml);
    assert_int_equal(strlen(c.data.label_separator), 15);
    snprintf(yaml, sizeof yaml, "data:\n  label_separator: '%s'\n", "1234567890123456");
    load_bad(yaml, "cfg.yaml:2:20: data.label_separator:", "16 bytes long; at most 15", NULL);
    char name[TC_PATH_MAX + 1];
    memset(name, 'n', sizeof name);
    name[255] = 0;
    snprintf(yaml, sizeof yaml, "data:\n  text_column: %s\n", name);
    load_ok(&c, yaml);
    assert_int_equal(strlen(c.data.text_column), 255);
    name[255] = 'n';
    name[256] = 0;
    snprintf(yaml, sizeof yaml, "data:\n  text_column: %s\n", name);
    load_bad(yaml, "data.text_column:", "256 bytes long; at most 255", NULL);
    name[256] = 'n';
    name[TC_PATH_MAX - 1] = 0;
    snprintf(yaml, sizeof yaml, "output:\n  model: %s\n", name);
    load_ok(&c, yaml);
    assert_int_equal(strlen(c.output.model), TC_PATH_MAX - 1);
    name[TC_PATH_MAX - 1] = 'n';
    name[TC_PATH_MAX] = 0;
    snprintf(yaml, sizeof yaml, "output:\n  model: %s\n", name);
    load_bad(yaml, "output.model:", "4096 bytes long; at most 4095", NULL);
    load_bad("data:\n  train: \"a\\0b\"\n", "data.train: the value contains a NUL byte", NULL, NULL);

    /* quoting and Unicode survive */
    load_ok(&c, "data:\n  train: \"  sp\\u00e9cial: #1\\t\"\n  valid: '它''s'\n");
    assert_string_equal(c.data.train,
                        "  sp\xc3\xa9"
                        "cial: #1\t");
    assert_string_equal(c.data.valid, "它's");
}

static void duplicates_are_rejected(void **state)
{
    (void)state;
    load_bad("train:\n  epochs: 1\n  lr: 0.1\n  epochs: 2\n", "cfg.yaml:4:3: train.epochs: duplicate key",
             "first given at line 2", NULL);
    load_bad("train:\n  epochs: 1\nmodel: {}\ntrain:\n  lr: 0.1\n", "cfg.yaml:4:1: train: duplicate key", "line 1",
             NULL);
    load_bad("model:\n  lstm: {units: 2}\n  lstm: {layers: 2}\n", "cfg.yaml:3:3: model.lstm: duplicate key", NULL,
             NULL);
}

static void yaml_syntax_errors(void **state)
{
    (void)state;
    /* unterminated quote: libyaml reports the end of the stream */
    load_bad("train:\n  epochs: 5\n  lr: 'abc\n", "cfg.yaml:4:1: train.lr: YAML syntax error",
             "found unexpected end of stream", "while scanning a quoted scalar at line 3, column 7");
    /* a tab used for indentation */
    load_bad("train:\n\tepochs: 5\n", "cfg.yaml:2:1:", "YAML syntax error", NULL);
    /* bad indentation */
    load_bad("train:\n  epochs: 5\n lr: 1\n", "cfg.yaml:3:2: YAML syntax error", NULL, NULL);
    /* invalid UTF-8: reader errors are placed by their byte offset */
    load_bad("train:\n  lr: 0.1\ndata:\n  train: \xff\n", "cfg.yaml:4:10:", "invalid YAML input", NULL);
    /* more than one document */
    load_bad("train:\n  epochs: 5\n---\ntrain:\n  epochs: 6\n", "cfg.yaml:3:1: only one YAML document", NULL, NULL);
}

static void anchors_aliases_and_bombs(void **state)
{
    (void)state;
    load_bad("data:\n  train: &a x.csv\n  valid: *a\n", "cfg.yaml:2:10: data.train:", "aliases are not supported",
             NULL);
    load_bad("data:\n  valid: *a\n", "cfg.yaml:2:10: data.valid: anchors and aliases are not supported", NULL, NULL);
    load_bad("&root\ntrain:\n  epochs: 3\n", "cfg.yaml:1:1:", "aliases are not supported", NULL);
    load_bad("train: &t\n  epochs: 3\n", "cfg.yaml:1:8: train:", "aliases are not supported", NULL);

    /* "billion laughs": ten levels of ten aliases each; must fail at once */
    size_t cap = 1 << 16, n = 0;
    char *y = malloc(cap);
    assert_non_null(y);
    n += (size_t)snprintf(y + n, cap - n, "model:\n  hidden: &l0 [1, 1, 1, 1, 1, 1, 1, 1]\n");
    for (int lvl = 1; lvl < 10; lvl++) {
        n += (size_t)snprintf(y + n, cap - n, "  h%d: &l%d [", lvl, lvl);
        for (int j = 0; j < 10; j++)
            n += (size_t)snprintf(y + n, cap - n, "%s*l%d", j ? ", " : "", lvl - 1);
        n += (size_t)snprintf(y + n, cap - n, "]\n");
    }
    tc_config c;
    tc_err e = {{0}};
    tc_config_defaults(&c);
    clock_t t0 = clock();
    assert_int_equal(tc_config_load_string(&c, y, n, "bomb.yaml", &e), -1);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_true(secs < 0.5);
    assert_non_null(strstr(e.msg, "bomb.yaml:2:11: model.hidden: anchors and aliases are not supported"));
    free(y);
}

static void root_must_be_a_mapping_and_empty_is_fine(void **state)
{
    (void)state;
    load_bad("- a\n- b\n", "cfg.yaml:1:1:", "top level must be a mapping", "got a list");
    load_bad("hello\n", "cfg.yaml:1:1:", "top level must be a mapping", "got 'hello'");
    load_bad("\n\n  42\n", "cfg.yaml:3:3:", "got '42'", NULL);

    static const char *const empty[] = {"", "\n\n", "# only a comment\n", "---\n", "--- ~\n...\n", "null\n", "{}\n"};
    tc_config c, d;
    tc_config_defaults(&d);
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        load_ok(&c, empty[i]);
        assert_memory_equal(&c, &d, sizeof c);
    }
    /* a zero-length buffer is an empty document too */
    tc_err e = {{0}};
    assert_int_equal(tc_config_load_string(&c, "", 0, "x", &e), 0);
}

static void failed_load_changes_nothing(void **state)
{
    (void)state;
    tc_config c, before;
    tc_err e = {{0}};
    tc_config_defaults(&c);
    set_ok(&c, "train.epochs=9");
    before = c;
    assert_int_equal(load(&c, "train:\n  epochs: 3\n  lr: 0.5\n  batch_size: 0\n", &e), -1);
    assert_memory_equal(&c, &before, sizeof c);
    assert_int_equal(tc_config_set(&c, "model.hidden=[1, 2, x]", &e), -1);
    assert_memory_equal(&c, &before, sizeof c);
}

static void load_file_names_the_path(void **state)
{
    (void)state;
    char path[] = "/tmp/test_config_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *yaml = "data:\n  train: a.csv\ntrain:\n  epochz: 5\n";
    assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    tc_config c;
    tc_err e = {{0}};
    tc_config_defaults(&c);
    assert_int_equal(tc_config_load_file(&c, path, &e), -1);
    char want[128];
    snprintf(want, sizeof want, "%s:4:3: train.epochz: unknown key (did you mean 'epochs'?)", path);
    assert_string_equal(e.msg, want);

    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("data:\n  train: b.csv\ntrain:\n  epochs: 8\n", f);
    fclose(f);
    assert_int_equal(tc_config_load_file(&c, path, &e), 0);
    assert_string_equal(c.data.train, "/tmp/b.csv"); /* relative to the config's folder */
    assert_int_equal(c.train.epochs, 8);
    unlink(path);

    assert_int_equal(tc_config_load_file(&c, path, &e), -1);
    assert_non_null(strstr(e.msg, path));
    assert_non_null(strstr(e.msg, "cannot open"));
    assert_int_equal(tc_config_load_file(&c, "/tmp", &e), -1);
    assert_non_null(strstr(e.msg, "/tmp: cannot read"));
}

/* Input paths a config file sets are relative to its folder; outputs, "-",
 * absolute paths and paths the file does not set are left as they are. */
static void load_file_resolves_input_paths(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_config_dir_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/c.yaml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(
        "data:\n  train: d/train.csv\n  valid: /abs/valid.csv\n  test: \"-\"\nmodel:\n  pretrained: v.vec\n"
        "output:\n  model: m.bin\n  metrics: run.jsonl\n",
        f);
    fclose(f);
    tc_config c;
    tc_err e = {{0}};
    tc_config_defaults(&c);
    assert_int_equal(tc_config_set(&c, "data.test=keep.csv", &e), 0);
    assert_int_equal(tc_config_load_file(&c, path, &e), 0);
    char want[96];
    snprintf(want, sizeof want, "%s/d/train.csv", dir);
    assert_string_equal(c.data.train, want);
    assert_string_equal(c.data.valid, "/abs/valid.csv");
    assert_string_equal(c.data.test, "-");
    snprintf(want, sizeof want, "%s/v.vec", dir);
    assert_string_equal(c.model.pretrained, want);
    assert_string_equal(c.output.model, "m.bin");
    assert_string_equal(c.output.metrics, "run.jsonl");
    /* a key the file does not set keeps the value it had */
    tc_config_defaults(&c);
    assert_int_equal(tc_config_set(&c, "data.valid=v.csv", &e), 0);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("data:\n  train: t.csv\n", f);
    fclose(f);
    assert_int_equal(tc_config_load_file(&c, path, &e), 0);
    assert_string_equal(c.data.valid, "v.csv");
    /* a file in the working directory: nothing to join */
    unlink(path);
    rmdir(dir);
}

static void set_each_type(void **state)
{
    (void)state;
    tc_config c;
    tc_config_defaults(&c);
    set_ok(&c, "data.train=my file.csv");
    assert_string_equal(c.data.train, "my file.csv");
    set_ok(&c, "data.valid=a=b");
    assert_string_equal(c.data.valid, "a=b");
    set_ok(&c, "data.label_separator='|'");
    assert_string_equal(c.data.label_separator, "|");
    set_ok(&c, "data.text_column=3");
    assert_string_equal(c.data.text_column, "3");
    set_ok(&c, "data.test=");
    assert_string_equal(c.data.test, "");
    set_ok(&c, "data.valid=~");
    assert_string_equal(c.data.valid, "");
    set_ok(&c, "data.label_column=''");
    assert_string_equal(c.data.label_column, "");
    set_ok(&c, "data.label_separator=\"#\"");
    assert_string_equal(c.data.label_separator, "#");
    set_ok(&c, "data.header=off");
    assert_int_equal(c.data.header, 0);
    set_ok(&c, "data.format=tsv");
    assert_int_equal(c.data.format, TC_FMT_TSV);
    set_ok(&c, " train.epochs = 9 ");
    assert_int_equal(c.train.epochs, 9);
    set_ok(&c, "train.seed=18446744073709551615");
    assert_true(c.train.seed == UINT64_MAX);
    set_ok(&c, "train.lr=2.5e-3");
    assert_true(c.train.lr == 2.5e-3f);
    set_ok(&c, "model.hidden=[64, 32]");
    assert_int_equal(c.model.n_hidden, 2);
    assert_int_equal(c.model.hidden[0], 64);
    assert_int_equal(c.model.hidden[1], 32);
    set_ok(&c, "model.hidden=[]");
    assert_int_equal(c.model.n_hidden, 0);
    set_ok(&c, "model.lstm.units=7");
    assert_int_equal(c.model.lstm.units, 7);
    set_ok(&c, "model.lstm.output=mean");
    assert_int_equal(c.model.lstm.output, TC_LSTM_MEAN);
    set_ok(&c, "train.shuffle=no # a comment");
    assert_int_equal(c.train.shuffle, 0);
}

static void set_errors(void **state)
{
    (void)state;
    set_bad("train.epochs", "--set train.epochs: missing '='", NULL);
    set_bad("train.epochz=5", "--set train.epochz: unknown key", "did you mean 'train.epochs'?");
    set_bad("epochs=5", "--set epochs: unknown key", "did you mean 'train.epochs'?");
    set_bad("trian.lr=5", "--set trian.lr: unknown key", "did you mean 'train.lr'?");
    set_bad("model.lstm=5", "--set model.lstm: unknown key", NULL);
    set_bad("train.epochs=abc", "--set train.epochs: expected an integer, got 'abc'", NULL);
    set_bad("train.epochs=0", "--set train.epochs: 0 is out of range (1..1000000)", NULL);
    set_bad("train.epochs=", "--set train.epochs: expected an integer, got null", NULL);
    set_bad("train.epochs=1 2", "--set train.epochs: expected an integer, got '1 2'", NULL);
    set_bad("train.epochs=a: b", "--set train.epochs: expected an integer, got a mapping", NULL);
    set_bad("train.epochs=99999999999999999999", "--set train.epochs:", "huge number");
    set_bad("train.shuffle=sometimes", "--set train.shuffle: expected true or false", NULL);
    set_bad("model.encoder=lstn", "--set model.encoder: 'lstn' is not one of gap, lstm", "did you mean 'lstm'?");
    set_bad("model.threshold=1", "--set model.threshold: 1 is out of range (0 < x < 1)", NULL);
    set_bad("model.hidden=[64, 32", "--set model.hidden: YAML syntax error", NULL);
    set_bad("model.hidden=[1, 2, 3, 4, 5, 6, 7, 8, 9]", "--set model.hidden[8]: at most 8 entries", NULL);
    set_bad("model.hidden=64", "--set model.hidden: expected a list of integers", NULL);
    set_bad("model.hidden=[64, 0]", "--set model.hidden[1]: 0 is out of range (1..65536)", NULL);
    set_bad("data.label_separator=0123456789abcdef", "--set data.label_separator:", "at most 15");
    /* text that YAML reads as nothing must be quoted, not stored as "" */
    set_bad("data.label_separator=|", "--set data.label_separator: '|' reads as an empty YAML value", "quotes");
    set_bad("data.train=#x", "--set data.train: '#x' reads as an empty YAML value", NULL);
    set_bad("data.train=---", "--set data.train: '---' reads as an empty YAML value", NULL);
    set_bad("data.train=&a x", "--set data.train: anchors and aliases are not supported", NULL);
    set_bad("data.train=--- a\n--- b\n", "--set data.train: the value must be a single YAML value", NULL);
}

/* Compares every field, strings as whole buffers, floats bit for bit. */
static void assert_config_equal(const tc_config *a, const tc_config *b)
{
    assert_memory_equal(&a->data.train, &b->data.train, sizeof a->data.train);
    assert_memory_equal(&a->data.valid, &b->data.valid, sizeof a->data.valid);
    assert_memory_equal(&a->data.test, &b->data.test, sizeof a->data.test);
    assert_int_equal(a->data.format, b->data.format);
    assert_int_equal(a->data.header, b->data.header);
    assert_memory_equal(a->data.text_column, b->data.text_column, sizeof a->data.text_column);
    assert_memory_equal(a->data.label_column, b->data.label_column, sizeof a->data.label_column);
    assert_memory_equal(a->data.label_separator, b->data.label_separator, sizeof a->data.label_separator);
    assert_int_equal(a->data.on_error, b->data.on_error);
    assert_memory_equal(&a->tokenizer, &b->tokenizer, sizeof a->tokenizer);
    assert_memory_equal(&a->pad, &b->pad, sizeof a->pad);
    assert_int_equal(a->model.encoder, b->model.encoder);
    assert_int_equal(a->model.embedding_dim, b->model.embedding_dim);
    assert_int_equal(a->model.n_hidden, b->model.n_hidden);
    assert_memory_equal(a->model.hidden, b->model.hidden, (size_t)a->model.n_hidden * sizeof a->model.hidden[0]);
    assert_int_equal(a->model.head, b->model.head);
    assert_memory_equal(&a->model.threshold, &b->model.threshold, sizeof(float));
    assert_int_equal(a->model.lstm.units, b->model.lstm.units);
    assert_int_equal(a->model.lstm.layers, b->model.lstm.layers);
    assert_int_equal(a->model.lstm.bidirectional, b->model.lstm.bidirectional);
    assert_int_equal(a->model.lstm.output, b->model.lstm.output);
    assert_memory_equal(&a->model.lstm.dropout, &b->model.lstm.dropout, sizeof(float));
    assert_int_equal(a->train.optimizer, b->train.optimizer);
    assert_memory_equal(&a->train.lr, &b->train.lr, sizeof(float));
    assert_memory_equal(&a->train.beta1, &b->train.beta1, sizeof(float));
    assert_memory_equal(&a->train.beta2, &b->train.beta2, sizeof(float));
    assert_memory_equal(&a->train.epsilon, &b->train.epsilon, sizeof(float));
    assert_memory_equal(&a->train.clipnorm, &b->train.clipnorm, sizeof(float));
    assert_int_equal(a->train.epochs, b->train.epochs);
    assert_int_equal(a->train.batch_size, b->train.batch_size);
    assert_true(a->train.seed == b->train.seed);
    assert_int_equal(a->train.shuffle, b->train.shuffle);
    assert_int_equal(a->train.threads, b->train.threads);
    assert_memory_equal(a->output.model, b->output.model, sizeof a->output.model);
}

static void put(char *dst, size_t size, const char *s)
{
    assert_true(strlen(s) < size);
    memset(dst, 0, size);
    memcpy(dst, s, strlen(s));
}
#define PUT(field, s) put(field, sizeof field, s)

static void round_trip(const tc_config *a)
{
    tc_err e = {{0}};
    char *y = tc_config_to_yaml(a, &e);
    if (!y)
        fail_msg("to_yaml failed: %s", e.msg);
    tc_config b;
    tc_config_defaults(&b);
    if (tc_config_load_string(&b, y, strlen(y), "rt.yaml", &e) != 0)
        fail_msg("reload failed: %s\n%s", e.msg, y);
    assert_config_equal(a, &b);
    free(y);
}

static void to_yaml_round_trips(void **state)
{
    (void)state;
    tc_config a;
    tc_config_defaults(&a);
    round_trip(&a); /* every string empty or plain */

    /* every key away from its default, strings as hostile as YAML gets */
    PUT(a.data.train, "quote\" and 'single' # not a comment: colon");
    PUT(a.data.valid, "  leading and trailing spaces  ");
    PUT(a.data.test,
        "\xc3\xbcn\xc3\xaf"
        "c\xc3\xb6"
        "d\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x99\x82");
    PUT(a.data.text_column, "line1\nline2\ttab\r\\ \x01\x7f");
    PUT(a.data.label_column, "- [x] {y} & * ! | > % @ ` ~ null");
    PUT(a.data.label_separator, "\xc2\x85\xe2\x80\xa8\xef\xbb\xbf:");
    PUT(a.output.model, "yes");
    a.data.format = TC_FMT_TSV;
    a.data.header = 0;
    a.data.on_error = TC_ONERR_SKIP;
    a.tokenizer.normalize = 0;
    a.tokenizer.lowercase = 0;
    a.tokenizer.keep_punct = 1;
    a.tokenizer.keep_symbols = 1;
    a.tokenizer.num_words = 2147483647;
    a.tokenizer.min_count = 2;
    a.pad.maxlen = 1000000;
    a.pad.padding = TC_POST;
    a.pad.truncating = TC_POST;
    a.model.encoder = TC_ENC_LSTM;
    a.model.embedding_dim = 4096;
    a.model.n_hidden = 8;
    for (int i = 0; i < 8; i++)
        a.model.hidden[i] = 65536 - i;
    a.model.head = TC_HEAD_SOFTMAX;
    a.model.threshold = 0.1f;
    a.model.lstm.units = 1;
    a.model.lstm.layers = 16;
    a.model.lstm.bidirectional = 1;
    a.model.lstm.output = TC_LSTM_MEAN;
    a.model.lstm.dropout = 0.99999994f; /* the largest float below 1 */
    a.train.optimizer = TC_OPT_SGD;
    a.train.lr = 1.0f / 3.0f;
    a.train.beta1 = 0.123456789f;
    a.train.beta2 = 1e-30f;
    a.train.epsilon = 1.17549435e-38f; /* FLT_MIN */
    a.train.clipnorm = FLT_MAX;
    a.train.epochs = 1000000;
    a.train.batch_size = 1;
    a.train.seed = UINT64_MAX;
    a.train.shuffle = 0;
    a.train.threads = 1024;
    round_trip(&a);

    PUT(a.data.valid, "");
    PUT(a.output.model, "~");
    a.train.lr = 10.0f;
    a.train.clipnorm = -0.0f;
    a.model.n_hidden = 1;
    round_trip(&a);
}

static void to_yaml_refuses_what_it_cannot_write(void **state)
{
    (void)state;
    tc_config c;
    tc_err e = {{0}};
    tc_config_defaults(&c);
    PUT(c.data.valid, "bad \xff utf-8");
    assert_null(tc_config_to_yaml(&c, &e));
    assert_non_null(strstr(e.msg, "data.valid: not valid UTF-8"));
    tc_config_defaults(&c);
    c.train.epochs = 0;
    assert_null(tc_config_to_yaml(&c, &e));
    assert_non_null(strstr(e.msg, "train.epochs: 0 is out of range"));
}

static void validate_checks_across_keys(void **state)
{
    (void)state;
    tc_config c;
    tc_err e = {{0}};
    tc_config_defaults(&c);
    assert_int_equal(tc_config_validate(&c, &e), -1);
    assert_string_equal(e.msg, "data.train is required");
    set_ok(&c, "data.train=t.csv");
    assert_int_equal(tc_config_validate(&c, &e), 0);

    set_ok(&c, "model.head=softmax");
    set_ok(&c, "data.label_separator='|'");
    assert_int_equal(tc_config_validate(&c, &e), -1);
    assert_string_equal(e.msg, "model.head: softmax needs one label per row; data.label_separator is set");
    set_ok(&c, "model.head=sigmoid");
    assert_int_equal(tc_config_validate(&c, &e), 0);

    /* columns: must be set and distinct for csv/tsv, indexes without a header */
    set_ok(&c, "data.text_column=");
    assert_int_equal(tc_config_validate(&c, &e), -1);
    assert_non_null(strstr(e.msg, "data.text_column is empty"));
    set_ok(&c, "data.text_column=label");
    assert_int_equal(tc_config_validate(&c, &e), -1);
    assert_non_null(strstr(e.msg, "data.label_column: 'label' is also data.text_column"));
    set_ok(&c, "data.text_column=text");
    set_ok(&c, "data.header=false");
    assert_int_equal(tc_config_validate(&c, &e), -1);
    assert_non_null(strstr(e.msg, "data.text_column: 'text' is a column name, but data.header is false"));
    set_ok(&c, "data.text_column=1");
    set_ok(&c, "data.label_column=0");
    assert_int_equal(tc_config_validate(&c, &e), 0);
    /* fasttext ignores the columns entirely */
    set_ok(&c, "data.format=fasttext");
    set_ok(&c, "data.text_column=");
    set_ok(&c, "data.label_column=");
    assert_int_equal(tc_config_validate(&c, &e), 0);

    set_ok(&c, "output.model=");
    assert_int_equal(tc_config_validate(&c, &e), -1);
    assert_string_equal(e.msg, "output.model is required");

    /* values set from code are range-checked too */
    tc_config_defaults(&c);
    set_ok(&c, "data.train=t.csv");
    c.data.format = TC_FMT_LINES;
    assert_int_equal(tc_config_validate(&c, &e), -1);
    assert_non_null(strstr(e.msg, "data.format:"));
    tc_config_defaults(&c);
    set_ok(&c, "data.train=t.csv");
    c.model.n_hidden = TC_MAX_HIDDEN + 1;
    assert_int_equal(tc_config_validate(&c, &e), -1);
    assert_non_null(strstr(e.msg, "model.hidden:"));
    c.model.n_hidden = 1;
    c.model.hidden[0] = 0;
    assert_int_equal(tc_config_validate(&c, &e), -1);
    assert_non_null(strstr(e.msg, "model.hidden: 0 is out of range"));
    c.model.hidden[0] = 5;
    c.model.threshold = NAN;
    assert_int_equal(tc_config_validate(&c, &e), -1);
    assert_non_null(strstr(e.msg, "model.threshold:"));
    c.model.threshold = 0.5f;
    c.train.batch_size = 0;
    assert_int_equal(tc_config_validate(&c, &e), -1);
    assert_string_equal(e.msg, "train.batch_size: 0 is out of range (1..65536)");
}

static void reference_lists_every_key(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    tc_config_print_reference(f);
    long size = ftell(f);
    assert_true(size > 0);
    char *text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);

    /* every key of config.h appears at the start of a row */
    static const char *const keys[] = {
        "data.train",
        "data.valid",
        "data.test",
        "data.format",
        "data.header",
        "data.text_column",
        "data.label_column",
        "data.label_separator",
        "data.on_error",
        "tokenizer.normalize",
        "tokenizer.lowercase",
        "tokenizer.keep_punct",
        "tokenizer.keep_symbols",
        "tokenizer.num_words",
        "tokenizer.min_count",
        "pad.maxlen",
        "pad.padding",
        "pad.truncating",
        "model.encoder",
        "model.embedding_dim",
        "model.hidden",
        "model.head",
        "model.threshold",
        "model.lstm.units",
        "model.lstm.layers",
        "model.lstm.bidirectional",
        "model.lstm.output",
        "model.lstm.dropout",
        "train.optimizer",
        "train.lr",
        "train.beta1",
        "train.beta2",
        "train.epsilon",
        "train.clipnorm",
        "train.epochs",
        "train.batch_size",
        "train.seed",
        "train.shuffle",
        "train.threads",
        "output.model",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char row[64];
        snprintf(row, sizeof row, "\n  %s ", keys[i]);
        if (!strstr(text, row))
            fail_msg("reference lacks a row for %s", keys[i]);
    }
    /* rows carry type, default and allowed values */
    const char *ep = strstr(text, "\n  train.epochs ");
    const char *eol = strchr(ep + 1, '\n');
    char line[256];
    snprintf(line, sizeof line, "%.*s", (int)(eol - ep), ep);
    assert_non_null(strstr(line, " int "));
    assert_non_null(strstr(line, " 5 "));
    assert_non_null(strstr(line, "1..1000000"));
    assert_non_null(strstr(text, "csv, tsv, fasttext"));
    assert_non_null(strstr(text, "last, mean, max"));
    assert_non_null(strstr(text, "\"model.bin\""));
    assert_non_null(strstr(text, "0 < x < 1"));
    /* tidy: no line wider than 100 columns; rows aligned under the header */
    const char *hdr = strstr(text, "\n  KEY ");
    assert_non_null(hdr);
    hdr++;
    size_t column = (size_t)(strstr(hdr, "TYPE") - hdr);
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        assert_true(len <= 100);
        if (strncmp(p, "  train.", 8) == 0)
            assert_true(len > column && p[column - 1] == ' ' && p[column] != ' ');
        p += len + (nl != NULL);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_match_the_header),
        cmocka_unit_test(full_yaml_sets_every_key),
        cmocka_unit_test(partial_yaml_keeps_other_defaults),
        cmocka_unit_test(booleans_and_enum_spellings),
        cmocka_unit_test(unknown_keys_get_suggestions),
        cmocka_unit_test(wrong_types),
        cmocka_unit_test(values_out_of_range),
        cmocka_unit_test(huge_numbers),
        cmocka_unit_test(strings_nulls_and_lengths),
        cmocka_unit_test(paths_expand_environment_variables),
        cmocka_unit_test(duplicates_are_rejected),
        cmocka_unit_test(yaml_syntax_errors),
        cmocka_unit_test(anchors_aliases_and_bombs),
        cmocka_unit_test(root_must_be_a_mapping_and_empty_is_fine),
        cmocka_unit_test(failed_load_changes_nothing),
        cmocka_unit_test(load_file_names_the_path),
        cmocka_unit_test(load_file_resolves_input_paths),
        cmocka_unit_test(set_each_type),
        cmocka_unit_test(set_errors),
        cmocka_unit_test(to_yaml_round_trips),
        cmocka_unit_test(to_yaml_refuses_what_it_cannot_write),
        cmocka_unit_test(validate_checks_across_keys),
        cmocka_unit_test(reference_lists_every_key),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
