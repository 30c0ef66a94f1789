/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Upstream response side of the HTTP proxy: one struct http_resp per
 * upstream connection, reused across keep-alive responses. It owns the
 * response framing (where each message ends), the head rewrite sent to
 * the client, the reason-phrase table and the JSON error responses.
 *
 * As on the request side (http_req.h), the head is buffered (bounded),
 * scanned byte by byte (no bare CR or LF, no control bytes) and line by
 * line (strict status line, token header names, one Content-Length,
 * Transfer-Encoding only with chunked last, never both) before llhttp
 * parses it; llhttp's view must agree with ours. Body bytes are not
 * copied: the caller forwards them raw, llhttp only finds their end.
 *
 * Lifecycle of one response:
 *   http_resp_start(r, method of the request)
 *   HTTP_RESP_MORE   all input used, feed more;
 *   HTTP_RESP_HEAD   head complete, *used = bytes up to and including the
 *                    blank line; accessors are valid; send
 *                    http_resp_build_head() instead of those bytes and
 *                    keep feeding the rest (a feed of len 0 is fine);
 *   HTTP_RESP_MORE   body continues, *used = len: forward all of it;
 *   HTTP_RESP_DONE   message complete, *used = bytes up to its exact end
 *                    (0 for a bodiless response fed right after HEAD).
 *                    Sticky until http_resp_start(); bytes after *used are
 *                    the next response's (or, after a 101, the tunnel's);
 *   HTTP_RESP_ERROR  sticky for the connection (http_resp_start does not
 *                    clear it): answer 502, drop the upstream connection.
 * 1xx interim responses are complete messages of their own (HEAD, DONE);
 * forward them and call http_resp_start() again for the final response.
 * A body delimited by EOF ends only through http_resp_eof().
 *
 * Views (struct http_header) point into the head buffer and stay valid
 * until the next http_resp_start() or http_resp_free().
 */
#ifndef AEGIS_HTTP_RESP_H
#define AEGIS_HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/http_cfg.h"
#include "http/http_req.h"

#define HTTP_RESP_DEF_MAX_HEAD	(64u << 10)
#define HTTP_RESP_MAX_HEADERS	256	/* header field lines in one head */

enum http_resp_ev {
	HTTP_RESP_MORE = 0,
	HTTP_RESP_HEAD,
	HTTP_RESP_DONE,
	HTTP_RESP_ERROR,
};

struct http_resp;

/* max_head 0: HTTP_RESP_DEF_MAX_HEAD. NULL on ENOMEM. */
struct http_resp *http_resp_new(size_t max_head);
void http_resp_free(struct http_resp *r);

/* Before each response: req_method_bit is the request's HTTP_M_* (HEAD:
 * no body; CONNECT with 2xx: tunnel). Bytes fed before the first start
 * are an error (an upstream talking unasked). */
void http_resp_start(struct http_resp *r, unsigned req_method_bit);

enum http_resp_ev http_resp_feed(struct http_resp *r, const void *buf, size_t len,
				 size_t *used);

/* The upstream closed: true if that cleanly ends the current message
 * (a body delimited by EOF), which then counts as DONE. */
bool http_resp_eof(struct http_resp *r);

/* "" when there is no error; static text otherwise. */
const char *http_resp_error_text(const struct http_resp *r);

/* Valid after HTTP_RESP_HEAD (status 0, false, NULL before). */
int http_resp_status(const struct http_resp *r);
/* false for an EOF-delimited body, Connection: close, HTTP/1.0 without
 * keep-alive, 101 and CONNECT tunnels. */
bool http_resp_keep_alive(const struct http_resp *r);
/* The body ends when the upstream closes (no length, not chunked): the
 * client needs a close too (http_resp_build_head adds Connection: close). */
bool http_resp_eof_body(const struct http_resp *r);
/* 101 Switching Protocols, or 2xx to CONNECT: raw tunnel after DONE. */
bool http_resp_upgrade(const struct http_resp *r);
const struct http_header *http_resp_headers(const struct http_resp *r, unsigned *n);

struct http_resp_rewrite {
	const struct http_resp_header *set;	/* added; replace same-name upstream headers */
	size_t n_set;
	const char (*remove)[64];		/* names dropped, case-insensitive */
	size_t n_remove;
	bool close;				/* add "Connection: close" */
};

/*
 * The head to send to the client: "HTTP/1.1 <code> <reason as received>",
 * the upstream headers minus hop-by-hop ones (Connection, Keep-Alive,
 * Proxy-Connection, TE, Trailer, Upgrade; a 101 keeps Upgrade and gets
 * "Connection: upgrade"), minus names the upstream's Connection header
 * lists, minus rw->remove; then rw->set; then "Connection: close" when
 * rw->close or when the body ends at EOF (the client needs the close to
 * see the end). Content-Length and Transfer-Encoding are never removed:
 * the body goes out raw. rw may be NULL. Returns the length, -ENOSPC, or
 * -EINVAL (no head; a set header that is not a token name, has CR/LF, or
 * names Content-Length, Transfer-Encoding or Connection).
 */
int http_resp_build_head(const struct http_resp *r, const struct http_resp_rewrite *rw,
			 char *buf, size_t cap);

/* "%zx\r\n" for re-chunking a decoded request body: length or -ENOSPC. */
int http_chunk_head(char *buf, size_t cap, size_t len);

/* Reason phrase (RFC 9110); "Unknown" for codes not in the table. */
const char *http_status_text(int status);

/*
 * A complete JSON error response for a 4xx/5xx status in the table:
 * status line, Content-Type: application/json, Content-Length,
 * Cache-Control: no-store, Retry-After when retry_after_s > 0, rw->set
 * (entries naming those headers are skipped: the error's own win),
 * "Connection: close" when rw->close, then the body
 * {"error":"<reason>","status":N,"request_id":"<id>","retry_after":N}
 * (request_id omitted when NULL, retry_after when 0). Returns the length,
 * -ENOSPC, or -EINVAL (other status, request_id with '"', '\\' or
 * control bytes, bad set header as for http_resp_build_head).
 */
int http_resp_error(char *buf, size_t cap, int status, const char *request_id,
		    uint32_t retry_after_s, const struct http_resp_rewrite *rw);

/* A response aegisd writes itself (the challenge page, its redirects). */
struct http_local_resp {
	int status;			/* in the status table */
	const char *content_type;	/* NULL: no body */
	const char *headers;		/* extra "Name: value\r\n" lines, or NULL */
	const char *body;
	size_t body_len;
};

/*
 * Status line, Content-Type, Content-Length, Cache-Control: no-store,
 * lr->headers, rw->set minus the names we set, Connection: close if
 * rw->close, then the body. Length, -EINVAL or -ENOSPC.
 */
int http_resp_local(char *buf, size_t cap, const struct http_local_resp *lr,
		    const struct http_resp_rewrite *rw);

#endif /* AEGIS_HTTP_RESP_H */
