/* schedule.h — the two decisions a training run makes over time: the
 * learning rate of each step, and whether to stop early.
 *
 * Learning rate.  Steps are counted from 0 over the whole run (S steps per
 * epoch, E epochs, N = S·E); lr0 is train.lr.  An optional warm-up of W =
 * round(warmup_epochs·S) steps comes first:
 *     step s < W:     lr = lr0 · (s + 1) / W
 * then the schedule, with u = s − W the step after the warm-up:
 *     constant        lr0
 *     linear          lr0 · (1 − u / (N − W))        fastText: reaches 0 at the end
 *     step            lr0 · decay ^ floor(u / P)      P = lr_decay_epochs · S (staircase)
 *     exponential     lr0 · decay ^ (u / P)           smooth (Keras ExponentialDecay)
 * Everything is a pure function of the step, so resuming needs no extra state.
 *
 * Early stopping (Keras EarlyStopping semantics).  After every epoch the
 * monitored validation score is offered to the tracker; it is an improvement
 * when it beats the best so far by more than min_delta (lower is better for
 * val_loss, higher for accuracy and macro-F1; the first epoch always
 * improves).  The tracker says stop when `patience` epochs in a row have not
 * improved; patience 0 never stops.  NaN never improves. */
#ifndef TC_SCHEDULE_H
#define TC_SCHEDULE_H

#include <stdint.h>

#include "config.h"

typedef struct tc_schedule {
    enum tc_lr_schedule kind;
    double lr0, decay;
    uint64_t steps, warmup, period; /* N, W, P of the formulas */
} tc_schedule;

/* From train.* for a run of `epochs` epochs of steps_per_epoch steps (>= 1). */
void tc_schedule_init(tc_schedule *s, const tc_config *cfg, uint64_t steps_per_epoch, uint64_t epochs);
/* The learning rate of step `step` (0-based). */
float tc_schedule_lr(const tc_schedule *s, uint64_t step);

typedef struct tc_stopper {
    int higher_is_better;
    double min_delta;
    int64_t patience; /* 0 = never stop */
    double best;      /* NaN until the first epoch */
    int best_epoch;   /* 1-based; 0 = none yet */
    int64_t wait;     /* epochs since the last improvement */
} tc_stopper;

void tc_stopper_init(tc_stopper *t, enum tc_monitor monitor, double min_delta, int64_t patience);
/* Offers epoch `epoch`'s score; returns 1 if it improved on the best so far.
 * *stop is set to 1 when training should end after this epoch. */
int tc_stopper_update(tc_stopper *t, int epoch, double value, int *stop);

#endif
