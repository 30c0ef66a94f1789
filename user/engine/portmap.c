// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Origin -> upstream port mapping; see portmap.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>

#include "lib/errbuf.h"
#include "engine/portmap.h"

/* 1..65535, digits only; advances *s past the digits. */
static int parse_port(const char **s, uint16_t *out)
{
	const char *p = *s;
	unsigned long v = 0;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return -ERANGE;
	}
	if (v == 0)
		return -ERANGE;
	*s = p;
	*out = (uint16_t)v;
	return 0;
}

int portmap_parse_range(const char *s, struct portmap_range *out)
{
	struct portmap_range r;
	int ret;

	if (!s)
		return -EINVAL;
	ret = parse_port(&s, &r.lo);
	if (ret)
		return ret;
	r.hi = r.lo;
	if (*s == '-' || *s == ':') {
		s++;
		ret = parse_port(&s, &r.hi);
		if (ret)
			return ret;
	}
	if (*s)
		return -EINVAL;
	if (r.lo > r.hi)
		return -ERANGE;
	*out = r;
	return 0;
}

unsigned int portmap_range_size(const struct portmap_range *r)
{
	return r->lo > r->hi ? 0 : (unsigned int)r->hi - r->lo + 1;
}

/* Every validation failure is -EINVAL with a sentence in err. */
#define fail(err, len, ...) (errbuf_set((err), (len), __VA_ARGS__), -EINVAL)

static int check_range(const struct portmap_range *r, const char *what,
		       char *err, size_t len)
{
	if (r->lo == 0 || r->hi == 0)
		return fail(err, len, "%s port 0 is not a valid port", what);
	if (r->lo > r->hi)
		return fail(err, len, "%s port range %u-%u is empty (low > high)",
			    what, r->lo, r->hi);
	return 0;
}

int portmap_validate(const struct portmap *pm, char *err, size_t errlen)
{
	unsigned int no, nu;
	int ret;

	if (pm->mode != PORTMAP_ONE_TO_ONE && pm->mode != PORTMAP_FAN_OUT)
		return fail(err, errlen, "unknown port mapping mode %d", (int)pm->mode);
	ret = check_range(&pm->origin, "origin", err, errlen);
	if (!ret)
		ret = check_range(&pm->upstream, "upstream", err, errlen);
	if (ret)
		return ret;
	if (pm->n_addrs == 0)
		return fail(err, errlen, "no upstream addresses");
	no = portmap_range_size(&pm->origin);
	nu = portmap_range_size(&pm->upstream);
	if (pm->mode == PORTMAP_ONE_TO_ONE && no != nu)
		return fail(err, errlen,
			    "one-to-one mapping needs equal ranges: origin %u-%u has %u port%s, upstream %u-%u has %u",
			    pm->origin.lo, pm->origin.hi, no, no == 1 ? "" : "s",
			    pm->upstream.lo, pm->upstream.hi, nu);
	if (portmap_target_count(pm) > PORTMAP_MAX_TARGETS)
		return fail(err, errlen,
			    "%u upstream addresses x %u upstream ports is %zu targets, more than %d",
			    pm->n_addrs, nu, portmap_target_count(pm), PORTMAP_MAX_TARGETS);
	return 0;
}

size_t portmap_target_count(const struct portmap *pm)
{
	if (pm->mode == PORTMAP_ONE_TO_ONE)
		return pm->n_addrs;
	return (size_t)pm->n_addrs * portmap_range_size(&pm->upstream);
}

int portmap_targets(const struct portmap *pm, uint16_t origin_port,
		    struct portmap_target *out, size_t cap)
{
	size_t n = 0, need;

	if (portmap_validate(pm, NULL, 0))
		return -EINVAL;
	if (origin_port < pm->origin.lo || origin_port > pm->origin.hi)
		return -ENOENT;
	need = portmap_target_count(pm);
	if (cap < need)
		return -ENOSPC;
	for (unsigned int a = 0; a < pm->n_addrs; a++) {
		if (pm->mode == PORTMAP_ONE_TO_ONE) {
			/* Positional: same offset into the upstream range. */
			out[n++] = (struct portmap_target){
				a, (uint16_t)(pm->upstream.lo + (origin_port - pm->origin.lo)) };
			continue;
		}
		for (unsigned int p = pm->upstream.lo; p <= pm->upstream.hi; p++)
			out[n++] = (struct portmap_target){ a, (uint16_t)p };
	}
	return (int)n;
}
