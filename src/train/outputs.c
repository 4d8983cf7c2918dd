/* outputs.c — see outputs.h. */
#include "outputs.h"

int tc_train_outputs_prepare(tc_train_outputs *o, const tc_config *cfg, const char *config_path, const char *resume,
                             const char *ckpt, tc_err *err)
{
    o->model = o->ckpt = o->metrics = (tc_outlock)TC_OUTLOCK_INIT;
    const tc_fileref files[] = {
        {cfg->output.model, "-o (output.model)", 1},
        {ckpt, "output.checkpoint", 1},
        {cfg->output.metrics, "output.metrics", 1},
        {config_path, "the config", 0},
        {cfg->data.train, "data.train", 0},
        {cfg->data.valid, "data.valid", 0},
        {cfg->data.test, "data.test", 0},
        {cfg->model.pretrained, "model.pretrained", 0},
    };
    const tc_fileref resumed[] = {
        {cfg->output.model, "-o (output.model)", 1},
        {cfg->output.metrics, "output.metrics", 1},
        {resume, "--resume", 0},
    };
    if (tc_files_distinct(files, (int)(sizeof files / sizeof files[0]), err) < 0 ||
        tc_files_distinct(resumed, (int)(sizeof resumed / sizeof resumed[0]), err) < 0)
        return -1;
    if (tc_output_prepare(cfg->output.model, "-o (output.model)", &o->model, err) < 0 ||
        tc_output_prepare(ckpt, "output.checkpoint", &o->ckpt, err) < 0 ||
        (cfg->output.metrics[0] && tc_output_prepare(cfg->output.metrics, "output.metrics", &o->metrics, err) < 0)) {
        tc_train_outputs_release(o);
        return -1;
    }
    return 0;
}

void tc_train_outputs_release(tc_train_outputs *o)
{
    tc_outlock_release(&o->metrics);
    tc_outlock_release(&o->ckpt);
    tc_outlock_release(&o->model);
}
