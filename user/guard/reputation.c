// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The reputation table: reports, decay, actions; see reputation.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lib/errbuf.h"
#include "guard/rep_priv.h"

#define NAME(s, n, w) n,
#define ANAME(s, n) n,
static const char *const input_names[] = { AEGIS_REP_INPUT_LIST(NAME) };
static const char *const action_names[] = { AEGIS_REP_ACTION_LIST(ANAME) };
#undef NAME
#undef ANAME

const char *rep_input_name(enum aegis_rep_input in)
{
	return (unsigned int)in < AEGIS_REP_IN_MAX ? input_names[in] : "?";
}

const char *rep_action_name(enum aegis_rep_action a)
{
	return (unsigned int)a < AEGIS_REP_ACTION_MAX ? action_names[a] : "?";
}

int rep_input_parse(const char *name)
{
	for (int i = 0; i < AEGIS_REP_IN_MAX; i++)
		if (!strcmp(name, input_names[i]))
			return i;
	return -1;
}

/* ---- keys and hashing ---- */

static bool is_v4(const struct aegis_addr *a)
{
	return !a->w[0] && !a->w[1] && a->w[2] == __builtin_bswap32(0xffff);
}

void rep_group_of(const struct rep *r, const struct aegis_addr *src, struct aegis_addr *key,
		  uint8_t *prefixlen)
{
	unsigned int plen = is_v4(src) ? 96u + r->cfg.prefix_v4 : r->cfg.prefix_v6;

	/* Words are in network order: mask in host order, store back. */
	for (unsigned int w = 0; w < 4; w++) {
		unsigned int keep = plen > w * 32 ? plen - w * 32 : 0;
		uint32_t m = keep >= 32 ? 0xffffffffu : keep ? ~(0xffffffffu >> keep) : 0;

		key->w[w] = src->w[w] & __builtin_bswap32(m);
	}
	if (prefixlen)
		*prefixlen = (uint8_t)plen;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* Keyed by a per-process random key: a sender cannot aim at one bucket. */
uint64_t rep_hash(const struct rep *r, const struct aegis_addr *key)
{
	uint64_t lo = (uint64_t)key->w[0] << 32 | key->w[1];
	uint64_t hi = (uint64_t)key->w[2] << 32 | key->w[3];

	return mix(mix(lo ^ r->hkey[0]) ^ hi ^ r->hkey[1]);
}

static bool key_eq(const struct aegis_addr *a, const struct aegis_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* ---- lifecycle ---- */

static uint32_t pow2_at_least(uint32_t x)
{
	uint32_t p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

int rep_create(struct rep **out, const struct rep_cfg *cfg, unsigned int n_queues,
	       char *err, size_t errlen)
{
	struct rep *r = calloc(1, sizeof(*r));
	uint32_t slots;

	*out = NULL;
	if (!r)
		goto oom;
	r->cfg = *cfg;
	slots = pow2_at_least(cfg->table_size < REP_WAYS ? REP_WAYS : cfg->table_size);
	r->nbuckets = slots / REP_WAYS;
	r->nhist = slots;
	r->n_queues = n_queues ? n_queues : 1;
	r->pub = calloc(slots, sizeof(*r->pub));
	r->ent = calloc(slots, sizeof(*r->ent));
	r->hist = calloc(r->nhist, sizeof(*r->hist));
	r->queues = aligned_alloc(64, r->n_queues * sizeof(*r->queues));
	if (!r->pub || !r->ent || !r->hist || !r->queues)
		goto oom;
	memset(r->queues, 0, r->n_queues * sizeof(*r->queues));
	if (getrandom(r->hkey, sizeof(r->hkey), 0) != sizeof(r->hkey)) {
		errbuf_set(err, errlen, "reputation: getrandom: %s", strerror(errno));
		rep_destroy(r);
		return -EIO;
	}
	*out = r;
	return 0;
oom:
	errbuf_set(err, errlen, "reputation: cannot allocate a table of %u sources",
		   cfg->table_size);
	rep_destroy(r);
	return -ENOMEM;
}

void rep_destroy(struct rep *r)
{
	if (!r)
		return;
	free(r->pub);
	free(r->ent);
	free(r->hist);
	free(r->queues);
	free(r);
}

void rep_configure(struct rep *r, const struct rep_cfg *cfg)
{
	uint32_t size = r->cfg.table_size;
	uint8_t v4 = r->cfg.prefix_v4, v6 = r->cfg.prefix_v6;

	r->cfg = *cfg;
	r->cfg.table_size = size;
	r->cfg.prefix_v4 = v4;
	r->cfg.prefix_v6 = v6;
}

void rep_set_hooks(struct rep *r, const struct rep_hooks *h)
{
	r->hooks = *h;
}

void rep_stats(const struct rep *r, struct rep_stats *out)
{
	*out = r->st;
	out->queue_drops += atomic_load_explicit(&r->misrouted, memory_order_relaxed);
	for (unsigned int q = 0; q < r->n_queues; q++)
		out->queue_drops += __atomic_load_n(&r->queues[q].drops, __ATOMIC_RELAXED);
}

/* ---- producers ---- */

void rep_report(struct rep *r, const struct aegis_addr *src, enum aegis_rep_input in,
		unsigned int q, unsigned int flags)
{
	struct rep_queue *rq;
	uint32_t head, tail;

	if ((unsigned int)in >= AEGIS_REP_IN_MAX)
		return;
	if (q >= r->n_queues) {
		/* Not a producer we sized for: sharing a ring would break SPSC. */
		atomic_fetch_add_explicit(&r->misrouted, 1, memory_order_relaxed);
		return;
	}
	rq = &r->queues[q];
	head = atomic_load_explicit(&rq->head, memory_order_relaxed);
	tail = atomic_load_explicit(&rq->tail, memory_order_acquire);
	if (head - tail >= REP_QUEUE_LEN) {
		__atomic_store_n(&rq->drops, rq->drops + 1, __ATOMIC_RELAXED);
		return;
	}
	rq->msgs[head % REP_QUEUE_LEN] = (struct rep_msg){ .src = *src, .in = (uint8_t)in,
							   .flags = (uint8_t)flags };
	atomic_store_explicit(&rq->head, head + 1, memory_order_release);
}

/* ---- lock-free readers ---- */

static struct rep_pub *bucket_pub(const struct rep *r, const struct aegis_addr *key)
{
	return &r->pub[(rep_hash(r, key) & (r->nbuckets - 1)) * REP_WAYS];
}

/* Copies the published action and multiplier of src; false if untracked. */
static bool pub_read(const struct rep *r, const struct aegis_addr *src, uint8_t *action,
		     uint16_t *mult)
{
	struct aegis_addr key;
	struct rep_pub *b;

	rep_group_of(r, src, &key, NULL);
	b = bucket_pub(r, &key);
	for (int i = 0; i < REP_WAYS; i++) {
		struct rep_pub *p = &b[i];
		uint32_t s1, s2, w[4];
		uint8_t used, act;
		uint16_t m;

		do {
			s1 = atomic_load_explicit(&p->seq, memory_order_acquire);
			for (int k = 0; k < 4; k++)
				w[k] = atomic_load_explicit(&p->w[k], memory_order_relaxed);
			used = atomic_load_explicit(&p->used, memory_order_relaxed);
			act = atomic_load_explicit(&p->action, memory_order_relaxed);
			m = atomic_load_explicit(&p->mult_pct, memory_order_relaxed);
			atomic_thread_fence(memory_order_acquire);
			s2 = atomic_load_explicit(&p->seq, memory_order_relaxed);
		} while ((s1 & 1) || s1 != s2);
		if (used && !memcmp(w, &key, sizeof(w))) {
			*action = act;
			*mult = m;
			return true;
		}
	}
	return false;
}

enum aegis_rep_action rep_action_of(const struct rep *r, const struct aegis_addr *src)
{
	uint8_t a;
	uint16_t m;

	return pub_read(r, src, &a, &m) ? (enum aegis_rep_action)a : AEGIS_REP_NONE;
}

uint32_t rep_multiplier_pct(const struct rep *r, const struct aegis_addr *src)
{
	uint8_t a;
	uint16_t m;

	return pub_read(r, src, &a, &m) ? m : 100;
}

bool rep_softblocked(const struct rep *r, const struct aegis_addr *src)
{
	return rep_action_of(r, src) >= AEGIS_REP_SOFTBLOCK;
}

uint64_t rep_banned_cursor(const struct rep *r)
{
	return atomic_load_explicit(&r->ring_head, memory_order_acquire);
}

int rep_banned_next(const struct rep *r, uint64_t *cursor, struct aegis_addr *key,
		    uint8_t *prefixlen)
{
	uint64_t head = atomic_load_explicit(&r->ring_head, memory_order_acquire);
	const struct rep_banned *b;
	uint64_t seq;
	uint32_t w[4];
	uint8_t plen;

	if (*cursor >= head)
		return 0;
	if (head - *cursor > REP_BANNED_RING) {
		*cursor = head;
		return -ESTALE;
	}
	b = &r->ring[*cursor % REP_BANNED_RING];
	seq = atomic_load_explicit(&b->seq, memory_order_acquire);
	for (int k = 0; k < 4; k++)
		w[k] = atomic_load_explicit(&b->w[k], memory_order_relaxed);
	plen = atomic_load_explicit(&b->prefixlen, memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	/* Overwritten while read: the reader is a whole ring behind. */
	if (seq != *cursor + 1 ||
	    atomic_load_explicit(&b->seq, memory_order_relaxed) != seq) {
		*cursor = head;
		return -ESTALE;
	}
	memcpy(key, w, sizeof(w));
	*prefixlen = plen;
	(*cursor)++;
	return 1;
}

/* ---- owner: publishing ---- */

static void pub_write(struct rep *r, size_t i, const struct aegis_addr *key, bool used,
		      uint8_t action, uint16_t mult)
{
	struct rep_pub *p = &r->pub[i];
	uint32_t s = atomic_load_explicit(&p->seq, memory_order_relaxed);

	atomic_store_explicit(&p->seq, s + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	for (int k = 0; k < 4; k++)
		atomic_store_explicit(&p->w[k], key->w[k], memory_order_relaxed);
	atomic_store_explicit(&p->used, used, memory_order_relaxed);
	atomic_store_explicit(&p->action, action, memory_order_relaxed);
	atomic_store_explicit(&p->mult_pct, mult, memory_order_relaxed);
	atomic_store_explicit(&p->seq, s + 2, memory_order_release);
}

static void ring_push(struct rep *r, const struct aegis_addr *key, uint8_t prefixlen)
{
	uint64_t h = atomic_load_explicit(&r->ring_head, memory_order_relaxed);
	struct rep_banned *b = &r->ring[h % REP_BANNED_RING];

	atomic_store_explicit(&b->seq, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	for (int k = 0; k < 4; k++)
		atomic_store_explicit(&b->w[k], key->w[k], memory_order_relaxed);
	atomic_store_explicit(&b->prefixlen, prefixlen, memory_order_relaxed);
	atomic_store_explicit(&b->seq, h + 1, memory_order_release);
	atomic_store_explicit(&r->ring_head, h + 1, memory_order_release);
}

/* ---- owner: the table ---- */

static double decayed(const struct rep *r, const struct rep_ent *e, uint64_t now_ns)
{
	double dt;

	if (now_ns <= e->last_ns || !r->cfg.half_life_s)
		return 1.0;
	dt = (double)(now_ns - e->last_ns) / 1e9;
	return exp2(-dt / r->cfg.half_life_s);
}

static void ent_decay(const struct rep *r, struct rep_ent *e, uint64_t now_ns)
{
	double f = decayed(r, e, now_ns);

	if (f < 1.0) {
		e->score *= f;
		for (int i = 0; i < AEGIS_REP_IN_MAX; i++)
			e->pts[i] = (float)(e->pts[i] * f);
	}
	if (now_ns > e->last_ns)
		e->last_ns = now_ns;
}

static uint16_t mult_of(const struct rep *r, const struct rep_ent *e)
{
	if (e->action >= AEGIS_REP_THROTTLE)
		return (uint16_t)r->cfg.throttle_pct;
	if (e->score >= 0 || !r->cfg.credit_max)
		return 100;
	/* Linear in the credit earned: full credit = clean_pct. */
	double f = -e->score / r->cfg.credit_max;

	return (uint16_t)(100 + (double)((int)r->cfg.clean_pct - 100) * (f > 1 ? 1 : f));
}

static void publish(struct rep *r, size_t i, const struct aegis_addr *key)
{
	pub_write(r, i, key, true, r->ent[i].action, mult_of(r, &r->ent[i]));
}

static size_t find_slot(const struct rep *r, const struct aegis_addr *key)
{
	size_t base = (rep_hash(r, key) & (r->nbuckets - 1)) * REP_WAYS;

	for (size_t i = base; i < base + REP_WAYS; i++) {
		if (!atomic_load_explicit(&r->pub[i].used, memory_order_relaxed))
			continue;
		struct aegis_addr k;

		for (int w = 0; w < 4; w++)
			k.w[w] = atomic_load_explicit(&r->pub[i].w[w], memory_order_relaxed);
		if (key_eq(&k, key))
			return i;
	}
	return SIZE_MAX;
}

static bool ent_pinned(const struct rep_ent *e, uint64_t now_ns)
{
	return e->action >= AEGIS_REP_SOFTBLOCK && e->action_until_ns > now_ns;
}

/*
 * A slot for a new key whose first report is worth `pts`: empty, else the
 * lowest |score| of the bucket if a newcomer may take it (see the header).
 */
static size_t claim_slot(struct rep *r, const struct aegis_addr *key, double pts,
			 uint64_t now_ns)
{
	size_t base = (rep_hash(r, key) & (r->nbuckets - 1)) * REP_WAYS, victim = SIZE_MAX;
	double low = INFINITY, floor_pts = r->cfg.throttle / 4.0;

	for (size_t i = base; i < base + REP_WAYS; i++) {
		if (!atomic_load_explicit(&r->pub[i].used, memory_order_relaxed))
			return i;
		struct rep_ent *e = &r->ent[i];
		double s = fabs(e->score * decayed(r, e, now_ns));

		if (!ent_pinned(e, now_ns) && s < low) {
			low = s;
			victim = i;
		}
	}
	if (victim == SIZE_MAX || (low >= fabs(pts) && low >= floor_pts)) {
		r->st.table_full++;
		return SIZE_MAX;
	}
	r->st.evicted++;
	r->st.entries--;
	return victim;
}

static uint32_t ban_ttl(const struct rep *r, uint32_t offences)
{
	size_t n = r->cfg.n_escalation;

	if (!n)
		return 0;
	return r->cfg.escalation_s[offences - 1 < n ? offences - 1 : n - 1];
}

static void top_inputs(const struct rep_ent *e, struct rep_change *ch)
{
	ch->n_top = 0;
	for (int i = 0; i < AEGIS_REP_IN_MAX; i++) {
		double p = e->pts[i];
		size_t j;

		if (p <= 0.05)
			continue;
		for (j = ch->n_top; j > 0 && ch->top_pts[j - 1] < p; j--) {
			if (j < REP_TOP_INPUTS) {
				ch->top[j] = ch->top[j - 1];
				ch->top_pts[j] = ch->top_pts[j - 1];
			}
		}
		if (j < REP_TOP_INPUTS) {
			ch->top[j] = (enum aegis_rep_input)i;
			ch->top_pts[j] = p;
			if (ch->n_top < REP_TOP_INPUTS)
				ch->n_top++;
		}
	}
}

static void change_init(const struct rep *r, size_t i, struct rep_change *ch)
{
	const struct rep_ent *e = &r->ent[i];

	memset(ch, 0, sizeof(*ch));
	ch->src = e->src;
	rep_group_of(r, &e->src, &ch->key, &ch->prefixlen);
	ch->score = e->score;
	top_inputs(e, ch);
}

/* The action the score calls for; bans only when a report arrives. */
static enum aegis_rep_action score_action(const struct rep *r, const struct rep_ent *e,
					  bool on_report)
{
	if (r->cfg.ban && e->score >= r->cfg.ban && on_report)
		return e->via_proxy ? AEGIS_REP_SOFTBLOCK : AEGIS_REP_BAN;
	if (r->cfg.challenge && e->score >= r->cfg.challenge)
		return AEGIS_REP_CHALLENGE;
	if (r->cfg.throttle && e->score >= r->cfg.throttle)
		return AEGIS_REP_THROTTLE;
	return AEGIS_REP_NONE;
}

static void notify(struct rep *r, const struct rep_change *ch)
{
	if (r->hooks.on_change)
		r->hooks.on_change(ch, r->hooks.ctx);
}

/* A ban or soft block starts: escalate, remember, tell the engines. */
static void start_block(struct rep *r, size_t i, struct rep_change *ch, uint64_t now_ns)
{
	struct rep_ent *e = &r->ent[i];
	struct rep_hist *h = rep_hist_find(r, &ch->key, true, now_ns);
	uint32_t count = h ? ++h->count : 1;

	if (h)
		h->last_ns = now_ns;
	ch->offences = count;
	ch->ttl_s = ban_ttl(r, count);
	e->action_until_ns = ch->ttl_s ? now_ns + ch->ttl_s * 1000000000ull : UINT64_MAX;
	ring_push(r, &ch->key, ch->prefixlen);
	if (ch->to == AEGIS_REP_BAN)
		r->st.bans++;
	else
		r->st.softblocks++;
}

/* Detect mode: the would-be action is reported, the applied one stays NONE. */
static void evaluate_detect(struct rep *r, size_t i, struct rep_change *ch,
			    enum aegis_rep_action want)
{
	struct rep_ent *e = &r->ent[i];

	if (want != e->wouldbe) {
		ch->from = (enum aegis_rep_action)e->wouldbe;
		ch->to = want;
		ch->detect = true;
		e->wouldbe = (uint8_t)want;
		notify(r, ch);
	}
	if (e->action == AEGIS_REP_NONE)
		return;
	/* Switched to detect by a reload: what was applied is lifted. */
	ch->detect = false;
	ch->from = (enum aegis_rep_action)e->action;
	ch->to = AEGIS_REP_NONE;
	e->action = AEGIS_REP_NONE;
	e->action_until_ns = 0;
	publish(r, i, &ch->key);
	notify(r, ch);
}

static void evaluate(struct rep *r, size_t i, bool on_report, bool new_src, uint64_t now_ns)
{
	struct rep_ent *e = &r->ent[i];
	enum aegis_rep_action want, held, cur = e->action;
	struct rep_change ch;

	if (ent_pinned(e, now_ns)) {
		/* Another address of a banned group: it needs its own XDP entry. */
		if (on_report && new_src && cur == AEGIS_REP_BAN) {
			change_init(r, i, &ch);
			ch.from = ch.to = cur;
			ch.ttl_s = e->action_until_ns == UINT64_MAX ? 0 :
				(uint32_t)((e->action_until_ns - now_ns) / 1000000000ull) + 1;
			notify(r, &ch);
		}
		return;
	}
	want = held = score_action(r, e, on_report);
	/* Not applied, a would-be block has no TTL to hold it: it lasts while
	 * the score does, or each sweep would log an unban and the next
	 * report a ban again. */
	if ((!e->enforce_seen || r->cfg.detect) && !on_report &&
	    e->wouldbe >= AEGIS_REP_SOFTBLOCK && r->cfg.ban && e->score >= r->cfg.ban)
		want = held = (enum aegis_rep_action)e->wouldbe;
	if (want == cur && want == e->wouldbe)
		return;		/* the common case: nothing to say */
	change_init(r, i, &ch);
	if (want >= AEGIS_REP_SOFTBLOCK && r->hooks.protected_src &&
	    r->hooks.protected_src(&e->src, r->hooks.ctx)) {
		want = AEGIS_REP_THROTTLE;
		if (e->wouldbe < AEGIS_REP_SOFTBLOCK && !r->cfg.detect && e->enforce_seen) {
			/* Said once per crossing: the operator should know. */
			r->st.withheld++;
			ch.protected_src = true;
			ch.from = cur;
			ch.to = held;
			notify(r, &ch);
			ch.protected_src = false;
		}
	}
	if (!e->enforce_seen || r->cfg.detect) {
		evaluate_detect(r, i, &ch, want);
		return;
	}
	e->wouldbe = (uint8_t)held;
	if (want == cur)
		return;
	ch.from = cur;
	ch.to = want;
	e->action = (uint8_t)want;
	e->action_until_ns = 0;
	if (want >= AEGIS_REP_SOFTBLOCK)
		start_block(r, i, &ch, now_ns);
	else if (want == AEGIS_REP_THROTTLE)
		r->st.throttles++;
	publish(r, i, &ch.key);
	notify(r, &ch);
}

static void score_alerts(struct rep *r, size_t i)
{
	struct rep_ent *e = &r->ent[i];
	struct rep_change ch;

	for (size_t k = 0; k < r->hooks.n_score_alerts && r->hooks.on_score; k++) {
		uint32_t t = r->hooks.score_alerts[k];

		if (e->score < t) {
			e->alerted &= ~(1u << k);	/* decayed below: may alert again */
			continue;
		}
		if (e->alerted & (1u << k))
			continue;
		e->alerted |= 1u << k;
		change_init(r, i, &ch);
		ch.from = ch.to = (enum aegis_rep_action)e->action;
		r->hooks.on_score(&ch, t, r->hooks.ctx);
	}
}

void rep_apply(struct rep *r, const struct aegis_addr *src, enum aegis_rep_input in,
	       unsigned int flags, uint64_t now_ns)
{
	double pts = (unsigned int)in < AEGIS_REP_IN_MAX ? r->cfg.weight[in] : 0;
	struct aegis_addr key;
	struct rep_ent *e;
	bool new_src;
	size_t i;

	if (!pts)
		return;
	rep_group_of(r, src, &key, NULL);
	i = find_slot(r, &key);
	if (i == SIZE_MAX) {
		i = claim_slot(r, &key, pts, now_ns);
		if (i == SIZE_MAX)
			return;
		r->ent[i] = (struct rep_ent){ .first_ns = now_ns, .last_ns = now_ns };
		r->st.entries++;
		pub_write(r, i, &key, true, AEGIS_REP_NONE, 100);
	}
	e = &r->ent[i];
	ent_decay(r, e, now_ns);
	new_src = !key_eq(&e->src, src);
	e->src = *src;
	e->score += pts;
	if (e->score < -(double)r->cfg.credit_max)
		e->score = -(double)r->cfg.credit_max;
	if (e->score > AEGIS_REP_MAX_POINTS)
		e->score = AEGIS_REP_MAX_POINTS;
	if (pts > 0)
		e->pts[in] += (float)pts;
	e->reports++;
	e->via_proxy |= !!(flags & REP_F_VIA_PROXY);
	e->enforce_seen |= !(flags & REP_F_DETECT);
	r->st.reports++;
	evaluate(r, i, pts > 0, new_src, now_ns);
	if (pts < 0 && e->action < AEGIS_REP_THROTTLE)
		publish(r, i, &key);	/* the credit multiplier moved */
	score_alerts(r, i);
}

/* Decays a slice of the table: actions expire, forgotten sources leave. */
static void sweep(struct rep *r, uint64_t now_ns)
{
	size_t slots = (size_t)r->nbuckets * REP_WAYS, n = slots < 65536 ? slots : 65536;

	for (size_t k = 0; k < n; k++) {
		size_t i = r->sweep_pos++ & (slots - 1);
		struct rep_ent *e = &r->ent[i];

		struct aegis_addr key;

		if (!atomic_load_explicit(&r->pub[i].used, memory_order_relaxed))
			continue;
		ent_decay(r, e, now_ns);
		evaluate(r, i, false, false, now_ns);
		rep_group_of(r, &e->src, &key, NULL);
		if (e->action == AEGIS_REP_NONE && e->wouldbe == AEGIS_REP_NONE &&
		    fabs(e->score) < 0.5) {
			pub_write(r, i, &key, false, 0, 100);
			r->st.entries--;
		} else if (e->score < 0) {
			publish(r, i, &key);	/* credit decays: so does its multiplier */
		}
	}
}

size_t rep_tick(struct rep *r, uint64_t now_ns)
{
	size_t n = 0;

	for (unsigned int q = 0; q < r->n_queues; q++) {
		struct rep_queue *rq = &r->queues[q];
		uint32_t tail = atomic_load_explicit(&rq->tail, memory_order_relaxed);
		uint32_t head = atomic_load_explicit(&rq->head, memory_order_acquire);

		for (; tail != head; tail++, n++) {
			struct rep_msg m = rq->msgs[tail % REP_QUEUE_LEN];

			atomic_store_explicit(&rq->tail, tail + 1, memory_order_release);
			rep_apply(r, &m.src, (enum aegis_rep_input)m.in, m.flags, now_ns);
		}
	}
	/* The sweep costs a slice of the table: once a second is enough. */
	if (now_ns - r->last_sweep_ns >= 1000000000ull) {
		r->last_sweep_ns = now_ns;
		sweep(r, now_ns);
	}
	return n;
}

static void info_fill(struct rep *r, size_t i, uint64_t now_ns, struct rep_info *out)
{
	const struct rep_ent *e = &r->ent[i];
	double f = decayed(r, e, now_ns);
	struct rep_hist *h;

	memset(out, 0, sizeof(*out));
	out->src = e->src;
	rep_group_of(r, &e->src, &out->key, &out->prefixlen);
	out->score = e->score * f;
	for (int k = 0; k < AEGIS_REP_IN_MAX; k++)
		out->pts[k] = e->pts[k] * f;
	out->reports = e->reports;
	out->action = (enum aegis_rep_action)e->action;
	out->wouldbe = (enum aegis_rep_action)e->wouldbe;
	out->mult_pct = mult_of(r, e);
	out->first_ns = e->first_ns;
	out->last_ns = e->last_ns;
	out->action_until_ns = e->action_until_ns;
	out->via_proxy = e->via_proxy;
	out->detect_only = !e->enforce_seen || r->cfg.detect;
	h = rep_hist_find(r, &out->key, false, now_ns);
	if (h) {
		out->offences = h->count;
		out->last_offence_ns = h->last_ns;
	}
}

int rep_get(struct rep *r, const struct aegis_addr *src, uint64_t now_ns, struct rep_info *out)
{
	struct aegis_addr key;
	struct rep_hist *h;
	size_t i;

	rep_group_of(r, src, &key, NULL);
	i = find_slot(r, &key);
	if (i != SIZE_MAX) {
		info_fill(r, i, now_ns, out);
		return 0;
	}
	h = rep_hist_find(r, &key, false, now_ns);
	if (!h)
		return -ENOENT;
	/* No score left, a ban history still. */
	memset(out, 0, sizeof(*out));
	out->src = *src;
	rep_group_of(r, src, &out->key, &out->prefixlen);
	out->mult_pct = 100;
	out->offences = h->count;
	out->last_offence_ns = h->last_ns;
	return 0;
}

int rep_foreach(struct rep *r, uint64_t now_ns, rep_cb cb, void *ctx)
{
	size_t slots = (size_t)r->nbuckets * REP_WAYS;
	struct rep_info info;
	int ret;

	for (size_t i = 0; i < slots; i++) {
		if (!atomic_load_explicit(&r->pub[i].used, memory_order_relaxed))
			continue;
		info_fill(r, i, now_ns, &info);
		if ((ret = cb(&info, ctx)))
			return ret;
	}
	return 0;
}

int rep_forget(struct rep *r, const struct aegis_addr *src)
{
	struct aegis_addr key;
	bool had;
	size_t i;

	rep_group_of(r, src, &key, NULL);
	i = find_slot(r, &key);
	had = rep_hist_find(r, &key, false, 0) != NULL;
	rep_hist_forget(r, &key);
	if (i == SIZE_MAX)
		return had ? 0 : -ENOENT;
	pub_write(r, i, &key, false, 0, 100);
	memset(&r->ent[i], 0, sizeof(r->ent[i]));
	r->st.entries--;
	return 0;
}
