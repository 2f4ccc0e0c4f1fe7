#!/usr/bin/env bash
# test_cli.sh - the `nn` program: info figures (also the two-thread arena), run on a reference input
# (out<k>.bin of the right size, one line per output, numbers close to TF.js's file), bench's line,
# and the exit codes and messages of bad usage and bad input (missing model, wrong input size,
# truncated weights).
source "$AIMP_SOURCE_DIR/tests/lib.sh"
need_models
need_shared
M=$AIMP_MODELS_DIR/movenet-lightning.json
REF=$AIMP_SHARED_DIR/reference/movenet-lightning
img=$(ls "$REF"/*.input.bin | head -1)

expect_exit 0 "$NN" --help
expect_exit 0 "$NN" run --help
expect_exit 2 "$NN" run "$M"
expect_exit 2 "$NN" bench "$M" --threads 0

expect_exit 0 "$NN" info "$M"
expect_grep '^  input 0: input \(input:0\) int32 \[1,192,192,3\]$' "$TMP/out"
expect_grep '^  output 0: Identity \(Identity:0\) float32 \[1,1,17,3\]$' "$TMP/out"
expect_grep '^GFLOPs per run .*: 0\.5' "$TMP/out"
expect_grep '^activation arena: planned .* lower bound .* no reuse' "$TMP/out"
expect_grep '_FusedConv2D 50' "$TMP/out"
# Lightning's weights are float16 in its files: its 22 filters of >= 16384 weights packed as halves.
expect_grep '^packed conv weights: 50 convs \(22 as float16 halves\), 4\.7[0-9] MB$' "$TMP/out"
# --threads 2: the plan of two threads, its arena placed in lanes (docs/ENGINE.md).
expect_exit 0 "$NN" info "$M" --threads 2
expect_grep '^activation arena \(lanes for 2 threads\): planned .* lower bound .* no reuse' "$TMP/out"
# Lightning's fused heads: a band per chunk, each on its own 2 MB stretch (docs/ENGINE.md).
expect_grep '^bands of the fused steps: 4\.194 MB \(one per chunk\)$' "$TMP/out"
expect_exit 2 "$NN" info "$M" --threads 0
expect_grep 'threads wants 1..256' "$TMP/err"

expect_exit 0 "$NN" run "$M" --input "$img" --outdir "$TMP/o" --threads 2
expect_grep '^out0 Identity \[1,1,17,3\] float32 min ' "$TMP/out"
[ "$(stat -c %s "$TMP/o/out0.bin")" = 204 ] && ok || fail "out0.bin is not 51 floats"
# Same bytes as the library gives with 1 thread.
expect_exit 0 "$NN" run "$M" --input "$img" --outdir "$TMP/o1" --threads 1
cmp -s "$TMP/o/out0.bin" "$TMP/o1/out0.bin" && ok || fail "1 and 2 threads differ"

expect_exit 0 "$NN" bench "$M" --threads 1 --runs 2 --warmup 1
expect_grep '^median [0-9.]+ ms  p90 [0-9.]+ ms .* GFLOP/s  peak RSS [0-9.]+ MB$' "$TMP/out"
# --profile: one row per op type (steps, ms, share, GFLOP/s for the convs) and a total of all steps.
expect_exit 0 "$NN" bench "$M" --threads 1 --runs 2 --warmup 1 --profile
expect_grep '^profile: 2 runs, time per run by op type' "$TMP/out"
expect_grep '^  _FusedConv2D +[0-9]+ +[0-9.]+ +[0-9.]+% +[0-9.]+$' "$TMP/out"
steps=$("$NN" info "$M" | sed -n 's/.*steps per run: \([0-9]*\),.*/\1/p')
expect_grep "^  total +$steps +[0-9.]+ +100.0%$" "$TMP/out"
# --batch: BlazePose takes N images in one pass; MoveNet's graphs fix batch 1 (Unpack num 1).
expect_exit 0 "$NN" bench "$AIMP_MODELS_DIR/blazepose-lite.json" --threads 1 --runs 1 --warmup 0 --batch 2
expect_grep '^per image: median [0-9.]+ ms \(batch 2 in one pass\)$' "$TMP/out"
expect_exit 1 "$NN" bench "$M" --runs 1 --batch 2
expect_grep "unstack' \(Unpack\): num 1 differs from the axis size 2" "$TMP/err"
expect_exit 2 "$NN" bench "$M" --batch 0
expect_grep "bad --batch '0'" "$TMP/err"

# Bad input: exit 1 and a message naming what is wrong.
expect_exit 1 "$NN" info "$TMP/absent.json"
expect_grep 'absent.json: cannot open' "$TMP/err"
head -c 1000 "$img" > "$TMP/short.bin"
expect_exit 1 "$NN" run "$M" --input "$TMP/short.bin" --outdir "$TMP/o2"
expect_grep "short.bin: 1000 bytes, input 'input' wants a multiple of 442368" "$TMP/err"
mkdir -p "$TMP/trunc"
cp "$M" "$TMP/trunc/"
head -c 100000 "$AIMP_MODELS_DIR/movenet-lightning.bin" > "$TMP/trunc/movenet-lightning.bin"
expect_exit 1 "$NN" info "$TMP/trunc/movenet-lightning.json"
expect_grep 'movenet-lightning.bin: manifest group 0 needs [0-9]+ bytes, the files hold 100000 \(truncated\)' "$TMP/err"
finish
