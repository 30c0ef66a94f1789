// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Circuit breakers: one 64-bit atomic word per target holds the state,
 * the half-open trial count and the time of the last transition, so
 * every transition is a single compare-and-swap and no thread can see a
 * state with another state's timestamp. The consecutive-failure count
 * lives beside it (it only matters while CLOSED). See breaker.h.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "http/breaker.h"

/* word: state (2 bits) | trials taken (10) | since_ms (52) */
#define W_TRIAL_BITS	10
#define W_TRIAL_MASK	((1u << W_TRIAL_BITS) - 1)
#define W_SINCE_SHIFT	(2 + W_TRIAL_BITS)
#define W_SINCE_MASK	((1ull << (64 - W_SINCE_SHIFT)) - 1)

_Static_assert(BREAKER_MAX_HALF_OPEN <= W_TRIAL_MASK, "trial counts must fit the word");

struct breaker {
	alignas(64) _Atomic uint64_t w;	/* own cache line: every worker hits it */
	_Atomic uint32_t fails;		/* consecutive failures while CLOSED */
};

struct breaker_set {
	size_t n;
	uint32_t failures, open_ms, half_open;
	struct breaker *t;
};

static unsigned w_state(uint64_t w)
{
	return (unsigned)(w & 3);
}

static unsigned w_taken(uint64_t w)
{
	return (unsigned)(w >> 2) & W_TRIAL_MASK;
}

static uint64_t w_make(unsigned state, unsigned taken, uint64_t now)
{
	return state | (uint64_t)taken << 2 | (now & W_SINCE_MASK) << W_SINCE_SHIFT;
}

/* Wraps modulo 2^52 ms, so any monotonic clock works. */
static uint64_t w_elapsed(uint64_t w, uint64_t now)
{
	return ((now & W_SINCE_MASK) - (w >> W_SINCE_SHIFT)) & W_SINCE_MASK;
}

int breaker_set_new(struct breaker_set **out, size_t n_targets, uint32_t failures,
		    uint32_t open_ms, uint32_t half_open)
{
	struct breaker_set *b;
	size_t i;

	*out = NULL;
	if (!n_targets || n_targets > SIZE_MAX / sizeof(struct breaker) ||
	    (failures && (!half_open || half_open > BREAKER_MAX_HALF_OPEN)))
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->t = aligned_alloc(alignof(struct breaker), n_targets * sizeof(struct breaker));
	if (!b->t) {
		free(b);
		return -ENOMEM;
	}
	for (i = 0; i < n_targets; i++) {
		atomic_init(&b->t[i].w, w_make(BREAKER_CLOSED, 0, 0));
		atomic_init(&b->t[i].fails, 0);
	}
	b->n = n_targets;
	b->failures = failures;
	b->open_ms = open_ms;
	b->half_open = half_open;
	*out = b;
	return 0;
}

void breaker_set_free(struct breaker_set *b)
{
	if (!b)
		return;
	free(b->t);
	free(b);
}

bool breaker_allow(struct breaker_set *b, size_t target, uint64_t now_ms)
{
	struct breaker *t;
	uint64_t w, nw;

	if (!b->failures || target >= b->n)
		return true;
	t = &b->t[target];
	w = atomic_load(&t->w);
	for (;;) {
		switch (w_state(w)) {
		case BREAKER_CLOSED:
			return true;
		case BREAKER_OPEN:
			if (w_elapsed(w, now_ms) < b->open_ms)
				return false;
			nw = w_make(BREAKER_HALF_OPEN, 1, now_ms);
			break;
		default:
			if (w_taken(w) < b->half_open)
				nw = w + (1u << 2);	/* one more trial, same since */
			else if (w_elapsed(w, now_ms) >= b->open_ms)
				nw = w_make(BREAKER_HALF_OPEN, 1, now_ms);	/* trials lost */
			else
				return false;
			break;
		}
		if (atomic_compare_exchange_weak(&t->w, &w, nw))
			return true;
	}
}

/* CLOSED: count consecutive failures; the one that reaches the limit opens. */
static void report_closed(struct breaker_set *b, struct breaker *t, uint64_t w, bool ok,
			  uint64_t now_ms)
{
	if (ok) {
		atomic_store(&t->fails, 0);
		return;
	}
	if (atomic_fetch_add(&t->fails, 1) + 1 < b->failures)
		return;
	/* A failed CAS means another report already moved the state on. */
	if (atomic_compare_exchange_strong(&t->w, &w, w_make(BREAKER_OPEN, 0, now_ms)))
		atomic_store(&t->fails, 0);
}

void breaker_report(struct breaker_set *b, size_t target, bool ok, uint64_t now_ms)
{
	struct breaker *t;
	uint64_t w, nw;

	if (!b->failures || target >= b->n)
		return;
	t = &b->t[target];
	w = atomic_load(&t->w);
	for (;;) {
		switch (w_state(w)) {
		case BREAKER_CLOSED:
			report_closed(b, t, w, ok, now_ms);
			return;
		case BREAKER_OPEN:
			return;		/* admitted before it opened: says nothing new */
		default:
			/* A trial's result, or a late one from before it opened:
			 * indistinguishable, and either is fresh news. */
			nw = w_make(ok ? BREAKER_CLOSED : BREAKER_OPEN, 0, now_ms);
			if (!atomic_compare_exchange_weak(&t->w, &w, nw))
				continue;
			if (ok)
				atomic_store(&t->fails, 0);
			return;
		}
	}
}

enum breaker_state breaker_state(const struct breaker_set *b, size_t target,
				 uint64_t now_ms)
{
	uint64_t w;

	if (!b->failures || target >= b->n)
		return BREAKER_CLOSED;
	w = atomic_load(&b->t[target].w);
	if (w_state(w) == BREAKER_OPEN && w_elapsed(w, now_ms) >= b->open_ms)
		return BREAKER_HALF_OPEN;
	return (enum breaker_state)w_state(w);
}

const char *breaker_state_name(enum breaker_state s)
{
	switch (s) {
	case BREAKER_CLOSED:
		return "closed";
	case BREAKER_OPEN:
		return "open";
	case BREAKER_HALF_OPEN:
		return "half-open";
	}
	return "unknown";
}
