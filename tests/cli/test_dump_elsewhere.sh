# A .kir written away from its model folder (`kiln dump model.json > /elsewhere/m.kir`) states
# the weights folder, compiles and runs from there with the same outputs as the .json; the
# path rules (no '..', no symlink out of the folder) still hold inside the stated folder.
. "$(dirname "$0")/lib.sh"
NPY_TOOL=$1

# A copy of the example, so this test can put a symlink beside its weights.
model="$TMP/model"
mkdir -p "$model" "$TMP/elsewhere"
cp "$EX/mlp/model.json" "$EX/mlp/model.safetensors" "$model/"
kir="$TMP/elsewhere/m.kir"

"$KILN" dump "$model/model.json" >"$kir" 2>"$STDERR" && ok "dump to a file in another folder" ||
    bad "dump to a file in another folder"
want="weights_dir \"$(cd "$model" && pwd -P)\""
[ "$(sed -n 2p "$kir")" = "$want" ] && ok "the dump states the absolute weights folder" ||
    bad "line 2 is '$(sed -n 2p "$kir")', want '$want'"
expect_ok "the moved .kir dumps back" dump "$kir" -o "$TMP/elsewhere/again.kir"
check "the moved .kir round-trips byte for byte" cmp "$kir" "$TMP/elsewhere/again.kir"

# Compiled from another working directory too, so nothing depends on where kiln runs.
cd "$TMP/elsewhere"
expect_ok "compile the moved .kir" compile m.kir --bind batch=2 --emit so -o "$TMP/from-kir"
cd - >/dev/null
expect_ok "compile the .json" compile "$model/model.json" --bind batch=2 --emit so \
    -o "$TMP/from-json"
expect_ok "run the .kir library" run "$TMP/from-kir/libmlp.so" --random-inputs 5 \
    --output-dir "$TMP/out-kir"
expect_ok "run the .json library" run "$TMP/from-json/libmlp.so" --random-inputs 5 \
    --output-dir "$TMP/out-json"
check "the moved .kir gives the .json's outputs" \
    "$NPY_TOOL" compare "$TMP/out-kir/y.npy" "$TMP/out-json/y.npy" 0

# The stated folder confines the weights as the model's own folder does.
sed 's|"model.safetensors"|"../model/model.safetensors"|' "$kir" >"$TMP/elsewhere/dotdot.kir"
expect_fail "'..' in a load path is refused" "'..' is not allowed" \
    compile "$TMP/elsewhere/dotdot.kir" --bind batch=2 -o "$TMP/dotdot-out"
ln -s "$EX/mlp/model.safetensors" "$model/link.safetensors"
sed 's|"model.safetensors"|"link.safetensors"|' "$kir" >"$TMP/elsewhere/link.kir"
expect_fail "a symlink out of the stated folder is refused" "outside the model's folder" \
    compile "$TMP/elsewhere/link.kir" --bind batch=2 -o "$TMP/link-out"
sed "s|^weights_dir .*|weights_dir \"$TMP/none\"|" "$kir" >"$TMP/elsewhere/none.kir"
expect_fail "a missing stated folder is an error naming the .kir" "none.kir: " \
    compile "$TMP/elsewhere/none.kir" --bind batch=2 -o "$TMP/none-out"
[ ! -e "$TMP/dotdot-out" ] && [ ! -e "$TMP/link-out" ] && [ ! -e "$TMP/none-out" ] &&
    ok "no output after a refused .kir" || bad "output left after a refused .kir"
finish
