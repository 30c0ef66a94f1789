// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/guard/fingerprint.c: scores of real client header sets, fingerprint
 * stability, UA lists (built-in and custom), accumulation to a block. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "guard/fingerprint.h"
#include "fp_heads.h"

static struct fp_result fp_of(const char *method, const char *const *kv)
{
	struct fph r;
	struct fp_result res;

	fph_build(&r, method, "/", kv);
	fingerprint_compute(&r.h, &res);
	return res;
}

Test(fingerprint, browsers_score_zero)
{
	struct fp_result c = fp_of("GET", FPH_CHROME), f = fp_of("GET", FPH_FIREFOX);

	cr_expect_eq(c.score, 0, "chrome signals %#x", c.signals);
	cr_expect_eq(f.score, 0, "firefox signals %#x", f.signals);
	cr_expect_neq(c.id, f.id);
}

Test(fingerprint, tools_below_default_threshold)
{
	struct fp_result c = fp_of("GET", FPH_CURL), p = fp_of("GET", FPH_PY_REQUESTS);

	cr_expect_eq(c.signals, FP_SIG_NO_LANGUAGE | FP_SIG_NO_ENCODING);
	cr_expect_eq(c.score, FP_W_NO_LANGUAGE + FP_W_NO_ENCODING);
	cr_expect_eq(p.signals, FP_SIG_NO_LANGUAGE);
	/* With the automation UA weight they still stay under 6. */
	cr_expect_lt(c.score + FP_W_AUTOMATION, 6);
	cr_expect_lt(p.score + FP_W_AUTOMATION, 6);
}

Test(fingerprint, fake_browser_flagged)
{
	struct fp_result r = fp_of("GET", FPH_PY_FAKE_CHROME);

	cr_expect_eq(r.signals, FP_SIG_NO_LANGUAGE | FP_SIG_BROWSER_INCOMPLETE |
				FP_SIG_NO_SEC_FETCH | FP_SIG_ORDER, "signals %#x", r.signals);
	cr_expect_geq(r.score, 6);
	r = fp_of("GET", FPH_BARE);
	cr_expect_eq(r.score, FP_W_NO_UA + FP_W_NO_ACCEPT + FP_W_NO_LANGUAGE + FP_W_NO_ENCODING);
}

/* Firefox's order with a Chrome UA is the wrong order. */
Test(fingerprint, order_of_claimed_browser)
{
	static const char *const kv[] = {
		"Host", "x", "User-Agent", UA_CHROME, "Accept", "*/*",
		"Accept-Language", "en", "Accept-Encoding", "gzip", "Sec-Fetch-Mode", "cors", NULL,
	};
	struct fp_result r = fp_of("GET", kv);

	cr_expect_eq(r.signals, FP_SIG_ORDER);
}

Test(fingerprint, id_depends_on_names_not_values)
{
	static const char *const a[] = { "Host", "a", "User-Agent", "x/1", "Accept", "*/*", NULL };
	static const char *const b[] = { "host", "b", "USER-AGENT", "y/2", "accept", "text/html", NULL };
	static const char *const c[] = { "Host", "a", "Accept", "*/*", "User-Agent", "x/1", NULL };
	struct fph r;
	struct fp_result ra, rb, rc, rh;
	char hex[17];

	ra = fp_of("GET", a);
	rb = fp_of("get", b);
	rc = fp_of("GET", c);
	cr_expect_eq(ra.id, rb.id, "case and values do not matter");
	cr_expect_neq(ra.id, rc.id, "order does");
	cr_expect_neq(ra.id, fp_of("POST", a).id, "the method does");
	fph_build(&r, "GET", "/", a);
	r.h.version_minor = 0;
	fingerprint_compute(&r.h, &rh);
	cr_expect_neq(ra.id, rh.id, "the version does");
	cr_expect(rh.signals & FP_SIG_HTTP10);
	cr_expect_eq(strlen(fingerprint_hex(ra.id, hex, sizeof(hex))), 16);
}

static struct http_cfg bots_cfg(void)
{
	struct http_cfg c;

	memset(&c, 0, sizeof(c));
	c.bots.enabled = true;
	c.bots.default_user_agents = true;
	c.bots.score = 6;
	c.bots.block_after = 3;
	c.bots.window_ms = 60000;
	c.bots.block_ms = 600000;
	return c;
}

static struct fp_ua_hit ua(struct fingerprint *f, struct fingerprint_scratch *s, const char *u)
{
	struct fp_ua_hit h;

	cr_assert_eq(fingerprint_ua(f, s, u, u ? strlen(u) : 0, &h), 0);
	return h;
}

Test(fingerprint, ua_lists)
{
	static char custom[2][128] = { "EvilBot", "scrape-o-matic" };
	struct http_cfg c = bots_cfg();
	struct fingerprint *f;
	struct fingerprint_scratch *s;
	struct fp_ua_hit h;
	char err[128];

	c.bots.user_agents = custom;
	c.bots.n_user_agents = 2;
	cr_assert_eq(fingerprint_new(&c, 1024, &f, err, sizeof(err)), 0, "%s", err);
	s = fingerprint_scratch_new(f);
	cr_assert_not_null(s);
	h = ua(f, s, "sqlmap/1.7.2#stable (https://sqlmap.org)");
	cr_expect_eq(h.kind, FP_UA_BLOCK);
	cr_expect_str_eq(h.name, "sqlmap");
	cr_expect_eq(ua(f, s, "Mozilla/5.00 (Nikto/2.1.6)").kind, FP_UA_BLOCK);
	cr_expect_eq(ua(f, s, "Mozilla/5.0 zgrab/0.x").kind, FP_UA_BLOCK);
	h = ua(f, s, "Python-Requests/2.31");
	cr_expect_eq(h.kind, FP_UA_AUTOMATION, "caseless");
	cr_expect_str_eq(h.name, "python-requests");
	cr_expect_eq(ua(f, s, "curl/8.5.0").kind, FP_UA_AUTOMATION);
	/* Block wins over automation, wherever it sits. */
	h = ua(f, s, "python-requests/2 (via EVILBOT)");
	cr_expect_eq(h.kind, FP_UA_BLOCK);
	cr_expect_str_eq(h.name, "EvilBot");
	cr_expect_eq(ua(f, s, "x SCRAPE-O-MATIC y").kind, FP_UA_BLOCK);
	cr_expect_eq(ua(f, s, UA_CHROME).kind, FP_UA_NONE);
	cr_expect_eq(ua(f, s, UA_FIREFOX).kind, FP_UA_NONE);
	cr_expect_eq(ua(f, s, NULL).kind, FP_UA_NONE);
	fingerprint_scratch_free(s);
	fingerprint_free(f);
}

Test(fingerprint, ua_lists_custom_only)
{
	static char custom[1][128] = { "evilbot" };
	struct http_cfg c = bots_cfg();
	struct fingerprint *f;
	struct fingerprint_scratch *s;

	c.bots.default_user_agents = false;
	c.bots.user_agents = custom;
	c.bots.n_user_agents = 1;
	cr_assert_eq(fingerprint_new(&c, 1024, &f, NULL, 0), 0);
	s = fingerprint_scratch_new(f);
	cr_expect_eq(ua(f, s, "sqlmap/1.7").kind, FP_UA_NONE);
	cr_expect_eq(ua(f, s, "EvilBot/2").kind, FP_UA_BLOCK);
	fingerprint_scratch_free(s);
	fingerprint_free(f);
	/* No list at all still works (no database). */
	c.bots.n_user_agents = 0;
	cr_assert_eq(fingerprint_new(&c, 1024, &f, NULL, 0), 0);
	s = fingerprint_scratch_new(f);
	cr_assert_not_null(s);
	cr_expect_eq(ua(f, s, "sqlmap").kind, FP_UA_NONE);
	fingerprint_scratch_free(s);
	fingerprint_free(f);
}

Test(fingerprint, empty_custom_entry_rejected)
{
	static char custom[1][128] = { "" };
	struct http_cfg c = bots_cfg();
	struct fingerprint *f;
	char err[128] = "";

	c.bots.user_agents = custom;
	c.bots.n_user_agents = 1;
	cr_expect_eq(fingerprint_new(&c, 1024, &f, err, sizeof(err)), -EINVAL);
	cr_expect_null(f);
	cr_expect_neq(err[0], 0);
}

Test(fingerprint, accumulate_to_blocklist)
{
	struct http_cfg c = bots_cfg();
	struct fingerprint *f;

	cr_assert_eq(fingerprint_new(&c, 1024, &f, NULL, 0), 0);
	cr_expect_not(fingerprint_blocked(f, 7, 0));
	cr_expect_not(fingerprint_flag(f, 7, 0));
	cr_expect_not(fingerprint_flag(f, 7, 1000));
	cr_expect_not(fingerprint_flag(f, 8, 1000), "another fingerprint counts apart");
	cr_expect(fingerprint_flag(f, 7, 59999), "third flag within the window");
	cr_expect(fingerprint_blocked(f, 7, 60000));
	cr_expect(fingerprint_blocked(f, 7, 59999 + 599999));
	cr_expect_not(fingerprint_blocked(f, 7, 59999 + 600000));
	cr_expect_not(fingerprint_blocked(f, 8, 60000));
	/* Flags spread wider than the window never add up. */
	cr_expect_not(fingerprint_flag(f, 9, 0));
	cr_expect_not(fingerprint_flag(f, 9, 50000));
	cr_expect_not(fingerprint_flag(f, 9, 60000));
	cr_expect_not(fingerprint_flag(f, 9, 100000));
	cr_expect_not(fingerprint_blocked(f, 9, 100000));
	fingerprint_free(f);
	/* window 0: never. */
	c.bots.window_ms = 0;
	cr_assert_eq(fingerprint_new(&c, 1024, &f, NULL, 0), 0);
	for (int i = 0; i < 10; i++)
		cr_expect_not(fingerprint_flag(f, 7, 0));
	fingerprint_free(f);
}
