#!/bin/sh
# make bench: every benchmark script (scripts/bench_*.sh), one after another.
# Pass --quick (make bench BENCH_ARGS=--quick) for a subset that finishes in minutes.
set -eu
cd "$(dirname "$0")/.."
for s in scripts/bench_*.sh; do
    [ -f "$s" ] || continue
    echo "=== $s $*"
    sh "$s" "$@"
    echo
done
