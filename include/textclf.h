/* textclf.h — the public C API of libtextclf: classify texts with a model
 * file that `textclf train` wrote, inside your own program.
 *
 *     char err[256];
 *     textclf_model *m = textclf_open("model.bin", err, sizeof err);
 *     if (!m) { fprintf(stderr, "%s\n", err); return 1; }
 *     int label; float prob;
 *     if (textclf_predict(m, text, strlen(text), 1, &label, &prob) == 1)
 *         printf("%s\t%.5f\n", textclf_label_name(m, label), prob);
 *     textclf_close(m);
 *
 * Predictions are the ones `textclf predict` makes: the same tokenizer,
 * vocabulary, padding and inference path, bit-identical probabilities (a
 * batch gives each text the probabilities it gets alone), and the same
 * decisions — softmax models rank the labels, sigmoid (multi-label) models
 * keep the labels whose probability reaches the model's per-label threshold.
 *
 * Errors: textclf_open returns NULL and writes a one-line message into err;
 * every other call returns -1 and leaves the message in textclf_errmsg(m).
 * A handle holds scratch buffers: use one handle per thread (handles share
 * nothing, so several may be open at once).  The library never prints,
 * exits or installs signal handlers.
 *
 * ABI versioning.  The shared library is libtextclf.so.TEXTCLF_ABI_VERSION
 * and exports only the textclf_* functions below.  Within one ABI version
 * functions are only ever added, never changed or removed, and no struct is
 * part of the ABI (handles are opaque, results go into caller arrays), so a
 * program built against ABI N runs against any later library with the same
 * N; textclf_abi_version() tells a program what it was loaded against.  Any
 * incompatible change increments TEXTCLF_ABI_VERSION, and with it the soname. */
#ifndef TEXTCLF_H
#define TEXTCLF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TEXTCLF_ABI_VERSION 1

typedef struct textclf_model textclf_model;

/* The library's ABI version (TEXTCLF_ABI_VERSION it was built with) and its
 * release ("0.9.0"). */
int textclf_abi_version(void);
const char *textclf_version(void);

/* Opens a model file.  NULL on failure, with the reason in err (errlen
 * bytes, NUL-terminated; err may be NULL). */
textclf_model *textclf_open(const char *path, char *err, size_t errlen);
void textclf_close(textclf_model *m);

/* The last error of a call on m ("" if none). */
const char *textclf_errmsg(const textclf_model *m);

/* Labels: ids 0 .. num_labels-1, in the model's label order. */
int textclf_num_labels(const textclf_model *m);
/* NULL for an id out of range. */
const char *textclf_label_name(const textclf_model *m, int id);
/* 1 for a sigmoid (multi-label) model, 0 for softmax. */
int textclf_is_multilabel(const textclf_model *m);

/* Every label's probability for one text (len bytes of UTF-8; invalid bytes
 * are replaced as the tokenizer does): probs receives num_labels floats.
 * Returns 0 or -1. */
int textclf_predict_probs(textclf_model *m, const char *text, size_t len, float *probs);

/* The prediction for one text: up to k labels, best first, into labels[]
 * and their probabilities into probs[] (either may be NULL).  Softmax: the
 * k most probable labels.  Sigmoid: the labels whose probability reaches
 * their threshold, at most k (k <= 0: all of them).  A text with no tokens
 * (empty, or only spaces and punctuation) is classified from no evidence:
 * it gets the model's prior, as in textclf predict.  Returns how many labels
 * were written (0 .. k), or -1. */
int textclf_predict(textclf_model *m, const char *text, size_t len, int k, int *labels, float *probs);

/* Every label's probability for n texts at once (texts[i] of lens[i]
 * bytes): probs receives n × num_labels floats, text by text.  Faster than
 * n single calls; each text gets the same probabilities it gets alone.
 * Returns 0 or -1. */
int textclf_predict_batch(textclf_model *m, const char *const *texts, const size_t *lens, size_t n, float *probs);

/* The decision of textclf_predict, for probabilities a call above gave:
 * up to k labels (and their probabilities) from probs (num_labels floats).
 * Returns how many. */
int textclf_decide(const textclf_model *m, const float *probs, int k, int *labels, float *label_probs);

#ifdef __cplusplus
}
#endif

#endif
