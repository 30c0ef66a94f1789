// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port policies: per-source token buckets (pps, SYN/s, RST/s, UDP pps,
 * UDP bytes/s) and policy-wide SYN/s and new-connection/s. With rate R
 * and burst B, B units pass at once, the next is dropped under the
 * limit's reason, and the bucket refills at R per second.
 */
#include "harness.h"

TestSuite(policy, .init = h_setup, .fini = h_teardown);

#define POL 9

/*
 * Slow enough that a burst and the drop after it always land within one
 * token's time (250 ms), even on a loaded machine; REFILL_MS brings back
 * more than one token and less than two.
 */
#define RATE		4
#define REFILL_MS	400

/* Installs p as policy POL on one port of a slot. */
static void install(struct aegis_policy *p, enum aegis_port_slot slot, __u16 port)
{
	h_policy_set(POL, p);
	h_port_set(slot, port, port, POL);
}

/* n packets like s pass under the policy, then one more drops as reason. */
static void burst_then_drop(const struct pkt_spec *s, int n, int reason)
{
	for (int i = 0; i < n; i++)
		cr_assert_eq(h_send(s), AEGIS_STAT_PASS_POLICY, "packet %d of the burst not passed",
			     i + 1);
	cr_assert_eq(h_send(s), reason, "packet past the burst not dropped as %s",
		     h_stat_name(reason));
}

static void unprotected_port(const struct fam *F)
{
	struct aegis_policy p = { 0 };

	h_limit(&p.src[AEGIS_LIM_PPS], 1, 1);
	install(&p, AEGIS_SLOT_TCP, 443);
	for (int i = 0; i < 5; i++)
		EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[0], .dport = 444, .flags = TH_SYN);
	/* The same port number in the other slot is another port. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[0], .proto = IPPROTO_UDP, .dport = 443);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[0], .proto = IPPROTO_UDP, .dport = 443);
	/* ICMP has no port. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[0], .proto = IPPROTO_ICMP);
	cr_assert_eq(h_count(skel->maps.aegis_sources), 0, "state kept for unprotected traffic");
	cr_assert_eq(h_stat(AEGIS_STAT_PASS).packets, 8);
}
TEST_FAMILIES(policy, unprotected_port)

Test(policy, inactive_policy_is_ignored)
{
	struct aegis_policy p = { 0 };
	__u32 id = POL;

	h_limit(&p.src[AEGIS_LIM_PPS], 1, 1);
	/* Written without active = 1: a slot the daemon has not finished. */
	cr_assert_eq(bpf_map_update_elem(MAPFD(aegis_policies), &id, &p, BPF_ANY), 0);
	h_port_set(AEGIS_SLOT_TCP, 443, 443, POL);
	for (int i = 0; i < 3; i++)
		EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = FAM4.src[0], .dport = 443, .flags = TH_SYN);
}

static void pps(const struct fam *F)
{
	struct aegis_policy p = { 0 };
	struct pkt_spec a = { .src = F->src[0], .dport = 443, .flags = TH_ACK, .payload = 10 };
	struct pkt_spec b = a;

	b.src = F->src[1];
	h_limit(&p.src[AEGIS_LIM_PPS], RATE, 3);
	install(&p, AEGIS_SLOT_TCP, 443);
	burst_then_drop(&a, 3, AEGIS_STAT_DROP_RATE_PPS);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = F->src[0], .dport = 443,
	       .flags = TH_SYN);
	/* Another source has its own bucket. */
	burst_then_drop(&b, 3, AEGIS_STAT_DROP_RATE_PPS);
	cr_assert_eq(h_count(skel->maps.aegis_sources), 2);
	h_sleep_ms(REFILL_MS);
	cr_assert_eq(h_send(&a), AEGIS_STAT_PASS_POLICY, "bucket did not refill");
	cr_assert_eq(h_stat(AEGIS_STAT_DROP_RATE_PPS).packets, 3);
}
TEST_FAMILIES(policy, pps)

static void syn_rate(const struct fam *F)
{
	struct aegis_policy p = { 0 };
	struct pkt_spec syn = { .src = F->src[0], .dport = 22, .flags = TH_SYN };
	struct pkt_spec other = syn;

	other.src = F->src[1];
	h_limit(&p.src[AEGIS_LIM_SYN], RATE, 2);
	install(&p, AEGIS_SLOT_TCP, 22);
	burst_then_drop(&syn, 2, AEGIS_STAT_DROP_RATE_SYN);
	/* Only SYN without ACK is a SYN: the rest of the session goes on. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 22,
	       .flags = TH_SYN | TH_ACK);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 22, .flags = TH_ACK);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 22,
	       .flags = TH_FIN | TH_ACK);
	burst_then_drop(&other, 2, AEGIS_STAT_DROP_RATE_SYN);
	h_sleep_ms(REFILL_MS);
	cr_assert_eq(h_send(&syn), AEGIS_STAT_PASS_POLICY, "bucket did not refill");
}
TEST_FAMILIES(policy, syn_rate)

static void rst_rate(const struct fam *F)
{
	struct aegis_policy p = { 0 };
	struct pkt_spec rst = { .src = F->src[0], .dport = 22, .flags = TH_RST };

	h_limit(&p.src[AEGIS_LIM_RST], RATE, 2);
	install(&p, AEGIS_SLOT_TCP, 22);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 22, .flags = TH_RST);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 22,
	       .flags = TH_RST | TH_ACK);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_RST, .src = F->src[0], .dport = 22,
	       .flags = TH_RST | TH_ACK);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_RST, .src = F->src[0], .dport = 22, .flags = TH_RST);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 22, .flags = TH_SYN);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[1], .dport = 22, .flags = TH_RST);
	h_sleep_ms(REFILL_MS);
	cr_assert_eq(h_send(&rst), AEGIS_STAT_PASS_POLICY, "bucket did not refill");
}
TEST_FAMILIES(policy, rst_rate)

static void udp_pps(const struct fam *F)
{
	struct aegis_policy p = { 0 };
	struct pkt_spec a = { .src = F->src[0], .proto = IPPROTO_UDP, .dport = 27015 };
	struct pkt_spec b = a;

	b.src = F->src[1];
	h_limit(&p.src[AEGIS_LIM_UDP_PPS], RATE, 4);
	install(&p, AEGIS_SLOT_UDP, 27015);
	burst_then_drop(&a, 4, AEGIS_STAT_DROP_RATE_UDP);
	burst_then_drop(&b, 4, AEGIS_STAT_DROP_RATE_UDP);
	h_sleep_ms(REFILL_MS);
	cr_assert_eq(h_send(&a), AEGIS_STAT_PASS_POLICY, "bucket did not refill");
}
TEST_FAMILIES(policy, udp_pps)

/* Bytes are the IP length; 100-byte datagrams against 300 bytes of burst. */
static void udp_bytes(const struct fam *F)
{
	struct aegis_policy p = { 0 };
	__u16 payload = 100 - (F == &FAM4 ? 28 : 48);
	struct pkt_spec a = { .src = F->src[0], .proto = IPPROTO_UDP, .dport = 27015,
			      .payload = payload };
	struct pkt_spec b = a;

	b.src = F->src[1];
	h_limit(&p.src[AEGIS_LIM_UDP_BPS], 100 * RATE, 300);
	install(&p, AEGIS_SLOT_UDP, 27015);
	burst_then_drop(&a, 3, AEGIS_STAT_DROP_RATE_UDP_BYTES);
	burst_then_drop(&b, 3, AEGIS_STAT_DROP_RATE_UDP_BYTES);
	/* 100 bytes come back every 1/RATE s. */
	h_sleep_ms(REFILL_MS);
	cr_assert_eq(h_send(&a), AEGIS_STAT_PASS_POLICY, "bucket did not refill");
	/* A datagram bigger than the whole burst never fits. */
	b.src = F->src[2];
	b.payload = 301;
	cr_assert_eq(h_send(&b), AEGIS_STAT_DROP_RATE_UDP_BYTES);
}
TEST_FAMILIES(policy, udp_bytes)

static void global_syn(const struct fam *F)
{
	struct aegis_policy p = { 0 };

	h_limit(&p.global_syn, RATE, 3);
	install(&p, AEGIS_SLOT_TCP, 443);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 443, .flags = TH_SYN);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 443, .flags = TH_SYN,
	       .sport = 40001);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[1], .dport = 443, .flags = TH_SYN);
	/* The fourth SYN from anyone is over the policy-wide budget. */
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_GLOBAL_SYN, .src = F->src[1], .dport = 443,
	       .flags = TH_SYN, .sport = 40001);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_GLOBAL_SYN, .src = F->src[2], .dport = 443,
	       .flags = TH_SYN);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[2], .dport = 443, .flags = TH_ACK);
	h_sleep_ms(REFILL_MS);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[3], .dport = 443, .flags = TH_SYN);
}
TEST_FAMILIES(policy, global_syn)

static void global_conn(const struct fam *F)
{
	struct aegis_policy p = { 0 };

	h_limit(&p.global_conn, RATE, 3);
	install(&p, AEGIS_SLOT_TCP, 443);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 443, .flags = TH_SYN,
	       .sport = 1001);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 443, .flags = TH_SYN,
	       .sport = 1002);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[1], .dport = 443, .flags = TH_SYN,
	       .sport = 1001);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_GLOBAL_CONN, .src = F->src[1], .dport = 443,
	       .flags = TH_SYN, .sport = 1002);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_GLOBAL_CONN, .src = F->src[2], .dport = 443,
	       .flags = TH_SYN);
	/* A retransmitted SYN of an open flow is not a new connection. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 443, .flags = TH_SYN,
	       .sport = 1001);
	cr_assert_eq(h_count(skel->maps.aegis_flows), 3);
	cr_assert_eq(h_pol_state(POL).conns, 3);
}
TEST_FAMILIES(policy, global_conn)

/* One policy on a port range: one bucket per source across the range. */
static void port_range(const struct fam *F)
{
	struct aegis_policy p = { .port_lo = 8000, .port_hi = 8009, .proto = IPPROTO_TCP };

	h_limit(&p.src[AEGIS_LIM_PPS], RATE, 3);
	h_policy_set(4, &p);
	h_port_set(AEGIS_SLOT_TCP, 8000, 8009, 4);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 8000, .flags = TH_ACK);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 8005, .flags = TH_ACK);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 8009, .flags = TH_ACK);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = F->src[0], .dport = 8003,
	       .flags = TH_ACK);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[0], .dport = 8010, .flags = TH_ACK);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS, .src = F->src[0], .dport = 7999, .flags = TH_ACK);
	cr_assert_eq(h_count(skel->maps.aegis_sources), 1);
}
TEST_FAMILIES(policy, port_range)

/* tcp/53 and udp/53 under different policies: separate buckets. */
static void slots_independent(const struct fam *F)
{
	struct aegis_policy tcp = { 0 }, udp = { 0 };

	h_limit(&tcp.src[AEGIS_LIM_PPS], RATE, 1);
	h_limit(&udp.src[AEGIS_LIM_PPS], RATE, 2);
	h_policy_set(5, &tcp);
	h_policy_set(6, &udp);
	h_port_set(AEGIS_SLOT_TCP, 53, 53, 5);
	h_port_set(AEGIS_SLOT_UDP, 53, 53, 6);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 53, .flags = TH_ACK);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = F->src[0], .dport = 53, .flags = TH_ACK);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .proto = IPPROTO_UDP,
	       .dport = 53);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .proto = IPPROTO_UDP,
	       .dport = 53);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = F->src[0], .proto = IPPROTO_UDP,
	       .dport = 53);
	cr_assert_eq(h_count(skel->maps.aegis_sources), 2);
}
TEST_FAMILIES(policy, slots_independent)

/* A limit that passed spends its token even when a later one drops. */
static void tokens_spent_before_drop(const struct fam *F)
{
	struct aegis_policy p = { 0 };

	h_limit(&p.src[AEGIS_LIM_PPS], RATE, 3);
	h_limit(&p.src[AEGIS_LIM_SYN], RATE, 1);
	install(&p, AEGIS_SLOT_TCP, 443);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 443, .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_SYN, .src = F->src[0], .dport = 443,
	       .flags = TH_SYN);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = F->src[0], .dport = 443, .flags = TH_ACK);
	/* Three packets spent the pps burst, the dropped SYN included. */
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = F->src[0], .dport = 443,
	       .flags = TH_ACK);
}
TEST_FAMILIES(policy, tokens_spent_before_drop)

/* Limits that do not apply to a protocol never drop it. */
Test(policy, tcp_limits_ignore_udp)
{
	struct aegis_policy p = { 0 };

	h_limit(&p.src[AEGIS_LIM_SYN], RATE, 1);
	h_limit(&p.src[AEGIS_LIM_RST], RATE, 1);
	h_limit(&p.global_syn, RATE, 1);
	h_policy_set(POL, &p);
	h_port_set(AEGIS_SLOT_UDP, 9000, 9000, POL);
	for (int i = 0; i < 5; i++)
		EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = FAM6.src[0], .proto = IPPROTO_UDP,
		       .dport = 9000);
}

/* A policy protects the port whatever VLAN tags or IPv6 headers come first. */
Test(policy, layers_do_not_hide_ports)
{
	struct aegis_policy p = { 0 };

	h_limit(&p.src[AEGIS_LIM_PPS], RATE, 2);
	install(&p, AEGIS_SLOT_TCP, 443);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = FAM6.src[0], .dport = 443,
	       .flags = TH_ACK, .v6_ext = 6);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = FAM6.src[0], .dport = 443,
	       .flags = TH_ACK, .vlans = 2, .v6_ext = 1);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_PPS, .src = FAM6.src[0], .dport = 443,
	       .flags = TH_ACK, .vlans = 1, .v6_ext = 3);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = FAM4.src[0], .dport = 443,
	       .flags = TH_ACK, .vlans = 2, .ip_opts = 40);
}
