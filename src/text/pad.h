/* pad.h — Keras pad_sequences for one row.
 *
 * A sequence longer than maxlen loses tokens at the start (truncating=pre) or
 * the end (post); a shorter one gets padding id 0 before (padding=pre) or after
 * (post) its tokens. */
#ifndef TC_PAD_H
#define TC_PAD_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* out (maxlen) ← ids (n). */
void tc_pad_row(int32_t *out, const int32_t *ids, size_t n, int maxlen, enum tc_side padding, enum tc_side truncating);

#endif
