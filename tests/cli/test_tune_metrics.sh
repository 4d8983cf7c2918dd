# `textclf tune --metric accuracy|macro_f1|micro_f1` on single- and
# multi-label data: every trial early-stops on that validation score, its
# score is the kept epoch's value of it, and the best model, evaluated by
# `textclf eval` on the same validation file (whose metrics test_eval.sh
# checks against an independent Python recount), scores exactly that.
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3

# check_run DIR MODEL VALID METRIC KIND: the trial configs, the trial logs
# against trials.jsonl, and eval of the best model against its score
check_run() {
    grep -q "monitor: val_$4" "$1"/trial-0001-r0.yaml || fail "$4: trial 1 does not early-stop on val_$4"
    "$TEXTCLF" eval "$2" "$3" --json >"$tmp/eval.json" || fail "$4: eval of the best model"
    $py - "$1" "$tmp/eval.json" "$4" "$5" <<'EOF' || fail "$4 ($5): scores"
import glob, json, math, os, sys
d, ev, metric, kind = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
lines = open(os.path.join(d, "trials.jsonl")).read().splitlines()
assert json.loads(lines[0])["metric"] == metric, lines[0]
best = None
for l in lines[1:]:
    t = json.loads(l)
    if t["status"] != "ok":
        continue
    log = [json.loads(x) for x in open(os.path.join(d, "trial-%04d-r%d.jsonl" % (t["trial"], t["rung"])))]
    kept = [e for e in log if e["epoch"] == t["best_epoch"]][0]
    assert abs(kept["val_" + metric] - t["score"]) < 1e-6, (t, kept)
    # the kept epoch is the best of its run on that score (ties: the first)
    assert kept["val_" + metric] >= max(e["val_" + metric] for e in log) - 1e-12, (metric, log)
    for e in log:
        assert 0 <= e["val_micro_f1"] <= 1 and 0 <= e["val_macro_f1"] <= 1, e
        if kind == "single":   # one true and one predicted label a row: micro-F1 is accuracy
            assert e["val_micro_f1"] == e["val_accuracy"], e
    if best is None or t["score"] > best["score"]:
        best = t
assert best is not None, "no trial scored"
if kind == "single":
    got = {"accuracy": ev["accuracy"], "macro_f1": ev["macro"]["f1"], "micro_f1": ev["accuracy"]}[metric]
else:
    got = {"accuracy": 1 - ev["hamming_loss"], "macro_f1": ev["macro"]["f1"], "micro_f1": ev["micro"]["f1"]}[metric]
assert abs(got - best["score"]) < 1e-5, (metric, got, best)
EOF
    ok
}

# multi-label: synthetic rows whose labels are told by their words (two of
# a topic's words per label, 0 to 3 labels a row), learnable in a few
# epochs, so F1 moves off 0 (on a small slice of a real corpus every trial
# predicts no label in its first epochs, and early stopping ends it there)
$py - "$tmp" <<'EOF'
import csv, os, random, sys
r = random.Random(7)
topics = {"sport": ["goal", "match", "team", "score"], "money": ["bank", "price", "market", "loan"],
          "food": ["bread", "soup", "cook", "meal"], "film": ["actor", "scene", "movie", "cast"]}
filler = ["the", "a", "of", "and", "today", "new", "some", "very", "it", "was"]
def rows(n):
    out = []
    for _ in range(n):
        labs = r.sample(sorted(topics), r.choice([0, 1, 1, 2, 2, 3]))
        words = [r.choice(filler) for _ in range(r.randint(3, 8))]
        for l in labs:
            words += r.sample(topics[l], 2)
        r.shuffle(words)
        out.append(["|".join(labs), " ".join(words)])
    return out
for name, n in (("ml_train.csv", 1500), ("ml_valid.csv", 300)):
    with open(os.path.join(sys.argv[1], name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n"); w.writerow(["labels", "text"]); w.writerows(rows(n))
EOF
for m in micro_f1 macro_f1 accuracy; do
    "$TEXTCLF" tune "$tmp/ml_train.csv" --set data.valid="$tmp/ml_valid.csv" --set tokenizer.buckets=4096 \
        --metric $m --max-trials 3 --jobs 2 --seed 3 -o "$tmp/ml_$m.bin" >"$tmp/out" 2>"$tmp/log" ||
        fail "tune --metric $m: $(cat "$tmp/log")"
    head -n 1 "$tmp/out" | grep -Eq "^rank +trial +rung +epoch +$m " || fail "$m: table: $(head -n 2 "$tmp/out")"
    grep -q "^# textclf tune: trial [0-9]*, validation $m " "$tmp/ml_$m.yaml" || fail "$m: YAML header"
    check_run "$tmp/ml_$m.bin.tune" "$tmp/ml_$m.bin" "$tmp/ml_valid.csv" $m multi
done
# the F1 searches score something real, not a flat 0
grep -q '"score":0\.[5-9]' "$tmp/ml_micro_f1.bin.tune/trials.jsonl" || fail "micro-F1 search: no trial above 0.5"
grep -q '"score":0\.[5-9]' "$tmp/ml_macro_f1.bin.tune/trials.jsonl" || fail "macro-F1 search: no trial above 0.5"
ok

# single-label: the demo corpus, with its own validation file
for m in micro_f1 accuracy; do
    "$TEXTCLF" tune data/demo.csv --set data.valid="$TC_ROOT/data/demo_test.csv" --set tokenizer.buckets=4096 \
        --metric $m --max-trials 3 --jobs 2 --seed 3 -o "$tmp/demo_$m.bin" >"$tmp/out" 2>"$tmp/log" ||
        fail "tune --metric $m (demo): $(cat "$tmp/log")"
    check_run "$tmp/demo_$m.bin.tune" "$tmp/demo_$m.bin" data/demo_test.csv $m single
done
# on single-label data micro-F1 is accuracy: the same plan gives the same scores
a=$(tail -n +2 "$tmp/demo_accuracy.bin.tune/trials.jsonl" | sed 's/.*"score":\([0-9.]*\).*"settings":"\([^"]*\)".*/\1 \2/' | sort)
b=$(tail -n +2 "$tmp/demo_micro_f1.bin.tune/trials.jsonl" | sed 's/.*"score":\([0-9.]*\).*"settings":"\([^"]*\)".*/\1 \2/' | sort)
[ "$a" = "$b" ] || fail "single-label micro_f1 and accuracy searches differ: $a / $b"
ok

expect_fail 2 "not one of accuracy, macro_f1, micro_f1" "$TEXTCLF" tune configs/demo.yaml --budget 5 --metric f2
expect_fail 2 "val_micro_f1" "$TEXTCLF" train configs/demo.yaml --set train.early_stopping.monitor=f1
done_checks
