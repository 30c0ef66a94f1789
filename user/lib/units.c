// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Durations and counts as operators write them; see units.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/units.h"

/* Parses leading decimal digits; rejects signs, spaces and empty input. */
static int parse_digits(const char **s, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = *s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*out = v;
	return 0;
}

static int mul_checked(uint64_t v, uint64_t m, uint64_t *out)
{
	if (m && v > UINT64_MAX / m)
		return -ERANGE;
	*out = v * m;
	return 0;
}

int units_parse_duration_ms(const char *s, uint64_t *ms)
{
	static const struct { const char *sfx; uint64_t mul; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	uint64_t v;
	int ret;

	if (!s)
		return -EINVAL;
	ret = parse_digits(&s, &v);
	if (ret == -ERANGE) {
		while (isdigit((unsigned char)*s))
			s++;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(s, units[i].sfx) == 0)
				return -ERANGE;	/* a number too long, not a typo */
		return -EINVAL;
	}
	if (ret)
		return ret;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s, units[i].sfx) == 0) {
			uint64_t out;

			ret = mul_checked(v, units[i].mul, &out);
			if (!ret && out > UNITS_MAX_DURATION_MS)
				ret = -ERANGE;
			if (!ret)
				*ms = out;
			return ret;
		}
	return -EINVAL;
}

int units_parse_count(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v, mul = 1;
	int ret;

	if (!s)
		return -EINVAL;
	ret = parse_digits(&s, &v);
	if (ret)
		return ret;
	if (*s == 'k' || *s == 'K')
		mul = 1000;
	else if (*s == 'M')
		mul = 1000000;
	else if (*s == 'G')
		mul = 1000000000;
	else if (*s)
		return -EINVAL;
	if (*s && s[1])
		return -EINVAL;
	ret = mul_checked(v, mul, &v);
	if (ret)
		return ret;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

const char *units_format_duration_ms(uint64_t ms, char *buf, size_t len)
{
	static const struct { const char *sfx; uint64_t mul; } units[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 },
	};
	size_t off = 0;

	if (ms % 1000 || ms == 0) {
		snprintf(buf, len, ms ? "%llums" : "0s", (unsigned long long)ms);
		return buf;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < 4 && off < len; i++) {
		if (ms < units[i].mul)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%llu%s",
					(unsigned long long)(ms / units[i].mul), units[i].sfx);
		ms %= units[i].mul;
	}
	return buf;
}

int units_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
