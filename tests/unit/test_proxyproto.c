// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/engine/proxyproto.c: PROXY protocol v1/v2 encode, decode, rejects. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/proxyproto.h"

static struct sockaddr_storage sa(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	} else {
		cr_assert_eq(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1, "%s", ip);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	}
	return ss;
}

static void assert_same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	size_t len = a->ss_family == AF_INET ? sizeof(struct sockaddr_in)
					     : sizeof(struct sockaddr_in6);

	cr_assert_eq(a->ss_family, b->ss_family);
	cr_assert_eq(memcmp(a, b, len), 0);
}

/* Decodes buf whole, and at every split: the prefixes must all ask for more. */
static int decode_split(const void *buf, size_t len, struct pp_header *h)
{
	const char *why = NULL;
	size_t need;

	for (size_t cut = 0; cut < len; cut++) {
		int ret = pp_decode(buf, cut, h, &need, &why);

		cr_assert_eq(ret, -EAGAIN, "prefix %zu of %zu: %d (%s)", cut, len, ret,
			     why ? why : "");
		/* Once a v2 length is known it is exact. */
		if (need)
			cr_assert(need == 16 || need == len, "need %zu of %zu", need, len);
	}
	return pp_decode(buf, len, h, NULL, &why);
}

/* ---- byte-exact encodings ---- */

Test(proxyproto, v1_spec_example)
{
	struct sockaddr_storage s = sa("192.168.0.1", 56324), d = sa("192.168.0.11", 443);
	static const char want[] = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
	char buf[PP_ENCODE_MAX];
	int n = pp_encode_v1(buf, sizeof(buf), &s, &d);

	cr_assert_eq(n, (int)strlen(want));
	cr_assert_eq(memcmp(buf, want, (size_t)n), 0);
	cr_assert_eq(pp_encode_v1(buf, (size_t)n - 1, &s, &d), -ENOSPC);
}

Test(proxyproto, v1_tcp6_and_unknown)
{
	struct sockaddr_storage s = sa("2001:db8::1", 1), d = sa("2001:db8::ffff:2", 65535);
	static const char want6[] = "PROXY TCP6 2001:db8::1 2001:db8::ffff:2 1 65535\r\n";
	char buf[PP_ENCODE_MAX];
	int n;

	n = pp_encode_v1(buf, sizeof(buf), &s, &d);
	cr_assert_eq(n, (int)strlen(want6));
	cr_assert_eq(memcmp(buf, want6, (size_t)n), 0);
	n = pp_encode_v1(buf, sizeof(buf), NULL, NULL);
	cr_assert_eq(n, 15);
	cr_assert_eq(memcmp(buf, "PROXY UNKNOWN\r\n", 15), 0);
	cr_assert_eq(pp_encode_v1(buf, sizeof(buf), &s, NULL), -EINVAL);
}

/* Mixed families go out as IPv6 with IPv4 mapped. */
Test(proxyproto, v1_mixed_families)
{
	struct sockaddr_storage s = sa("192.0.2.1", 5000), d = sa("2001:db8::2", 80);
	static const char want[] = "PROXY TCP6 ::ffff:192.0.2.1 2001:db8::2 5000 80\r\n";
	char buf[PP_ENCODE_MAX];
	int n = pp_encode_v1(buf, sizeof(buf), &s, &d);

	cr_assert_eq(n, (int)strlen(want));
	cr_assert_eq(memcmp(buf, want, (size_t)n), 0);
}

Test(proxyproto, v2_tcp4_bytes)
{
	static const unsigned char want[] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x21, 0x11, 0x00, 0x0c,
		192, 168, 0, 1, 192, 168, 0, 11,
		0xdc, 0x04, 0x01, 0xbb,		/* 56324, 443 */
	};
	struct sockaddr_storage s = sa("192.168.0.1", 56324), d = sa("192.168.0.11", 443);
	unsigned char buf[64];
	int n = pp_encode_v2(buf, sizeof(buf), PP_CMD_PROXY, SOCK_STREAM, &s, &d);

	cr_assert_eq(n, (int)sizeof(want));
	cr_assert_eq(memcmp(buf, want, sizeof(want)), 0);
	cr_assert_eq(pp_encode_v2(buf, sizeof(want) - 1, PP_CMD_PROXY, SOCK_STREAM, &s, &d),
		     -ENOSPC);
}

Test(proxyproto, v2_udp6_bytes)
{
	struct sockaddr_storage s = sa("2001:db8::1", 19132), d = sa("2001:db8::2", 19133);
	unsigned char buf[64];
	int n = pp_encode_v2(buf, sizeof(buf), PP_CMD_PROXY, SOCK_DGRAM, &s, &d);

	cr_assert_eq(n, 16 + 36);
	cr_assert_eq(buf[12], 0x21);
	cr_assert_eq(buf[13], 0x22);
	cr_assert(buf[14] == 0 && buf[15] == 36);
	cr_assert_eq(memcmp(buf + 16, &((struct sockaddr_in6 *)&s)->sin6_addr, 16), 0);
	cr_assert_eq(memcmp(buf + 32, &((struct sockaddr_in6 *)&d)->sin6_addr, 16), 0);
	cr_assert(buf[48] == 0x4a && buf[49] == 0xbc);	/* 19132 */
	cr_assert(buf[50] == 0x4a && buf[51] == 0xbd);
}

Test(proxyproto, v2_local_bytes)
{
	static const unsigned char want[] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x20, 0x00, 0x00, 0x00,
	};
	struct sockaddr_storage s = sa("192.0.2.1", 1);
	unsigned char buf[64];

	cr_assert_eq(pp_encode_v2(buf, sizeof(buf), PP_CMD_LOCAL, 0, NULL, NULL), 16);
	cr_assert_eq(memcmp(buf, want, 16), 0);
	/* LOCAL ignores addresses. */
	cr_assert_eq(pp_encode_v2(buf, sizeof(buf), PP_CMD_LOCAL, SOCK_STREAM, &s, &s), 16);
	cr_assert_eq(memcmp(buf, want, 16), 0);
	/* PROXY without addresses: family UNSPEC. */
	cr_assert_eq(pp_encode_v2(buf, sizeof(buf), PP_CMD_PROXY, SOCK_STREAM, NULL, NULL), 16);
	cr_assert(buf[12] == 0x21 && buf[13] == 0x00);
}

Test(proxyproto, v2_encode_rejects)
{
	struct sockaddr_storage s = sa("192.0.2.1", 1), u;
	unsigned char buf[64];

	memset(&u, 0, sizeof(u));
	u.ss_family = AF_UNIX;
	cr_assert_eq(pp_encode_v2(buf, sizeof(buf), PP_CMD_PROXY, SOCK_RAW, &s, &s), -EINVAL);
	cr_assert_eq(pp_encode_v2(buf, sizeof(buf), PP_CMD_PROXY, SOCK_STREAM, &s, NULL), -EINVAL);
	cr_assert_eq(pp_encode_v2(buf, sizeof(buf), (enum pp_cmd)2, SOCK_STREAM, &s, &s), -EINVAL);
	cr_assert_eq(pp_encode_v2(buf, sizeof(buf), PP_CMD_PROXY, SOCK_STREAM, &s, &u),
		     -EAFNOSUPPORT);
	cr_assert_eq(pp_encode_v1(buf, sizeof(buf), &u, &s), -EAFNOSUPPORT);
}

/* ---- round trips, split at every byte ---- */

static void round_trip_v2(enum pp_cmd cmd, int socktype, const char *src, uint16_t sp,
			  const char *dst, uint16_t dp)
{
	struct sockaddr_storage s, d;
	unsigned char buf[PP_ENCODE_MAX];
	struct pp_header h;
	int n;

	if (src) {
		s = sa(src, sp);
		d = sa(dst, dp);
	}
	n = pp_encode_v2(buf, sizeof(buf), cmd, socktype, src ? &s : NULL, src ? &d : NULL);
	cr_assert_gt(n, 0);
	cr_assert_eq(decode_split(buf, (size_t)n, &h), n);
	cr_assert_eq(h.version, 2);
	cr_assert_eq(h.cmd, cmd);
	if (cmd == PP_CMD_LOCAL || !src) {
		cr_assert_eq(h.family, AF_UNSPEC);
		return;
	}
	cr_assert_eq(h.family, s.ss_family);
	cr_assert_eq(h.socktype, socktype);
	assert_same_addr(&h.src, &s);
	assert_same_addr(&h.dst, &d);
}

Test(proxyproto, v2_round_trips)
{
	round_trip_v2(PP_CMD_PROXY, SOCK_STREAM, "192.168.0.1", 56324, "192.168.0.11", 443);
	round_trip_v2(PP_CMD_PROXY, SOCK_DGRAM, "198.18.0.9", 0, "10.0.0.1", 65535);
	round_trip_v2(PP_CMD_PROXY, SOCK_STREAM, "2001:db8::1", 40000, "2001:db8::2", 25565);
	round_trip_v2(PP_CMD_PROXY, SOCK_DGRAM, "fe80::1", 19132, "::1", 19133);
	round_trip_v2(PP_CMD_LOCAL, 0, NULL, 0, NULL, 0);
	round_trip_v2(PP_CMD_PROXY, SOCK_STREAM, NULL, 0, NULL, 0);
}

static void round_trip_v1(const char *src, uint16_t sp, const char *dst, uint16_t dp)
{
	struct sockaddr_storage s, d;
	char buf[PP_ENCODE_MAX];
	struct pp_header h;
	int n;

	if (src) {
		s = sa(src, sp);
		d = sa(dst, dp);
	}
	n = pp_encode_v1(buf, sizeof(buf), src ? &s : NULL, src ? &d : NULL);
	cr_assert_gt(n, 0);
	cr_assert_eq(decode_split(buf, (size_t)n, &h), n);
	cr_assert_eq(h.version, 1);
	cr_assert_eq(h.cmd, PP_CMD_PROXY);
	if (!src) {
		cr_assert_eq(h.family, AF_UNSPEC);
		cr_assert_eq(h.src.ss_family, AF_UNSPEC);
		return;
	}
	cr_assert_eq(h.family, s.ss_family);
	cr_assert_eq(h.socktype, SOCK_STREAM);
	assert_same_addr(&h.src, &s);
	assert_same_addr(&h.dst, &d);
}

Test(proxyproto, v1_round_trips)
{
	round_trip_v1("192.168.0.1", 56324, "192.168.0.11", 443);
	round_trip_v1("255.255.255.255", 65535, "0.0.0.0", 0);
	round_trip_v1("2001:db8::1", 40000, "2001:db8::2", 25565);
	round_trip_v1("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
		      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 65535);
	round_trip_v1(NULL, 0, NULL, 0);
}

/* The header is only the prefix: payload after it is not consumed. */
Test(proxyproto, trailing_payload_untouched)
{
	static const char in[] = "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nGET / HTTP/1.0\r\n";
	struct sockaddr_storage s = sa("1.2.3.4", 1), d = sa("5.6.7.8", 2);
	unsigned char buf[128];
	struct pp_header h;
	int n;

	cr_assert_eq(pp_decode(in, sizeof(in) - 1, &h, NULL, NULL), 32);
	n = pp_encode_v2(buf, sizeof(buf), PP_CMD_PROXY, SOCK_STREAM, &s, &d);
	memcpy(buf + n, "\x00\x01\x02", 3);
	cr_assert_eq(pp_decode(buf, (size_t)n + 3, &h, NULL, NULL), n);
}

Test(proxyproto, v1_unknown_with_fields)
{
	static const char in[] = "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n";
	char max[PP_V1_MAX_LEN + 1];
	struct pp_header h;

	/* The receiver ignores whatever follows UNKNOWN. */
	cr_assert_eq(pp_decode(in, strlen(in), &h, NULL, NULL), (int)strlen(in));
	cr_assert_eq(h.family, AF_UNSPEC);
	/* The spec's worst case is exactly 107 bytes. */
	snprintf(max, sizeof(max), "PROXY UNKNOWN %s %s 65535 65535\r\n",
		 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	cr_assert_eq(strlen(max), 107);
	cr_assert_eq(decode_split(max, 107, &h), 107);
}

Test(proxyproto, v2_tlvs_skipped)
{
	struct sockaddr_storage s = sa("192.0.2.1", 1000), d = sa("192.0.2.2", 2000);
	static const unsigned char tlvs[] = {
		0x01, 0x00, 0x02, 'h', '2',		/* ALPN */
		0x04, 0x00, 0x00,			/* NOOP, empty */
		0x02, 0x00, 0x03, 'a', '.', 'b',	/* AUTHORITY */
	};
	unsigned char buf[128];
	struct pp_header h;
	int n = pp_encode_v2(buf, sizeof(buf), PP_CMD_PROXY, SOCK_STREAM, &s, &d);

	memcpy(buf + n, tlvs, sizeof(tlvs));
	buf[15] = (unsigned char)(12 + sizeof(tlvs));
	n += (int)sizeof(tlvs);
	cr_assert_eq(decode_split(buf, (size_t)n, &h), n);
	assert_same_addr(&h.src, &s);
	assert_same_addr(&h.dst, &d);
}

/* A LOCAL header's block is discarded whatever its family says. */
Test(proxyproto, v2_local_discards_block)
{
	unsigned char buf[64];
	struct pp_header h;
	int n = pp_encode_v2(buf, sizeof(buf), PP_CMD_LOCAL, 0, NULL, NULL);

	buf[13] = 0x31;		/* would be AF_UNIX under PROXY */
	buf[15] = 5;
	memset(buf + n, 0xee, 5);
	cr_assert_eq(pp_decode(buf, (size_t)n + 5, &h, NULL, NULL), n + 5);
	cr_assert_eq(h.cmd, PP_CMD_LOCAL);
	cr_assert_eq(h.family, AF_UNSPEC);
}

/* ---- rejects ---- */

Test(proxyproto, v1_rejects)
{
	static const char *bad[] = {
		"GET / HTTP/1.1\r\n",
		"PROXY\r\n",
		"PROXY \r\n",
		"proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
		"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY UNKNOWNX\r\n",
		"PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n",
		"PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4 ::1 1 2\r\n",
		"PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
		"PROXY TCP6 ::1 ::g 1 2\r\n",
		"PROXY TCP6 :::1 ::1 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 00\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1a 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n",
		"PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.\xff 1 2\r\n",
	};
	struct pp_header h;
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		cr_expect_eq(pp_decode(bad[i], strlen(bad[i]), &h, NULL, &why), -EINVAL,
			     "accepted %zu: %s", i, bad[i]);
		cr_expect_not_null(why, "no reason for %zu", i);
	}
}

Test(proxyproto, v1_too_long)
{
	char line[200];
	struct pp_header h;
	const char *why = NULL;

	/* 108 bytes with CRLF: one over. */
	memset(line, 'a', sizeof(line));
	memcpy(line, "PROXY UNKNOWN ", 14);
	memcpy(line + 106, "\r\n", 2);
	cr_assert_eq(pp_decode(line, 108, &h, NULL, &why), -EINVAL);
	cr_assert_str_eq(why, "v1: no CRLF within 107 bytes");
	/* No CRLF in 107 bytes: invalid without waiting for more. */
	cr_assert_eq(pp_decode(line, 107, &h, NULL, &why), -EINVAL);
	cr_assert_eq(pp_decode(line, 106, &h, NULL, &why), -EAGAIN);
}

Test(proxyproto, v1_early_reject)
{
	struct pp_header h;

	/* Garbage is refused on its first bytes, not after 107. */
	cr_assert_eq(pp_decode("X", 1, &h, NULL, NULL), -EINVAL);
	cr_assert_eq(pp_decode("PROXX", 5, &h, NULL, NULL), -EINVAL);
	cr_assert_eq(pp_decode("PROX", 4, &h, NULL, NULL), -EAGAIN);
	cr_assert_eq(pp_decode("PROXY TCP4\n", 11, &h, NULL, NULL), -EINVAL);
	cr_assert_eq(pp_decode("", 0, &h, NULL, NULL), -EAGAIN);
}

static void v2_base(unsigned char *b, unsigned char ver_cmd, unsigned char fam, uint16_t len)
{
	static const unsigned char sig[12] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
	};

	memset(b, 0, 256);
	memcpy(b, sig, 12);
	b[12] = ver_cmd;
	b[13] = fam;
	b[14] = (unsigned char)(len >> 8);
	b[15] = (unsigned char)len;
}

Test(proxyproto, v2_rejects)
{
	static const struct {
		unsigned char ver_cmd, fam;
		uint16_t len;
		size_t have;	/* bytes offered */
		const char *why;
	} bad[] = {
		{ 0x11, 0x11, 12, 28, "v2: version is not 2" },
		{ 0x31, 0x11, 12, 28, "v2: version is not 2" },
		{ 0x22, 0x11, 12, 28, "v2: command is not LOCAL or PROXY" },
		{ 0x2f, 0x11, 12, 28, "v2: command is not LOCAL or PROXY" },
		{ 0x21, 0x10, 12, 28, "v2: bad address family/transport byte" },
		{ 0x21, 0x13, 12, 28, "v2: bad address family/transport byte" },
		{ 0x21, 0x01, 0, 16, "v2: bad address family/transport byte" },
		{ 0x21, 0x41, 12, 28, "v2: bad address family/transport byte" },
		{ 0x21, 0x31, 216, 232, "v2: AF_UNIX addresses are not supported" },
		{ 0x21, 0x11, 11, 27, "v2: length too short for the address family" },
		{ 0x21, 0x21, 12, 28, "v2: length too short for the address family" },
		{ 0x21, 0x22, 35, 51, "v2: length too short for the address family" },
		/* 2 bytes after the addresses: not even a TLV header. */
		{ 0x21, 0x11, 14, 30, "v2: truncated TLV header" },
	};
	unsigned char b[256];
	struct pp_header h;
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v2_base(b, bad[i].ver_cmd, bad[i].fam, bad[i].len);
		why = NULL;
		cr_expect_eq(pp_decode(b, bad[i].have, &h, NULL, &why), -EINVAL, "case %zu", i);
		cr_expect_str_eq(why ? why : "", bad[i].why, "case %zu", i);
	}
	/* Early: a bad version is refused as soon as its byte arrives. */
	v2_base(b, 0x11, 0x11, 12);
	cr_assert_eq(pp_decode(b, 13, &h, NULL, NULL), -EINVAL);
	/* And a bad signature byte at once. */
	b[7] = 'q';
	cr_assert_eq(pp_decode(b, 8, &h, NULL, NULL), -EINVAL);
}

Test(proxyproto, v2_tlv_overrun)
{
	unsigned char b[256];
	struct pp_header h;
	const char *why = NULL;

	/* One TLV claiming 5 value bytes where 2 remain. */
	v2_base(b, 0x21, 0x11, 12 + 5);
	b[28] = 0x01;
	b[29] = 0x00;
	b[30] = 0x05;
	cr_assert_eq(pp_decode(b, 33, &h, NULL, &why), -EINVAL);
	cr_assert_str_eq(why, "v2: TLV overruns the header");
	/* Fixed: exactly 2 value bytes. */
	b[30] = 0x02;
	cr_assert_eq(pp_decode(b, 33, &h, NULL, &why), 33);
}

Test(proxyproto, v2_need_reports_total)
{
	unsigned char b[256];
	struct pp_header h;
	size_t need = 0;

	v2_base(b, 0x21, 0x21, 36 + 100);
	cr_assert_eq(pp_decode(b, 10, &h, &need, NULL), -EAGAIN);
	cr_assert_eq(need, 16);
	cr_assert_eq(pp_decode(b, 16, &h, &need, NULL), -EAGAIN);
	cr_assert_eq(need, 152);
	cr_assert_eq(pp_decode(b, 151, &h, &need, NULL), -EAGAIN);
	cr_assert_eq(need, 152);
}
