/* Clocks for the daemons. The orchestrator core never calls these: it is handed the time. */
#ifndef CORRIDOR_CLOCK_H
#define CORRIDOR_CLOCK_H

#include <stdint.h>

uint64_t corridor_clock_mono_us(void);  /* monotonic, for intervals and timeouts */
uint64_t corridor_clock_mono_ms(void);
uint64_t corridor_clock_wall_us(void);  /* realtime, for timestamps sent on the wire */

#endif
