/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The PROXY protocol (HAProxy, versions 1 and 2): encoding the header the
 * proxy sends upstream so the game server sees the real client, and
 * decoding one received from a trusted load balancer in front of us.
 * Pure byte handling; addresses are struct sockaddr_storage with ports.
 *
 * Encoding: v1 is TCP only ("PROXY TCP4 ...\r\n", "PROXY TCP6 ...",
 * "PROXY UNKNOWN\r\n"); v2 carries TCP or UDP over IPv4 or IPv6, or the
 * LOCAL command (a health check from the proxy itself, no addresses).
 * If src and dst differ in family, IPv4 is sent as IPv4-mapped IPv6.
 *
 * Decoding is strict: v1 exact tokens with single spaces, at most 107
 * bytes with CRLF, addresses via inet_pton (no leading zeros), ports
 * 0..65535 without leading zeros; v2 version 2, command LOCAL or PROXY,
 * family/transport one of UNSPEC, TCP4, UDP4, TCP6, UDP6 (AF_UNIX is
 * refused), length at least the address block, TLVs bounds-checked and
 * skipped. LOCAL (v2) and UNKNOWN/UNSPEC mean "use the real endpoints".
 */
#ifndef AEGIS_PROXYPROTO_H
#define AEGIS_PROXYPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PP_V1_MAX_LEN	107		/* with CRLF, per the spec */
#define PP_V2_HDR_LEN	16		/* signature, ver/cmd, fam, len */
#define PP_V2_MAX_LEN	(16 + 65535)
/* Enough for any header we encode (v2 TCP6: 16 + 36). */
#define PP_ENCODE_MAX	PP_V1_MAX_LEN

enum pp_cmd {
	PP_CMD_LOCAL = 0,
	PP_CMD_PROXY = 1,
};

struct pp_header {
	int version;		/* 1 or 2 */
	enum pp_cmd cmd;	/* v1 is always PROXY */
	int family;		/* AF_INET, AF_INET6, or AF_UNSPEC: use real endpoints */
	int socktype;		/* SOCK_STREAM, SOCK_DGRAM, or 0 with AF_UNSPEC */
	struct sockaddr_storage src;	/* client; zeroed with AF_UNSPEC */
	struct sockaddr_storage dst;	/* address the client connected to */
};

/*
 * v1 into buf (not NUL-terminated). src and dst both NULL: "PROXY
 * UNKNOWN\r\n". Returns the length, -ENOSPC, or -EAFNOSUPPORT.
 */
int pp_encode_v1(void *buf, size_t cap, const struct sockaddr_storage *src,
		 const struct sockaddr_storage *dst);

/*
 * v2 into buf. PP_CMD_LOCAL ignores the rest; PP_CMD_PROXY with src and
 * dst NULL sends family UNSPEC. socktype is SOCK_STREAM or SOCK_DGRAM.
 * Returns the length, -ENOSPC, -EINVAL or -EAFNOSUPPORT.
 */
int pp_encode_v2(void *buf, size_t cap, enum pp_cmd cmd, int socktype,
		 const struct sockaddr_storage *src, const struct sockaddr_storage *dst);

/*
 * Decodes a v1 or v2 header from the first len received bytes.
 *   > 0           complete: that many bytes are the header, *out filled;
 *   -EAGAIN       a valid prefix, need more bytes: *need is the total
 *                 length needed if already known (v2), else 0;
 *   -EINVAL       not a valid header: *why says why (static string).
 * need and why may be NULL.
 */
int pp_decode(const void *buf, size_t len, struct pp_header *out,
	      size_t *need, const char **why);

#endif /* AEGIS_PROXYPROTO_H */
