// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Upstream response parser (strict head scan, llhttp cross-check, body
 * end detection through llhttp), the client head rewrite, the reason
 * phrase table and the JSON error writer. See http_resp.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>

#include "lib/outbuf.h"
#include "http/http_head.h"
#include "aegis/challenge.h"
#include "http/http_resp.h"

/* The byte and line rules are the request side's (http_head.c). */
enum resp_state {
	RS_IDLE = 0,	/* no request outstanding */
	RS_HEAD,	/* accumulating and scanning the head */
	RS_HEAD_DONE,	/* HTTP_RESP_HEAD returned */
	RS_BODY,	/* llhttp looks for the end of the body */
	RS_DONE,	/* until http_resp_start() */
	RS_ERROR,	/* sticky */
};

enum resp_body { RB_NONE, RB_LENGTH, RB_CHUNKED, RB_EOF };

struct http_resp {
	struct http_head_buf head;	/* owned; views point into it */
	enum resp_state st;
	const char *err;
	unsigned method;	/* HTTP_M_* of the request */

	int status, minor;
	struct http_span reason;
	struct http_header hdrs[HTTP_RESP_MAX_HEADERS];
	unsigned nhdrs;
	enum resp_body body;
	bool has_cl, has_te;
	uint64_t cl;
	bool keep_alive, upgrade;

	bool msg_done;		/* llhttp: on_message_complete seen */
	const char *scan;	/* chunked: framing bytes checked up to here */
	char prev;		/* chunked: last framing byte seen */
	bool bare_lf;
	bool ll_in_value;
	unsigned ll_fields;	/* header fields llhttp saw in the head */
	llhttp_t lp;
	llhttp_settings_t ls;
};

/* llhttp only counts header fields (our scan owns the views) and stops
 * at the end of each message so the caller learns its exact end. */
static int cb_field(llhttp_t *p, const char *at, size_t n)
{
	struct http_resp *r = p->data;

	(void)at;
	(void)n;
	if (r->ll_in_value || r->ll_fields == 0)
		r->ll_fields++;
	r->ll_in_value = false;
	return 0;
}

static int cb_value(llhttp_t *p, const char *at, size_t n)
{
	(void)at;
	(void)n;
	((struct http_resp *)p->data)->ll_in_value = true;
	return 0;
}

/* 1 tells llhttp the message has no body (HEAD, 1xx, 204, 304). */
static int cb_headers_complete(llhttp_t *p)
{
	return ((struct http_resp *)p->data)->body == RB_NONE ? 1 : 0;
}

/*
 * llhttp 8.1.0 accepts a bare LF ending the trailer section; a client
 * could then disagree about where the message ends, and we forward the
 * framing raw. So every LF outside chunk data must follow a CR.
 */
static void scan_framing(struct http_resp *r, const char *end)
{
	for (; r->scan < end; r->scan++) {
		if (*r->scan == '\n' && r->prev != '\r')
			r->bare_lf = true;
		r->prev = *r->scan;
	}
}

static int cb_body(llhttp_t *p, const char *at, size_t n)
{
	struct http_resp *r = p->data;

	if (r->body != RB_CHUNKED)
		return 0;
	scan_framing(r, at);
	r->scan = at + n;
	r->prev = 0;
	return r->bare_lf ? -1 : 0;
}

static int cb_message_complete(llhttp_t *p)
{
	((struct http_resp *)p->data)->msg_done = true;
	return HPE_PAUSED;
}

struct http_resp *http_resp_new(size_t max_head)
{
	struct http_resp *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->head.cap = max_head ? max_head : HTTP_RESP_DEF_MAX_HEAD;
	if (r->head.cap < 16)
		r->head.cap = 16;
	r->head.buf = malloc(r->head.cap);
	if (!r->head.buf) {
		free(r);
		return NULL;
	}
	llhttp_settings_init(&r->ls);
	r->ls.on_header_field = cb_field;
	r->ls.on_header_value = cb_value;
	r->ls.on_headers_complete = cb_headers_complete;
	r->ls.on_body = cb_body;
	r->ls.on_message_complete = cb_message_complete;
	r->st = RS_IDLE;
	return r;
}

void http_resp_free(struct http_resp *r)
{
	if (!r)
		return;
	free(r->head.buf);
	free(r);
}

void http_resp_start(struct http_resp *r, unsigned req_method_bit)
{
	if (r->st == RS_ERROR)
		return;
	r->st = RS_HEAD;
	r->method = req_method_bit;
	http_head_reset(&r->head);
	r->status = r->minor = 0;
	memset(&r->reason, 0, sizeof(r->reason));
	r->nhdrs = 0;
	r->body = RB_NONE;
	r->has_cl = r->has_te = false;
	r->cl = 0;
	r->keep_alive = r->upgrade = false;
	r->msg_done = r->ll_in_value = r->bare_lf = false;
	r->prev = 0;
	r->ll_fields = 0;
	llhttp_init(&r->lp, HTTP_RESPONSE, &r->ls);
	r->lp.data = r;
}

static enum http_resp_ev fail(struct http_resp *r, const char *why)
{
	r->st = RS_ERROR;
	r->err = why;
	return HTTP_RESP_ERROR;
}

/* "HTTP/1.x DDD[ reason]": the reason may be empty, the SP before it
 * may be missing (common in the wild, unambiguous). */
static const char *status_line(struct http_resp *r, struct http_span line)
{
	const char *p = line.p, *eol = line.p + line.len;

	if (eol - p < 12 || memcmp(p, "HTTP/1.", 7) || (p[7] != '0' && p[7] != '1') ||
	    p[8] != ' ')
		return "malformed status line";
	r->minor = p[7] - '0';
	if (p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9')
		return "invalid status code";
	r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (eol - p > 12 && p[12] != ' ')
		return "invalid status code";
	r->reason.p = p + (eol - p > 12 ? 13 : 12);
	r->reason.len = (size_t)(eol - r->reason.p);
	return NULL;
}

static const char *header_line(struct http_resp *r, struct http_span line)
{
	struct http_header hd;

	switch (http_head_field(line, &hd)) {
	case HTTP_FIELD_OK:
		break;
	case HTTP_FIELD_OBS_FOLD:
		return "obsolete line folding";
	default:
		return "invalid header name";
	}
	if (r->nhdrs >= HTTP_RESP_MAX_HEADERS)
		return "too many response headers";
	r->hdrs[r->nhdrs++] = hd;
	return NULL;
}

static const char *parse_cl(struct http_resp *r, struct http_span v)
{
	size_t i;

	if (r->has_cl)
		return "duplicate Content-Length";
	r->has_cl = true;
	if (!v.len || v.len > 18)
		return "invalid Content-Length";
	for (i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return "invalid Content-Length";
		r->cl = r->cl * 10 + (uint64_t)(v.p[i] - '0');
	}
	return NULL;
}

/* Every Transfer-Encoding value is one list: tokens, chunked last only. */
static const char *parse_te(struct http_resp *r, struct http_span v)
{
	size_t a, b;

	if (r->body == RB_CHUNKED)
		return "Transfer-Encoding after chunked";
	r->has_te = true;
	for (a = 0; a <= v.len; a = b + 1) {
		struct http_span t;

		for (b = a; b < v.len && v.p[b] != ','; b++)
			;
		t = http_span_trim((struct http_span){ v.p + a, b - a });
		if (!http_span_token(t))
			return "invalid Transfer-Encoding";
		if (r->body == RB_CHUNKED)
			return "Transfer-Encoding after chunked";
		r->body = http_req_span_ieq(t, "chunked") ? RB_CHUNKED : RB_EOF;
	}
	return NULL;
}

/* Framing: CL, TE and status decide the body; every doubt is an error. */
static const char *framing(struct http_resp *r)
{
	const char *why;
	unsigned i;

	for (i = 0; i < r->nhdrs; i++) {
		const struct http_header *hd = &r->hdrs[i];

		why = NULL;
		if (http_req_span_ieq(hd->name, "content-length"))
			why = parse_cl(r, hd->value);
		else if (http_req_span_ieq(hd->name, "transfer-encoding"))
			why = parse_te(r, hd->value);
		if (why)
			return why;
	}
	if (r->has_cl && r->has_te)
		return "Content-Length with Transfer-Encoding";
	if (r->has_te && r->minor == 0)
		return "Transfer-Encoding in HTTP/1.0";
	if (r->has_te && r->body != RB_CHUNKED)
		return "Transfer-Encoding without chunked last";
	r->upgrade = r->status == 101 ||
		     ((r->method & HTTP_M_CONNECT) && r->status / 100 == 2);
	if (r->status / 100 == 1 || r->status == 204 || r->status == 304 ||
	    (r->method & HTTP_M_HEAD) || r->upgrade)
		r->body = RB_NONE;
	else if (r->has_cl)
		r->body = RB_LENGTH;
	else if (!r->has_te)
		r->body = RB_EOF;
	return NULL;
}

static bool has_header(const struct http_resp *r, const char *name)
{
	unsigned i;

	for (i = 0; i < r->nhdrs; i++)
		if (http_req_span_ieq(r->hdrs[i].name, name))
			return true;
	return false;
}

/* Our line scan, then llhttp over the same bytes: they must agree on
 * the status, version, header count and framing, else we refuse. */
static const char *finish_head(struct http_resp *r)
{
	struct http_head_lines it;
	struct http_span line;
	llhttp_errno_t e;
	const char *why;
	bool bodiless;

	http_head_lines_init(&it, &r->head);
	http_head_line(&it, &line);
	why = status_line(r, line);
	while (!why && http_head_line(&it, &line))
		why = header_line(r, line);
	if (!why)
		why = framing(r);
	if (why)
		return why;
	if (r->status == 101 && !has_header(r, "upgrade"))
		return "101 without Upgrade";
	e = llhttp_execute(&r->lp, r->head.buf, r->head.len);
	bodiless = r->body == RB_NONE || (r->body == RB_LENGTH && r->cl == 0);
	if (bodiless != r->msg_done)
		return "malformed response head";
	if (r->msg_done && ((e != HPE_PAUSED && e != HPE_PAUSED_UPGRADE) ||
			    llhttp_get_error_pos(&r->lp) != r->head.buf + r->head.len))
		return "malformed response head";
	if (!r->msg_done && e != HPE_OK)
		return "malformed response head";
	if (r->lp.status_code != r->status || r->lp.http_major != 1 ||
	    r->lp.http_minor != r->minor || r->ll_fields != r->nhdrs ||
	    !!(r->lp.flags & F_CHUNKED) != (r->has_te) ||
	    (r->has_cl && r->lp.content_length != r->cl))
		return "malformed response head";
	r->keep_alive = llhttp_should_keep_alive(&r->lp) && r->body != RB_EOF &&
			!r->upgrade;
	return NULL;
}

/* The head lexer's byte scan (http_head.c), then finish_head(). */
static enum http_resp_ev feed_head(struct http_resp *r, const void *in, size_t len,
				   size_t *used)
{
	const char *why;

	switch (http_head_scan(&r->head, in, len, used)) {
	case HTTP_HEAD_MORE:
		return HTTP_RESP_MORE;
	case HTTP_HEAD_END:
		why = r->head.len == 4 ? "malformed status line" : finish_head(r);
		if (why)
			return fail(r, why);
		r->st = RS_HEAD_DONE;
		return HTTP_RESP_HEAD;
	case HTTP_HEAD_BARE_CR:
		return fail(r, "bare CR in response head");
	case HTTP_HEAD_BARE_LF:
		return fail(r, "bare LF in response head");
	case HTTP_HEAD_CTL:
		return fail(r, "control byte in response head");
	case HTTP_HEAD_FULL:
		break;
	}
	return fail(r, "response head too large");
}

static enum http_resp_ev feed_body(struct http_resp *r, const char *in, size_t len,
				   size_t *used)
{
	llhttp_errno_t e;

	if (!len)
		return HTTP_RESP_MORE;
	r->scan = in;
	e = llhttp_execute(&r->lp, in, len);
	if (r->body == RB_CHUNKED)
		scan_framing(r, e == HPE_OK ? in + len : llhttp_get_error_pos(&r->lp));
	if (r->bare_lf) {
		*used = (size_t)(r->scan - in);
		return fail(r, "bare LF in chunked framing");
	}
	if (e == HPE_OK) {
		*used = len;
		return HTTP_RESP_MORE;
	}
	if (e == HPE_PAUSED && r->msg_done) {
		*used = (size_t)(llhttp_get_error_pos(&r->lp) - in);
		r->st = RS_DONE;
		return HTTP_RESP_DONE;
	}
	*used = (size_t)(llhttp_get_error_pos(&r->lp) - in);
	return fail(r, r->body == RB_CHUNKED ? "invalid chunked framing" :
		       "malformed response body");
}

enum http_resp_ev http_resp_feed(struct http_resp *r, const void *buf, size_t len,
				 size_t *used)
{
	*used = 0;
	switch (r->st) {
	case RS_IDLE:
		return len ? fail(r, "response bytes without a request") : HTTP_RESP_MORE;
	case RS_HEAD:
		return feed_head(r, buf, len, used);
	case RS_HEAD_DONE:
		if (r->msg_done) {
			r->st = RS_DONE;
			return HTTP_RESP_DONE;
		}
		r->st = RS_BODY;
		return feed_body(r, buf, len, used);
	case RS_BODY:
		return feed_body(r, buf, len, used);
	case RS_DONE:
		return HTTP_RESP_DONE;
	case RS_ERROR:
		break;
	}
	return HTTP_RESP_ERROR;
}

bool http_resp_eof(struct http_resp *r)
{
	if ((r->st != RS_BODY && r->st != RS_HEAD_DONE) || r->body != RB_EOF)
		return false;
	r->st = RS_DONE;
	return true;
}

const char *http_resp_error_text(const struct http_resp *r)
{
	return r->st == RS_ERROR ? r->err : "";
}

static bool have_head(const struct http_resp *r)
{
	return r->st == RS_HEAD_DONE || r->st == RS_BODY || r->st == RS_DONE;
}

int http_resp_status(const struct http_resp *r)
{
	return have_head(r) ? r->status : 0;
}

bool http_resp_keep_alive(const struct http_resp *r)
{
	return have_head(r) && r->keep_alive;
}

bool http_resp_eof_body(const struct http_resp *r)
{
	return r->body == RB_EOF;
}

bool http_resp_upgrade(const struct http_resp *r)
{
	return have_head(r) && r->upgrade;
}

const struct http_header *http_resp_headers(const struct http_resp *r, unsigned *n)
{
	*n = have_head(r) ? r->nhdrs : 0;
	return have_head(r) ? r->hdrs : NULL;
}

/* ---- output ---- */


static void putf(struct outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct outbuf *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		o->full = true;
	else
		outbuf_put(o, tmp, (size_t)n);
}

static int out_ret(const struct outbuf *o)
{
	return o->full ? -ENOSPC : (int)o->len;
}

static bool is_framing(struct http_span n)
{
	return http_req_span_ieq(n, "content-length") ||
	       http_req_span_ieq(n, "transfer-encoding");
}

static bool span_is(struct http_span s, const char *lit, size_t lit_max)
{
	size_t n = strnlen(lit, lit_max);

	return s.len == n && strncasecmp(s.p, lit, n) == 0;
}

/* A set header must be a well-formed line that cannot change framing. */
static bool set_valid(const struct http_resp_header *h)
{
	struct http_span n = { h->name, strnlen(h->name, sizeof(h->name)) };
	size_t vl = strnlen(h->value, sizeof(h->value)), i;

	if (!http_span_token(n) || n.len == sizeof(h->name) || vl == sizeof(h->value))
		return false;
	for (i = 0; i < vl; i++) {
		unsigned char c = (unsigned char)h->value[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return !is_framing(n) && !http_req_span_ieq(n, "connection");
}

static bool rw_valid(const struct http_resp_rewrite *rw)
{
	size_t i;

	for (i = 0; rw && i < rw->n_set; i++)
		if (!set_valid(&rw->set[i]))
			return false;
	return true;
}

/* Listed as a token in one of the upstream's Connection headers. */
static bool drop_header(const struct http_resp *r, const struct http_resp_rewrite *rw,
			struct http_span n)
{
	static const char *const hop[] = {
		"connection", "keep-alive", "proxy-connection", "te", "trailer",
	};
	bool up101 = r->status == 101 && http_req_span_ieq(n, "upgrade");
	size_t i;

	if (is_framing(n))
		return false;
	for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (http_req_span_ieq(n, hop[i]))
			return true;
	if (up101)
		return false;
	if (http_req_span_ieq(n, "upgrade") || http_connection_lists(r->hdrs, r->nhdrs, n))
		return true;
	for (i = 0; rw && i < rw->n_remove; i++)
		if (span_is(n, rw->remove[i], sizeof(rw->remove[i])))
			return true;
	for (i = 0; rw && i < rw->n_set; i++)
		if (span_is(n, rw->set[i].name, sizeof(rw->set[i].name)))
			return true;
	return false;
}

static void put_set(struct outbuf *o, const struct http_resp_rewrite *rw,
		    const char *const *skip, size_t n_skip)
{
	size_t i, k;

	for (i = 0; rw && i < rw->n_set; i++) {
		struct http_span n = { rw->set[i].name,
				       strnlen(rw->set[i].name, sizeof(rw->set[i].name)) };

		for (k = 0; k < n_skip && !http_req_span_ieq(n, skip[k]); k++)
			;
		if (k < n_skip)
			continue;
		outbuf_put(o, n.p, n.len);
		outbuf_puts(o, ": ");
		outbuf_put(o, rw->set[i].value, strnlen(rw->set[i].value, sizeof(rw->set[i].value)));
		outbuf_puts(o, "\r\n");
	}
}

int http_resp_build_head(const struct http_resp *r, const struct http_resp_rewrite *rw,
			 char *buf, size_t cap)
{
	struct outbuf o = { buf, cap, 0, false };
	unsigned i;

	if (!have_head(r) || !rw_valid(rw))
		return -EINVAL;
	putf(&o, "HTTP/1.1 %d ", r->status);
	outbuf_put(&o, r->reason.p, r->reason.len);
	outbuf_puts(&o, "\r\n");
	for (i = 0; i < r->nhdrs; i++) {
		const struct http_header *hd = &r->hdrs[i];

		if (drop_header(r, rw, hd->name))
			continue;
		outbuf_put(&o, hd->name.p, hd->name.len);
		outbuf_puts(&o, ": ");
		outbuf_put(&o, hd->value.p, hd->value.len);
		outbuf_puts(&o, "\r\n");
	}
	put_set(&o, rw, NULL, 0);
	if (r->status == 101)
		outbuf_puts(&o, "Connection: upgrade\r\n");
	else if (r->status >= 200 && ((rw && rw->close) || r->body == RB_EOF))
		outbuf_puts(&o, "Connection: close\r\n");
	outbuf_puts(&o, "\r\n");
	return out_ret(&o);
}

int http_chunk_head(char *buf, size_t cap, size_t len)
{
	int n = snprintf(buf, cap, "%zx\r\n", len);

	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

static const struct {
	short code;
	const char *text;
} statuses[] = {
	{ 100, "Continue" }, { 101, "Switching Protocols" }, { 103, "Early Hints" },
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" }, { 204, "No Content" },
	{ 206, "Partial Content" }, { 301, "Moved Permanently" }, { 302, "Found" },
	{ 303, "See Other" }, { 304, "Not Modified" }, { 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" }, { 400, "Bad Request" }, { 401, "Unauthorized" },
	{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 408, "Request Timeout" }, { 409, "Conflict" }, { 410, "Gone" },
	{ 411, "Length Required" }, { 413, "Content Too Large" }, { 414, "URI Too Long" },
	{ 421, "Misdirected Request" }, { 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" }, { 500, "Internal Server Error" },
	{ 501, "Not Implemented" }, { 502, "Bad Gateway" }, { 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
};

const char *http_status_text(int status)
{
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].code == status)
			return statuses[i].text;
	return "Unknown";
}

static bool id_valid(const char *id)
{
	for (; id && *id; id++)
		if ((unsigned char)*id < 0x20 || *id == 0x7f || *id == '"' || *id == '\\')
			return false;
	return true;
}

int http_resp_error(char *buf, size_t cap, int status, const char *request_id,
		    uint32_t retry_after_s, const struct http_resp_rewrite *rw)
{
	static const char *const ours[] = {
		"content-type", "cache-control", "retry-after",
	};
	const char *text = http_status_text(status);
	struct outbuf o = { buf, cap, 0, false };
	char ra[32] = "";
	int blen;

	if (status < 400 || status > 599 || !strcmp(text, "Unknown") ||
	    !id_valid(request_id) || !rw_valid(rw))
		return -EINVAL;
	if (retry_after_s)
		snprintf(ra, sizeof(ra), ",\"retry_after\":%u", retry_after_s);
	blen = snprintf(NULL, 0, "{\"error\":\"%s\",\"status\":%d%s%s%s%s}", text, status,
			request_id ? ",\"request_id\":\"" : "", request_id ? request_id : "",
			request_id ? "\"" : "", ra);
	putf(&o, "HTTP/1.1 %d %s\r\n", status, text);
	outbuf_puts(&o, "Content-Type: application/json\r\n");
	putf(&o, "Content-Length: %d\r\n", blen);
	outbuf_puts(&o, "Cache-Control: no-store\r\n");
	if (retry_after_s)
		putf(&o, "Retry-After: %u\r\n", retry_after_s);
	put_set(&o, rw, ours, sizeof(ours) / sizeof(ours[0]));
	if (rw && rw->close)
		outbuf_puts(&o, "Connection: close\r\n");
	outbuf_puts(&o, "\r\n");
	putf(&o, "{\"error\":\"%s\",\"status\":%d", text, status);
	if (request_id) {
		outbuf_puts(&o, ",\"request_id\":\"");
		outbuf_puts(&o, request_id);
		outbuf_puts(&o, "\"");
	}
	outbuf_puts(&o, ra);
	outbuf_puts(&o, "}");
	return out_ret(&o);
}

int http_resp_local(char *buf, size_t cap, const struct http_local_resp *lr,
		    const struct http_resp_rewrite *rw)
{
	static const char *const ours[] = {
		"content-type", "cache-control", "content-security-policy", "set-cookie",
		"location", AEGIS_CHAL_HEADER,
	};
	const char *text = http_status_text(lr->status);
	struct outbuf o = { buf, cap, 0, false };

	if (!strcmp(text, "Unknown") || !rw_valid(rw))
		return -EINVAL;
	putf(&o, "HTTP/1.1 %d %s\r\n", lr->status, text);
	if (lr->content_type) {
		outbuf_puts(&o, "Content-Type: ");
		outbuf_puts(&o, lr->content_type);
		outbuf_puts(&o, "\r\n");
	}
	putf(&o, "Content-Length: %zu\r\n", lr->content_type ? lr->body_len : 0);
	outbuf_puts(&o, "Cache-Control: no-store\r\n");
	if (lr->headers)
		outbuf_puts(&o, lr->headers);
	put_set(&o, rw, ours, sizeof(ours) / sizeof(ours[0]));
	if (rw && rw->close)
		outbuf_puts(&o, "Connection: close\r\n");
	outbuf_puts(&o, "\r\n");
	if (lr->content_type)
		outbuf_put(&o, lr->body, lr->body_len);
	return out_ret(&o);
}
