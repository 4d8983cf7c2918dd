/* strtab.c — see strtab.h. */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

uint64_t tc_hash_bytes(const void *p, size_t len)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

void tc_strtab_init(tc_strtab *t)
{
    memset(t, 0, sizeof *t);
}

void tc_strtab_free(tc_strtab *t)
{
    free(t->pool);
    free(t->offs);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static int rehash(tc_strtab *t, uint32_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return -1;
    for (uint32_t id = 0; id < t->n; id++) {
        uint64_t h = tc_hash_bytes(tc_strtab_str(t, id), tc_strtab_len(t, id));
        uint32_t i = (uint32_t)h & (nslots - 1);
        while (slots[i])
            i = (i + 1) & (nslots - 1);
        slots[i] = id + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return 0;
}

int64_t tc_strtab_find(const tc_strtab *t, const char *s, size_t len)
{
    if (!t->nslots)
        return -1;
    uint32_t i = (uint32_t)tc_hash_bytes(s, len) & (t->nslots - 1);
    for (;;) {
        uint32_t v = t->slots[i];
        if (!v)
            return -1;
        uint32_t id = v - 1;
        if (tc_strtab_len(t, id) == len && memcmp(tc_strtab_str(t, id), s, len) == 0)
            return id;
        i = (i + 1) & (t->nslots - 1);
    }
}

int64_t tc_strtab_intern(tc_strtab *t, const char *s, size_t len, int *added, tc_err *err)
{
    if (added)
        *added = 0;
    int64_t found = tc_strtab_find(t, s, len);
    if (found >= 0)
        return found;
    if (t->n == UINT32_MAX - 1)
        return tc_err_set(err, "too many distinct strings (over %u)", (unsigned)(UINT32_MAX - 1));
    /* keep the load factor at or below 1/2 */
    if ((uint64_t)(t->n + 1) * 2 > t->nslots) {
        uint32_t ns = t->nslots ? t->nslots * 2 : 64;
        if (rehash(t, ns) < 0)
            return tc_err_oom(err, "string table");
    }
    if (tc_grow((void **)&t->offs, &t->cap_ids, (size_t)t->n + 2, sizeof *t->offs, "string table", err) < 0 ||
        tc_grow((void **)&t->pool, &t->pool_cap, t->pool_len + len + 1, 1, "string table", err) < 0)
        return -1;
    if (t->n == 0)
        t->offs[0] = 0;
    uint32_t id = t->n;
    memcpy(t->pool + t->pool_len, s, len);
    t->pool[t->pool_len + len] = '\0';
    t->pool_len += len + 1;
    t->offs[id + 1] = t->pool_len;
    t->n++;
    uint32_t i = (uint32_t)tc_hash_bytes(s, len) & (t->nslots - 1);
    while (t->slots[i])
        i = (i + 1) & (t->nslots - 1);
    t->slots[i] = id + 1;
    if (added)
        *added = 1;
    return id;
}
