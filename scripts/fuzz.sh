#!/bin/sh
# Runs every libFuzzer target in FUZZ_BUILD for SECONDS each under
# ASan+UBSan (LeakSanitizer included), several at once when there are several
# cores, and prints one line per target: executions, corpus size, crashes.
# Exits 1 if any target found a crash, a leak, a sanitizer report or a hang;
# the input that did it is saved as FUZZ_BUILD/crash/TARGET-* and the line
# printed shows how to replay it.
#
# Usage: scripts/fuzz.sh FUZZ_BUILD [SECONDS] [TEXTCLF]
#   TEXTCLF (a normal build of textclf), when given, trains a few tiny models
#   that join the checkpoint targets' seeds, so the seeds always match the
#   current model format.
# Environment: FUZZ_JOBS (targets at once; default: the number of cores).
#
# Seeds come from tests/fuzz/corpus/TARGET (committed; the two checkpoint
# targets share tests/fuzz/corpus/checkpoint) and from FUZZ_BUILD/seeds
# (made by this run: tiny models, and whatever a target's
# LLVMFuzzerInitialize writes to $TC_FUZZ_SEED_DIR); what a run discovers
# accumulates in FUZZ_BUILD/corpus/TARGET (not committed) for the next local run.
set -u
build=${1:?usage: scripts/fuzz.sh FUZZ_BUILD [SECONDS] [TEXTCLF]}
secs=${2:-60}
textclf=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
export OPENBLAS_NUM_THREADS=1
# every sanitizer report is fatal; leaks count
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

targets=$(ls "$build"/fuzz_* 2>/dev/null | grep -v '\.d$')
[ -n "$targets" ] || { echo "fuzz.sh: no targets in $build (run 'make fuzz-build')" >&2; exit 1; }
mkdir -p "$build/crash" "$build/log" "$build/corpus" "$build/seeds"

# Fresh tiny models in the current format (see the top of this file).
if [ -n "$textclf" ] && [ -x "$textclf" ]; then
    s="$build/seeds/models"
    mkdir -p "$s"
    printf 'label,text\na,x y\nb,y z\na,x x\nb,z z\n' >"$s/tiny.csv"
    printf 'labels,text\na|b,x y\nb,y z\na|c,x x\n' >"$s/multi.csv"
    printf 'data:\n  train: %s/tiny.csv\npad:\n  maxlen: 4\nmodel:\n  embedding_dim: 2\ntrain:\n  epochs: 1\n' \
        "$s" >"$s/tiny.yaml"
    printf 'data:\n  train: %s/multi.csv\n  label_column: labels\n  label_separator: "|"\npad:\n  maxlen: 3\nmodel:\n  embedding_dim: 2\n  hidden: [2]\ntrain:\n  epochs: 1\n' \
        "$s" >"$s/multi.yaml"
    "$textclf" train "$s/tiny.yaml" -q -o "$s/gap.bin" 2>/dev/null
    "$textclf" train "$s/tiny.yaml" -q -o "$s/lstm.bin" --set model.encoder=lstm --set model.lstm.units=2 \
        --set model.lstm.bidirectional=true --set model.lstm.output=max 2>/dev/null
    "$textclf" train "$s/multi.yaml" -q -o "$s/multi.bin" 2>/dev/null
    # quantized (QUAN) and compact-feature (FEAT) models
    "$textclf" train "$s/tiny.yaml" -q -o "$s/ngram.bin" --set tokenizer.ngrams=2 --set tokenizer.buckets=16 2>/dev/null
    "$textclf" quantize "$s/ngram.bin" -q -o "$s/ngram_int8.bin" 2>/dev/null
    "$textclf" quantize "$s/ngram.bin" -q -o "$s/ngram_pq.bin" --pq --dsub 1 --cutoff 3 2>/dev/null
    "$textclf" quantize "$s/lstm.bin" -q -o "$s/lstm_int8.bin" 2>/dev/null
    rm -f "$s"/*.csv "$s"/*.yaml
fi

# run_one TARGET: fuzzes it, writes the log, prints the summary line
run_one() {
    bin=$1
    name=$(basename "$bin")
    short=${name#fuzz_}
    seeds="tests/fuzz/corpus/$short"
    case $short in checkpoint*) seeds="tests/fuzz/corpus/checkpoint" ;; esac
    work="$build/corpus/$short"
    # targets that can make real inputs themselves (LLVMFuzzerInitialize) write them here
    made="$build/seeds/$short"
    mkdir -p "$work" "$made" "$seeds"
    set -- "$work" "$seeds" "$made"
    case $short in checkpoint*) [ -d "$build/seeds/models" ] && set -- "$@" "$build/seeds/models" ;; esac
    dict=""
    [ -f "tests/fuzz/$short.dict" ] && dict="-dict=tests/fuzz/$short.dict"
    case $short in checkpoint*) dict="-dict=tests/fuzz/checkpoint.dict" ;; esac
    log="$build/log/$short.log"
    # shellcheck disable=SC2086
    TC_FUZZ_SEED_DIR="$made" "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$build/crash/$short-" $dict "$@" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    files=$(ls "$work" | wc -l)
    if [ "$rc" -eq 0 ]; then
        printf 'fuzz %-16s %4ss %10s execs %6s corpus files  0 crashes\n' "$short" "$secs" "${execs:-?}" "$files"
    else
        art=$(ls -t "$build/crash/$short-"* 2>/dev/null | head -n 1)
        printf 'fuzz %-16s %4ss %10s execs %6s corpus files  CRASH (exit %s): %s\n' "$short" "$secs" \
            "${execs:-?}" "$files" "$rc" "$(grep -m 1 -E 'ERROR|SUMMARY|property violated|runtime error' "$log")"
        printf '     replay: %s %s   (log: %s)\n' "$bin" "${art:-?}" "$log"
        return 1
    fi
}

fail=0
running=0
status_dir=$(mktemp -d /tmp/textclf-fuzz.XXXXXX)
trap 'rm -rf "$status_dir"' EXIT
for bin in $targets; do
    ( run_one "$bin" >"$status_dir/$(basename "$bin").out"; echo $? >"$status_dir/$(basename "$bin").rc" ) &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait
        running=0
    fi
done
wait
npass=0 nfail=0
for bin in $targets; do
    n=$(basename "$bin")
    cat "$status_dir/$n.out"
    if [ "$(cat "$status_dir/$n.rc" 2>/dev/null)" = 0 ]; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fail=1; fi
done
[ "$fail" -eq 0 ] && echo "fuzz: every target ran ${secs}s without a crash" || echo "fuzz: FAILED" >&2
echo "fuzz: $npass passed, $nfail failed"
exit "$fail"
