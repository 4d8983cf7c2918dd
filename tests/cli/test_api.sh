# The public C API (include/textclf.h) end to end, against models trained
# here: the C example (built against libtextclf.so) and the Python ctypes
# wrapper write exactly what `textclf predict` writes, for a softmax and a
# sigmoid (multi-label) model; errors come back as messages; the shared
# library exports only textclf_* under its soname; and a `make install`
# tree builds a program through pkg-config.
. "$(dirname "$0")/lib.sh"
build=$(dirname "$TEXTCLF")
lib="$build/libtextclf.so.1"
[ -f "$lib" ] && [ -x "$build/examples/classify" ] || fail "$lib or $build/examples/classify not built (make check builds them)"

# A sanitizer build: programs linking the library need the sanitizer runtime
# first; Python gets it preloaded (its own allocations are not ours to leak-check).
san_cflags=
san_make=
py_env=
if readelf -d "$lib" | grep -q 'libasan'; then
    san_cflags="-fsanitize=address,undefined"
    san_make=SAN=1 # so that make install, should anything be stale, rebuilds it the same way
    py_env="LD_PRELOAD=$(cc -print-file-name=libasan.so):$(cc -print-file-name=libubsan.so) ASAN_OPTIONS=detect_leaks=0"
fi
py() { env $py_env TEXTCLF_LIB="$lib" /usr/bin/python3 "$@"; }

"$TEXTCLF" train configs/demo.yaml -o "$tmp/m.bin" --set train.epochs=3 --set data.test= -q 2>"$tmp/log" ||
    fail "train failed: $(cat "$tmp/log")"
# the test texts, an empty line, a line without a token, a line of invalid UTF-8
{ csv_to_lines data/demo_test.csv | cut -f2-; printf '\n!!! ...\n\377\376 bad bytes\n'; } >"$tmp/texts"
"$TEXTCLF" predict "$tmp/m.bin" "$tmp/texts" >"$tmp/cli" 2>/dev/null || fail "textclf predict failed"
[ "$(wc -l <"$tmp/cli")" -eq "$(wc -l <"$tmp/texts")" ] || fail "predict wrote $(wc -l <"$tmp/cli") lines"

"$build/examples/classify" "$tmp/m.bin" <"$tmp/texts" >"$tmp/c" 2>"$tmp/err" || fail "classify failed: $(cat "$tmp/err")"
cmp -s "$tmp/cli" "$tmp/c" || fail "C API and textclf predict differ: $(diff "$tmp/cli" "$tmp/c" | head -4)"
ok
py examples/textclf.py "$tmp/m.bin" <"$tmp/texts" >"$tmp/py" 2>"$tmp/err" || fail "textclf.py failed: $(cat "$tmp/err")"
cmp -s "$tmp/cli" "$tmp/py" || fail "Python wrapper and textclf predict differ: $(diff "$tmp/cli" "$tmp/py" | head -4)"
ok

# The Python API beyond the script: labels, probabilities that sum to 1 and
# agree with predict's, top-k, a batch equal to single calls.
py - "$tmp/m.bin" <<'PY' 2>"$tmp/err" || fail "Python API checks failed: $(cat "$tmp/err")"
import sys
sys.path.insert(0, "examples")
from textclf import Model, TextclfError
m = Model(sys.argv[1])
assert m.labels == sorted(m.labels) and len(m.labels) >= 2 and not m.multilabel, m.labels
p = m.probs("the team won the final match")
assert abs(sum(p.values()) - 1) < 1e-5, p
top = m.predict("the team won the final match", k=len(m.labels))
assert [l for l, _ in top] == sorted(p, key=lambda l: (-p[l], m.labels.index(l))), (top, p)
assert all(abs(q - p[l]) == 0 for l, q in top)
texts = ["stock markets fell", "", "a new phone was released", "the team won"]
assert m.predict_batch(texts) == [m.predict(t) for t in texts]
assert len(m.predict("")) == 1 and m.predict("") == m.predict("!!!"), m.predict("")  # the prior
try:
    Model("/nonexistent/model.bin")
    raise SystemExit("opening a missing model did not fail")
except TextclfError as e:
    assert "/nonexistent/model.bin" in str(e), e
PY
ok

# A sigmoid (multi-label) model: labels past their thresholds, joined by '|'
# (each label's own, chosen on valid.csv by train.tune_thresholds; 0.1 for
# labels with too few validation rows to choose one).
G=../shared/data/goemotions
head -n 1501 "$G/train.csv" >"$tmp/go.csv"
"$TEXTCLF" train configs/goemotions.yaml -o "$tmp/go.bin" -q --set data.train="$tmp/go.csv" \
    --set data.test= --set train.epochs=2 --set model.threshold=0.1 2>"$tmp/log" || fail "goemotions train failed: $(cat "$tmp/log")"
"$TEXTCLF" info "$tmp/go.bin" | grep -q "per label" || fail "no per-label thresholds: the check would not cover them"
sed -n '2,200p' "$G/test.csv" | sed 's/^[^,]*,//; s/^"//; s/"$//; s/""/"/g' >"$tmp/go_texts"
"$TEXTCLF" predict "$tmp/go.bin" "$tmp/go_texts" >"$tmp/go_cli" || fail "predict (multi-label) failed"
grep -q '|' "$tmp/go_cli" || fail "no row with several labels; the multi-label check would prove nothing"
"$build/examples/classify" "$tmp/go.bin" <"$tmp/go_texts" >"$tmp/go_c" || fail "classify (multi-label) failed"
cmp -s "$tmp/go_cli" "$tmp/go_c" || fail "multi-label: C API and predict differ: $(diff "$tmp/go_cli" "$tmp/go_c" | head -4)"
py examples/textclf.py "$tmp/go.bin" <"$tmp/go_texts" >"$tmp/go_py" || fail "textclf.py (multi-label) failed"
cmp -s "$tmp/go_cli" "$tmp/go_py" || fail "multi-label: Python and predict differ: $(diff "$tmp/go_cli" "$tmp/go_py" | head -4)"
ok

# Errors: a missing or damaged model is a message, not a crash.
expect_fail 1 "classify: .*nope\.bin" "$build/examples/classify" "$tmp/nope.bin"
head -c 1000 "$tmp/m.bin" >"$tmp/cut.bin"
expect_fail 1 "classify: .*cut\.bin" "$build/examples/classify" "$tmp/cut.bin"

# The shared library: its soname, and nothing but the API exported.
readelf -d "$lib" | grep -q 'SONAME.*\[libtextclf\.so\.1\]' || fail "soname is not libtextclf.so.1"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ && $3 !~ /^textclf_/ { print $3 }' >"$tmp/extra"
[ -s "$tmp/extra" ] && fail "libtextclf.so exports more than the API: $(head -5 "$tmp/extra" | tr '\n' ' ')"
nm -D --defined-only "$lib" | grep -q ' T textclf_predict_batch' || fail "textclf_predict_batch not exported"
ok

# make install into a fresh prefix; a program built there through pkg-config.
make -s -C "$TC_ROOT" install BUILD="${build#"$TC_ROOT"/}" $san_make PREFIX="$tmp/inst/usr" >"$tmp/log" 2>&1 ||
    fail "make install failed: $(cat "$tmp/log")"
for f in bin/textclf lib/libtextclf.so.1.0.0 lib/libtextclf.so.1 lib/libtextclf.so lib/libtextclf.a \
    include/textclf.h lib/pkgconfig/textclf.pc share/man/man1/textclf.1; do
    [ -e "$tmp/inst/usr/$f" ] || fail "make install did not install $f"
done
[ "$(readlink "$tmp/inst/usr/lib/libtextclf.so.1")" = libtextclf.so.1.0.0 ] || fail "libtextclf.so.1 link wrong"
flags=$(PKG_CONFIG_PATH="$tmp/inst/usr/lib/pkgconfig" pkg-config --cflags --libs textclf) || fail "pkg-config textclf failed"
cc $san_cflags examples/classify.c $flags -o "$tmp/classify" 2>"$tmp/log" || fail "building against the install failed: $(cat "$tmp/log")"
LD_LIBRARY_PATH="$tmp/inst/usr/lib" "$tmp/classify" "$tmp/m.bin" <"$tmp/texts" >"$tmp/c2" || fail "installed classify failed"
cmp -s "$tmp/cli" "$tmp/c2" || fail "installed classify differs from predict"
ok
done_checks
