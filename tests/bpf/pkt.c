// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Packet builder for the BPF tests; see pkt.h. */
#include <arpa/inet.h>
#include <string.h>
#include <criterion/criterion.h>

#include "lib/addr.h"
#include "pkt.h"

#define ETH_P_IPV4	0x0800
#define ETH_P_IP6	0x86DD
#define ETH_P_8021Q_	0x8100
#define ETH_P_8021AD_	0x88A8

#define NH_HOP		0
#define NH_ROUTING	43
#define NH_FRAG		44
#define NH_AUTH		51
#define NH_DEST		60
#define NH_ICMPV6	58

void pkt_put16(struct frame *f, size_t off, uint16_t v)
{
	f->b[off] = v >> 8;
	f->b[off + 1] = v & 0xff;
}

uint16_t pkt_get16(const struct frame *f, size_t off)
{
	return (uint16_t)(f->b[off] << 8 | f->b[off + 1]);
}

static void put32(struct frame *f, size_t off, uint32_t v)
{
	pkt_put16(f, off, v >> 16);
	pkt_put16(f, off + 2, v & 0xffff);
}

/* One's-complement sum of big-endian 16-bit words. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t put_eth(struct frame *f, const struct pkt_spec *s, uint16_t type)
{
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t smac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	size_t off = 12;

	cr_assert(s->vlans <= 2, "pkt: at most 2 VLAN tags");
	memcpy(f->b, dmac, 6);
	memcpy(f->b + 6, smac, 6);
	if (s->vlans == 2) {
		pkt_put16(f, off, ETH_P_8021AD_);
		pkt_put16(f, off + 2, 100);		/* outer VID */
		off += 4;
	}
	if (s->vlans >= 1) {
		pkt_put16(f, off, ETH_P_8021Q_);
		pkt_put16(f, off + 2, 200);		/* inner VID */
		off += 4;
	}
	pkt_put16(f, off, type);
	return off + 2;
}

/* Size of IPv6 extension header i in the mix pkt_build uses. */
static size_t v6_ext_len(unsigned int i)
{
	static const size_t len[] = { 24, 16, 16 };	/* routing, auth, dest */

	return i == 0 ? 8 : len[(i - 1) % 3];
}

static uint8_t v6_ext_type(unsigned int i)
{
	static const uint8_t type[] = { NH_ROUTING, NH_AUTH, NH_DEST };

	return i == 0 ? NH_HOP : type[(i - 1) % 3];
}

/* Writes the extension headers (and fragment header) at off; returns the end. */
static size_t put_v6_ext(struct frame *f, const struct pkt_spec *s, size_t off, uint8_t l4)
{
	unsigned int n = s->v6_ext;

	for (unsigned int i = 0; i < n; i++) {
		size_t len = v6_ext_len(i);
		uint8_t next = i + 1 < n ? v6_ext_type(i + 1) : s->frag ? NH_FRAG : l4;

		memset(f->b + off, 0, len);
		f->b[off] = next;
		/* AH counts 4-byte words minus 2; the others 8-byte units minus 1. */
		f->b[off + 1] = v6_ext_type(i) == NH_AUTH ? len / 4 - 2 : len / 8 - 1;
		off += len;
	}
	if (s->frag) {
		memset(f->b + off, 0, 8);
		f->b[off] = l4;
		/* offset in 8-byte units << 3 | M */
		pkt_put16(f, off + 2, s->frag == FRAG_FIRST ? 1 : (185 << 3));
		put32(f, off + 4, 0x1234);
		off += 8;
	}
	return off;
}

static size_t put_l3(struct frame *f, const struct pkt_spec *s, const struct aegis_addr *src,
		     const struct aegis_addr *dst, uint8_t l4, size_t l4_len)
{
	size_t off = f->l3;
	uint8_t ttl = s->ttl ? s->ttl : 64;

	if (!f->v6) {
		size_t hl = 20 + s->ip_opts;

		cr_assert(s->ip_opts % 4 == 0 && s->ip_opts <= 40, "pkt: bad ip_opts");
		memset(f->b + off, 0, hl);
		f->b[off] = 0x40 | (uint8_t)(hl / 4);
		pkt_put16(f, off + 2, (uint16_t)(hl + l4_len));
		pkt_put16(f, off + 4, 0x4242);
		pkt_put16(f, off + 6, s->frag == FRAG_FIRST ? 0x2000 : s->frag ? 185 : 0);
		f->b[off + 8] = ttl;
		f->b[off + 9] = l4;
		memcpy(f->b + off + 12, &src->w[3], 4);
		memcpy(f->b + off + 16, &dst->w[3], 4);
		memset(f->b + off + 20, 1, s->ip_opts);		/* NOP options */
		return off + hl;
	}
	memset(f->b + off, 0, 40);
	f->b[off] = 0x60;
	f->b[off + 6] = s->v6_ext ? NH_HOP : s->frag ? NH_FRAG : l4;
	f->b[off + 7] = ttl;
	memcpy(f->b + off + 8, src, 16);
	memcpy(f->b + off + 24, dst, 16);
	off = put_v6_ext(f, s, off + 40, l4);
	pkt_put16(f, f->l3 + 4, (uint16_t)(off - f->l3 - 40 + l4_len));
	return off;
}

static size_t l4_hdr_len(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 20 : 8;	/* UDP and ICMP echo: 8 */
}

static void put_l4(struct frame *f, const struct pkt_spec *s, uint8_t l4)
{
	size_t off = f->l4, hl = l4_hdr_len(s->proto);

	memset(f->b + off, 0, hl);
	for (size_t i = 0; i < s->payload; i++)
		f->b[off + hl + i] = (uint8_t)(0x30 + i % 64);
	if (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP) {
		pkt_put16(f, off, s->sport ? s->sport : 40000);
		pkt_put16(f, off + 2, s->dport ? s->dport : 80);
	}
	if (s->proto == IPPROTO_TCP) {
		put32(f, off + 4, 1000);
		put32(f, off + 8, (s->flags & TH_ACK) ? 2000 : 0);
		f->b[off + 12] = 5 << 4;
		f->b[off + 13] = s->flags;
		pkt_put16(f, off + 14, 65535);
	} else if (s->proto == IPPROTO_UDP) {
		pkt_put16(f, off + 4, (uint16_t)(hl + s->payload));
	} else {
		f->b[off] = l4 == NH_ICMPV6 ? 128 : 8;		/* echo request */
		pkt_put16(f, off + 4, 7);
	}
}

/* TCP/UDP/ICMPv6 checksum over the pseudo header; ICMPv4 over itself. */
static void put_l4_csum(struct frame *f, uint8_t l4)
{
	size_t len = f->len - f->l4;
	size_t csum_off = f->l4 + (l4 == IPPROTO_TCP ? 16 : l4 == IPPROTO_UDP ? 6 : 2);
	uint32_t sum = 0;
	uint8_t pseudo[8] = { 0 };

	if (l4 != IPPROTO_ICMP) {
		sum = csum_add(sum, f->b + f->l3 + (f->v6 ? 8 : 12), f->v6 ? 32 : 8);
		pseudo[0] = (uint8_t)(len >> 24);
		pseudo[1] = (uint8_t)(len >> 16);
		pseudo[2] = (uint8_t)(len >> 8);
		pseudo[3] = (uint8_t)len;
		pseudo[7] = l4;
		sum = csum_add(sum, pseudo, sizeof(pseudo));
	}
	sum = csum_add(sum, f->b + f->l4, len);
	pkt_put16(f, csum_off, csum_fold(sum));
}

void pkt_fix_ip_csum(struct frame *f)
{
	size_t hl;

	if (f->v6)
		return;
	hl = (size_t)(f->b[f->l3] & 0x0f) * 4;
	if (hl < 20 || f->l3 + hl > f->len)
		return;
	pkt_put16(f, f->l3 + 10, 0);
	pkt_put16(f, f->l3 + 10, csum_fold(csum_add(0, f->b + f->l3, hl)));
}

static void build_non_ip(struct frame *f, const struct pkt_spec *s)
{
	f->l3 = put_eth(f, s, s->ethertype);
	/* An ARP request's size, or what the test asked for. */
	f->len = f->l3 + (s->payload ? s->payload : 28);
	memset(f->b + f->l3, 0, f->len - f->l3);
	f->l4 = f->len;
}

void pkt_build(struct frame *f, const struct pkt_spec *s)
{
	struct aegis_addr src, dst;
	uint8_t l4;

	memset(f, 0, sizeof(*f));
	if (s->ethertype) {
		build_non_ip(f, s);
		return;
	}
	cr_assert(s->src && addr_parse(s->src, &src) == 0, "pkt: bad src %s", s->src);
	f->v6 = !addr_is_v4(&src);
	cr_assert(addr_parse(s->dst ? s->dst : f->v6 ? "2001:db8:ffff::1" : "192.0.2.1",
			     &dst) == 0, "pkt: bad dst");
	cr_assert(addr_is_v4(&dst) == !f->v6, "pkt: mixed families");

	l4 = s->proto ? s->proto : IPPROTO_TCP;
	if (l4 == IPPROTO_ICMP && f->v6)
		l4 = NH_ICMPV6;
	struct pkt_spec spec = *s;
	spec.proto = l4 == NH_ICMPV6 ? IPPROTO_ICMP : l4;

	size_t l4_len = l4_hdr_len(spec.proto) + s->payload;

	f->l3 = put_eth(f, s, f->v6 ? ETH_P_IP6 : ETH_P_IPV4);
	f->l4 = put_l3(f, &spec, &src, &dst, l4, l4_len);
	f->len = f->l4 + l4_len;
	cr_assert(f->len <= PKT_MAX, "pkt: frame too long");
	put_l4(f, &spec, l4);
	put_l4_csum(f, l4);
	pkt_fix_ip_csum(f);
}
