// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Rate-limited, eviction-aware reputation bans; see rep_bans.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard/rep_bans.h"
#include "guard/reputation.h"

static struct rep_ban_rec *rec_slot(struct rep_bans *b, const struct aegis_addr *a,
				    uint64_t now_ns)
{
	struct rep_ban_rec *free_r = NULL;

	for (uint32_t i = 0; i < b->n_rec; i++) {
		struct rep_ban_rec *r = &b->rec[i];

		if (r->expires_ns && r->expires_ns <= now_ns)
			r->expires_ns = 0;
		if (r->expires_ns && !memcmp(&r->addr, a, sizeof(*a)))
			return r;
		if (!r->expires_ns && !free_r)
			free_r = r;
	}
	return free_r;
}

static int adopt(const struct aegis_addr *a, const struct aegis_ban *ban, void *ctx)
{
	struct rep_bans *b = ctx;
	struct rep_ban_rec *r;

	if (ban->origin != AEGIS_BAN_REPUTATION)
		return 0;
	r = rec_slot(b, a, maps_now_ns());
	if (r)	/* score unknown after a restart: first to give way */
		*r = (struct rep_ban_rec){ .addr = *a, .score = 0,
					   .expires_ns = ban->expires_ns ? ban->expires_ns : UINT64_MAX };
	return 0;
}

int rep_bans_init(struct rep_bans *b, struct aegis_maps *m, uint32_t per_sec)
{
	memset(b, 0, sizeof(*b));
	b->maps = m;
	b->per_sec = per_sec ? per_sec : 1;
	b->tokens = b->per_sec;
	b->n_rec = m->max_entries[MAPS_BANS] ? m->max_entries[MAPS_BANS] : AEGIS_DEF_BAN_ENTRIES;
	b->rec = calloc(b->n_rec, sizeof(*b->rec));
	if (!b->rec)
		return -ENOMEM;
	if (m->fd[MAPS_BANS] >= 0)
		maps_ban_foreach(m, adopt, b);
	return 0;
}

void rep_bans_free(struct rep_bans *b)
{
	free(b->rec);
	b->rec = NULL;
}

void rep_bans_set_rate(struct rep_bans *b, uint32_t per_sec)
{
	b->per_sec = per_sec ? per_sec : 1;
}

int rep_bans_submit(struct rep_bans *b, const struct rep_ban_req *req)
{
	if (b->q_len == REP_BANS_QUEUE) {
		b->st.queue_drops++;
		return -ENOSPC;
	}
	b->q[(b->q_head + b->q_len++) % REP_BANS_QUEUE] = *req;
	return 0;
}

/* Deletes the lowest-score reputation ban below `score`; false if none. */
static bool evict_lower(struct rep_bans *b, double score, uint64_t now_ns)
{
	struct rep_ban_rec *low = NULL;

	for (uint32_t i = 0; i < b->n_rec; i++) {
		struct rep_ban_rec *r = &b->rec[i];

		if (r->expires_ns && r->expires_ns > now_ns && r->score < score &&
		    (!low || r->score < low->score))
			low = r;
	}
	if (!low)
		return false;
	maps_ban_del(b->maps, &low->addr);
	low->expires_ns = 0;
	b->st.evicted++;
	return true;
}

static int write_one(struct rep_bans *b, const struct rep_ban_req *q, uint64_t now_ns)
{
	struct aegis_ban cur;
	char note[AEGIS_NOTE_LEN];
	uint64_t exp = q->ttl_s ? now_ns + q->ttl_s * 1000000000ull : 0;
	struct rep_ban_rec *r;
	int ret;

	/* An operator's (or the XDP strike rule's) ban stays as it is. */
	if (!maps_ban_get(b->maps, &q->addr, &cur) && cur.origin != AEGIS_BAN_REPUTATION &&
	    (!cur.expires_ns || cur.expires_ns > now_ns)) {
		b->st.kept_operator++;
		return 0;
	}
	snprintf(note, sizeof(note), "rep %s", rep_input_name(q->top));
	ret = maps_ban_add(b->maps, &q->addr, (uint64_t)q->ttl_s * 1000, AEGIS_BAN_REPUTATION,
			   0, note);
	if (ret == -E2BIG || ret == -ENOSPC || ret == -ENOMEM) {
		if (!evict_lower(b, q->score, now_ns)) {
			b->st.full++;
			return ret;
		}
		ret = maps_ban_add(b->maps, &q->addr, (uint64_t)q->ttl_s * 1000,
				   AEGIS_BAN_REPUTATION, 0, note);
	}
	if (ret) {
		b->st.errors++;
		return ret;
	}
	b->st.written++;
	r = rec_slot(b, &q->addr, now_ns);
	if (r)
		*r = (struct rep_ban_rec){ .addr = q->addr, .score = q->score,
					   .expires_ns = exp ? exp : UINT64_MAX };
	return 1;
}

int rep_bans_flush(struct rep_bans *b, uint64_t now_ns)
{
	int n = 0;

	if (b->last_ns && now_ns > b->last_ns)
		b->tokens += (double)(now_ns - b->last_ns) / 1e9 * b->per_sec;
	if (b->tokens > b->per_sec)
		b->tokens = b->per_sec;
	b->last_ns = now_ns;
	while (b->q_len && b->tokens >= 1) {
		struct rep_ban_req q = b->q[b->q_head];

		b->q_head = (b->q_head + 1) % REP_BANS_QUEUE;
		b->q_len--;
		b->tokens -= 1;
		if (write_one(b, &q, now_ns) > 0)
			n++;
	}
	return n;
}

int rep_bans_lift(struct rep_bans *b, const struct aegis_addr *addr)
{
	struct aegis_ban cur;
	struct rep_ban_rec *r;

	if (maps_ban_get(b->maps, addr, &cur) || cur.origin != AEGIS_BAN_REPUTATION)
		return -ENOENT;
	maps_ban_del(b->maps, addr);
	r = rec_slot(b, addr, maps_now_ns());
	if (r && !memcmp(&r->addr, addr, sizeof(*addr)))
		r->expires_ns = 0;
	return 0;
}
