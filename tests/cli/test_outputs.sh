# Output-path safety (store/safefile.h): every way issue 12 found to make
# textclf write over a user's file is refused, and the file's checksum is the
# same after the run; symlinked outputs replace their target, keep its mode;
# non-regular outputs are refused; two runs cannot write one file; only
# textclf's own unheld temporary files are cleaned up; an unwritable output is
# found before training.
. "$(dirname "$0")/lib.sh"

cp data/demo.csv "$tmp/data.csv"
cp data/demo_test.csv "$tmp/test.csv"
cat >"$tmp/c.yaml" <<EOF
data:
  train: $tmp/data.csv
pad:
  maxlen: 32
model:
  embedding_dim: 8
train:
  epochs: 2
  batch_size: 32
  threads: 1
EOF
sum() { cksum <"$1"; }

# refused CODE PATTERN FILE CMD...: CMD fails with PATTERN and FILE is byte-identical afterwards
refused() {
    code=$1 pat=$2 file=$3
    shift 3
    before=$(sum "$file")
    expect_fail "$code" "$pat" "$@"
    [ "$(sum "$file")" = "$before" ] || fail "'$*' changed $file"
    grep -q "epoch" "$tmp/err" && fail "'$*' trained before refusing: $(cat "$tmp/err")"
    ls -A "$(dirname "$file")" | grep -q 'textclf-tmp\|textclf-lock' && fail "'$*' left a temporary or lock file"
    ok
}
same='is the same file as'
T="$TEXTCLF"

# --- train: no output may be an input
refused 1 "-o \(output.model\) .*$same data.train" "$tmp/data.csv" "$T" train "$tmp/c.yaml" -o "$tmp/data.csv"
refused 1 "output.checkpoint .*$same data.train" "$tmp/data.csv" \
    "$T" train "$tmp/c.yaml" -o "$tmp/m.bin" --set output.checkpoint="$tmp/data.csv" --set output.checkpoint_every=1
refused 1 "output.metrics .*$same data.train" "$tmp/data.csv" \
    "$T" train "$tmp/c.yaml" -o "$tmp/m.bin" --set output.metrics="$tmp/data.csv"
refused 1 "$same the config" "$tmp/c.yaml" "$T" train "$tmp/c.yaml" -o "$tmp/c.yaml"
refused 1 "$same data.test" "$tmp/test.csv" "$T" train "$tmp/c.yaml" -o "$tmp/test.csv" --set data.test="$tmp/test.csv"
refused 1 "$same data.valid" "$tmp/test.csv" "$T" train "$tmp/c.yaml" -o "$tmp/test.csv" --set data.valid="$tmp/test.csv"
# spelling does not matter: ./x, a/../x, a hard link, a symlink
(cd "$tmp" && refused 1 "$same data.train" "$tmp/data.csv" "$T" train "$tmp/c.yaml" -o ./data.csv) || exit 1
mkdir "$tmp/sub"
refused 1 "$same data.train" "$tmp/data.csv" "$T" train "$tmp/c.yaml" -o "$tmp/sub/../data.csv"
ln "$tmp/data.csv" "$tmp/hard.csv"
refused 1 "$same data.train" "$tmp/data.csv" "$T" train "$tmp/c.yaml" -o "$tmp/hard.csv"
ln -s data.csv "$tmp/soft.csv"
refused 1 "$same data.train" "$tmp/data.csv" "$T" train "$tmp/c.yaml" -o "$tmp/soft.csv"
# two outputs that are one file
"$T" train "$tmp/c.yaml" -o "$tmp/x.bin" -q || fail "plain train failed: $(cat "$tmp/err")"
(cd "$tmp" && refused 1 "-o \(output.model\) x.bin $same output.metrics ./x.bin" "$tmp/x.bin" \
    "$T" train "$tmp/c.yaml" -o x.bin --set output.metrics=./x.bin) || exit 1
refused 1 "output.checkpoint .*$same output.metrics" "$tmp/x.bin" \
    "$T" train "$tmp/c.yaml" -o "$tmp/y.bin" --set output.metrics="$tmp/x.bin" --set output.checkpoint="$tmp/x.bin"
refused 1 "$same --resume" "$tmp/x.bin" "$T" train "$tmp/c.yaml" -o "$tmp/x.bin" --resume "$tmp/x.bin"

# --- eval --confusion-svg and plot -o never overwrite their inputs
refused 1 "--confusion-svg .*$same MODEL" "$tmp/x.bin" "$T" eval "$tmp/x.bin" "$tmp/test.csv" --confusion-svg "$tmp/x.bin"
refused 1 "--confusion-svg .*$same DATA" "$tmp/test.csv" "$T" eval "$tmp/x.bin" "$tmp/test.csv" --confusion-svg "$tmp/test.csv"
"$T" train "$tmp/c.yaml" -o "$tmp/r.bin" -q --set output.metrics="$tmp/run.jsonl" || fail "metrics run failed"
refused 1 "-o .*$same METRICS" "$tmp/run.jsonl" "$T" plot "$tmp/run.jsonl" -o "$tmp/run.jsonl"
# plot -o - is standard output, not a file named "-"
(cd "$tmp" && "$T" plot run.jsonl -o - >"$tmp/plot.svg") || fail "plot -o - failed"
grep -q "<svg" "$tmp/plot.svg" || fail "plot -o - wrote no SVG to stdout"
[ -e "$tmp/-" ] && fail "plot -o - made a file named -"
ok

# --- tune: no output (model, best YAML, the files of MODEL.tune/) may be an input
tune() { "$T" tune "$@" --set tokenizer.buckets=4096 --max-trials 1 --jobs 1 -q; }
refused 2 "-o $tmp/data.csv $same data.train" "$tmp/data.csv" tune "$tmp/c.yaml" -o "$tmp/data.csv"
refused 2 "the best config $tmp/c.yaml $same the data or config" "$tmp/c.yaml" tune "$tmp/c.yaml" -o "$tmp/c.bin"
refused 2 "$same data.test" "$tmp/test.csv" tune "$tmp/c.yaml" -o "$tmp/test.csv" --set data.test="$tmp/test.csv"
(cd "$tmp" && refused 2 "$same data.train" "$tmp/data.csv" tune c.yaml -o ./sub/../hard.csv) || exit 1
mkdir "$tmp/t.bin.tune"
cp "$tmp/data.csv" "$tmp/t.bin.tune/trial-0000-r0.yaml"
refused 1 "data.train .* is in the tune folder .*t.bin.tune, whose files this run writes and removes" \
    "$tmp/t.bin.tune/trial-0000-r0.yaml" tune "$tmp/c.yaml" -o "$tmp/t.bin" --set data.train="$tmp/t.bin.tune/trial-0000-r0.yaml"
# the best model is linked into place: an existing model keeps its mode, a user's file
# that looks like the old temporary name (MODEL.tmp.link) is left alone
cp "$tmp/x.bin" "$tmp/tuned.bin"
chmod 600 "$tmp/tuned.bin"
echo mine >"$tmp/tuned.bin.tmp.link"
tune "$tmp/c.yaml" -o "$tmp/tuned.bin" >/dev/null 2>"$tmp/err" || fail "tune failed: $(cat "$tmp/err")"
cmp -s "$tmp/x.bin" "$tmp/tuned.bin" && fail "tune did not replace its -o"
[ "$(stat -c %a "$tmp/tuned.bin")" = 600 ] || fail "tune: mode not kept: $(stat -c %a "$tmp/tuned.bin")"
[ "$(cat "$tmp/tuned.bin.tmp.link")" = mine ] || fail "tune removed a user's MODEL.tmp.link"
"$T" info "$tmp/tuned.bin" >/dev/null || fail "tuned model not loadable"
[ "$(head -c 9 "$tmp/tuned.bin.tune/trials.jsonl")" = '{"tune":1' ] || fail "trials.jsonl: $(cat "$tmp/tuned.bin.tune/trials.jsonl")"
ls -A "$tmp" "$tmp/tuned.bin.tune" | grep -q 'textclf-tmp\|textclf-lock' && fail "tune left a temporary or lock: $(ls -A "$tmp")"
ok

# --- quantize: OUT is never MODEL, however spelled
refused 2 "-o .*$same MODEL" "$tmp/x.bin" "$T" quantize "$tmp/x.bin" -o "$tmp/x.bin"
ln "$tmp/x.bin" "$tmp/xhard.bin"
refused 2 "-o .*$same MODEL" "$tmp/x.bin" "$T" quantize "$tmp/x.bin" -o "$tmp/xhard.bin"
ln -s x.bin "$tmp/xsoft.bin"
refused 2 "-o .*$same MODEL" "$tmp/x.bin" "$T" quantize "$tmp/xsoft.bin" -o "$tmp/x.bin"
(cd "$tmp" && refused 2 "-o .*$same MODEL" "$tmp/x.bin" "$T" quantize x.bin -o sub/../x.bin) || exit 1
# --retrain reads training rows: --data, or the model's data.train
refused 2 "-o .*$same --data" "$tmp/data.csv" "$T" quantize "$tmp/x.bin" -o "$tmp/hard.csv" --cutoff 50 --retrain \
    --data "$tmp/data.csv"
refused 2 "-o .*$same the model's data.train $tmp/data.csv" "$tmp/data.csv" \
    "$T" quantize "$tmp/x.bin" -o "$tmp/data.csv" --cutoff 50 --retrain
mkfifo "$tmp/qfifo"
refused 1 "not a regular file" "$tmp/x.bin" "$T" quantize "$tmp/x.bin" -o "$tmp/qfifo"

# --- non-regular outputs are refused; symlinks are followed, modes kept
mkfifo "$tmp/fifo"
refused 1 "not a regular file" "$tmp/data.csv" "$T" train "$tmp/c.yaml" -o "$tmp/fifo"
[ -p "$tmp/fifo" ] || fail "the fifo was replaced"
ln -s fifo "$tmp/tofifo"
refused 1 "not a regular file" "$tmp/data.csv" "$T" train "$tmp/c.yaml" -o "$tmp/tofifo"
[ -L "$tmp/tofifo" ] || fail "the link to a fifo was replaced"
refused 1 "not a regular file" "$tmp/data.csv" "$T" eval "$tmp/x.bin" "$tmp/test.csv" --confusion-svg "$tmp/fifo"
refused 1 "not a regular file" "$tmp/data.csv" "$T" plot "$tmp/run.jsonl" -o "$tmp/fifo"
refused 1 "not a regular file" "$tmp/data.csv" "$T" plot "$tmp/run.jsonl" -o /dev/null
ln -s nowhere "$tmp/dangling.bin"
refused 1 "symbolic link to a missing file" "$tmp/data.csv" "$T" train "$tmp/c.yaml" -o "$tmp/dangling.bin"
mkdir "$tmp/models"
cp "$tmp/x.bin" "$tmp/models/real.bin"
chmod 640 "$tmp/models/real.bin"
ln -s models/real.bin "$tmp/link.bin"
"$T" train "$tmp/c.yaml" -o "$tmp/link.bin" -q --set train.seed=9 || fail "train through a symlink failed"
[ -L "$tmp/link.bin" ] || fail "the symlink was replaced by a file"
cmp -s "$tmp/x.bin" "$tmp/models/real.bin" && fail "the link's target was not rewritten"
[ "$(stat -c %a "$tmp/models/real.bin")" = 640 ] || fail "mode not kept: $(stat -c %a "$tmp/models/real.bin")"
"$T" info "$tmp/link.bin" >/dev/null || fail "model through the link not loadable"
ok

# --- two trainings to one output: the second refuses while the first runs
#     (the first blocks reading a fifo, holding its locks)
mkfifo "$tmp/feed"
sed "s|$tmp/data.csv|$tmp/feed|" "$tmp/c.yaml" >"$tmp/f.yaml"
"$T" train "$tmp/f.yaml" -o "$tmp/busy.bin" -q 2>"$tmp/first.err" &
first=$!
i=0
while [ ! -e "$tmp/busy.bin.textclf-lock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
expect_fail 1 "another textclf is writing this file" "$T" train "$tmp/c.yaml" -o "$tmp/busy.bin"
cat data/demo.csv >"$tmp/feed"
wait $first || fail "the first training failed: $(cat "$tmp/first.err")"
"$T" info "$tmp/busy.bin" >/dev/null || fail "the first training's model is not whole"
ok

# --- cleanup: only textclf's own temporaries that no live process holds
: >"$tmp/k.bin.textclf-tmp.Stale1"
: >"$tmp/k.bin.textclf-tmp.Held22"
: >"$tmp/k.bin.tmp.backup"
flock "$tmp/k.bin.textclf-tmp.Held22" sleep 30 &
holder=$!
sleep 0.2
"$T" train "$tmp/c.yaml" -o "$tmp/k.bin" -q || fail "train beside temporaries failed"
[ -e "$tmp/k.bin.textclf-tmp.Stale1" ] && fail "a stale temporary was not removed"
[ -e "$tmp/k.bin.textclf-tmp.Held22" ] || fail "a temporary a live process holds was removed"
[ -e "$tmp/k.bin.tmp.backup" ] || fail "a user's file was removed"
kill "$holder"
wait "$holder" 2>/dev/null
ok

# --- an unwritable output is found before training, a long name works
expect_fail 1 "directory .*nonexistent.*No such file" "$T" train "$tmp/c.yaml" -o /nonexistent/m.bin
grep -q epoch "$tmp/err" && fail "trained before finding the missing directory"
long=$(printf 'm%.0s' $(seq 1 250))
"$T" train "$tmp/c.yaml" -o "$tmp/$long" -q --set output.checkpoint_every=1 || fail "250-byte name failed"
"$T" info "$tmp/$long" >/dev/null || fail "250-byte name: model not loadable"
ls -A "$tmp" | grep 'textclf-tmp\|textclf-lock' | grep -qv Held22 && fail "hashed temporary or lock left: $(ls -A "$tmp")"
too=$(printf 'm%.0s' $(seq 1 256))
expect_fail 1 "file name is 256 bytes" "$T" train "$tmp/c.yaml" -o "$tmp/$too"
if [ "$(id -u)" != 0 ]; then
    mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
    expect_fail 1 "cannot write in directory" "$T" train "$tmp/c.yaml" -o "$tmp/ro/m.bin"
fi
done_checks
