// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Deep copy, free and comparison of struct http_cfg (http_cfg.h), for
 * proxy_cfg_copy/free/equal: aegisd keeps an http proxy's config past a
 * reload and leaves one whose config compares equal alone. Where things
 * were written (the line members) does not count.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_priv.h"
#include "config/http_cfg.h"

static void host_free(struct http_host *host)
{
	for (size_t i = 0; i < host->n_routes; i++)
		free(host->routes[i].ups);
	free(host->routes);
	free(host->names);
}

void http_cfg_free(struct http_cfg *h)
{
	if (!h)
		return;
	free(h->trusted);
	free(h->resp_set);
	free(h->resp_remove);
	free(h->rate.paths);
	free(h->deny.ips);
	free(h->allow.ips);
	free(h->allow.paths);
	free(h->allow.api_keys);
	free(h->bots.user_agents);
	free(h->funnels);
	free(h->waf.rules);
	free(h->challenge.paths);
	free(h->challenge.user_agents);
	free(h->challenge.ips);
	free(h->challenge.exempt);
	free(h->challenge.api_paths);
	free(h->challenge.crawlers);
	for (size_t i = 0; i < h->n_hosts; i++)
		host_free(&h->hosts[i]);
	free(h->hosts);
	memset(h, 0, sizeof(*h));
}

#define DUP(dst, src, field, n) cfg_dup_array(&(dst)->field, (src)->field, n, sizeof(*(src)->field))

static int host_copy(struct http_host *dst, const struct http_host *src)
{
	*dst = *src;
	dst->names = NULL;
	dst->routes = NULL;
	dst->n_routes = 0;
	if (DUP(dst, src, names, src->n_names) || DUP(dst, src, routes, src->n_routes))
		return -ENOMEM;
	/* Routes count as owned only once their upstreams are copied. */
	for (size_t i = 0; i < src->n_routes; i++) {
		dst->routes[i].ups = NULL;
		if (DUP(&dst->routes[i], &src->routes[i], ups, src->routes[i].n_ups))
			return -ENOMEM;
		dst->n_routes = i + 1;
	}
	return 0;
}

static int copy_hosts(struct http_cfg *dst, const struct http_cfg *src)
{
	if (!src->n_hosts)
		return 0;
	if (!(dst->hosts = calloc(src->n_hosts, sizeof(*dst->hosts))))
		return -ENOMEM;
	for (size_t i = 0; i < src->n_hosts; i++) {
		int ret = host_copy(&dst->hosts[i], &src->hosts[i]);

		dst->n_hosts = i + 1;
		if (ret)
			return ret;
	}
	return 0;
}

static int copy_challenge(struct http_cfg *dst, const struct http_cfg *src)
{
	const struct http_challenge_cfg *s = &src->challenge;

	return DUP(dst, src, challenge.paths, s->n_paths) ||
	       DUP(dst, src, challenge.user_agents, s->n_user_agents) ||
	       DUP(dst, src, challenge.ips, s->n_ips) ||
	       DUP(dst, src, challenge.exempt, s->n_exempt) ||
	       DUP(dst, src, challenge.api_paths, s->n_api_paths) ||
	       DUP(dst, src, challenge.crawlers, s->n_crawlers) ? -ENOMEM : 0;
}

/*
 * Every pointer of struct http_cfg is handled here, in http_cfg_free()
 * and in http_cfg_equal(); the size check is the reminder to update all
 * three when a member is added.
 */
#if defined(__x86_64__) || defined(__aarch64__)
_Static_assert(sizeof(struct http_cfg) == 1824,
	       "struct http_cfg changed: update http_cfg_copy/free/equal, then this size");
#endif
int http_cfg_copy(struct http_cfg *dst, const struct http_cfg *src)
{
	*dst = *src;
	dst->trusted = dst->deny.ips = dst->allow.ips = NULL;
	dst->resp_set = NULL;
	dst->resp_remove = NULL;
	dst->rate.paths = NULL;
	dst->allow.paths = NULL;
	dst->allow.api_keys = NULL;
	dst->bots.user_agents = NULL;
	dst->funnels = NULL;
	dst->waf.rules = NULL;
	dst->challenge.paths = dst->challenge.exempt = dst->challenge.api_paths = NULL;
	dst->challenge.user_agents = NULL;
	dst->challenge.ips = NULL;
	dst->challenge.crawlers = NULL;
	dst->hosts = NULL;
	dst->n_hosts = 0;
	if (DUP(dst, src, trusted, src->n_trusted) || DUP(dst, src, resp_set, src->n_resp_set) ||
	    DUP(dst, src, resp_remove, src->n_resp_remove) ||
	    DUP(dst, src, rate.paths, src->rate.n_paths) ||
	    DUP(dst, src, deny.ips, src->deny.n_ips) ||
	    DUP(dst, src, allow.ips, src->allow.n_ips) ||
	    DUP(dst, src, allow.paths, src->allow.n_paths) ||
	    DUP(dst, src, allow.api_keys, src->allow.n_api_keys) ||
	    DUP(dst, src, bots.user_agents, src->bots.n_user_agents) ||
	    DUP(dst, src, funnels, src->n_funnels) || DUP(dst, src, waf.rules, src->waf.n_rules) ||
	    copy_challenge(dst, src) || copy_hosts(dst, src)) {
		http_cfg_free(dst);
		return -ENOMEM;
	}
	return 0;
}

/* ---- equal ---- */

static bool array_equal(const void *a, const void *b, size_t n, size_t size)
{
	return !n || (a && b && !memcmp(a, b, n * size));
}

/* Rows of NUL-terminated strings: bytes after the NUL do not count. */
static bool rows_equal(const void *a, const void *b, size_t n, size_t width)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp((const char *)a + i * width, (const char *)b + i * width, width))
			return false;
	return true;
}

#define ROWS_EQ(a, b, f, n) rows_equal((a)->f, (b)->f, n, sizeof(*(a)->f))

static bool limit_eq(const struct http_limit *a, const struct http_limit *b)
{
	return a->rate == b->rate && a->burst == b->burst && a->period_ms == b->period_ms;
}

static bool upstream_eq(const struct http_upstream *a, const struct http_upstream *b)
{
	return !memcmp(&a->addr, &b->addr, sizeof(a->addr)) && a->port == b->port &&
	       a->weight == b->weight && !strcmp(a->url, b->url);
}

static bool route_eq(const struct http_route *a, const struct http_route *b)
{
	if (strcmp(a->prefix, b->prefix) || a->n_ups != b->n_ups || a->algo != b->algo)
		return false;
	for (size_t i = 0; i < a->n_ups; i++)
		if (!upstream_eq(&a->ups[i], &b->ups[i]))
			return false;
	return true;
}

static bool host_eq(const struct http_host *a, const struct http_host *b)
{
	if (a->n_names != b->n_names || !ROWS_EQ(a, b, names, a->n_names) ||
	    a->is_default != b->is_default || a->mode != b->mode ||
	    a->waf_threshold != b->waf_threshold || a->n_routes != b->n_routes ||
	    a->rep_mode != b->rep_mode || a->chal_mode != b->chal_mode ||
	    a->chal_difficulty != b->chal_difficulty || a->chal_always != b->chal_always ||
	    strcmp(a->chal_title, b->chal_title) || strcmp(a->chal_text, b->chal_text))
		return false;
	for (size_t i = 0; i < a->n_routes; i++)
		if (!route_eq(&a->routes[i], &b->routes[i]))
			return false;
	return true;
}

static bool rule_eq(const struct http_waf_rule_cfg *a, const struct http_waf_rule_cfg *b)
{
	return a->id == b->id && !strcmp(a->pattern, b->pattern) && a->targets == b->targets &&
	       a->score == b->score && a->flags == b->flags && !strcmp(a->desc, b->desc);
}

static bool funnel_eq(const struct http_funnel_cfg *a, const struct http_funnel_cfg *b)
{
	return !strcmp(a->gate, b->gate) && !strcmp(a->target, b->target) &&
	       a->action == b->action && a->memory_ms == b->memory_ms;
}

static bool headers_equal(const struct http_cfg *a, const struct http_cfg *b)
{
	if (a->n_resp_set != b->n_resp_set || a->n_resp_remove != b->n_resp_remove ||
	    !ROWS_EQ(a, b, resp_remove, a->n_resp_remove))
		return false;
	for (size_t i = 0; i < a->n_resp_set; i++)
		if (strcmp(a->resp_set[i].name, b->resp_set[i].name) ||
		    strcmp(a->resp_set[i].value, b->resp_set[i].value))
			return false;
	return true;
}

static bool rate_equal(const struct http_cfg *a, const struct http_cfg *b)
{
	if (!limit_eq(&a->rate.per_ip, &b->rate.per_ip) ||
	    !limit_eq(&a->rate.per_entity, &b->rate.per_entity) ||
	    !limit_eq(&a->rate.per_api_key, &b->rate.per_api_key) ||
	    strcmp(a->rate.api_key_header, b->rate.api_key_header) ||
	    a->rate.n_paths != b->rate.n_paths || a->rate.hot_multiplier != b->rate.hot_multiplier ||
	    a->rate.cooldown_ms != b->rate.cooldown_ms || a->rate.table_size != b->rate.table_size)
		return false;
	for (size_t i = 0; i < a->rate.n_paths; i++)
		if (strcmp(a->rate.paths[i].prefix, b->rate.paths[i].prefix) ||
		    !limit_eq(&a->rate.paths[i].lim, &b->rate.paths[i].lim))
			return false;
	return true;
}

static bool lists_equal(const struct http_cfg *a, const struct http_cfg *b)
{
	return a->n_trusted == b->n_trusted &&
	       array_equal(a->trusted, b->trusted, a->n_trusted, sizeof(*a->trusted)) &&
	       a->deny.n_ips == b->deny.n_ips &&
	       array_equal(a->deny.ips, b->deny.ips, a->deny.n_ips, sizeof(*a->deny.ips)) &&
	       a->allow.n_ips == b->allow.n_ips &&
	       array_equal(a->allow.ips, b->allow.ips, a->allow.n_ips, sizeof(*a->allow.ips)) &&
	       a->allow.n_paths == b->allow.n_paths &&
	       ROWS_EQ(a, b, allow.paths, a->allow.n_paths) &&
	       a->allow.n_api_keys == b->allow.n_api_keys &&
	       ROWS_EQ(a, b, allow.api_keys, a->allow.n_api_keys);
}

static bool guards_equal(const struct http_cfg *a, const struct http_cfg *b)
{
	if (a->bots.enabled != b->bots.enabled || a->bots.score != b->bots.score ||
	    a->bots.block_after != b->bots.block_after || a->bots.window_ms != b->bots.window_ms ||
	    a->bots.block_ms != b->bots.block_ms ||
	    a->bots.default_user_agents != b->bots.default_user_agents ||
	    a->bots.n_user_agents != b->bots.n_user_agents ||
	    !ROWS_EQ(a, b, bots.user_agents, a->bots.n_user_agents) ||
	    a->n_funnels != b->n_funnels || a->waf.threshold != b->waf.threshold ||
	    a->waf.n_rules != b->waf.n_rules ||
	    memcmp(&a->tarpit, &b->tarpit, sizeof(a->tarpit)) ||
	    memcmp(&a->breaker, &b->breaker, sizeof(a->breaker)) ||
	    memcmp(&a->adaptive, &b->adaptive, sizeof(a->adaptive)) ||
	    strcmp(a->events_path, b->events_path))
		return false;
	for (size_t i = 0; i < a->n_funnels; i++)
		if (!funnel_eq(&a->funnels[i], &b->funnels[i]))
			return false;
	for (size_t i = 0; i < a->waf.n_rules; i++)
		if (!rule_eq(&a->waf.rules[i], &b->waf.rules[i]))
			return false;
	return true;
}

static bool challenge_equal(const struct http_challenge_cfg *a,
			    const struct http_challenge_cfg *b)
{
	return a->mode == b->mode && a->difficulty == b->difficulty && a->always == b->always &&
	       a->reputation == b->reputation && a->methods == b->methods &&
	       a->n_paths == b->n_paths && ROWS_EQ(a, b, paths, a->n_paths) &&
	       a->n_user_agents == b->n_user_agents &&
	       ROWS_EQ(a, b, user_agents, a->n_user_agents) && a->n_ips == b->n_ips &&
	       array_equal(a->ips, b->ips, a->n_ips, sizeof(*a->ips)) &&
	       a->n_exempt == b->n_exempt && ROWS_EQ(a, b, exempt, a->n_exempt) &&
	       a->n_api_paths == b->n_api_paths && ROWS_EQ(a, b, api_paths, a->n_api_paths) &&
	       a->n_crawlers == b->n_crawlers &&
	       array_equal(a->crawlers, b->crawlers, a->n_crawlers, sizeof(*a->crawlers)) &&
	       !strcmp(a->cookie_name, b->cookie_name) && a->cookie_ttl_s == b->cookie_ttl_s &&
	       a->binding == b->binding && a->rotation_s == b->rotation_s &&
	       a->solve_s == b->solve_s && a->spent == b->spent &&
	       !strcmp(a->secret_file, b->secret_file) && a->nojs_wait_s == b->nojs_wait_s &&
	       a->nojs_ttl_s == b->nojs_ttl_s && !strcmp(a->title, b->title) &&
	       !strcmp(a->text, b->text);
}

bool http_cfg_equal(const struct http_cfg *a, const struct http_cfg *b)
{
	if (a == b)
		return true;
	if (!a || !b)
		return false;
	if (a->mode != b->mode || a->allow_private_upstreams != b->allow_private_upstreams ||
	    a->limits.max_head_bytes != b->limits.max_head_bytes ||
	    a->limits.max_headers != b->limits.max_headers ||
	    a->limits.max_uri != b->limits.max_uri || a->limits.max_body != b->limits.max_body ||
	    a->limits.methods != b->limits.methods ||
	    memcmp(&a->timeouts, &b->timeouts, sizeof(a->timeouts)) ||
	    memcmp(&a->pool, &b->pool, sizeof(a->pool)) ||
	    memcmp(&a->clients, &b->clients, sizeof(a->clients)) || !headers_equal(a, b) ||
	    !rate_equal(a, b) || !lists_equal(a, b) || !guards_equal(a, b) ||
	    !challenge_equal(&a->challenge, &b->challenge) || a->n_hosts != b->n_hosts)
		return false;
	for (size_t i = 0; i < a->n_hosts; i++)
		if (!host_eq(&a->hosts[i], &b->hosts[i]))
			return false;
	return true;
}
