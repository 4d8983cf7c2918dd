#!/bin/sh
# Settings without hand-tuning, against fastText, in one run on the same files:
#
#  A. `textclf tune --budget B --jobs 2` against `fasttext supervised
#     -autotune-validation VALID -autotune-duration B -thread 2`, the same
#     wall-clock budget B (default 60 s) and the same validation rows: the
#     corpus's valid.csv where it has one (sst2, goemotions), else a seeded
#     10% of train.csv that this script holds out and gives to both.  Scored
#     on test.csv: accuracy, or for multi-label corpora "macro-F1/micro-F1"
#     over the test file's labels, one scorer for both systems' predicted
#     label sets (fastText with -loss ova: labels with probability >= 0.5,
#     at least the top one; textclf: what `predict` prints, each label at
#     the model's threshold for it, chosen on the validation rows where
#     train.tune_thresholds is on, as `train DATA.csv` and `tune` set it).
#  B. `textclf train train.csv` (no config) against the best shipped config
#     for the corpus and fastText's defaults (on a shuffled copy: fastText
#     does not shuffle, and these files are sorted by label).
#
# fastText reads "__label__L text" copies that this script writes (text
# whitespace-collapsed; chnsenticorp split into characters, since fastText
# splits on whitespace only).  Times are wall clock of the whole command.
# The machine is shared: budgets are wall clock, so a loaded machine gives
# both systems less work in the same budget.
#
# Usage: scripts/bench_tune.sh [--quick] [--budget SECONDS] [CORPUS...]
#   default corpora: sst2 ag_news_small chnsenticorp sms_spam imdb goemotions reuters21578_modapte
#   --quick: sst2 and ag_news_small, part A only
# BENCH_OUT=DIR keeps each corpus's tune table and logs there.
# FT_STOP=K stops an autotune still running at K times the budget (default 5).
set -eu
cd "$(dirname "$0")/.."
TEXTCLF=${TEXTCLF:-build/textclf}
DATA=${DATA:-../shared/data}
budget=60 quick=0
while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1 ;;
    --budget) budget=$2; shift ;;
    *) break ;;
    esac
    shift
done
if [ $# -gt 0 ]; then corpora=$*
elif [ $quick = 1 ]; then corpora="sst2 ag_news_small"
else corpora="sst2 ag_news_small chnsenticorp sms_spam imdb goemotions reuters21578_modapte"; fi
[ -x "$TEXTCLF" ] || { echo "bench_tune: build first (make)" >&2; exit 1; }
command -v fasttext >/dev/null || { echo "bench_tune: fasttext not found (Debian package fasttext)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/textclf-bench-tune.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3

# prep CORPUS: $tmp/C/{train,valid,test}.csv (valid held out if the corpus has none)
# and their fastText copies {train,valid,test,train_shuf}.txt
prep() {
    c=$1 d=$tmp/$1
    mkdir -p "$d"
    $py - "$DATA/$c" "$d" "$c" <<'EOF'
import csv, os, random, sys
src, dst, name = sys.argv[1:4]
chars = name == 'chnsenticorp'
def rows(p):
    with open(p, newline='', encoding='utf-8') as f:
        r = csv.reader(f); h = next(r); return h, list(r)
h, train = rows(os.path.join(src, 'train.csv'))
multi = 'labels' in h
li, ti = h.index('labels' if multi else 'label'), h.index('text')
if os.path.exists(os.path.join(src, 'valid.csv')):
    _, valid = rows(os.path.join(src, 'valid.csv'))
else:
    idx = list(range(len(train))); random.Random(1).shuffle(idx)
    k = len(idx) // 10; held = set(idx[:k])
    valid = [train[i] for i in sorted(held)]; train = [train[i] for i in range(len(train)) if i not in held]
_, test = rows(os.path.join(src, 'test.csv'))
def write_csv(p, rs):
    with open(p, 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f, lineterminator='\n'); w.writerow(h); w.writerows(rs)
def write_ft(p, rs):
    with open(p, 'w', encoding='utf-8') as f:
        for r in rs:
            t = ' '.join(ch for ch in r[ti] if not ch.isspace()) if chars else ' '.join(r[ti].split())
            labs = [l for l in r[li].split('|') if l] if multi else [r[li]]
            f.write(' '.join('__label__' + l.replace(' ', '_') for l in labs) + ' ' + t + '\n')
for n, rs in (('train', train), ('valid', valid), ('test', test)):
    write_csv(os.path.join(dst, n + '.csv'), rs); write_ft(os.path.join(dst, n + '.txt'), rs)
shuf = train[:]; random.Random(2).shuffle(shuf); write_ft(os.path.join(dst, 'train_shuf.txt'), shuf)
with open(os.path.join(dst, 'gold.txt'), 'w', encoding='utf-8') as f:  # test labels, '|'-joined, for f1s
    for r in test:
        f.write('|'.join(l.replace(' ', '_') for l in (r[li].split('|') if multi else [r[li]]) if l) + '\n')
print('multi' if 'labels' in h else 'single')
EOF
}

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }
row() { printf '%-20s %-9s %-58s %8s %7s\n' "$@"; }

# f1s GOLD PRED: "macro-F1/micro-F1" of predicted label sets against the gold
# ones (a line each, labels joined with '|'), over the labels of the test
# file -- one scorer for both systems
f1s() {
    $py - "$1" "$2" <<'EOF'
import sys
sets = lambda p: [set(l for l in line.rstrip('\n').split('|') if l) for line in open(p, encoding='utf-8')]
gold, pred = sets(sys.argv[1]), sets(sys.argv[2])
assert len(gold) == len(pred), (len(gold), len(pred))
labels = set().union(*gold)
f1, TP, FP, FN = [], 0, 0, 0
for lab in labels:
    tp = sum(1 for g, q in zip(gold, pred) if lab in g and lab in q)
    fp = sum(1 for g, q in zip(gold, pred) if lab not in g and lab in q)
    fn = sum(1 for g, q in zip(gold, pred) if lab in g and lab not in q)
    f1.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    TP, FP, FN = TP + tp, FP + fp, FN + fn
print('%.4f/%.4f' % (sum(f1) / len(f1), 2 * TP / (2 * TP + FP + FN) if TP else 0.0))
EOF
}

# textclf_score MODEL DIR KIND: accuracy on DIR/test.csv, or for multi-label
# "macro-F1/micro-F1" of what `textclf predict` prints (each label at the
# model's own threshold: 0.5, or those train.tune_thresholds chose)
textclf_score() {
    if [ "$3" = multi ]; then
        "$TEXTCLF" predict "$1" --csv --keep-cols labels <"$2/test.csv" 2>/dev/null | tail -n +2 | cut -f2 | tr " " _ >"$tmp/pred.txt" ||
            { echo "-"; return; }
        f1s "$2/gold.txt" "$tmp/pred.txt"
        return
    fi
    "$TEXTCLF" eval "$1" "$2/test.csv" --json >"$tmp/eval.json" 2>/dev/null || { echo "-"; return; }
    $py -c 'import json,sys; j=json.load(sys.stdin); print("%.4f" % j["accuracy"])' <"$tmp/eval.json"
}

# fasttext_score MODEL DIR KIND: P@1 (= accuracy) on DIR/test.txt, or
# "macro-F1/micro-F1" of the labels with p >= 0.5 (at least the top one)
fasttext_score() {
    if [ "$3" = single ]; then
        fasttext test "$1" "$2/test.txt" | sed -n 's/^P@1[[:space:]]*//p'
        return
    fi
    fasttext predict-prob "$1" "$2/test.txt" -1 0.0 |
        $py -c '
import sys
for l in sys.stdin:
    t = l.split(); p = [(t[i][9:], float(t[i + 1])) for i in range(0, len(t) - 1, 2)]
    s = [n for n, q in p if q >= 0.5] or [n for n, _ in p[:1]]
    print("|".join(s))' >"$tmp/pred.txt"
    f1s "$2/gold.txt" "$tmp/pred.txt"
}

shipped() { # the best shipped config for a corpus (by the README's results), or nothing
    case $1 in
    sst2) echo configs/sst2_bigram.yaml ;;
    ag_news_small) echo configs/ag_news_small_ngrams.yaml ;;
    chnsenticorp) echo configs/chnsenticorp.yaml ;;
    goemotions) echo configs/goemotions.yaml ;;
    esac
}

echo "budget ${budget}s, 2 cores; $(nproc) cores online; load average $(cut -d' ' -f1-3 /proc/loadavg)"
row corpus system "command" score "wall s"
for c in $corpora; do
    [ -d "$DATA/$c" ] || { echo "bench_tune: $DATA/$c missing" >&2; continue; }
    kind=$(prep "$c")
    d=$tmp/$c
    metric=accuracy ova=""
    [ "$kind" = multi ] && metric=macro_f1 ova="-loss ova"
    # A: tune against autotune, same budget, same validation rows
    t0=$(now)
    # shellcheck disable=SC2086
    # (no model when no trial finished an epoch in the budget: the row says so, the rest still runs)
    if "$TEXTCLF" tune "$d/train.csv" --set data.valid="$d/valid.csv" --budget "$budget" --jobs 2 \
        --metric $metric -o "$d/tuned.bin" -q >"$d/tune.table" 2>"$d/tune.log"; then
        score=$(textclf_score "$d/tuned.bin" "$d" "$kind")
    else
        score="none"
        sed 's/^/  /' "$d/tune.log" >&2
    fi
    t1=$(now)
    [ -n "${BENCH_OUT:-}" ] && mkdir -p "$BENCH_OUT" && cp "$d/tune.table" "$BENCH_OUT/$c.tune.table" &&
        cp "$d/tuned.bin.tune/trials.jsonl" "$BENCH_OUT/$c.trials.jsonl"
    row "$c" textclf "tune --budget ${budget}s --jobs 2 --metric $metric" "$score" "$(secs "$t0" "$t1")"
    t0=$(now)
    # shellcheck disable=SC2086
    # fastText's search may overrun its duration (it trains the winner afterwards): stopped at FT_STOP x
    if timeout $((budget * ${FT_STOP:-5})) fasttext supervised -input "$d/train.txt" -output "$d/ft_auto" \
        -autotune-validation "$d/valid.txt" -autotune-duration "$budget" -thread 2 -verbose 0 $ova >/dev/null 2>&1; then
        score=$(fasttext_score "$d/ft_auto.bin" "$d" "$kind")
    else
        score="stopped"
    fi
    t1=$(now)
    row "$c" fastText "-autotune-validation -autotune-duration $budget -thread 2 $ova" "$score" "$(secs "$t0" "$t1")"
    [ $quick = 1 ] && continue
    # B: no config against the best shipped config and fastText's defaults
    t0=$(now)
    # shellcheck disable=SC2086
    "$TEXTCLF" train "$DATA/$c/train.csv" -o "$d/auto.bin" -q 2>"$d/auto.log" || { cat "$d/auto.log" >&2; continue; }
    t1=$(now)
    row "$c" textclf "train $c/train.csv (no config)" "$(textclf_score "$d/auto.bin" "$d" "$kind")" \
        "$(secs "$t0" "$t1")"
    cfg=$(shipped "$c")
    if [ -n "$cfg" ]; then
        t0=$(now)
        "$TEXTCLF" train "$cfg" -o "$d/shipped.bin" -q --set data.test= 2>"$d/shipped.log" ||
            { cat "$d/shipped.log" >&2; continue; }
        t1=$(now)
        row "$c" textclf "train $cfg" "$(textclf_score "$d/shipped.bin" "$d" "$kind")" "$(secs "$t0" "$t1")"
    fi
    t0=$(now)
    # shellcheck disable=SC2086
    fasttext supervised -input "$d/train_shuf.txt" -output "$d/ft_def" -thread 2 -verbose 0 $ova
    t1=$(now)
    row "$c" fastText "defaults (shuffled input) $ova" "$(fasttext_score "$d/ft_def.bin" "$d" "$kind")" \
        "$(secs "$t0" "$t1")"
done
