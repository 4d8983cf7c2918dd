#!/bin/sh
# make bench: data-parallel training (run by scripts/bench.sh).
#
#   1. 2 threads against 1 (train.threads), same config, runs alternating,
#      best of N wall times each: configs/sst2.yaml, configs/sst2_lstm.yaml and
#      configs/sst2_bigram.yaml — the last as configured (batch 1 = one shard,
#      so deterministic threads cannot help it) and with train.hogwild.  Test
#      accuracy of each, and whether 1 and 2 threads gave the same bytes.
#      Goal: >= 1.8x at the same accuracy (+-0.3 pt).  Two ratios: the whole
#      command (wall) and the epochs alone (the sum of output.metrics'
#      "seconds", i.e. without reading, tokenizing and testing, which stay on
#      one thread), and CPU seconds (user + sys) of each, which the load of
#      other jobs does not inflate: 2-thread CPU near 1-thread CPU means the
#      threads add little work, however the wall times come out.
#   2. mpirun -n 2 against one process (1 thread each; build-mpi/textclf from
#      make MPI=1), sst2 and sst2_lstm.  Goal: >= 1.7x.  With -v textclf
#      prints the bytes one process receives per step (docs/scaling.md).
# The machine is shared: read the ratios of one run, not absolute times.
# Usage: sh scripts/bench_parallel.sh [--quick]
#   (BENCH_TRAIN=FILE trains on FILE instead of sst2's train.csv: a try at small size)
set -eu
cd "$(dirname "$0")/.."
T=${TEXTCLF_BUILD:-build}/textclf
M=build-mpi/textclf
quick=0
[ "${1:-}" = "--quick" ] && quick=1
reps=$([ $quick = 1 ] && echo 1 || echo 2)
W=$(mktemp -d /tmp/bench_parallel.XXXXXX)
trap 'rm -rf "$W"' EXIT
data=""
[ -n "${BENCH_TRAIN:-}" ] && data="--set data.train=$BENCH_TRAIN"
[ -x "$M" ] || make --no-print-directory MPI=1 >/dev/null
echo "OpenBLAS: $("$T" --version | sed -n 's/.*(\(.*\))/\1/p'); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# run OUT CMD...: wall seconds of CMD (its output kept in OUT, /usr/bin/time's
# CPU seconds in OUT.cpu)
run() {
    out=$1
    shift
    s=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$out.cpu" "$@" >"$out" 2>&1 || { echo "FAILED: $*"; cat "$out"; exit 1; }
    e=$(date +%s.%N)
    echo "$s $e" | awk '{printf "%.3f", $2 - $1}'
}
min() { echo "$1 $2" | awk '{print ($1 < $2 ? $1 : $2)}'; }
acc() { sed -n 's/^test: .*accuracy \([0-9.]*\).*/\1/p' "$1" | tail -n 1; }
cpu() { awk '{print $1 + $2}' "$1.cpu"; }
# epochs METRICS: the training epochs' seconds, summed
epochs() { sed -n 's/.*"seconds":\([0-9.e+-]*\).*/\1/p' "$1" | awk '{s += $1} END {printf "%.3f", s}'; }

# compare NAME CONFIG ARGS...: 1 vs 2 threads
compare() {
    name=$1 cfg=$2
    shift 2
    b1=1e9 b2=1e9 e1=1e9 e2=1e9 c1=1e9 c2=1e9 r=0
    while [ $r -lt $reps ]; do
        for n in 1 2; do
            # shellcheck disable=SC2086
            t=$(run "$W/$name.$n.log" "$T" train "$cfg" -o "$W/$name.$n.bin" --set train.threads=$n \
                --set output.metrics="$W/$name.$n.jsonl" $data "$@")
            if [ $n = 1 ]; then
                b1=$(min "$t" "$b1") e1=$(min "$(epochs "$W/$name.1.jsonl")" "$e1") c1=$(min "$(cpu "$W/$name.1.log")" "$c1")
            else
                b2=$(min "$t" "$b2") e2=$(min "$(epochs "$W/$name.2.jsonl")" "$e2") c2=$(min "$(cpu "$W/$name.2.log")" "$c2")
            fi
        done
        r=$((r + 1))
    done
    same=$(cmp -s "$W/$name.1.bin" "$W/$name.2.bin" && echo yes || echo no)
    printf '%-22s %7.2f %7.2f %6.2f | %7.2f %7.2f %6.2f | %6.2f %6.2f | %7s %7s %5s\n' "$name" \
        "$b1" "$b2" "$(echo "$b1 $b2" | awk '{print $1 / $2}')" \
        "$e1" "$e2" "$(echo "$e1 $e2" | awk '{print $1 / ($2 > 0 ? $2 : 1e-9)}')" "$c1" "$c2" \
        "$(acc "$W/$name.1.log")" "$(acc "$W/$name.2.log")" "$same"
}

echo
echo "train: 1 vs 2 threads (best of $reps each: whole command wall s | epochs alone s | CPU s; test accuracy)"
printf '%-22s %7s %7s %6s | %7s %7s %6s | %6s %6s | %7s %7s %5s\n' config wall_1 wall_2 ratio \
    epoch_1 epoch_2 ratio cpu_1 cpu_2 acc_1 acc_2 same
compare sst2 configs/sst2.yaml --set data.valid=
lstm_epochs=$([ $quick = 1 ] && echo 1 || echo 3)
compare sst2_lstm configs/sst2_lstm.yaml --set data.valid= --set train.epochs=$lstm_epochs
compare sst2_bigram configs/sst2_bigram.yaml --set data.valid=
compare sst2_bigram_hogwild configs/sst2_bigram.yaml --set data.valid= --set train.hogwild=true

echo
echo "train: mpirun -n 2 vs one process (1 thread each; best of $reps: whole command wall s | epochs alone s)"
printf '%-22s %7s %7s %6s | %7s %7s %6s | %5s %s\n' config wall_1 wall_2 ratio epoch_1 epoch_2 ratio same \
    "received per step"
mpi="mpirun --allow-run-as-root --oversubscribe"
for c in sst2 sst2_lstm; do
    extra="--set data.valid= --set data.test= --set train.threads=1 -v $data"
    [ $c = sst2_lstm ] && extra="$extra --set train.epochs=1"
    b1=1e9 b2=1e9 e1=1e9 e2=1e9 r=0
    while [ $r -lt $reps ]; do
        # shellcheck disable=SC2086
        t=$(run "$W/m1.log" $mpi -n 1 "$M" train configs/$c.yaml -o "$W/m1.bin" --set output.metrics="$W/m1.jsonl" $extra)
        b1=$(min "$t" "$b1") e1=$(min "$(epochs "$W/m1.jsonl")" "$e1")
        # shellcheck disable=SC2086
        t=$(run "$W/m2.log" $mpi -n 2 "$M" train configs/$c.yaml -o "$W/m2.bin" --set output.metrics="$W/m2.jsonl" $extra)
        b2=$(min "$t" "$b2") e2=$(min "$(epochs "$W/m2.jsonl")" "$e2")
        r=$((r + 1))
    done
    same=$(cmp -s "$W/m1.bin" "$W/m2.bin" && echo yes || echo no)
    printf '%-22s %7.2f %7.2f %6.2f | %7.2f %7.2f %6.2f | %5s %s\n' "$c" "$b1" "$b2" \
        "$(echo "$b1 $b2" | awk '{print $1 / $2}')" "$e1" "$e2" "$(echo "$e1 $e2" | awk '{print $1 / ($2 > 0 ? $2 : 1e-9)}')" \
        "$same" "$(sed -n 's/.*exchanges, \([0-9.]* KB\) received.*/\1/p' "$W/m2.log")"
done
