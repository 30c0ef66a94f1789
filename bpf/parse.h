/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet parsing for the XDP program: Ethernet with up to two VLAN tags,
 * IPv4 (options), IPv6 (bounded extension-header walk), TCP, UDP.
 * Owns struct pkt, the parsed view every rule reads. A rule never reads
 * packet memory itself, so no rule can use a wrong offset.
 */
#ifndef AEGIS_BPF_PARSE_H
#define AEGIS_BPF_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "aegis/maps.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8

#define IP_MF		0x2000
#define IP_OFFSET	0x1FFF
#define IP6_OFFSET	0xFFF8

#define NEXTHDR_HOP	0
#define NEXTHDR_ROUTING	43
#define NEXTHDR_FRAG	44
#define NEXTHDR_AUTH	51
#define NEXTHDR_DEST	60

#define TCP_FIN		0x01
#define TCP_SYN		0x02
#define TCP_RST		0x04
#define TCP_PSH		0x08
#define TCP_ACK		0x10
#define TCP_URG		0x20

enum parse_result {
	PARSE_OK,
	PARSE_NOT_IP,		/* ARP, LLDP, ...: not ours to judge */
	PARSE_MALFORMED,
};

struct pkt {
	struct aegis_addr saddr;
	struct aegis_addr daddr;
	__u32 frame_len;	/* bytes in the frame: what counters add */
	__u32 l3_len;		/* IP length from the header */
	__u16 sport;		/* network byte order, 0 if no L4 header */
	__u16 dport;
	__u16 udp_payload;
	__u16 l3_off;		/* IP header offset in the frame (after VLAN tags) */
	__u16 l4_off;		/* L4 header offset in the frame */
	__u8 proto;		/* L4 protocol number */
	__u8 ttl;		/* TTL or hop limit */
	__u8 tcp_flags;
	__u8 is_frag;		/* any fragment */
	__u8 later_frag;	/* not the first fragment: no L4 header */
	__u8 has_l4;
	__u8 v6;		/* IPv6 (else IPv4) */
};

struct vlan_hdr_aegis {
	__be16 tci;
	__be16 encap_proto;
};

struct ipv6_ext_aegis {
	__u8 nexthdr;
	__u8 hdrlen;
	__be16 frag_off;	/* only meaningful in a fragment header */
};

static __always_inline void addr_from_v4(struct aegis_addr *a, __be32 v4)
{
	a->w[0] = 0;
	a->w[1] = 0;
	a->w[2] = bpf_htonl(0x0000ffff);
	a->w[3] = v4;
}

static __always_inline void addr_from_v6(struct aegis_addr *a, const struct in6_addr *v6)
{
	__builtin_memcpy(a, v6, sizeof(*a));
}

/* Returns the L3 ethertype and sets *l3 past the Ethernet and VLAN headers. */
static __always_inline int parse_eth(void *data, void *data_end, void **l3, __u16 *proto)
{
	struct ethhdr *eth = data;
	void *pos;
	__u16 type;

	if ((void *)(eth + 1) > data_end)
		return PARSE_MALFORMED;
	type = bpf_ntohs(eth->h_proto);
	pos = eth + 1;

#pragma unroll
	for (int i = 0; i < AEGIS_MAX_VLAN_TAGS; i++) {
		struct vlan_hdr_aegis *vh = pos;

		if (type != ETH_P_8021Q && type != ETH_P_8021AD)
			break;
		if ((void *)(vh + 1) > data_end)
			return PARSE_MALFORMED;
		type = bpf_ntohs(vh->encap_proto);
		pos = vh + 1;
	}
	/* Deeper stacks hide the IP header from us: never wave them through. */
	if (type == ETH_P_8021Q || type == ETH_P_8021AD)
		return PARSE_MALFORMED;
	*l3 = pos;
	*proto = type;
	return PARSE_OK;
}

static __always_inline int parse_ipv4(struct pkt *p, void *pos, void *data_end,
				      __u32 avail, void **l4)
{
	struct iphdr *ip = pos;
	__u32 ihl, tot;
	__u16 frag;

	if ((void *)(ip + 1) > data_end)
		return PARSE_MALFORMED;
	if (ip->version != 4)
		return PARSE_MALFORMED;
	ihl = ip->ihl * 4;
	tot = bpf_ntohs(ip->tot_len);
	if (ihl < sizeof(*ip) || tot < ihl || tot > avail)
		return PARSE_MALFORMED;
	if (pos + ihl > data_end)
		return PARSE_MALFORMED;

	addr_from_v4(&p->saddr, ip->saddr);
	addr_from_v4(&p->daddr, ip->daddr);
	p->l3_len = tot;
	p->ttl = ip->ttl;
	p->proto = ip->protocol;
	frag = bpf_ntohs(ip->frag_off);
	p->is_frag = (frag & (IP_MF | IP_OFFSET)) != 0;
	p->later_frag = (frag & IP_OFFSET) != 0;
	*l4 = pos + ihl;
	return PARSE_OK;
}

static __always_inline int parse_ipv6(struct pkt *p, void *pos, void *data_end,
				      __u32 avail, void **l4)
{
	struct ipv6hdr *ip6 = pos;
	__u8 nh;

	if ((void *)(ip6 + 1) > data_end)
		return PARSE_MALFORMED;
	if (ip6->version != 6)
		return PARSE_MALFORMED;
	p->l3_len = bpf_ntohs(ip6->payload_len) + sizeof(*ip6);
	if (p->l3_len > avail)
		return PARSE_MALFORMED;

	addr_from_v6(&p->saddr, &ip6->saddr);
	addr_from_v6(&p->daddr, &ip6->daddr);
	p->ttl = ip6->hop_limit;
	nh = ip6->nexthdr;
	pos = ip6 + 1;

#pragma unroll
	for (int i = 0; i < AEGIS_MAX_IPV6_EXT; i++) {
		struct ipv6_ext_aegis *ext = pos;

		if (nh != NEXTHDR_HOP && nh != NEXTHDR_ROUTING && nh != NEXTHDR_DEST &&
		    nh != NEXTHDR_FRAG && nh != NEXTHDR_AUTH)
			goto done;
		if ((void *)(ext + 1) > data_end)
			return PARSE_MALFORMED;
		if (nh == NEXTHDR_FRAG) {
			p->is_frag = 1;
			if (bpf_ntohs(ext->frag_off) & IP6_OFFSET)
				p->later_frag = 1;
			pos += 8;
		} else if (nh == NEXTHDR_AUTH) {
			pos += ((__u32)ext->hdrlen + 2) * 4;
		} else {
			pos += ((__u32)ext->hdrlen + 1) * 8;
		}
		nh = ext->nexthdr;
	}
	/* More extension headers than we walk: we cannot find L4. */
	if (nh == NEXTHDR_HOP || nh == NEXTHDR_ROUTING || nh == NEXTHDR_DEST ||
	    nh == NEXTHDR_FRAG || nh == NEXTHDR_AUTH)
		return PARSE_MALFORMED;
done:
	if (pos > data_end)
		return PARSE_MALFORMED;
	p->proto = nh;
	*l4 = pos;
	return PARSE_OK;
}

/* l4_avail: bytes of the IP payload after the IP header(s), per the headers. */
static __always_inline int parse_l4(struct pkt *p, void *pos, void *data_end, __u32 l4_avail)
{
	if (p->later_frag)
		return PARSE_OK;

	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *tcp = pos;
		__u32 doff;

		if ((void *)(tcp + 1) > data_end)
			return PARSE_MALFORMED;
		doff = tcp->doff * 4;
		if (doff < sizeof(*tcp) || pos + doff > data_end || doff > l4_avail)
			return PARSE_MALFORMED;
		p->sport = tcp->source;
		p->dport = tcp->dest;
		p->tcp_flags = ((__u8 *)tcp)[13];
		p->has_l4 = 1;
	} else if (p->proto == IPPROTO_UDP) {
		struct udphdr *udp = pos;
		__u32 ulen;

		if ((void *)(udp + 1) > data_end)
			return PARSE_MALFORMED;
		ulen = bpf_ntohs(udp->len);
		/* A first fragment carries only part of the datagram. */
		if (ulen < sizeof(*udp) || (!p->is_frag && ulen > l4_avail))
			return PARSE_MALFORMED;
		p->sport = udp->source;
		p->dport = udp->dest;
		p->udp_payload = ulen - sizeof(*udp);
		p->has_l4 = 1;
	}
	return PARSE_OK;
}

static __always_inline int parse_packet(struct xdp_md *ctx, struct pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	void *l3, *l4 = NULL;
	__u32 l3_off, avail;
	__u16 type;
	int ret;

	p->frame_len = ctx->data_end - ctx->data;
	ret = parse_eth(data, data_end, &l3, &type);
	if (ret != PARSE_OK)
		return ret;
	l3_off = l3 - data;
	if (l3_off > p->frame_len)
		return PARSE_MALFORMED;
	avail = p->frame_len - l3_off;

	if (type == ETH_P_IP)
		ret = parse_ipv4(p, l3, data_end, avail, &l4);
	else if (type == ETH_P_IPV6)
		ret = (p->v6 = 1, parse_ipv6(p, l3, data_end, avail, &l4));
	else
		return PARSE_NOT_IP;
	if (ret != PARSE_OK)
		return ret;

	__u32 l4_off = l4 - l3;
	if (l4_off > p->l3_len)
		return PARSE_MALFORMED;
	p->l3_off = l3_off;
	p->l4_off = l3_off + l4_off;
	return parse_l4(p, l4, data_end, p->l3_len - l4_off);
}

#endif /* AEGIS_BPF_PARSE_H */
