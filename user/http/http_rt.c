// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One HTTP proxy's shared runtime; see http_rt.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/adaptive.h"
#include "engine/balancer.h"
#include "http/breaker.h"
#include "guard/http_guard.h"
#include "http/http_rt.h"
#include "engine/proxy.h"
#include "http/router.h"
#include "guard/secevent.h"

static int route_create(struct proxy *px, const struct http_route *r, struct http_route_rt *rt,
			char *err, size_t len)
{
	const struct proxy_cfg *c = &px->cfg;
	const struct http_cfg *h = c->http;
	struct lb_params p = {
		.algo = proxy_lb_algo(r->algo),
		.slow_start_ns = (uint64_t)c->slow_start_ms * 1000000,
		.sticky = c->sticky,
		.sticky_ttl_ns = (uint64_t)c->sticky_ttl_s * 1000000000ull,
	};
	struct lb_target_conf *t = calloc(r->n_ups, sizeof(*t));
	int ret;

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_ups; i++) {
		proxy_sockaddr(&r->ups[i].addr, r->ups[i].port, &t[i].addr);
		t[i].weight = r->ups[i].weight ? r->ups[i].weight : 1;
	}
	rt->cfg = r;
	ret = lb_create(&rt->lb, &p, t, r->n_ups, err, len);
	free(t);
	if (!ret)
		ret = breaker_set_new(&rt->breakers, r->n_ups, h->breaker.failures,
				      h->breaker.open_ms, h->breaker.half_open);
	return ret;
}

/* Appends every route balancer to px->lbs: the health checker walks those. */
static int routes_create(struct proxy *px, struct http_rt *rt, char *err, size_t len)
{
	const struct http_cfg *h = rt->cfg;
	size_t total = 0, k = px->n_lbs;
	struct lb **lbs;
	int ret;

	for (size_t i = 0; i < h->n_hosts; i++)
		total += h->hosts[i].n_routes;
	lbs = realloc(px->lbs, (px->n_lbs + total) * sizeof(*lbs));
	rt->routes = calloc(h->n_hosts, sizeof(*rt->routes));
	if (!lbs || !rt->routes) {
		if (lbs)
			px->lbs = lbs;
		return -ENOMEM;
	}
	px->lbs = lbs;
	for (size_t i = 0; i < h->n_hosts; i++) {
		rt->routes[i] = calloc(h->hosts[i].n_routes, sizeof(**rt->routes));
		if (!rt->routes[i])
			return -ENOMEM;
		for (size_t j = 0; j < h->hosts[i].n_routes; j++) {
			ret = route_create(px, &h->hosts[i].routes[j], &rt->routes[i][j], err, len);
			if (rt->routes[i][j].lb)
				px->lbs[k++] = rt->routes[i][j].lb;
			px->n_lbs = k;
			if (ret)
				return ret;
		}
	}
	return 0;
}

int http_rt_create(struct proxy *px, char *err, size_t len)
{
	const struct http_cfg *h = px->cfg.http;
	struct http_rt *rt = calloc(1, sizeof(*rt));
	int ret;

	if (!rt)
		return -ENOMEM;
	rt->cfg = h;
	rt->events_fd = -1;
	px->http = rt;
	rt->rw.set = h->resp_set;
	rt->rw.n_set = h->n_resp_set;
	rt->rw.remove = (const char (*)[64])h->resp_remove;
	rt->rw.n_remove = h->n_resp_remove;
	ret = router_new(h, &rt->router);
	if (!ret)
		ret = routes_create(px, rt, err, len);
	if (!ret)
		ret = http_guard_new(h, &rt->guard, err, len);
	if (!ret && h->adaptive.p95_ms)
		ret = adaptive_new(&rt->adapt, h->adaptive.p95_ms, h->adaptive.min_factor,
				   h->adaptive.recover_ms);
	if (!ret) {
		rt->events_fd = secevent_open(h->events_path);
		if (rt->events_fd < 0) {
			ret = rt->events_fd;
			snprintf(err, len, "%s: security events %s: %s", px->cfg.name,
				 h->events_path, strerror(-ret));
		}
	}
	return ret;
}

#define LD(v) ((unsigned long long)atomic_load_explicit(&(v), memory_order_relaxed))

void http_rt_summary(const struct http_rt *rt, char *buf, size_t len)
{
	const struct http_stats *st = &rt->st;

	snprintf(buf, len, "%llu requests (1xx %llu, 2xx %llu, 3xx %llu, 4xx %llu, 5xx %llu, "
		 "no answer %llu), blocked %llu, flagged %llu, refused %llu, upstream errors %llu, "
		 "breaker refusals %llu, tunnels %llu, upstream connections reused %llu, new %llu",
		 LD(st->requests), LD(st->responses[1]), LD(st->responses[2]), LD(st->responses[3]),
		 LD(st->responses[4]), LD(st->responses[5]), LD(st->responses[0]), LD(st->blocked),
		 LD(st->flagged), LD(st->hygiene), LD(st->upstream_errors), LD(st->breaker_open),
		 LD(st->tunnels), LD(st->pool_reused), LD(st->pool_new));
}

/* The balancers belong to px->lbs, which the proxy frees. */
void http_rt_free(struct http_rt *rt)
{
	if (!rt)
		return;
	for (size_t i = 0; rt->routes && i < rt->cfg->n_hosts; i++) {
		for (size_t j = 0; rt->routes[i] && j < rt->cfg->hosts[i].n_routes; j++)
			breaker_set_free(rt->routes[i][j].breakers);
		free(rt->routes[i]);
	}
	free(rt->routes);
	router_free(rt->router);
	http_guard_free(rt->guard);
	adaptive_free(rt->adapt);
	if (rt->events_fd >= 0)
		secevent_close(rt->events_fd);
	free(rt);
}
