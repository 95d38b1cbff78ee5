#include "hashmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Deleted slots are tombstones so probe chains stay intact; a rehash clears them. */
#define TOMBSTONE ((char *)&tombstone_marker)
static const char tombstone_marker;

typedef struct {
    char *key;      /* NULL = empty, TOMBSTONE = deleted */
    void *value;
    uint64_t hash;
} slot;

struct corridor_hashmap {
    slot *slots;
    size_t cap;     /* power of two */
    size_t count;   /* live entries */
    size_t used;    /* live + tombstones */
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

corridor_hashmap *corridor_hashmap_new(size_t initial_capacity)
{
    corridor_hashmap *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    size_t cap = 16;
    while (cap < initial_capacity * 2)
        cap <<= 1;
    m->slots = calloc(cap, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    m->cap = cap;
    return m;
}

void corridor_hashmap_free(corridor_hashmap **pm)
{
    if (!pm || !*pm)
        return;
    corridor_hashmap *m = *pm;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key && m->slots[i].key != TOMBSTONE)
            free(m->slots[i].key);
    }
    free(m->slots);
    free(m);
    *pm = NULL;
}

static slot *find(const corridor_hashmap *m, const char *key, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        slot *s = &m->slots[i];
        if (!s->key)
            return NULL;
        if (s->key != TOMBSTONE && s->hash == h && strcmp(s->key, key) == 0)
            return s;
    }
}

void *corridor_hashmap_get(const corridor_hashmap *m, const char *key)
{
    slot *s = find(m, key, fnv1a(key));
    return s ? s->value : NULL;
}

static int rehash(corridor_hashmap *m, size_t new_cap)
{
    slot *ns = calloc(new_cap, sizeof *ns);
    if (!ns)
        return -ENOMEM;
    size_t mask = new_cap - 1;
    for (size_t i = 0; i < m->cap; i++) {
        slot *s = &m->slots[i];
        if (!s->key || s->key == TOMBSTONE)
            continue;
        size_t j = s->hash & mask;
        while (ns[j].key)
            j = (j + 1) & mask;
        ns[j] = *s;
    }
    free(m->slots);
    m->slots = ns;
    m->cap = new_cap;
    m->used = m->count;
    return 0;
}

int corridor_hashmap_put(corridor_hashmap *m, const char *key, void *value, void **old)
{
    uint64_t h = fnv1a(key);
    slot *s = find(m, key, h);
    if (old)
        *old = NULL;
    if (s) {
        if (old)
            *old = s->value;
        s->value = value;
        return 0;
    }
    /* keep the load (tombstones included) under 70 % */
    if ((m->used + 1) * 10 > m->cap * 7) {
        size_t cap = m->count * 2 + 2 > m->cap / 2 ? m->cap * 2 : m->cap;
        int rc = rehash(m, cap);
        if (rc)
            return rc;
    }
    char *k = strdup(key);
    if (!k)
        return -ENOMEM;
    size_t mask = m->cap - 1;
    size_t i = h & mask;
    while (m->slots[i].key && m->slots[i].key != TOMBSTONE)
        i = (i + 1) & mask;
    if (!m->slots[i].key)
        m->used++;
    m->slots[i] = (slot){.key = k, .value = value, .hash = h};
    m->count++;
    return 0;
}

void *corridor_hashmap_remove(corridor_hashmap *m, const char *key)
{
    slot *s = find(m, key, fnv1a(key));
    if (!s)
        return NULL;
    void *v = s->value;
    free(s->key);
    s->key = TOMBSTONE;
    s->value = NULL;
    m->count--;
    return v;
}

size_t corridor_hashmap_count(const corridor_hashmap *m) { return m->count; }

int corridor_hashmap_next(const corridor_hashmap *m, size_t *pos, const char **key, void **value)
{
    for (size_t i = *pos; i < m->cap; i++) {
        slot *s = &m->slots[i];
        if (s->key && s->key != TOMBSTONE) {
            if (key)
                *key = s->key;
            if (value)
                *value = s->value;
            *pos = i + 1;
            return 1;
        }
    }
    *pos = m->cap;
    return 0;
}
