/* A small streaming JSON writer (for --json output and the simulator's kpis.json).
 * It tracks commas and nesting; strings are escaped per RFC 8259; doubles never print as
 * NaN/Inf (null instead). Output is deterministic for deterministic input. */
#ifndef CORRIDOR_JSON_H
#define CORRIDOR_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CORRIDOR_JSON_MAX_DEPTH 32

typedef struct {
    FILE *f;
    int depth;
    bool first[CORRIDOR_JSON_MAX_DEPTH];
    bool pretty;
    bool after_key;
} corridor_json;

void corridor_json_init(corridor_json *j, FILE *f, bool pretty);
void corridor_json_obj_begin(corridor_json *j);
void corridor_json_obj_end(corridor_json *j);
void corridor_json_arr_begin(corridor_json *j);
void corridor_json_arr_end(corridor_json *j);
void corridor_json_key(corridor_json *j, const char *key);
void corridor_json_str(corridor_json *j, const char *s);
void corridor_json_u64(corridor_json *j, uint64_t v);
void corridor_json_i64(corridor_json *j, int64_t v);
void corridor_json_dbl(corridor_json *j, double v, int decimals);
void corridor_json_bool(corridor_json *j, bool v);
void corridor_json_null(corridor_json *j);
/* key + value shorthands */
void corridor_json_kstr(corridor_json *j, const char *k, const char *v);
void corridor_json_ku64(corridor_json *j, const char *k, uint64_t v);
void corridor_json_ki64(corridor_json *j, const char *k, int64_t v);
void corridor_json_kdbl(corridor_json *j, const char *k, double v, int decimals);
void corridor_json_kbool(corridor_json *j, const char *k, bool v);
/* end the document with a newline */
void corridor_json_finish(corridor_json *j);

#endif
