/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Internals of the reputation module (reputation.c, rep_history.c). */
#ifndef AEGIS_REP_PRIV_H
#define AEGIS_REP_PRIV_H

#include <stdatomic.h>

#include "guard/reputation.h"

/* What lock-free readers see of a slot; written only by the owner. */
struct rep_pub {
	_Atomic uint32_t seq;		/* odd while the owner writes */
	_Atomic uint32_t w[4];		/* key */
	_Atomic uint8_t used, action;
	_Atomic uint16_t mult_pct;
};

/* Owner-only part of a slot. */
struct rep_ent {
	struct aegis_addr src;		/* last address seen */
	double score;
	float pts[AEGIS_REP_IN_MAX];
	uint64_t first_ns, last_ns, action_until_ns;
	uint32_t reports;
	uint8_t action, wouldbe;
	bool via_proxy, enforce_seen;
	uint32_t alerted;		/* bit i: score_alerts[i] already sent */
};

struct rep_msg {
	struct aegis_addr src;
	uint8_t in, flags;
};

struct rep_queue {
	_Atomic uint32_t head __attribute__((aligned(64)));	/* producer */
	uint64_t drops;
	_Atomic uint32_t tail __attribute__((aligned(64)));	/* consumer */
	struct rep_msg msgs[REP_QUEUE_LEN] __attribute__((aligned(64)));
};

struct rep_hist {
	struct aegis_addr key;
	uint32_t count;			/* 0 = empty slot */
	uint64_t last_ns;		/* CLOCK_MONOTONIC of the last ban */
};

struct rep_banned {
	_Atomic uint64_t seq;		/* cursor value + 1 once written */
	_Atomic uint32_t w[4];
	_Atomic uint8_t prefixlen;
};

struct rep {
	struct rep_cfg cfg;
	struct rep_hooks hooks;
	uint64_t hkey[2];
	uint32_t nbuckets;		/* power of two */
	struct rep_pub *pub;
	struct rep_ent *ent;
	struct rep_queue *queues;
	unsigned int n_queues;
	struct rep_hist *hist;
	uint32_t nhist;			/* power of two */
	struct rep_banned ring[REP_BANNED_RING];
	_Atomic uint64_t ring_head;
	uint32_t sweep_pos;
	uint64_t last_sweep_ns;
	_Atomic uint64_t misrouted;	/* rep_report() with a queue index out of range */
	struct rep_stats st;
};

uint64_t rep_hash(const struct rep *r, const struct aegis_addr *key);
/* Offence history (rep_history.c). */
struct rep_hist *rep_hist_find(struct rep *r, const struct aegis_addr *key, bool create,
			       uint64_t now_ns);
void rep_hist_forget(struct rep *r, const struct aegis_addr *key);

#endif /* AEGIS_REP_PRIV_H */
