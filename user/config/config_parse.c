// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The config schema above policies: one cfg_field table per YAML mapping,
 * handlers for values that are more than a number or a word (interfaces,
 * CIDR lists, reflection ports), and the checks that span several keys
 * (min <= max, duplicates, allow vs deny). Policies: config_policy.c,
 * proxies: proxy_config.c.
 * docs/CONFIG.md describes the same schema for operators; keep in step.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "config/config_priv.h"
#include "config/http_cfg.h"
#include "config/proxy_config.h"

#define C struct aegis_config

static const char *const xdp_modes[] = { "auto", "native", "generic", NULL };
static const char *const log_formats[] = { "text", "json", NULL };
static const char *const log_levels[] = { "debug", "info", "warn", "error", NULL };

static uint64_t load_uint(const void *p, size_t size)
{
	switch (size) {
	case 1: return *(const uint8_t *)p;
	case 2: return *(const uint16_t *)p;
	case 4: return *(const uint32_t *)p;
	default: return *(const uint64_t *)p;
	}
}

/* {min, max} where 0 means unchecked: both set must not cross. */
static int set_range(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		     const char *path, void *obj)
{
	uint64_t lo, hi;
	int ret;

	ret = cfg_map_walk(c, v, path, f->sub, f->n_sub, obj, NULL);
	if (ret)
		return ret;
	lo = load_uint((char *)obj + f->sub[0].off, f->sub[0].size);
	hi = load_uint((char *)obj + f->sub[1].off, f->sub[1].size);
	if (lo && hi && lo > hi)
		return cfg_error(c, v->line, "%s: min %llu is greater than max %llu", path,
				 (unsigned long long)lo, (unsigned long long)hi);
	return 0;
}

#define CFG_RANGE(k, table) \
	{ .key = k, .fn = set_range, .sub = table, .n_sub = CFG_ARRAY_SIZE(table) }

/* ---- sanity ---- */

static int set_refl_ports(struct cfg_ctx *c, const struct cfg_field *f,
			  const struct cfg_node *v, const char *path, void *obj)
{
	struct aegis_config *cfg = obj;
	uint64_t bits[AEGIS_REFL_WORDS] = { 0 };
	struct cfg_port_range r;
	uint16_t *ports = NULL;
	size_t n = 0;
	int ret;

	(void)f;
	if (!cfg_is_null(v) && (ret = cfg_seq_check(c, v, path)))
		return ret;
	for (size_t i = 0; !cfg_is_null(v) && i < v->n_kids; i++) {
		ret = cfg_get_port_range(c, v->kids[i], path, &r);
		if (ret)
			return ret;
		for (unsigned int p = r.lo; p <= r.hi; p++) {
			if (bits[p / 64] & (1ull << (p % 64)))
				return cfg_error(c, v->kids[i]->line, "%s: port %u is listed twice",
						 path, p);
			bits[p / 64] |= 1ull << (p % 64);
			n++;
		}
	}
	if (n && !(ports = malloc(n * sizeof(*ports))))
		return cfg_oom(c);
	n = 0;
	for (unsigned int p = 1; ports && p < 65536; p++)
		if (bits[p / 64] & (1ull << (p % 64)))
			ports[n++] = (uint16_t)p;
	free(cfg->sanity.refl_ports);
	cfg->sanity.refl_ports = ports;
	cfg->sanity.n_refl_ports = n;
	return 0;
}

static const struct cfg_field refl_fields[] = {
	CFG_BOOL("enabled", C, sanity.reflection),
	CFG_CUSTOM("ports", set_refl_ports),
};

/* reflection: false is short for reflection: { enabled: false }. */
static int set_reflection(struct cfg_ctx *c, const struct cfg_field *f,
			  const struct cfg_node *v, const char *path, void *obj)
{
	static const struct cfg_field as_bool = CFG_BOOL("", C, sanity.reflection);

	(void)f;
	if (v->type == CFG_NODE_SCALAR && !cfg_is_null(v))
		return cfg_set_bool(c, &as_bool, v, path, obj);
	return cfg_map_walk(c, v, path, refl_fields, CFG_ARRAY_SIZE(refl_fields), obj, NULL);
}

static const struct cfg_field ttl_fields[] = {
	CFG_UINT("min", C, sanity.ttl_min, 0, 255),
	CFG_UINT("max", C, sanity.ttl_max, 0, 255),
};

static const struct cfg_field pkt_fields[] = {
	CFG_UINT("min", C, sanity.pkt_len_min, 0, 65535),
	CFG_UINT("max", C, sanity.pkt_len_max, 0, 65535),
};

static const struct cfg_field udp_fields[] = {
	CFG_UINT("min", C, sanity.udp_payload_min, 0, 65535),
	CFG_UINT("max", C, sanity.udp_payload_max, 0, 65535),
};

static const struct cfg_field sanity_fields[] = {
	CFG_BOOL("drop_malformed", C, sanity.drop_malformed),
	CFG_BOOL("drop_fragments", C, sanity.drop_fragments),
	CFG_BOOL("tcp_flags", C, sanity.tcp_flags),
	CFG_RANGE("ttl", ttl_fields),
	CFG_RANGE("packet_size", pkt_fields),
	CFG_RANGE("udp_payload", udp_fields),
	CFG_CUSTOM("reflection", set_reflection),
};

/* ---- log, events, maps ---- */

static const struct cfg_field log_fields[] = {
	CFG_ENUM("format", C, log_format, log_formats),
	CFG_ENUM("level", C, log_level, log_levels),
	CFG_SECS("status_interval", C, status_interval_s, 0, CFG_MAX_STATUS_INTERVAL_S),
};

static const struct cfg_field event_fields[] = {
	CFG_UINT("rate", C, events.limit.rate, 0, AEGIS_MAX_RATE),
	CFG_UINT("burst", C, events.limit.burst, 1, AEGIS_MAX_BURST),
	CFG_BOOL("summary", C, events.summary),
	CFG_STR("output", C, events.output),
};

/*
 * Ring bytes: the size must be a power of two, so k/M/G here are 1024
 * multiples ("256k" = 262144), unlike the decimal suffixes of counts.
 * Saturates above CFG_MAX_EVENT_RING rather than overflowing.
 */
static int parse_ring_bytes(const char *s, uint64_t *out)
{
	static const struct { const char *sfx; unsigned int shift; } sfx[] = {
		{ "", 0 }, { "k", 10 }, { "K", 10 }, { "KiB", 10 }, { "M", 20 },
		{ "MiB", 20 }, { "G", 30 }, { "GiB", 30 },
	};
	const char *p = s;
	uint64_t x = 0;

	for (; isdigit((unsigned char)*p); p++)
		x = x > CFG_MAX_EVENT_RING ? x : x * 10 + (uint64_t)(*p - '0');
	if (p == s)
		return -EINVAL;
	for (size_t i = 0; i < CFG_ARRAY_SIZE(sfx); i++) {
		if (!strcmp(p, sfx[i].sfx)) {
			*out = x > CFG_MAX_EVENT_RING ? x : x << sfx[i].shift;
			return 0;
		}
	}
	return -EINVAL;
}

static int set_event_ring(struct cfg_ctx *c, const struct cfg_field *f,
			  const struct cfg_node *v, const char *path, void *obj)
{
	struct aegis_config *cfg = obj;
	uint64_t x;
	char d[64];
	int ret;

	(void)f;
	ret = cfg_need_scalar(c, v, path, "a size in bytes");
	if (ret)
		return ret;
	cfg_describe(v, d, sizeof(d));
	if (v->text[0] == '-')
		return cfg_error(c, v->line, "%s: must not be negative, found %s", path, d);
	if (parse_ring_bytes(v->text, &x))
		return cfg_error(c, v->line, "%s: expected a size in bytes like 256k, found %s",
				 path, d);
	if (x < CFG_MIN_EVENT_RING || x > CFG_MAX_EVENT_RING)
		return cfg_error(c, v->line, "%s: %s is out of range (4k-1G)", path, d);
	if (x & (x - 1))
		return cfg_error(c, v->line, "%s: %s is not a power of two", path, d);
	cfg->maps.event_ring = (uint32_t)x;
	return 0;
}

#define MAP_SIZE(k, m) CFG_UINT(k, C, maps.m, 1, CFG_MAX_MAP_ENTRIES)
static const struct cfg_field map_fields[] = {
	MAP_SIZE("bans", bans), MAP_SIZE("allow", allow), MAP_SIZE("deny", deny),
	MAP_SIZE("sources", sources), MAP_SIZE("conns", conns), MAP_SIZE("flows", flows),
	CFG_CUSTOM("event_ring", set_event_ring),
};

/* ---- interfaces ---- */

/* What the kernel's dev_valid_name() accepts. */
static bool ifname_valid(const char *s)
{
	if (!*s || strlen(s) > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
			return false;
	return true;
}

static int set_ifname(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	struct cfg_iface *it = obj;
	char d[64];
	int ret;

	(void)f;
	ret = cfg_need_scalar(c, v, path, "an interface name");
	if (ret)
		return ret;
	if (strlen(v->text) > 15)
		return cfg_error(c, v->line, "%s: interface name %s is longer than 15 characters",
				 path, cfg_describe(v, d, sizeof(d)));
	if (!ifname_valid(v->text))
		return cfg_error(c, v->line, "%s: %s is not a valid interface name", path,
				 cfg_describe(v, d, sizeof(d)));
	strcpy(it->name, v->text);
	return 0;
}

static const struct cfg_field iface_fields[] = {
	CFG_CUSTOM("name", set_ifname),
	CFG_ENUM("mode", struct cfg_iface, mode, xdp_modes),
};

static int parse_iface(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		       struct cfg_iface *it)
{
	const struct cfg_node *seen[CFG_ARRAY_SIZE(iface_fields)];
	int ret;

	it->mode = c->default_mode;
	it->line = v->line;
	if (v->type != CFG_NODE_MAP)
		return set_ifname(c, NULL, v, path, it);
	ret = cfg_map_walk(c, v, path, iface_fields, CFG_ARRAY_SIZE(iface_fields), it, seen);
	if (!ret && !seen[0])
		ret = cfg_error(c, v->line, "%s: missing 'name'", path);
	return ret;
}

static int set_interfaces(struct cfg_ctx *c, const struct cfg_field *f,
			  const struct cfg_node *v, const char *path, void *obj)
{
	struct aegis_config *cfg = obj;
	char sub[CFG_PATH_LEN];
	int ret;

	(void)f;
	if (cfg_is_null(v))
		return 0;
	if ((ret = cfg_seq_check(c, v, path)) || !v->n_kids)
		return ret;
	cfg->ifaces = calloc(v->n_kids, sizeof(*cfg->ifaces));
	if (!cfg->ifaces)
		return cfg_oom(c);
	for (size_t i = 0; i < v->n_kids; i++) {
		struct cfg_iface *it = &cfg->ifaces[i];

		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		ret = parse_iface(c, v->kids[i], sub, it);
		if (ret)
			return ret;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(cfg->ifaces[j].name, it->name))
				return cfg_error(c, it->line, "%s: interface '%s' is listed twice (first at line %d)",
						 sub, it->name, cfg->ifaces[j].line);
		cfg->n_ifaces = i + 1;
	}
	return 0;
}

static int set_xdp_mode(struct cfg_ctx *c, const struct cfg_field *f,
			const struct cfg_node *v, const char *path, void *obj)
{
	int mode, ret = cfg_get_enum(c, v, path, xdp_modes, &mode);

	(void)f;
	(void)obj;
	if (!ret)
		c->default_mode = (enum cfg_xdp_mode)mode;
	return ret;
}

/* ---- allow / deny ---- */

static void mask_host_bits(struct aegis_lpm_key *k)
{
	unsigned char *b = (unsigned char *)&k->addr;

	for (unsigned int bit = k->prefixlen; bit < 128; bit++)
		b[bit / 8] &= (unsigned char)~(0x80 >> (bit % 8));
}

static int parse_cidr(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		      struct cfg_cidr *e)
{
	char d[64], net[ADDR_STRLEN];
	int ret;

	ret = cfg_need_scalar(c, v, path, "an address or CIDR");
	if (ret)
		return ret;
	e->line = v->line;
	if (!addr_parse_cidr(v->text, &e->key, false)) {
		snprintf(e->text, sizeof(e->text), "%.*s", (int)sizeof(e->text) - 1, v->text);
		return 0;
	}
	if (addr_parse_cidr(v->text, &e->key, true))
		return cfg_error(c, v->line, "%s: %s is not a valid address or CIDR", path,
				 cfg_describe(v, d, sizeof(d)));
	mask_host_bits(&e->key);
	return cfg_error(c, v->line, "%s: %s has host bits set (the network is %s)", path,
			 cfg_describe(v, d, sizeof(d)),
			 addr_format_cidr(&e->key, net, sizeof(net)));
}

static int cidr_key_cmp(const void *a, const void *b)
{
	const struct cfg_cidr *x = *(const struct cfg_cidr *const *)a;
	const struct cfg_cidr *y = *(const struct cfg_cidr *const *)b;

	return memcmp(&x->key, &y->key, sizeof(x->key));
}

/* Key order, then file order: the first of equal keys sorts first. */
static int cidr_cmp(const void *a, const void *b)
{
	const struct cfg_cidr *x = *(const struct cfg_cidr *const *)a;
	const struct cfg_cidr *y = *(const struct cfg_cidr *const *)b;
	int r = cidr_key_cmp(a, b);

	return r ? r : (x->line > y->line) - (x->line < y->line);
}

/* Sorted pointers to a list, so duplicates and lookups are n log n. */
static const struct cfg_cidr **cidr_sorted(const struct cfg_cidr *list, size_t n)
{
	const struct cfg_cidr **s = malloc((n ? n : 1) * sizeof(*s));

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		s[i] = &list[i];
	qsort(s, n, sizeof(*s), cidr_cmp);
	return s;
}

/* Reports the repeat that comes first in the file. */
static int check_cidr_dupes(struct cfg_ctx *c, const char *path, const struct cfg_cidr *list,
			    size_t n)
{
	const struct cfg_cidr **s = cidr_sorted(list, n), *dup = NULL, *first = NULL;

	if (!s)
		return cfg_oom(c);
	for (size_t i = 1; i < n; i++) {
		if (memcmp(&s[i]->key, &s[i - 1]->key, sizeof(s[i]->key)))
			continue;
		if (!dup || s[i]->line < dup->line) {
			dup = s[i];
			first = s[i - 1];
		}
	}
	free(s);
	if (!dup)
		return 0;
	return cfg_error(c, dup->line, "%s: '%s' is listed twice (first at line %d)", path,
			 dup->text, first->line);
}

static int parse_cidr_list(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
			   struct cfg_cidr **list, size_t *n)
{
	int ret;

	if (cfg_is_null(v))
		return 0;
	if ((ret = cfg_seq_check(c, v, path)) || !v->n_kids)
		return ret;
	*list = calloc(v->n_kids, sizeof(**list));
	if (!*list)
		return cfg_oom(c);
	for (size_t i = 0; i < v->n_kids; i++) {
		ret = parse_cidr(c, v->kids[i], path, &(*list)[i]);
		if (ret)
			return ret;
		*n = i + 1;
	}
	return check_cidr_dupes(c, path, *list, *n);
}

static int set_allow(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		     const char *path, void *obj)
{
	struct aegis_config *cfg = obj;

	(void)f;
	return parse_cidr_list(c, v, path, &cfg->allow, &cfg->n_allow);
}

static int set_deny(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		    const char *path, void *obj)
{
	struct aegis_config *cfg = obj;

	(void)f;
	return parse_cidr_list(c, v, path, &cfg->deny, &cfg->n_deny);
}

/* An entry on both lists is a typo waiting to bite; overlaps are fine (LPM). */
static int check_allow_deny(struct cfg_ctx *c)
{
	const struct aegis_config *cfg = c->cfg;
	const struct cfg_cidr **s, *hit = NULL, *other = NULL;

	if (!cfg->n_allow || !cfg->n_deny)
		return 0;
	s = cidr_sorted(cfg->allow, cfg->n_allow);
	if (!s)
		return cfg_oom(c);
	for (size_t i = 0; i < cfg->n_deny; i++) {
		const struct cfg_cidr *d = &cfg->deny[i], **m;

		m = bsearch(&d, s, cfg->n_allow, sizeof(*s), cidr_key_cmp);
		if (m && (!hit || d->line < hit->line)) {
			hit = d;
			other = *m;
		}
	}
	free(s);
	if (!hit)
		return 0;
	return cfg_error(c, hit->line, "deny: '%s' is also in allow (line %d)", hit->text,
			 other->line);
}

/* ---- proxy engine ---- */

/* Buffer rings index by a mask: the count must be a power of two. */
static int set_engine_buffers(struct cfg_ctx *c, const struct cfg_field *f,
			      const struct cfg_node *v, const char *path, void *obj)
{
	struct aegis_config *cfg = obj;
	int ret = cfg_set_uint(c, f, v, path, obj);

	if (!ret && (cfg->engine.buffers & (cfg->engine.buffers - 1)))
		return cfg_error(c, v->line, "%s: %u is not a power of two", path,
				 cfg->engine.buffers);
	return ret;
}

static const struct cfg_field engine_fields[] = {
	CFG_UINT("workers", C, engine.workers, 0, CFG_MAX_ENGINE_WORKERS),
	CFG_UINT("max_connections", C, engine.max_conns, 16, 1u << 20),
	CFG_UINT("max_udp_sessions", C, engine.max_udp_sessions, 16, 1u << 20),
	{ .key = "buffers", .fn = set_engine_buffers, .off = offsetof(C, engine.buffers),
	  .size = CFG_MEMBER_SIZE(C, engine.buffers), .min = 64, .max = 32768 },
	CFG_UINT("buffer_size", C, engine.buffer_size, 2048, 1u << 20),
	CFG_UINT("connection_budget", C, engine.conn_budget, 4096, 1u << 28),
	CFG_UINT("http_memory", C, engine.http_memory, CFG_MIN_ENGINE_HTTP_MEMORY,
		 CFG_MAX_ENGINE_HTTP_MEMORY),
};

/* ---- top level ---- */

static const struct cfg_field root_fields[] = {
	CFG_CUSTOM("interfaces", set_interfaces),
	CFG_CUSTOM("xdp_mode", set_xdp_mode),
	CFG_PATH("state_dir", C, state_dir),
	CFG_PATH("pin_dir", C, pin_dir),
	CFG_SECTION("log", log_fields),
	CFG_SECTION("events", event_fields),
	CFG_SECTION("maps", map_fields),
	CFG_SECTION("sanity", sanity_fields),
	CFG_CUSTOM("allow", set_allow),
	CFG_CUSTOM("deny", set_deny),
	CFG_CUSTOM("policies", cfg_set_policies),
	CFG_CUSTOM("proxies", cfg_set_proxies),
	CFG_CUSTOM("proxies_dir", cfg_set_proxies_dir),
	CFG_SECTION("proxy_engine", engine_fields),
	CFG_CUSTOM("reputation", cfg_set_reputation),
	CFG_CUSTOM("metrics", cfg_set_metrics),
	CFG_CUSTOM("api", cfg_set_api),
};

/*
 * Challenges: each http proxy's secret file defaults to state_dir's; the
 * reputation engine's challenge action needs a host that can challenge.
 */
static int check_challenges(struct cfg_ctx *c, const struct cfg_node *root)
{
	const struct cfg_node *rep = cfg_map_find(root, "reputation");
	bool any = false;

	for (size_t i = 0; i < c->cfg->n_proxies; i++) {
		struct http_cfg *h = c->cfg->proxies[i].http;

		if (!h)
			continue;
		if (!h->challenge.secret_file[0])
			snprintf(h->challenge.secret_file, sizeof(h->challenge.secret_file), "%.200s/%s",
				 c->cfg->state_dir, AEGIS_CHAL_SECRET_FILE);
		for (size_t j = 0; j < h->n_hosts; j++)
			any |= h->hosts[j].chal_mode != HTTP_MODE_OFF && h->challenge.reputation;
	}
	if (c->cfg->rep.enabled && c->cfg->rep.challenge && !any)
		return cfg_error(c, rep ? rep->line : root->line,
				 "reputation.thresholds.challenge: no http host challenges "
				 "(set http.challenge.mode or a host's challenge, with reputation: true), "
				 "or leave it at 0");
	return 0;
}

int cfg_parse_root(struct cfg_ctx *c, const struct cfg_node *root)
{
	const struct cfg_node *mode;
	char d[64];
	int ret;

	if (cfg_is_null(root))
		return 0;
	if (root->type != CFG_NODE_MAP)
		return cfg_error(c, root->line, "top level must be a mapping of settings, found %s",
				 cfg_describe(root, d, sizeof(d)));
	/* Interfaces inherit xdp_mode wherever in the file it is written. */
	mode = cfg_map_find(root, "xdp_mode");
	if (mode && (ret = set_xdp_mode(c, NULL, mode, "xdp_mode", c->cfg)))
		return ret;
	ret = cfg_map_walk(c, root, "", root_fields, CFG_ARRAY_SIZE(root_fields), c->cfg, NULL);
	if (!ret)
		ret = check_allow_deny(c);
	if (!ret)
		ret = cfg_proxies_finish(c, root);
	return ret ? ret : check_challenges(c, root);
}
