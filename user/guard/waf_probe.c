// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One request laid out for the WAF; see waf_probe.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guard/waf_probe.h"

struct waf_probe {
	struct http_req *parser;
	char *raw;
	size_t raw_len;
	char body[WAF_BODY_PREFIX];
	size_t body_len;
	struct waf_header hdrs[WAF_PROBE_MAX_HDR * 2];
	struct waf_request wr;
};

/* A target typed by hand may hold bytes the wire forbids (blanks, <, ",
 * ...): percent-encode those so the payload gets through the parser as a
 * client would send it. out has room for 3x. */
static size_t encode_target(const char *t, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *t; t++) {
		unsigned char c = (unsigned char)*t;

		if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c)) {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	return o;
}

static void on_body(void *arg, const char *p, size_t len)
{
	struct waf_probe *q = arg;
	size_t room = sizeof(q->body) - q->body_len;

	if (len > room)
		len = room;
	memcpy(q->body + q->body_len, p, len);
	q->body_len += len;
}

static void fill_request(struct waf_probe *q, const struct http_req_head *h)
{
	q->wr.method = h->method.p;
	q->wr.method_len = h->method.len;
	q->wr.path = h->path.p;
	q->wr.path_len = h->path.len;
	q->wr.query = h->query.len ? h->query.p : NULL;
	q->wr.query_len = h->query.len;
	for (unsigned i = 0; i < h->nheaders && i < sizeof(q->hdrs) / sizeof(q->hdrs[0]); i++) {
		const struct http_header *x = &h->headers[i];

		q->hdrs[i] = (struct waf_header){ x->name.p, x->value.p, x->name.len, x->value.len };
		if (x->name.len == 12 && !strncasecmp(x->name.p, "content-type", 12)) {
			q->wr.content_type = x->value.p;
			q->wr.content_type_len = x->value.len;
		}
		q->wr.n_headers = i + 1;
	}
	q->wr.headers = q->hdrs;
	q->wr.body = q->body_len ? q->body : NULL;
	q->wr.body_len = q->body_len;
}

static int parse(struct waf_probe *q, char *err, size_t errlen)
{
	const struct http_req_head *h;
	struct http_req_limits lim;
	size_t used = 0, off = 0;
	enum http_feed ev = HTTP_FEED_MORE;

	http_req_limits_default(&lim);
	lim.methods = ~0u; /* the WAF verdict is asked, not the method policy */
	q->parser = http_req_new(&lim, on_body, q);
	if (!q->parser)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	while (off < q->raw_len && ev != HTTP_FEED_DONE && ev != HTTP_FEED_ERROR) {
		ev = http_req_feed(q->parser, q->raw + off, q->raw_len - off, &used);
		off += used;
		if (ev == HTTP_FEED_MORE && used == 0)
			break;
	}
	if (ev == HTTP_FEED_ERROR)
		return snprintf(err, errlen, "malformed request: %s",
				http_reason_text(http_req_error(q->parser))), -EINVAL;
	h = http_req_head(q->parser);
	if (!h)
		return snprintf(err, errlen, "incomplete request (no end of head)"), -EINVAL;
	if (ev != HTTP_FEED_DONE && h->body != HTTP_BODY_NONE && q->body_len == 0)
		return snprintf(err, errlen, "request body shorter than its framing says"), -EINVAL;
	fill_request(q, h);
	return 0;
}

int waf_probe_raw(char *raw, size_t len, struct waf_probe **out, char *err, size_t errlen)
{
	struct waf_probe *q = calloc(1, sizeof(*q));
	int ret;

	*out = NULL;
	if (!q) {
		free(raw);
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	}
	q->raw = raw;
	q->raw_len = len;
	ret = parse(q, err, errlen);
	if (ret) {
		waf_probe_free(q);
		return ret;
	}
	*out = q;
	return 0;
}

int waf_probe_build(const struct waf_probe_in *in, struct waf_probe **out, char *err,
		    size_t errlen)
{
	size_t cap = 256 + strlen(in->method) + 3 * strlen(in->target) + in->body_len +
		     (in->host ? strlen(in->host) : 0);
	bool has_host = false;
	size_t n;
	char *b;

	for (size_t i = 0; i < in->n_hdrs; i++)
		cap += strlen(in->hdrs[i]) + 2;
	b = malloc(cap);
	if (!b)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	n = (size_t)snprintf(b, cap, "%s ", in->method);
	n += encode_target(in->target, b + n);
	n += (size_t)snprintf(b + n, cap - n, " HTTP/1.1\r\n");
	for (size_t i = 0; i < in->n_hdrs; i++) {
		has_host |= !strncasecmp(in->hdrs[i], "host:", 5);
		n += (size_t)snprintf(b + n, cap - n, "%s\r\n", in->hdrs[i]);
	}
	if (!has_host)
		n += (size_t)snprintf(b + n, cap - n, "Host: %s\r\n", in->host ? in->host : "localhost");
	if (in->body) {
		n += (size_t)snprintf(b + n, cap - n, "Content-Length: %zu\r\n\r\n", in->body_len);
		memcpy(b + n, in->body, in->body_len);
		n += in->body_len;
	} else {
		n += (size_t)snprintf(b + n, cap - n, "\r\n");
	}
	return waf_probe_raw(b, n, out, err, errlen);
}

const struct waf_request *waf_probe_request(const struct waf_probe *p)
{
	return &p->wr;
}

const struct http_req_head *waf_probe_head(const struct waf_probe *p)
{
	return http_req_head(p->parser);
}

void waf_probe_free(struct waf_probe *p)
{
	if (!p)
		return;
	http_req_free(p->parser);
	free(p->raw);
	free(p);
}
