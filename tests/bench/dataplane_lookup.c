/*
 * Session table lookup cost: cycles per key of corridor_dpt_lookup_bulk (the fast path's
 * lookup: lock-free rte_hash with CRC32 hashing, in transparent huge pages when the EAL has
 * no hugepages, + RCU entries) over N rules with uniformly random keys, beside the
 * reference: a plain rte_hash (DPDK's defaults, the configuration of its own
 * hash_perf_autotest: jhash, EAL memory) holding the same keys, looked up with
 * rte_hash_lookup_bulk_data.
 * Usage: dataplane_lookup [N]   (prints; never fails on speed)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_jhash.h>

#include "table.h"

#define ROUNDS 200

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "--file-prefix=cdp-lookup-%d", (int)getpid());
    char *eal[] = {argv[0], "--no-huge", "--no-pci", "-m", "2048", prefix,
                   "--log-level=*:error", "--no-telemetry", "-l", "0", NULL};
    if (rte_eal_init(10, eal) < 0) {
        fprintf(stderr, "SKIP: EAL cannot start\n");
        return 77;
    }
    corridor_dpt_port port;
    memset(&port, 0, sizeof port);
    port.addr4.family = 4;
    memcpy(port.addr4.a, (uint8_t[]){198, 51, 100, 2}, 4);
    corridor_dpt_params p = {.name = "bench", .capacity = n, .max_batch = 4096, .n_readers = 1,
                             .ports = &port, .n_ports = 1};
    char err[256];
    corridor_dpt *t = corridor_dpt_new(&p, err, sizeof err);
    struct rte_hash_parameters hp = {.name = "ref", .entries = 2 * n,
                                     .key_len = sizeof(corridor_dpt_key), .hash_func = rte_jhash};
    struct rte_hash *ref = rte_hash_create(&hp);
    if (!t || !ref) {
        fprintf(stderr, "cannot create tables: %s\n", err);
        return 1;
    }
    corridor_rule_op *ops = calloc(4096, sizeof *ops);
    for (uint32_t done = 0; done < n;) {
        uint32_t k = 0;
        for (; k < 4096 && done < n; k++, done++) {
            corridor_dp_rule *r = &ops[k].rule;
            memset(&ops[k], 0, sizeof ops[k]);
            ops[k].op = CORRIDOR_RULE_OP_ADD;
            r->rule_id = done + 1;
            r->uplink_teid = done;
            r->uplink_address = port.addr4;
            r->action = CORRIDOR_DP_ACTION_DROP;
        }
        corridor_rule_result res;
        corridor_dpt_apply(t, ops, k, &res);
    }
    free(ops);
    /* 64K random keys, looked up in bursts of 32 */
    enum { NK = 65536, B = 32 };
    corridor_dpt_key *keys = calloc(NK, sizeof *keys);
    const corridor_dpt_key **kp = calloc(NK, sizeof *kp);
    srand(7);
    for (uint32_t i = 0; i < n; i++) {
        corridor_dpt_key k;
        corridor_dpt_key_set(&k, CORRIDOR_DPT_KEY_UL4, i, port.addr4.a, 4);
        rte_hash_add_key_data(ref, &k, (void *)(uintptr_t)(i + 1));
    }
    for (uint32_t i = 0; i < NK; i++) {
        corridor_dpt_key_set(&keys[i], CORRIDOR_DPT_KEY_UL4, (uint32_t)rand() % n, port.addr4.a, 4);
        kp[i] = &keys[i];
    }
    const corridor_dpt_entry *out[B];
    void *data[B];
    uint64_t hits = 0, mask;
    uint64_t c0 = rte_rdtsc_precise();
    for (int r = 0; r < ROUNDS; r++)
        for (uint32_t i = 0; i < NK; i += B)
            hits += corridor_dpt_lookup_bulk(t, kp + i, B, out);
    uint64_t c1 = rte_rdtsc_precise();
    for (int r = 0; r < ROUNDS; r++)
        for (uint32_t i = 0; i < NK; i += B)
            hits += (uint64_t)rte_hash_lookup_bulk_data(ref, (const void **)(kp + i), B, &mask, data);
    uint64_t c2 = rte_rdtsc_precise();
    double ours = (double)(c1 - c0) / ((double)ROUNDS * NK);
    double theirs = (double)(c2 - c1) / ((double)ROUNDS * NK);
    printf("lookup, %u rules, uniform random keys, bursts of %d:\n", n, B);
    printf("  corridor table (lock-free, CRC32, THP):    %6.1f cycles/key\n", ours);
    printf("  rte_hash reference (DPDK defaults):        %6.1f cycles/key\n", theirs);
    printf("  ratio corridor/reference: %.2f   (hits %llu of %llu)\n", ours / theirs,
           (unsigned long long)hits, (unsigned long long)2 * ROUNDS * NK);
    rte_hash_free(ref);
    free(keys);
    free(kp);
    corridor_dpt_free(&t);
    rte_eal_cleanup();
    return 0;
}
