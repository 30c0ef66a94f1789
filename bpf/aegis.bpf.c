// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Aegis XDP program: L3/L4 policy at the NIC driver.
 *
 * The packet path, first match wins (docs/ARCHITECTURE.md):
 *   parse -> allow-list -> deny-list -> ban -> sanity -> port policy
 *   (SYN cookies, rate limits, connection caps) -> strikes -> verdict.
 * Every packet is counted under one reason; drops may emit a sampled event.
 * With empty maps every rule is off and everything passes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "aegis/maps.h"
#include "parse.h"
#include "rate.h"
#include "maps.h"
#include "flow.h"
#include "syncookie.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline bool lpm_match(void *map, const struct aegis_addr *a)
{
	struct aegis_lpm_key key = { .prefixlen = 128, .addr = *a };

	return bpf_map_lookup_elem(map, &key) != NULL;
}

static __always_inline bool banned(const struct aegis_addr *a, __u64 *now)
{
	struct aegis_ban *ban = bpf_map_lookup_elem(&aegis_bans, a);

	if (!ban)
		return false;
	if (!ban->expires_ns)
		return true;
	if (!*now)
		*now = bpf_ktime_get_ns();
	if (*now < ban->expires_ns)
		return true;
	bpf_map_delete_elem(&aegis_bans, a);	/* expired: clean lazily */
	return false;
}

static __always_inline __u32 check_sanity(const struct pkt *p, const struct aegis_settings *s)
{
	__u8 f = p->tcp_flags;

	if ((s->flags & AEGIS_F_DROP_FRAGMENTS) && p->is_frag)
		return AEGIS_STAT_DROP_FRAGMENT;
	if ((s->ttl_min && p->ttl < s->ttl_min) || (s->ttl_max && p->ttl > s->ttl_max))
		return AEGIS_STAT_DROP_TTL;
	if ((s->pkt_len_min && p->l3_len < s->pkt_len_min) ||
	    (s->pkt_len_max && p->l3_len > s->pkt_len_max))
		return AEGIS_STAT_DROP_SIZE;
	if (!p->has_l4)
		return 0;
	if (p->proto == IPPROTO_TCP && (s->flags & AEGIS_F_TCP_FLAGS)) {
		if (!(f & 0x3f) ||					/* null */
		    (f & (TCP_SYN | TCP_FIN)) == (TCP_SYN | TCP_FIN) ||
		    (f & (TCP_SYN | TCP_RST)) == (TCP_SYN | TCP_RST) ||
		    (f & (TCP_FIN | TCP_ACK)) == TCP_FIN ||		/* FIN without ACK */
		    (f & (TCP_FIN | TCP_PSH | TCP_URG)) == (TCP_FIN | TCP_PSH | TCP_URG))
			return AEGIS_STAT_DROP_TCP_FLAGS;
	}
	if (p->proto == IPPROTO_UDP && !p->is_frag &&
	    ((s->udp_payload_min && p->udp_payload < s->udp_payload_min) ||
	     (s->udp_payload_max && p->udp_payload > s->udp_payload_max)))
		return AEGIS_STAT_DROP_UDP_SIZE;
	return 0;
}

static __always_inline bool reflection_port(const struct aegis_settings *s, __u16 sport_be)
{
	__u16 port = bpf_ntohs(sport_be);

	return (s->refl_ports[(port >> 6) & (AEGIS_REFL_WORDS - 1)] >> (port & 63)) & 1;
}

/* A source that keeps exceeding its limits is banned by the program itself. */
static __always_inline void strike(struct aegis_src_state *st, const struct aegis_policy *pol,
				   const struct pkt *p, __u32 reason, __u64 now)
{
	struct aegis_ban ban = {};
	long err;

	if (!st || !pol->strike_limit)
		return;
	if (now - st->strike_start_ns >
	    (__u64)(pol->strike_window_ms ?: AEGIS_DEF_STRIKE_WINDOW_MS) * 1000000) {
		st->strike_start_ns = now;
		st->strikes = 0;
	}
	if (++st->strikes < pol->strike_limit)
		return;

	ban.created_ns = now;
	ban.expires_ns = pol->ban_ttl_s ? now + (__u64)pol->ban_ttl_s * AEGIS_NSEC_PER_SEC : 0;
	ban.reason = reason;
	ban.origin = AEGIS_BAN_XDP;
	__builtin_memcpy(ban.note, "strikes", 8);
	err = bpf_map_update_elem(&aegis_bans, &p->saddr, &ban, BPF_NOEXIST);
	if (!err)
		count_error(AEGIS_ERR_STRIKE_BAN);
	else if (err != -EEXIST_AEGIS)
		count_error(AEGIS_ERR_BAN_FULL);
}

static __always_inline struct aegis_src_state *source_create(const struct pkt *p, __u32 policy,
							      __u64 now)
{
	struct aegis_src_key key = { .addr = p->saddr, .policy = policy };
	struct aegis_src_state zero = {};
	long err;

	err = bpf_map_update_elem(&aegis_sources, &key, &zero, BPF_NOEXIST);
	if (err && err != -EEXIST_AEGIS) {	/* full: known sources keep theirs */
		count_error(AEGIS_ERR_SRC_FULL);
		return NULL;
	}
	if (!err)
		sweep_arm(now);
	return bpf_map_lookup_elem(&aegis_sources, &key);
}

static __always_inline bool bare_syn(const struct pkt *p)
{
	return p->proto == IPPROTO_TCP && (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
}

static __always_inline bool global_syn_exceeded(__u32 policy, const struct aegis_policy *pol,
						__u64 now)
{
	struct aegis_policy_state *ps = bpf_map_lookup_elem(&aegis_pol_state, &policy);

	return ps && rate_exceeded(&ps->syn_tat, &pol->global_syn, 1, now);
}

/* Per-source and policy-wide rate limits. Returns a drop reason or 0. */
static __always_inline __u32 check_rates(const struct pkt *p, struct aegis_src_state *st,
					 __u32 policy, const struct aegis_policy *pol, __u64 now,
					 bool global_done)
{
	const struct aegis_limit *lim = pol->src;
	__u8 f = p->tcp_flags;

	if (!st)
		goto global;
	if (rate_exceeded(&st->tat[AEGIS_LIM_PPS], &lim[AEGIS_LIM_PPS], 1, now))
		return AEGIS_STAT_DROP_RATE_PPS;
	if (p->proto == IPPROTO_TCP) {
		if ((f & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
		    rate_exceeded(&st->tat[AEGIS_LIM_SYN], &lim[AEGIS_LIM_SYN], 1, now))
			return AEGIS_STAT_DROP_RATE_SYN;
		if ((f & TCP_RST) &&
		    rate_exceeded(&st->tat[AEGIS_LIM_RST], &lim[AEGIS_LIM_RST], 1, now))
			return AEGIS_STAT_DROP_RATE_RST;
	} else {
		if (rate_exceeded(&st->tat[AEGIS_LIM_UDP_PPS], &lim[AEGIS_LIM_UDP_PPS], 1, now))
			return AEGIS_STAT_DROP_RATE_UDP;
		if (rate_exceeded(&st->tat[AEGIS_LIM_UDP_BPS], &lim[AEGIS_LIM_UDP_BPS],
				  p->l3_len, now))
			return AEGIS_STAT_DROP_RATE_UDP_BYTES;
	}
global:
	if (!global_done && bare_syn(p) && pol->global_syn.interval_fp &&
	    global_syn_exceeded(policy, pol, now))
		return AEGIS_STAT_DROP_GLOBAL_SYN;
	return 0;
}

/*
 * SYN cookies for a source that is not known (syncookie.h). A validated
 * ACK, or one of a connection the stack holds, makes the source known:
 * its later SYNs skip the cookie. Returns a reason, or 0 to go on.
 */
static __always_inline __u32 check_cookies(struct xdp_md *ctx, const struct pkt *p,
					   struct aegis_src_state **st, __u32 policy,
					   const struct aegis_policy *pol, __u64 now)
{
	int v = cookie_check(ctx, p, policy, pol, now);

	if (v == COOKIE_SENT)
		return AEGIS_STAT_TX_COOKIE;
	if (v == COOKIE_ACK_BAD)
		return AEGIS_STAT_DROP_COOKIE_ACK;
	if (v != COOKIE_ACK_OK && v != COOKIE_ACK_EST)
		return 0;
	if (!*st)
		*st = source_create(p, policy, now);
	cookie_mark_known(*st, now);
	return v == COOKIE_ACK_OK ? AEGIS_STAT_PASS_COOKIE_ACK : 0;
}

static __always_inline __u32 check_policy(struct xdp_md *ctx, const struct pkt *p,
					  const struct aegis_settings *s, __u64 *now)
{
	struct aegis_src_key src_key;
	struct aegis_src_state *st;
	struct aegis_policy *pol;
	__u32 key, *policy, reason;
	bool global_done = false;

	if (!p->has_l4 || (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP))
		return AEGIS_STAT_PASS;
	key = aegis_port_key(p->proto == IPPROTO_TCP ? AEGIS_SLOT_TCP : AEGIS_SLOT_UDP,
			     bpf_ntohs(p->dport));
	policy = bpf_map_lookup_elem(&aegis_ports, &key);
	if (!policy || !*policy)
		return AEGIS_STAT_PASS;
	key = *policy;
	pol = bpf_map_lookup_elem(&aegis_policies, &key);
	if (!pol || !pol->active)
		return AEGIS_STAT_PASS;

	if (p->proto == IPPROTO_UDP && (s->flags & AEGIS_F_REFLECTION) &&
	    reflection_port(s, p->sport))
		return AEGIS_STAT_DROP_REFLECTION;

	if (!*now)
		*now = bpf_ktime_get_ns();
	src_key.addr = p->saddr;
	src_key.policy = key;
	st = bpf_map_lookup_elem(&aegis_sources, &src_key);
	if (pol->syn_cookies && p->proto == IPPROTO_TCP && !cookie_src_known(st, *now)) {
		reason = check_cookies(ctx, p, &st, key, pol, *now);
		if (reason)
			return reason;
	}
	/*
	 * A new source's first SYN passes every per-source limit (a fresh
	 * bucket admits one unit), so the policy-wide SYN limit decides it:
	 * checked first, a spoofed SYN flood is dropped without writing a
	 * state per forged address.
	 */
	if (!st && bare_syn(p) && pol->global_syn.interval_fp) {
		if (global_syn_exceeded(key, pol, *now))
			return AEGIS_STAT_DROP_GLOBAL_SYN;
		global_done = true;
	}
	if (!st)
		st = source_create(p, key, *now);
	reason = check_rates(p, st, key, pol, *now, global_done);
	if (!reason && policy_tracks_flows(pol))
		reason = flow_check(p, st, key, pol, *now);
	if (!reason)
		return AEGIS_STAT_PASS_POLICY;
	/* Policy-wide limits say nothing about this source: under a spoofed
	 * flood they would strike (and ban) real clients. */
	if (reason != AEGIS_STAT_DROP_GLOBAL_SYN && reason != AEGIS_STAT_DROP_GLOBAL_CONN &&
	    reason != AEGIS_STAT_DROP_CONN_TOTAL)
		strike(st, pol, p, reason, *now);
	return reason;
}

static __always_inline void emit_event(const struct pkt *p, __u32 reason,
				       const struct aegis_settings *s, __u64 now)
{
	struct aegis_event *e;
	__u32 zero = 0;
	__u64 *tat;

	if (!s->events.interval_fp)
		return;
	tat = bpf_map_lookup_elem(&aegis_ev_state, &zero);
	if (!tat)
		return;
	/* Sampling needs no nanoseconds: the coarse clock (the same
	 * CLOCK_MONOTONIC, at tick resolution) is far cheaper to read. The
	 * few events that are emitted get the precise time. */
	if (rate_exceeded_local(tat, &s->events, 1, now ?: bpf_ktime_get_coarse_ns())) {
		count_error(AEGIS_ERR_EVENT_SAMPLED);
		return;
	}
	e = bpf_ringbuf_reserve(&aegis_events, sizeof(*e), 0);
	if (!e) {
		count_error(AEGIS_ERR_EVENT_RING_FULL);
		return;
	}
	e->ts_ns = now ?: bpf_ktime_get_ns();
	e->saddr = p->saddr;
	e->dport = bpf_ntohs(p->dport);
	e->proto = p->proto;
	e->reason = reason;
	e->len = p->l3_len;		/* IP length, as struct aegis_event says */
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int verdict(const struct pkt *p, __u32 reason,
				   const struct aegis_settings *s, __u64 now)
{
	struct aegis_counter *c = bpf_map_lookup_elem(&aegis_stats, &reason);

	if (c) {
		c->packets++;
		c->bytes += p->frame_len;
	}
	if (reason < AEGIS_STAT_FIRST_DROP)
		return XDP_PASS;
	if (reason == AEGIS_STAT_TX_COOKIE)
		return XDP_TX;
	emit_event(p, reason, s, now);
	return XDP_DROP;
}

SEC("xdp")
int aegis_xdp(struct xdp_md *ctx)
{
	struct aegis_settings *s;
	struct pkt p = {};
	__u32 zero = 0, reason;
	__u64 now = 0;
	int ret;

	s = bpf_map_lookup_elem(&aegis_settings, &zero);
	if (!s)
		return XDP_PASS;

	ret = parse_packet(ctx, &p);
	if (ret == PARSE_NOT_IP)
		return verdict(&p, AEGIS_STAT_PASS, s, now);
	if (ret == PARSE_MALFORMED)
		return verdict(&p, (s->flags & AEGIS_F_DROP_MALFORMED) ?
				   AEGIS_STAT_DROP_MALFORMED : AEGIS_STAT_PASS, s, now);

	/*
	 * Allow beats deny and ban. The ban table is checked first anyway:
	 * under attack most drops are bans, and a hash hit plus one LPM
	 * lookup is the cheapest way to reach that verdict.
	 */
	if (banned(&p.saddr, &now))
		reason = lpm_match(&aegis_allow, &p.saddr) ? AEGIS_STAT_PASS_ALLOW
							    : AEGIS_STAT_DROP_BAN;
	else if (lpm_match(&aegis_allow, &p.saddr))
		reason = AEGIS_STAT_PASS_ALLOW;
	else if (lpm_match(&aegis_deny, &p.saddr))
		reason = AEGIS_STAT_DROP_DENY;
	else if (!(reason = check_sanity(&p, s)))
		reason = check_policy(ctx, &p, s, &now);
	return verdict(&p, reason, s, now);
}
