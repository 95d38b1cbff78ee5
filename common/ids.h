/* Identity fields: node ids, operator PLMNs, countries. Checked wherever they enter. */
#ifndef CORRIDOR_IDS_H
#define CORRIDOR_IDS_H

#include <stdbool.h>
#include <stddef.h>

#define CORRIDOR_ID_MAX 63       /* node, region, workload ids: bytes, without the NUL */
#define CORRIDOR_PLMN_MAX 7      /* "MCC-MNC": 3 + 1 + up to 3 */
#define CORRIDOR_COUNTRY_LEN 2   /* ISO 3166-1 alpha-2 */

/* 1..63 chars of [A-Za-z0-9._-], starting with a letter or digit */
bool corridor_id_valid(const char *s);
/* MCC-MNC: 3 digits, '-', 2 or 3 digits, e.g. "262-01" */
bool corridor_plmn_valid(const char *s);
/* an officially assigned ISO 3166-1 alpha-2 code, upper case, e.g. "DE" */
bool corridor_country_valid(const char *s);

#endif
