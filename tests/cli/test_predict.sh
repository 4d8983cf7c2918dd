# predict in pipelines: every input and output format, kept columns with
# quoted commas and newlines, empty texts, malformed records (error records,
# --strict), -k, --probs, thresholds, explanations on a crafted corpus, line
# mode vs batched mode, streaming through a pipe, and `info`.
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3

"$TEXTCLF" train configs/demo.yaml -o "$tmp/m.bin" -q 2>/dev/null || fail "train failed"
ok

# ---- the same predictions whether batched (a file), one at a time, or through a pipe
csv_to_lines data/demo_test.csv | cut -f2- >"$tmp/texts"
"$TEXTCLF" predict "$tmp/m.bin" "$tmp/texts" --probs >"$tmp/batched" || fail "batched predict failed"
"$TEXTCLF" predict "$tmp/m.bin" "$tmp/texts" --probs --stream >"$tmp/stream" || fail "--stream failed"
"$TEXTCLF" predict "$tmp/m.bin" "$tmp/texts" --probs --batch 7 >"$tmp/b7" || fail "--batch 7 failed"
cat "$tmp/texts" | "$TEXTCLF" predict "$tmp/m.bin" --probs >"$tmp/piped" || fail "piped predict failed"
[ "$(wc -l <"$tmp/batched")" -eq "$(wc -l <"$tmp/texts")" ] || fail "line count differs"
cmp -s "$tmp/batched" "$tmp/stream" || fail "batched and line-by-line predictions differ"
cmp -s "$tmp/batched" "$tmp/b7" || fail "--batch 7 predictions differ"
cmp -s "$tmp/batched" "$tmp/piped" || fail "piped predictions differ"
# --probs: one column per label (4), summing to 1
awk -F'\t' '{ s = $3 + $4 + $5 + $6; if (NF != 6 || s < 0.999 || s > 1.001) exit 1 }' "$tmp/batched" ||
    fail "bad --probs rows: $(head -n 2 "$tmp/batched")"
ok

# ---- a pipe gets each answer before the next line is written
mkfifo "$tmp/fifo_in" "$tmp/fifo_out"
"$TEXTCLF" predict "$tmp/m.bin" <"$tmp/fifo_in" >"$tmp/fifo_out" &
pid=$!
exec 3>"$tmp/fifo_in" 4<"$tmp/fifo_out"
echo "the referee stopped the match in the second half" >&3
line=$(timeout 20 sh -c 'read -r l <&4 && echo "$l"') || fail "no answer while the input pipe was still open"
echo "$line" | grep -q '^sports' || fail "unexpected streamed answer: $line"
echo "rain and strong wind tomorrow" >&3
line=$(timeout 20 sh -c 'read -r l <&4 && echo "$l"') || fail "no second answer"
echo "$line" | grep -q '^weather' || fail "unexpected second answer: $line"
exec 3>&- 4<&-
wait "$pid" || fail "streaming predict exited non-zero"
rm -f "$tmp/fifo_in" "$tmp/fifo_out"
ok

# ---- CSV in, CSV/TSV/JSONL out, kept columns with commas, quotes and newlines
printf 'id,review,extra\r\n' >"$tmp/in.csv"
printf '1,"goal, penalty and a red card for ""the"" keeper",x\r\n' >>"$tmp/in.csv"
printf '2,"heavy snow\nand ice on the roads",y\r\n' >>"$tmp/in.csv"
printf '3,,z\r\n' >>"$tmp/in.csv"
printf '4,"broken "quote" here",w\r\n' >>"$tmp/in.csv"
printf '5,new laptop chip benchmark\r\n' >>"$tmp/in.csv"
printf '6\r\n' >>"$tmp/in.csv"
"$TEXTCLF" predict "$tmp/m.bin" --csv --text-col review --keep-cols id,review --format csv "$tmp/in.csv" \
    >"$tmp/out.csv" 2>"$tmp/err" || fail "csv predict failed: $(cat "$tmp/err")"
grep -q 'in.csv:6: .*quote' "$tmp/err" || fail "no message for the malformed record: $(cat "$tmp/err")"
grep -q 'in.csv:8: expected at least 2 fields' "$tmp/err" || fail "no message for the short record"
$py - "$tmp/out.csv" "$tmp/in.csv" <<'EOF' || fail "bad CSV output: $(cat "$tmp/out.csv")"
import csv, sys
out = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert out[0] == ["id", "review", "predicted", "prob"], out[0]
rows = out[1:]
assert len(rows) == 6, rows                      # one per record, the bad ones too
assert [r[0] for r in rows] == ["1", "2", "3", "", "5", "6"], rows
assert rows[0][1] == 'goal, penalty and a red card for "the" keeper' and rows[0][2] == "sports", rows[0]
assert rows[1][1] == "heavy snow\nand ice on the roads" and rows[1][2] == "weather", rows[1]
assert rows[2][2] != "" and 0 < float(rows[2][3]) <= 1, rows[2]  # no tokens: the prior
assert rows[3] == ["", "", "", ""], rows[3]      # malformed: an error record
assert rows[4][2] == "tech" and 0 < float(rows[4][3]) <= 1, rows[4]
assert rows[5][:2] == ["6", ""] and rows[5][2:] == ["", ""], rows[5]
EOF
expect_fail 1 'could not be decoded' "$TEXTCLF" predict "$tmp/m.bin" --csv --text-col review --strict "$tmp/in.csv"
# TSV out: the newline inside a kept field is escaped, so one line per record
"$TEXTCLF" predict "$tmp/m.bin" --csv --text-col 1 --keep-cols review "$tmp/in.csv" >"$tmp/out.tsv" 2>/dev/null
[ "$(wc -l <"$tmp/out.tsv")" -eq 7 ] || fail "TSV output is not 7 lines: $(cat "$tmp/out.tsv")"
grep -q '^heavy snow\\nand ice on the roads	weather	' "$tmp/out.tsv" || fail "TSV escaping: $(cat "$tmp/out.tsv")"
# JSON Lines: every line valid JSON, errors as records
"$TEXTCLF" predict "$tmp/m.bin" --csv --text-col review --keep-cols id --format jsonl -k 2 --probs "$tmp/in.csv" \
    >"$tmp/out.jsonl" 2>/dev/null
$py - "$tmp/out.jsonl" <<'EOF' || fail "bad JSONL output: $(cat "$tmp/out.jsonl")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(recs) == 6, recs
assert recs[0]["id"] == "1" and len(recs[0]["labels"]) == 2 and recs[0]["labels"][0]["label"] == "sports"
assert recs[0]["labels"][0]["prob"] >= recs[0]["labels"][1]["prob"]
assert abs(sum(recs[0]["probs"].values()) - 1) < 1e-4 and len(recs[0]["probs"]) == 4
assert recs[2]["id"] == "3" and len(recs[2]["labels"]) == 2, recs[2]   # no tokens: the prior
assert set(recs[3]) == {"id", "error"} and recs[3]["id"] is None and "quote" in recs[3]["error"], recs[3]
assert "expected at least" in recs[5]["error"], recs[5]
EOF
# TSV input, no header, columns by index; a header name without a header is an error
printf '7\tsunny and warm all week\n8\tthe striker scored twice\n' >"$tmp/in.tsv"
"$TEXTCLF" predict "$tmp/m.bin" --tsv --no-header --text-col 1 --keep-cols 0 "$tmp/in.tsv" >"$tmp/o" ||
    fail "tsv predict failed"
[ "$(cut -f1,2 "$tmp/o" | tr '\t\n' ':;')" = "7:weather;8:sports;" ] || fail "tsv by index: $(cat "$tmp/o")"
expect_fail 1 "is a column name, but the input has no header" \
    "$TEXTCLF" predict "$tmp/m.bin" --tsv --no-header --text-col review "$tmp/in.tsv"
expect_fail 1 "'nope' is not a column of the header \(columns: id, review, extra\)" \
    "$TEXTCLF" predict "$tmp/m.bin" --csv --text-col nope "$tmp/in.csv"
expect_fail 2 "need --csv or --tsv" "$TEXTCLF" predict "$tmp/m.bin" --keep-cols id
expect_fail 2 "format: 'xml'" "$TEXTCLF" predict "$tmp/m.bin" --format xml
ok

# ---- several text columns are joined; -k N gives N pairs in order
printf 'a,b\nthe goalkeeper,saved a penalty\n' | "$TEXTCLF" predict "$tmp/m.bin" --csv --text-col a --text-col b \
    -k 3 >"$tmp/o" || fail "two text columns failed"
awk -F'\t' 'NR == 1 { exit !($1 == "predicted_1" && NF == 6) } NR == 2 { exit !($1 == "sports" && NF == 6 && $2 >= $4 && $4 >= $6) }' \
    "$tmp/o" || fail "joined columns / -k 3: $(cat "$tmp/o")"
ok

# ---- explanations: a corpus where one token decides the label
awk 'BEGIN {
    srand(7); split("alpha bravo charlie delta echo foxtrot golf hotel india juliet", w, " ");
    print "label,text";
    for (i = 0; i < 400; i++) {
        s = ""; for (j = 0; j < 6; j++) s = s w[1 + int(rand() * 10)] " ";
        if (i % 2) print "yes," s "zorblax " w[1 + int(rand() * 10)]; else print "no," s "quuxon " w[1 + int(rand() * 10)];
    } }' >"$tmp/decide.csv"
"$TEXTCLF" train configs/demo.yaml -o "$tmp/d.bin" -q --set data.train="$tmp/decide.csv" --set data.test= \
    --set train.epochs=10 2>/dev/null || fail "train on the crafted corpus failed"
printf 'golf alpha zorblax india bravo\necho quuxon delta hotel\n' |
    "$TEXTCLF" predict "$tmp/d.bin" --explain --explain-top 1 >"$tmp/o" || fail "--explain failed"
awk -F'\t' 'NR == 1 { exit !($1 == "yes" && $3 ~ /^zorblax:\+/) }' "$tmp/o" || fail "zorblax not first: $(cat "$tmp/o")"
awk -F'\t' 'NR == 2 { exit !($1 == "no" && $3 ~ /^quuxon:\+/) }' "$tmp/o" || fail "quuxon not first: $(cat "$tmp/o")"
printf 'golf alpha zorblax india bravo\n' | "$TEXTCLF" predict "$tmp/d.bin" --explain --format jsonl |
    $py -c 'import json,sys; d=json.load(sys.stdin); e=d["explain"]; t=e["toward"][0]
assert t["token"] == "zorblax" and t["prob_without"] < e["prob"] and e["prob"] == d["labels"][0]["prob"], d' ||
    fail "explain JSON"
ok

# ---- multi-label: joined labels, thresholds, thresholds stored by eval --tune-thresholds
awk 'BEGIN {
    srand(3); split("one two three four five six seven eight", w, " "); print "labels,text";
    for (i = 0; i < 600; i++) {
        r = rand() < 0.5; b = rand() < 0.5; s = w[1 + int(rand() * 8)] " " w[1 + int(rand() * 8)];
        if (r) s = s " red"; if (b) s = s " blue";
        l = r && b ? "red|blue" : (r ? "red" : (b ? "blue" : "none"));
        print l "," s;
    } }' >"$tmp/ml.csv"
"$TEXTCLF" train configs/demo.yaml -o "$tmp/ml.bin" -q --set data.train="$tmp/ml.csv" --set data.test= \
    --set data.label_column=labels --set 'data.label_separator="|"' --set train.epochs=20 2>/dev/null ||
    fail "multi-label train failed"
printf 'two red four blue\nsix red\n' | "$TEXTCLF" predict "$tmp/ml.bin" >"$tmp/o" || fail "multi-label predict failed"
awk -F'\t' 'NR == 1 { n = split($1, a, "|"); exit !(n == 2 && ($1 == "blue|red" || $1 == "red|blue")) }
            NR == 2 { exit !($1 == "red") }' "$tmp/o" || fail "multi-label output: $(cat "$tmp/o")"
printf 'two red four blue\n' | "$TEXTCLF" predict "$tmp/ml.bin" --threshold 0.999999 >"$tmp/o"
[ "$(cut -f1 "$tmp/o")" = "" ] || fail "--threshold 0.999999 still predicts: $(cat "$tmp/o")"
cp "$tmp/ml.bin" "$tmp/ml2.bin"
"$TEXTCLF" eval "$tmp/ml2.bin" "$tmp/ml.csv" --tune-thresholds >"$tmp/tune" || fail "tune failed"
grep -q "thresholds tuned on" "$tmp/tune" || fail "no tuning report: $(cat "$tmp/tune")"
"$TEXTCLF" info "$tmp/ml2.bin" >"$tmp/info2" || fail "info failed"
grep -q "per label (eval --tune-thresholds)" "$tmp/info2" || fail "info does not show tuned thresholds"
# predict uses the stored thresholds: a label is shown exactly when p >= its threshold
"$TEXTCLF" eval "$tmp/ml2.bin" "$tmp/ml.csv" --json >"$tmp/ev.json"
printf 'two red four blue\nsix red\nfive\n' | "$TEXTCLF" predict "$tmp/ml2.bin" --format jsonl --probs >"$tmp/o"
$py - "$tmp/ev.json" "$tmp/o" <<'EOF' || fail "stored thresholds not used: $(cat "$tmp/o")"
import json, sys
thr = json.load(open(sys.argv[1]))["thresholds"]
assert any(abs(t - 0.5) > 1e-6 for t in thr.values()), thr
for line in open(sys.argv[2]):
    d = json.loads(line)
    shown = {x["label"] for x in d["labels"]}
    want = {l for l, p in d["probs"].items() if p >= thr[l] - 1e-6}
    assert shown == want, (shown, want, d, thr)
EOF
ok

# ---- info
"$TEXTCLF" info "$tmp/m.bin" >"$tmp/info" || fail "info failed"
fmt=$("$TEXTCLF" --version | sed -n 's/.*(model format \([0-9]*\);.*/\1/p')  # the format this textclf writes
[ -n "$fmt" ] || fail "textclf --version names no model format"
for pat in "^format: *textclf model format $fmt, written by textclf " '^vocabulary: ' '^labels: *4 ' \
    '^  0  food$' '^  embedding ' '^training:' '^  epochs=15$' '^  train_data_crc32=' '^config:' '^  embedding_dim: 32$'; do
    grep -q "$pat" "$tmp/info" || fail "info lacks /$pat/: $(cat "$tmp/info")"
done
total=$(sed -n 's/^parameters: *\([0-9]*\) .*/\1/p' "$tmp/info")
sum=$(awk '/^parameters:/ {on = 1; next} on && /^  [a-z]/ {s += $NF} on && !/^  / {on = 0} END {print s}' "$tmp/info")
[ -n "$total" ] && [ "$total" = "$sum" ] || fail "parameter total $total != sum of tensors $sum"
size=$(wc -c <"$tmp/m.bin")
grep -q "^file: .*, $size bytes" "$tmp/info" || fail "info file size"
expect_fail 1 "m.bin.nope" "$TEXTCLF" info "$tmp/m.bin.nope"
ok
done_checks
