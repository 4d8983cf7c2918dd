#!/bin/sh
# Regenerates the model-file seeds of the checkpoint fuzzer
# (tests/fuzz/corpus/checkpoint/*.bin) with the textclf given, so that they
# are in the current model format: run it after changing the format.
#   gap_tiny, gap_ngrams_tiny, lstm_tiny   3 words, labels a and b
#   multilabel_tiny                        3 labels, a hidden layer, tuned thresholds (THRS)
#   demo_dim4                              data/demo.csv, embedding_dim 4
# Usage: sh scripts/fuzz_seeds.sh [path/to/textclf]
set -eu
cd "$(dirname "$0")/.."
T=${1:-build/textclf}
out=tests/fuzz/corpus/checkpoint
W=$(mktemp -d /tmp/fuzz_seeds.XXXXXX)
trap 'rm -rf "$W"' EXIT
printf 'label,text\na,x y\nb,y z\na,x x z\nb,z z y\n' >"$W/tiny.csv"
printf 'label,text\na|b,x y\nc,y z\na,x x\nb|c,z z y\n' >"$W/multi.csv"
base="--set data.train=$W/tiny.csv --set data.test= --set train.epochs=2 --set model.embedding_dim=2 \
      --set pad.maxlen=4 --set train.batch_size=2 -q"
# shellcheck disable=SC2086
"$T" train configs/demo.yaml $base -o "$out/gap_tiny.bin"
# shellcheck disable=SC2086
"$T" train configs/demo.yaml $base --set tokenizer.ngrams=2 --set tokenizer.buckets=8 -o "$out/gap_ngrams_tiny.bin"
# shellcheck disable=SC2086
"$T" train configs/demo.yaml $base --set model.encoder=lstm --set model.lstm.units=2 --set model.lstm.layers=2 \
    --set model.lstm.bidirectional=true --set model.lstm.output=max -o "$out/lstm_tiny.bin"
# shellcheck disable=SC2086
"$T" train configs/demo.yaml $base --set data.train="$W/multi.csv" --set 'data.label_separator="|"' \
    --set pad.maxlen=3 --set model.hidden=[2] -o "$out/multilabel_tiny.bin"
"$T" eval "$out/multilabel_tiny.bin" "$W/multi.csv" --tune-thresholds >/dev/null
"$T" train configs/demo.yaml --set model.embedding_dim=4 --set train.epochs=1 --set data.test= -q \
    -o "$out/demo_dim4.bin"
ls -l "$out"/*.bin
