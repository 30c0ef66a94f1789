// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/guard/http_guard.c: stage order, deny vs allow, rate limits with their
 * rule names and Retry-After, bots, funnel, WAF on head and body, modes,
 * counters. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "fp_heads.h"
#include "guard/http_guard.h"
#include "guard/waf.h"

static struct aegis_lpm_key deny_ips[1], allow_ips[1];
static char allow_paths[1][HTTP_MAX_PATH] = { "/health" };
static char allow_keys[1][128] = { "k-internal" };
static struct http_cfg C;
static struct http_guard *G;
static struct http_guard_scratch *S;
static struct aegis_addr IP;

static void base_cfg(void)
{
	memset(&C, 0, sizeof(C));
	C.mode = HTTP_MODE_ENFORCE;
	http_req_limits_default(&C.limits);
	strcpy(C.rate.api_key_header, "X-API-Key");
	C.rate.cooldown_ms = 60000;
	C.rate.table_size = 4096;
	C.bots.enabled = true;
	C.bots.default_user_agents = true;
	C.bots.score = 6;
	C.bots.block_after = 3;
	C.bots.window_ms = 60000;
	C.bots.block_ms = 600000;
	C.waf.threshold = WAF_THRESHOLD_DEFAULT;
	cr_assert_eq(addr_parse_cidr("203.0.113.0/24", &deny_ips[0], false), 0);
	cr_assert_eq(addr_parse_cidr("198.18.0.5", &allow_ips[0], false), 0);
	C.deny.ips = deny_ips, C.deny.n_ips = 1;
	C.allow.ips = allow_ips, C.allow.n_ips = 1;
	C.allow.paths = allow_paths, C.allow.n_paths = 1;
	C.allow.api_keys = allow_keys, C.allow.n_api_keys = 1;
	cr_assert_eq(addr_parse("198.18.7.7", &IP), 0);
}

static void start(void)
{
	char err[256] = "";

	cr_assert_eq(http_guard_new(&C, &G, err, sizeof(err)), 0, "%s", err);
	S = http_guard_scratch_new(G);
	cr_assert_not_null(S);
}

static void setup(void)
{
	base_cfg();
	start();
}

static void teardown(void)
{
	http_guard_scratch_free(S);
	http_guard_free(G);
}

static void restart(void)
{
	teardown();
	start();
}

TestSuite(guard, .init = setup, .fini = teardown);

/* One request head: the client, a header list, the path and query. */
struct req {
	struct fph r;
	struct http_guard_in in;
	struct aegis_addr ip;
};

static void mkreq(struct req *q, const char *ip, const char *method, const char *path,
		  const char *query, const char *const *kv, enum http_mode mode, uint64_t now)
{
	fph_build(&q->r, method, path, kv);
	if (query)
		q->r.h.query = (struct http_span){ query, strlen(query) };
	cr_assert_eq(addr_parse(ip, &q->ip), 0);
	q->in = (struct http_guard_in){ .client = &q->ip, .head = &q->r.h, .mode = mode,
					.waf_threshold = C.waf.threshold, .now_ms = now };
}

static struct http_verdict run(const char *ip, const char *path, const char *const *kv,
			       uint64_t now)
{
	struct req q;
	struct http_verdict v;

	mkreq(&q, ip, "GET", path, NULL, kv, HTTP_MODE_ENFORCE, now);
	cr_assert_eq(http_guard_head(G, S, &q.in, &v), 0);
	return v;
}

Test(guard, clean_browser_passes)
{
	struct http_verdict v = run("198.18.7.7", "/", FPH_CHROME, 0);

	cr_expect_eq(v.action, HTTP_ACT_PASS);
	cr_expect_eq(v.stage, HTTP_STAGE_NONE);
	cr_expect_eq(v.status, 0);
	cr_expect_not(v.skip_body, "the WAF is on: a body would be inspected");
	cr_expect_not(v.tarpit);
}

Test(guard, deny_wins_over_allow)
{
	static char both[1][HTTP_MAX_PATH] = { "/" };
	struct http_verdict v;

	C.allow.paths = both;
	cr_assert_eq(addr_parse_cidr("203.0.113.9", &allow_ips[0], false), 0);
	restart();
	v = run("203.0.113.9", "/x", FPH_CHROME, 0);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK);
	cr_expect_eq(v.stage, HTTP_STAGE_DENY);
	cr_expect_eq(v.status, 403);
	cr_expect_str_eq(v.rule, "deny");
	v = run("203.0.114.9", "/x", FPH_CHROME, 0);
	cr_expect_eq(v.stage, HTTP_STAGE_ALLOW, "outside the deny list the allow list applies");
}

Test(guard, allow_lists_bypass_everything)
{
	static const char *const sqlmap[] = { "Host", "x", "User-Agent", "sqlmap/1.7", NULL };
	static const char *const keyed[] = { "Host", "x", "User-Agent", "sqlmap/1.7",
					     "X-API-Key", "k-internal", NULL };
	static const char *const badkey[] = { "Host", "x", "User-Agent", "sqlmap/1.7",
					      "X-API-Key", "k-internaX", NULL };
	struct http_verdict v;

	C.rate.per_ip = (struct http_limit){ .rate = 1, .burst = 1, .period_ms = 1000 };
	restart();
	for (int i = 0; i < 5; i++) {
		v = run("198.18.0.5", "/admin", sqlmap, 0);
		cr_expect_eq(v.action, HTTP_ACT_PASS);
		cr_expect_eq(v.stage, HTTP_STAGE_ALLOW);
		cr_expect(v.skip_body);
		v = run("198.18.9.9", "/health/live", sqlmap, 0);
		cr_expect_eq(v.stage, HTTP_STAGE_ALLOW, "path prefix");
		v = run("198.18.9.9", "/", keyed, 0);
		cr_expect_eq(v.stage, HTTP_STAGE_ALLOW, "api key");
	}
	v = run("198.18.9.9", "/healthy", sqlmap, 0);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK, "/healthy is not under /health");
	v = run("198.18.9.10", "/", badkey, 0);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK);
	cr_expect_str_eq(v.rule, "bot_ua:sqlmap");
}

Test(guard, per_ip_limit_and_retry_after)
{
	struct http_verdict v;

	C.rate.per_ip = (struct http_limit){ .rate = 2, .burst = 2, .period_ms = 1000 };
	restart();
	cr_expect_eq(run("198.18.7.7", "/", FPH_CHROME, 0).action, HTTP_ACT_PASS);
	cr_expect_eq(run("198.18.7.7", "/", FPH_CHROME, 0).action, HTTP_ACT_PASS);
	v = run("198.18.7.7", "/", FPH_CHROME, 0);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK);
	cr_expect_eq(v.stage, HTTP_STAGE_RATE);
	cr_expect_eq(v.status, 429);
	cr_expect_eq(v.retry_after_s, 1, "500 ms rounds up to 1 s");
	cr_expect_str_eq(v.rule, "per_ip");
	cr_expect(v.skip_body);
	cr_expect_eq(run("198.18.7.8", "/", FPH_CHROME, 0).action, HTTP_ACT_PASS, "per address");
	cr_expect_eq(run("198.18.7.7", "/", FPH_CHROME, 500).action, HTTP_ACT_PASS);
}

Test(guard, rate_factor_applies_to_per_ip)
{
	struct req q;
	struct http_verdict v;

	C.rate.per_ip = (struct http_limit){ .rate = 10, .burst = 1, .period_ms = 1000 };
	restart();
	mkreq(&q, "198.18.7.7", "GET", "/", NULL, FPH_CHROME, HTTP_MODE_ENFORCE, 0);
	q.in.rate_factor_pct = 10;
	cr_assert_eq(http_guard_head(G, S, &q.in, &v), 0);
	cr_expect_eq(v.action, HTTP_ACT_PASS);
	q.in.now_ms = 500;
	cr_assert_eq(http_guard_head(G, S, &q.in, &v), 0);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK, "1 token/s at 10%%");
	cr_expect_eq(v.retry_after_s, 1);
	q.in.now_ms = 1000;
	cr_assert_eq(http_guard_head(G, S, &q.in, &v), 0);
	cr_expect_eq(v.action, HTTP_ACT_PASS);
}

Test(guard, entity_key_and_path_limits)
{
	static struct http_path_limit paths[1] = {
		{ .prefix = "/login", .lim = { .rate = 1, .burst = 1, .period_ms = 60000 } },
	};
	static const char *const keyed[] = { "Host", "x", "User-Agent", UA_FIREFOX,
		"Accept", "*/*", "Accept-Language", "en", "Accept-Encoding", "gzip",
		"Sec-Fetch-Mode", "cors", "X-API-Key", "abc", NULL };
	struct http_verdict v;

	C.rate.per_entity = (struct http_limit){ .rate = 1, .burst = 2, .period_ms = 1000 };
	C.rate.per_api_key = (struct http_limit){ .rate = 1, .burst = 3, .period_ms = 1000 };
	C.rate.paths = paths, C.rate.n_paths = 1;
	restart();
	cr_expect_eq(run("198.18.7.1", "/login", FPH_CHROME, 0).action, HTTP_ACT_PASS);
	cr_expect_eq(run("198.18.7.2", "/login/x", FPH_CHROME, 0).action, HTTP_ACT_PASS,
		     "path buckets are per address");
	v = run("198.18.7.3", "/", FPH_CHROME, 0);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK, "third request of the /24 + UA entity");
	cr_expect_str_eq(v.rule, "per_entity");
	cr_expect_eq(run("198.18.7.3", "/", keyed, 0).action, HTTP_ACT_PASS, "other UA");
	v = run("198.18.7.1", "/login", FPH_CHROME, 1000);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK);
	cr_expect_str_eq(v.rule, "path:/login");
	cr_expect_eq(v.retry_after_s, 59);
	cr_expect_eq(run("198.18.7.1", "/loginx", FPH_CHROME, 2000).action, HTTP_ACT_PASS);
	/* The API key's bucket follows the key across addresses (one used above). */
	cr_expect_eq(run("198.18.8.1", "/", keyed, 0).action, HTTP_ACT_PASS);
	cr_expect_eq(run("198.18.9.1", "/", keyed, 0).action, HTTP_ACT_PASS);
	v = run("198.18.10.1", "/", keyed, 0);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK);
	cr_expect_str_eq(v.rule, "per_api_key");
}

Test(guard, hot_key_cooldown)
{
	struct http_verdict v;
	int i;

	C.rate.per_ip = (struct http_limit){ .rate = 5, .burst = 5, .period_ms = 1000 };
	C.rate.hot_multiplier = 2;
	C.rate.cooldown_ms = 30000;
	restart();
	for (i = 0; i < 10; i++)
		run("198.18.7.7", "/", FPH_CHROME, 100);
	v = run("198.18.7.7", "/", FPH_CHROME, 100);
	cr_expect_str_eq(v.rule, "hot:per_ip");
	cr_expect_eq(v.status, 429);
	cr_expect_eq(v.retry_after_s, 30);
	v = run("198.18.7.7", "/", FPH_CHROME, 29000);
	cr_expect_str_eq(v.rule, "hot:per_ip", "still cooling down with a full bucket");
	cr_expect_eq(run("198.18.7.7", "/", FPH_CHROME, 30100).action, HTTP_ACT_PASS);
}

Test(guard, bots)
{
	static const char *const nuclei[] = { "Host", "x", "User-Agent",
		"Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))",
		"Accept", "*/*", NULL };
	struct http_verdict v;
	char rule[64];

	v = run("198.18.7.7", "/", nuclei, 0);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK);
	cr_expect_eq(v.stage, HTTP_STAGE_BOT);
	cr_expect_eq(v.status, 403);
	cr_expect_str_eq(v.rule, "bot_ua:nuclei");
	/* curl and python-requests pass (APIs), their score is reported only when flagged. */
	cr_expect_eq(run("198.18.7.7", "/", FPH_CURL, 0).action, HTTP_ACT_PASS);
	cr_expect_eq(run("198.18.7.7", "/", FPH_PY_REQUESTS, 0).action, HTTP_ACT_PASS);
	/* A fake Chrome is flagged; the third flag in the window blocklists its
	 * fingerprint, so the fourth request is blocked, from any address. */
	for (int i = 0; i < 3; i++) {
		v = run("198.18.7.7", "/", FPH_PY_FAKE_CHROME, 1000 + i);
		cr_expect_eq(v.action, HTTP_ACT_FLAG, "request %d", i);
		cr_expect_eq(v.stage, HTTP_STAGE_BOT);
		cr_expect_eq(v.status, 0);
		cr_expect_geq(v.score, 6);
		cr_expect_eq(strncmp(v.rule, "bot_score:", 10), 0, "%s", v.rule);
	}
	snprintf(rule, sizeof(rule), "fp_blocked:%.16s", v.rule + 10);
	v = run("198.18.99.1", "/", FPH_PY_FAKE_CHROME, 2000);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK);
	cr_expect_str_eq(v.rule, rule);
	cr_expect_eq(run("198.18.99.1", "/", FPH_CHROME, 2000).action, HTTP_ACT_PASS);
}

Test(guard, bots_disabled)
{
	static const char *const sqlmap[] = { "Host", "x", "User-Agent", "sqlmap/1.7", NULL };

	C.bots.enabled = false;
	C.waf.threshold = 0;	/* the WAF's scanner rules know sqlmap too */
	restart();
	cr_expect_eq(run("198.18.7.7", "/", sqlmap, 0).action, HTTP_ACT_PASS);
	cr_expect_eq(run("198.18.7.7", "/", FPH_BARE, 0).action, HTTP_ACT_PASS);
}

Test(guard, funnel)
{
	static struct http_funnel_cfg f[2] = {
		{ .gate = "/signup", .target = "/register", .action = HTTP_FUNNEL_BLOCK,
		  .memory_ms = 300000 },
		{ .gate = "/cart", .target = "/checkout", .action = HTTP_FUNNEL_FLAG,
		  .memory_ms = 300000 },
	};
	struct http_verdict v;

	C.funnels = f, C.n_funnels = 2;
	restart();
	v = run("198.18.7.7", "/register", FPH_CHROME, 0);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK);
	cr_expect_eq(v.stage, HTTP_STAGE_FUNNEL);
	cr_expect_str_eq(v.rule, "funnel:/register");
	v = run("198.18.7.7", "/checkout", FPH_CHROME, 0);
	cr_expect_eq(v.action, HTTP_ACT_FLAG);
	cr_expect_eq(v.status, 0);
	cr_expect_eq(run("198.18.7.7", "/signup", FPH_CHROME, 10).action, HTTP_ACT_PASS);
	cr_expect_eq(run("198.18.7.99", "/register", FPH_CHROME, 20).action, HTTP_ACT_PASS,
		     "same entity: /24 and UA");
	cr_expect_eq(run("198.18.7.7", "/register", FPH_FIREFOX, 20).action, HTTP_ACT_BLOCK,
		     "another UA is another entity");
}

static const char *const FORM[] = { "Host", "x", "User-Agent", UA_FIREFOX,
	"Accept", "*/*", "Accept-Language", "en", "Accept-Encoding", "gzip",
	"Sec-Fetch-Mode", "cors", "Content-Type", "application/x-www-form-urlencoded", NULL };

Test(guard, waf_head)
{
	struct req q;
	struct http_verdict v;

	mkreq(&q, "198.18.7.7", "GET", "/search", "q=1%27%20union%20all%20select%20null,pass%20from%20users",
	      FPH_CHROME, HTTP_MODE_ENFORCE, 0);
	cr_assert_eq(http_guard_head(G, S, &q.in, &v), 0);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK);
	cr_expect_eq(v.stage, HTTP_STAGE_WAF);
	cr_expect_eq(v.status, 403);
	cr_expect_gt(v.rule_id, 0);
	cr_expect_geq(v.score, WAF_THRESHOLD_DEFAULT);
	cr_expect_eq(strncmp(v.rule, "waf:", 4), 0);
	cr_expect_eq(strtoul(v.rule + 4, NULL, 10), v.rule_id);
	/* The host turns its WAF off: pass, and no body inspection. */
	q.in.waf_threshold = 0;
	cr_assert_eq(http_guard_head(G, S, &q.in, &v), 0);
	cr_expect_eq(v.action, HTTP_ACT_PASS);
	cr_expect(v.skip_body);
}

Test(guard, waf_body)
{
	static const char bad[] = "user=admin&q=1%27%20union%20all%20select%20null,pass%20from%20users";
	static const char good[] = "user=admin&q=the+union+station";
	static const char ct[] = "application/x-www-form-urlencoded";
	struct req q;
	struct http_verdict v;

	mkreq(&q, "198.18.7.7", "POST", "/form", NULL, FORM, HTTP_MODE_ENFORCE, 0);
	q.r.h.body = HTTP_BODY_LENGTH;
	cr_assert_eq(http_guard_head(G, S, &q.in, &v), 0);
	cr_expect_eq(v.action, HTTP_ACT_PASS);
	cr_expect_not(v.skip_body);
	cr_assert_eq(http_guard_body(G, S, &q.in, good, strlen(good), ct, strlen(ct), &v), 0);
	cr_expect_eq(v.action, HTTP_ACT_PASS);
	cr_assert_eq(http_guard_body(G, S, &q.in, bad, strlen(bad), ct, strlen(ct), &v), 0);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK);
	cr_expect_eq(v.stage, HTTP_STAGE_WAF);
	cr_expect_gt(v.rule_id, 0);
	q.in.mode = HTTP_MODE_DETECT;
	cr_assert_eq(http_guard_body(G, S, &q.in, bad, strlen(bad), ct, strlen(ct), &v), 0);
	cr_expect_eq(v.action, HTTP_ACT_FLAG);
	cr_expect_eq(v.status, 403);
}

Test(guard, custom_waf_rule_from_config)
{
	static struct http_waf_rule_cfg r[1] = {
		{ .id = 100001, .pattern = "badword", .targets = WAF_T_QUERY_VAL, .score = 5,
		  .flags = WAF_RULE_LITERAL },
	};
	struct req q;
	struct http_verdict v;

	C.waf.rules = r, C.waf.n_rules = 1;
	restart();
	mkreq(&q, "198.18.7.7", "GET", "/", "x=BadWord", FPH_CHROME, HTTP_MODE_ENFORCE, 0);
	cr_assert_eq(http_guard_head(G, S, &q.in, &v), 0);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK);
	cr_expect_eq(v.rule_id, 100001);
	cr_expect_str_eq(v.rule, "waf:100001");
}

Test(guard, detect_mode_flags_and_still_counts)
{
	struct req q;
	struct http_verdict v;

	C.rate.per_ip = (struct http_limit){ .rate = 1, .burst = 2, .period_ms = 60000 };
	C.tarpit.delay_ms = 2000;
	restart();
	mkreq(&q, "203.0.113.1", "GET", "/", NULL, FPH_CHROME, HTTP_MODE_DETECT, 0);
	cr_assert_eq(http_guard_head(G, S, &q.in, &v), 0);
	cr_expect_eq(v.action, HTTP_ACT_FLAG);
	cr_expect_eq(v.stage, HTTP_STAGE_DENY);
	cr_expect_eq(v.status, 403, "what enforce would have answered");
	cr_expect_not(v.tarpit);
	cr_expect(v.skip_body, "detect stops where enforce would");
	for (int i = 0; i < 3; i++) {
		mkreq(&q, "198.18.7.7", "GET", "/", NULL, FPH_CHROME, HTTP_MODE_DETECT, 0);
		cr_assert_eq(http_guard_head(G, S, &q.in, &v), 0);
	}
	cr_expect_eq(v.action, HTTP_ACT_FLAG);
	cr_expect_eq(v.stage, HTTP_STAGE_RATE);
	cr_expect_eq(v.status, 429);
	/* The detect-mode requests spent the tokens: enforce now refuses. */
	v = run("198.18.7.7", "/", FPH_CHROME, 0);
	cr_expect_eq(v.action, HTTP_ACT_BLOCK);
	cr_expect(v.tarpit);
}

Test(guard, off_mode_counts_nothing)
{
	static const char *const sqlmap[] = { "Host", "x", "User-Agent", "sqlmap/1.7", NULL };
	struct http_guard_stats st;
	struct req q;
	struct http_verdict v;

	C.rate.per_ip = (struct http_limit){ .rate = 1, .burst = 1, .period_ms = 60000 };
	restart();
	for (int i = 0; i < 3; i++) {
		mkreq(&q, "203.0.113.1", "GET", "/", NULL, sqlmap, HTTP_MODE_OFF, 0);
		cr_assert_eq(http_guard_head(G, S, &q.in, &v), 0);
		cr_expect_eq(v.action, HTTP_ACT_PASS);
		cr_expect(v.skip_body);
	}
	http_guard_stats(G, &st);
	cr_expect_eq(st.requests, 0);
	for (int s = 0; s < HTTP_STAGE__COUNT; s++)
		for (int a = 0; a < HTTP_ACT__COUNT; a++)
			cr_expect_eq(st.count[s][a], 0);
	/* No token was taken while off. */
	cr_expect_eq(run("198.18.7.7", "/", FPH_CHROME, 0).action, HTTP_ACT_PASS);
}

Test(guard, stats)
{
	static const char *const sqlmap[] = { "Host", "x", "User-Agent", "sqlmap/1.7", NULL };
	struct http_guard_stats st;

	run("198.18.7.7", "/", FPH_CHROME, 0);
	run("198.18.7.7", "/", FPH_CHROME, 0);
	run("203.0.113.1", "/", FPH_CHROME, 0);
	run("198.18.7.7", "/", sqlmap, 0);
	run("198.18.0.5", "/", sqlmap, 0);
	http_guard_count(G, HTTP_STAGE_HYGIENE, HTTP_ACT_BLOCK);
	http_guard_stats(G, &st);
	cr_expect_eq(st.requests, 5);
	cr_expect_eq(st.count[HTTP_STAGE_NONE][HTTP_ACT_PASS], 2);
	cr_expect_eq(st.count[HTTP_STAGE_DENY][HTTP_ACT_BLOCK], 1);
	cr_expect_eq(st.count[HTTP_STAGE_BOT][HTTP_ACT_BLOCK], 1);
	cr_expect_eq(st.count[HTTP_STAGE_ALLOW][HTTP_ACT_PASS], 1);
	cr_expect_eq(st.count[HTTP_STAGE_HYGIENE][HTTP_ACT_BLOCK], 1);
}

Test(guard, names)
{
	cr_expect_str_eq(http_stage_name(HTTP_STAGE_RATE), "rate");
	cr_expect_str_eq(http_stage_name(HTTP_STAGE_BREAKER), "breaker");
	cr_expect_str_eq(http_stage_name(HTTP_STAGE__COUNT), "unknown");
	cr_expect_str_eq(http_action_name(HTTP_ACT_FLAG), "flag");
	cr_expect_str_eq(http_action_name((enum http_action)99), "unknown");
}

Test(guard, bad_input)
{
	static char empty_ua[1][128];
	struct http_guard *g;
	struct http_verdict v;
	struct http_guard_in in = { .mode = HTTP_MODE_ENFORCE };
	char err[256] = "";

	cr_expect_eq(http_guard_head(G, S, &in, &v), -EINVAL);
	cr_expect_eq(v.action, HTTP_ACT_PASS);
	C.rate.per_ip = (struct http_limit){ .rate = 1, .burst = 0, .period_ms = 1000 };
	cr_expect_eq(http_guard_new(&C, &g, err, sizeof(err)), -EINVAL);
	cr_expect_null(g);
	cr_expect_neq(err[0], 0);
	C.rate.per_ip.burst = 1;
	C.bots.user_agents = empty_ua;
	C.bots.n_user_agents = 1;
	cr_expect_eq(http_guard_new(&C, &g, err, sizeof(err)), -EINVAL);
	cr_expect_null(g);
}

struct thr {
	unsigned passed;
};

/* Workers share the guard, each with its own scratch. */
static void *worker(void *p)
{
	struct http_guard_scratch *s = http_guard_scratch_new(G);
	struct thr *t = p;
	struct req q;
	struct http_verdict v;

	cr_assert_not_null(s);
	for (int i = 0; i < 500; i++) {
		mkreq(&q, "198.18.7.7", "GET", "/", NULL, FPH_CHROME, HTTP_MODE_ENFORCE, 0);
		cr_assert_eq(http_guard_head(G, s, &q.in, &v), 0);
		t->passed += v.action == HTTP_ACT_PASS;
	}
	http_guard_scratch_free(s);
	return NULL;
}

Test(guard, threads_share_the_buckets)
{
	struct http_guard_stats st;
	struct thr t[4] = { 0 };
	pthread_t th[4];
	unsigned total = 0;

	C.rate.per_ip = (struct http_limit){ .rate = 1, .burst = 100, .period_ms = 3600000 };
	restart();
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, worker, &t[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		total += t[i].passed;
	}
	cr_expect_eq(total, 100);
	http_guard_stats(G, &st);
	cr_expect_eq(st.requests, 2000);
	cr_expect_eq(st.count[HTTP_STAGE_RATE][HTTP_ACT_BLOCK], 1900);
}

/* No host can use the WAF: it is not compiled, and the guard still runs. */
Test(guard, waf_not_compiled_without_a_threshold)
{
	struct req q;
	struct http_verdict v;

	C.waf.threshold = 0;
	restart();
	mkreq(&q, "198.18.7.7", "GET", "/", "id=1'%20OR%20'1'='1", FPH_CHROME,
	      HTTP_MODE_ENFORCE, 0);
	cr_assert_eq(http_guard_head(G, S, &q.in, &v), 0);
	cr_expect_eq(v.action, HTTP_ACT_PASS);
	cr_expect(v.skip_body);
	/* A caller asking for the WAF anyway gets a pass, not a crash. */
	q.in.waf_threshold = 5;
	cr_assert_eq(http_guard_head(G, S, &q.in, &v), 0);
	cr_expect_eq(v.action, HTTP_ACT_PASS);
	cr_assert_eq(http_guard_body(G, S, &q.in, "a=1' OR '1'='1", 14, NULL, 0, &v), 0);
	cr_expect_eq(v.action, HTTP_ACT_PASS);
}
