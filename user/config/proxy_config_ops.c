// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Deep copy, free and comparison of struct proxy_cfg: aegisd keeps a
 * proxy's config past a reload and leaves a proxy whose config compares
 * equal (and its connections) alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_priv.h"
#include "config/http_cfg.h"
#include "config/proxy_config.h"

void proxy_cfg_free(struct proxy_cfg *p)
{
	if (!p)
		return;
	free(p->origin_addrs);
	free(p->up_addrs);
	free(p->up_weights);
	free(p->pp_trusted);
	free(p->xdp.ports);
	http_cfg_free(p->http);
	free(p->http);
	memset(p, 0, sizeof(*p));
}

static int http_dup(struct http_cfg **dst, const struct http_cfg *src)
{
	if (!(*dst = malloc(sizeof(**dst))))
		return -ENOMEM;
	if (http_cfg_copy(*dst, src)) {
		free(*dst);
		*dst = NULL;
		return -ENOMEM;
	}
	return 0;
}

/*
 * Every pointer of struct proxy_cfg is handled here and in proxy_cfg_free()
 * and proxy_cfg_equal(); a new member must be added to all three (the size
 * check is the reminder: update it with them).
 */
#if defined(__x86_64__) || defined(__aarch64__)
_Static_assert(sizeof(struct proxy_cfg) == 912,
	       "struct proxy_cfg changed: update proxy_cfg_copy/free/equal, then this size");
#endif
int proxy_cfg_copy(struct proxy_cfg *dst, const struct proxy_cfg *src)
{
	memcpy(dst, src, sizeof(*dst));
	dst->origin_addrs = NULL;
	dst->up_addrs = NULL;
	dst->up_weights = NULL;
	dst->pp_trusted = NULL;
	dst->xdp.ports = NULL;
	dst->http = NULL;
	if (cfg_dup_array(&dst->origin_addrs, src->origin_addrs, src->n_origin_addrs,
		      sizeof(*src->origin_addrs)) ||
	    cfg_dup_array(&dst->up_addrs, src->up_addrs, src->n_up_addrs, sizeof(*src->up_addrs)) ||
	    cfg_dup_array(&dst->up_weights, src->up_weights, src->n_up_addrs,
		      sizeof(*src->up_weights)) ||
	    cfg_dup_array(&dst->pp_trusted, src->pp_trusted, src->n_pp_trusted,
		      sizeof(*src->pp_trusted)) ||
	    cfg_dup_array(&dst->xdp.ports, src->xdp.ports, src->xdp.n_ports, sizeof(*src->xdp.ports)) ||
	    (src->http && http_dup(&dst->http, src->http))) {
		proxy_cfg_free(dst);
		return -ENOMEM;
	}
	return 0;
}

static bool array_equal(const void *a, const void *b, size_t n, size_t size)
{
	if (!n)
		return true;
	if (!a || !b)
		return a == b;
	return !memcmp(a, b, n * size);
}

static bool limit_equal(const struct cfg_limit *a, const struct cfg_limit *b)
{
	return a->rate == b->rate && a->burst == b->burst;
}

/* Everything but the line. */
static bool policy_equal(const struct cfg_policy *a, const struct cfg_policy *b)
{
	if (strcmp(a->name, b->name) || a->tcp != b->tcp || a->udp != b->udp ||
	    a->n_ports != b->n_ports ||
	    !array_equal(a->ports, b->ports, a->n_ports, sizeof(*a->ports)))
		return false;
	for (int i = 0; i < AEGIS_LIM_MAX; i++)
		if (!limit_equal(&a->src[i], &b->src[i]))
			return false;
	return limit_equal(&a->global_syn, &b->global_syn) &&
	       limit_equal(&a->global_conn, &b->global_conn) &&
	       a->max_conn_per_src == b->max_conn_per_src &&
	       a->max_conn_total == b->max_conn_total && a->strike_limit == b->strike_limit &&
	       a->strike_window_ms == b->strike_window_ms && a->ban_ttl_s == b->ban_ttl_s &&
	       a->flow_idle_s == b->flow_idle_s && a->syn_timeout_s == b->syn_timeout_s &&
	       a->syn_cookies == b->syn_cookies && limit_equal(&a->cookie_syn, &b->cookie_syn);
}

bool proxy_cfg_equal(const struct proxy_cfg *a, const struct proxy_cfg *b)
{
	const struct proxy_health_cfg *ha, *hb;
	const struct proxy_timeouts *ta, *tb;

	if (a == b)
		return true;
	if (!a || !b)
		return false;
	ha = &a->health;
	hb = &b->health;
	ta = &a->timeouts;
	tb = &b->timeouts;
	return !strcmp(a->name, b->name) && a->enabled == b->enabled && a->tcp == b->tcp &&
	       a->udp == b->udp &&
	       a->n_origin_addrs == b->n_origin_addrs &&
	       array_equal(a->origin_addrs, b->origin_addrs, a->n_origin_addrs,
			   sizeof(*a->origin_addrs)) &&
	       a->origin_lo == b->origin_lo && a->origin_hi == b->origin_hi &&
	       a->n_up_addrs == b->n_up_addrs &&
	       array_equal(a->up_addrs, b->up_addrs, a->n_up_addrs, sizeof(*a->up_addrs)) &&
	       array_equal(a->up_weights, b->up_weights, a->n_up_addrs, sizeof(*a->up_weights)) &&
	       a->up_lo == b->up_lo && a->up_hi == b->up_hi && a->one_to_one == b->one_to_one &&
	       a->algo == b->algo && a->sticky == b->sticky && a->sticky_ttl_s == b->sticky_ttl_s &&
	       a->slow_start_ms == b->slow_start_ms &&
	       ha->enabled == hb->enabled && ha->interval_ms == hb->interval_ms &&
	       ha->timeout_ms == hb->timeout_ms && ha->fails == hb->fails &&
	       ha->passes == hb->passes &&
	       ta->connect_ms == tb->connect_ms && ta->idle_ms == tb->idle_ms &&
	       ta->client_read_ms == tb->client_read_ms &&
	       ta->client_write_ms == tb->client_write_ms &&
	       ta->upstream_read_ms == tb->upstream_read_ms &&
	       ta->upstream_write_ms == tb->upstream_write_ms &&
	       ta->udp_session_ms == tb->udp_session_ms &&
	       a->pp_send == b->pp_send && a->n_pp_trusted == b->n_pp_trusted &&
	       array_equal(a->pp_trusted, b->pp_trusted, a->n_pp_trusted, sizeof(*a->pp_trusted)) &&
	       a->drain_timeout_ms == b->drain_timeout_ms && a->max_conns == b->max_conns &&
	       a->access_log.enabled == b->access_log.enabled &&
	       !strcmp(a->access_log.path, b->access_log.path) &&
	       a->access_log.mask_ips == b->access_log.mask_ips &&
	       a->has_xdp == b->has_xdp && (!a->has_xdp || policy_equal(&a->xdp, &b->xdp)) &&
	       (a->http == b->http || (a->http && b->http && http_cfg_equal(a->http, b->http)));
}
