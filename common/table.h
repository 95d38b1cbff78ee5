/* Terminal tables for corridorctl and corridor-sim: columns sized to their content, numbers
 * right-aligned, optional colour per cell when writing to a terminal (NO_COLOR respected). */
#ifndef CORRIDOR_TABLE_H
#define CORRIDOR_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum { CORRIDOR_COLOR_NONE = 0, CORRIDOR_COLOR_GREEN, CORRIDOR_COLOR_YELLOW,
               CORRIDOR_COLOR_RED, CORRIDOR_COLOR_DIM } corridor_color;

typedef struct corridor_table corridor_table;

/* headers: column titles; right_align: per column (may be NULL). */
corridor_table *corridor_table_new(size_t ncols, const char *const *headers,
                                   const bool *right_align);
void corridor_table_free(corridor_table **t);
/* Append a cell to the current row (a row is complete after ncols cells). printf-style. */
int corridor_table_cell(corridor_table *t, corridor_color color, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void corridor_table_print(const corridor_table *t, FILE *f, bool color);
/* true when f is a terminal and NO_COLOR is unset */
bool corridor_table_want_color(FILE *f);

#endif
