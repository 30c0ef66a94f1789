// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Adaptive rate factor: a ring of per-slot latency histograms (atomic
 * counters), the P95 over the live slots, and the back-off / recovery
 * state machine run once per slot step. See adaptive.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "http/adaptive.h"

#define SUB_BITS	4
#define MAX_BITS	20
#define NBUCKETS	(ADAPTIVE_SUB_BUCKETS * (MAX_BITS - SUB_BITS + 1))

_Static_assert(ADAPTIVE_SUB_BUCKETS == 1u << SUB_BITS, "sub-buckets: a power of two");
_Static_assert(ADAPTIVE_MAX_MS == (1u << MAX_BITS) - 1, "histogram range");

struct slot {
	_Atomic uint64_t epoch;		/* slot step + 1; 0 = never used */
	_Atomic uint32_t n[NBUCKETS];
};

struct adaptive {
	uint32_t p95_ms, min_factor, recover_ms;
	_Atomic uint32_t factor;
	_Atomic uint64_t eval_epoch;	/* last evaluated slot step + 1 */
	pthread_mutex_t lock;		/* slot clearing and evaluation */
	bool below;			/* under lock: P95 < 80% since below_since */
	uint64_t below_since;
	struct slot slots[ADAPTIVE_SLOTS];
};

/* Exact below ADAPTIVE_SUB_BUCKETS ms, then 16 buckets per power of two. */
static unsigned bucket_of(uint32_t v)
{
	unsigned shift;

	if (v > ADAPTIVE_MAX_MS)
		v = ADAPTIVE_MAX_MS;
	if (v < ADAPTIVE_SUB_BUCKETS)
		return v;
	shift = (unsigned)(31 - __builtin_clz(v)) - SUB_BITS;
	return ADAPTIVE_SUB_BUCKETS * (shift + 1) + (v >> shift) - ADAPTIVE_SUB_BUCKETS;
}

static uint32_t bucket_hi(unsigned i)
{
	unsigned shift, sub;

	if (i < ADAPTIVE_SUB_BUCKETS)
		return i;
	shift = i / ADAPTIVE_SUB_BUCKETS - 1;
	sub = i % ADAPTIVE_SUB_BUCKETS;
	return ((ADAPTIVE_SUB_BUCKETS + sub) << shift) + (1u << shift) - 1;
}

int adaptive_new(struct adaptive **out, uint32_t p95_ms, uint32_t min_factor,
		 uint32_t recover_ms)
{
	struct adaptive *a;

	*out = NULL;
	if (p95_ms && (!min_factor || min_factor > 100))
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	if (pthread_mutex_init(&a->lock, NULL)) {
		free(a);
		return -ENOMEM;
	}
	a->p95_ms = p95_ms;
	a->min_factor = min_factor;
	a->recover_ms = recover_ms;
	atomic_init(&a->factor, 100);
	*out = a;
	return 0;
}

void adaptive_free(struct adaptive *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* The slot for step e, cleared by whoever reaches it first; NULL for a
 * sample so late that its slot already holds a newer step. */
static struct slot *slot_for(struct adaptive *a, uint64_t e)
{
	struct slot *s = &a->slots[e % ADAPTIVE_SLOTS];
	uint64_t cur = atomic_load_explicit(&s->epoch, memory_order_acquire);
	unsigned i;

	if (cur == e + 1)
		return s;
	if (cur > e + 1)
		return NULL;
	pthread_mutex_lock(&a->lock);
	if (atomic_load(&s->epoch) < e + 1) {
		for (i = 0; i < NBUCKETS; i++)
			atomic_store_explicit(&s->n[i], 0, memory_order_relaxed);
		atomic_store_explicit(&s->epoch, e + 1, memory_order_release);
	}
	pthread_mutex_unlock(&a->lock);
	return atomic_load(&s->epoch) == e + 1 ? s : NULL;
}

void adaptive_record(struct adaptive *a, uint32_t latency_ms, uint64_t now_ms)
{
	struct slot *s;

	if (!a->p95_ms)
		return;
	s = slot_for(a, now_ms / ADAPTIVE_SLOT_MS);
	if (s)
		atomic_fetch_add_explicit(&s->n[bucket_of(latency_ms)], 1, memory_order_relaxed);
}

uint32_t adaptive_p95(struct adaptive *a, uint64_t now_ms)
{
	uint64_t e = now_ms / ADAPTIVE_SLOT_MS, counts[NBUCKETS] = { 0 }, total = 0, rank, cum = 0;
	unsigned i, k;

	for (k = 0; k < ADAPTIVE_SLOTS; k++) {
		const struct slot *s = &a->slots[k];
		uint64_t ep = atomic_load_explicit(&s->epoch, memory_order_acquire);

		/* live: one of the last ADAPTIVE_SLOTS steps, current included */
		if (!ep || ep - 1 > e || ep - 1 + ADAPTIVE_SLOTS <= e)
			continue;
		for (i = 0; i < NBUCKETS; i++) {
			uint32_t n = atomic_load_explicit(&s->n[i], memory_order_relaxed);

			counts[i] += n;
			total += n;
		}
	}
	if (total < ADAPTIVE_MIN_SAMPLES)
		return 0;
	rank = (total * 95 + 99) / 100;
	for (i = 0; i < NBUCKETS; i++) {
		cum += counts[i];
		if (cum >= rank)
			break;
	}
	return bucket_hi(i < NBUCKETS ? i : NBUCKETS - 1);
}

/* Once per slot step, under the lock. */
static void evaluate(struct adaptive *a, uint64_t now_ms)
{
	uint32_t p = adaptive_p95(a, now_ms), f = atomic_load(&a->factor);

	if (!p) {
		a->below = false;
	} else if (p > a->p95_ms) {
		f = f / 2 < a->min_factor ? a->min_factor : f / 2;
		a->below = false;
	} else if ((uint64_t)p * 5 < (uint64_t)a->p95_ms * 4) {
		if (!a->below) {
			a->below = true;
			a->below_since = now_ms;
		} else if (now_ms - a->below_since >= a->recover_ms) {
			f = f * 2 > 100 ? 100 : f * 2;
			a->below_since = now_ms;
		}
	} else {
		a->below = false;
	}
	atomic_store(&a->factor, f);
}

uint32_t adaptive_factor(struct adaptive *a, uint64_t now_ms)
{
	uint64_t step = now_ms / ADAPTIVE_SLOT_MS + 1;

	if (!a->p95_ms)
		return 100;
	/* A busy lock means another thread is evaluating or rotating: its
	 * result is as good as ours. */
	if (atomic_load(&a->eval_epoch) >= step || pthread_mutex_trylock(&a->lock))
		return atomic_load(&a->factor);
	if (atomic_load(&a->eval_epoch) < step) {
		evaluate(a, now_ms);
		atomic_store(&a->eval_epoch, step);
	}
	pthread_mutex_unlock(&a->lock);
	return atomic_load(&a->factor);
}
