// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * aegisctl read-only views: stats, flows, status, events.
 * (top lives in ctl_top.c.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/addr.h"
#include "ctl/ctl.h"
#include "lib/names.h"
#include "lib/units.h"

static volatile sig_atomic_t ctl_stop;

static void on_signal(int sig)
{
	(void)sig;
	ctl_stop = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR && !ctl_stop)
		;
}

/* ---- stats ---- */

static void stats_print(struct ctl *c, const struct aegis_counter *now,
			const struct aegis_counter *before, const uint64_t *errs,
			uint64_t interval_ms)
{
	struct aegis_counter pass = {}, drop = {};
	double secs = interval_ms / 1000.0;

	for (int i = 0; i < AEGIS_STAT_MAX; i++) {
		struct aegis_counter *t = i < AEGIS_STAT_FIRST_DROP ? &pass : &drop;

		t->packets += now[i].packets;
		t->bytes += now[i].bytes;
	}
	if (c->json) {
		struct json *j = &c->j;

		json_obj_open(j);
		json_ku64(j, "interval_ms", interval_ms);
		json_key(j, "passed");
		json_obj_open(j);
		json_ku64(j, "packets", pass.packets);
		json_ku64(j, "bytes", pass.bytes);
		json_obj_close(j);
		json_key(j, "dropped");
		json_obj_open(j);
		json_ku64(j, "packets", drop.packets);
		json_ku64(j, "bytes", drop.bytes);
		json_obj_close(j);
		json_key(j, "reasons");
		json_obj_open(j);
		for (int i = 0; i < AEGIS_STAT_MAX; i++) {
			json_key(j, names_stat(i));
			json_obj_open(j);
			json_ku64(j, "packets", now[i].packets);
			json_ku64(j, "bytes", now[i].bytes);
			if (interval_ms) {
				json_kdouble(j, "pps", (now[i].packets - before[i].packets) / secs);
				json_kdouble(j, "bps", (now[i].bytes - before[i].bytes) * 8 / secs);
			}
			json_obj_close(j);
		}
		json_obj_close(j);
		json_key(j, "errors");
		json_obj_open(j);
		for (int i = 0; i < AEGIS_ERR_MAX; i++)
			json_ku64(j, names_err(i), errs[i]);
		json_obj_close(j);
		json_obj_close(j);
		return;
	}
	printf("%-18s %14s %16s %12s\n", "REASON", "PACKETS", "BYTES",
	       interval_ms ? "PPS" : "");
	for (int i = 0; i < AEGIS_STAT_MAX; i++) {
		if (!now[i].packets)
			continue;
		printf("%-18s %14llu %16llu", names_stat(i), (unsigned long long)now[i].packets,
		       (unsigned long long)now[i].bytes);
		if (interval_ms)
			printf(" %12.1f", (now[i].packets - before[i].packets) / secs);
		printf("\n");
	}
	printf("passed %llu packets, dropped %llu packets\n",
	       (unsigned long long)pass.packets, (unsigned long long)drop.packets);
	for (int i = 0; i < AEGIS_ERR_MAX; i++)
		if (errs[i])
			printf("%-18s %14llu  (%s)\n", names_err(i), (unsigned long long)errs[i],
			       names_err_desc(i));
}

int do_stats(struct ctl *c, int argc, char **argv)
{
	struct aegis_counter before[AEGIS_STAT_MAX] = {}, now[AEGIS_STAT_MAX];
	uint64_t errs[AEGIS_ERR_MAX], interval_ms = 1000;

	if (ctl_is_help(argc, argv)) {
		printf("Usage: aegisctl stats [interval DUR]\n"
		       "Counters by reason; rates over DUR (default 1s, 0 = totals only).\n");
		return CTL_OK;
	}
	if (argc == 2 && !strcmp(argv[0], "interval")) {
		if (ctl_parse_duration("interval", argv[1], &interval_ms))
			return CTL_USAGE;
		if (interval_ms > CTL_MAX_INTERVAL_MS)
			return ctl_usage("interval: '%s' is out of range (0, or up to 1h)", argv[1]);
	} else if (argc) {
		return ctl_usage("stats: unexpected argument '%s'", argv[0]);
	}
	if (ctl_maps(c))
		return CTL_ERR;
	catch_signals();
	if (interval_ms) {
		if (maps_stats_read(&c->maps, before))
			return ctl_fail("stats: cannot read counters");
		sleep_ms(interval_ms);
	}
	if (maps_stats_read(&c->maps, now) || maps_errors_read(&c->maps, errs))
		return ctl_fail("stats: cannot read counters");
	stats_print(c, now, before, errs, interval_ms);
	return CTL_OK;
}

/* ---- flows ---- */

struct flow_print {
	struct ctl *c;
	uint64_t now;
	uint32_t limit, n;
};

static int flow_print_one(const struct aegis_flow_key *k, const struct aegis_flow *f, void *ctx)
{
	struct flow_print *p = ctx;
	char s[ADDR_STRLEN], d[ADDR_STRLEN];
	const char *proto = k->proto == 6 ? "tcp" : "udp";
	const char *state = f->state == AEGIS_FLOW_NEW ? "syn" : "est";
	uint64_t age = (p->now - f->created_ns) / 1000000, idle = (p->now - f->last_seen_ns) / 1000000;

	if (p->n++ >= p->limit)
		return 0;
	addr_format(&k->saddr, s, sizeof(s));
	addr_format(&k->daddr, d, sizeof(d));
	if (p->c->json) {
		struct json *j = &p->c->j;

		json_obj_open(j);
		json_kstr(j, "protocol", proto);
		json_kstr(j, "source", s);
		json_ku64(j, "source_port", ntohs(k->sport));
		json_kstr(j, "destination", d);
		json_ku64(j, "destination_port", ntohs(k->dport));
		json_kstr(j, "state", state);
		json_ku64(j, "age_ms", age);
		json_ku64(j, "idle_ms", idle);
		json_ku64(j, "packets", f->packets);
		json_ku64(j, "bytes", f->bytes);
		json_ku64(j, "policy", f->policy);
		json_obj_close(j);
	} else {
		printf("%-4s %-39s %5u -> %-39s %5u %-3s %8llus %6llus %10llu\n", proto, s,
		       ntohs(k->sport), d, ntohs(k->dport), state,
		       (unsigned long long)age / 1000, (unsigned long long)idle / 1000,
		       (unsigned long long)f->packets);
	}
	return 0;
}

static int conn_print_one(const struct aegis_src_key *k, int64_t conns, void *ctx)
{
	struct flow_print *p = ctx;
	char s[ADDR_STRLEN];

	addr_format(&k->addr, s, sizeof(s));
	if (p->c->json) {
		json_obj_open(&p->c->j);
		json_kstr(&p->c->j, "source", s);
		json_ku64(&p->c->j, "policy", k->policy);
		json_ki64(&p->c->j, "connections", conns);
		json_obj_close(&p->c->j);
	} else {
		printf("%-39s policy %-3u %lld\n", s, k->policy, (long long)conns);
	}
	return 0;
}

int do_flows(struct ctl *c, int argc, char **argv)
{
	struct flow_print p = { .c = c, .limit = 1000 };

	if (ctl_is_help(argc, argv)) {
		printf("Usage: aegisctl flows [limit N]\n"
		       "Tracked flows (protected ports with connection limits) and\n"
		       "concurrent connections per source. Shows at most N flows (default 1000).\n");
		return CTL_OK;
	}
	if (argc == 2 && !strcmp(argv[0], "limit")) {
		if (ctl_parse_u32("limit", argv[1], UINT32_MAX, &p.limit))
			return CTL_USAGE;
	} else if (argc) {
		return ctl_usage("flows: unexpected argument '%s'", argv[0]);
	}
	if (ctl_maps(c))
		return CTL_ERR;
	p.now = maps_now_ns();
	if (c->json) {
		json_obj_open(&c->j);
		json_key(&c->j, "flows");
		json_arr_open(&c->j);
	} else {
		printf("%-4s %-39s %5s    %-39s %5s %-3s %9s %7s %10s\n", "PROTO", "SOURCE", "SPORT",
		       "DESTINATION", "DPORT", "ST", "AGE", "IDLE", "PACKETS");
	}
	maps_flow_foreach(&c->maps, flow_print_one, &p);
	if (c->json) {
		json_arr_close(&c->j);
		json_ku64(&c->j, "total_flows", p.n);
		json_key(&c->j, "sources");
		json_arr_open(&c->j);
	} else {
		printf("%u flows%s\nconnections per source:\n", p.n,
		       p.n > p.limit ? " (list truncated)" : "");
	}
	maps_conn_foreach(&c->maps, conn_print_one, &p);
	if (c->json) {
		json_arr_close(&c->j);
		json_obj_close(&c->j);
	}
	return CTL_OK;
}

/* ---- status ---- */

static const char *mode_name(uint32_t mode)
{
	switch (mode) {
	case XDP_ATTACHED_DRV: return "native";
	case XDP_ATTACHED_SKB: return "generic";
	case XDP_ATTACHED_HW: return "offload";
	case XDP_ATTACHED_MULTI: return "multi";
	default: return "none";
	}
}

static void status_ifaces(struct ctl *c)
{
	struct if_nameindex *ifs = if_nameindex(), *i;

	if (c->json) {
		json_key(&c->j, "interfaces");
		json_arr_open(&c->j);
	}
	for (i = ifs; i && i->if_index; i++) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);
		uint32_t aegis_id = 0;

		if (bpf_xdp_query((int)i->if_index, 0, &q) || !q.prog_id)
			continue;
		maps_find_iface_prog(i->if_name, &aegis_id, NULL, NULL, 0);
		if (c->json) {
			json_obj_open(&c->j);
			json_kstr(&c->j, "name", i->if_name);
			json_kstr(&c->j, "mode", mode_name(q.attach_mode));
			json_ku64(&c->j, "xdp_prog_id", q.prog_id);
			json_ku64(&c->j, "aegis_prog_id", aegis_id);
			json_obj_close(&c->j);
		} else {
			printf("%-16s xdp %-7s prog %u%s\n", i->if_name, mode_name(q.attach_mode),
			       q.prog_id, aegis_id ? (aegis_id == q.prog_id ? " (aegis)" : " (aegis via dispatcher)") : "");
		}
	}
	if (ifs)
		if_freenameindex(ifs);
	if (c->json)
		json_arr_close(&c->j);
}

int do_status(struct ctl *c, int argc, char **argv)
{
	static const enum maps_id shown[] = { MAPS_ALLOW, MAPS_DENY, MAPS_BANS, MAPS_SOURCES,
					      MAPS_CONNS, MAPS_FLOWS };

	if (ctl_is_help(argc, argv)) {
		printf("Usage: aegisctl status\nInterfaces with XDP programs, and map fill levels.\n");
		return CTL_OK;
	}
	if (argc)
		return ctl_usage("status: unexpected argument '%s'", argv[0]);
	if (c->json)
		json_obj_open(&c->j);
	else
		printf("interfaces:\n");
	status_ifaces(c);
	if (ctl_maps(c)) {
		if (c->json)
			json_obj_close(&c->j);
		return CTL_ERR;
	}
	if (c->json) {
		json_ku64(&c->j, "prog_id", c->maps.prog_id);
		json_key(&c->j, "maps");
		json_obj_open(&c->j);
	} else {
		printf("maps:%s\n", c->maps.prog_id ? "" : " (pinned)");
	}
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		long n = maps_count(&c->maps, shown[i]);
		uint32_t max = c->maps.max_entries[shown[i]];

		if (c->json) {
			json_key(&c->j, maps_name(shown[i]));
			json_obj_open(&c->j);
			json_ki64(&c->j, "entries", n);
			json_ku64(&c->j, "max_entries", max);
			json_obj_close(&c->j);
		} else {
			printf("  %-16s %8ld / %-8u (%.1f%%)\n", maps_name(shown[i]), n, max,
			       max ? 100.0 * (double)n / max : 0.0);
		}
	}
	if (c->json) {
		json_obj_close(&c->j);
		json_obj_close(&c->j);
	}
	return CTL_OK;
}

/* ---- events ---- */

struct ev_ctx {
	struct ctl *c;
	uint64_t seen, max;
	int64_t mono_to_real_ns;
};

static int64_t mono_to_real_offset(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)r.tv_sec - m.tv_sec) * 1000000000LL + (r.tv_nsec - m.tv_nsec);
}

static int ev_print(void *ctx, void *data, size_t len)
{
	struct ev_ctx *e = ctx;
	const struct aegis_event *ev = data;
	char src[ADDR_STRLEN], ts[64];
	time_t secs;
	struct tm tm;
	int64_t real;

	if (len < sizeof(*ev))
		return 0;
	real = (int64_t)ev->ts_ns + e->mono_to_real_ns;
	secs = (time_t)(real / 1000000000LL);
	gmtime_r(&secs, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(real / 1000000 % 1000));
	addr_format(&ev->saddr, src, sizeof(src));
	if (e->c->json) {
		json_obj_open(&e->c->j);
		json_kstr(&e->c->j, "time", ts);
		json_kstr(&e->c->j, "source", src);
		json_kstr(&e->c->j, "reason", names_stat(ev->reason));
		json_ku64(&e->c->j, "protocol", ev->proto);
		json_ku64(&e->c->j, "port", ev->dport);
		json_ku64(&e->c->j, "length", ev->len);
		json_obj_close(&e->c->j);
	} else {
		printf("%s %-16s %-39s proto %-3u port %-5u len %u\n", ts, names_stat(ev->reason),
		       src, ev->proto, ev->dport, ev->len);
	}
	fflush(stdout);
	e->seen++;
	return e->max && e->seen >= e->max ? 1 : 0;
}

int do_events(struct ctl *c, int argc, char **argv)
{
	struct ev_ctx e = { .c = c, .mono_to_real_ns = mono_to_real_offset() };
	uint64_t timeout_ms = 0, deadline;
	struct ring_buffer *rb;
	int ret = CTL_OK;

	if (ctl_is_help(argc, argv)) {
		printf("Usage: aegisctl events [count N] [timeout DUR]\n"
		       "Follows sampled drop events until Ctrl-C, N events, or DUR.\n"
		       "aegisd reads the same ring: while it runs, its log has every event.\n");
		return CTL_OK;
	}
	for (int i = 0; i < argc; i += 2) {
		uint32_t n;

		if (i + 1 >= argc)
			return ctl_usage("events: '%s' needs a value", argv[i]);
		if (!strcmp(argv[i], "count")) {
			if (ctl_parse_u32("count", argv[i + 1], UINT32_MAX, &n))
				return CTL_USAGE;
			e.max = n;
		} else if (!strcmp(argv[i], "timeout")) {
			if (ctl_parse_duration("timeout", argv[i + 1], &timeout_ms))
				return CTL_USAGE;
		} else {
			return ctl_usage("events: unknown argument '%s' (count, timeout)", argv[i]);
		}
	}
	if (ctl_maps(c))
		return CTL_ERR;
	rb = ring_buffer__new(c->maps.fd[MAPS_EVENTS], ev_print, &e, NULL);
	if (!rb)
		return ctl_fail("events: cannot open the ring buffer: %s", strerror(errno));
	catch_signals();
	deadline = timeout_ms ? maps_now_ns() + timeout_ms * 1000000 : 0;
	while (!ctl_stop) {
		int n = ring_buffer__poll(rb, 200);

		if (n < 0 && n != -EINTR) {
			ret = ctl_fail("events: %s", strerror(-n));
			break;
		}
		if ((e.max && e.seen >= e.max) || (deadline && maps_now_ns() >= deadline))
			break;
	}
	ring_buffer__free(rb);
	return ret;
}
