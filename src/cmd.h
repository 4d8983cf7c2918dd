/* cmd.h — the subcommands.  Each parses its own arguments, runs, prints its
 * own errors ("textclf: …" on stderr) and returns the process exit status:
 * 0 success, 1 runtime error, 2 usage or configuration error, 130 interrupted. */
#ifndef TC_CMD_H
#define TC_CMD_H

#include <signal.h>

enum { TC_EXIT_OK = 0, TC_EXIT_ERR = 1, TC_EXIT_USAGE = 2, TC_EXIT_INTERRUPTED = 130 };

int tc_cmd_train(int argc, char **argv, volatile sig_atomic_t *stop);
int tc_cmd_tune(int argc, char **argv, volatile sig_atomic_t *stop);
int tc_cmd_eval(int argc, char **argv);
int tc_cmd_predict(int argc, char **argv);
int tc_cmd_info(int argc, char **argv);
int tc_cmd_tokenize(int argc, char **argv);
int tc_cmd_plot(int argc, char **argv);

/* Shared by the commands: "textclf: message" on stderr; returns code. */
int tc_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets BLAS threads: n > 0 as given, 0 = online cores. */
void tc_set_threads(long n);

#endif
