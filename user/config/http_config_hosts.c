// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The hosts of an http proxy's `http:` block (http_cfg.h): names (DNS
 * names, wildcards, IP literals), routes with their path prefixes, and
 * upstream URLs, which must be http://IP[:port] and, unless
 * allow_private_upstreams, public addresses. Read after the rest of the
 * block, whose mode, waf.threshold and allow_private_upstreams they use.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/addr.h"
#include "config/http_config_priv.h"
#include "config/proxy_config.h"
#include "guard/waf.h"

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

enum { HO_NAMES, HO_ROUTES, HO_DEFAULT, HO_MODE, HO_WAF, HO_REP, HO_CHAL, HO_MAX };

static const struct cfg_field host_fields[] = {
	[HO_NAMES] = CFG_CUSTOM("names", set_names),
	[HO_ROUTES] = CFG_CUSTOM("routes", set_routes),
	[HO_DEFAULT] = CFG_BOOL("default", struct host_walk, host.is_default),
	[HO_MODE] = CFG_ENUM("mode", struct host_walk, host.mode, http_mode_words),
	[HO_WAF] = CFG_UINT("waf_threshold", struct host_walk, host.waf_threshold, 0,
			    WAF_SCORE_BLOCK),
	[HO_REP] = CFG_ENUM("reputation", struct host_walk, host.rep_mode, http_mode_words),
	[HO_CHAL] = CFG_CUSTOM("challenge", http_set_host_challenge),	/* obj: its host, first */
};
_Static_assert(CFG_ARRAY_SIZE(host_fields) == HO_MAX, "host table complete");

/* Appends one host to h; *default_line is that of the default host so far. */
static int parse_host_entry(struct cfg_ctx *c, const struct cfg_node *v, const char *path,
			    struct http_cfg *h, int *default_line)
{
	const struct cfg_node *seen[HO_MAX];
	struct host_walk w = {
		.host = { .mode = h->mode, .waf_threshold = h->waf.threshold,
			  .rep_mode = HTTP_MODE_ENFORCE, .line = v->line,
			  .chal_mode = h->challenge.mode, .chal_difficulty = h->challenge.difficulty,
			  .chal_always = h->challenge.always },
		.h = h,
	};
	int ret;

	memcpy(w.host.chal_title, h->challenge.title, sizeof(w.host.chal_title));
	memcpy(w.host.chal_text, h->challenge.text, sizeof(w.host.chal_text));

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

int http_parse_hosts(struct cfg_ctx *c, struct http_state *st)
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

