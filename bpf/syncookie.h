/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SYN cookies answered from XDP, the socket-bound way.
 *
 * Why socket-bound: the raw helpers (bpf_tcp_raw_*_syncookie) make a
 * cookie no listener knows about, so the returning ACK needs netfilter's
 * SYNPROXY to finish the handshake. bpf_tcp_gen_syncookie asks the local
 * listener (found with bpf_skc_lookup_tcp) for its own cookie and marks
 * its SYN queue as overflowed, so the kernel's stack accepts the ACK as
 * if it had sent the cookie itself: aegisd's proxies and a local game
 * server alike, no conntrack. The kernel issues a cookie only when
 * net.ipv4.tcp_syncookies is 2 or the listener's SYN queue is full;
 * otherwise (-ENOENT) the SYN goes on to the stack as before.
 *
 * The SYN-ACK is built in place: MACs, addresses and ports swapped (VLAN
 * tags kept), seq = cookie, ack = client seq + 1, one MSS option (the
 * one the cookie encodes; no timestamps, so no window scale or SACK),
 * both checksums computed from scratch. Then XDP_TX.
 *
 * Only SYNs, and ACKs from sources not yet known, come here: other
 * packets of a cookie port pay one byte compare.
 */
#ifndef AEGIS_BPF_SYNCOOKIE_H
#define AEGIS_BPF_SYNCOOKIE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "aegis/maps.h"
#include "parse.h"
#include "rate.h"
#include "maps.h"

#define COOKIE_TCP_LEN	24		/* header + the MSS option */
#define COOKIE_TTL	64
#define COOKIE_WINDOW	65535
#define IP_DF		0x4000
#define TCP_MAX_HDR	60
#define ETH_ALEN	6

enum cookie_verdict {
	COOKIE_GO_ON = 0,	/* not ours: the normal policy path decides */
	COOKIE_SENT,		/* SYN-ACK built, XDP_TX */
	COOKIE_ACK_OK,		/* the ACK's cookie is valid: source now known */
	COOKIE_ACK_BAD,		/* ACK to a listener without a valid cookie */
	COOKIE_ACK_EST,		/* ACK of a connection the stack has: source known */
};

/* The headers of the SYN as it came, copied out: the helpers read these. */
struct cookie_syn {
	union {
		struct iphdr v4;
		struct ipv6hdr v6;
	} ip;
	union {
		struct tcphdr th;
		__u8 raw[TCP_MAX_HDR];
	} tcp;
	__u32 thlen;
};

static __always_inline bool cookie_src_known(const struct aegis_src_state *st, __u64 now)
{
	return st && st->known_s && (__u64)st->known_s > now / AEGIS_NSEC_PER_SEC;
}

static __always_inline void cookie_mark_known(struct aegis_src_state *st, __u64 now)
{
	if (st)
		st->known_s = (__u32)(now / AEGIS_NSEC_PER_SEC) + AEGIS_COOKIE_KNOWN_S;
}

/* AUTO: cookies only for the SYNs above the policy's cookie_syn rate. */
static __always_inline bool cookie_wanted(__u32 policy, const struct aegis_policy *pol, __u64 now)
{
	struct aegis_policy_state *ps;

	if (pol->syn_cookies == AEGIS_COOKIES_ALWAYS)
		return true;
	ps = bpf_map_lookup_elem(&aegis_pol_state, &policy);
	return ps && rate_exceeded(&ps->cookie_tat, &pol->cookie_syn, 1, now);
}

/* Copies IP and TCP headers to the stack and finds the TCP socket. */
static __always_inline struct bpf_sock *cookie_lookup(struct xdp_md *ctx, const struct pkt *p,
						      struct cookie_syn *c, bool v6)
{
	struct bpf_sock_tuple t = {};
	__u32 iplen = v6 ? sizeof(c->ip.v6) : sizeof(c->ip.v4);
	__u32 thlen;

	if (bpf_xdp_load_bytes(ctx, p->l3_off, &c->ip, iplen))
		return NULL;
	/* IPv4 options or IPv6 extension headers: the stack answers it. */
	if (p->l4_off != p->l3_off + iplen)
		return NULL;
	if (bpf_xdp_load_bytes(ctx, p->l4_off, &c->tcp, sizeof(struct tcphdr)))
		return NULL;
	thlen = c->tcp.th.doff * 4;
	if (thlen < sizeof(struct tcphdr) || thlen > TCP_MAX_HDR)
		return NULL;
	if (bpf_xdp_load_bytes(ctx, p->l4_off, &c->tcp, thlen))
		return NULL;
	c->thlen = thlen;
	if (v6) {
		__builtin_memcpy(t.ipv6.saddr, &c->ip.v6.saddr, 16);
		__builtin_memcpy(t.ipv6.daddr, &c->ip.v6.daddr, 16);
		t.ipv6.sport = c->tcp.th.source;
		t.ipv6.dport = c->tcp.th.dest;
		return bpf_skc_lookup_tcp(ctx, &t, sizeof(t.ipv6), BPF_F_CURRENT_NETNS, 0);
	}
	t.ipv4.saddr = c->ip.v4.saddr;
	t.ipv4.daddr = c->ip.v4.daddr;
	t.ipv4.sport = c->tcp.th.source;
	t.ipv4.dport = c->tcp.th.dest;
	return bpf_skc_lookup_tcp(ctx, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
}

static __always_inline __u16 csum_fold_aegis(__s64 sum)
{
	__u32 s = (__u32)sum;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

struct pseudo4 {
	__be32 saddr, daddr;
	__u8 zero, proto;
	__be16 len;
};

struct pseudo6 {
	struct in6_addr saddr, daddr;
	__be32 len;
	__u8 zero[3], nexthdr;
};

/* The TCP header of the SYN-ACK (checksum left 0). */
static __always_inline void cookie_write_tcp(struct tcphdr *th, const struct cookie_syn *c,
					     __u32 cookie, __u16 mss)
{
	__u8 *opt = (__u8 *)(th + 1);

	__builtin_memset(th, 0, sizeof(*th));
	th->source = c->tcp.th.dest;
	th->dest = c->tcp.th.source;
	th->seq = bpf_htonl(cookie);
	th->ack_seq = bpf_htonl(bpf_ntohl(c->tcp.th.seq) + 1);
	th->doff = COOKIE_TCP_LEN / 4;
	th->syn = 1;
	th->ack = 1;
	th->window = bpf_htons(COOKIE_WINDOW);
	opt[0] = 2;			/* MSS */
	opt[1] = 4;
	opt[2] = mss >> 8;
	opt[3] = mss & 0xff;
}

static __always_inline int cookie_reply_v4(void *data, void *data_end, __u32 l3_off,
					   const struct cookie_syn *c, __u32 cookie, __u16 mss)
{
	struct pseudo4 ph = {};
	struct iphdr *ip;
	struct tcphdr *th;
	__s64 sum;

	l3_off &= 0x1f;			/* 14, 18 or 22: the verifier wants a bound */
	ip = data + l3_off;
	th = (void *)(ip + 1);
	if ((void *)th + COOKIE_TCP_LEN > data_end)
		return -1;
	__builtin_memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = bpf_htons(sizeof(*ip) + COOKIE_TCP_LEN);
	ip->frag_off = bpf_htons(IP_DF);
	ip->ttl = COOKIE_TTL;
	ip->protocol = IPPROTO_TCP;
	ip->saddr = c->ip.v4.daddr;
	ip->daddr = c->ip.v4.saddr;
	ip->check = csum_fold_aegis(bpf_csum_diff(NULL, 0, (__be32 *)ip, sizeof(*ip), 0));

	cookie_write_tcp(th, c, cookie, mss);
	ph.saddr = ip->saddr;
	ph.daddr = ip->daddr;
	ph.proto = IPPROTO_TCP;
	ph.len = bpf_htons(COOKIE_TCP_LEN);
	sum = bpf_csum_diff(NULL, 0, (__be32 *)&ph, sizeof(ph), 0);
	th->check = csum_fold_aegis(bpf_csum_diff(NULL, 0, (__be32 *)th, COOKIE_TCP_LEN, sum));
	return 0;
}

static __always_inline int cookie_reply_v6(void *data, void *data_end, __u32 l3_off,
					   const struct cookie_syn *c, __u32 cookie, __u16 mss)
{
	struct pseudo6 ph = {};
	struct ipv6hdr *ip6;
	struct tcphdr *th;
	__s64 sum;

	l3_off &= 0x1f;
	ip6 = data + l3_off;
	th = (void *)(ip6 + 1);
	if ((void *)th + COOKIE_TCP_LEN > data_end)
		return -1;
	__builtin_memset(ip6, 0, sizeof(*ip6));
	ip6->version = 6;
	ip6->payload_len = bpf_htons(COOKIE_TCP_LEN);
	ip6->nexthdr = IPPROTO_TCP;
	ip6->hop_limit = COOKIE_TTL;
	ip6->saddr = c->ip.v6.daddr;
	ip6->daddr = c->ip.v6.saddr;

	cookie_write_tcp(th, c, cookie, mss);
	ph.saddr = ip6->saddr;
	ph.daddr = ip6->daddr;
	ph.len = bpf_htonl(COOKIE_TCP_LEN);
	ph.nexthdr = IPPROTO_TCP;
	sum = bpf_csum_diff(NULL, 0, (__be32 *)&ph, sizeof(ph), 0);
	th->check = csum_fold_aegis(bpf_csum_diff(NULL, 0, (__be32 *)th, COOKIE_TCP_LEN, sum));
	return 0;
}

static __always_inline void cookie_swap_macs(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	__u8 tmp[ETH_ALEN];

	if ((void *)(eth + 1) > data_end)
		return;
	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/* A SYN: the listener's cookie, and the SYN turned into its SYN-ACK. */
static __always_inline int cookie_syn(struct xdp_md *ctx, const struct pkt *p, bool v6)
{
	struct cookie_syn c;
	struct bpf_sock *sk;
	__u32 iplen = v6 ? sizeof(c.ip.v6) : sizeof(c.ip.v4), l3_off = p->l3_off;
	void *data, *data_end;
	__s64 cookie = -1;
	int delta, err;

	sk = cookie_lookup(ctx, p, &c, v6);
	if (!sk)
		return COOKIE_GO_ON;
	if (sk->state == BPF_TCP_LISTEN && c.thlen >= sizeof(struct tcphdr) &&
	    c.thlen <= TCP_MAX_HDR)
		cookie = bpf_tcp_gen_syncookie(sk, &c.ip, iplen, &c.tcp.th, c.thlen);
	bpf_sk_release(sk);
	if (cookie < 0)		/* -ENOENT: the kernel wants no cookie now */
		return COOKIE_GO_ON;

	delta = (int)(l3_off + iplen + COOKIE_TCP_LEN) - (int)(ctx->data_end - ctx->data);
	if (delta && bpf_xdp_adjust_tail(ctx, delta))
		return COOKIE_GO_ON;
	/* Keep clang from folding the two field reads into ctx + offset,
	 * which the verifier refuses. */
	barrier_var(ctx);
	data = (void *)(long)ctx->data;
	barrier_var(ctx);
	data_end = (void *)(long)ctx->data_end;
	cookie_swap_macs(data, data_end);
	if (v6)
		err = cookie_reply_v6(data, data_end, l3_off, &c, (__u32)cookie, (__u16)(cookie >> 32));
	else
		err = cookie_reply_v4(data, data_end, l3_off, &c, (__u32)cookie, (__u16)(cookie >> 32));
	if (err)
		return COOKIE_ACK_BAD;	/* the frame is changed: it must not pass */
	return COOKIE_SENT;
}

/* An ACK from a source not yet known: to a listener it must carry a cookie. */
static __always_inline int cookie_ack(struct xdp_md *ctx, const struct pkt *p, bool v6)
{
	struct cookie_syn c;
	struct bpf_sock *sk;
	__u32 iplen = v6 ? sizeof(c.ip.v6) : sizeof(c.ip.v4);
	long err = 0;
	int ret;

	sk = cookie_lookup(ctx, p, &c, v6);
	if (!sk)
		return COOKIE_GO_ON;	/* no socket: the stack answers with a RST */
	ret = COOKIE_ACK_EST;
	if (sk->state == BPF_TCP_LISTEN) {
		err = bpf_tcp_check_syncookie(sk, &c.ip, iplen, &c.tcp.th, sizeof(struct tcphdr));
		ret = err ? COOKIE_ACK_BAD : COOKIE_ACK_OK;
	}
	bpf_sk_release(sk);
	return ret;
}

/*
 * Entry from the policy path for TCP at a port with syn_cookies on and a
 * source that is not known. Returns an enum cookie_verdict.
 */
static __always_inline int cookie_check(struct xdp_md *ctx, const struct pkt *p, __u32 policy,
					const struct aegis_policy *pol, __u64 now)
{
	__u8 f = p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN);
	bool v6 = p->v6;

	if (p->is_frag)
		return COOKIE_GO_ON;
	if (f == TCP_SYN)
		return cookie_wanted(policy, pol, now) ? cookie_syn(ctx, p, v6) : COOKIE_GO_ON;
	if (f == TCP_ACK)
		return cookie_ack(ctx, p, v6);
	return COOKIE_GO_ON;
}

#endif /* AEGIS_BPF_SYNCOOKIE_H */
