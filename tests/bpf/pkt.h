/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small packet builder for the BPF tests: Ethernet with 0, 1 or 2 VLAN
 * tags, IPv4 (with options) or IPv6 (with extension headers), optional
 * fragmentation, then TCP, UDP or ICMP. Lengths and checksums come out
 * right, so any test that corrupts a field corrupts exactly that field.
 */
#ifndef AEGIS_TEST_PKT_H
#define AEGIS_TEST_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

#define PKT_ETH_LEN	14
#define PKT_VLAN_LEN	4
#define PKT_MAX		1600

enum pkt_frag {
	FRAG_NONE,
	FRAG_FIRST,	/* more-fragments set, offset 0: carries the L4 header */
	FRAG_LATER,	/* offset > 0: no L4 header */
};

/*
 * What to build. Zero fields take defaults, so tests name only what
 * matters: family follows the source address ("198.51.100.7" or
 * "2001:db8::7"); dst defaults to a server address of that family.
 */
struct pkt_spec {
	const char *src;	/* required */
	const char *dst;	/* NULL: 192.0.2.1 or 2001:db8:ffff::1 */
	uint8_t proto;		/* IPPROTO_TCP (default), _UDP, _ICMP (ICMPv6 on v6) */
	uint16_t sport;		/* 0: 40000 */
	uint16_t dport;		/* 0: 80 */
	uint8_t flags;		/* TCP flags, taken as given (0 is a null scan) */
	uint8_t ttl;		/* TTL / hop limit; 0: 64 */
	uint16_t payload;	/* L4 payload bytes */
	uint8_t vlans;		/* 0, 1 (802.1Q) or 2 (802.1ad + 802.1Q) */
	uint8_t ip_opts;	/* IPv4 option bytes, a multiple of 4, <= 40 */
	uint8_t v6_ext;		/* IPv6 extension headers before L4 (mixed types) */
	uint8_t frag;		/* enum pkt_frag; IPv6 gets a fragment header */
	uint16_t ethertype;	/* non-zero: a non-IP frame of this type */
};

/* A built frame and where its layers start, for tests that corrupt them. */
struct frame {
	uint8_t b[PKT_MAX];
	size_t len;
	size_t l3;		/* IP header offset */
	size_t l4;		/* TCP/UDP/ICMP header offset */
	int v6;
};

/* Builds s into f. Aborts the test (cr_assert) on an invalid spec. */
void pkt_build(struct frame *f, const struct pkt_spec *s);

/* Recomputes the IPv4 header checksum after a test edited the header. */
void pkt_fix_ip_csum(struct frame *f);

/* Big-endian field access at an offset into the frame. */
void pkt_put16(struct frame *f, size_t off, uint16_t v);
uint16_t pkt_get16(const struct frame *f, size_t off);

#endif /* AEGIS_TEST_PKT_H */
