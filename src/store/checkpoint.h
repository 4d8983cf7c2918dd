/* checkpoint.h — the model file: everything predict needs, in one file.
 *
 * Layout (all integers little-endian):
 *   magic "TEXTCLF\0" (8) | u32 format version | writer's textclf version
 *   (16 bytes, NUL-padded) | u32 section count
 *   section*: tag (4 ASCII) | u32 0 | u64 payload length | payload
 *   u32 CRC-32 (IEEE) of every byte before it
 * Sections, found by their tag (their order in the file does not matter),
 * each at most once; required:
 *   CONF  the resolved config as YAML (config.h reads it back)
 *   KIND  u32 task: 0 single-label (one label per row), 1 multi-label
 *   META  "key=value" lines: the training summary, for people (textclf info);
 *         nothing the program decides by is read back from it
 *   VOCB  u32 count, then count × (u32 length, bytes): words with ids 2, 3, …
 *   LABL  the same for label names, in label-id order
 *   TENS  u32 count, count × (u8 name length, name, u32 rows, u32 cols), then
 *         the float32 values of every tensor, in order, back to back
 * and optionally:
 *   THRS  u32 count (= the label count), then count float32 decision
 *         thresholds in label-id order (eval --tune-thresholds; each in [0, 1])
 *   TRST  training state (optimizer moments, epoch, RNG, data order) for
 *         resuming; opaque bytes here, defined by the trainer
 *   QUAN  quantized weights (quant.h); the TENS section then holds the
 *         tensor table only, no values
 *   FEAT  the compact feature map (vocab.h): u32 version 1 | u32
 *         tokenizer.buckets | u32 n | n LEB128 varints: the first bucket,
 *         then each gap to the next (>= 1); without it every bucket has a row
 *
 * Older files: format 1 (textclf 0.1.0 before typed metadata) kept the task
 * and thresholds as META text; such a file is refused with a message naming
 * the textclf that wrote it and asking to retrain (a model trains in seconds
 * to minutes, and a second reader for an old layout is code that would
 * otherwise never run).
 *
 * The config is stored with output.* (model, checkpoint, metrics paths) at
 * their defaults, so the bytes do not depend on where files are written.
 * Saving builds the small sections in memory and writes them, the weights
 * and the training state (straight from where they are) to a temporary file in the same
 * directory, fsyncs it, renames it over the target and fsyncs the directory:
 * the target is always either the old file or the complete new one.
 * Loading reads the file with pread (never mmap: a file truncated or rewritten
 * while mapped would kill the reader with SIGBUS; changed under a read it is a
 * "truncated" or checksum error), checks the magic before allocating by the
 * file's size, drops the weights' pages as they are copied (so it needs about
 * the model's size in memory, not twice), and checks version, the checksum and
 * every length and count against the bytes that are really there before it
 * allocates anything sized by them. */
#ifndef TC_CHECKPOINT_H
#define TC_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store/safefile.h" /* tc_write_atomic: how a checkpoint is saved */
#include "nn/model.h"
#include "store/quant.h"
#include "text/vocab.h"
#include "util/crc32.h" /* the checksum, for callers that check files */
#include "util/strtab.h"

#define TC_META_MAX 65536

enum tc_task { TC_TASK_SINGLE_LABEL = 0, TC_TASK_MULTI_LABEL = 1 };

typedef struct tc_bundle {
    tc_config cfg; /* resolved: maxlen and head fixed by training */
    tc_vocab vocab;
    tc_strtab labels;
    tc_model *model;
    enum tc_task task;      /* KIND */
    unsigned format;        /* the file's format version and the textclf that wrote it */
    char writer[17];        /* (set by loading; saving writes this textclf's) */
    float *thresholds;      /* THRS: (labels.n) per-label thresholds (malloc'd, owned), NULL if none */
    char meta[TC_META_MAX]; /* "key=value\n" lines: the training summary */
    tc_quant *quant;        /* quantized weights (owned), NULL for a float model: saved in QUAN
                               * instead of TENS's values; loading decodes them into model */
    void *state;            /* optional TRST section (malloc'd, owned), NULL if none */
    size_t state_len;
} tc_bundle;

void tc_bundle_init(tc_bundle *b);
void tc_bundle_free(tc_bundle *b);

int tc_checkpoint_save(const char *path, const tc_bundle *b, tc_err *err);
int tc_checkpoint_load(const char *path, tc_bundle *b, tc_err *err);
/* The same from bytes already in memory (name is used in messages); the
 * bundle copies what it keeps, so data may be freed afterwards. */
int tc_checkpoint_load_mem(const void *data, size_t len, const char *name, tc_bundle *b, tc_err *err);

/* 1 if the file at path starts with the model file's magic number. */
int tc_checkpoint_is_model(const char *path);

/* Value of `key` in b->meta copied into out (NUL-terminated); 0 if found, -1 if not. */
int tc_meta_get(const tc_bundle *b, const char *key, char *out, size_t cap);

#endif
