/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A worker's idle keep-alive upstream connections for the HTTP proxy,
 * keyed by (balancer, target). An idle connection carries a poll for
 * input: an upstream that closes it (or talks out of turn) is dropped at
 * once, so a request rarely lands on a dead one. Each entry holds a
 * reference on its proxy; the pool is the worker's (no locking).
 */
#ifndef AEGIS_HTTP_POOL_H
#define AEGIS_HTTP_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/timer.h"

struct worker;
struct proxy;
struct lb;

struct http_idle {
	uint32_t gen, next;		/* free list */
	uint32_t uprev, unext;		/* pooled list (UINT32_MAX-terminated) */
	bool used;
	int fd;
	struct proxy *px;		/* holds a reference */
	const struct lb *lb;
	int target;
	struct http_pool *pool;
	struct timer timer;
};

struct http_pool {
	struct http_idle *idle;
	uint32_t n, free_head, head, used;	/* head: the pooled list */
};

/* n entries at most. 0 or -ENOMEM. */
int http_pool_init(struct http_pool *p, uint32_t n);
/* Closes every pooled connection (of px only, unless px is NULL). */
void http_pool_drop(struct worker *w, struct http_pool *p, const struct proxy *px);
void http_pool_free(struct worker *w, struct http_pool *p);
/*
 * Keeps fd idle for (lb, target) up to idle_ms, unless max of them are
 * pooled already or px is draining: then fd is closed.
 */
void http_pool_put(struct worker *w, struct http_pool *p, int fd, struct proxy *px,
		   const struct lb *lb, int target, uint32_t max, uint32_t idle_ms);
/* An idle connection to (lb, target), now the caller's; -1 if none. */
int http_pool_take(struct worker *w, struct http_pool *p, const struct lb *lb, int target);
/* The completion of an idle connection's poll (UD_HTTP_POOL). */
void http_pool_complete(struct worker *w, struct http_pool *p, uint64_t user_data);

#endif /* AEGIS_HTTP_POOL_H */
