#!/bin/sh
# Small models: textclf quantize against fastText's quantize, same run.
#
# sst2 (configs/sst2_bigram.yaml, the float model) quantized six ways — int8;
# product quantization (--pq, dsub 2); PQ with --cutoff 100000 (fastText's
# setting); PQ dsub 5 with --cutoff 60000 (aiming at <= 1 MB), without and
# with --retrain (fine-tuning after pruning, as fastText's -retrain); and
# --cutoff 100000 --retrain with int8 — against
# `fasttext supervised -wordNgrams 2` (its defaults otherwise: dim 100, 2M
# buckets) and `fasttext quantize -qnorm -retrain -cutoff 100000`, both on the
# same lower-cased, punctuation-split text, 2 threads.  For each model: file
# size, test accuracy, quantize time, predict lines/s over the test texts
# repeated 20 times, and first-line latency (process start to the first
# answer, best of 3).  Then the LSTM's int8 inference three ways (lstm_int8.c).
# Then (not with --quick) ag_news_small, chnsenticorp and
# goemotions: training peak RSS, and float vs int8 vs PQ (dsub 4, 16, and 4
# with a quarter of the rows kept, without and with --retrain) size, accuracy /
# macro-F1 and size ratio.  Numbers go to stdout and bench-out/quantize/.
#                                   scripts/bench_quantize.sh [--quick]
set -eu
cd "$(dirname "$0")/.."
build=${TEXTCLF_BUILD:-build}
bin=$build/textclf
out=bench-out/quantize
mkdir -p "$out"
quick=0
[ "${1:-}" = "--quick" ] && quick=1
command -v fasttext >/dev/null || { echo "bench_quantize: installing fasttext" >&2; apt-get install -y -qq fasttext >/dev/null; }
data=../shared/data

now() { date +%s.%N; }
bytes() { wc -c <"$1" | tr -d ' '; }
acc_of() { "$bin" eval "$1" "$2" --json | sed -n 's/^{.*"accuracy":\([0-9.e-]*\).*/\1/p' | head -n 1; }
f1_of() { "$bin" eval "$1" "$2" --json | sed -n 's/^{.*"macro":{[^}]*"f1":\([0-9.e-]*\).*/\1/p' | head -n 1; }
# lines/s of `predict` over $texts (N lines)
lps() {
    t0=$(now); "$@" >/dev/null; t1=$(now)
    echo "$t0 $t1 $nlines" | awk '{printf "%.0f", $3 / ($2 - $1)}'
}
# first-line latency in ms, best of 3: start, load, one answer
first() {
    best=999999
    for i in 1 2 3; do
        t0=$(now); head -n 1 "$texts" | "$@" >/dev/null; t1=$(now)
        best=$(echo "$t0 $t1 $best" | awk '{d = ($2 - $1) * 1000; print d < $3 ? d : $3}')
    done
    printf '%.1f' "$best"
}

# ---- sst2 ---------------------------------------------------------------
for s in train test; do
    [ -s "$out/$s.txt" ] || /usr/bin/python3 - "$data/sst2/$s.csv" "$out/$s.txt" <<'PY'
import csv, re, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f, open(sys.argv[2], 'w', encoding='utf-8') as o:
    r = csv.reader(f); h = next(r); li, ti = h.index('label'), h.index('text')
    for row in r:  # lower-cased, punctuation split off (as textclf's tokenizer with keep_punct)
        t = re.sub(r"([^\w\s'])", r' \1 ', row[ti].lower())
        o.write('__label__' + row[li] + ' ' + ' '.join(t.split()) + '\n')
PY
done
texts=$out/texts.txt
: >"$texts"
for i in $(seq 20); do sed 's/^__label__[^ ]* //' "$out/test.txt" >>"$texts"; done
nlines=$(wc -l <"$texts")
test_csv=$data/sst2/test.csv

echo "sst2: float model (configs/sst2_bigram.yaml) and fastText -wordNgrams 2, then quantized; shared noisy machine"
"$bin" train configs/sst2_bigram.yaml -o "$out/sst2.bin" -q 2>/dev/null
t0=$(now)
fasttext supervised -input "$out/train.txt" -output "$out/ft" -wordNgrams 2 -thread 2 -verbose 0 >/dev/null 2>&1
t1=$(now)
echo "fastText supervised: $(echo "$t0 $t1" | awk '{printf "%.1f", $2 - $1}') s"

# Speed is measured in pairs, the float model right before each quantized one,
# and reported as quantized / float ratios (the machine's load drifts).
printf '%-26s %11s %9s %10s %10s %10s %8s %8s\n' model bytes test_acc quant_s lines/s first_ms lps_q/f first_q/f
row() { printf '%-26s %11s %9.4f %10s %10s %10s %8s %8s\n' "$@"; }
row "textclf float" "$(bytes "$out/sst2.bin")" "$(acc_of "$out/sst2.bin" "$test_csv")" - \
    "$(lps "$bin" predict "$out/sst2.bin" "$texts")" "$(first "$bin" predict "$out/sst2.bin")" - -
for mode in int8 pq pq_cut100k pq5_cut60k pq5_cut60k_rt int8_cut100k_rt; do
    case $mode in
    int8) a="" ;;
    pq) a="--pq" ;;
    pq_cut100k) a="--pq --cutoff 100000" ;;
    pq5_cut60k) a="--pq --dsub 5 --cutoff 60000" ;;
    pq5_cut60k_rt) a="--pq --dsub 5 --cutoff 60000 --retrain" ;;
    int8_cut100k_rt) a="--cutoff 100000 --retrain" ;;
    esac
    t0=$(now)
    # shellcheck disable=SC2086
    "$bin" quantize "$out/sst2.bin" -o "$out/sst2_$mode.bin" $a -q
    t1=$(now)
    q=$(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}')
    fl=$(lps "$bin" predict "$out/sst2.bin" "$texts")
    ql=$(lps "$bin" predict "$out/sst2_$mode.bin" "$texts")
    ff=$(first "$bin" predict "$out/sst2.bin")
    qf=$(first "$bin" predict "$out/sst2_$mode.bin")
    row "textclf $mode" "$(bytes "$out/sst2_$mode.bin")" "$(acc_of "$out/sst2_$mode.bin" "$test_csv")" "$q" "$ql" "$qf" \
        "$(echo "$ql $fl" | awk '{printf "%.2f", $1 / $2}')" "$(echo "$qf $ff" | awk '{printf "%.2f", $1 / $2}')"
done
ft_acc() { fasttext test "$1" "$out/test.txt" | awk '$1 == "P@1" {print $2}'; }
row "fastText float" "$(bytes "$out/ft.bin")" "$(ft_acc "$out/ft.bin")" - \
    "$(lps fasttext predict "$out/ft.bin" "$texts")" "$(first fasttext predict "$out/ft.bin" -)" - -
t0=$(now)
fasttext quantize -input "$out/train.txt" -output "$out/ft" -qnorm -retrain -cutoff 100000 -thread 2 >/dev/null 2>&1
t1=$(now)
row "fastText .ftz" "$(bytes "$out/ft.ftz")" "$(ft_acc "$out/ft.ftz")" "$(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}')" \
    "$(lps fasttext predict "$out/ft.ftz" "$texts")" "$(first fasttext predict "$out/ft.ftz" -)" - -

# ---- LSTM int8 at inference: decoded once (float sgemm) vs int8 kept in memory,
# dequantized in blocks into sgemm, or an int8 kernel (scripts/bench/lstm_int8.c,
# built with the project's -O2); one BLAS thread; load shown, since it matters
echo
echo "LSTM int8 inference, one forward pass's products (load $(cut -d' ' -f1-3 /proc/loadavg)):"
cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Isrc $(pkg-config --cflags openblas) scripts/bench/lstm_int8.c \
    "$build/libtextclf.a" -o "$out/lstm_int8" $(pkg-config --libs openblas) -lm
"$out/lstm_int8" 32 64 128
[ $quick = 1 ] && exit 0

# ---- other corpora: size ratio and accuracy (macro-F1 for goemotions) -----
echo
echo "float vs quantized (int8; PQ dsub 4 and 16; PQ dsub 4 keeping a quarter of the rows);"
echo "ratio = float bytes / quantized bytes"
echo "metric: test accuracy (goemotions: macro-F1)"
printf '%-14s %-36s %11s %7s %9s %9s\n' corpus model bytes ratio metric delta_pt
for c in ag_news_small chnsenticorp goemotions; do
    /usr/bin/time -v "$bin" train "configs/$c.yaml" -o "$out/$c.bin" -q 2>"$out/$c.time" >/dev/null
    m=acc_of; [ $c = goemotions ] && m=f1_of
    fb=$(bytes "$out/$c.bin")
    fm=$($m "$out/$c.bin" "$data/$c/test.csv")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/$c.time" | awk '{printf "%.0f", $1 / 1024}')
    printf '%-14s %-36s %11s %7s %9.4f %9s   (training peak RSS %s MB)\n' $c float "$fb" 1.0 "$fm" - "$rss"
    rows=$("$bin" info "$out/$c.bin" | sed -n 's/^model: *embedding \([0-9]*\) x.*/\1/p')
    for mode in int8 pq4 pq16 pq4_cut pq4_cut_rt; do
        case $mode in
        int8) a="" ;;
        pq4) a="--pq --dsub 4" ;;
        pq16) a="--pq --dsub 16" ;;
        pq4_cut) a="--pq --dsub 4 --cutoff $((rows / 4))" ;;
        pq4_cut_rt) a="--pq --dsub 4 --cutoff $((rows / 4)) --retrain" ;;
        esac
        # shellcheck disable=SC2086
        "$bin" quantize "$out/$c.bin" -o "$out/${c}_$mode.bin" $a -q
        qb=$(bytes "$out/${c}_$mode.bin")
        qm=$($m "$out/${c}_$mode.bin" "$data/$c/test.csv")
        printf '%-14s %-36s %11s %7.1f %9.4f %+9.2f\n' $c "$mode $a" "$qb" "$(echo "$fb $qb" | awk '{print $1 / $2}')" \
            "$qm" "$(echo "$qm $fm" | awk '{print ($1 - $2) * 100}')"
    done
done
