# Training over several processes (make MPI=1: $TEXTCLF_MPI) is the same
# computation as one process: shards are owned by processes instead of
# threads and summed in shard order, so `mpirun -n 2` and -n 3 give the bytes
# of one process on one thread (average pool, hashed n-grams, LSTM).  A
# process killed in the middle of an epoch ends the run within seconds, non-
# zero, with the last checkpoint whole; resumed on one process and one
# thread, it ends with the bytes of a run never interrupted.
# Data: the first 1200 rows of the real SST-2 training set.
. "$(dirname "$0")/lib.sh"

: "${TEXTCLF_MPI:?the MPI build (make MPI=1) is needed: run through make check}"
command -v mpirun >/dev/null || fail "mpirun is missing (scripts/install-deps.sh installs openmpi-bin)"
# root needs --allow-run-as-root; the 2-core test machine needs --oversubscribe for 3 processes
mpi() { mpirun --allow-run-as-root --oversubscribe "$@"; }

data=../shared/data/sst2/train.csv
[ -r "$data" ] || fail "$data is missing"
head -n 1201 "$data" >"$tmp/train.csv"
common="--set data.train=$tmp/train.csv --set data.valid= --set data.test= -q"

# same_bytes NAME PROCS CONFIG ARGS...: mpirun -n PROCS (2 threads each) = one process, one thread
same_bytes() {
    name=$1 procs=$2 cfg=$3
    shift 3
    # shellcheck disable=SC2086
    "$TEXTCLF_MPI" train "$cfg" -o "$tmp/$name.1.bin" $common --set train.threads=1 "$@" 2>"$tmp/err" ||
        fail "$name alone: $(cat "$tmp/err")"
    # shellcheck disable=SC2086
    mpi -n "$procs" "$TEXTCLF_MPI" train "$cfg" -o "$tmp/$name.n.bin" $common --set train.threads=2 "$@" \
        >"$tmp/out" 2>&1 || fail "$name, mpirun -n $procs: $(cat "$tmp/out")"
    cmp "$tmp/$name.1.bin" "$tmp/$name.n.bin" >&2 || fail "$name: mpirun -n $procs differs from one process"
    ok
}

same_bytes gap 2 configs/sst2.yaml --set train.epochs=2 --set model.dropout=0.3
same_bytes ngram 2 configs/sst2_bigram.yaml --set train.epochs=2 --set train.batch_size=16 \
    --set tokenizer.buckets=50000 --set train.lr=0.5
same_bytes lstm 2 configs/sst2_lstm.yaml --set train.epochs=1 --set model.lstm.units=24 \
    --set model.embedding_dim=16 --set model.dropout=0.2 --set pad.maxlen=32
same_bytes gap3 3 configs/sst2.yaml --set train.epochs=2 --set model.dropout=0.3

# More processes than shards is refused with a clear line.
mpi -n 3 "$TEXTCLF_MPI" train configs/sst2.yaml -o "$tmp/x.bin" $common --set train.shards=2 >"$tmp/out" 2>&1 &&
    fail "3 processes on 2 shards ran"
grep -q "3 processes but only 2 shards per batch" "$tmp/out" || fail "no shard message: $(cat "$tmp/out")"
ok

# Kill process 1 in mid-run: mpirun ends the run, non-zero, within seconds;
# the checkpoint (written after every epoch by process 0) stays whole.
long="--set train.epochs=30 --set model.dropout=0.3 --set output.checkpoint_every=1"
# shellcheck disable=SC2086
"$TEXTCLF_MPI" train configs/sst2.yaml -o "$tmp/full.bin" $common $long --set train.threads=1 ||
    fail "uninterrupted run failed"
: >"$tmp/k.jsonl"
# shellcheck disable=SC2086
mpirun --allow-run-as-root --oversubscribe -n 2 "$TEXTCLF_MPI" train configs/sst2.yaml -o "$tmp/k.bin" \
    $common $long --set output.metrics="$tmp/k.jsonl" >"$tmp/out" 2>&1 &
pid=$! # mpirun itself: its children are the processes
n=0
while [ "$(wc -l <"$tmp/k.jsonl")" -lt 2 ] && [ "$n" -lt 3000 ]; do sleep 0.01; n=$((n + 1)); done
victim=""
for c in $(pgrep -P "$pid"); do
    tr '\0' '\n' <"/proc/$c/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' && victim=$c
done
[ -n "$victim" ] || fail "no process of rank 1 under mpirun ($pid)"
kill -9 "$victim"
n=0
while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
kill -0 "$pid" 2>/dev/null && { kill -9 "$pid"; fail "mpirun still running 30 s after rank 1 died"; }
wait "$pid"
rc=$?
[ "$rc" -ne 0 ] || fail "mpirun exited 0 after rank 1 was killed"
grep -qi "rank 1\|signal 9\|killed" "$tmp/out" || fail "no word of the dead process: $(cat "$tmp/out")"
[ -f "$tmp/k.bin.ckpt" ] || fail "no checkpoint after the kill"
ls "$tmp" | grep -q '\.tmp\.' && rm -f "$tmp"/*.tmp.* # a write cut short leaves only its temporary file
"$TEXTCLF" info "$tmp/k.bin.ckpt" >/dev/null || fail "checkpoint not whole after the kill"
ok

# Resumed from the 2-process checkpoint on one process and one thread: the
# bytes of the uninterrupted run.
# shellcheck disable=SC2086
"$TEXTCLF_MPI" train configs/sst2.yaml -o "$tmp/k.bin" $common $long --set train.threads=1 \
    --resume "$tmp/k.bin.ckpt" 2>"$tmp/err" || fail "resume on 1 thread: $(cat "$tmp/err")"
cmp "$tmp/full.bin" "$tmp/k.bin" >&2 || fail "resumed from the 2-process checkpoint: other bytes than uninterrupted"
ok
done_checks
