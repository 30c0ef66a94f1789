// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * router: Host + path -> host and route, from a config loaded through the
 * real parser (so names are normalised as in production): exact names,
 * wildcards, the default host, ports, case, trailing dots, IPv6 literals,
 * and longest-prefix routes on segment boundaries.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/http_cfg.h"
#include "config/proxy_config.h"
#include "http/router.h"

static struct aegis_config *load(const char *hosts)
{
	static const char head[] =
		"proxies:\n"
		"  - name: web\n"
		"    protocol: http\n"
		"    origin: { ports: 8080 }\n"
		"    http:\n"
		"      hosts:\n";
	char yaml[4096], err[512] = "";
	struct aegis_config *cfg = NULL;

	snprintf(yaml, sizeof(yaml), "%s%s", head, hosts);
	cr_assert_eq(config_load_string("r.yaml", yaml, &cfg, err, sizeof(err)), 0, "%s", err);
	return cfg;
}

#define UPS "upstreams: [\"http://198.18.1.2\"]"

static const char hosts_yaml[] =
	"        - names: [example.com, www.example.com]\n"		/* host 0 */
	"          routes:\n"
	"            - { path: /, " UPS " }\n"			/* 0 */
	"            - { path: /api, " UPS " }\n"			/* 1 */
	"            - { path: /api/v2/, " UPS " }\n"		/* 2 */
	"            - { path: /static/, " UPS " }\n"		/* 3 */
	"        - names: [\"*.example.com\"]\n"			/* host 1 */
	"          routes: [ { path: /, " UPS " } ]\n"
	"        - names: [\"*.eu.example.com\", \"[2001:db8::1]\", 198.18.0.9]\n"	/* host 2 */
	"          routes: [ { path: /only, " UPS " } ]\n"
	"        - names: [fallback.test]\n"			/* host 3 */
	"          default: true\n"
	"          routes: [ { path: /, " UPS " } ]\n";

struct rcase {
	const char *host, *path;
	size_t host_index, route_index;	/* SIZE_MAX: none */
};

static void run(const struct router *r, const struct http_cfg *h, const struct rcase *c)
{
	const struct http_route *route = (const struct http_route *)1;
	size_t hi = 7, ri = 7;
	const struct http_host *got = router_match(r, c->host, strlen(c->host), c->path,
						   strlen(c->path), &route, &hi, &ri);

	cr_expect_eq(hi, c->host_index, "Host '%s' path '%s': host %zu, want %zu", c->host,
		     c->path, hi, c->host_index);
	cr_expect_eq(ri, c->route_index, "Host '%s' path '%s': route %zu, want %zu", c->host,
		     c->path, ri, c->route_index);
	if (c->host_index == SIZE_MAX)
		cr_expect_null(got);
	else
		cr_expect_eq(got, &h->hosts[c->host_index]);
	if (c->route_index == SIZE_MAX)
		cr_expect_null(route);
	else if (got)
		cr_expect_eq(route, &got->routes[c->route_index]);
}

Test(router, matching_table)
{
	static const struct rcase cases[] = {
		{ "example.com", "/", 0, 0 },
		{ "example.com", "/index.html", 0, 0 },
		{ "EXAMPLE.Com", "/api", 0, 1 },
		{ "example.com:8080", "/api/", 0, 1 },
		{ "example.com.", "/api/x", 0, 1 },
		{ "example.com.:443", "/apix", 0, 0 },
		{ "www.example.com", "/api/v2", 0, 1 },		/* "/api/v2/" needs the slash */
		{ "www.example.com", "/api/v2/", 0, 2 },
		{ "www.example.com", "/api/v2/users", 0, 2 },
		{ "www.example.com", "/static", 0, 0 },
		{ "www.example.com", "/static/a.css", 0, 3 },
		{ "a.example.com", "/x", 1, 0 },
		{ "a.b.example.com", "/x", 1, 0 },
		{ "x.eu.example.com", "/only/y", 2, 0 },		/* longest suffix wins */
		{ "x.eu.example.com", "/other", 2, SIZE_MAX },
		{ "eu.example.com", "/x", 1, 0 },			/* *.eu... is not eu... */
		{ "[2001:db8::1]", "/only", 2, 0 },
		{ "[2001:DB8:0::1]:8443", "/only", 2, 0 },
		{ "198.18.0.9:80", "/only", 2, 0 },
		{ "fallback.test", "/", 3, 0 },
		{ "example.org", "/", 3, 0 },			/* no match: default */
		{ "", "/", 3, 0 },				/* no Host: default */
		{ "[nope]", "/", 3, 0 },
		{ "example.com", "", 0, SIZE_MAX },
		{ "example.com", "*", 0, SIZE_MAX },
	};
	struct aegis_config *c = load(hosts_yaml);
	const struct http_cfg *h = c->proxies[0].http;
	struct router *r;

	cr_assert_eq(router_new(h, &r), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(r, h, &cases[i]);
	router_free(r);
	config_free(c);
}

Test(router, no_default_host)
{
	static const struct rcase cases[] = {
		{ "a.org", "/", 0, 0 },
		{ "b.org", "/", 1, 0 },
		{ "c.org", "/", SIZE_MAX, SIZE_MAX },
		{ "", "/", SIZE_MAX, SIZE_MAX },
	};
	struct aegis_config *c = load(
		"        - { names: [a.org], routes: [ { path: /, " UPS " } ] }\n"
		"        - { names: [b.org], routes: [ { path: /, " UPS " } ] }\n");
	const struct http_cfg *h = c->proxies[0].http;
	struct router *r;

	cr_assert_eq(router_new(h, &r), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(r, h, &cases[i]);
	/* The out pointers are optional. */
	cr_assert_eq(router_match(r, "b.org", 5, "/", 1, NULL, NULL, NULL), &h->hosts[1]);
	router_free(r);
	router_free(NULL);
	config_free(c);
}

Test(router, single_host_is_the_default)
{
	struct aegis_config *c = load(
		"        - names: [a.org]\n"
		"          routes: [ { path: /a/, " UPS " }, { path: /a, " UPS " } ]\n");
	const struct http_cfg *h = c->proxies[0].http;
	static const struct rcase cases[] = {
		{ "zzz.example", "/a", 0, 1 },
		{ "zzz.example", "/a/b", 0, 0 },
		{ "zzz.example", "/b", 0, SIZE_MAX },
	};
	struct router *r;

	cr_assert_eq(router_new(h, &r), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(r, h, &cases[i]);
	router_free(r);
	config_free(c);
}

/* Host and path come from clients: any bytes, any length, never a crash. */
Test(router, hostile_input)
{
	static const char alphabet[] = "[]:.*aZ09-/\x00\xff ";
	struct aegis_config *c = load(hosts_yaml);
	const struct http_cfg *h = c->proxies[0].http;
	uint64_t s = 0x9e3779b97f4a7c15ull;
	char host[600], path[600];
	struct router *r;

	cr_assert_eq(router_new(h, &r), 0);
	for (int n = 0; n < 20000; n++) {
		size_t hl = 0, pl = 0;

		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		hl = s % sizeof(host);
		pl = (s >> 16) % sizeof(path);
		for (size_t i = 0; i < hl || i < pl; i++) {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			if (i < hl)
				host[i] = alphabet[s % (sizeof(alphabet) - 1)];
			if (i < pl)
				path[i] = alphabet[(s >> 8) % (sizeof(alphabet) - 1)];
		}
		const struct http_route *route;
		size_t hi, ri;
		const struct http_host *got = router_match(r, host, hl, path, pl, &route, &hi, &ri);

		/* Unmatched names land on the default host (3); a match is one of the hosts. */
		cr_assert(got && hi < h->n_hosts && got == &h->hosts[hi]);
		cr_assert(route ? ri < got->n_routes && route == &got->routes[ri] : ri == SIZE_MAX);
	}
	/* Longer than any name: the default host. */
	memset(host, 'a', sizeof(host));
	cr_assert_eq(router_match(r, host, sizeof(host), "/", 1, NULL, NULL, NULL), &h->hosts[3]);
	router_free(r);
	config_free(c);
}
