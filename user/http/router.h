/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * router: picks the host and route of an HTTP request from its Host
 * header and normalised path, per struct http_cfg (http_cfg.h). Built
 * once per config, read-only afterwards (safe to share between threads),
 * no allocation per request.
 *
 * Host: exact names first, then wildcards ("*.x.org" matches a.x.org and
 * a.b.x.org, not x.org; the longest suffix wins), then the default host.
 * Case, a trailing dot and a :port are ignored; IPv6 literals come in
 * brackets and match in any spelling. Route: the longest prefix that
 * matches on a segment boundary ("/api" matches /api, /api/ and /api/x,
 * not /apix; a prefix ending in '/' matches anything under it).
 */
#ifndef AEGIS_ROUTER_H
#define AEGIS_ROUTER_H

#include <stddef.h>

#include "config/http_cfg.h"

struct router;

/* 0 or -ENOMEM. The router points into h, which must outlive it. */
int router_new(const struct http_cfg *h, struct router **out);
void router_free(struct router *r);

/*
 * host: the Host header value (len 0 = absent). path: the normalised
 * path. Returns the host (the default host when no name matches; NULL
 * when none and no default) and sets *route (NULL when no prefix matches
 * or no host), *host_index and *route_index (each may be NULL; set to
 * SIZE_MAX when there is nothing to index).
 */
const struct http_host *router_match(const struct router *r, const char *host,
				     size_t host_len, const char *path, size_t path_len,
				     const struct http_route **route, size_t *host_index,
				     size_t *route_index);

#endif /* AEGIS_ROUTER_H */
