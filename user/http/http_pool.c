// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Idle keep-alive upstream connections of a worker; see http_pool.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "http/http_pool.h"
#include "engine/proxy.h"
#include "engine/uring_ud.h"
#include "engine/worker.h"

#define NONE UINT32_MAX

int http_pool_init(struct http_pool *p, uint32_t n)
{
	p->idle = calloc(n, sizeof(*p->idle));
	if (!p->idle)
		return -ENOMEM;
	p->n = n;
	for (uint32_t i = 0; i < n; i++) {
		p->idle[i].next = i + 1 < n ? i + 1 : NONE;
		p->idle[i].pool = p;
	}
	p->free_head = 0;
	p->head = NONE;
	p->used = 0;
	return 0;
}

/* Takes e out of the pool; returns its fd, still open. */
static int idle_unlink(struct worker *w, struct http_idle *e)
{
	struct http_pool *p = e->pool;
	int fd = e->fd;

	timer_del(&w->tw, &e->timer);
	proxy_put(e->px);
	if (e->uprev != NONE)
		p->idle[e->uprev].unext = e->unext;
	else
		p->head = e->unext;
	if (e->unext != NONE)
		p->idle[e->unext].uprev = e->uprev;
	e->used = false;
	e->px = NULL;
	e->gen = (e->gen + 1) & UD_GEN_MASK;
	e->next = p->free_head;
	p->free_head = (uint32_t)(e - p->idle);
	p->used--;
	return fd;
}

static void idle_drop(struct worker *w, struct http_idle *e)
{
	close(idle_unlink(w, e));
}

static void idle_timer(struct timer *tm, void *ctx)
{
	struct http_idle *e = (struct http_idle *)((char *)tm - offsetof(struct http_idle, timer));

	if (e->used)
		idle_drop(ctx, e);
}

void http_pool_drop(struct worker *w, struct http_pool *p, const struct proxy *px)
{
	for (uint32_t i = p->head, next; i != NONE; i = next) {
		next = p->idle[i].unext;
		if (!px || p->idle[i].px == px)
			idle_drop(w, &p->idle[i]);
	}
}

void http_pool_free(struct worker *w, struct http_pool *p)
{
	if (p->idle)
		http_pool_drop(w, p, NULL);
	free(p->idle);
	p->idle = NULL;
}

void http_pool_put(struct worker *w, struct http_pool *p, int fd, struct proxy *px,
		   const struct lb *lb, int target, uint32_t max, uint32_t idle_ms)
{
	uint32_t same = 0, slot;
	struct io_uring_sqe *sqe;
	struct http_idle *e;

	for (uint32_t i = p->head; i != NONE; i = p->idle[i].unext)
		if (p->idle[i].lb == lb && p->idle[i].target == target)
			same++;
	if (same >= max || p->free_head == NONE ||
	    atomic_load_explicit(&px->draining, memory_order_relaxed)) {
		close(fd);
		return;
	}
	slot = p->free_head;
	e = &p->idle[slot];
	p->free_head = e->next;
	p->used++;
	e->used = true;
	e->uprev = NONE;
	e->unext = p->head;
	if (p->head != NONE)
		p->idle[p->head].uprev = slot;
	p->head = slot;
	e->fd = fd;
	e->px = px;
	proxy_get(px);
	e->lb = lb;
	e->target = target;
	timer_add(&w->tw, &e->timer, w->now_ms + idle_ms, idle_timer);
	sqe = worker_sqe(w);
	io_uring_prep_poll_add(sqe, fd, POLLIN | POLLRDHUP);
	io_uring_sqe_set_data64(sqe, ud_pack(UD_HTTP_POOL, slot, e->gen, 0));
}

int http_pool_take(struct worker *w, struct http_pool *p, const struct lb *lb, int target)
{
	for (uint32_t i = p->head; i != NONE; i = p->idle[i].unext) {
		struct http_idle *e = &p->idle[i];
		struct io_uring_sqe *sqe;

		if (e->lb != lb || e->target != target)
			continue;
		sqe = worker_sqe(w);
		io_uring_prep_poll_remove(sqe, ud_pack(UD_HTTP_POOL, i, e->gen, 0));
		io_uring_sqe_set_data64(sqe, ud_pack(UD_NONE, 0, 0, 0));
		return idle_unlink(w, e);
	}
	return -1;
}

void http_pool_complete(struct worker *w, struct http_pool *p, uint64_t user_data)
{
	uint32_t slot = ud_slot(user_data);

	/* Input on an idle connection: the upstream closed it or broke the protocol. */
	if (p->idle && slot < p->n && p->idle[slot].used && p->idle[slot].gen == ud_gen(user_data))
		idle_drop(w, &p->idle[slot]);
}
