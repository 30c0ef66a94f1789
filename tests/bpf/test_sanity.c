// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Sanity rules from aegis_settings: fragments, TTL/hop limit, packet
 * size, TCP flag combinations, UDP payload size, reflection. Each is off
 * until its setting is set, and each drop is counted under its reason.
 */
#include "harness.h"

TestSuite(sanity, .init = h_setup, .fini = h_teardown);

static void set(const struct aegis_settings *s)
{
	h_settings_set(s);
}

static void fragments(const struct fam *F)
{
	const char *a = F->src[0];

	/* Off: fragments pass like anything else. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .proto = IPPROTO_UDP, .frag = FRAG_FIRST);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .proto = IPPROTO_UDP, .frag = FRAG_LATER);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .flags = TH_SYN, .frag = FRAG_FIRST);

	set(&(struct aegis_settings){ .flags = AEGIS_F_DROP_FRAGMENTS });
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_FRAGMENT, .src = a, .proto = IPPROTO_UDP,
	       .frag = FRAG_FIRST);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_FRAGMENT, .src = a, .proto = IPPROTO_UDP,
	       .frag = FRAG_LATER);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_FRAGMENT, .src = a, .flags = TH_SYN, .frag = FRAG_FIRST);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_FRAGMENT, .src = a, .proto = IPPROTO_ICMP,
	       .frag = FRAG_LATER, .vlans = 1);
	/* Whole packets still pass. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .proto = IPPROTO_UDP);
	cr_assert_eq(h_stat(AEGIS_STAT_DROP_FRAGMENT).packets, 4);
}
TEST_FAMILIES(sanity, fragments)

/* The fragment header may follow other IPv6 extension headers. */
Test(sanity, v6_fragment_after_extensions)
{
	set(&(struct aegis_settings){ .flags = AEGIS_F_DROP_FRAGMENTS });
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_FRAGMENT, .src = FAM6.src[0], .proto = IPPROTO_UDP,
	       .v6_ext = 3, .frag = FRAG_LATER);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_FRAGMENT, .src = FAM6.src[0], .flags = TH_SYN,
	       .v6_ext = 5, .frag = FRAG_FIRST);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = FAM6.src[0], .flags = TH_SYN, .v6_ext = 5);
}

static void ttl(const struct fam *F)
{
	const char *a = F->src[0];

	set(&(struct aegis_settings){ .ttl_min = 10, .ttl_max = 200 });
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_TTL, .src = a, .flags = TH_SYN, .ttl = 9);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_TTL, .src = a, .flags = TH_SYN, .ttl = 1);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .flags = TH_SYN, .ttl = 10);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .flags = TH_SYN, .ttl = 200);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_TTL, .src = a, .flags = TH_SYN, .ttl = 201);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_TTL, .src = a, .proto = IPPROTO_ICMP, .ttl = 255);
	cr_assert_eq(h_stat(AEGIS_STAT_DROP_TTL).packets, 4);

	/* Only a minimum: no upper bound. */
	set(&(struct aegis_settings){ .ttl_min = 10 });
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .flags = TH_SYN, .ttl = 255);
}
TEST_FAMILIES(sanity, ttl)

/* Sizes are the IP length: header(s) plus payload. */
static void size(const struct fam *F)
{
	const char *a = F->src[0];
	__u16 hdr = F == &FAM4 ? 20 + 8 : 40 + 8;	/* IP + UDP */

	set(&(struct aegis_settings){ .pkt_len_min = 100, .pkt_len_max = 1000 });
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_SIZE, .src = a, .proto = IPPROTO_UDP,
	       .payload = 99 - hdr);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .proto = IPPROTO_UDP, .payload = 100 - hdr);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .proto = IPPROTO_UDP, .payload = 1000 - hdr);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_SIZE, .src = a, .proto = IPPROTO_UDP,
	       .payload = 1001 - hdr);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_SIZE, .src = a, .flags = TH_SYN);
	/* VLAN tags are not part of the IP length. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .proto = IPPROTO_UDP, .vlans = 2,
	       .payload = 1000 - hdr);
	cr_assert_eq(h_stat(AEGIS_STAT_DROP_SIZE).packets, 3);
}
TEST_FAMILIES(sanity, size)

static const __u8 bad_flags[] = {
	0,					/* null scan */
	TH_SYN | TH_FIN,
	TH_SYN | TH_RST,
	TH_SYN | TH_FIN | TH_ACK,
	TH_SYN | TH_RST | TH_ACK,
	TH_FIN,					/* FIN without ACK */
	TH_FIN | TH_PSH,
	TH_FIN | TH_PSH | TH_URG,		/* xmas */
	0x40 | 0x80,				/* only ECE/CWR: still null */
};

static const __u8 good_flags[] = {
	TH_SYN, TH_SYN | TH_ACK, TH_ACK, TH_FIN | TH_ACK, TH_RST, TH_RST | TH_ACK,
	TH_PSH | TH_ACK, TH_SYN | 0x40 | 0x80, TH_FIN | TH_PSH | TH_ACK, TH_URG | TH_ACK,
};

static void tcp_flags(const struct fam *F)
{
	const char *a = F->src[0];

	/* Off: the flags are not judged. */
	for (size_t i = 0; i < sizeof(bad_flags); i++)
		EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .flags = bad_flags[i]);

	h_flags(AEGIS_F_TCP_FLAGS);
	for (size_t i = 0; i < sizeof(bad_flags); i++)
		EXPECT(XDP_DROP, AEGIS_STAT_DROP_TCP_FLAGS, .src = a, .flags = bad_flags[i]);
	for (size_t i = 0; i < sizeof(good_flags); i++)
		EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .flags = good_flags[i]);
	/* UDP has no flags to judge. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .proto = IPPROTO_UDP);
	cr_assert_eq(h_stat(AEGIS_STAT_DROP_TCP_FLAGS).packets, sizeof(bad_flags));
}
TEST_FAMILIES(sanity, tcp_flags)

/* A later fragment has no TCP header: its bytes are not flags. */
Test(sanity, tcp_flags_skip_later_fragments)
{
	h_flags(AEGIS_F_TCP_FLAGS);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = FAM4.src[0], .flags = 0, .frag = FRAG_LATER);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = FAM6.src[0], .flags = 0, .frag = FRAG_LATER);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_TCP_FLAGS, .src = FAM6.src[0], .flags = 0,
	       .frag = FRAG_FIRST);
}

static void udp_payload(const struct fam *F)
{
	const char *a = F->src[0];

	set(&(struct aegis_settings){ .udp_payload_min = 10, .udp_payload_max = 512 });
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_UDP_SIZE, .src = a, .proto = IPPROTO_UDP, .payload = 0);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_UDP_SIZE, .src = a, .proto = IPPROTO_UDP, .payload = 9);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .proto = IPPROTO_UDP, .payload = 10);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .proto = IPPROTO_UDP, .payload = 512);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_UDP_SIZE, .src = a, .proto = IPPROTO_UDP,
	       .payload = 513);
	/* Only UDP payloads are judged: a tiny TCP segment passes. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .flags = TH_ACK, .payload = 1);
	/* A fragment carries only part of the datagram: not judged. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .proto = IPPROTO_UDP, .payload = 1000,
	       .frag = FRAG_FIRST);
	cr_assert_eq(h_stat(AEGIS_STAT_DROP_UDP_SIZE).packets, 3);
}
TEST_FAMILIES(sanity, udp_payload)

static void set_reflection(__u32 flags)
{
	static const __u16 ports[] = { AEGIS_REFLECTION_PORTS };
	struct aegis_settings s = { .flags = flags };

	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		s.refl_ports[ports[i] / 64] |= 1ull << (ports[i] % 64);
	set(&s);
}

/* Policy 2 protects udp/27015 and tcp/27015. */
static void protect_27015(void)
{
	struct aegis_policy p = { 0 };

	h_policy_set(2, &p);
	h_port_set(AEGIS_SLOT_UDP, 27015, 27015, 2);
	h_port_set(AEGIS_SLOT_TCP, 27015, 27015, 2);
}

static void reflection(const struct fam *F)
{
	static const __u16 refl[] = { 53, 123, 11211, 19, 1900, 37810 };
	const char *a = F->src[0];

	protect_27015();
	set_reflection(AEGIS_F_REFLECTION);
	for (size_t i = 0; i < sizeof(refl) / sizeof(refl[0]); i++) {
		EXPECT(XDP_DROP, AEGIS_STAT_DROP_REFLECTION, .src = a, .proto = IPPROTO_UDP,
		       .sport = refl[i], .dport = 27015, .payload = 400);
		/* An unprotected port is none of our business. */
		EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = a, .proto = IPPROTO_UDP,
		       .sport = refl[i], .dport = 27016, .payload = 400);
	}
	/* Ordinary client ports, including neighbours of reflection ports. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = a, .proto = IPPROTO_UDP, .sport = 54,
	       .dport = 27015);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = a, .proto = IPPROTO_UDP, .sport = 11212,
	       .dport = 27015);
	/* TCP from port 53 is not UDP reflection. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = a, .sport = 53, .dport = 27015,
	       .flags = TH_ACK);
	cr_assert_eq(h_stat(AEGIS_STAT_DROP_REFLECTION).packets, 6);
}
TEST_FAMILIES(sanity, reflection)

Test(sanity, reflection_needs_its_flag)
{
	protect_27015();
	set_reflection(0);	/* bitmap set, flag off */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = FAM4.src[0], .proto = IPPROTO_UDP,
	       .sport = 53, .dport = 27015);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = FAM6.src[0], .proto = IPPROTO_UDP,
	       .sport = 123, .dport = 27015);
}

/* Rules run in a fixed order; the first that applies is the reason. */
Test(sanity, first_rule_wins)
{
	set(&(struct aegis_settings){
		.flags = AEGIS_F_DROP_FRAGMENTS | AEGIS_F_TCP_FLAGS,
		.ttl_min = 10, .pkt_len_min = 60,
	});
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_FRAGMENT, .src = FAM4.src[0], .flags = 0, .ttl = 1,
	       .frag = FRAG_FIRST);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_TTL, .src = FAM4.src[0], .flags = 0, .ttl = 1);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_SIZE, .src = FAM4.src[0], .flags = 0);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_TCP_FLAGS, .src = FAM4.src[0], .flags = 0,
	       .payload = 20);
}
