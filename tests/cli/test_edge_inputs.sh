# Smaller edges of issue 12, each with the behaviour decided for it:
# labels trimmed with a notice; `info` escapes label bytes so each label stays
# on its line; a model whose config has a key from a newer textclf says so;
# a lone CR is no line break (a CR-only file is refused by name); kept
# columns never repeat a name in the output (NAME_2, with a note).
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3
T="$TEXTCLF"

# ---- train trims labels and says so: the count and the first label as read
{
    echo "label,text"
    echo '" pos ",good fine'
    echo '"a'
    echo 'b",weird text'
    for i in 1 2 3; do printf 'pos,nice good\nneg,bad awful\n'; done
    echo 'neg	,bad again'
} >"$tmp/l.csv"
cat >"$tmp/c.yaml" <<EOF
data:
  train: $tmp/l.csv
model:
  embedding_dim: 4
train:
  epochs: 1
EOF
"$T" train "$tmp/c.yaml" -o "$tmp/l.bin" 2>"$tmp/err" || fail "train: $(cat "$tmp/err")"
grep -qx "train: $tmp/l.csv: 2 labels had white space around them, trimmed (the first: \" pos \")" "$tmp/err" ||
    fail "no trim notice: $(cat "$tmp/err")"
ok
# a separator's own spacing is the format, not a trimmed label
printf 'label,text\n"x; y",one two\nx,three\ny,four\n' >"$tmp/m.csv"
"$T" train "$tmp/c.yaml" -o "$tmp/ml.bin" --set data.train="$tmp/m.csv" --set "data.label_separator=\";\"" \
    2>"$tmp/err" || fail "multi-label train: $(cat "$tmp/err")"
grep -q trimmed "$tmp/err" && fail "separator spacing reported as trimming: $(cat "$tmp/err")"
"$T" train "$tmp/c.yaml" -o "$tmp/q.bin" -q 2>"$tmp/err" || fail "train -q failed"
[ -s "$tmp/err" ] && fail "-q printed: $(cat "$tmp/err")"
ok

# ---- info: a label holding LF (or TAB, CR, backslash) is escaped as predict's TSV writes it
"$T" info "$tmp/l.bin" >"$tmp/info" || fail "info failed"
sed -n '/^labels:/,/^parameters:/p' "$tmp/info" >"$tmp/labels"
printf 'labels:      3 (one per row)\n  0  a\\nb\n  1  neg\n  2  pos\n' >"$tmp/want"
sed '$d' "$tmp/labels" | cmp -s - "$tmp/want" || fail "info labels: $(cat "$tmp/labels")"
# predict prints the same spelling
printf 'weird text\n' | "$T" predict "$tmp/l.bin" -k 3 | grep -qF 'a\nb' || fail "predict spells a\\nb differently"
ok

# ---- a model whose stored config has a key from a newer textclf (checksum kept valid)
"$T" train configs/demo.yaml -o "$tmp/d.bin" -q 2>/dev/null || fail "demo train failed"
# craft NEW [WRITER]: writer version (header bytes 12..27) set, "model.attention_heads: 4" added to
# the CONF section (the first section: tag, reserved u32, u64 length, YAML), the CRC-32 recomputed
craft() {
    "$py" - "$tmp/d.bin" "$1" "$2" <<'EOF' || fail "crafting $1 failed"
import struct, sys, zlib
src, dst, writer = sys.argv[1], sys.argv[2], sys.argv[3].encode()
d = bytearray(open(src, 'rb').read()[:-4])
d[12:28] = writer.ljust(16, b'\0')
assert d[32:36] == b'CONF'
n = struct.unpack_from('<Q', d, 40)[0]
conf = bytes(d[48:48 + n])
assert b'\nmodel:\n' in conf
conf = conf.replace(b'\nmodel:\n', b'\nmodel:\n  attention_heads: 4\n', 1)
d = d[:40] + struct.pack('<Q', len(conf)) + conf + d[48 + n:]
d += struct.pack('<I', zlib.crc32(bytes(d)))
open(dst, 'wb').write(d)
EOF
}
craft "$tmp/new.bin" 0.2.0
craft "$tmp/new10.bin" 10.0
craft "$tmp/same.bin" "$("$T" --version | awk '{ print $2 }')"
expect_fail 1 "^textclf: $tmp/new.bin: made by a newer textclf \(0\.2\.0\); this is textclf [0-9.]+, which does not know all of its config: .*model\.attention_heads: unknown key" \
    "$T" info "$tmp/new.bin"
expect_fail 1 "made by a newer textclf \(10\.0\)" "$T" predict "$tmp/new10.bin" /dev/null
# the same version with a key it does not know: a corrupt file, not a newer one
expect_fail 1 "model\.attention_heads: unknown key" "$T" info "$tmp/same.bin"
grep -q newer "$tmp/err" && fail "same-version model called newer: $(cat "$tmp/err")"
ok

# ---- a lone CR is no line break: inside a line a character (white space to the tokenizer);
#      a file of CR-ended lines (classic Mac OS) is refused by name, for training and predict
printf 'label,text\rpos,good fine\rneg,bad awful\rpos,nice\r' >"$tmp/cr.csv"
sum=$(cksum <"$tmp/cr.csv")
expect_fail 1 "^textclf: $tmp/cr.csv: lines end in CR alone \(classic Mac OS\); textclf reads LF or CRLF line ends: convert with tr '.r' '.n'\$" \
    "$T" train "$tmp/c.yaml" -o "$tmp/cr.bin" --set data.train="$tmp/cr.csv"
[ -e "$tmp/cr.bin" ] && fail "a model was written from a CR-only file"
printf 'good fine\rbad awful\rnice\r' >"$tmp/cr.txt"
expect_fail 1 "cr.txt: lines end in CR alone" "$T" predict "$tmp/d.bin" "$tmp/cr.txt"
expect_fail 1 "cr.csv: lines end in CR alone" "$T" eval "$tmp/d.bin" "$tmp/cr.csv"
[ "$(cksum <"$tmp/cr.csv")" = "$sum" ] || fail "the CR file changed"
printf 'the referee\rstopped the match\n' | "$T" tokenize "$tmp/d.bin" >"$tmp/o" || fail "tokenize with a CR failed"
[ "$(wc -l <"$tmp/o")" -eq 1 ] || fail "a lone CR split the line: $(cat "$tmp/o")"
grep -q 'referee:[0-9]* stopped:' "$tmp/o" || fail "CR not white space to the tokenizer: $(cat "$tmp/o")"
ok

# ---- kept columns: every output column (JSON key) has its own name; taken names get _2, _3, ...
printf 'id,text,id,predicted,prob,id_2\n1,good fine,x,p,q,z\n' >"$tmp/k.csv"
"$T" predict "$tmp/d.bin" --csv --keep-cols '*' --format csv "$tmp/k.csv" >"$tmp/o" 2>"$tmp/err" ||
    fail "keep-cols * failed: $(cat "$tmp/err")"
[ "$(head -n 1 "$tmp/o")" = "id,text,id_2,predicted_2,prob_2,id_2_2,predicted,prob" ] || fail "CSV header: $(head -n 1 "$tmp/o")"
[ "$(cut -d, -f1-6 "$tmp/o" | tail -n 1)" = "1,good fine,x,p,q,z" ] || fail "CSV fields: $(tail -n 1 "$tmp/o")"
grep -qx "textclf: note: $tmp/k.csv: 4 kept columns renamed so that every output column has its own name (the first: 'id' as 'id_2')" \
    "$tmp/err" || fail "no rename note: $(cat "$tmp/err")"
# JSON Lines: no duplicate key (checked by a JSON parser that keeps every pair)
printf 'labels,text,text,probs\n1,good,more,a\n' >"$tmp/j.csv"
"$T" predict "$tmp/d.bin" --csv --text-col 1 --keep-cols '*' --format jsonl --probs "$tmp/j.csv" >"$tmp/o" 2>"$tmp/err" ||
    fail "jsonl keep-cols failed: $(cat "$tmp/err")"
"$py" -c '
import json, sys
for line in open(sys.argv[1]):
    pairs = json.loads(line, object_pairs_hook=lambda p: p)
    keys = [k for k, _ in pairs]
    assert keys[:4] == ["labels_2", "text", "text_2", "probs_2"], keys
    assert len(keys) == len(set(keys)), keys
' "$tmp/o" || fail "JSON keys: $(cat "$tmp/o")"
# -k 2 and --probs, --explain: predicted_1.., p(LABEL), toward are the output's own
printf 'predicted_1,prob_3,p(food),toward,text\na,b,c,d,good\n' >"$tmp/t.csv"
"$T" predict "$tmp/d.bin" --csv --keep-cols '*' -k 2 --probs --explain "$tmp/t.csv" >"$tmp/o" 2>/dev/null ||
    fail "-k 2 --probs --explain failed"
head -n 1 "$tmp/o" | tr '\t' '\n' | sort | uniq -d | grep -q . && fail "duplicate header: $(head -n 1 "$tmp/o")"
head -n 1 "$tmp/o" | grep -q "^predicted_1_2	prob_3	p(food)_2	toward_2	text	predicted_1	" ||
    fail "-k 2 header: $(head -n 1 "$tmp/o")"
# no collision: no note, names untouched
"$T" predict "$tmp/d.bin" --csv --text-col 1 --keep-cols 0 "$tmp/k.csv" >/dev/null 2>"$tmp/err" || fail "plain keep failed"
[ -s "$tmp/err" ] && fail "a note without a rename: $(cat "$tmp/err")"
ok

done_checks
