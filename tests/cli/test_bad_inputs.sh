# Hostile and broken inputs, end to end (docs/robustness.md lists each with
# its message): every one gets a precise one-line error with the documented
# exit code, or the documented skip, and never a crash, a hang or unbounded
# memory.  Big inputs are generated here, in the test's temporary directory.
. "$(dirname "$0")/lib.sh"

# Peak RSS limits hold for the normal build; under ASan (shadow memory,
# quarantine) only the outcome is checked.
asan=0
ldd "$TEXTCLF" 2>/dev/null | grep -q libasan && asan=1
# rss_below KB CMD...: runs CMD (stdin from $tmp/stdin if present), output in
# $tmp/out and $tmp/err, exit status in $rc; fails if its peak RSS is KB or more
rss_below() {
    limit=$1
    shift
    [ -f "$tmp/stdin" ] || : >"$tmp/stdin"
    /usr/bin/time -f '%M' -o "$tmp/rss" "$@" <"$tmp/stdin" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    rss=$(tail -n 1 "$tmp/rss")
    [ "$asan" -eq 1 ] || [ "$rss" -lt "$limit" ] || fail "'$*': peak RSS ${rss} KB, limit $limit KB"
    rm -f "$tmp/stdin"
}
# one_line CODE PATTERN: the last command exited CODE with exactly one stderr line matching PATTERN
one_line() {
    [ "$rc" -eq "$1" ] || fail "exit $rc, expected $1; stderr: $(cat "$tmp/err")"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "expected one line on stderr, got: $(cat "$tmp/err")"
    grep -Eq -- "$2" "$tmp/err" || fail "stderr lacks /$2/: $(cat "$tmp/err")"
    ok
}
cfg_for() { # cfg_for FILE [YAML lines...]: a config training on FILE
    f=$1
    shift
    { printf 'data:\n  train: %s\n' "$f"; for l in "$@"; do printf '%s\n' "$l"; done
      printf 'train:\n  epochs: 1\n  threads: 1\n'; } >"$tmp/cfg.yaml"
}

"$TEXTCLF" train configs/demo.yaml -q -o "$tmp/m.bin" --set train.epochs=2 --set data.test= || fail "demo model"

# ---- empty and header-only files -------------------------------------------------
: >"$tmp/empty.csv"
cfg_for "$tmp/empty.csv"
expect_fail 1 "^textclf: [^ ]*empty.csv: no data rows$" "$TEXTCLF" train "$tmp/cfg.yaml" -q -o "$tmp/x.bin"
printf 'label,text\n' >"$tmp/header.csv"
cfg_for "$tmp/header.csv"
expect_fail 1 "^textclf: [^ ]*header.csv: no data rows$" "$TEXTCLF" train "$tmp/cfg.yaml" -q -o "$tmp/x.bin"
"$TEXTCLF" predict "$tmp/m.bin" "$tmp/empty.csv" >"$tmp/out" 2>"$tmp/err" && [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] ||
    fail "predict on an empty file: $(cat "$tmp/err")"
ok
"$TEXTCLF" eval "$tmp/m.bin" "$tmp/header.csv" >"$tmp/out" 2>"$tmp/err" && grep -q "accuracy *n/a *(no rows)" "$tmp/out" ||
    fail "eval on a header-only file: $(cat "$tmp/out" "$tmp/err")"
ok
[ -e "$tmp/x.bin" ] && fail "a failed run wrote a model"

# ---- a 50 MB line ----------------------------------------------------------------
# 10 million tokens in one CSV row: more than pad.maxlen can be, so an
# automatic maxlen is refused; with pad.maxlen set it trains in bounded memory.
awk 'BEGIN { print "label,text"; print "pos,good"; printf "neg,"
             for (i = 0; i < 10000000; i++) printf "w%d ", i % 1000; print ""; print "pos,fine" }' >"$tmp/line50.csv"
[ "$(wc -c <"$tmp/line50.csv")" -gt 48000000 ] || fail "line50.csv too small"
cfg_for "$tmp/line50.csv"
rss_below 400000 "$TEXTCLF" train "$tmp/cfg.yaml" -q -o "$tmp/x.bin"
one_line 1 "line50.csv: the longest row has 10000000 tokens, more than pad.maxlen can be \(1000000\); set pad.maxlen"
rss_below 400000 "$TEXTCLF" train "$tmp/cfg.yaml" -q -o "$tmp/x.bin" --set pad.maxlen=100
[ "$rc" -eq 0 ] && [ -s "$tmp/x.bin" ] || fail "training with pad.maxlen=100: $(cat "$tmp/err")"
ok
# predict: the same 50 MB line between two short ones gives three output lines
{ echo "the match"; sed -n 3p "$tmp/line50.csv" | cut -d, -f2; echo "rain today"; } >"$tmp/stdin"
rss_below 600000 "$TEXTCLF" predict "$tmp/m.bin"
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 3 ] || fail "predict on a 50 MB line: $(cat "$tmp/err")"
ok
# a line over the 64 MiB record limit: an error record in its place, the rest goes on
{ echo "the match"; head -c 70000000 /dev/zero | tr '\0' 'x'; echo; echo "rain today"; } >"$tmp/stdin"
rss_below 300000 "$TEXTCLF" predict "$tmp/m.bin"
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 3 ] && [ "$(sed -n 2p "$tmp/out")" = "" ] ||
    fail "predict on a 70 MB line: $(cat "$tmp/out" "$tmp/err" | cut -c1-200)"
grep -q "<stdin>:2: record is longer than the limit of 67108864 bytes" "$tmp/err" || fail "70 MB line: $(cat "$tmp/err")"
ok
rm -f "$tmp/line50.csv"

# ---- NUL bytes, invalid and overlong UTF-8, mixed line ends -------------------------
# NULs separate tokens; each invalid sequence becomes U+FFFD and is counted per
# maximal subpart: FF, FE, C0, AF one each; E0 80 AF (overlong) three;
# ED A0 80 (a surrogate) three; F4 90 80 80 (above U+10FFFF) four = 14.
printf 'label,text\npos,go\000od \377\376 \300\257 \340\200\257\nneg,b\000ad \355\240\200 \364\220\200\200\n' >"$tmp/bytes.csv"
cfg_for "$tmp/bytes.csv"
"$TEXTCLF" train "$tmp/cfg.yaml" -o "$tmp/x.bin" >"$tmp/out" 2>"$tmp/err" || fail "train on NUL/invalid UTF-8: $(cat "$tmp/err")"
grep -q "bytes.csv: 2 rows, 4 tokens, 14 invalid UTF-8 sequences replaced" "$tmp/err" || fail "counts: $(cat "$tmp/err")"
ok
printf 'label,text\npos,good\n\000\000\000\nneg,bad\n' >"$tmp/nulrow.csv"
cfg_for "$tmp/nulrow.csv"
expect_fail 1 "nulrow.csv:3: expected at least 2 fields, found 1$" "$TEXTCLF" train "$tmp/cfg.yaml" -q -o "$tmp/x.bin"
printf 'the\000match\n\377\376\300\257\n\355\240\200 rain\n' | "$TEXTCLF" predict "$tmp/m.bin" >"$tmp/out" 2>"$tmp/err" &&
    [ "$(wc -l <"$tmp/out")" -eq 3 ] || fail "predict on NUL/invalid UTF-8: $(cat "$tmp/err")"
ok
# mixed CRLF / LF: the same rows and the same predictions as LF only
printf 'label,text\r\npos,good one\nneg,bad one\r\npos,"great\r\nfun"\nneg,awful\r\n' >"$tmp/crlf.csv"
cfg_for "$tmp/crlf.csv"
"$TEXTCLF" train "$tmp/cfg.yaml" -o "$tmp/x.bin" >"$tmp/out" 2>"$tmp/err" || fail "train on mixed CRLF: $(cat "$tmp/err")"
grep -q "crlf.csv: 4 rows, 7 tokens$" "$tmp/err" || fail "mixed CRLF rows: $(cat "$tmp/err")"
ok
printf 'the match\r\nrain today\nhot soup\r\n' | "$TEXTCLF" predict "$tmp/m.bin" >"$tmp/crlf.out" &&
    printf 'the match\nrain today\nhot soup\n' | "$TEXTCLF" predict "$tmp/m.bin" >"$tmp/lf.out" &&
    cmp -s "$tmp/crlf.out" "$tmp/lf.out" || fail "CRLF input predicted differently"
ok

# ---- malformed rows -----------------------------------------------------------
printf 'label,text\npos,good\nneg,"bad\n' >"$tmp/unterminated.csv"
cfg_for "$tmp/unterminated.csv"
expect_fail 1 "unterminated.csv:3: unterminated quoted field$" "$TEXTCLF" train "$tmp/cfg.yaml" -q -o "$tmp/x.bin"
# the documented skip: on_error: skip drops the row and says so
cfg_for "$tmp/unterminated.csv" "  on_error: skip"
"$TEXTCLF" train "$tmp/cfg.yaml" -o "$tmp/x.bin" >"$tmp/out" 2>"$tmp/err"
grep -q "unterminated.csv: 1 rows, 1 tokens, 1 malformed rows skipped" "$tmp/err" || fail "skip: $(cat "$tmp/err")"
ok
printf 'label,text\npos\nneg\n' >"$tmp/labelonly.csv"
cfg_for "$tmp/labelonly.csv"
expect_fail 1 "labelonly.csv:2: expected at least 2 fields, found 1$" "$TEXTCLF" train "$tmp/cfg.yaml" -q -o "$tmp/x.bin"
cfg_for "$tmp/labelonly.csv" "  on_error: skip"
expect_fail 1 "labelonly.csv: no data rows \(every row was malformed and skipped\)$" \
    "$TEXTCLF" train "$tmp/cfg.yaml" -q -o "$tmp/x.bin"
printf 'label,text\n,good text\n,bad text\n' >"$tmp/textonly.csv"
cfg_for "$tmp/textonly.csv"
expect_fail 1 "textonly.csv:2: empty label$" "$TEXTCLF" train "$tmp/cfg.yaml" -q -o "$tmp/x.bin"
printf 'text\ngood text\nbad text\n' >"$tmp/nolabel.csv"
cfg_for "$tmp/nolabel.csv"
expect_fail 1 "nolabel.csv:1: data.label_column 'label' is not a column of the header \(columns: text\)$" \
    "$TEXTCLF" train "$tmp/cfg.yaml" -q -o "$tmp/x.bin"

# ---- a million distinct labels ----------------------------------------------------
awk 'BEGIN { print "label,text"; for (i = 0; i < 1000000; i++) printf "l%d,w%d x\n", i, i % 5000 }' >"$tmp/labels.csv"
cfg_for "$tmp/labels.csv"
rss_below 400000 "$TEXTCLF" train "$tmp/cfg.yaml" -q -o "$tmp/x.bin"
one_line 1 "labels.csv: 1000000 distinct labels, more than the 100000 a model can have"
rm -f "$tmp/labels.csv"

# ---- configs that are not what they should be ----------------------------------------
printf -- '- data\n- train\n' >"$tmp/list.yaml"
expect_fail 2 "list.yaml:1:1: the top level must be a mapping of sections .*got a list$" "$TEXTCLF" train "$tmp/list.yaml"
# a billion-laughs alias bomb: refused at the first anchor, before anything expands
{ printf 'model:\n  hidden: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n'
  for n in b c d e f g h i j; do printf '  %s: &%s [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n' "$n" "$n"; done; } >"$tmp/bomb.yaml"
rss_below 50000 "$TEXTCLF" train "$tmp/bomb.yaml"
one_line 2 "bomb.yaml:2:11: model.hidden: anchors and aliases are not supported$"
printf 'data:\n  train: x.csv\ntrain:\n  epochs: 99999999999999999999999999999\n' >"$tmp/huge.yaml"
expect_fail 2 "huge.yaml:4:11: train.epochs: '99999999999999999999999999999' is a huge number, out of range \(1..1000000\)$" \
    "$TEXTCLF" train "$tmp/huge.yaml"
printf 'data:\n  train: x.csv\ntrain:\n  lr: 1e400\n' >"$tmp/hugef.yaml"
expect_fail 2 "hugef.yaml:4:7: train.lr: '1e400' is a huge number for a 32-bit float" "$TEXTCLF" train "$tmp/hugef.yaml"
# 20 MB of YAML is not a config: refused before parsing
head -c 20000000 /dev/zero | tr '\0' '#' >"$tmp/big.yaml"
rss_below 100000 "$TEXTCLF" train "$tmp/big.yaml"
one_line 2 "big.yaml: larger than 16 MiB; not a config file\?$"
done_checks
