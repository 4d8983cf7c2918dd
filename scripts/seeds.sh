#!/bin/sh
# The README's accuracies, measured honestly: each shipped config trained with
# train.seed 1, 2 and 3, its test metric (accuracy; macro-F1 for multi-label
# configs, from `textclf eval --json`), and the mean and range over the three,
# with the OpenBLAS core that ran them.  Numbers move with the BLAS kernel
# (kernels round differently, and a few hundred steps carry that into the
# weights), most on small corpora: a newcomer's run on another CPU should land
# inside the range, or near it for the smallest sets.
#
# Usage: scripts/seeds.sh [CONFIG...]   (default: every configs/*.yaml but demo)
# Prints a Markdown table; models go to a temporary folder.
set -eu
cd "$(dirname "$0")/.."
TEXTCLF=${TEXTCLF:-build/textclf}
[ -x "$TEXTCLF" ] || { echo "seeds: build first (make)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/textclf-seeds.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[ $# -gt 0 ] || set -- $(ls configs/*.yaml | grep -v '/demo.yaml$')
core=$("$TEXTCLF" --version | sed -n 's/.*core \([A-Za-z0-9]*\).*/\1/p')
echo "OpenBLAS core: $core; $(nproc) cores; $(date -u +%Y-%m-%d)"
echo
echo "| config | metric | seed 1 | seed 2 | seed 3 | mean | range | train s (seed 1) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for cfg in "$@"; do
    name=$(basename "$cfg" .yaml)
    vals="" secs=""
    metric=accuracy
    for seed in 1 2 3; do
        t0=$(date +%s.%N)
        "$TEXTCLF" train "$cfg" --set train.seed=$seed -o "$tmp/$name.bin" -q --set data.test= >"$tmp/log" 2>&1 || {
            echo "seeds: $cfg seed $seed failed: $(tail -n 3 "$tmp/log")" >&2
            exit 1
        }
        t1=$(date +%s.%N)
        [ -n "$secs" ] || secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
        test=$(sed -n 's/^  test: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$cfg" | head -n 1)
        test=$(TEXTCLF_DATA=${TEXTCLF_DATA:-$PWD/../shared/data} sh -c "cd configs && echo $test")
        case "$test" in /*) ;; *) test="configs/$test" ;; esac
        "$TEXTCLF" eval "$tmp/$name.bin" "$test" --json >"$tmp/eval.json" 2>/dev/null
        if grep -q '"task":"multilabel"' "$tmp/eval.json"; then
            metric=macro_f1
            v=$(sed -n 's/.*"macro":{[^}]*"f1":\([0-9.]*\).*/\1/p' "$tmp/eval.json" | head -n 1)
        else
            v=$(sed -n 's/.*"accuracy": *\([0-9.]*\).*/\1/p' "$tmp/eval.json" | head -n 1)
        fi
        vals="$vals $v"
    done
    echo "$vals" | awk -v n="$name" -v m="$metric" -v s="$secs" '{
        lo = $1; hi = $1; sum = 0
        for (i = 1; i <= NF; i++) { sum += $i; if ($i < lo) lo = $i; if ($i > hi) hi = $i }
        printf "| %s | %s | %.4f | %.4f | %.4f | %.4f | %.4f–%.4f | %s |\n", n, m, $1, $2, $3, sum / NF, lo, hi, s
    }'
done
