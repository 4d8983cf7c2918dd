#!/bin/sh
# make bench: prediction throughput and start-up (run by scripts/bench.sh).
#
#   1. sst2 models from the same training file: textclf (configs/sst2.yaml) and
#      fastText (supervised, dim 64, 5 epochs).  Lines per second on the sst2
#      test texts (1,821) and on the 67,349 training texts, best of N runs,
#      textclf batched (a file) on 1 and 2 threads (--threads; the same bytes)
#      and line by line (--stream), next to `fasttext predict` on the same file
#      (single-threaded).  The same for the LSTM of configs/sst2_lstm.yaml
#      (1 epoch), where the model, not the tokenizer, takes the time.
#   2. The labels and probabilities of predict over the sst2 test set are the
#      same batched, line by line and through a pipe (checked with cmp).
#   3. Start-up: a ~85 MB model (imdb, 81k words x 256 dimensions); wall time of
#      `predict` answering one line, and its peak RSS against the file size.
# Usage: sh scripts/bench_predict.sh [--quick] [path/to/textclf]
set -eu
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && { quick=1; shift; }
T=${1:-build/textclf}
W=$(mktemp -d /tmp/bench_predict.XXXXXX)
trap 'rm -rf "$W"' EXIT
export OPENBLAS_NUM_THREADS=1
py=/usr/bin/python3
runs=$([ $quick = 1 ] && echo 1 || echo 3)
command -v fasttext >/dev/null || { echo "bench_predict: fasttext not installed (apt-get install fasttext)"; exit 1; }

# texts (one per line) and fastText training lines from the sst2 CSVs
$py - ../shared/data/sst2 "$W" <<'EOF'
import csv, sys
src, out = sys.argv[1], sys.argv[2]
for name in ("train", "test"):
    with open("%s/%s.csv" % (src, name), newline="", encoding="utf-8") as f, \
         open("%s/%s.txt" % (out, name), "w", encoding="utf-8") as t, \
         open("%s/%s.ft" % (out, name), "w", encoding="utf-8") as ft:
        for row in csv.DictReader(f):
            text = " ".join(row["text"].split())
            t.write(text + "\n")
            ft.write("__label__%s %s\n" % (row["label"], text))
EOF
echo "OpenBLAS: $("$T" --version | sed -n 's/.*(\(.*\))/\1/p')"
"$T" train configs/sst2.yaml -o "$W/sst2.bin" -q 2>/dev/null
"$T" train configs/sst2_lstm.yaml -o "$W/lstm.bin" -q --set train.epochs=1 --set data.valid= --set data.test= 2>/dev/null
fasttext supervised -input "$W/train.ft" -output "$W/ft" -dim 64 -epoch 5 -thread 1 -seed 1 -verbose 0

# best wall time of $runs runs of a command (stdout discarded)
best() {
    b=
    for _ in $(seq "$runs"); do
        s=$(date +%s.%N)
        "$@" >/dev/null
        e=$(date +%s.%N)
        b=$(echo "$s $e ${b:-1e9}" | awk '{t = $2 - $1; print (t < $3 ? t : $3)}')
    done
    echo "$b"
}

echo "predict throughput (lines/s, best of $runs; machine: $(nproc) cores, shared: compare ratios of one run)"
printf '%-22s %8s %12s %12s %12s %12s %8s %8s\n' input lines "file 1 thr" "file 2 thr" "--stream" "fasttext" \
    "2thr/1" "2thr/ft"
for input in test train; do
    n=$(wc -l <"$W/$input.txt")
    tf=$(best fasttext predict "$W/ft.bin" "$W/$input.txt")
    for m in sst2 lstm; do
        tb=$(best "$T" predict "$W/$m.bin" "$W/$input.txt" --threads 1)
        t2=$(best "$T" predict "$W/$m.bin" "$W/$input.txt" --threads 2)
        ts=$(best "$T" predict "$W/$m.bin" "$W/$input.txt" --stream)
        echo "$m $input $n $tb $t2 $ts $tf" | awk '{printf "%-22s %8d %12.0f %12.0f %12.0f %12.0f %8.2f %8.2f\n",
            $1 " " $2 " texts", $3, $3 / $4, $3 / $5, $3 / $6, $3 / $7, $4 / $5, $7 / $5}'
    done
done
"$T" predict "$W/lstm.bin" "$W/test.txt" --probs --threads 1 >"$W/l1"
"$T" predict "$W/lstm.bin" "$W/test.txt" --probs --threads 2 >"$W/l2"
cmp -s "$W/l1" "$W/l2" || { echo "LSTM predictions on 1 and 2 threads DIFFER"; exit 1; }
echo "LSTM predict on 1 and 2 threads: identical bytes"

"$T" predict "$W/sst2.bin" "$W/test.txt" --probs >"$W/p_file"
"$T" predict "$W/sst2.bin" "$W/test.txt" --probs --stream >"$W/p_stream"
cat "$W/test.txt" | "$T" predict "$W/sst2.bin" --probs >"$W/p_pipe"
if cmp -s "$W/p_file" "$W/p_stream" && cmp -s "$W/p_file" "$W/p_pipe"; then
    echo "sst2 test: batched, line-by-line and piped predictions identical ($(wc -l <"$W/p_file") lines)"
else
    echo "sst2 test: batched and line-by-line predictions DIFFER"
    exit 1
fi
acc=$(paste "$W/p_file" "$W/test.ft" | awk -F'\t' '{split($5, a, " "); n++; c += ("__label__" $1) == a[1]} END {printf "%.4f", c / n}')
ftacc=$(fasttext test "$W/ft.bin" "$W/test.ft" | awk '$1 == "P@1" {print $2}')
echo "sst2 test accuracy: textclf $acc, fasttext $ftacc"

[ $quick = 1 ] && exit 0
echo
"$T" train configs/sst2.yaml -o "$W/big.bin" -q --set data.train=../shared/data/imdb/train.csv --set data.valid= \
    --set data.test= --set tokenizer.min_count=1 --set model.embedding_dim=256 --set pad.maxlen=256 \
    --set train.epochs=1 --set train.batch_size=64 2>/dev/null
size=$(wc -c <"$W/big.bin")
echo "start-up: model $(echo "$size" | awk '{printf "%.1f MB", $1 / 1e6}') (imdb vocabulary, 256 dimensions)"
for i in 1 2 3; do
    echo "a gripping film with a weak ending" |
        /usr/bin/time -f "%e %M" "$T" predict "$W/big.bin" 2>"$W/time" >/dev/null
    read -r secs kb <"$W/time"
    echo "$secs $kb $size" | awk '{printf "  run %d: first answer after %.2f s, peak RSS %.1f MB = model + %.1f MB\n",
        '"$i"', $1, $2 * 1024 / 1e6, ($2 * 1024 - $3) / 1e6}'
done
