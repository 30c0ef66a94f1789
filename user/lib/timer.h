/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A hashed timer wheel for per-worker deadlines (connect, idle, read and
 * write timeouts, UDP session expiry). One wheel per worker thread, no
 * locks. Timers are intrusive: the owner embeds struct timer and keeps it
 * valid until it fires or is deleted. Adding, deleting and firing are
 * O(1); advancing costs one slot per tick elapsed.
 */
#ifndef AEGIS_TIMER_H
#define AEGIS_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define TIMER_SLOTS	1024		/* power of two */
#define TIMER_TICK_MS	10

struct timer {
	struct timer *next, *prev;	/* NULL when not armed */
	uint64_t expires_tick;
	void (*fn)(struct timer *t, void *ctx);
};

struct timer_wheel {
	struct timer slots[TIMER_SLOTS];	/* list heads */
	uint64_t tick;			/* last tick processed */
	uint64_t armed;
};

void timer_wheel_init(struct timer_wheel *w, uint64_t now_ms);
/* Arms (or re-arms) t to fire at or after expires_ms. */
void timer_add(struct timer_wheel *w, struct timer *t, uint64_t expires_ms,
	       void (*fn)(struct timer *t, void *ctx));
void timer_del(struct timer_wheel *w, struct timer *t);
static inline bool timer_armed(const struct timer *t) { return t->next != NULL; }
/* Fires every timer due by now_ms; fn may re-arm or delete any timer. */
unsigned int timer_advance(struct timer_wheel *w, uint64_t now_ms, void *ctx);
/* Milliseconds until the next tick that has work, capped at max_ms. */
uint64_t timer_next_ms(const struct timer_wheel *w, uint64_t now_ms, uint64_t max_ms);

#endif /* AEGIS_TIMER_H */
