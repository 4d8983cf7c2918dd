# Text features end to end: `textclf tokenize` with a config and with a model,
# word and character n-grams through train / eval / predict (predict must
# reproduce eval), the LSTM warning, several text columns, gzip and standard
# input, JSON Lines, and pretrained vectors (coverage, corrupt files).
. "$(dirname "$0")/lib.sh"

cat >"$tmp/cfg.yaml" <<EOF
data:
  train: $TC_ROOT/data/demo.csv
  test: $TC_ROOT/data/demo_test.csv
tokenizer:
  ngrams: 2
  char_ngrams: [2, 4]
  buckets: 5000
model:
  embedding_dim: 16
train:
  lr: 0.01
  epochs: 8
  batch_size: 16
  seed: 2
  threads: 1
output:
  model: $tmp/ng.bin
EOF

# tokenize with a config: tokens and hashed features; --set tries other settings
printf 'Good movie\n\n我爱北京\n' | "$TEXTCLF" tokenize "$tmp/cfg.yaml" >"$tmp/tok" 2>"$tmp/err" || fail "tokenize: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/tok")" -eq 3 ] || fail "tokenize: not one line per input line"
sed -n 1p "$tmp/tok" | grep -Eq '^good <g#[0-9]+ .* movie good_movie#[0-9]+ <m#' || fail "tokenize line 1: $(sed -n 1p "$tmp/tok")"
[ -z "$(sed -n 2p "$tmp/tok")" ] || fail "tokenize: an empty line must stay empty"
ok
printf '我爱北京\n' | "$TEXTCLF" tokenize "$tmp/cfg.yaml" --set tokenizer.cjk=bigram --set tokenizer.ngrams=1 \
    --set 'tokenizer.char_ngrams=[]' >"$tmp/tok" || fail "tokenize --set"
[ "$(cat "$tmp/tok")" = "我爱 爱北 北京" ] || fail "cjk bigram: $(cat "$tmp/tok")"
ok
expect_fail 2 "tokenizer.cjk: 'trigram' is not one of" "$TEXTCLF" tokenize "$tmp/cfg.yaml" --set tokenizer.cjk=trigram

# n-grams through training; the model file knows its features
"$TEXTCLF" train "$tmp/cfg.yaml" -q 2>"$tmp/err" || fail "train with n-grams: $(cat "$tmp/err")"
printf 'Goal scored in the final minute\n' | "$TEXTCLF" tokenize "$tmp/ng.bin" >"$tmp/tok" || fail "tokenize MODEL"
grep -Eq '^goal:[0-9]+ <g:[0-9]+ ' "$tmp/tok" || fail "tokenize MODEL: $(cat "$tmp/tok")"
grep -Eq ' scored_in:[0-9]+ ' "$tmp/tok" || fail "tokenize MODEL: no word bigram: $(cat "$tmp/tok")"
ok
expect_fail 1 "only works with a CONFIG" "$TEXTCLF" tokenize "$tmp/ng.bin" --set tokenizer.ngrams=3

# predict reproduces eval's accuracy, one row at a time
"$TEXTCLF" eval "$tmp/ng.bin" data/demo_test.csv --json >"$tmp/eval.json" || fail "eval"
acc=$(sed -n 's/.*"accuracy": *\([0-9.]*\).*/\1/p' "$tmp/eval.json" | head -n 1)
csv_to_lines data/demo_test.csv >"$tmp/test.tsv"
cut -f2 "$tmp/test.tsv" | "$TEXTCLF" predict "$tmp/ng.bin" >"$tmp/pred" || fail "predict"
pacc=$(cut -f1 "$tmp/test.tsv" | paste - "$tmp/pred" | awk -F'\t' '{n++; c += $1 == $2} END {printf "%.6f", c / n}')
awk -v a="$acc" -v b="$pacc" 'BEGIN {exit !(a - b < 1e-6 && b - a < 1e-6)}' || fail "predict accuracy $pacc != eval $acc"
awk -v a="$acc" 'BEGIN {exit !(a > 0.7)}' || fail "n-gram model accuracy only $acc"
ok

# the LSTM encoder warns and ignores the n-grams (no bucket rows)
"$TEXTCLF" train "$tmp/cfg.yaml" -o "$tmp/lstm.bin" --set model.encoder=lstm --set model.lstm.units=8 \
    --set train.epochs=1 >/dev/null 2>"$tmp/err" || fail "lstm train: $(cat "$tmp/err")"
grep -q "warning: tokenizer.ngrams and tokenizer.char_ngrams are ignored by the lstm encoder" "$tmp/err" ||
    fail "no lstm warning: $(cat "$tmp/err")"
printf 'good movie\n' | "$TEXTCLF" tokenize "$tmp/lstm.bin" >"$tmp/tok"
[ "$(awk '{print NF}' "$tmp/tok")" -eq 2 ] || fail "lstm model has features: $(cat "$tmp/tok")"
ok

# several text columns; gzip by its magic bytes; "-" for standard input
awk -F'\t' 'BEGIN {print "label,title,body"} {n = split($2, w, " "); t = ""; b = "";
    for (i = 1; i <= n; i++) if (i <= 2) t = t " " w[i]; else b = b " " w[i];
    gsub(/"/, "\"\"", t); gsub(/"/, "\"\"", b); print $1 ",\"" t "\",\"" b "\""}' "$tmp/test.tsv" >"$tmp/cols.csv"
csv_to_lines data/demo.csv | awk -F'\t' 'BEGIN {print "label,title,body"} {n = split($2, w, " "); t = ""; b = "";
    for (i = 1; i <= n; i++) if (i <= 2) t = t " " w[i]; else b = b " " w[i];
    gsub(/"/, "\"\"", t); gsub(/"/, "\"\"", b); print $1 ",\"" t "\",\"" b "\""}' | gzip -c >"$tmp/train.csv.gz"
"$TEXTCLF" train "$tmp/cfg.yaml" -q -o "$tmp/cols.bin" --set data.train="$tmp/train.csv.gz" --set data.test= \
    --set 'data.text_column=[title, body]' 2>"$tmp/err" || fail "multi-column gzip train: $(cat "$tmp/err")"
gzip -c "$tmp/cols.csv" | "$TEXTCLF" eval "$tmp/cols.bin" - --json >"$tmp/cols.json" 2>"$tmp/err" ||
    fail "eval of gzip on stdin: $(cat "$tmp/err")"
cacc=$(sed -n 's/.*"accuracy": *\([0-9.]*\).*/\1/p' "$tmp/cols.json" | head -n 1)
# the same texts as one column give the same model and the same accuracy
awk -v a="$acc" -v b="$cacc" 'BEGIN {exit !(a - b < 1e-6 && b - a < 1e-6)}' ||
    fail "two columns joined: accuracy $cacc, one column: $acc"
ok
# training data from a gzip stream on standard input gives the same model as the file
gzip -c data/demo.csv | "$TEXTCLF" train "$tmp/cfg.yaml" -q -o "$tmp/stdin.bin" --set data.train=- --set data.test= \
    2>"$tmp/err" || fail "train from stdin: $(cat "$tmp/err")"
sacc=$("$TEXTCLF" eval "$tmp/stdin.bin" data/demo_test.csv --json | sed -n 's/.*"accuracy": *\([0-9.]*\).*/\1/p' | head -n 1)
[ "$sacc" = "$acc" ] || fail "model trained from stdin: accuracy $sacc, from the file: $acc"
ok
printf 'x\n' | gzip -c | head -c 12 >"$tmp/cut.gz"
expect_fail 1 "cut.gz:1: truncated gzip file" "$TEXTCLF" eval "$tmp/cols.bin" "$tmp/cut.gz"

# JSON Lines: fields by name, a list of labels is a multi-label row
cat >"$tmp/d.jsonl" <<'EOF'
{"id": 1, "tags": ["sports"], "text": "the match ended with a late goal"}
{"id": 2, "tags": ["weather", "sports"], "text": "rain stopped the match at half time"}
{"id": 3, "tags": ["weather"], "text": "sunny and warm all week"}
{"id": 4, "tags": [], "text": "nothing to see here"}
EOF
"$TEXTCLF" train "$tmp/cfg.yaml" -o "$tmp/j.bin" --set data.format=jsonl --set data.train="$tmp/d.jsonl" \
    --set data.test="$tmp/d.jsonl" --set data.label_column=tags 2>"$tmp/err" || fail "jsonl train: $(cat "$tmp/err")"
grep -q "binary_acc\|accuracy" "$tmp/err" || fail "jsonl: no test line: $(cat "$tmp/err")"
printf '{"tags": "a", "text": 5}\n{"tags": "b"\n' >"$tmp/bad.jsonl"
expect_fail 1 "bad.jsonl:2: invalid JSON" "$TEXTCLF" train "$tmp/cfg.yaml" --set data.format=jsonl \
    --set data.train="$tmp/bad.jsonl" --set data.label_column=tags

# pretrained vectors: a small generated file (some words in capitals, so some
# match only after normalisation), coverage on stderr; corrupt files name the line
csv_to_lines data/demo.csv | cut -f2 | "$TEXTCLF" tokenize "$tmp/cfg.yaml" --set tokenizer.ngrams=1 \
    --set 'tokenizer.char_ngrams=[]' | tr ' ' '\n' | grep . | LC_ALL=C sort -u | head -n 150 |
    awk 'BEGIN {srand(5); print "150 16"} {w = (NR % 3 == 0) ? toupper($0) : $0; printf "%s", w;
        for (i = 0; i < 16; i++) printf " %.4f", rand() - 0.5; print ""}' >"$tmp/v.vec"
"$TEXTCLF" train "$tmp/cfg.yaml" -o "$tmp/pre.bin" --set model.pretrained="$tmp/v.vec" --set train.epochs=1 \
    >/dev/null 2>"$tmp/err" || fail "pretrained train: $(cat "$tmp/err")"
grep -Eq "pretrained: .*v.vec: [0-9]+ of [0-9]+ vocabulary words found \([0-9.]+%; [0-9]+ exact, [1-9][0-9]* after normalisation\)" \
    "$tmp/err" || fail "no coverage line: $(cat "$tmp/err")"
ok
sed '3s/ [^ ]*$/ oops/' "$tmp/v.vec" | sed '1d' >"$tmp/bad.vec"
sed -n 2p "$tmp/bad.vec" | grep -q oops || fail "test setup: corrupt line"
expect_fail 1 "bad.vec:2: field 17 \('oops'\) is not a finite number" "$TEXTCLF" train "$tmp/cfg.yaml" \
    --set model.pretrained="$tmp/bad.vec" --set 'tokenizer.min_count=1'
expect_fail 1 "v.vec:1: the header says 16 dimensions but model.embedding_dim is 8" "$TEXTCLF" train "$tmp/cfg.yaml" \
    --set model.pretrained="$tmp/v.vec" --set model.embedding_dim=8

# the reference lists the new keys
"$TEXTCLF" train --help-config >"$tmp/ref"
for k in tokenizer.split tokenizer.cjk tokenizer.strip_accents tokenizer.digits tokenizer.filters tokenizer.ngrams \
    tokenizer.char_ngrams tokenizer.buckets model.pretrained; do
    grep -q "^  $k " "$tmp/ref" || fail "--help-config lacks $k"
done
ok
done_checks
