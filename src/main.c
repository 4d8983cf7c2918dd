/* main.c — subcommand dispatch, signals, exit codes. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "version.h"

static tc_signals signals;
static pthread_t main_thread;

/* See cmd.h.  A process-directed signal may be taken by one of BLAS's
 * threads, whose masks cannot be set from here (they start before main):
 * such a thread passes it on, so the main thread's blocked read returns EINTR. */
static void on_signal(int sig)
{
    if (!pthread_equal(pthread_self(), main_thread)) {
        pthread_kill(main_thread, sig);
        return;
    }
    if (signals.stop || signals.at_once)
        _exit(tc_signal_status(signals.stop ? signals.stop : sig));
    signals.stop = sig;
}

/* A command started with 0, 1 or 2 closed would open its files there and,
 * say, write progress lines into the metrics file: keep them on /dev/null. */
static void keep_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
            _exit(TC_EXIT_ERR);
}

static void catch_signals(void)
{
    main_thread = pthread_self();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a blocked read returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static const char USAGE[] =
    "usage: textclf COMMAND [ARGS]\n"
    "\n"
    "Train and run text classifiers from the shell.\n"
    "\n"
    "commands:\n"
    "  train CONFIG.yaml [--set KEY=VALUE]... [-o MODEL]   train a model from a YAML config\n"
    "  train DATA.csv [--set KEY=VALUE]... [-o MODEL]      train with settings chosen from the data\n"
    "  tune CONFIG.yaml|DATA.csv --budget 10m [-o MODEL]   search the settings within a time budget\n"
    "  eval MODEL DATA [--json] [--threshold T]            accuracy, per-class P/R/F1, confusion matrix\n"
    "  eval MODEL DATA --tune-thresholds                   per-label thresholds stored in MODEL\n"
    "  predict MODEL [FILE|-] [--csv|--tsv] [--format F]   one prediction record per input record\n"
    "  info MODEL                                          what a model file holds\n"
    "  quantize MODEL -o OUT [--pq] [--cutoff K]           a smaller copy of MODEL (int8, PQ, pruning)\n"
    "  tokenize CONFIG.yaml|MODEL [FILE|-]                 the tokens (and ids) each line becomes\n"
    "  plot METRICS.jsonl [-o OUT.svg]                     learning curves of a run as an SVG file\n"
    "\n"
    "options:\n"
    "  -h, --help       this help (textclf COMMAND --help for a command's own)\n"
    "  -V, --version    print the version (and the OpenBLAS build and core it runs)\n"
    "  --help-config    every config key with its type, default and meaning\n"
    "\n"
    "exit status: 0 ok, 1 runtime error, 2 usage or config error, 130/143/129 stopped by\n"
    "SIGINT/SIGTERM/SIGHUP (a command ends after its last whole record).\n"
    "A closed output pipe (e.g. '| head') ends a command quietly with status 0.\n"
    "See textclf(1) for the config keys and examples.\n";

/* Runs the command; main() then checks that its output was written. */
static int dispatch(int argc, char **argv, const char *cmd)
{
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(USAGE, stdout);
        return TC_EXIT_OK;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("textclf %s (model format %u; OpenBLAS %s)\n", TC_VERSION, TC_FORMAT_VERSION, tc_blas_name());
        return TC_EXIT_OK;
    }
    if (!strcmp(cmd, "--help-config"))
        return tc_help_config();
    catch_signals();
    if (!strcmp(cmd, "train"))
        return tc_cmd_train(argc - 1, argv + 1, &signals.stop);
    if (!strcmp(cmd, "tune"))
        return tc_cmd_tune(argc - 1, argv + 1, &signals.stop);
    if (!strcmp(cmd, "eval"))
        return tc_cmd_eval(argc - 1, argv + 1, &signals);
    if (!strcmp(cmd, "predict"))
        return tc_cmd_predict(argc - 1, argv + 1, &signals);
    if (!strcmp(cmd, "tokenize"))
        return tc_cmd_tokenize(argc - 1, argv + 1, &signals);
    signals.at_once = 1;
    if (!strcmp(cmd, "info"))
        return tc_cmd_info(argc - 1, argv + 1);
    if (!strcmp(cmd, "quantize"))
        return tc_cmd_quantize(argc - 1, argv + 1);
    if (!strcmp(cmd, "plot"))
        return tc_cmd_plot(argc - 1, argv + 1);
    return tc_fail(TC_EXIT_USAGE, "unknown command '%s' (try 'textclf --help')", cmd);
}

int main(int argc, char **argv)
{
    keep_std_fds();
    if (argc < 2) {
        fputs(USAGE, stderr);
        return TC_EXIT_USAGE;
    }
    struct sigaction sp;
    memset(&sp, 0, sizeof sp);
    sp.sa_handler = tc_on_sigpipe;
    sigemptyset(&sp.sa_mask);
    sigaction(SIGPIPE, &sp, NULL); /* a closed pipe: EPIPE, then a quiet end (cmd.h) */
    /* Every command's output is flushed and checked here, --help and
     * --version included: a full disk is an error, a reader gone is not. */
    return tc_finish_output(dispatch(argc, argv, argv[1]), "the output");
}
