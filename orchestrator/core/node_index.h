/* Node indexes for placement: a dense array of all nodes, a 1-degree spatial grid, and
 * per-country lists. Node records never move in memory; they carry their own grid cell. */
#ifndef CORRIDOR_NODE_INDEX_H
#define CORRIDOR_NODE_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct corridor_node;

#define CORRIDOR_GRID_DEG 0.5                   /* cell size in degrees */
#define CORRIDOR_GRID_LAT 360                   /* 180 / CORRIDOR_GRID_DEG */
#define CORRIDOR_GRID_LON 720
#define CORRIDOR_COUNTRY_CODES (26 * 26)

typedef struct {
    struct corridor_node **v;
    uint32_t n, cap;
} corridor_node_vec;

typedef struct {
    corridor_node_vec all;
    corridor_node_vec *grid;                     /* CORRIDOR_GRID_LAT * CORRIDOR_GRID_LON */
    corridor_node_vec country[CORRIDOR_COUNTRY_CODES];
} corridor_node_index;

int corridor_node_index_init(corridor_node_index *ix);
void corridor_node_index_fini(corridor_node_index *ix);
/* Add a new node, or move a known one after its location or country changed. 0 / -ENOMEM. */
int corridor_node_index_put(corridor_node_index *ix, struct corridor_node *n);

/* Refresh the placement fields a report changes (loads, free GPU memory). */
void corridor_node_hot_update(struct corridor_node *n);

/* Grid cell of a position; countries as 0..675 ("AA" = 0), -1 when not two capitals. */
uint32_t corridor_grid_cell(double lat, double lon);
int corridor_country_code(const char *cc);
/* MCC-MNC as one integer ("262-01" and "262-001" differ). */
uint32_t corridor_plmn_code(const char *plmn);

#endif
