#!/bin/sh
# bench/nn_ab.sh - A/B timing of two nn builds on a shared, noisy machine.
#
#   bench/nn_ab.sh NN_A NN_B MODEL.json [rounds (15)] [runs per round (10)] [threads (2)]
#
# Alternates `NN_A bench` and `NN_B bench` (A first in odd rounds, B first in even ones), each a
# short run of `runs` timed inferences, so that both see the same slow and quiet periods of the
# host; prints each build's median of the round medians with its spread (min-max), and in how many
# rounds B was faster than A (a sign test: 12 or more of 15 is unlikely by chance, p < 0.02). For
# the A side build the other commit apart (git worktree add /tmp/a COMMIT && /tmp/a/scripts/build).
set -eu
[ $# -ge 3 ] || { sed -n 2,10p "$0" >&2; exit 2; }
a=$1 b=$2 model=$3 rounds=${4:-15} runs=${5:-10} threads=${6:-2}
for f in "$a" "$b"; do [ -x "$f" ] || { echo "nn_ab: $f is not an executable" >&2; exit 2; }; done
[ -r "$model" ] || { echo "nn_ab: cannot read $model" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { # the median ms of one `nn bench` run
    "$1" bench "$model" --threads "$threads" --runs "$runs" | sed -n 's/^median \([0-9.]*\) ms.*/\1/p'
}
i=1
while [ "$i" -le "$rounds" ]; do
    if [ $((i % 2)) -eq 1 ]; then ma=$(median "$a"); mb=$(median "$b"); else mb=$(median "$b"); ma=$(median "$a"); fi
    [ -n "$ma" ] && [ -n "$mb" ] || { echo "nn_ab: round $i: nn bench failed" >&2; exit 1; }
    echo "$ma $mb" >>"$tmp/rounds"
    printf 'round %2d: A %s ms  B %s ms\n' "$i" "$ma" "$mb"
    i=$((i + 1))
done
awk -v n="$rounds" '
    function med(v, k,   i, j, t) { # sorts v[1..k] (insertion), returns the median
        for (i = 2; i <= k; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
        return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
    }
    { a[NR] = $1; b[NR] = $2; if ($2 < $1) w++ }
    END {
        ma = med(a, NR); mb = med(b, NR)
        printf "A: median %.3f ms (%.3f-%.3f)  B: median %.3f ms (%.3f-%.3f)  B/A %.3f  B faster in %d of %d rounds\n",
               ma, a[1], a[NR], mb, b[1], b[NR], mb / ma, w, n
    }' "$tmp/rounds"
