#!/usr/bin/env bash
# test_snapshot_plot.sh - `vram snapshot-plot`: a well-formed SVG with one stacked area per tag (names
# escaped), the peak in the title, time or event axis, --out written atomically, clear errors.
source "$AIMP_SOURCE_DIR/tests/lib.sh"
cat >"$TMP/t.jsonl" <<'JSONL'
{"op":"alloc","id":1,"size":1048576,"tag":"weights","time":0}
{"op":"alloc","id":2,"size":2097152,"tag":"a<b & \"c\"","time":0.5}
{"op":"free","id":2,"time":1.0}
{"op":"alloc","id":3,"size":1024,"time":1.5}
{"op":"free","id":99,"time":2.0}
JSONL
expect_exit 0 "$VRAM" snapshot-plot "$TMP/t.jsonl"
cp "$TMP/out" "$TMP/stdout.svg"
expect_grep '^<svg xmlns="http://www.w3.org/2000/svg"' "$TMP/stdout.svg"
expect_grep 't.jsonl - peak 3.0 MiB live' "$TMP/stdout.svg"
expect_grep 'a&lt;b &amp; &quot;c&quot;' "$TMP/stdout.svg"
expect_grep '>\(untagged\)<' "$TMP/stdout.svg"
expect_grep 'time \(0 .. 2.000 s\)' "$TMP/stdout.svg"
[ "$(grep -c '<polygon class="tag"' "$TMP/stdout.svg")" = 3 ] && ok || fail "want 3 tag areas"
if command -v xmllint >/dev/null; then xmllint --noout "$TMP/stdout.svg" && ok || fail "SVG is not well-formed XML"; fi
expect_exit 0 "$VRAM" snapshot-plot "$TMP/t.jsonl" --out "$TMP/p.svg" --width 500
cmp -s "$TMP/p.svg" "$TMP/stdout.svg" && fail "--width changed nothing" || ok
expect_grep 'width="500"' "$TMP/p.svg"
ls "$TMP"/p.svg.tmp.* >/dev/null 2>&1 && fail "temp file left behind" || ok
# without times: the event axis
grep -v time "$TMP/t.jsonl" >/dev/null
sed 's/,"time":[0-9.]*//' "$TMP/t.jsonl" >"$TMP/nt.jsonl"
expect_exit 0 "$VRAM" snapshot-plot "$TMP/nt.jsonl"
expect_grep 'event \(1 .. 5\)' "$TMP/out"
: >"$TMP/empty.jsonl"
expect_exit 0 "$VRAM" snapshot-plot "$TMP/empty.jsonl"
expect_grep 'peak 0 B' "$TMP/out"
# many tags: the 12th and later share "other"
for i in $(seq 1 20); do echo "{\"op\":\"alloc\",\"id\":$i,\"size\":$((i * 1000)),\"tag\":\"t$i\"}"; done >"$TMP/tags.jsonl"
expect_exit 0 "$VRAM" snapshot-plot "$TMP/tags.jsonl"
expect_grep '>other<' "$TMP/out"
[ "$(grep -c '<polygon class="tag"' "$TMP/out")" = 12 ] && ok || fail "want 12 tag areas"

expect_exit 0 "$VRAM" snapshot-plot --help
expect_grep 'usage: vram snapshot-plot' "$TMP/out"
expect_exit 2 "$VRAM" snapshot-plot
expect_exit 2 "$VRAM" snapshot-plot "$TMP/t.jsonl" --width 10
expect_exit 2 "$VRAM" snapshot-plot "$TMP/t.jsonl" --bogus
expect_exit 2 "$VRAM" snapshot-plot "$TMP/t.jsonl" "$TMP/t.jsonl"
expect_exit 1 "$VRAM" snapshot-plot "$TMP/missing.jsonl"
expect_grep 'missing.jsonl' "$TMP/err"
printf '{"op":"alloc","id":1,"size":1}\n{"op":"alloc","id":1,"size":1}\n' >"$TMP/dup.jsonl"
expect_exit 1 "$VRAM" snapshot-plot "$TMP/dup.jsonl"
expect_grep 'dup.jsonl:2: id 1 is allocated already' "$TMP/err"
printf '{"op":"alloc","id":1,"size":1}\nnot json\n' >"$TMP/bad.jsonl"
expect_exit 1 "$VRAM" snapshot-plot "$TMP/bad.jsonl"
expect_grep 'bad.jsonl:2:' "$TMP/err"
expect_exit 1 "$VRAM" snapshot-plot "$TMP/t.jsonl" --out "$TMP/t.jsonl/x.svg"
finish
