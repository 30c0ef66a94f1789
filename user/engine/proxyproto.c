// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* PROXY protocol v1/v2 encoding and strict decoding; see proxyproto.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "engine/proxyproto.h"

static const unsigned char v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};
static const char v1_magic[] = "PROXY ";
#define V1_MAGIC_LEN (sizeof(v1_magic) - 1)

#define V2_VERSION	0x20
#define V2_FAM_UNSPEC	0x00
#define V2_FAM_INET	0x10
#define V2_FAM_INET6	0x20
#define V2_FAM_UNIX	0x30
#define V2_TR_STREAM	0x01
#define V2_TR_DGRAM	0x02
#define V2_ADDR4_LEN	12
#define V2_ADDR6_LEN	36

/* ---- addresses ---- */

static void set_v4(struct sockaddr_storage *ss, const void *addr, uint16_t port_be)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, addr, 4);
	sin->sin_port = port_be;
}

static void set_v6(struct sockaddr_storage *ss, const void *addr, uint16_t port_be)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_addr, addr, 16);
	sin6->sin6_port = port_be;
}

/* An address as IPv6 (IPv4 mapped), port in network order. */
static int get_v6(const struct sockaddr_storage *ss, unsigned char a[16], uint16_t *port_be)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET6) {
		memcpy(a, &sin6->sin6_addr, 16);
		*port_be = sin6->sin6_port;
		return 0;
	}
	if (ss->ss_family != AF_INET)
		return -EAFNOSUPPORT;
	memset(a, 0, 10);
	a[10] = a[11] = 0xff;
	memcpy(a + 12, &sin->sin_addr, 4);
	*port_be = sin->sin_port;
	return 0;
}

static bool both_v4(const struct sockaddr_storage *s, const struct sockaddr_storage *d)
{
	return s->ss_family == AF_INET && d->ss_family == AF_INET;
}

/* ---- encoding ---- */

static int copy_out(void *buf, size_t cap, const void *src, size_t len)
{
	if (cap < len)
		return -ENOSPC;
	memcpy(buf, src, len);
	return (int)len;
}

int pp_encode_v1(void *buf, size_t cap, const struct sockaddr_storage *src,
		 const struct sockaddr_storage *dst)
{
	/* Room for any inet_ntop output; the spec's 107 is checked after. */
	char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN], line[160];
	unsigned char s6[16], d6[16];
	uint16_t sp, dp;
	int fam, n;

	if (!src && !dst)
		return copy_out(buf, cap, "PROXY UNKNOWN\r\n", 15);
	if (!src || !dst)
		return -EINVAL;
	if (get_v6(src, s6, &sp) || get_v6(dst, d6, &dp))
		return -EAFNOSUPPORT;
	fam = both_v4(src, dst) ? AF_INET : AF_INET6;
	/* The mapped form keeps the IPv4 address in its last 4 bytes. */
	inet_ntop(fam, fam == AF_INET ? s6 + 12 : s6, sa, sizeof(sa));
	inet_ntop(fam, fam == AF_INET ? d6 + 12 : d6, da, sizeof(da));
	n = snprintf(line, sizeof(line), "PROXY %s %s %s %u %u\r\n",
		     fam == AF_INET ? "TCP4" : "TCP6", sa, da, ntohs(sp), ntohs(dp));
	if (n < 0 || n > PP_V1_MAX_LEN)
		return -EINVAL;
	return copy_out(buf, cap, line, (size_t)n);
}

static void put_be16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

int pp_encode_v2(void *buf, size_t cap, enum pp_cmd cmd, int socktype,
		 const struct sockaddr_storage *src, const struct sockaddr_storage *dst)
{
	unsigned char h[PP_V2_HDR_LEN + V2_ADDR6_LEN], s6[16], d6[16];
	uint16_t sp, dp, alen = 0;
	unsigned char fam = V2_FAM_UNSPEC;

	if (cmd != PP_CMD_LOCAL && cmd != PP_CMD_PROXY)
		return -EINVAL;
	memcpy(h, v2_sig, sizeof(v2_sig));
	h[12] = V2_VERSION | (unsigned char)cmd;
	if (cmd == PP_CMD_PROXY && (src || dst)) {
		if (!src || !dst)
			return -EINVAL;
		if (socktype != SOCK_STREAM && socktype != SOCK_DGRAM)
			return -EINVAL;
		if (get_v6(src, s6, &sp) || get_v6(dst, d6, &dp))
			return -EAFNOSUPPORT;
		fam = socktype == SOCK_STREAM ? V2_TR_STREAM : V2_TR_DGRAM;
		if (both_v4(src, dst)) {
			fam |= V2_FAM_INET;
			memcpy(h + 16, s6 + 12, 4);
			memcpy(h + 20, d6 + 12, 4);
			alen = V2_ADDR4_LEN;
		} else {
			fam |= V2_FAM_INET6;
			memcpy(h + 16, s6, 16);
			memcpy(h + 32, d6, 16);
			alen = V2_ADDR6_LEN;
		}
		/* Ports are already in network order. */
		memcpy(h + 16 + alen - 4, &sp, 2);
		memcpy(h + 16 + alen - 2, &dp, 2);
	}
	h[13] = fam;
	put_be16(h + 14, alen);
	return copy_out(buf, cap, h, PP_V2_HDR_LEN + alen);
}

/* ---- decoding ---- */

static int invalid(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EINVAL;
}

static int more(size_t *need, size_t total)
{
	if (need)
		*need = total;
	return -EAGAIN;
}

/* "0".."65535", no sign, no leading zero. */
static int parse_port(const char *s, uint16_t *port_be)
{
	unsigned long v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*port_be = htons((uint16_t)v);
	return 0;
}

/* Splits s at single spaces into exactly n non-empty tokens. */
static int split_tokens(char *s, char **tok, int n)
{
	for (int i = 0; i < n; i++) {
		char *sp = strchr(s, ' ');

		if ((sp == NULL) != (i == n - 1))
			return -EINVAL;
		if (sp)
			*sp = '\0';
		if (!*s)
			return -EINVAL;
		tok[i] = s;
		s = sp ? sp + 1 : s;
	}
	return 0;
}

static int set_addr(struct sockaddr_storage *ss, int fam, const char *a, uint16_t port_be)
{
	unsigned char raw[16];

	if (inet_pton(fam, a, raw) != 1)
		return -EINVAL;
	if (fam == AF_INET)
		set_v4(ss, raw, port_be);
	else
		set_v6(ss, raw, port_be);
	return 0;
}

/* The text between "PROXY " and CRLF, NUL-terminated in line. */
static int parse_v1_line(char *line, struct pp_header *out, const char **why)
{
	char *tok[4];
	uint16_t sp, dp;
	int fam;

	if (strncmp(line, "UNKNOWN", 7) == 0 && (line[7] == '\0' || line[7] == ' '))
		return 0;	/* the rest, if any, is ignored by the spec */
	if (strncmp(line, "TCP4 ", 5) == 0)
		fam = AF_INET;
	else if (strncmp(line, "TCP6 ", 5) == 0)
		fam = AF_INET6;
	else
		return invalid(why, "v1: protocol is not TCP4, TCP6 or UNKNOWN");
	if (split_tokens(line + 5, tok, 4))
		return invalid(why, "v1: expected exactly 4 fields separated by single spaces");
	if (set_addr(&out->src, fam, tok[0], 0))
		return invalid(why, "v1: bad source address");
	if (set_addr(&out->dst, fam, tok[1], 0))
		return invalid(why, "v1: bad destination address");
	if (parse_port(tok[2], &sp))
		return invalid(why, "v1: bad source port");
	if (parse_port(tok[3], &dp))
		return invalid(why, "v1: bad destination port");
	((struct sockaddr_in *)&out->src)->sin_port = sp;	/* same offset in sin6 */
	((struct sockaddr_in *)&out->dst)->sin_port = dp;
	out->family = fam;
	out->socktype = SOCK_STREAM;
	return 0;
}

/* Length of the v1 line with CRLF, 0 if not complete yet, or -EINVAL. */
static int v1_line_end(const unsigned char *b, size_t len, const char **why)
{
	size_t n = len < PP_V1_MAX_LEN ? len : PP_V1_MAX_LEN;

	for (size_t i = 0; i < n; i++) {
		if (b[i] == '\r') {
			if (i + 2 > PP_V1_MAX_LEN)
				return invalid(why, "v1: no CRLF within 107 bytes");
			if (i + 1 == len)
				return 0;
			if (b[i + 1] != '\n')
				return invalid(why, "v1: CR not followed by LF");
			return (int)(i + 2);
		}
		if (b[i] < 0x20 || b[i] > 0x7e)
			return invalid(why, "v1: byte outside printable US-ASCII");
	}
	if (len >= PP_V1_MAX_LEN)
		return invalid(why, "v1: no CRLF within 107 bytes");
	return 0;
}

static int decode_v1(const unsigned char *b, size_t len, struct pp_header *out,
		     size_t *need, const char **why)
{
	char line[PP_V1_MAX_LEN + 1];
	int end;

	if (memcmp(b, v1_magic, len < V1_MAGIC_LEN ? len : V1_MAGIC_LEN))
		return invalid(why, "not a PROXY protocol header");
	end = v1_line_end(b, len, why);
	if (end <= 0)
		return end < 0 ? end : more(need, 0);
	if ((size_t)end < V1_MAGIC_LEN + 2)
		return invalid(why, "v1: line too short");
	memcpy(line, b + V1_MAGIC_LEN, (size_t)end - V1_MAGIC_LEN - 2);
	line[end - V1_MAGIC_LEN - 2] = '\0';
	memset(out, 0, sizeof(*out));
	out->version = 1;
	out->cmd = PP_CMD_PROXY;
	if (parse_v1_line(line, out, why)) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	return end;
}

/* Every TLV in [off, end) must fit exactly: type, 16-bit length, value. */
static int check_tlvs(const unsigned char *b, size_t off, size_t end, const char **why)
{
	while (off < end) {
		size_t vlen;

		if (end - off < 3)
			return invalid(why, "v2: truncated TLV header");
		vlen = (size_t)b[off + 1] << 8 | b[off + 2];
		if (vlen > end - off - 3)
			return invalid(why, "v2: TLV overruns the header");
		off += 3 + vlen;
	}
	return 0;
}

/* Address block length for a PROXY family byte; 0 for UNSPEC; <0 invalid. */
static int v2_addr_len(unsigned char fam, const char **why)
{
	switch (fam) {
	case V2_FAM_UNSPEC:
		return 0;
	case V2_FAM_INET | V2_TR_STREAM:
	case V2_FAM_INET | V2_TR_DGRAM:
		return V2_ADDR4_LEN;
	case V2_FAM_INET6 | V2_TR_STREAM:
	case V2_FAM_INET6 | V2_TR_DGRAM:
		return V2_ADDR6_LEN;
	case V2_FAM_UNIX | V2_TR_STREAM:
	case V2_FAM_UNIX | V2_TR_DGRAM:
		return invalid(why, "v2: AF_UNIX addresses are not supported");
	}
	return invalid(why, "v2: bad address family/transport byte");
}

static void fill_v2_addrs(const unsigned char *b, unsigned char fam, struct pp_header *out)
{
	const unsigned char *a = b + PP_V2_HDR_LEN;
	uint16_t sp, dp;

	out->socktype = (fam & 0x0f) == V2_TR_STREAM ? SOCK_STREAM : SOCK_DGRAM;
	if ((fam & 0xf0) == V2_FAM_INET) {
		memcpy(&sp, a + 8, 2);
		memcpy(&dp, a + 10, 2);
		set_v4(&out->src, a, sp);
		set_v4(&out->dst, a + 4, dp);
		out->family = AF_INET;
	} else {
		memcpy(&sp, a + 32, 2);
		memcpy(&dp, a + 34, 2);
		set_v6(&out->src, a, sp);
		set_v6(&out->dst, a + 16, dp);
		out->family = AF_INET6;
	}
}

/* The fixed 16 bytes, checked as far as they have arrived. */
static int check_v2_prefix(const unsigned char *b, size_t len, int *alen, const char **why)
{
	if (memcmp(b, v2_sig, len < sizeof(v2_sig) ? len : sizeof(v2_sig)))
		return invalid(why, "not a PROXY protocol header");
	if (len > 12 && (b[12] & 0xf0) != V2_VERSION)
		return invalid(why, "v2: version is not 2");
	if (len > 12 && (b[12] & 0x0f) > PP_CMD_PROXY)
		return invalid(why, "v2: command is not LOCAL or PROXY");
	*alen = 0;
	/* LOCAL: the receiver discards the block, family included. */
	if (len > 13 && (b[12] & 0x0f) == PP_CMD_PROXY)
		*alen = v2_addr_len(b[13], why);
	return *alen < 0 ? -EINVAL : 0;
}

static int decode_v2(const unsigned char *b, size_t len, struct pp_header *out,
		     size_t *need, const char **why)
{
	size_t total;
	int alen;

	if (check_v2_prefix(b, len, &alen, why))
		return -EINVAL;
	if (len < PP_V2_HDR_LEN)
		return more(need, PP_V2_HDR_LEN);
	total = PP_V2_HDR_LEN + ((size_t)b[14] << 8 | b[15]);
	if (total < PP_V2_HDR_LEN + (size_t)alen)
		return invalid(why, "v2: length too short for the address family");
	if (len < total)
		return more(need, total);
	if (alen && check_tlvs(b, PP_V2_HDR_LEN + (size_t)alen, total, why))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->version = 2;
	out->cmd = (enum pp_cmd)(b[12] & 0x0f);
	if (alen)
		fill_v2_addrs(b, b[13], out);
	return (int)total;
}

int pp_decode(const void *buf, size_t len, struct pp_header *out,
	      size_t *need, const char **why)
{
	const unsigned char *b = buf;

	if (need)
		*need = 0;
	if (len == 0)
		return -EAGAIN;
	if (b[0] == v1_magic[0])
		return decode_v1(b, len, out, need, why);
	if (b[0] == v2_sig[0])
		return decode_v2(b, len, out, need, why);
	return invalid(why, "not a PROXY protocol header");
}
