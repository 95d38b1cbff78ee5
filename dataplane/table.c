/* The session table (see table.h). */
#include "table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

typedef struct {
    uint64_t rule_id;
    uint64_t version;
    corridor_dpt_entry *e;         /* NULL: slot free */
    corridor_dpt_key ul, dl;
    bool has_ul, has_dl;
} dpt_slot;

struct corridor_dpt {
    struct rte_hash *h;            /* keys -> entry (fast path) */
    struct rte_hash *ids;          /* rule id -> slot (control thread) */
    struct rte_rcu_qsbr *qsbr;
    uint8_t *pool;                 /* n_entries = capacity + max_batch entries, stride apart */
    size_t n_entries, stride;
    uint32_t *free_entries;
    uint32_t n_free_entries;
    dpt_slot *slots;
    uint32_t *free_slots;
    uint32_t n_free_slots;
    corridor_dpt_ctr *base;        /* by slot: what the rule's retired entries counted */
    corridor_dpt_port ports[CORRIDOR_DPT_MAX_PORTS];
    uint32_t n_ports;
    /* without EAL hugepages: the key hash lives in an external heap of THP memory */
    char heap[RTE_HASH_NAMESIZE];
    void *heap_map, *heap_va;
    size_t heap_map_len, heap_len;
    uint32_t capacity, max_batch, n_readers;
    bool has_kernel_port;
    size_t count;
    /* reclaimed after the grace period that ends a batch */
    int32_t *dead_pos;
    uint32_t n_dead_pos;
    corridor_dpt_entry **dead_entries;
    uint32_t n_dead_entries;
    uint32_t *dead_slots;
    uint32_t n_dead_slots;
};

_Static_assert(offsetof(corridor_dpt_entry, tmpl.hdr) + 50 <= RTE_CACHE_LINE_SIZE,
               "an untagged IPv4 template ends in the entry's first line");
_Static_assert(CORRIDOR_DPT_CTR_OFF + 2 * sizeof(corridor_dpt_ctr) <= 2 * RTE_CACHE_LINE_SIZE,
               "an entry and two workers' counters fit in two lines");

static inline corridor_dpt_entry *entry_at(const corridor_dpt *t, size_t idx)
{
    return (corridor_dpt_entry *)(t->pool + idx * t->stride);
}

static inline size_t entry_idx(const corridor_dpt *t, const corridor_dpt_entry *e)
{
    return (size_t)((const uint8_t *)e - t->pool) / t->stride;
}

/*
 * The entries and their counters are CPU-only (no device reads them) and the fast path reaches
 * them at random: plain anonymous memory, asking the kernel for transparent huge pages, so
 * that a 1M-rule table costs a few TLB entries even when the EAL runs without hugepages
 * (--no-huge memory is a shared memfd, which gets no transparent huge pages).
 */
static void *big_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, size, MADV_HUGEPAGE);   /* a hint: without it, 4K pages */
#endif
    return p;   /* zero-filled */
}

static void big_free(void *p, size_t size)
{
    if (p)
        munmap(p, size);
}

#define THP_SIZE ((size_t)2 << 20)

/*
 * The key hash is the fast path's other random access (buckets, then the key slot). When
 * the EAL runs without hugepages its memory is 4K pages of a shared memfd, and a 1M-rule
 * hash (about 130 MB) then costs a TLB miss and a page walk per access on top of the cache
 * miss. So the hash is built in an external DPDK heap (rte_malloc_heap_*) over private
 * anonymous memory that asks for transparent huge pages. With hugepages the EAL's memory
 * is already what we want: socket_id is used as given. Returns the socket to allocate on.
 */
static int thp_heap_open(corridor_dpt *t, const char *name, size_t keys, int socket_id)
{
    if (rte_eal_has_hugepages())
        return socket_id;
    /* bucket + extendable bucket (16 B), key slot (key + data pointer, 32 B), free-slot
     * rings (16 B) per key, doubled for the power-of-two rounding, plus the rings' caches */
    size_t len = RTE_ALIGN_CEIL(keys * 128 + (32u << 20), THP_SIZE);
    size_t map_len = len + THP_SIZE;
    void *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
    if (map == MAP_FAILED)
        return socket_id;
    void *va = (void *)RTE_ALIGN_CEIL((uintptr_t)map, THP_SIZE);
#ifdef MADV_HUGEPAGE
    (void)madvise(va, len, MADV_HUGEPAGE);
#endif
    snprintf(t->heap, sizeof t->heap, "%s_thp", name);
    if (rte_malloc_heap_create(t->heap) != 0) {
        munmap(map, map_len);
        t->heap[0] = 0;
        return socket_id;
    }
    if (rte_malloc_heap_memory_add(t->heap, va, len, NULL, 0, THP_SIZE) != 0) {
        rte_malloc_heap_destroy(t->heap);
        munmap(map, map_len);
        t->heap[0] = 0;
        return socket_id;
    }
    t->heap_map = map;
    t->heap_map_len = map_len;
    t->heap_va = va;
    t->heap_len = len;
    return rte_malloc_heap_get_socket(t->heap);
}

static void thp_heap_close(corridor_dpt *t)
{
    if (!t->heap[0])
        return;
    rte_malloc_heap_memory_remove(t->heap, t->heap_va, t->heap_len);
    rte_malloc_heap_destroy(t->heap);
    munmap(t->heap_map, t->heap_map_len);
    t->heap[0] = 0;
}

static void set_err(char *err, size_t len, const char *fmt, const char *what)
{
    if (err && len)
        snprintf(err, len, fmt, what);
}

corridor_dpt *corridor_dpt_new(const corridor_dpt_params *p, char *err, size_t errlen)
{
    if (p->capacity == 0 || p->n_ports > CORRIDOR_DPT_MAX_PORTS || p->max_batch == 0) {
        set_err(err, errlen, "%s", "invalid table parameters");
        return NULL;
    }
    corridor_dpt *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->capacity = p->capacity;
    t->max_batch = p->max_batch;
    t->n_readers = p->n_readers ? p->n_readers : 1;
    t->n_ports = p->n_ports;
    t->has_kernel_port = p->has_kernel_port;
    memcpy(t->ports, p->ports, p->n_ports * sizeof *p->ports);

    char name[RTE_HASH_NAMESIZE];
    snprintf(name, sizeof name, "%s_k", p->name);
    struct rte_hash_parameters hp = {
        .name = name,
        /* two keys per rule at most; the extendable table makes the capacity exact */
        .entries = 2 * p->capacity,
        .key_len = sizeof(corridor_dpt_key),
        .hash_func = rte_hash_crc,    /* SSE4.2 CRC32: a few cycles per key, not ~30 */
        .socket_id = thp_heap_open(t, p->name, 2 * (size_t)p->capacity, p->socket_id),
        .extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
    };
    t->h = rte_hash_create(&hp);
    snprintf(name, sizeof name, "%s_i", p->name);
    struct rte_hash_parameters ip = {
        .name = name,
        .entries = p->capacity,
        .key_len = sizeof(uint64_t),
        .hash_func = rte_jhash,
        .socket_id = p->socket_id,
        .extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
    };
    t->ids = rte_hash_create(&ip);
    size_t qsz = rte_rcu_qsbr_get_memsize(t->n_readers);
    t->qsbr = rte_zmalloc_socket("corridor_qsbr", qsz, RTE_CACHE_LINE_SIZE, p->socket_id);
    size_t n_entries = (size_t)p->capacity + p->max_batch;
    t->n_entries = n_entries;
    t->stride = RTE_ALIGN_CEIL(CORRIDOR_DPT_CTR_OFF + t->n_readers * sizeof(corridor_dpt_ctr),
                               RTE_CACHE_LINE_SIZE);
    t->pool = big_alloc(n_entries * t->stride);
    t->free_entries = malloc(n_entries * sizeof *t->free_entries);
    t->slots = calloc(p->capacity, sizeof *t->slots);
    t->free_slots = malloc(p->capacity * sizeof *t->free_slots);
    t->base = calloc(p->capacity, sizeof *t->base);
    t->dead_pos = malloc(2 * (size_t)p->max_batch * sizeof *t->dead_pos);
    t->dead_entries = malloc(p->max_batch * sizeof *t->dead_entries);
    t->dead_slots = malloc(p->max_batch * sizeof *t->dead_slots);
    if (!t->h || !t->ids || !t->qsbr || !t->pool || !t->free_entries || !t->slots ||
        !t->free_slots || !t->base || !t->dead_pos || !t->dead_entries || !t->dead_slots) {
        set_err(err, errlen, "cannot allocate the session table: %s",
                rte_errno ? rte_strerror(rte_errno) : "out of memory");
        corridor_dpt_free(&t);
        return NULL;
    }
    rte_rcu_qsbr_init(t->qsbr, t->n_readers);
    /* stacks pop from the end: hand out low indices first */
    for (size_t i = 0; i < n_entries; i++)
        t->free_entries[i] = (uint32_t)(n_entries - 1 - i);
    t->n_free_entries = (uint32_t)n_entries;
    for (uint32_t i = 0; i < p->capacity; i++)
        t->free_slots[i] = p->capacity - 1 - i;
    t->n_free_slots = p->capacity;
    return t;
}

void corridor_dpt_free(corridor_dpt **tp)
{
    if (!tp || !*tp)
        return;
    corridor_dpt *t = *tp;
    rte_hash_free(t->h);
    thp_heap_close(t);
    rte_hash_free(t->ids);
    rte_free(t->qsbr);
    big_free(t->pool, t->n_entries * t->stride);
    free(t->free_entries);
    free(t->slots);
    free(t->free_slots);
    free(t->base);
    free(t->dead_pos);
    free(t->dead_entries);
    free(t->dead_slots);
    free(t);
    *tp = NULL;
}

int corridor_dpt_reader_online(corridor_dpt *t, unsigned reader)
{
    if (reader >= t->n_readers)
        return -EINVAL;
    int rc = rte_rcu_qsbr_thread_register(t->qsbr, reader);
    if (rc == 0)
        rte_rcu_qsbr_thread_online(t->qsbr, reader);
    return rc;
}

void corridor_dpt_reader_offline(corridor_dpt *t, unsigned reader)
{
    rte_rcu_qsbr_thread_offline(t->qsbr, reader);
    rte_rcu_qsbr_thread_unregister(t->qsbr, reader);
}

struct rte_rcu_qsbr *corridor_dpt_qsbr(corridor_dpt *t)
{
    return t->qsbr;
}

unsigned corridor_dpt_lookup_bulk(const corridor_dpt *t, const corridor_dpt_key **keys,
                                  unsigned n, const corridor_dpt_entry **out)
{
    uint64_t hits = 0;
    void *data[CORRIDOR_DPT_LOOKUP_MAX];
    if (n == 0)
        return 0;
    int rc = rte_hash_lookup_bulk_data(t->h, (const void **)keys, n, &hits, data);
    for (unsigned i = 0; i < n; i++)
        out[i] = (hits >> i) & 1 ? data[i] : NULL;
    return rc < 0 ? 0 : (unsigned)rc;
}

size_t corridor_dpt_count(const corridor_dpt *t)
{
    return t->count;
}

static dpt_slot *slot_of(const corridor_dpt *t, uint64_t rule_id)
{
    void *data = NULL;
    if (rte_hash_lookup_data(t->ids, &rule_id, &data) < 0)
        return NULL;
    return data;
}

const corridor_dpt_entry *corridor_dpt_find(const corridor_dpt *t, uint64_t rule_id)
{
    dpt_slot *s = slot_of(t, rule_id);
    return s ? s->e : NULL;
}

int corridor_dpt_version(const corridor_dpt *t, uint64_t rule_id, uint64_t *version)
{
    dpt_slot *s = slot_of(t, rule_id);
    if (!s)
        return -ENOENT;
    *version = s->version;
    return 0;
}

int corridor_dpt_rule_stats(const corridor_dpt *t, uint64_t rule_id, uint64_t *pkts,
                            uint64_t *bytes)
{
    dpt_slot *s = slot_of(t, rule_id);
    if (!s)
        return -ENOENT;
    uint64_t p = t->base[s - t->slots].pkts, b = t->base[s - t->slots].bytes;
    for (uint32_t r = 0; r < t->n_readers; r++) {
        const corridor_dpt_ctr *c = corridor_dpt_entry_ctr(s->e, r);
        p += __atomic_load_n(&c->pkts, __ATOMIC_RELAXED);
        b += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
    }
    *pkts = p;
    *bytes = b;
    return 0;
}

/* ---- compiling a rule ---- */

static int compile(const corridor_dpt *t, const corridor_dp_rule *r, corridor_dpt_entry *e,
                   char *why, size_t wlen)
{
    memset(e, 0, sizeof *e);
    if (r->out_port >= t->n_ports) {
        snprintf(why, wlen, "out_port %u: the dataplane has %u ports", r->out_port, t->n_ports);
        return -EINVAL;
    }
    const corridor_dpt_port *port = &t->ports[r->out_port];
    const uint8_t *dmac = r->has_dst_mac ? r->dst_mac : port->gateway_mac;
    e->action = (uint8_t)r->action;
    e->out_port = (uint8_t)r->out_port;
    e->qfi = r->qfi;
    switch (r->action) {
    case CORRIDOR_DP_ACTION_FORWARD: {
        const corridor_ipaddr *src = r->target_address.family == 4 ? &port->addr4 : &port->addr6;
        if (r->target_address.family != 4 && r->target_address.family != 6) {
            snprintf(why, wlen, "forward needs target_address");
            return -EINVAL;
        }
        if (!src->family) {
            snprintf(why, wlen, "port %u has no IPv%d address (address%d) to send from",
                     r->out_port, r->target_address.family, r->target_address.family);
            return -EINVAL;
        }
        corridor_gtpu_encap enc;
        memset(&enc, 0, sizeof enc);
        memcpy(enc.dst_mac, dmac, 6);
        memcpy(enc.src_mac, port->mac, 6);
        enc.has_vlan = port->has_vlan;
        enc.vlan_tci = port->vlan_tci;
        enc.family = r->target_address.family;
        memcpy(enc.src, src->a, 16);
        memcpy(enc.dst, r->target_address.a, 16);
        enc.teid = r->target_teid;
        return corridor_gtpu_tmpl_init(&e->tmpl, &enc);
    }
    case CORRIDOR_DP_ACTION_BREAKOUT:
        /* the ethertype (last two bytes) is set per packet from the inner family */
        e->eth_len = (uint8_t)corridor_eth_write(e->eth, dmac, port->mac, port->has_vlan,
                                                 port->vlan_tci, 0);
        return 0;
    case CORRIDOR_DP_ACTION_DROP:
        return 0;
    case CORRIDOR_DP_ACTION_KERNEL:
        if (!t->has_kernel_port) {
            snprintf(why, wlen, "action kernel needs an exception port (exception.port)");
            return -EINVAL;
        }
        return 0;
    default:
        snprintf(why, wlen, "action %d unknown", (int)r->action);
        return -EINVAL;
    }
}

static void rule_keys(const corridor_dp_rule *r, dpt_slot *s)
{
    s->has_ul = r->uplink_address.family != 0;
    s->has_dl = r->ue_address.family != 0;
    memset(&s->ul, 0, sizeof s->ul);
    memset(&s->dl, 0, sizeof s->dl);
    if (s->has_ul)
        corridor_dpt_key_set(&s->ul, r->uplink_address.family == 4 ? CORRIDOR_DPT_KEY_UL4
                                                                   : CORRIDOR_DPT_KEY_UL6,
                             r->uplink_teid, r->uplink_address.a, r->uplink_address.family);
    if (s->has_dl)
        corridor_dpt_key_set(&s->dl, r->ue_address.family == 4 ? CORRIDOR_DPT_KEY_DL4
                                                               : CORRIDOR_DPT_KEY_DL6,
                             0, r->ue_address.a, r->ue_address.family);
}

static bool key_eq(const corridor_dpt_key *a, const corridor_dpt_key *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

static corridor_dpt_entry *entry_alloc(corridor_dpt *t)
{
    return t->n_free_entries ? entry_at(t, t->free_entries[--t->n_free_entries]) : NULL;
}

static void entry_release(corridor_dpt *t, corridor_dpt_entry *e)
{
    t->free_entries[t->n_free_entries++] = (uint32_t)entry_idx(t, e);
}

/* After the grace period: nobody counts on e any more; its counts go to its rule and its
 * counters are zero for the next user. */
static void entry_retire(corridor_dpt *t, corridor_dpt_entry *e)
{
    corridor_dpt_ctr *b = &t->base[e->slot];
    for (uint32_t r = 0; r < t->n_readers; r++) {
        corridor_dpt_ctr *c = corridor_dpt_entry_ctr(e, r);
        b->pkts += c->pkts;
        b->bytes += c->bytes;
        *c = (corridor_dpt_ctr){0, 0};
    }
    entry_release(t, e);
}

/* Remove a key now; its position is freed after the grace period. */
static void key_delete(corridor_dpt *t, const corridor_dpt_key *k)
{
    int32_t pos = rte_hash_del_key(t->h, k);
    if (pos >= 0)
        t->dead_pos[t->n_dead_pos++] = pos;
}

/* A key that may be claimed by the rule in slot self (NULL: by nobody else). */
static bool key_taken(const corridor_dpt *t, const corridor_dpt_key *k, const dpt_slot *self)
{
    if (self && ((self->has_ul && key_eq(k, &self->ul)) || (self->has_dl && key_eq(k, &self->dl))))
        return false;
    return rte_hash_lookup(t->h, k) >= 0;
}

static int op_add(corridor_dpt *t, const corridor_dp_rule *r, char *why, size_t wlen)
{
    if (slot_of(t, r->rule_id)) {
        snprintf(why, wlen, "rule %llu exists", (unsigned long long)r->rule_id);
        return -EEXIST;
    }
    dpt_slot tmp;
    rule_keys(r, &tmp);
    if ((tmp.has_ul && key_taken(t, &tmp.ul, NULL)) || (tmp.has_dl && key_taken(t, &tmp.dl, NULL))) {
        snprintf(why, wlen, "rule %llu: its key is another rule's", (unsigned long long)r->rule_id);
        return -EEXIST;
    }
    if (!t->n_free_slots || !t->n_free_entries) {
        snprintf(why, wlen, "table full (%u rules)", t->capacity);
        return -ENOSPC;
    }
    corridor_dpt_entry *e = entry_alloc(t);
    int rc = compile(t, r, e, why, wlen);
    if (rc < 0) {
        entry_release(t, e);
        return rc;
    }
    uint32_t idx = t->free_slots[--t->n_free_slots];
    dpt_slot *s = &t->slots[idx];
    *s = tmp;
    s->rule_id = r->rule_id;
    s->version = r->version;
    s->e = e;
    e->slot = idx;
    t->base[idx] = (corridor_dpt_ctr){0, 0};   /* the entry's own counters are zero */
    int a = s->has_ul ? rte_hash_add_key_data(t->h, &s->ul, e) : 0;
    int b = (a == 0 && s->has_dl) ? rte_hash_add_key_data(t->h, &s->dl, e) : 0;
    int c = (a == 0 && b == 0) ? rte_hash_add_key_data(t->ids, &r->rule_id, s) : 0;
    if (a < 0 || b < 0 || c < 0) {
        /* keys already published may be seen by readers: retire them after the grace period */
        if (a == 0 && s->has_ul)
            key_delete(t, &s->ul);
        if (a == 0 && b == 0 && s->has_dl)
            key_delete(t, &s->dl);
        t->dead_entries[t->n_dead_entries++] = e;
        t->dead_slots[t->n_dead_slots++] = idx;
        s->e = NULL;
        snprintf(why, wlen, "table full (%u rules)", t->capacity);
        return -ENOSPC;
    }
    t->count++;
    return 0;
}

static int op_modify(corridor_dpt *t, const corridor_dp_rule *r, char *why, size_t wlen)
{
    dpt_slot *s = slot_of(t, r->rule_id);
    if (!s) {
        snprintf(why, wlen, "rule %llu unknown", (unsigned long long)r->rule_id);
        return -ENOENT;
    }
    if (r->version && r->version < s->version) {
        snprintf(why, wlen, "rule %llu: version %llu is older than the installed %llu",
                 (unsigned long long)r->rule_id, (unsigned long long)r->version,
                 (unsigned long long)s->version);
        return -ESTALE;
    }
    dpt_slot nk;
    rule_keys(r, &nk);
    if ((nk.has_ul && key_taken(t, &nk.ul, s)) || (nk.has_dl && key_taken(t, &nk.dl, s))) {
        snprintf(why, wlen, "rule %llu: its new key is another rule's",
                 (unsigned long long)r->rule_id);
        return -EEXIST;
    }
    corridor_dpt_entry *e = entry_alloc(t);
    if (!e) {
        snprintf(why, wlen, "no free entry (batch over max_batch?)");
        return -ENOSPC;
    }
    int rc = compile(t, r, e, why, wlen);
    if (rc < 0) {
        entry_release(t, e);
        return rc;
    }
    e->slot = s->e->slot;
    /* make before break: publish the new keys/entry, then retire keys the rule lost */
    int a = nk.has_ul ? rte_hash_add_key_data(t->h, &nk.ul, e) : 0;
    int b = nk.has_dl ? rte_hash_add_key_data(t->h, &nk.dl, e) : 0;
    if (a < 0 || b < 0) {
        /* only possible for a new key in a full table; the old rule stays for the rest */
        if (a == 0 && nk.has_ul && !(s->has_ul && key_eq(&nk.ul, &s->ul)))
            key_delete(t, &nk.ul);
        if (a == 0 && nk.has_ul && s->has_ul && key_eq(&nk.ul, &s->ul))
            rte_hash_add_key_data(t->h, &s->ul, s->e);
        t->dead_entries[t->n_dead_entries++] = e;
        snprintf(why, wlen, "table full (%u rules)", t->capacity);
        return -ENOSPC;
    }
    if (s->has_ul && !(nk.has_ul && key_eq(&nk.ul, &s->ul)))
        key_delete(t, &s->ul);
    if (s->has_dl && !(nk.has_dl && key_eq(&nk.dl, &s->dl)))
        key_delete(t, &s->dl);
    t->dead_entries[t->n_dead_entries++] = s->e;
    s->e = e;
    s->version = r->version;
    s->ul = nk.ul;
    s->dl = nk.dl;
    s->has_ul = nk.has_ul;
    s->has_dl = nk.has_dl;
    return 0;
}

static int op_delete(corridor_dpt *t, uint64_t rule_id, char *why, size_t wlen)
{
    dpt_slot *s = slot_of(t, rule_id);
    if (!s) {
        snprintf(why, wlen, "rule %llu unknown", (unsigned long long)rule_id);
        return -ENOENT;
    }
    if (s->has_ul)
        key_delete(t, &s->ul);
    if (s->has_dl)
        key_delete(t, &s->dl);
    rte_hash_del_key(t->ids, &rule_id);
    t->dead_entries[t->n_dead_entries++] = s->e;
    t->dead_slots[t->n_dead_slots++] = (uint32_t)(s - t->slots);
    s->e = NULL;
    t->count--;
    return 0;
}

/* End of a batch: once every reader has been quiescent, nothing can still hold what the
 * batch retired. */
static void reclaim(corridor_dpt *t)
{
    if (!t->n_dead_pos && !t->n_dead_entries && !t->n_dead_slots)
        return;
    rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
    for (uint32_t i = 0; i < t->n_dead_pos; i++)
        rte_hash_free_key_with_position(t->h, t->dead_pos[i]);
    for (uint32_t i = 0; i < t->n_dead_entries; i++)   /* before their slots are freed */
        entry_retire(t, t->dead_entries[i]);
    for (uint32_t i = 0; i < t->n_dead_slots; i++)
        t->free_slots[t->n_free_slots++] = t->dead_slots[i];
    t->n_dead_pos = t->n_dead_entries = t->n_dead_slots = 0;
}

int corridor_dpt_apply(corridor_dpt *t, const corridor_rule_op *ops, size_t n,
                       corridor_rule_result *res)
{
    memset(res, 0, sizeof *res);
    int first = 0;
    for (size_t done = 0; done < n;) {
        /* at most max_batch ops between grace periods: the dead lists are that long */
        size_t chunk = n - done < t->max_batch ? n - done : t->max_batch;
        for (size_t i = done; i < done + chunk; i++) {
            char why[200] = "";
            int rc;
            switch (ops[i].op) {
            case CORRIDOR_RULE_OP_ADD: rc = op_add(t, &ops[i].rule, why, sizeof why); break;
            case CORRIDOR_RULE_OP_MODIFY: rc = op_modify(t, &ops[i].rule, why, sizeof why); break;
            case CORRIDOR_RULE_OP_DELETE:
                rc = op_delete(t, ops[i].rule.rule_id, why, sizeof why);
                break;
            default:
                snprintf(why, sizeof why, "op %d unknown", (int)ops[i].op);
                rc = -EINVAL;
                break;
            }
            if (rc == 0) {
                res->applied++;
                continue;
            }
            if (res->failed++ == 0) {
                first = rc;
                res->first_failed = (uint32_t)i;
                snprintf(res->error, sizeof res->error, "ops[%zu]: %s", i, why);
            }
        }
        reclaim(t);
        done += chunk;
    }
    res->status = first;
    res->rules_total = t->count;
    return first;
}
