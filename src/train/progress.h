/* progress.h — what a training run shows on stderr.
 *
 * Two modes, chosen once from the stream:
 *   - a terminal: one status line per epoch, redrawn in place ('\r', then
 *     ESC[K to clear the rest of the line) at most ten times a second —
 *       epoch 3/10 [=========>..........] 31200/67349  312k rows/s  ETA 0:01  loss 0.2511
 *     cut to the terminal's width so it never wraps; when the epoch ends it
 *     is replaced by the permanent epoch line.  Colours (bar, "best") only
 *     when NO_COLOR is unset or empty and TERM is not "dumb".
 *   - anything else (a pipe, a file, nohup, CI): only the permanent lines,
 *     one per epoch, and never a control character.
 * The epoch line reads
 *     epoch 3/10  loss 0.2239  acc 0.9187  val_loss 0.4310  val_acc 0.8177  val_f1 0.8170  lr 0.0005  0.2s  338243 rows/s  best
 * Levels: 0 quiet (nothing), 1 normal, 2 verbose (also a detail line ten
 * times per epoch: batch, rows, running loss, learning rate). */
#ifndef TC_PROGRESS_H
#define TC_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "train/history.h"

typedef struct tc_progress {
    FILE *f;
    int level;              /* 0 quiet, 1 normal, 2 verbose */
    int tty;                /* redraw a status line in place */
    int color;              /* ANSI colours */
    int width;              /* terminal columns */
    int drawn;              /* a status line is on screen */
    double last_draw;       /* monotonic seconds of the last redraw */
    double t_epoch;         /* when this epoch (or its resumed part) began */
    uint64_t rows_at_start; /* rows already done when it began (resume) */
    int epoch, epochs;
    uint64_t rows;  /* rows per epoch */
    uint64_t steps; /* batches per epoch */
} tc_progress;

/* Looks at f (isatty, terminal width), NO_COLOR and TERM to pick the mode. */
void tc_progress_init(tc_progress *p, FILE *f, int level);
/* The same with the mode given (tests, or forcing plain output). */
void tc_progress_init_mode(tc_progress *p, FILE *f, int level, int tty, int color, int width);

/* Epoch `epoch` of `epochs` begins (or resumes with `done` rows behind it). */
void tc_progress_epoch_begin(tc_progress *p, int epoch, int epochs, uint64_t rows, uint64_t steps, uint64_t done);
/* After each batch: rows done so far this epoch, batches done, running loss, lr. */
void tc_progress_step(tc_progress *p, uint64_t done, uint64_t step, double loss, double lr);
/* The epoch ended: the permanent line (replaces the status line). */
void tc_progress_epoch_end(tc_progress *p, const tc_epoch_log *e);
/* A message line (printf format), printed above the status line. */
void tc_progress_note(tc_progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Removes the status line (before an error message or exit). */
void tc_progress_clear(tc_progress *p);

#endif
