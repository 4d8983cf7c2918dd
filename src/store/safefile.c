/* safefile.c — see safefile.h. */
#define _DEFAULT_SOURCE /* flock */
#include "safefile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/crc32.h"

#define TMP_TAG ".textclf-tmp."    /* NAME.textclf-tmp.XXXXXX */
#define TMP_HASHED ".textclf-tmp-" /* .textclf-tmp-HASH.XXXXXX */
#define LOCK_TAG ".textclf-lock"   /* NAME.textclf-lock */
#define LOCK_HASHED ".textclf-lock-"

/* Where a path really points: the directory (resolved, no symlinks) and the
 * name in it; the link's target when the path is a symbolic link. */
typedef struct resolved {
    char *dir, *base, *full;
    int exists;
    struct stat st;
} resolved;

static void resolved_free(resolved *r)
{
    free(r->dir);
    free(r->base);
    free(r->full);
    memset(r, 0, sizeof *r);
}

/* Splits p into a malloc'd directory ("." when none) and name. */
static int split(const char *p, char **dir, char **base)
{
    const char *slash = strrchr(p, '/');
    size_t dl = slash ? (size_t)(slash - p) : 0;
    *dir = slash ? (dl ? strndup(p, dl) : strdup("/")) : strdup(".");
    *base = strdup(slash ? slash + 1 : p);
    return *dir && *base ? 0 : -1;
}

static int resolve(const char *path, const char *what, resolved *r, tc_err *err)
{
    memset(r, 0, sizeof *r);
    struct stat ls;
    char *target = NULL;
    if (lstat(path, &ls) == 0 && S_ISLNK(ls.st_mode)) {
        target = realpath(path, NULL);
        if (!target)
            return tc_err_set(err,
                              "%s %s: a symbolic link to a missing file (%s); textclf follows links and "
                              "replaces their target, so the target must exist",
                              what, path, strerror(errno));
    }
    char *dir = NULL, *base = NULL;
    int ok = split(target ? target : path, &dir, &base) == 0;
    free(target);
    if (!ok) {
        free(dir);
        free(base);
        return tc_err_oom(err, "path");
    }
    r->base = base;
    if (!base[0] || !strcmp(base, ".") || !strcmp(base, "..")) {
        free(dir);
        resolved_free(r);
        return tc_err_set(err, "%s %s: names a directory, not a file", what, path);
    }
    r->dir = realpath(dir, NULL);
    if (!r->dir) {
        int e = errno;
        tc_err_set(err, "%s %s: directory %s: %s", what, path, dir, strerror(e));
        free(dir);
        resolved_free(r);
        return -1;
    }
    free(dir);
    size_t n = strlen(r->dir) + strlen(r->base) + 2;
    r->full = malloc(n);
    if (!r->full) {
        resolved_free(r);
        return tc_err_oom(err, "path");
    }
    snprintf(r->full, n, "%s%s%s", r->dir, strcmp(r->dir, "/") ? "/" : "", r->base);
    r->exists = stat(r->full, &r->st) == 0;
    return 0;
}

static long name_max(const char *dir)
{
    long m = pathconf(dir, _PC_NAME_MAX);
    return m > 0 ? m : 255;
}

/* "DIR/NAME" + tag + tail, or "DIR/" + hashed + HASH + tail when that is too long. */
static char *beside(const resolved *r, const char *tag, const char *hashed, const char *tail)
{
    size_t bl = strlen(r->base), n = strlen(r->dir) + bl + strlen(tag) + strlen(hashed) + strlen(tail) + 16;
    char *s = malloc(n);
    if (!s)
        return NULL;
    const char *sep = strcmp(r->dir, "/") ? "/" : "";
    if ((long)(bl + strlen(tag) + strlen(tail)) <= name_max(r->dir))
        snprintf(s, n, "%s%s%s%s%s", r->dir, sep, r->base, tag, tail);
    else
        snprintf(s, n, "%s%s%s%08x%s", r->dir, sep, hashed, (unsigned)tc_crc32(0, r->base, bl), tail);
    return s;
}

/* ---- identity ------------------------------------------------------------ */

typedef struct ident {
    int have_ino;
    dev_t dev;
    ino_t ino;
    char *full; /* outputs only */
} ident;

static void identify(const tc_fileref *f, ident *id)
{
    memset(id, 0, sizeof *id);
    if (!f->path || !f->path[0])
        return;
    struct stat st;
    if (f->output) {
        resolved r;
        tc_err ignored;
        if (resolve(f->path, f->what, &r, &ignored) < 0)
            return; /* tc_output_prepare reports it */
        id->full = r.full;
        r.full = NULL;
        if (r.exists)
            id->have_ino = 1, id->dev = r.st.st_dev, id->ino = r.st.st_ino;
        resolved_free(&r);
    } else if (stat(f->path, &st) == 0) {
        id->have_ino = 1, id->dev = st.st_dev, id->ino = st.st_ino;
    }
}

static int same_file(const ident *a, const ident *b)
{
    if (a->have_ino && b->have_ino)
        return a->dev == b->dev && a->ino == b->ino;
    return a->full && b->full && !strcmp(a->full, b->full);
}

int tc_files_distinct(const tc_fileref *f, int n, tc_err *err)
{
    ident *id = calloc((size_t)(n > 0 ? n : 1), sizeof *id);
    if (!id)
        return tc_err_oom(err, "file identities");
    for (int i = 0; i < n; i++)
        identify(&f[i], &id[i]);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        for (int j = 0; j < n && rc == 0; j++) {
            if (i == j || !f[i].output || (f[j].output && j < i) || !f[i].path || !f[j].path)
                continue;
            if (same_file(&id[i], &id[j]))
                rc = tc_err_set(err,
                                "%s %s is the same file as %s %s: an output must not overwrite an input "
                                "or another output",
                                f[i].what, f[i].path, f[j].what, f[j].path);
        }
    for (int i = 0; i < n; i++)
        free(id[i].full);
    free(id);
    return rc;
}

int tc_files_outside(const tc_fileref *f, int n, const char *dir, const char *dirwhat, tc_err *err)
{
    struct stat d, p;
    if (stat(dir, &d) != 0)
        return 0;
    for (int i = 0; i < n; i++) {
        if (!f[i].path || !f[i].path[0] || !strcmp(f[i].path, "-"))
            continue;
        char *real = realpath(f[i].path, NULL), *parent = NULL, *base = NULL;
        int in = real && split(real, &parent, &base) == 0 && stat(parent, &p) == 0 && p.st_dev == d.st_dev &&
            p.st_ino == d.st_ino;
        free(real);
        free(parent);
        free(base);
        if (in)
            return tc_err_set(err, "%s %s is in %s %s, whose files this run writes and removes; move it out", f[i].what,
                              f[i].path, dirwhat, dir);
    }
    return 0;
}

/* ---- checks and the lock ----------------------------------------------------- */

static int check_target(const resolved *r, const char *path, const char *what, tc_err *err)
{
    if (r->exists && !S_ISREG(r->st.st_mode))
        return tc_err_set(err,
                          "%s %s: not a regular file (a device, pipe, socket or directory); textclf "
                          "writes only regular files, by replacing them",
                          what, path);
    return 0;
}

/* path resolved as a write's target (resolve), and a regular file if it
 * exists; on failure r holds nothing. */
static int resolve_output(const char *path, resolved *r, tc_err *err)
{
    if (resolve(path, "output", r, err) < 0)
        return -1;
    if (check_target(r, path, "output", err) < 0) {
        resolved_free(r);
        return -1;
    }
    return 0;
}

static int take_lock(const resolved *r, const char *path, const char *what, tc_outlock *lock, tc_err *err)
{
    char *name = beside(r, LOCK_TAG, LOCK_HASHED, "");
    if (!name)
        return tc_err_oom(err, "lock path");
    for (int tries = 0; tries < 8; tries++) {
        int fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) {
            int e = errno;
            tc_err_set(err, "%s %s: cannot create the lock file %s: %s", what, path, name, strerror(e));
            free(name);
            return -1;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            int e = errno;
            close(fd);
            if (e == EWOULDBLOCK)
                tc_err_set(err,
                           "%s %s: another textclf is writing this file (it holds %s); wait for it to "
                           "finish or choose another output",
                           what, path, name);
            else
                tc_err_set(err, "%s %s: cannot lock %s: %s", what, path, name, strerror(e));
            free(name);
            return -1;
        }
        /* the holder before us may have removed the file we opened: the lock
         * counts only on the file that is there now */
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(name, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
            lock->fd = fd;
            lock->path = name;
            return 0;
        }
        close(fd);
    }
    free(name);
    return tc_err_set(err, "%s %s: the lock file keeps changing; is another textclf writing it?", what, path);
}

int tc_output_prepare(const char *path, const char *what, tc_outlock *lock, tc_err *err)
{
    resolved r;
    if (resolve(path, what, &r, err) < 0)
        return -1;
    int rc = check_target(&r, path, what, err);
    long nm = name_max(r.dir);
    if (rc == 0 && (long)strlen(r.base) > nm)
        rc = tc_err_set(err, "%s %s: the file name is %zu bytes, more than this file system allows (%ld)", what, path,
                        strlen(r.base), nm);
    if (rc == 0 && access(r.dir, W_OK | X_OK) < 0)
        rc = tc_err_set(err, "%s %s: cannot write in directory %s: %s", what, path, r.dir, strerror(errno));
    if (rc == 0 && r.exists && access(r.full, W_OK) < 0 && errno == EACCES)
        rc = tc_err_set(err, "%s %s: the file is read-only; textclf does not replace it (chmod u+w to allow)", what,
                        path);
    if (rc == 0)
        rc = take_lock(&r, path, what, lock, err);
    resolved_free(&r);
    if (rc == 0)
        tc_remove_stale_temps(path);
    return rc;
}

void tc_outlock_release(tc_outlock *lock)
{
    if (lock->fd >= 0) {
        unlink(lock->path); /* while still holding it: see take_lock */
        close(lock->fd);
    }
    free(lock->path);
    lock->fd = -1;
    lock->path = NULL;
}

/* ---- writing --------------------------------------------------------------- */

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n > (1u << 30) ? (1u << 30) : n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static void sync_dir(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
}

int tc_write_atomic(const char *path, const void *data, size_t len, tc_err *err)
{
    tc_wpart part = {data, len};
    return tc_write_atomic_parts(path, &part, 1, err);
}

int tc_write_atomic_parts(const char *path, const tc_wpart *parts, int nparts, tc_err *err)
{
    resolved r;
    if (resolve_output(path, &r, err) < 0)
        return -1;
    char *tmp = beside(&r, TMP_TAG, TMP_HASHED, "XXXXXX");
    int fd = tmp ? mkstemp(tmp) : -1;
    if (fd < 0) {
        int e = errno;
        free(tmp);
        resolved_free(&r);
        return tmp ? tc_err_set(err, "%s: cannot create temporary file: %s", path, strerror(e))
                   : tc_err_oom(err, "path");
    }
    /* Held until after the rename (tc_remove_stale_temps leaves a held file
     * alone): the lock belongs to the open file, which a duplicate keeps open
     * while fd is closed, and checked, before the rename. */
    flock(fd, LOCK_EX | LOCK_NB);
    int hold = dup(fd);
    mode_t mask = umask(0);
    umask(mask);
    mode_t mode = r.exists ? r.st.st_mode & 07777 : 0666 & ~mask;
    int e = 0;
    if (fchmod(fd, mode) < 0)
        e = errno;
    for (int i = 0; i < nparts && !e; i++)
        if (parts[i].n && write_all(fd, parts[i].p, parts[i].n) < 0)
            e = errno;
    if (!e && fsync(fd) < 0)
        e = errno;
    if (close(fd) < 0 && !e)
        e = errno;
    if (!e && rename(tmp, r.full) < 0)
        e = errno;
    if (e)
        unlink(tmp);
    if (hold >= 0)
        close(hold);
    free(tmp);
    if (e) {
        resolved_free(&r);
        return tc_err_set(err, "%s: write failed: %s (the previous file, if any, is unchanged)", path, strerror(e));
    }
    sync_dir(r.dir); /* make the rename itself durable */
    resolved_free(&r);
    return 0;
}

int tc_link_atomic(const char *from, const char *path, tc_err *err)
{
    resolved r;
    if (resolve_output(path, &r, err) < 0)
        return -1;
    char *tmp = beside(&r, TMP_TAG, TMP_HASHED, "XXXXXX");
    int e = tmp ? 0 : ENOMEM, linked = 0;
    for (int tries = 0; !e && !linked; tries++) {
        /* a fresh unique name: made by mkstemp, freed, then taken by link (which never replaces) */
        memcpy(tmp + strlen(tmp) - 6, "XXXXXX", 6);
        int fd = mkstemp(tmp);
        if (fd < 0) {
            e = errno;
            break;
        }
        close(fd);
        unlink(tmp);
        if (link(from, tmp) == 0)
            linked = 1;
        else if (errno != EEXIST || tries == 15) /* EEXIST: another name was quicker; draw again */
            e = errno;
    }
    if (!e && r.exists && chmod(tmp, r.st.st_mode & 07777) < 0)
        e = errno;
    if (!e && rename(tmp, r.full) < 0)
        e = errno;
    if (e && linked)
        unlink(tmp);
    free(tmp);
    if (e) {
        resolved_free(&r);
        return tc_err_set(err, "%s: cannot link %s there: %s (the previous file, if any, is unchanged)", path, from,
                          strerror(e));
    }
    sync_dir(r.dir);
    resolved_free(&r);
    return 0;
}

/* NAME.textclf-tmp.XXXXXX or .textclf-tmp-HASH.XXXXXX, for this resolved output. */
static int is_our_temp(const char *name, const resolved *r)
{
    size_t bl = strlen(r->base), tl = strlen(TMP_TAG), n = strlen(name);
    if (n == bl + tl + 6 && !strncmp(name, r->base, bl) && !strncmp(name + bl, TMP_TAG, tl))
        return 1;
    char hashed[64];
    snprintf(hashed, sizeof hashed, "%s%08x.", TMP_HASHED, (unsigned)tc_crc32(0, r->base, bl));
    return n == strlen(hashed) + 6 && !strncmp(name, hashed, strlen(hashed));
}

static int remove_if_unheld(const char *full)
{
    int fd = open(full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    int removed = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0)
        removed = unlink(full) == 0;
    close(fd);
    return removed;
}

int tc_remove_stale_temps(const char *path)
{
    resolved r;
    tc_err ignored;
    if (resolve(path, "output", &r, &ignored) < 0)
        return 0;
    DIR *d = opendir(r.dir);
    int removed = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!is_our_temp(e->d_name, &r))
            continue;
        size_t n = strlen(r.dir) + strlen(e->d_name) + 2;
        char *full = malloc(n);
        if (full) {
            snprintf(full, n, "%s/%s", r.dir, e->d_name);
            removed += remove_if_unheld(full);
            free(full);
        }
    }
    if (d)
        closedir(d);
    resolved_free(&r);
    return removed;
}
