/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The flow table: concurrent-connection accounting for protected ports.
 * A flow opens on a TCP SYN or a first UDP datagram, closes on FIN/RST,
 * and expires when idle: one bpf_timer walks the table every
 * AEGIS_SWEEP_PERIOD_MS (no userspace sweeper), and a flow's own packet
 * expires it if it comes first. Whoever deletes a flow (close or timer)
 * releases its counts; the delete's return value makes that exactly once.
 */
#ifndef AEGIS_BPF_FLOW_H
#define AEGIS_BPF_FLOW_H

#include "parse.h"
#include "rate.h"
#include "maps.h"

#define CLOCK_MONOTONIC_AEGIS 1
#define EEXIST_AEGIS 17
#define EBUSY_AEGIS 16

static __always_inline bool policy_tracks_flows(const struct aegis_policy *pol)
{
	return pol->max_conn_per_src || pol->max_conn_total ||
	       pol->src[AEGIS_LIM_CONN].interval_fp || pol->global_conn.interval_fp;
}

static __always_inline __u64 flow_timeout_ns(const struct aegis_policy *pol, __u32 state)
{
	__u32 s;

	if (state == AEGIS_FLOW_NEW)
		s = pol && pol->syn_timeout_s ? pol->syn_timeout_s : AEGIS_DEF_SYN_TIMEOUT_S;
	else
		s = pol && pol->flow_idle_s ? pol->flow_idle_s : AEGIS_DEF_FLOW_IDLE_S;
	return (__u64)s * AEGIS_NSEC_PER_SEC;
}

static __always_inline void flow_release(const struct aegis_addr *saddr, __u32 policy)
{
	struct aegis_src_key key = { .addr = *saddr, .policy = policy };
	struct aegis_policy_state *ps;
	struct aegis_conn_count *cc;

	ps = bpf_map_lookup_elem(&aegis_pol_state, &policy);
	if (ps)
		__sync_fetch_and_add(&ps->conns, -1);
	cc = bpf_map_lookup_elem(&aegis_conns, &key);
	if (cc && __sync_fetch_and_add(&cc->conns, -1) <= 1)
		bpf_map_delete_elem(&aegis_conns, &key);
}

/* A flow past its timeout: deleted once (the delete's result decides who
 * releases its counts), by the sweeper or by its own next packet. */
static __always_inline bool flow_expired_pol(const struct aegis_flow *f,
					     const struct aegis_policy *pol, __u64 now)
{
	__u64 last = f->last_seen_ns;

	return now > last && now - last >= flow_timeout_ns(pol, f->state);
}

static __always_inline bool flow_expired(const struct aegis_flow *f, __u64 now)
{
	__u32 policy = f->policy;

	return flow_expired_pol(f, bpf_map_lookup_elem(&aegis_policies, &policy), now);
}

static __always_inline bool flow_expire(void *map, struct aegis_flow_key *key, struct aegis_flow *f)
{
	__u32 policy = f->policy;

	if (bpf_map_delete_elem(map, key))
		return false;
	flow_release(&key->saddr, policy);
	return true;
}

struct sweep_ctx {
	__u64 now;
	__u64 expired;
};

static long flow_sweep_one(void *map, struct aegis_flow_key *key, struct aegis_flow *f,
			   struct sweep_ctx *c)
{
	if (flow_expired(f, c->now) && flow_expire(map, key, f))
		c->expired++;
	return 0;
}

/* Spent: every bucket full again, no strike window open, not known. Deleting it
 * changes nothing a fresh state would not do the same way. */
static long source_sweep_one(void *map, struct aegis_src_key *key, struct aegis_src_state *st,
			     struct sweep_ctx *c)
{
	__u32 policy = key->policy;
	struct aegis_policy *pol;
	__u64 window;

	for (int i = 0; i < AEGIS_LIM_MAX; i++)
		if (st->tat[i] > c->now)
			return 0;
	/* Known to SYN cookies: forgetting it would cost its next SYN a cookie. */
	if (st->known_s > c->now / AEGIS_NSEC_PER_SEC)
		return 0;
	if (st->strikes) {
		pol = bpf_map_lookup_elem(&aegis_policies, &policy);
		window = (__u64)(pol && pol->strike_window_ms ? pol->strike_window_ms
							      : AEGIS_DEF_STRIKE_WINDOW_MS) * 1000000;
		if (c->now - st->strike_start_ns <= window)
			return 0;
	}
	if (bpf_map_delete_elem(map, key) == 0)
		c->expired++;
	return 0;
}

#define SWEEP_PERIOD_NS ((__u64)AEGIS_SWEEP_PERIOD_MS * 1000000)

static int flow_sweep_cb(void *map, __u32 *key, struct aegis_sweep *sw)
{
	struct sweep_ctx c = { .now = bpf_ktime_get_ns() };

	(void)map;
	(void)key;

	sw->due_ns = c.now + 2 * SWEEP_PERIOD_NS;
	bpf_for_each_map_elem(&aegis_flows, flow_sweep_one, &c, 0);
	sw->flows_expired += c.expired;
	c.expired = 0;
	bpf_for_each_map_elem(&aegis_sources, source_sweep_one, &c, 0);
	sw->sources_expired += c.expired;
	sw->sweeps++;
	bpf_timer_start(&sw->timer, SWEEP_PERIOD_NS, 0);
	return 0;
}

/*
 * Arms the sweeper when it is not running: at the first flow, or when a
 * sweep is overdue (its timer could not be armed, or was cancelled when
 * the last userspace reference to the map went away). One attempt per two
 * periods at most, so a failing arm costs a flood nothing.
 */
static __always_inline void sweep_arm(__u64 now)
{
	__u32 zero = 0;
	struct aegis_sweep *sw = bpf_map_lookup_elem(&aegis_sweep, &zero);
	long err;

	if (!sw || now < sw->due_ns)
		return;
	sw->due_ns = now + 2 * SWEEP_PERIOD_NS;
	err = bpf_timer_init(&sw->timer, &aegis_sweep, CLOCK_MONOTONIC_AEGIS);
	if (err && err != -EBUSY_AEGIS)
		goto fail;
	if (bpf_timer_set_callback(&sw->timer, flow_sweep_cb) ||
	    bpf_timer_start(&sw->timer, SWEEP_PERIOD_NS, 0))
		goto fail;
	return;
fail:
	count_error(AEGIS_ERR_TIMER);
}

static __always_inline void flow_key_from(struct aegis_flow_key *k, const struct pkt *p)
{
	k->saddr = p->saddr;
	k->daddr = p->daddr;
	k->sport = p->sport;
	k->dport = p->dport;
	k->proto = p->proto;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
}

/* Existing flow: refresh it, close it on FIN/RST. */
static __always_inline void flow_touch(struct aegis_flow_key *k, struct aegis_flow *f,
				       const struct pkt *p, __u64 now)
{
	f->last_seen_ns = now;
	f->packets++;
	f->bytes += p->l3_len;
	if (p->proto != IPPROTO_TCP)
		return;
	if (p->tcp_flags & (TCP_FIN | TCP_RST)) {
		__u32 policy = f->policy;

		if (bpf_map_delete_elem(&aegis_flows, k) == 0)
			flow_release(&k->saddr, policy);
		return;
	}
	if (f->state == AEGIS_FLOW_NEW && (p->tcp_flags & TCP_ACK))
		f->state = AEGIS_FLOW_EST;
}

static __always_inline void flow_count_open(const struct aegis_src_key *sk,
					    struct aegis_policy_state *ps,
					    struct aegis_conn_count *cc)
{
	struct aegis_conn_count one = { .conns = 1 };

	__sync_fetch_and_add(&ps->conns, 1);
	if (cc) {
		__sync_fetch_and_add(&cc->conns, 1);
		return;
	}
	if (bpf_map_update_elem(&aegis_conns, sk, &one, BPF_NOEXIST) == 0)
		return;
	cc = bpf_map_lookup_elem(&aegis_conns, sk);	/* lost a race to another CPU */
	if (cc)
		__sync_fetch_and_add(&cc->conns, 1);
	else
		count_error(AEGIS_ERR_CONN_FULL);
}

static __always_inline int flow_insert(struct aegis_flow_key *k, const struct pkt *p,
				       __u32 policy, __u64 now)
{
	struct aegis_flow nf = {
		.created_ns = now,
		.last_seen_ns = now,
		.packets = 1,
		.bytes = p->l3_len,
		.policy = policy,
		.state = p->proto == IPPROTO_TCP ? AEGIS_FLOW_NEW : AEGIS_FLOW_EST,
	};
	long err;

	err = bpf_map_update_elem(&aegis_flows, k, &nf, BPF_NOEXIST);
	if (err) {
		if (err != -EEXIST_AEGIS)	/* another CPU opened it first */
			count_error(AEGIS_ERR_FLOW_FULL);
		return -1;
	}
	sweep_arm(now);
	return 0;
}

/*
 * Connection limits for one packet of a flow-tracked policy. Returns the
 * drop reason, or 0 to go on. A table that is full fails open (the packet
 * passes untracked) and is counted: dropping there would let an attacker
 * who fills the table cut off everyone else.
 */
static __always_inline __u32 flow_check(const struct pkt *p, struct aegis_src_state *st,
					__u32 policy, const struct aegis_policy *pol, __u64 now)
{
	struct aegis_src_key sk = { .addr = p->saddr, .policy = policy };
	struct aegis_policy_state *ps;
	struct aegis_conn_count *cc;
	struct aegis_flow_key k;
	struct aegis_flow *f;

	flow_key_from(&k, p);
	f = bpf_map_lookup_elem(&aegis_flows, &k);
	/* Expired but not swept yet: gone, and this packet may open it anew. */
	if (f && (f->policy == policy ? flow_expired_pol(f, pol, now) : flow_expired(f, now)))
		f = flow_expire(&aegis_flows, &k, f) ? NULL : f;
	if (f) {
		flow_touch(&k, f, p, now);
		return 0;
	}
	/* Mid-stream TCP without a flow (opened before we started): untracked. */
	if (p->proto == IPPROTO_TCP &&
	    (p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
		return 0;

	ps = bpf_map_lookup_elem(&aegis_pol_state, &policy);
	if (!ps)
		return 0;
	if (st && rate_exceeded(&st->tat[AEGIS_LIM_CONN], &pol->src[AEGIS_LIM_CONN], 1, now))
		return AEGIS_STAT_DROP_RATE_CONN;
	if (rate_exceeded(&ps->conn_tat, &pol->global_conn, 1, now))
		return AEGIS_STAT_DROP_GLOBAL_CONN;
	if (pol->max_conn_total && ps->conns >= (__s64)pol->max_conn_total)
		return AEGIS_STAT_DROP_CONN_TOTAL;
	cc = bpf_map_lookup_elem(&aegis_conns, &sk);
	if (pol->max_conn_per_src && cc && cc->conns >= (__s64)pol->max_conn_per_src)
		return AEGIS_STAT_DROP_CONN_SRC;

	if (flow_insert(&k, p, policy, now) == 0)
		flow_count_open(&sk, ps, cc);
	return 0;
}

#endif /* AEGIS_BPF_FLOW_H */
