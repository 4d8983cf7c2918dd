/* progress.c — see progress.h. */
#include "progress.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_SECONDS 0.1
#define LINE_MAX_COLS 512
#define BAR_MIN 10
#define BAR_MAX 30

static const char CLEAR_LINE[] = "\r\033[K";
static const char GREEN[] = "\033[32m", BOLD_GREEN[] = "\033[1;32m", RESET[] = "\033[0m";

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void tc_progress_init_mode(tc_progress *p, FILE *f, int level, int tty, int color, int width)
{
    memset(p, 0, sizeof *p);
    p->f = f;
    p->level = f ? level : 0;
    p->tty = tty;
    p->color = tty && color;
    p->width = width < 20 ? 20 : width > LINE_MAX_COLS ? LINE_MAX_COLS : width;
    p->last_draw = -1e30;
}

void tc_progress_init(tc_progress *p, FILE *f, int level)
{
    int tty = 0, color = 0, width = 80;
    if (f && isatty(fileno(f))) {
        const char *term = getenv("TERM"), *nc = getenv("NO_COLOR");
        tty = !(term && !strcmp(term, "dumb"));
        color = tty && !(nc && nc[0]);
        struct winsize ws;
        const char *cols = getenv("COLUMNS");
        if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
            width = ws.ws_col;
        else if (cols && atoi(cols) > 0)
            width = atoi(cols);
    }
    tc_progress_init_mode(p, f, level, tty, color, width);
}

void tc_progress_clear(tc_progress *p)
{
    if (p->drawn) {
        fputs(CLEAR_LINE, p->f);
        fflush(p->f);
        p->drawn = 0;
    }
}

void tc_progress_epoch_begin(tc_progress *p, int epoch, int epochs, uint64_t rows, uint64_t steps, uint64_t done)
{
    p->epoch = epoch, p->epochs = epochs, p->rows = rows, p->steps = steps;
    p->rows_at_start = done;
    p->t_epoch = now();
    p->last_draw = -1e30;
}

/* "312", "31.2k", "3.1M" */
static void fmt_rate(char *out, size_t n, double r)
{
    if (r < 1e4)
        snprintf(out, n, "%.0f", r);
    else if (r < 1e6)
        snprintf(out, n, "%.0fk", r / 1e3);
    else
        snprintf(out, n, "%.1fM", r / 1e6);
}

/* "0:07", "12:34", "1:02:03" */
static void fmt_eta(char *out, size_t n, double s)
{
    if (!(s >= 0) || s > 359999)
        s = 359999;
    unsigned t = (unsigned)(s + 0.5);
    if (t >= 3600)
        snprintf(out, n, "%u:%02u:%02u", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, n, "%u:%02u", t / 60, t % 60);
}

/* The status line: its text without colour goes to plain (for the width), and
 * the bar, if there is room, between prefix and tail. */
static void draw(tc_progress *p, uint64_t done, double loss, double t)
{
    double el = t - p->t_epoch, rate = el > 0 ? (double)(done - p->rows_at_start) / el : 0;
    char rs[32], eta[32], prefix[64], tail[192];
    fmt_rate(rs, sizeof rs, rate);
    fmt_eta(eta, sizeof eta, rate > 0 ? (double)(p->rows - done) / rate : -1);
    snprintf(prefix, sizeof prefix, "epoch %d/%d ", p->epoch, p->epochs);
    snprintf(tail, sizeof tail, " %llu/%llu  %s rows/s  ETA %s  loss %.4f", (unsigned long long)done,
             (unsigned long long)p->rows, rs, rate > 0 ? eta : "-", loss);
    int room = p->width - 1 - (int)strlen(prefix) - (int)strlen(tail) - 2;
    int bar = room > BAR_MAX ? BAR_MAX : room;
    char line[LINE_MAX_COLS * 2 + 64];
    size_t o = 0;
    o += (size_t)snprintf(line + o, sizeof line - o, "%s%s", CLEAR_LINE, prefix);
    if (bar >= BAR_MIN) {
        int fill = p->rows ? (int)((double)bar * (double)done / (double)p->rows) : bar;
        line[o++] = '[';
        if (p->color)
            o += (size_t)snprintf(line + o, sizeof line - o, "%s", GREEN);
        for (int i = 0; i < bar; i++)
            line[o++] = i < fill ? '=' : (i == fill ? '>' : '.');
        if (p->color)
            o += (size_t)snprintf(line + o, sizeof line - o, "%s", RESET);
        line[o++] = ']';
    }
    /* the tail is cut so the line never reaches the last column (no wrap) */
    int used = (int)strlen(prefix) + (bar >= BAR_MIN ? bar + 2 : 0);
    int keep = p->width - 1 - used;
    if (keep < 0)
        keep = 0;
    o += (size_t)snprintf(line + o, sizeof line - o, "%.*s", keep, tail);
    fwrite(line, 1, o, p->f);
    fflush(p->f);
    p->drawn = 1;
    p->last_draw = t;
}

void tc_progress_step(tc_progress *p, uint64_t done, uint64_t step, double loss, double lr)
{
    if (p->level == 0)
        return;
    uint64_t every = (p->steps + 9) / 10; /* at most ten detail lines an epoch */
    double t = now();
    if (p->level >= 2 && (step % every == 0 || done == p->rows)) {
        tc_progress_clear(p);
        fprintf(p->f, "  epoch %d batch %llu/%llu  rows %llu  loss %.4f  lr %.4g  %.1fs\n", p->epoch,
                (unsigned long long)step, (unsigned long long)p->steps, (unsigned long long)done, loss, lr,
                t - p->t_epoch);
        p->last_draw = -1e30;
    }
    if (p->tty && (t - p->last_draw >= REDRAW_SECONDS || done == p->rows))
        draw(p, done, loss, t);
    else if (!p->tty)
        fflush(p->f);
}

void tc_progress_epoch_end(tc_progress *p, const tc_epoch_log *e)
{
    if (p->level == 0)
        return;
    tc_progress_clear(p);
    fprintf(p->f, "epoch %d/%d  loss %.4f  acc %.4f", e->epoch, p->epochs, e->loss, e->accuracy);
    if (e->has_val)
        fprintf(p->f, "  val_loss %.4f  val_acc %.4f  val_f1 %.4f", e->val_loss, e->val_accuracy, e->val_macro_f1);
    fprintf(p->f, "  lr %.4g  %.1fs  %.0f rows/s", e->lr, e->seconds, e->rows_per_s);
    if (e->best)
        fprintf(p->f, "  %sbest%s", p->color ? BOLD_GREEN : "", p->color ? RESET : "");
    fputc('\n', p->f);
    fflush(p->f);
}

void tc_progress_note(tc_progress *p, const char *fmt, ...)
{
    if (p->level == 0)
        return;
    tc_progress_clear(p);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->f, fmt, ap);
    va_end(ap);
    fputc('\n', p->f);
    fflush(p->f);
}
