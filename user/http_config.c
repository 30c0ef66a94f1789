// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The `http:` block of an http proxy, parsed into struct http_cfg
 * (http_cfg.h) with the config's table-driven walker: mode, request
 * limits, timeouts, the upstream pool, response headers, trusted proxies,
 * and the hosts with their routes and upstream URLs. The request guards
 * (rate limits, allow/deny, bots, funnels, WAF, ...) are in
 * http_config_guard.c, copy/free/equal in http_config_ops.c.
 * docs/CONFIG.md, section "HTTP proxies", describes the same schema.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "http_config_priv.h"
#include "proxy_config.h"
#include "waf.h"

#define HS struct http_state

static const char *const modes[] = {
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

static int set_methods(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		       const char *path, void *obj)
{
	HS *st = obj;
	unsigned bits = 0;
	char d[64];
	int x, ret;

	(void)f;
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
	st->h.limits.methods = bits;
	return 0;
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

/* RFC 9110 token: what a header name may be. */
static bool http_token(const char *s)
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
	if (!http_token(k->text))
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

/* ---- upstream URLs ---- */

/* Not reachable from outside, or the cloud metadata service: SSRF targets. */
static const char *const private_nets[] = {
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
	"172.16.0.0/12", "192.168.0.0/16", "::/128", "::1/128", "fc00::/7", "fe80::/10",
};

/* IPv4 is stored mapped, so the mapped form of an address is the address. */
static bool addr_is_private(const struct aegis_addr *a)
{
	struct aegis_lpm_key k;

	for (size_t i = 0; i < CFG_ARRAY_SIZE(private_nets); i++)
		if (!addr_parse_cidr(private_nets[i], &k, false) && addr_in_cidr(a, &k))
			return true;
	return false;
}

static const char *parse_port(const char *s, const char *end, uint16_t *port)
{
	unsigned long v = 0;

	if (s == end)
		return "the port after ':' is missing";
	for (; s < end; s++) {
		if (!isdigit((unsigned char)*s))
			return "the port must be a number";
		if ((v = v * 10 + (unsigned long)(*s - '0')) > 65535)
			return "the port is out of range (1-65535)";
	}
	if (!v)
		return "the port is out of range (1-65535)";
	*port = (uint16_t)v;
	return NULL;
}

/* The host part of an authority: "[v6]" or an IPv4 literal. */
static const char *parse_host(const char *s, const char *end, struct http_upstream *u,
			      const char **after)
{
	const char *close, *colon;
	char host[ADDR_STRLEN];

	if (*s == '[') {
		if (!(close = memchr(s, ']', (size_t)(end - s))))
			return "an IPv6 address is missing its ']'";
		if ((size_t)(close - s - 1) >= sizeof(host))
			return "not a valid IPv6 address";
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		if (addr_parse(host, &u->addr) || !strchr(host, ':'))
			return "expected an IPv6 address inside [ ]";
		*after = close + 1;
		return NULL;
	}
	colon = memchr(s, ':', (size_t)(end - s));
	if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
		return "IPv6 addresses go in brackets: http://[2001:db8::1]:8080";
	*after = colon ? colon : end;
	if (*after == s)
		return "expected http://IP[:port]";
	if ((size_t)(*after - s) >= sizeof(host))
		return "use an IP address; host names are not resolved";
	memcpy(host, s, (size_t)(*after - s));
	host[*after - s] = '\0';
	if (addr_parse(host, &u->addr))
		return "use an IP address; host names are not resolved";
	return NULL;
}

/* "http://IP[:port][/]". NULL, or what is wrong with it. */
static const char *upstream_parse(const char *url, struct http_upstream *u)
{
	const char *auth, *end, *after, *why;

	if (!strncasecmp(url, "https://", 8))
		return "https upstreams are not supported yet";
	if (strncasecmp(url, "http://", 7))
		return "expected http://IP[:port]";
	auth = url + 7;
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth)))
		return "must not carry user information (user@)";
	if (*end && strcmp(end, "/"))
		return "must not have a path, query or fragment (the request's own path is sent)";
	if ((why = parse_host(auth, end, u, &after)))
		return why;
	u->port = 80;
	if (after == end)
		return NULL;
	if (*after != ':')
		return "expected http://IP[:port]";
	return parse_port(after + 1, end, &u->port);
}

struct route_walk {
	struct http_route r;		/* first: the field tables address it */
	const struct http_cfg *h;
};

static int get_upstream_url(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
			    const struct http_cfg *h, struct http_upstream *u)
{
	char d[64], a[ADDR_STRLEN];
	const char *why;
	int ret;

	if ((ret = cfg_need_scalar(c, v, path, "an upstream URL")))
		return ret;
	if (strlen(v->text) >= sizeof(u->url))
		return cfg_error(c, v->line, "%s: URL longer than %zu characters", path,
				 sizeof(u->url) - 1);
	if ((why = upstream_parse(v->text, u)))
		return cfg_error(c, v->line, "%s: %s: %s", path, cfg_describe(v, d, sizeof(d)), why);
	if (!h->allow_private_upstreams && addr_is_private(&u->addr))
		return cfg_error(c, v->line,
				 "%s: %s is a private, loopback, link-local or metadata address; set allow_private_upstreams: true to use it",
				 path, addr_format(&u->addr, a, sizeof(a)));
	strcpy(u->url, v->text);
	return 0;
}

struct up_walk {
	struct http_upstream u;
	const struct http_cfg *h;
};

static int set_up_url(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	struct up_walk *w = obj;

	(void)f;
	return get_upstream_url(c, v, path, w->h, &w->u);
}

static const struct cfg_field up_fields[] = {
	CFG_CUSTOM("url", set_up_url),
	CFG_UINT("weight", struct up_walk, u.weight, 1, PROXY_MAX_WEIGHT),
};

/* "http://IP:port" or { url, weight }. */
static int get_upstream(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
			const struct http_cfg *h, struct http_upstream *u)
{
	const struct cfg_node *seen[CFG_ARRAY_SIZE(up_fields)];
	struct up_walk w = { .u.weight = 1, .h = h };
	int ret;

	if (v->type != CFG_NODE_MAP) {
		ret = get_upstream_url(c, v, path, h, &w.u);
	} else {
		ret = cfg_map_walk(c, v, path, up_fields, CFG_ARRAY_SIZE(up_fields), &w, seen);
		if (!ret && !seen[0])
			ret = cfg_error(c, v->line, "%s: missing 'url'", path);
	}
	if (!ret)
		*u = w.u;
	return ret;
}

static int set_upstreams(struct cfg_ctx *c, const struct cfg_field *f,
			 const struct cfg_node *v, const char *path, void *obj)
{
	struct route_walk *w = obj;
	struct http_route *r = &w->r;
	int ret;

	(void)f;
	if (cfg_is_null(v) || (v->type == CFG_NODE_SEQ && !v->n_kids))
		return cfg_error(c, v->line, "%s: must list at least one upstream", path);
	if ((ret = cfg_seq_check(c, v, path)))
		return ret;
	if (v->n_kids > HTTP_MAX_UPSTREAMS)
		return cfg_error(c, v->kids[HTTP_MAX_UPSTREAMS]->line, "%s: more than %d upstreams",
				 path, HTTP_MAX_UPSTREAMS);
	if (!(r->ups = calloc(v->n_kids, sizeof(*r->ups))))
		return cfg_oom(c);
	for (size_t i = 0; i < v->n_kids; i++) {
		struct http_upstream *u = &r->ups[i];

		if ((ret = get_upstream(c, v->kids[i], path, w->h, u)))
			return ret;
		for (size_t j = 0; j < i; j++)
			if (!memcmp(&u->addr, &r->ups[j].addr, sizeof(u->addr)) &&
			    u->port == r->ups[j].port)
				return cfg_error(c, v->kids[i]->line, "%s: '%s' is the same upstream as '%s'",
						 path, u->url, r->ups[j].url);
		r->n_ups = i + 1;
	}
	return 0;
}

/* ---- hosts and routes ---- */

int http_get_prefix(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		    char out[HTTP_MAX_PATH])
{
	char d[64];
	int ret = cfg_need_scalar(c, v, path, "a path starting with '/'");

	if (ret)
		return ret;
	if (v->text[0] != '/')
		return cfg_error(c, v->line, "%s: expected a path starting with '/', found %s", path,
				 cfg_describe(v, d, sizeof(d)));
	for (const char *s = v->text; *s; s++)
		if (!isgraph((unsigned char)*s) || *s == '?' || *s == '#')
			return cfg_error(c, v->line, "%s: %s: a path has no spaces, control characters, '?' or '#'",
					 path, cfg_describe(v, d, sizeof(d)));
	if (strlen(v->text) >= HTTP_MAX_PATH)
		return cfg_error(c, v->line, "%s: longer than %d characters", path, HTTP_MAX_PATH - 1);
	strcpy(out, v->text);
	return 0;
}

static int set_route_path(struct cfg_ctx *c, const struct cfg_field *f,
			  const struct cfg_node *v, const char *path, void *obj)
{
	(void)f;
	return http_get_prefix(c, v, path, ((struct route_walk *)obj)->r.prefix);
}

static const struct cfg_field route_fields[] = {
	CFG_CUSTOM("path", set_route_path),
	CFG_CUSTOM("upstreams", set_upstreams),
	CFG_ENUM("balance", struct route_walk, r.algo, cfg_lb_algorithms),
};

struct host_walk {
	struct http_host host;		/* first: the field tables address it */
	const struct http_cfg *h;
};

static int parse_route(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
		       struct host_walk *hw, struct http_route *out)
{
	const struct cfg_node *seen[CFG_ARRAY_SIZE(route_fields)];
	/* algo -1: the proxy's balance.algorithm, filled in by cfg_http_proxy_check(). */
	struct route_walk w = { .r.algo = -1, .r.line = v->line, .h = hw->h };
	int ret;

	if (v->type != CFG_NODE_MAP)
		return cfg_error(c, v->line, "%s: expected a route (a mapping with path and upstreams)",
				 path);
	ret = cfg_map_walk(c, v, path, route_fields, CFG_ARRAY_SIZE(route_fields), &w, seen);
	*out = w.r;	/* owned by the host from here, on error too */
	if (ret)
		return ret;
	for (size_t i = 0; i < CFG_ARRAY_SIZE(seen) - 1; i++)
		if (!seen[i])
			return cfg_error(c, v->line, "%s: missing '%s'", path, route_fields[i].key);
	for (size_t j = 0; j < hw->host.n_routes; j++)
		if (!strcmp(hw->host.routes[j].prefix, out->prefix))
			return cfg_error(c, seen[0]->line, "%s: path '%s' is routed twice (first at line %d)",
					 path, out->prefix, hw->host.routes[j].line);
	return 0;
}

static int set_routes(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		      const char *path, void *obj)
{
	struct host_walk *hw = obj;
	char sub[CFG_PATH_LEN];
	int ret;

	(void)f;
	if (cfg_is_null(v) || (v->type == CFG_NODE_SEQ && !v->n_kids))
		return cfg_error(c, v->line, "%s: must list at least one route", path);
	if ((ret = cfg_seq_check(c, v, path)))
		return ret;
	if (v->n_kids > HTTP_MAX_ROUTES)
		return cfg_error(c, v->kids[HTTP_MAX_ROUTES]->line, "%s: more than %d routes", path,
				 HTTP_MAX_ROUTES);
	if (!(hw->host.routes = calloc(v->n_kids, sizeof(*hw->host.routes))))
		return cfg_oom(c);
	for (size_t i = 0; i < v->n_kids; i++) {
		snprintf(sub, sizeof(sub), "%.100s[%zu]", path, i);
		ret = parse_route(c, v->kids[i], sub, hw, &hw->host.routes[i]);
		hw->host.n_routes = i + 1;
		if (ret)
			return ret;
	}
	return 0;
}

/* DNS labels: 1-63 of [a-z0-9-], no '-' at either end. */
static bool dns_name_valid(const char *s)
{
	size_t len = 0;

	for (;; s++) {
		if (*s == '.' || !*s) {
			if (!len || len > 63 || s[-1] == '-')
				return false;
			if (!*s)
				return true;
			len = 0;
			continue;
		}
		if (!(isdigit((unsigned char)*s) || (*s >= 'a' && *s <= 'z') || (*s == '-' && len)))
			return false;
		len++;
	}
}

/*
 * Lowercased into out, without a trailing dot; IP literals (IPv6 with or
 * without brackets) in their canonical form. NULL, or what is wrong.
 */
static const char *host_name_norm(const char *s, char out[HTTP_MAX_HOSTNAME + 1])
{
	size_t n = strlen(s);
	struct aegis_addr a;
	char ip[ADDR_STRLEN];

	if (n && s[n - 1] == '.')
		n--;
	if (s[0] == '[' && n > 2 && s[n - 1] == ']' && n - 2 < sizeof(ip)) {
		memcpy(ip, s + 1, n - 2);
		ip[n - 2] = '\0';
		if (addr_parse(ip, &a) || !strchr(ip, ':'))
			return "expected an IPv6 address inside [ ]";
		addr_format(&a, out, HTTP_MAX_HOSTNAME + 1);
		return NULL;
	}
	if (!n || n > HTTP_MAX_HOSTNAME)
		return "a host name has 1-253 characters";
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[n] = '\0';
	if (!addr_parse(out, &a)) {
		addr_format(&a, out, HTTP_MAX_HOSTNAME + 1);
		return NULL;
	}
	if (out[0] == '*' && out[1] != '.')
		return "a wildcard is '*.' followed by a domain (default: true catches every other name)";
	if (!dns_name_valid(out[0] == '*' ? out + 2 : out))
		return "not a valid host name (labels of a-z 0-9 -, or *.domain, or an IP address)";
	return NULL;
}

/* The same name in an earlier host: its line, else 0. */
static int name_taken(const struct http_cfg *h, const char *name)
{
	for (size_t i = 0; i < h->n_hosts; i++)
		for (size_t j = 0; j < h->hosts[i].n_names; j++)
			if (!strcmp(h->hosts[i].names[j], name))
				return h->hosts[i].line;
	return 0;
}

static int set_names(struct cfg_ctx *c, const struct cfg_field *f, const struct cfg_node *v,
		     const char *path, void *obj)
{
	struct host_walk *hw = obj;
	struct http_host *host = &hw->host;
	const char *why;
	char d[64];
	int ret, at;

	(void)f;
	if (cfg_is_null(v) || (v->type == CFG_NODE_SEQ && !v->n_kids))
		return cfg_error(c, v->line, "%s: must list at least one name", path);
	if ((ret = cfg_seq_check(c, v, path)))
		return ret;
	if (v->n_kids > HTTP_MAX_HOST_NAMES)
		return cfg_error(c, v->kids[HTTP_MAX_HOST_NAMES]->line, "%s: more than %d names",
				 path, HTTP_MAX_HOST_NAMES);
	if (!(host->names = calloc(v->n_kids, sizeof(*host->names))))
		return cfg_oom(c);
	for (size_t i = 0; i < v->n_kids; i++) {
		const struct cfg_node *k = v->kids[i];

		if ((ret = cfg_need_scalar(c, k, path, "a host name")))
			return ret;
		if ((why = host_name_norm(k->text, host->names[i])))
			return cfg_error(c, k->line, "%s: %s: %s", path, cfg_describe(k, d, sizeof(d)),
					 why);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(host->names[j], host->names[i]))
				return cfg_error(c, k->line, "%s: '%s' is listed twice", path,
						 host->names[i]);
		if ((at = name_taken(hw->h, host->names[i])))
			return cfg_error(c, k->line, "%s: '%s' already belongs to the host at line %d",
					 path, host->names[i], at);
		host->n_names = i + 1;
	}
	return 0;
}

enum { HO_NAMES, HO_ROUTES, HO_DEFAULT, HO_MODE, HO_WAF, HO_MAX };

static const struct cfg_field host_fields[] = {
	[HO_NAMES] = CFG_CUSTOM("names", set_names),
	[HO_ROUTES] = CFG_CUSTOM("routes", set_routes),
	[HO_DEFAULT] = CFG_BOOL("default", struct host_walk, host.is_default),
	[HO_MODE] = CFG_ENUM("mode", struct host_walk, host.mode, modes),
	[HO_WAF] = CFG_UINT("waf_threshold", struct host_walk, host.waf_threshold, 0,
			    WAF_SCORE_BLOCK),
};
_Static_assert(CFG_ARRAY_SIZE(host_fields) == HO_MAX, "host table complete");

/* Appends one host to h; *default_line is that of the default host so far. */
static int parse_host_entry(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
			    struct http_cfg *h, int *default_line)
{
	const struct cfg_node *seen[HO_MAX];
	struct host_walk w = {
		.host = { .mode = h->mode, .waf_threshold = h->waf.threshold, .line = v->line },
		.h = h,
	};
	int ret;

	if (v->type != CFG_NODE_MAP)
		return cfg_error(c, v->line, "%s: expected a host (a mapping with names and routes)",
				 path);
	ret = cfg_map_walk(c, v, path, host_fields, HO_MAX, &w, seen);
	h->hosts[h->n_hosts++] = w.host;	/* owned by h from here, on error too */
	if (ret)
		return ret;
	for (int i = HO_NAMES; i <= HO_ROUTES; i++)
		if (!seen[i])
			return cfg_error(c, v->line, "%s: missing '%s'", path, host_fields[i].key);
	if (w.host.is_default && *default_line)
		return cfg_error(c, seen[HO_DEFAULT]->line,
				 "%s.default: only one host can be the default (the host at line %d is)",
				 path, *default_line);
	if (w.host.is_default)
		*default_line = v->line;
	return 0;
}

static int parse_hosts(struct cfg_ctx *c, HS *st)
{
	const struct cfg_node *v = st->hosts;
	struct http_cfg *h = &st->h;
	char sub[CFG_PATH_LEN];
	int ret, default_line = 0;

	if (cfg_is_null(v) || (v->type == CFG_NODE_SEQ && !v->n_kids))
		return cfg_error(c, v->line, "%s: must list at least one host", st->hosts_path);
	if ((ret = cfg_seq_check(c, v, st->hosts_path)))
		return ret;
	if (v->n_kids > HTTP_MAX_HOSTS)
		return cfg_error(c, v->kids[HTTP_MAX_HOSTS]->line, "%s: more than %d hosts",
				 st->hosts_path, HTTP_MAX_HOSTS);
	if (!(h->hosts = calloc(v->n_kids, sizeof(*h->hosts))))
		return cfg_oom(c);
	for (size_t i = 0; i < v->n_kids; i++) {
		snprintf(sub, sizeof(sub), "%.100s[%zu]", st->hosts_path, i);
		if ((ret = parse_host_entry(c, v->kids[i], sub, h, &default_line)))
			return ret;
	}
	/* One host serves everything sent to this proxy. */
	if (h->n_hosts == 1)
		h->hosts[0].is_default = true;
	return 0;
}

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

enum { HT_MODE, HT_TRUSTED, HT_PRIVATE, HT_LIMITS, HT_TIMEOUTS, HT_POOL, HT_RESP, HT_RATE,
       HT_ALLOW, HT_DENY, HT_BOTS, HT_FUNNEL, HT_WAF, HT_TARPIT, HT_BREAKER, HT_ADAPTIVE,
       HT_EVENTS, HT_HOSTS, HT_MAX };

static const struct cfg_field http_fields[] = {
	[HT_MODE] = CFG_ENUM("mode", HS, h.mode, modes),
	[HT_TRUSTED] = CFG_CUSTOM("trusted_proxies", set_trusted),
	[HT_PRIVATE] = CFG_BOOL("allow_private_upstreams", HS, h.allow_private_upstreams),
	[HT_LIMITS] = CFG_CUSTOM("limits", set_limits),
	[HT_TIMEOUTS] = CFG_SECTION("timeouts", timeout_fields),
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
	return parse_hosts(c, st);
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
	for (size_t i = 0; i < p->http->n_hosts; i++)
		for (size_t j = 0; j < p->http->hosts[i].n_routes; j++)
			if (p->http->hosts[i].routes[j].algo < 0)
				p->http->hosts[i].routes[j].algo = (int)p->algo;
	return 0;
}
