# Generated code keeps no mutable state (issue 14; DESIGN.md: two contexts of one model share
# nothing but read-only data): every object file of a compiled model, the runtime's included,
# has empty .data, .bss and thread-local sections and no common symbols. Relocated constant
# tables (.data.rel.ro) are read-only once loaded and allowed. Checked for a plain model, the
# same with embedded weights, and a Hugging Face decoder.
. "$(dirname "$0")/lib.sh"

command -v readelf >/dev/null 2>&1 || { echo "readelf (binutils) is required"; exit 1; }
cc=${CC:-cc}

# writable OBJ: the names of OBJ's writable sections of non-zero size and its common symbols
# ("[Nr] Name Type Address Off Size ..." rows of readelf -S; the size is hex)
writable() {
    readelf -S -W "$1" | sed -n 's/^ *\[ *[0-9]*\] //p' |
        awk '$1 ~ /^\.(data|bss|tdata|tbss)/ && $1 !~ /^\.data\.rel\.ro/ && $5 !~ /^0+$/ {print $1}'
    readelf -s -W "$1" | awk '$7 == "COM" {print $8}'
}

# the check itself must see a planted writable global, a static and a thread-local
printf 'int counter;\nstatic int hidden = 3;\n_Thread_local int tl;\nint bump(void) { return ++counter + hidden++ + tl++; }\n' >"$TMP/planted.c"
$cc -std=c11 -O2 -fPIC -fcommon -c "$TMP/planted.c" -o "$TMP/planted.o"
planted=$(writable "$TMP/planted.o" | tr '\n' ' ')
case "$planted" in
*.data*.tbss*counter*) ok "the check finds planted writable globals ($planted)" ;;
*) bad "the check misses planted writable globals (found: '$planted')" ;;
esac
for spec in "mlp:$EX/mlp/model.json:--bind batch=2" "mlp-embedded:$EX/mlp/model.json:--bind batch=2 --embed-weights" \
    "tiny-glm:$EX/tiny-glm/model.json:--bind seq=4" "llama:$KILN_SOURCE_DIR/tests/hf/models/llama:"; do
    IFS=: read -r name model flags <<<"$spec"
    out="$TMP/$name"
    # shellcheck disable=SC2086
    expect_ok "$name: compile" compile "$model" $flags -o "$out"
    found=""
    for src in "$out"/*.c; do
        obj="$out/$(basename "$src" .c).o"
        if ! $cc -std=c11 -O2 -fPIC -c "$src" -o "$obj" 2>"$TMP/cc.log"; then
            found="$found $(basename "$src"): does not compile;"
            continue
        fi
        w=$(writable "$obj")
        [ -n "$w" ] && found="$found $(basename "$obj"): $w;"
    done
    if [ -z "$found" ]; then
        ok "$name: no writable globals in $(ls "$out"/*.o | wc -l) object files"
    else
        bad "$name: writable globals:$found"
    fi
done
finish
