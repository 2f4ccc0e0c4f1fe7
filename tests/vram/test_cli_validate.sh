# test_cli_validate.sh - `vram validate`: the table and exit 0 here, --json, and exit 1 with the fix
# when the models are missing or corrupt (checked against a sha256 list made with coreutils).
source "$AIMP_SOURCE_DIR/tests/lib.sh"

expect_exit 0 "$VRAM" validate --help
expect_grep '^usage: vram validate' "$TMP/out"
expect_exit 2 "$VRAM" validate --nope
expect_exit 2 "$VRAM" validate --models

# a models folder of our own with a sha256 list written by sha256sum
mkdir -p "$TMP/m"
head -c 100000 /dev/urandom >"$TMP/m/a.bin"
printf '{"x": 1}\n' >"$TMP/m/b.json"
(cd "$TMP/m" && sha256sum a.bin b.json) >"$TMP/sums"
expect_exit 0 "$VRAM" validate --models "$TMP/m" --sums "$TMP/sums"
for name in compiler 'C runtime' jansson libwebsockets 'CUDA driver' 'CUDA runtime' NVML 'GPU memory' \
            'system memory' 'free disk' SIMD FFmpeg SQLite models; do
  expect_grep "^$name +(pass|warn|skip|FAIL) " "$TMP/out"
done
expect_grep "^models +pass +2 files in $TMP/m, checksums match" "$TMP/out"
expect_grep '^result: ok' "$TMP/out"
expect_grep '^FFmpeg +pass +.*avformat [0-9]+\.' "$TMP/out"

# a corrupt and a missing file: exit 1, the names and the fix
printf 'x' >>"$TMP/m/a.bin"
rm "$TMP/m/b.json"
expect_exit 1 "$VRAM" validate --models "$TMP/m" --sums "$TMP/sums"
expect_grep "^models +FAIL +$TMP/m: 1 of 2 missing \(b.json\), 1 wrong checksum \(a.bin\)" "$TMP/out"
expect_grep "fix: run scripts/setup" "$TMP/out"
expect_grep '^result: 1 required check failed' "$TMP/out"
expect_exit 1 "$VRAM" validate --json --models "$TMP/m" --sums "$TMP/sums"
expect_grep '"ok": false' "$TMP/out"
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert not d["ok"]; assert any(c["name"]=="models" and c["status"]=="FAIL" for c in d["checks"])' "$TMP/out" \
    && ok || fail "--json output is not the expected JSON"
fi
# a malformed list, an unreadable list
printf 'not a checksum line\n' >"$TMP/badsums"
expect_exit 1 "$VRAM" validate --models "$TMP/m" --sums "$TMP/badsums"
expect_grep "$TMP/badsums: line 1: not '<sha256>  <file>'" "$TMP/out"
expect_exit 1 "$VRAM" validate --models "$TMP/m" --sums "$TMP/none"
expect_grep "$TMP/none: cannot read" "$TMP/out"
# the pinned list against an empty folder
expect_exit 1 "$VRAM" validate --models "$TMP/empty"
expect_grep "14 of 14 missing" "$TMP/out"

# the real models (README's first command): everything required passes here
need_models
expect_exit 0 "$VRAM" validate
expect_grep '^models +pass +14 files' "$TMP/out"
expect_exit 0 "$VRAM" validate --json
expect_grep '"ok": true' "$TMP/out"
finish
