#include "fcd.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FCD_BUF 65536
#define FCD_TAG_MAX 4096

struct corridor_fcd {
    FILE *fp;                   /* NULL when reading from memory */
    const char *mem;
    size_t mem_len, mem_pos;
    char buf[FCD_BUF];
    size_t len, pos;
    size_t offset;              /* bytes consumed, for messages */
    char tag[FCD_TAG_MAX + 1];
    size_t tag_len;
    size_t tag_offset;
    bool in_step, eof;
    char err[256];
};

static int fcd_fail(corridor_fcd *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fcd_fail(corridor_fcd *f, const char *fmt, ...)
{
    char m[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    snprintf(f->err, sizeof f->err, "byte %zu: %s", f->tag_offset, m);
    return -EINVAL;
}

corridor_fcd *corridor_fcd_open(const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    corridor_fcd *f = calloc(1, sizeof *f);
    if (!f) {
        fclose(fp);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->fp = fp;
    return f;
}

corridor_fcd *corridor_fcd_open_mem(const char *text, size_t len)
{
    corridor_fcd *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->mem = text;
    f->mem_len = len;
    return f;
}

void corridor_fcd_free(corridor_fcd **pf)
{
    if (!pf || !*pf)
        return;
    if ((*pf)->fp)
        fclose((*pf)->fp);
    free(*pf);
    *pf = NULL;
}

const char *corridor_fcd_error(const corridor_fcd *f) { return f->err; }

static int getch(corridor_fcd *f)
{
    if (f->pos == f->len) {
        if (f->eof)
            return -1;
        if (f->fp) {
            f->len = fread(f->buf, 1, sizeof f->buf, f->fp);
        } else {
            size_t n = f->mem_len - f->mem_pos < sizeof f->buf ? f->mem_len - f->mem_pos
                                                                : sizeof f->buf;
            memcpy(f->buf, f->mem + f->mem_pos, n);
            f->mem_pos += n;
            f->len = n;
        }
        f->pos = 0;
        if (f->len == 0) {
            f->eof = true;
            return -1;
        }
    }
    f->offset++;
    return (unsigned char)f->buf[f->pos++];
}

/* Skip a comment's body up to and including "-->". */
static int skip_comment(corridor_fcd *f)
{
    int a = 0, b = 0, c;
    while ((c = getch(f)) >= 0) {
        if (c == '>' && a == '-' && b == '-')
            return 0;
        a = b;
        b = c;
    }
    return fcd_fail(f, "unexpected end of file inside a comment");
}

/* The next tag's text between '<' and '>' into f->tag: 1, 0 at end of input, <0 error.
 * Comments, processing instructions and doctypes are skipped. */
static int next_tag(corridor_fcd *f)
{
    for (;;) {
        int c;
        while ((c = getch(f)) >= 0 && c != '<')
            ;
        if (c < 0)
            return 0;
        f->tag_offset = f->offset - 1;
        f->tag_len = 0;
        char quote = 0;
        for (;;) {
            c = getch(f);
            if (c < 0)
                return fcd_fail(f, "unexpected end of file inside a tag");
            if (c == 0)
                return fcd_fail(f, "NUL byte inside a tag");
            if (!quote && c == '>')
                break;
            if (quote && c == quote)
                quote = 0;
            else if (!quote && (c == '"' || c == '\''))
                quote = (char)c;
            if (f->tag_len >= FCD_TAG_MAX)
                return fcd_fail(f, "tag longer than %d bytes", FCD_TAG_MAX);
            f->tag[f->tag_len++] = (char)c;
            if (f->tag_len == 3 && memcmp(f->tag, "!--", 3) == 0)
                break;
        }
        f->tag[f->tag_len] = '\0';
        if (f->tag_len == 3 && memcmp(f->tag, "!--", 3) == 0) {
            if (skip_comment(f) < 0)
                return -EINVAL;
            continue;
        }
        if (f->tag[0] == '!' || f->tag[0] == '?')
            continue;
        if (f->tag_len == 0)
            return fcd_fail(f, "empty tag");
        return 1;
    }
}

static bool name_is(const corridor_fcd *f, const char *name)
{
    size_t n = strlen(name);
    return strncmp(f->tag, name, n) == 0 &&
           (f->tag[n] == '\0' || f->tag[n] == ' ' || f->tag[n] == '\t' || f->tag[n] == '\n' ||
            f->tag[n] == '\r' || f->tag[n] == '/');
}

/* Find attribute `name` in the current tag; copies its value. 1 found, 0 absent. */
static int attr(const corridor_fcd *f, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = f->tag;
    while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') /* skip the tag name */
        p++;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '/')
            p++;
        const char *k = p;
        while (*p && *p != '=' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        size_t kl = (size_t)(p - k);
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (*p != '=')
            return 0; /* malformed: no value */
        p++;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (*p != '"' && *p != '\'')
            return 0;
        char q = *p++;
        const char *v = p;
        while (*p && *p != q)
            p++;
        if (!*p)
            return 0;
        size_t vl = (size_t)(p - v);
        p++;
        if (kl == nl && memcmp(k, name, nl) == 0) {
            if (vl >= cap)
                vl = cap - 1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return 1;
        }
    }
    return 0;
}

static int attr_num(corridor_fcd *f, const char *elem, const char *name, double *out)
{
    char v[64], *end;
    if (!attr(f, name, v, sizeof v))
        return fcd_fail(f, "<%s> without %s", elem, name);
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || errno == ERANGE || !isfinite(d))
        return fcd_fail(f, "<%s> %s=\"%.20s\" is not a number", elem, name, v);
    *out = d;
    return 0;
}

int corridor_fcd_next_step(corridor_fcd *f, double *time_s)
{
    for (;;) {
        int rc = next_tag(f);
        if (rc <= 0)
            return rc;
        if (name_is(f, "timestep")) {
            if (attr_num(f, "timestep", "time", time_s) < 0)
                return -EINVAL;
            f->in_step = f->tag[f->tag_len - 1] != '/';
            return 1;
        }
        /* anything else (vehicles left in a skipped step, fcd-export, persons) is passed */
    }
}

int corridor_fcd_next_vehicle(corridor_fcd *f, corridor_fcd_vehicle *v)
{
    while (f->in_step) {
        int rc = next_tag(f);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return fcd_fail(f, "end of file inside a <timestep>");
        if (name_is(f, "/timestep")) {
            f->in_step = false;
            return 0;
        }
        if (name_is(f, "timestep"))
            return fcd_fail(f, "<timestep> inside a <timestep>");
        if (!name_is(f, "vehicle"))
            continue;
        memset(v, 0, sizeof *v);
        if (!attr(f, "id", v->id, sizeof v->id) || !v->id[0])
            return fcd_fail(f, "<vehicle> without id");
        if (attr_num(f, "vehicle", "x", &v->x) < 0 || attr_num(f, "vehicle", "y", &v->y) < 0)
            return -EINVAL;
        char sp[64];
        if (attr(f, "speed", sp, sizeof sp)) {
            char *end;
            v->speed = strtod(sp, &end);
            if (end == sp || *end || !isfinite(v->speed))
                return fcd_fail(f, "<vehicle> speed=\"%.20s\" is not a number", sp);
        }
        return 1;
    }
    return 0;
}
