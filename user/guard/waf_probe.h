/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * waf_probe: one HTTP request, built from its parts or taken raw, parsed
 * by the proxy's own request parser and laid out as the WAF sees it
 * (struct waf_request), so "what would the rules say about this?" gets
 * the answer the live proxy would give. Used by `aegisctl waf test`
 * (offline, on the config's rules) and the API's POST /v1/waf/test (on
 * the running proxy's compiled rules).
 */
#ifndef AEGIS_WAF_PROBE_H
#define AEGIS_WAF_PROBE_H

#include <stddef.h>

#include "guard/waf.h"
#include "http/http_req.h"

#define WAF_PROBE_MAX_HDR	64

struct waf_probe_in {
	const char *method;		/* "GET" */
	const char *target;		/* "/path?query"; blanks and the like get %-encoded */
	const char *host;		/* Host header unless hdrs has one; NULL: localhost */
	const char *hdrs[WAF_PROBE_MAX_HDR];	/* "Name: value" */
	size_t n_hdrs;
	const char *body;		/* NULL: none */
	size_t body_len;
};

struct waf_probe;

/* From its parts. 0, or -errno with a sentence in err. */
int waf_probe_build(const struct waf_probe_in *in, struct waf_probe **out, char *err,
		    size_t errlen);
/* From raw bytes (taken over: freed with the probe). */
int waf_probe_raw(char *raw, size_t len, struct waf_probe **out, char *err, size_t errlen);
const struct waf_request *waf_probe_request(const struct waf_probe *p);
const struct http_req_head *waf_probe_head(const struct waf_probe *p);
void waf_probe_free(struct waf_probe *p);

#endif /* AEGIS_WAF_PROBE_H */
