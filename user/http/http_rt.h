/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The shared runtime of one HTTP proxy (its application state, see
 * struct proxy_app_ops in engine/proxy.h): what every
 * worker reads while serving its requests and nothing writes but atomics.
 * Built from the proxy's http config when the proxy is created: the
 * router, one balancer and one set of circuit breakers per route (the
 * balancers are handed to the proxy with proxy_lb_add, so the health
 * checker probes them),
 * the detection guard, the adaptive rate, the security-event sink and
 * the response rewrite (security headers). Freed with the proxy.
 */
#ifndef AEGIS_HTTP_RT_H
#define AEGIS_HTTP_RT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/http_cfg.h"
#include "engine/proxy.h"
#include "http/http_resp.h"
#include "guard/http_guard.h"
#include "guard/waf.h"
#include "lib/histo.h"

struct proxy;
struct lb;
struct router;
struct http_guard;
struct adaptive;
struct breaker_set;
struct srccap;

/* The browser challenge on one host (relaxed atomics). */
struct http_chal_stats {
	atomic_uint_fast64_t pages, json;		/* challenges served */
	atomic_uint_fast64_t passed, nojs_passed;	/* clearance granted */
	atomic_uint_fast64_t failed[AEGIS_CHAL__COUNT];	/* answers refused, by result */
	struct histo solve;				/* issue to verified answer */
};

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
	atomic_uint_fast64_t src_refused;	/* clients.max_per_source */
	atomic_uint_fast64_t slow_readers;	/* clients.min_read_rate */
	atomic_uint_fast64_t mem_shed;		/* proxy_engine.http_memory */
	atomic_uint_fast64_t waf_class[WAF_CUSTOM + 1];	/* WAF decisions by the rule's class */
	struct histo lat_request;		/* first byte to response end */
	struct histo lat_upstream;		/* request sent to response head */
};

struct http_rt {
	const struct http_cfg *cfg;		/* the proxy's own copy */
	struct router *router;
	struct http_route_rt **routes;		/* [host][route] */
	struct http_guard *guard;
	struct adaptive *adapt;			/* NULL: adaptive rate off */
	struct srccap *src;			/* NULL: clients.max_per_source off */
	/* Responses by host (cfg->hosts order; [n_hosts]: no host matched)
	 * and status class, as http_stats.responses. */
	atomic_uint_fast64_t (*host_resp)[6];
	int *toggle_slot;			/* per host: its live switches (guard/toggles.h) */
	struct http_chal_stats *chal;		/* per host, [n_hosts]: no host matched */
	int events_fd;
	struct http_resp_rewrite rw;		/* security headers, removals */
	struct http_stats st;
};

/* The HTTP application (struct proxy_app_ops) proxies with an http
 * config get; http_proxy_register() registers it. */
extern const struct proxy_app_ops http_app;

/* addr is in http.trusted_proxies (its X-Forwarded-For is honoured). */
bool http_rt_trusts(const struct http_rt *rt, const struct aegis_addr *addr);

/* A snapshot of struct http_stats (relaxed reads), for metrics. */
struct http_counters {
	uint64_t requests, responses[6];	/* responses[n]: status n xx; [0]: none */
	uint64_t blocked, flagged, hygiene, upstream_errors, breaker_open;
	uint64_t tunnels, pool_reused, pool_new;
	uint64_t src_refused, slow_readers, mem_shed;
};
/* px's HTTP counters; false (out untouched) if px is no HTTP proxy. */
bool http_rt_counters(const struct proxy *px, struct http_counters *out);
/* px's guard decisions (stage x action) and WAF decisions by class
 * (waf[enum waf_class], [0]: unknown rule); false if px is no HTTP proxy. */
bool http_rt_guard(const struct proxy *px, struct http_guard_stats *g,
		   uint64_t waf[WAF_CUSTOM + 1]);
/* px's responses of host i (0..n_hosts-1, named by its first name;
 * n_hosts: no host matched, name "") by status class; false if px is no
 * HTTP proxy or i is past n_hosts. */
/* px's challenge counters of host i (as http_rt_host_responses); false if
 * px is no HTTP proxy or i is past n_hosts. */
struct http_chal_counters {
	uint64_t pages, json, passed, nojs_passed, failed[AEGIS_CHAL__COUNT];
	struct histo_snap solve;
};
bool http_rt_host_challenges(const struct proxy *px, size_t i, struct http_chal_counters *out,
			     const char **name);
bool http_rt_host_responses(const struct proxy *px, size_t i, uint64_t out[6],
			    const char **name);
/* px's latency histograms (request, upstream); false if px is no HTTP proxy. */
bool http_rt_latency(const struct proxy *px, struct histo_snap *request,
		     struct histo_snap *upstream);

/* The live-switch slot of the host cfg points at (-1: none). */
int http_rt_toggle_slot(const struct http_rt *rt, const struct http_host *host);
/* The name host i answers to in the API and metrics: its first name, or
 * "_default" for a default host without names. */
const char *http_rt_host_name(const struct http_cfg *cfg, size_t i);

/* For a WAF probe: px's compiled WAF (NULL: none, or px is no HTTP
 * proxy) and the host a request for host/path would be routed to. */
const struct waf *http_rt_waf(const struct proxy *px);
const struct http_host *http_rt_host_match(const struct proxy *px, const char *host,
					   size_t hlen, const char *path, size_t plen);

/* The runtime of an HTTP proxy (one whose application is http_app). */
static inline struct http_rt *http_rt_of(const struct proxy *px)
{
	return proxy_app_state(px);
}

#endif /* AEGIS_HTTP_RT_H */
