// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * user/http/http_req*.c: the request-smuggling and desync case list. Each case
 * is a raw client byte stream and its verdict: accepted (status 0, the
 * whole stream parsed into complete requests) or refused with a given
 * reason and HTTP status before any body byte reached the callback of a
 * refused request. Every case is also fed one byte at a time.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "http/http_req.h"

struct scase {
	const char *name;
	const char *raw;
	int status;			/* 0: accepted */
	enum http_reason why;
	int nreq;			/* accepted: complete requests expected */
};

#define H "Host: a.example\r\n"
#define LONG_EXT "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct scase cases[] = {
	/* accepted */
	{ "plain GET", "GET / HTTP/1.1\r\n" H "\r\n", 0, 0, 1 },
	{ "POST CL", "POST /f HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\nhello", 0, 0, 1 },
	{ "POST chunked", "POST /f HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 0, 0, 1 },
	{ "chunked mixed case", "POST /f HTTP/1.1\r\n" H "Transfer-Encoding: ChUnKeD\r\n\r\n0\r\n\r\n", 0, 0, 1 },
	{ "TE with OWS", "POST /f HTTP/1.1\r\n" H "Transfer-Encoding:   chunked  \r\n\r\n0\r\n\r\n", 0, 0, 1 },
	{ "short chunk extension", "POST /f HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\n\r\n", 0, 0, 1 },
	{ "chunked trailers", "POST /f HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-T: 1\r\n\r\n", 0, 0, 1 },
	{ "CL 0", "POST /f HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n", 0, 0, 1 },
	{ "absolute-form matching Host", "GET http://a.example/x?q=1 HTTP/1.1\r\n" H "\r\n", 0, 0, 1 },
	{ "HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 0, 0, 1 },
	{ "dot segment inside root", "GET /a/../b HTTP/1.1\r\n" H "\r\n", 0, 0, 1 },
	{ "browser-raw brackets in query", "GET /c?filter[size]=42&f={a}|b^`c HTTP/1.1\r\n" H "\r\n", 0, 0, 1 },
	{ "browser-raw brackets in path", "GET /a[1]|b^ HTTP/1.1\r\n" H "\r\n", 0, 0, 1 },
	{ "two pipelined", "GET /1 HTTP/1.1\r\n" H "\r\nGET /2 HTTP/1.1\r\n" H "\r\n", 0, 0, 2 },
	{ "Transfer_Encoding is another header", "GET / HTTP/1.1\r\n" H "Transfer_Encoding: chunked\r\n\r\n", 0, 0, 1 },

	/* CL.TE and TE.CL */
	{ "CL.TE", "POST / HTTP/1.1\r\n" H "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", 400, HTTP_R_CL_AND_TE, 0 },
	{ "TE.CL", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n", 400, HTTP_R_CL_AND_TE, 0 },
	/* TE.TE obfuscations */
	{ "TE xchunked", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: xchunked\r\n\r\n", 501, HTTP_R_TE_UNSUPPORTED, 0 },
	{ "TE chunked, identity", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, identity\r\n\r\n", 400, HTTP_R_TE_LIST, 0 },
	{ "TE identity, chunked", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: identity, chunked\r\n\r\n", 400, HTTP_R_TE_LIST, 0 },
	{ "two TE headers", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n", 400, HTTP_R_TE_LIST, 0 },
	{ "TE folded onto previous line", "POST / HTTP/1.1\r\n" H "X: y\r\n Transfer-Encoding: chunked\r\n\r\n", 400, HTTP_R_OBS_FOLD, 0 },
	{ "TE space before colon", "POST / HTTP/1.1\r\n" H "Transfer-Encoding : chunked\r\n\r\n", 400, HTTP_R_SPACE_BEFORE_COLON, 0 },
	{ "TE vertical tab", "POST / HTTP/1.1\r\n" H "Transfer-Encoding:\x0b" "chunked\r\n\r\n", 400, HTTP_R_CTL_BYTE, 0 },
	{ "TE quoted", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: \"chunked\"\r\n\r\n", 400, HTTP_R_BAD_TE, 0 },
	{ "TE gzip", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n\r\n", 501, HTTP_R_TE_UNSUPPORTED, 0 },
	{ "TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, HTTP_R_TE_HTTP10, 0 },
	/* bare CR / LF (CVE-2023-30589) */
	{ "bare CR ends request line", "GET / HTTP/1.1\r" H "\r\n", 400, HTTP_R_BARE_CR, 0 },
	{ "bare CR ends header", "GET / HTTP/1.1\r\n" "Host: a.example\rX: y\r\n\r\n", 400, HTTP_R_BARE_CR, 0 },
	{ "bare CR hides TE", "POST / HTTP/1.1\r\n" H "X: 1\rTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc", 400, HTTP_R_BARE_CR, 0 },
	{ "bare LF line ends", "GET / HTTP/1.1\nHost: a.example\n\n", 400, HTTP_R_BARE_LF, 0 },
	{ "bare LF ends head", "GET / HTTP/1.1\r\n" H "\n", 400, HTTP_R_BARE_LF, 0 },
	/* Content-Length */
	{ "duplicate CL same", "POST / HTTP/1.1\r\n" H "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400, HTTP_R_DUP_CL, 0 },
	{ "duplicate CL differing", "POST / HTTP/1.1\r\n" H "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, HTTP_R_DUP_CL, 0 },
	{ "CL list", "POST / HTTP/1.1\r\n" H "Content-Length: 3, 4\r\n\r\nabcd", 400, HTTP_R_DUP_CL, 0 },
	{ "CL +5", "POST / HTTP/1.1\r\n" H "Content-Length: +5\r\n\r\nhello", 400, HTTP_R_BAD_CL, 0 },
	/* RFC 9110 5.5: OWS around a field value is not part of it */
	{ "CL trailing space", "POST / HTTP/1.1\r\n" H "Content-Length: 5 \r\n\r\nhello", 0, 0, 1 },
	{ "CL OWS both sides", "POST / HTTP/1.1\r\n" H "Content-Length:\t 5  \r\n\r\nhello", 0, 0, 1 },
	{ "CL space inside", "POST / HTTP/1.1\r\n" H "Content-Length: 5 5\r\n\r\nhello", 400, HTTP_R_BAD_CL, 0 },
	{ "CL hex", "POST / HTTP/1.1\r\n" H "Content-Length: 0x5\r\n\r\nhello", 400, HTTP_R_BAD_CL, 0 },
	{ "CL negative", "POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", 400, HTTP_R_BAD_CL, 0 },
	{ "CL empty", "POST / HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", 400, HTTP_R_BAD_CL, 0 },
	{ "CL overflow", "POST / HTTP/1.1\r\n" H "Content-Length: 99999999999999999999\r\n\r\n", 400, HTTP_R_BAD_CL, 0 },
	{ "CL space before colon", "POST / HTTP/1.1\r\n" H "Content-Length : 5\r\n\r\nhello", 400, HTTP_R_SPACE_BEFORE_COLON, 0 },
	{ "CL tab before colon", "POST / HTTP/1.1\r\n" H "Content-Length\t: 5\r\n\r\nhello", 400, HTTP_R_SPACE_BEFORE_COLON, 0 },
	/* folding, control bytes, names */
	{ "header folding", "GET / HTTP/1.1\r\n" H "X-A: a\r\n\tb\r\n\r\n", 400, HTTP_R_OBS_FOLD, 0 },
	{ "NUL in header value", "GET / HTTP/1.1\r\n" H "X-A: a\0b\r\n\r\n", 400, HTTP_R_CTL_BYTE, 0 },
	{ "NUL in request line", "GET /a\0b HTTP/1.1\r\n" H "\r\n", 400, HTTP_R_CTL_BYTE, 0 },
	{ "DEL in header", "GET / HTTP/1.1\r\n" H "X-A: a\x7f\r\n\r\n", 400, HTTP_R_CTL_BYTE, 0 },
	{ "invalid name char", "GET / HTTP/1.1\r\n" H "X(A): b\r\n\r\n", 400, HTTP_R_BAD_HEADER_NAME, 0 },
	{ "no colon", "GET / HTTP/1.1\r\n" H "JustAName\r\n\r\n", 400, HTTP_R_BAD_HEADER_NAME, 0 },
	{ "empty name", "GET / HTTP/1.1\r\n" H ": v\r\n\r\n", 400, HTTP_R_BAD_HEADER_NAME, 0 },
	/* request line, target, Host */
	{ "double space", "GET  / HTTP/1.1\r\n" H "\r\n", 400, HTTP_R_BAD_REQUEST_LINE, 0 },
	{ "HTTP/1.2", "GET / HTTP/1.2\r\n" H "\r\n", 400, HTTP_R_BAD_VERSION, 0 },
	{ "HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, HTTP_R_BAD_VERSION, 0 },
	{ "absolute-form mismatch", "GET http://b.example/ HTTP/1.1\r\n" H "\r\n", 400, HTTP_R_AUTHORITY_MISMATCH, 0 },
	{ "absolute-form userinfo", "GET http://a.example@b.example/ HTTP/1.1\r\n" "Host: b.example\r\n\r\n", 400, HTTP_R_BAD_TARGET, 0 },
	{ "missing Host", "GET / HTTP/1.1\r\n\r\n", 400, HTTP_R_HOST_MISSING, 0 },
	{ "duplicate Host", "GET / HTTP/1.1\r\n" H "Host: b.example\r\n\r\n", 400, HTTP_R_HOST_DUP, 0 },
	{ "Host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, HTTP_R_HOST_INVALID, 0 },
	{ "Host with userinfo", "GET / HTTP/1.1\r\nHost: evil@a.example\r\n\r\n", 400, HTTP_R_HOST_INVALID, 0 },
	{ "fragment in target", "GET /a#b HTTP/1.1\r\n" H "\r\n", 400, HTTP_R_BAD_TARGET, 0 },
	{ "brace in path", "GET /a{b} HTTP/1.1\r\n" H "\r\n", 400, HTTP_R_BAD_TARGET, 0 },
	{ "quote in query", "GET /a?b=\"c\" HTTP/1.1\r\n" H "\r\n", 400, HTTP_R_BAD_TARGET, 0 },
	{ "traversal plain", "GET /a/../../etc/passwd HTTP/1.1\r\n" H "\r\n", 400, HTTP_R_PATH_TRAVERSAL, 0 },
	{ "traversal %2e%2e", "GET /%2e%2e/etc/passwd HTTP/1.1\r\n" H "\r\n", 400, HTTP_R_PATH_TRAVERSAL, 0 },
	{ "traversal %2e%2e%2f", "GET /a/%2e%2e%2f%2e%2e%2fetc HTTP/1.1\r\n" H "\r\n", 400, HTTP_R_PATH_TRAVERSAL, 0 },
	{ "traversal %252e", "GET /%252e%252e/etc HTTP/1.1\r\n" H "\r\n", 400, HTTP_R_PATH_TRAVERSAL, 0 },
	{ "traversal %5c", "GET /..%5c..%5cwin.ini HTTP/1.1\r\n" H "\r\n", 400, HTTP_R_PATH_TRAVERSAL, 0 },
	{ "bad percent", "GET /%zz HTTP/1.1\r\n" H "\r\n", 400, HTTP_R_BAD_PERCENT, 0 },
	{ "percent NUL", "GET /a%00.php HTTP/1.1\r\n" H "\r\n", 400, HTTP_R_BAD_PERCENT, 0 },
	{ "unknown method", "FOO / HTTP/1.1\r\n" H "\r\n", 501, HTTP_R_METHOD_UNKNOWN, 0 },
	{ "lowercase method", "get / HTTP/1.1\r\n" H "\r\n", 501, HTTP_R_METHOD_UNKNOWN, 0 },
	{ "CONNECT not allowed", "CONNECT a.example:443 HTTP/1.1\r\n" H "\r\n", 405, HTTP_R_METHOD_NOT_ALLOWED, 0 },
	/* chunked framing */
	{ "chunk size negative", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", 400, HTTP_R_BAD_CHUNK, 0 },
	{ "chunk size overflow", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n", 400, HTTP_R_BAD_CHUNK, 0 },
	{ "chunk size space", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n", 400, HTTP_R_BAD_CHUNK, 0 },
	{ "chunk size 0x", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400, HTTP_R_BAD_CHUNK, 0 },
	{ "chunk size bare LF", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400, HTTP_R_BAD_CHUNK, 0 },
	{ "chunk ext bare LF", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n5;a\nb\r\nhello\r\n0\r\n\r\n", 400, HTTP_R_BAD_CHUNK, 0 },
	{ "chunk data overrun", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", 400, HTTP_R_BAD_CHUNK, 0 },
	/* framing fields as trailers (RFC 9110 6.5.1) */
	{ "CL in trailer", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nContent-Length: 9\r\n\r\n", 400, HTTP_R_TRAILER_FRAMING, 0 },
	{ "TE in trailer, mixed case", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n0\r\nX-A: 1\r\ntransfer-ENCODING: chunked\r\n\r\n", 400, HTTP_R_TRAILER_FRAMING, 0 },
	{ "longer trailer name is another field", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n0\r\nContent-Length-X: 9\r\n\r\n", 0, 0, 1 },
	/* refused when the request line ends, not at the header timeout */
	{ "HTTP/0.9 request line", "GET /\r\n", 400, HTTP_R_BAD_REQUEST_LINE, 0 },
	{ "HTTP/2.0 request line alone", "GET / HTTP/2.0\r\n", 400, HTTP_R_BAD_VERSION, 0 },
	{ "unknown method, line alone", "BREW / HTTP/1.1\r\n", 501, HTTP_R_METHOD_UNKNOWN, 0 },
	{ "chunk ext abuse", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n5;" LONG_EXT LONG_EXT LONG_EXT "\r\nhello\r\n0\r\n\r\n", 400, HTTP_R_CHUNK_EXT, 0 },
	{ "trailer folding", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n0\r\nX: 1\r\n 2\r\n\r\n", 400, HTTP_R_BAD_CHUNK, 0 },
	{ "trailer space before colon", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n0\r\nX : 1\r\n\r\n", 400, HTTP_R_BAD_CHUNK, 0 },
	{ "smuggled request after bad chunk", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n0 \r\n\r\nGET /admin HTTP/1.1\r\n" H "\r\n", 400, HTTP_R_BAD_CHUNK, 0 },
};

struct outcome {
	int nreq;
	enum http_reason why;
	bool err;
};

static void no_body(void *arg, const char *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
}

/* Feeds raw in pieces of `step` bytes (0: all at once), like a connection. */
static struct outcome run(const char *raw, size_t len, size_t step)
{
	struct http_req *r = http_req_new(NULL, no_body, NULL);
	struct outcome o = { 0, HTTP_R_NONE, false };
	size_t have = 0, pos = 0;

	cr_assert_not_null(r);
	while (!o.err) {
		size_t used;
		enum http_feed ev;

		if (pos == have) {
			if (have == len)
				break;
			have = step && len - have > step ? have + step : len;
		}
		ev = http_req_feed(r, raw + pos, have - pos, &used);
		pos += used;
		if (ev == HTTP_FEED_ERROR) {
			o.err = true;
			o.why = http_req_error(r);
		} else if (ev == HTTP_FEED_DONE) {
			o.nreq++;
			http_req_next(r);
		} else if (ev == HTTP_FEED_MORE && pos < have) {
			cr_assert_fail("MORE with unused input");
		} else if (ev == HTTP_FEED_MORE) {
			if (have == len)
				break;
		}
	}
	/* a GET with no body completes on the feed after HEAD */
	if (!o.err && pos == len) {
		size_t used;

		if (http_req_feed(r, "", 0, &used) == HTTP_FEED_DONE)
			o.nreq++;
	}
	http_req_free(r);
	return o;
}

static void check_case(const struct scase *c, size_t step)
{
	size_t len = strlen(c->raw);
	struct outcome o;

	/* strlen stops at NUL: those cases carry it inside; use the literal size */
	if (strncmp(c->name, "NUL in", 6) == 0)
		len = strlen(c->raw) + 1 + strlen(c->raw + strlen(c->raw) + 1);
	o = run(c->raw, len, step);
	if (c->status == 0) {
		cr_expect(!o.err, "%s (step %zu): refused: %s", c->name, step,
			  http_reason_text(o.why));
		cr_expect_eq(o.nreq, c->nreq, "%s (step %zu): %d requests", c->name, step, o.nreq);
	} else {
		cr_expect(o.err, "%s (step %zu): accepted", c->name, step);
		cr_expect_eq(o.why, c->why, "%s (step %zu): got '%s' want '%s'", c->name, step,
			     http_reason_text(o.why), http_reason_text(c->why));
		cr_expect_eq(http_reason_status(o.why), c->status, "%s: status %d", c->name,
			     http_reason_status(o.why));
	}
}

Test(http_smuggling, case_list_whole)
{
	size_t i;

	cr_assert_geq(sizeof(cases) / sizeof(cases[0]), 40);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i], 0);
}

Test(http_smuggling, case_list_byte_by_byte)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i], 1);
}

Test(http_smuggling, case_list_odd_pieces)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i], 7);
}

/* A refused request must never have delivered body bytes. */
static void count_body(void *arg, const char *p, size_t n)
{
	(void)p;
	*(size_t *)arg += n;
}

Test(http_smuggling, refused_head_leaks_no_body)
{
	static const char raw[] = "POST / HTTP/1.1\r\n" H
		"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG";
	size_t body = 0, used;
	struct http_req *r = http_req_new(NULL, count_body, &body);

	cr_assert_eq(http_req_feed(r, raw, sizeof(raw) - 1, &used), HTTP_FEED_ERROR);
	cr_expect_eq(http_req_feed(r, raw, sizeof(raw) - 1, &used), HTTP_FEED_ERROR, "sticky");
	http_req_next(r);
	cr_expect_eq(http_req_feed(r, "GET / HTTP/1.1\r\n", 16, &used), HTTP_FEED_ERROR,
		     "next() does not clear an error");
	cr_expect_eq(body, 0);
	cr_expect_null(http_req_head(r));
	http_req_free(r);
}
