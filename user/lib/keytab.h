/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * keytab: the bounded, sharded key -> small value table behind the HTTP
 * detection state (rate buckets, funnel gate visits, fingerprint counts),
 * shared by all proxy workers.
 *
 * Keys are arbitrary bytes (an address, an address prefix plus a
 * User-Agent, an API key ...). The table stores only a 128-bit SipHash
 * digest of them under a per-process random key, so memory per entry is
 * fixed and a client choosing its User-Agent cannot aim at one hash chain.
 *
 * 64 shards, one mutex each; every shard owns a fixed slice of the entry
 * pool allocated up front, so a flood of new keys never allocates. When a
 * shard is full, its least recently used entry is reused: counted as
 * "expired" if its owner had declared it dead (expire_ms), else as
 * "evicted" (state lost while still meaningful).
 */
#ifndef AEGIS_KEYTAB_H
#define AEGIS_KEYTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYTAB_SHARDS 64

struct keytab;

struct keytab_stats {
	uint64_t entries;	/* slots holding a key (expired ones until reused) */
	uint64_t evicted;	/* reused before their expiry */
	uint64_t expired;	/* reused after it */
};

/*
 * Called under the shard lock with the key's value. fresh: the key was
 * absent or expired, val is zeroed. Set *expire_ms to the time after
 * which the value means nothing (the entry then counts as absent). The
 * return value is passed back by keytab_update().
 */
typedef int (*keytab_fn)(void *val, bool fresh, uint64_t *expire_ms, void *arg);

/* capacity: entries in total (at least one per shard). NULL on ENOMEM/EINVAL. */
struct keytab *keytab_new(uint32_t capacity, size_t val_size);
void keytab_free(struct keytab *t);

/*
 * Runs fn on key's value. With create false an absent or expired key is
 * not inserted and -ENOENT is returned without calling fn.
 */
int keytab_update(struct keytab *t, const void *key, size_t len, uint64_t now_ms,
		  bool create, keytab_fn fn, void *arg);

void keytab_stats(struct keytab *t, struct keytab_stats *out);

/* The keyed digest itself (exposed for tests and for stable short ids). */
void keytab_digest(const void *key, size_t len, uint64_t out[2]);

#endif /* AEGIS_KEYTAB_H */
