/*
 * models_internal.h - internal: the pure decoding steps of the model pipelines (MoveNet single and
 * multi pose, BlazePose detector + landmarks), separate from inference so tests can feed them the
 * reference outputs of ../shared/reference, and the inference seam (pose__net) the estimator uses.
 * Box convention of MoveNet crops: {ymin, xmin, ymax, xmax} normalised to the frame (tfjs-models).
 */
#ifndef POSE_MODELS_INTERNAL_H
#define POSE_MODELS_INTERNAL_H

#include "pose.h"

/* ---- MoveNet ---- */
#define POSE__MOVENET_MIN_CROP_SCORE 0.2   /* tfjs-models MIN_CROP_KEYPOINT_SCORE */
#define POSE__MOVENET_CROP_ALPHA 0.9       /* tfjs-models CROP_FILTER_ALPHA */

/* The crop box that equals the letterbox of the whole w x h frame. */
void pose__movenet_full_box(int w, int h, double box[4]);
/* [17][3] (y, x, score) normalised to box -> person in frame pixels; score = mean of the keypoint
 * scores above 0.2 (0 when none), bbox around the keypoints above 0.2 (all when none). */
void pose__movenet_decode_single(const float *out, const double box[4], int w, int h, pose_person *p);
/* tfjs-models determineNextCropRegion: the square around the hips sized from torso and body
 * extents (x1.9 torso, x1.2 body) when the torso is visible; else the full-frame box. Returns 1
 * for a body crop, 0 for the full frame. */
int pose__movenet_next_crop(const pose_person *p, int w, int h, double box[4]);
/* [n][56] multipose output on the letterboxed square -> persons with box score >= min_score. */
int pose__movenet_decode_multi(const float *out, int n_inst, const pose_letterbox *lb, double min_score,
                               pose_result *r);

/* ---- BlazePose ---- */
#define POSE__BP_ANCHORS 2254
#define POSE__BP_DET_SIZE 224
#define POSE__BP_LM_SIZE 256

typedef struct pose__anchor {
    float x, y; /* centre, normalised to the detector input */
} pose__anchor;

typedef struct pose__detection {
    float score;
    float cx, cy, w, h; /* frame pixels */
    float kp[4][2];     /* frame pixels: hip centre, full-body alignment point, shoulders, upper body */
} pose__detection;

/* MediaPipe SsdAnchorsCalculator for the pose detector (224 x 224, 5 layers, strides 8 16 32 32 32,
 * fixed-size anchors, 2 per cell per layer: 28^2*2 + 14^2*2 + 7^2*6 = 2254). Returns the count. */
int pose__blazepose_anchors(pose__anchor *a, int cap);
/* Decodes [n][13] raw detector output (logit, cx, cy, w, h, 4 x (x, y) in 224-px units relative to
 * the anchors) on the letterboxed frame; keeps sigmoid(clamped logit) >= min_score. */
int pose__blazepose_decode_detections(const float *raw, const pose__anchor *anchors, int n,
                                      const pose_letterbox *lb, double min_score, pose__detection *out,
                                      int cap);
/* MediaPipe weighted NMS (IoU >= thr): each kept detection is the score-weighted mean of those it
 * suppresses. out may alias nothing; returns the count, best first. */
int pose__weighted_nms(const pose__detection *d, int n, double iou_thr, pose__detection *out, int cap);
/* AlignmentPointsRects + RectTransformation(scale, square_long): centre (x0, y0), size
 * 2 |p1 - p0| * scale, rotation so p0 -> p1 points up (target angle 90 degrees). */
void pose__roi_from_alignment(double x0, double y0, double x1, double y1, double scale, pose_roi *roi);
/* ld_3d [39][5] (x, y, z, visibility logit, presence logit) in 256-px ROI units, world_3d [39][3]
 * metres (may be NULL) -> person (33 landmarks) in frame pixels; aux[2][2] (may be NULL) receives
 * landmarks 33 and 34 (the next ROI's alignment points) in frame pixels. */
void pose__blazepose_decode_landmarks(const float *ld, const float *world, const pose_roi *roi,
                                      pose_person *p, double aux[2][2]);

#endif
