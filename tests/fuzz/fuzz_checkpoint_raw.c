/* fuzz_checkpoint_raw.c — fuzz_checkpoint.c without the CRC fix-up: mutated
 * files reach the loader exactly as they are, so this target exercises the
 * magic, version, truncation and checksum checks. */
#define FUZZ_RAW 1
#include "fuzz_checkpoint.c"
