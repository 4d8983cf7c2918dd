#!/bin/sh
# Memory and scale of training: the average-pool model on 1x, 4x and 16x copies
# of sst2's training set (one epoch each), peak RSS against the formula
#   ids + parameters + optimizer state = 4·tokens + 4·params·(1 + 1 + 2)   bytes
# (weights, gradients, Adam's two moments), and rows/s, which should not fall
# with size.  With --big, also one epoch over a 10-million-line corpus (sst2
# repeated and shuffled) on 1 and on 2 threads: epoch rows/s of each, their
# ratio (goal >= 1.8x; 272k rows/s was one thread before threads existed) and
# peak RSS of 2 threads against 1 (goal <= 1.2x); the models must be equal.
# BIG_LINES sets the big corpus's rows for a try at small scale (default
# 10035001, sst2 149 times, the corpus of the 272k rows/s).
#   scripts/bench_scale.sh [--quick] [--big]
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
echo "OpenBLAS: $("$bin" --version | sed -n 's/.*(\(.*\))/\1/p'); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
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
    # default: sst2 149 times (10,035,001 rows), the corpus the 272k rows/s was measured on
    lines=${BIG_LINES:-10035001}
    f="$out/sst2_10m.csv"
    [ "$lines" = 10035001 ] || f="$out/sst2_big_$lines.csv"
    per=$(($(wc -l <"$src") - 1))
    [ -s "$f" ] || { head -n 1 "$src"; i=0; while [ $((i * per)) -lt "$lines" ]; do tail -n +2 "$src"; i=$((i + 1)); done |
        head -n "$lines" | awk 'BEGIN { srand(1) } { printf "%.9f\t%s\n", rand(), $0 }' | sort -k1,1 -S 1G | cut -f2-; } >"$f"
    for t in 1 2; do
        /usr/bin/time -v "$bin" train configs/sst2.yaml -o "$out/big$t.bin" --set data.train="$f" --set data.valid='' \
            --set data.test='' --set train.epochs=1 --set train.threads=$t >"$out/big$t.log" 2>&1
        echo "--- $t thread(s)"
        grep -E '^(train|epoch)|Maximum resident|Elapsed|Major' "$out/big$t.log"
    done
    r1=$(awk '$1 == "epoch" {print $(NF - 1)}' "$out/big1.log")
    r2=$(awk '$1 == "epoch" {print $(NF - 1)}' "$out/big2.log")
    m1=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/big1.log")
    m2=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/big2.log")
    same=$(cmp -s "$out/big1.bin" "$out/big2.bin" && echo yes || echo no)
    echo "$r1 $r2 $m1 $m2 $same" | awk '{printf "big epoch: 2 threads / 1 = %.2fx rows/s (%d vs %d; vs 272k: %.2fx), " \
        "peak RSS 2 / 1 = %.2f (%.0f vs %.0f MB), same model: %s\n", $2 / $1, $2, $1, $2 / 272000, $4 / $3, $4 / 1024,
        $3 / 1024, $5}'
fi
