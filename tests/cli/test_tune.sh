# `textclf tune`: the same seed gives the same trials, scores and best model
# (with two trials at once, finishing in any order); a wall-clock budget is
# kept within 5%; Ctrl-C keeps what is done and --resume ends where an
# uninterrupted search ends; the best model and its YAML are written.
. "$(dirname "$0")/lib.sh"

# trials.jsonl without the wall-clock fields, in trial order
scores() {
    tail -n +2 "$1" | sed -e 's/"seconds":[0-9.]*,"elapsed":[0-9.]*,//' | sort
}

# The written model: the best-scoring trial, unless it leads the base (trial 0,
# what `train` would do) by no more than one binomial standard error of the
# base's validation accuracy (48 rows: 10% of demo.csv's 480), when the base is
# written and the log says why.  check_pick TRIALS YAML LOG [EXPECT_BASE_KEPT]
check_pick() {
    /usr/bin/python3 - "$@" <<'EOF'
import json, math, re, sys
trials = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()[1:]]
ok = [t for t in trials if t["status"] == "ok"]
best = min(ok, key=lambda t: (-t["score"], -t["rung"], t["trial"]))
base = [t for t in ok if t["trial"] == 0][0]
p = base["score"]
se = math.sqrt(p * (1 - p) / 48)
kept = best["trial"] != 0 and best["score"] - p <= se
expect = 0 if kept else best["trial"]
written = int(re.match(r"# textclf tune: trial (\d+),", open(sys.argv[2]).readline()).group(1))
assert written == expect, (written, expect, best, base, se)
said = "within one standard error" in open(sys.argv[3]).read()
assert said == kept, (said, kept)
if len(sys.argv) > 4:
    assert kept == (sys.argv[4] == "1"), "this search was chosen to %s the base" % ("keep" if sys.argv[4] == "1" else "replace")
EOF
}

# small hashed tables (draws take 1/2..4 times the base's buckets, at least 2^14) keep trials fast
set -- configs/demo.yaml --set data.test= --set tokenizer.buckets=4096 --seed 5 --jobs 2 --max-trials 7
"$TEXTCLF" tune "$@" -o "$tmp/a.bin" >"$tmp/a.out" 2>"$tmp/a.log" || fail "tune: $(cat "$tmp/a.log")"
[ "$(tail -n +2 "$tmp/a.bin.tune/trials.jsonl" | wc -l)" -eq 7 ] || fail "not 7 trials: $(cat "$tmp/a.bin.tune/trials.jsonl")"
grep -q '"trial":0,"rung":0,.*"status":"ok"' "$tmp/a.bin.tune/trials.jsonl" || fail "the base config was not trial 0"
head -n 1 "$tmp/a.out" | grep -Eq "^rank +trial +rung +epoch +accuracy" || fail "no table: $(cat "$tmp/a.out")"
[ -s "$tmp/a.bin" ] && [ -s "$tmp/a.yaml" ] || fail "best model or YAML missing"
grep -q "^# textclf tune: trial [0-9]*, validation accuracy" "$tmp/a.yaml" || fail "YAML header: $(head -2 "$tmp/a.yaml")"
# the YAML trains the same configuration (its own epochs, the same seed) without complaint
"$TEXTCLF" train "$tmp/a.yaml" -o "$tmp/re.bin" -q 2>"$tmp/log" || fail "train best YAML: $(cat "$tmp/log")"
"$TEXTCLF" eval "$tmp/a.bin" data/demo_test.csv >/dev/null || fail "eval of the best model"
check_pick "$tmp/a.bin.tune/trials.jsonl" "$tmp/a.yaml" "$tmp/a.log" || fail "the written trial"
ok
# seeds whose base scores within one standard error of the leader (on this
# machine's kernels both do; at least one must, so the rule is exercised)
kept=0
for seed in 1 2; do
    "$TEXTCLF" tune "$@" --seed $seed -o "$tmp/k$seed.bin" >"$tmp/k$seed.out" 2>"$tmp/k$seed.log" ||
        fail "tune seed $seed: $(cat "$tmp/k$seed.log")"
    check_pick "$tmp/k$seed.bin.tune/trials.jsonl" "$tmp/k$seed.yaml" "$tmp/k$seed.log" || fail "seed $seed: the written trial"
    if grep -q "within one standard error" "$tmp/k$seed.log"; then
        kept=$((kept + 1))
        grep -q "^[0-9]* *0 .*(written: rank 1 leads it by less than one standard error)" "$tmp/k$seed.out" ||
            fail "table does not mark the base: $(cat "$tmp/k$seed.out")"
        cmp -s "$tmp/k$seed.bin" "$tmp/k$seed.bin.tune/trial-0000-r0.bin" || fail "seed $seed: the base's model not written"
    fi
done
[ $kept -ge 1 ] || fail "no search kept its base: the one-standard-error rule went untested"
ok

"$TEXTCLF" tune "$@" -o "$tmp/b.bin" >"$tmp/b.out" 2>"$tmp/log" || fail "second tune: $(cat "$tmp/log")"
scores "$tmp/a.bin.tune/trials.jsonl" >"$tmp/a.s"
scores "$tmp/b.bin.tune/trials.jsonl" >"$tmp/b.s"
cmp -s "$tmp/a.s" "$tmp/b.s" || fail "same seed, other trials: $(diff "$tmp/a.s" "$tmp/b.s" | head -4)"
cmp -s "$tmp/a.bin" "$tmp/b.bin" || fail "same seed, other best model"
# another seed draws other settings
"$TEXTCLF" tune "$@" --seed 6 --max-trials 3 -o "$tmp/c.bin" -q >/dev/null 2>&1 || fail "tune seed 6"
# (trial 1 by its number: with --jobs 2 the lines are in the order trials end,
# and trial 0, the base config, is the same for every seed)
grep -q "$(grep '"trial":1,"rung":0,' "$tmp/a.bin.tune/trials.jsonl" | sed 's/.*"settings":"\([^"]*\)".*/\1/')" \
    "$tmp/c.bin.tune/trials.jsonl" && fail "seed 6 drew the same trial 1 as seed 5"
ok

# Ctrl-C after a few trials: exit 130, the finished trials kept; --resume
# ends exactly where the uninterrupted search ended
"$TEXTCLF" tune "$@" -o "$tmp/r.bin" >/dev/null 2>"$tmp/rlog" &
pid=$!
i=0
while [ "$(cat "$tmp/r.bin.tune/trials.jsonl" 2>/dev/null | wc -l)" -lt 3 ] && [ $i -lt 600 ]; do
    sleep 0.05
    i=$((i + 1))
done
kill -INT $pid
wait $pid
rc=$?
[ "$rc" -eq 130 ] || fail "interrupted tune exited $rc: $(cat "$tmp/rlog")"
grep -q "continue with the same command and --resume" "$tmp/rlog" || fail "no resume hint: $(cat "$tmp/rlog")"
done_before=$(tail -n +2 "$tmp/r.bin.tune/trials.jsonl" | wc -l)
[ "$done_before" -ge 2 ] && [ "$done_before" -lt 7 ] || fail "$done_before trials done before the interruption"
"$TEXTCLF" tune "$@" -o "$tmp/r.bin" --resume >/dev/null 2>"$tmp/rlog" || fail "resume: $(cat "$tmp/rlog")"
scores "$tmp/r.bin.tune/trials.jsonl" >"$tmp/r.s"
cmp -s "$tmp/a.s" "$tmp/r.s" || fail "resumed search differs: $(diff "$tmp/a.s" "$tmp/r.s" | head -4)"
cmp -s "$tmp/a.bin" "$tmp/r.bin" || fail "resumed search chose another model"
# resuming another search is refused
expect_fail 1 "made by another search" "$TEXTCLF" tune "$@" --seed 9 -o "$tmp/r.bin" --resume
ok

# the budget: 10 s of wall clock, kept within 5%, trials cut at the end.
# Under ASan the process's start-up and the leak scan at exit (after tune's
# clock has stopped) add up to ~1 s that no budget logic can see: allowed
# only there.
limit=10.5
ldd "$TEXTCLF" 2>/dev/null | grep -q libasan && limit=11.5
start=$(date +%s.%N)
"$TEXTCLF" tune configs/demo.yaml --set data.test= --set tokenizer.buckets=4096 --budget 10s -o "$tmp/t.bin" >/dev/null 2>"$tmp/log" ||
    fail "budget tune: $(cat "$tmp/log")"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v l="$limit" 'BEGIN { exit !(e - s <= l) }' ||
    fail "10 s budget took $(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }') s"
[ -s "$tmp/t.bin" ] || fail "no model after the budget"
ok

expect_fail 2 "--budget TIME" "$TEXTCLF" tune configs/demo.yaml
expect_fail 2 "not a duration" "$TEXTCLF" tune configs/demo.yaml --budget 5x
expect_fail 2 "not a size" "$TEXTCLF" tune configs/demo.yaml --budget 5 --max-model-size lots
expect_fail 2 "not one of accuracy, macro_f1, micro_f1" "$TEXTCLF" tune configs/demo.yaml --budget 5 --metric f2
done_checks
