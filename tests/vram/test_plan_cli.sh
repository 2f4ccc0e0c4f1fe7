#!/usr/bin/env bash
# test_plan_cli.sh - `vram plan`: JSON result, --offsets file, --alignment, and clear errors (file:line).
source "$AIMP_SOURCE_DIR/tests/lib.sh"

printf 'size,first,last\n1000,0,1\n2000,1,2\n1000,2,3\n2000,3,4\n' >"$TMP/l.csv"
expect_exit 0 "$VRAM" plan "$TMP/l.csv"
expect_grep '^\{"peak":3072,"lower_bound":3072,"no_reuse":6144\}$' "$TMP/out"
expect_exit 0 "$VRAM" plan --alignment 1 "$TMP/l.csv" --offsets "$TMP/off.csv"
expect_grep '^\{"peak":3000,"lower_bound":3000,"no_reuse":6000\}$' "$TMP/out"
expect_grep '^size,first,last,offset$' "$TMP/off.csv"
[ "$(wc -l <"$TMP/off.csv")" = 5 ] && ok || fail "offsets file has $(wc -l <"$TMP/off.csv") lines, want 5"
# the offsets written are a valid plan: overlapping lifetimes never overlap in memory
awk -F, 'NR>1{s[NR]=$1;f[NR]=$2;l[NR]=$3;o[NR]=$4;n=NR}
  END{for(i=2;i<=n;i++)for(j=i+1;j<=n;j++) if(f[i]<=l[j]&&f[j]<=l[i]&&o[i]<o[j]+s[j]&&o[j]<o[i]+s[i]) bad=1; exit bad}' \
  "$TMP/off.csv" && ok || fail "offsets overlap"
# empty file: an empty plan
: >"$TMP/empty.csv"
expect_exit 0 "$VRAM" plan "$TMP/empty.csv"
expect_grep '"peak":0' "$TMP/out"

expect_exit 0 "$VRAM" plan --help
expect_grep 'usage: vram plan' "$TMP/out"
expect_exit 2 "$VRAM" plan
expect_exit 2 "$VRAM" plan --bogus "$TMP/l.csv"
expect_exit 2 "$VRAM" plan --alignment 3 "$TMP/l.csv"
expect_grep 'power of two' "$TMP/err"
expect_exit 2 "$VRAM" plan --alignment x "$TMP/l.csv"
expect_exit 2 "$VRAM" plan "$TMP/l.csv" "$TMP/l.csv"
expect_exit 1 "$VRAM" plan "$TMP/missing.csv"
expect_grep 'missing.csv' "$TMP/err"
printf 'size,first,last\n10,0,1\n10,4,2\n' >"$TMP/bad.csv"
expect_exit 1 "$VRAM" plan "$TMP/bad.csv"
expect_grep 'bad.csv:3: first \(4\) is after last \(2\)' "$TMP/err"
printf '10,0,1\n10;4;2\n' >"$TMP/bad2.csv"
expect_exit 1 "$VRAM" plan "$TMP/bad2.csv"
expect_grep 'bad2.csv:2: expected 3 fields' "$TMP/err"
expect_exit 1 "$VRAM" plan "$TMP/l.csv" --offsets "$TMP/no/such/dir/off.csv"
expect_grep 'off.csv' "$TMP/err"
finish
