/*
 * Declarative YAML configuration loader (see config.h). The only file that includes libyaml.
 *
 * Loading is two passes. First libyaml's event API turns the text into a small tree of our own
 * (scalars, mappings, sequences, each with its 1-based line:column). We build the tree from
 * events rather than use libyaml's document API because only events show anchors and aliases,
 * which we reject: an alias can make the document API build a cyclic graph, and a chain of them
 * can blow a small file up into a huge one. Then the tree is walked against the schema, which
 * stores every value into the caller's struct and stops at the first error. The tree is kept
 * until the post callback has run, so corridor_cfg_fail() can point at the key it names.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#define CFG_MAX_FILE_BYTES (4u << 20) /* a config is a few KiB; refuse anything absurd */
#define CFG_MAX_DEPTH 32              /* nesting of mappings and sequences */
#define CFG_MAX_NODES 200000          /* bounds memory: 4 MiB of "[a,a,a..." is 2M nodes */
#define CFG_QUOTE_MAX 60              /* user text quoted in a message is cut after this */
#define CFG_QBUF (CFG_QUOTE_MAX * 2 + 8)   /* sanitized text: escapes and "..." */
#define CFG_DBUF (CFG_QBUF + 4)            /* the same, quoted */
#define CFG_PATH_MAX 256              /* sizeof(corridor_cfg_error.path) */
#define CFG_SUGGEST_MAX_LEN 128       /* no "did you mean" for longer input: not a typo */

/* ---------------------------------------------------------------------------------------- */
/* The tree                                                                                   */

typedef enum { NODE_SCALAR, NODE_MAP, NODE_SEQ } cfg_node_kind;

typedef struct cfg_node {
    cfg_node_kind kind;
    int line, col;             /* 1-based start of the node */
    bool plain;                /* unquoted scalar: only these can be YAML null */
    char *value;               /* scalar text, NUL-terminated (may contain NULs: see len) */
    size_t len;
    struct cfg_node **kids;    /* MAP: key, value, key, value, ...; SEQ: the entries */
    size_t n, cap;
} cfg_node;

static void node_free(cfg_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        node_free(n->kids[i]);
    free(n->kids);
    free(n->value);
    free(n);
}

static int node_add_kid(cfg_node *parent, cfg_node *kid)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        cfg_node **k = realloc(parent->kids, cap * sizeof *k);
        if (!k)
            return -ENOMEM;
        parent->kids = k;
        parent->cap = cap;
    }
    parent->kids[parent->n++] = kid;
    return 0;
}

/* YAML null in the core schema: an unquoted empty value, ~, null, Null or NULL. */
static bool node_is_null(const cfg_node *n)
{
    if (n->kind != NODE_SCALAR || !n->plain)
        return false;
    return n->len == 0 || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0 ||
           strcmp(n->value, "Null") == 0 || strcmp(n->value, "NULL") == 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Errors                                                                                     */

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Text from the file, made safe to quote in a one-line message: control characters escaped
 * and long text cut with "...". */
static void sanitize(char *out, size_t cap, const char *s, size_t len, size_t max_chars)
{
    size_t o = 0, i;
    for (i = 0; i < len && i < max_chars; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[5] = {0};
        if (c == '\n')
            memcpy(esc, "\\n", 2);
        else if (c == '\t')
            memcpy(esc, "\\t", 2);
        else if (c < 0x20 || c == 0x7f)
            memcpy(esc, "?", 1);
        else
            esc[0] = (char)c;
        size_t el = strlen(esc);
        if (o + el + 4 > cap)
            break;
        memcpy(out + o, esc, el);
        o += el;
    }
    if (i < len && o + 4 <= cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static void error_compose(corridor_cfg_error *err)
{
    if (err->line > 0)
        snprintf(err->text, sizeof err->text, "%s:%d:%d: %s: %s", err->file, err->line,
                 err->column, err->path, err->message);
    else if (err->path[0])
        snprintf(err->text, sizeof err->text, "%s: %s: %s", err->file, err->path, err->message);
    else
        snprintf(err->text, sizeof err->text, "%s: %s", err->file, err->message);
}

static void error_setv(corridor_cfg_error *err, int line, int col, const char *path,
                       const char *fmt, va_list ap)
{
    err->line = line;
    err->column = col;
    copy_str(err->path, sizeof err->path, path && path[0] ? path : (line > 0 ? "(document)" : ""));
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    error_compose(err);
}

/* Fills *err and returns -EINVAL, so callers can `return cfg_error(...)`. */
__attribute__((format(printf, 5, 6)))
static int cfg_error(corridor_cfg_error *err, int line, int col, const char *path,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_setv(err, line, col, path, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* ---------------------------------------------------------------------------------------- */
/* Key paths: "node.capacity.gpus", "routes[2].dst"                                           */

/* Paths are cut at CFG_PATH_MAX - 1 bytes; a path that long is a mistake anyway. */
static void path_cat(char out[CFG_PATH_MAX], const char *parent, const char *sep, const char *tail)
{
    char tmp[CFG_PATH_MAX];
    size_t o = 0;
    const char *parts[3] = {parent, parent[0] ? sep : "", tail};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(parts[i]);
        if (n > CFG_PATH_MAX - 1 - o)
            n = CFG_PATH_MAX - 1 - o;
        memcpy(tmp + o, parts[i], n);
        o += n;
    }
    tmp[o] = '\0';
    memcpy(out, tmp, o + 1);
}

static void path_join(char out[CFG_PATH_MAX], const char *parent, const char *key, size_t keylen)
{
    char k[CFG_PATH_MAX];
    sanitize(k, sizeof k, key, keylen, CFG_QUOTE_MAX);
    path_cat(out, parent, ".", k);
}

static void path_index(char out[CFG_PATH_MAX], const char *parent, size_t i)
{
    char idx[32];
    snprintf(idx, sizeof idx, "[%zu]", i);
    path_cat(out, parent, "", idx);
}

/* ---------------------------------------------------------------------------------------- */
/* Edit distance and "did you mean"                                                           */

size_t corridor_cfg_edit_distance(const char *a, const char *b)
{
    a = a ? a : "";
    b = b ? b : "";
    size_t la = strlen(a), lb = strlen(b);
    if (la == 0 || lb == 0)
        return la + lb;
    if (lb >= SIZE_MAX / sizeof(size_t))
        return la > lb ? la : lb;
    size_t *row = malloc((lb + 1) * sizeof *row);
    if (!row)
        return la > lb ? la : lb; /* an upper bound: never suggests on allocation failure */
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

typedef struct {
    const char *input;
    size_t limit;              /* max(2, len/3) */
    const char *best;
    size_t best_dist;
} suggester;

static void suggest_init(suggester *s, const char *input)
{
    size_t len = strlen(input);
    s->input = input;
    s->limit = len / 3 > 2 ? len / 3 : 2;
    s->best = NULL;
    s->best_dist = SIZE_MAX;
    if (len == 0 || len > CFG_SUGGEST_MAX_LEN)
        s->limit = 0; /* nothing to go on, or not a typo */
}

static void suggest_consider(suggester *s, const char *cand)
{
    size_t li = strlen(s->input), lc = strlen(cand);
    if (s->limit == 0)
        return;
    size_t d = corridor_cfg_edit_distance(s->input, cand);
    /* "warning" for "warn", "metro" for "metro-edge": a prefix is a good guess too */
    size_t shorter = li < lc ? li : lc;
    if (d > s->limit && shorter >= 3 && strncmp(s->input, cand, shorter) == 0)
        d = s->limit;
    if (d <= s->limit && d < s->best_dist) {
        s->best = cand;
        s->best_dist = d;
    }
}

/* "a, b, c" into out */
static void join_names(char *out, size_t cap, const char *const *names)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; names[i] && o + 1 < cap; i++) {
        int w = snprintf(out + o, cap - o, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

static void join_fields(char *out, size_t cap, const corridor_cfg_field *schema)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; schema[i].type != CORRIDOR_CFG_END && o + 1 < cap; i++) {
        int w = snprintf(out + o, cap - o, "%s%s", i ? ", " : "", schema[i].name);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Pass 1: events to tree                                                                     */

typedef struct {
    yaml_parser_t parser;
    corridor_cfg_error *err;
    const unsigned char *text;
    size_t len;
    cfg_node *root;
    cfg_node *stack[CFG_MAX_DEPTH];
    size_t depth;
    size_t nodes;
    int documents;
} builder;

/* Where the parser was, as a key path: the keys whose values are open, and the index of the
 * sequence entry being read. Best effort, for syntax errors. */
static void builder_path(const builder *b, char out[CFG_PATH_MAX])
{
    char tmp[CFG_PATH_MAX];
    out[0] = '\0';
    for (size_t i = 0; i < b->depth; i++) {
        const cfg_node *f = b->stack[i];
        bool top = i + 1 == b->depth;
        if (f->kind == NODE_MAP) {
            /* an open mapping or sequence value is already attached after its key */
            size_t key = top ? f->n - 1 : f->n - 2;
            if (top && f->n % 2 == 0)
                break; /* between entries: the map itself is the place */
            if (f->n < 2 && !top)
                break;
            const cfg_node *k = f->kids[key];
            if (k->kind != NODE_SCALAR)
                break;
            path_join(tmp, out, k->value, k->len);
        } else {
            path_index(tmp, out, top ? f->n : (f->n ? f->n - 1 : 0));
        }
        memcpy(out, tmp, CFG_PATH_MAX);
    }
}

/* libyaml's reader errors give a byte offset, not a mark. */
static void offset_to_mark(const builder *b, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < b->len; i++) {
        if (b->text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if ((b->text[i] & 0xc0) != 0x80) {
            (*col)++; /* count characters, as libyaml's marks do, not UTF-8 bytes */
        }
    }
}

static int mark_int(size_t v)
{
    return v >= (size_t)INT32_MAX ? INT32_MAX : (int)v + 1;
}

static int builder_syntax_error(builder *b)
{
    const yaml_parser_t *p = &b->parser;
    char path[CFG_PATH_MAX];
    int line, col;
    builder_path(b, path);
    if (p->error == YAML_MEMORY_ERROR) {
        cfg_error(b->err, 1, 1, path, "out of memory while parsing");
        return -ENOMEM;
    }
    if (p->error == YAML_READER_ERROR) {
        offset_to_mark(b, p->problem_offset, &line, &col);
    } else {
        line = mark_int(p->problem_mark.line);
        col = mark_int(p->problem_mark.column);
    }
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->context && p->context_mark.line + 1 != (size_t)line)
        return cfg_error(b->err, line, col, path, "syntax error: %s (%s that starts at line %d)",
                         problem, p->context, mark_int(p->context_mark.line));
    if (p->context)
        return cfg_error(b->err, line, col, path, "syntax error: %s (%s)", problem, p->context);
    return cfg_error(b->err, line, col, path, "syntax error: %s", problem);
}

__attribute__((format(printf, 3, 4)))
static int builder_fail(builder *b, const yaml_mark_t *m, const char *fmt, ...)
{
    char path[CFG_PATH_MAX];
    va_list ap;
    builder_path(b, path);
    va_start(ap, fmt);
    error_setv(b->err, mark_int(m->line), mark_int(m->column), path, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* Anchors and explicit tags are refused: anchors exist only to be aliased, and tags would let
 * a value claim a type other than the one the schema gives it. */
static int builder_check_props(builder *b, const yaml_event_t *ev, const yaml_char_t *anchor,
                               const yaml_char_t *tag)
{
    char q[CFG_QBUF];
    if (anchor) {
        sanitize(q, sizeof q, (const char *)anchor, strlen((const char *)anchor), CFG_QUOTE_MAX);
        return builder_fail(b, &ev->start_mark,
                            "anchors (&%s) are not supported; write the value out", q);
    }
    if (tag) {
        const char *t = (const char *)tag;
        static const char core[] = "tag:yaml.org,2002:"; /* what !! expands to */
        bool is_core = strncmp(t, core, sizeof core - 1) == 0;
        if (is_core)
            t += sizeof core - 1;
        sanitize(q, sizeof q, t, strlen(t), CFG_QUOTE_MAX);
        if (is_core)
            return builder_fail(b, &ev->start_mark, "YAML tags (!!%s) are not supported", q);
        return builder_fail(b, &ev->start_mark, "YAML tags (%s) are not supported", q);
    }
    return 0;
}

static int builder_attach(builder *b, const yaml_event_t *ev, cfg_node *n)
{
    n->line = mark_int(ev->start_mark.line);
    n->col = mark_int(ev->start_mark.column);
    if (b->depth == 0) {
        if (b->root) { /* cannot happen: a second document is refused at its start */
            node_free(n);
            return builder_fail(b, &ev->start_mark, "more than one top-level value");
        }
        b->root = n;
        return 0;
    }
    cfg_node *parent = b->stack[b->depth - 1];
    bool is_key = parent->kind == NODE_MAP && parent->n % 2 == 0;
    if (node_add_kid(parent, n) < 0) {
        node_free(n);
        builder_fail(b, &ev->start_mark, "out of memory");
        return -ENOMEM;
    }
    if (is_key && n->kind != NODE_SCALAR) {
        return builder_fail(b, &ev->start_mark, "a key must be a plain name, not a %s",
                            n->kind == NODE_MAP ? "mapping" : "sequence");
    }
    return 0;
}

static cfg_node *builder_new(builder *b, cfg_node_kind kind)
{
    if (b->nodes >= CFG_MAX_NODES)
        return NULL;
    cfg_node *n = calloc(1, sizeof *n);
    if (n) {
        n->kind = kind;
        b->nodes++;
    }
    return n;
}

static int builder_too_many(builder *b, const yaml_event_t *ev)
{
    if (b->nodes >= CFG_MAX_NODES)
        return builder_fail(b, &ev->start_mark, "too many values in one file (max %d)",
                            CFG_MAX_NODES);
    builder_fail(b, &ev->start_mark, "out of memory");
    return -ENOMEM;
}

static int builder_scalar(builder *b, const yaml_event_t *ev)
{
    int rc = builder_check_props(b, ev, ev->data.scalar.anchor, ev->data.scalar.tag);
    if (rc)
        return rc;
    cfg_node *n = builder_new(b, NODE_SCALAR);
    if (!n)
        return builder_too_many(b, ev);
    n->len = ev->data.scalar.length;
    n->value = malloc(n->len + 1);
    if (!n->value) {
        node_free(n);
        return builder_too_many(b, ev);
    }
    memcpy(n->value, ev->data.scalar.value, n->len);
    n->value[n->len] = '\0';
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return builder_attach(b, ev, n);
}

static int builder_open(builder *b, const yaml_event_t *ev, cfg_node_kind kind)
{
    const yaml_char_t *anchor = kind == NODE_MAP ? ev->data.mapping_start.anchor
                                                 : ev->data.sequence_start.anchor;
    const yaml_char_t *tag = kind == NODE_MAP ? ev->data.mapping_start.tag
                                              : ev->data.sequence_start.tag;
    int rc = builder_check_props(b, ev, anchor, tag);
    if (rc)
        return rc;
    if (b->depth >= CFG_MAX_DEPTH)
        return builder_fail(b, &ev->start_mark, "nesting too deep (max %d levels)", CFG_MAX_DEPTH);
    cfg_node *n = builder_new(b, kind);
    if (!n)
        return builder_too_many(b, ev);
    rc = builder_attach(b, ev, n);
    if (rc)
        return rc;
    b->stack[b->depth++] = n;
    return 0;
}

static int builder_event(builder *b, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->documents > 1)
            return builder_fail(b, &ev->start_mark,
                                "multiple YAML documents are not supported");
        return 0;
    case YAML_ALIAS_EVENT:
        return builder_fail(b, &ev->start_mark,
                            "aliases (*name) are not supported; write the value out");
    case YAML_SCALAR_EVENT:
        return builder_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        return builder_open(b, ev, NODE_SEQ);
    case YAML_MAPPING_START_EVENT:
        return builder_open(b, ev, NODE_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (b->depth > 0)
            b->depth--;
        return 0;
    default:
        return 0;
    }
}

/* Parse text into a tree (*root, NULL for an empty stream). On error *err is filled. */
static int build_tree(const char *text, size_t len, corridor_cfg_error *err, cfg_node **root)
{
    builder b;
    memset(&b, 0, sizeof b);
    b.err = err;
    b.text = (const unsigned char *)text;
    b.len = len;
    *root = NULL;
    if (!yaml_parser_initialize(&b.parser)) {
        cfg_error(err, 1, 1, "", "out of memory");
        return -ENOMEM;
    }
    yaml_parser_set_input_string(&b.parser, b.text, len);
    int rc = 0;
    for (bool done = false; !done && rc == 0;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&b.parser, &ev)) {
            rc = builder_syntax_error(&b);
            break;
        }
        rc = builder_event(&b, &ev);
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&b.parser);
    if (rc) {
        node_free(b.root);
        return rc;
    }
    *root = b.root;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Pass 2: tree to struct                                                                     */

typedef struct {
    corridor_cfg_error *err;
    const cfg_node *root;
    bool defaults;             /* applying schema defaults: errors are schema bugs */
} walker;

__attribute__((format(printf, 4, 5)))
static int walk_error(const walker *w, const cfg_node *at, const char *path, const char *fmt, ...)
{
    va_list ap;
    char msg[sizeof w->err->message];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (w->defaults)
        return cfg_error(w->err, 0, 0, path, "invalid schema default: %s", msg);
    /* the root mapping's own mark is wherever its first key is: 1:1 reads better */
    if (!at || at == w->root)
        return cfg_error(w->err, 1, 1, path, "%s", msg);
    return cfg_error(w->err, at->line, at->col, path, "%s", msg);
}

/* "a mapping", "a sequence", "'abc'", "an empty value" */
static const char *describe(const cfg_node *n, char *buf, size_t cap)
{
    if (n->kind == NODE_MAP)
        return "a mapping";
    if (n->kind == NODE_SEQ)
        return "a sequence";
    if (n->plain && n->len == 0)
        return "an empty value";
    char q[CFG_QBUF];
    sanitize(q, sizeof q, n->value, n->len, CFG_QUOTE_MAX);
    snprintf(buf, cap, "'%s'", q);
    return buf;
}

static const char *type_desc(const corridor_cfg_field *f, char *buf, size_t cap)
{
    switch (f->type) {
    case CORRIDOR_CFG_STRING: return "a string";
    case CORRIDOR_CFG_INT:    return "an integer";
    case CORRIDOR_CFG_DOUBLE: return "a number";
    case CORRIDOR_CFG_BOOL:   return "a boolean (true or false)";
    case CORRIDOR_CFG_MAP:    return "a mapping";
    case CORRIDOR_CFG_LIST:   return "a sequence";
    case CORRIDOR_CFG_ENUM: {
        char names[384];
        join_names(names, sizeof names, f->enum_names);
        snprintf(buf, cap, "one of %s", names);
        return buf;
    }
    default:
        return "a value";
    }
}

static int walk_value(const walker *w, const corridor_cfg_field *f, char *base,
                      const cfg_node *n, const char *path);
static int walk_map(const walker *w, const corridor_cfg_field *schema, char *base,
                    const cfg_node *n, const char *path);
static int apply_defaults(const walker *w, const corridor_cfg_field *schema, char *base,
                          const char *path);

static int store_string(const walker *w, const corridor_cfg_field *f, char *dst,
                        const cfg_node *n, const char *path)
{
    if (f->size == 0)
        return walk_error(w, n, path, "schema error: string field of size 0");
    size_t len = node_is_null(n) ? 0 : n->len;
    if (len > f->size - 1)
        return walk_error(w, n, path, "too long (max %zu characters)", f->size - 1);
    if (f->required && len == 0)
        return walk_error(w, n, path, "must not be empty");
    memcpy(dst, n->value, len);
    dst[len] = '\0';
    return 0;
}

/* Integer text: [+-]digits or [+-]0xhex. 0 = ok, -1 = not an integer, 1 = too big for 64 bits. */
static int parse_int_text(const char *s, bool *neg, unsigned long long *mag)
{
    const char *p = s;
    int base = 10;
    *neg = false;
    if (*p == '+' || *p == '-')
        *neg = *p++ == '-';
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (base == 16 ? !isxdigit((unsigned char)*p) : !isdigit((unsigned char)*p))
        return -1;
    char *end;
    errno = 0;
    *mag = strtoull(p, &end, base);
    if (*end != '\0')
        return -1;
    return errno == ERANGE ? 1 : 0;
}

static int store_int(const walker *w, const corridor_cfg_field *f, char *dst,
                     const cfg_node *n, const char *path)
{
    char dbuf[CFG_DBUF], q[CFG_QBUF];
    bool neg;
    unsigned long long mag = 0;
    if (f->size != 4 && f->size != 8)
        return walk_error(w, n, path, "schema error: integer field of size %zu", f->size);
    int prc = parse_int_text(n->value, &neg, &mag);
    if (prc < 0)
        return walk_error(w, n, path, "expected an integer, got %s",
                          describe(n, dbuf, sizeof dbuf));
    if (mag == 0)
        neg = false;
    /* the range of the C type, exactly: [-lo_mag, hi] */
    unsigned long long hi = f->size == 4 ? (f->is_signed ? INT32_MAX : UINT32_MAX)
                                         : (f->is_signed ? (unsigned long long)INT64_MAX
                                                         : UINT64_MAX);
    unsigned long long lo_mag = !f->is_signed ? 0 : hi + 1;
    bool bounded = f->min != 0 || f->max != 0;
    double dv = neg ? -(double)mag : (double)mag;
    bool out = prc > 0 || (neg ? mag > lo_mag : mag > hi);
    if (!out && bounded)
        out = dv < f->min || dv > f->max;
    if (out) {
        sanitize(q, sizeof q, n->value, n->len, CFG_QUOTE_MAX);
        if (bounded)
            return walk_error(w, n, path, "%s is out of range %.0f..%.0f", q, f->min, f->max);
        return walk_error(w, n, path, "%s is out of range %s%llu..%llu", q,
                          lo_mag ? "-" : "", lo_mag, hi);
    }
    if (f->size == 4) {
        uint32_t v = neg ? (uint32_t)(0u - (uint32_t)mag) : (uint32_t)mag;
        memcpy(dst, &v, sizeof v);
    } else {
        uint64_t v = neg ? 0u - (uint64_t)mag : (uint64_t)mag;
        memcpy(dst, &v, sizeof v);
    }
    return 0;
}

static int store_double(const walker *w, const corridor_cfg_field *f, char *dst,
                        const cfg_node *n, const char *path)
{
    char dbuf[CFG_DBUF], q[CFG_QBUF];
    if (f->size != sizeof(double))
        return walk_error(w, n, path, "schema error: number field of size %zu", f->size);
    const char *s = n->value;
    /* strtod skips leading blanks and reads "inf"/"nan"; insist on a plain decimal number */
    bool starts_ok = isdigit((unsigned char)s[0]) || s[0] == '.' ||
                     ((s[0] == '-' || s[0] == '+') &&
                      (isdigit((unsigned char)s[1]) || s[1] == '.'));
    char *end = NULL;
    errno = 0;
    double v = starts_ok ? strtod(s, &end) : 0;
    if (!starts_ok || !end || *end != '\0')
        return walk_error(w, n, path, "expected a number, got %s", describe(n, dbuf, sizeof dbuf));
    sanitize(q, sizeof q, n->value, n->len, CFG_QUOTE_MAX);
    if (!isfinite(v) || errno == ERANGE) {
        if (f->min != 0 || f->max != 0)
            return walk_error(w, n, path, "%s is out of range %g..%g", q, f->min, f->max);
        return walk_error(w, n, path, "%s is out of range", q);
    }
    if ((f->min != 0 || f->max != 0) && (v < f->min || v > f->max))
        return walk_error(w, n, path, "%s is out of range %g..%g", q, f->min, f->max);
    memcpy(dst, &v, sizeof v);
    return 0;
}

static int store_bool(const walker *w, const corridor_cfg_field *f, char *dst,
                      const cfg_node *n, const char *path)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    char dbuf[CFG_DBUF];
    if (f->size != sizeof(bool))
        return walk_error(w, n, path, "schema error: boolean field of size %zu", f->size);
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(n->value, yes[i]) == 0 || strcasecmp(n->value, no[i]) == 0) {
            bool v = strcasecmp(n->value, yes[i]) == 0;
            memcpy(dst, &v, sizeof v);
            return 0;
        }
    }
    return walk_error(w, n, path, "expected a boolean (true or false), got %s",
                      describe(n, dbuf, sizeof dbuf));
}

static int store_enum(const walker *w, const corridor_cfg_field *f, char *dst,
                      const cfg_node *n, const char *path)
{
    char names[384], dbuf[CFG_DBUF];
    if (!f->enum_names || f->size != sizeof(int))
        return walk_error(w, n, path, "schema error: enum field without names or not an int");
    bool is_null = node_is_null(n);
    for (int i = 0; f->enum_names[i]; i++) {
        /* an unquoted YAML null selects a "null" choice: `mode: null` reads naturally */
        if ((is_null && strcmp(f->enum_names[i], "null") == 0) ||
            (!is_null && strcmp(n->value, f->enum_names[i]) == 0)) {
            memcpy(dst, &i, sizeof i);
            return 0;
        }
    }
    join_names(names, sizeof names, f->enum_names);
    if (n->len == 0)
        return walk_error(w, n, path, "expected one of %s, got %s", names,
                          describe(n, dbuf, sizeof dbuf));
    suggester s;
    suggest_init(&s, n->value);
    for (size_t i = 0; f->enum_names[i]; i++)
        suggest_consider(&s, f->enum_names[i]);
    if (s.best)
        return walk_error(w, n, path, "%s is not one of %s (did you mean '%s'?)",
                          describe(n, dbuf, sizeof dbuf), names, s.best);
    return walk_error(w, n, path, "%s is not one of %s", describe(n, dbuf, sizeof dbuf), names);
}

static int walk_scalar(const walker *w, const corridor_cfg_field *f, char *dst,
                       const cfg_node *n, const char *path)
{
    char want[400], dbuf[CFG_DBUF];
    if (n->kind != NODE_SCALAR)
        return walk_error(w, n, path, "expected %s, got %s", type_desc(f, want, sizeof want),
                          describe(n, dbuf, sizeof dbuf));
    /* "\0" in a quoted scalar: the C string would silently stop there */
    if (memchr(n->value, '\0', n->len))
        return walk_error(w, n, path, "contains a NUL character");
    int rc;
    switch (f->type) {
    case CORRIDOR_CFG_STRING: rc = store_string(w, f, dst, n, path); break;
    case CORRIDOR_CFG_INT:    rc = store_int(w, f, dst, n, path); break;
    case CORRIDOR_CFG_DOUBLE: rc = store_double(w, f, dst, n, path); break;
    case CORRIDOR_CFG_BOOL:   rc = store_bool(w, f, dst, n, path); break;
    case CORRIDOR_CFG_ENUM:   rc = store_enum(w, f, dst, n, path); break;
    default:
        return walk_error(w, n, path, "schema error: type %d is not a scalar type", (int)f->type);
    }
    if (rc || !f->check)
        return rc;
    char msg[sizeof w->err->message] = "";
    if (f->check(dst, msg, sizeof msg) == 0)
        return 0;
    /* checks quote the value as stored; keep the message on one line */
    for (char *c = msg; *c; c++)
        *c = (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c;
    return walk_error(w, n, path, "%s", msg[0] ? msg : "invalid value");
    return 0;
}

static int walk_list(const walker *w, const corridor_cfg_field *f, char *base,
                     const cfg_node *n, const char *path)
{
    char dbuf[CFG_DBUF], ipath[CFG_PATH_MAX];
    char *arr = base + f->offset;
    size_t count = 0;
    if (!node_is_null(n) && n->kind != NODE_SEQ)
        return walk_error(w, n, path, "expected a sequence (a list), got %s",
                          describe(n, dbuf, sizeof dbuf));
    if (f->size == 0 || (!f->sub && f->elem_type == CORRIDOR_CFG_END))
        return walk_error(w, n, path, "schema error: list without element size or type");
    /* the file's list replaces the default one entirely */
    memset(arr, 0, f->max_count * f->size);
    memcpy(base + f->count_offset, &count, sizeof count);
    for (size_t i = 0; n->kind == NODE_SEQ && i < n->n; i++) {
        const cfg_node *e = n->kids[i];
        char *elem = arr + i * f->size;
        int rc;
        if (i >= f->max_count)
            return walk_error(w, e, path, "too many entries (max %zu)", f->max_count);
        path_index(ipath, path, i);
        if (f->sub) {
            rc = apply_defaults(w, f->sub, elem, ipath);
            if (rc == 0)
                rc = walk_map(w, f->sub, elem, e, ipath);
        } else {
            corridor_cfg_field ef = *f;
            ef.type = f->elem_type;
            ef.offset = 0;
            rc = walk_scalar(w, &ef, elem, e, ipath);
        }
        if (rc)
            return rc;
        count = i + 1;
        memcpy(base + f->count_offset, &count, sizeof count);
    }
    return 0;
}

static int walk_value(const walker *w, const corridor_cfg_field *f, char *base,
                      const cfg_node *n, const char *path)
{
    switch (f->type) {
    case CORRIDOR_CFG_MAP:
        if (!f->sub)
            return walk_error(w, n, path, "schema error: mapping without sub-schema");
        return walk_map(w, f->sub, base + f->offset, n, path);
    case CORRIDOR_CFG_LIST:
        return walk_list(w, f, base, n, path);
    default:
        return walk_scalar(w, f, base + f->offset, n, path);
    }
}

static const corridor_cfg_field *find_field(const corridor_cfg_field *schema, const cfg_node *key)
{
    for (size_t i = 0; schema[i].type != CORRIDOR_CFG_END; i++) {
        if (strlen(schema[i].name) == key->len && memcmp(schema[i].name, key->value, key->len) == 0)
            return &schema[i];
    }
    return NULL;
}

static int unknown_key(const walker *w, const corridor_cfg_field *schema, const cfg_node *key,
                       const char *path)
{
    char q[CFG_QBUF], names[400];
    sanitize(q, sizeof q, key->value, key->len, CFG_QUOTE_MAX);
    suggester s;
    suggest_init(&s, memchr(key->value, '\0', key->len) ? "" : key->value);
    for (size_t i = 0; schema[i].type != CORRIDOR_CFG_END; i++)
        suggest_consider(&s, schema[i].name);
    if (s.best)
        return walk_error(w, key, path, "unknown key '%s' (did you mean '%s'?)", q, s.best);
    join_fields(names, sizeof names, schema);
    return walk_error(w, key, path, "unknown key '%s' (valid keys: %s)", q, names);
}

/* Required keys absent from the mapping at `at` (NULL: the map itself is absent, and `at` is
 * the nearest mapping that is there). Recurses into absent sections so that a required key
 * deep inside an absent optional section is still reported. */
static int check_missing(const walker *w, const corridor_cfg_field *schema, const cfg_node *map,
                         const cfg_node *at, const char *path)
{
    char kpath[CFG_PATH_MAX];
    for (size_t i = 0; schema[i].type != CORRIDOR_CFG_END; i++) {
        const corridor_cfg_field *f = &schema[i];
        bool present = false;
        for (size_t k = 0; map && map->kind == NODE_MAP && k + 1 < map->n; k += 2)
            present = present || find_field(schema, map->kids[k]) == f;
        if (present)
            continue;
        path_join(kpath, path, f->name, strlen(f->name));
        if (f->required)
            return walk_error(w, at, kpath, "missing required key '%s'", f->name);
        if (f->type == CORRIDOR_CFG_MAP && f->sub) {
            int rc = check_missing(w, f->sub, NULL, at, kpath);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int walk_map(const walker *w, const corridor_cfg_field *schema, char *base,
                    const cfg_node *n, const char *path)
{
    char dbuf[CFG_DBUF], kpath[CFG_PATH_MAX];
    if (node_is_null(n)) /* `section:` with everything under it commented out */
        return check_missing(w, schema, NULL, n, path);
    if (n->kind != NODE_MAP)
        return walk_error(w, n, path, "expected a mapping, got %s", describe(n, dbuf, sizeof dbuf));
    for (size_t k = 0; k + 1 < n->n; k += 2) {
        const cfg_node *key = n->kids[k], *val = n->kids[k + 1];
        path_join(kpath, path, key->value, key->len);
        const corridor_cfg_field *f = find_field(schema, key);
        if (!f)
            return unknown_key(w, schema, key, kpath);
        for (size_t j = 0; j < k; j += 2) {
            if (find_field(schema, n->kids[j]) == f)
                return walk_error(w, key, kpath, "duplicate key (first at line %d)",
                                  n->kids[j]->line);
        }
        int rc = walk_value(w, f, base, val, kpath);
        if (rc)
            return rc;
    }
    return check_missing(w, schema, n, n, path);
}

/* ---------------------------------------------------------------------------------------- */
/* Defaults                                                                                   */

/* A default that YAML reads as itself: a plain scalar with nothing YAML-special in it, or ""
 * (the forms every schema default has). Those skip the parser: defaults are applied on every
 * load, and a libyaml parser per field would be most of the cost of loading. */
static bool default_is_simple(const char *d, bool *quoted_empty)
{
    *quoted_empty = strcmp(d, "\"\"") == 0;
    if (*quoted_empty)
        return true;
    if (!isalnum((unsigned char)d[0]) && !(d[0] == '-' && isalnum((unsigned char)d[1])))
        return false;
    for (const char *p = d; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == '#' || (*p == ':' && (p[1] == ' ' || !p[1])) ||
            strchr(",[]{}\"'", *p))
            return false;
    }
    return true;
}

static int apply_default(const walker *w, const corridor_cfg_field *f, char *base,
                         const char *path)
{
    corridor_cfg_error derr;
    cfg_node *tree = NULL;
    bool quoted_empty;
    cfg_node simple = {.kind = NODE_SCALAR, .plain = true, .value = (char *)"", .line = 1,
                       .col = 1};
    if (default_is_simple(f->def, &quoted_empty)) {
        simple.plain = !quoted_empty;
        simple.value = quoted_empty ? (char *)"" : (char *)f->def;
        simple.len = strlen(simple.value);
        return walk_value(w, f, base, &simple, path);
    }
    memset(&derr, 0, sizeof derr);
    if (build_tree(f->def, strlen(f->def), &derr, &tree) != 0)
        return cfg_error(w->err, 0, 0, path, "invalid schema default: %s", derr.message);
    int rc = walk_value(w, f, base, tree ? tree : &simple, path);
    node_free(tree);
    return rc;
}

static int apply_defaults(const walker *w, const corridor_cfg_field *schema, char *base,
                          const char *path)
{
    walker dw = *w;
    char kpath[CFG_PATH_MAX];
    dw.defaults = true;
    for (size_t i = 0; schema[i].type != CORRIDOR_CFG_END; i++) {
        const corridor_cfg_field *f = &schema[i];
        int rc = 0;
        path_join(kpath, path, f->name, strlen(f->name));
        if (f->type == CORRIDOR_CFG_MAP && f->sub)
            rc = apply_defaults(&dw, f->sub, base + f->offset, kpath);
        if (rc == 0 && f->def)
            rc = apply_default(&dw, f, base, kpath);
        if (rc)
            return rc;
    }
    return 0;
}

/* The bytes of the struct the schema covers, from offset 0: what "zero out first" zeroes
 * (the loader is not told sizeof(*out)). */
static size_t schema_extent(const corridor_cfg_field *schema, int depth)
{
    size_t end = 0;
    for (size_t i = 0; schema[i].type != CORRIDOR_CFG_END && depth < CFG_MAX_DEPTH; i++) {
        const corridor_cfg_field *f = &schema[i];
        size_t e = f->offset + f->size;
        if (f->type == CORRIDOR_CFG_MAP && f->sub) {
            size_t s = f->offset + schema_extent(f->sub, depth + 1);
            e = s > e ? s : e;
        } else if (f->type == CORRIDOR_CFG_LIST) {
            size_t a = f->offset + f->size * f->max_count;
            size_t c = f->count_offset + sizeof(size_t);
            e = a > c ? a : c;
        }
        end = e > end ? e : end;
    }
    return end;
}

/* ---------------------------------------------------------------------------------------- */
/* Post checks                                                                                */

struct corridor_cfg_ctx {
    const cfg_node *root;
    corridor_cfg_error *err;
    bool failed;
};

static const cfg_node *map_get(const cfg_node *map, const char *key, size_t keylen)
{
    for (size_t k = 0; map->kind == NODE_MAP && k + 1 < map->n; k += 2) {
        const cfg_node *kn = map->kids[k];
        if (kn->len == keylen && memcmp(kn->value, key, keylen) == 0)
            return map->kids[k + 1];
    }
    return NULL;
}

/* The value of `path` if it is in the file, else the deepest mapping on the way that is;
 * NULL for "the root" (reported as 1:1). */
static const cfg_node *locate(const cfg_node *root, const char *path)
{
    const cfg_node *at = NULL, *cur = root;
    const char *p = path;
    while (cur && *p) {
        size_t seg = strcspn(p, ".[");
        const cfg_node *next = map_get(cur, p, seg);
        if (!next)
            return at;
        p += seg;
        while (*p == '[' && next) {
            char *end;
            unsigned long idx = strtoul(p + 1, &end, 10);
            if (*end != ']' || next->kind != NODE_SEQ || idx >= next->n)
                return next;
            next = next->kids[idx];
            p = end + 1;
        }
        at = cur = next;
        if (*p == '.')
            p++;
    }
    return at;
}

int corridor_cfg_fail(struct corridor_cfg_ctx *ctx, const char *path, const char *fmt, ...)
{
    if (!ctx || ctx->failed) /* the first error is the one reported */
        return -EINVAL;
    path = path ? path : "";
    const cfg_node *at = locate(ctx->root, path);
    va_list ap;
    va_start(ap, fmt);
    if (at && at != ctx->root)
        error_setv(ctx->err, at->line, at->col, path, fmt, ap);
    else
        error_setv(ctx->err, 1, 1, path, fmt, ap);
    va_end(ap);
    ctx->failed = true;
    return -EINVAL;
}

/* ---------------------------------------------------------------------------------------- */
/* Entry points                                                                               */

static int load_tree(const cfg_node *root, const corridor_cfg_field *schema,
                     corridor_cfg_post_fn post, void *out, corridor_cfg_error *err)
{
    walker w = {.err = err, .root = root};
    char dbuf[CFG_DBUF];
    if (!root || node_is_null(root))
        return cfg_error(err, 1, 1, "", "the file is empty (expected a mapping of settings)");
    if (root->kind != NODE_MAP)
        return cfg_error(err, 1, 1, "", "expected a mapping of settings at the top level, got %s",
                         describe(root, dbuf, sizeof dbuf));
    int rc = walk_map(&w, schema, out, root, "");
    if (rc || !post)
        return rc;
    struct corridor_cfg_ctx ctx = {.root = root, .err = err};
    rc = post(out, &ctx);
    if (rc && !ctx.failed)
        return cfg_error(err, 1, 1, "", "invalid configuration (error %d)", rc);
    return ctx.failed ? -EINVAL : 0;
}

int corridor_cfg_load_string(const char *name, const char *text, size_t len,
                             const corridor_cfg_field *schema, corridor_cfg_post_fn post,
                             void *out, corridor_cfg_error *err)
{
    corridor_cfg_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof *err);
    copy_str(err->file, sizeof err->file, name ? name : "(config)");
    if (!schema || !out || (!text && len))
        return cfg_error(err, 0, 0, "", "invalid arguments");
    if (len > CFG_MAX_FILE_BYTES) {
        cfg_error(err, 0, 0, "", "file too large (max %u bytes)", CFG_MAX_FILE_BYTES);
        return -EFBIG;
    }
    memset(out, 0, schema_extent(schema, 0));
    walker w = {.err = err};
    int rc = apply_defaults(&w, schema, out, "");
    if (rc)
        return rc;
    cfg_node *root = NULL;
    rc = build_tree(text ? text : "", len, err, &root);
    if (rc == 0)
        rc = load_tree(root, schema, post, out, err);
    node_free(root);
    return rc;
}

/* Read at most max+1 bytes, so that "too large" is detected without trusting st_size
 * (a FIFO or /proc file has none). */
static int read_all(int fd, size_t max, char **buf, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    if (!b)
        return -ENOMEM;
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                break;
            }
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                return -ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(b);
            return -e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *buf = b;
    *len = n;
    return 0;
}

int corridor_cfg_load_file(const char *path, const corridor_cfg_field *schema,
                           corridor_cfg_post_fn post, void *out, corridor_cfg_error *err)
{
    corridor_cfg_error scratch;
    char ebuf[128];
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof *err);
    copy_str(err->file, sizeof err->file, path ? path : "(null)");
    if (!path)
        return cfg_error(err, 0, 0, "", "invalid arguments");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        cfg_error(err, 0, 0, "", "cannot open: %s", strerror_r(e, ebuf, sizeof ebuf));
        return -e;
    }
    char *buf = NULL;
    size_t len = 0;
    int rc = read_all(fd, CFG_MAX_FILE_BYTES, &buf, &len);
    close(fd);
    if (rc < 0) {
        cfg_error(err, 0, 0, "", "cannot read: %s", strerror_r(-rc, ebuf, sizeof ebuf));
        return rc;
    }
    rc = corridor_cfg_load_string(path, buf, len, schema, post, out, err);
    free(buf);
    return rc;
}
