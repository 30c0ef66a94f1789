/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The `http:` block of a proxy with `protocol: http`, as parsed and
 * validated by user/http_config.c. It reaches the engine through
 * struct proxy_cfg.http (NULL for tcp/udp proxies). docs/CONFIG.md,
 * section "HTTP proxies", is the operator's reference for every key.
 *
 *   proxies:
 *     - name: web
 *       protocol: http
 *       origin: { addresses: [0.0.0.0], ports: 80 }
 *       http:
 *         mode: enforce                      # off | detect | enforce
 *         trusted_proxies: [198.18.0.0/24]   # X-Forwarded-For honoured from these
 *         allow_private_upstreams: false
 *         limits: { header_bytes: 16k, headers: 100, uri: 4096, body: 8M,
 *                   methods: [GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS] }
 *         timeouts: { header: 10s, body: 30s, keepalive: 60s, response: 60s }
 *         upstream_pool: { idle: 32, idle_timeout: 60s }
 *         clients: { max_per_source: 256, min_read_rate: 1k }
 *         response_headers:
 *           set: { X-Frame-Options: SAMEORIGIN }   # replaces the defaults
 *           remove: [Server, X-Powered-By]
 *         rate_limits:
 *           per_ip: { rate: 50, burst: 100 }
 *           per_entity: { rate: 20, burst: 40 }   # IP/24 (IPv6 /48) + User-Agent
 *           per_api_key: { rate: 100, burst: 200, header: X-API-Key }
 *           paths: [ { prefix: /login, rate: 5, per: 1m, burst: 5 } ]
 *           hot_key: { multiplier: 5, cooldown: 60s }
 *         allow: { ips: [198.18.0.5], paths: [/health], api_keys: [k-internal] }
 *         deny: [203.0.113.0/24]
 *         bots: { enabled: true, score: 6, block_after: 20, window: 1m,
 *                 block_for: 10m, user_agents: [evilbot], default_user_agents: true }
 *         funnel: [ { gate: /signup, target: /register, action: block, memory: 5m } ]
 *         waf:
 *           threshold: 5                     # 0 turns the WAF off
 *           rules: [ { id: 100001, pattern: "badword", literal: true,
 *                      targets: [query, body], score: 5 } ]
 *         tarpit: { delay: 2s, max: 256 }
 *         circuit_breaker: { failures: 5, open: 10s, half_open: 1 }
 *         adaptive_rate: { p95: 500ms, min_factor: 10, recover: 30s }
 *         events: { path: /var/log/aegis/http-events.log }
 *         hosts:
 *           - names: [example.com, "*.example.com"]
 *             default: true
 *             mode: detect
 *             waf_threshold: 8
 *             routes:
 *               - { path: /api, upstreams: ["http://198.18.1.2:8080"], balance: least-conn }
 *               - path: /
 *                 upstreams: ["http://198.18.1.3:8080", { url: "http://198.18.1.4:8080", weight: 3 }]
 *
 * Everything is checked by the parser; the engine may rely on it.
 */
#ifndef AEGIS_HTTP_CFG_H
#define AEGIS_HTTP_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aegis/challenge.h"
#include "aegis/maps.h"
#include "http/http_req.h"

#define HTTP_MAX_HOSTS		256
#define HTTP_MAX_HOST_NAMES	64
#define HTTP_MAX_ROUTES		64	/* per host */
#define HTTP_MAX_UPSTREAMS	64	/* per route */
#define HTTP_MAX_PATH		256	/* prefixes and funnel paths */
#define HTTP_MAX_HOSTNAME	253
#define HTTP_MAX_LIST		1024	/* allow lists, user agents, path limits, funnels */
#define HTTP_MAX_WAF_RULES	1024
#define HTTP_MAX_RESP_HEADERS	32
#define HTTP_DEF_PER_SOURCE	256	/* clients.max_per_source */
#define HTTP_DEF_MIN_READ_RATE	1000	/* clients.min_read_rate, bytes/s */

enum http_mode { HTTP_MODE_OFF, HTTP_MODE_DETECT, HTTP_MODE_ENFORCE };

/* A token bucket: `rate` tokens per `period_ms`, holding at most `burst`. */
struct http_limit {
	uint32_t rate;			/* 0 = off */
	uint32_t burst;			/* default: rate */
	uint32_t period_ms;		/* key `per`, default 1s */
};

struct http_upstream {
	struct aegis_addr addr;		/* an IP literal: host names are not resolved */
	uint16_t port;			/* default 80 */
	uint32_t weight;		/* 1..PROXY_MAX_WEIGHT, default 1 (mapping form: {url, weight}) */
	char url[256];			/* as written, for logs */
};

struct http_route {
	char prefix[HTTP_MAX_PATH];	/* key `path`, starts with '/'; longest match wins */
	struct http_upstream *ups;
	size_t n_ups;
	int algo;			/* enum proxy_lb_algo; default: the proxy's balance.algorithm */
	int line;
};

struct http_host {
	char (*names)[HTTP_MAX_HOSTNAME + 1];	/* lowercase; "*.x.org" = any subdomain of x.org */
	size_t n_names;
	bool is_default;		/* gets requests whose Host matches no name (one host at most) */
	enum http_mode mode;		/* default: http.mode */
	uint32_t waf_threshold;		/* default: http.waf.threshold; 0 = no WAF */
	enum http_mode rep_mode;	/* reputation: off | detect | enforce (default) */
	/* challenge: (a mode word or a mapping); defaults from http.challenge */
	enum http_mode chal_mode;
	uint32_t chal_difficulty;
	bool chal_always;
	char chal_title[AEGIS_CHAL_TITLE_MAX + 1];
	char chal_text[AEGIS_CHAL_TEXT_MAX + 1];
	struct http_route *routes;
	size_t n_routes;
	int line;
};

struct http_waf_rule_cfg {
	uint32_t id;			/* 0 = assigned from WAF_CUSTOM_ID_MIN */
	char pattern[1024];
	unsigned targets;		/* enum waf_target bits, default WAF_T_ARGS|WAF_T_PATH */
	int score;			/* default WAF_THRESHOLD_DEFAULT */
	unsigned flags;			/* enum waf_rule_flags (literal, case, block) */
	char desc[128];
	int line;
};

enum http_funnel_action { HTTP_FUNNEL_FLAG, HTTP_FUNNEL_BLOCK };

struct http_funnel_cfg {
	char gate[HTTP_MAX_PATH];	/* must be visited first ... */
	char target[HTTP_MAX_PATH];	/* ... before this one (exact path match) */
	enum http_funnel_action action;	/* default flag */
	uint32_t memory_ms;		/* a gate visit is remembered this long, default 5m */
	int line;
};

struct http_path_limit {
	char prefix[HTTP_MAX_PATH];
	struct http_limit lim;
};

struct http_resp_header {
	char name[64];
	char value[512];
};

/* A verified crawler's address range (challenge.crawlers), flattened. */
struct http_crawler_range {
	char name[32];			/* "googlebot" */
	struct aegis_lpm_key net;
};

/* The `challenge:` block (docs/CHALLENGES.md); hosts take mode,
 * difficulty, always, title and text from it unless they set their own. */
struct http_challenge_cfg {
	enum http_mode mode;		/* default off */
	uint32_t difficulty;		/* leading zero bits, AEGIS_CHAL_DEF_DIFFICULTY */
	bool always;			/* every client without clearance */
	bool reputation;		/* sources the reputation engine challenges; default true */
	char (*paths)[HTTP_MAX_PATH];	/* trigger: path prefixes */
	size_t n_paths;
	unsigned methods;		/* trigger: method bits (enum http_method) */
	char (*user_agents)[128];	/* trigger: case-insensitive UA substrings */
	size_t n_user_agents;
	struct aegis_lpm_key *ips;	/* trigger: client ranges */
	size_t n_ips;
	char (*exempt)[HTTP_MAX_PATH];	/* never challenged; default robots, .well-known, favicon */
	size_t n_exempt;
	char (*api_paths)[HTTP_MAX_PATH];	/* answered in JSON, never the page */
	size_t n_api_paths;
	struct http_crawler_range *crawlers;	/* exempt sources */
	size_t n_crawlers;
	char cookie_name[AEGIS_CHAL_COOKIE_NAME_MAX + 1];
	uint32_t cookie_ttl_s;
	enum aegis_chal_binding binding;
	uint32_t rotation_s, solve_s, spent;
	char secret_file[256];		/* "" until the config fills in state_dir's */
	uint32_t nojs_wait_s;		/* 0: no no-JS fallback (default) */
	uint32_t nojs_ttl_s;
	char title[AEGIS_CHAL_TITLE_MAX + 1];
	char text[AEGIS_CHAL_TEXT_MAX + 1];
};

struct http_cfg {
	enum http_mode mode;		/* default enforce */
	bool allow_private_upstreams;	/* loopback, RFC 1918, link-local, ULA, metadata */

	struct aegis_lpm_key *trusted;	/* trusted_proxies */
	size_t n_trusted;

	struct http_req_limits limits;	/* header_bytes, headers, uri, body, methods */

	struct {
		uint32_t header_ms;	/* whole request head, from its first byte; 10s */
		uint32_t body_ms;	/* longest gap between request body bytes; 30s */
		uint32_t keepalive_ms;	/* idle client between requests; 60s */
		uint32_t response_ms;	/* upstream's response head after the request; 60s */
	} timeouts;

	/* Slow readers and connection hogs (docs/CONFIG.md, `clients`). */
	struct {
		uint32_t max_per_source;	/* open connections per peer address; 0 = no cap; 256 */
		uint32_t min_read_rate;		/* bytes/s a backlogged client must read; 0 = off; 1000 */
	} clients;

	struct {
		uint32_t idle;		/* idle keep-alive connections kept per upstream per worker; 32 */
		uint32_t idle_timeout_ms;	/* 60s */
	} pool;

	struct http_resp_header *resp_set;	/* security headers; defaults below */
	size_t n_resp_set;
	char (*resp_remove)[64];	/* default Server, X-Powered-By */
	size_t n_resp_remove;

	struct {
		struct http_limit per_ip, per_entity, per_api_key;
		char api_key_header[64];	/* default X-API-Key */
		struct http_path_limit *paths;
		size_t n_paths;
		uint32_t hot_multiplier;	/* 0 = off */
		uint32_t cooldown_ms;		/* default 60s */
		uint32_t table_size;		/* keys tracked per limiter, default 65536 */
	} rate;

	struct {
		struct aegis_lpm_key *ips;	/* answered 403 before any other check */
		size_t n_ips;
	} deny;

	struct {
		struct aegis_lpm_key *ips;	/* bypass every detection stage */
		size_t n_ips;
		char (*paths)[HTTP_MAX_PATH];
		size_t n_paths;
		char (*api_keys)[128];
		size_t n_api_keys;
	} allow;

	struct {
		bool enabled;			/* default true */
		uint32_t score;			/* fingerprint score that flags a request, default 6 */
		uint32_t block_after;		/* flagged requests of one fingerprint in window ... */
		uint32_t window_ms;		/* ... that blocklist it; default 20 in 1m; 0 = never */
		uint32_t block_ms;		/* default 10m */
		bool default_user_agents;	/* the built-in bot UA list, default true */
		char (*user_agents)[128];	/* extra case-insensitive UA substrings */
		size_t n_user_agents;
	} bots;

	struct http_funnel_cfg *funnels;
	size_t n_funnels;

	struct {
		uint32_t threshold;		/* default WAF_THRESHOLD_DEFAULT; 0 = off */
		struct http_waf_rule_cfg *rules;
		size_t n_rules;
	} waf;

	struct {
		uint32_t delay_ms;		/* 0 = off (default) */
		uint32_t max;			/* tarpitted connections per worker, default 256 */
	} tarpit;

	struct {
		uint32_t failures;		/* consecutive failures that open it, default 5; 0 = off */
		uint32_t open_ms;		/* default 10s */
		uint32_t half_open;		/* trial requests while half-open, default 1 */
	} breaker;

	struct {
		uint32_t p95_ms;		/* 0 = off (default) */
		uint32_t min_factor;		/* percent of per_ip rate at worst, default 10 */
		uint32_t recover_ms;		/* time below 80% of p95_ms per step up, default 30s */
	} adaptive;

	char events_path[256];		/* "" = stdout (default) */

	struct http_challenge_cfg challenge;

	struct http_host *hosts;
	size_t n_hosts;
};

/* Deep copy (0 or -ENOMEM, dst zeroed on failure), free, equality. */
int http_cfg_copy(struct http_cfg *dst, const struct http_cfg *src);
void http_cfg_free(struct http_cfg *h);
bool http_cfg_equal(const struct http_cfg *a, const struct http_cfg *b);

#endif /* AEGIS_HTTP_CFG_H */
