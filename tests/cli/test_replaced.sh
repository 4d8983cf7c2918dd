# Models replaced under a reader: `cp new.bin model.bin` or a truncation while
# predict/info load the model gives an error (truncated, checksum), never a
# death by signal (the loader reads, it does not map: store/checkpoint.h).
# Bounded: 40 loads against a writer that truncates and rewrites in a loop.
. "$(dirname "$0")/lib.sh"

cat >"$tmp/c.yaml" <<EOF
data:
  train: $TC_ROOT/data/demo.csv
tokenizer:
  ngrams: 2
  char_ngrams: [3, 5]
  buckets: 200000
pad:
  maxlen: 32
model:
  embedding_dim: 512
train:
  epochs: 1
  threads: 1
EOF
"$TEXTCLF" train "$tmp/c.yaml" -o "$tmp/orig.bin" -q || fail "training failed"
cp "$tmp/orig.bin" "$tmp/m.bin"
size=$(wc -c <"$tmp/orig.bin")
# (hashed features take rows only when seen, so the rows come from character
# n-grams and a wide embedding: about 27 MB)
[ "$size" -gt 10000000 ] || fail "model too small to overlap a load: $size bytes"

# the writer: truncate to a random length, then copy in place (cp keeps the
# inode: O_TRUNC and write, like rsync --inplace or scp), until told to stop
(
    i=0
    while [ ! -e "$tmp/stop" ] && [ $i -lt 2000 ]; do
        truncate -s $(( (i * 7919) % size )) "$tmp/m.bin"
        cp "$tmp/orig.bin" "$tmp/m.bin"
        i=$((i + 1))
    done
) &
writer=$!
ok_loads=0 errors=0
for i in $(seq 1 40); do
    if [ $((i % 2)) -eq 0 ]; then
        echo "good game" | "$TEXTCLF" predict "$tmp/m.bin" >/dev/null 2>"$tmp/err"
    else
        "$TEXTCLF" info "$tmp/m.bin" >/dev/null 2>"$tmp/err"
    fi
    rc=$?
    [ "$rc" -ge 128 ] && { : >"$tmp/stop"; fail "load $i died by signal $((rc - 128)): $(cat "$tmp/err")"; }
    if [ "$rc" -eq 0 ]; then
        ok_loads=$((ok_loads + 1))
    else
        errors=$((errors + 1))
        grep -Eq "truncated|checksum|bad magic|corrupt" "$tmp/err" || { : >"$tmp/stop"; fail "load $i: $(cat "$tmp/err")"; }
    fi
done
: >"$tmp/stop"
wait "$writer"
echo "test_replaced: 40 loads under a rewriting writer: $ok_loads whole, $errors clean errors, no signal"
ok
done_checks
