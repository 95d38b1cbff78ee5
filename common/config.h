/*
 * Declarative YAML configuration (the only module that includes libyaml).
 *
 * A schema is a table of fields (name, type, where in the C struct, default, bounds, required),
 * like Redis's config table. The file is parsed once into the caller's struct; every value is
 * validated; every error names file:line:column and the key path, e.g.
 *   agent.yaml:12:9: node.tier: 'far_edge' is not one of near-premise, far-edge, near-edge,
 *   metro-edge, cloud (did you mean 'far-edge'?)
 * Unknown keys are rejected with the closest valid key suggested.
 */
#ifndef CORRIDOR_CONFIG_H
#define CORRIDOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    CORRIDOR_CFG_END = 0,     /* terminates a field table */
    CORRIDOR_CFG_STRING,      /* char[size] in the struct; size includes the NUL */
    CORRIDOR_CFG_INT,         /* integer stored as int32/uint32/int64/uint64 by size+is_signed */
    CORRIDOR_CFG_DOUBLE,      /* double */
    CORRIDOR_CFG_BOOL,        /* bool */
    CORRIDOR_CFG_ENUM,        /* int in the struct; value = index in enum_names */
    CORRIDOR_CFG_MAP,         /* nested struct described by sub (offset of the nested struct) */
    CORRIDOR_CFG_LIST,        /* array of elements: sub for maps, or elem_type for scalars */
} corridor_cfg_type;

struct corridor_cfg_ctx;

/* Extra check for a scalar after its type check. Return 0, or write a message (without the
 * position or key path: the loader adds them) and return -EINVAL. */
typedef int (*corridor_cfg_check_fn)(const void *value, char *msg, size_t msglen);

typedef struct corridor_cfg_field {
    const char *name;
    corridor_cfg_type type;
    size_t offset;            /* offsetof(struct, member) */
    size_t size;              /* sizeof(member) (for LIST: sizeof one element) */
    bool is_signed;           /* INT */
    bool required;
    const char *def;          /* default as YAML text, parsed like a value; NULL = zero */
    double min, max;          /* INT/DOUBLE bounds, inclusive; min == max == 0: unbounded */
    const char *const *enum_names; /* ENUM: NULL-terminated */
    const struct corridor_cfg_field *sub; /* MAP, LIST of maps */
    corridor_cfg_type elem_type;          /* LIST of scalars: element type (STRING/INT/...) */
    size_t count_offset;      /* LIST: offset of a size_t holding the element count */
    size_t max_count;         /* LIST: capacity of the fixed array */
    corridor_cfg_check_fn check;
    const char *help;         /* one line, for docs and --help */
} corridor_cfg_field;

typedef struct {
    char file[256];
    int line, column;         /* 1-based; 0 when the error has no position (file missing) */
    char path[256];           /* key path, "node.capacity.gpus" */
    char message[512];        /* what is wrong */
    char text[1100];          /* all of the above as one line: "file:line:col: path: message" */
} corridor_cfg_error;

/* Whole-struct checks after every field loaded (cross-field rules). Return 0 or -EINVAL after
 * corridor_cfg_fail(ctx, "agents.heartbeat_timeout_ms", "...") which positions the error at
 * that key (or at the document start if the key was not given). */
typedef int (*corridor_cfg_post_fn)(void *out, struct corridor_cfg_ctx *ctx);

int corridor_cfg_fail(struct corridor_cfg_ctx *ctx, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Load a YAML file into out (which the loader zeroes and fills with defaults first).
 * Returns 0, or a negative errno with *err filled: -ENOENT/-EACCES (file), -EINVAL (content). */
int corridor_cfg_load_file(const char *path, const corridor_cfg_field *schema,
                           corridor_cfg_post_fn post, void *out, corridor_cfg_error *err);
/* Same, from memory; name stands for the file name in messages. */
int corridor_cfg_load_string(const char *name, const char *text, size_t len,
                             const corridor_cfg_field *schema, corridor_cfg_post_fn post,
                             void *out, corridor_cfg_error *err);

/* Levenshtein distance, used for "did you mean"; exposed for corridorctl and tests. */
size_t corridor_cfg_edit_distance(const char *a, const char *b);

/* Common checks */
int corridor_cfg_check_id(const void *value, char *msg, size_t msglen);
int corridor_cfg_check_plmn(const void *value, char *msg, size_t msglen);
int corridor_cfg_check_country(const void *value, char *msg, size_t msglen);
int corridor_cfg_check_endpoint(const void *value, char *msg, size_t msglen); /* tcp://host:port, ipc://path, inproc://name */

/* Added for the daemons' schemas (both have the same `security:` and `log:` sections). */

/* security: {mode: null|curve, public_key_file, secret_key_file, server_key_file, allow_dir}
 * over a corridor_security (transport.h); the MAP field's offset is that of the struct. Mode
 * defaults to null; an unquoted YAML null (`mode: null`, `mode: ~`) means "null" too. */
extern const corridor_cfg_field corridor_cfg_security_schema[];
/* log.level choices, indexed like corridor_log_level: debug, info, warn, error; NULL-terminated */
extern const char *const corridor_cfg_log_level_names[];

/* Loader behaviour not spelled out above:
 * - "zeroes out": the bytes [0, end of the last field the schema describes) of *out.
 * - ENUM fields are stored as int; an unquoted YAML null selects a "null" enum name if any.
 * - STRING: an unquoted empty value or null is the empty string; a required one must not be
 *   empty.
 * - MAP: an empty value (`agents:` with everything under it commented out) is an empty mapping.
 * - LIST: the file's list replaces the default; an empty value is an empty list.
 * - Refused: anchors, aliases, tags, more than one document, files over 4 MiB, nesting deeper
 *   than 32, more than 200000 values.
 * - Positions: a bad value at the value; an unknown or duplicate key at the key; a missing key
 *   at its parent mapping (1:1 for the top level); corridor_cfg_fail at the value of the path
 *   it names if present, else at the nearest enclosing mapping present, else 1:1.
 * - *out is unspecified after an error. */

#endif
