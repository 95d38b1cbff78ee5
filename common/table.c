#include "table.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char *text;
    corridor_color color;
} cell;

struct corridor_table {
    size_t ncols;
    char **headers;
    bool *right;
    cell *cells;
    size_t ncells, cap;
};

corridor_table *corridor_table_new(size_t ncols, const char *const *headers,
                                   const bool *right_align)
{
    corridor_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ncols = ncols;
    t->headers = calloc(ncols, sizeof *t->headers);
    t->right = calloc(ncols, sizeof *t->right);
    if (!t->headers || !t->right) {
        corridor_table_free(&t);
        return NULL;
    }
    for (size_t i = 0; i < ncols; i++) {
        t->headers[i] = strdup(headers[i]);
        t->right[i] = right_align ? right_align[i] : false;
    }
    return t;
}

void corridor_table_free(corridor_table **pt)
{
    if (!pt || !*pt)
        return;
    corridor_table *t = *pt;
    for (size_t i = 0; t->headers && i < t->ncols; i++)
        free(t->headers[i]);
    for (size_t i = 0; i < t->ncells; i++)
        free(t->cells[i].text);
    free(t->headers);
    free(t->right);
    free(t->cells);
    free(t);
    *pt = NULL;
}

int corridor_table_cell(corridor_table *t, corridor_color color, const char *fmt, ...)
{
    if (t->ncells == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        cell *c = realloc(t->cells, cap * sizeof *c);
        if (!c)
            return -ENOMEM;
        t->cells = c;
        t->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -ENOMEM;
    t->cells[t->ncells++] = (cell){.text = s, .color = color};
    return 0;
}

static const char *color_code(corridor_color c)
{
    switch (c) {
    case CORRIDOR_COLOR_GREEN: return "\033[32m";
    case CORRIDOR_COLOR_YELLOW: return "\033[33m";
    case CORRIDOR_COLOR_RED: return "\033[31m";
    case CORRIDOR_COLOR_DIM: return "\033[2m";
    default: return "";
    }
}

static void print_cell(FILE *f, const char *s, size_t width, bool right, bool last,
                       const char *pre, const char *post)
{
    size_t len = strlen(s);
    size_t pad = width > len ? width - len : 0;
    if (right)
        fprintf(f, "%*s", (int)pad, "");
    fprintf(f, "%s%s%s", pre, s, post);
    if (!right && !last)
        fprintf(f, "%*s", (int)pad, "");
    if (!last)
        fputs("  ", f);
}

void corridor_table_print(const corridor_table *t, FILE *f, bool color)
{
    size_t *w = calloc(t->ncols, sizeof *w);
    if (!w)
        return;
    for (size_t c = 0; c < t->ncols; c++)
        w[c] = strlen(t->headers[c]);
    for (size_t i = 0; i < t->ncells; i++) {
        size_t len = strlen(t->cells[i].text);
        if (len > w[i % t->ncols])
            w[i % t->ncols] = len;
    }
    for (size_t c = 0; c < t->ncols; c++)
        print_cell(f, t->headers[c], w[c], t->right[c], c + 1 == t->ncols,
                   color ? "\033[1m" : "", color ? "\033[0m" : "");
    fputc('\n', f);
    for (size_t i = 0; i < t->ncells; i++) {
        size_t c = i % t->ncols;
        const cell *x = &t->cells[i];
        bool colored = color && x->color != CORRIDOR_COLOR_NONE;
        print_cell(f, x->text, w[c], t->right[c], c + 1 == t->ncols,
                   colored ? color_code(x->color) : "", colored ? "\033[0m" : "");
        if (c + 1 == t->ncols)
            fputc('\n', f);
    }
    if (t->ncells % t->ncols)
        fputc('\n', f);
    free(w);
}

bool corridor_table_want_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fileno(f)) && !(nc && nc[0]);
}
