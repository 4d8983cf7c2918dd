#!/bin/sh
# Scale in labels (issue 12): a synthetic corpus with L labels (each label a
# distinctive token plus shared noise words, two rows a label, one at
# 100,000), an
# average-pool model (embedding 16), then
#   predict rows/s with -k 1 and -k 5 (top-k selection, not a sort a row),
#   against eval's rows/s in the same run (the same forward pass, no ranking:
#   the peer; issue 12 measured predict at 1/36 of eval with 9,930 labels),
#   eval peak RSS (streamed metrics: one inference group of rows x labels,
#   a sparse confusion matrix) against what rows x labels x 4 bytes of
#   probabilities plus a dense labels^2 confusion matrix would take,
#   the size of eval's report and of --confusion-svg.
# Usage: scripts/bench_labels.sh [--quick]   (--quick: 10,000 labels only)
# The corpus is generated under a temporary directory, never in the repo.
set -eu
cd "$(dirname "$0")/.."
T=${TEXTCLF:-build/textclf}
[ -x "$T" ] || make -s -j2
tmp=$(mktemp -d /tmp/textclf-labels.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sizes="10000 100000"
[ "${1:-}" = --quick ] && sizes=10000
# rss OUT CMD...: CMD's stdout into OUT; prints its peak RSS in kB and its wall seconds
rss() {
    out=$1
    shift
    /usr/bin/time -f "%M %e" -o "$tmp/rss" "$@" >"$out"
    tail -n 1 "$tmp/rss"
}
now() { date +%s.%N; }
for L in $sizes; do
    rpl=2 # rows per label (one at 100,000 labels: training stays minutes)
    [ "$L" -ge 100000 ] && rpl=1
    awk -v L="$L" -v rpl="$rpl" 'BEGIN {
        print "label,text"
        for (r = 0; r < rpl * L; r++) { l = r % L; printf "L%d,t%d w%d w%d w%d\n", l, l, (r * 7) % 97, (r * 13) % 89, r % 31 }
    }' >"$tmp/train.csv"
    awk -F, 'NR > 1 { print substr($0, index($0, ",") + 1) }' "$tmp/train.csv" | head -20000 >"$tmp/lines.txt"
    cat >"$tmp/c.yaml" <<EOF
data:
  train: $tmp/train.csv
pad:
  maxlen: 8
model:
  embedding_dim: 16
train:
  epochs: 1
  batch_size: 256
  threads: 1
EOF
    t0=$(now)
    "$T" train "$tmp/c.yaml" -o "$tmp/m.bin" -q
    t1=$(now)
    rows=$(wc -l <"$tmp/lines.txt")
    t2=$(now)
    "$T" predict "$tmp/m.bin" "$tmp/lines.txt" >/dev/null
    t3=$(now)
    "$T" predict "$tmp/m.bin" "$tmp/lines.txt" -k 5 >/dev/null
    t4=$(now)
    eval_out=$(rss "$tmp/report.txt" "$T" eval "$tmp/m.bin" "$tmp/train.csv" --confusion-svg "$tmp/c.svg")
    eval_rss=${eval_out% *} eval_s=${eval_out#* }
    batch_out=$(rss /dev/null "$T" predict "$tmp/m.bin" "$tmp/lines.txt" --batch 65536)
    batch_rss=${batch_out% *}
    n=$((rpl * L))
    awk -v L="$L" -v n="$n" -v rows="$rows" -v tr="$(echo "$t1 - $t0" | bc)" \
        -v p1="$(echo "$t3 - $t2" | bc)" -v p5="$(echo "$t4 - $t3" | bc)" -v er="$eval_rss" -v es="$eval_s" -v br="$batch_rss" \
        -v rep="$(wc -c <"$tmp/report.txt")" -v svg="$(wc -c <"$tmp/c.svg")" 'BEGIN {
        printf "labels %d: train %d rows %.1f s; predict %d rows: -k 1 %.0f rows/s, -k 5 %.0f rows/s\n", L, n, tr, rows, rows / p1, rows / p5
        printf "  eval %d rows: %.0f rows/s (predict/eval: -k 1 %.2f, -k 5 %.2f)\n", n, n / es, (rows / p1) / (n / es), (rows / p5) / (n / es)
        printf "  eval peak RSS %.0f MB (whole-file probabilities alone would be %.0f MB, a dense confusion matrix %.0f MB)\n", er / 1024, n * L * 4 / 1e6, L * L * 8 / 1e6
        printf "  report %.1f kB, --confusion-svg %.1f kB; predict --batch 65536: peak RSS %.0f MB (unbounded: %.0f MB of probabilities)\n", rep / 1e3, svg / 1e3, br / 1024, 65536 * L * 4 / 1e6
    }'
done
