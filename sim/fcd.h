/*
 * SUMO floating-car-data traces (`sumo --fcd-output FILE`), read as a stream: one timestep at
 * a time, so a trace of any length costs a 64 KiB buffer. A small tokenizer for the elements
 * the trace uses (<timestep time=..>, <vehicle id= x= y= speed= .../>), bounded everywhere:
 * a tag over 4 KiB, a missing attribute or a number that is not one is an error naming the
 * byte offset, never a crash (tests/sim/test_sim_fcd.c feeds it broken input).
 */
#ifndef CORRIDOR_SIM_FCD_H
#define CORRIDOR_SIM_FCD_H

#include <stddef.h>

#define CORRIDOR_FCD_ID_MAX 63

typedef struct {
    char id[CORRIDOR_FCD_ID_MAX + 1];
    double x, y, speed;         /* metres (or lon/lat with --fcd-output.geo), m/s */
} corridor_fcd_vehicle;

typedef struct corridor_fcd corridor_fcd;

corridor_fcd *corridor_fcd_open(const char *path, char *err, size_t errlen);
/* Parse from memory (tests, fuzzing); the text must outlive the reader. */
corridor_fcd *corridor_fcd_open_mem(const char *text, size_t len);
void corridor_fcd_free(corridor_fcd **f);

/* Move to the next <timestep>, skipping what is left of the current one: 1 with *time_s,
 * 0 at the end of the trace, -EINVAL (message in corridor_fcd_error). */
int corridor_fcd_next_step(corridor_fcd *f, double *time_s);
/* The next vehicle of the current timestep: 1, 0 at its end, -EINVAL. */
int corridor_fcd_next_vehicle(corridor_fcd *f, corridor_fcd_vehicle *v);
const char *corridor_fcd_error(const corridor_fcd *f);

#endif
