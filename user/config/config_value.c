// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Scalar conversions and the table-driven mapping walker of the config
 * parser. Every value in a config file passes through here, so every
 * message about a bad value has one shape: "PATH: what is wrong".
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_priv.h"
#include "lib/addr.h"
#include "lib/units.h"

int cfg_oom(struct cfg_ctx *c)
{
	cfg_error(c, 0, "out of memory");
	return -ENOMEM;
}

int cfg_error(struct cfg_ctx *c, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!c->err || !c->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(c->err, c->errlen, "%s:%d: %s", c->name, line, msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->name, msg);
	return -EINVAL;
}

/*
 * Operator text echoed in a message: printable and cut to len - 4
 * characters plus "...", so hostile input cannot flood or garble a log.
 * len must be at least 4.
 */
const char *cfg_quote(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i < len - 4; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	strcpy(buf + i, s[i] ? "..." : "");
	return buf;
}

/* What was found instead of what a key needs: "a list", "'abc'". */
const char *cfg_describe(const struct cfg_node *v, char *buf, size_t len)
{
	char q[48];

	if (cfg_is_null(v))
		snprintf(buf, len, "nothing");
	else if (v->type == CFG_NODE_SEQ)
		snprintf(buf, len, "a list");
	else if (v->type == CFG_NODE_MAP)
		snprintf(buf, len, "a mapping");
	else
		snprintf(buf, len, "'%s'", cfg_quote(v->text, q, sizeof(q)));
	return buf;
}

bool cfg_is_null(const struct cfg_node *v)
{
	if (!v)
		return true;
	if (v->type != CFG_NODE_SCALAR || !v->plain)
		return false;
	return !v->text[0] || !strcmp(v->text, "~") || !strcasecmp(v->text, "null");
}

/* A truncated path still locates the error: the line number is exact. */
void cfg_path_join(char *out, const char *path, const char *key)
{
	snprintf(out, CFG_PATH_LEN, "%s%s%s", path, *path ? "." : "", key);
}

const struct cfg_node *cfg_map_find(const struct cfg_node *map, const char *key)
{
	if (!map || map->type != CFG_NODE_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n_kids; i += 2)
		if (map->kids[i]->type == CFG_NODE_SCALAR && !strcmp(map->kids[i]->text, key))
			return map->kids[i + 1];
	return NULL;
}

int cfg_need_scalar(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		    const char *what)
{
	char d[64];

	if (v->type == CFG_NODE_SCALAR && !cfg_is_null(v))
		return 0;
	return cfg_error(c, v->line, "%s: expected %s, found %s", path, what,
			 cfg_describe(v, d, sizeof(d)));
}

static int out_of_range(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
			uint64_t min, uint64_t max)
{
	char q[48];

	return cfg_error(c, v->line, "%s: '%s' is out of range (%llu-%llu)", path,
			 cfg_quote(v->text, q, sizeof(q)), (unsigned long long)min,
			 (unsigned long long)max);
}

static int negative(struct cfg_ctx *c, const struct cfg_node *v, const char *path)
{
	char q[48];

	return cfg_error(c, v->line, "%s: must not be negative, found '%s'", path,
			 cfg_quote(v->text, q, sizeof(q)));
}

/* A count: digits with an optional k/M/G (x1000) suffix. */
int cfg_get_count(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		  uint64_t min, uint64_t max, uint64_t *out)
{
	char d[64];
	uint64_t x;
	int ret;

	ret = cfg_need_scalar(c, v, path, "a number");
	if (ret)
		return ret;
	if (v->text[0] == '-')
		return negative(c, v, path);
	ret = units_parse_count(v->text, UINT64_MAX, &x);
	if (ret == -EINVAL)
		return cfg_error(c, v->line, "%s: expected a number, found %s", path,
				 cfg_describe(v, d, sizeof(d)));
	if (ret || x < min || x > max)
		return out_of_range(c, v, path, min, max);
	*out = x;
	return 0;
}

static int get_bool(struct cfg_ctx *c, const struct cfg_node *v, const char *path, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	char d[64];

	if (v->type == CFG_NODE_SCALAR) {
		for (size_t i = 0; i < CFG_ARRAY_SIZE(yes); i++) {
			if (!strcasecmp(v->text, yes[i]))
				return *out = true, 0;
			if (!strcasecmp(v->text, no[i]))
				return *out = false, 0;
		}
	}
	return cfg_error(c, v->line, "%s: expected true or false, found %s", path,
			 cfg_describe(v, d, sizeof(d)));
}

/* names is NULL-terminated; the index of the match is the value. */
int cfg_get_enum(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		 const char *const *names, int *out)
{
	char list[128] = "", d[64];
	size_t off = 0;

	if (v->type == CFG_NODE_SCALAR)
		for (int i = 0; names[i]; i++)
			if (!strcmp(v->text, names[i]))
				return *out = i, 0;
	for (int i = 0; names[i] && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
					i ? (names[i + 1] ? ", " : " or ") : "", names[i]);
	return cfg_error(c, v->line, "%s: expected %s, found %s", path, list,
			 cfg_describe(v, d, sizeof(d)));
}

/* A duration in ms, then checked in the target unit (1 ms or 1000 ms). */
static int get_duration(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
			uint64_t unit_ms, uint64_t min, uint64_t max, uint64_t *out)
{
	char d[64], lo[32], hi[32];
	uint64_t ms;
	int ret;

	ret = cfg_need_scalar(c, v, path, "a duration");
	if (ret)
		return ret;
	if (v->text[0] == '-')
		return negative(c, v, path);
	ret = units_parse_duration_ms(v->text, &ms);
	if (ret == -EINVAL)
		return cfg_error(c, v->line, "%s: expected a duration like 30s, 5m or 250ms, found %s",
				 path, cfg_describe(v, d, sizeof(d)));
	if (!ret && ms % unit_ms)
		return cfg_error(c, v->line, "%s: must be whole seconds, found %s", path,
				 cfg_describe(v, d, sizeof(d)));
	if (ret || ms / unit_ms < min || ms / unit_ms > max)
		return cfg_error(c, v->line, "%s: %s is out of range (%s-%s)", path,
				 cfg_describe(v, d, sizeof(d)),
				 units_format_duration_ms(min * unit_ms, lo, sizeof(lo)),
				 units_format_duration_ms(max * unit_ms, hi, sizeof(hi)));
	*out = ms / unit_ms;
	return 0;
}

int cfg_seq_check(struct cfg_ctx *c, const struct cfg_node *v, const char *path)
{
	char d[64];

	if (v->type == CFG_NODE_SEQ)
		return 0;
	return cfg_error(c, v->line, "%s: expected a list, found %s", path,
			 cfg_describe(v, d, sizeof(d)));
}

static int unknown_key(struct cfg_ctx *c, const struct cfg_node *k, const char *path,
		       const struct cfg_field *fields, size_t n)
{
	char list[256] = "", q[48];
	size_t off = 0;

	for (size_t i = 0; i < n && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
					i ? ", " : "", fields[i].key);
	return cfg_error(c, k->line, "unknown key '%s' %s%s (expected %s)",
			 cfg_quote(k->text, q, sizeof(q)), *path ? "in " : "at top level",
			 path, list);
}

static int find_field(const struct cfg_field *fields, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(fields[i].key, key))
			return (int)i;
	return -1;
}

/*
 * Walks a mapping in document order, handing each value to its field's
 * handler. seen (n entries, may be NULL) gets each present key's node so
 * callers can check required keys and point at a key's line.
 */
int cfg_map_walk(struct cfg_ctx *c, const struct cfg_node *map, const char *path,
		 const struct cfg_field *fields, size_t n, void *obj,
		 const struct cfg_node **seen)
{
	const struct cfg_node *keys[CFG_MAX_KEYS] = { 0 };
	char sub[CFG_PATH_LEN], d[64];
	int ret;

	assert(n <= CFG_MAX_KEYS);
	if (seen)
		memset(seen, 0, n * sizeof(*seen));
	if (cfg_is_null(map))
		return 0;
	if (map->type != CFG_NODE_MAP)
		return cfg_error(c, map->line, "%s: expected a mapping, found %s",
				 *path ? path : "top level", cfg_describe(map, d, sizeof(d)));
	for (size_t i = 0; i + 1 < map->n_kids; i += 2) {
		const struct cfg_node *k = map->kids[i], *v = map->kids[i + 1];
		int idx;

		if (k->type != CFG_NODE_SCALAR)
			return cfg_error(c, k->line, "%s: keys must be plain words, found %s",
					 *path ? path : "top level", cfg_describe(k, d, sizeof(d)));
		idx = find_field(fields, n, k->text);
		if (idx < 0)
			return unknown_key(c, k, path, fields, n);
		if (keys[idx])
			return cfg_error(c, k->line, "duplicate key '%s' (first at line %d)",
					 k->text, keys[idx]->line);
		keys[idx] = k;
		cfg_path_join(sub, path, fields[idx].key);
		ret = fields[idx].fn(c, &fields[idx], v, sub, obj);
		if (ret)
			return ret;
	}
	if (seen)
		memcpy(seen, keys, n * sizeof(*seen));
	return 0;
}

/* Digits only: the callers give their own message for anything else. */
static int parse_port(const char *s, const char **end, unsigned long *out)
{
	unsigned long v = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++)
		if ((v = v * 10 + (unsigned long)(*s - '0')) > 65535)
			v = 65536;	/* saturate: reported as out of range */
	*end = s;
	*out = v;
	return 0;
}

/* 25565 or "27015-27020" (spaces around the dash allowed). */
int cfg_get_port_range(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
			  struct cfg_port_range *r)
{
	const char *s, *e;
	unsigned long lo, hi;
	char d[64];
	int ret;

	ret = cfg_need_scalar(c, v, path, "a port or a 'lo-hi' range");
	if (ret)
		return ret;
	s = v->text;
	if (*s == '-')
		return cfg_error(c, v->line, "%s: ports must not be negative, found %s", path,
				 cfg_describe(v, d, sizeof(d)));
	if (parse_port(s, &e, &lo))
		goto bad;
	hi = lo;
	while (*e == ' ')
		e++;
	if (*e == '-') {
		for (e++; *e == ' '; e++)
			;
		if (parse_port(e, &e, &hi))
			goto bad;
	}
	if (*e)
		goto bad;
	if (!lo || lo > 65535 || !hi || hi > 65535)
		return cfg_error(c, v->line, "%s: port %s is out of range (1-65535)", path,
				 cfg_describe(v, d, sizeof(d)));
	if (lo > hi)
		return cfg_error(c, v->line, "%s: range %s starts above its end", path,
				 cfg_describe(v, d, sizeof(d)));
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
bad:
	return cfg_error(c, v->line, "%s: expected a port or a 'lo-hi' range, found %s", path,
			 cfg_describe(v, d, sizeof(d)));
}

static void store_uint(void *dst, size_t size, uint64_t v)
{
	switch (size) {
	case 1: *(uint8_t *)dst = (uint8_t)v; break;
	case 2: *(uint16_t *)dst = (uint16_t)v; break;
	case 4: *(uint32_t *)dst = (uint32_t)v; break;
	default: *(uint64_t *)dst = v; break;
	}
}

int cfg_set_bool(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		 const char *path, void *obj)
{
	return get_bool(c, v, path, (bool *)((char *)obj + f->off));
}

int cfg_set_uint(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		 const char *path, void *obj)
{
	uint64_t x;
	int ret = cfg_get_count(c, v, path, f->min, f->max, &x);

	if (!ret)
		store_uint((char *)obj + f->off, f->size, x);
	return ret;
}

int cfg_set_secs(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		 const char *path, void *obj)
{
	uint64_t x;
	int ret = get_duration(c, v, path, 1000, f->min, f->max, &x);

	if (!ret)
		*(uint32_t *)((char *)obj + f->off) = (uint32_t)x;
	return ret;
}

int cfg_set_msecs(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		  const char *path, void *obj)
{
	uint64_t x;
	int ret = get_duration(c, v, path, 1, f->min, f->max, &x);

	if (!ret)
		*(uint32_t *)((char *)obj + f->off) = (uint32_t)x;
	return ret;
}

static int store_str(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		     const char *path, void *obj)
{
	size_t len = strlen(v->text);

	if (len >= f->size)
		return cfg_error(c, v->line, "%s: longer than %zu characters", path, f->size - 1);
	memcpy((char *)obj + f->off, v->text, len + 1);
	return 0;
}

/* Any string; null (nothing after the colon) is the empty string. */
int cfg_set_str(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		const char *path, void *obj)
{
	int ret;

	if (cfg_is_null(v)) {
		*((char *)obj + f->off) = '\0';
		return 0;
	}
	ret = cfg_need_scalar(c, v, path, "a string");
	return ret ? ret : store_str(c, f, v, path, obj);
}

/* The daemon's own directories: relative paths would depend on its cwd. */
int cfg_set_path(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		 const char *path, void *obj)
{
	char d[64];
	int ret = cfg_need_scalar(c, v, path, "an absolute path");

	if (ret)
		return ret;
	if (v->text[0] != '/')
		return cfg_error(c, v->line, "%s: expected an absolute path, found %s", path,
				 cfg_describe(v, d, sizeof(d)));
	return store_str(c, f, v, path, obj);
}

int cfg_set_enum(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		 const char *path, void *obj)
{
	int x, ret = cfg_get_enum(c, v, path, f->names, &x);

	if (!ret)
		*(int *)((char *)obj + f->off) = x;
	return ret;
}

static const struct cfg_field limit_fields[] = {
	CFG_UINT("rate", struct cfg_limit, rate, 0, AEGIS_MAX_RATE),
	CFG_UINT("burst", struct cfg_limit, burst, 1, AEGIS_MAX_BURST),
};

/*
 * "N" or {rate: N, burst: M}. A burst left out equals the rate (one
 * second's worth), capped at AEGIS_MAX_BURST so big byte rates need no
 * explicit burst.
 */
int cfg_set_limit(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		  const char *path, void *obj)
{
	const struct cfg_node *seen[CFG_ARRAY_SIZE(limit_fields)];
	struct cfg_limit l = { 0 };
	uint64_t rate;
	char d[64];
	int ret;

	if (v->type == CFG_NODE_SEQ || cfg_is_null(v))
		return cfg_error(c, v->line, "%s: expected a rate or {rate, burst}, found %s",
				 path, cfg_describe(v, d, sizeof(d)));
	if (v->type == CFG_NODE_SCALAR) {
		ret = cfg_get_count(c, v, path, 0, AEGIS_MAX_RATE, &rate);
		if (ret)
			return ret;
		l.rate = (uint32_t)rate;
	} else {
		ret = cfg_map_walk(c, v, path, limit_fields, CFG_ARRAY_SIZE(limit_fields), &l,
				   seen);
		if (ret)
			return ret;
		if (!seen[0])
			return cfg_error(c, v->line, "%s: missing 'rate'", path);
	}
	if (!l.burst || v->type == CFG_NODE_SCALAR)
		l.burst = l.rate < AEGIS_MAX_BURST ? l.rate : AEGIS_MAX_BURST;
	if (!l.rate)
		l.burst = 0;
	*(struct cfg_limit *)((char *)obj + f->off) = l;
	return 0;
}

int cfg_set_section(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		    const char *path, void *obj)
{
	return cfg_map_walk(c, v, path, f->sub, f->n_sub, obj, NULL);
}

bool cfg_name_valid(const char *s, size_t max_len)
{
	size_t n = strlen(s);

	if (!n || n >= max_len)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

/* Trusted load balancers, HTTP proxies' trusted lists: CIDRs as in allow/deny. */
int cfg_get_cidrs(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		  struct aegis_lpm_key **out, size_t *n)
{
	struct aegis_lpm_key *keys;
	char d[64], net[ADDR_STRLEN];
	int *lines, ret = 0;

	if (cfg_is_null(v))
		return 0;
	if ((ret = cfg_seq_check(c, v, path)) || !v->n_kids)
		return ret;
	*out = keys = calloc(v->n_kids, sizeof(*keys));
	lines = calloc(v->n_kids, sizeof(*lines));
	if (!keys || !lines) {
		free(lines);
		return cfg_oom(c);
	}
	for (size_t i = 0; !ret && i < v->n_kids; i++) {
		const struct cfg_node *k = v->kids[i];
		struct aegis_lpm_key *key = &keys[i];

		if ((ret = cfg_need_scalar(c, k, path, "an address or CIDR")))
			break;
		lines[i] = k->line;
		if (addr_parse_cidr(k->text, key, false)) {
			if (addr_parse_cidr(k->text, key, true)) {
				ret = cfg_error(c, k->line, "%s: %s is not a valid address or CIDR", path,
						cfg_describe(k, d, sizeof(d)));
				break;
			}
			for (unsigned int bit = key->prefixlen; bit < 128; bit++)
				((unsigned char *)&key->addr)[bit / 8] &= (unsigned char)~(0x80 >> (bit % 8));
			ret = cfg_error(c, k->line, "%s: %s has host bits set (the network is %s)", path,
					cfg_describe(k, d, sizeof(d)),
					addr_format_cidr(key, net, sizeof(net)));
			break;
		}
		for (size_t j = 0; j < i; j++) {
			if (!memcmp(key, &keys[j], sizeof(*key))) {
				ret = cfg_error(c, k->line, "%s: %s is listed twice (first at line %d)",
						path, cfg_describe(k, d, sizeof(d)), lines[j]);
				break;
			}
		}
		*n = i + 1;
	}
	free(lines);
	return ret;
}

/* *(void **)dst = a copy of n elements of src (NULL when there are none). */
int cfg_dup_array(void *dst, const void *src, size_t n, size_t size)
{
	void *d = NULL;

	if (n && src) {
		if (!(d = malloc(n * size)))
			return -ENOMEM;
		memcpy(d, src, n * size);
	}
	memcpy(dst, &d, sizeof(d));
	return 0;
}
