// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Bounded sharded digest table; see keytab.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lib/keytab.h"

#define NIL UINT32_MAX

struct kt_entry {
	uint64_t dig[2];
	uint64_t expire_ms;
	uint32_t chain;		/* next in the hash bucket */
	uint32_t prev, next;	/* LRU list, head = most recent */
	bool used;
};

struct kt_shard {
	pthread_mutex_t lock;
	uint32_t *buckets;	/* heads of chains, NIL if empty */
	uint32_t mask;
	uint32_t cap, n_used;
	uint32_t lru_head, lru_tail;
	unsigned char *pool;	/* cap x stride */
	uint64_t evicted, expired;
};

struct keytab {
	size_t val_size, stride;
	struct kt_shard shards[KEYTAB_SHARDS];
};

/* SipHash-2-4 (Aumasson, Bernstein). libcrypto's EVP_MAC would cost a
 * context per call and is not linked into aegisd; the function is small. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); } while (0)

static uint64_t siphash24(const uint64_t k[2], const unsigned char *p, size_t len)
{
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ull, v1 = k[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ull, v3 = k[1] ^ 0x7465646279746573ull;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, tail = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, p + i, 8);	/* little-endian hosts only (x86, arm64) */
		v3 ^= m;
		SIPROUND; SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < tail; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND; SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND; SIPROUND; SIPROUND; SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t kt_key[4];
static pthread_once_t kt_key_once = PTHREAD_ONCE_INIT;

/* A random key per process: digests are never stored or compared across
 * restarts. getrandom() without flags blocks only before the pool is
 * seeded at boot. */
static void kt_key_init(void)
{
	if (getrandom(kt_key, sizeof(kt_key), 0) != sizeof(kt_key))
		kt_key[0] = (uint64_t)(uintptr_t)&kt_key ^ 0x9e3779b97f4a7c15ull;
}

void keytab_digest(const void *key, size_t len, uint64_t out[2])
{
	pthread_once(&kt_key_once, kt_key_init);
	out[0] = siphash24(&kt_key[0], key, len);
	out[1] = siphash24(&kt_key[2], key, len);
}

static struct kt_entry *kt_at(const struct keytab *t, const struct kt_shard *s, uint32_t i)
{
	return (struct kt_entry *)(s->pool + (size_t)i * t->stride);
}

static int kt_shard_init(struct kt_shard *s, uint32_t cap, size_t stride)
{
	uint32_t nb = 1;

	while (nb < cap)
		nb <<= 1;
	s->buckets = malloc(nb * sizeof(*s->buckets));
	s->pool = calloc(cap, stride);
	if (!s->buckets || !s->pool)
		return -ENOMEM;
	memset(s->buckets, 0xff, nb * sizeof(*s->buckets));
	s->mask = nb - 1;
	s->cap = cap;
	s->lru_head = s->lru_tail = NIL;
	return -pthread_mutex_init(&s->lock, NULL);
}

struct keytab *keytab_new(uint32_t capacity, size_t val_size)
{
	uint32_t per = (capacity + KEYTAB_SHARDS - 1) / KEYTAB_SHARDS;
	struct keytab *t;
	int i;

	if (!capacity || val_size > 4096)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->val_size = val_size;
	t->stride = (sizeof(struct kt_entry) + val_size + 15) & ~(size_t)15;
	for (i = 0; i < KEYTAB_SHARDS; i++) {
		if (kt_shard_init(&t->shards[i], per, t->stride)) {
			free(t->shards[i].buckets);
			free(t->shards[i].pool);
			goto fail;
		}
	}
	return t;
fail:
	while (i-- > 0) {
		pthread_mutex_destroy(&t->shards[i].lock);
		free(t->shards[i].buckets);
		free(t->shards[i].pool);
	}
	free(t);
	return NULL;
}

void keytab_free(struct keytab *t)
{
	if (!t)
		return;
	for (int i = 0; i < KEYTAB_SHARDS; i++) {
		pthread_mutex_destroy(&t->shards[i].lock);
		free(t->shards[i].buckets);
		free(t->shards[i].pool);
	}
	free(t);
}

static void kt_lru_unlink(const struct keytab *t, struct kt_shard *s, uint32_t i)
{
	struct kt_entry *e = kt_at(t, s, i);

	if (e->prev != NIL)
		kt_at(t, s, e->prev)->next = e->next;
	else
		s->lru_head = e->next;
	if (e->next != NIL)
		kt_at(t, s, e->next)->prev = e->prev;
	else
		s->lru_tail = e->prev;
}

static void kt_lru_push(const struct keytab *t, struct kt_shard *s, uint32_t i)
{
	struct kt_entry *e = kt_at(t, s, i);

	e->prev = NIL;
	e->next = s->lru_head;
	if (s->lru_head != NIL)
		kt_at(t, s, s->lru_head)->prev = i;
	s->lru_head = i;
	if (s->lru_tail == NIL)
		s->lru_tail = i;
}

static void kt_chain_unlink(const struct keytab *t, struct kt_shard *s, uint32_t i)
{
	struct kt_entry *e = kt_at(t, s, i);
	uint32_t *pp = &s->buckets[(e->dig[0] >> 6) & s->mask];

	while (*pp != i)
		pp = &kt_at(t, s, *pp)->chain;
	*pp = e->chain;
}

/* A slot for a new key: a never used one, else the LRU tail. */
static uint32_t kt_take_slot(const struct keytab *t, struct kt_shard *s, uint64_t now_ms)
{
	uint32_t i;

	if (s->n_used < s->cap)
		return s->n_used++;
	i = s->lru_tail;
	if (kt_at(t, s, i)->expire_ms <= now_ms)
		s->expired++;
	else
		s->evicted++;
	kt_lru_unlink(t, s, i);
	kt_chain_unlink(t, s, i);
	return i;
}

static uint32_t kt_find(const struct keytab *t, const struct kt_shard *s, const uint64_t dig[2])
{
	uint32_t i = s->buckets[(dig[0] >> 6) & s->mask];

	while (i != NIL) {
		const struct kt_entry *e = kt_at(t, s, i);

		if (e->dig[0] == dig[0] && e->dig[1] == dig[1])
			return i;
		i = e->chain;
	}
	return NIL;
}

static uint32_t kt_insert(const struct keytab *t, struct kt_shard *s, const uint64_t dig[2],
			  uint64_t now_ms)
{
	uint32_t i = kt_take_slot(t, s, now_ms);
	struct kt_entry *e = kt_at(t, s, i);
	uint32_t *head = &s->buckets[(dig[0] >> 6) & s->mask];

	memset(e, 0, t->stride);
	e->dig[0] = dig[0];
	e->dig[1] = dig[1];
	e->used = true;
	e->chain = *head;
	*head = i;
	kt_lru_push(t, s, i);
	return i;
}

int keytab_update(struct keytab *t, const void *key, size_t len, uint64_t now_ms,
		  bool create, keytab_fn fn, void *arg)
{
	uint64_t dig[2];
	struct kt_shard *s;
	struct kt_entry *e;
	bool fresh = false;
	uint32_t i;
	int rc;

	keytab_digest(key, len, dig);
	s = &t->shards[dig[0] & (KEYTAB_SHARDS - 1)];
	pthread_mutex_lock(&s->lock);
	i = kt_find(t, s, dig);
	if (i != NIL && kt_at(t, s, i)->expire_ms <= now_ms) {
		if (!create) {
			rc = -ENOENT;
			goto out;
		}
		memset(kt_at(t, s, i) + 1, 0, t->val_size);
		fresh = true;
	}
	if (i == NIL) {
		if (!create) {
			rc = -ENOENT;
			goto out;
		}
		i = kt_insert(t, s, dig, now_ms);
		fresh = true;
	} else {
		kt_lru_unlink(t, s, i);
		kt_lru_push(t, s, i);
	}
	e = kt_at(t, s, i);
	rc = fn(e + 1, fresh, &e->expire_ms, arg);
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void keytab_stats(struct keytab *t, struct keytab_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < KEYTAB_SHARDS; i++) {
		struct kt_shard *s = &t->shards[i];

		pthread_mutex_lock(&s->lock);
		out->entries += s->n_used;
		out->evicted += s->evicted;
		out->expired += s->expired;
		pthread_mutex_unlock(&s->lock);
	}
}
