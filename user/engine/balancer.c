// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Target selection for the proxy engine; see balancer.h for the rules. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errbuf.h"
#include "engine/balancer.h"

#define NIL UINT32_MAX

struct sticky_entry {
	struct aegis_addr client;
	uint64_t last_ns;
	uint32_t target;
	uint32_t hnext;		/* hash chain */
	uint32_t prev, next;	/* LRU list, head = most recently used */
};

struct sticky_shard {
	_Alignas(64) pthread_mutex_t lock;
	uint32_t cap, used, mask;
	uint32_t head, tail;
	uint32_t *bucket;
	struct sticky_entry *e;
};

struct lb_target {
	struct lb_target_state st;
	struct sockaddr_storage addr;
	unsigned int weight;
};

struct lb {
	struct lb_params p;
	size_t n;
	struct sticky_shard *shards;
	unsigned int nshards;
	_Alignas(64) atomic_uint_least64_t ticket;
	struct lb_target t[];
};

/* One healthy target as seen by one pick. */
struct cand {
	uint32_t idx;
	uint32_t w;	/* effective weight: ramp, times weight for LB_WEIGHTED */
};

/* ---- hashing and randomness ---- */

static uint64_t mix64(uint64_t x)
{
	/* splitmix64 finalizer: spreads FNV's weak low bits over all 64. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t fnv1a64(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void lb_rng_seed(struct lb_rng *r, uint64_t seed)
{
	r->s = mix64(seed + 0x9e3779b97f4a7c15ULL);
	if (!r->s)
		r->s = 0x9e3779b97f4a7c15ULL;
}

uint64_t lb_rng_next(struct lb_rng *r)
{
	uint64_t x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, bound): the high half of a 64x64 product, no modulo bias
 * worth measuring for bounds this small. */
static uint64_t rng_below(struct lb_rng *r, uint64_t bound)
{
	return (uint64_t)(((unsigned __int128)lb_rng_next(r) * bound) >> 64);
}

/* ---- names ---- */

static const char *const algo_names[] = {
	[LB_ROUND_ROBIN] = "round-robin",
	[LB_WEIGHTED] = "weighted",
	[LB_LEAST_CONN] = "least-conn",
	[LB_IP_HASH] = "ip-hash",
	[LB_RANDOM] = "random",
};

int lb_algo_parse(const char *s, enum lb_algo *out)
{
	for (size_t i = 0; s && i < sizeof(algo_names) / sizeof(algo_names[0]); i++) {
		if (strcmp(s, algo_names[i]) == 0) {
			*out = (enum lb_algo)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *lb_algo_name(enum lb_algo a)
{
	if ((unsigned int)a >= sizeof(algo_names) / sizeof(algo_names[0]))
		return "?";
	return algo_names[a];
}

/* ---- creation ---- */

/* Every validation failure is -EINVAL with a sentence in err. */
#define fail(err, len, ...) (errbuf_set((err), (len), __VA_ARGS__), -EINVAL)

static bool is_pow2(unsigned int v)
{
	return v && !(v & (v - 1));
}

static int check_params(const struct lb_params *p, const struct lb_target_conf *t,
			size_t n, char *err, size_t len)
{
	if ((unsigned int)p->algo > LB_RANDOM)
		return fail(err, len, "unknown load-balancing algorithm %d", (int)p->algo);
	if (n == 0)
		return fail(err, len, "no upstream targets");
	if (n > LB_MAX_TARGETS)
		return fail(err, len, "%zu upstream targets, more than %d", n, LB_MAX_TARGETS);
	for (size_t i = 0; i < n; i++) {
		if (t[i].weight == 0 || t[i].weight > LB_WEIGHT_MAX)
			return fail(err, len, "target %zu: weight %u is outside 1..%d",
				    i, t[i].weight, LB_WEIGHT_MAX);
		if (t[i].addr.ss_family != AF_INET && t[i].addr.ss_family != AF_INET6)
			return fail(err, len, "target %zu: address is not IPv4 or IPv6", i);
	}
	if (!p->sticky)
		return 0;
	if (p->sticky_ttl_ns == 0)
		return fail(err, len, "sticky sessions need a TTL above 0");
	if (p->sticky_shards && (!is_pow2(p->sticky_shards) ||
				 p->sticky_shards > LB_STICKY_SHARDS_MAX))
		return fail(err, len, "sticky shard count %u is not a power of two up to %d",
			    p->sticky_shards, LB_STICKY_SHARDS_MAX);
	return 0;
}

static int shard_init(struct sticky_shard *s, uint32_t cap)
{
	uint32_t nb = 1;

	while (nb < cap)
		nb <<= 1;
	s->cap = cap;
	s->used = 0;
	s->mask = nb - 1;
	s->head = s->tail = NIL;
	s->bucket = malloc(nb * sizeof(*s->bucket));
	s->e = calloc(cap, sizeof(*s->e));
	if (!s->bucket || !s->e)
		return -ENOMEM;
	memset(s->bucket, 0xff, nb * sizeof(*s->bucket));	/* all NIL */
	return -pthread_mutex_init(&s->lock, NULL);
}

static int sticky_init(struct lb *lb)
{
	unsigned int max = lb->p.sticky_max ? lb->p.sticky_max : LB_STICKY_MAX_DEFAULT;
	unsigned int ns = lb->p.sticky_shards ? lb->p.sticky_shards : LB_STICKY_SHARDS_DEFAULT;

	/* Fewer shards than entries would leave empty shards: shrink. */
	while (ns > max)
		ns >>= 1;
	lb->shards = aligned_alloc(64, ns * sizeof(*lb->shards));
	if (!lb->shards)
		return -ENOMEM;
	memset(lb->shards, 0, ns * sizeof(*lb->shards));
	lb->nshards = ns;
	for (unsigned int i = 0; i < ns; i++) {
		/* Even split; the bound stays <= sticky_max. */
		int ret = shard_init(&lb->shards[i], max / ns);

		if (ret)
			return ret;
	}
	return 0;
}

int lb_create(struct lb **out, const struct lb_params *p,
	      const struct lb_target_conf *targets, size_t n,
	      char *err, size_t errlen)
{
	size_t size = sizeof(struct lb) + n * sizeof(struct lb_target);
	struct lb *lb;
	int ret;

	ret = check_params(p, targets, n, err, errlen);
	if (ret)
		return ret;
	size = (size + 63) & ~(size_t)63;	/* aligned_alloc wants a multiple */
	lb = aligned_alloc(64, size);
	if (!lb)
		return -ENOMEM;
	memset(lb, 0, size);
	lb->p = *p;
	lb->n = n;
	atomic_init(&lb->ticket, 0);
	for (size_t i = 0; i < n; i++) {
		lb->t[i].addr = targets[i].addr;
		lb->t[i].weight = targets[i].weight;
		atomic_init(&lb->t[i].st.healthy, true);	/* optimistic */
		atomic_init(&lb->t[i].st.ramp_start_ns, 0);
		atomic_init(&lb->t[i].st.active, 0);
		atomic_init(&lb->t[i].st.picks, 0);
		atomic_init(&lb->t[i].st.ejected, false);
	}
	if (p->sticky) {
		ret = sticky_init(lb);
		if (ret) {
			lb_destroy(lb);
			return ret;
		}
	}
	*out = lb;
	return 0;
}

void lb_destroy(struct lb *lb)
{
	if (!lb)
		return;
	for (unsigned int i = 0; lb->shards && i < lb->nshards; i++) {
		if (lb->shards[i].e)
			pthread_mutex_destroy(&lb->shards[i].lock);
		free(lb->shards[i].bucket);
		free(lb->shards[i].e);
	}
	free(lb->shards);
	free(lb);
}

/* ---- health and slow start ---- */

void lb_state_set_ejected(struct lb_target_state *st, bool ejected)
{
	atomic_store_explicit(&st->ejected, ejected, memory_order_relaxed);
}

bool lb_state_ejected(const struct lb_target_state *st)
{
	return atomic_load_explicit(&st->ejected, memory_order_relaxed);
}

bool lb_state_healthy(const struct lb_target_state *st)
{
	return atomic_load_explicit(&st->healthy, memory_order_relaxed);
}

void lb_state_set_healthy(struct lb_target_state *st, bool healthy, uint64_t now_ns)
{
	if (!healthy) {
		atomic_store_explicit(&st->healthy, false, memory_order_release);
		return;
	}
	if (atomic_load_explicit(&st->healthy, memory_order_relaxed))
		return;
	/* Ramp start before the flag: a picker that sees healthy sees the ramp.
	 * 0 means "never readmitted", so a readmission at t=0 is stored as 1. */
	atomic_store_explicit(&st->ramp_start_ns, now_ns ? now_ns : 1,
			      memory_order_relaxed);
	atomic_store_explicit(&st->healthy, true, memory_order_release);
}

static unsigned int ramp_of(const struct lb *lb, const struct lb_target_state *st,
			    uint64_t now_ns)
{
	uint64_t start = atomic_load_explicit(&st->ramp_start_ns, memory_order_relaxed);
	uint64_t span = lb->p.slow_start_ns, el;

	if (!span || !start)
		return LB_RAMP_ONE;
	el = now_ns > start ? now_ns - start : 0;
	if (el >= span)
		return LB_RAMP_ONE;
	return LB_RAMP_MIN +
	       (unsigned int)(((unsigned __int128)(LB_RAMP_ONE - LB_RAMP_MIN) * el) / span);
}

unsigned int lb_ramp(const struct lb *lb, size_t idx, uint64_t now_ns)
{
	return idx < lb->n ? ramp_of(lb, &lb->t[idx].st, now_ns) : 0;
}

static bool target_healthy(const struct lb *lb, uint32_t idx)
{
	return atomic_load_explicit(&lb->t[idx].st.healthy, memory_order_acquire) &&
	       !atomic_load_explicit(&lb->t[idx].st.ejected, memory_order_relaxed);
}

/* The healthy targets and their effective weights; *warming if any ramps. */
static size_t snapshot(const struct lb *lb, uint64_t now_ns, struct cand *c,
		       bool *warming)
{
	size_t nh = 0;

	*warming = false;
	for (uint32_t i = 0; i < lb->n; i++) {
		unsigned int q;

		if (!target_healthy(lb, i))
			continue;
		q = ramp_of(lb, &lb->t[i].st, now_ns);
		*warming |= q < LB_RAMP_ONE;
		c[nh].idx = i;
		c[nh].w = lb->p.algo == LB_WEIGHTED ? q * lb->t[i].weight : q;
		nh++;
	}
	return nh;
}

/* ---- algorithms: each returns a target index from the snapshot ---- */

static uint32_t pick_weighted(const struct cand *c, size_t nh, struct lb_rng *rng)
{
	uint64_t total = 0, r;

	for (size_t i = 0; i < nh; i++)
		total += c[i].w;
	r = rng_below(rng, total);
	for (size_t i = 0; i < nh; i++) {
		if (r < c[i].w)
			return c[i].idx;
		r -= c[i].w;
	}
	return c[nh - 1].idx;
}

/* Does a target at ramp w (of 1024) accept its turn in round r? Exactly w
 * of every 1024 consecutive rounds say yes, evenly spaced. */
static bool turn_accepted(uint32_t w, uint64_t round)
{
	uint64_t r = round % LB_RAMP_ONE;

	return w >= LB_RAMP_ONE || (r + 1) * w / LB_RAMP_ONE != r * w / LB_RAMP_ONE;
}

static uint32_t pick_round_robin(struct lb *lb, const struct cand *c, size_t nh,
				 bool warming)
{
	uint64_t t = atomic_fetch_add_explicit(&lb->ticket, 1, memory_order_relaxed);
	size_t k = t % nh;

	if (!warming)
		return c[k].idx;
	for (size_t j = 0; j < nh; j++) {
		const struct cand *x = &c[(k + j) % nh];

		if (turn_accepted(x->w, t / nh))
			return x->idx;
	}
	return c[k].idx;	/* everybody declined: never refuse a healthy set */
}

static uint32_t pick_least_conn(struct lb *lb, const struct cand *c, size_t nh)
{
	uint64_t t = atomic_fetch_add_explicit(&lb->ticket, 1, memory_order_relaxed);
	size_t k = t % nh, best = k;
	uint64_t best_load = 0;

	for (size_t j = 0; j < nh; j++) {
		size_t i = (k + j) % nh;
		int act = atomic_load_explicit(&lb->t[c[i].idx].st.active,
					       memory_order_relaxed);
		uint64_t load = (uint64_t)(act > 0 ? act : 0) + 1;

		/* (load / w) < (best_load / best_w), cross-multiplied. */
		if (j == 0 || load * c[best].w < best_load * c[i].w) {
			best = i;
			best_load = load;
		}
	}
	return c[best].idx;
}

static uint32_t pick_ip_hash(const struct cand *c, size_t nh, const struct aegis_addr *client)
{
	uint64_t h = fnv1a64(client, sizeof(*client)), best_score = 0;
	uint32_t best = c[0].idx;

	for (size_t i = 0; i < nh; i++) {
		/* Keyed by the target's index, not its position among the
		 * healthy, so a change elsewhere does not move this client. */
		uint64_t s = mix64(h ^ ((uint64_t)(c[i].idx + 1) * 0x9e3779b97f4a7c15ULL));

		if (i == 0 || s > best_score) {
			best_score = s;
			best = c[i].idx;
		}
	}
	return best;
}

static int pick_algo(struct lb *lb, const struct aegis_addr *client, uint64_t now_ns,
		     struct lb_rng *rng)
{
	struct cand c[LB_MAX_TARGETS];
	bool warming;
	size_t nh = snapshot(lb, now_ns, c, &warming);

	if (!nh)
		return -EHOSTUNREACH;
	switch (lb->p.algo) {
	case LB_ROUND_ROBIN:
		return (int)pick_round_robin(lb, c, nh, warming);
	case LB_WEIGHTED:
		return (int)pick_weighted(c, nh, rng);
	case LB_LEAST_CONN:
		return (int)pick_least_conn(lb, c, nh);
	case LB_IP_HASH:
		return (int)pick_ip_hash(c, nh, client);
	case LB_RANDOM:
		if (!warming)
			return (int)c[rng_below(rng, nh)].idx;
		return (int)pick_weighted(c, nh, rng);
	}
	return -EINVAL;
}

/* ---- sticky table: per-shard hash chains plus an LRU list ---- */

static uint64_t client_hash(const struct aegis_addr *a)
{
	return mix64(fnv1a64(a, sizeof(*a)));
}

static void lru_unlink(struct sticky_shard *s, uint32_t i)
{
	struct sticky_entry *e = &s->e[i];

	if (e->prev != NIL)
		s->e[e->prev].next = e->next;
	else
		s->head = e->next;
	if (e->next != NIL)
		s->e[e->next].prev = e->prev;
	else
		s->tail = e->prev;
}

static void lru_push_head(struct sticky_shard *s, uint32_t i)
{
	s->e[i].prev = NIL;
	s->e[i].next = s->head;
	if (s->head != NIL)
		s->e[s->head].prev = i;
	s->head = i;
	if (s->tail == NIL)
		s->tail = i;
}

static uint32_t sticky_find(struct sticky_shard *s, uint64_t h,
			    const struct aegis_addr *client)
{
	for (uint32_t i = s->bucket[h & s->mask]; i != NIL; i = s->e[i].hnext)
		if (memcmp(&s->e[i].client, client, sizeof(*client)) == 0)
			return i;
	return NIL;
}

static void hash_unlink(struct sticky_shard *s, uint32_t i)
{
	uint32_t *pp = &s->bucket[client_hash(&s->e[i].client) & s->mask];

	while (*pp != i)
		pp = &s->e[*pp].hnext;
	*pp = s->e[i].hnext;
}

/* A free slot, or the least recently used entry taken out of the table. */
static uint32_t sticky_alloc(struct sticky_shard *s)
{
	uint32_t i;

	if (s->used < s->cap)
		return s->used++;
	i = s->tail;
	lru_unlink(s, i);
	hash_unlink(s, i);
	return i;
}

static void sticky_store(struct sticky_shard *s, uint32_t i, uint64_t h,
			 const struct aegis_addr *client, uint32_t target, uint64_t now_ns)
{
	if (i == NIL) {
		i = sticky_alloc(s);
		s->e[i].client = *client;
		s->e[i].hnext = s->bucket[h & s->mask];
		s->bucket[h & s->mask] = i;
	} else {
		lru_unlink(s, i);
	}
	s->e[i].target = target;
	s->e[i].last_ns = now_ns;
	lru_push_head(s, i);
}

static bool sticky_live(const struct lb *lb, const struct sticky_entry *e, uint64_t now_ns)
{
	/* Workers' clocks may be read a little apart: never negative. */
	return now_ns <= e->last_ns || now_ns - e->last_ns < lb->p.sticky_ttl_ns;
}

static int pick_sticky(struct lb *lb, const struct aegis_addr *client, uint64_t now_ns,
		       struct lb_rng *rng)
{
	uint64_t h = client_hash(client);
	/* Top bits choose the shard, low bits the bucket: independent. */
	struct sticky_shard *s = &lb->shards[(h >> 32) & (lb->nshards - 1)];
	uint32_t i;
	int idx;

	pthread_mutex_lock(&s->lock);
	i = sticky_find(s, h, client);
	if (i != NIL && sticky_live(lb, &s->e[i], now_ns) &&
	    target_healthy(lb, s->e[i].target)) {
		idx = (int)s->e[i].target;
		sticky_store(s, i, h, client, (uint32_t)idx, now_ns);
	} else {
		/* Picked under the lock so that a client's concurrent
		 * connections agree on one target. */
		idx = pick_algo(lb, client, now_ns, rng);
		if (idx >= 0)
			sticky_store(s, i, h, client, (uint32_t)idx, now_ns);
	}
	pthread_mutex_unlock(&s->lock);
	return idx;
}

size_t lb_sticky_count(struct lb *lb)
{
	size_t n = 0;

	for (unsigned int i = 0; lb->p.sticky && i < lb->nshards; i++) {
		pthread_mutex_lock(&lb->shards[i].lock);
		n += lb->shards[i].used;
		pthread_mutex_unlock(&lb->shards[i].lock);
	}
	return n;
}

/* ---- picking and releasing ---- */

int lb_pick(struct lb *lb, const struct aegis_addr *client, uint64_t now_ns,
	    struct lb_rng *rng)
{
	bool need_client = lb->p.sticky || lb->p.algo == LB_IP_HASH;
	bool need_rng = lb->p.algo == LB_WEIGHTED || lb->p.algo == LB_RANDOM;
	int idx;

	if ((need_client && !client) || (need_rng && !rng))
		return -EINVAL;
	if (lb->p.sticky)
		idx = pick_sticky(lb, client, now_ns, rng);
	else
		idx = pick_algo(lb, client, now_ns, rng);
	if (idx < 0)
		return idx;
	atomic_fetch_add_explicit(&lb->t[idx].st.active, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&lb->t[idx].st.picks, 1, memory_order_relaxed);
	return idx;
}

int lb_release(struct lb *lb, int idx)
{
	atomic_int *a;
	int cur;

	if (idx < 0 || (size_t)idx >= lb->n)
		return -EINVAL;
	a = &lb->t[idx].st.active;
	cur = atomic_load_explicit(a, memory_order_relaxed);
	/* CAS, not fetch_sub: an unpaired release must not drive it negative. */
	do {
		if (cur <= 0)
			return -EINVAL;
	} while (!atomic_compare_exchange_weak_explicit(a, &cur, cur - 1,
							memory_order_relaxed,
							memory_order_relaxed));
	return 0;
}

/* ---- accessors ---- */

size_t lb_count(const struct lb *lb)
{
	return lb->n;
}

const struct sockaddr_storage *lb_target_addr(const struct lb *lb, size_t idx)
{
	return idx < lb->n ? &lb->t[idx].addr : NULL;
}

struct lb_target_state *lb_target_state(struct lb *lb, size_t idx)
{
	return idx < lb->n ? &lb->t[idx].st : NULL;
}

int lb_client_from_sockaddr(const struct sockaddr_storage *ss, struct aegis_addr *out)
{
	if (ss->ss_family == AF_INET) {
		addr_from_ipv4(out, ((const struct sockaddr_in *)ss)->sin_addr.s_addr);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)ss)->sin6_addr, sizeof(*out));
		return 0;
	}
	return -EAFNOSUPPORT;
}
