// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/guard/ratelimit.c and user/lib/keytab.c: bucket exactness, periods, factor,
 * entity keys, bounded eviction, threads, hot-key cooldown. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lib/addr.h"
#include "guard/ratelimit.h"

static enum ratelimit_verdict take(struct ratelimit *rl, const struct http_limit *l,
				   const char *key, uint64_t now, uint32_t *retry)
{
	struct ratelimit_result r;

	cr_assert_eq(ratelimit_take(rl, l, 100, key, strlen(key), now, &r), 0);
	if (retry)
		*retry = r.retry_after_ms;
	return r.verdict;
}

Test(ratelimit, burst_then_exact_refill)
{
	struct http_limit l = { .rate = 10, .burst = 10, .period_ms = 1000 };
	struct ratelimit *rl = ratelimit_new(1024, 0, 0);
	uint32_t retry;

	cr_assert_not_null(rl);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(take(rl, &l, "a", 5000, NULL), RL_ALLOW, "request %d", i);
	cr_assert_eq(take(rl, &l, "a", 5000, &retry), RL_LIMITED);
	cr_expect_eq(retry, 100);
	cr_assert_eq(take(rl, &l, "a", 5099, &retry), RL_LIMITED);
	cr_expect_eq(retry, 1);
	cr_assert_eq(take(rl, &l, "a", 5100, NULL), RL_ALLOW);
	cr_assert_eq(take(rl, &l, "a", 5100, NULL), RL_LIMITED);
	/* Another key has its own full bucket. */
	cr_assert_eq(take(rl, &l, "b", 5100, NULL), RL_ALLOW);
	ratelimit_free(rl);
}

/* 3 per second polled every millisecond for 100 s: exactly 300 tokens
 * plus the burst, whatever the rounding of 1000/3. */
Test(ratelimit, no_drift)
{
	struct http_limit l = { .rate = 3, .burst = 1, .period_ms = 1000 };
	struct ratelimit *rl = ratelimit_new(64, 0, 0);
	unsigned allowed = 0;

	for (uint64_t t = 0; t < 100000; t++)
		allowed += take(rl, &l, "k", 1000000 + t, NULL) == RL_ALLOW;
	cr_expect_eq(allowed, 300, "allowed %u", allowed);
	ratelimit_free(rl);
}

Test(ratelimit, period_minute)
{
	struct http_limit l = { .rate = 5, .burst = 5, .period_ms = 60000 };
	struct ratelimit *rl = ratelimit_new(64, 0, 0);
	uint32_t retry;

	for (int i = 0; i < 5; i++)
		cr_assert_eq(take(rl, &l, "login", 0, NULL), RL_ALLOW);
	cr_assert_eq(take(rl, &l, "login", 0, &retry), RL_LIMITED);
	cr_expect_eq(retry, 12000);
	cr_assert_eq(take(rl, &l, "login", 11999, NULL), RL_LIMITED);
	cr_assert_eq(take(rl, &l, "login", 12000, NULL), RL_ALLOW);
	/* A long idle time refills to the burst, not beyond. */
	for (int i = 0; i < 5; i++)
		cr_assert_eq(take(rl, &l, "login", 86400000ull * 30, NULL), RL_ALLOW);
	cr_assert_eq(take(rl, &l, "login", 86400000ull * 30, NULL), RL_LIMITED);
	ratelimit_free(rl);
}

Test(ratelimit, factor_scales_refill)
{
	struct http_limit l = { .rate = 10, .burst = 1, .period_ms = 1000 };
	struct ratelimit *rl = ratelimit_new(64, 0, 0);
	struct ratelimit_result r;

	cr_assert_eq(ratelimit_take(rl, &l, 50, "x", 1, 0, &r), 0);
	cr_assert_eq(r.verdict, RL_ALLOW);
	cr_assert_eq(ratelimit_take(rl, &l, 50, "x", 1, 100, &r), 0);
	cr_expect_eq(r.verdict, RL_LIMITED, "half rate: 200 ms per token");
	cr_expect_eq(r.retry_after_ms, 100);
	cr_assert_eq(ratelimit_take(rl, &l, 50, "x", 1, 200, &r), 0);
	cr_expect_eq(r.verdict, RL_ALLOW);
	/* 0 reads as 100. */
	cr_assert_eq(ratelimit_take(rl, &l, 0, "x", 1, 300, &r), 0);
	cr_expect_eq(r.verdict, RL_ALLOW);
	ratelimit_free(rl);
}

Test(ratelimit, bad_limits)
{
	struct http_limit zero = { .rate = 0, .burst = 1, .period_ms = 1000 };
	struct http_limit noburst = { .rate = 1, .burst = 0, .period_ms = 1000 };
	struct http_limit huge = { .rate = 1, .burst = UINT32_MAX, .period_ms = UINT32_MAX };
	struct ratelimit *rl = ratelimit_new(64, 0, 0);
	struct ratelimit_result r;
	char err[128] = "";

	cr_expect_eq(ratelimit_take(rl, &zero, 100, "x", 1, 0, &r), -EINVAL);
	cr_expect_eq(ratelimit_check(&noburst, err, sizeof(err)), -EINVAL);
	cr_expect_neq(err[0], 0);
	cr_expect_eq(ratelimit_check(&huge, NULL, 0), -EINVAL);
	cr_expect_eq(ratelimit_take(rl, &huge, 100, "x", 1, 0, &r), -EINVAL);
	cr_expect_null(ratelimit_new(0, 0, 0));
	ratelimit_free(rl);
}

static void entity(const char *ip, const char *ua, unsigned char out[RL_ENTITY_KEY_LEN])
{
	struct aegis_addr a;

	cr_assert_eq(addr_parse(ip, &a), 0);
	ratelimit_entity_key(&a, ua, ua ? strlen(ua) : 0, out);
}

Test(ratelimit, entity_key)
{
	unsigned char a[RL_ENTITY_KEY_LEN], b[RL_ENTITY_KEY_LEN];

	entity("198.18.5.1", "Mozilla/5.0", a);
	entity("198.18.5.254", "Mozilla/5.0", b);
	cr_expect_eq(memcmp(a, b, sizeof(a)), 0, "same /24, same UA");
	entity("198.18.6.1", "Mozilla/5.0", b);
	cr_expect_neq(memcmp(a, b, sizeof(a)), 0, "other /24");
	entity("198.18.5.1", "curl/8.0", b);
	cr_expect_neq(memcmp(a, b, sizeof(a)), 0, "other UA");
	entity("2001:db8:1:2::1", NULL, a);
	entity("2001:db8:1:ffff::9", "", b);
	cr_expect_eq(memcmp(a, b, sizeof(a)), 0, "same /48, no UA = empty UA");
	entity("2001:db8:2::1", NULL, b);
	cr_expect_neq(memcmp(a, b, sizeof(a)), 0, "other /48");
}

Test(ratelimit, entity_shares_bucket)
{
	struct http_limit l = { .rate = 1, .burst = 2, .period_ms = 1000 };
	struct ratelimit *rl = ratelimit_new(1024, 0, 0);
	unsigned char k1[RL_ENTITY_KEY_LEN], k2[RL_ENTITY_KEY_LEN], k3[RL_ENTITY_KEY_LEN];
	struct ratelimit_result r;

	entity("198.18.5.1", "bot", k1);
	entity("198.18.5.2", "bot", k2);
	entity("198.18.5.2", "other", k3);
	cr_assert_eq(ratelimit_take(rl, &l, 100, k1, sizeof(k1), 0, &r), 0);
	cr_assert_eq(ratelimit_take(rl, &l, 100, k2, sizeof(k2), 0, &r), 0);
	cr_expect_eq(r.verdict, RL_ALLOW);
	cr_assert_eq(ratelimit_take(rl, &l, 100, k2, sizeof(k2), 0, &r), 0);
	cr_expect_eq(r.verdict, RL_LIMITED, "two addresses of one /24 share the bucket");
	cr_assert_eq(ratelimit_take(rl, &l, 100, k3, sizeof(k3), 0, &r), 0);
	cr_expect_eq(r.verdict, RL_ALLOW, "another UA is another entity");
	ratelimit_free(rl);
}

Test(ratelimit, bounded_eviction)
{
	struct http_limit l = { .rate = 1, .burst = 1, .period_ms = 60000 };
	struct ratelimit *rl = ratelimit_new(KEYTAB_SHARDS * 4, 0, 0);
	struct keytab_stats st;
	char key[32];

	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cr_assert_eq(take(rl, &l, key, 1000, NULL), RL_ALLOW);
	}
	ratelimit_stats(rl, &st);
	cr_expect_leq(st.entries, KEYTAB_SHARDS * 4);
	cr_expect_eq(st.entries + st.evicted + st.expired, 5000);
	cr_expect_gt(st.evicted, 0, "live buckets were pushed out");
	/* Much later every old bucket is full again: reuse counts as expiry. */
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "n%d", i);
		take(rl, &l, key, 10000000, NULL);
	}
	ratelimit_stats(rl, &st);
	cr_expect_gt(st.expired, 0);
	ratelimit_free(rl);
}

struct thr_arg {
	struct ratelimit *rl;
	const struct http_limit *l;
	unsigned allowed;
};

static void *hammer(void *p)
{
	struct thr_arg *a = p;
	struct ratelimit_result r;

	for (int i = 0; i < 5000; i++) {
		if (ratelimit_take(a->rl, a->l, 100, "shared", 6, 42, &r) == 0 &&
		    r.verdict == RL_ALLOW)
			a->allowed++;
	}
	return NULL;
}

Test(ratelimit, threads_never_overspend)
{
	struct http_limit l = { .rate = 1, .burst = 1000, .period_ms = 3600000 };
	struct ratelimit *rl = ratelimit_new(1024, 0, 0);
	struct thr_arg a[4];
	pthread_t t[4];
	unsigned total = 0;

	for (int i = 0; i < 4; i++) {
		a[i] = (struct thr_arg){ .rl = rl, .l = &l };
		cr_assert_eq(pthread_create(&t[i], NULL, hammer, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += a[i].allowed;
	}
	cr_expect_eq(total, 1000);
	ratelimit_free(rl);
}

Test(ratelimit, hot_key_cooldown)
{
	struct http_limit l = { .rate = 10, .burst = 10, .period_ms = 1000 };
	struct ratelimit *rl = ratelimit_new(1024, 3, 5000);
	uint32_t retry;
	int i;

	/* 30 attempts in one second are tolerated (10 allowed, 20 limited) ... */
	for (i = 0; i < 30; i++)
		cr_assert_neq(take(rl, &l, "hot", 1000 + i, NULL), RL_COOLDOWN, "attempt %d", i);
	/* ... the 31st makes the key hot. */
	cr_assert_eq(take(rl, &l, "hot", 1030, &retry), RL_COOLDOWN);
	cr_expect_eq(retry, 5000);
	cr_assert_eq(take(rl, &l, "hot", 6029, &retry), RL_COOLDOWN, "bucket full, still cooling");
	cr_expect_eq(retry, 1);
	cr_assert_eq(take(rl, &l, "hot", 6030, NULL), RL_ALLOW);
	/* A new window: 30 attempts spread over two windows never trip it. */
	cr_assert_eq(take(rl, &l, "calm", 0, NULL), RL_ALLOW);
	for (i = 0; i < 25; i++)
		cr_assert_neq(take(rl, &l, "calm", 500 + i, NULL), RL_COOLDOWN);
	for (i = 0; i < 25; i++)
		cr_assert_neq(take(rl, &l, "calm", 1000 + i, NULL), RL_COOLDOWN);
	ratelimit_free(rl);
}

/* A slow limit's threshold never falls below its burst. */
Test(ratelimit, hot_key_floor_is_burst)
{
	struct http_limit l = { .rate = 5, .burst = 5, .period_ms = 60000 };
	struct ratelimit *rl = ratelimit_new(1024, 5, 60000);

	for (int i = 0; i < 5; i++)
		cr_assert_eq(take(rl, &l, "login", 0, NULL), RL_ALLOW);
	cr_expect_eq(take(rl, &l, "login", 0, NULL), RL_COOLDOWN);
	ratelimit_free(rl);
}

static int kt_nop(void *val, bool fresh, uint64_t *expire_ms, void *arg)
{
	(void)val, (void)arg;
	*expire_ms = UINT64_MAX;
	return fresh;
}

/* Three keys of one shard in a table of two entries per shard: the least
 * recently used one goes, and the reuse counts as an eviction. */
Test(keytab, lru_order)
{
	struct keytab *t = keytab_new(KEYTAB_SHARDS * 2, 8);
	char k[3][16];
	uint64_t d[2], shard = 0;
	struct keytab_stats st;
	int n = 0;

	cr_assert_not_null(t);
	for (int i = 0; n < 3 && i < 100000; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", i);
		keytab_digest(key, strlen(key), d);
		if (n == 0)
			shard = d[0] % KEYTAB_SHARDS;
		if (d[0] % KEYTAB_SHARDS == shard)
			strcpy(k[n++], key);
	}
	cr_assert_eq(n, 3);
	cr_expect_eq(keytab_update(t, k[0], strlen(k[0]), 0, true, kt_nop, NULL), 1, "fresh");
	cr_expect_eq(keytab_update(t, k[1], strlen(k[1]), 0, true, kt_nop, NULL), 1);
	cr_expect_eq(keytab_update(t, k[0], strlen(k[0]), 0, true, kt_nop, NULL), 0, "found");
	cr_expect_eq(keytab_update(t, k[2], strlen(k[2]), 0, true, kt_nop, NULL), 1);
	cr_expect_eq(keytab_update(t, k[1], strlen(k[1]), 0, false, kt_nop, NULL), -ENOENT,
		     "k1 was the least recently used");
	cr_expect_eq(keytab_update(t, k[0], strlen(k[0]), 0, false, kt_nop, NULL), 0);
	cr_expect_eq(keytab_update(t, k[2], strlen(k[2]), 0, false, kt_nop, NULL), 0);
	keytab_stats(t, &st);
	cr_expect_eq(st.evicted, 1);
	cr_expect_eq(st.expired, 0);
	keytab_free(t);
}
