/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rep_service: the reputation engine as aegisd runs it. Owns the table
 * (guard/reputation.h), the ban writer (guard/rep_bans.h), the webhook
 * sender and the control socket's `rep` verbs; turns every action change
 * into a security event line ({"type":"reputation",...}), a ban or lift,
 * and alerts. Everything here runs on aegisd's main thread; the proxy
 * workers only call rep_report() and the readers of reputation.h on
 * rep_service_rep().
 */
#ifndef AEGIS_REP_SERVICE_H
#define AEGIS_REP_SERVICE_H

#include <stdint.h>
#include <stdio.h>

#include "aegis/maps.h"
#include "config/config.h"
#include "xdp/maps.h"
#include "guard/reputation.h"

struct rep_service;
struct rep;

/*
 * Starts the engine if cfg->rep.enabled (else *out = NULL, returns 0):
 * a producer queue per proxy worker (n_workers, or as many as the
 * engine may start: proxy_engine.workers, else online CPUs) plus one for
 * the main thread (the XDP feed),
 * offence history from state_dir, the control socket. Security events go
 * to `events` (may be NULL: stdout). maps NULL: no XDP plane (no
 * interfaces); bans are then held by the L7 fast reject alone.
 */
int rep_service_start(struct rep_service **out, const struct aegis_config *cfg,
		      struct aegis_maps *maps, unsigned int n_workers, FILE *events,
		      char *err, size_t errlen);
/* Saves the offence history, stops the sender, closes the socket. */
void rep_service_stop(struct rep_service *s);
/* New weights, thresholds, protected addresses, webhooks. */
void rep_service_reload(struct rep_service *s, const struct aegis_config *cfg);
/* Once a second: drain, sweep (decay, expiry), write bans, save now and then. */
void rep_service_tick(struct rep_service *s);
/* One sampled XDP drop event (the events ring's hook). */
void rep_service_xdp_event(const struct aegis_event *ev, void *ctx);
/* One fd for aegisd's epoll (or -1): the control socket and a 20 ms timer
 * that drains the workers' report rings. rep_service_poll() serves both. */
int rep_service_fd(const struct rep_service *s);
void rep_service_poll(struct rep_service *s);
/* For the engines (phase 2): rep_report() with queue index 0..n_workers-1. */
struct rep *rep_service_rep(struct rep_service *s);
/* The engine's counters and the ban writer's, for metrics; false (out
 * untouched) when s is NULL (reputation off). */
struct rep_service_counters {
	struct rep_stats rep;		/* guard/reputation.h */
	uint64_t ban_writes, ban_queue_drops, ban_table_full, ban_evicted, ban_errors;
};
bool rep_service_counters(struct rep_service *s, struct rep_service_counters *out);
/* One status fragment: " rep=N bans=N ..." */
void rep_service_status(struct rep_service *s, char *buf, size_t len);

/* For the API: the top sources by score (JSON array), one source
 * explained (JSON object; -ENOENT: no record), forgetting one (its
 * reputation ban lifted too; -ENOENT: nothing known). who is logged. */
int rep_service_top_json(struct rep_service *s, size_t limit, FILE *out);
int rep_service_show_json(struct rep_service *s, const struct aegis_addr *a, FILE *out);
int rep_service_forget(struct rep_service *s, const struct aegis_addr *a, const char *who,
		       bool *lifted);
/* The live switch of its actions: off = mode detect (score, log, never
 * ban, throttle or soft-block) until switched on; kept across reloads. */
void rep_service_set_actions(struct rep_service *s, bool on);
/* Actions applied: enabled, not mode detect, not switched off. */
bool rep_service_actions(const struct rep_service *s);

/* The XDP drop reason's input; -1 for drops that say nothing of the source. */
int rep_input_of_stat(unsigned int stat);

#endif /* AEGIS_REP_SERVICE_H */
