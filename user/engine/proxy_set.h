/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The proxies aegisd runs: the worker threads, the live proxy objects,
 * the ones draining after a reload, and their health checker. A reload
 * keeps an unchanged proxy (and its connections) as it is, drains a
 * changed or removed one, and starts new ones; stopping drains all.
 * Runs on aegisd's main thread.
 */
#ifndef AEGIS_PROXY_SET_H
#define AEGIS_PROXY_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "engine/worker.h"

struct proxy;
struct healthcheck;

struct proxy_set {
	struct worker *workers;
	int n_workers;
	struct proxy **live;
	size_t n_live;
	struct proxy **draining;
	size_t n_draining;
	struct healthcheck *hc;
};

/* Starts the workers (0 = one per CPU) and the proxies of cfg. */
int proxy_set_start(struct proxy_set *ps, const struct aegis_config *cfg, char *err, size_t len);
/* Applies a new config: unchanged proxies stay, others drain or start. */
int proxy_set_reload(struct proxy_set *ps, const struct aegis_config *cfg, char *err, size_t len);
/* Frees proxies whose draining finished. Call about once a second. */
void proxy_set_tick(struct proxy_set *ps);
/* Drains everything; proxy_set_busy() tells when connections remain. */
void proxy_set_drain_all(struct proxy_set *ps);
bool proxy_set_busy(const struct proxy_set *ps);
void proxy_set_stop(struct proxy_set *ps);
/* New connections and UDP sessions shed (limits reached) since start. */
uint64_t proxy_set_shed(const struct proxy_set *ps);
/* The engine's counters summed over the workers (relaxed reads). */
struct proxy_set_stats {
	uint64_t workers, accepted, shed_conns, udp_shed, buffer_waits, conn_errors;
	uint64_t tcp_active, udp_sessions, udp_dropped;
};
void proxy_set_stats(const struct proxy_set *ps, struct proxy_set_stats *out);
/* Worker threads running: 0 until the first proxy starts the engine. */
int proxy_set_n_workers(const struct proxy_set *ps);
/* The live proxies (not those draining after a reload), i < n. */
size_t proxy_set_n_live(const struct proxy_set *ps);
struct proxy *proxy_set_live(const struct proxy_set *ps, size_t i);
/* Status line fragment: "proxies=2 conns=10 udp=3 shed=0". */
void proxy_set_status(const struct proxy_set *ps, char *buf, size_t len);

#endif /* AEGIS_PROXY_SET_H */
