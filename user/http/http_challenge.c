// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The browser challenge on a connection; see http_challenge.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "guard/challenge.h"
#include "guard/http_guard.h"
#include "http/chal_page.h"
#include "http/http_challenge.h"
#include "http/http_conn.h"
#include "http/http_rep.h"
#include "http/http_rt.h"

#define PAGE_MAX	16384

static uint64_t realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct http_chal_stats *host_stats(const struct http_conn *c)
{
	const struct http_cfg *cfg = c->rt->cfg;

	return &c->rt->chal[c->host ? (size_t)(c->host - cfg->hosts) : cfg->n_hosts];
}

static struct http_span header_of(const struct http_conn *c, const char *name)
{
	const struct http_header *h = http_req_header(c->req, name);

	return h ? h->value : (struct http_span){ "", 0 };
}

static struct challenge_client client_of(const struct http_conn *c, struct http_span *ua)
{
	*ua = header_of(c, "user-agent");
	return (struct challenge_client){ &c->client, ua->p, ua->len };
}

void http_challenge_guard_in(struct worker *w, struct http_conn *c, struct http_guard_in *in)
{
	const struct http_host *host = c->host;

	(void)w;
	in->chal_mode = host ? host->chal_mode : HTTP_MODE_OFF;
	if (in->chal_mode == HTTP_MODE_OFF || !http_guard_challenge(c->rt->guard))
		return;
	in->chal_difficulty = host->chal_difficulty;
	in->chal_always = host->chal_always;
	in->rep_challenge = http_rep_wants_challenge(c);
	in->now_s = realtime_ms() / 1000;
}

/* ---- serving a challenge ---- */

static bool span_has(struct http_span s, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= s.len; i++)
		if (!strncasecmp(s.p + i, needle, n))
			return true;
	return false;
}

/* Clients that did not ask for a page get JSON: fetch/XHR, API paths. */
static bool wants_json(const struct http_conn *c)
{
	const struct http_challenge_cfg *cc = &c->rt->cfg->challenge;
	const struct http_req_head *h = http_req_head(c->req);
	struct http_span accept = header_of(c, "accept"), dest = header_of(c, "sec-fetch-dest");

	for (size_t i = 0; i < cc->n_api_paths; i++) {
		size_t n = strlen(cc->api_paths[i]);

		if (h->norm_path.len >= n && !memcmp(h->norm_path.p, cc->api_paths[i], n))
			return true;
	}
	if (http_req_header(c->req, "x-requested-with"))
		return true;
	if (dest.len && !span_has(dest, "document") && !span_has(dest, "iframe"))
		return true;
	return !span_has(accept, "text/html") && span_has(accept, "application/json");
}

/* Where to go once cleared: the request's own target if it is a path. */
static void return_path(const struct http_conn *c, char *out, size_t cap)
{
	const struct http_req_head *h = http_req_head(c->req);

	if (!h->absolute_form && h->target.len < cap && chal_return_ok(h->target.p, h->target.len)) {
		memcpy(out, h->target.p, h->target.len);
		out[h->target.len] = '\0';
	} else {
		snprintf(out, cap, "/");
	}
}

static void send_local(struct worker *w, struct http_conn *c, int status, const char *ctype,
		       const char *headers, const char *body, int len, const char *reason)
{
	const struct http_req_head *h = http_req_head(c->req);
	bool head = h->method_bit == HTTP_M_HEAD;
	struct http_local_resp lr = { status, head ? NULL : ctype, headers, body,
				      len > 0 ? (size_t)len : 0 };

	if (len < 0) {
		hx_reply(w, c, 500, 0, false, "challenge_render");
		return;
	}
	hx_reply_local(w, c, &lr, true, reason);
}

/* The page (or its JSON) for a new token of the given difficulty. */
static void serve(struct worker *w, struct http_conn *c, unsigned difficulty, int status)
{
	const struct http_challenge_cfg *cc = &c->rt->cfg->challenge;
	struct challenge *ch = http_guard_challenge(c->rt->guard);
	char token[AEGIS_CHAL_TOKEN_CHARS + 1], nojs[AEGIS_CHAL_TOKEN_CHARS + 1];
	char ret[CHAL_RETURN_MAX + 1], hdrs[512], *buf = malloc(PAGE_MAX);
	uint64_t now = realtime_ms();
	struct http_span ua;
	struct challenge_client cl = client_of(c, &ua);
	struct chal_page p = {
		.title = c->host ? c->host->chal_title : cc->title,
		.text = c->host ? c->host->chal_text : cc->text,
		.token = token, .difficulty = difficulty, .ret = ret,
		.nojs_wait_s = cc->nojs_wait_s,
		.post = !(http_req_head(c->req)->method_bit & (HTTP_M_GET | HTTP_M_HEAD)),
	};
	bool json = wants_json(c);
	int n = -1;

	return_path(c, ret, sizeof(ret));
	if (buf && !challenge_issue(ch, &cl, difficulty, false, now, token) &&
	    (!cc->nojs_wait_s || !challenge_issue(ch, &cl, 0, true, now, nojs))) {
		p.nojs_token = cc->nojs_wait_s ? nojs : NULL;
		n = json ? chal_page_json(buf, PAGE_MAX, &p) : chal_page_html(buf, PAGE_MAX, &p);
	}
	atomic_fetch_add_explicit(json ? &host_stats(c)->json : &host_stats(c)->pages, 1,
				  memory_order_relaxed);
	http_rep_report(w, c, AEGIS_REP_IN_CHALLENGE_ABANDONED);
	snprintf(hdrs, sizeof(hdrs), json ? "%s: pow\r\n" : "%s: pow\r\nX-Robots-Tag: noindex\r\n"
		 "Content-Security-Policy: %s\r\n", AEGIS_CHAL_HEADER, chal_page_csp);
	send_local(w, c, status, json ? "application/json" : "text/html; charset=utf-8", hdrs,
		   buf, n, "challenge");
	free(buf);
}

void http_challenge_reply(struct worker *w, struct http_conn *c)
{
	serve(w, c, c->verdict.chal_difficulty, 403);
}

/* ---- the endpoints ---- */

/* A verified answer: the cookie, then back where the client was going. */
static void grant(struct worker *w, struct http_conn *c, const struct chal_answer *a,
		  unsigned difficulty, uint64_t issued_ms)
{
	const struct http_challenge_cfg *cc = &c->rt->cfg->challenge;
	struct challenge *ch = http_guard_challenge(c->rt->guard);
	uint64_t now = realtime_ms();
	uint32_t ttl = difficulty ? cc->cookie_ttl_s : cc->nojs_ttl_s;
	char cookie[AEGIS_CHAL_COOKIE_CHARS + 1], hdrs[CHAL_RETURN_MAX + 512], *page;
	struct http_span ua;
	struct challenge_client cl = client_of(c, &ua);
	struct http_chal_stats *st = host_stats(c);
	int n;

	if (challenge_cookie_mint(ch, &cl, difficulty, ttl, now / 1000, cookie)) {
		hx_reply(w, c, 500, 0, false, "challenge_cookie");
		return;
	}
	atomic_fetch_add_explicit(difficulty ? &st->passed : &st->nojs_passed, 1,
				  memory_order_relaxed);
	histo_record(&st->solve, now > issued_ms ? now - issued_ms : 0);
	http_rep_report(w, c, AEGIS_REP_IN_CHALLENGE_PASSED);
	n = snprintf(hdrs, sizeof(hdrs), "Set-Cookie: %s=%s; Path=/; Max-Age=%u; HttpOnly; "
		     "SameSite=Lax\r\n%s%s%s", cc->cookie_name, cookie, ttl,
		     a->post ? "" : "Location: ", a->post ? "" : a->ret, a->post ? "" : "\r\n");
	if (n < 0 || (size_t)n >= sizeof(hdrs)) {
		hx_reply(w, c, 500, 0, false, "challenge_cookie");
		return;
	}
	if (!a->post) {
		send_local(w, c, 303, NULL, hdrs, NULL, 0, "challenge_passed");
		return;
	}
	page = malloc(PAGE_MAX);
	n = page ? chal_page_resubmit(page, PAGE_MAX, c->host ? c->host->chal_title
							     : cc->title, a->ret) : -1;
	send_local(w, c, 200, "text/html; charset=utf-8", hdrs, page, n, "challenge_passed");
	free(page);
}

static void answer(struct worker *w, struct http_conn *c, bool nojs)
{
	const struct http_req_head *h = http_req_head(c->req);
	struct challenge *ch = http_guard_challenge(c->rt->guard);
	enum aegis_chal_result r = AEGIS_CHAL_MALFORMED;
	struct chal_answer a;
	struct http_span ua;
	struct challenge_client cl = client_of(c, &ua);
	unsigned diff = 0;
	uint64_t issued = 0;

	if (!chal_answer_parse(h->query.p, h->query.len, &a) && a.token && (nojs || a.nonce))
		r = challenge_verify(ch, &cl, a.token, a.token_len, nojs ? NULL : a.nonce,
				     a.nonce_len, c->rt->cfg->challenge.nojs_wait_s, realtime_ms(),
				     &diff, &issued);
	if (r == AEGIS_CHAL_OK) {
		grant(w, c, &a, diff, issued);
		return;
	}
	atomic_fetch_add_explicit(&host_stats(c)->failed[r], 1, memory_order_relaxed);
	if (r == AEGIS_CHAL_BUSY) {
		hx_reply(w, c, 503, 1, true, "challenge_busy");
		return;
	}
	/* A slow solver or a reloaded old tab is no offence; a forgery is. */
	if (r != AEGIS_CHAL_EXPIRED && r != AEGIS_CHAL_RETIRED)
		http_rep_report(w, c, AEGIS_REP_IN_CHALLENGE_FAILED);
	serve(w, c, c->host->chal_difficulty, 403);
}

bool http_challenge_endpoint(struct worker *w, struct http_conn *c)
{
	const struct http_req_head *h = http_req_head(c->req);
	const struct http_span *p = &h->norm_path;
	size_t plen = sizeof(AEGIS_CHAL_PATH_PREFIX) - 1;

	if (!c->host || c->host->chal_mode == HTTP_MODE_OFF || !http_guard_challenge(c->rt->guard) ||
	    p->len < plen || memcmp(p->p, AEGIS_CHAL_PATH_PREFIX, plen))
		return false;
	if (!(h->method_bit & (HTTP_M_GET | HTTP_M_HEAD)))
		hx_reply(w, c, 405, 0, true, "challenge_method");
	else if (p->len == strlen(AEGIS_CHAL_PATH_VERIFY) && !memcmp(p->p, AEGIS_CHAL_PATH_VERIFY, p->len))
		answer(w, c, false);
	else if (p->len == strlen(AEGIS_CHAL_PATH_NOJS) && !memcmp(p->p, AEGIS_CHAL_PATH_NOJS, p->len) &&
		 c->rt->cfg->challenge.nojs_wait_s)
		answer(w, c, true);
	else
		hx_reply(w, c, 404, 0, true, "challenge_path");
	return true;
}
