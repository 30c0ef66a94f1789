// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/lib/units.c: durations and counts as operators write them. */
#include <criterion/criterion.h>
#include <errno.h>

#include "lib/units.h"

Test(units, durations)
{
	static const struct { const char *in; uint64_t ms; } ok[] = {
		{ "0", 0 }, { "90", 90000 }, { "250ms", 250 }, { "30s", 30000 },
		{ "10m", 600000 }, { "2h", 7200000 }, { "7d", 604800000 },
	};
	uint64_t ms;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert_eq(units_parse_duration_ms(ok[i].in, &ms), 0, "%s", ok[i].in);
		cr_assert_eq(ms, ok[i].ms, "%s", ok[i].in);
	}
}

Test(units, duration_rejects)
{
	static const char *bad[] = { "", "s", "-1", "+1", "1.5s", "1 s", "1x", "10mm", "1sm" };
	uint64_t ms;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(units_parse_duration_ms(bad[i], &ms), -EINVAL, "accepted '%s'", bad[i]);
	cr_assert_eq(units_parse_duration_ms("99999999999999999999d", &ms), -ERANGE);
	cr_assert_eq(units_parse_duration_ms("999999999999999999d", &ms), -ERANGE);
	cr_assert_eq(units_parse_duration_ms(NULL, &ms), -EINVAL);
}

Test(units, counts)
{
	uint64_t v;

	cr_assert_eq(units_parse_count("10k", 1000000, &v), 0);
	cr_assert_eq(v, 10000);
	cr_assert_eq(units_parse_count("5M", 10000000, &v), 0);
	cr_assert_eq(v, 5000000);
	cr_assert_eq(units_parse_count("1G", UINT64_MAX, &v), 0);
	cr_assert_eq(v, 1000000000);
	cr_assert_eq(units_parse_count("1001", 1000, &v), -ERANGE);
	cr_assert_eq(units_parse_count("1kk", 100000, &v), -EINVAL);
	cr_assert_eq(units_parse_count("k", 100000, &v), -EINVAL);
	cr_assert_eq(units_parse_count("-5", 100000, &v), -EINVAL);
	cr_assert_eq(units_parse_count("18446744073709551615G", UINT64_MAX, &v), -ERANGE);
}

Test(units, format)
{
	char buf[32];

	cr_assert_str_eq(units_format_duration_ms(0, buf, sizeof(buf)), "0s");
	cr_assert_str_eq(units_format_duration_ms(250, buf, sizeof(buf)), "250ms");
	cr_assert_str_eq(units_format_duration_ms(90000, buf, sizeof(buf)), "1m30s");
	cr_assert_str_eq(units_format_duration_ms(93600000, buf, sizeof(buf)), "1d2h");
}
