// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SYN cookies from XDP (bpf/syncookie.h). The cookie comes from a real
 * listener, so every test runs in its own network namespace (Criterion
 * forks a process per test) with net.ipv4.tcp_syncookies = 2 and TCP
 * listeners on PORT; BPF_PROG_TEST_RUN looks sockets up in the caller's
 * namespace. The reply is parsed and every field the client relies on is
 * checked, checksums recomputed here independently of the program.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "harness.h"

TestSuite(syncookie, .fini = h_teardown);

#define POL 5
#define PORT 8443
#define NOPORT 8444		/* in the policy, nobody listens */

static int lsock[2] = { -1, -1 };

static void write_file(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, v, strlen(v)), (ssize_t)strlen(v));
	close(fd);
}

static void lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_geq(fd, 0);
	strcpy(ifr.ifr_name, "lo");
	cr_assert_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	cr_assert_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
}

static int listen_on(int family)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(PORT) };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int one = 1, fd = socket(family, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	if (family == AF_INET6)
		cr_assert_eq(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	cr_assert_eq(family == AF_INET6 ? bind(fd, (void *)&a6, sizeof(a6))
					: bind(fd, (void *)&a4, sizeof(a4)), 0,
		     "bind: %s", strerror(errno));
	cr_assert_eq(listen(fd, 16), 0);
	return fd;
}

/* A namespace of our own, listeners on PORT, the program with a cookie
 * policy on PORT and NOPORT. */
static void lab(__u8 mode, __u32 auto_rate, __u32 auto_burst)
{
	struct aegis_policy p = { 0 };

	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare: %s", strerror(errno));
	lo_up();
	write_file("/proc/sys/net/ipv4/tcp_syncookies", "2");
	lsock[0] = listen_on(AF_INET);
	lsock[1] = listen_on(AF_INET6);
	h_setup();
	p.syn_cookies = mode;
	if (auto_rate)
		h_limit(&p.cookie_syn, auto_rate, auto_burst);
	h_policy_set(POL, &p);
	h_port_set(AEGIS_SLOT_TCP, PORT, NOPORT, POL);
}

static uint32_t get32(const struct frame *f, size_t off)
{
	return (uint32_t)pkt_get16(f, off) << 16 | pkt_get16(f, off + 2);
}

static void put32(struct frame *f, size_t off, uint32_t v)
{
	pkt_put16(f, off, (uint16_t)(v >> 16));
	pkt_put16(f, off + 2, (uint16_t)v);
}

/* Ones'-complement sum of big-endian 16-bit words. */
static uint32_t sum16(uint32_t sum, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* 0xffff when the TCP checksum (with its pseudo header) is right. */
static uint16_t tcp_csum_check(const struct frame *f, size_t l3, size_t l4, size_t len, int v6)
{
	uint32_t sum = sum16(0, f->b + l3 + (v6 ? 8 : 12), v6 ? 32 : 8);

	sum += IPPROTO_TCP + (uint32_t)len;
	return fold(sum16(sum, f->b + l4, len));
}

/*
 * Checks the reply r to the SYN s (both frames as built/returned) and
 * returns the cookie it carries.
 */
static uint32_t check_synack(const struct frame *s, const struct frame *r, int vlans)
{
	size_t l3 = s->l3, l4 = l3 + (s->v6 ? 40 : 20);

	cr_assert_eq(r->len, l4 + 24, "reply is %zu bytes, expected %zu", r->len, l4 + 24);
	cr_assert_eq(memcmp(r->b, s->b + 6, 6), 0, "destination MAC is not the SYN's source");
	cr_assert_eq(memcmp(r->b + 6, s->b, 6), 0, "source MAC is not the SYN's destination");
	cr_assert_eq(memcmp(r->b + 12, s->b + 12, l3 - 12), 0, "ethertype/VLAN tags changed (%d)",
		     vlans);
	if (s->v6) {
		cr_assert_eq(r->b[l3] >> 4, 6);
		cr_assert_eq(pkt_get16(r, l3 + 4), 24, "payload length");
		cr_assert_eq(r->b[l3 + 6], IPPROTO_TCP);
		cr_assert_eq(memcmp(r->b + l3 + 8, s->b + l3 + 24, 16), 0, "src is not the SYN's dst");
		cr_assert_eq(memcmp(r->b + l3 + 24, s->b + l3 + 8, 16), 0, "dst is not the SYN's src");
	} else {
		cr_assert_eq(r->b[l3], 0x45);
		cr_assert_eq(pkt_get16(r, l3 + 2), 44, "total length");
		cr_assert_eq(r->b[l3 + 9], IPPROTO_TCP);
		cr_assert_eq(fold(sum16(0, r->b + l3, 20)), 0xffff, "IPv4 header checksum wrong");
		cr_assert_eq(get32(r, l3 + 12), get32(s, l3 + 16), "src is not the SYN's dst");
		cr_assert_eq(get32(r, l3 + 16), get32(s, l3 + 12), "dst is not the SYN's src");
	}
	cr_assert_eq(pkt_get16(r, l4), pkt_get16(s, s->l4 + 2), "source port");
	cr_assert_eq(pkt_get16(r, l4 + 2), pkt_get16(s, s->l4), "destination port");
	cr_assert_eq(get32(r, l4 + 8), get32(s, s->l4 + 4) + 1, "ack is not the client's seq + 1");
	cr_assert_eq(r->b[l4 + 12] >> 4, 6, "data offset");
	cr_assert_eq(r->b[l4 + 13], TH_SYN | TH_ACK, "flags 0x%x", r->b[l4 + 13]);
	cr_assert_neq(pkt_get16(r, l4 + 14), 0, "zero window");
	cr_assert_eq(r->b[l4 + 20], 2, "first option is not MSS");
	cr_assert_eq(r->b[l4 + 21], 4);
	/* The SYN had no MSS option: the listener's default clamp. */
	cr_assert_eq(pkt_get16(r, l4 + 22), s->v6 ? 1220 : 536, "MSS %u", pkt_get16(r, l4 + 22));
	cr_assert_eq(tcp_csum_check(r, l3, l4, 24, s->v6), 0xffff, "TCP checksum wrong");
	return get32(r, l4 + 4);
}

static uint32_t send_syn(const struct fam *F, const char *src, uint16_t sport, int vlans,
			 struct frame *s)
{
	struct frame r;
	__u32 v;

	pkt_build(s, &(struct pkt_spec){ .src = src, .dport = PORT, .sport = sport,
					 .flags = TH_SYN, .vlans = (uint8_t)vlans });
	(void)F;
	cr_assert_eq(h_run_reply(s, &v, &r), AEGIS_STAT_TX_COOKIE, "SYN not answered");
	cr_assert_eq(v, XDP_TX);
	return check_synack(s, &r, vlans);
}

/* The client's ACK of the cookie SYN-ACK; ack_delta 1 is the valid one. */
static int send_ack(const char *src, uint16_t sport, uint32_t cookie, uint32_t ack_delta)
{
	struct frame a;

	pkt_build(&a, &(struct pkt_spec){ .src = src, .dport = PORT, .sport = sport,
					  .flags = TH_ACK });
	put32(&a, a.l4 + 4, 1001);
	put32(&a, a.l4 + 8, cookie + ack_delta);
	return h_run(&a, NULL);
}

static void syn_answered(const struct fam *F)
{
	struct frame s;

	lab(AEGIS_COOKIES_ALWAYS, 0, 0);
	send_syn(F, F->src[0], 40001, 0, &s);
	send_syn(F, F->src[0], 40002, 1, &s);
	send_syn(F, F->src[0], 40003, 2, &s);
	cr_assert_eq(h_stat(AEGIS_STAT_TX_COOKIE).packets, 3);
	/* A SYN answered writes no per-source state: a spoofed flood cannot fill it. */
	cr_assert_eq(h_count(skel->maps.aegis_sources), 0);
}
TEST_FAMILIES(syncookie, syn_answered)

/* A valid ACK passes and makes the source known: its next SYN skips the cookie. */
static void valid_ack_makes_source_known(const struct fam *F)
{
	struct frame s;
	uint32_t cookie;

	lab(AEGIS_COOKIES_ALWAYS, 0, 0);
	cookie = send_syn(F, F->src[0], 40010, 0, &s);
	cr_assert_eq(send_ack(F->src[0], 40010, cookie, 1), AEGIS_STAT_PASS_COOKIE_ACK);
	cr_assert_eq(h_stat(AEGIS_STAT_PASS_COOKIE_ACK).packets, 1);
	cr_assert_eq(SEND(.src = F->src[0], .dport = PORT, .sport = 40011, .flags = TH_SYN),
		     AEGIS_STAT_PASS_POLICY, "a known source got a cookie");
	/* Another source is still unknown. */
	send_syn(F, F->src[1], 40012, 0, &s);
}
TEST_FAMILIES(syncookie, valid_ack_makes_source_known)

/* An ACK whose cookie is wrong is refused and counted; the source stays unknown. */
static void forged_ack_dropped(const struct fam *F)
{
	struct frame s;
	uint32_t cookie;

	lab(AEGIS_COOKIES_ALWAYS, 0, 0);
	cookie = send_syn(F, F->src[0], 40020, 0, &s);
	/* Not cookie + 2: the low bits carry the MSS index, and index 1 is
	 * valid too. 0x1000 lands in the hash. */
	cr_assert_eq(send_ack(F->src[0], 40020, cookie, 1 + 0x1000), AEGIS_STAT_DROP_COOKIE_ACK);
	cr_assert_eq(send_ack(F->src[1], 40021, 0x12345678, 1), AEGIS_STAT_DROP_COOKIE_ACK);
	cr_assert_eq(h_stat(AEGIS_STAT_DROP_COOKIE_ACK).packets, 2);
	send_syn(F, F->src[0], 40022, 0, &s);
}
TEST_FAMILIES(syncookie, forged_ack_dropped)

/* Off: SYNs go on to the stack untouched, ACKs are not checked. */
static void off_passes(const struct fam *F)
{
	struct frame s, r;
	__u32 v;

	lab(AEGIS_COOKIES_OFF, 0, 0);
	pkt_build(&s, &(struct pkt_spec){ .src = F->src[0], .dport = PORT, .flags = TH_SYN });
	cr_assert_eq(h_run_reply(&s, &v, &r), AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(v, XDP_PASS);
	cr_assert_eq(r.len, s.len);
	cr_assert_eq(memcmp(r.b, s.b, s.len), 0, "off mode changed the SYN");
	cr_assert_eq(send_ack(F->src[1], 40030, 0x12345678, 1), AEGIS_STAT_PASS_POLICY);
}
TEST_FAMILIES(syncookie, off_passes)

/* No listener on the port: nothing to make a cookie for, the stack answers. */
static void no_listener_passes(const struct fam *F)
{
	lab(AEGIS_COOKIES_ALWAYS, 0, 0);
	cr_assert_eq(SEND(.src = F->src[0], .dport = NOPORT, .flags = TH_SYN),
		     AEGIS_STAT_PASS_POLICY);
	cr_assert_eq(SEND(.src = F->src[0], .dport = NOPORT, .flags = TH_ACK),
		     AEGIS_STAT_PASS_POLICY);
}
TEST_FAMILIES(syncookie, no_listener_passes)

/* Auto: SYNs within the policy's cookie_syn rate go to the stack, the rest
 * get cookies. */
static void auto_above_rate(const struct fam *F)
{
	struct frame s;
	char src[64];

	lab(AEGIS_COOKIES_AUTO, 1, 3);
	for (int i = 0; i < 10; i++) {
		snprintf(src, sizeof(src), F == &FAM4 ? "198.18.7.%d" : "2001:db8:7::%d", i + 1);
		if (i < 3)
			cr_assert_eq(SEND(.src = src, .dport = PORT, .flags = TH_SYN),
				     AEGIS_STAT_PASS_POLICY, "SYN %d within the rate got a cookie", i);
		else
			send_syn(F, src, 40040, 0, &s);
	}
	cr_assert_eq(h_stat(AEGIS_STAT_TX_COOKIE).packets, 7);
}
TEST_FAMILIES(syncookie, auto_above_rate)

/* Non-SYN traffic from a known source never reaches the socket lookup:
 * an ACK with a wrong cookie is not refused once the source is known. */
static void known_source_acks_unchecked(const struct fam *F)
{
	struct frame s;
	uint32_t cookie;

	lab(AEGIS_COOKIES_ALWAYS, 0, 0);
	cookie = send_syn(F, F->src[0], 40050, 0, &s);
	cr_assert_eq(send_ack(F->src[0], 40050, cookie, 1), AEGIS_STAT_PASS_COOKIE_ACK);
	cr_assert_eq(send_ack(F->src[0], 40051, 7, 1), AEGIS_STAT_PASS_POLICY);
}
TEST_FAMILIES(syncookie, known_source_acks_unchecked)
