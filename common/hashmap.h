/* A string-keyed hash map (open addressing, linear probing, FNV-1a) for the node registry and
 * connection bindings. Keys are copied; values are the caller's pointers. */
#ifndef CORRIDOR_HASHMAP_H
#define CORRIDOR_HASHMAP_H

#include <stddef.h>

typedef struct corridor_hashmap corridor_hashmap;

corridor_hashmap *corridor_hashmap_new(size_t initial_capacity);
void corridor_hashmap_free(corridor_hashmap **m);   /* frees keys, not values */

void *corridor_hashmap_get(const corridor_hashmap *m, const char *key);
/* Insert or replace; returns 0, or -ENOMEM. *old (if not NULL) receives the replaced value. */
int corridor_hashmap_put(corridor_hashmap *m, const char *key, void *value, void **old);
/* Remove; returns the removed value or NULL. */
void *corridor_hashmap_remove(corridor_hashmap *m, const char *key);
size_t corridor_hashmap_count(const corridor_hashmap *m);

/* Iterate: start with *pos = 0; returns 0 at the end. Do not modify the map while iterating. */
int corridor_hashmap_next(const corridor_hashmap *m, size_t *pos, const char **key, void **value);

#endif
