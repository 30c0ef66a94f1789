// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Upstream response parser: framing of every body kind fed whole, byte by
 * byte and in seeded random pieces (the transcript and the raw bytes the
 * caller forwards must not depend on the split), keep-alive rules,
 * pipelining, malformed heads, the head rewrite and the error writer as
 * exact strings.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http/http_resp.h"

struct sim {
	char log[256];		/* "H<status> " per head, "D " per end, "E " EOF end, "X " error */
	char body[4096];	/* bytes forwarded raw after each head */
	size_t body_len;
	size_t tail;		/* bytes left after an upgrade */
	bool keep_alive, upgrade;
	bool in_body;		/* between HEAD and DONE */
	char err[64];
};

static void logf_(struct sim *s, const char *fmt, int v)
{
	size_t n = strlen(s->log);

	snprintf(s->log + n, sizeof(s->log) - n, fmt, v);
}

/* The caller's loop: input arrives in pieces (split 0: whole, 1: byte by
 * byte, else seeded random), unconsumed bytes are fed again. */
static void sim_run(struct sim *s, const char *in, size_t len, unsigned method, unsigned split)
{
	struct http_resp *r = http_resp_new(0);
	size_t pos = 0, have = split == 0 ? len : 0, rounds = 0;
	unsigned seed = split;

	cr_assert_not_null(r);
	memset(s, 0, sizeof(*s));
	http_resp_start(r, method);
	while (++rounds < 100000) {
		size_t used = (size_t)-1;
		enum http_resp_ev ev = http_resp_feed(r, in + pos, have - pos, &used);

		cr_assert_leq(used, have - pos);
		if (ev == HTTP_RESP_ERROR) {
			logf_(s, "X ", 0);
			snprintf(s->err, sizeof(s->err), "%s", http_resp_error_text(r));
			cr_assert_eq(http_resp_feed(r, in, len, &used), HTTP_RESP_ERROR);
			cr_assert_eq(used, 0);
			http_resp_start(r, method);
			cr_assert_eq(http_resp_feed(r, in, len, &used), HTTP_RESP_ERROR);
			break;
		}
		if (ev == HTTP_RESP_HEAD) {
			logf_(s, "H%d ", http_resp_status(r));
			s->keep_alive = http_resp_keep_alive(r);
			s->upgrade = http_resp_upgrade(r);
			s->in_body = true;
			pos += used;
			continue;
		}
		if (s->in_body) {
			cr_assert_leq(s->body_len + used, sizeof(s->body));
			memcpy(s->body + s->body_len, in + pos, used);
			s->body_len += used;
		}
		pos += used;
		if (ev == HTTP_RESP_DONE) {
			logf_(s, "D ", 0);
			s->in_body = false;
			cr_assert_eq(http_resp_feed(r, in + pos, have - pos, &used), HTTP_RESP_DONE);
			cr_assert_eq(used, 0);
			if (s->upgrade) {
				s->tail = len - pos;
				break;
			}
			if (pos == len)
				break;
			http_resp_start(r, method);
			continue;
		}
		cr_assert_eq(pos, have, "MORE must use all input");
		if (have == len) {
			if (http_resp_eof(r))
				logf_(s, "E ", 0);
			break;
		}
		seed = seed * 1103515245u + 12345u;
		have += split == 1 ? 1 : 1 + (seed >> 16) % 23;
		if (have > len)
			have = len;
	}
	http_resp_free(r);
}

/* The same transcript and forwarded bytes for every way of splitting. */
static void check_all(const char *in, unsigned method, const char *log, const char *body)
{
	unsigned splits[] = { 0, 1, 7, 1234, 99991, 31337 };
	struct sim s;

	for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		sim_run(&s, in, strlen(in), method, splits[i]);
		cr_assert_str_eq(s.log, log, "split %u: %s (%s)", splits[i], s.log, s.err);
		cr_assert_eq(s.body_len, strlen(body), "split %u", splits[i]);
		cr_assert(memcmp(s.body, body, s.body_len) == 0, "split %u", splits[i]);
	}
}

Test(http_resp, content_length)
{
	struct sim s;

	check_all("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", HTTP_M_GET,
		  "H200 D ", "hello");
	sim_run(&s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 38, HTTP_M_GET, 0);
	cr_assert_str_eq(s.log, "H200 D ");
	cr_assert(s.keep_alive);
}

Test(http_resp, chunked_ext_trailers)
{
	check_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "5;ext=1\r\nhello\r\n1a;q=\"x\";flag\r\nabcdefghijklmnopqrstuvwxyz\r\n"
		  "0\r\nX-Trailer: 1\r\n\r\n", HTTP_M_GET, "H200 D ",
		  "5;ext=1\r\nhello\r\n1a;q=\"x\";flag\r\nabcdefghijklmnopqrstuvwxyz\r\n"
		  "0\r\nX-Trailer: 1\r\n\r\n");
	check_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
		  HTTP_M_GET, "H200 D ", "0\r\n\r\n");
	/* LF and CR inside chunk data are data, not framing */
	check_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n\n\r\n\n\r\n0\r\n\r\n",
		  HTTP_M_GET, "H200 D ", "4\r\n\n\r\n\n\r\n0\r\n\r\n");
}

Test(http_resp, bodiless)
{
	check_all("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", HTTP_M_HEAD, "H200 D ", "");
	check_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_M_HEAD,
		  "H200 D ", "");
	check_all("HTTP/1.1 204 No Content\r\n\r\n", HTTP_M_GET, "H204 D ", "");
	check_all("HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n", HTTP_M_GET,
		  "H304 D ", "");
}

Test(http_resp, read_until_close)
{
	struct sim s;
	const char *in = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nabc\r\n\r\nmore";

	check_all(in, HTTP_M_GET, "H200 E ", "abc\r\n\r\nmore");
	sim_run(&s, in, strlen(in), HTTP_M_GET, 0);
	cr_assert_not(s.keep_alive);
	/* EOF in the middle of a CL body or head ends nothing */
	sim_run(&s, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab", 40, HTTP_M_GET, 0);
	cr_assert_str_eq(s.log, "H200 ");
	sim_run(&s, "HTTP/1.1 200 OK\r\n", 17, HTTP_M_GET, 0);
	cr_assert_str_eq(s.log, "");
}

Test(http_resp, interim_then_final)
{
	check_all("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
		  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", HTTP_M_POST,
		  "H100 D H103 D H200 D ", "ok");
}

Test(http_resp, switching_protocols)
{
	struct sim s;
	const char *in = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\n\r\n\x81\x05hello";

	check_all(in, HTTP_M_GET, "H101 D ", "");
	sim_run(&s, in, strlen(in), HTTP_M_GET, 1);
	cr_assert(s.upgrade);
	cr_assert_not(s.keep_alive);
	cr_assert_eq(s.tail, 7);
	/* a 2xx to CONNECT is a tunnel too, whatever its headers say */
	in = "HTTP/1.1 200 Connection Established\r\nContent-Length: 99\r\n\r\nraw";
	sim_run(&s, in, strlen(in), HTTP_M_CONNECT, 0);
	cr_assert_str_eq(s.log, "H200 D ");
	cr_assert(s.upgrade);
	cr_assert_eq(s.tail, 3);
}

static bool ka(const char *in)
{
	struct sim s;

	sim_run(&s, in, strlen(in), HTTP_M_GET, 0);
	cr_assert_str_eq(s.log, "H200 D ", "%s", in);
	return s.keep_alive;
}

Test(http_resp, keep_alive)
{
	cr_assert(ka("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
	cr_assert_not(ka("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"));
	cr_assert_not(ka("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
	cr_assert(ka("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"));
}

Test(http_resp, pipelined)
{
	check_all("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
		  "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nno\r\n0\r\n\r\n"
		  "HTTP/1.1 204 No Content\r\n\r\n"
		  "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz", HTTP_M_GET,
		  "H200 D H404 D H204 D H200 D ", "abc2\r\nno\r\n0\r\n\r\nz");
}

static void bad(const char *in, const char *log, const char *why)
{
	unsigned splits[] = { 0, 1, 4242 };
	struct sim s;

	for (size_t i = 0; i < 3; i++) {
		sim_run(&s, in, strlen(in), HTTP_M_GET, splits[i]);
		cr_assert_str_eq(s.log, log, "%s: %s", in, s.log);
		cr_assert_str_eq(s.err, why, "%s: %s", in, s.err);
	}
}

Test(http_resp, malformed_heads)
{
	bad("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", "X ", "bare LF in response head");
	bad("HTTP/1.1 200 OK\r\nA: b\rContent-Length: 0\r\n\r\n", "X ", "bare CR in response head");
	bad("HTTP/1.1 200 OK\r\nA: \x01\r\n\r\n", "X ", "control byte in response head");
	bad("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
	    "X ", "Content-Length with Transfer-Encoding");
	bad("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
	    "X ", "duplicate Content-Length");
	bad("HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n", "X ", "invalid Content-Length");
	bad("HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n", "X ", "invalid Content-Length");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "X ",
	    "Transfer-Encoding without chunked last");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "X ",
	    "Transfer-Encoding after chunked");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	    "X ", "Transfer-Encoding after chunked");
	bad("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "X ",
	    "Transfer-Encoding in HTTP/1.0");
	bad("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", "X ", "obsolete line folding");
	bad("HTTP/1.1 200 OK\r\nA b: c\r\n\r\n", "X ", "invalid header name");
	bad("HTTP/2.0 200 OK\r\n\r\n", "X ", "malformed status line");
	bad("HTTP/1.1 20 OK\r\n\r\n", "X ", "invalid status code");
	bad("HTTP/1.1 600 Weird\r\n\r\n", "X ", "invalid status code");
	bad("\r\n\r\n", "X ", "malformed status line");
	bad("HTTP/1.1 101 Switching Protocols\r\n\r\n", "X ", "101 without Upgrade");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
	    "H200 X ", "invalid chunked framing");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "H200 X ",
	    "invalid chunked framing");
	/* llhttp 8.1.0 would end the message at the bare LF */
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\r\n\n", "H200 X ",
	    "bare LF in chunked framing");
	bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\n", "H200 X ",
	    "bare LF in chunked framing");
}

Test(http_resp, head_limits)
{
	static char big[80000];
	struct http_resp *r = http_resp_new(64);
	size_t used, n;

	n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nX: ");
	memset(big + n, 'a', sizeof(big) - n - 1);
	bad(big, "X ", "response head too large");
	cr_assert_not_null(r);
	/* bytes with no request outstanding */
	cr_assert_eq(http_resp_feed(r, "", 0, &used), HTTP_RESP_MORE);
	cr_assert_eq(http_resp_feed(r, "H", 1, &used), HTTP_RESP_ERROR);
	cr_assert_str_eq(http_resp_error_text(r), "response bytes without a request");
	http_resp_free(r);
	r = http_resp_new(64);
	http_resp_start(r, HTTP_M_GET);
	cr_assert_str_eq(http_resp_error_text(r), "");
	cr_assert_eq(http_resp_status(r), 0);
	cr_assert_eq(http_resp_feed(r, big, 200, &used), HTTP_RESP_ERROR);
	cr_assert_eq(used, 64);
	http_resp_free(r);
	/* too many header lines */
	n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i <= HTTP_RESP_MAX_HEADERS; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "a:\r\n");
	snprintf(big + n, sizeof(big) - n, "\r\n");
	bad(big, "X ", "too many response headers");
}

/* Parse a head (whole) and return the parser, HEAD seen. */
static struct http_resp *head_of(const char *in, unsigned method)
{
	struct http_resp *r = http_resp_new(0);
	size_t used;

	cr_assert_not_null(r);
	http_resp_start(r, method);
	cr_assert_eq(http_resp_feed(r, in, strlen(in), &used), HTTP_RESP_HEAD,
		     "%s", http_resp_error_text(r));
	return r;
}

static void rewrite_is(const char *in, const struct http_resp_rewrite *rw, const char *want)
{
	struct http_resp *r = head_of(in, HTTP_M_GET);
	char out[1024];
	int n = http_resp_build_head(r, rw, out, sizeof(out));

	cr_assert_geq(n, 0, "%d", n);
	out[n] = 0;
	cr_assert_str_eq(out, want);
	cr_assert_eq(http_resp_build_head(r, rw, out, (size_t)n - 1), -ENOSPC);
	http_resp_free(r);
}

Test(http_resp, rewrite)
{
	static const struct http_resp_header set[] = {
		{ "X-Frame-Options", "SAMEORIGIN" }, { "Server", "aegis" },
	};
	static const char remove[][64] = { "x-powered-by" };
	struct http_resp_rewrite rw = { set, 2, remove, 1, false };

	rewrite_is("HTTP/1.1 200 Fine Thanks\r\nServer: nginx\r\nX-Powered-By: php\r\n"
		   "Connection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\n"
		   "X-Secret: 1\r\nTE: trailers\r\nTrailer: X\r\nProxy-Connection: x\r\n"
		   "Upgrade: h2c\r\nContent-Length: 2\r\nETag: \"a\"\r\n\r\n", &rw,
		   "HTTP/1.1 200 Fine Thanks\r\nContent-Length: 2\r\nETag: \"a\"\r\n"
		   "X-Frame-Options: SAMEORIGIN\r\nServer: aegis\r\n\r\n");
	rw.close = true;
	rewrite_is("HTTP/1.0 404 \r\nContent-Length: 0\r\n\r\n", &rw,
		   "HTTP/1.1 404 \r\nContent-Length: 0\r\nX-Frame-Options: SAMEORIGIN\r\n"
		   "Server: aegis\r\nConnection: close\r\n\r\n");
}

Test(http_resp, rewrite_more)
{
	struct http_resp_rewrite rw = { NULL, 0, NULL, 0, true };
	static const struct http_resp_header cl[] = { { "Content-Length", "1" } };
	static const struct http_resp_header crlf[] = { { "X", "a\r\nB: c" } };
	static const struct http_resp_header sp_name[] = { { "Bad Name", "v" } };
	static const char rm_framing[][64] = { "Content-Length", "Transfer-Encoding" };
	struct http_resp_rewrite bad_rw = { cl, 1, NULL, 0, false };
	struct http_resp_rewrite rm = { NULL, 0, rm_framing, 2, false };
	struct http_resp *r;
	char out[512];

	rewrite_is("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		   "Connection: transfer-encoding\r\n\r\n", &rm,
		   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	rewrite_is("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", &rw,
		   "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
	/* the body ends at EOF: the client must see a close too */
	rewrite_is("HTTP/1.1 200 OK\r\nA: b\r\n\r\n", NULL,
		   "HTTP/1.1 200 OK\r\nA: b\r\nConnection: close\r\n\r\n");
	rewrite_is("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		   "Connection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n", &rw,
		   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		   "Sec-WebSocket-Accept: x\r\nConnection: upgrade\r\n\r\n");
	r = head_of("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", HTTP_M_GET);
	cr_assert_eq(http_resp_build_head(r, &bad_rw, out, sizeof(out)), -EINVAL);
	bad_rw.set = crlf;
	cr_assert_eq(http_resp_build_head(r, &bad_rw, out, sizeof(out)), -EINVAL);
	bad_rw.set = sp_name;
	cr_assert_eq(http_resp_build_head(r, &bad_rw, out, sizeof(out)), -EINVAL);
	cr_assert_eq(http_resp_error(out, sizeof(out), 503, NULL, 0, &bad_rw), -EINVAL);
	http_resp_free(r);
	r = http_resp_new(0);
	http_resp_start(r, HTTP_M_GET);
	cr_assert_eq(http_resp_build_head(r, NULL, out, sizeof(out)), -EINVAL);
	http_resp_free(r);
}

Test(http_resp, headers_view)
{
	struct http_resp *r = head_of("HTTP/1.1 200 OK\r\nA:  b c \r\nEmpty:\r\n"
				      "Content-Length: 0\r\n\r\n", HTTP_M_GET);
	const struct http_header *h;
	unsigned n;

	h = http_resp_headers(r, &n);
	cr_assert_eq(n, 3);
	cr_assert_eq(h[0].name.len, 1);
	cr_assert(h[0].value.len == 3 && !memcmp(h[0].value.p, "b c", 3));
	cr_assert_eq(h[1].value.len, 0);
	http_resp_free(r);
}

Test(http_resp, error_writer)
{
	static const struct http_resp_header set[] = {
		{ "X-Frame-Options", "DENY" }, { "Content-Type", "text/html" },
	};
	struct http_resp_rewrite rw = { set, 2, NULL, 0, true };
	char out[512];
	int n;

	n = http_resp_error(out, sizeof(out), 429, "abc-1", 7, &rw);
	cr_assert_gt(n, 0);
	out[n] = 0;
	cr_assert_str_eq(out, "HTTP/1.1 429 Too Many Requests\r\n"
			 "Content-Type: application/json\r\nContent-Length: 79\r\n"
			 "Cache-Control: no-store\r\nRetry-After: 7\r\n"
			 "X-Frame-Options: DENY\r\nConnection: close\r\n\r\n"
			 "{\"error\":\"Too Many Requests\",\"status\":429,"
			 "\"request_id\":\"abc-1\",\"retry_after\":7}");
	cr_assert_eq(strlen(strstr(out, "\r\n\r\n") + 4), 79);
	n = http_resp_error(out, sizeof(out), 502, NULL, 0, NULL);
	out[n] = 0;
	cr_assert_str_eq(out, "HTTP/1.1 502 Bad Gateway\r\n"
			 "Content-Type: application/json\r\nContent-Length: 36\r\n"
			 "Cache-Control: no-store\r\n\r\n"
			 "{\"error\":\"Bad Gateway\",\"status\":502}");
	cr_assert_eq(http_resp_error(out, 20, 502, NULL, 0, NULL), -ENOSPC);
	cr_assert_eq(http_resp_error(out, sizeof(out), 200, NULL, 0, NULL), -EINVAL);
	cr_assert_eq(http_resp_error(out, sizeof(out), 499, NULL, 0, NULL), -EINVAL);
	cr_assert_eq(http_resp_error(out, sizeof(out), 400, "a\"b", 0, NULL), -EINVAL);
	cr_assert_eq(http_resp_error(out, sizeof(out), 400, "a\nb", 0, NULL), -EINVAL);
}

Test(http_resp, chunk_head_and_texts)
{
	char b[8];

	cr_assert_eq(http_chunk_head(b, sizeof(b), 0x1a2b), 6);
	cr_assert(!memcmp(b, "1a2b\r\n", 6));
	cr_assert_eq(http_chunk_head(b, 4, 0x1a2b), -ENOSPC);
	cr_assert_str_eq(http_status_text(431), "Request Header Fields Too Large");
	cr_assert_str_eq(http_status_text(421), "Misdirected Request");
	cr_assert_str_eq(http_status_text(999), "Unknown");
}
