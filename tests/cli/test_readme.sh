# The README's examples, run as a reader runs them: every ```sh block of
# README.md, in order, in one shell with `set -e`, from a folder that looks
# like the repository's root (configs/ and data/ are the repository's, build/
# is the binary under test) with a ../shared/data beside it.  The examples
# are extracted here, not copied, so they cannot drift from the README.
#
# Two things differ from a reader's run, and only these:
#   - lines that build (`make`, `make install`, ...) are skipped: the test
#     runs on the build it is testing;
#   - ../shared/data holds every k-th row of the real corpora (sst2,
#     ag_news_small, chnsenticorp, goemotions; about 2,000 training rows
#     each), so the suite stays fast.  The commands are the same.
# A block may opt out with the line `<!-- readme-test: skip (REASON) -->`
# right before its opening fence (for what cannot run here in seconds).
# Afterwards the repository must be exactly as before: examples write into
# the working directory, never over tracked files.
. "$(dirname "$0")/lib.sh"

shared_src="$TC_ROOT/../shared/data"
[ -d "$shared_src/sst2" ] || fail "needs ../shared/data beside the repository (the README's corpora)"

build=$(cd "$(dirname "$TEXTCLF")" && pwd)
work="$tmp/repo"
mkdir -p "$work" "$tmp/shared/data"
ln -s "$TC_ROOT/configs" "$work/configs"
ln -s "$TC_ROOT/data" "$work/data"
ln -s "$build" "$work/build"

# Every k-th row (and the header) of each file the examples read.
for d in sst2 ag_news_small chnsenticorp goemotions; do
    mkdir -p "$tmp/shared/data/$d"
    for f in "$shared_src/$d"/*.csv; do
        rows=$(wc -l <"$f")
        k=$((rows / 2000))
        [ "$k" -ge 1 ] || k=1
        awk -v k="$k" 'NR == 1 || NR % k == 0' "$f" >"$tmp/shared/data/$d/$(basename "$f")"
    done
done

# The runnable blocks, in order; build lines dropped.
awk '
    /^<!-- readme-test: skip/ { skip = 1; next }
    /^```sh[ \t]*$/ { inblock = !skip; skip = 0; if (inblock) printf "\n# ---- README.md line %d\n", NR; next }
    /^```/ { inblock = 0; skip = 0; next }
    inblock && /^[ \t]*make([ \t]|$)/ { print "# (build line skipped) " $0; next }
    inblock { print }
    { if (!/^[ \t]*$/ && !/^<!--/) skip = 0 }
' "$TC_ROOT/README.md" >"$tmp/readme.sh"
nblocks=$(grep -c '^# ---- README.md line' "$tmp/readme.sh")
[ "$nblocks" -ge 6 ] || fail "found only $nblocks runnable README blocks: $(cat "$tmp/readme.sh")"
grep -q 'textclf train' "$tmp/readme.sh" && grep -q 'textclf predict' "$tmp/readme.sh" ||
    fail "the README's runnable blocks lack train/predict: $(cat "$tmp/readme.sh")"
ok

before=$(cd "$TC_ROOT" && git status --porcelain --untracked-files=all 2>/dev/null | sort)
(
    cd "$work" || exit 1
    unset TEXTCLF_DATA
    set -e
    . "$tmp/readme.sh"
) >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ "$rc" -ne 0 ]; then
    fail "README examples failed (status $rc); last output: $(tail -n 5 "$tmp/out") $(tail -n 8 "$tmp/err")"
fi
grep -q 'AddressSanitizer\|runtime error' "$tmp/err" && fail "sanitizer report in README examples: $(cat "$tmp/err")"
ok

# What the examples promise, checked on what they wrote.
[ "$(head -n 1 "$work/labels.tsv")" = "$(printf 'id\tpredicted\tprob')" ] ||
    fail "labels.tsv header: $(head -n 2 "$work/labels.tsv")"
[ "$(wc -l <"$work/labels.tsv")" -eq "$(($(wc -l <"$TC_ROOT/data/reviews.csv")))" ] ||
    fail "labels.tsv has $(wc -l <"$work/labels.tsv") lines for $(($(wc -l <"$TC_ROOT/data/reviews.csv") - 1)) reviews"
head -n 1 "$work/reviews_labelled.csv" | grep -q '^id,review,stars,predicted,prob' ||
    fail "reviews_labelled.csv header: $(head -n 1 "$work/reviews_labelled.csv")"
[ -s "$work/ag_news_confusion.svg" ] && grep -q '<svg' "$work/ag_news_confusion.svg" || fail "no confusion SVG written"
[ -s "$work/sst2_curves.svg" ] || fail "no learning-curve SVG written"
ok

# The checkout is as it was: nothing tracked rewritten, nothing new left.
after=$(cd "$TC_ROOT" && git status --porcelain --untracked-files=all 2>/dev/null | sort)
[ "$before" = "$after" ] || fail "the README examples changed the checkout: $(printf '%s\n' "$after" | head -5)"
ok
[ -n "${README_TEST_KEEP:-}" ] && cp "$tmp/readme.sh" "$tmp/out" "$tmp/err" "$README_TEST_KEEP"/
done_checks
