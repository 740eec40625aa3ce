# --target: the list of backends, an unknown name, the explicit default (the same files as no
# --target at all), and a node the target does not support (reported with the file, node, op
# and reason before anything is written).
. "$(dirname "$0")/lib.sh"

M="$EX/mlp/model.json"

expect_ok "--target list" compile --target list
grep -qE "^c +[^ ]" "$STDOUT" && ok "--target list names c with a description" ||
    bad "--target list names c with a description"
[ ! -s "$STDERR" ] && ok "--target list writes nothing to stderr" || bad "--target list stderr"
expect_ok "--target=list" compile --target=list
grep -q "^c " "$STDOUT" && ok "--target=list output" || bad "--target=list output"

expect_fail "unknown target" "unknown target 'frob' (known: c" compile "$M" --bind batch=2 \
    --target frob -o "$TMP/frob"
[ ! -e "$TMP/frob" ] && ok "unknown target: nothing written" || bad "unknown target: output"
ls "$TMP" | grep -q "frob.tmp" && bad "unknown target: temporary folder left" ||
    ok "unknown target: no temporary folder"
expect_fail "--target without a value" "option '--target' needs a value" compile "$M" --target

expect_ok "compile without --target" compile "$M" --bind batch=2 -o "$TMP/default"
expect_ok "compile --target c" compile "$M" --bind batch=2 --target c -o "$TMP/explicit"
check "--target c writes the same files as the default" \
    diff -r --exclude=.kiln-output "$TMP/default" "$TMP/explicit"
expect_ok "compile --target c --emit so" compile "$M" --bind batch=2 --target c --emit so \
    -o "$TMP/so"
check "--target c --emit so builds the library" test -f "$TMP/so/libmlp.so"

# Softmax in f64 has no C kernel; Relu in f32 does. Both Softmax nodes are reported.
cat >"$TMP/f64.kir" <<'KIR'
kiln.ir 1 graph "f64"

input %x: f64[2, 3]
input %z: f32[2, 3]

%y: f64[2, 3] = Softmax(%x) name "sm"
%w: f32[2, 3] = Relu(%z) name "fine"
%v: f64[2, 3] = Softmax(%y) name "sm2"

output %v
output %w
KIR
expect_fail "unsupported node" \
    "$TMP/f64.kir: node 'sm' (Softmax): the c backend does not support this: dtype f64" \
    compile "$TMP/f64.kir" --target c -o "$TMP/f64-out"
grep -qF "node 'sm2' (Softmax): the c backend does not support this: dtype f64" "$STDERR" &&
    ok "every unsupported node is reported" || bad "every unsupported node is reported"
grep -q "'fine'" "$STDERR" && bad "a supported node is reported" || ok "supported node not reported"
[ ! -e "$TMP/f64-out" ] && ok "unsupported node: nothing written" || bad "unsupported: output"
ls "$TMP" | grep -q "f64-out.tmp" && bad "unsupported node: temporary folder left" ||
    ok "unsupported node: no temporary folder"

expect_ok "compile --help" compile --help
grep -q -- "--target NAME" "$STDOUT" && ok "--help describes --target" ||
    bad "--help describes --target"
finish
