# Help and bad command lines: every --help exits 0; every bad flag exits 1 with a message and
# a hint to --help.
. "$(dirname "$0")/lib.sh"

expect_ok "kiln --help" --help
grep -q "usage: kiln COMMAND" "$STDOUT" && ok "kiln --help text" || bad "kiln --help text"
expect_ok "kiln help" help
expect_ok "kiln --version" --version
grep -qE "^kiln [0-9]+\.[0-9]+" "$STDOUT" && ok "version text" || bad "version text"
for cmd in compile run dump; do
    expect_ok "kiln $cmd --help" "$cmd" --help
    grep -q "usage: kiln $cmd" "$STDOUT" && ok "$cmd help text" || bad "$cmd help text"
    expect_ok "kiln $cmd -h" "$cmd" -h
    expect_ok "kiln help $cmd" help "$cmd"
    expect_fail "$cmd: unknown option" "unknown option '--frobnicate'" "$cmd" --frobnicate
    grep -qF "Try 'kiln $cmd --help'" "$STDERR" && ok "$cmd: hint to --help" ||
        bad "$cmd: hint to --help"
done

M="$EX/mlp/model.json"
expect_fail "no command" "usage: kiln" 
expect_fail "unknown command" "unknown command 'frob'" frob
expect_fail "help of unknown command" "unknown command 'frob'" help frob
expect_fail "compile without model" "no model file given" compile
expect_fail "compile with two models" "more than one model" compile "$M" "$M"
expect_fail "compile -o without value" "option '-o' needs a value" compile "$M" -o
expect_fail "compile --emit exe" "--emit must be 'c', 'so', 'obj' or 'llvm-ir'" compile "$M" --emit exe
expect_fail "compile --bind negative" "must be a non-negative integer" compile "$M" --bind batch=-1
expect_fail "compile --bind no value" "has no value" compile "$M" --bind batch=
expect_fail "compile --bind no =" "expects name=value" compile "$M" --bind batch
expect_fail "compile --bind bad name" "is not a symbol name" compile "$M" --bind 1x=2
expect_fail "compile --bind overflow" "too large" compile "$M" --bind batch=99999999999999999999
expect_fail "compile --bind twice" "bound twice" compile "$M" --bind batch=1 --bind batch=2
expect_fail "compile --prefix bad" "is not a C identifier" compile "$M" --prefix 9lives
expect_fail "compile --prefix reserved" "is reserved" compile "$M" --prefix krt_model
expect_fail "compile --prefix reserved, any case" "is reserved" compile "$M" --prefix KILN
# A model named like the runtime's symbols gets a default prefix outside their namespace, so
# its library loads (krt_model would have made krt_model_init collide with the runtime's).
mkdir -p "$TMP/krt"
sed 's/"name": "mlp"/"name": "krt_model"/' "$M" >"$TMP/krt/model.json"
cp "$EX/mlp/model.safetensors" "$TMP/krt/"
expect_ok "compile a model named krt_model" compile "$TMP/krt/model.json" --bind batch=2 \
    --emit so -o "$TMP/krt-out"
check "its prefix is m_krt_model" test -f "$TMP/krt-out/m_krt_model.h"
expect_ok "its library runs" run "$TMP/krt-out/libm_krt_model.so" --random-inputs 3 \
    --output-dir "$TMP/krt-run"
expect_fail "run without target" "no model file or library given" run
expect_fail "run --random-inputs bad seed" "non-negative integer seed" run "$M" --random-inputs x
expect_fail "run --interp on library" "apply to model files" run lib.so --interp
expect_fail "dump --format svg" "--format must be 'text' or 'dot'" dump "$M" --format svg
expect_fail "dump without model" "no model file given" dump
expect_fail "missing model file" "cannot open" compile "$TMP/none.json" -o "$TMP/o"
[ ! -e "$TMP/o" ] && ok "no output after error" || bad "no output after error"
finish
