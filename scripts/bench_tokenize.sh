#!/bin/sh
# Tokenizer throughput, one thread: MB/s of textclf's tokenizer over the
# training texts of sst2 (English) and chnsenticorp (Chinese), timed around
# the tokenizer alone (`textclf tokenize CONFIG FILE --stats`), in each of its
# configurations that matter for speed, next to Keras' text_to_word_sequence
# (lower-case, filters, split on spaces; re-implemented in plain Python, as
# Keras does it in Python) measured in the same run.
# Usage: scripts/bench_tokenize.sh [--quick]   (from anywhere; data in ../shared/data)
set -euf
quick=0
[ "${1:-}" = "--quick" ] && quick=1
cd "$(dirname "$0")/.."
TEXTCLF=${TEXTCLF:-build/textclf}
DATA=${DATA:-../shared/data}
[ -x "$TEXTCLF" ] || { echo "bench_tokenize: build first (make)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/textclf-bench-tok.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=1

# the text column of a CSV, one text per line (line breaks inside texts become spaces)
texts() {
    python3 - "$1" "$2" <<'EOF'
import csv, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f, open(sys.argv[2], 'w', encoding='utf-8') as out:
    r = csv.reader(f)
    col = next(r).index('text')
    for row in r:
        out.write(' '.join(row[col].split()) + '\n')
EOF
}

# Keras' text_to_word_sequence over the file: MB/s, best of 3
keras_mbs() {
    python3 - "$1" <<'EOF'
import sys, time
filters = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
table = str.maketrans({c: ' ' for c in filters})
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
size = sum(len(l.encode('utf-8')) for l in lines)
best = 1e9
for _ in range(3):
    t0 = time.perf_counter()
    for l in lines:
        [w for w in l.lower().translate(table).split(' ') if w]
    best = min(best, time.perf_counter() - t0)
print('%.1f' % (size / 1e6 / best))
EOF
}

# textclf's MB/s for CONFIG over FILE with extra --set options: best of 3
textclf_mbs() {
    cfg=$1 file=$2
    shift 2
    best=0
    for _ in 1 2 3; do
        v=$("$TEXTCLF" tokenize "$cfg" "$file" --stats "$@" | sed -n 's/.*: \([0-9.]*\) MB\/s.*/\1/p')
        best=$(awk -v a="$best" -v b="$v" 'BEGIN {print (b > a) ? b : a}')
    done
    echo "$best"
}

printf '%-14s %-44s %10s %12s\n' data tokenizer MB/s "vs Keras"
for d in sst2 chnsenticorp; do
    [ -f "$DATA/$d/train.csv" ] || { echo "bench_tokenize: $DATA/$d/train.csv missing, skipped" >&2; continue; }
    texts "$DATA/$d/train.csv" "$tmp/$d.txt"
    mb=$(du -m "$tmp/$d.txt" | cut -f1)
    keras=$(keras_mbs "$tmp/$d.txt")
    printf '%-14s %-44s %10s %12s\n' "$d" "Keras text_to_word_sequence (Python)" "$keras" "1.00x"
    cfg=configs/$d.yaml
    # Every row starts from the tokenizer's defaults, whatever the corpus's
    # config sets (configs/chnsenticorp.yaml turns on char+bigram and word
    # pairs): a row measures exactly the settings its name says.
    base="--set tokenizer.split=unicode --set tokenizer.cjk=char --set tokenizer.ngrams=1"
    base="$base --set tokenizer.char_ngrams=[] --set tokenizer.strip_accents=false --set tokenizer.digits=keep"
    set -- "default (NFKC, case folding)|" \
        "split: whitespace|--set tokenizer.split=whitespace" \
        "strip_accents, digits: zero|--set tokenizer.strip_accents=true --set tokenizer.digits=zero" \
        "cjk: char+bigram|--set tokenizer.cjk=char+bigram" \
        "+ word bigrams (hashed)|--set tokenizer.cjk=char+bigram --set tokenizer.ngrams=2" \
        "+ bigrams and char n-grams [3,6] (hashed)|--set tokenizer.ngrams=2 --set tokenizer.char_ngrams=[3,6]"
    [ "$quick" = 1 ] && set -- "default (NFKC, case folding)|"
    for spec in "$@"; do
        name=${spec%%|*} opts=${spec#*|}
        # shellcheck disable=SC2086
        v=$(textclf_mbs "$cfg" "$tmp/$d.txt" $base $opts)
        printf '%-14s %-44s %10s %11sx\n' "$d" "$name" "$v" "$(awk -v a="$v" -v b="$keras" 'BEGIN {printf "%.2f", a / b}')"
    done
    echo "($d: ${mb} MB of training text, $(wc -l <"$tmp/$d.txt") lines)"
done
