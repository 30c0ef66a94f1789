/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The HTTP/1 head lexer shared by the request (http_req.c) and response
 * (http_resp.c) parsers: the byte scan that accumulates a head (CRLF
 * only, no control bytes but HTAB, bounded, stops right after CRLFCRLF),
 * the split of a complete head into lines, and the split of a header
 * line into a token name and an OWS-trimmed value. What a line means
 * (request line, status line, framing) stays with each parser.
 */
#ifndef AEGIS_HTTP_HEAD_H
#define AEGIS_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>

struct http_span {
	const char *p;
	size_t len;
};

struct http_header {
	struct http_span name;	/* as received (case preserved) */
	struct http_span value;	/* OWS trimmed */
};

/* RFC 9110 tchar (header names, methods, codings). */
bool http_req_tchar(unsigned char c);
/* Case-insensitive equality of a span and a string. */
bool http_req_span_ieq(struct http_span s, const char *lit);
/* s without leading and trailing SP and HTAB. */
struct http_span http_span_trim(struct http_span s);
/* A non-empty run of tchar. */
bool http_span_token(struct http_span s);

/* A head being accumulated: buf (cap bytes) is the caller's. */
struct http_head_buf {
	char *buf;
	size_t cap;
	size_t len;
	bool first_line;	/* no LF seen yet */
};

enum http_head_ev {
	HTTP_HEAD_MORE = 0,	/* all input taken, the head goes on */
	HTTP_HEAD_END,		/* CRLFCRLF taken: buf holds the whole head */
	HTTP_HEAD_BARE_CR,	/* CR not followed by LF */
	HTTP_HEAD_BARE_LF,	/* LF not preceded by CR */
	HTTP_HEAD_CTL,		/* control byte other than HTAB, CR, LF; DEL */
	HTTP_HEAD_FULL,		/* the head does not fit in cap */
};

/* Empties the buffer for the next head. */
void http_head_reset(struct http_head_buf *h);
/*
 * Appends in[0..len) to the head byte by byte with the checks above
 * (they close CVE-2023-30589 and bare-LF desyncs). *used is the bytes
 * taken: all of them on MORE, up to the end of the head on END (body
 * bytes stay in the caller's buffer), up to the offending byte (not
 * taken) on an error.
 */
enum http_head_ev http_head_scan(struct http_head_buf *h, const void *in, size_t len,
				 size_t *used);

/* The lines of a complete head (one that http_head_scan() ended). */
struct http_head_lines {
	const char *p, *end;
};

void http_head_lines_init(struct http_head_lines *it, const struct http_head_buf *h);
/* The next line without its CRLF, the start line first; false after the
 * last header line (the blank line is not returned). */
bool http_head_line(struct http_head_lines *it, struct http_span *line);

enum http_field_err {
	HTTP_FIELD_OK = 0,
	HTTP_FIELD_OBS_FOLD,		/* line starts with SP or HTAB */
	HTTP_FIELD_SPACE_BEFORE_COLON,	/* token name, then whitespace */
	HTTP_FIELD_BAD_NAME,		/* empty or non-token name, no colon */
};

/* "name: value": token name, colon right after it, value OWS-trimmed. */
enum http_field_err http_head_field(struct http_span line, struct http_header *out);

#endif /* AEGIS_HTTP_HEAD_H */
