/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * engine_rep: the proxy workers' side of the reputation engine
 * (guard/reputation.h). aegisd publishes the engine once it runs
 * (engine_rep_set); the workers report what they see on their own queue
 * (the worker id) and, once per loop turn, end the open connections and
 * sessions of every source banned since their last turn: XDP drops the
 * banned client's FIN and RST, so without this they would live until
 * their idle timeout.
 */
#ifndef AEGIS_ENGINE_REP_H
#define AEGIS_ENGINE_REP_H

#include <stdbool.h>
#include <stdint.h>

#include "aegis/maps.h"
#include "aegis/reputation.h"

struct rep;
struct worker;

/* What a soft-blocked source's request gets (reputation.softblock). */
enum engine_rep_softblock { ENGINE_REP_SB_403, ENGINE_REP_SB_CLOSE };

/* Main thread: the running engine, or NULL (disabled, stopping). */
void engine_rep_set(struct rep *r, enum engine_rep_softblock sb);
/* Any thread: the engine, or NULL. */
struct rep *engine_rep(void);
enum engine_rep_softblock engine_rep_softblock(void);

/* Worker thread: one report on the worker's queue (no-op when disabled). */
void engine_rep_report(struct worker *w, const struct aegis_addr *src, enum aegis_rep_input in,
		       unsigned int flags);
/* Worker thread: true for one clean request in ENGINE_REP_CLEAN_SAMPLE. */
#define ENGINE_REP_CLEAN_SAMPLE 4
bool engine_rep_clean_sample(struct worker *w);
/* Worker thread: a TCP connection's timeout (why: conn_expired's reason,
 * NULL = none); via: the client came from a trusted PROXY header. */
struct sockaddr_storage;
void engine_rep_timeout(struct worker *w, const struct sockaddr_storage *client, const char *why,
			bool via);
/* Worker thread, once per loop turn: close what newly banned sources hold. */
void engine_rep_turn(struct worker *w);

#endif /* AEGIS_ENGINE_REP_H */
