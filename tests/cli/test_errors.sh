# Bad input gets one clear line naming file/line/key and the documented exit
# code (1 runtime, 2 usage/config), never a crash; Ctrl-C leaves the old model.
. "$(dirname "$0")/lib.sh"

cfg="$tmp/cfg.yaml"
printf 'data:\n  train: data/demo.csv\ntrain:\n  epochz: 3\n' >"$cfg"
expect_fail 2 "cfg.yaml:4:3.*epochz.*did you mean 'epochs'" "$TEXTCLF" train "$cfg"
printf 'data:\n  train: data/demo.csv\ntrain:\n  epochs: many\n' >"$cfg"
expect_fail 2 "cfg.yaml:4:.*train.epochs" "$TEXTCLF" train "$cfg"
printf 'data:\n  train: data/demo.csv\n' >"$cfg"
expect_fail 2 "model.embedding_dim" "$TEXTCLF" train "$cfg" --set model.embedding_dim=0
expect_fail 2 "did you mean" "$TEXTCLF" train "$cfg" --set train.epoch=3
expect_fail 2 "nope.yaml" "$TEXTCLF" train "$tmp/nope.yaml"
expect_fail 2 "unknown command" "$TEXTCLF" frobnicate
expect_fail 2 "missing CONFIG" "$TEXTCLF" train

# one argument loop (cmd.h tc_argv) for every command: a value missing at the
# end, an unknown option, a positional argument too many, and --opt=VALUE
for c in train tune eval predict tokenize plot quantize; do
    expect_fail 2 "^textclf: $c: unknown option '--bogus' \(try 'textclf $c --help'\)" "$TEXTCLF" $c --bogus
done
expect_fail 2 "^textclf: eval: --set needs a value" "$TEXTCLF" eval m.bin d.csv --set
expect_fail 2 "^textclf: plot: -o needs a value" "$TEXTCLF" plot m.jsonl -o
expect_fail 2 "^textclf: info: unexpected argument 'b'" "$TEXTCLF" info a b
expect_fail 2 "^textclf: predict: unexpected argument 'c'" "$TEXTCLF" predict a b c
expect_fail 2 "^textclf: eval: --threads: 'x' is not an integer in \[0, 1024\]" "$TEXTCLF" eval m d --threads=x
expect_fail 2 "^textclf: tune: --jobs: '0' is not an integer in \[1, 256\]" "$TEXTCLF" tune d.csv --jobs=0
expect_fail 2 "unknown option '--json=1'" "$TEXTCLF" eval m d --json=1
# numbers in an open or half-open range, through the same helper
expect_fail 2 "^textclf: eval: --threshold: '1' is not a number in \(0, 1\)" "$TEXTCLF" eval m d --threshold=1
expect_fail 2 "^textclf: predict: --threshold: 'x' is not a number in \(0, 1\)" "$TEXTCLF" predict m --threshold x
expect_fail 2 "^textclf: quantize: --lr: '11' is not a number in \(0, 10\]" "$TEXTCLF" quantize m -o o --cutoff 5 --retrain --lr 11
"$TEXTCLF" predict --help >"$tmp/out" 2>&1 && grep -q "^usage: textclf predict" "$tmp/out" || fail "predict --help"
ok

# data problems: missing file, malformed row, too few labels
printf 'data:\n  train: %s/missing.csv\n' "$tmp" >"$cfg"
expect_fail 1 "missing.csv" "$TEXTCLF" train "$cfg" -o "$tmp/x.bin"
printf 'label,text\npos,good\nneg,"bad\n' >"$tmp/bad.csv"
printf 'data:\n  train: %s/bad.csv\n' "$tmp" >"$cfg"
expect_fail 1 "bad.csv:3:.*unterminated" "$TEXTCLF" train "$cfg" -o "$tmp/x.bin"
[ -e "$tmp/x.bin" ] && fail "a failed run wrote a model"
printf 'label,text\npos,good\npos,fine\n' >"$tmp/one.csv"
printf 'data:\n  train: %s/one.csv\n' "$tmp" >"$cfg"
expect_fail 1 "one.csv: found 1 distinct label" "$TEXTCLF" train "$cfg" -o "$tmp/x.bin"
# on_error: skip trains on the good rows and says how many were skipped
printf 'label,text\npos,good\nneg\nneg,bad\npos,"great"x\n' >"$tmp/skip.csv"
printf 'data:\n  train: %s/skip.csv\n  on_error: skip\ntrain:\n  epochs: 1\n' "$tmp" >"$cfg"
"$TEXTCLF" train "$cfg" -o "$tmp/skip.bin" 2>"$tmp/err" || fail "skip run failed: $(cat "$tmp/err")"
grep -Eq "2 rows, [0-9]+ tokens, 2 malformed rows skipped" "$tmp/err" || fail "skip count missing: $(cat "$tmp/err")"
ok

# damaged model files
"$TEXTCLF" train configs/demo.yaml -o "$tmp/m.bin" -q --set train.epochs=2 || fail "train failed"
size=$(wc -c <"$tmp/m.bin")
head -c $((size / 2)) "$tmp/m.bin" >"$tmp/trunc.bin"
expect_fail 1 "trunc.bin: .*(truncated|checksum)" "$TEXTCLF" eval "$tmp/trunc.bin" data/demo_test.csv
expect_fail 1 "trunc.bin" "$TEXTCLF" predict "$tmp/trunc.bin"
cp "$tmp/m.bin" "$tmp/flip.bin"
printf '\377' | dd of="$tmp/flip.bin" bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
expect_fail 1 "flip.bin: checksum mismatch" "$TEXTCLF" predict "$tmp/flip.bin"
printf 'hello' >"$tmp/junk.bin"
expect_fail 1 "junk.bin: not a textclf model" "$TEXTCLF" eval "$tmp/junk.bin" data/demo_test.csv
expect_fail 1 "no-such-model.bin" "$TEXTCLF" predict "$tmp/no-such-model.bin"
expect_fail 2 "threshold" "$TEXTCLF" predict "$tmp/m.bin" --threshold 7

# eval data with labels the model never saw: reported, not a crash
printf 'label,text\nsports,goal scored\nastronomy,a comet\n' >"$tmp/unk.csv"
"$TEXTCLF" eval "$tmp/m.bin" "$tmp/unk.csv" >"$tmp/out" 2>"$tmp/err" || fail "eval with unknown label failed"
grep -q "labels the model never saw (1): astronomy" "$tmp/out" || fail "unknown label not reported: $(cat "$tmp/out")"
ok

# invalid UTF-8 and NUL bytes in predict input: one output line each, no crash
printf 'ok line\n\377\376 broken \300\257\nnul\000byte\n' | "$TEXTCLF" predict "$tmp/m.bin" >"$tmp/out" 2>"$tmp/err" ||
    fail "predict on invalid UTF-8 failed: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/out")" -eq 3 ] || fail "expected 3 prediction lines, got: $(cat "$tmp/out")"
ok

# Ctrl-C during training: exit 130, the previous model untouched, no temp files
cp "$tmp/m.bin" "$tmp/keep.bin"
"$TEXTCLF" train configs/demo.yaml -o "$tmp/keep.bin" --set train.epochs=1000000 2>"$tmp/err" &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 130 ] || fail "SIGINT exit status $rc: $(cat "$tmp/err")"
grep -q "interrupted" "$tmp/err" || fail "no interruption message"
cmp -s "$tmp/m.bin" "$tmp/keep.bin" || fail "the previous model changed"
ls -A "$tmp" | grep -q 'textclf-tmp' && fail "temporary file left behind"
ok

# UTF-16 input (with its BOM) is refused by name, for predict and for training data
printf '\377\376g\000o\000o\000d\000\n\000' >"$tmp/u16.txt"
expect_fail 1 "u16.txt: UTF-16 is not supported; convert with iconv" "$TEXTCLF" predict "$tmp/m.bin" "$tmp/u16.txt"
{ printf '\376\377'; cat data/demo.csv; } >"$tmp/u16.csv"
expect_fail 1 "u16.csv: UTF-16 is not supported" "$TEXTCLF" train configs/demo.yaml -o "$tmp/u.bin" --set data.train="$tmp/u16.csv"
# --threshold means nothing to a softmax model: said, not ignored
expect_fail 2 "--threshold: .*m.bin has a softmax head" "$TEXTCLF" predict "$tmp/m.bin" "$tmp/u16.txt" --threshold 0.3
expect_fail 2 "--threshold: .*m.bin has a softmax head" "$TEXTCLF" eval "$tmp/m.bin" data/demo_test.csv --threshold 0.3
# a min_count no word reaches would train a padding/OOV-only model: refused
expect_fail 1 "tokenizer.min_count 2147483647 keeps none of the [0-9]+ distinct words" \
    "$TEXTCLF" train configs/demo.yaml -o "$tmp/mc.bin" --set tokenizer.min_count=2147483647
done_checks
