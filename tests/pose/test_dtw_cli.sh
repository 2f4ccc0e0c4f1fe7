#!/usr/bin/env bash
# test_dtw_cli.sh - `pose dtw`: distance first on stdout, inf when abandoned, the path file, and the exit
# codes and messages for bad input (empty, too short, NaN, mismatched dimensions, bad options).
source "$AIMP_SOURCE_DIR/tests/lib.sh"
D=$TMP/dtwcli; mkdir -p "$D"
printf 'angle\n1\n2\n3\n4\n' >"$D/a.csv"
printf '1\n2\n2\n3\n5\n' >"$D/b.csv"
printf 'x,y,z\n0,0,0\n1,1,1\n2,2,2\n' >"$D/a3.csv"
printf '0,0,0\n2,2,2\n' >"$D/b3.csv"

# a=1,2,3,4 b=1,2,2,3,5: best path costs 0+0+0+... only the last cell (4 vs 5) costs 1 -> distance 1
expect_exit 0 "$POSE" dtw "$D/a.csv" "$D/b.csv"
[ "$(awk '{print $1}' "$TMP/out")" = 1 ] && ok || fail "distance: $(cat "$TMP/out")"
# 3-D: a = (0,1,2)*[1,1,1], b = (0,2)*[1,1,1]: path (0,0),(1,0 or 1),(2,1): cost 3 -> sqrt(3)
expect_exit 0 "$POSE" dtw "$D/a3.csv" "$D/b3.csv"
awk '{ if ($1 + 0 > 1.7320508 && $1 + 0 < 1.7320509) exit 0; exit 1 }' "$TMP/out" && ok || fail "3-D: $(cat "$TMP/out")"
# abandoned: inf, still success
expect_exit 0 "$POSE" dtw "$D/a.csv" "$D/b.csv" --max-dist 0.5
[ "$(awk '{print $1}' "$TMP/out")" = inf ] && ok || fail "abandon: $(cat "$TMP/out")"
expect_exit 0 "$POSE" dtw "$D/a.csv" "$D/b.csv" --max-dist 1
[ "$(awk '{print $1}' "$TMP/out")" = 1 ] && ok || fail "max-dist equal: $(cat "$TMP/out")"
# path file
expect_exit 0 "$POSE" dtw "$D/a.csv" "$D/b.csv" --window 2 --path "$D/p.csv"
[ "$(head -1 "$D/p.csv")" = "i,j" ] && ok || fail "path header"
[ "$(tail -1 "$D/p.csv")" = "3,4" ] && ok || fail "path end: $(tail -1 "$D/p.csv")"
[ "$(sed -n 2p "$D/p.csv")" = "0,0" ] && ok || fail "path start"
# penalty: the warping steps now cost p^2 each: a=1,2,3,4 vs b=1,2,2,3,5 needs one warp -> > 1
expect_exit 0 "$POSE" dtw "$D/a.csv" "$D/b.csv" --penalty 2
awk '{ exit !($1 + 0 > 1) }' "$TMP/out" && ok || fail "penalty: $(cat "$TMP/out")"
# an unwritable path file: exit 1, nothing half-written
expect_exit 1 "$POSE" dtw "$D/a.csv" "$D/b.csv" --path "$D/nodir/p.csv"
expect_grep 'nodir' "$TMP/err"
# window 1 on different lengths still reaches the end; derivative works on >= 3 samples
expect_exit 0 "$POSE" dtw "$D/a.csv" "$D/b.csv" --window 1 --derivative
expect_grep '^[0-9.e+-]+ ' "$TMP/out"
expect_exit 0 "$POSE" dtw --help
expect_grep 'window' "$TMP/out"

# bad input: exit 1 with the file and line
: >"$D/empty.csv"
expect_exit 1 "$POSE" dtw "$D/empty.csv" "$D/a.csv"
expect_grep 'empty.csv: no samples' "$TMP/err"
printf '1\nnan\n3\n' >"$D/nan.csv"
expect_exit 1 "$POSE" dtw "$D/a.csv" "$D/nan.csv"
expect_grep 'nan.csv:2: column 1' "$TMP/err"
expect_exit 1 "$POSE" dtw "$D/a.csv" "$D/a3.csv"
expect_grep 'mismatched dimensions' "$TMP/err"
printf '1,2\n3\n' >"$D/ragged.csv"
expect_exit 1 "$POSE" dtw "$D/ragged.csv" "$D/ragged.csv"
expect_grep 'ragged.csv:2: 1 columns, expected 2' "$TMP/err"
printf '1\n2\n' >"$D/short.csv"
expect_exit 1 "$POSE" dtw "$D/short.csv" "$D/a.csv" --derivative
expect_grep 'too short' "$TMP/err"
printf '1\nabc\n' >"$D/text.csv"
expect_exit 1 "$POSE" dtw "$D/text.csv" "$D/a.csv"
expect_grep "text.csv:2: column 1: 'abc' is not a number" "$TMP/err"
expect_exit 1 "$POSE" dtw "$D/missing.csv" "$D/a.csv"
expect_grep 'missing.csv' "$TMP/err"
# usage errors: exit 2
expect_exit 2 "$POSE" dtw "$D/a.csv"
expect_exit 2 "$POSE" dtw "$D/a.csv" "$D/b.csv" --window -1
expect_exit 2 "$POSE" dtw "$D/a.csv" "$D/b.csv" --max-dist nan
expect_exit 2 "$POSE" dtw "$D/a.csv" "$D/b.csv" --bogus
# bench-dtw smoke test (one small run; it exits 1 if pose and the textbook DP disagree)
expect_exit 0 "$POSE" bench-dtw --quick
expect_grep '^\| 1000 x 1000, full window, 1-D \|' "$TMP/out"
expect_grep 'LB \+ abandon' "$TMP/out"
expect_exit 2 "$POSE" bench-dtw --runs 0
finish
