#include "geo.h"

#include <math.h>

#define D2R (M_PI / 180.0)

double corridor_geo_haversine_km(double lat1, double lon1, double lat2, double lon2)
{
    double dlat = (lat2 - lat1) * D2R, dlon = (lon2 - lon1) * D2R;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * D2R) * cos(lat2 * D2R) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * CORRIDOR_EARTH_KM * asin(sqrt(a < 1 ? a : 1));
}

void corridor_proj_init(corridor_proj *p, double lat0, double lon0)
{
    p->lat0 = lat0;
    p->lon0 = lon0;
    p->ky = CORRIDOR_EARTH_KM * D2R;
    p->kx = p->ky * cos(lat0 * D2R);
}

void corridor_proj_fwd(const corridor_proj *p, double lat, double lon, double *x, double *y)
{
    *x = (lon - p->lon0) * p->kx;
    *y = (lat - p->lat0) * p->ky;
}

void corridor_proj_inv(const corridor_proj *p, double x, double y, double *lat, double *lon)
{
    *lat = p->lat0 + y / p->ky;
    *lon = p->lon0 + x / p->kx;
}

bool corridor_geo_in_polygon(const double *lat, const double *lon, size_t n, double plat,
                             double plon)
{
    bool in = false;
    for (size_t i = 0, j = n - 1; i < n; j = i++) {
        if ((lat[i] > plat) != (lat[j] > plat) &&
            plon < (lon[j] - lon[i]) * (plat - lat[i]) / (lat[j] - lat[i]) + lon[i])
            in = !in;
    }
    return n >= 3 && in;
}
