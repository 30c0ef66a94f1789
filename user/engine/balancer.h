/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Load balancing over a proxy's upstream targets: which target a new
 * connection (or UDP session) goes to. Pure logic: no sockets, no clock
 * reads (callers pass CLOCK_MONOTONIC now_ns), no global randomness
 * (callers pass a per-worker struct lb_rng).
 *
 * Algorithms, all over the currently healthy targets only:
 *   LB_ROUND_ROBIN  a shared atomic ticket; ticket t goes to the
 *                   (t mod n_healthy)-th healthy target. Exact rotation.
 *   LB_WEIGHTED     weighted random (not smooth WRR: that needs a lock
 *                   per pick): P(i) = w_i / sum(w). Weights 1..LB_WEIGHT_MAX.
 *   LB_LEAST_CONN   fewest active connections; ties broken by rotating the
 *                   scan start with the round-robin ticket.
 *   LB_IP_HASH      rendezvous (highest-random-weight) hashing keyed by
 *                   FNV-1a of the client's 16-byte aegis_addr: stable while
 *                   the healthy set is unchanged, and when a target leaves
 *                   or comes back only the clients of that target move.
 *   LB_RANDOM       uniform among healthy targets.
 * Configured weights are used by LB_WEIGHTED only (as in RouteX).
 *
 * Slow start (params.slow_start_ns > 0): a target readmitted by the health
 * checker at time R has the ramp factor
 *     q(t) = LB_RAMP_MIN + (LB_RAMP_ONE - LB_RAMP_MIN) * (t - R) / slow_start_ns
 * (out of LB_RAMP_ONE = 1024, i.e. ~10% rising linearly to 100%) until
 * t = R + slow_start_ns, then q = LB_RAMP_ONE. Targets healthy from the
 * start are never ramped. How q applies:
 *   weighted     draw weight w_i * q_i
 *   random       draw weight q_i (uniform when nobody is warming)
 *   round-robin  a warming target accepts its turn in q/1024 of the
 *                rounds (spread evenly by the ticket); a declined turn
 *                goes to the next healthy target in rotation
 *   least-conn   picks the lowest (active + 1) / q, so a warming target
 *                carries about q/1024 of a full target's load
 *   ip-hash and sticky hits are not ramped: affinity wins.
 *
 * Sticky sessions (params.sticky): client address -> target index,
 * remembered until sticky_ttl_ns after its LAST use (each hit refreshes
 * it). A hit on a healthy target skips the algorithm; an expired entry or
 * an unhealthy target re-picks and overwrites. The table is bounded: at
 * most sticky_max entries, split evenly over sticky_shards shards by
 * address hash; a full shard evicts its least recently used entry (the
 * oldest last use in that shard; expired entries are always the oldest).
 *
 * Threading: lb_pick() and lb_release() may run concurrently on any
 * number of threads. Counters and health flags are C11 atomics; the sticky
 * table is the only lock (a mutex per shard, taken once per lb_pick with
 * sticky on, never per packet). Each target's health has one writer (its
 * health checker, via lb_state_set_healthy()).
 */
#ifndef AEGIS_BALANCER_H
#define AEGIS_BALANCER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/addr.h"

#define LB_MAX_TARGETS		1024
#define LB_WEIGHT_MAX		10000
#define LB_RAMP_ONE		1024	/* full effective weight */
#define LB_RAMP_MIN		102	/* ~10%: where a readmitted target starts */
#define LB_STICKY_MAX_DEFAULT	65536
#define LB_STICKY_SHARDS_DEFAULT 16
#define LB_STICKY_SHARDS_MAX	256

enum lb_algo {
	LB_ROUND_ROBIN,
	LB_WEIGHTED,
	LB_LEAST_CONN,
	LB_IP_HASH,
	LB_RANDOM,
};

/*
 * The per-target state shared by the workers (picks, releases) and the
 * health checker (health). Aligned to a cache line so that targets'
 * counters do not false-share.
 */
struct lb_target_state {
	_Alignas(64) atomic_bool healthy;
	atomic_uint_least64_t ramp_start_ns;	/* last readmission; 0 = never */
	atomic_int active;			/* open connections */
	atomic_uint_least64_t picks;		/* lifetime picks, for metrics */
	atomic_bool ejected;			/* taken out by the operator (API) */
};

struct lb_target_conf {
	struct sockaddr_storage addr;
	unsigned int weight;	/* 1..LB_WEIGHT_MAX */
};

struct lb_params {
	enum lb_algo algo;
	uint64_t slow_start_ns;		/* 0: readmitted targets get full weight */
	bool sticky;
	uint64_t sticky_ttl_ns;		/* > 0 when sticky */
	unsigned int sticky_max;	/* 0: LB_STICKY_MAX_DEFAULT */
	unsigned int sticky_shards;	/* power of two; 0: LB_STICKY_SHARDS_DEFAULT */
};

/* Per-worker xorshift64* state; never shared between threads. */
struct lb_rng {
	uint64_t s;
};

struct lb;

/* Any seed (0 included) gives a valid non-zero state. */
void lb_rng_seed(struct lb_rng *r, uint64_t seed);
uint64_t lb_rng_next(struct lb_rng *r);

/* "round-robin", "weighted", "least-conn", "ip-hash", "random". */
int lb_algo_parse(const char *s, enum lb_algo *out);
const char *lb_algo_name(enum lb_algo a);

/*
 * Builds a balancer over n targets, all healthy and unramped. On failure
 * returns -EINVAL (reason in err) or -ENOMEM.
 */
int lb_create(struct lb **out, const struct lb_params *p,
	      const struct lb_target_conf *targets, size_t n,
	      char *err, size_t errlen);
void lb_destroy(struct lb *lb);

/*
 * Chooses the target for a new connection from client (required for
 * ip-hash and sticky; may be NULL otherwise) and counts it as active.
 * Returns the target index, -EHOSTUNREACH when no target is healthy, or
 * -EINVAL. Every successful pick must be paired with one lb_release().
 */
int lb_pick(struct lb *lb, const struct aegis_addr *client, uint64_t now_ns,
	    struct lb_rng *rng);
/* The connection to target idx closed. -EINVAL if none was open. */
int lb_release(struct lb *lb, int idx);

size_t lb_count(const struct lb *lb);
const struct sockaddr_storage *lb_target_addr(const struct lb *lb, size_t idx);
struct lb_target_state *lb_target_state(struct lb *lb, size_t idx);

/*
 * Health setter for the checker. Going unhealthy -> healthy records now_ns
 * as the start of the slow-start ramp.
 */
/* The operator takes a target out of rotation (its open connections go on)
 * or puts it back; health checks go on either way. */
void lb_state_set_ejected(struct lb_target_state *st, bool ejected);
bool lb_state_ejected(const struct lb_target_state *st);
bool lb_state_healthy(const struct lb_target_state *st);
void lb_state_set_healthy(struct lb_target_state *st, bool healthy, uint64_t now_ns);

/* The slow-start factor of target idx at now_ns, LB_RAMP_MIN..LB_RAMP_ONE. */
unsigned int lb_ramp(const struct lb *lb, size_t idx, uint64_t now_ns);

/* Live sticky entries (expired ones not yet reused included). */
size_t lb_sticky_count(struct lb *lb);

/* IPv4 as IPv4-mapped, IPv6 as is. 0 or -EAFNOSUPPORT. */
int lb_client_from_sockaddr(const struct sockaddr_storage *ss, struct aegis_addr *out);

#endif /* AEGIS_BALANCER_H */
