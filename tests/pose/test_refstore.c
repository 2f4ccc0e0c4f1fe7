/*
 * test_refstore.c - references: built from synthetic squats (DBA template, spread), JSON round
 * trip, the SQLite store (put/get/list/replace/remove), corrupt and foreign files, and a child
 * killed with SIGKILL in the middle of big writes: the database stays intact and holds the old or
 * the new reference, never a mix.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "kin_squats.h"
#include "pose.h"

static void build(pose_reference *ref, double jitter)
{
    squat_spec sp = {5, 90, jitter, 0, 1.0, 2.0, 0};
    pose_kp_series s;
    squat_series(&s, &sp);
    pose_angles a;
    pose_error err = {0};
    CHECK_INT_EQ(pose_angles_compute(&s, NULL, &a, &err), POSE_OK);
    int rc = pose_reference_build(&a, POSE_ANGLE_KNEE_R, NULL, "squat", ref, &err);
    CHECK_MSG(rc == POSE_OK, "build: %s", err.msg);
    pose_angles_free(&a);
    pose_kp_series_free(&s);
}

static void test_build_json(void)
{
    pose_reference r;
    build(&r, 6);
    CHECK_INT_EQ(r.nreps, 5);
    CHECK_INT_EQ(r.njoints, 11); /* 2D default: hips, knees, ankles, arms, elbows, trunk lean */
    CHECK_INT_EQ(r.driver, POSE_ANGLE_KNEE_R);
    CHECK(r.len >= 40 && r.len <= 70);
    CHECK_NEAR(r.mean_duration, 2.0, 0.05);
    size_t kj = 2; /* joints: hip_r hip_l knee_r ... */
    CHECK_INT_EQ(r.joints[kj], POSE_ANGLE_KNEE_R);
    double mx = -1e9, mn = 1e9, maxsd = 0;
    for (size_t i = 0; i < r.len; i++) {
        mx = fmax(mx, r.tmpl[i * r.njoints + kj]);
        mn = fmin(mn, r.tmpl[i * r.njoints + kj]);
        maxsd = fmax(maxsd, r.sd[i * r.njoints + kj]);
    }
    CHECK_MSG(mx > 84 && mx < 96, "template knee peak %g", mx);
    CHECK_NEAR(mn, 0, 1.0);
    CHECK_MSG(maxsd > 2 && maxsd < 8, "knee spread at the bottom %g (depth jitter 6)", maxsd);
    char *js = NULL;
    pose_error err = {0};
    CHECK_INT_EQ(pose_reference_to_json(&r, &js, &err), POSE_OK);
    pose_reference b;
    CHECK_INT_EQ(pose_reference_from_json(js, strlen(js), "x.json", &b, &err), POSE_OK);
    CHECK_STR_EQ(b.name, "squat");
    CHECK_INT_EQ(b.len, r.len);
    CHECK_INT_EQ(b.njoints, r.njoints);
    CHECK_INT_EQ(b.driver, r.driver);
    double maxd = 0;
    for (size_t i = 0; b.tmpl && i < r.len * r.njoints; i++)
        maxd = fmax(maxd, fabs(b.tmpl[i] - r.tmpl[i]) + fabs(b.sd[i] - r.sd[i]));
    CHECK(maxd < 1e-6);
    pose_reference_free(&b);
    /* bad JSON: messages name the problem */
    const char *bad[] = {"{", "[]", "{\"format\":\"other\"}", NULL};
    for (int i = 0; bad[i]; i++) {
        CHECK_INT_EQ(pose_reference_from_json(bad[i], strlen(bad[i]), "b.json", &b, &err), POSE_EINVAL);
        CHECK(strstr(err.msg, "b.json") != NULL);
    }
    char *mod = strdup(js), *p = strstr(mod, "\"knee_angle_r\"");
    memcpy(p, "\"knee_angle_x\"", 14);
    CHECK_INT_EQ(pose_reference_from_json(mod, strlen(mod), "b.json", &b, &err), POSE_EINVAL);
    free(mod);
    mod = strdup(js);
    p = strstr(mod, "\"template\":[[");
    p[13] = 'x';
    CHECK_INT_EQ(pose_reference_from_json(mod, strlen(mod), "b.json", &b, &err), POSE_EINVAL);
    free(mod);
    free(js);
    /* no reps: a standing person */
    squat_spec sp = {0, 90, 0, 0, 2.0, 2.0, 0};
    pose_kp_series s;
    squat_series(&s, &sp);
    pose_angles a;
    CHECK_INT_EQ(pose_angles_compute(&s, NULL, &a, &err), POSE_OK);
    CHECK_INT_EQ(pose_reference_build(&a, POSE_ANGLE_KNEE_R, NULL, "x", &b, &err), POSE_EINVAL);
    CHECK(strstr(err.msg, "no repetition of knee_angle_r") != NULL);
    CHECK_INT_EQ(pose_reference_build(&a, POSE_ANGLE_THIGH_R, NULL, "x", &b, &err), POSE_EINVAL);
    pose_angles_free(&a);
    pose_kp_series_free(&s);
    pose_reference_free(&r);
}

static void path_in_tmp(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", check_tmp_dir(), name);
    char side[4300];
    unlink(out);
    snprintf(side, sizeof side, "%s-wal", out);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", out);
    unlink(side);
}

static void test_store(void)
{
    char path[4200];
    path_in_tmp(path, sizeof path, "store.db");
    pose_error err = {0};
    pose_refstore_t *db = pose_refstore_open(path, &err);
    CHECK_MSG(db != NULL, "%s", err.msg);
    if (!db) return;
    pose_reference r, g;
    build(&r, 6);
    CHECK_INT_EQ(pose_refstore_put(db, &r, 0, &err), POSE_OK);
    CHECK_INT_EQ(pose_refstore_put(db, &r, 0, &err), POSE_EINVAL);
    CHECK(strstr(err.msg, "already exists") != NULL);
    CHECK_INT_EQ(pose_refstore_get(db, "squat", &g, &err), POSE_OK);
    CHECK_INT_EQ(g.len, r.len);
    CHECK_INT_EQ(g.njoints, r.njoints);
    CHECK_STR_EQ(g.created, r.created);
    CHECK(g.tmpl && memcmp(g.tmpl, r.tmpl, r.len * r.njoints * sizeof(double)) == 0);
    CHECK(g.sd && memcmp(g.sd, r.sd, r.len * r.njoints * sizeof(double)) == 0);
    for (size_t j = 0; j < r.njoints; j++) CHECK_INT_EQ(g.joints[j], r.joints[j]);
    pose_reference_free(&g);
    snprintf(r.name, sizeof r.name, "another");
    r.tmpl[0] = 42;
    CHECK_INT_EQ(pose_refstore_put(db, &r, 0, &err), POSE_OK);
    r.tmpl[0] = 43;
    CHECK_INT_EQ(pose_refstore_put(db, &r, 1, &err), POSE_OK); /* replace */
    pose_reference *list;
    size_t n;
    CHECK_INT_EQ(pose_refstore_list(db, &list, &n, &err), POSE_OK);
    CHECK_INT_EQ(n, 2);
    if (n == 2) {
        CHECK_STR_EQ(list[0].name, "another");
        CHECK_STR_EQ(list[1].name, "squat");
        CHECK_INT_EQ(list[1].nreps, 5);
        CHECK(list[0].tmpl == NULL);
    }
    free(list);
    CHECK_INT_EQ(pose_refstore_get(db, "another", &g, &err), POSE_OK);
    CHECK_NEAR(g.tmpl[0], 43, 0);
    pose_reference_free(&g);
    CHECK_INT_EQ(pose_refstore_remove(db, "another", &err), POSE_OK);
    CHECK_INT_EQ(pose_refstore_remove(db, "another", &err), POSE_ENOTFOUND);
    CHECK_INT_EQ(pose_refstore_get(db, "another", &g, &err), POSE_ENOTFOUND);
    CHECK(strstr(err.msg, "another") != NULL);
    /* an invalid reference is refused before writing */
    r.tmpl[3] = NAN;
    CHECK_INT_EQ(pose_refstore_put(db, &r, 1, &err), POSE_EINVAL);
    pose_refstore_close(db);
    pose_refstore_close(NULL);
    /* reopen: still there */
    db = pose_refstore_open(path, &err);
    CHECK(db != NULL);
    if (db) {
        CHECK_INT_EQ(pose_refstore_get(db, "squat", &g, &err), POSE_OK);
        pose_reference_free(&g);
        pose_refstore_close(db);
    }
    pose_reference_free(&r);
}

static void test_bad_files(void)
{
    char path[4200];
    pose_error err = {0};
    path_in_tmp(path, sizeof path, "garbage.db");
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 2000; i++) fputs("this is not a database ", f);
    fclose(f);
    CHECK(pose_refstore_open(path, &err) == NULL);
    CHECK_INT_EQ(err.code, POSE_EDB);
    CHECK_MSG(strstr(err.msg, "garbage.db") && strstr(err.msg, "corrupt"), "%s", err.msg);
    /* a store whose pages were overwritten in the middle */
    path_in_tmp(path, sizeof path, "damaged.db");
    pose_refstore_t *db = pose_refstore_open(path, &err);
    pose_reference r;
    build(&r, 6);
    CHECK_INT_EQ(pose_refstore_put(db, &r, 0, &err), POSE_OK);
    pose_refstore_close(db);
    pose_reference_free(&r);
    f = fopen(path, "r+b");
    fseek(f, 4096 + 100, SEEK_SET);
    for (int i = 0; i < 3000; i++) fputc(0xA5, f);
    fclose(f);
    db = pose_refstore_open(path, &err);
    if (db) { /* quick_check may pass if only blob payload was hit: reading must then still be clean */
        pose_reference g;
        int rc = pose_refstore_get(db, "squat", &g, &err);
        CHECK_MSG(rc == POSE_OK || rc == POSE_EDB, "get on damaged store: %d %s", rc, err.msg);
        pose_reference_free(&g);
        pose_refstore_close(db);
    } else {
        CHECK_INT_EQ(err.code, POSE_EDB);
        CHECK(strstr(err.msg, "damaged.db") != NULL);
    }
    /* a database of another program, and a newer schema */
    path_in_tmp(path, sizeof path, "other.db");
    db = pose_refstore_open(path, &err); /* creates our schema; then pretend to be newer */
    pose_refstore_close(db);
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "sqlite3 '%s' 'PRAGMA user_version=7' 2>/dev/null", path);
    if (system(cmd) == 0) {
        CHECK(pose_refstore_open(path, &err) == NULL);
        CHECK(strstr(err.msg, "newer") != NULL);
    }
    CHECK(pose_refstore_open("/nonexistent-dir/x.db", &err) == NULL);
    CHECK_INT_EQ(err.code, POSE_EDB);
}

/* A big reference whose every value is v. */
static void big_ref(pose_reference *r, const char *name, double v, size_t len)
{
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->driver = POSE_ANGLE_KNEE_R;
    r->njoints = POSE_ANGLE_JOINT_COUNT;
    for (int j = 0; j < POSE_ANGLE_JOINT_COUNT; j++) r->joints[j] = j;
    r->len = len;
    r->nreps = 1;
    r->tmpl = malloc(len * r->njoints * sizeof(double));
    r->sd = malloc(len * r->njoints * sizeof(double));
    for (size_t i = 0; i < len * r->njoints; i++) r->tmpl[i] = v, r->sd[i] = v / 10;
}

static void test_kill(void)
{
    char path[4200];
    path_in_tmp(path, sizeof path, "kill.db");
    pose_error err = {0};
    pose_refstore_t *db = pose_refstore_open(path, &err);
    pose_reference keep;
    big_ref(&keep, "keep", 5, 100);
    CHECK_INT_EQ(pose_refstore_put(db, &keep, 0, &err), POSE_OK);
    pose_refstore_close(db);
    int versions_seen[3] = {0, 0, 0};
    for (int round = 0; round < 6; round++) {
        int fd[2];
        if (pipe(fd)) break;
        pid_t pid = fork();
        if (pid == 0) {
            close(fd[0]);
            pose_refstore_t *c = pose_refstore_open(path, NULL);
            if (!c) _exit(3);
            for (int i = 0;; i++) {
                pose_reference b;
                big_ref(&b, "big", 1 + (i % 2), 30000);
                if (pose_refstore_put(c, &b, 1, NULL) != POSE_OK) _exit(4);
                pose_reference_free(&b);
                if (write(fd[1], "x", 1) != 1) _exit(5);
            }
        }
        close(fd[1]);
        char ch;
        for (int w = 0; w <= round % 2; w++) /* one or two writes committed, the next under way */
            CHECK(read(fd[0], &ch, 1) == 1);
        usleep((useconds_t)(1000 * (round * 7 % 23)));
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        close(fd[0]);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        db = pose_refstore_open(path, &err);
        CHECK_MSG(db != NULL, "reopen after kill: %s", err.msg);
        if (!db) break;
        pose_reference g;
        CHECK_INT_EQ(pose_refstore_get(db, "big", &g, &err), POSE_OK);
        int v = g.tmpl ? (int)g.tmpl[0] : 0;
        CHECK_MSG(v == 1 || v == 2, "big holds %d", v);
        int whole = g.len == 30000 && g.njoints == POSE_ANGLE_JOINT_COUNT;
        for (size_t i = 0; whole && i < g.len * g.njoints; i++)
            whole = g.tmpl[i] == v && g.sd[i] == v / 10.0;
        CHECK_MSG(whole, "round %d: the reference is a mix of two writes", round);
        if (v == 1 || v == 2) versions_seen[v]++;
        pose_reference_free(&g);
        CHECK_INT_EQ(pose_refstore_get(db, "keep", &g, &err), POSE_OK);
        CHECK(g.tmpl && g.tmpl[0] == 5);
        pose_reference_free(&g);
        pose_refstore_close(db);
    }
    printf("after kills: version 1 seen %d times, version 2 %d times\n", versions_seen[1], versions_seen[2]);
    pose_reference_free(&keep);
}

int main(void)
{
    test_build_json();
    test_store();
    test_bad_files();
    test_kill();
    return check_report();
}
