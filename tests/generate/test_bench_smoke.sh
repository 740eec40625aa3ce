# `kiln bench` on a tiny model: the whole path (folder written, compiled, timed, bandwidth
# measured) runs and reports every figure. The real benchmark is in docs/performance.md.
. "$KILN_SOURCE_DIR/tests/cli/lib.sh"

expect_ok "bench smoke" bench --hidden 64 --layers 1 --heads 4 --kv-heads 2 --intermediate 128 \
    --vocab 300 --prefill 8 --decode 4 --repeat 1 --bandwidth-mib 16 --dtype f32 --threads 2
for what in "model: GLM-shaped decoder, hidden 64, 1 layers" "prefill: 8 tokens" \
    "decode: 4 tokens" "memory read bandwidth:" "(2 thread(s), " "FMA throughput:" \
    "decode floor:" "prefill compute:" "threads: 2; kernels: " "load average at the start:" \
    "under 1 GiB: the caches may hold it"; do
    grep -qF "$what" "$STDOUT" && ok "reports '$what'" || { bad "reports '$what'"; show_output; }
done
expect_ok "bench --help" bench --help
expect_fail "bench: heads do not divide hidden" "multiple of --heads" bench --hidden 66 --heads 4
expect_fail "bench: --threads 0" "--threads" bench --threads 0
expect_fail "bench: --threads 257" "larger than kiln bench allows" bench --threads 257
finish
