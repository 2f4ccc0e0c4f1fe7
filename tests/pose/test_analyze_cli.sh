#!/usr/bin/env bash
# test_analyze_cli.sh - `pose analyze` and `pose bench` as users meet them: help, usage errors
# (exit 2), bad input (exit 1, the file named), and SIGINT in the middle of a run: exit 130 with
# every output complete (JSONL lines whole, CSV renamed into place, overlay playable).
source "$AIMP_SOURCE_DIR/tests/lib.sh"

expect_exit 0 "$POSE" analyze --help
expect_grep '--model' "$TMP/out"
expect_exit 0 "$POSE" bench --help
expect_exit 2 "$POSE" analyze
expect_exit 2 "$POSE" analyze x.mp4 --model nosuchmodel
expect_grep "unknown model 'nosuchmodel'" "$TMP/err"
expect_exit 2 "$POSE" analyze x.mp4 --fps abc
expect_exit 2 "$POSE" analyze x.mp4 --bogus
expect_exit 2 "$POSE" analyze a.mp4 b.mp4
expect_exit 1 "$POSE" analyze "$TMP/does-not-exist.mp4" --out "$TMP/o.jsonl" --models-dir "$TMP"
expect_grep 'does-not-exist.mp4' "$TMP/err"
head -c 20000 /dev/urandom > "$TMP/noise.mp4"
expect_exit 1 "$POSE" analyze "$TMP/noise.mp4" --out "$TMP/o.jsonl" --models-dir "$TMP"
expect_grep 'noise.mp4' "$TMP/err"
expect_exit 2 "$POSE" bench x.mp4 --streams 0

if [ -d "${AIMP_SHARED_DIR:-}" ]; then
  # bench --make-sample: a rescaled H.264 clip; then bench itself on it when the models are here
  expect_exit 0 "$POSE" bench "$AIMP_SHARED_DIR/media/video/tfjs_pose_1.mp4" --make-sample "$TMP/small.mp4" \
    --size 320x240 --frames 6
  expect_grep '6 frames, 320x240' "$TMP/err"
  if [ -d "${AIMP_MODELS_DIR:-}" ]; then
    "$POSE" bench "$TMP/small.mp4" --frames 3 --streams 2 >"$TMP/bench.out" 2>"$TMP/bench.err"; rc=$?
    if grep -q 'cannot run models yet' "$TMP/bench.err"; then echo "SKIP (bench): engine not ready"
    else
      if [ $rc = 0 ]; then ok; else fail "pose bench exited $rc"; cat "$TMP/bench.err" >&2; fi
      expect_grep '^end-to-end +[0-9.]+ +[0-9.]+$' "$TMP/bench.out"
      expect_grep '^anchor: decode alone [0-9.]+ fps' "$TMP/bench.out"
      expect_grep '^2 streams: [0-9.]+ fps in total' "$TMP/bench.out"
    fi
  fi
fi

if [ -d "${AIMP_SHARED_DIR:-}" ] && [ -d "${AIMP_MODELS_DIR:-}" ]; then
  vid="$AIMP_SHARED_DIR/media/video/tfjs_pose_1.mp4"
  rm -f "$TMP/int.jsonl" "$TMP/int.csv" "$TMP/int.mp4"
  "$POSE" analyze "$vid" --out "$TMP/int.jsonl" --csv "$TMP/int.csv" --overlay "$TMP/int.mp4" --quiet \
    2>"$TMP/int.err" &
  pid=$!
  # wait for two frame lines, then interrupt
  for _ in $(seq 1 600); do
    [ "$(wc -l <"$TMP/int.jsonl" 2>/dev/null || echo 0)" -ge 3 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  kill -INT $pid 2>/dev/null
  wait $pid; rc=$?
  if grep -q 'cannot run models yet' "$TMP/int.err"; then
    echo "SKIP (interrupt part): the engine cannot run models yet"
  else
    if [ "$rc" = 130 ] || [ "$rc" = 0 ]; then ok; else fail "interrupted analyze exited $rc"; cat "$TMP/int.err" >&2; fi
    expect_grep '"type":"header"' "$TMP/int.jsonl"
    lines=$(wc -l <"$TMP/int.jsonl")
    if [ "$lines" -ge 3 ] && [ "$(tail -c 1 "$TMP/int.jsonl" | od -An -c | tr -d ' ')" = '\n' ]; then ok
    else fail "JSONL after SIGINT: $lines lines, last byte not a newline"; fi
    if command -v python3 >/dev/null; then
      if python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/int.jsonl"; then ok
      else fail "a JSONL line is not JSON after SIGINT"; fi
    fi
    # CSV and overlay were closed properly: in place, no temp files left
    if [ -s "$TMP/int.csv" ] && [ ! -e "$TMP/int.csv.tmp" ]; then ok; else fail "CSV not in place after SIGINT"; fi
    if [ -s "$TMP/int.mp4" ] && [ ! -e "$TMP/int.mp4.tmp" ]; then ok; else fail "overlay not in place after SIGINT"; fi
    csv_rows=$(($(wc -l <"$TMP/int.csv") - 1))
    if [ "$csv_rows" = "$((lines - 1))" ]; then ok; else fail "CSV has $csv_rows rows, JSONL $((lines - 1)) frames"; fi
  fi
fi
finish
