/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * reputation: one score per source (address, or address prefix when
 * grouping is on), fed by every layer, mapped to actions.
 *
 * Threads. Any number of producers (proxy workers, the main loop for XDP
 * events) call rep_report() on their own queue index: a single-producer
 * single-consumer ring each, so the request path takes no lock and shares
 * no cache line with another producer. One owner (aegisd's main loop)
 * calls rep_tick(), which drains the rings and applies the scores. The
 * outcome per source (action, rate multiplier) is published in a fixed
 * set-associative table, each slot under a seqlock: rep_action_of() and
 * friends read it from any thread without a lock. Every other function
 * belongs to the owner thread.
 *
 * Memory is fixed at create: table_size slots in buckets of REP_WAYS.
 * A new source takes an empty slot of its bucket, else the slot whose
 * |score| is lowest, and only if that |score| is below the newcomer's
 * first points (or below a quarter of the throttle threshold): a flood of
 * fresh addresses pushes out idle entries, never the worst offenders, and
 * an active ban or soft block is never evicted. A bucket holds REP_WAYS
 * sources: a ninth offender hashing to a bucket of eight worse ones is not
 * tracked (counted as table_full); size the table for the offenders.
 *
 * Scores decay exponentially (half_life); credit (negative points) stops
 * at -credit_max. Reports flagged REP_F_DETECT (a host in detect mode, or
 * mode: detect globally) are scored, and the action they would cause is
 * reported through on_change with detect set, never applied. A ban goes
 * to a source seen directly; one learned through a trusted proxy
 * (REP_F_VIA_PROXY) gets SOFTBLOCK instead, and a protected source (the
 * caller's predicate: allow-list, upstreams) never more than THROTTLE.
 */
#ifndef AEGIS_REPUTATION_USER_H
#define AEGIS_REPUTATION_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aegis/maps.h"
#include "aegis/reputation.h"
#include "config/rep_cfg.h"

#define REP_WAYS		8	/* slots per bucket */
#define REP_QUEUE_LEN		4096	/* reports per producer ring */
#define REP_BANNED_RING		1024	/* recent bans readers can follow */
#define REP_TOP_INPUTS		3

/* rep_report() flags */
#define REP_F_VIA_PROXY		0x1	/* source learned from XFF / PROXY protocol */
#define REP_F_DETECT		0x2	/* the host is in detect mode */

struct rep;

/* An action change, for logs, bans and alerts (owner thread). */
struct rep_change {
	struct aegis_addr key;		/* the source (masked to its group) */
	struct aegis_addr src;		/* the last address seen in the group */
	uint8_t prefixlen;		/* of key, 128 for one address (IPv4: 96 + n) */
	enum aegis_rep_action from, to;
	bool detect;			/* would-be action, not applied */
	bool protected_src;		/* a ban was withheld: protected */
	double score;
	uint32_t ttl_s;			/* BAN/SOFTBLOCK: how long */
	uint32_t offences;		/* bans so far, this one included */
	enum aegis_rep_input top[REP_TOP_INPUTS];
	double top_pts[REP_TOP_INPUTS];
	size_t n_top;
};

struct rep_hooks {
	/* Never ban these (allow-list, upstreams). May be NULL. */
	bool (*protected_src)(const struct aegis_addr *a, void *ctx);
	/* Every action change, and every threshold crossing for alerts. */
	void (*on_change)(const struct rep_change *ch, void *ctx);
	/* Score first reaching `threshold` (webhooks' min_score). */
	void (*on_score)(const struct rep_change *ch, uint32_t threshold, void *ctx);
	void *ctx;
	uint32_t score_alerts[AEGIS_REP_MAX_WEBHOOKS];	/* thresholds for on_score, 0 = none */
	size_t n_score_alerts;
};

struct rep_stats {
	uint64_t reports;		/* applied */
	uint64_t queue_drops;		/* rings full: reports lost */
	uint64_t table_full;		/* new source not tracked: bucket of offenders */
	uint64_t evicted;		/* entries replaced by a new source */
	uint64_t entries;
	uint64_t bans, softblocks, throttles, withheld;
};

/* What rep_get()/rep_foreach() show of one source. */
struct rep_info {
	struct aegis_addr key, src;
	uint8_t prefixlen;
	double score;			/* decayed to now */
	double pts[AEGIS_REP_IN_MAX];	/* each input's share, decayed */
	uint32_t reports;
	enum aegis_rep_action action, wouldbe;
	uint32_t mult_pct;
	uint64_t first_ns, last_ns;	/* CLOCK_MONOTONIC */
	uint64_t action_until_ns;	/* 0 = none */
	uint32_t offences;
	uint64_t last_offence_ns;
	bool via_proxy, detect_only;
};

/* n_queues: producers (one index each). Returns 0 or negative errno. */
int rep_create(struct rep **out, const struct rep_cfg *cfg, unsigned int n_queues,
	       char *err, size_t errlen);
void rep_destroy(struct rep *r);
/* New weights, thresholds, half-life, mode (not table_size or grouping). */
void rep_configure(struct rep *r, const struct rep_cfg *cfg);
void rep_set_hooks(struct rep *r, const struct rep_hooks *h);

/* ---- any thread ---- */

/* Queues one input; q is the caller's own queue index (< n_queues: else
 * dropped and counted). Never blocks; a full ring drops and counts. */
void rep_report(struct rep *r, const struct aegis_addr *src, enum aegis_rep_input in,
		unsigned int q, unsigned int flags);
enum aegis_rep_action rep_action_of(const struct rep *r, const struct aegis_addr *src);
/* Rate-limit multiplier in percent (100 = unchanged). */
uint32_t rep_multiplier_pct(const struct rep *r, const struct aegis_addr *src);
/* True if the L7 fast-reject check must refuse src (SOFTBLOCK or BAN). */
bool rep_softblocked(const struct rep *r, const struct aegis_addr *src);
/* src masked to its group (the key rep_change and the banned ring carry). */
void rep_group_of(const struct rep *r, const struct aegis_addr *src, struct aegis_addr *key,
		  uint8_t *prefixlen);
/*
 * Sources banned or soft-blocked since *cursor (start with
 * rep_banned_cursor()). Returns 1 and the next group key, 0 when none,
 * or -ESTALE when the reader fell more than REP_BANNED_RING behind (the
 * cursor then skips ahead: check open connections with rep_action_of()).
 */
uint64_t rep_banned_cursor(const struct rep *r);
int rep_banned_next(const struct rep *r, uint64_t *cursor, struct aegis_addr *key,
		    uint8_t *prefixlen);

/* ---- owner thread ---- */

/* Drains the rings and applies scores (call often: a ring holds
 * REP_QUEUE_LEN reports); at most once a second also sweeps a slice of
 * the table (decay, expiry). Returns reports applied. */
size_t rep_tick(struct rep *r, uint64_t now_ns);
/* Applies one report at once (owner thread only; tests, the XDP feed). */
void rep_apply(struct rep *r, const struct aegis_addr *src, enum aegis_rep_input in,
	       unsigned int flags, uint64_t now_ns);
int rep_get(struct rep *r, const struct aegis_addr *src, uint64_t now_ns, struct rep_info *out);
typedef int (*rep_cb)(const struct rep_info *i, void *ctx);
int rep_foreach(struct rep *r, uint64_t now_ns, rep_cb cb, void *ctx);
/* Forgets the source's score and ban history. -ENOENT if unknown. */
int rep_forget(struct rep *r, const struct aegis_addr *src);
void rep_stats(const struct rep *r, struct rep_stats *out);

/* Offence history: STATE_DIR/REP_OFFENCES_FILE, atomic replace. */
#define REP_OFFENCES_FILE "rep_offences.tsv"
int rep_save_offences(struct rep *r, const char *state_dir);
/* Returns the records loaded; *bad counts malformed lines (skipped). */
int rep_load_offences(struct rep *r, const char *state_dir, int *bad);
/* The same on open streams (the fuzz target, tests): *n / the return
 * value count the records written / loaded. */
void rep_write_offences(const struct rep *r, FILE *f, int *n);
int rep_read_offences(struct rep *r, FILE *f, int *bad);

const char *rep_input_name(enum aegis_rep_input in);
const char *rep_action_name(enum aegis_rep_action a);
/* -1 if unknown. */
int rep_input_parse(const char *name);

#endif /* AEGIS_REPUTATION_USER_H */
