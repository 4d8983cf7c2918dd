#!/bin/sh
# GoEmotions (28 labels, multi-label): textclf vs fastText -loss ova on the same
# split, micro and macro F1 on test.csv at threshold 0.5 and with per-label
# thresholds tuned on valid.csv (textclf: chosen while training,
# train.tune_thresholds in configs/goemotions.yaml; fastText: by
# scripts/ft_multilabel.py from its probabilities, the same F1-best cut).
# Run from the project root after `make`:
#     sh scripts/compare_goemotions.sh [path/to/textclf]
# Work files go to a temporary directory (nothing is written into the repo).
set -eu
cd "$(dirname "$0")/.."
T=${1:-build/textclf}
D=../shared/data/goemotions
W=$(mktemp -d /tmp/goemotions.XXXXXX)
trap 'rm -rf "$W"' EXIT
export OPENBLAS_NUM_THREADS=1
py=/usr/bin/python3

f1s() { # MODEL [EVAL OPTIONS]: "micro_f1 X  macro_f1 Y" on test.csv
    m=$1
    shift
    "$T" eval "$m" "$D/test.csv" --json "$@" |
        $py -c 'import json,sys; d=json.load(sys.stdin); print("micro_f1 %.4f\tmacro_f1 %.4f" % (d["micro"]["f1"], d["macro"]["f1"]))'
}

"$T" train configs/goemotions.yaml -o "$W/go.bin" -q --set data.test=
printf 'textclf\tthreshold 0.5\t%s\n' "$(f1s "$W/go.bin" --threshold 0.5)"
printf 'textclf\ttuned on valid\t%s\n' "$(f1s "$W/go.bin")"

for s in train valid test; do $py scripts/ft_multilabel.py convert "$D/$s.csv" "$W/$s.txt"; done
fasttext supervised -input "$W/train.txt" -output "$W/ft" -loss ova -dim 64 -epoch 5 -lr 0.5 -minCount 2 \
    -thread 1 -seed 1 -verbose 0
for s in valid test; do fasttext predict-prob "$W/ft.bin" "$W/$s.txt" -1 0 >"$W/$s.probs"; done
$py scripts/ft_multilabel.py score "$D/valid.csv" "$W/valid.probs" "$D/test.csv" "$W/test.probs"
