/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The shared runtime of one HTTP proxy (struct proxy.http): what every
 * worker reads while serving its requests and nothing writes but atomics.
 * Built from the proxy's http config when the proxy is created: the
 * router, one balancer and one set of circuit breakers per route (the
 * balancers also sit in proxy.lbs, so the health checker probes them),
 * the detection guard, the adaptive rate, the security-event sink and
 * the response rewrite (security headers). Freed with the proxy.
 */
#ifndef AEGIS_HTTP_RT_H
#define AEGIS_HTTP_RT_H

#include <stdatomic.h>
#include <stddef.h>

#include "config/http_cfg.h"
#include "http/http_resp.h"

struct proxy;
struct lb;
struct router;
struct http_guard;
struct adaptive;
struct breaker_set;

struct http_route_rt {
	const struct http_route *cfg;
	struct lb *lb;
	struct breaker_set *breakers;	/* one per upstream of the route */
};

/* Request and response counters (relaxed atomics). */
struct http_stats {
	atomic_uint_fast64_t requests, responses[6];	/* responses[n]: status n xx; [0]: none */
	atomic_uint_fast64_t blocked, flagged, hygiene, upstream_errors, breaker_open;
	atomic_uint_fast64_t tunnels, pool_reused, pool_new;
};

struct http_rt {
	const struct http_cfg *cfg;		/* the proxy's own copy */
	struct router *router;
	struct http_route_rt **routes;		/* [host][route] */
	struct http_guard *guard;
	struct adaptive *adapt;			/* NULL: adaptive rate off */
	int events_fd;
	struct http_resp_rewrite rw;		/* security headers, removals */
	struct http_stats st;
};

/* One line of the counters since the proxy started, for its drain log. */
void http_rt_summary(const struct http_rt *rt, char *buf, size_t len);

/* Builds px->http from px->cfg.http and appends the route balancers to
 * px->lbs. 0, or -errno with err set. */
int http_rt_create(struct proxy *px, char *err, size_t len);
void http_rt_free(struct http_rt *rt);

#endif /* AEGIS_HTTP_RT_H */
