// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/engine/health.c: eject/readmit state machine and probe schedule. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "engine/balancer.h"
#include "engine/health.h"

#define SEC 1000000000ULL
#define T0 (1000 * SEC)

/* RouteX defaults: 10 s interval, 3 s timeout, 3 fails, 2 passes. */
static const struct health_params params = {
	.interval_ns = 10 * SEC,
	.timeout_ns = 3 * SEC,
	.fail_threshold = 3,
	.pass_threshold = 2,
};

Test(health, optimistic_start)
{
	struct health h;

	health_init(&h, &params, NULL, T0, 0);
	cr_assert(h.healthy);
	cr_assert_eq(h.fails, 0);
	cr_assert_eq(h.passes, 0);
	cr_assert_eq(h.readmitted_ns, 0);
	cr_assert_eq(health_next_probe(&h), T0);
}

Test(health, fail_threshold_ejects)
{
	struct health h;

	health_init(&h, &params, NULL, T0, 0);
	cr_assert_not(health_report(&h, false, T0 + 1));
	cr_assert_not(health_report(&h, false, T0 + 2));
	cr_assert(h.healthy);
	cr_assert(health_report(&h, false, T0 + 3), "third failure ejects");
	cr_assert_not(h.healthy);
	cr_assert_eq(h.changed_ns, T0 + 3);
	cr_assert_not(health_report(&h, false, T0 + 4), "already unhealthy: no change");
	cr_assert_eq(h.fails, 4);
}

Test(health, pass_resets_fail_streak)
{
	struct health h;

	health_init(&h, &params, NULL, T0, 0);
	health_report(&h, false, T0 + 1);
	health_report(&h, false, T0 + 2);
	health_report(&h, true, T0 + 3);
	cr_assert_eq(h.fails, 0);
	cr_assert_eq(h.passes, 1);
	health_report(&h, false, T0 + 4);
	health_report(&h, false, T0 + 5);
	cr_assert(h.healthy, "streak restarted after the pass: 2 < 3");
	cr_assert(health_report(&h, false, T0 + 6));
	cr_assert_not(h.healthy);
}

Test(health, pass_threshold_readmits)
{
	struct health h;

	health_init(&h, &params, NULL, T0, 0);
	for (int i = 0; i < 3; i++)
		health_report(&h, false, T0 + 1);
	cr_assert_not(h.healthy);
	cr_assert_eq(h.passes, 0);
	cr_assert_not(health_report(&h, true, T0 + 10));
	cr_assert_not(h.healthy);
	cr_assert_eq(h.fails, 0, "a pass resets the failure streak");
	/* A failure between passes restarts the pass streak. */
	cr_assert_not(health_report(&h, false, T0 + 20));
	cr_assert_eq(h.passes, 0);
	cr_assert_not(health_report(&h, true, T0 + 30));
	cr_assert(health_report(&h, true, T0 + 40), "second consecutive pass readmits");
	cr_assert(h.healthy);
	cr_assert_eq(h.readmitted_ns, T0 + 40);
	cr_assert_eq(h.changed_ns, T0 + 40);
}

Test(health, thresholds_of_one)
{
	struct health_params p = params;
	struct health h;

	p.fail_threshold = 1;
	p.pass_threshold = 1;
	health_init(&h, &p, NULL, T0, 0);
	cr_assert(health_report(&h, false, T0 + 1));
	cr_assert(health_report(&h, true, T0 + 2));
	cr_assert(health_report(&h, false, T0 + 3));
}

/* Transitions reach the balancer's shared state; readmission starts the ramp. */
Test(health, shared_state)
{
	struct lb_params lp = { .algo = LB_ROUND_ROBIN, .slow_start_ns = 60 * SEC };
	struct lb_target_conf tc = { .weight = 1 };
	struct lb_target_state *st;
	struct health h;
	struct lb *lb;

	tc.addr.ss_family = AF_INET;
	cr_assert_eq(lb_create(&lb, &lp, &tc, 1, NULL, 0), 0);
	st = lb_target_state(lb, 0);
	health_init(&h, &params, st, T0, 0);
	cr_assert(atomic_load(&st->healthy));
	cr_assert_eq(atomic_load(&st->ramp_start_ns), 0, "initial health is not a readmission");
	for (int i = 0; i < 3; i++)
		health_report(&h, false, T0 + SEC);
	cr_assert_not(atomic_load(&st->healthy));
	health_report(&h, true, T0 + 2 * SEC);
	health_report(&h, true, T0 + 3 * SEC);
	cr_assert(atomic_load(&st->healthy));
	cr_assert_eq(atomic_load(&st->ramp_start_ns), T0 + 3 * SEC);
	cr_assert_eq(lb_ramp(lb, 0, T0 + 3 * SEC), LB_RAMP_MIN);
	lb_destroy(lb);
}

Test(health, stagger_spreads)
{
	uint64_t iv = 10 * SEC, off[16];

	cr_assert_eq(health_stagger_ns(iv, 0), 0);
	for (unsigned int k = 0; k < 16; k++) {
		off[k] = health_stagger_ns(iv, k);
		cr_assert_lt(off[k], iv);
	}
	/* 16 targets: no two probes closer than interval/64, and every
	 * quarter of the interval gets at least 3. */
	for (unsigned int i = 0; i < 16; i++)
		for (unsigned int j = i + 1; j < 16; j++) {
			uint64_t d = off[i] > off[j] ? off[i] - off[j] : off[j] - off[i];

			cr_assert_gt(d, iv / 64, "targets %u and %u", i, j);
		}
	for (unsigned int q = 0; q < 4; q++) {
		unsigned int n = 0;

		for (unsigned int k = 0; k < 16; k++)
			n += off[k] / (iv / 4) == q;
		cr_assert_geq(n, 3, "quarter %u has %u probes", q, n);
	}
}

Test(health, first_probe_staggered)
{
	struct health a, b;

	health_init(&a, &params, NULL, T0, 0);
	health_init(&b, &params, NULL, T0, 1);
	cr_assert_eq(health_next_probe(&a), T0);
	cr_assert_eq(health_next_probe(&b), T0 + health_stagger_ns(params.interval_ns, 1));
	cr_assert_neq(health_next_probe(&a), health_next_probe(&b));
}

Test(health, schedule_on_grid)
{
	struct health h;
	uint64_t first, dl;

	health_init(&h, &params, NULL, T0, 3);
	first = health_next_probe(&h);
	cr_assert_not(health_probe_due(&h, first - 1));
	cr_assert(health_probe_due(&h, first));
	/* Started 1 s late: the deadline counts from the start, the next
	 * slot stays on the grid. */
	cr_assert_eq(health_probe_begin(&h, first + SEC, &dl), 0);
	cr_assert_eq(dl, first + SEC + params.timeout_ns);
	cr_assert_eq(health_next_probe(&h), first + params.interval_ns);
	cr_assert_eq(health_next_event(&h), dl);
	cr_assert_not(health_probe_due(&h, first + 20 * SEC), "one probe in flight at a time");
	cr_assert_eq(health_probe_begin(&h, first + SEC, &dl), -EBUSY);
	cr_assert_not(health_probe_end(&h, true, first + 2 * SEC));
	cr_assert_eq(health_next_event(&h), first + params.interval_ns);
	/* Far behind (a stalled loop): skip the missed slots, no burst. */
	cr_assert_eq(health_probe_begin(&h, first + 55 * SEC, NULL), 0);
	cr_assert_eq(health_next_probe(&h), first + 60 * SEC);
}

Test(health, probe_timeout)
{
	struct health h;
	uint64_t dl;

	health_init(&h, &params, NULL, T0, 0);
	for (int i = 0; i < 3; i++) {
		uint64_t t = health_next_probe(&h);

		cr_assert_eq(health_probe_begin(&h, t, &dl), 0);
		cr_assert_not(health_probe_expire(&h, dl - 1), "not yet");
		cr_assert(h.in_flight);
		cr_assert_eq(health_probe_expire(&h, dl), i == 2, "probe %d", i);
		cr_assert_not(h.in_flight);
	}
	cr_assert_not(h.healthy, "three timeouts eject");
	/* The outcome of a probe that already timed out is stale. */
	cr_assert_not(health_probe_end(&h, true, dl + 1));
	cr_assert_eq(h.passes, 0);
}

Test(health, late_pass_is_a_failure)
{
	struct health_params p = params;
	struct health h;
	uint64_t dl;

	p.fail_threshold = 1;
	health_init(&h, &p, NULL, T0, 0);
	health_probe_begin(&h, T0, &dl);
	cr_assert(health_probe_end(&h, true, dl + 1));
	cr_assert_not(h.healthy);
	/* A pass in time counts. */
	health_probe_begin(&h, health_next_probe(&h), &dl);
	cr_assert_not(health_probe_end(&h, true, dl));
	cr_assert_eq(h.passes, 1);
}

Test(health, params_validate)
{
	struct health_params p;
	char err[128];

	cr_assert_eq(health_params_validate(&params, err, sizeof(err)), 0);
	p = params;
	p.timeout_ns = p.interval_ns + 1;
	cr_assert_eq(health_params_validate(&p, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "health check timeout must not exceed the interval");
	p = params;
	p.interval_ns = 0;
	cr_assert_eq(health_params_validate(&p, err, sizeof(err)), -EINVAL);
	p = params;
	p.timeout_ns = 0;
	cr_assert_eq(health_params_validate(&p, err, sizeof(err)), -EINVAL);
	p = params;
	p.fail_threshold = 0;
	cr_assert_eq(health_params_validate(&p, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "failures_before_eject must be at least 1");
	p = params;
	p.pass_threshold = 0;
	cr_assert_eq(health_params_validate(&p, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "passes_before_readmit must be at least 1");
}
