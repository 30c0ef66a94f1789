// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Hashed timer wheel; see timer.h. */
#include <stddef.h>

#include "lib/timer.h"

void timer_wheel_init(struct timer_wheel *w, uint64_t now_ms)
{
	for (size_t i = 0; i < TIMER_SLOTS; i++)
		w->slots[i].next = w->slots[i].prev = &w->slots[i];
	w->tick = now_ms / TIMER_TICK_MS;
	w->armed = 0;
}

void timer_del(struct timer_wheel *w, struct timer *t)
{
	if (!t->next)
		return;
	t->prev->next = t->next;
	t->next->prev = t->prev;
	t->next = t->prev = NULL;
	w->armed--;
}

void timer_add(struct timer_wheel *w, struct timer *t, uint64_t expires_ms,
	       void (*fn)(struct timer *t, void *ctx))
{
	/* Round up: a timer never fires early. */
	uint64_t tick = (expires_ms + TIMER_TICK_MS - 1) / TIMER_TICK_MS;
	struct timer *head;

	timer_del(w, t);
	if (tick <= w->tick)
		tick = w->tick + 1;
	t->expires_tick = tick;
	t->fn = fn;
	head = &w->slots[tick & (TIMER_SLOTS - 1)];
	t->next = head;
	t->prev = head->prev;
	head->prev->next = t;
	head->prev = t;
	w->armed++;
}

/* Fires the due timers of one slot. A fired timer is unlinked before its
 * callback runs; the callback may arm it again (into any slot, never this
 * tick's since the new tick is later). */
static unsigned int fire_slot(struct timer_wheel *w, uint64_t tick, void *ctx)
{
	struct timer *head = &w->slots[tick & (TIMER_SLOTS - 1)];
	struct timer pending = { .next = &pending, .prev = &pending };
	unsigned int fired = 0;

	/* Move due timers to a private list first so callbacks can touch the slot. */
	for (struct timer *t = head->next, *n; t != head; t = n) {
		n = t->next;
		if (t->expires_tick > tick)
			continue;
		t->prev->next = t->next;
		t->next->prev = t->prev;
		t->next = &pending;
		t->prev = pending.prev;
		pending.prev->next = t;
		pending.prev = t;
	}
	while (pending.next != &pending) {
		struct timer *t = pending.next;

		t->prev->next = t->next;
		t->next->prev = t->prev;
		t->next = t->prev = NULL;
		w->armed--;
		fired++;
		t->fn(t, ctx);
	}
	return fired;
}

unsigned int timer_advance(struct timer_wheel *w, uint64_t now_ms, void *ctx)
{
	uint64_t target = now_ms / TIMER_TICK_MS;
	unsigned int fired = 0;

	/* After a long stall, one pass over the wheel covers every slot. */
	if (target - w->tick > TIMER_SLOTS)
		w->tick = target - TIMER_SLOTS;
	while (w->tick < target) {
		w->tick++;
		fired += fire_slot(w, w->tick, ctx);
	}
	if (w->armed && target > w->tick)
		w->tick = target;
	return fired;
}

uint64_t timer_next_ms(const struct timer_wheel *w, uint64_t now_ms, uint64_t max_ms)
{
	(void)now_ms;
	if (!w->armed)
		return max_ms;
	return TIMER_TICK_MS < max_ms ? TIMER_TICK_MS : max_ms;
}
