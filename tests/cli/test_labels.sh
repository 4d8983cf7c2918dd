# Many labels (issue 12): a 2,000-label model.  eval's text report and
# --confusion-svg stay readable and small (top confusions past 50 classes);
# predict -k 1 is the first of -k 5; predict --batch 65536 stays within its
# probability budget; a model that cannot fit in memory is refused before
# anything is allocated, naming the key to change.
. "$(dirname "$0")/lib.sh"

L=2000
awk -v L="$L" 'BEGIN {
    print "label,text"
    for (r = 0; r < 2 * L; r++) { l = r % L; printf "L%d,t%d w%d w%d\n", l, l, (r * 7) % 97, (r * 13) % 89 }
}' >"$tmp/train.csv"
cat >"$tmp/c.yaml" <<EOF
data:
  train: $tmp/train.csv
pad:
  maxlen: 8
model:
  embedding_dim: 8
train:
  epochs: 1
  batch_size: 64
  threads: 1
EOF
"$TEXTCLF" train "$tmp/c.yaml" -o "$tmp/m.bin" -q || fail "training a $L-label model failed"

"$TEXTCLF" eval "$tmp/m.bin" "$tmp/train.csv" --confusion-svg "$tmp/c.svg" >"$tmp/report.txt" ||
    fail "eval failed: $(cat "$tmp/report.txt")"
grep -q "2000 classes are too many to show (more than 50); the 100 most frequent confusions" "$tmp/report.txt" ||
    fail "the report does not say it shows the top confusions: $(tail -5 "$tmp/report.txt")"
[ "$(wc -c <"$tmp/report.txt")" -lt 400000 ] || fail "report of $(wc -c <"$tmp/report.txt") bytes"
[ "$(wc -c <"$tmp/c.svg")" -lt 2000000 ] || fail "SVG of $(wc -c <"$tmp/c.svg") bytes"
grep -q "of 2000 classes, those of the most frequent confusions" "$tmp/c.svg" || fail "the SVG does not say what it shows"
"$TEXTCLF" eval "$tmp/m.bin" "$tmp/train.csv" --json >"$tmp/report.json" || fail "eval --json failed"
grep -q '"confusion":null,"top_confusions":\[{"true":' "$tmp/report.json" || fail "JSON lacks top_confusions"
ok

# -k 1 is the first label of -k 5, for every row
awk -F, 'NR > 1 { print $2 }' "$tmp/train.csv" | head -500 >"$tmp/lines.txt"
"$TEXTCLF" predict "$tmp/m.bin" "$tmp/lines.txt" --format jsonl >"$tmp/k1.jsonl" || fail "predict -k 1 failed"
"$TEXTCLF" predict "$tmp/m.bin" "$tmp/lines.txt" --format jsonl -k 5 >"$tmp/k5.jsonl" || fail "predict -k 5 failed"
sed 's/^{"labels":\[{"label":"\([^"]*\)".*/\1/' "$tmp/k1.jsonl" >"$tmp/a"
sed 's/^{"labels":\[{"label":"\([^"]*\)".*/\1/' "$tmp/k5.jsonl" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || fail "-k 1 and the first of -k 5 differ: $(diff "$tmp/a" "$tmp/b" | head -3)"
ok

# --batch 65536 x 2,000 labels would be 524 MB of probabilities; the batch is cut to 64 MiB
awk '{ a[NR] = $0 } END { for (i = 0; i < 140; i++) for (j = 1; j <= NR; j++) print a[j] }' "$tmp/lines.txt" >"$tmp/many.txt"
# (under ASan, freed blocks sit in its quarantine and every byte has shadow
# memory: the bound is checked with the quarantine off and 1/8 more room)
limit=250000
if readelf -d "$TEXTCLF" 2>/dev/null | grep -q libasan || nm "$TEXTCLF" 2>/dev/null | grep -q __asan_init; then
    limit=300000
fi
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=0" /usr/bin/time -f %M -o "$tmp/rss" \
    "$TEXTCLF" predict "$tmp/m.bin" "$tmp/many.txt" --batch 65536 >/dev/null || fail "predict --batch 65536 failed"
[ "$(cat "$tmp/rss")" -lt "$limit" ] || fail "predict --batch 65536: peak RSS $(cat "$tmp/rss") kB (limit $limit)"
ok

# a model that cannot fit: refused at once with the number and the key
expect_fail 1 "the model needs about [0-9.]+ GB to train .*more than the [0-9.]+ GB of memory available; make model.hidden smaller" \
    "$TEXTCLF" train "$tmp/c.yaml" -o "$tmp/h.bin" --set 'model.hidden=[65536,65536,65536]'
[ -e "$tmp/h.bin" ] && fail "a model file was written"
ok
# --tune-thresholds on a 10,000-label model: once 'no room for 9807 thresholds'
# in a 64 KiB META, now a float array section (issue 16); tuned on 300 rows
awk 'BEGIN { print "label,text"; for (r = 0; r < 5000; r++) printf "L%d|L%d,t%d w%d\n", 2 * r, 2 * r + 1, r, r % 97 }' \
    >"$tmp/ml.csv"
head -301 "$tmp/ml.csv" >"$tmp/ml_valid.csv"
printf 'data:\n  train: %s\n  label_separator: "|"\npad:\n  maxlen: 4\nmodel:\n  embedding_dim: 4\ntrain:\n  epochs: 1\n  batch_size: 256\n  threads: 1\n' \
    "$tmp/ml.csv" >"$tmp/ml.yaml"
"$TEXTCLF" train "$tmp/ml.yaml" -o "$tmp/ml.bin" -q || fail "training a 10,000-label multi-label model failed"
"$TEXTCLF" eval "$tmp/ml.bin" "$tmp/ml_valid.csv" --tune-thresholds >"$tmp/tuned.txt" 2>"$tmp/err" ||
    fail "--tune-thresholds on 10,000 labels: $(cat "$tmp/err")"
grep -q "thresholds tuned on .* and saved in" "$tmp/tuned.txt" || fail "no tuning summary: $(head -3 "$tmp/tuned.txt")"
"$TEXTCLF" info "$tmp/ml.bin" | grep -q "per label (eval --tune-thresholds)" || fail "thresholds not stored"
ok
done_checks
