#!/usr/bin/env bash
# test_reps_cli.sh - `pose reps` on the squat clip's keypoints (tests/pose/data, made by pose analyze
# with blazepose-full): 2 complete squats (the third is cut by the end of the clip), CSV, errors.
source "$AIMP_SOURCE_DIR/tests/lib.sh"
J=$AIMP_SOURCE_DIR/tests/pose/data/squats_blazepose_full.jsonl

expect_exit 0 "$POSE" reps --help
expect_exit 0 "$POSE" reps "$J"
expect_grep '^2 reps of knee_angle_r' "$TMP/out"
expect_grep '^rep 2: 5\.[0-9]+-8\.[0-9]+ s' "$TMP/out"
expect_exit 0 "$POSE" reps "$J" --driver knee_angle_l --2d --out "$TMP/reps.csv"
expect_grep '^rep,t_start,t_end,duration,rom,peak_angle,peak_velocity$' "$TMP/reps.csv"
[ "$(wc -l <"$TMP/reps.csv")" = 3 ] && ok || fail "want a header and 2 reps in reps.csv"
# a driver that does not move enough: no rep, not an error
expect_exit 0 "$POSE" reps "$J" --driver shoulder_tilt
expect_grep '^0 reps' "$TMP/out"
expect_exit 2 "$POSE" reps "$J" --driver knee
expect_exit 2 "$POSE" reps "$J" --direction sideways
expect_exit 1 "$POSE" reps "$TMP/none.jsonl"
expect_grep 'none.jsonl' "$TMP/err"
finish
