# The training workflow end to end: validation split and per-epoch metrics,
# plain logs without control characters on a pipe, a live bar redrawn in place
# on a terminal (tmux), early stopping on a crafted run, the best model kept,
# byte-identical models from the same seed, resume at an epoch boundary and
# after Ctrl-C giving the same bytes as an uninterrupted run, stale temporary
# files cleaned up, and `textclf plot` drawing the curves.
. "$(dirname "$0")/lib.sh"

# every new feature at once; exponential decay does not depend on train.epochs,
# so a 3-epoch run resumed to 6 must equal a 6-epoch run
cat >"$tmp/cfg.yaml" <<EOF
data:
  train: $TC_ROOT/data/demo.csv
pad:
  maxlen: 64
model:
  embedding_dim: 16
  hidden: [16]
  dropout: 0.2
train:
  lr: 0.01
  epochs: 6
  batch_size: 16
  seed: 3
  threads: 1
  validation_split: 0.2
  lr_schedule: exponential
  lr_decay: 0.8
  warmup_epochs: 0.5
  weight_decay: 0.01
  class_weight: balanced
  early_stopping:
    patience: 10
output:
  save_best: true
EOF
cfg="$tmp/cfg.yaml"

# --- a pipe: one plain line per epoch, no '\r', no escape sequences
"$TEXTCLF" train "$cfg" -o "$tmp/a.bin" --set output.metrics="$tmp/a.jsonl" 2>"$tmp/log" ||
    fail "train failed: $(cat "$tmp/log")"
grep -q "validation: 96 of those rows held out" "$tmp/log" || fail "no hold-out line: $(cat "$tmp/log")"
[ "$(grep -c '^epoch [1-6]/6  loss .* val_loss .* val_acc .* val_f1 ' "$tmp/log")" -eq 6 ] ||
    fail "expected 6 epoch lines with validation: $(cat "$tmp/log")"
tr -d '\n' <"$tmp/log" | LC_ALL=C grep -q "$(printf '[\r\033]')" && fail "control characters on a pipe"
ok
[ "$(wc -l <"$tmp/a.jsonl")" -eq 6 ] || fail "metrics: expected 6 lines: $(cat "$tmp/a.jsonl")"
grep -q '^{"epoch":6,"lr":[0-9.e-]*,"loss":[0-9.e-]*,"accuracy":[0-9.]*,"val_loss":[0-9.e-]*,"val_accuracy":' \
    "$tmp/a.jsonl" || fail "metrics line: $(tail -n 1 "$tmp/a.jsonl")"
ok

# --- the same config and seed: the same bytes (wherever the outputs go)
"$TEXTCLF" train "$cfg" -o "$tmp/b.bin" -q || fail "second run failed"
cmp -s "$tmp/a.bin" "$tmp/b.bin" || fail "same seed gave a different model file"
ok

# --- resume at an epoch boundary: 3 epochs with a checkpoint, then on to 6
"$TEXTCLF" train "$cfg" -o "$tmp/c.bin" -q --set train.epochs=3 --set output.checkpoint_every=1 ||
    fail "3-epoch run failed"
[ -f "$tmp/c.bin.ckpt" ] || fail "no checkpoint beside the model"
"$TEXTCLF" train "$cfg" -o "$tmp/c.bin" --resume "$tmp/c.bin.ckpt" 2>"$tmp/log" || fail "resume failed: $(cat "$tmp/log")"
grep -q "resuming from .*c.bin.ckpt: 3 epochs done" "$tmp/log" || fail "no resume line: $(cat "$tmp/log")"
[ "$(grep -c '^epoch ' "$tmp/log")" -eq 3 ] || fail "resume ran other epochs than 4-6: $(cat "$tmp/log")"
cmp -s "$tmp/a.bin" "$tmp/c.bin" || fail "resumed run differs from the uninterrupted one"
[ -e "$tmp/c.bin.ckpt" ] && fail "the spent checkpoint was left behind"
ok

# --- resume refuses a checkpoint from another config, and a plain model file
"$TEXTCLF" train "$cfg" -o "$tmp/d.bin" -q --set train.epochs=2 --set output.checkpoint_every=2 || fail "d run"
expect_fail 1 "made with train.lr: 0.01, but the config now says 0.02" \
    "$TEXTCLF" train "$cfg" -o "$tmp/d.bin" --resume "$tmp/d.bin.ckpt" --set train.lr=0.02
expect_fail 1 "no training state in this file" "$TEXTCLF" train "$cfg" -o "$tmp/e.bin" --resume "$tmp/a.bin"
# the checkpoint is itself a model file eval can read
"$TEXTCLF" eval "$tmp/d.bin.ckpt" data/demo_test.csv >/dev/null || fail "eval of a checkpoint failed"
ok

# --- Ctrl-C in the middle of a long run: 130, a checkpoint, the previous model
#     untouched; resuming ends with the same bytes as never stopping
long="--set train.epochs=300 --set train.early_stopping.patience=0 --set output.save_best=false"
# shellcheck disable=SC2086
"$TEXTCLF" train "$cfg" -o "$tmp/full.bin" -q $long || fail "long run failed"
cp "$tmp/a.bin" "$tmp/m.bin"
cp "$tmp/a.bin" "$tmp/prev.bin"
: >"$tmp/m.jsonl"
# shellcheck disable=SC2086
"$TEXTCLF" train "$cfg" -o "$tmp/m.bin" $long --set output.metrics="$tmp/m.jsonl" 2>"$tmp/err" &
interrupt_after_epoch $! "$tmp/m.jsonl"
[ "$rc" -eq 130 ] || fail "SIGINT: exit status $rc: $(cat "$tmp/err")"
grep -q "interrupted in epoch [0-9]* after [0-9]* of 384 rows; saved .*m.bin.ckpt (.*m.bin is unchanged); continue with: textclf train .* --resume .*m.bin.ckpt" \
    "$tmp/err" || fail "interruption message: $(cat "$tmp/err")"
cmp -s "$tmp/prev.bin" "$tmp/m.bin" || fail "the previous model changed"
"$TEXTCLF" eval "$tmp/m.bin" data/demo_test.csv >/dev/null || fail "previous model not loadable"
"$TEXTCLF" eval "$tmp/m.bin.ckpt" data/demo_test.csv >/dev/null || fail "checkpoint not loadable"
ls -A "$tmp" | grep -q 'textclf-tmp\|textclf-lock' && fail "temporary or lock file left behind"
ok
# shellcheck disable=SC2086
"$TEXTCLF" train "$cfg" -o "$tmp/m.bin" $long --set output.metrics="$tmp/m.jsonl" --resume "$tmp/m.bin.ckpt" \
    2>"$tmp/err" || fail "resume after Ctrl-C failed: $(cat "$tmp/err")"
cmp -s "$tmp/full.bin" "$tmp/m.bin" || fail "resumed after Ctrl-C differs from the uninterrupted run"
[ "$(wc -l <"$tmp/m.jsonl")" -eq 300 ] || fail "metrics after resume: $(wc -l <"$tmp/m.jsonl") lines, expected 300"
ok

# --- a temporary file a second Ctrl-C cut short is removed by the next run
: >"$tmp/a.bin.textclf-tmp.Zq81xv"
: >"$tmp/a.bin.tmp.backup"
: >"$tmp/a.bin.textclf-tmp.keep"
"$TEXTCLF" train "$cfg" -o "$tmp/a.bin" -q --set train.epochs=1 || fail "run after a stale temp failed"
[ -e "$tmp/a.bin.textclf-tmp.Zq81xv" ] && fail "stale temporary file not removed"
[ -e "$tmp/a.bin.tmp.backup" ] || fail "a user's file named like an old temporary was removed"
[ -e "$tmp/a.bin.textclf-tmp.keep" ] || fail "a file that is not a temporary was removed"
ok

# --- early stopping on a crafted run: the validation rows say the opposite,
#     so val_loss rises from epoch 1; patience 2 stops after epoch 3 and the
#     model keeps epoch 1 (save_best)
printf 'label,text\n' >"$tmp/es_train.csv"
printf 'label,text\n' >"$tmp/es_valid.csv"
for i in 1 2 3 4 5 6 7 8 9 10; do
    printf 'pos,good great fine %s\nneg,bad awful poor %s\n' "$i" "$i" >>"$tmp/es_train.csv"
done
printf 'neg,good great\npos,bad awful\nneg,fine good\npos,poor bad\n' >>"$tmp/es_valid.csv"
cat >"$tmp/es.yaml" <<EOF
data:
  train: $tmp/es_train.csv
  valid: $tmp/es_valid.csv
train:
  lr: 0.05
  epochs: 30
  batch_size: 4
  early_stopping:
    monitor: val_loss
    patience: 2
output:
  save_best: true
  metrics: $tmp/es.jsonl
EOF
"$TEXTCLF" train "$tmp/es.yaml" -o "$tmp/es.bin" 2>"$tmp/log" || fail "early-stopping run failed: $(cat "$tmp/log")"
grep -q "early stopping: val_loss has not improved for 2 epochs (best .*, epoch 1)" "$tmp/log" ||
    fail "no early-stopping line: $(cat "$tmp/log")"
[ "$(wc -l <"$tmp/es.jsonl")" -eq 3 ] || fail "expected 3 epochs: $(cat "$tmp/es.jsonl")"
grep -q "saved .*es.bin (the best epoch)" "$tmp/log" || fail "no best-model line: $(cat "$tmp/log")"
# the model holds epoch 1: its validation loss is epoch 1's
v1=$(sed -n '1s/.*"val_loss":\([0-9.e-]*\).*/\1/p' "$tmp/es.jsonl")
v=$("$TEXTCLF" eval "$tmp/es.bin" "$tmp/es_valid.csv" --json | sed -n 's/.*"log_loss": *\([0-9.e-]*\).*/\1/p' | head -n 1)
awk -v a="$v1" -v b="$v" 'BEGIN { exit !(a - b < 1e-4 && b - a < 1e-4) }' || fail "model val loss $v != epoch 1's $v1"
ok

# --- textclf plot: one SVG with both panels and a legend
"$TEXTCLF" plot "$tmp/a.jsonl" -o "$tmp/a.svg" || fail "plot failed"
grep -q '^<svg xmlns="http://www.w3.org/2000/svg"' "$tmp/a.svg" || fail "not an SVG"
[ "$(grep -c '<polyline' "$tmp/a.svg")" -ge 5 ] || fail "expected 5 curves"
for w in Loss Accuracy validation 'macro-F1' 'best epoch'; do grep -q "$w" "$tmp/a.svg" || fail "SVG lacks $w"; done
tail -n 1 "$tmp/a.svg" | grep -q '^</svg>$' || fail "SVG not closed"
"$TEXTCLF" plot "$tmp/a.jsonl" --title 'a <b> & c' >"$tmp/t.svg" || fail "plot to stdout failed"
grep -q 'a &lt;b&gt; &amp; c' "$tmp/t.svg" || fail "title not escaped"
printf '{"epoch":1,"loss":0.5}\n{"epoch":2,"loss":[1]}\n' >"$tmp/bad.jsonl"
expect_fail 1 "bad.jsonl:2:19: nested objects and arrays" "$TEXTCLF" plot "$tmp/bad.jsonl" -o "$tmp/bad.svg"
ok

# --- a terminal (tmux): the bar is redrawn in place with '\r' and ESC[K,
#     coloured unless NO_COLOR, and only the epoch lines stay on the screen
if command -v tmux >/dev/null 2>&1; then
    sock="$tmp/tmux.sock"
    for color in 1 0; do
        nc=""
        [ "$color" -eq 0 ] && nc="NO_COLOR=1"
        : >"$tmp/raw"
        tmux -S "$sock" -f /dev/null new-session -d -x 160 -y 30 -c "$TC_ROOT" \
            "sleep 1; env $nc TERM=xterm '$TEXTCLF' train '$cfg' -o '$tmp/t.bin'; echo EXIT=\$?; sleep 60" ||
            fail "tmux did not start"
        tmux -S "$sock" pipe-pane -o "cat >>'$tmp/raw'"
        n=0
        until tmux -S "$sock" capture-pane -p | grep -q '^EXIT='; do
            n=$((n + 1))
            [ "$n" -lt 600 ] || { tmux -S "$sock" kill-server; fail "the run in tmux did not finish"; }
            sleep 0.1
        done
        tmux -S "$sock" capture-pane -p >"$tmp/screen"
        tmux -S "$sock" kill-server
        grep -q '^EXIT=0' "$tmp/screen" || fail "train in tmux failed: $(cat "$tmp/screen")"
        LC_ALL=C grep -q "$(printf '\r\033\\[Kepoch 1/6 \\[')" "$tmp/raw" || fail "no bar redrawn in place"
        [ "$(grep -c '^epoch [1-6]/6  loss' "$tmp/screen")" -eq 6 ] || fail "screen: $(cat "$tmp/screen")"
        grep -q 'rows/s  ETA' "$tmp/screen" && fail "a progress bar was left on the screen: $(cat "$tmp/screen")"
        if [ "$color" -eq 1 ]; then
            LC_ALL=C grep -q "$(printf '\033\\[32m')" "$tmp/raw" || fail "no colour on a terminal"
        else
            LC_ALL=C grep -q "$(printf '\033\\[3')" "$tmp/raw" && fail "colour despite NO_COLOR"
        fi
        ok
    done
else
    echo "$(basename "$0"): tmux not installed; terminal checks skipped"
fi
done_checks
