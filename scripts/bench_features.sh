#!/bin/sh
# Text features against fastText: test accuracy of textclf's configs next to
# fastText 0.9.2 on the same files, in one run (sst2, chnsenticorp,
# ag_news_small; ../shared/data).  fastText reads its own format, which this
# script writes to a temporary directory: "__label__LABEL text", the text with
# its whitespace collapsed; for chnsenticorp also a second version split into
# single characters, since fastText only splits on whitespace.  Every run is
# one thread (fastText: -thread 1, so its results are reproducible too).
# Times are wall-clock seconds of the training command (textclf's includes
# reading, saving the model and scoring the test file).
# Usage: scripts/bench_features.sh [--quick]   (--quick: sst2 only)
set -eu
quick=0
[ "${1:-}" = "--quick" ] && quick=1
cd "$(dirname "$0")/.."
TEXTCLF=${TEXTCLF:-build/textclf}
DATA=${DATA:-../shared/data}
[ -x "$TEXTCLF" ] || { echo "bench_features: build first (make)" >&2; exit 1; }
command -v fasttext >/dev/null || { echo "bench_features: fasttext not found (Debian package fasttext)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/textclf-bench-feat.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=1

# to_fasttext CSV OUT [chars]: label,text CSV → fastText lines
to_fasttext() {
    python3 - "$@" <<'EOF'
import csv, sys
src, dst = sys.argv[1], sys.argv[2]
chars = len(sys.argv) > 3
with open(src, newline='', encoding='utf-8') as f, open(dst, 'w', encoding='utf-8') as out:
    r = csv.reader(f)
    h = next(r)
    li, ti = h.index('label'), h.index('text')
    for row in r:
        text = ' '.join(c for c in row[ti] if not c.isspace()) if chars else ' '.join(row[ti].split())
        out.write('__label__' + row[li].replace(' ', '_') + ' ' + text + '\n')
EOF
}

now() { date +%s.%N; }
row() { printf '%-14s %-8s %-72s %8s %8s\n' "$@"; }

# textclf DATA CONFIG: train (with the config's test file) and report
textclf_row() {
    data=$1 cfg=$2
    [ -f "$cfg" ] || return 0
    t0=$(now)
    "$TEXTCLF" train "$cfg" -q -o "$tmp/m.bin" 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
    t1=$(now)
    acc=$(sed -n 's/^test: .*accuracy \([0-9.]*\).*/\1/p' "$tmp/log")
    row "$data" textclf "textclf train $cfg" "$acc" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')"
}

# fasttext DATA TRAIN TEST FLAGS...: train, test, report
fasttext_row() {
    data=$1 train=$2 test=$3
    shift 3
    t0=$(now)
    fasttext supervised -input "$train" -output "$tmp/ft" -thread 1 -verbose 0 "$@"
    t1=$(now)
    acc=$(fasttext test "$tmp/ft.bin" "$test" | sed -n 's/^P@1[[:space:]]*//p')
    row "$data" fastText "supervised $(basename "$train") $*" "$acc" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')"
}

row data system "command / flags (fastText: also -thread 1)" "test acc" "train s"

d=sst2
to_fasttext "$DATA/$d/train.csv" "$tmp/sst2.train.txt"
to_fasttext "$DATA/$d/test.csv" "$tmp/sst2.test.txt"
textclf_row $d configs/sst2.yaml
textclf_row $d configs/sst2_bigram.yaml
fasttext_row $d "$tmp/sst2.train.txt" "$tmp/sst2.test.txt"
fasttext_row $d "$tmp/sst2.train.txt" "$tmp/sst2.test.txt" -wordNgrams 2 -dim 10 -lr 0.25 -bucket 10000000
[ "$quick" = 1 ] && exit 0

d=chnsenticorp
to_fasttext "$DATA/$d/train.csv" "$tmp/chn.train.txt"
to_fasttext "$DATA/$d/test.csv" "$tmp/chn.test.txt"
to_fasttext "$DATA/$d/train.csv" "$tmp/chn-chars.train.txt" chars
to_fasttext "$DATA/$d/test.csv" "$tmp/chn-chars.test.txt" chars
textclf_row $d configs/chnsenticorp.yaml
fasttext_row $d "$tmp/chn.train.txt" "$tmp/chn.test.txt"
fasttext_row $d "$tmp/chn-chars.train.txt" "$tmp/chn-chars.test.txt"
fasttext_row $d "$tmp/chn-chars.train.txt" "$tmp/chn-chars.test.txt" -wordNgrams 2
fasttext_row $d "$tmp/chn-chars.train.txt" "$tmp/chn-chars.test.txt" -epoch 25 -lr 1.0 -wordNgrams 2

d=ag_news_small
to_fasttext "$DATA/$d/train.csv" "$tmp/ag.train.txt"
to_fasttext "$DATA/$d/test.csv" "$tmp/ag.test.txt"
textclf_row $d configs/ag_news_small.yaml
textclf_row $d configs/ag_news_small_ngrams.yaml
textclf_row $d configs/ag_news_small_lstm.yaml
fasttext_row $d "$tmp/ag.train.txt" "$tmp/ag.test.txt"
fasttext_row $d "$tmp/ag.train.txt" "$tmp/ag.test.txt" -wordNgrams 2
fasttext_row $d "$tmp/ag.train.txt" "$tmp/ag.test.txt" -epoch 25 -lr 1.0 -wordNgrams 2
