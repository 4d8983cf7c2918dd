#!/bin/sh
# fastText on its own ground: sst2, average pool over words + word bigrams +
# character 3..6-grams hashed into 2M buckets, dim 10, 5 epochs, SGD with
# linear decay, one example per step (configs/sst2_bigram.yaml), against
# `fasttext supervised` with the same features, dimension, epochs, learning rate
# and bucket count, at 1 and 2 threads.  The programs alternate (textclf,
# fastText, textclf, fastText) and each row is the faster of its two runs.
# Prints wall time, rows/s, test accuracy, peak RSS and model size, and
# textclf / fastText ratios.  At 2 threads textclf also runs with
# train.hogwild (lock-free like fastText; batch 1 is one shard, so the
# deterministic threads leave this recipe on one thread).
#                                    scripts/bench_fasttext.sh [--quick]
set -eu
cd "$(dirname "$0")/.."
build=${TEXTCLF_BUILD:-build}
bin=$build/textclf
out=bench-out/fasttext
mkdir -p "$out"
reps=2
[ "${1:-}" = "--quick" ] && reps=1
command -v fasttext >/dev/null || { echo "bench_fasttext: installing fasttext" >&2; apt-get install -y -qq fasttext >/dev/null; }
data=../shared/data/sst2
# fastText input: "__label__X text" (csvtool-free: python's csv module)
for s in train test; do
    [ -s "$out/$s.txt" ] || /usr/bin/python3 - "$data/$s.csv" "$out/$s.txt" <<'PY'
import csv, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f, open(sys.argv[2], 'w', encoding='utf-8') as o:
    r = csv.reader(f); h = next(r); li, ti = h.index('label'), h.index('text')
    for row in r:
        o.write('__label__' + row[li] + ' ' + ' '.join(row[ti].split()) + '\n')
PY
done
rows=$(wc -l <"$out/train.txt")
field() { sed -n "s/.*$1 *\([0-9.]*\).*/\1/p" "$2" | tail -n 1; }
secs() { sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): \([0-9]*\):\([0-9.]*\)/\1 \2/p' "$1" | awk '{print $1 * 60 + $2}'; }
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1" | awk '{printf "%.0f", $1 / 1024}'; }

echo "OpenBLAS: $("$bin" --version | sed -n 's/.*(\(.*\))/\1/p'); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %7s %8s %10s %9s %8s %9s\n' program threads train_s rows/s test_acc rss_MB model_MB
for t in 1 2; do
    best_tc=999999 best_ft=999999
    r=0
    while [ $r -lt $reps ]; do
        /usr/bin/time -v "$bin" train configs/sst2_bigram.yaml -o "$out/tc.bin" --set train.threads=$t \
            --set data.valid='' --set data.test='' -q >"$out/tc.log" 2>&1
        s=$(secs "$out/tc.log"); [ "$(echo "$s < $best_tc" | bc)" = 1 ] && { best_tc=$s; cp "$out/tc.log" "$out/tc.best"; }
        /usr/bin/time -v fasttext supervised -input "$out/train.txt" -output "$out/ft" -dim 10 -epoch 5 -lr 0.1 \
            -wordNgrams 2 -minn 3 -maxn 6 -bucket 2000000 -thread $t -verbose 0 >"$out/ft.log" 2>&1
        s=$(secs "$out/ft.log"); [ "$(echo "$s < $best_ft" | bc)" = 1 ] && { best_ft=$s; cp "$out/ft.log" "$out/ft.best"; }
        r=$((r + 1))
    done
    tc_acc=$("$bin" eval "$out/tc.bin" "$data/test.csv" --json | sed -n 's/.*"accuracy": *\([0-9.]*\).*/\1/p' | head -n 1)
    ft_acc=$(fasttext test "$out/ft.bin" "$out/test.txt" | awk '$1 == "P@1" {print $2}')
    printf '%-9s %7d %8.2f %10.0f %9.4f %8s %9.1f\n' textclf $t "$best_tc" "$(echo "$rows * 5 / $best_tc" | bc -l)" \
        "$tc_acc" "$(rss "$out/tc.best")" "$(du -m "$out/tc.bin" | cut -f1)"
    printf '%-9s %7d %8.2f %10.0f %9.4f %8s %9.1f\n' fastText $t "$best_ft" "$(echo "$rows * 5 / $best_ft" | bc -l)" \
        "$ft_acc" "$(rss "$out/ft.best")" "$(du -m "$out/ft.bin" | cut -f1)"
    echo "$best_tc $best_ft" | awk -v t=$t '{printf "ratio textclf / fastText, %d thread(s): train time %.2f\n", t, $1 / $2}'
    [ $t = 2 ] || continue
    best_hw=999999 r=0
    while [ $r -lt $reps ]; do
        /usr/bin/time -v "$bin" train configs/sst2_bigram.yaml -o "$out/hw.bin" --set train.threads=2 \
            --set train.hogwild=true --set data.valid='' --set data.test='' -q >"$out/hw.log" 2>&1
        s=$(secs "$out/hw.log"); [ "$(echo "$s < $best_hw" | bc)" = 1 ] && { best_hw=$s; cp "$out/hw.log" "$out/hw.best"; }
        r=$((r + 1))
    done
    hw_acc=$("$bin" eval "$out/hw.bin" "$data/test.csv" --json | sed -n 's/.*"accuracy": *\([0-9.]*\).*/\1/p' | head -n 1)
    printf '%-9s %7d %8.2f %10.0f %9.4f %8s %9.1f\n' textclf-hw $t "$best_hw" "$(echo "$rows * 5 / $best_hw" | bc -l)" \
        "$hw_acc" "$(rss "$out/hw.best")" "$(du -m "$out/hw.bin" | cut -f1)"
    echo "$best_hw $best_ft" | awk '{printf "ratio textclf hogwild / fastText, 2 threads: train time %.2f\n", $1 / $2}'
done
