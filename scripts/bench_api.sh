#!/bin/sh
# make bench: throughput of the C API (libtextclf.so, include/textclf.h)
# against `textclf predict` (run by scripts/bench.sh).
#
# One sst2 model (configs/sst2.yaml); the same texts (the 67,349 training
# texts, one per line) through three paths, each on one BLAS thread, best of
# N runs, in the same run so the ratios compare like with like:
#   textclf predict FILE     the CLI, batched (a regular file)
#   examples/classify        the C API, textclf_predict_batch 256 at a time
#   examples/textclf.py      the Python ctypes wrapper, batches of 256
# The outputs must be byte-identical (checked), so the three do the same work.
# Goal: API lines/s >= CLI lines/s (ratio api/cli >= 1).
# Usage: sh scripts/bench_api.sh [--quick] [path/to/build]
set -eu
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && { quick=1; shift; }
B=${1:-build}
T=$B/textclf
make -s BUILD="$B" "$B/examples/classify" >/dev/null
W=$(mktemp -d /tmp/bench_api.XXXXXX)
trap 'rm -rf "$W"' EXIT
export OPENBLAS_NUM_THREADS=1
runs=$([ $quick = 1 ] && echo 1 || echo 3)

/usr/bin/python3 - ../shared/data/sst2/train.csv "$W/texts" <<'PY'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as t:
    for row in csv.DictReader(f):
        t.write(" ".join(row["text"].split()) + "\n")
PY
"$T" train configs/sst2.yaml -o "$W/m.bin" -q 2>/dev/null

best() {
    b=
    for _ in $(seq "$runs"); do
        s=$(date +%s.%N)
        "$@" <"$W/texts" >"$W/out"
        e=$(date +%s.%N)
        b=$(echo "$s $e ${b:-1e9}" | awk '{t = $2 - $1; print (t < $3 ? t : $3)}')
    done
    echo "$b"
}

n=$(wc -l <"$W/texts")
tc=$(best "$T" predict "$W/m.bin" "$W/texts"); cp "$W/out" "$W/cli"
ta=$(best "$B/examples/classify" "$W/m.bin"); cp "$W/out" "$W/api"
tp=$(best env TEXTCLF_LIB="$B/libtextclf.so.1" /usr/bin/python3 examples/textclf.py "$W/m.bin"); cp "$W/out" "$W/py"
cmp -s "$W/cli" "$W/api" || { echo "bench_api: C API output differs from textclf predict"; exit 1; }
cmp -s "$W/cli" "$W/py" || { echo "bench_api: Python output differs from textclf predict"; exit 1; }
echo "API vs CLI predict throughput (sst2 train texts, $n lines, one thread, best of $runs; $(nproc) cores, shared machine)"
echo "$n $tc $ta $tp" | awk '{printf "%-24s %12.0f lines/s\n%-24s %12.0f lines/s   api/cli %.2f\n%-24s %12.0f lines/s   python/cli %.2f\n",
    "textclf predict FILE", $1 / $2, "C API (classify)", $1 / $3, $2 / $3, "Python ctypes", $1 / $4, $2 / $4}'
echo "outputs identical: yes"
