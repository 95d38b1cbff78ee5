/*
 * Geometry for the simulator. Mobility and radio work in a flat plane (km) from an
 * equirectangular projection around the scenario's centre: cheap per tick, and exact enough
 * for distances of a few cell radii (docs/simulator.md gives the error). Transport latency
 * over long distances uses great-circle distances instead.
 */
#ifndef CORRIDOR_SIM_GEO_H
#define CORRIDOR_SIM_GEO_H

#include <stdbool.h>
#include <stddef.h>

#define CORRIDOR_EARTH_KM 6371.0

typedef struct {
    double lat0, lon0;          /* centre, degrees */
    double kx, ky;              /* km per degree of longitude / latitude at the centre */
} corridor_proj;

double corridor_geo_haversine_km(double lat1, double lon1, double lat2, double lon2);
void corridor_proj_init(corridor_proj *p, double lat0, double lon0);
void corridor_proj_fwd(const corridor_proj *p, double lat, double lon, double *x, double *y);
void corridor_proj_inv(const corridor_proj *p, double x, double y, double *lat, double *lon);

/* Ray casting over a closed polygon given as lat/lon pairs (the last point joins the first). */
bool corridor_geo_in_polygon(const double *lat, const double *lon, size_t n, double plat,
                             double plon);

#endif
