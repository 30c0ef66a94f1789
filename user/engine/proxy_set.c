// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Workers and proxy lifecycle across reloads; see proxy_set.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/healthcheck.h"
#include "lib/log.h"
#include "engine/proxy.h"
#include "engine/proxy_set.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int push(struct proxy ***arr, size_t *n, struct proxy *px)
{
	struct proxy **a = realloc(*arr, (*n + 1) * sizeof(*a));

	if (!a)
		return -ENOMEM;
	a[(*n)++] = px;
	*arr = a;
	return 0;
}

static void post_all(struct proxy_set *ps, enum worker_cmd_type type, struct proxy *px)
{
	for (int i = 0; i < ps->n_workers; i++)
		if (worker_post(&ps->workers[i], type, px))
			log_error("worker %d: cannot post a command", i);
}

static void drain(struct proxy_set *ps, struct proxy *px)
{
	uint64_t deadline = now_ms() + px->cfg.drain_timeout_ms;

	atomic_store(&px->drain_deadline_ms, deadline);
	atomic_store(&px->draining, true);
	healthcheck_remove(ps->hc, px);
	post_all(ps, WORKER_CMD_DRAIN_PROXY, px);
	if (push(&ps->draining, &ps->n_draining, px)) {
		log_error("%s: out of memory while draining", px->cfg.name);
		proxy_put(px);
		return;
	}
	log_info("proxy %s: draining (%llu connections, %llu UDP sessions, up to %us)",
		 px->cfg.name,
		 (unsigned long long)atomic_load(&px->st.conns_active),
		 (unsigned long long)atomic_load(&px->st.udp_sessions),
		 px->cfg.drain_timeout_ms / 1000);
	char sum[512];

	if (proxy_app_summary(px, sum, sizeof(sum)))
		log_info("proxy %s: served %s", px->cfg.name, sum);
}

static void start_proxy(struct proxy_set *ps, struct proxy *px)
{
	healthcheck_add(ps->hc, px);
	post_all(ps, WORKER_CMD_ADD_PROXY, px);
	log_info("proxy %s: started (%zu listeners)", px->cfg.name, px->n_listeners);
}

static struct proxy *find_live(const struct proxy_set *ps, const char *name)
{
	for (size_t i = 0; i < ps->n_live; i++)
		if (!strcmp(ps->live[i]->cfg.name, name))
			return ps->live[i];
	return NULL;
}

static bool in_list(struct proxy **arr, size_t n, const struct proxy *px)
{
	for (size_t i = 0; i < n; i++)
		if (arr[i] == px)
			return true;
	return false;
}

/*
 * New versions are built before anything is drained: a proxy whose new
 * version cannot be built (say, its access log cannot be opened) keeps
 * running as it was, and the others are reloaded all the same.
 */
int proxy_set_reload(struct proxy_set *ps, const struct aegis_config *cfg, char *err, size_t len)
{
	struct proxy **next = calloc(cfg->n_proxies + 1, sizeof(*next));
	struct proxy **fresh = calloc(cfg->n_proxies + 1, sizeof(*fresh));
	size_t n_next = 0, n_fresh = 0;
	int ret = 0;

	if (!next || !fresh) {
		free(next);
		free(fresh);
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_proxies; i++) {
		const struct proxy_cfg *want = &cfg->proxies[i];
		struct proxy *old = find_live(ps, want->name), *px;
		char why[256];
		int r;

		if (!want->enabled)
			continue;
		if (old && proxy_cfg_equal(want, &old->cfg)) {
			next[n_next++] = old;
			continue;
		}
		r = proxy_create(want, &px, why, sizeof(why));
		if (r) {
			log_error("proxy %s: %s%s", want->name, why, old ? "; the running version stays" : "");
			if (!ret) {
				snprintf(err, len, "%s", why);
				ret = r;
			}
			if (old)
				next[n_next++] = old;
			continue;
		}
		next[n_next++] = px;
		fresh[n_fresh++] = px;
	}
	/* Drain first: commands reach each worker in the order posted. */
	for (size_t i = 0; i < ps->n_live; i++)
		if (!in_list(next, n_next, ps->live[i]))
			drain(ps, ps->live[i]);
	for (size_t i = 0; i < n_fresh; i++)
		start_proxy(ps, fresh[i]);
	free(ps->live);
	free(fresh);
	ps->live = next;
	ps->n_live = n_next;
	return ret;
}

int proxy_set_start(struct proxy_set *ps, const struct aegis_config *cfg, char *err, size_t len)
{
	struct worker_params wp = {
		.max_conns = cfg->engine.max_conns,
		.max_udp_sessions = cfg->engine.max_udp_sessions,
		.buf_count = cfg->engine.buffers,
		.buf_size = cfg->engine.buffer_size,
		.conn_budget = cfg->engine.conn_budget,
		.http_memory = cfg->engine.http_memory,
		.ring_entries = 4096,
	};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int ret;

	memset(ps, 0, sizeof(*ps));
	if (!cfg->n_proxies)
		return 0;
	ps->n_workers = cfg->engine.workers ? (int)cfg->engine.workers : cpus > 0 ? (int)cpus : 1;
	ps->workers = calloc((size_t)ps->n_workers, sizeof(*ps->workers));
	if (!ps->workers)
		return -ENOMEM;
	ret = healthcheck_start(&ps->hc);
	if (ret) {
		snprintf(err, len, "health checker: %s", strerror(-ret));
		return ret;
	}
	for (int i = 0; i < ps->n_workers; i++) {
		ret = worker_start(&ps->workers[i], i, &wp);
		if (ret) {
			snprintf(err, len, "worker %d: %s", i, ps->workers[i].err[0] ?
				 ps->workers[i].err : strerror(-ret));
			ps->n_workers = i;
			proxy_set_stop(ps);
			return ret;
		}
	}
	log_info("proxy engine: %d workers (multishot accept %s, multishot recv %s, "
		 "single issuer %s)", ps->n_workers,
		 ps->workers[0].feat.multishot_accept ? "yes" : "no (fallback)",
		 ps->workers[0].feat.multishot_recv ? "yes" : "no (fallback)",
		 ps->workers[0].feat.single_issuer ? "yes" : "no");
	return proxy_set_reload(ps, cfg, err, len);
}

static bool drained(struct proxy *px)
{
	/* Workers and connections hold references; ours is the last one. */
	return atomic_load(&px->refs) == 1;
}

void proxy_set_tick(struct proxy_set *ps)
{
	size_t kept = 0;

	for (size_t i = 0; i < ps->n_draining; i++) {
		struct proxy *px = ps->draining[i];

		if (!drained(px)) {
			ps->draining[kept++] = px;
			continue;
		}
		log_info("proxy %s: drained", px->cfg.name);
		proxy_put(px);
	}
	ps->n_draining = kept;
}

void proxy_set_drain_all(struct proxy_set *ps)
{
	for (size_t i = 0; i < ps->n_live; i++) {
		/* UDP has nothing to finish; its sockets must not linger and
		 * take a share of a restarted daemon's clients. */
		atomic_store(&ps->live[i]->stopping, true);
		drain(ps, ps->live[i]);
	}
	ps->n_live = 0;
}

bool proxy_set_busy(const struct proxy_set *ps)
{
	for (size_t i = 0; i < ps->n_draining; i++)
		if (!drained(ps->draining[i]))
			return true;
	return false;
}

void proxy_set_stop(struct proxy_set *ps)
{
	for (int i = 0; i < ps->n_workers; i++)
		worker_stop(&ps->workers[i]);
	healthcheck_stop(ps->hc);
	ps->hc = NULL;
	for (size_t i = 0; i < ps->n_live; i++)
		proxy_put(ps->live[i]);
	for (size_t i = 0; i < ps->n_draining; i++)
		proxy_put(ps->draining[i]);
	free(ps->live);
	free(ps->draining);
	free(ps->workers);
	memset(ps, 0, sizeof(*ps));
}

uint64_t proxy_set_shed(const struct proxy_set *ps)
{
	uint64_t shed = 0;

	for (int i = 0; i < ps->n_workers; i++)
		shed += atomic_load_explicit(&ps->workers[i].st.shed_conns, memory_order_relaxed) +
			atomic_load_explicit(&ps->workers[i].st.udp_shed, memory_order_relaxed);
	return shed;
}

#define RLX(v) atomic_load_explicit(&(v), memory_order_relaxed)

void proxy_set_stats(const struct proxy_set *ps, struct proxy_set_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->workers = (uint64_t)ps->n_workers;
	for (int i = 0; i < ps->n_workers; i++) {
		const struct worker_stats *st = &ps->workers[i].st;

		out->accepted += RLX(st->accepted);
		out->shed_conns += RLX(st->shed_conns);
		out->udp_shed += RLX(st->udp_shed);
		out->buffer_waits += RLX(st->enobufs);
		out->conn_errors += RLX(st->conn_errors);
		out->tcp_active += RLX(st->tcp_active);
		out->udp_sessions += RLX(st->udp_sessions);
		out->udp_dropped += RLX(st->udp_dropped);
	}
}

int proxy_set_n_workers(const struct proxy_set *ps)
{
	return ps->n_workers;
}

size_t proxy_set_n_live(const struct proxy_set *ps)
{
	return ps->n_live;
}

struct proxy *proxy_set_live(const struct proxy_set *ps, size_t i)
{
	return i < ps->n_live ? ps->live[i] : NULL;
}

void proxy_set_status(const struct proxy_set *ps, char *buf, size_t len)
{
	uint64_t conns = 0, udp = 0, shed = 0, enobufs = 0;

	for (int i = 0; i < ps->n_workers; i++) {
		conns += atomic_load_explicit(&ps->workers[i].st.tcp_active, memory_order_relaxed);
		udp += atomic_load_explicit(&ps->workers[i].st.udp_sessions, memory_order_relaxed);
		shed += atomic_load_explicit(&ps->workers[i].st.shed_conns, memory_order_relaxed) +
			atomic_load_explicit(&ps->workers[i].st.udp_shed, memory_order_relaxed);
		enobufs += atomic_load_explicit(&ps->workers[i].st.enobufs, memory_order_relaxed);
	}
	int n = snprintf(buf, len, " proxies=%zu draining=%zu conns=%llu udp_sessions=%llu "
			 "shed=%llu buffer_waits=%llu", ps->n_live, ps->n_draining,
			 (unsigned long long)conns, (unsigned long long)udp,
			 (unsigned long long)shed, (unsigned long long)enobufs);

	if (n > 0 && (size_t)n < len)
		proxy_app_status(ps->live, ps->n_live, buf + n, len - (size_t)n);
}
