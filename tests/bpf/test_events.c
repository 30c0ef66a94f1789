// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Drop events: with settings.events set, drops (never passes) write a
 * struct aegis_event to the aegis_events ring buffer, rate-limited per
 * CPU; what the limiter skips is counted as AEGIS_ERR_EVENT_SAMPLED.
 */
#include <arpa/inet.h>
#include <string.h>

#include "harness.h"

TestSuite(events, .init = h_setup, .fini = h_teardown);

static void events_on(__u32 rate, __u32 burst, __u32 flags)
{
	struct aegis_settings s = { .flags = flags, .ttl_min = 10 };

	h_limit(&s.events, rate, burst);
	h_settings_set(&s);
}

static void assert_event(const struct aegis_event *e, const char *src, __u16 dport,
			 __u8 proto, int reason, __u32 ip_len)
{
	struct aegis_addr a = h_addr(src);

	cr_assert(memcmp(&e->saddr, &a, sizeof(a)) == 0, "event source is not %s", src);
	cr_assert_eq(e->dport, dport);
	cr_assert_eq(e->proto, proto);
	cr_assert_eq(e->reason, reason, "event reason %s, expected %s", h_stat_name(e->reason),
		     h_stat_name(reason));
	cr_assert_eq(e->len, ip_len, "event length %u, expected the IP length %u", e->len,
		     ip_len);
}

static void drop_events(const struct fam *F)
{
	struct aegis_event ev[8];
	__u32 ip = F == &FAM4 ? 20 : 40;
	__u64 t0 = h_now(), t1;

	events_on(1000, 100, 0);
	h_list_add(skel->maps.aegis_deny, F->src[0]);
	h_ban_set(F->src[1], 0);
	/* Passes emit nothing. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[2], .flags = TH_SYN);
	cr_assert_eq(h_events(ev, 8), 0);

	EXPECT(XDP_DROP, AEGIS_STAT_DROP_DENY, .src = F->src[0], .dport = 443, .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_BAN, .src = F->src[1], .proto = IPPROTO_UDP,
	       .dport = 27015, .payload = 100, .vlans = 1);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_TTL, .src = F->src[2], .proto = IPPROTO_ICMP, .ttl = 3);
	t1 = h_now();
	cr_assert_eq(h_events(ev, 8), 3);
	assert_event(&ev[0], F->src[0], 443, IPPROTO_TCP, AEGIS_STAT_DROP_DENY, ip + 20);
	assert_event(&ev[1], F->src[1], 27015, IPPROTO_UDP, AEGIS_STAT_DROP_BAN, ip + 8 + 100);
	/* No port for ICMP. */
	assert_event(&ev[2], F->src[2], 0, F == &FAM4 ? IPPROTO_ICMP : IPPROTO_ICMPV6,
		     AEGIS_STAT_DROP_TTL, ip + 8);
	for (int i = 0; i < 3; i++)
		cr_assert(ev[i].ts_ns >= t0 && ev[i].ts_ns <= t1, "event time outside the test");
	cr_assert_eq(h_err(AEGIS_ERR_EVENT_SAMPLED), 0);
	cr_assert_eq(h_err(AEGIS_ERR_EVENT_RING_FULL), 0);
}
TEST_FAMILIES(events, drop_events)

/* A policy drop reports the policy's reason and the protected port. */
static void policy_drop_event(const struct fam *F)
{
	struct aegis_policy p = { 0 };
	struct aegis_event ev[4];

	events_on(1000, 100, 0);
	h_limit(&p.src[AEGIS_LIM_SYN], 1, 1);
	h_policy_set(2, &p);
	h_port_set(AEGIS_SLOT_TCP, 8443, 8443, 2);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[3], .dport = 8443, .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_SYN, .src = F->src[3], .dport = 8443,
	       .flags = TH_SYN, .payload = 4);
	cr_assert_eq(h_events(ev, 4), 1);
	assert_event(&ev[0], F->src[3], 8443, IPPROTO_TCP, AEGIS_STAT_DROP_RATE_SYN,
		     (F == &FAM4 ? 20 : 40) + 20 + 4);
}
TEST_FAMILIES(events, policy_drop_event)

static void sampled(const struct fam *F)
{
	struct aegis_event ev[64];
	__u64 skipped;
	int n;

	/* 1 per second, burst 5: the test's 50 drops take well under a second. */
	events_on(1, 5, 0);
	h_list_add(skel->maps.aegis_deny, F->net);
	for (int i = 0; i < 50; i++)
		EXPECT(XDP_DROP, AEGIS_STAT_DROP_DENY, .src = F->src[i % 2], .flags = TH_SYN);
	n = h_events(ev, 64);
	skipped = h_err(AEGIS_ERR_EVENT_SAMPLED);
	cr_assert(n >= 5 && n <= 6, "%d events from a burst of 5", n);
	cr_assert_eq(n + skipped, 50, "%d events + %llu sampled out != 50 drops", n,
		     (unsigned long long)skipped);
	/* The first five are the first five drops. */
	for (int i = 0; i < 5; i++)
		assert_event(&ev[i], F->src[i % 2], 80, IPPROTO_TCP, AEGIS_STAT_DROP_DENY,
			     F == &FAM4 ? 40 : 60);
	cr_assert_eq(h_err(AEGIS_ERR_EVENT_RING_FULL), 0);
}
TEST_FAMILIES(events, sampled)

Test(events, off_by_default)
{
	struct aegis_event ev[4];

	h_list_add(skel->maps.aegis_deny, FAM4.net);
	h_list_add(skel->maps.aegis_deny, FAM6.net);
	for (int i = 0; i < 20; i++) {
		EXPECT(XDP_DROP, AEGIS_STAT_DROP_DENY, .src = FAM4.src[0], .flags = TH_SYN);
		EXPECT(XDP_DROP, AEGIS_STAT_DROP_DENY, .src = FAM6.src[0], .proto = IPPROTO_UDP);
	}
	cr_assert_eq(h_events(ev, 4), 0);
	cr_assert_eq(h_err(AEGIS_ERR_EVENT_SAMPLED), 0);
	cr_assert_eq(h_err(AEGIS_ERR_EVENT_RING_FULL), 0);
}

Test(events, malformed_drops_are_reported)
{
	struct aegis_event ev[4];
	struct frame f;

	events_on(1000, 100, AEGIS_F_DROP_MALFORMED);
	pkt_build(&f, &(struct pkt_spec){ .src = FAM4.src[0], .dport = 443, .flags = TH_SYN });
	f.len -= 1;					/* cut the TCP header short */
	EXPECT_FRAME(&f, XDP_DROP, AEGIS_STAT_DROP_MALFORMED);
	cr_assert_eq(h_events(ev, 4), 1);
	cr_assert_eq(ev[0].reason, AEGIS_STAT_DROP_MALFORMED);
	/* Without the flag a malformed packet passes, and passes emit nothing. */
	h_flags(0);
	EXPECT_FRAME(&f, XDP_PASS, AEGIS_STAT_PASS);
	cr_assert_eq(h_events(ev, 4), 0);
}

/* Events are reported in the ring's order and drained exactly once. */
Test(events, drained_once)
{
	struct aegis_event ev[16];

	events_on(1000, 100, 0);
	h_list_add(skel->maps.aegis_deny, FAM6.net);
	for (__u16 port = 1; port <= 10; port++)
		SEND(.src = FAM6.src[0], .dport = port, .flags = TH_SYN);
	cr_assert_eq(h_events(ev, 16), 10);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(ev[i].dport, i + 1);
	cr_assert_eq(h_events(ev, 16), 0);
}
