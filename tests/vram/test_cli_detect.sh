# test_cli_detect.sh - `vram detect`: exit codes, the no-GPU line, the profile file (default path and
# --out, valid JSON with the documented fields), --json, --config errors naming the file and field.
source "$AIMP_SOURCE_DIR/tests/lib.sh"
export HOME="$TMP/home" && unset XDG_CONFIG_HOME
rm -rf "$HOME"
export VRAM_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1   # the same answer on GPU machines

expect_exit 0 "$VRAM" detect --help
expect_grep '^usage: vram detect' "$TMP/out"
expect_exit 2 "$VRAM" detect --bogus
expect_grep "unknown or incomplete option '--bogus'" "$TMP/err"
expect_exit 2 "$VRAM" detect --out

# default path: created with its folders
expect_exit 0 "$VRAM" detect
expect_grep '^no GPU found \(NVML not available: cannot load /nonexistent/libnvidia-ml.so.1' "$TMP/out"
expect_grep '^CPU: .*[0-9]+ cores.*SIMD (none|sse4.2|avx2\+fma|avx512f)$' "$TMP/out"
expect_grep '^profile: cpu .*max batch [0-9]+, gradient checkpointing off, swap threshold 0.85, batch budget 0.90, inference timeout 5 s$' "$TMP/out"
expect_grep "^wrote $HOME/.config/ai-ml-pipeline/machine.json\$" "$TMP/out"
f=$HOME/.config/ai-ml-pipeline/machine.json
[ -s "$f" ] && ok || fail "$f not written"
for field in '"schema": "ai-ml-pipeline/machine/1"' '"cores": ' '"simd": ' '"available": false' '"gpus": \[\]' \
             '"device": "cpu"' '"max_batch": ' '"gradient_checkpointing": false' '"swap_threshold": 0.85' \
             '"batch_budget": 0.9' '"inference_timeout_s": 5'; do
  expect_grep "$field" "$f"
done
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["profile"]["max_batch"] >= 1' "$f" && ok \
    || fail "$f is not valid JSON with profile.max_batch"
fi

# --out and --json: the printed JSON is what was written (up to the timestamp)
expect_exit 0 "$VRAM" detect --json --out "$TMP/x/y/m.json"
expect_grep '^\{$' "$TMP/out"
expect_grep '"schema": "ai-ml-pipeline/machine/1"' "$TMP/out"
[ "$(grep -v created "$TMP/out")" = "$(grep -v created "$TMP/x/y/m.json")" ] && ok || fail "--json output differs from the file"
ls "$TMP/x/y" | grep -q tmp && fail "a temporary file was left behind" || ok

# config: applied, or a clear error naming the file and the field; the profile is then not written
printf '{"cpu": {"max_batch": 3}, "profile": {"inference_timeout_s": 2}}\n' >"$TMP/good.json"
expect_exit 0 "$VRAM" detect --config "$TMP/good.json" --out "$TMP/c.json"
expect_grep "max batch 3, .*inference timeout 2 s" "$TMP/out"
expect_grep "\"source\": \"config $TMP/good.json \(cpu\)\"" "$TMP/c.json"
printf '{"profile": {"swap_threshold": 7}}\n' >"$TMP/bad.json"
expect_exit 1 "$VRAM" detect --config "$TMP/bad.json" --out "$TMP/d.json"
expect_grep "^vram detect: $TMP/bad.json: profile.swap_threshold: must be a number > 0 and <= 1\$" "$TMP/err"
[ ! -e "$TMP/d.json" ] && ok || fail "a profile was written despite a bad config"
printf '{\n  "cpu": {"max_batch": 3,}\n}\n' >"$TMP/syntax.json"
expect_exit 1 "$VRAM" detect --config "$TMP/syntax.json" --out "$TMP/d.json"
expect_grep "$TMP/syntax.json: line 2, column" "$TMP/err"
expect_exit 1 "$VRAM" detect --config "$TMP/missing.json" --out "$TMP/d.json"
expect_grep "missing.json: cannot open" "$TMP/err"

# unwritable destination, no HOME
expect_exit 1 "$VRAM" detect --out /proc/nope/m.json
expect_grep "^vram detect: /proc/nope: cannot create" "$TMP/err"
expect_exit 1 env -u HOME "$VRAM" detect
expect_grep "neither XDG_CONFIG_HOME nor HOME is set" "$TMP/err"
finish
