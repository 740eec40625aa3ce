#!/usr/bin/env bash
# The CUDA backend's checks on a GPU machine (docs/cuda.md), in two halves so that kiln itself
# need not be built there:
#
#   scripts/gpu-check.sh prepare DIR [KILN]   (where kiln is built) compiles every example and
#       tiny Hugging Face test model twice, --target c and --target cuda (sources only), into
#       DIR/<model>/{c,cuda}, with the comparison driver tests/cuda/gpu_compare.c;
#   scripts/gpu-check.sh check DIR            (on the GPU machine) builds each folder with cc,
#       runs both libraries on the same inputs with gpu_compare (plain models: every output;
#       decoders: prefill logits, then greedy decode steps, tokens must match) and exits 1 when
#       any model is off by more than TOL (default 1e-4, relative to max(1, |ref|)).
set -u
mode=${1:-}
dir=${2:-}
[ -n "$mode" ] && [ -n "$dir" ] || { echo "usage: $0 prepare DIR [KILN] | check DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
TOL=${TOL:-1e-4}

prepare() {
    local kiln=${1:-$here/build/kiln} spec name model bind
    mkdir -p "$dir"
    cp "$here/tests/cuda/gpu_compare.c" "$here/include/kiln/kiln_model.h" "$dir/"
    for spec in "mlp:examples/mlp/model.json:batch=2" "tiny-glm:examples/tiny-glm/model.json:seq=5" \
        glm:tests/hf/models/glm: glm4:tests/hf/models/glm4: gpt2:tests/hf/models/gpt2: \
        llama:tests/hf/models/llama: qwen2:tests/hf/models/qwen2:; do
        IFS=: read -r name model bind <<<"$spec"
        local opts=(--max-context 64 --weights f32) # the CUDA kernels read f32 weights
        [ -n "$bind" ] && opts=(--bind "$bind")
        for t in c cuda; do
            rm -rf "$dir/$name/$t"
            mkdir -p "$dir/$name"
            "$kiln" compile "$here/$model" "${opts[@]}" --target "$t" -o "$dir/$name/$t" >/dev/null ||
                { echo "prepare: $name --target $t failed" >&2; exit 1; }
        done
    done
    echo "prepared $(ls -d "$dir"/*/ | wc -l) models in $dir"
}

check() {
    local fails=0 name lib w
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
    cc -O2 -o "$dir/gpu_compare" -I"$dir" "$dir/gpu_compare.c" -lm -ldl || exit 2
    for m in "$dir"/*/; do
        name=$(basename "$m")
        for t in c cuda; do
            (cd "$m/$t" && cc -O2 -shared -fPIC -o "libmodel_$t.so" ./*.c -lm -lpthread -ldl) ||
                { echo "$name: building the $t library failed"; fails=$((fails + 1)); continue 2; }
        done
        w=$(cd "$m/c" && ls ./*.weights | head -1)
        echo "== $name (tolerance $TOL)"
        "$dir/gpu_compare" "$m/c/libmodel_c.so" "$m/c/$w" "$m/cuda/libmodel_cuda.so" "$m/cuda/$w" "$TOL" 8 ||
            fails=$((fails + 1))
    done
    echo "gpu-check: $fails model(s) failed"
    [ "$fails" -eq 0 ]
}

case $mode in
prepare) prepare "${3:-}" ;;
check) check ;;
*) echo "usage: $0 prepare DIR [KILN] | check DIR" >&2; exit 2 ;;
esac
