# Output folders: all or nothing, never clobbering a folder kiln did not make; --embed-weights.
. "$(dirname "$0")/lib.sh"
NPY_TOOL=$1
M="$EX/mlp/model.json"

leftovers() { ls -d "$TMP"/*.tmp-* 2>/dev/null | head -1; }

expect_ok "compile into a new folder" compile "$M" --bind batch=2 -o "$TMP/out"
[ -f "$TMP/out/.kiln-output" ] && [ -f "$TMP/out/mlp.h" ] && [ -f "$TMP/out/mlp.weights" ] &&
    ok "output folder has marker, header and weights" || bad "output folder contents"
expect_ok "recompile replaces a kiln folder" compile "$M" --bind batch=4 -o "$TMP/out/"
grep -q "4" "$TMP/out/mlp.h" && ok "replaced folder is the new output" || bad "replaced folder"
[ -z "$(leftovers)" ] && ok "no temporary folders left" || bad "temporary folder left: $(leftovers)"

mkdir "$TMP/mine"
echo precious >"$TMP/mine/notes.txt"
expect_fail "refuses a folder kiln did not make" "not a kiln output folder" \
    compile "$M" --bind batch=2 -o "$TMP/mine"
[ "$(cat "$TMP/mine/notes.txt")" = precious ] && ok "user folder untouched" || bad "user folder"
echo data >"$TMP/afile"
expect_fail "refuses a file" "not a kiln output folder" compile "$M" --bind batch=2 -o "$TMP/afile"

expect_fail "unbound symbol fails" "batch" compile "$M" -o "$TMP/unbound"
[ ! -e "$TMP/unbound" ] && [ -z "$(leftovers)" ] && ok "nothing left after a failed compile" ||
    bad "leftovers after failed compile"
expect_fail "unknown --bind symbol fails" "bogus" compile "$M" --bind batch=2,bogus=3 -o "$TMP/typo"
[ ! -e "$TMP/typo" ] && ok "nothing left after a bad binding" || bad "leftovers after bad binding"
CC=false expect_fail "failing C compiler" "failed" compile "$M" --bind batch=2 --emit so -o "$TMP/cc"
[ ! -e "$TMP/cc" ] && [ -z "$(leftovers)" ] && ok "nothing left after a compiler failure" ||
    bad "leftovers after compiler failure"
CC=/nonexistent/cc expect_fail "missing C compiler" "cannot run the C compiler" compile "$M" --bind batch=2 --emit so -o "$TMP/cc"
expect_ok "recompile over a kiln folder with a failure keeps the old" compile "$M" --bind batch=2 -o "$TMP/keep"
expect_fail "failed recompile" "bogus" compile "$M" --bind bogus=1 -o "$TMP/keep"
[ -f "$TMP/keep/mlp.h" ] && ok "old output kept after a failed recompile" || bad "old output lost"

cd "$TMP"
expect_ok "default output folder" compile "$M" --bind batch=1
cd - >/dev/null
[ -f "$TMP/mlp-kiln/mlp.h" ] && ok "default folder is <prefix>-kiln" || bad "default folder"
expect_ok "--prefix" compile "$M" --bind batch=1 --prefix tiny_net -o "$TMP/pfx"
[ -f "$TMP/pfx/tiny_net.h" ] && ok "--prefix names the files" || bad "--prefix files"

# --embed-weights: no weights file, same results.
expect_ok "compile --embed-weights" compile "$M" --bind batch=3 --emit so --embed-weights -o "$TMP/emb"
[ ! -e "$TMP/emb/mlp.weights" ] && ok "no weights file when embedded" || bad "weights file present"
expect_ok "run embedded library" run "$TMP/emb/libmlp.so" --random-inputs 3 --output-dir "$TMP/emb-out"
expect_ok "run --interp" run "$M" --interp --bind batch=3 --random-inputs 3 --output-dir "$TMP/emb-ref"
check "embedded weights match the interpreter" \
    "$NPY_TOOL" compare "$TMP/emb-out/y.npy" "$TMP/emb-ref/y.npy" 1e-5
finish
