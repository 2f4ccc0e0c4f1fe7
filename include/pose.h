/*
 * pose.h - human pose analysis: video sources, model pipelines (MoveNet, BlazePose), tracking,
 * smoothing, joint angles, repetitions, DTW comparison with reference movements, feedback, export,
 * and the live server. Built on libnn. Every symbol starts with pose_ (internals: pose__).
 *
 * Usage:
 *
 *     pose_error err = {0};
 *     double d = pose_dtw_distance(a, na, b, nb, 1, NULL, &err);
 *
 * Conventions (all of libpose):
 *   - Functions that can fail at run time return a negative pose_status (or NULL) and, when err
 *     is not NULL, fill err->msg naming the file, line or field. They never print and never exit.
 *   - Pixels are of the original frame; times are seconds from the stream start; angles degrees.
 */
#ifndef POSE_H
#define POSE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POSE_VERSION "0.1.0"

typedef enum pose_status {
    POSE_OK = 0,
    POSE_EINVAL = -1,  /* bad argument or malformed input */
    POSE_ENOMEM = -2,
    POSE_EIO = -3,     /* file could not be read or written */
    POSE_ENOTFOUND = -4,
    POSE_EUNSUPPORTED = -5,
    POSE_EDB = -6      /* database error (corrupt or locked) */
} pose_status;

typedef struct pose_error {
    int code;
    char msg[512];
} pose_error;

/* The library's version string, POSE_VERSION. Thread-safe. */
const char *pose_version(void);

/* ==== DTW (dtw*.c) ==== */
/*
 * Dynamic Time Warping, in double precision, with the definition and window convention of
 * dtaidistance (../shared/dtw/README.md) so that our numbers equal theirs (relative 1e-9).
 *
 * Series: `n` samples of `ndim` values each, row-major ([n][ndim] doubles). ndim > 1 is DEPENDENT
 * multivariate DTW: one warping path for all dimensions, cell cost = squared Euclidean distance.
 *
 * Definition:
 *   cost(i,j)  = sum_d (a[i][d] - b[j][d])^2
 *   D          = min over warping paths P from (0,0) to (na-1,nb-1), steps (1,1),(1,0),(0,1),
 *                of sum_{(i,j) in P} cost(i,j)  [+ penalty^2 for every non-diagonal step]
 *   distance   = sqrt(D)   (the square root is taken once, at the end)
 * Window w (dtaidistance's convention, w = Sakoe-Chiba radius + 1):
 *   w = 0: no constraint; otherwise cell (i,j) is allowed iff
 *     i - j <= w - 1 + max(0, na - nb)   and   j - i <= w - 1 + max(0, nb - na)
 *   so w = 1 is the diagonal only (Euclidean distance for equal lengths) and for equal lengths
 *   |i - j| <= w - 1. The end cell is always reachable.
 * Early abandoning: max_dist (distance units). When the true distance > max_dist the functions return
 *   +INFINITY; otherwise the exact distance. The DP stops as soon as a whole row exceeds max_dist^2.
 * Derivative DTW (Keogh & Pazzani 2001): each dimension is replaced by its derivative estimate
 *   d[i] = ((x[i] - x[i-1]) + (x[i+1] - x[i-1]) / 2) / 2     for 0 < i < n-1,
 *   d[0] = d[1], d[n-1] = d[n-2]  (needs n >= 3; POSE_EINVAL otherwise),
 *   then plain DTW on the derivatives.
 *
 * Usage:
 *     pose_dtw_options o = pose_dtw_defaults();
 *     o.window = 11;                          // radius 10
 *     double d = pose_dtw_distance(a, na, b, nb, 3, &o, &err);  // d < 0: error, see err.msg
 *     pose_dtw_path p;
 *     if (pose_dtw_warping_path(a, na, b, nb, 3, &o, &p, &err) == POSE_OK) {
 *         for (size_t k = 0; k < p.len; k++) use(p.ij[2*k], p.ij[2*k+1]);
 *         pose_dtw_path_free(&p);
 *     }
 *
 * Complexity: distance O(na*nb) time (O(na*band) with a window), O(nb) memory (two rows);
 * the path keeps the band of the matrix: O(na*band) memory. All functions are thread-safe
 * (no global state); a pose_spring_t is used by one thread at a time.
 */

typedef struct pose_dtw_options {
    size_t window;    /* dtaidistance w (radius + 1); 0 = none. Default 0. */
    double max_dist;  /* early abandoning threshold, distance units; INFINITY = off (default) */
    double penalty;   /* p: p^2 is added for every non-diagonal step. Default 0. */
    int derivative;   /* 1: DTW on Keogh-Pazzani derivative estimates. Default 0. */
} pose_dtw_options;

/* Defaults: no window, no abandoning, no penalty, not derivative. */
pose_dtw_options pose_dtw_defaults(void);

/* The DTW distance of a [na][ndim] and b [nb][ndim] (opt NULL = defaults). Returns the distance
 * (>= 0), +INFINITY when abandoned by opt->max_dist, or a negative pose_status on bad input
 * (empty series, ndim 0, NaN/inf values, derivative with n < 3) or out of memory, with err filled.
 * Allocates two rows (and the derivatives) per call; use pose_dtw_distance_ws in loops. */
double pose_dtw_distance(const double *a, size_t na, const double *b, size_t nb, size_t ndim,
                         const pose_dtw_options *opt, pose_error *err);

/* Number of doubles of workspace pose_dtw_distance_ws needs for these sizes and options. */
size_t pose_dtw_work_size(size_t na, size_t nb, size_t ndim, const pose_dtw_options *opt);

/* Same as pose_dtw_distance, without allocating: work has pose_dtw_work_size(...) doubles.
 * Does not check the values for NaN (the caller did); checks sizes. */
double pose_dtw_distance_ws(const double *a, size_t na, const double *b, size_t nb, size_t ndim,
                            const pose_dtw_options *opt, double *work, pose_error *err);

/* A warping path: len cells (i, j), 0-based, ascending from (0,0) to (na-1, nb-1). */
typedef struct pose_dtw_path {
    size_t len;
    size_t *ij;       /* [len][2]: ij[2k] = i (index in a), ij[2k+1] = j (index in b); owned */
    double distance;  /* the DTW distance (as pose_dtw_distance); +INFINITY when abandoned */
} pose_dtw_path;

/* The distance and the best warping path (ties: diagonal first, then (i, j-1), then (i-1, j)).
 * Fills *out (len 0, ij NULL when abandoned by max_dist). Returns POSE_OK or a negative status.
 * Release with pose_dtw_path_free. */
int pose_dtw_warping_path(const double *a, size_t na, const double *b, size_t nb, size_t ndim,
                          const pose_dtw_options *opt, pose_dtw_path *out, pose_error *err);

/* Frees p->ij and zeroes *p. Accepts NULL and a zeroed path. */
void pose_dtw_path_free(pose_dtw_path *p);

/* Keogh-Pazzani derivative of x [n][ndim] into out [n][ndim] (see above). n >= 3, else POSE_EINVAL. */
int pose_dtw_derivative(const double *x, size_t n, size_t ndim, double *out, pose_error *err);

/* --- lower bounds (never above the DTW distance with the same window) --- */

/* LB_Kim (first/last-point form of the UCR suite, any ndim, any window): sqrt of the cost of the
 * first and last cells plus, when max(na,nb) >= 4, the cheapest of the cells that can be second and
 * second to last. O(ndim). */
double pose_dtw_lb_kim(const double *a, size_t na, const double *b, size_t nb, size_t ndim);

/* LB_Keogh envelope of a 1-D query q (length nq) for candidates of length nc under window w
 * (dtaidistance's convention): for every candidate index j, upper[j] / lower[j] = max / min of q over
 * the rows i allowed in column j. upper and lower have nc doubles. O(nq + nc) (monotone deques);
 * returns POSE_ENOMEM or POSE_OK. Compute once per query for 1-vs-N. */
int pose_dtw_envelope(const double *q, size_t nq, size_t nc, size_t window, double *upper,
                      double *lower, pose_error *err);

/* LB_Keogh of a 1-D candidate c (length nc) against an envelope from pose_dtw_envelope:
 * sqrt(sum_j (c[j] - upper[j])^2 where c[j] > upper[j], (lower[j] - c[j])^2 where c[j] < lower[j]).
 * When contrib is not NULL it receives the per-j terms (squared). */
double pose_dtw_lb_keogh(const double *c, size_t nc, const double *upper, const double *lower,
                         double *contrib);

/* --- 1-vs-N search (1-D) --- */

enum {
    POSE_DTW_SEARCH_ABANDON = 1,  /* early-abandon each DTW at the best distance so far */
    POSE_DTW_SEARCH_LB = 2        /* prune with LB_Kim, LB_Keogh (query env), LB_Keogh (candidate env) */
};

typedef struct pose_dtw_search_stats {
    size_t candidates, pruned_kim, pruned_keogh_q, pruned_keogh_c, abandoned, full_dtw;
} pose_dtw_search_stats;

/* Nearest candidate to q (length nq) among count candidates of length nc stored back to back in
 * cands ([count][nc]), under opt's window (max_dist: only candidates within it count; derivative and
 * penalty are not supported here -> POSE_EUNSUPPORTED). flags: POSE_DTW_SEARCH_*; 0 = brute force.
 * Every flag combination returns the same best index and distance. Writes *best_index (count when no
 * candidate is within max_dist) and *best_dist; stats may be NULL. Returns POSE_OK or < 0. */
int pose_dtw_search(const double *q, size_t nq, const double *cands, size_t count, size_t nc,
                    const pose_dtw_options *opt, int flags, size_t *best_index, double *best_dist,
                    pose_dtw_search_stats *stats, pose_error *err);

/* --- subsequence DTW and streaming --- */

/* Best match of the query q [nq][ndim] anywhere inside the long series s [ns][ndim]: free start and
 * free end in s (no window; penalty and derivative ignored). Writes the matched range
 * [*start, *end] (inclusive indices in s) and its distance. Returns POSE_OK or < 0. */
int pose_dtw_subsequence(const double *q, size_t nq, const double *s, size_t ns, size_t ndim,
                         size_t *start, size_t *end, double *distance, pose_error *err);

/* SPRING (Sakurai, Faloutsos, Yamamuro 2007): reports the non-overlapping subsequences of a live
 * series whose subsequence-DTW distance to the query is <= epsilon, each one the best of its group of
 * overlapping candidates, in O(nq) time and memory per sample. */
typedef struct pose_spring pose_spring_t;

typedef struct pose_spring_match {
    uint64_t start, end;  /* sample indices in the stream (0 = first update), inclusive */
    double distance;
} pose_spring_match;

/* Copies the query. epsilon in distance units (> 0). NULL on bad input or out of memory (err). */
pose_spring_t *pose_spring_create(const double *q, size_t nq, size_t ndim, double epsilon,
                                  pose_error *err);
void pose_spring_free(pose_spring_t *sp);
/* Feeds one sample x [ndim]. Returns 1 and fills *match when a match is final, else 0; POSE_EINVAL
 * (state unchanged, the sample does not count) when x has a NaN or inf value. */
int pose_spring_update(pose_spring_t *sp, const double *x, pose_spring_match *match);
/* At the end of the stream: returns 1 and fills *match with a pending match, if any. */
int pose_spring_flush(pose_spring_t *sp, pose_spring_match *match);

/* --- DTW barycenter averaging (Petitjean et al. 2011) --- */

typedef struct pose_dba_options {
    size_t window;     /* DTW window for the alignments (dtaidistance's w), 0 = none */
    size_t length;     /* template length; 0 = the length of the medoid series (default) */
    int max_iter;      /* default 20 */
    double tol;        /* stop when the mean squared DTW cost improves by less than tol (relative), 1e-6 */
} pose_dba_options;

pose_dba_options pose_dba_defaults(void);

/* Averages count series (series[k] is [lens[k]][ndim]; lengths may differ) into a template:
 * starts from the medoid (least sum of squared DTW distances; resampled to opt->length when set) and
 * iterates DBA. *out is malloc'ed [*out_len][ndim] (free() it). Returns POSE_OK or < 0. */
int pose_dba_average(const double *const *series, const size_t *lens, size_t count, size_t ndim,
                       const pose_dba_options *opt, double **out, size_t *out_len, pose_error *err);

/* ---- series CSV (series_csv.c): one row per sample, one column per dimension ---- */

/* Parses a CSV of numbers (comma-separated; spaces around fields ignored; an optional header line
 * whose fields are not all numbers; blank lines and lines starting with '#' skipped). name is used
 * in messages ("a.csv:3: ..."). Every row must have the same number of columns; NaN or inf values,
 * empty fields and an empty file are errors (POSE_EINVAL). *out is malloc'ed [*n][*ndim]. */
int pose_series_csv_parse(const char *buf, size_t len, const char *name, double **out, size_t *n,
                          size_t *ndim, pose_error *err);
/* Same, from a file (POSE_EIO when it cannot be read). */
int pose_series_csv_read(const char *path, double **out, size_t *n, size_t *ndim, pose_error *err);

/* ==== keypoint series I/O: JSONL frames reader (frames*.c) ==== */

/*
 * Reads the JSON Lines written by `pose analyze` (pose_jsonl_*, "outputs" below): one header line
 * {"type":"header","model":..,"keypoint_names":[..],"width":W,"height":H,"fps":F,"source":..} then
 * one line per frame {"type":"frame","index":i,"t":s,"persons":[{"id":n,"score":s,"bbox":[..],
 * "keypoints":[[x,y,score],..],"world":[[x,y,z],..]}]}. Strict: every error names "file:line: why"
 * (bad JSON, a missing or mistyped field, a keypoint count that differs from the header's names,
 * a frame before the header, times that go backwards). Blank lines are skipped; `null` numbers
 * (the writer's non-finite values) read as NaN. Unknown fields are ignored (forward compatible).
 * An unterminated last line that is not valid JSON is skipped (a writer killed in mid-line).
 *
 *     pose_frames_t *f = pose_frames_read("s.jsonl", &err);      // NULL: err.msg says why
 *     pose_kp_series s;
 *     if (pose_frames_series(f, -1, &s, &err) == POSE_OK) {    // -1: the most frequent person
 *         ... s.kp[(i * s.nkp + k) * 3 + 0..2] ...
 *         pose_kp_series_free(&s);
 *     }
 *     pose_frames_free(f);
 *
 * A pose_frames_t is immutable after reading: its getters are thread-safe.
 */
typedef enum pose_skeleton {
    POSE_SKELETON_UNKNOWN = 0,     /* names match neither set: angles cannot be computed */
    POSE_SKELETON_COCO17 = 1,      /* MoveNet: pose_coco17_names */
    POSE_SKELETON_BLAZEPOSE33 = 2  /* BlazePose: pose_blazepose33_names (heels, foot index, world) */
} pose_skeleton;

typedef struct pose_frames pose_frames_t;

/* Parses a whole JSONL buffer; name is used in messages. NULL on error (err filled). An input with
 * a header and no frame is valid (0 frames). */
pose_frames_t *pose_frames_parse(const char *buf, size_t len, const char *name, pose_error *err);
/* Same from a file (POSE_EIO in err->code when it cannot be read). */
pose_frames_t *pose_frames_read(const char *path, pose_error *err);
void pose_frames_free(pose_frames_t *f);

typedef struct pose_frames_info {
    const char *model;        /* borrowed, "" when absent */
    const char *source;       /* borrowed, "" when absent */
    int width, height;        /* frame pixels, 0 when absent */
    double fps;               /* nominal, 0 when absent */
    size_t nkp;               /* keypoints per person (length of keypoint_names) */
    const char *const *keypoint_names; /* nkp names, borrowed */
    pose_skeleton skeleton;   /* recognised from the names */
    size_t frames;            /* frame lines */
    size_t persons;           /* distinct person ids */
} pose_frames_info;

void pose_frames_get_info(const pose_frames_t *f, pose_frames_info *info);
/* Distinct person ids in ascending order: writes min(count, cap) of them to ids, returns count. */
size_t pose_frames_person_ids(const pose_frames_t *f, int64_t *ids, size_t cap);

/* One person's keypoints over every frame of the file (frames where the person is absent hold NaN
 * keypoints, score 0). Arrays are malloc'ed and owned by the series. */
typedef struct pose_kp_series {
    size_t n;                 /* frames (all frames of the file) */
    size_t nkp;               /* keypoints per frame */
    pose_skeleton skeleton;
    int64_t person_id;
    double *t;                /* [n] seconds */
    int64_t *index;           /* [n] frame index */
    double *kp;               /* [n][nkp][3] x, y (pixels, y down), score 0..1 */
    double *world;            /* [n][nkp][3] metres, y down (MediaPipe); NULL when no frame had it;
                                 NaN in frames without it */
} pose_kp_series;

/* The series of person id (-1: the id present in the most frames, ties to the smallest). Fills *out
 * (zeroed on failure). POSE_ENOTFOUND when the id is absent or the file has no person. */
int pose_frames_series(const pose_frames_t *f, int64_t id, pose_kp_series *out, pose_error *err);
/* Frees the arrays and zeroes *s; accepts NULL and a zeroed series. */
void pose_kp_series_free(pose_kp_series *s);
/* The skeleton whose names are exactly these (in this order), else POSE_SKELETON_UNKNOWN. */
pose_skeleton pose_skeleton_from_names(const char *const *names, size_t n);


/* ==== kinematics: joint angles (kinematics*.c) ==== */

/*
 * Joint and segment angles in degrees from a keypoint series, defined in docs/ANGLES.md (formula and
 * table per angle). Names and signs follow OpenSim coordinates (hip_flexion_r, knee_angle_r, ...), 0
 * in the standing pose, flexion positive, including the knee (as Sports2D and OpenCap report it;
 * gait2392's knee_angle is negative in flexion). 2D: from image keypoints projected in the image
 * plane, the Sports2D way, signed by the facing direction of the person. 3D: from BlazePose world
 * landmarks in a body frame (right = hip line, up = trunk, forward = up x right) as OpenCap/OpenSim.
 *
 *     pose_angles a;
 *     if (pose_angles_compute(&series, NULL, &a, &err) == POSE_OK) {
 *         double knee = a.deg[i * POSE_ANGLE_COUNT + POSE_ANGLE_KNEE_R];  // NaN = missing
 *         pose_angles_free(&a);
 *     }
 *
 * Missing is NaN, never 0: a keypoint whose score < min_score makes every angle that uses it NaN.
 * Gaps of NaN no longer than max_gap seconds (between two valid samples) are filled by linear
 * interpolation; longer gaps and the ends stay NaN. Segment angles are unwrapped in time (consecutive
 * valid samples never jump by more than 180 degrees); joint angles stay in (-180, 180] (a jump across
 * +-180 is a projection flip, not a rotation). Velocity and acceleration: Savitzky-Golay
 * (quadratic, 2*sg_half+1 taps, about 0.2 s by default, shrinking near the ends and next to NaN,
 * dt = median frame step).
 * Pure functions, thread-safe.
 */
typedef enum pose_angle_id {
    /* joint angles */
    POSE_ANGLE_HIP_FLEXION_R = 0, POSE_ANGLE_HIP_FLEXION_L,
    POSE_ANGLE_KNEE_R, POSE_ANGLE_KNEE_L,             /* knee_angle_r/l, flexion positive */
    POSE_ANGLE_ANKLE_R, POSE_ANGLE_ANKLE_L,           /* ankle_angle_r/l, dorsiflexion positive
                                                         (BlazePose only: needs heel, foot index) */
    POSE_ANGLE_ARM_FLEX_R, POSE_ANGLE_ARM_FLEX_L,     /* shoulder flexion */
    POSE_ANGLE_ELBOW_FLEX_R, POSE_ANGLE_ELBOW_FLEX_L,
    POSE_ANGLE_TRUNK_LEAN,                            /* forward positive, from vertical */
    POSE_ANGLE_PELVIS_TILT,                           /* frontal: left hip higher positive */
    POSE_ANGLE_SHOULDER_TILT,                         /* frontal: left shoulder higher positive */
    /* segment angles: anticlockwise from the image's +x axis (y up), Sports2D */
    POSE_ANGLE_FOOT_R, POSE_ANGLE_FOOT_L,             /* heel -> foot index */
    POSE_ANGLE_SHANK_R, POSE_ANGLE_SHANK_L,           /* ankle -> knee */
    POSE_ANGLE_THIGH_R, POSE_ANGLE_THIGH_L,           /* knee -> hip */
    POSE_ANGLE_ARM_R, POSE_ANGLE_ARM_L,               /* elbow -> shoulder */
    POSE_ANGLE_FOREARM_R, POSE_ANGLE_FOREARM_L,       /* wrist -> elbow */
    POSE_ANGLE_TRUNK,                                 /* mid-hip -> mid-shoulder */
    POSE_ANGLE_PELVIS,                                /* right hip -> left hip */
    POSE_ANGLE_SHOULDERS,                             /* right shoulder -> left shoulder */
    POSE_ANGLE_COUNT
} pose_angle_id;

#define POSE_ANGLE_JOINT_COUNT 13 /* ids below this are joint angles, the rest segment angles */

/* "hip_flexion_r", "knee_angle_r", ..., "thigh_r", ...; NULL when id is out of range. */
const char *pose_angle_name(int id);
/* The id of a name (exact, as pose_angle_name), or -1. */
int pose_angle_find(const char *name);

typedef struct pose_kin_options {
    double min_score;  /* keypoints below this score are missing (default 0.3) */
    double max_gap;    /* seconds: longer NaN gaps are not interpolated (default 0.25) */
    int sg_half;       /* Savitzky-Golay half window in samples, 1..50; 0 = round(0.1 s / frame
                          step) (default: 3 at 30 fps, 1 at 5 fps) */
    int use_world;     /* -1: 3D when the series has world landmarks (default); 0: 2D; 1: 3D */
    int facing;        /* 2D: +1 faces the image's +x, -1 faces -x, 0 guess (default) */
} pose_kin_options;

pose_kin_options pose_kin_defaults(void);

typedef struct pose_angles {
    size_t n;          /* samples (the frames of the keypoint series) */
    int is_3d;         /* 1: from world landmarks */
    int facing;        /* 2D: the facing used (+1/-1); 0 in 3D */
    double *t;         /* [n] seconds */
    double *deg;       /* [n][POSE_ANGLE_COUNT] degrees, NaN = missing */
    double *vel;       /* [n][POSE_ANGLE_COUNT] degrees/second, NaN where not computable */
    double *acc;       /* [n][POSE_ANGLE_COUNT] degrees/second^2 */
} pose_angles;

/* Angles of a whole series. POSE_EINVAL on an empty series, an unknown skeleton, bad options or
 * 3D requested without world landmarks. Fills *out (owned; zeroed on failure). */
int pose_angles_compute(const pose_kp_series *s, const pose_kin_options *opt, pose_angles *out,
                        pose_error *err);
/* Frees the arrays and zeroes *a; accepts NULL and a zeroed struct. */
void pose_angles_free(pose_angles *a);

/* One frame, 2D: kp is [nkp][3] (x, y pixels with y down, score) of skeleton sk; facing +1/-1.
 * Writes POSE_ANGLE_COUNT values (NaN when missing), wrapped to (-180, 180]. */
void pose_angles_frame_2d(const double *kp, pose_skeleton sk, int facing, double min_score,
                          double *out);
/* One frame, 3D: world is [nkp][3] metres (MediaPipe: x right of the image, y down, z away from
 * the camera); kp ([nkp][3], may be NULL = all valid) gives the scores used for gating. */
void pose_angles_frame_3d(const double *world, const double *kp, pose_skeleton sk, double min_score,
                          double *out);
/* The facing direction of a 2D series (+1 / -1): the majority over frames of the sign of toes minus
 * heels along x (BlazePose), else of the nose minus the mid-ear point; +1 when undecided. */
int pose_kp_series_facing(const pose_kp_series *s, double min_score);


/* ==== repetitions (reps*.c) ==== */

/*
 * Repetitions: the cycles of a driver angle (knee_angle_r for squats, elbow_flex for curls) found with
 * hysteresis (docs/COMPARE.md). With y = direction * angle, lo / hi = the 5th / 95th percentiles of y
 * and R = hi - lo: a rep's active phase starts when y rises above lo + enter*R and ends when it falls
 * below lo + exit*R (exit < enter: noise cannot split or double a rep); the rep itself runs from the
 * last sample at rest (y <= lo + rest*R, else the lowest) before the active phase to the first one
 * after it. Reps shorter than min_duration are dropped; so are partial reps, cut by the start or end
 * of the series before they came back below the exit level. NaN samples are skipped (a gap inside a
 * rep keeps the rep). No reps (count 0, POSE_OK) when R < min_range: the driver did not move.
 *
 *     pose_rep *reps; size_t nreps;
 *     pose_reps_detect(&angles, POSE_ANGLE_KNEE_R, NULL, &reps, &nreps, &err);
 *     ... reps[k].rom, reps[k].duration ...; free(reps);
 */
typedef struct pose_rep_options {
    double min_range;     /* degrees, default 20 */
    double enter;         /* fraction of R, default 0.5 */
    double exit;          /* fraction of R, default 0.3 (< enter) */
    double rest;          /* fraction of R, default 0.15 (<= exit) */
    double min_duration;  /* seconds, default 0.4 */
    int direction;        /* +1: a rep goes to larger angles (default); -1: to smaller */
} pose_rep_options;

pose_rep_options pose_rep_defaults(void);

typedef struct pose_rep {
    size_t start, peak, end;  /* sample indices (inclusive); peak = furthest from rest */
    double t_start, t_end, duration; /* seconds */
    double rom;               /* range of motion of the driver in the rep: max - min, degrees */
    double peak_angle;        /* driver at the peak, degrees */
    double peak_velocity;     /* max |angular velocity| of the driver in the rep, deg/s (NaN if none) */
} pose_rep;

/* Reps of the series x (n samples at times t, NaN = missing); vel (deg/s, may be NULL: computed with
 * the Savitzky-Golay filter of the kinematics, default window) gives the peak velocities. *reps is
 * malloc'ed (free()), NULL when *count is 0. POSE_EINVAL on fewer than 3 valid samples, times not
 * increasing or bad options. Thread-safe. */
int pose_reps_detect_series(const double *t, const double *x, const double *vel, size_t n,
                            const pose_rep_options *opt, pose_rep **reps, size_t *count,
                            pose_error *err);
/* The same on one column (driver, a pose_angle_id) of a pose_angles. */
int pose_reps_detect(const pose_angles *a, int driver, const pose_rep_options *opt, pose_rep **reps,
                     size_t *count, pose_error *err);


/* ==== reference store (refstore*.c, SQLite) ==== */

/*
 * A reference movement: the DBA template of the joint-angle curves of its reps and, at every template
 * sample, how much the reps varied (docs/COMPARE.md). Built from angles by pose_reference_build,
 * kept in SQLite by pose_refstore_*, exchanged as JSON by pose_reference_to_json / _from_json.
 *
 *     pose_reference ref;
 *     pose_reference_build(&angles, POSE_ANGLE_KNEE_R, NULL, "squat", &ref, &err);
 *     pose_refstore_t *db = pose_refstore_open("pose.db", &err);
 *     pose_refstore_put(db, &ref, 0, &err);
 *     pose_reference_free(&ref);
 *     pose_refstore_close(db);
 */
#define POSE_REF_NAME_MAX 128

typedef struct pose_reference {
    char name[POSE_REF_NAME_MAX];   /* 1..127 bytes, no control characters */
    char source[256];               /* where it came from (a file name), may be "" */
    char created[32];               /* ISO 8601 UTC, set by pose_reference_build */
    int driver;                     /* pose_angle_id of the driver angle (one of joints[]) */
    int is_3d;                      /* angles from world landmarks */
    size_t njoints;                 /* angles in the template, 1..POSE_ANGLE_JOINT_COUNT */
    int joints[POSE_ANGLE_JOINT_COUNT]; /* their pose_angle_id, ascending */
    size_t len;                     /* template samples */
    double *tmpl;                   /* [len][njoints] degrees (owned) */
    double *sd;                     /* [len][njoints] degrees: std across reps (owned; 0 with one rep) */
    size_t nreps;                   /* reps the template was built from */
    double mean_duration;           /* seconds */
    double mean_rom;                /* of the driver, degrees */
} pose_reference;

typedef struct pose_reference_options {
    int joints_mask;      /* bit i = use joint angle id i; 0 = default: hips, knees, ankles, arm
                             flexion, elbows, trunk lean (+ pelvis and shoulder tilt in 3D) */
    double min_valid;     /* a joint is used when this fraction of every rep's samples is valid
                             (default 0.8); the rest are filled by interpolation */
    pose_rep_options reps;
} pose_reference_options;

pose_reference_options pose_reference_defaults(void);

/* Finds the reps of driver in a (pose_reps_detect), averages their joint curves with DBA
 * (pose_dba_average) and measures the spread of the reps along the template. POSE_EINVAL when
 * there is no rep, the driver is not a usable joint angle, or no joint is valid enough.
 * *out is owned by the caller (pose_reference_free). */
int pose_reference_build(const pose_angles *a, int driver, const pose_reference_options *opt,
                         const char *name, pose_reference *out, pose_error *err);
/* Frees the arrays, zeroes *r; accepts NULL and a zeroed reference. */
void pose_reference_free(pose_reference *r);
/* POSE_OK when r is consistent (name, joints, sizes, finite values, driver among the joints). */
int pose_reference_check(const pose_reference *r, pose_error *err);

/* JSON: {"format":"pose-reference","version":1,"name":..,"driver":"knee_angle_r",..,
 * "joints":["hip_flexion_r",..],"template":[[..],..],"sd":[[..],..]} (rows = samples).
 * to_json: *out is malloc'ed text. from_json: strict, errors name the field. */
int pose_reference_to_json(const pose_reference *r, char **out, pose_error *err);
int pose_reference_from_json(const char *buf, size_t len, const char *what, pose_reference *out,
                             pose_error *err);

/*
 * The store: one SQLite file (WAL journal, busy timeout 5 s), schema versioned by PRAGMA
 * user_version (1). Each change is one IMMEDIATE transaction, so a reference is never half-written
 * or lost, even when the process is killed mid-write (tested with SIGKILL). A file that is not a
 * database, is corrupt, or has a newer schema gives POSE_EDB with the path and the reason.
 * A handle is used by one thread at a time; several processes may share the file.
 */
typedef struct pose_refstore pose_refstore_t;

/* Opens (creating the file and schema when absent; the folder must exist) and checks it
 * (PRAGMA quick_check). NULL on failure, err says why. */
pose_refstore_t *pose_refstore_open(const char *path, pose_error *err);
void pose_refstore_close(pose_refstore_t *db);
/* Stores r (checked first). An existing name: POSE_EINVAL unless replace, then it is replaced in
 * the same transaction. */
int pose_refstore_put(pose_refstore_t *db, const pose_reference *r, int replace, pose_error *err);
/* Loads name into *out (POSE_ENOTFOUND when absent, POSE_EDB when its rows are damaged). */
int pose_refstore_get(pose_refstore_t *db, const char *name, pose_reference *out, pose_error *err);
int pose_refstore_remove(pose_refstore_t *db, const char *name, pose_error *err);
/* The references without their curves (tmpl, sd NULL), sorted by name. *out is malloc'ed; free
 * it with free() (the entries own nothing). */
int pose_refstore_list(pose_refstore_t *db, pose_reference **out, size_t *count, pose_error *err);


/* ==== comparison and feedback (compare*.c, feedback*.c) ==== */

/*
 * Comparing the reps of a session with a reference (docs/COMPARE.md): each rep of the reference's
 * driver is aligned to the template by multivariate (dependent) DTW over the reference's joints;
 * along the alignment, the rep's deviation from the template at each template sample; a 0-100 score
 * 100 * exp(-(rms / score_scale)^2 / 2) where rms is the RMS deviation over joints and aligned pairs;
 * and anomalies: per joint and phase of the movement (start, descent, bottom, ascent, end, read off
 * the template's driver), the mean deviation beyond max(k_sd * the reference reps' spread, min_dev).
 * Each rep and joint with anomalies gets one feedback sentence for its worst phase:
 * "rep 3: right knee 18° less flexed than the reference at the bottom".
 *
 *     pose_comparison c;
 *     if (pose_compare_run(&angles, &ref, NULL, &c, &err) == POSE_OK) {
 *         for (size_t k = 0; k < c.nfeedback; k++) puts(c.feedback[k]);
 *         pose_comparison_free(&c);
 *     }
 */
typedef enum pose_phase {
    POSE_PHASE_START = 0, POSE_PHASE_DESCENT, POSE_PHASE_BOTTOM, POSE_PHASE_ASCENT, POSE_PHASE_END,
    POSE_PHASE_COUNT
} pose_phase;

/* "start", "descent", "bottom", "ascent", "end"; NULL out of range. */
const char *pose_phase_name(int phase);

typedef struct pose_compare_options {
    double score_scale;   /* degrees (default 15): rms 15 -> score 61, 30 -> 14 */
    double k_sd;          /* default 3 */
    double min_dev;       /* degrees, default 15 (one-camera pose estimates vary ~10 deg rep to rep) */
    size_t window;        /* DTW window (dtaidistance w), 0 = none (default) */
    pose_rep_options reps;/* how the session's reps are found (driver = the reference's) */
} pose_compare_options;

pose_compare_options pose_compare_defaults(void);

typedef struct pose_anomaly {
    size_t rep;           /* 1-based rep number */
    int joint;            /* pose_angle_id */
    int phase;            /* pose_phase */
    double deviation;     /* mean (rep - reference) over the phase's template samples, degrees */
    double threshold;     /* degrees */
} pose_anomaly;

typedef struct pose_rep_result {
    pose_rep rep;         /* the rep in the compared series (sample indices of the series) */
    double distance;      /* multivariate DTW distance to the template */
    double rms;           /* distance / sqrt(path_len * njoints), degrees */
    double score;         /* 0..100 */
    size_t path_len;
    size_t *path;         /* [path_len][2]: (sample in the rep from rep.start, template sample) */
    double *aligned;      /* [len][njoints]: the rep's mean value at each template sample */
    double *dev;          /* [len][njoints]: aligned - template */
    double joint_rms[POSE_ANGLE_JOINT_COUNT]; /* per joint (index as the reference's joints) */
} pose_rep_result;

typedef struct pose_comparison {
    size_t len, njoints;  /* the reference's template shape */
    uint8_t *phase;       /* [len] pose_phase of each template sample */
    size_t nreps;
    pose_rep_result *reps;
    size_t nanomalies;
    pose_anomaly *anomalies;
    size_t nfeedback;
    char (*feedback)[200]; /* sentences, UTF-8 */
    double mean_score;    /* NaN without reps */
} pose_comparison;

/* Compares the angles a with ref (angle spaces must agree: 2D with 2D, 3D with 3D, else
 * POSE_EINVAL; a joint of the reference missing in a rep -> POSE_EINVAL naming it). No rep found is
 * not an error: nreps 0. *out owned by the caller (pose_comparison_free). */
int pose_compare_run(const pose_angles *a, const pose_reference *ref, const pose_compare_options *opt,
                     pose_comparison *out, pose_error *err);
void pose_comparison_free(pose_comparison *c);

/* The report as JSON text (malloc'ed): reference, options, per rep (times, distance, score, path,
 * per-joint RMS), anomalies, feedback. */
int pose_comparison_to_json(const pose_comparison *c, const pose_reference *ref,
                            const pose_compare_options *opt, char **out, pose_error *err);
/* An SVG plot (written to path atomically): per joint, the template with its +-threshold band, each
 * rep aligned onto it, anomalies marked in red. */
int pose_comparison_plot_svg(const pose_comparison *c, const pose_reference *ref,
                             const pose_compare_options *opt, const char *path, pose_error *err);

/* The same plot as drawing primitives, for another renderer (the pose program rasterizes them to
 * PNG): the layout is computed once, in the library, and each element goes to one of these calls, in
 * painting order. Pixels, y down; colours are "#rgb", "#rrggbb", "white", "black" or "red"; NULL
 * means none. text: y is the baseline, anchor 0 start / 1 middle / 2 end. circle: note is a tooltip
 * (may be ignored). begin returns nonzero to abort (then the call returns POSE_ENOMEM). */
typedef struct pose_plot_ops {
    void *ctx;
    int (*begin)(void *ctx, double width, double height);
    void (*rect)(void *ctx, double x, double y, double w, double h, const char *fill, const char *stroke);
    void (*text)(void *ctx, double x, double y, double size, int bold, int anchor, const char *color,
                 const char *s);
    /* xy: n (x, y) pairs; closed: a polygon filled with fill at fill_opacity, else a polyline */
    void (*poly)(void *ctx, const double *xy, size_t n, int closed, const char *fill, double fill_opacity,
                 const char *stroke, double width);
    void (*circle)(void *ctx, double cx, double cy, double r, const char *stroke, double width,
                   const char *note);
    void (*end)(void *ctx);
} pose_plot_ops;
int pose_comparison_plot_draw(const pose_comparison *c, const pose_reference *ref,
                              const pose_compare_options *opt, const pose_plot_ops *ops, pose_error *err);


/* ==== video source (source*.c) ==== */

/*
 * Frames and sources. A source decodes a file, a still image (png/jpg), an RTSP/HTTP URL or a V4L2
 * camera (/dev/videoN) with FFmpeg on its own thread into a bounded queue; the caller pulls frames:
 *
 *     pose_source_opts o; pose_source_defaults(&o); o.fps = 10;
 *     pose_source_t *s = pose_source_open("in.mp4", &o, &err);
 *     pose_frame *f;
 *     while ((rc = pose_source_read(s, &f, &err)) > 0) { ...f->rgb, f->t...; pose_frame_unref(f); }
 *     pose_source_free(s);
 *
 * Frames are refcounted and come from a pool owned by the source (no allocation per frame once the
 * pool is warm); a frame's pixels may be written only while its refcount is 1 (the overlay does so).
 * Live sources (cameras, rtsp/rtmp/udp/srt, unseekable http) drop the OLDEST queued frame when the
 * consumer is slow; files never drop.
 */
typedef struct pose_frame {
    int width, height;     /* pixels of the original frame */
    uint8_t *rgb;          /* RGB24, rgb_stride bytes per row (NULL when opts.want_rgb = 0) */
    int rgb_stride;
    uint8_t *yuv[3];       /* YUV420P planes Y, U, V (NULL unless opts.want_yuv = 1) */
    int yuv_stride[3];
    double t;              /* seconds from the stream start, from the container's timestamps */
    int64_t index;         /* index among decoded frames of the stream (before --fps sampling) */
    double decode_ms;      /* decoding-thread time spent on this frame (decode + conversion) */
} pose_frame;

/* Adds a reference (thread-safe); returns f. */
pose_frame *pose_frame_ref(pose_frame *f);
/* Drops a reference (thread-safe, accepts NULL); the last one returns the frame to its pool. A
 * frame may outlive its source: the pool is freed when its last frame is released. */
void pose_frame_unref(pose_frame *f);

typedef struct pose_source pose_source_t;

typedef struct pose_source_opts {
    double fps;       /* keep at most this many frames per second of stream time; 0 = every frame */
    double start;     /* seconds from the stream start to begin at (seeks, then skips) */
    double duration;  /* seconds to process after start; 0 = to the end */
    int queue_size;   /* decoded frames waiting for the consumer (default 4) */
    int live;         /* -1 = guess from the URL/format (default), 0 = file (never drop), 1 = live */
    int want_rgb;     /* frames carry RGB24 pixels (default 1) */
    int want_yuv;     /* frames carry YUV420P planes (default 0; the overlay needs them) */
    int threads;      /* decoder threads (default 1) */
    /* when not NULL: once *interrupt != 0, pose_source_read returns 0 within ~50 ms and blocking
     * network reads are abandoned (e.g. a SIGINT flag while a camera or stream sends nothing) */
    const volatile int *interrupt;
} pose_source_opts;

void pose_source_defaults(pose_source_opts *o);

/* Opens url and starts the decoding thread. NULL on failure with err naming url and the reason
 * (cannot open, no video stream, unsupported codec). */
pose_source_t *pose_source_open(const char *url, const pose_source_opts *o, pose_error *err);

/* Next frame: 1 and *out set (the caller owns one reference), 0 at the end of the stream (or after
 * pose_source_stop), negative on a read/decode failure after every good frame has been delivered
 * (err says what failed: truncated file, camera gone). Call from one thread. */
int pose_source_read(pose_source_t *s, pose_frame **out, pose_error *err);

typedef struct pose_source_info {
    int width, height;   /* of the video stream, pixels */
    double fps;          /* nominal frame rate of the stream (0 when unknown, e.g. one image) */
    double duration;     /* seconds, 0 when unknown (live) */
    int live;            /* 1 when frames may be dropped */
    const char *codec;   /* decoder name (a static string, valid after pose_source_free) */
} pose_source_info;

void pose_source_get_info(const pose_source_t *s, pose_source_info *info);
/* Frames dropped so far because the consumer was slower than a live source. Thread-safe. */
int64_t pose_source_dropped(const pose_source_t *s);
/* Asks the decoding thread to stop; pose_source_read then returns 0. Async-signal-unsafe but
 * thread-safe: call it from the consumer thread (e.g. after a SIGINT flag is seen). */
void pose_source_stop(pose_source_t *s);
/* Stops the thread, frees the source (accepts NULL). Frames still referenced stay valid. */
void pose_source_free(pose_source_t *s);

/* ==== preprocessing (preprocess*.c) ==== */

/*
 * Model inputs, exactly as ../shared/reference/README.md: letterbox to a square S = max(W,H)
 * (pad_top = floor((S-H)/2), pad_left = floor((S-W)/2), pad value 0), resize S x S -> N x N like
 * tf.image.resizeBilinear(alignCorners=false, halfPixelCenters=false) in double, stored float32,
 * then normalise. Bit-exact with TF.js. Pure functions, thread-safe, no allocation.
 */
typedef enum pose_norm {
    POSE_NORM_INT32 = 0,   /* int32(trunc(v)), 0..255 (MoveNet) */
    POSE_NORM_PM1 = 1,     /* float32(float32(v / 127.5) - 1) in [-1,1] (BlazePose detector) */
    POSE_NORM_01 = 2       /* float32(v / 255) in [0,1] (BlazePose landmarks) */
} pose_norm;

/* Where the model input sits in the original frame: a pixel (u, v) of the N x N input (continuous,
 * in input pixels) is the frame pixel (x0 + u * sx, y0 + v * sy) before rotation about the box
 * centre by `rotation` radians (0 for letterbox and MoveNet crops). */
typedef struct pose_roi {
    double cx, cy;     /* centre in frame pixels */
    double w, h;       /* size in frame pixels */
    double rotation;   /* radians, counter-clockwise in the image as MediaPipe (y down) */
} pose_roi;

typedef struct pose_letterbox {
    int src_w, src_h;     /* frame size */
    int square;           /* S = max(W,H) */
    int pad_top, pad_left;
    int size;             /* N */
} pose_letterbox;

/* Letterbox + resize + normalise rgb (W x H RGB24, stride bytes per row) into out, an N x N x 3
 * NHWC tensor of int32 (POSE_NORM_INT32) or float32. N <= 1024. Fills lb when not NULL. */
int pose_preprocess_letterbox(const uint8_t *rgb, int w, int h, int stride, int n, pose_norm norm,
                              void *out, pose_letterbox *lb, pose_error *err);

/* Maps normalised letterbox coordinates (0..1 of the square) to frame pixels. */
void pose_letterbox_to_frame(const pose_letterbox *lb, double u, double v, double *x, double *y);

/* Crop and resize like tf.image.cropAndResize(method bilinear, extrapolation value 0), as the
 * MoveNet single-pose tracker does: box = {ymin, xmin, ymax, xmax} normalised to the frame (may
 * extend beyond 0..1). Input row r samples frame row ymin*(H-1) + r*(ymax-ymin)*(H-1)/(N-1)
 * (columns alike); samples outside the frame are 0. */
int pose_preprocess_crop(const uint8_t *rgb, int w, int h, int stride, const double box[4], int n,
                         pose_norm norm, void *out, pose_error *err);

/* The rotated-ROI affine crop of MediaPipe's ImageToTensor (BlazePose landmarks): the rotated
 * rectangle roi -> N x N, bilinear, pixels outside the frame are 0, normalised. Input pixel
 * (c, r) samples the frame at the centre-relative point ((c+0.5)/N - 0.5) * w, ((r+0.5)/N - 0.5) * h
 * rotated by roi->rotation. */
int pose_preprocess_roi(const uint8_t *rgb, int w, int h, int stride, const pose_roi *roi, int n,
                        pose_norm norm, void *out, pose_error *err);

/* Maps a point of the ROI's N x N input, normalised (0..1 of the input), to frame pixels. */
void pose_roi_to_frame(const pose_roi *roi, double u, double v, double *x, double *y);

/* ==== models: movenet, blazepose (movenet*.c, blazepose*.c) ==== */

/* People found in one frame: what every model produces and every output consumes. */
#define POSE_MAX_KEYPOINTS 33
#define POSE_MAX_PERSONS 10

typedef struct pose_keypoint {
    float x, y;    /* pixels of the original frame */
    float score;   /* 0..1: MoveNet's confidence; BlazePose's visibility */
} pose_keypoint;

typedef struct pose_person {
    int id;                    /* stable track id >= 1 (0 = not tracked) */
    float score;               /* 0..1 */
    float bbox[4];             /* x0, y0, x1, y1, frame pixels */
    int n_keypoints;           /* 17 (COCO order) or 33 (BlazePose order) */
    pose_keypoint kp[POSE_MAX_KEYPOINTS];
    int has_world;             /* world[] is valid (BlazePose) */
    float world[POSE_MAX_KEYPOINTS][3]; /* metres, origin between the hips, y down (MediaPipe) */
    float presence[POSE_MAX_KEYPOINTS]; /* BlazePose landmark presence 0..1 (0 for MoveNet) */
} pose_person;

typedef struct pose_result {
    int64_t index;     /* frame index in the stream */
    double t;          /* seconds from the stream start */
    int n_persons;
    pose_person persons[POSE_MAX_PERSONS];
} pose_result;

/* What an output needs to know about the stream it describes. Strings are borrowed. */
typedef struct pose_estimator pose_estimator_t;

typedef struct pose_stream_desc {
    const char *model;                 /* "movenet-lightning", ... */
    const char *const *keypoint_names; /* n_keypoints names in the model's order */
    int n_keypoints;
    int has_world;
    int width, height;                 /* frame pixels */
    double fps;                        /* nominal; 0 when unknown */
    const char *source;                /* input path or URL */
} pose_stream_desc;

/* Keypoint names: COCO-17 (MoveNet) and BlazePose-33, lower_snake_case. */
extern const char *const pose_coco17_names[17];
extern const char *const pose_blazepose33_names[33];

/*
 * Estimators: one stateful model pipeline per stream (a frame in, tracked and smoothed people out).
 *
 *     pose_estimator_opts o; pose_estimator_defaults(&o); o.model = POSE_MODEL_BLAZEPOSE_FULL;
 *     pose_estimator_t *e = pose_estimator_create(&o, &err);      // loads the model(s) with libnn
 *     pose_result r; pose_timing tm;
 *     ... pose_estimator_process(e, frame, &r, &tm, &err) for each frame in time order ...
 *     pose_estimator_free(e);
 *
 *  - movenet-lightning / -thunder: single person; the first frame (and any frame after the torso is
 *    lost) runs on the letterboxed frame, later frames on a square crop around the previous
 *    keypoints (tfjs-models' rule, crop low-passed with alpha 0.9). id is always 1.
 *  - movenet-multipose: up to 6 people on the 256 x 256 letterboxed frame (box score >= 0.25),
 *    ids from pose_tracker.
 *  - blazepose-lite/full/heavy: MediaPipe's two stages: the detector (224, SSD anchors, weighted
 *    NMS) gives a rotated ROI from the hip centre and the alignment point; the landmark model (256)
 *    runs on that ROI; the next frame's ROI comes from landmarks 33/34, and the detector runs again
 *    only when the pose flag drops below 0.5. 33 landmarks (score = visibility) + world metres.
 * Smoothing (default on): One Euro, POSE_SMOOTH_MOVENET or POSE_SMOOTH_MEDIAPIPE(+_WORLD).
 * Not thread-safe: one estimator per stream; several estimators may run in parallel.
 */
typedef enum pose_model_kind {
    POSE_MODEL_MOVENET_LIGHTNING = 0,
    POSE_MODEL_MOVENET_THUNDER,
    POSE_MODEL_MOVENET_MULTIPOSE,
    POSE_MODEL_BLAZEPOSE_LITE,
    POSE_MODEL_BLAZEPOSE_FULL,
    POSE_MODEL_BLAZEPOSE_HEAVY,
    POSE_MODEL_COUNT
} pose_model_kind;

/* "movenet-lightning" ... "blazepose-heavy" -> kind, or -1 when unknown. */
int pose_model_parse(const char *name);
const char *pose_model_name(pose_model_kind k);

typedef struct pose_estimator_opts {
    pose_model_kind model;   /* default POSE_MODEL_MOVENET_LIGHTNING */
    const char *models_dir;  /* folder of <model>.json + .bin (required) */
    int threads;             /* inference threads, 0 = libnn's default */
    int smoothing;           /* One Euro on (default 1) */
    double min_score;        /* people below are dropped; < 0 = the model's default */
} pose_estimator_opts;

typedef struct pose_timing {
    double preprocess_ms, inference_ms, post_ms; /* this frame */
} pose_timing;

void pose_estimator_defaults(pose_estimator_opts *o);
pose_estimator_t *pose_estimator_create(const pose_estimator_opts *o, pose_error *err);
/* Runs the pipeline on one frame (needs f->rgb). r is overwritten: index/t from the frame, people
 * in frame pixels. tm may be NULL. Negative status on an inference failure (err names the model). */
int pose_estimator_process(pose_estimator_t *e, const pose_frame *f, pose_result *r, pose_timing *tm,
                           pose_error *err);
/* The stream description of this model's outputs (names, counts, world); width/height/fps/source
 * are left for the caller. */
void pose_estimator_describe(const pose_estimator_t *e, pose_stream_desc *d);
/* Forgets the tracking state (crop, ROI, tracks, filters), e.g. after a seek. */
void pose_estimator_reset(pose_estimator_t *e);
void pose_estimator_free(pose_estimator_t *e);

/*
 * The whole `pose analyze` pipeline: source -> estimator -> JSONL / CSV / overlay, with per-stage
 * timing. On a stop request (*stop != 0, e.g. set by a SIGINT handler) it finishes the current
 * frame and closes every output properly. A read error after some frames (truncated file, camera
 * gone) also closes the outputs with what was processed, then returns the error.
 */
typedef struct pose_analyze_stats {
    int64_t frames;           /* frames processed */
    int64_t persons;          /* person detections summed over frames */
    int64_t max_id;           /* largest track id given */
    int64_t dropped;          /* frames a live source dropped */
    int width, height;        /* frame size */
    double fps;               /* the stream's nominal rate */
    double duration;          /* the stream's duration in seconds (0 = unknown/live) */
    double t_last;            /* time of the last processed frame, seconds */
    double elapsed_s;         /* wall time so far */
    double decode_ms, preprocess_ms, inference_ms, post_ms, output_ms; /* sums over frames */
    const char *encoder;      /* overlay encoder used ("libx264" or "mpeg4"), NULL without overlay */
} pose_analyze_stats;

typedef struct pose_analyze_opts {
    const char *input;        /* file, image, URL or /dev/videoN */
    pose_estimator_opts est;  /* model, models_dir, threads, smoothing */
    const char *out_jsonl;    /* NULL: not written */
    const char *out_csv;      /* NULL: not written */
    const char *overlay;      /* NULL: not written; .mp4 */
    double fps, start, duration; /* as pose_source_opts */
    const volatile int *stop; /* may be NULL */
    /* called after every frame from the calling thread (may be NULL) */
    void (*progress)(void *user, const pose_analyze_stats *st);
    void *user;
} pose_analyze_opts;

void pose_analyze_defaults(pose_analyze_opts *o);
/* 0 on success (also when stopped), negative status with err filled. *st is filled in both cases. */
int pose_analyze_run(const pose_analyze_opts *o, pose_analyze_stats *st, pose_error *err);

/* ==== tracker and One Euro smoother (tracker*.c, one_euro*.c) ==== */

/*
 * One Euro filter (Casiez, Roussel, Vogel, CHI 2012): an exponential low-pass whose cutoff rises
 * with speed, cutoff = min_cutoff + beta * |dx/dt| (the derivative itself low-passed at d_cutoff),
 * alpha = 1 / (1 + tau / Te), tau = 1 / (2 pi cutoff), Te the time since the previous sample. As
 * in MediaPipe, the speed is computed from the previous RAW value and multiplied by a value scale,
 * 1 / (object size), so one set of parameters fits people near and far.
 */
typedef struct pose_one_euro_params {
    double min_cutoff;  /* Hz */
    double beta;        /* s per unit of scaled speed */
    double d_cutoff;    /* Hz, for the derivative */
    double freq;        /* Hz assumed for the first step (then measured from timestamps) */
} pose_one_euro_params;

typedef enum pose_smooth_preset {
    POSE_SMOOTH_NONE = 0,
    /* tfjs-models MoveNet KEYPOINT_FILTER_CONFIG: 30 Hz, min_cutoff 6.36, beta 636.61, d_cutoff
     * 4.77, on coordinates normalised by the frame size (value scale 1 / frame side) */
    POSE_SMOOTH_MOVENET = 1,
    /* MediaPipe's One Euro landmark parameters (LandmarksSmoothingCalculator): min_cutoff 0.05,
     * beta 80, d_cutoff 1, value scale 1 / person size ((bbox w + h) / 2, pixels) */
    POSE_SMOOTH_MEDIAPIPE = 2,
    /* MediaPipe pose world landmarks: min_cutoff 0.1, beta 40, d_cutoff 1, no value scaling */
    POSE_SMOOTH_MEDIAPIPE_WORLD = 3
} pose_smooth_preset;

void pose_one_euro_preset(pose_smooth_preset preset, pose_one_euro_params *p);

/* One filtered scalar. Plain state: zero it (or pose_one_euro_reset) before the first sample. */
typedef struct pose_one_euro {
    pose_one_euro_params p;
    double x;       /* last filtered value */
    double raw;     /* last raw value */
    double dx;      /* last filtered derivative (scaled units per second) */
    double t;       /* time of the last sample, seconds */
    int n;          /* samples seen */
} pose_one_euro;

void pose_one_euro_reset(pose_one_euro *f, const pose_one_euro_params *p);
/* Filters x observed at time t (seconds) with the given value scale (1 = none). A sample whose
 * time does not advance is returned unchanged and does not alter the state. */
double pose_one_euro_apply(pose_one_euro *f, double x, double t, double value_scale);
/* The smoothing factor for a cutoff (Hz) and a time step (s): 1 / (1 + 1 / (2 pi cutoff dt)). */
double pose_one_euro_alpha(double cutoff, double dt);

/* Smooths every tracked person of each result in place (keypoints x/y with the keypoint preset,
 * world landmarks with the world preset), keeping one filter set per track id; a track unseen
 * for max_age seconds is forgotten. frame_side: the frame's larger side (for the MoveNet scale). */
typedef struct pose_smoother pose_smoother_t;
pose_smoother_t *pose_smoother_create(pose_smooth_preset keypoints, pose_smooth_preset world,
                                      double max_age, pose_error *err);
void pose_smoother_apply(pose_smoother_t *s, pose_result *r, int frame_side);
void pose_smoother_free(pose_smoother_t *s);

/*
 * Multi-person tracker: gives each person a stable id across frames. Similarity between a
 * detection and a track is OKS-like keypoint similarity (COCO falloffs, keypoints above a score
 * threshold, at least min_keypoints of them) or, when too few keypoints are confident, box IoU.
 * Detections are matched greedily, best score first, to the most similar track above
 * min_similarity; the others start new tracks; a track unmatched for max_age seconds ends.
 * Ids start at 1 and are never reused. Not thread-safe (one tracker per stream).
 */
typedef enum pose_track_metric {
    POSE_TRACK_AUTO = 0,  /* keypoints when enough are confident, else boxes */
    POSE_TRACK_OKS = 1,
    POSE_TRACK_IOU = 2
} pose_track_metric;

typedef struct pose_tracker_opts {
    pose_track_metric metric;
    double max_age;          /* seconds (default 1) */
    double min_similarity;   /* default 0.15 */
    double kp_threshold;     /* keypoint score needed to count (default 0.3) */
    int min_keypoints;       /* default 4 */
    int max_tracks;          /* default 18 */
} pose_tracker_opts;

void pose_tracker_defaults(pose_tracker_opts *o);
typedef struct pose_tracker pose_tracker_t;
pose_tracker_t *pose_tracker_create(const pose_tracker_opts *o, pose_error *err);
/* Sets persons[i].id for every person of r (r->t must not go backwards). */
void pose_tracker_update(pose_tracker_t *tr, pose_result *r);
void pose_tracker_free(pose_tracker_t *tr);

/* Similarities in 0..1 (exported for tests and tools). */
double pose_box_iou(const float a[4], const float b[4]);
double pose_keypoint_similarity(const pose_person *a, const pose_person *b, double kp_threshold,
                                int min_keypoints);

/* ==== outputs: JSONL, CSV, overlay (export*.c, overlay*.c) ==== */

/*
 * JSON Lines: the first line is {"type":"header","model":..,"keypoint_names":[..],"width":W,
 * "height":H,"fps":F,"source":..}; then one line per processed frame {"type":"frame","index":i,
 * "t":seconds,"persons":[{"id":n,"score":s,"bbox":[x0,y0,x1,y1],"keypoints":[[x,y,score],..],
 * "world":[[x,y,z],..]}]} ("world" only when desc->has_world). Each line is formatted in memory and
 * written with one write(), so lines never interleave or tear in the middle of the file: every line
 * but the last is whole after a crash, SIGINT or SIGKILL. Only the last line can be cut short, when
 * the process is killed while the kernel copies a line longer than a page (BlazePose with several
 * people); pose_frames_parse skips such a line. The file is written in place (not temp + rename) so
 * that it can be read while it grows.
 * Pixels have 2 decimals, scores and metres 4; non-finite numbers are written as null.
 * path "-" writes to stdout. Not thread-safe: one writer per thread.
 */
typedef struct pose_jsonl pose_jsonl_t;
pose_jsonl_t *pose_jsonl_open(const char *path, const pose_stream_desc *desc, pose_error *err);
int pose_jsonl_write(pose_jsonl_t *w, const pose_result *r, pose_error *err);
/* Closes (fsync for regular files) and frees; accepts NULL. 0 or a negative status. */
int pose_jsonl_close(pose_jsonl_t *w, pose_error *err);

/*
 * CSV: header "frame,t,id,score,x0,y0,x1,y1,<name>_x,<name>_y,<name>_score,..." (plus
 * "<name>_wx,<name>_wy,<name>_wz" with world landmarks); one row per person per frame. Written to
 * PATH.tmp and renamed to PATH by pose_csv_close, so PATH is never half-written.
 */
typedef struct pose_csv pose_csv_t;
pose_csv_t *pose_csv_open(const char *path, const pose_stream_desc *desc, pose_error *err);
int pose_csv_write(pose_csv_t *w, const pose_result *r, pose_error *err);
int pose_csv_close(pose_csv_t *w, pose_error *err);

/*
 * Overlay video: skeletons, track ids and scores drawn straight into the YUV420P planes of the
 * original frames (lines, dots and a small built-in digit font; no RGB round trip), encoded to
 * H.264 with libx264 through libavcodec, or MPEG-4 part 2 when libx264 is not available
 * (pose_overlay_encoder says which). Written to PATH.tmp.mp4 and renamed on close.
 */
typedef struct pose_overlay pose_overlay_t;
pose_overlay_t *pose_overlay_open(const char *path, int width, int height, double fps,
                                  const pose_stream_desc *desc, pose_error *err);
/* Draws r on f (f->yuv needed; f must be writable: refcount 1) and encodes it at time f->t. */
int pose_overlay_write(pose_overlay_t *o, pose_frame *f, const pose_result *r, pose_error *err);
/* Flushes the encoder, writes the trailer, renames; frees (accepts NULL). */
int pose_overlay_close(pose_overlay_t *o, pose_error *err);
/* "libx264" or "mpeg4": a static string, valid after the writer is closed. */
const char *pose_overlay_encoder(const pose_overlay_t *o);
/* The drawing alone, on YUV420P planes (exported for tests and the server). */
void pose_overlay_draw(pose_frame *f, const pose_result *r);

#ifdef __cplusplus
}
#endif
#endif
