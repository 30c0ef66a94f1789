// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * API: the proxies, their connections and upstreams; enabling, disabling,
 * ejecting and readmitting (docs/openapi.yaml). A disable or an eject is
 * a live switch on the running proxy object: a reload that keeps the
 * proxy unchanged keeps it, one that rebuilds the proxy starts afresh
 * (the answer says so: survives_reload false).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "config/proxy_config.h"
#include "engine/balancer.h"
#include "engine/proxy.h"
#include "engine/proxy_set.h"
#include "mgmt/api_priv.h"

static const char *protocol_of(const struct proxy_cfg *pc)
{
	if (pc->http)
		return "http";
	return pc->tcp && pc->udp ? "tcp-udp" : pc->tcp ? "tcp" : "udp";
}


static void upstream_counts(struct proxy *px, size_t *total, size_t *up)
{
	*total = *up = 0;
	for (size_t i = 0; i < proxy_lb_count(px); i++) {
		struct lb *lb = proxy_lb_at(px, i);

		for (size_t t = 0; t < lb_count(lb); t++) {
			const struct lb_target_state *st = lb_target_state(lb, t);

			(*total)++;
			*up += lb_state_healthy(st) && !lb_state_ejected(st);
		}
	}
}

static void proxy_json(struct api_call *c, struct proxy *px)
{
	const struct proxy_cfg *pc = proxy_config(px);
	struct proxy_counters k;
	size_t total, up;

	proxy_counters(px, &k);
	upstream_counts(px, &total, &up);
	json_obj_open(&c->j);
	json_kstr(&c->j, "name", pc->name);
	json_kstr(&c->j, "protocol", protocol_of(pc));
	json_kbool(&c->j, "enabled", !proxy_paused(px));
	json_ku64(&c->j, "port_first", pc->origin_lo);
	json_ku64(&c->j, "port_last", pc->origin_hi);
	json_ku64(&c->j, "connections_active", k.conns_active);
	json_ku64(&c->j, "connections_total", k.conns_total);
	json_ku64(&c->j, "connections_refused", k.conns_shed);
	json_ku64(&c->j, "bytes_in", k.bytes_in);
	json_ku64(&c->j, "bytes_out", k.bytes_out);
	json_ku64(&c->j, "udp_sessions", k.udp_sessions);
	json_ku64(&c->j, "upstreams", total);
	json_ku64(&c->j, "upstreams_up", up);
	json_obj_close(&c->j);
}

int api_proxies_list(struct api_call *c)
{
	size_t n = c->api->d.ps ? proxy_set_n_live(c->api->d.ps) : 0;

	json_arr_open(&c->j);
	for (size_t i = 0; i < n; i++)
		proxy_json(c, proxy_set_live(c->api->d.ps, i));
	json_arr_close(&c->j);
	return 200;
}

static struct proxy *need_proxy(struct api_call *c)
{
	struct proxy *px = api_proxy_find(c->api, c->params[0]);

	if (!px)
		api_fail(c, 404, NULL, "no proxy named '%s'", c->params[0]);
	return px;
}

int api_proxy_get(struct api_call *c)
{
	struct proxy *px = need_proxy(c);

	if (px)
		proxy_json(c, px);
	return c->status;
}

static int set_enabled(struct api_call *c, bool on)
{
	struct proxy *px = need_proxy(c);

	if (!px)
		return c->status;
	proxy_pause(px, !on);
	snprintf(c->audit, sizeof(c->audit), "proxy %s %s", c->params[0],
		 on ? "enabled" : "disabled (new connections refused)");
	json_obj_open(&c->j);
	json_kstr(&c->j, "name", c->params[0]);
	json_kbool(&c->j, "enabled", on);
	json_kbool(&c->j, "survives_reload", false);
	json_obj_close(&c->j);
	return 200;
}

int api_proxy_enable(struct api_call *c)
{
	return set_enabled(c, true);
}

int api_proxy_disable(struct api_call *c)
{
	return set_enabled(c, false);
}

/* Calls fn for every target of px, with its balancer index. */
static void each_target(struct proxy *px, void (*fn)(struct api_call *, size_t, struct lb *,
						       size_t), struct api_call *c)
{
	for (size_t i = 0; i < proxy_lb_count(px); i++) {
		struct lb *lb = proxy_lb_at(px, i);

		for (size_t t = 0; t < lb_count(lb); t++)
			fn(c, i, lb, t);
	}
}

static void target_json(struct api_call *c, size_t bi, struct lb *lb, size_t t)
{
	const struct lb_target_state *st = lb_target_state(lb, t);
	char name[ADDR_STRLEN + 8];

	json_obj_open(&c->j);
	json_kstr(&c->j, "address", proxy_sockaddr_text(lb_target_addr(lb, t), name, sizeof(name)));
	json_ku64(&c->j, "balancer", bi);
	json_kbool(&c->j, "healthy", lb_state_healthy(st));
	json_kbool(&c->j, "ejected", lb_state_ejected(st));
	json_ki64(&c->j, "connections_active",
		  atomic_load_explicit(&((struct lb_target_state *)st)->active,
				       memory_order_relaxed));
	json_ku64(&c->j, "picks", atomic_load_explicit(&((struct lb_target_state *)st)->picks,
						       memory_order_relaxed));
	json_obj_close(&c->j);
}

int api_proxy_upstreams(struct api_call *c)
{
	struct proxy *px = need_proxy(c);

	if (!px)
		return c->status;
	json_arr_open(&c->j);
	each_target(px, target_json, c);
	json_arr_close(&c->j);
	return 200;
}

int api_proxy_connections(struct api_call *c)
{
	struct proxy *px = need_proxy(c);
	struct proxy_counters k;

	if (!px)
		return c->status;
	proxy_counters(px, &k);
	json_obj_open(&c->j);
	json_kstr(&c->j, "name", c->params[0]);
	json_ku64(&c->j, "active", k.conns_active);
	json_ku64(&c->j, "total", k.conns_total);
	json_ku64(&c->j, "refused", k.conns_shed);
	json_ku64(&c->j, "failed", k.conns_failed);
	json_ku64(&c->j, "udp_sessions", k.udp_sessions);
	json_key(&c->j, "by_upstream");
	json_arr_open(&c->j);
	each_target(px, target_json, c);
	json_arr_close(&c->j);
	json_obj_close(&c->j);
	return 200;
}


static int set_ejected(struct api_call *c, bool eject)
{
	struct proxy *px = need_proxy(c);
	char name[ADDR_STRLEN + 8];
	size_t hits = 0;

	if (!px)
		return c->status;
	for (size_t i = 0; i < proxy_lb_count(px); i++) {
		struct lb *lb = proxy_lb_at(px, i);

		for (size_t t = 0; t < lb_count(lb); t++) {
			if (strcmp(proxy_sockaddr_text(lb_target_addr(lb, t), name, sizeof(name)),
				   c->params[1]))
				continue;
			lb_state_set_ejected(lb_target_state(lb, t), eject);
			hits++;
		}
	}
	if (!hits)
		return api_fail(c, 404, NULL, "proxy %s has no upstream %s (write it as "
				"ADDRESS:PORT, IPv6 in brackets)", c->params[0], c->params[1]);
	snprintf(c->audit, sizeof(c->audit), "proxy %s upstream %s %s", c->params[0],
		 c->params[1], eject ? "ejected" : "readmitted");
	json_obj_open(&c->j);
	json_kstr(&c->j, "proxy", c->params[0]);
	json_kstr(&c->j, "address", c->params[1]);
	json_kbool(&c->j, "ejected", eject);
	json_kbool(&c->j, "survives_reload", false);
	json_obj_close(&c->j);
	return 200;
}

int api_upstream_eject(struct api_call *c)
{
	return set_ejected(c, true);
}

int api_upstream_readmit(struct api_call *c)
{
	return set_ejected(c, false);
}
