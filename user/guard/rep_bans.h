/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rep_bans: the reputation engine's writer into aegis_bans. Bans are
 * queued and written at most bans_per_sec a second (a burst of one
 * second's worth), so an attack from a million addresses cannot turn
 * aegisd into a map-writing loop; the queue is bounded (drops counted).
 * An operator's ban is never overwritten or evicted. When the map is
 * full, the reputation ban with the lowest score gives way to a higher
 * one; otherwise the new ban is refused and counted (full). Owner thread.
 */
#ifndef AEGIS_REP_BANS_H
#define AEGIS_REP_BANS_H

#include <stdint.h>

#include "aegis/reputation.h"
#include "xdp/maps.h"

#define REP_BANS_QUEUE	4096

struct rep_ban_req {
	struct aegis_addr addr;
	uint32_t ttl_s;			/* 0 = permanent */
	double score;
	enum aegis_rep_input top;
};

struct rep_ban_rec {
	struct aegis_addr addr;
	double score;
	uint64_t expires_ns;		/* 0 = slot free */
};

struct rep_bans_stats {
	uint64_t written, queue_drops, full, evicted, kept_operator, errors;
};

struct rep_bans {
	struct aegis_maps *maps;
	uint32_t per_sec;
	double tokens;
	uint64_t last_ns;
	struct rep_ban_req q[REP_BANS_QUEUE];
	uint32_t q_head, q_len;
	struct rep_ban_rec *rec;	/* the bans we wrote, for eviction */
	uint32_t n_rec;
	struct rep_bans_stats st;
};

/* Adopts the reputation bans already in the map (a restart). 0 or -errno. */
int rep_bans_init(struct rep_bans *b, struct aegis_maps *m, uint32_t per_sec);
void rep_bans_free(struct rep_bans *b);
void rep_bans_set_rate(struct rep_bans *b, uint32_t per_sec);
/* Queues a ban; -ENOSPC (counted) if the queue is full. */
int rep_bans_submit(struct rep_bans *b, const struct rep_ban_req *req);
/* Writes what the rate allows. Returns bans written. */
int rep_bans_flush(struct rep_bans *b, uint64_t now_ns);
/* Removes a reputation ban on addr (not an operator's). 0 or -ENOENT. */
int rep_bans_lift(struct rep_bans *b, const struct aegis_addr *addr);

#endif /* AEGIS_REP_BANS_H */
