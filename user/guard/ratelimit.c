// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Exact token buckets with hot-key cooldown; see ratelimit.h. */
#include <errno.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/errbuf.h"
#include "guard/ratelimit.h"

#define RL_UNIT		100u		/* credit units per token per period ms (factor_pct) */
#define RL_FACTOR_MAX	10000u
#define RL_HOT_WINDOW_MS 1000u
#define RL_CREDIT_MAX	(1ull << 62)

struct ratelimit {
	struct keytab *tab;
	uint32_t hot_multiplier, cooldown_ms;
};

struct rl_state {
	uint64_t credit;	/* RL_UNIT x period_ms per token */
	uint64_t last_ms;	/* newest time seen (workers' clocks may disagree slightly) */
	uint64_t win_start_ms;
	uint64_t cool_until_ms;
	uint32_t win_count;
};

struct rl_op {
	const struct ratelimit *rl;
	const struct http_limit *lim;
	uint64_t refill;	/* credit per ms */
	uint64_t cap, cost;
	uint64_t now;
	struct ratelimit_result *res;
};

struct ratelimit *ratelimit_new(uint32_t capacity, uint32_t hot_multiplier,
				uint32_t cooldown_ms)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));

	if (!rl)
		return NULL;
	rl->tab = keytab_new(capacity, sizeof(struct rl_state));
	if (!rl->tab) {
		free(rl);
		return NULL;
	}
	rl->hot_multiplier = hot_multiplier;
	rl->cooldown_ms = cooldown_ms;
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	keytab_free(rl->tab);
	free(rl);
}

int ratelimit_check(const struct http_limit *lim, char *err, size_t errlen)
{
	if (lim->rate == 0)
		return 0;
	if (lim->burst == 0 || lim->period_ms == 0) {
		errbuf_set(err, errlen, "rate limit: burst and period must be at least 1");
		return -EINVAL;
	}
	if ((uint64_t)lim->burst * lim->period_ms >= RL_CREDIT_MAX / RL_UNIT) {
		errbuf_set(err, errlen, "rate limit: burst %u over %u ms is too large",
			   lim->burst, lim->period_ms);
		return -EINVAL;
	}
	return 0;
}

static uint64_t div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static void rl_refill(struct rl_state *st, const struct rl_op *op)
{
	uint64_t elapsed, need;

	if (op->now <= st->last_ms)
		return;
	elapsed = op->now - st->last_ms;
	st->last_ms = op->now;
	need = op->cap - st->credit;
	/* Compare before multiplying: a key idle for days must not overflow. */
	if (elapsed >= div_ceil(need, op->refill))
		st->credit = op->cap;
	else
		st->credit += elapsed * op->refill;
}

/* True (and the key put in cooldown) if this attempt makes it hot. */
static bool rl_hot(struct rl_state *st, const struct rl_op *op, bool fresh)
{
	const struct http_limit *lim = op->lim;
	uint64_t thresh;

	if (fresh || op->now - st->win_start_ms >= RL_HOT_WINDOW_MS || op->now < st->win_start_ms) {
		st->win_start_ms = op->now;
		st->win_count = 0;
	}
	st->win_count++;
	thresh = div_ceil((uint64_t)op->rl->hot_multiplier * lim->rate * RL_HOT_WINDOW_MS,
			  lim->period_ms);
	if (thresh < lim->burst)
		thresh = lim->burst;
	if (st->win_count <= thresh)
		return false;
	st->cool_until_ms = op->now + op->rl->cooldown_ms;
	return true;
}

static uint64_t rl_expiry(const struct rl_state *st, const struct rl_op *op)
{
	uint64_t full = st->last_ms + div_ceil(op->cap - st->credit, op->refill);
	uint64_t win = st->win_start_ms + RL_HOT_WINDOW_MS;

	if (op->rl->hot_multiplier && win > full)
		full = win;
	return st->cool_until_ms > full ? st->cool_until_ms : full;
}

static int rl_apply(void *val, bool fresh, uint64_t *expire_ms, void *arg)
{
	struct rl_state *st = val;
	struct rl_op *op = arg;
	struct ratelimit_result *res = op->res;

	if (fresh) {
		st->credit = op->cap;
		st->last_ms = op->now;
	}
	rl_refill(st, op);
	res->verdict = RL_ALLOW;
	res->retry_after_ms = 0;
	if (op->rl->hot_multiplier && (st->cool_until_ms > op->now || rl_hot(st, op, fresh))) {
		res->verdict = RL_COOLDOWN;
		res->retry_after_ms = (uint32_t)(st->cool_until_ms - op->now);
		goto out;
	}
	if (st->credit >= op->cost) {
		st->credit -= op->cost;
	} else {
		res->verdict = RL_LIMITED;
		res->retry_after_ms = (uint32_t)div_ceil(op->cost - st->credit, op->refill);
	}
out:
	*expire_ms = rl_expiry(st, op);
	return 0;
}

int ratelimit_take(struct ratelimit *rl, const struct http_limit *lim, uint32_t factor_pct,
		   const void *key, size_t len, uint64_t now_ms, struct ratelimit_result *res)
{
	struct rl_op op = { .rl = rl, .lim = lim, .now = now_ms, .res = res };

	if (lim->rate == 0 || ratelimit_check(lim, NULL, 0))
		return -EINVAL;
	if (factor_pct == 0)
		factor_pct = 100;
	if (factor_pct > RL_FACTOR_MAX)
		factor_pct = RL_FACTOR_MAX;
	op.refill = (uint64_t)lim->rate * factor_pct;
	op.cost = (uint64_t)lim->period_ms * RL_UNIT;
	op.cap = op.cost * lim->burst;
	return keytab_update(rl->tab, key, len, now_ms, true, rl_apply, &op);
}

void ratelimit_entity_key(const struct aegis_addr *a, const char *ua, size_t ua_len,
			  unsigned char out[RL_ENTITY_KEY_LEN])
{
	struct aegis_addr net = *a;
	uint64_t dig[2];

	if (addr_is_v4(a)) {
		net.w[3] &= htonl(0xffffff00u);
	} else {
		net.w[1] &= htonl(0xffff0000u);
		net.w[2] = net.w[3] = 0;
	}
	keytab_digest(ua ? ua : "", ua ? ua_len : 0, dig);
	memcpy(out, &net, sizeof(net));
	memcpy(out + sizeof(net), dig, sizeof(dig));
}

void ratelimit_stats(struct ratelimit *rl, struct keytab_stats *out)
{
	keytab_stats(rl->tab, out);
}
