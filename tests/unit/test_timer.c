// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/lib/timer.c: the worker's timer wheel, against a brute-force model. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "lib/timer.h"

#define N 512

struct item {
	struct timer t;
	uint64_t due_ms;	/* model: 0 = not armed */
	uint64_t fired_at;
	int fires;
	int deleted;	/* by a neighbour's callback */
};

static struct item items[N];
static uint64_t now;

static void on_fire(struct timer *t, void *ctx)
{
	struct item *it = (struct item *)t;

	(void)ctx;
	cr_assert(it->due_ms, "fired an unarmed timer");
	cr_assert(now >= it->due_ms, "fired early: due %llu at %llu",
		  (unsigned long long)it->due_ms, (unsigned long long)now);
	it->fires++;
	it->fired_at = now;
	it->due_ms = 0;
}

/* A callback that re-arms itself and touches another timer. */
static void on_fire_rearm(struct timer *t, void *ctx)
{
	struct timer_wheel *w = ctx;
	struct item *it = (struct item *)t, *other = &items[(it - items + 1) % N];

	on_fire(t, ctx);
	if (it->fires < 3) {
		it->due_ms = now + 25;
		timer_add(w, t, it->due_ms, on_fire_rearm);
	}
	if (other->due_ms) {
		timer_del(w, &other->t);	/* may sit in the same firing batch */
		other->due_ms = 0;
		other->deleted = 1;
	}
}

Test(timer, never_early_never_lost)
{
	static struct timer_wheel w;

	now = 1000000;
	memset(items, 0, sizeof(items));
	timer_wheel_init(&w, now);
	srand(42);
	for (int step = 0; step < 20000; step++) {
		struct item *it = &items[rand() % N];
		int op = rand() % 10;

		if (op < 5) {
			/* up to 30 s ahead: several turns of the wheel */
			it->due_ms = now + (uint64_t)(rand() % 30000);
			timer_add(&w, &it->t, it->due_ms, on_fire);
		} else if (op < 7) {
			timer_del(&w, &it->t);
			it->due_ms = 0;
		} else {
			now += (uint64_t)(rand() % 200);
			timer_advance(&w, now, &w);
		}
	}
	/* Long stall: everything still armed fires exactly once. */
	now += 60000;
	timer_advance(&w, now, &w);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(items[i].due_ms, 0, "timer %d never fired", i);
		cr_assert(!timer_armed(&items[i].t));
	}
	cr_assert_eq(w.armed, 0);
}

Test(timer, fires_within_a_tick_and_callbacks_may_rearm)
{
	static struct timer_wheel w;

	now = 5000;
	memset(items, 0, sizeof(items));
	timer_wheel_init(&w, now);
	for (int i = 0; i < 10; i++) {
		items[i].due_ms = now + 100;
		timer_add(&w, &items[i].t, items[i].due_ms, on_fire_rearm);
	}
	for (int ms = 0; ms < 1000; ms++) {
		now++;
		timer_advance(&w, now, &w);
	}
	for (int i = 0; i < 10; i++)
		cr_assert((items[i].fires >= 1 || items[i].deleted) && items[i].fires <= 3,
			  "timer %d: %d fires", i, items[i].fires);
	cr_assert_eq(w.armed, 0, "re-armed timers still pending: %llu",
		     (unsigned long long)w.armed);
	/* Lateness is bounded by one tick. */
	uint64_t due = now + 55;

	items[20].due_ms = due;
	timer_add(&w, &items[20].t, due, on_fire);
	while (!items[20].fires) {
		now++;
		timer_advance(&w, now, &w);
	}
	cr_assert(items[20].fired_at - due < TIMER_TICK_MS, "late by %llu ms",
		  (unsigned long long)(items[20].fired_at - due));
}
