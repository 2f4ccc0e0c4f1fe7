/*
 * refstore.c - the SQLite store of reference movements (pose.h "reference store"). Schema version 1
 * (PRAGMA user_version):
 *   reference(id, name UNIQUE, created, source, driver, is_3d, nreps, len, njoints, mean_duration,
 *             mean_rom)
 *   reference_curve(ref_id -> reference ON DELETE CASCADE, position, joint, template BLOB, sd BLOB)
 *     (BLOBs: len doubles, host byte order)
 * Every change is one BEGIN IMMEDIATE ... COMMIT; a crash before COMMIT leaves the old state (WAL).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "kinematics_internal.h"

#define SCHEMA_VERSION 1

struct pose_refstore {
    sqlite3 *db;
    char path[1024];
};

static int dberr(pose_refstore_t *s, pose_error *err, const char *what)
{
    return pose__kin_err(err, POSE_EDB, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static int exec(pose_refstore_t *s, const char *sql, const char *what, pose_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        pose__kin_err(err, POSE_EDB, "%s: %s: %s", s->path, what, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return POSE_EDB;
    }
    return POSE_OK;
}

static const char *schema =
    "CREATE TABLE reference(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL,"
    " source TEXT NOT NULL, driver TEXT NOT NULL, is_3d INTEGER NOT NULL, nreps INTEGER NOT NULL,"
    " len INTEGER NOT NULL, njoints INTEGER NOT NULL, mean_duration REAL NOT NULL,"
    " mean_rom REAL NOT NULL);"
    "CREATE TABLE reference_curve(ref_id INTEGER NOT NULL REFERENCES reference(id) ON DELETE CASCADE,"
    " position INTEGER NOT NULL, joint TEXT NOT NULL, template BLOB NOT NULL, sd BLOB NOT NULL,"
    " PRIMARY KEY(ref_id, position));"
    "PRAGMA user_version = 1;";

static int user_version(pose_refstore_t *s, int *v, pose_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return dberr(s, err, "not a reference database, or corrupt");
    }
    *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return POSE_OK;
}

pose_refstore_t *pose_refstore_open(const char *path, pose_error *err)
{
    pose_refstore_t *s = calloc(1, sizeof *s);
    if (!s) {
        pose__kin_err(err, POSE_ENOMEM, "out of memory");
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        if (s->db) dberr(s, err, "cannot open");
        else pose__kin_err(err, POSE_EDB, "%s: cannot open", path);
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    sqlite3_extended_result_codes(s->db, 1);
    if (exec(s, "PRAGMA journal_mode=WAL", "not a reference database, or corrupt", err) ||
        exec(s, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL", "cannot configure", err))
        goto fail;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK) {
        dberr(s, err, "not a reference database, or corrupt");
        goto fail;
    }
    int r = sqlite3_step(st);
    const char *res = r == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (!res || strcmp(res, "ok") != 0) {
        pose__kin_err(err, POSE_EDB, "%s: the database is corrupt (quick_check: %s)", path,
                      res ? res : sqlite3_errmsg(s->db));
        sqlite3_finalize(st);
        goto fail;
    }
    sqlite3_finalize(st);
    int v = 0;
    if (user_version(s, &v, err)) goto fail;
    if (v == 0) {
        /* new file, or another program's database: create our schema only in an empty one */
        if (exec(s, "BEGIN IMMEDIATE", "cannot start a transaction", err)) goto fail;
        if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_finalize(st);
            dberr(s, err, "cannot read the schema");
            exec(s, "ROLLBACK", "rollback", NULL);
            goto fail;
        }
        int tables = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (user_version(s, &v, err)) goto fail;
        if (v == 0 && tables > 0) {
            pose__kin_err(err, POSE_EDB, "%s: a database of another program (no pose schema version)", path);
            exec(s, "ROLLBACK", "rollback", NULL);
            goto fail;
        }
        if (v == 0 && exec(s, schema, "cannot create the schema", err)) {
            exec(s, "ROLLBACK", "rollback", NULL);
            goto fail;
        }
        if (exec(s, "COMMIT", "cannot create the schema", err)) goto fail;
    } else if (v > SCHEMA_VERSION) {
        pose__kin_err(err, POSE_EDB, "%s: schema version %d is newer than this program's (%d)", path, v,
                      SCHEMA_VERSION);
        goto fail;
    }
    return s;
fail:
    pose_refstore_close(s);
    return NULL;
}

void pose_refstore_close(pose_refstore_t *s)
{
    if (!s) return;
    sqlite3_close(s->db);
    free(s);
}

static int64_t find_id(pose_refstore_t *s, const char *name, pose_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM reference WHERE name = ?", -1, &st, NULL) != SQLITE_OK) {
        dberr(s, err, "cannot query");
        return -2;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(st);
    int64_t id = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (r != SQLITE_ROW && r != SQLITE_DONE) {
        dberr(s, err, "cannot query");
        id = -2;
    }
    sqlite3_finalize(st);
    return id;
}

int pose_refstore_put(pose_refstore_t *s, const pose_reference *r, int replace, pose_error *err)
{
    int rc = pose_reference_check(r, err);
    if (rc) return rc;
    if (exec(s, "BEGIN IMMEDIATE", "cannot start a transaction", err)) return POSE_EDB;
    sqlite3_stmt *st = NULL;
    double *col = malloc(r->len * 2 * sizeof *col);
    if (!col) {
        rc = pose__kin_err(err, POSE_ENOMEM, "out of memory");
        goto fail;
    }
    int64_t id = find_id(s, r->name, err);
    if (id == -2) {
        rc = POSE_EDB;
        goto fail;
    }
    if (id >= 0) {
        if (!replace) {
            rc = pose__kin_err(err, POSE_EINVAL, "%s: reference '%s' already exists", s->path, r->name);
            goto fail;
        }
        if (sqlite3_prepare_v2(s->db, "DELETE FROM reference WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
            goto dbfail;
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) != SQLITE_DONE) goto dbfail;
        sqlite3_finalize(st);
        st = NULL;
    }
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO reference(name, created, source, driver, is_3d, nreps, len,"
                           " njoints, mean_duration, mean_rom) VALUES(?,?,?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        goto dbfail;
    sqlite3_bind_text(st, 1, r->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, r->created, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, r->source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, pose_angle_name(r->driver), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, r->is_3d);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)r->nreps);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)r->len);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)r->njoints);
    sqlite3_bind_double(st, 9, r->mean_duration);
    sqlite3_bind_double(st, 10, r->mean_rom);
    if (sqlite3_step(st) != SQLITE_DONE) goto dbfail;
    sqlite3_finalize(st);
    st = NULL;
    id = sqlite3_last_insert_rowid(s->db);
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO reference_curve(ref_id, position, joint, template, sd)"
                           " VALUES(?,?,?,?,?)", -1, &st, NULL) != SQLITE_OK)
        goto dbfail;
    for (size_t j = 0; j < r->njoints; j++) {
        for (size_t i = 0; i < r->len; i++) {
            col[i] = r->tmpl[i * r->njoints + j];
            col[r->len + i] = r->sd[i * r->njoints + j];
        }
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)j);
        sqlite3_bind_text(st, 3, pose_angle_name(r->joints[j]), -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 4, col, (int)(r->len * sizeof(double)), SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 5, col + r->len, (int)(r->len * sizeof(double)), SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE) goto dbfail;
    }
    sqlite3_finalize(st);
    st = NULL;
    free(col);
    col = NULL;
    if (exec(s, "COMMIT", "cannot commit", err)) {
        exec(s, "ROLLBACK", "rollback", NULL);
        return POSE_EDB;
    }
    return POSE_OK;
dbfail:
    rc = dberr(s, err, "cannot write the reference");
fail:
    sqlite3_finalize(st);
    free(col);
    exec(s, "ROLLBACK", "rollback", NULL);
    return rc;
}

int pose_refstore_get(pose_refstore_t *s, const char *name, pose_reference *out, pose_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    int rc = POSE_OK;
    /* one read transaction: the reference row and its curves are from the same commit */
    if (exec(s, "BEGIN", "cannot start a transaction", err)) return POSE_EDB;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, name, created, source, driver, is_3d, nreps, len, njoints,"
                           " mean_duration, mean_rom FROM reference WHERE name = ?",
                           -1, &st, NULL) != SQLITE_OK)
        goto dbfail;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(st);
    if (r == SQLITE_DONE) {
        rc = pose__kin_err(err, POSE_ENOTFOUND, "%s: no reference named '%s'", s->path, name);
        goto fail;
    }
    if (r != SQLITE_ROW) goto dbfail;
    int64_t id = sqlite3_column_int64(st, 0);
    snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(st, 1));
    snprintf(out->created, sizeof out->created, "%s", (const char *)sqlite3_column_text(st, 2));
    snprintf(out->source, sizeof out->source, "%s", (const char *)sqlite3_column_text(st, 3));
    out->driver = pose_angle_find((const char *)sqlite3_column_text(st, 4));
    out->is_3d = sqlite3_column_int(st, 5);
    sqlite3_int64 nreps = sqlite3_column_int64(st, 6), len = sqlite3_column_int64(st, 7);
    sqlite3_int64 nj = sqlite3_column_int64(st, 8);
    out->mean_duration = sqlite3_column_double(st, 9);
    out->mean_rom = sqlite3_column_double(st, 10);
    sqlite3_finalize(st);
    st = NULL;
    if (nreps < 1 || len < 2 || len > 100000 || nj < 1 || nj > POSE_ANGLE_JOINT_COUNT) {
        rc = pose__kin_err(err, POSE_EDB, "%s: reference '%s' is damaged (sizes)", s->path, name);
        goto fail;
    }
    out->nreps = (size_t)nreps;
    out->len = (size_t)len;
    out->njoints = (size_t)nj;
    out->tmpl = malloc(out->len * out->njoints * sizeof(double));
    out->sd = malloc(out->len * out->njoints * sizeof(double));
    if (!out->tmpl || !out->sd) {
        rc = pose__kin_err(err, POSE_ENOMEM, "out of memory");
        goto fail;
    }
    if (sqlite3_prepare_v2(s->db,
                           "SELECT position, joint, template, sd FROM reference_curve WHERE ref_id = ?"
                           " ORDER BY position", -1, &st, NULL) != SQLITE_OK)
        goto dbfail;
    sqlite3_bind_int64(st, 1, id);
    size_t j = 0;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *joint = (const char *)sqlite3_column_text(st, 1);
        int jid = joint ? pose_angle_find(joint) : -1;
        const void *tb = sqlite3_column_blob(st, 2);
        int tn = sqlite3_column_bytes(st, 2);
        const void *sb = sqlite3_column_blob(st, 3);
        int sn = sqlite3_column_bytes(st, 3);
        if (j >= out->njoints || sqlite3_column_int64(st, 0) != (sqlite3_int64)j || jid < 0 ||
            (size_t)tn != out->len * sizeof(double) || (size_t)sn != out->len * sizeof(double) ||
            !tb || !sb) {
            rc = pose__kin_err(err, POSE_EDB, "%s: reference '%s' is damaged (curve %zu)", s->path,
                               name, j);
            goto fail;
        }
        out->joints[j] = jid;
        const double *tv = tb, *sv = sb;
        for (size_t i = 0; i < out->len; i++) {
            out->tmpl[i * out->njoints + j] = tv[i];
            out->sd[i * out->njoints + j] = sv[i];
        }
        j++;
    }
    if (r != SQLITE_DONE) goto dbfail;
    if (j != out->njoints) {
        rc = pose__kin_err(err, POSE_EDB, "%s: reference '%s' is damaged (%zu of %zu curves)",
                           s->path, name, j, out->njoints);
        goto fail;
    }
    sqlite3_finalize(st);
    exec(s, "COMMIT", "end of read", NULL);
    if (pose_reference_check(out, err)) {
        char m[300];
        snprintf(m, sizeof m, "%.280s", err ? err->msg : "");
        pose_reference_free(out);
        return pose__kin_err(err, POSE_EDB, "%s: reference '%s' is damaged: %s", s->path, name, m);
    }
    return POSE_OK;
dbfail:
    rc = dberr(s, err, "cannot read the reference");
fail:
    sqlite3_finalize(st);
    exec(s, "ROLLBACK", "rollback", NULL);
    pose_reference_free(out);
    return rc;
}

int pose_refstore_remove(pose_refstore_t *s, const char *name, pose_error *err)
{
    if (exec(s, "BEGIN IMMEDIATE", "cannot start a transaction", err)) return POSE_EDB;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM reference WHERE name = ?", -1, &st, NULL) != SQLITE_OK) {
        dberr(s, err, "cannot remove");
        exec(s, "ROLLBACK", "rollback", NULL);
        return POSE_EDB;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) {
        dberr(s, err, "cannot remove");
        exec(s, "ROLLBACK", "rollback", NULL);
        return POSE_EDB;
    }
    if (sqlite3_changes(s->db) == 0) {
        exec(s, "ROLLBACK", "rollback", NULL);
        return pose__kin_err(err, POSE_ENOTFOUND, "%s: no reference named '%s'", s->path, name);
    }
    return exec(s, "COMMIT", "cannot commit", err) ? POSE_EDB : POSE_OK;
}

int pose_refstore_list(pose_refstore_t *s, pose_reference **out, size_t *count, pose_error *err)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT name, created, source, driver, is_3d, nreps, len, njoints,"
                           " mean_duration, mean_rom FROM reference ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK)
        return dberr(s, err, "cannot list");
    size_t n = 0, cap = 0;
    pose_reference *v = NULL;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            pose_reference *q = realloc(v, cap * sizeof *v);
            if (!q) {
                free(v);
                sqlite3_finalize(st);
                return pose__kin_err(err, POSE_ENOMEM, "out of memory");
            }
            v = q;
        }
        pose_reference *e = &v[n++];
        memset(e, 0, sizeof *e);
        snprintf(e->name, sizeof e->name, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(e->created, sizeof e->created, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(e->source, sizeof e->source, "%s", (const char *)sqlite3_column_text(st, 2));
        e->driver = pose_angle_find((const char *)sqlite3_column_text(st, 3));
        e->is_3d = sqlite3_column_int(st, 4);
        e->nreps = (size_t)sqlite3_column_int64(st, 5);
        e->len = (size_t)sqlite3_column_int64(st, 6);
        e->njoints = (size_t)sqlite3_column_int64(st, 7);
        e->mean_duration = sqlite3_column_double(st, 8);
        e->mean_rom = sqlite3_column_double(st, 9);
    }
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) {
        free(v);
        return dberr(s, err, "cannot list");
    }
    *out = v;
    *count = n;
    return POSE_OK;
}
