// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Request hygiene: the strict checks that run on a complete, byte-clean
 * head before llhttp and before any upstream sees it (request line,
 * header lines, Content-Length / Transfer-Encoding, Host, target form,
 * percent-decoding and dot-segment normalisation), the strict chunked
 * framing, and the hop-by-hop and forwarding helpers.
 *
 * Rules are RFC 9112 with every leniency removed: one SP between request
 * line parts, token header names with the colon right after them, no
 * obs-fold, a single Content-Length of 1*DIGIT, a single Transfer-Encoding
 * of exactly "chunked" and never with Content-Length or in HTTP/1.0.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/outbuf.h"
#include "http/http_req_priv.h"
#include "lib/units.h"

static const struct {
	const char *name;
	unsigned bit;
} methods[] = {
	{ "GET", HTTP_M_GET }, { "HEAD", HTTP_M_HEAD }, { "POST", HTTP_M_POST },
	{ "PUT", HTTP_M_PUT }, { "DELETE", HTTP_M_DELETE }, { "PATCH", HTTP_M_PATCH },
	{ "OPTIONS", HTTP_M_OPTIONS }, { "CONNECT", HTTP_M_CONNECT },
	{ "TRACE", HTTP_M_TRACE },
};

static unsigned method_bit(struct http_span m)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (m.len == strlen(methods[i].name) &&
		    memcmp(m.p, methods[i].name, m.len) == 0)	/* case-sensitive */
			return methods[i].bit;
	return 0;
}

/* Host: DNS-style reg-name or [IPv6], optional :port (1-5 digits, <= 65535). */
static bool host_valid(struct http_span s, bool need_port)
{
	size_t i = 0, port_at;
	unsigned long port = 0;

	if (!s.len)
		return false;
	if (s.p[0] == '[') {
		for (i = 1; i < s.len && s.p[i] != ']'; i++)
			if (!strchr("0123456789abcdefABCDEF:.", s.p[i]) || !s.p[i])
				return false;
		if (i >= s.len || i == 1)
			return false;
		i++;
	} else {
		for (; i < s.len && s.p[i] != ':'; i++) {
			char c = s.p[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~'))
				return false;
		}
		if (i == 0)
			return false;
	}
	if (i == s.len)
		return !need_port;
	if (s.p[i] != ':')
		return false;
	port_at = ++i;
	for (; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9' || i - port_at >= 5)
			return false;
		port = port * 10 + (unsigned long)(s.p[i] - '0');
	}
	return i > port_at && port <= 65535;
}

/*
 * Bytes allowed raw in a path or query: RFC 3986 pchar, '/', '?', plus
 * what browsers leave unencoded (the WHATWG URL encode sets): "[]|^" in
 * a path, and also "{}`" in a query (PHP-style filter[size]=42). None of
 * them can end a line or a field.
 */
static bool target_char(unsigned char c, bool query)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && (strchr("-._~!$&'()*+,;=:@/?%[]|^", c) || (query && strchr("{}`", c)));
}

static unsigned dot_segments(const char *s, size_t n)
{
	unsigned count = 0;
	size_t i = 0, start;

	while (i < n) {
		start = i;
		while (i < n && s[i] != '/')
			i++;
		if ((i - start == 1 && s[start] == '.') ||
		    (i - start == 2 && s[start] == '.' && s[start + 1] == '.'))
			count++;
		i++;
	}
	return count;
}

/*
 * Decodes the path until nothing changes (at most 3 rounds: %252e is
 * "%2e" then "."), treats '\' as '/', and removes dot segments. Refused:
 * malformed %XX in the raw path, decoded control bytes, encoding deeper
 * than 3 levels, a ".." that climbs above the root, and dot segments that
 * only appear after decoding (an upstream that decodes differently would
 * see another path than we checked).
 */
static enum http_reason normalise_path(struct http_req *r, struct http_span path)
{
	char *d = r->scratch, *out = r->norm;
	size_t n = path.len, i, o = 0, k;
	unsigned round;
	int depth = 0;

	memcpy(d, path.p, n);
	for (round = 0; round < 4; round++) {
		bool changed = false;

		for (i = 0, k = 0; i < n; i++) {
			int hi, lo;

			if (d[i] == '%') {
				hi = i + 2 < n ? units_hex_digit(d[i + 1]) : -1;
				lo = hi >= 0 ? units_hex_digit(d[i + 2]) : -1;
				if (hi >= 0 && lo >= 0) {
					unsigned char c = (unsigned char)(hi << 4 | lo);

					if (round == 3)
						return HTTP_R_BAD_PERCENT;
					if (c < 0x20 || c == 0x7f)
						return HTTP_R_BAD_PERCENT;
					d[k++] = (char)c;
					i += 2;
					changed = true;
					continue;
				}
				if (round == 0)
					return HTTP_R_BAD_PERCENT;
			}
			d[k++] = d[i];
		}
		n = k;
		if (!changed)
			break;
	}
	for (i = 0; i < n; i++)
		if (d[i] == '\\')
			d[i] = '/';
	if (dot_segments(d, n) > dot_segments(path.p, path.len))
		return HTTP_R_PATH_TRAVERSAL;
	if (!n || d[0] != '/')
		return HTTP_R_BAD_TARGET;
	i = 0;
	while (i < n) {
		size_t q = i + 1, sl;

		while (q < n && d[q] != '/')
			q++;
		sl = q - (i + 1);
		if (sl == 1 && d[i + 1] == '.') {
			if (q == n)
				out[o++] = '/';
		} else if (sl == 2 && d[i + 1] == '.' && d[i + 2] == '.') {
			if (depth == 0)
				return HTTP_R_PATH_TRAVERSAL;
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			depth--;
			if (q == n)
				out[o++] = '/';
		} else {
			out[o++] = '/';
			memcpy(out + o, d + i + 1, sl);
			o += sl;
			depth++;
		}
		i = q;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	r->h.norm_path.p = out;
	r->h.norm_path.len = o;
	return HTTP_R_NONE;
}

/* Request-target: origin-form, absolute-form (http/https), "*" for
 * OPTIONS, authority-form for CONNECT only. */
static enum http_reason check_target(struct http_req *r)
{
	struct http_req_head *h = &r->h;
	struct http_span t = h->target, auth, rest;
	size_t i, skip = 0;
	bool query = false;

	if (h->method_bit == HTTP_M_CONNECT) {
		if (!host_valid(t, true))
			return HTTP_R_BAD_TARGET;
		if (h->host.len && !(h->host.len == t.len &&
				     strncasecmp(h->host.p, t.p, t.len) == 0))
			return HTTP_R_AUTHORITY_MISMATCH;
		return HTTP_R_NONE;
	}
	if (t.len == 1 && t.p[0] == '*')
		return h->method_bit == HTTP_M_OPTIONS ? HTTP_R_NONE : HTTP_R_BAD_TARGET;
	if (t.len > 7 && strncasecmp(t.p, "http://", 7) == 0)
		skip = 7;
	else if (t.len > 8 && strncasecmp(t.p, "https://", 8) == 0)
		skip = 8;
	if (skip) {
		auth.p = t.p + skip;
		for (i = skip; i < t.len && t.p[i] != '/' && t.p[i] != '?'; i++)
			;
		auth.len = i - skip;
		if (!host_valid(auth, false))
			return memchr(auth.p, '@', auth.len) ? HTTP_R_BAD_TARGET : HTTP_R_HOST_INVALID;
		if (h->host.len) {
			if (h->host.len != auth.len || strncasecmp(h->host.p, auth.p, auth.len))
				return HTTP_R_AUTHORITY_MISMATCH;
		} else {
			h->host = auth;
		}
		h->absolute_form = true;
		rest.p = t.p + i;
		rest.len = t.len - i;
	} else if (t.p[0] == '/') {
		rest = t;
	} else {
		return HTTP_R_BAD_TARGET;
	}
	for (i = 0; i < rest.len; i++) {
		query |= rest.p[i] == '?';
		if (!target_char((unsigned char)rest.p[i], query))
			return HTTP_R_BAD_TARGET;
	}
	h->path = rest;
	h->query.p = rest.p + rest.len;
	for (i = 0; i < rest.len; i++)
		if (rest.p[i] == '?') {
			h->path.len = i;
			h->query.p = rest.p + i + 1;
			h->query.len = rest.len - i - 1;
			break;
		}
	if (h->path.len == 0) {		/* "http://host" or "http://host?q" */
		r->norm[0] = '/';
		r->norm[1] = '\0';
		h->norm_path.p = r->norm;
		h->norm_path.len = 1;
		return HTTP_R_NONE;
	}
	return normalise_path(r, h->path);
}

enum http_reason http_hyg_request_line(struct http_req *r, struct http_span line)
{
	struct http_req_head *h = &r->h;
	const char *p = line.p, *s = p, *eol = line.p + line.len;

	while (p < eol && http_req_tchar((unsigned char)*p))
		p++;
	if (p == s || p == eol || *p != ' ')
		return HTTP_R_BAD_REQUEST_LINE;
	h->method.p = s;
	h->method.len = (size_t)(p - s);
	s = ++p;
	while (p < eol && *p != ' ') {
		/* other controls were refused by the byte scan */
		if (*p == '\t')
			return HTTP_R_BAD_REQUEST_LINE;
		if ((unsigned char)*p >= 0x7f)
			return HTTP_R_BAD_TARGET;
		p++;
	}
	if (p == s || p == eol)
		return HTTP_R_BAD_REQUEST_LINE;
	h->target.p = s;
	h->target.len = (size_t)(p - s);
	if (h->target.len > r->lim.max_uri)
		return HTTP_R_URI_TOO_LONG;
	p++;
	if (eol - p != 8 || memcmp(p, "HTTP/1.", 7) || (p[7] != '0' && p[7] != '1'))
		return HTTP_R_BAD_VERSION;
	h->version_major = 1;
	h->version_minor = p[7] - '0';
	h->method_bit = method_bit(h->method);
	if (!h->method_bit)
		return HTTP_R_METHOD_UNKNOWN;
	if (!(h->method_bit & r->lim.methods))
		return HTTP_R_METHOD_NOT_ALLOWED;
	return HTTP_R_NONE;
}

static enum http_reason header_line(struct http_req *r, struct http_span line)
{
	static const enum http_reason why[] = {
		[HTTP_FIELD_OBS_FOLD]		= HTTP_R_OBS_FOLD,
		[HTTP_FIELD_SPACE_BEFORE_COLON]	= HTTP_R_SPACE_BEFORE_COLON,
		[HTTP_FIELD_BAD_NAME]		= HTTP_R_BAD_HEADER_NAME,
	};
	struct http_header hd;
	enum http_field_err e = http_head_field(line, &hd);

	if (e)
		return why[e];
	if (r->npre >= r->lim.max_headers)
		return HTTP_R_TOO_MANY_HEADERS;
	r->pre[r->npre++] = hd;
	return HTTP_R_NONE;
}

static enum http_reason parse_cl(struct http_span v, uint64_t *out)
{
	uint64_t n = 0;
	size_t i;

	if (memchr(v.p, ',', v.len))
		return HTTP_R_DUP_CL;
	/* v is OWS-trimmed: RFC 9110 5.5 allows OWS around any field value,
	 * so "Content-Length:  5 " is 5; what is left must be 1*DIGIT. */
	if (!v.len || v.len > 18)
		return HTTP_R_BAD_CL;
	for (i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return HTTP_R_BAD_CL;
		n = n * 10 + (uint64_t)(v.p[i] - '0');
	}
	*out = n;
	return HTTP_R_NONE;
}

static enum http_reason check_te(struct http_span v)
{
	if (http_req_span_ieq(v, "chunked"))
		return HTTP_R_NONE;
	if (memchr(v.p, ',', v.len))
		return HTTP_R_TE_LIST;
	if (!http_span_token(v))
		return HTTP_R_BAD_TE;
	return HTTP_R_TE_UNSUPPORTED;
}

enum http_reason http_hyg_head(struct http_req *r)
{
	struct http_req_head *h = &r->h;
	const struct http_header *cl = NULL, *te = NULL, *host = NULL;
	unsigned ncl = 0, nte = 0, nhost = 0, i;
	struct http_head_lines it;
	struct http_span line;
	enum http_reason why;

	http_head_lines_init(&it, &r->head);
	http_head_line(&it, &line);
	why = http_hyg_request_line(r, line);
	if (why)
		return why;
	while (http_head_line(&it, &line)) {
		why = header_line(r, line);
		if (why)
			return why;
	}
	for (i = 0; i < r->npre; i++) {
		const struct http_header *hd = &r->pre[i];

		if (http_req_span_ieq(hd->name, "content-length"))
			ncl++, cl = hd;
		else if (http_req_span_ieq(hd->name, "transfer-encoding"))
			nte++, te = hd;
		else if (http_req_span_ieq(hd->name, "host"))
			nhost++, host = hd;
	}
	if (te && h->version_minor == 0)
		return HTTP_R_TE_HTTP10;
	if (cl && te)
		return HTTP_R_CL_AND_TE;
	if (ncl > 1)
		return HTTP_R_DUP_CL;
	if (cl) {
		why = parse_cl(cl->value, &h->content_length);
		if (why)
			return why;
		h->body = HTTP_BODY_LENGTH;
	}
	if (nte > 1)
		return HTTP_R_TE_LIST;
	if (te) {
		why = check_te(te->value);
		if (why)
			return why;
		h->body = HTTP_BODY_CHUNKED;
	}
	if (nhost > 1)
		return HTTP_R_HOST_DUP;
	if (!host && h->version_minor == 1)
		return HTTP_R_HOST_MISSING;
	if (host) {
		if (!host_valid(host->value, false))
			return HTTP_R_HOST_INVALID;
		h->host = host->value;
	}
	why = check_target(r);
	if (why)
		return why;
	if (h->body == HTTP_BODY_LENGTH && h->content_length > r->lim.max_body)
		return HTTP_R_BODY_TOO_LARGE;
	return HTTP_R_NONE;
}

static enum chunk_state chunk_fail(struct http_req *r, enum http_reason why)
{
	r->st = ST_ERROR;
	r->err = why;
	return r->cst;
}

/* A chunk-size digit, ';' extensions or the CR/LF closing the size line. */
static void chunk_size_byte(struct http_req *r, unsigned char c)
{
	int v;

	switch (r->cst) {
	case CH_SIZE:
	case CH_SIZE_MORE:
		v = units_hex_digit((char)c);
		if (v >= 0) {
			if (++r->cdigits > HTTP_CHUNK_DIGITS) {
				chunk_fail(r, HTTP_R_BAD_CHUNK);
				return;
			}
			r->remaining = r->remaining << 4 | (uint64_t)v;
			r->cst = CH_SIZE_MORE;
		} else if (r->cst == CH_SIZE_MORE && c == ';') {
			r->ext_line = 0;
			r->cst = CH_EXT;
		} else if (r->cst == CH_SIZE_MORE && c == '\r') {
			r->cst = CH_SIZE_LF;
		} else {
			chunk_fail(r, HTTP_R_BAD_CHUNK);
		}
		return;
	case CH_EXT:
		if (c == '\r')
			r->cst = CH_SIZE_LF;
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			chunk_fail(r, HTTP_R_BAD_CHUNK);
		else if (++r->ext_line > HTTP_CHUNK_EXT_LINE ||
			 ++r->ext_total > HTTP_CHUNK_EXT_TOTAL)
			chunk_fail(r, HTTP_R_CHUNK_EXT);
		return;
	default:	/* CH_SIZE_LF */
		if (c != '\n') {
			chunk_fail(r, HTTP_R_BAD_CHUNK);
			return;
		}
		r->cdigits = 0;
		if (!r->remaining) {
			r->cst = CH_TRAILER;
			return;
		}
		if (r->remaining > r->lim.max_body - r->body_total ||
		    r->body_total > r->lim.max_body) {
			chunk_fail(r, HTTP_R_BODY_TOO_LARGE);
			return;
		}
		r->body_total += r->remaining;
		r->cst = CH_DATA;
	}
}

/* The CRLF after a chunk's data, trailer lines and the final CRLF. */
/* Enough of a trailer's name to tell the framing headers; longer names
 * are neither. */
static void trailer_name_byte(struct http_req *r, unsigned char c)
{
	if (r->tname_len < sizeof(r->tname))
		r->tname[r->tname_len] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	r->tname_len++;
}

/* RFC 9110 6.5.1: framing fields must not be sent as trailers. Dropping
 * them when re-chunking would hide what the client meant; a recipient
 * that merged them would desync: refused. */
static bool trailer_framing(const struct http_req *r)
{
	static const char *const names[] = { "content-length", "transfer-encoding" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (r->tname_len == strlen(names[i]) && !memcmp(r->tname, names[i], r->tname_len))
			return true;
	return false;
}

static void chunk_tail_byte(struct http_req *r, unsigned char c)
{
	switch (r->cst) {
	case CH_DATA_CR:
		r->cst = c == '\r' ? CH_DATA_LF : chunk_fail(r, HTTP_R_BAD_CHUNK);
		break;
	case CH_DATA_LF:
		if (c != '\n')
			chunk_fail(r, HTTP_R_BAD_CHUNK);
		else
			r->cst = CH_SIZE;
		break;
	case CH_TRAILER:
		if (c == '\r') {
			r->cst = CH_END_LF;
		} else if (http_req_tchar(c)) {
			r->cst = CH_TRAILER_NAME;
			r->tname_len = 0;
			trailer_name_byte(r, c);
		} else {
			chunk_fail(r, HTTP_R_BAD_CHUNK);
		}
		break;
	case CH_TRAILER_NAME:
		if (c == ':')
			r->cst = trailer_framing(r) ? chunk_fail(r, HTTP_R_TRAILER_FRAMING)
						    : CH_TRAILER_VALUE;
		else if (http_req_tchar(c))
			trailer_name_byte(r, c);
		else
			chunk_fail(r, HTTP_R_BAD_CHUNK);
		break;
	case CH_TRAILER_VALUE:
		if (c == '\r')
			r->cst = CH_TRAILER_LF;
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			chunk_fail(r, HTTP_R_BAD_CHUNK);
		break;
	case CH_TRAILER_LF:
		r->cst = c == '\n' ? CH_TRAILER : chunk_fail(r, HTTP_R_BAD_CHUNK);
		break;
	case CH_END_LF:
		if (c != '\n')
			chunk_fail(r, HTTP_R_BAD_CHUNK);
		else
			r->st = ST_DONE;
		break;
	default:
		break;
	}
}

/*
 * Strict chunked framing: 1-16 hex digits, then ';' extensions (bounded)
 * or CRLF; data; CRLF; "0" CRLF, trailer lines (token name, colon, no
 * fold, counted against the head limit), CRLF. No SP or sign after the
 * size, no bare CR or LF anywhere, no overflow; body total bounded.
 */
size_t http_hyg_chunked(struct http_req *r, const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && r->st == ST_CHUNK) {
		unsigned char c = (unsigned char)buf[i];

		if (r->cst == CH_DATA) {
			size_t n = len - i < r->remaining ? len - i : (size_t)r->remaining;

			if (r->body_cb)
				r->body_cb(r->arg, buf + i, n);
			r->remaining -= n;
			i += n;
			if (!r->remaining)
				r->cst = CH_DATA_CR;
			continue;
		}
		if (r->cst >= CH_TRAILER && ++r->trailer_bytes > r->lim.max_head_bytes) {
			chunk_fail(r, HTTP_R_HEAD_TOO_LARGE);
			break;
		}
		if (r->cst == CH_SIZE || r->cst == CH_SIZE_MORE || r->cst == CH_EXT ||
		    r->cst == CH_SIZE_LF)
			chunk_size_byte(r, c);
		else
			chunk_tail_byte(r, c);
		if (r->st != ST_ERROR)
			i++;
	}
	return i;
}

static const char *const hop_by_hop[] = {
	"connection", "keep-alive", "proxy-connection", "te", "trailer",
	"transfer-encoding", "upgrade",
};

bool http_req_is_hop_by_hop(const struct http_req *r, const char *name, size_t len)
{
	struct http_span n = { name, len };
	const struct http_req_head *h = http_req_head(r);
	size_t i;

	for (i = 0; i < sizeof(hop_by_hop) / sizeof(hop_by_hop[0]); i++)
		if (http_req_span_ieq(n, hop_by_hop[i]))
			return true;
	return h && http_connection_lists(h->headers, h->nheaders, n);
}

bool http_connection_lists(const struct http_header *hdrs, unsigned n, struct http_span name)
{
	for (unsigned i = 0; i < n; i++) {
		struct http_span v = hdrs[i].value;
		size_t a = 0, b;

		if (!http_req_span_ieq(hdrs[i].name, "connection"))
			continue;
		while (a < v.len) {
			while (a < v.len && (v.p[a] == ' ' || v.p[a] == '\t' || v.p[a] == ','))
				a++;
			for (b = a; b < v.len && v.p[b] != ',' && v.p[b] != ' ' && v.p[b] != '\t'; b++)
				;
			if (b > a && b - a == name.len && strncasecmp(v.p + a, name.p, name.len) == 0)
				return true;
			a = b;
		}
	}
	return false;
}


static bool clean(const char *s)
{
	return s && !strpbrk(s, "\r\n");
}

int http_req_build_forward(const struct http_req *r, const struct http_fwd *f,
			   char *buf, size_t cap)
{
	static const char *const ours[] = {
		"x-forwarded-for", "x-real-ip", "x-forwarded-proto", "x-request-id",
	};
	const struct http_req_head *h = http_req_head(r);
	struct outbuf o = { buf, cap, 0, false };
	bool first_xff = true;
	unsigned i;
	size_t k;

	if (!h || !f || !clean(f->client_ip) || !clean(f->proto) || !clean(f->request_id) ||
	    (f->real_ip && !clean(f->real_ip)))
		return -EINVAL;
	for (i = 0; i < h->nheaders; i++) {
		const struct http_header *hd = &h->headers[i];
		bool skip = http_req_is_hop_by_hop(r, hd->name.p, hd->name.len);

		for (k = 0; k < sizeof(ours) / sizeof(ours[0]) && !skip; k++)
			skip = http_req_span_ieq(hd->name, ours[k]);
		if (skip)
			continue;
		outbuf_put(&o, hd->name.p, hd->name.len);
		outbuf_puts(&o, ": ");
		outbuf_put(&o, hd->value.p, hd->value.len);
		outbuf_puts(&o, "\r\n");
	}
	outbuf_puts(&o, "X-Forwarded-For: ");
	for (i = 0; f->trust_xff && i < h->nheaders; i++) {
		const struct http_header *hd = &h->headers[i];

		if (!http_req_span_ieq(hd->name, "x-forwarded-for") || !hd->value.len)
			continue;
		if (!first_xff)
			outbuf_puts(&o, ", ");
		outbuf_put(&o, hd->value.p, hd->value.len);
		first_xff = false;
	}
	if (!first_xff)
		outbuf_puts(&o, ", ");
	outbuf_puts(&o, f->client_ip);
	outbuf_puts(&o, "\r\nX-Real-IP: ");
	outbuf_puts(&o, f->real_ip ? f->real_ip : f->client_ip);
	outbuf_puts(&o, "\r\nX-Forwarded-Proto: ");
	outbuf_puts(&o, f->proto);
	outbuf_puts(&o, "\r\nX-Request-ID: ");
	outbuf_puts(&o, f->request_id);
	outbuf_puts(&o, "\r\n");
	if (h->body == HTTP_BODY_CHUNKED)
		outbuf_puts(&o, "Transfer-Encoding: chunked\r\n");
	if (o.full)
		return -ENOSPC;
	return (int)o.len;
}
