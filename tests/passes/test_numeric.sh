# Numeric preservation: every pipeline (-O0, -O1, -O2 and each pass alone, between bind and
# plan_memory) must leave every output of every model listed in numeric_models.txt within
# 1e-5 x max(1, |ref|) of the unoptimized reference interpreter (kiln run MODEL --interp), on
# the same seeded random inputs.
# usage: test_numeric.sh NPY_TOOL [LIST]
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"
NPY_TOOL=$1
LIST=${2:-$KILN_SOURCE_DIR/tests/passes/numeric_models.txt}
TOL=1e-5
PIPELINES="-O0 -O1 -O2 fold simplify cse dce reshape-linear fuse-attention fuse-qkv fuse-ops prune"
models=0
while read -r path binds pipes; do
    case $path in '' | '#'*) continue ;; esac
    models=$((models + 1))
    model="$KILN_SOURCE_DIR/$path"
    bind=()
    [ "$binds" != "-" ] && bind=(--bind "$binds")
    tag="m$models"
    expect_ok "$path: reference interpreter" run "$model" --interp "${bind[@]}" \
        --random-inputs 11 --output-dir "$TMP/$tag-ref"
    [ -n "$pipes" ] && plist=${pipes//,/ } || plist=$PIPELINES
    for p in $plist; do
        case $p in
        -O*) popt=("$p") ;;
        *) popt=(--passes "bind,$p,plan_memory") ;;
        esac
        out="$TMP/$tag$p"
        expect_ok "$path $p: compile" compile "$model" "${bind[@]}" "${popt[@]}" --verify-each \
            --emit so -o "$out"
        lib=$(ls "$out"/lib*.so 2>/dev/null | head -1)
        expect_ok "$path $p: run" run "$lib" --random-inputs 11 --output-dir "$out-y"
        for ref in "$TMP/$tag-ref"/*.npy; do
            check "$path $p: $(basename "$ref") matches the interpreter" \
                "$NPY_TOOL" compare "$out-y/$(basename "$ref")" "$ref" "$TOL"
        done
        rm -rf "$out"
    done
done <"$LIST"
check "the list names at least one model" test "$models" -gt 0
finish
