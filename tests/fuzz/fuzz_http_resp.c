// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the upstream response parser. The first input
 * byte seeds the chunking and picks the request method (GET or HEAD);
 * the rest is the upstream's byte stream, fed in random pieces like a
 * connection (unconsumed bytes fed again, http_resp_start after each
 * DONE, EOF at the end). Checks: no crash, hang or leak; *used never
 * exceeds the input; an accepted head has a status in 100..599 and
 * rewrites (with and without a rewrite config) to a head that starts with
 * "HTTP/1.1 " and ends in CRLFCRLF; errors are sticky and have a text.
 * Built by `make fuzz`.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_resp.h"

static void check_head(const struct http_resp *r)
{
	static const struct http_resp_header set[] = { { "X-Frame-Options", "DENY" } };
	static const char remove[][64] = { "server" };
	struct http_resp_rewrite rw = { set, 1, remove, 1, true };
	const struct http_header *h;
	static char out[70000];
	unsigned n, i;
	int len;

	if (http_resp_status(r) < 100 || http_resp_status(r) > 599)
		abort();
	h = http_resp_headers(r, &n);
	for (i = 0; i < n; i++)
		if (!h[i].name.len || (h[i].value.len && !h[i].value.p))
			abort();
	for (i = 0; i < 2; i++) {
		len = http_resp_build_head(r, i ? &rw : NULL, out, sizeof(out));
		if (len < 13 || memcmp(out, "HTTP/1.1 ", 9) ||
		    memcmp(out + len - 4, "\r\n\r\n", 4))
			abort();
	}
	if (http_resp_build_head(r, &rw, out, 10) != -ENOSPC)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_resp *r;
	unsigned seed, method;
	size_t have = 0, pos = 0, rounds = 0;

	if (size < 1)
		return 0;
	seed = data[0];
	method = data[0] & 1 ? HTTP_M_HEAD : HTTP_M_GET;
	data++, size--;
	r = http_resp_new(data[-1] & 2 ? 256 : 0);
	if (!r)
		return 0;
	http_resp_start(r, method);
	for (;;) {
		size_t used = (size_t)-1;
		enum http_resp_ev ev = http_resp_feed(r, data + pos, have - pos, &used);

		if (used > have - pos || ++rounds > 4 * size + 16)
			abort();
		pos += used;
		if (ev == HTTP_RESP_ERROR) {
			if (!*http_resp_error_text(r) || http_resp_status(r))
				abort();
			http_resp_start(r, method);
			if (http_resp_feed(r, data, size, &used) != HTTP_RESP_ERROR || used)
				abort();
			break;
		}
		if (ev == HTTP_RESP_HEAD)
			check_head(r);
		if (ev == HTTP_RESP_DONE) {
			if (http_resp_upgrade(r))
				break;
			http_resp_start(r, method);
		}
		if (ev == HTTP_RESP_MORE) {
			if (pos != have)
				abort();
			if (have == size) {
				http_resp_eof(r);
				break;
			}
			seed = seed * 1103515245u + 12345u;
			have += 1 + (seed >> 16) % 64;
			if (have > size)
				have = size;
		}
	}
	http_resp_free(r);
	return 0;
}
