// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * user/http/http_req*.c: the streaming request parser (head fields, body
 * streaming, pipelining, splits at every byte and at random points), the
 * limits, the reason table, hop-by-hop and forwarding helpers.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_req.h"

/* A transcript of everything a parser run produced, for comparisons. */
struct log {
	char text[8192];
	size_t len;
	const char *in_lo, *in_hi;	/* caller input: body spans must be inside */
	bool body_outside;
};

static void logf_(struct log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct log *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->text + l->len, sizeof(l->text) - l->len, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < sizeof(l->text) - l->len, "log full");
	l->len += (size_t)n;
}

static void on_body(void *arg, const char *p, size_t n)
{
	struct log *l = arg;

	if (p < l->in_lo || p + n > l->in_hi)
		l->body_outside = true;
	logf_(l, "[%.*s]", (int)n, p);
}

static void log_head(struct log *l, const struct http_req *r)
{
	const struct http_req_head *h = http_req_head(r);
	unsigned i;

	cr_assert_not_null(h);
	logf_(l, "HEAD %.*s %.*s path=%.*s q=%.*s norm=%.*s host=%.*s 1.%d body=%d cl=%llu ka=%d up=%d n=%u",
	      (int)h->method.len, h->method.p, (int)h->target.len, h->target.p,
	      (int)h->path.len, h->path.p, (int)h->query.len, h->query.p,
	      (int)h->norm_path.len, h->norm_path.p, (int)h->host.len, h->host.p,
	      h->version_minor, h->body, (unsigned long long)h->content_length,
	      h->keep_alive, h->upgrade, h->nheaders);
	for (i = 0; i < h->nheaders; i++)
		logf_(l, " {%.*s=%.*s}", (int)h->headers[i].name.len, h->headers[i].name.p,
		      (int)h->headers[i].value.len, h->headers[i].value.p);
	logf_(l, "\n");
}

/*
 * Feeds raw to a new parser with the arrival boundaries in cuts (sorted
 * offsets), like a connection would: unconsumed bytes are fed again.
 * Body bytes are coalesced per request, so splits do not change the log.
 */
static void run(const struct http_req_limits *lim, const char *raw, size_t len,
		const size_t *cuts, size_t ncuts, struct log *l)
{
	struct log body = { .len = 0 };
	struct http_req *r;
	size_t have = 0, pos = 0, next_cut = 0;
	bool done = false;

	memset(l, 0, sizeof(*l));
	body.in_lo = l->in_lo = raw;
	body.in_hi = l->in_hi = raw + len;
	r = http_req_new(lim, on_body, &body);
	cr_assert_not_null(r);
	while (!done) {
		size_t used;
		enum http_feed ev = http_req_feed(r, raw + pos, have - pos, &used);

		cr_assert_leq(used, have - pos);
		pos += used;
		switch (ev) {
		case HTTP_FEED_HEAD:
			log_head(l, r);
			break;
		case HTTP_FEED_DONE:
			logf_(l, "BODY %.*s\nDONE\n", (int)body.len, body.text);
			body.len = 0;
			http_req_next(r);
			if (pos == len)
				done = true;
			break;
		case HTTP_FEED_ERROR:
			logf_(l, "ERROR %d %s\n", http_reason_status(http_req_error(r)),
			      http_reason_text(http_req_error(r)));
			done = true;
			break;
		case HTTP_FEED_MORE:
			cr_assert_eq(pos, have, "MORE with unused input");
			if (have == len) {
				logf_(l, "EOF\n");
				done = true;
			} else {
				have = next_cut < ncuts ? cuts[next_cut++] : len;
			}
			break;
		}
	}
	l->body_outside = body.body_outside;
	http_req_free(r);
}

static void run_whole(const char *raw, struct log *l)
{
	run(NULL, raw, strlen(raw), NULL, 0, l);
}

static const char *const valid[] = {
	"GET /a/./b/../c?x=1&y=%41 HTTP/1.1\r\nHost: www.example.com:8080\r\n"
	"User-Agent: t\r\nAccept: */*\r\nX-Empty:\r\n\r\n",
	"POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
	"PUT /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	"5\r\nhello\r\n6;ext=1\r\n world\r\nA\r\n0123456789\r\n0\r\nX-Sum: 1\r\n\r\n",
	"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
	"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
	"HEAD /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
	"GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
};

Test(http_req, head_fields)
{
	struct log l;

	run_whole(valid[0], &l);
	cr_expect_str_eq(l.text,
		"HEAD GET /a/./b/../c?x=1&y=%41 path=/a/./b/../c q=x=1&y=%41 norm=/a/c "
		"host=www.example.com:8080 1.1 body=0 cl=0 ka=1 up=0 n=4 {Host=www.example.com:8080} "
		"{User-Agent=t} {Accept=*/*} {X-Empty=}\nBODY \nDONE\n");
}

Test(http_req, content_length_body_streamed_zero_copy)
{
	struct log l;

	run_whole(valid[1], &l);
	cr_expect(strstr(l.text, "BODY [hello world]\nDONE\n"), "%s", l.text);
	cr_expect(!l.body_outside, "body spans must point into the caller's input");
}

Test(http_req, chunked_body_decoded)
{
	struct log l;

	run_whole(valid[2], &l);
	cr_expect(strstr(l.text, "body=2"), "%s", l.text);
	cr_expect(strstr(l.text, "BODY [hello][ world][0123456789]\nDONE\n"), "%s", l.text);
	cr_expect(!l.body_outside);
}

Test(http_req, pipelined_one_at_a_time)
{
	static const char *raw = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
	struct http_req *r = http_req_new(NULL, NULL, NULL);
	size_t used, pos = 0, len = strlen(raw);

	cr_assert_eq(http_req_feed(r, raw, len, &used), HTTP_FEED_HEAD);
	pos += used;
	cr_expect_eq(pos, 28, "stops right after the first head");
	cr_expect_eq(http_req_head(r)->path.p[1], '1');
	cr_assert_eq(http_req_feed(r, raw + pos, len - pos, &used), HTTP_FEED_DONE);
	cr_expect_eq(used, 0, "a GET has no body");
	cr_expect_eq(http_req_feed(r, raw + pos, len - pos, &used), HTTP_FEED_DONE,
		     "paused until next()");
	cr_expect_eq(used, 0);
	http_req_next(r);
	cr_assert_eq(http_req_feed(r, raw + pos, len - pos, &used), HTTP_FEED_HEAD);
	cr_expect_eq(http_req_head(r)->path.p[1], '2');
	cr_expect_eq(pos + used, len);
	http_req_free(r);
}

Test(http_req, pipelined_mixed_and_head_without_body)
{
	struct log l;

	run_whole(valid[3], &l);
	cr_expect_str_eq(l.text,
		"HEAD GET /1 path=/1 q= norm=/1 host=a 1.1 body=0 cl=0 ka=1 up=0 n=1 {Host=a}\nBODY \nDONE\n"
		"HEAD POST /2 path=/2 q= norm=/2 host=a 1.1 body=1 cl=3 ka=1 up=0 n=2 {Host=a} {Content-Length=3}\n"
		"BODY [abc]\nDONE\n"
		"HEAD HEAD /3 path=/3 q= norm=/3 host=a 1.1 body=0 cl=0 ka=0 up=0 n=2 {Host=a} {Connection=close}\n"
		"BODY \nDONE\n");
}

Test(http_req, upgrade_and_http10_keepalive)
{
	struct log l;

	run_whole(valid[4], &l);
	cr_expect(strstr(l.text, "up=1"), "%s", l.text);
	run_whole("GET / HTTP/1.0\r\n\r\n", &l);
	cr_expect(strstr(l.text, "1.0 body=0 cl=0 ka=0"), "%s", l.text);
	run_whole("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &l);
	cr_expect(strstr(l.text, "ka=1"), "%s", l.text);
}

/* Coalesce body fragments so that logs from different splits compare. */
static void normalise_log(char *s)
{
	char *w = s, *p;

	for (p = s; *p; p++) {
		if (p[0] == ']' && p[1] == '[') {
			p++;
			continue;
		}
		*w++ = *p;
	}
	*w = '\0';
}

Test(http_req, every_split_point_same_result)
{
	size_t i, k;

	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		struct log whole, part;
		size_t len = strlen(valid[i]);

		run_whole(valid[i], &whole);
		normalise_log(whole.text);
		cr_assert(!strstr(whole.text, "ERROR"), "%s", whole.text);
		for (k = 1; k < len; k++) {
			run(NULL, valid[i], len, &k, 1, &part);
			normalise_log(part.text);
			cr_assert_str_eq(part.text, whole.text, "request %zu split at %zu", i, k);
		}
	}
}

Test(http_req, random_splits_same_result)
{
	unsigned seed = 12345;
	size_t i, t;

	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		struct log whole, part;
		size_t len = strlen(valid[i]);

		run_whole(valid[i], &whole);
		normalise_log(whole.text);
		for (t = 0; t < 200; t++) {
			size_t cuts[16], n = 0, at = 0;

			while (n < 16) {
				seed = seed * 1103515245u + 12345u;
				at += 1 + (seed >> 16) % 9;
				if (at >= len)
					break;
				cuts[n++] = at;
			}
			run(NULL, valid[i], len, cuts, n, &part);
			normalise_log(part.text);
			cr_assert_str_eq(part.text, whole.text, "request %zu trial %zu", i, t);
		}
	}
}

static const char *verdict(const struct http_req_limits *lim, const char *raw)
{
	static struct log l;

	run(lim, raw, strlen(raw), NULL, 0, &l);
	return l.text;
}

Test(http_req, limits)
{
	struct http_req_limits lim;
	char big[6000];

	http_req_limits_default(&lim);
	cr_expect_eq(lim.max_head_bytes, HTTP_DEF_MAX_HEAD);
	cr_expect_eq(lim.methods, HTTP_M_DEFAULT);

	lim.max_uri = 16;
	cr_expect_str_eq(verdict(&lim, "GET /0123456789abcdef HTTP/1.1\r\nHost: a\r\n\r\n"),
			 "ERROR 414 request-target too long\n");
	cr_expect(strstr(verdict(&lim, "GET /0123456789abcd HTTP/1.1\r\nHost: a\r\n\r\n"), "DONE"));
	/* no CRLF ever: refused once the line cannot be valid, not buffered forever */
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	http_req_limits_default(&lim);
	{
		char line[6100];

		snprintf(line, sizeof(line), "GET %s", big);
		cr_expect_str_eq(verdict(&lim, line), "ERROR 414 request-target too long\n");
	}

	http_req_limits_default(&lim);
	lim.max_head_bytes = 64;
	cr_expect_str_eq(verdict(&lim, "GET / HTTP/1.1\r\nHost: a\r\nX-Long: 0123456789012345678901234567890123456789\r\n\r\n"),
			 "ERROR 431 request head too large\n");

	http_req_limits_default(&lim);
	lim.max_headers = 2;
	cr_expect_str_eq(verdict(&lim, "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n"),
			 "ERROR 431 too many header fields\n");
	cr_expect(strstr(verdict(&lim, "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\n\r\n"), "DONE"));

	http_req_limits_default(&lim);
	lim.max_body = 4;
	cr_expect_str_eq(verdict(&lim, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"),
			 "ERROR 413 body too large\n");
	cr_expect(strstr(verdict(&lim, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
				 "2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n"), "ERROR 413 body too large\n"));
	cr_expect(strstr(verdict(&lim, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
				 "2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n"), "BODY [ab][cd]"));

	http_req_limits_default(&lim);
	lim.methods = HTTP_M_GET;
	cr_expect_str_eq(verdict(&lim, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
			 "ERROR 405 method not allowed\n");
	lim.methods = HTTP_M_GET | HTTP_M_CONNECT;
	cr_expect(strstr(verdict(&lim, "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n"),
			 "up=1"));
	cr_expect_str_eq(verdict(&lim, "CONNECT a.example HTTP/1.1\r\nHost: a.example\r\n\r\n"),
			 "ERROR 400 invalid request-target\n");
}

Test(http_req, trailers_count_against_head_limit)
{
	struct http_req_limits lim;

	http_req_limits_default(&lim);
	lim.max_head_bytes = 80;
	cr_expect(strstr(verdict(&lim, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
				 "0\r\nX-T: 0123456789012345678901234567890123456789012345678901234567890123456789012345\r\n\r\n"),
			 "\nERROR 431 request head too large\n"));
	cr_expect(strstr(verdict(&lim, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
				 "0\r\nX-T: 0123456789\r\n\r\n"), "DONE"));
}

Test(http_req, normalised_paths)
{
	static const struct { const char *target, *norm; } t[] = {
		{ "/", "/" }, { "/a/./b/../c", "/a/c" }, { "/a%20b", "/a b" },
		{ "/x%252Fy", "/x/y" }, { "/a/b/..", "/a/" }, { "/a/.", "/a/" },
		{ "/a//b", "/a//b" }, { "/%41%42", "/AB" }, { "/q?p=../../x", "/q" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char raw[256], want[128];

		snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: a\r\n\r\n", t[i].target);
		snprintf(want, sizeof(want), " norm=%s ", t[i].norm);
		cr_expect(strstr(verdict(NULL, raw), want), "%s -> %s", t[i].target, verdict(NULL, raw));
	}
}

Test(http_req, reason_table)
{
	int i;

	for (i = 1; i < HTTP_R__COUNT; i++) {
		int s = http_reason_status((enum http_reason)i);

		cr_expect(s == 400 || s == 405 || s == 413 || s == 414 || s == 431 || s == 501,
			  "reason %d status %d", i, s);
		cr_expect(strlen(http_reason_text((enum http_reason)i)) > 3, "reason %d", i);
	}
	cr_expect_eq(http_reason_status(HTTP_R__COUNT), 500);
}

static struct http_req *parsed(const char *raw)
{
	struct http_req *r = http_req_new(NULL, NULL, NULL);
	size_t used;

	cr_assert_eq(http_req_feed(r, raw, strlen(raw), &used), HTTP_FEED_HEAD, "%s", raw);
	return r;
}

Test(http_req, header_lookup_and_hop_by_hop)
{
	struct http_req *r = parsed("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret ,x-other\r\n"
				    "X-Secret: s\r\nCookie: c\r\n\r\n");
	static const char *const hop[] = {
		"Connection", "keep-alive", "Proxy-Connection", "TE", "Trailer",
		"transfer-encoding", "UPGRADE", "x-secret", "X-Other",
	};
	size_t i;

	cr_expect_eq(http_req_header(r, "cookie")->value.p[0], 'c');
	cr_expect_null(http_req_header(r, "nope"));
	for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		cr_expect(http_req_is_hop_by_hop(r, hop[i], strlen(hop[i])), "%s", hop[i]);
	cr_expect(!http_req_is_hop_by_hop(r, "Cookie", 6));
	cr_expect(!http_req_is_hop_by_hop(r, "Host", 4));
	cr_expect(!http_req_is_hop_by_hop(r, "X-Secre", 7), "prefix is not a match");
	http_req_free(r);
}

Test(http_req, build_forward)
{
	struct http_req *r = parsed("POST /p HTTP/1.1\r\nHost: a\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\n"
				    "X-Forwarded-For: 1.1.1.1\r\nX-Real-IP: 6.6.6.6\r\nTransfer-Encoding: chunked\r\n"
				    "X-Request-ID: forged\r\nAccept: */*\r\n\r\n");
	struct http_fwd f = { .client_ip = "10.0.0.1", .proto = "https", .request_id = "rid-1" };
	char buf[512];
	int n;

	n = http_req_build_forward(r, &f, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_expect_str_eq((buf[n] = '\0', buf),
		"Host: a\r\nAccept: */*\r\nX-Forwarded-For: 10.0.0.1\r\nX-Real-IP: 10.0.0.1\r\n"
		"X-Forwarded-Proto: https\r\nX-Request-ID: rid-1\r\nTransfer-Encoding: chunked\r\n");
	f.trust_xff = true;
	n = http_req_build_forward(r, &f, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_expect(strstr(buf, "X-Forwarded-For: 1.1.1.1, 10.0.0.1\r\n"), "%s", buf);
	/* Behind a trusted proxy, X-Real-IP is the client it names. */
	f.real_ip = "1.1.1.1";
	n = http_req_build_forward(r, &f, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_expect(strstr(buf, "X-Forwarded-For: 1.1.1.1, 10.0.0.1\r\nX-Real-IP: 1.1.1.1\r\n"), "%s", buf);
	f.real_ip = "1.1.1.1\r\nX-Evil: 1";
	cr_expect_eq(http_req_build_forward(r, &f, buf, sizeof(buf)), -EINVAL);
	f.real_ip = NULL;
	cr_expect_eq(http_req_build_forward(r, &f, buf, 40), -ENOSPC);
	f.request_id = "a\r\nX-Evil: 1";
	cr_expect_eq(http_req_build_forward(r, &f, buf, sizeof(buf)), -EINVAL);
	http_req_free(r);
}
