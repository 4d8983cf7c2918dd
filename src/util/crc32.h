/* crc32.h — CRC-32 (IEEE 802.3, reflected, as zlib computes it): the model
 * file's checksum and the training data's fingerprint. */
#ifndef TC_CRC32_H
#define TC_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues crc over n bytes (start with 0); incremental calls compose. */
uint32_t tc_crc32(uint32_t crc, const void *p, size_t n);

#endif
