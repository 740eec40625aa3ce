# The generated code of every example compiles warning-free under gcc and clang with
# -std=c11 -Wall -Wextra -Werror, with and without embedded weights; so does a graph of
# zero-size operands (Concat of an empty input, Slice and Split to nothing), whose nodes use
# none of their pointers (a finding of the compile-pipeline fuzzer).
. "$(dirname "$0")/lib.sh"

for cc in gcc clang; do
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "skip $cc: not installed"
        continue
    fi
    for spec in "mlp batch=2" "tiny-glm seq=4"; do
        set -- $spec
        name=$1 bind=$2
        for embed in "" --embed-weights; do
            out="$TMP/$name-$cc$embed"
            expect_ok "$name $embed: compile" compile "$EX/$name/model.json" --bind "$bind" $embed -o "$out"
            mkdir -p "$out.o"
            all=1
            for src in "$out"/*.c; do
                "$cc" -std=c11 -Wall -Wextra -Werror -O1 -c "$src" -o "$out.o/$(basename "$src").o" \
                    >"$TMP/cc.log" 2>&1 || { all=0; sed 's/^/    /' "$TMP/cc.log" | head -20; }
            done
            [ $all = 1 ] && ok "$name $embed: generated code is warning-free under $cc" ||
                bad "$name $embed: generated code warns under $cc"
        done
    done
done
cat >"$TMP/zero.kir" <<'KIR'
kiln.ir 1 graph "zero"
input %x: f32[2, 3]
input %e: f32[2, 0]
%c: f32[2, 3] = Concat(%x, %e) {axis = 1} name "cat"
%s: f32[2, 0] = Slice(%c) {starts = [0], ends = [0], axes = [1]} name "slice"
%p: f32[2, 0], %q: f32[2, 3] = Split(%c) {axis = 1, split = [0, 3]} name "split"
output %c
output %s
output %p
output %q
KIR
for cc in gcc clang; do
    command -v "$cc" >/dev/null 2>&1 || continue
    for level in -O0 -O2; do
        out="$TMP/zero-$cc$level"
        expect_ok "zero-size operands $level: compile" compile "$TMP/zero.kir" $level -o "$out"
        if "$cc" -std=c11 -Wall -Wextra -Werror -O1 -c "$out/zero.c" -o "$out/zero.o" \
            >"$TMP/cc.log" 2>&1; then
            ok "zero-size operands $level: warning-free under $cc"
        else
            bad "zero-size operands $level: warns under $cc"
            sed 's/^/    /' "$TMP/cc.log" | head -20
        fi
    done
done
finish
