// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Allow-list, deny-list and bans: the first rules of the packet path.
 * Precedence is allow > ban > deny > everything else (docs/ARCHITECTURE.md),
 * so an allowed source is never dropped and a denied or banned one never
 * reaches a sanity rule or a policy.
 */
#include <arpa/inet.h>

#include "harness.h"
#include "xdp/maps.h"

TestSuite(lists, .init = h_setup, .fini = h_teardown);
TestSuite(bans, .init = h_setup, .fini = h_teardown);

static void deny_drops(const struct fam *F)
{
	h_list_add(skel->maps.aegis_deny, F->src[2]);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_DENY, .src = F->src[2], .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_DENY, .src = F->src[2], .proto = IPPROTO_UDP);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_DENY, .src = F->src[2], .proto = IPPROTO_ICMP);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[3], .flags = TH_SYN);
	cr_assert_eq(h_stat(AEGIS_STAT_DROP_DENY).packets, 3);
}
TEST_FAMILIES(lists, deny_drops)

/* A /24 (prefixlen 96 + 24) or /64 matches inside and not one bit beyond. */
static void deny_prefix(const struct fam *F)
{
	h_list_add(skel->maps.aegis_deny, F->net);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_DENY, .src = F->src[0], .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_DENY, .src = F->src[1], .flags = TH_SYN, .vlans = 2);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->outside, .flags = TH_SYN);
}
TEST_FAMILIES(lists, deny_prefix)

Test(lists, v4_prefix_is_96_plus_n)
{
	struct aegis_lpm_key k = { .prefixlen = 96 + 24, .addr = h_addr("198.51.100.0") };
	struct aegis_list_entry e = { 0 };

	/* Written by hand, not through addr_parse_cidr: the layout itself. */
	cr_assert_eq(bpf_map_update_elem(MAPFD(aegis_allow), &k, &e, BPF_ANY), 0);
	h_list_add(skel->maps.aegis_deny, "198.51.0.0/16");
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_ALLOW, .src = "198.51.100.200", .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_DENY, .src = "198.51.99.200", .flags = TH_SYN);
	/* The same low 32 bits in a native IPv6 address are not that IPv4 prefix. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = "::c633:64c8", .flags = TH_SYN);
}

static void allow_beats_deny(const struct fam *F)
{
	h_list_add(skel->maps.aegis_allow, F->net);
	h_list_add(skel->maps.aegis_deny, F->src[0]);
	h_list_add(skel->maps.aegis_deny, F->outside);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_ALLOW, .src = F->src[0], .flags = TH_SYN);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_ALLOW, .src = F->src[1], .proto = IPPROTO_UDP);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_DENY, .src = F->outside, .flags = TH_SYN);
	cr_assert_eq(h_stat(AEGIS_STAT_PASS_ALLOW).packets, 2);
}
TEST_FAMILIES(lists, allow_beats_deny)

static void allow_beats_ban(const struct fam *F)
{
	h_list_add(skel->maps.aegis_allow, F->net);
	h_ban_set(F->src[0], 0);
	h_ban_set(F->outside, 0);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_ALLOW, .src = F->src[0], .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_BAN, .src = F->outside, .flags = TH_SYN);
	/* The allow-list only skips the ban; the ban stays for later. */
	cr_assert(h_ban_get(F->src[0], NULL));
}
TEST_FAMILIES(lists, allow_beats_ban)

static void allow_beats_sanity_and_policy(const struct fam *F)
{
	struct aegis_settings s = { .flags = AEGIS_F_TCP_FLAGS, .ttl_min = 32 };
	struct aegis_policy p = { 0 };

	h_settings_set(&s);
	h_limit(&p.src[AEGIS_LIM_PPS], 1, 1);
	h_policy_set(1, &p);
	h_port_set(AEGIS_SLOT_TCP, 80, 80, 1);
	h_list_add(skel->maps.aegis_allow, F->src[0]);
	for (int i = 0; i < 3; i++)
		EXPECT(XDP_PASS, AEGIS_STAT_PASS_ALLOW, .src = F->src[0], .flags = TH_SYN | TH_FIN,
		       .ttl = 2);
	/* Nothing was tracked for the allowed source. */
	cr_assert_eq(h_count(skel->maps.aegis_sources), 0);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_TTL, .src = F->src[1], .flags = TH_SYN, .ttl = 2);
}
TEST_FAMILIES(lists, allow_beats_sanity_and_policy)

/* Banned and denied counts as a ban; once the ban expires, the deny remains. */
static void ban_beats_deny(const struct fam *F)
{
	h_list_add(skel->maps.aegis_deny, F->src[0]);
	h_ban_set(F->src[0], 0);
	h_ban_set(F->src[1], h_now() - 1);
	h_list_add(skel->maps.aegis_deny, F->src[1]);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_BAN, .src = F->src[0], .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_DENY, .src = F->src[1], .flags = TH_SYN);
	cr_assert_not(h_ban_get(F->src[1], NULL));
	cr_assert_eq(h_stat(AEGIS_STAT_DROP_DENY).packets, 1);
}
TEST_FAMILIES(lists, ban_beats_deny)

static void ban_permanent(const struct fam *F)
{
	h_ban_set(F->src[0], 0);
	for (int i = 0; i < 3; i++)
		EXPECT(XDP_DROP, AEGIS_STAT_DROP_BAN, .src = F->src[0], .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_BAN, .src = F->src[0], .proto = IPPROTO_UDP, .vlans = 1);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[1], .flags = TH_SYN);
	cr_assert(h_ban_get(F->src[0], NULL));
	cr_assert_eq(h_stat(AEGIS_STAT_DROP_BAN).packets, 4);
}
TEST_FAMILIES(bans, ban_permanent)

/* Bans are exact addresses, not prefixes. */
static void ban_is_exact(const struct fam *F)
{
	h_ban_set(F->src[0], 0);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[1], .flags = TH_SYN);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->outside, .flags = TH_SYN);
}
TEST_FAMILIES(bans, ban_is_exact)

static void ban_expired_is_deleted(const struct fam *F)
{
	h_ban_set(F->src[0], h_now() - 1000000);	/* expired 1 ms ago */
	h_ban_set(F->src[1], 0);
	cr_assert_eq(h_count(skel->maps.aegis_bans), 2);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[0], .flags = TH_SYN);
	cr_assert_not(h_ban_get(F->src[0], NULL), "expired ban not cleaned up");
	cr_assert(h_ban_get(F->src[1], NULL), "cleanup removed the wrong ban");
	cr_assert_eq(h_count(skel->maps.aegis_bans), 1);
}
TEST_FAMILIES(bans, ban_expired_is_deleted)

static void ban_expires(const struct fam *F)
{
	h_ban_set(F->src[0], h_now() + 300 * 1000000ull);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_BAN, .src = F->src[0], .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_BAN, .src = F->src[0], .proto = IPPROTO_UDP);
	cr_assert(h_ban_get(F->src[0], NULL));
	h_sleep_ms(600);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[0], .flags = TH_SYN);
	cr_assert_not(h_ban_get(F->src[0], NULL));
}
TEST_FAMILIES(bans, ban_expires)

/* A ban is checked before sanity and policies: it says why it dropped. */
static void ban_beats_sanity(const struct fam *F)
{
	struct aegis_settings s = { .flags = AEGIS_F_TCP_FLAGS | AEGIS_F_DROP_FRAGMENTS };

	h_settings_set(&s);
	h_ban_set(F->src[0], 0);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_BAN, .src = F->src[0], .flags = 0);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_BAN, .src = F->src[0], .proto = IPPROTO_UDP,
	       .frag = FRAG_LATER);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_TCP_FLAGS, .src = F->src[1], .flags = 0);
}
TEST_FAMILIES(bans, ban_beats_sanity)

/* maps_count (status line, /metrics): batched for hash maps, walked for
 * LPM tries; both exact. 3000 bans take 3 batches of 1024. */
Test(bans, counted_in_batches_and_tries_walked)
{
	struct aegis_maps m = { .ncpus = 0 };
	struct aegis_ban b = { 0 };

	for (int i = 0; i < MAPS_COUNT; i++)
		m.fd[i] = -1;
	m.fd[MAPS_BANS] = MAPFD(aegis_bans);
	m.fd[MAPS_DENY] = MAPFD(aegis_deny);
	cr_assert_eq(maps_count(&m, MAPS_BANS), 0);
	for (uint32_t i = 0; i < 3000; i++) {
		struct aegis_addr a = { .w = { 0, 0, htonl(0xffff), htonl(0xc6120000u + i) } };

		cr_assert_eq(bpf_map_update_elem(MAPFD(aegis_bans), &a, &b, BPF_ANY), 0);
	}
	cr_assert_eq(maps_count(&m, MAPS_BANS), 3000);
	h_list_add(skel->maps.aegis_deny, "198.51.100.0/24");
	h_list_add(skel->maps.aegis_deny, "2001:db8::/32");
	cr_assert_eq(maps_count(&m, MAPS_DENY), 2);
}
