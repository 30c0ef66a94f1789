// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Strikes: a source that exceeds its policy's limits strike_limit times
 * within strike_window_ms is banned by the program itself. And the ban
 * table is a plain hash: when it is full a new ban fails (and is
 * counted) rather than evicting an existing one.
 */
#include "harness.h"

TestSuite(strikes, .init = h_setup, .fini = h_teardown);
TestSuite(ban_table, .fini = h_teardown);

#define PORT 443
#define SEC_NS 1000000000ull

/* Policy 7 on tcp/443: 1 packet/s per source, burst 1. */
static void strike_policy(__u32 limit, __u32 window_ms, __u32 ttl_s)
{
	struct aegis_policy p = {
		.strike_limit = limit,
		.strike_window_ms = window_ms,
		.ban_ttl_s = ttl_s,
	};

	h_limit(&p.src[AEGIS_LIM_PPS], 1, 1);
	h_policy_set(7, &p);
	h_port_set(AEGIS_SLOT_TCP, PORT, PORT, 7);
}

static void strikes_ban(const struct fam *F)
{
	const char *a = F->src[0];
	struct aegis_ban b;
	__u64 t0 = h_now(), t1;

	strike_policy(3, 10000, 60);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = a, .dport = PORT, .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = a, .dport = PORT, .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = a, .dport = PORT, .flags = TH_ACK);
	cr_assert_not(h_ban_get(a, NULL), "banned after 2 of 3 strikes");
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = a, .dport = PORT, .flags = TH_SYN);
	t1 = h_now();

	cr_assert(h_ban_get(a, &b), "no ban after 3 strikes");
	cr_assert_eq(b.origin, AEGIS_BAN_XDP);
	cr_assert_eq(b.reason, AEGIS_STAT_DROP_RATE_PPS);
	cr_assert(b.created_ns >= t0 && b.created_ns <= t1);
	cr_assert(b.expires_ns >= t0 + 60 * SEC_NS && b.expires_ns <= t1 + 60 * SEC_NS,
		  "ban expires %lld ns after creation", (long long)(b.expires_ns - b.created_ns));
	cr_assert_eq(b.expires_ns - b.created_ns, 60 * SEC_NS);
	cr_assert_eq(h_err(AEGIS_ERR_STRIKE_BAN), 1);
	cr_assert_eq(h_err(AEGIS_ERR_BAN_FULL), 0);

	/* From now on the ban answers, for any port and protocol. */
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_BAN, .src = a, .dport = PORT, .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_BAN, .src = a, .proto = IPPROTO_UDP, .dport = 9);
	/* Another source is judged on its own. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[1], .dport = PORT, .flags = TH_SYN);
	cr_assert_eq(h_count(skel->maps.aegis_bans), 1);
	cr_assert_eq(h_err(AEGIS_ERR_STRIKE_BAN), 1);
}
TEST_FAMILIES(strikes, strikes_ban)

/* The reason recorded is the limit that struck last. */
static void strike_reason_is_the_limit(const struct fam *F)
{
	struct aegis_policy p = { .strike_limit = 2, .strike_window_ms = 10000, .ban_ttl_s = 5 };
	struct aegis_ban b;

	h_limit(&p.src[AEGIS_LIM_UDP_PPS], 1, 1);
	h_policy_set(3, &p);
	h_port_set(AEGIS_SLOT_UDP, 5000, 5000, 3);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .proto = IPPROTO_UDP,
	       .dport = 5000);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_UDP, .src = F->src[0], .proto = IPPROTO_UDP,
	       .dport = 5000);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_UDP, .src = F->src[0], .proto = IPPROTO_UDP,
	       .dport = 5000);
	cr_assert(h_ban_get(F->src[0], &b));
	cr_assert_eq(b.reason, AEGIS_STAT_DROP_RATE_UDP);
	cr_assert_eq(b.expires_ns - b.created_ns, 5 * SEC_NS);
}
TEST_FAMILIES(strikes, strike_reason_is_the_limit)

Test(strikes, ttl_zero_is_permanent)
{
	struct aegis_ban b;

	strike_policy(1, 10000, 0);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = FAM4.src[0], .dport = PORT, .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = FAM4.src[0], .dport = PORT,
	       .flags = TH_SYN);
	cr_assert(h_ban_get(FAM4.src[0], &b));
	cr_assert_eq(b.expires_ns, 0);
	cr_assert_eq(b.origin, AEGIS_BAN_XDP);
}

Test(strikes, off_without_strike_limit)
{
	strike_policy(0, 10000, 60);
	SEND(.src = FAM6.src[0], .dport = PORT, .flags = TH_SYN);
	for (int i = 0; i < 10; i++)
		EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = FAM6.src[0], .dport = PORT,
		       .flags = TH_SYN);
	cr_assert_eq(h_count(skel->maps.aegis_bans), 0);
	cr_assert_eq(h_err(AEGIS_ERR_STRIKE_BAN), 0);
}

/* Strikes older than the window are forgotten. */
Test(strikes, window_restarts)
{
	const char *a = FAM4.src[0];

	strike_policy(3, 300, 60);
	SEND(.src = a, .dport = PORT, .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = a, .dport = PORT, .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = a, .dport = PORT, .flags = TH_SYN);
	h_sleep_ms(500);	/* past the window, not past the 1 s refill */
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = a, .dport = PORT, .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = a, .dport = PORT, .flags = TH_SYN);
	cr_assert_not(h_ban_get(a, NULL), "strikes from an old window counted");
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = a, .dport = PORT, .flags = TH_SYN);
	cr_assert(h_ban_get(a, NULL));
}

/* Reflection drops are not the source's own excess: they never strike. */
Test(strikes, reflection_does_not_strike)
{
	struct aegis_settings s = { .flags = AEGIS_F_REFLECTION };
	struct aegis_policy p = { .strike_limit = 1, .strike_window_ms = 10000 };

	s.refl_ports[53 / 64] |= 1ull << (53 % 64);
	h_settings_set(&s);
	h_policy_set(2, &p);
	h_port_set(AEGIS_SLOT_UDP, 27015, 27015, 2);
	for (int i = 0; i < 5; i++)
		EXPECT(XDP_DROP, AEGIS_STAT_DROP_REFLECTION, .src = FAM6.src[0],
		       .proto = IPPROTO_UDP, .sport = 53, .dport = 27015);
	cr_assert_eq(h_count(skel->maps.aegis_bans), 0);
	cr_assert_eq(h_err(AEGIS_ERR_STRIKE_BAN), 0);
}

/*
 * Policy-wide limits (global SYN/s, global new-conn/s, total connections)
 * say nothing about the source whose packet they dropped: under a spoofed
 * flood they would ban real clients, so they never strike. A per-source
 * cap under the same policy does.
 */
static void global_drops_never_strike(const struct fam *F)
{
	struct aegis_policy p = { .strike_limit = 1, .strike_window_ms = 10000,
				  .max_conn_total = 2, .max_conn_per_src = 1 };
	struct aegis_ban b;

	h_limit(&p.global_syn, 1, 3);
	h_policy_set(7, &p);
	h_port_set(AEGIS_SLOT_TCP, PORT, PORT, 7);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = PORT, .flags = TH_SYN);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[1], .dport = PORT, .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_CONN_TOTAL, .src = F->src[2], .dport = PORT,
	       .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_GLOBAL_SYN, .src = F->src[2], .dport = PORT,
	       .flags = TH_SYN, .sport = 1);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_GLOBAL_SYN, .src = F->src[2], .dport = PORT,
	       .flags = TH_SYN, .sport = 2);
	/* Global new-conn/s: one more flow fits, then src[3]'s is over. */
	h_limit(&p.global_syn, 0, 0);
	h_limit(&p.global_conn, 1, 1);
	p.max_conn_total = 0;
	h_policy_set(7, &p);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[2], .dport = PORT,
	       .flags = TH_SYN, .sport = 3);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_GLOBAL_CONN, .src = F->src[3], .dport = PORT,
	       .flags = TH_SYN);
	cr_assert_eq(h_count(skel->maps.aegis_bans), 0, "a policy-wide limit struck a source");
	cr_assert_eq(h_err(AEGIS_ERR_STRIKE_BAN), 0);

	/* Per-source: the second flow of src[0] is over its cap: one strike, banned. */
	h_limit(&p.global_conn, 0, 0);
	h_policy_set(7, &p);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_CONN_SRC, .src = F->src[0], .dport = PORT,
	       .flags = TH_SYN, .sport = 3);
	cr_assert(h_ban_get(F->src[0], &b));
	cr_assert_eq(b.reason, AEGIS_STAT_DROP_CONN_SRC);
	cr_assert_eq(h_err(AEGIS_ERR_STRIKE_BAN), 1);
}
TEST_FAMILIES(strikes, global_drops_never_strike)

#define SMALL_BANS 8

/* The operator's bans fill the table; the program must not displace them. */
static void ban_table_full(const struct fam *F, const char *fmt)
{
	char addr[SMALL_BANS][64];

	h_open();
	cr_assert_eq(bpf_map__set_max_entries(skel->maps.aegis_bans, SMALL_BANS), 0);
	h_load();
	for (int i = 0; i < SMALL_BANS; i++) {
		snprintf(addr[i], sizeof(addr[i]), fmt, i + 1);
		h_ban_set(addr[i], 0);
	}
	strike_policy(3, 10000, 60);

	SEND(.src = F->src[0], .dport = PORT, .flags = TH_SYN);
	for (int i = 0; i < 3; i++)
		EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = F->src[0], .dport = PORT,
		       .flags = TH_SYN);
	cr_assert_not(h_ban_get(F->src[0], NULL), "ban stored in a full table");
	cr_assert_eq(h_err(AEGIS_ERR_BAN_FULL), 1);
	cr_assert_eq(h_err(AEGIS_ERR_STRIKE_BAN), 0);
	cr_assert_eq(h_count(skel->maps.aegis_bans), SMALL_BANS);
	for (int i = 0; i < SMALL_BANS; i++) {
		cr_assert(h_ban_get(addr[i], NULL), "ban %s evicted", addr[i]);
		EXPECT(XDP_DROP, AEGIS_STAT_DROP_BAN, .src = addr[i], .flags = TH_SYN);
	}
	/* Still rate limited, just not banned; each further strike is counted. */
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = F->src[0], .dport = PORT, .flags = TH_SYN);
	cr_assert_eq(h_err(AEGIS_ERR_BAN_FULL), 2);
}

Test(ban_table, full_v4) { ban_table_full(&FAM4, "203.0.113.%d"); }
Test(ban_table, full_v6) { ban_table_full(&FAM6, "2001:db8:bad::%d"); }
