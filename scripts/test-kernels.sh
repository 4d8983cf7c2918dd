#!/bin/sh
# Runs the unit + CLI suite (make check) once per OpenBLAS kernel set this CPU
# can execute, forcing each with OPENBLAS_CORETYPE, and prints one line per
# kernel and a closing "N passed, N failed" line.  For developers before they
# submit: OpenBLAS picks its kernels per CPU, kernels round differently, and
# the suite must pass under every one of them (README, "Numbers and BLAS
# kernels").  make test and CI never set the variable; this script does, for
# its own runs only.
#
# Usage: [KERNELS="K1 K2"] scripts/test-kernels.sh [BUILD_DIR]     (default build)
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || echo "")
has() { case " $flags " in *" $1 "*) return 0 ;; esac; return 1; }

# Prescott (SSE3) runs everywhere x86-64 does; each later set needs its flags.
kernels="Prescott"
has avx && kernels="$kernels Sandybridge"
has avx2 && has fma && kernels="$kernels Haswell Zen"
has avx512f && has avx512bw && has avx512vl && has avx512dq && kernels="$kernels SkylakeX"
has avx512_bf16 && kernels="$kernels Cooperlake"

# KERNELS="Prescott SkylakeX" picks some of them (each must be one the CPU runs)
if [ -n "${KERNELS:-}" ]; then
    for k in $KERNELS; do
        case " $kernels " in *" $k "*) ;; *) echo "test-kernels: this CPU cannot run $k (it runs: $kernels)" >&2; exit 2 ;; esac
    done
    kernels=$KERNELS
fi
make --no-print-directory "$build/textclf" >/dev/null || exit 1
pass=0 fail=0 failed=""
for k in $kernels; do
    got=$(OPENBLAS_CORETYPE=$k "$build/textclf" --version | sed -n 's/.*core \([A-Za-z0-9]*\).*/\1/p')
    log="$build/test-kernels-$k.log"
    if OPENBLAS_CORETYPE=$k make --no-print-directory check BUILD="$build" >"$log" 2>&1; then
        echo "kernels: $k (OpenBLAS core $got): $(tail -n 1 "$log")"
        pass=$((pass + 1))
    else
        echo "kernels: $k (OpenBLAS core $got): FAILED, see $log: $(grep -E '^FAIL|^failed:' "$log" | head -3 | tr '\n' ' ')"
        fail=$((fail + 1)) failed="$failed $k"
    fi
done
[ -n "$failed" ] && echo "kernels failed:$failed"
echo "test-kernels: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
