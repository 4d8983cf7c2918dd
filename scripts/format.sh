#!/bin/sh
# scripts/format.sh [--check]: formats the C sources git tracks (src, include,
# tests, examples; not tests/ref, whose headers tests/ref/gen_*.py write) with
# clang-format and the repository's .clang-format.
#   (no option)  rewrites the files that differ, and names them
#   --check      changes nothing; names the files that differ and exits 1 if
#                there are any (with how many of their lines would change)
# CLANG_FORMAT picks the binary (default clang-format-14, the Debian 12
# package that .clang-format is written for: another version formats a few
# constructs differently).
set -eu
cd "$(dirname "$0")/.."
cf=${CLANG_FORMAT:-clang-format-14}
command -v "$cf" >/dev/null 2>&1 || { echo "format: $cf not found (scripts/install-deps.sh installs it)" >&2; exit 2; }
check=0
[ "${1:-}" = "--check" ] && check=1
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
files=0 lines=0
for f in $(git ls-files 'src/*.[ch]' 'include/*.[ch]' 'tests/*.[ch]' 'examples/*.[ch]' ':!tests/ref/*'); do
    "$cf" --style=file "$f" >"$tmp"
    cmp -s "$f" "$tmp" && continue
    n=$(diff "$f" "$tmp" | grep -c '^<' || true)
    files=$((files + 1)) lines=$((lines + n))
    if [ "$check" -eq 1 ]; then
        echo "$f: $n lines differ"
    else
        cat "$tmp" >"$f"
        echo "formatted $f"
    fi
done
if [ "$check" -eq 1 ] && [ "$files" -gt 0 ]; then
    echo "format-check: $files files ($lines lines) differ from .clang-format; 'make format' rewrites them" >&2
    exit 1
fi
[ "$check" -eq 1 ] && echo "format-check: every file matches .clang-format"
exit 0
