/* cmd_common.c — small pieces the cmd_*.c files share. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "cmd.h"
#include "config.h"

int tc_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("textclf: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

/* Set by SIGPIPE: some pipe we wrote to has no reader any more. */
static volatile sig_atomic_t pipe_closed;

void tc_on_sigpipe(int sig)
{
    (void)sig;
    pipe_closed = 1;
}

int tc_output_closed(void)
{
    return pipe_closed || (ferror(stdout) && errno == EPIPE);
}

int tc_write_error(const char *what)
{
    int e = errno;
    if (tc_output_closed())
        return TC_EXIT_OK;
    return tc_fail(TC_EXIT_ERR, "error writing %s: %s", what, e ? strerror(e) : "write error");
}

int tc_finish_output(int code, const char *what)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return code;
    if (code != TC_EXIT_OK)
        return code;
    return tc_write_error(what);
}

int tc_help_config(void)
{
    tc_config_print_reference(stdout);
    return TC_EXIT_OK;
}

const char *tc_blas_name(void)
{
    static char name[96];
    const char *cfg = openblas_get_config(); /* "OpenBLAS 0.3.21 DYNAMIC_ARCH ..." */
    const char *v = strncmp(cfg, "OpenBLAS ", 9) ? "" : cfg + 9;
    size_t n = strcspn(v, " ");
    snprintf(name, sizeof name, "%.*s%score %s", (int)n, v, n ? ", " : "", openblas_get_corename());
    return name;
}

void tc_set_threads(long n)
{
    if (n <= 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    openblas_set_num_threads(n > 0 ? (int)n : 1);
}
