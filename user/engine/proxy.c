// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Running proxies: listeners and balancers built from a proxy config,
 * upstream choice, PROXY protocol glue and the access log; see proxy.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/addr.h"
#include "lib/json.h"
#include "lib/log.h"
#include "engine/portmap.h"
#include "engine/proxy.h"
#include "engine/proxyproto.h"

socklen_t proxy_sockaddr(const struct aegis_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (addr_is_v4(a)) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		in->sin_addr.s_addr = a->w[3];
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	memcpy(&in6->sin6_addr, a, sizeof(*a));
	return sizeof(*in6);
}

void proxy_addr_of(const struct sockaddr_storage *ss, struct aegis_addr *a)
{
	if (lb_client_from_sockaddr(ss, a))
		memset(a, 0, sizeof(*a));
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

enum lb_algo proxy_lb_algo(enum proxy_lb_algo a)
{
	switch (a) {
	case PROXY_LB_WEIGHTED: return LB_WEIGHTED;
	case PROXY_LB_LEAST_CONN: return LB_LEAST_CONN;
	case PROXY_LB_IP_HASH: return LB_IP_HASH;
	case PROXY_LB_RANDOM: return LB_RANDOM;
	default: return LB_ROUND_ROBIN;
	}
}

/* One balancer over the candidates of one origin port. */
static int make_lb(const struct proxy_cfg *c, const struct portmap *pm, uint16_t port,
		   struct lb **out, char *err, size_t len)
{
	struct portmap_target cand[PORTMAP_MAX_TARGETS];
	struct lb_target_conf *t;
	struct lb_params p = {
		.algo = proxy_lb_algo(c->algo),
		.slow_start_ns = (uint64_t)c->slow_start_ms * 1000000,
		.sticky = c->sticky,
		.sticky_ttl_ns = (uint64_t)c->sticky_ttl_s * 1000000000ull,
	};
	int n = portmap_targets(pm, port, cand, PORTMAP_MAX_TARGETS), ret;

	if (n <= 0) {
		snprintf(err, len, "%s: no upstream for port %u", c->name, port);
		return -EINVAL;
	}
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		proxy_sockaddr(&c->up_addrs[cand[i].addr_idx], cand[i].port, &t[i].addr);
		t[i].weight = c->up_weights ? c->up_weights[cand[i].addr_idx] : 1;
	}
	ret = lb_create(out, &p, t, (size_t)n, err, len);
	free(t);
	return ret;
}

static int build_listeners(struct proxy *px, const struct portmap *pm, char *err, size_t len)
{
	const struct proxy_cfg *c = &px->cfg;
	size_t ports = (size_t)(c->origin_hi - c->origin_lo) + 1;
	size_t protos = (size_t)c->tcp + (size_t)c->udp, k = 0;
	bool fan_out = pm->mode == PORTMAP_FAN_OUT;
	int ret;

	px->n_lbs = fan_out ? 1 : ports;
	px->lbs = calloc(px->n_lbs, sizeof(*px->lbs));
	px->n_listeners = c->n_origin_addrs * ports * protos;
	px->listeners = calloc(px->n_listeners, sizeof(*px->listeners));
	if (!px->lbs || !px->listeners)
		return -ENOMEM;
	for (size_t i = 0; i < px->n_lbs; i++) {
		ret = make_lb(c, pm, (uint16_t)(c->origin_lo + i), &px->lbs[i], err, len);
		if (ret)
			return ret;
	}
	for (size_t a = 0; a < c->n_origin_addrs; a++)
		for (size_t p = 0; p < ports; p++)
			for (int proto = 0; proto < 2; proto++) {
				struct proxy_listener *l;

				if ((proto == 0 && !c->tcp) || (proto == 1 && !c->udp))
					continue;
				l = &px->listeners[k++];
				l->sock_type = proto == 0 ? SOCK_STREAM : SOCK_DGRAM;
				l->port = (uint16_t)(c->origin_lo + p);
				l->addr_len = proxy_sockaddr(&c->origin_addrs[a], l->port, &l->addr);
				l->lb = px->lbs[fan_out ? 0 : p];
			}
	return 0;
}

#define PROXY_MAX_APPS 4

/* Written before any proxy is created, only read afterwards. */
static const struct proxy_app_ops *apps[PROXY_MAX_APPS];
static size_t n_apps;

int proxy_app_register(const struct proxy_app_ops *ops)
{
	for (size_t i = 0; i < n_apps; i++)
		if (apps[i] == ops)
			return 0;
	if (n_apps == PROXY_MAX_APPS)
		return -ENOSPC;
	apps[n_apps++] = ops;
	return 0;
}

static const struct proxy_app_ops *app_for(const struct proxy_cfg *cfg)
{
	for (size_t i = 0; i < n_apps; i++)
		if (apps[i]->wants(cfg))
			return apps[i];
	return NULL;
}

const char *proxy_name(const struct proxy *px)
{
	return px->cfg.name;
}

#define RLX(v) atomic_load_explicit(&(v), memory_order_relaxed)

void proxy_counters(const struct proxy *px, struct proxy_counters *out)
{
	const struct proxy_stats *st = &px->st;

	out->conns_active = RLX(st->conns_active);
	out->conns_total = RLX(st->conns_total);
	out->conns_shed = RLX(st->conns_shed);
	out->conns_failed = RLX(st->conns_failed);
	out->bytes_in = RLX(st->bytes_in);
	out->bytes_out = RLX(st->bytes_out);
	out->udp_sessions = RLX(st->udp_sessions);
	out->udp_datagrams_in = RLX(st->udp_datagrams_in);
	out->udp_datagrams_out = RLX(st->udp_datagrams_out);
	out->udp_dropped = RLX(st->udp_dropped);
}

size_t proxy_lb_count(const struct proxy *px)
{
	return px->n_lbs;
}

struct lb *proxy_lb_at(const struct proxy *px, size_t i)
{
	return i < px->n_lbs ? px->lbs[i] : NULL;
}

void *proxy_app_state(const struct proxy *px)
{
	return px->app_state;
}

const struct proxy_app_ops *proxy_app(const struct proxy *px)
{
	return px->app;
}

bool proxy_app_summary(const struct proxy *px, char *buf, size_t len)
{
	if (!px->app || !px->app->summary || !px->app_state)
		return false;
	px->app->summary(px->app_state, buf, len);
	return true;
}

void proxy_app_status(struct proxy *const *live, size_t n, char *buf, size_t len)
{
	for (size_t i = 0; i < n_apps; i++) {
		size_t used = strnlen(buf, len);

		if (apps[i]->status && used + 1 < len)
			apps[i]->status(live, n, buf + used, len - used);
	}
}

enum ud_family proxy_family(const struct proxy *px, int sock_type)
{
	if (sock_type == SOCK_DGRAM)
		return UD_FAM_UDP;
	return px->app ? px->app->family : UD_FAM_TCP;
}

int proxy_lb_add(struct proxy *px, struct lb *lb)
{
	struct lb **lbs = realloc(px->lbs, (px->n_lbs + 1) * sizeof(*lbs));

	if (!lbs) {
		lb_destroy(lb);
		return -ENOMEM;
	}
	px->lbs = lbs;
	px->lbs[px->n_lbs++] = lb;
	return 0;
}

void proxy_game_attach(struct proxy *px, const struct game_validator *v)
{
	px->game = v;
}

const struct game_validator *proxy_game(const struct proxy *px)
{
	return px->game;
}

/* An application: one TCP listener per origin address and port; its
 * balancers (if any) are its own, chosen per request, not per listener. */
static int build_app_listeners(struct proxy *px, const struct proxy_app_ops *app, char *err,
			       size_t len)
{
	const struct proxy_cfg *c = &px->cfg;
	size_t ports = (size_t)(c->origin_hi - c->origin_lo) + 1, k = 0;
	int ret;

	px->n_listeners = c->n_origin_addrs * ports;
	px->listeners = calloc(px->n_listeners, sizeof(*px->listeners));
	if (!px->listeners)
		return -ENOMEM;
	for (size_t a = 0; a < c->n_origin_addrs; a++)
		for (size_t p = 0; p < ports; p++) {
			struct proxy_listener *l = &px->listeners[k++];

			l->sock_type = SOCK_STREAM;
			l->port = (uint16_t)(c->origin_lo + p);
			l->addr_len = proxy_sockaddr(&c->origin_addrs[a], l->port, &l->addr);
		}
	ret = app->create(px, &px->app_state, err, len);
	if (!ret)
		px->app = app;
	return ret;
}

static int build_port_listeners(struct proxy *px, char *err, size_t len)
{
	const struct proxy_cfg *cfg = &px->cfg;
	struct portmap pm = {
		.mode = cfg->one_to_one ? PORTMAP_ONE_TO_ONE : PORTMAP_FAN_OUT,
		.origin = { cfg->origin_lo, cfg->origin_hi },
		.upstream = { cfg->up_lo, cfg->up_hi },
		.n_addrs = (unsigned int)cfg->n_up_addrs,
	};
	int ret = portmap_validate(&pm, err, len);

	return ret ? ret : build_listeners(px, &pm, err, len);
}

static int open_access_log(struct proxy *px, char *err, size_t len)
{
	px->access_fd = -1;
	if (!px->cfg.access_log.enabled)
		return 0;
	if (!px->cfg.access_log.path[0]) {
		px->access_fd = STDOUT_FILENO;
		return 0;
	}
	px->access_fd = open(px->cfg.access_log.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (px->access_fd < 0) {
		snprintf(err, len, "%s: access log %s: %s", px->cfg.name, px->cfg.access_log.path,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static void proxy_free(struct proxy *px)
{
	if (px->app && px->app->free)
		px->app->free(px->app_state);
	for (size_t i = 0; px->lbs && i < px->n_lbs; i++)
		lb_destroy(px->lbs[i]);
	free(px->lbs);
	free(px->listeners);
	if (px->access_fd > STDERR_FILENO)
		close(px->access_fd);
	proxy_cfg_free(&px->cfg);
	free(px);
}

int proxy_create(const struct proxy_cfg *cfg, struct proxy **out, char *err, size_t len)
{
	struct proxy *px = calloc(1, sizeof(*px));
	const struct proxy_app_ops *app;
	int ret;

	*out = NULL;
	if (!px)
		return -ENOMEM;
	px->access_fd = -1;
	atomic_init(&px->refs, 1);
	ret = proxy_cfg_copy(&px->cfg, cfg);
	if (ret) {
		free(px);
		return ret;
	}
	app = app_for(cfg);
	ret = app ? build_app_listeners(px, app, err, len) : build_port_listeners(px, err, len);
	if (!ret)
		ret = open_access_log(px, err, len);
	if (ret) {
		if (ret == -ENOMEM && err && len)
			snprintf(err, len, "%s: out of memory", cfg->name);
		proxy_free(px);
		return ret;
	}
	*out = px;
	return 0;
}

void proxy_get(struct proxy *px)
{
	atomic_fetch_add_explicit(&px->refs, 1, memory_order_relaxed);
}

void proxy_put(struct proxy *px)
{
	if (px && atomic_fetch_sub_explicit(&px->refs, 1, memory_order_acq_rel) == 1)
		proxy_free(px);
}

int proxy_pick(struct proxy *px, unsigned int listener, const struct sockaddr_storage *client,
	       uint64_t now_ns, struct lb_rng *rng, struct sockaddr_storage *to, socklen_t *to_len)
{
	struct lb *lb = px->listeners[listener].lb;
	struct aegis_addr a;
	int idx;

	proxy_addr_of(client, &a);
	idx = lb_pick(lb, &a, now_ns, rng);
	if (idx < 0)
		return idx;
	*to = *lb_target_addr(lb, (size_t)idx);
	*to_len = to->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					     : sizeof(struct sockaddr_in);
	return idx;
}

void proxy_release(struct proxy *px, unsigned int listener, int target)
{
	if (target >= 0)
		lb_release(px->listeners[listener].lb, target);
}

bool proxy_conn_admit(struct proxy *px)
{
	/* Reserve the slot in the proxy-wide count first: checking, then
	 * adding, would let every worker pass the limit at once. */
	uint64_t active = atomic_fetch_add_explicit(&px->st.conns_active, 1, memory_order_relaxed);

	if (!atomic_load_explicit(&px->draining, memory_order_relaxed) && !proxy_paused(px) &&
	    (!px->cfg.max_conns || active < px->cfg.max_conns))
		return true;
	proxy_conn_shed(px);
	return false;
}

const struct proxy_cfg *proxy_config(const struct proxy *px)
{
	return &px->cfg;
}

void proxy_pause(struct proxy *px, bool paused)
{
	atomic_store_explicit(&px->paused, paused, memory_order_relaxed);
}

bool proxy_paused(const struct proxy *px)
{
	return atomic_load_explicit(&px->paused, memory_order_relaxed);
}

void proxy_conn_shed(struct proxy *px)
{
	atomic_fetch_sub_explicit(&px->st.conns_active, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&px->st.conns_shed, 1, memory_order_relaxed);
}

bool proxy_trusts(const struct proxy *px, const struct sockaddr_storage *client)
{
	struct aegis_addr a;

	if (!px->cfg.n_pp_trusted)
		return false;
	proxy_addr_of(client, &a);
	for (size_t i = 0; i < px->cfg.n_pp_trusted; i++)
		if (addr_in_cidr(&a, &px->cfg.pp_trusted[i]))
			return true;
	return false;
}

int proxy_pp_encode(const struct proxy *px, int socktype, const struct sockaddr_storage *client,
		    const struct sockaddr_storage *local, void *buf, size_t len)
{
	if (px->cfg.pp_send == PROXY_PP_V1)
		return pp_encode_v1(buf, len, client, local);
	return pp_encode_v2(buf, len, PP_CMD_PROXY, socktype, client, local);
}

int proxy_pp_decode(const void *buf, size_t len, size_t *used, struct sockaddr_storage *client)
{
	struct pp_header h;
	int n = pp_decode(buf, len, &h, NULL, NULL);

	if (n < 0)
		return n;
	*used = (size_t)n;
	/* LOCAL/UNKNOWN: the load balancer speaks for itself; keep its address. */
	if (h.cmd == PP_CMD_PROXY && h.family != AF_UNSPEC)
		*client = h.src;
	return 0;
}

void proxy_log_addr(const struct aegis_addr *addr, bool mask, char *buf, size_t len)
{
	struct aegis_addr a = *addr;

	if (mask) {
		if (addr_is_v4(&a))
			a.w[3] &= htonl(0xffffff00);
		else {
			a.w[1] &= htonl(0xffff0000);
			a.w[2] = a.w[3] = 0;
		}
	}
	addr_format(&a, buf, len);
}

static void format_masked(const struct sockaddr_storage *ss, bool mask, char *buf, size_t len)
{
	struct aegis_addr a;

	proxy_addr_of(ss, &a);
	proxy_log_addr(&a, mask, buf, len);
}

void proxy_access_log(struct proxy *px, const char *proto, const struct sockaddr_storage *client,
		      const struct sockaddr_storage *upstream, uint64_t bytes_in,
		      uint64_t bytes_out, uint64_t duration_ms, const char *reason)
{
	char ts[40], src[ADDR_STRLEN], up[ADDR_STRLEN] = "", *line = NULL;
	size_t n = 0;
	struct json j;
	FILE *f;

	if (px->access_fd < 0)
		return;
	f = open_memstream(&line, &n);
	if (!f)
		return;
	log_timestamp(ts, sizeof(ts));
	format_masked(client, px->cfg.access_log.mask_ips, src, sizeof(src));
	if (upstream)
		format_masked(upstream, false, up, sizeof(up));
	json_init(&j, f);
	json_obj_open(&j);
	json_kstr(&j, "time", ts);
	json_kstr(&j, "type", "access");
	json_kstr(&j, "proxy", px->cfg.name);
	json_kstr(&j, "protocol", proto);
	json_kstr(&j, "source", src);
	json_ku64(&j, "source_port", px->cfg.access_log.mask_ips ? 0 : port_of(client));
	json_kstr(&j, "upstream", up);
	json_ku64(&j, "upstream_port", upstream ? port_of(upstream) : 0);
	json_ku64(&j, "bytes_in", bytes_in);
	json_ku64(&j, "bytes_out", bytes_out);
	json_ku64(&j, "duration_ms", duration_ms);
	json_kstr(&j, "close", reason ? reason : "unknown");
	json_obj_close(&j);
	fclose(f);
	/* One write per line: O_APPEND keeps lines from workers whole. */
	if (write(px->access_fd, line, n) < 0)
		log_debug("%s: access log write: %s", px->cfg.name, strerror(errno));
	free(line);
}

const char *proxy_sockaddr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	bool v6 = ss->ss_family == AF_INET6;
	struct aegis_addr a;
	char host[ADDR_STRLEN];

	proxy_addr_of(ss, &a);
	snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", addr_format(&a, host, sizeof(host)),
		 ntohs(v6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
			  : ((const struct sockaddr_in *)ss)->sin_port));
	return buf;
}
