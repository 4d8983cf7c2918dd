#!/bin/sh
# Memory and scale of training: the average-pool model on 1x, 4x and 16x copies
# of sst2's training set (one epoch each), peak RSS against the formula
#   ids + parameters + optimizer state = 4·tokens + 4·params·(1 + 1 + 2)   bytes
# (weights, gradients, Adam's two moments), and rows/s, which should not fall
# with size.  With --big, also one epoch over a 10-million-line corpus (sst2
# repeated and shuffled).   scripts/bench_scale.sh [--quick] [--big]
set -eu
cd "$(dirname "$0")/.."
build=${TEXTCLF_BUILD:-build}
bin=$build/textclf
out=bench-out/scale
mkdir -p "$out"
copies="1 4 16"
big=0
for a in "$@"; do
    case $a in --quick) copies="1 4" ;; --big) big=1 ;; esac
done
src=../shared/data/sst2/train.csv
printf '%-10s %10s %12s %10s %12s %12s %8s\n' copies rows tokens params formula_MB peak_RSS_MB ratio
for n in $copies; do
    f="$out/sst2x$n.csv"
    [ -s "$f" ] || { head -n 1 "$src"; i=0; while [ $i -lt "$n" ]; do tail -n +2 "$src"; i=$((i + 1)); done; } >"$f"
    /usr/bin/time -v "$bin" train configs/sst2.yaml -o "$out/m.bin" --set data.train="$f" --set data.valid='' \
        --set data.test='' --set train.epochs=1 >"$out/x$n.log" 2>&1
    rows=$(sed -n 's/^train: .*: \([0-9]*\) rows, \([0-9]*\) tokens.*/\1/p' "$out/x$n.log")
    tokens=$(sed -n 's/^train: .*: \([0-9]*\) rows, \([0-9]*\) tokens.*/\2/p' "$out/x$n.log")
    params=$(sed -n 's/.* \([0-9]*\) parameters$/\1/p' "$out/x$n.log")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/x$n.log")
    rps=$(awk '$1 == "epoch" {print $(NF - 1)}' "$out/x$n.log")
    echo "$n $rows $tokens $params $rss $rps" | awk '{f = (4 * $3 + 16 * $4) / 1048576; r = $5 / 1024;
        printf "%-10s %10d %12d %10d %12.1f %12.1f %8.2f   %s rows/s\n", $1 "x", $2, $3, $4, f, r, r / f, $6}'
done
if [ "$big" = 1 ]; then
    f="$out/sst2_10m.csv"
    [ -s "$f" ] || { head -n 1 "$src"; i=0; while [ $i -lt 149 ]; do tail -n +2 "$src"; i=$((i + 1)); done |
        awk 'BEGIN { srand(1) } { printf "%.9f\t%s\n", rand(), $0 }' | sort -k1,1 -S 1G | cut -f2-; } >"$f"
    /usr/bin/time -v "$bin" train configs/sst2.yaml -o "$out/m.bin" --set data.train="$f" --set data.valid='' \
        --set data.test='' --set train.epochs=1 >"$out/big.log" 2>&1
    grep -E '^(train|epoch)|Maximum resident|Elapsed|Major' "$out/big.log"
fi
