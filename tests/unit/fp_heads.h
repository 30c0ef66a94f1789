/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Realistic request heads (header names and order as the clients send
 * them over HTTP/1.1) for the fingerprint and guard tests. */
#ifndef TESTS_UNIT_FP_HEADS_H
#define TESTS_UNIT_FP_HEADS_H

#include <string.h>

#include "http/http_req.h"

#define FPH_MAX 24

struct fph {
	struct http_req_head h;
	struct http_header hdr[FPH_MAX];
};

/* kv: name, value, name, value, ..., NULL. */
static inline void fph_build(struct fph *r, const char *method, const char *path,
			     const char *const *kv)
{
	memset(r, 0, sizeof(*r));
	r->h.method = (struct http_span){ method, strlen(method) };
	r->h.path = r->h.norm_path = r->h.target = (struct http_span){ path, strlen(path) };
	r->h.query = (struct http_span){ "", 0 };
	r->h.version_major = 1;
	r->h.version_minor = 1;
	for (unsigned i = 0; kv[2 * i] && i < FPH_MAX; i++) {
		r->hdr[i].name = (struct http_span){ kv[2 * i], strlen(kv[2 * i]) };
		r->hdr[i].value = (struct http_span){ kv[2 * i + 1], strlen(kv[2 * i + 1]) };
		if (strcasecmp(kv[2 * i], "host") == 0)
			r->h.host = r->hdr[i].value;
		r->h.nheaders = i + 1;
	}
	r->h.headers = r->hdr;
}

#define UA_CHROME "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
#define UA_FIREFOX "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"

static const char *const FPH_CHROME[] = {
	"Host", "example.com", "Connection", "keep-alive",
	"sec-ch-ua", "\"Chromium\";v=\"124\"", "sec-ch-ua-mobile", "?0",
	"sec-ch-ua-platform", "\"Linux\"", "Upgrade-Insecure-Requests", "1",
	"User-Agent", UA_CHROME,
	"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
	"Sec-Fetch-Site", "none", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-User", "?1",
	"Sec-Fetch-Dest", "document", "Accept-Encoding", "gzip, deflate, br, zstd",
	"Accept-Language", "en-US,en;q=0.9", NULL,
};

static const char *const FPH_FIREFOX[] = {
	"Host", "example.com", "User-Agent", UA_FIREFOX,
	"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
	"Accept-Language", "en-US,en;q=0.5", "Accept-Encoding", "gzip, deflate, br",
	"Connection", "keep-alive", "Upgrade-Insecure-Requests", "1",
	"Sec-Fetch-Dest", "document", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Site", "none",
	"Sec-Fetch-User", "?1", NULL,
};

static const char *const FPH_CURL[] = {
	"Host", "example.com", "User-Agent", "curl/7.88.1", "Accept", "*/*", NULL,
};

static const char *const FPH_PY_REQUESTS[] = {
	"Host", "example.com", "User-Agent", "python-requests/2.31.0",
	"Accept-Encoding", "gzip, deflate", "Accept", "*/*", "Connection", "keep-alive", NULL,
};

/* A python script that borrowed Chrome's User-Agent and nothing else. */
static const char *const FPH_PY_FAKE_CHROME[] = {
	"Host", "example.com", "User-Agent", UA_CHROME,
	"Accept-Encoding", "gzip, deflate", "Accept", "*/*", "Connection", "keep-alive", NULL,
};

static const char *const FPH_BARE[] = { "Host", "example.com", NULL };

#endif
