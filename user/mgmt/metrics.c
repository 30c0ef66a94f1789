// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* aegisd's metric families; see metrics.h and docs/CONFIG.md ("metrics"). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "aegis/reasons.h"
#include "engine/balancer.h"
#include "engine/proxy.h"
#include "engine/proxy_set.h"
#include "http/http_buf.h"
#include "http/http_rt.h"
#include "lib/addr.h"
#include "guard/toggles.h"
#include "lib/names.h"
#include "mgmt/api.h"
#include "mgmt/metrics.h"
#include "mgmt/rep_service.h"
#include "xdp/maps.h"

#define C METRICS_COUNTER
#define G METRICS_GAUGE

static void process_families(const struct metrics_src *src, struct metrics_out *m)
{
	const char *ver[] = { "version", src->version, NULL };

	metrics_family(m, "aegis_build_info", G, "Always 1; the version label is aegisd's.");
	metrics_u64(m, ver, 1);
	metrics_family(m, "aegis_start_time_seconds", G, "When aegisd started, Unix time.");
	metrics_double(m, NULL, src->start_time_s);
	metrics_family(m, "aegis_xdp_enabled", G,
		       "1 if the XDP plane runs, 0 in proxy-only mode (no interfaces).");
	metrics_u64(m, NULL, src->maps ? 1 : 0);
}

static void xdp_verdict_family(const struct aegis_counter *c, bool bytes,
			       struct metrics_out *m)
{
	if (bytes)
		metrics_family(m, "aegis_xdp_bytes_total", C,
			       "Frame bytes the XDP program judged, by reason (summed over CPUs).");
	else
		metrics_family(m, "aegis_xdp_packets_total", C,
			       "Packets the XDP program judged, by reason (summed over CPUs).");
	for (unsigned int i = 0; i < AEGIS_STAT_MAX; i++) {
		const char *l[] = { "reason", names_stat(i), "verdict",
				    i < AEGIS_STAT_FIRST_DROP ? "pass" : "drop", NULL };

		metrics_u64(m, l, bytes ? c[i].bytes : c[i].packets);
	}
}

static void xdp_verdicts(struct aegis_maps *maps, struct metrics_out *m)
{
	struct aegis_counter c[AEGIS_STAT_MAX];

	if (maps_stats_read(maps, c))
		return;
	xdp_verdict_family(c, false, m);
	xdp_verdict_family(c, true, m);
}

static void xdp_errors(struct aegis_maps *maps, struct metrics_out *m)
{
	uint64_t e[AEGIS_ERR_MAX];

	if (maps_errors_read(maps, e))
		return;
	metrics_family(m, "aegis_xdp_errors_total", C,
		       "XDP program error counters (full tables, timer and ring failures).");
	for (unsigned int i = 0; i < AEGIS_ERR_MAX; i++) {
		const char *l[] = { "error", names_err(i), NULL };

		if (i != AEGIS_ERR_STRIKE_BAN)
			metrics_u64(m, l, e[i]);
	}
	metrics_family(m, "aegis_xdp_strike_bans_total", C,
		       "Bans the XDP program wrote itself (strike limit reached).");
	metrics_u64(m, NULL, e[AEGIS_ERR_STRIKE_BAN]);
}

/* The tables that fill up: hashes and tries (arrays are always full). */
static const enum maps_id fill_maps[] = {
	MAPS_ALLOW, MAPS_DENY, MAPS_BANS, MAPS_SOURCES, MAPS_CONNS, MAPS_FLOWS,
};
#define N_FILL (sizeof(fill_maps) / sizeof(fill_maps[0]))

static void map_fill(struct aegis_maps *maps, struct metrics_out *m)
{
	long n[N_FILL], cap[N_FILL];

	for (size_t i = 0; i < N_FILL; i++) {
		n[i] = maps_count(maps, fill_maps[i]);
		cap[i] = maps_capacity(maps, fill_maps[i]);
	}
	metrics_family(m, "aegis_map_entries", G, "Entries in an XDP map.");
	for (size_t i = 0; i < N_FILL; i++) {
		const char *l[] = { "map", maps_name(fill_maps[i]), NULL };

		if (n[i] >= 0)
			metrics_u64(m, l, (uint64_t)n[i]);
	}
	metrics_family(m, "aegis_map_capacity", G, "Entries an XDP map can hold (max_entries).");
	for (size_t i = 0; i < N_FILL; i++) {
		const char *l[] = { "map", maps_name(fill_maps[i]), NULL };

		if (cap[i] >= 0)
			metrics_u64(m, l, (uint64_t)cap[i]);
	}
}

static void engine_families(const struct proxy_set *ps, struct metrics_out *m)
{
	struct proxy_set_stats st;
	const char *tcp[] = { "protocol", "tcp", NULL }, *udp[] = { "protocol", "udp", NULL };

	proxy_set_stats(ps, &st);
	metrics_family(m, "aegis_engine_workers", G, "Proxy engine worker threads.");
	metrics_u64(m, NULL, st.workers);
	metrics_family(m, "aegis_engine_accepted_total", C, "TCP connections accepted.");
	metrics_u64(m, NULL, st.accepted);
	metrics_family(m, "aegis_engine_shed_total", C,
		       "New connections and UDP sessions shed (a limit reached).");
	metrics_u64(m, tcp, st.shed_conns);
	metrics_u64(m, udp, st.udp_shed);
	metrics_family(m, "aegis_engine_buffer_waits_total", C,
		       "Receives that found the provided-buffer ring empty.");
	metrics_u64(m, NULL, st.buffer_waits);
	metrics_family(m, "aegis_engine_connections", G, "Open TCP connections.");
	metrics_u64(m, NULL, st.tcp_active);
	metrics_family(m, "aegis_engine_udp_sessions", G, "Open UDP sessions.");
	metrics_u64(m, NULL, st.udp_sessions);
	metrics_family(m, "aegis_engine_udp_dropped_total", C, "UDP datagrams dropped.");
	metrics_u64(m, NULL, st.udp_dropped);
}

/* One family (or one more sample of the family above it, help NULL):
 * a uint64_t field of a counters struct at off, and the label its
 * value gets (direction, action...), if any. */
struct px_family {
	const char *name, *help;
	enum metrics_type type;
	size_t off;
	const char *lname, *lval;
};

#define PXF(n, t, f, h) { n, h, t, offsetof(struct proxy_counters, f), NULL, NULL }
#define PXD(n, f, dir, h) { n, h, C, offsetof(struct proxy_counters, f), "direction", dir }
static const struct px_family px_families[] = {
	PXF("aegis_proxy_connections", G, conns_active, "Open connections of a proxy."),
	PXF("aegis_proxy_connections_total", C, conns_total, "Connections a proxy admitted."),
	PXF("aegis_proxy_refused_total", C, conns_shed,
	    "Connections a proxy refused (draining, max_connections)."),
	PXF("aegis_proxy_upstream_failures_total", C, conns_failed,
	    "Connections whose upstream could not be reached."),
	PXD("aegis_proxy_bytes_total", bytes_in, "upstream",
	    "Bytes relayed, client to upstream (upstream) or back (client)."),
	PXD("aegis_proxy_bytes_total", bytes_out, "client", NULL),
	PXF("aegis_proxy_udp_sessions", G, udp_sessions, "Open UDP sessions of a proxy."),
	PXD("aegis_proxy_udp_datagrams_total", udp_datagrams_in, "upstream",
	    "UDP datagrams relayed, client to upstream (upstream) or back (client)."),
	PXD("aegis_proxy_udp_datagrams_total", udp_datagrams_out, "client", NULL),
	PXF("aegis_proxy_udp_dropped_total", C, udp_dropped, "UDP datagrams a proxy dropped."),
};
#define N_PXF (sizeof(px_families) / sizeof(px_families[0]))

static void proxy_families(const struct proxy_set *ps, struct metrics_out *m)
{
	size_t n = proxy_set_n_live(ps);
	struct proxy_counters *pc = calloc(n ? n : 1, sizeof(*pc));

	if (!pc)
		return;
	for (size_t i = 0; i < n; i++)
		proxy_counters(proxy_set_live(ps, i), &pc[i]);
	for (size_t f = 0; f < N_PXF; f++) {
		const struct px_family *pf = &px_families[f];

		if (pf->help)	/* a second direction continues the family */
			metrics_family(m, pf->name, pf->type, pf->help);
		for (size_t i = 0; i < n; i++) {
			const char *l[] = { "proxy", proxy_name(proxy_set_live(ps, i)),
					    pf->lname, pf->lval, NULL };

			metrics_u64(m, l, *(const uint64_t *)((const char *)&pc[i] + pf->off));
		}
	}
	free(pc);
}

static void target_text(struct lb *lb, size_t t, char *buf, size_t len)
{
	proxy_sockaddr_text(lb_target_addr(lb, t), buf, len);
}

/* Per upstream target: health, open connections, picks. The balancer
 * index keeps a target that sits in two balancers (two origin ports,
 * two routes) two distinct series. */
static void upstream_family(const struct proxy_set *ps, struct metrics_out *m, int what)
{
	for (size_t i = 0; i < proxy_set_n_live(ps); i++) {
		const struct proxy *px = proxy_set_live(ps, i);

		for (size_t b = 0; b < proxy_lb_count(px); b++) {
			struct lb *lb = proxy_lb_at(px, b);
			char bal[24];

			snprintf(bal, sizeof(bal), "%zu", b);
			for (size_t t = 0; t < lb_count(lb); t++) {
				struct lb_target_state *st = lb_target_state(lb, t);
				char up[ADDR_STRLEN + 8];
				const char *l[] = { "proxy", proxy_name(px), "balancer", bal,
						    "upstream", up, NULL };

				target_text(lb, t, up, sizeof(up));
				metrics_u64(m, l, what == 0 ? atomic_load(&st->healthy) :
					    what == 1 ? (uint64_t)atomic_load(&st->active) :
					    atomic_load(&st->picks));
			}
		}
	}
}

static void upstream_families(const struct proxy_set *ps, struct metrics_out *m)
{
	metrics_family(m, "aegis_upstream_healthy", G,
		       "1 if the health checker holds an upstream target healthy.");
	upstream_family(ps, m, 0);
	metrics_family(m, "aegis_upstream_connections", G,
		       "Open connections to an upstream target.");
	upstream_family(ps, m, 1);
	metrics_family(m, "aegis_upstream_picks_total", C,
		       "Times the balancer chose an upstream target.");
	upstream_family(ps, m, 2);
}

struct http_family {
	const char *name, *help;
	size_t off;
};

#define HTF(n, f, h) { n, h, offsetof(struct http_counters, f) }
static const struct http_family http_families[] = {
	HTF("aegis_http_requests_total", requests, "HTTP requests an HTTP proxy read."),
	HTF("aegis_http_blocked_total", blocked, "HTTP requests the guard blocked."),
	HTF("aegis_http_flagged_total", flagged, "HTTP requests the guard flagged (detect mode)."),
	HTF("aegis_http_refused_total", hygiene,
	    "HTTP requests refused by request hygiene (malformed, smuggling)."),
	HTF("aegis_http_upstream_errors_total", upstream_errors,
	    "HTTP requests whose upstream failed (502, 504)."),
	HTF("aegis_http_breaker_refusals_total", breaker_open,
	    "HTTP requests refused by an open circuit breaker."),
	HTF("aegis_http_tunnels_total", tunnels, "Upgraded connections (WebSocket) tunnelled."),
	HTF("aegis_http_source_cap_refusals_total", src_refused,
	    "Connections refused over http.clients.max_per_source."),
	HTF("aegis_http_slow_readers_total", slow_readers,
	    "Connections reset under http.clients.min_read_rate."),
	HTF("aegis_http_memory_sheds_total", mem_shed,
	    "Connections reset to keep within proxy_engine.http_memory."),
};
#define N_HTF (sizeof(http_families) / sizeof(http_families[0]))

static const char *const status_classes[] = { "none", "1xx", "2xx", "3xx", "4xx", "5xx" };

/* By host: the host's first name; "" for requests no host took. */
static void http_host_responses(const struct proxy_set *ps, struct metrics_out *m)
{
	uint64_t r[6];

	metrics_family(m, "aegis_http_host_responses_total", C,
		       "HTTP responses by host (its first name) and status class.");
	for (size_t i = 0; i < proxy_set_n_live(ps); i++) {
		const struct proxy *px = proxy_set_live(ps, i);
		const char *host;

		for (size_t k = 0; http_rt_host_responses(px, k, r, &host); k++) {
			for (size_t s = 0; s < 6; s++) {
				const char *l[] = { "proxy", proxy_name(px), "host", host,
						    "code", status_classes[s], NULL };

				metrics_u64(m, l, r[s]);
			}
		}
	}
}

static void http_responses(const struct proxy_set *ps, struct metrics_out *m)
{
	struct http_counters hc;

	metrics_family(m, "aegis_http_responses_total", C,
		       "HTTP responses by status class (none: the client got no answer).");
	for (size_t i = 0; i < proxy_set_n_live(ps); i++) {
		const struct proxy *px = proxy_set_live(ps, i);

		for (size_t k = 0; http_rt_counters(px, &hc) && k < 6; k++) {
			const char *l[] = { "proxy", proxy_name(px), "code", status_classes[k], NULL };

			metrics_u64(m, l, hc.responses[k]);
		}
	}
	http_host_responses(ps, m);
	metrics_family(m, "aegis_http_upstream_connections_total", C,
		       "Upstream connections an HTTP request used: reused from the pool or new.");
	for (size_t i = 0; i < proxy_set_n_live(ps); i++) {
		const struct proxy *px = proxy_set_live(ps, i);
		const char *re[] = { "proxy", proxy_name(px), "pool", "reused", NULL };
		const char *nw[] = { "proxy", proxy_name(px), "pool", "new", NULL };

		if (!http_rt_counters(px, &hc))
			continue;
		metrics_u64(m, re, hc.pool_reused);
		metrics_u64(m, nw, hc.pool_new);
	}
}

static void latency_out(struct metrics_out *m, const char *proxy, const struct histo_snap *h)
{
	const char *l[] = { "proxy", proxy, NULL };
	double bounds[HISTO_BUCKETS];

	for (size_t i = 0; i < HISTO_BUCKETS; i++)
		bounds[i] = histo_bounds_ms[i] / 1000.0;
	metrics_histogram(m, l, bounds, h->le, HISTO_BUCKETS, h->count, h->sum_ms / 1000.0);
}

static void http_latency(const struct proxy_set *ps, struct metrics_out *m)
{
	struct histo_snap req, up;

	metrics_family(m, "aegis_http_request_duration_seconds", METRICS_HISTOGRAM,
		       "HTTP requests from their first byte to the end of the response.");
	for (size_t i = 0; i < proxy_set_n_live(ps); i++)
		if (http_rt_latency(proxy_set_live(ps, i), &req, &up))
			latency_out(m, proxy_name(proxy_set_live(ps, i)), &req);
	metrics_family(m, "aegis_http_upstream_response_seconds", METRICS_HISTOGRAM,
		       "From a request sent upstream to the upstream's response head.");
	for (size_t i = 0; i < proxy_set_n_live(ps); i++)
		if (http_rt_latency(proxy_set_live(ps, i), &req, &up))
			latency_out(m, proxy_name(proxy_set_live(ps, i)), &up);
}

/* Every stage that blocks or flags; none and allow only pass. */
static void guard_decisions(struct metrics_out *m, const char *proxy,
			    const struct http_guard_stats *g)
{
	for (int s = 0; s < HTTP_STAGE__COUNT; s++) {
		bool passes = s == HTTP_STAGE_NONE || s == HTTP_STAGE_ALLOW;

		for (int a = 0; a < HTTP_ACT__COUNT; a++) {
			const char *l[] = { "proxy", proxy, "stage", http_stage_name(s),
					    "action", http_action_name(a), NULL };

			if (passes == (a == HTTP_ACT_PASS))
				metrics_u64(m, l, g->count[s][a]);
		}
	}
}

static void http_guard_out(const struct proxy_set *ps, struct metrics_out *m)
{
	struct http_guard_stats g;
	uint64_t waf[WAF_CUSTOM + 1];

	metrics_family(m, "aegis_http_guard_decisions_total", C,
		       "HTTP guard decisions by stage and action (detect mode: flag).");
	for (size_t i = 0; i < proxy_set_n_live(ps); i++)
		if (http_rt_guard(proxy_set_live(ps, i), &g, waf))
			guard_decisions(m, proxy_name(proxy_set_live(ps, i)), &g);
	metrics_family(m, "aegis_http_waf_decisions_total", C,
		       "Requests the WAF blocked or flagged, by the deciding rule's class.");
	for (size_t i = 0; i < proxy_set_n_live(ps); i++) {
		const struct proxy *px = proxy_set_live(ps, i);

		if (!http_rt_guard(px, &g, waf))
			continue;
		for (int k = 1; k <= WAF_CUSTOM; k++) {
			const char *l[] = { "proxy", proxy_name(px), "class", waf_class_name(k), NULL };

			metrics_u64(m, l, waf[k]);
		}
	}
}

static void http_families_out(const struct proxy_set *ps, struct metrics_out *m)
{
	struct http_counters hc;

	for (size_t f = 0; f < N_HTF; f++) {
		metrics_family(m, http_families[f].name, C, http_families[f].help);
		for (size_t i = 0; i < proxy_set_n_live(ps); i++) {
			const struct proxy *px = proxy_set_live(ps, i);
			const char *l[] = { "proxy", proxy_name(px), NULL };

			if (http_rt_counters(px, &hc))
				metrics_u64(m, l, *(const uint64_t *)((const char *)&hc +
								     http_families[f].off));
		}
	}
	http_responses(ps, m);
	http_latency(ps, m);
	http_guard_out(ps, m);
	for (size_t i = 0; i < proxy_set_n_live(ps); i++) {
		if (http_rt_counters(proxy_set_live(ps, i), &hc)) {
			metrics_family(m, "aegis_http_buffer_bytes", G,
				       "Bytes of every HTTP connection's queues, all workers.");
			metrics_u64(m, NULL, http_buf_total());
			break;
		}
	}
}

#define RC(f) offsetof(struct rep_service_counters, f)
#define RPF(n, t, f, h) { n, h, t, RC(f), NULL, NULL }
#define RPL(n, f, k, v, h) { n, h, C, RC(f), k, v }
static const struct px_family rep_table[] = {
	RPF("aegis_reputation_sources", G, rep.entries, "Sources the reputation table tracks."),
	RPF("aegis_reputation_reports_total", C, rep.reports, "Reports the engine applied."),
	RPF("aegis_reputation_report_drops_total", C, rep.queue_drops,
	    "Reports lost because a producer ring was full."),
	RPF("aegis_reputation_table_full_total", C, rep.table_full,
	    "New sources not tracked: the table was full."),
	RPF("aegis_reputation_evicted_total", C, rep.evicted,
	    "Tracked sources replaced by a new one."),
	RPL("aegis_reputation_actions_total", rep.bans, "action", "ban",
	    "Actions the engine took (withheld: detect mode or a protected source)."),
	RPL("aegis_reputation_actions_total", rep.softblocks, "action", "softblock", NULL),
	RPL("aegis_reputation_actions_total", rep.throttles, "action", "throttle", NULL),
	RPL("aegis_reputation_actions_total", rep.withheld, "action", "withheld", NULL),
	RPF("aegis_reputation_bans_written_total", C, ban_writes,
	    "Reputation bans written into the XDP ban table."),
	RPL("aegis_reputation_ban_failures_total", ban_queue_drops, "cause", "queue_full",
	    "Reputation bans not written: queue full, table full or a map error."),
	RPL("aegis_reputation_ban_failures_total", ban_table_full, "cause", "table_full", NULL),
	RPL("aegis_reputation_ban_failures_total", ban_errors, "cause", "error", NULL),
	RPF("aegis_reputation_bans_evicted_total", C, ban_evicted,
	    "Reputation bans removed early for a higher-scored source (table full)."),
};

static void rep_families(struct rep_service *rep, struct metrics_out *m)
{
	struct rep_service_counters rc;

	if (!rep_service_counters(rep, &rc))
		return;
	for (size_t f = 0; f < sizeof(rep_table) / sizeof(rep_table[0]); f++) {
		const struct px_family *rf = &rep_table[f];
		const char *l[] = { rf->lname, rf->lval, NULL };

		if (rf->help)	/* a second label value continues the family */
			metrics_family(m, rf->name, rf->type, rf->help);
		metrics_u64(m, l, *(const uint64_t *)((const char *)&rc + rf->off));
	}
}

/* The live switches: what an operator changed at run time. */
static void toggle_families(const struct metrics_src *src, struct metrics_out *m)
{
	const char *http[] = { "switch", "http", NULL }, *xdp[] = { "switch", "xdp", NULL };
	size_t overrides = 0;

	metrics_family(m, "aegis_kill_switch", G, "1 while a kill switch is on (http: every "
		       "host in detect mode; xdp: ports pass without their policies).");
	metrics_u64(m, http, toggles_kill(NULL));
	metrics_u64(m, xdp, !api_xdp_policies_on(src->api));
	if (src->rep) {
		metrics_family(m, "aegis_reputation_actions_enabled", G,
			       "1 if the reputation engine acts (bans, throttles), 0 in detect.");
		metrics_u64(m, NULL, rep_service_actions(src->rep));
	}
	for (int i = 0; i < TOGGLES_MAX_HOSTS; i++) {
		struct toggles_host t;

		toggles_host_get(i, &t);
		overrides += t.mode >= 0 || t.stages_off;
	}
	metrics_family(m, "aegis_host_switches", G,
		       "Hosts whose guard mode or stages are switched at run time (API).");
	metrics_u64(m, NULL, overrides);
}

static void api_families(const struct api *api, struct metrics_out *m)
{
	static const char *const classes[] = { "", "1xx", "2xx", "3xx", "4xx", "5xx" };
	struct api_stats st;

	api_stats(api, &st);
	metrics_family(m, "aegis_api_requests_total", C, "Management API answers by status class.");
	for (int i = 1; i < 6; i++) {
		const char *l[] = { "code", classes[i], NULL };

		metrics_u64(m, l, st.by_class[i]);
	}
	metrics_family(m, "aegis_api_auth_failures_total", C,
		       "Management API calls refused: key missing, key wrong, source rate-limited.");
	metrics_u64(m, (const char *[]){ "reason", "missing", NULL }, st.auth_missing);
	metrics_u64(m, (const char *[]){ "reason", "invalid", NULL }, st.auth_bad);
	metrics_u64(m, (const char *[]){ "reason", "rate_limited", NULL }, st.auth_limited);
	metrics_family(m, "aegis_api_writes_total", C,
		       "Management API calls that changed something (each one audited).");
	metrics_u64(m, NULL, st.writes);
}

void metrics_collect(const struct metrics_src *src, struct metrics_out *m)
{
	process_families(src, m);
	if (src->maps) {
		xdp_verdicts(src->maps, m);
		xdp_errors(src->maps, m);
		map_fill(src->maps, m);
	}
	if (src->ps && proxy_set_n_workers(src->ps)) {
		engine_families(src->ps, m);
		proxy_families(src->ps, m);
		upstream_families(src->ps, m);
		http_families_out(src->ps, m);
	}
	rep_families(src->rep, m);
	toggle_families(src, m);
	if (src->api)
		api_families(src->api, m);
}

int metrics_render(const struct metrics_src *src, enum metrics_format fmt, char **out,
		   size_t *len)
{
	struct metrics_out m;
	FILE *f;

	*out = NULL;
	*len = 0;
	f = open_memstream(out, len);
	if (!f)
		return -ENOMEM;
	metrics_begin(&m, f, fmt);
	metrics_collect(src, &m);
	metrics_end(&m);
	if (fclose(f)) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}
