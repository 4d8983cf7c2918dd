# `textclf train DATA.csv`: settings chosen from the data, one log line each;
# --set overrides them; the model stores the complete config it used, which
# trains the same model again byte for byte; an underfit run gets advice.
. "$(dirname "$0")/lib.sh"

# columns found by their role, not their place: text in 'body', label in 'topic'
{ echo "id,body,topic"; csv_to_lines data/demo.csv | awk -F'\t' '{ gsub(/"/, "", $2); printf "%d,\"%s\",%s\n", NR, $2, $1 }'; } \
    >"$tmp/d.csv"
"$TEXTCLF" train "$tmp/d.csv" -o "$tmp/a.bin" 2>"$tmp/log" || fail "train DATA.csv: $(cat "$tmp/log")"
grep -q "^auto: columns: text 'body' .*label 'topic' (4 distinct values)" "$tmp/log" || fail "columns: $(cat "$tmp/log")"
grep -q "^auto: labels: one per row (4 classes): softmax head" "$tmp/log" || fail "labels: $(cat "$tmp/log")"
grep -q "^auto: validation: 10% of the rows held out" "$tmp/log" || fail "validation: $(cat "$tmp/log")"
grep -q "^auto: pad.maxlen [0-9]*: the 99th percentile" "$tmp/log" || fail "maxlen: $(cat "$tmp/log")"
grep -q "^auto: n-grams: " "$tmp/log" || fail "n-grams: $(cat "$tmp/log")"
grep -q "^auto: character n-grams: 3..6 on: rows average [0-9]* bytes" "$tmp/log" || fail "char n-grams: $(cat "$tmp/log")"
grep -q "saved .*a.bin (the best epoch)" "$tmp/log" || fail "best epoch not kept: $(cat "$tmp/log")"
ok

# the stored config is all that was used: training with it gives the same bytes
"$TEXTCLF" info "$tmp/a.bin" | sed -n '/^config:$/,$p' | tail -n +2 >"$tmp/used.yaml"
grep -q "text_column: \"body\"" "$tmp/used.yaml" || fail "stored config lacks the text column: $(cat "$tmp/used.yaml")"
grep -q "save_best: true" "$tmp/used.yaml" || fail "stored config lacks save_best"
"$TEXTCLF" train "$tmp/used.yaml" -o "$tmp/b.bin" -q 2>"$tmp/log" || fail "retrain from stored config: $(cat "$tmp/log")"
cmp -s "$tmp/a.bin" "$tmp/b.bin" || fail "the stored config trains a different model"
ok

# --set wins over the data's choice
"$TEXTCLF" train "$tmp/d.csv" -o "$tmp/c.bin" --set tokenizer.ngrams=1 --set pad.maxlen=7 --set train.epochs=2 \
    2>"$tmp/log" || fail "train with --set: $(cat "$tmp/log")"
"$TEXTCLF" info "$tmp/c.bin" | grep -q "^  maxlen: 7$" || fail "--set pad.maxlen lost"
"$TEXTCLF" info "$tmp/c.bin" | grep -q "^  ngrams: 1$" || fail "--set tokenizer.ngrams lost"
grep -q "auto: pad.maxlen" "$tmp/log" && fail "maxlen chosen although set"
ok

# multi-label from the '|' in the labels; CJK from the script
{ echo "labels,text"; printf 'a|b,酒店很好服务周到\nb,房间太小而且很吵\na,早餐不错位置方便\nc|a,价格偏高但是干净\nb,前台态度一般般\nc,交通便利环境安静\n'; } \
    >"$tmp/ml.csv"
"$TEXTCLF" train "$tmp/ml.csv" -o "$tmp/ml.bin" --set train.validation_split=0.5 2>"$tmp/log" ||
    fail "multi-label train: $(cat "$tmp/log")"
grep -q "multi-label (2 of 6 rows have several" "$tmp/log" || fail "multi-label not detected: $(cat "$tmp/log")"
grep -q "tokenizer.cjk char+bigram" "$tmp/log" || fail "CJK not detected: $(cat "$tmp/log")"
"$TEXTCLF" info "$tmp/ml.bin" | grep -q "sigmoid" || fail "multi-label model without a sigmoid head"
ok

# a file that is neither: one line, exit 1
printf 'label,text\n' >"$tmp/empty.csv"
expect_fail 1 "empty.csv: no data rows" "$TEXTCLF" train "$tmp/empty.csv" -o "$tmp/x.bin"
expect_fail 2 "--resume needs the config" "$TEXTCLF" train "$tmp/d.csv" --resume "$tmp/x.ckpt"

# advice: two epochs at a low learning rate leaves accuracy low with the loss still falling
"$TEXTCLF" train configs/demo.yaml -o "$tmp/u.bin" --set train.epochs=2 --set train.lr=0.001 --set data.test= \
    2>"$tmp/log" || fail "underfit run: $(cat "$tmp/log")"
grep -q "^advice: training accuracy is only .* train longer" "$tmp/log" || fail "no underfit advice: $(cat "$tmp/log")"
ok
done_checks
