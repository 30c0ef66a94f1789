/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internals of struct http_req shared by http_req.c (feeding, llhttp,
 * body framing) and http_req_hygiene.c (the strict head checks, target
 * normalisation, hop-by-hop and forwarding helpers). Nothing else may
 * include this file.
 */
#ifndef AEGIS_HTTP_REQ_PRIV_H
#define AEGIS_HTTP_REQ_PRIV_H

#include <llhttp.h>

#include "http/http_head.h"
#include "http/http_req.h"

enum http_state {
	ST_HEAD = 0,	/* accumulating and scanning the head */
	ST_HEAD_DONE,	/* HTTP_FEED_HEAD returned; body (if any) next */
	ST_BODY_LEN,	/* Content-Length body */
	ST_CHUNK,	/* chunked body, see enum chunk_state */
	ST_DONE,	/* paused until http_req_next() */
	ST_ERROR,	/* sticky */
};

enum chunk_state {
	CH_SIZE = 0,	/* first hex digit expected */
	CH_SIZE_MORE,	/* more hex digits, ';' or CR */
	CH_EXT,		/* chunk extension bytes until CR */
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER,	/* start of a trailer line or the final CRLF */
	CH_TRAILER_NAME,
	CH_TRAILER_VALUE,
	CH_TRAILER_LF,
	CH_END_LF,
};

#define HTTP_CHUNK_EXT_LINE	256	/* extension bytes in one size line */
#define HTTP_CHUNK_EXT_TOTAL	4096	/* extension bytes in one message */
#define HTTP_CHUNK_DIGITS	16	/* hex digits in a chunk size */

struct http_req {
	struct http_req_limits lim;
	http_body_cb body_cb;
	void *arg;

	enum http_state st;
	enum http_reason err;

	/* Head buffer (lim.max_head_bytes), owned; views point into it. */
	struct http_head_buf head;

	/* Header views as llhttp reported them, and as our scan found them. */
	struct http_header *hdrs;
	unsigned nhdrs;
	struct http_header *pre;
	unsigned npre;
	bool in_value;		/* llhttp: last span was a value */

	char *norm;		/* normalised path (lim.max_uri + 1) */
	char *scratch;		/* decoding scratch (lim.max_uri + 1) */

	struct http_req_head h;

	llhttp_t lp;
	llhttp_settings_t ls;
	struct http_span l_method, l_url, l_version;

	/* Body framing (ours, strict). */
	uint64_t remaining;	/* CL bytes or chunk data left */
	uint64_t body_total;
	enum chunk_state cst;
	unsigned cdigits;
	size_t ext_line, ext_total, trailer_bytes;
	char tname[20];		/* a trailer's name so far, lower case */
	size_t tname_len;
	bool line_checked;	/* the request line passed before the head ended */
};

/* Line-level scan of the complete head in r->buf and every semantic
 * check; fills r->pre and the r->h fields that do not come from llhttp. */
enum http_reason http_hyg_head(struct http_req *r);
/* The request line alone (also run on it as soon as it is complete). */
enum http_reason http_hyg_request_line(struct http_req *r, struct http_span line);

/* Strict chunked-body framing over buf; body spans go to the callback.
 * Returns bytes used; sets r->st to ST_DONE or ST_ERROR when it ends. */
size_t http_hyg_chunked(struct http_req *r, const char *buf, size_t len);


#endif /* AEGIS_HTTP_REQ_PRIV_H */
