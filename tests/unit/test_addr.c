// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/lib/addr.c: addresses and CIDRs in both families. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "lib/addr.h"

static const char *roundtrip(const char *in, char *buf)
{
	struct aegis_lpm_key k;

	cr_assert_eq(addr_parse_cidr(in, &k, false), 0, "parse %s", in);
	return addr_format_cidr(&k, buf, ADDR_STRLEN);
}

Test(addr, ipv4_is_mapped)
{
	struct aegis_addr a;
	char buf[ADDR_STRLEN];

	cr_assert_eq(addr_parse("198.18.0.1", &a), 0);
	cr_assert(addr_is_v4(&a));
	cr_assert_eq(a.w[2], htonl(0xffff));
	cr_assert_eq(a.w[3], inet_addr("198.18.0.1"));
	cr_assert_str_eq(addr_format(&a, buf, sizeof(buf)), "198.18.0.1");
}

Test(addr, ipv6)
{
	struct aegis_addr a;
	char buf[ADDR_STRLEN];

	cr_assert_eq(addr_parse("2001:db8::1", &a), 0);
	cr_assert_not(addr_is_v4(&a));
	cr_assert_str_eq(addr_format(&a, buf, sizeof(buf)), "2001:db8::1");
}

Test(addr, cidr_prefix_lengths)
{
	struct aegis_lpm_key k;
	char buf[ADDR_STRLEN];

	cr_assert_eq(addr_parse_cidr("198.18.0.0/15", &k, false), 0);
	cr_assert_eq(k.prefixlen, 96 + 15);
	cr_assert_eq(addr_parse_cidr("2001:db8::/32", &k, false), 0);
	cr_assert_eq(k.prefixlen, 32);
	cr_assert_eq(addr_parse_cidr("198.18.0.7", &k, false), 0);
	cr_assert_eq(k.prefixlen, 128);
	cr_assert_str_eq(roundtrip("198.18.0.0/15", buf), "198.18.0.0/15");
	cr_assert_str_eq(roundtrip("2001:db8::/32", buf), "2001:db8::/32");
	cr_assert_str_eq(roundtrip("0.0.0.0/0", buf), "0.0.0.0/0");
	cr_assert_str_eq(roundtrip("::/0", buf), "::/0");
}

Test(addr, cidr_rejects)
{
	static const char *bad[] = {
		"", "/", "198.18.0.0/", "198.18.0.0/33", "2001:db8::/129", "198.18.0.1/24",
		"198.18.0.0/-1", "198.18.0.0/+8", "198.18.0.0/8x", "1.2.3", "1.2.3.4.5",
		"2001:db8::1/64", "gggg::/16", "198.18.0.0/ 8", " 198.18.0.0/8",
		"198.18.0.0/15/1", "999.18.0.0/15",
	};
	struct aegis_lpm_key k;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_neq(addr_parse_cidr(bad[i], &k, false), 0, "accepted '%s'", bad[i]);
	cr_assert_neq(addr_parse_cidr(NULL, &k, false), 0);
	cr_assert_eq(addr_parse_cidr("198.18.0.1/24", &k, true), 0, "host bits allowed on request");
}

Test(addr, in_cidr)
{
	struct aegis_lpm_key k;
	struct aegis_addr a;

	addr_parse_cidr("198.18.0.0/15", &k, false);
	addr_parse("198.19.255.255", &a);
	cr_assert(addr_in_cidr(&a, &k));
	addr_parse("198.20.0.0", &a);
	cr_assert_not(addr_in_cidr(&a, &k));
	addr_parse_cidr("2001:db8:8000::/33", &k, false);
	addr_parse("2001:db8:ffff::1", &a);
	cr_assert(addr_in_cidr(&a, &k));
	addr_parse("2001:db8:7fff::1", &a);
	cr_assert_not(addr_in_cidr(&a, &k));
}
