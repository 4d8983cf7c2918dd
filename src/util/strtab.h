/* strtab.h — string interning: maps byte strings to dense ids 0, 1, 2, … in
 * order of first insertion.  The one hash table of the project (vocabulary,
 * label names, n-gram-free word counting all use it).
 *
 * Strings are copied into one growing character pool and stay NUL-terminated;
 * lookups are open addressing with linear probing on a 64-bit FNV-1a hash. */
#ifndef TC_STRTAB_H
#define TC_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct tc_strtab {
    char *pool; /* all strings, each followed by '\0' */
    size_t pool_len, pool_cap;
    uint64_t *offs; /* offs[id] = offset of string id in pool; offs[n] = pool_len */
    uint32_t n;
    size_t cap_ids;
    uint32_t *slots; /* hash slots: id + 1, 0 = empty */
    uint32_t nslots; /* power of two */
} tc_strtab;

void tc_strtab_init(tc_strtab *t);
void tc_strtab_free(tc_strtab *t);

/* Returns the id of s (inserting it if new) or -1 on out-of-memory.
 * *added (may be NULL) is set to 1 if s was new. */
int64_t tc_strtab_intern(tc_strtab *t, const char *s, size_t len, int *added, tc_err *err);

/* Returns the id of s or -1 if absent. */
int64_t tc_strtab_find(const tc_strtab *t, const char *s, size_t len);

static inline const char *tc_strtab_str(const tc_strtab *t, uint32_t id)
{
    return t->pool + t->offs[id];
}
static inline size_t tc_strtab_len(const tc_strtab *t, uint32_t id)
{
    return (size_t)(t->offs[id + 1] - t->offs[id] - 1);
}

/* 64-bit FNV-1a; stable across runs and machines (used for hashing too). */
uint64_t tc_hash_bytes(const void *p, size_t len);

#endif
