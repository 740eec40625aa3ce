"""Malformed-input cases in the text formats: the text IR (.kir), kiln's JSON model description
and safetensors headers beside a JSON model. Overflowing sizes, bad ranks, undefined and cyclic
values, type confusion, hostile names and every field of a safetensors header."""
import json
import os

from gen_cases import GOOD_DATA, GOOD_HEADER, model_json, safetensors_bytes, write_case

BIG = (1 << 63) - 1
HEAD = 'kiln.ir 1 graph "m"\n'


def kir_case(out, name, text, expect=None, legal=False, files=None):
    d = os.path.join(out, name)
    os.makedirs(d)
    with open(os.path.join(d, "model.kir"), "wb") as f:
        f.write(text.encode() if isinstance(text, str) else text)
    with open(os.path.join(d, "legal" if legal else "expect"), "w") as f:
        f.write("" if legal else expect)
    for rel, data in (files or {}).items():
        with open(os.path.join(d, rel), "wb") as f:
            f.write(data)


def tiny_decoder(capacity, layers=1):
    """A decoder graph of `layers` attention layers (vocab 4, one head of 2) over KV caches of
    `capacity` tokens: prefill takes 2 tokens, decode 1."""
    text = HEAD + "const %emb: f32[4, 2] = [1, 0, 0, 1, 1, 1, 0, 0]\n"
    text += "const %lm: f32[4, 2] = [1, 0, 0, 1, 1, 1, 0, 0]\n"
    for pre, rows in (("p", 2), ("d", 1)):
        text += "input %%%s.ids: i64[%d]\ninput %%%s.pos: i64[%d]\n" % (pre, rows, pre, rows)
        text += "%%%s.e: f32[%d, 2] = Gather(%%emb, %%%s.ids)\n" % (pre, rows, pre)
        text += "%%%s.q0: f32[%d, 1, 2] = Reshape(%%%s.e) {shape = [%d, 1, 2]}\n" % (
            pre, rows, pre, rows)
        for i in range(layers):
            text += ("%%%s.q%d: f32[%d, 1, 2] = KvAttention(%%%s.q%d, %%%s.q%d, %%%s.q%d) "
                     "{layer = %d, max_context = %d}\n" %
                     (pre, i + 1, rows, pre, i, pre, i, pre, i, i, capacity))
        text += "%%%s.m: f32[%d, 2] = Reshape(%%%s.q%d) {shape = [%d, 2]}\n" % (
            pre, rows, pre, layers, rows)
        text += "%%%s.logits: f32[%d, 4] = Linear(%%%s.m, %%lm)\n" % (pre, rows, pre)
        text += "output %%%s.logits\n" % pre
    for i in range(layers):
        text += "state kv_cache layer %d: f32[%d, 1, 2]\n" % (i, capacity)
    text += "entry prefill inputs(%p.ids, %p.pos) outputs(%p.logits)\n"
    text += "entry decode inputs(%d.ids, %d.pos) outputs(%d.logits)\n"
    return text


def kir_cases(out):
    x = "input %x: f32[2, 3]\n"

    def k(name, body, expect):
        kir_case(out, "kir_" + name, HEAD + body, expect)

    k("undefined_value", x + '%y: f32[2, 3] = Relu(%z) name "r"\noutput %y\n',
      "model.kir:3:22: undefined value %z")
    k("cycle", x + '%y: f32[2, 3] = Add(%x, %y) name "a"\noutput %y\n',
      "model.kir:3:25: undefined value %y")
    k("duplicate_value", x + '%y: f32[2, 3] = Relu(%x) name "a"\n'
      '%y: f32[2, 3] = Relu(%x) name "b"\noutput %y\n', "value %y is defined twice")
    k("duplicate_node_name", x + '%y: f32[2, 3] = Relu(%x) name "a"\n'
      '%z: f32[2, 3] = Relu(%y) name "a"\noutput %z\n', "a node named 'a' already exists")
    k("int64_max_dim", "input %x: f32[9223372036854775807, 2]\n"
      '%y: f32[9223372036854775807, 2] = Relu(%x) name "r"\noutput %y\n',
      "node 'r' (Relu): output 0 would be f32[9223372036854775807, 2], whose size in bytes "
      "overflows")
    k("dim_too_big", "input %x: f32[99999999999999999999]\noutput %x\n",
      "integer 99999999999999999999 does not fit in 64 bits")
    k("negative_dim", "input %x: f32[-2, 3]\noutput %x\n", "must be >= 0, got -2")
    k("rank_9", "input %x: f32[1, 1, 1, 1, 1, 1, 1, 1, 1]\noutput %x\n",
      "a type has at most 8 dimensions")
    k("unknown_op", x + '%y: f32[2, 3] = Frobnicate(%x) name "f"\noutput %y\n',
      "unknown op 'Frobnicate'")
    k("unknown_dtype", "input %x: f31[2, 3]\noutput %x\n", "unknown dtype 'f31'")
    k("arena_negative", "arena_bytes -1\n" + x + "output %x\n",
      "the arena size in bytes must be >= 0, got -1")
    k("weights_dir_relative", 'weights_dir "rel/dir"\n' + x + "output %x\n",
      "weights_dir 'rel/dir' is not an absolute path")
    k("load_dotdot", x + 'const %w: f32[2, 3] = load "../w.safetensors" "w"\n'
      '%y: f32[2, 3] = Add(%x, %w) name "a"\noutput %y\n',
      "constant file '../w.safetensors': '..' is not allowed")
    k("load_absolute", x + 'const %w: f32[2, 3] = load "/etc/passwd" "w"\n'
      '%y: f32[2, 3] = Add(%x, %w) name "a"\noutput %y\n',
      "constant file '/etc/passwd': absolute paths are not allowed")
    k("attr_type_confusion", x + '%y: f32[3, 2] = Transpose(%x) {perm = "01"} name "t"\n'
      "output %y\n", "attribute 'perm' of Transpose must be ints, got string")
    k("attr_int_overflow", x + '%y: f32[2, 3] = Softmax(%x) {axis = 99999999999999999999} '
      'name "s"\noutput %y\n', "integer 99999999999999999999 does not fit in 64 bits")
    k("const_count", 'const %c: f32[2, 3] = [1, 2, 3]\noutput %c\n',
      "constant %c has 3 elements but f32[2, 3] holds 6")
    k("const_nan_int", 'const %c: i32[1] = [nan]\noutput %c\n',
      "expected an integer element, got 'nan'")
    # fold evaluates the Gather (its output is not a graph output) and must report the index
    k("gather_const_out_of_range", 'const %c: f32[3] = [1, 2, 3]\nconst %j: i64[1] = [7]\n'
      '%g: f32[1] = Gather(%c, %j) {axis = 0} name "g"\n%y: f32[1] = Relu(%g) name "r"\n'
      "output %y\n", "node 'g' (Gather): index 7 (element 0 of the indices) is out of range")
    k("slice_int64_min_step", x + '%y: f32[2, 3] = Slice(%x) {starts = [0], ends = [2], '
      'axes = [0], steps = [-9223372036854775808]} name "s"\noutput %y\n',
      "node 's' (Slice): slice step -9223372036854775808 is out of range")
    k("reshape_overflow", x + '%y: f32[9223372036854775807, 4] = Reshape(%x) '
      '{shape = [9223372036854775807, 4]} name "r"\noutput %y\n',
      "node 'r' (Reshape): element count overflows")
    k("unbound_symbol", "symbol n\ninput %x: f32[n, 3]\noutput %x\n",
      "symbol 'n' is unbound (it sizes value 'x')")
    k("symbol_negative", "symbol n = -3\ninput %x: f32[n, 3]\noutput %x\n",
      "the symbol's value must be >= 0, got -3")
    k("meta_twice", 'meta model_type = "a"\nmeta model_type = "b"\n' + x + "output %x\n",
      "metadata model_type is given twice")
    k("entry_unknown_output", x + "entry run inputs(%x) outputs(%q)\noutput %x\n",
      "undefined value %q")
    k("output_undefined", x + "output %nope\n", "model.kir:3:8: undefined value %nope")
    k("elided", 'const %c: f32[300] = elided 300\noutput %c\n', "was left out of this dump")
    k("nul_byte", x + "output %x\x00\n", "model.kir: the text contains a NUL byte")
    k("deep_brackets", x + "%y: f32[2, 3] = Relu(%x) {a = " + "[" * 5000 + "]" * 5000 +
      '} name "r"\noutput %y\n', "model.kir:3:")
    kir_case(out, "kir_no_header", x + "output %x\n", "model.kir:1:1: expected the header line")
    kir_case(out, "kir_bad_version", 'kiln.ir 99 graph "m"\n' + x + "output %x\n",
             "model.kir:1:9: ")
    kir_case(out, "kir_unterminated_string", 'kiln.ir 1 graph "m\n' + x, "model.kir:1:")
    # 70 constant inputs: fold evaluates a node of more than 64 inputs (its arrays were 64 long)
    consts = "".join("const %%c%d: f32[1] = [%d]\n" % (i, i) for i in range(70))
    kir_case(out, "kir_concat_70_constants", HEAD + x + consts +
             "%%y: f32[70] = Concat(%s) {axis = 0} name \"cat\"\n" %
             ", ".join("%%c%d" % i for i in range(70)) +
             '%z: f32[2, 3] = Relu(%x) name "r"\noutput %y\noutput %z\n', legal=True)
    # size arithmetic: a KV cache whose byte size wraps (it once compiled into KV_BYTES 0),
    # and intermediates that together exceed the workspace limit; the same decoder with a
    # small cache is legal, so the first case fails for its size alone
    kir_case(out, "kir_decoder_small_cache", tiny_decoder(8), legal=True)
    kir_case(out, "kir_kv_cache_size_wraps", tiny_decoder(1 << 62),
             "KV cache state of layer 0 (4611686018427387904 tokens x 1 heads x 2 of f32) does "
             "not fit in 2^63 bytes")
    # each layer's 2^62 bytes fit; the two layers' sum does not
    kir_case(out, "kir_kv_cache_total_wraps", tiny_decoder(1 << 58, layers=2),
             "its KV cache (2 layers x 2 x 1 heads x 2 x 288230376151711744 tokens of f32) "
             "does not fit in 2^63 bytes")
    n = 1 << 58  # f32[2^58] is 2^60 bytes; two live at once pass the 2^61 workspace limit
    kir_case(out, "kir_workspace_offset_overflow", HEAD + "input %%x: f32[%d]\n" % n +
             "%%a: f32[%d] = Softmax(%%x) {axis = 0} name \"s1\"\n" % n +
             "%%b: f32[%d] = Softmax(%%a) {axis = 0} name \"s2\"\n" % n +
             "%%y: f32[%d] = Add(%%a, %%b) name \"sum\"\noutput %%y\n" % n,
             "node 's2' (Softmax): output 'b' does not fit: the workspace would need more")
    # hostile names must come out harmless in the generated code
    for tag, name in [("comment", "a */ int evil; /*"), ("newline", "a\\nb"),
                      ("quote", 'q\\"uote'), ("preprocessor", "\\n#include <evil.h>\\n"),
                      ("backslash", "tail\\\\")]:
        kir_case(out, "kir_hostile_name_" + tag, HEAD + x +
                 '%%"%s": f32[2, 3] = Relu(%%x) name "%s"\noutput %%"%s"\n' % (name, name, name),
                 legal=True)


def json_cases(out):
    def case(name, expect, doc=None, text=None, weights=None):
        write_case(out, "json_" + name, expect,
                   weights=weights if weights is not None else safetensors_bytes(
                       GOOD_HEADER, GOOD_DATA),
                   model=text if text is not None else json.dumps(doc))

    base = json.loads(model_json("w.safetensors", ["x", "w"]))

    def edit(fn):
        d = json.loads(json.dumps(base))
        fn(d)
        return d

    case("duplicate_top_key", 'key "name" appears twice',
         text=model_json("w.safetensors", ["x", "w"]).replace('"name": "m",',
                                                               '"name": "m", "name": "n",'))
    case("int64_max_dim", "inputs[0].shape[0]: dimension 9.2233720368547758e+18 is too large", edit(lambda d: d["inputs"][0].update(shape=[BIG, 2])))
    case("huge_float_dim", "inputs[0].shape[0]: dimension 1.0000000000000001e+300 is too large", edit(lambda d: d["inputs"][0].update(shape=[1e300])))
    case("rank_9", "inputs[0].shape: rank 9 is more than kiln's limit of 8", edit(lambda d: d["inputs"][0].update(shape=[1] * 9)))
    case("zero_dim", "shapes f32[0, 3] and f32[2, 3] cannot be broadcast together", edit(lambda d: d["inputs"][0].update(shape=[0, 3])))
    case("node_not_object", "nodes[1] must be an object, not a number", edit(lambda d: d["nodes"].append(3)))
    case("inputs_not_array", "\"inputs\" must be an array, not an object", edit(lambda d: d.update(inputs={"x": 1})))
    case("weights_not_string", "\"weights\" must be a path string, not a number", edit(lambda d: d.update(weights=7)))
    case("weights_empty", "the path is empty", edit(lambda d: d.update(weights="")))
    case("name_not_string", "\"name\" must be a string, not an array", edit(lambda d: d.update(name=["m"])))
    case("op_not_string", "nodes[0].op must be a non-empty string, not a number", edit(lambda d: d["nodes"][0].update(op=1)))
    case("node_cycle", "input 'y' is not an input, constant, earlier output or weight", edit(lambda d: d["nodes"][0].update(inputs=["x", "y"])))
    case("output_of_input", "node 'add' (Add): output 'x' is already defined", edit(lambda d: d["nodes"][0].update(outputs=["x"])))
    case("string_with_nul", "model.json: JSON syntax error at line 2, column 13", text=model_json("w.safetensors", ["x", "w"]).replace(
        '"name": "m"', '"name": "m\\u0000n"'))
    case("lone_surrogate", "model.json: JSON syntax error at line 2, column 12", text=model_json("w.safetensors", ["x", "w"]).replace(
        '"name": "m"', '"name": "\\ud800"'))
    case("empty_file", "model.json: JSON syntax error at line 1, column 1", text="")
    case("trailing_garbage", "model.json: JSON syntax error at line 31, column 1", text=model_json("w.safetensors", ["x", "w"]) + "}")


def safetensors_cases(out):
    st = safetensors_bytes

    def case(name, expect, header, data=GOOD_DATA, header_len=None):
        write_case(out, "st_" + name, expect, weights=st(header, data, header_len))

    t = lambda **kv: {"w": dict({"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, **kv)}
    case("header_len_zero", "w.safetensors: header is not valid JSON (error at byte 0 of the header)", b"", header_len=0)
    case("header_array", "header must be a JSON object, not an array", b"[]")
    case("header_number", "header must be a JSON object, not a number", b"7")
    case("tensor_not_object", "tensor 'w': entry must be an object, not a number", {"w": 3})
    case("dtype_number", "tensor 'w': \"dtype\" must be a string", t(dtype=1))
    case("shape_negative", "tensor 'w': shape[0] is negative (-2)", t(shape=[-2, -3]))
    case("shape_float", "tensor 'w': shape[0] must be an integer (exactly representable)", t(shape=[2.5, 3]))
    case("shape_overflow", "tensor 'w': shape[0] must be an integer (exactly representable)", t(shape=[1 << 62, 1 << 62]))
    case("shape_int64_max", "tensor 'w': shape[0] must be an integer (exactly representable)", t(shape=[BIG]))
    case("shape_rank_9", "tensor 'w': rank 9 is more than kiln's limit of 8", t(shape=[1] * 9))
    case("shape_not_array", "tensor 'w': \"shape\" must be an array", t(shape="2x3"))
    case("offsets_reversed", "tensor 'w': data_offsets [24, 0] begin after they end", t(data_offsets=[24, 0]))
    case("offsets_three", "tensor 'w': \"data_offsets\" must be an array [begin, end]", t(data_offsets=[0, 12, 24]))
    case("offsets_negative", "tensor 'w': \"data_offsets\" must hold two non-negative integers", t(data_offsets=[-24, 0]))
    case("offsets_u64_max", "tensor 'w': \"data_offsets\" must hold two non-negative integers", t(data_offsets=[0, (1 << 64) - 1]))
    case("offsets_missing", "tensor 'w': \"data_offsets\" must be an array [begin, end]", {"w": {"dtype": "F32", "shape": [2, 3]}})
    case("metadata_not_object", "header: \"__metadata__\" must be an object, not an array", {"__metadata__": [1], **t()})
    case("metadata_value_number", "\"__metadata__\" entry 'a' must be a string, not a number", {"__metadata__": {"a": 1}, **t()})
    case("header_trailing_garbage", "header is not valid JSON (error at byte 65 of the header)", json.dumps(t()).encode() + b"xyz")
    case("header_nul", "header is not valid JSON (error at byte 64 of the header)", json.dumps(t()).encode()[:-1] + b"\0}")
    case("empty_header_missing_tensor", "input 'w' is not an input, constant, earlier output or weight", {}, data=b"")
    case("empty_name", "input 'w' is not an input, constant, earlier output or weight", {"": t()["w"]})
    case("file_8_bytes", "header is not valid JSON (error at byte 0 of the header)", b"", data=b"", header_len=0)
    write_case(out, "st_file_4_bytes", "w.safetensors: file is 4 bytes; a safetensors file starts with an 8-byte header length", weights=b"\0\0\0\0")
    case("u64_max_header_len", "header length 18446744073709551615 is more than the limit of 104857600 bytes", t(), header_len=(1 << 64) - 1)


def main(out):
    kir_cases(out)
    json_cases(out)
    safetensors_cases(out)
