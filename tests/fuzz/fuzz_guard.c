// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the HTTP guard's attacker-controlled input: the
 * bytes are a client's stream (first byte: the client address's last
 * octet and the clock step); every parsed request head goes through the
 * router's host matching, the fingerprint, the rate-limit entity key and
 * http_guard_head() (deny/allow, rate limits, bots, funnel; the WAF,
 * fuzzed with its own corpus test, is off: its compile outlasts a run) of a
 * proxy configured with all of them. Checks: no crash, leak or UB; a
 * verdict's stage and action are in range; BLOCK carries 403 or 429.
 * Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/proxy_config.h"
#include "guard/fingerprint.h"
#include "guard/http_guard.h"
#include "guard/ratelimit.h"
#include "http/http_req.h"
#include "http/router.h"

static const char yaml[] =
	"proxies:\n"
	"  - name: site\n"
	"    protocol: http\n"
	"    origin: { addresses: [\"198.18.1.1\"], ports: 80 }\n"
	"    http:\n"
	"      mode: enforce\n"
	"      rate_limits:\n"
	"        per_ip: { rate: 50, burst: 20 }\n"
	"        paths: [ { prefix: /login, rate: 5, per: 1m, burst: 5 } ]\n"
	"      allow: { paths: [/health] }\n"
	"      deny: [203.0.113.0/24]\n"
	"      funnel: [ { gate: /cart, target: /checkout, action: block } ]\n"
	"      bots: { enabled: true }\n"
	"      waf: { threshold: 0 }\n"
	"      hosts:\n"
	"        - names: [example.com, www.example.com, \"[2001:db8::1]\"]\n"
	"          default: true\n"
	"          routes:\n"
	"            - { path: /api/, upstreams: [\"http://198.18.2.10:8080\"] }\n"
	"            - { path: /, upstreams: [\"http://198.18.2.20\"] }\n"
	"        - names: [\"*.cdn.example.com\"]\n"
	"          mode: detect\n"
	"          routes: [ { path: /, upstreams: [\"http://198.18.2.30\"] } ]\n";

static struct aegis_config *cfg;
static struct http_guard *guard;
static struct http_guard_scratch *scratch;
static struct router *router;

static void init(void)
{
	char err[512];

	if (config_load_string("fuzz.yaml", yaml, &cfg, err, sizeof(err)) ||
	    http_guard_new(cfg->proxies[0].http, &guard, err, sizeof(err)) ||
	    !(scratch = http_guard_scratch_new(guard)) ||
	    router_new(cfg->proxies[0].http, &router)) {
		__builtin_trap();
	}
}

static void one_head(const struct http_req_head *h, const struct aegis_addr *ip, uint64_t now)
{
	const struct http_route *route = NULL;
	unsigned char key[RL_ENTITY_KEY_LEN];
	struct http_guard_in in = { .client = ip, .head = h, .mode = HTTP_MODE_ENFORCE,
				    .waf_threshold = 0, .now_ms = now };
	struct http_verdict v;
	struct fp_result fp;
	const char *ua = NULL;
	size_t ua_len = 0;

	router_match(router, h->host.p, h->host.len, h->norm_path.p, h->norm_path.len, &route,
		     NULL, NULL);
	fingerprint_compute(h, &fp);
	for (unsigned i = 0; i < h->nheaders; i++)
		if (h->headers[i].name.len == 10 &&
		    !strncasecmp(h->headers[i].name.p, "user-agent", 10))
			ua = h->headers[i].value.p, ua_len = h->headers[i].value.len;
	ratelimit_entity_key(ip, ua, ua_len, key);
	if (http_guard_head(guard, scratch, &in, &v))
		return;
	if (v.action >= HTTP_ACT__COUNT || v.stage >= HTTP_STAGE__COUNT)
		__builtin_trap();
	if (v.action == HTTP_ACT_BLOCK && v.status != 403 && v.status != 429)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aegis_addr ip = { { 0, 0, 0xffff0000u, 0 } };
	struct http_req *r;
	size_t pos = 0;
	uint64_t now = 1000;

	if (!cfg)
		init();
	if (size < 1)
		return 0;
	ip.w[3] = (uint32_t)0x000012c6u | (uint32_t)data[0] << 24;	/* 198.18.0.x */
	r = http_req_new(NULL, NULL, NULL);
	if (!r)
		return 0;
	for (int rounds = 0; pos < size && rounds < 64; rounds++) {
		size_t used = 0;
		enum http_feed ev = http_req_feed(r, data + 1 + pos, size - 1 - pos, &used);

		pos += used;
		if (ev == HTTP_FEED_HEAD && http_req_head(r))
			one_head(http_req_head(r), &ip, now += data[0] % 16 * 100);
		else if (ev == HTTP_FEED_DONE)
			http_req_next(r);
		else if (ev == HTTP_FEED_ERROR || ev == HTTP_FEED_MORE)
			break;
		if (pos >= size - 1)
			break;
	}
	http_req_free(r);
	return 0;
}
