// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * HTTP/1 head lexer: byte scan, line split and header-field split for
 * both parsers. See http_head.h.
 */
#include <string.h>
#include <strings.h>

#include "http/http_head.h"

bool http_req_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool http_req_span_ieq(struct http_span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && strncasecmp(s.p, lit, n) == 0;
}

static bool ows(char c)
{
	return c == ' ' || c == '\t';
}

struct http_span http_span_trim(struct http_span s)
{
	while (s.len && ows(s.p[0]))
		s.p++, s.len--;
	while (s.len && ows(s.p[s.len - 1]))
		s.len--;
	return s;
}

bool http_span_token(struct http_span s)
{
	size_t i;

	for (i = 0; i < s.len; i++)
		if (!http_req_tchar((unsigned char)s.p[i]))
			return false;
	return s.len > 0;
}

void http_head_reset(struct http_head_buf *h)
{
	h->len = 0;
	h->first_line = true;
}

static enum http_head_ev scan_byte(const struct http_head_buf *h, unsigned char c)
{
	unsigned char prev = h->len ? (unsigned char)h->buf[h->len - 1] : 0;

	if (prev == '\r' && c != '\n')
		return HTTP_HEAD_BARE_CR;
	if (c == '\n' && prev != '\r')
		return HTTP_HEAD_BARE_LF;
	if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
		return HTTP_HEAD_CTL;
	if (h->len >= h->cap)
		return HTTP_HEAD_FULL;
	return HTTP_HEAD_MORE;
}

enum http_head_ev http_head_scan(struct http_head_buf *h, const void *in, size_t len,
				 size_t *used)
{
	const unsigned char *b = in;
	size_t i;

	for (i = 0; i < len; i++) {
		enum http_head_ev ev = scan_byte(h, b[i]);

		if (ev != HTTP_HEAD_MORE) {
			*used = i;
			return ev;
		}
		h->buf[h->len++] = (char)b[i];
		if (b[i] != '\n')
			continue;
		if (h->first_line) {
			h->first_line = false;	/* the start line cannot end the head */
			continue;
		}
		if (h->len >= 4 && memcmp(h->buf + h->len - 4, "\r\n\r\n", 4) == 0) {
			*used = i + 1;
			return HTTP_HEAD_END;
		}
	}
	*used = len;
	return HTTP_HEAD_MORE;
}

void http_head_lines_init(struct http_head_lines *it, const struct http_head_buf *h)
{
	it->p = h->buf;
	it->end = h->buf + h->len - 2;	/* the blank line's CRLF */
}

bool http_head_line(struct http_head_lines *it, struct http_span *line)
{
	const char *eol;

	if (it->p >= it->end)
		return false;
	eol = memmem(it->p, (size_t)(it->end - it->p) + 2, "\r\n", 2);
	line->p = it->p;
	line->len = (size_t)(eol - it->p);
	it->p = eol + 2;
	return true;
}

enum http_field_err http_head_field(struct http_span line, struct http_header *out)
{
	const char *p = line.p, *s = line.p, *eol = line.p + line.len;

	if (p < eol && ows(*p))
		return HTTP_FIELD_OBS_FOLD;
	while (p < eol && http_req_tchar((unsigned char)*p))
		p++;
	if (p < eol && ows(*p))
		return HTTP_FIELD_SPACE_BEFORE_COLON;
	if (p == s || p == eol || *p != ':')
		return HTTP_FIELD_BAD_NAME;
	out->name.p = s;
	out->name.len = (size_t)(p - s);
	out->value = http_span_trim((struct http_span){ p + 1, (size_t)(eol - p - 1) });
	return HTTP_FIELD_OK;
}
