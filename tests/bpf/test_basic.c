// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Empty maps: every rule is off, so every frame passes as AEGIS_STAT_PASS
 * and the program writes no state. And the counters: packets and bytes
 * (frame length) add up per reason.
 */
#include "harness.h"

TestSuite(empty, .init = h_setup, .fini = h_teardown);
TestSuite(counters, .init = h_setup, .fini = h_teardown);

/* Nothing is remembered about traffic no rule applies to. */
static void assert_no_state(void)
{
	cr_assert_eq(h_count(skel->maps.aegis_sources), 0);
	cr_assert_eq(h_count(skel->maps.aegis_flows), 0);
	cr_assert_eq(h_count(skel->maps.aegis_conns), 0);
	cr_assert_eq(h_count(skel->maps.aegis_bans), 0);
}

static void empty_ip(const struct fam *F)
{
	const char *s = F->src[0];

	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = s, .flags = TH_SYN);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = s, .flags = TH_ACK | TH_PSH, .payload = 100);
	/* Invalid flags and odd TTLs are only judged when a setting says so. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = s, .flags = 0, .ttl = 1);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = s, .proto = IPPROTO_UDP, .dport = 53,
	       .payload = 40);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = s, .proto = IPPROTO_ICMP, .payload = 56);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = s, .proto = IPPROTO_UDP, .frag = FRAG_FIRST);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = s, .proto = IPPROTO_UDP, .frag = FRAG_LATER);
	cr_assert_eq(h_stat(AEGIS_STAT_PASS).packets, 7);
	assert_no_state();
}
TEST_FAMILIES(empty, empty_ip)

static void empty_vlan(const struct fam *F)
{
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[0], .flags = TH_SYN, .vlans = 1);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[0], .flags = TH_SYN, .vlans = 2);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[0], .proto = IPPROTO_UDP, .vlans = 2);
	cr_assert_eq(h_stat(AEGIS_STAT_PASS).packets, 3);
	assert_no_state();
}
TEST_FAMILIES(empty, empty_vlan)

Test(empty, v4_options_and_v6_extensions)
{
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = FAM4.src[0], .flags = TH_SYN, .ip_opts = 40);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = FAM6.src[0], .flags = TH_SYN, .v6_ext = 4);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = FAM6.src[0], .proto = IPPROTO_UDP,
	       .v6_ext = 2, .frag = FRAG_FIRST);
	assert_no_state();
}

Test(empty, non_ip)
{
	/* ARP, untagged and tagged, and an LLDP frame: not ours to judge. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .ethertype = 0x0806);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .ethertype = 0x0806, .vlans = 1);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .ethertype = 0x0806, .vlans = 2);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .ethertype = 0x88cc, .payload = 46);
	cr_assert_eq(h_stat(AEGIS_STAT_PASS).packets, 4);
}

Test(empty, non_ip_even_with_every_flag)
{
	/* A non-IP frame is PASS whatever the settings; it is not "malformed". */
	h_flags(AEGIS_F_DROP_MALFORMED | AEGIS_F_DROP_FRAGMENTS | AEGIS_F_TCP_FLAGS |
		AEGIS_F_REFLECTION);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .ethertype = 0x0806);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .ethertype = 0x0806, .vlans = 2);
}

Test(empty, minimum_frame)
{
	/* 14 bytes is the shortest frame the test run accepts; shorter is EINVAL. */
	struct frame f = { .len = 14 };
	__u32 v;

	f.b[12] = 0x08;
	f.b[13] = 0x06;
	EXPECT_FRAME(&f, XDP_PASS, AEGIS_STAT_PASS);
	cr_assert_eq(h_run_raw(f.b, 13, &v), -EINVAL);
}

/* Sends n copies of s and returns the frame length of one. */
static size_t send_n(const struct pkt_spec *s, int n, int reason)
{
	struct frame f;

	pkt_build(&f, s);
	for (int i = 0; i < n; i++)
		cr_assert_eq(h_run(&f, NULL), reason);
	return f.len;
}

Test(counters, add_up_per_reason)
{
	struct aegis_counter c[AEGIS_STAT_MAX];
	__u64 packets = 0, bytes = 0;
	size_t pass, allow, deny, ttl4, ttl6;

	h_list_add(skel->maps.aegis_allow, FAM4.src[1]);
	h_list_add(skel->maps.aegis_deny, FAM6.src[2]);
	struct aegis_settings s = { .ttl_min = 10 };
	h_settings_set(&s);

	pass = send_n(&(struct pkt_spec){ .src = FAM4.src[0], .flags = TH_ACK, .payload = 100 },
		      3, AEGIS_STAT_PASS);
	pass += send_n(&(struct pkt_spec){ .src = FAM6.src[0], .proto = IPPROTO_UDP,
					   .payload = 333 }, 1, AEGIS_STAT_PASS);
	allow = send_n(&(struct pkt_spec){ .src = FAM4.src[1], .ttl = 1, .payload = 7 }, 2,
		       AEGIS_STAT_PASS_ALLOW);
	deny = send_n(&(struct pkt_spec){ .src = FAM6.src[2], .vlans = 1, .payload = 500 }, 4,
		      AEGIS_STAT_DROP_DENY);
	ttl4 = send_n(&(struct pkt_spec){ .src = FAM4.src[2], .ttl = 5 }, 1, AEGIS_STAT_DROP_TTL);
	ttl6 = send_n(&(struct pkt_spec){ .src = FAM6.src[3], .ttl = 9, .payload = 1 }, 1,
		      AEGIS_STAT_DROP_TTL);

	h_stats(c);
	/* pass: three 154-byte v4 frames and one 395-byte v6 UDP frame. */
	cr_assert_eq(c[AEGIS_STAT_PASS].packets, 4);
	cr_assert_eq(c[AEGIS_STAT_PASS].bytes, 3 * 154 + 395);
	cr_assert_eq(pass, 154 + 395);
	cr_assert_eq(c[AEGIS_STAT_PASS_ALLOW].packets, 2);
	cr_assert_eq(c[AEGIS_STAT_PASS_ALLOW].bytes, 2 * allow);
	cr_assert_eq(c[AEGIS_STAT_DROP_DENY].packets, 4);
	cr_assert_eq(c[AEGIS_STAT_DROP_DENY].bytes, 4 * deny);
	cr_assert_eq(deny, 14 + 4 + 40 + 20 + 500);
	cr_assert_eq(c[AEGIS_STAT_DROP_TTL].packets, 2);
	cr_assert_eq(c[AEGIS_STAT_DROP_TTL].bytes, ttl4 + ttl6);
	for (int i = 0; i < AEGIS_STAT_MAX; i++) {
		packets += c[i].packets;
		bytes += c[i].bytes;
	}
	cr_assert_eq(packets, 12);
	cr_assert_eq(bytes, 3 * 154 + 395 + 2 * allow + 4 * deny + ttl4 + ttl6);
}

Test(counters, start_at_zero)
{
	struct aegis_counter c[AEGIS_STAT_MAX];

	h_stats(c);
	for (int i = 0; i < AEGIS_STAT_MAX; i++)
		cr_assert_eq(c[i].packets + c[i].bytes, 0, "%s not zero", h_stat_name(i));
	for (int i = 0; i < AEGIS_ERR_MAX; i++)
		cr_assert_eq(h_err(i), 0);
}
