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
#include "http/http_buf.h"
#include "http/http_rt.h"
#include "engine/proxy.h"
#include "engine/srccap.h"
#include "http/router.h"
#include "guard/secevent.h"
#include "guard/toggles.h"

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
	if (!ret && proxy_lb_add(px, rt->lb)) {
		rt->lb = NULL;
		ret = -ENOMEM;
	}
	if (!ret)
		ret = breaker_set_new(&rt->breakers, r->n_ups, h->breaker.failures,
				      h->breaker.open_ms, h->breaker.half_open);
	return ret;
}

/* Hands every route balancer to the proxy: the health checker walks those. */
static int routes_create(struct proxy *px, struct http_rt *rt, char *err, size_t len)
{
	const struct http_cfg *h = rt->cfg;
	int ret;

	rt->routes = calloc(h->n_hosts, sizeof(*rt->routes));
	if (!rt->routes)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_hosts; i++) {
		rt->routes[i] = calloc(h->hosts[i].n_routes, sizeof(**rt->routes));
		if (!rt->routes[i])
			return -ENOMEM;
		for (size_t j = 0; j < h->hosts[i].n_routes; j++) {
			ret = route_create(px, &h->hosts[i].routes[j], &rt->routes[i][j], err, len);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static void http_rt_free(void *state);

const char *http_rt_host_name(const struct http_cfg *cfg, size_t i)
{
	return cfg->hosts[i].n_names ? cfg->hosts[i].names[0] : "_default";
}

static int toggle_slots(struct proxy *px, struct http_rt *rt, char *err, size_t len)
{
	const struct http_cfg *h = rt->cfg;

	rt->toggle_slot = calloc(h->n_hosts + 1, sizeof(*rt->toggle_slot));
	if (!rt->toggle_slot)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_hosts; i++) {
		rt->toggle_slot[i] = toggles_host_slot(px->cfg.name, http_rt_host_name(h, i));
		if (rt->toggle_slot[i] < 0) {
			snprintf(err, len, "%s: more than %d hosts in all proxies", px->cfg.name,
				 TOGGLES_MAX_HOSTS);
			return -ENOSPC;
		}
	}
	return 0;
}

int http_rt_toggle_slot(const struct http_rt *rt, const struct http_host *host)
{
	if (!host || !rt->toggle_slot || host < rt->cfg->hosts || host >= rt->cfg->hosts + rt->cfg->n_hosts)
		return -1;
	return rt->toggle_slot[host - rt->cfg->hosts];
}

static int http_rt_create(struct proxy *px, void **state, char *err, size_t len)
{
	const struct http_cfg *h = px->cfg.http;
	struct http_rt *rt = calloc(1, sizeof(*rt));
	int ret;

	if (!rt)
		return -ENOMEM;
	rt->cfg = h;
	rt->events_fd = -1;
	rt->rw.set = h->resp_set;
	rt->rw.n_set = h->n_resp_set;
	rt->rw.remove = (const char (*)[64])h->resp_remove;
	rt->rw.n_remove = h->n_resp_remove;
	rt->host_resp = calloc(h->n_hosts + 1, sizeof(*rt->host_resp));
	rt->chal = calloc(h->n_hosts + 1, sizeof(*rt->chal));
	ret = rt->host_resp && rt->chal ? toggle_slots(px, rt, err, len) : -ENOMEM;
	if (!ret)
		ret = router_new(h, &rt->router);
	if (!ret)
		ret = routes_create(px, rt, err, len);
	if (!ret)
		ret = http_guard_new(h, &rt->guard, err, len);
	if (!ret && h->clients.max_per_source && !(rt->src = srccap_new(h->clients.max_per_source)))
		ret = -ENOMEM;
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
	if (ret)
		http_rt_free(rt);
	else
		*state = rt;
	return ret;
}

bool http_rt_trusts(const struct http_rt *rt, const struct aegis_addr *addr)
{
	for (size_t i = 0; i < rt->cfg->n_trusted; i++)
		if (addr_in_cidr(addr, &rt->cfg->trusted[i]))
			return true;
	return false;
}

#define LD(v) ((unsigned long long)atomic_load_explicit(&(v), memory_order_relaxed))

static void http_rt_summary(const void *state, char *buf, size_t len)
{
	const struct http_rt *rt = state;
	const struct http_stats *st = &rt->st;

	snprintf(buf, len, "%llu requests (1xx %llu, 2xx %llu, 3xx %llu, 4xx %llu, 5xx %llu, "
		 "no answer %llu), blocked %llu, flagged %llu, refused %llu, upstream errors %llu, "
		 "breaker refusals %llu, tunnels %llu, upstream connections reused %llu, new %llu, "
		 "over the per-source cap %llu, slow readers closed %llu, shed for memory %llu",
		 LD(st->requests), LD(st->responses[1]), LD(st->responses[2]), LD(st->responses[3]),
		 LD(st->responses[4]), LD(st->responses[5]), LD(st->responses[0]), LD(st->blocked),
		 LD(st->flagged), LD(st->hygiene), LD(st->upstream_errors), LD(st->breaker_open),
		 LD(st->tunnels), LD(st->pool_reused), LD(st->pool_new), LD(st->src_refused),
		 LD(st->slow_readers), LD(st->mem_shed));
}

/* The balancers belong to px->lbs, which the proxy frees. */
static void http_rt_free(void *state)
{
	struct http_rt *rt = state;

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
	srccap_free(rt->src);
	free(rt->host_resp);
	free(rt->chal);
	free(rt->toggle_slot);
	if (rt->events_fd >= 0)
		secevent_close(rt->events_fd);
	free(rt);
}

/* Totals of the live HTTP proxies, since each started; nothing without one. */
static void http_rt_status(struct proxy *const *live, size_t n, char *buf, size_t len)
{
	uint64_t req = 0, blocked = 0, flagged = 0, bad = 0, up_err = 0, hogs = 0;
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		const struct http_stats *st;

		if (proxy_app(live[i]) != &http_app)
			continue;
		st = &http_rt_of(live[i])->st;
		any = true;
		req += atomic_load_explicit(&st->requests, memory_order_relaxed);
		blocked += atomic_load_explicit(&st->blocked, memory_order_relaxed);
		flagged += atomic_load_explicit(&st->flagged, memory_order_relaxed);
		bad += atomic_load_explicit(&st->hygiene, memory_order_relaxed);
		up_err += atomic_load_explicit(&st->upstream_errors, memory_order_relaxed);
		hogs += atomic_load_explicit(&st->src_refused, memory_order_relaxed) +
			atomic_load_explicit(&st->slow_readers, memory_order_relaxed) +
			atomic_load_explicit(&st->mem_shed, memory_order_relaxed);
	}
	if (any)
		snprintf(buf, len, " http_requests=%llu http_blocked=%llu http_flagged=%llu "
			 "http_refused=%llu http_upstream_errors=%llu http_hogs_closed=%llu "
			 "http_buffers=%lluK", (unsigned long long)req,
			 (unsigned long long)blocked, (unsigned long long)flagged,
			 (unsigned long long)bad, (unsigned long long)up_err,
			 (unsigned long long)hogs, (unsigned long long)(http_buf_total() >> 10));
}

bool http_rt_counters(const struct proxy *px, struct http_counters *out)
{
	const struct http_stats *st;

	if (proxy_app(px) != &http_app)
		return false;
	st = &http_rt_of(px)->st;
	out->requests = LD(st->requests);
	for (size_t i = 0; i < 6; i++)
		out->responses[i] = LD(st->responses[i]);
	out->blocked = LD(st->blocked);
	out->flagged = LD(st->flagged);
	out->hygiene = LD(st->hygiene);
	out->upstream_errors = LD(st->upstream_errors);
	out->breaker_open = LD(st->breaker_open);
	out->tunnels = LD(st->tunnels);
	out->pool_reused = LD(st->pool_reused);
	out->pool_new = LD(st->pool_new);
	out->src_refused = LD(st->src_refused);
	out->slow_readers = LD(st->slow_readers);
	out->mem_shed = LD(st->mem_shed);
	return true;
}

bool http_rt_guard(const struct proxy *px, struct http_guard_stats *g,
		   uint64_t waf[WAF_CUSTOM + 1])
{
	const struct http_rt *rt;

	if (proxy_app(px) != &http_app)
		return false;
	rt = http_rt_of(px);
	http_guard_stats(rt->guard, g);
	for (int i = 0; i <= WAF_CUSTOM; i++)
		waf[i] = LD(rt->st.waf_class[i]);
	return true;
}

bool http_rt_host_responses(const struct proxy *px, size_t i, uint64_t out[6],
			    const char **name)
{
	const struct http_rt *rt;

	if (proxy_app(px) != &http_app)
		return false;
	rt = http_rt_of(px);
	if (i > rt->cfg->n_hosts)
		return false;
	*name = i < rt->cfg->n_hosts ? rt->cfg->hosts[i].names[0] : "";
	for (int k = 0; k < 6; k++)
		out[k] = LD(rt->host_resp[i][k]);
	return true;
}

bool http_rt_host_challenges(const struct proxy *px, size_t i, struct http_chal_counters *out,
			     const char **name)
{
	const struct http_chal_stats *cs;

	if (proxy_app(px) != &http_app || i > http_rt_of(px)->cfg->n_hosts)
		return false;
	cs = &http_rt_of(px)->chal[i];
	*name = i < http_rt_of(px)->cfg->n_hosts ? http_rt_of(px)->cfg->hosts[i].names[0] : "";
	out->pages = LD(cs->pages);
	out->json = LD(cs->json);
	out->passed = LD(cs->passed);
	out->nojs_passed = LD(cs->nojs_passed);
	for (int k = 0; k < AEGIS_CHAL__COUNT; k++)
		out->failed[k] = LD(cs->failed[k]);
	histo_read(&cs->solve, &out->solve);
	return true;
}

bool http_rt_latency(const struct proxy *px, struct histo_snap *request,
		     struct histo_snap *upstream)
{
	if (proxy_app(px) != &http_app)
		return false;
	histo_read(&http_rt_of(px)->st.lat_request, request);
	histo_read(&http_rt_of(px)->st.lat_upstream, upstream);
	return true;
}

static bool http_rt_wants(const struct proxy_cfg *cfg)
{
	return cfg->http != NULL;
}

const struct proxy_app_ops http_app = {
	.name = "http",
	.family = UD_FAM_HTTP,
	.wants = http_rt_wants,
	.create = http_rt_create,
	.free = http_rt_free,
	.summary = http_rt_summary,
	.status = http_rt_status,
};

const struct waf *http_rt_waf(const struct proxy *px)
{
	return proxy_app(px) == &http_app ? http_guard_waf(http_rt_of(px)->guard) : NULL;
}

const struct http_host *http_rt_host_match(const struct proxy *px, const char *host,
					   size_t hlen, const char *path, size_t plen)
{
	if (proxy_app(px) != &http_app)
		return NULL;
	return router_match(http_rt_of(px)->router, host, hlen, path, plen, NULL, NULL, NULL);
}
