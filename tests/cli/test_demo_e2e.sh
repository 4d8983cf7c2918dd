# End to end on the bundled demo corpus: training lowers the loss and beats the
# majority class; predict over the test texts reproduces eval's accuracy exactly;
# output lines stay aligned with input lines.
. "$(dirname "$0")/lib.sh"

"$TEXTCLF" train configs/demo.yaml -o "$tmp/m.bin" --set train.epochs=12 2>"$tmp/log" ||
    fail "train failed: $(cat "$tmp/log")"
first=$(awk '$1 == "epoch" && $2 ~ /^1\// {print $4}' "$tmp/log")
last=$(awk '$1 == "epoch" && $2 ~ /^12\// {print $4}' "$tmp/log")
[ -n "$first" ] && [ -n "$last" ] || fail "no epoch lines: $(cat "$tmp/log")"
awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a / 2) }' || fail "loss did not fall: $first -> $last"
ok

"$TEXTCLF" eval "$tmp/m.bin" data/demo_test.csv --json >"$tmp/eval.json" || fail "eval failed"
acc=$(sed -n 's/.*"accuracy": *\([0-9.]*\).*/\1/p' "$tmp/eval.json" | head -n 1)
[ -n "$acc" ] || fail "no accuracy in $(cat "$tmp/eval.json")"
# majority-class rate of the test file, counted here from its first column
csv_to_lines data/demo_test.csv >"$tmp/test.tsv"
majority=$(cut -f1 "$tmp/test.tsv" | sort | uniq -c | sort -rn | awk 'NR == 1 {m = $1} {n += $1} END {print m / n}')
awk -v a="$acc" -v m="$majority" 'BEGIN { exit !(a > m + 0.3) }' || fail "accuracy $acc vs majority $majority"
ok

# predict over the same texts gives eval's accuracy exactly
cut -f2- "$tmp/test.tsv" | "$TEXTCLF" predict "$tmp/m.bin" >"$tmp/pred" || fail "predict failed"
[ "$(wc -l <"$tmp/pred")" -eq "$(wc -l <"$tmp/test.tsv")" ] || fail "predict line count differs"
pacc=$(cut -f1 "$tmp/pred" | paste - "$tmp/test.tsv" | awk -F'\t' '{n++; c += $1 == $2} END {printf "%.6f", c / n}')
awk -v a="$acc" -v b="$pacc" 'BEGIN { exit !(a - b < 1e-6 && b - a < 1e-6) }' || fail "predict accuracy $pacc != eval $acc"
ok

# text report names every label and prints a confusion matrix
"$TEXTCLF" eval "$tmp/m.bin" data/demo_test.csv >"$tmp/eval.txt" || fail "eval text failed"
for l in sports weather food tech; do grep -q "$l" "$tmp/eval.txt" || fail "report lacks $l"; done
ok

# empty lines give empty output lines; -k 2 gives two label/prob pairs; probabilities sum <= 1
printf 'the match ended in a draw\n\n明天下雨\n' | "$TEXTCLF" predict "$tmp/m.bin" -k 2 >"$tmp/k2" || fail "predict -k failed"
[ "$(wc -l <"$tmp/k2")" -eq 3 ] || fail "expected 3 output lines, got $(cat "$tmp/k2")"
[ -z "$(sed -n 2p "$tmp/k2")" ] || fail "second line should be empty"
awk -F'\t' 'NR != 2 { if (NF != 4 || $2 + $4 > 1.0001 || $2 < $4) exit 1 }' "$tmp/k2" || fail "bad -k output: $(cat "$tmp/k2")"
ok

# the same config and seed give a byte-identical model
"$TEXTCLF" train configs/demo.yaml -o "$tmp/m2.bin" --set train.epochs=12 -q 2>/dev/null || fail "retrain failed"
cmp -s "$tmp/m.bin" "$tmp/m2.bin" || fail "same seed gave a different model file"
ok
done_checks
