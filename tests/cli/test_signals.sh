# Signals: every command other than train stops on the first SIGINT/SIGTERM/
# SIGHUP with 128 + the signal, writing whole records only — also when it is
# blocked reading a pipe; train takes SIGHUP like SIGTERM (resume checkpoint);
# with fd 2 closed at start, nothing else lands in it.
. "$(dirname "$0")/lib.sh"

cat >"$tmp/c.yaml" <<EOF
data:
  train: $TC_ROOT/data/demo.csv
pad:
  maxlen: 32
model:
  embedding_dim: 8
train:
  epochs: 2
  batch_size: 32
  threads: 1
EOF
"$TEXTCLF" train "$tmp/c.yaml" -o "$tmp/m.bin" -q || fail "training failed"
csv_to_lines data/demo_test.csv | cut -f2 | head -5 >"$tmp/five.txt"

# wait_lines FILE N: until FILE has N lines (5 s at most)
wait_lines() {
    i=0
    while [ "$(wc -l <"$1")" -lt "$2" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
}

# stopped SIG STATUS CMD...: CMD reads a pipe that stays open after five lines;
# once it has answered them it gets SIG and must exit STATUS within 2 s, its
# output whole lines (each of the five answered)
stopped() {
    sig=$1 want=$2
    shift 2
    rm -f "$tmp/fifo"
    mkfifo "$tmp/fifo"
    exec 3<>"$tmp/fifo"
    "$@" <&3 >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    cat "$tmp/five.txt" >&3
    wait_lines "$tmp/out" 5
    start=$(date +%s)
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    exec 3>&-
    [ "$rc" -eq "$want" ] || fail "'$*' on SIG$sig: exit $rc, expected $want: $(cat "$tmp/err")"
    [ $(($(date +%s) - start)) -le 2 ] || fail "'$*' took more than 2 s to stop"
    [ "$(wc -l <"$tmp/out")" -ge 5 ] || fail "'$*': lines lost: $(cat "$tmp/out")"
    [ -z "$(tail -c1 "$tmp/out")" ] || fail "'$*': output ends in a partial line"
    grep -q 'AddressSanitizer\|runtime error' "$tmp/err" && fail "'$*': sanitizer report: $(cat "$tmp/err")"
    ok
}
stopped TERM 143 "$TEXTCLF" predict "$tmp/m.bin"
stopped INT 130 "$TEXTCLF" predict "$tmp/m.bin" --explain
stopped HUP 129 "$TEXTCLF" predict "$tmp/m.bin" --format jsonl
stopped TERM 143 "$TEXTCLF" tokenize "$tmp/m.bin"
stopped INT 130 "$TEXTCLF" tokenize "$tmp/c.yaml"

# a file: predict stops between records, and what it wrote is whole records
awk '{ a[NR] = $0 } END { for (i = 0; i < 4000; i++) for (j = 1; j <= NR; j++) print a[j] }' "$tmp/five.txt" >"$tmp/many.txt"
"$TEXTCLF" predict "$tmp/m.bin" "$tmp/many.txt" --explain >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_lines "$tmp/out" 1
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 130 ] || fail "predict --explain FILE on SIGINT: exit $rc: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/out")" -lt 20000 ] || fail "predict --explain ran to the end"
[ -z "$(tail -c1 "$tmp/out")" ] || fail "predict --explain FILE: output ends in a partial line"
ok

# eval prints nothing before its report: it exits at once, even blocked on a pipe
rm -f "$tmp/fifo"
mkfifo "$tmp/fifo"
exec 3<>"$tmp/fifo"
"$TEXTCLF" eval "$tmp/m.bin" - <&3 >"$tmp/out" 2>"$tmp/err" &
pid=$!
head -3 data/demo_test.csv >&3
sleep 0.3
kill -TERM "$pid"
wait "$pid"
rc=$?
exec 3>&-
[ "$rc" -eq 143 ] || fail "eval on SIGTERM: exit $rc: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && fail "eval wrote a partial report: $(cat "$tmp/out")"
ok

# train: SIGHUP (a closed terminal) saves the resume checkpoint like SIGTERM
"$TEXTCLF" train "$tmp/c.yaml" -o "$tmp/h.bin" --set train.epochs=300 --set output.metrics="$tmp/h.jsonl" \
    2>"$tmp/err" &
pid=$!
i=0
while [ ! -s "$tmp/h.jsonl" ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i + 1)); done
kill -HUP "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 129 ] || fail "train on SIGHUP: exit $rc: $(cat "$tmp/err")"
grep -q "interrupted in epoch .*saved .*h.bin.ckpt" "$tmp/err" || fail "SIGHUP message: $(cat "$tmp/err")"
"$TEXTCLF" info "$tmp/h.bin.ckpt" >/dev/null || fail "SIGHUP: no loadable checkpoint"
ok

# fd 2 closed at start: the progress lines do not go into the metrics file
"$TEXTCLF" train "$tmp/c.yaml" -o "$tmp/q.bin" -v --set output.metrics="$tmp/q.jsonl" 2>&- ||
    fail "train with stderr closed failed"
[ "$(wc -l <"$tmp/q.jsonl")" -eq 2 ] || fail "metrics with stderr closed: $(cat "$tmp/q.jsonl")"
grep -v '^{' "$tmp/q.jsonl" && fail "non-JSON lines in the metrics file"
echo "a b" | "$TEXTCLF" predict "$tmp/m.bin" 2>&- >"$tmp/out" || fail "predict with stderr closed failed"
[ "$(wc -l <"$tmp/out")" -eq 1 ] || fail "predict with stderr closed: $(cat "$tmp/out")"
ok
done_checks
