# Data-parallel training is deterministic by design: every batch is split
# into train.shards shards by position, each shard is computed with the same
# shapes whichever thread runs it, and gradients are summed in shard order,
# so 1, 2 and 3 threads give byte-identical model files (average pool,
# hashed n-grams, LSTM; dropout on, drawn per shard and step).  A run
# interrupted on 2 threads and resumed on 1 ends with the same bytes.
# Data: the first 1200 rows of the real SST-2 training set.
. "$(dirname "$0")/lib.sh"

data=../shared/data/sst2/train.csv
[ -r "$data" ] || fail "$data is missing"
head -n 1201 "$data" >"$tmp/train.csv"
common="--set data.train=$tmp/train.csv --set data.valid= --set data.test= -q"

# same_bytes NAME CONFIG ARGS...: threads 1, 2, 3 give the same model bytes
same_bytes() {
    name=$1 cfg=$2
    shift 2
    for th in 1 2 3; do
        # shellcheck disable=SC2086
        "$TEXTCLF" train "$cfg" -o "$tmp/$name.$th.bin" $common --set train.threads=$th "$@" 2>"$tmp/err" ||
            fail "$name, $th threads: $(cat "$tmp/err")"
    done
    cmp "$tmp/$name.1.bin" "$tmp/$name.2.bin" >&2 || fail "$name: 1 and 2 threads differ"
    cmp "$tmp/$name.1.bin" "$tmp/$name.3.bin" >&2 || fail "$name: 1 and 3 threads differ"
    ok
}

same_bytes gap configs/sst2.yaml --set train.epochs=2 --set model.dropout=0.3
same_bytes clip configs/sst2.yaml --set train.epochs=1 --set train.clipnorm=0.05 --set train.weight_decay=0.01
same_bytes ngram configs/sst2_bigram.yaml --set train.epochs=2 --set train.batch_size=16 \
    --set tokenizer.buckets=50000 --set train.lr=0.5
same_bytes lstm configs/sst2_lstm.yaml --set train.epochs=1 --set model.lstm.units=24 \
    --set model.embedding_dim=16 --set model.dropout=0.2 --set pad.maxlen=32

# predict and eval on 1 and 3 threads: the same bytes (16-row groups, so every
# thread runs several), and a pipe answers with the same bytes too.
cut -d, -f2- "$tmp/train.csv" | tail -n +2 >"$tmp/texts"
for th in 1 3; do
    "$TEXTCLF" predict "$tmp/lstm.1.bin" "$tmp/texts" --probs --batch 16 --threads $th >"$tmp/pred.$th" ||
        fail "predict --threads $th"
    "$TEXTCLF" eval "$tmp/lstm.1.bin" "$tmp/train.csv" --json --threads $th >"$tmp/eval.$th" || fail "eval --threads $th"
done
[ "$(wc -l <"$tmp/pred.1")" -eq 1200 ] || fail "predict wrote $(wc -l <"$tmp/pred.1") lines for 1200"
cmp "$tmp/pred.1" "$tmp/pred.3" >&2 || fail "predict: 1 and 3 threads differ"
cmp "$tmp/eval.1" "$tmp/eval.3" >&2 || fail "eval: 1 and 3 threads differ"
"$TEXTCLF" predict "$tmp/lstm.1.bin" --probs --threads 3 <"$tmp/texts" | cmp - "$tmp/pred.1" >&2 ||
    fail "predict from a pipe differs"
ok

# A different shard count is a different (equally valid) computation: the
# bytes must change, or the shards are not really in play.
# shellcheck disable=SC2086
"$TEXTCLF" train configs/sst2.yaml -o "$tmp/gap.s2.bin" $common --set train.epochs=2 --set model.dropout=0.3 \
    --set train.shards=2 || fail "2 shards failed"
cmp -s "$tmp/gap.1.bin" "$tmp/gap.s2.bin" && fail "train.shards=2 gave the same bytes as 4"
ok

# Interrupted on 2 threads in the middle of an epoch, resumed on 1: the same
# bytes as the uninterrupted runs above.
# shellcheck disable=SC2086
"$TEXTCLF" train configs/sst2.yaml -o "$tmp/r.bin" $common --set train.epochs=200 --set model.dropout=0.3 \
    --set train.threads=3 || fail "long run failed"
: >"$tmp/r.jsonl"
# shellcheck disable=SC2086
"$TEXTCLF" train configs/sst2.yaml -o "$tmp/i.bin" $common --set train.epochs=200 --set model.dropout=0.3 \
    --set train.threads=2 --set output.metrics="$tmp/r.jsonl" 2>"$tmp/err" &
interrupt_after_epoch $! "$tmp/r.jsonl"
[ "$rc" -eq 130 ] || fail "SIGINT: exit status $rc: $(cat "$tmp/err")"
# shellcheck disable=SC2086
"$TEXTCLF" train configs/sst2.yaml -o "$tmp/i.bin" $common --set train.epochs=200 --set model.dropout=0.3 \
    --set train.threads=1 --resume "$tmp/i.bin.ckpt" 2>"$tmp/err" || fail "resume on 1 thread: $(cat "$tmp/err")"
cmp "$tmp/r.bin" "$tmp/i.bin" >&2 || fail "resumed on 1 thread differs from the uninterrupted 3-thread run"
ok

# train.hogwild: lock-free threads, not reproducible, but a model as good as
# the deterministic one (one example per step, as fastText trains).
v=../shared/data/sst2/valid.csv
head -n 4001 "$data" >"$tmp/train4k.csv"
for mode in false true; do
    # shellcheck disable=SC2086
    "$TEXTCLF" train configs/sst2_bigram.yaml -o "$tmp/hw.$mode.bin" $common --set data.train="$tmp/train4k.csv" \
        --set train.epochs=5 --set train.lr=0.5 --set tokenizer.buckets=50000 --set train.threads=2 \
        --set train.hogwild=$mode 2>"$tmp/err" ||
        fail "hogwild=$mode: $(cat "$tmp/err")"
    "$TEXTCLF" eval "$tmp/hw.$mode.bin" "$v" --json >"$tmp/hw.$mode.json" || fail "eval hogwild=$mode"
done
a=$(sed -n 's/.*"accuracy": *\([0-9.]*\).*/\1/p' "$tmp/hw.false.json" | head -n 1)
b=$(sed -n 's/.*"accuracy": *\([0-9.]*\).*/\1/p' "$tmp/hw.true.json" | head -n 1)
awk -v a="$a" -v b="$b" 'BEGIN { exit !(a > 0.7 && b > a - 0.03) }' ||
    fail "hogwild accuracy $b against $a deterministic"
ok
done_checks
