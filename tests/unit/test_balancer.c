// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * user/engine/balancer.c: every algorithm's fairness, health awareness, sticky
 * sessions, slow start, and counters under concurrent pickers.
 * Statistical checks use fixed seeds, so they are deterministic; their
 * tolerance is +-5% of the expected share (relative).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "engine/balancer.h"

#define SEC 1000000000ULL
#define T0 (1000 * SEC)

static struct lb *make(const struct lb_params *p, size_t n, const unsigned int *weights)
{
	struct lb_target_conf tc[16];
	char err[128] = "";
	struct lb *lb = NULL;

	cr_assert_leq(n, 16);
	memset(tc, 0, sizeof(tc));
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&tc[i].addr;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(0x0a000001 + (uint32_t)i);
		sin->sin_port = htons(35565);
		tc[i].weight = weights ? weights[i] : 1;
	}
	cr_assert_eq(lb_create(&lb, p, tc, n, err, sizeof(err)), 0, "%s", err);
	return lb;
}

static struct aegis_addr client(uint32_t i)
{
	struct aegis_addr a;

	addr_from_ipv4(&a, htonl(0xc6120000 + i));	/* 198.18.x.y */
	return a;
}

/* Picks and immediately releases n times at now; counts per target. */
static void pick_many(struct lb *lb, unsigned int n, uint64_t now, struct lb_rng *rng,
		      unsigned int *count)
{
	for (unsigned int i = 0; i < n; i++) {
		struct aegis_addr c = client(i);
		int idx = lb_pick(lb, &c, now, rng);

		cr_assert_geq(idx, 0, "pick %u: %d", i, idx);
		count[idx]++;
		cr_assert_eq(lb_release(lb, idx), 0);
	}
}

static void assert_share(unsigned int got, unsigned int total, double expect, const char *what)
{
	double share = (double)got / total;

	cr_log_info("%s: %.4f (expected %.4f)", what, share, expect);
	cr_expect(share > expect * 0.95 && share < expect * 1.05,
		  "%s: share %.4f, expected %.4f +-5%%", what, share, expect);
}

static void set_health(struct lb *lb, size_t i, bool healthy, uint64_t now)
{
	lb_state_set_healthy(lb_target_state(lb, i), healthy, now);
}

/* ---- configuration ---- */

Test(balancer, algo_names)
{
	enum lb_algo a;

	for (int i = LB_ROUND_ROBIN; i <= LB_RANDOM; i++) {
		cr_assert_eq(lb_algo_parse(lb_algo_name((enum lb_algo)i), &a), 0);
		cr_assert_eq((int)a, i);
	}
	cr_assert_eq(lb_algo_parse("least-connections", &a), -EINVAL);
	cr_assert_eq(lb_algo_parse(NULL, &a), -EINVAL);
	cr_assert_str_eq(lb_algo_name(LB_IP_HASH), "ip-hash");
}

Test(balancer, create_rejects)
{
	struct lb_params p = { .algo = LB_WEIGHTED };
	struct lb_target_conf tc[2];
	struct lb *lb = NULL;
	char err[128];

	memset(tc, 0, sizeof(tc));
	tc[0].addr.ss_family = tc[1].addr.ss_family = AF_INET;
	tc[0].weight = 1;
	cr_assert_eq(lb_create(&lb, &p, tc, 0, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "no upstream targets");
	cr_assert_eq(lb_create(&lb, &p, tc, 2, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "target 1: weight 0 is outside 1..10000");
	tc[1].weight = 10001;
	cr_assert_eq(lb_create(&lb, &p, tc, 2, err, sizeof(err)), -EINVAL);
	tc[1].weight = 1;
	tc[1].addr.ss_family = AF_UNIX;
	cr_assert_eq(lb_create(&lb, &p, tc, 2, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "target 1: address is not IPv4 or IPv6");
	tc[1].addr.ss_family = AF_INET6;
	p.sticky = true;
	cr_assert_eq(lb_create(&lb, &p, tc, 2, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "sticky sessions need a TTL above 0");
	p.sticky_ttl_ns = SEC;
	p.sticky_shards = 3;
	cr_assert_eq(lb_create(&lb, &p, tc, 2, err, sizeof(err)), -EINVAL);
	p.sticky_shards = 0;
	p.algo = (enum lb_algo)9;
	cr_assert_eq(lb_create(&lb, &p, tc, 2, err, sizeof(err)), -EINVAL);
	p.algo = LB_RANDOM;
	cr_assert_eq(lb_create(&lb, &p, tc, 2, err, sizeof(err)), 0);
	cr_assert_eq(lb_count(lb), 2);
	cr_assert_eq(lb_target_addr(lb, 1)->ss_family, AF_INET6);
	cr_assert_null(lb_target_addr(lb, 2));
	lb_destroy(lb);
}

Test(balancer, needs_client_and_rng)
{
	struct lb_params p = { .algo = LB_IP_HASH };
	struct lb *lb = make(&p, 2, NULL);
	struct aegis_addr c = client(1);

	cr_assert_eq(lb_pick(lb, NULL, T0, NULL), -EINVAL);
	cr_assert_geq(lb_pick(lb, &c, T0, NULL), 0);
	lb_destroy(lb);
	p.algo = LB_RANDOM;
	lb = make(&p, 2, NULL);
	cr_assert_eq(lb_pick(lb, NULL, T0, NULL), -EINVAL);
	lb_destroy(lb);
}

Test(balancer, client_from_sockaddr)
{
	struct sockaddr_storage ss;
	struct aegis_addr a, b;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_INET;
	inet_pton(AF_INET, "198.18.0.7", &((struct sockaddr_in *)&ss)->sin_addr);
	cr_assert_eq(lb_client_from_sockaddr(&ss, &a), 0);
	cr_assert_eq(addr_parse("198.18.0.7", &b), 0);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	ss.ss_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::7", &((struct sockaddr_in6 *)&ss)->sin6_addr);
	cr_assert_eq(lb_client_from_sockaddr(&ss, &a), 0);
	cr_assert_eq(addr_parse("2001:db8::7", &b), 0);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	ss.ss_family = AF_UNIX;
	cr_assert_eq(lb_client_from_sockaddr(&ss, &a), -EAFNOSUPPORT);
}

/* ---- algorithms ---- */

Test(balancer, round_robin_exact)
{
	struct lb_params p = { .algo = LB_ROUND_ROBIN };
	struct lb *lb = make(&p, 4, NULL);
	unsigned int count[4] = { 0 };

	for (int i = 0; i < 8; i++) {
		int idx = lb_pick(lb, NULL, T0, NULL);

		cr_assert_eq(idx, i % 4, "rotation order");
		lb_release(lb, idx);
	}
	pick_many(lb, 10000, T0, NULL, count);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(count[i], 2500, "target %d: %u", i, count[i]);
	lb_destroy(lb);
}

Test(balancer, round_robin_skips_unhealthy)
{
	struct lb_params p = { .algo = LB_ROUND_ROBIN };
	struct lb *lb = make(&p, 4, NULL);
	unsigned int count[4] = { 0 };

	set_health(lb, 1, false, T0);
	pick_many(lb, 9999, T0, NULL, count);
	cr_assert_eq(count[1], 0);
	/* Exact among the healthy: the skipped turn is not piled on a neighbour. */
	cr_assert_eq(count[0], 3333);
	cr_assert_eq(count[2], 3333);
	cr_assert_eq(count[3], 3333);
	lb_destroy(lb);
}

Test(balancer, random_uniform)
{
	struct lb_params p = { .algo = LB_RANDOM };
	struct lb *lb = make(&p, 4, NULL);
	unsigned int count[4] = { 0 };
	struct lb_rng rng;

	lb_rng_seed(&rng, 42);
	pick_many(lb, 100000, T0, &rng, count);
	for (int i = 0; i < 4; i++)
		assert_share(count[i], 100000, 0.25, "random 1/4");
	lb_destroy(lb);
}

Test(balancer, random_skips_unhealthy)
{
	struct lb_params p = { .algo = LB_RANDOM };
	struct lb *lb = make(&p, 3, NULL);
	unsigned int count[3] = { 0 };
	struct lb_rng rng;

	lb_rng_seed(&rng, 7);
	set_health(lb, 0, false, T0);
	pick_many(lb, 10000, T0, &rng, count);
	cr_assert_eq(count[0], 0);
	assert_share(count[1], 10000, 0.5, "random 1/2 with one down");
	lb_destroy(lb);
}

/* RouteX's claim: weights 10:1 give the heavy target ~91%. */
Test(balancer, weighted_10_to_1)
{
	static const unsigned int w[2] = { 10, 1 };
	struct lb_params p = { .algo = LB_WEIGHTED };
	struct lb *lb = make(&p, 2, w);
	unsigned int count[2] = { 0 };
	struct lb_rng rng;

	lb_rng_seed(&rng, 1);
	pick_many(lb, 100000, T0, &rng, count);
	assert_share(count[0], 100000, 10.0 / 11, "weighted 10:1 heavy");
	assert_share(count[1], 100000, 1.0 / 11, "weighted 10:1 light");
	lb_destroy(lb);
}

Test(balancer, weighted_3_2_1)
{
	static const unsigned int w[3] = { 3, 2, 1 };
	struct lb_params p = { .algo = LB_WEIGHTED };
	struct lb *lb = make(&p, 3, w);
	unsigned int count[3] = { 0 };
	struct lb_rng rng;

	lb_rng_seed(&rng, 2);
	pick_many(lb, 100000, T0, &rng, count);
	for (int i = 0; i < 3; i++)
		assert_share(count[i], 100000, w[i] / 6.0, "weighted 3:2:1");
	/* Unhealthy heavy target: the rest split 2:1. */
	memset(count, 0, sizeof(count));
	set_health(lb, 0, false, T0);
	pick_many(lb, 100000, T0, &rng, count);
	cr_assert_eq(count[0], 0);
	assert_share(count[1], 100000, 2.0 / 3, "weighted 2:1 after eject");
	lb_destroy(lb);
}

Test(balancer, least_conn_picks_least_loaded)
{
	struct lb_params p = { .algo = LB_LEAST_CONN };
	struct lb *lb = make(&p, 3, NULL);
	int held[30];

	/* 30 held connections over 3 empty targets: 10 each. */
	for (int i = 0; i < 30; i++)
		held[i] = lb_pick(lb, NULL, T0, NULL);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(atomic_load(&lb_target_state(lb, i)->active), 10);
	/* Close 4 on target 2: the next 4 go there, then it is level again. */
	for (int i = 0, closed = 0; i < 30 && closed < 4; i++) {
		if (held[i] == 2) {
			cr_assert_eq(lb_release(lb, 2), 0);
			closed++;
		}
	}
	cr_assert_eq(atomic_load(&lb_target_state(lb, 2)->active), 6);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(lb_pick(lb, NULL, T0, NULL), 2);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(atomic_load(&lb_target_state(lb, i)->active), 10);
	/* Unhealthy targets are skipped even when least loaded. */
	lb_release(lb, 0);
	lb_release(lb, 0);
	set_health(lb, 0, false, T0);
	cr_assert_neq(lb_pick(lb, NULL, T0, NULL), 0);
	lb_destroy(lb);
}

Test(balancer, least_conn_ties_rotate)
{
	struct lb_params p = { .algo = LB_LEAST_CONN };
	struct lb *lb = make(&p, 4, NULL);
	unsigned int count[4] = { 0 };

	/* Short connections (always all idle): ties must not all go to 0. */
	pick_many(lb, 10000, T0, NULL, count);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(count[i], 2500);
	lb_destroy(lb);
}

Test(balancer, release_never_negative)
{
	struct lb_params p = { .algo = LB_LEAST_CONN };
	struct lb *lb = make(&p, 2, NULL);

	cr_assert_eq(lb_release(lb, 0), -EINVAL);
	cr_assert_eq(lb_release(lb, 5), -EINVAL);
	cr_assert_eq(lb_release(lb, -1), -EINVAL);
	cr_assert_eq(atomic_load(&lb_target_state(lb, 0)->active), 0);
	cr_assert_eq(lb_pick(lb, NULL, T0, NULL), 0);
	cr_assert_eq(lb_release(lb, 0), 0);
	cr_assert_eq(lb_release(lb, 0), -EINVAL);
	lb_destroy(lb);
}

Test(balancer, ip_hash_stable_and_spread)
{
	struct lb_params p = { .algo = LB_IP_HASH };
	struct lb *lb = make(&p, 4, NULL);
	unsigned int count[4] = { 0 };
	static int first[100000];

	for (uint32_t i = 0; i < 100000; i++) {
		struct aegis_addr c = client(i);

		first[i] = lb_pick(lb, &c, T0, NULL);
		count[first[i]]++;
		lb_release(lb, first[i]);
	}
	for (int i = 0; i < 4; i++)
		assert_share(count[i], 100000, 0.25, "ip-hash 1/4");
	for (uint32_t i = 0; i < 100000; i += 7) {
		struct aegis_addr c = client(i);
		int idx = lb_pick(lb, &c, T0 + SEC, NULL);

		cr_assert_eq(idx, first[i], "client %u moved", i);
		lb_release(lb, idx);
	}
	lb_destroy(lb);
}

/* Rendezvous hashing: ejecting a target moves only its own clients, and
 * readmitting it brings exactly them back. */
Test(balancer, ip_hash_minimal_disruption)
{
	struct lb_params p = { .algo = LB_IP_HASH };
	struct lb *lb = make(&p, 4, NULL);
	static int before[20000];
	unsigned int moved_to[4] = { 0 };

	for (uint32_t i = 0; i < 20000; i++) {
		struct aegis_addr c = client(i);

		before[i] = lb_pick(lb, &c, T0, NULL);
		lb_release(lb, before[i]);
	}
	set_health(lb, 2, false, T0);
	for (uint32_t i = 0; i < 20000; i++) {
		struct aegis_addr c = client(i);
		int idx = lb_pick(lb, &c, T0, NULL);

		lb_release(lb, idx);
		cr_assert_neq(idx, 2);
		if (before[i] != 2)
			cr_assert_eq(idx, before[i], "client %u moved needlessly", i);
		else
			moved_to[idx]++;
	}
	/* The orphans spread over the three survivors. */
	for (int i = 0; i < 4; i++)
		if (i != 2)
			cr_assert_gt(moved_to[i], 1000, "target %d got %u", i, moved_to[i]);
	set_health(lb, 2, true, T0);
	for (uint32_t i = 0; i < 20000; i++) {
		struct aegis_addr c = client(i);
		int idx = lb_pick(lb, &c, T0, NULL);

		lb_release(lb, idx);
		cr_assert_eq(idx, before[i]);
	}
	lb_destroy(lb);
}

Test(balancer, all_unhealthy_unreachable)
{
	struct aegis_addr c = client(1);
	struct lb_rng rng;

	lb_rng_seed(&rng, 3);
	for (int a = LB_ROUND_ROBIN; a <= LB_RANDOM; a++) {
		for (int sticky = 0; sticky < 2; sticky++) {
			struct lb_params p = { .algo = (enum lb_algo)a, .sticky = sticky,
					       .sticky_ttl_ns = 60 * SEC };
			struct lb *lb = make(&p, 3, NULL);
			int idx = lb_pick(lb, &c, T0, &rng);

			cr_assert_geq(idx, 0);
			lb_release(lb, idx);
			for (int i = 0; i < 3; i++)
				set_health(lb, i, false, T0);
			cr_assert_eq(lb_pick(lb, &c, T0, &rng), -EHOSTUNREACH, "%s sticky=%d",
				     lb_algo_name((enum lb_algo)a), sticky);
			for (int i = 0; i < 3; i++)
				cr_assert_eq(atomic_load(&lb_target_state(lb, i)->active), 0);
			lb_destroy(lb);
		}
	}
}

/* ---- sticky sessions ---- */

Test(balancer, sticky_ttl_since_last_use)
{
	struct lb_params p = { .algo = LB_ROUND_ROBIN, .sticky = true,
			       .sticky_ttl_ns = 10 * SEC };
	struct lb *lb = make(&p, 4, NULL);
	struct aegis_addr a = client(1), b = client(2);

	cr_assert_eq(lb_pick(lb, &a, T0, NULL), 0);
	cr_assert_eq(lb_pick(lb, &b, T0, NULL), 1);
	/* Same target while used within the TTL; each use refreshes it. */
	cr_assert_eq(lb_pick(lb, &a, T0 + 9 * SEC, NULL), 0);
	cr_assert_eq(lb_pick(lb, &a, T0 + 18 * SEC, NULL), 0, "9 s after last use");
	cr_assert_eq(lb_pick(lb, &a, T0 + 27 * SEC, NULL), 0);
	/* 10 s idle: expired, picked afresh (round-robin's next turn). */
	cr_assert_eq(lb_pick(lb, &a, T0 + 37 * SEC, NULL), 2);
	cr_assert_eq(lb_pick(lb, &a, T0 + 38 * SEC, NULL), 2);
	/* b was last used at T0: long expired. */
	cr_assert_eq(lb_pick(lb, &b, T0 + 38 * SEC, NULL), 3);
	/* A worker whose clock reads slightly behind still hits. */
	cr_assert_eq(lb_pick(lb, &b, T0 + 37 * SEC, NULL), 3);
	cr_assert_eq(lb_sticky_count(lb), 2);
	lb_destroy(lb);
}

Test(balancer, sticky_ttl_expiry_random)
{
	struct lb_params p = { .algo = LB_RANDOM, .sticky = true, .sticky_ttl_ns = 10 * SEC };
	struct lb *lb = make(&p, 4, NULL);
	int first[200], changed = 0;
	struct lb_rng rng;

	lb_rng_seed(&rng, 9);
	for (uint32_t i = 0; i < 200; i++) {
		struct aegis_addr c = client(i);

		first[i] = lb_pick(lb, &c, T0, &rng);
	}
	for (uint32_t i = 0; i < 200; i++) {
		struct aegis_addr c = client(i);

		cr_assert_eq(lb_pick(lb, &c, T0 + 10 * SEC - 1, &rng), first[i]);
	}
	for (uint32_t i = 0; i < 200; i++) {
		struct aegis_addr c = client(i);

		changed += lb_pick(lb, &c, T0 + 20 * SEC, &rng) != first[i];
	}
	/* After expiry the pick is fresh: ~3/4 of clients land elsewhere. */
	cr_assert_gt(changed, 100, "only %d of 200 changed", changed);
	lb_destroy(lb);
}

Test(balancer, sticky_unhealthy_target_repicks)
{
	struct lb_params p = { .algo = LB_ROUND_ROBIN, .sticky = true,
			       .sticky_ttl_ns = 60 * SEC };
	struct lb *lb = make(&p, 3, NULL);
	struct aegis_addr a = client(1);
	int first, second;

	first = lb_pick(lb, &a, T0, NULL);
	set_health(lb, first, false, T0 + SEC);
	second = lb_pick(lb, &a, T0 + 2 * SEC, NULL);
	cr_assert_geq(second, 0);
	cr_assert_neq(second, first);
	/* The new mapping sticks, even once the old target is back. */
	set_health(lb, first, true, T0 + 3 * SEC);
	cr_assert_eq(lb_pick(lb, &a, T0 + 4 * SEC, NULL), second);
	lb_destroy(lb);
}

/* One shard of 4: the least recently used entry is evicted first. */
Test(balancer, sticky_bound_evicts_oldest)
{
	struct lb_params p = { .algo = LB_ROUND_ROBIN, .sticky = true,
			       .sticky_ttl_ns = 3600 * SEC, .sticky_max = 4,
			       .sticky_shards = 1 };
	struct lb *lb = make(&p, 5, NULL);
	struct aegis_addr c[5];

	for (uint32_t i = 0; i < 5; i++)
		c[i] = client(i);
	for (int i = 0; i < 4; i++)	/* A..D -> targets 0..3, tickets 0..3 */
		cr_assert_eq(lb_pick(lb, &c[i], T0 + (uint64_t)i * SEC, NULL), i);
	cr_assert_eq(lb_pick(lb, &c[0], T0 + 5 * SEC, NULL), 0, "A touched: B is oldest");
	cr_assert_eq(lb_pick(lb, &c[4], T0 + 6 * SEC, NULL), 4, "E evicts B");
	cr_assert_eq(lb_sticky_count(lb), 4);
	/* B was evicted: fresh pick, ticket 5 -> target 0. That evicts C. */
	cr_assert_eq(lb_pick(lb, &c[1], T0 + 7 * SEC, NULL), 0);
	cr_assert_eq(lb_pick(lb, &c[3], T0 + 8 * SEC, NULL), 3, "D kept");
	cr_assert_eq(lb_pick(lb, &c[0], T0 + 8 * SEC, NULL), 0, "A kept");
	cr_assert_eq(lb_pick(lb, &c[2], T0 + 9 * SEC, NULL), 1, "C evicted: ticket 6");
	cr_assert_eq(lb_sticky_count(lb), 4);
	lb_destroy(lb);
}

Test(balancer, sticky_bound_sharded)
{
	struct lb_params p = { .algo = LB_RANDOM, .sticky = true,
			       .sticky_ttl_ns = 3600 * SEC, .sticky_max = 64 };
	struct lb *lb = make(&p, 4, NULL);
	struct lb_rng rng;

	lb_rng_seed(&rng, 5);
	for (uint32_t i = 0; i < 10000; i++) {
		struct aegis_addr c = client(i);
		int idx = lb_pick(lb, &c, T0 + i, &rng);

		cr_assert_geq(idx, 0);
		lb_release(lb, idx);
		cr_assert_leq(lb_sticky_count(lb), 64);
	}
	cr_assert_eq(lb_sticky_count(lb), 64, "16 shards x 4, all full");
	lb_destroy(lb);
}

/* ---- slow start ---- */

Test(balancer, ramp_linear)
{
	struct lb_params p = { .algo = LB_WEIGHTED, .slow_start_ns = 100 * SEC };
	struct lb *lb = make(&p, 2, NULL);
	uint64_t r = T0 + 50 * SEC;

	cr_assert_eq(lb_ramp(lb, 0, T0), LB_RAMP_ONE, "initially healthy: no ramp");
	set_health(lb, 0, false, T0);
	set_health(lb, 0, true, r);
	cr_assert_eq(lb_ramp(lb, 0, r), LB_RAMP_MIN);
	cr_assert_eq(lb_ramp(lb, 0, r + 25 * SEC), LB_RAMP_MIN + (LB_RAMP_ONE - LB_RAMP_MIN) / 4);
	cr_assert_eq(lb_ramp(lb, 0, r + 50 * SEC), LB_RAMP_MIN + (LB_RAMP_ONE - LB_RAMP_MIN) / 2);
	cr_assert_eq(lb_ramp(lb, 0, r + 100 * SEC - 1), LB_RAMP_ONE - 1);
	cr_assert_eq(lb_ramp(lb, 0, r + 100 * SEC), LB_RAMP_ONE);
	cr_assert_eq(lb_ramp(lb, 0, r + 1000 * SEC), LB_RAMP_ONE);
	/* A second "healthy" report is not a readmission. */
	set_health(lb, 0, true, r + 60 * SEC);
	cr_assert_eq(lb_ramp(lb, 0, r + 100 * SEC), LB_RAMP_ONE);
	lb_destroy(lb);
	p.slow_start_ns = 0;
	lb = make(&p, 1, NULL);
	set_health(lb, 0, false, T0);
	set_health(lb, 0, true, T0);
	cr_assert_eq(lb_ramp(lb, 0, T0), LB_RAMP_ONE, "slow start off");
	lb_destroy(lb);
}

/*
 * Share of target 1 (readmitted at R, 100 s warm-up) against target 0 in
 * four quarters of the warm-up and after it. Short connections, except
 * least-conn, which only ramps against held load: there each quarter
 * holds its picks open, then closes them.
 */
static void ramp_shares(enum lb_algo algo, double *share)
{
	struct lb_params p = { .algo = algo, .slow_start_ns = 100 * SEC };
	struct lb *lb = make(&p, 2, NULL);
	uint64_t r = T0 + 10 * SEC;
	const unsigned int n = 20000;
	static int held[20000];
	struct lb_rng rng;

	lb_rng_seed(&rng, 11);
	set_health(lb, 1, false, T0);
	set_health(lb, 1, true, r);
	for (int w = 0; w < 5; w++) {
		unsigned int hits = 0;

		for (unsigned int i = 0; i < n; i++) {
			uint64_t now = r + (uint64_t)w * 25 * SEC + i * (25 * SEC / n);

			held[i] = lb_pick(lb, NULL, now, &rng);
			cr_assert_geq(held[i], 0);
			hits += held[i] == 1;
			if (algo != LB_LEAST_CONN)
				lb_release(lb, held[i]);
		}
		if (algo == LB_LEAST_CONN)
			for (unsigned int i = 0; i < n; i++)
				cr_assert_eq(lb_release(lb, held[i]), 0);
		share[w] = (double)hits / n;
	}
	cr_log_info("%s ramp shares: %.3f %.3f %.3f %.3f then %.3f", lb_algo_name(algo),
		    share[0], share[1], share[2], share[3], share[4]);
	lb_destroy(lb);
}

static void check_ramp(enum lb_algo algo)
{
	double s[5];

	ramp_shares(algo, s);
	/*
	 * Quarter 1's ramp runs 0.10 -> 0.33: weighted/random give f / (1 + f)
	 * of the picks (~17%), round-robin f / 2 (~11%), least-conn levels
	 * held load to the ramp at the quarter's end (~25%).
	 */
	cr_expect_lt(s[0], 0.30, "%s: first quarter %.3f", lb_algo_name(algo), s[0]);
	cr_expect_gt(s[0], 0.05, "%s: first quarter %.3f", lb_algo_name(algo), s[0]);
	for (int w = 1; w < 4; w++)
		cr_expect_gt(s[w], s[w - 1] + 0.02, "%s: quarter %d %.3f <= %.3f",
			     lb_algo_name(algo), w, s[w], s[w - 1]);
	cr_expect_geq(s[4], s[3], "%s: after warm-up %.3f", lb_algo_name(algo), s[4]);
	cr_expect(s[4] > 0.5 * 0.95 && s[4] < 0.5 * 1.05, "%s: after warm-up %.3f",
		  lb_algo_name(algo), s[4]);
}

Test(balancer, slow_start_weighted) { check_ramp(LB_WEIGHTED); }
Test(balancer, slow_start_random) { check_ramp(LB_RANDOM); }
Test(balancer, slow_start_round_robin) { check_ramp(LB_ROUND_ROBIN); }
Test(balancer, slow_start_least_conn) { check_ramp(LB_LEAST_CONN); }

Test(balancer, slow_start_not_for_ip_hash)
{
	struct lb_params p = { .algo = LB_IP_HASH, .slow_start_ns = 100 * SEC };
	struct lb *lb = make(&p, 2, NULL);
	unsigned int count[2] = { 0 };

	set_health(lb, 1, false, T0);
	set_health(lb, 1, true, T0 + SEC);
	pick_many(lb, 10000, T0 + SEC, NULL, count);
	assert_share(count[1], 10000, 0.5, "ip-hash during warm-up (affinity wins)");
	lb_destroy(lb);
}

/* ---- concurrency ---- */

#define MT_THREADS 4
#define MT_PICKS 100000
#define MT_RING 64

struct mt_arg {
	struct lb *lb;
	unsigned int seed;
	unsigned int picked, unreachable, bad_release, negative_seen;
};

static void *mt_worker(void *p)
{
	struct mt_arg *a = p;
	int ring[MT_RING];
	unsigned int head = 0, open = 0;
	struct lb_rng rng;

	lb_rng_seed(&rng, a->seed);
	for (unsigned int i = 0; i < MT_PICKS; i++) {
		struct aegis_addr c = client((uint32_t)(lb_rng_next(&rng) % 5000));
		int idx = lb_pick(a->lb, &c, T0 + i * 1000ULL, &rng);

		if (idx < 0) {
			a->unreachable++;
			continue;
		}
		a->picked++;
		if (open == MT_RING) {	/* close the oldest */
			a->bad_release += lb_release(a->lb, ring[head]) != 0;
			open--;
		}
		ring[head] = idx;
		head = (head + 1) % MT_RING;
		open++;
		if (i % 1024 == 0)
			for (size_t t = 0; t < lb_count(a->lb); t++)
				a->negative_seen += atomic_load(&lb_target_state(a->lb, t)->active) < 0;
	}
	for (unsigned int k = 0; k < open; k++)
		a->bad_release += lb_release(a->lb, ring[(head + MT_RING - open + k) % MT_RING]) != 0;
	return NULL;
}

struct flip_arg {
	struct lb *lb;
	atomic_bool stop;
};

/* Health checker stand-in: targets 1..3 flap; target 0 stays up. */
static void *mt_flipper(void *p)
{
	struct flip_arg *f = p;
	uint64_t now = T0;

	for (unsigned int i = 0; !atomic_load(&f->stop); i++) {
		set_health(f->lb, 1 + i % 3, (i / 3) % 2, now += 1000);
		sched_yield();
	}
	return NULL;
}

static void run_mt(const struct lb_params *p)
{
	static const unsigned int w[4] = { 4, 3, 2, 1 };
	struct lb *lb = make(p, 4, w);
	struct mt_arg args[MT_THREADS];
	struct flip_arg flip = { .lb = lb };
	pthread_t th[MT_THREADS], ft;
	uint64_t picks = 0;
	unsigned int picked = 0;

	atomic_init(&flip.stop, false);
	cr_assert_eq(pthread_create(&ft, NULL, mt_flipper, &flip), 0);
	for (int i = 0; i < MT_THREADS; i++) {
		args[i] = (struct mt_arg){ .lb = lb, .seed = 100 + (unsigned int)i };
		cr_assert_eq(pthread_create(&th[i], NULL, mt_worker, &args[i]), 0);
	}
	for (int i = 0; i < MT_THREADS; i++)
		pthread_join(th[i], NULL);
	atomic_store(&flip.stop, true);
	pthread_join(ft, NULL);
	for (int i = 0; i < MT_THREADS; i++) {
		cr_assert_eq(args[i].unreachable, 0, "target 0 never went down");
		cr_assert_eq(args[i].bad_release, 0);
		cr_assert_eq(args[i].negative_seen, 0);
		picked += args[i].picked;
	}
	for (size_t t = 0; t < 4; t++) {
		cr_assert_eq(atomic_load(&lb_target_state(lb, t)->active), 0,
			     "%s target %zu", lb_algo_name(p->algo), t);
		picks += atomic_load(&lb_target_state(lb, t)->picks);
	}
	cr_assert_eq(picked, MT_THREADS * MT_PICKS);
	cr_assert_eq(picks, (uint64_t)MT_THREADS * MT_PICKS, "totals add up");
	if (p->sticky)
		cr_assert_leq(lb_sticky_count(lb), p->sticky_max);
	lb_destroy(lb);
}

Test(balancer, threads_every_algorithm, .timeout = 120)
{
	for (int a = LB_ROUND_ROBIN; a <= LB_RANDOM; a++) {
		struct lb_params p = { .algo = (enum lb_algo)a, .slow_start_ns = SEC };

		run_mt(&p);
	}
}

Test(balancer, threads_sticky_least_conn, .timeout = 120)
{
	/* 5000 clients into a 1024-entry table: constant eviction. */
	struct lb_params p = { .algo = LB_LEAST_CONN, .slow_start_ns = SEC, .sticky = true,
			       .sticky_ttl_ns = 50 * 1000 * 1000, .sticky_max = 1024 };

	run_mt(&p);
}
