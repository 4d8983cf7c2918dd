/* failmalloc.c — an LD_PRELOAD shim that makes the N-th allocation fail;
 * tests/cli/test_faults.sh builds it and walks N = 1, 2, ... until the
 * command succeeds, so every allocation of (say) loading a model has its
 * failure path run once.
 *
 *   cc -shared -fPIC -O2 -o failmalloc.so tests/fault/failmalloc.c -ldl
 *   FAIL_MALLOC_ARM=model.bin FAIL_MALLOC_NTH=7 LD_PRELOAD=./failmalloc.so textclf predict model.bin
 *
 * Counting starts when the process first opens a path containing
 * FAIL_MALLOC_ARM (fopen or open; unset = from the start), so the start-up
 * allocations of the C library and OpenBLAS are not failed.  From then on
 * malloc, calloc, realloc (with a non-zero size), posix_memalign and
 * aligned_alloc are counted together; the FAIL_MALLOC_NTH-th one returns
 * NULL (ENOMEM), every other one succeeds.  Allocations that OpenBLAS makes
 * itself are never counted or failed: OpenBLAS does not check them (its
 * sgemm crashes on a NULL work buffer), and that is not textclf's code.
 * At exit the shim writes "failmalloc: N allocations counted" to the file
 * FAIL_MALLOC_REPORT, if set, which tells the caller when to stop; with
 * FAIL_MALLOC_TRACE=FILE it also appends one line per counted allocation
 * (its number and the caller's object file + offset, for addr2line).
 *
 * Under AddressSanitizer the shim sits in front of ASan's allocator (run
 * with ASAN_OPTIONS=verify_asan_link_order=0), so LeakSanitizer still checks
 * that nothing allocated before the failure is leaked on the error path. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void (*real_free)(void *);

static int ready, armed; /* ready: the environment has been read (constructor) */
static long long counted, nth;
static int resolving, inside;

/* dlsym may itself calloc; serve those few bytes from here */
static char boot[4096];
static size_t boot_used;

static void *boot_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (boot_used + n > sizeof boot)
        return NULL;
    void *p = boot + boot_used;
    boot_used += n;
    return p;
}

static void resolve(void)
{
    if (real_malloc || resolving)
        return;
    resolving = 1;
    real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    resolving = 0;
}

/* Runs once the C library is set up; allocations before it (the loader's,
 * ASan's own start-up) are never counted, and getenv is not safe then. */
__attribute__((constructor)) static void setup(void)
{
    const char *n = getenv("FAIL_MALLOC_NTH");
    nth = n ? atoll(n) : 0;
    const char *arm = getenv("FAIL_MALLOC_ARM");
    armed = !(arm && *arm);
    ready = 1;
}

/* Appends "N object+0xOFFSET" to FAIL_MALLOC_TRACE. */
static void trace(const Dl_info *info, const void *caller)
{
    const char *path = getenv("FAIL_MALLOC_TRACE");
    if (!path)
        return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0)
        return;
    char line[512];
    int n = snprintf(line, sizeof line, "%lld %s+0x%lx\n", counted, info->dli_fname ? info->dli_fname : "?",
                     (unsigned long)((const char *)caller - (const char *)info->dli_fbase));
    if (n > 0)
        (void)!write(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    close(fd);
}

/* 1 if this allocation (made from `caller`) is the one to fail */
static int should_fail(const void *caller)
{
    if (!ready || !armed || inside)
        return 0;
    inside = 1; /* dladdr and the trace must not count themselves */
    Dl_info info = {0};
    int known = dladdr(caller, &info) != 0;
    int blas = known && info.dli_fname && strstr(info.dli_fname, "libopenblas") != NULL;
    if (!blas) {
        counted++;
        trace(&info, caller);
    }
    inside = 0;
    return !blas && nth > 0 && counted == nth;
}

void *malloc(size_t n)
{
    resolve();
    if (!real_malloc)
        return boot_alloc(n);
    if (should_fail(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return real_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    resolve();
    if (!real_calloc)
        return b && a > sizeof boot / b ? NULL : boot_alloc(a * b); /* boot is zero-filled */
    if (should_fail(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return real_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    resolve();
    if (n && should_fail(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return real_realloc(p, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    resolve();
    if (should_fail(__builtin_return_address(0)))
        return ENOMEM;
    return real_posix_memalign(out, align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    resolve();
    if (should_fail(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return real_aligned_alloc(align, n);
}

void free(void *p)
{
    if ((char *)p >= boot && (char *)p < boot + sizeof boot)
        return;
    resolve();
    real_free(p);
}

static void arm_on(const char *path)
{
    if (!ready || armed)
        return;
    const char *arm = getenv("FAIL_MALLOC_ARM");
    if (arm && path && strstr(path, arm))
        armed = 1;
}

FILE *fopen(const char *path, const char *mode)
{
    static FILE *(*real)(const char *, const char *);
    if (!real)
        real = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen");
    arm_on(path);
    return real(path, mode);
}

int open(const char *path, int flags, ...)
{
    static int (*real)(const char *, int, ...);
    if (!real)
        real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    arm_on(path);
    return real(path, flags, mode);
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("FAIL_MALLOC_REPORT");
    if (!path)
        return;
    ready = 0; /* fopen below allocates: not counted */
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "failmalloc: %lld allocations counted\n", counted);
        fclose(f);
    }
}
