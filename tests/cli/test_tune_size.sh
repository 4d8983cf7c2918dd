# `textclf tune --max-model-size`: a trial whose trained model is over the
# limit is quantized to fit (int8, then PQ, then PQ with fewer rows) and its
# size is the quantized file's; no chosen model is over the limit; the best
# model is written quantized, and its YAML trains a model that fits again.
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3
limit=102400   # 100K: the demo's float models are ~290 KiB, int8 ~80 KiB

"$TEXTCLF" tune data/demo.csv --max-trials 5 --jobs 2 --seed 3 --max-model-size 100K -o "$tmp/q.bin" \
    >"$tmp/out" 2>"$tmp/log" || fail "tune --max-model-size: $(cat "$tmp/log")"
grep -q "quantized to fit" "$tmp/log" || fail "no word of the size limit: $(head -n 1 "$tmp/log")"
$py - "$tmp/q.bin.tune/trials.jsonl" $limit <<'EOF' || fail "trial sizes: $(cat "$tmp/q.bin.tune/trials.jsonl")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
limit = int(sys.argv[2])
assert json.loads(lines[0])["max_size"] == limit, lines[0]
trials = [json.loads(l) for l in lines[1:]]
assert len(trials) == 5, trials
for t in trials:
    if t["status"] == "ok":
        assert 0 < t["size"] <= limit, t
    elif t["status"] == "too_big":
        assert t["size"] > limit and "quantized" not in t, t
    assert t.get("quantized", "int8") in ("int8", "pq") or t["quantized"].startswith("pq cutoff "), t
# the base config's float model (~290 KiB) is over the limit: it was quantized, not dropped
base = [t for t in trials if t["trial"] == 0][0]
assert base["status"] == "ok" and base.get("quantized"), base
EOF
ok

size=$(wc -c <"$tmp/q.bin")
[ "$size" -le $limit ] || fail "best model is $size bytes, over $limit"
"$TEXTCLF" info "$tmp/q.bin" >"$tmp/info" || fail "info of the best model"
grep -q "^weights: *quantized" "$tmp/info" || fail "best model not quantized: $(head -n 5 "$tmp/info")"
"$TEXTCLF" eval "$tmp/q.bin" data/demo_test.csv >"$tmp/eval" || fail "eval of the quantized best model"
acc=$(sed -n 's/^accuracy *\([0-9.]*\).*/\1/p' "$tmp/eval")
awk -v a="$acc" 'BEGIN { exit !(a > 0.7) }' || fail "quantized best model: test accuracy $acc"
# the best trial's way of fitting is in its YAML; training that YAML again fits too
method=$(sed -n 's/^    method: *//p' "$tmp/q.yaml")
[ "$method" = int8 ] || [ "$method" = pq ] || fail "best YAML has quantize.method '$method'"
"$TEXTCLF" train "$tmp/q.yaml" -o "$tmp/re.bin" -q 2>"$tmp/log" || fail "train the best YAML: $(cat "$tmp/log")"
[ "$(wc -c <"$tmp/re.bin")" -le $limit ] || fail "retrained best YAML: $(wc -c <"$tmp/re.bin") bytes"
ok

# a limit every float model meets: nothing is quantized
"$TEXTCLF" tune data/demo.csv --max-trials 3 --jobs 2 --seed 3 --max-model-size 64M -o "$tmp/f.bin" -q \
    >/dev/null 2>"$tmp/log" || fail "tune 64M: $(cat "$tmp/log")"
grep -q '"quantized"' "$tmp/f.bin.tune/trials.jsonl" && fail "quantized under a 64M limit"
"$TEXTCLF" info "$tmp/f.bin" | grep -q "^weights: *quantized" && fail "64M: best model quantized"
ok

# a limit no model can meet, even pruned to half its rows: no trial is chosen
expect_fail 1 "no trial finished within the size limit" \
    "$TEXTCLF" tune data/demo.csv --max-trials 2 --jobs 2 --seed 3 --max-model-size 2K -o "$tmp/n.bin"
done_checks
