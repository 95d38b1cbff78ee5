/*
 * A protobuf wire-format scanner that runs before protobuf-c sees a buffer.
 *
 * protobuf-c allocates for every repeated element and nested message it finds, and recurses
 * for every nested message, so a small hostile frame can make it allocate a lot or recurse
 * deep before we could look at the result. This scanner walks the tags without allocating,
 * refuses what is not well-formed wire format, counts the repeated fields named in a rule
 * table against run-time limits, and bounds the nesting depth. Only frames that pass are
 * handed to protobuf-c. It knows nothing about the schema beyond the rule tables (msg.c).
 */
#ifndef CORRIDOR_WIRE_H
#define CORRIDOR_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/* Most messages nested inside one another below the buffer being checked: with depth 0 for a
 * top-level buffer, a sub-message at depth 9 is refused. */
#define CORRIDOR_WIRE_MAX_DEPTH 8
/* Most rules in one table (not counting the terminator). */
#define CORRIDOR_WIRE_MAX_RULES 16
/* Longest varint protobuf allows: 64 bits in 7-bit groups. */
#define CORRIDOR_WIRE_VARINT_MAX 10

/* Names a uint32_t member of corridor_msg_limits as a rule's limit. The +1 keeps 0 free to
 * mean "no run-time limit; use max_count". */
#define CORRIDOR_WIRE_LIMIT(member) (offsetof(corridor_msg_limits, member) + 1)

/*
 * One field of a message the scanner pays attention to. A table ends with field 0. Fields not
 * in the table are still walked (and must be well-formed) but neither counted nor entered.
 *
 * The count limit is the corridor_msg_limits member named by .limit when that is non-zero
 * (0 there means none allowed), else .max_count (0 = unlimited). Rules in one table with the
 * same non-zero .limit share one counter (command args + env against max_args).
 *
 * A rule with .sub set is a message field: each occurrence must be length-delimited and is
 * checked recursively with .sub (an empty table {0} checks structure and depth only).
 * Singular message fields get max_count 1 because protobuf-c merges repeated occurrences,
 * which would add up their repeated fields past the limits counted per occurrence.
 */
typedef struct corridor_wire_rule {
    uint32_t field;                        /* field number; 0 ends the table */
    const char *name;                      /* "report.routes", for error details */
    size_t limit;                          /* CORRIDOR_WIRE_LIMIT(member), or 0 */
    uint32_t max_count;                    /* used when limit is 0; 0 = unlimited */
    const struct corridor_wire_rule *sub;  /* rules of the sub-message, NULL = not entered */
} corridor_wire_rule;

/*
 * Check buf[0..len) as one message with the given rules. depth is how deep buf itself is
 * nested (0 for a frame); what names it in error details ("envelope", "report"; may be NULL).
 * lim may be NULL only when no rule uses .limit (those limits then read as 0).
 * Returns 0, -EBADMSG (reason MALFORMED: bad varint, length past the end, group or invalid
 * wire type, field number 0, message field not length-delimited), -E2BIG (reason
 * LIMIT_EXCEEDED: a count over its limit, nesting too deep), or -EINVAL (a rule table longer
 * than CORRIDOR_WIRE_MAX_RULES: a bug). err (may be NULL) gets the reason and a detail such as
 * "report.routes: 100001 entries over the limit of 100000". Never reads outside buf[0..len).
 */
int corridor_wire_check(const uint8_t *buf, size_t len, const corridor_wire_rule *rules,
                        const corridor_msg_limits *lim, int depth, const char *what,
                        corridor_decode_error *err);

/*
 * Read the envelope's version (field 1) and type (field 2) straight from the wire, last
 * occurrence winning as in protobuf, 0 when absent. Walks (and so checks) the whole buffer.
 * These two fields are frozen across protocol versions, so this works on a frame of any
 * version whose envelope the full decoder cannot unpack. 0 or -EBADMSG.
 */
int corridor_wire_peek_envelope(const uint8_t *buf, size_t len, uint32_t *version,
                                uint32_t *type);

#endif
