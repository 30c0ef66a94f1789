// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The flow table behind connection caps: a TCP SYN or a first UDP
 * datagram opens a flow, FIN/RST closes it, a bpf_timer expires it when
 * idle. aegis_flows, aegis_conns (per source) and aegis_pol_state.conns
 * (per policy) must always agree.
 */
#include "harness.h"

TestSuite(flows, .init = h_setup, .fini = h_teardown);
TestSuite(flow_table, .fini = h_teardown);

#define POL 1

static void install(struct aegis_policy *p)
{
	h_policy_set(POL, p);
	h_port_set(AEGIS_SLOT_TCP, 443, 443, POL);
	h_port_set(AEGIS_SLOT_UDP, 27015, 27015, POL);
}

/* The three views of the open connections agree with what we expect. */
static void assert_open(const char *src, __s64 src_conns, __s64 policy_conns, long flows)
{
	cr_assert_eq(h_conns(src, POL), src_conns, "%s has %lld connections, expected %lld", src,
		     (long long)h_conns(src, POL), (long long)src_conns);
	cr_assert_eq(h_pol_state(POL).conns, policy_conns);
	cr_assert_eq(h_count(skel->maps.aegis_flows), flows);
}

#define TCP(s, port, fl) (&(struct pkt_spec){ .src = (s), .dport = 443, .sport = (port), \
					      .flags = (fl) })

static void per_source_cap(const struct fam *F)
{
	const char *a = F->src[0], *b = F->src[1];
	struct aegis_flow fl;

	install(&(struct aegis_policy){ .max_conn_per_src = 2 });
	cr_assert_eq(h_send(TCP(a, 1001, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(h_send(TCP(a, 1002, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	assert_open(a, 2, 2, 2);
	cr_assert(h_flow_get(TCP(a, 1001, 0), &fl));
	cr_assert_eq(fl.policy, POL);
	cr_assert_eq(fl.state, AEGIS_FLOW_NEW);
	cr_assert_eq(fl.packets, 1);

	EXPECT(XDP_DROP, AEGIS_STAT_DROP_CONN_SRC, .src = a, .dport = 443, .sport = 1003,
	       .flags = TH_SYN);
	cr_assert_not(h_flow_get(TCP(a, 1003, 0), NULL), "dropped SYN opened a flow");
	/* The cap is per source. */
	cr_assert_eq(h_send(TCP(b, 1001, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	assert_open(b, 1, 3, 3);

	/* The handshake's ACK establishes the flow; it is not a new one. */
	cr_assert_eq(h_send(TCP(a, 1001, TH_ACK)), AEGIS_STAT_PASS_POLICY);
	cr_assert(h_flow_get(TCP(a, 1001, 0), &fl));
	cr_assert_eq(fl.state, AEGIS_FLOW_EST);
	cr_assert_eq(fl.packets, 2);
	assert_open(a, 2, 3, 3);

	/* FIN closes a flow and frees its slot. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = a, .dport = 443, .sport = 1001,
	       .flags = TH_FIN | TH_ACK);
	cr_assert_not(h_flow_get(TCP(a, 1001, 0), NULL), "FIN did not close the flow");
	assert_open(a, 1, 2, 2);
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = a, .dport = 443, .sport = 1003,
	       .flags = TH_SYN);
	assert_open(a, 2, 3, 3);

	/* RST closes too. */
	EXPECT(XDP_PASS, AEGIS_STAT_PASS_POLICY, .src = a, .dport = 443, .sport = 1002,
	       .flags = TH_RST);
	cr_assert_not(h_flow_get(TCP(a, 1002, 0), NULL), "RST did not close the flow");
	assert_open(a, 1, 2, 2);
}
TEST_FAMILIES(flows, per_source_cap)

static void closing_all_deletes_the_count(const struct fam *F)
{
	const char *a = F->src[0];

	install(&(struct aegis_policy){ .max_conn_per_src = 5 });
	h_send(TCP(a, 1001, TH_SYN));
	h_send(TCP(a, 1002, TH_SYN));
	assert_open(a, 2, 2, 2);
	h_send(TCP(a, 1001, TH_RST | TH_ACK));
	h_send(TCP(a, 1002, TH_FIN | TH_ACK));
	assert_open(a, -1, 0, 0);	/* -1: no aegis_conns entry at all */
	cr_assert_eq(h_count(skel->maps.aegis_conns), 0);
	/* A second FIN for a closed flow must not count down again. */
	cr_assert_eq(h_send(TCP(a, 1002, TH_FIN | TH_ACK)), AEGIS_STAT_PASS_POLICY);
	assert_open(a, -1, 0, 0);
}
TEST_FAMILIES(flows, closing_all_deletes_the_count)

/* Mid-stream TCP of a connection we never saw is passed, not tracked. */
static void midstream_untracked(const struct fam *F)
{
	install(&(struct aegis_policy){ .max_conn_per_src = 1 });
	for (int port = 2000; port < 2005; port++) {
		cr_assert_eq(h_send(TCP(F->src[0], port, TH_ACK)), AEGIS_STAT_PASS_POLICY);
		cr_assert_eq(h_send(TCP(F->src[0], port, TH_SYN | TH_ACK)), AEGIS_STAT_PASS_POLICY);
		cr_assert_eq(h_send(TCP(F->src[0], port, TH_FIN | TH_ACK)), AEGIS_STAT_PASS_POLICY);
	}
	assert_open(F->src[0], -1, 0, 0);
}
TEST_FAMILIES(flows, midstream_untracked)

static void total_cap(const struct fam *F)
{
	const char *a = F->src[0], *b = F->src[1], *c = F->src[2];

	install(&(struct aegis_policy){ .max_conn_total = 3 });
	cr_assert_eq(h_send(TCP(a, 1001, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(h_send(TCP(a, 1002, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(h_send(TCP(b, 1001, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_CONN_TOTAL, .src = c, .dport = 443, .sport = 1001,
	       .flags = TH_SYN);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_CONN_TOTAL, .src = a, .dport = 443, .sport = 1003,
	       .flags = TH_SYN);
	/* UDP to the same policy shares the budget. */
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_CONN_TOTAL, .src = c, .proto = IPPROTO_UDP,
	       .dport = 27015);
	assert_open(a, 2, 3, 3);
	cr_assert_eq(h_send(TCP(a, 1001, TH_FIN | TH_ACK)), AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(h_send(TCP(c, 1001, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	assert_open(c, 1, 3, 3);
}
TEST_FAMILIES(flows, total_cap)

static void new_conn_rate(const struct fam *F)
{
	const char *a = F->src[0], *b = F->src[1];
	struct aegis_policy p = { 0 };
	struct aegis_flow fl;

	h_limit(&p.src[AEGIS_LIM_CONN], 4, 2);	/* a token per 250 ms */
	install(&p);
	cr_assert_eq(h_send(TCP(a, 1001, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(h_send(TCP(a, 1002, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	/* Retransmissions of open flows are not new connections. */
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(h_send(TCP(a, 1001, TH_SYN)), AEGIS_STAT_PASS_POLICY);
		cr_assert_eq(h_send(TCP(a, 1002, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	}
	cr_assert(h_flow_get(TCP(a, 1001, 0), &fl));
	cr_assert_eq(fl.packets, 4);
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_CONN, .src = a, .dport = 443, .sport = 1003,
	       .flags = TH_SYN);
	/* A first UDP datagram is a new connection too. */
	EXPECT(XDP_DROP, AEGIS_STAT_DROP_RATE_CONN, .src = a, .proto = IPPROTO_UDP,
	       .dport = 27015);
	cr_assert_eq(h_send(TCP(b, 1001, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	assert_open(a, 2, 3, 3);
	h_sleep_ms(400);
	cr_assert_eq(h_send(TCP(a, 1003, TH_SYN)), AEGIS_STAT_PASS_POLICY);
}
TEST_FAMILIES(flows, new_conn_rate)

static void udp_opens_flow(const struct fam *F)
{
	const char *a = F->src[0];
	struct pkt_spec d = { .src = a, .proto = IPPROTO_UDP, .dport = 27015, .sport = 5000,
			      .payload = 20 };
	struct aegis_flow fl;

	install(&(struct aegis_policy){ .max_conn_per_src = 1 });
	cr_assert_eq(h_send(&d), AEGIS_STAT_PASS_POLICY);
	cr_assert(h_flow_get(&d, &fl));
	cr_assert_eq(fl.state, AEGIS_FLOW_EST);
	cr_assert_eq(fl.bytes, (F == &FAM4 ? 20 : 40) + 8 + 20);
	cr_assert_eq(h_send(&d), AEGIS_STAT_PASS_POLICY);
	cr_assert(h_flow_get(&d, &fl));
	cr_assert_eq(fl.packets, 2);
	assert_open(a, 1, 1, 1);
	d.sport = 5001;
	cr_assert_eq(h_send(&d), AEGIS_STAT_DROP_CONN_SRC);
	assert_open(a, 1, 1, 1);
}
TEST_FAMILIES(flows, udp_opens_flow)

/* One sleep covers both families: the timer, not a packet, expires them. */
Test(flows, udp_idle_expiry)
{
	struct pkt_spec d4 = { .src = FAM4.src[0], .proto = IPPROTO_UDP, .dport = 27015 };
	struct pkt_spec d6 = { .src = FAM6.src[0], .proto = IPPROTO_UDP, .dport = 27015 };

	install(&(struct aegis_policy){ .max_conn_per_src = 1, .flow_idle_s = 1 });
	cr_assert_eq(h_send(&d4), AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(h_send(&d6), AEGIS_STAT_PASS_POLICY);
	assert_open(FAM4.src[0], 1, 2, 2);
	h_sleep_ms(2500);
	cr_assert_not(h_flow_get(&d4, NULL), "v4 flow did not expire");
	cr_assert_not(h_flow_get(&d6, NULL), "v6 flow did not expire");
	assert_open(FAM4.src[0], -1, 0, 0);
	cr_assert_eq(h_conns(FAM6.src[0], POL), -1);
	cr_assert_eq(h_err(AEGIS_ERR_TIMER), 0);
	/* The slot is free again. */
	d4.sport = 40001;
	cr_assert_eq(h_send(&d4), AEGIS_STAT_PASS_POLICY);
	assert_open(FAM4.src[0], 1, 1, 1);
}

/* syn_timeout_s applies only to flows that never saw an ACK. */
Test(flows, syn_timeout)
{
	install(&(struct aegis_policy){ .max_conn_per_src = 4, .syn_timeout_s = 1 });
	cr_assert_eq(h_send(TCP(FAM4.src[0], 1001, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(h_send(TCP(FAM6.src[0], 1001, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(h_send(TCP(FAM6.src[0], 1002, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(h_send(TCP(FAM6.src[0], 1002, TH_ACK)), AEGIS_STAT_PASS_POLICY);
	assert_open(FAM6.src[0], 2, 3, 3);
	h_sleep_ms(2500);
	cr_assert_not(h_flow_get(TCP(FAM4.src[0], 1001, 0), NULL), "v4 half-open flow stayed");
	cr_assert_not(h_flow_get(TCP(FAM6.src[0], 1001, 0), NULL), "v6 half-open flow stayed");
	cr_assert(h_flow_get(TCP(FAM6.src[0], 1002, 0), NULL), "established flow expired");
	assert_open(FAM6.src[0], 1, 1, 1);
	cr_assert_eq(h_conns(FAM4.src[0], POL), -1);
}

/* A full flow table fails open: the packet passes untracked, and is counted. */
Test(flow_table, full_fails_open)
{
	h_open();
	cr_assert_eq(bpf_map__set_max_entries(skel->maps.aegis_flows, 2), 0);
	h_load();
	install(&(struct aegis_policy){ .max_conn_per_src = 10 });
	cr_assert_eq(h_send(TCP(FAM4.src[0], 1001, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(h_send(TCP(FAM6.src[0], 1001, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(h_send(TCP(FAM4.src[0], 1002, TH_SYN)), AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(h_err(AEGIS_ERR_FLOW_FULL), 1);
	cr_assert_not(h_flow_get(TCP(FAM4.src[0], 1002, 0), NULL));
	assert_open(FAM4.src[0], 1, 2, 2);
}

/*
 * A burst: 20 sources open 10 connections each, complete the handshake,
 * close half and reopen on new ports. Every flow must be tracked: a flow
 * whose timer cannot be armed goes untracked and escapes the caps.
 */
Test(flows, burst_all_tracked)
{
	char src[32];
	int s, c;

	install(&(struct aegis_policy){ .max_conn_per_src = 50 });
	for (int round = 0; round < 2; round++) {
		for (s = 0; s < 20; s++) {
			snprintf(src, sizeof(src), "198.18.%d.%d", round, s + 1);
			for (c = 0; c < 10; c++) {
				__u16 port = (__u16)(20000 + c);

				cr_assert_eq(h_send(TCP(src, port, TH_SYN)), AEGIS_STAT_PASS_POLICY);
				cr_assert_eq(h_send(TCP(src, port, TH_ACK)), AEGIS_STAT_PASS_POLICY);
				if (c & 1)
					h_send(TCP(src, port, TH_FIN | TH_ACK));
			}
		}
	}
	cr_assert_eq(h_err(AEGIS_ERR_TIMER), 0, "%llu flows lost their timer",
		     (unsigned long long)h_err(AEGIS_ERR_TIMER));
	cr_assert_eq(h_count(skel->maps.aegis_flows), 200);
	cr_assert_eq(h_pol_state(POL).conns, 200);
}
