# lib.sh — shared by the CLI tests: $TEXTCLF is the binary, $TC_ROOT the
# project root; each test runs in a fresh temporary directory.
set -u
: "${TEXTCLF:?run through tests/run.sh}" "${TC_ROOT:?}"
cd "$TC_ROOT"
tmp=$(mktemp -d /tmp/textclf-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
checks=0

fail() {
    echo "FAIL ($(basename "$0")): $*" >&2
    exit 1
}

ok() { checks=$((checks + 1)); }

# interrupt_after_epoch PID METRICS: waits (at most 30 s) until the run PID
# has written an epoch line to METRICS, sends it SIGINT and sets rc to its
# exit status.
interrupt_after_epoch() {
    n=0
    while [ ! -s "$2" ] && [ "$n" -lt 3000 ]; do sleep 0.01; n=$((n + 1)); done
    kill -INT "$1"
    wait "$1"
    rc=$?
}

# expect_fail CODE PATTERN CMD...: CMD exits with CODE and its stderr holds PATTERN (grep -E) in ONE line
expect_fail() {
    code=$1 pat=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    [ "$rc" -eq "$code" ] || fail "'$*' exited $rc, expected $code; stderr: $(cat "$tmp/err")"
    grep -Eq -- "$pat" "$tmp/err" || fail "'$*': stderr lacks /$pat/: $(cat "$tmp/err")"
    grep -q 'AddressSanitizer\|runtime error' "$tmp/err" && fail "'$*': sanitizer report: $(cat "$tmp/err")"
    ok
}

# csv_to_lines FILE: "label<TAB>text" for a label,text CSV whose records are one line each
csv_to_lines() {
    sed -e '1d' -e 's/^\([^,]*\),"\(.*\)"$/\1\t\2/' -e 's/^\([^,\t]*\),/\1\t/' -e 's/""/"/g' "$1"
}

done_checks() { echo "$(basename "$0"): $checks checks passed"; }
