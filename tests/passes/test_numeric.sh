# Numeric preservation: every pipeline (-O0, -O1, -O2 and each pass alone, between bind and
# plan_memory), compiled for every registered target (kiln compile --target list), must leave
# every output of every model listed in numeric_models.txt within 1e-5 x max(1, |ref|) of the
# unoptimized reference interpreter (kiln run MODEL --interp), on the same seeded random inputs.
# A target that does not support a node of a model skips it (counted per target).
# usage: test_numeric.sh NPY_TOOL [LIST]
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"
NPY_TOOL=$1
LIST=${2:-$KILN_SOURCE_DIR/tests/passes/numeric_models.txt}
TOL=1e-5
PIPELINES="-O0 -O1 -O2 fold simplify cse dce reshape-linear fuse-attention fuse-qkv fuse-ops prune"
expect_ok "kiln compile --target list" compile --target list
TARGETS=$(awk '{print $1}' "$STDOUT")
check "at least one target is registered" test -n "$TARGETS"
declare -A SKIPS
for t in $TARGETS; do SKIPS[$t]=0; done
# A GPU target on a machine without a GPU compiles but cannot run: found once with the mlp
# example, then left out (its compile checks are tests/cuda's).
RUNNABLE=""
for t in $TARGETS; do
    run_kiln compile "$EX/mlp/model.json" --bind batch=1 --target "$t" --emit so -o "$TMP/probe-$t"
    run_kiln run "$TMP/probe-$t/libmlp.so" --random-inputs 1 --output-dir "$TMP/probe-$t-y"
    if [ "$RC" -eq 1 ] && grep -q "no usable GPU" "$STDERR"; then
        echo "skip target $t: no device here"
    else
        RUNNABLE="$RUNNABLE $t"
    fi
done
TARGETS=$RUNNABLE
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
    for t in $TARGETS; do
        for p in $plist; do
            case $p in
            -O*) popt=("$p") ;;
            *) popt=(--passes "bind,$p,plan_memory") ;;
            esac
            out="$TMP/$tag$p-$t"
            run_kiln compile "$model" "${bind[@]}" "${popt[@]}" --verify-each --target "$t" \
                --emit so -o "$out"
            if [ "$RC" -eq 1 ] && grep -q "the $t backend does not support this" "$STDERR"; then
                echo "skip $path $p: target $t: $(head -1 "$STDERR")"
                SKIPS[$t]=$((SKIPS[$t] + 1))
                continue
            fi
            if [ "$RC" -eq 0 ]; then ok "$path $p $t: compile"; else
                bad "$path $p $t: compile (exit $RC)"
                show_output
            fi
            lib=$(ls "$out"/lib*.so 2>/dev/null | head -1)
            expect_ok "$path $p $t: run" run "$lib" --random-inputs 11 --output-dir "$out-y"
            for ref in "$TMP/$tag-ref"/*.npy; do
                check "$path $p $t: $(basename "$ref") matches the interpreter" \
                    "$NPY_TOOL" compare "$out-y/$(basename "$ref")" "$ref" "$TOL"
            done
            rm -rf "$out"
        done
    done
done <"$LIST"
check "the list names at least one model" test "$models" -gt 0
for t in $TARGETS; do echo "target $t: ${SKIPS[$t]} model/pipeline pairs skipped"; done
finish
