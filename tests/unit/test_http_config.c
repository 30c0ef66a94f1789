// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The `http:` block of http proxies (user/config/http_config*.c): every key lands
 * in struct http_cfg, defaults hold, upstream URLs and host names are
 * validated, every error names the right line, and copy/free/equal are
 * deep. Runs from the repository root.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/addr.h"
#include "config/config.h"
#include "config/http_cfg.h"
#include "config/proxy_config.h"
#include "guard/waf.h"
#include "unit/fixtures.h"

#define NAME "h.yaml"

/* Lines 1-5; what follows is inside http: at line 6. */
#define HEAD \
	"proxies:\n" \
	"  - name: web\n" \
	"    protocol: http\n" \
	"    origin: { ports: 8080 }\n" \
	"    http:\n"
#define HOSTS \
	"      hosts:\n" \
	"        - names: [example.com]\n" \
	"          routes: [ { path: /, upstreams: [\"http://198.18.1.2:8080\"] } ]\n"

static const struct http_cfg *http_of(const struct aegis_config *c)
{
	cr_assert_eq(c->n_proxies, 1);
	cr_assert_not_null(c->proxies[0].http);
	return c->proxies[0].http;
}

/* ---- the proxy around it ---- */

Test(http_config, minimal_proxy_and_defaults)
{
	struct aegis_config *c = load_ok(HEAD HOSTS);
	const struct proxy_cfg *p = &c->proxies[0];
	const struct http_cfg *h = http_of(c);
	const struct http_route *r;

	cr_assert(p->tcp && !p->udp, "http is tcp");
	cr_assert_eq(p->n_up_addrs, 0);
	cr_assert_not(p->one_to_one);
	cr_assert_eq(h->mode, HTTP_MODE_ENFORCE);
	cr_assert_not(h->allow_private_upstreams);
	cr_assert_eq(h->n_trusted, 0);
	cr_assert_eq(h->limits.max_head_bytes, HTTP_DEF_MAX_HEAD);
	cr_assert_eq(h->limits.max_headers, HTTP_DEF_MAX_HEADERS);
	cr_assert_eq(h->limits.max_uri, HTTP_DEF_MAX_URI);
	cr_assert_eq(h->limits.max_body, HTTP_DEF_MAX_BODY);
	cr_assert_eq(h->limits.methods, HTTP_M_DEFAULT);
	cr_assert_eq(h->timeouts.header_ms, 10000);
	cr_assert_eq(h->timeouts.body_ms, 30000);
	cr_assert_eq(h->timeouts.keepalive_ms, 60000);
	cr_assert_eq(h->timeouts.response_ms, 60000);
	cr_assert_eq(h->pool.idle, 32);
	cr_assert_eq(h->pool.idle_timeout_ms, 60000);
	cr_assert_eq(h->n_resp_set, 3);
	cr_assert_str_eq(h->resp_set[0].name, "X-Content-Type-Options");
	cr_assert_str_eq(h->resp_set[0].value, "nosniff");
	cr_assert_str_eq(h->resp_set[1].name, "X-Frame-Options");
	cr_assert_str_eq(h->resp_set[1].value, "SAMEORIGIN");
	cr_assert_str_eq(h->resp_set[2].name, "Referrer-Policy");
	cr_assert_str_eq(h->resp_set[2].value, "strict-origin-when-cross-origin");
	cr_assert_eq(h->n_resp_remove, 2);
	cr_assert_str_eq(h->resp_remove[0], "Server");
	cr_assert_str_eq(h->resp_remove[1], "X-Powered-By");
	cr_assert_eq(h->rate.per_ip.rate, 0);
	cr_assert_eq(h->rate.per_ip.period_ms, 1000);
	cr_assert_str_eq(h->rate.api_key_header, "X-API-Key");
	cr_assert_eq(h->rate.cooldown_ms, 60000);
	cr_assert_eq(h->rate.table_size, 65536);
	cr_assert_eq(h->rate.hot_multiplier, 0);
	cr_assert(h->bots.enabled && h->bots.default_user_agents);
	cr_assert_eq(h->bots.score, 6);
	cr_assert_eq(h->bots.block_after, 20);
	cr_assert_eq(h->bots.window_ms, 60000);
	cr_assert_eq(h->bots.block_ms, 600000);
	cr_assert_eq(h->waf.threshold, WAF_THRESHOLD_DEFAULT);
	cr_assert_eq(h->waf.n_rules, 0);
	cr_assert_eq(h->tarpit.delay_ms, 0);
	cr_assert_eq(h->tarpit.max, 256);
	cr_assert_eq(h->breaker.failures, 5);
	cr_assert_eq(h->breaker.open_ms, 10000);
	cr_assert_eq(h->breaker.half_open, 1);
	cr_assert_eq(h->adaptive.p95_ms, 0);
	cr_assert_eq(h->adaptive.min_factor, 10);
	cr_assert_eq(h->adaptive.recover_ms, 30000);
	cr_assert_str_eq(h->events_path, "");
	cr_assert_eq(h->n_hosts, 1);
	cr_assert(h->hosts[0].is_default, "a single host is the default");
	cr_assert_eq(h->hosts[0].mode, HTTP_MODE_ENFORCE);
	cr_assert_eq(h->hosts[0].waf_threshold, WAF_THRESHOLD_DEFAULT);
	cr_assert_eq(h->hosts[0].line, 7);
	cr_assert_str_eq(h->hosts[0].names[0], "example.com");
	cr_assert_eq(h->hosts[0].n_routes, 1);
	r = &h->hosts[0].routes[0];
	cr_assert_str_eq(r->prefix, "/");
	cr_assert_eq(r->algo, PROXY_LB_ROUND_ROBIN);
	cr_assert_eq(r->n_ups, 1);
	fx_assert_addr(&r->ups[0].addr, "198.18.1.2");
	cr_assert_eq(r->ups[0].port, 8080);
	cr_assert_eq(r->ups[0].weight, 1);
	cr_assert_str_eq(r->ups[0].url, "http://198.18.1.2:8080");
	config_free(c);
}

Test(http_config, tcp_proxies_have_no_http)
{
	struct aegis_config *c = load_ok(
		"proxies:\n"
		"  - { name: t, protocol: tcp, origin: { ports: 80 }, upstream: { addresses: [198.18.0.1] } }\n");

	cr_assert_null(c->proxies[0].http);
	config_free(c);
}

Test(http_config, proxy_level_errors)
{
	static const struct err_case cases[] = {
		{ "proxies:\n  - name: web\n    protocol: http\n    origin: { ports: 80 }\n", 2,
		  "missing 'http'" },
		{ HEAD HOSTS "    upstream: { addresses: [198.18.0.1] }\n", 9,
		  "http.hosts[].routes[].upstreams" },
		{ HEAD HOSTS "    one_to_one: false\n", 9, "one_to_one: meaningless for http" },
		{ HEAD HOSTS "    timeouts: { client_read: 5s }\n", 2, "http proxies use http.timeouts" },
		{ HEAD HOSTS "    timeouts: { upstream_read: 5s }\n", 2, "client_read and upstream_read are for tcp" },
		{ HEAD HOSTS "    proxy_protocol: { send: v2 }\n", 9,
		  "send: not supported for http proxies" },
		{ "proxies:\n  - { name: t, protocol: tcp, origin: { ports: 80 },\n"
		  "      upstream: { addresses: [198.18.0.1] },\n      http: { hosts: [] } }\n", 4,
		  "http: only for proxies with protocol: http" },
		{ HEAD, 5, "expected a mapping with at least 'hosts'" },
		{ HEAD "      mode: enforce\n", 6, "missing 'hosts'" },
		{ HEAD "      hosts: []\n", 6, "at least one host" },
		{ HEAD "      hots: []\n", 6, "unknown key 'hots'" },
	};

	EXPECT_ERRORS(cases);
}

Test(http_config, proxy_keys_that_stay_valid)
{
	struct aegis_config *c = load_ok(
		HEAD HOSTS
		"    balance: { algorithm: least-conn }\n"
		"    health_check: { interval: 5s }\n"
		"    proxy_protocol: { send: off, accept_from: [198.18.5.0/24] }\n"
		"    xdp: { per_source: { syn: 50 } }\n");
	const struct proxy_cfg *p = &c->proxies[0];

	cr_assert_eq(p->http->hosts[0].routes[0].algo, PROXY_LB_LEAST_CONN,
		     "a route without balance takes the proxy's algorithm");
	cr_assert_eq(p->health.interval_ms, 5000);
	cr_assert_eq(p->n_pp_trusted, 1);
	cr_assert(p->has_xdp && p->xdp.tcp && !p->xdp.udp);
	config_free(c);
}

/* ---- top-level keys ---- */

Test(http_config, every_top_level_key)
{
	struct aegis_config *c = load_ok(HEAD
		"      mode: detect\n"
		"      trusted_proxies: [198.18.0.0/24, \"2001:db8::/32\"]\n"
		"      allow_private_upstreams: true\n"
		"      limits: { header_bytes: 32k, headers: 50, uri: 2048, body: 1M,\n"
		"                methods: [GET, HEAD, CONNECT, TRACE] }\n"
		"      timeouts: { header: 5s, body: 10s, keepalive: 0, response: 2m }\n"
		"      upstream_pool: { idle: 8, idle_timeout: 30s }\n"
		"      response_headers:\n"
		"        set: { X-Frame-Options: DENY, Strict-Transport-Security: \"max-age=63072000\" }\n"
		"        remove: [Server]\n"
		HOSTS);
	const struct http_cfg *h = http_of(c);

	cr_assert_eq(h->mode, HTTP_MODE_DETECT);
	cr_assert_eq(h->hosts[0].mode, HTTP_MODE_DETECT, "hosts inherit the mode");
	cr_assert_eq(h->n_trusted, 2);
	fx_assert_cidr(&h->trusted[0], "198.18.0.0/24");
	fx_assert_cidr(&h->trusted[1], "2001:db8::/32");
	cr_assert(h->allow_private_upstreams);
	cr_assert_eq(h->limits.max_head_bytes, 32000);
	cr_assert_eq(h->limits.max_headers, 50);
	cr_assert_eq(h->limits.max_uri, 2048);
	cr_assert_eq(h->limits.max_body, 1000000);
	cr_assert_eq(h->limits.methods, HTTP_M_GET | HTTP_M_HEAD | HTTP_M_CONNECT | HTTP_M_TRACE);
	cr_assert_eq(h->timeouts.header_ms, 5000);
	cr_assert_eq(h->timeouts.body_ms, 10000);
	cr_assert_eq(h->timeouts.keepalive_ms, 0);
	cr_assert_eq(h->timeouts.response_ms, 120000);
	cr_assert_eq(h->pool.idle, 8);
	cr_assert_eq(h->pool.idle_timeout_ms, 30000);
	cr_assert_eq(h->n_resp_set, 2, "set replaces the defaults");
	cr_assert_str_eq(h->resp_set[0].name, "X-Frame-Options");
	cr_assert_str_eq(h->resp_set[0].value, "DENY");
	cr_assert_str_eq(h->resp_set[1].name, "Strict-Transport-Security");
	cr_assert_str_eq(h->resp_set[1].value, "max-age=63072000");
	cr_assert_eq(h->n_resp_remove, 1);
	cr_assert_str_eq(h->resp_remove[0], "Server");
	config_free(c);
}

Test(http_config, empty_header_lists)
{
	struct aegis_config *c = load_ok(HEAD
		"      response_headers: { set: {}, remove: [] }\n" HOSTS);
	const struct http_cfg *h = http_of(c);

	cr_assert_eq(h->n_resp_set, 0);
	cr_assert_eq(h->n_resp_remove, 0);
	config_free(c);
}

Test(http_config, top_level_errors)
{
	static const struct err_case cases[] = {
		{ HEAD "      mode: strict\n" HOSTS, 6, "expected off, detect or enforce" },
		{ HEAD "      trusted_proxies: [198.18.0.1/24]\n" HOSTS, 6, "host bits set" },
		{ HEAD "      trusted_proxies: [nope]\n" HOSTS, 6, "not a valid address or CIDR" },
		{ HEAD "      trusted_proxies: [198.18.0.0/24, 198.18.0.0/24]\n" HOSTS, 6,
		  "listed twice" },
		{ HEAD "      allow_private_upstreams: maybe\n" HOSTS, 6, "expected true or false" },
		{ HEAD "      limits: { header_bytes: 10 }\n" HOSTS, 6, "out of range" },
		{ HEAD "      limits: { headers: 0 }\n" HOSTS, 6, "out of range" },
		{ HEAD "      limits: { uri: 8192, header_bytes: 4096 }\n" HOSTS, 6,
		  "must be smaller than header_bytes" },
		{ HEAD "      limits: { methods: [GET, get] }\n" HOSTS, 6, "expected GET, HEAD" },
		{ HEAD "      limits: { methods: [GET, GET] }\n" HOSTS, 6, "listed twice" },
		{ HEAD "      limits: { methods: [] }\n" HOSTS, 6, "at least one method" },
		{ HEAD "      limits: { size: 1 }\n" HOSTS, 6, "unknown key 'size'" },
		{ HEAD "      timeouts: { header: 0 }\n" HOSTS, 6, "out of range" },
		{ HEAD "      timeouts: { response: soon }\n" HOSTS, 6, "expected a duration" },
		{ HEAD "      upstream_pool: { idle: 5000 }\n" HOSTS, 6, "out of range" },
		{ HEAD "      response_headers: { set: [a] }\n" HOSTS, 6, "mapping of header: value" },
		{ HEAD "      response_headers: { set: { \"Bad Name\": x } }\n" HOSTS, 6,
		  "not a valid header name" },
		{ HEAD "      response_headers: { set: { X-A: \"a\\r\\nSet-Cookie: x\" } }\n" HOSTS, 6,
		  "must not contain CR, LF" },
		{ HEAD "      response_headers: { set: { X-A: a, x-a: b } }\n" HOSTS, 6,
		  "set twice" },
		{ HEAD "      response_headers: { set: { X-A: [a] } }\n" HOSTS, 6,
		  "expected a header value" },
		{ HEAD "      response_headers: { remove: [Server, server] }\n" HOSTS, 6,
		  "listed twice" },
		{ HEAD "      response_headers: { remove: [\"a:b\"] }\n" HOSTS, 6,
		  "not a valid header name" },
	};

	EXPECT_ERRORS(cases);
}

/* ---- hosts and routes ---- */

Test(http_config, hosts_routes_upstreams)
{
	struct aegis_config *c = load_ok(HEAD
		"      waf: { threshold: 7 }\n"
		"      hosts:\n"
		"        - names: [Example.COM., \"*.Example.com\", \"[2001:DB8::0:1]\", 198.18.0.9]\n"
		"          default: true\n"
		"          mode: off\n"
		"          waf_threshold: 0\n"
		"          routes:\n"
		"            - { path: /api, upstreams: [\"http://198.18.1.2\"], balance: ip-hash }\n"
		"            - path: /\n"
		"              upstreams:\n"
		"                - \"HTTP://[2001:db8:1::3]:81/\"\n"
		"                - { url: \"http://198.18.1.4:8080\", weight: 3 }\n"
		"        - names: [other.org]\n"
		"          routes: [ { path: /, upstreams: [\"http://198.18.1.5:9000\"] } ]\n");
	const struct http_cfg *h = http_of(c);
	const struct http_host *a = &h->hosts[0], *b = &h->hosts[1];

	cr_assert_eq(h->n_hosts, 2);
	cr_assert_eq(a->n_names, 4);
	cr_assert_str_eq(a->names[0], "example.com");
	cr_assert_str_eq(a->names[1], "*.example.com");
	cr_assert_str_eq(a->names[2], "2001:db8::1");
	cr_assert_str_eq(a->names[3], "198.18.0.9");
	cr_assert(a->is_default);
	cr_assert_eq(a->mode, HTTP_MODE_OFF);
	cr_assert_eq(a->waf_threshold, 0);
	cr_assert_eq(a->n_routes, 2);
	cr_assert_str_eq(a->routes[0].prefix, "/api");
	cr_assert_eq(a->routes[0].algo, PROXY_LB_IP_HASH);
	cr_assert_eq(a->routes[0].ups[0].port, 80);
	cr_assert_eq(a->routes[0].line, 13);
	cr_assert_eq(a->routes[1].n_ups, 2);
	fx_assert_addr(&a->routes[1].ups[0].addr, "2001:db8:1::3");
	cr_assert_eq(a->routes[1].ups[0].port, 81);
	cr_assert_eq(a->routes[1].ups[1].weight, 3);
	cr_assert_str_eq(a->routes[1].ups[1].url, "http://198.18.1.4:8080");
	cr_assert_not(b->is_default, "several hosts: only the one marked");
	cr_assert_eq(b->waf_threshold, 7, "hosts inherit waf.threshold");
	cr_assert_eq(b->mode, HTTP_MODE_ENFORCE);
	config_free(c);
}

Test(http_config, upstream_url_errors)
{
#define UP(url) HEAD "      hosts:\n        - names: [a.org]\n          routes:\n" \
	"            - path: /\n              upstreams: [" url "]\n"
	static const struct err_case cases[] = {
		{ UP("\"https://198.18.1.2\""), 10, "https upstreams are not supported yet" },
		{ UP("\"ftp://198.18.1.2\""), 10, "expected http://IP[:port]" },
		{ UP("\"198.18.1.2:80\""), 10, "expected http://IP[:port]" },
		{ UP("\"http://u:p@198.18.1.2\""), 10, "user information" },
		{ UP("\"http://198.18.1.2/app\""), 10, "path, query or fragment" },
		{ UP("\"http://198.18.1.2?x=1\""), 10, "path, query or fragment" },
		{ UP("\"http://backend.local:8080\""), 10,
		  "use an IP address; host names are not resolved" },
		{ UP("\"http://2001:db8::1:80\""), 10, "IPv6 addresses go in brackets" },
		{ UP("\"http://[2001:db8::1\""), 10, "missing its ']'" },
		{ UP("\"http://[198.18.1.2]\""), 10, "IPv6 address inside" },
		{ UP("\"http://198.18.1.2:0\""), 10, "out of range (1-65535)" },
		{ UP("\"http://198.18.1.2:65536\""), 10, "out of range (1-65535)" },
		{ UP("\"http://198.18.1.2:\""), 10, "port after ':' is missing" },
		{ UP("\"http://198.18.1.2:8x\""), 10, "must be a number" },
		{ UP("\"http://\""), 10, "expected http://IP[:port]" },
		{ UP("\"http://198.18.1.2\", \"http://198.18.1.2:80\""), 10, "same upstream" },
		{ UP("{ weight: 2 }"), 10, "missing 'url'" },
		{ UP("{ url: \"http://198.18.1.2\", weight: 0 }"), 10, "out of range" },
		{ UP("{ url: \"http://198.18.1.2\", weight: 1001 }"), 10, "out of range" },
		{ UP("[a]"), 10, "expected an upstream URL" },
		{ HEAD "      hosts:\n        - names: [a.org]\n          routes:\n"
		  "            - path: /\n              upstreams: []\n", 10,
		  "at least one upstream" },
	};

	EXPECT_ERRORS(cases);
}

Test(http_config, private_upstreams)
{
	static const char *const private[] = {
		"127.0.0.1", "127.9.9.9", "10.1.2.3", "172.16.0.1", "172.31.255.255",
		"192.168.1.1", "169.254.169.254", "169.254.1.1", "100.64.0.1", "100.127.255.254",
		"0.0.0.0", "[::1]", "[::]", "[fc00::1]", "[fd12::1]", "[fe80::1]",
		"[::ffff:127.0.0.1]", "[::ffff:169.254.169.254]", "[::ffff:10.0.0.1]",
	};
	static const char *const public[] = {
		"198.18.0.1", "198.19.255.254", "[2001:db8::1]", "172.32.0.1", "100.128.0.1",
		"8.8.8.8", "[2606:4700::1]",
	};
	char yaml[1024];

	for (size_t i = 0; i < sizeof(private) / sizeof(private[0]); i++) {
		snprintf(yaml, sizeof(yaml), UP("\"http://%s:8080\""), private[i]);
		expect_error(yaml, 10, "allow_private_upstreams: true");
		snprintf(yaml, sizeof(yaml),
			 HEAD "      allow_private_upstreams: true\n"
			 "      hosts:\n        - names: [a.org]\n          routes:\n"
			 "            - path: /\n              upstreams: [\"http://%s:8080\"]\n",
			 private[i]);
		config_free(load_ok(yaml));
	}
	for (size_t i = 0; i < sizeof(public) / sizeof(public[0]); i++) {
		snprintf(yaml, sizeof(yaml), UP("\"http://%s:8080\""), public[i]);
		config_free(load_ok(yaml));
	}
#undef UP
}

Test(http_config, host_errors)
{
#define HOST(names) HEAD "      hosts:\n        - names: " names "\n" \
	"          routes: [ { path: /, upstreams: [\"http://198.18.1.2\"] } ]\n"
	static const struct err_case cases[] = {
		{ HOST("[]"), 7, "at least one name" },
		{ HOST("[\"bad_name.org\"]"), 7, "not a valid host name" },
		{ HOST("[\"-a.org\"]"), 7, "not a valid host name" },
		{ HOST("[\"a..org\"]"), 7, "not a valid host name" },
		{ HOST("[\"*\"]"), 7, "a wildcard is '*.'" },
		{ HOST("[\"*a.org\"]"), 7, "a wildcard is '*.'" },
		{ HOST("[\"a.*.org\"]"), 7, "not a valid host name" },
		{ HOST("[\"[nope]\"]"), 7, "IPv6 address inside" },
		{ HOST("[a.org, A.ORG.]"), 7, "listed twice" },
		{ HOST("[[a.org]]"), 7, "expected a host name" },
		{ HEAD "      hosts:\n        - names: [a.org]\n", 7, "missing 'routes'" },
		{ HEAD "      hosts:\n        - routes: []\n", 7, "at least one route" },
		{ HEAD "      hosts:\n        - routes: [ { path: /, upstreams: [\"http://198.18.1.2\"] } ]\n",
		  7, "missing 'names'" },
		{ HEAD "      hosts: [a.org]\n", 6, "expected a host" },
		{ HEAD "      hosts:\n"
		  "        - { names: [a.org], routes: [ { path: /, upstreams: [\"http://198.18.1.2\"] } ] }\n"
		  "        - { names: [b.org, a.org], routes: [ { path: /, upstreams: [\"http://198.18.1.2\"] } ] }\n",
		  8, "'a.org' already belongs to the host at line 7" },
		{ HEAD "      hosts:\n"
		  "        - { names: [a.org], default: true, routes: [ { path: /, upstreams: [\"http://198.18.1.2\"] } ] }\n"
		  "        - { names: [b.org], default: true, routes: [ { path: /, upstreams: [\"http://198.18.1.2\"] } ] }\n",
		  8, "only one host can be the default" },
		{ HEAD "      hosts:\n"
		  "        - { names: [a.org], mode: loud, routes: [ { path: /, upstreams: [\"http://198.18.1.2\"] } ] }\n",
		  7, "expected off, detect or enforce" },
		{ HEAD "      hosts:\n"
		  "        - { names: [a.org], color: red, routes: [ { path: /, upstreams: [\"http://198.18.1.2\"] } ] }\n",
		  7, "unknown key 'color'" },
	};

	EXPECT_ERRORS(cases);
#undef HOST
}

Test(http_config, route_errors)
{
#define ROUTES(r) HEAD "      hosts:\n        - names: [a.org]\n          routes:\n" r
	static const struct err_case cases[] = {
		{ ROUTES("            - { path: api, upstreams: [\"http://198.18.1.2\"] }\n"), 9,
		  "starting with '/'" },
		{ ROUTES("            - { path: \"/a b\", upstreams: [\"http://198.18.1.2\"] }\n"), 9,
		  "no spaces" },
		{ ROUTES("            - { path: \"/a?b\", upstreams: [\"http://198.18.1.2\"] }\n"), 9,
		  "'?' or '#'" },
		{ ROUTES("            - { upstreams: [\"http://198.18.1.2\"] }\n"), 9, "missing 'path'" },
		{ ROUTES("            - { path: / }\n"), 9, "missing 'upstreams'" },
		{ ROUTES("            - { path: /a, upstreams: [\"http://198.18.1.2\"] }\n"
			 "            - { path: /a, upstreams: [\"http://198.18.1.3\"] }\n"), 10,
		  "path '/a' is routed twice (first at line 9)" },
		{ ROUTES("            - { path: /, upstreams: [\"http://198.18.1.2\"], balance: fastest }\n"),
		  9, "expected round-robin" },
		{ ROUTES("            - /\n"), 9, "expected a route" },
	};

	EXPECT_ERRORS(cases);
#undef ROUTES
}

/* ---- copy, free, equal ---- */

static const char full_yaml[] = HEAD
	"      mode: detect\n"
	"      trusted_proxies: [198.18.0.0/24]\n"
	"      limits: { methods: [GET] }\n"
	"      response_headers: { set: { X-A: b }, remove: [Server] }\n"
	"      rate_limits:\n"
	"        per_ip: { rate: 50, burst: 100 }\n"
	"        paths: [ { prefix: /login, rate: 5, per: 1m } ]\n"
	"      allow: { ips: [198.18.0.5], paths: [/health], api_keys: [k1] }\n"
	"      deny: [203.0.113.0/24]\n"
	"      bots: { user_agents: [evilbot] }\n"
	"      funnel: [ { gate: /signup, target: /register } ]\n"
	"      waf: { rules: [ { pattern: badword, literal: true } ] }\n"
	"      hosts:\n"
	"        - names: [a.org, \"*.a.org\"]\n"
	"          routes:\n"
	"            - { path: /api, upstreams: [\"http://198.18.1.2\", \"http://198.18.1.3\"] }\n"
	"            - { path: /, upstreams: [\"http://198.18.1.4\"] }\n"
	"        - names: [b.org]\n"
	"          routes: [ { path: /, upstreams: [\"http://198.18.1.5\"] } ]\n";

Test(http_config, copy_free_equal_are_deep)
{
	struct aegis_config *c = load_ok(full_yaml);
	const struct http_cfg *h = http_of(c);
	struct proxy_cfg pc;
	struct http_cfg k;

	cr_assert_eq(http_cfg_copy(&k, h), 0);
	cr_assert(http_cfg_equal(&k, h));
	cr_assert_neq(k.hosts, h->hosts);
	cr_assert_neq(k.hosts[0].routes, h->hosts[0].routes);
	cr_assert_neq(k.hosts[0].routes[0].ups, h->hosts[0].routes[0].ups);
	cr_assert_neq(k.hosts[0].names, h->hosts[0].names);
	k.hosts[0].line = 999;		/* where it was written does not count */
	k.hosts[0].routes[0].line = 999;
	cr_assert(http_cfg_equal(&k, h));
	k.hosts[0].routes[0].ups[1].weight = 2;
	cr_assert_not(http_cfg_equal(&k, h));
	k.hosts[0].routes[0].ups[1].weight = 1;
	k.hosts[1].names[0][0] = 'c';
	cr_assert_not(http_cfg_equal(&k, h));
	k.hosts[1].names[0][0] = 'b';
	k.allow.api_keys[0][1] = '2';
	cr_assert_not(http_cfg_equal(&k, h));
	k.allow.api_keys[0][1] = '1';
	k.waf.rules[0].flags = 0;
	cr_assert_not(http_cfg_equal(&k, h));
	http_cfg_free(&k);
	http_cfg_free(&k);	/* safe twice */

	cr_assert_eq(proxy_cfg_copy(&pc, &c->proxies[0]), 0);
	cr_assert_neq(pc.http, c->proxies[0].http);
	cr_assert(proxy_cfg_equal(&pc, &c->proxies[0]));
	pc.http->mode = HTTP_MODE_OFF;
	cr_assert_not(proxy_cfg_equal(&pc, &c->proxies[0]));
	proxy_cfg_free(&pc);
	cr_assert_null(pc.http);
	cr_assert(http_cfg_equal(NULL, NULL));
	cr_assert_not(http_cfg_equal(h, NULL));
	config_free(c);
}

Test(http_config, reload_of_same_text_is_equal)
{
	struct aegis_config *a = load_ok(full_yaml), *b = load_ok(full_yaml);

	cr_assert(proxy_cfg_equal(&a->proxies[0], &b->proxies[0]));
	config_free(a);
	config_free(b);
}

/* ---- request guards ---- */

Test(http_config, every_guard_key)
{
	struct aegis_config *c = load_ok(HEAD
		"      rate_limits:\n"
		"        per_ip: { rate: 50, burst: 100 }\n"
		"        per_entity: 20\n"
		"        per_api_key: { rate: 100, burst: 200, per: 1m, header: X-Key }\n"
		"        paths: [ { prefix: /login, rate: 5, per: 1m, burst: 7 }, { prefix: /api, rate: 9 } ]\n"
		"        hot_key: { multiplier: 5, cooldown: 2m }\n"
		"        table_size: 4096\n"
		"      allow: { ips: [198.18.0.5, \"2001:db8::/48\"], paths: [/health, /ping], api_keys: [k-internal] }\n"
		"      deny: [203.0.113.0/24]\n"
		"      bots: { enabled: false, score: 4, block_after: 0, window: 2m,\n"
		"              block_for: 1h, user_agents: [evilbot, \"Bad Crawler\"], default_user_agents: false }\n"
		"      funnel:\n"
		"        - { gate: /signup, target: /register, action: block, memory: 10m }\n"
		"        - { gate: /cart, target: /checkout }\n"
		"      waf:\n"
		"        threshold: 8\n"
		"        rules:\n"
		"          - { id: 100001, pattern: badword, literal: true, targets: [query, body], score: 5 }\n"
		"          - { pattern: \"^/admin\", case_sensitive: true, targets: [path, user_agent], action: block, desc: admin }\n"
		"          - { pattern: \"evil[0-9]+\", targets: [all] }\n"
		"          - { pattern: x, targets: [args, headers, header, cookie, query_name, body_name] }\n"
		"      tarpit: { delay: 2s, max: 64 }\n"
		"      circuit_breaker: { failures: 3, open: 20s, half_open: 2 }\n"
		"      adaptive_rate: { p95: 500ms, min_factor: 25, recover: 1m }\n"
		"      events: { path: /var/log/aegis/http-events.log }\n"
		HOSTS);
	const struct http_cfg *h = http_of(c);
	const struct http_waf_rule_cfg *w = h->waf.rules;

	cr_assert(h->rate.per_ip.rate == 50 && h->rate.per_ip.burst == 100);
	cr_assert_eq(h->rate.per_ip.period_ms, 1000);
	cr_assert(h->rate.per_entity.rate == 20 && h->rate.per_entity.burst == 20);
	cr_assert_eq(h->rate.per_entity.period_ms, 1000);
	cr_assert(h->rate.per_api_key.rate == 100 && h->rate.per_api_key.burst == 200);
	cr_assert_eq(h->rate.per_api_key.period_ms, 60000);
	cr_assert_str_eq(h->rate.api_key_header, "X-Key");
	cr_assert_eq(h->rate.n_paths, 2);
	cr_assert_str_eq(h->rate.paths[0].prefix, "/login");
	cr_assert(h->rate.paths[0].lim.rate == 5 && h->rate.paths[0].lim.burst == 7);
	cr_assert_eq(h->rate.paths[0].lim.period_ms, 60000);
	cr_assert(h->rate.paths[1].lim.rate == 9 && h->rate.paths[1].lim.burst == 9);
	cr_assert_eq(h->rate.paths[1].lim.period_ms, 1000);
	cr_assert_eq(h->rate.hot_multiplier, 5);
	cr_assert_eq(h->rate.cooldown_ms, 120000);
	cr_assert_eq(h->rate.table_size, 4096);
	cr_assert_eq(h->allow.n_ips, 2);
	fx_assert_cidr(&h->allow.ips[0], "198.18.0.5");
	fx_assert_cidr(&h->allow.ips[1], "2001:db8::/48");
	cr_assert_eq(h->allow.n_paths, 2);
	cr_assert_str_eq(h->allow.paths[1], "/ping");
	cr_assert_eq(h->allow.n_api_keys, 1);
	cr_assert_str_eq(h->allow.api_keys[0], "k-internal");
	cr_assert_eq(h->deny.n_ips, 1);
	fx_assert_cidr(&h->deny.ips[0], "203.0.113.0/24");
	cr_assert_not(h->bots.enabled);
	cr_assert_eq(h->bots.score, 4);
	cr_assert_eq(h->bots.block_after, 0);
	cr_assert_eq(h->bots.window_ms, 120000);
	cr_assert_eq(h->bots.block_ms, 3600000);
	cr_assert_not(h->bots.default_user_agents);
	cr_assert_eq(h->bots.n_user_agents, 2);
	cr_assert_str_eq(h->bots.user_agents[1], "Bad Crawler");
	cr_assert_eq(h->n_funnels, 2);
	cr_assert_str_eq(h->funnels[0].gate, "/signup");
	cr_assert_str_eq(h->funnels[0].target, "/register");
	cr_assert_eq(h->funnels[0].action, HTTP_FUNNEL_BLOCK);
	cr_assert_eq(h->funnels[0].memory_ms, 600000);
	cr_assert_eq(h->funnels[1].action, HTTP_FUNNEL_FLAG);
	cr_assert_eq(h->funnels[1].memory_ms, 300000);
	cr_assert_eq(h->waf.threshold, 8);
	cr_assert_eq(h->hosts[0].waf_threshold, 8);
	cr_assert_eq(h->waf.n_rules, 4);
	cr_assert_eq(w[0].id, 100001);
	cr_assert_str_eq(w[0].pattern, "badword");
	cr_assert_eq(w[0].flags, WAF_RULE_LITERAL);
	cr_assert_eq(w[0].targets, WAF_T_QUERY_VAL | WAF_T_BODY_VAL);
	cr_assert_eq(w[0].score, 5);
	cr_assert_eq(w[1].id, 0);
	cr_assert_eq(w[1].flags, WAF_RULE_CASE | WAF_RULE_BLOCK);
	cr_assert_eq(w[1].score, WAF_SCORE_BLOCK);
	cr_assert_eq(w[1].targets, WAF_T_PATH | WAF_T_UA);
	cr_assert_str_eq(w[1].desc, "admin");
	cr_assert_eq(w[2].targets, WAF_T_ALL);
	cr_assert_eq(w[2].score, WAF_THRESHOLD_DEFAULT);
	cr_assert_eq(w[2].flags, 0);
	cr_assert_eq(w[3].targets, WAF_T_ARGS | WAF_T_HEADER_ALL | WAF_T_HEADER);
	cr_assert_eq(w[3].line, 26);
	cr_assert_eq(h->tarpit.delay_ms, 2000);
	cr_assert_eq(h->tarpit.max, 64);
	cr_assert_eq(h->breaker.failures, 3);
	cr_assert_eq(h->breaker.open_ms, 20000);
	cr_assert_eq(h->breaker.half_open, 2);
	cr_assert_eq(h->adaptive.p95_ms, 500);
	cr_assert_eq(h->adaptive.min_factor, 25);
	cr_assert_eq(h->adaptive.recover_ms, 60000);
	cr_assert_str_eq(h->events_path, "/var/log/aegis/http-events.log");
	config_free(c);
}

Test(http_config, waf_rule_defaults)
{
	struct aegis_config *c = load_ok(HEAD "      waf: { rules: [ { pattern: abc } ] }\n" HOSTS);
	const struct http_waf_rule_cfg *w = &http_of(c)->waf.rules[0];

	cr_assert_eq(w->id, 0);
	cr_assert_eq(w->targets, WAF_T_ARGS | WAF_T_PATH);
	cr_assert_eq(w->score, WAF_THRESHOLD_DEFAULT);
	cr_assert_eq(w->flags, 0);
	cr_assert_str_eq(w->desc, "");
	config_free(c);
}

Test(http_config, guard_errors)
{
	static const struct err_case cases[] = {
		{ HEAD "      rate_limits: { per_ip: [1] }\n" HOSTS, 6, "expected a rate or {rate, burst, per}" },
		{ HEAD "      rate_limits: { per_ip: { burst: 3 } }\n" HOSTS, 6, "missing 'rate'" },
		{ HEAD "      rate_limits: { per_ip: { rate: 1, burst: 0 } }\n" HOSTS, 6, "out of range" },
		{ HEAD "      rate_limits: { per_ip: { rate: 1, per: 0 } }\n" HOSTS, 6, "out of range" },
		{ HEAD "      rate_limits: { per_ip: { rate: 1, header: X } }\n" HOSTS, 6,
		  "unknown key 'header'" },
		{ HEAD "      rate_limits: { per_api_key: { rate: 1, header: \"X Key\" } }\n" HOSTS, 6,
		  "not a valid header name" },
		{ HEAD "      rate_limits: { paths: [ { rate: 1 } ] }\n" HOSTS, 6, "missing 'prefix'" },
		{ HEAD "      rate_limits: { paths: [ { prefix: login, rate: 1 } ] }\n" HOSTS, 6,
		  "starting with '/'" },
		{ HEAD "      rate_limits: { paths: [ { prefix: /a, rate: 1 }, { prefix: /a, rate: 2 } ] }\n"
		  HOSTS, 6, "limited twice" },
		{ HEAD "      rate_limits: { paths: [5] }\n" HOSTS, 6, "expected {prefix, rate, burst, per}" },
		{ HEAD "      rate_limits: { hot_key: { multiplier: 5000 } }\n" HOSTS, 6, "out of range" },
		{ HEAD "      rate_limits: { table_size: 10 }\n" HOSTS, 6, "out of range" },
		{ HEAD "      allow: { ips: [10.0.0.1/8] }\n" HOSTS, 6, "host bits set" },
		{ HEAD "      allow: { paths: [health] }\n" HOSTS, 6, "starting with '/'" },
		{ HEAD "      allow: { api_keys: [k, k] }\n" HOSTS, 6, "listed twice" },
		{ HEAD "      allow: { users: [k] }\n" HOSTS, 6, "unknown key 'users'" },
		{ HEAD "      deny: [not-an-ip]\n" HOSTS, 6, "not a valid address or CIDR" },
		{ HEAD "      deny: { ips: [198.18.0.1] }\n" HOSTS, 6, "expected a list" },
		{ HEAD "      bots: { score: 0 }\n" HOSTS, 6, "out of range" },
		{ HEAD "      bots: { user_agents: [a, a] }\n" HOSTS, 6, "listed twice" },
		{ HEAD "      funnel: [ { gate: /a } ]\n" HOSTS, 6, "missing 'target'" },
		{ HEAD "      funnel: [ { target: /a } ]\n" HOSTS, 6, "missing 'gate'" },
		{ HEAD "      funnel: [ { gate: /a, target: /a } ]\n" HOSTS, 6, "gate and target are both" },
		{ HEAD "      funnel: [ { gate: a, target: /a } ]\n" HOSTS, 6, "starting with '/'" },
		{ HEAD "      funnel: [ { gate: /a, target: /b, action: ban } ]\n" HOSTS, 6,
		  "expected flag or block" },
		{ HEAD "      waf: { threshold: 1001 }\n" HOSTS, 6, "out of range" },
		{ HEAD "      waf: { rules: [ { id: 5, pattern: a } ] }\n" HOSTS, 6, "out of range (100000-" },
		{ HEAD "      waf: { rules: [ { score: 5 } ] }\n" HOSTS, 6, "missing 'pattern'" },
		{ HEAD "      waf: { rules: [ { pattern: \"\" } ] }\n" HOSTS, 6, "must not be empty" },
		{ HEAD "      waf:\n        rules:\n          - { pattern: a }\n"
		  "          - { pattern: \"(unclosed\" }\n" HOSTS, 9, "rules[1].pattern:" },
		{ HEAD "      waf: { rules: [ { pattern: a, targets: [everywhere] } ] }\n" HOSTS, 6,
		  "expected path, query_name" },
		{ HEAD "      waf: { rules: [ { pattern: a, targets: [] } ] }\n" HOSTS, 6,
		  "at least one target" },
		{ HEAD "      waf: { rules: [ { pattern: a, score: 0 } ] }\n" HOSTS, 6, "out of range (1-1000)" },
		{ HEAD "      waf: { rules: [ { pattern: a, score: 5, action: block } ] }\n" HOSTS, 6,
		  "a score or action: block, not both" },
		{ HEAD "      waf: { rules: [ { pattern: a, action: drop } ] }\n" HOSTS, 6, "expected block" },
		{ HEAD "      waf:\n        rules:\n          - { id: 100005, pattern: a }\n"
		  "          - { id: 100005, pattern: b }\n" HOSTS, 9, "id 100005 is taken by the rule at line 8" },
		{ HEAD "      tarpit: { delay: 1h }\n" HOSTS, 6, "out of range" },
		{ HEAD "      circuit_breaker: { half_open: 0 }\n" HOSTS, 6, "out of range" },
		{ HEAD "      adaptive_rate: { min_factor: 0 }\n" HOSTS, 6, "out of range" },
		{ HEAD "      adaptive_rate: { min_factor: 101 }\n" HOSTS, 6, "out of range" },
		{ HEAD "      events: { path: relative.log }\n" HOSTS, 6, "expected an absolute path" },
	};

	EXPECT_ERRORS(cases);
}

Test(http_config, literal_patterns_are_not_compiled)
{
	/* "(unclosed" is fine as a literal string. */
	struct aegis_config *c = load_ok(HEAD
		"      waf: { rules: [ { pattern: \"(unclosed\", literal: true } ] }\n" HOSTS);

	cr_assert_str_eq(http_of(c)->waf.rules[0].pattern, "(unclosed");
	config_free(c);
}

/* ---- the shipped example ---- */

Test(http_config, shipped_example_loads)
{
	char cwd[4096], yaml[8192];
	struct aegis_config *c;
	const struct proxy_cfg *p = NULL;
	const struct http_cfg *h;

	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	snprintf(yaml, sizeof(yaml), "proxies_dir: %s/configs/proxies\n", cwd);
	c = load_ok(yaml);
	for (size_t i = 0; i < c->n_proxies; i++)
		if (!strcmp(c->proxies[i].name, "site"))
			p = &c->proxies[i];
	cr_assert_not_null(p, "configs/proxies/http-site.yaml defines 'site'");
	h = p->http;
	cr_assert_not_null(h);
	cr_assert_eq(h->n_hosts, 2);
	cr_assert(h->hosts[0].is_default);
	cr_assert_eq(h->hosts[0].routes[0].algo, PROXY_LB_LEAST_CONN);
	cr_assert_eq(h->hosts[0].routes[1].algo, PROXY_LB_WEIGHTED);
	cr_assert_eq(h->hosts[0].routes[1].ups[1].weight, 2);
	cr_assert_str_eq(h->hosts[1].names[0], "*.cdn.example.com");
	cr_assert_eq(h->hosts[1].mode, HTTP_MODE_DETECT);
	cr_assert_eq(h->waf.rules[0].flags, WAF_RULE_LITERAL | WAF_RULE_BLOCK);
	config_free(c);
}
