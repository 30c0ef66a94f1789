// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Circuit breaker: the state sequence on a synthetic clock, the exact
 * number of half-open trials, late reports, lost trials, bad arguments,
 * and threads hammering allow/report with the trial bound as invariant.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "http/breaker.h"

static struct breaker_set *mk(size_t n, uint32_t failures, uint32_t open_ms, uint32_t half)
{
	struct breaker_set *b;

	cr_assert_eq(breaker_set_new(&b, n, failures, open_ms, half), 0);
	return b;
}

Test(breaker, sequence)
{
	struct breaker_set *b = mk(2, 3, 1000, 1);
	uint64_t t = 5000;

	cr_assert_eq(breaker_state(b, 0, t), BREAKER_CLOSED);
	breaker_report(b, 0, false, t);
	breaker_report(b, 0, false, t);
	breaker_report(b, 0, true, t);		/* not consecutive: starts over */
	breaker_report(b, 0, false, t);
	breaker_report(b, 0, false, t);
	cr_assert_eq(breaker_state(b, 0, t), BREAKER_CLOSED);
	cr_assert(breaker_allow(b, 0, t));
	breaker_report(b, 0, false, t);
	cr_assert_eq(breaker_state(b, 0, t), BREAKER_OPEN);
	cr_assert_eq(breaker_state(b, 1, t), BREAKER_CLOSED, "targets are independent");
	cr_assert_not(breaker_allow(b, 0, t + 999));
	cr_assert_eq(breaker_state(b, 0, t + 1000), BREAKER_HALF_OPEN);
	cr_assert(breaker_allow(b, 0, t + 1000));	/* the trial */
	cr_assert_not(breaker_allow(b, 0, t + 1001));
	breaker_report(b, 0, false, t + 1100);		/* trial fails: open again */
	cr_assert_eq(breaker_state(b, 0, t + 1100), BREAKER_OPEN);
	cr_assert_not(breaker_allow(b, 0, t + 2099));
	cr_assert(breaker_allow(b, 0, t + 2100));
	breaker_report(b, 0, true, t + 2200);		/* trial succeeds: closed */
	cr_assert_eq(breaker_state(b, 0, t + 2200), BREAKER_CLOSED);
	cr_assert(breaker_allow(b, 0, t + 2200));
	/* and it takes `failures` fresh failures to open again */
	breaker_report(b, 0, false, t + 2300);
	breaker_report(b, 0, false, t + 2300);
	cr_assert_eq(breaker_state(b, 0, t + 2300), BREAKER_CLOSED);
	breaker_report(b, 0, false, t + 2300);
	cr_assert_eq(breaker_state(b, 0, t + 2300), BREAKER_OPEN);
	breaker_set_free(b);
}

Test(breaker, half_open_trial_count)
{
	struct breaker_set *b = mk(1, 1, 100, 3);
	int allowed = 0;

	breaker_report(b, 0, false, 0);
	for (int i = 0; i < 10; i++)
		allowed += breaker_allow(b, 0, 150);
	cr_assert_eq(allowed, 3);
	/* one failure among the trials re-opens; the others' reports are ignored */
	breaker_report(b, 0, false, 160);
	breaker_report(b, 0, true, 161);
	breaker_report(b, 0, true, 162);
	cr_assert_eq(breaker_state(b, 0, 200), BREAKER_OPEN);
	cr_assert_eq(breaker_state(b, 0, 260), BREAKER_HALF_OPEN);
	breaker_set_free(b);
}

Test(breaker, late_reports)
{
	struct breaker_set *b = mk(1, 2, 1000, 1);

	cr_assert(breaker_allow(b, 0, 0));	/* a slow request */
	breaker_report(b, 0, false, 10);
	breaker_report(b, 0, false, 10);
	cr_assert_eq(breaker_state(b, 0, 10), BREAKER_OPEN);
	breaker_report(b, 0, true, 500);	/* the slow one succeeds late */
	cr_assert_eq(breaker_state(b, 0, 500), BREAKER_OPEN, "a late success must not close it");
	breaker_report(b, 0, false, 900);
	cr_assert_eq(breaker_state(b, 0, 1010), BREAKER_HALF_OPEN,
		     "a late failure must not extend it");
	/* past open_ms but no trial taken yet: still open, reports ignored */
	breaker_report(b, 0, true, 1010);
	cr_assert_not(breaker_state(b, 0, 1010) == BREAKER_CLOSED);
	breaker_set_free(b);
}

Test(breaker, lost_trial_reissued)
{
	struct breaker_set *b = mk(1, 1, 100, 1);

	breaker_report(b, 0, false, 0);
	cr_assert(breaker_allow(b, 0, 100));	/* never reported */
	cr_assert_not(breaker_allow(b, 0, 199));
	cr_assert(breaker_allow(b, 0, 200));
	breaker_report(b, 0, true, 210);
	cr_assert_eq(breaker_state(b, 0, 210), BREAKER_CLOSED);
	breaker_set_free(b);
}

Test(breaker, off_and_bad_args)
{
	struct breaker_set *b = mk(1, 0, 100, 0);

	for (int i = 0; i < 100; i++)
		breaker_report(b, 0, false, 0);
	cr_assert(breaker_allow(b, 0, 0));
	cr_assert_eq(breaker_state(b, 0, 0), BREAKER_CLOSED);
	breaker_set_free(b);
	b = mk(1, 1, 100, 1);
	breaker_report(b, 7, false, 0);
	cr_assert(breaker_allow(b, 7, 0));
	cr_assert(breaker_allow(b, 0, 0));
	breaker_set_free(b);
	cr_assert_eq(breaker_set_new(&b, 0, 1, 1, 1), -EINVAL);
	cr_assert_null(b);
	cr_assert_eq(breaker_set_new(&b, 1, 1, 1, 0), -EINVAL);
	cr_assert_eq(breaker_set_new(&b, 1, 1, 1, BREAKER_MAX_HALF_OPEN + 1), -EINVAL);
	breaker_set_free(NULL);
	cr_assert_str_eq(breaker_state_name(BREAKER_HALF_OPEN), "half-open");
	cr_assert_str_eq(breaker_state_name(BREAKER_OPEN), "open");
	cr_assert_str_eq(breaker_state_name(BREAKER_CLOSED), "closed");
}

#define HAMMER_THREADS	4
#define HAMMER_ROUNDS	200000

struct hammer {
	struct breaker_set *b;
	_Atomic uint64_t *clock;
	_Atomic int *allowed;
	unsigned seed;
};

static void *hammer_run(void *arg)
{
	struct hammer *h = arg;
	unsigned seed = h->seed;

	for (int i = 0; i < HAMMER_ROUNDS; i++) {
		uint64_t now = atomic_fetch_add(h->clock, 1) / 64;

		seed = seed * 1103515245u + 12345u;
		if (!breaker_allow(h->b, 0, now))
			continue;
		atomic_fetch_add(h->allowed, 1);
		breaker_report(h->b, 0, (seed >> 16) % 3 != 0, now);
	}
	return NULL;
}

/* Whatever the interleaving of a third of requests failing: the breaker
 * opened at some point (some requests refused), traffic still flowed,
 * and afterwards it runs the exact sequence again from a known point. */
Test(breaker, threads)
{
	struct breaker_set *b = mk(1, 3, 5, 2);
	_Atomic uint64_t clock = 0;
	_Atomic int allowed = 0;
	struct hammer h[HAMMER_THREADS];
	pthread_t th[HAMMER_THREADS];
	uint64_t t;
	int n = 0;

	for (int i = 0; i < HAMMER_THREADS; i++) {
		h[i] = (struct hammer){ b, &clock, &allowed, 7u * (unsigned)i + 1 };
		cr_assert_eq(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
	}
	for (int i = 0; i < HAMMER_THREADS; i++)
		pthread_join(th[i], NULL);
	cr_assert_gt(atomic_load(&allowed), 0);
	cr_assert_lt(atomic_load(&allowed), HAMMER_THREADS * HAMMER_ROUNDS);
	t = atomic_load(&clock) / 64 + 100;
	while (breaker_state(b, 0, t) != BREAKER_OPEN && n++ < 10) {
		if (breaker_allow(b, 0, t))
			breaker_report(b, 0, false, t);
	}
	cr_assert_eq(breaker_state(b, 0, t), BREAKER_OPEN);
	n = 0;
	for (int i = 0; i < 10; i++)
		n += breaker_allow(b, 0, t + 5);
	cr_assert_eq(n, 2);
	breaker_report(b, 0, true, t + 6);
	cr_assert_eq(breaker_state(b, 0, t + 6), BREAKER_CLOSED);
	breaker_set_free(b);
}

struct racer {
	struct breaker_set *b;
	_Atomic int *allowed;
};

static void *race_allow(void *arg)
{
	struct racer *r = arg;

	for (int i = 0; i < 10000; i++)
		if (breaker_allow(r->b, 0, 1000))
			atomic_fetch_add(r->allowed, 1);
	return NULL;
}

Test(breaker, threads_trial_slots)
{
	struct breaker_set *b = mk(1, 1, 100, 5);
	_Atomic int allowed = 0;
	struct racer r = { b, &allowed };
	pthread_t th[HAMMER_THREADS];

	breaker_report(b, 0, false, 0);
	for (int i = 0; i < HAMMER_THREADS; i++)
		pthread_create(&th[i], NULL, race_allow, &r);
	for (int i = 0; i < HAMMER_THREADS; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(atomic_load(&allowed), 5);
	breaker_set_free(b);
}
