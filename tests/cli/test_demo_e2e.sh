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

# a text with no tokens (empty, blank, punctuation only) gets the model's prior,
# the same record for all of them; -k 2 gives two label/prob pairs; probabilities sum <= 1
printf 'the match ended in a draw\n\n明天下雨\n  \n?!\n' | "$TEXTCLF" predict "$tmp/m.bin" -k 2 >"$tmp/k2" ||
    fail "predict -k failed"
[ "$(wc -l <"$tmp/k2")" -eq 5 ] || fail "expected 5 output lines, got $(cat "$tmp/k2")"
[ -n "$(sed -n 2p "$tmp/k2")" ] || fail "an empty text got no prediction"
[ "$(sed -n 2p "$tmp/k2")" = "$(sed -n 4p "$tmp/k2")" ] && [ "$(sed -n 2p "$tmp/k2")" = "$(sed -n 5p "$tmp/k2")" ] ||
    fail "empty, blank and punctuation-only texts predicted differently: $(cat "$tmp/k2")"
awk -F'\t' '{ if (NF != 4 || $2 + $4 > 1.0001 || $2 < $4) exit 1 }' "$tmp/k2" || fail "bad -k output: $(cat "$tmp/k2")"
ok

# eval and predict agree on such rows too, and both report them
printf 'label,text\nsports,the striker scored twice\nweather,\nfood,"..."\nweather,heavy snow tonight\ntech,\n' \
    >"$tmp/notok.csv"
"$TEXTCLF" eval "$tmp/m.bin" "$tmp/notok.csv" --json >"$tmp/nt.json" || fail "eval on empty texts failed"
grep -q '"rows_no_tokens": *3' "$tmp/nt.json" || fail "eval does not count the 3 rows with no tokens: $(cat "$tmp/nt.json")"
eacc=$(sed -n 's/.*"accuracy": *\([0-9.]*\).*/\1/p' "$tmp/nt.json" | head -n 1)
"$TEXTCLF" predict "$tmp/m.bin" --csv --keep-cols label "$tmp/notok.csv" >"$tmp/nt.tsv" || fail "predict failed"
pacc=$(tail -n +2 "$tmp/nt.tsv" | awk -F'\t' '{n++; c += $1 == $2} END {printf "%.6f", c / n}')
awk -v a="$eacc" -v b="$pacc" 'BEGIN { exit !(a - b < 1e-6 && b - a < 1e-6) }' || fail "eval $eacc != predict $pacc"
ok

# the same config and seed give a byte-identical model
"$TEXTCLF" train configs/demo.yaml -o "$tmp/m2.bin" --set train.epochs=12 -q 2>/dev/null || fail "retrain failed"
cmp -s "$tmp/m.bin" "$tmp/m2.bin" || fail "same seed gave a different model file"
ok
# --quiet prints nothing but errors (the test line too); what pad.maxlen cuts is said
"$TEXTCLF" train configs/demo.yaml -o "$tmp/q.bin" --set train.epochs=1 -q >"$tmp/qout" 2>"$tmp/qerr" ||
    fail "quiet train failed"
[ ! -s "$tmp/qout" ] && [ ! -s "$tmp/qerr" ] || fail "train -q printed: $(cat "$tmp/qout" "$tmp/qerr")"
"$TEXTCLF" train configs/demo.yaml -o "$tmp/q.bin" --set train.epochs=1 --set pad.maxlen=4 2>"$tmp/qerr" ||
    fail "train with pad.maxlen 4 failed"
grep -Eq '^pad.maxlen = 4 cuts [0-9]+ of 480 training rows \([0-9.]+%; pad.truncating: pre\)$' "$tmp/qerr" ||
    fail "train does not say what pad.maxlen cuts: $(cat "$tmp/qerr")"
ok
done_checks
