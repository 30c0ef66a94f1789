/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A table of connection slots (TCP connections, HTTP connections, UDP
 * sessions): a fixed array of elements that each begin with a struct
 * slot, a free list, and the two counts every completion relies on:
 *   - the generation, bumped on every take, goes into user_data
 *     (uring_ud.h) so a completion for a freed and reused slot is seen
 *     as stale;
 *   - the in-flight count of requests in the ring naming the slot: a
 *     closed slot is put back only once it is zero.
 * Runs on one worker thread; nothing is shared.
 */
#ifndef AEGIS_SLOTS_H
#define AEGIS_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The first member of every element. */
struct slot {
	uint32_t gen;			/* UD_GEN_MASK bits */
	uint32_t next;			/* free list */
	uint32_t inflight;		/* requests in the ring naming this slot */
	bool live;			/* taken */
};

struct slot_table {
	unsigned char *base;
	size_t stride;
	uint32_t n, free_head, live;
};

#define SLOT_NONE UINT32_MAX

/* n zeroed elements of `stride` bytes, all free. 0 or -ENOMEM. */
int slots_init(struct slot_table *t, uint32_t n, size_t stride);
void slots_free(struct slot_table *t);

/* A free element, zeroed but for its slot (gen bumped, live); NULL: full. */
void *slots_take(struct slot_table *t);
/* Back to the free list (the caller has released what it held). */
void slots_put(struct slot_table *t, void *e);

static inline void *slots_at(const struct slot_table *t, uint32_t i)
{
	return i < t->n ? t->base + (size_t)i * t->stride : NULL;
}

static inline uint32_t slots_index(const struct slot_table *t, const void *e)
{
	return (uint32_t)(((const unsigned char *)e - t->base) / t->stride);
}

/* The live element a completion names, or NULL (out of range, free or
 * reused since: stale). */
void *slots_lookup(const struct slot_table *t, uint32_t i, uint32_t gen);

#endif /* AEGIS_SLOTS_H */
