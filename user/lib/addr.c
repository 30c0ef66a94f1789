// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Address and CIDR parsing/printing; see addr.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"

static const unsigned char v4_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

bool addr_is_v4(const struct aegis_addr *a)
{
	return memcmp(a, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0;
}

bool addr_is_loopback(const struct aegis_addr *a)
{
	static const unsigned char v6_lo[16] = { [15] = 1 };

	if (addr_is_v4(a))
		return ((const unsigned char *)&a->w[3])[0] == 127;
	return !memcmp(a, v6_lo, sizeof(v6_lo));
}

void addr_from_ipv4(struct aegis_addr *a, unsigned int v4_be)
{
	memcpy(a, v4_mapped_prefix, sizeof(v4_mapped_prefix));
	a->w[3] = v4_be;
}

int addr_parse(const char *s, struct aegis_addr *out)
{
	struct in_addr v4;

	if (!s || !*s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &v4) == 1) {
		addr_from_ipv4(out, v4.s_addr);
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1)
		return 0;
	return -EINVAL;
}

static int parse_prefix(const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '+' || *s == '-' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool host_bits_zero(const struct aegis_addr *a, unsigned int plen)
{
	const unsigned char *b = (const unsigned char *)a;

	for (unsigned int bit = plen; bit < 128; bit++)
		if (b[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

int addr_parse_cidr(const char *s, struct aegis_lpm_key *out, bool allow_host_bits)
{
	char buf[ADDR_STRLEN];
	const char *slash;
	unsigned int plen;
	size_t n;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (addr_parse(buf, &out->addr))
		return -EINVAL;

	bool v4 = strchr(buf, ':') == NULL;
	if (!slash)
		plen = v4 ? 32 : 128;
	else if (parse_prefix(slash + 1, v4 ? 32 : 128, &plen))
		return -EINVAL;
	out->prefixlen = v4 ? plen + 96 : plen;
	if (!allow_host_bits && !host_bits_zero(&out->addr, out->prefixlen))
		return -EINVAL;
	return 0;
}

const char *addr_format(const struct aegis_addr *a, char *buf, size_t len)
{
	if (addr_is_v4(a))
		inet_ntop(AF_INET, &a->w[3], buf, len);
	else
		inet_ntop(AF_INET6, a, buf, len);
	return buf;
}

const char *addr_format_cidr(const struct aegis_lpm_key *k, char *buf, size_t len)
{
	char a[ADDR_STRLEN];
	unsigned int plen = k->prefixlen;

	addr_format(&k->addr, a, sizeof(a));
	if (addr_is_v4(&k->addr) && plen >= 96)
		plen -= 96;
	snprintf(buf, len, "%s/%u", a, plen);
	return buf;
}

bool addr_in_cidr(const struct aegis_addr *a, const struct aegis_lpm_key *k)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)&k->addr;
	unsigned int plen = k->prefixlen > 128 ? 128 : k->prefixlen;
	unsigned int full = plen / 8, rest = plen % 8;

	if (memcmp(x, y, full))
		return false;
	if (!rest)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (x[full] & mask) == (y[full] & mask);
}
