// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Proxy definitions of the config: the schema of one proxy, parsed into
 * struct proxy_cfg (proxy_config.h) with the same table-driven walker as
 * the rest of the config, and the checks a proxy only passes once complete
 * (required keys, one-to-one sizes, names and listeners unique among the
 * proxies before it). The `proxies:` list lands here; proxies_dir and the
 * checks against policies are in proxy_config_load.c, copy/free/equal in
 * proxy_config_ops.c. docs/CONFIG.md, section "proxies", describes the
 * same schema.
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
#include "lib/units.h"

/* A proxy being parsed: the result, and what its checks point at. */
struct proxy_state {
	struct proxy_cfg p;		/* the field tables address its members */
	int *origin_lines;		/* line of each origin address; NULL for the default */
	int origin_ports_line;
	int upstream_line;
	bool up_ports_set;
	bool http;			/* protocol: http */
	int o2o_line;			/* 0: one_to_one not written */
	const struct cfg_node *weights;	/* upstream.weights, read once addresses are */
	char weights_path[CFG_PATH_LEN];
};

#define S struct proxy_state

enum { PROTO_TCP, PROTO_UDP, PROTO_TCP_UDP, PROTO_HTTP };
static const char *const protocols[] = {
	[PROTO_TCP] = "tcp", [PROTO_UDP] = "udp", [PROTO_TCP_UDP] = "tcp-udp",
	[PROTO_HTTP] = "http", NULL
};
const char *const cfg_lb_algorithms[] = {
	[PROXY_LB_ROUND_ROBIN] = "round-robin",
	[PROXY_LB_WEIGHTED] = "weighted",
	[PROXY_LB_LEAST_CONN] = "least-conn",
	[PROXY_LB_IP_HASH] = "ip-hash",
	[PROXY_LB_RANDOM] = "random",
	NULL
};
static const char *const pp_modes[] = {
	[PROXY_PP_OFF] = "off", [PROXY_PP_V1] = "v1", [PROXY_PP_V2] = "v2", NULL
};

static void proxy_defaults(struct proxy_cfg *p)
{
	p->enabled = true;
	p->algo = PROXY_LB_ROUND_ROBIN;
	p->sticky_ttl_s = 3600;
	p->health = (struct proxy_health_cfg){
		.enabled = true, .interval_ms = 10000, .timeout_ms = 3000, .fails = 3, .passes = 2,
	};
	p->timeouts = (struct proxy_timeouts){
		.connect_ms = 5000, .idle_ms = 300000, .client_write_ms = 30000,
		.upstream_write_ms = 30000, .udp_session_ms = 60000,
	};
	p->pp_send = PROXY_PP_OFF;
	p->drain_timeout_ms = 30000;
	p->access_log.enabled = true;
}

/* "line 12" in the same file, "other.yaml:12" in another. */
const char *cfg_proxy_where(const struct cfg_ctx *c, const char *file, int line, char *buf,
			    size_t len)
{
	if (!strcmp(c->name, file))
		snprintf(buf, len, "line %d", line);
	else
		snprintf(buf, len, "%s:%d", file, line);
	return buf;
}

/* ---- name, protocol, addresses, ports ---- */

/* [A-Za-z0-9_.-]{1,63}: safe in log lines, JSON, metrics labels and paths. */
static bool proxy_name_valid(const char *s)
{
	return cfg_name_valid(s, sizeof(((struct proxy_cfg *)0)->name));
}

static int set_name(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		    const char *path, void *obj)
{
	S *st = obj;
	char d[64];
	int ret;

	(void)f;
	ret = cfg_need_scalar(c, v, path, "a proxy name");
	if (ret)
		return ret;
	if (!proxy_name_valid(v->text))
		return cfg_error(c, v->line, "%s: %s is not a valid name (1-63 of A-Z a-z 0-9 _ . -)",
				 path, cfg_describe(v, d, sizeof(d)));
	strcpy(st->p.name, v->text);
	return 0;
}

static int set_protocol(struct cfg_ctx *c, const struct cfg_field *f,
			const struct cfg_node *v, const char *path, void *obj)
{
	S *st = obj;
	int x, ret = cfg_get_enum(c, v, path, protocols, &x);

	(void)f;
	if (!ret) {
		st->p.tcp = x != PROTO_UDP;
		st->p.udp = x == PROTO_UDP || x == PROTO_TCP_UDP;
		st->http = x == PROTO_HTTP;
	}
	return ret;
}

static bool addr_is_any(const struct aegis_addr *a)
{
	return addr_is_v4(a) ? !a->w[3] : !(a->w[0] | a->w[1] | a->w[2] | a->w[3]);
}

/* Two listeners collide: the same address, or an "any" of the other's family. */
static bool listen_overlap(const struct aegis_addr *a, const struct aegis_addr *b)
{
	if (!memcmp(a, b, sizeof(*a)))
		return true;
	return addr_is_v4(a) == addr_is_v4(b) && (addr_is_any(a) || addr_is_any(b));
}

/*
 * A non-empty list of single addresses, each once. Listener lists also
 * refuse an address that an "any" address of the list already covers;
 * upstream lists refuse "any" itself (there is nothing to connect to).
 */
static int parse_addrs(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		       bool listen, size_t max, struct aegis_addr **out, int **lines_out,
		       size_t *n_out)
{
	struct aegis_addr *addrs;
	char d[64], a[ADDR_STRLEN], b[ADDR_STRLEN];
	int *lines, ret;

	if (cfg_is_null(v) || (v->type == CFG_NODE_SEQ && !v->n_kids))
		return cfg_error(c, v->line, "%s: must list at least one address", path);
	if ((ret = cfg_seq_check(c, v, path)))
		return ret;
	if (v->n_kids > max)
		return cfg_error(c, v->kids[max]->line, "%s: more than %zu addresses", path, max);
	addrs = calloc(v->n_kids, sizeof(*addrs));
	lines = calloc(v->n_kids, sizeof(*lines));
	if (!addrs || !lines) {
		free(addrs);
		free(lines);
		return cfg_oom(c);
	}
	/* Owned by the caller from here, so every error path below is leak-free. */
	*out = addrs;
	*lines_out = lines;
	for (size_t i = 0; i < v->n_kids; i++) {
		const struct cfg_node *k = v->kids[i];

		if ((ret = cfg_need_scalar(c, k, path, "an IP address")))
			return ret;
		if (addr_parse(k->text, &addrs[i]))
			return cfg_error(c, k->line, "%s: %s is not a valid IP address%s", path,
					 cfg_describe(k, d, sizeof(d)),
					 strchr(k->text, '/') ? " (one address, not a CIDR)" : "");
		lines[i] = k->line;
		if (!listen && addr_is_any(&addrs[i]))
			return cfg_error(c, k->line, "%s: %s is the unspecified address, not an upstream",
					 path, cfg_describe(k, d, sizeof(d)));
		for (size_t j = 0; j < i; j++) {
			if (!memcmp(&addrs[i], &addrs[j], sizeof(addrs[i])))
				return cfg_error(c, k->line, "%s: %s is listed twice (first at line %d)",
						 path, cfg_describe(k, d, sizeof(d)), lines[j]);
			if (listen && listen_overlap(&addrs[i], &addrs[j])) {
				bool any_i = addr_is_any(&addrs[i]);

				return cfg_error(c, k->line, "%s: %s overlaps %s (line %d): %s listens on every %s address",
						 path, addr_format(&addrs[i], a, sizeof(a)),
						 addr_format(&addrs[j], b, sizeof(b)), lines[j],
						 any_i ? a : b, addr_is_v4(&addrs[i]) ? "IPv4" : "IPv6");
			}
		}
		*n_out = i + 1;
	}
	return 0;
}

static int set_origin_addrs(struct cfg_ctx *c, const struct cfg_field *f,
			    const struct cfg_node *v, const char *path, void *obj)
{
	S *st = obj;

	(void)f;
	if (cfg_is_null(v))
		return 0;	/* the default, 0.0.0.0 */
	return parse_addrs(c, v, path, true, PROXY_MAX_ORIGIN_ADDRS, &st->p.origin_addrs,
			   &st->origin_lines, &st->p.n_origin_addrs);
}

static int set_up_addrs(struct cfg_ctx *c, const struct cfg_field *f,
			const struct cfg_node *v, const char *path, void *obj)
{
	S *st = obj;
	int *lines = NULL, ret;

	(void)f;
	ret = parse_addrs(c, v, path, false, PROXY_MAX_UP_ADDRS, &st->p.up_addrs, &lines,
			  &st->p.n_up_addrs);
	free(lines);
	return ret;
}

static int set_origin_ports(struct cfg_ctx *c, const struct cfg_field *f,
			    const struct cfg_node *v, const char *path, void *obj)
{
	S *st = obj;
	struct cfg_port_range r;
	int ret;

	(void)f;
	ret = cfg_get_port_range(c, v, path, &r);
	if (!ret) {
		st->p.origin_lo = r.lo;
		st->p.origin_hi = r.hi;
		st->origin_ports_line = v->line;
	}
	return ret;
}

static int set_up_ports(struct cfg_ctx *c, const struct cfg_field *f,
			const struct cfg_node *v, const char *path, void *obj)
{
	S *st = obj;
	struct cfg_port_range r;
	int ret;

	(void)f;
	ret = cfg_get_port_range(c, v, path, &r);
	if (!ret) {
		st->p.up_lo = r.lo;
		st->p.up_hi = r.hi;
		st->up_ports_set = true;
	}
	return ret;
}

/* ---- origin, upstream ---- */

static const struct cfg_field origin_fields[] = {
	CFG_CUSTOM("addresses", set_origin_addrs),
	CFG_CUSTOM("ports", set_origin_ports),
};

static int set_origin(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	const struct cfg_node *seen[CFG_ARRAY_SIZE(origin_fields)];
	int ret;

	(void)f;
	ret = cfg_map_walk(c, v, path, origin_fields, CFG_ARRAY_SIZE(origin_fields), obj, seen);
	if (!ret && !seen[1])
		ret = cfg_error(c, v->line, "%s: missing 'ports'", path);
	return ret;
}

static int set_weights(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		       const char *path, void *obj)
{
	S *st = obj;

	(void)f;
	(void)c;
	st->weights = v;	/* read once the addresses are known, wherever written */
	snprintf(st->weights_path, sizeof(st->weights_path), "%s", path);
	return 0;
}

/* { ADDRESS: WEIGHT, ... } for addresses of the list; the others keep 1. */
static int parse_weights(struct cfg_ctx *c, S *st)
{
	const struct cfg_node *v = st->weights;
	const char *path = st->weights_path;
	struct proxy_cfg *p = &st->p;
	char d[64], q[48], sub[CFG_PATH_LEN + 64];
	int *lines, ret = 0;

	if (cfg_is_null(v))
		return 0;
	if (v->type != CFG_NODE_MAP)
		return cfg_error(c, v->line, "%s: expected a mapping of address: weight, found %s",
				 path, cfg_describe(v, d, sizeof(d)));
	lines = calloc(p->n_up_addrs, sizeof(*lines));
	if (!lines)
		return cfg_oom(c);
	for (size_t i = 0; !ret && i + 1 < v->n_kids; i += 2) {
		const struct cfg_node *k = v->kids[i], *w = v->kids[i + 1];
		struct aegis_addr a;
		uint64_t x;
		size_t j;

		if (k->type != CFG_NODE_SCALAR || cfg_is_null(k)) {
			ret = cfg_error(c, k->line, "%s: keys must be upstream addresses, found %s",
					path, cfg_describe(k, d, sizeof(d)));
			break;
		}
		if (addr_parse(k->text, &a)) {
			ret = cfg_error(c, k->line, "%s: %s is not a valid IP address", path,
					cfg_describe(k, d, sizeof(d)));
			break;
		}
		for (j = 0; j < p->n_up_addrs && memcmp(&a, &p->up_addrs[j], sizeof(a)); j++)
			;
		if (j == p->n_up_addrs) {
			ret = cfg_error(c, k->line, "%s: %s is not one of upstream.addresses", path,
					cfg_describe(k, d, sizeof(d)));
			break;
		}
		if (lines[j]) {
			ret = cfg_error(c, k->line, "%s: weight for %s is given twice (first at line %d)",
					path, cfg_describe(k, d, sizeof(d)), lines[j]);
			break;
		}
		lines[j] = k->line;
		snprintf(sub, sizeof(sub), "%s[%s]", path, cfg_quote(k->text, q, sizeof(q)));
		ret = cfg_get_count(c, w, sub, 1, PROXY_MAX_WEIGHT, &x);
		if (!ret)
			p->up_weights[j] = (uint32_t)x;
	}
	free(lines);
	return ret;
}

static const struct cfg_field upstream_fields[] = {
	CFG_CUSTOM("addresses", set_up_addrs),
	CFG_CUSTOM("ports", set_up_ports),
	CFG_CUSTOM("weights", set_weights),
};

static int set_upstream(struct cfg_ctx *c, const struct cfg_field *f,
			const struct cfg_node *v, const char *path, void *obj)
{
	const struct cfg_node *seen[CFG_ARRAY_SIZE(upstream_fields)];
	S *st = obj;
	int ret;

	(void)f;
	ret = cfg_map_walk(c, v, path, upstream_fields, CFG_ARRAY_SIZE(upstream_fields), obj, seen);
	if (ret)
		return ret;
	if (!seen[0])
		return cfg_error(c, v->line, "%s: missing 'addresses'", path);
	st->p.up_weights = malloc(st->p.n_up_addrs * sizeof(*st->p.up_weights));
	if (!st->p.up_weights)
		return cfg_oom(c);
	for (size_t i = 0; i < st->p.n_up_addrs; i++)
		st->p.up_weights[i] = 1;
	return parse_weights(c, st);
}

static int set_one_to_one(struct cfg_ctx *c, const struct cfg_field *f,
			  const struct cfg_node *v, const char *path, void *obj)
{
	static const struct cfg_field as_bool = CFG_BOOL("", S, p.one_to_one);
	S *st = obj;

	(void)f;
	st->o2o_line = v->line;
	return cfg_set_bool(c, &as_bool, v, path, obj);
}

/* ---- balance, health, timeouts ---- */

static const struct cfg_field balance_fields[] = {
	CFG_ENUM("algorithm", S, p.algo, cfg_lb_algorithms),
	CFG_BOOL("sticky", S, p.sticky),
	CFG_SECS("sticky_ttl", S, p.sticky_ttl_s, 1, PROXY_MAX_DURATION_MS / 1000),
	CFG_MSECS("slow_start", S, p.slow_start_ms, 0, PROXY_MAX_DURATION_MS),
};

static const struct cfg_field health_fields[] = {
	CFG_BOOL("enabled", S, p.health.enabled),
	CFG_MSECS("interval", S, p.health.interval_ms, 1, PROXY_MAX_DURATION_MS),
	CFG_MSECS("timeout", S, p.health.timeout_ms, 1, PROXY_MAX_DURATION_MS),
	CFG_UINT("fails", S, p.health.fails, 1, PROXY_MAX_HEALTH_COUNT),
	CFG_UINT("passes", S, p.health.passes, 1, PROXY_MAX_HEALTH_COUNT),
};

/* A probe must finish before the next one starts, defaults included. */
static int set_health(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	const struct cfg_node *seen[CFG_ARRAY_SIZE(health_fields)];
	const struct proxy_health_cfg *h = &((S *)obj)->p.health;
	char t[32], i[32];
	int ret, line;

	(void)f;
	ret = cfg_map_walk(c, v, path, health_fields, CFG_ARRAY_SIZE(health_fields), obj, seen);
	if (ret || h->timeout_ms < h->interval_ms)
		return ret;
	line = seen[2] ? seen[2]->line : seen[1] ? seen[1]->line : v->line;
	return cfg_error(c, line, "%s: timeout %s must be shorter than interval %s", path,
			 units_format_duration_ms(h->timeout_ms, t, sizeof(t)),
			 units_format_duration_ms(h->interval_ms, i, sizeof(i)));
}

static const struct cfg_field timeout_fields[] = {
	CFG_MSECS("connect", S, p.timeouts.connect_ms, 1, PROXY_MAX_CONNECT_MS),
	CFG_MSECS("idle", S, p.timeouts.idle_ms, 0, PROXY_MAX_DURATION_MS),
	CFG_MSECS("client_read", S, p.timeouts.client_read_ms, 0, PROXY_MAX_DURATION_MS),
	CFG_MSECS("client_write", S, p.timeouts.client_write_ms, 0, PROXY_MAX_DURATION_MS),
	CFG_MSECS("upstream_read", S, p.timeouts.upstream_read_ms, 0, PROXY_MAX_DURATION_MS),
	CFG_MSECS("upstream_write", S, p.timeouts.upstream_write_ms, 0, PROXY_MAX_DURATION_MS),
	CFG_MSECS("udp_session", S, p.timeouts.udp_session_ms, 1, PROXY_MAX_DURATION_MS),
};

/* ---- proxy_protocol ---- */

static int set_pp_send(struct cfg_ctx *c, const struct cfg_field *f,
		       const struct cfg_node *v, const char *path, void *obj)
{
	S *st = obj;
	int x, ret = cfg_get_enum(c, v, path, pp_modes, &x);

	(void)f;
	if (ret)
		return ret;
	/* The protocol was read first, wherever it is written. */
	if (x != PROXY_PP_OFF && st->http)
		return cfg_error(c, v->line, "%s: not supported for http proxies", path);
	if (x == PROXY_PP_V1 && !st->p.tcp)
		return cfg_error(c, v->line, "%s: v1 is for tcp only, but the protocol is udp (use v2)",
				 path);
	st->p.pp_send = (enum proxy_pp_mode)x;
	return 0;
}

static int set_pp_trusted(struct cfg_ctx *c, const struct cfg_field *f,
			  const struct cfg_node *v, const char *path, void *obj)
{
	struct proxy_cfg *p = &((S *)obj)->p;

	(void)f;
	return cfg_get_cidrs(c, v, path, &p->pp_trusted, &p->n_pp_trusted);
}

static const struct cfg_field pp_fields[] = {
	CFG_CUSTOM("send", set_pp_send),
	CFG_CUSTOM("accept_from", set_pp_trusted),
};

/* ---- draining, limits, access_log, xdp ---- */

static const struct cfg_field drain_fields[] = {
	CFG_MSECS("timeout", S, p.drain_timeout_ms, 0, PROXY_MAX_DURATION_MS),
};

static const struct cfg_field limit_fields[] = {
	CFG_UINT("max_connections", S, p.max_conns, 0, UINT32_MAX),
};

/* "" or nothing: stdout. Otherwise absolute, like the daemon's other paths. */
static int set_log_path(struct cfg_ctx *c, const struct cfg_field *f,
			const struct cfg_node *v, const char *path, void *obj)
{
	static const struct cfg_field as_path = CFG_PATH("", S, p.access_log.path);
	S *st = obj;

	(void)f;
	if (cfg_is_null(v) || (v->type == CFG_NODE_SCALAR && !v->text[0])) {
		st->p.access_log.path[0] = '\0';
		return 0;
	}
	return cfg_set_path(c, &as_path, v, path, obj);
}

static const struct cfg_field log_fields[] = {
	CFG_BOOL("enabled", S, p.access_log.enabled),
	CFG_CUSTOM("path", set_log_path),
	CFG_BOOL("mask_ips", S, p.access_log.mask_ips),
};

/* The policy keys of config_policy.c, for the proxy's own ports. */
static int set_xdp(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		   const char *path, void *obj)
{
	S *st = obj;
	int ret;

	(void)f;
	if (cfg_is_null(v))
		return 0;	/* xdp: with nothing = no block */
	st->p.xdp.tcp = st->p.tcp;
	st->p.xdp.udp = st->p.udp;
	ret = cfg_parse_policy_body(c, v, path, &st->p.xdp);
	if (!ret)
		st->p.has_xdp = true;
	return ret;
}

static int set_http(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		    const char *path, void *obj)
{
	S *st = obj;

	(void)f;
	if (!st->http)
		return cfg_error(c, v->line, "%s: only for proxies with protocol: http", path);
	return cfg_http_parse(c, v, path, &st->p.http);
}

/* ---- one proxy ---- */

enum { PX_NAME, PX_ENABLED, PX_PROTO, PX_ORIGIN, PX_UPSTREAM, PX_O2O, PX_BALANCE, PX_HEALTH,
       PX_TIMEOUTS, PX_PP, PX_DRAIN, PX_LIMITS, PX_LOG, PX_XDP, PX_HTTP, PX_MAX };

static const struct cfg_field proxy_fields[] = {
	[PX_NAME] = CFG_CUSTOM("name", set_name),
	[PX_ENABLED] = CFG_BOOL("enabled", S, p.enabled),
	[PX_PROTO] = CFG_CUSTOM("protocol", set_protocol),
	[PX_ORIGIN] = CFG_CUSTOM("origin", set_origin),
	[PX_UPSTREAM] = CFG_CUSTOM("upstream", set_upstream),
	[PX_O2O] = CFG_CUSTOM("one_to_one", set_one_to_one),
	[PX_BALANCE] = CFG_SECTION("balance", balance_fields),
	[PX_HEALTH] = CFG_CUSTOM("health_check", set_health),
	[PX_TIMEOUTS] = CFG_SECTION("timeouts", timeout_fields),
	[PX_PP] = CFG_SECTION("proxy_protocol", pp_fields),
	[PX_DRAIN] = CFG_SECTION("draining", drain_fields),
	[PX_LIMITS] = CFG_SECTION("limits", limit_fields),
	[PX_LOG] = CFG_SECTION("access_log", log_fields),
	[PX_XDP] = CFG_CUSTOM("xdp", set_xdp),
	[PX_HTTP] = CFG_CUSTOM("http", set_http),
};
_Static_assert(CFG_ARRAY_SIZE(proxy_fields) == PX_MAX, "proxy table complete");

static unsigned int range_size(uint16_t lo, uint16_t hi)
{
	return (unsigned int)hi - lo + 1;
}

static const char *range_text(uint16_t lo, uint16_t hi, char *buf, size_t len)
{
	if (lo == hi)
		snprintf(buf, len, "%u", lo);
	else
		snprintf(buf, len, "%u-%u", lo, hi);
	return buf;
}

/* Upstream ports default to the origin's; one_to_one to "same size above 1". */
static int resolve_ports(struct cfg_ctx *c, S *st, const char *path)
{
	struct proxy_cfg *p = &st->p;
	unsigned int o, u;
	char a[16], b[16];

	if (!st->up_ports_set) {
		p->up_lo = p->origin_lo;
		p->up_hi = p->origin_hi;
	}
	o = range_size(p->origin_lo, p->origin_hi);
	u = range_size(p->up_lo, p->up_hi);
	if (!st->o2o_line)
		p->one_to_one = o == u && o > 1;
	else if (p->one_to_one && o != u)
		return cfg_error(c, st->o2o_line,
				 "%s.one_to_one: origin ports %s (%u) and upstream ports %s (%u) differ in size",
				 path, range_text(p->origin_lo, p->origin_hi, a, sizeof(a)), o,
				 range_text(p->up_lo, p->up_hi, b, sizeof(b)), u);
	/* Each candidate of an origin port is a balancer target with its own probe. */
	if ((uint64_t)p->n_up_addrs * (p->one_to_one ? 1 : u) > PROXY_MAX_TARGETS)
		return cfg_error(c, st->upstream_line,
				 "%s.upstream: %zu addresses x %u ports is more than %d targets per origin port",
				 path, p->n_up_addrs, p->one_to_one ? 1 : u, PROXY_MAX_TARGETS);
	return 0;
}

static const char *endpoint(const struct aegis_addr *a, uint16_t port, char *buf, size_t len)
{
	char s[ADDR_STRLEN];

	addr_format(a, s, sizeof(s));
	snprintf(buf, len, addr_is_v4(a) ? "%s:%u" : "[%s]:%u", s, port);
	return buf;
}

/* An enabled proxy's listeners against those of the enabled proxies before it. */
static int check_listeners(struct cfg_ctx *c, const S *st, const char *path)
{
	const struct proxy_cfg *p = &st->p;
	const struct aegis_config *cfg = c->cfg;
	char mine[ADDR_STRLEN + 8], theirs[ADDR_STRLEN + 8], at[300];

	if (!p->enabled)
		return 0;
	for (size_t i = 0; i < cfg->n_proxies; i++) {
		const struct proxy_cfg *o = &cfg->proxies[i];
		const char *proto = p->tcp && o->tcp ? "tcp" : p->udp && o->udp ? "udp" : NULL;
		uint16_t lo = p->origin_lo > o->origin_lo ? p->origin_lo : o->origin_lo;
		uint16_t hi = p->origin_hi < o->origin_hi ? p->origin_hi : o->origin_hi;

		if (!o->enabled || !proto || lo > hi)
			continue;
		for (size_t a = 0; a < p->n_origin_addrs; a++) {
			for (size_t b = 0; b < o->n_origin_addrs; b++) {
				if (!listen_overlap(&p->origin_addrs[a], &o->origin_addrs[b]))
					continue;
				return cfg_error(c, st->origin_lines ? st->origin_lines[a] : st->origin_ports_line,
						 "%s.origin: %s %s overlaps proxy '%s' (%s), which listens on %s %s",
						 path, proto, endpoint(&p->origin_addrs[a], lo, mine, sizeof(mine)),
						 o->name, cfg_proxy_where(c, o->file, o->line, at, sizeof(at)), proto,
						 endpoint(&o->origin_addrs[b], lo, theirs, sizeof(theirs)));
			}
		}
	}
	return 0;
}

static int check_proxy(struct cfg_ctx *c, const struct cfg_node *v, S *st, const char *path,
		       const struct cfg_node **seen)
{
	static const int required[] = { PX_NAME, PX_PROTO, PX_ORIGIN, PX_UPSTREAM };
	struct proxy_cfg *p = &st->p;
	const struct aegis_config *cfg = c->cfg;
	char at[300];
	int ret;

	/* PX_UPSTREAM is last: http proxies take theirs from http.hosts[].routes[]. */
	for (size_t i = 0; i < CFG_ARRAY_SIZE(required) - st->http; i++)
		if (!seen[required[i]])
			return cfg_error(c, v->line, "%s: missing '%s'", path,
					 proxy_fields[required[i]].key);
	for (size_t i = 0; i < cfg->n_proxies; i++)
		if (!strcmp(cfg->proxies[i].name, p->name))
			return cfg_error(c, seen[PX_NAME]->line,
					 "%s: duplicate proxy name '%s' (first at %s)", path, p->name,
					 cfg_proxy_where(c, cfg->proxies[i].file, cfg->proxies[i].line, at,
					       sizeof(at)));
	if (!p->n_origin_addrs) {
		p->origin_addrs = calloc(1, sizeof(*p->origin_addrs));
		if (!p->origin_addrs)
			return cfg_oom(c);
		addr_from_ipv4(p->origin_addrs, 0);
		p->n_origin_addrs = 1;
	}
	if (st->http) {
		ret = cfg_http_proxy_check(c, path, v->line, p, seen[PX_UPSTREAM], seen[PX_O2O]);
	} else {
		st->upstream_line = seen[PX_UPSTREAM]->line;
		ret = resolve_ports(c, st, path);
	}
	if (ret)
		return ret;
	if (p->has_xdp) {
		p->xdp.ports = malloc(sizeof(*p->xdp.ports));
		if (!p->xdp.ports)
			return cfg_oom(c);
		p->xdp.ports[0] = (struct cfg_port_range){ p->origin_lo, p->origin_hi };
		p->xdp.n_ports = 1;
		p->xdp.tcp = p->tcp;
		p->xdp.udp = p->udp;
		p->xdp.line = seen[PX_XDP]->line;
		snprintf(p->xdp.name, sizeof(p->xdp.name), "%.*s", (int)sizeof(p->xdp.name) - 1,
			 p->name);
	}
	return check_listeners(c, st, path);
}

/* "proxies[web]" when the proxy has a usable name, else "proxies[3]". */
static void proxy_path(const struct cfg_node *v, size_t idx, char *out)
{
	const struct cfg_node *n = cfg_map_find(v, "name");

	if (n && n->type == CFG_NODE_SCALAR && proxy_name_valid(n->text))
		snprintf(out, CFG_PATH_LEN, "proxies[%s]", n->text);
	else
		snprintf(out, CFG_PATH_LEN, "proxies[%zu]", idx);
}

static int parse_proxy(struct cfg_ctx *c, const struct cfg_node *v, S *st)
{
	const struct cfg_node *seen[PX_MAX], *proto;
	char path[CFG_PATH_LEN], sub[CFG_PATH_LEN], d[64];
	struct proxy_cfg *p = &st->p;
	int ret;

	proxy_defaults(p);
	snprintf(p->file, sizeof(p->file), "%.*s", (int)sizeof(p->file) - 1, c->name);
	p->line = v ? v->line : 0;
	proxy_path(v, c->cfg->n_proxies, path);
	if (!v || v->type != CFG_NODE_MAP)
		return cfg_error(c, p->line, "%s: expected a proxy (a mapping), found %s", path,
				 cfg_describe(v, d, sizeof(d)));
	/* proxy_protocol.send and xdp depend on the protocol, wherever it is written. */
	p->tcp = p->udp = true;
	if ((proto = cfg_map_find(v, "protocol"))) {
		cfg_path_join(sub, path, "protocol");
		if ((ret = set_protocol(c, NULL, proto, sub, st)))
			return ret;
	}
	ret = cfg_map_walk(c, v, path, proxy_fields, PX_MAX, st, seen);
	return ret ? ret : check_proxy(c, v, st, path, seen);
}

/* Appends one proxy (v: its mapping, NULL for an empty file) to c->cfg. */
int cfg_proxy_add(struct cfg_ctx *c, const struct cfg_node *v)
{
	struct aegis_config *cfg = c->cfg;
	size_t n = cfg->n_proxies;
	S st = { 0 };
	int ret;

	if (n >= PROXY_MAX_PROXIES)
		return cfg_error(c, v ? v->line : 0, "proxies: more than %d proxies",
				 PROXY_MAX_PROXIES);
	/* Capacity is the next power of two from 8: grow when n reaches it. */
	if (!n || (n >= 8 && !(n & (n - 1)))) {
		size_t cap = n ? n * 2 : 8;
		struct proxy_cfg *np = realloc(cfg->proxies, cap * sizeof(*np));

		if (!np)
			return cfg_oom(c);
		cfg->proxies = np;
	}
	ret = parse_proxy(c, v, &st);
	free(st.origin_lines);
	if (ret) {
		proxy_cfg_free(&st.p);
		return ret;
	}
	cfg->proxies[cfg->n_proxies++] = st.p;	/* ownership moves with it */
	return 0;
}

int cfg_set_proxies(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		    const char *path, void *obj)
{
	int ret;

	(void)f;
	(void)obj;
	if (cfg_is_null(v))
		return 0;
	if ((ret = cfg_seq_check(c, v, path)))
		return ret;
	for (size_t i = 0; !ret && i < v->n_kids; i++)
		ret = cfg_proxy_add(c, v->kids[i]);
	return ret;
}
