# The documentation keeps up with the code: every config key that
# `textclf --help-config` lists is documented in man/textclf.1 (in its
# section), and every option a command's --help lists appears in the man
# page and in the README (README.md's command table or text).
. "$(dirname "$0")/lib.sh"

man="$TC_ROOT/man/textclf.1"
readme="$TC_ROOT/README.md"
"$TEXTCLF" --help-config >"$tmp/keys" || fail "--help-config failed"
awk '$1 ~ /^[a-z_]+\.[a-z_.]+$/ { print $1 }' "$tmp/keys" >"$tmp/names"
[ "$(wc -l <"$tmp/names")" -ge 60 ] || fail "--help-config lists only $(wc -l <"$tmp/names") keys"
missing=""
while read -r key; do
    section=${key%%.*} leaf=${key#*.}
    leaf=${leaf##*.}
    # the man page's .SS section for the key, up to the next .SS or .SH
    awk -v s="$section" '/^\.S[SH] / { on = ($0 == ".SS " s) } on' "$man" >"$tmp/sec"
    grep -q -- "$key" "$man" || grep -Eq "^\.B[R]? .*\b$leaf\b" "$tmp/sec" || missing="$missing $key"
done <"$tmp/names"
[ -z "$missing" ] || fail "config keys missing from man/textclf.1:$missing"
ok

missing=""
for c in train tune quantize eval predict info tokenize plot; do
    "$TEXTCLF" "$c" --help >"$tmp/h" || fail "$c --help failed"
    for opt in $(grep -oE -- '(^| |\[)--[a-z][a-z-]*' "$tmp/h" | tr -d ' [' | sort -u); do
        m=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
        grep -q -- "$m" "$man" || missing="$missing man:$c:$opt"
        grep -q -- "$opt" "$readme" || missing="$missing README:$c:$opt"
    done
done
[ -z "$missing" ] || fail "options missing from the docs:$missing"
ok
done_checks
