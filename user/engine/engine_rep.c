// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The workers' side of the reputation engine; see engine_rep.h. */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "engine/engine_rep.h"
#include "engine/proxy.h"
#include "engine/worker.h"
#include "guard/reputation.h"

static _Atomic(struct rep *) cur_rep;
static atomic_int cur_sb;

void engine_rep_set(struct rep *r, enum engine_rep_softblock sb)
{
	atomic_store_explicit(&cur_sb, (int)sb, memory_order_relaxed);
	atomic_store_explicit(&cur_rep, r, memory_order_release);
}

struct rep *engine_rep(void)
{
	return atomic_load_explicit(&cur_rep, memory_order_acquire);
}

enum engine_rep_softblock engine_rep_softblock(void)
{
	return (enum engine_rep_softblock)atomic_load_explicit(&cur_sb, memory_order_relaxed);
}

void engine_rep_report(struct worker *w, const struct aegis_addr *src, enum aegis_rep_input in,
		       unsigned int flags)
{
	struct rep *r = engine_rep();

	if (r)
		rep_report(r, src, in, (unsigned int)w->id, flags);
}

bool engine_rep_clean_sample(struct worker *w)
{
	return engine_rep() && w->rep_clean_seq++ % ENGINE_REP_CLEAN_SAMPLE == 0;
}

void engine_rep_timeout(struct worker *w, const struct sockaddr_storage *client, const char *why,
			bool via)
{
	struct aegis_addr a;

	/* An idle timeout is how quiet connections end: not misconduct. A
	 * client that never sent its first bytes held a slot for nothing. */
	if (!why || strcmp(why, "handshake_timeout") || !engine_rep())
		return;
	proxy_addr_of(client, &a);
	engine_rep_report(w, &a, AEGIS_REP_IN_HANDSHAKE_TIMEOUT, via ? REP_F_VIA_PROXY : 0);
}

struct ban_match {
	const struct rep *r;
	struct aegis_addr key;
	uint8_t plen;
	bool any;		/* fell behind: every banned source */
};

/* key is already masked to plen (rep_group_of); plen counts IPv4 as 96 + n. */
static bool in_group(const struct aegis_addr *a, const struct aegis_addr *key, uint8_t plen)
{
	const uint8_t *x = (const uint8_t *)a->w, *k = (const uint8_t *)key->w;
	unsigned int full = plen / 8, rest = plen % 8;

	if (full > sizeof(a->w) || memcmp(x, k, full))
		return false;
	return !rest || full >= sizeof(a->w) || !((x[full] ^ k[full]) & (uint8_t)(0xff00u >> rest));
}

/* Only a ban ends connections: a soft-blocked source (behind a trusted
 * proxy) shares its TCP peer with everyone behind that proxy. */
static bool banned_match(const struct aegis_addr *src, void *ctx)
{
	const struct ban_match *m = ctx;

	if (!m->any && !in_group(src, &m->key, m->plen))
		return false;
	return rep_action_of(m->r, src) == AEGIS_REP_BAN;
}

void engine_rep_turn(struct worker *w)
{
	struct rep *r = engine_rep();
	struct ban_match m = { .r = r };
	int ret;

	if (!r)
		return;
	if (!w->rep_cursor_ok) {
		w->rep_cursor = rep_banned_cursor(r);
		w->rep_cursor_ok = true;
		return;
	}
	while ((ret = rep_banned_next(r, &w->rep_cursor, &m.key, &m.plen)) != 0) {
		m.any = ret == -ESTALE;
		worker_close_src(w, banned_match, &m, "banned");
		if (m.any)
			break;
	}
}
