// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/guard/rep_bans.c against a real BPF hash map shaped like aegis_bans
 * (needs root): the write rate limit, origin and note, operator bans kept,
 * a full table evicting the lowest-score reputation ban only. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "guard/rep_bans.h"
#include "lib/addr.h"

#define SEC 1000000000ull

static struct aegis_maps m;
static struct rep_bans b;

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	for (int i = 0; i < MAPS_COUNT; i++)
		m.fd[i] = -1;
	m.max_entries[MAPS_BANS] = 8;
	m.fd[MAPS_BANS] = bpf_map_create(BPF_MAP_TYPE_HASH, "aegis_bans", sizeof(struct aegis_addr),
					 sizeof(struct aegis_ban), 8, NULL);
	if (m.fd[MAPS_BANS] < 0)
		cr_skip_test("cannot create a BPF map (not root?)");
}

static void teardown(void)
{
	rep_bans_free(&b);
	if (m.fd[MAPS_BANS] >= 0)
		close(m.fd[MAPS_BANS]);
}

static struct aegis_addr A(int i)
{
	struct aegis_addr a;
	char s[32];

	snprintf(s, sizeof(s), "198.18.3.%d", i);
	cr_assert_eq(addr_parse(s, &a), 0);
	return a;
}

static void submit(int i, double score)
{
	struct rep_ban_req q = { .addr = A(i), .ttl_s = 60, .score = score,
				 .top = AEGIS_REP_IN_WAF_SQLI };

	cr_assert_eq(rep_bans_submit(&b, &q), 0);
}

TestSuite(rep_bans, .init = setup, .fini = teardown);

Test(rep_bans, rate_limited_with_origin_and_note)
{
	uint64_t now = maps_now_ns();
	struct aegis_ban ban;
	struct aegis_addr a = A(1);

	cr_assert_eq(rep_bans_init(&b, &m, 2), 0);
	for (int i = 1; i <= 5; i++)
		submit(i, 100);
	cr_expect_eq(rep_bans_flush(&b, now), 2, "a second's worth at once");
	cr_expect_eq(rep_bans_flush(&b, now), 0);
	cr_expect_eq(rep_bans_flush(&b, now + SEC), 2);
	cr_expect_eq(rep_bans_flush(&b, now + 2 * SEC), 1);
	cr_assert_eq(maps_ban_get(&m, &a, &ban), 0);
	cr_expect_eq(ban.origin, AEGIS_BAN_REPUTATION);
	cr_expect_str_eq(ban.note, "rep waf_sqli");
	cr_expect_gt(ban.expires_ns, ban.created_ns);
	cr_expect_eq(rep_bans_lift(&b, &a), 0);
	cr_expect_neq(maps_ban_get(&m, &a, &ban), 0);
}

Test(rep_bans, full_table_keeps_worst_and_operator)
{
	uint64_t now = maps_now_ns();
	struct aegis_ban ban;
	struct aegis_addr a;

	/* Two operator bans, then six reputation bans: the table is full. */
	for (int i = 100; i < 102; i++) {
		a = A(i);
		cr_assert_eq(maps_ban_add(&m, &a, 0, AEGIS_BAN_OPERATOR, 0, "op"), 0);
	}
	cr_assert_eq(rep_bans_init(&b, &m, 1000), 0);
	for (int i = 1; i <= 6; i++)
		submit(i, 100 + i);
	cr_expect_eq(rep_bans_flush(&b, now), 6);
	/* A worse offender evicts the lowest (198.18.3.1, 101). */
	submit(50, 500);
	/* A milder one finds nothing lower than itself: refused, counted. */
	submit(51, 50);
	cr_expect_eq(rep_bans_flush(&b, now), 1);
	a = A(50);
	cr_expect_eq(maps_ban_get(&m, &a, &ban), 0);
	a = A(1);
	cr_expect_neq(maps_ban_get(&m, &a, &ban), 0, "lowest score evicted");
	a = A(51);
	cr_expect_neq(maps_ban_get(&m, &a, &ban), 0);
	cr_expect_eq(b.st.full, 1);
	cr_expect_eq(b.st.evicted, 1);
	for (int i = 100; i < 102; i++) {
		a = A(i);
		cr_expect_eq(maps_ban_get(&m, &a, &ban), 0, "operator ban kept");
	}
	/* An operator's ban is never overwritten by a reputation ban. */
	a = A(100);
	submit(100, 1000);
	rep_bans_flush(&b, now + SEC);
	cr_assert_eq(maps_ban_get(&m, &a, &ban), 0);
	cr_expect_eq(ban.origin, AEGIS_BAN_OPERATOR);
	cr_expect_eq(ban.expires_ns, 0);
}
