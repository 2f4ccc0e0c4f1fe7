#!/usr/bin/env bash
# bench/nn_models.sh - the model table of docs/BENCHMARKS.md: for each model, back to back in one run,
# TF.js 4.22 wasm (1 thread, the anchor), our reference kernels (NN_SIMD=scalar, 1 thread) and the
# SIMD table chosen for this CPU at 1 and 2 threads; medians (min) of RUNS runs after warm-up, and the
# ratios TF.js / ours. With ROUNDS=R (default 1) the four measurements of a model repeat R times in
# turn and the table shows the median of the R medians (the min of the mins): a shared machine's slow
# spells then fall on the anchor and on ours alike instead of on whichever ran during them. The last
# column is the cache-line round trip between CPUs 0 and 1 (bench/core_latency.c) right before and
# after each 2-thread measurement, one "before/after" pair per round: on a virtual machine it tells
# whether the host had the two vCPUs on one L3 (~60 ns here) or on two (~340 ns, where our 2-thread
# figures are 1.3-1.8x slower). Needs gcc, build/ (scripts/build), models/ (scripts/setup) and the TF.js packages:
#   mkdir -p /tmp/tfjs && cd /tmp/tfjs && npm install @tensorflow/tfjs-core@4.22.0 \
#       @tensorflow/tfjs-converter@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0
# Usage: bench/nn_models.sh [RUNS] [MODEL ...]   (default 20 runs, all seven models)
# Environment: TFJS_NODE_PATH (default /tmp/tfjs/node_modules), NN (default build/nn), ROUNDS (1).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
runs=${1:-20}
shift || true
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(movenet-lightning movenet-thunder movenet-multipose blazepose-detector
                                   blazepose-lite blazepose-full blazepose-heavy)
nn=${NN:-build/nn}
export NODE_PATH=${TFJS_NODE_PATH:-/tmp/tfjs/node_modules}
[ -x "$nn" ] || { echo "bench: $nn is missing: run scripts/build" >&2; exit 1; }
[ -d "$NODE_PATH/@tensorflow/tfjs-backend-wasm" ] \
  || { echo "bench: TF.js wasm not in $NODE_PATH (see the header of $0)" >&2; exit 1; }

# "median (min)" from nn bench's or tfjs_wasm.js's output line.
ours() { sed -n 's/^median \([0-9.]*\) ms .* min \([0-9.]*\) ms .*/\1 \2/p'; }
theirs() { sed -n 's/.* median \([0-9.]*\) ms .* min \([0-9.]*\) ms.*/\1 \2/p'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
# "median-of-medians min-of-mins" of lines "median min".
combine() { sort -n | awk '{ m[NR] = $1; if (NR == 1 || $2 < lo) lo = $2 }
                           END { printf "%.2f %s\n", (NR % 2 ? m[(NR + 1) / 2] : (m[NR / 2] + m[NR / 2 + 1]) / 2), lo }'; }
rounds=${ROUNDS:-1}

tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp".*' EXIT
# The round trip in ns between CPUs 0 and 1, or "-" where it cannot be measured (one CPU, or CPU 0
# or 1 not available to this process).
if [ "$(nproc)" -ge 2 ]; then
  gcc -O2 -pthread bench/core_latency.c -o "$tmp.rtt" || { echo "bench: cannot build bench/core_latency.c" >&2; exit 1; }
  rtt() { "$tmp.rtt" 2>/dev/null | sed -n 's/^core round trip: \([0-9]*\) ns.*/\1/p' || echo -; }
else
  rtt() { echo -; }
fi
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
     "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD), $runs runs x $rounds rounds,"\
     "kernels $("$nn" info "models/${models[0]}.json" | sed -n 's/^CPU kernels: //p')"
echo "| model | GFLOP | TF.js wasm | reference, 1 thr | SIMD, 1 thr | SIMD, 2 thr | TF.js / ref | TF.js / SIMD 1 thr | TF.js / SIMD 2 thr | CPU 0-1 round trip, ns |"
echo "| --- | ---: | --- | --- | --- | --- | ---: | ---: | ---: | --- |"
for m in "${models[@]}"; do
  f=models/$m.json
  gf=$("$nn" info "$f" | sed -n 's/^GFLOPs per run.*: \([0-9.]*\)$/\1/p')
  : >"$tmp.tj"; : >"$tmp.rf"; : >"$tmp.s1"; : >"$tmp.s2"
  trips=""
  for ((r = 0; r < rounds; r++)); do
    node bench/tfjs_wasm.js "$f" "$runs" | theirs >>"$tmp.tj"
    NN_SIMD=scalar "$nn" bench "$f" --threads 1 --runs "$runs" | ours >>"$tmp.rf"
    "$nn" bench "$f" --threads 1 --runs "$runs" | ours >>"$tmp.s1"
    before=$(rtt)
    "$nn" bench "$f" --threads 2 --runs "$runs" | ours >>"$tmp.s2"
    trips="$trips${trips:+ }$before/$(rtt)"
  done
  read -r tj tjmin < <(combine <"$tmp.tj")
  read -r rf rfmin < <(combine <"$tmp.rf")
  read -r s1 s1min < <(combine <"$tmp.s1")
  read -r s2 s2min < <(combine <"$tmp.s2")
  echo "| $m | $gf | $tj ms ($tjmin) | $rf ms ($rfmin) | $s1 ms ($s1min) | $s2 ms ($s2min) |" \
       "$(ratio "$tj" "$rf") | $(ratio "$tj" "$s1") | $(ratio "$tj" "$s2") | $trips |"
done
