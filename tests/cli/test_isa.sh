# KILN_ISA end to end: a compiled example run under every kernel table this CPU runs (portable,
# avx2, avx512; the list `kiln run` prints) matches the interpreter within 1e-5 x max(1, |ref|),
# at row counts that take the SIMD tables' matrix-vector path (1 row) and their GEMM path (40);
# `kiln run` names the table; an unknown KILN_ISA and one the CPU lacks are clear errors.
. "$(dirname "$0")/lib.sh"
NPY_TOOL=$1
TOL=1e-5

expect_ok "kernels line" run "$EX/mlp/model.json" --bind batch=1 --random-inputs 1
RUNS=$(sed -n 's/^kernels: [a-z0-9]* (the best this CPU runs: \(.*\))$/\1/p' "$STDOUT")
case " $RUNS " in
*" portable "*) ok "kiln run names the table and what the CPU runs: $RUNS" ;;
*)
    bad "kernels line"
    show_output
    ;;
esac

for ex in "tiny-glm tiny_glm seq 1" "tiny-glm tiny_glm seq 40" "mlp mlp batch 33"; do
    set -- $ex
    name=$1 prefix=$2 sym=$3 n=$4
    out="$TMP/$name-$n"
    expect_ok "$name $sym=$n: compile" compile "$EX/$name/model.json" --bind "$sym=$n" \
        --emit so -o "$out"
    expect_ok "$name $sym=$n: interpreter" run "$EX/$name/model.json" --interp --bind "$sym=$n" \
        --random-inputs 7 --output-dir "$out-ref"
    for isa in $RUNS; do
        KILN_ISA=$isa expect_ok "$name $sym=$n: run under KILN_ISA=$isa" run \
            "$out/lib$prefix.so" --random-inputs 7 --output-dir "$out-$isa"
        grep -qx "kernels: $isa (forced by KILN_ISA; this CPU runs: $RUNS)" "$STDOUT" &&
            ok "$name $sym=$n: $isa named" || { bad "$name $sym=$n: $isa named"; show_output; }
        check "$name $sym=$n: $isa matches the interpreter" \
            "$NPY_TOOL" compare "$out-$isa/y.npy" "$out-ref/y.npy" "$TOL"
    done
done

LIB="$TMP/mlp-33/libmlp.so"
KILN_ISA=sse9 expect_fail "unknown KILN_ISA" "KILN_ISA=sse9 is not one of portable, avx2, avx512, neon" \
    run "$LIB" --random-inputs 1
for isa in avx2 avx512 neon; do
    case " $RUNS " in *" $isa "*) continue ;; esac
    KILN_ISA=$isa expect_fail "KILN_ISA=$isa on a CPU without it" \
        "KILN_ISA=$isa, but this CPU runs only: $RUNS" run "$LIB" --random-inputs 1
done
finish
