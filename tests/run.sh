#!/bin/sh
# Runs every unit-test binary in BUILD/tests and every CLI test script in
# tests/cli against BUILD/textclf, then prints one "N passed, N failed" line.
# Usage: tests/run.sh BUILD_DIR
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
export TEXTCLF="$root/$build/textclf"
export TC_ROOT="$root"
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
# cmocka: plain output, one line per test
export CMOCKA_MESSAGE_OUTPUT=stdout
# Sanitizer builds (SAN=1): LeakSanitizer is the suite's leak check.  Every
# test binary and every textclf run must free all it allocated, on error paths
# too; a leak, like any other sanitizer report, makes the process exit 23,
# which no test accepts.  (Settings already in the environment come last and win.)
export ASAN_OPTIONS="detect_leaks=1:exitcode=23${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
pass=0; fail=0; failed=""
for t in "$root/$build"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $name"; fi
done
for t in "$root"/tests/cli/test_*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    printf '[ RUN      ] cli/%s\n' "$name"
    if sh "$t"; then
        printf '[       OK ] cli/%s\n' "$name"; pass=$((pass + 1))
    else
        printf '[  FAILED  ] cli/%s\n' "$name"; fail=$((fail + 1)); failed="$failed cli/$name"
    fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$build: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
