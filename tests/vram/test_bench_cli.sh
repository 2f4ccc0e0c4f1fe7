#!/usr/bin/env bash
# test_bench_cli.sh - `vram bench` runs a tiny configuration and prints every row (the figures
# themselves are recorded in docs/BENCHMARKS.md from a full run, never asserted here).
source "$AIMP_SOURCE_DIR/tests/lib.sh"
expect_exit 0 "$VRAM" bench --reps 1 --ops 2000 --tensors 20
for row in '^malloc +median' '^pool +median .*malloc/pool = ' '^sim-dev +median' '^planner +median' \
  '^planner: peak .* lower bound'; do expect_grep "$row" "$TMP/out"; done
expect_exit 0 "$VRAM" bench --help
expect_grep 'usage: vram bench' "$TMP/out"
expect_exit 2 "$VRAM" bench --reps 0
expect_exit 2 "$VRAM" bench --ops
expect_exit 2 "$VRAM" bench --what 3
finish
