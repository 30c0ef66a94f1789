// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Spoofed floods: many fresh source addresses must not push known
 * sources' state out of aegis_sources (it is no LRU), a full table is
 * counted and fails open, and spent states are swept.
 */
#include <stdio.h>

#include "harness.h"

TestSuite(spoof, .fini = h_teardown);

#define POL 3
#define PORT 7777

static void spoof_src(char *buf, size_t len, int i)
{
	snprintf(buf, len, "198.18.%d.%d", 100 + i / 250, 1 + i % 250);
}

/* Known sources keep their buckets while a flood fills the table. */
Test(spoof, full_source_table_keeps_known_sources)
{
	struct aegis_policy p = { 0 };
	char src[32];

	h_open();
	cr_assert_eq(bpf_map__set_max_entries(skel->maps.aegis_sources, 4), 0);
	h_load();
	h_limit(&p.src[AEGIS_LIM_PPS], 1, 2);
	h_policy_set(POL, &p);
	h_port_set(AEGIS_SLOT_UDP, PORT, PORT, POL);

	/* Two known sources spend one of their two tokens. */
	cr_assert_eq(SEND(.src = "198.18.0.1", .proto = IPPROTO_UDP, .dport = PORT),
		     AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(SEND(.src = "2001:db8::1", .proto = IPPROTO_UDP, .dport = PORT),
		     AEGIS_STAT_PASS_POLICY);
	for (int i = 0; i < 500; i++) {
		spoof_src(src, sizeof(src), i);
		cr_assert_eq(SEND(.src = src, .proto = IPPROTO_UDP, .dport = PORT),
			     AEGIS_STAT_PASS_POLICY);
	}
	cr_assert_eq(h_count(skel->maps.aegis_sources), 4);
	cr_assert_eq(h_err(AEGIS_ERR_SRC_FULL), 498, "src_table_full %llu",
		     (unsigned long long)h_err(AEGIS_ERR_SRC_FULL));
	/* Their state survived: the second token passes, the third drops. */
	cr_assert_eq(SEND(.src = "198.18.0.1", .proto = IPPROTO_UDP, .dport = PORT),
		     AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(SEND(.src = "198.18.0.1", .proto = IPPROTO_UDP, .dport = PORT),
		     AEGIS_STAT_DROP_RATE_PPS, "a flood of new sources reset a known source");
	cr_assert_eq(SEND(.src = "2001:db8::1", .proto = IPPROTO_UDP, .dport = PORT),
		     AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(SEND(.src = "2001:db8::1", .proto = IPPROTO_UDP, .dport = PORT),
		     AEGIS_STAT_DROP_RATE_PPS, "a flood of new sources reset a known source");
}

/* The sweeper removes states that are spent, so a flood's leftovers go. */
Test(spoof, spent_sources_swept)
{
	struct aegis_policy p = { 0 };
	struct aegis_sweep sw;
	__u32 zero = 0;
	char src[32];

	h_setup();
	h_limit(&p.src[AEGIS_LIM_PPS], 100, 10);	/* tat: 10 ms ahead */
	h_policy_set(POL, &p);
	h_port_set(AEGIS_SLOT_UDP, PORT, PORT, POL);
	for (int i = 0; i < 300; i++) {
		spoof_src(src, sizeof(src), i);
		cr_assert_eq(SEND(.src = src, .proto = IPPROTO_UDP, .dport = PORT),
			     AEGIS_STAT_PASS_POLICY);
	}
	cr_assert_eq(h_count(skel->maps.aegis_sources), 300);
	h_sleep_ms(2500);
	cr_assert_eq(h_count(skel->maps.aegis_sources), 0, "%ld spent states left",
		     h_count(skel->maps.aegis_sources));
	cr_assert_eq(bpf_map_lookup_elem(MAPFD(aegis_sweep), &zero, &sw), 0);
	cr_assert_geq(sw.sweeps, 1);
	cr_assert_eq(sw.sources_expired, 300);
	cr_assert_eq(h_err(AEGIS_ERR_TIMER), 0);
}

/* Over the policy-wide SYN limit, a new source's SYN drops without a
 * state: a spoofed SYN flood cannot fill aegis_sources. Known sources
 * still get their own limits first. */
Test(spoof, syn_flood_over_global_limit_writes_no_state)
{
	struct aegis_policy p = { 0 };
	char src[32];

	h_setup();
	h_limit(&p.src[AEGIS_LIM_SYN], 1, 1);
	h_limit(&p.global_syn, 1, 3);
	h_policy_set(POL, &p);
	h_port_set(AEGIS_SLOT_TCP, PORT, PORT, POL);
	for (int i = 0; i < 200; i++) {
		spoof_src(src, sizeof(src), i);
		cr_assert_eq(SEND(.src = src, .dport = PORT, .flags = TH_SYN),
			     i < 3 ? AEGIS_STAT_PASS_POLICY : AEGIS_STAT_DROP_GLOBAL_SYN);
	}
	cr_assert_eq(h_count(skel->maps.aegis_sources), 3, "%ld states for a spoofed flood",
		     h_count(skel->maps.aegis_sources));
	/* A known source over its own limit is dropped by that, not the global. */
	spoof_src(src, sizeof(src), 0);
	cr_assert_eq(SEND(.src = src, .dport = PORT, .flags = TH_SYN), AEGIS_STAT_DROP_RATE_SYN);
}
