/* cmd.h — the subcommands.  Each parses its own arguments, runs, prints its
 * own errors ("textclf: …" on stderr) and returns the process exit status:
 * 0 success, 1 runtime error, 2 usage or configuration error, 128 + N stopped
 * by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP). */
#ifndef TC_CMD_H
#define TC_CMD_H

#include <signal.h>

enum { TC_EXIT_OK = 0, TC_EXIT_ERR = 1, TC_EXIT_USAGE = 2, TC_EXIT_INTERRUPTED = 130 };

/* Signals (main.c).  The first SIGINT, SIGTERM or SIGHUP sets `stop` to its
 * number; a command that streams records (predict, tokenize) or has work to
 * save (train: the resume checkpoint) checks it between records or batches,
 * writes only whole records, and returns tc_signal_status(stop) (128 + the
 * signal: 130, 143, 129).  A blocked read is interrupted (no SA_RESTART; a
 * signal that lands on a BLAS thread is passed on to the main thread).  While
 * `at_once` is set (eval, info, plot, which print nothing until they are
 * done) the first signal exits at once with that status; a second signal
 * always does.  Files are only ever replaced by an atomic rename
 * (store/safefile.h), so exiting at once never leaves a half-written file. */
typedef struct tc_signals {
    volatile sig_atomic_t stop;
    volatile sig_atomic_t at_once;
} tc_signals;

static inline int tc_signal_status(int sig)
{
    return 128 + sig;
}

int tc_cmd_train(int argc, char **argv, volatile sig_atomic_t *stop);
int tc_cmd_tune(int argc, char **argv, volatile sig_atomic_t *stop);
int tc_cmd_eval(int argc, char **argv, tc_signals *sig);
int tc_cmd_predict(int argc, char **argv, tc_signals *sig);
int tc_cmd_info(int argc, char **argv);
int tc_cmd_quantize(int argc, char **argv);
int tc_cmd_tokenize(int argc, char **argv, tc_signals *sig);
int tc_cmd_plot(int argc, char **argv);

/* Shared by the commands: "textclf: message" on stderr; returns code. */
int tc_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Output manners.  SIGPIPE is caught (main.c) rather than fatal, so a write
 * to a pipe whose reader went away fails with EPIPE; tc_output_closed() then
 * says so.  tc_write_error(what) is the one answer to a failed write to
 * standard output: the reader going away (`textclf predict … | head -1`) ends
 * the command quietly with status 0, like a producer whose consumer has all
 * it wants; any other failure (a full disk, /dev/full) prints "error writing
 * WHAT: reason" and gives status 1. */
void tc_on_sigpipe(int sig);
int tc_output_closed(void);
int tc_write_error(const char *what);
/* Flushes stdout; TC_EXIT_OK if everything reached it (or its reader left),
 * else tc_write_error(what).  `code` is returned unchanged when it is not OK. */
int tc_finish_output(int code, const char *what);

/* One command line, read left to right — the argument loop of every
 * command:
 *
 *     tc_argv av;
 *     tc_argv_init(&av, "eval", HELP, "-k --set --threads", argc, argv);
 *     while (tc_argv_next(&av))
 *         if (tc_argv_is(&av, "--json"))
 *             json = 1;
 *         else if (tc_argv_is(&av, "-k"))
 *             k = av.val;
 *         else
 *             tc_argv_positional(&av, pos, 2);
 *     if (av.code)
 *         return av.code;      (-1: --help was shown, the command exits 0)
 *
 * `valued` lists the options that take a value, given as the next argument
 * or, for a long option, as --opt=VALUE.  tc_argv_next() answers -h/--help
 * itself and stops at the end or at the first error, which it has already
 * reported as "CMD: …" with code TC_EXIT_USAGE: a valued option without its
 * value, an unknown option, one positional argument too many. */
typedef struct tc_argv {
    const char *cmd, *help, *valued;
    int argc, i;
    char **argv;
    const char *arg; /* the argument at hand; for --opt=VALUE, opt is "--opt" */
    const char *val; /* its value, for an option in `valued` */
    char opt[40];
    int npos; /* positional arguments taken */
    int code; /* 0 while reading; then -1 (help shown) or an exit status */
} tc_argv;

void tc_argv_init(tc_argv *av, const char *cmd, const char *help, const char *valued, int argc, char **argv);
int tc_argv_next(tc_argv *av);
/* Whether the option at hand is one of `names` ("-q|--quiet"). */
int tc_argv_is(const tc_argv *av, const char *names);
/* The argument at hand is no option the command knows: stored into the next
 * of slots[0..n) when it is positional, else "unknown option" / "unexpected
 * argument" (av->code = TC_EXIT_USAGE). */
void tc_argv_positional(tc_argv *av, const char **slots, int n);
/* av->val as a whole number in [lo, hi] into *out; else "CMD: OPT: 'V' is not
 * an integer in [lo, hi]" and av->code = TC_EXIT_USAGE.  Returns av->code. */
int tc_argv_long(tc_argv *av, long lo, long hi, long *out);
/* av->val as a number above lo and below hi (at most hi when hi_closed) into
 * *out; else "CMD: OPT: 'V' is not a number in (lo, hi)" (or "(lo, hi]") and
 * av->code = TC_EXIT_USAGE.  Returns av->code. */
int tc_argv_number(tc_argv *av, double lo, double hi, int hi_closed, double *out);
/* Stops the loop with `code` (printing nothing); returns code. */
int tc_argv_stop(tc_argv *av, int code);

/* Appends " s" to out (cap bytes), single-quoted for the shell when it needs
 * to be. */
void tc_shell_word(char *out, size_t cap, const char *s);
/* out = prefix and argv[1..argc) as shell words, without option `drop`
 * (and its value, as the next argument or after '='). */
void tc_argv_line(int argc, char **argv, const char *prefix, const char *drop, char *out, size_t cap);

/* `textclf --help-config`: the config key reference on stdout. */
int tc_help_config(void);
/* "0.3.21, core Haswell": the OpenBLAS build and the kernel set it runs. */
const char *tc_blas_name(void);

/* eval, predict: loads MODEL into bd; a --threshold (> 0) needs a sigmoid
 * head.  0, or the exit status after the message. */
struct tc_bundle;
int tc_load_model(struct tc_bundle *bd, const char *path, float threshold);

/* Sets BLAS threads: n > 0 as given, 0 = online cores. */
void tc_set_threads(long n);

#endif
