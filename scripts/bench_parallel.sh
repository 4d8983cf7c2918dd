#!/bin/sh
# make bench: data-parallel training (run by scripts/bench.sh).
#
#   1. 2 threads against 1 (train.threads), same config, runs alternating,
#      best of N wall times each: configs/sst2.yaml, configs/sst2_lstm.yaml and
#      configs/sst2_bigram.yaml — the last as configured (batch 1 = one shard,
#      so deterministic threads cannot help it) and with train.hogwild.  Test
#      accuracy of each, and whether 1 and 2 threads gave the same bytes.
#      Goal: >= 1.8x at the same accuracy (+-0.3 pt).
#   2. mpirun -n 2 against one process (1 thread each; build-mpi/textclf from
#      make MPI=1), sst2 and sst2_lstm.  Goal: >= 1.7x.  With -v textclf
#      prints the bytes one process receives per step (docs/scaling.md).
# The machine is shared: read the ratios of one run, not absolute times.
# Usage: sh scripts/bench_parallel.sh [--quick]
set -eu
cd "$(dirname "$0")/.."
T=${TEXTCLF_BUILD:-build}/textclf
M=build-mpi/textclf
quick=0
[ "${1:-}" = "--quick" ] && quick=1
reps=$([ $quick = 1 ] && echo 1 || echo 2)
W=$(mktemp -d /tmp/bench_parallel.XXXXXX)
trap 'rm -rf "$W"' EXIT
[ -x "$M" ] || make --no-print-directory MPI=1 >/dev/null
echo "OpenBLAS: $("$T" --version | sed -n 's/.*(\(.*\))/\1/p'); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# run OUT CMD...: wall seconds of CMD (its stderr kept in OUT)
run() {
    out=$1
    shift
    s=$(date +%s.%N)
    "$@" >"$out" 2>&1 || { echo "FAILED: $*"; cat "$out"; exit 1; }
    e=$(date +%s.%N)
    echo "$s $e" | awk '{printf "%.3f", $2 - $1}'
}
min() { echo "$1 $2" | awk '{print ($1 < $2 ? $1 : $2)}'; }
acc() { sed -n 's/^test: .*accuracy \([0-9.]*\).*/\1/p' "$1" | tail -n 1; }

# compare NAME CONFIG ARGS...: 1 vs 2 threads
compare() {
    name=$1 cfg=$2
    shift 2
    b1=1e9 b2=1e9 r=0
    while [ $r -lt $reps ]; do
        t=$(run "$W/$name.1.log" "$T" train "$cfg" -o "$W/$name.1.bin" --set train.threads=1 "$@"); b1=$(min "$t" "$b1")
        t=$(run "$W/$name.2.log" "$T" train "$cfg" -o "$W/$name.2.bin" --set train.threads=2 "$@"); b2=$(min "$t" "$b2")
        r=$((r + 1))
    done
    same=$(cmp -s "$W/$name.1.bin" "$W/$name.2.bin" && echo yes || echo no)
    printf '%-22s %8.2f %8.2f %7.2f %9s %9s %6s\n' "$name" "$b1" "$b2" "$(echo "$b1 $b2" | awk '{print $1 / $2}')" \
        "$(acc "$W/$name.1.log")" "$(acc "$W/$name.2.log")" "$same"
}

echo
echo "train: 1 vs 2 threads (wall s, best of $reps; test accuracy)"
printf '%-22s %8s %8s %7s %9s %9s %6s\n' config 1_thread 2_threads speedup acc_1 acc_2 bytes=
compare sst2 configs/sst2.yaml --set data.valid=
lstm_epochs=$([ $quick = 1 ] && echo 1 || echo 3)
compare sst2_lstm configs/sst2_lstm.yaml --set data.valid= --set train.epochs=$lstm_epochs
compare sst2_bigram configs/sst2_bigram.yaml --set data.valid=
compare sst2_bigram_hogwild configs/sst2_bigram.yaml --set data.valid= --set train.hogwild=true

echo
echo "train: mpirun -n 2 vs one process (1 thread each; wall s, best of $reps)"
printf '%-22s %8s %8s %7s %6s %s\n' config 1_proc 2_procs speedup bytes= "received per step"
mpi="mpirun --allow-run-as-root --oversubscribe"
for c in sst2 sst2_lstm; do
    extra="--set data.valid= --set data.test= --set train.threads=1 -v"
    [ $c = sst2_lstm ] && extra="$extra --set train.epochs=1"
    b1=1e9 b2=1e9 r=0
    while [ $r -lt $reps ]; do
        # shellcheck disable=SC2086
        t=$(run "$W/m1.log" $mpi -n 1 "$M" train configs/$c.yaml -o "$W/m1.bin" $extra); b1=$(min "$t" "$b1")
        # shellcheck disable=SC2086
        t=$(run "$W/m2.log" $mpi -n 2 "$M" train configs/$c.yaml -o "$W/m2.bin" $extra); b2=$(min "$t" "$b2")
        r=$((r + 1))
    done
    same=$(cmp -s "$W/m1.bin" "$W/m2.bin" && echo yes || echo no)
    printf '%-22s %8.2f %8.2f %7.2f %6s %s\n' "$c" "$b1" "$b2" "$(echo "$b1 $b2" | awk '{print $1 / $2}')" "$same" \
        "$(sed -n 's/.*exchanges, \([0-9.]* KB\) received.*/\1/p' "$W/m2.log")"
done
