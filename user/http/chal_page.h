/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * chal_page: what the browser challenge sends and reads, without the
 * connection: the page (self-contained HTML, the proof of work in a Web
 * Worker with Web Crypto, a plain-JS SHA-256 where Web Crypto is absent:
 * pages served over plain HTTP are not a secure context), the JSON
 * answer for API clients, the "send your form again" page after a POST,
 * and the parser of an answer's query string (t, n, r, p). The return
 * path is always a local path: never another site (open redirect).
 */
#ifndef AEGIS_CHAL_PAGE_H
#define AEGIS_CHAL_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "aegis/challenge.h"

#define CHAL_RETURN_MAX	2048	/* longer return paths fall back to "/" */

struct chal_page {
	const char *title, *text;	/* the host's; escaped here */
	const char *token;		/* proof-of-work token */
	unsigned difficulty;
	const char *nojs_token;		/* NULL: no no-JS fallback */
	unsigned nojs_wait_s;
	const char *ret;		/* return path (chal_return_ok) */
	bool post;			/* the challenged request was not a GET/HEAD */
};

/* Length written, or -ENOSPC. */
int chal_page_html(char *buf, size_t cap, const struct chal_page *p);
int chal_page_json(char *buf, size_t cap, const struct chal_page *p);
/* After a verified answer to a challenged POST: "send it again". */
int chal_page_resubmit(char *buf, size_t cap, const char *title, const char *ret);

/* The Content-Security-Policy the pages above need, and nothing more. */
extern const char chal_page_csp[];

struct chal_answer {
	const char *token, *nonce;	/* in the query; NULL if absent */
	size_t token_len, nonce_len;
	char ret[CHAL_RETURN_MAX + 1];	/* decoded and checked; "/" if absent or unsafe */
	bool post;
};

/* A query string into *a. 0, or -EINVAL for a duplicate or oversize key. */
int chal_answer_parse(const char *q, size_t len, struct chal_answer *a);

/* A local path: starts with one '/', no "//" or "/\" start, no controls. */
bool chal_return_ok(const char *s, size_t len);

#endif /* AEGIS_CHAL_PAGE_H */
