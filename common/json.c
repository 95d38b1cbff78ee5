#include "json.h"

#include <inttypes.h>
#include <math.h>

void corridor_json_init(corridor_json *j, FILE *f, bool pretty)
{
    *j = (corridor_json){.f = f, .pretty = pretty};
    j->first[0] = true;
}

static void indent(corridor_json *j)
{
    if (!j->pretty)
        return;
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

/* Separator before a value or key at the current level. */
static void sep(corridor_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (!j->first[j->depth])
        fputc(',', j->f);
    j->first[j->depth] = false;
    if (j->depth > 0)
        indent(j);
}

static void open_(corridor_json *j, char c)
{
    sep(j);
    fputc(c, j->f);
    if (j->depth + 1 < CORRIDOR_JSON_MAX_DEPTH)
        j->depth++;
    j->first[j->depth] = true;
}

static void close_(corridor_json *j, char c)
{
    bool empty = j->first[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (!empty)
        indent(j);
    fputc(c, j->f);
}

void corridor_json_obj_begin(corridor_json *j) { open_(j, '{'); }
void corridor_json_obj_end(corridor_json *j) { close_(j, '}'); }
void corridor_json_arr_begin(corridor_json *j) { open_(j, '['); }
void corridor_json_arr_end(corridor_json *j) { close_(j, ']'); }

static void put_escaped(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void corridor_json_key(corridor_json *j, const char *key)
{
    sep(j);
    put_escaped(j->f, key);
    fputs(j->pretty ? ": " : ":", j->f);
    j->after_key = true;
}

void corridor_json_str(corridor_json *j, const char *s)
{
    sep(j);
    put_escaped(j->f, s);
}

void corridor_json_u64(corridor_json *j, uint64_t v)
{
    sep(j);
    fprintf(j->f, "%" PRIu64, v);
}

void corridor_json_i64(corridor_json *j, int64_t v)
{
    sep(j);
    fprintf(j->f, "%" PRId64, v);
}

void corridor_json_dbl(corridor_json *j, double v, int decimals)
{
    sep(j);
    if (!isfinite(v))
        fputs("null", j->f);
    else
        fprintf(j->f, "%.*f", decimals, v);
}

void corridor_json_bool(corridor_json *j, bool v)
{
    sep(j);
    fputs(v ? "true" : "false", j->f);
}

void corridor_json_null(corridor_json *j)
{
    sep(j);
    fputs("null", j->f);
}

void corridor_json_kstr(corridor_json *j, const char *k, const char *v)
{
    corridor_json_key(j, k);
    corridor_json_str(j, v);
}

void corridor_json_ku64(corridor_json *j, const char *k, uint64_t v)
{
    corridor_json_key(j, k);
    corridor_json_u64(j, v);
}

void corridor_json_ki64(corridor_json *j, const char *k, int64_t v)
{
    corridor_json_key(j, k);
    corridor_json_i64(j, v);
}

void corridor_json_kdbl(corridor_json *j, const char *k, double v, int decimals)
{
    corridor_json_key(j, k);
    corridor_json_dbl(j, v, decimals);
}

void corridor_json_kbool(corridor_json *j, const char *k, bool v)
{
    corridor_json_key(j, k);
    corridor_json_bool(j, v);
}

void corridor_json_finish(corridor_json *j)
{
    fputc('\n', j->f);
    fflush(j->f);
}
