# textclf quantize end to end on the demo corpus (with hashed bigrams and
# character n-grams, so the compact feature map is there too): int8, product
# quantization and pruning give smaller files that eval, predict (with
# --explain), info and tokenize read unchanged, with accuracy and
# probabilities within a stated tolerance of the float model; bad arguments
# and bad files get one-line errors.
. "$(dirname "$0")/lib.sh"

"$TEXTCLF" train configs/demo.yaml -o "$tmp/f.bin" -q --set tokenizer.ngrams=2 \
    --set 'tokenizer.char_ngrams=[3,4]' --set tokenizer.buckets=50000 2>/dev/null || fail "train failed"
"$TEXTCLF" eval "$tmp/f.bin" data/demo_test.csv --json >"$tmp/f.json" || fail "eval float failed"
acc_f=$(sed -n 's/.*"accuracy": *\([0-9.]*\).*/\1/p' "$tmp/f.json" | head -n 1)
csv_to_lines data/demo_test.csv | cut -f2- >"$tmp/texts"
"$TEXTCLF" predict "$tmp/f.bin" "$tmp/texts" --probs >"$tmp/f.pred" || fail "predict float failed"
ok

# compare_probs A B TOL: the same labels' probabilities (columns 3..) differ by at most TOL
compare_probs() {
    paste "$1" "$2" | awk -F'\t' -v tol="$3" '{
        n = NF / 2; for (i = 3; i <= n; i++) { d = $i - $(i + n); if (d < 0) d = -d; if (d > m) m = d }
    } END { if (m > tol) { printf "max |dp| %g > %g\n", m, tol; exit 1 } }'
}

for mode in int8 pq prune; do
    case $mode in
    int8) args="" tol=0.02 drop=0.0 ;;
    pq) args="--pq --dsub 4" tol=0.25 drop=0.05 ;;
    prune) args="--pq --cutoff 5000" tol=-1 drop=0.05 ;;   # 5,000 of ~9,500 rows: the labels, not the probabilities
    esac
    # shellcheck disable=SC2086
    "$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/$mode.bin" $args 2>"$tmp/err" || fail "quantize $mode failed: $(cat "$tmp/err")"
    grep -q "smaller" "$tmp/err" || fail "quantize $mode: no summary: $(cat "$tmp/err")"
    [ "$(wc -c <"$tmp/$mode.bin")" -lt "$(wc -c <"$tmp/f.bin")" ] || fail "$mode file is not smaller"
    "$TEXTCLF" eval "$tmp/$mode.bin" data/demo_test.csv --json >"$tmp/q.json" || fail "eval $mode failed"
    acc=$(sed -n 's/.*"accuracy": *\([0-9.]*\).*/\1/p' "$tmp/q.json" | head -n 1)
    awk -v a="$acc" -v f="$acc_f" -v d="$drop" 'BEGIN { exit !(a >= f - d - 1e-9) }' ||
        fail "$mode accuracy $acc, float $acc_f (allowed drop $drop)"
    "$TEXTCLF" predict "$tmp/$mode.bin" "$tmp/texts" --probs >"$tmp/q.pred" || fail "predict $mode failed"
    if [ "$tol" = -1 ]; then
        paste "$tmp/f.pred" "$tmp/q.pred" | awk -F'\t' '{ n++; s += $1 == $(NF / 2 + 1) } END { exit !(s >= 0.9 * n) }' ||
            fail "$mode: fewer than 90% of the labels agree with the float model's"
    else
        compare_probs "$tmp/f.pred" "$tmp/q.pred" "$tol" || fail "$mode probabilities too far from the float model's"
    fi
    head -n 3 "$tmp/texts" | "$TEXTCLF" predict "$tmp/$mode.bin" --explain >"$tmp/x" || fail "--explain $mode failed"
    [ "$(wc -l <"$tmp/x")" -eq 3 ] || fail "--explain $mode: $(cat "$tmp/x")"
    "$TEXTCLF" info "$tmp/$mode.bin" >"$tmp/info" || fail "info $mode failed"
    grep -q "^weights: *quantized" "$tmp/info" || fail "info $mode does not say quantized"
    grep -q "^  quantized=" "$tmp/info" || fail "info $mode lacks the quantized= line"
    echo "the match was great" | "$TEXTCLF" tokenize "$tmp/$mode.bin" >/dev/null || fail "tokenize $mode failed"
    ok
done
"$TEXTCLF" info "$tmp/int8.bin" | grep -q "embedding .*int8" || fail "info int8: no per-tensor encoding"
"$TEXTCLF" info "$tmp/pq.bin" | grep -q "pq (dsub 4" || fail "info pq: no per-tensor encoding"
"$TEXTCLF" info "$tmp/f.bin" | grep -q "^weights: *float32" || fail "info float: weights line"
ok

# the same seed gives the same bytes; int8 of int8 is the same model
"$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/pq2.bin" --pq --dsub 4 -q || fail "second pq failed"
cmp -s "$tmp/pq.bin" "$tmp/pq2.bin" || fail "product quantization is not deterministic"
ok

# --retrain: pruning to 500 of ~9,500 rows, then fine-tuning on the training
# rows (the model's own data.train and recipe) fits them better than pruning
# alone (lower training loss, which 15 epochs of Adam on 480 rows must give
# unless the fine-tuning does nothing), says so in META, and is deterministic
loss_of() { "$TEXTCLF" eval "$1" "$2" --json | sed -n 's/.*"log_loss": *\([0-9.]*\).*/\1/p' | head -n 1; }
"$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/cut.bin" --pq --dsub 4 --cutoff 500 -q || fail "quantize --cutoff failed"
"$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/rt.bin" --pq --dsub 4 --cutoff 500 --retrain 2>"$tmp/err" ||
    fail "quantize --retrain failed: $(cat "$tmp/err")"
grep -q "^epoch 15/15" "$tmp/err" || fail "--retrain did not run the model's 15 epochs: $(cat "$tmp/err")"
grep -q "retrained the pruned model on 480 rows" "$tmp/err" || fail "--retrain: no summary: $(cat "$tmp/err")"
l_cut=$(loss_of "$tmp/cut.bin" data/demo.csv)
l_rt=$(loss_of "$tmp/rt.bin" data/demo.csv)
[ -n "$l_cut" ] && [ -n "$l_rt" ] || fail "no log loss from eval --json"
awk -v a="$l_rt" -v b="$l_cut" 'BEGIN { exit !(a < b / 2) }' ||
    fail "--retrain training loss $l_rt, pruned alone $l_cut: fine-tuning did not fit the rows"
"$TEXTCLF" info "$tmp/rt.bin" | grep -q "quantized=pq dsub 4, 500 embedding rows, retrained 15 epochs" ||
    fail "info: no retrained note"
"$TEXTCLF" eval "$tmp/rt.bin" data/demo_test.csv --json >"$tmp/q.json" || fail "eval --retrain model failed"
acc=$(sed -n 's/.*"accuracy": *\([0-9.]*\).*/\1/p' "$tmp/q.json" | head -n 1)
awk -v a="$acc" -v f="$acc_f" 'BEGIN { exit !(a >= f - 0.15) }' || fail "--retrain test accuracy $acc, float $acc_f"
"$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/rt2.bin" --pq --dsub 4 --cutoff 500 --retrain -q || fail "second --retrain failed"
cmp -s "$tmp/rt.bin" "$tmp/rt2.bin" || fail "--retrain is not deterministic"
# --data and --epochs: other rows, another length; rows with labels the model lacks are refused
"$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/rt3.bin" --cutoff 500 --retrain --data data/demo_test.csv --epochs 2 2>"$tmp/err" ||
    fail "--retrain --data failed: $(cat "$tmp/err")"
grep -q "^epoch 2/2" "$tmp/err" && grep -q "on 160 rows" "$tmp/err" || fail "--data/--epochs not used: $(cat "$tmp/err")"
printf 'label,text\nfood,good soup\nnosuchlabel,rain again\n' >"$tmp/odd.csv"
expect_fail 1 "retrain: .*odd.csv: 1 label\\(s\\) the model does not know" \
    "$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/x.bin" --cutoff 500 --retrain --data "$tmp/odd.csv"
expect_fail 1 "none.csv" "$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/x.bin" --cutoff 500 --retrain --data "$tmp/none.csv"
expect_fail 2 "--retrain fine-tunes what --cutoff K leaves" "$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/x.bin" --retrain
expect_fail 2 "--epochs is an option of --retrain" "$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/x.bin" --epochs 3
expect_fail 2 "--epochs needs an integer" "$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/x.bin" --cutoff 9 --retrain --epochs 0
[ -e "$tmp/x.bin" ] && fail "a failed --retrain left $tmp/x.bin"
ok

# usage and file errors: one line, right exit code, no output file
expect_fail 2 "missing -o OUT" "$TEXTCLF" quantize "$tmp/f.bin"
expect_fail 2 "missing MODEL" "$TEXTCLF" quantize -o "$tmp/x.bin"
expect_fail 2 "--dsub needs an integer in 1..16" "$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/x.bin" --dsub 0
expect_fail 2 "--cutoff needs an integer" "$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/x.bin" --cutoff -3
expect_fail 2 "unknown option '--bogus'" "$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/x.bin" --bogus
expect_fail 2 "is the same file as MODEL" "$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/f.bin"
expect_fail 2 "is the same file as MODEL" "$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/../$(basename "$tmp")/f.bin"
expect_fail 1 "--dsub 5 must divide embedding_dim 32" "$TEXTCLF" quantize "$tmp/f.bin" -o "$tmp/x.bin" --pq --dsub 5
expect_fail 1 "No such file" "$TEXTCLF" quantize "$tmp/none.bin" -o "$tmp/x.bin"
[ -e "$tmp/x.bin" ] && fail "a failed quantize left $tmp/x.bin"
# a truncated quantized file is refused by every reader
head -c 2000 "$tmp/pq.bin" >"$tmp/cut.bin"
expect_fail 1 "checksum mismatch|truncated" "$TEXTCLF" eval "$tmp/cut.bin" data/demo_test.csv
expect_fail 1 "checksum mismatch|truncated" "$TEXTCLF" quantize "$tmp/cut.bin" -o "$tmp/x.bin"

# output.quantize: train writes the model quantized, and its test line is the
# quantized model's (eval agrees); a dsub that does not divide the dimension is
# a config error before any work
"$TEXTCLF" train configs/demo.yaml -o "$tmp/tq.bin" --set output.quantize.method=pq --set output.quantize.dsub=4 \
    --set output.quantize.cutoff=1000 --set tokenizer.ngrams=2 --set tokenizer.buckets=50000 >"$tmp/tq.log" 2>&1 ||
    fail "train with output.quantize failed: $(tail -n 3 "$tmp/tq.log")"
grep -q "saved .*quantized (pq)" "$tmp/tq.log" || fail "train did not say it quantized"
"$TEXTCLF" info "$tmp/tq.bin" | grep -q "quantized=pq dsub 4, 1000 embedding rows" || fail "info: no quantized= line"
t_acc=$(sed -n 's/^test: .* accuracy \([0-9.]*\).*/\1/p' "$tmp/tq.log")
e_acc=$("$TEXTCLF" eval "$tmp/tq.bin" data/demo_test.csv | sed -n 's/^accuracy *\([0-9.]*\).*/\1/p')
[ -n "$t_acc" ] && [ "$t_acc" = "$e_acc" ] || fail "train's test accuracy '$t_acc' is not eval's '$e_acc'"
expect_fail 2 "output.quantize.dsub: 5 does not divide model.embedding_dim 32" \
    "$TEXTCLF" train configs/demo.yaml -o "$tmp/bad.bin" --set output.quantize.method=pq --set output.quantize.dsub=5
expect_fail 2 "output.quantize.method" "$TEXTCLF" train configs/demo.yaml -o "$tmp/bad.bin" --set output.quantize.method=fp4
[ -e "$tmp/bad.bin" ] && fail "a refused config wrote a model"
ok

# the LSTM quantizes too (int8 kernels) and keeps its accuracy
"$TEXTCLF" train configs/demo.yaml -o "$tmp/l.bin" -q --set model.encoder=lstm --set model.lstm.units=16 \
    --set train.epochs=6 2>/dev/null || fail "lstm train failed"
"$TEXTCLF" quantize "$tmp/l.bin" -o "$tmp/lq.bin" -q || fail "lstm quantize failed"
"$TEXTCLF" predict "$tmp/l.bin" "$tmp/texts" --probs >"$tmp/l.pred" || fail "lstm predict failed"
"$TEXTCLF" predict "$tmp/lq.bin" "$tmp/texts" --probs >"$tmp/lq.pred" || fail "lstm quantized predict failed"
compare_probs "$tmp/l.pred" "$tmp/lq.pred" 0.05 || fail "lstm int8 probabilities too far from float"
"$TEXTCLF" info "$tmp/lq.bin" | grep -q "lstm0f.Wh .*int8" || fail "info lstm: Wh not int8"
ok
done_checks
