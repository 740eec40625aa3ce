# bos/eos ids outside the vocabulary (docs/llm.md). transformers writes GPT-2's default 50256
# into the configs of tiny checkpoints (GPT2Config(vocab_size=512) without explicit ids) and runs
# them; kiln compiles them too, with one warning per ignored id naming its file, the id counted
# as absent (-1). The variants are the gpt2 reference model with its two config files edited.
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"
SRC="$KILN_SOURCE_DIR/tests/hf/models/gpt2"

# variant NAME CONFIG-EXPR GENERATION-EXPR: a copy of gpt2 with config.json (c) and
# generation_config.json (c) edited by the two Python statements.
variant() {
    cp -r "$SRC" "$TMP/$1"
    python3 - "$TMP/$1" "$2" "$3" <<'PY'
import json, sys
d, exprs = sys.argv[1], sys.argv[2:]
for name, expr in zip(["config.json", "generation_config.json"], exprs):
    p = d + "/" + name
    c = json.load(open(p))
    exec(expr)
    json.dump(c, open(p, "w"), indent=2)
PY
}

# warned FILE FIELD ID: the last run's stderr has the warning for FIELD = ID in FILE.
warned() {
    grep -qxF "$1: warning: $2 $3 is outside the vocabulary (vocab_size 512); ignored" "$STDERR"
}

# ids_are DIR BOS EOS: the header compiled into DIR (at the default -O2) states these ids.
ids_are() {
    grep -qx "#define GPT2_BOS_TOKEN_ID $2 /\* -1: none \*/" "$1/gpt2.h" &&
        grep -qx "#define GPT2_EOS_TOKEN_ID $3 /\* -1: none \*/" "$1/gpt2.h"
}

# Both files say 50256, as transformers writes them: four warnings, no ids.
variant big 'c["bos_token_id"] = c["eos_token_id"] = 50256' \
    'c["bos_token_id"] = c["eos_token_id"] = 50256'
expect_ok "ids 50256 compile" compile "$TMP/big" -o "$TMP/big-out"
warned "$TMP/big/config.json" bos_token_id 50256 && warned "$TMP/big/config.json" eos_token_id 50256 &&
    ok "config.json's ids are warned about" || { bad "config.json warnings"; show_output; }
warned "$TMP/big/generation_config.json" bos_token_id 50256 &&
    warned "$TMP/big/generation_config.json" eos_token_id 50256 &&
    ok "generation_config.json's ids are warned about" || { bad "generation_config warnings"; show_output; }
[ "$(grep -c ': warning: ' "$STDERR")" = 4 ] && ok "one warning per ignored id" ||
    { bad "want 4 warnings"; show_output; }
check "ignored ids are absent in the header" ids_are "$TMP/big-out" -1 -1

# generation_config.json has the last word: a valid id there wins over an ignored one, and an
# ignored one there clears a valid config.json id (transformers generates with it, and it can
# never come out, so generation never stops at it).
variant mixed 'c["eos_token_id"] = 50256; c["bos_token_id"] = 7' \
    'c["eos_token_id"] = 3; c["bos_token_id"] = -2'
expect_ok "mixed ids compile" compile "$TMP/mixed" -o "$TMP/mixed-out"
warned "$TMP/mixed/config.json" eos_token_id 50256 && warned "$TMP/mixed/generation_config.json" \
    bos_token_id -2 && [ "$(grep -c ': warning: ' "$STDERR")" = 2 ] &&
    ok "a negative id is warned about too" || { bad "mixed warnings"; show_output; }
check "valid ids from generation_config.json stay" ids_are "$TMP/mixed-out" -1 3

# The list form's first entry is the id, checked the same way.
variant list 'c["eos_token_id"] = [512, 0]' 'del c["eos_token_id"]'
expect_ok "a list with an id past the vocabulary compiles" compile "$TMP/list" -o "$TMP/list-out"
warned "$TMP/list/config.json" eos_token_id 512 && ok "the list's first id is warned about" ||
    { bad "list warning"; show_output; }

# Warnings reach stderr from every command that reads the folder, also when it succeeds.
expect_ok "dump prints and succeeds" dump "$TMP/big" -o "$TMP/big.kir"
warned "$TMP/big/config.json" eos_token_id 50256 && ok "dump prints the warnings" ||
    { bad "dump warnings"; show_output; }
expect_ok "generate succeeds" generate "$TMP/big" --tokens 1,2,3 -n 2 --ids
warned "$TMP/big/config.json" eos_token_id 50256 && ok "generate prints the warnings" ||
    { bad "generate warnings"; show_output; }

# The ids travel as model facts: a dump states bos, eos and pad (generation_config.json's
# pad wins over config.json's), and a pad outside the vocabulary is ignored like the others.
variant pad 'c["pad_token_id"] = 3' 'c["pad_token_id"] = 5; c["bos_token_id"] = 7'
expect_ok "dump with pad" dump "$TMP/pad" -o "$TMP/pad.kir"
grep -qx "meta pad_token_id = 5" "$TMP/pad.kir" && grep -qx "meta bos_token_id = 7" "$TMP/pad.kir" &&
    grep -qx "meta eos_token_id = 0" "$TMP/pad.kir" && ok "dump states bos 7, eos 0, pad 5" ||
    { bad "dump states the ids"; grep "^meta" "$TMP/pad.kir"; }
variant padbig 'c["pad_token_id"] = 50256' 'pass'
expect_ok "dump with pad 50256" dump "$TMP/padbig" -o "$TMP/padbig.kir"
warned "$TMP/padbig/config.json" pad_token_id 50256 && ! grep -q "pad_token_id" "$TMP/padbig.kir" &&
    ok "pad outside the vocabulary: warned and left out" || { bad "pad 50256"; show_output; }

# An id that is not an integer is still refused.
variant text 'c["eos_token_id"] = "2"' 'pass'
expect_fail "a non-integer id is an error" "config.json: field 'eos_token_id' must be an integer token id" \
    compile "$TMP/text" -o "$TMP/text-out"
[ ! -e "$TMP/text-out" ] && ok "nothing written for a refused config" || bad "output left"
finish
