// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The `http:` block of an http proxy, parsed into struct http_cfg
 * (http_cfg.h) with the config's table-driven walker: mode, request
 * limits, timeouts, the upstream pool, response headers, trusted proxies,
 * and the checks of the proxy around it. Hosts, routes and upstream URLs
 * are in http_config_hosts.c, the request guards (rate limits,
 * allow/deny, bots, funnels, WAF, ...) in http_config_guard.c,
 * copy/free/equal in http_config_ops.c.
 * docs/CONFIG.md, section "HTTP proxies", describes the same schema.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/http_config_priv.h"
#include "config/proxy_config.h"
#include "guard/waf.h"

#define HS struct http_state

const char *const http_mode_words[] = {
	[HTTP_MODE_OFF] = "off", [HTTP_MODE_DETECT] = "detect", [HTTP_MODE_ENFORCE] = "enforce",
	NULL
};

/* Index i is HTTP_M_* bit i. */
static const char *const methods[] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", NULL
};
_Static_assert(HTTP_M_TRACE == 1u << 8 && HTTP_M_PATCH == 1u << 5, "methods[] follows HTTP_M_*");

static const struct http_resp_header default_set[] = {
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "SAMEORIGIN" },
	{ "Referrer-Policy", "strict-origin-when-cross-origin" },
};
static const char default_remove[][64] = { "Server", "X-Powered-By" };

static int http_defaults(struct http_cfg *h)
{
	h->mode = HTTP_MODE_ENFORCE;
	http_req_limits_default(&h->limits);
	h->timeouts.header_ms = 10000;
	h->timeouts.body_ms = 30000;
	h->timeouts.keepalive_ms = 60000;
	h->timeouts.response_ms = 60000;
	h->clients.max_per_source = HTTP_DEF_PER_SOURCE;
	h->clients.min_read_rate = HTTP_DEF_MIN_READ_RATE;
	h->pool.idle = 32;
	h->pool.idle_timeout_ms = 60000;
	h->rate.per_ip.period_ms = h->rate.per_entity.period_ms = 1000;
	h->rate.per_api_key.period_ms = 1000;
	strcpy(h->rate.api_key_header, "X-API-Key");
	h->rate.cooldown_ms = 60000;
	h->rate.table_size = 65536;
	h->bots.enabled = true;
	h->bots.score = 6;
	h->bots.block_after = 20;
	h->bots.window_ms = 60000;
	h->bots.block_ms = 600000;
	h->bots.default_user_agents = true;
	h->waf.threshold = WAF_THRESHOLD_DEFAULT;
	h->tarpit.max = 256;
	h->breaker.failures = 5;
	h->breaker.open_ms = 10000;
	h->breaker.half_open = 1;
	h->adaptive.min_factor = 10;
	h->adaptive.recover_ms = 30000;
	if (http_challenge_defaults(&h->challenge))
		return -ENOMEM;
	h->resp_set = malloc(sizeof(default_set));
	h->resp_remove = malloc(sizeof(default_remove));
	if (!h->resp_set || !h->resp_remove)
		return -ENOMEM;
	memcpy(h->resp_set, default_set, sizeof(default_set));
	h->n_resp_set = CFG_ARRAY_SIZE(default_set);
	memcpy(h->resp_remove, default_remove, sizeof(default_remove));
	h->n_resp_remove = CFG_ARRAY_SIZE(default_remove);
	return 0;
}

/* ---- limits, timeouts, pool, trusted_proxies ---- */

int http_get_methods(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		     unsigned *out)
{
	unsigned bits = 0;
	char d[64];
	int x, ret;

	if (cfg_is_null(v) || (v->type == CFG_NODE_SEQ && !v->n_kids))
		return cfg_error(c, v->line, "%s: must list at least one method", path);
	if ((ret = cfg_seq_check(c, v, path)))
		return ret;
	for (size_t i = 0; i < v->n_kids; i++) {
		if ((ret = cfg_get_enum(c, v->kids[i], path, methods, &x)))
			return ret;
		if (bits & (1u << x))
			return cfg_error(c, v->kids[i]->line, "%s: %s is listed twice", path,
					 cfg_describe(v->kids[i], d, sizeof(d)));
		bits |= 1u << x;
	}
	*out = bits;
	return 0;
}

static int set_methods(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		       const char *path, void *obj)
{
	(void)f;
	return http_get_methods(c, v, path, &((HS *)obj)->h.limits.methods);
}

static const struct cfg_field limit_fields[] = {
	CFG_UINT("header_bytes", HS, h.limits.max_head_bytes, 1024, 1u << 20),
	CFG_UINT("headers", HS, h.limits.max_headers, 1, 10000),
	CFG_UINT("uri", HS, h.limits.max_uri, 16, 1u << 20),
	CFG_UINT("body", HS, h.limits.max_body, 0, 1ull << 40),
	CFG_CUSTOM("methods", set_methods),
};

/* The request line holds the URI, and the request line is part of the head. */
static int set_limits(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	const struct cfg_node *seen[CFG_ARRAY_SIZE(limit_fields)];
	const struct http_req_limits *l = &((HS *)obj)->h.limits;
	int ret;

	(void)f;
	ret = cfg_map_walk(c, v, path, limit_fields, CFG_ARRAY_SIZE(limit_fields), obj, seen);
	if (ret || l->max_uri < l->max_head_bytes)
		return ret;
	return cfg_error(c, seen[2] ? seen[2]->line : seen[0] ? seen[0]->line : v->line,
			 "%s: uri %zu must be smaller than header_bytes %zu (the request line is part of the head)",
			 path, l->max_uri, l->max_head_bytes);
}

static const struct cfg_field timeout_fields[] = {
	CFG_MSECS("header", HS, h.timeouts.header_ms, 1, PROXY_MAX_DURATION_MS),
	CFG_MSECS("body", HS, h.timeouts.body_ms, 1, PROXY_MAX_DURATION_MS),
	CFG_MSECS("keepalive", HS, h.timeouts.keepalive_ms, 0, PROXY_MAX_DURATION_MS),
	CFG_MSECS("response", HS, h.timeouts.response_ms, 1, PROXY_MAX_DURATION_MS),
};

static const struct cfg_field client_fields[] = {
	CFG_UINT("max_per_source", HS, h.clients.max_per_source, 0, 1u << 20),
	CFG_UINT("min_read_rate", HS, h.clients.min_read_rate, 0, 1000000000),
};

static const struct cfg_field pool_fields[] = {
	CFG_UINT("idle", HS, h.pool.idle, 0, 4096),
	CFG_MSECS("idle_timeout", HS, h.pool.idle_timeout_ms, 1, PROXY_MAX_DURATION_MS),
};

static int set_trusted(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		       const char *path, void *obj)
{
	HS *st = obj;

	(void)f;
	return cfg_get_cidrs(c, v, path, &st->h.trusted, &st->h.n_trusted);
}

/* ---- response_headers ---- */

bool http_token_valid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~", *s))
			return false;
	return true;
}

static int get_header_name(struct cfg_ctx *c, const struct cfg_node *k, const char *path,
			   char out[64])
{
	char d[64];
	int ret = cfg_need_scalar(c, k, path, "a header name");

	if (ret)
		return ret;
	if (!http_token_valid(k->text))
		return cfg_error(c, k->line, "%s: %s is not a valid header name (letters, digits, !#$%%&'*+-.^_`|~)",
				 path, cfg_describe(k, d, sizeof(d)));
	if (strlen(k->text) >= 64)
		return cfg_error(c, k->line, "%s: header name longer than 63 characters", path);
	strcpy(out, k->text);
	return 0;
}

/* A value goes on the wire as is: a CR or LF would split the response. */
static int get_header_value(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
			    char out[512])
{
	char d[64];

	if (v->type != CFG_NODE_SCALAR)
		return cfg_error(c, v->line, "%s: expected a header value, found %s", path,
				 cfg_describe(v, d, sizeof(d)));
	for (const char *s = v->text; *s; s++)
		if ((iscntrl((unsigned char)*s) && *s != '\t'))
			return cfg_error(c, v->line, "%s: the value must not contain CR, LF or other control characters",
					 path);
	if (strlen(v->text) >= 512)
		return cfg_error(c, v->line, "%s: value longer than 511 characters", path);
	strcpy(out, cfg_is_null(v) ? "" : v->text);
	return 0;
}

/* { Name: value, ... }: replaces the defaults, even when empty. */
static int set_resp_set(struct cfg_ctx *c, const struct cfg_field *f,
			const struct cfg_node *v, const char *path, void *obj)
{
	struct http_cfg *h = &((HS *)obj)->h;
	char d[64], sub[CFG_PATH_LEN];
	int ret;

	(void)f;
	free(h->resp_set);
	h->resp_set = NULL;
	h->n_resp_set = 0;
	if (cfg_is_null(v))
		return 0;
	if (v->type != CFG_NODE_MAP)
		return cfg_error(c, v->line, "%s: expected a mapping of header: value, found %s",
				 path, cfg_describe(v, d, sizeof(d)));
	if (v->n_kids / 2 > HTTP_MAX_RESP_HEADERS)
		return cfg_error(c, v->kids[2 * HTTP_MAX_RESP_HEADERS]->line,
				 "%s: more than %d headers", path, HTTP_MAX_RESP_HEADERS);
	if (!(h->resp_set = calloc(v->n_kids / 2 + 1, sizeof(*h->resp_set))))
		return cfg_oom(c);
	for (size_t i = 0; i + 1 < v->n_kids; i += 2) {
		struct http_resp_header *e = &h->resp_set[i / 2];

		if ((ret = get_header_name(c, v->kids[i], path, e->name)))
			return ret;
		cfg_path_join(sub, path, e->name);
		if ((ret = get_header_value(c, v->kids[i + 1], sub, e->value)))
			return ret;
		for (size_t j = 0; j < i / 2; j++)
			if (!strcasecmp(h->resp_set[j].name, e->name))
				return cfg_error(c, v->kids[i]->line, "%s: header '%s' is set twice",
						 path, e->name);
		h->n_resp_set = i / 2 + 1;
	}
	return 0;
}

static int set_resp_remove(struct cfg_ctx *c, const struct cfg_field *f,
			   const struct cfg_node *v, const char *path, void *obj)
{
	struct http_cfg *h = &((HS *)obj)->h;
	int ret;

	(void)f;
	free(h->resp_remove);
	h->resp_remove = NULL;
	h->n_resp_remove = 0;
	if (cfg_is_null(v))
		return 0;
	if ((ret = cfg_seq_check(c, v, path)))
		return ret;
	if (v->n_kids > HTTP_MAX_RESP_HEADERS)
		return cfg_error(c, v->kids[HTTP_MAX_RESP_HEADERS]->line, "%s: more than %d headers",
				 path, HTTP_MAX_RESP_HEADERS);
	if (!(h->resp_remove = calloc(v->n_kids + 1, sizeof(*h->resp_remove))))
		return cfg_oom(c);
	for (size_t i = 0; i < v->n_kids; i++) {
		if ((ret = get_header_name(c, v->kids[i], path, h->resp_remove[i])))
			return ret;
		for (size_t j = 0; j < i; j++)
			if (!strcasecmp(h->resp_remove[j], h->resp_remove[i]))
				return cfg_error(c, v->kids[i]->line, "%s: header '%s' is listed twice",
						 path, h->resp_remove[i]);
		h->n_resp_remove = i + 1;
	}
	return 0;
}

static const struct cfg_field resp_fields[] = {
	CFG_CUSTOM("set", set_resp_set),
	CFG_CUSTOM("remove", set_resp_remove),
};

static int set_hosts(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		     const char *path, void *obj)
{
	HS *st = obj;

	(void)f;
	(void)c;
	st->hosts = v;	/* read after the walk: see struct http_state */
	snprintf(st->hosts_path, sizeof(st->hosts_path), "%s", path);
	return 0;
}

/* ---- the block ---- */

enum { HT_MODE, HT_TRUSTED, HT_PRIVATE, HT_LIMITS, HT_TIMEOUTS, HT_CLIENTS, HT_POOL, HT_RESP,
       HT_RATE,
       HT_ALLOW, HT_DENY, HT_BOTS, HT_FUNNEL, HT_WAF, HT_TARPIT, HT_BREAKER, HT_ADAPTIVE,
       HT_EVENTS, HT_CHALLENGE, HT_HOSTS, HT_MAX };

static const struct cfg_field http_fields[] = {
	[HT_MODE] = CFG_ENUM("mode", HS, h.mode, http_mode_words),
	[HT_TRUSTED] = CFG_CUSTOM("trusted_proxies", set_trusted),
	[HT_PRIVATE] = CFG_BOOL("allow_private_upstreams", HS, h.allow_private_upstreams),
	[HT_LIMITS] = CFG_CUSTOM("limits", set_limits),
	[HT_TIMEOUTS] = CFG_SECTION("timeouts", timeout_fields),
	[HT_CLIENTS] = CFG_SECTION("clients", client_fields),
	[HT_POOL] = CFG_SECTION("upstream_pool", pool_fields),
	[HT_RESP] = CFG_SECTION("response_headers", resp_fields),
	[HT_RATE] = CFG_CUSTOM("rate_limits", http_set_rate_limits),
	[HT_ALLOW] = CFG_CUSTOM("allow", http_set_allow),
	[HT_DENY] = CFG_CUSTOM("deny", http_set_deny),
	[HT_BOTS] = CFG_CUSTOM("bots", http_set_bots),
	[HT_FUNNEL] = CFG_CUSTOM("funnel", http_set_funnel),
	[HT_WAF] = CFG_CUSTOM("waf", http_set_waf),
	[HT_TARPIT] = CFG_CUSTOM("tarpit", http_set_tarpit),
	[HT_BREAKER] = CFG_CUSTOM("circuit_breaker", http_set_breaker),
	[HT_ADAPTIVE] = CFG_CUSTOM("adaptive_rate", http_set_adaptive),
	[HT_EVENTS] = CFG_CUSTOM("events", http_set_events),
	[HT_CHALLENGE] = CFG_CUSTOM("challenge", http_set_challenge),
	[HT_HOSTS] = CFG_CUSTOM("hosts", set_hosts),
};
_Static_assert(CFG_ARRAY_SIZE(http_fields) == HT_MAX, "http table complete");
_Static_assert(HT_MAX <= CFG_MAX_KEYS, "the walker takes this many keys");

static int parse_http(struct cfg_ctx *c, const struct cfg_node *v, const char *path, HS *st)
{
	const struct cfg_node *seen[HT_MAX];
	char d[64];
	int ret;

	if (http_defaults(&st->h))
		return cfg_oom(c);
	if (cfg_is_null(v) || v->type != CFG_NODE_MAP)
		return cfg_error(c, v->line, "%s: expected a mapping with at least 'hosts', found %s",
				 path, cfg_describe(v, d, sizeof(d)));
	if ((ret = cfg_map_walk(c, v, path, http_fields, HT_MAX, st, seen)))
		return ret;
	if (!seen[HT_HOSTS])
		return cfg_error(c, v->line, "%s: missing 'hosts'", path);
	return http_parse_hosts(c, st);
}

int cfg_http_parse(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		   struct http_cfg **out)
{
	HS *st = calloc(1, sizeof(*st));
	int ret;

	if (!st)
		return cfg_oom(c);
	ret = parse_http(c, v, path, st);
	if (!ret && !(*out = malloc(sizeof(**out))))
		ret = cfg_oom(c);
	if (ret)
		http_cfg_free(&st->h);
	else
		**out = st->h;	/* ownership moves with it */
	free(st);
	return ret;
}

int cfg_http_proxy_check(struct cfg_ctx *c, const char *path, int line, struct proxy_cfg *p,
			 const struct cfg_node *upstream, const struct cfg_node *one_to_one)
{
	if (upstream)
		return cfg_error(c, upstream->line,
				 "%s.upstream: not used by http proxies; each route has its own (http.hosts[].routes[].upstreams)",
				 path);
	if (one_to_one)
		return cfg_error(c, one_to_one->line,
				 "%s.one_to_one: meaningless for http proxies (routes choose upstreams by host and path)",
				 path);
	if (!p->http)
		return cfg_error(c, line, "%s: missing 'http' (an http proxy needs its hosts)", path);
	if (p->timeouts.client_read_ms || p->timeouts.upstream_read_ms)
		return cfg_error(c, line,
				 "%s.timeouts: client_read and upstream_read are for tcp proxies; http proxies use http.timeouts (header, body, response)",
				 path);
	for (size_t i = 0; i < p->http->n_hosts; i++)
		for (size_t j = 0; j < p->http->hosts[i].n_routes; j++)
			if (p->http->hosts[i].routes[j].algo < 0)
				p->http->hosts[i].routes[j].algo = (int)p->algo;
	return 0;
}
