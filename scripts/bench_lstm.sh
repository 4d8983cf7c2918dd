#!/bin/sh
# LSTM speed: textclf against PyTorch on the same data, architecture and thread
# count, in one run (configs/sst2_lstm.yaml: embedding 64, LSTM 128, batch 64,
# Adam, maxlen 64, sst2).  Prints seconds per epoch, tokens/s, test accuracy and
# peak RSS for each program, the ratio, and the LSTM layer's GFLOP/s next to
# cblas_sgemm's at the same shapes.
#   scripts/bench_lstm.sh [--quick]      (env: THREADS=2 EPOCHS=2)
set -eu
cd "$(dirname "$0")/.."
threads=${THREADS:-2}
epochs=${EPOCHS:-2}
[ "${1:-}" = "--quick" ] && epochs=1
out=bench-out/lstm
mkdir -p "$out"
build=${TEXTCLF_BUILD:-build}
bin=$build/textclf
command -v /usr/bin/time >/dev/null || { echo "bench_lstm: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo "bench_lstm: installing python3-torch" >&2
    apt-get install -y -qq python3-torch >/dev/null
fi
cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Isrc $(pkg-config --cflags openblas) scripts/bench/lstm_flops.c \
    "$build/libtextclf.a" -o "$out/lstm_flops" $(pkg-config --libs openblas) -lm

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "OpenBLAS: $("$bin" --version | sed -n 's/.*(\(.*\))/\1/p'); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "threads: $threads, epochs: $epochs, data: ../shared/data/sst2"

rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1" | awk '{printf "%.0f", $1 / 1024}'; }

# textclf
/usr/bin/time -v "$bin" train configs/sst2_lstm.yaml -o "$out/textclf.bin" --set train.threads="$threads" \
    --set train.epochs="$epochs" --set data.valid='' >"$out/textclf.log" 2>&1
tc_secs=$(awk '$1 == "epoch" {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+s$/) {s += $i; n++}} END {printf "%.1f", s / n}' "$out/textclf.log")
tc_tokens=$(sed -n 's/^train: .* rows, \([0-9]*\) tokens.*/\1/p' "$out/textclf.log")
tc_acc=$(sed -n 's/^test: .*accuracy \([0-9.]*\)/\1/p' "$out/textclf.log")
tc_rss=$(rss "$out/textclf.log")

# PyTorch at its best settings: 1 thread, and 2 threads with passive OpenMP waiting
for t in 1 "$threads"; do
    OMP_WAIT_POLICY=passive /usr/bin/time -v /usr/bin/python3 scripts/bench/lstm_torch.py \
        --train ../shared/data/sst2/train.csv --test ../shared/data/sst2/test.csv --epochs "$epochs" \
        --threads "$t" --bucket >"$out/torch$t.json" 2>"$out/torch$t.time"
    [ "$t" = 1 ] && [ "$threads" = 1 ] && break
done

field() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$1"; }
torch_secs() { sed -n 's/.*"epoch_seconds": \[\([^]]*\)\].*/\1/p' "$1" | tr ',' '\n' | awk '{s += $1; n++} END {printf "%.1f", s / n}'; }

printf '\n%-22s %7s %9s %10s %9s %8s\n' program threads s/epoch tokens/s test_acc rss_MB
printf '%-22s %7s %9s %10.0f %9s %8s\n' textclf "$threads" "$tc_secs" "$(echo "$tc_tokens $tc_secs" | awk '{print $1 / $2}')" "$tc_acc" "$tc_rss"
best=""
for t in 1 "$threads"; do
    f="$out/torch$t.json"
    [ -s "$f" ] || continue
    s=$(torch_secs "$f")
    printf '%-22s %7s %9s %10.0f %9.4f %8s\n' "pytorch $(field "$f" torch)" "$t" "$s" "$(field "$f" tokens_per_s)" \
        "$(field "$f" test_accuracy)" "$(rss "$out/torch$t.time")"
    [ -z "$best" ] && best=$s
    best=$(echo "$best $s" | awk '{print ($2 < $1) ? $2 : $1}')
    [ "$t" = 1 ] && [ "$threads" = 1 ] && break
done
echo "$tc_secs $best" | awk '{printf "epoch time ratio textclf / best pytorch: %.2f\n", $1 / $2}'

# achieved GFLOP/s of the LSTM layer against sgemm at the same shapes (B 64, T 32, I 64, H 128)
"$out/lstm_flops" 64 32 64 128 1 | tee "$out/flops.json" | awk -F'"' '{print}' |
    sed -n 's/.*"corename": "\([^"]*\)".*"weighted_peak": \([0-9.]*\).*"lstm_gflops": \([0-9.]*\), "fraction_of_peak": \([0-9.]*\).*/openblas core \1, 1 thread: sgemm at LSTM shapes \2 GFLOP\/s; LSTM forward+backward \3 GFLOP\/s (\4 of it)/p'
