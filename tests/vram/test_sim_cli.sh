#!/usr/bin/env bash
# test_sim_cli.sh - `vram sim`: peaks, fragmentation, OOM/retry counts on a known trace, --swap serving
# allocations past the capacity, --snapshot, and clear errors naming file:line.
source "$AIMP_SOURCE_DIR/tests/lib.sh"
MiB=1048576
# two 1 MiB blocks share a 2 MiB small segment; a 30 MiB block takes its own 30 MiB segment
cat >"$TMP/t.jsonl" <<JSONL
{"op":"alloc","id":1,"size":$MiB,"tag":"w"}
{"op":"alloc","id":2,"size":$MiB,"tag":"act","stream":3}

{"op":"alloc","id":3,"size":$((30 * MiB)),"tag":"act"}
{"op":"free","id":2}
{"op":"free","id":3}
{"op":"alloc","id":4,"size":1000}
JSONL
expect_exit 0 "$VRAM" sim --capacity 1G "$TMP/t.jsonl"
expect_grep '"peak_allocated":33554432' "$TMP/out"
expect_grep '"peak_reserved":35651584' "$TMP/out"
expect_grep '"oom_count":0' "$TMP/out"
expect_grep '"retries":0' "$TMP/out"
# 32 MiB device: the 30 MiB block does not fit next to two small segments -> retry, then OOM
expect_exit 0 "$VRAM" sim --capacity 32M "$TMP/t.jsonl"
expect_grep '"oom_count":1' "$TMP/out"
expect_grep '"retries":1' "$TMP/out"
expect_grep '"skipped_frees":1' "$TMP/out"
# the budget is a fraction of the capacity
expect_exit 0 "$VRAM" sim --capacity 64M --budget 0.5 "$TMP/t.jsonl"
expect_grep '"oom_count":1' "$TMP/out"
expect_grep '"limit":33554432' "$TMP/out"
# --swap: the 30 MiB block is served by evicting the live ones to host
expect_exit 0 "$VRAM" sim --capacity 32M --swap "$TMP/t.jsonl" --snapshot "$TMP/snap.json"
expect_grep '"oom_count":0' "$TMP/out"
expect_grep '"swap":\{"bytes_out":[1-9][0-9]*,"bytes_in":0,"evictions":[1-9]' "$TMP/out"
expect_grep '"segments"' "$TMP/snap.json"
expect_grep '"state": "allocated"' "$TMP/snap.json"

expect_exit 0 "$VRAM" sim --help
expect_grep 'usage: vram sim' "$TMP/out"
expect_exit 2 "$VRAM" sim "$TMP/t.jsonl"
expect_grep 'capacity is needed' "$TMP/err"
expect_exit 2 "$VRAM" sim --capacity 12Q "$TMP/t.jsonl"
expect_exit 2 "$VRAM" sim --capacity 1G --budget 1.5 "$TMP/t.jsonl"
expect_exit 2 "$VRAM" sim --capacity 1G --threshold 0 "$TMP/t.jsonl"
expect_exit 2 "$VRAM" sim --capacity 1G --what "$TMP/t.jsonl"
expect_exit 2 "$VRAM" sim --capacity 1G --device tpu "$TMP/t.jsonl"
# the real GPU: without a runtime (forced here) a clear error
VRAM_CUDART_LIBRARY=$TMP/none.so expect_exit 1 "$VRAM" sim --device cuda "$TMP/t.jsonl"
expect_grep 'CUDA runtime not found' "$TMP/err"
expect_exit 2 "$VRAM" sim --capacity 1G "$TMP/t.jsonl" extra
expect_exit 2 "$VRAM" sim --capacity 1G
expect_exit 1 "$VRAM" sim --capacity 1G "$TMP/none.jsonl"
expect_grep 'none.jsonl' "$TMP/err"
printf '{"op":"alloc","id":1,"size":10}\n{"op":"alloc","id":1,"size":10}\n' >"$TMP/dup.jsonl"
expect_exit 1 "$VRAM" sim --capacity 1G "$TMP/dup.jsonl"
expect_grep 'dup.jsonl:2: id 1 is allocated already' "$TMP/err"
printf '{"op":"alloc","id":1,"size":10}\n\n{"op":"alloc","id":2,"size":-4}\n' >"$TMP/neg.jsonl"
expect_exit 1 "$VRAM" sim --capacity 1G "$TMP/neg.jsonl"
expect_grep 'neg.jsonl:3: "size" must be a non-negative integer' "$TMP/err"
printf '{"op":"alloc","id":1,"size":10}\n{"op":"move","id":1}\n' >"$TMP/op.jsonl"
expect_exit 1 "$VRAM" sim --capacity 1G "$TMP/op.jsonl"
expect_grep 'op.jsonl:2: "op" must be' "$TMP/err"
printf '{"op":"alloc","id":1,"size":10\n' >"$TMP/syntax.jsonl"
expect_exit 1 "$VRAM" sim --capacity 1G "$TMP/syntax.jsonl"
expect_grep 'syntax.jsonl:1: ' "$TMP/err"
expect_exit 1 "$VRAM" sim --capacity 1G "$TMP/t.jsonl" --snapshot "$TMP/t.jsonl/s.json"
finish
