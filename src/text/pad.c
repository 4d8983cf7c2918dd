/* pad.c — see pad.h. */
#include "pad.h"

#include <string.h>

void tc_pad_row(int32_t *out, const int32_t *ids, size_t n, int maxlen, enum tc_side padding, enum tc_side truncating)
{
    size_t T = (size_t)maxlen;
    if (n > T) {
        ids += truncating == TC_PRE ? n - T : 0;
        n = T;
    }
    size_t lead = padding == TC_PRE ? T - n : 0;
    memset(out, 0, T * sizeof *out);
    memcpy(out + lead, ids, n * sizeof *ids);
}
