/* schedule.c — see schedule.h. */
#include "schedule.h"

#include <math.h>

#include "train/trainer.h"

void tc_schedule_init(tc_schedule *s, const tc_config *cfg, uint64_t steps_per_epoch, uint64_t epochs)
{
    s->kind = cfg->train.lr_schedule;
    s->lr0 = tc_train_lr(cfg);
    s->decay = cfg->train.lr_decay;
    s->steps = steps_per_epoch * epochs;
    double w = floor((double)cfg->train.warmup_epochs * (double)steps_per_epoch + 0.5);
    s->warmup = w >= (double)s->steps ? s->steps : (uint64_t)w;
    s->period = (uint64_t)cfg->train.lr_decay_epochs * steps_per_epoch;
    if (s->period == 0)
        s->period = 1;
}

float tc_schedule_lr(const tc_schedule *s, uint64_t step)
{
    if (step < s->warmup)
        return (float)(s->lr0 * (double)(step + 1) / (double)s->warmup);
    uint64_t u = step - s->warmup;
    switch (s->kind) {
    case TC_LR_LINEAR: {
        uint64_t span = s->steps - s->warmup;
        return span == 0 || u >= span ? 0.0f : (float)(s->lr0 * (1.0 - (double)u / (double)span));
    }
    case TC_LR_STEP:
        return (float)(s->lr0 * pow(s->decay, (double)(u / s->period)));
    case TC_LR_EXPONENTIAL:
        return (float)(s->lr0 * pow(s->decay, (double)u / (double)s->period));
    default:
        return (float)s->lr0;
    }
}

void tc_stopper_init(tc_stopper *t, enum tc_monitor monitor, double min_delta, int64_t patience)
{
    t->higher_is_better = monitor != TC_MON_VAL_LOSS;
    t->min_delta = min_delta;
    t->patience = patience;
    t->best = NAN;
    t->best_epoch = 0;
    t->wait = 0;
}

int tc_stopper_update(tc_stopper *t, int epoch, double value, int *stop)
{
    int better;
    if (isnan(value))
        better = 0;
    else if (t->best_epoch == 0)
        better = 1;
    else if (t->higher_is_better)
        better = value - t->best > t->min_delta;
    else
        better = t->best - value > t->min_delta;
    if (better) {
        t->best = value;
        t->best_epoch = epoch;
        t->wait = 0;
    } else {
        t->wait++;
    }
    *stop = t->patience > 0 && t->wait >= t->patience;
    return better;
}
