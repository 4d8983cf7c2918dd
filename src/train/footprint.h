/* footprint.h — the memory a training run will need, estimated before the
 * model is allocated: a model that cannot fit is refused with the number and
 * the config key to change, instead of touching gigabytes for seconds and
 * then meeting the OOM killer (model.hidden: [40000, 40000] is 6.4 GB of
 * weights alone, 32 GB with what training keeps beside them).
 *
 * Counted: parameters, their gradients, the optimizer's state (Adam: two
 * moments; SGD: none), the trainer's copy of the best weights, and the
 * activations of one batch (forward and backward) — the corpus is already in
 * memory when this runs, so it is what "available" leaves. */
#ifndef TC_FOOTPRINT_H
#define TC_FOOTPRINT_H

#include <stdint.h>

#include "config.h"
#include "nn/model.h"
#include "util/err.h"

typedef struct tc_footprint {
    double params, grads, optim, best, acts; /* bytes */
    double total;
    const char *key; /* the config key behind the largest tensor */
} tc_footprint;

void tc_footprint_estimate(const tc_model_spec *s, const tc_config *cfg, tc_footprint *f);

/* Bytes of memory available now (MemAvailable), 0 if unknown. */
uint64_t tc_mem_available(void);

/* -1 with "the model needs about X GB to train (…), more than the Y GB
 * available; make KEY smaller" when the estimate exceeds available (bytes;
 * 0 = unknown: no check). */
int tc_footprint_check(const tc_footprint *f, uint64_t available, tc_err *err);

#endif
