#include "wire.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum {
    WT_VARINT = 0,
    WT_FIXED64 = 1,
    WT_LEN = 2,
    WT_GROUP_START = 3,
    WT_GROUP_END = 4,
    WT_FIXED32 = 5,
};

/* Largest field number protobuf allows (2^29 - 1). */
#define WIRE_FIELD_MAX 536870911u

/* One field as found on the wire. */
typedef struct {
    uint32_t field;
    unsigned wire_type;
    uint64_t value;        /* WT_VARINT */
    const uint8_t *body;   /* WT_LEN: the bytes, inside the buffer */
    size_t body_len;
    size_t at;             /* offset of the tag, for error details */
} wire_field;

static void set_err(corridor_decode_error *err, corridor_reject_reason reason, const char *what,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void set_err(corridor_decode_error *err, corridor_reject_reason reason, const char *what,
                    const char *fmt, ...)
{
    if (!err)
        return;
    err->reason = reason;
    int n = 0;
    if (what && *what)
        n = snprintf(err->detail, sizeof err->detail, "%s: ", what);
    if (n < 0 || (size_t)n >= sizeof err->detail)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail + n, sizeof err->detail - (size_t)n, fmt, ap);
    va_end(ap);
}

/* A varint of at most 10 bytes whose value fits 64 bits; 0 or -EBADMSG. */
static int read_varint(const uint8_t *buf, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < CORRIDOR_WIRE_VARINT_MAX; i++) {
        if (*pos >= len)
            return -EBADMSG;
        uint8_t b = buf[(*pos)++];
        /* The 10th byte carries bit 63 only; more would be silently lost. */
        if (i == CORRIDOR_WIRE_VARINT_MAX - 1 && b > 1)
            return -EBADMSG;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -EBADMSG;
}

/* Skip n bytes if they are there. */
static int skip(size_t len, size_t *pos, uint64_t n)
{
    if (n > len - *pos)
        return -EBADMSG;
    *pos += (size_t)n;
    return 0;
}

/* Read the field at *pos and move past it. On -EBADMSG, *why says what is wrong. */
static int next_field(const uint8_t *buf, size_t len, size_t *pos, wire_field *f,
                      const char **why)
{
    uint64_t key;
    f->at = *pos;
    if (read_varint(buf, len, pos, &key) < 0) {
        *why = "bad varint in a tag";
        return -EBADMSG;
    }
    if ((key >> 3) > WIRE_FIELD_MAX) {
        *why = "field number too large";
        return -EBADMSG;
    }
    f->field = (uint32_t)(key >> 3);
    f->wire_type = (unsigned)(key & 7);
    if (f->field == 0) {
        *why = "field number 0";
        return -EBADMSG;
    }
    switch (f->wire_type) {
    case WT_VARINT:
        *why = "bad varint value";
        return read_varint(buf, len, pos, &f->value);
    case WT_FIXED64:
        *why = "fixed64 past the end";
        return skip(len, pos, 8);
    case WT_FIXED32:
        *why = "fixed32 past the end";
        return skip(len, pos, 4);
    case WT_LEN: {
        uint64_t n;
        if (read_varint(buf, len, pos, &n) < 0) {
            *why = "bad varint in a length";
            return -EBADMSG;
        }
        f->body = buf + *pos;
        f->body_len = (size_t)n;
        *why = "length past the end";
        return skip(len, pos, n);
    }
    case WT_GROUP_START:
    case WT_GROUP_END:
        /* Deprecated proto2 groups: nothing we send uses them, and they nest without a
         * length, which this scanner would have to track; refuse them. */
        *why = "group wire type";
        return -EBADMSG;
    default:
        *why = "invalid wire type";
        return -EBADMSG;
    }
}

static int find_rule(const corridor_wire_rule *rules, size_t n, uint32_t field)
{
    for (size_t i = 0; i < n; i++) {
        if (rules[i].field == field)
            return (int)i;
    }
    return -1;
}

/* The limit of a rule; UINT64_MAX = none. */
static uint64_t rule_limit(const corridor_wire_rule *r, const corridor_msg_limits *lim)
{
    if (r->limit) {
        uint32_t v = 0;
        if (lim && r->limit - 1 + sizeof v <= sizeof *lim)
            memcpy(&v, (const char *)lim + (r->limit - 1), sizeof v);
        return v;
    }
    return r->max_count ? r->max_count : UINT64_MAX;
}

/* Rules sharing a non-zero limit share the counter of the first of them. */
static void assign_slots(const corridor_wire_rule *rules, size_t n, size_t *slot)
{
    for (size_t i = 0; i < n; i++) {
        slot[i] = i;
        for (size_t j = 0; j < i && rules[i].limit; j++) {
            if (rules[j].limit == rules[i].limit) {
                slot[i] = slot[j];
                break;
            }
        }
    }
}

static int check_msg(const uint8_t *buf, size_t len, const corridor_wire_rule *rules,
                     const corridor_msg_limits *lim, int depth, const char *what,
                     corridor_decode_error *err);

/* Enter one occurrence of a message field. */
static int check_sub(const wire_field *f, const corridor_wire_rule *r,
                     const corridor_msg_limits *lim, int depth, corridor_decode_error *err)
{
    if (f->wire_type != WT_LEN) {
        set_err(err, CORRIDOR_REJECT_MALFORMED, r->name,
                "wire type %u at byte %zu, expected a length-delimited message",
                f->wire_type, f->at);
        return -EBADMSG;
    }
    return check_msg(f->body, f->body_len, r->sub, lim, depth + 1, r->name, err);
}

static int check_msg(const uint8_t *buf, size_t len, const corridor_wire_rule *rules,
                     const corridor_msg_limits *lim, int depth, const char *what,
                     corridor_decode_error *err)
{
    if (depth > CORRIDOR_WIRE_MAX_DEPTH) {
        set_err(err, CORRIDOR_REJECT_LIMIT_EXCEEDED, what,
                "messages nested deeper than %d levels", CORRIDOR_WIRE_MAX_DEPTH);
        return -E2BIG;
    }
    size_t n_rules = 0;
    while (rules && rules[n_rules].field != 0) {
        if (++n_rules > CORRIDOR_WIRE_MAX_RULES) {
            set_err(err, CORRIDOR_REJECT_MALFORMED, what, "rule table too long");
            return -EINVAL;
        }
    }
    size_t slot[CORRIDOR_WIRE_MAX_RULES];
    uint64_t count[CORRIDOR_WIRE_MAX_RULES] = {0};
    assign_slots(rules, n_rules, slot);

    /* Over a limit: keep walking this level (to report the full count and still refuse a
     * malformed rest) but stop entering sub-messages, whose work would be wasted. */
    int over = -1;
    size_t pos = 0;
    while (pos < len) {
        wire_field f;
        const char *why = "";
        if (next_field(buf, len, &pos, &f, &why) < 0) {
            set_err(err, CORRIDOR_REJECT_MALFORMED, what, "%s at byte %zu", why, f.at);
            return -EBADMSG;
        }
        int i = find_rule(rules, n_rules, f.field);
        if (i < 0)
            continue;
        const corridor_wire_rule *r = &rules[i];
        if (++count[slot[i]] > rule_limit(r, lim) && over < 0)
            over = i;
        if (r->sub && over < 0) {
            int rc = check_sub(&f, r, lim, depth, err);
            if (rc < 0)
                return rc;
        }
    }
    if (over >= 0) {
        set_err(err, CORRIDOR_REJECT_LIMIT_EXCEEDED, rules[over].name,
                "%" PRIu64 " entries over the limit of %" PRIu64, count[slot[over]],
                rule_limit(&rules[over], lim));
        return -E2BIG;
    }
    return 0;
}

int corridor_wire_check(const uint8_t *buf, size_t len, const corridor_wire_rule *rules,
                        const corridor_msg_limits *lim, int depth, const char *what,
                        corridor_decode_error *err)
{
    if (!buf && len)
        return -EINVAL;
    return check_msg(buf, len, rules, lim, depth < 0 ? 0 : depth, what, err);
}

int corridor_wire_peek_envelope(const uint8_t *buf, size_t len, uint32_t *version,
                                uint32_t *type)
{
    uint32_t v = 0, t = 0;
    size_t pos = 0;
    if (!buf && len)
        return -EINVAL;
    while (pos < len) {
        wire_field f;
        const char *why;
        if (next_field(buf, len, &pos, &f, &why) < 0)
            return -EBADMSG;
        /* Truncate to 32 bits the way protobuf-c does for uint32 and enum fields. */
        if (f.wire_type == WT_VARINT && f.field == 1)
            v = (uint32_t)f.value;
        else if (f.wire_type == WT_VARINT && f.field == 2)
            t = (uint32_t)f.value;
    }
    if (version)
        *version = v;
    if (type)
        *type = t;
    return 0;
}
