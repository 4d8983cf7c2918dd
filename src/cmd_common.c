/* cmd_common.c — small pieces the cmd_*.c files share. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "cmd.h"
#include "config.h"
#include "store/checkpoint.h"

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

int tc_load_model(tc_bundle *bd, const char *path, float threshold)
{
    tc_err err = {{0}};
    if (tc_checkpoint_load(path, bd, &err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    if (threshold > 0 && !bd->model->s.sigmoid)
        return tc_fail(TC_EXIT_USAGE,
                       "--threshold: %s has a softmax head (one label per row, the most probable); "
                       "a threshold applies to sigmoid (multi-label) models",
                       path);
    return 0;
}

void tc_set_threads(long n)
{
    if (n <= 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    openblas_set_num_threads(n > 0 ? (int)n : 1);
}

/* ---- the argument loop (cmd.h) ------------------------------------------- */

void tc_argv_init(tc_argv *av, const char *cmd, const char *help, const char *valued, int argc, char **argv)
{
    memset(av, 0, sizeof *av);
    av->cmd = cmd, av->help = help, av->valued = valued ? valued : "";
    av->argc = argc, av->argv = argv;
}

/* Whether `name` (len bytes) is one of the words in `list`, separated by
 * spaces or '|'. */
static int in_list(const char *list, const char *name, size_t len)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, " |");
        if (n == len && !memcmp(p, name, len))
            return 1;
        p += n + (p[n] != 0);
    }
    return 0;
}

int tc_argv_next(tc_argv *av)
{
    if (av->code || ++av->i >= av->argc)
        return 0;
    const char *s = av->arg = av->argv[av->i];
    const char *eq = strncmp(s, "--", 2) ? NULL : strchr(s, '=');
    size_t n = eq ? (size_t)(eq - s) : strlen(s);
    av->val = NULL;
    if (eq && n < sizeof av->opt && in_list(av->valued, s, n)) { /* --opt=VALUE */
        memcpy(av->opt, s, n);
        av->opt[n] = 0;
        av->val = eq + 1;
        return 1;
    }
    snprintf(av->opt, sizeof av->opt, "%s", strlen(s) < sizeof av->opt ? s : "");
    if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
        fputs(av->help, stdout);
        av->code = -1;
        return 0;
    }
    if (s[0] == '-' && s[1] && in_list(av->valued, s, strlen(s))) {
        if (av->i + 1 >= av->argc) {
            av->code = tc_fail(TC_EXIT_USAGE, "%s: %s needs a value (try 'textclf %s --help')", av->cmd, s, av->cmd);
            return 0;
        }
        av->val = av->argv[++av->i];
    }
    return 1;
}

int tc_argv_is(const tc_argv *av, const char *names)
{
    return av->opt[0] == '-' && in_list(names, av->opt, strlen(av->opt));
}

void tc_argv_positional(tc_argv *av, const char **slots, int n)
{
    const char *s = av->arg;
    if (s[0] == '-' && s[1])
        av->code = tc_fail(TC_EXIT_USAGE, "%s: unknown option '%s' (try 'textclf %s --help')", av->cmd, s, av->cmd);
    else if (av->npos < n)
        slots[av->npos++] = s;
    else
        av->code = tc_fail(TC_EXIT_USAGE, "%s: unexpected argument '%s'", av->cmd, s);
}

int tc_argv_long(tc_argv *av, long lo, long hi, long *out)
{
    const char *v = av->val ? av->val : "";
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi)
        return av->code = tc_fail(TC_EXIT_USAGE, "%s: %s: '%s' is not an integer in [%ld, %ld]", av->cmd, av->opt, v,
                                  lo, hi);
    *out = x;
    return 0;
}

int tc_argv_number(tc_argv *av, double lo, double hi, int hi_closed, double *out)
{
    const char *v = av->val ? av->val : "";
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (!*v || *end || errno || !(x > lo && (x < hi || (hi_closed && x == hi))))
        return av->code = tc_fail(TC_EXIT_USAGE, "%s: %s: '%s' is not a number in (%g, %g%c", av->cmd, av->opt, v, lo,
                                  hi, hi_closed ? ']' : ')');
    *out = x;
    return 0;
}

int tc_argv_stop(tc_argv *av, int code)
{
    return av->code = code;
}

/* Appends s to out (cap bytes), single-quoted for the shell when it needs to be. */
void tc_shell_word(char *out, size_t cap, const char *s)
{
    size_t o = strlen(out);
    int plain = s[0] != 0;
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+-@%", *p))
            plain = 0;
    if (plain) {
        snprintf(out + o, cap - o, " %s", s);
        return;
    }
    snprintf(out + o, cap - o, " '");
    for (const char *p = s; *p && (o = strlen(out)) + 6 < cap; p++) {
        if (*p == '\'')
            snprintf(out + o, cap - o, "'\\''");
        else
            snprintf(out + o, cap - o, "%c", *p);
    }
    o = strlen(out);
    snprintf(out + o, cap - o, "'");
}

void tc_argv_line(int argc, char **argv, const char *prefix, const char *drop, char *out, size_t cap)
{
    size_t n = strlen(drop);
    snprintf(out, cap, "%s", prefix);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, drop))
            i++;
        else if (strncmp(s, drop, n) != 0 || s[n] != '=')
            tc_shell_word(out, cap, s);
    }
}
