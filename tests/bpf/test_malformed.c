// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Malformed frames: truncated at every length, every length field lying,
 * too many headers. They never crash the program and are never judged as
 * something else: with AEGIS_F_DROP_MALFORMED they drop as
 * DROP_MALFORMED, without it they pass as PASS, and they never reach a
 * policy (no source state, no flow, no token spent).
 */
#include <errno.h>
#include <string.h>

#include "harness.h"

TestSuite(malformed, .init = h_setup, .fini = h_teardown);

#define POL 3

/* Policy POL on tcp/443 and udp/27015: one packet per second per source. */
static void protect(void)
{
	struct aegis_policy p = { 0 };

	h_limit(&p.src[AEGIS_LIM_PPS], 1, 1);
	h_policy_set(POL, &p);
	h_port_set(AEGIS_SLOT_TCP, 443, 443, POL);
	h_port_set(AEGIS_SLOT_UDP, 27015, 27015, POL);
}

/* Runs f both ways: dropped with the flag, passed untouched without. */
static void expect_malformed(const struct frame *f, const char *what)
{
	int r;

	h_flags(AEGIS_F_DROP_MALFORMED);
	r = h_run(f, NULL);
	cr_assert_eq(r, AEGIS_STAT_DROP_MALFORMED, "%s (%zu bytes): %s with the flag", what,
		     f->len, h_stat_name(r));
	h_flags(0);
	r = h_run(f, NULL);
	cr_assert_eq(r, AEGIS_STAT_PASS, "%s (%zu bytes): %s without the flag", what, f->len,
		     h_stat_name(r));
}

/* Nothing of a malformed packet reached the policy. */
static void assert_policy_untouched(void)
{
	cr_assert_eq(h_count(skel->maps.aegis_sources), 0, "malformed packet reached a policy");
	cr_assert_eq(h_count(skel->maps.aegis_flows), 0);
	cr_assert_eq(h_stat(AEGIS_STAT_PASS_POLICY).packets, 0);
}

/* The intact frame is judged by the policy: a single token, then a drop. */
static void assert_intact_frame_is_policed(const struct frame *f)
{
	cr_assert_eq(h_run(f, NULL), AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(h_run(f, NULL), AEGIS_STAT_DROP_RATE_PPS);
}

static void truncate_every_length(const struct pkt_spec *s)
{
	struct frame f, t;
	__u32 v;

	protect();
	pkt_build(&f, s);
	for (size_t len = 0; len < f.len; len++) {
		t = f;
		t.len = len;
		if (len < PKT_ETH_LEN) {
			/* The test run itself refuses less than an Ethernet header. */
			cr_assert_eq(h_run_raw(t.b, len, &v), -EINVAL, "%zu-byte frame ran", len);
			continue;
		}
		expect_malformed(&t, "truncated");
	}
	cr_assert_eq(h_stat(AEGIS_STAT_DROP_MALFORMED).packets, f.len - PKT_ETH_LEN);
	cr_assert_eq(h_stat(AEGIS_STAT_PASS).packets, f.len - PKT_ETH_LEN);
	assert_policy_untouched();
	assert_intact_frame_is_policed(&f);
}

Test(malformed, truncated_v4_tcp)
{
	truncate_every_length(&(struct pkt_spec){ .src = FAM4.src[0], .dport = 443,
						  .flags = TH_ACK, .ip_opts = 8, .payload = 6 });
}

Test(malformed, truncated_v4_udp)
{
	truncate_every_length(&(struct pkt_spec){ .src = FAM4.src[0], .proto = IPPROTO_UDP,
						  .dport = 27015, .payload = 6 });
}

Test(malformed, truncated_v6_tcp_extensions)
{
	truncate_every_length(&(struct pkt_spec){ .src = FAM6.src[0], .dport = 443,
						  .flags = TH_ACK, .v6_ext = 4, .payload = 6 });
}

Test(malformed, truncated_v6_udp)
{
	truncate_every_length(&(struct pkt_spec){ .src = FAM6.src[0], .proto = IPPROTO_UDP,
						  .dport = 27015, .payload = 3 });
}

Test(malformed, truncated_vlan_v4)
{
	truncate_every_length(&(struct pkt_spec){ .src = FAM4.src[0], .dport = 443,
						  .flags = TH_SYN, .vlans = 2 });
}

Test(malformed, truncated_vlan_v6)
{
	truncate_every_length(&(struct pkt_spec){ .src = FAM6.src[0], .proto = IPPROTO_UDP,
						  .dport = 27015, .vlans = 1, .v6_ext = 1 });
}

/* Builds s, checks the intact frame parses, and hands it to the test to break. */
static void intact(struct frame *f, const struct pkt_spec *s)
{
	pkt_build(f, s);
	cr_assert_eq(h_run(f, NULL), AEGIS_STAT_PASS_POLICY, "the intact frame must parse");
}

#define V4_TCP (&(struct pkt_spec){ .src = FAM4.src[0], .dport = 443, .flags = TH_ACK })
#define V6_TCP (&(struct pkt_spec){ .src = FAM6.src[0], .dport = 443, .flags = TH_ACK })
#define V4_UDP (&(struct pkt_spec){ .src = FAM4.src[0], .proto = IPPROTO_UDP, .dport = 27015, \
				    .payload = 12 })
#define V6_UDP (&(struct pkt_spec){ .src = FAM6.src[0], .proto = IPPROTO_UDP, .dport = 27015, \
				    .payload = 12 })

/* Sets the IPv4 IHL and total length and fixes the checksum. */
static void v4_hdr(struct frame *f, int ihl, int tot)
{
	if (ihl >= 0)
		f->b[f->l3] = (uint8_t)(0x40 | ihl);
	if (tot >= 0)
		pkt_put16(f, f->l3 + 2, (uint16_t)tot);
	pkt_fix_ip_csum(f);
}

Test(malformed, ipv4_header_lengths)
{
	struct frame ok, f;

	h_policy_set(POL, &(struct aegis_policy){ 0 });	/* no limits: intact always passes */
	h_port_set(AEGIS_SLOT_TCP, 443, 443, POL);
	intact(&ok, V4_TCP);					/* 20 + 20 bytes of IP */
	static const int cases[][2] = {
		{ 4, -1 }, { 0, -1 },		/* IHL below 5 */
		{ 15, -1 },			/* IHL beyond the total length */
		{ 15, 60 },			/* ... and beyond the frame */
		{ 6, -1 },			/* IHL eating into the TCP header */
		{ -1, 41 }, { -1, 1500 },	/* total length beyond the frame */
		{ -1, 19 }, { -1, 0 },		/* total length below the header */
		{ -1, 30 },			/* total length cuts the TCP header */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f = ok;
		v4_hdr(&f, cases[i][0], cases[i][1]);
		expect_malformed(&f, "ipv4 lengths");
	}
	f = ok;
	f.b[f.l3] = 0x65;			/* version 6 behind an IPv4 ethertype */
	expect_malformed(&f, "ipv4 version");
	cr_assert_eq(h_stat(AEGIS_STAT_PASS_POLICY).packets, 1);
}

/* A frame longer than the IP packet (Ethernet padding) is not malformed. */
Test(malformed, ethernet_padding_is_fine)
{
	struct frame f;

	h_flags(AEGIS_F_DROP_MALFORMED);
	h_policy_set(POL, &(struct aegis_policy){ 0 });
	h_port_set(AEGIS_SLOT_UDP, 27015, 27015, POL);
	pkt_build(&f, V4_UDP);
	memset(f.b + f.len, 0, 60 - f.len);
	f.len = 60;
	EXPECT_FRAME(&f, XDP_PASS, AEGIS_STAT_PASS_POLICY);
}

Test(malformed, ipv6_payload_length)
{
	struct frame ok, f;

	h_policy_set(POL, &(struct aegis_policy){ 0 });
	h_port_set(AEGIS_SLOT_TCP, 443, 443, POL);
	intact(&ok, V6_TCP);
	static const int lens[] = { 21, 1400, 0xffff, 19, 0 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		f = ok;
		pkt_put16(&f, f.l3 + 4, (uint16_t)lens[i]);
		expect_malformed(&f, "ipv6 payload length");
	}
	f = ok;
	f.b[f.l3] = 0x45;			/* version 4 behind an IPv6 ethertype */
	expect_malformed(&f, "ipv6 version");
}

static void v6_extensions(int n, int expect_reason)
{
	struct frame f;

	pkt_build(&f, &(struct pkt_spec){ .src = FAM6.src[0], .dport = 443, .flags = TH_SYN,
					  .v6_ext = (uint8_t)n });
	if (expect_reason == AEGIS_STAT_DROP_MALFORMED)
		expect_malformed(&f, "ipv6 extension headers");
	else
		EXPECT_FRAME(&f, XDP_PASS, expect_reason);
}

Test(malformed, ipv6_extension_headers)
{
	struct frame f;

	h_policy_set(POL, &(struct aegis_policy){ 0 });
	h_port_set(AEGIS_SLOT_TCP, 443, 443, POL);
	/* AEGIS_MAX_IPV6_EXT headers are walked; one more hides L4. */
	v6_extensions(AEGIS_MAX_IPV6_EXT, AEGIS_STAT_PASS_POLICY);
	v6_extensions(AEGIS_MAX_IPV6_EXT + 1, AEGIS_STAT_DROP_MALFORMED);
	v6_extensions(AEGIS_MAX_IPV6_EXT + 3, AEGIS_STAT_DROP_MALFORMED);
	/* An extension header claiming more bytes than the packet has. */
	pkt_build(&f, &(struct pkt_spec){ .src = FAM6.src[0], .dport = 443, .flags = TH_SYN,
					  .v6_ext = 2 });
	f.b[f.l3 + 40 + 1] = 255;
	expect_malformed(&f, "ipv6 extension length");
	/* One whose length ends inside the frame but past the TCP header start. */
	f.b[f.l3 + 40 + 1] = 0;
	f.b[f.l3 + 40 + 8 + 1] = 3;		/* routing header 24 -> 32 bytes */
	expect_malformed(&f, "ipv6 extension length");
}

static void tcp_doff(const struct pkt_spec *s)
{
	static const int doffs[] = { 0, 4, 6, 15 };
	struct frame ok, f;

	intact(&ok, s);
	for (size_t i = 0; i < sizeof(doffs) / sizeof(doffs[0]); i++) {
		f = ok;
		f.b[f.l4 + 12] = (uint8_t)(doffs[i] << 4);
		expect_malformed(&f, "tcp data offset");
	}
}

Test(malformed, tcp_data_offset)
{
	h_policy_set(POL, &(struct aegis_policy){ 0 });
	h_port_set(AEGIS_SLOT_TCP, 443, 443, POL);
	tcp_doff(V4_TCP);
	tcp_doff(V6_TCP);
	tcp_doff(&(struct pkt_spec){ .src = FAM6.src[0], .dport = 443, .flags = TH_ACK,
				     .v6_ext = 3, .vlans = 1 });
	cr_assert_eq(h_stat(AEGIS_STAT_PASS_POLICY).packets, 3);	/* the intact ones */
}

static void udp_len(const struct pkt_spec *s)
{
	static const int lens[] = { 0, 7, 8 + 12 + 1, 0xffff };
	struct frame ok, f;

	intact(&ok, s);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		f = ok;
		pkt_put16(&f, f.l4 + 4, (uint16_t)lens[i]);
		expect_malformed(&f, "udp length");
	}
}

Test(malformed, udp_length)
{
	h_policy_set(POL, &(struct aegis_policy){ 0 });
	h_port_set(AEGIS_SLOT_UDP, 27015, 27015, POL);
	udp_len(V4_UDP);
	udp_len(V6_UDP);
	cr_assert_eq(h_stat(AEGIS_STAT_PASS_POLICY).packets, 2);	/* the intact ones */
}

/* Raw frames: Ethernet header, then n bytes of VLAN tag material. */
static void vlan_frame(struct frame *f, const uint8_t *after_eth, size_t n, uint16_t type)
{
	memset(f, 0, sizeof(*f));
	pkt_put16(f, 12, type);
	if (n)			/* memcpy from NULL is undefined even for 0 bytes */
		memcpy(f->b + PKT_ETH_LEN, after_eth, n);
	f->len = PKT_ETH_LEN + n;
}

Test(malformed, vlan_without_payload)
{
	static const uint8_t tag_v4[] = { 0x00, 0x64, 0x08, 0x00 };
	static const uint8_t tag_tag[] = { 0x00, 0x64, 0x81, 0x00 };
	static const uint8_t half[] = { 0x00, 0x64 };
	static const uint8_t tag_arp[] = { 0x00, 0x64, 0x08, 0x06 };
	struct frame f;

	vlan_frame(&f, NULL, 0, 0x8100);		/* tag type, no tag */
	expect_malformed(&f, "vlan: no tag");
	vlan_frame(&f, half, sizeof(half), 0x8100);
	expect_malformed(&f, "vlan: half a tag");
	vlan_frame(&f, tag_v4, sizeof(tag_v4), 0x8100);	/* tag says IPv4, nothing follows */
	expect_malformed(&f, "vlan: no IP header");
	vlan_frame(&f, tag_tag, sizeof(tag_tag), 0x88a8);	/* inner tag missing */
	expect_malformed(&f, "vlan: no inner tag");
	/* A tag around a non-IP payload is not malformed, even empty. */
	h_flags(AEGIS_F_DROP_MALFORMED);
	vlan_frame(&f, tag_arp, sizeof(tag_arp), 0x8100);
	EXPECT_FRAME(&f, XDP_PASS, AEGIS_STAT_PASS);
}

/*
 * More tags than the parser walks: it cannot see the IP header, so with
 * DROP_MALFORMED the frame must not slip through as "not IP".
 */
Test(malformed, too_many_vlan_tags)
{
	static const uint8_t three[] = {
		0x00, 0x64, 0x81, 0x00,		/* 802.1ad outer -> 802.1Q */
		0x00, 0x65, 0x81, 0x00,		/* -> a third tag */
		0x00, 0x66, 0x08, 0x00,		/* -> IPv4 */
		0x45, 0x00, 0x00, 0x14, 0, 0, 0, 0, 64, 17, 0, 0,
		198, 51, 100, 1, 198, 51, 100, 2,
	};
	struct frame f;

	vlan_frame(&f, three, sizeof(three), 0x88a8);
	expect_malformed(&f, "three vlan tags");
}

/* xorshift32: the same "random" frames on every run. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static const struct pkt_spec fuzz_bases[] = {
	{ .src = "198.51.100.1", .dport = 443, .flags = TH_SYN, .ip_opts = 4, .payload = 8 },
	{ .src = "198.51.100.2", .proto = IPPROTO_UDP, .dport = 27015, .payload = 16 },
	{ .src = "2001:db8:1:2::1", .dport = 443, .flags = TH_ACK, .v6_ext = 3, .payload = 4 },
	{ .src = "2001:db8:1:2::2", .proto = IPPROTO_UDP, .dport = 27015, .vlans = 1,
	  .frag = FRAG_FIRST },
	{ .src = "198.51.100.3", .dport = 443, .flags = TH_RST, .vlans = 2 },
	{ .src = "198.51.100.4", .proto = IPPROTO_ICMP, .payload = 8 },
};

/* Corrupts 1..4 bytes, mostly in the headers, and sometimes truncates. */
static void mutate(struct frame *f, uint32_t *seed)
{
	int n = 1 + rnd(seed) % 4;
	size_t hdr = f->l4 + 20 < f->len ? f->l4 + 20 : f->len;

	for (int i = 0; i < n; i++) {
		size_t off = rnd(seed) % (rnd(seed) % 4 ? hdr : f->len);

		f->b[off] = rnd(seed) % 2 ? (uint8_t)rnd(seed) : f->b[off] ^ (uint8_t)(1u << rnd(seed) % 8);
	}
	if (rnd(seed) % 4 == 0)
		f->len = PKT_ETH_LEN + rnd(seed) % (f->len - PKT_ETH_LEN + 1);
}

Test(malformed, random_mutations)
{
	struct aegis_settings s = { .flags = AEGIS_F_DROP_MALFORMED | AEGIS_F_TCP_FLAGS |
					     AEGIS_F_DROP_FRAGMENTS, .ttl_min = 2 };
	struct aegis_policy p = { .max_conn_per_src = 2 };
	struct aegis_counter c[AEGIS_STAT_MAX];
	struct frame base[6], f;
	uint32_t seed = 0x5eed1234;
	__u64 total = 0;
	const int runs = 4000;
	int malformed = 0;

	h_settings_set(&s);
	h_limit(&p.src[AEGIS_LIM_PPS], 1000000, 1000000);
	h_policy_set(POL, &p);
	h_port_set(AEGIS_SLOT_TCP, 443, 443, POL);
	h_port_set(AEGIS_SLOT_UDP, 27015, 27015, POL);
	for (int i = 0; i < 6; i++)
		pkt_build(&base[i], &fuzz_bases[i]);
	for (int i = 0; i < runs; i++) {
		f = base[rnd(&seed) % 6];
		mutate(&f, &seed);
		/* h_run checks: ran, counted once with the frame's bytes, verdict fits. */
		malformed += h_run(&f, NULL) == AEGIS_STAT_DROP_MALFORMED;
	}
	h_stats(c);
	for (int i = 0; i < AEGIS_STAT_MAX; i++)
		total += c[i].packets;
	cr_assert_eq(total, runs);
	/* The mutations must actually exercise the parser's error paths. */
	cr_assert_gt(malformed, runs / 10, "only %d of %d mutated frames malformed", malformed, runs);
	cr_assert_lt(malformed, runs, "nothing parsed");
}
