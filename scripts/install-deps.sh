#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages kiln needs to build and test. Idempotent and quick when
# everything is present: apt-get runs (with sudo when not root) only for what is missing.
set -euo pipefail

# package -> a file or command that shows it is installed
declare -A probe=(
    [build-essential]="cmd:cc"
    [gcc]="cmd:gcc"
    [clang]="cmd:clang"
    [cmake]="cmd:cmake"
    [libcjson-dev]="file:/usr/include/cjson/cJSON.h"
    [libmicrohttpd-dev]="file:/usr/include/microhttpd.h"
    [libpng-dev]="file:/usr/include/png.h"
    [libjpeg-dev]="file:/usr/include/jpeglib.h"
    [python3]="cmd:python3"
    [llvm-14-tools]="file:/usr/lib/llvm-14/bin/FileCheck"
    [llvm-14-dev]="cmd:llvm-config-14"
    [clang-14]="cmd:clang-14"
    [lld-14]="cmd:ld.lld-14"
    [graphviz]="cmd:dot"
    [protobuf-c-compiler]="cmd:protoc-c"
    [libprotobuf-c-dev]="file:/usr/include/protobuf-c/protobuf-c.h"
    [python3-pip]="pymod:pip"
    [python3-venv]="pyimport:ensurepip"
    [libclang-rt-14-dev]="glob:/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a"
    [nvidia-cuda-toolkit]="nvrtc:libnvrtc.so"
)
# llvm-14-dev is the LLVM C API that kiln links (the llvm backend, docs/llvm.md); clang-14 compiles
# the runtime to bitcode when kiln is built; lld-14 links the llvm backend's libraries (without
# it the system ld is used, so lld-14 is optional).
# libclang-rt-14-dev holds libFuzzer and clang's sanitizer runtimes, for the fuzz stage of
# scripts/test.sh (scripts/fuzz.sh). graphviz is optional: a failure to install it is only a
# warning. python3-pip is used by the test setup to fetch ONNX's conformance data (pip download
# of the onnx wheel, no Python code of ours runs at test time) and by the `kiln serve` tests,
# which pip-install the openai client into build*/serve-venv (tests/serve/; python3-venv is
# optional: without it that test is skipped). nvidia-cuda-toolkit (Debian's non-free area) gives
# NVRTC, which `kiln compile --target cuda` loads with dlopen; a CUDA toolkit already in
# /usr/local/cuda counts too. It is optional: without it the cuda_ci test is skipped. lld-14 is
# the llvm target's preferred linker (ld works too).
optional=" graphviz python3-venv lld-14 nvidia-cuda-toolkit "

missing=()
for pkg in build-essential gcc clang cmake libcjson-dev libmicrohttpd-dev libpng-dev libjpeg-dev \
    python3 llvm-14-tools llvm-14-dev clang-14 lld-14 \
    graphviz protobuf-c-compiler libprotobuf-c-dev python3-pip python3-venv libclang-rt-14-dev \
    nvidia-cuda-toolkit; do
    kind=${probe[$pkg]%%:*}
    what=${probe[$pkg]#*:}
    if [ "$kind" = cmd ] && command -v "$what" >/dev/null 2>&1; then continue; fi
    if [ "$kind" = file ] && [ -e "$what" ]; then continue; fi
    if [ "$kind" = glob ] && compgen -G "$what" >/dev/null; then continue; fi
    if [ "$kind" = nvrtc ] && { [ -e /usr/local/cuda/lib64/$what ] ||
        /sbin/ldconfig -p 2>/dev/null | grep -q "$what"; }; then continue; fi
    if [ "$kind" = pymod ] && python3 -m "$what" --version >/dev/null 2>&1; then continue; fi
    if [ "$kind" = pyimport ] && python3 -c "import $what" >/dev/null 2>&1; then continue; fi
    if [ "$pkg" = llvm-14-tools ] && command -v FileCheck >/dev/null 2>&1; then continue; fi
    missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: everything is installed"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: missing ${missing[*]}, and apt-get is not available; install them by hand" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq || echo "install-deps: apt-get update failed; trying the install anyway" >&2
required=()
for pkg in "${missing[@]}"; do
    if [[ "$optional" == *" $pkg "* ]]; then
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$pkg" >/dev/null ||
            echo "install-deps: optional package $pkg could not be installed; continuing" >&2
    else
        required+=("$pkg")
    fi
done
if [ ${#required[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${required[@]}"
fi
echo "install-deps: done"
