#!/usr/bin/env bash
# test_device_fakecuda.sh - run test_device_cuda against a fake CUDA runtime (tests/vram/fake_cudart.c,
# built here as a shared library), so the cuda device's code runs in CI; then no GPU and no driver
# must make the same test skip (77) with a clear reason. Skips when no C compiler is around.
source "$AIMP_SOURCE_DIR/tests/lib.sh"
bin=$(dirname "$VRAM")/vram_test_device_cuda
cc=${CC:-cc}
command -v "$cc" >/dev/null || { echo "SKIP: no C compiler ($cc) to build the fake runtime"; exit 77; }
[ -x "$bin" ] || { echo "SKIP: $bin is not built"; exit 77; }
"$cc" -shared -fPIC -O1 -o "$TMP/libfakecudart.so" "$AIMP_SOURCE_DIR/tests/vram/fake_cudart.c" 2>"$TMP/cc.err" \
  || { cat "$TMP/cc.err"; echo "SKIP: cannot build a shared library here"; exit 77; }
export VRAM_CUDART_LIBRARY=$TMP/libfakecudart.so
expect_exit 0 "$bin"
expect_grep 'cuda device: 4.00 GiB total' "$TMP/out"
expect_grep 'passed, 0 failed' "$TMP/out"
# `vram sim --device cuda` replays through the pool on the (fake) GPU; the limit is its memory x budget
printf '{"op":"alloc","id":1,"size":3000000,"tag":"a"}\n{"op":"free","id":1}\n{"op":"alloc","id":2,"size":100}\n' >"$TMP/t.jsonl"
expect_exit 0 "$VRAM" sim --device cuda --budget 0.5 "$TMP/t.jsonl"
expect_grep '"peak_allocated":3000000,"peak_reserved":23068672,.*"limit":2147483648' "$TMP/out"
FAKE_CUDART_DEVICES=0 expect_exit 77 "$bin"
expect_grep 'SKIP: no CUDA runtime or GPU: cuda: the runtime reports no GPU' "$TMP/out"
FAKE_CUDART_FAIL=1 expect_exit 77 "$bin"
expect_grep 'cudaGetDeviceCount \(no GPU or driver\?\) failed: CUDA driver version is insufficient' "$TMP/out"
VRAM_CUDART_LIBRARY=$TMP/none.so expect_exit 77 "$bin"
expect_grep 'CUDA runtime not found' "$TMP/out"
finish
