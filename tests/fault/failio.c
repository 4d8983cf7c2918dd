/* failio.c — an LD_PRELOAD shim that makes file writes fail, or kills the
 * process, on demand; tests/cli/test_faults.sh builds and uses it.
 *
 *   cc -shared -fPIC -O2 -o failio.so tests/fault/failio.c -ldl
 *   FAULT_PATH=.tmp. FAULT_WRITE=ENOSPC LD_PRELOAD=./failio.so textclf train ...
 *
 * Only files whose path (as /proc/self/fd shows it, or rename's source)
 * contains FAULT_PATH are touched; everything else (stderr, other files)
 * behaves normally.  Each variable is optional:
 *   FAULT_WRITE=ERR          write() fails with ERR (ENOSPC, EIO, EDQUOT, EFBIG)
 *   FAULT_WRITE_AFTER=B      ...only once B bytes went through (a partial file)
 *   FAULT_FSYNC=ERR          fsync() / fdatasync() fail with ERR
 *   FAULT_CLOSE=ERR          close() closes the file, then reports ERR
 *   FAULT_RENAME=ERR         rename() fails with ERR
 *   FAULT_SHORT=N            write() writes at most N bytes per call
 *   FAULT_DELAY_US=U         sleep U microseconds in every write() call
 *   FAULT_KILL=WHERE         SIGKILL this process: "write:K" (at the K-th
 *                            write call), "fsync", "rename" (before it),
 *                            "renamed" (right after it succeeded)
 * Writes via stdio inside libc do not pass through here; textclf writes its
 * model files with write(2). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static int errno_named(const char *name)
{
    static const struct {
        const char *name;
        int value;
    } names[] = {{"ENOSPC", ENOSPC}, {"EIO", EIO},       {"EDQUOT", EDQUOT}, {"EFBIG", EFBIG},
                 {"EROFS", EROFS},   {"EACCES", EACCES}, {"EXDEV", EXDEV}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(name, names[i].name))
            return names[i].value;
    return EIO;
}

/* errno to fail with for the operation in env var VAR, or 0. */
static int fault(const char *var)
{
    const char *v = getenv(var);
    return v && *v ? errno_named(v) : 0;
}

static int fd_matches(int fd)
{
    const char *want = getenv("FAULT_PATH");
    if (!want || !*want)
        return 0;
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0)
        return 0;
    target[n] = 0;
    return strstr(target, want) != NULL;
}

static int path_matches(const char *path)
{
    const char *want = getenv("FAULT_PATH");
    return want && *want && path && strstr(path, want) != NULL;
}

static void kill_if(const char *where)
{
    const char *v = getenv("FAULT_KILL");
    if (v && !strcmp(v, where))
        kill(getpid(), SIGKILL);
}

static long long bytes_written, write_calls;

ssize_t write(int fd, const void *buf, size_t n)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (!real)
        real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (!fd_matches(fd))
        return real(fd, buf, n);
    write_calls++;
    const char *k = getenv("FAULT_KILL");
    if (k && !strncmp(k, "write:", 6) && write_calls >= atoll(k + 6))
        kill(getpid(), SIGKILL);
    const char *d = getenv("FAULT_DELAY_US");
    if (d) {
        long us = atol(d);
        struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
        nanosleep(&ts, NULL);
    }
    int e = fault("FAULT_WRITE");
    const char *after = getenv("FAULT_WRITE_AFTER");
    if (e && (!after || bytes_written >= atoll(after))) {
        errno = e;
        return -1;
    }
    const char *s = getenv("FAULT_SHORT");
    if (s && atol(s) > 0 && n > (size_t)atol(s))
        n = (size_t)atol(s);
    if (e && after && bytes_written + (long long)n > atoll(after))
        n = (size_t)(atoll(after) - bytes_written);
    ssize_t r = real(fd, buf, n);
    if (r > 0)
        bytes_written += r;
    return r;
}

static int sync_common(int fd, const char *name)
{
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, name);
    if (fd_matches(fd)) {
        kill_if("fsync");
        int e = fault("FAULT_FSYNC");
        if (e) {
            errno = e;
            return -1;
        }
    }
    return real(fd);
}

int fsync(int fd)
{
    return sync_common(fd, "fsync");
}
int fdatasync(int fd)
{
    return sync_common(fd, "fdatasync");
}

int close(int fd)
{
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "close");
    int e = fd_matches(fd) ? fault("FAULT_CLOSE") : 0;
    int r = real(fd);
    if (r == 0 && e) {
        errno = e;
        return -1;
    }
    return r;
}

int rename(const char *from, const char *to)
{
    static int (*real)(const char *, const char *);
    if (!real)
        real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    if (!path_matches(from))
        return real(from, to);
    kill_if("rename");
    int e = fault("FAULT_RENAME");
    if (e) {
        errno = e;
        return -1;
    }
    int r = real(from, to);
    if (r == 0)
        kill_if("renamed");
    return r;
}
