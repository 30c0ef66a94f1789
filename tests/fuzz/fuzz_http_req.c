// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the HTTP request parser. The first input byte seeds
 * the chunking; the rest is the client's byte stream, fed in random
 * pieces like a connection (unconsumed bytes fed again). Checks: no crash,
 * hang or leak; *used never exceeds the input; body spans lie inside the
 * input; every view of an accepted head is non-NULL when non-empty; every
 * error has a 4xx/5xx status; errors are sticky; a run with small limits
 * as well, so the limit paths are exercised.
 * Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_req.h"

struct ctx {
	const char *lo, *hi;
	size_t total;
};

static void on_body(void *arg, const char *p, size_t n)
{
	struct ctx *c = arg;

	if (p < c->lo || p + n > c->hi)
		abort();
	c->total += n;
}

static void check_head(const struct http_req *r)
{
	const struct http_req_head *h = http_req_head(r);
	unsigned i;

	if (!h || !h->method.len || !h->target.len)
		abort();
	/* origin- and absolute-form have a normalised path; "*" and CONNECT not */
	if (h->target.p[0] == '/' && !h->norm_path.len)
		abort();
	for (i = 0; i < h->nheaders; i++)
		if (!h->headers[i].name.len || (h->headers[i].value.len && !h->headers[i].value.p))
			abort();
	/* "*" and CONNECT targets have no normalised path at all */
	if (h->norm_path.len && h->norm_path.p[0] != '/')
		abort();
}

static void one(const struct http_req_limits *lim, const uint8_t *data, size_t size,
		unsigned seed)
{
	struct ctx c = { (const char *)data, (const char *)data + size, 0 };
	struct http_req *r = http_req_new(lim, on_body, &c);
	size_t have = 0, pos = 0, rounds = 0;

	if (!r)
		return;
	for (;;) {
		size_t used = (size_t)-1;
		enum http_feed ev = http_req_feed(r, data + pos, have - pos, &used);

		if (used > have - pos || ++rounds > 4 * size + 16)
			abort();
		pos += used;
		if (ev == HTTP_FEED_ERROR) {
			int s = http_reason_status(http_req_error(r));

			if (s < 400 || s > 599 || http_req_head(r))
				abort();
			if (http_req_feed(r, data, size, &used) != HTTP_FEED_ERROR || used)
				abort();
			break;
		}
		if (ev == HTTP_FEED_HEAD)
			check_head(r);
		if (ev == HTTP_FEED_DONE)
			http_req_next(r);
		if (ev == HTTP_FEED_MORE) {
			if (pos != have)
				abort();
			if (have == size)
				break;
			seed = seed * 1103515245u + 12345u;
			have += 1 + (seed >> 16) % 64;
			if (have > size)
				have = size;
		}
	}
	http_req_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req_limits small;

	if (size < 1)
		return 0;
	one(NULL, data + 1, size - 1, data[0]);
	http_req_limits_default(&small);
	small.max_head_bytes = 128;
	small.max_headers = 4;
	small.max_uri = 32;
	small.max_body = 64;
	small.methods = HTTP_M_DEFAULT | HTTP_M_CONNECT | HTTP_M_TRACE;
	one(&small, data + 1, size - 1, data[0] ^ 0x5a);
	return 0;
}
