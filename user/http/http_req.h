/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * HTTP/1.1 request parser and hygiene layer for the HTTP proxy: one
 * struct http_req per client connection, fed bytes in arbitrary chunks.
 *
 * Why our own checks in front of llhttp: Debian's llhttp is 8.1.0, which
 * accepts bare CR as a line end (CVE-2023-30589) and other lenient
 * framings that let a front end and a back end disagree about where a
 * request ends (smuggling). So the head is buffered here (bounded: llhttp
 * does not bound it), scanned byte by byte and line by line with strict
 * RFC 9112 rules, and only then handed to llhttp, whose view must agree
 * with ours. Every rejection happens before any upstream could see a byte
 * and carries a reason code, an HTTP status and a short text.
 *
 * Lifecycle of one request (pipelined requests are handled one at a time):
 *   HTTP_FEED_MORE   all input used, send more;
 *   HTTP_FEED_HEAD   head complete and clean (llhttp paused in
 *                    on_headers_complete): route with http_req_head(),
 *                    then keep feeding the bytes after *used for the body;
 *   HTTP_FEED_DONE   message complete: the body callback has seen every
 *                    body byte. The parser stays paused (feed uses nothing)
 *                    until http_req_next(); bytes after *used belong to the
 *                    next request (or to the tunnel after an upgrade);
 *   HTTP_FEED_ERROR  sticky: answer http_reason_status() and close.
 * Body bytes are never buffered: they go to the body callback as spans of
 * the caller's input (chunked framing removed, strictly validated).
 *
 * Views (struct http_span) point into the parser's head buffer and stay
 * valid until http_req_next() or http_req_free().
 */
#ifndef AEGIS_HTTP_REQ_H
#define AEGIS_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http_head.h"

/* Methods for the allow-list (struct http_req_limits.methods). */
enum {
	HTTP_M_GET	= 1u << 0,
	HTTP_M_HEAD	= 1u << 1,
	HTTP_M_POST	= 1u << 2,
	HTTP_M_PUT	= 1u << 3,
	HTTP_M_DELETE	= 1u << 4,
	HTTP_M_PATCH	= 1u << 5,
	HTTP_M_OPTIONS	= 1u << 6,
	HTTP_M_CONNECT	= 1u << 7,
	HTTP_M_TRACE	= 1u << 8,
};
#define HTTP_M_DEFAULT	(HTTP_M_GET | HTTP_M_HEAD | HTTP_M_POST | HTTP_M_PUT | \
			 HTTP_M_DELETE | HTTP_M_PATCH | HTTP_M_OPTIONS)

struct http_req_limits {
	size_t max_head_bytes;	/* request line + headers + CRLFs; trailers too (431) */
	unsigned max_headers;	/* header field lines (431) */
	size_t max_uri;		/* request-target bytes (414) */
	uint64_t max_body;	/* decoded body bytes (413) */
	unsigned methods;	/* HTTP_M_* allowed; others 405, unknown 501 */
};
#define HTTP_DEF_MAX_HEAD	16384
#define HTTP_DEF_MAX_HEADERS	100
#define HTTP_DEF_MAX_URI	4096
#define HTTP_DEF_MAX_BODY	(8ull << 20)

/* Fills the defaults above. */
void http_req_limits_default(struct http_req_limits *l);

/* Why a request was refused: one code per check. */
enum http_reason {
	HTTP_R_NONE = 0,
	HTTP_R_HEAD_TOO_LARGE,		/* 431 */
	HTTP_R_TOO_MANY_HEADERS,	/* 431 */
	HTTP_R_URI_TOO_LONG,		/* 414 */
	HTTP_R_BODY_TOO_LARGE,		/* 413 */
	HTTP_R_METHOD_NOT_ALLOWED,	/* 405 */
	HTTP_R_METHOD_UNKNOWN,		/* 501 */
	HTTP_R_BARE_CR,			/* 400: CR not followed by LF */
	HTTP_R_BARE_LF,			/* 400: LF not preceded by CR */
	HTTP_R_CTL_BYTE,		/* 400: NUL or other control byte in the head */
	HTTP_R_OBS_FOLD,		/* 400: line starting with SP/HTAB */
	HTTP_R_BAD_REQUEST_LINE,	/* 400 */
	HTTP_R_BAD_VERSION,		/* 400: not HTTP/1.0 or HTTP/1.1 */
	HTTP_R_BAD_HEADER_NAME,		/* 400: empty, non-token, no colon */
	HTTP_R_SPACE_BEFORE_COLON,	/* 400: "Content-Length : 5" */
	HTTP_R_CL_AND_TE,		/* 400 */
	HTTP_R_DUP_CL,			/* 400: two headers or a list */
	HTTP_R_BAD_CL,			/* 400: not 1*DIGIT or too large */
	HTTP_R_TE_LIST,			/* 400: several codings or TE headers */
	HTTP_R_BAD_TE,			/* 400: not a token */
	HTTP_R_TE_UNSUPPORTED,		/* 501: a single coding other than chunked */
	HTTP_R_TE_HTTP10,		/* 400: Transfer-Encoding in HTTP/1.0 */
	HTTP_R_HOST_MISSING,		/* 400 (HTTP/1.1) */
	HTTP_R_HOST_DUP,		/* 400 */
	HTTP_R_HOST_INVALID,		/* 400 */
	HTTP_R_AUTHORITY_MISMATCH,	/* 400: absolute-form authority != Host */
	HTTP_R_BAD_TARGET,		/* 400 */
	HTTP_R_BAD_PERCENT,		/* 400: bad %XX, %00, too deeply encoded */
	HTTP_R_PATH_TRAVERSAL,		/* 400: escapes root or hidden dot segment */
	HTTP_R_BAD_CHUNK,		/* 400: chunk size or framing */
	HTTP_R_CHUNK_EXT,		/* 400: chunk extensions too long */
	HTTP_R_TRAILER_FRAMING,		/* 400: Content-Length or Transfer-Encoding in a trailer */
	HTTP_R_PARSE,			/* 400: llhttp refused or disagreed */
	HTTP_R__COUNT
};

int http_reason_status(enum http_reason r);
const char *http_reason_text(enum http_reason r);	/* short, static */

enum http_body_kind {
	HTTP_BODY_NONE = 0,
	HTTP_BODY_LENGTH,	/* Content-Length */
	HTTP_BODY_CHUNKED,	/* Transfer-Encoding: chunked */
};

/* The parsed head, read-only, valid after HTTP_FEED_HEAD. */
struct http_req_head {
	struct http_span method;
	struct http_span target;	/* raw request-target */
	struct http_span path;		/* raw path part (absolute-form: after authority) */
	struct http_span query;		/* after '?', without it; len 0 if none */
	struct http_span norm_path;	/* percent-decoded, dot segments removed */
	struct http_span host;		/* Host value; len 0 if absent (HTTP/1.0) */
	unsigned method_bit;		/* HTTP_M_* */
	int version_major, version_minor;
	const struct http_header *headers;
	unsigned nheaders;
	enum http_body_kind body;
	uint64_t content_length;	/* HTTP_BODY_LENGTH only */
	bool absolute_form;
	bool keep_alive;		/* llhttp_should_keep_alive() */
	bool upgrade;			/* Upgrade (or CONNECT): tunnel after the response */
};

enum http_feed {
	HTTP_FEED_MORE = 0,
	HTTP_FEED_HEAD,
	HTTP_FEED_DONE,
	HTTP_FEED_ERROR,
};

struct http_req;

/* Body bytes, in order; p points into the caller's input. */
typedef void (*http_body_cb)(void *arg, const char *p, size_t len);

/* limits NULL: defaults. body_cb may be NULL (body discarded). NULL on ENOMEM. */
struct http_req *http_req_new(const struct http_req_limits *limits,
			      http_body_cb body_cb, void *arg);
void http_req_free(struct http_req *r);

/*
 * Consumes a prefix of buf; *used says how much (the rest must be fed
 * again later). Returns the event described at the top of this file.
 */
enum http_feed http_req_feed(struct http_req *r, const void *buf, size_t len,
			     size_t *used);

/* After HTTP_FEED_DONE: forget the request, ready for the next one. */
void http_req_next(struct http_req *r);

/* The head (NULL before HTTP_FEED_HEAD or after an error). */
const struct http_req_head *http_req_head(const struct http_req *r);
enum http_reason http_req_error(const struct http_req *r);

/* http_req_tchar() and http_req_span_ieq() come with the head lexer. */
/* True if a Connection header among hdrs[0..n) lists name (shared with
 * the response side: both strip what Connection names). */
bool http_connection_lists(const struct http_header *hdrs, unsigned n, struct http_span name);

/* Case-insensitive lookup: the first header with that name, or NULL. */
const struct http_header *http_req_header(const struct http_req *r, const char *name);

/*
 * True for the hop-by-hop headers the proxy strips: Connection,
 * Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade,
 * and every name listed in this request's Connection headers.
 */
bool http_req_is_hop_by_hop(const struct http_req *r, const char *name, size_t len);

/* What the proxy adds when forwarding. */
struct http_fwd {
	const char *client_ip;	/* peer address (or PROXY protocol source) */
	const char *real_ip;	/* X-Real-IP: the client found via trusted proxies; NULL: client_ip */
	const char *proto;	/* "http" or "https" */
	const char *request_id;	/* X-Request-ID value */
	bool trust_xff;		/* peer is a trusted proxy: append to its X-Forwarded-For */
};

/*
 * Writes the header field lines to send upstream into buf (each ending in
 * CRLF, no final empty line, not NUL-terminated): every header except the
 * hop-by-hop ones and the four below, then X-Forwarded-For (the received
 * chain plus client_ip if trust_xff, else client_ip alone), X-Real-IP,
 * X-Forwarded-Proto, X-Request-ID, and "Transfer-Encoding: chunked" for a
 * chunked body (the proxy re-chunks the decoded body). Returns the
 * length, -ENOSPC, or -EINVAL (no head, or a value with CR/LF).
 */
int http_req_build_forward(const struct http_req *r, const struct http_fwd *f,
			   char *buf, size_t cap);

#endif /* AEGIS_HTTP_REQ_H */
