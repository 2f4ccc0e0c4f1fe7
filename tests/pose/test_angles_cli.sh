#!/usr/bin/env bash
# test_angles_cli.sh - `pose angles`: CSV columns and values on a hand-made COCO-17 side view,
# empty cells for low-score keypoints, --person, --out (atomic), bad input naming file:line.
source "$AIMP_SOURCE_DIR/tests/lib.sh"

names='"nose","left_eye","right_eye","left_ear","right_ear","left_shoulder","right_shoulder","left_elbow","right_elbow","left_wrist","right_wrist","left_hip","right_hip","left_knee","right_knee","left_ankle","right_ankle"'
# person facing +x: nose ahead of the ears; standing, then right hip and knee at 90, then right knee unsure
frame() { # index t rknee_x rknee_y rankle_x rankle_y rknee_score
  printf '{"type":"frame","index":%s,"t":%s,"persons":[{"id":3,"score":0.9,"bbox":[0,0,1,1],"keypoints":[' "$1" "$2"
  printf '[340,60,0.9],[330,55,0.9],[330,55,0.9],[300,70,0.9],[300,70,0.9],[300,100,0.9],[300,100,0.9],'
  printf '[300,200,0.9],[300,200,0.9],[300,280,0.9],[300,280,0.9],[300,300,0.9],[300,300,0.9],'
  printf '[300,450,0.9],[%s,%s,%s],[300,600,0.9],[%s,%s,0.9]]}]}\n' "$3" "$4" "$7" "$5" "$6"
}
J=$TMP/a.jsonl
{
  printf '{"type":"header","model":"movenet-lightning","keypoint_names":[%s],"width":640,"height":640,"fps":30,"source":"x"}\n' "$names"
  frame 0 0.0 300 450 300 600 0.9
  frame 1 0.033333 450 300 450 450 0.9
  frame 2 0.066667 450 300 450 450 0.1
} >"$J"

expect_exit 0 "$POSE" angles --help
expect_grep 'ANGLES.md' "$TMP/out"
expect_exit 0 "$POSE" angles "$J" --max-gap 0
expect_grep '^frame,t,id,hip_flexion_r,hip_flexion_l,knee_angle_r,knee_angle_l,ankle_angle_r' "$TMP/out"
# standing: hip, knee 0; ankle empty (COCO has no foot points)
expect_grep '^0,0.000000,3,0.000,0.000,0.000,0.000,,,' "$TMP/out"
expect_grep '^1,0.033333,3,90.000,0.000,90.000,0.000,,,' "$TMP/out"
# frame 2: right knee below the score threshold -> hip_flexion_r and knee_angle_r empty
expect_grep '^2,0.066667,3,,0.000,,0.000,,,' "$TMP/out"
[ "$(wc -l <"$TMP/out")" = 4 ] && ok || fail "want a header and 3 rows"
# --out: written atomically, no temp file left
expect_exit 0 "$POSE" angles "$J" --out "$TMP/angles.csv" --person 3 --velocity
expect_grep 'knee_angle_r_vel' "$TMP/angles.csv"
ls "$TMP" | grep -q 'angles.csv.tmp' && fail "temp file left behind" || ok
# errors
expect_exit 1 "$POSE" angles "$J" --person 9
expect_grep 'person id 9' "$TMP/err"
expect_exit 1 "$POSE" angles "$TMP/missing.jsonl"
expect_grep 'missing.jsonl' "$TMP/err"
{ head -2 "$J"; echo '{"type":"frame","t":1,"persons":[{"id":3,"keypoints":[[1,2]]}]}'; } >"$TMP/bad.jsonl"
expect_exit 1 "$POSE" angles "$TMP/bad.jsonl"
expect_grep 'bad.jsonl:3:' "$TMP/err"
printf '{"type":"header","keypoint_names":["a"]}\n{"type":"frame","t":0,"persons":[{"id":1,"keypoints":[[1,2,3]]}]}\n' >"$TMP/odd.jsonl"
expect_exit 1 "$POSE" angles "$TMP/odd.jsonl"
expect_grep 'neither COCO-17 nor BlazePose-33' "$TMP/err"
expect_exit 1 "$POSE" angles "$TMP/video.mp4"
expect_grep 'pose analyze' "$TMP/err"
expect_exit 2 "$POSE" angles "$J" --facing up
expect_exit 2 "$POSE" angles
expect_exit 1 "$POSE" angles "$J" --3d
expect_grep 'world' "$TMP/err"
finish
