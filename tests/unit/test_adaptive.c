// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Adaptive rate factor on a synthetic clock: back-off once per slot step
 * down to min_factor, no change inside the 80-100% band, stepwise
 * recovery after recover_ms, too few samples, off, P95 against a sorted
 * reference, window expiry, and threads recording concurrently.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "http/adaptive.h"

static struct adaptive *mk(uint32_t p95, uint32_t min, uint32_t recover)
{
	struct adaptive *a;

	cr_assert_eq(adaptive_new(&a, p95, min, recover), 0);
	return a;
}

static void fill(struct adaptive *a, uint32_t ms, int n, uint64_t now)
{
	for (int i = 0; i < n; i++)
		adaptive_record(a, ms, now);
}

Test(adaptive, backs_off_to_floor)
{
	struct adaptive *a = mk(500, 10, 3000);

	fill(a, 600, 100, 0);
	cr_assert_eq(adaptive_factor(a, 0), 50);
	cr_assert_eq(adaptive_factor(a, 999), 50, "at most once per slot step");
	cr_assert_eq(adaptive_factor(a, 1000), 25);
	cr_assert_eq(adaptive_factor(a, 2000), 12);
	cr_assert_eq(adaptive_factor(a, 3000), 10);
	cr_assert_eq(adaptive_factor(a, 4000), 10);
	adaptive_free(a);
}

Test(adaptive, band_no_flapping)
{
	struct adaptive *a = mk(500, 10, 1000);
	uint64_t t;

	/* 450 ms sits between 80% and 100%: nothing moves */
	for (t = 0; t < 30000; t += 1000) {
		fill(a, 450, 30, t);
		cr_assert_eq(adaptive_factor(a, t), 100, "t=%lu", (unsigned long)t);
	}
	fill(a, 900, 400, t);
	cr_assert_eq(adaptive_factor(a, t), 50);
	for (t += 11000; t < 60000; t += 1000) {
		fill(a, 450, 30, t);
		cr_assert_eq(adaptive_factor(a, t), 50, "t=%lu", (unsigned long)t);
	}
	adaptive_free(a);
}

Test(adaptive, recovers_stepwise)
{
	struct adaptive *a = mk(500, 10, 3000);
	uint32_t want[] = { 10, 10, 10, 20, 20, 20, 40, 40, 40, 80, 80, 80, 100, 100 };
	uint64_t t;

	fill(a, 600, 100, 0);
	for (t = 0; t < 10000; t += 1000) {
		fill(a, 100, 30, t);
		adaptive_factor(a, t);
	}
	cr_assert_eq(adaptive_factor(a, 9999), 10);
	/* from 10 s the slow slot has left the window */
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		t = 10000 + 1000 * i;
		fill(a, 100, 30, t);
		cr_assert_eq(adaptive_factor(a, t), want[i], "step %zu", i);
	}
	/* a band excursion restarts the recovery clock */
	adaptive_free(a);
	a = mk(500, 10, 2000);
	fill(a, 600, 100, 0);
	adaptive_factor(a, 0);					/* 50 */
	fill(a, 100, 3000, 1000);
	cr_assert_eq(adaptive_factor(a, 1000), 50);		/* below: clock starts */
	fill(a, 450, 400, 2000);
	cr_assert_eq(adaptive_factor(a, 2000), 50);		/* band: clock reset */
	fill(a, 100, 10000, 3000);
	cr_assert_eq(adaptive_factor(a, 3000), 50, "below again, from 3 s only");
	cr_assert_eq(adaptive_factor(a, 4000), 50);
	cr_assert_eq(adaptive_factor(a, 5000), 100);
	adaptive_free(a);
}

Test(adaptive, few_samples_and_off)
{
	struct adaptive *a = mk(500, 10, 0);

	fill(a, 5000, ADAPTIVE_MIN_SAMPLES - 1, 0);
	cr_assert_eq(adaptive_p95(a, 0), 0);
	cr_assert_eq(adaptive_factor(a, 0), 100);
	fill(a, 5000, 1, 1000);
	cr_assert_gt(adaptive_p95(a, 1000), 5000);
	cr_assert_eq(adaptive_factor(a, 1000), 50);
	adaptive_free(a);
	a = mk(0, 0, 0);
	fill(a, 5000, 1000, 0);
	cr_assert_eq(adaptive_factor(a, 0), 100);
	cr_assert_eq(adaptive_factor(a, 5000), 100);
	adaptive_free(a);
	cr_assert_eq(adaptive_new(&a, 100, 0, 0), -EINVAL);
	cr_assert_null(a);
	cr_assert_eq(adaptive_new(&a, 100, 101, 0), -EINVAL);
	adaptive_free(NULL);
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

Test(adaptive, p95_accuracy)
{
	static uint32_t v[5000];
	unsigned seed = 12345;

	for (int round = 0; round < 20; round++) {
		struct adaptive *a = mk(500, 10, 0);
		size_t n = 20 + (size_t)round * 249;
		uint32_t ref, got;

		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* log-uniform over 1 ms .. ~2 s, some beyond the range */
			v[i] = 1u << ((seed >> 8) % 22);
			v[i] += (seed >> 16) % v[i];
			adaptive_record(a, v[i], 100 + (uint64_t)i % 9000);
		}
		qsort(v, n, sizeof(v[0]), cmp_u32);
		ref = v[(n * 95 + 99) / 100 - 1];
		if (ref > ADAPTIVE_MAX_MS)
			ref = ADAPTIVE_MAX_MS;
		got = adaptive_p95(a, 9099);
		/* the upper bound of ref's bucket: at most one bucket width above */
		cr_assert(got >= ref && got - ref <= ref / ADAPTIVE_SUB_BUCKETS,
			  "n=%zu ref=%u got=%u", n, ref, got);
		adaptive_free(a);
	}
}

Test(adaptive, window_expiry)
{
	struct adaptive *a = mk(500, 10, 0);

	fill(a, 7, 100, 0);
	cr_assert_eq(adaptive_p95(a, 0), 7);
	cr_assert_eq(adaptive_p95(a, 9999), 7);
	cr_assert_eq(adaptive_p95(a, 10000), 0);
	fill(a, 9, 100, 25000);		/* reuses slot 5, clearing it */
	fill(a, 3, 100, 5000);		/* too late for that slot: dropped */
	cr_assert_eq(adaptive_p95(a, 25000), 9);
	adaptive_free(a);
}

#define NTHREADS	4
#define PER_THREAD	50000

struct rec_arg {
	struct adaptive *a;
	_Atomic uint64_t *clock;
};

static void *recorder(void *arg)
{
	struct rec_arg *r = arg;

	for (int i = 0; i < PER_THREAD; i++) {
		uint64_t now = atomic_fetch_add(r->clock, 1) / 100;

		adaptive_record(r->a, (uint32_t)(i % 100) + 1, now);
		if (i % 1000 == 0)
			adaptive_factor(r->a, now);
	}
	return NULL;
}

/* 1..100 ms uniformly, across slot rotations: the P95 is exactly 95. */
Test(adaptive, threads)
{
	struct adaptive *a = mk(50, 10, 0);
	_Atomic uint64_t clock = 0;
	struct rec_arg r = { a, &clock };
	pthread_t th[NTHREADS];

	for (int i = 0; i < NTHREADS; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, recorder, &r), 0);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(adaptive_p95(a, NTHREADS * PER_THREAD / 100), 95);
	cr_assert_lt(adaptive_factor(a, NTHREADS * PER_THREAD / 100 + 1000), 100);
	adaptive_free(a);
}
