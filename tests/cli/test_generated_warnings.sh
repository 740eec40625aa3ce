# The generated code of every example compiles warning-free under gcc and clang with
# -std=c11 -Wall -Wextra -Werror, with and without embedded weights.
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
finish
