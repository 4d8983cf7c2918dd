# eval: the text and JSON reports, the confusion-matrix SVG, labels the model
# never saw, and the multi-label corpus ../shared/data/goemotions (28 labels):
# P@1 / R@1 recomputed here from predict's probabilities, micro/macro F1,
# thresholds tuned on valid.csv, stored in the model and used on test.csv.
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3

"$TEXTCLF" train configs/demo.yaml -o "$tmp/m.bin" -q 2>/dev/null || fail "train failed"

# ---- single-label: text, JSON and SVG agree with predict
"$TEXTCLF" eval "$tmp/m.bin" data/demo_test.csv --confusion-svg "$tmp/cm.svg" >"$tmp/rep" || fail "eval failed"
for pat in '^accuracy  0\.[0-9]{4}  \([0-9]+ of 160 rows\)' '^log loss  [0-9.]+' '^weighted avg' '^true \\ predicted'; do
    grep -Eq "$pat" "$tmp/rep" || fail "report lacks /$pat/: $(cat "$tmp/rep")"
done
"$TEXTCLF" eval "$tmp/m.bin" data/demo_test.csv --json >"$tmp/rep.json" || fail "eval --json failed"
csv_to_lines data/demo_test.csv >"$tmp/test.tsv"
cut -f2- "$tmp/test.tsv" | "$TEXTCLF" predict "$tmp/m.bin" --probs >"$tmp/pred" || fail "predict failed"
$py - "$tmp/rep.json" "$tmp/pred" "$tmp/test.tsv" "$tmp/cm.svg" <<'EOF' || fail "eval disagrees with predict"
import json, math, sys, xml.etree.ElementTree as ET
rep = json.load(open(sys.argv[1]))
pred = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
truth = [l.split("\t")[0] for l in open(sys.argv[3])]
labels = [c["label"] for c in rep["per_class"]]
acc = sum(p[0] == t for p, t in zip(pred, truth)) / len(truth)
assert abs(rep["accuracy"] - acc) < 1e-12, (rep["accuracy"], acc)
# log loss from predict's 5-decimal probabilities (clipped like eval)
ll = -sum(math.log(max(float(p[2 + labels.index(t)]), 1e-5)) for p, t in zip(pred, truth)) / len(truth)
assert abs(rep["log_loss"] - ll) < 2e-3, (rep["log_loss"], ll)
assert rep["unseen_labels"] == [] and rep["rows_not_scored"] == 0
conf = rep["confusion"]
assert sum(map(sum, conf)) == 160 and sum(conf[i][i] for i in range(4)) == rep["correct"]
svg = ET.parse(sys.argv[4]).getroot()            # well-formed XML
texts = "".join(svg.itertext())
assert all(l in texts for l in labels), texts
cells = [r for r in svg.iter("{http://www.w3.org/2000/svg}rect") if r.get("width") == r.get("height") and r.get("width").isdigit()]
assert len(cells) == 16, len(cells)
EOF
ok

# ---- labels the model never saw: counted and named, not a crash
{ head -n 11 data/demo_test.csv; printf 'astrology,mercury is in retrograde\nastrology,"the stars, the signs"\nfood|x,bread\n'; } \
    >"$tmp/unseen.csv"
"$TEXTCLF" eval "$tmp/m.bin" "$tmp/unseen.csv" >"$tmp/rep" || fail "eval with unseen labels failed"
grep -q 'labels the model never saw (2): astrology (2 rows), food|x (1 rows)' "$tmp/rep" || fail "unseen: $(cat "$tmp/rep")"
grep -q '^3 rows whose only label is one of these were not scored' "$tmp/rep" || fail "not-scored count"
grep -q 'of 10 rows)' "$tmp/rep" || fail "scored rows: $(head -n 2 "$tmp/rep")"
"$TEXTCLF" eval "$tmp/m.bin" "$tmp/unseen.csv" --json |
    $py -c 'import json,sys; d=json.load(sys.stdin); assert d["unseen_labels"][0] == {"label": "astrology", "rows": 2} and d["total"] == 10, d' ||
    fail "unseen labels in JSON"
expect_fail 1 "needs a multi-label \(sigmoid\) model" "$TEXTCLF" eval "$tmp/m.bin" data/demo_test.csv --tune-thresholds
expect_fail 2 "exclude each other" "$TEXTCLF" eval "$tmp/m.bin" data/demo_test.csv --tune-thresholds --threshold 0.3
ok

# ---- goemotions: 28 labels, multi-label (a 6,000-row slice of train.csv keeps this fast)
G=../shared/data/goemotions
if [ ! -f "$G/train.csv" ]; then
    echo "test_eval.sh: $G not found, multi-label corpus checks skipped"
    done_checks
    exit 0
fi
head -n 6001 "$G/train.csv" >"$tmp/go_train.csv"
"$TEXTCLF" train configs/goemotions.yaml -o "$tmp/go.bin" -q --set data.train="$tmp/go_train.csv" \
    --set data.valid= --set data.test= --set train.epochs=3 --set train.tune_thresholds=false \
    --set output.save_best=false --set train.early_stopping.patience=0 2>/dev/null || fail "goemotions train failed"
"$TEXTCLF" eval "$tmp/go.bin" "$G/test.csv" --json -k 2 >"$tmp/before.json" || fail "goemotions eval failed"
"$TEXTCLF" eval "$tmp/go.bin" "$G/valid.csv" --json >"$tmp/valid_before.json" || fail "valid eval failed"
"$TEXTCLF" eval "$tmp/go.bin" "$G/valid.csv" --tune-thresholds --json >"$tmp/valid_after.json" || fail "tuning failed"
"$TEXTCLF" eval "$tmp/go.bin" "$G/test.csv" --json -k 2 >"$tmp/after.json" || fail "eval after tuning failed"
"$TEXTCLF" eval "$tmp/go.bin" "$G/test.csv" >"$tmp/after.txt" || fail "text eval failed"
"$TEXTCLF" predict "$tmp/go.bin" --csv "$G/test.csv" --keep-cols labels --probs >"$tmp/go_pred" ||
    fail "goemotions predict failed"
$py - "$tmp/before.json" "$tmp/after.json" "$tmp/valid_before.json" "$tmp/valid_after.json" "$tmp/go_pred" <<'EOF' ||
import csv, json, sys
before, after, vb, va = (json.load(open(p)) for p in sys.argv[1:5])
rows = list(csv.reader(open(sys.argv[5], newline="", encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))
head, rows = rows[0], rows[1:]
names = [h[2:-1] for h in head[3:]]                      # p(LABEL) columns
assert before["task"] == "multilabel" and before["nlabels"] == 28 == len(names), (before["nlabels"], names)
assert before["rows"] == len(rows) == 5427 and before["unseen_labels"] == []
for k in ("micro", "macro", "samples"):
    assert 0 < before[k]["f1"] < 1 and 0 < after[k]["f1"] < 1, (before[k], after[k])
# fastText's P@2 / R@2 recomputed from predict's probabilities: over rows with a
# label, the two most probable labels; hits / predicted and hits / true labels
hits = predicted = gold = 0
for r in rows:
    truth = set(r[0].split("|"))
    probs = [float(x) for x in r[3:]]
    top = sorted(range(28), key=lambda i: (-probs[i], i))[:2]
    hits += sum(names[i] in truth for i in top)
    predicted += 2
    gold += len(truth)
assert before["k"] == 2 and abs(before["precision_at_k"] - hits / predicted) < 1e-3, (before["precision_at_k"], hits / predicted)
assert abs(before["recall_at_k"] - hits / gold) < 1e-3, (before["recall_at_k"], hits / gold)
assert after["precision_at_k"] == before["precision_at_k"]          # thresholds do not change the ranking
# tuning: each label's F1 on valid can only rise; the thresholds are stored and used
assert va["macro"]["f1"] >= vb["macro"]["f1"] - 1e-12, (vb["macro"], va["macro"])
assert va["tuned"]["macro_f1_before"] == vb["macro"]["f1"]
assert after["thresholds"] == va["thresholds"] and len(set(after["thresholds"].values())) > 1
assert all(abs(t - 0.5) < 1e-9 for t in before["thresholds"].values())
assert after["macro"]["f1"] > before["macro"]["f1"], (before["macro"], after["macro"])
print("goemotions slice: micro F1 %.4f -> %.4f, macro F1 %.4f -> %.4f" % (
    before["micro"]["f1"], after["micro"]["f1"], before["macro"]["f1"], after["macro"]["f1"]))
EOF
    fail "goemotions checks"
grep -q '^P@1 ' "$tmp/after.txt" && grep -q '^samples avg' "$tmp/after.txt" || fail "text report: $(head "$tmp/after.txt")"
ok
# ---- train.tune_thresholds: training chooses the thresholds eval --tune-thresholds would
# choose on the same validation rows for the same weights, stores them, and scores val F1 with them
"$TEXTCLF" train configs/goemotions.yaml -o "$tmp/tt.bin" --set data.train="$tmp/go_train.csv" --set data.test= \
    --set train.epochs=2 --set output.metrics="$tmp/tt.jsonl" 2>"$tmp/tt.log" || fail "tune_thresholds train: $(cat "$tmp/tt.log")"
"$TEXTCLF" eval "$tmp/tt.bin" "$G/valid.csv" --json >"$tmp/tt_valid.json" || fail "eval of the tuned model"
cp "$tmp/tt.bin" "$tmp/tt2.bin"
"$TEXTCLF" eval "$tmp/tt2.bin" "$G/valid.csv" --tune-thresholds --json >"$tmp/tt_retuned.json" || fail "re-tuning"
$py - "$tmp/tt_valid.json" "$tmp/tt_retuned.json" "$tmp/tt.jsonl" <<'EOF' || fail "training-time thresholds"
import json, sys
got, ref = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
epochs = [json.loads(l) for l in open(sys.argv[3])]
assert len(set(got["thresholds"].values())) > 1, got["thresholds"]
# the same cut of (nearly) the same probabilities: the two evaluations may
# batch rows differently, so a probability may differ in its last bits
for k, t in got["thresholds"].items():
    assert abs(t - ref["thresholds"][k]) < 1e-4, (k, t, ref["thresholds"][k])
# the kept epoch's validation macro-F1 is the F1 at those thresholds
best = max(epochs, key=lambda e: e["val_macro_f1"])
assert abs(best["val_macro_f1"] - got["macro"]["f1"]) < 2e-3, (best["val_macro_f1"], got["macro"]["f1"])
assert abs(ref["tuned"]["macro_f1_before"] - got["macro"]["f1"]) < 2e-3
EOF
"$TEXTCLF" info "$tmp/tt.bin" | grep -q "per label (eval --tune-thresholds)" || fail "no thresholds in info"
# no validation rows: refused before reading the data; single-label data: off, with a note
expect_fail 2 "train.tune_thresholds needs validation data" "$TEXTCLF" train configs/demo.yaml -o "$tmp/x.bin" \
    --set train.tune_thresholds=true
"$TEXTCLF" train configs/demo.yaml -o "$tmp/sl.bin" --set train.tune_thresholds=true --set train.validation_split=0.2 \
    --set train.epochs=1 2>"$tmp/log" || fail "single-label with tune_thresholds: $(cat "$tmp/log")"
grep -q "train.tune_thresholds: off: .* has one label a row" "$tmp/log" || fail "no note: $(cat "$tmp/log")"
"$TEXTCLF" info "$tmp/sl.bin" | grep -q "tune_thresholds: false" || fail "stored config says tuned"
ok
done_checks
