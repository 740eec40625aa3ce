# The text IR of every example: kiln dump -> parse back -> dump again is byte-identical, a
# compiled .kir gives the same outputs as the compiled .json, and --format dot is a valid graph.
. "$(dirname "$0")/lib.sh"
NPY_TOOL=$1

round_trip() {
    local name=$1 bind=$2 prefix=$3
    local dir="$TMP/$name"
    # A copy of the example folder, so the .kir's weight references resolve next to it.
    mkdir -p "$dir"
    cp "$EX/$name/model.json" "$EX/$name/model.safetensors" "$dir/"
    expect_ok "$name: dump" dump "$dir/model.json" -o "$dir/model.kir"
    expect_ok "$name: dump the dump" dump "$dir/model.kir" -o "$dir/again.kir"
    check "$name: text round trip is byte-identical" cmp "$dir/model.kir" "$dir/again.kir"
    expect_ok "$name: dump to stdout" dump "$dir/model.json"
    check "$name: stdout dump equals -o dump" cmp "$STDOUT" "$dir/model.kir"

    expect_ok "$name: dump --bind" dump "$dir/model.json" --bind "$bind" -o "$dir/bound.kir"
    expect_ok "$name: bound dump parses" dump "$dir/bound.kir" -o "$dir/bound2.kir"
    check "$name: bound round trip is byte-identical" cmp "$dir/bound.kir" "$dir/bound2.kir"

    expect_ok "$name: compile .json" compile "$dir/model.json" --bind "$bind" --emit so -o "$dir/from-json"
    expect_ok "$name: compile .kir" compile "$dir/model.kir" --bind "$bind" --emit so -o "$dir/from-kir"
    expect_ok "$name: run .json library" run "$dir/from-json/lib$prefix.so" --random-inputs 11 \
        --output-dir "$dir/out-json"
    expect_ok "$name: run .kir library" run "$dir/from-kir/lib$prefix.so" --random-inputs 11 \
        --output-dir "$dir/out-kir"
    check "$name: .kir and .json give the same outputs" \
        "$NPY_TOOL" compare "$dir/out-kir/y.npy" "$dir/out-json/y.npy" 0

    expect_ok "$name: dump --format dot" dump "$dir/model.json" --format dot -o "$dir/model.dot"
    if command -v dot >/dev/null 2>&1; then
        check "$name: dot accepts the graph" dot -Tsvg -o "$dir/model.svg" "$dir/model.dot"
    else
        # No graphviz: check the structure instead.
        check "$name: dot output is a digraph" grep -q "^digraph" "$dir/model.dot"
        check "$name: dot output is closed" sh -c "tail -n 1 '$dir/model.dot' | grep -q '^}'"
        check "$name: dot output has edges" grep -q -- "->" "$dir/model.dot"
        check "$name: dot braces balance" sh -c \
            "[ \$(tr -cd '{' <'$dir/model.dot' | wc -c) = \$(tr -cd '}' <'$dir/model.dot' | wc -c) ]"
    fi
}

round_trip mlp batch=3 mlp
round_trip tiny-glm seq=5 tiny_glm
grep -q "Linear" "$TMP/mlp/model.dot" && grep -q "fc1" "$TMP/mlp/model.dot" &&
    ok "mlp: dot names ops and nodes" || bad "mlp: dot names ops and nodes"

# After -O2, fused weights are inline constants: a default dump elides them (and says how to
# get text that parses back), --full-constants round-trips.
glm="$TMP/tiny-glm"
expect_ok "tiny-glm: -O2 dump" dump "$glm/model.json" --bind seq=5 -O2 -o "$glm/o2.kir"
check "tiny-glm: -O2 dump elides the fused weights" grep -q "= elided 98304" "$glm/o2.kir"
expect_fail "tiny-glm: an elided dump does not compile" "dump it again with --full-constants" \
    compile "$glm/o2.kir" -o "$glm/o2-out"
expect_ok "tiny-glm: -O2 dump with full constants" dump "$glm/model.json" --bind seq=5 -O2 \
    --full-constants -o "$glm/o2full.kir"
expect_ok "tiny-glm: the full -O2 dump compiles" compile "$glm/o2full.kir" -o "$glm/o2full-out"
expect_ok "tiny-glm: dump of the full -O2 dump" dump "$glm/o2full.kir" --full-constants -O0 \
    -o "$glm/o2full2.kir"
check "tiny-glm: the full -O2 dump reads back byte for byte" cmp "$glm/o2full.kir" "$glm/o2full2.kir"

expect_fail "dump of a missing file" "cannot open" dump "$TMP/none.kir" -o "$TMP/none.out"
[ ! -e "$TMP/none.out" ] && ok "no output file after a failed dump" || bad "dump left a file"
printf 'this is not kir\n' >"$TMP/bad.kir"
expect_fail "dump of a malformed .kir" "bad.kir:" dump "$TMP/bad.kir"
finish
