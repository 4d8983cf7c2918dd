/* outputs.h — the files a training run writes, checked and locked before it
 * reads a row (store/safefile.h says how).
 *
 * Outputs: output.model, the resume checkpoint, output.metrics (if set).
 * Inputs none of them may be: the config file, data.train, data.valid,
 * data.test, model.pretrained, and (for the model and metrics) the --resume
 * file — resuming from output.checkpoint and writing it again is the normal
 * course. */
#ifndef TC_TRAIN_OUTPUTS_H
#define TC_TRAIN_OUTPUTS_H

#include "config.h"
#include "store/safefile.h"

typedef struct tc_train_outputs {
    tc_outlock model, ckpt, metrics;
} tc_train_outputs;

/* config_path and resume may be NULL; ckpt is the checkpoint path in use. */
int tc_train_outputs_prepare(tc_train_outputs *o, const tc_config *cfg, const char *config_path, const char *resume,
                             const char *ckpt, tc_err *err);
void tc_train_outputs_release(tc_train_outputs *o);

#endif
