// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * HTTP/1.1 request parser: head accumulation with the byte-level checks,
 * the llhttp pass over the clean head, and Content-Length body streaming.
 * The strict line checks, chunked framing and helpers are in
 * http_req_hygiene.c. See http_req.h for the contract.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_req_priv.h"

static const struct {
	short status;
	const char *text;
} reasons[HTTP_R__COUNT] = {
	[HTTP_R_NONE]			= { 200, "ok" },
	[HTTP_R_HEAD_TOO_LARGE]		= { 431, "request head too large" },
	[HTTP_R_TOO_MANY_HEADERS]	= { 431, "too many header fields" },
	[HTTP_R_URI_TOO_LONG]		= { 414, "request-target too long" },
	[HTTP_R_BODY_TOO_LARGE]		= { 413, "body too large" },
	[HTTP_R_METHOD_NOT_ALLOWED]	= { 405, "method not allowed" },
	[HTTP_R_METHOD_UNKNOWN]		= { 501, "unknown method" },
	[HTTP_R_BARE_CR]		= { 400, "bare CR in head" },
	[HTTP_R_BARE_LF]		= { 400, "bare LF in head" },
	[HTTP_R_CTL_BYTE]		= { 400, "control byte in head" },
	[HTTP_R_OBS_FOLD]		= { 400, "obsolete line folding" },
	[HTTP_R_BAD_REQUEST_LINE]	= { 400, "malformed request line" },
	[HTTP_R_BAD_VERSION]		= { 400, "unsupported HTTP version" },
	[HTTP_R_BAD_HEADER_NAME]	= { 400, "invalid header name" },
	[HTTP_R_SPACE_BEFORE_COLON]	= { 400, "whitespace before colon" },
	[HTTP_R_CL_AND_TE]		= { 400, "Content-Length with Transfer-Encoding" },
	[HTTP_R_DUP_CL]			= { 400, "duplicate Content-Length" },
	[HTTP_R_BAD_CL]			= { 400, "invalid Content-Length" },
	[HTTP_R_TE_LIST]		= { 400, "Transfer-Encoding list or duplicate" },
	[HTTP_R_BAD_TE]			= { 400, "invalid Transfer-Encoding" },
	[HTTP_R_TE_UNSUPPORTED]		= { 501, "transfer coding other than chunked" },
	[HTTP_R_TE_HTTP10]		= { 400, "Transfer-Encoding in HTTP/1.0" },
	[HTTP_R_HOST_MISSING]		= { 400, "missing Host" },
	[HTTP_R_HOST_DUP]		= { 400, "duplicate Host" },
	[HTTP_R_HOST_INVALID]		= { 400, "invalid Host" },
	[HTTP_R_AUTHORITY_MISMATCH]	= { 400, "absolute-form authority does not match Host" },
	[HTTP_R_BAD_TARGET]		= { 400, "invalid request-target" },
	[HTTP_R_BAD_PERCENT]		= { 400, "invalid percent-encoding" },
	[HTTP_R_PATH_TRAVERSAL]		= { 400, "path traversal" },
	[HTTP_R_BAD_CHUNK]		= { 400, "invalid chunked framing" },
	[HTTP_R_CHUNK_EXT]		= { 400, "chunk extensions too long" },
	[HTTP_R_TRAILER_FRAMING]	= { 400, "framing header in a trailer" },
	[HTTP_R_PARSE]			= { 400, "malformed request" },
};

int http_reason_status(enum http_reason r)
{
	return (unsigned)r < HTTP_R__COUNT ? reasons[r].status : 500;
}

const char *http_reason_text(enum http_reason r)
{
	return (unsigned)r < HTTP_R__COUNT ? reasons[r].text : "unknown";
}

void http_req_limits_default(struct http_req_limits *l)
{
	l->max_head_bytes = HTTP_DEF_MAX_HEAD;
	l->max_headers = HTTP_DEF_MAX_HEADERS;
	l->max_uri = HTTP_DEF_MAX_URI;
	l->max_body = HTTP_DEF_MAX_BODY;
	l->methods = HTTP_M_DEFAULT;
}

/*
 * llhttp callbacks. The whole head is executed in one call over r->head.buf, so
 * every span is a pointer into our buffer (no copies); a span reported in
 * two pieces is contiguous and simply extended.
 */
static struct http_req *of(llhttp_t *p)
{
	return p->data;
}

static void span_add(struct http_span *s, const char *at, size_t n)
{
	if (!s->p)
		s->p = at;
	s->len = (size_t)(at + n - s->p);
}

static int cb_method(llhttp_t *p, const char *at, size_t n)
{
	span_add(&of(p)->l_method, at, n);
	return 0;
}

static int cb_url(llhttp_t *p, const char *at, size_t n)
{
	span_add(&of(p)->l_url, at, n);
	return 0;
}

static int cb_version(llhttp_t *p, const char *at, size_t n)
{
	span_add(&of(p)->l_version, at, n);
	return 0;
}

static int cb_field(llhttp_t *p, const char *at, size_t n)
{
	struct http_req *r = of(p);

	if (r->in_value || r->nhdrs == 0) {
		if (r->nhdrs >= r->lim.max_headers)
			return -1;
		memset(&r->hdrs[r->nhdrs++], 0, sizeof(r->hdrs[0]));
		r->in_value = false;
	}
	span_add(&r->hdrs[r->nhdrs - 1].name, at, n);
	return 0;
}

static int cb_value(llhttp_t *p, const char *at, size_t n)
{
	struct http_req *r = of(p);

	if (r->nhdrs == 0)
		return -1;
	r->in_value = true;
	span_add(&r->hdrs[r->nhdrs - 1].value, at, n);
	return 0;
}

/* Pause so the caller can route before any body byte is parsed. */
static int cb_headers_complete(llhttp_t *p)
{
	(void)p;
	return HPE_PAUSED;
}

struct http_req *http_req_new(const struct http_req_limits *limits,
			      http_body_cb body_cb, void *arg)
{
	struct http_req *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (limits)
		r->lim = *limits;
	else
		http_req_limits_default(&r->lim);
	if (r->lim.max_head_bytes < 16)
		r->lim.max_head_bytes = 16;
	if (r->lim.max_uri < 1)
		r->lim.max_uri = 1;
	r->body_cb = body_cb;
	r->arg = arg;
	r->head.buf = malloc(r->lim.max_head_bytes);
	r->head.cap = r->lim.max_head_bytes;
	r->hdrs = calloc(r->lim.max_headers + 1, sizeof(*r->hdrs));
	r->pre = calloc(r->lim.max_headers + 1, sizeof(*r->pre));
	r->norm = malloc(r->lim.max_uri + 1);
	r->scratch = malloc(r->lim.max_uri + 1);
	if (!r->head.buf || !r->hdrs || !r->pre || !r->norm || !r->scratch) {
		http_req_free(r);
		return NULL;
	}
	llhttp_settings_init(&r->ls);
	r->ls.on_method = cb_method;
	r->ls.on_url = cb_url;
	r->ls.on_version = cb_version;
	r->ls.on_header_field = cb_field;
	r->ls.on_header_value = cb_value;
	r->ls.on_headers_complete = cb_headers_complete;
	http_req_next(r);
	return r;
}

void http_req_free(struct http_req *r)
{
	if (!r)
		return;
	free(r->head.buf);
	free(r->hdrs);
	free(r->pre);
	free(r->norm);
	free(r->scratch);
	free(r);
}

void http_req_next(struct http_req *r)
{
	if (r->st == ST_ERROR)
		return;		/* sticky */
	r->st = ST_HEAD;
	http_head_reset(&r->head);
	r->nhdrs = r->npre = 0;
	r->in_value = false;
	r->line_checked = false;
	memset(&r->h, 0, sizeof(r->h));
	memset(&r->l_method, 0, sizeof(r->l_method));
	memset(&r->l_url, 0, sizeof(r->l_url));
	memset(&r->l_version, 0, sizeof(r->l_version));
	r->remaining = r->body_total = 0;
	r->cst = CH_SIZE;
	r->cdigits = 0;
	r->ext_line = r->ext_total = r->trailer_bytes = 0;
	llhttp_init(&r->lp, HTTP_REQUEST, &r->ls);
	r->lp.data = r;
}

const struct http_req_head *http_req_head(const struct http_req *r)
{
	return r->st == ST_HEAD || r->st == ST_ERROR ? NULL : &r->h;
}

enum http_reason http_req_error(const struct http_req *r)
{
	return r->st == ST_ERROR ? r->err : HTTP_R_NONE;
}

static enum http_feed fail(struct http_req *r, enum http_reason why)
{
	r->st = ST_ERROR;
	r->err = why;
	return HTTP_FEED_ERROR;
}

static bool span_eq(struct http_span a, struct http_span b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/*
 * The head is complete and passed the byte scan: our line checks first
 * (they give precise reasons), then llhttp over the same bytes. Its view
 * of the request line, the header list and the body framing must match
 * ours, else the two parsers disagree and we refuse (desync guard).
 */
static enum http_reason finish_head(struct http_req *r)
{
	enum http_reason why = http_hyg_head(r);
	llhttp_errno_t e;
	unsigned i;

	if (why)
		return why;
	e = llhttp_execute(&r->lp, r->head.buf, r->head.len);
	if (e != HPE_PAUSED)
		return e == HPE_INVALID_METHOD ? HTTP_R_METHOD_UNKNOWN : HTTP_R_PARSE;
	if (llhttp_get_error_pos(&r->lp) != r->head.buf + r->head.len)
		return HTTP_R_PARSE;
	if (!span_eq(r->l_method, r->h.method) || !span_eq(r->l_url, r->h.target))
		return HTTP_R_PARSE;
	if (r->lp.http_major != r->h.version_major || r->lp.http_minor != r->h.version_minor)
		return HTTP_R_PARSE;
	if (r->nhdrs != r->npre)
		return HTTP_R_PARSE;
	for (i = 0; i < r->nhdrs; i++) {
		r->hdrs[i].value = http_span_trim(r->hdrs[i].value);
		if (!span_eq(r->hdrs[i].name, r->pre[i].name) ||
		    !span_eq(r->hdrs[i].value, r->pre[i].value))
			return HTTP_R_PARSE;
	}
	if ((r->h.body == HTTP_BODY_CHUNKED) != !!(r->lp.flags & F_CHUNKED))
		return HTTP_R_PARSE;
	if (r->h.body == HTTP_BODY_LENGTH && r->lp.content_length != r->h.content_length)
		return HTTP_R_PARSE;
	r->h.headers = r->hdrs;
	r->h.nheaders = r->nhdrs;
	r->h.keep_alive = llhttp_should_keep_alive(&r->lp);
	r->h.upgrade = r->lp.upgrade;
	return HTTP_R_NONE;
}

/* The request line is judged as soon as its CRLF arrives: an HTTP/0.9
 * "GET /" or a bad method would otherwise wait for a blank line that a
 * 0.9 client never sends, until the header timeout answers 408. */
static enum http_reason early_line(struct http_req *r)
{
	const char *lf;
	enum http_reason why;

	if (r->head.first_line || r->line_checked)
		return HTTP_R_NONE;
	r->line_checked = true;
	lf = memchr(r->head.buf, '\n', r->head.len);
	if (!lf || lf == r->head.buf)
		return HTTP_R_NONE;	/* the byte scan saw CR before LF */
	why = http_hyg_request_line(r, (struct http_span){ r->head.buf,
							   (size_t)(lf - 1 - r->head.buf) });
	memset(&r->h, 0, sizeof(r->h));	/* filled again from the whole head */
	return why;
}

/* The head lexer's byte scan (http_head.c); a complete head goes
 * through finish_head(). Body bytes stay in the caller's buffer. */
static enum http_feed feed_head(struct http_req *r, const void *in, size_t len,
				size_t *used)
{
	enum http_reason why;

	switch (http_head_scan(&r->head, in, len, used)) {
	case HTTP_HEAD_MORE:
		/* A request line longer than any allowed target cannot become valid. */
		if (r->head.first_line && r->head.len > r->lim.max_uri + 64)
			return fail(r, HTTP_R_URI_TOO_LONG);
		why = early_line(r);
		return why ? fail(r, why) : HTTP_FEED_MORE;
	case HTTP_HEAD_END:
		why = finish_head(r);
		if (why)
			return fail(r, why);
		r->st = ST_HEAD_DONE;
		return HTTP_FEED_HEAD;
	case HTTP_HEAD_BARE_CR:
		return fail(r, HTTP_R_BARE_CR);
	case HTTP_HEAD_BARE_LF:
		return fail(r, HTTP_R_BARE_LF);
	case HTTP_HEAD_CTL:
		return fail(r, HTTP_R_CTL_BYTE);
	case HTTP_HEAD_FULL:
		break;
	}
	return fail(r, r->head.first_line ? HTTP_R_URI_TOO_LONG : HTTP_R_HEAD_TOO_LARGE);
}

enum http_feed http_req_feed(struct http_req *r, const void *buf, size_t len,
			     size_t *used)
{
	const char *in = buf;
	size_t n;

	*used = 0;
	switch (r->st) {
	case ST_ERROR:
		return HTTP_FEED_ERROR;
	case ST_DONE:
		return HTTP_FEED_DONE;
	case ST_HEAD:
		return feed_head(r, buf, len, used);
	case ST_HEAD_DONE:
		if (r->h.body == HTTP_BODY_NONE) {
			r->st = ST_DONE;
			return HTTP_FEED_DONE;
		}
		if (r->h.body == HTTP_BODY_LENGTH) {
			r->remaining = r->h.content_length;
			r->st = r->remaining ? ST_BODY_LEN : ST_DONE;
		} else {
			r->st = ST_CHUNK;
		}
		return r->st == ST_DONE ? HTTP_FEED_DONE : http_req_feed(r, buf, len, used);
	case ST_BODY_LEN:
		n = len < r->remaining ? len : (size_t)r->remaining;
		if (n && r->body_cb)
			r->body_cb(r->arg, in, n);
		r->remaining -= n;
		*used = n;
		if (r->remaining)
			return HTTP_FEED_MORE;
		r->st = ST_DONE;
		return HTTP_FEED_DONE;
	case ST_CHUNK:
		*used = http_hyg_chunked(r, in, len);
		if (r->st == ST_ERROR)
			return HTTP_FEED_ERROR;
		return r->st == ST_DONE ? HTTP_FEED_DONE : HTTP_FEED_MORE;
	}
	return HTTP_FEED_ERROR;
}

const struct http_header *http_req_header(const struct http_req *r, const char *name)
{
	unsigned i;

	if (!http_req_head(r))
		return NULL;
	for (i = 0; i < r->h.nheaders; i++)
		if (http_req_span_ieq(r->h.headers[i].name, name))
			return &r->h.headers[i];
	return NULL;
}
