/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ratelimit: the HTTP proxy's token buckets (struct http_limit: `rate`
 * tokens per `period_ms`, at most `burst`), one per key, in a bounded
 * table shared by all workers (keytab.h: sharded, fixed pool, LRU reuse).
 *
 * Refill is exact integer arithmetic: a token is worth period_ms x 100
 * credit units and every millisecond adds rate x factor_pct units, so no
 * rounding accumulates however the requests are spaced, and a change of
 * factor_pct (adaptive rate) applies from the next request on without
 * rescaling stored state. An idle key is equivalent to an absent one (a
 * full bucket), so its entry expires once the bucket would be full.
 *
 * Hot keys: every attempt, allowed or not, is counted in a one-second
 * window that starts at the key's first attempt after the previous window
 * ended. More than max(ceil(multiplier x rate per second), burst) attempts
 * in one window put the key in cooldown for cooldown_ms: every attempt is
 * refused meanwhile, whatever the bucket holds. The burst floor keeps a
 * legitimate burst from an idle client from tripping it.
 */
#ifndef AEGIS_RATELIMIT_H
#define AEGIS_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/http_cfg.h"
#include "lib/keytab.h"

enum ratelimit_verdict {
	RL_ALLOW = 0,
	RL_LIMITED,		/* bucket empty */
	RL_COOLDOWN,		/* hot key */
};

struct ratelimit_result {
	enum ratelimit_verdict verdict;
	uint32_t retry_after_ms;	/* until one token (or the cooldown's end); 0 if allowed */
};

struct ratelimit;

/*
 * capacity: keys tracked (struct http_cfg rate.table_size).
 * hot_multiplier 0 turns hot-key cooldown off. NULL on ENOMEM/EINVAL.
 */
struct ratelimit *ratelimit_new(uint32_t capacity, uint32_t hot_multiplier,
				uint32_t cooldown_ms);
void ratelimit_free(struct ratelimit *rl);

/*
 * 0 if the bucket arithmetic cannot overflow for lim (rate, burst and
 * period_ms all >= 1, burst x period_ms x 100 below 2^62), else -EINVAL
 * with err set. rate 0 (limit off) is valid here: callers skip it.
 */
int ratelimit_check(const struct http_limit *lim, char *err, size_t errlen);

/*
 * Takes one token from key's bucket. factor_pct scales the refill rate
 * (100 = as configured; 0 is read as 100 so a zeroed caller is normal;
 * at most 10000). Returns 0 with res filled, or -EINVAL for a limit that
 * fails ratelimit_check() or a rate of 0.
 */
int ratelimit_take(struct ratelimit *rl, const struct http_limit *lim, uint32_t factor_pct,
		   const void *key, size_t len, uint64_t now_ms, struct ratelimit_result *res);

/*
 * The abuse "entity" of a request: the client's /24 (IPv6: /48) plus its
 * User-Agent (absent = empty), as a fixed-size key. The UA enters as its
 * keyed digest so a long UA costs no more than a short one.
 */
#define RL_ENTITY_KEY_LEN 32
void ratelimit_entity_key(const struct aegis_addr *a, const char *ua, size_t ua_len,
			  unsigned char out[RL_ENTITY_KEY_LEN]);

void ratelimit_stats(struct ratelimit *rl, struct keytab_stats *out);

#endif /* AEGIS_RATELIMIT_H */
